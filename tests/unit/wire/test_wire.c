/* SPDX-License-Identifier: MIT */
/*
 * test_wire.c - the packet codec (xen/wire.c): fixed byte-level vectors,
 * round trips of every opcode, flag and origin, one test per decoder error
 * (each built by corrupting valid encoded bytes), the documented check
 * order, truncation at every length, and the RC array codec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xvios/wire.h"

#define HOFF(f) offsetof(struct xvios_hdr, f)
#define SOFF(f) (XVIOS_HDR_LEN + offsetof(struct xvios_sub, f))
#define FIXED   (XVIOS_HDR_LEN + XVIOS_SUB_LEN)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Vector 1: a directed CLUSTER_SEND from node 2, asking for receipts and a
 * response, originated by the CLI, to nodes 3 and 5, payload "ping".
 * docs/protocol.md shows the same bytes.
 */
static const uint8_t vec_send[] = {
    /* header */
    0x56, 0x49, 0x4f, 0x44,                         /* magic "VIOD" */
    0x06, 0x00,                                     /* version 6 */
    0x20, 0x00,                                     /* hdr_len 32 */
    0x00, 0x01,                                     /* opcode 0x0100 CLUSTER_SEND */
    0x03, 0x01,                                     /* flags RECEIPT|RESPONSE, origin CLI */
    0x00, 0x00, 0x00, 0x00,                         /* status OK */
    0x07, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* txid node 2, seq 7 */
    0x04, 0x00, 0x00, 0x00,                         /* payload_len 4 */
    0x28, 0x00, 0x00, 0x00,                         /* sub_len 40 */
    /* sub-header */
    0x01, 0x00, 0x00, 0x00,                         /* msg_type ECHO */
    0x02, 0x00, 0x00, 0x00,                         /* src_node 2 */
    0x11, 0x00, 0x00, 0x00,                         /* originator 0x11 */
    0x02, 0x00,                                     /* n_targets 2 */
    0x04, 0x00,                                     /* rc_capacity 4 */
    0x00, 0x00,                                     /* rc_needed 0 */
    0x00, 0x00,                                     /* reserved0 */
    0xdc, 0x05, 0x00, 0x00,                         /* timeout_ms 1500 */
    0x00, 0x00, 0x00, 0x00,                         /* dst_node 0 */
    0x03, 0x00, 0x00, 0x00,                         /* epoch 3 */
    /* targets */
    0x03, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
    /* payload */
    'p', 'i', 'n', 'g',
};

/* Vector 2: the SEND_RESULT for vector 1: PARTIAL, node 3 delivered, node 5 timed out. */
static const uint8_t vec_result[] = {
    0x56, 0x49, 0x4f, 0x44, 0x06, 0x00, 0x20, 0x00,
    0x00, 0x03,                                     /* opcode 0x0300 SEND_RESULT */
    0x03, 0x01,                                     /* flags as sent */
    0x05, 0x00, 0x00, 0x00,                         /* status PARTIAL */
    0x07, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* txid */
    0x10, 0x00, 0x00, 0x00,                         /* payload_len 16 */
    0x20, 0x00, 0x00, 0x00,                         /* sub_len 32 */
    0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00,
    0x00, 0x00,                                     /* n_targets 0 */
    0x04, 0x00,                                     /* rc_capacity 4 */
    0x02, 0x00,                                     /* rc_needed 2 */
    0x00, 0x00,
    0xdc, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x00,                         /* epoch 3, copied back */
    /* RC array */
    0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* node 3 DELIVERED */
    0x05, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* node 5 TIMED_OUT */
};

static const unsigned all_opcodes[] = {
    XVIOS_OP_CLUSTER_SEND, XVIOS_OP_CLUSTER_RESPONSE, XVIOS_OP_RECEIPT,
    XVIOS_OP_VKE_HELLO, XVIOS_OP_VKE_STATS, XVIOS_OP_VKE_ACK,
    XVIOS_OP_SEND_RESULT, XVIOS_OP_VKE_EVENT,
    XVIOS_OP_API_HELLO, XVIOS_OP_API_SEND, XVIOS_OP_API_SUBSCRIBE, XVIOS_OP_API_QUERY, XVIOS_OP_API_VIO,
    XVIOS_OP_API_AGENT, XVIOS_OP_API_AGENT_ANSWER,
    XVIOS_OP_API_RESULT, XVIOS_OP_API_RESPONSE, XVIOS_OP_API_EVENT, XVIOS_OP_API_AGENT_REQ,
};

static uint8_t big_buf[XVIOS_MAX_MSG + 64];
static uint8_t big_buf2[XVIOS_MAX_MSG + 64];
static uint8_t big_payload[XVIOS_MAX_PAYLOAD + 8];

static bool is_rc_opcode(unsigned op) { return op == XVIOS_OP_SEND_RESULT || op == XVIOS_OP_API_RESULT; }

static void msg_vec_send(struct xvios_msg *m)
{
    memset(m, 0, sizeof(*m));
    m->hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m->hdr.flags = XVIOS_FLAGS_WITH_ORIGIN(XVIOS_F_RECEIPT | XVIOS_F_RESPONSE, XVIOS_ORIGIN_CLI);
    m->hdr.status = XVIOS_ST_OK;
    m->hdr.txid = xvios_txid_make(2, 7);
    m->hdr.payload_len = 4;
    m->sub.msg_type = XVIOS_MT_ECHO;
    m->sub.src_node = 2;
    m->sub.originator = 0x11;
    m->sub.n_targets = 2;
    m->sub.rc_capacity = 4;
    m->sub.timeout_ms = 1500;
    m->sub.epoch = 3;
    m->targets[0] = 3;
    m->targets[1] = 5;
    m->payload = (const uint8_t *)"ping";
}

