/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_rw.c - the medium commands over the in-memory store: READ/WRITE
 * (6/10/12/16) with FUA, bounce buffers for an aligned store, WRITE AND
 * VERIFY, VERIFY (BYTCHK 0/1, miscompare), SYNCHRONIZE CACHE, WRITE SAME
 * (pattern, zeroes, UNMAP bit, NDOB), UNMAP and its untrusted parameter list,
 * READ CAPACITY (10)/(16), GET LBA STATUS; backing failures as MEDIUM ERROR
 * (and BUSY), per-LU error counts; many commands in flight; abort of a nexus.
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

static uint8_t pat[16 * FX_BS];

static struct fx *setup(void)
{
    struct fx *f = fx_new(FX_BLOCKS, FX_BS, false);

    for (size_t i = 0; i < sizeof(pat); i++)
        pat[i] = (uint8_t)(i * 7 + 3);
    fx_clear_ua(f);
    return f;
}

static void rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t n)
{
    memset(cdb, 0, 10);
    cdb[0] = op;
    scsi_put_be32(cdb + 2, lba);
    scsi_put_be16(cdb + 7, n);
}

static void rw16(uint8_t *cdb, uint8_t op, uint64_t lba, uint32_t n)
{
    memset(cdb, 0, 16);
    cdb[0] = op;
    scsi_put_be64(cdb + 2, lba);
    scsi_put_be32(cdb + 10, n);
}

static void read_write_all_sizes(void **state)
{
    struct fx *f = setup();
    uint8_t w6[6] = { 0x0a, 0, 0, 10, 2, 0 }, r6[6] = { 0x08, 0, 0, 10, 2, 0 };
    uint8_t w12[12] = { 0xaa, 0, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0 }, r12[12] = { 0xa8, 0, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0 };
    uint8_t cdb[16];
    struct fx_cmd c;
    (void)state;

    assert_int_equal(fx_run(f, &c, &f->a, w6, 6, NULL, 0, pat, 2 * FX_BS), SCSI_STATUS_GOOD);
    assert_memory_equal(memstore_data(f->ms) + 10 * FX_BS, pat, 2 * FX_BS);
    assert_int_equal(c.cmd.residual, 0);
    assert_int_equal(fx_cdb(f, &c, r6, 6, 2 * FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 2 * FX_BS);
    assert_memory_equal(f->in, pat, 2 * FX_BS);
    rw10(cdb, 0x2a, 100, 4);
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 10, NULL, 0, pat, 5 * FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.residual, FX_BS);                       /* data-out not used */
    rw10(cdb, 0x28, 100, 4);
    assert_int_equal(fx_cdb(f, &c, cdb, 10, 4 * FX_BS), SCSI_STATUS_GOOD);
    assert_memory_equal(f->in, pat, 4 * FX_BS);
    assert_int_equal(fx_run(f, &c, &f->a, w12, 12, NULL, 0, pat + 7, 3 * FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(fx_cdb(f, &c, r12, 12, 3 * FX_BS), SCSI_STATUS_GOOD);
    assert_memory_equal(f->in, pat + 7, 3 * FX_BS);
    rw16(cdb, 0x8a, FX_BLOCKS - 1, 1);
    cdb[1] = 0x08;                                                 /* FUA */
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->fua_writes, 1);
    rw16(cdb, 0x88, FX_BLOCKS - 1, 1);
    assert_int_equal(fx_cdb(f, &c, cdb, 16, FX_BS), SCSI_STATUS_GOOD);
    assert_memory_equal(f->in, pat, FX_BS);
    /* Zero blocks: GOOD, nothing moves. */
    rw16(cdb, 0x88, 5, 0);
    assert_int_equal(fx_cdb(f, &c, cdb, 16, 0), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->reads, 4);
    /* RDPROTECT: no protection information. */
    rw10(cdb, 0x28, 0, 1);
    cdb[1] = 0x20;
    fx_cdb(f, &c, cdb, 10, FX_BS);
    fx_assert_field(&c, true, 1, 7);
    fx_free(f);
}

static void aligned_store_uses_bounce_buffers(void **state)
{
    struct fx *f = setup();
    uint8_t cdb[10];
    struct fx_cmd c;
    (void)state;

    memstore_set(f->ms, false, true, true, 4096);
    scsi_lu_capacity_changed(f->lu);                               /* re-reads the alignment */
    rw10(cdb, 0x2a, 8, 2);
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 10, NULL, 0, pat + 1, 2 * FX_BS), SCSI_STATUS_GOOD);
    rw10(cdb, 0x28, 8, 2);
    memset(f->in, 0, sizeof(f->in));
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 10, f->in + 3, 2 * FX_BS, NULL, 0), SCSI_STATUS_GOOD);
    assert_memory_equal(f->in + 3, pat + 1, 2 * FX_BS);
    fx_free(f);
}

