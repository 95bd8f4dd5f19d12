/* SPDX-License-Identifier: MIT */
/*
 * vke_sendbench.c - TEST SUPPORT: the VKE's side of the rig's transport
 * benchmark (scenario 91), the counterpart of vchan_raw: directed sends with
 * a receipt from this node's VKE to one peer, through the running
 * xvios-backend (caller -> VKE -> vchan link -> peer VKE -> peer daemon,
 * receipt back the same way).
 *
 *   vke_sendbench ping RUNDIR SELF TO SIZE OPS
 *        OPS directed sends of SIZE payload bytes, each waiting for its
 *        receipt; prints "ping size=SIZE ops=OPS us_per_op=X"
 *   vke_sendbench local SIZE OPS
 *        the cost of one hop between two processes of this domain, without
 *        the VKE: OPS round trips of SIZE bytes over a Unix socket pair to a
 *        forked echo process; prints "local size=SIZE ops=OPS us_per_op=X"
 *        (a VKE send + receipt crosses such hops besides the link: caller ->
 *        VKE and back, VKE -> daemon on the receiving side)
 *   vke_sendbench stats RUNDIR OPS
 *        OPS round trips to this node's VKE alone: VKE_STATS requests, which
 *        the VKE answers itself (no link, no daemon); prints "stats ops=OPS
 *        us_per_op=X" (the caller -> VKE hop, the VKE's loop included)
 *   vke_sendbench bcast RUNDIR SELF N SIZE OPS
 *        OPS broadcasts with receipts of SIZE payload bytes to the N other
 *        nodes, each waiting until all N receipts are in; prints "bcast n=N
 *        size=SIZE ops=OPS us_per_op=X"
 *   vke_sendbench tcpserve ADDR PORT
 *        the raw baseline of a send + receipt between two hosts: a plain TCP
 *        server (TCP_NODELAY) taking frames (le32 length + bytes) and answering
 *        each with a 64-byte frame (a receipt's size); prints "listening",
 *        serves one connection, exits when it closes
 *   vke_sendbench tcpping ADDR PORT SIZE OPS
 *        OPS such round trips with SIZE-byte frames; prints "tcpping size=SIZE
 *        ops=OPS us_per_op=X"
 *   vke_sendbench stream RUNDIR SELF TO BYTES REPS
 *        REPS times: BYTES as consecutive directed sends of the largest
 *        payload (60 KiB), each waiting for its receipt; prints
 *        "stream bytes=BYTES reps=REPS mb_s=X" (median) and "stream_ms=" each
 *
 * RUNDIR holds vke.sock (/run/xvios on Xen). A receipt of QUEUE_FULL (the
 * peer's daemon had not drained its queue yet) is backpressure: the send is
 * repeated after 1 ms (counted, printed as retries=N); a connection the VKE
 * closed (its 2 s idle rule) is opened again and the send repeated (printed
 * as reconnects=N). Any other failure, or no answer within 5 s, ends the run
 * with exit status 1. Usage errors: 2.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xvios/clock.h"
#include "xvios/parse.h"
#include "xvios/paths.h"
#include "xvios/wire.h"

#define MAX_OPS   1000000u
#define MAX_REPS  1000u
#define MAX_BYTES (64u << 20)
#define MAX_RETRY 1000u

static uint8_t buf[XVIOS_MAX_MSG];
static uint8_t data[XVIOS_MAX_PAYLOAD];
static unsigned retries;
static uint32_t txseq;
static unsigned bcast_n;     /* bcast: the receipts a broadcast waits for */

static double now_us(void)
{
    struct timespec t = xvios_now();
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int connect_vke(const char *rundir)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    if (xvios_run_path(sa.sun_path, sizeof(sa.sun_path), rundir, XVIOS_VKE_SOCK) < 0) {
        fprintf(stderr, "vke_sendbench: run directory name too long\n");
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "vke_sendbench: cannot connect to %s: %s\n", sa.sun_path, strerror(errno));
        close(fd);
        fd = -1;
    }
    return fd;
}

/* One directed send with a receipt (to 0: a broadcast waiting for bcast_n receipts), repeated while a
 * peer answers QUEUE_FULL. 0 delivered, -1 not, -2 the VKE closed the connection before the answer
 * (see reconnects in main). */
