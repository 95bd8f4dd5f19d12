/* SPDX-License-Identifier: MIT */
/*
 * scsi_store_check.c - the SCSI target over the real LU store, through its
 * public API only (scsi_lu_store_open, scsi_submit, lu_store_fd/dispatch):
 *
 *   pattern    64 MiB written with WRITE(16) and read back with READ(16),
 *              32 commands in flight, checked block by block through the
 *              target and against the file itself
 *   unmap      UNMAP of two ranges; they read back as zeros, GET LBA STATUS
 *              reports them deallocated, their neighbours keep their data
 *   faults     the store's fault-injection hook and a backing file truncated
 *              under the LU give MEDIUM ERROR (UNRECOVERED READ ERROR /
 *              WRITE ERROR) with the command's LBA in INFORMATION, counted
 *              per LU; nothing else is disturbed
 *   readonly   a read-only store and a read-only LU over a writable store
 *              refuse writes with DATA PROTECT / WRITE PROTECTED; the file
 *              is unchanged
 *   bounce     (O_DIRECT only) unaligned initiator buffers are bounced
 *
 * Usage: scsi_store_check DIR uring|sync [direct]
 * Prints one "ok"/"FAIL" line per check; exit 0 when all pass, 77 when the
 * engine asked for cannot run here (io_uring refused by the kernel, O_DIRECT
 * refused by DIR's file system), 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/lu/lu_store.h"
#include "backend/scsi/scsi_dev.h"
#include "backend/scsi/scsi_lu_store.h"
#include "xvios/clock.h"
#include "xvios/log.h"

#define LU_BYTES      (64ull << 20)
#define BS            512u
#define LU_BLOCKS     (LU_BYTES / BS)
#define CMD_BLOCKS    256u                      /* 128 KiB per command */
#define QD            32u
#define WAIT_MS       30000u

#define SK_MEDIUM_ERROR   0x3
#define SK_DATA_PROTECT   0x7
#define ASC_READ_ERROR    0x1100
#define ASC_WRITE_ERROR   0x0c00
#define ASC_WRITE_PROT    0x2700

static unsigned n_fail;

