/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_dispatch.c - the dispatcher's checks, each refusal class with its
 * exact sense: LOGICAL UNIT NOT SUPPORTED, a short CDB, INVALID COMMAND
 * OPERATION CODE, an unsupported service action (field pointer), unit
 * attentions once per nexus, RESERVATION CONFLICT, LBA OUT OF RANGE, a
 * buffer smaller than the transfer, WRITE PROTECTED, descriptor format when
 * D_SENSE is set; and the opcode table's own consistency.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/scsi/scsi_int.h"
#include "scsi_fixture.h"

static const uint8_t TUR[6] = { 0 };

static void table_is_consistent(void **state)
{
    static const uint8_t group_len[8] = { 6, 10, 10, 0, 16, 12, 0, 0 };
    unsigned ops = 0;
    (void)state;

    for (unsigned opc = 0; opc < 256; opc++) {
        const struct scsi_opcode_row *row = &scsi_sbc_table[opc];

        assert_false(row->op && row->n_sa);
        for (unsigned i = 0; i < (row->op ? 1u : row->n_sa); i++) {
            const struct scsi_op *op = row->op ? row->op : row->sa_ops[i];

            assert_int_equal(op->opcode, opc);
            assert_int_equal(op->cdb_len, group_len[opc >> 5]);
            assert_int_equal(op->usage[0], opc);
            assert_non_null(op->fn);
            assert_non_null(op->name);
            if (op->xfer == SCSI_XFER_PARAM)
                assert_int_equal(op->dir, SCSI_DIR_OUT);
            if (op->flags & SCSI_OPF_WRITES)
                assert_int_equal(op->pr, SCSI_PR_ACCESS_WRITE);
            ops++;
        }
    }
    assert_int_equal(ops, 39);
}

static void unknown_lun(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    uint8_t inq[6] = { 0x12, 0, 0, 0, 96, 0 }, rs[6] = { 0x03, 0, 0, 0, 18, 0 };
    uint8_t buf[96];
    struct fx_cmd c;
    (void)state;

    fx_prep(&c, &f->a, 5, TUR, 6, NULL, 0, NULL, 0);
    fx_submit(f, &c);
    assert_int_equal(c.done, 1);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LU_NOT_SUPPORTED);
    /* INQUIRY is answered: peripheral qualifier 3, device type 1Fh. */
    fx_prep(&c, &f->a, 5, inq, 6, buf, sizeof(buf), NULL, 0);
    fx_submit(f, &c);
    assert_int_equal(c.cmd.status, SCSI_STATUS_GOOD);
    assert_int_equal(buf[0], 0x7f);
    assert_int_equal(c.cmd.data_in_xfer, 74);
    assert_int_equal(c.cmd.residual, 96 - 74);
    /* REQUEST SENSE: GOOD, with LOGICAL UNIT NOT SUPPORTED as its data. */
    fx_prep(&c, &f->a, 5, rs, 6, buf, sizeof(buf), NULL, 0);
    fx_submit(f, &c);
    assert_int_equal(c.cmd.status, SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 18);
    assert_int_equal(buf[2], SCSI_SK_ILLEGAL_REQUEST);
    assert_int_equal(buf[12], 0x25);
    /* Above the LUN range too. */
    fx_prep(&c, &f->a, 70000, TUR, 6, NULL, 0, NULL, 0);
    fx_submit(f, &c);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LU_NOT_SUPPORTED);
    fx_free(f);
}

static void short_cdb_and_bad_opcode(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    uint8_t read10[10] = { 0x28 }, vendor[6] = { 0xc0 }, sai[16] = { 0x9e, 0x11 }, maint[12] = { 0xa3, 0x05 };
    struct fx_cmd c;
    (void)state;

    fx_clear_ua(f);
    fx_run(f, &c, &f->a, read10, 6, NULL, 0, NULL, 0);             /* a 10-byte opcode in 6 bytes */
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CMD_IU);
    fx_run(f, &c, &f->a, vendor, 6, NULL, 0, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPCODE);
    assert_int_equal(c.cmd.sense[15], 0);                           /* no field pointer */
    fx_run(f, &c, &f->a, sai, 16, f->in, 32, NULL, 0);              /* SERVICE ACTION IN(16) / 11h */
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
    fx_assert_field(&c, true, 1, 4);
    fx_run(f, &c, &f->a, maint, 12, f->in, 32, NULL, 0);            /* MAINTENANCE IN / 05h */
    fx_assert_field(&c, true, 1, 4);
    fx_free(f);
}

