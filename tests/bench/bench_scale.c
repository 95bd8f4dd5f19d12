/* SPDX-License-Identifier: MIT */
/*
 * bench_scale.c - a broadcast with receipts as the cluster grows, against a
 * raw fan-out over the same number of sockets, measured in the same run.
 *
 * Measured, for N = 8, 16, 32, 64, 128 loopback nodes (one xvios-backend
 * process each; every node but the sender has a daemon stand-in draining what
 * its VKE hands up): the time from the caller's CLUSTER_SEND (broadcast,
 * receipts) to its SEND_RESULT with N-1 delivered entries.
 * Baseline: caller -> hub -> N-1 echo processes -> hub -> caller over raw
 * SOCK_SEQPACKET socket pairs, the hub answering once every echo is back: the
 * same fan-out and fan-in as the VKE's, without the protocol.
 * Also the resident memory (VmRSS) per xvios-backend at each size.
 * Raw and VKE alternate in 5 rounds per size; the medians are printed:
 * milliseconds per broadcast, microseconds per peer and the ratio (the median
 * of the rounds' ratios). Never asserts on timing. The cluster grows in place (8 nodes added, then
 * 8 more, ...), so the largest size costs one cluster set-up.
 *
 * Env: XVIOS_BIN = directory holding xvios-backend. BENCH_SCALE_MAX (default
 * 128): the largest size. BENCH_OPS: broadcasts per size (default 4000 / N,
 * at least 20).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/log.h"
#include "xvios/loopback.h"
#include "xvios/paths.h"
#include "xvios/platform.h"
#include "xvios/wire.h"

#define DOMID_BASE 100u
#define MAX_SIZE   128u
#define PAYLOAD    256u
#define ROUNDS     5u

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n) (sorts v). */
static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static char root[64];
static pid_t children[4 * MAX_SIZE];
static unsigned n_children;
static pid_t backend_pid[MAX_SIZE + 1];   /* by node id */

static double now_us(void)
{
    struct timespec t = xvios_now();
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void stop_children(pid_t *v, unsigned *n)
{
    for (unsigned i = 0; i < *n; i++)
        kill(v[i], SIGTERM);
    for (unsigned i = 0; i < *n; i++)
        waitpid(v[i], NULL, 0);
    *n = 0;
}

static void cleanup(void)
{
    char cmd[128];

    stop_children(children, &n_children);
    if (root[0]) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_scale: could not remove %s\n", root);
    }
}

static void die(const char *what)
{
    fprintf(stderr, "bench_scale: %s: %s\n", what, strerror(errno));
    cleanup();
    exit(1);
}

static pid_t fork_child(void)
{
    pid_t pid;

    if (n_children == sizeof(children) / sizeof(children[0])) {
        errno = EAGAIN;
        die("too many children");
    }
    pid = fork();
    if (pid < 0)
        die("fork");
    if (pid > 0)
        children[n_children++] = pid;
    return pid;
}

static int vke_connect(uint32_t node, const struct timespec *deadline)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char rundir[200];

    if (xvios_rundir(rundir, sizeof(rundir), XVIOS_PLAT_LOOPBACK, root, node) < 0 ||
        xvios_run_path(sa.sun_path, sizeof(sa.sun_path), rundir, XVIOS_VKE_SOCK) < 0)
        return -1;
    while (!xvios_ts_passed(deadline)) {
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            return fd;
        if (fd >= 0)
            close(fd);
        usleep(20000);
    }
    return -1;
}

/* A daemon stand-in for node: attaches (VKE_HELLO, no acks asked) and reads whatever comes. */
static void start_drain(uint32_t node)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    struct timespec d = xvios_deadline_ms(30000);
    struct xvios_msg m;
    size_t len = 0;
    int fd = vke_connect(node, &d);

    if (fd < 0)
        die("connect to a VKE");
    if (fork_child() > 0) {
        close(fd);
        return;
    }
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_HELLO;
    if (xvios_msg_encode(&m, buf, sizeof(buf), &len) != XVIOS_WIRE_OK || send(fd, buf, len, 0) != (ssize_t)len)
        _exit(1);
    while (recv(fd, buf, sizeof(buf), 0) > 0)
        ;
    _exit(0);
}

