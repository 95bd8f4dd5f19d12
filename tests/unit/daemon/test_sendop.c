/* SPDX-License-Identifier: MIT */
/*
 * test_sendop.c - one caller's send through the daemon, with the VKE's
 * answers played by the test: the CLUSTER_SEND it builds, re-issue to the
 * nodes without a receipt, RC growth, response matching by (txid, node),
 * expiry, and the API_RESPONSE... API_RESULT sequence the caller sees.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/daemon/daemon_fixture.h"
#include "xvios/client.h"

static uint8_t vbuf[XVIOS_MAX_MSG], cbuf[XVIOS_MAX_MSG];

static void start(struct xviosd *d, struct caller *c, uint16_t flags, const uint32_t *t, unsigned n, uint64_t handle)
{
    struct op_request rq = { .kind = OP_CALLER_SEND, .caller_id = c->id, .handle = handle, .flags = flags,
                             .origin = XVIOS_ORIGIN_API, .msg_type = XVIOS_MT_ECHO, .targets = t, .n_targets = n,
                             .timeout_ms = 500, .payload = "hi", .len = 2 };
    assert_int_equal(viod_op_start(d, &rq), 0);
}

static void send_result(struct xviosd *d, uint64_t txid, int status, unsigned rc_needed,
                        const struct xvios_rc_entry *rc, unsigned n)
{
    static uint8_t rcb[XVIOS_MAX_NODES * 8];
    size_t rl = 0;
    struct xvios_msg m;
    memset(&m, 0, sizeof(m));
    assert_int_equal(xvios_rc_encode(rc, n, rcb, sizeof(rcb), &rl), XVIOS_WIRE_OK);
    m.hdr.opcode = XVIOS_OP_SEND_RESULT;
    m.hdr.txid = txid;
    m.hdr.status = status;
    m.hdr.payload_len = (uint32_t)rl;
    m.payload = rl ? rcb : NULL;
    m.sub.rc_needed = (uint16_t)rc_needed;
    viod_op_on_send_result(d, &m);
}

static void response(struct xviosd *d, uint64_t txid, uint32_t from, const char *payload)
{
    struct xvios_msg m;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_RESPONSE;
    m.hdr.txid = txid;
    m.hdr.payload_len = (uint32_t)strlen(payload);
    m.payload = (const uint8_t *)payload;
    m.sub.src_node = from;
    m.sub.msg_type = XVIOS_MT_ECHO;
    viod_op_on_response(d, &m);
}

static void test_receipts_reissue_and_final_result(void **state)
{
    struct xviosd *d = fixture_daemon_new(1);
    struct caller *c = fixture_caller(d, 7, 0);
    struct caller *watcher = fixture_caller(d, 8, XVIOS_API_EVENT_BIT(XVIOS_EV_DELIVERY_FAILED));
    uint32_t t[] = { 2, 3, 4 };
    struct xvios_msg m;
    uint64_t txid;
    (void)state;

    start(d, c, XVIOS_F_RECEIPT, t, 3, 55);
    assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_CLUSTER_SEND);
    assert_int_equal(xvios_txid_node(m.hdr.txid), 1);
    assert_int_equal(m.sub.originator, 7);                       /* sent on the caller's behalf */
    assert_int_equal(XVIOS_FLAGS_ORIGIN(m.hdr.flags), XVIOS_ORIGIN_API);
    assert_true(m.hdr.flags & XVIOS_F_RECEIPT);
    assert_int_equal(m.sub.rc_capacity, 3);
    assert_int_equal(m.sub.n_targets, 3);
    txid = m.hdr.txid;

    struct xvios_rc_entry r1[] = { { 2, XVIOS_RC_DELIVERED, 0 }, { 3, XVIOS_RC_TIMED_OUT, 0 }, { 4, XVIOS_RC_UNREACHABLE, 0 } };
    send_result(d, txid, XVIOS_ST_PARTIAL, 3, r1, 3);
    /* re-issued, same txid, directed to 3 and 4 only */
    assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.txid, txid);
    assert_int_equal(m.sub.n_targets, 2);
    assert_int_equal(m.targets[0], 3);
    assert_int_equal(m.targets[1], 4);
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), -1);       /* nothing reported yet */

    struct xvios_rc_entry r2[] = { { 3, XVIOS_RC_DELIVERED, 0 }, { 4, XVIOS_RC_UNREACHABLE, 0 } };
    send_result(d, txid, XVIOS_ST_PARTIAL, 2, r2, 2);
    assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);   /* second re-send (retries = 2) */
    assert_int_equal(m.sub.n_targets, 1);
    assert_int_equal(m.targets[0], 4);
    struct xvios_rc_entry r3[] = { { 4, XVIOS_RC_UNREACHABLE, 0 } };
    send_result(d, txid, XVIOS_ST_PARTIAL, 1, r3, 1);
    assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), -1);   /* retries used up */

    assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESULT);
    assert_int_equal(m.hdr.txid, 55);
    assert_int_equal(m.hdr.status, XVIOS_ST_PARTIAL);
    struct xvios_rc_entry fin[8];
    unsigned nf = 0;
    assert_int_equal(xvios_rc_decode(m.payload, m.hdr.payload_len, fin, 8, &nf), XVIOS_WIRE_OK);
    assert_int_equal(nf, 3);
    for (unsigned i = 0; i < nf; i++)
        assert_int_equal(fin[i].status, fin[i].node == 4 ? XVIOS_RC_UNREACHABLE : XVIOS_RC_DELIVERED);
    assert_int_equal(d->c.resends, 2);
    assert_int_equal(d->n_ops, 0);
    /* the failure is an event */
    assert_int_equal(fixture_pop(&watcher->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_EVENT);
    assert_int_equal(m.sub.msg_type, XVIOS_EV_DELIVERY_FAILED);
    assert_non_null(memmem(m.payload, m.hdr.payload_len, "failed=4\n", 9));
    fixture_daemon_free(d);
}

