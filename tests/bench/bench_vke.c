/* SPDX-License-Identifier: MIT */
/*
 * bench_vke.c - the cost of the VKE on the loopback platform, against a raw
 * baseline measured in the same run.
 *
 * Measured: a directed send with a receipt from node 1 to node 2 through two
 * real xvios-backend processes (caller -> VKE 1 -> link -> VKE 2, receipt
 * VKE 2 -> VKE 1 -> SEND_RESULT to the caller: four socket hops, plus the
 * hand-up to node 2's daemon, which is drained by a child process).
 * Baseline: the same four hops with raw SOCK_SEQPACKET relays that only copy
 * bytes (caller -> relay A -> relay B -> relay A -> caller).
 * The two alternate in BENCH_ROUNDS rounds of BENCH_OPS / BENCH_ROUNDS
 * operations each (a machine shared with other work slows one side or the
 * other for a while; alternating exposes both to it alike), and the medians
 * over the rounds are printed: microseconds per operation and the median of
 * the rounds' ratios. Also the CPU time each side used per operation (the
 * processes' run time from /proc/<pid>/schedstat: the two backends, node 2's
 * daemon stand-in and the caller; the two relays and the caller), which a
 * loaded machine disturbs far less than the wall time. Never asserts on
 * timing.
 *
 * Env: XVIOS_BIN = directory holding xvios-backend. BENCH_OPS (default 3000),
 * BENCH_ROUNDS (default 15), BENCH_PAYLOAD (one of the sizes only: for a
 * profile).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/log.h"
#include "xvios/loopback.h"
#include "xvios/platform.h"
#include "xvios/wire.h"

#define DOM1 11u
#define DOM2 12u

static char root[64];
static pid_t children[8];
static unsigned n_children;
static pid_t vke_pids[3], raw_pids[2];   /* whose CPU time each side is charged (with the caller's) */
static unsigned n_vke_pids, n_raw_pids;

static double now_us(void)
{
    struct timespec t = xvios_now();
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_vke: %s: %s\n", what, strerror(errno));
    for (unsigned i = 0; i < n_children; i++)
        kill(children[i], SIGKILL);
    exit(1);
}

static pid_t spawn(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    children[n_children++] = pid;
    return pid;
}

static int unix_connect(const char *path, const struct timespec *deadline)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path))
        return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
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

static int unix_listen(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0)
        die("listen");
    return fd;
}

/* Send m, wait for the answer with the same txid (events skipped). */
static int roundtrip(int fd, const struct xvios_msg *m, uint8_t *buf, struct xvios_msg *r)
{
    size_t len = 0;
    struct timespec d = xvios_deadline_ms(5000);

    if (xvios_msg_encode(m, buf, XVIOS_MAX_MSG, &len) != XVIOS_WIRE_OK ||
        send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
        return -1;
    while (!xvios_ts_passed(&d)) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;
        if (poll(&p, 1, xvios_poll_timeout(&d, 1000)) <= 0)
            continue;
        n = recv(fd, buf, XVIOS_MAX_MSG, 0);
        if (n <= 0 || xvios_msg_decode(buf, (size_t)n, r) != XVIOS_WIRE_OK)
            return -1;
        if (r->hdr.txid == m->hdr.txid)
            return 0;
    }
    return -1;
}

/* A child attached to node 2's VKE as its daemon, reading everything it is handed. */
static void drain_child(const char *sock)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    struct timespec d = xvios_deadline_ms(10000);
    struct xvios_msg m;
    size_t len = 0;
    int fd = unix_connect(sock, &d);
    pid_t pid;

    if (fd < 0)
        die("connect to node 2");
    pid = fork();
    if (pid < 0)
        die("fork");
    if (pid > 0) {
        children[n_children++] = pid;
        vke_pids[n_vke_pids++] = pid;
        close(fd);
        return;
    }
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_HELLO;
    xvios_msg_encode(&m, buf, sizeof(buf), &len);
    send(fd, buf, len, 0);
    while (recv(fd, buf, sizeof(buf), 0) > 0)
        ;
    _exit(0);
}

