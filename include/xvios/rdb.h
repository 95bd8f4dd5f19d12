/* SPDX-License-Identifier: MIT */
/*
 * xvios/rdb.h - the replicated cluster DB for a cluster across hosts
 * (xen/plat/rdb/, docs/multihost.md): a store with XenStore's semantics
 * (values, permission lists, transactions failing with -EAGAIN on conflict,
 * watches) whose copy is the same on every member, replicated over Corosync's
 * CPG in agreed order, the pattern of Pacemaker's CIB and Proxmox's pmxcfs.
 *
 * - Each member (one process) joins the CPG group "xvios-db:<cluster>" and
 *   keeps its copy in memory and in its state file (a version counter plus
 *   the tree; replaced atomically after every dispatch that changed it).
 * - A committed transaction is one AGREED multicast of its operations, its
 *   read set (every node it read, listed or changed, as its snapshot showed
 *   it) and its domain. Every member applies the same sequence: a
 *   transaction whose read set no longer holds fails with -EAGAIN on every
 *   member alike (per-node conflicts), and the committer learns the outcome
 *   when its own message comes back. A write outside a transaction is a
 *   transaction that checks nothing.
 * - On every configuration change the members exchange (version, content
 *   hash, serving, incarnation); the serving members' copy, or at a cold
 *   start the newest copy of the incarnation held by a majority of the votes
 *   (copies of different incarnations never compete by version; with no such
 *   majority no copy is chosen and writes fail with -ENOTUNIQ), is taken by
 *   every member whose copy differs, sent in chunks by one member only.
 *   Until that round ends, transactions are refused (-EAGAIN) and commits
 *   wait.
 * - Writes are refused without quorum (-EROFS): libquorum's quorate flag,
 *   kept current by its notification callback, gates every commit, so a
 *   partition without a majority never changes its copy, and takes the
 *   majority's copy when the partition heals.
 *
 * The calls mirror the store calls of xvios/platform.h (same arguments,
 * results and permission rules as the loopback store) on a handle that acts as
 * one domain. Reads never wait; a commit waits for its outcome (at most
 * XVIOS_RDB_COMMIT_MS). The caller owns the event loop: poll xvios_rdb_fd()
 * for POLLIN and call xvios_rdb_dispatch(), which also makes watch events
 * readable with xvios_rdb_watch_read().
 */
#ifndef XVIOS_RDB_H
#define XVIOS_RDB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "xvios/platform.h"

#define XVIOS_RDB_COMMIT_MS 10000u   /* a commit's bound: sync round, send, outcome */
/* The copy's incarnation: 32 hex digits (128 random bits) written with the transaction that creates the
 * cluster DB's root "/xvios" (the library adds it), gone with the root. Copies of different incarnations
 * never merge by version (docs/multihost.md, "Incarnations"). */
#define XVIOS_RDB_INCARNATION "/xvios/incarnation"
#define XVIOS_RDB_MAX_TX    16u      /* open transactions per handle */

typedef struct xvios_rdb xvios_rdb;

struct xvios_rdb_config {
    const char *cluster;      /* group "xvios-db:<cluster>" (CPG bounds the name at 127 bytes) */
    const char *state_file;   /* this member's copy; created when missing */
    uint32_t self_domid;      /* the domain this handle acts as (0: privileged) */
    const char *seed_file;    /* optional: the starting copy while state_file does not exist yet (a member's
                               * first start takes this host's copy, e.g. the toolstack's; the sync round
                               * then picks the cluster's newest as always) */
};

struct xvios_rdb_status {
    uint64_t version;         /* transactions applied to this copy */
    uint64_t hash;            /* its content hash */
    bool quorate;
    bool synced;              /* the last sync round has ended for this member */
    const char *mode;         /* "outside", "syncing", "synced", "broken", "undecided" */
    char incarnation[33];     /* this copy's incarnation: 32 hex digits, or "none" */
    unsigned members;         /* processes in the group */
    uint32_t nodeid;          /* this host's corosync nodeid */
    uint64_t applied, conflicts, refused, failed, rounds, loads, sent_chunks, bad_msgs;
    uint64_t no_quorum;       /* transactions refused at apply time: their ring held no majority of the votes */
    uint32_t ring_votes, expected_votes;   /* the apply-side quorum check (expected 0: off) */
    uint64_t undecided;       /* sync rounds that chose no copy (incarnations without a majority) */
    uint64_t inc_taken;       /* rounds that replaced this member's copy of another incarnation */
};

/* Connect to the local corosync (CPG and quorum), load the state file, join the group. -EINVAL,
 * -ENAMETOOLONG, -ECONNREFUSED (corosync not running), -EPROTO (a state file that is no DB copy),
 * -ETIMEDOUT (the join kept answering TRY_AGAIN for 10 s), -EIO. */
int  xvios_rdb_open(const struct xvios_rdb_config *cfg, xvios_rdb **out);
void xvios_rdb_close(xvios_rdb *r);      /* leaves the group; NULL is fine */
int  xvios_rdb_fd(const xvios_rdb *r);   /* readable when xvios_rdb_dispatch has work or watch events wait */
/* Run the pending callbacks, send what the sync protocol queued, save the copy if it changed.
 * -EPIPE: corosync is gone (final). */
