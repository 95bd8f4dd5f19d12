/* SPDX-License-Identifier: MIT */
/*
 * prsync_op.c - one PR command of a pool LU, from the SCSI target to its
 * completion (docs/pool.md, "The replication protocol"):
 *
 *  1. queued per LU (FIFO: the commands of one LU complete in the order the
 *     DB committed them) and started from the loop, never inside pr_exec;
 *  2. the DB transaction (xvios_db_pr_update with prsync_change_run): the
 *     change is computed from the record as read in the transaction and
 *     committed with generation + 1, or redone from a fresh read on a
 *     conflict; a refusal or a no-op commits nothing and completes at once;
 *  3. the new state installed in every local LU object of that name, its
 *     unit attentions and aborts delivered to this VIOS's nexuses;
 *  4. PR_APPLY broadcast with receipts and responses; the command completes
 *     when every member that receipted it has answered, or at the deadline
 *     (the cluster's timeout after the send), whichever comes first. Members
 *     that did not receipt or answer are logged: they resynchronize from the
 *     DB before serving the LU again (prsync_sync.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/prsync/prsync_int.h"
#include "xvios/log.h"

int prsync_op_submit(struct prsync_lu *l, struct scsi_cmd *cmd, enum prsync_kind kind, const struct scsi_nexus *n,
                     uint32_t param_len)
{
    struct prsync_op *op = calloc(1, sizeof(*op)), **pp;

    if (!op)
        return -ENOMEM;
    op->lu = l;
    op->cmd = cmd;
    op->ch.kind = kind;
    op->ch.nexus = *n;
    if (cmd) {
        op->ch.cdb = cmd->cdb;                  /* the command stays in flight until completed here */
        op->ch.param = cmd->data_out;
        op->ch.param_len = param_len;
    }
    for (pp = &l->ops; *pp; pp = &(*pp)->next)
        ;
    *pp = op;
    prsync_kick(l->ps, xvios_now());
    return 0;
}

static void complete(struct prsync_op *op)
{
    struct prsync_lu *l = op->lu;

    l->ops = op->next;                          /* only the head completes */
    if (op->cmd)
        scsi_lu_pr_exec_done(op->cmd, op->ch.refused ? &op->ch.err : NULL);
    free(op);
    if (l->ops)
        prsync_kick(l->ps, xvios_now());
}

/* The DB could not be updated: the command ends with BUSY or a target failure, nothing was committed. */
static void fail(struct prsync_op *op, int rc)
{
    struct prsync_lu *l = op->lu;

    op->ch.refused = true;
    if (rc == -EIO) {
        l->broken = true;
        op->ch.err = scsi_err_sense(SCSI_SK_HARDWARE_ERROR, SCSI_ASC_INTERNAL_TARGET_FAILURE);
        XLOG_ERR("LU %s: the PR record in the cluster DB is malformed: PR command refused, LU not served until "
                 "a good record is read", l->name);
        xvios_evloop_timer_arm(l->resync, xvios_deadline_ms(1000));
    } else {
        op->ch.err = scsi_err_status(SCSI_STATUS_BUSY);
        XLOG_WARN("LU %s: PR command not committed to the cluster DB (%s): BUSY", l->name, strerror(-rc));
    }
    l->ps->st.busy++;
    complete(op);
}

static void on_result(void *arg, const struct xvios_msg *result, const struct xvios_rc_entry *rc, unsigned n_rc);

