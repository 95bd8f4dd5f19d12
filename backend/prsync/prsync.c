/* SPDX-License-Identifier: MIT */
/*
 * prsync.c - hosting cluster-wide reservations in xvios-backend
 * (prsync.h): the /xvios/pr watch and the PR_APPLY receiver, the binding of
 * each pool LU the engine opens, and the SCSI hooks through which its PR
 * commands leave the LU for the DB and the cluster.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/prsync/prsync_int.h"
#include "xvios/log.h"

/* The commands pr_exec is given (SPC-4 opcodes). */
enum { OP_RESERVE6 = 0x16, OP_RELEASE6 = 0x17, OP_RESERVE10 = 0x56, OP_RELEASE10 = 0x57, OP_PR_OUT = 0x5f };

/* ---------------------------------------------------------------- the LU's hooks */
static int hook_exec(void *opaque, struct scsi_cmd *cmd, uint32_t param_len)
{
    struct prsync_lu *l = opaque;
    enum prsync_kind kind;

    switch (cmd->cdb[0]) {
    case OP_PR_OUT:    kind = PRSYNC_PR_OUT; break;
    case OP_RESERVE6:
    case OP_RESERVE10: kind = PRSYNC_RESERVE; break;
    case OP_RELEASE6:
    case OP_RELEASE10: kind = PRSYNC_RELEASE; break;
    default:                return -EINVAL;
    }
    return prsync_op_submit(l, cmd, kind, cmd->nexus, param_len);
}

static bool hook_ready(void *opaque)
{
    const struct prsync_lu *l = opaque;

    return prsync_lu_serving(l);
}

/* The DB record is what survives power loss: APTPL is always kept (PTPL_C = 1). */
static int hook_persist(void *opaque, const uint8_t *blob, size_t len)
{
    (void)opaque;
    (void)blob;
    (void)len;
    return 0;
}

/*
 * A change made by the LU itself, not through hook_exec: an I_T nexus loss or
 * an LU reset released an SPC-2 reservation. It goes through the DB like a
 * command, so the cluster's state follows.
 */
static void hook_changed(void *opaque, const struct scsi_pr *pr)
{
    struct prsync_lu *l = opaque;
    struct scsi_nexus holder;
    bool held = scsi_pr_spc2_holder(pr, &holder);

    if (l->spc2_held && (!held || !scsi_nexus_eq(&holder, &l->spc2_holder))) {
        XLOG_INFO("LU %s: the SPC-2 reservation of nexus %#llx/%u went with its nexus: committing that",
                  l->name, (unsigned long long)l->spc2_holder.initiator, l->spc2_holder.target_port);
        if (prsync_op_submit(l, NULL, PRSYNC_NEXUS_RESET, &l->spc2_holder, 0) < 0)
            XLOG_ERR("LU %s: no memory for the nexus reset: the cluster keeps the SPC-2 reservation", l->name);
    }
    l->spc2_held = held;
    if (held)
        l->spc2_holder = holder;
}

/* ---------------------------------------------------------------- LUs */
int prsync_lu_open(struct prsync *ps, const char *lu_name, struct scsi_lu_opts *opts, struct prsync_lu **out)
{
    struct prsync_lu *l;
    int rc;

    *out = NULL;
    if (!ps || !lu_name || !xvios_lu_name_ok(lu_name) || !opts)
        return -EINVAL;
    l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->ps = ps;
    snprintf(l->name, sizeof(l->name), "%s", lu_name);
    rc = xvios_evloop_timer_add(ps->loop, prsync_on_resync_timer, l, &l->resync);
    if (rc < 0) {
        free(l);
        return rc;
    }
    l->stale = true;                   /* nothing installed yet */
    l->next = ps->lus;
    ps->lus = l;
    opts->pr_opaque = l;
    opts->pr_exec = hook_exec;
    opts->pr_ready = hook_ready;
    opts->pr_state_changed = hook_changed;
    opts->pr_persist = hook_persist;
    *out = l;
    return 0;
}

int prsync_lu_bind(struct prsync_lu *l, struct scsi_lu *lu)
{
    int rc;

    l->lu = lu;
    rc = prsync_resync(l, false);
    if (rc < 0)
        XLOG_ERR("LU %s: cannot read its reservation state from the cluster DB: %s", l->name, strerror(-rc));
    else
        XLOG_INFO("LU %s: reservation state of generation %llu installed", l->name, (unsigned long long)l->gen);
    return rc;
}