int  xvios_rdb_dispatch(xvios_rdb *r);
void xvios_rdb_status(xvios_rdb *r, struct xvios_rdb_status *st);
/* Every node as "path perms=<XenStore letters+domids> value=<bytes, non-printable as \xHH>" in tree
 * order, then "version=N hash=H": two members with the same copy print the same text. */
int  xvios_rdb_dump(xvios_rdb *r, FILE *out);

/* A cluster name the programs accept for the replicated DB: 1..XVIOS_RDB_CLUSTER_MAX of A-Z a-z 0-9 . _ -
 * (the cluster names of `xvios cluster create`), not "." or "..": it names the CPG group and the state files. */
#define XVIOS_RDB_CLUSTER_MAX 63u
bool xvios_rdb_cluster_name_ok(const char *s);
/* Dispatch until this member's copy is the cluster's (its sync round ended), at most ms: 0, -ETIMEDOUT,
 * -EIO (the copy sent to it did not load), -ENOTUNIQ (the members hold copies of different incarnations and
 * none is held by a majority of the votes: no copy is the cluster's), -EPIPE (corosync gone). A program
 * reads the DB after this. */
int  xvios_rdb_wait_synced(xvios_rdb *r, unsigned ms);
/* This host's name in corosync.conf's nodelist (the entry with this member's corosync nodeid), through
 * corosync's cmap: 0, -ENOENT (no nodelist entry or no name), -ENAMETOOLONG, -ECONNREFUSED, -EIO. */
int  xvios_rdb_host_name(xvios_rdb *r, char *buf, size_t cap);

/* The store (xvios/platform.h semantics). Commits (tx_end with commit, and writes outside a
 * transaction) also return: -EROFS without quorum, -ETIMEDOUT (outcome unknown after
 * XVIOS_RDB_COMMIT_MS), -EPIPE corosync gone, -EMSGSIZE a transaction too large for one message,
 * -EIO this member's copy is out of the running (a copy sent to it did not load) until the next
 * configuration change, -ENOTUNIQ the last sync round chose no copy (copies of different incarnations,
 * none held by a majority of the votes) until a configuration change decides. */
int xvios_rdb_read(xvios_rdb *r, xvios_tx tx, const char *path, char **val, size_t *len);
int xvios_rdb_write(xvios_rdb *r, xvios_tx tx, const char *path, const char *val, size_t len);
int xvios_rdb_mkdir(xvios_rdb *r, xvios_tx tx, const char *path);
int xvios_rdb_rm(xvios_rdb *r, xvios_tx tx, const char *path);
int xvios_rdb_list(xvios_rdb *r, xvios_tx tx, const char *path, char ***names, unsigned *n);
int xvios_rdb_get_perms(xvios_rdb *r, xvios_tx tx, const char *path, struct xvios_perm **perms, unsigned *n);
int xvios_rdb_set_perms(xvios_rdb *r, xvios_tx tx, const char *path, const struct xvios_perm *perms, unsigned n);
int xvios_rdb_tx_start(xvios_rdb *r, xvios_tx *tx);
int xvios_rdb_tx_end(xvios_rdb *r, xvios_tx tx, bool commit);
/* Watches: an event (path, token) when set, then for every applied change at or below path (and for
 * a watch below a removed subtree, its own path); when a sync replaces the copy, every watch fires
 * once with its own path. Delivered when the handle may READ the node or it is gone. */
int xvios_rdb_watch(xvios_rdb *r, const char *path, const char *token);
int xvios_rdb_unwatch(xvios_rdb *r, const char *path, const char *token);
/* 0 and the next event (*path, *token malloc'd); -EAGAIN none. */
int xvios_rdb_watch_read(xvios_rdb *r, char **path, char **token);

/*
 * Behind the store seam: from xvios_rdb_attach on, p's xvios_store_* calls (xvios/platform.h) on the
 * cluster DB's tree, XVIOS_RDB_PREFIX and below, go to the replicated DB (r acting as its own domain), so
 * the cluster DB layer (xvios/db.h) runs on it unchanged; every other path (domains, device nodes, ring
 * setup: what is per host) and the "@introduceDomain"/"@releaseDomain" watches stay the platform's own
 * store, as do identity, links and rings. A transaction belongs to the store of the first path it
 * touches; a path of the other store inside it is -EXDEV. The watch fd is readable when either store has
 * something; reads outside a transaction, tx_start and watch_read dispatch the replicated DB first; the
 * generation is the replicated copy's version. Detach before closing r.
 */
#define XVIOS_RDB_PREFIX "/xvios"   /* the cluster DB's root, XVIOS_DB_ROOT of xvios/db.h */
int  xvios_rdb_attach(xvios_rdb *r, xvios_plat *p);
void xvios_rdb_detach(xvios_plat *p);

#endif /* XVIOS_RDB_H */
