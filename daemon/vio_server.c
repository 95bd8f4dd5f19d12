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
 * answered once with it. What only dom0 may write (LU create and delete,
 * a new vhost, closing a vhost) is a VIOException DOM0_ONLY here: dom0's
 * `xvios api` runs those itself and announces them through a node
 * (XVIOS_MT_OBJ_EVENT, handlers.c). The request is bounded and validated
 * in xen/vio before anything is read.
 */
#include <errno.h>
#include <string.h>

#include "xviosd.h"
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

/* A mapping create or delete: checked here, made by the vhost's VIOS. */
static void mapping_write(struct xviosd *d, struct caller *c, uint64_t handle, const struct xvios_vio_env *env,
                          const struct xvios_vio_req *rq)
{
    static char payload[XVIOS_VIO_APPLY_MAX + 1];
    struct xvios_vio_apply a;
    struct xvios_vio_err e;
    size_t len = 0;
    int rc;

    if (xvios_vio_apply_prepare(env, rq, &a, &e) < 0) {
        answer_err(d, c, handle, &e);
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
    if (rq.object == XVIOS_VIO_MAPPING && (rq.action == XVIOS_VIO_CREATE || rq.action == XVIOS_VIO_DELETE)) {
        if (!c->trusted && !c->link) {
            xvios_vio_fail(&err, XVIOS_VIO_DOM0_ONLY, "mapping %s is for root on a node or for dom0 (over the "
                           "management link): this caller is neither", xvios_vio_action_name(rq.action));
            answer_err(d, c, m->hdr.txid, &err);
            return;
        }
        mapping_write(d, c, m->hdr.txid, &env, &rq);
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
