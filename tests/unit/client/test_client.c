/* SPDX-License-Identifier: MIT */
/* test_client.c - caller API packets: builders, the checked parser, key=value lookup, bad input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "xvios/client.h"
#include "xvios/db.h"

static uint8_t buf[XVIOS_MAX_MSG];

static void test_build_hello(void **state)
{
    struct xvios_msg m;
    size_t len;
    (void)state;
    assert_int_equal(xvios_api_build_hello(XVIOS_ORIGIN_CLI, "tool", buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_msg_decode(buf, len, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_HELLO);
    assert_int_equal(XVIOS_FLAGS_ORIGIN(m.hdr.flags), XVIOS_ORIGIN_CLI);
    assert_int_equal(m.hdr.payload_len, strlen("name=tool\n"));
    assert_memory_equal(m.payload, "name=tool\n", m.hdr.payload_len);
    /* the daemon itself is no caller; names cannot inject lines */
    assert_int_equal(xvios_api_build_hello(XVIOS_ORIGIN_DAEMON, NULL, buf, sizeof(buf), &len), -EINVAL);
    assert_int_equal(xvios_api_build_hello(XVIOS_ORIGIN_API, "a\nb=c", buf, sizeof(buf), &len), -EINVAL);
    assert_int_equal(xvios_api_build_hello(XVIOS_ORIGIN_API, NULL, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_msg_decode(buf, len, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.payload_len, 0);
}

static void test_build_send(void **state)
{
    uint32_t t[] = { 2, 5 };
    struct xvios_api_send s = { .flags = XVIOS_F_RECEIPT | XVIOS_F_RESPONSE, .msg_type = XVIOS_MT_ECHO,
                                .targets = t, .n_targets = 2, .timeout_ms = 700, .payload = "abc", .len = 3 };
    struct xvios_msg m;
    size_t len;
    (void)state;
    assert_int_equal(xvios_api_build_send(&s, XVIOS_ORIGIN_API, 42, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_msg_decode(buf, len, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_SEND);
    assert_int_equal(m.hdr.txid, 42);
    assert_int_equal(m.hdr.flags & XVIOS_API_SEND_FLAGS, XVIOS_F_RECEIPT | XVIOS_F_RESPONSE);
    assert_int_equal(XVIOS_FLAGS_ORIGIN(m.hdr.flags), XVIOS_ORIGIN_API);
    assert_int_equal(m.sub.n_targets, 2);
    assert_int_equal(m.targets[1], 5);
    assert_int_equal(m.sub.timeout_ms, 700);
    assert_memory_equal(m.payload, "abc", 3);

    /* bad input: each refused */
    struct xvios_api_send b = s;
    b.flags |= XVIOS_F_BROADCAST;   /* broadcast with targets */
    assert_int_equal(xvios_api_build_send(&b, XVIOS_ORIGIN_API, 1, buf, sizeof(buf), &len), -EINVAL);
    b = s;
    b.n_targets = 0;                /* directed without targets */
    assert_int_equal(xvios_api_build_send(&b, XVIOS_ORIGIN_API, 1, buf, sizeof(buf), &len), -EINVAL);
    assert_int_equal(xvios_api_build_send(&s, XVIOS_ORIGIN_API, 0, buf, sizeof(buf), &len), -EINVAL);
    b = s;
    b.flags = 0x0100;               /* an origin bit is not a send flag */
    assert_int_equal(xvios_api_build_send(&b, XVIOS_ORIGIN_API, 1, buf, sizeof(buf), &len), -EINVAL);
    uint32_t zero[] = { 0 };
    b = s;
    b.targets = zero;
    b.n_targets = 1;
    assert_int_equal(xvios_api_build_send(&b, XVIOS_ORIGIN_API, 1, buf, sizeof(buf), &len), -EINVAL);
    b = s;
    b.len = XVIOS_MAX_PAYLOAD + 1;
    assert_int_equal(xvios_api_build_send(&b, XVIOS_ORIGIN_API, 1, buf, sizeof(buf), &len), -EMSGSIZE);
    b = s;
    b.msg_type = XVIOS_MT_NONE;
    assert_int_equal(xvios_api_build_send(&b, XVIOS_ORIGIN_API, 1, buf, sizeof(buf), &len), -EINVAL);
    assert_int_equal(xvios_api_build_send(&s, XVIOS_ORIGIN_API, 1, buf, 40, &len), -EMSGSIZE);
    /* broadcast without targets is fine */
    b = s;
    b.flags |= XVIOS_F_BROADCAST;
    b.n_targets = 0;
    assert_int_equal(xvios_api_build_send(&b, XVIOS_ORIGIN_CLI, 9, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_msg_decode(buf, len, &m), XVIOS_WIRE_OK);
    assert_true(m.hdr.flags & XVIOS_F_BROADCAST);
}

/* Multi-host node ids ((corosync nodeid << 8) | local, docs/multihost.md) are over 256: a send to
 * them is built with the ids kept whole; the count of targets is what XVIOS_MAX_NODES bounds. */
static void test_build_send_multihost_ids(void **state)
{
    uint32_t t[] = { 257, 770, XVIOS_NODE_ID_MAX };
    struct xvios_api_send s = { .flags = XVIOS_F_RECEIPT, .msg_type = XVIOS_MT_ECHO, .targets = t, .n_targets = 3,
                                .payload = "x", .len = 1 };
    static uint32_t many[XVIOS_MAX_NODES + 1];
    struct xvios_msg m;
    size_t len;
    (void)state;
    assert_int_equal(xvios_api_build_send(&s, XVIOS_ORIGIN_CLI, 7, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_msg_decode(buf, len, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.sub.n_targets, 3);
    assert_int_equal(m.targets[0], 257);
    assert_int_equal(m.targets[1], 770);
    assert_int_equal(m.targets[2], XVIOS_NODE_ID_MAX);
    for (unsigned i = 0; i <= XVIOS_MAX_NODES; i++)
        many[i] = 257 + i;
    s.targets = many;
    s.n_targets = XVIOS_MAX_NODES;
    assert_int_equal(xvios_api_build_send(&s, XVIOS_ORIGIN_CLI, 7, buf, sizeof(buf), &len), 0);
    s.n_targets = XVIOS_MAX_NODES + 1;    /* one target too many */
    assert_int_equal(xvios_api_build_send(&s, XVIOS_ORIGIN_CLI, 7, buf, sizeof(buf), &len), -EINVAL);
}

static void test_build_subscribe_and_query(void **state)
{
    struct xvios_msg m;
    size_t len;
    (void)state;
    assert_int_equal(xvios_api_build_subscribe(XVIOS_API_EVENT_ALL, XVIOS_ORIGIN_API, 3, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_msg_decode(buf, len, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_SUBSCRIBE);
    assert_int_equal(m.hdr.payload_len, 4);
    assert_int_equal(xvios_get_le32(m.payload), 0xffe);   /* events 1..11 */
    assert_int_equal(xvios_api_build_subscribe(1u, XVIOS_ORIGIN_API, 3, buf, sizeof(buf), &len), -EINVAL);
    assert_int_equal(xvios_api_build_subscribe(1u << 12, XVIOS_ORIGIN_API, 3, buf, sizeof(buf), &len), -EINVAL);
    assert_int_equal(xvios_api_build_query(XVIOS_MT_NODES_ALL, NULL, 0, 0, XVIOS_ORIGIN_CLI, 8, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_msg_decode(buf, len, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_QUERY);
    assert_int_equal(m.sub.msg_type, XVIOS_MT_NODES_ALL);
    assert_int_equal(xvios_api_build_query(XVIOS_MT_NONE, NULL, 0, 0, XVIOS_ORIGIN_CLI, 8, buf, sizeof(buf), &len), -EINVAL);
}

static size_t daemon_packet(unsigned opcode, int status, uint64_t txid, uint32_t node, uint32_t type,
                            const void *payload, size_t plen)
{
    struct xvios_msg m;
    size_t len = 0;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = (uint16_t)opcode;
    m.hdr.status = status;
    m.hdr.txid = txid;
    m.hdr.payload_len = (uint32_t)plen;
    m.sub.src_node = node;
    m.sub.msg_type = type;
    m.sub.originator = 12;
    m.payload = payload;
    assert_int_equal(xvios_msg_encode(&m, buf, sizeof(buf), &len), XVIOS_WIRE_OK);
    return len;
}

static void test_parse_result_and_response(void **state)
{
    struct xvios_rc_entry rc[] = { { .node = 2, .status = XVIOS_RC_DELIVERED }, { .node = 3, .status = XVIOS_RC_UNREACHABLE } };
    uint8_t rcb[16];
    size_t rl, len;
    struct xvios_api_msg m;
    (void)state;

    assert_int_equal(xvios_rc_encode(rc, 2, rcb, sizeof(rcb), &rl), XVIOS_WIRE_OK);
    len = daemon_packet(XVIOS_OP_API_RESULT, XVIOS_ST_PARTIAL, 7, 1, XVIOS_MT_ECHO, rcb, rl);
    assert_int_equal(xvios_api_parse(buf, len, &m), 0);
    assert_int_equal(m.opcode, XVIOS_OP_API_RESULT);
    assert_int_equal(m.status, XVIOS_ST_PARTIAL);
    assert_int_equal(m.handle, 7);
    assert_int_equal(m.n_rc, 2);
    assert_int_equal(m.rc[1].node, 3);
    assert_int_equal(m.rc[1].status, XVIOS_RC_UNREACHABLE);
    xvios_api_msg_dispose(&m);

    len = daemon_packet(XVIOS_OP_API_RESPONSE, XVIOS_ST_OK, 7, 4, XVIOS_MT_ECHO, "pong", 4);
    assert_int_equal(xvios_api_parse(buf, len, &m), 0);
    assert_int_equal(m.node, 4);
    assert_int_equal(m.len, 4);
    assert_string_equal((char *)m.payload, "pong");   /* NUL-terminated copy */
    xvios_api_msg_dispose(&m);
    assert_null(m.payload);

    len = daemon_packet(XVIOS_OP_API_HELLO, XVIOS_ST_OK, 0, 1, 0, NULL, 0);
    assert_int_equal(xvios_api_parse(buf, len, &m), 0);
    assert_int_equal(m.originator, 12);
    xvios_api_msg_dispose(&m);
}

static void test_parse_rejects(void **state)
{
    struct xvios_api_msg m;
    size_t len;
    (void)state;
    /* a caller -> daemon opcode is not an answer */
    len = daemon_packet(XVIOS_OP_API_SEND, XVIOS_ST_OK, 7, 1, XVIOS_MT_ECHO, NULL, 0);
    assert_int_equal(xvios_api_parse(buf, len, &m), -EPROTO);
    len = daemon_packet(XVIOS_OP_CLUSTER_SEND, XVIOS_ST_OK, 7, 1, XVIOS_MT_ECHO, NULL, 0);
    assert_int_equal(xvios_api_parse(buf, len, &m), -EPROTO);
    /* an event that does not exist */
    len = daemon_packet(XVIOS_OP_API_EVENT, XVIOS_ST_OK, 0, 1, 99, NULL, 0);
    assert_int_equal(xvios_api_parse(buf, len, &m), -EPROTO);
    /* a result that names no request */
    len = daemon_packet(XVIOS_OP_API_RESULT, XVIOS_ST_OK, 0, 1, 0, NULL, 0);
    assert_int_equal(xvios_api_parse(buf, len, &m), -EPROTO);
    /* truncated, corrupted, empty */
    len = daemon_packet(XVIOS_OP_API_RESPONSE, XVIOS_ST_OK, 7, 4, XVIOS_MT_ECHO, "pong", 4);
    assert_int_equal(xvios_api_parse(buf, len - 1, &m), -EBADMSG);
    buf[0] ^= 0xff;
    assert_int_equal(xvios_api_parse(buf, len, &m), -EBADMSG);
    assert_int_equal(xvios_api_parse(buf, 0, &m), -EBADMSG);
    /* a result whose RC array is not a whole number of entries */
    len = daemon_packet(XVIOS_OP_API_RESPONSE, XVIOS_ST_OK, 7, 4, XVIOS_MT_ECHO, "12345", 5);
    xvios_put_le16(buf + 8, XVIOS_OP_API_RESULT);
    assert_int_equal(xvios_api_parse(buf, len, &m), -EBADMSG);
}

static void test_event_name(void **state)
{
    (void)state;
    assert_string_equal(xvios_event_name(XVIOS_EV_NODE_LOST), "node-lost");
    assert_string_equal(xvios_event_name(77), "unknown");
    assert_string_equal(xvios_event_name(XVIOS_EV_LIFECYCLE), "lifecycle");
    assert_string_equal(xvios_event_category(XVIOS_EV_LIFECYCLE), "lifecycle");
    assert_string_equal(xvios_event_category(XVIOS_EV_NODE_JOINED), "lifecycle");
    assert_string_equal(xvios_event_category(XVIOS_EV_NODE_LOST), "alert");
    assert_string_equal(xvios_event_category(XVIOS_EV_DELIVERY_FAILED), "alert");
    assert_string_equal(xvios_event_category(XVIOS_EV_MESSAGE), "message");
    assert_string_equal(xvios_event_category(77), "unknown");
}

/* The management API's binding, without a daemon: request building, API_VIO packets, exception codes. */
static void test_obj_binding(void **state)
{
    static char xml[XVIOS_OBJ_REQUEST_MAX + 2];
    const struct xvios_obj_attr a[] = { { "name", "a\"<b>&" }, { "size", "4096" } };
    const struct xvios_obj_attr bad[] = { { "na me", "x" } };
    struct xvios_msg m;
    char code[16];
    size_t len;

    (void)state;
    assert_int_equal(xvios_obj_build(xml, sizeof(xml), "lu", "get", a, 2, &len), 0);
    assert_string_equal(xml, "<vioRequest version=\"1\"><lu action=\"get\" name=\"a&quot;&lt;b&gt;&amp;\" "
                             "size=\"4096\"/></vioRequest>\n");
    assert_int_equal(len, strlen(xml));
    assert_int_equal(xvios_obj_build(xml, sizeof(xml), "lu", "get", bad, 1, &len), -EINVAL);
    assert_int_equal(xvios_obj_build(xml, sizeof(xml), "l<u", "get", NULL, 0, &len), -EINVAL);
    assert_int_equal(xvios_obj_build(xml, sizeof(xml), "lu", "", NULL, 0, &len), -EINVAL);
    assert_int_equal(xvios_obj_build(xml, 20, "lu", "get", a, 2, &len), -ENOSPC);

    assert_int_equal(xvios_obj_build(xml, sizeof(xml), "cluster", "get", NULL, 0, &len), 0);
    assert_int_equal(xvios_api_build_vio(xml, len, XVIOS_ORIGIN_API, 9, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_msg_decode_on(XVIOS_CH_CALLER_TO_DAEMON, buf, len, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_VIO);
    assert_int_equal(m.hdr.txid, 9);
    assert_memory_equal(m.payload, "<vioRequest version=\"1\"><cluster action=\"get\"/>", 47);
    memset(xml, 'x', sizeof(xml));
    assert_int_equal(xvios_api_build_vio(xml, XVIOS_OBJ_REQUEST_MAX, XVIOS_ORIGIN_API, 9, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_api_build_vio(xml, XVIOS_OBJ_REQUEST_MAX + 1, XVIOS_ORIGIN_API, 9, buf, sizeof(buf), &len),
                     -EMSGSIZE);
    assert_int_equal(xvios_api_build_vio(xml, 4, XVIOS_ORIGIN_DAEMON, 9, buf, sizeof(buf), &len), -EINVAL);
    assert_int_equal(xvios_api_build_vio(xml, 4, XVIOS_ORIGIN_API, 0, buf, sizeof(buf), &len), -EINVAL);

    assert_int_equal(xvios_obj_exception_code("<vioResponse version=\"1\" status=\"exception\" node=\"2\">"
                                              "<VIOException code=\"DOM0_ONLY\">x</VIOException></vioResponse>",
                                              code, sizeof(code)), 1);
    assert_string_equal(code, "DOM0_ONLY");
    assert_int_equal(xvios_obj_exception_code("<vioResponse version=\"1\" status=\"ok\"></vioResponse>", code,
                                              sizeof(code)), 0);
    assert_int_equal(xvios_obj_exception_code("garbage", code, sizeof(code)), -EINVAL);
    assert_int_equal(xvios_obj_exception_code("<vioResponse><VIOException code=\"AVERYLONGCODENAME\">", code,
                                              sizeof(code)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_hello),
        cmocka_unit_test(test_build_send),
        cmocka_unit_test(test_build_send_multihost_ids),
        cmocka_unit_test(test_build_subscribe_and_query),
        cmocka_unit_test(test_parse_result_and_response),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_event_name),
        cmocka_unit_test(test_obj_binding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
