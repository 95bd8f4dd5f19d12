/* SPDX-License-Identifier: MIT */
/*
 * test_loop_generation.c - the loopback store's generation (what lets the VKE
 * skip re-reading the node table before a send): it changes with every
 * committed change, made by any handle, and with nothing else; a transaction
 * changes it when it commits, not before; reads leave it alone. The store
 * lock's writer announcement: readers and writers from many handles still get
 * the lock, and the announcement of a writer that died keeps nobody out.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/loopback.h"

static uint64_t gen_of(xvios_plat *p)
{
    uint64_t g = 0;
    assert_int_equal(xvios_store_generation(p, &g), 0);
    return g;
}

static void test_generation_follows_commits(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *other = loop_fixture_open(f->root, 0);
    uint64_t g0, g1, g2;
    xvios_tx tx;
    char *val = NULL;
    size_t len = 0;

    assert_non_null(other);
    g0 = gen_of(f->dom0);
    assert_int_equal(gen_of(other), g0);               /* one store, one number */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/g/a", "1", 1), 0);
    g1 = gen_of(other);
    assert_true(g1 != g0);                              /* seen by another handle */
    assert_int_equal(xvios_store_read(other, XVIOS_TX_NONE, "/g/a", &val, &len), 0);
    free(val);
    assert_int_equal(gen_of(f->dom0), g1);              /* a read changes nothing */

    assert_int_equal(xvios_store_tx_start(other, &tx), 0);
    assert_int_equal(xvios_store_write(other, tx, "/g/b", "2", 1), 0);
    assert_int_equal(gen_of(f->dom0), g1);              /* not committed yet */
    assert_int_equal(xvios_store_tx_end(other, tx, true), 0);
    g2 = gen_of(f->dom0);
    assert_true(g2 != g1);
    assert_int_equal(xvios_store_rm(other, XVIOS_TX_NONE, "/g/a"), 0);
    assert_true(gen_of(f->dom0) != g2);
    xvios_plat_close(other);
}

/* Eight processes reading in a tight loop cannot keep a writer out: each of its writes gets the lock. */
static void test_writer_not_starved_by_readers(void **state)
{
    struct loop_fixture *f = *state;
    pid_t readers[8];
    int status;

    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/g/r", "x", 1), 0);
    for (unsigned i = 0; i < 8; i++) {
        readers[i] = fork();
        assert_true(readers[i] >= 0);
        if (readers[i] == 0) {
            xvios_plat *p = loop_fixture_open(f->root, 0);
            for (unsigned k = 0; p && k < 3000; k++) {
                char *v = NULL;
                size_t l = 0;
                if (xvios_store_read(p, XVIOS_TX_NONE, "/g/r", &v, &l) < 0)
                    _exit(1);
                free(v);
            }
            xvios_plat_close(p);
            _exit(p ? 0 : 1);
        }
    }
    for (unsigned k = 0; k < 50; k++) {
        char v[16];
        int n = snprintf(v, sizeof(v), "%u", k);
        assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/g/w", v, (size_t)n), 0);
    }
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(waitpid(readers[i], &status, 0), readers[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
}

/* A writer killed while it waited leaves its pid in store/.writer: no process has it, readers and writers go on. */
static void test_dead_writers_announcement_ignored(void **state)
{
    struct loop_fixture *f = *state;
    char marker[4096], pid_text[24], *v = NULL;
    size_t l = 0;
    int status;
    FILE *m;
    pid_t gone = fork();

    assert_true(gone >= 0);
    if (gone == 0)
        _exit(0);
    assert_int_equal(waitpid(gone, &status, 0), gone);      /* reaped: the pid names no process now */
    snprintf(marker, sizeof(marker), "%s/store/.writer", f->root);
    snprintf(pid_text, sizeof(pid_text), "%ld\n", (long)gone);
    m = fopen(marker, "w");
    assert_non_null(m);
    assert_int_equal(fputs(pid_text, m) >= 0, 1);
    assert_int_equal(fclose(m), 0);

    assert_int_equal(xvios_store_read(f->dom0, XVIOS_TX_NONE, "/g/d", &v, &l), -ENOENT);  /* a reader got in */
    assert_int_equal(access(marker, F_OK), 0);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/g/d", "1", 1), 0);
    assert_int_equal(xvios_store_read(f->dom0, XVIOS_TX_NONE, "/g/d", &v, &l), 0);
    assert_memory_equal(v, "1", 1);
    free(v);
    assert_int_equal(access(marker, F_OK), -1);              /* the next writer withdrew it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_generation_follows_commits),
        LOOP_FIXTURE_TEST(test_writer_not_starved_by_readers),
        LOOP_FIXTURE_TEST(test_dead_writers_announcement_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
