/* SPDX-License-Identifier: MIT */
/* test_pktq.c - the bounded datagram FIFO: order, both bounds, deadlines and txids kept, dispose. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "xvios/pktq.h"

static void fifo_order_and_metadata(void **state)
{
    struct xvios_pktq q;
    struct timespec d = { .tv_sec = 7, .tv_nsec = 9 };
    struct xvios_pkt *p;
    (void)state;

    xvios_pktq_init(&q, 4, 1024);
    assert_null(xvios_pktq_peek(&q));
    assert_null(xvios_pktq_pop(&q));
    assert_int_equal(xvios_pktq_push(&q, "one", 3, 11, d), 0);
    assert_int_equal(xvios_pktq_push(&q, "two!", 4, 22, d), 0);
    assert_int_equal(q.n, 2);
    assert_int_equal(q.bytes, 7);
    p = xvios_pktq_pop(&q);
    assert_non_null(p);
    assert_int_equal(p->len, 3);
    assert_memory_equal(p->data, "one", 3);
    assert_true(p->txid == 11);
    assert_int_equal(p->deadline.tv_sec, 7);
    assert_int_equal(p->deadline.tv_nsec, 9);
    free(p);
    assert_int_equal(q.bytes, 4);
    assert_memory_equal(xvios_pktq_peek(&q)->data, "two!", 4);
    xvios_pktq_drop(&q);
    assert_int_equal(q.n, 0);
    assert_int_equal(q.bytes, 0);
    assert_null(q.tail);
    xvios_pktq_dispose(&q);
}

static void bounded_by_count_and_bytes(void **state)
{
    struct xvios_pktq q;
    struct timespec d = { 0 };
    (void)state;

    xvios_pktq_init(&q, 2, 1000);
    assert_int_equal(xvios_pktq_push(&q, "a", 1, 0, d), 0);
    assert_int_equal(xvios_pktq_push(&q, "b", 1, 0, d), 0);
    assert_true(xvios_pktq_full(&q));
    assert_int_equal(xvios_pktq_push(&q, "c", 1, 0, d), -ENOBUFS);
    assert_int_equal(q.n, 2);
    xvios_pktq_dispose(&q);
    assert_int_equal(q.n, 0);

    xvios_pktq_init(&q, 100, 10);
    assert_int_equal(xvios_pktq_push(&q, "0123456789", 8, 0, d), 0);
    assert_int_equal(xvios_pktq_push(&q, "0123456789", 3, 0, d), -ENOBUFS); /* 11 > 10 bytes */
    assert_int_equal(xvios_pktq_push(&q, "0123456789", 2, 0, d), 0);      /* exactly 10 */
    assert_int_equal(xvios_pktq_push(&q, "", 0, 0, d), 0);                /* empty datagrams still count */
    assert_int_equal(q.n, 3);
    xvios_pktq_dispose(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_order_and_metadata),
        cmocka_unit_test(bounded_by_count_and_bytes),
    };
    return cmocka_run_group_tests_name("pktq", tests, NULL, NULL);
}
