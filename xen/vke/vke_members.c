/* SPDX-License-Identifier: MIT */
/*
 * vke_members.c - who is in the cluster, read from the cluster DB: the active
 * node list, this node's id (by its domid), the default timeout. Refreshed
 * when the store's watches fire and, before a broadcast or a send with
 * receipts, re-read (patent: the VKE queries the VIOS DB for the node count)
 * unless the store says nothing was committed since the last read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vke_internal.h"
#include "xvios/db.h"
#include "xvios/log.h"

#define WATCH_NODES  "xvios-vke-nodes"
#define WATCH_CONFIG "xvios-vke-config"

/* The store's generation now (taken before a read, so a change during the read makes it stale). */
static bool store_gen(struct xvios_vke *v, uint64_t *gen)
{
    return xvios_store_generation(v->plat, gen) == 0;
}

/*
 * Same node set as the cache? Nothing committed to the store since the cache
 * was last confirmed (where the platform counts commits: loopback) is the
 * cheapest answer; otherwise one listing of the node ids.
 */
static bool node_set_unchanged(struct xvios_vke *v)
{
    uint32_t ids[XVIOS_MAX_NODES];
    unsigned n = 0;
    uint64_t gen = 0;
    bool have_gen = store_gen(v, &gen);

    if (have_gen && v->members_gen_valid && gen == v->members_gen)
        return true;
    if (xvios_db_node_ids(v->plat, ids, XVIOS_MAX_NODES, &n) < 0 || n != v->members.n)
        return false;
    for (unsigned i = 0; i < n; i++)
        if (!vke_members_has(&v->members, ids[i]))
            return false;
    v->members_gen = gen;
    v->members_gen_valid = have_gen;
    return true;
}

int vke_members_refresh(struct xvios_vke *v, bool force)
{
    struct xvios_db_node *nodes = NULL;
    struct xvios_db_config cfg;
    struct vke_members m;
    unsigned n = 0;
    uint64_t gen = 0;
    bool changed, have_gen;
    int rc;

    if (!force && v->members.self && node_set_unchanged(v))
        return 0;
    memset(&m, 0, sizeof(m));
    have_gen = store_gen(v, &gen);
    v->members_gen_valid = false;
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
    v->members_gen = gen;
    v->members_gen_valid = have_gen;
    changed = m.n != v->members.n || m.self != v->members.self ||
              memcmp(m.node, v->members.node, sizeof(m.node[0]) * m.n) ||
              memcmp(m.domid, v->members.domid, sizeof(m.domid[0]) * m.n);
    v->members = m;
    if (changed)
        vke_peers_sync(v); /* links follow the new table (a new domid means a new link) */
    return 0;
}

/* The multiplexer hands over only our two tokens' events, a drained burst in one call: one re-read,
 * none when every event is a node's online flag (membership unchanged). */
static void on_watch(void *arg, const struct xvios_watch_event *ev, unsigned n)
{
    struct xvios_vke *v = arg;
    bool relevant = false;

    for (unsigned i = 0; i < n && !relevant; i++)
        relevant = strcmp(ev[i].token, WATCH_NODES) != 0 || !xvios_db_path_is_online_flag(ev[i].path);
    if (!relevant)
        return;
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
