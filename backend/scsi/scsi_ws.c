/* SPDX-License-Identifier: MIT */
/*
 * scsi_ws.c - WRITE SAME (10/16) and UNMAP. A zero block is written as a
 * deallocation (UNMAP bit, where deallocated blocks read as zeros) or a
 * write-zeroes; any other block is replicated into a chunk buffer and written
 * chunk by chunk. UNMAP's parameter list is untrusted: every length and
 * descriptor is checked before anything is deallocated.
 */
#include <string.h>

#include "backend/scsi/scsi_int.h"

#define WS_CHUNK (1u << 20)

enum { ST_START, ST_RUN };   /* ST_RUN + the way the range is written */
enum { WS_PATTERN, WS_ZEROES, WS_DISCARD };

static bool all_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i])
            return false;
    return true;
}

static int ws_start(struct scsi_cmd *cmd, struct scsi_err *err)
{
    struct scsi_cmd_priv *p = &cmd->priv;
    struct scsi_lu *lu = p->lu;
    bool ws16 = cmd->cdb[0] == SCSI_OP_WRITE_SAME16;
    bool ndob = ws16 && (cmd->cdb[1] & 0x01), unmap = cmd->cdb[1] & 0x08;
    const uint8_t *block = cmd->data_out;
    size_t chunk;

    if (cmd->cdb[1] & 0xe0) {                          /* WRPROTECT */
        *err = scsi_err_cdb_field(1, 7);
        return SCSI_FAIL;
    }
    if (cmd->cdb[1] & 0x10) {                          /* ANCHOR: anchored LBAs not supported */
        *err = scsi_err_cdb_field(1, 4);
        return SCSI_FAIL;
    }
    if (p->nblocks == 0) {                             /* WSNZ: "to the end" is not supported */
        *err = scsi_err_cdb_field(ws16 ? 10 : 7, -1);
        return SCSI_FAIL;
    }
    p->pos = p->lba * lu->bs;
    p->end = p->pos + (uint64_t)p->nblocks * lu->bs;
    if (ndob || all_zero(block, lu->bs)) {
        if (unmap && scsi_lu_can_unmap(lu) && lu->info.discard_zeroes)
            p->stage = ST_RUN + WS_DISCARD;
        else if (lu->ops->write_zeroes)
            p->stage = ST_RUN + WS_ZEROES;
        else
            p->stage = ST_RUN + WS_PATTERN;
    } else {
        p->stage = ST_RUN + WS_PATTERN;
    }
    if (p->stage == ST_RUN + WS_PATTERN) {
        chunk = p->end - p->pos < WS_CHUNK ? (size_t)(p->end - p->pos) : WS_CHUNK;
        p->buf = scsi_buf_alloc(lu, chunk);
        if (!p->buf) {
            *err = scsi_err_sense(SCSI_SK_HARDWARE_ERROR, SCSI_ASC_INTERNAL_TARGET_FAILURE);
            return SCSI_FAIL;
        }
        p->buf_len = chunk;
        for (size_t off = 0; off < chunk; off += lu->bs) {
            if (ndob)
                memset(p->buf + off, 0, lu->bs);
            else
                memcpy(p->buf + off, block, lu->bs);
        }
    }
    return SCSI_DONE;
}

int scsi_op_write_same(struct scsi_cmd *cmd, struct scsi_err *err)
{
    struct scsi_cmd_priv *p = &cmd->priv;
    struct scsi_lu *lu = p->lu;
    uint64_t len;
    int rc;

    if (!p->in_rlist) {                                /* first call */
        if (ws_start(cmd, err))
            return SCSI_FAIL;
        if (!scsi_range_enter(lu, cmd, false))
            return SCSI_ASYNC;                         /* resumed when the range is free */
    } else if (!scsi_io_ok(cmd, true, err)) {
        return SCSI_FAIL;
    }
    if (p->pos >= p->end)
        return SCSI_DONE;
    len = p->end - p->pos;
    switch (p->stage - ST_RUN) {
    case WS_DISCARD:
        p->pos = p->end;
        rc = lu->ops->discard(lu->store, p->end - len, len, scsi_io_done, cmd);
        return scsi_io_issued(cmd, rc, 0, true, err);
    case WS_ZEROES:
        p->pos = p->end;
        rc = lu->ops->write_zeroes(lu->store, p->end - len, len, scsi_io_done, cmd);
        return scsi_io_issued(cmd, rc, 0, true, err);
    default:
        if (len > p->buf_len)
            len = p->buf_len;
        p->pos += len;
        rc = lu->ops->write(lu->store, p->buf, (size_t)len, p->pos - len, !lu->mode.wce, scsi_io_done, cmd);
        return scsi_io_issued(cmd, rc, (size_t)len, true, err);
    }
}

