/* SPDX-License-Identifier: MIT */
/* test_vke_rc.c - RC array bookkeeping: entries, marks, duplicates, strays, deadlines, overall status. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "xen/vke/vke_rc.h"

static void add_pending_and_mark(void **state)
{
    struct vke_rc rc;
    (void)state;

    vke_rc_init(&rc);
    assert_int_equal(vke_rc_add(&rc, 2, XVIOS_RC_PENDING), 0);
    assert_int_equal(vke_rc_add(&rc, 3, XVIOS_RC_PENDING), 0);
    assert_int_equal(rc.n, 2);
    assert_int_equal(rc.pending, 2);
    assert_int_equal(vke_rc_mark(&rc, 3, XVIOS_RC_DELIVERED), VKE_RC_MARKED);
    assert_int_equal(rc.pending, 1);
    assert_int_equal(vke_rc_find(&rc, 3)->status, XVIOS_RC_DELIVERED);
    assert_int_equal(vke_rc_find(&rc, 2)->status, XVIOS_RC_PENDING);
    assert_int_equal(vke_rc_overall(&rc), XVIOS_ST_PARTIAL);
    assert_int_equal(vke_rc_mark(&rc, 2, XVIOS_RC_DELIVERED), VKE_RC_MARKED);
    assert_int_equal(rc.pending, 0);
    assert_int_equal(vke_rc_overall(&rc), XVIOS_ST_OK);
}

static void duplicate_and_stray(void **state)
{
    struct vke_rc rc;
    (void)state;

    vke_rc_init(&rc);
    vke_rc_add(&rc, 5, XVIOS_RC_PENDING);
    assert_int_equal(vke_rc_mark(&rc, 5, XVIOS_RC_DELIVERED), VKE_RC_MARKED);
    assert_int_equal(vke_rc_mark(&rc, 5, XVIOS_RC_DELIVERED), VKE_RC_DUPLICATE);
    assert_int_equal(vke_rc_mark(&rc, 5, XVIOS_RC_UNREACHABLE), VKE_RC_DUPLICATE);
    assert_int_equal(vke_rc_find(&rc, 5)->status, XVIOS_RC_DELIVERED); /* a late failure cannot undo a delivery */
    assert_int_equal(vke_rc_mark(&rc, 9, XVIOS_RC_DELIVERED), VKE_RC_NOT_TARGET);
    assert_null(vke_rc_find(&rc, 9));
    assert_int_equal(rc.pending, 0);
}

static void deadline_fails_only_pending(void **state)
{
    struct vke_rc rc;
    (void)state;

    vke_rc_init(&rc);
    vke_rc_add(&rc, 1, XVIOS_RC_PENDING);
    vke_rc_add(&rc, 2, XVIOS_RC_PENDING);
    vke_rc_add(&rc, 3, XVIOS_RC_NOT_MEMBER);
    vke_rc_mark(&rc, 1, XVIOS_RC_DELIVERED);
    assert_int_equal(vke_rc_fail_pending(&rc, XVIOS_RC_TIMED_OUT), 1);
    assert_int_equal(vke_rc_find(&rc, 1)->status, XVIOS_RC_DELIVERED);
    assert_int_equal(vke_rc_find(&rc, 2)->status, XVIOS_RC_TIMED_OUT);
    assert_int_equal(vke_rc_find(&rc, 3)->status, XVIOS_RC_NOT_MEMBER);
    assert_int_equal(rc.pending, 0);
    assert_int_equal(vke_rc_overall(&rc), XVIOS_ST_PARTIAL);
    assert_int_equal(vke_rc_fail_pending(&rc, XVIOS_RC_TIMED_OUT), 0);
}

static void add_rejects_duplicates_and_overflow(void **state)
{
    struct vke_rc rc;
    (void)state;

    vke_rc_init(&rc);
    assert_int_equal(vke_rc_add(&rc, 7, XVIOS_RC_PENDING), 0);
    assert_int_equal(vke_rc_add(&rc, 7, XVIOS_RC_PENDING), -EEXIST);
    assert_int_equal(rc.pending, 1);
    vke_rc_init(&rc);
    for (uint32_t i = 1; i <= XVIOS_MAX_NODES; i++)
        assert_int_equal(vke_rc_add(&rc, i, XVIOS_RC_SENT), 0);
    assert_int_equal(vke_rc_add(&rc, XVIOS_MAX_NODES + 1, XVIOS_RC_SENT), -ENOSPC);
    assert_int_equal(vke_rc_overall(&rc), XVIOS_ST_OK); /* SENT counts as handed over */
}

static void empty_is_no_targets(void **state)
{
    struct vke_rc rc;
    (void)state;

    vke_rc_init(&rc);
    assert_int_equal(vke_rc_overall(&rc), XVIOS_ST_NO_TARGETS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_pending_and_mark),
        cmocka_unit_test(duplicate_and_stray),
        cmocka_unit_test(deadline_fails_only_pending),
        cmocka_unit_test(add_rejects_duplicates_and_overflow),
        cmocka_unit_test(empty_is_no_targets),
    };
    return cmocka_run_group_tests_name("vke_rc", tests, NULL, NULL);
}
