/* SPDX-License-Identifier: MIT */
/*
 * scsi_spc.c - the primary commands that need neither the medium nor much
 * data: TEST UNIT READY, REQUEST SENSE, REPORT LUNS, START STOP UNIT,
 * PREVENT ALLOW MEDIUM REMOVAL, REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS,
 * and the reservation commands routed to the PR module.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/scsi/scsi_int.h"
#include "backend/scsi/scsi_sense.h"

int scsi_op_tur(struct scsi_cmd *cmd, struct scsi_err *err)
{
    (void)cmd;
    (void)err;
    return SCSI_DONE;
}

/* SPC-4 6.39: sense data as parameter data; a pending unit attention is reported and cleared. */
int scsi_op_request_sense(struct scsi_cmd *cmd, struct scsi_err *err)
{
    struct scsi_lu *lu = cmd->priv.lu;
    uint8_t s[SCSI_SENSE_BUFFERSIZE];
    struct scsi_err e = scsi_err_sense(SCSI_SK_NO_SENSE, SCSI_ASC_NONE);
    uint16_t asc;
    size_t n;

    if (cmd->cdb[1] & 0xfe) {
        *err = scsi_err_cdb_field(1, 7);
        return SCSI_FAIL;
    }
    if (!lu)
        e = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LU_NOT_SUPPORTED);
    else if (scsi_ua_pop(scsi_ua_nexus(lu, cmd->nexus), &asc))
        e = scsi_err_sense(SCSI_SK_UNIT_ATTENTION, asc);
    n = scsi_sense_build(&e, cmd->cdb[1] & 0x01, s, sizeof(s));
    scsi_cmd_reply(cmd, s, (uint32_t)n);
    return SCSI_DONE;
}

/* SAM-5 4.7: peripheral device addressing below 256, flat space above. */
static void put_lun(uint8_t *p, uint32_t lun)
{
    memset(p, 0, 8);
    if (lun < 256) {
        p[1] = (uint8_t)lun;
    } else {
        p[0] = 0x40 | (uint8_t)(lun >> 8);
        p[1] = (uint8_t)lun;
    }
}

int scsi_op_report_luns(struct scsi_cmd *cmd, struct scsi_err *err)
{
    const struct scsi_dev *dev = cmd->priv.dev;
    uint8_t select = cmd->cdb[2];
    size_t n = 0;
    uint8_t *buf;

    if (scsi_get_be32(cmd->cdb + 6) < 16) {           /* SPC-4 6.33: at least 16 */
        *err = scsi_err_cdb_field(6, -1);
        return SCSI_FAIL;
    }
    switch (select) {
    case 0x00:                                         /* all LUs but the well-known ones */
    case 0x02:                                         /* all LUs (we have no well-known LUs) */
        n = dev->n;
        break;
    case 0x01:                                         /* well-known LUs only: none */
        break;
    default:
        *err = scsi_err_cdb_field(2, -1);
        return SCSI_FAIL;
    }
    buf = calloc(1, 8 + n * 8);
    if (!buf) {
        *err = scsi_err_sense(SCSI_SK_HARDWARE_ERROR, SCSI_ASC_INTERNAL_TARGET_FAILURE);
        return SCSI_FAIL;
    }
    scsi_put_be32(buf, (uint32_t)(n * 8));
    for (size_t i = 0; i < n; i++)
        put_lun(buf + 8 + i * 8, dev->map[i].lun);
    scsi_cmd_reply(cmd, buf, (uint32_t)(8 + n * 8));
    free(buf);
    return SCSI_DONE;
}

int scsi_op_start_stop(struct scsi_cmd *cmd, struct scsi_err *err)
{
    if (cmd->cdb[4] & 0xf0) {                          /* POWER CONDITION: only "START valid" */
        *err = scsi_err_cdb_field(4, 7);
        return SCSI_FAIL;
    }
    if (cmd->cdb[4] & 0x02) {                          /* LOEJ: the medium is not removable */
        *err = scsi_err_cdb_field(4, 1);
        return SCSI_FAIL;
    }
    return SCSI_DONE;
}

