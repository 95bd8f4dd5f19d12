/* SPDX-License-Identifier: MIT */
/*
 * fuzz_scsi_cdb.c - libFuzzer target for the SCSI target's dispatcher: a
 * sequence of commands (random CDBs, data-in sizes, parameter data, nexus,
 * LUN) against a small in-memory LU, some left in flight while later ones
 * arrive, some aborted, some meeting backing failures. Every command must
 * complete exactly once, with sense no longer than the sense buffer, no more
 * data-in than the buffer holds, and a consistent residual; nothing may stay
 * in flight. Anything else aborts.
 *
 * Input: records of [flags][cdb_len][cdb...][in_len be16][out_len be16][out...]
 *   flags bit 0: nexus B; bit 1: LUN 1 (unmapped); bit 2: leave the store queued;
 *         bit 3: abort the nexus after submit; bit 4: the store fails I/O with EIO;
 *         bit 5: the store refuses the next submit.
 * Seed corpus: tests/fuzz/corpus/fuzz_scsi_cdb/ (one record per file, see docs/scsi.md).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/scsi/scsi_dev.h"
#include "tests/unit/scsi/scsi_memstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CMDS  8
#define LU_BLOCKS 64
#define IN_MAX    8192

struct fcmd {
    struct scsi_cmd cmd;
    unsigned done;
    uint8_t in[IN_MAX];
    uint8_t out[IN_MAX];
};

static struct fcmd cmds[MAX_CMDS];

static void on_done(struct scsi_cmd *cmd)
{
    struct fcmd *c = (struct fcmd *)cmd;

    c->done++;
    if (c->done != 1 || cmd->sense_len > SCSI_SENSE_BUFFERSIZE || cmd->data_in_xfer > cmd->data_in_len)
        abort();
    if (cmd->data_in_len && cmd->residual != cmd->data_in_len - cmd->data_in_xfer)
        abort();
    if (cmd->status == SCSI_STATUS_CHECK_CONDITION && cmd->sense_len < 8)
        abort();
    if (cmd->status != SCSI_STATUS_CHECK_CONDITION && cmd->sense_len != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct memstore *ms = memstore_new(LU_BLOCKS * 512, 512);
    struct scsi_lu_opts o = { .ops = &memstore_ops, .store = ms, .serial = "FUZZ01" };
    struct scsi_nexus na = { .initiator = 1, .target_port = 1 }, nb = { .initiator = 2, .target_port = 2 };
    struct scsi_lu *lu = NULL;
    struct scsi_dev *dev = scsi_dev_new();
    size_t pos = 0;
    unsigned n = 0;

    if (!ms || !dev || scsi_lu_new(&o, &lu) || scsi_dev_map_lun(dev, 0, lu))
        abort();
    while (n < MAX_CMDS && size - pos >= 2) {
        struct fcmd *c = &cmds[n];
        uint8_t flags = data[pos], cdb_len = data[pos + 1];
        uint16_t in_len, out_len;

        pos += 2;
        if (cdb_len > SCSI_CDB_MAX || size - pos < (size_t)cdb_len + 4)
            break;
        memset(&c->cmd, 0, sizeof(c->cmd));
        c->done = 0;
        memcpy(c->cmd.cdb, data + pos, cdb_len);
        c->cmd.cdb_len = cdb_len;
        pos += cdb_len;
        in_len = (uint16_t)(data[pos] << 8 | data[pos + 1]) % (IN_MAX + 1);
        out_len = (uint16_t)(data[pos + 2] << 8 | data[pos + 3]) % (IN_MAX + 1);
        pos += 4;
        if (out_len > size - pos)
            out_len = (uint16_t)(size - pos);
        memcpy(c->out, data + pos, out_len);
        pos += out_len;
        c->cmd.nexus = flags & 1 ? &nb : &na;
        c->cmd.lun = flags & 2 ? 1 : 0;
        c->cmd.data_in = in_len ? c->in : NULL;
        c->cmd.data_in_len = in_len;
        c->cmd.data_out = out_len ? c->out : NULL;
        c->cmd.data_out_len = out_len;
        c->cmd.done = on_done;
        memstore_fail(ms, flags & 16 ? MS_ANY : 0, 0, UINT64_MAX / 2, -EIO);
        if (flags & 32)
            memstore_refuse_next(ms, -EIO);
        scsi_submit(dev, &c->cmd);
        memstore_refuse_next(ms, 0);
        if (flags & 8)
            scsi_lu_abort_nexus(lu, c->cmd.nexus);
        if (!(flags & 4))
            memstore_run(ms);
        n++;
    }
    memstore_run(ms);
    for (unsigned i = 0; i < n; i++)
        if (cmds[i].done != 1)
            abort();
    if (scsi_lu_in_flight(lu) != 0)
        abort();
    scsi_dev_free(dev);
    scsi_lu_free(lu);
    memstore_free(ms);
    return 0;
}