/* PR_APPLY to every other member; false: nobody to wait for. */
static bool broadcast(struct prsync_op *op)
{
    struct prsync *ps = op->lu->ps;
    struct prsync_apply *a = ps->apply;
    struct xvios_msg m;
    int len, rc;

    if (!ps->vke || xvios_vke_node(ps->vke) == 0)
        return false;
    memset(a, 0, sizeof(*a));
    memcpy(a->name, op->lu->name, sizeof(a->name));
    a->gen = op->gen;
    a->state = ps->rec->blob;
    a->state_len = ps->rec->len;
    a->n_events = op->ch.n_events;
    memcpy(a->events, op->ch.events, op->ch.n_events * sizeof(a->events[0]));
    len = prsync_apply_encode(a, ps->msg, PRSYNC_MSG_MAX);
    if (len < 0) {
        XLOG_ERR("LU %s: PR_APPLY of generation %llu cannot be encoded: %s", op->lu->name,
                 (unsigned long long)op->gen, strerror(-len));
        return false;
    }
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_F_RECEIPT | XVIOS_F_RESPONSE | XVIOS_F_BROADCAST;
    m.hdr.payload_len = (uint32_t)len;
    m.sub.msg_type = XVIOS_MT_PR_APPLY;
    m.sub.src_node = xvios_vke_node(ps->vke);
    m.sub.rc_capacity = XVIOS_MAX_NODES;
    m.sub.timeout_ms = ps->timeout_ms;
    m.payload = ps->msg;
    rc = xvios_vke_send(ps->vke, &m, on_result, ps, &op->txid);
    if (rc < 0) {
        XLOG_ERR("LU %s: PR_APPLY of generation %llu not sent: %s", op->lu->name, (unsigned long long)op->gen,
                 strerror(-rc));
        return false;
    }
    op->sent = true;
    op->deadline = xvios_deadline_ms(2ull * ps->timeout_ms);   /* receipts, then the answers */
    return true;
}

static void start(struct prsync_op *op)
{
    struct prsync_lu *l = op->lu;
    struct prsync *ps = l->ps;
    int rc;

    op->started = true;
    rc = xvios_db_pr_update(ps->plat, l->name, prsync_change_run, &op->ch, ps->rec);
    if (rc < 0) {
        fail(op, rc);
        return;
    }
    if (op->ch.refused || !op->ch.changed) {
        ps->st.refused += op->ch.refused;
        ps->st.unchanged += !op->ch.refused;
        complete(op);
        return;
    }
    op->gen = ps->rec->gen;
    ps->st.changes++;
    /* every local LU object of this pool LU (one per mode) gets the state and its events */
    for (struct prsync_lu *x = ps->lus; x; x = x->next)
        if (x->lu && !strcmp(x->name, l->name)) {
            if (prsync_install(x, op->gen, ps->rec->blob, ps->rec->len) < 0) {
                XLOG_ERR("LU %s: the state just committed does not load: re-reading the DB", x->name);
                x->stale = true;
                xvios_evloop_timer_arm(x->resync, xvios_now());
            }
            prsync_deliver(x, op->ch.events, op->ch.n_events);
        }
    prsync_alert_preempt(ps, op);
    XLOG_DEBUG("LU %s: PR generation %llu committed (%u events)", l->name, (unsigned long long)op->gen,
               op->ch.n_events);
    if (!broadcast(op))
        complete(op);
}

/* node's entry in op, made on first mention; NULL for node 0 or more peers than a cluster has. */
static struct prsync_peer *peer_of(struct prsync_op *op, uint32_t node)
{
    if (node == 0)
        return NULL;
    for (unsigned i = 0; i < op->n_peers; i++)
        if (op->peers[i].node == node)
            return &op->peers[i];
    if (op->n_peers == XVIOS_MAX_NODES)
        return NULL;
    op->peers[op->n_peers] = (struct prsync_peer){ .node = node };
    return &op->peers[op->n_peers++];
}

static bool all_answered(const struct prsync_op *op)
{
    for (unsigned i = 0; i < op->n_peers; i++)
        if (op->peers[i].expect && !op->peers[i].answered)
            return false;
    return true;
}

static void expire(struct prsync_op *op)
{
    for (unsigned i = 0; i < op->n_peers; i++)
        if (op->peers[i].expect && !op->peers[i].answered) {
            op->lu->ps->st.missed_peers++;
            XLOG_WARN("LU %s: node %u did not answer PR_APPLY of generation %llu in time: it re-reads the DB "
                      "before serving the LU", op->lu->name, op->peers[i].node, (unsigned long long)op->gen);
        }
    if (!op->result_in)
        XLOG_WARN("LU %s: no send result for PR_APPLY of generation %llu in time", op->lu->name,
                  (unsigned long long)op->gen);
    complete(op);
}

