/* SPDX-License-Identifier: MIT */
/* test_handlers.c - the receive path: handler table dispatch, unknown types, ECHO / NODE_INFO / USER payloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/daemon/daemon_fixture.h"
#include "xvios/client.h"

static uint8_t buf[XVIOS_MAX_MSG];

static struct xvios_msg request(uint32_t type, uint16_t flags, const char *payload)
{
    struct xvios_msg m;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = flags;
    m.hdr.txid = xvios_txid_make(4, 77);
    m.hdr.payload_len = payload ? (uint32_t)strlen(payload) : 0;
    m.payload = (const uint8_t *)payload;
    m.sub.msg_type = type;
    m.sub.src_node = 4;
    m.sub.dst_node = 2;
    m.sub.originator = 9;
    return m;
}

static void test_table(void **state)
{
    (void)state;
    assert_non_null(viod_handler_find(XVIOS_MT_ECHO));
    assert_string_equal(viod_handler_find(XVIOS_MT_ECHO)->name, "echo");
    assert_string_equal(viod_handler_find(XVIOS_MT_NODE_INFO)->name, "node-info");
    assert_string_equal(viod_handler_find(XVIOS_MT_NODES_ALL)->name, "nodes-all");
    assert_string_equal(viod_handler_find(XVIOS_MT_USER_BASE + 5)->name, "user");
    assert_null(viod_handler_find(XVIOS_MT_NONE));
    assert_string_equal(viod_handler_find(XVIOS_MT_OBJ_EVENT)->name, "obj-event");
    assert_string_equal(viod_handler_find(XVIOS_MT_CLIENT_LOGIN)->name, "client-login");
    assert_string_equal(viod_handler_find(XVIOS_MT_LU_WHO)->name, "lu-who");
    assert_string_equal(viod_handler_find(XVIOS_MT_MAPPING_APPLY)->name, "mapping-apply");
    assert_null(viod_handler_find(XVIOS_MT_BACKEND_BASE - 1));
    assert_null(viod_handler_find(XVIOS_MT_USER_BASE - 1));
}

static void test_echo_responds_with_payload(void **state)
{
    struct xviosd *d = fixture_daemon_new(2);
    struct xvios_msg req = request(XVIOS_MT_ECHO, XVIOS_F_RESPONSE | XVIOS_F_RECEIPT, "hello cluster"), out;
    (void)state;

    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), XVIOS_WIRE_OK);
    assert_int_equal(out.hdr.opcode, XVIOS_OP_CLUSTER_RESPONSE);
    assert_int_equal(out.hdr.txid, req.hdr.txid);
    assert_int_equal(out.hdr.status, XVIOS_ST_OK);
    assert_int_equal(out.hdr.flags & (XVIOS_F_RECEIPT | XVIOS_F_BROADCAST), 0);
    assert_int_equal(out.sub.n_targets, 1);
    assert_int_equal(out.targets[0], 4);
    assert_int_equal(out.sub.src_node, 2);
    assert_int_equal(out.sub.msg_type, XVIOS_MT_ECHO);
    assert_int_equal(out.hdr.payload_len, strlen("hello cluster"));
    assert_memory_equal(out.payload, "hello cluster", out.hdr.payload_len);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), -1);
    assert_int_equal(d->c.responses_sent, 1);
    assert_int_equal(d->c.received, 1);
    fixture_daemon_free(d);
}

static void test_no_response_flag_no_packet(void **state)
{
    struct xviosd *d = fixture_daemon_new(2);
    struct xvios_msg req = request(XVIOS_MT_ECHO, XVIOS_F_RECEIPT, "x"), out;
    (void)state;
    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), -1);
    assert_int_equal(d->c.received, 1);
    fixture_daemon_free(d);
}

static void test_node_info_payload(void **state)
{
    struct xviosd *d = fixture_daemon_new(3);
    struct xvios_msg req = request(XVIOS_MT_NODE_INFO, XVIOS_F_RESPONSE, NULL), out;
    char v[64];
    (void)state;

    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), XVIOS_WIRE_OK);
    assert_int_equal(out.hdr.status, XVIOS_ST_OK);
    const char *p = (const char *)out.payload;
    size_t n = out.hdr.payload_len;
    assert_int_equal(xvios_kv_get(p, n, "node", v, sizeof(v)), 0);
    assert_string_equal(v, "3");
    assert_int_equal(xvios_kv_get(p, n, "domid", v, sizeof(v)), 0);
    assert_string_equal(v, "103");
    assert_int_equal(xvios_kv_get(p, n, "name", v, sizeof(v)), 0);
    assert_string_equal(v, "vios-test");
    assert_int_equal(xvios_kv_get(p, n, "state", v, sizeof(v)), 0);
    assert_string_equal(v, "active");
    assert_int_equal(xvios_kv_get(p, n, "uptime_s", v, sizeof(v)), 0);
    assert_int_equal(xvios_kv_get(p, n, "received", v, sizeof(v)), 0);
    assert_string_equal(v, "1");   /* counters are live: this request is counted */
    assert_true(p[n - 1] == '\n');
    fixture_daemon_free(d);
}

