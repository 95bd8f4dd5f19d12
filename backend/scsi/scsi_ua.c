/* SPDX-License-Identifier: MIT */
/*
 * scsi_ua.c - unit attention conditions, queued per I_T nexus of an LU
 * (SAM-5 5.14). A nexus seen for the first time starts with POWER ON, RESET,
 * OR BUS DEVICE RESET OCCURRED; each condition is reported once, oldest first.
 */
#include <stdlib.h>

#include "backend/scsi/scsi_int.h"
#include "xvios/log.h"

#define SCSI_NEXUS_MAX 4096      /* initiator ports one LU keeps state for */

static struct scsi_nexus_state *find(struct scsi_lu *lu, const struct scsi_nexus *nexus)
{
    for (size_t i = 0; i < lu->n_nx; i++)
        if (lu->nx[i].initiator == nexus->initiator && lu->nx[i].target_port == nexus->target_port)
            return &lu->nx[i];
    return NULL;
}

static void push(struct scsi_nexus_state *ns, uint16_t asc)
{
    for (unsigned i = 0; i < ns->n_ua; i++)
        if (ns->ua[i] == asc)
            return;                        /* already pending */
    if (ns->n_ua == SCSI_UA_MAX) {
        XLOG_WARN("unit attention %04x dropped: %u pending for initiator %llu", asc, ns->n_ua,
                  (unsigned long long)ns->initiator);
        return;
    }
    ns->ua[ns->n_ua++] = asc;
}

struct scsi_nexus_state *scsi_ua_nexus(struct scsi_lu *lu, const struct scsi_nexus *nexus)
{
    struct scsi_nexus_state *ns = find(lu, nexus);

    if (ns)
        return ns;
    if (lu->n_nx == lu->cap_nx) {
        size_t cap = lu->cap_nx ? lu->cap_nx * 2 : 4;
        struct scsi_nexus_state *nx;

        if (lu->n_nx >= SCSI_NEXUS_MAX)
            return NULL;
        nx = realloc(lu->nx, cap * sizeof(*nx));
        if (!nx)
            return NULL;
        lu->nx = nx;
        lu->cap_nx = cap;
    }
    ns = &lu->nx[lu->n_nx++];
    *ns = (struct scsi_nexus_state){ .initiator = nexus->initiator, .target_port = nexus->target_port };
    push(ns, SCSI_ASC_POWER_ON_RESET);
    return ns;
}

void scsi_ua_queue(struct scsi_lu *lu, const struct scsi_nexus *nexus, uint16_t asc)
{
    struct scsi_nexus_state *ns = scsi_ua_nexus(lu, nexus);

    if (ns)
        push(ns, asc);
}

void scsi_ua_queue_all(struct scsi_lu *lu, const struct scsi_nexus *except, uint16_t asc)
{
    for (size_t i = 0; i < lu->n_nx; i++) {
        struct scsi_nexus_state *ns = &lu->nx[i];

        if (except && ns->initiator == except->initiator && ns->target_port == except->target_port)
            continue;
        push(ns, asc);
    }
}

bool scsi_ua_pop(struct scsi_nexus_state *ns, uint16_t *asc)
{
    if (!ns || ns->n_ua == 0)
        return false;
    *asc = ns->ua[0];
    for (unsigned i = 1; i < ns->n_ua; i++)
        ns->ua[i - 1] = ns->ua[i];
    ns->n_ua--;
    return true;
}

void scsi_lu_unit_attention(struct scsi_lu *lu, const struct scsi_nexus *nexus, uint16_t asc)
{
    scsi_ua_queue(lu, nexus, asc);
}
