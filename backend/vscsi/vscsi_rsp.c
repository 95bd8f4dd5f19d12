/* SPDX-License-Identifier: MIT */
/* vscsi_rsp.c - vscsiif response encoding (vscsi_rsp.h). */
#include "backend/vscsi/vscsi_rsp.h"

#include <string.h>

int32_t vscsi_rsp_result(uint8_t host, uint8_t status)
{
    return (int32_t)((uint32_t)host << 16 | status);
}

void vscsi_rsp_fill(struct vscsiif_response *rsp, uint16_t rqid, int32_t rslt, const uint8_t *sense,
                    size_t sense_len, uint32_t residual)
{
    struct vscsiif_response r;

    memset(&r, 0, sizeof(r));
    r.rqid = rqid;
    if (sense && sense_len) {
        if (sense_len > VSCSIIF_SENSE_BUFFERSIZE)
            sense_len = VSCSIIF_SENSE_BUFFERSIZE;
        memcpy(r.sense_buffer, sense, sense_len);
        r.sense_len = (uint8_t)sense_len;
    }
    r.rslt = rslt;
    r.residual_len = residual;
    memcpy(rsp, &r, sizeof(r));
}