static void assert_msg_equal(const struct xvios_msg *a, const struct xvios_msg *b)
{
    assert_int_equal(a->hdr.opcode, b->hdr.opcode);
    assert_int_equal(a->hdr.flags, b->hdr.flags);
    assert_int_equal(a->hdr.status, b->hdr.status);
    assert_true(a->hdr.txid == b->hdr.txid);
    assert_int_equal(a->hdr.payload_len, b->hdr.payload_len);
    assert_int_equal(a->sub.msg_type, b->sub.msg_type);
    assert_int_equal(a->sub.src_node, b->sub.src_node);
    assert_int_equal(a->sub.originator, b->sub.originator);
    assert_int_equal(a->sub.n_targets, b->sub.n_targets);
    assert_int_equal(a->sub.rc_capacity, b->sub.rc_capacity);
    assert_int_equal(a->sub.rc_needed, b->sub.rc_needed);
    assert_int_equal(a->sub.reserved0, b->sub.reserved0);
    assert_int_equal(a->sub.timeout_ms, b->sub.timeout_ms);
    assert_int_equal(a->sub.dst_node, b->sub.dst_node);
    assert_int_equal(a->sub.epoch, b->sub.epoch);
    for (unsigned i = 0; i < a->sub.n_targets; i++)
        assert_int_equal(a->targets[i], b->targets[i]);
    if (a->hdr.payload_len)
        assert_memory_equal(a->payload, b->payload, a->hdr.payload_len);
}

/* Decode len bytes from an exactly sized heap copy, so ASan sees any read past the end. */
static int decode_exact(const uint8_t *bytes, size_t len, struct xvios_msg *out)
{
    uint8_t *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    if (len)
        memcpy(copy, bytes, len);
    rc = xvios_msg_decode(copy, len, out);
    /* out->payload points into copy: do not keep it */
    out->payload = NULL;
    free(copy);
    return rc;
}

/* Encode m, decode it back, compare, and check that re-encoding gives the same bytes. */
static size_t roundtrip(const struct xvios_msg *m)
{
    struct xvios_msg d;
    size_t len = 0, len2 = 0;

    assert_int_equal(xvios_msg_encode(m, big_buf, sizeof(big_buf), &len), XVIOS_WIRE_OK);
    assert_int_equal(len, xvios_msg_size(m));
    assert_int_equal(xvios_msg_decode(big_buf, len, &d), XVIOS_WIRE_OK);
    assert_int_equal(d.hdr.magic, XVIOS_MAGIC);
    assert_int_equal(d.hdr.version, XVIOS_PROTO_CURRENT);
    assert_int_equal(d.hdr.hdr_len, XVIOS_HDR_LEN);
    assert_int_equal(d.hdr.sub_len, XVIOS_SUB_LEN + 4u * m->sub.n_targets);
    assert_msg_equal(m, &d);
    if (d.hdr.payload_len)
        assert_ptr_equal(d.payload, big_buf + FIXED + 4u * d.sub.n_targets);
    else
        assert_null(d.payload);
    assert_int_equal(xvios_msg_encode(&d, big_buf2, sizeof(big_buf2), &len2), XVIOS_WIRE_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(big_buf, big_buf2, len);
    return len;
}

/* Copy a vector into buf and decode it after a corruption applied by the caller. */
static int decode_buf(const uint8_t *buf, size_t len)
{
    struct xvios_msg d;
    return decode_exact(buf, len, &d);
}

/* ---------------------------------------------------------------- fixed vectors */
static void test_vector_send_encode(void **state)
{
    struct xvios_msg m;
    uint8_t buf[128];
    size_t len = 0;

    (void)state;
    msg_vec_send(&m);
    assert_int_equal(xvios_msg_size(&m), sizeof(vec_send));
    assert_int_equal(xvios_msg_encode(&m, buf, sizeof(buf), &len), XVIOS_WIRE_OK);
    assert_int_equal(len, sizeof(vec_send));
    assert_memory_equal(buf, vec_send, sizeof(vec_send));
}

static void test_vector_send_decode(void **state)
{
    struct xvios_msg d;

    (void)state;
    assert_int_equal(xvios_msg_decode(vec_send, sizeof(vec_send), &d), XVIOS_WIRE_OK);
    assert_int_equal(d.hdr.magic, 0x444f4956u);
    assert_int_equal(d.hdr.version, 6);
    assert_int_equal(d.hdr.hdr_len, 32);
    assert_int_equal(d.hdr.opcode, 0x0100);
    assert_int_equal(d.hdr.flags, 0x0103);
    assert_true(d.hdr.flags & XVIOS_F_RECEIPT);
    assert_true(d.hdr.flags & XVIOS_F_RESPONSE);
    assert_false(d.hdr.flags & XVIOS_F_BROADCAST);
    assert_int_equal(XVIOS_FLAGS_ORIGIN(d.hdr.flags), XVIOS_ORIGIN_CLI);
    assert_int_equal(d.hdr.status, 0);
    assert_true(d.hdr.txid == 0x0000000200000007ull);
    assert_int_equal(xvios_txid_node(d.hdr.txid), 2);
    assert_int_equal(d.hdr.payload_len, 4);
    assert_int_equal(d.hdr.sub_len, 40);
    assert_int_equal(d.sub.msg_type, 1);
    assert_int_equal(d.sub.src_node, 2);
    assert_int_equal(d.sub.originator, 0x11);
    assert_int_equal(d.sub.n_targets, 2);
    assert_int_equal(d.sub.rc_capacity, 4);
    assert_int_equal(d.sub.rc_needed, 0);
    assert_int_equal(d.sub.reserved0, 0);
    assert_int_equal(d.sub.timeout_ms, 1500);
    assert_int_equal(d.sub.dst_node, 0);
    assert_int_equal(d.sub.epoch, 3);
    assert_int_equal(d.targets[0], 3);
    assert_int_equal(d.targets[1], 5);
    assert_ptr_equal(d.payload, vec_send + 72);
    assert_memory_equal(d.payload, "ping", 4);
}

static void test_vector_result(void **state)
{
    static const struct xvios_rc_entry rc[2] = {
        { .node = 3, .status = XVIOS_RC_DELIVERED },
        { .node = 5, .status = XVIOS_RC_TIMED_OUT },
    };
    struct xvios_rc_entry got[4];
    struct xvios_msg m, d;
    uint8_t rcbuf[16], buf[128];
    size_t rclen = 0, len = 0;
    unsigned n = 0;

    (void)state;
    assert_int_equal(xvios_rc_encode(rc, 2, rcbuf, sizeof(rcbuf), &rclen), XVIOS_WIRE_OK);
    assert_int_equal(rclen, 16);
    assert_memory_equal(rcbuf, vec_result + FIXED, 16);

    /* the VKE copies hdr+sub back, sets status/rc_needed, drops the targets, payload = RC array */
    msg_vec_send(&m);
    m.hdr.opcode = XVIOS_OP_SEND_RESULT;
    m.hdr.status = XVIOS_ST_PARTIAL;
    m.sub.n_targets = 0;
    m.sub.rc_needed = 2;
    m.hdr.payload_len = (uint32_t)rclen;
    m.payload = rcbuf;
    assert_int_equal(xvios_msg_encode(&m, buf, sizeof(buf), &len), XVIOS_WIRE_OK);
    assert_int_equal(len, sizeof(vec_result));
    assert_memory_equal(buf, vec_result, sizeof(vec_result));

    assert_int_equal(xvios_msg_decode(vec_result, sizeof(vec_result), &d), XVIOS_WIRE_OK);
    assert_int_equal(d.hdr.opcode, XVIOS_OP_SEND_RESULT);
    assert_int_equal(d.hdr.status, XVIOS_ST_PARTIAL);
    assert_int_equal(d.sub.rc_needed, 2);
    assert_int_equal(d.sub.n_targets, 0);
    assert_int_equal(d.hdr.sub_len, 32);
    assert_int_equal(xvios_rc_decode(d.payload, d.hdr.payload_len, got, 4, &n), XVIOS_WIRE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(got[0].node, 3);
    assert_int_equal(got[0].status, XVIOS_RC_DELIVERED);
    assert_int_equal(got[1].node, 5);
    assert_int_equal(got[1].status, XVIOS_RC_TIMED_OUT);
}

/* ---------------------------------------------------------------- round trips */
static void test_roundtrip_every_opcode_flag_origin(void **state)
{
    static const uint8_t rc_payload[16] = { 9, 0, 0, 0, 1, 0, 0, 0, 10, 0, 0, 0, 6, 0, 0, 0 };
    static const uint8_t text[] = "node=3\nstate=up\n";
    unsigned done = 0, refused = 0;

    (void)state;
    for (size_t oi = 0; oi < ARRAY_LEN(all_opcodes); oi++) {
        for (unsigned bits = 0; bits < 8; bits++) {
            for (unsigned origin = XVIOS_ORIGIN_DAEMON; origin <= XVIOS_ORIGIN_API; origin++) {
                for (unsigned nt = 0; nt <= 3; nt += 3) {
                    for (int with_payload = 0; with_payload <= 1; with_payload++) {
                        struct xvios_msg m;
                        size_t len = 0;

                        memset(&m, 0, sizeof(m));
                        m.hdr.opcode = (uint16_t)all_opcodes[oi];
                        m.hdr.flags = XVIOS_FLAGS_WITH_ORIGIN(bits, origin);
                        assert_int_equal(XVIOS_FLAGS_ORIGIN(m.hdr.flags), origin);
                        m.hdr.status = (int32_t)(oi % (XVIOS_ST_MAX_ + 1));
                        m.hdr.txid = xvios_txid_make((uint32_t)oi + 1, bits * 100u + origin);
                        m.sub.msg_type = (uint32_t)(oi * 7);
                        m.sub.src_node = 1;
                        m.sub.originator = origin;
                        m.sub.n_targets = (uint16_t)nt;
                        for (unsigned i = 0; i < nt; i++)
                            m.targets[i] = 100 + i;
                        m.sub.rc_capacity = (uint16_t)nt;
                        m.sub.timeout_ms = 250;
                        m.sub.dst_node = nt ? 0 : 4;
                        if (with_payload) {
                            m.payload = is_rc_opcode(m.hdr.opcode) ? rc_payload : text;
                            m.hdr.payload_len = is_rc_opcode(m.hdr.opcode) ? sizeof(rc_payload)
                                                                           : sizeof(text) - 1;
                        }
                        if ((bits & XVIOS_F_BROADCAST) && nt) {
                            assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &len),
                                             XVIOS_WIRE_EFLAGS);
                            assert_int_equal(len, 0);
                            refused++;
                            continue;
                        }
                        roundtrip(&m);
                        done++;
                    }
                }
            }
        }
    }
    assert_int_equal(done + refused, ARRAY_LEN(all_opcodes) * 8 * 3 * 2 * 2);
    assert_int_equal(refused, ARRAY_LEN(all_opcodes) * 4 * 3 * 2);
}

