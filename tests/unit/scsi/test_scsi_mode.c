/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_mode.c - MODE SENSE (6)/(10): header, block descriptors (short,
 * long, DBD), caching / control / informational exceptions pages, 3Fh, page
 * control current / changeable / default / saved; write protect in the
 * header; MODE SELECT (6)/(10): WCE changed and reflected (and honoured as
 * FUA when off), refusals of non-changeable bits, bad lengths, PF and SP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/scsi/scsi_int.h"
#include "scsi_fixture.h"

static struct fx *setup(bool ro)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, ro);

    fx_clear_ua(f);
    return f;
}

static void mode_sense6_all_pages(void **state)
{
    struct fx *f = setup(false);
    uint8_t ms[6] = { 0x1a, 0, 0x3f, 0, 255, 0 };
    const uint8_t *d = f->in;
    struct fx_cmd c;
    (void)state;

    assert_int_equal(fx_cdb(f, &c, ms, 6, 255), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 4 + 8 + 20 + 12 + 12);
    assert_int_equal(d[0], 4 + 8 + 20 + 12 + 12 - 1);
    assert_int_equal(d[2], 0x10);                                  /* DPOFUA, not WP */
    assert_int_equal(d[3], 8);
    assert_int_equal(scsi_get_be32(d + 4), FX_BLOCKS);
    assert_int_equal(scsi_get_be24(d + 9), FX_BS);
    assert_int_equal(d[12], 0x08);                                 /* caching */
    assert_int_equal(d[13], 18);
    assert_int_equal(d[14] & 0x04, 0x04);                          /* WCE on */
    assert_int_equal(d[32], 0x0a);                                 /* control */
    assert_int_equal(d[33], 10);
    assert_int_equal(d[34] & 0x04, 0);                             /* D_SENSE off */
    assert_int_equal(d[44], 0x1c);                                 /* informational exceptions */
    assert_int_equal(d[46] & 0x08, 0x08);                          /* DEXCPT */
    /* DBD, one page; subpage FFh (all subpages) of a page without subpages. */
    ms[1] = 0x08;
    ms[2] = 0x08;
    ms[3] = 0xff;
    assert_int_equal(fx_cdb(f, &c, ms, 6, 255), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 4 + 20);
    assert_int_equal(d[3], 0);
    assert_int_equal(d[4], 0x08);
    /* Changeable values: WCE only. */
    ms[2] = 0x48;
    ms[3] = 0;
    assert_int_equal(fx_cdb(f, &c, ms, 6, 255), SCSI_STATUS_GOOD);
    assert_int_equal(d[6], 0x04);
    for (int i = 7; i < 24; i++)
        assert_int_equal(d[i], 0);
    /* Truncation: the header's length still describes everything. */
    ms[1] = 0;
    ms[2] = 0x3f;
    ms[4] = 10;
    assert_int_equal(fx_cdb(f, &c, ms, 6, 255), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 10);
    assert_int_equal(d[0], 4 + 8 + 20 + 12 + 12 - 1);
    fx_free(f);
}

static void mode_sense_refusals(void **state)
{
    struct fx *f = setup(false);
    uint8_t ms[6] = { 0x1a, 0, 0xc8, 0, 255, 0 };
    struct fx_cmd c;
    (void)state;

    fx_cdb(f, &c, ms, 6, 255);                                     /* saved values */
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_SAVING_PARAMS_UNSUPPORTED);
    ms[2] = 0x19;                                                  /* no such page */
    fx_cdb(f, &c, ms, 6, 255);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
    fx_assert_field(&c, true, 2, 5);
    ms[2] = 0x0a;
    ms[3] = 0x01;                                                  /* no such subpage */
    fx_cdb(f, &c, ms, 6, 255);
    fx_assert_field(&c, true, 3, -1);
    fx_free(f);
}

static void mode_sense10_long_lba_and_wp(void **state)
{
    struct fx *f = setup(true);
    uint8_t ms[10] = { 0x5a, 0x10, 0x0a, 0, 0, 0, 0, 1, 0, 0 };
    const uint8_t *d = f->in;
    struct fx_cmd c;
    (void)state;

    assert_int_equal(fx_cdb(f, &c, ms, 10, 255), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 8 + 16 + 12);
    assert_int_equal(scsi_get_be16(d), 8 + 16 + 12 - 2);
    assert_int_equal(d[3], 0x90);                                  /* WP, DPOFUA */
    assert_int_equal(d[4], 0x01);                                  /* LONGLBA */
    assert_int_equal(scsi_get_be16(d + 6), 16);
    assert_true(scsi_get_be64(d + 8) == FX_BLOCKS);
    assert_int_equal(scsi_get_be32(d + 20), FX_BS);
    assert_int_equal(d[24], 0x0a);
    /* Default values of the control page. */
    ms[1] = 0x08;
    ms[2] = 0x8a;
    assert_int_equal(fx_cdb(f, &c, ms, 10, 255), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 8 + 12);
    assert_int_equal(d[11], 0x10);
    fx_free(f);
}

static uint8_t caching_wce(struct fx *f)
{
    uint8_t ms[6] = { 0x1a, 0x08, 0x08, 0, 255, 0 };
    struct fx_cmd c;

    assert_int_equal(fx_cdb(f, &c, ms, 6, 255), SCSI_STATUS_GOOD);
    return f->in[4 + 2] & 0x04;
}