static void check(bool cond, const char *fmt, ...)
{
    va_list ap;

    printf("%s - ", cond ? "ok  " : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    if (!cond)
        n_fail++;
}

/* ------------------------------------------------------------ one LU being driven */
struct rig {
    struct scsi_lu_store *sls;
    struct scsi_lu *lu;
    struct lu_store *store;
    struct scsi_dev *dev;
    struct scsi_nexus nexus;
    unsigned completed;
    unsigned peak_in_flight;
    char path[512];
};

struct icmd {
    struct scsi_cmd cmd;
    struct rig *rig;
    unsigned done;
    unsigned slot;
};

static void on_done(struct scsi_cmd *cmd)
{
    struct icmd *c = (struct icmd *)cmd;

    c->done++;
    c->rig->completed++;
}

/* Runs the store until rig->completed reaches target; false on a stuck store (deadline) or an error. */
static bool pump_until(struct rig *r, unsigned target)
{
    struct timespec deadline = xvios_deadline_ms(WAIT_MS);

    while (r->completed < target) {
        struct pollfd p = { .fd = lu_store_fd(r->store), .events = POLLIN };
        int n;

        if (xvios_ts_passed(&deadline)) {
            fprintf(stderr, "no completion for %u ms (%u of %u)\n", WAIT_MS, r->completed, target);
            return false;
        }
        n = poll(&p, 1, xvios_poll_timeout(&deadline, 1000));
        if (n < 0 && errno != EINTR)
            return false;
        if (n > 0 && lu_store_dispatch(r->store) < 0)
            return false;
    }
    return true;
}

static void prep(struct icmd *c, struct rig *r, const uint8_t *cdb, uint8_t cdb_len, void *in, uint32_t in_len,
                 const void *out, uint32_t out_len)
{
    memset(c, 0, sizeof(*c));
    c->rig = r;
    c->cmd.nexus = &r->nexus;
    c->cmd.lun = 0;
    memcpy(c->cmd.cdb, cdb, cdb_len);
    c->cmd.cdb_len = cdb_len;
    c->cmd.data_in = in;
    c->cmd.data_in_len = in_len;
    c->cmd.data_out = out;
    c->cmd.data_out_len = out_len;
    c->cmd.done = on_done;
}

static void submit(struct rig *r, struct icmd *c)
{
    unsigned n;

    scsi_submit(r->dev, &c->cmd);
    n = scsi_lu_in_flight(r->lu);
    if (n > r->peak_in_flight)
        r->peak_in_flight = n;
}

/* One command to completion; its status (0xff if it never completed or completed twice). */
static int run(struct rig *r, struct icmd *c, const uint8_t *cdb, uint8_t cdb_len, void *in, uint32_t in_len,
               const void *out, uint32_t out_len)
{
    prep(c, r, cdb, cdb_len, in, in_len, out, out_len);
    submit(r, c);
    if (!pump_until(r, r->completed + (c->done ? 0 : 1)) || c->done != 1)
        return 0xff;
    return c->cmd.status;
}

static void cdb_rw16(uint8_t *cdb, uint8_t op, uint64_t lba, uint32_t blocks)
{
    memset(cdb, 0, 16);
    cdb[0] = op;
    scsi_put_be64(cdb + 2, lba);
    scsi_put_be32(cdb + 10, blocks);
}

/* Fixed-format sense: key, asc/ascq and, when VALID, the INFORMATION field. */
static bool sense_is(const struct scsi_cmd *c, uint8_t key, uint16_t asc)
{
    return c->status == 0x02 && c->sense_len >= 18 && (c->sense[0] & 0x7f) == 0x70 &&
           (c->sense[2] & 0x0f) == key && c->sense[12] == asc >> 8 && c->sense[13] == (asc & 0xff);
}

static bool sense_info_is(const struct scsi_cmd *c, uint64_t info)
{
    return (c->sense[0] & 0x80) && scsi_get_be32(c->sense + 3) == info;
}

/* ------------------------------------------------------------ the pattern */
/* Block lba holds its own number and a generation stamp, so a misplaced or stale block is caught. */
static void fill_block(uint8_t *b, uint64_t lba, uint32_t gen)
{
    uint64_t x = lba * 0x9e3779b97f4a7c15ull ^ gen;

    for (unsigned i = 0; i < BS; i += 8) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        memcpy(b + i, &x, 8);
    }
    memcpy(b, &lba, 8);
    memcpy(b + 8, &gen, 4);
}

static bool block_ok(const uint8_t *b, uint64_t lba, uint32_t gen)
{
    uint8_t want[BS];

    fill_block(want, lba, gen);
    return memcmp(b, want, BS) == 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* ------------------------------------------------------------ opening */
struct mode {
    enum lu_store_engine engine;
    bool direct;
    const char *dir;
};

static int make_file(const char *path, uint64_t size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = 0;

    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)size) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

static int rig_open(struct rig *r, const struct mode *m, const char *name, bool store_ro, bool lu_ro, bool create)
{
    struct scsi_lu_store_opts o = { 0 };
    int rc;

    memset(r, 0, sizeof(*r));
    snprintf(r->path, sizeof(r->path), "%s/%s", m->dir, name);
    if (create && (rc = make_file(r->path, LU_BYTES)) < 0)
        return rc;
    o.store = (struct lu_store_opts){ .path = r->path, .read_only = store_ro, .direct = m->direct,
                                      .block_size = BS, .engine = m->engine, .queue_depth = 64 };
    o.lu = (struct scsi_lu_opts){ .serial = "XVIT0001", .ieee_company_id = 0x5a5a5a, .read_only = lu_ro };
    rc = scsi_lu_store_open(&o, &r->sls);
    if (rc < 0)
        return rc;
    r->lu = scsi_lu_store_lu(r->sls);
    r->store = scsi_lu_store_backing(r->sls);
    r->dev = scsi_dev_new();
    if (!r->dev || scsi_dev_map_lun(r->dev, 0, r->lu) < 0) {
        scsi_dev_free(r->dev);
        scsi_lu_store_close(r->sls);
        return -ENOMEM;
    }
    r->nexus.initiator = 0x1001;
    r->nexus.target_port = 1;
    return 0;
}

