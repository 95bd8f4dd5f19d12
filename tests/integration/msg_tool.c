/* SPDX-License-Identifier: MIT */
/*
 * msg_tool.c - USER messages for the accounting tests, through the client
 * library of a loopback node's daemon.
 *
 *   msg_tool ROOT NODE send COUNT TAG [--to N[,N...] | --broadcast] [--receipt] [--response]
 *            [--timeout MS] [--window W] [--pace MS]
 *       COUNT messages of type 4097, payloads "TAG-1".."TAG-COUNT", at most W
 *       (default 8) outstanding, each send at least MS after the previous one
 *       (--pace: spreads the sends over a chaos schedule). One line per send on stdout:
 *         TAG-i status=<ST> rc=<node>:<RC>,... resp=<node>:<ST>,...
 *       status=NO_OUTCOME when the daemon went away before answering (the
 *       tool reconnects and goes on). Exit 0 when every send has a line.
 *   msg_tool ROOT NODE listen FILE
 *       Subscribes to MESSAGE events and appends one line per message to
 *       FILE: "from=<node> epoch=<e> txid=<hex> data=<payload>"; a line
 *       "subscribed" each time it (re)subscribed. Reconnects when the daemon
 *       goes away; stops on SIGTERM/SIGINT.
 *   msg_tool ROOT NODE deaf
 *       Subscribes to MESSAGE events, prints "subscribed", and never reads
 *       again (until SIGTERM/SIGINT): a subscriber that does not keep up.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xvios/client.h"
#include "xvios/clock.h"

#define MAX_WINDOW 64u
#define USER_TYPE  (XVIOS_MT_USER_BASE + 1u)

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int open_client(const char *root, uint32_t node, const char *name, xvios_client **c)
{
    struct xvios_client_config cfg = { .platform = XVIOS_PLAT_LOOPBACK, .root = root, .node = node,
                                       .origin = XVIOS_ORIGIN_API, .name = name, .connect_timeout_ms = 3000 };
    return xvios_client_open(&cfg, c);
}

/* ---------------------------------------------------------------- send */
struct pending {
    uint64_t handle;
    unsigned idx;
};

static void print_outcome(const char *tag, unsigned idx, const struct xvios_client_outcome *o, bool ok)
{
    printf("%s-%u status=%s rc=", tag, idx, ok ? xvios_status_name(o->status) : "NO_OUTCOME");
    for (unsigned i = 0; ok && i < o->n_rc; i++)
        printf("%s%u:%s", i ? "," : "", o->rc[i].node, xvios_rc_status_name(o->rc[i].status));
    printf(" resp=");
    for (unsigned i = 0; ok && i < o->n_resp; i++)
        printf("%s%u:%s", i ? "," : "", o->resp[i].node, xvios_status_name(o->resp[i].status));
    printf("\n");
    fflush(stdout);
}

static int do_send(const char *root, uint32_t node, int argc, char **argv)
{
    uint32_t targets[XVIOS_MAX_NODES];
    struct xvios_api_send s = { .msg_type = USER_TYPE, .targets = targets, .flags = XVIOS_F_BROADCAST };
    struct pending win[MAX_WINDOW];
    unsigned count, window = 8, next = 1, nwin = 0, pace_ms = 0;
    xvios_client *c = NULL;
    const char *tag;
    static char payload[4096];

    if (argc < 2 || sscanf(argv[0], "%u", &count) != 1)
        return 2;
    tag = argv[1];
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--to") && i + 1 < argc) {
            char *save = NULL;
            s.flags &= (uint16_t)~XVIOS_F_BROADCAST;
            for (char *t = strtok_r(argv[++i], ",", &save); t && s.n_targets < XVIOS_MAX_NODES;
                 t = strtok_r(NULL, ",", &save))
                targets[s.n_targets++] = (uint32_t)strtoul(t, NULL, 10);
        } else if (!strcmp(argv[i], "--broadcast")) {
            s.flags |= XVIOS_F_BROADCAST;
        } else if (!strcmp(argv[i], "--receipt")) {
            s.flags |= XVIOS_F_RECEIPT;
        } else if (!strcmp(argv[i], "--response")) {
            s.flags |= XVIOS_F_RESPONSE;
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            s.timeout_ms = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--window") && i + 1 < argc) {
            window = (unsigned)strtoul(argv[++i], NULL, 10);
            if (window == 0 || window > MAX_WINDOW)
                return 2;
        } else if (!strcmp(argv[i], "--pace") && i + 1 < argc) {
            pace_ms = (unsigned)strtoul(argv[++i], NULL, 10);
            if (pace_ms > 10000)
                return 2;
        } else {
            return 2;
        }
    }
    while (next <= count || nwin) {
        struct xvios_client_outcome o = { 0 };
        struct timespec dl;
        int rc;

        if (!c && open_client(root, node, "msg-tool-send", &c) < 0) {
            usleep(100 * 1000);   /* the daemon is restarting */
            continue;
        }
        while (next <= count && nwin < window) {
            if (pace_ms)
                usleep(pace_ms * 1000u);
            snprintf(payload, sizeof(payload), "%s-%u", tag, next);
            s.payload = payload;
            s.len = strlen(payload);
            if (xvios_client_send(c, &s, &win[nwin].handle) < 0)
                break;
            win[nwin++].idx = next++;
        }
        if (nwin == 0) {   /* could not even send: the connection is gone */
            xvios_client_close(c);
            c = NULL;
            continue;
        }
        dl = xvios_deadline_ms(60000);
        rc = xvios_client_collect(c, win[0].handle, &dl, &o);
        print_outcome(tag, win[0].idx, &o, rc == 0);
        xvios_client_outcome_dispose(&o);
        memmove(win, win + 1, (nwin - 1) * sizeof(win[0]));
        nwin--;
        if (rc < 0) {
            /* the daemon went away: what is still outstanding has no outcome either */
            for (unsigned k = 0; k < nwin; k++)
                print_outcome(tag, win[k].idx, &o, false);
            nwin = 0;
            xvios_client_close(c);
            c = NULL;
        }
    }
    xvios_client_close(c);
    return 0;
}

