/* SPDX-License-Identifier: MIT */
/* test_client_agent.c - dom0's agent packets (xvios/client.h): API_AGENT and API_AGENT_ANSWER built and
 * bounded, API_AGENT_REQ parsed with the asking caller, each opcode only on its own channel. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "xvios/client.h"

static uint8_t buf[XVIOS_MAX_MSG];

static void test_build_agent(void **state)
{
    char allow[XVIOS_AGENT_ALLOW_MAX + 2];
    struct xvios_msg m;
    size_t len;
    (void)state;
    assert_int_equal(xvios_api_build_agent("mapping,lu", XVIOS_ORIGIN_API, 9, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_msg_decode_on(XVIOS_CH_CALLER_TO_DAEMON, buf, len, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_AGENT);
    assert_int_equal(m.hdr.txid, 9);
    assert_int_equal(m.hdr.payload_len, strlen("allow=mapping,lu\n"));
    assert_memory_equal(m.payload, "allow=mapping,lu\n", m.hdr.payload_len);
    /* a caller -> daemon opcode: never accepted from the daemon's side */
    assert_int_equal(xvios_msg_decode_on(XVIOS_CH_DAEMON_TO_CALLER, buf, len, &m), XVIOS_WIRE_ECHANNEL);
    /* no handle, no list, a line or a key injected, the daemon's origin: refused */
    assert_int_equal(xvios_api_build_agent("lu", XVIOS_ORIGIN_API, 0, buf, sizeof(buf), &len), -EINVAL);
    assert_int_equal(xvios_api_build_agent(NULL, XVIOS_ORIGIN_API, 1, buf, sizeof(buf), &len), -EINVAL);
    assert_int_equal(xvios_api_build_agent("lu\nx=1", XVIOS_ORIGIN_API, 1, buf, sizeof(buf), &len), -EINVAL);
    assert_int_equal(xvios_api_build_agent("lu", XVIOS_ORIGIN_DAEMON, 1, buf, sizeof(buf), &len), -EINVAL);
    memset(allow, 'a', sizeof(allow) - 1);
    allow[sizeof(allow) - 1] = 0;
    assert_int_equal(xvios_api_build_agent(allow, XVIOS_ORIGIN_API, 1, buf, sizeof(buf), &len), -EMSGSIZE);
    allow[XVIOS_AGENT_ALLOW_MAX] = 0;
    assert_int_equal(xvios_api_build_agent(allow, XVIOS_ORIGIN_API, 1, buf, sizeof(buf), &len), 0);
}

static void test_build_answer(void **state)
{
    static char big[XVIOS_MAX_PAYLOAD + 1];
    const char *resp = "<vioResponse version=\"1\" status=\"ok\" node=\"0\"/>";
    struct xvios_msg m;
    size_t len;
    (void)state;
    assert_int_equal(xvios_api_build_agent_answer(77, resp, strlen(resp), XVIOS_ORIGIN_API, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_msg_decode_on(XVIOS_CH_CALLER_TO_DAEMON, buf, len, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_AGENT_ANSWER);
    assert_int_equal(m.hdr.txid, 77);
    assert_int_equal(m.hdr.payload_len, strlen(resp));
    assert_int_equal(xvios_api_build_agent_answer(0, resp, strlen(resp), XVIOS_ORIGIN_API, buf, sizeof(buf), &len),
                     -EINVAL);
    assert_int_equal(xvios_api_build_agent_answer(1, resp, 0, XVIOS_ORIGIN_API, buf, sizeof(buf), &len), -EINVAL);
    memset(big, 'x', sizeof(big));
    assert_int_equal(xvios_api_build_agent_answer(1, big, sizeof(big), XVIOS_ORIGIN_API, buf, sizeof(buf), &len),
                     -EMSGSIZE);
    assert_int_equal(xvios_api_build_agent_answer(1, big, XVIOS_MAX_PAYLOAD, XVIOS_ORIGIN_API, buf, sizeof(buf), &len),
                     0);
}

/* What a node sends its agent, as outbound.c encodes it. */
static size_t agent_req(uint64_t handle, uint32_t node, uint32_t asker, const char *xml)
{
    struct xvios_msg m;
    size_t len = 0;

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_API_AGENT_REQ;
    m.hdr.txid = handle;
    m.hdr.payload_len = (uint32_t)strlen(xml);
    m.sub.src_node = node;
    m.sub.originator = asker;
    m.payload = (const uint8_t *)xml;
    assert_int_equal(xvios_msg_encode(&m, buf, sizeof(buf), &len), XVIOS_WIRE_OK);
    return len;
}

static void test_parse_req(void **state)
{
    const char *xml = "<vioRequest version=\"1\"><lu action=\"create\" name=\"a\"/></vioRequest>";
    struct xvios_api_msg a;
    struct xvios_msg m;
    size_t len = agent_req(5, 2, 41, xml);
    (void)state;
    assert_int_equal(xvios_api_parse(buf, len, &a), 0);
    assert_int_equal(a.opcode, XVIOS_OP_API_AGENT_REQ);
    assert_int_equal(a.handle, 5);
    assert_int_equal(a.node, 2);
    assert_int_equal(a.originator, 41);
    assert_int_equal(a.len, strlen(xml));
    assert_string_equal((const char *)a.payload, xml);
    xvios_api_msg_dispose(&a);
    /* a daemon -> caller opcode: a caller cannot send it to the daemon */
    assert_int_equal(xvios_msg_decode_on(XVIOS_CH_CALLER_TO_DAEMON, buf, len, &m), XVIOS_WIRE_ECHANNEL);
    /* without a handle it answers nothing: refused */
    len = agent_req(0, 2, 41, xml);
    assert_int_equal(xvios_api_parse(buf, len, &a), -EPROTO);
    assert_string_equal(xvios_opcode_name(XVIOS_OP_API_AGENT_REQ), "API_AGENT_REQ");
    assert_string_equal(xvios_opcode_name(XVIOS_OP_API_AGENT), "API_AGENT");
    assert_string_equal(xvios_opcode_name(XVIOS_OP_API_AGENT_ANSWER), "API_AGENT_ANSWER");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_agent),
        cmocka_unit_test(test_build_answer),
        cmocka_unit_test(test_parse_req),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
