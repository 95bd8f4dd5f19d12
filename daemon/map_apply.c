/* SPDX-License-Identifier: MIT */
/*
 * map_apply.c - MAPPING_APPLY on the VIOS serving a vhost (M): a mapping
 * create or delete another node (N) was asked for and checked against the
 * cluster DB (xvios/vio_apply.h), made here in this VIOS's own backend dir
 * and VTD record, which this VIOS owns (docs/vscsi.md, docs/pool.md):
 *
 *   add     the vhost's backend dir must exist (a new vhost is a new
 *           frontend dir, which only dom0 may write: DOM0_ONLY); one
 *           transaction writes dev-N (state 1, the permissions dom0 gives
 *           the backend dir: this VIOS owner, the client READ), the backend
 *           state Reconfiguring (7) when the vhost is Connected, and the VTD
 *           record; then the client's frontend dev-N/state 4 and the backend
 *           back at 4 are waited for (a deadline); a frontend that does not
 *           take the LUN in time: dev-N and the record are removed again.
 *   remove  not the vhost's last LUN (closing the vhost removes the
 *           frontend dir: DOM0_ONLY); dev-N/state 5 and the backend state 7
 *           in one transaction; when the engine has the LUN at 6 and the
 *           backend is back at 4, dev-N and the record go in one more.
 *
 * On the split store (multihost-db: the record in the replicated DB, the
 * dirs in this host's store, no transaction spanning both) the record is
 * its own steps around those transactions (xvios/db_vtd_step.h; the
 * section "the steps of a split store" below, docs/multihost.md):
 * claimed attaching before an add's nodes, settled after the client took
 * the LUN, the claim removed after a rolled-back add; marked detaching
 * before a remove's nodes, removed after, put back when the client kept it.
 *
 * The answer is the vioResponse of the outcome (node="<this node>"), sent
 * back to N as the MAPPING_APPLY's response, or to a local caller when this
 * node was asked itself; a change made is this node's Lifecycle event
 * (by and via this node), handed to its subscribers and broadcast. Nothing waits: an apply in progress is polled from
 * the daemon's loop until its deadline. Every value read back from the
 * backend and frontend dirs is untrusted (the client writes the frontend
 * dir, the engine parts of the backend dir).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/clock.h"
#include "xvios/db_lu.h"
#include "xvios/db_vtd.h"
#include "xvios/db_vtd_step.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/vio.h"
#include "xvios/vio_apply.h"
#include "vhost_nodes.h"

#define AP_POLL_MS 50u

_Static_assert(XVD_APPLY_WAIT_MS + 5000u <= XVIOS_DB_DEFAULT_MAX_TIMEOUT_MS,
               "the asking node waits for the apply's deadline and the answer's trip");

static void answer(struct xviosd *d, const struct viod_apply *ap, const char *text, size_t len)
{
    if (ap->local) {
        struct caller *c = viod_api_caller(d, ap->caller_id);
        if (c) {
            viod_api_emit(d, c, XVIOS_OP_API_RESPONSE, XVIOS_ST_OK, ap->handle, d->self_node, 0, text, len);
            viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_OK, ap->handle, d->self_node, 0, NULL, 0);
        }
        return;
    }
    viod_respond_to_peer(d, ap->txid, ap->epoch, ap->peer, XVIOS_MT_MAPPING_APPLY, XVIOS_ST_OK, text, len);
}

/* A made change is this node's: its Lifecycle event to this node's subscribers and, broadcast, to every member's. */
static void announce(struct xviosd *d, const struct viod_apply *ap)
{
    const struct xvios_db_vtd *v = &ap->a.vtd;
    struct xvios_vio_event ev = { .by = d->self_node, .via = d->self_node };
    char text[256];
    size_t len = 0;
    int rc;

    snprintf(ev.action, sizeof(ev.action), "%s", ap->a.op == XVIOS_VIO_APPLY_ADD ? "created" : "deleted");
    snprintf(ev.type, sizeof(ev.type), "mapping");
    snprintf(ev.key, sizeof(ev.key), "%u:%u:%u:%u:%u", v->client, v->vhost, v->chn, v->tgt, v->lun);
    if (xvios_vio_event_format(&ev, text, sizeof(text), &len) < 0)
        return;
    viod_events_lifecycle(d, &ev);
    struct op_request rq = { .kind = OP_CALLER_SEND, .flags = XVIOS_F_BROADCAST | XVIOS_F_RECEIPT,
                             .origin = XVIOS_ORIGIN_DAEMON, .msg_type = XVIOS_MT_OBJ_EVENT, .payload = text,
                             .len = len };
    rc = viod_op_start(d, &rq);
    if (rc < 0)
        XLOG_WARN("mapping %s %s: the lifecycle event reached only this node's subscribers (%s)", ev.key, ev.action,
                  strerror(-rc));
}

