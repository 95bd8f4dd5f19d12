/* SPDX-License-Identifier: MIT */
/*
 * test_loop_tx.c - loopback store transactions: isolation (buffered writes
 * invisible until commit, own writes visible), abort, conflicts (-EAGAIN),
 * rm + re-create inside one transaction, limits, and a real multi-process
 * counter whose final value proves no increment was lost.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/db.h"
#include "xvios/parse.h"


static int read_in(xvios_plat *p, xvios_tx tx, const char *path, char *out, size_t cap)
{
    char *v = NULL;
    size_t len = 0;
    int rc = xvios_store_read(p, tx, path, &v, &len);
    if (rc == 0) {
        snprintf(out, cap, "%s", v);
        free(v);
    }
    return rc;
}

static void test_isolation_and_commit(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = f->dom0, *other = loop_fixture_open(f->root, 0);
    char buf[64];
    char **names = NULL;
    unsigned n = 0;
    xvios_tx tx;

    assert_non_null(other);
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/t/old", "1", 1), 0);
    assert_int_equal(xvios_store_tx_start(p, &tx), 0);
    assert_int_not_equal(tx, XVIOS_TX_NONE);
    assert_int_equal(xvios_store_write(p, tx, "/t/new/deep", "2", 1), 0);
    assert_int_equal(xvios_store_write(p, tx, "/t/old", "3", 1), 0);
    /* the transaction sees its own writes */
    assert_int_equal(read_in(p, tx, "/t/new/deep", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "2");
    assert_int_equal(read_in(p, tx, "/t/old", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "3");
    assert_int_equal(xvios_store_list(p, tx, "/t", &names, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "new");
    assert_string_equal(names[1], "old");
    xvios_strv_free(names, n);
    /* nobody else does, not even the same handle outside the transaction */
    assert_int_equal(read_in(other, XVIOS_TX_NONE, "/t/new/deep", buf, sizeof(buf)), -ENOENT);
    assert_int_equal(read_in(p, XVIOS_TX_NONE, "/t/new", buf, sizeof(buf)), -ENOENT);
    assert_int_equal(read_in(other, XVIOS_TX_NONE, "/t/old", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "1");
    assert_int_equal(xvios_store_tx_end(p, tx, true), 0);
    assert_int_equal(read_in(other, XVIOS_TX_NONE, "/t/new/deep", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "2");
    assert_int_equal(read_in(other, XVIOS_TX_NONE, "/t/old", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "3");
    /* ended: the id is gone */
    assert_int_equal(xvios_store_tx_end(p, tx, true), -EINVAL);
    xvios_plat_close(other);
}

static void test_abort(void **state)
{
    struct loop_fixture *f = *state;
    char buf[8];
    xvios_tx tx;

    assert_int_equal(xvios_store_tx_start(f->dom0, &tx), 0);
    assert_int_equal(xvios_store_write(f->dom0, tx, "/ab", "x", 1), 0);
    assert_int_equal(xvios_store_tx_end(f->dom0, tx, false), 0);
    assert_int_equal(read_in(f->dom0, XVIOS_TX_NONE, "/ab", buf, sizeof(buf)), -ENOENT);
}

static void test_conflict(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *other = loop_fixture_open(f->root, 0);
    char buf[8];
    xvios_tx tx, tx2;

    assert_non_null(other);
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx), 0);
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx2), 0);
    assert_int_equal(xvios_store_write(f->dom0, tx, "/c/mine", "x", 1), 0);
    assert_int_equal(xvios_store_write(other, XVIOS_TX_NONE, "/c/theirs", "y", 1), 0);
    assert_int_equal(xvios_store_tx_end(f->dom0, tx, true), -EAGAIN);
    assert_int_equal(read_in(f->dom0, XVIOS_TX_NONE, "/c/mine", buf, sizeof(buf)), -ENOENT);
    /* read-only transactions conflict too: what they read may be stale */
    assert_int_equal(xvios_store_tx_end(f->dom0, tx2, true), -EAGAIN);
    /* a retry after the other writer commits */
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx), 0);
    assert_int_equal(xvios_store_write(f->dom0, tx, "/c/mine", "x", 1), 0);
    assert_int_equal(xvios_store_tx_end(f->dom0, tx, true), 0);
    assert_int_equal(read_in(other, XVIOS_TX_NONE, "/c/mine", buf, sizeof(buf)), 0);
    xvios_plat_close(other);
}

