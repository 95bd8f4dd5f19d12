/* SPDX-License-Identifier: MIT */
/*
 * test_vscsi_resume.c - the engine taking over a ring its frontend has been
 * using (backend/vscsi/vscsi_ring.c; docs/vscsi.md, "Reviving a VIOS"): the
 * frontend is Connected before the engine ever maps the ring, its indexes
 * far from 0. The engine attaches at the shared response producer and
 * answers exactly the requests in [rsp_prod, req_prod) -- two TEST UNIT
 * READYs and an ABORT published without an event -- and a ring whose
 * producer claims more outstanding requests than it holds is a sticky ring
 * error, with nothing answered and the vhost not closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/vscsi/vscsi_engine.h"
#include "tests/lib/vscsifront.h"
#include "tests/unit/loop_fixture.h"
#include "xvios/clock.h"

#define VIOS 5
#define FE   7
#define BE_DIR "/local/domain/5/backend/vscsi/7/0"
#define FE_DIR "/local/domain/7/device/vscsi/0"
#define START 1000u       /* where the previous backend left the indexes */

struct env {
    xvios_plat *vios, *fe, *dom0;
    struct xvios_evloop *loop;
    struct xvios_watchmux *mux;
    struct vscsi_engine *eng;
    struct vscsifront *f;
    char lu[128];
};

static void put(xvios_plat *p, const char *path, const char *val)
{
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, path, val, strlen(val)), 0);
}

static bool has(struct env *e, const char *path, const char *want)
{
    char *v = NULL;
    size_t len = 0;
    bool ok = xvios_store_read(e->dom0, XVIOS_TX_NONE, path, &v, &len) == 0 && len == strlen(want) &&
              memcmp(v, want, len) == 0;

    free(v);
    return ok;
}

static void perms(struct env *e, const char *path, uint32_t owner, uint32_t reader)
{
    struct xvios_perm pl[2] = { { owner, XVIOS_PERM_NONE }, { reader, XVIOS_PERM_READ } };

    assert_int_equal(xvios_store_set_perms(e->dom0, XVIOS_TX_NONE, path, pl, 2), 0);
}

/* A frontend Connected on a ring at index START, and the backend dir dom0 writes for a resume. */
static void env_open(struct env *e, struct loop_fixture *fx)
{
    char v[16];
    int fd;

    memset(e, 0, sizeof(*e));
    e->dom0 = fx->dom0;
    snprintf(e->lu, sizeof(e->lu), "%s/lu.img", fx->root);
    fd = open(e->lu, O_CREAT | O_RDWR | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 4 << 20), 0);
    close(fd);
    e->vios = loop_fixture_open(fx->root, VIOS);
    e->fe = loop_fixture_open(fx->root, FE);
    assert_non_null(e->vios);
    assert_non_null(e->fe);
    assert_int_equal(xvios_evloop_create(&e->loop), 0);
    assert_int_equal(xvios_watchmux_create(e->vios, e->loop, &e->mux), 0);
    assert_int_equal(xvios_loop_domain_create(e->dom0, VIOS, "vios"), 0);
    assert_int_equal(xvios_loop_domain_create(e->dom0, FE, "client"), 0);
    assert_int_equal(vscsifront_open(e->fe, VIOS, 64, &e->f), 0);

    /* the frontend as the dead backend left it: Connected, its ring well used */
    assert_int_equal(xvios_store_mkdir(e->dom0, XVIOS_TX_NONE, FE_DIR), 0);
    perms(e, FE_DIR, FE, VIOS);
    put(e->dom0, FE_DIR "/backend", BE_DIR);
    put(e->dom0, FE_DIR "/backend-id", "5");
    snprintf(v, sizeof(v), "%u", vscsifront_ring_ref(e->f));
    put(e->fe, FE_DIR "/ring-ref", v);
    snprintf(v, sizeof(v), "%u", vscsifront_evtchn(e->f));
    put(e->fe, FE_DIR "/event-channel", v);
    put(e->fe, FE_DIR "/state", "4");
    vscsifront_sring(e->f)->req_prod = vscsifront_sring(e->f)->rsp_prod = START;
    vscsifront_sring(e->f)->req_event = vscsifront_sring(e->f)->rsp_event = START + 1;
    vscsifront_ring(e->f)->req_prod_pvt = vscsifront_ring(e->f)->rsp_cons = START;
}

