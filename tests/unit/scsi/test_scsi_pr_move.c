/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_pr_move.c - the PR OUT commands that name other I_T nexuses:
 * REGISTER AND MOVE, REGISTER with SPEC_I_PT, and ALL_TG_PT registrations.
 */
#include "pr_fixture.h"

/* REGISTER AND MOVE to initiator `to` on port rtpi; flags = byte 17 (UNREG 2, APTPL 1). */
static int move(struct fx *f, const struct scsi_nexus *n, uint8_t type, uint64_t key, uint64_t sa_key,
                uint64_t to, uint16_t rtpi, uint8_t flags, struct scsi_err *e)
{
    uint8_t cdb[10], p[24 + 64];
    size_t tl;
    memset(p, 0, sizeof(p));
    scsi_put_be64(p, key);
    scsi_put_be64(p + 8, sa_key);
    p[17] = flags;
    scsi_put_be16(p + 18, rtpi);
    tl = fx_tid(to, p + 24);
    scsi_put_be32(p + 20, (uint32_t)tl);
    out_cdb(cdb, SCSI_PR_OUT_REGISTER_AND_MOVE, type, (uint32_t)(24 + tl));
    return scsi_pr_out(f->pr, n, cdb, p, (uint32_t)(24 + tl), e);
}

static void register_and_move(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), dest = nx(2, 2), h;
    struct scsi_err e;
    (void)state;
    fx_init(&f, true);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_WE);
    f.changed = 0;

    assert_int_equal(move(&f, &a, SCSI_PR_TYPE_EA, 0x11, 0x99, 2, 2, 0, &e), 0);
    assert_true(scsi_pr_holder(f.pr, &h));
    assert_true(scsi_nexus_eq(&h, &dest));
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_EA);
    assert_int_equal(scsi_pr_find_registration(f.pr, &dest)->key, 0x99);
    assert_int_equal(scsi_pr_find_registration(f.pr, &a)->key, 0x11);      /* UNREG = 0: stays */
    assert_int_equal(scsi_pr_find_registration(f.pr, &b)->key, 0x22);      /* same initiator, other port */
    assert_int_equal(scsi_pr_generation(f.pr), 3);
    assert_int_equal(f.changed, 1);
    assert_int_equal(f.nua, 0);
    /* The new holder's TransportID is the resolved one. */
    assert_int_equal(scsi_pr_find_registration(f.pr, &dest)->nexus.transport_id_len, dest.transport_id_len);

    /* Move back onto an existing registration with UNREG: the key is replaced, the mover leaves. */
    assert_int_equal(move(&f, &dest, SCSI_PR_TYPE_WE_RO, 0x99, 0x12, 1, 1, 0x02, &e), 0);
    assert_true(scsi_pr_holder(f.pr, &h));
    assert_true(scsi_nexus_eq(&h, &a));
    assert_int_equal(scsi_pr_find_registration(f.pr, &a)->key, 0x12);
    assert_null(scsi_pr_find_registration(f.pr, &dest));
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_WE_RO);
    assert_int_equal(scsi_pr_generation(f.pr), 4);
    fx_fini(&f);
}