/* The raw baseline: relay A forwards caller <-> B; relay B sends every datagram back. */
static void relay_child(const char *listen_path, const char *next_path)
{
    static uint8_t buf[XVIOS_LINK_MAX_DGRAM];
    int lfd = unix_listen(listen_path), in, out = -1;
    pid_t pid = fork();

    if (pid < 0)
        die("fork");
    if (pid > 0) {
        children[n_children++] = pid;
        raw_pids[n_raw_pids++] = pid;
        close(lfd);
        return;
    }
    in = accept(lfd, NULL, NULL);
    if (next_path) {
        struct timespec d = xvios_deadline_ms(5000);
        out = unix_connect(next_path, &d);
    }
    for (;;) {
        struct pollfd p[2] = { { .fd = in, .events = POLLIN }, { .fd = out, .events = POLLIN } };
        if (poll(p, out >= 0 ? 2 : 1, 10000) <= 0)
            _exit(0);
        for (int i = 0; i < 2; i++) {
            ssize_t n;
            if (!(p[i].revents & (POLLIN | POLLHUP)))
                continue;
            n = recv(p[i].fd, buf, sizeof(buf), 0);
            if (n <= 0)
                _exit(0);
            send(out < 0 ? in : (i == 0 ? out : in), buf, (size_t)n, MSG_NOSIGNAL);
        }
    }
}

#define BENCH_MAX_ROUNDS 64u

/* Microseconds of CPU the processes pids[0..n) and this one have run so far (schedstat: ns on a CPU). */
static double cpu_us(const pid_t *pids, unsigned n)
{
    double total = 0;

    for (unsigned i = 0; i <= n; i++) {
        char path[64];
        unsigned long long ns = 0;
        FILE *f;
        if (i < n)
            snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pids[i]);
        else
            snprintf(path, sizeof(path), "/proc/self/schedstat");
        f = fopen(path, "r");
        if (!f)
            return -1;
        if (fscanf(f, "%llu", &ns) != 1)
            ns = 0;
        fclose(f);
        total += (double)ns / 1e3;
    }
    return total;
}

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

static unsigned queue_full_retries;
static uint64_t txseq;

static double bench_vke(int fd, uint32_t payload, unsigned ops, uint8_t *buf)
{
    static uint8_t data[XVIOS_MAX_PAYLOAD];
    struct xvios_msg m, r;
    double t0;

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_F_RECEIPT;
    m.sub.src_node = 1;
    m.sub.msg_type = XVIOS_MT_USER_BASE;
    m.sub.n_targets = 1;
    m.targets[0] = 2;
    m.sub.rc_capacity = 1;
    m.payload = data;
    m.hdr.payload_len = payload;
    t0 = now_us();
    for (unsigned i = 0, again = 0; i < ops; i++) {
        struct xvios_rc_entry rc[1];
        unsigned n_rc = 0;
        m.hdr.txid = xvios_txid_make(1, ++txseq);
        if (roundtrip(fd, &m, buf, &r) == 0 && r.hdr.status == XVIOS_ST_OK) {
            again = 0;
            continue;
        }
        if (r.hdr.payload_len && xvios_rc_decode(r.payload, r.hdr.payload_len, rc, 1, &n_rc) == XVIOS_WIRE_OK &&
            n_rc == 1 && rc[0].status == XVIOS_RC_QUEUE_FULL && again++ < 100) {
            /* node 2's daemon stand-in was not scheduled in time (a loaded machine): backpressure, not a failure */
            queue_full_retries++;
            usleep(1000);
            i--;
            continue;
        }
        if (n_rc == 1)
            fprintf(stderr, "bench_vke: send %u failed (%s: node %u %s)\n", i, xvios_status_name(r.hdr.status),
                    rc[0].node, xvios_rc_status_name(rc[0].status));
        else
            fprintf(stderr, "bench_vke: send %u failed (%s)\n", i, xvios_status_name(r.hdr.status));
        return -1;
    }
    return (now_us() - t0) / ops;
}

