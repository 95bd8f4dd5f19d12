/* SPDX-License-Identifier: MIT */
/*
 * vke_inproc.c - cluster messaging for subsystems of the VKE's own process
 * (see include/xvios/vke.h): receivers registered by message-type range, and
 * the way out to them: inbound packets and the results of their sends
 * (vke_inproc_send.c is the way in, a send with the daemon socket's
 * semantics).
 *
 * Nothing here calls a subsystem back from inside the VKE's own work (a
 * callback that sends would otherwise re-enter the link service while it
 * walks the peers): inbound packets and SEND_RESULTs are queued, encoded
 * exactly as the daemon would read them, and handed over by the service at
 * the end of the loop's turn, a bounded number per turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"

static const struct vke_receiver *receiver_for(const struct xvios_vke *v, uint32_t msg_type)
{
    for (unsigned i = 0; i < v->n_receivers; i++)
        if (msg_type >= v->receivers[i].first && msg_type <= v->receivers[i].last)
            return &v->receivers[i];
    return NULL;
}

bool vke_inproc_claims(const struct xvios_vke *v, uint32_t msg_type) { return receiver_for(v, msg_type) != NULL; }

bool vke_inproc_full(const struct xvios_vke *v) { return xvios_pktq_full(&v->inq); }

bool vke_inproc_pending(const struct xvios_vke *v) { return v->inq.n || v->results; }

int xvios_vke_receiver_add(struct xvios_vke *v, uint32_t first_type, uint32_t last_type,
                           xvios_vke_receive_cb cb, void *arg)
{
    if (!v || !cb || first_type > last_type || first_type < XVIOS_MT_BACKEND_BASE ||
        last_type > XVIOS_MT_BACKEND_LAST)
        return -EINVAL;
    for (unsigned i = 0; i < v->n_receivers; i++)
        if (first_type <= v->receivers[i].last && last_type >= v->receivers[i].first)
            return -EEXIST;
    if (v->n_receivers >= VKE_MAX_RECEIVERS)
        return -ENOSPC;
    v->receivers[v->n_receivers++] = (struct vke_receiver){ .first = first_type, .last = last_type, .cb = cb,
                                                            .arg = arg };
    XLOG_DEBUG("in-process receiver for message types %#x-%#x", first_type, last_type);
    return 0;
}

int xvios_vke_receiver_remove(struct xvios_vke *v, uint32_t first_type)
{
    if (!v)
        return -EINVAL;
    for (unsigned i = 0; i < v->n_receivers; i++) {
        if (v->receivers[i].first != first_type)
            continue;
        v->receivers[i] = v->receivers[--v->n_receivers];
        return 0;
    }
    return -ENOENT;
}

bool vke_inproc_deliver(struct xvios_vke *v, const void *buf, size_t len)
{
    if (xvios_pktq_push(&v->inq, buf, len, 0, xvios_now()) < 0)
        return false;
    vke_loop_kick(v);
    return true;
}

void vke_inproc_result(struct xvios_vke *v, const struct vke_requester *who, const void *pkt, size_t len)
{
    struct vke_result *r = malloc(sizeof(*r) + len);

    if (!r) {
        XLOG_ERR("out of memory: an in-process send result (%zu bytes) is lost", len);
        return;
    }
    r->next = NULL;
    r->cb = who->cb;
    r->arg = who->arg;
    r->len = len;
    memcpy(r->pkt, pkt, len);
    if (v->results_tail)
        v->results_tail->next = r;
    else
        v->results = r;
    v->results_tail = r;
    vke_loop_kick(v);
}

static void hand_result(struct xvios_vke *v, struct vke_result *r)
{
    struct xvios_rc_entry rc[XVIOS_MAX_NODES];
    struct xvios_msg m;
    unsigned n = 0;

    (void)v;
    /* our own encoding: decoding it cannot fail unless memory was trampled, and then say so */
    if (xvios_msg_decode(r->pkt, r->len, &m) != XVIOS_WIRE_OK ||
        (m.hdr.payload_len && xvios_rc_decode(m.payload, m.hdr.payload_len, rc, XVIOS_MAX_NODES, &n) != XVIOS_WIRE_OK)) {
        XLOG_ERR("an in-process send result does not decode: dropped");
        return;
    }
    m.payload = NULL;
    m.hdr.payload_len = 0;
    r->cb(r->arg, &m, n ? rc : NULL, n);
}

static void hand_inbound(struct xvios_vke *v, const struct xvios_pkt *p)
{
    const struct vke_receiver *rcv;
    xvios_vke_receive_cb cb;
    struct xvios_msg m;

    if (xvios_msg_decode(p->data, p->len, &m) != XVIOS_WIRE_OK) { /* sanitized before it was queued */
        XLOG_ERR("a queued in-process packet does not decode: dropped");
        return;
    }
    rcv = receiver_for(v, m.sub.msg_type);
    if (!rcv) { /* its receiver left after it was queued: the daemon gets it, as any unclaimed type */
        if (!vke_local_deliver_up(v, p->data, p->len, VKE_JOURNAL_NONE)) {
            v->st.up_queue_full++;
            XLOG_WARN("txid %#llx (type %#x) lost: its receiver left and the daemon queue is full",
                      (unsigned long long)m.hdr.txid, m.sub.msg_type);
        }
        return;
    }
    v->st.delivered_inproc++;
    cb = rcv->cb; /* the callback may add or remove receivers */
    cb(rcv->arg, &m);
}

void vke_inproc_flush(struct xvios_vke *v)
{
    /* what callbacks queue meanwhile waits for the next turn: a turn does bounded work */
    unsigned n_in = v->inq.n;
    struct vke_result *last = v->results_tail;

    for (unsigned i = 0; i < n_in && v->inq.head; i++) {
        struct xvios_pkt *p = xvios_pktq_pop(&v->inq);
        hand_inbound(v, p);
        free(p);
    }
    while (last && v->results) {
        struct vke_result *r = v->results;
        v->results = r->next;
        if (!v->results)
            v->results_tail = NULL;
        bool end = r == last;
        hand_result(v, r);
        free(r);
        if (end)
            break;
    }
}

void vke_inproc_dispose(struct xvios_vke *v)
{
    xvios_pktq_dispose(&v->inq);
    while (v->results) {
        struct vke_result *r = v->results;
        v->results = r->next;
        free(r);
    }
    v->results_tail = NULL;
}
