/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_tx.c - optimistic store transactions and the store "view".
 *
 * A transaction buffers its changes: an overlay (the transaction's version of
 * each node it touched) answers its own reads, and a list of operations is
 * replayed on the disk store at commit. Commit takes the store lock
 * exclusively and compares the store generation (the size of the change log)
 * with the one seen at tx_start: any committed change since then makes the
 * commit fail with -EAGAIN (coarse, like xenstored's own conflicts: callers
 * retry). Nothing of an uncommitted transaction is visible to anyone else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat_loop_internal.h"
#include "xvios/log.h"
#include "xvios/loopback.h"

/* ---------------------------------------------------------------- overlay */
static void ovl_clear(struct loop_ovl *o)
{
    free(o->path);
    free(o->val);
    free(o->perms);
    memset(o, 0, sizeof(*o));
}

static struct loop_ovl *ovl_find(struct loop_tx *t, const char *path)
{
    for (unsigned i = 0; i < t->novl; i++)
        if (!strcmp(t->ovl[i].path, path))
            return &t->ovl[i];
    return NULL;
}

static struct loop_ovl *ovl_add(struct loop_tx *t, const char *path)
{
    struct loop_ovl *o;

    if (t->novl == t->capovl) {
        unsigned ncap = t->capovl ? t->capovl * 2 : 8;
        struct loop_ovl *n = realloc(t->ovl, (size_t)ncap * sizeof(*n));
        if (!n)
            return NULL;
        t->ovl = n;
        t->capovl = ncap;
    }
    o = &t->ovl[t->novl];
    memset(o, 0, sizeof(*o));
    o->path = strdup(path);
    if (!o->path)
        return NULL;
    t->novl++;
    return o;
}

