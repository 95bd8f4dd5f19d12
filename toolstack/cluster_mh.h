/* SPDX-License-Identifier: MIT */
/*
 * cluster_mh.h - `xvios cluster` on a multi-host cluster (docs/multihost.md):
 * join (a VIOS of this host becomes a node, its id (corosync nodeid << 8) |
 * local), the hosts table /xvios/hosts/<corosync nodeid> = host name, and
 * dump (this host's synced copy of the replicated DB, as text).
 */
#ifndef XVIOS_TOOLSTACK_CLUSTER_MH_H
#define XVIOS_TOOLSTACK_CLUSTER_MH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "xvios/platform.h"

#define CLUSTER_MH_HOSTS       "/xvios/hosts"
#define CLUSTER_MH_HOST_NAME   64u      /* a host's name as kept in the DB, with its NUL */
#define CLUSTER_MH_NODEID_MAX  0xffffffu /* corosync nodeids that leave 8 bits for the local number */

/* The host of a multi-host node id: its corosync nodeid (node >> 8) and the name the hosts table gives it
 * ("-" when none). */
void cluster_mh_host_of(xvios_plat *p, uint32_t node, uint32_t *nodeid, char *name, size_t cap);
/* Record this host (its corosync nodeid and nodelist name) in the hosts table: 0 or -errno. */
int cluster_mh_record_host(xvios_plat *p, uint32_t *nodeid, char *name, size_t cap);
/* Is this a multi-host cluster (a hosts table exists)? */
bool cluster_mh_is_multihost(xvios_plat *p);

int cluster_mh_join(const struct xvios_cli *cli, int argc, char **argv);
int cluster_mh_dump(const struct xvios_cli *cli, int argc, char **argv);
/* `xvios --multihost CLUSTER nodes`: every node with its host, from the replicated DB. */
int cluster_mh_nodes(const struct xvios_cli *cli, bool json);

#endif /* XVIOS_TOOLSTACK_CLUSTER_MH_H */
