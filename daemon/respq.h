/* SPDX-License-Identifier: MIT */
/*
 * respq.h - the daemon's response queue: one entry per response still due
 * for a send that asked for responses (one per target node), each with a
 * deadline. A CLUSTER_RESPONSE is matched by (txid, source node); a match
 * removes the entry. Bounded: adding past the capacity fails with -ENOSPC.
 */
#ifndef XVIOSD_RESPQ_H
#define XVIOSD_RESPQ_H

#include <stdint.h>
#include <time.h>

struct respq_entry {
    uint64_t txid;
    uint32_t node;
    struct timespec deadline;
};

struct respq_stats {
    uint64_t matched;
    uint64_t expired;
    uint64_t unknown_txid;   /* a response for a txid nothing waits on */
    uint64_t unknown_node;   /* the txid is known but nothing waits on that node (duplicate or stray) */
};

struct respq {
    struct respq_entry *e;   /* unordered; n used */
    unsigned n, cap;
    struct respq_stats st;
};

enum respq_match_result {
    RESPQ_MATCHED = 0,
    RESPQ_UNKNOWN_TXID = -1,
    RESPQ_UNKNOWN_NODE = -2,
};

int  viod_respq_init(struct respq *q, unsigned cap);
void viod_respq_dispose(struct respq *q);

/* 0; -ENOSPC (full); -EEXIST (txid, node) is queued already. */
int viod_respq_add(struct respq *q, uint64_t txid, uint32_t node, struct timespec deadline);
/* Match and remove; returns enum respq_match_result and counts it. */
int viod_respq_match(struct respq *q, uint64_t txid, uint32_t node);
/* Remove without counting (the node failed delivery, the caller left); -ENOENT if absent. */
int viod_respq_remove(struct respq *q, uint64_t txid, uint32_t node);
/* Push an entry's deadline (a re-send); -ENOENT if absent. */
int viod_respq_set_deadline(struct respq *q, uint64_t txid, uint32_t node, struct timespec deadline);
/* Remove every entry of txid; returns how many. */
unsigned viod_respq_remove_tx(struct respq *q, uint64_t txid);
/* Entries still due for txid; with nodes != NULL, their node ids (up to cap). */
unsigned viod_respq_pending(const struct respq *q, uint64_t txid, uint32_t *nodes, unsigned cap);
/* Pop one entry whose deadline is <= now into *out: 1 popped, 0 none. Counts it as expired. */
int viod_respq_pop_expired(struct respq *q, struct timespec now, struct respq_entry *out);
/* The earliest deadline: 1 and *out, or 0 when empty. */
int viod_respq_next_deadline(const struct respq *q, struct timespec *out);

#endif /* XVIOSD_RESPQ_H */
