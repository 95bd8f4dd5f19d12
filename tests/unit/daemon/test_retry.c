/* SPDX-License-Identifier: MIT */
/* test_retry.c - re-issue decisions of one send: who is re-sent, how often, the final outcome, RC growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/retry.h"

static struct xvios_rc_entry E(uint32_t node, unsigned st) { return (struct xvios_rc_entry){ .node = node, .status = (uint16_t)st }; }

static unsigned status_of(const struct retry *r, uint32_t node)
{
    for (unsigned i = 0; i < r->n; i++)
        if (r->node[i].node == node)
            return r->node[i].status;
    return 0xffff;
}

static void test_all_delivered_first_time(void **state)
{
    struct retry r;
    struct xvios_rc_entry rc[] = { E(2, XVIOS_RC_DELIVERED), E(3, XVIOS_RC_DELIVERED) };
    (void)state;
    viod_retry_init(&r, true, true, NULL, 0, 2, 3);
    assert_int_equal(r.rc_capacity, 2);
    assert_true(r.cur_broadcast);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_OK, 2, rc, 2), RETRY_DONE);
    assert_true(r.done);
    assert_int_equal(r.final_status, XVIOS_ST_OK);
    assert_int_equal(r.resends, 0);
    assert_int_equal(viod_retry_failed_count(&r), 0);
}

static void test_resend_only_unacknowledged(void **state)
{
    struct retry r;
    struct xvios_rc_entry rc1[] = { E(2, XVIOS_RC_DELIVERED), E(3, XVIOS_RC_TIMED_OUT), E(4, XVIOS_RC_UNREACHABLE),
                                    E(5, XVIOS_RC_NOT_MEMBER), E(6, XVIOS_RC_QUEUE_FULL) };
    (void)state;
    viod_retry_init(&r, true, true, NULL, 0, 5, 2);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_PARTIAL, 5, rc1, 5), RETRY_RESEND);
    /* delivered (2) and not-member (5) are not re-sent */
    assert_int_equal(r.n_cur, 3);
    assert_int_equal(r.cur[0], 3);
    assert_int_equal(r.cur[1], 4);
    assert_int_equal(r.cur[2], 6);
    assert_false(r.cur_broadcast);   /* re-issue is directed */
    assert_int_equal(r.resends, 1);

    struct xvios_rc_entry rc2[] = { E(3, XVIOS_RC_DELIVERED), E(4, XVIOS_RC_UNREACHABLE), E(6, XVIOS_RC_DELIVERED) };
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_PARTIAL, 3, rc2, 3), RETRY_RESEND);
    assert_int_equal(r.n_cur, 1);
    assert_int_equal(r.cur[0], 4);

    struct xvios_rc_entry rc3[] = { E(4, XVIOS_RC_UNREACHABLE) };
    /* retries (2) used up: final */
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_PARTIAL, 1, rc3, 1), RETRY_DONE);
    assert_int_equal(r.resends, 2);
    assert_int_equal(r.final_status, XVIOS_ST_PARTIAL);
    assert_int_equal(status_of(&r, 2), XVIOS_RC_DELIVERED);
    assert_int_equal(status_of(&r, 3), XVIOS_RC_DELIVERED);
    assert_int_equal(status_of(&r, 4), XVIOS_RC_UNREACHABLE);
    assert_int_equal(status_of(&r, 5), XVIOS_RC_NOT_MEMBER);
    assert_int_equal(status_of(&r, 6), XVIOS_RC_DELIVERED);
    assert_int_equal(viod_retry_failed_count(&r), 2);
    assert_int_equal(r.n, 5);
}

static void test_zero_retries_is_final(void **state)
{
    struct retry r;
    uint32_t t[] = { 7 };
    struct xvios_rc_entry rc[] = { E(7, XVIOS_RC_TIMED_OUT) };
    (void)state;
    viod_retry_init(&r, true, false, t, 1, 0, 0);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_PARTIAL, 1, rc, 1), RETRY_DONE);
    assert_int_equal(r.final_status, XVIOS_ST_TIMED_OUT);
}

static void test_no_receipts_never_resends(void **state)
{
    struct retry r;
    uint32_t t[] = { 2, 3 };
    struct xvios_rc_entry rc[] = { E(2, XVIOS_RC_SENT), E(3, XVIOS_RC_UNREACHABLE) };
    (void)state;
    viod_retry_init(&r, false, false, t, 2, 0, 5);
    assert_int_equal(r.rc_capacity, XVIOS_MAX_NODES);   /* room for any RC array; no RECEIPT flag: no waiting */
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_PARTIAL, 2, rc, 2), RETRY_DONE);
    assert_int_equal(r.final_status, XVIOS_ST_PARTIAL);
    assert_int_equal(r.resends, 0);
}

static void test_rc_too_small_grows(void **state)
{
    struct retry r;
    struct xvios_rc_entry rc[] = { E(2, XVIOS_RC_DELIVERED), E(3, XVIOS_RC_DELIVERED), E(4, XVIOS_RC_DELIVERED) };
    (void)state;
    viod_retry_init(&r, true, true, NULL, 0, 1, 1);
    assert_int_equal(r.rc_capacity, 1);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_RC_TOO_SMALL, 3, NULL, 0), RETRY_GROW);
    assert_int_equal(r.rc_capacity, 3);
    assert_true(r.cur_broadcast);   /* the same send again */
    assert_int_equal(r.resends, 0); /* growth is not a re-issue */
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_OK, 3, rc, 3), RETRY_DONE);
    assert_int_equal(r.final_status, XVIOS_ST_OK);
    assert_int_equal(r.n, 3);
}