/* Is the disk's version of path hidden by the overlay (an ancestor removed or re-created)? */
static bool ovl_hides_disk(struct loop_tx *t, const char *path)
{
    for (unsigned i = 0; i < t->novl; i++) {
        const struct loop_ovl *o = &t->ovl[i];
        if ((o->deleted || o->opaque) && strcmp(o->path, path) && loop_path_at_or_below(path, o->path))
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------- operation list */
static int op_add(struct loop_tx *t, enum loop_op_kind kind, const char *path, const char *val, size_t len,
                  const struct xvios_perm *perms, unsigned nperms)
{
    struct loop_op *op;

    if (t->nops == t->max_ops) {
        XLOG_WARN("transaction %u: more than %u operations", t->id, t->max_ops);
        return -ENOSPC;
    }
    if (t->nops == t->capops) {
        unsigned ncap = t->capops ? t->capops * 2 : 16;
        struct loop_op *n = realloc(t->ops, (size_t)ncap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        t->ops = n;
        t->capops = ncap;
    }
    op = &t->ops[t->nops];
    memset(op, 0, sizeof(*op));
    op->kind = kind;
    op->path = strdup(path);
    if (!op->path)
        goto nomem;
    if (kind == LOOP_OP_CREATE || kind == LOOP_OP_SETVAL) {
        op->val = malloc(len + 1);
        if (!op->val)
            goto nomem;
        if (len)
            memcpy(op->val, val, len);
        op->val[len] = '\0';
        op->len = len;
    }
    if (kind == LOOP_OP_CREATE || kind == LOOP_OP_SETPERMS) {
        op->perms = loop_perms_dup(perms, nperms);
        if (!op->perms)
            goto nomem;
        op->nperms = nperms;
    }
    t->nops++;
    return 0;
nomem:
    free(op->path);
    free(op->val);
    free(op->perms);
    return -ENOMEM;
}

static void tx_dispose(struct loop_tx *t)
{
    for (unsigned i = 0; i < t->nops; i++) {
        free(t->ops[i].path);
        free(t->ops[i].val);
        free(t->ops[i].perms);
    }
    for (unsigned i = 0; i < t->novl; i++)
        ovl_clear(&t->ovl[i]);
    free(t->ops);
    free(t->ovl);
    memset(t, 0, sizeof(*t));
}

void loop_tx_dispose_all(struct loop_plat *lp)
{
    for (unsigned i = 0; i < LOOP_MAX_TX; i++)
        if (lp->tx[i].id != XVIOS_TX_NONE)
            tx_dispose(&lp->tx[i]);
}

struct loop_tx *loop_tx_find(struct loop_plat *lp, xvios_tx id, int *err)
{
    *err = 0;
    if (id == XVIOS_TX_NONE)
        return NULL;
    for (unsigned i = 0; i < LOOP_MAX_TX; i++)
        if (lp->tx[i].id == id)
            return &lp->tx[i];
    *err = -EINVAL;
    return NULL;
}

/* ---------------------------------------------------------------- views */
int loop_view_get(struct loop_plat *lp, struct loop_tx *t, const char *path, char **val, size_t *len,
                  struct xvios_perm **perms, unsigned *nperms)
{
    struct loop_ovl *o;

    if (!t)
        return loop_disk_get(lp, path, val, len, perms, nperms);
    o = ovl_find(t, path);
    if (o && o->deleted)
        return -ENOENT;
    if (!o)
        return ovl_hides_disk(t, path) ? -ENOENT : loop_disk_get(lp, path, val, len, perms, nperms);
    if (val) {
        *val = malloc(o->len + 1);
        if (!*val)
            return -ENOMEM;
        memcpy(*val, o->val, o->len + 1);
        if (len)
            *len = o->len;
    }
    if (perms) {
        *perms = loop_perms_dup(o->perms, o->nperms);
        if (!*perms) {
            if (val) {
                free(*val);
                *val = NULL;
            }
            return -ENOMEM;
        }
        *nperms = o->nperms;
    }
    return 0;
}

static bool strv_has(char **v, unsigned n, const char *s)
{
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return true;
    return false;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int loop_view_children(struct loop_plat *lp, struct loop_tx *t, const char *path, char ***names, unsigned *n)
{
    char **v = NULL;
    unsigned cnt = 0;
    struct loop_ovl *self;
    size_t plen = strcmp(path, "/") ? strlen(path) : 0;
    int rc;

    if (!t)
        return loop_disk_children(lp, path, names, n);
    rc = loop_view_get(lp, t, path, NULL, NULL, NULL, NULL);
    if (rc < 0)
        return rc;
    self = ovl_find(t, path);
    if (!(self && self->opaque) && !ovl_hides_disk(t, path)) {
        rc = loop_disk_children(lp, path, &v, &cnt);
        if (rc == -ENOENT)
            rc = 0;   /* created inside the transaction */
        if (rc < 0)
            return rc;
    }
    /* drop children removed in the transaction, add the ones it created */
    for (unsigned i = 0; i < cnt;) {
        char child[XVIOS_STORE_MAX_PATH + 2];
        int r = snprintf(child, sizeof(child), "%.*s/%s", (int)plen, path, v[i]);
        struct loop_ovl *o = r > 0 && (size_t)r < sizeof(child) ? ovl_find(t, child) : NULL;
        if (o && o->deleted) {
            free(v[i]);
            v[i] = v[--cnt];
            continue;
        }
        i++;
    }
    for (unsigned i = 0; i < t->novl; i++) {
        const struct loop_ovl *o = &t->ovl[i];
        const char *rest;
        if (o->deleted || strncmp(o->path, path, plen) || o->path[plen] != '/' || !strcmp(o->path, "/"))
            continue;
        rest = o->path + plen + 1;
        if (!rest[0] || strchr(rest, '/') || strv_has(v, cnt, rest))
            continue;
        char **nv = realloc(v, (size_t)(cnt + 1) * sizeof(*nv));
        if (!nv)
            goto nomem;
        v = nv;
        v[cnt] = strdup(rest);
        if (!v[cnt])
            goto nomem;
        cnt++;
    }
    if (cnt)
        qsort(v, cnt, sizeof(*v), name_cmp);
    *names = v;
    *n = cnt;
    return 0;
nomem:
    xvios_strv_free(v, cnt);
    return -ENOMEM;
}

static int ovl_set(struct loop_ovl *o, const char *val, size_t len, const struct xvios_perm *perms, unsigned n)
{
    if (val) {
        char *nv = malloc(len + 1);
        if (!nv)
            return -ENOMEM;
        if (len)
            memcpy(nv, val, len);
        nv[len] = '\0';
        free(o->val);
        o->val = nv;
        o->len = len;
    }
    if (perms) {
        struct xvios_perm *np = loop_perms_dup(perms, n);
        if (!np)
            return -ENOMEM;
        free(o->perms);
        o->perms = np;
        o->nperms = n;
    }
    return 0;
}

int loop_view_create(struct loop_plat *lp, struct loop_tx *t, const char *path, const char *val, size_t len,
                     const struct xvios_perm *perms, unsigned nperms)
{
    struct loop_ovl *o;
    bool recreated;
    int rc;

    if (!t)
        return loop_disk_create(lp, path, val, len, perms, nperms);
    rc = op_add(t, LOOP_OP_CREATE, path, val, len, perms, nperms);
    if (rc < 0)
        return rc;
    o = ovl_find(t, path);
    recreated = o && o->deleted;
    if (!o && !(o = ovl_add(t, path)))
        return -ENOMEM;
    o->deleted = false;
    /* Re-created after removal in this transaction: what the disk has below is gone. */
    o->opaque = o->opaque || recreated;
    return ovl_set(o, val ? val : "", len, perms, nperms);
}

/* The overlay entry for an existing node, filled from the disk on first touch. */
static int ovl_touch(struct loop_plat *lp, struct loop_tx *t, const char *path, struct loop_ovl **out)
{
    struct loop_ovl *o = ovl_find(t, path);
    char *val = NULL;
    size_t len = 0;
    struct xvios_perm *perms = NULL;
    unsigned n = 0;
    int rc;

    if (o) {
        *out = o;
        return o->deleted ? -ENOENT : 0;
    }
    rc = loop_view_get(lp, t, path, &val, &len, &perms, &n);
    if (rc < 0)
        return rc;
    o = ovl_add(t, path);
    if (!o) {
        free(val);
        free(perms);
        return -ENOMEM;
    }
    o->val = val;
    o->len = len;
    o->perms = perms;
    o->nperms = n;
    *out = o;
    return 0;
}

int loop_view_set_value(struct loop_plat *lp, struct loop_tx *t, const char *path, const char *val, size_t len)
{
    struct loop_ovl *o;
    int rc;

    if (!t)
        return loop_disk_set_value(lp, path, val, len);
    if ((rc = ovl_touch(lp, t, path, &o)) < 0 || (rc = op_add(t, LOOP_OP_SETVAL, path, val, len, NULL, 0)) < 0)
        return rc;
    return ovl_set(o, val ? val : "", len, NULL, 0);
}

int loop_view_set_perms(struct loop_plat *lp, struct loop_tx *t, const char *path,
                        const struct xvios_perm *perms, unsigned n)
{
    struct loop_ovl *o;
    int rc;

    if (!t)
        return loop_disk_set_perms(lp, path, perms, n);
    if ((rc = ovl_touch(lp, t, path, &o)) < 0 || (rc = op_add(t, LOOP_OP_SETPERMS, path, NULL, 0, perms, n)) < 0)
        return rc;
    return ovl_set(o, NULL, 0, perms, n);
}

int loop_view_remove(struct loop_plat *lp, struct loop_tx *t, const char *path)
{
    struct loop_ovl *o;
    int rc;

    if (!t)
        return loop_disk_remove(lp, path);
    rc = op_add(t, LOOP_OP_REMOVE, path, NULL, 0, NULL, 0);
    if (rc < 0)
        return rc;
    /* forget everything the transaction did below path */
    for (unsigned i = 0; i < t->novl;) {
        if (strcmp(t->ovl[i].path, path) && loop_path_at_or_below(t->ovl[i].path, path)) {
            ovl_clear(&t->ovl[i]);
            t->ovl[i] = t->ovl[--t->novl];
            continue;
        }
        i++;
    }
    o = ovl_find(t, path);
    if (!o && !(o = ovl_add(t, path)))
        return -ENOMEM;
    free(o->val);
    free(o->perms);
    o->val = NULL;
    o->perms = NULL;
    o->len = 0;
    o->nperms = 0;
    o->deleted = true;
    o->opaque = false;
    return 0;
}

/* ---------------------------------------------------------------- start / end */
int loop_tx_start(void *impl, xvios_tx *tx)
{
    struct loop_plat *lp = impl;
    struct loop_tx *t = NULL;
    unsigned open_tx = 0, max_tx = lp->self_domid ? LOOP_QUOTA_TX : LOOP_MAX_TX;
    int lk, rc;

    for (unsigned i = 0; i < LOOP_MAX_TX; i++) {
        if (lp->tx[i].id != XVIOS_TX_NONE)
            open_tx++;
        else if (!t)
            t = &lp->tx[i];
    }
    if (!t || open_tx >= max_tx) {
        XLOG_WARN("more than %u open transactions on one store handle", max_tx);
        return -ENOSPC;
    }
    lk = loop_lock(lp, false);
    if (lk < 0)
        return lk;
    rc = loop_generation(lp, &t->gen);
    loop_unlock(lk);
    if (rc < 0)
        return rc;
    t->max_ops = lp->self_domid ? LOOP_QUOTA_TX_OPS : LOOP_MAX_TX_OPS;
    t->created = 0;
    do {
        t->id = ++lp->next_tx;
    } while (t->id == XVIOS_TX_NONE);
    *tx = t->id;
    return 0;
}

static int replay(struct loop_plat *lp, const struct loop_op *op)
{
    switch (op->kind) {
    case LOOP_OP_CREATE:   return loop_disk_create(lp, op->path, op->val, op->len, op->perms, op->nperms);
    case LOOP_OP_SETVAL:   return loop_disk_set_value(lp, op->path, op->val, op->len);
    case LOOP_OP_SETPERMS: return loop_disk_set_perms(lp, op->path, op->perms, op->nperms);
    case LOOP_OP_REMOVE:   return loop_disk_remove(lp, op->path);
    }
    return -EINVAL;
}

int loop_tx_end(void *impl, xvios_tx id, bool commit)
{
    struct loop_plat *lp = impl;
    struct loop_tx *t;
    char *lines = NULL;
    size_t llen = 0, lcap = 0;
    uint64_t gen;
    int lk = -1, rc;

    t = loop_tx_find(lp, id, &rc);
    if (!t)
        return -EINVAL;
    if (!commit) {
        rc = 0;
        goto out;
    }
    lk = loop_lock(lp, true);
    if (lk < 0) {
        rc = lk;
        goto out;
    }
    rc = loop_generation(lp, &gen);
    if (rc < 0)
        goto out;
    if (gen != t->gen || (lp->fail_every && ++lp->commits % lp->fail_every == 0)) {
        rc = -EAGAIN;   /* a real conflict, or one forced by xvios_loop_tx_fail_every() */
        goto out;
    }
    /* the change lines, built first so a failure here leaves the store untouched */
    for (unsigned i = 0; i < t->nops; i++) {
        size_t need = strlen(t->ops[i].path) + 3;
        if (llen + need + 1 > lcap) {
            size_t ncap = (llen + need + 1) * 2;
            char *n = realloc(lines, ncap);
            if (!n) {
                rc = -ENOMEM;
                goto out;
            }
            lines = n;
            lcap = ncap;
        }
        llen += (size_t)sprintf(lines + llen, "%c %s\n", t->ops[i].kind == LOOP_OP_REMOVE ? 'R' : 'C',
                                t->ops[i].path);
    }
    for (unsigned i = 0; i < t->nops; i++) {
        rc = replay(lp, &t->ops[i]);
        if (rc < 0) {
            XLOG_ERR("transaction %u: commit failed at operation %u of %u (%s): store may be partly updated",
                     t->id, i + 1, t->nops, strerror(-rc));
            rc = -EIO;
            break;
        }
    }
    if (llen) {
        int r = loop_log_append(lp, lines, llen);
        if (r < 0 && rc == 0)
            rc = r;
    }
out:
    loop_unlock(lk);
    free(lines);
    tx_dispose(t);
    return rc;
}

int xvios_loop_tx_fail_every(xvios_plat *p, unsigned n)
{
    struct loop_plat *lp = xvios_plat_impl_of_kind(p, XVIOS_PLAT_LOOPBACK);

    if (!lp)
        return -EOPNOTSUPP;
    lp->fail_every = n;
    lp->commits = 0;
    return 0;
}
