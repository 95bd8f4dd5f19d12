/* SPDX-License-Identifier: MIT */
/*
 * db_pool.c - the pool table of the cluster DB (layout: xvios/db_pool.h,
 * docs/pool.md "Several pools"): create, modify (the access list), delete,
 * get, list, and the attach checks (a record is read by db_pool_record.c). Every change is one store transaction with the EAGAIN retry;
 * every node written gets its permissions explicitly (db_perms_for: dom0's,
 * READ for the members, nothing for anyone else); every record read back is
 * checked, a damaged one is -EIO.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db_internal.h"
#include "xvios/db_pool.h"
#include "xvios/log.h"
#include "xvios/parse.h"

#define POOLS_DIR XVIOS_DB_ROOT "/pools"
#define LUS_DIR   XVIOS_DB_ROOT "/pool/lus"

_Static_assert(sizeof(LUS_DIR "/") + XVIOS_LU_NAME_MAX + sizeof("/pool") <= DB_PATH_MAX,
               "an LU's pool leaf fits DB_PATH_MAX");

/* Its LUs and their bytes (every well-formed LU of the pool). */
static int count_lus(xvios_plat *p, xvios_tx tx, struct xvios_db_pool_info *info)
{
    struct xvios_db_lu *lus = NULL;
    unsigned n = 0;
    int rc = xvios_db_lu_list(p, tx, &lus, &n);

    if (rc < 0)
        return rc;
    info->lus = 0;
    info->bytes = 0;
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(lus[i].pool, info->name)) {
            info->lus++;
            info->bytes = lus[i].size > UINT64_MAX - info->bytes ? UINT64_MAX : info->bytes + lus[i].size;
        }
    free(lus);
    return 0;
}

/* ---------------------------------------------------------------- get, list */
struct get_ctx {
    const char *name;
    struct xvios_db_pool_info *out;
};

static int get_in_tx(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct get_ctx *g = ctx;
    int rc = db_pool_record_read(p, tx, g->name, g->out);

    if (rc == 0 && (rc = count_lus(p, tx, g->out)) < 0)
        xvios_db_pool_info_free(g->out);
    return rc;
}

int xvios_db_pool_read(xvios_plat *p, xvios_tx tx, const char *name, struct xvios_db_pool_info *out)
{
    struct get_ctx g = { name, out };

    memset(out, 0, sizeof(*out));
    if (!xvios_pool_is_default(name) && !xvios_pool_name_ok(name))
        return -EINVAL;
    return tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, get_in_tx, &g) : get_in_tx(p, tx, &g);
}

static int info_cmp(const void *a, const void *b)
{
    return strcmp(((const struct xvios_db_pool_info *)a)->name, ((const struct xvios_db_pool_info *)b)->name);
}

struct list_ctx {
    struct xvios_db_pool_info *v;
    unsigned n;
};

static void list_reset(struct list_ctx *l)
{
    xvios_db_pool_infos_free(l->v, l->n);
    l->v = NULL;
    l->n = 0;
}

static int list_in_tx(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct list_ctx *l = ctx;
    char **kids = NULL;
    unsigned nk = 0;
    int rc;

    list_reset(l);
    rc = xvios_store_list(p, tx, POOLS_DIR, &kids, &nk);
    if (rc < 0 && rc != -ENOENT)
        return rc;
    l->v = calloc(nk + 1, sizeof(*l->v));
    if (!l->v) {
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = db_pool_record_read(p, tx, XVIOS_POOL_DEFAULT, &l->v[0])) < 0 && rc != -EIO)
        goto out;
    if (rc == -EIO) {   /* a damaged default record: listed as admitting nobody rather than skipped */
        snprintf(l->v[0].name, sizeof(l->v[0].name), "%s", XVIOS_POOL_DEFAULT);
        l->v[0].recorded = true;
    }
    l->n = 1;
    for (unsigned i = 0; i < nk; i++) {
        if (!strcmp(kids[i], XVIOS_POOL_DEFAULT))
            continue;
        if (!xvios_pool_name_ok(kids[i])) {
            XLOG_WARN("cluster DB: ignoring a malformed pool name under %s", POOLS_DIR);
            continue;
        }
        rc = db_pool_record_read(p, tx, kids[i], &l->v[l->n]);
        if (rc == 0)
            l->n++;
        else if (rc != -EIO && rc != -ENXIO)
            goto out;
    }
    for (unsigned i = 0; i < l->n; i++)
        if ((rc = count_lus(p, tx, &l->v[i])) < 0)
            goto out;
    if (l->n > 2)
        qsort(l->v + 1, l->n - 1, sizeof(*l->v), info_cmp);
    rc = 0;
out:
    xvios_strv_free(kids, nk);
    return rc;
}

int xvios_db_pool_list(xvios_plat *p, xvios_tx tx, struct xvios_db_pool_info **out, unsigned *n)
{
    struct list_ctx l = { NULL, 0 };
    int rc = tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, list_in_tx, &l) : list_in_tx(p, tx, &l);

    *out = NULL;
    *n = 0;
    if (rc < 0) {
        list_reset(&l);
        return rc;
    }
    *out = l.v;
    *n = l.n;
    return 0;
}

