/* SPDX-License-Identifier: MIT */
/*
 * vke_stats.c - a recent copy of the VKE's counters for NODE_INFO. While
 * attached, the daemon asks VKE_STATS every XVD_VKE_STATS_MS (one ask out at
 * a time, matched by txid) and keeps the last well-formed answer; NODE_INFO
 * shows it with its age and never waits for the VKE. The answer is
 * untrusted: only "key=value\n" lines with a short [a-z0-9_] key and a
 * decimal value are accepted, only the keys in vs_keys[] are kept, and one
 * bad line rejects the whole answer (the previous copy stays).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/clock.h"
#include "xvios/kv.h"
#include "xvios/log.h"
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

void viod_vke_stats_tick(struct xviosd *d, struct timespec now)
{
    struct vke_stats *s = &d->vs;
    struct xvios_msg m;
    int rc;

    if (d->vke_state != VKE_READY)
        return;
    if (s->asking) {
        if (xvios_ts_cmp(s->ask_deadline, now) > 0)
            return;
        XLOG_WARN("the VKE did not answer VKE_STATS in %u ms; asking again", XVD_VKE_STATS_WAIT_MS);
        s->asking = false;
    } else if (xvios_ts_cmp(s->next_ask, now) > 0) {
        return;
    }
    s->next_ask = xvios_ts_add_ms(now, XVD_VKE_STATS_MS);
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_STATS;
    m.hdr.txid = ++s->seq;
    rc = viod_vke_queue(d, &m);
    if (rc < 0) {
        XLOG_DEBUG("cannot ask the VKE for its counters: %s", strerror(-rc));
        return;
    }
    s->asking = true;
    s->ask_txid = s->seq;
    s->ask_deadline = xvios_ts_add_ms(now, XVD_VKE_STATS_WAIT_MS);
}

void viod_vke_stats_on_answer(struct xviosd *d, const struct xvios_msg *m)
{
    struct vke_stats *s = &d->vs;
    uint64_t v[VS_N];
    uint32_t present = 0;

    if (m->hdr.txid == 0 || m->hdr.txid > s->seq) {
        XLOG_WARN("dropped a VKE_STATS answer nothing asked for (txid %" PRIu64 ")", m->hdr.txid);
        d->c.vke_rx_bad++;
        return;
    }
    if (!s->asking || m->hdr.txid != s->ask_txid) {
        XLOG_DEBUG("dropped a late VKE_STATS answer (txid %" PRIu64 ")", m->hdr.txid);
        return;
    }
    s->asking = false;
    if (m->hdr.status != XVIOS_ST_OK) {
        XLOG_WARN("the VKE answered VKE_STATS with %s", xvios_status_name(m->hdr.status));
        return;
    }
    if (viod_vke_stats_parse(m->payload, m->hdr.payload_len, v, &present) < 0) {
        XLOG_WARN("dropped a malformed VKE_STATS answer from the VKE (%u bytes)", m->hdr.payload_len);
        d->c.vke_rx_bad++;
        return;
    }
    memcpy(s->v, v, sizeof(v));
    s->present = present;
    s->at = xvios_now();
    s->valid = true;
}
