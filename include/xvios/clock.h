/* SPDX-License-Identifier: MIT */
/* xvios/clock.h - CLOCK_MONOTONIC deadlines. Every wait in xvios has one. */
#ifndef XVIOS_CLOCK_H
#define XVIOS_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

static inline struct timespec xvios_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

static inline struct timespec xvios_ts_add_ms(struct timespec ts, uint64_t ms)
{
    ts.tv_sec += (time_t)(ms / 1000u);
    ts.tv_nsec += (long)(ms % 1000u) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static inline struct timespec xvios_deadline_ms(uint64_t ms) { return xvios_ts_add_ms(xvios_now(), ms); }

static inline int xvios_ts_cmp(struct timespec a, struct timespec b)
{
    if (a.tv_sec != b.tv_sec)
        return a.tv_sec < b.tv_sec ? -1 : 1;
    if (a.tv_nsec != b.tv_nsec)
        return a.tv_nsec < b.tv_nsec ? -1 : 1;
    return 0;
}

/* Milliseconds from a to b, rounded up, 0 if b <= a. */
static inline int64_t xvios_ts_diff_ms(struct timespec a, struct timespec b)
{
    int64_t ns = ((int64_t)b.tv_sec - (int64_t)a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    return ns <= 0 ? 0 : (ns + 999999LL) / 1000000LL;
}

/* A poll() timeout in ms until deadline (0 if passed), capped at cap_ms (>= 0). */
static inline int xvios_poll_timeout(const struct timespec *deadline, int cap_ms)
{
    if (!deadline)
        return cap_ms;
    int64_t ms = xvios_ts_diff_ms(xvios_now(), *deadline);
    if (cap_ms >= 0 && ms > cap_ms)
        ms = cap_ms;
    return (int)ms;
}

static inline bool xvios_ts_passed(const struct timespec *deadline)
{
    return deadline && xvios_ts_cmp(xvios_now(), *deadline) >= 0;
}

#endif /* XVIOS_CLOCK_H */
