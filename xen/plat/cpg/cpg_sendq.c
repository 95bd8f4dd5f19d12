/* SPDX-License-Identifier: MIT */
/* cpg_sendq.c - the bounded TRY_AGAIN queue (cpg_sendq.h). */
#include <errno.h>
#include <stdlib.h>

#include "cpg_sendq.h"
#include "xvios/clock.h"

static struct cpg_sendq_item *at(struct cpg_sendq *q, unsigned i)
{
    return &q->q[(q->head + i) % XVIOS_CPG_QUEUE_MAX];
}

static void pop(struct cpg_sendq *q)
{
    struct cpg_sendq_item *it = at(q, 0);
    free(it->msg);
    *it = (struct cpg_sendq_item){ 0 };
    q->head = (q->head + 1) % XVIOS_CPG_QUEUE_MAX;
    q->n--;
}

int cpg_sendq_push(struct cpg_sendq *q, uint8_t *msg, size_t len, const struct timespec *deadline, uint64_t tag)
{
    if (q->n >= XVIOS_CPG_QUEUE_MAX)
        return -ENOBUFS;
    *at(q, q->n) = (struct cpg_sendq_item){ .msg = msg, .len = len, .deadline = *deadline, .tag = tag };
    q->n++;
    return 0;
}

int cpg_sendq_run(struct cpg_sendq *q, const struct timespec *now,
                  int (*send)(void *ctx, const uint8_t *msg, size_t len),
                  void (*expired)(void *ctx, uint64_t tag), void *ctx)
{
    /* Deadlines need not be in queue order: keep the unexpired ones in order, fail the others. */
    unsigned kept = 0, n = q->n;
    for (unsigned i = 0; i < n; i++) {
        struct cpg_sendq_item it = *at(q, i);
        if (xvios_ts_cmp(*now, it.deadline) >= 0) {
            free(it.msg);
            if (expired)
                expired(ctx, it.tag);
        } else {
            *at(q, kept++) = it;
        }
    }
    for (unsigned i = kept; i < n; i++)
        *at(q, i) = (struct cpg_sendq_item){ 0 };
    q->n = kept;

    int sent = 0;
    while (q->n > 0) {
        struct cpg_sendq_item *it = at(q, 0);
        int rc = send(ctx, it->msg, it->len);
        if (rc == -EAGAIN)
            break;
        if (rc < 0)
            return rc;
        pop(q);
        sent++;
    }
    return sent;
}

int cpg_sendq_next_deadline(const struct cpg_sendq *q, struct timespec *when)
{
    if (q->n == 0)
        return -ENOENT;
    struct timespec best = q->q[q->head].deadline;
    for (unsigned i = 1; i < q->n; i++) {
        struct timespec d = q->q[(q->head + i) % XVIOS_CPG_QUEUE_MAX].deadline;
        if (xvios_ts_cmp(d, best) < 0)
            best = d;
    }
    *when = best;
    return 0;
}

void cpg_sendq_clear(struct cpg_sendq *q)
{
    while (q->n > 0)
        pop(q);
    q->head = 0;
}
