/* SPDX-License-Identifier: MIT */
/*
 * bench_lu.c - the cost of the LU store against a raw io_uring loop, in the
 * same run on the same 256 MiB file.
 *
 * Measured: 4 KiB random reads at queue depth 1 and 32 through lu_store
 * (io_uring engine; the event loop polls lu_store_fd() and dispatches; each
 * callback submits the next read). Baseline: the same reads from a bare
 * liburing loop (bench_uring_raw.h). O_DIRECT when the file system allows it,
 * else buffered (said in the output). Per queue depth, BENCH_ROUNDS short
 * rounds alternate raw and store, so a change in the machine's load hits both
 * alike; the ratios printed are the medians of the per-round ratios. Prints
 * IOPS, mean latency and the ratios store/raw; never asserts on timing.
 *
 * Env: TMPDIR (where the file goes), BENCH_SECONDS per half-round (default
 *      0.12), BENCH_ROUNDS (default 8).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/lu/lu_store.h"
#include "tests/bench/bench_stats.h"
#include "tests/bench/bench_uring_raw.h"
#include "xvios/log.h"

#define FILE_SIZE (256ull << 20)
#define BS 4096u

struct store_run {
    struct lu_store *s;
    void **bufs;
    double start_us[BENCH_MAX_QD];
    uint64_t rng, n_blocks;
    double t0, t_warm, t_end, lat_sum;
    bool measuring, stop;
    unsigned inflight;
    int err;
    struct bench_io_result *out;
    struct slot { struct store_run *r; unsigned i; } slots[BENCH_MAX_QD];
};

static void store_submit(struct store_run *r, unsigned i);

static void store_done(void *opaque, int64_t result)
{
    struct slot *sl = opaque;
    struct store_run *r = sl->r;
    double now = bench_now_us();

    r->inflight--;
    if (result != BS) {
        r->err = result < 0 ? (int)result : -EIO;
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
        r->lat_sum += now - r->start_us[sl->i];
    }
    if (!r->stop)
        store_submit(r, sl->i);
}

static void store_submit(struct store_run *r, unsigned i)
{
    uint64_t off = bench_rand_block(&r->rng, r->n_blocks) * BS;
    r->start_us[i] = bench_now_us();
    int rc = lu_store_read(r->s, r->bufs[i], BS, off, store_done, &r->slots[i]);
    if (rc < 0) {
        r->err = rc;
        r->stop = true;
        return;
    }
    r->inflight++;
}

static int store_randread(const char *path, bool direct, unsigned qd, double warmup, double seconds,
                          void **bufs, struct bench_io_result *out)
{
    struct lu_store_opts o = { .path = path, .direct = direct, .read_only = true,
                               .engine = LU_STORE_ENGINE_URING, .queue_depth = qd };
    struct store_run *r = calloc(1, sizeof(*r));
    int rc;

    if (!r)
        return -ENOMEM;
    memset(out, 0, sizeof(*out));
    rc = lu_store_open(&o, &r->s);
    if (rc < 0)
        goto out;
    r->bufs = bufs;
    r->rng = 0x9e3779b97f4a7c15ull;
    r->n_blocks = lu_store_info(r->s)->size_bytes / BS;
    r->out = out;
    r->t0 = bench_now_us();
    r->t_warm = r->t0 + warmup * 1e6;
    r->t_end = r->t_warm + seconds * 1e6;
    for (unsigned i = 0; i < qd; i++) {
        r->slots[i] = (struct slot){ r, i };
        store_submit(r, i);
    }
    while (r->inflight > 0) {
        struct pollfd p = { .fd = lu_store_fd(r->s), .events = POLLIN };
        if (poll(&p, 1, 5000) <= 0) {
            rc = -ETIMEDOUT;
            goto out;
        }
        int n = lu_store_dispatch(r->s);
        if (n < 0) {
            rc = n;
            goto out;
        }
    }
    rc = r->err;
    bench_result_finish(out, r->lat_sum, r->t0, r->t_end);
out:
    lu_store_close(r->s);
    free(r);
    return rc;
}

#define MAX_ROUNDS 100u

int main(void)
{
    static const unsigned qds[] = { 1, 32 };
    double seconds = bench_env_double("BENCH_SECONDS", 0.12);
    unsigned rounds = (unsigned)bench_env_double("BENCH_ROUNDS", 8);
    double r_iops[MAX_ROUNDS], r_lat[MAX_ROUNDS];
    void *bufs[BENCH_MAX_QD];
    char path[256];
    bool direct = true;
    int fd, rc, status = 0;

    if (rounds > MAX_ROUNDS)
        rounds = MAX_ROUNDS;
    xvios_log_set_level(XVIOS_LOG_WARN);
    rc = bench_make_file("bench-lu", FILE_SIZE, path, sizeof(path));
    if (rc < 0) {
        fprintf(stderr, "bench_lu: creating the file: %s\n", strerror(-rc));
        return 1;
    }
    fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0 && errno == EINVAL) {
        direct = false;
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        fprintf(stderr, "bench_lu: open: %s\n", strerror(errno));
        unlink(path);
        return 1;
    }
    for (unsigned i = 0; i < BENCH_MAX_QD; i++)
        bufs[i] = lu_store_alloc_buf(BS);
    printf("4 KiB random reads, 256 MiB file, %s; %u alternating raw/store rounds of %.2f s per queue depth\n",
           direct ? "O_DIRECT" : "buffered (the file system refuses O_DIRECT: page-cache speed)",
           rounds, seconds);
    printf("%-4s %11s %11s %11s %11s %15s %15s\n", "QD", "raw IOPS", "store IOPS", "raw lat us",
           "store lat us", "IOPS store/raw", "lat store/raw");
    for (size_t q = 0; q < sizeof(qds) / sizeof(qds[0]); q++) {
        struct bench_totals raw = { 0 }, store = { 0 };
        for (unsigned round = 0; round < rounds; round++) {
            struct bench_io_result a, b;
            rc = bench_uring_raw_randread(fd, FILE_SIZE, BS, qds[q], 0.02, seconds, bufs, &a);
            if (rc < 0) {
                fprintf(stderr, "bench_lu: raw loop: %s\n", strerror(-rc));
                status = 1;
                goto out;
            }
            rc = store_randread(path, direct, qds[q], 0.02, seconds, bufs, &b);
            if (rc < 0) {
                fprintf(stderr, "bench_lu: store: %s\n", strerror(-rc));
                status = 1;
                goto out;
            }
            bench_totals_add(&raw, &a, 0);
            bench_totals_add(&store, &b, 0);
            /* Paired ratios: a load change on the machine hits both halves of a round alike. */
            r_iops[round] = a.iops > 0 ? b.iops / a.iops : 0;
            r_lat[round] = a.mean_lat_us > 0 ? b.mean_lat_us / a.mean_lat_us : 0;
        }
        printf("%-4u %11.0f %11.0f %11.1f %11.1f %14.3fx %14.3fx\n", qds[q],
               bench_totals_iops(&raw), bench_totals_iops(&store), bench_totals_lat(&raw), bench_totals_lat(&store),
               bench_median(r_iops, rounds), bench_median(r_lat, rounds));
    }
    printf("(IOPS and latency over all rounds; ratios are the median of the per-round ratios)\n");
out:
    for (unsigned i = 0; i < BENCH_MAX_QD; i++)
        lu_store_free_buf(bufs[i]);
    close(fd);
    unlink(path);
    return status;
}
