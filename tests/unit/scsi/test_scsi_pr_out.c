/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_pr_out.c - PERSISTENT RESERVE OUT: registration sequences and the
 * PRgeneration, RESERVE / RELEASE / CLEAR / PREEMPT / PREEMPT AND ABORT with
 * their unit attentions, the all-registrants and registrants-only holder
 * rules, and every refusal with its exact sense.
 */
#include "pr_fixture.h"

static void register_sequence_and_generation(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), c = nx(3, 1);
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    assert_int_equal(scsi_pr_generation(f.pr), 0);

    must_register(&f, &a, 0x11);
    assert_int_equal(scsi_pr_generation(f.pr), 1);
    assert_int_equal(f.changed, 1);
    assert_int_equal(scsi_pr_find_registration(f.pr, &a)->key, 0x11);

    /* Registered: REGISTER must carry the current key. */
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0x99, 0x12, 0, &e), -1);
    assert_conflict(&e);
    assert_int_equal(scsi_pr_generation(f.pr), 1);
    assert_int_equal(f.changed, 1);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0x11, 0x12, 0, &e), 0);
    assert_int_equal(scsi_pr_find_registration(f.pr, &a)->key, 0x12);
    assert_int_equal(scsi_pr_generation(f.pr), 2);

    /* REGISTER AND IGNORE EXISTING KEY: any key, registered or not. */
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_REGISTER_IGNORE, 0, 0xdead, 0x22, 0, &e), 0);
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_REGISTER_IGNORE, 0, 0xbeef, 0x23, 0, &e), 0);
    assert_int_equal(scsi_pr_find_registration(f.pr, &b)->key, 0x23);
    assert_int_equal(scsi_pr_generation(f.pr), 4);

    /* Not registered: a non-zero RESERVATION KEY conflicts; SA key 0 is a GOOD no-op. */
    assert_int_equal(pr_out(&f, &c, SCSI_PR_OUT_REGISTER, 0, 5, 0x33, 0, &e), -1);
    assert_conflict(&e);
    assert_int_equal(pr_out(&f, &c, SCSI_PR_OUT_REGISTER, 0, 0, 0, 0, &e), 0);
    assert_null(scsi_pr_find_registration(f.pr, &c));
    assert_int_equal(scsi_pr_generation(f.pr), 4);
    assert_int_equal(f.changed, 4);

    /* RESERVE and RELEASE change the state but not the generation. */
    must_reserve(&f, &a, 0x12, SCSI_PR_TYPE_WE);
    assert_int_equal(scsi_pr_generation(f.pr), 4);
    assert_int_equal(f.changed, 5);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_WE, 0x12, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_generation(f.pr), 4);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_NONE);

    /* Unregister. */
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0x12, 0, 0, &e), 0);
    assert_null(scsi_pr_find_registration(f.pr, &a));
    assert_int_equal(scsi_pr_registration_count(f.pr), 1);
    assert_int_equal(scsi_pr_generation(f.pr), 5);
    assert_int_equal(f.nua, 0);
    fx_fini(&f);
}

static void reserve_rules(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), c = nx(3, 1);
    struct scsi_err e;
    uint8_t cdb[10], p[24];
    (void)state;
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);

    assert_int_equal(pr_out(&f, &c, SCSI_PR_OUT_RESERVE, SCSI_PR_TYPE_WE, 0, 0, 0, &e), -1);
    assert_conflict(&e);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RESERVE, SCSI_PR_TYPE_WE, 0x22, 0, 0, &e), -1);
    assert_conflict(&e);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RESERVE, 2, 0x11, 0, 0, &e), -1);
    assert_field(&e, true, 2, 3);
    out_cdb(cdb, SCSI_PR_OUT_RESERVE, 0x10 | SCSI_PR_TYPE_WE, 24);   /* scope 1 */
    out_param(p, 0x11, 0, 0);
    assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, 24, &e), -1);
    assert_field(&e, true, 2, 7);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_NONE);

    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA);                     /* the holder may repeat it */
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RESERVE, SCSI_PR_TYPE_WE, 0x11, 0, 0, &e), -1);
    assert_conflict(&e);                                              /* but not change the type */
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_RESERVE, SCSI_PR_TYPE_EA, 0x22, 0, 0, &e), -1);
    assert_conflict(&e);
    assert_true(scsi_pr_is_holder(f.pr, &a));
    assert_false(scsi_pr_is_holder(f.pr, &b));
    fx_fini(&f);
}

