/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_region.c - an LU that is a region of a larger backing (the LU
 * pool's regions): the adapter refuses regions that do not fit, refuses
 * every operation reaching outside the region, and shifts the rest; through
 * the SCSI target the LU has the region's capacity, writes land at the
 * region's offset and nothing outside it changes. And an LU given its NAA
 * designator (the pool's WWN) reports exactly that one in VPD 0x83.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/scsi/scsi_region.h"
#include "scsi_fixture.h"

#define BS       512u
#define BACKING  (4096u * BS)    /* 2 MiB */
#define R_OFF    (1024u * BS)    /* the region: [512 KiB, 1 MiB + 512 KiB) */
#define R_SIZE   (2048u * BS)

static int64_t last_result;
static unsigned completions;

static void done_cb(void *opaque, int64_t result)
{
    (void)opaque;
    last_result = result;
    completions++;
}

static void test_init_refusals(void **state)
{
    struct memstore *ms = memstore_new(BACKING, BS);
    struct scsi_region r;

    (void)state;
    assert_non_null(ms);
    assert_int_equal(scsi_region_init(&r, &memstore_ops, ms, 0, 0), -EINVAL);
    assert_int_equal(scsi_region_init(&r, &memstore_ops, ms, 100, BS), -EINVAL);
    assert_int_equal(scsi_region_init(&r, &memstore_ops, ms, 0, BS + 1), -EINVAL);
    assert_int_equal(scsi_region_init(&r, &memstore_ops, ms, BACKING, BS), -ERANGE);
    assert_int_equal(scsi_region_init(&r, &memstore_ops, ms, BS, BACKING), -ERANGE);
    assert_int_equal(scsi_region_init(&r, &memstore_ops, ms, UINT64_MAX - BS, BS), -EINVAL);
    assert_int_equal(scsi_region_init(&r, &memstore_ops, ms, (UINT64_MAX / BS) * BS, BS), -ERANGE);
    assert_int_equal(scsi_region_init(&r, NULL, ms, 0, BS), -EINVAL);
    assert_int_equal(scsi_region_init(&r, &memstore_ops, ms, 0, BACKING), 0);          /* the whole backing */
    assert_int_equal(scsi_region_init(&r, &memstore_ops, ms, BACKING - BS, BS), 0);    /* its last block */
    memstore_free(ms);
}

/* The adapter itself: nothing outside the region reaches the inner backing. */
static void test_ops_bounded(void **state)
{
    struct memstore *ms = memstore_new(BACKING, BS);
    struct scsi_backing_info info;
    struct scsi_region r;
    uint8_t *buf = scsi_region_ops.alloc_buf(2 * BS);
    uint64_t len = 0;
    bool mapped = false;

    (void)state;
    assert_non_null(ms);
    assert_non_null(buf);
    assert_int_equal((uintptr_t)buf % SCSI_REGION_BUF_ALIGN, 0);
    memstore_set(ms, false, true, true, 0);
    assert_int_equal(scsi_region_init(&r, &memstore_ops, ms, R_OFF, R_SIZE), 0);
    scsi_region_ops.info(&r, &info);
    assert_int_equal(info.size_bytes, R_SIZE);
    assert_int_equal(info.block_size, BS);
    assert_true(info.can_discard);

    /* beyond the region: refused before the inner backing sees it */
    assert_int_equal(scsi_region_ops.read(&r, buf, BS, R_SIZE, done_cb, NULL), -EINVAL);
    assert_int_equal(scsi_region_ops.read(&r, buf, 2 * BS, R_SIZE - BS, done_cb, NULL), -EINVAL);
    assert_int_equal(scsi_region_ops.write(&r, buf, BS, UINT64_MAX - 10, false, done_cb, NULL), -EINVAL);
    assert_int_equal(scsi_region_ops.discard(&r, 0, R_SIZE + BS, done_cb, NULL), -EINVAL);
    assert_int_equal(scsi_region_ops.write_zeroes(&r, R_SIZE, BS, done_cb, NULL), -EINVAL);
    assert_int_equal(scsi_region_ops.map_status(&r, R_SIZE, &len, &mapped), -EINVAL);
    assert_int_equal(memstore_queued(ms), 0);

    /* inside: shifted by the offset */
    memset(buf, 0xa5, BS);             /* the store reads the buffer when it completes: one each */
    memset(buf + BS, 0x5a, BS);
    assert_int_equal(scsi_region_ops.write(&r, buf, BS, R_SIZE - BS, false, done_cb, NULL), 0);
    assert_int_equal(scsi_region_ops.write(&r, buf + BS, BS, 0, false, done_cb, NULL), 0);
    memstore_run(ms);
    assert_int_equal(completions, 2);
    assert_int_equal(last_result, BS);
    const uint8_t *data = memstore_data(ms);
    assert_int_equal(data[R_OFF], 0x5a);
    assert_int_equal(data[R_OFF + BS - 1], 0x5a);
    assert_int_equal(data[R_OFF - 1], 0);
    assert_int_equal(data[R_OFF + R_SIZE - BS], 0xa5);
    assert_int_equal(data[R_OFF + R_SIZE - 1], 0xa5);
    assert_int_equal(data[R_OFF + R_SIZE], 0);
    /* a map extent never reaches past the region */
    assert_int_equal(scsi_region_ops.map_status(&r, R_SIZE - BS, &len, &mapped), 0);
    assert_true(len <= BS);
    scsi_region_ops.free_buf(buf);
    memstore_free(ms);
}

/* Through the SCSI target. */
static void test_lu_over_region(void **state)
{
    static const uint8_t wwn[16] = { 0x65, 0x25, 0x4a, 0x51, 0x23, 0x45, 0x67, 0x89,
                                     0, 0, 0, 0, 0, 0, 0, 0x2a };
    struct scsi_region r;
    struct scsi_lu_opts o = { .ops = &scsi_region_ops, .store = &r, .serial = "XVP123456789000000000000002a",
                              .ieee_company_id = 0x5254a5, .naa_id = wwn };
    struct fx *f = calloc(1, sizeof(*f));
    struct fx_cmd c;
    uint8_t out[2 * BS];

    (void)state;
    assert_non_null(f);
    f->ms = memstore_new(BACKING, BS);
    assert_non_null(f->ms);
    assert_int_equal(scsi_region_init(&r, &memstore_ops, f->ms, R_OFF, R_SIZE), 0);
    assert_int_equal(scsi_lu_new(&o, &f->lu), 0);
    f->dev = scsi_dev_new();
    assert_non_null(f->dev);
    assert_int_equal(scsi_dev_map_lun(f->dev, 0, f->lu), 0);
    f->a = (struct scsi_nexus){ .initiator = 0xa, .target_port = 1 };
    f->b = (struct scsi_nexus){ .initiator = 0xb, .target_port = 2 };
    fx_clear_ua(f);

    /* READ CAPACITY (16): the region's last LBA */
    const uint8_t rc16[16] = { 0x9e, 0x10, [13] = 32 };
    assert_int_equal(fx_cdb(f, &c, rc16, 16, 32), 0);
    assert_int_equal(f->in[7], (R_SIZE / BS - 1) & 0xff);
    assert_int_equal(f->in[6], (R_SIZE / BS - 1) >> 8);

    /* WRITE (10) of two blocks at the region's end, then one past it */
    const uint32_t last = R_SIZE / BS - 2;
    const uint8_t w10[10] = { 0x2a, 0, 0, 0, (uint8_t)(last >> 8), (uint8_t)last, 0, 0, 2, 0 };
    memset(out, 0xc3, sizeof(out));
    assert_int_equal(fx_run(f, &c, &f->a, w10, 10, NULL, 0, out, sizeof(out)), 0);
    const uint8_t w10_past[10] = { 0x2a, 0, 0, 0, (uint8_t)((last + 1) >> 8), (uint8_t)(last + 1), 0, 0, 2, 0 };
    assert_int_not_equal(fx_run(f, &c, &f->a, w10_past, 10, NULL, 0, out, sizeof(out)), 0);
    fx_assert_sense(&c, 0x05, 0x2100);   /* LOGICAL BLOCK ADDRESS OUT OF RANGE */
    const uint8_t *data = memstore_data(f->ms);
    for (uint32_t i = 0; i < 2 * BS; i++)
        assert_int_equal(data[R_OFF + R_SIZE - 2 * BS + i], 0xc3);
    for (uint32_t i = 0; i < BACKING - R_OFF - R_SIZE; i++)
        assert_int_equal(data[R_OFF + R_SIZE + i], 0);
    /* READ (10) of LBA 0 reads the backing at the offset */
    memset(memstore_data(f->ms) + R_OFF, 0x3c, BS);
    const uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    assert_int_equal(fx_cdb(f, &c, r10, 10, BS), 0);
    assert_int_equal(f->in[0], 0x3c);
    assert_int_equal(f->in[BS - 1], 0x3c);

    /* VPD 0x83: the given designator, byte for byte, through either port */
    const uint8_t inq83[6] = { 0x12, 0x01, 0x83, 0, 255, 0 };
    assert_int_equal(fx_cdb(f, &c, inq83, 6, 255), 0);
    assert_int_equal(f->in[4] & 0x0f, 0x01);   /* binary */
    assert_int_equal(f->in[5] & 0x0f, 0x03);   /* NAA */
    assert_int_equal(f->in[7], 16);
    assert_memory_equal(f->in + 8, wwn, 16);
    uint8_t via_b[255];
    assert_int_equal(fx_run(f, &c, &f->b, inq83, 6, via_b, sizeof(via_b), NULL, 0), 0);
    assert_memory_equal(via_b + 8, wwn, 16);
    /* VPD 0x80: the serial */
    const uint8_t inq80[6] = { 0x12, 0x01, 0x80, 0, 255, 0 };
    assert_int_equal(fx_cdb(f, &c, inq80, 6, 255), 0);
    assert_int_equal(f->in[3], 28);
    assert_memory_equal(f->in + 4, "XVP123456789000000000000002a", 28);
    fx_free(f);

    /* a designator that is not NAA 6 is refused */
    uint8_t bad[16];
    struct scsi_lu *lu = NULL;
    struct memstore *ms = memstore_new(BACKING, BS);
    memcpy(bad, wwn, sizeof(bad));
    bad[0] = 0x55;
    o.naa_id = bad;
    assert_int_equal(scsi_region_init(&r, &memstore_ops, ms, 0, BACKING), 0);
    assert_int_equal(scsi_lu_new(&o, &lu), -EINVAL);
    memstore_free(ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_refusals),
        cmocka_unit_test(test_ops_bounded),
        cmocka_unit_test(test_lu_over_region),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
