/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_caw.c - COMPARE AND WRITE: success, MISCOMPARE with the offset
 * and nothing written, the CDB checks; atomicity: an overlapping write that
 * arrives while the compare runs waits until the COMPARE AND WRITE is done,
 * a COMPARE AND WRITE waits for an earlier overlapping write, non-overlapping
 * writes go ahead; an aborted waiter ends TASK ABORTED without touching the medium.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/scsi/scsi_int.h"
#include "scsi_fixture.h"

static uint8_t oldb[2 * FX_BS], newb[2 * FX_BS], other[2 * FX_BS], caw_buf[4 * FX_BS];

static struct fx *setup(void)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);

    memset(oldb, 0x11, sizeof(oldb));
    memset(newb, 0x22, sizeof(newb));
    memset(other, 0x33, sizeof(other));
    memcpy(memstore_data(f->ms) + 100 * FX_BS, oldb, sizeof(oldb));
    memcpy(caw_buf, oldb, sizeof(oldb));
    memcpy(caw_buf + sizeof(oldb), newb, sizeof(newb));
    fx_clear_ua(f);
    return f;
}

static void caw_cdb(uint8_t *cdb, uint64_t lba, uint8_t n)
{
    memset(cdb, 0, 16);
    cdb[0] = 0x89;
    scsi_put_be64(cdb + 2, lba);
    cdb[13] = n;
}

static void w10_cdb(uint8_t *cdb, uint32_t lba, uint16_t n)
{
    memset(cdb, 0, 10);
    cdb[0] = 0x2a;
    scsi_put_be32(cdb + 2, lba);
    scsi_put_be16(cdb + 7, n);
}

static void compare_and_write_success_and_miscompare(void **state)
{
    struct fx *f = setup();
    uint8_t cdb[16];
    struct fx_cmd c;
    (void)state;

    caw_cdb(cdb, 100, 2);
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 16, NULL, 0, caw_buf, sizeof(caw_buf)), SCSI_STATUS_GOOD);
    assert_memory_equal(memstore_data(f->ms) + 100 * FX_BS, newb, sizeof(newb));
    /* Again: the medium holds the new data now, so the compare fails at offset 0. */
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, caw_buf, sizeof(caw_buf));
    fx_assert_sense(&c, SCSI_SK_MISCOMPARE, SCSI_ASC_MISCOMPARE_DURING_VERIFY);
    assert_int_equal(c.cmd.sense[0], 0xf0);
    assert_int_equal(scsi_get_be32(c.cmd.sense + 3), 0);
    /* A late difference: INFORMATION is its offset; nothing is written. */
    memcpy(memstore_data(f->ms) + 100 * FX_BS, oldb, sizeof(oldb));
    memstore_data(f->ms)[100 * FX_BS + 777] = 0;
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, caw_buf, sizeof(caw_buf));
    fx_assert_sense(&c, SCSI_SK_MISCOMPARE, SCSI_ASC_MISCOMPARE_DURING_VERIFY);
    assert_int_equal(scsi_get_be32(c.cmd.sense + 3), 777);
    assert_int_equal(memstore_data(f->ms)[100 * FX_BS], 0x11);
    /* Zero blocks: GOOD and nothing read. */
    caw_cdb(cdb, 100, 0);
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 16, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    /* Refusals: more than the block limit, a data-out shorter than 2 x blocks, WRPROTECT. */
    caw_cdb(cdb, 100, SCSI_MAX_CAW_BLOCKS + 1);
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, NULL, 0);
    fx_assert_field(&c, true, 13, -1);
    caw_cdb(cdb, 100, 2);
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, caw_buf, sizeof(caw_buf) - 1);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CMD_IU);
    cdb[1] = 0x20;
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, caw_buf, sizeof(caw_buf));
    fx_assert_field(&c, true, 1, 7);
    fx_free(f);
}

