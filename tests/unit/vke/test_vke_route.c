/* SPDX-License-Identifier: MIT */
/* test_vke_route.c - send-path routing: request checks, broadcast/directed targets, RC capacity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "xen/vke/vke_route.h"

static void members(struct vke_members *m, uint32_t self, unsigned n, const uint32_t *ids)
{
    memset(m, 0, sizeof(*m));
    m->self = self;
    m->n = n;
    for (unsigned i = 0; i < n; i++) {
        m->node[i] = ids[i];
        m->domid[i] = 100 + ids[i];
    }
}

static void request(struct xvios_msg *r, uint32_t self, uint16_t flags, unsigned nt, const uint32_t *t)
{
    memset(r, 0, sizeof(*r));
    r->hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    r->hdr.flags = flags;
    r->hdr.txid = xvios_txid_make(self, 42);
    r->sub.src_node = self;
    r->sub.n_targets = (uint16_t)nt;
    for (unsigned i = 0; i < nt; i++)
        r->targets[i] = t[i];
}

static void broadcast_all_but_self(void **state)
{
    static const uint32_t ids[] = { 1, 2, 3, 4 };
    struct vke_members m;
    struct xvios_msg r;
    struct vke_plan p;
    (void)state;

    members(&m, 2, 4, ids);
    request(&r, 2, XVIOS_F_BROADCAST, 0, NULL);
    assert_int_equal(vke_route_plan(&m, &r, &p), XVIOS_ST_OK);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.node[0], 1);
    assert_int_equal(p.node[1], 3);
    assert_int_equal(p.node[2], 4);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(p.initial[i], XVIOS_RC_PENDING);
}

static void directed_marks_non_members(void **state)
{
    static const uint32_t ids[] = { 1, 2, 3 };
    static const uint32_t targets[] = { 3, 9, 3, 1, 2 };
    struct vke_members m;
    struct xvios_msg r;
    struct vke_plan p;
    (void)state;

    members(&m, 2, 3, ids);
    request(&r, 2, 0, 5, targets);
    assert_int_equal(vke_route_plan(&m, &r, &p), XVIOS_ST_OK);
    assert_int_equal(p.n, 4); /* the duplicate 3 counted once */
    assert_int_equal(p.node[0], 3);
    assert_int_equal(p.initial[0], XVIOS_RC_PENDING);
    assert_int_equal(p.node[1], 9);
    assert_int_equal(p.initial[1], XVIOS_RC_NOT_MEMBER);
    assert_int_equal(p.node[2], 1);
    assert_int_equal(p.initial[2], XVIOS_RC_PENDING);
    assert_int_equal(p.node[3], 2); /* self */
    assert_int_equal(p.initial[3], XVIOS_RC_NOT_MEMBER);
}

static void not_a_member_and_alone(void **state)
{
    static const uint32_t ids[] = { 1, 3 };
    static const uint32_t solo[] = { 4 };
    struct vke_members m;
    struct xvios_msg r;
    struct vke_plan p;
    (void)state;

    members(&m, 2, 2, ids); /* self 2 is not in the active list */
    request(&r, 2, XVIOS_F_BROADCAST, 0, NULL);
    assert_int_equal(vke_route_plan(&m, &r, &p), XVIOS_ST_NOT_MEMBER);
    members(&m, 4, 1, solo);
    request(&r, 4, XVIOS_F_BROADCAST, 0, NULL);
    assert_int_equal(vke_route_plan(&m, &r, &p), XVIOS_ST_NO_TARGETS);
}

