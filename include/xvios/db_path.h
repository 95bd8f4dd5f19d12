/* SPDX-License-Identifier: MIT */
/*
 * xvios/db_path.h - each VIOS's view of its paths to storage, in the cluster
 * DB (docs/redundancy.md is the long version). The path monitor of a VIOS
 * (backend/dsa) publishes, per LU it can reach or serves:
 *
 *   /xvios/nodes/<node>/paths/<key>/    owner: node's domid; READ for the other members; clients nothing
 *       state                           "good" | "lost"
 *       backing                         the backing's path inside that VIOS
 *       since                           decimal ms since the epoch (CLOCK_REALTIME) of the last change
 *       io-errors                       decimal: I/O errors the VIOS's engine met on the LU since it
 *                                       began serving it (probes not counted); absent = 0
 *
 * <key> is the pool LU's name, or "path-" + 16 hex digits (a hash of the
 * backing path) for an LU attached by path. Every node is written with its
 * permission list set explicitly from the current members (db_perms_for), so
 * a VIOS writes only its own entries and every member and dom0 read them.
 * Removing the member removes its entries with it.
 */
#ifndef XVIOS_DB_PATH_H
#define XVIOS_DB_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xvios/db.h"
#include "xvios/db_lu.h"

#define XVIOS_PATH_KEY_MAX 63u

enum xvios_path_state {
    XVIOS_PATH_UNKNOWN = 0,     /* no entry: the VIOS has not looked at that LU */
    XVIOS_PATH_GOOD = 1,
    XVIOS_PATH_LOST = 2,
};

struct xvios_db_path {
    uint32_t node;
    char key[XVIOS_PATH_KEY_MAX + 1];
    enum xvios_path_state state;
    char backing[XVIOS_LU_BACKING_MAX + 1];
    uint64_t since_ms;
    uint64_t io_errors;         /* the io-errors node (0 when absent) */
};

const char *xvios_path_state_name(enum xvios_path_state s);
/* "path-" + 16 hex digits of a hash of backing: the key of an LU attached by path. -ENAMETOOLONG for cap < 22. */
int xvios_path_key_for_backing(const char *backing, char *out, size_t cap);
/* A key that can name an entry (an LU name's characters, 1..63). */
bool xvios_path_key_valid(const char *key);

/* A VIOS publishes (creates or rewrites) its entry node/<e->key>; -EINVAL for a bad key or state. */
int xvios_db_path_publish(xvios_plat *p, uint32_t node, const struct xvios_db_path *e);
/* ... and takes it away; -ENOENT when there is none. */
int xvios_db_path_remove(xvios_plat *p, uint32_t node, const char *key);
/* One entry; -ENOENT when absent, -EIO when malformed. */
int xvios_db_path_get(xvios_plat *p, uint32_t node, const char *key, struct xvios_db_path *out);
/*
 * Every member's entry for key, sorted by node; members without one are
 * listed with state XVIOS_PATH_UNKNOWN (and an empty backing). *out malloc'd.
 */
int xvios_db_paths_of(xvios_plat *p, const char *key, struct xvios_db_path **out, unsigned *n);

/* The keys of node's entries, sorted (an invalid name is skipped, logged); free with xvios_strv_free(*keys, *n).
 * -ENOENT: the node has published none. */
int xvios_db_path_keys(xvios_plat *p, uint32_t node, char ***keys, unsigned *n);

#endif /* XVIOS_DB_PATH_H */