static double bench_raw(int fd, uint32_t payload, unsigned ops, uint8_t *buf)
{
    size_t len = XVIOS_HDR_LEN + XVIOS_SUB_LEN + 4 + payload;
    double t0 = now_us();

    memset(buf, 0x5a, len);
    for (unsigned i = 0; i < ops; i++) {
        if (send(fd, buf, len, 0) != (ssize_t)len || recv(fd, buf, XVIOS_MAX_MSG, 0) != (ssize_t)len) {
            fprintf(stderr, "bench_vke: raw relay failed\n");
            return -1;
        }
    }
    return (now_us() - t0) / ops;
}

static int make_cluster(void)
{
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK, .root = root, .self_domid = 0 };
    struct xvios_db_config cfg = { .name = "bench", .max_nodes = 8, .timeout_ms = 5000, .retries = 0 };
    xvios_plat *p = NULL;
    uint32_t node, doms[2] = { DOM1, DOM2 };
    int rc = xvios_plat_open(&pc, &p);

    if (rc == 0)
        rc = xvios_db_cluster_create(p, &cfg);
    for (int i = 0; rc == 0 && i < 2; i++) {
        struct xvios_dominfo di;
        char name[16];
        snprintf(name, sizeof(name), "vios%d", i + 1);
        rc = xvios_loop_domain_create(p, doms[i], name);
        if (rc == 0)
            rc = xvios_plat_domain_info(p, doms[i], &di);
        if (rc == 0)
            rc = xvios_db_node_add(p, &di, &node);
    }
    xvios_plat_close(p);
    return rc;
}

