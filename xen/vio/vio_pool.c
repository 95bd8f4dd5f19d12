/* SPDX-License-Identifier: MIT */
/*
 * vio_pool.c - the pool object (docs/api.md, docs/pool.md "Several pools"):
 * list (the default pool first, paged with after=), get (without name= the
 * default pool, with the cluster's WWN numbering as before pools had names),
 * and dom0's create, modify (the access list) and delete through
 * xvios/db_pool.h, the code `xvios pool` runs. Off dom0 the writes are
 * DOM0_ONLY. A pool's element holds its access list and, for a get, the
 * mappings its list no longer names (kept until detached).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vio_int.h"
#include "xvios/db_pool.h"

/* The cluster's LU numbering (/xvios/pool: id, next-lu), shown with the default pool. */
static int numbering(const struct xvios_vio_env *env, struct xvios_xmlout *o, struct xvios_vio_err *err)
{
    struct xvios_db_pool num;
    char id[16];
    int rc = xvios_db_pool_get(env->p, &num);

    if (rc == -ENOENT) {   /* made by the first LU create */
        xvios_xmlout_attr(o, "made", "false");
        return 0;
    }
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "the pool's entry in the DB is damaged (id or next-lu)");
    snprintf(id, sizeof(id), "%09llx", (unsigned long long)num.id);
    xvios_xmlout_attr(o, "made", "true");
    xvios_xmlout_attr(o, "id", id);
    xvios_xmlout_attr_u64(o, "nextLu", num.next_lu);
    return 0;
}

static int pool_element(const struct xvios_vio_env *env, struct xvios_xmlout *o, const struct xvios_db_pool_info *pl,
                        const struct xvios_db_vtd *outside, unsigned n_outside, struct xvios_vio_err *err)
{
    xvios_xmlout_raw(o, "  <pool");
    xvios_xmlout_attr(o, "name", pl->name);
    xvios_xmlout_attr(o, "access", pl->any ? "any" : "list");
    xvios_xmlout_attr_u64(o, "lus", pl->lus);
    xvios_xmlout_attr_u64(o, "bytes", pl->bytes);
    if (pl->created)
        xvios_xmlout_attr_u64(o, "created", pl->created);
    if (xvios_pool_is_default(pl->name) && numbering(env, o, err) < 0)
        return -EINVAL;
    if (pl->n_access == 0 && n_outside == 0) {
        xvios_xmlout_raw(o, "/>\n");
        return 0;
    }
    xvios_xmlout_raw(o, ">\n");
    for (unsigned i = 0; i < pl->n_access; i++) {
        xvios_xmlout_raw(o, "    <client");
        xvios_xmlout_attr(o, "uuid", pl->access[i].uuid);
        if (pl->access[i].name[0])
            xvios_xmlout_attr(o, "name", pl->access[i].name);
        if (pl->access[i].client_id)
            xvios_xmlout_attr_u64(o, "clientId", pl->access[i].client_id);
        xvios_xmlout_raw(o, "/>\n");
    }
    for (unsigned i = 0; i < n_outside; i++) {
        const struct xvios_db_vtd *v = &outside[i];
        char vdev[48];

        snprintf(vdev, sizeof(vdev), "%u:%u:%u:%u", v->vhost, v->chn, v->tgt, v->lun);
        xvios_xmlout_raw(o, "    <notInAccessList");
        xvios_xmlout_attr_u64(o, "client", v->client);
        if (v->client_name[0])
            xvios_xmlout_attr(o, "clientName", v->client_name);
        if (v->client_uuid[0])
            xvios_xmlout_attr(o, "uuid", v->client_uuid);
        xvios_xmlout_attr(o, "vdev", vdev);
        xvios_xmlout_attr_u64(o, "node", v->node);
        xvios_xmlout_attr(o, "lu", v->pool_lu);
        xvios_xmlout_raw(o, "/>\n");
    }
    xvios_xmlout_raw(o, "  </pool>\n");
    return 0;
}

static int read_fail(struct xvios_vio_err *err, int rc, const char *name)
{
    switch (rc) {
    case -ENOENT:
        return vio_fail(err, XVIOS_VIO_NO_CLUSTER, "there is no cluster in the DB");
    case -ENXIO:
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "there is no pool %s", name);
    case -EIO:
        return vio_fail(err, XVIOS_VIO_INTERNAL, "the DB record of pool %s is damaged", name);
    default:
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading the pools: %s", strerror(-rc));
    }
}

static int pool_list(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                     bool *more, struct xvios_vio_err *err)
{
    struct xvios_db_pool_info *pools = NULL;
    unsigned n = 0;
    int rc = xvios_db_pool_list(env->p, XVIOS_TX_NONE, &pools, &n);

    if (rc < 0)
        return read_fail(err, rc, "");
    for (unsigned i = 0; i < n; i++) {
        size_t before = o->len;

        /* the default pool comes first, the others by name: after= skips what was received */
        if (rq->pool[0] && (i == 0 || (!xvios_pool_is_default(rq->pool) && strcmp(pools[i].name, rq->pool) <= 0)))
            continue;
        if ((rc = pool_element(env, o, &pools[i], NULL, 0, err)) < 0)
            break;
        if (vio_page_full(o, before, more))
            break;
    }
    xvios_db_pool_infos_free(pools, n);
    return rc < 0 ? rc : 0;
}

