/* SPDX-License-Identifier: MIT */
/*
 * test_cpg_roster.c - CPG processes to multi-host nodes
 * (xen/plat/cpg/cpg_roster.c): a process speaks only for its own host's
 * nodes, one node per process and one process per node, a re-announcement
 * is not a new member, a removed process names its node once, the bound.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "xen/plat/cpg/cpg_roster.h"

static void test_hello_and_remove(void **state)
{
    (void)state;
    struct cpg_roster r = { 0 };
    uint32_t nodes[4];
    assert_int_equal(cpg_roster_hello(&r, 2, 100, 0x201), 1);
    assert_int_equal(cpg_roster_hello(&r, 1, 100, 0x102), 1);   /* same pid, other host: another process */
    assert_int_equal(cpg_roster_hello(&r, 1, 101, 0x101), 1);
    assert_int_equal(cpg_roster_hello(&r, 1, 101, 0x101), 0);   /* re-announcement */
    assert_int_equal(cpg_roster_nodes(&r, nodes, 4), 3);
    assert_int_equal(nodes[0], 0x101);
    assert_int_equal(nodes[1], 0x102);
    assert_int_equal(nodes[2], 0x201);
    assert_int_equal(cpg_roster_node_of(&r, 1, 100), 0x102);
    assert_int_equal(cpg_roster_node_of(&r, 3, 100), 0);
    assert_int_equal(cpg_roster_remove(&r, 1, 100), 0x102);
    assert_int_equal(cpg_roster_remove(&r, 1, 100), 0);          /* once */
    assert_int_equal(cpg_roster_remove(&r, 9, 9), 0);            /* never announced */
    assert_int_equal(cpg_roster_nodes(&r, nodes, 1), 2);         /* count beyond cap, only cap written */
    assert_int_equal(nodes[0], 0x101);
    /* the node is free again for a new process (a restarted VIOS) */
    assert_int_equal(cpg_roster_hello(&r, 1, 555, 0x102), 1);
}

static void test_refused(void **state)
{
    (void)state;
    struct cpg_roster r = { 0 };
    assert_int_equal(cpg_roster_hello(&r, 1, 10, 0x201), -EPERM);  /* host 1 speaking for host 2's node */
    assert_int_equal(cpg_roster_hello(&r, 1, 10, 0x100), -EPERM);  /* local 0 */
    assert_int_equal(cpg_roster_hello(&r, 0, 10, 0x001), -EPERM);  /* host 0 */
    assert_int_equal(cpg_roster_hello(&r, 1, 10, 0x101), 1);
    assert_int_equal(cpg_roster_hello(&r, 1, 11, 0x101), -EEXIST); /* node held by a live process */
    assert_int_equal(cpg_roster_hello(&r, 1, 10, 0x102), -EEXIST); /* process changing its node */
    assert_int_equal(r.n, 1);
}

static void test_bound(void **state)
{
    (void)state;
    struct cpg_roster r = { 0 };
    for (uint32_t i = 0; i < XVIOS_CPG_MAX_MEMBERS; i++)
        assert_int_equal(cpg_roster_hello(&r, 1 + i / 100, 1000 + i, xvios_cpg_node_id(1 + i / 100, 1 + i % 100)), 1);
    assert_int_equal(cpg_roster_hello(&r, 7, 1, 0x701), -ENOSPC);
    assert_int_equal(cpg_roster_remove(&r, 1, 1000), 0x101);
    assert_int_equal(cpg_roster_hello(&r, 7, 1, 0x701), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_and_remove),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