static void unmap_is_unsupported_without_discard(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    uint8_t unmap[10] = { 0x42 };
    struct fx_cmd c;
    (void)state;

    scsi_dev_unmap_lun(f->dev, 0);
    scsi_lu_free(f->lu);
    memstore_set(f->ms, false, false, false, 0);
    assert_int_equal(scsi_lu_new(&(struct scsi_lu_opts){ .ops = &memstore_ops, .store = f->ms, .serial = "X" },
                                 &f->lu), 0);
    scsi_dev_map_lun(f->dev, 0, f->lu);
    fx_clear_ua(f);
    fx_run(f, &c, &f->a, unmap, 10, NULL, 0, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPCODE);
    fx_free(f);
}

static void unit_attention_once_per_nexus(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 }, rl[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64 };
    struct fx_cmd c;
    (void)state;

    /* INQUIRY and REPORT LUNS neither fail nor consume the unit attention. */
    assert_int_equal(fx_run(f, &c, &f->a, inq, 6, f->in, 36, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &f->a, rl, 12, f->in, 64, NULL, 0), SCSI_STATUS_GOOD);
    fx_run(f, &c, &f->a, TUR, 6, NULL, 0, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_UNIT_ATTENTION, SCSI_ASC_POWER_ON_RESET);
    assert_int_equal(fx_run(f, &c, &f->a, TUR, 6, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    /* The other nexus has its own. */
    fx_run(f, &c, &f->b, TUR, 6, NULL, 0, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_UNIT_ATTENTION, SCSI_ASC_POWER_ON_RESET);
    assert_int_equal(fx_run(f, &c, &f->b, TUR, 6, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    /* A resize: CAPACITY DATA HAS CHANGED once for each nexus. */
    assert_int_equal(memstore_resize(f->ms, (FX_BLOCKS + 8) * FX_BS), 0);
    scsi_lu_capacity_changed(f->lu);
    fx_run(f, &c, &f->a, TUR, 6, NULL, 0, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_UNIT_ATTENTION, SCSI_ASC_CAPACITY_DATA_CHANGED);
    assert_int_equal(fx_run(f, &c, &f->a, TUR, 6, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    fx_run(f, &c, &f->b, TUR, 6, NULL, 0, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_UNIT_ATTENTION, SCSI_ASC_CAPACITY_DATA_CHANGED);
    assert_int_equal(fx_run(f, &c, &f->b, TUR, 6, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    /* Same size again: nothing queued. */
    scsi_lu_capacity_changed(f->lu);
    assert_int_equal(fx_run(f, &c, &f->a, TUR, 6, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    fx_free(f);
}

static void reservation_conflict(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    uint8_t reserve[6] = { 0x16 }, release[6] = { 0x17 }, read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
    struct fx_cmd c;
    (void)state;

    fx_clear_ua(f);
    assert_int_equal(fx_run(f, &c, &f->a, reserve, 6, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &f->b, read10, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_RESERVATION_CONFLICT);
    assert_int_equal(c.cmd.sense_len, 0);
    assert_int_equal(memstore_queued(f->ms), 0);
    assert_int_equal(fx_run(f, &c, &f->b, inq, 6, f->in, 36, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &f->a, read10, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &f->a, release, 6, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &f->b, read10, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_GOOD);
    fx_free(f);
}

static void lba_out_of_range(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    uint8_t r10[10] = { 0x28 }, r16[16] = { 0x88 }, r6[6] = { 0x08 };
    struct fx_cmd c;
    (void)state;

    fx_clear_ua(f);
    scsi_put_be32(r10 + 2, FX_BLOCKS - 1);
    scsi_put_be16(r10 + 7, 2);                                     /* one block past the end */
    fx_run(f, &c, &f->a, r10, 10, f->in, 2 * FX_BS, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
    assert_int_equal(c.cmd.sense[15], 0);
    assert_int_equal(memstore_queued(f->ms), 0);
    scsi_put_be16(r10 + 7, 1);                                     /* the last block: fine */
    assert_int_equal(fx_run(f, &c, &f->a, r10, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_GOOD);
    /* 64-bit wrap-around does not slip through. */
    scsi_put_be64(r16 + 2, UINT64_MAX);
    scsi_put_be32(r16 + 10, 2);
    fx_run(f, &c, &f->a, r16, 16, f->in, 2 * FX_BS, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
    /* A zero-length transfer at the capacity is still outside the medium. */
    scsi_put_be64(r16 + 2, FX_BLOCKS);
    scsi_put_be32(r16 + 10, 0);
    fx_run(f, &c, &f->a, r16, 16, f->in, 0, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
    /* READ(6) of 0 blocks means 256: 2047 + 256 is past the end. */
    r6[2] = (FX_BLOCKS - 1) >> 8;
    r6[3] = (FX_BLOCKS - 1) & 0xff;
    fx_run(f, &c, &f->a, r6, 6, f->in, 256 * FX_BS, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
    /* More than the block limits' maximum transfer length: INVALID FIELD at the length. */
    scsi_put_be64(r16 + 2, 0);
    scsi_put_be32(r16 + 10, 8193);
    fx_run(f, &c, &f->a, r16, 16, f->in, sizeof(f->in), NULL, 0);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
    fx_assert_field(&c, true, 10, -1);
    fx_free(f);
}

static void buffer_smaller_than_transfer(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0 }, w10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 2, 0 };
    uint8_t data[FX_BS * 2] = { 0 };
    struct fx_cmd c;
    (void)state;

    fx_clear_ua(f);
    fx_run(f, &c, &f->a, r10, 10, f->in, FX_BS, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CMD_IU);
    fx_run(f, &c, &f->a, w10, 10, NULL, 0, data, FX_BS * 2 - 1);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CMD_IU);
    assert_int_equal(memstore_queued(f->ms), 0);
    assert_int_equal(memstore_counts(f->ms)->writes, 0);
    /* A larger buffer is fine; the rest is residual. */
    assert_int_equal(fx_run(f, &c, &f->a, r10, 10, f->in, 3 * FX_BS, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 2 * FX_BS);
    assert_int_equal(c.cmd.residual, FX_BS);
    fx_free(f);
}

static void write_protected(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, true);
    uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, ws16[16] = { 0x93 }, r10[10] = { 0x28 };
    uint8_t data[FX_BS] = { 1 };
    struct fx_cmd c;
    (void)state;

    fx_clear_ua(f);
    fx_run(f, &c, &f->a, w10, 10, NULL, 0, data, FX_BS);
    fx_assert_sense(&c, SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
    scsi_put_be32(ws16 + 10, 4);
    fx_run(f, &c, &f->a, ws16, 16, NULL, 0, data, FX_BS);
    fx_assert_sense(&c, SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
    assert_int_equal(memstore_counts(f->ms)->writes, 0);
    r10[8] = 1;
    assert_int_equal(fx_run(f, &c, &f->a, r10, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_GOOD);
    /* The LBA range is checked before write protection. */
    scsi_put_be32(w10 + 2, FX_BLOCKS);
    fx_run(f, &c, &f->a, w10, 10, NULL, 0, data, FX_BS);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
    fx_free(f);
}

static void descriptor_sense_when_asked(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    /* MODE SELECT(6), PF: header + control page with D_SENSE set. */
    uint8_t msel[6] = { 0x15, 0x10, 0, 0, 16, 0 };
    uint8_t param[16] = { 0, 0, 0, 0, 0x0a, 0x0a, 0x04, 0x10, 0, 0x40, 0, 0, 0xff, 0xff, 0, 0 };
    uint8_t sai[16] = { 0x9e, 0x11 };
    static const uint8_t want[16] = { 0x72, 0x05, 0x24, 0x00, 0, 0, 0, 0x08, 0x02, 0x06, 0, 0, 0xcc, 0x00, 0x01, 0 };
    struct fx_cmd c;
    (void)state;

    fx_clear_ua(f);
    assert_int_equal(fx_run(f, &c, &f->a, msel, 6, NULL, 0, param, sizeof(param)), SCSI_STATUS_GOOD);
    fx_run(f, &c, &f->a, sai, 16, f->in, 32, NULL, 0);
    assert_int_equal(c.cmd.status, SCSI_STATUS_CHECK_CONDITION);
    assert_int_equal(c.cmd.sense_len, 16);
    assert_memory_equal(c.cmd.sense, want, 16);
    /* The other nexus is told the mode parameters changed -- in descriptor format now. */
    fx_run(f, &c, &f->b, TUR, 6, NULL, 0, NULL, 0);
    assert_int_equal(c.cmd.sense_len, 8);
    assert_int_equal(c.cmd.sense[0], 0x72);
    assert_int_equal(c.cmd.sense[1], SCSI_SK_UNIT_ATTENTION);
    assert_int_equal(c.cmd.sense[2], 0x2a);
    assert_int_equal(c.cmd.sense[3], 0x01);
    fx_free(f);
}

static void lu_reset_and_nexus_loss(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    uint8_t reserve[6] = { 0x16 }, r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    struct fx_cmd c, inflight;
    (void)state;

    fx_clear_ua(f);
    /* I_T nexus loss of the SPC-2 reservation holder frees the LU for the other nexus. */
    assert_int_equal(fx_run(f, &c, &f->a, reserve, 6, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(fx_run(f, &c, &f->b, r10, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_RESERVATION_CONFLICT);
    fx_prep(&inflight, &f->a, 0, r10, 10, f->in, FX_BS, NULL, 0);
    fx_submit(f, &inflight);
    scsi_lu_nexus_loss(f->lu, &f->a);
    memstore_run(f->ms);
    assert_int_equal(inflight.done, 1);
    assert_int_equal(inflight.cmd.status, SCSI_STATUS_TASK_ABORTED);
    assert_int_equal(fx_run(f, &c, &f->b, r10, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_GOOD);
    fx_run(f, &c, &f->a, r10, 10, f->in, FX_BS, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_UNIT_ATTENTION, SCSI_ASC_IT_NEXUS_LOSS);
    /* LOGICAL UNIT RESET: everything in flight aborted, the reservation released, a UA for each nexus. */
    assert_int_equal(fx_run(f, &c, &f->b, reserve, 6, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    fx_prep(&inflight, &f->b, 0, r10, 10, f->in, FX_BS, NULL, 0);
    fx_submit(f, &inflight);
    scsi_lu_reset(f->lu);
    memstore_run(f->ms);
    assert_int_equal(inflight.cmd.status, SCSI_STATUS_TASK_ABORTED);
    fx_run(f, &c, &f->a, r10, 10, f->in, FX_BS, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_UNIT_ATTENTION, SCSI_ASC_BUS_DEVICE_RESET);
    assert_int_equal(fx_run(f, &c, &f->a, r10, 10, f->in, FX_BS, NULL, 0), SCSI_STATUS_GOOD);
    fx_run(f, &c, &f->b, r10, 10, f->in, FX_BS, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_UNIT_ATTENTION, SCSI_ASC_BUS_DEVICE_RESET);
    fx_free(f);
}

static void api_misuse_is_refused(void **state)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);
    struct fx_cmd c;
    (void)state;

    fx_prep(&c, &f->a, 0, TUR, 0, NULL, 0, NULL, 0);               /* no CDB */
    fx_submit(f, &c);
    assert_int_equal(c.done, 1);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CMD_IU);
    fx_prep(&c, &f->a, 0, TUR, 6, NULL, 16, NULL, 0);              /* a length without a buffer */
    fx_submit(f, &c);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CMD_IU);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_is_consistent),
        cmocka_unit_test(unknown_lun),
        cmocka_unit_test(short_cdb_and_bad_opcode),
        cmocka_unit_test(unmap_is_unsupported_without_discard),
        cmocka_unit_test(unit_attention_once_per_nexus),
        cmocka_unit_test(reservation_conflict),
        cmocka_unit_test(lba_out_of_range),
        cmocka_unit_test(buffer_smaller_than_transfer),
        cmocka_unit_test(write_protected),
        cmocka_unit_test(descriptor_sense_when_asked),
        cmocka_unit_test(lu_reset_and_nexus_loss),
        cmocka_unit_test(api_misuse_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
