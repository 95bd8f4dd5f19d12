/* SPDX-License-Identifier: MIT */
/*
 * bench_scsi.c - the cost of the SCSI emulation (dispatcher + LU store,
 * io_uring engine) against a raw io_uring loop, in the same run on the same
 * 256 MiB file.
 *
 * Measured: 4 KiB random reads at queue depth 1 and 32 as READ(16) CDBs
 * through scsi_submit on an LU opened with scsi_lu_store_open (512-byte
 * blocks, 8 per read, read-only, O_DIRECT when the file system allows it);
 * the event loop polls lu_store_fd() and dispatches, and each completion
 * submits the next command. Baseline: the same offsets from a bare liburing
 * loop (bench_uring_raw.h). Per queue depth, BENCH_ROUNDS short rounds
 * alternate raw and emulation so a change in the machine's load hits both
 * alike; the ratios printed are the medians of the per-round ratios. Prints
 * IOPS, mean latency and the ratios emulation/raw; never asserts on timing.
 *
 * Env: TMPDIR (where the file goes), BENCH_SECONDS per half-round (default
 *      0.12), BENCH_ROUNDS (default 16).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "backend/lu/lu_store.h"
#include "backend/scsi/scsi_dev.h"
#include "backend/scsi/scsi_lu_store.h"
#include "tests/bench/bench_stats.h"
#include "tests/bench/bench_uring_raw.h"
#include "xvios/log.h"

#define FILE_SIZE (256ull << 20)
#define IO_BYTES  4096u
#define LU_BS     512u
#define MAX_ROUNDS 100u

struct emu_cmd {
    struct scsi_cmd cmd;
    struct emu_run *r;
    unsigned slot;
};

struct emu_run {
    struct scsi_dev *dev;
    struct scsi_nexus nexus;
    void **bufs;
    struct emu_cmd cmds[BENCH_MAX_QD];
    double start_us[BENCH_MAX_QD];
    uint64_t rng, n_ios;
    double t0, t_warm, t_end, lat_sum;
    bool measuring, stop;
    unsigned inflight;
    int err;
    struct bench_io_result *out;
};

static void emu_submit(struct emu_run *r, unsigned slot);

static void emu_done(struct scsi_cmd *cmd)
{
    struct emu_cmd *c = (struct emu_cmd *)cmd;
    struct emu_run *r = c->r;
    double now = bench_now_us();

    r->inflight--;
    if (cmd->status != SCSI_STATUS_GOOD || cmd->data_in_xfer != IO_BYTES) {
        r->err = -EIO;
        r->stop = true;
        return;
    }
    if (!r->measuring && now >= r->t_warm) {
        r->measuring = true;
        r->t0 = now;
    }
    if (now >= r->t_end)
        r->stop = true;
    if (r->measuring && !r->stop) {
        r->out->ops++;
        r->lat_sum += now - r->start_us[c->slot];
    }
    if (!r->stop)
        emu_submit(r, c->slot);
}

static void emu_submit(struct emu_run *r, unsigned slot)
{
    struct emu_cmd *c = &r->cmds[slot];
    uint64_t lba = bench_rand_block(&r->rng, r->n_ios) * (IO_BYTES / LU_BS);

    /* Only what changes per command is rewritten: the CDB's LBA (the rest was set once). */
    scsi_put_be64(c->cmd.cdb + 2, lba);
    r->inflight++;
    r->start_us[slot] = bench_now_us();
    scsi_submit(r->dev, &c->cmd);
}

static void tur_done(struct scsi_cmd *cmd)
{
    (void)cmd;
}

static int emu_randread(const char *path, bool direct, unsigned qd, double warmup, double seconds, void **bufs,
                        struct bench_io_result *out)
{
    struct scsi_lu_store_opts o = { 0 };
    struct scsi_lu_store *sls = NULL;
    struct emu_run *r = calloc(1, sizeof(*r));
    struct lu_store *st;
    int rc;

    if (!r)
        return -ENOMEM;
    memset(out, 0, sizeof(*out));
    o.store = (struct lu_store_opts){ .path = path, .direct = direct, .read_only = true, .block_size = LU_BS,
                                      .engine = LU_STORE_ENGINE_URING, .queue_depth = qd };
    o.lu = (struct scsi_lu_opts){ .serial = "BENCH0001" };
    rc = scsi_lu_store_open(&o, &sls);
    if (rc < 0)
        goto out;
    st = scsi_lu_store_backing(sls);
    r->dev = scsi_dev_new();
    if (!r->dev || scsi_dev_map_lun(r->dev, 0, scsi_lu_store_lu(sls)) < 0) {
        rc = -ENOMEM;
        goto out;
    }
    r->nexus.initiator = 1;
    r->nexus.target_port = 1;
    r->bufs = bufs;
    r->rng = 0x9e3779b97f4a7c15ull;              /* the raw loop's sequence */
    r->n_ios = lu_store_info(st)->size_bytes / IO_BYTES;
    r->out = out;
    for (unsigned i = 0; i < qd; i++) {
        struct scsi_cmd *c = &r->cmds[i].cmd;

        r->cmds[i].r = r;
        r->cmds[i].slot = i;
        c->nexus = &r->nexus;
        c->cdb[0] = 0x88;                        /* READ(16) */
        scsi_put_be32(c->cdb + 10, IO_BYTES / LU_BS);
        c->cdb_len = 16;
        c->data_in = bufs[i];
        c->data_in_len = IO_BYTES;
        c->done = emu_done;
    }
    /* The nexus's POWER ON unit attention, consumed before the clock starts (completes inside submit). */
    {
        struct scsi_cmd tur = { .nexus = &r->nexus, .cdb_len = 6, .done = tur_done };
        scsi_submit(r->dev, &tur);
    }
    r->t0 = bench_now_us();
    r->t_warm = r->t0 + warmup * 1e6;
    r->t_end = r->t_warm + seconds * 1e6;
    for (unsigned i = 0; i < qd; i++)
        emu_submit(r, i);
    while (r->inflight > 0) {
        struct pollfd p = { .fd = lu_store_fd(st), .events = POLLIN };
        int n;

        if (poll(&p, 1, 5000) <= 0) {
            rc = -ETIMEDOUT;
            goto out;
        }
        n = lu_store_dispatch(st);
        if (n < 0) {
            rc = n;
            goto out;
        }
    }
    rc = r->err;
    bench_result_finish(out, r->lat_sum, r->t0, r->t_end);
out:
    scsi_dev_free(r->dev);
    scsi_lu_store_close(sls);
    free(r);
    return rc;
}

