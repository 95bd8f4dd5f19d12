/* SPDX-License-Identifier: MIT */
/*
 * vscsi_exec.c - one request copied out of a ring: validate it, then run it.
 *   CDB   -> the SCSI target of its (channel, target), asynchronously; the
 *            data goes through a bounce buffer (lu_store_alloc_buf) that
 *            grant copies fill (TO_DEVICE) or empty (FROM_DEVICE).
 *   RESET -> LOGICAL UNIT RESET of its LUN, answered 0x2002.
 *   ABORT -> the target cannot abort one command, so an in-flight ref_rqid
 *            is left to complete; the ABORT is answered 0x2002 after it
 *            (at once when ref_rqid is not in flight: nothing to abort).
 * Every request gets exactly one response; malformed ones DID_ERROR,
 * unknown channel:target:lun DID_NO_CONNECT.
 */
#include <errno.h>
#include <string.h>

#include "backend/lu/lu_store.h"
#include "backend/vscsi/vscsi_int.h"
#include "backend/vscsi/vscsi_rsp.h"
#include "xvios/log.h"

static void answer_host(struct vscsi_vhost *vh, uint16_t rqid, uint8_t host)
{
    struct vscsiif_response rsp;

    vscsi_rsp_host(&rsp, rqid, host);
    vscsi_ring_respond(vh, &rsp);
}

static void answer_tmf(struct vscsi_vhost *vh, uint16_t rqid, int32_t rslt)
{
    struct vscsiif_response rsp;

    vscsi_rsp_fill(&rsp, rqid, rslt, NULL, 0, 0);
    vscsi_ring_respond(vh, &rsp);
    vh->st.tmf++;
}

static void slot_release(struct vscsi_req *s)
{
    struct vscsi_vhost *vh = s->vh;

    if (s->buf)
        lu_store_free_buf(s->buf);
    s->buf = NULL;
    s->kind = VSCSI_SLOT_FREE;
    vh->in_flight--;
    vh->more_work = true;               /* a slot is free: the ring may hold more */
    vscsi_engine_kick(vh->eng);
}

/* ABORTs that wait for rqid are answered once it has been. */
static void answer_waiting_aborts(struct vscsi_vhost *vh, uint16_t rqid)
{
    for (unsigned i = 0; i < VSCSI_RING_SLOTS; i++) {
        struct vscsi_req *a = &vh->slots[i];

        if (a->kind == VSCSI_SLOT_ABORT && a->h.ref_rqid == rqid) {
            answer_tmf(vh, a->h.rqid, VSCSI_RSLT_RESET_SUCCESS);
            slot_release(a);
        }
    }
}

/* The answer of a CDB: status, sense and residual, with data_in_xfer bytes of read data copied out first. */
static void answer_cdb(struct vscsi_req *s, uint8_t status, const uint8_t *sense, uint8_t sense_len,
                       uint32_t residual, uint32_t data_in_xfer)
{
    struct vscsi_vhost *vh = s->vh;
    struct vscsiif_response rsp;
    uint16_t rqid = s->h.rqid;

    if (s->h.dir == VSCSI_DIR_FROM_DEVICE && data_in_xfer &&
        vscsi_io_copy(vh, s->segs, s->h.nr_segs, s->buf, data_in_xfer, XVIOS_GNT_TO_FE) < 0) {
        vh->st.grant_errors++;
        vscsi_rsp_host(&rsp, rqid, XEN_VSCSIIF_RSLT_HOST_ERROR);
    } else {
        vscsi_rsp_fill(&rsp, rqid, vscsi_rsp_result(XEN_VSCSIIF_RSLT_HOST_OK, status), sense, sense_len, residual);
    }
    vscsi_ring_respond(vh, &rsp);
    slot_release(s);
    answer_waiting_aborts(vh, rqid);
}

static void answer_local(struct vscsi_req *s)
{
    struct scsi_cmd *c = &s->cmd;

    answer_cdb(s, c->status, c->sense, c->sense_len, c->residual, c->data_in_xfer);
}

