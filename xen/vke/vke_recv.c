/* SPDX-License-Identifier: MIT */
/*
 * vke_recv.c - the receive path: every datagram from a link is untrusted
 * until xvios_msg_decode() and the checks below accept it; a bad one is
 * dropped, logged with the peer named, and counted. A receipt, when asked
 * for, is generated here, before the message goes up to the daemon (patent:
 * the receiving VKE issues the receipt notification). A message held for
 * the daemon is written to the receipt journal first (vke_journal.h), so a
 * receipt is never followed by a silent loss, even when the backend is killed.
 */
#include <string.h>

#include "vke_internal.h"
#include <time.h>

#include "xvios/clock.h"
#include "xvios/log.h"

static void drop(struct xvios_vke *v, const struct vke_peer *p, const char *why)
{
    v->st.malformed_in++;
    XLOG_WARN("dropped a packet from node %u (domid %u): %s", p->node, p->domid, why);
}

/* The receiving side's checks beyond the decoder: is this packet plausible from this peer? */
static const char *check_from_peer(const struct xvios_vke *v, const struct vke_peer *p, const struct xvios_msg *m)
{
    uint32_t self = v->members.self;

    if (m->sub.src_node != p->node)
        return "source node does not match the link's peer";
    /* dst_node 0: a broadcast sent once for several nodes (a group send, vke_group.c); the link it came
     * on is this node's from that peer, so it is addressed here */
    if (m->sub.dst_node != self &&
        !(m->sub.dst_node == 0 && m->hdr.opcode == XVIOS_OP_CLUSTER_SEND && (m->hdr.flags & XVIOS_F_BROADCAST)))
        return "addressed to another node";
    switch (m->hdr.opcode) {
    case XVIOS_OP_CLUSTER_SEND:
        if (xvios_txid_node(m->hdr.txid) != p->node)
            return "txid does not carry the sender's node id";
        if (m->hdr.status != XVIOS_ST_OK)
            return "a send carries a status";
        return NULL;
    case XVIOS_OP_CLUSTER_RESPONSE:
        if (xvios_txid_node(m->hdr.txid) != self)
            return "response to a txid this node did not issue";
        return NULL;
    case XVIOS_OP_RECEIPT:
        if (xvios_txid_node(m->hdr.txid) != self)
            return "receipt for a txid this node did not issue";
        if (m->hdr.payload_len != 0 || m->sub.n_targets != 0)
            return "receipt with a payload or targets";
        if (m->hdr.status != XVIOS_ST_OK && m->hdr.status != XVIOS_ST_QUEUE_FULL)
            return "receipt with an unexpected status";
        return NULL;
    default:   /* xvios_msg_decode_on(XVIOS_CH_LINK) refused every other opcode */
        return "opcode not allowed on a cluster link";
    }
}

static void send_receipt(struct xvios_vke *v, struct vke_peer *p, const struct xvios_msg *m, enum xvios_status st)
{
    struct xvios_msg r;
    size_t len = 0;

    memset(&r, 0, sizeof(r));
    r.hdr.opcode = XVIOS_OP_RECEIPT;
    r.hdr.status = st;
    r.hdr.txid = m->hdr.txid;
    r.sub.msg_type = m->sub.msg_type;
    r.sub.src_node = v->members.self;
    r.sub.dst_node = p->node;
    r.sub.originator = m->sub.originator;
    r.sub.epoch = m->sub.epoch;   /* the receipt names the send by (txid, epoch) */
    if (xvios_msg_encode(&r, v->encbuf, XVIOS_MAX_MSG, &len) != XVIOS_WIRE_OK)
        return;
    if (vke_peer_enqueue(v, p, v->encbuf, len, r.hdr.txid, xvios_deadline_ms(v->default_timeout_ms)))
        v->st.receipts_sent++;
}

/* The receipt journal's record of a message about to be receipted and held for the daemon. */
static uint32_t journal_held(struct xvios_vke *v, const struct xvios_msg *m)
{
    struct timespec now;
    struct vke_jrec r = { .node = m->sub.src_node, .epoch = m->sub.epoch, .msg_type = m->sub.msg_type,
                          .txid = m->hdr.txid };

    if (clock_gettime(CLOCK_REALTIME, &now) == 0 && now.tv_sec >= 0)
        r.received_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    return vke_journal_add(&v->journal, &r);
}

void vke_recv_packet(struct xvios_vke *v, struct vke_peer *p, const uint8_t *untrusted_buf, size_t untrusted_len)
{
    struct xvios_msg m;
    const char *why;
    int err = xvios_msg_decode_on(XVIOS_CH_LINK, untrusted_buf, untrusted_len, &m);
    bool room, inproc, receipt;
    uint32_t jslot = VKE_JOURNAL_NONE;

    if (err != XVIOS_WIRE_OK) {
        drop(v, p, xvios_wire_strerror(err));
        return;
    }
    why = check_from_peer(v, p, &m);
    if (why) {
        drop(v, p, why);
        return;
    }
    /* from here on the packet is sanitized */
    v->st.packets_in++;
    if (m.hdr.opcode == XVIOS_OP_RECEIPT) {
        vke_send_receipt_in(v, p, &m);
        return;
    }
    /* a type an in-process receiver claimed goes to it, everything else to the daemon */
    inproc = vke_inproc_claims(v, m.sub.msg_type);
    room = inproc ? !vke_inproc_full(v) : !xvios_pktq_full(&v->upq);
    receipt = m.hdr.opcode == XVIOS_OP_CLUSTER_SEND && (m.hdr.flags & XVIOS_F_RECEIPT);
    /* in-process receivers are not journaled: they run in this process's next loop turn, and what
     * they did with a message dies with the process anyway (docs/protocol.md) */
    if (receipt && room && !inproc)
        jslot = journal_held(v, &m);
    /* the receipt goes out now, before the hand-up (patent: the receiving VKE issues it prior to forwarding
     * the message to its daemon); on an up link with nothing queued that is this send() */
    if (receipt)
        send_receipt(v, p, &m, room ? XVIOS_ST_OK : XVIOS_ST_QUEUE_FULL);
    if (!room || !(inproc ? vke_inproc_deliver(v, untrusted_buf, untrusted_len)
                          : vke_local_deliver_up(v, untrusted_buf, untrusted_len, jslot))) {
        v->st.up_queue_full++;
        XLOG_WARN("txid %#llx from node %u not delivered: the %s queue is full",
                  (unsigned long long)m.hdr.txid, p->node, inproc ? "in-process" : "daemon");
    }
}
