/* SPDX-License-Identifier: MIT */
/*
 * vke_local_out.c - the way out to the local socket's connections: a
 * SEND_RESULT or reply to the connection that asked (never waited for: what
 * a connection does not take is kept in its bounded queue, and a connection
 * whose queue is full is dropped, logged and counted), and
 * inbound cluster traffic and link events for the daemon, held in a bounded
 * queue while no daemon is attached or it is busy. The send and receive
 * paths call this; it calls no other part of the VKE.
 *
 * Nothing inbound is lost without a trace: a held packet waits at most
 * XVIOS_VKE_HOLD_FACTOR cluster timeouts (then it is logged and counted,
 * up_expired); a CLUSTER_SEND written to a daemon that acknowledges
 * (ack=1 in its VKE_HELLO) stays in the unacked ring until its VKE_ACK, and
 * is logged and counted (up_lost) when the daemon goes away first. The
 * ring is bounded: while it is full, packets wait in the held queue.
 * A message that got a receipt has a record in the receipt journal
 * (vke_journal.h) until one of these accounts for it, so that a backend
 * killed meanwhile is followed by a log and a count, not silence.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/log.h"
#include "xvios/vke.h"

struct vke_conn *vke_local_conn(struct xvios_vke *v, uint32_t id)
{
    for (unsigned i = 0; i < VKE_MAX_CONNS; i++)
        if (v->conns[i].fd >= 0 && v->conns[i].id == id)
            return &v->conns[i];
    return NULL;
}

/* The header fields of an encoded (already validated) packet that name it in a log line. */
static void pkt_names(const uint8_t *pkt, uint16_t *opcode, uint64_t *txid, uint32_t *node, uint32_t *epoch,
                      uint32_t *msg_type)
{
    *opcode = xvios_get_le16(pkt + offsetof(struct xvios_hdr, opcode));
    *txid = xvios_get_le64(pkt + offsetof(struct xvios_hdr, txid));
    *msg_type = xvios_get_le32(pkt + XVIOS_HDR_LEN + offsetof(struct xvios_sub, msg_type));
    *node = xvios_get_le32(pkt + XVIOS_HDR_LEN + offsetof(struct xvios_sub, src_node));
    *epoch = xvios_get_le32(pkt + XVIOS_HDR_LEN + offsetof(struct xvios_sub, epoch));
}

/* A held packet's receipt journal slot (vke_internal.h: upq). */
static uint32_t held_slot(const struct xvios_pkt *p)
{
    return p->txid && p->txid <= UINT32_MAX ? (uint32_t)(p->txid - 1) : VKE_JOURNAL_NONE;
}

/* The daemon left: what it was given and did not acknowledge is lost with it. */
static void daemon_gone(struct xvios_vke *v)
{
    for (unsigned i = 0; i < v->unacked_n; i++) {
        const struct vke_unacked *u = &v->unacked[(v->unacked_head + i) % XVIOS_VKE_UNACKED_MAX];
        v->st.up_lost++;
        XLOG_WARN("message from node %u (txid %#llx, epoch %u, type %u) lost: the daemon went away before "
                  "acknowledging it", u->node, (unsigned long long)u->txid, u->epoch, u->msg_type);
        vke_journal_done(&v->journal, u->jslot);
    }
    v->unacked_n = 0;
    v->unacked_head = 0;
    v->up_seq = 0;
    v->up_acked = 0;
    v->daemon_acks = false;
}

void vke_local_close(struct xvios_vke *v, struct vke_conn *c)
{
    if (c->is_daemon) {
        XLOG_INFO("daemon detached");
        v->daemon_conn_id = 0;
        daemon_gone(v);
    }
    close(c->fd);
    c->fd = -1;
    c->is_daemon = false;
    c->bad_packets = 0;
    xvios_pktq_dispose(&c->outq);
}

bool vke_local_has_sends(const struct xvios_vke *v, uint32_t conn_id)
{
    for (unsigned i = 0; i < v->max_sends; i++)
        if (v->sends[i].used && !v->sends[i].who.cb && v->sends[i].who.conn_id == conn_id)
            return true;
    return false;
}

