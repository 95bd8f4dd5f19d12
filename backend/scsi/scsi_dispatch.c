/* SPDX-License-Identifier: MIT */
/*
 * scsi_dispatch.c - the one place every command passes: it checks, once and
 * in the order SAM-5/SPC-4 give, that the LUN exists, the CDB is long enough
 * for its opcode group, the opcode and service action are supported, no unit
 * attention is pending for the I_T nexus, no reservation conflicts, the LBA
 * range lies on the medium and the buffers hold the transfer, and that a
 * write does not target a read-only LU. Handlers never repeat these checks.
 */
#include <errno.h>
#include <string.h>

#include "backend/scsi/scsi_int.h"
#include "backend/scsi/scsi_sense.h"
#include "xvios/log.h"

/* CDB length by opcode group (SPC-4 4.2.5.1); 0 = reserved/vendor/variable. */
static const uint8_t group_len[8] = { 6, 10, 10, 0, 16, 12, 0, 0 };

static void link_inflight(struct scsi_lu *lu, struct scsi_cmd *cmd)
{
    cmd->priv.prev = NULL;
    cmd->priv.next = lu->inflight;
    if (lu->inflight)
        lu->inflight->priv.prev = cmd;
    lu->inflight = cmd;
    cmd->priv.in_flight = true;
    lu->n_inflight++;
}

static void unlink_inflight(struct scsi_lu *lu, struct scsi_cmd *cmd)
{
    if (!cmd->priv.in_flight)
        return;
    if (cmd->priv.prev)
        cmd->priv.prev->priv.next = cmd->priv.next;
    else
        lu->inflight = cmd->priv.next;
    if (cmd->priv.next)
        cmd->priv.next->priv.prev = cmd->priv.prev;
    cmd->priv.in_flight = false;
    lu->n_inflight--;
}

void scsi_cmd_finish(struct scsi_cmd *cmd, const struct scsi_err *err)
{
    struct scsi_lu *lu = cmd->priv.lu;

    if (lu) {
        unlink_inflight(lu, cmd);
        if (cmd->priv.buf) {
            scsi_buf_free(lu, cmd->priv.buf);
            cmd->priv.buf = NULL;
        }
        scsi_range_leave(lu, cmd);
    }
    cmd->sense_len = 0;
    if (cmd->priv.aborted) {
        cmd->status = SCSI_STATUS_TASK_ABORTED;
        cmd->data_in_xfer = 0;
    } else if (err) {
        cmd->status = err->status;
        if (err->status == SCSI_STATUS_CHECK_CONDITION)
            cmd->sense_len = (uint8_t)scsi_sense_build(err, lu && lu->mode.d_sense, cmd->sense,
                                                       sizeof(cmd->sense));
    } else {
        cmd->status = SCSI_STATUS_GOOD;
    }
    if (cmd->data_in_xfer > cmd->data_in_len)      /* cannot happen; never report more than the buffer */
        cmd->data_in_xfer = cmd->data_in_len;
    if (cmd->data_in_len)
        cmd->residual = cmd->data_in_len - cmd->data_in_xfer;
    else if (cmd->status == SCSI_STATUS_GOOD && cmd->priv.out_used <= cmd->data_out_len)
        cmd->residual = cmd->data_out_len - cmd->priv.out_used;
    else
        cmd->residual = cmd->data_out_len;
    cmd->done(cmd);
}

/* A command the LU's creator took (scsi_lu_opts.pr_exec) completes like any other. */
void scsi_lu_pr_exec_done(struct scsi_cmd *cmd, const struct scsi_err *err)
{
    scsi_cmd_finish(cmd, err);
}

void scsi_cmd_run(struct scsi_cmd *cmd)
{
    struct scsi_err err = { 0 };
    int rc;

    if (cmd->priv.aborted) {
        scsi_cmd_finish(cmd, NULL);
        return;
    }
    rc = cmd->priv.op->fn(cmd, &err);
    if (rc == SCSI_ASYNC)
        return;
    scsi_cmd_finish(cmd, rc == SCSI_DONE ? NULL : &err);
}

static uint32_t get_len_field(const uint8_t *cdb, uint8_t off, uint8_t size)
{
    switch (size) {
    case 1: return cdb[off];
    case 2: return scsi_get_be16(cdb + off);
    case 4: return scsi_get_be32(cdb + off);
    default: return 0;
    }
}

uint32_t scsi_cmd_alloc_len(const struct scsi_cmd *cmd)
{
    const struct scsi_op *op = cmd->priv.op;
    uint32_t alen = op->len_size ? get_len_field(cmd->cdb, op->len_off, op->len_size) : cmd->data_in_len;

    return alen < cmd->data_in_len ? alen : cmd->data_in_len;
}

