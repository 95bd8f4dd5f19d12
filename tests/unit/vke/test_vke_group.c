/* SPDX-License-Identifier: MIT */
/*
 * test_vke_group.c - a VKE broadcast's copies for links with a group send (vke_group.c). Node 1's VKE on
 * a loopback cluster of four nodes: node 2 is a real loopback peer, nodes 3 and 4 ("another host") get
 * their links from a diverted fake table that has a group send and records what it is given. Checks:
 * the copies for 3 and 4 go as ONE group send (the packet once, dst_node 0) while 2 gets its own copy;
 * the receipts complete the send as usual; a refused group send falls back to one copy per link
 * (counted); on the receive side a broadcast with dst_node 0 from a peer is taken and receipted, a
 * directed send with dst_node 0 is dropped.
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
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xen/plat/plat_ops.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/log.h"
#include "xvios/loopback.h"
#include "xvios/vke.h"
#include "xvios/wire.h"

#define DOM(n) (10u + (n))

/* ---------------------------------------------------------------- the fake table: nodes 3 and 4 */
struct flink {
    uint32_t peer;
    int efd;
    unsigned sent;                    /* datagrams through link_send */
    uint8_t last[XVIOS_MAX_MSG];      /* the last one */
    size_t last_len;
    uint8_t in[XVIOS_MAX_MSG];        /* one datagram waiting for link_recv */
    size_t in_len;
};
struct fake {
    struct flink *links[8];
    unsigned groups, group_n;
    uint32_t group_nodes[8];
    uint8_t group_buf[XVIOS_MAX_MSG];
    size_t group_len;
    int group_rc;
};
static struct fake g_fake;

static int f_open(void *impl, const struct xvios_link_peer *peer, void **li)
{
    struct fake *f = impl;
    if (peer->peer_node < 3)
        return -ENXIO;
    struct flink *l = calloc(1, sizeof *l);
    if (!l)
        return -ENOMEM;
    l->peer = peer->peer_node;
    l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    f->links[l->peer] = l;
    *li = l;
    return 0;
}
static void f_close(void *li)
{
    struct flink *l = li;
    if (g_fake.links[l->peer] == l)
        g_fake.links[l->peer] = NULL;
    close(l->efd);
    free(l);
}
static int f_fd(const void *li) { return ((const struct flink *)li)->efd; }
static enum xvios_link_state f_state(const void *li) { (void)li; return XVIOS_LINK_UP; }
static enum xvios_link_state f_progress(void *li)
{
    struct flink *l = li;
    uint64_t v;
    if (!l->in_len) {       /* nothing waits: the fd goes quiet (EAGAIN when it was already) */
        ssize_t r = read(l->efd, &v, sizeof v);
        (void)r;
    }
    return XVIOS_LINK_UP;
}
static int f_send(void *li, const void *buf, size_t len, const struct timespec *d)
{
    struct flink *l = li;
    (void)d;
    assert_true(len <= sizeof l->last);
    memcpy(l->last, buf, len);
    l->last_len = len;
    l->sent++;
    return 0;
}
static int f_recv(void *li, void *buf, size_t cap, size_t *len)
{
    struct flink *l = li;
    if (!l->in_len)
        return -EAGAIN;
    assert_true(l->in_len <= cap);
    memcpy(buf, l->in, l->in_len);
    *len = l->in_len;
    l->in_len = 0;
    return 0;
}
static int f_group(void *const *lis, unsigned n, const void *buf, size_t len, const struct timespec *d)
{
    (void)d;
    if (g_fake.group_rc)
        return g_fake.group_rc;
    g_fake.groups++;
    g_fake.group_n = n;
    for (unsigned i = 0; i < n && i < 8; i++)
        g_fake.group_nodes[i] = ((struct flink *)lis[i])->peer;
    memcpy(g_fake.group_buf, buf, len);
    g_fake.group_len = len;
    return 0;
}
static const struct xvios_plat_ops fake_ops = {
    .name = "fake-host", .link_open = f_open, .link_close = f_close, .link_fd = f_fd, .link_progress = f_progress,
    .link_state = f_state, .link_send = f_send, .link_recv = f_recv, .link_group_send = f_group,
};

