/* SPDX-License-Identifier: MIT */
/*
 * xvios/db_lu.h - the LU pool in the cluster DB: logical units that any VIOS
 * of the cluster can serve, each a region of a backing (a SAN LUN every VIOS
 * reaches by the same path) with a stable NAA WWN and unit serial number
 * (docs/pool.md is the long version).
 *
 *   /xvios/pool                     owner dom0; no access for others, READ for each member
 *   /xvios/pool/id                  9 hex digits: the pool's 36-bit vendor-specific id (random, nonzero)
 *   /xvios/pool/next-lu             decimal: the next LU number (never decremented, never reused)
 *   /xvios/pool/lus/<name>/         one LU (every node below /xvios/pool: dom0's, members READ)
 *       backing                     absolute canonical path of the backing inside every VIOS
 *       offset, size                decimal bytes: the region [offset, offset + size) of the backing
 *       ro                          "0" | "1"
 *       wwn                         32 hex digits: NAA 6, company id, pool id, LU number
 *       serial                      unit serial number (VPD 0x80)
 *       created                     decimal seconds since the epoch
 *       pool                        the LU's pool (xvios/db_pool.h); no such leaf: the default pool
 *
 * Only dom0 creates and removes LUs (the permissions enforce it: a member's
 * write fails with -EACCES); members read them. Every value read back is
 * checked: a malformed entry is -EIO when named, skipped when listed.
 */
#ifndef XVIOS_DB_LU_H
#define XVIOS_DB_LU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xvios/db.h"

#define XVIOS_LU_NAME_MAX    63u      /* bytes of an LU name */
#define XVIOS_LU_BACKING_MAX 1024u    /* bytes of a backing path */
#define XVIOS_LU_SERIAL_LEN  28u      /* "XVP" + 9 + 16 hex digits */
#define XVIOS_LU_WWN_HEX     32u      /* hex digits of a 16-byte NAA 6 designator */
#define XVIOS_LU_ALIGN       4096u    /* offset and size are multiples of it (O_DIRECT on 4Kn disks) */
#define XVIOS_LU_SIZE_MAX    (UINT64_C(1) << 60)  /* 1 EiB: offset + size stays far from overflow */
/*
 * The company id of every pool WWN: 52-54-A5, a locally administered
 * OUI-like id (the U/L bit of 0x52 is set, so the IEEE never assigns it),
 * the one the engine uses for its path-derived designators too.
 */
#define XVIOS_LU_COMPANY_ID  0x5254a5u

struct xvios_db_lu {
    char name[XVIOS_LU_NAME_MAX + 1];
    char backing[XVIOS_LU_BACKING_MAX + 1];
    uint64_t offset, size;
    bool read_only;
    uint8_t wwn[16];                          /* the NAA IEEE Registered Extended designator, as in VPD 0x83 */
    char serial[XVIOS_LU_SERIAL_LEN + 1];
    uint64_t created;                         /* seconds since the epoch */
    char pool[XVIOS_LU_NAME_MAX + 1];         /* its pool: "default" when the entry names none */
};

/* What `lu create` asks for. backing_size: the backing's size when dom0 can know it, else 0. */
struct xvios_db_lu_spec {
    const char *name;
    const char *backing;
    uint64_t offset, size;
    bool read_only;
    uint64_t backing_size;
    const char *pool;                         /* NULL, "" or "default": the default pool */
};

/* ---------------------------------------------------------------- checks (pure) */
/* 1..63 of [A-Za-z0-9_-], starting with a letter or digit (a store node name). */
bool xvios_lu_name_ok(const char *name);
/* Absolute, canonical (no "//", "/./", "/../", no trailing '/'), printable ASCII: 0, -EINVAL, -ENAMETOOLONG. */
int  xvios_lu_backing_check(const char *path);
/* size > 0, offset and size multiples of XVIOS_LU_ALIGN, offset + size <= XVIOS_LU_SIZE_MAX: 0 or -EDOM. */
int  xvios_lu_region_check(uint64_t offset, uint64_t size);
/* The same backing and intersecting regions. */
bool xvios_lu_overlap(const struct xvios_db_lu *a, const struct xvios_db_lu *b);
/* 32 lowercase hex digits + NUL into buf[33]. */
void xvios_lu_wwn_format(const uint8_t wwn[16], char *buf);
/* 32 hex digits of an NAA 6 designator with XVIOS_LU_COMPANY_ID: 0 or -EINVAL. */
int  xvios_lu_wwn_parse(const char *untrusted_s, uint8_t wwn[16]);
/* A serial as the pool writes it ("XVP" + 25 hex digits). */
bool xvios_lu_serial_ok(const char *untrusted_s);

/* ---------------------------------------------------------------- the pool */
/*
 * dom0: create an LU; allocates its WWN and serial (pool id, next-lu), in
 * one transaction with the EAGAIN retry. -EINVAL: bad name or backing;
 * -EDOM: bad offset/size; -EFBIG: the region ends beyond spec->backing_size
 * (when not 0); -EEXIST: the name is taken; -EADDRINUSE: the region
 * overlaps another LU of the same backing; -ENOENT: no cluster; -ENXIO: no
 * pool spec->pool; -EACCES: not dom0. out (may be NULL) gets the entry as written.
 */
int xvios_db_lu_create(xvios_plat *p, const struct xvios_db_lu_spec *spec, struct xvios_db_lu *out);

/*
 * Inside the caller's transaction, or in one of their own with tx
 * XVIOS_TX_NONE. get: -ENOENT (no such LU), -EIO (malformed entry), -EINVAL
 * (bad name). list: every well-formed LU sorted by name (*lus malloc'd; none
 * without a pool). remove: -ENOENT.
 */
int xvios_db_lu_get(xvios_plat *p, xvios_tx tx, const char *name, struct xvios_db_lu *out);
int xvios_db_lu_list(xvios_plat *p, xvios_tx tx, struct xvios_db_lu **lus, unsigned *n);
int xvios_db_lu_remove(xvios_plat *p, xvios_tx tx, const char *name);

/*
 * dom0: modify an LU in one transaction (EAGAIN retried): size grows it (0: as it is; a region still
 * aligned, within backing_size when not 0, overlapping no other LU of its backing), read_only sets the
 * flag (-1: as it is). -ENOENT: no such LU (or no cluster); -EINVAL: bad name; -EIO: its entry is damaged;
 * -EDOM: the new size is not a valid region; -ERANGE: smaller than the LU is (an LU only grows: the pool
 * cannot tell which blocks a client uses); -EFBIG: beyond the backing; -EADDRINUSE: overlaps another LU;
 * -EALREADY: nothing would change; -EACCES: not dom0. out (may be NULL): the entry as written.
 */
struct xvios_db_lu_change {
    uint64_t size;
    int read_only;
    uint64_t backing_size;
};
int xvios_db_lu_modify(xvios_plat *p, const char *name, const struct xvios_db_lu_change *ch, struct xvios_db_lu *out);

/* The pool's identity: its 36-bit id and the next LU number. -ENOENT: no pool yet (made by the first create)
 * or no cluster; -EIO: a damaged entry. */
struct xvios_db_pool {
    uint64_t id;
    uint64_t next_lu;
};
int xvios_db_pool_get(xvios_plat *p, struct xvios_db_pool *out);

/* The store path of an LU's entry (for messages and tests): 0 or -ENAMETOOLONG / -EINVAL. */
int xvios_db_lu_path(const char *name, char *buf, size_t n);

#endif /* XVIOS_DB_LU_H */
