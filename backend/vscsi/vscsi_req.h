/* SPDX-License-Identifier: MIT */
/*
 * vscsi_req.h - validation of one vscsiif request. Pure: it works on a copy
 * the caller took out of the shared ring (never on the ring itself) and on
 * the descriptors the caller copied out of the request's indirect pages; it
 * touches no grant, store or ring. The ring service and the fuzzer drive it.
 *
 * Two stages, because the indirect descriptors can only be fetched once the
 * request itself has been checked:
 *   1. vscsi_req_check(): action, direction, CDB length, segment counts, the
 *      direct segments or the indirect page descriptors, the data-segment
 *      total against the advertised feature-sg-grant.
 *   2. vscsi_req_data_segs(): the data segments (direct ones again, or the
 *      ones read from the indirect pages), each within one page; their
 *      total length.
 * Every class of malformation has its own code (counted and logged by the
 * engine); all of them are answered DID_ERROR.
 */
#ifndef XVIOS_BACKEND_VSCSI_REQ_H
#define XVIOS_BACKEND_VSCSI_REQ_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/vscsi/vscsi_proto.h"

enum vscsi_req_err {
    VSCSI_REQ_OK = 0,
    VSCSI_REQ_BAD_ACT,          /* act not CDB, ABORT or RESET */
    VSCSI_REQ_BAD_DIR,          /* sc_data_direction not 1..3 (bidirectional is not served) */
    VSCSI_REQ_BAD_CMD_LEN,      /* cmd_len 0 or > 16 */
    VSCSI_REQ_BAD_NSEGS,        /* > 26 direct segments or indirect pages, 0 indirect pages, data on DMA_NONE */
    VSCSI_REQ_BAD_SEG,          /* a data segment of length 0, or offset + length beyond its page */
    VSCSI_REQ_BAD_INDIRECT,     /* an indirect page descriptor: length 0 or not a multiple of 8, or beyond its page */
    VSCSI_REQ_TOO_MANY_SEGS,    /* more data segments than feature-sg-grant */
    VSCSI_REQ_ERR_COUNT
};

const char *vscsi_req_err_name(enum vscsi_req_err e);

/* A request after stage 1: the fields the engine uses, copied. */
struct vscsi_req_hdr {
    uint16_t rqid, ref_rqid;
    uint8_t  act, dir, cmd_len;
    uint8_t  cdb[VSCSIIF_MAX_COMMAND_SIZE];
    uint16_t channel, id, lun;
    bool     indirect;
    unsigned nr_desc;           /* entries in desc[]: direct data segments, or indirect page descriptors */
    unsigned nr_segs;           /* data segments the request moves */
    struct scsiif_request_segment desc[VSCSIIF_SG_TABLESIZE];
};

/* Stage 1. max_segs: the advertised feature-sg-grant (26..VSCSI_SG_GRANT_MAX). */
enum vscsi_req_err vscsi_req_check(const struct vscsiif_request *r, unsigned max_segs, struct vscsi_req_hdr *out);

/*
 * Stage 2. ind: for an indirect request the nr_segs descriptors copied out
 * of its indirect pages (in order), else NULL. Fills out[nr_segs] and
 * *total (bytes) when every data segment fits its page.
 */
enum vscsi_req_err vscsi_req_data_segs(const struct vscsi_req_hdr *h, const struct scsiif_request_segment *ind,
                                       struct scsiif_request_segment *out, uint32_t *total);

#endif /* XVIOS_BACKEND_VSCSI_REQ_H */
