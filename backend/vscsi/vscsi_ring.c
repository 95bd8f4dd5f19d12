/* SPDX-License-Identifier: MIT */
/*
 * vscsi_ring.c - one vhost's shared ring: map the frontend's ring page and
 * bind its event channel; take requests (copy each out, then validate the
 * copy: vscsi_exec.c); write responses; push them with notification
 * suppression (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, RING_FINAL_CHECK_FOR_
 * REQUESTS). A producer index that claims more requests than the ring holds
 * puts the ring into a sticky error: logged, counted, the event channel left
 * masked; nothing more is taken from it until the frontend reconnects.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "backend/vscsi/vscsi_int.h"
#include "xvios/log.h"
#include "xvios/parse.h"

static void on_evtchn(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    struct vscsi_vhost *vh = arg;

    (void)src;
    (void)fd;
    (void)revents;
    if (xvios_evtchn_pending(vh->ch) < 0)
        return;                         /* spurious: nothing pending, the channel stays armed */
    vscsi_ring_service(vh);
    if (!vh->ring_error && vh->connected && xvios_evtchn_unmask(vh->ch) < 0)
        XLOG_WARN("vhost %u/%u: cannot unmask the event channel", vh->fe_domid, vh->devid);
}

/*
 * Attach the back ring. A fresh ring (resume false) starts at 0, as the
 * frontend initialised it. A ring the frontend has been using already (it
 * was Connected before this backend mapped it: a backend process restarted,
 * or a VIOS revived under the domid the ring is granted to) is taken over
 * where the last backend left it: at the shared response producer, so every
 * request in [rsp_prod, req_prod) -- the ones the last backend never
 * answered -- is taken and answered once. The indexes are copied once and
 * checked: more outstanding than the ring holds is a sticky ring error.
 */
static int ring_attach(struct vscsi_vhost *vh, bool resume)
{
    struct vscsiif_sring *s = (struct vscsiif_sring *)vh->ring_page;
    RING_IDX req_prod, rsp_prod;

    BACK_RING_ATTACH(&vh->ring, s, 0, VSCSIIF_PAGE_SIZE);
    if (!resume)
        return 0;
    rsp_prod = *(volatile RING_IDX *)&s->rsp_prod;
    req_prod = *(volatile RING_IDX *)&s->req_prod;
    xen_rmb();
    if ((RING_IDX)(req_prod - rsp_prod) > RING_SIZE(&vh->ring)) {
        vh->ring_error = true;
        vh->eng->ring_errors++;
        XLOG_ERR("vhost %u/%u: resuming a ring with %u requests outstanding (producer %u, responses %u), "
                 "more than its %u slots: sticky ring error",
                 vh->fe_domid, vh->devid, req_prod - rsp_prod, req_prod, rsp_prod, RING_SIZE(&vh->ring));
        vscsi_xs_set_error(vh, "ring error: resumed with more requests outstanding than the ring holds");
        return -EPROTO;
    }
    BACK_RING_ATTACH(&vh->ring, s, rsp_prod, VSCSIIF_PAGE_SIZE);
    vh->st.resumed += req_prod - rsp_prod;
    XLOG_INFO("vhost %u/%u: ring resumed at response %u, %u requests outstanding to answer", vh->fe_domid,
              vh->devid, rsp_prod, req_prod - rsp_prod);
    return 0;
}

int vscsi_ring_connect(struct vscsi_vhost *vh, bool resume)
{
    struct vscsi_engine *e = vh->eng;
    char v[32];
    uint32_t ref, port;
    int rc;

    if (vh->connected)
        return 0;
    if ((rc = vscsi_xs_read(vh, vh->fe_path, "ring-ref", v, sizeof(v))) < 0 ||
        (rc = xvios_parse_u32(v, 0, UINT32_MAX, &ref)) < 0) {
        vscsi_xs_set_error(vh, "frontend ring-ref missing or invalid");
        return rc < 0 ? rc : -EINVAL;
    }
    if ((rc = vscsi_xs_read(vh, vh->fe_path, "event-channel", v, sizeof(v))) < 0 ||
        (rc = xvios_parse_u32(v, 0, UINT32_MAX, &port)) < 0) {
        vscsi_xs_set_error(vh, "frontend event-channel missing or invalid");
        return rc < 0 ? rc : -EINVAL;
    }
    rc = xvios_gnt_open(e->plat, vh->fe_domid, VSCSI_MAX_GRANTS, &vh->gnt);
    if (rc < 0) {
        vscsi_xs_set_error(vh, "cannot open the grant table of domain %u: %s", vh->fe_domid, strerror(-rc));
        goto out;
    }
    rc = xvios_gnt_map(vh->gnt, &ref, 1, true, &vh->ring_page);
    if (rc < 0) {
        vh->ring_page = NULL;
        vscsi_xs_set_error(vh, "cannot map ring-ref %u: %s", ref, strerror(-rc));
        goto out;
    }
    rc = xvios_evtchn_bind(e->plat, vh->fe_domid, port, &vh->ch);
    if (rc < 0) {
        vh->ch = NULL;
        vscsi_xs_set_error(vh, "cannot bind event channel %u: %s", port, strerror(-rc));
        goto out;
    }
    rc = xvios_evloop_fd_add(e->loop, xvios_evtchn_fd(vh->ch), POLLIN, on_evtchn, vh, &vh->src);
    if (rc < 0)
        goto out;
    vh->ring_error = false;
    if ((rc = ring_attach(vh, resume)) < 0)
        goto out;
    vh->connected = true;
    vh->quiesce = false;
    XLOG_INFO("vhost %u/%u: ring-ref %u event-channel %u connected (grant copy %s)", vh->fe_domid, vh->devid, ref,
              port, xvios_gnt_copy_native(vh->gnt) ? "native" : "by map");
    return 0;
out:
    vh->connected = true;               /* let disconnect undo what was done */
    vscsi_ring_disconnect(vh);
    return rc;
}