static void medium_errors(void **state)
{
    struct fx *f = setup();
    uint8_t cdb[16];
    struct scsi_lu_stats st;
    struct fx_cmd c;
    (void)state;

    memstore_fail(f->ms, MS_READ, 50 * FX_BS, FX_BS, -EIO);
    rw16(cdb, 0x88, 48, 4);
    fx_cdb(f, &c, cdb, 16, 4 * FX_BS);
    fx_assert_sense(&c, SCSI_SK_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ_ERROR);
    assert_int_equal(c.cmd.sense[0], 0xf0);                        /* VALID: INFORMATION = LBA */
    assert_int_equal(scsi_get_be32(c.cmd.sense + 3), 48);
    assert_int_equal(c.cmd.data_in_xfer, 0);
    memstore_fail(f->ms, MS_WRITE, 0, FX_BLOCKS * FX_BS, -EIO);
    rw16(cdb, 0x8a, 7, 1);
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, FX_BS);
    fx_assert_sense(&c, SCSI_SK_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
    memstore_fail(f->ms, MS_WRITE, 0, FX_BLOCKS * FX_BS, -ENOSPC);
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, FX_BS);
    fx_assert_sense(&c, SCSI_SK_DATA_PROTECT, SCSI_ASC_SPACE_ALLOC_FAILED_WP);
    memstore_fail(f->ms, 0, 0, 0, 0);
    /* A short transfer is an error too. */
    memstore_short(f->ms, MS_READ);
    rw16(cdb, 0x88, 1, 1);
    fx_cdb(f, &c, cdb, 16, FX_BS);
    fx_assert_sense(&c, SCSI_SK_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ_ERROR);
    memstore_short(f->ms, 0);
    /* A refused submit: BUSY for a full queue, MEDIUM ERROR otherwise. */
    memstore_refuse_next(f->ms, -EAGAIN);
    assert_int_equal(fx_cdb(f, &c, cdb, 16, FX_BS), SCSI_STATUS_BUSY);
    assert_int_equal(c.cmd.sense_len, 0);
    memstore_refuse_next(f->ms, -EIO);
    fx_cdb(f, &c, cdb, 16, FX_BS);
    fx_assert_sense(&c, SCSI_SK_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ_ERROR);
    scsi_lu_get_stats(f->lu, &st);
    assert_true(st.read_errors == 3);
    assert_true(st.write_errors == 2);
    assert_int_equal(fx_cdb(f, &c, cdb, 16, FX_BS), SCSI_STATUS_GOOD);
    fx_free(f);
}

static void write_and_verify_and_verify(void **state)
{
    struct fx *f = setup();
    uint8_t cdb[16];
    struct fx_cmd c;
    (void)state;

    rw10(cdb, 0x2e, 30, 2);
    cdb[1] = 0x02;                                                 /* BYTCHK */
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 10, NULL, 0, pat, 2 * FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->fua_writes, 1);
    assert_int_equal(memstore_counts(f->ms)->reads, 1);            /* read back */
    assert_memory_equal(memstore_data(f->ms) + 30 * FX_BS, pat, 2 * FX_BS);
    rw16(cdb, 0x8e, 40, 1);
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, FX_BS), SCSI_STATUS_GOOD);
    /* VERIFY(16) BYTCHK=1: equal. */
    rw16(cdb, 0x8f, 30, 2);
    cdb[1] = 0x02;
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, 2 * FX_BS), SCSI_STATUS_GOOD);
    /* VERIFY(10) BYTCHK=1: one byte differs -> MISCOMPARE, INFORMATION = its offset. */
    memstore_data(f->ms)[30 * FX_BS + 700] ^= 0xff;
    rw10(cdb, 0x2f, 30, 2);
    cdb[1] = 0x02;
    fx_run(f, &c, &f->a, cdb, 10, NULL, 0, pat, 2 * FX_BS);
    fx_assert_sense(&c, SCSI_SK_MISCOMPARE, SCSI_ASC_MISCOMPARE_DURING_VERIFY);
    assert_int_equal(c.cmd.sense[0], 0xf0);
    assert_int_equal(scsi_get_be32(c.cmd.sense + 3), 700);
    /* BYTCHK=0: the medium is read, no data-out needed. */
    cdb[1] = 0;
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 10, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    memstore_fail(f->ms, MS_READ, 31 * FX_BS, 1, -EIO);
    fx_run(f, &c, &f->a, cdb, 10, NULL, 0, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ_ERROR);
    memstore_fail(f->ms, 0, 0, 0, 0);
    cdb[1] = 0x04;                                                 /* BYTCHK=2: reserved */
    fx_run(f, &c, &f->a, cdb, 10, NULL, 0, NULL, 0);
    fx_assert_field(&c, true, 1, 2);
    fx_free(f);
}