static void release_rules_and_unit_attentions(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), c = nx(3, 1), o = nx(4, 1);
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);
    must_register(&f, &c, 0x33);

    /* Nothing reserved: GOOD. Not registered: conflict. */
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_WE, 0x11, 0, 0, &e), 0);
    assert_int_equal(pr_out(&f, &o, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_WE, 0, 0, 0, &e), -1);
    assert_conflict(&e);

    /* Write exclusive: a non-holder's RELEASE is GOOD and releases nothing; the holder's, no UA. */
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_WE);
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_WE, 0x22, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_WE);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_EA, 0x11, 0, 0, &e), -1);
    assert_sense(&e, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_RELEASE_OF_PR);
    assert_false(e.has_field);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_WE);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_WE, 0x11, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_NONE);
    assert_int_equal(f.nua, 0);

    /* Registrants only: RESERVATIONS RELEASED to every other registrant, once each. */
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_WE_RO);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_WE_RO, 0x11, 0, 0, &e), 0);
    assert_int_equal(f.nua, 2);
    assert_int_equal(fx_ua_count(&f, 2, 1, SCSI_ASC_RESERVATIONS_RELEASED), 1);
    assert_int_equal(fx_ua_count(&f, 3, 1, SCSI_ASC_RESERVATIONS_RELEASED), 1);

    /* All registrants: any registrant is a holder and its RELEASE ends it for all. */
    fx_clear_events(&f);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA_AR);
    assert_true(scsi_pr_is_holder(f.pr, &c));
    assert_false(scsi_pr_holder(f.pr, NULL));
    assert_int_equal(pr_out(&f, &c, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_EA_AR, 0x33, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_NONE);
    assert_int_equal(f.nua, 2);
    assert_int_equal(fx_ua_count(&f, 1, 1, SCSI_ASC_RESERVATIONS_RELEASED), 1);
    assert_int_equal(fx_ua_count(&f, 2, 1, SCSI_ASC_RESERVATIONS_RELEASED), 1);
    fx_fini(&f);
}

static void holder_unregistering(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), c = nx(3, 1);
    struct scsi_err e;
    (void)state;

    /* Registrants only: the holder leaves -> released, the others are told. */
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA_RO);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0x11, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_NONE);
    assert_int_equal(f.nua, 1);
    assert_int_equal(fx_ua_count(&f, 2, 1, SCSI_ASC_RESERVATIONS_RELEASED), 1);
    fx_fini(&f);

    /* Write exclusive: released silently. */
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_WE);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER_IGNORE, 0, 0, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_NONE);
    assert_int_equal(f.nua, 0);
    fx_fini(&f);

    /* All registrants: lasts while a registrant remains. */
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);
    must_register(&f, &c, 0x33);
    must_reserve(&f, &b, 0x22, SCSI_PR_TYPE_WE_AR);
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_REGISTER, 0, 0x22, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_WE_AR);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0x11, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_WE_AR);
    assert_true(scsi_pr_is_holder(f.pr, &c));
    assert_int_equal(pr_out(&f, &c, SCSI_PR_OUT_REGISTER, 0, 0x33, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_NONE);
    assert_int_equal(f.nua, 0);
    fx_fini(&f);
}

