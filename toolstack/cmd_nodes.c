/* SPDX-License-Identifier: MIT */
/*
 * cmd_nodes.c - `xvios nodes`: asks ONE node's daemon (NODES_ALL) for every
 * node's information; that node fans out. The answer is one "key=value"
 * block per node, each in its own response (an older daemon merged them into
 * one response, blocks separated by a blank line, with a last block
 * "truncated=<n>" when n nodes' blocks did not fit: both are read).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli_blocks.h"
#include "cli_json.h"
#include "cluster_mh.h"
#include "cmds.h"
#include "xvios/clock.h"
#include "xvios/db.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: xvios [GLOBAL] nodes [--via NODE] [--json] [--timeout MS]\n"
               "Asks one node (the --node one, or NODE over its management link with --via) for the\n"
               "information of every node in the cluster. Exit: 0 all answered, 3 some did not (or the\n"
               "answer was too large to hold every node).\n"
               "With --multihost CLUSTER: every node of the multi-host cluster with its host (corosync nodeid\n"
               "and name), from this host's synced copy of the replicated DB (no daemon is asked).\n");
}

/* Messages a node received and could not pass on, each logged there (docs/protocol.md): shown when not 0. */
static const char *const loss_keys[] = {
    "received_dropped", "received_no_subscriber", "vke_up_lost", "vke_up_lost_restart", "vke_up_expired",
    "vke_up_queue_full",
};

static void print_losses(const char *b, size_t len)
{
    bool any = false;

    for (size_t i = 0; i < sizeof(loss_keys) / sizeof(loss_keys[0]); i++) {
        char v[24];
        if (xvios_kv_get(b, len, loss_keys[i], v, sizeof(v)) == 0 && strcmp(v, "0") != 0) {
            printf("%s%s=%s", any ? " " : "      lost: ", loss_keys[i], v);
            any = true;
        }
    }
    if (any)
        printf("\n");
}

/* Print one block (lines "k=v"), into j when JSON; returns whether it reports a failure (status=...). */
static bool print_block(struct cli_json *j, const char *b, size_t len, bool first)
{
    char node[16] = "?", domid[16] = "-", name[64] = "-", state[32] = "-", up[24] = "-", status[32] = "";
    char links[48] = "-", lu[21], pe[21];
    bool failed = xvios_kv_get(b, len, "status", status, sizeof(status)) == 0;

    if (j) {
        struct xvios_kv_iter it;
        struct xvios_kv kv;
        int r;

        cli_json_map_open(j);
        xvios_kv_iter_init(&it, b, len);
        while ((r = xvios_kv_next(&it, &kv)) != 0) {
            if (r < 0)
                continue;
            cli_json_bytes(j, kv.key, kv.key_len);
            cli_json_number(j, kv.val, kv.val_len);
        }
        cli_json_map_close(j);
        return failed;
    }
    xvios_kv_get(b, len, "node", node, sizeof(node));
    xvios_kv_get(b, len, "domid", domid, sizeof(domid));
    xvios_kv_get(b, len, "name", name, sizeof(name));
    xvios_kv_get(b, len, "state", state, sizeof(state));
    xvios_kv_get(b, len, "uptime_s", up, sizeof(up));
    if (xvios_kv_get(b, len, "vke_links_up", lu, sizeof(lu)) == 0 &&
        xvios_kv_get(b, len, "vke_peers", pe, sizeof(pe)) == 0)
        snprintf(links, sizeof(links), "%s/%s", lu, pe);
    if (first)
        printf("%-5s %-6s %-20s %-8s %-7s %s\n", "NODE", "DOMID", "NAME", "STATE", "LINKS", "UPTIME_S");
    if (failed)
        printf("%-5s %-6s %-20s %-8s %-7s (no answer: %s)\n", node, "-", "-", "-", "-", status);
    else
        printf("%-5s %-6s %-20s %-8s %-7s %s\n", node, domid, name, state, links, up);
    if (!failed)
        print_losses(b, len);
    return failed;
}

