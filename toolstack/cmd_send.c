/* SPDX-License-Identifier: MIT */
/*
 * cmd_send.c - `xvios send`: one cluster message through a node's daemon,
 * then one line (or JSON object) per node: delivered or failed and why,
 * and the node's response when one was asked for.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_json.h"
#include "cmds.h"
#include "xvios/clock.h"
#include "xvios/db.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: xvios [GLOBAL] send [--broadcast | --to N[,N...]] [--receipt] [--response]\n"
               "                         [--timeout MS] [--type T] PAYLOAD|-\n"
               "  --broadcast      to every active member except this node (the default without --to)\n"
               "  --to N,...       directed to these nodes\n"
               "  --receipt        wait for receipt notifications; re-issue to nodes that sent none\n"
               "  --response       collect each node's response\n"
               "  --timeout MS     receipt/response deadline (default: the cluster's)\n"
               "  --type T         echo (default), node-info, or a number (>= 4096 for user types)\n"
               "  PAYLOAD          the message text; '-' reads it from standard input\n"
               "  --json           one JSON object per node in an array; a request that failed as a whole\n"
               "                   (nothing sent, e.g. TRY_AGAIN) is one object {\"error\", \"status\", \"exit\"}\n"
               "The response deadline is the timeout (the effective one: --timeout, else the cluster's),\n"
               "counted from the send, and again from a re-send for the nodes it re-addresses.\n"
               "Exit: 0 every node delivered (and answered, with --response)\n"
               "      1 another failure (the daemon is busy: TRY_AGAIN, an internal error, bad output)\n"
               "      2 bad command line, or the daemon refused the request as malformed\n"
               "      3 some nodes delivered, some failed\n"
               "      4 none delivered (or none answered) before the deadline\n"
               "      5 unreachable: no daemon, or no link to any target\n"
               "      6 refused: this node is not a member, or nobody to send to\n");
}

static int parse_type(const char *s, uint32_t *t)
{
    if (!strcmp(s, "echo"))
        *t = XVIOS_MT_ECHO;
    else if (!strcmp(s, "node-info"))
        *t = XVIOS_MT_NODE_INFO;
    else if (!strcmp(s, "nodes-all"))
        *t = XVIOS_MT_NODES_ALL;
    else
        return xvios_parse_u32(s, 1, UINT32_MAX, t);
    return 0;
}

static int parse_targets(char *s, uint32_t *t, unsigned *n)
{
    for (char *save = NULL, *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n >= XVIOS_MAX_NODES || xvios_parse_u32(tok, 1, XVIOS_NODE_ID_MAX, &t[*n]) < 0)
            return -EINVAL;
        (*n)++;
    }
    return *n ? 0 : -EINVAL;
}

static int read_stdin(uint8_t *buf, size_t cap, size_t *len)
{
    size_t n = 0;

    for (;;) {
        ssize_t r = read(STDIN_FILENO, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == cap) {
            char extra;
            if (read(STDIN_FILENO, &extra, 1) > 0)
                return -EMSGSIZE;
            break;
        }
    }
    *len = n;
    return 0;
}

static int exit_code(const struct xvios_client_outcome *o, unsigned n, unsigned ok);

struct node_line {
    uint32_t node;
    const char *status;     /* delivered / sent / failed */
    const char *reason;     /* NULL or why it failed */
    const struct xvios_api_msg *resp;
};

static const char *resp_reason(int st)
{
    switch (st) {
    case XVIOS_ST_TIMED_OUT: return "no response before the deadline";
    case XVIOS_ST_UNREACHABLE: return "unreachable";
    case XVIOS_ST_NOT_MEMBER: return "not a member";
    case XVIOS_ST_QUEUE_FULL: return "queue full";
    case XVIOS_ST_BAD_PACKET: return "the node does not handle this message type";
    case XVIOS_ST_NO_SUBSCRIBER: return "no subscriber";
    case XVIOS_ST_INTERNAL: return "the node could not pass it on";
    }
    return "failed";
}

