/* SPDX-License-Identifier: MIT */
/*
 * scsi_range.c - write ordering of one LU, so COMPARE AND WRITE is atomic:
 * every medium-writing command enters a list in arrival order; a command may
 * start when no earlier one in the list overlaps it with one of the two being
 * a COMPARE AND WRITE. Plain writes never wait for each other; while no
 * COMPARE AND WRITE is queued, entering and leaving is O(1).
 */
#include "backend/scsi/scsi_int.h"

static bool conflicts(const struct scsi_cmd *a, const struct scsi_cmd *b)
{
    const struct scsi_cmd_priv *x = &a->priv, *y = &b->priv;

    if (!x->caw && !y->caw)
        return false;
    return x->lba < y->lba + y->nblocks && y->lba < x->lba + x->nblocks;
}

static bool may_start(const struct scsi_lu *lu, const struct scsi_cmd *cmd)
{
    if (lu->n_caw == 0)
        return true;
    for (const struct scsi_cmd *y = lu->rhead; y && y != cmd; y = y->priv.rnext)
        if (conflicts(cmd, y))
            return false;
    return true;
}

bool scsi_range_enter(struct scsi_lu *lu, struct scsi_cmd *cmd, bool caw)
{
    struct scsi_cmd_priv *p = &cmd->priv;

    p->caw = caw;
    p->rnext = NULL;
    p->rprev = lu->rtail;
    if (lu->rtail)
        lu->rtail->priv.rnext = cmd;
    else
        lu->rhead = cmd;
    lu->rtail = cmd;
    p->in_rlist = true;
    if (caw)
        lu->n_caw++;
    if (may_start(lu, cmd))
        return true;
    p->waiting = true;
    lu->n_waiting++;
    return false;
}

void scsi_range_leave(struct scsi_lu *lu, struct scsi_cmd *cmd)
{
    struct scsi_cmd_priv *p = &cmd->priv;

    if (!p->in_rlist)
        return;
    if (p->rprev)
        p->rprev->priv.rnext = p->rnext;
    else
        lu->rhead = p->rnext;
    if (p->rnext)
        p->rnext->priv.rprev = p->rprev;
    else
        lu->rtail = p->rprev;
    p->in_rlist = false;
    if (p->waiting) {
        p->waiting = false;
        lu->n_waiting--;
    }
    if (p->caw)
        lu->n_caw--;
again:
    /* Nobody waits (always so while no COMPARE AND WRITE was queued): nothing to scan. */
    if (lu->n_waiting == 0)
        return;
    /* Starting a waiter may finish it (and others) at once: rescan from the head. */
    for (struct scsi_cmd *y = lu->rhead; y; y = y->priv.rnext)
        if (y->priv.waiting && may_start(lu, y)) {
            y->priv.waiting = false;
            lu->n_waiting--;
            scsi_cmd_run(y);
            goto again;
        }
}