static void answer_ok(struct xviosd *d, const struct viod_apply *ap, const char *state)
{
    static char out[XVIOS_VIO_RESPONSE_MAX];
    size_t len = 0;

    if (xvios_vio_apply_answer(d->self_node, &ap->a, state, out, sizeof(out), &len) < 0) {
        struct xvios_vio_err e;
        xvios_vio_fail(&e, XVIOS_VIO_INTERNAL, "the answer does not fit one message");
        xvios_vio_exception(d->self_node, &e, out, sizeof(out), &len);
    }
    answer(d, ap, out, len);
    announce(d, ap);
}

__attribute__((format(printf, 4, 5)))
static void answer_refused(struct xviosd *d, const struct viod_apply *ap, enum xvios_vio_code code, const char *fmt,
                           ...)
{
    static char out[XVIOS_VIO_RESPONSE_MAX];
    struct xvios_vio_err e = { code, "" };
    size_t len = 0;
    va_list va;

    va_start(va, fmt);
    vsnprintf(e.sentence, sizeof(e.sentence), fmt, va);
    va_end(va);
    XLOG_INFO("mapping %s of domain %u %u:%u:%u:%u refused: %s", ap->a.op == XVIOS_VIO_APPLY_ADD ? "add" : "remove",
              ap->a.vtd.client, ap->a.vtd.vhost, ap->a.vtd.chn, ap->a.vtd.tgt, ap->a.vtd.lun, e.sentence);
    if (xvios_vio_exception(d->self_node, &e, out, sizeof(out), &len) == 0)
        answer(d, ap, out, len);
}

/* ---------------------------------------------------------------- the transactions */
struct step {
    struct xviosd *d;
    struct viod_apply *ap;
    enum xvios_vio_code code;    /* a refusal found inside the transaction */
    char why[XVIOS_VIO_SENTENCE_MAX];
    bool done_now;               /* nothing to wait for */
    const struct xvios_db_lu *pool;   /* split store: the pool LU as read before the claim (NULL: none) */
};

__attribute__((format(printf, 3, 4)))
static int refuse(struct step *s, enum xvios_vio_code code, const char *fmt, ...)
{
    va_list va;

    s->code = code;
    va_start(va, fmt);
    vsnprintf(s->why, sizeof(s->why), fmt, va);
    va_end(va);
    return -ECANCELED;
}

/* Run body in a transaction, again on a conflict (EAGAIN): xvios_db_tx_run with the step's refusal reset
 * before each try. */
struct tx_call {
    int (*body)(xvios_tx tx, struct step *s);
    struct step *s;
};

static int call_body(xvios_plat *p, xvios_tx tx, void *arg)
{
    struct tx_call *c = arg;

    (void)p;
    c->s->code = XVIOS_VIO_OK;
    return c->body(tx, c->s);
}

static int in_tx(xvios_plat *p, int (*body)(xvios_tx tx, struct step *s), struct step *s)
{
    struct tx_call c = {.body = body, .s = s};

    return xvios_db_tx_run(p, call_body, &c);
}