void prsync_op_service(struct prsync *ps)
{
    struct timespec next = { 0 };
    bool any = false;

    for (struct prsync_lu *l = ps->lus, *nx; l; l = nx) {
        nx = l->next;
        while (l->ops && !l->ops->started)       /* a refused or local-only command completes at once */
            start(l->ops);
        if (l->ops && l->ops->sent) {
            if (xvios_ts_passed(&l->ops->deadline))
                expire(l->ops);
            if (l->ops && l->ops->sent && (!any || xvios_ts_cmp(l->ops->deadline, next) < 0)) {
                next = l->ops->deadline;
                any = true;
            }
        }
        if (l->ops && !l->ops->started)          /* the head expired: the next one starts next turn */
            prsync_kick(ps, xvios_now());
    }
    if (any)
        prsync_kick(ps, next);
}

static struct prsync_op *by_txid(struct prsync *ps, uint64_t txid)
{
    for (struct prsync_lu *l = ps->lus; l; l = l->next)
        if (l->ops && l->ops->sent && l->ops->txid == txid)
            return l->ops;
    return NULL;
}

static void on_result(void *arg, const struct xvios_msg *result, const struct xvios_rc_entry *rc, unsigned n_rc)
{
    struct prsync *ps = arg;
    struct prsync_op *op = by_txid(ps, result->hdr.txid);

    if (!op)
        return;                                 /* completed already (deadline, LU closed) */
    op->result_in = true;
    for (unsigned i = 0; i < n_rc; i++) {
        struct prsync_peer *p = peer_of(op, rc[i].node);

        if (!p)
            continue;
        if (rc[i].status == XVIOS_RC_DELIVERED) {
            p->expect = true;
        } else {
            ps->st.missed_peers++;
            XLOG_WARN("LU %s: PR_APPLY of generation %llu not received by node %u (rc %u): it re-reads the DB "
                      "before serving the LU", op->lu->name, (unsigned long long)op->gen, rc[i].node, rc[i].status);
        }
    }
    if (result->hdr.status != XVIOS_ST_OK && result->hdr.status != XVIOS_ST_PARTIAL &&
        result->hdr.status != XVIOS_ST_NO_TARGETS)
        XLOG_WARN("LU %s: PR_APPLY of generation %llu: send status %d", op->lu->name, (unsigned long long)op->gen,
                  result->hdr.status);
    if (all_answered(op))
        complete(op);
}

void prsync_op_on_response(struct prsync *ps, const struct xvios_msg *m)
{
    struct prsync_reply r;
    struct prsync_op *op;
    struct prsync_peer *p;
    uint32_t from = m->sub.src_node;

    if (prsync_reply_decode(m->payload, m->hdr.payload_len, &r) < 0) {
        ps->st.malformed_in++;
        XLOG_WARN("PR_APPLY response from node %u: malformed, ignored", from);
        return;
    }
    op = by_txid(ps, m->hdr.txid);
    if (!op || strcmp(r.name, op->lu->name) || !(p = peer_of(op, from)))
        return;                                 /* late (completed at its deadline) or not ours */
    if (r.result == PRSYNC_RESYNCING)
        XLOG_WARN("LU %s: node %u could not install generation %llu: it re-reads the DB", op->lu->name, from,
                  (unsigned long long)op->gen);
    if (!p->answered)
        ps->st.answers_in++;
    p->answered = true;
    if (op->result_in && all_answered(op))
        complete(op);
}

void prsync_op_abandon_all(struct prsync_lu *l)
{
    while (l->ops) {
        struct prsync_op *op = l->ops;

        if (!op->started) {                     /* nothing committed: the initiator may try again */
            op->ch.refused = true;
            op->ch.err = scsi_err_status(SCSI_STATUS_BUSY);
        }
        complete(op);
    }
}
