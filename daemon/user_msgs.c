/* SPDX-License-Identifier: MIT */
/*
 * user_msgs.c - USER messages (types >= XVIOS_MT_USER_BASE) that passed the
 * duplicate filter: handed to the subscribed callers as MESSAGE events.
 * A freshly started daemon has no subscriber yet, so for
 * XVD_SUBSCRIBE_GRACE_MS after its first attach to the VKE such a message
 * is held (at most XVD_HELD_PKTS) and handed over when a caller subscribes.
 * Otherwise a message nobody subscribed to is logged with its sender and
 * txid, counted (received_no_subscriber), and answered NO_SUBSCRIBER when
 * the sender asked for a response. Every message lost on this side is
 * logged and counted in received_dropped; none disappears silently.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/clock.h"
#include "xvios/kv.h"
#include "xvios/log.h"

static void count_no_subscriber(struct xviosd *d, const struct xvios_msg *m, const char *why)
{
    d->c.received_no_subscriber++;
    d->c.received_dropped++;
    XLOG_WARN("message type %u from node %u (txid %" PRIx64 ", epoch %u) dropped: %s", m->sub.msg_type,
              m->sub.src_node, m->hdr.txid, m->sub.epoch, why);
}

/* The MESSAGE event of m to every subscriber: XVIOS_ST_OK, NO_SUBSCRIBER (none), or INTERNAL (too large). */
static int hand_over(struct xviosd *d, const struct xvios_msg *m, uint64_t up)
{
    static uint8_t ev[XVIOS_MAX_PAYLOAD];
    char head[160];
    int n;

    if (viod_events_subscribers(d, XVIOS_EV_MESSAGE) == 0) {
        count_no_subscriber(d, m, "no caller subscribed to messages");
        return XVIOS_ST_NO_SUBSCRIBER;
    }
    /* the event payload: key=value lines, a blank line, then the message bytes */
    n = snprintf(head, sizeof(head), "node=%u\ntype=%u\ntxid=%" PRIx64 "\nepoch=%u\noriginator=%u\nlen=%u\n\n",
                 m->sub.src_node, m->sub.msg_type, m->hdr.txid, m->sub.epoch, m->sub.originator, m->hdr.payload_len);
    if (n <= 0 || (size_t)n >= sizeof(head) || (size_t)n + m->hdr.payload_len > XVIOS_MAX_PAYLOAD) {
        d->c.received_dropped++;
        XLOG_WARN("message type %u from node %u (txid %" PRIx64 ", epoch %u) dropped: too large to pass on as "
                  "an event (%u bytes)", m->sub.msg_type, m->sub.src_node, m->hdr.txid, m->sub.epoch,
                  m->hdr.payload_len);
        return XVIOS_ST_INTERNAL;
    }
    memcpy(ev, head, (size_t)n);
    if (m->hdr.payload_len)
        memcpy(ev + n, m->payload, m->hdr.payload_len);
    /* a copy a subscriber's full queue refused is logged and counted there */
    if (viod_events_emit_message(d, m->sub.src_node, m->hdr.txid, m->sub.epoch, (const char *)ev,
                                 (size_t)n + m->hdr.payload_len, up) == 0)
        return XVIOS_ST_INTERNAL;
    return XVIOS_ST_OK;
}

static bool in_grace(const struct xviosd *d)
{
    return d->grace_set && !xvios_ts_passed(&d->grace_until);
}

int viod_user_deliver(struct xviosd *d, const struct xvios_msg *req, int *status)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    size_t len = 0;

    if (viod_events_subscribers(d, XVIOS_EV_MESSAGE) > 0 || !in_grace(d)) {
        *status = hand_over(d, req, d->up_cur);
        return HANDLER_RESPOND;
    }
    if (xvios_msg_encode(req, buf, sizeof(buf), &len) == XVIOS_WIRE_OK &&
        xvios_pktq_push(&d->held, buf, len, d->up_cur, (struct timespec){ 0 }) == 0) {
        XLOG_DEBUG("message from node %u (txid %" PRIx64 ") held until a caller subscribes", req->sub.src_node,
                   req->hdr.txid);
        return HANDLER_DEFERRED;   /* answered when handed over, or when the grace window ends */
    }
    count_no_subscriber(d, req, "no subscriber yet and the start-up hold is full");
    *status = XVIOS_ST_NO_SUBSCRIBER;
    return HANDLER_RESPOND;
}

/* Take every held message: hand it over (a subscriber is there) or count it as having none. */
static void drain(struct xviosd *d)
{
    struct xvios_pkt *p;

    while ((p = xvios_pktq_pop(&d->held))) {
        struct xvios_msg m;
        int st;

        if (xvios_msg_decode(p->data, p->len, &m) != XVIOS_WIRE_OK) {   /* our own encoding: cannot happen */
            d->c.received_dropped++;
            XLOG_ERR("a held message does not decode: dropped");
            free(p);
            continue;
        }
        st = hand_over(d, &m, p->txid);
        if (m.hdr.flags & XVIOS_F_RESPONSE)
            viod_respond_to_peer(d, m.hdr.txid, m.sub.epoch, m.sub.src_node, m.sub.msg_type, st, NULL, 0);
        free(p);
    }
}

void viod_user_release(struct xviosd *d)
{
    if (d->held.n && viod_events_subscribers(d, XVIOS_EV_MESSAGE) > 0) {
        XLOG_INFO("a caller subscribed: handing over %u held message(s)", d->held.n);
        drain(d);
    }
}

void viod_user_tick(struct xviosd *d, struct timespec now)
{
    (void)now;
    if (d->held.n && !in_grace(d))
        drain(d);   /* hand_over() counts and logs each as having no subscriber */
}

int viod_user_next_deadline(const struct xviosd *d, struct timespec *out)
{
    if (!d->held.n || !d->grace_set)
        return 0;
    *out = d->grace_until;
    return 1;
}

uint64_t viod_user_oldest_held(const struct xviosd *d)
{
    for (const struct xvios_pkt *p = d->held.head; p; p = p->next)
        if (p->txid)
            return p->txid;
    return 0;
}

void viod_user_forget_up(struct xviosd *d)
{
    for (struct xvios_pkt *p = d->held.head; p; p = p->next)
        p->txid = 0;
}

void viod_user_lost_with_caller(struct xviosd *d, const struct caller *c)
{
    for (const struct xvios_pkt *p = c->out.head; p; p = p->next) {
        struct xvios_msg m;
        const char *text, *end;
        char node[16] = "?", txid[24] = "?", epoch[16] = "?";

        if (xvios_msg_decode(p->data, p->len, &m) != XVIOS_WIRE_OK || m.hdr.opcode != XVIOS_OP_API_EVENT ||
            m.sub.msg_type != XVIOS_EV_MESSAGE || !m.payload)
            continue;
        text = (const char *)m.payload;
        end = memmem(text, m.hdr.payload_len, "\n\n", 2);
        if (end) {
            xvios_kv_get(text, (size_t)(end - text) + 1, "node", node, sizeof(node));
            xvios_kv_get(text, (size_t)(end - text) + 1, "txid", txid, sizeof(txid));
            xvios_kv_get(text, (size_t)(end - text) + 1, "epoch", epoch, sizeof(epoch));
        }
        d->c.received_dropped++;
        XLOG_WARN("message from node %s (txid %s, epoch %s) lost for caller %u: the caller is gone before "
                  "taking it", node, txid, epoch, c->id);
    }
}
