/* SPDX-License-Identifier: MIT */
/*
 * bench_uring_raw.h - the raw baseline for storage benchmarks: random reads
 * of one block size at a fixed queue depth through a bare liburing loop
 * (no store, no SCSI layer), plus the pieces every storage benchmark shares:
 * the offset generator, the clock, and the result record. Header-only so any
 * bench_*.c can include it.
 */
#ifndef XVIOS_BENCH_URING_RAW_H
#define XVIOS_BENCH_URING_RAW_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <liburing.h>

#include "xvios/clock.h"

#define BENCH_MAX_QD 256u

struct bench_io_result {
    uint64_t ops;
    double seconds;
    double iops;
    double mean_lat_us;
};

static inline double bench_now_us(void)
{
    struct timespec t = xvios_now();
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* xorshift64*: the same offset sequence for the raw loop and the layers measured against it. */
static inline uint64_t bench_rand_block(uint64_t *state, uint64_t n_blocks)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return (x * 2685821657736338717ull) % n_blocks;
}

static inline void bench_result_finish(struct bench_io_result *r, double lat_sum_us, double t0_us, double t1_us)
{
    r->seconds = (t1_us - t0_us) / 1e6;
    r->iops = r->seconds > 0 ? (double)r->ops / r->seconds : 0;
    r->mean_lat_us = r->ops ? lat_sum_us / (double)r->ops : 0;
}

/*
 * Random bs-byte reads over [0, size) on fd at queue depth qd for `seconds`
 * (after `warmup` seconds not counted). bufs: qd buffers of bs bytes, aligned
 * for O_DIRECT. 0 or -errno.
 */
static inline int bench_uring_raw_randread(int fd, uint64_t size, unsigned bs, unsigned qd, double warmup,
                                           double seconds, void **bufs, struct bench_io_result *out)
{
    struct io_uring ring;
    double start_us[BENCH_MAX_QD];
    uint64_t rng = 0x9e3779b97f4a7c15ull, n_blocks = size / bs;
    double lat_sum = 0, t0, t_end, t_warm;
    unsigned inflight = 0;
    bool measuring = false;
    int rc;

    if (qd == 0 || qd > BENCH_MAX_QD || n_blocks == 0)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    rc = io_uring_queue_init(qd, &ring, 0);
    if (rc < 0)
        return rc;
    t0 = bench_now_us();
    t_warm = t0 + warmup * 1e6;
    t_end = t_warm + seconds * 1e6;
    for (unsigned i = 0; i < qd; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
        io_uring_prep_read(sqe, fd, bufs[i], bs, bench_rand_block(&rng, n_blocks) * bs);
        io_uring_sqe_set_data64(sqe, i);
        start_us[i] = bench_now_us();
        inflight++;
    }
    io_uring_submit(&ring);
    while (inflight > 0) {
        struct io_uring_cqe *cqe;
        unsigned head, n = 0;
        rc = io_uring_wait_cqe(&ring, &cqe);
        if (rc < 0)
            goto out;
        double now = bench_now_us();
        if (!measuring && now >= t_warm) {
            measuring = true;
            t0 = now;
        }
        bool stop = now >= t_end;
        io_uring_for_each_cqe(&ring, head, cqe) {
            unsigned slot = (unsigned)io_uring_cqe_get_data64(cqe);
            n++;
            inflight--;
            if (cqe->res != (int)bs) {
                rc = cqe->res < 0 ? cqe->res : -EIO;
                goto out;
            }
            if (measuring && !stop) {
                out->ops++;
                lat_sum += now - start_us[slot];
            }
            if (!stop) {
                struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
                io_uring_prep_read(sqe, fd, bufs[slot], bs, bench_rand_block(&rng, n_blocks) * bs);
                io_uring_sqe_set_data64(sqe, slot);
                start_us[slot] = bench_now_us();
                inflight++;
            }
        }
        io_uring_cq_advance(&ring, n);
        if (!stop)
            io_uring_submit(&ring);
    }
    bench_result_finish(out, lat_sum, t0, t_end);
    rc = 0;
out:
    io_uring_queue_exit(&ring);
    return rc;
}

#endif /* XVIOS_BENCH_URING_RAW_H */
