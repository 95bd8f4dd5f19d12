/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_pr_dispatch.c - persistent reservations end to end through
 * scsi_submit with the real PR module wired in by the LU: a WRITE EXCLUSIVE
 * reservation refusing the other registrant's and a stranger's writes and
 * letting their reads through; PREEMPT AND ABORT aborting the preempted
 * nexus's outstanding commands (TASK ABORTED, each completion exactly once,
 * the preemptor's own command untouched) and delivering REGISTRATIONS
 * PREEMPTED once; RELEASE of a registrants-only reservation delivering
 * RESERVATIONS RELEASED once to every other registrant; an LU without a
 * persist hook refusing APTPL as an invalid field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/scsi/scsi_pr.h"
#include "scsi_fixture.h"

static const uint8_t TUR[6] = { 0 };

static void read10(uint8_t *cdb, uint32_t lba, uint16_t blocks)
{
    memset(cdb, 0, 10);
    cdb[0] = 0x28;
    scsi_put_be32(cdb + 2, lba);
    scsi_put_be16(cdb + 7, blocks);
}

static void write10(uint8_t *cdb, uint32_t lba, uint16_t blocks)
{
    read10(cdb, lba, blocks);
    cdb[0] = 0x2a;
}

/* PR OUT with the basic 24-byte list, run to completion on nexus n. */
static int pr_out(struct fx *f, struct fx_cmd *c, const struct scsi_nexus *n, uint8_t sa, uint8_t type,
                  uint64_t key, uint64_t sa_key)
{
    static uint8_t p[24];
    uint8_t cdb[10] = { 0x5f, sa, type };

    memset(p, 0, sizeof(p));
    scsi_put_be32(cdb + 5, sizeof(p));
    scsi_put_be64(p, key);
    scsi_put_be64(p + 8, sa_key);
    return fx_run(f, c, n, cdb, 10, NULL, 0, p, sizeof(p));
}

static void assert_ua(struct fx *f, const struct scsi_nexus *n, uint16_t asc)
{
    struct fx_cmd c;

    fx_run(f, &c, n, TUR, 6, NULL, 0, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_UNIT_ATTENTION, asc);
}

