/* SPDX-License-Identifier: MIT */
/*
 * db_regrant.c - re-granting the cluster tree after a membership change,
 * bounded whatever members created.
 *
 * XenStore permissions belong to each node, so a membership change must
 * rewrite permission lists. Doing all of /xvios in the membership
 * transaction made that transaction as large as what members had created
 * (and a member could make it fail). Instead:
 *
 *  1. db_regrant_layout(), inside the membership transaction: only the nodes
 *     the DB lays out (top nodes, config, counters, every member's entry and
 *     its identity leaves and online flag): at most 14 + 6 x 63 nodes.
 *  2. db_regrant_tables(), afterwards: every other node below /xvios except
 *     the members' own subtrees (what a member creates below /xvios/nodes/<n>
 *     is its own and keeps its permissions: it is removed with the member),
 *     i.e. the client and adapter tables, walked in depth-first order over
 *     sorted children, DB_REGRANT_BATCH nodes per transaction. Each batch
 *     reads the members again and records the last node it did; the next
 *     starts after it. A node created meanwhile below a node already done
 *     cannot exist for a revoked domain (it lost WRITE there), and one below
 *     a node not yet done is reached later.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/log.h"
#include "xvios/wire.h"

static bool perms_equal(const struct xvios_perm *a, unsigned na, const struct xvios_perm *b, unsigned nb)
{
    if (na != nb)
        return false;
    for (unsigned i = 0; i < na; i++)
        if (a[i].domid != b[i].domid || a[i].perm != b[i].perm)
            return false;
    return true;
}

/* Set path's permissions to what db_perms_for says, if they differ; an absent node is fine. */
static int regrant_one(xvios_plat *p, xvios_tx tx, const char *path, const struct db_member *m, unsigned n)
{
    struct xvios_perm want[XVIOS_STORE_MAX_PERMS];
    struct xvios_perm *cur = NULL;
    unsigned ncur = 0, nwant = 0;
    int rc;

    rc = xvios_store_get_perms(p, tx, path, &cur, &ncur);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        goto out;
    if ((rc = db_perms_for(path, cur[0].domid, m, n, want, &nwant)) < 0)
        goto out;
    if (!perms_equal(cur, ncur, want, nwant))
        rc = xvios_store_set_perms(p, tx, path, want, nwant);
out:
    free(cur);
    return rc;
}

int db_regrant_layout(xvios_plat *p, xvios_tx tx, const struct db_member *m, unsigned n)
{
    static const char *const fixed[] = {
        XVIOS_DB_ROOT, XVIOS_DB_ROOT "/config", XVIOS_DB_ROOT "/config/name", XVIOS_DB_ROOT "/config/max-nodes",
        XVIOS_DB_ROOT "/config/timeout-ms", XVIOS_DB_ROOT "/config/retries", XVIOS_DB_ROOT "/next-node-id",
        XVIOS_DB_ROOT "/nodes", XVIOS_DB_ROOT "/clients", XVIOS_DB_ROOT "/adapters",
        XVIOS_DB_ROOT "/client-uuids", XVIOS_DB_ROOT "/adapter-keys", XVIOS_DB_ROOT "/next-client-id", XVIOS_DB_ROOT "/next-adapter-id",
        XVIOS_DB_ROOT "/pr", XVIOS_DB_ROOT "/vtds",
    };
    static const char *const leaves[] = { NULL, "domid", "name", "uuid", "state", "online" };
    char path[DB_PATH_MAX];
    int rc;

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if ((rc = regrant_one(p, tx, fixed[i], m, n)) < 0)
            return rc;
    for (unsigned k = 0; k < n; k++)
        for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
            rc = leaves[i] ? db_path(path, sizeof(path), XVIOS_DB_ROOT "/nodes/%u/%s", m[k].node, leaves[i])
                           : db_path(path, sizeof(path), XVIOS_DB_ROOT "/nodes/%u", m[k].node);
            if (rc < 0 || (rc = regrant_one(p, tx, path, m, n)) < 0)
                return rc;
        }
    return 0;
}