int scsi_op_prevent_allow(struct scsi_cmd *cmd, struct scsi_err *err)
{
    if ((cmd->cdb[4] & 0x03) > 1) {                    /* 10b/11b: obsolete (media changers) */
        *err = scsi_err_cdb_field(4, 1);
        return SCSI_FAIL;
    }
    return SCSI_DONE;
}

int scsi_op_report_tmf(struct scsi_cmd *cmd, struct scsi_err *err)
{
    uint8_t d[16] = { 0 };
    bool repd = cmd->cdb[2] & 0x80;

    if (scsi_get_be32(cmd->cdb + 6) < 4) {             /* SPC-4 6.35: at least 4 */
        *err = scsi_err_cdb_field(6, -1);
        return SCSI_FAIL;
    }
    /* What the transport carries: ABORT TASK and LOGICAL UNIT RESET. */
    d[0] = 0x80 | 0x08;
    if (repd)
        d[3] = 0x0c;
    scsi_cmd_reply(cmd, d, repd ? 16 : 4);
    return SCSI_DONE;
}

/* RESERVE / RELEASE (6) and (10): SPC-2 reservations, kept by the PR module. */
static int check_spc2_cdb(const struct scsi_cmd *cmd, struct scsi_err *err)
{
    if (cmd->cdb[0] == SCSI_OP_RESERVE6 || cmd->cdb[0] == SCSI_OP_RELEASE6) {
        if (cmd->cdb[1] & 0x01) {                      /* EXTENT: obsolete, not supported */
            *err = scsi_err_cdb_field(1, 0);
            return SCSI_FAIL;
        }
    } else if (cmd->cdb[1] & 0x12) {                   /* 3RDPTY, LONGID */
        *err = scsi_err_cdb_field(1, cmd->cdb[1] & 0x10 ? 4 : 1);
        return SCSI_FAIL;
    }
    return SCSI_DONE;
}

/* The owner keeps the PR state (scsi_lu_opts.pr_exec): hand the command over, it completes later. */
static int pr_exec(struct scsi_cmd *cmd, uint32_t param_len, struct scsi_err *err)
{
    struct scsi_lu *lu = cmd->priv.lu;

    if (lu->pr_exec(lu->pr_opaque, cmd, param_len) < 0) {
        *err = scsi_err_status(SCSI_STATUS_BUSY);
        return SCSI_FAIL;
    }
    return SCSI_ASYNC;
}

int scsi_op_reserve(struct scsi_cmd *cmd, struct scsi_err *err)
{
    if (check_spc2_cdb(cmd, err))
        return SCSI_FAIL;
    if (cmd->priv.lu->pr_exec)
        return pr_exec(cmd, 0, err);
    return scsi_pr_reserve_spc2(cmd->priv.lu->pr, cmd->nexus, err) ? SCSI_FAIL : SCSI_DONE;
}

int scsi_op_release(struct scsi_cmd *cmd, struct scsi_err *err)
{
    if (check_spc2_cdb(cmd, err))
        return SCSI_FAIL;
    if (cmd->priv.lu->pr_exec)
        return pr_exec(cmd, 0, err);
    return scsi_pr_release_spc2(cmd->priv.lu->pr, cmd->nexus, err) ? SCSI_FAIL : SCSI_DONE;
}

int scsi_op_pr_in(struct scsi_cmd *cmd, struct scsi_err *err)
{
    uint32_t alloc = scsi_cmd_alloc_len(cmd), out_len = 0;

    if (scsi_pr_in(cmd->priv.lu->pr, cmd->nexus, cmd->cdb, cmd->data_in, alloc, &out_len, err))
        return SCSI_FAIL;
    cmd->data_in_xfer = out_len < alloc ? out_len : alloc;
    return SCSI_DONE;
}

int scsi_op_pr_out(struct scsi_cmd *cmd, struct scsi_err *err)
{
    /* The dispatcher checked that data-out holds the parameter list length. */
    if (cmd->priv.lu->pr_exec)
        return pr_exec(cmd, scsi_cmd_param_len(cmd), err);
    if (scsi_pr_out(cmd->priv.lu->pr, cmd->nexus, cmd->cdb, cmd->data_out, scsi_cmd_param_len(cmd), err))
        return SCSI_FAIL;
    return SCSI_DONE;
}