static void test_rm_and_recreate(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = f->dom0;
    char buf[8];
    char **names = NULL;
    unsigned n = 0;
    xvios_tx tx;

    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/r/x", "1", 1), 0);
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/r/y/z", "1", 1), 0);
    assert_int_equal(xvios_store_tx_start(p, &tx), 0);
    assert_int_equal(xvios_store_rm(p, tx, "/r"), 0);
    assert_int_equal(read_in(p, tx, "/r/x", buf, sizeof(buf)), -ENOENT);
    assert_int_equal(xvios_store_list(p, tx, "/r", &names, &n), -ENOENT);
    assert_int_equal(xvios_store_write(p, tx, "/r/w", "2", 1), 0);
    assert_int_equal(read_in(p, tx, "/r/y/z", buf, sizeof(buf)), -ENOENT);  /* old subtree stays gone */
    assert_int_equal(xvios_store_list(p, tx, "/r", &names, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "w");
    xvios_strv_free(names, n);
    assert_int_equal(xvios_store_rm(p, tx, "/r/x"), -ENOENT);
    /* outside: untouched until commit */
    assert_int_equal(read_in(p, XVIOS_TX_NONE, "/r/y/z", buf, sizeof(buf)), 0);
    assert_int_equal(xvios_store_tx_end(p, tx, true), 0);
    assert_int_equal(xvios_store_list(p, XVIOS_TX_NONE, "/r", &names, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "w");
    xvios_strv_free(names, n);
}

static void test_perms_inside_tx(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *d5 = loop_fixture_open(f->root, 5);
    const struct xvios_perm ro5[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_READ } };
    struct xvios_perm *got = NULL;
    unsigned n = 0;
    char buf[8];
    xvios_tx tx;

    assert_non_null(d5);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/s", "v", 1), 0);
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx), 0);
    assert_int_equal(xvios_store_set_perms(f->dom0, tx, "/s", ro5, 2), 0);
    assert_int_equal(xvios_store_get_perms(f->dom0, tx, "/s", &got, &n), 0);
    assert_int_equal(n, 2);
    free(got);
    assert_int_equal(read_in(d5, XVIOS_TX_NONE, "/s", buf, sizeof(buf)), -EACCES);  /* not committed */
    assert_int_equal(xvios_store_tx_end(f->dom0, tx, true), 0);
    assert_int_equal(read_in(d5, XVIOS_TX_NONE, "/s", buf, sizeof(buf)), 0);
    assert_int_equal(xvios_store_tx_start(d5, &tx), 0);
    assert_int_equal(xvios_store_write(d5, tx, "/s", "w", 1), -EACCES);
    assert_int_equal(xvios_store_tx_end(d5, tx, true), 0);
    xvios_plat_close(d5);
}

static void test_ids_and_limits(void **state)
{
    struct loop_fixture *f = *state;
    xvios_tx tx[17];
    char buf[8];

    assert_int_equal(read_in(f->dom0, 12345, "/x", buf, sizeof(buf)), -EINVAL);
    assert_int_equal(xvios_store_write(f->dom0, 12345, "/x", "1", 1), -EINVAL);
    assert_int_equal(xvios_store_tx_end(f->dom0, 12345, false), -EINVAL);
    assert_int_equal(xvios_store_tx_end(f->dom0, XVIOS_TX_NONE, false), -EINVAL);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(xvios_store_tx_start(f->dom0, &tx[i]), 0);
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx[16]), -ENOSPC);
    for (unsigned i = 0; i < 16; i++)
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(tx[i], tx[j]);
    assert_int_equal(xvios_store_tx_end(f->dom0, tx[3], false), 0);
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx[16]), 0);
    /* closing a handle with open transactions releases them (ASan checks the memory) */
}

/* ---------------------------------------------------------------- many processes, one counter */
#define CHILDREN 4
#define ROUNDS 25

static int child_increments(const char *root, unsigned *eagain)
{
    xvios_plat *p = loop_fixture_open(root, 0);
    unsigned done = 0, conflicts = 0;

    if (!p)
        return 1;
    while (done < ROUNDS) {
        char *untrusted_v = NULL;
        uint32_t v;
        char buf[16];
        xvios_tx tx;
        int rc;

        if (conflicts > 100000 || xvios_store_tx_start(p, &tx) < 0)
            return 2;
        if (xvios_store_read(p, tx, "/counter", &untrusted_v, NULL) < 0 ||
            xvios_parse_u32_canon(untrusted_v, UINT32_MAX, &v) < 0) {
            free(untrusted_v);
            return 3;
        }
        free(untrusted_v);
        struct timespec nap = { 0, 200000 };  /* widen the window a little */
        nanosleep(&nap, NULL);
        snprintf(buf, sizeof(buf), "%u", v + 1);
        if (xvios_store_write(p, tx, "/counter", buf, strlen(buf)) < 0)
            return 4;
        rc = xvios_store_tx_end(p, tx, true);
        if (rc == -EAGAIN) {
            conflicts++;
            continue;
        }
        if (rc < 0)
            return 5;
        done++;
    }
    xvios_plat_close(p);
    *eagain = conflicts;
    return 0;
}

static void test_concurrent_counter(void **state)
{
    struct loop_fixture *f = *state;
    int fds[2];
    pid_t pids[CHILDREN];
    unsigned total_eagain = 0;
    char *v = NULL;

    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/counter", "0", 1), 0);
    assert_int_equal(pipe(fds), 0);
    for (int i = 0; i < CHILDREN; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            unsigned eagain = 0;
            int rc = child_increments(f->root, &eagain);
            if (write(fds[1], &eagain, sizeof(eagain)) != (ssize_t)sizeof(eagain))
                rc = 6;
            _exit(rc);
        }
    }
    close(fds[1]);
    for (int i = 0; i < CHILDREN; i++) {
        int status = 0;
        unsigned e = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(read(fds[0], &e, sizeof(e)), (ssize_t)sizeof(e));
        total_eagain += e;
    }
    close(fds[0]);
    assert_int_equal(xvios_store_read(f->dom0, XVIOS_TX_NONE, "/counter", &v, NULL), 0);
    assert_int_equal(atoi(v), CHILDREN * ROUNDS);
    free(v);
    print_message("%u conflicts (-EAGAIN) among %d increments\n", total_eagain, CHILDREN * ROUNDS);
    assert_true(total_eagain >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_isolation_and_commit),
        LOOP_FIXTURE_TEST(test_abort),
        LOOP_FIXTURE_TEST(test_conflict),
        LOOP_FIXTURE_TEST(test_rm_and_recreate),
        LOOP_FIXTURE_TEST(test_perms_inside_tx),
        LOOP_FIXTURE_TEST(test_ids_and_limits),
        LOOP_FIXTURE_TEST(test_concurrent_counter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
