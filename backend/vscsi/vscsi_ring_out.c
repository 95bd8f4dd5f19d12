/* SPDX-License-Identifier: MIT */
/* vscsi_ring_out.c - the way out of a vhost's ring: write a response into the next free slot (only after
 * the request's data has been copied: vscsi_exec.c), and push the responses with notification
 * suppression (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY). */
#include <string.h>

#include "backend/vscsi/vscsi_int.h"
#include "xvios/log.h"

void vscsi_ring_respond(struct vscsi_vhost *vh, const struct vscsiif_response *rsp)
{
    if (!vh->connected) {
        XLOG_ERR("vhost %u/%u: response to rqid %u with no ring", vh->fe_domid, vh->devid, rsp->rqid);
        return;
    }
    memcpy(RING_GET_RESPONSE(&vh->ring, vh->ring.rsp_prod_pvt), rsp, sizeof(*rsp));
    vh->ring.rsp_prod_pvt++;
    vh->st.responses++;
    vh->push_pending = true;
    vscsi_engine_kick(vh->eng);
}

void vscsi_ring_push(struct vscsi_vhost *vh)
{
    int notify = 0;

    if (!vh->connected || !vh->push_pending)
        return;
    vh->push_pending = false;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&vh->ring, notify);
    if (notify && xvios_evtchn_notify(vh->ch) < 0)
        XLOG_WARN("vhost %u/%u: notify failed", vh->fe_domid, vh->devid);
}
