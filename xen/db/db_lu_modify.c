/* SPDX-License-Identifier: MIT */
/*
 * db_lu_modify.c - dom0 grows an LU or sets its read-only flag
 * (xvios/db_lu.h): in one transaction the entry is read, the change checked
 * against it and against every other LU of its backing, and the changed
 * leaves written with the pool's permissions. The engines serving it learn
 * of it from the DB (docs/api.md, "Modify").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/db_lu.h"
#include "xvios/log.h"

struct modify_ctx {
    const char *name;
    const struct xvios_db_lu_change *ch;
    struct xvios_db_lu lu;        /* as written */
};

static int put(xvios_plat *p, xvios_tx tx, const struct db_member *m, unsigned n, const char *path, const char *val)
{
    struct xvios_perm perms[XVIOS_STORE_MAX_PERMS];
    unsigned np = 0;
    int rc = db_perms_for(path, 0, m, n, perms, &np);

    return rc < 0 ? rc : db_write(p, tx, path, val, perms, np);
}

/* The new size against the LU and its neighbours on the same backing (read in tx). */
static int size_ok(xvios_plat *p, xvios_tx tx, const struct xvios_db_lu *now, uint64_t size, uint64_t backing_size)
{
    struct xvios_db_lu *lus = NULL, grown = *now;
    unsigned n = 0;
    int rc;

    if (xvios_lu_region_check(now->offset, size) < 0)
        return -EDOM;
    if (size < now->size)
        return -ERANGE;
    if (backing_size && (now->offset > backing_size || size > backing_size - now->offset))
        return -EFBIG;
    grown.size = size;
    if ((rc = xvios_db_lu_list(p, tx, &lus, &n)) < 0)
        return rc;
    for (unsigned i = 0; i < n && rc == 0; i++)
        if (strcmp(lus[i].name, now->name) && xvios_lu_overlap(&lus[i], &grown)) {
            XLOG_INFO("cluster DB: LU %s grown to %" PRIu64 " bytes would overlap LU %s on %s", now->name, size,
                      lus[i].name, now->backing);
            rc = -EADDRINUSE;
        }
    free(lus);
    return rc;
}

static int modify_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct modify_ctx *c = ctx;
    const struct xvios_db_lu_change *ch = c->ch;
    struct db_member *m = NULL;
    char dir[DB_PATH_MAX], path[DB_PATH_MAX + 8], val[24];
    bool grow, ro;
    unsigned n = 0;
    int rc;

    if ((rc = xvios_db_lu_get(p, tx, c->name, &c->lu)) < 0)
        return rc;
    grow = ch->size && ch->size != c->lu.size;
    ro = ch->read_only >= 0 && (ch->read_only != 0) != c->lu.read_only;
    if (ch->size && (rc = size_ok(p, tx, &c->lu, ch->size, ch->backing_size)) < 0)
        return rc;
    if (!grow && !ro)
        return -EALREADY;
    if ((rc = db_members(p, tx, &m, &n)) < 0 || (rc = xvios_db_lu_path(c->name, dir, sizeof(dir))) < 0)
        goto out;
    if (grow) {
        snprintf(path, sizeof(path), "%s/size", dir);
        snprintf(val, sizeof(val), "%" PRIu64, ch->size);
        if ((rc = put(p, tx, m, n, path, val)) < 0)
            goto out;
        c->lu.size = ch->size;
    }
    if (ro) {
        snprintf(path, sizeof(path), "%s/ro", dir);
        if ((rc = put(p, tx, m, n, path, ch->read_only ? "1" : "0")) < 0)
            goto out;
        c->lu.read_only = ch->read_only != 0;
    }
out:
    free(m);
    return rc;
}

int xvios_db_lu_modify(xvios_plat *p, const char *name, const struct xvios_db_lu_change *ch, struct xvios_db_lu *out)
{
    struct modify_ctx c = { .name = name, .ch = ch };
    int rc;

    if (!p || !name || !ch || !xvios_lu_name_ok(name) || ch->read_only < -1 || ch->read_only > 1)
        return -EINVAL;
    rc = xvios_db_tx_run(p, modify_body, &c);
    if (rc == 0 && out)
        *out = c.lu;
    return rc;
}