static int add_body(xvios_tx tx, struct step *s)
{
    struct xviosd *d = s->d;
    struct viod_apply *ap = s->ap;
    const struct xvios_db_vtd *v = &ap->a.vtd;
    struct xvios_db_lu pool, *pl = NULL;
    struct vhost_view w;
    char why[XVIOS_VIO_SENTENCE_MAX] = "";
    int rc = viod_vh_view(d, tx, v, &w, why, sizeof(why));

    if (rc == -ENOENT)
        return refuse(s, XVIOS_VIO_DOM0_ONLY, "DOM0_ONLY: a new adapter needs dom0: node %u serves no vhost %u of "
                      "domain %u, and a new vhost writes the client's frontend dir, which only dom0 may write: no dom0 "
                      "agent is connected (xvios agent) to the node asked",
                      d->self_node, v->vhost, v->client);
    if (rc == -EPERM)
        return refuse(s, XVIOS_VIO_CONFLICT, "%s", why);
    if (rc < 0)
        return rc;
    if (w.found)
        return refuse(s, XVIOS_VIO_EXISTS, "domain %u has a LUN at %u:%u:%u:%u already", v->client, v->vhost, v->chn,
                      v->tgt, v->lun);
    if (w.be_state != ST_INITIALISING && w.be_state != ST_INITWAIT && w.be_state != ST_CONNECTED)
        return refuse(s, XVIOS_VIO_BUSY, "vhost %u of domain %u is busy (backend state %d); try again", v->vhost,
                      v->client, w.be_state);
    if (w.n_devs >= AP_MAX_DEVS || w.next_index > AP_MAX_INDEX)
        return refuse(s, XVIOS_VIO_CONFLICT, "vhost %u of domain %u has no room for another LUN", v->vhost, v->client);
    if (v->pool_lu[0]) {
        /* read in this transaction: an LU removed meanwhile is not attached; on a split store the pool is in
         * the replicated DB, outside this transaction: the copy read just before the claim */
        if (ap->split)
            rc = s->pool ? (pool = *s->pool, 0) : -ENOENT;
        else
            rc = xvios_db_lu_get(d->plat, tx, v->pool_lu, &pool);
        if (rc == -ENOENT)
            return refuse(s, XVIOS_VIO_NOT_FOUND, "there is no LU '%s' in the pool", v->pool_lu);
        if (rc < 0)
            return rc;
        if (strcmp(pool.backing, v->lu))
            return refuse(s, XVIOS_VIO_CONFLICT, "LU '%s' changed while the request travelled", v->pool_lu);
        if (pool.read_only && !v->read_only)
            return refuse(s, XVIOS_VIO_CONFLICT, "LU '%s' is read-only", v->pool_lu);
        pl = &pool;
    }
    ap->index = w.next_index;
    ap->reconfigure = w.be_state == ST_CONNECTED;
    if ((rc = viod_vh_write_dev(d, tx, v, ap->index, pl)) < 0)
        return rc;
    if (ap->reconfigure && (rc = viod_vh_write_state(d, tx, v, "state", ST_RECONF)) < 0)
        return rc;
    /* on a split store the record is the claim's, in the replicated DB (split_begin) */
    rc = ap->split ? 0 : xvios_db_vtd_put(d->plat, tx, v);
    if (rc == -EACCES)
        return refuse(s, XVIOS_VIO_CONFLICT, "the VTD record of %u:%u:%u:%u of domain %u is not node %u's to write",
                      v->vhost, v->chn, v->tgt, v->lun, v->client, d->self_node);
    s->done_now = !ap->reconfigure;   /* a client not connected yet picks the LUN up when it connects */
    return rc;
}

