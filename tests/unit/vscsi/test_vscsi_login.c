/* SPDX-License-Identifier: MIT */
/*
 * test_vscsi_login.c - the engine's client login over the loopback store,
 * with a stand-in xviosd on RUNDIR/api.sock played by the test: the login
 * request carries dom0's identity; the backend stays in InitWait until the
 * answer and goes Connected with the IDs written next to the vhost and the
 * I_T nexus (initiator and TransportID) made from them; a refusal or a
 * malformed answer is retried; no identity fails the vhost at once; no
 * daemon fails it at the deadline (state 5, xvios-error), never Connected.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/vscsi/vscsi_int.h"
#include "tests/lib/vscsifront.h"
#include "tests/unit/loop_fixture.h"
#include "xvios/kv.h"
#include "xvios/loopback.h"
#include "xvios/unixsock.h"
#include "xvios/wire.h"

#define VIOS 5
#define FE   7
#define BE_DIR "/local/domain/5/backend/vscsi/7/0"
#define FE_DIR "/local/domain/7/device/vscsi/0"
#define UUID "6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b"

struct env {
    struct loop_fixture *fx;
    xvios_plat *vios, *fe, *dom0;
    struct xvios_evloop *loop;
    struct xvios_watchmux *mux;
    struct vscsi_engine *eng;
    struct vscsifront *f;
    char run[96], lu[128];
    int lfd, cfd;                  /* the stand-in daemon: listening, the engine's connection */
    char request[512];             /* the last CLIENT_LOGIN payload it got */
    unsigned queries;
    const char *answers[4];        /* answer i to query i (the last one repeats); NULL: OK with the IDs */
    int statuses[4];
};

static uint8_t buf[XVIOS_MAX_MSG];

