/* SPDX-License-Identifier: MIT */
/*
 * xvios/db.h - the cluster database, kept in the store (XenStore on Xen, the
 * directory store on loopback; same layout and permissions on both).
 *
 * Layout (docs/xenstore.md is the long version):
 *
 *   /xvios                          owner dom0; no access for others, READ for each member VIOS
 *   /xvios/config/name              cluster name
 *   /xvios/config/max-nodes         decimal, <= XVIOS_MAX_NODES
 *   /xvios/config/timeout-ms        default receipt/response deadline
 *   /xvios/config/max-timeout-ms    the longest deadline a send may ask for (longer ones are cut to it);
 *                                   absent in older clusters: XVIOS_DB_DEFAULT_MAX_TIMEOUT_MS
 *   /xvios/config/retries           daemon re-send count for unacknowledged nodes
 *   /xvios/next-node-id             counter (dom0 allocates node ids)
 *   /xvios/nodes/<node>/            owner: that VIOS's domid (it writes only here); READ for members
 *   /xvios/nodes/<node>/domid       decimal domid
 *   /xvios/nodes/<node>/name        domain name
 *   /xvios/nodes/<node>/uuid        domain uuid
 *   /xvios/nodes/<node>/state       "active" (member) | "leaving" (being removed)
 *   /xvios/nodes/<node>/online      "1" while its VKE runs, "0" after a clean stop
 *   /xvios/clients, /xvios/client-uuids  ClientID table and its index (xvios/db_client.h);
 *   /xvios/adapters, /xvios/adapter-keys AdapterID table and its index; members create entries,
 *                                   each its creator's, READ for the other members
 *   /xvios/next-client-id, /xvios/next-adapter-id   counters; members may write
 *   /xvios/pr/<lu>/...              PR state of each pool LU (xvios/db_pr.h); members may write
 *
 * Node ids are 1..XVIOS_MAX_NODES; 0 means "none" (and dom0's management
 * console on links). All writes that must be atomic run in one store
 * transaction with the EAGAIN retry loop (xvios_db_* do it themselves).
 */
#ifndef XVIOS_DB_H
#define XVIOS_DB_H

#include <stdbool.h>
#include <stdint.h>
#include "xvios/platform.h"

#define XVIOS_DB_ROOT "/xvios"
#define XVIOS_DB_TX_RETRIES 64   /* EAGAIN retries before giving up with -EAGAIN */

/* Run body(p, tx, ctx) in a transaction of its own; a conflict (-EAGAIN from the body or at commit) runs
 * it again, up to XVIOS_DB_TX_RETRIES times, then -EAGAIN. Any other error of the body aborts the
 * transaction and is the answer. */
int xvios_db_tx_run(xvios_plat *p, int (*body)(xvios_plat *p, xvios_tx tx, void *ctx), void *ctx);
/* The receipt/response deadline while the cluster's config/timeout-ms cannot be read. */
#define XVIOS_DB_DEFAULT_TIMEOUT_MS 2000u
/* The cluster's maximum send timeout when config/max-timeout-ms is absent (or 0 at create). */
#define XVIOS_DB_DEFAULT_MAX_TIMEOUT_MS 60000u

struct xvios_db_config {
    char name[64];
    uint32_t max_nodes;
    uint32_t timeout_ms;
    uint32_t retries;
    uint32_t max_timeout_ms;   /* >= timeout_ms; 0 at create: the default (or timeout_ms when longer) */
};

enum xvios_node_state {
    XVIOS_NODE_ACTIVE  = 1,
    XVIOS_NODE_LEAVING = 2,
};

struct xvios_db_node {
    uint32_t node;
    uint32_t domid;
    char name[64];
    char uuid[37];
    enum xvios_node_state state;
    bool online;
};

/* dom0: create /xvios with cfg; -EEXIST if a cluster exists. */
int xvios_db_cluster_create(xvios_plat *p, const struct xvios_db_config *cfg);
/* dom0: remove the whole cluster; -ENOENT if none. */
int xvios_db_cluster_destroy(xvios_plat *p);
int xvios_db_config_read(xvios_plat *p, struct xvios_db_config *cfg);  /* -ENOENT: no cluster */

