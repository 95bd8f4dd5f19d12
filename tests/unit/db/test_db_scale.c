/* SPDX-License-Identifier: MIT */
/*
 * test_db_scale.c - membership beyond the old 63-member limit (a permission
 * list held 64 entries): 65 members are admitted, every one is in the
 * permission lists, the last one can still write its own online flag (the
 * node-size quota with 65 entries), and max-nodes still bounds the cluster.
 * Also which watch paths name only an online flag.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/db.h"
#include "xvios/loopback.h"
#include "xvios/wire.h"

#define MEMBERS 65u   /* the old lists held 64 entries: the owner and 63 members */

static uint32_t add(xvios_plat *dom0, uint32_t domid)
{
    struct xvios_dominfo di;
    char name[16];
    uint32_t node = 0;

    snprintf(name, sizeof(name), "v%u", domid);
    assert_int_equal(xvios_loop_domain_create(dom0, domid, name), 0);
    assert_int_equal(xvios_plat_domain_info(dom0, domid, &di), 0);
    assert_int_equal(xvios_db_node_add(dom0, &di, &node), 0);
    return node;
}

static void test_more_than_63_members(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_config cfg = { .name = "big", .max_nodes = MEMBERS, .timeout_ms = 1000 };
    struct xvios_dominfo di;
    struct xvios_perm *perms = NULL;
    struct xvios_db_node *nodes = NULL;
    unsigned np = 0, n = 0;
    uint32_t node = 0;
    xvios_plat *last;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    for (uint32_t i = 1; i <= MEMBERS; i++)
        assert_int_equal(add(f->dom0, 1000 + i), i);
    assert_int_equal(xvios_db_nodes(f->dom0, &nodes, &n), 0);
    assert_int_equal(n, MEMBERS);
    free(nodes);
    /* the cluster root: dom0 owner + READ for each member */
    assert_int_equal(xvios_store_get_perms(f->dom0, XVIOS_TX_NONE, "/xvios", &perms, &np), 0);
    assert_int_equal(np, MEMBERS + 1);
    assert_int_equal(perms[0].domid, 0);
    for (uint32_t i = 1; i <= MEMBERS; i++) {
        bool found = false;
        for (unsigned k = 1; k < np && !found; k++)
            found = perms[k].domid == 1000 + i && perms[k].perm == XVIOS_PERM_READ;
        assert_true(found);
    }
    free(perms);
    /* the first member's subtree: owned by it, READ for the others */
    assert_int_equal(xvios_store_get_perms(f->dom0, XVIOS_TX_NONE, "/xvios/nodes/1/online", &perms, &np), 0);
    assert_int_equal(np, MEMBERS);
    assert_int_equal(perms[0].domid, 1001);
    free(perms);
    /* the newest member writes its own flag under a list of all members, and reads the others' entries */
    last = loop_fixture_open(f->root, 1000 + MEMBERS);
    assert_non_null(last);
    assert_int_equal(xvios_db_node_set_online(last, MEMBERS, true), 0);
    assert_int_equal(xvios_db_nodes(last, &nodes, &n), 0);
    assert_int_equal(n, MEMBERS);
    assert_true(nodes[MEMBERS - 1].online);
    free(nodes);
    xvios_plat_close(last);
    /* max-nodes: one more is refused */
    assert_int_equal(xvios_loop_domain_create(f->dom0, 2000, "extra"), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 2000, &di), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &di, &node), -ENOSPC);
}

static void test_online_flag_paths(void **state)
{
    (void)state;
    assert_true(xvios_db_path_is_online_flag("/xvios/nodes/1/online"));
    assert_true(xvios_db_path_is_online_flag("/xvios/nodes/256/online"));
    assert_false(xvios_db_path_is_online_flag("/xvios/nodes/1"));
    assert_false(xvios_db_path_is_online_flag("/xvios/nodes/1/state"));
    assert_false(xvios_db_path_is_online_flag("/xvios/nodes/1/online/x"));
    assert_false(xvios_db_path_is_online_flag("/xvios/nodes//online"));
    assert_false(xvios_db_path_is_online_flag("/xvios/nodes/1234/online"));
    assert_false(xvios_db_path_is_online_flag("/xvios/nodes"));
    assert_false(xvios_db_path_is_online_flag("/xvios/clients/1/online"));
    assert_false(xvios_db_path_is_online_flag(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_more_than_63_members),
        cmocka_unit_test(test_online_flag_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
