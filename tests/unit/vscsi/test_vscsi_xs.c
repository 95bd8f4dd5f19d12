/* SPDX-License-Identifier: MIT */
/*
 * test_vscsi_xs.c - the engine's backend state machine over the loopback
 * store, driven as dom0's toolstack and a frontend (tests/lib/vscsifront)
 * drive it: probe (InitWait + feature-sg-grant), connect on the frontend's 3
 * (dev-0 1 -> 3, then 4), dev-N 3 -> 4 on the frontend's 4, hot-add and
 * hot-remove through 7/8, a dev-N the engine refuses (6), Closing and Closed,
 * a reconnecting frontend, and the vhost freed when its directory goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
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

struct env {
    struct loop_fixture *fx;
    xvios_plat *vios, *fe, *dom0;
    struct xvios_evloop *loop;
    struct xvios_watchmux *mux;
    struct vscsi_engine *eng;
    struct vscsifront *f;
    char lu[2][128];
};

static void put(struct env *e, const char *path, const char *val)
{
    assert_int_equal(xvios_store_write(e->dom0, XVIOS_TX_NONE, path, val, strlen(val)), 0);
}

static void fe_put(struct env *e, const char *key, const char *val)
{
    char path[256];

    snprintf(path, sizeof(path), FE_DIR "/%s", key);
    assert_int_equal(xvios_store_write(e->fe, XVIOS_TX_NONE, path, val, strlen(val)), 0);
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

/* Turn the engine's loop until path holds want (at most 5 s). */
static void turn_until(struct env *e, const char *path, const char *want)
{
    struct timespec dl = xvios_deadline_ms(5000);

    while (!has(e, path, want)) {
        if (xvios_ts_passed(&dl))
            fail_msg("%s never became '%s'", path, want);
        assert_true(xvios_evloop_run_once(e->loop, 20) >= 0);
    }
}

static void turn(struct env *e, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        assert_true(xvios_evloop_run_once(e->loop, 10) >= 0);
}

static void perms(struct env *e, const char *path, uint32_t owner, uint32_t reader)
{
    struct xvios_perm pl[2] = { { owner, XVIOS_PERM_NONE }, { reader, XVIOS_PERM_READ } };

    assert_int_equal(xvios_store_set_perms(e->dom0, XVIOS_TX_NONE, path, pl, 2), 0);
}

static void add_dev(struct env *e, unsigned n, const char *vdev, const char *lu)
{
    char p[256];

    snprintf(p, sizeof(p), BE_DIR "/vscsi-devs/dev-%u/p-dev", n);
    put(e, p, lu);
    snprintf(p, sizeof(p), BE_DIR "/vscsi-devs/dev-%u/v-dev", n);
    put(e, p, vdev);
    snprintf(p, sizeof(p), BE_DIR "/vscsi-devs/dev-%u/state", n);
    put(e, p, "1");
}

static void env_open(struct env *e, struct loop_fixture *fx)
{
    struct vscsi_engine_config c;

    memset(e, 0, sizeof(*e));
    e->fx = fx;
    e->dom0 = fx->dom0;
    for (int i = 0; i < 2; i++) {
        int fd;
        snprintf(e->lu[i], sizeof(e->lu[i]), "%s/lu%d.img", fx->root, i);
        fd = open(e->lu[i], O_CREAT | O_RDWR | O_TRUNC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 4 << 20), 0);
        close(fd);
    }
    e->vios = loop_fixture_open(fx->root, VIOS);
    e->fe = loop_fixture_open(fx->root, FE);
    assert_non_null(e->vios);
    assert_non_null(e->fe);
    assert_int_equal(xvios_evloop_create(&e->loop), 0);
    assert_int_equal(xvios_watchmux_create(e->vios, e->loop, &e->mux), 0);
    c = (struct vscsi_engine_config){ .plat = e->vios, .loop = e->loop, .watches = e->mux };
    assert_int_equal(vscsi_engine_create(&c, &e->eng), 0);
    assert_int_equal(xvios_loop_domain_create(e->dom0, VIOS, "vios"), 0);
    assert_int_equal(xvios_loop_domain_create(e->dom0, FE, "client"), 0);
    /* dom0's toolstack: both directories with libxl's permissions, then the keys */
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
    put(e, BE_DIR "/feature-host", "0");
    add_dev(e, 0, "0:0:0:0", e->lu[0]);
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
}

