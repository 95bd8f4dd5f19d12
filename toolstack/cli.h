/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what every `xvios` subcommand gets: the global options and the
 * exit codes scripts rely on. The subcommands themselves are in cmds.h.
 */
#ifndef XVIOS_TOOLSTACK_CLI_H
#define XVIOS_TOOLSTACK_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include "xvios/platform.h"

/* Exit codes (documented in docs/xvios.1). */
enum xvios_exit {
    XVIOS_EXIT_OK          = 0, /* everything delivered / done */
    XVIOS_EXIT_ERROR       = 1, /* any other failure */
    XVIOS_EXIT_USAGE       = 2, /* bad command line */
    XVIOS_EXIT_PARTIAL     = 3, /* some nodes delivered, some failed */
    XVIOS_EXIT_TIMEOUT     = 4, /* nothing delivered before the deadline */
    XVIOS_EXIT_UNREACHABLE = 5, /* no daemon / cluster to talk to */
    XVIOS_EXIT_REFUSED     = 6, /* the request was refused (exists already, not running, unknown...) */
};

/*
 * Global options, given before the subcommand:
 *   --platform loopback|xen   (XVIOS_PLATFORM; default: loopback when a root is given, else xen)
 *   --root DIR                (XVIOS_ROOT) loopback cluster root
 *   --node N                  (XVIOS_NODE) the node whose daemon to talk to (loopback)
 *   --via N                   reach node N's daemon over its management link (dom0 / loopback)
 *   --json                    machine-readable output
 *   --multihost CLUSTER       (XVIOS_MULTIHOST) a multi-host cluster: its replicated DB (cli_mhdb.h)
 *   --multihost-state DIR     (XVIOS_MULTIHOST_STATE) the directory of this host's CLI copy of it
 */
struct xvios_cli {
    enum xvios_plat_kind platform;
    const char *root;
    uint32_t node;
    uint32_t via;
    bool node_named;           /* --node, XVIOS_NODE or --via was given (typed commands announce their changes) */
    bool json;
    const char *prog;
    const char *mh_cluster;    /* --multihost CLUSTER: the cluster DB is the replicated one (cli_mhdb.h) */
    const char *mh_state;      /* --multihost-state DIR: where this host's CLI copy of it lives */
};

/* A subcommand: argv[0] is its name; returns an exit code (enum xvios_exit). */
typedef int (*xvios_cmd_fn)(struct xvios_cli *cli, int argc, char **argv);

#endif /* XVIOS_TOOLSTACK_CLI_H */
