/* SPDX-License-Identifier: MIT */
/*
 * scsi_caw.c - COMPARE AND WRITE (SBC-3 5.2): read the range, compare it with
 * the first half of the data-out buffer, write the second half if equal --
 * atomically for the LU: the command holds its range in the write-ordering
 * list (scsi_range.c), so no overlapping write starts or runs meanwhile.
 */
#include <string.h>

#include "backend/scsi/scsi_int.h"

enum { ST_START, ST_READ, ST_WRITE };

int scsi_op_compare_and_write(struct scsi_cmd *cmd, struct scsi_err *err)
{
    struct scsi_cmd_priv *p = &cmd->priv;
    struct scsi_lu *lu = p->lu;
    size_t len = (size_t)p->nblocks * lu->bs;
    const uint8_t *verify = cmd->data_out, *data = verify ? verify + len : NULL;
    bool fua = (cmd->cdb[1] & 0x08) || !lu->mode.wce;
    long diff;

    switch (p->stage) {
    case ST_START:
        if (!p->in_rlist) {
            if (cmd->cdb[1] & 0xe0) {                  /* WRPROTECT */
                *err = scsi_err_cdb_field(1, 7);
                return SCSI_FAIL;
            }
            if (len == 0)                              /* not an error (SBC-3) */
                return SCSI_DONE;
            if (!scsi_range_enter(lu, cmd, true))
                return SCSI_ASYNC;                     /* resumed when the range is free */
        }
        p->buf = scsi_buf_alloc(lu, len);
        if (!p->buf) {
            *err = scsi_err_sense(SCSI_SK_HARDWARE_ERROR, SCSI_ASC_INTERNAL_TARGET_FAILURE);
            return SCSI_FAIL;
        }
        p->stage = ST_READ;
        return scsi_io_issued(cmd, lu->ops->read(lu->store, p->buf, len, p->lba * lu->bs, scsi_io_done, cmd),
                              len, false, err);
    case ST_READ:
        if (!scsi_io_ok(cmd, false, err))
            return SCSI_FAIL;
        diff = scsi_first_diff(p->buf, verify, len);
        if (diff >= 0) {
            *err = scsi_err_miscompare((size_t)diff);
            return SCSI_FAIL;
        }
        memcpy(p->buf, data, len);                     /* aligned for the store */
        p->stage = ST_WRITE;
        return scsi_io_issued(cmd, lu->ops->write(lu->store, p->buf, len, p->lba * lu->bs, fua, scsi_io_done, cmd),
                              len, true, err);
    default:
        return scsi_io_ok(cmd, true, err) ? SCSI_DONE : SCSI_FAIL;
    }
}