/* ---------------------------------------------------------------- the batched walk */
/* Depth-first order of paths: component by component, '/' before any name character. */
static int path_order(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char ca = *a == '/' ? 1 : (unsigned char)*a, cb = *b == '/' ? 1 : (unsigned char)*b;
        if (ca != cb || !ca)
            return ca < cb ? -1 : ca > cb;
    }
}

static bool at_or_below(const char *path, const char *top)
{
    size_t n = strlen(top);
    return !strncmp(path, top, n) && (path[n] == '\0' || path[n] == '/');
}

static int name_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

struct batch {
    const struct db_member *m;
    unsigned n;
    const char *after;          /* the last node done by an earlier batch, "" for none */
    char last[XVIOS_STORE_MAX_PATH + 1];  /* the last node this batch did */
    unsigned done;              /* nodes done by this batch */
    bool more;                  /* stopped at DB_REGRANT_BATCH with nodes left */
};

/* 1: the batch is full (stop); 0: go on; <0 error. */
static int walk(xvios_plat *p, xvios_tx tx, struct batch *b, const char *path, unsigned depth)
{
    char **kids = NULL;
    unsigned nkids = 0;
    int rc;

    if (b->after[0] && !at_or_below(b->after, path) && path_order(path, b->after) < 0)
        return 0;                                   /* this subtree was done by an earlier batch */
    if (depth > 1 && !strncmp(path, XVIOS_DB_ROOT "/nodes/", strlen(XVIOS_DB_ROOT "/nodes/")))
        return 0;                                   /* a member's subtree: the layout pass, or its own */
    if (!b->after[0] || path_order(path, b->after) > 0) {
        if (b->done == DB_REGRANT_BATCH) {
            b->more = true;
            return 1;
        }
        b->done++;
        snprintf(b->last, sizeof(b->last), "%s", path);
        if (depth > DB_MAX_DEPTH) {
            /* nothing the cluster writes is this deep; leaving it would leave its old grants in place */
            XLOG_WARN("cluster DB: %s: deeper than %u levels: removed rather than left with stale permissions",
                      path, DB_MAX_DEPTH);
            rc = xvios_store_rm(p, tx, path);
            return rc == -ENOENT ? 0 : rc;
        }
        if ((rc = regrant_one(p, tx, path, b->m, b->n)) < 0)
            return rc;
    }
    rc = xvios_store_list(p, tx, path, &kids, &nkids);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    if (nkids > 1)
        qsort(kids, nkids, sizeof(*kids), name_cmp);  /* xenstored does not promise an order */
    for (unsigned i = 0; i < nkids && rc == 0; i++) {
        size_t len = strlen(path) + strlen(kids[i]) + 2;
        char *child = malloc(len);
        if (!child) {
            rc = -ENOMEM;
            break;
        }
        snprintf(child, len, "%s/%s", path, kids[i]);
        rc = walk(p, tx, b, child, depth + 1);
        free(child);
    }
    xvios_strv_free(kids, nkids);
    return rc;
}

static int batch_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct batch *b = ctx;
    struct db_member *m = NULL;
    unsigned n = 0;
    int rc;

    b->done = 0;
    b->more = false;
    b->last[0] = '\0';
    if ((rc = db_members(p, tx, &m, &n)) < 0)
        return rc;
    b->m = m;
    b->n = n;
    rc = walk(p, tx, b, XVIOS_DB_ROOT, 0);
    b->m = NULL;
    free(m);
    return rc < 0 ? rc : 0;
}

int db_regrant_tables(xvios_plat *p)
{
    char cursor[XVIOS_STORE_MAX_PATH + 1] = "";
    struct batch b;
    unsigned batches = 0;
    int rc;

    do {
        memset(&b, 0, sizeof(b));
        b.after = cursor;
        rc = xvios_db_tx_run(p, batch_body, &b);
        if (rc < 0) {
            XLOG_ERR("cluster DB: re-granting the tables stopped after %u batch(es) at '%s': %s", batches,
                     cursor[0] ? cursor : XVIOS_DB_ROOT, strerror(-rc));
            return rc;
        }
        batches++;
        memcpy(cursor, b.last, sizeof(cursor));
    } while (b.more);
    XLOG_DEBUG("cluster DB: tables re-granted in %u batch(es)", batches);
    return 0;
}
