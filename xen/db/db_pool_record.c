/* SPDX-License-Identifier: MIT */
/*
 * db_pool_record.c - one pool's record read back from the cluster DB
 * (layout: xvios/db_pool.h): its access mode and list, every value checked,
 * damage believed only when a transaction of its own confirms it. What
 * db_pool.c (the pool table's changes and checks) and db_lu.c (an LU's
 * pool must exist) both read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/db_pool.h"
#include "xvios/log.h"
#include "xvios/parse.h"

#define POOLS_DIR XVIOS_DB_ROOT "/pools"

_Static_assert(sizeof(POOLS_DIR "/") + XVIOS_POOL_NAME_MAX + sizeof("/access/") + 36 <= DB_PATH_MAX,
               "every pool path fits DB_PATH_MAX");

void xvios_db_pool_info_free(struct xvios_db_pool_info *info)
{
    if (!info)
        return;
    free(info->access);
    info->access = NULL;
    info->n_access = 0;
}

void xvios_db_pool_infos_free(struct xvios_db_pool_info *infos, unsigned n)
{
    for (unsigned i = 0; infos && i < n; i++)
        xvios_db_pool_info_free(&infos[i]);
    free(infos);
}

const char *db_pool_canon(const char *name)
{
    return xvios_pool_is_default(name) ? XVIOS_POOL_DEFAULT : name;
}

/* ---------------------------------------------------------------- reading a record */
int db_dir_exists(xvios_plat *p, xvios_tx tx, const char *path)
{
    char **kids = NULL;
    unsigned nk = 0;
    int rc = xvios_store_list(p, tx, path, &kids, &nk);

    xvios_strv_free(kids, nk);
    return rc;
}

/* The record of pool name (its dir exists): 0 or -EIO. */
static int record_read(xvios_plat *p, xvios_tx tx, const char *name, struct xvios_db_pool_info *out)
{
    char path[DB_PATH_MAX], untrusted_val[24], untrusted_name[XVIOS_CLIENT_NAME_MAX + 1], **kids = NULL;
    unsigned nk = 0;
    int rc;

    if ((rc = db_path(path, sizeof(path), POOLS_DIR "/%s/created", name)) < 0 ||
        (rc = db_read_str(p, tx, path, untrusted_val, 20)) < 0)
        goto out;
    if ((untrusted_val[0] == '0' && untrusted_val[1]) || xvios_parse_u64(untrusted_val, 0, UINT64_MAX, &out->created) < 0) {
        rc = -EIO;
        goto out;
    }
    if ((rc = db_path(path, sizeof(path), POOLS_DIR "/%s/access", name)) < 0 ||
        (rc = db_read_str(p, tx, path, untrusted_val, 4)) < 0)
        goto out;
    if (strcmp(untrusted_val, "any") && strcmp(untrusted_val, "list")) {
        rc = -EIO;
        goto out;
    }
    out->any = !strcmp(untrusted_val, "any");
    if ((rc = xvios_store_list(p, tx, path, &kids, &nk)) < 0)
        goto out;
    if (nk > XVIOS_POOL_ACCESS_MAX || (out->any && nk)) {
        rc = -EIO;
        goto out;
    }
    out->access = calloc(nk ? nk : 1, sizeof(*out->access));
    if (!out->access) {
        rc = -ENOMEM;
        goto out;
    }
    for (unsigned i = 0; i < nk; i++) {
        struct xvios_db_pool_client *c = &out->access[i];
        struct xvios_db_client rec;

        if (!db_pool_uuid_key_ok(kids[i]) ||
            (rc = db_path(path, sizeof(path), POOLS_DIR "/%s/access/%s", name, kids[i])) < 0 ||
            (rc = db_read_str(p, tx, path, untrusted_name, XVIOS_CLIENT_NAME_MAX)) < 0 ||
            !db_pool_client_name_ok(untrusted_name)) {
            rc = -EIO;
            goto out;
        }
        snprintf(c->uuid, sizeof(c->uuid), "%s", kids[i]);
        snprintf(c->name, sizeof(c->name), "%s", untrusted_name);
        if (xvios_db_client_by_uuid(p, tx, c->uuid, &rec) == 0)
            c->client_id = rec.id;
    }
    out->n_access = nk;
    for (unsigned i = 1; i < nk; i++)   /* sorted by uuid, as written and listed */
        for (unsigned j = i; j > 0 && strcmp(out->access[j - 1].uuid, out->access[j].uuid) > 0; j--) {
            struct xvios_db_pool_client t = out->access[j];
            out->access[j] = out->access[j - 1];
            out->access[j - 1] = t;
        }
    rc = 0;
out:
    xvios_strv_free(kids, nk);
    if (rc == -ENOENT || rc == -EINVAL || rc == -E2BIG || rc == -ENAMETOOLONG)
        rc = -EIO;   /* the pool's dir is there: a missing or malformed leaf is damage */
    return rc;
}