static void test_roundtrip_extreme_values(void **state)
{
    struct xvios_msg m;

    (void)state;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_API_EVENT;
    m.hdr.flags = XVIOS_F_KNOWN & ~XVIOS_F_ORIGIN_MASK;
    m.hdr.flags = XVIOS_FLAGS_WITH_ORIGIN(m.hdr.flags, XVIOS_ORIGIN_API);
    m.hdr.status = XVIOS_ST_MAX_;
    m.hdr.txid = UINT64_MAX;
    m.sub.msg_type = UINT32_MAX;
    m.sub.src_node = UINT32_MAX;
    m.sub.originator = UINT32_MAX;
    m.sub.rc_capacity = UINT16_MAX;
    m.sub.rc_needed = UINT16_MAX;
    m.sub.timeout_ms = UINT32_MAX;
    m.sub.dst_node = UINT32_MAX;
    roundtrip(&m);
}

static void test_roundtrip_max_size(void **state)
{
    struct xvios_msg m;
    size_t len;

    (void)state;
    for (size_t i = 0; i < XVIOS_MAX_PAYLOAD; i++)
        big_payload[i] = (uint8_t)(i * 31 + 7);
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_FLAGS_WITH_ORIGIN(XVIOS_F_RECEIPT, XVIOS_ORIGIN_API);
    m.hdr.txid = xvios_txid_make(UINT32_MAX, UINT32_MAX);
    m.sub.n_targets = XVIOS_MAX_NODES;
    for (unsigned i = 0; i < XVIOS_MAX_NODES; i++)
        m.targets[i] = 0xfffffff0u - i;
    m.hdr.payload_len = XVIOS_MAX_PAYLOAD;
    m.payload = big_payload;
    len = roundtrip(&m);
    assert_int_equal(len, XVIOS_MAX_MSG);

    /* one more byte does not fit */
    m.hdr.payload_len = XVIOS_MAX_PAYLOAD + 1;
    assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &len), XVIOS_WIRE_EOVERSIZE);
}