static void clear_everything(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), c = nx(3, 1), o = nx(4, 1);
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);
    must_register(&f, &c, 0x33);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA);

    assert_int_equal(pr_out(&f, &o, SCSI_PR_OUT_CLEAR, 0, 0, 0, 0, &e), -1);
    assert_conflict(&e);
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_CLEAR, 0, 0x11, 0, 0, &e), -1);
    assert_conflict(&e);
    assert_int_equal(scsi_pr_generation(f.pr), 3);

    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_CLEAR, 0, 0x22, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_generation(f.pr), 4);
    assert_int_equal(scsi_pr_registration_count(f.pr), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_NONE);
    assert_int_equal(f.nua, 2);
    assert_int_equal(fx_ua_count(&f, 1, 1, SCSI_ASC_RESERVATIONS_PREEMPTED), 1);
    assert_int_equal(fx_ua_count(&f, 3, 1, SCSI_ASC_RESERVATIONS_PREEMPTED), 1);
    assert_false(scsi_pr_conflicts(f.pr, &o, SCSI_PR_ACCESS_WRITE, 0x2a));
    fx_fini(&f);
}

static void preempt_without_reservation_removes_registrations(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), b2 = nx(2, 2), c = nx(3, 1);
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);
    must_register(&f, &b2, 0x22);
    must_register(&f, &c, 0x33);

    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_PREEMPT, SCSI_PR_TYPE_WE, 0x11, 0, 0, &e), -1);
    assert_field(&e, false, 8, -1);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_PREEMPT, SCSI_PR_TYPE_WE, 0x11, 0x77, 0, &e), -1);
    assert_conflict(&e);
    assert_int_equal(scsi_pr_generation(f.pr), 4);

    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_PREEMPT, SCSI_PR_TYPE_WE, 0x11, 0x22, 0, &e), 0);
    assert_int_equal(scsi_pr_generation(f.pr), 5);
    assert_int_equal(scsi_pr_registration_count(f.pr), 2);
    assert_null(scsi_pr_find_registration(f.pr, &b));
    assert_null(scsi_pr_find_registration(f.pr, &b2));
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_NONE);       /* no reservation is created */
    assert_int_equal(f.nua, 2);
    assert_int_equal(fx_ua_count(&f, 2, 1, SCSI_ASC_REGISTRATIONS_PREEMPTED), 1);
    assert_int_equal(fx_ua_count(&f, 2, 2, SCSI_ASC_REGISTRATIONS_PREEMPTED), 1);
    assert_int_equal(f.naborted, 0);
    fx_fini(&f);
}

static void preempt_the_holder(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), a2 = nx(5, 1), b = nx(2, 1), c = nx(3, 1);
    struct scsi_nexus h;
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &a2, 0x11);    /* shares the holder's key */
    must_register(&f, &b, 0x22);
    must_register(&f, &c, 0x33);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_WE);

    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_PREEMPT, SCSI_PR_TYPE_EA, 0x22, 0x11, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_EA);
    assert_true(scsi_pr_holder(f.pr, &h));
    assert_true(scsi_nexus_eq(&h, &b));
    assert_int_equal(scsi_pr_registration_count(f.pr), 2);
    assert_int_equal(scsi_pr_generation(f.pr), 5);
    /* Removed: REGISTRATIONS PREEMPTED. Remaining (type changed): RESERVATIONS RELEASED. Issuer: none. */
    assert_int_equal(f.nua, 3);
    assert_int_equal(fx_ua_count(&f, 1, 1, SCSI_ASC_REGISTRATIONS_PREEMPTED), 1);
    assert_int_equal(fx_ua_count(&f, 5, 1, SCSI_ASC_REGISTRATIONS_PREEMPTED), 1);
    assert_int_equal(fx_ua_count(&f, 3, 1, SCSI_ASC_RESERVATIONS_RELEASED), 1);
    assert_int_equal(f.naborted, 0);

    /* The holder preempting itself to change the type keeps its registration. */
    fx_clear_events(&f);
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_PREEMPT, SCSI_PR_TYPE_WE_RO, 0x22, 0x22, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_WE_RO);
    assert_non_null(scsi_pr_find_registration(f.pr, &b));
    assert_int_equal(f.nua, 1);
    assert_int_equal(fx_ua_count(&f, 3, 1, SCSI_ASC_RESERVATIONS_RELEASED), 1);

    /* Same type: no RESERVATIONS RELEASED. */
    fx_clear_events(&f);
    assert_int_equal(pr_out(&f, &c, SCSI_PR_OUT_PREEMPT, SCSI_PR_TYPE_WE_RO, 0x33, 0x22, 0, &e), 0);
    assert_int_equal(f.nua, 1);
    assert_int_equal(fx_ua_count(&f, 2, 1, SCSI_ASC_REGISTRATIONS_PREEMPTED), 1);
    assert_true(scsi_pr_is_holder(f.pr, &c));
    fx_fini(&f);
}

