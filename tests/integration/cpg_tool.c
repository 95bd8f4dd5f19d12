/* SPDX-License-Identifier: MIT */
/*
 * cpg_tool.c - one multi-host node on the CPG layer (xvios/cpg.h), for the
 * corosync integration tests:
 *
 *   cpg_tool CLUSTER LOCAL     join, then run commands from stdin until "quit" or EOF
 *
 * Commands (one a line): "send PAYLOAD" (one broadcast), "burst COUNT SIZE"
 * (COUNT broadcasts of SIZE bytes, deadline 30 s each: a loaded machine), "members", "stats",
 * "echo" (from now on answer every round's PING multicast of another node with a PONG multicast
 * naming that node), "round N COUNT SIZE" (the raw baseline of a broadcast with receipts: COUNT
 * times, multicast a PING of SIZE bytes and wait until N PONGs for it came back; prints
 * "round n=N size=SIZE ops=COUNT us_per_op=X"; 5 s per round at most), "quit". PINGs and PONGs
 * are not printed as msg lines. Every event is one line on stdout, flushed, with the wall clock in
 * ms (t=) so a test can time it against a kill:
 *   self node=N | up node=N t= | lost node=N reason=R t= | msg src=N len=L t= payload=P
 *   members n=K nodes=A,B,.. | stats sent= delivered= rejected= try_again= expired= queued= members=
 *   expired tag=T | ack CMD | gone t= (corosync went away)
 * Exit 0 after quit/EOF, 1 on an error, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xvios/clock.h"
#include "xvios/cpg.h"
#include "xvios/parse.h"

static xvios_cpg *g_cpg;
static bool g_echo;
static uint32_t g_round_seq, g_round_got;   /* the round in flight and the PONGs for it so far */

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_deliver(void *ctx, uint32_t src, const void *buf, size_t len)
{
    (void)ctx;
    unsigned to = 0, seq = 0;
    if (len >= 5 && !memcmp(buf, "PING ", 5)) {    /* a round: answer it (echo), never print it */
        char pong[48];
        struct timespec dl = xvios_deadline_ms(5000);
        if (g_echo && src != xvios_cpg_self(g_cpg) && sscanf((const char *)buf + 5, "%u", &seq) == 1) {
            int n = snprintf(pong, sizeof pong, "PONG %u %u", src, seq);
            if (xvios_cpg_send(g_cpg, pong, (size_t)n, &dl, 0) < 0)
                fprintf(stderr, "cpg_tool: cannot answer a PING\n");
        }
        return;
    }
    if (len >= 5 && !memcmp(buf, "PONG ", 5)) {
        char tmp[48];
        size_t k = len < sizeof tmp - 1 ? len : sizeof tmp - 1;
        memcpy(tmp, buf, k);
        tmp[k] = 0;
        if (sscanf(tmp + 5, "%u %u", &to, &seq) == 2 && to == xvios_cpg_self(g_cpg) && seq == g_round_seq)
            g_round_got++;
        return;
    }
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int round_trips(xvios_cpg *c, const char *args)
{
    static uint8_t payload[XVIOS_CPG_MAX_PAYLOAD];
    static double us[100000];
    unsigned long n = 0, count = 0, size = 0;
    double sum = 0;

    if (sscanf(args, "%lu %lu %lu", &n, &count, &size) != 3 || n == 0 || n >= XVIOS_CPG_MAX_MEMBERS || count == 0 ||
        count > 100000 || size < 32 || size > XVIOS_CPG_MAX_PAYLOAD)
        return -EINVAL;
    memset(payload, 'r', size);
    for (unsigned long i = 0; i < 10 + count; i++) {      /* 10 warm-up rounds */
        struct timespec t0 = xvios_now(), dl = xvios_deadline_ms(5000);
        int k = snprintf((char *)payload, size, "PING %u ", ++g_round_seq);
        int rc;
        payload[k] = 'r';                                  /* snprintf's NUL: the padding goes on */
        g_round_got = 0;
        if ((rc = xvios_cpg_send(c, payload, size, &dl, 0)) < 0)
            return rc;
        while (g_round_got < n) {
            struct pollfd pfd = { .fd = xvios_cpg_fd(c), .events = POLLIN };
            if (xvios_ts_passed(&dl))
                return -ETIMEDOUT;
            poll(&pfd, 1, xvios_poll_timeout(&dl, 10));
            if ((rc = xvios_cpg_dispatch(c)) < 0)
                return rc;
        }
        if (i >= 10) {
            struct timespec t1 = xvios_now();
            us[i - 10] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
            sum += us[i - 10];
        }
    }
    qsort(us, count, sizeof us[0], cmp_double);
    printf("round n=%lu size=%lu ops=%lu us_per_op=%.1f median_us=%.1f\n", n, size, count, sum / (double)count,
           us[count / 2]);
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
    } else if (!strcmp(line, "echo")) {
        g_echo = true;
        rc = 0;
    } else if (!strncmp(line, "round ", 6)) {
        rc = round_trips(c, line + 6);
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
    g_cpg = c;
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
