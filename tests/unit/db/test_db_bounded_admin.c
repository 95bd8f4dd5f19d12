/* SPDX-License-Identifier: MIT */
/*
 * test_db_bounded_admin.c - dom0's administration does not depend on what
 * members created: a member that fills its own subtree or the client table
 * up to its store quota gets -ENOSPC beyond it, and dom0 can still add a
 * member (who is granted every table entry, in bounded batches) and remove
 * that member (whose table entries pass to dom0 and are revoked from it).
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
#include "xen/db/db_internal.h"
#include "xvios/db.h"
#include "xvios/loopback.h"

#define QUOTA_NODES 1000u

static const struct xvios_db_config cfg = { .name = "bounded", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };

static uint32_t add_vios(struct loop_fixture *f, uint32_t domid, const char *name)
{
    struct xvios_dominfo info;
    uint32_t node = 0;

    assert_int_equal(xvios_loop_domain_create(f->dom0, domid, name), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, domid, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    return node;
}

/* Create dir/k<i> as p until the store refuses (at most limit); returns the count, *err the refusal. */
static unsigned fill(xvios_plat *p, const char *dir, unsigned limit, int *err)
{
    char path[128];
    unsigned i;

    *err = 0;
    for (i = 0; i < limit; i++) {
        snprintf(path, sizeof(path), "%s/k%u", dir, i);
        *err = xvios_store_write(p, XVIOS_TX_NONE, path, "v", 1);
        if (*err < 0)
            break;
    }
    return i;
}

static int read_rc(xvios_plat *p, const char *path)
{
    char *v = NULL;
    int rc = xvios_store_read(p, XVIOS_TX_NONE, path, &v, NULL);
    free(v);
    return rc;
}

static void test_member_filling_blocks_nothing(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *d5, *d6, *d7;
    struct xvios_perm *perms = NULL;
    unsigned n1, n2, np = 0;
    char last[128];
    int err;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(add_vios(f, 5, "vios-a"), 1);
    assert_int_equal(add_vios(f, 6, "vios-b"), 2);
    d5 = loop_fixture_open(f->root, 5);
    d6 = loop_fixture_open(f->root, 6);
    assert_non_null(d5);
    assert_non_null(d6);

    /* node 1 fills its own subtree: refused at its quota, long before 17,000 */
    n1 = fill(d5, "/xvios/nodes/1/junk", 17000, &err);
    assert_int_equal(err, -ENOSPC);
    assert_true(n1 < QUOTA_NODES);
    /* node 2 fills the client table */
    n2 = fill(d6, "/xvios/clients/c2", 17000, &err);
    assert_int_equal(err, -ENOSPC);
    assert_true(n2 < QUOTA_NODES);
    assert_true(n2 > 2 * DB_REGRANT_BATCH);   /* the re-grant needs several batches */

    /* dom0 still adds a member, who is granted the whole table */
    assert_int_equal(add_vios(f, 7, "vios-c"), 3);
    d7 = loop_fixture_open(f->root, 7);
    assert_non_null(d7);
    snprintf(last, sizeof(last), "/xvios/clients/c2/k%u", n2 - 1);
    assert_int_equal(read_rc(d7, last), 0);
    assert_int_equal(read_rc(d7, "/xvios/clients/c2/k0"), 0);
    /* READ only on another member's entries: a VIOS changes none of what another wrote */
    assert_int_equal(xvios_store_write(d7, XVIOS_TX_NONE, last, "w", 1), -EACCES);

    /* dom0 removes node 2: its entries pass to dom0 and it can touch none of them */
    assert_int_equal(xvios_db_node_remove(f->dom0, 2), 0);
    assert_int_equal(read_rc(d6, last), -EACCES);
    assert_int_equal(read_rc(d6, "/xvios/clients/c2"), -EACCES);
    assert_int_equal(xvios_store_write(d6, XVIOS_TX_NONE, "/xvios/clients/c2/new", "v", 1), -EACCES);
    assert_int_equal(xvios_store_get_perms(f->dom0, XVIOS_TX_NONE, last, &perms, &np), 0);
    assert_int_equal(perms[0].domid, 0);
    for (unsigned i = 0; i < np; i++)
        assert_int_not_equal(perms[i].domid, 6);
    free(perms);
    assert_int_equal(read_rc(d7, last), 0);

    /* and node 1, with everything it made below its entry */
    assert_int_equal(xvios_db_node_remove(f->dom0, 1), 0);
    assert_int_equal(read_rc(f->dom0, "/xvios/nodes/1/junk/k0"), -ENOENT);
    /* its quota is free again */
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/5/x", "v", 1), 0);

    xvios_plat_close(d7);
    xvios_plat_close(d6);
    xvios_plat_close(d5);
}

/* More than one transaction's worth of table nodes (dom0 is not held to quotas): add and remove work. */
static void test_regrant_in_batches(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *d5;
    char path[128];
    unsigned total = 3 * DB_REGRANT_BATCH + 7;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    for (unsigned i = 0; i < total; i++) {
        snprintf(path, sizeof(path), "/xvios/adapters/a%u/x", i % 97);
        snprintf(path + strlen(path), sizeof(path) - strlen(path), "%u", i);
        assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, path, "v", 1), 0);
    }
    assert_int_equal(add_vios(f, 5, "vios-a"), 1);
    d5 = loop_fixture_open(f->root, 5);
    assert_non_null(d5);
    for (unsigned i = 0; i < total; i += 37) {
        snprintf(path, sizeof(path), "/xvios/adapters/a%u/x%u", i % 97, i);
        assert_int_equal(read_rc(d5, path), 0);
    }
    assert_int_equal(read_rc(d5, "/xvios/adapters/a96/x96"), 0);  /* the last node in walk order */
    assert_int_equal(xvios_db_node_remove(f->dom0, 1), 0);
    for (unsigned i = 0; i < total; i += 37) {
        snprintf(path, sizeof(path), "/xvios/adapters/a%u/x%u", i % 97, i);
        assert_int_equal(read_rc(d5, path), -EACCES);
    }
    assert_int_equal(read_rc(d5, "/xvios/adapters/a96/x96"), -EACCES);
    xvios_plat_close(d5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_member_filling_blocks_nothing),
        LOOP_FIXTURE_TEST(test_regrant_in_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
