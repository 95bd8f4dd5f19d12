/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_pr_table.c - the SPC-4/SBC-3 reservation conflict table, row by
 * row: holder / registrant / non-registrant x six types x read / write /
 * other, the always-allowed commands, rows chosen by CDB bits or service
 * action, the access-class fallback, and SPC-2 reservations.
 */
#include "pr_fixture.h"

enum { OP_READ10 = 0x28, OP_WRITE10 = 0x2a, OP_MODE_SELECT6 = 0x15, OP_MODE_SENSE6 = 0x1a, OP_UNKNOWN = 0xc0 };

/* Expected result (A allowed / C conflict) for read, write, other, written down from SPC-4 by hand. */
struct expect {
    uint8_t type;
    const char *holder, *registrant, *nonreg;
};

static const struct expect expected[] = {
    { SCSI_PR_TYPE_WE,    "AAA", "ACC", "ACC" },
    { SCSI_PR_TYPE_EA,    "AAA", "CCC", "CCC" },
    { SCSI_PR_TYPE_WE_RO, "AAA", "AAA", "ACC" },
    { SCSI_PR_TYPE_EA_RO, "AAA", "AAA", "CCC" },
    { SCSI_PR_TYPE_WE_AR, "AAA", "AAA", "ACC" },   /* a registrant is a holder */
    { SCSI_PR_TYPE_EA_AR, "AAA", "AAA", "CCC" },
};

/* Nexus 1 holds (key 0x11), nexus 2 is registered (0x22), nexus 3 is not. */
static void setup_type(struct fx *f, uint8_t type)
{
    struct scsi_nexus h = nx(1, 1), r = nx(2, 1);
    fx_init(f, false);
    must_register(f, &h, 0x11);
    must_register(f, &r, 0x22);
    must_reserve(f, &h, 0x11, type);
    assert_int_equal(scsi_pr_type(f->pr), type);
}

static void check_cell(const struct fx *f, const struct scsi_nexus *n, const char *cells, uint8_t type,
                       const char *who)
{
    static const struct { uint8_t op; enum scsi_pr_access acc; } probes[3][2] = {
        { { OP_READ10, SCSI_PR_ACCESS_READ }, { OP_UNKNOWN, SCSI_PR_ACCESS_READ } },
        { { OP_WRITE10, SCSI_PR_ACCESS_WRITE }, { OP_UNKNOWN, SCSI_PR_ACCESS_WRITE } },
        { { OP_MODE_SELECT6, SCSI_PR_ACCESS_OTHER }, { OP_UNKNOWN, SCSI_PR_ACCESS_OTHER } },
    };
    for (int c = 0; c < 3; c++)
        for (int k = 0; k < 2; k++) {
            bool want = cells[c] == 'C';
            bool got = scsi_pr_conflicts(f->pr, n, probes[c][k].acc, probes[c][k].op);
            if (got != want)
                fail_msg("type %u %s opcode 0x%02x class %d: conflict %d, want %d", type, who, probes[c][k].op,
                         c, got, want);
        }
}

static void conflict_table_row_by_row(void **state)
{
    (void)state;
    for (size_t t = 0; t < sizeof(expected) / sizeof(expected[0]); t++) {
        struct fx f;
        struct scsi_nexus h = nx(1, 1), r = nx(2, 1), o = nx(3, 1);
        setup_type(&f, expected[t].type);
        check_cell(&f, &h, expected[t].holder, expected[t].type, "holder");
        check_cell(&f, &r, expected[t].registrant, expected[t].type, "registrant");
        check_cell(&f, &o, expected[t].nonreg, expected[t].type, "non-registrant");
        fx_fini(&f);
    }
}

static void always_allowed_commands(void **state)
{
    static const uint8_t ops[] = { 0x12 /* INQUIRY */, 0x00 /* TUR */, 0xa0 /* REPORT LUNS */,
                                   0x03 /* REQUEST SENSE */, 0x25 /* READ CAPACITY(10) */, 0x5e /* PR IN */,
                                   0x5f /* PR OUT */, 0x4d /* LOG SENSE */, 0x16 /* RESERVE(6) */,
                                   0x57 /* RELEASE(10) */ };
    (void)state;
    for (uint8_t type = 1; type <= 8; type++) {
        struct fx f;
        struct scsi_nexus o = nx(3, 1);
        if (type == 2 || type == 4)
            continue;
        setup_type(&f, type);
        for (size_t i = 0; i < sizeof(ops); i++)
            assert_false(scsi_pr_conflicts(f.pr, &o, SCSI_PR_ACCESS_WRITE, ops[i]));
        fx_fini(&f);
    }
}

static void read_like_rows_follow_write_exclusive(void **state)
{
    /* MODE SENSE, READ BUFFER, VERIFY, PRE-FETCH: allowed through WE, not through EA. */
    static const uint8_t ops[] = { OP_MODE_SENSE6, 0x5a, 0x3c, 0x2f, 0x8f, 0x34, 0x1c };
    struct fx we, ea;
    struct scsi_nexus o = nx(3, 1);
    (void)state;
    setup_type(&we, SCSI_PR_TYPE_WE);
    setup_type(&ea, SCSI_PR_TYPE_EA);
    for (size_t i = 0; i < sizeof(ops); i++) {
        /* The table decides, not the access class the caller guessed. */
        assert_false(scsi_pr_conflicts(we.pr, &o, SCSI_PR_ACCESS_WRITE, ops[i]));
        assert_true(scsi_pr_conflicts(ea.pr, &o, SCSI_PR_ACCESS_ALLOWED, ops[i]));
    }
    /* SYNCHRONIZE CACHE, UNMAP, WRITE SAME, COMPARE AND WRITE conflict even through WE. */
    assert_true(scsi_pr_conflicts(we.pr, &o, SCSI_PR_ACCESS_READ, 0x35));
    assert_true(scsi_pr_conflicts(we.pr, &o, SCSI_PR_ACCESS_READ, 0x42));
    assert_true(scsi_pr_conflicts(we.pr, &o, SCSI_PR_ACCESS_READ, 0x93));
    assert_true(scsi_pr_conflicts(we.pr, &o, SCSI_PR_ACCESS_READ, 0x89));
    /* Unknown opcode, access ALLOWED: never conflicts. */
    assert_false(scsi_pr_conflicts(ea.pr, &o, SCSI_PR_ACCESS_ALLOWED, OP_UNKNOWN));
    fx_fini(&we);
    fx_fini(&ea);
}