static void rig_close(struct rig *r)
{
    scsi_dev_free(r->dev);
    scsi_lu_store_close(r->sls);
}

/* The first command of a nexus reports POWER ON; clear it with TEST UNIT READY. */
static void clear_ua(struct rig *r)
{
    static const uint8_t tur[6] = { 0 };
    struct icmd c;

    run(r, &c, tur, 6, NULL, 0, NULL, 0);
    check(run(r, &c, tur, 6, NULL, 0, NULL, 0) == 0, "TEST UNIT READY good after the power-on unit attention");
}

/* ------------------------------------------------------------ pattern write + read back */
struct stream {
    struct rig *r;
    struct icmd cmds[QD];
    uint8_t *bufs[QD];
    uint64_t next_lba;
    uint32_t gen;
    bool write;
    unsigned bad_status, bad_data;
};

static void stream_issue(struct stream *s, unsigned slot);

static void stream_done(struct scsi_cmd *cmd)
{
    struct icmd *c = (struct icmd *)cmd;
    struct stream *s = (struct stream *)cmd->opaque;
    uint64_t lba = scsi_get_be64(cmd->cdb + 2);

    on_done(cmd);
    if (cmd->status != 0 || c->done != 1) {
        if (s->bad_status++ < 5)
            fprintf(stderr, "LBA %llu: status 0x%02x, done %u\n", (unsigned long long)lba, cmd->status, c->done);
    } else if (!s->write) {
        for (unsigned b = 0; b < CMD_BLOCKS; b++)
            if (!block_ok(s->bufs[c->slot] + (size_t)b * BS, lba + b, s->gen) && s->bad_data++ < 5)
                fprintf(stderr, "LBA %llu: wrong data\n", (unsigned long long)(lba + b));
    }
    stream_issue(s, c->slot);                          /* the next command, from inside the completion */
}

static void stream_issue(struct stream *s, unsigned slot)
{
    struct icmd *c = &s->cmds[slot];
    uint8_t cdb[16];
    uint64_t lba = s->next_lba;

    if (lba >= LU_BLOCKS)
        return;
    s->next_lba += CMD_BLOCKS;
    if (s->write)
        for (unsigned b = 0; b < CMD_BLOCKS; b++)
            fill_block(s->bufs[slot] + (size_t)b * BS, lba + b, s->gen);
    cdb_rw16(cdb, s->write ? 0x8a : 0x88, lba, CMD_BLOCKS);
    if (s->write)
        prep(c, s->r, cdb, 16, NULL, 0, s->bufs[slot], CMD_BLOCKS * BS);
    else
        prep(c, s->r, cdb, 16, s->bufs[slot], CMD_BLOCKS * BS, NULL, 0);
    c->slot = slot;
    c->cmd.opaque = s;
    c->cmd.done = stream_done;
    submit(s->r, c);
}

static bool stream_run(struct stream *s, bool write)
{
    unsigned start = s->r->completed;

    s->write = write;
    s->next_lba = 0;
    s->bad_status = s->bad_data = 0;
    s->r->peak_in_flight = 0;
    for (unsigned i = 0; i < QD; i++)
        stream_issue(s, i);
    return pump_until(s->r, start + (unsigned)(LU_BLOCKS / CMD_BLOCKS));
}

/* The file itself holds the pattern at the right offsets. */
static bool file_holds_pattern(const char *path, uint32_t gen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    uint8_t *chunk = malloc(1u << 20);
    bool ok = fd >= 0 && chunk;

    for (uint64_t off = 0; ok && off < LU_BYTES; off += 1u << 20) {
        if (pread(fd, chunk, 1u << 20, (off_t)off) != (ssize_t)(1u << 20)) {
            ok = false;
            break;
        }
        for (unsigned b = 0; ok && b < (1u << 20) / BS; b++)
            ok = block_ok(chunk + (size_t)b * BS, off / BS + b, gen);
    }
    if (fd >= 0)
        close(fd);
    free(chunk);
    return ok;
}

