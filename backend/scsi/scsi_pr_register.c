/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr_register.c - PR OUT REGISTER, REGISTER AND IGNORE EXISTING KEY
 * (with ALL_TG_PT and SPEC_I_PT) and REGISTER AND MOVE (SPC-4 5.13.7,
 * 5.13.8, 6.15.3, 6.15.4).
 *
 * New registrations are collected and checked first (TransportIDs, target
 * ports, the resource limit) and only then added: a refused command
 * registers nothing (SPC-4: "no registrations shall be made").
 *
 * REGISTER AND MOVE parameter list (SPC-4 6.15.4):
 *   0..7 RESERVATION KEY, 8..15 SERVICE ACTION RESERVATION KEY, 16 reserved,
 *   17: UNREG (bit 1), APTPL (bit 0), 18..19 RELATIVE TARGET PORT IDENTIFIER,
 *   20..23 TRANSPORTID PARAMETER DATA LENGTH, 24.. TransportID.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/scsi/scsi_pr_int.h"

#define SPEC_I_PT_HDR_LEN 28u     /* basic 24 + TRANSPORTID PARAMETER DATA LENGTH */
#define MOVE_HDR_LEN      24u

static int conflict(struct scsi_err *err)
{
    *err = scsi_err_status(SCSI_STATUS_RESERVATION_CONFLICT);
    return -1;
}

static int resources(struct scsi_err *err)
{
    *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INSUFFICIENT_REG_RESOURCES);
    return -1;
}

static int list_length_error(struct scsi_err *err)
{
    *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
    return -1;
}

/* Nexuses to register, bounded by the registrations still free. */
struct pending {
    struct scsi_nexus *n;
    size_t count, cap;
};

static bool pending_has(const struct pending *pd, const struct scsi_nexus *n)
{
    for (size_t i = 0; i < pd->count; i++)
        if (scsi_nexus_eq(&pd->n[i], n))
            return true;
    return false;
}

/* Add n unless already registered or pending; -ENOSPC past the free registrations. */
static int pending_add(struct scsi_pr *pr, struct pending *pd, const struct scsi_nexus *n)
{
    if (scsi_pr_find_registration(pr, n) || pending_has(pd, n))
        return 0;
    if (pd->count >= pd->cap)
        return -ENOSPC;
    pd->n[pd->count++] = *n;
    return 0;
}

/* The registering nexus itself: on every target port with ALL_TG_PT, else its own. */
static int collect_self(struct scsi_pr *pr, const struct scsi_nexus *n, bool all_tg_pt, struct pending *pd)
{
    uint16_t ports[SCSI_PR_MAX_TARGET_PORTS];
    size_t np;

    if (pending_add(pr, pd, n) < 0)
        return -ENOSPC;
    if (!all_tg_pt)
        return 0;
    np = pr->hooks.target_ports(pr->hooks.opaque, ports, SCSI_PR_MAX_TARGET_PORTS);
    if (np > SCSI_PR_MAX_TARGET_PORTS)
        np = SCSI_PR_MAX_TARGET_PORTS;
    for (size_t i = 0; i < np; i++) {
        struct scsi_nexus other = *n;
        other.target_port = ports[i];
        if (pending_add(pr, pd, &other) < 0)
            return -ENOSPC;
    }
    return 0;
}

/* Fill in a resolved nexus's TransportID from the one the initiator named, if the hook left it empty. */
static void adopt_tid(struct scsi_nexus *x, const uint8_t *tid, size_t tid_len)
{
    if (x->transport_id_len == 0 || x->transport_id_len > SCSI_TRANSPORT_ID_MAX) {
        memcpy(x->transport_id, tid, tid_len);
        x->transport_id_len = (uint16_t)tid_len;
    }
}

/* SPEC_I_PT: the nexuses the TransportIDs at 28.. name (on n's target port unless ALL_TG_PT). */
static int collect_spec_i_pt(struct scsi_pr *pr, const struct scsi_nexus *n, const struct pr_out_params *p,
                             struct pending *pd, struct scsi_err *err)
{
    struct scsi_nexus found[SCSI_PR_MAX_TARGET_PORTS];
    uint32_t tpdl, end, off;