/*
 * Node ids. A single-host cluster allocates 1..XVIOS_MAX_NODES; a multi-host
 * cluster names each node (corosync nodeid << 8) | local (docs/multihost.md,
 * "Node identity across hosts"), so an id read from the DB may be any value
 * 1..XVIOS_NODE_ID_MAX. XVIOS_MAX_NODES still bounds how many there are.
 */
#define XVIOS_NODE_ID_MAX 0xffffffffu

/*
 * dom0: add a domain as a node; allocates the node id, writes the node
 * subtree owned by that domain, grants it READ on the cluster tree.
 * -EEXIST: the domain is a member already; -ENOSPC: max-nodes reached;
 * -EINVAL: domid 0.
 */
int xvios_db_node_add(xvios_plat *p, const struct xvios_dominfo *dom, uint32_t *node_out);
/* The same with the node id given (a multi-host id, 1..XVIOS_NODE_ID_MAX); -EEXIST also when the id is
 * taken. The allocation counter is left alone. */
int xvios_db_node_add_id(xvios_plat *p, const struct xvios_dominfo *dom, uint32_t node);
/* dom0: remove a node and revoke its READ grant; -ENOENT if unknown. */
int xvios_db_node_remove(xvios_plat *p, uint32_t node);

/* Members: all nodes (any state), sorted by node id. *nodes malloc'd. */
int xvios_db_nodes(xvios_plat *p, struct xvios_db_node **nodes, unsigned *n);
int xvios_db_node_get(xvios_plat *p, uint32_t node, struct xvios_db_node *out);
/* The node whose domid is domid; -ENOENT if none. */
int xvios_db_node_by_domid(xvios_plat *p, uint32_t domid, uint32_t *node);
/* A VIOS marks itself online/offline (writes only its own subtree). */
int xvios_db_node_set_online(xvios_plat *p, uint32_t node, bool online);
/* Does a watch event's path name only a node's online flag (/xvios/nodes/<n>/online)? Such a change
 * leaves the membership (ids, domids, states) as it was: a watcher of the node table need not re-read
 * it (in a 128-node cluster, every start writes one, and each re-read is ~640 store reads). */
bool xvios_db_path_is_online_flag(const char *path);

/*
 * For readers that follow the DB without knowing its layout (the daemon's
 * events, the VKE's membership): watch a part (the platform's watch fd then
 * reports events with token), list the node ids (cheap: one listing, no
 * values; malformed entries skipped; -ENOSPC when more than cap) or the
 * client ids (*ids malloc'd, xvios_strv_free), and the store path of a node
 * or client entry, for messages that name it (-ENAMETOOLONG).
 */
enum xvios_db_part {
    XVIOS_DB_PART_NODES = 1,     /* members joining, leaving, changing state */
    XVIOS_DB_PART_CLIENTS = 2,   /* ClientID table */
    XVIOS_DB_PART_CONFIG = 3,    /* cluster configuration */
    XVIOS_DB_PART_ADAPTERS = 4,  /* AdapterID table */
    XVIOS_DB_PART_POOL = 5,      /* the LU pool (its id, its LUs) */
    XVIOS_DB_PART_VTDS = 6,      /* the VTD table (mappings) */
    XVIOS_DB_PART_POOLS = 7,     /* the named pools and their access lists (xvios/db_pool.h) */
};
/* The store path of a part (for a watch through a multiplexer); NULL for an unknown part. */
const char *xvios_db_part_path(enum xvios_db_part part);
int xvios_db_watch(xvios_plat *p, enum xvios_db_part part, const char *token);
int xvios_db_unwatch(xvios_plat *p, enum xvios_db_part part, const char *token);
int xvios_db_node_ids(xvios_plat *p, uint32_t *ids, unsigned cap, unsigned *n);
int xvios_db_clients(xvios_plat *p, char ***ids, unsigned *n);
int xvios_db_node_path(uint32_t node, char *buf, size_t n);
int xvios_db_client_path(const char *client, char *buf, size_t n);

#endif /* XVIOS_DB_H */