static void test_pattern(struct rig *r, struct stream *s)
{
    struct lu_store_stats st;
    struct timespec t0 = xvios_now();

    s->gen = 0xc0ffee01;
    check(stream_run(s, true) && s->bad_status == 0, "64 MiB written with WRITE(16), %u commands of %u KiB",
          (unsigned)(LU_BLOCKS / CMD_BLOCKS), CMD_BLOCKS * BS / 1024);
    check(s->r->peak_in_flight == QD, "%u commands in flight at once (peak %u)", QD, s->r->peak_in_flight);
    check(stream_run(s, false) && s->bad_status == 0 && s->bad_data == 0,
          "64 MiB read back with READ(16), every block as written");
    check(s->r->peak_in_flight == QD, "%u reads in flight at once (peak %u)", QD, s->r->peak_in_flight);
    check(file_holds_pattern(r->path, s->gen), "the backing file holds every block at its offset");
    lu_store_get_stats(r->store, &st);
    check(st.bytes_written >= LU_BYTES && st.bytes_read >= LU_BYTES && st.io_errors == 0,
          "store counted %llu MiB written, %llu MiB read, no errors",
          (unsigned long long)(st.bytes_written >> 20), (unsigned long long)(st.bytes_read >> 20));
    printf("     (pattern write + read back: %lld ms)\n", (long long)xvios_ts_diff_ms(t0, xvios_now()));
}