static void test_rc_too_small_resends_with_more_room(void **state)
{
    struct xviosd *d = fixture_daemon_new(1);
    struct caller *c = fixture_caller(d, 7, 0);
    struct xvios_msg m;
    uint64_t txid;
    (void)state;

    struct op_request rq = { .kind = OP_CALLER_SEND, .caller_id = 7, .handle = 3,
                             .flags = XVIOS_F_RECEIPT | XVIOS_F_BROADCAST, .origin = XVIOS_ORIGIN_CLI,
                             .msg_type = XVIOS_MT_ECHO };
    assert_int_equal(viod_op_start(d, &rq), 0);
    assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);
    assert_true(m.hdr.flags & XVIOS_F_BROADCAST);
    assert_int_equal(m.sub.rc_capacity, 1);   /* no DB here: the smallest guess */
    txid = m.hdr.txid;
    send_result(d, txid, XVIOS_ST_RC_TOO_SMALL, 4, NULL, 0);
    assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.txid, txid);
    assert_true(m.hdr.flags & XVIOS_F_BROADCAST);
    assert_int_equal(m.sub.rc_capacity, 4);
    struct xvios_rc_entry ok[] = { { 2, XVIOS_RC_DELIVERED, 0 }, { 3, XVIOS_RC_DELIVERED, 0 },
                                   { 4, XVIOS_RC_DELIVERED, 0 }, { 5, XVIOS_RC_DELIVERED, 0 } };
    send_result(d, txid, XVIOS_ST_OK, 4, ok, 4);
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESULT);
    assert_int_equal(m.hdr.status, XVIOS_ST_OK);
    assert_int_equal(m.hdr.payload_len, 32);
    assert_int_equal(d->c.rc_grows, 1);
    fixture_daemon_free(d);
}

