/* SPDX-License-Identifier: MIT */
/*
 * db_internal.h - functions shared by the cluster DB files (xen/db*.c). They
 * use the platform store API only, so the DB runs unchanged on XenStore.
 */
#ifndef XVIOS_DB_INTERNAL_H
#define XVIOS_DB_INTERNAL_H

#include "xvios/db.h"

#define DB_PATH_MAX 128
#define DB_TIMEOUT_MAX_MS 86400000u
#define DB_RETRIES_MAX 1000u

/* One member: a node id and the domain that is that node. */
struct db_member {
    uint32_t node;
    uint32_t domid;
};


int db_path(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Read a value of at most max bytes (no NUL inside) into out[max + 1]. */
int db_read_str(xvios_plat *p, xvios_tx tx, const char *path, char *out, size_t max);
int db_read_u32(xvios_plat *p, xvios_tx tx, const char *path, uint32_t max, uint32_t *out);
/* A record's text holds exactly keys[0..nkeys) (nkeys <= 32), each once, every line ended: 0 or -EIO. */
int db_kv_exactly(const char *text, size_t len, const char *const *keys, unsigned nkeys);
/* Write a value and set the node's permissions explicitly. */
int db_write(xvios_plat *p, xvios_tx tx, const char *path, const char *val,
             const struct xvios_perm *perms, unsigned n);
int db_write_u32(xvios_plat *p, xvios_tx tx, const char *path, uint32_t v,
                 const struct xvios_perm *perms, unsigned n);

/* The members recorded under /xvios/nodes (malformed entries are logged and skipped). *m malloc'd. */
int db_members(xvios_plat *p, xvios_tx tx, struct db_member **m, unsigned *n);

/*
 * Permissions after a membership change (db_regrant.c; docs/xenstore.md's table).
 * db_regrant_layout: the nodes the DB itself lays out (a fixed set: the top
 * nodes, config, counters, and each member's entry with its identity leaves
 * and online flag), inside the caller's transaction, so it stays bounded
 * whatever members created.
 * db_regrant_tables: everything else below /xvios except the members' own
 * subtrees (the client and adapter tables), in transactions of at most
 * DB_REGRANT_BATCH nodes each, resuming where the last one stopped.
 */
#define DB_REGRANT_BATCH 256u
#define DB_MAX_DEPTH 32u
int db_regrant_layout(xvios_plat *p, xvios_tx tx, const struct db_member *m, unsigned n);
int db_regrant_tables(xvios_plat *p);

/* The permission list a path in the cluster tree must have (perms[] holds XVIOS_MAX_NODES + 1). */
int db_perms_for(const char *path, uint32_t current_owner, const struct db_member *m, unsigned n,
                 struct xvios_perm *perms, unsigned *np);

/* The pools (db_pool.c, db_pool_access.c; xvios/db_pool.h). */
struct xvios_db_pool_client;
struct xvios_db_pool_info;
/* db_pool_record.c: one pool's record (the default pool without one: open to any client). 0, -ENXIO (no such
 * pool), -ENOENT (no cluster), -EIO (damaged, confirmed), -EAGAIN (a torn read: run the transaction again). */
int db_pool_record_read(xvios_plat *p, xvios_tx tx, const char *name, struct xvios_db_pool_info *out);
/* Does pool name exist (the default pool does while the cluster does)? As db_pool_record_read. */
int db_pool_exists(xvios_plat *p, xvios_tx tx, const char *name);
/* "default" for NULL, "" or "default", else name. */
const char *db_pool_canon(const char *name);
/* A node with children or none: 0, -ENOENT, or another error. */
int db_dir_exists(xvios_plat *p, xvios_tx tx, const char *path);
/* An access list as given into its clients, sorted by uuid (*out malloc'd); errors as xvios/db_pool.h says. */
int db_pool_access_resolve(xvios_plat *p, xvios_tx tx, const char *text, bool *any,
                           struct xvios_db_pool_client **out, unsigned *n, char *bad, size_t cap);
/* A canonical lowercase uuid (an access entry's node name); a client name as stored ("" or a valid name). */
bool db_pool_uuid_key_ok(const char *s);
bool db_pool_client_name_ok(const char *s);

#endif /* XVIOS_DB_INTERNAL_H */