/* A local failure that may be the path's: MEDIUM ERROR or HARDWARE ERROR on an LU whose path is not good. */
static bool may_be_fabric(const struct vscsi_req *s)
{
    const struct scsi_cmd *c = &s->cmd;
    uint8_t key;

    if (c->status != SCSI_STATUS_CHECK_CONDITION || c->sense_len < 3 || !s->lu_ref || !s->lu_ref->dpath)
        return false;
    key = (c->sense[0] & 0x7f) >= 0x72 ? c->sense[1] & 0xf : c->sense[2] & 0xf;
    return (key == 3 || key == 4) && dsa_path_state(s->lu_ref->dpath) != DSA_GOOD;
}

static void fwd_done(struct cke_req *r, enum cke_end end, const struct cke_rsp *rsp)
{
    struct vscsi_req *s = r->opaque;

    if (end == CKE_END_ANSWERED) {
        answer_cdb(s, rsp->status, rsp->sense, rsp->sense_len, rsp->residual, rsp->data_in_xfer);
    } else if (s->redriven) {
        answer_local(s);                /* the path was good after all, or nobody else has one */
    } else {
        s->redriven = true;             /* run here now; a failure is answered as it is */
        scsi_submit(s->dev, &s->cmd);
    }
}

static void cmd_done(struct scsi_cmd *cmd)
{
    struct vscsi_req *s = cmd->opaque;
    struct vscsi_engine *e = s->vh->eng;

    if (!s->redriven && e->cke && may_be_fabric(s)) {
        /* before the client sees anything: the path's verdict, then a peer if it is lost */
        s->redriven = true;
        vscsi_fwd_fill(s->vh, s, fwd_done);
        cke_redrive(e->cke, &s->fwd);
        return;
    }
    answer_local(s);
}

static bool rqid_in_flight(const struct vscsi_vhost *vh, const struct vscsi_req *self, uint16_t rqid,
                           enum vscsi_slot_kind kind)
{
    for (unsigned i = 0; i < VSCSI_RING_SLOTS; i++) {
        const struct vscsi_req *s = &vh->slots[i];

        if (s != self && s->kind != VSCSI_SLOT_FREE && (kind == VSCSI_SLOT_FREE || s->kind == kind) &&
            s->h.rqid == rqid)
            return true;
    }
    return false;
}

static void bad_request(struct vscsi_vhost *vh, const struct vscsi_req_hdr *h, enum vscsi_req_err e)
{
    vh->st.bad[e]++;
    XLOG_WARN("vhost %u/%u rqid %u: %s: DID_ERROR", vh->fe_domid, vh->devid, h->rqid, vscsi_req_err_name(e));
    answer_host(vh, h->rqid, XEN_VSCSIIF_RSLT_HOST_ERROR);
}

/* Fetch and check the data segments, fill the bounce buffer for a write. 0 or an answered failure (< 0). */
static int prepare_data(struct vscsi_vhost *vh, struct vscsi_req *s)
{
    struct scsiif_request_segment ind[VSCSI_SG_GRANT_MAX];
    enum vscsi_req_err e;

    if (s->h.indirect && vscsi_io_fetch_desc(vh, &s->h, ind) < 0) {
        vh->st.grant_errors++;
        XLOG_WARN("vhost %u/%u rqid %u: indirect pages not readable: DID_ERROR", vh->fe_domid, vh->devid, s->h.rqid);
        answer_host(vh, s->h.rqid, XEN_VSCSIIF_RSLT_HOST_ERROR);
        return -1;
    }
    e = vscsi_req_data_segs(&s->h, s->h.indirect ? ind : NULL, s->segs, &s->data_len);
    if (e != VSCSI_REQ_OK) {
        bad_request(vh, &s->h, e);
        return -1;
    }
    if (s->data_len == 0)
        return 0;
    s->buf = lu_store_alloc_buf(s->data_len);
    if (!s->buf) {
        XLOG_WARN("vhost %u/%u rqid %u: no memory for %u bytes: BUS_BUSY", vh->fe_domid, vh->devid, s->h.rqid,
                  s->data_len);
        answer_host(vh, s->h.rqid, XEN_VSCSIIF_RSLT_HOST_BUS_BUSY);
        return -1;
    }
    if (s->h.dir == VSCSI_DIR_TO_DEVICE &&
        vscsi_io_copy(vh, s->segs, s->h.nr_segs, s->buf, s->data_len, XVIOS_GNT_FROM_FE) < 0) {
        vh->st.grant_errors++;
        XLOG_WARN("vhost %u/%u rqid %u: data grants not readable: DID_ERROR", vh->fe_domid, vh->devid, s->h.rqid);
        lu_store_free_buf(s->buf);
        s->buf = NULL;
        answer_host(vh, s->h.rqid, XEN_VSCSIIF_RSLT_HOST_ERROR);
        return -1;
    }
    return 0;
}

