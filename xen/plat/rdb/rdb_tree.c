/* SPDX-License-Identifier: MIT */
/*
 * rdb_tree.c - the replicated DB's copy in memory: nodes sorted by path,
 * XenStore's access rules (as the loopback store applies them), the byte
 * format of a whole copy and its content hash. rdb_tree.h has the rules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_tree.h"
#include "xen/plat/plat_ops.h"
#include "xvios/log.h"
#include "xvios/wire.h"

/* ---------------------------------------------------------------- order */
/* Path order with '/' before every other character: a subtree follows its top node. */
static int path_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned ca = *a == '/' ? 1u : (unsigned char)*a;
        unsigned cb = *b == '/' ? 1u : (unsigned char)*b;
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (!ca)
            return 0;
    }
}

static bool at_or_below(const char *path, const char *top)
{
    size_t n = strlen(top);

    if (!strcmp(top, "/"))
        return path[0] == '/';
    return !strncmp(path, top, n) && (path[n] == '\0' || path[n] == '/');
}

/* Index of path, or (-1 - insertion point) when absent. */
static long find(const struct rdb_tree *t, const char *path)
{
    unsigned lo = 0, hi = t->n;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        int c = path_cmp(t->v[mid].path, path);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1 - (long)lo;
}

const struct rdb_node *rdb_tree_get(const struct rdb_tree *t, const char *path)
{
    long i = find(t, path);
    return i >= 0 ? &t->v[i] : NULL;
}

/* ---------------------------------------------------------------- nodes */
static void node_free(struct rdb_node *nd)
{
    free(nd->path);
    free(nd->val);
    free(nd->perms);
    memset(nd, 0, sizeof(*nd));
}

static char *dup_val(const char *val, size_t len)
{
    char *v = malloc(len + 1);

    if (!v)
        return NULL;
    if (len)
        memcpy(v, val, len);
    v[len] = '\0';
    return v;
}

static struct xvios_perm *dup_perms(const struct xvios_perm *p, unsigned n)
{
    struct xvios_perm *d = malloc((size_t)n * sizeof(*d));

    if (d)
        memcpy(d, p, (size_t)n * sizeof(*d));
    return d;
}

static int node_fill(struct rdb_node *nd, const char *path, size_t plen, const char *val, size_t len,
                     const struct xvios_perm *perms, unsigned nperms)
{
    memset(nd, 0, sizeof(*nd));
    nd->path = dup_val(path, plen);
    nd->val = dup_val(val, len);
    nd->perms = dup_perms(perms, nperms);
    if (!nd->path || !nd->val || !nd->perms) {
        node_free(nd);
        return -ENOMEM;
    }
    nd->len = len;
    nd->nperms = nperms;
    return 0;
}

static int grow(struct rdb_tree *t, unsigned need)
{
    if (need <= t->cap)
        return 0;
    unsigned ncap = t->cap ? t->cap : 16;
    while (ncap < need)
        ncap *= 2;
    struct rdb_node *n = realloc(t->v, (size_t)ncap * sizeof(*n));
    if (!n)
        return -ENOMEM;
    t->v = n;
    t->cap = ncap;
    return 0;
}

/* Insert a filled node at index at (ownership passes). */
static int insert_at(struct rdb_tree *t, unsigned at, struct rdb_node *nd)
{
    if (t->n >= RDB_MAX_NODES)
        return -ENOSPC;
    int rc = grow(t, t->n + 1);
    if (rc < 0)
        return rc;
    memmove(&t->v[at + 1], &t->v[at], (size_t)(t->n - at) * sizeof(t->v[0]));
    t->v[at] = *nd;
    t->n++;
    return 0;
}

int rdb_tree_init(struct rdb_tree *t)
{
    static const struct xvios_perm root = { .domid = 0, .perm = XVIOS_PERM_NONE };
    struct rdb_node nd;
    int rc;

    memset(t, 0, sizeof(*t));
    if ((rc = node_fill(&nd, "/", 1, "", 0, &root, 1)) < 0)
        return rc;
    if ((rc = insert_at(t, 0, &nd)) < 0)
        node_free(&nd);
    return rc;
}

void rdb_tree_free(struct rdb_tree *t)
{
    for (unsigned i = 0; i < t->n; i++)
        node_free(&t->v[i]);
    free(t->v);
    memset(t, 0, sizeof(*t));
}

