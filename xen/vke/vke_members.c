/* SPDX-License-Identifier: MIT */
/*
 * vke_members.c - who is in the cluster, read from the cluster DB: the active
 * node list, this node's id (by its domid), the default timeout. Refreshed
 * when the store's watches fire and, before a broadcast or a send with
 * receipts, re-read (patent: the VKE queries the VIOS DB for the node count).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vke_internal.h"
#include "xvios/db.h"
#include "xvios/log.h"

#define WATCH_NODES  "xvios-vke-nodes"
#define WATCH_CONFIG "xvios-vke-config"

/* Same node set as the cache? (a cheap check: one listing of the node ids) */
static bool node_set_unchanged(struct xvios_vke *v)
{
    uint32_t ids[XVIOS_MAX_NODES];
    unsigned n = 0;

    if (xvios_db_node_ids(v->plat, ids, XVIOS_MAX_NODES, &n) < 0 || n != v->members.n)
        return false;
    for (unsigned i = 0; i < n; i++)
        if (!vke_members_has(&v->members, ids[i]))
            return false;
    return true;
}

int vke_members_refresh(struct xvios_vke *v, bool force)
{
    struct xvios_db_node *nodes = NULL;
    struct xvios_db_config cfg;
    struct vke_members m;
    unsigned n = 0;
    bool changed;
    int rc;

    if (!force && v->members.self && node_set_unchanged(v))
        return 0;
    memset(&m, 0, sizeof(m));
    rc = xvios_db_nodes(v->plat, &nodes, &n);
    if (rc < 0 && rc != -ENOENT) {
        XLOG_WARN("cannot read the node table: %s", strerror(-rc));
        return rc;
    }
    for (unsigned i = 0; i < n && m.n < XVIOS_MAX_NODES; i++) {
        if (nodes[i].state != XVIOS_NODE_ACTIVE)
            continue;
        m.node[m.n] = nodes[i].node;
        m.domid[m.n] = nodes[i].domid;
        if (nodes[i].domid == v->self_domid)
            m.self = nodes[i].node;
        m.n++;
    }
    free(nodes); /* xvios_db_nodes() returns them sorted by node id, as vke_members wants */
    if (xvios_db_config_read(v->plat, &cfg) == 0 && cfg.timeout_ms > 0) {
        v->default_timeout_ms = cfg.timeout_ms;
        v->max_timeout_ms = cfg.max_timeout_ms;
    } else if (!v->default_timeout_ms) {
        v->default_timeout_ms = XVIOS_DB_DEFAULT_TIMEOUT_MS;
    }
    if (!v->max_timeout_ms)
        v->max_timeout_ms = XVIOS_DB_DEFAULT_MAX_TIMEOUT_MS;

    if (m.self != v->members.self) {
        if (m.self)
            XLOG_INFO("this domain (%u) is cluster node %u", v->self_domid, m.self);
        else
            XLOG_INFO("this domain (%u) is not an active cluster member", v->self_domid);
        xvios_log_set_node(m.self);
    }
    changed = m.n != v->members.n || m.self != v->members.self ||
              memcmp(m.node, v->members.node, sizeof(m.node[0]) * m.n) ||
              memcmp(m.domid, v->members.domid, sizeof(m.domid[0]) * m.n);
    v->members = m;
    if (changed)
        vke_peers_sync(v); /* links follow the new table (a new domid means a new link) */
    return 0;
}

/* The multiplexer hands over only our two tokens' events, a drained burst in one call: one re-read. */
static void on_watch(void *arg, const struct xvios_watch_event *ev, unsigned n)
{
    struct xvios_vke *v = arg;

    (void)ev;
    (void)n;
    vke_members_refresh(v, true);
    vke_loop_kick(v);
}

int vke_members_watch(struct xvios_vke *v)
{
    const char *nodes = xvios_db_part_path(XVIOS_DB_PART_NODES);
    const char *config = xvios_db_part_path(XVIOS_DB_PART_CONFIG);
    int rc = xvios_watchmux_add(v->mux, nodes, WATCH_NODES, on_watch, v);

    if (rc == 0) {
        rc = xvios_watchmux_add(v->mux, config, WATCH_CONFIG, on_watch, v);
        if (rc < 0)
            xvios_watchmux_remove(v->mux, nodes, WATCH_NODES);
    }
    if (rc < 0)
        XLOG_ERR("cannot watch the cluster DB: %s", strerror(-rc));
    v->watching = rc == 0;
    return rc;
}

void vke_members_unwatch(struct xvios_vke *v)
{
    if (!v->watching)
        return;
    xvios_watchmux_remove(v->mux, xvios_db_part_path(XVIOS_DB_PART_NODES), WATCH_NODES);
    xvios_watchmux_remove(v->mux, xvios_db_part_path(XVIOS_DB_PART_CONFIG), WATCH_CONFIG);
    v->watching = false;
}