static void test_roundtrip_max_rc_array(void **state)
{
    struct xvios_rc_entry rc[XVIOS_MAX_NODES];
    uint8_t rcbuf[XVIOS_MAX_NODES * 8];
    struct xvios_msg m;
    size_t rclen = 0;

    (void)state;
    for (unsigned i = 0; i < XVIOS_MAX_NODES; i++)
        rc[i] = (struct xvios_rc_entry){ .node = i + 1, .status = (uint16_t)(i % (XVIOS_RC_MAX_ + 1)) };
    assert_int_equal(xvios_rc_encode(rc, XVIOS_MAX_NODES, rcbuf, sizeof(rcbuf), &rclen), XVIOS_WIRE_OK);
    assert_int_equal(rclen, sizeof(rcbuf));
    for (unsigned op = 0; op < 2; op++) {
        memset(&m, 0, sizeof(m));
        m.hdr.opcode = op ? XVIOS_OP_API_RESULT : XVIOS_OP_SEND_RESULT;
        m.hdr.flags = XVIOS_F_BROADCAST | XVIOS_F_RECEIPT;
        m.hdr.status = XVIOS_ST_PARTIAL;
        m.sub.rc_capacity = XVIOS_MAX_NODES;
        m.sub.rc_needed = XVIOS_MAX_NODES;
        m.hdr.payload_len = (uint32_t)rclen;
        m.payload = rcbuf;
        roundtrip(&m);
    }
}

/* ---------------------------------------------------------------- one test per error */
static void test_err_short(void **state)
{
    (void)state;
    for (size_t len = 0; len < FIXED; len++)
        assert_int_equal(decode_buf(vec_send, len), XVIOS_WIRE_ESHORT);
    assert_int_equal(xvios_msg_decode(NULL, 0, &(struct xvios_msg){ 0 }), XVIOS_WIRE_ESHORT);
}

static void test_err_magic(void **state)
{
    uint8_t b[sizeof(vec_send)];

    (void)state;
    for (size_t i = 0; i < 4; i++) {
        memcpy(b, vec_send, sizeof(b));
        b[HOFF(magic) + i] ^= 0x20;
        assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_EMAGIC);
    }
    /* the magic read big-endian is not the magic */
    memcpy(b, vec_send, sizeof(b));
    b[0] = 'D'; b[1] = 'O'; b[2] = 'I'; b[3] = 'V';
    assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_EMAGIC);
}

static void test_err_version(void **state)
{
    /* version 1 carried no epoch: refused since version 2 */
    static const uint16_t bad[] = { 0, XVIOS_PROTO_V1, XVIOS_PROTO_CURRENT + 1, 0x0100, 0xffff };
    uint8_t b[sizeof(vec_send)];

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        memcpy(b, vec_send, sizeof(b));
        xvios_put_le16(b + HOFF(version), bad[i]);
        assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_EVERSION);
    }
    /* versions 3 to 5 only added message types and events: version 2 to 4 packets are still accepted */
    static const uint16_t older[] = { XVIOS_PROTO_V2, XVIOS_PROTO_V3, XVIOS_PROTO_V4 };
    for (size_t i = 0; i < ARRAY_LEN(older); i++) {
        struct xvios_msg d;

        memcpy(b, vec_send, sizeof(b));
        xvios_put_le16(b + HOFF(version), older[i]);
        assert_int_equal(xvios_msg_decode(b, sizeof(b), &d), XVIOS_WIRE_OK);
        assert_int_equal(d.hdr.version, older[i]);
    }
}

static void test_err_hdrlen(void **state)
{
    static const uint16_t bad[] = { 0, 31, 33, 36, 64, 0xffff };
    uint8_t b[sizeof(vec_send)];

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        memcpy(b, vec_send, sizeof(b));
        xvios_put_le16(b + HOFF(hdr_len), bad[i]);
        assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_EHDRLEN);
    }
}

static void test_err_targets(void **state)
{
    static const uint16_t bad[] = { XVIOS_MAX_NODES + 1, 1000, 0xffff };
    struct xvios_msg m;

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        /* sub_len and the total length agree with the bad count: only the count is wrong */
        size_t len = FIXED + 4u * bad[i];
        uint8_t *b = calloc(1, len);

        assert_non_null(b);
        memcpy(b, vec_send, FIXED);
        xvios_put_le32(b + HOFF(payload_len), 0);
        xvios_put_le32(b + HOFF(sub_len), XVIOS_SUB_LEN + 4u * bad[i]);
        xvios_put_le16(b + SOFF(n_targets), bad[i]);
        assert_int_equal(decode_buf(b, len), XVIOS_WIRE_ETARGETS);
        free(b);
    }
    /* the encoder applies the same rule */
    msg_vec_send(&m);
    m.sub.n_targets = XVIOS_MAX_NODES + 1;
    assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &(size_t){ 0 }), XVIOS_WIRE_ETARGETS);
}

static void test_err_sublen(void **state)
{
    static const uint32_t bad[] = { 0, 32, 36, 44, 41, 0xffffffffu };
    uint8_t b[sizeof(vec_send)];

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        memcpy(b, vec_send, sizeof(b));
        xvios_put_le32(b + HOFF(sub_len), bad[i]);
        assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_ESUBLEN);
    }
    /* n_targets changed, sub_len left alone */
    memcpy(b, vec_send, sizeof(b));
    xvios_put_le16(b + SOFF(n_targets), 1);
    assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_ESUBLEN);
}

static void test_err_oversize(void **state)
{
    static const uint32_t bad[] = { XVIOS_MAX_PAYLOAD + 1, 0x10000, 0x7fffffffu, 0xffffffffu };
    struct xvios_msg m;
    size_t len;

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        memcpy(big_buf2, vec_send, sizeof(vec_send));
        xvios_put_le32(big_buf2 + HOFF(payload_len), bad[i]);
        /* even with as many bytes as the header claims (where that is possible) */
        len = bad[i] <= XVIOS_MAX_PAYLOAD + 1 ? FIXED + 8 + bad[i] : sizeof(vec_send);
        assert_int_equal(decode_buf(big_buf2, len), XVIOS_WIRE_EOVERSIZE);
    }
    msg_vec_send(&m);
    m.hdr.payload_len = XVIOS_MAX_PAYLOAD + 1;
    m.payload = big_payload;
    assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &len), XVIOS_WIRE_EOVERSIZE);
}

