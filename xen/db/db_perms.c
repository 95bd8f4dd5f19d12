/* SPDX-License-Identifier: MIT */
/*
 * db_perms.c - who may touch what in the cluster DB. XenStore permissions
 * belong to each node and are copied only when a node is created, so a
 * membership change rewrites the permission list of every node of the
 * cluster tree (inside the caller's transaction):
 *
 *   /xvios and everything not listed below   owner dom0, others none, READ for members
 *   /xvios/nodes/<n>, /xvios/nodes/<n>/online owner: node n's domid, READ for other members
 *   /xvios/nodes/<n>/paths and below          (its storage paths, xvios/db_path.h: the same)
 *                                             (the entry is the VIOS's, so it goes with its
 *                                             domain; its identity leaves - domid, name, uuid,
 *                                             state - are dom0's, since dom0 derives every
 *                                             grant from them: a member can drop its entry,
 *                                             never rewrite it)
 *   /xvios/clients, /xvios/adapters,          owner dom0, BOTH for members (they create entries
 *   /xvios/client-uuids, /xvios/adapter-keys  and count)
 *   /xvios/next-client-id, next-adapter-id
 *   an entry below those four tables          owner: its creator while a member, else dom0;
 *                                             READ for the other members (only its creator
 *                                             changes or removes it)
 *   /xvios/vtds (the VTD table, xvios/db_vtd.h) owner dom0, BOTH for members (a VIOS records the
 *                                             mappings it makes when asked by another node)
 *   a VTD record                              owner: its writer while a member (dom0 for what dom0
 *                                             attaches: xenstored deletes a destroyed domain's nodes,
 *                                             and these rebuild it; the serving VIOS for what it
 *                                             makes itself), else dom0; READ for the
 *                                             other members (readers believe a record only when its
 *                                             owner is dom0 or the VIOS it names, db_vtd.c)
 *   /xvios/pr and everything below it          owner: its creator while a member, else dom0;
 *   (PR records of pool LUs, xvios/db_pr.h)   BOTH for every member: any VIOS serving an LU
 *                                             commits that LU's reservation changes
 *
 * Anybody else (a client domain) gets nothing; dom0 bypasses all checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/db_vtd.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/wire.h"

/* a list names the owner and every member; each XenStore entry takes at most "r65535\0" (7 bytes): the
 * longest DB path, the owner and XVIOS_MAX_NODES members fit one XenStore message (docs/xenstore.md) */
_Static_assert(XVIOS_STORE_MAX_PERMS >= XVIOS_MAX_NODES + 1, "a permission list holds the owner and every member");
_Static_assert(DB_PATH_MAX + 1 + 3 + 7 * XVIOS_MAX_NODES <= 4096, "a DB permission list fits a XenStore message");

static bool at_or_below(const char *path, const char *top)
{
    size_t n = strlen(top);
    return !strncmp(path, top, n) && (path[n] == '\0' || path[n] == '/');
}

static const char *const tables[] = {
    XVIOS_DB_ROOT "/clients", XVIOS_DB_ROOT "/client-uuids", XVIOS_DB_ROOT "/adapters", XVIOS_DB_ROOT "/adapter-keys",
};

static bool is_table(const char *path)
{
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        if (at_or_below(path, tables[i]))
            return true;
    return false;
}

static bool is_member(const struct db_member *m, unsigned n, uint32_t domid)
{
    for (unsigned i = 0; i < n; i++)
        if (m[i].domid == domid)
            return true;
    return false;
}

int db_perms_for(const char *path, uint32_t current_owner, const struct db_member *m, unsigned n,
                 struct xvios_perm *perms, unsigned *np)
{
    static const char nodes[] = XVIOS_DB_ROOT "/nodes/";
    enum xvios_perm_bits grant = XVIOS_PERM_READ;
    uint32_t owner = 0;
    unsigned cnt = 0;

    if (!at_or_below(path, XVIOS_DB_ROOT))
        return -EINVAL;
    if (is_table(path) || !strcmp(path, XVIOS_DB_ROOT "/next-client-id") ||
        !strcmp(path, XVIOS_DB_ROOT "/next-adapter-id")) {
        bool top = !strcmp(path, XVIOS_DB_ROOT "/next-client-id") || !strcmp(path, XVIOS_DB_ROOT "/next-adapter-id");
        for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
            top = top || !strcmp(path, tables[i]);
        /* the tables and counters: every member creates and counts; an entry: its creator's, READ for
         * the other members, so no VIOS can change or remove what another wrote */
        grant = top ? XVIOS_PERM_BOTH : XVIOS_PERM_READ;
        if (!top && is_member(m, n, current_owner))
            owner = current_owner;
    } else if (at_or_below(path, XVIOS_DB_VTDS)) {
        bool top = !strcmp(path, XVIOS_DB_VTDS);
        grant = top ? XVIOS_PERM_BOTH : XVIOS_PERM_READ;
        if (!top && is_member(m, n, current_owner))
            owner = current_owner;
    } else if (at_or_below(path, XVIOS_DB_ROOT "/pr")) {
        bool top = !strcmp(path, XVIOS_DB_ROOT "/pr");
        grant = XVIOS_PERM_BOTH;
        if (!top && is_member(m, n, current_owner))
            owner = current_owner;
    } else if (!strncmp(path, nodes, strlen(nodes))) {
        char untrusted_id[12];
        const char *s = path + strlen(nodes);
        size_t len = strcspn(s, "/");
        uint32_t id;
        if (len < sizeof(untrusted_id) && (s[len] == '\0' || !strcmp(s + len, "/online") ||
                                           at_or_below(s + len, "/paths"))) {
            memcpy(untrusted_id, s, len);
            untrusted_id[len] = '\0';
            if (xvios_parse_u32_canon(untrusted_id, XVIOS_NODE_ID_MAX, &id) == 0)
                for (unsigned i = 0; i < n; i++)
                    if (m[i].node == id)
                        owner = m[i].domid;
        }
    }
    perms[cnt++] = (struct xvios_perm){ owner, XVIOS_PERM_NONE };
    for (unsigned i = 0; i < n; i++) {
        bool dup = m[i].domid == owner;
        for (unsigned j = 1; j < cnt && !dup; j++)
            dup = perms[j].domid == m[i].domid;
        if (dup)
            continue;
        if (cnt == XVIOS_STORE_MAX_PERMS)
            return -ENOSPC;  /* a permission list holds XVIOS_STORE_MAX_PERMS entries */
        perms[cnt++] = (struct xvios_perm){ m[i].domid, grant };
    }
    *np = cnt;
    return 0;
}
