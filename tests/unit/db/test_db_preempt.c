/* SPDX-License-Identifier: MIT */
/*
 * test_db_preempt.c - the preemption record of a VIOS's path entry
 * (xvios/db_preempt.h): format and parse round trip; every malformed
 * record refused (keys out of order, bad hex, port 0 or too large, a list
 * longer than the limit, count below the list, trailing bytes, oversize);
 * a VIOS publishes it only under its own existing entry, with the entry's
 * permissions (READ for the other member, nothing for a client); a
 * damaged record reads as -EIO.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/db.h"
#include "xvios/db_path.h"
#include "xvios/db_preempt.h"
#include "xvios/loopback.h"

static const struct xvios_db_config cfg = { .name = "preempt-test", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };

static struct xvios_db_preempt sample(void)
{
    struct xvios_db_preempt r = { .gen = 42, .by = { 0x0000000200000002ull, 102 }, .n_listed = 2, .count = 2,
                                  .abort = true };

    r.preempted[0] = (struct xvios_nexus_id){ 0x0000000100000001ull, 101 };
    r.preempted[1] = (struct xvios_nexus_id){ 0xfedcba9876543210ull, 65535 };
    return r;
}

static void test_round_trip(void **state)
{
    struct xvios_db_preempt r = sample(), got;
    char text[XVIOS_PREEMPT_TEXT_MAX];
    int n;
    (void)state;

    n = xvios_db_preempt_format(&r, text, sizeof(text));
    assert_true(n > 0);
    assert_string_equal(text, "gen=42\nby=0000000200000002@102\n"
                              "preempted=0000000100000001@101,fedcba9876543210@65535\ncount=2\nabort=1\n");
    assert_int_equal(xvios_db_preempt_parse(text, (size_t)n, &got), 0);
    assert_int_equal(got.gen, 42);
    assert_int_equal(got.by.initiator, r.by.initiator);
    assert_int_equal(got.by.port, 102);
    assert_int_equal(got.n_listed, 2);
    assert_int_equal(got.preempted[1].initiator, 0xfedcba9876543210ull);
    assert_int_equal(got.preempted[1].port, 65535);
    assert_int_equal(got.count, 2);
    assert_true(got.abort);
    /* an empty list with a count (more than fit were taken: only the count is told) */
    r.n_listed = 0;
    r.count = 20;
    r.abort = false;
    n = xvios_db_preempt_format(&r, text, sizeof(text));
    assert_true(n > 0);
    assert_int_equal(xvios_db_preempt_parse(text, (size_t)n, &got), 0);
    assert_int_equal(got.n_listed, 0);
    assert_int_equal(got.count, 20);
    /* too small a buffer, and records that may not be written */
    assert_int_equal(xvios_db_preempt_format(&r, text, 10), -ENOSPC);
    r.gen = 0;
    assert_int_equal(xvios_db_preempt_format(&r, text, sizeof(text)), -EINVAL);
    r = sample();
    r.count = 1;   /* below the list */
    assert_int_equal(xvios_db_preempt_format(&r, text, sizeof(text)), -EINVAL);
}

static void test_malformed_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "gen=1\nby=0000000200000002@102\npreempted=\ncount=0\n",                       /* abort missing */
        "by=0000000200000002@102\ngen=1\npreempted=\ncount=0\nabort=0\n",              /* out of order */
        "gen=0\nby=0000000200000002@102\npreempted=\ncount=0\nabort=0\n",              /* gen 0 */
        "gen=1\nby=000000020000002@102\npreempted=\ncount=0\nabort=0\n",               /* 15 digits */
        "gen=1\nby=000000020000000G@102\npreempted=\ncount=0\nabort=0\n",              /* not hex */
        "gen=1\nby=00000002000000AB@102\npreempted=\ncount=0\nabort=0\n",              /* upper case */
        "gen=1\nby=0000000200000002@0\npreempted=\ncount=0\nabort=0\n",                /* port 0 */
        "gen=1\nby=0000000200000002@65536\npreempted=\ncount=0\nabort=0\n",            /* port too large */
        "gen=1\nby=0000000200000002@0102\npreempted=\ncount=0\nabort=0\n",             /* not canonical */
        "gen=01\nby=0000000200000002@102\npreempted=\ncount=0\nabort=0\n",             /* not canonical */
        "gen=1\nby=0000000200000002@102\npreempted=\ncount=00\nabort=0\n",             /* not canonical */
        "gen=+1\nby=0000000200000002@102\npreempted=\ncount=0\nabort=0\n",             /* a sign */
        "gen=1\nby=0000000200000002@102\npreempted=0000000100000001@1,\ncount=1\nabort=0\n",   /* trailing comma */
        "gen=1\nby=0000000200000002@102\npreempted=0000000100000001@1\ncount=0\nabort=0\n",    /* count < list */
        "gen=1\nby=0000000200000002@102\npreempted=\ncount=0\nabort=2\n",              /* abort 2 */
        "gen=1\nby=0000000200000002@102\npreempted=\ncount=0\nabort=0\nextra=1\n",     /* a key too many */
        "gen=1\nby=0000000200000002@102\npreempted=\ncount=0\nabort=0",                /* last line unended */
        "gen=1\nby=0000000200000002@102\npreempted=\ncount=0\nabort=0\n\nbody",        /* a body */
    };
    struct xvios_db_preempt got;
    char nine[512];
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (xvios_db_preempt_parse(bad[i], strlen(bad[i]), &got) != -EINVAL)
            fail_msg("accepted: %s", bad[i]);
    /* nine nexuses: one more than a record lists */
    int n = snprintf(nine, sizeof(nine), "gen=1\nby=0000000200000002@102\npreempted=");
    for (int i = 0; i < 9; i++)
        n += snprintf(nine + n, sizeof(nine) - (size_t)n, "%s000000010000000%d@1", i ? "," : "", i);
    n += snprintf(nine + n, sizeof(nine) - (size_t)n, "\ncount=9\nabort=0\n");
    assert_int_equal(xvios_db_preempt_parse(nine, (size_t)n, &got), -EINVAL);
    /* oversized input: refused before it is read */
    char big[XVIOS_PREEMPT_TEXT_MAX + 2];
    memset(big, 'a', sizeof(big));
    assert_int_equal(xvios_db_preempt_parse(big, sizeof(big), &got), -EINVAL);
}

