/* SPDX-License-Identifier: MIT */
/*
 * prsync_alert.c - the reservation-preempted alert of a committed PR change
 * (docs/api.md, "Events"): a PERSISTENT RESERVE OUT PREEMPT or PREEMPT AND
 * ABORT through this VIOS that took other nexuses' registrations (the change's
 * REGISTRATIONS PREEMPTED unit attentions name them) is recorded in this
 * VIOS's path entry of the LU (xvios/db_preempt.h); every node's daemon
 * watches the entries and raises the alert. No reservation key is recorded.
 */
#include <string.h>

#include "backend/prsync/prsync_int.h"
#include "backend/scsi/scsi_common.h"
#include "xvios/db_preempt.h"
#include "xvios/log.h"
#include "xvios/vke.h"

/* What op's change says about a preemption: true and *r filled when it took someone's registration. */
bool prsync_preempt_record(const struct prsync_op *op, struct xvios_db_preempt *r)
{
    const struct prsync_change *ch = &op->ch;
    uint8_t sa;

    memset(r, 0, sizeof(*r));
    if (ch->kind != PRSYNC_PR_OUT || !ch->cdb || !ch->changed || ch->refused)
        return false;
    sa = ch->cdb[1] & 0x1f;
    if (sa != SCSI_PR_OUT_PREEMPT && sa != SCSI_PR_OUT_PREEMPT_AND_ABORT)
        return false;
    for (unsigned i = 0; i < ch->n_events; i++) {
        const struct prsync_event *e = &ch->events[i];
        if (e->kind != PRSYNC_EV_UA || e->asc != SCSI_ASC_REGISTRATIONS_PREEMPTED)
            continue;
        if (r->n_listed < XVIOS_PREEMPT_LIST)
            r->preempted[r->n_listed++] = (struct xvios_nexus_id){ e->initiator, e->target_port };
        r->count++;
    }
    if (!r->count)
        return false;   /* only the issuer's own registrations went: nobody else was preempted */
    r->gen = op->gen;
    r->by = (struct xvios_nexus_id){ ch->nexus.initiator, ch->nexus.target_port };
    r->abort = sa == SCSI_PR_OUT_PREEMPT_AND_ABORT;
    return true;
}

void prsync_alert_preempt(struct prsync *ps, const struct prsync_op *op)
{
    struct xvios_db_preempt r;
    uint32_t node = ps->vke ? xvios_vke_node(ps->vke) : 0;
    int rc;

    if (!prsync_preempt_record(op, &r))
        return;
    XLOG_INFO("LU %s: PR generation %llu preempted %u registration(s)%s", op->lu->name, (unsigned long long)r.gen,
              r.count, r.abort ? " (and aborted their commands)" : "");
    if (!node)
        return;   /* not a member: no path entry to tell it through */
    if ((rc = xvios_db_preempt_publish(ps->plat, node, op->lu->name, &r)) < 0)
        XLOG_WARN("LU %s: the preemption of generation %llu is not published (no alert): %s", op->lu->name,
                  (unsigned long long)r.gen, strerror(-rc));
}