/*
 * Reads inside a store transaction are not a snapshot (xenstored and the
 * loopback store read the live node the first time a transaction touches
 * it; the commit is what detects a conflict): a record deleted or rewritten
 * by a commit between two of our reads can look damaged. So damage is only
 * believed when a transaction of its own reads it again and commits (nothing
 * changed meanwhile); else the caller's transaction is asked to run again.
 */
struct confirm_ctx {
    const char *name;
    char dir[DB_PATH_MAX];
};

static int confirm_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct confirm_ctx *c = ctx;
    struct xvios_db_pool_info again;
    int rc = db_dir_exists(p, tx, c->dir);

    if (rc < 0)
        return rc == -ENOENT ? 0 : rc;   /* gone: not damaged */
    memset(&again, 0, sizeof(again));
    rc = record_read(p, tx, c->name, &again);
    xvios_db_pool_info_free(&again);
    return rc;
}

static int damage_confirmed(xvios_plat *p, const char *name, const char *dir)
{
    struct confirm_ctx c = { .name = name };
    int rc;

    snprintf(c.dir, sizeof(c.dir), "%s", dir);
    rc = xvios_db_tx_run(p, confirm_body, &c);
    if (rc == -EIO) {
        XLOG_WARN("cluster DB: pool %s: malformed record", name);
        return -EIO;
    }
    return rc < 0 && rc != -EAGAIN ? rc : -EAGAIN;   /* it read well: the first read was torn, run again */
}

/* The pool's record, without its LU count: -ENXIO no such pool, -ENOENT no cluster, -EIO damaged. */
int db_pool_record_read(xvios_plat *p, xvios_tx tx, const char *name, struct xvios_db_pool_info *out)
{
    char dir[DB_PATH_MAX];
    int rc;

    memset(out, 0, sizeof(*out));
    name = db_pool_canon(name);
    if (!xvios_pool_name_ok(name))
        return -EINVAL;
    snprintf(out->name, sizeof(out->name), "%s", name);
    if ((rc = db_path(dir, sizeof(dir), POOLS_DIR "/%s", name)) < 0)
        return rc;
    rc = db_dir_exists(p, tx, dir);
    if (rc == -ENOENT) {
        /* no cluster at all, or no such pool (the default pool is there as long as the cluster is) */
        rc = db_dir_exists(p, tx, XVIOS_DB_ROOT);
        if (rc < 0)
            return rc;
        if (strcmp(name, XVIOS_POOL_DEFAULT))
            return -ENXIO;
        out->any = true;
        return 0;
    }
    if (rc < 0)
        return rc;
    out->recorded = true;
    rc = record_read(p, tx, name, out);
    if (rc < 0)
        xvios_db_pool_info_free(out);
    if (rc == -EIO)
        rc = damage_confirmed(p, name, dir);
    return rc;
}

int db_pool_exists(xvios_plat *p, xvios_tx tx, const char *name)
{
    struct xvios_db_pool_info info;
    int rc = db_pool_record_read(p, tx, name, &info);

    xvios_db_pool_info_free(&info);
    return rc;
}