static int remove_body(xvios_tx tx, struct step *s)
{
    struct xviosd *d = s->d;
    struct viod_apply *ap = s->ap;
    const struct xvios_db_vtd *v = &ap->a.vtd;
    struct vhost_view w;
    char why[XVIOS_VIO_SENTENCE_MAX] = "";
    int rc = viod_vh_view(d, tx, v, &w, why, sizeof(why));

    s->done_now = false;
    if (rc == -EPERM)
        return refuse(s, XVIOS_VIO_CONFLICT, "%s", why);
    if (rc < 0 && rc != -ENOENT)
        return rc;
    if (rc == -ENOENT || !w.found) {
        /* nothing in the backend dir (wiped): only the record is left, and it goes (split: in split_end) */
        if (ap->split) {
            if (!ap->have_rec)
                return refuse(s, XVIOS_VIO_NOT_FOUND, "domain %u has no LUN at %u:%u:%u:%u", v->client, v->vhost,
                              v->chn, v->tgt, v->lun);
            s->done_now = true;
            snprintf(ap->state, sizeof(ap->state), "absent");
            return 0;
        }
        rc = xvios_db_vtd_remove(d->plat, tx, v->client, v->vhost, v->chn, v->tgt, v->lun);
        if (rc == -ENOENT)
            return refuse(s, XVIOS_VIO_NOT_FOUND, "domain %u has no LUN at %u:%u:%u:%u", v->client, v->vhost,
                          v->chn, v->tgt, v->lun);
        if (rc == -EACCES)
            return refuse(s, XVIOS_VIO_CONFLICT, "the VTD record of %u:%u:%u:%u of domain %u is not node %u's",
                          v->vhost, v->chn, v->tgt, v->lun, v->client, d->self_node);
        s->done_now = true;
        snprintf(ap->state, sizeof(ap->state), "absent");
        return rc;
    }
    if (w.n_live <= 1 && w.dev_state >= 0 && w.dev_state < ST_CLOSING)
        return refuse(s, XVIOS_VIO_DOM0_ONLY, "DOM0_ONLY: %u:%u:%u:%u is the last LUN of vhost %u: removing it "
                      "closes the vhost, whose frontend dir only dom0 may remove: no dom0 agent is connected (xvios "
                      "agent) to the node asked", v->vhost, v->chn, v->tgt, v->lun,
                      v->vhost);
    ap->index = w.index;
    if (w.be_state == ST_CONNECTED) {
        ap->reconfigure = true;
        if ((rc = viod_vh_write_state(d, tx, v, "state", ST_RECONF)) < 0)
            return rc;
        char rel[48];
        snprintf(rel, sizeof(rel), "vscsi-devs/dev-%u/state", ap->index);
        snprintf(ap->state, sizeof(ap->state), "connected");
        return viod_vh_write_state(d, tx, v, rel, ST_CLOSING);
    }
    if (w.be_state != ST_INITIALISING && w.be_state != ST_INITWAIT)
        return refuse(s, XVIOS_VIO_BUSY, "vhost %u of domain %u is busy (backend state %d); try again", v->vhost,
                      v->client, w.be_state);
    /* the client never connected: nobody to answer, the LUN goes at once */
    if ((rc = viod_vh_remove_dev(d, tx, v, ap->index)) < 0)
        return rc;
    s->done_now = true;
    snprintf(ap->state, sizeof(ap->state), "initialising");
    if (ap->split)
        return 0;
    rc = xvios_db_vtd_remove(d->plat, tx, v->client, v->vhost, v->chn, v->tgt, v->lun);
    return rc == -ENOENT ? 0 : rc;
}

/* After the hot remove (or to roll back an add): dev-N and the record go; the backend back at 4 if still 7. */
static int finish_body(xvios_tx tx, struct step *s)
{
    struct xviosd *d = s->d;
    const struct xvios_db_vtd *v = &s->ap->a.vtd;
    char be[AP_PATH_MAX];
    int rc;

    if ((rc = viod_vh_remove_dev(d, tx, v, s->ap->index)) < 0)
        return rc;
    if (s->ap->a.op == XVIOS_VIO_APPLY_ADD && viod_vh_be_dir(d, v, be, sizeof(be)) == 0 &&
        viod_vh_state(d->plat, tx, be, "state") == ST_RECONF && (rc = viod_vh_write_state(d, tx, v, "state", ST_CONNECTED)) < 0)
        return rc;
    if (s->ap->split)
        return 0;   /* the record: split_end / split_undo */
    rc = xvios_db_vtd_remove(d->plat, tx, v->client, v->vhost, v->chn, v->tgt, v->lun);
    return rc == -ENOENT ? 0 : rc;
}

/* ---------------------------------------------------------------- the steps of a split store */
/*
 * On a VIOS whose store is the split store (multihost-db) the VTD record is in the replicated DB and the
 * vhost's nodes in this host's store, which no transaction spans (docs/multihost.md): an add claims the
 * record (state attaching) before the nodes' transaction and settles it once the client has the LUN; a
 * remove marks it detaching before and removes it after (xvios/db_vtd_step.h, the steps the CLI takes).
 */