static void test_responses_matched_then_result(void **state)
{
    struct xviosd *d = fixture_daemon_new(1);
    struct caller *c = fixture_caller(d, 7, 0);
    struct caller *other = fixture_caller(d, 9, 0);
    uint32_t t[] = { 2, 3 };
    struct xvios_msg m;
    uint64_t txid;
    (void)state;

    start(d, c, XVIOS_F_RESPONSE, t, 2, 99);
    assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);
    assert_false(m.hdr.flags & XVIOS_F_RECEIPT);   /* no receipts asked */
    assert_int_equal(m.sub.rc_capacity, XVIOS_MAX_NODES);
    txid = m.hdr.txid;
    assert_int_equal(d->rq.n, 2);
    /* a response may overtake the SEND_RESULT */
    response(d, txid, 3, "from three");
    struct xvios_rc_entry sent[] = { { 2, XVIOS_RC_SENT, 0 }, { 3, XVIOS_RC_SENT, 0 } };
    send_result(d, txid, XVIOS_ST_OK, 2, sent, 2);
    /* a stray from a node that was not asked, and an unknown txid: dropped */
    response(d, txid, 5, "stray");
    response(d, txid + 1, 2, "other txid");
    assert_int_equal(d->rq.st.unknown_node, 1);
    assert_int_equal(d->rq.st.unknown_txid, 1);
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESPONSE);
    assert_int_equal(m.sub.src_node, 3);
    assert_memory_equal(m.payload, "from three", 10);
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), -1);   /* still waiting for node 2 */
    response(d, txid, 2, "from two");
    response(d, txid, 2, "duplicate");                        /* after completion: unknown txid */
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.sub.src_node, 2);
    assert_int_equal(m.hdr.txid, 99);
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESULT);
    assert_int_equal(m.hdr.status, XVIOS_ST_OK);
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), -1);
    /* nothing went to the other caller */
    assert_int_equal(fixture_pop(&other->out, cbuf, &m), -1);
    assert_int_equal(d->n_ops, 0);
    fixture_daemon_free(d);
}

static void test_response_expiry_and_failed_node(void **state)
{
    struct xviosd *d = fixture_daemon_new(1);
    struct caller *c = fixture_caller(d, 7, 0);
    uint32_t t[] = { 2, 3 };
    struct xvios_msg m;
    uint64_t txid;
    struct timespec later;
    (void)state;

    start(d, c, XVIOS_F_RESPONSE, t, 2, 5);
    assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);
    txid = m.hdr.txid;
    struct xvios_rc_entry r[] = { { 2, XVIOS_RC_SENT, 0 }, { 3, XVIOS_RC_UNREACHABLE, 0 } };
    send_result(d, txid, XVIOS_ST_PARTIAL, 2, r, 2);
    /* node 3 cannot answer: reported at once, with its delivery failure */
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESPONSE);
    assert_int_equal(m.sub.src_node, 3);
    assert_int_equal(m.hdr.status, XVIOS_ST_UNREACHABLE);
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), -1);
    /* node 2 never answers: expiry after the deadline */
    later = xvios_deadline_ms(600);
    viod_op_tick(d, later);
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESPONSE);
    assert_int_equal(m.sub.src_node, 2);
    assert_int_equal(m.hdr.status, XVIOS_ST_TIMED_OUT);
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESULT);
    assert_int_equal(m.hdr.status, XVIOS_ST_PARTIAL);
    assert_int_equal(d->rq.st.expired, 1);
    fixture_daemon_free(d);
}

static void test_vke_lost_and_silent_vke(void **state)
{
    struct xviosd *d = fixture_daemon_new(1);
    struct caller *c = fixture_caller(d, 7, 0);
    uint32_t t[] = { 2 };
    struct xvios_msg m;
    (void)state;

    start(d, c, XVIOS_F_RECEIPT | XVIOS_F_RESPONSE, t, 1, 1);
    viod_op_vke_lost(d);
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESPONSE);
    assert_int_equal(m.hdr.status, XVIOS_ST_UNREACHABLE);
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESULT);
    assert_int_equal(m.hdr.status, XVIOS_ST_UNREACHABLE);

    /* a VKE that never answers: the send ends at its own deadline */
    xvios_pktq_dispose(&d->vke_out);
    start(d, c, XVIOS_F_RECEIPT, t, 1, 2);
    viod_op_tick(d, xvios_deadline_ms(500 + XVD_RESULT_SLACK_MS + 100));
    assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESULT);
    assert_int_equal(m.hdr.txid, 2);
    assert_int_equal(m.hdr.status, XVIOS_ST_TIMED_OUT);
    assert_int_equal(d->n_ops, 0);

    /* no VKE at all: refused up front */
    d->vke_state = VKE_DOWN;
    struct op_request rq = { .kind = OP_CALLER_SEND, .caller_id = 7, .handle = 3, .flags = XVIOS_F_BROADCAST,
                             .origin = XVIOS_ORIGIN_CLI, .msg_type = XVIOS_MT_ECHO };
    assert_int_equal(viod_op_start(d, &rq), -ENOTCONN);
    fixture_daemon_free(d);
}

