/* SPDX-License-Identifier: MIT */
/*
 * test_vke_engine.c - one VKE in this process on a loopback cluster of three
 * nodes. The test plays the daemon (over vke.sock) and peer nodes 2 and 3
 * (over real loopback links), and checks the copy-back of the headers,
 * receipts (duplicate, late, stray), deadlines, receipt generation on the
 * receive path, and malformed input from a peer and from the local socket.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/log.h"
#include "xvios/loopback.h"
#include "xvios/vke.h"
#include "xvios/wire.h"

#define DOM(n) (10u + (n))

struct env {
    struct loop_fixture f;
    xvios_plat *plat1;           /* the VKE's handle (node 1) */
    xvios_plat *peer_plat[4];    /* handles acting as nodes 2, 3 */
    xvios_link *peer[4];         /* links node 2/3 -> node 1 */
    struct xvios_vke *vke;
    int daemon;                  /* local socket, attached with VKE_HELLO */
    char rundir[80];
    uint8_t buf[XVIOS_MAX_MSG];
    uint32_t seq;
};

static void pump(struct env *e, int ms)
{
    struct timespec end = xvios_deadline_ms((uint64_t)ms);
    do {
        xvios_vke_run_once(e->vke, 5);
        for (int n = 2; n <= 3; n++)
            if (e->peer[n])
                xvios_link_progress(e->peer[n]);
    } while (!xvios_ts_passed(&end));
}

