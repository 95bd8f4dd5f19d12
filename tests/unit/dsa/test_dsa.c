/* SPDX-License-Identifier: MIT */
/*
 * test_dsa.c - the path monitor (backend/dsa) over a real LU store on a
 * temporary file, in a private event loop, with the store's fault injection
 * standing for the fabric:
 *   * a path starts GOOD and periodic probes keep it so;
 *   * an I/O that meets EIO makes it SUSPECT at once (before that I/O's own
 *     callback runs), the probe finds it LOST; the observer hears it;
 *   * the fabric back, the periodic probe restores it;
 *   * an idle path that dies is found LOST by the periodic probe alone;
 *   * a bad block (EIO on one range only) is SUSPECT, then GOOD again: no loss;
 *   * the test fault switch file (a line with this domid) fails every store
 *     of the path, its removal restores it; a line for another domid does not;
 *   * a device replaced: the switch on, the backing renamed away, the switch
 *     off: the path stays LOST (the old fd is dead, no device under the
 *     path); a new file under the path: the engine's store is reopened, the
 *     path restored, and the engine's reads return the new file's data.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/dsa/dsa.h"
#include "tests/unit/loop_fixture.h"
#include "tests/unit/lu/lu_fixture.h"
#include "xvios/clock.h"

struct env {
    struct loop_fixture lf;
    struct xvios_evloop *loop;
    struct lu_store *store;
    struct xvios_ev_fd *src;
    struct dsa *d;
    struct dsa_path *p;
    char file[256], fault[300], moved[300];
    unsigned verdicts[3];
    enum dsa_state state_at_io_cb;
};

static struct env E;

static void on_store(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    (void)src;
    (void)fd;
    (void)revents;
    lu_store_dispatch(arg);
}

static void on_verdict(void *arg, struct dsa_path *p, enum dsa_state st)
{
    struct env *e = arg;

    assert_ptr_equal(p, e->p);
    e->verdicts[st]++;
}

/* Turn the loop until the path is in state st (true) or ms passed (false). */
static bool run_until(enum dsa_state st, unsigned ms)
{
    struct timespec dl = xvios_deadline_ms(ms);

    while (!xvios_ts_passed(&dl)) {
        if (dsa_path_state(E.p) == st)
            return true;
        xvios_evloop_run_once(E.loop, 20);
    }
    return dsa_path_state(E.p) == st;
}

static void run_ms(unsigned ms)
{
    struct timespec dl = xvios_deadline_ms(ms);

    while (!xvios_ts_passed(&dl))
        xvios_evloop_run_once(E.loop, 10);
}

/* The I/O's own callback: what the path's state is when the command that met the error completes. */
static void io_cb(void *opaque, int64_t result)
{
    E.state_at_io_cb = dsa_path_state(E.p);
    lu_fx_cb(opaque, result);
}

static uint8_t *read_buf;

/* One 4 KiB read at off through the engine's store (into read_buf); its result. */
static int64_t read_at(uint64_t off)
{
    static uint8_t *buf;
    struct lu_fx_done done = { 0 };
    struct timespec dl = xvios_deadline_ms(5000);

    if (!buf)
        buf = read_buf = lu_store_alloc_buf(4096);
    assert_int_equal(lu_store_read(E.store, buf, 4096, off, io_cb, &done), 0);
    while (!done.calls && !xvios_ts_passed(&dl))
        xvios_evloop_run_once(E.loop, 20);
    assert_int_equal(done.calls, 1);
    return done.result;
}

static int setup(void **state)
{
    struct lu_store_opts so = { 0 };
    struct dsa_config dc = { 0 };

    (void)state;
    memset(&E, 0, sizeof(E));
    assert_int_equal(loop_fixture_setup(&E.lf), 0);
    assert_int_equal(lu_fx_tmpfile(NULL, 4u << 20, true, E.file), 0);
    snprintf(E.fault, sizeof(E.fault), "%s/fault", E.lf.root);
    assert_int_equal(xvios_evloop_create(&E.loop), 0);
    so.path = E.file;
    assert_int_equal(lu_store_open(&so, &E.store), 0);
    assert_int_equal(xvios_evloop_fd_add(E.loop, lu_store_fd(E.store), POLLIN, on_store, E.store, &E.src), 0);
    dc.plat = E.lf.dom0;
    dc.loop = E.loop;
    dc.domid = 5;
    dc.interval_ms = 100;
    dc.probe_timeout_ms = 500;
    dc.fault_file = E.fault;
    assert_int_equal(dsa_create(&dc, &E.d), 0);
    dsa_set_observer(E.d, on_verdict, &E);
    assert_int_equal(dsa_attach(E.d, "lu1", E.file, 0, E.store, &E.p), 0);
    assert_ptr_equal(dsa_find(E.d, "lu1"), E.p);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dsa_detach(E.d, E.p, E.store);
    assert_null(dsa_find(E.d, "lu1"));
    dsa_destroy(E.d);
    xvios_evloop_fd_remove(E.src);
    lu_store_close(E.store);
    xvios_evloop_destroy(E.loop);
    unlink(E.file);
    if (E.moved[0])
        unlink(E.moved);
    loop_fixture_teardown(&E.lf);
    return 0;
}