/* Step 1. 0, or -ECANCELED with the refusal in s. */
static int split_begin(struct step *s, struct xvios_db_lu *pool)
{
    struct xviosd *d = s->d;
    struct viod_apply *ap = s->ap;
    const struct xvios_db_vtd *v = &ap->a.vtd;
    struct xvios_db_vtd now;
    int rc;

    if (ap->a.op == XVIOS_VIO_APPLY_ADD) {
        if (v->pool_lu[0]) {
            rc = xvios_db_lu_get(d->plat, XVIOS_TX_NONE, v->pool_lu, pool);
            if (rc == -ENOENT)
                return refuse(s, XVIOS_VIO_NOT_FOUND, "there is no LU '%s' in the pool", v->pool_lu);
            if (rc < 0)
                return refuse(s, XVIOS_VIO_INTERNAL, "node %u could not read LU '%s': %s", d->self_node, v->pool_lu,
                              strerror(-rc));
            s->pool = pool;
        }
        rc = xvios_db_vtd_claim(d->plat, v, &now);
        if (rc == -EEXIST)
            return refuse(s, XVIOS_VIO_EXISTS, "domain %u has a LUN at %u:%u:%u:%u already", v->client, v->vhost,
                          v->chn, v->tgt, v->lun);
        if (rc == -EBUSY)
            return refuse(s, XVIOS_VIO_CONFLICT, "the VTD record of domain %u's %u:%u:%u:%u is left '%s' by a "
                          "multi-host step that did not finish (node %u); a mapping delete removes it", v->client,
                          v->vhost, v->chn, v->tgt, v->lun, xvios_vtd_state_name(now.state), now.node);
        if (rc == -EACCES || rc == -EPERM || rc == -EIO)
            return refuse(s, XVIOS_VIO_CONFLICT, "the VTD record of %u:%u:%u:%u of domain %u is %s", v->vhost,
                          v->chn, v->tgt, v->lun, v->client, rc == -EIO ? "damaged" : "not this node's to write");
        if (rc < 0)
            return refuse(s, rc == -EAGAIN ? XVIOS_VIO_BUSY : XVIOS_VIO_INTERNAL, "node %u could not record the "
                          "mapping in the cluster DB: %s", d->self_node, strerror(-rc));
        ap->rec = *v;
        ap->rec.state = XVIOS_VTD_ATTACHING;
        ap->have_rec = true;
        return 0;
    }
    rc = xvios_db_vtd_get(d->plat, XVIOS_TX_NONE, v->client, v->vhost, v->chn, v->tgt, v->lun, &now);
    if (rc == -ENOENT)
        return 0;   /* no record: the nodes alone, if any */
    if (rc < 0)
        return refuse(s, rc == -EIO ? XVIOS_VIO_CONFLICT : XVIOS_VIO_INTERNAL, "the VTD record of %u:%u:%u:%u of "
                      "domain %u cannot be read: %s", v->vhost, v->chn, v->tgt, v->lun, v->client, strerror(-rc));
    if (now.node != d->self_node)
        return refuse(s, XVIOS_VIO_CONFLICT, "the VTD record of %u:%u:%u:%u of domain %u is node %u's", v->vhost,
                      v->chn, v->tgt, v->lun, v->client, now.node);
    ap->rec = now;
    ap->have_rec = true;
    if (now.state != XVIOS_VTD_SERVED)
        return 0;   /* left in a step by an apply or a CLI that stopped: this remove finishes it */
    rc = xvios_db_vtd_step(d->plat, &now, false, XVIOS_VTD_DETACHING, NULL);
    if (rc < 0)
        return refuse(s, rc == -EAGAIN || rc == -ESTALE || rc == -ENOENT ? XVIOS_VIO_BUSY : XVIOS_VIO_INTERNAL,
                      "node %u could not mark the VTD record detaching: %s; try again", d->self_node,
                      rc == -ESTALE || rc == -ENOENT ? "it changed meanwhile" : strerror(-rc));
    ap->rec.state = XVIOS_VTD_DETACHING;
    ap->marked = true;
    return 0;
}

