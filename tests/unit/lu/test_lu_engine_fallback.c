/* SPDX-License-Identifier: MIT */
/*
 * test_lu_engine_fallback.c - the run-time engine choice. io_uring_queue_init
 * is wrapped (test_lu_engine_fallback.wrap) to fail as a kernel without
 * io_uring, or one that forbids it, would: AUTO then falls back to the
 * thread-pool engine and still moves data; URING refuses to open.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <liburing.h>

#include "backend/lu/lu_store.h"
#include "tests/unit/lu/lu_fixture.h"

static int init_error;      /* 0: the real io_uring_queue_init */
static unsigned init_calls;

int __real_io_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags);
int __wrap_io_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags);
int __wrap_io_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags)
{
    init_calls++;
    if (init_error)
        return -init_error;
    return __real_io_uring_queue_init(entries, ring, flags);
}

static void round_trip(struct lu_store *s)
{
    uint8_t *buf = lu_store_alloc_buf(65536);
    struct lu_fx_done d = { 0 };

    lu_fx_fill(buf, 65536, 4096, 9);
    assert_int_equal(lu_store_write(s, buf, 65536, 4096, true, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(s, &d, 10000));
    assert_int_equal(d.result, 65536);
    memset(buf, 0, 65536);
    memset(&d, 0, sizeof(d));
    assert_int_equal(lu_store_read(s, buf, 65536, 4096, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(s, &d, 10000));
    assert_int_equal(d.result, 65536);
    assert_true(lu_fx_check(buf, 65536, 4096, 9));
    lu_store_free_buf(buf);
}

static void choose(int err, enum lu_store_engine want, int open_rc, const char *engine)
{
    char path[256];
    struct lu_store *s = NULL;

    assert_int_equal(lu_fx_tmpfile(NULL, 1u << 20, false, path), 0);
    init_error = err;
    init_calls = 0;
    struct lu_store_opts o = { .path = path, .engine = want };
    int rc = lu_store_open(&o, &s);
    unlink(path);
    assert_int_equal(rc, open_rc);
    if (rc == 0) {
        assert_string_equal(lu_store_info(s)->engine, engine);
        round_trip(s);
        lu_store_close(s);
    }
    /* SYNC never tries io_uring; the others try it once. */
    assert_int_equal(init_calls, want == LU_STORE_ENGINE_SYNC ? 0 : 1);
}

static void auto_prefers_io_uring(void **state)
{
    (void)state;
    choose(0, LU_STORE_ENGINE_AUTO, 0, "io_uring");
}

static void auto_falls_back_without_io_uring(void **state)
{
    (void)state;
    choose(ENOSYS, LU_STORE_ENGINE_AUTO, 0, "sync");
    choose(EPERM, LU_STORE_ENGINE_AUTO, 0, "sync");
}

static void forced_io_uring_fails_without_it(void **state)
{
    (void)state;
    choose(ENOSYS, LU_STORE_ENGINE_URING, -ENOSYS, NULL);
}

static void forced_sync_never_tries_io_uring(void **state)
{
    (void)state;
    choose(0, LU_STORE_ENGINE_SYNC, 0, "sync");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auto_prefers_io_uring),
        cmocka_unit_test(auto_falls_back_without_io_uring),
        cmocka_unit_test(forced_io_uring_fails_without_it),
        cmocka_unit_test(forced_sync_never_tries_io_uring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
