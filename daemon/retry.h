/* SPDX-License-Identifier: MIT */
/*
 * retry.h - the delivery bookkeeping of one outstanding send: merges each
 * SEND_RESULT's RC array into a per-node outcome and decides what happens
 * next (re-issue to the nodes that sent no receipt, grow the RC capacity
 * and resend, back off, or finish). Pure logic, no I/O: sendop.c does the
 * sending.
 *
 * Re-issue policy: a re-send keeps the txid of the original send (so a late
 * response from a node still matches its response-queue entry) and is
 * directed to the nodes whose last outcome was TIMED_OUT, UNREACHABLE or
 * QUEUE_FULL; NOT_MEMBER is final. At most max_retries re-sends, and only
 * when receipts were requested (without receipts nothing tells us a node
 * missed the message).
 */
#ifndef XVIOSD_RETRY_H
#define XVIOSD_RETRY_H

#include <stdbool.h>
#include <stdint.h>
#include "xvios/wire.h"

#define RETRY_MAX_BACKOFFS 8   /* TRY_AGAIN answers tolerated per send */
#define RETRY_MAX_GROWS    4   /* RC_TOO_SMALL answers tolerated per send */
/* rc_capacity: with receipts, sized to the expected targets (RC_TOO_SMALL grows it);
 * without, XVIOS_MAX_NODES so the VKE's per-node SENT/UNREACHABLE array always fits. */

enum retry_action {
    RETRY_DONE = 0,     /* final: see r->final_status and r->node[] */
    RETRY_RESEND,       /* re-issue to r->cur[] (directed) */
    RETRY_GROW,         /* r->rc_capacity grew: send r->cur[] again */
    RETRY_BACKOFF,      /* the VKE was busy: send r->cur[] again after a pause */
};

struct retry {
    bool receipts;
    unsigned max_retries;
    unsigned resends, grows, backoffs;
    uint16_t rc_capacity;
    /* what the next send goes to */
    bool cur_broadcast;
    unsigned n_cur;
    uint32_t cur[XVIOS_MAX_NODES];
    /* merged per-node outcome, in order of first appearance */
    unsigned n;
    struct xvios_rc_entry node[XVIOS_MAX_NODES];
    bool done;
    int final_status;
};

/*
 * targets/n_targets: the directed targets (ignored with broadcast).
 * members_hint: how many nodes a broadcast is expected to reach (sizes the
 * first RC capacity; RC_TOO_SMALL corrects a wrong guess).
 */
void viod_retry_init(struct retry *r, bool receipts, bool broadcast, const uint32_t *targets, unsigned n_targets,
                unsigned members_hint, unsigned max_retries);

/* Feed one SEND_RESULT (status, rc_needed, decoded RC array). */
enum retry_action viod_retry_on_result(struct retry *r, int status, unsigned rc_needed,
                                  const struct xvios_rc_entry *rc, unsigned n_rc);

/* The send cannot continue (the VKE went away, the operation's deadline passed):
 * every node of the current send without an outcome becomes rc_status; finish. */
void viod_retry_abort(struct retry *r, int status, unsigned rc_status);

/* true when the node's outcome counts as delivered (DELIVERED, or SENT without receipts). */
bool viod_retry_rc_ok(unsigned rc_status);
/* Nodes whose outcome is not ok. */
unsigned viod_retry_failed_count(const struct retry *r);

#endif /* XVIOSD_RETRY_H */