/* The last step: an add's record settled (no state line), a remove's removed. 0 or -errno. */
static int split_end(struct viod_apply *ap, xvios_plat *p)
{
    int rc;

    if (!ap->have_rec)
        return 0;
    rc = xvios_db_vtd_step(p, &ap->rec, ap->a.op == XVIOS_VIO_APPLY_REMOVE, XVIOS_VTD_SERVED, NULL);
    if (rc == 0 && ap->a.op == XVIOS_VIO_APPLY_ADD)
        ap->rec.state = XVIOS_VTD_SERVED;
    else if (rc == 0)
        ap->have_rec = false;
    return rc;
}

/* Step 1 taken back: an add's claim removed, a remove's mark put back (the LUN is still served). 0 or -errno. */
static int split_undo(struct viod_apply *ap, xvios_plat *p)
{
    int rc;

    if (!ap->have_rec || (ap->a.op == XVIOS_VIO_APPLY_REMOVE && !ap->marked))
        return 0;
    rc = xvios_db_vtd_step(p, &ap->rec, ap->a.op == XVIOS_VIO_APPLY_ADD, XVIOS_VTD_SERVED, NULL);
    if (rc < 0)
        XLOG_WARN("mapping %s of domain %u %u:%u:%u:%u: taking the VTD record back failed (%s): it stays '%s'",
                  ap->a.op == XVIOS_VIO_APPLY_ADD ? "add" : "remove", ap->rec.client, ap->rec.vhost, ap->rec.chn,
                  ap->rec.tgt, ap->rec.lun, strerror(-rc), xvios_vtd_state_name(ap->rec.state));
    else
        XLOG_INFO("mapping %s of domain %u %u:%u:%u:%u: the VTD record taken back (%s)",
                  ap->a.op == XVIOS_VIO_APPLY_ADD ? "add" : "remove", ap->rec.client, ap->rec.vhost, ap->rec.chn,
                  ap->rec.tgt, ap->rec.lun, ap->a.op == XVIOS_VIO_APPLY_ADD ? "the claim removed" : "served again");
    return rc;
}

/* ---------------------------------------------------------------- starting and polling */
static void release(struct viod_apply *ap)
{
    memset(ap, 0, sizeof(*ap));
}

static void start(struct xviosd *d, struct viod_apply *ap)
{
    struct step s = { .d = d, .ap = ap };
    struct xvios_db_lu pool;
    int rc;

    ap->split = d->rdb != NULL;
    if (ap->split && split_begin(&s, &pool) < 0) {
        answer_refused(d, ap, s.code, "%s", s.why);
        release(ap);
        return;
    }
    rc = in_tx(d->plat, ap->a.op == XVIOS_VIO_APPLY_ADD ? add_body : remove_body, &s);
    if (rc < 0 && ap->split)
        split_undo(ap, d->plat);
    if (rc == -ECANCELED) {
        answer_refused(d, ap, s.code, "%s", s.why);
        release(ap);
        return;
    }
    if (rc < 0) {
        answer_refused(d, ap, rc == -EAGAIN ? XVIOS_VIO_BUSY : XVIOS_VIO_INTERNAL, "node %u could not write: %s",
                       d->self_node, strerror(-rc));
        release(ap);
        return;
    }
    if (s.done_now && ap->split && (rc = split_end(ap, d->plat)) < 0) {
        const char *left = "";

        if (ap->a.op == XVIOS_VIO_APPLY_ADD) {   /* the nodes go again, then the claim */
            int rb = in_tx(d->plat, finish_body, &s);
            left = rb < 0 || split_undo(ap, d->plat) < 0 ? "; rolling back failed" : "; rolled back: nothing is left of it";
        } else {
            left = "; the LUN's nodes are gone, its record stays 'detaching' (a delete again removes it)";
        }
        answer_refused(d, ap, XVIOS_VIO_INTERNAL, "node %u could not %s the VTD record in the cluster DB: %s%s",
                       d->self_node, ap->a.op == XVIOS_VIO_APPLY_ADD ? "complete" : "remove", strerror(-rc), left);
        release(ap);
        return;
    }
    XLOG_INFO("mapping %s of domain %u %u:%u:%u:%u: dev-%u written%s", ap->a.op == XVIOS_VIO_APPLY_ADD ? "add" : "remove",
              ap->a.vtd.client, ap->a.vtd.vhost, ap->a.vtd.chn, ap->a.vtd.tgt, ap->a.vtd.lun, ap->index,
              s.done_now ? "" : ", waiting for the client");
    if (s.done_now) {
        answer_ok(d, ap, ap->a.op == XVIOS_VIO_APPLY_ADD ? "initialising" : ap->state);
        release(ap);
        return;
    }
    ap->deadline = xvios_deadline_ms(XVD_APPLY_WAIT_MS);
    ap->next_poll = xvios_deadline_ms(AP_POLL_MS);
}