static void send_local(struct env *e, int fd, const struct xvios_msg *m)
{
    size_t len = 0;
    assert_int_equal(xvios_msg_encode(m, e->buf, sizeof(e->buf), &len), XVIOS_WIRE_OK);
    assert_int_equal(send(fd, e->buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Next packet on the local socket (link events skipped), pumping the VKE meanwhile; false at the deadline. */
static bool recv_local(struct env *e, int fd, struct xvios_msg *m, int ms)
{
    struct timespec end = xvios_deadline_ms((uint64_t)ms);
    while (!xvios_ts_passed(&end)) {
        ssize_t n = recv(fd, e->buf, sizeof(e->buf), MSG_DONTWAIT);
        if (n > 0) {
            assert_int_equal(xvios_msg_decode(e->buf, (size_t)n, m), XVIOS_WIRE_OK);
            if (m->hdr.opcode == XVIOS_OP_VKE_EVENT)
                continue;
            return true;
        }
        pump(e, 2);
    }
    return false;
}

/* Next packet arriving at peer node n from node 1. */
static bool recv_peer(struct env *e, int n, struct xvios_msg *m, uint8_t *buf, int ms)
{
    struct timespec end = xvios_deadline_ms((uint64_t)ms);
    while (!xvios_ts_passed(&end)) {
        size_t len = 0;
        if (xvios_link_recv(e->peer[n], buf, XVIOS_LINK_MAX_DGRAM, &len) == 0) {
            assert_int_equal(xvios_msg_decode(buf, len, m), XVIOS_WIRE_OK);
            return true;
        }
        pump(e, 2);
    }
    return false;
}

static void peer_send(struct env *e, int n, const struct xvios_msg *m)
{
    uint8_t buf[512];
    size_t len = 0;
    struct timespec d = xvios_deadline_ms(1000);
    assert_int_equal(xvios_msg_encode(m, buf, sizeof(buf), &len), XVIOS_WIRE_OK);
    assert_int_equal(xvios_link_send(e->peer[n], buf, len, &d), 0);
}

static int connect_local(struct env *e)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_true(strlen(e->rundir) + sizeof("/vke.sock") <= sizeof(sa.sun_path));
    memcpy(sa.sun_path, e->rundir, strlen(e->rundir));
    memcpy(sa.sun_path + strlen(e->rundir), "/vke.sock", sizeof("/vke.sock"));
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void request(struct env *e, struct xvios_msg *m, uint16_t flags, uint16_t cap, uint32_t timeout_ms)
{
    memset(m, 0, sizeof(*m));
    m->hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m->hdr.flags = flags;
    m->hdr.txid = xvios_txid_make(1, ++e->seq);
    m->sub.src_node = 1;
    m->sub.msg_type = 0x1234;
    m->sub.originator = 7;
    m->sub.rc_capacity = cap;
    m->sub.timeout_ms = timeout_ms;
}

static int setup(void **state)
{
    struct xvios_db_config cfg = { .name = "engine", .max_nodes = 8, .timeout_ms = 1000, .retries = 1 };
    struct env *e = calloc(1, sizeof(*e));
    struct xvios_vke_config vc = { 0 };
    struct xvios_msg m, r;
    uint32_t node;

    assert_non_null(e);
    xvios_log_set_level(XVIOS_LOG_ERR);
    assert_int_equal(loop_fixture_setup(&e->f), 0);
    assert_int_equal(xvios_db_cluster_create(e->f.dom0, &cfg), 0);
    for (uint32_t n = 1; n <= 3; n++) {
        struct xvios_dominfo di;
        char name[16];
        snprintf(name, sizeof(name), "vios%u", n);
        assert_int_equal(xvios_loop_domain_create(e->f.dom0, DOM(n), name), 0);
        assert_int_equal(xvios_plat_domain_info(e->f.dom0, DOM(n), &di), 0);
        assert_int_equal(xvios_db_node_add(e->f.dom0, &di, &node), 0);
        assert_int_equal(node, n);
    }
    e->plat1 = loop_fixture_open(e->f.root, DOM(1));
    assert_non_null(e->plat1);
    snprintf(e->rundir, sizeof(e->rundir), "%s/nodes/1", e->f.root);
    vc.plat = e->plat1;
    vc.rundir = e->rundir;
    vc.up_queue_cap = 2;
    assert_int_equal(xvios_vke_create(&vc, &e->vke), 0);
    assert_int_equal(xvios_vke_node(e->vke), 1);
    for (int n = 2; n <= 3; n++) {
        struct xvios_link_peer lp = { .self_node = (uint32_t)n, .peer_node = 1, .self_domid = DOM(n),
                                      .peer_domid = DOM(1) };
        e->peer_plat[n] = loop_fixture_open(e->f.root, DOM(n));
        assert_non_null(e->peer_plat[n]);
        assert_int_equal(xvios_link_open(e->peer_plat[n], &lp, &e->peer[n]), 0);
    }
    for (int k = 0; k < 400 && (xvios_link_state(e->peer[2]) != XVIOS_LINK_UP ||
                                xvios_link_state(e->peer[3]) != XVIOS_LINK_UP); k++)
        pump(e, 5);
    assert_int_equal(xvios_link_state(e->peer[2]), XVIOS_LINK_UP);
    assert_int_equal(xvios_link_state(e->peer[3]), XVIOS_LINK_UP);

    e->daemon = connect_local(e);
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_HELLO;
    send_local(e, e->daemon, &m);
    assert_true(recv_local(e, e->daemon, &r, 2000));
    assert_int_equal(r.hdr.opcode, XVIOS_OP_VKE_HELLO);
    assert_int_equal(r.hdr.status, XVIOS_ST_OK);
    assert_int_equal(r.sub.src_node, 1);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    close(e->daemon);
    for (int n = 2; n <= 3; n++) {
        xvios_link_close(e->peer[n]);
        xvios_plat_close(e->peer_plat[n]);
    }
    xvios_vke_destroy(e->vke);
    xvios_plat_close(e->plat1);
    loop_fixture_teardown(&e->f);
    free(e);
    return 0;
}

static void too_small_copies_headers_back(void **state)
{
    struct env *e = *state;
    struct xvios_msg m, r;
    uint8_t pbuf[XVIOS_LINK_MAX_DGRAM];
    struct xvios_msg p;

    request(e, &m, XVIOS_F_BROADCAST | XVIOS_F_RECEIPT | XVIOS_FLAGS_WITH_ORIGIN(0, XVIOS_ORIGIN_API), 1, 500);
    m.payload = (const uint8_t *)"abc";
    m.hdr.payload_len = 3;
    send_local(e, e->daemon, &m);
    assert_true(recv_local(e, e->daemon, &r, 2000));
    assert_int_equal(r.hdr.opcode, XVIOS_OP_SEND_RESULT);
    assert_int_equal(r.hdr.status, XVIOS_ST_RC_TOO_SMALL);
    assert_int_equal(r.sub.rc_needed, 2);
    /* the rest of the headers come back as they were sent */
    assert_true(r.hdr.txid == m.hdr.txid);
    assert_int_equal(r.hdr.flags, m.hdr.flags);
    assert_int_equal(r.sub.msg_type, 0x1234);
    assert_int_equal(r.sub.originator, 7);
    assert_int_equal(r.sub.rc_capacity, 1);
    assert_int_equal(r.sub.timeout_ms, 500);
    assert_int_equal(r.hdr.payload_len, 0);
    /* and nothing went out */
    assert_false(recv_peer(e, 2, &p, pbuf, 100));
}

static void receipts_duplicate_late_stray(void **state)
{
    struct env *e = *state;
    struct xvios_msg m, r, p2, p3, rc;
    struct xvios_rc_entry ent[4];
    struct xvios_vke_stats st;
    uint8_t b2[XVIOS_LINK_MAX_DGRAM], b3[XVIOS_LINK_MAX_DGRAM];
    unsigned n = 0;

    request(e, &m, XVIOS_F_RECEIPT, 2, 2000);
    m.sub.n_targets = 1;
    m.targets[0] = 2;
    send_local(e, e->daemon, &m);
    assert_true(recv_peer(e, 2, &p2, b2, 2000));
    assert_true(p2.hdr.txid == m.hdr.txid);
    assert_int_equal(p2.sub.dst_node, 2);
    assert_int_equal(p2.sub.src_node, 1);

    memset(&rc, 0, sizeof(rc));
    rc.hdr.opcode = XVIOS_OP_RECEIPT;
    rc.hdr.txid = m.hdr.txid;
    rc.sub.dst_node = 1;
    /* a stray: node 3 was not a target */
    rc.sub.src_node = 3;
    peer_send(e, 3, &rc);
    pump(e, 50);
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.receipts_stray, 1);
    /* the real one completes the send */
    rc.sub.src_node = 2;
    peer_send(e, 2, &rc);
    assert_true(recv_local(e, e->daemon, &r, 2000));
    assert_int_equal(r.hdr.opcode, XVIOS_OP_SEND_RESULT);
    assert_int_equal(r.hdr.status, XVIOS_ST_OK);
    assert_int_equal(xvios_rc_decode(r.payload, r.hdr.payload_len, ent, 4, &n), XVIOS_WIRE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ent[0].node, 2);
    assert_int_equal(ent[0].status, XVIOS_RC_DELIVERED);
    /* after completion: a repeat is late, not a crash, not a second result */
    peer_send(e, 2, &rc);
    pump(e, 50);
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.receipts_late, 1);
    assert_int_equal(st.receipts_in, 1);
    assert_false(recv_local(e, e->daemon, &r, 100));
    (void)p3;
    (void)b3;
}

/* A receipt for the same txid from another incarnation of the sender is late, not a match (issue 10, item 1). */
static void receipt_of_another_epoch_is_late(void **state)
{
    struct env *e = *state;
    struct xvios_msg m, r, p2, rc;
    struct xvios_vke_stats st;
    uint8_t b2[XVIOS_LINK_MAX_DGRAM];

    request(e, &m, XVIOS_F_RECEIPT, 2, 2000);
    m.sub.epoch = 5;
    m.sub.n_targets = 1;
    m.targets[0] = 2;
    send_local(e, e->daemon, &m);
    assert_true(recv_peer(e, 2, &p2, b2, 2000));
    assert_int_equal(p2.sub.epoch, 5);              /* the copy on the link carries it */
    memset(&rc, 0, sizeof(rc));
    rc.hdr.opcode = XVIOS_OP_RECEIPT;
    rc.hdr.txid = m.hdr.txid;
    rc.sub.src_node = 2;
    rc.sub.dst_node = 1;
    rc.sub.epoch = 4;                               /* the previous incarnation's message, same txid */
    peer_send(e, 2, &rc);
    pump(e, 50);
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.receipts_late, 1);
    assert_int_equal(st.receipts_in, 0);
    assert_false(recv_local(e, e->daemon, &r, 50));  /* not completed by it */
    rc.sub.epoch = 5;
    peer_send(e, 2, &rc);
    assert_true(recv_local(e, e->daemon, &r, 2000));
    assert_int_equal(r.hdr.opcode, XVIOS_OP_SEND_RESULT);
    assert_int_equal(r.hdr.status, XVIOS_ST_OK);
    assert_int_equal(r.sub.epoch, 5);
}

