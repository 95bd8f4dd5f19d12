/* SPDX-License-Identifier: MIT */
/*
 * vke_stats.c - fuzz family 's': the daemon's reading of the VKE's
 * VKE_STATS answer and the NODE_INFO lines made from it
 * (daemon/vke_stats_text.c).
 *
 * Input: a mode byte, then either
 *   mode 0: an answer as the VKE would send it. The parser is checked
 *     against an independent statement of its contract: accepted exactly
 *     when the answer is 1..XVD_VKE_STATS_MAX bytes of "key=value\n" lines,
 *     each key 1..31 of [a-z0-9_], each value 1..20 digits within 64 bits,
 *     no known key twice; then the known keys' values and only those are
 *     reported. A refused answer leaves the outputs alone.
 *   mode 1: counters drawn from the bytes, written as an answer in random
 *     order with unknown keys mixed in, must read back to the same values.
 *   mode 2: counters drawn from the bytes through the NODE_INFO formatter
 *     into an exactly-sized buffer: never past it, and the lines read back.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "small_parsers.h"
#include "daemon/xviosd.h"
#include "xvios/kv.h"

/* The keys the daemon keeps, in enum vke_stat order (the contract, restated). */
static const char *const known[] = {
    "peers", "links_up", "outstanding", "malformed_in", "receipts_late", "receipts_dup", "up_queue_full",
    "link_lost", "up_expired", "up_lost", "up_lost_restart",
};
/* A counter added to the daemon must be added here too: the build says so. */
_Static_assert(sizeof(known) / sizeof(known[0]) == VS_N, "known[] must list every enum vke_stat key");
static const char *const unknown[] = { "node", "domid", "sends", "packets_in", "x", "a_b_0", "local_dropped" };

static int known_index(const char *key, size_t len)
{
    for (int i = 0; i < VS_N; i++)
        if (strlen(known[i]) == len && !memcmp(known[i], key, len))
            return i;
    return -1;
}

/* Decimal of 1..20 digits within 64 bits, by hand. */
static bool reference_value(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 20)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10u)
            return false;
        v = v * 10u + d;
    }
    *out = v;
    return true;
}

static bool reference_parse(const char *text, size_t len, uint64_t v[VS_N], uint32_t *present)
{
    size_t pos = 0;

    *present = 0;
    if (len == 0 || len > XVD_VKE_STATS_MAX || text[len - 1] != '\n')
        return false;
    while (pos < len) {
        const char *line = text + pos, *eq;
        size_t llen = (size_t)((const char *)memchr(line, '\n', len - pos) - line), klen;
        uint64_t val;
        int idx;

        eq = memchr(line, '=', llen);
        if (!eq)
            return false;
        klen = (size_t)(eq - line);
        if (klen == 0 || klen > 31)
            return false;
        for (size_t i = 0; i < klen; i++)
            if (!((line[i] >= 'a' && line[i] <= 'z') || (line[i] >= '0' && line[i] <= '9') || line[i] == '_'))
                return false;
        if (!reference_value(eq + 1, llen - klen - 1, &val))
            return false;
        idx = known_index(line, klen);
        if (idx >= 0) {
            if (*present & (1u << idx))
                return false;
            *present |= 1u << idx;
            v[idx] = val;
        }
        pos += llen + 1;
    }
    return true;
}

static void fuzz_answer(const uint8_t *data, size_t size)
{
    const char *text = (const char *)fuzz_copy(data, size);
    uint64_t v[VS_N], ref[VS_N] = {0};
    uint32_t present = 0xdead, ref_present = 0;
    bool ok = reference_parse(text, size, ref, &ref_present);
    int rc;

    for (int i = 0; i < VS_N; i++)
        v[i] = 0x5a5a5a5a5a5a5a5aull;
    rc = viod_vke_stats_parse((const uint8_t *)text, size, v, &present);
    if (!ok) {
        FUZZ_REQUIRE(rc == -EINVAL && present == 0xdead);
        for (int i = 0; i < VS_N; i++)
            FUZZ_REQUIRE(v[i] == 0x5a5a5a5a5a5a5a5aull);
    } else {
        FUZZ_REQUIRE(rc == 0 && present == ref_present);
        for (int i = 0; i < VS_N; i++)
            FUZZ_REQUIRE(v[i] == ((present & (1u << i)) ? ref[i] : 0));
    }
    free((void *)text);
}

