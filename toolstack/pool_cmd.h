/* SPDX-License-Identifier: MIT */
/*
 * pool_cmd.h - what `xvios pool` (cmd_pool.c) and its output (pool_print.c)
 * share: the exit codes of the pools' refusals and the printers. The pools
 * are in the cluster DB (xvios/db_pool.h, docs/pool.md "Several pools").
 */
#ifndef XVIOS_TOOLSTACK_POOL_CMD_H
#define XVIOS_TOOLSTACK_POOL_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "xvios/db_pool.h"

/* Exit codes of `xvios pool` (and `lu create --pool`) beyond the common ones in cli.h (docs/xvios.1). */
enum pool_exit {
    POOL_EXIT_NAME_INVALID   = 30, /* NAME is not 1..63 of [A-Za-z0-9_-] starting with a letter or digit */
    POOL_EXIT_EXISTS         = 31, /* create: a pool of that name exists (the default pool always does) */
    POOL_EXIT_UNKNOWN        = 32, /* no pool of that name */
    POOL_EXIT_NOT_EMPTY      = 33, /* delete: the pool has LUs */
    POOL_EXIT_ACCESS_INVALID = 34, /* an access entry is malformed, names no known client, or is ambiguous */
    POOL_EXIT_DEFAULT        = 35, /* delete: the default pool is never deleted */
};

/* `pool list` / `pool get`: a table, a block of fields or JSON on f. An exit code. */
int pool_print_list(FILE *f, const struct xvios_db_pool_info *pools, unsigned n, bool json);
int pool_print_get(FILE *f, const struct xvios_db_pool_info *pool, const struct xvios_db_vtd *outside,
                   unsigned n_outside, bool json);

/* pool_long.c: create / modify with an access list longer than one request value, through the DB call the
 * API's pool object makes; *pl filled (xvios_db_pool_info_free). An exit code, a refusal told on stderr. */
struct xvios_cli;
int pool_long_write(const struct xvios_cli *cli, const char *name, const char *access, bool create,
                    struct xvios_db_pool_info *pl);

#endif /* XVIOS_TOOLSTACK_POOL_CMD_H */