/* ------------------------------------------------------------ UNMAP */
static void test_unmap(struct rig *r, struct stream *s, uint8_t *buf)
{
    static const struct { uint64_t lba; uint32_t n; } ranges[2] = { { 4096, 4096 }, { 65536, 2048 } };
    uint8_t cdb[16] = { 0 }, param[8 + 2 * 16] = { 0 }, cap[32], gls[8 + 4 * 16];
    struct icmd c;
    bool ok = true;

    memset(cdb, 0, sizeof(cdb));
    cdb[0] = 0x9e;
    cdb[1] = 0x10;
    scsi_put_be32(cdb + 10, sizeof(cap));
    check(run(r, &c, cdb, 16, cap, sizeof(cap), NULL, 0) == 0 && (cap[14] & 0xc0) == 0xc0 &&
          scsi_get_be64(cap) == LU_BLOCKS - 1 && scsi_get_be32(cap + 8) == BS,
          "READ CAPACITY(16): %llu blocks of %u, LBPME and LBPRZ", (unsigned long long)LU_BLOCKS, BS);

    scsi_put_be16(param, 6 + 2 * 16);
    scsi_put_be16(param + 2, 2 * 16);
    for (unsigned i = 0; i < 2; i++) {
        scsi_put_be64(param + 8 + i * 16, ranges[i].lba);
        scsi_put_be32(param + 8 + i * 16 + 8, ranges[i].n);
    }
    memset(cdb, 0, sizeof(cdb));
    cdb[0] = 0x42;
    scsi_put_be16(cdb + 7, sizeof(param));
    check(run(r, &c, cdb, 10, NULL, 0, param, sizeof(param)) == 0, "UNMAP of two ranges");

    for (unsigned i = 0; i < 2; i++) {
        uint64_t lba = ranges[i].lba;

        /* One command covers the block before, the range, and the block after. */
        cdb_rw16(cdb, 0x88, lba - 1, ranges[i].n + 2);
        ok = run(r, &c, cdb, 16, buf, (ranges[i].n + 2) * BS, NULL, 0) == 0 &&
             block_ok(buf, lba - 1, s->gen) && all_zero(buf + BS, (size_t)ranges[i].n * BS) &&
             block_ok(buf + (size_t)(ranges[i].n + 1) * BS, lba + ranges[i].n, s->gen);
        check(ok, "LBA %llu+%u reads back as zeros, its neighbours keep their data",
              (unsigned long long)lba, ranges[i].n);
    }

    /* GET LBA STATUS from the block before the first range: mapped 1, deallocated 4096, mapped... */
    memset(cdb, 0, sizeof(cdb));
    cdb[0] = 0x9e;
    cdb[1] = 0x12;
    scsi_put_be64(cdb + 2, ranges[0].lba - 1);
    scsi_put_be32(cdb + 10, sizeof(gls));
    ok = run(r, &c, cdb, 16, gls, sizeof(gls), NULL, 0) == 0 && scsi_get_be32(gls) >= 4 + 3 * 16;
    ok = ok && scsi_get_be64(gls + 8) == ranges[0].lba - 1 && scsi_get_be32(gls + 16) == 1 && gls[20] == 0;
    ok = ok && scsi_get_be64(gls + 24) == ranges[0].lba && scsi_get_be32(gls + 32) == ranges[0].n &&
         gls[36] == 1;
    ok = ok && scsi_get_be64(gls + 40) == ranges[0].lba + ranges[0].n && gls[52] == 0;
    check(ok, "GET LBA STATUS: LBA %llu+%u deallocated between mapped extents",
          (unsigned long long)ranges[0].lba, ranges[0].n);
    memset(cdb, 0, sizeof(cdb));
    cdb[0] = 0x9e;
    cdb[1] = 0x12;
    scsi_put_be64(cdb + 2, ranges[1].lba);
    scsi_put_be32(cdb + 10, sizeof(gls));
    ok = run(r, &c, cdb, 16, gls, sizeof(gls), NULL, 0) == 0 && scsi_get_be64(gls + 8) == ranges[1].lba &&
         scsi_get_be32(gls + 16) == ranges[1].n && gls[20] == 1;
    check(ok, "GET LBA STATUS at LBA %llu: %u blocks deallocated", (unsigned long long)ranges[1].lba,
          ranges[1].n);

    /* Written again, the range is mapped and holds data. */
    for (unsigned b = 0; b < 8; b++)
        fill_block(buf + b * BS, ranges[1].lba + b, s->gen);
    cdb_rw16(cdb, 0x8a, ranges[1].lba, 8);
    check(run(r, &c, cdb, 16, NULL, 0, buf, 8 * BS) == 0, "WRITE(16) into the deallocated range");
    memset(buf, 0, 8 * BS);
    cdb_rw16(cdb, 0x88, ranges[1].lba, 8);
    ok = run(r, &c, cdb, 16, buf, 8 * BS, NULL, 0) == 0;
    for (unsigned b = 0; ok && b < 8; b++)
        ok = block_ok(buf + b * BS, ranges[1].lba + b, s->gen);
    check(ok, "and reads it back");
}