static void fe_connect(struct env *e)
{
    char v[16];

    snprintf(v, sizeof(v), "%u", vscsifront_ring_ref(e->f));
    fe_put(e, "ring-ref", v);
    snprintf(v, sizeof(v), "%u", vscsifront_evtchn(e->f));
    fe_put(e, "event-channel", v);
    fe_put(e, "state", "3");
}

static void test_probe_connect_close(void **state)
{
    struct vscsi_engine_stats st;
    struct env e;

    env_open(&e, *state);
    turn_until(&e, BE_DIR "/state", "2");
    assert_true(has(&e, BE_DIR "/feature-sg-grant", "128"));
    assert_true(has(&e, BE_DIR "/vscsi-devs/dev-0/state", "1"));   /* nothing mapped before the frontend */
    vscsi_engine_get_stats(e.eng, &st);
    assert_int_equal(st.vhosts, 1);
    assert_int_equal(st.connected, 0);

    fe_connect(&e);
    turn_until(&e, BE_DIR "/state", "4");
    assert_true(has(&e, BE_DIR "/vscsi-devs/dev-0/state", "3"));   /* Connected only after dev-N is 3 */
    vscsi_engine_get_stats(e.eng, &st);
    assert_int_equal(st.connected, 1);
    assert_true(xvios_loop_evtchn_bound(vscsifront_gntshr(e.f), vscsifront_evtchn(e.f)));

    fe_put(&e, "state", "4");
    turn_until(&e, BE_DIR "/vscsi-devs/dev-0/state", "4");

    fe_put(&e, "state", "5");
    turn_until(&e, BE_DIR "/state", "5");
    vscsi_engine_get_stats(e.eng, &st);
    assert_int_equal(st.connected, 0);
    assert_false(xvios_loop_evtchn_bound(vscsifront_gntshr(e.f), vscsifront_evtchn(e.f)));
    fe_put(&e, "state", "6");
    turn_until(&e, BE_DIR "/state", "6");

    /* a frontend that starts over gets the vhost offered again and reconnects */
    fe_put(&e, "state", "1");
    turn_until(&e, BE_DIR "/state", "2");
    fe_put(&e, "state", "3");
    turn_until(&e, BE_DIR "/state", "4");
    vscsi_engine_get_stats(e.eng, &st);
    assert_int_equal(st.connected, 1);

    /* the toolstack removes the vhost: the engine lets go of it */
    assert_int_equal(xvios_store_rm(e.dom0, XVIOS_TX_NONE, BE_DIR), 0);
    for (int i = 0; i < 200 && (vscsi_engine_get_stats(e.eng, &st), st.vhosts); i++)
        turn(&e, 1);
    assert_int_equal(st.vhosts, 0);
    assert_false(xvios_loop_evtchn_bound(vscsifront_gntshr(e.f), vscsifront_evtchn(e.f)));
    env_close(&e);
}

