/* SPDX-License-Identifier: MIT */
/* cmd_events.c - `xvios events`: subscribe to every event and print one line each until SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>

#include "cli_json.h"
#include "cmds.h"
#include "xvios/clock.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: xvios [GLOBAL] events [--json]\n"
               "Streams cluster events (node-joined, node-left, node-lost, delivery-failed,\n"
               "client-registered, message), one line each, until interrupted.\n");
}

/* One event as a JSON object on one line. */
static int print_event_json(const struct xvios_api_msg *m, const char *p, size_t kvlen, const char *body)
{
    struct cli_json *j = cli_json_begin(stdout, CLI_JSON_SPACED);

    if (!j)
        return -ENOMEM;
    cli_json_map_open(j);
    cli_json_key(j, "event");
    cli_json_str(j, xvios_event_name(m->type));
    cli_json_key(j, "node");
    cli_json_uint(j, m->node);
    for (size_t i = 0; i < kvlen;) {
        const char *line = p + i, *nl = memchr(line, '\n', kvlen - i), *eq;
        size_t ll = nl ? (size_t)(nl - line) : kvlen - i;
        eq = memchr(line, '=', ll);
        if (eq && eq > line && !(eq - line == 4 && !memcmp(line, "node", 4))) {
            cli_json_bytes(j, line, (size_t)(eq - line));
            cli_json_bytes(j, eq + 1, ll - (size_t)(eq - line) - 1);
        }
        i += ll + 1;
    }
    if (body) {
        const char *data = body + 2;
        cli_json_key(j, "data");
        cli_json_bytes(j, data, m->len - (size_t)(data - p));
    }
    cli_json_map_close(j);
    return cli_json_end(j);
}

/* One event as a line of text: "<event> node=N k=v ... data=<JSON string>". */
static int print_event_text(const struct xvios_api_msg *m, const char *p, size_t kvlen, const char *body)
{
    int rc = 0;

    printf("%s node=%u", xvios_event_name(m->type), m->node);
    for (size_t i = 0; i < kvlen;) {
        const char *line = p + i, *nl = memchr(line, '\n', kvlen - i), *eq;
        size_t ll = nl ? (size_t)(nl - line) : kvlen - i;
        eq = memchr(line, '=', ll);
        if (eq && eq > line && !(eq - line == 4 && !memcmp(line, "node", 4))) {
            printf(" ");
            for (size_t k = 0; k < ll; k++)
                putchar(line[k] >= 0x20 && line[k] < 0x7f ? line[k] : '?');
        }
        i += ll + 1;
    }
    if (body) {
        const char *data = body + 2;
        printf(" data=");
        rc = cli_json_quote(stdout, data, m->len - (size_t)(data - p));
    }
    printf("\n");
    return rc;
}

static int print_event(const struct xvios_cli *cli, const struct xvios_api_msg *m)
{
    const char *p = (const char *)m->payload;
    const char *body = memmem(p, m->len, "\n\n", 2);
    size_t kvlen = body ? (size_t)(body - p) + 1 : m->len;

    return cli->json ? print_event_json(m, p, kvlen, body) : print_event_text(m, p, kvlen, body);
}

int cmd_events(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
    };
    struct sigaction sa = { .sa_handler = on_signal };
    xvios_client *c = NULL;
    struct timespec dl;
    int ch, rc;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
        switch (ch) {
        case 'j': cli->json = true; break;
        case 'h': usage(stdout); return XVIOS_EXIT_OK;
        default: usage(stderr); return XVIOS_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return XVIOS_EXIT_USAGE;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = cli_connect(cli, &c);
    if (rc != XVIOS_EXIT_OK)
        return rc;
    dl = xvios_deadline_ms(5000);
    rc = xvios_client_subscribe(c, XVIOS_API_EVENT_ALL, &dl);
    if (rc < 0) {
        fprintf(stderr, "%s: subscribing: %s\n", cli->prog, strerror(-rc));
        xvios_client_close(c);
        return cli_exit_for_errno(rc);
    }
    if (!cli->json)
        fprintf(stderr, "%s: listening for events on node %u\n", cli->prog, xvios_client_node(c));
    rc = XVIOS_EXIT_OK;
    while (!stop) {
        struct xvios_api_msg m;
        int r;
        /* a short deadline so a signal is noticed promptly */
        dl = xvios_deadline_ms(200);
        r = xvios_client_recv(c, &m, &dl);
        if (r == -ETIMEDOUT || r == -EINTR)
            continue;
        if (r < 0) {
            fprintf(stderr, "%s: the daemon went away: %s\n", cli->prog, strerror(-r));
            rc = XVIOS_EXIT_UNREACHABLE;
            break;
        }
        if (m.opcode == XVIOS_OP_API_EVENT && (r = print_event(cli, &m)) < 0) {
            fprintf(stderr, "%s: writing the output: %s\n", cli->prog, strerror(-r));
            rc = XVIOS_EXIT_ERROR;
            stop = 1;
        }
        xvios_api_msg_dispose(&m);
    }
    xvios_client_close(c);
    return rc;
}
