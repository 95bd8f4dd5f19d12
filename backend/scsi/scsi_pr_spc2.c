/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr_spc2.c - RESERVE(6)/(10) and RELEASE(6)/(10) next to persistent
 * reservations: SPC-4 5.13.3 "Exceptions to SPC-2 RESERVE and RELEASE
 * behavior" (compatible reservation handling, CRH = 1, as LIO does it).
 *
 * With any registration present:
 *   - from a persistent reservation holder, or from a registered nexus while
 *     a registrants-only / all-registrants reservation exists: GOOD, and
 *     nothing changes;
 *   - otherwise RESERVATION CONFLICT (SPC-2 5.5.1: registrations make every
 *     RESERVE and RELEASE conflict).
 * Without registrations, SPC-2: RESERVE conflicts if another nexus holds the
 * reservation (the holder may repeat it); RELEASE by a non-holder, or with
 * nothing reserved, is GOOD and releases nothing.
 */
#include <string.h>

#include "backend/scsi/scsi_pr_int.h"

/* 1: complete with GOOD and do nothing; 0: go on with SPC-2; -1: conflict. */
static int crh_check(const struct scsi_pr *pr, const struct scsi_nexus *n, struct scsi_err *err)
{
    if (pr->nregs == 0)
        return 0;
    if (scsi_pr_find_registration(pr, n) && pr->reserved &&
        (scsi_pr_is_holder(pr, n) || pr_type_reg_only(pr->type) || pr_type_all_reg(pr->type)))
        return 1;
    *err = scsi_err_status(SCSI_STATUS_RESERVATION_CONFLICT);
    return -1;
}

int scsi_pr_reserve_spc2(struct scsi_pr *pr, const struct scsi_nexus *n, struct scsi_err *err)
{
    int rc = crh_check(pr, n, err);

    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (pr->spc2_reserved) {
        if (scsi_nexus_eq(&pr->spc2_holder, n))
            return 0;
        *err = scsi_err_status(SCSI_STATUS_RESERVATION_CONFLICT);
        return -1;
    }
    pr->spc2_reserved = true;
    pr->spc2_holder = *n;
    if (pr->hooks.state_changed)
        pr->hooks.state_changed(pr->hooks.opaque, pr);
    return 0;
}

int scsi_pr_release_spc2(struct scsi_pr *pr, const struct scsi_nexus *n, struct scsi_err *err)
{
    int rc = crh_check(pr, n, err);

    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (!pr->spc2_reserved || !scsi_nexus_eq(&pr->spc2_holder, n))
        return 0;
    pr->spc2_reserved = false;
    memset(&pr->spc2_holder, 0, sizeof(pr->spc2_holder));
    if (pr->hooks.state_changed)
        pr->hooks.state_changed(pr->hooks.opaque, pr);
    return 0;
}
