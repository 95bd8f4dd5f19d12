/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_pr_in.c - PERSISTENT RESERVE IN: READ KEYS, READ RESERVATION,
 * REPORT CAPABILITIES, READ FULL STATUS byte by byte, truncation by the
 * allocation length, refusals.
 */
#include "pr_fixture.h"

static uint32_t pr_in(struct fx *f, const struct scsi_nexus *n, uint8_t sa, uint16_t alloc, uint8_t *out,
                      uint32_t cap)
{
    uint8_t cdb[10];
    uint32_t len = 0xdeadbeef;
    struct scsi_err e;
    in_cdb(cdb, sa, alloc);
    assert_int_equal(scsi_pr_in(f->pr, n, cdb, out, cap, &len, &e), 0);
    return len;
}

static void read_keys_and_truncation(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1);
    uint8_t out[64];
    (void)state;
    fx_init(&f, false);

    memset(out, 0xee, sizeof(out));
    assert_int_equal(pr_in(&f, &a, SCSI_PR_IN_READ_KEYS, 64, out, 64), 8);
    assert_int_equal(scsi_get_be32(out), 0);
    assert_int_equal(scsi_get_be32(out + 4), 0);

    must_register(&f, &a, 0x1111222233334444ull);
    must_register(&f, &b, 0x55);
    assert_int_equal(pr_in(&f, &a, SCSI_PR_IN_READ_KEYS, 64, out, 64), 24);
    assert_int_equal(scsi_get_be32(out), 2);
    assert_int_equal(scsi_get_be32(out + 4), 16);
    assert_true(scsi_get_be64(out + 8) == 0x1111222233334444ull);
    assert_true(scsi_get_be64(out + 16) == 0x55);

    /* Allocation length 12: 12 bytes, the ADDITIONAL LENGTH still says 16; nothing past 12 touched. */
    memset(out, 0xee, sizeof(out));
    assert_int_equal(pr_in(&f, &a, SCSI_PR_IN_READ_KEYS, 12, out, 64), 12);
    assert_int_equal(scsi_get_be32(out + 4), 16);
    assert_int_equal(out[8], 0x11);
    assert_int_equal(out[11], 0x22);
    assert_int_equal(out[12], 0xee);

    /* The buffer the caller gives is the other bound. */
    memset(out, 0xee, sizeof(out));
    assert_int_equal(pr_in(&f, &a, SCSI_PR_IN_READ_KEYS, 64, out, 6), 6);
    assert_int_equal(out[3], 2);
    assert_int_equal(out[6], 0xee);

    /* Allocation length 0: nothing. */
    assert_int_equal(pr_in(&f, &a, SCSI_PR_IN_READ_KEYS, 0, out, 64), 0);
    fx_fini(&f);
}

static void read_reservation(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1);
    uint8_t out[32];
    (void)state;
    fx_init(&f, false);
    must_register(&f, &a, 0xabc);
    must_register(&f, &b, 0xdef);
    assert_int_equal(pr_in(&f, &b, SCSI_PR_IN_READ_RESERVATION, 32, out, 32), 8);
    assert_int_equal(scsi_get_be32(out), 2);
    assert_int_equal(scsi_get_be32(out + 4), 0);

    must_reserve(&f, &a, 0xabc, SCSI_PR_TYPE_EA_RO);
    memset(out, 0xee, sizeof(out));
    assert_int_equal(pr_in(&f, &b, SCSI_PR_IN_READ_RESERVATION, 32, out, 32), 24);
    assert_int_equal(scsi_get_be32(out + 4), 16);
    assert_true(scsi_get_be64(out + 8) == 0xabc);
    assert_int_equal(out[21], SCSI_PR_TYPE_EA_RO);     /* scope 0 */
    assert_int_equal(out[20], 0);

    /* All registrants: the key is reported as 0. */
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_EA_RO, 0xabc, 0, 0, NULL), 0);
    must_reserve(&f, &b, 0xdef, SCSI_PR_TYPE_WE_AR);
    assert_int_equal(pr_in(&f, &a, SCSI_PR_IN_READ_RESERVATION, 32, out, 32), 24);
    assert_true(scsi_get_be64(out + 8) == 0);
    assert_int_equal(out[21], SCSI_PR_TYPE_WE_AR);
    fx_fini(&f);
}