static void preempt_all_registrants(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), c = nx(3, 1);
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);
    must_register(&f, &c, 0x33);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA_AR);

    /* Non-zero key: only that key's registrations go; the reservation stays. */
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_PREEMPT, SCSI_PR_TYPE_EA_AR, 0x22, 0x33, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_EA_AR);
    assert_int_equal(scsi_pr_registration_count(f.pr), 2);
    assert_int_equal(fx_ua_count(&f, 3, 1, SCSI_ASC_REGISTRATIONS_PREEMPTED), 1);

    /* Key 0: everyone else goes and the issuer holds the new type. */
    fx_clear_events(&f);
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_PREEMPT, SCSI_PR_TYPE_WE, 0x22, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_WE);
    assert_int_equal(scsi_pr_registration_count(f.pr), 1);
    assert_true(scsi_pr_is_holder(f.pr, &b));
    assert_int_equal(f.nua, 1);
    assert_int_equal(fx_ua_count(&f, 1, 1, SCSI_ASC_REGISTRATIONS_PREEMPTED), 1);
    fx_fini(&f);
}

static void preempt_and_abort_aborts_exactly_the_preempted(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), a2 = nx(1, 2), b = nx(2, 1), c = nx(3, 1), o = nx(4, 1);
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &a2, 0x11);
    must_register(&f, &b, 0x22);
    must_register(&f, &c, 0x33);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA_RO);

    /* A non-registrant cannot. */
    assert_int_equal(pr_out(&f, &o, SCSI_PR_OUT_PREEMPT_AND_ABORT, SCSI_PR_TYPE_EA, 0, 0x11, 0, &e), -1);
    assert_conflict(&e);
    assert_int_equal(f.naborted, 0);

    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_PREEMPT_AND_ABORT, SCSI_PR_TYPE_EA_RO, 0x22, 0x11, 0, &e), 0);
    assert_int_equal(f.naborted, 2);
    assert_true(scsi_nexus_eq(&f.aborted[0], &a2) || scsi_nexus_eq(&f.aborted[1], &a2));
    assert_true(scsi_nexus_eq(&f.aborted[0], &a) || scsi_nexus_eq(&f.aborted[1], &a));
    assert_true(scsi_pr_is_holder(f.pr, &b));
    assert_int_equal(fx_ua_count(&f, 1, 1, SCSI_ASC_REGISTRATIONS_PREEMPTED), 1);
    assert_int_equal(fx_ua_count(&f, 1, 2, SCSI_ASC_REGISTRATIONS_PREEMPTED), 1);
    assert_int_equal(fx_ua_count(&f, 3, 1, SCSI_ASC_RESERVATIONS_RELEASED), 0);   /* same type */

    /* Removing registrations only: the issuer's own registration may go, but it is never aborted. */
    fx_clear_events(&f);
    must_register(&f, &o, 0x22);
    assert_int_equal(pr_out(&f, &c, SCSI_PR_OUT_PREEMPT_AND_ABORT, SCSI_PR_TYPE_EA_RO, 0x33, 0x33, 0, &e), 0);
    assert_int_equal(f.naborted, 0);
    assert_null(scsi_pr_find_registration(f.pr, &c));
    fx_fini(&f);
}

