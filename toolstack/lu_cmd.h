/* SPDX-License-Identifier: MIT */
/*
 * lu_cmd.h - what `xvios lu` (cmd_lu.c), its context (lu_ctx.c) and its
 * output (lu_print.c) share: the exit codes of the pool's refusals, the
 * context the commands run in, and where each pool LU is attached.
 * The pool itself is in the cluster DB (xvios/db_lu.h, docs/pool.md).
 */
#ifndef XVIOS_TOOLSTACK_LU_CMD_H
#define XVIOS_TOOLSTACK_LU_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "toolstack/vscsi_cmd.h"
#include "xvios/db_lu.h"

/* Exit codes of `xvios lu` beyond the common ones in cli.h (docs/xvios.1, docs/pool.md). */
enum lu_exit {
    LU_EXIT_NAME_INVALID    = 20, /* NAME is not 1..63 of [A-Za-z0-9_-] starting with a letter or digit */
    LU_EXIT_NAME_TAKEN      = 21, /* the pool has an LU of that name */
    LU_EXIT_REGION_INVALID  = 22, /* size 0, offset or size not a multiple of 4096, or past 1 EiB */
    LU_EXIT_BEYOND_BACKING  = 23, /* the region ends beyond the backing's size (when dom0 can see the backing) */
    LU_EXIT_OVERLAP         = 24, /* the region overlaps another LU of the same backing */
    LU_EXIT_UNKNOWN         = 25, /* no LU of that name */
    LU_EXIT_ATTACHED        = 26, /* rm: the LU is attached to a client */
    LU_EXIT_BACKING_INVALID = 27, /* not an absolute canonical path; on loopback: no file or block device */
    LU_EXIT_SHRINK          = 28, /* modify: a size below the LU's (an LU only grows) */
    LU_EXIT_UNCHANGED       = 29, /* modify: the LU is so already */
};

/* One attachment of a pool LU: a dev-N of a member's backend dir that names it (xvios-lu). */
struct lu_use {
    char lu[XVIOS_LU_NAME_MAX + 1];
    uint32_t client, vios_node, vhost;
    bool vdev_ok, readonly;
    struct vscsi_vdev vdev;
};

/* One line "xvios lu: ..." on stderr; returns code. */
int lu_say(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open the platform the global options name and read the members (close with vscsi_ctx_close). An exit code. */
int lu_ctx_open(const struct xvios_cli *cli, struct vscsi_ctx *ctx);

/* The backing's size as dom0 sees it: on loopback the file's or block device's (the VIOSes are processes here),
 * on Xen 0 (unknown: the VIOSes' engines check). 0, or a negative errno with why (a phrase) filled. */
int lu_backing_size(const struct vscsi_ctx *ctx, const char *path, uint64_t *size, char *why, size_t cap);

/* Every attachment of a pool LU in the members' backend dirs (of name only, when not NULL). *uses malloc'd. */
int lu_uses(struct vscsi_ctx *ctx, xvios_tx tx, const char *name, struct lu_use **uses, unsigned *n);

/* `lu list` / `lu show`: a table or JSON on f. An exit code. */
int lu_print_list(FILE *f, const struct xvios_db_lu *lus, unsigned n, const struct lu_use *uses, unsigned nu,
                  bool json);
int lu_print_show(FILE *f, const struct xvios_db_lu *lu, const struct lu_use *uses, unsigned nu, bool json);
/* lu_paths.c: `xvios lu paths NAME`: every member's path to the LU (xvios/db_path.h); an exit code. */
int lu_paths_run(const struct xvios_cli *cli, const char *name, bool json);

/* `lu who` (lu_who.c): asks the cluster's nodes through a daemon, not the store. An exit code. */
int lu_who_run(const struct xvios_cli *cli, int argc, char **argv);

#endif /* XVIOS_TOOLSTACK_LU_CMD_H */
