/* SPDX-License-Identifier: MIT */
/*
 * vio_server.c - API_VIO: a caller's vioRequest (docs/api.md) run against
 * the cluster DB on this node, answered with one API_RESPONSE carrying the
 * vioResponse (the objects, or a VIOException) and an API_RESULT. A VIOS
 * reads every object (the mappings from the VTD table). A mapping create or
 * delete is checked here against the DB (xvios_vio_apply_prepare) and made
 * by the VIOS serving the vhost: this node itself, or another one through
 * a MAPPING_APPLY with receipt and response (map_apply.c there); the
 * caller's request is held until that VIOS's answer (or its timeout) and
 * answered once with it. What only dom0 may write (LU create, modify and
 * delete, pool writes, a new vhost, closing a vhost by its last LUN) is
 * handed to dom0's agent when one is registered on this node's management
 * link (agent_fwd.c: the caller is answered once with the agent's
 * vioResponse, or UNAVAILABLE by its deadline); with no agent it is a
 * VIOException DOM0_ONLY saying so: dom0's `xvios api` runs those itself
 * and announces them through a node (XVIOS_MT_OBJ_EVENT, handlers.c). Only
 * root on the node or dom0 may have a write made. The request is bounded
 * and validated in xen/vio before anything is read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/db_vtd.h"
#include "xvios/log.h"
#include "xvios/vio.h"
#include "xvios/vio_apply.h"

static void answer(struct xviosd *d, struct caller *c, uint64_t handle, const char *out, size_t len)
{
    viod_api_emit(d, c, XVIOS_OP_API_RESPONSE, XVIOS_ST_OK, handle, d->self_node, 0, out, len);
    viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_OK, handle, d->self_node, 0, NULL, 0);
}

static void answer_err(struct xviosd *d, struct caller *c, uint64_t handle, const struct xvios_vio_err *e)
{
    static char out[XVIOS_VIO_RESPONSE_MAX];
    size_t len = 0;

    if (xvios_vio_exception(d->self_node, e, out, sizeof(out), &len) == 0)
        answer(d, c, handle, out, len);
    else
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_INTERNAL, handle, d->self_node, 0, NULL, 0);
}

/*
 * What only dom0 may write (what: the reason, a clause): handed to dom0's agent when one is registered on
 * this node's management link, else DOM0_ONLY naming the agent.
 */
static void dom0_write(struct xviosd *d, struct caller *c, const struct xvios_msg *m, const char *what)
{
    struct xvios_vio_err e;
    int rc = viod_agent_forward(d, c, m->hdr.txid, m->payload, m->hdr.payload_len);

    if (rc == 0)
        return;   /* the answer comes with the agent's (agent_fwd.c) */
    if (rc == -ENOTCONN)
        xvios_vio_fail(&e, XVIOS_VIO_DOM0_ONLY, "%s, which only dom0 may write, and no dom0 agent is connected "
                       "(xvios agent): start 'xvios agent' in dom0, or run the request there ('xvios api')", what);
    else
        xvios_vio_fail(&e, rc == -EAGAIN ? XVIOS_VIO_BUSY : XVIOS_VIO_UNAVAILABLE, "%s, which only dom0 may write, "
                       "and dom0's agent cannot take the request now: %s; nothing was changed", what,
                       rc == -EAGAIN ? "it has too many in hand, try again" : strerror(-rc));
    answer_err(d, c, m->hdr.txid, &e);
}

/* Does a's delete remove the last mapping the VTD table records on its vhost (closing the vhost)? */
static bool last_lun(struct xviosd *d, const struct xvios_vio_apply *a)
{
    struct xvios_db_vtd *t = NULL;
    unsigned n = 0, same = 0;

    if (xvios_db_vtd_list(d->plat, XVIOS_TX_NONE, &t, &n) < 0)
        return false;   /* the serving VIOS checks its backend dir again (map_apply.c) */
    for (unsigned i = 0; i < n; i++)
        if (t[i].client == a->vtd.client && t[i].vhost == a->vtd.vhost && t[i].node == a->vtd.node)
            same++;
    free(t);
    return same <= 1;
}