static void test_unknown_type_is_refused(void **state)
{
    struct xviosd *d = fixture_daemon_new(2);
    struct xvios_msg req = request(77, XVIOS_F_RESPONSE, "?"), out;
    (void)state;
    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), XVIOS_WIRE_OK);
    assert_int_equal(out.hdr.status, XVIOS_ST_BAD_PACKET);
    assert_int_equal(out.hdr.payload_len, 0);
    assert_int_equal(d->c.received_unknown_type, 1);
    fixture_daemon_free(d);
}

/* A peer cannot register clients for this VIOS: only its own engine, through api.sock (login.c). */
static void test_login_from_a_peer_is_refused(void **state)
{
    struct xviosd *d = fixture_daemon_new(2);
    struct xvios_msg req = request(XVIOS_MT_CLIENT_LOGIN, XVIOS_F_RESPONSE,
                                   "uuid=6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b\nname=c\ndomid=7\nvhost=0\n"), out;
    (void)state;
    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), XVIOS_WIRE_OK);
    assert_int_equal(out.hdr.opcode, XVIOS_OP_CLUSTER_RESPONSE);
    assert_int_equal(out.hdr.status, XVIOS_ST_BAD_PACKET);
    assert_int_equal(out.hdr.payload_len, 0);
    fixture_daemon_free(d);
}

static void test_user_type_becomes_event(void **state)
{
    struct xviosd *d = fixture_daemon_new(2);
    struct caller *sub = fixture_caller(d, 5, XVIOS_API_EVENT_BIT(XVIOS_EV_MESSAGE));
    struct caller *other = fixture_caller(d, 6, XVIOS_API_EVENT_BIT(XVIOS_EV_NODE_LOST));
    struct xvios_msg req = request(XVIOS_MT_USER_BASE + 1, XVIOS_F_RESPONSE, "user data"), out, ev;
    char v[32];
    (void)state;

    viod_handle_cluster_send(d, &req);
    /* the sender gets an empty OK response */
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), XVIOS_WIRE_OK);
    assert_int_equal(out.hdr.status, XVIOS_ST_OK);
    assert_int_equal(out.hdr.payload_len, 0);
    /* the subscriber gets the event; the other caller did not subscribe to it */
    static uint8_t ebuf[XVIOS_MAX_MSG];
    assert_int_equal(fixture_pop(&sub->out, ebuf, &ev), XVIOS_WIRE_OK);
    assert_int_equal(fixture_pop(&other->out, buf, &out), -1);
    assert_int_equal(ev.hdr.opcode, XVIOS_OP_API_EVENT);
    assert_int_equal(ev.sub.msg_type, XVIOS_EV_MESSAGE);
    assert_int_equal(ev.sub.src_node, 4);
    const char *p = (const char *)ev.payload;
    assert_int_equal(xvios_kv_get(p, ev.hdr.payload_len, "type", v, sizeof(v)), 0);
    assert_string_equal(v, "4097");
    assert_int_equal(xvios_kv_get(p, ev.hdr.payload_len, "originator", v, sizeof(v)), 0);
    assert_string_equal(v, "9");
    const char *body = memmem(p, ev.hdr.payload_len, "\n\n", 2);
    assert_non_null(body);
    assert_int_equal(ev.hdr.payload_len - (size_t)(body + 2 - p), strlen("user data"));
    assert_memory_equal(body + 2, "user data", strlen("user data"));

    /* a re-issued copy (same sender, same txid) is acknowledged again but not passed on twice */
    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), XVIOS_WIRE_OK);
    assert_int_equal(out.hdr.status, XVIOS_ST_OK);
    assert_int_equal(fixture_pop(&sub->out, ebuf, &ev), -1);
    assert_int_equal(d->c.received_duplicate, 1);
    /* the same txid from another node is another message */
    req.sub.src_node = 5;
    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&sub->out, ebuf, &ev), XVIOS_WIRE_OK);
    assert_int_equal(ev.sub.src_node, 5);
    fixture_daemon_free(d);
}

