/* SPDX-License-Identifier: MIT */
/*
 * bench_tcp_link.c - the cost of a cross-host link (xvios/tcplink.h: TCP +
 * TLS 1.3 PSK, framed datagrams) against a raw TCP ping-pong of the same
 * frames, in the same run, over 127.0.0.1 (the loopback device: the
 * difference is the link's own cost, not the network's).
 *
 * A child process echoes on both connections. Per payload size (64 B, 1 KiB,
 * 16 KiB, 64 KiB), BENCH_ROUNDS rounds alternate a raw half and a link half
 * of BENCH_SECONDS each, so a load change hits both alike; printed: round
 * trips per second and mean RTT of each (totals over rounds) and the median
 * of the per-round RTT ratios link/raw. Never asserts on timing.
 *
 * Env: BENCH_SECONDS per half-round (default 0.12), BENCH_ROUNDS (default 8).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/bench/bench_stats.h"
#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/tcplink.h"

static uint8_t buf[XVIOS_LINK_MAX_DGRAM + 4];

static double now_s(void)
{
    struct timespec t = xvios_now();
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int io_all(int fd, void *p, size_t n, int wr)
{
    uint8_t *b = p;
    while (n) {
        ssize_t r = wr ? write(fd, b, n) : read(fd, b, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

/* raw frame: 4-byte length then the payload, echoed whole */
static int raw_echo_one(int fd)
{
    uint32_t len;
    if (io_all(fd, &len, 4, 0) || len > XVIOS_LINK_MAX_DGRAM || io_all(fd, buf, len, 0))
        return -1;
    return io_all(fd, &len, 4, 1) || io_all(fd, buf, len, 1) ? -1 : 0;
}

