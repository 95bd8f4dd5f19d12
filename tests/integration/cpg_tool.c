/* SPDX-License-Identifier: MIT */
/*
 * cpg_tool.c - one multi-host node on the CPG layer (xvios/cpg.h), for the
 * corosync integration tests:
 *
 *   cpg_tool CLUSTER LOCAL     join, then run commands from stdin until "quit" or EOF
 *
 * Commands (one a line): "send PAYLOAD" (one broadcast), "burst COUNT SIZE"
 * (COUNT broadcasts of SIZE bytes, deadline 30 s each: a loaded machine), "members", "stats",
 * "quit". Every event is one line on stdout, flushed, with the wall clock in
 * ms (t=) so a test can time it against a kill:
 *   self node=N | up node=N t= | lost node=N reason=R t= | msg src=N len=L t= payload=P
 *   members n=K nodes=A,B,.. | stats sent= delivered= rejected= try_again= expired= queued= members=
 *   expired tag=T | ack CMD | gone t= (corosync went away)
 * Exit 0 after quit/EOF, 1 on an error, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xvios/clock.h"
#include "xvios/cpg.h"
#include "xvios/parse.h"

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_deliver(void *ctx, uint32_t src, const void *buf, size_t len)
{
    (void)ctx;
    /* printable payloads are shown (bounded); others only by length */
    const unsigned char *p = buf;
    size_t show = len < 64 ? len : 64;
    for (size_t i = 0; i < show; i++)
        if (p[i] < 0x21 || p[i] > 0x7e)
            show = 0;
    printf("msg src=%u len=%zu t=%lld payload=%.*s\n", src, len, wall_ms(), (int)show, (const char *)buf);
}
static void on_up(void *ctx, uint32_t node) { (void)ctx; printf("up node=%u t=%lld\n", node, wall_ms()); }
static void on_lost(void *ctx, uint32_t node, enum xvios_cpg_lost_reason why)
{
    (void)ctx;
    printf("lost node=%u reason=%s t=%lld\n", node, xvios_cpg_lost_reason_name(why), wall_ms());
}
static void on_expired(void *ctx, uint64_t tag) { (void)ctx; printf("expired tag=%" PRIu64 "\n", tag); }

static void print_members(const xvios_cpg *c)
{
    uint32_t nodes[XVIOS_CPG_MAX_MEMBERS];
    unsigned n = xvios_cpg_members(c, nodes, XVIOS_CPG_MAX_MEMBERS);
    printf("members n=%u nodes=", n);
    for (unsigned i = 0; i < n && i < XVIOS_CPG_MAX_MEMBERS; i++)
        printf("%s%u", i ? "," : "", nodes[i]);
    printf("\n");
}

static int burst(xvios_cpg *c, const char *args, uint64_t *tag)
{
    static uint8_t payload[XVIOS_CPG_MAX_PAYLOAD];
    unsigned long count = 0, size = 0;
    if (sscanf(args, "%lu %lu", &count, &size) != 2 || count > 1000000 || size > XVIOS_CPG_MAX_PAYLOAD)
        return -EINVAL;
    memset(payload, 'b', size);
    for (unsigned long i = 0; i < count; i++) {
        struct timespec dl = xvios_deadline_ms(30000);
        int rc;
        /* a full queue: let corosync drain it (dispatch) and offer the message again */
        while ((rc = xvios_cpg_send(c, payload, size, &dl, ++*tag)) == -ENOBUFS) {
            struct pollfd pfd = { .fd = xvios_cpg_fd(c), .events = POLLIN };
            poll(&pfd, 1, 5);
            if ((rc = xvios_cpg_dispatch(c)) < 0)
                return rc;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int command(xvios_cpg *c, char *line, uint64_t *tag, int *quit)
{
    line[strcspn(line, "\r\n")] = 0;
    if (!strcmp(line, "quit")) {
        *quit = 1;
        return 0;
    }
    if (!strcmp(line, "members")) {
        print_members(c);
        return 0;
    }
    if (!strcmp(line, "stats")) {
        struct xvios_cpg_stats st;
        xvios_cpg_stats_get(c, &st);
        printf("stats sent=%" PRIu64 " delivered=%" PRIu64 " rejected=%" PRIu64 " try_again=%" PRIu64
               " expired=%" PRIu64 " queued=%u members=%u\n",
               st.sent, st.delivered, st.rejected, st.try_again, st.expired, st.queued, st.members);
        return 0;
    }
    int rc = -EINVAL;
    if (!strncmp(line, "send ", 5)) {
        struct timespec dl = xvios_deadline_ms(10000);
        rc = xvios_cpg_send(c, line + 5, strlen(line + 5), &dl, ++*tag);
    } else if (!strncmp(line, "burst ", 6)) {
        rc = burst(c, line + 6, tag);
    }
    printf("%s %s rc=%d\n", rc == 0 ? "ack" : "nack", line, rc);
    return rc == -EPIPE ? rc : 0;
}

int main(int argc, char **argv)
{
    uint32_t local = 0;
    if (argc != 3 || xvios_parse_u32(argv[2], 1, XVIOS_CPG_LOCAL_MAX, &local) != 0) {
        fprintf(stderr, "usage: cpg_tool CLUSTER LOCAL\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct xvios_cpg_callbacks cb = { .deliver = on_deliver, .node_up = on_up, .node_lost = on_lost,
                                      .send_expired = on_expired };
    xvios_cpg *c = NULL;
    int rc = xvios_cpg_open(argv[1], local, NULL, 0, &cb, &c);
    if (rc < 0) {
        fprintf(stderr, "cpg_tool: open: %s\n", strerror(-rc));
        return 1;
    }
    printf("self node=%u\n", xvios_cpg_self(c));
    int status = 0, quit = 0, in_open = 1;
    uint64_t tag = 0;
    char line[4096];
    size_t have = 0;
    while (!quit) {
        struct pollfd pfd[2] = { { .fd = xvios_cpg_fd(c), .events = POLLIN },
                                 { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN } };
        struct timespec when;
        int timeout = xvios_cpg_next_deadline(c, &when) == 0 ? xvios_poll_timeout(&when, 1000) : 1000;
        if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
            status = 1;
            break;
        }
        if (xvios_cpg_dispatch(c) == -EPIPE) {
            printf("gone t=%lld\n", wall_ms());
            status = 1;
            break;
        }
        if (pfd[1].revents & (POLLIN | POLLHUP)) {
            ssize_t r = read(STDIN_FILENO, line + have, sizeof line - 1 - have);
            if (r <= 0) {
                in_open = 0;
                quit = 1;
                continue;
            }
            have += (size_t)r;
            line[have] = 0;
            char *nl;
            while (!quit && (nl = strchr(line, '\n'))) {
                *nl = 0;
                if (command(c, line, &tag, &quit) == -EPIPE)
                    quit = status = 1;
                size_t used = (size_t)(nl + 1 - line);
                memmove(line, nl + 1, have - used + 1);
                have -= used;
            }
            if (have == sizeof line - 1) {
                fprintf(stderr, "cpg_tool: command line too long\n");
                status = 1;
                break;
            }
        }
    }
    xvios_cpg_close(c);
    return status;
}