/* ------------------------------------------------------------ UNMAP */
#define UNMAP_HDR  8
#define UNMAP_DESC 16

static int unmap_parse(struct scsi_cmd *cmd, uint32_t *ndesc, struct scsi_err *err)
{
    const struct scsi_lu *lu = cmd->priv.lu;
    const uint8_t *p = cmd->data_out;
    uint32_t plen = scsi_cmd_param_len(cmd), dlen, bdlen, n;

    if (plen < UNMAP_HDR) {                            /* 1..7; 0 was answered already */
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
        return SCSI_FAIL;
    }
    dlen = scsi_get_be16(p);
    bdlen = scsi_get_be16(p + 2);
    if (dlen > plen - 2 || bdlen > plen - UNMAP_HDR) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
        return SCSI_FAIL;
    }
    n = bdlen / UNMAP_DESC;                            /* SBC-3: a partial last descriptor is ignored */
    if (n > SCSI_MAX_UNMAP_DESCS) {
        *err = scsi_err_param_field(2, -1);
        return SCSI_FAIL;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *d = p + UNMAP_HDR + i * UNMAP_DESC;
        uint64_t lba = scsi_get_be64(d);
        uint32_t cnt = scsi_get_be32(d + 8);

        if (cnt > SCSI_MAX_UNMAP_BLOCKS) {
            *err = scsi_err_param_field((uint16_t)(UNMAP_HDR + i * UNMAP_DESC + 8), -1);
            return SCSI_FAIL;
        }
        if (lba > lu->nblocks || cnt > lu->nblocks - lba) {
            *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
            return SCSI_FAIL;
        }
    }
    *ndesc = n;
    return SCSI_DONE;
}

/* Descriptors are deallocated one after another; priv.pos is the next one, priv.end their count. */
int scsi_op_unmap(struct scsi_cmd *cmd, struct scsi_err *err)
{
    struct scsi_cmd_priv *p = &cmd->priv;
    struct scsi_lu *lu = p->lu;
    const uint8_t *d;
    uint32_t n = 0;

    if (!p->in_rlist) {                                /* first call */
        if (cmd->cdb[1] & 0x01) {                      /* ANCHOR */
            *err = scsi_err_cdb_field(1, 0);
            return SCSI_FAIL;
        }
        if (scsi_cmd_param_len(cmd) == 0)
            return SCSI_DONE;
        if (unmap_parse(cmd, &n, err))
            return SCSI_FAIL;
        p->pos = 0;
        p->end = n;
        /* Ordered against COMPARE AND WRITE as one range over the whole LU. */
        p->lba = 0;
        p->nblocks = (uint32_t)(lu->nblocks > UINT32_MAX ? UINT32_MAX : lu->nblocks);
        if (!scsi_range_enter(lu, cmd, false))
            return SCSI_ASYNC;
    } else if (!scsi_io_ok(cmd, true, err)) {
        return SCSI_FAIL;
    }
    for (; p->pos < p->end; p->pos++) {
        d = (const uint8_t *)cmd->data_out + UNMAP_HDR + p->pos * UNMAP_DESC;
        if (scsi_get_be32(d + 8) == 0)
            continue;
        p->pos++;
        return scsi_io_issued(cmd, lu->ops->discard(lu->store, scsi_get_be64(d) * lu->bs,
                                                    (uint64_t)scsi_get_be32(d + 8) * lu->bs, scsi_io_done, cmd),
                              0, true, err);
    }
    return SCSI_DONE;
}
