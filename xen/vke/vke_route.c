/* SPDX-License-Identifier: MIT */
/* vke_route.c - send-path routing decisions (see vke_route.h). */
#include <string.h>

#include "vke_route.h"

bool vke_members_has(const struct vke_members *m, uint32_t node)
{
    for (unsigned i = 0; i < m->n; i++)
        if (m->node[i] == node)
            return true;
    return false;
}

enum xvios_status vke_route_check_request(const struct xvios_msg *req, uint32_t self, const char **why)
{
    *why = NULL;
    if (req->hdr.opcode != XVIOS_OP_CLUSTER_SEND && req->hdr.opcode != XVIOS_OP_CLUSTER_RESPONSE)
        *why = "opcode is not a cluster send or response";
    else if (req->hdr.opcode == XVIOS_OP_CLUSTER_SEND && req->hdr.status != XVIOS_ST_OK)
        *why = "status must be 0 in a send";   /* a response carries the responder's status */
    else if (req->sub.src_node != self)
        *why = "sub.src_node is not this node";
    else if (req->sub.dst_node != 0)
        *why = "sub.dst_node must be 0 on the local socket";
    else if (req->hdr.opcode == XVIOS_OP_CLUSTER_SEND && xvios_txid_node(req->hdr.txid) != self)
        *why = "txid does not carry this node's id";
    else if (req->hdr.opcode == XVIOS_OP_CLUSTER_RESPONSE &&
             ((req->hdr.flags & XVIOS_F_BROADCAST) || req->sub.n_targets != 1))
        *why = "a response goes to exactly one node";
    else if (req->hdr.opcode == XVIOS_OP_CLUSTER_RESPONSE && xvios_txid_node(req->hdr.txid) != req->targets[0])
        *why = "a response goes to the node whose txid it carries";
    else if (!(req->hdr.flags & XVIOS_F_BROADCAST) && req->sub.n_targets == 0)
        *why = "directed send without targets";
    return *why ? XVIOS_ST_BAD_PACKET : XVIOS_ST_OK;
}

bool vke_route_wants_receipts(const struct xvios_msg *req)
{
    return (req->hdr.flags & XVIOS_F_RECEIPT) && req->sub.rc_capacity > 0;
}

static bool plan_has(const struct vke_plan *plan, uint32_t node)
{
    for (unsigned i = 0; i < plan->n; i++)
        if (plan->node[i] == node)
            return true;
    return false;
}

enum xvios_status vke_route_plan(const struct vke_members *m, const struct xvios_msg *req, struct vke_plan *plan)
{
    plan->n = 0;
    if (m->self == 0 || !vke_members_has(m, m->self))
        return XVIOS_ST_NOT_MEMBER;
    if (req->hdr.flags & XVIOS_F_BROADCAST) {
        for (unsigned i = 0; i < m->n; i++) {
            if (m->node[i] == m->self)
                continue;
            plan->node[plan->n] = m->node[i];
            plan->initial[plan->n] = XVIOS_RC_PENDING;
            plan->n++;
        }
    } else {
        for (unsigned i = 0; i < req->sub.n_targets && i < XVIOS_MAX_NODES; i++) {
            uint32_t t = req->targets[i];
            if (plan_has(plan, t))
                continue;
            plan->node[plan->n] = t;
            plan->initial[plan->n] = (t != m->self && vke_members_has(m, t)) ? XVIOS_RC_PENDING
                                                                            : XVIOS_RC_NOT_MEMBER;
            plan->n++;
        }
    }
    return plan->n ? XVIOS_ST_OK : XVIOS_ST_NO_TARGETS;
}

enum xvios_status vke_route_rc_check(const struct xvios_msg *req, const struct vke_plan *plan, uint16_t *needed)
{
    *needed = (uint16_t)plan->n;
    if (vke_route_wants_receipts(req) && req->sub.rc_capacity < plan->n)
        return XVIOS_ST_RC_TOO_SMALL;
    return XVIOS_ST_OK;
}
