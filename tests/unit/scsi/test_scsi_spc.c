/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_spc.c - the primary commands' success paths and their CDB
 * checks: TEST UNIT READY, REQUEST SENSE, INQUIRY (standard and every VPD
 * page), REPORT LUNS, REPORT SUPPORTED OPERATION CODES / TASK MANAGEMENT
 * FUNCTIONS, START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, RESERVE/RELEASE
 * and PR IN/OUT routing; allocation-length truncation with the residual.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/scsi/scsi_int.h"
#include "scsi_fixture.h"

static struct fx *setup(void)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);

    fx_clear_ua(f);
    return f;
}

static void tur_and_request_sense(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    uint8_t tur[6] = { 0 }, rs[6] = { 0x03, 0, 0, 0, 252, 0 }, rsd[6] = { 0x03, 0x01, 0, 0, 252, 0 };
    struct fx_cmd c;
    (void)state;

    /* REQUEST SENSE reports the pending POWER ON unit attention and clears it. */
    assert_int_equal(fx_cdb(f, &c, rs, 6, 252), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 18);
    assert_int_equal(c.cmd.residual, 252 - 18);
    assert_int_equal(f->in[0], 0x70);
    assert_int_equal(f->in[2], SCSI_SK_UNIT_ATTENTION);
    assert_int_equal(f->in[12], 0x29);
    assert_int_equal(fx_cdb(f, &c, tur, 6, 0), SCSI_STATUS_GOOD);
    /* Nothing pending: NO SENSE, in descriptor format when DESC is set. */
    assert_int_equal(fx_cdb(f, &c, rsd, 6, 252), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 8);
    assert_int_equal(f->in[0], 0x72);
    assert_int_equal(f->in[1], SCSI_SK_NO_SENSE);
    assert_int_equal(f->in[2], 0);
    /* Allocation length 0: nothing transferred, not an error. */
    rs[4] = 0;
    assert_int_equal(fx_cdb(f, &c, rs, 6, 252), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 0);
    assert_int_equal(f->in[0], 0xee);
    fx_free(f);
}

static void inquiry_standard(void **state)
{
    struct fx *f = setup();
    uint8_t inq[6] = { 0x12, 0, 0, 0, 255, 0 };
    struct fx_cmd c;
    (void)state;

    assert_int_equal(fx_cdb(f, &c, inq, 6, 255), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 74);
    assert_int_equal(f->in[0], 0x00);                              /* connected direct-access device */
    assert_int_equal(f->in[2], 0x06);                              /* SPC-4 */
    assert_int_equal(f->in[3], 0x12);
    assert_int_equal(f->in[4], 74 - 5);
    assert_int_equal(f->in[7] & 0x02, 0x02);                       /* CmdQue */
    assert_memory_equal(f->in + 8, "XVIOS   VDISK           0001", 28);
    assert_int_equal(scsi_get_be16(f->in + 60), 0x0460);
    /* Truncated to the allocation length (36), the residual is the rest of the buffer. */
    inq[4] = 36;
    assert_int_equal(fx_cdb(f, &c, inq, 6, 255), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 36);
    assert_int_equal(c.cmd.residual, 255 - 36);
    assert_int_equal(f->in[36], 0xee);
    /* ... and to the buffer when that is smaller. */
    inq[4] = 255;
    assert_int_equal(fx_cdb(f, &c, inq, 6, 5), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 5);
    assert_int_equal(c.cmd.residual, 0);
    assert_int_equal(f->in[5], 0xee);
    /* CMDDT, and a page code without EVPD. */
    inq[1] = 0x02;
    fx_cdb(f, &c, inq, 6, 255);
    fx_assert_field(&c, true, 1, 1);
    inq[1] = 0;
    inq[2] = 0x80;
    fx_cdb(f, &c, inq, 6, 255);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
    fx_assert_field(&c, true, 2, -1);
    fx_free(f);
}

static uint32_t vpd(struct fx *f, struct fx_cmd *c, uint8_t page)
{
    uint8_t inq[6] = { 0x12, 0x01, page, 0x01, 0x00, 0 };

    assert_int_equal(fx_cdb(f, c, inq, 6, 256), SCSI_STATUS_GOOD);
    assert_int_equal(f->in[1], page);
    assert_int_equal(c->cmd.data_in_xfer, 4u + scsi_get_be16(f->in + 2));
    return c->cmd.data_in_xfer;
}

