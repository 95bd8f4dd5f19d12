/* SPDX-License-Identifier: MIT */
/*
 * vio_tables.c - the client, adapter and path objects (docs/api.md), read
 * from the cluster DB on any node: the client and adapter tables
 * (xvios/db_client.h, every record checked when read) and each VIOS's
 * path entries (xvios/db_path.h). Lists are sorted (IDs ascending; paths by
 * node, then key) and paged with after= when they outgrow one message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vio_int.h"

static int table_fail(struct xvios_vio_err *err, int rc, const char *what)
{
    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NO_CLUSTER, "there is no cluster in the DB (or it has no %s table)", what);
    return vio_fail(err, XVIOS_VIO_INTERNAL, "reading the %s table: %s", what, strerror(-rc));
}

/* ---------------------------------------------------------------- client */
static void client_element(struct xvios_xmlout *o, const struct xvios_db_client *c)
{
    xvios_xmlout_raw(o, "  <client");
    xvios_xmlout_attr_u64(o, "id", c->id);
    xvios_xmlout_attr(o, "uuid", c->uuid);
    xvios_xmlout_attr(o, "name", c->name);
    xvios_xmlout_attr_u64(o, "node", c->node);
    xvios_xmlout_raw(o, "/>\n");
}

static int client_get(const struct xvios_vio_env *env, uint32_t id, struct xvios_xmlout *o,
                      struct xvios_vio_err *err)
{
    struct xvios_db_client c;
    int rc = xvios_db_client_get(env->p, XVIOS_TX_NONE, id, &c);

    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "there is no client %u", id);
    if (rc == -EIO)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "the DB entry of client %u is damaged", id);
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading client %u: %s", id, strerror(-rc));
    client_element(o, &c);
    return 0;
}

int vio_client(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
               struct xvios_vio_err *err)
{
    uint32_t *ids = NULL;
    unsigned n = 0;
    int rc;

    if (rq->action == XVIOS_VIO_GET)
        return client_get(env, rq->id, o, err);
    if (rq->action != XVIOS_VIO_LIST)
        return vio_fail(err, XVIOS_VIO_INVALID, "client has list and get: a ClientID is made by the client's "
                        "first login, never by a request");
    rc = xvios_db_client_ids(env->p, XVIOS_TX_NONE, &ids, &n);
    if (rc < 0)
        return table_fail(err, rc, "client");
    for (unsigned i = 0; i < n; i++) {
        struct xvios_db_client c;
        size_t before = o->len;

        if (ids[i] <= rq->id)
            continue;
        rc = xvios_db_client_get(env->p, XVIOS_TX_NONE, ids[i], &c);
        if (rc == -ENOENT || rc == -EIO)
            continue;   /* gone meanwhile, or damaged (logged by the DB): a get names it */
        if (rc < 0) {
            free(ids);
            return vio_fail(err, XVIOS_VIO_INTERNAL, "reading client %u: %s", ids[i], strerror(-rc));
        }
        client_element(o, &c);
        if (vio_page_full(o, before, more))
            break;
    }
    free(ids);
    return 0;
}

/* ---------------------------------------------------------------- adapter */
static void adapter_element(struct xvios_xmlout *o, const struct xvios_db_adapter *a)
{
    xvios_xmlout_raw(o, "  <adapter");
    xvios_xmlout_attr_u64(o, "id", a->id);
    xvios_xmlout_attr_u64(o, "client", a->client_id);
    xvios_xmlout_attr_u64(o, "node", a->node);
    xvios_xmlout_attr_u64(o, "vhost", a->vhost);
    xvios_xmlout_raw(o, "/>\n");
}

int vio_adapter(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
                struct xvios_vio_err *err)
{
    struct xvios_db_adapter a;
    uint32_t *ids = NULL;
    unsigned n = 0;
    int rc;

    if (rq->action == XVIOS_VIO_GET) {
        rc = xvios_db_adapter_get(env->p, XVIOS_TX_NONE, rq->id, &a);
        if (rc == -ENOENT)
            return vio_fail(err, XVIOS_VIO_NOT_FOUND, "there is no adapter %u", rq->id);
        if (rc == -EIO)
            return vio_fail(err, XVIOS_VIO_INTERNAL, "the DB entry of adapter %u is damaged", rq->id);
        if (rc < 0)
            return vio_fail(err, XVIOS_VIO_INTERNAL, "reading adapter %u: %s", rq->id, strerror(-rc));
        adapter_element(o, &a);
        return 0;
    }
    if (rq->action != XVIOS_VIO_LIST)
        return vio_fail(err, XVIOS_VIO_INVALID, "adapter has list and get: an AdapterID is made when a client "
                        "first logs in through a vhost");
    rc = xvios_db_adapter_ids(env->p, XVIOS_TX_NONE, &ids, &n);
    if (rc < 0)
        return table_fail(err, rc, "adapter");
    for (unsigned i = 0; i < n; i++) {
        size_t before = o->len;

        if (ids[i] <= rq->id)
            continue;
        rc = xvios_db_adapter_get(env->p, XVIOS_TX_NONE, ids[i], &a);
        if (rc == -ENOENT || rc == -EIO)
            continue;
        if (rc < 0) {
            free(ids);
            return vio_fail(err, XVIOS_VIO_INTERNAL, "reading adapter %u: %s", ids[i], strerror(-rc));
        }
        adapter_element(o, &a);
        if (vio_page_full(o, before, more))
            break;
    }
    free(ids);
    return 0;
}

