/* SPDX-License-Identifier: MIT */
/*
 * cmd_vios.c - `xvios vios`: dom0 commands about VIOS domains themselves.
 *
 *   xvios vios revive CONFIG --domid N [--node K] [--timeout S]
 *
 * Re-creates a destroyed or crashed VIOS from its xl configuration under the
 * domid it had (docs/vscsi.md, "Reviving a VIOS"): its clients' rings are
 * granted to that domid and their event channels wait for it, so only a
 * domain with that domid can answer the requests a dead VIOS left (Linux
 * xen-scsifront waits for those without a limit). Refused when domid N is
 * in use or a domain with the configuration's name runs. libxl keeps a
 * destroyed domain's domid out of use for 60 s: the command waits for that,
 * with a progress line, up to --timeout (default 120 s). When the cluster DB
 * has a node with domid N, the domain gets that node's uuid again, so it is
 * the same cluster member. Then `xvios scsi rebuild --vios NODE --resume`
 * gives it its vhosts back.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/platform.h"
#include "xvios/xlcfg.h"

#define REVIVE_TIMEOUT_S 120u

static const char usage_text[] =
    "usage: xvios vios revive CONFIG --domid N [--node K] [--timeout S]\n"
    "  re-create the VIOS domain of xl configuration CONFIG under domid N (the domid it had when it\n"
    "  was destroyed), waiting until the toolstack lets that domid be used again (60 s after the\n"
    "  destroy) for at most S seconds (default 120); --node K: add it to the cluster again as node K\n"
    "  when its entry went with the dead domain; then `xvios scsi rebuild --vios K --resume`\n";

static int say(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int say(int code, const char *fmt, ...)
{
    va_list ap;

    fputs("xvios vios: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

/* The uuid the cluster DB recorded for the node that had domid `domid` ("" when none); its node in *node. */
static void recorded_identity(xvios_plat *p, uint32_t domid, char *uuid, size_t cap, uint32_t *node)
{
    struct xvios_db_node n;

    uuid[0] = '\0';
    *node = 0;
    if (xvios_db_node_by_domid(p, domid, node) < 0 || xvios_db_node_get(p, *node, &n) < 0) {
        *node = 0;
        return;
    }
    snprintf(uuid, cap, "%s", n.uuid);
}

/* Wait until the domid may be used again. An exit code. */
static int wait_reusable(xvios_plat *p, uint32_t domid, unsigned timeout_s)
{
    struct timespec deadline = xvios_deadline_ms((uint64_t)timeout_s * 1000u);
    unsigned said = 0;

    for (;;) {
        unsigned wait_s = 0;
        int rc = xvios_plat_domid_recent(p, domid, &wait_s);

        if (rc == -EOPNOTSUPP)
            return say(XVIOS_EXIT_REFUSED, "the %s platform cannot re-create domains",
                       xvios_plat_kind_name(xvios_plat_kind(p)));
        if (rc < 0)
            return say(XVIOS_EXIT_ERROR, "cannot tell whether domid %u is free again: %s", domid, strerror(-rc));
        if (rc == 0)
            return XVIOS_EXIT_OK;
        if (xvios_ts_diff_ms(xvios_now(), deadline) < (int64_t)wait_s * 1000)
            return say(XVIOS_EXIT_TIMEOUT, "domid %u can be used again only in %u s, after the %u s timeout",
                       domid, wait_s, timeout_s);
        if (!said || said - wait_s >= 10) {
            fprintf(stderr, "xvios vios: waiting %u s until the toolstack lets domid %u be used again\n", wait_s,
                    domid);
            said = wait_s;
        }
        sleep(wait_s < 2 ? wait_s : 2);
    }
}