static void rows_chosen_by_cdb_bits(void **state)
{
    struct fx f;
    struct scsi_nexus o = nx(3, 1);
    uint8_t prevent0[6] = { 0x1e, 0, 0, 0, 0x00, 0 }, prevent1[6] = { 0x1e, 0, 0, 0, 0x01, 0 };
    uint8_t start[6] = { 0x1b, 0, 0, 0, 0x01, 0 }, stop[6] = { 0x1b, 0, 0, 0, 0x00, 0 };
    uint8_t start_pc[6] = { 0x1b, 0, 0, 0, 0x31, 0 };
    uint8_t rsoc[12] = { 0xa3, 0x0c }, rtpg[12] = { 0xa3, 0x0a }, mi_unknown[12] = { 0xa3, 0x1f };
    uint8_t rc16[16] = { 0x9e, 0x10 }, lbas[16] = { 0x9e, 0x12 };
    (void)state;

    setup_type(&f, SCSI_PR_TYPE_EA);
    assert_false(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_OTHER, prevent0, 6));
    assert_true(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_OTHER, prevent1, 6));
    assert_false(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_OTHER, start, 6));
    assert_true(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_OTHER, stop, 6));
    assert_true(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_OTHER, start_pc, 6));
    assert_true(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_READ, rsoc, 12));
    assert_false(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_READ, rtpg, 12));
    assert_false(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_READ, rc16, 16));
    assert_true(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_READ, lbas, 16));
    /* An unknown service action falls back on the access class. */
    assert_false(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_ALLOWED, mi_unknown, 12));
    assert_true(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_READ, mi_unknown, 12));
    /* Opcode only: the strictest row of the opcode. */
    assert_true(scsi_pr_conflicts(f.pr, &o, SCSI_PR_ACCESS_OTHER, 0x1e));
    assert_true(scsi_pr_conflicts(f.pr, &o, SCSI_PR_ACCESS_OTHER, 0x1b));
    fx_fini(&f);

    setup_type(&f, SCSI_PR_TYPE_WE);
    assert_false(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_READ, rsoc, 12));
    assert_false(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_READ, lbas, 16));
    assert_true(scsi_pr_conflicts_cdb(f.pr, &o, SCSI_PR_ACCESS_OTHER, prevent1, 6));
    fx_fini(&f);
}

static void no_reservation_no_conflict(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), o = nx(3, 1);
    (void)state;
    fx_init(&f, false);
    must_register(&f, &a, 0x11);
    assert_false(scsi_pr_conflicts(f.pr, &o, SCSI_PR_ACCESS_WRITE, OP_WRITE10));
    assert_false(scsi_pr_conflicts(f.pr, &a, SCSI_PR_ACCESS_WRITE, OP_WRITE10));
    fx_fini(&f);
}

static void spc2_reservation_conflicts_other_nexuses(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), a2 = nx(1, 2);
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &a, &e), 0);
    assert_false(scsi_pr_conflicts(f.pr, &a, SCSI_PR_ACCESS_WRITE, OP_WRITE10));
    assert_true(scsi_pr_conflicts(f.pr, &b, SCSI_PR_ACCESS_READ, OP_READ10));
    assert_true(scsi_pr_conflicts(f.pr, &b, SCSI_PR_ACCESS_ALLOWED, 0x00));      /* even TUR */
    assert_true(scsi_pr_conflicts(f.pr, &a2, SCSI_PR_ACCESS_READ, OP_READ10));   /* same initiator, other port */
    assert_false(scsi_pr_conflicts(f.pr, &b, SCSI_PR_ACCESS_READ, 0x12));       /* INQUIRY */
    assert_false(scsi_pr_conflicts(f.pr, &b, SCSI_PR_ACCESS_READ, 0x03));       /* REQUEST SENSE */
    assert_false(scsi_pr_conflicts(f.pr, &b, SCSI_PR_ACCESS_READ, 0xa0));       /* REPORT LUNS */
    assert_false(scsi_pr_conflicts(f.pr, &b, SCSI_PR_ACCESS_OTHER, 0x17));      /* RELEASE(6) */
    /* Loss of the holder's nexus ends it. */
    scsi_pr_nexus_reset(f.pr, &b);
    assert_true(scsi_pr_conflicts(f.pr, &b, SCSI_PR_ACCESS_READ, OP_READ10));
    scsi_pr_nexus_reset(f.pr, &a);
    assert_false(scsi_pr_conflicts(f.pr, &b, SCSI_PR_ACCESS_READ, OP_READ10));
    fx_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conflict_table_row_by_row),
        cmocka_unit_test(always_allowed_commands),
        cmocka_unit_test(read_like_rows_follow_write_exclusive),
        cmocka_unit_test(rows_chosen_by_cdb_bits),
        cmocka_unit_test(no_reservation_no_conflict),
        cmocka_unit_test(spc2_reservation_conflicts_other_nexuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