static void test_err_length(void **state)
{
    uint8_t b[sizeof(vec_send) + 1];

    (void)state;
    /* one byte too many */
    memcpy(b, vec_send, sizeof(vec_send));
    b[sizeof(vec_send)] = 0;
    assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_ELENGTH);
    /* payload_len one more / one less than the bytes there */
    memcpy(b, vec_send, sizeof(vec_send));
    xvios_put_le32(b + HOFF(payload_len), 5);
    assert_int_equal(decode_buf(b, sizeof(vec_send)), XVIOS_WIRE_ELENGTH);
    xvios_put_le32(b + HOFF(payload_len), 3);
    assert_int_equal(decode_buf(b, sizeof(vec_send)), XVIOS_WIRE_ELENGTH);
    /* more targets announced consistently, bytes missing */
    memcpy(b, vec_send, sizeof(vec_send));
    xvios_put_le16(b + SOFF(n_targets), 3);
    xvios_put_le32(b + HOFF(sub_len), 44);
    assert_int_equal(decode_buf(b, sizeof(vec_send)), XVIOS_WIRE_ELENGTH);
}

static void test_err_opcode(void **state)
{
    static const uint16_t bad[] = { 0x0000, 0x00ff, 0x0103, 0x0203, 0x0302, 0x0407, 0x0504, 0x0600, 0xffff };
    uint8_t b[sizeof(vec_send)];
    struct xvios_msg m;
    unsigned accepted = 0;

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        memcpy(b, vec_send, sizeof(b));
        xvios_put_le16(b + HOFF(opcode), bad[i]);
        assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_EOPCODE);
    }
    /* exactly the opcodes of enum xvios_opcode are accepted (payload "ping" is no RC array) */
    memcpy(b, vec_send, sizeof(b));
    for (unsigned op = 0; op <= 0xffff; op++) {
        int rc;

        xvios_put_le16(b + HOFF(opcode), (uint16_t)op);
        rc = xvios_msg_decode(b, sizeof(b), &m);
        if (rc == XVIOS_WIRE_EOPCODE)
            continue;
        assert_int_equal(rc, is_rc_opcode(op) ? XVIOS_WIRE_ERC : XVIOS_WIRE_OK);
        accepted++;
    }
    assert_int_equal(accepted, ARRAY_LEN(all_opcodes));
    msg_vec_send(&m);
    m.hdr.opcode = 0x0103;
    assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &(size_t){ 0 }), XVIOS_WIRE_EOPCODE);
}

static void test_err_flags(void **state)
{
    uint8_t b[sizeof(vec_send)];
    struct xvios_msg m;

    (void)state;
    /* every unknown bit on its own */
    for (unsigned bit = 0; bit < 16; bit++) {
        uint16_t f = (uint16_t)(1u << bit);

        if (f & XVIOS_F_KNOWN)
            continue;
        memcpy(b, vec_send, sizeof(b));
        xvios_put_le16(b + HOFF(flags), (uint16_t)(0x0103 | f));
        assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_EFLAGS);
    }
    /* origin 3 is not defined */
    memcpy(b, vec_send, sizeof(b));
    xvios_put_le16(b + HOFF(flags), 0x0303);
    assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_EFLAGS);
    /* BROADCAST with a target list */
    memcpy(b, vec_send, sizeof(b));
    xvios_put_le16(b + HOFF(flags), 0x0107);
    assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_EFLAGS);

    msg_vec_send(&m);
    m.hdr.flags |= XVIOS_F_BROADCAST;
    assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &(size_t){ 0 }), XVIOS_WIRE_EFLAGS);
    msg_vec_send(&m);
    m.hdr.flags = 0x0300;
    assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &(size_t){ 0 }), XVIOS_WIRE_EFLAGS);
    m.hdr.flags = 0x8000;
    assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &(size_t){ 0 }), XVIOS_WIRE_EFLAGS);
}

static void test_err_reserved(void **state)
{
    uint8_t b[sizeof(vec_send)];
    struct xvios_msg m;

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        memcpy(b, vec_send, sizeof(b));
        b[SOFF(reserved0) + i] = 0x80;
        assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_ERESERVED);
    }
    msg_vec_send(&m);
    m.sub.reserved0 = 1;
    assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &(size_t){ 0 }), XVIOS_WIRE_ERESERVED);
}

static void test_err_status(void **state)
{
    static const uint32_t bad[] = { XVIOS_ST_MAX_ + 1, 0x7fffffffu, 0x80000000u, 0xffffffffu };
    uint8_t b[sizeof(vec_send)];
    struct xvios_msg m;

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        memcpy(b, vec_send, sizeof(b));
        xvios_put_le32(b + HOFF(status), bad[i]);
        assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_ESTATUS);
    }
    for (int st = 0; st <= XVIOS_ST_MAX_; st++) {
        memcpy(b, vec_send, sizeof(b));
        xvios_put_le32(b + HOFF(status), (uint32_t)st);
        assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_OK);
        assert_int_equal(m.hdr.status, st);
    }
    msg_vec_send(&m);
    m.hdr.status = -1;
    assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &(size_t){ 0 }), XVIOS_WIRE_ESTATUS);
}

static void test_err_rc(void **state)
{
    uint8_t b[sizeof(vec_result)];
    struct xvios_msg m;
    uint8_t *big;
    size_t len;

    (void)state;
    /* payload not a multiple of 8: drop the last byte and say so */
    memcpy(b, vec_result, sizeof(b));
    xvios_put_le32(b + HOFF(payload_len), 15);
    assert_int_equal(decode_buf(b, sizeof(b) - 1), XVIOS_WIRE_ERC);
    /* an entry with an unknown RC status */
    memcpy(b, vec_result, sizeof(b));
    xvios_put_le16(b + FIXED + 8 + 4, XVIOS_RC_MAX_ + 1);
    assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_ERC);
    /* an entry with its reserved field set */
    memcpy(b, vec_result, sizeof(b));
    b[FIXED + 6] = 1;
    assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_ERC);
    /* the same in an API_RESULT */
    xvios_put_le16(b + HOFF(opcode), XVIOS_OP_API_RESULT);
    assert_int_equal(decode_buf(b, sizeof(b)), XVIOS_WIRE_ERC);
    /* more entries than there can be nodes */
    len = FIXED + 8u * (XVIOS_MAX_NODES + 1);
    big = calloc(1, len);
    assert_non_null(big);
    memcpy(big, vec_result, FIXED);
    xvios_put_le32(big + HOFF(payload_len), 8u * (XVIOS_MAX_NODES + 1));
    assert_int_equal(decode_buf(big, len), XVIOS_WIRE_ERC);
    /* the encoder refuses the same */
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_SEND_RESULT;
    m.hdr.payload_len = 8u * (XVIOS_MAX_NODES + 1);
    m.payload = big + FIXED;
    assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &len), XVIOS_WIRE_ERC);
    m.hdr.payload_len = 7;
    assert_int_equal(xvios_msg_encode(&m, big_buf, sizeof(big_buf), &len), XVIOS_WIRE_ERC);
    free(big);
}