    if (p->len < SPEC_I_PT_HDR_LEN)
        return list_length_error(err);
    tpdl = scsi_get_be32(p->list + 24);
    if (tpdl != p->len - SPEC_I_PT_HDR_LEN)
        return list_length_error(err);
    end = p->len;
    for (off = SPEC_I_PT_HDR_LEN; off < end;) {
        size_t tid_len, bad_off;
        int got;
        size_t used = 0;

        if (scsi_pr_tid_parse(p->list + off, end - off, &tid_len, &bad_off) < 0) {
            *err = scsi_err_param_field((uint16_t)(off + bad_off > 0xffff ? 0xffff : off + bad_off), -1);
            return -1;
        }
        got = pr->hooks.resolve_transport_id(pr->hooks.opaque, p->list + off, tid_len, found,
                                             SCSI_PR_MAX_TARGET_PORTS);
        if (got > (int)SCSI_PR_MAX_TARGET_PORTS)
            got = SCSI_PR_MAX_TARGET_PORTS;
        for (int i = 0; i < got; i++) {
            if (!p->all_tg_pt && found[i].target_port != n->target_port)
                continue;
            adopt_tid(&found[i], p->list + off, tid_len);
            if (pending_add(pr, pd, &found[i]) < 0)
                return resources(err);
            used++;
        }
        if (used == 0) {
            /* Unknown initiator port, or not reachable through this target port (LIO: invalid list). */
            *err = scsi_err_param_field((uint16_t)(off > 0xffff ? 0xffff : off), -1);
            return -1;
        }
        off += (uint32_t)tid_len;
    }
    return 0;
}

static int register_new(struct scsi_pr *pr, const struct scsi_nexus *n, const struct pr_out_params *p,
                        struct scsi_err *err)
{
    struct pending pd = { 0 };
    int rc = -1;

    if (p->all_tg_pt && !pr->hooks.target_ports) {
        *err = scsi_err_param_field(20, 2);
        return -1;
    }
    if (p->spec_i_pt && !pr->hooks.resolve_transport_id) {
        *err = scsi_err_param_field(20, 3);
        return -1;
    }
    if (p->aptpl && !pr->hooks.persist) {
        *err = scsi_err_param_field(20, 0);
        return -1;
    }
    pd.cap = pr->max_regs - pr->nregs;
    pd.n = calloc(pd.cap ? pd.cap : 1, sizeof(*pd.n));
    if (!pd.n)
        return resources(err);
    if (collect_self(pr, n, p->all_tg_pt, &pd) < 0) {
        resources(err);
        goto out;
    }
    if (p->spec_i_pt && collect_spec_i_pt(pr, n, p, &pd, err) < 0)
        goto out;
    for (size_t i = 0; i < pd.count; i++) {
        /* The pending list is bounded by the free registrations, so only ENOMEM can fail here. */
        if (pr_reg_add(pr, &pd.n[i], p->sa_key, p->all_tg_pt) < 0) {
            resources(err);
            goto out;
        }
    }
    rc = 0;
out:
    free(pd.n);
    return rc;
}

int pr_out_register(struct scsi_pr *pr, const struct scsi_nexus *n, const struct pr_out_params *p, bool ignore,
                    bool *changed, struct scsi_err *err)
{
    struct scsi_pr_registration *reg = pr_reg_find(pr, n);

    if (!reg) {
        if (!ignore && p->key != 0)
            return conflict(err);
        if (p->sa_key == 0)
            return 0;                      /* SPC-4 5.13.7: nothing to register, GOOD */
        if (register_new(pr, n, p, err) < 0)
            return -1;
    } else {
        uint64_t initiator = reg->nexus.initiator;
        bool atp = reg->all_tg_pt;
        bool was_reserved = pr->reserved;
        uint8_t old_type = pr->type;

        if (!ignore && p->key != reg->key)
            return conflict(err);
        if (p->spec_i_pt) {
            *err = scsi_err_param_field(20, 3);
            return -1;
        }
        if (p->aptpl && !pr->hooks.persist) {
            *err = scsi_err_param_field(20, 0);
            return -1;
        }
        /* A registration made with ALL_TG_PT changes (or goes) on every target port together. */
        for (size_t i = pr->nregs; i-- > 0;) {
            struct scsi_pr_registration *r = &pr->regs[i];
            bool mine = scsi_nexus_eq(&r->nexus, n) || (atp && r->all_tg_pt && r->nexus.initiator == initiator);
            if (!mine)
                continue;
            if (p->sa_key == 0)
                pr_reg_remove_at(pr, i);
            else
                r->key = p->sa_key;
        }
        /* The holder of a registrants-only reservation left: the remaining registrants are told. */
        if (was_reserved && !pr->reserved && pr_type_reg_only(old_type))
            pr_fx_ua_registrants(pr, NULL, SCSI_ASC_RESERVATIONS_RELEASED);
    }
    pr->aptpl = p->aptpl;
    pr->generation++;
    *changed = true;
    return 0;
}

