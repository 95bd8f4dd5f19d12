/* SPDX-License-Identifier: MIT */
/*
 * vio_lu.c - the LU object (docs/api.md, docs/pool.md): list (sorted by
 * name, paged with after= when the response would outgrow one message), get,
 * and dom0's create, modify (grow, read-only flag) and delete through
 * xvios/db_lu.h. Off dom0 create, modify and delete are DOM0_ONLY: the pool is dom0's to write (the DB's permissions
 * would refuse the write anyway; the API says so first and clearly).
 * Delete checks, in the transaction that removes the entry, that no client
 * has the LU attached (env->lu_in_use).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vio_int.h"
#include "xvios/db_pool.h"

/* Room kept free in the response for its closing tag. */
#define CLOSE_ROOM 64u

static void lu_element(struct xvios_xmlout *o, const struct xvios_db_lu *lu)
{
    char wwn[XVIOS_LU_WWN_HEX + 1];

    xvios_lu_wwn_format(lu->wwn, wwn);
    xvios_xmlout_raw(o, "  <lu");
    xvios_xmlout_attr(o, "name", lu->name);
    xvios_xmlout_attr(o, "backing", lu->backing);
    xvios_xmlout_attr_u64(o, "offset", lu->offset);
    xvios_xmlout_attr_u64(o, "size", lu->size);
    xvios_xmlout_attr(o, "readOnly", lu->read_only ? "true" : "false");
    xvios_xmlout_attr(o, "wwn", wwn);
    xvios_xmlout_attr(o, "serial", lu->serial);
    xvios_xmlout_attr_u64(o, "created", lu->created);
    if (lu->pool[0])   /* "" only for a damaged entry deleted by name */
        xvios_xmlout_attr(o, "pool", lu->pool);
    xvios_xmlout_raw(o, "/>\n");
}

static int lu_list(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                   bool *more, struct xvios_vio_err *err)
{
    struct xvios_db_lu *lus = NULL;
    unsigned n = 0;
    int rc = xvios_db_lu_list(env->p, XVIOS_TX_NONE, &lus, &n);

    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NO_CLUSTER, "there is no cluster in the DB");
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading the pool: %s", strerror(-rc));
    for (unsigned i = 0; i < n; i++) {
        size_t before = o->len;

        if (rq->name[0] && strcmp(lus[i].name, rq->name) <= 0)
            continue;
        lu_element(o, &lus[i]);
        if (o->overflow || o->cap - o->len < CLOSE_ROOM) {   /* the rest on the next page (after=) */
            o->len = before;
            o->overflow = false;
            *more = true;
            break;
        }
    }
    free(lus);
    return 0;
}

static int lu_get(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                  struct xvios_vio_err *err)
{
    struct xvios_db_lu lu;
    int rc = xvios_db_lu_get(env->p, XVIOS_TX_NONE, rq->name, &lu);

    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "there is no LU %s in the pool", rq->name);
    if (rc == -EIO)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "the DB entry of LU %s is damaged", rq->name);
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading LU %s: %s", rq->name, strerror(-rc));
    lu_element(o, &lu);
    return 0;
}

