/* SPDX-License-Identifier: MIT */
/*
 * scsi_rw.c - READ (6/10/12/16), WRITE (6/10/12/16), WRITE AND VERIFY
 * (10/16), VERIFY (10/16) and SYNCHRONIZE CACHE (10/16), asynchronously
 * through the backing. Each handler is a small state machine resumed by
 * scsi_io_done (priv.stage); the dispatcher has already checked the LBA
 * range, the buffers and write protection.
 */
#include <string.h>

#include "backend/scsi/scsi_int.h"

enum { ST_START, ST_IO, ST_VERIFY };

static struct scsi_err no_memory(void)
{
    return scsi_err_sense(SCSI_SK_HARDWARE_ERROR, SCSI_ASC_INTERNAL_TARGET_FAILURE);
}

static bool is_6(const struct scsi_cmd *cmd)
{
    return cmd->cdb[0] == SCSI_OP_READ6 || cmd->cdb[0] == SCSI_OP_WRITE6;
}

/* RDPROTECT / WRPROTECT / VRPROTECT: the LU has no protection information. */
static int check_protect(const struct scsi_cmd *cmd, struct scsi_err *err)
{
    if (!is_6(cmd) && (cmd->cdb[1] & 0xe0)) {
        *err = scsi_err_cdb_field(1, 7);
        return SCSI_FAIL;
    }
    return SCSI_DONE;
}

/* A write reaches stable storage before completion when FUA asks or the write cache is off. */
static bool want_fua(const struct scsi_cmd *cmd)
{
    return (!is_6(cmd) && (cmd->cdb[1] & 0x08)) || !cmd->priv.lu->mode.wce;
}

int scsi_op_read(struct scsi_cmd *cmd, struct scsi_err *err)
{
    struct scsi_cmd_priv *p = &cmd->priv;
    struct scsi_lu *lu = p->lu;
    size_t len = (size_t)p->nblocks * lu->bs;
    void *dst = cmd->data_in;

    switch (p->stage) {
    case ST_START:
        if (check_protect(cmd, err))
            return SCSI_FAIL;
        if (len == 0)
            return SCSI_DONE;
        if (!scsi_buf_aligned(lu, dst, len)) {
            p->buf = scsi_buf_alloc(lu, len);
            if (!p->buf) {
                *err = no_memory();
                return SCSI_FAIL;
            }
            dst = p->buf;
        }
        p->stage = ST_IO;
        return scsi_io_issued(cmd, lu->ops->read(lu->store, dst, len, p->lba * lu->bs, scsi_io_done, cmd),
                              len, false, err);
    default:
        if (!scsi_io_ok(cmd, false, err))
            return SCSI_FAIL;
        if (p->buf)
            memcpy(cmd->data_in, p->buf, len);
        cmd->data_in_xfer = (uint32_t)len;
        return SCSI_DONE;
    }
}

/* Reads the range back into priv.buf for a verification. */
static int read_back(struct scsi_cmd *cmd, size_t len, struct scsi_err *err)
{
    struct scsi_cmd_priv *p = &cmd->priv;
    struct scsi_lu *lu = p->lu;

    if (!p->buf) {
        p->buf = scsi_buf_alloc(lu, len);
        if (!p->buf) {
            *err = no_memory();
            return SCSI_FAIL;
        }
    }
    p->stage = ST_VERIFY;
    return scsi_io_issued(cmd, lu->ops->read(lu->store, p->buf, len, p->lba * lu->bs, scsi_io_done, cmd),
                          len, false, err);
}

static bool is_write_verify(const struct scsi_cmd *cmd)
{
    return cmd->cdb[0] == SCSI_OP_WRITE_VERIFY10 || cmd->cdb[0] == SCSI_OP_WRITE_VERIFY16;
}

/* WRITE and WRITE AND VERIFY (written with FUA, read back, compared when BYTCHK=1). */
int scsi_op_write(struct scsi_cmd *cmd, struct scsi_err *err)
{
    struct scsi_cmd_priv *p = &cmd->priv;
    struct scsi_lu *lu = p->lu;
    size_t len = (size_t)p->nblocks * lu->bs;
    const void *src = cmd->data_out;
    bool wav = is_write_verify(cmd);
    long diff;

    switch (p->stage) {
    case ST_START:
        if (check_protect(cmd, err))
            return SCSI_FAIL;
        if (len == 0)
            return SCSI_DONE;
        if (!p->in_rlist && !scsi_range_enter(lu, cmd, false))
            return SCSI_ASYNC;                         /* resumed when the range is free */
        if (!scsi_buf_aligned(lu, src, len)) {
            p->buf = scsi_buf_alloc(lu, len);
            if (!p->buf) {
                *err = no_memory();
                return SCSI_FAIL;
            }
            memcpy(p->buf, src, len);
            src = p->buf;
        }
        p->stage = ST_IO;
        return scsi_io_issued(cmd, lu->ops->write(lu->store, src, len, p->lba * lu->bs, wav || want_fua(cmd),
                                                  scsi_io_done, cmd), len, true, err);
    case ST_IO:
        if (!scsi_io_ok(cmd, true, err))
            return SCSI_FAIL;
        return wav ? read_back(cmd, len, err) : SCSI_DONE;
    default:
        if (!scsi_io_ok(cmd, false, err))
            return SCSI_FAIL;
        if ((cmd->cdb[1] & 0x02) && (diff = scsi_first_diff(p->buf, cmd->data_out, len)) >= 0) {
            *err = scsi_err_miscompare((size_t)diff);
            return SCSI_FAIL;
        }
        return SCSI_DONE;
    }
}

/* VERIFY: BYTCHK=0 reads the medium, BYTCHK=1 also compares it with the data-out buffer. */
int scsi_op_verify(struct scsi_cmd *cmd, struct scsi_err *err)
{
    struct scsi_cmd_priv *p = &cmd->priv;
    size_t len = (size_t)p->nblocks * p->lu->bs;
    uint8_t bytchk = (cmd->cdb[1] >> 1) & 0x03;
    long diff;

    switch (p->stage) {
    case ST_START:
        if (check_protect(cmd, err))
            return SCSI_FAIL;
        if (bytchk > 1) {                              /* 10b reserved, 11b not supported */
            *err = scsi_err_cdb_field(1, 2);
            return SCSI_FAIL;
        }
        if (len == 0)
            return SCSI_DONE;
        return read_back(cmd, len, err);
    default:
        if (!scsi_io_ok(cmd, false, err))
            return SCSI_FAIL;
        if (bytchk && (diff = scsi_first_diff(p->buf, cmd->data_out, len)) >= 0) {
            *err = scsi_err_miscompare((size_t)diff);
            return SCSI_FAIL;
        }
        return SCSI_DONE;
    }
}

/* SYNCHRONIZE CACHE: the whole store is flushed (a range is never less work for it). */
int scsi_op_sync_cache(struct scsi_cmd *cmd, struct scsi_err *err)
{
    struct scsi_cmd_priv *p = &cmd->priv;
    struct scsi_lu *lu = p->lu;

    switch (p->stage) {
    case ST_START:
        p->stage = ST_IO;
        return scsi_io_issued(cmd, lu->ops->flush(lu->store, scsi_io_done, cmd), 0, true, err);
    default:
        return scsi_io_ok(cmd, true, err) ? SCSI_DONE : SCSI_FAIL;
    }
}
