/* SPDX-License-Identifier: MIT */
/*
 * db_layout.c - what the cluster DB's readers above it need without knowing
 * where things are kept: watches on its parts, the node ids and client ids
 * it lists, and the store path of a node or client entry for messages that
 * name it (layout: xvios/db.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/wire.h"

const char *xvios_db_part_path(enum xvios_db_part part)
{
    switch (part) {
    case XVIOS_DB_PART_NODES:   return XVIOS_DB_ROOT "/nodes";
    case XVIOS_DB_PART_CLIENTS: return XVIOS_DB_ROOT "/clients";
    case XVIOS_DB_PART_CONFIG:  return XVIOS_DB_ROOT "/config";
    case XVIOS_DB_PART_ADAPTERS: return XVIOS_DB_ROOT "/adapters";
    case XVIOS_DB_PART_POOL:    return XVIOS_DB_ROOT "/pool";
    case XVIOS_DB_PART_VTDS:    return XVIOS_DB_ROOT "/vtds";
    case XVIOS_DB_PART_POOLS:   return XVIOS_DB_ROOT "/pools";
    }
    return NULL;
}

int xvios_db_watch(xvios_plat *p, enum xvios_db_part part, const char *token)
{
    const char *path = xvios_db_part_path(part);

    return path ? xvios_store_watch(p, path, token) : -EINVAL;
}

int xvios_db_unwatch(xvios_plat *p, enum xvios_db_part part, const char *token)
{
    const char *path = xvios_db_part_path(part);

    return path ? xvios_store_unwatch(p, path, token) : -EINVAL;
}

int xvios_db_node_ids(xvios_plat *p, uint32_t *ids, unsigned cap, unsigned *n)
{
    char **names = NULL;
    unsigned nn = 0;
    int rc = xvios_store_list(p, XVIOS_TX_NONE, XVIOS_DB_ROOT "/nodes", &names, &nn);

    *n = 0;
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < nn; i++) {
        uint32_t id;

        if (xvios_parse_u32_canon(names[i], XVIOS_NODE_ID_MAX, &id) < 0 || id == 0)
            continue;  /* not a node entry: xvios_db_nodes() skips it too */
        if (*n == cap) {
            rc = -ENOSPC;
            break;
        }
        ids[(*n)++] = id;
    }
    xvios_strv_free(names, nn);
    return rc;
}

int xvios_db_clients(xvios_plat *p, char ***ids, unsigned *n)
{
    return xvios_store_list(p, XVIOS_TX_NONE, XVIOS_DB_ROOT "/clients", ids, n);
}

int xvios_db_node_path(uint32_t node, char *buf, size_t n)
{
    return db_path(buf, n, XVIOS_DB_ROOT "/nodes/%u", node);
}

int xvios_db_client_path(const char *client, char *buf, size_t n)
{
    return db_path(buf, n, XVIOS_DB_ROOT "/clients/%s", client);
}