static void overlapping_write_waits_for_caw(void **state)
{
    struct fx *f = setup();
    uint8_t cdb[16];
    struct fx_cmd caw, w, far;
    (void)state;

    caw_cdb(cdb, 100, 2);
    fx_prep(&caw, &f->a, 0, cdb, 16, NULL, 0, caw_buf, sizeof(caw_buf));
    fx_submit(f, &caw);
    assert_int_equal(memstore_queued(f->ms), 1);                  /* the compare's read */
    assert_int_equal(memstore_kind_at(f->ms, 0), MS_READ);
    /* Another nexus writes block 101 meanwhile: it must not reach the store yet. */
    w10_cdb(cdb, 101, 1);
    fx_prep(&w, &f->b, 0, cdb, 10, NULL, 0, other, FX_BS);
    fx_submit(f, &w);
    assert_int_equal(memstore_queued(f->ms), 1);
    /* A write elsewhere goes ahead. */
    w10_cdb(cdb, 500, 1);
    fx_prep(&far, &f->b, 0, cdb, 10, NULL, 0, other, FX_BS);
    fx_submit(f, &far);
    assert_int_equal(memstore_queued(f->ms), 2);
    assert_true(memstore_run_one(f->ms));                          /* the compare read */
    assert_int_equal(memstore_queued(f->ms), 2);                  /* far write + CAW's write */
    assert_int_equal(memstore_kind_at(f->ms, 1), MS_WRITE);
    assert_int_equal(w.done, 0);
    assert_true(memstore_run_one(f->ms));                          /* far */
    assert_int_equal(far.done, 1);
    assert_int_equal(w.done, 0);
    assert_true(memstore_run_one(f->ms));                          /* CAW's write: now the waiter goes */
    assert_int_equal(caw.done, 1);
    assert_int_equal(caw.cmd.status, SCSI_STATUS_GOOD);
    assert_int_equal(memstore_queued(f->ms), 1);
    memstore_run(f->ms);
    assert_int_equal(w.done, 1);
    assert_int_equal(w.cmd.status, SCSI_STATUS_GOOD);
    assert_memory_equal(memstore_data(f->ms) + 100 * FX_BS, newb, FX_BS);
    assert_memory_equal(memstore_data(f->ms) + 101 * FX_BS, other, FX_BS);
    fx_free(f);
}

static void caw_waits_for_earlier_write(void **state)
{
    struct fx *f = setup();
    uint8_t cdb[16];
    struct fx_cmd caw, w, caw2;
    (void)state;

    /* A write of the old data is in flight; a CAW over it must see its result. */
    w10_cdb(cdb, 100, 2);
    fx_prep(&w, &f->b, 0, cdb, 10, NULL, 0, other, 2 * FX_BS);
    fx_submit(f, &w);
    caw_cdb(cdb, 100, 2);
    fx_prep(&caw, &f->a, 0, cdb, 16, NULL, 0, caw_buf, sizeof(caw_buf));
    fx_submit(f, &caw);
    assert_int_equal(memstore_queued(f->ms), 1);
    /* A second CAW on the same range, from the other nexus, queues behind the first. */
    fx_prep(&caw2, &f->b, 0, cdb, 16, NULL, 0, caw_buf, sizeof(caw_buf));
    fx_submit(f, &caw2);
    assert_int_equal(memstore_queued(f->ms), 1);
    memstore_run(f->ms);
    assert_int_equal(w.cmd.status, SCSI_STATUS_GOOD);
    /* The medium held "other" when the first CAW compared: miscompare; so did the second. */
    assert_int_equal(caw.done, 1);
    fx_assert_sense(&caw, SCSI_SK_MISCOMPARE, SCSI_ASC_MISCOMPARE_DURING_VERIFY);
    assert_int_equal(caw2.done, 1);
    fx_assert_sense(&caw2, SCSI_SK_MISCOMPARE, SCSI_ASC_MISCOMPARE_DURING_VERIFY);
    assert_memory_equal(memstore_data(f->ms) + 100 * FX_BS, other, 2 * FX_BS);
    fx_free(f);
}

static void aborted_waiter_never_runs(void **state)
{
    struct fx *f = setup();
    uint8_t cdb[16];
    struct fx_cmd caw, w;
    (void)state;

    caw_cdb(cdb, 100, 2);
    fx_prep(&caw, &f->a, 0, cdb, 16, NULL, 0, caw_buf, sizeof(caw_buf));
    fx_submit(f, &caw);
    w10_cdb(cdb, 100, 1);
    fx_prep(&w, &f->b, 0, cdb, 10, NULL, 0, other, FX_BS);
    fx_submit(f, &w);
    scsi_lu_abort_nexus(f->lu, &f->b);
    memstore_run(f->ms);
    assert_int_equal(caw.cmd.status, SCSI_STATUS_GOOD);
    assert_int_equal(w.done, 1);
    assert_int_equal(w.cmd.status, SCSI_STATUS_TASK_ABORTED);
    assert_int_equal(memstore_counts(f->ms)->writes, 1);          /* the CAW's only */
    assert_memory_equal(memstore_data(f->ms) + 100 * FX_BS, newb, FX_BS);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compare_and_write_success_and_miscompare),
        cmocka_unit_test(overlapping_write_waits_for_caw),
        cmocka_unit_test(caw_waits_for_earlier_write),
        cmocka_unit_test(aborted_waiter_never_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