/* One packet onto the socket: 1 sent, 0 would block, -1 the connection failed (closed). */
static int put(struct xvios_vke *v, struct vke_conn *c, const void *buf, size_t len)
{
    for (;;) {
        ssize_t n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == (ssize_t)len)
            return 1;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        XLOG_WARN("local connection %u: %s: closed", c->id, n < 0 ? strerror(errno) : "short send");
        vke_local_close(v, c);
        return -1;
    }
}

void vke_local_flush(struct xvios_vke *v, struct vke_conn *c)
{
    const struct xvios_pkt *p;

    while (c->fd >= 0 && (p = xvios_pktq_peek(&c->outq))) {
        if (put(v, c, p->data, p->len) <= 0)
            return;
        xvios_pktq_drop(&c->outq);
    }
}

bool vke_local_send(struct xvios_vke *v, uint32_t conn_id, const void *buf, size_t len)
{
    struct vke_conn *c = vke_local_conn(v, conn_id);
    int rc;

    if (!c)
        return false;
    vke_local_flush(v, c);
    if (c->fd < 0)
        return false;
    /* an answer is activity: a caller's idle time counts from its last answer, not from a refresh that a
     * receipt slower than VKE_CONN_IDLE_MS may have come between */
    c->idle_deadline = xvios_deadline_ms(VKE_CONN_IDLE_MS);
    if (!c->outq.head) {
        rc = put(v, c, buf, len);
        if (rc != 0)
            return rc > 0;
    }
    if (xvios_pktq_push(&c->outq, buf, len, 0, (struct timespec){ 0 }) < 0) {
        v->st.local_dropped++;
        XLOG_WARN("local connection %u%s does not read (%u packets, %zu bytes queued): dropped", c->id,
                  c->is_daemon ? " (the daemon)" : "", c->outq.n, c->outq.bytes);
        vke_local_close(v, c);
        return false;
    }
    return true;
}

/* The daemon's connection when a packet may be written to it now: nothing queued before it and, for a
 * message of a daemon that acknowledges, room in the unacknowledged ring. NULL otherwise. */
static struct vke_conn *daemon_ready(struct xvios_vke *v, uint16_t opcode)
{
    struct vke_conn *c = v->daemon_conn_id ? vke_local_conn(v, v->daemon_conn_id) : NULL;

    if (!c || c->fd < 0 || c->outq.head)
        return NULL;
    if (v->daemon_acks && opcode == XVIOS_OP_CLUSTER_SEND && v->unacked_n >= XVIOS_VKE_UNACKED_MAX)
        return NULL;
    return c;
}

/* A packet went into the daemon's socket: counted, and its journal slot accounted for (rewritten "handed"
 * when the daemon acknowledges, else closed). */
static void note_handed(struct xvios_vke *v, const uint8_t *pkt, uint32_t jslot)
{
    uint16_t opcode;
    uint64_t txid;
    uint32_t node, epoch, type;

    pkt_names(pkt, &opcode, &txid, &node, &epoch, &type);
    v->st.delivered_up++;
    v->up_seq++;
    if (v->daemon_acks && opcode == XVIOS_OP_CLUSTER_SEND) {
        struct vke_unacked *u = &v->unacked[(v->unacked_head + v->unacked_n) % XVIOS_VKE_UNACKED_MAX];
        *u = (struct vke_unacked){ .seq = v->up_seq, .txid = txid, .node = node, .epoch = epoch,
                                   .msg_type = type, .jslot = jslot };
        v->unacked_n++;
        vke_journal_handed(&v->journal, jslot);
    } else {
        vke_journal_done(&v->journal, jslot);   /* a daemon that does not acknowledge has it now */
    }
}

void vke_local_flush_up(struct xvios_vke *v)
{
    struct vke_conn *c = v->daemon_conn_id ? vke_local_conn(v, v->daemon_conn_id) : NULL;

    if (c)
        vke_local_flush(v, c);   /* what it was answered first goes first */
    while (c && c->fd >= 0 && !c->outq.head && v->upq.head) {
        struct xvios_pkt *p = xvios_pktq_peek(&v->upq);
        int rc;

        if (!daemon_ready(v, xvios_get_le16(p->data + offsetof(struct xvios_hdr, opcode))))
            return; /* the daemon has not acknowledged what it has: hold the rest */
        rc = put(v, c, p->data, p->len);
        if (rc <= 0)
            return; /* the daemon is busy (the queue holds it), or its connection failed (closed) */
        note_handed(v, p->data, held_slot(p));
        xvios_pktq_drop(&v->upq);
    }
}

