/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr.h - persistent reservations (SPC-4) and SPC-2 RESERVE/RELEASE of
 * one logical unit: one object per LU that owns the reservation state. The
 * dispatcher asks scsi_pr_conflicts() once per command with the opcode's
 * access class; PR IN / PR OUT / RESERVE / RELEASE are routed here.
 *
 * Return convention: 0 = GOOD, -1 = refused with *err filled.
 */
#ifndef XVIOS_BACKEND_SCSI_PR_H
#define XVIOS_BACKEND_SCSI_PR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/scsi/scsi_common.h"

struct scsi_pr;

/* The access class of an opcode (a column of the SPC-4 conflict table). */
enum scsi_pr_access {
    SCSI_PR_ACCESS_ALLOWED,
    SCSI_PR_ACCESS_READ,
    SCSI_PR_ACCESS_WRITE,
    SCSI_PR_ACCESS_OTHER,
};

struct scsi_pr_hooks {
    void *opaque;
    void (*unit_attention)(void *opaque, const struct scsi_nexus *, uint16_t asc);
    void (*abort_nexus)(void *opaque, const struct scsi_nexus *);
    void (*state_changed)(void *opaque, const struct scsi_pr *);
    int  (*persist)(void *opaque, const uint8_t *blob, size_t len);
};

struct scsi_pr *scsi_pr_new(const struct scsi_pr_hooks *hooks);
void scsi_pr_free(struct scsi_pr *pr);

bool scsi_pr_conflicts(const struct scsi_pr *pr, const struct scsi_nexus *nexus,
                       enum scsi_pr_access access, uint8_t opcode);
int scsi_pr_in(struct scsi_pr *pr, const struct scsi_nexus *nexus, const uint8_t *cdb,
               uint8_t *out, uint32_t alloc_len, uint32_t *out_len, struct scsi_err *err);
int scsi_pr_out(struct scsi_pr *pr, const struct scsi_nexus *nexus, const uint8_t *cdb,
                const uint8_t *param, uint32_t param_len, struct scsi_err *err);
int scsi_pr_reserve_spc2(struct scsi_pr *pr, const struct scsi_nexus *nexus, struct scsi_err *err);
int scsi_pr_release_spc2(struct scsi_pr *pr, const struct scsi_nexus *nexus, struct scsi_err *err);
void scsi_pr_nexus_reset(struct scsi_pr *pr, const struct scsi_nexus *nexus);

#endif /* XVIOS_BACKEND_SCSI_PR_H */
