/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr_state.c - the PR state object: life cycle, registrations, the
 * read-only view, and the PR OUT transaction (snapshot, deferred unit
 * attentions / aborts, APTPL persist with undo, state_changed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/log.h"
#include "backend/scsi/scsi_pr_int.h"

struct scsi_pr *scsi_pr_new(const struct scsi_pr_hooks *hooks)
{
    struct scsi_pr *pr = calloc(1, sizeof(*pr));

    if (!pr)
        return NULL;
    if (hooks)
        pr->hooks = *hooks;
    pr->max_regs = SCSI_PR_MAX_REGISTRATIONS_DEFAULT;
    return pr;
}

void scsi_pr_free(struct scsi_pr *pr)
{
    if (!pr)
        return;
    free(pr->regs);
    free(pr->snap.regs);
    free(pr->fx);
    free(pr);
}

int scsi_pr_set_max_registrations(struct scsi_pr *pr, size_t max)
{
    if (max == 0 || max > SCSI_PR_MAX_REGISTRATIONS_LIMIT || max < pr->nregs)
        return -EINVAL;
    pr->max_regs = max;
    return 0;
}

/* ------------------------------------------------------------ read-only view */
uint32_t scsi_pr_generation(const struct scsi_pr *pr) { return pr->generation; }
bool scsi_pr_aptpl(const struct scsi_pr *pr) { return pr->aptpl; }
enum scsi_pr_type scsi_pr_type(const struct scsi_pr *pr)
{
    return pr->reserved ? (enum scsi_pr_type)pr->type : SCSI_PR_TYPE_NONE;
}
size_t scsi_pr_registration_count(const struct scsi_pr *pr) { return pr->nregs; }

const struct scsi_pr_registration *scsi_pr_registration_at(const struct scsi_pr *pr, size_t i)
{
    return i < pr->nregs ? &pr->regs[i] : NULL;
}

const struct scsi_pr_registration *scsi_pr_find_registration(const struct scsi_pr *pr, const struct scsi_nexus *n)
{
    for (size_t i = 0; i < pr->nregs; i++)
        if (scsi_nexus_eq(&pr->regs[i].nexus, n))
            return &pr->regs[i];
    return NULL;
}

bool scsi_pr_is_holder(const struct scsi_pr *pr, const struct scsi_nexus *n)
{
    if (!pr->reserved)
        return false;
    if (pr_type_all_reg(pr->type))
        return scsi_pr_find_registration(pr, n) != NULL;
    return scsi_nexus_eq(&pr->holder, n);
}

bool scsi_pr_holder(const struct scsi_pr *pr, struct scsi_nexus *out)
{
    if (!pr->reserved || pr_type_all_reg(pr->type))
        return false;
    if (out)
        *out = pr->holder;
    return true;
}

bool scsi_pr_spc2_holder(const struct scsi_pr *pr, struct scsi_nexus *out)
{
    if (!pr->spc2_reserved)
        return false;
    if (out)
        *out = pr->spc2_holder;
    return true;
}

/* ------------------------------------------------------------ registrations */
struct scsi_pr_registration *pr_reg_find(struct scsi_pr *pr, const struct scsi_nexus *n)
{
    return (struct scsi_pr_registration *)scsi_pr_find_registration(pr, n);
}

int pr_reg_add(struct scsi_pr *pr, const struct scsi_nexus *n, uint64_t key, bool all_tg_pt)
{
    struct scsi_pr_registration *r;

    if (pr->nregs >= pr->max_regs)
        return -ENOSPC;
    if (pr->nregs == pr->cap) {
        size_t ncap = pr->cap ? pr->cap * 2 : 8;
        r = realloc(pr->regs, ncap * sizeof(*r));
        if (!r)
            return -ENOMEM;
        pr->regs = r;
        pr->cap = ncap;
    }
    r = &pr->regs[pr->nregs++];
    memset(r, 0, sizeof(*r));
    r->key = key;
    r->all_tg_pt = all_tg_pt;
    r->nexus = *n;
    if (r->nexus.transport_id_len > SCSI_TRANSPORT_ID_MAX)
        r->nexus.transport_id_len = SCSI_TRANSPORT_ID_MAX;
    return 0;
}

void pr_release_reservation(struct scsi_pr *pr)
{
    pr->reserved = false;
    pr->type = SCSI_PR_TYPE_NONE;
    memset(&pr->holder, 0, sizeof(pr->holder));
}

void pr_reg_remove_at(struct scsi_pr *pr, size_t i)
{
    struct scsi_nexus gone;

    if (i >= pr->nregs)
        return;
    gone = pr->regs[i].nexus;
    memmove(&pr->regs[i], &pr->regs[i + 1], (pr->nregs - i - 1) * sizeof(pr->regs[0]));
    pr->nregs--;
    if (!pr->reserved)
        return;
    /* SPC-4 5.13.11.3: an all-registrants reservation lasts while a registrant remains. */
    if (pr_type_all_reg(pr->type) ? pr->nregs == 0 : scsi_nexus_eq(&pr->holder, &gone))
        pr_release_reservation(pr);
}

/* ------------------------------------------------------------ transaction */
int pr_txn_begin(struct scsi_pr *pr, struct scsi_err *err)
{
    /* Effects only ever go to nexuses registered when the command starts (one slot each). */
    size_t need = pr->nregs + 1;

    pr->nfx = 0;
    pr->fx_overflow = false;
    if (pr->fxcap < need) {
        struct pr_effect *fx = realloc(pr->fx, need * sizeof(*fx));
        if (!fx)
            goto nomem;
        pr->fx = fx;
        pr->fxcap = need;
    }
    free(pr->snap.regs);
    pr->snap.regs = NULL;
    if (pr->nregs) {
        pr->snap.regs = malloc(pr->nregs * sizeof(pr->regs[0]));
        if (!pr->snap.regs)
            goto nomem;
        memcpy(pr->snap.regs, pr->regs, pr->nregs * sizeof(pr->regs[0]));
    }
    pr->snap.nregs = pr->nregs;
    pr->snap.generation = pr->generation;
    pr->snap.aptpl = pr->aptpl;
    pr->snap.reserved = pr->reserved;
    pr->snap.type = pr->type;
    pr->snap.holder = pr->holder;
    return 0;
nomem:
    *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INSUFFICIENT_REG_RESOURCES);
    return -1;
}

