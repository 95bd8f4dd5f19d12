/* SPDX-License-Identifier: MIT */
/*
 * tcp_tool.c - one end of a cross-host TCP link (xvios/tcplink.h), for the
 * multi-host integration tests:
 *
 *   tcp_tool serve ADDR PORT KEYFILE SELF           take one link; receive datagrams until one
 *                                                    reads "end", then answer "pong <count> <bytes>"
 *   tcp_tool send ADDR PORT KEYFILE SELF PEER COUNT SIZE
 *                                                    dial node PEER, send COUNT datagrams of SIZE
 *                                                    bytes and "end", wait for the answer
 * Prints "up peer=N" once the link is UP, "got count=C bytes=B" (serve) or "response=pong C B" (send).
 * Everything has a deadline (20 s). Exit 0 on success, 1 on failure, 2 usage.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/clock.h"
#include "xvios/parse.h"
#include "xvios/tcplink.h"

#define TOOL_DEADLINE_MS 20000u

static uint8_t buf[XVIOS_LINK_MAX_DGRAM];

static int wait_up(xvios_tcp_link *t, const struct timespec *dl)
{
    while (!xvios_ts_passed(dl)) {
        enum xvios_link_state s = xvios_tcp_link_progress(t);
        if (s == XVIOS_LINK_UP) {
            printf("up peer=%u\n", xvios_tcp_link_peer(t));
            return 0;
        }
        if (s == XVIOS_LINK_DEAD)
            return -1;
        struct pollfd p = { .fd = xvios_tcp_link_fd(t), .events = POLLIN };
        poll(&p, 1, 10);
    }
    return -1;
}

/* One datagram by the deadline: its length, or -1. */
static long recv_dgram(xvios_tcp_link *t, const struct timespec *dl)
{
    while (!xvios_ts_passed(dl)) {
        size_t len = 0;
        int rc = xvios_tcp_link_recv(t, buf, sizeof buf, &len);
        if (rc == 0)
            return (long)len;
        if (rc != -EAGAIN) {
            fprintf(stderr, "tcp_tool: recv: %s\n", strerror(-rc));
            return -1;
        }
        xvios_tcp_link_progress(t);
        struct pollfd p = { .fd = xvios_tcp_link_fd(t), .events = POLLIN };
        poll(&p, 1, 10);
    }
    return -1;
}

static int serve(const char *addr, uint16_t port, const struct xvios_tcp_key *key, uint32_t self)
{
    struct timespec dl = xvios_deadline_ms(TOOL_DEADLINE_MS);
    xvios_tcp_listener *l = NULL;
    xvios_tcp_link *t = NULL;
    int status = 1;
    if (xvios_tcp_listen(addr, port, &l) != 0)
        return 1;
    printf("listening port=%u\n", xvios_tcp_listener_port(l));
    fflush(stdout);
    while (!t && !xvios_ts_passed(&dl)) {
        if (xvios_tcp_accept(l, key, self, &t) == 0)
            break;
        struct pollfd p = { .fd = xvios_tcp_listener_fd(l), .events = POLLIN };
        poll(&p, 1, 50);
    }
    if (!t || wait_up(t, &dl) != 0)
        goto out;
    unsigned long count = 0, bytes = 0;
    long n;
    while ((n = recv_dgram(t, &dl)) >= 0) {
        if (n == 3 && !memcmp(buf, "end", 3))
            break;
        count++;
        bytes += (unsigned long)n;
    }
    if (n < 0)
        goto out;
    printf("got count=%lu bytes=%lu\n", count, bytes);
    int len = snprintf((char *)buf, sizeof buf, "pong %lu %lu", count, bytes);
    if (xvios_tcp_link_send(t, buf, (size_t)len, &dl) != 0)
        goto out;
    /* the answer is on its way once the peer hangs up */
    while (xvios_tcp_link_progress(t) != XVIOS_LINK_DEAD && !xvios_ts_passed(&dl)) {
        struct pollfd p = { .fd = xvios_tcp_link_fd(t), .events = POLLIN };
        poll(&p, 1, 10);
    }
    status = 0;
out:
    xvios_tcp_link_close(t);
    xvios_tcp_listener_close(l);
    return status;
}

static int send_to(const char *addr, uint16_t port, const struct xvios_tcp_key *key, uint32_t self, uint32_t peer,
                   uint32_t count, uint32_t size)
{
    struct timespec dl = xvios_deadline_ms(TOOL_DEADLINE_MS);
    xvios_tcp_link *t = NULL;
    int status = 1;
    if (xvios_tcp_connect(addr, port, key, self, peer, &t) != 0 || wait_up(t, &dl) != 0)
        goto out;
    memset(buf, 'd', size);
    for (uint32_t i = 0; i < count; i++)
        if (xvios_tcp_link_send(t, buf, size, &dl) != 0)
            goto out;
    if (xvios_tcp_link_send(t, "end", 3, &dl) != 0)
        goto out;
    long n = recv_dgram(t, &dl);
    if (n < 0)
        goto out;
    printf("response=%.*s\n", (int)n, (const char *)buf);
    status = 0;
out:
    xvios_tcp_link_close(t);
    return status;
}

int main(int argc, char **argv)
{
    struct xvios_tcp_key key;
    uint32_t port = 0, self = 0, peer = 0, count = 0, size = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 6 && xvios_parse_u32(argv[3], 0, 65535, &port) == 0 && xvios_parse_u32(argv[5], 1, UINT32_MAX, &self) == 0) {
        if (xvios_tcp_key_load(argv[4], &key) != 0) {
            fprintf(stderr, "tcp_tool: cannot load the key %s\n", argv[4]);
            return 1;
        }
        if (argc == 6 && !strcmp(argv[1], "serve"))
            return serve(argv[2], (uint16_t)port, &key, self);
        if (argc == 9 && !strcmp(argv[1], "send") && port > 0 && xvios_parse_u32(argv[6], 1, UINT32_MAX, &peer) == 0 &&
            xvios_parse_u32(argv[7], 0, 1000000, &count) == 0 &&
            xvios_parse_u32(argv[8], 1, XVIOS_LINK_MAX_DGRAM, &size) == 0)
            return send_to(argv[2], (uint16_t)port, &key, self, peer, count, size);
    }
    fprintf(stderr, "usage: tcp_tool serve ADDR PORT KEYFILE SELF | send ADDR PORT KEYFILE SELF PEER COUNT SIZE\n");
    return 2;
}
