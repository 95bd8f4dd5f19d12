/* SPDX-License-Identifier: MIT */
/*
 * test_loop_special_files.c - a FIFO or a symlink planted in place of a
 * backing file of the loopback tree (a node's .value/.perms, the change
 * log, the lock, a registry file) gives -EIO at once: no open() waits for
 * a FIFO's partner, no symlink is followed. Every test runs under an
 * alarm, so a hang fails the test instead of stalling the suite.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/loopback.h"

#define HANG_LIMIT_S 5      /* SIGALRM (test fails) if a call blocks this long */
#define PROMPT_MS    1000   /* "at once": well below any wait the store has */

static void path_of(const struct loop_fixture *f, const char *rel, char *out, size_t n)
{
    assert_true(snprintf(out, n, "%s/%s", f->root, rel) < (int)n);
}

/* Replace ROOT/rel by a FIFO (kind 'f') or by a symlink to a regular file holding "x" (kind 'l'). */
static void plant(const struct loop_fixture *f, const char *rel, char kind)
{
    char path[256], target[256];

    path_of(f, rel, path, sizeof(path));
    assert_int_equal(unlink(path), 0);
    if (kind == 'f') {
        assert_int_equal(mkfifo(path, 0600), 0);
    } else {
        path_of(f, "decoy", target, sizeof(target));
        assert_int_equal(loop_fixture_put_file(f->root, "decoy", "x", 1), 0);
        assert_int_equal(symlink(target, path), 0);
    }
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000L + (t1.tv_nsec - t0->tv_nsec) / 1000000L;
}

static int read_rc(xvios_plat *p, const char *path)
{
    char *v = NULL;
    size_t len = 0;
    int rc = xvios_store_read(p, XVIOS_TX_NONE, path, &v, &len);
    free(v);
    return rc;
}

static void value_file_replaced(void **state, char kind)
{
    struct loop_fixture *f = *state;
    struct timespec t0;

    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/a/b", "v", 1), 0);
    plant(f, "store/a/b/.value", kind);
    alarm(HANG_LIMIT_S);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(read_rc(f->dom0, "/a/b"), -EIO);
    assert_true(elapsed_ms(&t0) < PROMPT_MS);
    /* the node is still listed and its neighbours work */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/a/c", "w", 1), 0);
    assert_int_equal(read_rc(f->dom0, "/a/c"), 0);
    /* a write replaces the planted file (rename over it), after which it reads again */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/a/b", "new", 3), 0);
    assert_int_equal(read_rc(f->dom0, "/a/b"), 0);
    alarm(0);
}

static void test_fifo_value(void **state)    { value_file_replaced(state, 'f'); }
static void test_symlink_value(void **state) { value_file_replaced(state, 'l'); }

static void perms_file_replaced(void **state, char kind)
{
    struct loop_fixture *f = *state;
    struct xvios_perm *perms = NULL;
    unsigned n = 0;

    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/p", "v", 1), 0);
    plant(f, "store/p/.perms", kind);
    alarm(HANG_LIMIT_S);
    assert_int_equal(read_rc(f->dom0, "/p"), -EIO);
    assert_int_equal(xvios_store_get_perms(f->dom0, XVIOS_TX_NONE, "/p", &perms, &n), -EIO);
    assert_null(perms);
    alarm(0);
}

static void test_fifo_perms(void **state)    { perms_file_replaced(state, 'f'); }
static void test_symlink_perms(void **state) { perms_file_replaced(state, 'l'); }

/* The change log and the lock: every store access fails with -EIO instead of blocking. */
static void test_fifo_change_log(void **state)
{
    struct loop_fixture *f = *state;

    plant(f, "store/.changes", 'f');
    alarm(HANG_LIMIT_S);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/x", "v", 1), -EIO);
    alarm(0);
}

static void test_fifo_lock(void **state)
{
    struct loop_fixture *f = *state;

    plant(f, "store/.lock", 'f');
    alarm(HANG_LIMIT_S);
    assert_int_equal(read_rc(f->dom0, "/local/domain/0/name"), -EIO);
    alarm(0);
}

/* A registry file: domain info fails with -EIO. */
static void test_fifo_registry_name(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_dominfo info;

    assert_int_equal(xvios_loop_domain_create(f->dom0, 7, "seven"), 0);
    plant(f, "domains/7/name", 'f');
    alarm(HANG_LIMIT_S);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 7, &info), -EIO);
    alarm(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_fifo_value),
        LOOP_FIXTURE_TEST(test_symlink_value),
        LOOP_FIXTURE_TEST(test_fifo_perms),
        LOOP_FIXTURE_TEST(test_symlink_perms),
        LOOP_FIXTURE_TEST(test_fifo_change_log),
        LOOP_FIXTURE_TEST(test_fifo_lock),
        LOOP_FIXTURE_TEST(test_fifo_registry_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