/* A mapping create or delete: checked here, made by the vhost's VIOS (or by dom0 when it opens or closes a vhost). */
static void mapping_write(struct xviosd *d, struct caller *c, const struct xvios_msg *m,
                          const struct xvios_vio_env *env, const struct xvios_vio_req *rq)
{
    static char payload[XVIOS_VIO_APPLY_MAX + 1];
    const uint64_t handle = m->hdr.txid;
    struct xvios_vio_apply a;
    struct xvios_vio_err e;
    char what[256];
    size_t len = 0;
    int rc;

    if (xvios_vio_apply_prepare(env, rq, &a, &e) < 0) {
        if (e.code != XVIOS_VIO_DOM0_ONLY) {
            answer_err(d, c, handle, &e);
            return;
        }
        snprintf(what, sizeof(what), "a new adapter needs dom0: no VIOS serves vhost %u of client %s, and a new "
                 "vhost writes the client's frontend dir", rq->vdev.host, rq->client);
        dom0_write(d, c, m, what);
        return;
    }
    /* with no agent the serving VIOS refuses it itself, from its backend dir (map_apply.c) */
    if (a.op == XVIOS_VIO_APPLY_REMOVE && viod_agent_present(d) && last_lun(d, &a)) {
        snprintf(what, sizeof(what), "removing %u:%u:%u:%u, the last LUN of vhost %u of domain %u, closes the vhost: "
                 "its frontend dir", a.vtd.vhost, a.vtd.chn, a.vtd.tgt, a.vtd.lun, a.vtd.vhost, a.vtd.client);
        dom0_write(d, c, m, what);
        return;
    }
    if (a.vtd.node == d->self_node) {
        viod_apply_start_local(d, c->id, handle, &a);
        return;
    }
    if (xvios_vio_apply_encode(&a, payload, sizeof(payload), &len) < 0) {
        xvios_vio_fail(&e, XVIOS_VIO_INTERNAL, "the request for node %u does not fit a message", a.vtd.node);
        answer_err(d, c, handle, &e);
        return;
    }
    const uint32_t target = a.vtd.node;
    struct op_request orq = {
        .kind = OP_VIO_APPLY,
        .caller_id = c->id,
        .handle = handle,
        .req_node = target,
        .flags = XVIOS_F_RECEIPT | XVIOS_F_RESPONSE,
        .origin = XVIOS_ORIGIN_DAEMON,
        .msg_type = XVIOS_MT_MAPPING_APPLY,
        .targets = &target,
        .n_targets = 1,
        .resp_timeout_ms = XVD_APPLY_ASK_MS,   /* receipts in the cluster's time; the answer after the client */
        .payload = payload,
        .len = len,
    };
    rc = viod_op_start(d, &orq);
    if (rc == 0) {
        XLOG_INFO("caller %u: mapping %s of domain %u %u:%u:%u:%u handed to node %u", c->id,
                  a.op == XVIOS_VIO_APPLY_ADD ? "create" : "delete", a.vtd.client, a.vtd.vhost, a.vtd.chn, a.vtd.tgt,
                  a.vtd.lun, target);
        return;   /* the answer comes with node M's response (sendop.c) */
    }
    xvios_vio_fail(&e, rc == -EAGAIN ? XVIOS_VIO_BUSY : XVIOS_VIO_UNAVAILABLE,
                   "cannot ask node %u, which serves the vhost: %s; nothing was changed", target,
                   rc == -ENOTCONN ? "this node is not attached to its VKE" : strerror(-rc));
    answer_err(d, c, handle, &e);
}

void viod_vio_on_request(struct xviosd *d, struct caller *c, const struct xvios_msg *m)
{
    static char out[XVIOS_VIO_RESPONSE_MAX];
    const struct xvios_vio_env env = { .p = d->plat, .self_node = d->self_node, .dom0 = false };
    struct xvios_vio_req rq;
    struct xvios_vio_err err;
    size_t len = 0;
    int rc;

    if (xvios_vio_parse((const char *)m->payload, m->hdr.payload_len, &rq, &err) < 0) {
        answer_err(d, c, m->hdr.txid, &err);
        return;
    }
    const bool mapping = rq.object == XVIOS_VIO_MAPPING &&
                         (rq.action == XVIOS_VIO_CREATE || rq.action == XVIOS_VIO_DELETE);
    const bool pool = (rq.object == XVIOS_VIO_LU || rq.object == XVIOS_VIO_POOL) && xvios_vio_is_write(&rq);
    if ((mapping || pool) && !c->trusted && !c->link) {
        xvios_vio_fail(&err, XVIOS_VIO_DOM0_ONLY, "%s %s is for root on a node or for dom0 (over the management "
                       "link): this caller is neither", xvios_vio_object_name(rq.object),
                       xvios_vio_action_name(rq.action));
        answer_err(d, c, m->hdr.txid, &err);
        return;
    }
    if (mapping) {
        mapping_write(d, c, m, &env, &rq);
        return;
    }
    if (pool) {
        char what[96];
        snprintf(what, sizeof(what), "%s %s writes the %s in the cluster DB", xvios_vio_object_name(rq.object),
                 xvios_vio_action_name(rq.action), rq.object == XVIOS_VIO_LU ? "pool" : "pools");
        dom0_write(d, c, m, what);
        return;
    }
    rc = xvios_vio_run(&env, &rq, out, sizeof(out), &len, NULL);
    if (rc < 0) {   /* not even an exception fits: cannot happen with a message-sized buffer */
        XLOG_ERR("caller %u: no vioResponse could be written", c->id);
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_INTERNAL, m->hdr.txid, d->self_node, 0, NULL, 0);
        return;
    }
    answer(d, c, m->hdr.txid, out, len);
}