int cmd_nodes(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct option lo[] = {
        { "via", required_argument, NULL, 'v' }, { "json", no_argument, NULL, 'j' },
        { "timeout", required_argument, NULL, 'T' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct xvios_client_outcome o = {0};
    xvios_client *c = NULL;
    uint32_t timeout_ms = 0;
    uint64_t h;
    struct timespec dl;
    unsigned blocks = 0, failed = 0;
    unsigned long truncated = 0;
    struct cli_json *j = NULL;
    int ch, rc, jrc = 0;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
        switch (ch) {
        case 'v':
            if (xvios_parse_u32(optarg, 1, XVIOS_NODE_ID_MAX, &cli->via) < 0) {
                usage(stderr);
                return XVIOS_EXIT_USAGE;
            }
            break;
        case 'j': cli->json = true; break;
        case 'T':
            if (xvios_parse_u32(optarg, 1, 3600000u, &timeout_ms) < 0) {
                usage(stderr);
                return XVIOS_EXIT_USAGE;
            }
            break;
        case 'h': usage(stdout); return XVIOS_EXIT_OK;
        default: usage(stderr); return XVIOS_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return XVIOS_EXIT_USAGE;
    }
    if (cli->mh_cluster)
        return cluster_mh_nodes(cli, cli->json);
    rc = cli_connect(cli, &c);
    if (rc != XVIOS_EXIT_OK)
        return rc;
    rc = xvios_client_query(c, XVIOS_MT_NODES_ALL, NULL, 0, timeout_ms, &h);
    if (rc == 0) {
        dl = xvios_deadline_ms((uint64_t)(timeout_ms ? timeout_ms : 10000u) * 4u + 10000u);
        rc = xvios_client_collect(c, h, &dl, &o);
    }
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", cli->prog, strerror(-rc));
        xvios_client_close(c);
        return cli_exit_for_errno(rc);
    }
    if (cli->json && !(j = cli_json_begin(stdout, CLI_JSON_LINES))) {
        fprintf(stderr, "%s: %s\n", cli->prog, strerror(ENOMEM));
        xvios_client_outcome_dispose(&o);
        xvios_client_close(c);
        return XVIOS_EXIT_ERROR;
    }
    if (j)
        cli_json_array_open(j);
    {
        unsigned nb = 0;
        struct cli_block *bv = cli_collect_blocks(&o, &nb);
        if (bv && !cli->json) /* the table in node order; JSON keeps the answering node first */
            qsort(bv, nb, sizeof(*bv), cli_block_cmp);
        for (unsigned k = 0; k < nb; k++) {
            char t[16], nd[16];
            if (xvios_kv_get(bv[k].p, bv[k].len, "node", nd, sizeof(nd)) < 0 &&
                xvios_kv_get(bv[k].p, bv[k].len, "truncated", t, sizeof(t)) == 0) {
                /* not a node: the count of node blocks the answering node could not fit */
                uint32_t v;
                truncated += xvios_parse_u32(t, 1, XVIOS_MAX_NODES, &v) < 0 ? 1 : v;
                continue;
            }
            failed += print_block(j, bv[k].p, bv[k].len, blocks == 0);
            blocks++;
        }
        free(bv);
    }
    if (j) {
        cli_json_array_close(j);
        if ((jrc = cli_json_end(j)) < 0)
            fprintf(stderr, "%s: writing the output: %s\n", cli->prog, strerror(-jrc));
    }
    if (o.status != XVIOS_ST_OK && o.status != XVIOS_ST_PARTIAL && o.status != XVIOS_ST_TIMED_OUT &&
        !cli->json)
        fprintf(stderr, "%s: %s\n", cli->prog, xvios_status_name(o.status));
    if (truncated)
        fprintf(stderr, "%s: warning: the answer was too large: %lu node(s) not listed\n", cli->prog, truncated);
    /* the answering node's own block always comes; the status says whether it could ask the others */
    rc = blocks == 0 ? XVIOS_EXIT_ERROR
       : o.status == XVIOS_ST_UNREACHABLE ? XVIOS_EXIT_UNREACHABLE
       : o.status == XVIOS_ST_NOT_MEMBER ? XVIOS_EXIT_REFUSED
       : o.status == XVIOS_ST_TRY_AGAIN || o.status == XVIOS_ST_INTERNAL || o.status == XVIOS_ST_BAD_PACKET
           ? XVIOS_EXIT_ERROR
       : failed || truncated ? XVIOS_EXIT_PARTIAL : XVIOS_EXIT_OK;
    if (jrc < 0)
        rc = XVIOS_EXIT_ERROR;
    xvios_client_outcome_dispose(&o);
    xvios_client_close(c);
    return rc;
}