static void inquiry_vpd_pages(void **state)
{
    struct fx *f = setup();
    static const uint8_t pages[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };
    uint8_t inq[6] = { 0x12, 0x01, 0xc0, 0, 255, 0 };
    const uint8_t *d = f->in;
    struct fx_cmd c;
    uint32_t n;
    (void)state;

    n = vpd(f, &c, 0x00);
    assert_int_equal(n, 4 + sizeof(pages));
    assert_memory_equal(d + 4, pages, sizeof(pages));
    n = vpd(f, &c, 0x80);
    assert_int_equal(n, 4 + 6);
    assert_memory_equal(d + 4, "XV0001", 6);
    /* 0x83: NAA 6 with the company id, T10 vendor id, relative target port 1. */
    n = vpd(f, &c, 0x83);
    assert_int_equal(n, 4 + 20 + 12 + 6 + 8);
    assert_int_equal(d[4], 0x01);
    assert_int_equal(d[5], 0x03);
    assert_int_equal(d[7], 16);
    assert_int_equal(d[8], 0x61);                                  /* NAA 6, OUI 0x123456 */
    assert_int_equal(d[9], 0x23);
    assert_int_equal(d[10], 0x45);
    assert_int_equal(d[11] >> 4, 0x6);
    assert_int_equal(d[24], 0x02);
    assert_int_equal(d[25], 0x01);
    assert_int_equal(d[27], 14);
    assert_memory_equal(d + 28, "XVIOS   XV0001", 14);
    assert_int_equal(d[42], 0x01);
    assert_int_equal(d[43], 0x14);
    assert_int_equal(scsi_get_be16(d + 48), 1);
    n = vpd(f, &c, 0xb0);
    assert_int_equal(n, 64);
    assert_int_equal(d[4] & 1, 1);                                 /* WSNZ */
    assert_int_equal(d[5], SCSI_MAX_CAW_BLOCKS);
    assert_int_equal(scsi_get_be32(d + 8), 8192);
    assert_int_equal(scsi_get_be32(d + 20), SCSI_MAX_UNMAP_BLOCKS);
    assert_int_equal(scsi_get_be32(d + 24), SCSI_MAX_UNMAP_DESCS);
    assert_true(scsi_get_be64(d + 36) == SCSI_MAX_WRITE_SAME_BLOCKS);
    n = vpd(f, &c, 0xb1);
    assert_int_equal(n, 64);
    assert_int_equal(scsi_get_be16(d + 4), 1);                     /* non-rotating */
    n = vpd(f, &c, 0xb2);
    assert_int_equal(n, 8);
    assert_int_equal(d[5], 0xe4);                                  /* LBPU, LBPWS, LBPWS10, LBPRZ */
    assert_int_equal(d[6] & 7, 2);
    fx_cdb(f, &c, inq, 6, 255);
    fx_assert_field(&c, true, 2, -1);
    fx_free(f);
}