/* NODES_ALL to n nodes answering with block_len-byte blocks, asked by a caller (query) or by a peer
 * (remote). A caller gets one API_RESPONSE per node (its src_node = the node, the payload = that node's
 * block alone) then API_RESULT: into blocks[], *n_blocks set. A peer gets one merged CLUSTER_RESPONSE:
 * into merged. */
static size_t nodes_all(bool remote, uint32_t n, size_t block_len, char *merged, size_t cap, unsigned *n_blocks)
{
    struct xviosd *d = fixture_daemon_new(1);
    struct caller *c = fixture_caller(d, 7, 0);
    static uint32_t t[XVIOS_MAX_NODES];
    static struct xvios_rc_entry rc[XVIOS_MAX_NODES];
    static char block[2048];
    struct xvios_msg m;
    size_t len = 0;

    assert_true(n < XVIOS_MAX_NODES && block_len < sizeof(block));
    viod_respq_dispose(&d->rq);   /* the daemon's own response queue size: room for a full cluster */
    assert_int_equal(viod_respq_init(&d->rq, XVD_RESPQ_CAP), 0);
    for (uint32_t i = 0; i < n; i++) {
        t[i] = i + 2;
        rc[i] = (struct xvios_rc_entry){ t[i], XVIOS_RC_SENT, 0 };
    }
    struct op_request rq = { .kind = remote ? OP_NODES_ALL_REMOTE : OP_NODES_ALL_QUERY,
                             .caller_id = remote ? 0 : c->id, .handle = 4, .req_node = 9, .req_txid = 77,
                             .flags = XVIOS_F_RESPONSE, .origin = XVIOS_ORIGIN_API,
                             .msg_type = XVIOS_MT_NODE_INFO, .targets = t, .n_targets = n, .timeout_ms = 500 };
    assert_int_equal(viod_op_start(d, &rq), 0);
    assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);
    send_result(d, m.hdr.txid, XVIOS_ST_OK, n, rc, n);
    for (uint32_t i = 0; i < n; i++) {
        int k = snprintf(block, sizeof(block), "node=%u\npad=", t[i]);
        memset(block + k, 'x', block_len - (size_t)k - 1);
        block[block_len - 1] = '\n';
        block[block_len] = 0;
        response(d, m.hdr.txid, t[i], block);
    }
    *n_blocks = 0;
    if (remote) {
        assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);
        assert_int_equal(m.hdr.opcode, XVIOS_OP_CLUSTER_RESPONSE);
        assert_int_equal(m.hdr.txid, 77);
        assert_int_equal(m.sub.n_targets, 1);
        assert_int_equal(m.targets[0], 9);
        len = m.hdr.payload_len;
        assert_true(len <= XVD_MERGED_MAX && len < cap);
        memcpy(merged, m.payload, len);
        merged[len] = 0;
        assert_int_equal(fixture_pop(&c->out, cbuf, &m), -1);   /* no caller involved */
    } else {
        /* this node's own block first, then one per node in the order they answered */
        for (uint32_t i = 0; i <= n; i++) {
            char want[32];
            assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
            assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESPONSE);
            assert_int_equal(m.hdr.txid, 4);
            assert_int_equal(m.sub.msg_type, XVIOS_MT_NODES_ALL);
            assert_int_equal(m.sub.src_node, i == 0 ? 1 : t[i - 1]);
            snprintf(want, sizeof(want), "node=%u\n", i == 0 ? 1 : t[i - 1]);
            assert_true(m.hdr.payload_len > strlen(want));
            assert_memory_equal(m.payload, want, strlen(want));
            if (i > 0)
                assert_int_equal(m.hdr.payload_len, block_len);
            (*n_blocks)++;
        }
        assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
        assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESULT);
        assert_int_equal(m.hdr.status, XVIOS_ST_OK);
    }
    assert_int_equal(d->n_ops, 0);
    fixture_daemon_free(d);
    return len;
}