int main(void)
{
    static const unsigned qds[] = { 1, 32 };
    double seconds = bench_env_double("BENCH_SECONDS", 0.12);
    unsigned rounds = (unsigned)bench_env_double("BENCH_ROUNDS", 16);
    double r_iops[MAX_ROUNDS], r_lat[MAX_ROUNDS];
    void *bufs[BENCH_MAX_QD] = { 0 };
    char path[256];
    bool direct = true;
    int fd, rc, status = 0;

    if (rounds > MAX_ROUNDS)
        rounds = MAX_ROUNDS;
    xvios_log_set_level(XVIOS_LOG_WARN);
    rc = bench_make_file("bench-scsi", FILE_SIZE, path, sizeof(path));
    if (rc < 0) {
        fprintf(stderr, "bench_scsi: creating the file: %s\n", strerror(-rc));
        return 1;
    }
    fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0 && errno == EINVAL) {
        direct = false;
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        fprintf(stderr, "bench_scsi: open: %s\n", strerror(errno));
        unlink(path);
        return 1;
    }
    for (unsigned i = 0; i < BENCH_MAX_QD; i++)
        if (!(bufs[i] = lu_store_alloc_buf(IO_BYTES))) {
            fprintf(stderr, "bench_scsi: out of memory\n");
            status = 1;
            goto out;
        }
    printf("4 KiB random reads as READ(16) through scsi_submit + LU store (io_uring) vs raw io_uring,\n"
           "256 MiB file, %s; %u alternating raw/emulation rounds of %.2f s per queue depth\n",
           direct ? "O_DIRECT" : "buffered (the file system refuses O_DIRECT: page-cache speed)", rounds, seconds);
    printf("%-4s %11s %11s %11s %11s %14s %14s %13s\n", "QD", "raw IOPS", "emu IOPS", "raw lat us", "emu lat us",
           "IOPS emu/raw", "lat emu/raw", "CPU us/IO r/e");
    for (size_t q = 0; q < sizeof(qds) / sizeof(qds[0]); q++) {
        struct bench_totals raw = { 0 }, emu = { 0 };

        for (unsigned round = 0; round < rounds; round++) {
            struct bench_io_result a, b;
            double c0 = bench_cpu_us(), c1, c2;

            rc = bench_uring_raw_randread(fd, FILE_SIZE, IO_BYTES, qds[q], 0.02, seconds, bufs, &a);
            if (rc < 0) {
                fprintf(stderr, "bench_scsi: raw loop: %s\n", strerror(-rc));
                status = 1;
                goto out;
            }
            c1 = bench_cpu_us();
            rc = emu_randread(path, direct, qds[q], 0.02, seconds, bufs, &b);
            c2 = bench_cpu_us();
            if (rc < 0) {
                fprintf(stderr, "bench_scsi: emulation: %s\n", strerror(-rc));
                status = 1;
                goto out;
            }
            bench_totals_add(&raw, &a, c1 - c0);
            bench_totals_add(&emu, &b, c2 - c1);
            /* Paired ratios: a load change on the machine hits both halves of a round alike. */
            r_iops[round] = a.iops > 0 ? b.iops / a.iops : 0;
            r_lat[round] = a.mean_lat_us > 0 ? b.mean_lat_us / a.mean_lat_us : 0;
        }
        printf("%-4u %11.0f %11.0f %11.1f %11.1f %13.3fx %13.3fx %6.1f/%-6.1f\n", qds[q], bench_totals_iops(&raw),
               bench_totals_iops(&emu), bench_totals_lat(&raw), bench_totals_lat(&emu), bench_median(r_iops, rounds), bench_median(r_lat, rounds),
               bench_totals_cpu(&raw), bench_totals_cpu(&emu));
    }
    printf("(IOPS and latency over all rounds; ratios are the median of the per-round ratios;\n"
           " goal: IOPS emu/raw >= 0.9 at QD32, latency emu/raw <= 1.1 at QD1)\n");
out:
    for (unsigned i = 0; i < BENCH_MAX_QD; i++)
        lu_store_free_buf(bufs[i]);
    close(fd);
    unlink(path);
    return status;
}
