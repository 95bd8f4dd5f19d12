/* SPDX-License-Identifier: MIT */
/*
 * vio_server.c - API_VIO: a caller's vioRequest (docs/api.md) run against
 * the cluster DB on this node, answered with one API_RESPONSE carrying the
 * vioResponse (the objects, or a VIOException) and an API_RESULT. A VIOS
 * reads every object (the mappings from the VTD table); what only dom0 may
 * write (LU and mapping create and delete) is a VIOException DOM0_ONLY
 * here: dom0's `xvios api` runs those itself and
 * announces them through a node (XVIOS_MT_OBJ_EVENT, handlers.c).
 * The request is bounded and validated in xen/vio before anything is read.
 */
#include "xviosd.h"
#include "xvios/log.h"
#include "xvios/vio.h"

void viod_vio_on_request(struct xviosd *d, struct caller *c, const struct xvios_msg *m)
{
    static char out[XVIOS_VIO_RESPONSE_MAX];
    const struct xvios_vio_env env = { .p = d->plat, .self_node = d->self_node, .dom0 = false };
    size_t len = 0;
    int rc = xvios_vio_handle(&env, (const char *)m->payload, m->hdr.payload_len, out, sizeof(out), &len, NULL);

    if (rc < 0) {   /* not even an exception fits: cannot happen with a message-sized buffer */
        XLOG_ERR("caller %u: no vioResponse could be written", c->id);
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_INTERNAL, m->hdr.txid, d->self_node, 0, NULL, 0);
        return;
    }
    viod_api_emit(d, c, XVIOS_OP_API_RESPONSE, XVIOS_ST_OK, m->hdr.txid, d->self_node, 0, out, len);
    viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_OK, m->hdr.txid, d->self_node, 0, NULL, 0);
}
