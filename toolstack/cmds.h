/* SPDX-License-Identifier: MIT */
/*
 * cmds.h - the `xvios` subcommands (one file each, cmd_<name>.c) and what
 * they share: connecting to a daemon, number parsing, RC words (cli_util.c).
 * JSON output is cli_json.h.
 */
#ifndef XVIOS_TOOLSTACK_CMDS_H
#define XVIOS_TOOLSTACK_CMDS_H

#include <stdio.h>

#include "cli.h"
#include "xvios/client.h"
#include "xvios/parse.h"

/* dom0 cluster administration: create, add, remove, status, destroy. */
int cmd_cluster(struct xvios_cli *cli, int argc, char **argv);
int cmd_send(struct xvios_cli *cli, int argc, char **argv);
int cmd_ping(struct xvios_cli *cli, int argc, char **argv);
int cmd_nodes(struct xvios_cli *cli, int argc, char **argv);
/* The storage every VIOS sees, from one node (cmd_storage.c). */
int cmd_storage(struct xvios_cli *cli, int argc, char **argv);
int cmd_events(struct xvios_cli *cli, int argc, char **argv);
int cmd_local(struct xvios_cli *cli, int argc, char **argv);
/* dom0: pvSCSI disks served by a VIOS to client domains (cmd_scsi.c). */
int cmd_scsi(struct xvios_cli *cli, int argc, char **argv);
/* dom0: VIOS domains themselves: revive (cmd_vios.c). */
int cmd_vios(struct xvios_cli *cli, int argc, char **argv);
/* dom0: the cluster's LU pool (cmd_lu.c). */
int cmd_lu(struct xvios_cli *cli, int argc, char **argv);
/* dom0: the storage pools and their access lists (cmd_pool.c). */
int cmd_pool(struct xvios_cli *cli, int argc, char **argv);
/* The management API: one vioRequest from stdin, its vioResponse on stdout (cmd_api.c). */
int cmd_api(struct xvios_cli *cli, int argc, char **argv);
/* dom0's agent on the VIOSes' management links (cmd_agent.c). */
int cmd_agent(struct xvios_cli *cli, int argc, char **argv);

/* Connect to the daemon the global options name (--node / --via). Prints why not; returns an exit code. */
int cli_connect(const struct xvios_cli *cli, xvios_client **out);
/* Exit code for a client errno (-ENOENT, -ECONNREFUSED... -> XVIOS_EXIT_UNREACHABLE). */
int cli_exit_for_errno(int err);
/* One subcommand of a command group (`xvios lu create`, `xvios scsi attach`, ...). */
struct cli_sub {
    const char *name;
    int (*fn)(const struct xvios_cli *cli, int argc, char **argv);
};
/* Run the subcommand argv[0] names (after an optional leading GROUP word); no word prints usage
 * (exit 2), --help/-h/help prints it (exit 0), an unknown word is a usage error naming GROUP. */
int cli_run_sub(const struct xvios_cli *cli, const char *group, const struct cli_sub *subs, size_t n,
                const char *usage, int argc, char **argv);
/* "delivered", "sent", "timed-out", ... for an RC status. */
const char *cli_rc_word(unsigned rc_status);

#endif /* XVIOS_TOOLSTACK_CMDS_H */