static void test_err_nospace(void **state)
{
    struct xvios_rc_entry rc[2] = { { .node = 1, .status = 1 }, { .node = 2, .status = 1 } };
    struct xvios_msg m;
    uint8_t buf[sizeof(vec_send)];
    size_t len = 99;

    (void)state;
    msg_vec_send(&m);
    for (size_t cap = 0; cap < sizeof(vec_send); cap++) {
        assert_int_equal(xvios_msg_encode(&m, buf, cap, &len), XVIOS_WIRE_ENOSPACE);
        assert_int_equal(len, 0);
    }
    assert_int_equal(xvios_msg_encode(&m, NULL, 0, &len), XVIOS_WIRE_ENOSPACE);
    assert_int_equal(xvios_msg_encode(&m, buf, sizeof(buf), &len), XVIOS_WIRE_OK);
    assert_int_equal(len, sizeof(vec_send));
    assert_int_equal(xvios_rc_encode(rc, 2, buf, 15, &len), XVIOS_WIRE_ENOSPACE);
    assert_int_equal(xvios_rc_encode(rc, 2, buf, 16, &len), XVIOS_WIRE_OK);
}

static void test_err_einval(void **state)
{
    struct xvios_rc_entry rc[1];
    struct xvios_msg m;
    uint8_t buf[128];
    size_t len = 0;
    unsigned n = 0;

    (void)state;
    assert_int_equal(xvios_msg_encode(NULL, buf, sizeof(buf), &len), XVIOS_WIRE_EINVAL);
    msg_vec_send(&m);
    assert_int_equal(xvios_msg_encode(&m, buf, sizeof(buf), NULL), XVIOS_WIRE_EINVAL);
    m.payload = NULL; /* payload_len 4 without bytes */
    assert_int_equal(xvios_msg_encode(&m, buf, sizeof(buf), &len), XVIOS_WIRE_EINVAL);
    assert_int_equal(xvios_msg_decode(vec_send, sizeof(vec_send), NULL), XVIOS_WIRE_EINVAL);
    assert_int_equal(xvios_msg_decode(NULL, sizeof(vec_send), &m), XVIOS_WIRE_EINVAL);
    assert_int_equal(xvios_rc_decode(vec_result + FIXED, 16, rc, 1, NULL), XVIOS_WIRE_EINVAL);
    assert_int_equal(xvios_rc_decode(vec_result + FIXED, 8, NULL, 1, &n), XVIOS_WIRE_EINVAL);
    assert_int_equal(xvios_rc_encode(NULL, 1, buf, sizeof(buf), &len), XVIOS_WIRE_EINVAL);
    assert_int_equal(xvios_rc_encode(rc, 0, buf, sizeof(buf), NULL), XVIOS_WIRE_EINVAL);
}

/*
 * The documented check order: a packet with every fault at once reports the
 * first; repairing that one reveals the next, and so on.
 */
static void test_check_order(void **state)
{
    uint8_t b[sizeof(vec_result)];
    struct xvios_msg m;

    (void)state;
    memcpy(b, vec_result, sizeof(b));
    xvios_put_le32(b + HOFF(magic), 0);
    xvios_put_le16(b + HOFF(version), 9);
    xvios_put_le16(b + HOFF(hdr_len), 7);
    xvios_put_le16(b + SOFF(n_targets), 0xffff);
    xvios_put_le32(b + HOFF(sub_len), 33);
    xvios_put_le32(b + HOFF(payload_len), 0x10000);
    xvios_put_le16(b + HOFF(opcode), 0x0999);
    xvios_put_le16(b + HOFF(flags), 0x8000);
    xvios_put_le16(b + SOFF(reserved0), 1);
    xvios_put_le32(b + HOFF(status), 99);
    xvios_put_le16(b + FIXED + 4, 99);

    assert_int_equal(xvios_msg_decode(b, FIXED - 1, &m), XVIOS_WIRE_ESHORT);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_EMAGIC);
    xvios_put_le32(b + HOFF(magic), XVIOS_MAGIC);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_EVERSION);
    xvios_put_le16(b + HOFF(version), XVIOS_PROTO_CURRENT);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_EHDRLEN);
    xvios_put_le16(b + HOFF(hdr_len), 32);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_ETARGETS);
    xvios_put_le16(b + SOFF(n_targets), 0);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_ESUBLEN);
    xvios_put_le32(b + HOFF(sub_len), 32);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_EOVERSIZE);
    xvios_put_le32(b + HOFF(payload_len), 17);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_ELENGTH);
    xvios_put_le32(b + HOFF(payload_len), 16);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_EOPCODE);
    xvios_put_le16(b + HOFF(opcode), XVIOS_OP_SEND_RESULT);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_EFLAGS);
    xvios_put_le16(b + HOFF(flags), 0x0103);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_ERESERVED);
    xvios_put_le16(b + SOFF(reserved0), 0);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_ESTATUS);
    xvios_put_le32(b + HOFF(status), XVIOS_ST_PARTIAL);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_ERC);
    xvios_put_le16(b + FIXED + 4, XVIOS_RC_DELIVERED);
    assert_int_equal(xvios_msg_decode(b, sizeof(b), &m), XVIOS_WIRE_OK);
    assert_memory_equal(b, vec_result, sizeof(b));
}