static void report_capabilities(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1);
    uint8_t out[8];
    (void)state;

    fx_init(&f, false);
    assert_int_equal(pr_in(&f, &a, SCSI_PR_IN_REPORT_CAPABILITIES, 8, out, 8), 8);
    assert_int_equal(scsi_get_be16(out), 8);
    assert_int_equal(out[2], 0x10);                 /* CRH; no SIP_C, ATP_C, PTPL_C without hooks */
    assert_int_equal(out[3], 0xa0);                 /* TMV, ALLOW COMMANDS 010b, PTPL_A 0 */
    assert_int_equal(out[4], 0xea);                 /* WR_EX_AR EX_AC_RO WR_EX_RO EX_AC WR_EX */
    assert_int_equal(out[5], 0x01);                 /* EX_AC_AR */
    fx_fini(&f);

    fx_init(&f, true);
    assert_int_equal(pr_in(&f, &a, SCSI_PR_IN_REPORT_CAPABILITIES, 8, out, 8), 8);
    assert_int_equal(out[2], 0x1d);                 /* CRH SIP_C ATP_C PTPL_C */
    assert_int_equal(out[3], 0xa0);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0, 0x11, 0x01, NULL), 0);
    assert_int_equal(pr_in(&f, &a, SCSI_PR_IN_REPORT_CAPABILITIES, 4, out, 8), 4);
    assert_int_equal(out[3], 0xa1);                 /* PTPL_A */
    fx_fini(&f);
}

static void read_full_status(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 2);
    uint8_t out[512], tid[64];
    size_t tlen_a = fx_tid(1, tid), off;
    uint32_t len;
    (void)state;

    fx_init(&f, true);
    /* a registers on every port (ALL_TG_PT): two registrations; b on port 2 and reserves. */
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0, 0x11, 0x04, NULL), 0);
    must_register(&f, &b, 0x22);
    must_reserve(&f, &b, 0x22, SCSI_PR_TYPE_WE);
    assert_int_equal(scsi_pr_registration_count(f.pr), 3);

    len = pr_in(&f, &a, SCSI_PR_IN_READ_FULL_STATUS, sizeof(out), out, sizeof(out));
    assert_int_equal(scsi_get_be32(out), 2);           /* one REGISTER per initiator */
    assert_int_equal(scsi_get_be32(out + 4), len - 8);
    off = 8;
    for (int i = 0; i < 3; i++) {
        uint64_t key = scsi_get_be64(out + off);
        uint32_t dl = scsi_get_be32(out + off + 20);
        assert_int_equal(dl % 4, 0);
        if (key == 0x11) {
            assert_int_equal(out[off + 12], 0x02);              /* ALL_TG_PT, not holder */
            assert_int_equal(out[off + 13], 0);
            assert_int_equal(dl, tlen_a);
            assert_memory_equal(out + off + 24, tid, tlen_a);
        } else {
            assert_true(key == 0x22);
            assert_int_equal(out[off + 12], 0x01);              /* R_HOLDER */
            assert_int_equal(out[off + 13], SCSI_PR_TYPE_WE);
            assert_int_equal(scsi_get_be16(out + off + 18), 2); /* relative target port */
        }
        off += 24 + dl;
    }
    assert_int_equal(off, len);

    /* Truncated in the middle of a TransportID: the lengths still describe everything. */
    memset(out, 0xee, sizeof(out));
    assert_int_equal(pr_in(&f, &a, SCSI_PR_IN_READ_FULL_STATUS, 40, out, sizeof(out)), 40);
    assert_int_equal(scsi_get_be32(out + 4), len - 8);
    assert_int_equal(out[40], 0xee);
    fx_fini(&f);
}

static void refusals(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1);
    uint8_t cdb[10], out[16];
    uint32_t len = 77;
    struct scsi_err e;
    (void)state;
    fx_init(&f, false);
    in_cdb(cdb, 0x04, 16);
    assert_int_equal(scsi_pr_in(f.pr, &a, cdb, out, 16, &len, &e), -1);
    assert_field(&e, true, 1, 4);
    assert_int_equal(len, 0);

    /* LIO: PR commands conflict while an SPC-2 reservation is held, even for its holder. */
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &a, &e), 0);
    in_cdb(cdb, SCSI_PR_IN_READ_KEYS, 16);
    assert_int_equal(scsi_pr_in(f.pr, &a, cdb, out, 16, &len, &e), -1);
    assert_conflict(&e);
    fx_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_keys_and_truncation),
        cmocka_unit_test(read_reservation),
        cmocka_unit_test(report_capabilities),
        cmocka_unit_test(read_full_status),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