static void mode_select_changes_wce(void **state)
{
    struct fx *f = setup(false);
    uint8_t msel[6] = { 0x15, 0x10, 0, 0, 24, 0 }, param[24] = { 0 };
    uint8_t msel10[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, 36, 0 }, param10[36] = { 0 };
    uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, data[FX_BS] = { 5 };
    struct fx_cmd c;
    (void)state;

    param[4] = 0x08;
    param[5] = 18;                                                 /* caching page, WCE = 0 */
    assert_int_equal(caching_wce(f), 0x04);
    assert_int_equal(fx_run(f, &c, &f->a, msel, 6, NULL, 0, param, sizeof(param)), SCSI_STATUS_GOOD);
    assert_int_equal(caching_wce(f), 0);
    /* With the write cache off, every write is forced to the medium. */
    assert_int_equal(fx_run(f, &c, &f->a, w10, 10, NULL, 0, data, FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->fua_writes, 1);
    /* MODE SELECT(10) with a block descriptor restating the geometry turns it back on. */
    scsi_put_be16(param10 + 6, 8);
    scsi_put_be32(param10 + 8, FX_BLOCKS);
    scsi_put_be16(param10 + 8 + 6, FX_BS);
    param10[16] = 0x08;
    param10[17] = 18;
    param10[18] = 0x04;
    assert_int_equal(fx_run(f, &c, &f->a, msel10, 10, NULL, 0, param10, sizeof(param10)), SCSI_STATUS_GOOD);
    assert_int_equal(caching_wce(f), 0x04);
    assert_int_equal(fx_run(f, &c, &f->a, w10, 10, NULL, 0, data, FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->fua_writes, 1);
    /* The other nexus hears MODE PARAMETERS CHANGED once. */
    fx_run(f, &c, &f->b, w10, 10, NULL, 0, data, FX_BS);
    fx_assert_sense(&c, SCSI_SK_UNIT_ATTENTION, SCSI_ASC_MODE_PARAMETERS_CHANGED);
    assert_int_equal(fx_run(f, &c, &f->b, w10, 10, NULL, 0, data, FX_BS), SCSI_STATUS_GOOD);
    fx_free(f);
}

static void mode_select_refusals(void **state)
{
    struct fx *f = setup(false);
    uint8_t msel[6] = { 0x15, 0x10, 0, 0, 24, 0 }, param[24] = { 0 }, two[40] = { 0 };
    struct fx_cmd c;
    (void)state;

    param[4] = 0x08;
    param[5] = 18;
    param[6] = 0x05;                                               /* WCE + RCD: RCD is not changeable */
    fx_run(f, &c, &f->a, msel, 6, NULL, 0, param, sizeof(param));
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST);
    fx_assert_field(&c, false, 6, 0);
    param[6] = 0x04;
    param[5] = 10;                                                 /* wrong page length */
    fx_run(f, &c, &f->a, msel, 6, NULL, 0, param, sizeof(param));
    fx_assert_field(&c, false, 5, -1);
    param[5] = 18;
    param[4] = 0x02;                                               /* unsupported page */
    fx_run(f, &c, &f->a, msel, 6, NULL, 0, param, sizeof(param));
    fx_assert_field(&c, false, 4, 5);
    param[4] = 0x48;                                               /* SPF */
    fx_run(f, &c, &f->a, msel, 6, NULL, 0, param, sizeof(param));
    fx_assert_field(&c, false, 4, 6);
    param[4] = 0x08;
    msel[4] = 20;                                                  /* the page does not fit */
    fx_run(f, &c, &f->a, msel, 6, NULL, 0, param, sizeof(param));
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
    msel[4] = 3;                                                   /* shorter than the header */
    fx_run(f, &c, &f->a, msel, 6, NULL, 0, param, sizeof(param));
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
    msel[4] = 24;
    param[3] = 8;                                                  /* a block descriptor past the list */
    param[4] = 0;
    fx_run(f, &c, &f->a, msel, 6, NULL, 0, param, 24);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST);
    fx_assert_field(&c, false, 5 + 4, -1);                         /* block length 0 != 512 */
    param[3] = 0;
    msel[1] = 0x00;                                                /* PF = 0 */
    fx_run(f, &c, &f->a, msel, 6, NULL, 0, param, sizeof(param));
    fx_assert_field(&c, true, 1, 4);
    msel[1] = 0x11;                                                /* SP = 1 */
    fx_run(f, &c, &f->a, msel, 6, NULL, 0, param, sizeof(param));
    fx_assert_field(&c, true, 1, 0);
    /* All or nothing: a good caching page followed by a bad control page changes nothing. */
    msel[1] = 0x10;
    msel[4] = 36;
    two[4] = 0x08;
    two[5] = 18;
    two[24] = 0x0a;
    two[25] = 10;
    two[26] = 0x04;
    two[27] = 0x10;
    two[29] = 0x41;                                                /* TAS + a non-changeable bit */
    fx_run(f, &c, &f->a, msel, 6, NULL, 0, two, 36);
    fx_assert_field(&c, false, 29, 0);
    assert_int_equal(caching_wce(f), 0x04);
    /* A zero-length parameter list is no error and no change. */
    msel[4] = 0;
    assert_int_equal(fx_run(f, &c, &f->a, msel, 6, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mode_sense6_all_pages),
        cmocka_unit_test(mode_sense_refusals),
        cmocka_unit_test(mode_sense10_long_lba_and_wp),
        cmocka_unit_test(mode_select_changes_wce),
        cmocka_unit_test(mode_select_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