static void duplicate_before_completion(void **state)
{
    struct env *e = *state;
    struct xvios_msg m, r, p, rc;
    struct xvios_vke_stats st;
    uint8_t b[XVIOS_LINK_MAX_DGRAM];

    request(e, &m, XVIOS_F_RECEIPT | XVIOS_F_BROADCAST, 2, 2000);
    send_local(e, e->daemon, &m);
    assert_true(recv_peer(e, 2, &p, b, 2000));
    assert_true(recv_peer(e, 3, &p, b, 2000));
    memset(&rc, 0, sizeof(rc));
    rc.hdr.opcode = XVIOS_OP_RECEIPT;
    rc.hdr.txid = m.hdr.txid;
    rc.sub.dst_node = 1;
    rc.sub.src_node = 2;
    peer_send(e, 2, &rc);
    peer_send(e, 2, &rc);
    pump(e, 50);
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.receipts_dup, 1);
    assert_false(recv_local(e, e->daemon, &r, 50)); /* still waiting for node 3 */
    rc.sub.src_node = 3;
    rc.hdr.status = XVIOS_ST_QUEUE_FULL;
    peer_send(e, 3, &rc);
    assert_true(recv_local(e, e->daemon, &r, 2000));
    assert_int_equal(r.hdr.status, XVIOS_ST_PARTIAL); /* node 3 took it but could not consume it */
}

