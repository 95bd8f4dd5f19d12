/* SPDX-License-Identifier: MIT */
/*
 * cmd_events.c - `xvios events`: subscribe to the cluster's events and print one line each until
 * SIGINT/SIGTERM. --category lifecycle|alert|message subscribes to that category only (docs/api.md,
 * "Events"); --type T keeps the events about objects of type T (node, client, message, LU, ...;
 * any case).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <strings.h>

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
    fprintf(f, "usage: xvios [GLOBAL] events [--json] [--category lifecycle|alert|message] [--type TYPE]\n"
               "Streams cluster events (node-joined, node-left, node-lost, delivery-failed,\n"
               "client-registered, message, lifecycle, path-lost, path-restored, lu-io-errors,\n"
               "reservation-preempted), one line each, until interrupted.\n"
               "  --category C  lifecycle: objects created, changed, deleted (node-joined, node-left,\n"
               "                client-registered, lifecycle); alert: node-lost, delivery-failed,\n"
               "                path-lost, path-restored, lu-io-errors, reservation-preempted;\n"
               "                message: USER messages\n"
               "  --type T      only events about objects of type T (node, client, message, LU, pool, ...)\n");
}

/* The event mask of a category; 0 for an unknown one. */
static uint32_t category_mask(const char *category)
{
    uint32_t mask = 0;

    for (unsigned ev = 1; ev <= XVIOS_EV_MAX_; ev++)
        if (!strcmp(xvios_event_category(ev), category))
            mask |= XVIOS_API_EVENT_BIT(ev);
    return mask;
}

/* The type of object an event is about: the lifecycle payload's type=, else by the event. */
static bool type_matches(const struct xvios_api_msg *m, const char *want)
{
    char type[32] = "";

    if (!want)
        return true;
    switch (m->type) {
    case XVIOS_EV_NODE_JOINED:
    case XVIOS_EV_NODE_LEFT:
    case XVIOS_EV_NODE_LOST: snprintf(type, sizeof(type), "node"); break;
    case XVIOS_EV_CLIENT_REGISTERED: snprintf(type, sizeof(type), "client"); break;
    case XVIOS_EV_DELIVERY_FAILED:
    case XVIOS_EV_MESSAGE: snprintf(type, sizeof(type), "message"); break;
    case XVIOS_EV_PATH_LOST:
    case XVIOS_EV_PATH_RESTORED: snprintf(type, sizeof(type), "path"); break;
    case XVIOS_EV_LU_IO_ERRORS:
    case XVIOS_EV_RESERVATION_PREEMPTED: snprintf(type, sizeof(type), "LU"); break;
    default:
        if (xvios_kv_get((const char *)m->payload, m->len, "type", type, sizeof(type)) < 0)
            return false;
    }
    return !strcasecmp(type, want);
}

/* One event as a JSON object on one line. */
static int print_event_json(const struct xvios_api_msg *m)
{
    struct cli_json *j = cli_json_begin(stdout, CLI_JSON_SPACED);
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    const char *body;
    size_t dl;
    int r;

    if (!j)
        return -ENOMEM;
    cli_json_map_open(j);
    cli_json_key(j, "event");
    cli_json_str(j, xvios_event_name(m->type));
    cli_json_key(j, "node");
    cli_json_uint(j, m->node);
    xvios_kv_iter_init(&it, m->payload, m->len);
    while ((r = xvios_kv_next(&it, &kv)) != 0) {
        if (r > 0 && !xvios_kv_is(&kv, "node")) {
            cli_json_bytes(j, kv.key, kv.key_len);
            cli_json_bytes(j, kv.val, kv.val_len);
        }
    }
    body = xvios_kv_body(&it, &dl);
    if (body) {
        cli_json_key(j, "data");
        cli_json_bytes(j, body, dl);
    }
    if (m->type != XVIOS_EV_LIFECYCLE) {   /* its payload says category= itself */
        cli_json_key(j, "category");
        cli_json_str(j, xvios_event_category(m->type));
    }
    cli_json_map_close(j);
    return cli_json_end(j);
}

/* One event as a line of text: "<event> node=N k=v ... data=<JSON string>". */
static int print_event_text(const struct xvios_api_msg *m)
{
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    const char *body;
    size_t dl;
    int r, rc = 0;

    printf("%s node=%u", xvios_event_name(m->type), m->node);
    xvios_kv_iter_init(&it, m->payload, m->len);
    while ((r = xvios_kv_next(&it, &kv)) != 0) {
        if (r > 0 && !xvios_kv_is(&kv, "node")) {
            size_t ll = kv.key_len + 1u + kv.val_len;  /* key=value, contiguous in the payload */
            printf(" ");
            for (size_t k = 0; k < ll; k++)
                putchar(kv.key[k] >= 0x20 && kv.key[k] < 0x7f ? kv.key[k] : '?');
        }
    }
    body = xvios_kv_body(&it, &dl);
    if (body) {
        printf(" data=");
        rc = cli_json_quote(stdout, body, dl);
    }
    printf("\n");
    return rc;
}

static int print_event(const struct xvios_cli *cli, const struct xvios_api_msg *m)
{
    return cli->json ? print_event_json(m) : print_event_text(m);
}

int cmd_events(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
        { "category", required_argument, NULL, 'c' }, { "type", required_argument, NULL, 't' },
        { NULL, 0, NULL, 0 },
    };
    uint32_t mask = XVIOS_API_EVENT_ALL;
    const char *type = NULL;
    struct sigaction sa = { .sa_handler = on_signal };
    xvios_client *c = NULL;
    struct timespec dl;
    int ch, rc;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
        switch (ch) {
        case 'j': cli->json = true; break;
        case 'h': usage(stdout); return XVIOS_EXIT_OK;
        case 'c':
            if (!(mask = category_mask(optarg))) {
                fprintf(stderr, "%s: events: no category '%s' (lifecycle, alert, message)\n", cli->prog, optarg);
                return XVIOS_EXIT_USAGE;
            }
            break;
        case 't':
            if (!optarg[0] || strlen(optarg) > 16) {
                fprintf(stderr, "%s: events: --type takes an object type (node, client, LU, ...)\n", cli->prog);
                return XVIOS_EXIT_USAGE;
            }
            type = optarg;
            break;
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
    rc = xvios_client_subscribe(c, mask, &dl);
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
        if (m.opcode == XVIOS_OP_API_EVENT && type_matches(&m, type) && (r = print_event(cli, &m)) < 0) {
            fprintf(stderr, "%s: writing the output: %s\n", cli->prog, strerror(-r));
            rc = XVIOS_EXIT_ERROR;
            stop = 1;
        }
        xvios_api_msg_dispose(&m);
    }
    xvios_client_close(c);
    return rc;
}
