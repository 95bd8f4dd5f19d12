/* SPDX-License-Identifier: MIT */
/*
 * scsi_lu_store.h - the LU store (backend/lu) as a SCSI backing.
 *
 * scsi_lu_store_ops binds an open struct lu_store (pass it as the opaque) to
 * the target's backing-ops table. scsi_lu_store_open() does the whole job of
 * "serve this file or block device as an LU": it opens the store, creates
 * the struct scsi_lu over it and, when asked, keeps the LU's APTPL state in
 * "<path>.pr" (backend/lu/lu_aptpl.h), loading it at open. The cluster DB
 * takes the APTPL job over later; until then the file is the kept state.
 *
 * APTPL file at open: none -> empty PR state; read and loaded -> the state
 * before the restart; refused by scsi_pr_load (corrupt, truncated, another
 * version) -> logged, moved aside to "<path>.pr.bad", the LU opens with an
 * empty PR state; unreadable (an I/O or permission error) -> the open fails,
 * since the state may be intact and must not be silently dropped.
 */
#ifndef XVIOS_BACKEND_SCSI_LU_STORE_H
#define XVIOS_BACKEND_SCSI_LU_STORE_H

#include <stdbool.h>

#include "backend/lu/lu_store.h"
#include "backend/scsi/scsi_backing.h"
#include "backend/scsi/scsi_dev.h"

extern const struct scsi_backing_ops scsi_lu_store_ops;

struct scsi_lu_store;

struct scsi_lu_store_opts {
    struct lu_store_opts store;   /* the backing: path, read_only, direct, block_size, engine, queue_depth */
    struct scsi_lu_opts lu;       /* identity, limits, pr_state_changed/pr_opaque;
                                   * ops, store and pr_persist are set here */
    bool aptpl_file;              /* keep the APTPL state in "<path>.pr" (else APTPL is unsupported) */
};

/* 0, or -errno of the store's open, -EINVAL (bad opts), -ENOMEM, or the APTPL file's read error. */
int scsi_lu_store_open(const struct scsi_lu_store_opts *opts, struct scsi_lu_store **out);
/*
 * Closes the store first (every command in flight completes, with
 * TASK ABORTED or its I/O's outcome, through its done callback), then frees
 * the LU. The LU must be unmapped from every dev by then. NULL is a no-op.
 */
void scsi_lu_store_close(struct scsi_lu_store *sls);
struct scsi_lu *scsi_lu_store_lu(const struct scsi_lu_store *sls);
struct lu_store *scsi_lu_store_backing(const struct scsi_lu_store *sls);
/* The APTPL file's path ("" without aptpl_file). */
const char *scsi_lu_store_aptpl_path(const struct scsi_lu_store *sls);

#endif /* XVIOS_BACKEND_SCSI_LU_STORE_H */
