/* SPDX-License-Identifier: MIT */
/*
 * rdb_tree.h - the replicated DB's copy in memory (xen/plat/rdb/): a tree of
 * nodes with XenStore's values and permission lists, the access rules of the
 * loopback store, and the one byte format of a whole copy (persisted per
 * member, sent to a member that syncs). Pure: no I/O.
 *
 * Nodes are kept in one array sorted by path, with '/' ordered before every
 * other character, so a node's subtree follows it contiguously.
 */
#ifndef XVIOS_RDB_TREE_H
#define XVIOS_RDB_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xvios/platform.h"

#define RDB_MAX_NODES  100000u                 /* nodes in one copy */
#define RDB_MAX_DUMP   (64u * 1024u * 1024u)   /* bytes of one encoded copy */

struct rdb_node {
    char *path;
    char *val;                 /* NUL-terminated, len bytes before the NUL */
    size_t len;
    struct xvios_perm *perms;  /* 1..XVIOS_STORE_MAX_PERMS entries */
    unsigned nperms;
    uint64_t mver;             /* the version that created it or last changed its value or permissions */
    uint64_t cver;             /* the version that last created or removed one of its children (or it) */
};

struct rdb_tree {
    struct rdb_node *v;
    unsigned n, cap;
};

enum rdb_op_kind {
    RDB_OP_WRITE    = 1,   /* path, value: creates missing parents */
    RDB_OP_MKDIR    = 2,   /* path: creates it (and parents) when missing */
    RDB_OP_RM       = 3,   /* path: removes the subtree */
    RDB_OP_SETPERMS = 4,   /* path, perms */
};

struct rdb_op {
    enum rdb_op_kind kind;
    char *path;
    char *val;
    size_t len;
    struct xvios_perm *perms;
    unsigned nperms;
};

/*
 * What a transaction saw of one node, checked when it is applied (its read set): a transaction
 * conflicts when any node it read, listed or changed is not as it saw it.
 */
#define RDB_READ_EXISTS  1u   /* the node existed (else: it was absent) */
#define RDB_READ_MVER    2u   /* its value/permissions were looked at or changed: mver must match */
#define RDB_READ_CVER    4u   /* its children were listed: cver must match */
struct rdb_read {
    char *path;
    uint8_t flags;
    uint64_t mver, cver;
};

/* The changes an operation made, for watches: kind 'C' (created/changed) or 'R' (subtree removed). */
typedef void (*rdb_change_fn)(void *ctx, char kind, const char *path);

/* A tree holding only "/" (owner dom0, no access for others). 0 or -ENOMEM. */
int  rdb_tree_init(struct rdb_tree *t);
void rdb_tree_free(struct rdb_tree *t);             /* leaves an empty tree; safe twice */
int  rdb_tree_clone(const struct rdb_tree *src, struct rdb_tree *dst);
void rdb_tree_swap(struct rdb_tree *a, struct rdb_tree *b);
const struct rdb_node *rdb_tree_get(const struct rdb_tree *t, const char *path);

/* XenStore's access rule: domain 0 and the owner (perms[0]) may do anything; listed domains get
 * their entry; everyone else gets perms[0]'s access. */
enum xvios_perm_bits rdb_perm_of(const struct xvios_perm *perms, unsigned n, uint32_t domid);
/* May domid see a change event for path (READ on it, or path no longer exists)? */
bool rdb_tree_may_see(const struct rdb_tree *t, uint32_t domid, const char *path);

/* Access-checked calls as domid; arguments already checked (valid paths, bounds). -ENOENT, -EACCES,
 * -EPERM (giving a node away), -EINVAL (removing "/"), -ENOSPC (RDB_MAX_NODES), -ENOMEM. */
int rdb_tree_read(const struct rdb_tree *t, uint32_t domid, const char *path, char **val, size_t *len);
int rdb_tree_list(const struct rdb_tree *t, uint32_t domid, const char *path, char ***names, unsigned *n);
int rdb_tree_get_perms(const struct rdb_tree *t, uint32_t domid, const char *path,
                       struct xvios_perm **perms, unsigned *n);
/* Apply one operation as domid, stamping what it changes with version ver (mver/cver); on_change (may
 * be NULL) hears every node it changed. On an error the tree may be partly changed: callers apply to
 * a copy (rdb_tree_clone). */
int rdb_tree_apply(struct rdb_tree *t, uint32_t domid, const struct rdb_op *op, uint64_t ver,
                   rdb_change_fn on_change, void *ctx);
/* What t says of path, as a read-set entry's flags/mver/cver (want: RDB_READ_MVER/CVER to check). */
void rdb_tree_observe(const struct rdb_tree *t, const char *path, uint8_t want, struct rdb_read *out);
/* 0 when every entry still holds in t, else -EAGAIN. */
int  rdb_tree_check_reads(const struct rdb_tree *t, const struct rdb_read *reads, unsigned n);

/*
 * The byte format of a whole copy (little-endian): u32 node count, then per node in tree order
 * u16 path length, u32 value length, u16 permission count, u64 mver, u64 cver, the path, the value,
 * and per permission u32 domid + u8 access. rdb_tree_decode checks every length against the buffer and the
 * bounds, every path (valid, sorted, unique, its parent present), every permission, and that "/" is
 * there: -EPROTO (logged) when anything is wrong, the tree untouched.
 */
int rdb_tree_encode(const struct rdb_tree *t, uint8_t **buf, size_t *len);
/* The bytes rdb_tree_encode would produce (a copy over RDB_MAX_DUMP cannot be sent or saved). */
size_t rdb_tree_size(const struct rdb_tree *t);
int rdb_tree_decode(const uint8_t *buf, size_t len, struct rdb_tree *out);
/* FNV-1a 64 of bytes: the content hash members compare. */
uint64_t rdb_hash(const uint8_t *buf, size_t len);
/* The content hash of t (its encoding's): 0 and *hash, or -ENOMEM. */
int rdb_tree_hash(const struct rdb_tree *t, uint64_t *hash);

void rdb_op_release(struct rdb_op *op);
void rdb_read_release(struct rdb_read *r);

#endif /* XVIOS_RDB_TREE_H */