static void parameter_list_refusals(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1);
    struct scsi_err e;
    uint8_t cdb[10], p[40];
    (void)state;
    fx_init(&f, false);

    /* Service action 8: INVALID FIELD IN CDB at byte 1, bit 4. */
    out_cdb(cdb, 0x08, 0, 24);
    out_param(p, 0, 0x11, 0);
    assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, 24, &e), -1);
    assert_field(&e, true, 1, 4);

    /* PARAMETER LIST LENGTH below 24; more announced than sent; 28 without SPEC_I_PT. */
    out_cdb(cdb, SCSI_PR_OUT_REGISTER, 0, 23);
    assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, 24, &e), -1);
    assert_sense(&e, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
    out_cdb(cdb, SCSI_PR_OUT_REGISTER, 0, 24);
    assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, 20, &e), -1);
    assert_sense(&e, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
    assert_int_equal(scsi_pr_out(f.pr, &a, cdb, NULL, 0, &e), -1);
    assert_sense(&e, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
    memset(p + 24, 0, 16);
    out_cdb(cdb, SCSI_PR_OUT_REGISTER, 0, 28);
    assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, 28, &e), -1);
    assert_sense(&e, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);

    /* Bits the LU was not given hooks for: APTPL, ALL_TG_PT, SPEC_I_PT. */
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0, 0x11, 0x01, &e), -1);
    assert_field(&e, false, 20, 0);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0, 0x11, 0x04, &e), -1);
    assert_field(&e, false, 20, 2);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0, 0x11, 0x08, &e), -1);
    assert_field(&e, false, 20, 3);
    /* SPEC_I_PT is for REGISTER only. */
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER_IGNORE, 0, 0, 0x11, 0x08, &e), -1);
    assert_field(&e, false, 20, 3);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RESERVE, SCSI_PR_TYPE_WE, 0, 0, 0x08, &e), -1);
    assert_field(&e, false, 20, 3);

    assert_int_equal(scsi_pr_registration_count(f.pr), 0);
    assert_int_equal(scsi_pr_generation(f.pr), 0);
    assert_int_equal(f.changed, 0);

    /* A longer buffer than announced: only the announced 24 bytes count. */
    out_cdb(cdb, SCSI_PR_OUT_REGISTER, 0, 24);
    out_param(p, 0, 0x11, 0);
    memset(p + 24, 0xff, 16);
    assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, 40, &e), 0);
    assert_int_equal(scsi_pr_registration_count(f.pr), 1);
    fx_fini(&f);
}

static void registration_resource_limit(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), c = nx(3, 1);
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    assert_int_equal(scsi_pr_set_max_registrations(f.pr, 0), -22);
    assert_int_equal(scsi_pr_set_max_registrations(f.pr, 2), 0);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);
    assert_int_equal(scsi_pr_set_max_registrations(f.pr, 1), -22);
    assert_int_equal(pr_out(&f, &c, SCSI_PR_OUT_REGISTER, 0, 0, 0x33, 0, &e), -1);
    assert_sense(&e, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INSUFFICIENT_REG_RESOURCES);
    assert_int_equal(scsi_pr_registration_count(f.pr), 2);
    assert_int_equal(scsi_pr_generation(f.pr), 2);
    /* Changing a key needs no new resource. */
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_REGISTER, 0, 0x22, 0x23, 0, &e), 0);
    fx_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register_sequence_and_generation),
        cmocka_unit_test(reserve_rules),
        cmocka_unit_test(release_rules_and_unit_attentions),
        cmocka_unit_test(holder_unregistering),
        cmocka_unit_test(clear_everything),
        cmocka_unit_test(preempt_without_reservation_removes_registrations),
        cmocka_unit_test(preempt_the_holder),
        cmocka_unit_test(preempt_all_registrants),
        cmocka_unit_test(preempt_and_abort_aborts_exactly_the_preempted),
        cmocka_unit_test(parameter_list_refusals),
        cmocka_unit_test(registration_resource_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