uint32_t scsi_cmd_param_len(const struct scsi_cmd *cmd)
{
    const struct scsi_op *op = cmd->priv.op;

    return get_len_field(cmd->cdb, op->len_off, op->len_size);
}

void scsi_cmd_reply(struct scsi_cmd *cmd, const void *data, uint32_t len)
{
    uint32_t n = scsi_cmd_alloc_len(cmd);

    if (len < n)
        n = len;
    if (n)
        memcpy(cmd->data_in, data, n);
    cmd->data_in_xfer = n;
}

struct scsi_err scsi_err_io(int64_t result, bool write, uint64_t lba)
{
    struct scsi_err e;

    if (result == -ENOSPC)
        e = scsi_err_sense(SCSI_SK_DATA_PROTECT, SCSI_ASC_SPACE_ALLOC_FAILED_WP);
    else
        e = scsi_err_sense(SCSI_SK_MEDIUM_ERROR, write ? SCSI_ASC_WRITE_ERROR : SCSI_ASC_UNRECOVERED_READ_ERROR);
    e.has_info = true;
    e.info = lba;
    return e;
}

/* LBA and block count of the CDB, and the byte of the count field. */
static void parse_lba(const struct scsi_op *op, const uint8_t *cdb, uint64_t *lba, uint32_t *count,
                      uint16_t *count_field)
{
    switch (op->lba_fmt) {
    case SCSI_LBA_6:
        *lba = scsi_get_be24(cdb + 1) & 0x1fffff;
        *count = cdb[4] ? cdb[4] : 256;
        *count_field = 4;
        break;
    case SCSI_LBA_10:
        *lba = scsi_get_be32(cdb + 2);
        *count = scsi_get_be16(cdb + 7);
        *count_field = 7;
        break;
    case SCSI_LBA_12:
        *lba = scsi_get_be32(cdb + 2);
        *count = scsi_get_be32(cdb + 6);
        *count_field = 6;
        break;
    case SCSI_LBA_16:
        *lba = scsi_get_be64(cdb + 2);
        *count = scsi_get_be32(cdb + 10);
        *count_field = 10;
        break;
    case SCSI_LBA_CAW:
        *lba = scsi_get_be64(cdb + 2);
        *count = cdb[13];
        *count_field = 13;
        break;
    default:
        *lba = 0;
        *count = 0;
        *count_field = 0;
    }
}

/* The most blocks one command of this kind may name (0: no limit). */
static uint32_t count_limit(const struct scsi_op *op, const struct scsi_lu *lu)
{
    switch (op->xfer) {
    case SCSI_XFER_WS:  return SCSI_MAX_WRITE_SAME_BLOCKS;
    case SCSI_XFER_CAW: return SCSI_MAX_CAW_BLOCKS;
    default:            return op->flags & SCSI_OPF_ZERO_TO_END ? 0 : lu->max_xfer;
    }
}

/* Checks the LBA range and what the buffers must hold; fills priv.lba/nblocks/out_used. */
static int check_transfer(struct scsi_cmd *cmd, struct scsi_lu *lu, struct scsi_err *err)
{
    const struct scsi_op *op = cmd->priv.op;
    const uint8_t *cdb = cmd->cdb;
    uint64_t lba = 0, need_out = 0, need_in = 0;
    uint32_t count = 0, limit;
    uint16_t count_field = 0;

    if (op->lba_fmt != SCSI_LBA_NONE) {
        parse_lba(op, cdb, &lba, &count, &count_field);
        if (count == 0 && (op->flags & SCSI_OPF_ZERO_TO_END) && lba < lu->nblocks)
            count = (uint32_t)(lu->nblocks - lba > UINT32_MAX ? UINT32_MAX : lu->nblocks - lba);
        limit = count_limit(op, lu);
        if (limit && count > limit) {
            *err = scsi_err_cdb_field(count_field, -1);
            return -1;
        }
        if (lba >= lu->nblocks || count > lu->nblocks - lba) {
            *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
            return -1;
        }
        cmd->priv.lba = lba;
        cmd->priv.nblocks = count;
    }
    switch (op->xfer) {
    case SCSI_XFER_BLOCKS:
        if (op->dir == SCSI_DIR_IN)
            need_in = (uint64_t)count * lu->bs;
        else if (op->opcode != SCSI_OP_VERIFY10 && op->opcode != SCSI_OP_VERIFY16)
            need_out = (uint64_t)count * lu->bs;
        else if ((cdb[1] & 0x06) == 0x02)            /* VERIFY with BYTCHK=1 */
            need_out = (uint64_t)count * lu->bs;
        break;
    case SCSI_XFER_WS:
        if (!(op->opcode == SCSI_OP_WRITE_SAME16 && (cdb[1] & 0x01)))   /* NDOB: no data-out */
            need_out = lu->bs;
        break;
    case SCSI_XFER_CAW:
        need_out = 2ull * count * lu->bs;
        break;
    case SCSI_XFER_PARAM:
        need_out = scsi_cmd_param_len(cmd);
        break;
    default:
        break;
    }
    /* Like LIO: a data buffer that does not hold what the CDB transfers is refused. */
    if (need_out > cmd->data_out_len || need_in > cmd->data_in_len) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CMD_IU);
        return -1;
    }
    cmd->priv.out_used = (uint32_t)need_out;
    return 0;
}