static int do_revive(const struct xvios_cli *cli, int argc, char **argv)
{
    static const struct option longs[] = {
        {"domid", required_argument, NULL, 'd'}, {"timeout", required_argument, NULL, 't'},
        {"node", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    struct xvios_plat_config cfg = {.kind = cli->platform, .root = cli->root, .self_domid = 0};
    struct xvios_xlcfg xl = {0};
    struct xvios_dominfo info;
    xvios_plat *p = NULL;
    uint32_t domid = 0, timeout_s = REVIVE_TIMEOUT_S, node = 0, other, want_node = 0;
    bool have_domid = false;
    char err[512], uuid[37];
    int opt, rc;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (opt) {
        case 'd':
            if (xvios_parse_domid(optarg, &domid) < 0 || domid == 0)
                return say(XVIOS_EXIT_USAGE, "--domid: '%s' is no domU's domid", optarg);
            have_domid = true;
            break;
        case 'n':
            if (xvios_parse_u32(optarg, 1, XVIOS_NODE_ID_MAX, &want_node) < 0)
                return say(XVIOS_EXIT_USAGE, "--node: '%s' is no node id", optarg);
            break;
        case 't':
            if (xvios_parse_u32(optarg, 1, 3600, &timeout_s) < 0)
                return say(XVIOS_EXIT_USAGE, "--timeout: '%s' is not 1..3600 seconds", optarg);
            break;
        case 'h':
            fputs(usage_text, stdout);
            return XVIOS_EXIT_OK;
        default:
            fputs(usage_text, stderr);
            return XVIOS_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || !have_domid) {
        fputs(usage_text, stderr);
        return XVIOS_EXIT_USAGE;
    }
    if (xvios_xlcfg_read_name(argv[optind], &xl, err, sizeof(err)) < 0)
        return say(XVIOS_EXIT_USAGE, "%s", err);
    if (!xl.name[0]) {
        xvios_xlcfg_free(&xl);
        return say(XVIOS_EXIT_USAGE, "%s names no domain (name=)", argv[optind]);
    }
    if (cli->platform == XVIOS_PLAT_LOOPBACK && (!cli->root || !cli->root[0])) {
        rc = say(XVIOS_EXIT_USAGE, "the loopback platform needs --root DIR");
        goto out;
    }
    if ((rc = xvios_plat_open(&cfg, &p)) < 0) {
        rc = say(XVIOS_EXIT_UNREACHABLE, "cannot reach the store: %s", strerror(-rc));
        goto out;
    }
    if (xvios_plat_domain_info(p, domid, &info) == 0) {
        rc = say(XVIOS_EXIT_REFUSED, "domid %u is in use (domain %s)", domid, info.name[0] ? info.name : "?");
        goto out;
    }
    if (xvios_plat_domain_lookup(p, xl.name, &other) == 0) {
        rc = say(XVIOS_EXIT_REFUSED, "a domain named %s runs already (domid %u)", xl.name, other);
        goto out;
    }
    recorded_identity(p, domid, uuid, sizeof(uuid), &node);
    if (node && want_node && node != want_node) {
        rc = say(XVIOS_EXIT_REFUSED, "domid %u is cluster node %u, not %u", domid, node, want_node);
        goto out;
    }
    if (!node && want_node && xvios_db_node_get(p, want_node, &(struct xvios_db_node){0}) == 0) {
        rc = say(XVIOS_EXIT_REFUSED, "cluster node %u is another domain", want_node);
        goto out;
    }
    if ((rc = wait_reusable(p, domid, timeout_s)) != XVIOS_EXIT_OK)
        goto out;
    fprintf(stderr, "xvios vios: creating %s as domid %u%s%s\n", xl.name, domid, uuid[0] ? " with uuid " : "",
            uuid);
    rc = xvios_plat_domain_create_as(p, argv[optind], domid, uuid, err, sizeof(err));
    if (rc < 0) {
        rc = say(rc == -EEXIST || rc == -EOPNOTSUPP ? XVIOS_EXIT_REFUSED : rc == -EAGAIN ? XVIOS_EXIT_TIMEOUT
                                                                                         : XVIOS_EXIT_ERROR,
                 "%s", err);
        goto out;
    }
    if (!node && want_node) {
        /* The entry went with the dead domain: the revived one is added again under the same id. The DB's
         * permission lists still name domid N, but xenstored ignores an entry written before the domain
         * with that domid came to be, and the DB rewrites a list only when it differs: so the domain is
         * added, removed (every list rewritten without N) and added again (every list written anew). */
        if ((rc = xvios_plat_domain_info(p, domid, &info)) < 0 ||
            (rc = xvios_db_node_add_id(p, &info, want_node)) < 0 || (rc = xvios_db_node_remove(p, want_node)) < 0 ||
            (rc = xvios_db_node_add_id(p, &info, want_node)) < 0) {
            rc = say(XVIOS_EXIT_ERROR, "%s was revived as domid %u, but adding it to the cluster as node %u "
                                       "failed: %s", xl.name, domid, want_node, strerror(-rc));
            goto out;
        }
        node = want_node;
        fprintf(stderr, "xvios vios: domid %u added to the cluster again as node %u\n", domid, node);
    }
    if (node)
        printf("%s revived as domid %u (cluster node %u): start its processes, then "
               "`xvios scsi rebuild --vios %u --resume`\n", xl.name, domid, node, node);
    else
        printf("%s revived as domid %u (no cluster node had that domid; --node K adds it)\n", xl.name, domid);
    rc = XVIOS_EXIT_OK;
out:
    xvios_plat_close(p);
    xvios_xlcfg_free(&xl);
    return rc;
}

int cmd_vios(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct cli_sub subs[] = { {"revive", do_revive} };

    return cli_run_sub(cli, "vios", subs, sizeof(subs) / sizeof(subs[0]), usage_text, argc, argv);
}