static void start_backend(const char *bin, uint32_t node, uint32_t domid)
{
    char backend[512], dom[16], log[128];
    pid_t pid;

    snprintf(backend, sizeof(backend), "%s/xvios-backend", bin);
    snprintf(dom, sizeof(dom), "%u", domid);
    snprintf(log, sizeof(log), "%s/backend%u.log", root, node);
    pid = fork_child();
    if (pid == 0) {
        char *argv[] = { backend, "--platform", "loopback", "--root", root, "--domid", dom, "--log", log, NULL };
        execv(argv[0], argv);
        _exit(127);
    }
    backend_pid[node] = pid;
}

/* Grow the cluster to n nodes (domains, DB entries, backends, drains); node ids are 1..n in order. */
static void grow(xvios_plat *p, const char *bin, unsigned have, unsigned n)
{
    for (unsigned k = have + 1; k <= n; k++) {
        struct xvios_dominfo di;
        char name[16];
        uint32_t node = 0;
        snprintf(name, sizeof(name), "vios%u", k);
        if (xvios_loop_domain_create(p, DOMID_BASE + k, name) < 0 || xvios_plat_domain_info(p, DOMID_BASE + k, &di) < 0 ||
            xvios_db_node_add(p, &di, &node) < 0 || node != k) {
            errno = EIO;
            die("adding a node");
        }
        start_backend(bin, k, DOMID_BASE + k);
    }
    for (unsigned k = have + 1; k <= n; k++)
        if (k > 1)
            start_drain(k);
}

/* One broadcast with receipts from node 1: delivered entries, or -1. */
static int broadcast(int fd, uint64_t txid, unsigned peers)
{
    static uint8_t buf[XVIOS_MAX_MSG], data[PAYLOAD];
    struct xvios_rc_entry rc[XVIOS_MAX_NODES];
    struct timespec d = xvios_deadline_ms(30000);
    struct xvios_msg m, r;
    unsigned n_rc = 0, ok = 0;
    size_t len = 0;

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_F_RECEIPT | XVIOS_F_BROADCAST;
    m.hdr.txid = xvios_txid_make(1, txid);   /* a txid names its sender */
    m.hdr.payload_len = PAYLOAD;
    m.payload = data;
    m.sub.src_node = 1;
    m.sub.msg_type = XVIOS_MT_USER_BASE;
    m.sub.rc_capacity = (uint16_t)peers;
    m.sub.timeout_ms = 10000;
    if (xvios_msg_encode(&m, buf, sizeof(buf), &len) != XVIOS_WIRE_OK || send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
        return -1;
    while (!xvios_ts_passed(&d)) {
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        ssize_t got;
        if (poll(&pf, 1, xvios_poll_timeout(&d, 1000)) <= 0)
            continue;
        got = recv(fd, buf, sizeof(buf), 0);
        if (got <= 0 || xvios_msg_decode(buf, (size_t)got, &r) != XVIOS_WIRE_OK)
            return -1;
        if (r.hdr.opcode != XVIOS_OP_SEND_RESULT || r.hdr.txid != m.hdr.txid)
            continue;
        if (getenv("BENCH_DEBUG"))
            fprintf(stderr, "bench_scale: txid %llu: %s, %u RC bytes\n", (unsigned long long)txid,
                    xvios_status_name(r.hdr.status), r.hdr.payload_len);
        if (r.hdr.payload_len &&
            xvios_rc_decode(r.payload, r.hdr.payload_len, rc, XVIOS_MAX_NODES, &n_rc) != XVIOS_WIRE_OK)
            return -1;
        for (unsigned i = 0; i < n_rc; i++)
            ok += rc[i].status == XVIOS_RC_DELIVERED;
        return (int)ok;
    }
    return -1;
}

/* ---------------------------------------------------------------- the raw fan-out */
struct raw {
    int caller_fd;
    pid_t pids[MAX_SIZE + 1];
    unsigned n_pids;
};

static void echo_loop(int fd)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    ssize_t n;

    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
        if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
            break;
    _exit(0);
}