static uint32_t add_vios(struct loop_fixture *f, uint32_t domid, const char *name)
{
    struct xvios_dominfo info;
    uint32_t node = 0;

    assert_int_equal(xvios_loop_domain_create(f->dom0, domid, name), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, domid, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    return node;
}

static void test_publish_and_read(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_preempt r = sample(), got;
    struct xvios_db_path e = { .state = XVIOS_PATH_GOOD, .since_ms = 1 };
    struct xvios_perm *perms = NULL;
    char path[128], *v = NULL;
    size_t len = 0;
    unsigned np = 0;
    uint32_t n1, n2;
    xvios_plat *d5, *d6, *d9;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    n1 = add_vios(f, 5, "vios1");
    n2 = add_vios(f, 6, "vios2");
    assert_int_equal(xvios_loop_domain_create(f->dom0, 9, "client"), 0);
    d5 = loop_fixture_open(f->root, 5);
    d6 = loop_fixture_open(f->root, 6);
    d9 = loop_fixture_open(f->root, 9);
    assert_non_null(d5);
    assert_non_null(d6);
    assert_non_null(d9);

    /* no entry yet: nothing to record under */
    assert_int_equal(xvios_db_preempt_publish(d5, n1, "lu1", &r), -ENOENT);
    assert_int_equal(xvios_db_preempt_get(d6, n1, "lu1", &got), -ENOENT);
    snprintf(e.key, sizeof(e.key), "lu1");
    snprintf(e.backing, sizeof(e.backing), "/dev/xvdb");
    assert_int_equal(xvios_db_path_publish(d5, n1, &e), 0);
    assert_int_equal(xvios_db_preempt_publish(d5, n1, "lu1", &r), 0);
    assert_int_equal(xvios_db_preempt_get(d6, n1, "lu1", &got), 0);    /* another member reads it */
    assert_int_equal(got.gen, 42);
    assert_int_equal(got.count, 2);
    /* its permissions: VIOS 5's, READ for VIOS 6, nothing for the client */
    snprintf(path, sizeof(path), "/xvios/nodes/%u/paths/lu1/preempted", n1);
    assert_int_equal(xvios_store_get_perms(f->dom0, XVIOS_TX_NONE, path, &perms, &np), 0);
    assert_int_equal(np, 2);
    assert_int_equal(perms[0].domid, 5);
    assert_int_equal(perms[1].domid, 6);
    assert_int_equal(perms[1].perm, XVIOS_PERM_READ);
    free(perms);
    assert_int_equal(xvios_store_read(d9, XVIOS_TX_NONE, path, &v, &len), -EACCES);
    /* VIOS 6 may not write VIOS 5's record; bad arguments */
    assert_int_equal(xvios_db_preempt_publish(d6, n1, "lu1", &r), -EACCES);
    assert_int_equal(xvios_db_preempt_publish(d5, n1, "../x", &r), -EINVAL);
    assert_int_equal(xvios_db_preempt_publish(d5, 0, "lu1", &r), -EINVAL);
    /* damaged: -EIO */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, path, "gen=x\n", 6), 0);
    assert_int_equal(xvios_db_preempt_get(d6, n1, "lu1", &got), -EIO);
    (void)n2;
    xvios_plat_close(d5);
    xvios_plat_close(d6);
    xvios_plat_close(d9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed_refused),
        LOOP_FIXTURE_TEST(test_publish_and_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