void vscsi_ring_disconnect(struct vscsi_vhost *vh)
{
    if (!vh->connected)
        return;
    if (vh->in_flight)
        XLOG_ERR("vhost %u/%u: ring disconnected with %u requests in flight", vh->fe_domid, vh->devid,
                 vh->in_flight);
    xvios_evloop_fd_remove(vh->src);
    vh->src = NULL;
    xvios_evtchn_unbind(vh->ch);
    vh->ch = NULL;
    if (vh->ring_page && xvios_gnt_unmap(vh->gnt, vh->ring_page, 1) < 0)
        XLOG_WARN("vhost %u/%u: ring unmap failed", vh->fe_domid, vh->devid);
    vh->ring_page = NULL;
    xvios_gnt_close(vh->gnt);
    vh->gnt = NULL;
    vh->connected = false;
    vh->more_work = vh->push_pending = false;
    for (struct vscsi_lun *l = vh->luns; l; l = l->next)
        scsi_lu_nexus_loss(l->lu->lu, &vh->nexus);
}

static struct vscsi_req *free_slot(struct vscsi_vhost *vh)
{
    for (unsigned i = 0; i < VSCSI_RING_SLOTS; i++)
        if (vh->slots[i].kind == VSCSI_SLOT_FREE)
            return &vh->slots[i];
    return NULL;
}

static void ring_fail(struct vscsi_vhost *vh, RING_IDX prod)
{
    vh->ring_error = true;
    vh->eng->ring_errors++;
    XLOG_ERR("vhost %u/%u: request producer %u overflows the ring (consumer %u, responses %u): "
             "sticky ring error, event channel left masked",
             vh->fe_domid, vh->devid, prod, vh->ring.req_cons, vh->ring.rsp_prod_pvt);
    vscsi_xs_set_error(vh, "ring error: request producer index overflow");
    xvios_evloop_fd_set_events(vh->src, 0);
}

void vscsi_ring_service(struct vscsi_vhost *vh)
{
    unsigned budget = VSCSI_BUDGET;
    int more;

    vh->more_work = false;
    if (!vh->connected || vh->ring_error)
        return;
    for (;;) {
        RING_IDX prod = vh->ring.sring->req_prod;

        xen_rmb();                      /* the requests up to prod are visible */
        if (RING_REQUEST_PROD_OVERFLOW(&vh->ring, prod)) {
            ring_fail(vh, prod);
            break;
        }
        while (vh->ring.req_cons != prod) {
            struct vscsiif_request copy;
            struct vscsi_req *slot;

            if (vh->quiesce || RING_REQUEST_CONS_OVERFLOW(&vh->ring, vh->ring.req_cons))
                goto push;              /* closing, or every slot awaits its response */
            slot = free_slot(vh);
            if (!slot)
                goto push;              /* a completion frees one and kicks */
            if (budget == 0) {
                vh->more_work = true;   /* the rest next turn: others get theirs first */
                vscsi_engine_kick(vh->eng);
                goto push;
            }
            budget--;
            RING_COPY_REQUEST(&vh->ring, vh->ring.req_cons, &copy);
            vh->ring.req_cons++;
            vscsi_exec(vh, slot, &copy);
        }
        RING_FINAL_CHECK_FOR_REQUESTS(&vh->ring, more);
        if (!more)
            break;
    }
push:
    vscsi_ring_push(vh);
}
