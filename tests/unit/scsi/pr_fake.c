/* SPDX-License-Identifier: MIT */
/*
 * pr_fake.c - a stand-in for the persistent-reservation module (scsi_pr.h)
 * while it is built elsewhere, used only by the SCSI target's unit tests and
 * fuzzer: SPC-2 RESERVE/RELEASE with their conflict rule, PR IN READ KEYS of
 * an empty registration list, PR OUT refusing a parameter list that is not 24
 * bytes (then INVALID FIELD IN CDB on the service action). It compiles to
 * nothing once backend/scsi/scsi_pr.c exists.
 */
#if !__has_include("backend/scsi/scsi_pr.c")
#include <stdlib.h>
#include <string.h>

#include "backend/scsi/scsi_pr.h"

struct scsi_pr {
    struct scsi_pr_hooks hooks;
    bool reserved;
    uint64_t holder_initiator;
    uint16_t holder_port;
};

struct scsi_pr *scsi_pr_new(const struct scsi_pr_hooks *hooks)
{
    struct scsi_pr *pr = calloc(1, sizeof(*pr));

    if (pr && hooks)
        pr->hooks = *hooks;
    return pr;
}

void scsi_pr_free(struct scsi_pr *pr)
{
    free(pr);
}

static bool is_holder(const struct scsi_pr *pr, const struct scsi_nexus *n)
{
    return pr->reserved && pr->holder_initiator == n->initiator && pr->holder_port == n->target_port;
}

bool scsi_pr_conflicts(const struct scsi_pr *pr, const struct scsi_nexus *nexus, enum scsi_pr_access access,
                       uint8_t opcode)
{
    if (!pr->reserved || is_holder(pr, nexus) || access == SCSI_PR_ACCESS_ALLOWED)
        return false;
    return opcode != 0x17 && opcode != 0x57;       /* RELEASE by another nexus: GOOD, no effect */
}

int scsi_pr_in(struct scsi_pr *pr, const struct scsi_nexus *nexus, const uint8_t *cdb, uint8_t *out,
               uint32_t alloc_len, uint32_t *out_len, struct scsi_err *err)
{
    uint8_t d[8] = { 0 };

    (void)pr;
    (void)nexus;
    if ((cdb[1] & 0x1f) != 0) {
        *err = scsi_err_cdb_field(1, 4);
        return -1;
    }
    memcpy(out, d, alloc_len < sizeof(d) ? alloc_len : sizeof(d));
    *out_len = sizeof(d);
    return 0;
}

int scsi_pr_out(struct scsi_pr *pr, const struct scsi_nexus *nexus, const uint8_t *cdb, const uint8_t *param,
                uint32_t param_len, struct scsi_err *err)
{
    (void)pr;
    (void)nexus;
    (void)param;
    if (param_len != 24) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
        return -1;
    }
    (void)cdb;
    *err = scsi_err_cdb_field(1, 4);
    return -1;
}

int scsi_pr_reserve_spc2(struct scsi_pr *pr, const struct scsi_nexus *nexus, struct scsi_err *err)
{
    if (pr->reserved && !is_holder(pr, nexus)) {
        *err = scsi_err_status(SCSI_STATUS_RESERVATION_CONFLICT);
        return -1;
    }
    pr->reserved = true;
    pr->holder_initiator = nexus->initiator;
    pr->holder_port = nexus->target_port;
    return 0;
}

int scsi_pr_release_spc2(struct scsi_pr *pr, const struct scsi_nexus *nexus, struct scsi_err *err)
{
    (void)err;
    if (is_holder(pr, nexus))
        pr->reserved = false;
    return 0;
}

void scsi_pr_nexus_reset(struct scsi_pr *pr, const struct scsi_nexus *nexus)
{
    if (is_holder(pr, nexus))
        pr->reserved = false;
}
#endif
