/* SPDX-License-Identifier: MIT */
/*
 * vio_objects.c - the cluster and node objects (docs/api.md; the pool's is vio_pool.c): read from
 * the cluster DB, written as elements of the vioResponse. Every value read
 * from the store is checked (xvios/db.h does).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vio_int.h"
#include "xvios/db.h"

static int db_fail(struct xvios_vio_err *err, int rc, const char *what)
{
    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NO_CLUSTER, "there is no cluster in the DB (%s)", what);
    return vio_fail(err, XVIOS_VIO_INTERNAL, "reading %s: %s", what, strerror(-rc));
}

int vio_cluster(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                struct xvios_vio_err *err)
{
    struct xvios_db_config cfg;
    uint32_t ids[XVIOS_MAX_NODES];
    unsigned n = 0;
    int rc = xvios_db_config_read(env->p, &cfg);

    (void)rq;
    if (rc < 0)
        return db_fail(err, rc, "the cluster configuration");
    rc = xvios_db_node_ids(env->p, ids, XVIOS_MAX_NODES, &n);
    if (rc < 0 && rc != -ENOENT)
        return db_fail(err, rc, "the node table");
    xvios_xmlout_raw(o, "  <cluster");
    xvios_xmlout_attr(o, "name", cfg.name);
    xvios_xmlout_attr_u64(o, "maxNodes", cfg.max_nodes);
    xvios_xmlout_attr_u64(o, "timeoutMs", cfg.timeout_ms);
    xvios_xmlout_attr_u64(o, "maxTimeoutMs", cfg.max_timeout_ms);
    xvios_xmlout_attr_u64(o, "retries", cfg.retries);
    xvios_xmlout_attr_u64(o, "nodes", n);
    xvios_xmlout_raw(o, "/>\n");
    return 0;
}

static void node_element(struct xvios_xmlout *o, const struct xvios_db_node *nd)
{
    xvios_xmlout_raw(o, "  <node");
    xvios_xmlout_attr_u64(o, "id", nd->node);
    xvios_xmlout_attr_u64(o, "domid", nd->domid);
    xvios_xmlout_attr(o, "name", nd->name);
    xvios_xmlout_attr(o, "uuid", nd->uuid);
    xvios_xmlout_attr(o, "state", nd->state == XVIOS_NODE_ACTIVE ? "active" : "leaving");
    xvios_xmlout_attr(o, "online", nd->online ? "true" : "false");
    xvios_xmlout_raw(o, "/>\n");
}

int vio_node(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
             struct xvios_vio_err *err)
{
    struct xvios_db_node one, *nodes = NULL;
    unsigned n = 0;
    int rc;

    if (rq->action == XVIOS_VIO_GET) {
        rc = xvios_db_node_get(env->p, rq->node_id, &one);
        if (rc == -ENOENT)
            return vio_fail(err, XVIOS_VIO_NOT_FOUND, "node %u is not a member of the cluster", rq->node_id);
        if (rc < 0)
            return db_fail(err, rc, "the node's entry");
        node_element(o, &one);
        return 0;
    }
    rc = xvios_db_nodes(env->p, &nodes, &n);
    if (rc < 0)
        return db_fail(err, rc, "the node table");
    for (unsigned i = 0; i < n; i++)   /* at most XVIOS_MAX_NODES of ~200 bytes: fits one message */
        node_element(o, &nodes[i]);
    free(nodes);
    return 0;
}
