/* SPDX-License-Identifier: MIT */
/*
 * xvios/db_pool.h - the cluster's storage pools and their access lists
 * (docs/pool.md, "Several pools"). Every LU belongs to one pool; a pool
 * names the clients that may have its LUs attached.
 *
 *   /xvios/pools                         the table (made by the first pool create or modify); dom0's, members READ
 *   /xvios/pools/<pool>                  one pool (<pool> as an LU name)
 *       created                          decimal seconds since the epoch
 *       access                           "any": every client; "list": only the clients below
 *       access/<uuid>                    one client allowed: its uuid, lowercase; value: its name ("" unknown)
 *   /xvios/pool/lus/<lu>/pool            the LU's pool (xvios/db_lu.h); no such leaf: the default pool
 *
 * The default pool ("default") always exists: it is the pool that was
 * there before pools had names (/xvios/pool, its LUs without a pool leaf).
 * It has no record until its access list is set (pool modify default);
 * without one every client may use it, as before. LU names stay unique
 * across pools, and every LU takes its WWN from the one numbering kept in
 * /xvios/pool (id, next-lu), whatever its pool.
 *
 * Only dom0 writes (every node's permissions are set explicitly: owner
 * dom0, READ for the members, nothing for anyone else); every change is one
 * transaction with the EAGAIN retry; everything read back is checked.
 */
#ifndef XVIOS_DB_POOL_H
#define XVIOS_DB_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xvios/db.h"
#include "xvios/db_client.h"
#include "xvios/db_lu.h"
#include "xvios/db_vtd.h"

#define XVIOS_POOL_DEFAULT    "default"
#define XVIOS_POOL_NAME_MAX   XVIOS_LU_NAME_MAX
#define XVIOS_POOL_ACCESS_MAX 256u     /* clients in one access list */
/* An access list as given: "*", or entries separated by ',' (each at most a name's 63 bytes). */
#define XVIOS_POOL_ACCESS_TEXT_MAX (XVIOS_POOL_ACCESS_MAX * (XVIOS_CLIENT_NAME_MAX + 1))

/* One client of an access list. */
struct xvios_db_pool_client {
    char uuid[37];                           /* lowercase */
    char name[XVIOS_CLIENT_NAME_MAX + 1];    /* as resolved when the list was set, "" unknown */
    uint32_t client_id;                      /* its ClientID when it has logged in (read, not stored), else 0 */
};

struct xvios_db_pool_info {
    char name[XVIOS_POOL_NAME_MAX + 1];
    bool recorded;                           /* it has a record (a named pool; the default pool once modified) */
    bool any;                                /* every client may use it */
    uint64_t created;                        /* 0: no record */
    unsigned n_access;
    struct xvios_db_pool_client *access;     /* n_access of them, sorted by uuid (malloc'd) */
    unsigned lus;                            /* its LUs (well-formed ones) */
    uint64_t bytes;                          /* their sizes added up (saturating) */
};
void xvios_db_pool_info_free(struct xvios_db_pool_info *info);
void xvios_db_pool_infos_free(struct xvios_db_pool_info *infos, unsigned n);

/* A pool name: an LU name's rules (1..63 of [A-Za-z0-9_-], first a letter or digit). */
bool xvios_pool_name_ok(const char *name);
/* The default pool's name (a pool name of NULL or "" is the default pool too). */
bool xvios_pool_is_default(const char *name);

/*
 * An access list as given: "*" (every client), "" (nobody), or up to
 * XVIOS_POOL_ACCESS_MAX entries separated by ',', each a client's uuid
 * (either case) or a name (1..63 of [A-Za-z0-9_.-], not all digits: a domid
 * names no client for long). A name is resolved to the uuid of the client
 * the clients table registered under that name (exactly one), else of the
 * running domain of that name on this host. On failure bad (cap bytes) gets
 * the entry at fault: -EINVAL malformed, -E2BIG too many, -ESRCH no client
 * of that name, -ENOTUNIQ two registered clients have that name.
 */
struct xvios_db_pool_spec {
    const char *name;
    const char *access;                      /* NULL on create: nobody (set it with modify) */
};

/*
 * dom0: create a pool (one transaction: the record, its access list).
 * -EINVAL (bad name), -EEXIST (exists; the default pool always does),
 * -ENOENT (no cluster), -EACCES (not dom0), or the access list's errors.
 * out (may be NULL) gets the pool as written (free it).
 */
int xvios_db_pool_create(xvios_plat *p, const struct xvios_db_pool_spec *spec, char *bad, size_t cap,
                         struct xvios_db_pool_info *out);
/* dom0: replace the access list (the default pool gets its record). -ENXIO: no such pool; else as create. */
int xvios_db_pool_modify(xvios_plat *p, const struct xvios_db_pool_spec *spec, char *bad, size_t cap,
                         struct xvios_db_pool_info *out);
/*
 * dom0: remove a pool, in one transaction that checks it has no LU (a
 * damaged LU entry that names it counts). -ENXIO no such pool, -ENOTEMPTY it
 * has LUs (*lu_count), -EBUSY the default pool (never removed).
 */
int xvios_db_pool_delete(xvios_plat *p, const char *name, unsigned *lu_count);

/* Inside the caller's transaction or their own (XVIOS_TX_NONE). -ENXIO no such pool, -EIO a damaged record,
 * -ENOENT no cluster. list: the default pool first, then the others by name; a damaged one is skipped. */
int xvios_db_pool_read(xvios_plat *p, xvios_tx tx, const char *name, struct xvios_db_pool_info *out);
int xvios_db_pool_list(xvios_plat *p, xvios_tx tx, struct xvios_db_pool_info **out, unsigned *n);

/*
 * The attach check, inside the attach's transaction: may the client of
 * uuid ("" unknown: only a pool open to any client admits it) have an LU of
 * pool attached? 0 yes, -EPERM no, -ENXIO the pool is gone, -EIO its record
 * is damaged.
 */
int xvios_db_pool_admits(xvios_plat *p, xvios_tx tx, const char *pool, const char *uuid);
/*
 * The same for a path attached as it is: every LU whose backing is that
 * path must admit the client (the path is all of it). -EPERM with lu and pool
 * (XVIOS_LU_NAME_MAX + 1 bytes each) naming the first LU that does not.
 */
int xvios_db_pool_admits_path(xvios_plat *p, xvios_tx tx, const char *path, const char *uuid, char *lu, char *pool);

/* The mappings (VTD records) of the pool's LUs whose client its access list does not name: kept until detached,
 * shown as "not in the access list". *out malloc'd. */
int xvios_db_pool_outside(xvios_plat *p, xvios_tx tx, const struct xvios_db_pool_info *pool,
                          struct xvios_db_vtd **out, unsigned *n);

#endif /* XVIOS_DB_POOL_H */
