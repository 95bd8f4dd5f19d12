/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_pr_spc2.c - RESERVE/RELEASE(6/10) beside persistent reservations
 * (compatible reservation handling, SPC-4 5.13.3), and what resets do.
 */
#include "pr_fixture.h"

static void spc2_alone(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1);
    struct scsi_err e;
    struct scsi_nexus h;
    (void)state;
    fx_init(&f, false);
    assert_int_equal(scsi_pr_release_spc2(f.pr, &a, &e), 0);        /* nothing reserved: GOOD */
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &a, &e), 0);
    assert_int_equal(f.changed, 1);
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &a, &e), 0);        /* the holder may repeat it */
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &b, &e), -1);
    assert_conflict(&e);
    assert_int_equal(scsi_pr_release_spc2(f.pr, &b, &e), 0);        /* a non-holder's RELEASE: GOOD, no-op */
    assert_true(scsi_pr_spc2_holder(f.pr, &h));
    assert_true(scsi_nexus_eq(&h, &a));
    /* PR OUT while an SPC-2 reservation exists: conflict (LIO), nothing registered. */
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_REGISTER, 0, 0, 0x22, 0, &e), -1);
    assert_conflict(&e);
    assert_int_equal(scsi_pr_registration_count(f.pr), 0);
    assert_int_equal(scsi_pr_release_spc2(f.pr, &a, &e), 0);
    assert_false(scsi_pr_spc2_holder(f.pr, NULL));
    must_register(&f, &b, 0x22);
    fx_fini(&f);
}

static void crh_with_registrations(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), o = nx(3, 1);
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);

    /* Registrations but no reservation: every RESERVE and RELEASE conflicts. */
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &a, &e), -1);
    assert_conflict(&e);
    assert_int_equal(scsi_pr_release_spc2(f.pr, &o, &e), -1);
    assert_conflict(&e);

    /* The PR holder: GOOD, and nothing changes. */
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_WE);
    f.changed = 0;
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &a, &e), 0);
    assert_int_equal(scsi_pr_release_spc2(f.pr, &a, &e), 0);
    assert_false(scsi_pr_spc2_holder(f.pr, NULL));
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_WE);
    assert_int_equal(f.changed, 0);
    /* A registered non-holder of a WE reservation, and a stranger: conflict. */
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &b, &e), -1);
    assert_conflict(&e);
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &o, &e), -1);
    assert_conflict(&e);

    /* Registrants only: any registrant gets GOOD without effect; a stranger conflicts. */
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_WE, 0x11, 0, 0, NULL), 0);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA_RO);
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &b, &e), 0);
    assert_false(scsi_pr_spc2_holder(f.pr, NULL));
    assert_int_equal(scsi_pr_release_spc2(f.pr, &b, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_EA_RO);
    assert_int_equal(scsi_pr_release_spc2(f.pr, &o, &e), -1);
    assert_conflict(&e);
    fx_fini(&f);
}

static void resets(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1);
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &a, &e), 0);
    scsi_pr_nexus_reset(f.pr, NULL);                                 /* LU reset */
    assert_false(scsi_pr_spc2_holder(f.pr, NULL));
    assert_int_equal(f.changed, 2);
    scsi_pr_nexus_reset(f.pr, NULL);                                 /* nothing to do: no call */
    assert_int_equal(f.changed, 2);

    /* Persistent reservations survive nexus loss and LU reset. */
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA);
    scsi_pr_nexus_reset(f.pr, &a);
    scsi_pr_nexus_reset(f.pr, NULL);
    assert_true(scsi_pr_is_holder(f.pr, &a));
    assert_int_equal(scsi_pr_registration_count(f.pr), 2);
    assert_true(scsi_pr_conflicts(f.pr, &b, SCSI_PR_ACCESS_READ, 0x28));
    fx_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spc2_alone),
        cmocka_unit_test(crh_with_registrations),
        cmocka_unit_test(resets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