static int send_one(int fd, uint32_t self, uint32_t to, uint32_t size)
{
    struct xvios_msg m, r;

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_F_RECEIPT | (to ? 0 : XVIOS_F_BROADCAST);
    m.sub.src_node = self;
    m.sub.msg_type = XVIOS_MT_USER_BASE;
    m.sub.n_targets = to ? 1 : 0;
    m.targets[0] = to;
    m.sub.rc_capacity = (uint16_t)(to ? 1 : bcast_n);
    m.payload = data;
    m.hdr.payload_len = size;
    for (unsigned again = 0;; again++) {
        struct timespec d = xvios_deadline_ms(5000);
        struct xvios_rc_entry rc[XVIOS_MAX_NODES];
        unsigned n_rc = 0, full = 0;
        size_t len = 0;

        m.hdr.txid = xvios_txid_make(self, ++txseq);
        if (xvios_msg_encode(&m, buf, sizeof(buf), &len) != XVIOS_WIRE_OK ||
            send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len) {
            if (errno == EPIPE || errno == ECONNRESET)
                return -2;
            fprintf(stderr, "vke_sendbench: cannot send to the VKE: %s\n", strerror(errno));
            return -1;
        }
        for (;;) { /* the answer with this txid; events in between are skipped */
            struct pollfd p = { .fd = fd, .events = POLLIN };
            ssize_t n;
            if (xvios_ts_passed(&d)) {
                fprintf(stderr, "vke_sendbench: no answer within 5 s\n");
                return -1;
            }
            if (poll(&p, 1, xvios_poll_timeout(&d, 1000)) <= 0)
                continue;
            n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
            if (n == 0 || (n < 0 && errno == ECONNRESET))
                return -2;
            if (n < 0 || (size_t)n > sizeof(buf) || xvios_msg_decode(buf, (size_t)n, &r) != XVIOS_WIRE_OK) {
                fprintf(stderr, "vke_sendbench: bad packet from the VKE (%zd bytes, %s)\n", n,
                        n < 0 ? strerror(errno) : "undecodable");
                return -1;
            }
            if (r.hdr.opcode == XVIOS_OP_SEND_RESULT && r.hdr.txid == m.hdr.txid)
                break;
        }
        if (r.hdr.status == XVIOS_ST_OK)
            return 0;
        if (r.hdr.payload_len &&
            xvios_rc_decode(r.payload, r.hdr.payload_len, rc, XVIOS_MAX_NODES, &n_rc) == XVIOS_WIRE_OK) {
            for (unsigned i = 0; i < n_rc; i++)
                full += rc[i].status == XVIOS_RC_QUEUE_FULL;
        }
        if (full && again < MAX_RETRY) {   /* (a broadcast is repeated whole: its copies are the same) */
            retries++;
            usleep(1000);
            continue;
        }
        fprintf(stderr, "vke_sendbench: send failed: %s%s%s\n", xvios_status_name(r.hdr.status),
                n_rc == 1 ? " " : "", n_rc == 1 ? xvios_rc_status_name(rc[0].status) : "");
        return -1;
    }
}

/* The VKE closes a caller's connection that is idle with nothing outstanding for 2 s; under emulation a
 * receipt can take that long, and the close can then come right after the answer. A closed connection is
 * opened again and the send repeated (counted: reconnects=N), at most MAX_RECONNECT times in a run. */
#define MAX_RECONNECT 20u
static const char *vke_rundir;
static int vke_fd = -1;
static unsigned reconnects;