static unsigned count(const char *s, const char *what)
{
    unsigned n = 0;
    for (const char *p = s; (p = strstr(p, what)); p++)
        n++;
    return n;
}

/* A caller's answer has no size limit: 255 peers with 1200-byte blocks (~300 KiB) all arrive. */
static void test_nodes_all_one_response_per_node(void **state)
{
    unsigned blocks = 0;
    (void)state;

    nodes_all(false, 3, 200, NULL, 0, &blocks);
    assert_int_equal(blocks, 4);
    nodes_all(false, XVIOS_MAX_NODES - 1, 1200, NULL, 0, &blocks);
    assert_int_equal(blocks, XVIOS_MAX_NODES);
}

/* A peer's answer is one packet: what fits, then "truncated=<the rest>" last. */
static void test_nodes_all_remote_merged_and_truncated(void **state)
{
    static char merged[XVIOS_MAX_PAYLOAD + 1];
    size_t len;
    const char *last;
    unsigned blocks, truncated, unused;
    (void)state;

    /* everything fits: this node and 64 others, no truncated block */
    len = nodes_all(true, 64, 200, merged, sizeof(merged), &unused);
    assert_int_equal(count(merged, "node="), 65);
    assert_int_equal(count(merged, "truncated="), 0);
    assert_true(len >= 2 && merged[len - 1] == '\n' && merged[len - 2] == '\n');

    /* 64 blocks of 1200 bytes cannot all fit: the ones that do, then "truncated=<the rest>" last */
    len = nodes_all(true, 64, 1200, merged, sizeof(merged), &unused);
    assert_true(len <= XVD_MERGED_MAX);
    blocks = count(merged, "node=");
    assert_true(blocks > 1 && blocks < 65);
    last = strstr(merged, "\n\ntruncated=");
    assert_non_null(last);
    last += 2;
    assert_int_equal(sscanf(last, "truncated=%u", &truncated), 1);
    assert_int_equal(blocks + truncated, 65);
    assert_true(last + strlen(last) == merged + len);   /* it is the last block */
    assert_string_equal(strchr(last, '\n'), "\n\n");
    assert_int_equal(count(merged, "truncated="), 1);
}

/* A peer may only describe itself: a block naming another node is replaced by a failure block. */
static void test_nodes_all_block_must_name_its_sender(void **state)
{
    static uint8_t vbuf[XVIOS_MAX_MSG], cbuf[XVIOS_MAX_MSG];
    static char merged[XVIOS_MAX_PAYLOAD + 1];
    struct xviosd *d = fixture_daemon_new(1);
    struct caller *c = fixture_caller(d, 7, 0);
    uint32_t t[2] = { 2, 3 };
    struct xvios_rc_entry rc[2] = { { 2, XVIOS_RC_SENT, 0 }, { 3, XVIOS_RC_SENT, 0 } };
    struct xvios_msg m;
    (void)state;

    struct op_request rq = { .kind = OP_NODES_ALL_QUERY, .caller_id = c->id, .handle = 4,
                             .flags = XVIOS_F_RESPONSE, .origin = XVIOS_ORIGIN_API,
                             .msg_type = XVIOS_MT_NODE_INFO, .targets = t, .n_targets = 2, .timeout_ms = 500 };
    assert_int_equal(viod_op_start(d, &rq), 0);
    assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);
    send_result(d, m.hdr.txid, XVIOS_ST_OK, 2, rc, 2);
    response(d, m.hdr.txid, 2, "node=2\nname=honest\n");
    response(d, m.hdr.txid, 3, "node=2\nname=impostor\n");
    merged[0] = 0;
    while (fixture_pop(&c->out, cbuf, &m) == XVIOS_WIRE_OK && m.hdr.opcode == XVIOS_OP_API_RESPONSE) {
        assert_true(strlen(merged) + m.hdr.payload_len < sizeof(merged));
        strncat(merged, (const char *)m.payload, m.hdr.payload_len);
    }
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESULT);
    assert_non_null(strstr(merged, "node=2\nname=honest\n"));
    assert_null(strstr(merged, "impostor"));
    assert_non_null(strstr(merged, "node=3\nstatus=bad-answer\n"));
    assert_int_equal(count(merged, "node=2\n"), 1);
    fixture_daemon_free(d);
}