static void txn_undo(struct scsi_pr *pr)
{
    if (pr->snap.nregs > pr->cap) {
        /* Cannot happen (the array only shrinks back), but never write past it. */
        XLOG_ERR("PR undo: snapshot of %zu registrations exceeds capacity %zu", pr->snap.nregs, pr->cap);
    } else {
        if (pr->snap.nregs)
            memcpy(pr->regs, pr->snap.regs, pr->snap.nregs * sizeof(pr->regs[0]));
        pr->nregs = pr->snap.nregs;
    }
    pr->generation = pr->snap.generation;
    pr->aptpl = pr->snap.aptpl;
    pr->reserved = pr->snap.reserved;
    pr->type = pr->snap.type;
    pr->holder = pr->snap.holder;
}

static void txn_end(struct scsi_pr *pr)
{
    free(pr->snap.regs);
    pr->snap.regs = NULL;
    pr->snap.nregs = 0;
    pr->nfx = 0;
}

void pr_txn_abort(struct scsi_pr *pr)
{
    txn_undo(pr);
    txn_end(pr);
}

static int txn_persist(struct scsi_pr *pr)
{
    uint8_t *blob = NULL;
    size_t len = 0, cap;
    int rc;

    if (!pr->hooks.persist || (!pr->aptpl && !pr->snap.aptpl))
        return 0;
    if (!pr->aptpl)
        return pr->hooks.persist(pr->hooks.opaque, NULL, 0) < 0 ? -1 : 0;
    cap = pr_blob_size(pr, false);
    blob = malloc(cap);
    if (!blob)
        return -1;
    rc = pr_blob_write(pr, false, blob, cap, &len);
    if (rc == 0)
        rc = pr->hooks.persist(pr->hooks.opaque, blob, len) < 0 ? -1 : 0;
    free(blob);
    return rc;
}

int pr_txn_commit(struct scsi_pr *pr, bool changed, struct scsi_err *err)
{
    if (pr->fx_overflow) {
        XLOG_ERR("PR: side-effect queue overflow, command undone");
        goto fail;
    }
    if (changed && txn_persist(pr) < 0) {
        XLOG_ERR("PR: APTPL state could not be kept, command undone");
        goto fail;
    }
    for (size_t i = 0; i < pr->nfx; i++) {
        const struct pr_effect *e = &pr->fx[i];
        if (e->asc != SCSI_ASC_NONE && pr->hooks.unit_attention)
            pr->hooks.unit_attention(pr->hooks.opaque, &e->nexus, e->asc);
        if (e->abort && pr->hooks.abort_nexus)
            pr->hooks.abort_nexus(pr->hooks.opaque, &e->nexus);
    }
    txn_end(pr);
    if (changed && pr->hooks.state_changed)
        pr->hooks.state_changed(pr->hooks.opaque, pr);
    return 0;
fail:
    pr_txn_abort(pr);
    *err = scsi_err_sense(SCSI_SK_HARDWARE_ERROR, SCSI_ASC_INTERNAL_TARGET_FAILURE);
    return -1;
}

static struct pr_effect *fx_slot(struct scsi_pr *pr, const struct scsi_nexus *n)
{
    for (size_t i = 0; i < pr->nfx; i++)
        if (scsi_nexus_eq(&pr->fx[i].nexus, n))
            return &pr->fx[i];
    if (pr->nfx >= pr->fxcap) {
        pr->fx_overflow = true;
        return NULL;
    }
    pr->fx[pr->nfx] = (struct pr_effect){ .nexus = *n, .asc = SCSI_ASC_NONE };
    return &pr->fx[pr->nfx++];
}

/* One unit attention per nexus per command: the last condition set wins (SPC-4 allows reporting one). */
void pr_fx_ua(struct scsi_pr *pr, const struct scsi_nexus *n, uint16_t asc)
{
    struct pr_effect *e = fx_slot(pr, n);
    if (e)
        e->asc = asc;
}

void pr_fx_abort(struct scsi_pr *pr, const struct scsi_nexus *n)
{
    struct pr_effect *e = fx_slot(pr, n);
    if (e)
        e->abort = true;
}

void pr_fx_ua_registrants(struct scsi_pr *pr, const struct scsi_nexus *except, uint16_t asc)
{
    for (size_t i = 0; i < pr->nregs; i++)
        if (!except || !scsi_nexus_eq(&pr->regs[i].nexus, except))
            pr_fx_ua(pr, &pr->regs[i].nexus, asc);
}

/* ------------------------------------------------------------ resets */
void scsi_pr_nexus_reset(struct scsi_pr *pr, const struct scsi_nexus *n)
{
    /* SPC-2: a reservation is released by a LU reset or the loss of its I_T nexus. */
    if (!pr->spc2_reserved || (n && !scsi_nexus_eq(&pr->spc2_holder, n)))
        return;
    pr->spc2_reserved = false;
    memset(&pr->spc2_holder, 0, sizeof(pr->spc2_holder));
    if (pr->hooks.state_changed)
        pr->hooks.state_changed(pr->hooks.opaque, pr);
}