static int send_rc(uint32_t self, uint32_t to, uint32_t size)
{
    for (;;) {
        int rc = send_one(vke_fd, self, to, size);
        if (rc != -2)
            return rc;
        close(vke_fd);
        vke_fd = -1;
        if (++reconnects > MAX_RECONNECT) {
            fprintf(stderr, "vke_sendbench: the VKE closed the connection %u times\n", reconnects);
            return -1;
        }
        vke_fd = connect_vke(vke_rundir);
        if (vke_fd < 0)
            return -1;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int run_ping(uint32_t self, uint32_t to, uint32_t size, uint32_t ops)
{
    double t0 = 0;

    /* warm up: the link's first messages */
    for (uint32_t i = 0; i < 20 + ops; i++) {
        if (i == 20)
            t0 = now_us();
        if (send_rc(self, to, size) < 0)
            return 1;
    }
    printf("ping size=%u ops=%u us_per_op=%.1f retries=%u reconnects=%u\n", size, ops, (now_us() - t0) / ops, retries,
           reconnects);
    return 0;
}

static int run_bcast(uint32_t self, uint32_t size, uint32_t ops)
{
    double t0 = 0;

    for (uint32_t i = 0; i < 20 + ops; i++) {
        if (i == 20)
            t0 = now_us();
        if (send_rc(self, 0, size) < 0)
            return 1;
    }
    printf("bcast n=%u size=%u ops=%u us_per_op=%.1f retries=%u reconnects=%u\n", bcast_n, size, ops,
           (now_us() - t0) / ops, retries, reconnects);
    return 0;
}

/* ---------------------------------------------------------------- the raw TCP baseline */
#define RAW_REPLY 64u   /* a receipt packet: header + sub-header, no targets, no payload */

static int io_all(int fd, void *p, size_t n, bool wr)
{
    uint8_t *b = p;
    while (n) {
        ssize_t r = wr ? send(fd, b, n, MSG_NOSIGNAL) : recv(fd, b, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

static int tcp_addr(const char *addr, uint32_t port, struct sockaddr_in *sa)
{
    *sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    return inet_pton(AF_INET, addr, &sa->sin_addr) == 1 ? 0 : -1;
}

static int run_tcpserve(const char *addr, uint32_t port)
{
    static uint8_t frame[4 + XVIOS_MAX_PAYLOAD];
    struct sockaddr_in sa;
    int one = 1, lfd, fd;

    if (tcp_addr(addr, port, &sa) < 0)
        return 2;
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1) < 0) {
        perror("vke_sendbench: tcpserve");
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    fd = accept(lfd, NULL, NULL);
    close(lfd);
    if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
        perror("vke_sendbench: accept");
        return 1;
    }
    memset(frame, 0, sizeof frame);
    for (;;) {
        uint8_t hdr[4], reply[4 + RAW_REPLY] = { 0 };
        uint32_t len;
        if (io_all(fd, hdr, 4, false) < 0)
            break;                                  /* the client is done */
        len = xvios_get_le32(hdr);
        if (len > XVIOS_MAX_PAYLOAD || io_all(fd, frame, len, false) < 0) {
            fprintf(stderr, "vke_sendbench: tcpserve: bad frame\n");
            close(fd);
            return 1;
        }
        xvios_put_le32(reply, RAW_REPLY);
        if (io_all(fd, reply, sizeof reply, true) < 0)
            break;
    }
    close(fd);
    return 0;
}

static int run_tcpping(const char *addr, uint32_t port, uint32_t size, uint32_t ops)
{
    static uint8_t frame[4 + XVIOS_MAX_PAYLOAD];
    uint8_t reply[4 + RAW_REPLY];
    struct sockaddr_in sa;
    double t0 = 0;
    int one = 1, fd, rc = 1;

    if (tcp_addr(addr, port, &sa) < 0)
        return 2;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("vke_sendbench: tcpping");
        goto out;
    }
    xvios_put_le32(frame, size);
    memset(frame + 4, 0x5a, size);
    for (uint32_t i = 0; i < 20 + ops; i++) {
        if (i == 20)
            t0 = now_us();
        /* one write per frame, as a link writes one record */
        if (io_all(fd, frame, 4 + (size_t)size, true) < 0 || io_all(fd, reply, sizeof reply, false) < 0) {
            fprintf(stderr, "vke_sendbench: tcpping: round trip %u failed\n", i);
            goto out;
        }
    }
    printf("tcpping size=%u ops=%u us_per_op=%.1f\n", size, ops, (now_us() - t0) / ops);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

static int run_stream(uint32_t self, uint32_t to, uint32_t bytes, uint32_t reps)
{
    static double mb_s[MAX_REPS];

    if (send_rc(self, to, 64) < 0)
        return 1;
    printf("stream_ms=");
    for (uint32_t r = 0; r < reps; r++) {
        double t0 = now_us(), dt;
        for (uint32_t left = bytes; left;) {
            uint32_t n = left < XVIOS_MAX_PAYLOAD ? left : XVIOS_MAX_PAYLOAD;
            if (send_rc(self, to, n) < 0)
                return 1;
            left -= n;
        }
        dt = now_us() - t0;
        mb_s[r] = bytes / dt;
        printf("%s%.2f", r ? "," : "", dt / 1e3);
    }
    qsort(mb_s, reps, sizeof(mb_s[0]), cmp_double);
    printf("\nstream bytes=%u reps=%u mb_s=%.1f retries=%u reconnects=%u\n", bytes, reps,
           reps % 2 ? mb_s[reps / 2] : (mb_s[reps / 2 - 1] + mb_s[reps / 2]) / 2, retries, reconnects);
    return 0;
}

/* The echo side of run_local: every datagram back as it came, until the socket closes. */
static void echo_child(int fd)
{
    static uint8_t buf[XVIOS_MAX_PAYLOAD];
    ssize_t n;

    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
        if (send(fd, buf, (size_t)n, 0) != n)
            break;
    _exit(0);
}

static int run_local(uint32_t size, uint32_t ops)
{
    static uint8_t back[XVIOS_MAX_PAYLOAD];
    double t0 = 0;
    int sv[2], rc = 1, status;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        perror("vke_sendbench: socketpair");
        return 1;
    }
    pid = fork();
    if (pid < 0) {
        perror("vke_sendbench: fork");
        goto out;
    }
    if (pid == 0) {
        close(sv[0]);
        echo_child(sv[1]);
    }
    close(sv[1]);
    sv[1] = -1;
    for (uint32_t i = 0; i < 20 + ops; i++) {
        struct pollfd pfd = { .fd = sv[0], .events = POLLIN };
        ssize_t n;

        if (i == 20)
            t0 = now_us();
        if (send(sv[0], data, size ? size : 1, 0) != (ssize_t)(size ? size : 1) || poll(&pfd, 1, 5000) != 1 ||
            (n = recv(sv[0], back, sizeof(back), 0)) != (ssize_t)(size ? size : 1)) {
            fprintf(stderr, "vke_sendbench: the echo process did not answer round trip %u within 5 s\n", i);
            goto out;
        }
    }
    printf("local size=%u ops=%u us_per_op=%.1f\n", size, ops, (now_us() - t0) / ops);
    rc = 0;
out:
    close(sv[0]);
    if (sv[1] >= 0)
        close(sv[1]);
    if (pid > 0)
        waitpid(pid, &status, 0);
    return rc;
}

static int run_stats(uint32_t ops)
{
    struct xvios_msg m, r;
    double t0 = 0;

    for (uint32_t i = 0; i < 20 + ops; i++) {
        struct timespec d = xvios_deadline_ms(5000);
        size_t len = 0;

        if (i == 20)
            t0 = now_us();
        memset(&m, 0, sizeof(m));
        m.hdr.opcode = XVIOS_OP_VKE_STATS;
        m.hdr.txid = ++txseq;
        if (xvios_msg_encode(&m, buf, sizeof(buf), &len) != XVIOS_WIRE_OK ||
            send(vke_fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len) {
            fprintf(stderr, "vke_sendbench: cannot send to the VKE: %s\n", strerror(errno));
            return 1;
        }
        for (;;) {
            struct pollfd p = { .fd = vke_fd, .events = POLLIN };
            ssize_t n;

            if (xvios_ts_passed(&d)) {
                fprintf(stderr, "vke_sendbench: no VKE_STATS answer within 5 s\n");
                return 1;
            }
            if (poll(&p, 1, xvios_poll_timeout(&d, 1000)) <= 0)
                continue;
            n = recv(vke_fd, buf, sizeof(buf), MSG_TRUNC);
            if (n <= 0 || (size_t)n > sizeof(buf) || xvios_msg_decode(buf, (size_t)n, &r) != XVIOS_WIRE_OK) {
                fprintf(stderr, "vke_sendbench: bad or no packet from the VKE (%zd bytes)\n", n);
                return 1;
            }
            if (r.hdr.opcode == XVIOS_OP_VKE_STATS && r.hdr.txid == m.hdr.txid)
                break;
        }
    }
    printf("stats ops=%u us_per_op=%.1f\n", ops, (now_us() - t0) / ops);
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t self, to, a, b;
    int ping, rc;

    if (argc == 4 && !strcmp(argv[1], "local")) {
        if (xvios_parse_u32(argv[2], 0, XVIOS_MAX_PAYLOAD, &a) < 0 || xvios_parse_u32(argv[3], 1, MAX_OPS, &b) < 0)
            goto usage;
        memset(data, 0x5a, sizeof(data));
        return run_local(a, b);
    }
    if (argc == 4 && !strcmp(argv[1], "stats")) {
        if (xvios_parse_u32(argv[3], 1, MAX_OPS, &b) < 0)
            goto usage;
        vke_fd = connect_vke(argv[2]);
        rc = vke_fd < 0 ? 1 : run_stats(b);
        if (vke_fd >= 0)
            close(vke_fd);
        return rc;
    }
    if (argc == 4 && !strcmp(argv[1], "tcpserve")) {
        if (xvios_parse_u32(argv[3], 1, 65535, &a) < 0)
            goto usage;
        return run_tcpserve(argv[2], a);
    }
    if (argc == 6 && !strcmp(argv[1], "tcpping")) {
        uint32_t port;
        if (xvios_parse_u32(argv[3], 1, 65535, &port) < 0 || xvios_parse_u32(argv[4], 0, XVIOS_MAX_PAYLOAD, &a) < 0 ||
            xvios_parse_u32(argv[5], 1, MAX_OPS, &b) < 0)
            goto usage;
        return run_tcpping(argv[2], port, a, b);
    }
    if (argc == 7 && !strcmp(argv[1], "bcast")) {
        uint32_t n;
        if (xvios_parse_u32(argv[3], 1, UINT32_MAX, &self) < 0 || xvios_parse_u32(argv[4], 1, XVIOS_MAX_NODES - 1, &n) < 0 ||
            xvios_parse_u32(argv[5], 0, XVIOS_MAX_PAYLOAD, &a) < 0 || xvios_parse_u32(argv[6], 1, MAX_OPS, &b) < 0)
            goto usage;
        bcast_n = n;
        memset(data, 0x5a, sizeof(data));
        vke_rundir = argv[2];
        vke_fd = connect_vke(vke_rundir);
        rc = vke_fd < 0 ? 1 : run_bcast(self, a, b);
        if (vke_fd >= 0)
            close(vke_fd);
        return rc;
    }
    if (argc != 7 || (strcmp(argv[1], "ping") && strcmp(argv[1], "stream")))
        goto usage;
    ping = !strcmp(argv[1], "ping");
    /* node ids: multi-host ids are 32 bits ((corosync nodeid << 8) | local) */
    if (xvios_parse_u32(argv[3], 1, UINT32_MAX, &self) < 0 || xvios_parse_u32(argv[4], 1, UINT32_MAX, &to) < 0 ||
        xvios_parse_u32(argv[5], ping ? 0 : 1, ping ? XVIOS_MAX_PAYLOAD : MAX_BYTES, &a) < 0 ||
        xvios_parse_u32(argv[6], 1, ping ? MAX_OPS : MAX_REPS, &b) < 0)
        goto usage;
    memset(data, 0x5a, sizeof(data));
    vke_rundir = argv[2];
    vke_fd = connect_vke(vke_rundir);
    if (vke_fd < 0)
        return 1;
    rc = ping ? run_ping(self, to, a, b) : run_stream(self, to, a, b);
    if (vke_fd >= 0)
        close(vke_fd);
    return rc;
usage:
    fprintf(stderr, "usage: vke_sendbench ping RUNDIR SELF TO SIZE OPS | bcast RUNDIR SELF N SIZE OPS | "
                    "stream RUNDIR SELF TO BYTES REPS | local SIZE OPS | stats RUNDIR OPS | tcpserve ADDR PORT | "
                    "tcpping ADDR PORT SIZE OPS\n");
    return 2;
}