/* ---------------------------------------------------------------- writing */
static int put(xvios_plat *p, xvios_tx tx, const struct db_member *m, unsigned n, const char *path, const char *val)
{
    struct xvios_perm perms[XVIOS_STORE_MAX_PERMS];
    unsigned np = 0;
    int rc = db_perms_for(path, 0, m, n, perms, &np);

    return rc < 0 ? rc : db_write(p, tx, path, val, perms, np);
}

struct write_ctx {
    const struct xvios_db_pool_spec *spec;
    bool create;
    uint64_t now;
    char *bad;
    size_t cap;
    struct xvios_db_pool_info out;   /* as written */
};

/* The record of out->name as out says, replacing its access list. */
static int record_write(xvios_plat *p, xvios_tx tx, const struct db_member *m, unsigned n,
                        const struct xvios_db_pool_info *in)
{
    char path[DB_PATH_MAX], num[24];
    int rc;

    if ((rc = db_dir_exists(p, tx, POOLS_DIR)) == -ENOENT)
        rc = put(p, tx, m, n, POOLS_DIR, "");
    if (rc < 0 || (rc = db_path(path, sizeof(path), POOLS_DIR "/%s", in->name)) < 0 ||
        (rc = put(p, tx, m, n, path, "")) < 0 ||
        (rc = db_path(path, sizeof(path), POOLS_DIR "/%s/created", in->name)) < 0)
        return rc;
    snprintf(num, sizeof(num), "%" PRIu64, in->created);
    if ((rc = put(p, tx, m, n, path, num)) < 0 ||
        (rc = db_path(path, sizeof(path), POOLS_DIR "/%s/access", in->name)) < 0)
        return rc;
    rc = xvios_store_rm(p, tx, path);   /* the old list goes whole */
    if ((rc < 0 && rc != -ENOENT) || (rc = put(p, tx, m, n, path, in->any ? "any" : "list")) < 0)
        return rc;
    for (unsigned i = 0; i < in->n_access; i++)
        if ((rc = db_path(path, sizeof(path), POOLS_DIR "/%s/access/%s", in->name, in->access[i].uuid)) < 0 ||
            (rc = put(p, tx, m, n, path, in->access[i].name)) < 0)
            return rc;
    return 0;
}

static int write_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct write_ctx *w = ctx;
    struct xvios_db_pool_info old;
    struct db_member *m = NULL;
    unsigned n = 0;
    int rc;

    xvios_db_pool_info_free(&w->out);
    memset(&w->out, 0, sizeof(w->out));
    if ((rc = db_members(p, tx, &m, &n)) < 0)   /* -ENOENT: no cluster */
        return rc;
    rc = db_pool_record_read(p, tx, w->spec->name, &old);
    xvios_db_pool_info_free(&old);
    if (w->create && rc != -ENXIO) {
        rc = rc == 0 || rc == -EIO ? -EEXIST : rc;   /* the default pool always exists; a damaged one too */
        goto out;
    }
    if (!w->create && rc < 0 && rc != -EIO)   /* a damaged record is replaced whole */
        goto out;
    snprintf(w->out.name, sizeof(w->out.name), "%s", db_pool_canon(w->spec->name));
    w->out.recorded = true;
    w->out.created = w->create || old.created == 0 ? w->now : old.created;
    if ((rc = db_pool_access_resolve(p, tx, w->spec->access, &w->out.any, &w->out.access, &w->out.n_access, w->bad,
                                     w->cap)) < 0 ||
        (rc = record_write(p, tx, m, n, &w->out)) < 0 || (rc = count_lus(p, tx, &w->out)) < 0)
        goto out;
out:
    free(m);
    return rc;
}

static int run_write(xvios_plat *p, const struct xvios_db_pool_spec *spec, bool create, char *bad, size_t cap,
                     struct xvios_db_pool_info *out)
{
    struct write_ctx w = { .spec = spec, .create = create, .bad = bad, .cap = cap };
    struct timespec ts;
    int rc;

    if (cap)
        bad[0] = '\0';
    if (out)
        memset(out, 0, sizeof(*out));
    if (!spec || (create && !xvios_pool_name_ok(spec->name)) ||
        (!create && !xvios_pool_is_default(spec->name) && !xvios_pool_name_ok(spec->name)))
        return -EINVAL;
    clock_gettime(CLOCK_REALTIME, &ts);
    w.now = ts.tv_sec > 0 ? (uint64_t)ts.tv_sec : 0;
    rc = xvios_db_tx_run(p, write_body, &w);
    if (rc == 0 && out)
        *out = w.out;
    else
        xvios_db_pool_info_free(&w.out);
    return rc;
}

int xvios_db_pool_create(xvios_plat *p, const struct xvios_db_pool_spec *spec, char *bad, size_t cap,
                         struct xvios_db_pool_info *out)
{
    return run_write(p, spec, true, bad, cap, out);
}

int xvios_db_pool_modify(xvios_plat *p, const struct xvios_db_pool_spec *spec, char *bad, size_t cap,
                         struct xvios_db_pool_info *out)
{
    return run_write(p, spec, false, bad, cap, out);
}

