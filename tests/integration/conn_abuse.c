/* SPDX-License-Identifier: MIT */
/*
 * conn_abuse.c - hostile local connections for the limits tests
 * (docs/protocol.md, "Limits"), talking raw packets to a node's sockets:
 *
 *   conn_abuse idle PATH N SECONDS [refill]
 *       hold N connections that never send anything; with refill, one the
 *       server closes is opened again at once (idle strangers that grab every
 *       freed slot). Prints "idle: opened=A closed_by_peer=C".
 *   conn_abuse noread VKE_SOCK SECONDS
 *       send VKE_STATS requests and never read the answers; exit 0 when the
 *       VKE drops the connection within SECONDS, 1 if it does not.
 *   conn_abuse garbage PATH COUNT
 *       send COUNT 8-byte packets; exit 0 when the server drops the
 *       connection before they are all sent, 1 otherwise.
 *   conn_abuse flood API_SOCK CONNS PER_CONN send|nodesall TARGET TIMEOUT_MS HOLD_S
 *       CONNS callers each send PER_CONN requests at once to TARGET (API_SEND
 *       of a USER message with a receipt, or of NODES_ALL with a response, which
 *       TARGET's daemon fans out to every member), then read what comes for
 *       HOLD_S seconds. Prints "flood: results=R try_again=T other=O
 *       last_other_ms=L" (L: when the last result that was not TRY_AGAIN
 *       came, counted from the end of the sending).
 *   conn_abuse hog API_SOCK CONNS SECONDS [PER_CONN]
 *       CONNS callers send 60 KiB ECHO queries (at most PER_CONN each) and
 *       never read; once none can send more (done, dropped, or blocked) prints
 *       "hog: ready dropped=D of CONNS", then holds the rest open until
 *       SECONDS have passed.
 *
 * Every wait has a deadline. Exit 2 on usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xvios/client.h"
#include "xvios/clock.h"
#include "xvios/parse.h"
#include "xvios/wire.h"

#define MAX_CONNS 256

static uint8_t buf[XVIOS_MAX_MSG];

/* A non-blocking connection to path, or -1 (the server's backlog may be full). */
static int dial(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Has the peer closed fd? (never reads a datagram) */
static bool peer_closed(int fd)
{
    struct pollfd p = { .fd = fd, .events = 0 };

    return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
}

static int send_all(int fd, const void *b, size_t len)
{
    ssize_t n = send(fd, b, len, MSG_NOSIGNAL | MSG_DONTWAIT);

    if (n == (ssize_t)len)
        return 0;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? -EAGAIN : -EPIPE;
}

/* Next packet on fd within ms: 1 and parsed into m, 0 on EOF, -1 on timeout. */
static int next(int fd, struct xvios_api_msg *m, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    ssize_t n;

    if (poll(&p, 1, ms) <= 0)
        return -1;
    n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0)
        return n < 0 && errno == EAGAIN ? -1 : 0;
    return xvios_api_parse(buf, (size_t)n, m) < 0 ? -1 : 1;
}

/* A caller that said HELLO, or -1. */
static int caller(const char *path)
{
    struct xvios_api_msg m;
    size_t len;
    int fd = dial(path);

    if (fd < 0)
        return -1;
    xvios_api_build_hello(XVIOS_ORIGIN_API, "conn-abuse", buf, sizeof(buf), &len);
    if (send_all(fd, buf, len) < 0 || next(fd, &m, 10000) != 1 || m.opcode != XVIOS_OP_API_HELLO ||
        m.status != XVIOS_ST_OK) {
        close(fd);
        return -1;
    }
    xvios_api_msg_dispose(&m);
    return fd;
}

