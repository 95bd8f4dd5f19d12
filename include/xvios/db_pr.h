/* SPDX-License-Identifier: MIT */
/*
 * xvios/db_pr.h - the persistent-reservation state of each pool LU in the
 * cluster DB (docs/pool.md, "Reservations that hold cluster-wide"): one
 * record per LU that every VIOS serving it reads before it serves and that
 * every PR change is committed to, so the state outlives any VIOS (APTPL).
 *
 *   /xvios/pr                       owner dom0, BOTH for members, none for others (made at cluster create)
 *   /xvios/pr/<lu>/                 one LU's record (<lu>: the pool LU's name); owner: the VIOS that made it
 *       gen                         decimal u64: +1 per committed change (1 = the first); never reused
 *       len                         decimal: bytes of the state blob (0..XVIOS_DB_PR_BLOB_MAX)
 *       blob-0 .. blob-<k-1>        the blob (scsi_pr_save's format) in lowercase hex, XVIOS_DB_PR_CHUNK bytes
 *                                   (2 x that many digits) per node, the last one shorter
 *
 * The record is untrusted when read (another VIOS wrote it): every value is
 * checked here (canonical decimals, the exact number and sizes of chunks,
 * hex digits only); the blob's own format and CRC are the PR module's job
 * (scsi_pr_load). A malformed record is -EIO, never a guess.
 *
 * The serialization point of the cluster's PR changes is
 * xvios_db_pr_update(): one store transaction reads the record, lets the
 * caller compute the next state from it, writes it with gen + 1 and commits;
 * a conflict (-EAGAIN) redoes it all from a fresh read. Two VIOSes racing
 * therefore commit one after the other, each against the other's result.
 */
#ifndef XVIOS_DB_PR_H
#define XVIOS_DB_PR_H

#include <stddef.h>
#include <stdint.h>

#include "xvios/db.h"

#define XVIOS_DB_PR_ROOT       XVIOS_DB_ROOT "/pr"
/*
 * Blob bytes per node: 1400 hex digits, so value + 8 bytes per permission
 * entry (64 at most) stays below xenstored's node size quota for an
 * unprivileged domain (2048 bytes), which a VIOS is.
 */
#define XVIOS_DB_PR_CHUNK      700u
#define XVIOS_DB_PR_CHUNKS_MAX 32u
#define XVIOS_DB_PR_BLOB_MAX   (XVIOS_DB_PR_CHUNK * XVIOS_DB_PR_CHUNKS_MAX)   /* 22400 bytes */

struct xvios_db_pr {
    uint64_t gen;                        /* 0: no record yet (the empty state) */
    size_t len;                          /* blob bytes; 0 with gen 0 */
    uint8_t blob[XVIOS_DB_PR_BLOB_MAX];
};

/* The record's store path (/xvios/pr/<lu>): 0, -EINVAL (not an LU name), -ENAMETOOLONG. */
int xvios_db_pr_path(const char *lu, char *buf, size_t n);
/* The LU a watch event's path at or below /xvios/pr/<lu> is about: 0, or -EINVAL (/xvios/pr itself, other paths). */
int xvios_db_pr_lu_of(const char *path, char *lu, size_t cap);

/*
 * Read the record in tx (or XVIOS_TX_NONE). -ENOENT: none (out->gen = 0,
 * out->len = 0: the empty state); -EIO: malformed (logged with the node);
 * -EINVAL: bad LU name; the store's error otherwise.
 */
int xvios_db_pr_read(xvios_plat *p, xvios_tx tx, const char *lu, struct xvios_db_pr *out);
/*
 * The same, consistent: in a transaction of its own that is committed, so a
 * record rewritten while it was read is read again (EAGAIN retry).
 */
int xvios_db_pr_load(xvios_plat *p, const char *lu, struct xvios_db_pr *out);
/* Only the generation (one store read); 0 with -ENOENT when there is no record. */
int xvios_db_pr_gen(xvios_plat *p, xvios_tx tx, const char *lu, uint64_t *gen);

/*
 * The serialization point. In one transaction: read the record (the empty
 * state if none), call change(ctx, rec): it turns rec->blob/len into the next
 * state and returns 1 (write it), 0 (nothing changed: no write, rec as read)
 * or < 0 (abandon, returned as is); then rec->gen + 1 is written with the new
 * blob and the transaction committed. On -EAGAIN the whole body runs again
 * from a fresh read (so change must start from rec only), at most
 * XVIOS_DB_TX_RETRIES times, then -EAGAIN. *out (may be NULL) is the record
 * as committed (or as read when change returned 0). -EIO: the stored record
 * is malformed (nothing is written over it); -E2BIG: the new blob is larger
 * than XVIOS_DB_PR_BLOB_MAX.
 */
typedef int (*xvios_db_pr_change_fn)(void *ctx, struct xvios_db_pr *rec);
int xvios_db_pr_update(xvios_plat *p, const char *lu, xvios_db_pr_change_fn change, void *ctx,
                       struct xvios_db_pr *out);

/* Remove an LU's record (dom0 or a member); -ENOENT if none. */
int xvios_db_pr_remove(xvios_plat *p, xvios_tx tx, const char *lu);

#endif /* XVIOS_DB_PR_H */
