/* SPDX-License-Identifier: MIT */
/*
 * main.c - the `xvios` command: global options (cli.h), then one
 * subcommand. See docs/xvios.1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "xvios/db.h"
#include "xvios/log.h"
#include "xvios/version.h"

static const struct {
    const char *name;
    xvios_cmd_fn fn;
    const char *what;
} commands[] = {
    { "send", cmd_send, "send a cluster message (broadcast or directed) through a node's daemon" },
    { "ping", cmd_ping, "check that a node receives and answers" },
    { "nodes", cmd_nodes, "every node's information, from one node" },
    { "storage", cmd_storage, "the storage every VIOS sees and the LU usage, from one node" },
    { "events", cmd_events, "stream cluster events" },
    { "local", cmd_local, "run a loopback cluster on this host (up / down)" },
    { "cluster", cmd_cluster, "dom0 cluster administration (create, add, remove, status, destroy)" },
    { "scsi", cmd_scsi, "dom0: VIOS-served pvSCSI disks of client domains (attach, detach, list)" },
    { "vios", cmd_vios, "dom0: VIOS domains (revive one under its old domid)" },
    { "lu", cmd_lu, "dom0: the cluster's LU pool (create, list, show, rm)" },
    { "pool", cmd_pool, "dom0: the storage pools and their access lists (create, list, get, modify, delete)" },
    { "api", cmd_api, "the management API: a vioRequest (XML) on stdin, its vioResponse on stdout" },
    { "agent", cmd_agent, "dom0: run on dom0's behalf what a VIOS is asked and only dom0 may write" },
};

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--platform loopback|xen] [--root DIR] [--node N] [--via N] [--json]\n"
            "       [--multihost CLUSTER] [--multihost-state DIR] COMMAND [ARGS]\n"
            "       %s --version\n"
            "\n"
            "Global options (environment: XVIOS_PLATFORM, XVIOS_ROOT, XVIOS_NODE):\n"
            "  --platform P   loopback or xen (default: loopback when a root is given, else xen)\n"
            "  --root DIR     loopback cluster root\n"
            "  --node N       the node whose daemon to talk to (loopback; default 1)\n"
            "  --via N        talk to node N's daemon over its management link (dom0 / privileged)\n"
            "  --json         machine-readable output\n"
            "  --multihost C  cluster C spans hosts: use its replicated DB (corosync) (XVIOS_MULTIHOST)\n"
            "  --multihost-state DIR  this host's CLI copy of it (default: the root, or /var/lib/xvios)\n"
            "\nCommands:\n",
            prog, prog);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
    fprintf(f, "\n'%s COMMAND --help' describes each command.\n", prog);
}

static int need_arg(const char *prog, const char *opt, int i, int argc)
{
    if (i + 1 >= argc) {
        fprintf(stderr, "%s: %s needs a value\n", prog, opt);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct xvios_cli cli = { .prog = "xvios", .node = 1 };
    const char *platform = getenv("XVIOS_PLATFORM");
    const char *node = getenv("XVIOS_NODE");
    int i;

    xvios_log_set_prog("xvios");
    if (!getenv("XVIOS_LOG"))
        xvios_log_set_level(XVIOS_LOG_ERR);
    cli.root = getenv("XVIOS_ROOT");
    cli.mh_cluster = getenv("XVIOS_MULTIHOST");
    cli.mh_state = getenv("XVIOS_MULTIHOST_STATE");
    if (cli.root && !cli.root[0])
        cli.root = NULL;
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout, cli.prog);
            return XVIOS_EXIT_OK;
        } else if (!strcmp(a, "--version")) {
            printf("xvios %s\n", XVIOS_VERSION);
            return XVIOS_EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            cli.json = true;
        } else if (!strcmp(a, "--platform")) {
            if (need_arg(cli.prog, a, i, argc) < 0)
                return XVIOS_EXIT_USAGE;
            platform = argv[++i];
        } else if (!strcmp(a, "--root")) {
            if (need_arg(cli.prog, a, i, argc) < 0)
                return XVIOS_EXIT_USAGE;
            cli.root = argv[++i];
        } else if (!strcmp(a, "--node")) {
            if (need_arg(cli.prog, a, i, argc) < 0)
                return XVIOS_EXIT_USAGE;
            node = argv[++i];
        } else if (!strcmp(a, "--multihost") || !strcmp(a, "--multihost-state")) {
            if (need_arg(cli.prog, a, i, argc) < 0)
                return XVIOS_EXIT_USAGE;
            if (!strcmp(a, "--multihost"))
                cli.mh_cluster = argv[++i];
            else
                cli.mh_state = argv[++i];
        } else if (!strcmp(a, "--via")) {
            if (need_arg(cli.prog, a, i, argc) < 0 || xvios_parse_u32(argv[i + 1], 1, XVIOS_NODE_ID_MAX, &cli.via) < 0) {
                fprintf(stderr, "%s: --via needs a node id\n", cli.prog);
                return XVIOS_EXIT_USAGE;
            }
            i++;
        } else {
            fprintf(stderr, "%s: unknown option %s\n", cli.prog, a);
            usage(stderr, cli.prog);
            return XVIOS_EXIT_USAGE;
        }
    }
    if (cli.mh_cluster && !cli.mh_cluster[0])
        cli.mh_cluster = NULL;
    if (cli.mh_state && !cli.mh_state[0])
        cli.mh_state = NULL;
    if (platform && platform[0]) {
        if (xvios_plat_kind_parse(platform, &cli.platform) < 0) {
            fprintf(stderr, "%s: unknown platform '%s' (loopback or xen)\n", cli.prog, platform);
            return XVIOS_EXIT_USAGE;
        }
    } else {
        cli.platform = cli.root ? XVIOS_PLAT_LOOPBACK : XVIOS_PLAT_XEN;
    }
    cli.node_named = (node && node[0]) || cli.via;
    if (node && node[0] && xvios_parse_u32(node, 1, XVIOS_NODE_ID_MAX, &cli.node) < 0) {
        fprintf(stderr, "%s: bad node id '%s'\n", cli.prog, node);
        return XVIOS_EXIT_USAGE;
    }
    if (i >= argc) {
        usage(stderr, cli.prog);
        return XVIOS_EXIT_USAGE;
    }
    /* on a multi-host cluster only these commands know the replicated DB (docs/multihost.md); any other would
     * read or write this host's own store as if it were the cluster's. Of `lu`, create and paths: they touch
     * the pool and the path table only; the others scan the members' backend dirs, which are per host. Of `scsi`,
     * attach, detach and list: they keep to this host's VIOSes and write the VTD record in steps (vscsi_mh.c). */
    if (cli.mh_cluster && strcmp(argv[i], "cluster") && strcmp(argv[i], "nodes") &&
        !(!strcmp(argv[i], "lu") && i + 1 < argc && (!strcmp(argv[i + 1], "create") || !strcmp(argv[i + 1], "paths"))) &&
        !(!strcmp(argv[i], "scsi") && i + 1 < argc &&
          (!strcmp(argv[i + 1], "attach") || !strcmp(argv[i + 1], "detach") || !strcmp(argv[i + 1], "list")))) {
        fprintf(stderr, "%s: '%s%s%s' does not work on a multi-host cluster yet (--multihost: only 'cluster', "
                        "'nodes', 'lu create', 'lu paths' and 'scsi attach|detach|list')\n", cli.prog, argv[i],
                i + 1 < argc ? " " : "",
                i + 1 < argc ? argv[i + 1] : "");
        return XVIOS_EXIT_USAGE;
    }
    for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
        if (!strcmp(argv[i], commands[k].name))
            return commands[k].fn(&cli, argc - i, argv + i);
    fprintf(stderr, "%s: unknown command '%s'\n", cli.prog, argv[i]);
    usage(stderr, cli.prog);
    return XVIOS_EXIT_USAGE;
}