static void synchronize_cache(void **state)
{
    struct fx *f = setup();
    uint8_t s10[10] = { 0x35 }, cdb[16];
    struct fx_cmd c;
    (void)state;

    assert_int_equal(fx_run(f, &c, &f->a, s10, 10, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    rw16(cdb, 0x91, 10, 0);                                        /* 0 blocks: to the end */
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 16, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->flushes, 2);
    rw16(cdb, 0x91, FX_BLOCKS, 0);
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
    memstore_fail(f->ms, MS_FLUSH, 0, 1, -EIO);
    fx_run(f, &c, &f->a, s10, 10, NULL, 0, NULL, 0);
    fx_assert_sense(&c, SCSI_SK_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
    fx_free(f);
}

/* GET LBA STATUS from lba: the first descriptor's status and length. */
static void lba_status(struct fx *f, uint64_t lba, uint8_t *status, uint32_t *len, uint32_t *ndesc)
{
    uint8_t gls[16] = { 0x9e, 0x12 };
    struct fx_cmd c;

    scsi_put_be64(gls + 2, lba);
    scsi_put_be32(gls + 10, 1024);
    assert_int_equal(fx_cdb(f, &c, gls, 16, 1024), SCSI_STATUS_GOOD);
    assert_true(scsi_get_be64(f->in + 8) == lba);
    *ndesc = (scsi_get_be32(f->in) - 4) / 16;
    assert_int_equal(c.cmd.data_in_xfer, 8 + *ndesc * 16);
    *len = scsi_get_be32(f->in + 16);
    *status = f->in[20];
}

static void write_same_and_lba_status(void **state)
{
    struct fx *f = setup();
    uint8_t cdb[16], zero[FX_BS] = { 0 };
    uint8_t st;
    uint32_t len, n;
    struct fx_cmd c;
    (void)state;

    lba_status(f, 0, &st, &len, &n);                               /* never written: deallocated */
    assert_int_equal(st, 1);
    assert_int_equal(len, FX_BLOCKS);
    assert_int_equal(n, 1);
    fx_free(f);
    /* A pattern over more blocks than one 1 MiB chunk holds: two writes. */
    f = fx_new(4096, FX_BS, false);
    fx_clear_ua(f);
    rw16(cdb, 0x93, 10, 2100);
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->writes, 2);
    assert_memory_equal(memstore_data(f->ms) + 10 * FX_BS, pat, FX_BS);
    assert_memory_equal(memstore_data(f->ms) + 2109 * FX_BS, pat, FX_BS);
    assert_int_equal(memstore_data(f->ms)[2110 * FX_BS], 0);
    fx_free(f);
    f = setup();
    rw16(cdb, 0x93, 10, 1000);
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, FX_BS), SCSI_STATUS_GOOD);
    for (unsigned b = 10; b < 1010; b++)
        assert_memory_equal(memstore_data(f->ms) + b * FX_BS, pat, FX_BS);
    assert_int_equal(memstore_data(f->ms)[1010 * FX_BS], 0);
    lba_status(f, 0, &st, &len, &n);
    assert_int_equal(st, 1);
    assert_int_equal(len, 10);
    assert_int_equal(n, 3);                                        /* deallocated, mapped, deallocated */
    assert_int_equal(scsi_get_be32(f->in + 8 + 16 + 8), 1000);
    assert_int_equal(f->in[8 + 16 + 12], 0);
    /* Zeros with UNMAP: deallocated; without: written as zeroes (mapped). */
    rw10(cdb, 0x41, 10, 100);
    cdb[1] = 0x08;
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 10, NULL, 0, zero, FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->discards, 1);
    lba_status(f, 10, &st, &len, &n);
    assert_int_equal(st, 1);
    assert_int_equal(len, 100);
    assert_int_equal(memstore_data(f->ms)[10 * FX_BS], 0);
    rw10(cdb, 0x41, 10, 100);
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 10, NULL, 0, zero, FX_BS), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->zeroes, 1);
    lba_status(f, 10, &st, &len, &n);
    assert_int_equal(st, 0);
    /* NDOB: zeros without a data-out buffer. */
    rw16(cdb, 0x93, 200, 5);
    cdb[1] = 0x09;
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 16, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->discards, 2);
    /* Refusals: ANCHOR, 0 blocks (WSNZ), more than the maximum, no data-out. */
    rw16(cdb, 0x93, 0, 1);
    cdb[1] = 0x10;
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, FX_BS);
    fx_assert_field(&c, true, 1, 4);
    rw16(cdb, 0x93, 0, 0);
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, FX_BS);
    fx_assert_field(&c, true, 10, -1);
    rw16(cdb, 0x93, 0, SCSI_MAX_WRITE_SAME_BLOCKS + 1);
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, FX_BS);
    fx_assert_field(&c, true, 10, -1);
    rw16(cdb, 0x93, 0, 1);
    fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, FX_BS - 1);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CMD_IU);
    /* GET LBA STATUS past the end. */
    {
        uint8_t gls[16] = { 0x9e, 0x12 };

        scsi_put_be64(gls + 2, FX_BLOCKS);
        scsi_put_be32(gls + 10, 64);
        fx_cdb(f, &c, gls, 16, 64);
        fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
    }
    fx_free(f);
}

