/* SPDX-License-Identifier: MIT */
/*
 * vke_outstanding.c - the table of outstanding sends and their SEND_RESULTs:
 * receipts mark RC entries, a failed link or an expired queued datagram
 * marks its node, the deadline fails what is still pending, and a complete
 * send's result goes out through the way out (vke_local_out.c, or the
 * in-process queue of vke_inproc.c). The links and the receive path call
 * in here; it calls neither.
 */
#include <string.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"

/* SEND_RESULT: the request's headers copied back with status and rc_needed; RC array as payload. */
void vke_send_result(struct xvios_vke *v, const struct vke_requester *who, const struct xvios_msg *req,
                     enum xvios_status st, const struct vke_rc *rc, uint16_t needed)
{
    uint8_t rcbuf[XVIOS_MAX_NODES * sizeof(struct xvios_rc_entry)];
    struct xvios_msg m = *req;
    size_t rclen = 0, len = 0;

    if (rc && rc->n && req->sub.rc_capacity >= rc->n &&
        xvios_rc_encode(rc->e, rc->n, rcbuf, sizeof(rcbuf), &rclen) != XVIOS_WIRE_OK)
        rclen = 0;
    m.hdr.opcode = XVIOS_OP_SEND_RESULT;
    m.hdr.status = st;
    m.sub.rc_needed = needed;
    m.hdr.payload_len = (uint32_t)rclen;
    m.payload = rcbuf;
    if (st != XVIOS_ST_OK && st != XVIOS_ST_PARTIAL) /* refused before or instead of sending */
        v->st.sends_rejected++;
    if (xvios_msg_encode(&m, v->encbuf, XVIOS_MAX_MSG, &len) != XVIOS_WIRE_OK) {
        XLOG_ERR("cannot encode the result of txid %#llx", (unsigned long long)req->hdr.txid);
        return;
    }
    if (who->cb)
        vke_inproc_result(v, who, v->encbuf, len);
    else if (!vke_local_send(v, who->conn_id, v->encbuf, len))
        XLOG_WARN("result of txid %#llx not delivered: connection %u is gone or stuck",
                  (unsigned long long)req->hdr.txid, who->conn_id);
}

void vke_send_refuse(struct xvios_vke *v, const struct vke_requester *who, const struct xvios_msg *req,
                     enum xvios_status st)
{
    vke_send_result(v, who, req, st, NULL, 0);
}

struct vke_send *vke_send_find(struct xvios_vke *v, uint64_t txid, uint32_t epoch)
{
    for (unsigned i = 0; i < v->max_sends; i++)
        if (v->sends[i].used && v->sends[i].req.hdr.txid == txid && v->sends[i].req.sub.epoch == epoch)
            return &v->sends[i];
    return NULL;
}

bool vke_send_outstanding(const struct xvios_vke *v, uint64_t txid, uint32_t epoch)
{
    return vke_send_find((struct xvios_vke *)v, txid, epoch) != NULL;
}

static void complete(struct xvios_vke *v, struct vke_send *s)
{
    enum xvios_status st = vke_rc_overall(&s->rc);

    XLOG_DEBUG("txid %#llx complete: %s", (unsigned long long)s->req.hdr.txid, xvios_status_name(st));
    s->used = false; /* free before the result goes out: the slot is reusable at once */
    vke_send_result(v, &s->who, &s->req, st, &s->rc, (uint16_t)s->rc.n);
}

void vke_send_receipt_in(struct xvios_vke *v, struct vke_peer *p, const struct xvios_msg *rcpt)
{
    struct vke_send *s = vke_send_find(v, rcpt->hdr.txid, rcpt->sub.epoch);
    enum xvios_rc_status st = rcpt->hdr.status == XVIOS_ST_QUEUE_FULL ? XVIOS_RC_QUEUE_FULL : XVIOS_RC_DELIVERED;

    if (!s) {
        v->st.receipts_late++;
        XLOG_DEBUG("late receipt from node %u for txid %#llx epoch %u: ignored", p->node,
                   (unsigned long long)rcpt->hdr.txid, rcpt->sub.epoch);
        return;
    }
    switch (vke_rc_mark(&s->rc, p->node, st)) {
    case VKE_RC_MARKED:
        v->st.receipts_in++;
        if (s->rc.pending == 0)
            complete(v, s);
        break;
    case VKE_RC_DUPLICATE:
        v->st.receipts_dup++;
        XLOG_DEBUG("duplicate receipt from node %u for txid %#llx", p->node, (unsigned long long)rcpt->hdr.txid);
        break;
    case VKE_RC_NOT_TARGET:
        v->st.receipts_stray++;
        XLOG_WARN("receipt from node %u, which was not a target of txid %#llx: dropped", p->node,
                  (unsigned long long)rcpt->hdr.txid);
        break;
    }
}

void vke_send_node_failed(struct xvios_vke *v, uint32_t node, uint64_t txid, enum xvios_rc_status st)
{
    for (unsigned i = 0; i < v->max_sends; i++) {
        struct vke_send *s = &v->sends[i];
        if (!s->used || (txid && s->req.hdr.txid != txid))
            continue;
        if (vke_rc_mark(&s->rc, node, st) == VKE_RC_MARKED && s->rc.pending == 0)
            complete(v, s);
    }
}

void vke_send_expire(struct xvios_vke *v)
{
    struct timespec now = xvios_now();

    for (unsigned i = 0; i < v->max_sends; i++) {
        struct vke_send *s = &v->sends[i];
        if (!s->used || xvios_ts_cmp(now, s->deadline) < 0)
            continue;
        vke_rc_fail_pending(&s->rc, XVIOS_RC_TIMED_OUT);
        complete(v, s);
    }
}

bool vke_send_next_deadline(const struct xvios_vke *v, struct timespec *out)
{
    bool any = false;

    for (unsigned i = 0; i < v->max_sends; i++) {
        const struct vke_send *s = &v->sends[i];
        if (s->used && (!any || xvios_ts_cmp(s->deadline, *out) < 0)) {
            *out = s->deadline;
            any = true;
        }
    }
    return any;
}
