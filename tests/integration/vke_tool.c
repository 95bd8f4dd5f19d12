/* SPDX-License-Identifier: MIT */
/*
 * vke_tool - drives real xvios-backend processes of a loopback cluster from
 * the integration tests, speaking the daemon -> VKE local socket directly:
 *
 *   vke_tool mkcluster ROOT N [TIMEOUT_MS]   cluster + N loopback domains as nodes 1..N
 *   vke_tool addnode ROOT                    one more domain/node; prints "node=N domid=D"
 *   vke_tool mkmulti ROOT TIMEOUT_MS NODE:DOMID...
 *            cluster "itest" with these node ids (multi-host ids such as 257) and loopback domains:
 *            the static node list every host of a multi-host test holds
 *   vke_tool mkdoms ROOT DOMID:NAME...
 *            loopback domains only, no cluster (a multi-host test's VIOS domains, joined with
 *            `xvios cluster join`)
 *   vke_tool send ROOT NODE [--broadcast|--to A,B,..] [--receipt] [--cap N]
 *                 [--timeout MS] [--type T] [--payload TEXT] [--daemon] [--response]
 *            prints "status=NAME needed=N entries=N" then "rc node=N status=NAME" lines;
 *            --daemon: origin DAEMON (as a node's daemon sends); --response: asks for responses
 *            and prints "response node=N status=NAME len=N" for the first one (or "response none")
 *   vke_tool sink ROOT NODE FILE SECONDS [respond]
 *            attach as the daemon; one line per inbound packet; with "respond", answer every
 *            CLUSTER_SEND with a CLUSTER_RESPONSE to its sender (payload "re:" + the request's)
 *   vke_tool stats ROOT NODE                 the VKE's counters
 *   vke_tool inject ROOT AS_NODE TO_NODE     act as AS_NODE on the link to TO_NODE, send garbage
 *   vke_tool linkprobe SELF PEER PEER_DOMID SECONDS
 *            (xen platform) try to open a cluster link to PEER as node SELF; exit 0 if it came
 *            up, 1 if it did not within SECONDS (isolation checks in the nested rig)
 *
 * ROOT is a loopback cluster root; where a command talks to a VKE, ROOT may
 * also be a run directory holding vke.sock itself (/run/xvios on Xen).
 *
 * Every wait has a deadline. Exit 0 on success, 1 on failure, 2 on usage.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/log.h"
#include "xvios/loopback.h"
#include "xvios/parse.h"
#include "xvios/paths.h"
#include "xvios/platform.h"
#include "xvios/wire.h"

#define DOMID_BASE 10u

/* The codec's names, lower-cased for the test scripts' greps ("delivered", "rc_too_small"). */
static const char *lc(const char *name)
{
    static char bufs[4][48];
    static unsigned k;
    char *b = bufs[k++ % 4];
    size_t i = 0;

    for (; name[i] && i < sizeof(bufs[0]) - 1; i++)
        b[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
    b[i] = '\0';
    return b;
}

static int open_plat(const char *root, uint32_t domid, xvios_plat **p)
{
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK, .root = root, .self_domid = domid };
    int rc = xvios_plat_open(&pc, p);

    if (rc < 0)
        fprintf(stderr, "vke_tool: cannot open loopback root %s: %s\n", root, strerror(-rc));
    return rc;
}

static int add_one(xvios_plat *p, uint32_t domid, uint32_t *node)
{
    struct xvios_dominfo di;
    char name[32];
    int rc;

    snprintf(name, sizeof(name), "vios%u", domid - DOMID_BASE);
    rc = xvios_loop_domain_create(p, domid, name);
    if (rc == 0)
        rc = xvios_plat_domain_info(p, domid, &di);
    if (rc == 0)
        rc = xvios_db_node_add(p, &di, node);
    if (rc < 0)
        fprintf(stderr, "vke_tool: cannot add domain %u: %s\n", domid, strerror(-rc));
    return rc;
}