static void child(int raw_lis, xvios_tcp_listener *ll, const struct xvios_tcp_key *key)
{
    int raw = accept(raw_lis, NULL, NULL), one = 1;
    xvios_tcp_link *t = NULL;
    setsockopt(raw, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timespec dl = xvios_deadline_ms(5000);
    while (!t && !xvios_ts_passed(&dl))
        if (xvios_tcp_accept(ll, key, 1, &t) != 0)
            poll(NULL, 0, 5);
    if (raw < 0 || !t)
        _exit(1);
    for (;;) {
        struct pollfd p[2] = { { .fd = raw, .events = POLLIN }, { .fd = xvios_tcp_link_fd(t), .events = POLLIN } };
        poll(p, 2, 100);
        if ((p[0].revents & (POLLIN | POLLHUP)) && raw_echo_one(raw) != 0)
            _exit(0);
        if (xvios_tcp_link_progress(t) == XVIOS_LINK_DEAD)
            _exit(0);
        size_t len;
        while (xvios_tcp_link_recv(t, buf, sizeof buf, &len) == 0) {
            struct timespec sdl = xvios_deadline_ms(1000);
            if (xvios_tcp_link_send(t, buf, len, &sdl) != 0)
                _exit(1);
        }
    }
}

static int link_rtt(xvios_tcp_link *t, size_t size)
{
    struct timespec dl = xvios_deadline_ms(5000);
    size_t len = 0;
    if (xvios_tcp_link_send(t, buf, size, &dl) != 0)
        return -1;
    for (;;) {
        int rc = xvios_tcp_link_recv(t, buf, sizeof buf, &len);
        if (rc == 0)
            return len == size ? 0 : -1;
        if (rc != -EAGAIN || xvios_ts_passed(&dl))
            return -1;
        xvios_tcp_link_progress(t);
        struct pollfd p = { .fd = xvios_tcp_link_fd(t), .events = POLLIN };
        poll(&p, 1, 100);
    }
}

static int raw_rtt(int fd, size_t size)
{
    uint32_t len = (uint32_t)size;
    if (io_all(fd, &len, 4, 1) || io_all(fd, buf, size, 1) || io_all(fd, &len, 4, 0) || len != size)
        return -1;
    return io_all(fd, buf, len, 0);
}

int main(void)
{
    double secs = bench_env_double("BENCH_SECONDS", 0.12);
    unsigned rounds = (unsigned)bench_env_double("BENCH_ROUNDS", 8);
    struct xvios_tcp_key key = { .len = 64 };
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    xvios_tcp_listener *ll = NULL;
    xvios_tcp_link *t = NULL;
    int one = 1, status = 1;
    xvios_log_set_level(XVIOS_LOG_ERR);
    for (unsigned i = 0; i < key.len; i++)
        key.key[i] = (uint8_t)(i * 13 + 5);
    int raw_lis = socket(AF_INET, SOCK_STREAM, 0);
    if (raw_lis < 0 || bind(raw_lis, (struct sockaddr *)&sa, sizeof sa) || listen(raw_lis, 1) ||
        getsockname(raw_lis, (struct sockaddr *)&sa, &sl) || xvios_tcp_listen("127.0.0.1", 0, &ll) != 0) {
        perror("bench_tcp_link: listen");
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0)
        child(raw_lis, ll, &key);
    int raw = socket(AF_INET, SOCK_STREAM, 0);
    if (raw < 0 || connect(raw, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("bench_tcp_link: connect");
        goto out;
    }
    setsockopt(raw, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (xvios_tcp_connect("127.0.0.1", xvios_tcp_listener_port(ll), &key, 2, 1, &t) != 0)
        goto out;
    struct timespec dl = xvios_deadline_ms(5000);
    while (xvios_tcp_link_progress(t) == XVIOS_LINK_CONNECTING && !xvios_ts_passed(&dl))
        poll(NULL, 0, 2);
    if (xvios_tcp_link_state(t) != XVIOS_LINK_UP) {
        fprintf(stderr, "bench_tcp_link: the link did not come up\n");
        goto out;
    }
    printf("cross-host link (TCP + TLS 1.3 PSK) vs raw TCP, ping-pong over 127.0.0.1, %u rounds x %.2f s each half\n",
           rounds, secs);
    static const size_t sizes[] = { 64, 1024, 16384, XVIOS_LINK_MAX_DGRAM };
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        double ratios[64], raw_t = 0, link_t = 0;
        uint64_t raw_n = 0, link_n = 0;
        unsigned nr = 0;
        memset(buf, 0x6b, sizes[s]);
        for (unsigned r = 0; r < rounds && r < 64; r++) {
            uint64_t n1 = 0, n2 = 0;
            double t0 = now_s();
            while (now_s() - t0 < secs) {
                if (raw_rtt(raw, sizes[s]) != 0)
                    goto out;
                n1++;
            }
            double t1 = now_s();
            while (now_s() - t1 < secs) {
                if (link_rtt(t, sizes[s]) != 0)
                    goto out;
                n2++;
            }
            double t2 = now_s();
            raw_t += t1 - t0;
            link_t += t2 - t1;
            raw_n += n1;
            link_n += n2;
            ratios[nr++] = ((t2 - t1) / (double)n2) / ((t1 - t0) / (double)n1);
        }
        printf("  %6zu B: raw %8.0f RTT/s %7.1f us | link %8.0f RTT/s %7.1f us | link/raw RTT x%.2f (median)\n",
               sizes[s], (double)raw_n / raw_t, raw_t / (double)raw_n * 1e6, (double)link_n / link_t,
               link_t / (double)link_n * 1e6, bench_median(ratios, nr));
    }
    status = 0;
out:
    xvios_tcp_link_close(t);
    if (raw >= 0)
        close(raw);
    xvios_tcp_listener_close(ll);
    close(raw_lis);
    if (pid > 0) {
        int ws;
        struct timespec wdl = xvios_deadline_ms(3000);
        while (waitpid(pid, &ws, WNOHANG) == 0) {
            if (xvios_ts_passed(&wdl)) {
                kill(pid, SIGKILL);
                waitpid(pid, &ws, 0);
                break;
            }
            poll(NULL, 0, 10);
        }
    }
    return status;
}