static void hub_loop(int caller, const int *peer, unsigned n)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    static struct pollfd pf[MAX_SIZE];
    ssize_t len;

    while ((len = recv(caller, buf, sizeof(buf), 0)) > 0) {
        unsigned back = 0;
        for (unsigned i = 0; i < n; i++)
            if (send(peer[i], buf, (size_t)len, MSG_NOSIGNAL) != len)
                _exit(1);
        while (back < n) {
            for (unsigned i = 0; i < n; i++)
                pf[i] = (struct pollfd){ .fd = peer[i], .events = POLLIN };
            if (poll(pf, n, 10000) <= 0)
                _exit(1);
            for (unsigned i = 0; i < n; i++)
                if ((pf[i].revents & POLLIN) && recv(peer[i], buf + len, sizeof(buf) - (size_t)len, 0) > 0)
                    back++;
        }
        if (send(caller, buf, (size_t)len, MSG_NOSIGNAL) != len)
            _exit(1);
    }
    _exit(0);
}

static void raw_start(struct raw *r, unsigned peers)
{
    int c[2], peer[MAX_SIZE];
    pid_t pid;

    r->n_pids = 0;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c) < 0)
        die("socketpair");
    for (unsigned i = 0; i < peers; i++) {
        int e[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, e) < 0)
            die("socketpair");
        pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            close(e[0]);
            echo_loop(e[1]);
        }
        r->pids[r->n_pids++] = pid;
        close(e[1]);
        peer[i] = e[0];
    }
    pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        close(c[0]);
        hub_loop(c[1], peer, peers);
    }
    r->pids[r->n_pids++] = pid;
    close(c[1]);
    for (unsigned i = 0; i < peers; i++)
        close(peer[i]);
    r->caller_fd = c[0];
}

static double raw_run(struct raw *r, unsigned ops)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    size_t len = XVIOS_HDR_LEN + XVIOS_SUB_LEN + PAYLOAD;
    double t0 = now_us();

    memset(buf, 0x5a, len);
    for (unsigned i = 0; i < ops; i++)
        if (send(r->caller_fd, buf, len, 0) != (ssize_t)len || recv(r->caller_fd, buf, sizeof(buf), 0) != (ssize_t)len)
            return -1;
    return (now_us() - t0) / ops;
}

static void raw_stop(struct raw *r)
{
    close(r->caller_fd);
    stop_children(r->pids, &r->n_pids);
}

/* ---------------------------------------------------------------- memory */
static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if (!(f = fopen(path, "r")))
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* Each loopback platform handle follows the store with one inotify instance: one per backend. */
static unsigned inotify_room(unsigned want)
{
    const char *lim = "/proc/sys/fs/inotify/max_user_instances";
    unsigned have = 0, need = want + 64;
    FILE *f = fopen(lim, "r");

    if (f) {
        if (fscanf(f, "%u", &have) != 1)
            have = 0;
        fclose(f);
    }
    if (have >= need)
        return want;
    f = fopen(lim, "w");
    if (f && fprintf(f, "%u\n", need) > 0 && fclose(f) == 0) {
        printf("(raised %s from %u to %u)\n", lim, have, need);
        return want;
    }
    if (f)
        fclose(f);
    printf("(%s is %u and cannot be raised: sizes above %u left out)\n", lim, have, have > 64 ? have - 64 : 0);
    return have > 64 ? have - 64 : 0;
}

