/* SPDX-License-Identifier: MIT */
/* test_respq.c - the daemon's response queue: match, expiry, duplicates, unknown node / txid, bounds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/respq.h"
#include "xvios/clock.h"

static struct timespec at(long s) { return (struct timespec){ .tv_sec = s, .tv_nsec = 0 }; }

static void test_match_removes(void **state)
{
    struct respq q;
    (void)state;
    assert_int_equal(viod_respq_init(&q, 8), 0);
    assert_int_equal(viod_respq_add(&q, 0x100000001ull, 2, at(10)), 0);
    assert_int_equal(viod_respq_add(&q, 0x100000001ull, 3, at(10)), 0);
    assert_int_equal(viod_respq_pending(&q, 0x100000001ull, NULL, 0), 2);
    assert_int_equal(viod_respq_match(&q, 0x100000001ull, 3), RESPQ_MATCHED);
    assert_int_equal(viod_respq_pending(&q, 0x100000001ull, NULL, 0), 1);
    uint32_t nodes[4];
    assert_int_equal(viod_respq_pending(&q, 0x100000001ull, nodes, 4), 1);
    assert_int_equal(nodes[0], 2);
    assert_int_equal(q.st.matched, 1);
    viod_respq_dispose(&q);
}

static void test_duplicate_response(void **state)
{
    struct respq q;
    (void)state;
    assert_int_equal(viod_respq_init(&q, 8), 0);
    assert_int_equal(viod_respq_add(&q, 7, 2, at(10)), 0);
    assert_int_equal(viod_respq_add(&q, 7, 4, at(10)), 0);
    assert_int_equal(viod_respq_match(&q, 7, 2), RESPQ_MATCHED);
    /* the same node answers again while another node is still due: duplicate */
    assert_int_equal(viod_respq_match(&q, 7, 2), RESPQ_UNKNOWN_NODE);
    assert_int_equal(q.st.unknown_node, 1);
    assert_int_equal(viod_respq_match(&q, 7, 4), RESPQ_MATCHED);
    /* everything answered: a further copy names a txid nothing waits on */
    assert_int_equal(viod_respq_match(&q, 7, 4), RESPQ_UNKNOWN_TXID);
    assert_int_equal(q.st.unknown_txid, 1);
    assert_int_equal(q.n, 0);
    viod_respq_dispose(&q);
}

static void test_unknown_node_and_txid(void **state)
{
    struct respq q;
    (void)state;
    assert_int_equal(viod_respq_init(&q, 8), 0);
    assert_int_equal(viod_respq_add(&q, 9, 2, at(10)), 0);
    assert_int_equal(viod_respq_match(&q, 9, 5), RESPQ_UNKNOWN_NODE);
    assert_int_equal(viod_respq_match(&q, 10, 2), RESPQ_UNKNOWN_TXID);
    assert_int_equal(q.n, 1);   /* strays never remove entries */
    assert_int_equal(q.st.unknown_node, 1);
    assert_int_equal(q.st.unknown_txid, 1);
    assert_int_equal(q.st.matched, 0);
    viod_respq_dispose(&q);
}

static void test_expiry_order_and_deadline(void **state)
{
    struct respq q;
    struct respq_entry e;
    struct timespec nd;
    (void)state;
    assert_int_equal(viod_respq_init(&q, 8), 0);
    assert_int_equal(viod_respq_next_deadline(&q, &nd), 0);
    assert_int_equal(viod_respq_add(&q, 1, 2, at(30)), 0);
    assert_int_equal(viod_respq_add(&q, 1, 3, at(10)), 0);
    assert_int_equal(viod_respq_add(&q, 2, 2, at(20)), 0);
    assert_int_equal(viod_respq_next_deadline(&q, &nd), 1);
    assert_int_equal(nd.tv_sec, 10);
    assert_int_equal(viod_respq_pop_expired(&q, at(9), &e), 0);
    assert_int_equal(viod_respq_pop_expired(&q, at(10), &e), 1);
    assert_int_equal(e.txid, 1);
    assert_int_equal(e.node, 3);
    assert_int_equal(viod_respq_pop_expired(&q, at(10), &e), 0);
    /* pushing a deadline (a re-send) delays expiry */
    assert_int_equal(viod_respq_set_deadline(&q, 2, 2, at(40)), 0);
    assert_int_equal(viod_respq_set_deadline(&q, 2, 9, at(40)), -ENOENT);
    assert_int_equal(viod_respq_pop_expired(&q, at(35), &e), 1);
    assert_int_equal(e.txid, 1);
    assert_int_equal(e.node, 2);
    assert_int_equal(viod_respq_pop_expired(&q, at(35), &e), 0);
    assert_int_equal(q.st.expired, 2);
    /* an expired entry no longer matches */
    assert_int_equal(viod_respq_match(&q, 1, 3), RESPQ_UNKNOWN_TXID);
    viod_respq_dispose(&q);
}

static void test_bounds_and_removal(void **state)
{
    struct respq q;
    (void)state;
    assert_int_equal(viod_respq_init(&q, 0), -EINVAL);
    assert_int_equal(viod_respq_init(&q, 3), 0);
    assert_int_equal(viod_respq_add(&q, 1, 2, at(1)), 0);
    assert_int_equal(viod_respq_add(&q, 1, 2, at(1)), -EEXIST);
    assert_int_equal(viod_respq_add(&q, 1, 3, at(1)), 0);
    assert_int_equal(viod_respq_add(&q, 2, 3, at(1)), 0);
    assert_int_equal(viod_respq_add(&q, 2, 4, at(1)), -ENOSPC);
    assert_int_equal(viod_respq_remove(&q, 2, 4), -ENOENT);
    assert_int_equal(viod_respq_remove(&q, 2, 3), 0);
    assert_int_equal(viod_respq_remove_tx(&q, 1), 2);
    assert_int_equal(q.n, 0);
    /* removal is not a match */
    assert_int_equal(q.st.matched, 0);
    viod_respq_dispose(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_removes),
        cmocka_unit_test(test_duplicate_response),
        cmocka_unit_test(test_unknown_node_and_txid),
        cmocka_unit_test(test_expiry_order_and_deadline),
        cmocka_unit_test(test_bounds_and_removal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
