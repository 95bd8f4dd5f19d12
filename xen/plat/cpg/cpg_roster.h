/* SPDX-License-Identifier: MIT */
/*
 * cpg_roster.h - which CPG process (corosync nodeid, pid) is which multi-host
 * node: learned from HELLOs, forgotten at the confchg that reports the process
 * gone. Pure bookkeeping, no corosync calls (unit-tested alone).
 */
#ifndef XVIOS_CPG_ROSTER_H
#define XVIOS_CPG_ROSTER_H

#include <stdint.h>

#include "xvios/cpg.h"

struct cpg_roster_entry {
    uint32_t cs_nodeid;
    uint32_t pid;
    uint32_t node;
};

struct cpg_roster {
    struct cpg_roster_entry e[XVIOS_CPG_MAX_MEMBERS];
    unsigned n;
};

/*
 * A HELLO from process (cs_nodeid, pid) claiming node: 1 new member, 0 known
 * already (a re-announcement), -EPERM the node is not in cs_nodeid's range,
 * -EEXIST another live process holds the node or this process announced
 * another node, -ENOSPC roster full.
 */
int cpg_roster_hello(struct cpg_roster *r, uint32_t cs_nodeid, uint32_t pid, uint32_t node);
/* The node process (cs_nodeid, pid) announced, 0 if none. */
uint32_t cpg_roster_node_of(const struct cpg_roster *r, uint32_t cs_nodeid, uint32_t pid);
/* Forget process (cs_nodeid, pid): its node, or 0 when it never announced one. */
uint32_t cpg_roster_remove(struct cpg_roster *r, uint32_t cs_nodeid, uint32_t pid);
/* The nodes, sorted; returns the count (only cap are written). */
unsigned cpg_roster_nodes(const struct cpg_roster *r, uint32_t *nodes, unsigned cap);

#endif /* XVIOS_CPG_ROSTER_H */
