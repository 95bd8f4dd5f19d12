/* SPDX-License-Identifier: MIT */
/* cmd_ping.c - `xvios ping NODE`: an ECHO with receipt and response to one node; prints the round trip. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "cli_json.h"
#include "cmds.h"
#include "xvios/clock.h"
#include "xvios/db.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: xvios [GLOBAL] ping [--timeout MS] NODE\n"
               "Sends NODE an echo request with receipt and response; prints the round-trip time.\n"
               "Exit: 0 answered, 4 no answer in time, 5 unreachable.\n");
}

static int print_json(uint32_t node, bool ok, const char *why, int64_t ms)
{
    struct cli_json *j = cli_json_begin(stdout, CLI_JSON_SPACED);

    if (!j)
        return -ENOMEM;
    cli_json_map_open(j);
    cli_json_key(j, "node");
    cli_json_uint(j, node);
    cli_json_key(j, "status");
    cli_json_str(j, ok ? "alive" : "failed");
    cli_json_key(j, "reason");
    if (ok)
        cli_json_null(j);
    else
        cli_json_str(j, why);
    cli_json_key(j, "rtt_ms");
    cli_json_uint(j, ms > 0 ? (uint64_t)ms : 0);
    cli_json_map_close(j);
    return cli_json_end(j);
}

int cmd_ping(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct option lo[] = {
        { "timeout", required_argument, NULL, 'T' }, { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
    };
    uint32_t node, timeout_ms = 0;
    char payload[64];
    struct xvios_api_send s = { .flags = XVIOS_F_RECEIPT | XVIOS_F_RESPONSE, .msg_type = XVIOS_MT_ECHO };
    struct xvios_client_outcome o = {0};
    xvios_client *c = NULL;
    struct timespec t0, dl;
    int ch, rc;
    bool ok = false;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
        switch (ch) {
        case 'T':
            if (xvios_parse_u32(optarg, 1, 3600000u, &timeout_ms) < 0) {
                usage(stderr);
                return XVIOS_EXIT_USAGE;
            }
            break;
        case 'j': cli->json = true; break;
        case 'h': usage(stdout); return XVIOS_EXIT_OK;
        default: usage(stderr); return XVIOS_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || xvios_parse_u32(argv[optind], 1, XVIOS_NODE_ID_MAX, &node) < 0) {
        usage(stderr);
        return XVIOS_EXIT_USAGE;
    }
    rc = cli_connect(cli, &c);
    if (rc != XVIOS_EXIT_OK)
        return rc;
    t0 = xvios_now();
    s.targets = &node;
    s.n_targets = 1;
    s.timeout_ms = timeout_ms;
    s.len = (size_t)snprintf(payload, sizeof(payload), "ping %" PRId64 ".%09ld", (int64_t)t0.tv_sec, t0.tv_nsec);
    s.payload = payload;
    dl = xvios_deadline_ms((uint64_t)(timeout_ms ? timeout_ms : 10000u) * 8u + 10000u);
    rc = xvios_client_send_wait(c, &s, &dl, &o);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", cli->prog, strerror(-rc));
        xvios_client_close(c);
        return cli_exit_for_errno(rc);
    }
    int64_t ms = xvios_ts_diff_ms(t0, xvios_now());
    const char *why = o.n_rc ? cli_rc_word(o.rc[0].status) : xvios_status_name(o.status);
    for (unsigned i = 0; i < o.n_resp; i++)
        if (o.resp[i].node == node && o.resp[i].status == XVIOS_ST_OK && o.resp[i].len == s.len &&
            !memcmp(o.resp[i].payload, payload, s.len))
            ok = true;
    if (!ok && o.n_rc && o.rc[0].status == XVIOS_RC_DELIVERED)
        why = "no response";
    if (cli->json) {
        int jrc = print_json(node, ok, why, ms);
        if (jrc < 0) {
            fprintf(stderr, "%s: writing the output: %s\n", cli->prog, strerror(-jrc));
            xvios_client_outcome_dispose(&o);
            xvios_client_close(c);
            return XVIOS_EXIT_ERROR;
        }
    } else if (ok)
        printf("node %u: alive, round trip %" PRId64 " ms\n", node, ms);
    else
        printf("node %u: failed (%s)\n", node, why);
    rc = ok ? XVIOS_EXIT_OK
       : (o.status == XVIOS_ST_UNREACHABLE || (o.n_rc && o.rc[0].status == XVIOS_RC_UNREACHABLE)) ? XVIOS_EXIT_UNREACHABLE
       : (o.n_rc && o.rc[0].status == XVIOS_RC_NOT_MEMBER) ? XVIOS_EXIT_REFUSED
       : XVIOS_EXIT_TIMEOUT;
    xvios_client_outcome_dispose(&o);
    xvios_client_close(c);
    return rc;
}
