/* SPDX-License-Identifier: MIT */
/*
 * vke_conn.c - the daemon's connection to its VKE (xvios-backend) over
 * RUNDIR/vke.sock: attach with VKE_HELLO (the answer must name this node),
 * a bounded non-blocking output queue, and the inbound dispatch:
 * SEND_RESULT -> sendop.c, CLUSTER_RESPONSE -> the response queue,
 * CLUSTER_SEND -> handlers.c, VKE_EVENT -> events.c, VKE_STATS ->
 * vke_stats.c. Everything read here is
 * untrusted until xvios_msg_decode() accepts it. A lost VKE fails every
 * outstanding send and is reconnected on a timer.
 *
 * The daemon attaches with "ack=1": it numbers the packets the VKE hands up
 * (CLUSTER_SEND, CLUSTER_RESPONSE, VKE_EVENT) and tells the VKE with
 * VKE_ACK how many are consumed - handled, and any MESSAGE event they made
 * written to the subscribers' sockets (not just queued) - so that what dies
 * with this process is counted by the VKE (up_lost), not lost silently.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xviosd.h"
#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/paths.h"
#include "xvios/unixsock.h"

#define VKE_RECONNECT_MS 500u
#define VKE_HELLO_MS     5000u

void viod_vke_init(struct xviosd *d)
{
    d->vke_fd = -1;
    d->vke_state = VKE_DOWN;
    d->vke_retry_at = xvios_now();
    xvios_pktq_init(&d->vke_out, XVD_VKE_OUTQ_PKTS, XVD_VKE_OUTQ_BYTES);
}

void viod_vke_dispose(struct xviosd *d)
{
    if (d->vke_fd >= 0)
        close(d->vke_fd);
    d->vke_fd = -1;
    d->vke_state = VKE_DOWN;
    xvios_pktq_dispose(&d->vke_out);
}

void viod_vke_lost(struct xviosd *d, const char *why)
{
    if (d->vke_fd >= 0) {
        XLOG_WARN("lost the VKE: %s; reconnecting", why);
        close(d->vke_fd);
    }
    d->vke_fd = -1;
    d->vke_state = VKE_DOWN;
    d->vs.asking = false;
    xvios_pktq_dispose(&d->vke_out);
    /* the numbers were the old connection's: what is still queued for callers is acknowledged to nobody */
    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
        for (struct xvios_pkt *p = d->callers[i].used ? d->callers[i].out.head : NULL; p; p = p->next)
            p->txid = 0;
    viod_user_forget_up(d);
    d->up_in = 0;
    d->up_acked = 0;
    d->vke_retry_at = xvios_deadline_ms(VKE_RECONNECT_MS);
    viod_op_vke_lost(d);
}

int viod_vke_connect(struct xviosd *d)
{
    char path[128];
    struct xvios_msg hello;
    int fd = -1, rc;

    rc = xvios_run_path(path, sizeof(path), d->rundir, XVIOS_VKE_SOCK);
    if (rc < 0)
        return -ENAMETOOLONG;
    rc = xvios_unix_connect(path, NULL, true, &fd);   /* one attempt; the timer tries again */
    if (rc < 0) {
        d->vke_retry_at = xvios_deadline_ms(VKE_RECONNECT_MS);
        return rc;
    }
    d->vke_fd = fd;
    d->vke_state = VKE_HELLO_SENT;
    d->vke_hello_deadline = xvios_deadline_ms(VKE_HELLO_MS);
    memset(&hello, 0, sizeof(hello));
    hello.hdr.opcode = XVIOS_OP_VKE_HELLO;
    hello.payload = (const uint8_t *)"ack=1\n";
    hello.hdr.payload_len = 6;
    d->up_in = 0;
    d->up_acked = 0;
    return viod_vke_push(d, &hello);
}

int viod_vke_flush(struct xviosd *d)
{
    const struct xvios_pkt *p;

    while (d->vke_fd >= 0 && (p = xvios_pktq_peek(&d->vke_out))) {
        ssize_t n = send(d->vke_fd, p->data, p->len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n < 0) {
            char why[64];
            snprintf(why, sizeof(why), "send: %s", strerror(errno));
            viod_vke_lost(d, why);
            return -EPIPE;
        }
        xvios_pktq_drop(&d->vke_out);
    }
    return 0;
}

static void on_hello(struct xviosd *d, const struct xvios_msg *m)
{
    if (d->vke_state != VKE_HELLO_SENT) {
        XLOG_WARN("unexpected VKE_HELLO answer: dropped");
        d->c.vke_rx_bad++;
        return;
    }
    if (m->hdr.status != XVIOS_ST_OK) {
        XLOG_ERR("the VKE refused to attach this daemon: %s%s", xvios_status_name(m->hdr.status),
                 m->hdr.status == XVIOS_ST_TRY_AGAIN ? " (another daemon is attached)" : "");
        viod_vke_lost(d, "attach refused");
        return;
    }
    if (m->sub.src_node != d->self_node) {
        XLOG_ERR("the VKE says this is node %u, the cluster DB says node %u: refusing it", m->sub.src_node,
                 d->self_node);
        viod_vke_lost(d, "node id mismatch");
        return;
    }
    d->vke_state = VKE_READY;
    if (!d->grace_set) {
        /* a fresh daemon: USER messages the VKE held for it wait a little for a subscriber */
        d->grace_until = xvios_deadline_ms(XVD_SUBSCRIBE_GRACE_MS);
        d->grace_set = true;
    }
    d->vke_ever_ready = true;
    d->vs.next_ask = xvios_now();   /* the counters right away, then every XVD_VKE_STATS_MS */
    XLOG_INFO("attached to the VKE as node %u", d->self_node);
}