/* ---------------------------------------------------------------- delete */
struct delete_ctx {
    const char *name;
    unsigned lus;
};

/* Every LU entry naming the pool, read raw: a damaged entry still holds its pool. */
static int lus_in_pool(xvios_plat *p, xvios_tx tx, const char *pool, unsigned *count)
{
    char **kids = NULL, path[DB_PATH_MAX], untrusted_pool[XVIOS_POOL_NAME_MAX + 1];
    unsigned nk = 0;
    int rc = xvios_store_list(p, tx, LUS_DIR, &kids, &nk);

    *count = 0;
    if (rc == -ENOENT)
        return 0;
    for (unsigned i = 0; rc >= 0 && i < nk; i++) {
        if (db_path(path, sizeof(path), LUS_DIR "/%s/pool", kids[i]) < 0)
            continue;   /* no LU name is this long: not an entry */
        rc = db_read_str(p, tx, path, untrusted_pool, XVIOS_POOL_NAME_MAX);
        if (rc == 0 && !strcmp(untrusted_pool, pool))
            (*count)++;
        if (rc == -ENOENT || rc == -EIO)
            rc = 0;
    }
    xvios_strv_free(kids, nk);
    return rc < 0 ? rc : 0;
}

static int delete_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct delete_ctx *d = ctx;
    char dir[DB_PATH_MAX];
    int rc;

    if ((rc = db_path(dir, sizeof(dir), POOLS_DIR "/%s", d->name)) < 0)
        return rc;
    rc = db_dir_exists(p, tx, dir);
    if (rc == -ENOENT)
        return db_dir_exists(p, tx, XVIOS_DB_ROOT) == -ENOENT ? -ENOENT : -ENXIO;
    if (rc < 0 || (rc = lus_in_pool(p, tx, d->name, &d->lus)) < 0)
        return rc;
    if (d->lus)
        return -ENOTEMPTY;
    return xvios_store_rm(p, tx, dir);
}

int xvios_db_pool_delete(xvios_plat *p, const char *name, unsigned *lu_count)
{
    struct delete_ctx d = { name, 0 };
    int rc;

    if (lu_count)
        *lu_count = 0;
    if (xvios_pool_is_default(name))
        return -EBUSY;
    if (!xvios_pool_name_ok(name))
        return -EINVAL;
    rc = xvios_db_tx_run(p, delete_body, &d);
    if (lu_count)
        *lu_count = d.lus;
    return rc;
}

/* ---------------------------------------------------------------- the attach checks */
static bool admitted(const struct xvios_db_pool_info *info, const char *uuid)
{
    if (info->any)
        return true;
    for (unsigned i = 0; uuid && uuid[0] && i < info->n_access; i++)
        if (!strcasecmp(info->access[i].uuid, uuid))
            return true;
    return false;
}

int xvios_db_pool_admits(xvios_plat *p, xvios_tx tx, const char *pool, const char *uuid)
{
    struct xvios_db_pool_info info;
    int rc = db_pool_record_read(p, tx, pool, &info);

    if (rc == -ENOENT)
        rc = -ENXIO;
    if (rc == 0 && !admitted(&info, uuid))
        rc = -EPERM;
    xvios_db_pool_info_free(&info);
    return rc;
}

int xvios_db_pool_admits_path(xvios_plat *p, xvios_tx tx, const char *path, const char *uuid, char *lu, char *pool)
{
    struct xvios_db_lu *lus = NULL;
    unsigned n = 0;
    int rc = xvios_db_lu_list(p, tx, &lus, &n);

    lu[0] = pool[0] = '\0';
    if (rc == -ENOENT)
        return 0;   /* no cluster, no pool: nothing to check against */
    for (unsigned i = 0; rc == 0 && i < n; i++) {
        if (strcmp(lus[i].backing, path))
            continue;
        rc = xvios_db_pool_admits(p, tx, lus[i].pool, uuid);
        if (rc < 0) {
            snprintf(lu, XVIOS_LU_NAME_MAX + 1, "%s", lus[i].name);
            snprintf(pool, XVIOS_POOL_NAME_MAX + 1, "%s", lus[i].pool);
        }
    }
    free(lus);
    return rc;
}

int xvios_db_pool_outside(xvios_plat *p, xvios_tx tx, const struct xvios_db_pool_info *pool,
                          struct xvios_db_vtd **out, unsigned *n)
{
    struct xvios_db_vtd *v = NULL;
    struct xvios_db_lu lu;
    unsigned nv = 0, k = 0;
    int rc = xvios_db_vtd_list(p, tx, &v, &nv);

    *out = NULL;
    *n = 0;
    if (rc == -ENOENT)
        return 0;   /* no table yet: no mapping */
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < nv; i++) {
        if (!v[i].pool_lu[0] || xvios_db_lu_get(p, tx, v[i].pool_lu, &lu) < 0 || strcmp(lu.pool, pool->name) ||
            admitted(pool, v[i].client_uuid))
            continue;
        v[k++] = v[i];
    }
    if (k == 0) {
        free(v);
        return 0;
    }
    *out = v;
    *n = k;
    return 0;
}