/* ---------------------------------------------------------------- truncation */
static void truncate_all(const uint8_t *bytes, size_t full)
{
    struct xvios_msg m;

    for (size_t len = 0; len < full; len++)
        assert_int_equal(decode_exact(bytes, len, &m), len < FIXED ? XVIOS_WIRE_ESHORT : XVIOS_WIRE_ELENGTH);
    assert_int_equal(decode_exact(bytes, full, &m), XVIOS_WIRE_OK);
}

static void test_truncation_every_length(void **state)
{
    struct xvios_rc_entry rc[XVIOS_MAX_NODES];
    uint8_t rcbuf[sizeof(rc)];
    struct xvios_msg m;
    size_t len = 0, rclen = 0;

    (void)state;
    truncate_all(vec_send, sizeof(vec_send));
    truncate_all(vec_result, sizeof(vec_result));

    /* the largest packet there is */
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_RESPONSE;
    m.sub.n_targets = XVIOS_MAX_NODES;
    for (unsigned i = 0; i < XVIOS_MAX_NODES; i++)
        m.targets[i] = i;
    m.hdr.payload_len = XVIOS_MAX_PAYLOAD;
    m.payload = big_payload;
    assert_int_equal(xvios_msg_encode(&m, big_buf2, sizeof(big_buf2), &len), XVIOS_WIRE_OK);
    assert_int_equal(len, XVIOS_MAX_MSG);
    truncate_all(big_buf2, len);

    /* the largest SEND_RESULT */
    for (unsigned i = 0; i < XVIOS_MAX_NODES; i++)
        rc[i] = (struct xvios_rc_entry){ .node = i, .status = XVIOS_RC_UNREACHABLE };
    assert_int_equal(xvios_rc_encode(rc, XVIOS_MAX_NODES, rcbuf, sizeof(rcbuf), &rclen), XVIOS_WIRE_OK);
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_SEND_RESULT;
    m.hdr.payload_len = (uint32_t)rclen;
    m.payload = rcbuf;
    assert_int_equal(xvios_msg_encode(&m, big_buf2, sizeof(big_buf2), &len), XVIOS_WIRE_OK);
    truncate_all(big_buf2, len);
}

/* ---------------------------------------------------------------- RC arrays */
static void test_rc_roundtrip(void **state)
{
    static const unsigned counts[] = { 0, 1, XVIOS_RC_MAX_ + 1, XVIOS_MAX_NODES };
    struct xvios_rc_entry rc[XVIOS_MAX_NODES], got[XVIOS_MAX_NODES];
    uint8_t buf[XVIOS_MAX_NODES * 8];

    (void)state;
    for (size_t c = 0; c < ARRAY_LEN(counts); c++) {
        unsigned n = counts[c], got_n = 12345;
        size_t len = 1;
        uint8_t *exact;

        for (unsigned i = 0; i < n; i++)
            rc[i] = (struct xvios_rc_entry){ .node = 0xa0000000u + i, .status = (uint16_t)(i % (XVIOS_RC_MAX_ + 1)) };
        assert_int_equal(xvios_rc_encode(rc, n, buf, sizeof(buf), &len), XVIOS_WIRE_OK);
        assert_int_equal(len, 8u * n);
        for (unsigned i = 0; i < n; i++) {
            assert_int_equal(xvios_get_le32(buf + 8u * i), rc[i].node);
            assert_int_equal(xvios_get_le16(buf + 8u * i + 4), rc[i].status);
            assert_int_equal(xvios_get_le16(buf + 8u * i + 6), 0);
        }
        exact = malloc(len ? len : 1);
        assert_non_null(exact);
        memcpy(exact, buf, len);
        memset(got, 0xee, sizeof(got));
        assert_int_equal(xvios_rc_decode(exact, len, got, n, &got_n), XVIOS_WIRE_OK);
        assert_int_equal(got_n, n);
        for (unsigned i = 0; i < n; i++) {
            assert_int_equal(got[i].node, rc[i].node);
            assert_int_equal(got[i].status, rc[i].status);
            assert_int_equal(got[i].reserved, 0);
        }
        /* every strict prefix that is not a whole number of entries is refused */
        for (size_t l = 0; l < len; l++) {
            int want = (l % 8) ? XVIOS_WIRE_ERC : XVIOS_WIRE_OK;
            assert_int_equal(xvios_rc_decode(exact, l, got, n, &got_n), want);
            if (want == XVIOS_WIRE_OK)
                assert_int_equal(got_n, l / 8);
        }
        free(exact);
    }
}

static void test_rc_malformed(void **state)
{
    struct xvios_rc_entry rc[XVIOS_MAX_NODES + 1], got[XVIOS_MAX_NODES + 1];
    uint8_t buf[(XVIOS_MAX_NODES + 1) * 8];
    unsigned n = 77;
    size_t len = 0;

    (void)state;
    memcpy(buf, vec_result + FIXED, 16);
    /* not a multiple of 8 */
    assert_int_equal(xvios_rc_decode(buf, 7, got, 4, &n), XVIOS_WIRE_ERC);
    assert_int_equal(n, 0);
    assert_int_equal(xvios_rc_decode(buf, 9, got, 4, &n), XVIOS_WIRE_ERC);
    /* more entries than the caller holds */
    assert_int_equal(xvios_rc_decode(buf, 16, got, 1, &n), XVIOS_WIRE_ERC);
    assert_int_equal(xvios_rc_decode(buf, 16, got, 2, &n), XVIOS_WIRE_OK);
    assert_int_equal(n, 2);
    /* unknown status, reserved set */
    xvios_put_le16(buf + 12, XVIOS_RC_MAX_ + 1);
    assert_int_equal(xvios_rc_decode(buf, 16, got, 4, &n), XVIOS_WIRE_ERC);
    memcpy(buf, vec_result + FIXED, 16);
    xvios_put_le16(buf + 14, 0x8000);
    assert_int_equal(xvios_rc_decode(buf, 16, got, 4, &n), XVIOS_WIRE_ERC);
    /* more entries than there can be nodes, even with room for them */
    memset(buf, 0, sizeof(buf));
    assert_int_equal(xvios_rc_decode(buf, sizeof(buf), got, XVIOS_MAX_NODES + 1, &n), XVIOS_WIRE_ERC);

    /* the encoder checks the same */
    memset(rc, 0, sizeof(rc));
    assert_int_equal(xvios_rc_encode(rc, XVIOS_MAX_NODES + 1, buf, sizeof(buf), &len), XVIOS_WIRE_ERC);
    rc[1].status = XVIOS_RC_MAX_ + 1;
    assert_int_equal(xvios_rc_encode(rc, 2, buf, sizeof(buf), &len), XVIOS_WIRE_ERC);
    rc[1].status = XVIOS_RC_SENT;
    rc[1].reserved = 1;
    assert_int_equal(xvios_rc_encode(rc, 2, buf, sizeof(buf), &len), XVIOS_WIRE_ERC);
    assert_int_equal(len, 0);
}