static int cmd_mkcluster(int argc, char **argv)
{
    struct xvios_db_config cfg = { .max_nodes = XVIOS_MAX_NODES, .timeout_ms = 2000, .retries = 2 };
    xvios_plat *p = NULL;
    uint32_t n, node;
    int rc;

    if (argc < 2 || xvios_parse_u32(argv[1], 0, XVIOS_MAX_NODES, &n) < 0)
        return 2;
    if (argc > 2 && xvios_parse_u32(argv[2], 0, 600000, &cfg.timeout_ms) < 0)
        return 2;
    snprintf(cfg.name, sizeof(cfg.name), "itest");
    if (open_plat(argv[0], 0, &p) < 0)
        return 1;
    rc = xvios_db_cluster_create(p, &cfg);
    for (uint32_t i = 1; rc == 0 && i <= n; i++) {
        rc = add_one(p, DOMID_BASE + i, &node);
        if (rc == 0)
            printf("node=%u domid=%u\n", node, DOMID_BASE + i);
    }
    xvios_plat_close(p);
    return rc < 0;
}

static int cmd_mkdoms(int argc, char **argv)
{
    xvios_plat *p = NULL;
    int rc = 0;

    if (argc < 2)
        return 2;
    if (open_plat(argv[0], 0, &p) < 0)
        return 1;
    for (int i = 1; rc == 0 && i < argc; i++) {
        char *colon = strchr(argv[i], ':');
        uint32_t domid;
        if (!colon || !colon[1]) {
            rc = -EINVAL;
            break;
        }
        *colon = '\0';
        if (xvios_parse_domid(argv[i], &domid) < 0 || domid == 0) {
            rc = -EINVAL;
            break;
        }
        if ((rc = xvios_loop_domain_create(p, domid, colon + 1)) < 0)
            fprintf(stderr, "vke_tool: cannot create domain %u: %s\n", domid, strerror(-rc));
    }
    xvios_plat_close(p);
    return rc < 0;
}

static int cmd_mkmulti(int argc, char **argv)
{
    struct xvios_db_config cfg = { .max_nodes = XVIOS_MAX_NODES, .timeout_ms = 2000, .retries = 2 };
    xvios_plat *p = NULL;
    int rc;

    if (argc < 3 || xvios_parse_u32(argv[1], 0, 600000, &cfg.timeout_ms) < 0)
        return 2;
    snprintf(cfg.name, sizeof(cfg.name), "itest");
    if (open_plat(argv[0], 0, &p) < 0)
        return 1;
    rc = xvios_db_cluster_create(p, &cfg);
    for (int i = 2; rc == 0 && i < argc; i++) {
        struct xvios_dominfo di;
        char name[32], *colon = strchr(argv[i], ':');
        uint32_t node, domid;
        if (!colon) {
            rc = -EINVAL;
            break;
        }
        *colon = '\0';
        if (xvios_parse_u32(argv[i], 1, XVIOS_NODE_ID_MAX, &node) < 0 || xvios_parse_domid(colon + 1, &domid) < 0 ||
            domid == 0) {
            rc = -EINVAL;
            break;
        }
        snprintf(name, sizeof(name), "vios-n%u", node);
        rc = xvios_loop_domain_create(p, domid, name);
        if (rc == 0)
            rc = xvios_plat_domain_info(p, domid, &di);
        if (rc == 0)
            rc = xvios_db_node_add_id(p, &di, node);
        if (rc < 0)
            fprintf(stderr, "vke_tool: cannot add node %u (domain %u): %s\n", node, domid, strerror(-rc));
        else
            printf("node=%u domid=%u\n", node, domid);
    }
    if (rc < 0)
        fprintf(stderr, "vke_tool mkmulti: %s\n", strerror(-rc));
    xvios_plat_close(p);
    return rc < 0;
}

static int cmd_addnode(int argc, char **argv)
{
    struct xvios_db_node *nodes = NULL;
    xvios_plat *p = NULL;
    uint32_t domid = DOMID_BASE + 1, node;
    unsigned n = 0;
    int rc;

    if (argc < 1)
        return 2;
    if (open_plat(argv[0], 0, &p) < 0)
        return 1;
    rc = xvios_db_nodes(p, &nodes, &n);
    for (unsigned i = 0; rc == 0 && i < n; i++)
        if (nodes[i].domid >= domid)
            domid = nodes[i].domid + 1;
    free(nodes);
    if (rc == 0)
        rc = add_one(p, domid, &node);
    if (rc == 0)
        printf("node=%u domid=%u\n", node, domid);
    xvios_plat_close(p);
    return rc < 0;
}

