/* SPDX-License-Identifier: MIT */
/* cli_util.c - what the `xvios` subcommands share: connecting to a daemon, RC words. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

int cli_exit_for_errno(int err)
{
    switch (err) {
    case -ENOENT:
    case -ECONNREFUSED:
    case -EPIPE:
    case -ECONNRESET:
    case -ENOTCONN:
    case -EAGAIN:       /* its backlog stayed full until the deadline: not answering */
        return XVIOS_EXIT_UNREACHABLE;
    case -ETIMEDOUT:
        return XVIOS_EXIT_TIMEOUT;
    case -EINVAL:
        return XVIOS_EXIT_USAGE;
    }
    return XVIOS_EXIT_ERROR;
}

int cli_connect(const struct xvios_cli *cli, xvios_client **out)
{
    struct xvios_client_config cfg = {
        .platform = cli->platform,
        .root = cli->root,
        .node = cli->node,
        .via = cli->via,
        .origin = XVIOS_ORIGIN_CLI,
        .name = "xvios",
        .connect_timeout_ms = 5000,
    };
    int rc;

    if (cli->platform == XVIOS_PLAT_LOOPBACK && !cli->root) {
        fprintf(stderr, "%s: the loopback platform needs --root (or XVIOS_ROOT)\n", cli->prog);
        return XVIOS_EXIT_USAGE;
    }
    rc = xvios_client_open(&cfg, out);
    if (rc < 0) {
        if (cli->via)
            fprintf(stderr, "%s: cannot reach node %u's daemon over its management link: %s\n", cli->prog, cli->via,
                    strerror(-rc));
        else
            fprintf(stderr, "%s: cannot reach the daemon of node %u: %s\n", cli->prog, cli->node, strerror(-rc));
        return cli_exit_for_errno(rc) == XVIOS_EXIT_USAGE ? XVIOS_EXIT_ERROR : cli_exit_for_errno(rc);
    }
    return XVIOS_EXIT_OK;
}

int cli_run_sub(const struct xvios_cli *cli, const char *group, const struct cli_sub *subs, size_t n,
                const char *usage, int argc, char **argv)
{
    if (argc > 0 && !strcmp(argv[0], group)) {
        argc--;
        argv++;
    }
    if (argc < 1) {
        fputs(usage, stderr);
        return XVIOS_EXIT_USAGE;
    }
    if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") || !strcmp(argv[0], "help")) {
        fputs(usage, stdout);
        return XVIOS_EXIT_OK;
    }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(argv[0], subs[i].name))
            return subs[i].fn(cli, argc, argv);
    fprintf(stderr, "xvios %s: unknown command '%s'\n%s", group, argv[0], usage);
    return XVIOS_EXIT_USAGE;
}

const char *cli_rc_word(unsigned s)
{
    switch (s) {
    case XVIOS_RC_DELIVERED: return "delivered";
    case XVIOS_RC_SENT: return "sent";
    case XVIOS_RC_TIMED_OUT: return "timed-out";
    case XVIOS_RC_UNREACHABLE: return "unreachable";
    case XVIOS_RC_NOT_MEMBER: return "not-member";
    case XVIOS_RC_QUEUE_FULL: return "queue-full";
    case XVIOS_RC_PENDING: return "pending";
    }
    return "unknown";
}
