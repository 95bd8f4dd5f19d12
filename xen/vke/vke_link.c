/* SPDX-License-Identifier: MIT */
/*
 * vke_link.c - the traffic of the peers' links, in the service at the end of
 * a loop turn: every peer on the service's ticks, between them only the
 * peers whose link woke the loop or that have something queued (a turn's
 * cost does not grow with the cluster). Per peer: re-open a dead link on
 * time, progress it, report it up or lost, take up to RECV_BURST datagrams
 * to the receive path, flush the output queue, and fail queued datagrams
 * whose deadline passed. A send goes straight onto an up link whose queue
 * is empty (vke_peer_enqueue).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"

#define RECV_BURST 64   /* datagrams taken from one link per loop turn */

/* Drop queued datagrams whose deadline passed; the sends they belong to fail by their own deadline. */
static void expire_queue(struct xvios_vke *v, struct vke_peer *p, struct timespec now)
{
    while (p->outq.head && xvios_ts_cmp(now, p->outq.head->deadline) >= 0) {
        struct xvios_pkt *pkt = xvios_pktq_pop(&p->outq);
        v->st.link_expired++;
        XLOG_WARN("packet txid %#llx for node %u expired in the link queue",
                  (unsigned long long)pkt->txid, p->node);
        vke_send_node_failed(v, p->node, pkt->txid, XVIOS_RC_TIMED_OUT);
        free(pkt);
    }
}

static void flush_queue(struct xvios_vke *v, struct vke_peer *p, struct timespec now)
{
    while (p->outq.head) {
        struct xvios_pkt *pkt = xvios_pktq_peek(&p->outq);
        int rc = xvios_link_send(p->link, pkt->data, pkt->len, &now); /* no waiting: deadline now */
        if (rc == -ETIMEDOUT || rc == -EAGAIN || rc == -ENOTCONN)
            return; /* link full: try again next turn */
        pkt = xvios_pktq_pop(&p->outq);
        if (rc == 0) {
            v->st.packets_out++;
        } else {
            XLOG_WARN("send to node %u failed: %s", p->node, strerror(-rc));
            vke_send_node_failed(v, p->node, pkt->txid, XVIOS_RC_UNREACHABLE);
        }
        free(pkt);
        if (rc == -EPIPE)
            return;
    }
}

void vke_peer_receive(struct xvios_vke *v, struct vke_peer *p)
{
    for (unsigned k = 0; k < RECV_BURST && p->link; k++) {
        size_t len = 0;
        int rc = xvios_link_recv(p->link, v->iobuf, XVIOS_LINK_MAX_DGRAM, &len);
        if (rc == -EAGAIN || rc == -EPIPE || rc == -EPROTO || rc == -ENOTCONN)
            return;
        if (rc < 0) {
            v->st.malformed_in++;
            XLOG_WARN("dropped a datagram from node %u: %s", p->node, strerror(-rc));
            continue;
        }
        vke_recv_packet(v, p, v->iobuf, len);
    }
}

static void peer_service(struct xvios_vke *v, struct vke_peer *p, struct timespec now)
{
    enum xvios_link_state s;

    p->ready = false;
    if (!p->link) {
        if (xvios_ts_cmp(now, p->reopen_at) >= 0)
            vke_peer_open(v, p);
        if (!p->link) {
            expire_queue(v, p, now);
            return;
        }
    }
    s = xvios_link_progress(p->link);
    if (s == XVIOS_LINK_UP && !p->was_up) {
        p->was_up = true;
        v->st.link_up++;
        XLOG_INFO("link to node %u (domid %u) is up", p->node, p->domid);
        vke_local_event(v, XVIOS_EV_NODE_JOINED, p->node);
    }
    if (s == XVIOS_LINK_UP) {
        vke_peer_receive(v, p);
        s = xvios_link_state(p->link);
    }
    if (s == XVIOS_LINK_DEAD) {
        if (p->was_up) {
            v->st.link_lost++;
            XLOG_WARN("link to node %u (domid %u) died", p->node, p->domid);
            vke_local_event(v, XVIOS_EV_NODE_LOST, p->node);
        }
        vke_send_node_failed(v, p->node, 0, XVIOS_RC_UNREACHABLE);
        xvios_link_close(p->link);
        p->link = NULL;
        p->was_up = false;
        p->reopen_at = xvios_ts_add_ms(now, VKE_RECONNECT_MS);
        expire_queue(v, p, now);
        return;
    }
    if (s == XVIOS_LINK_UP)
        flush_queue(v, p, now);
    expire_queue(v, p, now);
}

void vke_peers_service(struct xvios_vke *v)
{
    struct timespec now = xvios_now();

    for (unsigned i = 0; i < v->n_peers; i++)
        peer_service(v, &v->peers[i], now);
}

void vke_peers_service_woken(struct xvios_vke *v)
{
    struct timespec now = xvios_now();

    for (unsigned i = 0; i < v->n_peers; i++)
        if (v->peers[i].ready || v->peers[i].outq.head)
            peer_service(v, &v->peers[i], now);
}
