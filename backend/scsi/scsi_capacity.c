/* SPDX-License-Identifier: MIT */
/* scsi_capacity.c - READ CAPACITY (10)/(16) and GET LBA STATUS (mapped / deallocated extents). */
#include <string.h>

#include "backend/scsi/scsi_int.h"

#define GLS_MAX_DESC 64

static uint64_t last_lba(const struct scsi_lu *lu)
{
    return lu->nblocks ? lu->nblocks - 1 : 0;
}

int scsi_op_read_capacity10(struct scsi_cmd *cmd, struct scsi_err *err)
{
    const struct scsi_lu *lu = cmd->priv.lu;
    uint8_t d[8];

    if (!(cmd->cdb[8] & 0x01) && scsi_get_be32(cmd->cdb + 2)) {   /* LBA without PMI */
        *err = scsi_err_cdb_field(2, -1);
        return SCSI_FAIL;
    }
    /* FFFFFFFFh tells the initiator to use READ CAPACITY (16). */
    scsi_put_be32(d, last_lba(lu) > UINT32_MAX ? UINT32_MAX : (uint32_t)last_lba(lu));
    scsi_put_be32(d + 4, lu->bs);
    scsi_cmd_reply(cmd, d, sizeof(d));
    return SCSI_DONE;
}

int scsi_op_read_capacity16(struct scsi_cmd *cmd, struct scsi_err *err)
{
    const struct scsi_lu *lu = cmd->priv.lu;
    uint8_t d[32] = { 0 };

    (void)err;
    scsi_put_be64(d, last_lba(lu));
    scsi_put_be32(d + 8, lu->bs);
    if (scsi_lu_can_unmap(lu)) {
        d[14] = 0x80;                                  /* LBPME */
        if (lu->info.discard_zeroes)
            d[14] |= 0x40;                             /* LBPRZ */
    }
    scsi_cmd_reply(cmd, d, sizeof(d));
    return SCSI_DONE;
}

/* The provisioning status at lba and how many blocks it holds for. */
static void extent_at(const struct scsi_lu *lu, uint64_t lba, bool *mapped, uint64_t *blocks)
{
    uint64_t left = lu->nblocks - lba, len = 0;
    bool m = true;

    *mapped = true;
    *blocks = left;
    if (!lu->ops->map_status || lu->ops->map_status(lu->store, lba * lu->bs, &len, &m) < 0)
        return;
    /* A block is deallocated only if all of it is; a partly mapped block is mapped. */
    if (m)
        *blocks = (len + lu->bs - 1) / lu->bs;
    else
        *blocks = len / lu->bs;
    if (*blocks == 0) {
        m = true;
        *blocks = 1;
    }
    if (*blocks > left)
        *blocks = left;
    *mapped = m;
}

int scsi_op_get_lba_status(struct scsi_cmd *cmd, struct scsi_err *err)
{
    const struct scsi_lu *lu = cmd->priv.lu;
    uint64_t lba = scsi_get_be64(cmd->cdb + 2);
    uint32_t alloc = scsi_get_be32(cmd->cdb + 10), max = GLS_MAX_DESC, n = 0, probes = 0;
    uint8_t d[8 + GLS_MAX_DESC * 16];

    if (lba >= lu->nblocks) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
        return SCSI_FAIL;
    }
    if (alloc >= 8 && (alloc - 8) / 16 < max)
        max = (alloc - 8) / 16;
    if (max == 0)
        max = 1;
    memset(d, 0, sizeof(d));
    /* Bounded: a store answering in tiny pieces costs at most 16 probes per descriptor. */
    while (n < max && lba < lu->nblocks && probes++ < 16 * GLS_MAX_DESC) {
        uint64_t blocks;
        bool mapped;
        uint8_t *e;

        extent_at(lu, lba, &mapped, &blocks);
        if (n && d[8 + (n - 1) * 16 + 12] == (mapped ? 0 : 1) &&
            (uint64_t)scsi_get_be32(d + 8 + (n - 1) * 16 + 8) + blocks <= UINT32_MAX) {
            e = d + 8 + (n - 1) * 16;                  /* same status: extend the last extent */
            scsi_put_be32(e + 8, (uint32_t)(scsi_get_be32(e + 8) + blocks));
        } else {
            if (blocks > UINT32_MAX)
                blocks = UINT32_MAX;
            e = d + 8 + n * 16;
            scsi_put_be64(e, lba);
            scsi_put_be32(e + 8, (uint32_t)blocks);
            e[12] = mapped ? 0 : 1;
            n++;
        }
        lba += blocks;
    }
    scsi_put_be32(d, 4 + n * 16);
    scsi_cmd_reply(cmd, d, 8 + n * 16);
    return SCSI_DONE;
}