/* ------------------------------------------------------------ failing backing */
static void test_faults(struct rig *r, struct stream *s, uint8_t *buf)
{
    struct scsi_lu_stats before, after;
    uint8_t cdb[16];
    struct icmd c;
    const uint64_t bad_lba = 100000;
    int fd;

    scsi_lu_get_stats(r->lu, &before);
    check(lu_store_inject_error(r->store, bad_lba * BS, BS, EIO) == 0, "fault injected at LBA %llu",
          (unsigned long long)bad_lba);
    cdb_rw16(cdb, 0x88, bad_lba - 3, 8);
    run(r, &c, cdb, 16, buf, 8 * BS, NULL, 0);
    check(sense_is(&c.cmd, SK_MEDIUM_ERROR, ASC_READ_ERROR) && sense_info_is(&c.cmd, bad_lba - 3),
          "READ(16) over it: MEDIUM ERROR, UNRECOVERED READ ERROR, INFORMATION = LBA %llu",
          (unsigned long long)(bad_lba - 3));
    check(c.cmd.data_in_xfer == 0 && c.cmd.residual == 8 * BS, "no data reported for the failed read");
    cdb_rw16(cdb, 0x8a, bad_lba, 1);
    run(r, &c, cdb, 16, NULL, 0, buf, BS);
    check(sense_is(&c.cmd, SK_MEDIUM_ERROR, ASC_WRITE_ERROR) && sense_info_is(&c.cmd, bad_lba),
          "WRITE(16) over it: MEDIUM ERROR, WRITE ERROR, INFORMATION = LBA %llu", (unsigned long long)bad_lba);
    cdb_rw16(cdb, 0x88, bad_lba + 1, 8);
    check(run(r, &c, cdb, 16, buf, 8 * BS, NULL, 0) == 0 && block_ok(buf, bad_lba + 1, s->gen),
          "the blocks next to it still read");
    scsi_lu_get_stats(r->lu, &after);
    check(after.read_errors == before.read_errors + 1 && after.write_errors == before.write_errors + 1,
          "the LU counted one read and one write error");
    lu_store_clear_injected(r->store);
    cdb_rw16(cdb, 0x88, bad_lba - 3, 8);
    check(run(r, &c, cdb, 16, buf, 8 * BS, NULL, 0) == 0 && block_ok(buf, bad_lba - 3, s->gen),
          "with the fault cleared the range reads again");

    /* The file shrinks under the LU: reads past the new end fail, reads before it still work. */
    fd = open(r->path, O_WRONLY | O_CLOEXEC);
    check(fd >= 0 && ftruncate(fd, (off_t)(LU_BYTES / 2)) == 0, "backing file truncated to 32 MiB under the LU");
    if (fd >= 0)
        close(fd);
    cdb_rw16(cdb, 0x88, LU_BLOCKS / 2 + 10, 4);
    run(r, &c, cdb, 16, buf, 4 * BS, NULL, 0);
    check(sense_is(&c.cmd, SK_MEDIUM_ERROR, ASC_READ_ERROR) && sense_info_is(&c.cmd, LU_BLOCKS / 2 + 10),
          "READ(16) beyond the file's new end: MEDIUM ERROR, INFORMATION = LBA %llu",
          (unsigned long long)(LU_BLOCKS / 2 + 10));
    cdb_rw16(cdb, 0x88, LU_BLOCKS / 2 - 4, 8);
    run(r, &c, cdb, 16, buf, 8 * BS, NULL, 0);
    check(sense_is(&c.cmd, SK_MEDIUM_ERROR, ASC_READ_ERROR) && sense_info_is(&c.cmd, LU_BLOCKS / 2 - 4),
          "READ(16) straddling the new end: MEDIUM ERROR (a short read is an error)");
    cdb_rw16(cdb, 0x88, LU_BLOCKS / 2 - 8, 8);
    check(run(r, &c, cdb, 16, buf, 8 * BS, NULL, 0) == 0 && block_ok(buf, LU_BLOCKS / 2 - 8, s->gen),
          "READ(16) before the new end still good");
    scsi_lu_get_stats(r->lu, &after);
    check(after.read_errors == before.read_errors + 3, "the LU counted %llu read errors in all",
          (unsigned long long)(after.read_errors - before.read_errors));
}

/* ------------------------------------------------------------ O_DIRECT and unaligned buffers */
static void test_bounce(struct rig *r, struct stream *s)
{
    uint8_t *raw = malloc(8 * BS + 8), *odd = raw + 3;
    uint8_t cdb[16];
    struct icmd c;
    bool ok;

    if (!raw) {
        check(false, "memory");
        return;
    }
    for (unsigned b = 0; b < 8; b++)
        fill_block(odd + b * BS, 2000 + b, s->gen + 1);
    cdb_rw16(cdb, 0x8a, 2000, 8);
    check(run(r, &c, cdb, 16, NULL, 0, odd, 8 * BS) == 0, "O_DIRECT: WRITE(16) from an unaligned buffer");
    memset(raw, 0, 8 * BS + 8);
    cdb_rw16(cdb, 0x88, 2000, 8);
    ok = run(r, &c, cdb, 16, odd, 8 * BS, NULL, 0) == 0 && c.cmd.data_in_xfer == 8 * BS;
    for (unsigned b = 0; ok && b < 8; b++)
        ok = block_ok(odd + b * BS, 2000 + b, s->gen + 1);
    check(ok, "O_DIRECT: READ(16) into an unaligned buffer returns the data");
    free(raw);
}

