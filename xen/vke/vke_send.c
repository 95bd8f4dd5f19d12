/* SPDX-License-Identifier: MIT */
/*
 * vke_send.c - the send path (patent: "method by which the send message is
 * transmitted"): validate the daemon's packet, route it (broadcast or
 * directed), check the RC array size against the cluster's node count, hand
 * one copy per target to its link (a broadcast's copies for links with a
 * group send as one datagram, vke_group.c), then either answer at once or keep an
 * RC array until every receipt is in or the deadline passes (the table of
 * outstanding sends, vke_outstanding.c).
 */
#include <errno.h>
#include <string.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"

/* Is slot s held by the same requester as who/req (a local connection or in-process sender, and its caller)? */
static bool same_requester(const struct vke_send *s, const struct vke_requester *who, const struct xvios_msg *req)
{
    return s->who.conn_id == who->conn_id && s->who.cb == who->cb && s->who.arg == who->arg &&
           s->req.sub.originator == req->sub.originator;
}

/* A free slot of the send table for who, or NULL (*share_full: who holds its share already). */
static struct vke_send *free_slot(struct xvios_vke *v, const struct vke_requester *who, const struct xvios_msg *req,
                                  bool *share_full)
{
    unsigned share = v->max_sends / VKE_SHARE_DIV ? v->max_sends / VKE_SHARE_DIV : 1, held = 0;
    struct vke_send *slot = NULL;

    for (unsigned i = 0; i < v->max_sends; i++) {
        if (!v->sends[i].used)
            slot = slot ? slot : &v->sends[i];
        else if (same_requester(&v->sends[i], who, req))
            held++;
    }
    *share_full = held >= share;
    return *share_full ? NULL : slot;
}

/* The send's timeout: as asked (0: the cluster default), cut to the cluster's maximum. */
static uint64_t send_timeout_ms(struct xvios_vke *v, const struct xvios_msg *req)
{
    uint64_t t = req->sub.timeout_ms ? req->sub.timeout_ms : v->default_timeout_ms;

    if (v->max_timeout_ms && t > v->max_timeout_ms) {
        v->st.timeout_clamped++;
        XLOG_DEBUG("txid %#llx: timeout %llu ms cut to the cluster's maximum %u ms",
                   (unsigned long long)req->hdr.txid, (unsigned long long)t, v->max_timeout_ms);
        t = v->max_timeout_ms;
    }
    return t;
}

void vke_send_request(struct xvios_vke *v, const struct vke_requester *who, const struct xvios_msg *req)
{
    struct vke_plan plan;
    struct vke_rc rc;
    struct vke_send *slot = NULL;
    struct xvios_msg out;
    struct timespec deadline;
    const char *why = NULL;
    enum xvios_status st;
    uint16_t needed = 0;
    size_t len = 0;
    bool wants, taken[XVIOS_MAX_NODES] = { false };

    vke_rc_init(&rc);
    if (!v->members.self) {
        vke_send_result(v, who, req, XVIOS_ST_NOT_MEMBER, NULL, 0);
        return;
    }
    st = vke_route_check_request(req, v->members.self, &why);
    if (st != XVIOS_ST_OK) {
        v->st.local_malformed++;
        if (who->cb)
            XLOG_WARN("rejected an in-process request: %s", why);
        else
            XLOG_WARN("rejected a request from local connection %u: %s", who->conn_id, why);
        vke_send_result(v, who, req, st, NULL, 0);
        return;
    }
    if (vke_send_find(v, req->hdr.txid, req->sub.epoch)) {
        XLOG_WARN("txid %#llx epoch %u is already outstanding", (unsigned long long)req->hdr.txid, req->sub.epoch);
        vke_send_result(v, who, req, XVIOS_ST_BAD_PACKET, NULL, 0);
        return;
    }
    wants = vke_route_wants_receipts(req);
    if (wants || (req->hdr.flags & XVIOS_F_BROADCAST))
        vke_members_refresh(v, false); /* the node count as the store has it now */
    st = vke_route_plan(&v->members, req, &plan);
    if (st == XVIOS_ST_OK)
        st = vke_route_rc_check(req, &plan, &needed);
    if (st != XVIOS_ST_OK) {
        vke_send_result(v, who, req, st, NULL, needed);
        return;
    }
    if (wants) {
        bool share_full = false;
        slot = free_slot(v, who, req, &share_full);
        if (!slot) {
            if (share_full) {
                v->st.share_refused++;
                XLOG_DEBUG("txid %#llx: its requester holds its share of the send table", (unsigned long long)req->hdr.txid);
            }
            vke_send_result(v, who, req, XVIOS_ST_TRY_AGAIN, NULL, needed);
            return;
        }
    }

    deadline = xvios_deadline_ms(send_timeout_ms(v, req));
    out = *req;
    out.sub.dst_node = 0;
    if (xvios_msg_encode(&out, v->encbuf, XVIOS_MAX_MSG, &len) != XVIOS_WIRE_OK) {
        vke_send_result(v, who, req, XVIOS_ST_INTERNAL, NULL, needed);
        return;
    }
    v->st.sends++;
    if (who->cb)
        v->st.sends_inproc++;
    if (req->hdr.flags & XVIOS_F_BROADCAST)
        vke_group_send(v, &plan, len, deadline, taken);
    for (unsigned i = 0; i < plan.n; i++) {
        enum xvios_rc_status s = plan.initial[i];
        if (s == XVIOS_RC_PENDING && taken[i]) {
            if (!wants)
                s = XVIOS_RC_SENT;
        } else if (s == XVIOS_RC_PENDING) {
            struct vke_peer *p = vke_peer_find(v, plan.node[i]);
            /* one encoding, the destination patched per copy */
            xvios_put_le32(v->encbuf + XVIOS_HDR_LEN + offsetof(struct xvios_sub, dst_node), plan.node[i]);
            if (!p || !vke_peer_enqueue(v, p, v->encbuf, len, req->hdr.txid, deadline))
                s = XVIOS_RC_UNREACHABLE;
            else if (!wants)
                s = XVIOS_RC_SENT;
        }
        vke_rc_add(&rc, plan.node[i], s);
    }
    if (wants && rc.pending) {
        slot->used = true;
        slot->who = *who;
        slot->deadline = deadline;
        slot->req = *req;
        slot->req.payload = NULL;
        slot->req.hdr.payload_len = 0;
        slot->rc = rc;
        vke_loop_kick(v); /* the copies a full link queued go out with this turn's service */
        return;
    }
    vke_loop_kick(v);
    out = *req;
    out.payload = NULL;
    out.hdr.payload_len = 0;
    vke_send_result(v, who, &out, vke_rc_overall(&rc), &rc, (uint16_t)rc.n);
}