/* 1: the apply is complete; 0: not yet; -1: it failed (the client refused). */
static int progress(struct xviosd *d, const struct viod_apply *ap)
{
    char be[AP_PATH_MAX], fe[AP_PATH_MAX], rel[48];
    int be_st, dev_st;

    if (viod_vh_be_dir(d, &ap->a.vtd, be, sizeof(be)) < 0 || viod_vh_fe_dir(&ap->a.vtd, fe, sizeof(fe)) < 0)
        return -1;
    snprintf(rel, sizeof(rel), "vscsi-devs/dev-%u/state", ap->index);
    be_st = viod_vh_state(d->plat, XVIOS_TX_NONE, be, "state");
    if (ap->a.op == XVIOS_VIO_APPLY_ADD) {
        dev_st = viod_vh_state(d->plat, XVIOS_TX_NONE, fe, rel);   /* the frontend's word for the LUN */
        if (dev_st == ST_CLOSED)
            return -1;
        return dev_st == ST_CONNECTED && be_st == ST_CONNECTED;
    }
    dev_st = viod_vh_state(d->plat, XVIOS_TX_NONE, be, rel);       /* the engine removed it */
    return dev_st == ST_CLOSED && be_st == ST_CONNECTED;
}

void viod_apply_tick(struct xviosd *d, struct timespec now)
{
    for (unsigned i = 0; i < XVD_MAX_APPLIES; i++) {
        struct viod_apply *ap = &d->applies[i];
        struct step s = { .d = d, .ap = ap };
        int p, rc;

        if (!ap->used || xvios_ts_cmp(ap->next_poll, now) > 0)
            continue;
        ap->next_poll = xvios_deadline_ms(AP_POLL_MS);
        p = progress(d, ap);
        if (p == 0 && xvios_ts_cmp(ap->deadline, now) > 0)
            continue;
        if (ap->a.op == XVIOS_VIO_APPLY_REMOVE && p == 1) {
            rc = in_tx(d->plat, finish_body, &s);
            if (rc < 0)
                answer_refused(d, ap, XVIOS_VIO_INTERNAL, "the LUN was removed but its nodes could not be: %s",
                               strerror(-rc));
            else if (ap->split && (rc = split_end(ap, d->plat)) < 0)
                answer_refused(d, ap, XVIOS_VIO_INTERNAL, "the LUN and its nodes were removed but not its VTD record "
                               "(%s): it stays 'detaching', a delete again removes it", strerror(-rc));
            else
                answer_ok(d, ap, ap->state);
        } else if (ap->a.op == XVIOS_VIO_APPLY_ADD && p == 1) {
            if (ap->split && (rc = split_end(ap, d->plat)) < 0)
                answer_refused(d, ap, XVIOS_VIO_INTERNAL, "the client has the LUN but its VTD record could not be "
                               "completed (%s): it stays 'attaching' (not served by rebuilds); a delete removes it",
                               strerror(-rc));
            else
                answer_ok(d, ap, "connected");
        } else if (ap->a.op == XVIOS_VIO_APPLY_ADD) {
            rc = in_tx(d->plat, finish_body, &s);   /* roll back what this add wrote */
            if (rc >= 0 && ap->split)
                rc = split_undo(ap, d->plat);   /* the nodes first, then the claim */
            answer_refused(d, ap, XVIOS_VIO_UNAVAILABLE, "the client's frontend %s the LUN within %u ms; %s",
                           p < 0 ? "refused" : "did not take", XVD_APPLY_WAIT_MS,
                           rc < 0 ? "rolling back failed" : "rolled back: nothing is left of it");
        } else {
            if (ap->split)
                split_undo(ap, d->plat);   /* still served: the record as it was */
            answer_refused(d, ap, XVIOS_VIO_UNAVAILABLE, "the client's frontend did not let go of the LUN within %u "
                           "ms; it stays marked for removal (state 5) and recorded", XVD_APPLY_WAIT_MS);
        }
        release(ap);
    }
}