/* dom0's `rebuild --resume`: the backend dir alone, then the engine. */
static void backend_dir(struct env *e)
{
    struct vscsi_engine_config c = { .plat = e->vios, .loop = e->loop, .watches = e->mux };

    assert_int_equal(xvios_store_mkdir(e->dom0, XVIOS_TX_NONE, BE_DIR), 0);
    perms(e, BE_DIR, VIOS, FE);
    put(e->dom0, BE_DIR "/frontend", FE_DIR);
    put(e->dom0, BE_DIR "/frontend-id", "7");
    put(e->dom0, BE_DIR "/online", "1");
    put(e->dom0, BE_DIR "/feature-host", "0");
    put(e->dom0, BE_DIR "/vscsi-devs/dev-0/p-dev", e->lu);
    put(e->dom0, BE_DIR "/vscsi-devs/dev-0/v-dev", "0:0:0:0");
    put(e->dom0, BE_DIR "/vscsi-devs/dev-0/state", "1");
    put(e->dom0, BE_DIR "/state", "1");
    assert_int_equal(vscsi_engine_create(&c, &e->eng), 0);
}

static void env_close(struct env *e)
{
    vscsi_engine_destroy(e->eng);
    vscsifront_close(e->f);
    xvios_watchmux_destroy(e->mux);
    xvios_evloop_destroy(e->loop);
    xvios_plat_close(e->fe);
    xvios_plat_close(e->vios);
}

static void turn_until_rsp(struct env *e, RING_IDX want)
{
    struct timespec dl = xvios_deadline_ms(5000);

    while (vscsifront_sring(e->f)->rsp_prod != want) {
        if (xvios_ts_passed(&dl))
            fail_msg("rsp_prod %u, never %u", vscsifront_sring(e->f)->rsp_prod, want);
        assert_true(xvios_evloop_run_once(e->loop, 20) >= 0);
    }
}

static void turn(struct env *e, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        assert_true(xvios_evloop_run_once(e->loop, 10) >= 0);
}

static void test_resume_answers_outstanding(void **state)
{
    const uint8_t tur[6] = { 0 };
    struct vscsiif_request *r;
    struct vscsi_engine_stats st;
    unsigned seen[8] = { 0 };
    struct env e;

    env_open(&e, *state);
    for (uint16_t rqid = 3; rqid <= 4; rqid++) {
        assert_non_null(r = vscsifront_req_next(e.f));
        vscsifront_req_cdb(r, rqid, 0, 0, 0, tur, 6, 3);
    }
    assert_non_null(r = vscsifront_req_next(e.f));
    memset(r, 0, sizeof(*r));
    r->act = VSCSIIF_ACT_SCSI_ABORT;
    r->rqid = 5;
    r->ref_rqid = 3;
    RING_PUSH_REQUESTS(vscsifront_ring(e.f));       /* no event: owed by the dead backend */
    backend_dir(&e);

    turn_until_rsp(&e, START + 3);
    assert_true(has(&e, BE_DIR "/state", "4"));
    assert_true(has(&e, BE_DIR "/vscsi-devs/dev-0/state", "4"));
    for (RING_IDX i = START; i < START + 3; i++) {
        struct vscsiif_response *rsp = RING_GET_RESPONSE(vscsifront_ring(e.f), i);

        assert_true(rsp->rqid >= 3 && rsp->rqid <= 5);
        seen[rsp->rqid]++;
        if (rsp->rqid == 5)
            assert_int_equal(rsp->rslt, 0x2002);
        else    /* GOOD, or the unit attention of the engine's power-on */
            assert_true(rsp->rslt == 0 || (rsp->rslt == 2 && (rsp->sense_buffer[2] & 0xf) == 6));
    }
    assert_int_equal(seen[3], 1);
    assert_int_equal(seen[4], 1);
    assert_int_equal(seen[5], 1);
    turn(&e, 20);
    assert_int_equal(vscsifront_sring(e.f)->rsp_prod, START + 3);   /* nothing more */
    vscsi_engine_get_stats(e.eng, &st);
    assert_int_equal(st.connected, 1);
    assert_int_equal(st.ring_errors, 0);
    env_close(&e);
}

static void test_resume_overflow_is_sticky(void **state)
{
    struct vscsi_engine_stats st;
    struct env e;
    char *err = NULL;
    size_t len = 0;

    env_open(&e, *state);
    /* more outstanding than the ring's slots: no backend can have left that */
    vscsifront_sring(e.f)->req_prod = START + 17;
    backend_dir(&e);
    for (int i = 0; i < 100 && (vscsi_engine_get_stats(e.eng, &st), st.ring_errors == 0); i++)
        turn(&e, 1);
    assert_int_equal(st.ring_errors, 1);
    assert_int_equal(st.connected, 0);
    turn(&e, 20);
    assert_int_equal(vscsifront_sring(e.f)->rsp_prod, START);      /* nothing answered */
    assert_false(has(&e, BE_DIR "/state", "5"));                      /* and not closed */
    assert_int_equal(xvios_store_read(e.dom0, XVIOS_TX_NONE, BE_DIR "/xvios-error", &err, &len), 0);
    assert_non_null(strstr(err, "more requests outstanding than the ring holds"));
    free(err);
    env_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_resume_answers_outstanding),
        LOOP_FIXTURE_TEST(test_resume_overflow_is_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