/* ---------------------------------------------------------------- listen */
static void record(FILE *f, const struct xvios_api_msg *m)
{
    char from[16] = "?", epoch[16] = "?", txid[24] = "?";
    const char *text = (const char *)m->payload;
    const char *body = text ? strstr(text, "\n\n") : NULL;
    size_t hl;

    if (!body)
        return;
    hl = (size_t)(body - text) + 1;
    xvios_kv_get(text, hl, "node", from, sizeof(from));
    xvios_kv_get(text, hl, "epoch", epoch, sizeof(epoch));
    xvios_kv_get(text, hl, "txid", txid, sizeof(txid));
    body += 2;
    fprintf(f, "from=%s epoch=%s txid=%s data=%.*s\n", from, epoch, txid, (int)(m->len - (size_t)(body - text)),
            body);
    fflush(f);
}

static int do_listen(const char *root, uint32_t node, const char *path)
{
    FILE *f = fopen(path, "a");
    xvios_client *c = NULL;

    if (!f)
        return 1;
    while (!stop) {
        struct xvios_api_msg m;
        struct timespec dl;
        int rc;

        if (!c) {
            dl = xvios_deadline_ms(3000);
            if (open_client(root, node, "msg-tool-listen", &c) < 0 ||
                xvios_client_subscribe(c, XVIOS_API_EVENT_BIT(XVIOS_EV_MESSAGE), &dl) < 0) {
                xvios_client_close(c);
                c = NULL;
                usleep(50 * 1000);
                continue;
            }
            fprintf(f, "subscribed\n");
            fflush(f);
        }
        dl = xvios_deadline_ms(200);
        rc = xvios_client_recv(c, &m, &dl);
        if (rc == -ETIMEDOUT)
            continue;
        if (rc < 0) {
            xvios_client_close(c);
            c = NULL;
            continue;
        }
        if (m.opcode == XVIOS_OP_API_EVENT && m.type == XVIOS_EV_MESSAGE)
            record(f, &m);
        xvios_api_msg_dispose(&m);
    }
    xvios_client_close(c);
    fclose(f);
    return 0;
}

static int do_deaf(const char *root, uint32_t node)
{
    struct timespec dl = xvios_deadline_ms(5000);
    xvios_client *c = NULL;

    if (open_client(root, node, "msg-tool-deaf", &c) < 0 ||
        xvios_client_subscribe(c, XVIOS_API_EVENT_BIT(XVIOS_EV_MESSAGE), &dl) < 0) {
        xvios_client_close(c);
        return 1;
    }
    printf("subscribed\n");
    fflush(stdout);
    while (!stop)
        pause();
    xvios_client_close(c);
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t node;

    if (argc < 4 || sscanf(argv[2], "%u", &node) != 1) {
        fprintf(stderr, "usage: msg_tool ROOT NODE send COUNT TAG [options] | listen FILE\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (!strcmp(argv[3], "send"))
        return do_send(argv[1], node, argc - 4, argv + 4);
    if (!strcmp(argv[3], "deaf") && argc == 4)
        return do_deaf(argv[1], node);
    if (!strcmp(argv[3], "listen") && argc == 5)
        return do_listen(argv[1], node, argv[4]);
    fprintf(stderr, "msg_tool: unknown command %s\n", argv[3]);
    return 2;
}