static void test_loss_and_return(void **state)
{
    struct dsa_stats st;

    (void)state;
    run_ms(350);                                         /* periodic probes of a good path */
    assert_int_equal(dsa_path_state(E.p), DSA_GOOD);
    assert_true(E.verdicts[DSA_GOOD] >= 1);
    assert_int_equal(E.verdicts[DSA_LOST], 0);
    /* the fabric goes: the I/O that meets it sees the path SUSPECT already; then LOST */
    assert_int_equal(lu_store_inject_error(E.store, 0, UINT64_MAX, EIO), 0);
    assert_int_equal(read_at(8192), -EIO);
    assert_int_equal(E.state_at_io_cb, DSA_SUSPECT);
    assert_true(run_until(DSA_LOST, 2000));
    assert_int_equal(E.verdicts[DSA_LOST], 1);
    /* back: the periodic probe restores it */
    run_ms(300);                                         /* periods of failing probes while lost */
    assert_int_equal(dsa_path_io_errors(E.p), 1);        /* the engine's read; no probe counted */
    lu_store_clear_injected(E.store);
    assert_true(run_until(DSA_GOOD, 2000));
    dsa_get_stats(E.d, &st);
    assert_int_equal(st.lost, 1);
    assert_int_equal(st.restored, 1);
    assert_true(st.fabric_errors >= 1);
    /* an idle path that dies: no I/O at all, the period finds it */
    assert_int_equal(lu_store_inject_error(E.store, 0, UINT64_MAX, ENODEV), 0);
    assert_true(run_until(DSA_LOST, 2000));
    lu_store_clear_injected(E.store);
    assert_true(run_until(DSA_GOOD, 2000));
    dsa_get_stats(E.d, &st);
    assert_int_equal(st.lost, 2);
}

static void test_bad_block_is_no_loss(void **state)
{
    struct dsa_stats st;

    (void)state;
    /* EIO on one block only: the probe (at the region's start) reads fine */
    assert_int_equal(lu_store_inject_error(E.store, 1u << 20, 4096, EIO), 0);
    assert_int_equal(read_at(1u << 20), -EIO);
    assert_int_equal(E.state_at_io_cb, DSA_SUSPECT);
    assert_true(run_until(DSA_GOOD, 2000));
    assert_int_equal(read_at(1u << 20), -EIO);
    run_ms(300);
    dsa_get_stats(E.d, &st);
    assert_int_equal(st.lost, 0);
    assert_int_equal(dsa_path_io_errors(E.p), 2);        /* both reads that met the bad block, counted by a period */
    assert_int_equal(E.verdicts[DSA_LOST], 0);
    /* other errors are no fabric loss: not even suspect */
    lu_store_clear_injected(E.store);
    assert_int_equal(lu_store_inject_error(E.store, 1u << 20, 4096, ENOSPC), 0);
    assert_int_equal(read_at(1u << 20), -ENOSPC);
    assert_int_equal(E.state_at_io_cb, DSA_GOOD);
}

static void put(const char *text)
{
    FILE *f = fopen(E.fault, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_fault_switch(void **state)
{
    (void)state;
    put("6\n7 lu1\n");                                   /* other VIOSes only */
    run_ms(350);
    assert_int_equal(dsa_path_state(E.p), DSA_GOOD);
    assert_int_equal(read_at(0), 4096);
    put("6\n5 lu2\n");                                   /* this VIOS, another LU */
    run_ms(350);
    assert_int_equal(dsa_path_state(E.p), DSA_GOOD);
    put("5 lu1\n");                                      /* this VIOS, this LU */
    assert_true(run_until(DSA_LOST, 2000));
    assert_int_equal(read_at(0), -EIO);                  /* the engine's own I/O fails too */
    assert_int_equal(unlink(E.fault), 0);
    assert_true(run_until(DSA_GOOD, 2000));
    assert_int_equal(read_at(0), 4096);
    put("5\n");                                          /* every LU of this VIOS */
    assert_true(run_until(DSA_LOST, 2000));
    put("garbage\n\n99999999999 lu1\n");                 /* nothing that names it */
    assert_true(run_until(DSA_GOOD, 2000));
}

static void test_device_replaced(void **state)
{
    struct dsa_stats st;
    uint8_t *img;
    FILE *f;

    (void)state;
    assert_int_equal(read_at(4096), 4096);
    assert_true(lu_fx_check(read_buf, 4096, 4096, 0));
    put("5 lu1\n");                                      /* the device goes */
    assert_true(run_until(DSA_LOST, 2000));
    snprintf(E.moved, sizeof(E.moved), "%s.gone", E.file);
    assert_int_equal(rename(E.file, E.moved), 0);        /* and its node with it */
    assert_int_equal(unlink(E.fault), 0);
    run_ms(500);                                         /* 5 periods: nothing under the path, the old fd dead */
    assert_int_equal(dsa_path_state(E.p), DSA_LOST);
    assert_int_equal(read_at(4096), -EIO);
    assert_int_equal(lu_store_reopens(E.store), 0);
    /* a new device under the same path (other data, the same size) */
    img = malloc(4u << 20);
    assert_non_null(img);
    lu_fx_fill(img, 4u << 20, 0, 0x5a);
    f = fopen(E.file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, 4u << 20, f), 4u << 20);
    assert_int_equal(fclose(f), 0);
    free(img);
    assert_true(run_until(DSA_GOOD, 2000));
    assert_int_equal(lu_store_reopens(E.store), 1);
    dsa_get_stats(E.d, &st);
    assert_int_equal(st.reopens, 1);
    assert_int_equal(st.restored, 1);
    assert_int_equal(read_at(4096), 4096);               /* through the engine's store: the new device */
    assert_true(lu_fx_check(read_buf, 4096, 4096, 0x5a));
    run_ms(300);                                         /* a good path's stores are left alone */
    assert_int_equal(lu_store_reopens(E.store), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loss_and_return, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_block_is_no_loss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_switch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_replaced, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