static void rc_capacity_copy_back(void **state)
{
    static const uint32_t ids[] = { 1, 2, 3, 4 };
    struct vke_members m;
    struct xvios_msg r;
    struct vke_plan p;
    uint16_t needed = 0;
    (void)state;

    members(&m, 1, 4, ids);
    request(&r, 1, XVIOS_F_BROADCAST | XVIOS_F_RECEIPT, 0, NULL);
    r.sub.rc_capacity = 2;
    assert_true(vke_route_wants_receipts(&r));
    assert_int_equal(vke_route_plan(&m, &r, &p), XVIOS_ST_OK);
    assert_int_equal(vke_route_rc_check(&r, &p, &needed), XVIOS_ST_RC_TOO_SMALL);
    assert_int_equal(needed, 3);
    r.sub.rc_capacity = 3;
    assert_int_equal(vke_route_rc_check(&r, &p, &needed), XVIOS_ST_OK);
    /* capacity 0: receipts not wanted, nothing to be too small */
    r.sub.rc_capacity = 0;
    assert_false(vke_route_wants_receipts(&r));
    assert_int_equal(vke_route_rc_check(&r, &p, &needed), XVIOS_ST_OK);
    /* capacity without the flag: no receipts either */
    request(&r, 1, XVIOS_F_BROADCAST, 0, NULL);
    r.sub.rc_capacity = 1;
    assert_false(vke_route_wants_receipts(&r));
    assert_int_equal(vke_route_rc_check(&r, &p, &needed), XVIOS_ST_OK);
}

static void request_checks(void **state)
{
    static const uint32_t t3[] = { 3 };
    struct xvios_msg r;
    const char *why;
    (void)state;

    request(&r, 2, 0, 1, t3);
    assert_int_equal(vke_route_check_request(&r, 2, &why), XVIOS_ST_OK);
    assert_null(why);

    request(&r, 2, 0, 1, t3);
    r.sub.src_node = 5;
    assert_int_equal(vke_route_check_request(&r, 2, &why), XVIOS_ST_BAD_PACKET);
    assert_non_null(why);

    request(&r, 2, 0, 1, t3);
    r.hdr.txid = xvios_txid_make(7, 1);
    assert_int_equal(vke_route_check_request(&r, 2, &why), XVIOS_ST_BAD_PACKET);

    request(&r, 2, 0, 0, NULL);
    assert_int_equal(vke_route_check_request(&r, 2, &why), XVIOS_ST_BAD_PACKET);

    request(&r, 2, 0, 1, t3);
    r.hdr.opcode = XVIOS_OP_RECEIPT;
    assert_int_equal(vke_route_check_request(&r, 2, &why), XVIOS_ST_BAD_PACKET);

    request(&r, 2, 0, 1, t3);
    r.sub.dst_node = 3;
    assert_int_equal(vke_route_check_request(&r, 2, &why), XVIOS_ST_BAD_PACKET);

    request(&r, 2, 0, 1, t3);
    r.hdr.status = XVIOS_ST_PARTIAL;
    assert_int_equal(vke_route_check_request(&r, 2, &why), XVIOS_ST_BAD_PACKET);

    /* a response: one target, the node that issued the txid */
    request(&r, 2, 0, 1, t3);
    r.hdr.opcode = XVIOS_OP_CLUSTER_RESPONSE;
    r.hdr.txid = xvios_txid_make(3, 9);
    assert_int_equal(vke_route_check_request(&r, 2, &why), XVIOS_ST_OK);
    /* the responder's verdict travels in it (BAD_PACKET: type not handled; NO_SUBSCRIBER; ...) */
    r.hdr.status = XVIOS_ST_NO_SUBSCRIBER;
    assert_int_equal(vke_route_check_request(&r, 2, &why), XVIOS_ST_OK);
    r.hdr.status = XVIOS_ST_OK;
    r.hdr.txid = xvios_txid_make(4, 9);
    assert_int_equal(vke_route_check_request(&r, 2, &why), XVIOS_ST_BAD_PACKET);
    r.hdr.txid = xvios_txid_make(3, 9);
    r.hdr.flags = XVIOS_F_BROADCAST;
    assert_int_equal(vke_route_check_request(&r, 2, &why), XVIOS_ST_BAD_PACKET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(broadcast_all_but_self),
        cmocka_unit_test(directed_marks_non_members),
        cmocka_unit_test(not_a_member_and_alone),
        cmocka_unit_test(rc_capacity_copy_back),
        cmocka_unit_test(request_checks),
    };
    return cmocka_run_group_tests_name("vke_route", tests, NULL, NULL);
}