static void deadline_marks_silent_nodes(void **state)
{
    struct env *e = *state;
    struct xvios_msg m, r, p;
    struct xvios_rc_entry ent[4];
    uint8_t b[XVIOS_LINK_MAX_DGRAM];
    struct timespec t0;
    int64_t ms;
    unsigned n = 0;

    request(e, &m, XVIOS_F_RECEIPT | XVIOS_F_BROADCAST, 4, 300);
    t0 = xvios_now();
    send_local(e, e->daemon, &m);
    assert_true(recv_local(e, e->daemon, &r, 3000));
    ms = xvios_ts_diff_ms(t0, xvios_now());
    assert_true(ms >= 290);
    assert_true(ms < 1000);
    assert_int_equal(r.hdr.status, XVIOS_ST_PARTIAL);
    assert_int_equal(xvios_rc_decode(r.payload, r.hdr.payload_len, ent, 4, &n), XVIOS_WIRE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ent[0].status, XVIOS_RC_TIMED_OUT);
    assert_int_equal(ent[1].status, XVIOS_RC_TIMED_OUT);
    /* drain what the peers got */
    recv_peer(e, 2, &p, b, 100);
    recv_peer(e, 3, &p, b, 100);
}

static void receive_path_generates_receipt(void **state)
{
    struct env *e = *state;
    struct xvios_msg m, up, rcpt;
    uint8_t b[XVIOS_LINK_MAX_DGRAM];

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_F_RECEIPT;
    m.hdr.txid = xvios_txid_make(2, 99);
    m.sub.src_node = 2;
    m.sub.dst_node = 1;
    m.sub.epoch = 41;
    m.sub.msg_type = 0x2000;
    m.payload = (const uint8_t *)"ping";
    m.hdr.payload_len = 4;
    peer_send(e, 2, &m);
    assert_true(recv_peer(e, 2, &rcpt, b, 2000));
    assert_int_equal(rcpt.hdr.opcode, XVIOS_OP_RECEIPT);
    assert_true(rcpt.hdr.txid == m.hdr.txid);
    assert_int_equal(rcpt.hdr.status, XVIOS_ST_OK);
    assert_int_equal(rcpt.sub.src_node, 1);
    assert_int_equal(rcpt.sub.dst_node, 2);
    assert_int_equal(rcpt.sub.epoch, 41);   /* the receipt names the send by (txid, epoch) */
    assert_true(recv_local(e, e->daemon, &up, 2000));
    assert_int_equal(up.sub.epoch, 41);
    assert_int_equal(up.hdr.opcode, XVIOS_OP_CLUSTER_SEND);
    assert_int_equal(up.hdr.payload_len, 4);
    assert_memory_equal(up.payload, "ping", 4);
}