/* A VIO object's Lifecycle event from a peer: to the LIFECYCLE subscribers as parsed, once; malformed: refused. */
static void test_obj_event_becomes_lifecycle(void **state)
{
    static const char good[] = "category=lifecycle\naction=created\ntype=LU\nkey=db1\nby=0\nvia=3\n";
    struct xviosd *d = fixture_daemon_new(2);
    struct caller *sub = fixture_caller(d, 5, XVIOS_API_EVENT_BIT(XVIOS_EV_LIFECYCLE));
    struct caller *other = fixture_caller(d, 6, XVIOS_API_EVENT_BIT(XVIOS_EV_MESSAGE));
    struct xvios_msg req = request(XVIOS_MT_OBJ_EVENT, XVIOS_F_RESPONSE, good), out, ev;
    static uint8_t ebuf[XVIOS_MAX_MSG];
    (void)state;

    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), XVIOS_WIRE_OK);
    assert_int_equal(out.hdr.status, XVIOS_ST_OK);
    assert_int_equal(fixture_pop(&sub->out, ebuf, &ev), XVIOS_WIRE_OK);
    assert_int_equal(fixture_pop(&other->out, buf, &out), -1);
    assert_int_equal(ev.sub.msg_type, XVIOS_EV_LIFECYCLE);
    assert_int_equal(ev.sub.src_node, 3);   /* the node it was announced through */
    assert_int_equal(ev.hdr.payload_len, strlen(good));
    assert_memory_equal(ev.payload, good, strlen(good));
    /* a re-sent copy: acknowledged, not passed on again */
    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), XVIOS_WIRE_OK);
    assert_int_equal(fixture_pop(&sub->out, ebuf, &ev), -1);
    /* malformed (an extra line): BAD_PACKET, nothing passed on */
    req = request(XVIOS_MT_OBJ_EVENT, XVIOS_F_RESPONSE,
                  "category=lifecycle\naction=created\ntype=LU\nkey=db1\nby=0\nvia=3\nforged=1\n");
    req.hdr.txid++;
    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), XVIOS_WIRE_OK);
    assert_int_equal(out.hdr.status, XVIOS_ST_BAD_PACKET);
    assert_int_equal(fixture_pop(&sub->out, ebuf, &ev), -1);
    fixture_daemon_free(d);
}

static void test_response_dropped_without_vke(void **state)
{
    struct xviosd *d = fixture_daemon_new(2);
    struct xvios_msg req = request(XVIOS_MT_ECHO, XVIOS_F_RESPONSE, "x"), out;
    (void)state;
    d->vke_state = VKE_DOWN;
    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), -1);
    assert_int_equal(d->c.responses_dropped, 1);
    fixture_daemon_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_echo_responds_with_payload),
        cmocka_unit_test(test_no_response_flag_no_packet),
        cmocka_unit_test(test_node_info_payload),
        cmocka_unit_test(test_unknown_type_is_refused),
        cmocka_unit_test(test_login_from_a_peer_is_refused),
        cmocka_unit_test(test_user_type_becomes_event),
        cmocka_unit_test(test_obj_event_becomes_lifecycle),
        cmocka_unit_test(test_response_dropped_without_vke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