bool vke_local_ack(struct xvios_vke *v, uint64_t n)
{
    if (n < v->up_acked || n > v->up_seq)
        return false;
    v->up_acked = n;
    while (v->unacked_n && v->unacked[v->unacked_head].seq <= n) {
        vke_journal_done(&v->journal, v->unacked[v->unacked_head].jslot);
        v->unacked_head = (v->unacked_head + 1) % XVIOS_VKE_UNACKED_MAX;
        v->unacked_n--;
    }
    return true;
}

void vke_local_drop_held(struct xvios_vke *v, const char *why)
{
    struct xvios_pkt *p;

    while ((p = xvios_pktq_peek(&v->upq))) {
        uint16_t opcode;
        uint64_t txid;
        uint32_t node, epoch, type;

        pkt_names(p->data, &opcode, &txid, &node, &epoch, &type);
        if (opcode == XVIOS_OP_CLUSTER_SEND) {
            v->st.up_lost++;
            XLOG_WARN("message from node %u (txid %#llx, epoch %u, type %u) %s", node, (unsigned long long)txid,
                      epoch, type, why);
        }
        vke_journal_done(&v->journal, held_slot(p));
        xvios_pktq_drop(&v->upq);
    }
}

void vke_local_expire_up(struct xvios_vke *v)
{
    struct timespec now = xvios_now();
    struct xvios_pkt *p;

    while ((p = xvios_pktq_peek(&v->upq)) && xvios_ts_cmp(p->deadline, now) <= 0) {
        uint16_t opcode;
        uint64_t txid;
        uint32_t node, epoch, type;

        pkt_names(p->data, &opcode, &txid, &node, &epoch, &type);
        v->st.up_expired++;
        XLOG_WARN("%s from node %u (txid %#llx, epoch %u, type %u) expired: no daemon took it in time (%u x the "
                  "cluster timeout)", xvios_opcode_name(opcode), node, (unsigned long long)txid, epoch, type,
                  XVIOS_VKE_HOLD_FACTOR);
        vke_journal_done(&v->journal, held_slot(p));
        xvios_pktq_drop(&v->upq);
    }
}

bool vke_local_deliver_up(struct xvios_vke *v, const void *buf, size_t len, uint32_t jslot)
{
    uint32_t hold = v->default_timeout_ms ? v->default_timeout_ms : XVIOS_DB_DEFAULT_TIMEOUT_MS;
    uint64_t tag = jslot == VKE_JOURNAL_NONE ? 0 : (uint64_t)jslot + 1;
    struct vke_conn *c = v->upq.head ? NULL : daemon_ready(v, xvios_get_le16((const uint8_t *)buf +
                                                                            offsetof(struct xvios_hdr, opcode)));

    if (c && put(v, c, buf, len) > 0) {   /* nothing queued before it: straight into the daemon's socket */
        note_handed(v, buf, jslot);
        return true;
    }
    if (xvios_pktq_push(&v->upq, buf, len, tag, xvios_deadline_ms(XVIOS_VKE_HOLD_FACTOR * hold)) < 0) {
        vke_journal_done(&v->journal, jslot);
        return false;
    }
    vke_local_flush_up(v);
    return true;
}

void vke_local_event(struct xvios_vke *v, enum xvios_event ev, uint32_t node)
{
    struct xvios_msg m;
    size_t len = 0;

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_EVENT;
    m.sub.msg_type = ev;
    m.sub.src_node = node;
    if (xvios_msg_encode(&m, v->encbuf, XVIOS_MAX_MSG, &len) != XVIOS_WIRE_OK)
        return;
    if (!vke_local_deliver_up(v, v->encbuf, len, VKE_JOURNAL_NONE)) {
        v->st.up_queue_full++;
        XLOG_WARN("event %u for node %u lost: the daemon queue is full", ev, node);
    }
}
