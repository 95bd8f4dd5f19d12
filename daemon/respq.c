/* SPDX-License-Identifier: MIT */
/*
 * respq.c - the response queue (see respq.h). A flat array scanned
 * linearly: it holds at most a few thousand entries, and every operation is
 * bounded by its capacity.
 */
#include <errno.h>
#include <stdlib.h>

#include "respq.h"
#include "xvios/clock.h"

int viod_respq_init(struct respq *q, unsigned cap)
{
    q->n = 0;
    q->cap = 0;
    q->st = (struct respq_stats){0};
    q->e = NULL;
    if (cap == 0)
        return -EINVAL;
    q->e = calloc(cap, sizeof(*q->e));
    if (!q->e)
        return -ENOMEM;
    q->cap = cap;
    return 0;
}

void viod_respq_dispose(struct respq *q)
{
    free(q->e);
    q->e = NULL;
    q->n = q->cap = 0;
}

static int find(const struct respq *q, uint64_t txid, uint32_t node)
{
    for (unsigned i = 0; i < q->n; i++)
        if (q->e[i].txid == txid && q->e[i].node == node)
            return (int)i;
    return -1;
}

static void del_at(struct respq *q, unsigned i)
{
    q->e[i] = q->e[--q->n];
}

int viod_respq_add(struct respq *q, uint64_t txid, uint32_t node, struct timespec deadline)
{
    if (find(q, txid, node) >= 0)
        return -EEXIST;
    if (q->n >= q->cap)
        return -ENOSPC;
    q->e[q->n++] = (struct respq_entry){ .txid = txid, .node = node, .deadline = deadline };
    return 0;
}

int viod_respq_match(struct respq *q, uint64_t txid, uint32_t node)
{
    int i = find(q, txid, node);

    if (i >= 0) {
        del_at(q, (unsigned)i);
        q->st.matched++;
        return RESPQ_MATCHED;
    }
    if (viod_respq_pending(q, txid, NULL, 0) > 0) {
        q->st.unknown_node++;
        return RESPQ_UNKNOWN_NODE;
    }
    q->st.unknown_txid++;
    return RESPQ_UNKNOWN_TXID;
}

int viod_respq_remove(struct respq *q, uint64_t txid, uint32_t node)
{
    int i = find(q, txid, node);

    if (i < 0)
        return -ENOENT;
    del_at(q, (unsigned)i);
    return 0;
}

int viod_respq_set_deadline(struct respq *q, uint64_t txid, uint32_t node, struct timespec deadline)
{
    int i = find(q, txid, node);

    if (i < 0)
        return -ENOENT;
    q->e[i].deadline = deadline;
    return 0;
}

unsigned viod_respq_remove_tx(struct respq *q, uint64_t txid)
{
    unsigned removed = 0;

    for (unsigned i = 0; i < q->n;) {
        if (q->e[i].txid == txid) {
            del_at(q, i);
            removed++;
        } else {
            i++;
        }
    }
    return removed;
}

unsigned viod_respq_pending(const struct respq *q, uint64_t txid, uint32_t *nodes, unsigned cap)
{
    unsigned n = 0;

    for (unsigned i = 0; i < q->n; i++) {
        if (q->e[i].txid != txid)
            continue;
        if (nodes && n < cap)
            nodes[n] = q->e[i].node;
        n++;
    }
    return n;
}

int viod_respq_pop_expired(struct respq *q, struct timespec now, struct respq_entry *out)
{
    for (unsigned i = 0; i < q->n; i++) {
        if (xvios_ts_cmp(q->e[i].deadline, now) <= 0) {
            *out = q->e[i];
            del_at(q, i);
            q->st.expired++;
            return 1;
        }
    }
    return 0;
}

int viod_respq_next_deadline(const struct respq *q, struct timespec *out)
{
    if (q->n == 0)
        return 0;
    *out = q->e[0].deadline;
    for (unsigned i = 1; i < q->n; i++)
        if (xvios_ts_cmp(q->e[i].deadline, *out) < 0)
            *out = q->e[i].deadline;
    return 1;
}
