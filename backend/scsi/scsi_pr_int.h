/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr_int.h - the inside of struct scsi_pr, shared by the scsi_pr*.c
 * files only (the rest of the target uses scsi_pr.h).
 *
 * A PR OUT command runs as a small transaction: pr_txn_begin() snapshots the
 * state and reserves room for its side effects, the service action changes
 * the state and queues unit attentions / aborts with pr_fx_*(), and
 * pr_txn_commit() keeps the APTPL state through the persist hook (undoing
 * everything if that fails), then delivers the queued effects and calls
 * state_changed. A refused command calls pr_txn_abort(): nothing happened.
 */
#ifndef XVIOS_BACKEND_SCSI_PR_INT_H
#define XVIOS_BACKEND_SCSI_PR_INT_H

#include "backend/scsi/scsi_pr.h"

/* One deferred side effect of a PR OUT command. */
struct pr_effect {
    struct scsi_nexus nexus;
    uint16_t asc;        /* unit attention to queue, SCSI_ASC_NONE for none */
    bool abort;          /* PREEMPT AND ABORT: abort the nexus's commands */
};

struct pr_snapshot {
    uint32_t generation;
    bool aptpl;
    bool reserved;
    uint8_t type;
    struct scsi_nexus holder;
    size_t nregs;
    struct scsi_pr_registration *regs;
};

struct scsi_pr {
    struct scsi_pr_hooks hooks;
    size_t max_regs;

    uint32_t generation;
    bool aptpl;
    struct scsi_pr_registration *regs;
    size_t nregs, cap;

    bool reserved;               /* a persistent reservation exists */
    uint8_t type;                /* enum scsi_pr_type when reserved */
    struct scsi_nexus holder;    /* non-all-registrants types: the holder */

    bool spc2_reserved;          /* SPC-2 RESERVE(6/10) */
    struct scsi_nexus spc2_holder;

    /* transaction */
    struct pr_snapshot snap;
    struct pr_effect *fx;
    size_t nfx, fxcap;
    bool fx_overflow;
};

static inline bool pr_type_valid(uint8_t t)
{
    return t == SCSI_PR_TYPE_WE || t == SCSI_PR_TYPE_EA || t == SCSI_PR_TYPE_WE_RO || t == SCSI_PR_TYPE_EA_RO ||
           t == SCSI_PR_TYPE_WE_AR || t == SCSI_PR_TYPE_EA_AR;
}
static inline bool pr_type_all_reg(uint8_t t) { return t == SCSI_PR_TYPE_WE_AR || t == SCSI_PR_TYPE_EA_AR; }
static inline bool pr_type_reg_only(uint8_t t) { return t == SCSI_PR_TYPE_WE_RO || t == SCSI_PR_TYPE_EA_RO; }

/* ---- registrations (scsi_pr_state.c) */
struct scsi_pr_registration *pr_reg_find(struct scsi_pr *, const struct scsi_nexus *);
/* Append; -ENOSPC past max_regs, -ENOMEM. */
int pr_reg_add(struct scsi_pr *, const struct scsi_nexus *, uint64_t key, bool all_tg_pt);
/*
 * Remove registration i. Losing it ends a reservation it held (non-AR
 * types) or the all-registrants reservation it was the last registrant of;
 * unit attentions are the caller's business.
 */
void pr_reg_remove_at(struct scsi_pr *, size_t i);
void pr_release_reservation(struct scsi_pr *);

/* ---- transaction (scsi_pr_state.c) */
int pr_txn_begin(struct scsi_pr *, struct scsi_err *err);
void pr_txn_abort(struct scsi_pr *);
/* changed: the state changed (persist + state_changed); 0 or -1 with *err. */
int pr_txn_commit(struct scsi_pr *, bool changed, struct scsi_err *err);
void pr_fx_ua(struct scsi_pr *, const struct scsi_nexus *, uint16_t asc);
void pr_fx_abort(struct scsi_pr *, const struct scsi_nexus *);
/* UA to every registered nexus except `except` (may be NULL). */
void pr_fx_ua_registrants(struct scsi_pr *, const struct scsi_nexus *except, uint16_t asc);

/* ---- PR OUT service actions (scsi_pr_register.c, scsi_pr_out.c) */
struct pr_out_params {
    uint64_t key;          /* RESERVATION KEY */
    uint64_t sa_key;       /* SERVICE ACTION RESERVATION KEY */
    bool spec_i_pt, all_tg_pt, aptpl;
    uint8_t type;
    const uint8_t *list;   /* the whole parameter list */
    uint32_t len;          /* its length (PARAMETER LIST LENGTH) */
};
int pr_out_register(struct scsi_pr *, const struct scsi_nexus *, const struct pr_out_params *, bool ignore,
                    bool *changed, struct scsi_err *err);
int pr_out_register_and_move(struct scsi_pr *, const struct scsi_nexus *, const struct pr_out_params *,
                             bool *changed, struct scsi_err *err);

/* ---- blob (scsi_pr_blob.c) */
/* with_spc2 = false: the APTPL variant (an SPC-2 reservation does not survive power loss). */
int pr_blob_write(const struct scsi_pr *, bool with_spc2, uint8_t *buf, size_t cap, size_t *len);
size_t pr_blob_size(const struct scsi_pr *, bool with_spc2);

#endif /* XVIOS_BACKEND_SCSI_PR_INT_H */
