/* SPDX-License-Identifier: MIT */
/*
 * test_loop_quota.c - the loopback store's per-domain quotas, xenstored's
 * defaults for unprivileged domains: 1000 owned nodes store-wide, node size
 * (value + 8 bytes per permission) below 2048, 10 open transactions, 1024
 * operations per transaction; all -ENOSPC as xenstored answers; dom0 exempt.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/loopback.h"

#define QUOTA_NODES 1000u

/* Create leaves dir/k<i> as p until it fails; returns how many were made, *err the failure. */
static unsigned fill(xvios_plat *p, xvios_tx tx, const char *dir, unsigned limit, int *err)
{
    char path[128];
    unsigned i;

    *err = 0;
    for (i = 0; i < limit; i++) {
        snprintf(path, sizeof(path), "%s/k%u", dir, i);
        *err = xvios_store_write(p, tx, path, "v", 1);
        if (*err < 0)
            break;
    }
    return i;
}

/* Domain 5 owns its home (3 nodes) and creates until the quota: exactly 1000 owned, then -ENOSPC. */
static void test_node_quota(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *d5;
    unsigned made;
    int err;

    assert_int_equal(xvios_loop_domain_create(f->dom0, 5, "five"), 0);  /* home, name, domid: owned by 5 */
    d5 = loop_fixture_open(f->root, 5);
    assert_non_null(d5);
    assert_int_equal(xvios_store_mkdir(d5, XVIOS_TX_NONE, "/local/domain/5/data"), 0);
    made = fill(d5, XVIOS_TX_NONE, "/local/domain/5/data", QUOTA_NODES + 50, &err);
    assert_int_equal(err, -ENOSPC);
    assert_int_equal(made + 4, QUOTA_NODES);
    /* a node with missing parents counts every node it creates */
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/5/data/a/b", "v", 1), -ENOSPC);
    /* writing existing nodes still works; removing frees quota */
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/5/data/k0", "w", 1), 0);
    assert_int_equal(xvios_store_rm(d5, XVIOS_TX_NONE, "/local/domain/5/data/k1"), 0);
    assert_int_equal(xvios_store_rm(d5, XVIOS_TX_NONE, "/local/domain/5/data/k2"), 0);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/5/data/a/b", "v", 1), 0);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/5/data/c", "v", 1), -ENOSPC);
    /* dom0 is exempt, even creating nodes the domain then owns (inherited owner) */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/local/domain/5/data/by-dom0", "v", 1), 0);
    /* ... which count against the domain */
    assert_int_equal(xvios_store_rm(d5, XVIOS_TX_NONE, "/local/domain/5/data/k3"), 0);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/5/data/c", "v", 1), -ENOSPC);
    /* another domain's quota is its own */
    assert_int_equal(xvios_loop_domain_create(f->dom0, 6, "six"), 0);
    xvios_plat *d6 = loop_fixture_open(f->root, 6);
    assert_non_null(d6);
    assert_int_equal(xvios_store_write(d6, XVIOS_TX_NONE, "/local/domain/6/x", "v", 1), 0);
    xvios_plat_close(d6);
    xvios_plat_close(d5);
}

/* Creations inside a transaction count too, before commit. */
static void test_node_quota_in_transaction(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *d5;
    xvios_tx tx;
    unsigned made;
    int err;

    assert_int_equal(xvios_loop_domain_create(f->dom0, 5, "five"), 0);
    d5 = loop_fixture_open(f->root, 5);
    assert_non_null(d5);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/5/d", "", 0), 0);
    made = fill(d5, XVIOS_TX_NONE, "/local/domain/5/d", 900, &err);
    assert_int_equal(made, 900);
    assert_int_equal(xvios_store_tx_start(d5, &tx), 0);
    made = fill(d5, tx, "/local/domain/5/d/t", 200, &err);
    assert_int_equal(err, -ENOSPC);
    assert_int_equal(made + 900 + 4 + 1, QUOTA_NODES);   /* home (3), d, "t" */
    assert_int_equal(xvios_store_tx_end(d5, tx, false), 0);
    xvios_plat_close(d5);
}

static void test_node_size_quota(void **state)
{
    struct loop_fixture *f = *state;
    static char big[4096];
    xvios_plat *d5;

    memset(big, 'x', sizeof(big));
    assert_int_equal(xvios_loop_domain_create(f->dom0, 5, "five"), 0);
    d5 = loop_fixture_open(f->root, 5);
    assert_non_null(d5);
    /* one permission entry: value + 8 must stay below 2048 */
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/5/v", big, 2039), 0);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/5/v", big, 2040), -ENOSPC);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/5/w", big, 2040), -ENOSPC);
    /* dom0 may write up to the store's own limit */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/local/domain/5/v", big, sizeof(big)), 0);
    xvios_plat_close(d5);
}

static void test_transaction_quotas(void **state)
{
    struct loop_fixture *f = *state;
    xvios_tx tx[17];
    xvios_plat *d5;
    unsigned i;
    int rc = 0;

    assert_int_equal(xvios_loop_domain_create(f->dom0, 5, "five"), 0);
    d5 = loop_fixture_open(f->root, 5);
    assert_non_null(d5);
    for (i = 0; i < 10; i++)
        assert_int_equal(xvios_store_tx_start(d5, &tx[i]), 0);
    assert_int_equal(xvios_store_tx_start(d5, &tx[10]), -ENOSPC);
    for (i = 1; i < 10; i++)
        assert_int_equal(xvios_store_tx_end(d5, tx[i], false), 0);
    /* 1024 operations in one transaction, not one more */
    for (i = 0; i < 1025 && rc == 0; i++)
        rc = xvios_store_write(d5, tx[0], "/local/domain/5/name", "five", 4);
    assert_int_equal(rc, -ENOSPC);
    assert_int_equal(i, 1025);
    assert_int_equal(xvios_store_tx_end(d5, tx[0], false), 0);
    /* dom0: 16 transactions, and more than 1024 operations */
    for (i = 0; i < 16; i++)
        assert_int_equal(xvios_store_tx_start(f->dom0, &tx[i]), 0);
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx[16]), -ENOSPC);
    for (i = 0; i < 1100; i++)
        assert_int_equal(xvios_store_write(f->dom0, tx[0], "/local/domain/5/name", "five", 4), 0);
    for (i = 0; i < 16; i++)
        assert_int_equal(xvios_store_tx_end(f->dom0, tx[i], false), 0);
    xvios_plat_close(d5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_node_quota),
        LOOP_FIXTURE_TEST(test_node_quota_in_transaction),
        LOOP_FIXTURE_TEST(test_node_size_quota),
        LOOP_FIXTURE_TEST(test_transaction_quotas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
