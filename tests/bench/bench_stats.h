/* SPDX-License-Identifier: MIT */
/*
 * bench_stats.h - what every paired benchmark does with its rounds: knobs
 * from the environment, totals over rounds (IOPS = all ops / all time,
 * latency = mean over all ops, CPU per op), and the median of the per-round
 * ratios (a load change on the machine hits both halves of a round alike),
 * and the data file the storage benchmarks read.
 * Header-only so any bench_*.c can include it.
 */
#ifndef XVIOS_BENCH_STATS_H
#define XVIOS_BENCH_STATS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tests/bench/bench_uring_raw.h"

/* A positive number from the environment variable name, else def. */
static inline double bench_env_double(const char *name, double def)
{
    const char *v = getenv(name);
    double d = v ? strtod(v, NULL) : 0;
    return d > 0 ? d : def;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v in place. */
static inline double bench_median(double *v, unsigned n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* CPU time (user + system) this process has used, in microseconds. */
static inline double bench_cpu_us(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

struct bench_totals {
    uint64_t ops;
    double seconds, lat_sum, cpu;
};

/* cpu: microseconds of process CPU time the round used (0 if not measured). */
static inline void bench_totals_add(struct bench_totals *t, const struct bench_io_result *r, double cpu)
{
    t->ops += r->ops;
    t->seconds += r->seconds;
    t->lat_sum += r->mean_lat_us * (double)r->ops;
    t->cpu += cpu;
}

static inline double bench_totals_iops(const struct bench_totals *t)
{
    return t->seconds > 0 ? (double)t->ops / t->seconds : 0;
}

static inline double bench_totals_lat(const struct bench_totals *t)
{
    return t->ops ? t->lat_sum / (double)t->ops : 0;
}

static inline double bench_totals_cpu(const struct bench_totals *t)
{
    return t->ops ? t->cpu / (double)t->ops : 0;
}

/*
 * A file of size bytes (a multiple of 1 MiB) under $TMPDIR (or /tmp) named
 * <prefix>-XXXXXX, written with data (holes would not reach the disk) and
 * synced. 0 with its name in path, or -errno (nothing left behind).
 */
static inline int bench_make_file(const char *prefix, uint64_t size, char *path, size_t pathlen)
{
    const char *dir = getenv("TMPDIR");
    size_t clen = 1u << 20;
    char *chunk = malloc(clen);
    int fd, rc = 0;

    snprintf(path, pathlen, "%s/%s-XXXXXX", dir && *dir ? dir : "/tmp", prefix);
    fd = mkstemp(path);
    if (fd < 0 || !chunk) {
        rc = fd < 0 ? -errno : -ENOMEM;
        free(chunk);
        if (fd >= 0) {
            close(fd);
            unlink(path);
        }
        return rc;
    }
    for (uint64_t off = 0; off < size; off += clen) {
        memset(chunk, (int)(off >> 20) | 1, clen);
        if (pwrite(fd, chunk, clen, (off_t)off) != (ssize_t)clen) {
            rc = -EIO;
            break;
        }
    }
    if (rc == 0 && fdatasync(fd) < 0)
        rc = -errno;
    close(fd);
    free(chunk);
    if (rc < 0)
        unlink(path);
    return rc;
}

#endif
