/* SPDX-License-Identifier: MIT */
/*
 * vke_group.c - a broadcast's copies for the peers whose links take a group
 * send (xvios_link_group_send: the multi-host mesh's links, one CPG AGREED
 * multicast for the nodes of other hosts) go out as one datagram with
 * sub.dst_node 0; every other copy, and all of them when the group send is
 * refused, goes one per link as before. Receipts still come back point to
 * point, each on its node's link.
 */
#include <errno.h>
#include <string.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"

#define VKE_GROUP_MIN 2u   /* one copy alone goes on its link: a multicast would reach every host for it */

unsigned vke_group_send(struct xvios_vke *v, const struct vke_plan *plan, size_t len, struct timespec deadline,
                        bool *taken)
{
    xvios_link *links[XVIOS_LINK_GROUP_MAX];
    unsigned idx[XVIOS_LINK_GROUP_MAX], n = 0;
    int rc;

    memset(taken, 0, plan->n * sizeof(*taken));
    for (unsigned i = 0; i < plan->n && n < XVIOS_LINK_GROUP_MAX; i++) {
        struct vke_peer *p;
        if (plan->initial[i] != XVIOS_RC_PENDING)
            continue;
        p = vke_peer_find(v, plan->node[i]);
        /* only an idle link that is up: a copy must not overtake what waits in the peer's queue */
        if (!p || !p->link || !p->was_up || p->outq.head || !xvios_link_group_capable(p->link) ||
            xvios_link_state(p->link) != XVIOS_LINK_UP)
            continue;
        links[n] = p->link;
        idx[n++] = i;
    }
    if (n < VKE_GROUP_MIN)
        return 0;
    /* v->encbuf holds the packet encoded with sub.dst_node 0: each named node takes it as a broadcast to it */
    rc = xvios_ts_cmp(xvios_now(), deadline) < 0 ? xvios_link_group_send(links, n, v->encbuf, len, &deadline)
                                                 : -ETIMEDOUT;
    if (rc < 0) {
        v->st.group_fallback++;
        XLOG_DEBUG("group send to %u peers refused (%s): one copy per link", n, strerror(-rc));
        return 0;
    }
    v->st.group_sends++;
    v->st.group_copies += n;
    for (unsigned k = 0; k < n; k++)
        taken[idx[k]] = true;
    return n;
}
