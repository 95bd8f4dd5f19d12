/* SPDX-License-Identifier: MIT */
/*
 * mesh_tool.c - one node on the multi-host transport (xvios/mesh.h), for the
 * corosync integration tests:
 *
 *   mesh_tool CLUSTER LOCAL ADDR[:PORT] KEYFILE    join (listening on PORT, else a port the kernel
 *                                                  chooses); commands from stdin until "quit" or EOF
 *
 * Commands: "bcast PAYLOAD", "to NODE PAYLOAD" (directed, over the node's
 * link), "links" (nodes whose link is up), "stats", "quit". A directed
 * payload "ping:X" is answered to its sender with "pong:X". Events, one line
 * each, t= the wall clock in ms:
 *   self node=N port=P | up node=N | lost node=N reason=R t= | link up|down node=N t=
 *   bcast src=N payload=P | direct src=N payload=P | links nodes=A,B | stats ... | ack/nack CMD rc=
 *   gone t= (corosync went away)
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
#include "xvios/mesh.h"
#include "xvios/parse.h"

static xvios_mesh *mesh;
static uint32_t seen[XVIOS_CPG_MAX_MEMBERS];
static unsigned n_seen;

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int printable(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    if (len > 200)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x21 || p[i] > 0x7e)
            return 0;
    return (int)len;
}

static void on_bcast(void *ctx, uint32_t src, const void *buf, size_t len)
{
    (void)ctx;
    printf("bcast src=%u len=%zu payload=%.*s\n", src, len, printable(buf, len), (const char *)buf);
}
static void on_direct(void *ctx, uint32_t src, const void *buf, size_t len)
{
    (void)ctx;
    printf("direct src=%u len=%zu t=%lld payload=%.*s\n", src, len, wall_ms(), printable(buf, len), (const char *)buf);
    if (len > 5 && len < 256 && !memcmp(buf, "ping:", 5)) {
        char reply[260];
        int n = snprintf(reply, sizeof reply, "pong:%.*s", (int)(len - 5), (const char *)buf + 5);
        struct timespec dl = xvios_deadline_ms(5000);
        int rc = xvios_mesh_send(mesh, src, reply, (size_t)n, &dl);
        if (rc != 0)
            printf("nack pong to %u rc=%d\n", src, rc);
    }
}
static void on_up(void *ctx, uint32_t node)
{
    (void)ctx;
    if (n_seen < XVIOS_CPG_MAX_MEMBERS)
        seen[n_seen++] = node;
    printf("up node=%u t=%lld\n", node, wall_ms());
}
static void on_lost(void *ctx, uint32_t node, enum xvios_cpg_lost_reason why)
{
    (void)ctx;
    printf("lost node=%u reason=%s t=%lld\n", node, xvios_cpg_lost_reason_name(why), wall_ms());
}
static void on_link(void *ctx, uint32_t node, bool up)
{
    (void)ctx;
    printf("link %s node=%u t=%lld\n", up ? "up" : "down", node, wall_ms());
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The nodes ever seen whose link is up now, sorted, each once. */
static void print_links(void)
{
    uint32_t up[XVIOS_CPG_MAX_MEMBERS];
    unsigned n = 0;
    for (unsigned i = 0; i < n_seen; i++) {
        int dup = 0;
        for (unsigned k = 0; k < n; k++)
            dup |= up[k] == seen[i];
        if (!dup && xvios_mesh_link_up(mesh, seen[i]))
            up[n++] = seen[i];
    }
    qsort(up, n, sizeof up[0], cmp_u32);
    printf("links nodes=");
    for (unsigned i = 0; i < n; i++)
        printf("%s%u", i ? "," : "", up[i]);
    printf("\n");
}

