/* SPDX-License-Identifier: MIT */
/*
 * rdb_handle.h - a replicated DB handle (struct xvios_rdb, xvios/rdb.h),
 * shared by rdb_conn.c (corosync, the event loop, commits) and rdb_store.c
 * (the store calls, transactions, watches).
 */
#ifndef XVIOS_RDB_HANDLE_H
#define XVIOS_RDB_HANDLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <corosync/cpg.h>
#include <corosync/quorum.h>

#include "rdb_core.h"
#include "rdb_watch.h"
#include "xvios/rdb.h"

/* A transaction: its own copy of the tree (answers its reads), the copy as it was taken (what its read
 * set records), the operations it will multicast and its read set. */
struct rdb_txn {
    xvios_tx id;              /* XVIOS_TX_NONE: free slot */
    uint64_t base;            /* the version its copy was taken at */
    struct rdb_tree view;
    struct rdb_tree base_tree;
    struct rdb_op *ops;
    unsigned nops, capops;
    struct rdb_read *reads;
    unsigned nreads, capreads;
    int failed;               /* a change reached the copy but not the operations (-ENOMEM): commit fails */
};

/* The split store behind the platform seam (rdb_seam.c): a transaction is bound to the store of the first
 * path it touches (the replicated DB for XVIOS_RDB_PREFIX, else the platform's own). */
struct xvios_plat_ops;
#define RDB_SEAM_TX 32u
enum { RDB_SEAM_UNBOUND = 0, RDB_SEAM_DB, RDB_SEAM_OWN };
struct rdb_seam {
    const struct xvios_plat_ops *own;   /* the platform's own store (xvios_plat_ops_of) */
    void *own_impl;
    int ep;                   /* epoll: the replicated DB's fd and the own store's watch fd; -1 until attached */
    xvios_tx next;
    struct { xvios_tx id, inner; int where; } tx[RDB_SEAM_TX];
};

/* Each corosync node's votes (corosync.conf's nodelist) and the votes the cluster expects: what the
 * apply-side quorum check weighs a ring with. expected 0: no apply-side check (no quorum provider, or
 * votequorum options under which a ring's majority of the votes is not the quorum rule). */
#define RDB_VOTES_MAX 384u   /* corosync's PROCESSOR_COUNT_MAX */
struct rdb_votes {
    struct { uint32_t nodeid, votes; } node[RDB_VOTES_MAX];
    unsigned n;
    uint32_t expected;
};
/* Read the table through cmap: 0 (expected may be 0), or -errno (the check is then off). */
int rdb_votes_load(struct rdb_votes *v);
uint32_t rdb_votes_of(const struct rdb_votes *v, const uint32_t *nodeids, size_t n);

struct xvios_rdb {
    cpg_handle_t h;
    quorum_handle_t qh;
    bool cpg_open, q_open;
    int cpg_fd, q_fd, ep_fd;
    bool dead;                /* corosync went away: final */
    bool quorate;
    struct cpg_name group;
    char *state_file;
    uint32_t domid;
    struct rdb_core core;
    struct rdb_watches ws;
    bool dirty;               /* the copy changed since it was saved */
    uint64_t next_txid;
    xvios_tx next_tx;
    struct rdb_txn tx[XVIOS_RDB_MAX_TX];
    struct rdb_seam seam;
    struct rdb_votes votes;   /* the apply-side quorum check's table (rdb_host.c) */
};

static inline void rdb_txn_dispose(struct rdb_txn *t)
{
    for (unsigned i = 0; i < t->nops; i++)
        rdb_op_release(&t->ops[i]);
    free(t->ops);
    for (unsigned i = 0; i < t->nreads; i++)
        rdb_read_release(&t->reads[i]);
    free(t->reads);
    rdb_tree_free(&t->view);
    rdb_tree_free(&t->base_tree);
    t->ops = NULL;
    t->reads = NULL;
    t->nops = t->capops = 0;
    t->nreads = t->capreads = 0;
    t->failed = 0;
    t->id = XVIOS_TX_NONE;
}

/* Multicast ops as one transaction and wait for its outcome (rdb_conn.c): the outcome, -EROFS without
 * quorum, -ETIMEDOUT, -EPIPE, -EMSGSIZE. flags: RDB_TX_CHECK to fail unless every read still holds. */
int rdb_commit(struct xvios_rdb *r, uint64_t base, uint32_t flags, const struct rdb_op *ops, unsigned n,
               const struct rdb_read *reads, unsigned nreads);

#endif /* XVIOS_RDB_HANDLE_H */