static int connect_vke(const char *root, uint32_t node)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char rundir[200];
    int fd;

    if (xvios_run_path(sa.sun_path, sizeof(sa.sun_path), root, XVIOS_VKE_SOCK) < 0)
        return -ENAMETOOLONG;
    if (access(sa.sun_path, F_OK) != 0 &&
        (xvios_rundir(rundir, sizeof(rundir), XVIOS_PLAT_LOOPBACK, root, node) < 0 ||
         xvios_run_path(sa.sun_path, sizeof(sa.sun_path), rundir, XVIOS_VKE_SOCK) < 0))
        return -ENAMETOOLONG;
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = -errno;
        fprintf(stderr, "vke_tool: cannot connect to %s: %s\n", sa.sun_path, strerror(errno));
        close(fd);
        return e;
    }
    return fd;
}

static int send_msg(int fd, const struct xvios_msg *m)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    size_t len = 0;
    int err = xvios_msg_encode(m, buf, sizeof(buf), &len);

    if (err != XVIOS_WIRE_OK) {
        fprintf(stderr, "vke_tool: encode: %s\n", xvios_wire_strerror(err));
        return -EINVAL;
    }
    return send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

/* Receive one packet before the deadline into *m (payload in buf). */
static int recv_msg(int fd, uint8_t *buf, size_t cap, struct xvios_msg *m, const struct timespec *deadline)
{
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int t = xvios_poll_timeout(deadline, 1000);
        ssize_t n;
        int err;

        if (xvios_ts_passed(deadline))
            return -ETIMEDOUT;
        if (poll(&pfd, 1, t) <= 0)
            continue;
        n = recv(fd, buf, cap, MSG_TRUNC);
        if (n <= 0)
            return n == 0 ? -EPIPE : -errno;
        if ((size_t)n > cap)
            return -EMSGSIZE;
        err = xvios_msg_decode(buf, (size_t)n, m);
        if (err != XVIOS_WIRE_OK) {
            fprintf(stderr, "vke_tool: bad packet from the VKE: %s\n", xvios_wire_strerror(err));
            return -EPROTO;
        }
        return 0;
    }
}

static int parse_targets(const char *s, struct xvios_msg *m)
{
    char *copy = strdup(s), *save = NULL, *tok;
    int rc = 0;

    if (!copy)
        return -ENOMEM;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (m->sub.n_targets >= XVIOS_MAX_NODES ||
            xvios_parse_u32(tok, 0, 0xffff, &m->targets[m->sub.n_targets]) < 0) {
            rc = -EINVAL;
            break;
        }
        m->sub.n_targets++;
    }
    free(copy);
    return rc;
}