/* ---------------------------------------------------------------- the cluster */
struct env {
    struct loop_fixture f;
    xvios_plat *plat1, *plat2;
    xvios_link *peer2;           /* node 2 -> node 1 */
    struct xvios_vke *vke;
    int daemon;
    char rundir[80];
    uint8_t buf[XVIOS_MAX_MSG];
    uint32_t seq;
};

static void pump(struct env *e, int ms)
{
    struct timespec end = xvios_deadline_ms((uint64_t)ms);
    do {
        xvios_vke_run_once(e->vke, 5);
        xvios_link_progress(e->peer2);
    } while (!xvios_ts_passed(&end));
}

static void send_local(struct env *e, const struct xvios_msg *m)
{
    size_t len = 0;
    assert_int_equal(xvios_msg_encode(m, e->buf, sizeof(e->buf), &len), XVIOS_WIRE_OK);
    assert_int_equal(send(e->daemon, e->buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static bool recv_local(struct env *e, struct xvios_msg *m, int ms)
{
    struct timespec end = xvios_deadline_ms((uint64_t)ms);
    while (!xvios_ts_passed(&end)) {
        ssize_t n = recv(e->daemon, e->buf, sizeof(e->buf), MSG_DONTWAIT);
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

static bool recv_peer2(struct env *e, struct xvios_msg *m, uint8_t *buf, int ms)
{
    struct timespec end = xvios_deadline_ms((uint64_t)ms);
    while (!xvios_ts_passed(&end)) {
        size_t len = 0;
        if (xvios_link_recv(e->peer2, buf, XVIOS_LINK_MAX_DGRAM, &len) == 0) {
            assert_int_equal(xvios_msg_decode(buf, len, m), XVIOS_WIRE_OK);
            return true;
        }
        pump(e, 2);
    }
    return false;
}

/* A datagram from fake node n to node 1: waits in its link until the VKE reads it. */
static void fake_inject(struct env *e, uint32_t n, const struct xvios_msg *m)
{
    struct flink *l = g_fake.links[n];
    uint64_t one = 1;
    assert_non_null(l);
    assert_int_equal(xvios_msg_encode(m, l->in, sizeof l->in, &l->in_len), XVIOS_WIRE_OK);
    assert_int_equal(write(l->efd, &one, sizeof one), (ssize_t)sizeof one);
    pump(e, 20);
}

static void receipt_from(struct xvios_msg *rc, uint32_t n, uint64_t txid)
{
    memset(rc, 0, sizeof(*rc));
    rc->hdr.opcode = XVIOS_OP_RECEIPT;
    rc->hdr.txid = txid;
    rc->sub.src_node = n;
    rc->sub.dst_node = 1;
}

static void request(struct env *e, struct xvios_msg *m, uint16_t flags, uint16_t cap)
{
    memset(m, 0, sizeof(*m));
    m->hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m->hdr.flags = flags;
    m->hdr.txid = xvios_txid_make(1, ++e->seq);
    m->sub.src_node = 1;
    m->sub.msg_type = 0x1234;
    m->sub.rc_capacity = cap;
    m->sub.timeout_ms = 2000;
    m->payload = (const uint8_t *)"group";
    m->hdr.payload_len = 5;
}

static int setup(void **state)
{
    struct xvios_db_config cfg = { .name = "group", .max_nodes = 8, .timeout_ms = 1000, .retries = 1 };
    struct env *e = calloc(1, sizeof(*e));
    struct xvios_vke_config vc = { 0 };
    struct xvios_link_peer lp = { .self_node = 2, .peer_node = 1, .self_domid = DOM(2), .peer_domid = DOM(1) };
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct xvios_msg m, r;
    uint32_t node;

    assert_non_null(e);
    memset(&g_fake, 0, sizeof g_fake);
    xvios_log_set_level(XVIOS_LOG_ERR);
    assert_int_equal(loop_fixture_setup(&e->f), 0);
    assert_int_equal(xvios_db_cluster_create(e->f.dom0, &cfg), 0);
    for (uint32_t n = 1; n <= 4; n++) {
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
    xvios_plat_link_divert(e->plat1, &fake_ops, &g_fake);   /* nodes 3, 4: "another host" */
    snprintf(e->rundir, sizeof(e->rundir), "%s/nodes/1", e->f.root);
    vc.plat = e->plat1;
    vc.rundir = e->rundir;
    assert_int_equal(xvios_vke_create(&vc, &e->vke), 0);
    e->plat2 = loop_fixture_open(e->f.root, DOM(2));
    assert_non_null(e->plat2);
    assert_int_equal(xvios_link_open(e->plat2, &lp, &e->peer2), 0);
    for (int k = 0; k < 400 && xvios_link_state(e->peer2) != XVIOS_LINK_UP; k++)
        pump(e, 5);
    assert_int_equal(xvios_link_state(e->peer2), XVIOS_LINK_UP);
    pump(e, 50);
    assert_non_null(g_fake.links[3]);
    assert_non_null(g_fake.links[4]);

    e->daemon = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    assert_true(e->daemon >= 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vke.sock", e->rundir);
    assert_int_equal(connect(e->daemon, (struct sockaddr *)&sa, sizeof(sa)), 0);
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_HELLO;
    send_local(e, &m);
    assert_true(recv_local(e, &r, 2000));
    assert_int_equal(r.hdr.opcode, XVIOS_OP_VKE_HELLO);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    close(e->daemon);
    xvios_link_close(e->peer2);
    xvios_plat_close(e->plat2);
    xvios_vke_destroy(e->vke);
    xvios_plat_link_divert(e->plat1, NULL, NULL);
    xvios_plat_close(e->plat1);
    loop_fixture_teardown(&e->f);
    free(e);
    return 0;
}

/* ---------------------------------------------------------------- tests */
static void broadcast_is_one_group_send(void **state)
{
    struct env *e = *state;
    struct xvios_msg m, r, p, g, rc;
    struct xvios_rc_entry ent[4];
    struct xvios_vke_stats st;
    uint8_t b[XVIOS_LINK_MAX_DGRAM];
    unsigned n = 0;

    request(e, &m, XVIOS_F_BROADCAST | XVIOS_F_RECEIPT, 3);
    send_local(e, &m);
    assert_true(recv_peer2(e, &p, b, 2000));            /* node 2: its own copy, addressed to it */
    assert_int_equal(p.sub.dst_node, 2);
    assert_int_equal(g_fake.groups, 1);                 /* nodes 3 and 4: one group send */
    assert_int_equal(g_fake.group_n, 2);
    assert_int_equal(g_fake.group_nodes[0] + g_fake.group_nodes[1], 7);
    assert_int_equal(g_fake.links[3]->sent + g_fake.links[4]->sent, 0);
    assert_int_equal(xvios_msg_decode(g_fake.group_buf, g_fake.group_len, &g), XVIOS_WIRE_OK);
    assert_int_equal(g.hdr.opcode, XVIOS_OP_CLUSTER_SEND);
    assert_true(g.hdr.txid == m.hdr.txid);
    assert_true(g.hdr.flags & XVIOS_F_BROADCAST);
    assert_int_equal(g.sub.dst_node, 0);
    assert_int_equal(g.sub.src_node, 1);
    assert_int_equal(g.hdr.payload_len, 5);
    assert_memory_equal(g.payload, "group", 5);
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.group_sends, 1);
    assert_int_equal(st.group_copies, 2);
    assert_int_equal(st.group_fallback, 0);

    /* receipts come back point to point and complete the send */
    receipt_from(&rc, 2, m.hdr.txid);
    {
        size_t len = 0;
        struct timespec d = xvios_deadline_ms(1000);
        assert_int_equal(xvios_msg_encode(&rc, b, sizeof b, &len), XVIOS_WIRE_OK);
        assert_int_equal(xvios_link_send(e->peer2, b, len, &d), 0);
    }
    receipt_from(&rc, 3, m.hdr.txid);
    fake_inject(e, 3, &rc);
    receipt_from(&rc, 4, m.hdr.txid);
    fake_inject(e, 4, &rc);
    assert_true(recv_local(e, &r, 2000));
    assert_int_equal(r.hdr.opcode, XVIOS_OP_SEND_RESULT);
    assert_int_equal(r.hdr.status, XVIOS_ST_OK);
    assert_int_equal(xvios_rc_decode(r.payload, r.hdr.payload_len, ent, 4, &n), XVIOS_WIRE_OK);
    assert_int_equal(n, 3);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(ent[i].status, XVIOS_RC_DELIVERED);
}

static void refused_group_send_falls_back(void **state)
{
    struct env *e = *state;
    struct xvios_msg m, r, p, c3, c4;
    struct xvios_vke_stats st;
    uint8_t b[XVIOS_LINK_MAX_DGRAM];

    g_fake.group_rc = -ENOBUFS;          /* e.g. the CPG queue is full */
    request(e, &m, XVIOS_F_BROADCAST, 0);
    send_local(e, &m);
    assert_true(recv_local(e, &r, 2000));
    assert_int_equal(r.hdr.opcode, XVIOS_OP_SEND_RESULT);
    assert_int_equal(r.hdr.status, XVIOS_ST_OK);
    assert_true(recv_peer2(e, &p, b, 2000));
    assert_int_equal(g_fake.groups, 0);
    assert_int_equal(g_fake.links[3]->sent, 1);   /* one copy per link, each addressed */
    assert_int_equal(g_fake.links[4]->sent, 1);
    assert_int_equal(xvios_msg_decode(g_fake.links[3]->last, g_fake.links[3]->last_len, &c3), XVIOS_WIRE_OK);
    assert_int_equal(xvios_msg_decode(g_fake.links[4]->last, g_fake.links[4]->last_len, &c4), XVIOS_WIRE_OK);
    assert_int_equal(c3.sub.dst_node, 3);
    assert_int_equal(c4.sub.dst_node, 4);
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.group_sends, 0);
    assert_int_equal(st.group_fallback, 1);

    /* a directed send never goes as a group send, even to two group-capable peers */
    g_fake.group_rc = 0;
    request(e, &m, 0, 0);
    m.sub.n_targets = 2;
    m.targets[0] = 3;
    m.targets[1] = 4;
    send_local(e, &m);
    assert_true(recv_local(e, &r, 2000));
    assert_int_equal(r.hdr.status, XVIOS_ST_OK);
    assert_int_equal(g_fake.groups, 0);
    assert_int_equal(g_fake.links[3]->sent, 2);
    assert_int_equal(g_fake.links[4]->sent, 2);
}

static void group_datagram_is_taken(void **state)
{
    struct env *e = *state;
    struct xvios_msg in, up, rc;
    struct xvios_vke_stats st0, st;

    xvios_vke_get_stats(e->vke, &st0);
    /* a broadcast from node 3 sent once for several nodes: dst_node 0 */
    memset(&in, 0, sizeof in);
    in.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    in.hdr.flags = XVIOS_F_BROADCAST | XVIOS_F_RECEIPT;
    in.hdr.txid = xvios_txid_make(3, 77);
    in.sub.src_node = 3;
    in.sub.dst_node = 0;
    in.sub.msg_type = 0x1234;
    fake_inject(e, 3, &in);
    assert_true(recv_local(e, &up, 2000));
    assert_int_equal(up.hdr.opcode, XVIOS_OP_CLUSTER_SEND);
    assert_int_equal(up.sub.src_node, 3);
    assert_int_equal(g_fake.links[3]->sent, 1);          /* its receipt, point to point */
    assert_int_equal(xvios_msg_decode(g_fake.links[3]->last, g_fake.links[3]->last_len, &rc), XVIOS_WIRE_OK);
    assert_int_equal(rc.hdr.opcode, XVIOS_OP_RECEIPT);
    assert_true(rc.hdr.txid == in.hdr.txid);
    assert_int_equal(rc.sub.dst_node, 3);

    /* a directed send with dst_node 0 is still not addressed here */
    in.hdr.flags = XVIOS_F_RECEIPT;
    in.hdr.txid = xvios_txid_make(3, 78);
    in.sub.n_targets = 1;
    in.targets[0] = 1;
    fake_inject(e, 3, &in);
    pump(e, 50);
    xvios_vke_get_stats(e->vke, &st);
    assert_int_equal(st.malformed_in - st0.malformed_in, 1);
    assert_int_equal(g_fake.links[3]->sent, 1);          /* no receipt for it */
    assert_false(recv_local(e, &up, 100));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(broadcast_is_one_group_send, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_group_send_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(group_datagram_is_taken, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
