/* SPDX-License-Identifier: MIT */
/* cpg_roster.c - CPG processes to multi-host nodes (cpg_roster.h). */
#include <errno.h>
#include <stdlib.h>

#include "cpg_roster.h"

static int find_proc(const struct cpg_roster *r, uint32_t cs_nodeid, uint32_t pid)
{
    for (unsigned i = 0; i < r->n; i++)
        if (r->e[i].cs_nodeid == cs_nodeid && r->e[i].pid == pid)
            return (int)i;
    return -1;
}

int cpg_roster_hello(struct cpg_roster *r, uint32_t cs_nodeid, uint32_t pid, uint32_t node)
{
    if (xvios_cpg_node_host(node) != cs_nodeid || xvios_cpg_node_id(cs_nodeid, xvios_cpg_node_local(node)) != node)
        return -EPERM;
    int i = find_proc(r, cs_nodeid, pid);
    if (i >= 0)
        return r->e[i].node == node ? 0 : -EEXIST;
    for (unsigned k = 0; k < r->n; k++)
        if (r->e[k].node == node)
            return -EEXIST;
    if (r->n >= XVIOS_CPG_MAX_MEMBERS)
        return -ENOSPC;
    r->e[r->n++] = (struct cpg_roster_entry){ .cs_nodeid = cs_nodeid, .pid = pid, .node = node };
    return 1;
}

uint32_t cpg_roster_node_of(const struct cpg_roster *r, uint32_t cs_nodeid, uint32_t pid)
{
    int i = find_proc(r, cs_nodeid, pid);
    return i < 0 ? 0 : r->e[i].node;
}

uint32_t cpg_roster_remove(struct cpg_roster *r, uint32_t cs_nodeid, uint32_t pid)
{
    int i = find_proc(r, cs_nodeid, pid);
    if (i < 0)
        return 0;
    uint32_t node = r->e[i].node;
    r->e[i] = r->e[--r->n];
    return node;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

unsigned cpg_roster_nodes(const struct cpg_roster *r, uint32_t *nodes, unsigned cap)
{
    uint32_t all[XVIOS_CPG_MAX_MEMBERS];
    for (unsigned i = 0; i < r->n; i++)
        all[i] = r->e[i].node;
    qsort(all, r->n, sizeof all[0], cmp_u32);
    for (unsigned i = 0; i < r->n && i < cap; i++)
        nodes[i] = all[i];
    return r->n;
}