int main(void)
{
    static const unsigned sizes[] = { 8, 16, 32, 64, 128 };
    const char *bin = getenv("XVIOS_BIN");
    unsigned max = getenv("BENCH_SCALE_MAX") ? (unsigned)atoi(getenv("BENCH_SCALE_MAX")) : MAX_SIZE;
    unsigned ops_env = getenv("BENCH_OPS") ? (unsigned)atoi(getenv("BENCH_OPS")) : 0;
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK, .self_domid = 0 };
    struct xvios_db_config cfg = { .name = "bench", .max_nodes = XVIOS_MAX_NODES, .timeout_ms = 10000 };
    double first_vke = 0, first_raw = 0;
    unsigned have = 0, first_n = 0;
    xvios_plat *p = NULL;
    uint64_t txid = 1;
    int fd = -1, status = 0;

    if (!bin) {
        fprintf(stderr, "bench_scale: set XVIOS_BIN to the directory of xvios-backend\n");
        return 2;
    }
    if (max > MAX_SIZE)
        max = MAX_SIZE;
    max = inotify_room(max);
    xvios_log_set_level(XVIOS_LOG_ERR);
    snprintf(root, sizeof(root), "/tmp/xvios-bench.XXXXXX");
    if (!mkdtemp(root)) {
        root[0] = '\0';
        die("mkdtemp");
    }
    pc.root = root;
    if (xvios_plat_open(&pc, &p) < 0 || xvios_db_cluster_create(p, &cfg) < 0)
        die("cluster setup");

    printf("Broadcast with receipts from node 1 to N-1 peers, loopback (one xvios-backend per node), %u-byte payload\n",
           PAYLOAD);
    printf("%5s %6s %11s %11s %7s %12s %12s %13s\n", "N", "ops", "vke ms/op", "raw ms/op", "ratio", "vke us/peer",
           "raw us/peer", "RSS KiB/node");
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]) && sizes[s] <= max; s++) {
        unsigned n = sizes[s], peers = n - 1, ops = ops_env ? ops_env : 4000 / n < 25 ? 25 : 4000 / n;
        if (ops < ROUNDS)
            ops = ROUNDS;
        struct timespec d = xvios_deadline_ms(300000);
        double t0, vke = 0, raw = 0, raws[ROUNDS], vkes[ROUNDS], ratios[ROUNDS];
        long rss = 0, rss_max = 0;
        struct raw r;
        int got = -1;

        grow(p, bin, have, n);
        have = n;
        if (fd < 0) {
            struct timespec cd = xvios_deadline_ms(30000);
            if ((fd = vke_connect(1, &cd)) < 0)
                die("connect to node 1");
        }
        /* the new nodes' links come up: until then a broadcast finds some unreachable */
        while (!xvios_ts_passed(&d) && (got = broadcast(fd, txid++, peers)) != (int)peers) {
            if (got < 0) {
                /* the connection went (events nobody read while the cluster grew fill its queue): again */
                struct timespec cd = xvios_deadline_ms(30000);
                close(fd);
                if ((fd = vke_connect(1, &cd)) < 0)
                    die("connect to node 1");
            }
            usleep(200000);
        }
        if (got != (int)peers) {
            /* printed, not failed: a bench never fails a run (test_cluster128.sh is the functional check) */
            printf("%5u  not measured: a broadcast reached %s%d of %u peers within 300 s (links still coming up "
                   "on a busy machine?)\n", n, got < 0 ? "no answer, " : "", got < 0 ? 0 : got, peers);
            break;
        }
        for (unsigned i = 0; i < 5; i++)   /* warm up */
            broadcast(fd, txid++, peers);

        /* alternating rounds: a machine shared with other work slows both sides alike; medians printed */
        raw_start(&r, peers);
        for (unsigned k = 0; k < ROUNDS && got == (int)peers; k++) {
            raws[k] = raw_run(&r, ops / ROUNDS);
            t0 = now_us();
            for (unsigned i = 0; i < ops / ROUNDS && got == (int)peers; i++)
                got = broadcast(fd, txid++, peers);
            vkes[k] = (now_us() - t0) / (ops / ROUNDS);
            if (raws[k] <= 0)
                got = -1;
            else
                ratios[k] = vkes[k] / raws[k];
        }
        raw_stop(&r);
        if (got == (int)peers) {
            raw = median(raws, ROUNDS);
            vke = median(vkes, ROUNDS);
        }
        if (got != (int)peers) {
            printf("%5u  not measured: a broadcast during the rounds reached %d of %u peers\n", n, got < 0 ? 0 : got,
                   peers);
            break;
        }
        for (unsigned k = 1; k <= n; k++) {
            long kb = rss_kb(backend_pid[k]);
            rss += kb > 0 ? kb : 0;
            rss_max = kb > rss_max ? kb : rss_max;
        }
        if (!first_n) {
            first_n = n;
            first_vke = vke / peers;
            first_raw = raw / peers;
        }
        printf("%5u %6u %11.2f %11.2f %6.2fx %12.1f %12.1f %8ld (max %ld)\n", n, ops, vke / 1000, raw / 1000,
               median(ratios, ROUNDS), vke / peers, raw / peers, rss / n, rss_max);
        fflush(stdout);
    }
    if (first_n)
        printf("(raw = caller -> hub -> N-1 echo processes -> hub -> caller over socket pairs, this run; the cost "
               "per peer at N=%u was %.1f us VKE, %.1f us raw: linear in N keeps that column flat)\n",
               first_n, first_vke, first_raw);
    if (fd >= 0)
        close(fd);
    xvios_plat_close(p);
    cleanup();
    return status;
}