/* ---------------------------------------------------------------- names, tables */
static void test_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(all_opcodes); i++) {
        const char *name = xvios_opcode_name(all_opcodes[i]);

        assert_string_not_equal(name, "UNKNOWN_OPCODE");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(name, xvios_opcode_name(all_opcodes[j]));
    }
    assert_string_equal(xvios_opcode_name(XVIOS_OP_CLUSTER_SEND), "CLUSTER_SEND");
    assert_string_equal(xvios_opcode_name(XVIOS_OP_API_EVENT), "API_EVENT");
    assert_string_equal(xvios_opcode_name(0x0103), "UNKNOWN_OPCODE");

    for (int st = 0; st <= XVIOS_ST_MAX_; st++)
        assert_string_not_equal(xvios_status_name(st), "UNKNOWN_STATUS");
    assert_string_equal(xvios_status_name(XVIOS_ST_PARTIAL), "PARTIAL");
    assert_string_equal(xvios_status_name(-1), "UNKNOWN_STATUS");
    assert_string_equal(xvios_status_name(XVIOS_ST_MAX_ + 1), "UNKNOWN_STATUS");

    for (unsigned st = 0; st <= XVIOS_RC_MAX_; st++)
        assert_string_not_equal(xvios_rc_status_name(st), "UNKNOWN_RC_STATUS");
    assert_string_equal(xvios_rc_status_name(XVIOS_RC_DELIVERED), "DELIVERED");
    assert_string_equal(xvios_rc_status_name(XVIOS_RC_MAX_ + 1), "UNKNOWN_RC_STATUS");

    /* every decoder verdict has its own message */
    for (int e = 0; e < XVIOS_WIRE_ERR_COUNT_; e++) {
        assert_string_not_equal(xvios_wire_strerror(e), "unknown wire error");
        for (int f = 0; f < e; f++)
            assert_string_not_equal(xvios_wire_strerror(e), xvios_wire_strerror(f));
    }
    assert_string_equal(xvios_wire_strerror(-1), "unknown wire error");
    assert_string_equal(xvios_wire_strerror(XVIOS_WIRE_ERR_COUNT_), "unknown wire error");
}

static void test_opcode_channels(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(all_opcodes); i++)
        assert_int_not_equal(xvios_opcode_channels(all_opcodes[i]), 0);
    assert_int_equal(xvios_opcode_channels(0x0103), 0);
    assert_int_equal(xvios_opcode_channels(XVIOS_OP_RECEIPT), XVIOS_CH_LINK);
    assert_int_equal(xvios_opcode_channels(XVIOS_OP_SEND_RESULT), XVIOS_CH_VKE_TO_DAEMON);
    assert_int_equal(xvios_opcode_channels(XVIOS_OP_API_SEND), XVIOS_CH_CALLER_TO_DAEMON);
    assert_int_equal(xvios_opcode_channels(XVIOS_OP_API_RESULT), XVIOS_CH_DAEMON_TO_CALLER);
    assert_true(xvios_opcode_channels(XVIOS_OP_CLUSTER_SEND) & XVIOS_CH_LINK);
    assert_true(xvios_opcode_channels(XVIOS_OP_CLUSTER_SEND) & XVIOS_CH_DAEMON_TO_VKE);
    assert_false(xvios_opcode_channels(XVIOS_OP_VKE_HELLO) & XVIOS_CH_LINK);
    assert_false(xvios_opcode_channels(XVIOS_OP_API_QUERY) & XVIOS_CH_LINK);
    assert_int_equal(xvios_opcode_channels(XVIOS_OP_API_VIO), XVIOS_CH_CALLER_TO_DAEMON);
}

static void test_txid_and_flag_macros(void **state)
{
    uint64_t t = xvios_txid_make(0xdeadbeefu, 0x01020304u);

    (void)state;
    assert_true(t == 0xdeadbeef01020304ull);
    assert_int_equal(xvios_txid_node(t), 0xdeadbeefu);
    assert_int_equal((uint32_t)t, 0x01020304u);
    assert_int_equal(XVIOS_FLAGS_WITH_ORIGIN(XVIOS_F_RECEIPT, XVIOS_ORIGIN_API), 0x0201);
    assert_int_equal(XVIOS_FLAGS_WITH_ORIGIN(0x0307, XVIOS_ORIGIN_DAEMON), 0x0007);
    assert_int_equal(XVIOS_FLAGS_ORIGIN(0x0104), XVIOS_ORIGIN_CLI);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_send_encode),
        cmocka_unit_test(test_vector_send_decode),
        cmocka_unit_test(test_vector_result),
        cmocka_unit_test(test_roundtrip_every_opcode_flag_origin),
        cmocka_unit_test(test_roundtrip_extreme_values),
        cmocka_unit_test(test_roundtrip_max_size),
        cmocka_unit_test(test_roundtrip_max_rc_array),
        cmocka_unit_test(test_err_short),
        cmocka_unit_test(test_err_magic),
        cmocka_unit_test(test_err_version),
        cmocka_unit_test(test_err_hdrlen),
        cmocka_unit_test(test_err_targets),
        cmocka_unit_test(test_err_sublen),
        cmocka_unit_test(test_err_oversize),
        cmocka_unit_test(test_err_length),
        cmocka_unit_test(test_err_opcode),
        cmocka_unit_test(test_err_flags),
        cmocka_unit_test(test_err_reserved),
        cmocka_unit_test(test_err_status),
        cmocka_unit_test(test_err_rc),
        cmocka_unit_test(test_err_nospace),
        cmocka_unit_test(test_err_einval),
        cmocka_unit_test(test_check_order),
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_rc_roundtrip),
        cmocka_unit_test(test_rc_malformed),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_opcode_channels),
        cmocka_unit_test(test_txid_and_flag_macros),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
