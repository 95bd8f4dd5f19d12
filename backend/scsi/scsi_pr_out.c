/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr_out.c - PERSISTENT RESERVE OUT (SPC-4 6.15): CDB and parameter
 * list checks, then RESERVE, RELEASE, CLEAR, PREEMPT and PREEMPT AND ABORT.
 * REGISTER, REGISTER AND IGNORE EXISTING KEY and REGISTER AND MOVE live in
 * scsi_pr_register.c.
 *
 * Parameter list (SPC-4 6.15.3), all service actions but REGISTER AND MOVE:
 *   0..7 RESERVATION KEY, 8..15 SERVICE ACTION RESERVATION KEY, 16..19 obsolete,
 *   20: SPEC_I_PT (bit 3), ALL_TG_PT (bit 2), APTPL (bit 0), 21..23 reserved/obsolete,
 *   24.. (SPEC_I_PT = 1 only) TRANSPORTID PARAMETER DATA LENGTH + TransportIDs.
 *
 * The PRgeneration is bumped by REGISTER, REGISTER AND IGNORE EXISTING KEY,
 * CLEAR, PREEMPT, PREEMPT AND ABORT and REGISTER AND MOVE that succeed, never
 * by RESERVE or RELEASE (SPC-4 6.14.2).
 */
#include "backend/scsi/scsi_pr_int.h"

#define PR_OUT_CDB_LIST_LEN 5      /* bytes 5..8 */
#define PR_OUT_BASIC_LEN    24u

static int conflict(struct scsi_err *err)
{
    *err = scsi_err_status(SCSI_STATUS_RESERVATION_CONFLICT);
    return -1;
}

/* The registration of n holding RESERVATION KEY key, or NULL (-> RESERVATION CONFLICT). */
static struct scsi_pr_registration *registered_with(struct scsi_pr *pr, const struct scsi_nexus *n, uint64_t key)
{
    struct scsi_pr_registration *r = pr_reg_find(pr, n);
    return r && r->key == key ? r : NULL;
}

static uint64_t holder_key(const struct scsi_pr *pr)
{
    const struct scsi_pr_registration *r = scsi_pr_find_registration(pr, &pr->holder);
    return r ? r->key : 0;
}

static int pr_reserve(struct scsi_pr *pr, const struct scsi_nexus *n, const struct pr_out_params *p, bool *changed,
                      struct scsi_err *err)
{
    if (!registered_with(pr, n, p->key))
        return conflict(err);
    if (pr->reserved) {
        /* The holder may repeat its reservation; anything else conflicts (SPC-4 5.13.9). */
        if (scsi_pr_is_holder(pr, n) && pr->type == p->type)
            return 0;
        return conflict(err);
    }
    pr->reserved = true;
    pr->type = p->type;
    pr->holder = *n;
    *changed = true;
    return 0;
}

static int pr_release(struct scsi_pr *pr, const struct scsi_nexus *n, const struct pr_out_params *p, bool *changed,
                      struct scsi_err *err)
{
    uint8_t old;

    if (!registered_with(pr, n, p->key))
        return conflict(err);
    if (!pr->reserved || !scsi_pr_is_holder(pr, n))
        return 0;                          /* SPC-4 5.13.11.2: GOOD, nothing released */
    if (p->type != pr->type) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_RELEASE_OF_PR);
        return -1;
    }
    old = pr->type;
    pr_release_reservation(pr);
    /* Registrants-only and all-registrants: every other registrant learns it (not tgt's inverse rule). */
    if (pr_type_reg_only(old) || pr_type_all_reg(old))
        pr_fx_ua_registrants(pr, n, SCSI_ASC_RESERVATIONS_RELEASED);
    *changed = true;
    return 0;
}

static int pr_clear(struct scsi_pr *pr, const struct scsi_nexus *n, const struct pr_out_params *p, bool *changed,
                    struct scsi_err *err)
{
    if (!registered_with(pr, n, p->key))
        return conflict(err);
    pr_fx_ua_registrants(pr, n, SCSI_ASC_RESERVATIONS_PREEMPTED);
    pr_release_reservation(pr);
    pr->nregs = 0;
    pr->generation++;
    *changed = true;
    return 0;
}

/* Remove one preempted registration: UA and (PREEMPT AND ABORT) abort, except for the issuer. */
static void preempt_one(struct scsi_pr *pr, size_t i, const struct scsi_nexus *issuer, bool abort)
{
    struct scsi_nexus gone = pr->regs[i].nexus;

    pr_reg_remove_at(pr, i);
    if (scsi_nexus_eq(&gone, issuer))
        return;
    pr_fx_ua(pr, &gone, SCSI_ASC_REGISTRATIONS_PREEMPTED);
    if (abort)
        pr_fx_abort(pr, &gone);
}