static void fuzz_written(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };
    char text[XVD_VKE_STATS_MAX];
    uint64_t want[VS_N] = {0}, v[VS_N];
    uint32_t want_present = 0, present = 0;
    bool repeated = false;
    size_t len = 0;
    unsigned lines = fuzz_u8(&in) % 64;
    char *exact;
    int rc;

    for (unsigned i = 0; i < lines; i++) {
        uint8_t pick = fuzz_u8(&in);
        uint64_t val = fuzz_u64(&in);
        const char *key = pick & 0x80 ? unknown[pick % (sizeof(unknown) / sizeof(unknown[0]))] : known[pick % VS_N];
        int idx = known_index(key, strlen(key));
        int n = snprintf(text + len, sizeof(text) - len, "%s=%" PRIu64 "\n", key, val);

        FUZZ_REQUIRE(n > 0 && (size_t)n < sizeof(text) - len);  /* 64 lines of <= 35 bytes fit */
        len += (size_t)n;
        if (idx >= 0) {
            repeated = repeated || (want_present & (1u << idx));
            want_present |= 1u << idx;
            want[idx] = val;
        }
    }
    exact = (char *)fuzz_copy((const uint8_t *)text, len);
    rc = viod_vke_stats_parse((const uint8_t *)exact, len, v, &present);
    if (len == 0 || repeated) {
        FUZZ_REQUIRE(rc == -EINVAL);
    } else {
        FUZZ_REQUIRE(rc == 0 && present == want_present);
        for (int i = 0; i < VS_N; i++)
            FUZZ_REQUIRE(v[i] == want[i]);
    }
    free(exact);
}

static void fuzz_nodeinfo_lines(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };
    struct vke_stats s;
    struct timespec now;
    char full[1024];
    size_t full_len = 0, len = 0, cap;
    char *buf;
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    int i = -1, r;

    memset(&s, 0, sizeof(s));
    s.valid = fuzz_u8(&in) & 1;
    s.present = fuzz_u8(&in);
    for (int k = 0; k < VS_N; k++)
        s.v[k] = fuzz_u64(&in);
    s.at.tv_sec = (time_t)(fuzz_u32(&in) & 0x3fffffff);
    s.at.tv_nsec = (long)(fuzz_u32(&in) % 1000000000u);
    now.tv_sec = (time_t)(fuzz_u32(&in) & 0x3fffffff);
    now.tv_nsec = (long)(fuzz_u32(&in) % 1000000000u);
    cap = fuzz_u16(&in) % sizeof(full);

    FUZZ_REQUIRE(viod_vke_stats_format(&s, now, full, sizeof(full), &full_len) == 0);
    if (!s.valid) {
        FUZZ_REQUIRE(full_len == 0);
        return;
    }
    /* "vke_stats_age_ms=<age>\n", then "vke_<key>=<value>\n" for each present key in order */
    xvios_kv_iter_init(&it, full, full_len);
    while ((r = xvios_kv_next(&it, &kv)) > 0) {
        char key[48];
        uint64_t val;

        FUZZ_REQUIRE(kv.terminated && reference_value(kv.val, kv.val_len, &val));
        if (i < 0) {
            FUZZ_REQUIRE(xvios_kv_is(&kv, "vke_stats_age_ms"));
            i = 0;
            continue;
        }
        while (i < VS_N && !(s.present & (1u << i)))
            i++;
        FUZZ_REQUIRE(i < VS_N);
        snprintf(key, sizeof(key), "vke_%s", known[i]);
        FUZZ_REQUIRE(xvios_kv_is(&kv, key) && val == s.v[i]);
        i++;
    }
    FUZZ_REQUIRE(r == 0 && !it.blank && i >= 0);
    while (i < VS_N && !(s.present & (1u << i)))
        i++;
    FUZZ_REQUIRE(i == VS_N);   /* every present counter was written */

    buf = malloc(cap ? cap : 1);
    if (!buf)
        abort();
    r = viod_vke_stats_format(&s, now, buf, cap, &len);
    if (full_len + 1 > cap)
        FUZZ_REQUIRE(r == -ENOSPC);
    else
        FUZZ_REQUIRE(r == 0 && len == full_len && !memcmp(buf, full, len));
    free(buf);
}

void fuzz_vke_stats(const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    switch (data[0] % 3) {
    case 0: fuzz_answer(data + 1, size - 1); break;
    case 1: fuzz_written(data + 1, size - 1); break;
    default: fuzz_nodeinfo_lines(data + 1, size - 1); break;
    }
}