static void register_and_move_refusals(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), o = nx(7, 1);
    struct scsi_err e;
    uint8_t cdb[10], p[64];
    (void)state;
    fx_init(&f, true);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);

    assert_int_equal(move(&f, &a, SCSI_PR_TYPE_WE, 0x11, 0x99, 3, 1, 0, &e), -1);
    assert_conflict(&e);                                            /* nothing reserved */
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_WE);
    assert_int_equal(move(&f, &o, SCSI_PR_TYPE_WE, 0, 0x99, 3, 1, 0, &e), -1);
    assert_conflict(&e);                                            /* not registered */
    assert_int_equal(move(&f, &a, SCSI_PR_TYPE_WE, 0x12, 0x99, 3, 1, 0, &e), -1);
    assert_conflict(&e);                                            /* wrong key */
    assert_int_equal(move(&f, &b, SCSI_PR_TYPE_WE, 0x22, 0x99, 3, 1, 0, &e), -1);
    assert_conflict(&e);                                            /* not the holder */
    assert_int_equal(move(&f, &a, SCSI_PR_TYPE_WE, 0x11, 0, 3, 1, 0, &e), -1);
    assert_field(&e, false, 8, -1);                                 /* SA key 0 */
    assert_int_equal(move(&f, &a, 0x0, 0x11, 0x99, 3, 1, 0, &e), -1);
    assert_field(&e, true, 2, 3);                                   /* type 0 */
    assert_int_equal(move(&f, &a, SCSI_PR_TYPE_WE, 0x11, 0x99, 1, 1, 0, &e), -1);
    assert_field(&e, false, 24, -1);                                /* onto itself */
    assert_int_equal(move(&f, &a, SCSI_PR_TYPE_WE, 0x11, 0x99, 3, 9, 0, &e), -1);
    assert_field(&e, false, 18, -1);                                /* no such target port */

    /* TransportID: unknown initiator, bad protocol, lengths that disagree. */
    memset(p, 0, sizeof(p));
    scsi_put_be64(p, 0x11);
    scsi_put_be64(p + 8, 0x99);
    scsi_put_be16(p + 18, 1);
    scsi_put_be32(p + 20, 24);
    p[24] = 0x06;                                                   /* a SAS TransportID nobody has */
    out_cdb(cdb, SCSI_PR_OUT_REGISTER_AND_MOVE, SCSI_PR_TYPE_WE, 48);
    assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, 48, &e), -1);
    assert_field(&e, false, 24, -1);
    p[24] = 0x09;
    assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, 48, &e), -1);
    assert_field(&e, false, 24, -1);
    p[24] = 0x06;
    scsi_put_be32(p + 20, 28);
    assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, 48, &e), -1);
    assert_sense(&e, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
    scsi_put_be32(p + 20, 20);                                      /* too short for a SAS TransportID */
    out_cdb(cdb, SCSI_PR_OUT_REGISTER_AND_MOVE, SCSI_PR_TYPE_WE, 44);
    assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, 44, &e), -1);
    assert_field(&e, false, 44, -1);

    /* All-registrants reservations cannot be moved. */
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_WE, 0x11, 0, 0, NULL), 0);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA_AR);
    assert_int_equal(move(&f, &a, SCSI_PR_TYPE_WE, 0x11, 0x99, 3, 1, 0, &e), -1);
    assert_conflict(&e);
    assert_int_equal(scsi_pr_generation(f.pr), 2);
    fx_fini(&f);
}

static void register_and_move_without_resolver(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), h;
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    must_register(&f, &b, 0x22);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_WE);
    /* Only a registered nexus can be named. */
    assert_int_equal(move(&f, &a, SCSI_PR_TYPE_WE, 0x11, 0x99, 3, 1, 0, &e), -1);
    assert_field(&e, false, 24, -1);
    assert_int_equal(move(&f, &a, SCSI_PR_TYPE_WE, 0x11, 0x99, 2, 1, 0, &e), 0);
    assert_true(scsi_pr_holder(f.pr, &h));
    assert_true(scsi_nexus_eq(&h, &b));
    assert_int_equal(scsi_pr_find_registration(f.pr, &b)->key, 0x99);
    fx_fini(&f);
}

/* REGISTER with SPEC_I_PT naming hosts ids[]; flags adds ALL_TG_PT etc. */
static int spec_i_pt(struct fx *f, const struct scsi_nexus *n, uint64_t key, uint64_t sa_key, const uint64_t *ids, size_t nids,
                     uint8_t flags, struct scsi_err *e)
{
    uint8_t cdb[10], p[28 + 4 * 64];
    size_t off = 28;
    memset(p, 0, sizeof(p));
    out_param(p, key, sa_key, (uint8_t)(0x08 | flags));
    for (size_t i = 0; i < nids; i++)
        off += fx_tid(ids[i], p + off);
    scsi_put_be32(p + 24, (uint32_t)(off - 28));
    out_cdb(cdb, SCSI_PR_OUT_REGISTER, 0, (uint32_t)off);
    return scsi_pr_out(f->pr, n, cdb, p, (uint32_t)off, e);
}

