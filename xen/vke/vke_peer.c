/* SPDX-License-Identifier: MIT */
/*
 * vke_peer.c - one link per peer node: opened as membership says, re-opened
 * when it dies, closed when the peer leaves. Each peer has a bounded output
 * queue: a full link holds datagrams until their deadline (backpressure),
 * never drops them silently, and one slow peer never blocks the others.
 * This file keeps the table and the queues; vke_link.c moves the traffic.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"

struct vke_peer *vke_peer_find(struct xvios_vke *v, uint32_t node)
{
    for (unsigned i = 0; i < v->n_peers; i++)
        if (v->peers[i].node == node)
            return &v->peers[i];
    return NULL;
}

static void peer_dispose(struct xvios_vke *v, struct vke_peer *p)
{
    xvios_evloop_fd_remove(p->src);
    p->src = NULL;
    xvios_link_close(p->link);
    p->link = NULL;
    v->st.link_expired += p->outq.n;
    xvios_pktq_dispose(&p->outq);
}

int vke_peer_open(struct xvios_vke *v, struct vke_peer *p)
{
    struct xvios_link_peer lp = {
        .self_node = v->members.self, .peer_node = p->node,
        .self_domid = v->self_domid, .peer_domid = p->domid,
    };
    int rc = xvios_link_open(v->plat, &lp, &p->link);

    if (rc < 0) {
        p->link = NULL;
        p->reopen_at = xvios_deadline_ms(VKE_RECONNECT_MS);
        XLOG_WARN("cannot open link to node %u (domid %u): %s", p->node, p->domid, strerror(-rc));
    }
    p->was_up = false;
    p->ready = true;   /* progressed in this turn's service, not at the next tick */
    return rc;
}

void vke_peers_sync(struct xvios_vke *v)
{
    struct vke_peer *np = NULL;
    unsigned n = 0;

    if (v->members.self) {
        np = calloc(v->members.n ? v->members.n : 1, sizeof(*np));
        if (!np) {
            XLOG_ERR("out of memory syncing peers");
            return;
        }
        for (unsigned i = 0; i < v->members.n; i++) {
            uint32_t node = v->members.node[i];
            struct vke_peer *old;
            if (node == v->members.self)
                continue;
            old = vke_peer_find(v, node);
            if (old && old->domid == v->members.domid[i]) {
                np[n] = *old;          /* keeps its link and queue */
                old->node = 0;         /* moved: not disposed below */
            } else {
                np[n].node = node;
                np[n].domid = v->members.domid[i];
                xvios_pktq_init(&np[n].outq, v->link_queue_cap, SIZE_MAX);
                vke_peer_open(v, &np[n]);
            }
            n++;
        }
    }
    for (unsigned i = 0; i < v->n_peers; i++) {
        struct vke_peer *old = &v->peers[i];
        if (old->node == 0)
            continue;
        /*
         * A node whose domain was destroyed leaves the table too (on Xen,
         * xenstored removes the nodes a destroyed domain owned), often
         * before the link's own check ran: look at the link once more, so
         * that a peer that died is reported lost, not as a clean leave.
         */
        if (old->link && old->was_up && xvios_link_progress(old->link) == XVIOS_LINK_DEAD) {
            v->st.link_lost++;
            XLOG_WARN("link to node %u (domid %u) died as the node left the cluster", old->node, old->domid);
            vke_local_event(v, XVIOS_EV_NODE_LOST, old->node);
        }
        XLOG_INFO("node %u left the cluster: closing its link", old->node);
        if (old->was_up)
            vke_local_event(v, XVIOS_EV_NODE_LEFT, old->node);
        vke_send_node_failed(v, old->node, 0, XVIOS_RC_UNREACHABLE);
        peer_dispose(v, old);
    }
    free(v->peers);
    v->peers = np;
    v->n_peers = n;
}

void vke_peers_dispose(struct xvios_vke *v)
{
    for (unsigned i = 0; i < v->n_peers; i++)
        peer_dispose(v, &v->peers[i]);
    free(v->peers);
    v->peers = NULL;
    v->n_peers = 0;
}

bool vke_peer_enqueue(struct xvios_vke *v, struct vke_peer *p, const void *buf, size_t len,
                      uint64_t txid, struct timespec deadline)
{
    int rc;

    /* nothing queued before it on a link that is up: onto the link now, without waiting (no copy, and no
     * loop turn in between); a full link (or one not up) queues it as before */
    if (!p->outq.head && p->link && p->was_up && xvios_link_state(p->link) == XVIOS_LINK_UP) {
        struct timespec now = xvios_now();
        rc = xvios_ts_cmp(now, deadline) < 0 ? xvios_link_send(p->link, buf, len, &now) : -ETIMEDOUT;
        if (rc == 0) {
            v->st.packets_out++;
            return true;
        }
        if (rc != -ETIMEDOUT && rc != -EAGAIN && rc != -ENOTCONN) {
            XLOG_WARN("send to node %u failed: %s", p->node, strerror(-rc));
            return false;
        }
    }
    rc = xvios_pktq_push(&p->outq, buf, len, txid, deadline);

    if (rc == -ENOBUFS) {
        v->st.link_dropped++;
        XLOG_WARN("link queue to node %u is full (%u packets): refused", p->node, p->outq.n);
    } else if (rc < 0) {
        XLOG_ERR("cannot queue for node %u: %s", p->node, strerror(-rc));
    }
    return rc == 0;
}

