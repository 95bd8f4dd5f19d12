/* SPDX-License-Identifier: MIT */
/*
 * api_abuse.c - a misbehaving caller for the integration tests, talking raw
 * packets to a daemon's api.sock:
 *   1. a request before HELLO is refused (API_RESULT BAD_PACKET);
 *   2. malformed datagrams are dropped; the 16th disconnects the caller;
 *   3. a caller that sends requests but never reads its answers is
 *      disconnected once its output queue is full;
 *   4. after all that the daemon still answers a well-behaved caller.
 *   api_abuse API_SOCK_PATH      exit 0 when every check held
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xvios/client.h"
#include "xvios/clock.h"

static uint8_t buf[XVIOS_MAX_MSG];

static int dial(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("connect");
        exit(1);
    }
    return fd;
}

/* Next packet within ms: 1 and parsed into m, 0 on EOF, -1 on timeout. */
static int next(int fd, struct xvios_api_msg *m, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    ssize_t n;

    if (poll(&p, 1, ms) <= 0)
        return -1;
    n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
        return 0;
    if (xvios_api_parse(buf, (size_t)n, m) < 0) {
        fprintf(stderr, "the daemon sent a packet that does not parse\n");
        exit(1);
    }
    return 1;
}

static void hello(int fd)
{
    struct xvios_api_msg m;
    size_t len;

    xvios_api_build_hello(XVIOS_ORIGIN_API, "abuse", buf, sizeof(buf), &len);
    if (send(fd, buf, len, 0) != (ssize_t)len || next(fd, &m, 5000) != 1 || m.opcode != XVIOS_OP_API_HELLO ||
        m.status != XVIOS_ST_OK) {
        fprintf(stderr, "HELLO failed\n");
        exit(1);
    }
    xvios_api_msg_dispose(&m);
}

static size_t echo_query(uint64_t h)
{
    size_t len;
    xvios_api_build_query(XVIOS_MT_ECHO, "x", 1, 0, XVIOS_ORIGIN_API, h, buf, sizeof(buf), &len);
    return len;
}

int main(int argc, char **argv)
{
    struct xvios_api_msg m;
    uint8_t junk[200];
    int fd, r;

    if (argc != 2) {
        fprintf(stderr, "usage: api_abuse API_SOCK_PATH\n");
        return 2;
    }
    /* 1 */
    fd = dial(argv[1]);
    size_t len = echo_query(5);
    send(fd, buf, len, 0);
    if (next(fd, &m, 5000) != 1 || m.opcode != XVIOS_OP_API_RESULT || m.status != XVIOS_ST_BAD_PACKET ||
        m.handle != 5) {
        fprintf(stderr, "1: a request before HELLO was not refused\n");
        return 1;
    }
    xvios_api_msg_dispose(&m);
    printf("1: request before HELLO refused\n");

    /* 2 */
    hello(fd);
    for (unsigned i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 37u + 11u);
    for (int i = 0; i < 15; i++)
        send(fd, junk, 10 + (size_t)i * 10, 0);
    len = echo_query(6);
    send(fd, buf, len, 0);
    r = next(fd, &m, 5000);
    if (r != 1 || m.opcode != XVIOS_OP_API_RESPONSE || m.handle != 6 || m.len != 1 || m.payload[0] != 'x') {
        fprintf(stderr, "2: the daemon did not answer after 15 malformed packets\n");
        return 1;
    }
    xvios_api_msg_dispose(&m);
    if (next(fd, &m, 5000) != 1 || m.opcode != XVIOS_OP_API_RESULT) {
        fprintf(stderr, "2: no API_RESULT\n");
        return 1;
    }
    xvios_api_msg_dispose(&m);
    send(fd, junk, 64, 0);   /* the 16th */
    r = next(fd, &m, 5000);
    if (r != 0) {
        fprintf(stderr, "2: still connected after 16 malformed packets\n");
        return 1;
    }
    close(fd);
    printf("2: malformed packets dropped; disconnected at the 16th\n");

    /* 3 */
    fd = dial(argv[1]);
    hello(fd);
    struct timespec dl = xvios_deadline_ms(60000);
    unsigned sent = 0;
    bool closed = false;
    while (!closed && !xvios_ts_passed(&dl)) {
        len = echo_query(100 + sent);
        ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == (ssize_t)len) {
            sent++;
            continue;
        }
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            closed = true;
            break;
        }
        /* cannot send: the daemon stopped reading us or is closing; never read, just look for the close */
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        poll(&p, 1, 100);
        if (p.revents & (POLLHUP | POLLERR))
            closed = true;
    }
    if (!closed) {
        fprintf(stderr, "3: a caller that never reads was not disconnected (%u requests sent)\n", sent);
        return 1;
    }
    close(fd);
    printf("3: a caller that never read was disconnected after %u requests\n", sent);

    /* 4 */
    fd = dial(argv[1]);
    hello(fd);
    len = echo_query(7);
    send(fd, buf, len, 0);
    if (next(fd, &m, 5000) != 1 || m.opcode != XVIOS_OP_API_RESPONSE || m.handle != 7) {
        fprintf(stderr, "4: the daemon does not answer any more\n");
        return 1;
    }
    xvios_api_msg_dispose(&m);
    close(fd);
    printf("4: the daemon still answers\n");
    return 0;
}
