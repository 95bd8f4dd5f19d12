/* SPDX-License-Identifier: MIT */
/*
 * scsi_inquiry.c - INQUIRY: standard data (SPC-4, CmdQue) and the VPD pages
 * 0x00, 0x80 (unit serial), 0x83 (device identification: NAA IEEE Registered
 * Extended, T10 vendor id, relative target port), 0xB0 (block limits), 0xB1
 * (block device characteristics), 0xB2 (logical block provisioning). An
 * unmapped LUN answers standard data with peripheral qualifier 3, type 0x1f.
 */
#include <string.h>

#include "backend/scsi/scsi_int.h"
#include "xvios/naa.h"

#define STD_INQ_LEN 74
#define VPD_MAX     256

static void put_padded(uint8_t *dst, const char *s, size_t width)
{
    size_t n = strlen(s);

    memset(dst, ' ', width);
    memcpy(dst, s, n < width ? n : width);
}

static uint32_t standard_data(const struct scsi_lu *lu, uint8_t *d)
{
    memset(d, 0, STD_INQ_LEN);
    d[0] = lu ? 0x00 : 0x7f;               /* direct access / PQ 011b, type 1Fh */
    d[2] = 0x06;                           /* VERSION: SPC-4 */
    d[3] = 0x12;                           /* HISUP, response data format 2 */
    d[4] = STD_INQ_LEN - 5;
    d[7] = 0x02;                           /* CMDQUE */
    put_padded(d + 8, lu ? lu->vendor : "XVIOS", 8);
    put_padded(d + 16, lu ? lu->product : "VDISK", 16);
    put_padded(d + 32, lu ? lu->revision : "0001", 4);
    scsi_put_be16(d + 58, 0x00a0);         /* SAM-5 */
    scsi_put_be16(d + 60, 0x0460);         /* SPC-4 */
    scsi_put_be16(d + 62, 0x04c0);         /* SBC-3 */
    return STD_INQ_LEN;
}

static uint32_t vpd_devid(const struct scsi_lu *lu, const struct scsi_nexus *nexus, uint8_t *d)
{
    uint32_t n = 4;
    size_t slen = strlen(lu->serial);

    /* NAA IEEE Registered Extended (6h), associated with the LU. */
    d[n] = 0x01;
    d[n + 1] = 0x03;
    d[n + 3] = 16;
    if (lu->naa_set) {
        memcpy(d + n + 4, lu->naa, 16);   /* the LU's own WWN (e.g. the pool's): the same through every target */
    } else {
        xvios_naa_from_serial(lu->oui, lu->serial, d + n + 4);   /* derived from the serial (xvios/naa.h) */
    }
    n += 20;
    /* T10 vendor identification: vendor + unit serial number. */
    d[n] = 0x02;
    d[n + 1] = 0x01;
    d[n + 3] = (uint8_t)(8 + slen);
    put_padded(d + n + 4, lu->vendor, 8);
    memcpy(d + n + 12, lu->serial, slen);
    n += 12 + (uint32_t)slen;
    /* Relative target port the command came through. */
    if (nexus->target_port) {
        d[n] = 0x01;
        d[n + 1] = 0x14;
        d[n + 3] = 4;
        scsi_put_be16(d + n + 6, nexus->target_port);
        n += 8;
    }
    return n;
}

static uint32_t vpd_block_limits(const struct scsi_lu *lu, uint8_t *d)
{
    bool unmap = scsi_lu_can_unmap(lu);

    d[4] = 0x01;                                       /* WSNZ */
    d[5] = SCSI_MAX_CAW_BLOCKS;
    scsi_put_be16(d + 6, 1);
    scsi_put_be32(d + 8, lu->max_xfer);
    scsi_put_be32(d + 12, lu->max_xfer);
    if (unmap) {
        scsi_put_be32(d + 20, SCSI_MAX_UNMAP_BLOCKS);
        scsi_put_be32(d + 24, SCSI_MAX_UNMAP_DESCS);
        scsi_put_be32(d + 28, 4096 / lu->bs);          /* optimal unmap granularity */
    }
    scsi_put_be64(d + 36, SCSI_MAX_WRITE_SAME_BLOCKS);
    return 64;
}

static uint32_t vpd_provisioning(const struct scsi_lu *lu, uint8_t *d)
{
    if (scsi_lu_can_unmap(lu)) {
        d[5] = 0x80 | 0x40 | 0x20;                     /* LBPU, LBPWS, LBPWS10 */
        if (lu->info.discard_zeroes)
            d[5] |= 0x04;                              /* LBPRZ */
        d[6] = 0x02;                                   /* thin provisioned */
    }
    return 8;
}

static const uint8_t vpd_pages[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };

static int vpd_page(const struct scsi_cmd *cmd, uint8_t *d, uint32_t *len, struct scsi_err *err)
{
    const struct scsi_lu *lu = cmd->priv.lu;
    uint8_t page = cmd->cdb[2];
    uint32_t n;

    memset(d, 0, VPD_MAX);
    d[1] = page;
    switch (page) {
    case 0x00:
        memcpy(d + 4, vpd_pages, sizeof(vpd_pages));
        n = 4 + sizeof(vpd_pages);
        break;
    case 0x80:
        n = 4 + (uint32_t)strlen(lu->serial);
        memcpy(d + 4, lu->serial, n - 4);
        break;
    case 0x83:
        n = vpd_devid(lu, cmd->nexus, d);
        break;
    case 0xb0:
        n = vpd_block_limits(lu, d);
        break;
    case 0xb1:
        scsi_put_be16(d + 4, 1);                       /* non-rotating medium */
        n = 64;
        break;
    case 0xb2:
        n = vpd_provisioning(lu, d);
        break;
    default:
        *err = scsi_err_cdb_field(2, -1);
        return SCSI_FAIL;
    }
    scsi_put_be16(d + 2, (uint16_t)(n - 4));
    *len = n;
    return SCSI_DONE;
}

int scsi_op_inquiry(struct scsi_cmd *cmd, struct scsi_err *err)
{
    uint8_t d[VPD_MAX];
    uint32_t n;

    _Static_assert(STD_INQ_LEN <= VPD_MAX, "standard data fits");
    if (cmd->cdb[1] & 0x02) {                          /* CMDDT: obsolete */
        *err = scsi_err_cdb_field(1, 1);
        return SCSI_FAIL;
    }
    if (!(cmd->cdb[1] & 0x01)) {
        if (cmd->cdb[2]) {
            *err = scsi_err_cdb_field(2, -1);
            return SCSI_FAIL;
        }
        n = standard_data(cmd->priv.lu, d);
    } else if (!cmd->priv.lu) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LU_NOT_SUPPORTED);
        return SCSI_FAIL;
    } else if (vpd_page(cmd, d, &n, err)) {
        return SCSI_FAIL;
    }
    scsi_cmd_reply(cmd, d, n);
    return SCSI_DONE;
}
