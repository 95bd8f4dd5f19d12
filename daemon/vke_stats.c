/* SPDX-License-Identifier: MIT */
/*
 * vke_stats.c - a recent copy of the VKE's counters for NODE_INFO. While
 * attached, the daemon asks VKE_STATS every XVD_VKE_STATS_MS (one ask out at
 * a time, matched by txid) and keeps the last well-formed answer; NODE_INFO
 * shows it with its age and never waits for the VKE. The answer is
 * untrusted: only "key=value\n" lines with a short [a-z0-9_] key and a
 * decimal value are accepted, only the keys in vs_keys[] are kept, and one
 * bad line rejects the whole answer (the previous copy stays); the text
 * itself is read and written in vke_stats_text.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/clock.h"
#include "xvios/log.h"

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