/* The destination I_T nexus of REGISTER AND MOVE; -1 with *err if it cannot be named. */
static int move_destination(struct scsi_pr *pr, const struct pr_out_params *p, const uint8_t *tid, size_t tid_len,
                            uint16_t rtpi, struct scsi_nexus *dest, struct scsi_err *err)
{
    if (pr->hooks.resolve_transport_id) {
        struct scsi_nexus found[SCSI_PR_MAX_TARGET_PORTS];
        int got = pr->hooks.resolve_transport_id(pr->hooks.opaque, tid, tid_len, found, SCSI_PR_MAX_TARGET_PORTS);
        if (got > (int)SCSI_PR_MAX_TARGET_PORTS)
            got = SCSI_PR_MAX_TARGET_PORTS;
        if (got <= 0) {
            *err = scsi_err_param_field(MOVE_HDR_LEN, -1);
            return -1;
        }
        for (int i = 0; i < got; i++)
            if (found[i].target_port == rtpi) {
                *dest = found[i];
                adopt_tid(dest, tid, tid_len);
                return 0;
            }
        *err = scsi_err_param_field(18, -1);
        return -1;
    }
    /* Without the hook only registered nexuses can be named. */
    for (size_t i = 0; i < pr->nregs; i++) {
        const struct scsi_nexus *x = &pr->regs[i].nexus;
        if (x->target_port == rtpi && scsi_pr_tid_same(x->transport_id, x->transport_id_len, tid, tid_len)) {
            *dest = *x;
            return 0;
        }
    }
    (void)p;
    *err = scsi_err_param_field(MOVE_HDR_LEN, -1);
    return -1;
}

int pr_out_register_and_move(struct scsi_pr *pr, const struct scsi_nexus *n, const struct pr_out_params *p,
                             bool *changed, struct scsi_err *err)
{
    struct scsi_pr_registration *reg = pr_reg_find(pr, n);
    struct scsi_pr_registration *dreg;
    struct scsi_nexus dest;
    uint32_t tpdl;
    uint16_t rtpi;
    size_t tid_len, bad_off;
    bool unreg = p->list[17] & 0x02;

    if (!reg || reg->key != p->key)
        return conflict(err);
    /* Only the holder of a reservation that has one holder can move it. */
    if (!pr->reserved || pr_type_all_reg(pr->type) || !scsi_pr_is_holder(pr, n))
        return conflict(err);
    if (p->sa_key == 0) {
        *err = scsi_err_param_field(8, -1);
        return -1;
    }
    if (p->aptpl && !pr->hooks.persist) {
        *err = scsi_err_param_field(17, 0);
        return -1;
    }
    rtpi = scsi_get_be16(p->list + 18);
    tpdl = scsi_get_be32(p->list + 20);
    if (tpdl != p->len - MOVE_HDR_LEN)
        return list_length_error(err);
    if (scsi_pr_tid_parse(p->list + MOVE_HDR_LEN, tpdl, &tid_len, &bad_off) < 0) {
        *err = scsi_err_param_field((uint16_t)(MOVE_HDR_LEN + bad_off), -1);
        return -1;
    }
    if (move_destination(pr, p, p->list + MOVE_HDR_LEN, tid_len, rtpi, &dest, err) < 0)
        return -1;
    if (scsi_nexus_eq(&dest, n)) {
        /* SPC-4 5.13.8: the destination may not be the I_T nexus the command came on. */
        *err = scsi_err_param_field(MOVE_HDR_LEN, -1);
        return -1;
    }
    dreg = pr_reg_find(pr, &dest);
    if (dreg) {
        dreg->key = p->sa_key;
    } else {
        int rc = pr_reg_add(pr, &dest, p->sa_key, false);
        if (rc < 0)
            return resources(err);
    }
    pr->holder = dest;
    pr->type = p->type;
    if (unreg) {
        /* n is no longer the holder: leaving does not release anything. */
        for (size_t i = 0; i < pr->nregs; i++)
            if (scsi_nexus_eq(&pr->regs[i].nexus, n)) {
                pr_reg_remove_at(pr, i);
                break;
            }
    }
    pr->aptpl = p->aptpl;
    pr->generation++;
    *changed = true;
    return 0;
}