static void full_daemon_queue_says_so(void **state)
{
    struct env *e = *state;
    struct xvios_msg m, rcpt;
    struct xvios_vke_stats st;
    uint8_t b[XVIOS_LINK_MAX_DGRAM];
    int other;

    /* detach the daemon: inbound packets now wait in the queue (capacity 2 in this test) */
    close(e->daemon);
    pump(e, 20);
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_F_RECEIPT;
    m.sub.src_node = 3;
    m.sub.dst_node = 1;
    for (uint32_t i = 1; i <= 3; i++) {
        m.hdr.txid = xvios_txid_make(3, i);
        peer_send(e, 3, &m);
        assert_true(recv_peer(e, 3, &rcpt, b, 2000));
        assert_true(rcpt.hdr.txid == m.hdr.txid);
        assert_int_equal(rcpt.hdr.status, i <= 2 ? XVIOS_ST_OK : XVIOS_ST_QUEUE_FULL);
    }
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.up_queue_full, 1);
    /* a daemon that attaches gets the two held packets */
    other = connect_local(e);
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_HELLO;
    send_local(e, other, &m);
    assert_true(recv_local(e, other, &m, 2000));
    assert_int_equal(m.hdr.opcode, XVIOS_OP_VKE_HELLO);
    assert_true(recv_local(e, other, &m, 2000));
    assert_true(m.hdr.txid == xvios_txid_make(3, 1));
    assert_true(recv_local(e, other, &m, 2000));
    assert_true(m.hdr.txid == xvios_txid_make(3, 2));
    e->daemon = other;
}

static void malformed_input_is_dropped_and_counted(void **state)
{
    struct env *e = *state;
    static const char junk[] = "garbage that is not a packet";
    struct xvios_msg m, r;
    struct xvios_vke_stats st0, st;
    struct timespec d = xvios_deadline_ms(1000);
    uint8_t buf[256];
    size_t len = 0;

    xvios_vke_get_stats(e->vke, &st0);
    assert_int_equal(xvios_link_send(e->peer[2], junk, sizeof(junk), &d), 0);
    /* well-formed but lying about its source */
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.txid = xvios_txid_make(3, 5);
    m.sub.src_node = 3;
    m.sub.dst_node = 1;
    assert_int_equal(xvios_msg_encode(&m, buf, sizeof(buf), &len), XVIOS_WIRE_OK);
    assert_int_equal(xvios_link_send(e->peer[2], buf, len, &d), 0);
    /* a receipt for a txid node 1 never issued */
    m.hdr.opcode = XVIOS_OP_RECEIPT;
    m.hdr.txid = xvios_txid_make(2, 5);
    m.sub.src_node = 2;
    assert_int_equal(xvios_msg_encode(&m, buf, sizeof(buf), &len), XVIOS_WIRE_OK);
    assert_int_equal(xvios_link_send(e->peer[2], buf, len, &d), 0);
    pump(e, 100);
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.malformed_in - st0.malformed_in, 3);
    assert_int_equal(st.delivered_up, st0.delivered_up);

    /* the local socket: garbage gets BAD_PACKET, the VKE keeps serving */
    assert_int_equal(send(e->daemon, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
    assert_true(recv_local(e, e->daemon, &r, 2000));
    assert_int_equal(r.hdr.opcode, XVIOS_OP_SEND_RESULT);
    assert_int_equal(r.hdr.status, XVIOS_ST_BAD_PACKET);
    /* a request claiming to be from another node */
    request(e, &m, 0, 0, 0);
    m.sub.src_node = 2;
    m.sub.n_targets = 1;
    m.targets[0] = 3;
    send_local(e, e->daemon, &m);
    assert_true(recv_local(e, e->daemon, &r, 2000));
    assert_int_equal(r.hdr.status, XVIOS_ST_BAD_PACKET);
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.local_malformed - st0.local_malformed, 2);
    /* and a good one still works */
    request(e, &m, 0, 1, 0);
    m.sub.n_targets = 1;
    m.targets[0] = 3;
    send_local(e, e->daemon, &m);
    assert_true(recv_local(e, e->daemon, &r, 2000));
    assert_int_equal(r.hdr.status, XVIOS_ST_OK);
}