/* ---------------------------------------------------------------- path */
static void path_element(struct xvios_xmlout *o, const struct xvios_db_path *e)
{
    xvios_xmlout_raw(o, "  <path");
    xvios_xmlout_attr_u64(o, "node", e->node);
    xvios_xmlout_attr(o, "key", e->key);
    xvios_xmlout_attr(o, "state", xvios_path_state_name(e->state));
    xvios_xmlout_attr(o, "backing", e->backing);
    xvios_xmlout_attr_u64(o, "sinceMs", e->since_ms);
    xvios_xmlout_attr_u64(o, "ioErrors", e->io_errors);
    xvios_xmlout_raw(o, "/>\n");
}

/* One node's entries after key `after` (""); 1 when the page filled, 0, or -EINVAL with *err. */
static int node_paths(const struct xvios_vio_env *env, uint32_t node, const char *after, struct xvios_xmlout *o,
                      bool *more, struct xvios_vio_err *err)
{
    char **keys = NULL;
    unsigned n = 0;
    int rc = xvios_db_path_keys(env->p, node, &keys, &n), full = 0;

    if (rc == -ENOENT)
        return 0;   /* the node has published nothing */
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading node %u's paths: %s", node, strerror(-rc));
    for (unsigned i = 0; i < n && !full; i++) {
        struct xvios_db_path e;
        size_t before = o->len;

        if (after[0] && strcmp(keys[i], after) <= 0)
            continue;
        rc = xvios_db_path_get(env->p, node, keys[i], &e);
        if (rc == -ENOENT || rc == -EIO)
            continue;   /* removed meanwhile, or malformed (logged by the DB) */
        if (rc < 0) {
            vio_fail(err, XVIOS_VIO_INTERNAL, "reading node %u's path %s: %s", node, keys[i], strerror(-rc));
            xvios_strv_free(keys, n);
            return -EINVAL;
        }
        path_element(o, &e);
        full = vio_page_full(o, before, more);
    }
    xvios_strv_free(keys, n);
    return full;
}

static int path_get(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                    struct xvios_vio_err *err)
{
    struct xvios_db_node nd;
    struct xvios_db_path e;
    int rc = xvios_db_node_get(env->p, rq->node_id, &nd);

    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "node %u is not a member of the cluster", rq->node_id);
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading node %u: %s", rq->node_id, strerror(-rc));
    rc = xvios_db_path_get(env->p, rq->node_id, rq->name, &e);
    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "node %u has published no path %s", rq->node_id, rq->name);
    if (rc == -EIO)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "node %u's entry of path %s is damaged", rq->node_id, rq->name);
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading node %u's path %s: %s", rq->node_id, rq->name,
                        strerror(-rc));
    path_element(o, &e);
    return 0;
}

int vio_path(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
             struct xvios_vio_err *err)
{
    uint32_t ids[XVIOS_MAX_NODES];
    unsigned n = 0;
    int rc;

    if (rq->action == XVIOS_VIO_GET)
        return path_get(env, rq, o, err);
    if (rq->action != XVIOS_VIO_LIST)
        return vio_fail(err, XVIOS_VIO_INVALID, "path has list and get: each VIOS's path monitor publishes its own");
    rc = xvios_db_node_ids(env->p, ids, XVIOS_MAX_NODES, &n);
    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NO_CLUSTER, "there is no cluster in the DB");
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading the node table: %s", strerror(-rc));
    if (rq->node_id) {
        bool member = false;

        for (unsigned i = 0; i < n; i++)
            member |= ids[i] == rq->node_id;
        if (!member)
            return vio_fail(err, XVIOS_VIO_NOT_FOUND, "node %u is not a member of the cluster", rq->node_id);
        rc = node_paths(env, rq->node_id, rq->name, o, more, err);
        return rc < 0 ? rc : 0;
    }
    for (unsigned i = 0; i < n; i++) {   /* every node: a full page says more="true"; page on with node= */
        rc = node_paths(env, ids[i], "", o, more, err);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    return 0;
}
