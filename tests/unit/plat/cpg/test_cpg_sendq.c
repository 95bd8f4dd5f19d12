/* SPDX-License-Identifier: MIT */
/*
 * test_cpg_sendq.c - the CS_ERR_TRY_AGAIN queue (xen/plat/cpg/cpg_sendq.c):
 * order kept across refusals, the bound, expiry by deadline (each expired
 * item reported, the others kept in order), a hard error stops the run and
 * keeps the item, the earliest deadline.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xen/plat/cpg/cpg_sendq.h"

struct sink {
    int accept;          /* how many sends succeed before -EAGAIN (-1: all) */
    int fail_with;       /* when nonzero, every send returns it */
    uint8_t got[XVIOS_CPG_QUEUE_MAX];
    unsigned n_got;
    uint64_t expired[64];
    unsigned n_expired;
};

static int send_fn(void *ctx, const uint8_t *msg, size_t len)
{
    struct sink *s = ctx;
    assert_int_equal(len, 1);
    if (s->fail_with)
        return s->fail_with;
    if (s->accept == 0)
        return -EAGAIN;
    if (s->accept > 0)
        s->accept--;
    assert_true(s->n_got < XVIOS_CPG_QUEUE_MAX);
    s->got[s->n_got++] = msg[0];
    return 0;
}
static void expired_fn(void *ctx, uint64_t tag)
{
    struct sink *s = ctx;
    s->expired[s->n_expired++] = tag;
}

static uint8_t *one(uint8_t v)
{
    uint8_t *p = malloc(1);
    assert_non_null(p);
    *p = v;
    return p;
}
static struct timespec at(long s) { return (struct timespec){ .tv_sec = s, .tv_nsec = 0 }; }

static void test_order_and_retry(void **state)
{
    (void)state;
    struct cpg_sendq q = { 0 };
    struct sink s = { .accept = 2 };
    struct timespec dl = at(100), now = at(1);
    for (uint8_t i = 0; i < 5; i++)
        assert_int_equal(cpg_sendq_push(&q, one(i), 1, &dl, i), 0);
    assert_int_equal(cpg_sendq_run(&q, &now, send_fn, expired_fn, &s), 2);   /* then TRY_AGAIN */
    assert_int_equal(q.n, 3);
    s.accept = -1;
    assert_int_equal(cpg_sendq_run(&q, &now, send_fn, expired_fn, &s), 3);
    assert_int_equal(q.n, 0);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(s.got[i], i);
    assert_int_equal(s.n_expired, 0);
    struct timespec w;
    assert_int_equal(cpg_sendq_next_deadline(&q, &w), -ENOENT);
}

static void test_bound(void **state)
{
    (void)state;
    struct cpg_sendq q = { 0 };
    struct timespec dl = at(100);
    for (unsigned i = 0; i < XVIOS_CPG_QUEUE_MAX; i++)
        assert_int_equal(cpg_sendq_push(&q, one(1), 1, &dl, i), 0);
    uint8_t *extra = one(2);
    assert_int_equal(cpg_sendq_push(&q, extra, 1, &dl, 999), -ENOBUFS);
    free(extra);                                  /* not taken: the caller's */
    cpg_sendq_clear(&q);
    assert_int_equal(q.n, 0);
    /* wraps around the ring */
    struct sink s = { .accept = -1 };
    struct timespec now = at(1);
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < XVIOS_CPG_QUEUE_MAX - 1; i++)
            assert_int_equal(cpg_sendq_push(&q, one((uint8_t)round), 1, &dl, i), 0);
        s.n_got = 0;
        s.accept = 10;
        assert_int_equal(cpg_sendq_run(&q, &now, send_fn, expired_fn, &s), 10);
        s.accept = -1;
        assert_int_equal(cpg_sendq_run(&q, &now, send_fn, expired_fn, &s), (int)XVIOS_CPG_QUEUE_MAX - 11);
    }
}

static void test_expiry(void **state)
{
    (void)state;
    struct cpg_sendq q = { 0 };
    struct sink s = { .accept = 0 };
    long dls[] = { 50, 10, 60, 10, 70 };
    for (uint8_t i = 0; i < 5; i++) {
        struct timespec dl = at(dls[i]);
        assert_int_equal(cpg_sendq_push(&q, one(i), 1, &dl, 100 + i), 0);
    }
    struct timespec w, now = at(5);
    assert_int_equal(cpg_sendq_next_deadline(&q, &w), 0);
    assert_int_equal(w.tv_sec, 10);
    assert_int_equal(cpg_sendq_run(&q, &now, send_fn, expired_fn, &s), 0);
    assert_int_equal(s.n_expired, 0);
    now = at(10);                                 /* the deadline itself counts as passed */
    assert_int_equal(cpg_sendq_run(&q, &now, send_fn, expired_fn, &s), 0);
    assert_int_equal(s.n_expired, 2);
    assert_int_equal(s.expired[0], 101);
    assert_int_equal(s.expired[1], 103);
    assert_int_equal(q.n, 3);
    assert_int_equal(cpg_sendq_next_deadline(&q, &w), 0);
    assert_int_equal(w.tv_sec, 50);
    s.accept = -1;
    assert_int_equal(cpg_sendq_run(&q, &now, send_fn, expired_fn, &s), 3);
    assert_int_equal(s.got[0], 0);
    assert_int_equal(s.got[1], 2);
    assert_int_equal(s.got[2], 4);
}

static void test_hard_error(void **state)
{
    (void)state;
    struct cpg_sendq q = { 0 };
    struct sink s = { .fail_with = -EPIPE };
    struct timespec dl = at(100), now = at(1);
    assert_int_equal(cpg_sendq_push(&q, one(7), 1, &dl, 1), 0);
    assert_int_equal(cpg_sendq_run(&q, &now, send_fn, expired_fn, &s), -EPIPE);
    assert_int_equal(q.n, 1);                    /* kept: the owner decides */
    cpg_sendq_clear(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_retry),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_hard_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