void viod_vke_on_readable(struct xviosd *d)
{
    for (int budget = 256; budget > 0 && d->vke_fd >= 0; budget--) {
        struct xvios_msg m;
        size_t untrusted_len = 0;
        int werr, rc = xvios_msg_recv(d->vke_fd, XVIOS_CH_VKE_TO_DAEMON, d->rx, &m, &untrusted_len, &werr);

        if (rc == 0)
            return;
        if (rc < 0 && rc != -EBADMSG) {
            viod_vke_lost(d, rc == -EPIPE ? "the VKE closed the connection" : strerror(-rc));
            return;
        }
        if (rc < 0) {
            XLOG_WARN("dropped a malformed packet from the VKE (%zu bytes): %s%s%s", untrusted_len,
                      xvios_wire_strerror(werr), werr == XVIOS_WIRE_ECHANNEL ? ": " : "",
                      werr == XVIOS_WIRE_ECHANNEL ? xvios_opcode_name(m.hdr.opcode) : "");
            d->c.vke_rx_bad++;
            continue;
        }
        if (m.hdr.opcode == XVIOS_OP_CLUSTER_SEND || m.hdr.opcode == XVIOS_OP_CLUSTER_RESPONSE ||
            m.hdr.opcode == XVIOS_OP_VKE_EVENT)
            d->up_cur = ++d->up_in;   /* what the VKE handed up, in its order: VKE_ACK counts these */
        else
            d->up_cur = 0;
        if (m.hdr.opcode == XVIOS_OP_VKE_HELLO) {
            on_hello(d, &m);
            continue;
        }
        if (d->vke_state != VKE_READY) {
            XLOG_WARN("dropped %s from the VKE before attaching", xvios_opcode_name(m.hdr.opcode));
            d->c.vke_rx_bad++;
            continue;
        }
        switch (m.hdr.opcode) {
        case XVIOS_OP_SEND_RESULT:
            viod_op_on_send_result(d, &m);
            break;
        case XVIOS_OP_CLUSTER_RESPONSE:
            if (m.sub.src_node == 0 || m.sub.src_node == d->self_node) {
                XLOG_WARN("dropped a response claiming to come from node %u", m.sub.src_node);
                d->c.vke_rx_bad++;
                break;
            }
            viod_op_on_response(d, &m);
            break;
        case XVIOS_OP_CLUSTER_SEND:
            if (m.sub.src_node == 0 || m.sub.src_node == d->self_node) {
                XLOG_WARN("dropped a message claiming to come from node %u", m.sub.src_node);
                d->c.vke_rx_bad++;
                break;
            }
            viod_handle_cluster_send(d, &m);
            break;
        case XVIOS_OP_VKE_EVENT:
            viod_events_on_vke_event(d, &m);
            break;
        case XVIOS_OP_VKE_STATS:
            viod_vke_stats_on_answer(d, &m);
            break;
        default:   /* xvios_msg_decode_on refused every other opcode */
            break;
        }
    }
}

void viod_vke_ack(struct xviosd *d)
{
    uint64_t ack = d->up_in, held = viod_user_oldest_held(d);
    struct xvios_msg m;

    if (d->vke_state != VKE_READY || d->up_in <= d->up_acked)
        return;
    if (held && held - 1 < ack)
        ack = held - 1;
    /* a MESSAGE event still queued for a caller is not consumed yet; a dead caller's count as lost (reaped).
     * A subscriber that leaves one unread for XVD_SUBSCRIBER_READ_MS would hold every acknowledgement (and
     * so, once the VKE's unacked window is full, all inbound traffic): it is disconnected instead. */
    for (unsigned i = 0; i < XVD_MAX_CALLERS && ack > d->up_acked; i++) {
        struct caller *c = &d->callers[i];
        if (!c->used || c->dead)
            continue;
        for (const struct xvios_pkt *p = c->out.head; p; p = p->next) {
            if (!p->txid)
                continue;
            if (xvios_ts_passed(&p->deadline)) {
                XLOG_WARN("caller %u (%s) leaves its messages unread: disconnecting it", c->id,
                          c->name[0] ? c->name : "?");
                c->dead = true;   /* reaped next turn, its events counted lost; until then they bound the ack */
            }
            if (p->txid - 1 < ack)
                ack = p->txid - 1;
            break;
        }
    }
    if (ack <= d->up_acked)
        return;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_ACK;
    m.hdr.txid = ack;
    if (viod_vke_queue(d, &m) == 0)
        d->up_acked = ack;
}

void viod_vke_tick(struct xviosd *d, struct timespec now)
{
    if (d->vke_state == VKE_DOWN && xvios_ts_cmp(d->vke_retry_at, now) <= 0) {
        int rc = viod_vke_connect(d);
        if (rc < 0 && d->vke_fd < 0)
            XLOG_DEBUG("VKE not there yet: %s", strerror(-rc));
    } else if (d->vke_state == VKE_HELLO_SENT && xvios_ts_cmp(d->vke_hello_deadline, now) <= 0) {
        viod_vke_lost(d, "no answer to VKE_HELLO");
    } else if (d->vke_state == VKE_READY) {
        viod_vke_stats_tick(d, now);
    }
}