/* Returns 0 when the command may run, -1 with *err filled. */
static int admit(struct scsi_dev *dev, struct scsi_cmd *cmd, struct scsi_err *err)
{
    const struct scsi_op *op;
    struct scsi_lu *lu;
    struct scsi_nexus_state *ns;
    uint8_t opcode;
    uint16_t asc;
    bool has_sa = false;

    if (!cmd->nexus || cmd->cdb_len == 0 || cmd->cdb_len > SCSI_CDB_MAX ||
        (cmd->data_in_len && !cmd->data_in) || (cmd->data_out_len && !cmd->data_out)) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CMD_IU);
        return -1;
    }
    opcode = cmd->cdb[0];
    op = scsi_sbc_lookup(opcode, cmd->cdb[1] & 0x1f, &has_sa);
    lu = cmd->lun <= SCSI_LUN_MAX ? scsi_dev_lu(dev, cmd->lun) : NULL;
    cmd->priv.lu = lu;                                 /* its sense format applies from here on */
    /* 1. the logical unit */
    if (!lu && !(op && (op->flags & SCSI_OPF_NO_LU))) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LU_NOT_SUPPORTED);
        return -1;
    }
    /* 2. the CDB length of the opcode's group */
    if (group_len[opcode >> 5] && cmd->cdb_len < group_len[opcode >> 5]) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CMD_IU);
        return -1;
    }
    /* 3. the opcode and service action */
    if (!op || (lu && !scsi_op_supported(op, lu))) {
        if (has_sa)
            *err = scsi_err_cdb_field(1, 4);
        else
            *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPCODE);
        return -1;
    }
    cmd->priv.op = op;
    if (!lu)
        return 0;
    lu->stats.commands++;
    /* 3b. a PR state the owner keeps elsewhere and has not brought up to date */
    if (!(op->flags & SCSI_OPF_UA_EXEMPT) && lu->pr_ready && !lu->pr_ready(lu->pr_opaque)) {
        *err = scsi_err_status(SCSI_STATUS_BUSY);
        return -1;
    }
    /* 4. a pending unit attention of the I_T nexus */
    ns = scsi_ua_nexus(lu, cmd->nexus);
    if (!(op->flags & SCSI_OPF_UA_EXEMPT) && scsi_ua_pop(ns, &asc)) {
        *err = scsi_err_sense(SCSI_SK_UNIT_ATTENTION, asc);
        return -1;
    }
    /* 5. reservations */
    if (scsi_pr_conflicts(lu->pr, cmd->nexus, (enum scsi_pr_access)op->pr, opcode)) {
        *err = scsi_err_status(SCSI_STATUS_RESERVATION_CONFLICT);
        return -1;
    }
    /* 6. the LBA range and the buffers */
    if (check_transfer(cmd, lu, err))
        return -1;
    /* 7. write protection */
    if ((op->flags & SCSI_OPF_WRITES) && lu->read_only) {
        *err = scsi_err_sense(SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
        return -1;
    }
    return 0;
}

void scsi_submit(struct scsi_dev *dev, struct scsi_cmd *cmd)
{
    struct scsi_err err = { 0 };

    cmd->status = SCSI_STATUS_GOOD;
    cmd->sense_len = 0;
    cmd->data_in_xfer = 0;
    cmd->residual = 0;
    memset(&cmd->priv, 0, sizeof(cmd->priv));
    cmd->priv.dev = dev;
    if (admit(dev, cmd, &err)) {
        scsi_cmd_finish(cmd, &err);
        return;
    }
    if (cmd->priv.lu)
        link_inflight(cmd->priv.lu, cmd);
    scsi_cmd_run(cmd);
}