static int pool_get(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                    struct xvios_vio_err *err)
{
    struct xvios_db_pool_info pl;
    struct xvios_db_vtd *outside = NULL;
    unsigned n = 0;
    int rc = xvios_db_pool_read(env->p, XVIOS_TX_NONE, rq->pool, &pl);

    if (rc < 0)
        return read_fail(err, rc, rq->pool[0] ? rq->pool : XVIOS_POOL_DEFAULT);
    rc = xvios_db_pool_outside(env->p, XVIOS_TX_NONE, &pl, &outside, &n);
    if (rc < 0)
        rc = vio_fail(err, XVIOS_VIO_INTERNAL, "reading the VTD table: %s", strerror(-rc));
    else
        rc = pool_element(env, o, &pl, outside, n, err);
    free(outside);
    xvios_db_pool_info_free(&pl);
    return rc;
}

/* A refused write: the code and a sentence (bad: the access entry at fault). */
static int write_fail(struct xvios_vio_err *err, int rc, const char *name, const char *bad, unsigned lus)
{
    switch (rc) {
    case -EEXIST:
        return vio_fail(err, XVIOS_VIO_EXISTS, "pool %s exists already", name);
    case -ENXIO:
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "there is no pool %s", name);
    case -ENOTEMPTY:
        return vio_fail(err, XVIOS_VIO_IN_USE, "pool %s has %u LU(s); delete them first", name, lus);
    case -EBUSY:
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "the default pool is never deleted");
    case -EINVAL:
        if (bad[0])
            return vio_fail(err, XVIOS_VIO_BAD_VALUE, "access entry '%s' is neither a uuid nor a client name (1-%u "
                            "of A-Z a-z 0-9 _ . -, not all digits)", bad, XVIOS_CLIENT_NAME_MAX);
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "'%s' is no pool name: 1-%u of A-Z a-z 0-9 _ -, starting with a "
                        "letter or digit", name, XVIOS_POOL_NAME_MAX);
    case -E2BIG:
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "an access list names at most %u clients", XVIOS_POOL_ACCESS_MAX);
    case -ESRCH:
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "no client is named %s (neither in the clients table nor a running "
                        "domain): give its uuid", bad);
    case -ENOTUNIQ:
        return vio_fail(err, XVIOS_VIO_CONFLICT, "several clients were registered as %s: give the uuid", bad);
    case -ENOENT:
        return vio_fail(err, XVIOS_VIO_NO_CLUSTER, "there is no cluster in the DB");
    case -EACCES:
        return vio_fail(err, XVIOS_VIO_DOM0_ONLY, "the DB refused the write: only dom0 changes pools");
    case -EAGAIN:
        return vio_fail(err, XVIOS_VIO_BUSY, "the DB stayed busy; nothing changed, try again");
    default:
        return vio_fail(err, XVIOS_VIO_INTERNAL, "pool %s: %s", name, strerror(-rc));
    }
}

static int pool_write(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                      struct xvios_vio_err *err)
{
    struct xvios_db_pool_spec spec = { .name = rq->pool, .access = rq->has_access ? rq->access : NULL };
    struct xvios_db_pool_info pl;
    char bad[XVIOS_CLIENT_NAME_MAX + 8] = "";
    unsigned lus = 0;
    int rc;

    if (rq->action == XVIOS_VIO_DELETE) {
        rc = xvios_db_pool_read(env->p, XVIOS_TX_NONE, rq->pool, &pl);   /* the answer: the pool as it was */
        if (rc == -EIO) {   /* a damaged record can still be deleted: answered with its name alone */
            memset(&pl, 0, sizeof(pl));
            snprintf(pl.name, sizeof(pl.name), "%s", rq->pool);
            rc = 0;
        }
        if (rc == 0 && (rc = xvios_db_pool_delete(env->p, rq->pool, &lus)) < 0)
            xvios_db_pool_info_free(&pl);
    } else if (rq->action == XVIOS_VIO_CREATE) {
        rc = xvios_db_pool_create(env->p, &spec, bad, sizeof(bad), &pl);
    } else {
        rc = xvios_db_pool_modify(env->p, &spec, bad, sizeof(bad), &pl);
    }
    if (rc < 0)
        return write_fail(err, rc, rq->pool[0] ? rq->pool : XVIOS_POOL_DEFAULT, bad, lus);
    rc = pool_element(env, o, &pl, NULL, 0, err);
    xvios_db_pool_info_free(&pl);
    return rc;
}

int vio_pool(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
             struct xvios_vio_change *chg, struct xvios_vio_err *err)
{
    int rc;

    switch (rq->action) {
    case XVIOS_VIO_LIST:
        return pool_list(env, rq, o, more, err);
    case XVIOS_VIO_GET:
        return pool_get(env, rq, o, err);
    case XVIOS_VIO_CREATE:
    case XVIOS_VIO_MODIFY:
    case XVIOS_VIO_DELETE:
        if (!env->dom0)
            return vio_fail(err, XVIOS_VIO_DOM0_ONLY, "pool %s writes the pools in the cluster DB, which only dom0 "
                            "may write: run the request in dom0 ('xvios api' there)",
                            xvios_vio_action_name(rq->action));
        rc = pool_write(env, rq, o, err);
        if (rc == 0 && chg) {
            chg->changed = true;
            chg->object = XVIOS_VIO_POOL;
            chg->action = rq->action == XVIOS_VIO_CREATE ? "created" : rq->action == XVIOS_VIO_MODIFY ? "modified"
                                                                                                      : "deleted";
            snprintf(chg->key, sizeof(chg->key), "%s", rq->pool[0] ? rq->pool : XVIOS_POOL_DEFAULT);
        }
        return rc;
    }
    return vio_fail(err, XVIOS_VIO_INVALID, "pool has no such action");
}