static int cmd_send(int argc, char **argv)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    struct xvios_msg m, r;
    struct xvios_rc_entry rc[XVIOS_MAX_NODES];
    struct timespec deadline;
    const char *payload = "hello";
    uint32_t node, v;
    unsigned n = 0;
    bool want_response = false;
    int fd, err;

    if (argc < 2 || xvios_parse_u32(argv[1], 0, 0xffff, &node) < 0)
        return 2;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.txid = xvios_txid_make(node, (uint32_t)getpid());
    m.hdr.flags = XVIOS_FLAGS_WITH_ORIGIN(0, XVIOS_ORIGIN_CLI);
    m.sub.src_node = node;
    m.sub.msg_type = XVIOS_MT_USER_BASE;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--broadcast"))
            m.hdr.flags |= XVIOS_F_BROADCAST;
        else if (!strcmp(argv[i], "--receipt"))
            m.hdr.flags |= XVIOS_F_RECEIPT;
        else if (!strcmp(argv[i], "--to") && i + 1 < argc) {
            if (parse_targets(argv[++i], &m) < 0)
                return 2;
        } else if (!strcmp(argv[i], "--cap") && i + 1 < argc) {
            if (xvios_parse_u32(argv[++i], 0, 0xffff, &v) < 0)
                return 2;
            m.sub.rc_capacity = (uint16_t)v;
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            if (xvios_parse_u32(argv[++i], 0, 600000, &m.sub.timeout_ms) < 0)
                return 2;
        } else if (!strcmp(argv[i], "--type") && i + 1 < argc) {
            if (xvios_parse_u32(argv[++i], 0, 0xffffffffu, &m.sub.msg_type) < 0)
                return 2;
        } else if (!strcmp(argv[i], "--payload") && i + 1 < argc) {
            payload = argv[++i];
        } else if (!strcmp(argv[i], "--daemon")) {
            m.hdr.flags = (uint16_t)((m.hdr.flags & ~XVIOS_FLAGS_WITH_ORIGIN(0, XVIOS_ORIGIN_CLI)) |
                                     XVIOS_FLAGS_WITH_ORIGIN(0, XVIOS_ORIGIN_DAEMON));
        } else if (!strcmp(argv[i], "--response")) {
            want_response = true;
            m.hdr.flags |= XVIOS_F_RESPONSE;
        } else {
            return 2;
        }
    }
    m.payload = (const uint8_t *)payload;
    m.hdr.payload_len = (uint32_t)strlen(payload);
    fd = connect_vke(argv[0], node);
    if (fd < 0)
        return 1;
    if (send_msg(fd, &m) < 0) {
        close(fd);
        return 1;
    }
    deadline = xvios_deadline_ms((m.sub.timeout_ms ? m.sub.timeout_ms : 10000) + 5000);
    err = recv_msg(fd, buf, sizeof(buf), &r, &deadline);
    if (err == 0 && want_response && r.hdr.opcode == XVIOS_OP_CLUSTER_RESPONSE) {
        /* the response came before the send's result: print it, then wait for the result */
        printf("response node=%u status=%s len=%u\n", r.sub.src_node, lc(xvios_status_name(r.hdr.status)),
               r.hdr.payload_len);
        want_response = false;
        err = recv_msg(fd, buf, sizeof(buf), &r, &deadline);
    }
    if (err < 0) {
        close(fd);
        fprintf(stderr, "vke_tool: no result: %s\n", strerror(-err));
        return 1;
    }
    if (r.hdr.opcode != XVIOS_OP_SEND_RESULT || r.hdr.txid != m.hdr.txid) {
        fprintf(stderr, "vke_tool: unexpected answer %s\n", xvios_opcode_name(r.hdr.opcode));
        close(fd);
        return 1;
    }
    if (xvios_rc_decode(r.payload, r.hdr.payload_len, rc, XVIOS_MAX_NODES, &n) != XVIOS_WIRE_OK) {
        fprintf(stderr, "vke_tool: bad RC array\n");
        close(fd);
        return 1;
    }
    printf("status=%s needed=%u entries=%u\n", lc(xvios_status_name(r.hdr.status)), r.sub.rc_needed, n);
    for (unsigned i = 0; i < n; i++)
        printf("rc node=%u status=%s\n", rc[i].node, lc(xvios_rc_status_name(rc[i].status)));
    while (want_response) {
        /* SEND_RESULT first: the response follows (or never comes) */
        if (recv_msg(fd, buf, sizeof(buf), &r, &deadline) < 0) {
            printf("response none\n");
            break;
        }
        if (r.hdr.opcode != XVIOS_OP_CLUSTER_RESPONSE || r.hdr.txid != m.hdr.txid)
            continue;
        printf("response node=%u status=%s len=%u\n", r.sub.src_node, lc(xvios_status_name(r.hdr.status)),
               r.hdr.payload_len);
        break;
    }
    close(fd);
    return 0;
}

static volatile sig_atomic_t sink_stop;
static void on_term(int sig)
{
    (void)sig;
    sink_stop = 1;
}