int rdb_tree_clone(const struct rdb_tree *src, struct rdb_tree *dst)
{
    memset(dst, 0, sizeof(*dst));
    int rc = grow(dst, src->n);
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < src->n; i++) {
        const struct rdb_node *s = &src->v[i];
        rc = node_fill(&dst->v[i], s->path, strlen(s->path), s->val, s->len, s->perms, s->nperms);
        if (rc < 0) {
            rdb_tree_free(dst);
            return rc;
        }
        dst->v[i].mver = s->mver;
        dst->v[i].cver = s->cver;
        dst->n = i + 1;
    }
    return 0;
}

void rdb_tree_swap(struct rdb_tree *a, struct rdb_tree *b)
{
    struct rdb_tree tmp = *a;
    *a = *b;
    *b = tmp;
}

/* ---------------------------------------------------------------- access */
enum xvios_perm_bits rdb_perm_of(const struct xvios_perm *perms, unsigned n, uint32_t domid)
{
    if (domid == 0 || perms[0].domid == domid)
        return XVIOS_PERM_BOTH;
    for (unsigned i = 1; i < n; i++)
        if (perms[i].domid == domid)
            return perms[i].perm;
    return perms[0].perm;
}

static bool may(const struct rdb_node *nd, uint32_t domid, enum xvios_perm_bits need)
{
    return (rdb_perm_of(nd->perms, nd->nperms, domid) & need) == need;
}

bool rdb_tree_may_see(const struct rdb_tree *t, uint32_t domid, const char *path)
{
    const struct rdb_node *nd = rdb_tree_get(t, path);
    return !nd || may(nd, domid, XVIOS_PERM_READ);
}