int viod_apply_next_deadline(const struct xviosd *d, struct timespec *out)
{
    int have = 0;

    for (unsigned i = 0; i < XVD_MAX_APPLIES; i++)
        if (d->applies[i].used && (!have || xvios_ts_cmp(d->applies[i].next_poll, *out) < 0)) {
            *out = d->applies[i].next_poll;
            have = 1;
        }
    return have;
}

/* A slot, or NULL when XVD_MAX_APPLIES are in progress. Two applies on one vhost at once are not taken. */
static struct viod_apply *slot(struct xviosd *d, const struct xvios_vio_apply *a, bool *busy)
{
    struct viod_apply *free_slot = NULL;

    *busy = false;
    for (unsigned i = 0; i < XVD_MAX_APPLIES; i++) {
        struct viod_apply *ap = &d->applies[i];
        if (!ap->used) {
            if (!free_slot)
                free_slot = ap;
        } else if (ap->a.vtd.client == a->vtd.client && ap->a.vtd.vhost == a->vtd.vhost) {
            *busy = true;
        }
    }
    return *busy ? NULL : free_slot;
}

void viod_apply_start_local(struct xviosd *d, uint32_t caller_id, uint64_t handle, const struct xvios_vio_apply *a)
{
    struct viod_apply tmp = { .a = *a, .local = true, .caller_id = caller_id, .handle = handle }, *ap;
    bool busy;

    ap = slot(d, a, &busy);
    if (!ap) {
        answer_refused(d, &tmp, XVIOS_VIO_BUSY, "node %u is %s; try again", d->self_node,
                       busy ? "changing that vhost already" : "making as many mappings as it takes at once");
        return;
    }
    *ap = tmp;
    ap->used = true;
    start(d, ap);
}

int viod_apply_handle(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                      int *status)
{
    struct xvios_vio_apply a;
    struct viod_apply tmp, *ap;
    bool busy;

    (void)out;
    (void)cap;
    *out_len = 0;
    *status = XVIOS_ST_BAD_PACKET;
    /* only another node's daemon sends it, asking for an answer; never a caller (API_QUERY, API_SEND) */
    if (req->hdr.opcode != XVIOS_OP_CLUSTER_SEND || XVIOS_FLAGS_ORIGIN(req->hdr.flags) != XVIOS_ORIGIN_DAEMON ||
        !(req->hdr.flags & XVIOS_F_RESPONSE) || req->sub.src_node == 0 || req->sub.src_node == d->self_node) {
        d->c.apply_refused++;
        XLOG_WARN("MAPPING_APPLY from node %u not sent by a daemon asking for an answer: refused", req->sub.src_node);
        return HANDLER_RESPOND;
    }
    if (xvios_vio_apply_decode(req->payload, req->hdr.payload_len, &a) < 0 || a.vtd.node != d->self_node) {
        d->c.apply_refused++;
        XLOG_WARN("node %u sent a malformed or misdirected MAPPING_APPLY (%u bytes): refused", req->sub.src_node,
                  req->hdr.payload_len);
        return HANDLER_RESPOND;
    }
    tmp = (struct viod_apply){ .a = a, .peer = req->sub.src_node, .txid = req->hdr.txid, .epoch = req->sub.epoch };
    ap = slot(d, &a, &busy);
    if (!ap) {
        answer_refused(d, &tmp, XVIOS_VIO_BUSY, "node %u is %s; try again", d->self_node,
                       busy ? "changing that vhost already" : "making as many mappings as it takes at once");
        return HANDLER_DEFERRED;   /* answered */
    }
    *ap = tmp;
    ap->used = true;
    start(d, ap);
    return HANDLER_DEFERRED;       /* answered now or when the client has followed */
}
