/* SPDX-License-Identifier: MIT */
/*
 * nodeinfo.c - this node's NODE_INFO answer: identity, state, uptime, the
 * daemon's counters and the last copy of the VKE's counters (vke_stats.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "xviosd.h"
#include "xvios/clock.h"

int viod_nodeinfo_format(const struct xviosd *d, char *out, size_t cap, size_t *len)
{
    struct timespec now = xvios_now();
    int64_t up = (int64_t)(now.tv_sec - d->started.tv_sec);
    unsigned callers = 0;
    size_t vl = 0;
    int n, rc;

    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
        if (d->callers[i].used && d->callers[i].hello)
            callers++;
    n = snprintf(out, cap,
                 "node=%u\ndomid=%u\nname=%s\nstate=%s\nuptime_s=%" PRId64 "\n"
                 "callers=%u\noutstanding=%u\nresponses_due=%u\n"
                 "sends=%" PRIu64 "\nresends=%" PRIu64 "\nreceived=%" PRIu64 "\nresponses_sent=%" PRIu64 "\n"
                 "responses_matched=%" PRIu64 "\nresponses_expired=%" PRIu64 "\nresponses_unmatched=%" PRIu64 "\n"
                 "dropped_bad=%" PRIu64 "\nreceived_duplicate=%" PRIu64 "\nreceived_no_subscriber=%" PRIu64 "\n"
                 "received_dropped=%" PRIu64 "\nheld=%u\nresponses_stale=%" PRIu64 "\nepoch=%u\n",
                 d->self_node, d->self_domid, d->self_name[0] ? d->self_name : "-",
                 d->self_state[0] ? d->self_state : "unknown", up < 0 ? (int64_t)0 : up, callers, d->n_ops,
                 d->rq.n, d->c.sends, d->c.resends, d->c.received, d->c.responses_sent, d->rq.st.matched,
                 d->rq.st.expired, d->rq.st.unknown_txid + d->rq.st.unknown_node, d->c.vke_rx_bad + d->c.api_rx_bad,
                 d->c.received_duplicate, d->c.received_no_subscriber, d->c.received_dropped, d->held.n,
                 d->c.responses_stale, d->epoch);
    if (n < 0 || (size_t)n >= cap)
        return -ENOSPC;
    rc = snprintf(out + n, cap - (size_t)n,
                  "callers_dropped=%" PRIu64 "\nshare_refused=%" PRIu64 "\ntimeout_clamped=%" PRIu64 "\n"
                  "caller_out_peak=%" PRIu64 "\nmapping_apply_refused=%" PRIu64 "\n",
                  d->c.callers_dropped, d->c.share_refused, d->c.timeout_clamped, d->c.out_peak, d->c.apply_refused);
    if (rc < 0 || (size_t)rc >= cap - (size_t)n)
        return -ENOSPC;
    n += rc;
    rc = viod_vke_stats_format(&d->vs, now, out + n, cap - (size_t)n, &vl);
    if (rc < 0)
        return rc;
    *len = (size_t)n + vl;
    return 0;
}