static void unmap(void **state)
{
    struct fx *f = setup();
    uint8_t um[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0 }, p[64] = { 0 };
    uint8_t cdb[16], st;
    uint32_t len, n;
    struct fx_cmd c;
    (void)state;

    rw16(cdb, 0x93, 0, 64);
    assert_int_equal(fx_run(f, &c, &f->a, cdb, 16, NULL, 0, pat, FX_BS), SCSI_STATUS_GOOD);
    scsi_put_be16(p, 38);
    scsi_put_be16(p + 2, 32);
    scsi_put_be64(p + 8, 4);
    scsi_put_be32(p + 16, 4);
    scsi_put_be64(p + 24, 20);
    scsi_put_be32(p + 32, 2);
    assert_int_equal(fx_run(f, &c, &f->a, um, 10, NULL, 0, p, 40), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->discards, 2);
    assert_int_equal(memstore_data(f->ms)[4 * FX_BS], 0);
    assert_int_equal(memstore_data(f->ms)[8 * FX_BS], pat[0]);
    lba_status(f, 4, &st, &len, &n);
    assert_int_equal(st, 1);
    assert_int_equal(len, 4);
    lba_status(f, 8, &st, &len, &n);
    assert_int_equal(st, 0);
    assert_int_equal(len, 12);
    /* Parameter list length 0: nothing; 1..7: PARAMETER LIST LENGTH ERROR. */
    um[8] = 0;
    assert_int_equal(fx_run(f, &c, &f->a, um, 10, NULL, 0, NULL, 0), SCSI_STATUS_GOOD);
    um[8] = 7;
    fx_run(f, &c, &f->a, um, 10, NULL, 0, p, 7);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
    /* A descriptor length beyond the list. */
    um[8] = 24;
    fx_run(f, &c, &f->a, um, 10, NULL, 0, p, 24);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
    /* A descriptor past the end of the LU; nothing deallocated. */
    um[8] = 40;
    scsi_put_be64(p + 24, FX_BLOCKS - 1);
    fx_run(f, &c, &f->a, um, 10, NULL, 0, p, 40);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
    assert_int_equal(memstore_counts(f->ms)->discards, 2);
    /* Too many blocks in one descriptor: field pointer into the list. */
    scsi_put_be64(p + 24, 0);
    scsi_put_be32(p + 32, SCSI_MAX_UNMAP_BLOCKS + 1);
    fx_run(f, &c, &f->a, um, 10, NULL, 0, p, 40);
    fx_assert_sense(&c, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST);
    fx_assert_field(&c, false, 32, -1);
    /* A trailing partial descriptor is ignored. */
    scsi_put_be32(p + 32, 1);
    scsi_put_be16(p + 2, 20);
    assert_int_equal(fx_run(f, &c, &f->a, um, 10, NULL, 0, p, 40), SCSI_STATUS_GOOD);
    assert_int_equal(memstore_counts(f->ms)->discards, 3);
    /* A discard failure. */
    memstore_fail(f->ms, MS_DISCARD, 0, FX_BLOCKS * FX_BS, -EIO);
    fx_run(f, &c, &f->a, um, 10, NULL, 0, p, 40);
    fx_assert_sense(&c, SCSI_SK_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
    fx_free(f);
}

static void read_capacity(void **state)
{
    struct fx *f = setup();
    uint8_t rc10[10] = { 0x25 }, rc16[16] = { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0 };
    struct fx_cmd c;
    (void)state;

    assert_int_equal(fx_cdb(f, &c, rc10, 10, 8), SCSI_STATUS_GOOD);
    assert_int_equal(scsi_get_be32(f->in), FX_BLOCKS - 1);
    assert_int_equal(scsi_get_be32(f->in + 4), FX_BS);
    rc10[5] = 1;                                                   /* an LBA without PMI */
    fx_cdb(f, &c, rc10, 10, 8);
    fx_assert_field(&c, true, 2, -1);
    assert_int_equal(fx_cdb(f, &c, rc16, 16, 32), SCSI_STATUS_GOOD);
    assert_true(scsi_get_be64(f->in) == FX_BLOCKS - 1);
    assert_int_equal(scsi_get_be32(f->in + 8), FX_BS);
    assert_int_equal(f->in[14], 0xc0);                             /* LBPME, LBPRZ */
    rc16[13] = 12;                                                 /* truncated */
    assert_int_equal(fx_cdb(f, &c, rc16, 16, 32), SCSI_STATUS_GOOD);
    assert_int_equal(c.cmd.data_in_xfer, 12);
    assert_int_equal(c.cmd.residual, 20);
    assert_int_equal(f->in[12], 0xee);
    fx_free(f);
}

static void many_in_flight_and_abort(void **state)
{
    struct fx *f = setup();
    static struct fx_cmd cs[32];
    static uint8_t bufs[32][FX_BS];
    uint8_t cdb[10];
    struct scsi_lu_stats st;
    (void)state;

    for (unsigned i = 0; i < FX_BLOCKS; i++)
        memset(memstore_data(f->ms) + i * FX_BS, (int)(i & 0xff), FX_BS);
    for (unsigned i = 0; i < 32; i++) {
        rw10(cdb, 0x28, i * 7, 1);
        fx_prep(&cs[i], i % 2 ? &f->b : &f->a, 0, cdb, 10, bufs[i], FX_BS, NULL, 0);
        fx_submit(f, &cs[i]);
        assert_int_equal(cs[i].done, 0);
    }
    assert_int_equal(memstore_queued(f->ms), 32);
    assert_int_equal(scsi_lu_in_flight(f->lu), 32);
    scsi_lu_abort_nexus(f->lu, &f->b);                             /* the odd ones */
    memstore_run(f->ms);
    for (unsigned i = 0; i < 32; i++) {
        assert_int_equal(cs[i].done, 1);
        if (i % 2) {
            assert_int_equal(cs[i].cmd.status, SCSI_STATUS_TASK_ABORTED);
            assert_int_equal(cs[i].cmd.data_in_xfer, 0);
        } else {
            assert_int_equal(cs[i].cmd.status, SCSI_STATUS_GOOD);
            assert_int_equal(bufs[i][0], (i * 7) & 0xff);
        }
    }
    scsi_lu_get_stats(f->lu, &st);
    assert_true(st.aborted == 16);
    assert_int_equal(scsi_lu_in_flight(f->lu), 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_write_all_sizes),
        cmocka_unit_test(aligned_store_uses_bounce_buffers),
        cmocka_unit_test(medium_errors),
        cmocka_unit_test(write_and_verify_and_verify),
        cmocka_unit_test(synchronize_cache),
        cmocka_unit_test(write_same_and_lba_status),
        cmocka_unit_test(unmap),
        cmocka_unit_test(read_capacity),
        cmocka_unit_test(many_in_flight_and_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