/* ------------------------------------------------------------ closing with commands in flight */
static void test_close_in_flight(const struct mode *m, struct stream *s)
{
    struct rig r;
    unsigned good = 0, aborted = 0, other = 0, twice = 0;
    int rc = rig_open(&r, m, "lu.img", false, false, false);

    check(rc == 0, "LU reopened for closing under load");
    if (rc)
        return;
    clear_ua(&r);
    for (unsigned i = 0; i < QD; i++) {
        uint8_t cdb[16];

        cdb_rw16(cdb, 0x88, (uint64_t)i * CMD_BLOCKS, CMD_BLOCKS);
        prep(&s->cmds[i], &r, cdb, 16, s->bufs[i], CMD_BLOCKS * BS, NULL, 0);
        submit(&r, &s->cmds[i]);
    }
    scsi_dev_free(r.dev);
    scsi_lu_store_close(r.sls);                        /* with QD commands in flight */
    for (unsigned i = 0; i < QD; i++) {
        const struct icmd *c = &s->cmds[i];

        twice += c->done != 1;
        good += c->done == 1 && c->cmd.status == 0x00;
        aborted += c->done == 1 && c->cmd.status == 0x40;
        other += c->done == 1 && c->cmd.status != 0x00 && c->cmd.status != 0x40;
    }
    check(twice == 0 && other == 0 && good + aborted == QD,
          "closed with %u reads in flight: each completed once (%u good, %u TASK ABORTED, %u otherwise)", QD,
          good, aborted, other);
}