void prsync_lu_close(struct prsync_lu *l)
{
    struct prsync *ps;

    if (!l)
        return;
    ps = l->ps;
    prsync_op_abandon_all(l);
    for (struct prsync_lu **pp = &ps->lus; *pp; pp = &(*pp)->next)
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    xvios_evloop_timer_remove(l->resync);
    free(l);
}

void prsync_lu_abandon(struct prsync_lu *l)
{
    if (l)
        prsync_op_abandon_all(l);
}

uint64_t prsync_lu_gen(const struct prsync_lu *l)
{
    return l->gen;
}

bool prsync_lu_serving(const struct prsync_lu *l)
{
    return l->lu && !l->stale && !l->broken;
}

/* ---------------------------------------------------------------- hosting */
static void on_message(void *arg, const struct xvios_msg *m)
{
    struct prsync *ps = arg;

    if (m->sub.msg_type != XVIOS_MT_PR_APPLY)
        return;
    if (m->hdr.opcode == XVIOS_OP_CLUSTER_SEND)
        prsync_on_apply(ps, m);
    else if (m->hdr.opcode == XVIOS_OP_CLUSTER_RESPONSE)
        prsync_op_on_response(ps, m);
}

static void on_kick(struct xvios_ev_timer *t, void *arg)
{
    (void)t;
    prsync_op_service(arg);
}

int prsync_create(const struct prsync_config *cfg, struct prsync **out)
{
    struct xvios_db_config dc;
    struct prsync *ps;
    uint32_t self = 0;
    int rc;

    *out = NULL;
    if (!cfg || !cfg->plat || !cfg->loop || !cfg->watches || cfg->port_id == 0)
        return -EINVAL;
    ps = calloc(1, sizeof(*ps));
    if (!ps)
        return -ENOMEM;
    ps->plat = cfg->plat;
    ps->loop = cfg->loop;
    ps->mux = cfg->watches;
    ps->vke = cfg->vke;
    ps->port = cfg->port_id;
    ps->timeout_ms = xvios_db_config_read(ps->plat, &dc) == 0 && dc.timeout_ms ? dc.timeout_ms
                                                                               : XVIOS_DB_DEFAULT_TIMEOUT_MS;
    ps->rec = malloc(sizeof(*ps->rec));
    ps->msg = malloc(PRSYNC_MSG_MAX);
    ps->apply = malloc(sizeof(*ps->apply));
    if (!ps->rec || !ps->msg || !ps->apply) {
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = xvios_evloop_timer_add(ps->loop, on_kick, ps, &ps->kick)) < 0)
        goto out;
    xvios_plat_self_domid(ps->plat, &self);
    snprintf(ps->token, sizeof(ps->token), "prsync-%u", self);
    if ((rc = xvios_watchmux_add(ps->mux, XVIOS_DB_PR_ROOT, ps->token, prsync_on_watch, ps)) < 0) {
        XLOG_ERR("reservations: cannot watch %s: %s", XVIOS_DB_PR_ROOT, strerror(-rc));
        goto out;
    }
    ps->watching = true;
    if (ps->vke) {
        rc = xvios_vke_receiver_add(ps->vke, XVIOS_MT_PR_FIRST, XVIOS_MT_PR_LAST, on_message, ps);
        if (rc < 0) {
            XLOG_ERR("reservations: cannot receive message types %#x-%#x: %s", XVIOS_MT_PR_FIRST, XVIOS_MT_PR_LAST,
                     strerror(-rc));
            goto out;
        }
        ps->receiving = true;
    }
    XLOG_INFO("reservations: pool LUs keep their PR state in %s (port %u, timeout %u ms)", XVIOS_DB_PR_ROOT,
              ps->port, ps->timeout_ms);
    *out = ps;
    return 0;
out:
    prsync_destroy(ps);
    return rc;
}

void prsync_destroy(struct prsync *ps)
{
    if (!ps)
        return;
    while (ps->lus) {
        XLOG_WARN("reservations: LU %s still open at teardown", ps->lus->name);
        prsync_lu_close(ps->lus);
    }
    if (ps->receiving)
        xvios_vke_receiver_remove(ps->vke, XVIOS_MT_PR_FIRST);
    if (ps->watching)
        xvios_watchmux_remove(ps->mux, XVIOS_DB_PR_ROOT, ps->token);
    xvios_evloop_timer_remove(ps->kick);
    free(ps->rec);
    free(ps->msg);
    free(ps->apply);
    free(ps);
}

void prsync_get_stats(const struct prsync *ps, struct prsync_stats *out)
{
    *out = ps->st;
}
