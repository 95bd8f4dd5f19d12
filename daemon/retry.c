/* SPDX-License-Identifier: MIT */
/* retry.c - per-send delivery bookkeeping and the re-issue decision (see retry.h). */
#include <string.h>

#include "retry.h"

bool viod_retry_rc_ok(unsigned s) { return s == XVIOS_RC_DELIVERED || s == XVIOS_RC_SENT; }

static bool rc_retryable(unsigned s)
{
    return s == XVIOS_RC_TIMED_OUT || s == XVIOS_RC_UNREACHABLE || s == XVIOS_RC_QUEUE_FULL ||
           s == XVIOS_RC_PENDING;
}

void viod_retry_init(struct retry *r, bool receipts, bool broadcast, const uint32_t *targets, unsigned n_targets,
                unsigned members_hint, unsigned max_retries)
{
    unsigned cap;

    memset(r, 0, sizeof(*r));
    r->receipts = receipts;
    r->max_retries = max_retries;
    r->cur_broadcast = broadcast;
    if (!broadcast) {
        if (n_targets > XVIOS_MAX_NODES)
            n_targets = XVIOS_MAX_NODES;
        memcpy(r->cur, targets, n_targets * sizeof(*targets));
        r->n_cur = n_targets;
    }
    cap = broadcast ? members_hint : n_targets;
    if (cap == 0)
        cap = 1;
    if (cap > XVIOS_MAX_NODES)
        cap = XVIOS_MAX_NODES;
    /* Without receipts the VKE never answers RC_TOO_SMALL, it just leaves
     * out an RC array that does not fit: offer room for every node then. */
    r->rc_capacity = receipts ? (uint16_t)cap : (uint16_t)XVIOS_MAX_NODES;
    r->final_status = XVIOS_ST_OK;
}

static struct xvios_rc_entry *node_slot(struct retry *r, uint32_t node)
{
    for (unsigned i = 0; i < r->n; i++)
        if (r->node[i].node == node)
            return &r->node[i];
    if (r->n >= XVIOS_MAX_NODES)
        return NULL;
    r->node[r->n] = (struct xvios_rc_entry){ .node = node, .status = XVIOS_RC_PENDING };
    return &r->node[r->n++];
}

unsigned viod_retry_failed_count(const struct retry *r)
{
    unsigned n = 0;

    for (unsigned i = 0; i < r->n; i++)
        if (!viod_retry_rc_ok(r->node[i].status))
            n++;
    return n;
}

static void finish(struct retry *r, int vke_status)
{
    unsigned ok = 0, soft = 0, strangers = 0;

    r->done = true;
    r->n_cur = 0;
    if (r->n == 0) {
        r->final_status = vke_status == XVIOS_ST_OK ? XVIOS_ST_NO_TARGETS : vke_status;
        return;
    }
    for (unsigned i = 0; i < r->n; i++) {
        if (r->node[i].status == XVIOS_RC_PENDING)
            r->node[i].status = XVIOS_RC_TIMED_OUT;
        if (viod_retry_rc_ok(r->node[i].status))
            ok++;
        else if (r->node[i].status == XVIOS_RC_TIMED_OUT || r->node[i].status == XVIOS_RC_QUEUE_FULL)
            soft++;
        else if (r->node[i].status == XVIOS_RC_NOT_MEMBER)
            strangers++;
    }
    if (ok == r->n)
        r->final_status = XVIOS_ST_OK;
    else if (ok > 0)
        r->final_status = XVIOS_ST_PARTIAL;
    else if (strangers == r->n)
        r->final_status = XVIOS_ST_NOT_MEMBER; /* no target is in the cluster: a refusal */
    else
        r->final_status = soft ? XVIOS_ST_TIMED_OUT : XVIOS_ST_UNREACHABLE;
}

static void merge(struct retry *r, const struct xvios_rc_entry *rc, unsigned n_rc)
{
    for (unsigned i = 0; i < n_rc; i++) {
        struct xvios_rc_entry *e = node_slot(r, rc[i].node);
        if (e)
            e->status = rc[i].status;
    }
}

enum retry_action viod_retry_on_result(struct retry *r, int status, unsigned rc_needed,
                                  const struct xvios_rc_entry *rc, unsigned n_rc)
{
    unsigned nf = 0;

    if (r->done)
        return RETRY_DONE;
    switch (status) {
    case XVIOS_ST_RC_TOO_SMALL:
        if (!r->receipts || rc_needed <= r->rc_capacity || rc_needed > XVIOS_MAX_NODES ||
            r->grows >= RETRY_MAX_GROWS) {
            finish(r, XVIOS_ST_INTERNAL);
            return RETRY_DONE;
        }
        r->grows++;
        r->rc_capacity = (uint16_t)rc_needed;
        return RETRY_GROW;
    case XVIOS_ST_TRY_AGAIN:
        if (r->backoffs >= RETRY_MAX_BACKOFFS) {
            finish(r, XVIOS_ST_TRY_AGAIN);
            return RETRY_DONE;
        }
        r->backoffs++;
        return RETRY_BACKOFF;
    case XVIOS_ST_OK:
    case XVIOS_ST_PARTIAL:
        break;
    default:
        /* BAD_PACKET, NOT_MEMBER, NO_TARGETS, INTERNAL...: nothing more to try */
        merge(r, rc, n_rc);
        finish(r, status);
        return RETRY_DONE;
    }

    merge(r, rc, n_rc);
    /* a directed send must account for every target it named */
    if (!r->cur_broadcast) {
        for (unsigned i = 0; i < r->n_cur; i++) {
            struct xvios_rc_entry *e = node_slot(r, r->cur[i]);
            bool seen = false;
            for (unsigned j = 0; j < n_rc; j++)
                seen = seen || rc[j].node == r->cur[i];
            if (e && !seen)
                e->status = XVIOS_RC_TIMED_OUT;
        }
    }
    if (r->receipts && r->resends < r->max_retries) {
        for (unsigned i = 0; i < r->n; i++)
            if (rc_retryable(r->node[i].status))
                r->cur[nf++] = r->node[i].node;
    }
    if (nf > 0) {
        r->n_cur = nf;
        r->cur_broadcast = false;
        r->resends++;
        /* the directed re-send needs room for exactly its targets */
        r->rc_capacity = (uint16_t)(nf > r->rc_capacity ? nf : r->rc_capacity);
        return RETRY_RESEND;
    }
    finish(r, status);
    return RETRY_DONE;
}

void viod_retry_abort(struct retry *r, int status, unsigned rc_status)
{
    if (r->done)
        return;
    for (unsigned i = 0; i < r->n_cur; i++) {
        struct xvios_rc_entry *e = node_slot(r, r->cur[i]);
        if (e && !viod_retry_rc_ok(e->status))
            e->status = (uint16_t)rc_status;
    }
    for (unsigned i = 0; i < r->n; i++)
        if (r->node[i].status == XVIOS_RC_PENDING)
            r->node[i].status = (uint16_t)rc_status;
    finish(r, status);
}