static void run_cdb(struct vscsi_vhost *vh, struct vscsi_req *s, struct vscsi_lun *l)
{
    struct scsi_cmd *c = &s->cmd;
    struct cke *cke = vh->eng->cke;

    s->buf = NULL;
    s->redriven = false;
    s->dev = l->target->dev;
    s->lu_ref = l->lu;
    if (prepare_data(vh, s) < 0)
        return;
    memset(c, 0, sizeof(*c));
    c->nexus = &vh->nexus;
    c->lun = l->lun;
    memcpy(c->cdb, s->h.cdb, s->h.cmd_len);
    c->cdb_len = s->h.cmd_len;
    if (s->h.dir == VSCSI_DIR_FROM_DEVICE) {
        c->data_in = s->buf;
        c->data_in_len = s->data_len;
    } else if (s->h.dir == VSCSI_DIR_TO_DEVICE) {
        c->data_out = s->buf;
        c->data_out_len = s->data_len;
    }
    c->done = cmd_done;
    c->opaque = s;
    s->kind = VSCSI_SLOT_CDB;
    vh->in_flight++;
    if (cke && l->lu->dpath && !cke_cdb_local(c->cdb) && cke_route(cke, l->lu->dpath) != CKE_ROUTE_LOCAL) {
        vscsi_fwd_fill(vh, s, fwd_done);
        cke_forward(cke, &s->fwd);      /* the path is lost, or forwarded commands still drain */
        return;
    }
    scsi_submit(l->target->dev, c);     /* done may run inside: the slot is accounted for already */
}

void vscsi_exec(struct vscsi_vhost *vh, struct vscsi_req *slot, const struct vscsiif_request *copy)
{
    struct vscsi_req_hdr *h = &slot->h;
    enum vscsi_req_err e;
    struct vscsi_lun *l;

    slot->vh = vh;
    vh->st.requests++;
    e = vscsi_req_check(copy, VSCSI_SG_GRANT_MAX, h);
    if (e != VSCSI_REQ_OK) {
        bad_request(vh, h, e);
        return;
    }
    if (rqid_in_flight(vh, slot, h->rqid, VSCSI_SLOT_FREE)) {
        vh->st.rqid_reuse++;
        XLOG_WARN("vhost %u/%u: rqid %u reused while in flight: DID_ERROR", vh->fe_domid, vh->devid, h->rqid);
        answer_host(vh, h->rqid, XEN_VSCSIIF_RSLT_HOST_ERROR);
        return;
    }
    l = vscsi_lun_find(vh, h->channel, h->id, h->lun);
    if (!l) {
        vh->st.no_connect++;
        XLOG_DEBUG("vhost %u/%u rqid %u: no LU at %u:%u:%u: DID_NO_CONNECT", vh->fe_domid, vh->devid, h->rqid,
                   h->channel, h->id, h->lun);
        answer_host(vh, h->rqid, XEN_VSCSIIF_RSLT_HOST_NO_CONNECT);
        return;
    }
    switch (h->act) {
    case VSCSIIF_ACT_SCSI_CDB:
        run_cdb(vh, slot, l);
        return;
    case VSCSIIF_ACT_SCSI_RESET:
        XLOG_INFO("vhost %u/%u: LUN reset of %u:%u:%u", vh->fe_domid, vh->devid, h->channel, h->id, h->lun);
        scsi_lu_reset(l->lu->lu);       /* in-flight commands complete TASK ABORTED, each answered */
        answer_tmf(vh, h->rqid, VSCSI_RSLT_RESET_SUCCESS);
        return;
    case VSCSIIF_ACT_SCSI_ABORT:
        if (!rqid_in_flight(vh, slot, h->ref_rqid, VSCSI_SLOT_CDB)) {
            answer_tmf(vh, h->rqid, VSCSI_RSLT_RESET_SUCCESS);
            return;
        }
        slot->kind = VSCSI_SLOT_ABORT;  /* answered after ref_rqid (answer_waiting_aborts) */
        vh->in_flight++;
        return;
    default:
        bad_request(vh, h, VSCSI_REQ_BAD_ACT);
        return;
    }
}