/* One JSON object per node, one per line, in an array. */
static int print_json(const struct node_line *lines, unsigned n)
{
    struct cli_json *j = cli_json_begin(stdout, CLI_JSON_LINES);

    if (!j)
        return -ENOMEM;
    cli_json_array_open(j);
    for (unsigned i = 0; i < n; i++) {
        cli_json_map_open(j);
        cli_json_key(j, "node");
        cli_json_uint(j, lines[i].node);
        cli_json_key(j, "status");
        cli_json_str(j, lines[i].status);
        cli_json_key(j, "reason");
        if (lines[i].reason)
            cli_json_str(j, lines[i].reason);
        else
            cli_json_null(j);
        cli_json_key(j, "response");
        if (lines[i].resp && lines[i].resp->status == XVIOS_ST_OK)
            cli_json_bytes(j, lines[i].resp->payload, lines[i].resp->len);
        else
            cli_json_null(j);
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
    return cli_json_end(j);
}

/* A request that failed as a whole (nothing sent, or no outcome): one JSON object saying why. */
static int print_json_failure(const char *status, const char *error, int exit_code)
{
    struct cli_json *j = cli_json_begin(stdout, CLI_JSON_LINES);

    if (!j)
        return -ENOMEM;
    cli_json_map_open(j);
    cli_json_key(j, "error");
    cli_json_str(j, error);
    cli_json_key(j, "status");
    cli_json_str(j, status);
    cli_json_key(j, "exit");
    cli_json_uint(j, (unsigned)exit_code);
    cli_json_map_close(j);
    return cli_json_end(j);
}

static const char *request_failure_text(int status)
{
    switch (status) {
    case XVIOS_ST_TRY_AGAIN: return "the daemon or its VKE is busy: nothing was sent, try again";
    case XVIOS_ST_UNREACHABLE: return "the daemon has no VKE or no link to any target: nothing was sent";
    case XVIOS_ST_NO_TARGETS: return "nobody to send to";
    case XVIOS_ST_NOT_MEMBER: return "this node is not an active cluster member";
    case XVIOS_ST_BAD_PACKET: return "the daemon refused the request as malformed";
    case XVIOS_ST_TIMED_OUT: return "nothing was delivered before the deadline";
    }
    return "the request failed";
}

/* Print the outcome; returns the exit code. */
static int report(const struct xvios_cli *cli, const struct xvios_client_outcome *o, bool want_response)
{
    struct node_line lines[2 * XVIOS_MAX_NODES];
    unsigned n = 0, ok = 0;

    for (unsigned i = 0; i < o->n_rc; i++) {
        const struct xvios_rc_entry *e = &o->rc[i];
        bool good = e->status == XVIOS_RC_DELIVERED || e->status == XVIOS_RC_SENT;
        lines[n] = (struct node_line){ .node = e->node, .status = good ? cli_rc_word(e->status) : "failed",
                                       .reason = good ? NULL : cli_rc_word(e->status) };
        for (unsigned k = 0; k < o->n_resp; k++)
            if (o->resp[k].node == e->node)
                lines[n].resp = &o->resp[k];
        if (good && want_response) {
            if (!lines[n].resp || lines[n].resp->status != XVIOS_ST_OK) {
                lines[n].status = "failed";
                lines[n].reason = lines[n].resp ? resp_reason(lines[n].resp->status) : "no response";
                good = false;
            }
        }
        ok += good;
        n++;
    }
    if (cli->json) {
        int jrc = n == 0 ? print_json_failure(xvios_status_name(o->status), request_failure_text(o->status),
                                              exit_code(o, n, ok))
                         : print_json(lines, n);
        if (jrc < 0) {
            fprintf(stderr, "%s: writing the output: %s\n", cli->prog, strerror(-jrc));
            return XVIOS_EXIT_ERROR;
        }
    } else {
        for (unsigned i = 0; i < n; i++) {
            printf("node %u: %s", lines[i].node, lines[i].status);
            if (lines[i].reason)
                printf(" (%s)", lines[i].reason);
            if (lines[i].resp && lines[i].resp->status == XVIOS_ST_OK) {
                printf(", response: ");
                fwrite(lines[i].resp->payload, 1, lines[i].resp->len, stdout);
            }
            printf("\n");
        }
        if (n == 0)
            fprintf(stderr, "%s: nothing sent: %s (%s)\n", cli->prog, xvios_status_name(o->status),
                    request_failure_text(o->status));
    }
    return exit_code(o, n, ok);
}

static int exit_code(const struct xvios_client_outcome *o, unsigned n, unsigned ok)
{
    if (n > 0 && ok == n)
        return XVIOS_EXIT_OK;
    if (ok > 0)
        return XVIOS_EXIT_PARTIAL;
    if (n > 0 && o->status == XVIOS_ST_OK)
        return XVIOS_EXIT_TIMEOUT; /* every node took it, none answered in time */
    switch (o->status) {
    case XVIOS_ST_UNREACHABLE: return XVIOS_EXIT_UNREACHABLE;
    case XVIOS_ST_BAD_PACKET: return XVIOS_EXIT_USAGE;
    case XVIOS_ST_NO_TARGETS:
    case XVIOS_ST_NOT_MEMBER: return XVIOS_EXIT_REFUSED;
    case XVIOS_ST_TIMED_OUT:
    case XVIOS_ST_PARTIAL: return XVIOS_EXIT_TIMEOUT;
    }
    return XVIOS_EXIT_ERROR;
}

int cmd_send(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct option lo[] = {
        { "broadcast", no_argument, NULL, 'b' }, { "to", required_argument, NULL, 't' },
        { "receipt", no_argument, NULL, 'r' },   { "response", no_argument, NULL, 'R' },
        { "timeout", required_argument, NULL, 'T' }, { "type", required_argument, NULL, 'y' },
        { "json", no_argument, NULL, 'j' },      { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static uint8_t payload[XVIOS_MAX_PAYLOAD];
    uint32_t targets[XVIOS_MAX_NODES];
    struct xvios_api_send s = { .msg_type = XVIOS_MT_ECHO, .targets = targets };
    struct xvios_client_outcome o = {0};
    xvios_client *c = NULL;
    bool bcast = false;
    int ch, rc;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
        switch (ch) {
        case 'b': bcast = true; break;
        case 't':
            if (parse_targets(optarg, targets, &s.n_targets) < 0) {
                fprintf(stderr, "%s: --to needs at most %u node ids (1..%u), comma separated\n", cli->prog, XVIOS_MAX_NODES,
                        XVIOS_NODE_ID_MAX);
                return XVIOS_EXIT_USAGE;
            }
            break;
        case 'r': s.flags |= XVIOS_F_RECEIPT; break;
        case 'R': s.flags |= XVIOS_F_RESPONSE; break;
        case 'T':
            if (xvios_parse_u32(optarg, 1, 3600000u, &s.timeout_ms) < 0) {
                fprintf(stderr, "%s: --timeout needs milliseconds\n", cli->prog);
                return XVIOS_EXIT_USAGE;
            }
            break;
        case 'y':
            if (parse_type(optarg, &s.msg_type) < 0) {
                fprintf(stderr, "%s: unknown message type '%s'\n", cli->prog, optarg);
                return XVIOS_EXIT_USAGE;
            }
            break;
        case 'j': cli->json = true; break;
        case 'h': usage(stdout); return XVIOS_EXIT_OK;
        default: usage(stderr); return XVIOS_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || (bcast && s.n_targets)) {
        usage(stderr);
        return XVIOS_EXIT_USAGE;
    }
    if (!s.n_targets)
        s.flags |= XVIOS_F_BROADCAST;
    if (!strcmp(argv[optind], "-")) {
        rc = read_stdin(payload, sizeof(payload), &s.len);
        if (rc < 0) {
            fprintf(stderr, "%s: reading the payload: %s\n", cli->prog, strerror(-rc));
            return XVIOS_EXIT_USAGE;
        }
    } else {
        s.len = strlen(argv[optind]);
        if (s.len > sizeof(payload)) {
            fprintf(stderr, "%s: payload larger than %u bytes\n", cli->prog, XVIOS_MAX_PAYLOAD);
            return XVIOS_EXIT_USAGE;
        }
        memcpy(payload, argv[optind], s.len);
    }
    s.payload = payload;

    rc = cli_connect(cli, &c);
    if (rc != XVIOS_EXIT_OK)
        return rc;
    {
        /* the daemon finishes every send by itself (receipts, re-sends, response deadlines);
         * this outer deadline only guards against a daemon that stopped answering */
        uint32_t t = s.timeout_ms ? s.timeout_ms : 10000u;
        struct timespec dl = xvios_deadline_ms((uint64_t)t * 8u + 10000u);
        rc = xvios_client_send_wait(c, &s, &dl, &o);
    }
    if (rc < 0) {
        const char *why = rc == -ETIMEDOUT ? "the daemon did not finish the send in time" : strerror(-rc);
        fprintf(stderr, "%s: %s\n", cli->prog, why);
        if (cli->json && print_json_failure("NO_OUTCOME", why, cli_exit_for_errno(rc)) < 0)
            fprintf(stderr, "%s: writing the output failed\n", cli->prog);
        rc = cli_exit_for_errno(rc);
    } else {
        rc = report(cli, &o, s.flags & XVIOS_F_RESPONSE);
    }
    xvios_client_outcome_dispose(&o);
    xvios_client_close(c);
    return rc;
}