static int cmd_sink(int argc, char **argv)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    struct xvios_msg m;
    struct timespec deadline;
    uint32_t node, secs;
    bool respond = argc > 4 && !strcmp(argv[4], "respond");
    FILE *out;
    int fd, err;

    if (argc < 4 || xvios_parse_u32(argv[1], 0, 0xffff, &node) < 0 ||
        xvios_parse_u32(argv[3], 0, 86400, &secs) < 0 || (argc > 4 && !respond))
        return 2;
    out = fopen(argv[2], "a");
    if (!out)
        return 1;
    setvbuf(out, NULL, _IOLBF, 0);
    signal(SIGTERM, on_term);
    fd = connect_vke(argv[0], node);
    if (fd < 0)
        return 1;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_HELLO;
    if (send_msg(fd, &m) < 0)
        return 1;
    deadline = xvios_deadline_ms((uint64_t)secs * 1000);
    while (!sink_stop) {
        char text[256];
        size_t k;

        err = recv_msg(fd, buf, sizeof(buf), &m, &deadline);
        if (err == -ETIMEDOUT || err == -EPIPE || err == -ECONNRESET)
            break; /* the end of the run, or the backend went away */
        if (err < 0) {
            fprintf(stderr, "vke_tool sink: %s\n", strerror(-err));
            return 1;
        }
        k = m.hdr.payload_len < sizeof(text) - 1 ? m.hdr.payload_len : sizeof(text) - 1;
        for (size_t i = 0; i < k; i++)
            text[i] = (m.payload[i] >= 0x20 && m.payload[i] < 0x7f) ? (char)m.payload[i] : '.';
        text[k] = '\0';
        fprintf(out, "op=%s status=%s src=%u txid=%#llx type=%u event=%u payload=%s\n",
                lc(xvios_opcode_name(m.hdr.opcode)), lc(xvios_status_name(m.hdr.status)), m.sub.src_node,
                (unsigned long long)m.hdr.txid, m.sub.msg_type,
                m.hdr.opcode == XVIOS_OP_VKE_EVENT ? m.sub.msg_type : 0, text);
        if (respond && m.hdr.opcode == XVIOS_OP_CLUSTER_SEND) {
            static uint8_t rbuf[XVIOS_MAX_PAYLOAD];
            struct xvios_msg r;
            int n = snprintf((char *)rbuf, sizeof(rbuf), "re:%s", text);
            memset(&r, 0, sizeof(r));
            r.hdr = m.hdr;
            r.hdr.opcode = XVIOS_OP_CLUSTER_RESPONSE;
            r.hdr.flags = XVIOS_FLAGS_WITH_ORIGIN(0, XVIOS_ORIGIN_CLI);
            r.hdr.status = 0;
            r.sub.src_node = node;
            r.sub.msg_type = m.sub.msg_type;
            r.sub.epoch = m.sub.epoch;
            r.sub.n_targets = 1;
            r.targets[0] = m.sub.src_node;
            r.payload = rbuf;
            r.hdr.payload_len = (uint32_t)n;
            if (send_msg(fd, &r) < 0)
                fprintf(stderr, "vke_tool sink: cannot respond to node %u\n", m.sub.src_node);
        }
    }
    fclose(out);
    close(fd);
    return 0;
}

static int cmd_stats(int argc, char **argv)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    struct xvios_msg m;
    struct timespec deadline = xvios_deadline_ms(5000);
    uint32_t node;
    int fd, err;

    if (argc < 2 || xvios_parse_u32(argv[1], 0, 0xffff, &node) < 0)
        return 2;
    fd = connect_vke(argv[0], node);
    if (fd < 0)
        return 1;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_STATS;
    if (send_msg(fd, &m) < 0)
        return 1;
    err = recv_msg(fd, buf, sizeof(buf), &m, &deadline);
    close(fd);
    if (err < 0 || m.hdr.opcode != XVIOS_OP_VKE_STATS)
        return 1;
    fwrite(m.payload, 1, m.hdr.payload_len, stdout);
    return 0;
}