static void test_hotplug(void **state)
{
    struct env e;

    env_open(&e, *state);
    fe_connect(&e);
    turn_until(&e, BE_DIR "/state", "4");
    fe_put(&e, "state", "4");
    turn_until(&e, BE_DIR "/vscsi-devs/dev-0/state", "4");

    /* hot-add: the toolstack writes dev-1 and state 7; the backend waits for the frontend's 7 */
    add_dev(&e, 1, "0:0:0:1", e.lu[1]);
    put(&e, BE_DIR "/state", "7");
    turn(&e, 5);
    assert_true(has(&e, BE_DIR "/state", "7"));                    /* not overwritten before the frontend */
    assert_true(has(&e, BE_DIR "/vscsi-devs/dev-1/state", "1"));
    fe_put(&e, "state", "7");
    turn_until(&e, BE_DIR "/state", "8");
    assert_true(has(&e, BE_DIR "/vscsi-devs/dev-1/state", "3"));
    fe_put(&e, "state", "4");
    turn_until(&e, BE_DIR "/state", "4");
    turn_until(&e, BE_DIR "/vscsi-devs/dev-1/state", "4");

    /* a dev-N the engine cannot serve: the wrong vhost in v-dev, a duplicate v-dev, a relative p-dev */
    add_dev(&e, 2, "3:0:0:2", e.lu[1]);
    add_dev(&e, 3, "0:0:0:1", e.lu[1]);
    add_dev(&e, 4, "0:0:0:4", "relative/path");
    put(&e, BE_DIR "/state", "7");
    fe_put(&e, "state", "7");
    turn_until(&e, BE_DIR "/state", "8");
    assert_true(has(&e, BE_DIR "/vscsi-devs/dev-2/state", "6"));
    assert_true(has(&e, BE_DIR "/vscsi-devs/dev-3/state", "6"));
    assert_true(has(&e, BE_DIR "/vscsi-devs/dev-4/state", "6"));
    fe_put(&e, "state", "4");
    turn_until(&e, BE_DIR "/state", "4");

    /* hot-remove dev-1 */
    put(&e, BE_DIR "/vscsi-devs/dev-1/state", "5");
    put(&e, BE_DIR "/state", "7");
    fe_put(&e, "state", "7");
    turn_until(&e, BE_DIR "/vscsi-devs/dev-1/state", "6");
    turn_until(&e, BE_DIR "/state", "8");
    fe_put(&e, "state", "4");
    turn_until(&e, BE_DIR "/state", "4");
    assert_true(has(&e, BE_DIR "/vscsi-devs/dev-0/state", "4"));
    env_close(&e);
}

/* A hot-add written by the toolstack before the engine has seen the frontend's Connected (attach
 * --config adds its second entry as soon as the first is in): the late Connected must not put the
 * backend back to 4 over the toolstack's Reconfiguring, or the hot-add is never run. */
static void test_hotadd_races_late_connected(void **state)
{
    struct env e;

    env_open(&e, *state);
    fe_connect(&e);
    turn_until(&e, BE_DIR "/state", "4");
    fe_put(&e, "state", "4");                   /* not yet handled by the engine ... */
    add_dev(&e, 1, "0:0:0:1", e.lu[1]);
    put(&e, BE_DIR "/state", "7");              /* ... when the toolstack starts the hot-add */
    turn(&e, 10);
    assert_true(has(&e, BE_DIR "/state", "7"));
    assert_true(has(&e, BE_DIR "/vscsi-devs/dev-0/state", "4"));
    fe_put(&e, "state", "7");
    turn_until(&e, BE_DIR "/state", "8");
    assert_true(has(&e, BE_DIR "/vscsi-devs/dev-1/state", "3"));
    fe_put(&e, "state", "4");
    turn_until(&e, BE_DIR "/state", "4");
    turn_until(&e, BE_DIR "/vscsi-devs/dev-1/state", "4");
    env_close(&e);
}

static void test_bad_frontend(void **state)
{
    struct env e;

    env_open(&e, *state);
    turn_until(&e, BE_DIR "/state", "2");
    /* a ring-ref the frontend never granted: Closing, with the reason recorded */
    fe_put(&e, "ring-ref", "4000");
    fe_put(&e, "event-channel", "1");
    fe_put(&e, "state", "3");
    turn_until(&e, BE_DIR "/state", "5");
    {
        char *v = NULL;
        size_t len = 0;
        assert_int_equal(xvios_store_read(e.dom0, XVIOS_TX_NONE, BE_DIR "/xvios-error", &v, &len), 0);
        assert_non_null(memmem(v, len, "ring-ref 4000", 13));
        free(v);
    }
    env_close(&e);
}

static void test_kernel_backend_probe(void **state)
{
    struct loop_fixture *fx = *state;
    char dir[200];

    snprintf(dir, sizeof(dir), "%s/module", fx->root);
    assert_false(vscsi_kernel_backend_loaded(fx->root));
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof(dir), "%s/module/xen_scsiback", fx->root);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_true(vscsi_kernel_backend_loaded(fx->root));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_probe_connect_close),
        LOOP_FIXTURE_TEST(test_hotplug),
        LOOP_FIXTURE_TEST(test_hotadd_races_late_connected),
        LOOP_FIXTURE_TEST(test_bad_frontend),
        LOOP_FIXTURE_TEST(test_kernel_backend_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