/* STORAGE_ALL is the same fan-out with STORAGE_INFO: the peers are asked STORAGE_INFO, this node's own block
 * is its storage report, and the answers carry STORAGE_ALL, to a caller and to a peer. */
static void test_storage_all_fans_out_storage_info(void **state)
{
    static uint8_t vbuf[XVIOS_MAX_MSG], cbuf[XVIOS_MAX_MSG];
    uint32_t t[1] = { 2 };
    struct xvios_rc_entry rc[1] = { { 2, XVIOS_RC_SENT, 0 } };
    struct xvios_msg m;
    (void)state;

    for (int remote = 0; remote < 2; remote++) {
        struct xviosd *d = fixture_daemon_new(1);
        struct caller *c = fixture_caller(d, 7, 0);
        struct op_request rq = { .kind = remote ? OP_NODES_ALL_REMOTE : OP_NODES_ALL_QUERY,
                                 .caller_id = remote ? 0 : c->id, .handle = 4, .req_node = 9, .req_txid = 77,
                                 .flags = XVIOS_F_RESPONSE, .origin = XVIOS_ORIGIN_API,
                                 .msg_type = XVIOS_MT_STORAGE_INFO, .targets = t, .n_targets = 1, .timeout_ms = 500 };
        assert_int_equal(viod_op_start(d, &rq), 0);
        assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);
        assert_int_equal(m.hdr.opcode, XVIOS_OP_CLUSTER_SEND);
        assert_int_equal(m.sub.msg_type, XVIOS_MT_STORAGE_INFO);
        send_result(d, m.hdr.txid, XVIOS_ST_OK, 1, rc, 1);
        response(d, m.hdr.txid, 2, "node=2\nvios=vios-2\nbacking=absent 0 engine x /dev/sdb\n");
        if (remote) {
            assert_int_equal(fixture_pop(&d->vke_out, vbuf, &m), XVIOS_WIRE_OK);
            assert_int_equal(m.hdr.opcode, XVIOS_OP_CLUSTER_RESPONSE);
            assert_int_equal(m.sub.msg_type, XVIOS_MT_STORAGE_ALL);
            assert_int_equal(m.hdr.payload_len, strlen("node=1\nvios=vios-test\n\nnode=2\nvios=vios-2\n"
                                                       "backing=absent 0 engine x /dev/sdb\n\n"));
            static const char head[] = "node=1\nvios=vios-test\n\nnode=2\n";   /* own block first, a blank line */
            assert_memory_equal(m.payload, head, strlen(head));
        } else {
            assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
            assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESPONSE);
            assert_int_equal(m.sub.msg_type, XVIOS_MT_STORAGE_ALL);
            assert_int_equal(m.sub.src_node, 1);
            assert_int_equal(m.hdr.payload_len, strlen("node=1\nvios=vios-test\n"));
            assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
            assert_int_equal(m.sub.msg_type, XVIOS_MT_STORAGE_ALL);
            assert_int_equal(m.sub.src_node, 2);
            assert_int_equal(fixture_pop(&c->out, cbuf, &m), XVIOS_WIRE_OK);
            assert_int_equal(m.hdr.opcode, XVIOS_OP_API_RESULT);
            assert_int_equal(m.hdr.status, XVIOS_ST_OK);
        }
        assert_int_equal(d->n_ops, 0);
        fixture_daemon_free(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_receipts_reissue_and_final_result),
        cmocka_unit_test(test_rc_too_small_resends_with_more_room),
        cmocka_unit_test(test_responses_matched_then_result),
        cmocka_unit_test(test_response_expiry_and_failed_node),
        cmocka_unit_test(test_vke_lost_and_silent_vke),
        cmocka_unit_test(test_nodes_all_one_response_per_node),
        cmocka_unit_test(test_nodes_all_remote_merged_and_truncated),
        cmocka_unit_test(test_nodes_all_block_must_name_its_sender),
        cmocka_unit_test(test_storage_all_fans_out_storage_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