static int cmd_inject(int argc, char **argv)
{
    static const char junk1[] = "this is not a VIOD packet";
    uint8_t pkt[512];
    struct xvios_link_peer lp = { 0 };
    struct xvios_db_node self, peer;
    struct xvios_msg m;
    struct timespec deadline = xvios_deadline_ms(10000);
    xvios_link *l = NULL;
    xvios_plat *p = NULL;
    size_t len = 0;
    int rc = 1;

    if (argc < 3 || xvios_parse_u32(argv[1], 0, 0xffff, &lp.self_node) < 0 ||
        xvios_parse_u32(argv[2], 0, 0xffff, &lp.peer_node) < 0)
        return 2;
    if (open_plat(argv[0], 0, &p) < 0)
        return 1;
    if (xvios_db_node_get(p, lp.self_node, &self) < 0 || xvios_db_node_get(p, lp.peer_node, &peer) < 0)
        goto out;
    xvios_plat_close(p);
    p = NULL;
    if (open_plat(argv[0], self.domid, &p) < 0)
        goto out;
    lp.self_domid = self.domid;
    lp.peer_domid = peer.domid;
    if (xvios_link_open(p, &lp, &l) < 0)
        goto out;
    while (xvios_link_progress(l) != XVIOS_LINK_UP) {
        if (xvios_ts_passed(&deadline) || xvios_link_state(l) == XVIOS_LINK_DEAD) {
            fprintf(stderr, "vke_tool inject: link to node %u did not come up\n", lp.peer_node);
            goto out;
        }
        usleep(20000);
    }
    /* 1: not a packet at all; 2: a valid packet claiming another source; 3: bad magic; 4: truncated */
    if (xvios_link_send(l, junk1, sizeof(junk1), &deadline) < 0)
        goto out;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.txid = xvios_txid_make(lp.self_node, 1);
    m.sub.src_node = lp.peer_node == 1 ? 2 : 1; /* a lie: not the link's peer */
    m.sub.dst_node = lp.peer_node;
    if (xvios_msg_encode(&m, pkt, sizeof(pkt), &len) != XVIOS_WIRE_OK ||
        xvios_link_send(l, pkt, len, &deadline) < 0)
        goto out;
    m.sub.src_node = lp.self_node;
    xvios_msg_encode(&m, pkt, sizeof(pkt), &len);
    pkt[0] ^= 0xff;
    if (xvios_link_send(l, pkt, len, &deadline) < 0)
        goto out;
    pkt[0] ^= 0xff;
    if (xvios_link_send(l, pkt, len - 3, &deadline) < 0)
        goto out;
    printf("injected 4 malformed packets as node %u into node %u\n", lp.self_node, lp.peer_node);
    usleep(200000); /* let the peer read before the link closes */
    rc = 0;
out:
    xvios_link_close(l);
    xvios_plat_close(p);
    return rc;
}

static int cmd_linkprobe(int argc, char **argv)
{
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_XEN };
    struct xvios_link_peer lp = { 0 };
    struct timespec deadline;
    xvios_link *l = NULL;
    xvios_plat *p = NULL;
    uint32_t secs;
    int rc, up = 0;

    if (argc < 4 || xvios_parse_u32(argv[0], 0, 0xffff, &lp.self_node) < 0 ||
        xvios_parse_u32(argv[1], 0, 0xffff, &lp.peer_node) < 0 ||
        xvios_parse_domid(argv[2], &lp.peer_domid) < 0 || xvios_parse_u32(argv[3], 0, 600, &secs) < 0)
        return 2;
    rc = xvios_plat_open(&pc, &p);
    if (rc == 0)
        rc = xvios_plat_self_domid(p, &lp.self_domid);
    if (rc == 0)
        rc = xvios_link_open(p, &lp, &l);
    if (rc < 0) {
        printf("link %u -> %u (domid %u): cannot open: %s\n", lp.self_node, lp.peer_node, lp.peer_domid,
               strerror(-rc));
        xvios_plat_close(p);
        return 1;
    }
    deadline = xvios_deadline_ms((uint64_t)secs * 1000);
    while (!xvios_ts_passed(&deadline) && !up) {
        enum xvios_link_state s = xvios_link_progress(l);
        if (s == XVIOS_LINK_DEAD)
            break;
        up = s == XVIOS_LINK_UP;
        usleep(50000);
    }
    printf("link %u -> %u (domid %u): %s\n", lp.self_node, lp.peer_node, lp.peer_domid,
           up ? "up" : xvios_link_state(l) == XVIOS_LINK_DEAD ? "refused" : "never came up");
    xvios_link_close(l);
    xvios_plat_close(p);
    return up ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        { "mkcluster", cmd_mkcluster }, { "addnode", cmd_addnode }, { "send", cmd_send },
        { "mkmulti", cmd_mkmulti },     { "mkdoms", cmd_mkdoms },
        { "sink", cmd_sink },           { "stats", cmd_stats },     { "inject", cmd_inject },
        { "linkprobe", cmd_linkprobe },
    };

    signal(SIGPIPE, SIG_IGN);
    if (!getenv("XVIOS_LOG"))
        xvios_log_set_level(XVIOS_LOG_WARN);
    if (argc >= 2)
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
            if (!strcmp(argv[1], cmds[i].name)) {
                int rc = cmds[i].fn(argc - 2, argv + 2);
                if (rc == 2)
                    fprintf(stderr, "vke_tool %s: bad arguments (see the comment at the top of vke_tool.c)\n",
                            argv[1]);
                return rc;
            }
    fprintf(stderr, "usage: vke_tool mkcluster|addnode|send|sink|stats|inject|linkprobe ...\n");
    return 2;
}
