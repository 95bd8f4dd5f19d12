/* SPDX-License-Identifier: MIT */
/*
 * scsi_io.c - the medium commands' link to the backing store: one done
 * callback for every op, the first error kept, the handler resumed (or the
 * command ended as TASK ABORTED) when the last outstanding op returns. A
 * short transfer is an I/O error (e.g. the backing file shrank under the LU).
 */
#include <errno.h>

#include "backend/scsi/scsi_int.h"
#include "xvios/log.h"

void scsi_io_done(void *opaque, int64_t result)
{
    struct scsi_cmd *cmd = opaque;
    struct scsi_cmd_priv *p = &cmd->priv;

    if (result >= 0 && p->io_len && (uint64_t)result != p->io_len)
        result = -EIO;
    if (result < 0 && p->result >= 0)
        p->result = result;
    if (p->pending == 0) {
        XLOG_ERR("backing completion for a command with nothing outstanding");
        return;
    }
    if (--p->pending)
        return;
    scsi_cmd_run(cmd);
}

int scsi_io_issued(struct scsi_cmd *cmd, int rc, size_t io_len, bool write, struct scsi_err *err)
{
    struct scsi_cmd_priv *p = &cmd->priv;

    if (rc == 0) {
        p->io_len = io_len;
        p->pending++;
        return SCSI_ASYNC;
    }
    if (p->pending) {              /* others still out: end when they return */
        if (p->result >= 0)
            p->result = rc;
        return SCSI_ASYNC;
    }
    if (rc == -EAGAIN || rc == -EBUSY) {
        *err = scsi_err_status(SCSI_STATUS_BUSY);
        return SCSI_FAIL;
    }
    p->result = rc;
    scsi_io_ok(cmd, write, err);
    return SCSI_FAIL;
}

bool scsi_io_ok(struct scsi_cmd *cmd, bool write, struct scsi_err *err)
{
    struct scsi_cmd_priv *p = &cmd->priv;

    if (p->result >= 0)
        return true;
    if (write)
        p->lu->stats.write_errors++;
    else
        p->lu->stats.read_errors++;
    XLOG_WARN("LU %s: %s at LBA %llu failed: %lld", p->lu->serial, p->op->name,
              (unsigned long long)p->lba, (long long)p->result);
    *err = scsi_err_io(p->result, write, p->lba);
    return false;
}

long scsi_first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (a[i] != b[i])
            return (long)i;
    return -1;
}

struct scsi_err scsi_err_miscompare(size_t offset)
{
    struct scsi_err e = scsi_err_sense(SCSI_SK_MISCOMPARE, SCSI_ASC_MISCOMPARE_DURING_VERIFY);

    e.has_info = true;
    e.info = offset;
    return e;
}