static int pr_preempt(struct scsi_pr *pr, const struct scsi_nexus *n, const struct pr_out_params *p, bool abort,
                      bool *changed, struct scsi_err *err)
{
    size_t removed = 0;

    if (!registered_with(pr, n, p->key))
        return conflict(err);

    if (pr->reserved && pr_type_all_reg(pr->type) && p->sa_key == 0) {
        /* SPC-4 5.13.12.2.3: all-registrants, key 0: everyone else goes, n reserves. */
        for (size_t i = pr->nregs; i-- > 0;)
            if (!scsi_nexus_eq(&pr->regs[i].nexus, n))
                preempt_one(pr, i, n, abort);
        pr->reserved = true;
        pr->type = p->type;
        pr->holder = *n;
    } else if (pr->reserved && !pr_type_all_reg(pr->type) && p->sa_key == holder_key(pr)) {
        /* Preempting the holder: its key's registrations go (not n's), n holds the new reservation. */
        uint8_t old_type = pr->type;
        for (size_t i = pr->nregs; i-- > 0;)
            if (pr->regs[i].key == p->sa_key && !scsi_nexus_eq(&pr->regs[i].nexus, n))
                preempt_one(pr, i, n, abort);
        pr->reserved = true;
        pr->type = p->type;
        pr->holder = *n;
        if (old_type != p->type)
            for (size_t i = 0; i < pr->nregs; i++)
                if (!scsi_nexus_eq(&pr->regs[i].nexus, n))
                    pr_fx_ua(pr, &pr->regs[i].nexus, SCSI_ASC_RESERVATIONS_RELEASED);
    } else {
        /* SPC-4 5.13.12.2.2: only remove the registrations holding that key (n's too). */
        if (p->sa_key == 0) {
            *err = scsi_err_param_field(8, -1);
            return -1;
        }
        for (size_t i = pr->nregs; i-- > 0;)
            if (pr->regs[i].key == p->sa_key) {
                preempt_one(pr, i, n, abort);
                removed++;
            }
        if (!removed)
            return conflict(err);
    }
    pr->generation++;
    *changed = true;
    return 0;
}

static bool sa_uses_type(uint8_t sa)
{
    return sa == SCSI_PR_OUT_RESERVE || sa == SCSI_PR_OUT_RELEASE || sa == SCSI_PR_OUT_PREEMPT ||
           sa == SCSI_PR_OUT_PREEMPT_AND_ABORT || sa == SCSI_PR_OUT_REGISTER_AND_MOVE;
}

/* CDB and parameter list checks common to all service actions; fills *p. */
static int parse_out(const struct scsi_pr *pr, const uint8_t *cdb, const uint8_t *param, uint32_t param_len,
                     struct pr_out_params *p, struct scsi_err *err)
{
    uint8_t sa = cdb[1] & 0x1f;
    uint8_t scope = cdb[2] >> 4;
    uint32_t list_len = scsi_get_be32(cdb + PR_OUT_CDB_LIST_LEN);

    if (sa > SCSI_PR_OUT_REGISTER_AND_MOVE) {
        *err = scsi_err_cdb_field(1, 4);
        return -1;
    }
    if (sa_uses_type(sa)) {
        if (scope != 0) {
            *err = scsi_err_cdb_field(2, 7);
            return -1;
        }
        if (sa != SCSI_PR_OUT_RELEASE && !pr_type_valid(cdb[2] & 0x0f)) {
            *err = scsi_err_cdb_field(2, 3);
            return -1;
        }
    }
    /* LIO: PR commands conflict while an SPC-2 reservation exists. */
    if (pr->spc2_reserved) {
        *err = scsi_err_status(SCSI_STATUS_RESERVATION_CONFLICT);
        return -1;
    }
    /* The list must be there as announced, and at least the 24 basic bytes. */
    if (list_len < PR_OUT_BASIC_LEN || list_len > param_len || !param) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
        return -1;
    }
    p->key = scsi_get_be64(param);
    p->sa_key = scsi_get_be64(param + 8);
    p->type = cdb[2] & 0x0f;
    p->list = param;
    p->len = list_len;
    if (sa == SCSI_PR_OUT_REGISTER_AND_MOVE) {
        p->aptpl = param[17] & 0x01;
        return 0;
    }
    p->spec_i_pt = param[20] & 0x08;
    p->all_tg_pt = param[20] & 0x04;
    p->aptpl = param[20] & 0x01;
    if (p->spec_i_pt && sa != SCSI_PR_OUT_REGISTER) {
        *err = scsi_err_param_field(20, 3);
        return -1;
    }
    if (!p->spec_i_pt && list_len != PR_OUT_BASIC_LEN) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
        return -1;
    }
    return 0;
}

int scsi_pr_out(struct scsi_pr *pr, const struct scsi_nexus *n, const uint8_t *cdb, const uint8_t *param,
                uint32_t param_len, struct scsi_err *err)
{
    struct pr_out_params p = { 0 };
    bool changed = false;
    int rc;

    if (parse_out(pr, cdb, param, param_len, &p, err) < 0)
        return -1;
    if (pr_txn_begin(pr, err) < 0)
        return -1;
    switch (cdb[1] & 0x1f) {
    case SCSI_PR_OUT_REGISTER:
        rc = pr_out_register(pr, n, &p, false, &changed, err);
        break;
    case SCSI_PR_OUT_REGISTER_IGNORE:
        rc = pr_out_register(pr, n, &p, true, &changed, err);
        break;
    case SCSI_PR_OUT_RESERVE:
        rc = pr_reserve(pr, n, &p, &changed, err);
        break;
    case SCSI_PR_OUT_RELEASE:
        rc = pr_release(pr, n, &p, &changed, err);
        break;
    case SCSI_PR_OUT_CLEAR:
        rc = pr_clear(pr, n, &p, &changed, err);
        break;
    case SCSI_PR_OUT_PREEMPT:
        rc = pr_preempt(pr, n, &p, false, &changed, err);
        break;
    case SCSI_PR_OUT_PREEMPT_AND_ABORT:
        rc = pr_preempt(pr, n, &p, true, &changed, err);
        break;
    case SCSI_PR_OUT_REGISTER_AND_MOVE:
    default:
        rc = pr_out_register_and_move(pr, n, &p, &changed, err);
        break;
    }
    if (rc < 0) {
        pr_txn_abort(pr);
        return -1;
    }
    return pr_txn_commit(pr, changed, err);
}