/* ------------------------------------------------------------ read-only */
static bool file_sum(const char *path, uint64_t *sum)
{
    uint8_t b[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    *sum = 1469598103934665603ull;
    if (fd < 0)
        return false;
    while ((n = read(fd, b, sizeof(b))) > 0)
        for (ssize_t i = 0; i < n; i++)
            *sum = (*sum ^ b[i]) * 1099511628211ull;
    close(fd);
    return n == 0;
}

static void test_readonly(const struct mode *m, uint8_t *buf)
{
    static const char *const what[2] = { "read-only store", "read-only LU over a writable store" };
    uint64_t sum0 = 0, sum1 = 0;
    struct rig r;
    int rc;

    for (unsigned k = 0; k < 2; k++) {
        uint8_t cdb[16];
        struct icmd c;

        rc = rig_open(&r, m, "ro.img", k == 0, k == 1, k == 0);
        check(rc == 0, "%s opened (%s)", what[k], rc ? strerror(-rc) : "ok");
        if (rc)
            return;
        if (k == 0) {
            /* Some data to protect. */
            int fd = open(r.path, O_WRONLY | O_CLOEXEC);
            memset(buf, 0x5a, 4 * BS);
            if (fd < 0 || pwrite(fd, buf, 4 * BS, 0) != 4 * BS)
                check(false, "seeding the read-only file");
            if (fd >= 0)
                close(fd);
        }
        file_sum(r.path, &sum0);
        clear_ua(&r);
        cdb_rw16(cdb, 0x8a, 0, 4);
        memset(buf, 0xa5, 4 * BS);
        run(&r, &c, cdb, 16, NULL, 0, buf, 4 * BS);
        check(sense_is(&c.cmd, SK_DATA_PROTECT, ASC_WRITE_PROT), "%s: WRITE(16) refused, WRITE PROTECTED", what[k]);
        memset(cdb, 0, 16);
        cdb[0] = 0x93;                                 /* WRITE SAME(16), one zero block, UNMAP bit */
        cdb[1] = 0x08;
        scsi_put_be64(cdb + 2, 0);
        scsi_put_be32(cdb + 10, 4);
        memset(buf, 0, BS);
        run(&r, &c, cdb, 16, NULL, 0, buf, BS);
        check(sense_is(&c.cmd, SK_DATA_PROTECT, ASC_WRITE_PROT), "%s: WRITE SAME(16) refused, WRITE PROTECTED",
              what[k]);
        cdb_rw16(cdb, 0x88, 0, 4);
        check(run(&r, &c, cdb, 16, buf, 4 * BS, NULL, 0) == 0 && buf[0] == 0x5a && buf[4 * BS - 1] == 0x5a,
              "%s: READ(16) good, the old data", what[k]);
        rig_close(&r);
        check(file_sum(r.path, &sum1) && sum0 == sum1, "%s: the file is unchanged", what[k]);
    }
    unlink(r.path);
}

int main(int argc, char **argv)
{
    struct mode m = { 0 };
    struct stream *s = NULL;
    uint8_t *buf = NULL;
    struct rig r;
    int rc;

    if (argc < 3 || (strcmp(argv[2], "uring") && strcmp(argv[2], "sync")) ||
        (argc > 3 && strcmp(argv[3], "direct"))) {
        fprintf(stderr, "usage: %s DIR uring|sync [direct]\n", argv[0]);
        return 2;
    }
    xvios_log_set_level(XVIOS_LOG_ERR);
    m.dir = argv[1];
    m.engine = strcmp(argv[2], "uring") ? LU_STORE_ENGINE_SYNC : LU_STORE_ENGINE_URING;
    m.direct = argc > 3;
    rc = rig_open(&r, &m, "lu.img", false, false, true);
    if (rc == -EINVAL && m.direct) {
        printf("skip - O_DIRECT refused by the file system of %s\n", m.dir);
        return 77;
    }
    if (rc < 0 && m.engine == LU_STORE_ENGINE_URING && (rc == -ENOSYS || rc == -EPERM || rc == -EOPNOTSUPP)) {
        printf("skip - io_uring refused by this kernel: %s\n", strerror(-rc));
        return 77;
    }
    if (rc < 0) {
        printf("FAIL - opening the LU: %s\n", strerror(-rc));
        return 1;
    }
    printf("engine %s%s, %llu MiB LU, %u-byte blocks\n", lu_store_info(r.store)->engine,
           lu_store_info(r.store)->direct ? ", O_DIRECT" : "", (unsigned long long)(LU_BYTES >> 20), BS);
    check(strcmp(lu_store_info(r.store)->engine, m.engine == LU_STORE_ENGINE_URING ? "io_uring" : "sync") == 0,
          "the store runs the %s engine", argv[2]);
    s = calloc(1, sizeof(*s));
    buf = lu_store_alloc_buf(8u << 20);
    if (!s || !buf) {
        printf("FAIL - memory\n");
        rc = 1;
        goto out;
    }
    s->r = &r;
    for (unsigned i = 0; i < QD; i++) {
        s->bufs[i] = lu_store_alloc_buf(CMD_BLOCKS * BS);
        if (!s->bufs[i]) {
            printf("FAIL - memory\n");
            rc = 1;
            goto out;
        }
    }
    clear_ua(&r);
    test_pattern(&r, s);
    test_unmap(&r, s, buf);
    if (m.direct)
        test_bounce(&r, s);
    test_faults(&r, s, buf);
    check(scsi_lu_in_flight(r.lu) == 0 && lu_store_in_flight(r.store) == 0, "nothing left in flight");
out:
    rig_close(&r);
    if (s && rc == 0)
        test_close_in_flight(&m, s);
    unlink(r.path);
    if (buf)
        test_readonly(&m, buf);
    for (unsigned i = 0; s && i < QD; i++)
        lu_store_free_buf(s->bufs[i]);
    free(s);
    lu_store_free_buf(buf);
    printf("%u failure(s)\n", n_fail);
    return n_fail || rc ? 1 : 0;
}
