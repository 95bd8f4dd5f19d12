/* SPDX-License-Identifier: MIT */
/*
 * cli_mhdb.h - the toolstack on a multi-host cluster's replicated DB
 * (docs/multihost.md): with --multihost CLUSTER (XVIOS_MULTIHOST) the
 * commands that read or write the cluster DB open the platform as always
 * and, next to it, a member of the replicated DB on this host's corosync,
 * synced before the command reads anything and attached so that the cluster
 * tree /xvios is the replicated one (what is per host stays the platform's).
 *
 * The CLI's copy lives in the state directory (--multihost-state DIR,
 * XVIOS_MULTIHOST_STATE; default: the loopback root, or /var/lib/xvios) as
 * cluster-db.<CLUSTER>.cli; commands on one host take turns on it (a lock
 * file next to it). It is what keeps a cluster created before any VIOS runs.
 */
#ifndef XVIOS_TOOLSTACK_CLI_MHDB_H
#define XVIOS_TOOLSTACK_CLI_MHDB_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "xvios/platform.h"
#include "xvios/rdb.h"

#define CLI_MHDB_SYNC_MS   20000u     /* a command waits this long for its copy to be the cluster's */
#define CLI_MHDB_STATE_DIR "/var/lib/xvios"

/* Open the platform of cfg; with cli->multihost also the replicated DB, attached. 0, or an exit code after
 * one line on stderr (prefix: who is talking). */
int cli_plat_open(const struct xvios_cli *cli, const char *prefix, const struct xvios_plat_config *cfg,
                  xvios_plat **p);
/* Close what cli_plat_open opened (p NULL is fine). */
void cli_plat_close(xvios_plat *p);
/* The replicated DB behind p (NULL: not a multi-host command). */
xvios_rdb *cli_plat_rdb(const xvios_plat *p);
/* A line for a failed DB write on a multi-host cluster (-EROFS: no quorum), or NULL. */
const char *cli_mhdb_why(int err);

#endif /* XVIOS_TOOLSTACK_CLI_MHDB_H */