static int lu_create(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                     struct xvios_vio_err *err)
{
    struct xvios_db_lu_spec spec = { .name = rq->name, .backing = rq->backing, .offset = rq->offset,
                                     .size = rq->size, .read_only = rq->read_only, .pool = rq->pool };
    struct xvios_db_lu lu;
    char why[160] = "";
    int rc;

    if (!xvios_lu_name_ok(rq->name))
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "'%s' is no LU name: 1-%u of A-Z a-z 0-9 _ -, starting with a "
                        "letter or digit", rq->name, XVIOS_LU_NAME_MAX);
    if (rq->pool[0] && !xvios_pool_name_ok(rq->pool))
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "'%s' is no pool name", rq->pool);
    if (xvios_lu_backing_check(rq->backing) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "the backing is not an absolute path without '.', '..', '//' or a "
                        "trailing '/', in printable ASCII, of at most %u bytes", XVIOS_LU_BACKING_MAX);
    if (xvios_lu_region_check(rq->offset, rq->size) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "size %llu at offset %llu: the size must be above 0, both "
                        "multiples of %u, the end within 1 EiB", (unsigned long long)rq->size,
                        (unsigned long long)rq->offset, XVIOS_LU_ALIGN);
    if (env->backing_size && (rc = env->backing_size(env->arg, rq->backing, &spec.backing_size, why,
                                                     sizeof(why))) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "backing %s: %s", rq->backing, why[0] ? why : strerror(-rc));
    rc = xvios_db_lu_create(env->p, &spec, &lu);
    switch (rc) {
    case 0:
        lu_element(o, &lu);
        return 0;
    case -EEXIST:
        return vio_fail(err, XVIOS_VIO_EXISTS, "the pool has an LU named %s already", rq->name);
    case -EFBIG:
        return vio_fail(err, XVIOS_VIO_BEYOND_BACKING, "the region ends beyond the backing's %llu bytes",
                        (unsigned long long)spec.backing_size);
    case -EADDRINUSE:
        return vio_fail(err, XVIOS_VIO_OVERLAP, "the region overlaps another LU of backing %s", rq->backing);
    case -ENOENT:
        return vio_fail(err, XVIOS_VIO_NO_CLUSTER, "there is no cluster in the DB");
    case -ENXIO:
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "there is no pool %s (see pool list)", rq->pool);
    case -EACCES:
        return vio_fail(err, XVIOS_VIO_DOM0_ONLY, "the DB refused the write: only dom0 creates LUs");
    case -EAGAIN:
        return vio_fail(err, XVIOS_VIO_BUSY, "the DB stayed busy; nothing was created, try again");
    default:
        return vio_fail(err, XVIOS_VIO_INTERNAL, "creating LU %s: %s", rq->name, strerror(-rc));
    }
}

/* modify: a larger size and/or the read-only flag, in one DB transaction (xvios_db_lu_modify). */
static int lu_modify(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                     struct xvios_vio_err *err)
{
    struct xvios_db_lu_change ch = { .size = rq->size, .read_only = rq->read_only_given ? rq->read_only : -1 };
    struct xvios_db_lu lu;
    char why[160] = "";
    int rc;

    if (!xvios_lu_name_ok(rq->name))
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "there is no LU %s in the pool", rq->name);
    if (rq->size && (rc = xvios_db_lu_get(env->p, XVIOS_TX_NONE, rq->name, &lu)) == 0 && env->backing_size &&
        (rc = env->backing_size(env->arg, lu.backing, &ch.backing_size, why, sizeof(why))) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "backing %s: %s", lu.backing, why[0] ? why : strerror(-rc));
    rc = xvios_db_lu_modify(env->p, rq->name, &ch, &lu);
    switch (rc) {
    case 0:
        lu_element(o, &lu);
        return 0;
    case -ENOENT:
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "there is no LU %s in the pool", rq->name);
    case -EIO:
        return vio_fail(err, XVIOS_VIO_INTERNAL, "the DB entry of LU %s is damaged", rq->name);
    case -EDOM:
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "size %llu: above 0, a multiple of %u, the end within 1 EiB",
                        (unsigned long long)rq->size, XVIOS_LU_ALIGN);
    case -ERANGE:
        return vio_fail(err, XVIOS_VIO_SHRINK, "size %llu is below LU %s's: an LU only grows (the pool cannot "
                        "tell which of its blocks a client uses)", (unsigned long long)rq->size, rq->name);
    case -EFBIG:
        return vio_fail(err, XVIOS_VIO_BEYOND_BACKING, "the region would end beyond the backing's %llu bytes",
                        (unsigned long long)ch.backing_size);
    case -EADDRINUSE:
        return vio_fail(err, XVIOS_VIO_OVERLAP, "grown to %llu bytes, LU %s would overlap another LU of its backing",
                        (unsigned long long)rq->size, rq->name);
    case -EALREADY:
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "LU %s is so already: nothing to modify", rq->name);
    case -EACCES:
        return vio_fail(err, XVIOS_VIO_DOM0_ONLY, "the DB refused the write: only dom0 modifies LUs");
    case -EAGAIN:
        return vio_fail(err, XVIOS_VIO_BUSY, "the DB stayed busy; nothing was modified, try again");
    default:
        return vio_fail(err, XVIOS_VIO_INTERNAL, "modifying LU %s: %s", rq->name, strerror(-rc));
    }
}

