/* SPDX-License-Identifier: MIT */
/*
 * vke_stats_text.c - the text of the VKE's counters (vke_stats.c): the
 * strict parser of an untrusted VKE_STATS answer and the NODE_INFO lines
 * made from the last good one. No I/O, no daemon state.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/clock.h"
#include "xvios/kv.h"
#include "xvios/parse.h"

#define VS_KEY_MAX   31u
#define VS_VALUE_MAX 20u   /* digits of UINT64_MAX */

static const char *const vs_keys[VS_N] = {
    [VS_PEERS] = "peers",
    [VS_LINKS_UP] = "links_up",
    [VS_OUTSTANDING] = "outstanding",
    [VS_MALFORMED_IN] = "malformed_in",
    [VS_RECEIPTS_LATE] = "receipts_late",
    [VS_RECEIPTS_DUP] = "receipts_dup",
    [VS_UP_QUEUE_FULL] = "up_queue_full",
    [VS_LINK_LOST] = "link_lost",
    [VS_UP_EXPIRED] = "up_expired",
    [VS_UP_LOST] = "up_lost",
    [VS_UP_LOST_RESTART] = "up_lost_restart",
};

static int key_index(const struct xvios_kv *kv)
{
    for (int i = 0; i < VS_N; i++)
        if (xvios_kv_is(kv, vs_keys[i]))
            return i;
    return -1;
}

static bool key_ok(const struct xvios_kv *kv)
{
    if (kv->key_len > VS_KEY_MAX)
        return false;
    for (size_t i = 0; i < kv->key_len; i++) {
        char c = kv->key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static int value_of(const struct xvios_kv *kv, uint64_t *out)
{
    char digits[VS_VALUE_MAX + 1];

    if (kv->val_len > VS_VALUE_MAX || memchr(kv->val, '\0', kv->val_len))
        return -EINVAL;
    memcpy(digits, kv->val, kv->val_len);
    digits[kv->val_len] = '\0';
    return xvios_parse_u64(digits, 0, UINT64_MAX, out);
}

int viod_vke_stats_parse(const uint8_t *untrusted, size_t len, uint64_t out[VS_N], uint32_t *present)
{
    uint64_t v[VS_N] = {0};
    uint32_t seen = 0;
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    int r;

    if (len == 0 || len > XVD_VKE_STATS_MAX)
        return -EINVAL;
    xvios_kv_iter_init(&it, untrusted, len);
    while ((r = xvios_kv_next(&it, &kv)) > 0) {
        uint64_t val;
        int idx;

        if (!kv.terminated || !key_ok(&kv) || value_of(&kv, &val) < 0)
            return -EINVAL;
        idx = key_index(&kv);
        if (idx < 0)
            continue;   /* a counter this daemon does not show */
        if (seen & (1u << idx))
            return -EINVAL;
        seen |= 1u << idx;
        v[idx] = val;
    }
    if (r < 0 || it.blank)
        return -EINVAL;   /* a malformed line, or a blank one: no body in this answer */
    memcpy(out, v, sizeof(v));
    *present = seen;
    return 0;
}

int viod_vke_stats_format(const struct vke_stats *s, struct timespec now, char *out, size_t cap, size_t *len)
{
    size_t k = 0;
    int n;

    *len = 0;
    if (!s->valid)
        return 0;
    n = snprintf(out, cap, "vke_stats_age_ms=%" PRId64 "\n", xvios_ts_diff_ms(s->at, now));
    if (n < 0 || (size_t)n >= cap)
        return -ENOSPC;
    k = (size_t)n;
    for (int i = 0; i < VS_N; i++) {
        if (!(s->present & (1u << i)))
            continue;
        n = snprintf(out + k, cap - k, "vke_%s=%" PRIu64 "\n", vs_keys[i], s->v[i]);
        if (n < 0 || (size_t)n >= cap - k)
            return -ENOSPC;
        k += (size_t)n;
    }
    *len = k;
    return 0;
}
