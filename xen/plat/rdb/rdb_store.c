/* SPDX-License-Identifier: MIT */
/*
 * rdb_store.c - the store calls of the replicated DB (xvios/rdb.h), with the
 * platform store's argument checks: reads answer from this member's copy
 * (or a transaction's own copy), changes inside a transaction are checked
 * against that copy and collected, a commit multicasts them (rdb_conn.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_handle.h"
#include "rdb_inc.h"
#include "rdb_msg.h"
#include "xen/plat/plat_ops.h"
#include "xvios/log.h"

static struct rdb_txn *txn_find(struct xvios_rdb *r, xvios_tx id, int *err)
{
    *err = 0;
    if (id == XVIOS_TX_NONE)
        return NULL;
    for (unsigned i = 0; i < XVIOS_RDB_MAX_TX; i++)
        if (r->tx[i].id == id)
            return &r->tx[i];
    *err = -EINVAL;
    return NULL;
}

/* Record in t's read set what its copy, as taken, says of path (want: RDB_READ_MVER/CVER); an entry
 * for path already there gains the new check. 0, -ENOSPC (RDB_TX_MAX_READS), -ENOMEM. */
static int txn_note(struct rdb_txn *t, const char *path, uint8_t want)
{
    struct rdb_read *e;

    for (unsigned i = 0; i < t->nreads; i++) {
        if (strcmp(t->reads[i].path, path))
            continue;
        char *keep = t->reads[i].path;
        rdb_tree_observe(&t->base_tree, path, (uint8_t)(t->reads[i].flags | want), &t->reads[i]);
        t->reads[i].path = keep;
        return 0;
    }
    if (t->nreads == RDB_TX_MAX_READS) {
        XLOG_WARN("rdb: transaction %u: more than %u nodes looked at", t->id, RDB_TX_MAX_READS);
        return -ENOSPC;
    }
    if (t->nreads == t->capreads) {
        unsigned ncap = t->capreads ? t->capreads * 2 : 16;
        struct rdb_read *n = realloc(t->reads, (size_t)ncap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        t->reads = n;
        t->capreads = ncap;
    }
    e = &t->reads[t->nreads];
    rdb_tree_observe(&t->base_tree, path, want, e);
    if (!(e->path = strdup(path)))
        return -ENOMEM;
    t->nreads++;
    return 0;
}

/* The copy a call reads: the transaction's (noting path in its read set with want), or this member's.
 * NULL and *err for an unknown id or a read set that cannot grow. */
static const struct rdb_tree *view_of(struct xvios_rdb *r, xvios_tx tx, const char *path, uint8_t want, int *err)
{
    struct rdb_txn *t = txn_find(r, tx, err);

    if (*err)
        return NULL;
    if (!t)
        return &r->core.tree;
    if ((*err = txn_note(t, path, want)) < 0)
        return NULL;
    return &t->view;
}

int xvios_rdb_read(xvios_rdb *r, xvios_tx tx, const char *path, char **val, size_t *len)
{
    const struct rdb_tree *v;
    int rc;

    if (!val || !xvios_store_path_valid(path, false))
        return -EINVAL;
    *val = NULL;
    if (len)
        *len = 0;
    if (!(v = view_of(r, tx, path, RDB_READ_MVER, &rc)))
        return rc;
    return rdb_tree_read(v, r->domid, path, val, len);
}

int xvios_rdb_list(xvios_rdb *r, xvios_tx tx, const char *path, char ***names, unsigned *n)
{
    const struct rdb_tree *v;
    int rc;

    if (!names || !n || !xvios_store_path_valid(path, false))
        return -EINVAL;
    *names = NULL;
    *n = 0;
    if (!(v = view_of(r, tx, path, RDB_READ_CVER, &rc)))
        return rc;
    return rdb_tree_list(v, r->domid, path, names, n);
}

int xvios_rdb_get_perms(xvios_rdb *r, xvios_tx tx, const char *path, struct xvios_perm **perms, unsigned *n)
{
    const struct rdb_tree *v;
    int rc;

    if (!perms || !n || !xvios_store_path_valid(path, false))
        return -EINVAL;
    *perms = NULL;
    *n = 0;
    if (!(v = view_of(r, tx, path, RDB_READ_MVER, &rc)))
        return rc;
    return rdb_tree_get_perms(v, r->domid, path, perms, n);
}

/* A deep copy of op appended to t's operations. */
static int txn_add(struct rdb_txn *t, const struct rdb_op *op)
{
    struct rdb_op *d;

    if (t->nops == RDB_TX_MAX_OPS) {
        XLOG_WARN("rdb: transaction %u: more than %u operations", t->id, RDB_TX_MAX_OPS);
        return -ENOSPC;
    }
    if (t->nops == t->capops) {
        unsigned ncap = t->capops ? t->capops * 2 : 8;
        struct rdb_op *n = realloc(t->ops, (size_t)ncap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        t->ops = n;
        t->capops = ncap;
    }
    d = &t->ops[t->nops];
    memset(d, 0, sizeof(*d));
    d->kind = op->kind;
    d->len = op->len;
    d->nperms = op->nperms;
    if (!(d->path = strdup(op->path)))
        goto nomem;
    if (op->kind == RDB_OP_WRITE) {
        if (!(d->val = malloc(op->len + 1)))
            goto nomem;
        if (op->len)
            memcpy(d->val, op->val, op->len);
        d->val[op->len] = '\0';
    }
    if (op->nperms) {
        if (!(d->perms = malloc((size_t)op->nperms * sizeof(*d->perms))))
            goto nomem;
        memcpy(d->perms, op->perms, (size_t)op->nperms * sizeof(*d->perms));
    }
    t->nops++;
    return 0;
nomem:
    rdb_op_release(d);
    return -ENOMEM;
}

/* path is root or below it */
static bool under_root_of(const char *path, const char *root)
{
    size_t n = strlen(root);
    return !strncmp(path, root, n) && (path[n] == '\0' || path[n] == '/');
}

static bool under_root(const char *path)
{
    return under_root_of(path, XVIOS_RDB_PREFIX);
}

/* The write of a new incarnation id (rdb_inc.h), hex its value: 0, -errno (no random bits). */
static int new_incarnation_op(char hex[RDB_INC_HEX + 1], struct rdb_op *op)
{
    int rc = rdb_inc_new(hex);

    if (rc < 0) {
        XLOG_ERR("rdb: no random bits for the new cluster DB's incarnation: %s", strerror(-rc));
        return rc;
    }
    *op = (struct rdb_op){ .kind = RDB_OP_WRITE, .path = (char *)XVIOS_RDB_INCARNATION, .val = hex,
                           .len = RDB_INC_HEX };
    XLOG_INFO("rdb: this transaction creates the cluster DB: incarnation %s", hex);
    return 0;
}

/* A transaction creates the cluster DB's root: before lacks it, after has it without an incarnation. */
static bool creates_root(const struct rdb_tree *before, const struct rdb_tree *after)
{
    return !rdb_tree_get(before, XVIOS_RDB_PREFIX) && rdb_tree_get(after, XVIOS_RDB_PREFIX) &&
           !rdb_tree_get(after, XVIOS_RDB_INCARNATION);
}

/* A change outside a transaction: committed alone, with a new incarnation when it creates the root (a
 * write or mkdir at or below it while this copy has none). */
static int change_alone(struct xvios_rdb *r, const struct rdb_op *op)
{
    struct rdb_op ops[2] = { *op };
    char hex[RDB_INC_HEX + 1];
    unsigned n = 1;
    int rc;

    if ((op->kind == RDB_OP_WRITE || op->kind == RDB_OP_MKDIR) && under_root(op->path) &&
        !rdb_tree_get(&r->core.tree, XVIOS_RDB_PREFIX) && !under_root_of(op->path, XVIOS_RDB_INCARNATION)) {
        if ((rc = new_incarnation_op(hex, &ops[1])) < 0)
            return rc;
        n = 2;
    }
    return rdb_commit(r, 0, 0, ops, n, NULL, 0);
}

/* A change: inside a transaction, checked against its copy and collected; outside, committed alone. */
static int change(struct xvios_rdb *r, xvios_tx tx, const struct rdb_op *op)
{
    struct rdb_txn *t;
    int rc;

    t = txn_find(r, tx, &rc);
    if (rc < 0)
        return rc;
    if (!t)
        return change_alone(r, op);
    if (t->nops == RDB_TX_MAX_OPS)
        return -ENOSPC;
    /* a node it changes is in its read set too: another change of it in between is a conflict */
    if ((rc = txn_note(t, op->path, RDB_READ_MVER)) < 0)
        return rc;
    if ((rc = rdb_tree_apply(&t->view, r->domid, op, t->base + 1, NULL, NULL)) < 0)
        return rc;
    if ((rc = txn_add(t, op)) < 0)
        t->failed = rc;   /* the copy has the change, the operations have not: the commit must fail */
    return rc;
}

int xvios_rdb_write(xvios_rdb *r, xvios_tx tx, const char *path, const char *val, size_t len)
{
    if (!xvios_store_path_valid(path, false) || (len && !val) || !strcmp(path, "/"))
        return -EINVAL;
    if (len > XVIOS_STORE_MAX_VALUE)
        return -E2BIG;
    struct rdb_op op = { .kind = RDB_OP_WRITE, .path = (char *)path, .val = (char *)(val ? val : ""), .len = len };
    return change(r, tx, &op);
}

int xvios_rdb_mkdir(xvios_rdb *r, xvios_tx tx, const char *path)
{
    if (!xvios_store_path_valid(path, false))
        return -EINVAL;
    struct rdb_op op = { .kind = RDB_OP_MKDIR, .path = (char *)path };
    return change(r, tx, &op);
}

int xvios_rdb_rm(xvios_rdb *r, xvios_tx tx, const char *path)
{
    if (!xvios_store_path_valid(path, false) || !strcmp(path, "/"))
        return -EINVAL;
    struct rdb_op op = { .kind = RDB_OP_RM, .path = (char *)path };
    return change(r, tx, &op);
}

int xvios_rdb_set_perms(xvios_rdb *r, xvios_tx tx, const char *path, const struct xvios_perm *perms, unsigned n)
{
    if (!xvios_store_path_valid(path, false) || !perms || n == 0 || n > XVIOS_STORE_MAX_PERMS)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++)
        if ((unsigned)perms[i].perm > XVIOS_PERM_BOTH || perms[i].domid > 0xffffu)
            return -EINVAL;
    struct rdb_op op = { .kind = RDB_OP_SETPERMS, .path = (char *)path, .perms = (struct xvios_perm *)perms,
                         .nperms = n };
    return change(r, tx, &op);
}

int xvios_rdb_tx_start(xvios_rdb *r, xvios_tx *tx)
{
    struct rdb_txn *t = NULL;
    int rc;

    if (!tx)
        return -EINVAL;
    *tx = XVIOS_TX_NONE;
    for (unsigned i = 0; i < XVIOS_RDB_MAX_TX && !t; i++)
        if (r->tx[i].id == XVIOS_TX_NONE)
            t = &r->tx[i];
    if (!t) {
        XLOG_WARN("rdb: more than %u open transactions on one handle", XVIOS_RDB_MAX_TX);
        return -ENOSPC;
    }
    if ((rc = rdb_tree_clone(&r->core.tree, &t->view)) < 0)
        return rc;
    if ((rc = rdb_tree_clone(&r->core.tree, &t->base_tree)) < 0) {
        rdb_tree_free(&t->view);
        return rc;
    }
    t->base = r->core.version;
    t->nops = t->capops = 0;
    t->ops = NULL;
    t->nreads = t->capreads = 0;
    t->reads = NULL;
    t->failed = 0;
    do {
        t->id = ++r->next_tx;
    } while (t->id == XVIOS_TX_NONE);
    *tx = t->id;
    return 0;
}

int xvios_rdb_tx_end(xvios_rdb *r, xvios_tx tx, bool commit)
{
    struct rdb_txn *t;
    int rc;

    if (tx == XVIOS_TX_NONE || !(t = txn_find(r, tx, &rc)))
        return -EINVAL;
    if (commit && !t->failed && t->nops) {
        /* the transaction that creates the cluster DB's root gives it its incarnation */
        struct rdb_op op;
        char hex[RDB_INC_HEX + 1];
        if (creates_root(&t->base_tree, &t->view) && ((rc = new_incarnation_op(hex, &op)) < 0 ||
                                                      (rc = change(r, tx, &op)) < 0))
            t->failed = rc;
    }
    if (commit && t->failed)
        rc = t->failed;
    else
        rc = commit && t->nops ? rdb_commit(r, t->base, RDB_TX_CHECK, t->ops, t->nops, t->reads, t->nreads) : 0;
    rdb_txn_dispose(t);
    return rc;
}

static bool token_ok(const char *token)
{
    return token && token[0] && strlen(token) <= XVIOS_STORE_MAX_PATH;
}

int xvios_rdb_watch(xvios_rdb *r, const char *path, const char *token)
{
    if (!xvios_store_path_valid(path, false) || !token_ok(token))
        return -EINVAL;
    return rdb_watches_add(&r->ws, path, token);
}

int xvios_rdb_unwatch(xvios_rdb *r, const char *path, const char *token)
{
    if (!xvios_store_path_valid(path, false) || !token_ok(token))
        return -EINVAL;
    return rdb_watches_remove(&r->ws, path, token);
}

int xvios_rdb_watch_read(xvios_rdb *r, char **path, char **token)
{
    if (!path || !token)
        return -EINVAL;
    return rdb_watches_next(&r->ws, path, token);
}