static void spec_i_pt_registers_the_named_nexuses(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), c = nx(3, 1), b2 = nx(2, 2);
    struct scsi_err e;
    const uint64_t two[] = { 2, 3 }, unknown[] = { 2, 1000 };
    (void)state;

    fx_init(&f, true);
    assert_int_equal(spec_i_pt(&f, &a, 0, 0x11, two, 2, 0, &e), 0);
    assert_int_equal(scsi_pr_registration_count(f.pr), 3);
    assert_int_equal(scsi_pr_find_registration(f.pr, &b)->key, 0x11);
    assert_int_equal(scsi_pr_find_registration(f.pr, &c)->key, 0x11);
    assert_null(scsi_pr_find_registration(f.pr, &b2));              /* only the command's target port */
    assert_int_equal(scsi_pr_generation(f.pr), 1);
    /* Registered: SPEC_I_PT is refused (with the right key; a wrong one conflicts first). */
    assert_int_equal(spec_i_pt(&f, &a, 0, 0x11, two, 2, 0, &e), -1);
    assert_conflict(&e);
    assert_int_equal(spec_i_pt(&f, &a, 0x11, 0x12, two, 2, 0, &e), -1);
    assert_field(&e, false, 20, 3);
    fx_fini(&f);

    /* With ALL_TG_PT: every target port; an already registered nexus keeps its key. */
    fx_init(&f, true);
    must_register(&f, &b2, 0x77);
    assert_int_equal(spec_i_pt(&f, &a, 0, 0x11, two, 2, 0x04, &e), 0);
    assert_int_equal(scsi_pr_registration_count(f.pr), 6);
    assert_int_equal(scsi_pr_find_registration(f.pr, &b2)->key, 0x77);
    assert_true(scsi_pr_find_registration(f.pr, &b)->all_tg_pt);
    fx_fini(&f);

    /* All or nothing: an unknown initiator, a bad TransportID, too few resources. */
    fx_init(&f, true);
    assert_int_equal(spec_i_pt(&f, &a, 0, 0x11, unknown, 2, 0, &e), -1);
    assert_int_equal(e.field, 28 + fx_tid(2, (uint8_t[64]){ 0 }));
    assert_field(&e, false, e.field, -1);
    assert_int_equal(scsi_pr_registration_count(f.pr), 0);
    assert_int_equal(scsi_pr_set_max_registrations(f.pr, 2), 0);
    assert_int_equal(spec_i_pt(&f, &a, 0, 0x11, two, 2, 0, &e), -1);
    assert_sense(&e, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INSUFFICIENT_REG_RESOURCES);
    assert_int_equal(scsi_pr_registration_count(f.pr), 0);
    assert_int_equal(scsi_pr_generation(f.pr), 0);
    {
        uint8_t cdb[10], p[28 + 24];
        memset(p, 0, sizeof(p));
        out_param(p, 0, 0x11, 0x08);
        scsi_put_be32(p + 24, 24);
        p[28] = 0x45;                                               /* iSCSI with format 01b... */
        scsi_put_be16(p + 30, 20);
        memcpy(p + 32, "iqn.x", 5);                                 /* ...but no ",i,0x" ISID */
        out_cdb(cdb, SCSI_PR_OUT_REGISTER, 0, sizeof(p));
        assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, sizeof(p), &e), -1);
        assert_field(&e, false, 32, -1);
        scsi_put_be32(p + 24, 20);                                  /* disagrees with the list length */
        assert_int_equal(scsi_pr_out(f.pr, &a, cdb, p, sizeof(p), &e), -1);
        assert_sense(&e, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
    }
    assert_int_equal(scsi_pr_registration_count(f.pr), 0);
    fx_fini(&f);
}

static void all_tg_pt_registrations_move_together(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), a2 = nx(1, 2), c = nx(3, 1);
    struct scsi_err e;
    (void)state;
    fx_init(&f, true);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0, 0x11, 0x04, &e), 0);
    assert_int_equal(scsi_pr_registration_count(f.pr), 2);
    assert_true(scsi_pr_find_registration(f.pr, &a2)->all_tg_pt);
    /* A key change through one port changes both. */
    assert_int_equal(pr_out(&f, &a2, SCSI_PR_OUT_REGISTER, 0, 0x11, 0x12, 0, &e), 0);
    assert_int_equal(scsi_pr_find_registration(f.pr, &a)->key, 0x12);
    assert_int_equal(scsi_pr_find_registration(f.pr, &a2)->key, 0x12);
    /* Both hold a registration, so either may reserve; unregistering removes both, and only
     * the remaining registrant hears that the registrants-only reservation is gone. */
    must_register(&f, &c, 0x33);
    must_reserve(&f, &a2, 0x12, SCSI_PR_TYPE_WE_RO);
    fx_clear_events(&f);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0x12, 0, 0, &e), 0);
    assert_int_equal(scsi_pr_registration_count(f.pr), 1);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_NONE);
    assert_int_equal(scsi_pr_generation(f.pr), 4);
    assert_int_equal(f.nua, 1);
    assert_int_equal(fx_ua_count(&f, 3, 1, SCSI_ASC_RESERVATIONS_RELEASED), 1);
    fx_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register_and_move),
        cmocka_unit_test(register_and_move_refusals),
        cmocka_unit_test(register_and_move_without_resolver),
        cmocka_unit_test(spec_i_pt_registers_the_named_nexuses),
        cmocka_unit_test(all_tg_pt_registrations_move_together),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
