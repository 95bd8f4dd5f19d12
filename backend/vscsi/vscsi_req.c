/* SPDX-License-Identifier: MIT */
/* vscsi_req.c - validation of a copied vscsiif request (vscsi_req.h). */
#include "backend/vscsi/vscsi_req.h"

#include <string.h>

const char *vscsi_req_err_name(enum vscsi_req_err e)
{
    static const char *const names[VSCSI_REQ_ERR_COUNT] = {
        [VSCSI_REQ_OK] = "ok",
        [VSCSI_REQ_BAD_ACT] = "unknown action",
        [VSCSI_REQ_BAD_DIR] = "bad data direction",
        [VSCSI_REQ_BAD_CMD_LEN] = "bad CDB length",
        [VSCSI_REQ_BAD_NSEGS] = "bad segment count",
        [VSCSI_REQ_BAD_SEG] = "data segment beyond its page",
        [VSCSI_REQ_BAD_INDIRECT] = "bad indirect descriptor",
        [VSCSI_REQ_TOO_MANY_SEGS] = "more segments than feature-sg-grant",
    };
    return (unsigned)e < VSCSI_REQ_ERR_COUNT ? names[e] : "?";
}

static bool seg_fits(const struct scsiif_request_segment *s)
{
    return s->length != 0 && (uint32_t)s->offset + s->length <= VSCSIIF_PAGE_SIZE;
}

enum vscsi_req_err vscsi_req_check(const struct vscsiif_request *r, unsigned max_segs, struct vscsi_req_hdr *out)
{
    unsigned n = r->nr_segments & ~VSCSIIF_SG_GRANT, total = 0;

    memset(out, 0, sizeof(*out));
    out->rqid = r->rqid;
    out->ref_rqid = r->ref_rqid;
    out->act = r->act;
    out->channel = r->channel;
    out->id = r->id;
    out->lun = r->lun;
    if (r->act == VSCSIIF_ACT_SCSI_ABORT || r->act == VSCSIIF_ACT_SCSI_RESET)
        return VSCSI_REQ_OK;            /* task management: no CDB, no data */
    if (r->act != VSCSIIF_ACT_SCSI_CDB)
        return VSCSI_REQ_BAD_ACT;
    if (r->sc_data_direction < VSCSI_DIR_TO_DEVICE || r->sc_data_direction > VSCSI_DIR_NONE)
        return VSCSI_REQ_BAD_DIR;
    out->dir = r->sc_data_direction;
    if (r->cmd_len == 0 || r->cmd_len > VSCSIIF_MAX_COMMAND_SIZE)
        return VSCSI_REQ_BAD_CMD_LEN;
    out->cmd_len = r->cmd_len;
    memcpy(out->cdb, r->cmnd, r->cmd_len);
    if (n > VSCSIIF_SG_TABLESIZE || (out->dir == VSCSI_DIR_NONE && r->nr_segments != 0))
        return VSCSI_REQ_BAD_NSEGS;
    out->indirect = (r->nr_segments & VSCSIIF_SG_GRANT) != 0;
    if (out->indirect && n == 0)
        return VSCSI_REQ_BAD_NSEGS;
    for (unsigned i = 0; i < n; i++) {
        const struct scsiif_request_segment *s = &r->seg[i];

        out->desc[i] = *s;
        if (!out->indirect) {
            if (!seg_fits(s))
                return VSCSI_REQ_BAD_SEG;
            total++;
            continue;
        }
        if (!seg_fits(s) || s->length % sizeof(struct scsiif_request_segment))
            return VSCSI_REQ_BAD_INDIRECT;
        total += s->length / sizeof(struct scsiif_request_segment);
    }
    if (total > max_segs)
        return VSCSI_REQ_TOO_MANY_SEGS;
    out->nr_desc = n;
    out->nr_segs = total;
    return VSCSI_REQ_OK;
}

enum vscsi_req_err vscsi_req_data_segs(const struct vscsi_req_hdr *h, const struct scsiif_request_segment *ind,
                                       struct scsiif_request_segment *out, uint32_t *total)
{
    const struct scsiif_request_segment *src = h->indirect ? ind : h->desc;
    uint32_t sum = 0;

    *total = 0;
    if (h->nr_segs && !src)
        return VSCSI_REQ_BAD_INDIRECT;
    for (unsigned i = 0; i < h->nr_segs; i++) {
        if (!seg_fits(&src[i]))
            return VSCSI_REQ_BAD_SEG;
        out[i] = src[i];
        sum += src[i].length;
    }
    *total = sum;
    return VSCSI_REQ_OK;
}