/* The VKE_EVENTs (event, node) that reach the daemon within ms, in order; returns how many. */
static unsigned recv_events(struct env *e, uint32_t ev[][2], unsigned cap, int ms)
{
    struct timespec end = xvios_deadline_ms((uint64_t)ms);
    unsigned n = 0;

    while (!xvios_ts_passed(&end)) {
        struct xvios_msg m;
        ssize_t k = recv(e->daemon, e->buf, sizeof(e->buf), MSG_DONTWAIT);
        if (k > 0) {
            assert_int_equal(xvios_msg_decode(e->buf, (size_t)k, &m), XVIOS_WIRE_OK);
            if (m.hdr.opcode == XVIOS_OP_VKE_EVENT && n < cap) {
                ev[n][0] = m.sub.msg_type;
                ev[n][1] = m.sub.src_node;
                n++;
            }
            continue;
        }
        pump(e, 2);
    }
    return n;
}

/*
 * A node whose domain vanished leaves the node table (xenstored drops the
 * nodes a destroyed domain owned) at the moment its link dies: the VKE
 * reports it lost, then left. A node removed while its link works only left.
 */
static void vanished_node_is_lost_then_left(void **state)
{
    struct env *e = *state;
    struct xvios_vke_stats st0, st;
    uint32_t ev[8][2];
    uint32_t node;
    unsigned n;

    recv_events(e, ev, 8, 100); /* the links' NODE_JOINED from the setup */
    xvios_vke_get_stats(e->vke, &st0);
    /* node 3 dies and leaves the table before the VKE runs again */
    xvios_link_close(e->peer[3]);
    e->peer[3] = NULL;
    assert_int_equal(xvios_db_node_by_domid(e->f.dom0, DOM(3), &node), 0);
    assert_int_equal(xvios_db_node_remove(e->f.dom0, node), 0);
    n = recv_events(e, ev, 8, 300);
    assert_int_equal(n, 2);
    assert_int_equal(ev[0][0], XVIOS_EV_NODE_LOST);
    assert_int_equal(ev[0][1], 3);
    assert_int_equal(ev[1][0], XVIOS_EV_NODE_LEFT);
    assert_int_equal(ev[1][1], 3);
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.link_lost - st0.link_lost, 1);

    /* node 2 is removed cleanly: its link still works, it only left */
    assert_int_equal(xvios_db_node_remove(e->f.dom0, 2), 0);
    n = recv_events(e, ev, 8, 300);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0][0], XVIOS_EV_NODE_LEFT);
    assert_int_equal(ev[0][1], 2);
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.link_lost - st0.link_lost, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(too_small_copies_headers_back, setup, teardown),
        cmocka_unit_test_setup_teardown(receipts_duplicate_late_stray, setup, teardown),
        cmocka_unit_test_setup_teardown(receipt_of_another_epoch_is_late, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_before_completion, setup, teardown),
        cmocka_unit_test_setup_teardown(deadline_marks_silent_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(receive_path_generates_receipt, setup, teardown),
        cmocka_unit_test_setup_teardown(full_daemon_queue_says_so, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_input_is_dropped_and_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(vanished_node_is_lost_then_left, setup, teardown),
    };
    return cmocka_run_group_tests_name("vke_engine", tests, NULL, NULL);
}