static void test_rc_too_small_nonsense_is_final(void **state)
{
    struct retry r;
    (void)state;
    viod_retry_init(&r, true, true, NULL, 0, 4, 1);
    /* needing fewer than we already have cannot be right: stop instead of looping */
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_RC_TOO_SMALL, 2, NULL, 0), RETRY_DONE);
    assert_int_equal(r.final_status, XVIOS_ST_INTERNAL);
    viod_retry_init(&r, true, true, NULL, 0, 4, 1);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_RC_TOO_SMALL, XVIOS_MAX_NODES + 1, NULL, 0), RETRY_DONE);
    /* growth is bounded */
    viod_retry_init(&r, true, true, NULL, 0, 1, 1);
    for (unsigned i = 0; i < RETRY_MAX_GROWS; i++)
        assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_RC_TOO_SMALL, 2 + i, NULL, 0), RETRY_GROW);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_RC_TOO_SMALL, 10, NULL, 0), RETRY_DONE);
}

static void test_try_again_backs_off_then_gives_up(void **state)
{
    struct retry r;
    uint32_t t[] = { 2 };
    (void)state;
    viod_retry_init(&r, true, false, t, 1, 0, 1);
    for (unsigned i = 0; i < RETRY_MAX_BACKOFFS; i++)
        assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_TRY_AGAIN, 0, NULL, 0), RETRY_BACKOFF);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_TRY_AGAIN, 0, NULL, 0), RETRY_DONE);
    assert_int_equal(r.final_status, XVIOS_ST_TRY_AGAIN);
}

static void test_directed_missing_entry_counts_as_timeout(void **state)
{
    struct retry r;
    uint32_t t[] = { 2, 3 };
    struct xvios_rc_entry rc[] = { E(2, XVIOS_RC_DELIVERED) };
    (void)state;
    viod_retry_init(&r, true, false, t, 2, 0, 0);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_OK, 2, rc, 1), RETRY_DONE);
    assert_int_equal(status_of(&r, 3), XVIOS_RC_TIMED_OUT);
    assert_int_equal(r.final_status, XVIOS_ST_PARTIAL);
}

static void test_hard_errors_and_abort(void **state)
{
    struct retry r;
    uint32_t t[] = { 2, 3 };
    (void)state;
    viod_retry_init(&r, true, true, NULL, 0, 2, 3);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_NOT_MEMBER, 0, NULL, 0), RETRY_DONE);
    assert_int_equal(r.final_status, XVIOS_ST_NOT_MEMBER);
    viod_retry_init(&r, true, true, NULL, 0, 2, 3);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_NO_TARGETS, 0, NULL, 0), RETRY_DONE);
    assert_int_equal(r.final_status, XVIOS_ST_NO_TARGETS);
    viod_retry_init(&r, true, false, t, 2, 0, 3);
    viod_retry_abort(&r, XVIOS_ST_UNREACHABLE, XVIOS_RC_UNREACHABLE);
    assert_true(r.done);
    assert_int_equal(status_of(&r, 2), XVIOS_RC_UNREACHABLE);
    assert_int_equal(status_of(&r, 3), XVIOS_RC_UNREACHABLE);
    assert_int_equal(r.final_status, XVIOS_ST_UNREACHABLE);
    /* done is done */
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_OK, 0, NULL, 0), RETRY_DONE);
}

static void test_only_strangers_is_a_refusal(void **state)
{
    struct retry r;
    uint32_t t[] = { 9, 10 };
    struct xvios_rc_entry rc[] = { E(9, XVIOS_RC_NOT_MEMBER), E(10, XVIOS_RC_NOT_MEMBER) };
    struct xvios_rc_entry mixed[] = { E(9, XVIOS_RC_NOT_MEMBER), E(10, XVIOS_RC_UNREACHABLE) };
    (void)state;
    viod_retry_init(&r, true, false, t, 2, 2, 0);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_PARTIAL, 2, rc, 2), RETRY_DONE);
    assert_int_equal(r.final_status, XVIOS_ST_NOT_MEMBER);
    /* one real member that could not be reached: that is not a refusal */
    viod_retry_init(&r, true, false, t, 2, 2, 0);
    assert_int_equal(viod_retry_on_result(&r, XVIOS_ST_PARTIAL, 2, mixed, 2), RETRY_DONE);
    assert_int_equal(r.final_status, XVIOS_ST_UNREACHABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_delivered_first_time),
        cmocka_unit_test(test_resend_only_unacknowledged),
        cmocka_unit_test(test_zero_retries_is_final),
        cmocka_unit_test(test_no_receipts_never_resends),
        cmocka_unit_test(test_rc_too_small_grows),
        cmocka_unit_test(test_rc_too_small_nonsense_is_final),
        cmocka_unit_test(test_try_again_backs_off_then_gives_up),
        cmocka_unit_test(test_directed_missing_entry_counts_as_timeout),
        cmocka_unit_test(test_hard_errors_and_abort),
        cmocka_unit_test(test_only_strangers_is_a_refusal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