int rdb_tree_read(const struct rdb_tree *t, uint32_t domid, const char *path, char **val, size_t *len)
{
    const struct rdb_node *nd = rdb_tree_get(t, path);

    if (!nd)
        return -ENOENT;
    if (!may(nd, domid, XVIOS_PERM_READ))
        return -EACCES;
    *val = dup_val(nd->val, nd->len);
    if (!*val)
        return -ENOMEM;
    if (len)
        *len = nd->len;
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int rdb_tree_list(const struct rdb_tree *t, uint32_t domid, const char *path, char ***names, unsigned *n)
{
    long at = find(t, path);
    size_t plen = strcmp(path, "/") ? strlen(path) : 0;
    char **v = NULL;
    unsigned cnt = 0;

    if (at < 0)
        return -ENOENT;
    if (!may(&t->v[at], domid, XVIOS_PERM_READ))
        return -EACCES;
    for (unsigned i = (unsigned)at + 1; i < t->n && at_or_below(t->v[i].path, path); i++) {
        const char *rest = t->v[i].path + plen + 1;
        if (strchr(rest, '/'))
            continue;
        char **nv = realloc(v, (size_t)(cnt + 1) * sizeof(*nv));
        if (!nv)
            goto nomem;
        v = nv;
        if (!(v[cnt] = strdup(rest)))
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

int rdb_tree_get_perms(const struct rdb_tree *t, uint32_t domid, const char *path,
                       struct xvios_perm **perms, unsigned *n)
{
    const struct rdb_node *nd = rdb_tree_get(t, path);

    if (!nd)
        return -ENOENT;
    if (!may(nd, domid, XVIOS_PERM_READ))
        return -EACCES;
    if (!(*perms = dup_perms(nd->perms, nd->nperms)))
        return -ENOMEM;
    *n = nd->nperms;
    return 0;
}

/* ---------------------------------------------------------------- changes */
static void changed(rdb_change_fn fn, void *ctx, char kind, const char *path)
{
    if (fn)
        fn(ctx, kind, path);
}

/* Create path and its missing parents as domid; the nearest existing ancestor decides and lends its
 * permissions (owner: the creator unless that is dom0). */
/* Stamp the parent of path (it exists) as having changed children at ver. */
static void stamp_parent(struct rdb_tree *t, const char *path, uint64_t ver)
{
    char parent[XVIOS_STORE_MAX_PATH + 1];
    size_t n = strlen(path);
    long at;

    if (n > XVIOS_STORE_MAX_PATH || !strcmp(path, "/"))
        return;
    memcpy(parent, path, n + 1);
    char *slash = strrchr(parent, '/');
    if (slash == parent)
        slash[1] = '\0';
    else
        *slash = '\0';
    if ((at = find(t, parent)) >= 0)
        t->v[at].cver = ver;
}

static int create(struct rdb_tree *t, uint32_t domid, const char *path, const char *val, size_t len,
                  uint64_t ver, rdb_change_fn fn, void *ctx)
{
    char anc[XVIOS_STORE_MAX_PATH + 1];
    const struct rdb_node *top = NULL;
    struct xvios_perm *perms = NULL;
    unsigned nperms;
    size_t plen = strlen(path), start;
    int rc;

    if (plen > XVIOS_STORE_MAX_PATH)
        return -EINVAL;
    memcpy(anc, path, plen + 1);
    while (!top) {
        char *slash = strrchr(anc, '/');
        if (!slash)
            return -EINVAL;
        if (slash == anc)
            slash[1] = '\0';
        else
            *slash = '\0';
        top = rdb_tree_get(t, anc);
        if (!top && !strcmp(anc, "/"))
            return -EIO;  /* a tree always has "/" */
    }
    if (!may(top, domid, XVIOS_PERM_WRITE))
        return -EACCES;
    if (!(perms = dup_perms(top->perms, top->nperms)))
        return -ENOMEM;
    nperms = top->nperms;
    if (domid != 0)
        perms[0].domid = domid;
    start = strcmp(anc, "/") ? strlen(anc) : 0;
    rc = 0;
    for (size_t j = start + 1; rc == 0; j++) {
        if (path[j] != '/' && path[j] != '\0')
            continue;
        bool last = path[j] == '\0';
        struct rdb_node nd;
        long at;
        if ((rc = node_fill(&nd, path, j, last ? val : "", last ? len : 0, perms, nperms)) < 0)
            break;
        at = find(t, nd.path);
        if (at >= 0) {          /* cannot be: the ancestor was the nearest existing one */
            node_free(&nd);
            rc = -EIO;
            break;
        }
        nd.mver = nd.cver = ver;
        if ((rc = insert_at(t, (unsigned)(-1 - at), &nd)) < 0) {
            node_free(&nd);
            break;
        }
        stamp_parent(t, t->v[-1 - at].path, ver);
        changed(fn, ctx, 'C', t->v[-1 - at].path);
        if (last)
            break;
    }
    free(perms);
    return rc;
}

static int set_value(struct rdb_tree *t, uint32_t domid, const char *path, const char *val, size_t len,
                     bool mkdir_only, uint64_t ver, rdb_change_fn fn, void *ctx)
{
    long at = find(t, path);

    if (at < 0)
        return create(t, domid, path, val, len, ver, fn, ctx);
    struct rdb_node *nd = &t->v[at];
    if (!may(nd, domid, XVIOS_PERM_WRITE))
        return -EACCES;
    if (mkdir_only)
        return 0;   /* exists: nothing changes */
    char *nv = dup_val(val, len);
    if (!nv)
        return -ENOMEM;
    free(nd->val);
    nd->val = nv;
    nd->len = len;
    nd->mver = ver;
    changed(fn, ctx, 'C', nd->path);
    return 0;
}

static int remove_tree(struct rdb_tree *t, uint32_t domid, const char *path, uint64_t ver, rdb_change_fn fn,
                       void *ctx)
{
    long at;
    unsigned end;

    if (!strcmp(path, "/"))
        return -EINVAL;  /* like xenstored: the root stays */
    if ((at = find(t, path)) < 0)
        return -ENOENT;
    if (!may(&t->v[at], domid, XVIOS_PERM_WRITE))
        return -EACCES;
    changed(fn, ctx, 'R', path);
    for (end = (unsigned)at + 1; end < t->n && at_or_below(t->v[end].path, path); end++)
        ;
    for (unsigned i = (unsigned)at; i < end; i++)
        node_free(&t->v[i]);
    memmove(&t->v[at], &t->v[end], (size_t)(t->n - end) * sizeof(t->v[0]));
    t->n -= end - (unsigned)at;
    stamp_parent(t, path, ver);
    return 0;
}

static int set_perms(struct rdb_tree *t, uint32_t domid, const char *path, const struct xvios_perm *perms,
                     unsigned n, uint64_t ver, rdb_change_fn fn, void *ctx)
{
    long at = find(t, path);

    if (n == 0 || n > XVIOS_STORE_MAX_PERMS)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++)
        if (perms[i].domid > 0xffffu || (unsigned)perms[i].perm > XVIOS_PERM_BOTH)
            return -EINVAL;
    if (at < 0)
        return -ENOENT;
    struct rdb_node *nd = &t->v[at];
    if (domid != 0) {
        if (nd->perms[0].domid != domid)
            return -EACCES;   /* only the owner (or dom0) */
        if (perms[0].domid != nd->perms[0].domid)
            return -EPERM;    /* an unprivileged domain may not give a node away */
    }
    struct xvios_perm *np = dup_perms(perms, n);
    if (!np)
        return -ENOMEM;
    free(nd->perms);
    nd->perms = np;
    nd->nperms = n;
    nd->mver = ver;
    changed(fn, ctx, 'C', nd->path);
    return 0;
}

int rdb_tree_apply(struct rdb_tree *t, uint32_t domid, const struct rdb_op *op, uint64_t ver, rdb_change_fn fn,
                   void *ctx)
{
    if (!op->path || !xvios_store_path_valid(op->path, false) || op->len > XVIOS_STORE_MAX_VALUE ||
        (op->len && !op->val))
        return -EINVAL;
    switch (op->kind) {
    case RDB_OP_WRITE:
        if (!strcmp(op->path, "/"))
            return -EINVAL;
        return set_value(t, domid, op->path, op->val ? op->val : "", op->len, false, ver, fn, ctx);
    case RDB_OP_MKDIR:
        return set_value(t, domid, op->path, "", 0, true, ver, fn, ctx);
    case RDB_OP_RM:
        return remove_tree(t, domid, op->path, ver, fn, ctx);
    case RDB_OP_SETPERMS:
        return set_perms(t, domid, op->path, op->perms, op->nperms, ver, fn, ctx);
    }
    return -EINVAL;
}

void rdb_tree_observe(const struct rdb_tree *t, const char *path, uint8_t want, struct rdb_read *out)
{
    const struct rdb_node *nd = rdb_tree_get(t, path);

    out->flags = (uint8_t)(want & (RDB_READ_MVER | RDB_READ_CVER));
    out->mver = out->cver = 0;
    if (!nd) {
        out->flags = 0;   /* absent: only its absence is checked */
        return;
    }
    out->flags |= RDB_READ_EXISTS;
    out->mver = nd->mver;
    out->cver = nd->cver;
}

int rdb_tree_check_reads(const struct rdb_tree *t, const struct rdb_read *reads, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        const struct rdb_node *nd = rdb_tree_get(t, reads[i].path);
        bool existed = reads[i].flags & RDB_READ_EXISTS;
        if (existed != (nd != NULL))
            return -EAGAIN;
        if (nd && (reads[i].flags & RDB_READ_MVER) && nd->mver != reads[i].mver)
            return -EAGAIN;
        if (nd && (reads[i].flags & RDB_READ_CVER) && nd->cver != reads[i].cver)
            return -EAGAIN;
    }
    return 0;
}

void rdb_read_release(struct rdb_read *r)
{
    free(r->path);
    memset(r, 0, sizeof(*r));
}

void rdb_op_release(struct rdb_op *op)
{
    free(op->path);
    free(op->val);
    free(op->perms);
    memset(op, 0, sizeof(*op));
}

/* ---------------------------------------------------------------- byte format */

#define NODE_HDR 24u  /* u16 path length, u32 value length, u16 permission count, u64 mver, u64 cver */
#define PERM_LEN 5u   /* u32 domid, u8 access */

size_t rdb_tree_size(const struct rdb_tree *t)
{
    size_t total = 4;

    for (unsigned i = 0; i < t->n; i++)
        total += NODE_HDR + strlen(t->v[i].path) + t->v[i].len + (size_t)t->v[i].nperms * PERM_LEN;
    return total;
}

int rdb_tree_encode(const struct rdb_tree *t, uint8_t **buf, size_t *len)
{
    size_t total = rdb_tree_size(t), off;
    uint8_t *b;

    if (total > RDB_MAX_DUMP)
        return -E2BIG;
    if (!(b = malloc(total)))
        return -ENOMEM;
    xvios_put_le32(b, t->n);
    off = 4;
    for (unsigned i = 0; i < t->n; i++) {
        const struct rdb_node *nd = &t->v[i];
        size_t pl = strlen(nd->path);
        xvios_put_le16(b + off, (uint16_t)pl);
        xvios_put_le32(b + off + 2, (uint32_t)nd->len);
        xvios_put_le16(b + off + 6, (uint16_t)nd->nperms);
        xvios_put_le64(b + off + 8, nd->mver);
        xvios_put_le64(b + off + 16, nd->cver);
        off += NODE_HDR;
        memcpy(b + off, nd->path, pl);
        off += pl;
        if (nd->len)
            memcpy(b + off, nd->val, nd->len);
        off += nd->len;
        for (unsigned j = 0; j < nd->nperms; j++, off += PERM_LEN) {
            xvios_put_le32(b + off, nd->perms[j].domid);
            b[off + 4] = (uint8_t)nd->perms[j].perm;
        }
    }
    *buf = b;
    *len = total;
    return 0;
}

static int bad(const char *why, unsigned node)
{
    XLOG_WARN("rdb: copy refused: %s (node %u)", why, node);
    return -EPROTO;
}

int rdb_tree_decode(const uint8_t *buf, size_t len, struct rdb_tree *out)
{
    struct rdb_tree t = { 0 };
    struct xvios_perm perms[XVIOS_STORE_MAX_PERMS];
    char path[XVIOS_STORE_MAX_PATH + 1];
    size_t off = 4;
    uint32_t count;
    int rc;

    if (len < 4 || len > RDB_MAX_DUMP)
        return bad("length out of bounds", 0);
    count = xvios_get_le32(buf);
    if (count == 0 || count > RDB_MAX_NODES)
        return bad("node count out of bounds", 0);
    if ((rc = grow(&t, count)) < 0)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        if (len - off < NODE_HDR) {
            rc = bad("truncated node header", i);
            goto fail;
        }
        size_t pl = xvios_get_le16(buf + off), vl = xvios_get_le32(buf + off + 2);
        unsigned np = xvios_get_le16(buf + off + 6);
        uint64_t mver = xvios_get_le64(buf + off + 8), cver = xvios_get_le64(buf + off + 16);
        off += NODE_HDR;
        if (pl == 0 || pl > XVIOS_STORE_MAX_PATH || vl > XVIOS_STORE_MAX_VALUE || np == 0 ||
            np > XVIOS_STORE_MAX_PERMS) {
            rc = bad("a length out of bounds", i);
            goto fail;
        }
        if (len - off < pl + vl + (size_t)np * PERM_LEN) {
            rc = bad("truncated node", i);
            goto fail;
        }
        memcpy(path, buf + off, pl);
        path[pl] = '\0';
        if (strlen(path) != pl || !xvios_store_path_valid(path, false)) {
            rc = bad("invalid path", i);
            goto fail;
        }
        if (i == 0 ? strcmp(path, "/") != 0 : path_cmp(t.v[i - 1].path, path) >= 0) {
            rc = bad(i == 0 ? "the first node is not /" : "nodes out of order or repeated", i);
            goto fail;
        }
        if (i > 0) {
            char parent[XVIOS_STORE_MAX_PATH + 1];
            memcpy(parent, path, pl + 1);
            char *slash = strrchr(parent, '/');
            if (slash == parent)
                slash[1] = '\0';
            else
                *slash = '\0';
            if (!rdb_tree_get(&t, parent)) {
                rc = bad("a node without its parent", i);
                goto fail;
            }
        }
        const char *val = (const char *)buf + off + pl;
        const uint8_t *pp = buf + off + pl + vl;
        for (unsigned j = 0; j < np; j++) {
            uint32_t d = xvios_get_le32(pp + (size_t)j * PERM_LEN);
            uint8_t a = pp[(size_t)j * PERM_LEN + 4];
            if (d > 0xffffu || a > XVIOS_PERM_BOTH) {
                rc = bad("invalid permission", i);
                goto fail;
            }
            perms[j].domid = d;
            perms[j].perm = (enum xvios_perm_bits)a;
        }
        if ((rc = node_fill(&t.v[i], path, pl, val, vl, perms, np)) < 0)
            goto fail;
        t.v[i].mver = mver;
        t.v[i].cver = cver;
        t.n = i + 1;
        off += pl + vl + (size_t)np * PERM_LEN;
    }
    if (off != len) {
        rc = bad("trailing bytes", count);
        goto fail;
    }
    *out = t;
    return 0;
fail:
    rdb_tree_free(&t);
    return rc;
}

uint64_t rdb_hash(const uint8_t *buf, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (size_t i = 0; i < len; i++) {
        h ^= buf[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

int rdb_tree_hash(const struct rdb_tree *t, uint64_t *hash)
{
    uint8_t *b = NULL;
    size_t len = 0;
    int rc = rdb_tree_encode(t, &b, &len);

    if (rc < 0)
        return rc;
    *hash = rdb_hash(b, len);
    free(b);
    return 0;
}
