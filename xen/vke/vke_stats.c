/* SPDX-License-Identifier: MIT */
/* vke_stats.c - the VKE's counters: a copy, and the "key=value" text VKE_STATS answers with. */
#include <stdio.h>

#include "vke_internal.h"

void xvios_vke_get_stats(const struct xvios_vke *v, struct xvios_vke_stats *out) { *out = v->st; }

void xvios_vke_stats_extra(struct xvios_vke *v, size_t (*fmt)(void *ctx, char *buf, size_t cap), void *ctx)
{
    v->stats_extra = fmt;
    v->stats_extra_ctx = fmt ? ctx : NULL;
}

size_t xvios_vke_format_stats(const struct xvios_vke *v, char *buf, size_t cap)
{
    const struct xvios_vke_stats *s = &v->st;
    unsigned up = 0, outstanding = 0;
    int n;

    for (unsigned i = 0; i < v->n_peers; i++)
        up += v->peers[i].link && xvios_link_state(v->peers[i].link) == XVIOS_LINK_UP;
    for (unsigned i = 0; i < v->max_sends; i++)
        outstanding += v->sends[i].used;
    n = snprintf(buf, cap,
                 "node=%u\ndomid=%u\npeers=%u\nlinks_up=%u\noutstanding=%u\nsends=%llu\nsends_rejected=%llu\n"
                 "packets_out=%llu\npackets_in=%llu\nmalformed_in=%llu\nreceipts_sent=%llu\nreceipts_in=%llu\n"
                 "receipts_late=%llu\nreceipts_dup=%llu\nreceipts_stray=%llu\ndelivered_up=%llu\n"
                 "up_queue_full=%llu\nup_queue=%u\nlink_expired=%llu\nlink_dropped=%llu\nlink_up=%llu\n"
                 "link_lost=%llu\nlocal_malformed=%llu\nup_expired=%llu\nup_lost=%llu\nup_unacked=%u\n",
                 v->members.self, v->self_domid, v->n_peers, up, outstanding, (unsigned long long)s->sends,
                 (unsigned long long)s->sends_rejected, (unsigned long long)s->packets_out,
                 (unsigned long long)s->packets_in, (unsigned long long)s->malformed_in,
                 (unsigned long long)s->receipts_sent, (unsigned long long)s->receipts_in,
                 (unsigned long long)s->receipts_late, (unsigned long long)s->receipts_dup,
                 (unsigned long long)s->receipts_stray, (unsigned long long)s->delivered_up,
                 (unsigned long long)s->up_queue_full, v->upq.n, (unsigned long long)s->link_expired,
                 (unsigned long long)s->link_dropped, (unsigned long long)s->link_up,
                 (unsigned long long)s->link_lost, (unsigned long long)s->local_malformed,
                 (unsigned long long)s->up_expired, (unsigned long long)s->up_lost, v->unacked_n);
    if (n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "local_dropped=%llu\nshare_refused=%llu\ntimeout_clamped=%llu\n"
                      "up_lost_restart=%llu\ngroup_sends=%llu\ngroup_copies=%llu\ngroup_fallback=%llu\n",
                      (unsigned long long)s->local_dropped, (unsigned long long)s->share_refused,
                      (unsigned long long)s->timeout_clamped, (unsigned long long)s->up_lost_restart,
                      (unsigned long long)s->group_sends, (unsigned long long)s->group_copies,
                      (unsigned long long)s->group_fallback);
    if (n >= 0 && (size_t)n < cap && v->stats_extra)
        n += (int)v->stats_extra(v->stats_extra_ctx, buf + n, cap - (size_t)n);
    if (n < 0)
        return 0;
    return (size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0;
}
