/* SPDX-License-Identifier: MIT */
/*
 * cpg_sendq.h - the bounded FIFO of multicasts that corosync refused with
 * CS_ERR_TRY_AGAIN, each with its deadline. Pure (unit-tested alone): the
 * caller passes the send function and the clock reading.
 */
#ifndef XVIOS_CPG_SENDQ_H
#define XVIOS_CPG_SENDQ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "xvios/cpg.h"

struct cpg_sendq_item {
    uint8_t *msg;                  /* header + payload, malloc'd */
    size_t len;
    struct timespec deadline;
    uint64_t tag;
};

struct cpg_sendq {
    struct cpg_sendq_item q[XVIOS_CPG_QUEUE_MAX];
    unsigned head, n;
};

/* Take ownership of msg (on success only). -ENOBUFS full. */
int cpg_sendq_push(struct cpg_sendq *q, uint8_t *msg, size_t len, const struct timespec *deadline, uint64_t tag);
/*
 * First drop every item whose deadline is at or before now (expired(ctx, tag)
 * for each, in order), then send the rest in order with send(ctx, msg, len):
 * it returns 0 sent, -EAGAIN try again later (stop here, keep the item),
 * another negative errno (stop, keep the item, return it). Returns the number
 * sent, or that error.
 */
int cpg_sendq_run(struct cpg_sendq *q, const struct timespec *now,
                  int (*send)(void *ctx, const uint8_t *msg, size_t len),
                  void (*expired)(void *ctx, uint64_t tag), void *ctx);
/* The earliest deadline in the queue: 0, or -ENOENT when empty. */
int cpg_sendq_next_deadline(const struct cpg_sendq *q, struct timespec *when);
/* Free everything (no callbacks). */
void cpg_sendq_clear(struct cpg_sendq *q);

#endif /* XVIOS_CPG_SENDQ_H */
