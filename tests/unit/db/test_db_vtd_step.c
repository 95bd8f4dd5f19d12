/* SPDX-License-Identifier: MIT */
/*
 * test_db_vtd_step.c - the VTD record's steps across a split store
 * (xvios/db_vtd_step.h) on the loopback store: a claim writes the record
 * attaching and refuses a vdev that has one (complete: -EEXIST, left in a
 * step: -EBUSY); settle, mark and remove change only the record they
 * expect (another one: -ESTALE, untouched; none: -ENOENT, or 0 when
 * removing); the same-record comparison field by field; a step inside a
 * caller's transaction that is aborted leaves nothing.
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
#include "xvios/db_vtd_step.h"
#include "xvios/loopback.h"

static const struct xvios_db_config cfg = { .name = "step-test", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };

static void one_member(struct loop_fixture *f)
{
    struct xvios_dominfo info;
    uint32_t node = 0;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 5, "vios-a"), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 5, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    assert_int_equal(node, 1);
}

static struct xvios_db_vtd rec(uint32_t lun)
{
    struct xvios_db_vtd v = { .client = 7, .node = 1, .vhost = 0, .lun = lun };

    snprintf(v.client_name, sizeof(v.client_name), "client-a");
    snprintf(v.lu, sizeof(v.lu), "/dev/disk/by-id/lu-%u", lun);
    snprintf(v.pool_lu, sizeof(v.pool_lu), "lu%u", lun);
    return v;
}

static enum xvios_vtd_state state_of(xvios_plat *p, uint32_t lun)
{
    struct xvios_db_vtd got;

    assert_int_equal(xvios_db_vtd_get(p, XVIOS_TX_NONE, 7, 0, 0, 0, lun, &got), 0);
    return got.state;
}

static void test_attach_steps(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_vtd v = rec(1), claimed, now;

    one_member(f);
    assert_int_equal(xvios_db_vtd_claim(f->dom0, &v, &now), 0);
    assert_int_equal(state_of(f->dom0, 1), XVIOS_VTD_ATTACHING);
    /* a second claim of the vdev: the one left in a step */
    memset(&now, 0, sizeof(now));
    assert_int_equal(xvios_db_vtd_claim(f->dom0, &v, &now), -EBUSY);
    assert_int_equal(now.state, XVIOS_VTD_ATTACHING);
    assert_int_equal(now.node, 1);
    /* settled: no state line; then a claim meets a complete record */
    claimed = v;
    claimed.state = XVIOS_VTD_ATTACHING;
    assert_int_equal(xvios_db_vtd_step(f->dom0, &claimed, false, XVIOS_VTD_SERVED, NULL), 0);
    assert_int_equal(state_of(f->dom0, 1), XVIOS_VTD_SERVED);
    assert_int_equal(xvios_db_vtd_claim(f->dom0, &v, &now), -EEXIST);
    assert_int_equal(now.state, XVIOS_VTD_SERVED);
    /* a step that expects the claim finds the settled record: -ESTALE, what it is now, untouched */
    memset(&now, 0, sizeof(now));
    assert_int_equal(xvios_db_vtd_step(f->dom0, &claimed, true, XVIOS_VTD_SERVED, &now), -ESTALE);
    assert_int_equal(now.state, XVIOS_VTD_SERVED);
    assert_int_equal(state_of(f->dom0, 1), XVIOS_VTD_SERVED);
}

static void test_detach_steps(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_vtd v = rec(2), marked, got;

    one_member(f);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), 0);
    assert_int_equal(xvios_db_vtd_step(f->dom0, &v, false, XVIOS_VTD_DETACHING, NULL), 0);
    assert_int_equal(state_of(f->dom0, 2), XVIOS_VTD_DETACHING);
    /* removing what is expected served: it is detaching now, left */
    assert_int_equal(xvios_db_vtd_step(f->dom0, &v, true, XVIOS_VTD_SERVED, NULL), -ESTALE);
    marked = v;
    marked.state = XVIOS_VTD_DETACHING;
    /* put back (a detach whose nodes step failed), marked again, removed */
    assert_int_equal(xvios_db_vtd_step(f->dom0, &marked, false, XVIOS_VTD_SERVED, NULL), 0);
    assert_int_equal(state_of(f->dom0, 2), XVIOS_VTD_SERVED);
    assert_int_equal(xvios_db_vtd_step(f->dom0, &v, false, XVIOS_VTD_DETACHING, NULL), 0);
    assert_int_equal(xvios_db_vtd_step(f->dom0, &marked, true, XVIOS_VTD_SERVED, NULL), 0);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 2, &got), -ENOENT);
    /* gone already: a remove is done, any other step has nothing to change */
    assert_int_equal(xvios_db_vtd_step(f->dom0, &marked, true, XVIOS_VTD_SERVED, NULL), 0);
    assert_int_equal(xvios_db_vtd_step(f->dom0, &marked, false, XVIOS_VTD_SERVED, NULL), -ENOENT);
}

static void test_same(void **state)
{
    struct xvios_db_vtd a = rec(3), b = rec(3);

    (void)state;
    assert_true(xvios_db_vtd_same(&a, &b));
    b.client_name[0] = '\0';   /* not part of the mapping's step */
    assert_true(xvios_db_vtd_same(&a, &b));
    b = a; b.node = 2;
    assert_false(xvios_db_vtd_same(&a, &b));
    b = a; b.state = XVIOS_VTD_ATTACHING;
    assert_false(xvios_db_vtd_same(&a, &b));
    b = a; b.read_only = true;
    assert_false(xvios_db_vtd_same(&a, &b));
    b = a; b.lu[0] = '\0';
    assert_false(xvios_db_vtd_same(&a, &b));
    b = a; b.pool_lu[0] = '\0';
    assert_false(xvios_db_vtd_same(&a, &b));
}

static void test_in_aborted_tx(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_vtd v = rec(4), got;
    xvios_tx tx;

    one_member(f);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), 0);
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx), 0);
    assert_int_equal(xvios_db_vtd_step_in_tx(f->dom0, tx, &v, true, XVIOS_VTD_SERVED, NULL), 0);
    assert_int_equal(xvios_store_tx_end(f->dom0, tx, false), 0);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 4, &got), 0);
    assert_int_equal(got.state, XVIOS_VTD_SERVED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_attach_steps),
        LOOP_FIXTURE_TEST(test_detach_steps),
        cmocka_unit_test(test_same),
        LOOP_FIXTURE_TEST(test_in_aborted_tx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