/* One attempt at delete in tx: 0 removed, -EINVAL refused (*err), another negative errno. */
static int delete_in_tx(const struct xvios_vio_env *env, xvios_tx tx, const char *name, struct xvios_db_lu *gone,
                        struct xvios_vio_err *err)
{
    char where[200] = "";
    int rc = xvios_db_lu_get(env->p, tx, name, gone);

    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "there is no LU %s in the pool", name);
    if (rc == -EIO) {   /* a damaged entry can still be removed: answer with its name alone */
        memset(gone, 0, sizeof(*gone));
        snprintf(gone->name, sizeof(gone->name), "%s", name);
    } else if (rc < 0) {
        return rc;
    }
    rc = env->lu_in_use(env->arg, tx, name, where, sizeof(where));
    if (rc < 0)
        return rc;
    if (rc > 0)
        return vio_fail(err, XVIOS_VIO_IN_USE, "LU %s is attached (%s); detach it first", name, where);
    return xvios_db_lu_remove(env->p, tx, name);
}

static int lu_delete(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                     struct xvios_vio_err *err)
{
    struct xvios_db_lu gone;
    int rc = -EAGAIN;

    if (!env->lu_in_use)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "this node cannot tell where LUs are attached: delete refused");
    for (unsigned attempt = 0; attempt < XVIOS_DB_TX_RETRIES && rc == -EAGAIN; attempt++) {
        xvios_tx tx;

        rc = xvios_store_tx_start(env->p, &tx);
        if (rc < 0)
            break;
        rc = delete_in_tx(env, tx, rq->name, &gone, err);
        if (rc < 0) {
            xvios_store_tx_end(env->p, tx, false);
            continue;   /* -EAGAIN only comes from the commit below */
        }
        rc = xvios_store_tx_end(env->p, tx, true);
    }
    if (rc == 0) {
        lu_element(o, &gone);
        return 0;
    }
    if (rc == -EINVAL)
        return rc;   /* refused: *err says why */
    if (rc == -EACCES)
        return vio_fail(err, XVIOS_VIO_DOM0_ONLY, "the DB refused the write: only dom0 deletes LUs");
    if (rc == -EAGAIN)
        return vio_fail(err, XVIOS_VIO_BUSY, "the DB stayed busy; nothing was deleted, try again");
    return vio_fail(err, XVIOS_VIO_INTERNAL, "deleting LU %s: %s", rq->name, strerror(-rc));
}

int vio_lu(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
           struct xvios_vio_change *chg, struct xvios_vio_err *err)
{
    int rc;

    switch (rq->action) {
    case XVIOS_VIO_LIST:
        return lu_list(env, rq, o, more, err);
    case XVIOS_VIO_GET:
        return lu_get(env, rq, o, err);
    case XVIOS_VIO_CREATE:
    case XVIOS_VIO_DELETE:
    case XVIOS_VIO_MODIFY:
        if (!env->dom0)
            return vio_fail(err, XVIOS_VIO_DOM0_ONLY, "lu %s writes the pool in the cluster DB, which only dom0 may "
                            "write: run the request in dom0 ('xvios api' there)", xvios_vio_action_name(rq->action));
        rc = rq->action == XVIOS_VIO_CREATE ? lu_create(env, rq, o, err)
           : rq->action == XVIOS_VIO_MODIFY ? lu_modify(env, rq, o, err) : lu_delete(env, rq, o, err);
        if (rc == 0 && chg) {
            chg->changed = true;
            chg->object = XVIOS_VIO_LU;
            chg->action = rq->action == XVIOS_VIO_CREATE ? "created" : rq->action == XVIOS_VIO_MODIFY ? "modified"
                        : "deleted";
            snprintf(chg->key, sizeof(chg->key), "%s", rq->name);
        }
        return rc;
    }
    return vio_fail(err, XVIOS_VIO_INVALID, "lu has no such action");
}