static int command(char *line, int *quit)
{
    int rc = -EINVAL;
    struct timespec dl = xvios_deadline_ms(5000);
    uint32_t node = 0;
    if (!strcmp(line, "quit")) {
        *quit = 1;
        return 0;
    }
    if (!strcmp(line, "links")) {
        print_links();
        return 0;
    }
    if (!strcmp(line, "stats")) {
        struct xvios_mesh_stats st;
        xvios_mesh_stats_get(mesh, &st);
        printf("stats direct_in=%" PRIu64 " direct_out=%" PRIu64 " links_up=%" PRIu64 " links_lost=%" PRIu64
               " refused=%" PRIu64 "\n", st.direct_in, st.direct_out, st.links_up, st.links_lost, st.refused);
        return 0;
    }
    if (!strncmp(line, "bcast ", 6)) {
        rc = xvios_mesh_bcast(mesh, line + 6, strlen(line + 6), &dl, 1);
    } else if (!strncmp(line, "to ", 3)) {
        char *sp = strchr(line + 3, ' ');
        if (sp) {
            *sp = 0;
            if (xvios_parse_u32(line + 3, 1, UINT32_MAX, &node) == 0)
                rc = xvios_mesh_send(mesh, node, sp + 1, strlen(sp + 1), &dl);
            *sp = ' ';
        }
    }
    printf("%s %s rc=%d\n", rc == 0 ? "ack" : "nack", line, rc);
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t local = 0, port = 0;
    struct xvios_tcp_key key;
    char *colon = argc == 5 ? strchr(argv[3], ':') : NULL;
    if (colon) {
        *colon = '\0';
        if (xvios_parse_u32(colon + 1, 1, 65535, &port) != 0) {
            fprintf(stderr, "mesh_tool: bad port %s\n", colon + 1);
            return 2;
        }
    }
    if (argc != 5 || xvios_parse_u32(argv[2], 1, XVIOS_CPG_LOCAL_MAX, &local) != 0) {
        fprintf(stderr, "usage: mesh_tool CLUSTER LOCAL ADDR[:PORT] KEYFILE\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (xvios_tcp_key_load(argv[4], &key) != 0) {
        fprintf(stderr, "mesh_tool: cannot load the key %s\n", argv[4]);
        return 1;
    }
    struct xvios_mesh_config cfg = { .cluster = argv[1], .local = local, .listen_addr = argv[3],
                                     .listen_port = (uint16_t)port, .key = &key };
    struct xvios_mesh_callbacks cb = { .bcast = on_bcast, .direct = on_direct, .node_up = on_up,
                                       .node_lost = on_lost, .link = on_link };
    int rc = xvios_mesh_open(&cfg, &cb, &mesh);
    explicit_bzero(&key, sizeof key);
    if (rc < 0) {
        fprintf(stderr, "mesh_tool: open: %s\n", strerror(-rc));
        return 1;
    }
    printf("self node=%u port=%u\n", xvios_mesh_self(mesh), xvios_mesh_port(mesh));
    int status = 0, quit = 0, in_open = 1;
    char line[4096];
    size_t have = 0;
    while (!quit) {
        struct pollfd pfd[XVIOS_CPG_MAX_MEMBERS + 16];
        pfd[0] = (struct pollfd){ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN };
        unsigned n = 1 + xvios_mesh_pollfds(mesh, pfd + 1, sizeof pfd / sizeof pfd[0] - 1);
        if (poll(pfd, n, xvios_mesh_poll_ms(mesh)) < 0 && errno != EINTR) {
            status = 1;
            break;
        }
        if (xvios_mesh_service(mesh) == -EPIPE) {
            printf("gone t=%lld\n", wall_ms());
            status = 1;
            break;
        }
        if (pfd[0].revents & (POLLIN | POLLHUP)) {
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
                command(line, &quit);
                size_t used = (size_t)(nl + 1 - line);
                memmove(line, nl + 1, have - used + 1);
                have -= used;
            }
            if (have == sizeof line - 1) {
                fprintf(stderr, "mesh_tool: command line too long\n");
                status = 1;
                break;
            }
        }
    }
    xvios_mesh_close(mesh);
    return status;
}