int main(void)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    static const uint32_t sizes[] = { 64, 4096, 60000 };
    const char *bin = getenv("XVIOS_BIN");
    unsigned ops = getenv("BENCH_OPS") ? (unsigned)atoi(getenv("BENCH_OPS")) : 3000;
    unsigned rounds = getenv("BENCH_ROUNDS") ? (unsigned)atoi(getenv("BENCH_ROUNDS")) : 15;
    unsigned only_size = getenv("BENCH_PAYLOAD") ? (unsigned)atoi(getenv("BENCH_PAYLOAD")) : 0;
    char backend[512], path1[128], path2[128], ra[128], rb[128], cmd[128];
    struct timespec d;
    int vke_fd, raw_fd, status = 0;

    if (rounds == 0 || rounds > BENCH_MAX_ROUNDS)
        rounds = rounds ? BENCH_MAX_ROUNDS : 1;
    if (ops < rounds)
        ops = rounds;
    if (!bin || ops == 0) {
        fprintf(stderr, "bench_vke: set XVIOS_BIN to the directory of xvios-backend\n");
        return 2;
    }
    xvios_log_set_level(XVIOS_LOG_WARN);
    snprintf(root, sizeof(root), "/tmp/xvios-bench.XXXXXX");
    if (!mkdtemp(root))
        die("mkdtemp");
    if (make_cluster() < 0)
        die("cluster setup");
    snprintf(backend, sizeof(backend), "%s/xvios-backend", bin);
    for (unsigned n = 1; n <= 2; n++) {
        char domid[16], log[128];
        snprintf(domid, sizeof(domid), "%u", n == 1 ? DOM1 : DOM2);
        snprintf(log, sizeof(log), "%s/backend%u.log", root, n);
        char *argv[] = { backend, "--platform", "loopback", "--root", root, "--domid", domid, "--log", log, NULL };
        vke_pids[n_vke_pids++] = spawn(argv);
    }
    snprintf(path1, sizeof(path1), "%s/nodes/1/vke.sock", root);
    snprintf(path2, sizeof(path2), "%s/nodes/2/vke.sock", root);
    d = xvios_deadline_ms(10000);
    vke_fd = unix_connect(path1, &d);
    if (vke_fd < 0)
        die("connect to node 1");
    drain_child(path2);
    snprintf(ra, sizeof(ra), "%s/relay-a", root);
    snprintf(rb, sizeof(rb), "%s/relay-b", root);
    relay_child(rb, NULL);
    relay_child(ra, rb);
    raw_fd = unix_connect(ra, &d);
    if (raw_fd < 0)
        die("connect to relay");
    /* warm up: the link comes up, and the first sends may queue while it does */
    for (int i = 0; i < 50 && bench_vke(vke_fd, 64, 1, buf) < 0; i++)
        usleep(100000);
    /* and a few hundred untimed operations of each side: the backends' own start-up work is over, the
     * code and the sockets' buffers are warm */
    if (bench_vke(vke_fd, 64, 500, buf) < 0 || bench_raw(raw_fd, 64, 500, buf) < 0)
        die("warm-up");

    printf("VKE directed send + receipt, loopback, %u ops each in %u alternating rounds (two xvios-backend "
           "processes); medians over the rounds\n", ops, rounds);
    printf("%-10s %14s %14s %8s %14s %14s %10s\n", "payload", "vke us/op", "raw us/op", "ratio", "vke cpu us/op",
           "raw cpu us/op", "cpu ratio");
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && !status; i++) {
        if (only_size && sizes[i] != only_size)
            continue;
        double raw[BENCH_MAX_ROUNDS], vke[BENCH_MAX_ROUNDS], ratio[BENCH_MAX_ROUNDS];
        double raw_cpu[BENCH_MAX_ROUNDS], vke_cpu[BENCH_MAX_ROUNDS], cpu_ratio[BENCH_MAX_ROUNDS];
        unsigned per = ops / rounds;
        for (unsigned k = 0; k < rounds; k++) {
            double c0 = cpu_us(raw_pids, n_raw_pids), c1, c2, c3;
            raw[k] = bench_raw(raw_fd, sizes[i], per, buf);
            c1 = cpu_us(raw_pids, n_raw_pids);
            c2 = cpu_us(vke_pids, n_vke_pids);
            vke[k] = bench_vke(vke_fd, sizes[i], per, buf);
            c3 = cpu_us(vke_pids, n_vke_pids);
            if (raw[k] <= 0 || vke[k] <= 0) {
                status = 1;
                break;
            }
            ratio[k] = vke[k] / raw[k];
            raw_cpu[k] = c0 < 0 || c1 < 0 ? 0 : (c1 - c0) / per;
            vke_cpu[k] = c2 < 0 || c3 < 0 ? 0 : (c3 - c2) / per;
            cpu_ratio[k] = raw_cpu[k] > 0 ? vke_cpu[k] / raw_cpu[k] : 0;
        }
        if (!status)
            printf("%-10u %14.1f %14.1f %7.2fx %14.1f %14.1f %9.2fx\n", sizes[i], median(vke, rounds),
                   median(raw, rounds), median(ratio, rounds), median(vke_cpu, rounds), median(raw_cpu, rounds),
                   median(cpu_ratio, rounds));
    }
    printf("(raw = the same four socket hops through byte-copying relays, measured in this run; cpu = the run "
           "time of the processes of each side, the caller's included)\n");
    if (queue_full_retries)
        printf("(%u sends found node 2's queue to its daemon full and were sent again after 1 ms: its drain was "
               "not scheduled in time)\n", queue_full_retries);
    close(vke_fd);
    close(raw_fd);
    for (unsigned i = 0; i < n_children; i++)
        kill(children[i], SIGTERM);
    for (unsigned i = 0; i < n_children; i++)
        waitpid(children[i], NULL, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        status = 1;
    return status;
}