static int cmd_idle(int argc, char **argv)
{
    static int fds[MAX_CONNS];
    uint32_t n, secs;
    bool refill = argc > 3 && !strcmp(argv[3], "refill");
    unsigned opened = 0, closed = 0;
    struct timespec end;

    if (argc < 3 || xvios_parse_u32(argv[1], 1, MAX_CONNS, &n) < 0 || xvios_parse_u32(argv[2], 1, 3600, &secs) < 0)
        return 2;
    for (unsigned i = 0; i < n; i++)
        fds[i] = -1;
    end = xvios_deadline_ms((uint64_t)secs * 1000);
    while (!xvios_ts_passed(&end)) {
        for (unsigned i = 0; i < n; i++) {
            if (fds[i] >= 0 && peer_closed(fds[i])) {
                close(fds[i]);
                fds[i] = -1;
                closed++;
            }
            if (fds[i] < 0 && (refill || opened < n) && (fds[i] = dial(argv[0])) >= 0)
                opened++;
        }
        struct timespec nap = { 0, 20 * 1000 * 1000 };
        nanosleep(&nap, NULL);
    }
    printf("idle: opened=%u closed_by_peer=%u\n", opened, closed);
    for (unsigned i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return 0;
}

static int cmd_noread(int argc, char **argv)
{
    struct xvios_msg m;
    struct timespec end;
    uint32_t secs;
    unsigned sent = 0;
    size_t len = 0;
    int fd;

    if (argc < 2 || xvios_parse_u32(argv[1], 1, 3600, &secs) < 0)
        return 2;
    fd = dial(argv[0]);
    if (fd < 0) {
        perror("connect");
        return 1;
    }
    end = xvios_deadline_ms((uint64_t)secs * 1000);
    while (!xvios_ts_passed(&end)) {
        memset(&m, 0, sizeof(m));
        m.hdr.opcode = XVIOS_OP_VKE_STATS;
        m.hdr.txid = sent + 1;
        if (xvios_msg_encode(&m, buf, sizeof(buf), &len) != XVIOS_WIRE_OK)
            return 1;
        int rc = send_all(fd, buf, len);
        if (rc == 0) {
            sent++;
            continue;
        }
        if (rc == -EPIPE || peer_closed(fd)) {
            printf("noread: dropped by the VKE after %u requests\n", sent);
            close(fd);
            return 0;
        }
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        poll(&p, 1, 50);
    }
    printf("noread: still connected after %u requests\n", sent);
    close(fd);
    return 1;
}

static int cmd_garbage(int argc, char **argv)
{
    static const uint8_t junk[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
    uint32_t count;
    int fd;

    if (argc < 2 || xvios_parse_u32(argv[1], 1, 100000, &count) < 0)
        return 2;
    fd = dial(argv[0]);
    if (fd < 0) {
        perror("connect");
        return 1;
    }
    for (unsigned i = 0; i < count; i++) {
        struct timespec nap = { 0, 10 * 1000 * 1000 };
        int rc;
        /* read and drop whatever the server answers: only the drop is the point */
        while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
            ;
        rc = send_all(fd, junk, sizeof(junk));
        nanosleep(&nap, NULL);
        if (rc == -EPIPE || peer_closed(fd)) {
            printf("garbage: dropped after %u packets\n", i + (rc == 0));
            close(fd);
            return 0;
        }
    }
    printf("garbage: still connected after %u packets\n", count);
    close(fd);
    return 1;
}

static int cmd_flood(int argc, char **argv)
{
    static int fds[MAX_CONNS];
    uint32_t conns, per, target, tmo, hold;
    bool nodesall;
    unsigned results = 0, try_again = 0, other = 0, nfd = 0;
    int64_t last_other_ms = -1;
    struct timespec end, sent_at;

    if (argc < 7 || xvios_parse_u32(argv[1], 1, MAX_CONNS, &conns) < 0 ||
        xvios_parse_u32(argv[2], 1, 4096, &per) < 0 || xvios_parse_u32(argv[4], 1, XVIOS_MAX_NODES, &target) < 0 ||
        xvios_parse_u32(argv[5], 1, 0xffffffffu, &tmo) < 0 || xvios_parse_u32(argv[6], 1, 3600, &hold) < 0)
        return 2;
    nodesall = !strcmp(argv[3], "nodesall");
    if (!nodesall && strcmp(argv[3], "send"))
        return 2;
    for (unsigned c = 0; c < conns; c++) {
        int fd = caller(argv[0]);
        if (fd < 0) {
            fprintf(stderr, "flood: caller %u could not attach\n", c);
            return 1;
        }
        fds[nfd++] = fd;
        for (unsigned i = 0; i < per; i++) {
            struct xvios_api_send s = { .flags = nodesall ? XVIOS_F_RESPONSE : XVIOS_F_RECEIPT,
                                        .msg_type = nodesall ? XVIOS_MT_NODES_ALL : XVIOS_MT_USER_BASE,
                                        .targets = &target, .n_targets = 1, .timeout_ms = tmo,
                                        .payload = "flood", .len = nodesall ? 0 : 5 };
            size_t len = 0;
            xvios_api_build_send(&s, XVIOS_ORIGIN_API, i + 1, buf, sizeof(buf), &len);
            struct timespec dl = xvios_deadline_ms(10000);
            int rc;
            while ((rc = send_all(fd, buf, len)) == -EAGAIN && !xvios_ts_passed(&dl)) {
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                poll(&p, 1, 50);
            }
            if (rc < 0) {
                fprintf(stderr, "flood: caller %u could not send request %u\n", c, i);
                return 1;
            }
        }
    }
    sent_at = xvios_now();
    end = xvios_deadline_ms((uint64_t)hold * 1000);
    while (!xvios_ts_passed(&end)) {
        for (unsigned c = 0; c < nfd; c++) {
            struct xvios_api_msg m;
            int r;
            while (fds[c] >= 0 && (r = next(fds[c], &m, 0)) != -1) {
                if (r == 0) {
                    close(fds[c]);
                    fds[c] = -1;
                    break;
                }
                if (m.opcode == XVIOS_OP_API_RESULT) {
                    results++;
                    if (m.status == XVIOS_ST_TRY_AGAIN) {
                        try_again++;
                    } else {
                        other++;
                        last_other_ms = xvios_ts_diff_ms(sent_at, xvios_now());
                    }
                }
                xvios_api_msg_dispose(&m);
            }
        }
        struct timespec nap = { 0, 20 * 1000 * 1000 };
        nanosleep(&nap, NULL);
    }
    printf("flood: results=%u try_again=%u other=%u last_other_ms=%lld\n", results, try_again, other,
           (long long)last_other_ms);
    fflush(stdout);
    for (unsigned c = 0; c < nfd; c++)
        if (fds[c] >= 0)
            close(fds[c]);
    return 0;
}

static int cmd_hog(int argc, char **argv)
{
    static int fds[MAX_CONNS];
    static uint8_t payload[60000];
    static unsigned sent[MAX_CONNS];
    uint32_t conns, secs, per = 0xffffffffu;
    unsigned dropped = 0, nfd = 0;
    struct timespec end, quiet;
    uint64_t h = 1;

    if (argc < 3 || xvios_parse_u32(argv[1], 1, MAX_CONNS, &conns) < 0 ||
        xvios_parse_u32(argv[2], 1, 3600, &secs) < 0 || (argc > 3 && xvios_parse_u32(argv[3], 1, 1u << 20, &per) < 0))
        return 2;
    end = xvios_deadline_ms((uint64_t)secs * 1000);
    memset(payload, 'h', sizeof(payload));
    for (unsigned c = 0; c < conns; c++) {
        int fd = caller(argv[0]);
        if (fd < 0) {
            fprintf(stderr, "hog: caller %u could not attach\n", c);
            return 1;
        }
        fds[nfd++] = fd;
    }
    /* send until no caller can send more for a second: each is dropped or blocked */
    quiet = xvios_deadline_ms(1000);
    while (!xvios_ts_passed(&quiet) && !xvios_ts_passed(&end)) {
        for (unsigned c = 0; c < nfd; c++) {
            size_t len = 0;
            int rc;
            if (fds[c] < 0 || sent[c] >= per)
                continue;
            xvios_api_build_query(XVIOS_MT_ECHO, payload, sizeof(payload), 0, XVIOS_ORIGIN_API, h++, buf,
                                  sizeof(buf), &len);
            rc = send_all(fds[c], buf, len);
            if (rc == 0) {
                sent[c]++;
                quiet = xvios_deadline_ms(1000);
            } else if (rc == -EPIPE || peer_closed(fds[c])) {
                close(fds[c]);
                fds[c] = -1;
                dropped++;
                quiet = xvios_deadline_ms(1000);
            }
        }
        struct timespec nap = { 0, 1000 * 1000 };
        nanosleep(&nap, NULL);
    }
    printf("hog: ready dropped=%u of %u\n", dropped, conns);
    fflush(stdout);
    while (!xvios_ts_passed(&end)) {
        struct timespec nap = { 0, 100 * 1000 * 1000 };
        nanosleep(&nap, NULL);
        for (unsigned c = 0; c < nfd; c++) {
            if (fds[c] >= 0 && peer_closed(fds[c])) {
                close(fds[c]);
                fds[c] = -1;
                dropped++;
            }
        }
    }
    printf("hog: end dropped=%u of %u\n", dropped, conns);
    for (unsigned c = 0; c < nfd; c++)
        if (fds[c] >= 0)
            close(fds[c]);
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 2;

    if (argc >= 2 && !strcmp(argv[1], "idle"))
        rc = cmd_idle(argc - 2, argv + 2);
    else if (argc >= 2 && !strcmp(argv[1], "noread"))
        rc = cmd_noread(argc - 2, argv + 2);
    else if (argc >= 2 && !strcmp(argv[1], "garbage"))
        rc = cmd_garbage(argc - 2, argv + 2);
    else if (argc >= 2 && !strcmp(argv[1], "flood"))
        rc = cmd_flood(argc - 2, argv + 2);
    else if (argc >= 2 && !strcmp(argv[1], "hog"))
        rc = cmd_hog(argc - 2, argv + 2);
    if (rc == 2)
        fprintf(stderr, "usage: conn_abuse idle|noread|garbage|flood|hog ... (see the source's head)\n");
    return rc;
}