static void put(struct env *e, const char *path, const char *val)
{
    assert_int_equal(xvios_store_write(e->dom0, XVIOS_TX_NONE, path, val, strlen(val)), 0);
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

static void answer(struct env *e, const struct xvios_msg *q)
{
    unsigned i = e->queries < 4 ? e->queries : 3;
    const char *text = e->answers[i] ? e->answers[i] : "client-id=5\nadapter-id=9\nnode=1\nnew-client=1\nnew-adapter=1\n";
    struct xvios_msg m;
    size_t len;

    memset(&m, 0, sizeof(m));
    m.hdr.version = XVIOS_PROTO_CURRENT;
    m.hdr.opcode = XVIOS_OP_API_RESPONSE;
    m.hdr.txid = q->hdr.txid;
    m.hdr.status = (uint16_t)e->statuses[i];
    m.sub.src_node = 1;
    m.sub.msg_type = XVIOS_MT_CLIENT_LOGIN;
    m.payload = (const uint8_t *)text;
    m.hdr.payload_len = (uint32_t)strlen(text);
    assert_int_equal(xvios_msg_encode(&m, buf, sizeof(buf), &len), XVIOS_WIRE_OK);
    assert_int_equal(send(e->cfd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
    e->queries++;
}

/* The stand-in daemon's turn: accept, read HELLO (ignored) and CLIENT_LOGIN queries, answer them. */
static void daemon_turn(struct env *e)
{
    size_t len;

    for (;;) {
        struct ucred cred;
        int fd;
        if (e->lfd < 0 || xvios_unix_accept(e->lfd, false, &fd, &cred) < 0)
            break;
        if (e->cfd >= 0)
            close(e->cfd);
        e->cfd = fd;
    }
    while (e->cfd >= 0 && xvios_unix_recv(e->cfd, buf, sizeof(buf), &len) == 0) {
        struct xvios_msg q;
        assert_int_equal(xvios_msg_decode_on(XVIOS_CH_CALLER_TO_DAEMON, buf, len, &q), XVIOS_WIRE_OK);
        if (q.hdr.opcode != XVIOS_OP_API_QUERY)
            continue;
        assert_int_equal(q.sub.msg_type, XVIOS_MT_CLIENT_LOGIN);
        assert_true(q.hdr.payload_len < sizeof(e->request));
        memcpy(e->request, q.payload, q.hdr.payload_len);
        e->request[q.hdr.payload_len] = '\0';
        answer(e, &q);
    }
}

static void turn_until(struct env *e, const char *path, const char *want, unsigned ms)
{
    struct timespec dl = xvios_deadline_ms(ms);

    while (!has(e, path, want)) {
        if (xvios_ts_passed(&dl))
            fail_msg("%s never became '%s'", path, want);
        daemon_turn(e);
        assert_true(xvios_evloop_run_once(e->loop, 10) >= 0);
    }
}

static void perms(struct env *e, const char *path, uint32_t owner, uint32_t reader)
{
    struct xvios_perm pl[2] = { { owner, XVIOS_PERM_NONE }, { reader, XVIOS_PERM_READ } };
    assert_int_equal(xvios_store_set_perms(e->dom0, XVIOS_TX_NONE, path, pl, 2), 0);
}

static void env_open(struct env *e, struct loop_fixture *fx, bool daemon, bool identity, uint32_t timeout_ms)
{
    struct vscsi_engine_config c;
    char path[160];
    int fd;

    memset(e, 0, sizeof(*e));
    e->fx = fx;
    e->dom0 = fx->dom0;
    e->lfd = e->cfd = -1;
    snprintf(e->lu, sizeof(e->lu), "%s/lu.img", fx->root);
    fd = open(e->lu, O_CREAT | O_RDWR | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 4 << 20), 0);
    close(fd);
    snprintf(e->run, sizeof(e->run), "%s/run", fx->root);
    assert_int_equal(mkdir(e->run, 0700), 0);
    if (daemon) {
        snprintf(path, sizeof(path), "%s/api.sock", e->run);
        assert_int_equal(xvios_unix_listen(path, 0600, 4, &e->lfd), 0);
    }
    e->vios = loop_fixture_open(fx->root, VIOS);
    e->fe = loop_fixture_open(fx->root, FE);
    assert_non_null(e->vios);
    assert_non_null(e->fe);
    assert_int_equal(xvios_evloop_create(&e->loop), 0);
    assert_int_equal(xvios_watchmux_create(e->vios, e->loop, &e->mux), 0);
    c = (struct vscsi_engine_config){ .plat = e->vios, .loop = e->loop, .watches = e->mux, .rundir = e->run,
                                      .login_timeout_ms = timeout_ms };
    assert_int_equal(vscsi_engine_create(&c, &e->eng), 0);
    assert_int_equal(xvios_loop_domain_create(e->dom0, VIOS, "vios"), 0);
    assert_int_equal(xvios_loop_domain_create(e->dom0, FE, "client"), 0);
    assert_int_equal(xvios_store_mkdir(e->dom0, XVIOS_TX_NONE, FE_DIR), 0);
    assert_int_equal(xvios_store_mkdir(e->dom0, XVIOS_TX_NONE, BE_DIR), 0);
    perms(e, FE_DIR, FE, VIOS);
    perms(e, BE_DIR, VIOS, FE);
    put(e, FE_DIR "/backend", BE_DIR);
    put(e, FE_DIR "/backend-id", "5");
    put(e, FE_DIR "/state", "1");
    put(e, BE_DIR "/frontend", FE_DIR);
    put(e, BE_DIR "/frontend-id", "7");
    put(e, BE_DIR "/online", "1");
    if (identity) {
        put(e, BE_DIR "/xvios-client-uuid", UUID);
        put(e, BE_DIR "/xvios-client-name", "client-a");
    }
    put(e, BE_DIR "/vscsi-devs/dev-0/p-dev", e->lu);
    put(e, BE_DIR "/vscsi-devs/dev-0/v-dev", "0:0:0:0");
    put(e, BE_DIR "/vscsi-devs/dev-0/state", "1");
    put(e, BE_DIR "/state", "1");
    assert_int_equal(vscsifront_open(e->fe, VIOS, 64, &e->f), 0);
}

static void env_close(struct env *e)
{
    vscsi_engine_destroy(e->eng);
    vscsifront_close(e->f);
    xvios_watchmux_destroy(e->mux);
    xvios_evloop_destroy(e->loop);
    xvios_plat_close(e->fe);
    xvios_plat_close(e->vios);
    if (e->cfd >= 0)
        close(e->cfd);
    if (e->lfd >= 0)
        close(e->lfd);
}

static void fe_connect(struct env *e)
{
    char v[16];

    snprintf(v, sizeof(v), "%u", vscsifront_ring_ref(e->f));
    assert_int_equal(xvios_store_write(e->fe, XVIOS_TX_NONE, FE_DIR "/ring-ref", v, strlen(v)), 0);
    snprintf(v, sizeof(v), "%u", vscsifront_evtchn(e->f));
    assert_int_equal(xvios_store_write(e->fe, XVIOS_TX_NONE, FE_DIR "/event-channel", v, strlen(v)), 0);
    assert_int_equal(xvios_store_write(e->fe, XVIOS_TX_NONE, FE_DIR "/state", "3", 1), 0);
}

static void test_login_sets_ids_and_nexus(void **state)
{
    struct env e;
    char v[64];

    env_open(&e, *state, true, true, 0);
    e.answers[0] = "busy";                 /* a refusal first: retried */
    e.statuses[0] = XVIOS_ST_TRY_AGAIN;
    e.answers[1] = "client-id=0\nadapter-id=9\n";   /* then a malformed answer: retried */
    e.statuses[1] = XVIOS_ST_OK;
    turn_until(&e, BE_DIR "/state", "2", 5000);
    fe_connect(&e);
    turn_until(&e, BE_DIR "/state", "4", 10000);
    assert_int_equal(e.queries, 3);
    assert_true(has(&e, BE_DIR "/xvios-client-id", "5"));
    assert_true(has(&e, BE_DIR "/xvios-adapter-id", "9"));
    /* what the engine asked with: dom0's identity, the frontend's domid, the vhost */
    assert_int_equal(xvios_kv_get(e.request, strlen(e.request), "uuid", v, sizeof(v)), 0);
    assert_string_equal(v, UUID);
    assert_int_equal(xvios_kv_get(e.request, strlen(e.request), "name", v, sizeof(v)), 0);
    assert_string_equal(v, "client-a");
    assert_int_equal(xvios_kv_get(e.request, strlen(e.request), "domid", v, sizeof(v)), 0);
    assert_string_equal(v, "7");
    assert_int_equal(xvios_kv_get(e.request, strlen(e.request), "vhost", v, sizeof(v)), 0);
    assert_string_equal(v, "0");
    /* the nexus is the cluster's IDs, not the domid's */
    struct vscsi_vhost *vh = e.eng->vhosts;
    assert_non_null(vh);
    assert_true(vh->nexus.initiator == ((uint64_t)5 << 32 | 9));
    assert_int_equal(vh->nexus.transport_id[0], 0x05);
    assert_string_equal((const char *)vh->nexus.transport_id + 4, "xvios.client5.adapter9");
    assert_int_equal(vh->nexus.transport_id_len % 4, 0);
    assert_int_equal(vh->nexus.target_port, VIOS);
    env_close(&e);
}

static void test_no_identity_fails_at_once(void **state)
{
    struct env e;
    char *v = NULL;

    env_open(&e, *state, true, false, 0);
    turn_until(&e, BE_DIR "/state", "2", 5000);
    fe_connect(&e);
    turn_until(&e, BE_DIR "/state", "5", 5000);
    assert_int_equal(xvios_store_read(e.dom0, XVIOS_TX_NONE, BE_DIR "/xvios-error", &v, NULL), 0);
    assert_non_null(strstr(v, "no client identity from dom0"));
    free(v);
    assert_int_equal(e.queries, 0);
    env_close(&e);
}

static void test_no_daemon_fails_at_deadline(void **state)
{
    struct env e;
    char *v = NULL;
    struct timespec t0;

    env_open(&e, *state, false, true, 400);
    turn_until(&e, BE_DIR "/state", "2", 5000);
    t0 = xvios_now();
    fe_connect(&e);
    /* never Connected: from 2 straight to 5 after the deadline */
    while (!has(&e, BE_DIR "/state", "5")) {
        assert_false(has(&e, BE_DIR "/state", "4"));
        assert_true(xvios_ts_cmp(xvios_now(), xvios_ts_add_ms(t0, 5000)) < 0);
        assert_true(xvios_evloop_run_once(e.loop, 10) >= 0);
    }
    assert_true(xvios_ts_cmp(xvios_now(), xvios_ts_add_ms(t0, 350)) >= 0);
    assert_int_equal(xvios_store_read(e.dom0, XVIOS_TX_NONE, BE_DIR "/xvios-error", &v, NULL), 0);
    assert_non_null(strstr(v, "client login failed: no registration from xviosd within 400 ms"));
    free(v);
    assert_int_equal(xvios_store_read(e.dom0, XVIOS_TX_NONE, BE_DIR "/xvios-client-id", &v, NULL), -ENOENT);
    env_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_login_sets_ids_and_nexus),
        LOOP_FIXTURE_TEST(test_no_identity_fails_at_once),
        LOOP_FIXTURE_TEST(test_no_daemon_fails_at_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
