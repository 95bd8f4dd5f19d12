/* SPDX-License-Identifier: MIT */
/*
 * scsi_rsoc.c - REPORT SUPPORTED OPERATION CODES (SPC-4 6.34), generated
 * from the opcode table: the all-commands list, and the one-command form with
 * the CDB usage data; command timeouts descriptors when RCTD is set.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/scsi/scsi_int.h"

#define TIMEOUTS_LEN 12

static uint32_t put_timeouts(uint8_t *p)
{
    memset(p, 0, TIMEOUTS_LEN);
    scsi_put_be16(p, TIMEOUTS_LEN - 2);                /* nominal / recommended: unspecified */
    return TIMEOUTS_LEN;
}

static uint32_t put_descriptor(const struct scsi_op *op, bool has_sa, bool rctd, uint8_t *p)
{
    memset(p, 0, 8);
    p[0] = op->opcode;
    if (has_sa)
        scsi_put_be16(p + 2, op->sa);
    p[5] = (has_sa ? 0x01 : 0) | (rctd ? 0x02 : 0);
    scsi_put_be16(p + 6, op->cdb_len);
    return 8 + (rctd ? put_timeouts(p + 8) : 0);
}

static int all_commands(struct scsi_cmd *cmd, bool rctd, struct scsi_err *err)
{
    const struct scsi_lu *lu = cmd->priv.lu;
    size_t per = 8 + (rctd ? TIMEOUTS_LEN : 0), cap = 4;
    uint32_t n = 4;
    uint8_t *d;

    for (unsigned opc = 0; opc < 256; opc++)
        cap += per * (scsi_sbc_table[opc].op ? 1 : scsi_sbc_table[opc].n_sa);
    d = calloc(1, cap);
    if (!d) {
        *err = scsi_err_sense(SCSI_SK_HARDWARE_ERROR, SCSI_ASC_INTERNAL_TARGET_FAILURE);
        return SCSI_FAIL;
    }
    for (unsigned opc = 0; opc < 256; opc++) {
        const struct scsi_opcode_row *row = &scsi_sbc_table[opc];

        if (row->op && scsi_op_supported(row->op, lu))
            n += put_descriptor(row->op, false, rctd, d + n);
        for (unsigned i = 0; i < row->n_sa; i++)
            if (scsi_op_supported(row->sa_ops[i], lu))
                n += put_descriptor(row->sa_ops[i], true, rctd, d + n);
    }
    scsi_put_be32(d, n - 4);
    scsi_cmd_reply(cmd, d, n);
    free(d);
    return SCSI_DONE;
}

static int one_command(struct scsi_cmd *cmd, uint8_t options, bool rctd, struct scsi_err *err)
{
    const struct scsi_opcode_row *row = &scsi_sbc_table[cmd->cdb[3]];
    uint16_t sa = scsi_get_be16(cmd->cdb + 4);
    const struct scsi_op *op = NULL;
    uint8_t d[4 + 16 + TIMEOUTS_LEN] = { 0 };
    uint32_t n = 4;

    if ((options == 1 && row->n_sa) || (options == 2 && row->op)) {
        *err = scsi_err_cdb_field(2, 2);
        return SCSI_FAIL;
    }
    if (row->op) {
        op = row->op;
    } else {
        for (unsigned i = 0; i < row->n_sa; i++)
            if (row->sa_ops[i]->sa == sa)
                op = row->sa_ops[i];
    }
    if (!op || !scsi_op_supported(op, cmd->priv.lu)) {
        d[1] = 0x01;                                   /* SUPPORT: not supported */
    } else {
        d[1] = 0x03 | (rctd ? 0x80 : 0);               /* SUPPORT: as the standard says; CTDP */
        scsi_put_be16(d + 2, op->cdb_len);
        memcpy(d + 4, op->usage, op->cdb_len);
        n += op->cdb_len;
        if (rctd)
            n += put_timeouts(d + n);
    }
    scsi_cmd_reply(cmd, d, n);
    return SCSI_DONE;
}

int scsi_op_report_opcodes(struct scsi_cmd *cmd, struct scsi_err *err)
{
    bool rctd = cmd->cdb[2] & 0x80;
    uint8_t options = cmd->cdb[2] & 0x07;

    if (cmd->cdb[2] & 0x78) {
        *err = scsi_err_cdb_field(2, 6);
        return SCSI_FAIL;
    }
    if (options == 0)
        return all_commands(cmd, rctd, err);
    if (options <= 3)
        return one_command(cmd, options, rctd, err);
    *err = scsi_err_cdb_field(2, 2);
    return SCSI_FAIL;
}