static void report_luns(void **state)
{
    struct fx *f = setup();
    uint8_t rl[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
    struct fx_cmd c;
    (void)state;

    assert_int_equal(scsi_dev_map_lun(f->dev, 300, f->lu), 0);
    assert_int_equal(scsi_dev_map_lun(f->dev, 7, f->lu), 0);
    assert_int_equal(scsi_dev_map_lun(f->dev, 7, f->lu), -EEXIST);
    assert_int_equal(scsi_dev_map_lun(f->dev, SCSI_LUN_MAX + 1, f->lu), -EINVAL);
    assert_int_equal(fx_cdb(f, &c, rl, 12, 256), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 8 + 3 * 8);
    assert_int_equal(scsi_get_be32(f->in), 24);
    assert_int_equal(scsi_get_be64(f->in + 8), 0);
    assert_true(scsi_get_be64(f->in + 16) == 0x0007000000000000ull);
    assert_true(scsi_get_be64(f->in + 24) == 0x412c000000000000ull);  /* flat space */
    rl[2] = 0x02;
    assert_int_equal(fx_cdb(f, &c, rl, 12, 256), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 32);
    rl[2] = 0x01;                                                  /* well-known LUs: none */
    assert_int_equal(fx_cdb(f, &c, rl, 12, 256), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 8);
    assert_int_equal(scsi_get_be32(f->in), 0);
    rl[2] = 0x03;
    fx_cdb(f, &c, rl, 12, 256);
    fx_assert_field(&c, true, 2, -1);
    rl[2] = 0;
    scsi_put_be32(rl + 6, 16);                                     /* truncated list, full length kept */
    assert_int_equal(fx_cdb(f, &c, rl, 12, 256), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 16);
    assert_int_equal(scsi_get_be32(f->in), 24);
    scsi_put_be32(rl + 6, 15);
    fx_cdb(f, &c, rl, 12, 256);
    fx_assert_field(&c, true, 6, -1);
    /* Answered for an unmapped LUN too. */
    scsi_put_be32(rl + 6, 64);
    fx_prep(&c, &f->a, 99, rl, 12, f->in, 64, NULL, 0);
    fx_submit(f, &c);
    assert_int_equal(c.cmd.status, SCSI_STATUS_GOOD);
    assert_int_equal(scsi_get_be32(f->in), 24);
    assert_int_equal(scsi_dev_unmap_lun(f->dev, 7), 0);
    assert_int_equal(scsi_dev_unmap_lun(f->dev, 7), -ENOENT);
    fx_free(f);
}

static void report_opcodes(void **state)
{
    struct fx *f = setup();
    uint8_t rsoc[12] = { 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0 };
    struct fx_cmd c;
    uint32_t len;
    bool saw_read10 = false, saw_rc16 = false;
    (void)state;

    assert_int_equal(fx_cdb(f, &c, rsoc, 12, 4096), SCSI_STATUS_GOOD);
    len = scsi_get_be32(f->in);
    assert_int_equal(len, 39 * 8);
    assert_int_equal(c.cmd.data_in_xfer, 4 + len);
    for (uint32_t off = 4; off < 4 + len; off += 8) {
        const uint8_t *d = f->in + off;

        if (d[0] == 0x28) {
            saw_read10 = true;
            assert_int_equal(d[5], 0);
            assert_int_equal(scsi_get_be16(d + 6), 10);
        }
        if (d[0] == 0x9e && scsi_get_be16(d + 2) == 0x10) {
            saw_rc16 = true;
            assert_int_equal(d[5], 0x01);                          /* SERVACTV */
            assert_int_equal(scsi_get_be16(d + 6), 16);
        }
    }
    assert_true(saw_read10);
    assert_true(saw_rc16);
    /* With timeouts descriptors: 20 bytes each. */
    rsoc[2] = 0x80;
    assert_int_equal(fx_cdb(f, &c, rsoc, 12, 4096), SCSI_STATUS_GOOD);
    assert_int_equal(scsi_get_be32(f->in), 39 * 20);
    assert_int_equal(f->in[4 + 5], 0x02);                          /* CTDP */
    /* One command: WRITE(16) and its usage data. */
    rsoc[2] = 0x01;
    rsoc[3] = 0x8a;
    assert_int_equal(fx_cdb(f, &c, rsoc, 12, 4096), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 4 + 16);
    assert_int_equal(f->in[1], 0x03);
    assert_int_equal(scsi_get_be16(f->in + 2), 16);
    assert_int_equal(f->in[4], 0x8a);
    assert_int_equal(f->in[5], 0x18);
    /* One command with a service action: GET LBA STATUS. */
    rsoc[2] = 0x02;
    rsoc[3] = 0x9e;
    rsoc[5] = 0x12;
    assert_int_equal(fx_cdb(f, &c, rsoc, 12, 4096), SCSI_STATUS_GOOD);
    assert_int_equal(f->in[1], 0x03);
    assert_int_equal(f->in[5], 0x1f);
    /* Unsupported opcode: SUPPORT = 001b. */
    rsoc[2] = 0x01;
    rsoc[3] = 0xc5;
    assert_int_equal(fx_cdb(f, &c, rsoc, 12, 4096), SCSI_STATUS_GOOD);
    assert_int_equal(f->in[1], 0x01);
    assert_int_equal(c.cmd.data_in_xfer, 4);
    /* Reporting option 1 for an opcode with service actions is a CDB error. */
    rsoc[3] = 0x9e;
    fx_cdb(f, &c, rsoc, 12, 4096);
    fx_assert_field(&c, true, 2, 2);
    rsoc[2] = 0x05;
    fx_cdb(f, &c, rsoc, 12, 4096);
    fx_assert_field(&c, true, 2, 2);
    fx_free(f);
}

static void report_tmf(void **state)
{
    struct fx *f = setup();
    uint8_t rt[12] = { 0xa3, 0x0d, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0 };
    struct fx_cmd c;
    (void)state;

    assert_int_equal(fx_cdb(f, &c, rt, 12, 64), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 4);
    assert_int_equal(f->in[0], 0x88);                              /* ABORT TASK, LOGICAL UNIT RESET */
    rt[2] = 0x80;
    assert_int_equal(fx_cdb(f, &c, rt, 12, 64), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 16);
    assert_int_equal(f->in[3], 0x0c);
    rt[9] = 3;
    fx_cdb(f, &c, rt, 12, 64);
    fx_assert_field(&c, true, 6, -1);
    fx_free(f);
}

static void start_stop_and_prevent(void **state)
{
    struct fx *f = setup();
    uint8_t ss[6] = { 0x1b, 0, 0, 0, 0x01, 0 }, pa[6] = { 0x1e, 0, 0, 0, 0x01, 0 };
    struct fx_cmd c;
    (void)state;

    assert_int_equal(fx_cdb(f, &c, ss, 6, 0), SCSI_STATUS_GOOD);
    ss[4] = 0x00;
    assert_int_equal(fx_cdb(f, &c, ss, 6, 0), SCSI_STATUS_GOOD);
    ss[4] = 0x02;                                                  /* eject */
    fx_cdb(f, &c, ss, 6, 0);
    fx_assert_field(&c, true, 4, 1);
    ss[4] = 0x30;                                                  /* a power condition */
    fx_cdb(f, &c, ss, 6, 0);
    fx_assert_field(&c, true, 4, 7);
    assert_int_equal(fx_cdb(f, &c, pa, 6, 0), SCSI_STATUS_GOOD);
    pa[4] = 0;
    assert_int_equal(fx_cdb(f, &c, pa, 6, 0), SCSI_STATUS_GOOD);
    pa[4] = 2;
    fx_cdb(f, &c, pa, 6, 0);
    fx_assert_field(&c, true, 4, 1);
    fx_free(f);
}

static void reserve_release_and_pr_routing(void **state)
{
    struct fx *f = setup();
    uint8_t r10[10] = { 0x56 }, rel10[10] = { 0x57 }, r6[6] = { 0x16, 0x01 };
    uint8_t prin[10] = { 0x5e, 0x00, 0, 0, 0, 0, 0, 0, 64, 0 }, prout[10] = { 0x5f, 0x00, 0, 0, 0, 0, 0, 0, 20, 0 };
    uint8_t param[24] = { 0 };
    struct fx_cmd c;
    (void)state;

    fx_cdb(f, &c, r6, 6, 0);                                       /* EXTENT */
    fx_assert_field(&c, true, 1, 0);
    r10[1] = 0x10;                                                 /* 3RDPTY */
    fx_cdb(f, &c, r10, 10, 0);
    fx_assert_field(&c, true, 1, 4);
    r10[1] = 0;
    assert_int_equal(fx_cdb(f, &c, r10, 10, 0), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &f->b, r10, 10, NULL, 0, NULL, 0), SCSI_STATUS_RESERVATION_CONFLICT);
    assert_int_equal(fx_cdb(f, &c, rel10, 10, 0), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &f->b, r10, 10, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &f->b, rel10, 10, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    /* PR IN READ KEYS: header with the generation and an additional length. */
    assert_int_equal(fx_cdb(f, &c, prin, 10, 64), SCSI_STATUS_GOOD);
    assert_true(c.cmd.data_in_xfer >= 8);
    assert_int_equal(c.cmd.residual, 64 - c.cmd.data_in_xfer);
    /* PR OUT: the parameter list length must be 24 (no SPEC_I_PT); a shorter buffer is refused first. */
    fx_run(f, &c, &f->a, prout, 10, NULL, 0, param, 10);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CMD_IU);
    fx_run(f, &c, &f->a, prout, 10, NULL, 0, param, 24);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tur_and_request_sense),
        cmocka_unit_test(inquiry_standard),
        cmocka_unit_test(inquiry_vpd_pages),
        cmocka_unit_test(report_luns),
        cmocka_unit_test(report_opcodes),
        cmocka_unit_test(report_tmf),
        cmocka_unit_test(start_stop_and_prevent),
        cmocka_unit_test(reserve_release_and_pr_routing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