static void assert_no_ua(struct fx *f, const struct scsi_nexus *n)
{
    struct fx_cmd c;

    assert_int_equal(fx_run(f, &c, n, TUR, 6, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
}

static void write_exclusive_conflicts(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    struct scsi_nexus c3 = { .initiator = 0xc, .target_port = 1 };
    uint8_t rd[10], wr[10], block[FX_BS];
    struct fx_cmd c;
    (void)state;

    memset(block, 0x3c, sizeof(block));
    read10(rd, 7, 1);
    write10(wr, 7, 1);
    fx_clear_ua(f);
    assert_ua(f, &c3, SCSI_ASC_POWER_ON_RESET);
    assert_int_equal(pr_out(f, &c, &f->a, SCSI_PR_OUT_REGISTER, 0, 0, 0xa1), SCSI_STATUS_GOOD);
    assert_int_equal(pr_out(f, &c, &f->b, SCSI_PR_OUT_REGISTER, 0, 0, 0xb1), SCSI_STATUS_GOOD);
    assert_int_equal(pr_out(f, &c, &f->a, SCSI_PR_OUT_RESERVE, SCSI_PR_TYPE_WE, 0xa1, 0), SCSI_STATUS_GOOD);
    assert_true(scsi_pr_is_holder(scsi_lu_pr(f->lu), &f->a));

    /* The other registrant and a stranger: writes conflict (no sense, nothing reaches the store) ... */
    assert_int_equal(fx_run(f, &c, &f->b, wr, 10, NULL, 0, block, FX_BS), SCSI_STATUS_RESERVATION_CONFLICT);
    assert_int_equal(c.cmd.sense_len, 0);
    assert_int_equal(fx_run(f, &c, &c3, wr, 10, NULL, 0, block, FX_BS), SCSI_STATUS_RESERVATION_CONFLICT);
    assert_int_equal(memstore_counts(f->ms)->writes, 0);
    /* ... reads go through, as does the holder's write. */
    assert_int_equal(fx_run(f, &c, &f->b, rd, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &c3, rd, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &f->a, wr, 10, NULL, 0, block, FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->writes, 1);
    assert_memory_equal(memstore_data(f->ms) + 7 * FX_BS, block, FX_BS);
    /* A stranger's RESERVE conflicts; nobody got a unit attention from any of this. */
    assert_int_equal(pr_out(f, &c, &c3, SCSI_PR_OUT_RESERVE, SCSI_PR_TYPE_WE, 0xc1, 0),
                     SCSI_STATUS_RESERVATION_CONFLICT);
    assert_no_ua(f, &f->a);
    assert_no_ua(f, &f->b);
    assert_no_ua(f, &c3);
    fx_free(f);
}

/* An LU without a persist hook says so (PTPL_C 0) and refuses APTPL as a bad field, not a failure. */
static void aptpl_without_persist_hook(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    uint8_t caps[10] = { 0x5e, SCSI_PR_IN_REPORT_CAPABILITIES, 0, 0, 0, 0, 0, 0, 8, 0 }, p[24] = { 0 };
    uint8_t reg[10] = { 0x5f, SCSI_PR_OUT_REGISTER, 0, 0, 0, 0, 0, 0, 24, 0 };
    struct fx_cmd c;
    (void)state;

    fx_clear_ua(f);
    assert_int_equal(fx_cdb(f, &c, caps, 10, 8), SCSI_STATUS_GOOD);
    assert_int_equal(f->in[2] & 0x01, 0);                          /* PTPL_C */
    scsi_put_be64(p + 8, 0x77);
    p[20] = 0x01;                                                  /* APTPL */
    fx_run(f, &c, &f->a, reg, 10, NULL, 0, p, sizeof(p));
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST);
    fx_assert_field(&c, false, 20, 0);
    assert_int_equal(scsi_pr_registration_count(scsi_lu_pr(f->lu)), 0);
    fx_free(f);
}

static void preempt_and_abort(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    struct fx_cmd a_cmds[4], b_read, c;
    static uint8_t block[FX_BS], b_in[FX_BS], a_in[3][FX_BS];
    uint8_t rd[10], wr[10];
    struct scsi_lu_stats st;
    (void)state;

    memset(block, 0x6b, sizeof(block));
    fx_clear_ua(f);
    assert_int_equal(pr_out(f, &c, &f->a, SCSI_PR_OUT_REGISTER, 0, 0, 0xa1), SCSI_STATUS_GOOD);
    assert_int_equal(pr_out(f, &c, &f->b, SCSI_PR_OUT_REGISTER, 0, 0, 0xb1), SCSI_STATUS_GOOD);
    assert_int_equal(pr_out(f, &c, &f->a, SCSI_PR_OUT_RESERVE, SCSI_PR_TYPE_WE, 0xa1, 0), SCSI_STATUS_GOOD);

    /* a has three reads and a write outstanding, b one read; the store holds them all. */
    for (unsigned i = 0; i < 3; i++) {
        read10(rd, 10 + i, 1);
        fx_prep(&a_cmds[i], &f->a, 0, rd, 10, a_in[i], FX_BS, NULL, 0);
        fx_submit(f, &a_cmds[i]);
    }
    write10(wr, 20, 1);
    fx_prep(&a_cmds[3], &f->a, 0, wr, 10, NULL, 0, block, FX_BS);
    fx_submit(f, &a_cmds[3]);
    read10(rd, 30, 1);
    fx_prep(&b_read, &f->b, 0, rd, 10, b_in, FX_BS, NULL, 0);
    fx_submit(f, &b_read);
    assert_int_equal(memstore_queued(f->ms), 5);
    assert_int_equal(scsi_lu_in_flight(f->lu), 5);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(a_cmds[i].done, 0);

    /* b preempts a's key and takes an EXCLUSIVE ACCESS reservation, aborting a's tasks. */
    assert_int_equal(pr_out(f, &c, &f->b, SCSI_PR_OUT_PREEMPT_AND_ABORT, SCSI_PR_TYPE_EA, 0xb1, 0xa1),
                     SCSI_STATUS_GOOD);
    assert_true(scsi_pr_is_holder(scsi_lu_pr(f->lu), &f->b));
    assert_null(scsi_pr_find_registration(scsi_lu_pr(f->lu), &f->a));
    memstore_run(f->ms);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(a_cmds[i].done, 1);
        assert_int_equal(a_cmds[i].cmd.status, SCSI_STATUS_TASK_ABORTED);
        assert_int_equal(a_cmds[i].cmd.data_in_xfer, 0);
    }
    assert_int_equal(b_read.done, 1);
    assert_int_equal(b_read.cmd.status, SCSI_STATUS_GOOD);
    assert_int_equal(b_read.cmd.data_in_xfer, FX_BS);
    assert_int_equal(scsi_lu_in_flight(f->lu), 0);
    scsi_lu_get_stats(f->lu, &st);
    assert_int_equal(st.aborted, 4);
    /* Nothing completes twice once the store is idle. */
    memstore_run(f->ms);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(a_cmds[i].done, 1);

    /* a learns it once: REGISTRATIONS PREEMPTED, then it is a stranger under EXCLUSIVE ACCESS. */
    assert_ua(f, &f->a, SCSI_ASC_REGISTRATIONS_PREEMPTED);
    assert_no_ua(f, &f->a);
    read10(rd, 10, 1);
    assert_int_equal(fx_run(f, &c, &f->a, rd, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_RESERVATION_CONFLICT);
    /* The preemptor gets no unit attention and reads. */
    assert_int_equal(fx_run(f, &c, &f->b, rd, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_GOOD);
    fx_free(f);
}

static void release_registrants_only(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    struct scsi_nexus c3 = { .initiator = 0xc, .target_port = 1 }, d4 = { .initiator = 0xd, .target_port = 1 };
    uint8_t wr[10], block[FX_BS];
    struct fx_cmd c;
    (void)state;

    memset(block, 0x11, sizeof(block));
    write10(wr, 3, 1);
    fx_clear_ua(f);
    assert_ua(f, &c3, SCSI_ASC_POWER_ON_RESET);
    assert_ua(f, &d4, SCSI_ASC_POWER_ON_RESET);
    assert_int_equal(pr_out(f, &c, &f->a, SCSI_PR_OUT_REGISTER, 0, 0, 0xa1), SCSI_STATUS_GOOD);
    assert_int_equal(pr_out(f, &c, &f->b, SCSI_PR_OUT_REGISTER, 0, 0, 0xb1), SCSI_STATUS_GOOD);
    assert_int_equal(pr_out(f, &c, &c3, SCSI_PR_OUT_REGISTER, 0, 0, 0xc1), SCSI_STATUS_GOOD);
    assert_int_equal(pr_out(f, &c, &f->a, SCSI_PR_OUT_RESERVE, SCSI_PR_TYPE_WE_RO, 0xa1, 0), SCSI_STATUS_GOOD);
    /* Registrants write; the non-registrant d4 conflicts. */
    assert_int_equal(fx_run(f, &c, &f->b, wr, 10, NULL, 0, block, FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &d4, wr, 10, NULL, 0, block, FX_BS), SCSI_STATUS_RESERVATION_CONFLICT);

    assert_int_equal(pr_out(f, &c, &f->a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_WE_RO, 0xa1, 0), SCSI_STATUS_GOOD);
    assert_int_equal(scsi_pr_type(scsi_lu_pr(f->lu)), SCSI_PR_TYPE_NONE);
    /* The other registrants learn it once; the releaser and the non-registrant do not. */
    assert_ua(f, &f->b, SCSI_ASC_RESERVATIONS_RELEASED);
    assert_no_ua(f, &f->b);
    assert_ua(f, &c3, SCSI_ASC_RESERVATIONS_RELEASED);
    assert_no_ua(f, &c3);
    assert_no_ua(f, &f->a);
    assert_no_ua(f, &d4);
    assert_int_equal(fx_run(f, &c, &d4, wr, 10, NULL, 0, block, FX_BS), SCSI_STATUS_GOOD);

    /* Releasing a WRITE EXCLUSIVE (not registrants-only) tells nobody. */
    assert_int_equal(pr_out(f, &c, &f->a, SCSI_PR_OUT_RESERVE, SCSI_PR_TYPE_WE, 0xa1, 0), SCSI_STATUS_GOOD);
    assert_int_equal(pr_out(f, &c, &f->a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_WE, 0xa1, 0), SCSI_STATUS_GOOD);
    assert_no_ua(f, &f->b);
    assert_no_ua(f, &c3);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_exclusive_conflicts),
        cmocka_unit_test(aptpl_without_persist_hook),
        cmocka_unit_test(preempt_and_abort),
        cmocka_unit_test(release_registrants_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
