/* SPDX-License-Identifier: MIT */
/*
 * test_map_apply.c - MAPPING_APPLY on the receiving VIOS (daemon/map_apply.c):
 * what must be refused before anything is read or written is refused with
 * BAD_PACKET and counted (mapping_apply_refused): a caller's message (origin
 * CLI or API, or an API_QUERY), a send that asks for no answer, a payload
 * that is malformed, oversized or for another node; a re-sent copy of an
 * apply is not made twice (no second answer, counted as a duplicate).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/daemon/daemon_fixture.h"
#include "xvios/vio_apply.h"

static uint8_t buf[XVIOS_MAX_MSG];
static char good[XVIOS_VIO_APPLY_MAX + 1];

/* A well-formed apply for node 2 (the fixture's node), from node 4's daemon. */
static struct xvios_msg request(const char *payload, enum xvios_origin origin, uint16_t flags)
{
    struct xvios_msg m;

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_FLAGS_WITH_ORIGIN(flags, origin);
    m.hdr.txid = xvios_txid_make(4, 78);
    m.hdr.payload_len = (uint32_t)strlen(payload);
    m.payload = (const uint8_t *)payload;
    m.sub.msg_type = XVIOS_MT_MAPPING_APPLY;
    m.sub.src_node = 4;
    m.sub.dst_node = 2;
    m.sub.epoch = 5;
    return m;
}

static void make_good(uint32_t node)
{
    struct xvios_vio_apply a = { .op = XVIOS_VIO_APPLY_ADD };
    size_t len;

    a.vtd = (struct xvios_db_vtd){ .client = 7, .node = node, .vhost = 0, .lun = 1 };
    snprintf(a.vtd.lu, sizeof(a.vtd.lu), "/dev/xvdb");
    assert_int_equal(xvios_vio_apply_encode(&a, good, sizeof(good), &len), 0);
}

/* The one answer: a CLUSTER_RESPONSE to node 4 with BAD_PACKET and nothing in it. */
static void want_refused(struct xviosd *d, const struct xvios_msg *req, uint64_t refused)
{
    struct xvios_msg out;

    viod_handle_cluster_send(d, req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), XVIOS_WIRE_OK);
    assert_int_equal(out.hdr.opcode, XVIOS_OP_CLUSTER_RESPONSE);
    assert_int_equal(out.hdr.status, XVIOS_ST_BAD_PACKET);
    assert_int_equal(out.hdr.payload_len, 0);
    assert_int_equal(out.targets[0], 4);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), -1);
    assert_int_equal(d->c.apply_refused, refused);
    for (unsigned i = 0; i < XVD_MAX_APPLIES; i++)
        assert_false(d->applies[i].used);
}

static void test_refused_unread(void **state)
{
    struct xviosd *d = fixture_daemon_new(2);
    char big[XVIOS_VIO_APPLY_MAX + 64];
    struct xvios_msg m;
    uint64_t n = 0;

    (void)state;
    make_good(2);
    /* from a caller (API_SEND through some node's daemon), whatever it carries */
    m = request(good, XVIOS_ORIGIN_CLI, XVIOS_F_RESPONSE | XVIOS_F_RECEIPT);
    want_refused(d, &m, ++n);
    m = request(good, XVIOS_ORIGIN_API, XVIOS_F_RESPONSE | XVIOS_F_RECEIPT);
    m.hdr.txid++;
    want_refused(d, &m, ++n);
    /* malformed: a LUN out of range, a key missing, oversized */
    char *lun = strstr(good, "lun=1\n"), bad[sizeof(good) + 8];
    assert_non_null(lun);
    snprintf(bad, sizeof(bad), "%.*slun=999%s", (int)(lun - good), good, lun + 5);
    m = request(bad, XVIOS_ORIGIN_DAEMON, XVIOS_F_RESPONSE | XVIOS_F_RECEIPT);
    m.hdr.txid += 2;
    want_refused(d, &m, ++n);
    m = request(strstr(good, "client="), XVIOS_ORIGIN_DAEMON, XVIOS_F_RESPONSE);   /* op= missing */
    m.hdr.txid += 3;
    want_refused(d, &m, ++n);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    m = request(big, XVIOS_ORIGIN_DAEMON, XVIOS_F_RESPONSE);
    m.hdr.txid += 4;
    want_refused(d, &m, ++n);
    /* meant for node 3, delivered to node 2 */
    make_good(3);
    m = request(good, XVIOS_ORIGIN_DAEMON, XVIOS_F_RESPONSE);
    m.hdr.txid += 5;
    want_refused(d, &m, ++n);
    /* asked as an API_QUERY on this node's caller socket: the handler refuses it too */
    make_good(2);
    m = request(good, XVIOS_ORIGIN_DAEMON, XVIOS_F_RESPONSE);
    m.hdr.opcode = XVIOS_OP_API_QUERY;
    {
        uint8_t out[64];
        size_t len = 1;
        int st = 0;
        assert_int_equal(viod_handler_find(XVIOS_MT_MAPPING_APPLY)->fn(d, &m, out, sizeof(out), &len, &st),
                         HANDLER_RESPOND);
        assert_int_equal(st, XVIOS_ST_BAD_PACKET);
        assert_int_equal(len, 0);
        assert_int_equal(d->c.apply_refused, ++n);
    }
    fixture_daemon_free(d);
}

static void test_no_answer_asked(void **state)
{
    struct xviosd *d = fixture_daemon_new(2);
    struct xvios_msg m, out;

    (void)state;
    make_good(2);
    m = request(good, XVIOS_ORIGIN_DAEMON, XVIOS_F_RECEIPT);   /* nobody would learn the outcome */
    viod_handle_cluster_send(d, &m);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), -1);
    assert_int_equal(d->c.apply_refused, 1);
    for (unsigned i = 0; i < XVD_MAX_APPLIES; i++)
        assert_false(d->applies[i].used);
    fixture_daemon_free(d);
}

static void test_copy_not_made_twice(void **state)
{
    struct xviosd *d = fixture_daemon_new(2);
    struct xvios_msg m, out;

    (void)state;
    make_good(2);
    m = request(good, XVIOS_ORIGIN_CLI, XVIOS_F_RESPONSE | XVIOS_F_RECEIPT);
    want_refused(d, &m, 1);
    /* the same (node, epoch, txid) again: a re-sent copy, neither answered again nor counted again */
    viod_handle_cluster_send(d, &m);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &out), -1);
    assert_int_equal(d->c.received_duplicate, 1);
    assert_int_equal(d->c.apply_refused, 1);
    fixture_daemon_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_unread),
        cmocka_unit_test(test_no_answer_asked),
        cmocka_unit_test(test_copy_not_made_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
