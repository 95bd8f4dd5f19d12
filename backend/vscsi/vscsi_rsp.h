/* SPDX-License-Identifier: MIT */
/*
 * vscsi_rsp.h - encoding of one vscsiif response. Pure.
 *
 * rslt = host byte << 16 | SCSI status (XEN_VSCSIIF_RSLT_HOST / _STATUS),
 * or VSCSI_RSLT_RESET_SUCCESS / _FAILED for task management. At most
 * VSCSIIF_SENSE_BUFFERSIZE (96) bytes of sense; sense_len says how many.
 */
#ifndef XVIOS_BACKEND_VSCSI_RSP_H
#define XVIOS_BACKEND_VSCSI_RSP_H

#include <stddef.h>
#include <stdint.h>

#include "backend/vscsi/vscsi_proto.h"

int32_t vscsi_rsp_result(uint8_t host, uint8_t status);

/* A full response: every byte of *rsp is written (no stale ring contents leak to the frontend). */
void vscsi_rsp_fill(struct vscsiif_response *rsp, uint16_t rqid, int32_t rslt, const uint8_t *sense,
                    size_t sense_len, uint32_t residual);

/* A response that carries only a host byte (DID_ERROR, DID_NO_CONNECT, ...). */
static inline void vscsi_rsp_host(struct vscsiif_response *rsp, uint16_t rqid, uint8_t host)
{
    vscsi_rsp_fill(rsp, rqid, vscsi_rsp_result(host, 0), NULL, 0, 0);
}

#endif /* XVIOS_BACKEND_VSCSI_RSP_H */
