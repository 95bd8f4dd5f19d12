/* SPDX-License-Identifier: MIT */
/*
 * test_vke_evloop.c - the VKE as a guest of an xvios-backend-style event
 * loop, next to a second subsystem (a stand-in for the vSCSI engine), on a
 * loopback cluster. Nodes 1 and 2 each run one loop that hosts a VKE, a
 * store-watch multiplexer and the subsystem; the test turns both loops.
 *
 * Proves: both guests get their own watch events through the one watch fd
 * (the VKE sees a node join, the subsystem its own store path, neither the
 * other's); the subsystem on node 1 sends a directed message with a receipt
 * to node 2 through the in-process path, gets the daemon socket's
 * SEND_RESULT (status, copied-back headers, RC array with DELIVERED); the
 * subsystem on node 2 receives it without a daemon and answers with a
 * CLUSTER_RESPONSE, which node 1's subsystem receives. Also: the in-process
 * send applies the socket's validation, RC-capacity check and deadlines,
 * and a type no receiver claimed still goes to the daemon queue.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/evloop.h"
#include "xvios/log.h"
#include "xvios/loopback.h"
#include "xvios/vke.h"
#include "xvios/watchmux.h"
#include "xvios/wire.h"

#define DOM(n) (10u + (n))
#define MT_TOY  (XVIOS_MT_BACKEND_BASE + 1)   /* the toy subsystem's message type */
#define SUB_TOKEN "toy-subsystem"

/* The second subsystem: watches its own store path, exchanges MT_TOY messages with its peers. */
struct toy {
    struct xvios_vke *vke;
    uint32_t self;
    unsigned watch_events;
    bool foreign_token;
    char watch_path[64];
    unsigned results;
    struct xvios_msg result;
    struct xvios_rc_entry rc[4];
    unsigned n_rc;
    unsigned received;
    struct xvios_msg in;
    char in_payload[16];
    unsigned answer_results;
    struct xvios_msg answer_result;
};

struct node {
    xvios_plat *plat;
    struct xvios_evloop *loop;
    struct xvios_watchmux *mux;
    struct xvios_vke *vke;
    struct toy toy;
    char rundir[80];
};

struct env {
    struct loop_fixture f;
    struct node n[3];       /* [1], [2] */
};

static void toy_on_watch(void *arg, const struct xvios_watch_event *ev, unsigned n)
{
    struct toy *t = arg;

    for (unsigned i = 0; i < n; i++) {
        if (strcmp(ev[i].token, SUB_TOKEN))
            t->foreign_token = true;
        t->watch_events++;
        snprintf(t->watch_path, sizeof(t->watch_path), "%s", ev[i].path);
    }
}

static void toy_on_answer_result(void *arg, const struct xvios_msg *result, const struct xvios_rc_entry *rc,
                                 unsigned n_rc)
{
    struct toy *t = arg;

    t->answer_results++;
    t->answer_result = *result;
    if (n_rc == 1)
        t->rc[3] = rc[0];
}

/* Inbound MT_TOY: a send asking for a response is answered "pong", through the in-process path too. */
static void toy_on_message(void *arg, const struct xvios_msg *m)
{
    struct toy *t = arg;
    struct xvios_msg r;

    t->received++;
    t->in = *m;
    t->in.payload = NULL;
    memset(t->in_payload, 0, sizeof(t->in_payload));
    memcpy(t->in_payload, m->payload, m->hdr.payload_len < sizeof(t->in_payload) - 1 ? m->hdr.payload_len
                                                                                       : sizeof(t->in_payload) - 1);
    if (m->hdr.opcode != XVIOS_OP_CLUSTER_SEND || !(m->hdr.flags & XVIOS_F_RESPONSE))
        return;
    memset(&r, 0, sizeof(r));
    r.hdr.opcode = XVIOS_OP_CLUSTER_RESPONSE;
    r.hdr.txid = m->hdr.txid;
    r.sub.msg_type = m->sub.msg_type;
    r.sub.src_node = t->self;
    r.sub.n_targets = 1;
    r.targets[0] = m->sub.src_node;
    r.sub.rc_capacity = 1;
    r.payload = (const uint8_t *)"pong";
    r.hdr.payload_len = 4;
    assert_int_equal(xvios_vke_send(t->vke, &r, toy_on_answer_result, t, NULL), 0);
}

static void toy_on_result(void *arg, const struct xvios_msg *result, const struct xvios_rc_entry *rc, unsigned n_rc)
{
    struct toy *t = arg;

    t->results++;
    t->result = *result;
    t->n_rc = n_rc;
    for (unsigned i = 0; i < n_rc && i < 3; i++)
        t->rc[i] = rc[i];
}

static void turn_all(struct env *e, int ms)
{
    struct timespec end = xvios_deadline_ms((uint64_t)ms);
    do {
        for (int i = 1; i <= 2; i++)
            assert_true(xvios_evloop_run_once(e->n[i].loop, 2) >= 0);
    } while (!xvios_ts_passed(&end));
}

/* Turn both loops until *counter reaches want (or 3 s pass). */
static bool turn_until(struct env *e, const unsigned *counter, unsigned want)
{
    for (int k = 0; k < 1500 && *counter < want; k++)
        turn_all(e, 2);
    return *counter >= want;
}

static void add_node(struct env *e, uint32_t n)
{
    struct xvios_dominfo di;
    char name[16];
    uint32_t node;

    snprintf(name, sizeof(name), "vios%u", n);
    assert_int_equal(xvios_loop_domain_create(e->f.dom0, DOM(n), name), 0);
    assert_int_equal(xvios_plat_domain_info(e->f.dom0, DOM(n), &di), 0);
    assert_int_equal(xvios_db_node_add(e->f.dom0, &di, &node), 0);
    assert_int_equal(node, n);
}

/* What xvios-backend does: one loop, one multiplexer, the VKE as a guest; then the toy subsystem joins. */
static void start_node(struct env *e, uint32_t n)
{
    struct node *nd = &e->n[n];
    struct xvios_vke_config vc = { 0 };
    char path[64];

    nd->plat = loop_fixture_open(e->f.root, DOM(n));
    assert_non_null(nd->plat);
    assert_int_equal(xvios_evloop_create(&nd->loop), 0);
    assert_int_equal(xvios_watchmux_create(nd->plat, nd->loop, &nd->mux), 0);
    char root[sizeof(e->f.root)];

    memcpy(root, e->f.root, sizeof(root));
    snprintf(nd->rundir, sizeof(nd->rundir), "%s/nodes/%u", root, n);
    vc.plat = nd->plat;
    vc.rundir = nd->rundir;
    vc.loop = nd->loop;
    vc.watches = nd->mux;
    assert_int_equal(xvios_vke_create(&vc, &nd->vke), 0);
    assert_int_equal(xvios_vke_node(nd->vke), n);
    /* a hosted VKE is turned by its host only */
    assert_int_equal(xvios_vke_run_once(nd->vke, 0), -EINVAL);

    nd->toy.vke = nd->vke;
    nd->toy.self = n;
    snprintf(path, sizeof(path), "/test/toy-%u", n);
    assert_int_equal(xvios_watchmux_add(nd->mux, path, SUB_TOKEN, toy_on_watch, &nd->toy), 0);
    assert_int_equal(xvios_vke_receiver_add(nd->vke, XVIOS_MT_BACKEND_BASE, XVIOS_MT_BACKEND_BASE + 0xff,
                                            toy_on_message, &nd->toy), 0);
}

static int setup(void **state)
{
    struct xvios_db_config cfg = { .name = "evloop", .max_nodes = 8, .timeout_ms = 1000, .retries = 1 };
    struct xvios_perm readable = { .domid = 0, .perm = XVIOS_PERM_READ };
    struct env *e = calloc(1, sizeof(*e));
    struct xvios_vke_stats s1, s2;

    assert_non_null(e);
    xvios_log_set_level(XVIOS_LOG_ERR);
    assert_int_equal(loop_fixture_setup(&e->f), 0);
    assert_int_equal(xvios_db_cluster_create(e->f.dom0, &cfg), 0);
    assert_int_equal(xvios_store_mkdir(e->f.dom0, XVIOS_TX_NONE, "/test"), 0);
    assert_int_equal(xvios_store_set_perms(e->f.dom0, XVIOS_TX_NONE, "/test", &readable, 1), 0);
    add_node(e, 1);
    add_node(e, 2);
    start_node(e, 1);
    start_node(e, 2);
    for (int k = 0; k < 400; k++) {
        xvios_vke_get_stats(e->n[1].vke, &s1);
        xvios_vke_get_stats(e->n[2].vke, &s2);
        if (s1.link_up && s2.link_up)
            break;
        turn_all(e, 5);
    }
    assert_true(s1.link_up >= 1);
    assert_true(s2.link_up >= 1);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    for (int i = 1; i <= 2; i++) {
        struct node *nd = &e->n[i];
        xvios_vke_destroy(nd->vke);       /* guests leave first */
        xvios_watchmux_destroy(nd->mux);
        xvios_evloop_destroy(nd->loop);
        xvios_plat_close(nd->plat);
    }
    loop_fixture_teardown(&e->f);
    free(e);
    return 0;
}

static unsigned stat_line(struct xvios_vke *v, const char *key)
{
    char text[2048], pat[40];
    const char *at;

    xvios_vke_format_stats(v, text, sizeof(text));
    snprintf(pat, sizeof(pat), "\n%s=", key);
    at = strstr(text, pat);
    assert_non_null(at);
    return (unsigned)strtoul(at + strlen(pat), NULL, 10);
}

static void both_guests_get_their_watch_events(void **state)
{
    struct env *e = *state;
    struct toy *t = &e->n[1].toy;
    struct xvios_watchmux_stats ms;
    unsigned before;

    /* the toy's initial event arrived, its token only */
    assert_true(turn_until(e, &t->watch_events, 1));
    assert_string_equal(t->watch_path, "/test/toy-1");
    before = t->watch_events;
    assert_int_equal(stat_line(e->n[1].vke, "peers"), 1);

    /* a node joins: the VKE's membership watch fires (a new peer), the toy hears nothing */
    add_node(e, 3);
    for (int k = 0; k < 300 && stat_line(e->n[1].vke, "peers") != 2; k++)
        turn_all(e, 2);
    assert_int_equal(stat_line(e->n[1].vke, "peers"), 2);
    turn_all(e, 30);
    assert_int_equal(t->watch_events, before);

    /* the toy's path changes: the toy hears it, the VKE's peers stay as they are */
    assert_int_equal(xvios_store_write(e->f.dom0, XVIOS_TX_NONE, "/test/toy-1/lun", "0", 1), 0);
    assert_true(turn_until(e, &t->watch_events, before + 1));
    assert_string_equal(t->watch_path, "/test/toy-1/lun");
    assert_false(t->foreign_token);
    assert_false(e->n[2].toy.foreign_token);
    assert_int_equal(stat_line(e->n[1].vke, "peers"), 2);
    xvios_watchmux_get_stats(e->n[1].mux, &ms);
    assert_int_equal(ms.unknown_token, 0);
    assert_true(ms.dispatched >= 4); /* both guests' events went through the one multiplexer */
}

static void directed_send_with_receipt_and_an_answer(void **state)
{
    struct env *e = *state;
    struct toy *t1 = &e->n[1].toy, *t2 = &e->n[2].toy;
    struct xvios_vke_stats s1, s2;
    struct xvios_msg m;
    uint64_t txid = 0;
    unsigned upq2 = stat_line(e->n[2].vke, "up_queue"); /* link events wait there: no daemon attached */

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_F_RECEIPT | XVIOS_F_RESPONSE;
    m.sub.msg_type = MT_TOY;
    m.sub.src_node = 1;
    m.sub.n_targets = 1;
    m.targets[0] = 2;
    m.sub.rc_capacity = 2;
    m.sub.timeout_ms = 2000;
    m.payload = (const uint8_t *)"ping";
    m.hdr.payload_len = 4;
    assert_int_equal(xvios_vke_send(e->n[1].vke, &m, toy_on_result, t1, &txid), 0);
    assert_int_equal(xvios_txid_node(txid), 1);
    assert_int_equal(t1->results, 0); /* never from inside the call */

    assert_true(turn_until(e, &t1->results, 1));
    assert_true(turn_until(e, &t1->received, 1));

    /* the SEND_RESULT the daemon socket would carry */
    assert_int_equal(t1->result.hdr.opcode, XVIOS_OP_SEND_RESULT);
    assert_int_equal(t1->result.hdr.status, XVIOS_ST_OK);
    assert_true(t1->result.hdr.txid == txid);
    assert_int_equal(t1->result.hdr.flags, m.hdr.flags);
    assert_int_equal(t1->result.sub.msg_type, MT_TOY);
    assert_int_equal(t1->result.sub.rc_capacity, 2);
    assert_int_equal(t1->result.sub.rc_needed, 1);
    assert_int_equal(t1->n_rc, 1);
    assert_int_equal(t1->rc[0].node, 2);
    assert_int_equal(t1->rc[0].status, XVIOS_RC_DELIVERED);

    /* node 2's subsystem got the message, not its daemon */
    assert_int_equal(t2->received, 1);
    assert_int_equal(t2->in.hdr.opcode, XVIOS_OP_CLUSTER_SEND);
    assert_true(t2->in.hdr.txid == txid);
    assert_int_equal(t2->in.sub.src_node, 1);
    assert_int_equal(t2->in.sub.dst_node, 2);
    assert_string_equal(t2->in_payload, "ping");

    /* and node 1's subsystem got the answer */
    assert_int_equal(t1->in.hdr.opcode, XVIOS_OP_CLUSTER_RESPONSE);
    assert_true(t1->in.hdr.txid == txid);
    assert_int_equal(t1->in.sub.src_node, 2);
    assert_int_equal(t1->in.sub.msg_type, MT_TOY);
    assert_string_equal(t1->in_payload, "pong");
    assert_true(turn_until(e, &t2->answer_results, 1));
    assert_int_equal(t2->answer_result.hdr.status, XVIOS_ST_OK);
    assert_int_equal(t2->rc[3].node, 1);
    assert_int_equal(t2->rc[3].status, XVIOS_RC_SENT); /* no receipt asked for the answer */

    xvios_vke_get_stats(e->n[1].vke, &s1);
    xvios_vke_get_stats(e->n[2].vke, &s2);
    assert_int_equal(s1.sends_inproc, 1);
    assert_int_equal(s1.receipts_in, 1);
    assert_int_equal(s1.delivered_inproc, 1);
    assert_int_equal(s2.sends_inproc, 1);
    assert_int_equal(s2.receipts_sent, 1);
    assert_int_equal(s2.delivered_inproc, 1);
    assert_int_equal(s1.delivered_up + s2.delivered_up, 0);
    assert_int_equal(stat_line(e->n[2].vke, "up_queue"), upq2);
}

/*
 * A turn services the links that woke it, not only the tick's: with both
 * links idle, node 1's send goes onto the link in the turn that takes it,
 * node 2 receives and receipts it, and the one next turn of node 1 (its
 * link's fd readable) completes the send, long before the next tick of
 * every link (VKE_IDLE_MS, a second).
 */
static void a_woken_link_is_serviced_in_its_turn(void **state)
{
    struct env *e = *state;
    struct toy *t1 = &e->n[1].toy, *t2 = &e->n[2].toy;
    struct xvios_vke_stats s2;
    struct xvios_msg m;
    uint64_t txid = 0;
    unsigned receipts;
    struct timespec t0;

    turn_all(e, 50); /* whatever the set-up left is done */
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_F_RECEIPT;
    m.sub.msg_type = MT_TOY;
    m.sub.src_node = 1;
    m.sub.n_targets = 1;
    m.targets[0] = 2;
    m.sub.rc_capacity = 1;
    m.sub.timeout_ms = 5000;
    m.payload = (const uint8_t *)"tick";
    m.hdr.payload_len = 4;
    xvios_vke_get_stats(e->n[2].vke, &s2);
    receipts = (unsigned)s2.receipts_sent;
    t0 = xvios_now();
    assert_int_equal(xvios_vke_send(e->n[1].vke, &m, toy_on_result, t1, &txid), 0);
    assert_true(xvios_evloop_run_once(e->n[1].loop, 0) >= 0);     /* takes the send, puts it on the link */
    for (int k = 0; k < 200 && t2->received == 0; k++)            /* node 2 alone: receives, receipts */
        assert_true(xvios_evloop_run_once(e->n[2].loop, 5) >= 0);
    assert_int_equal(t2->received, 1);
    xvios_vke_get_stats(e->n[2].vke, &s2);
    assert_int_equal(s2.receipts_sent, receipts + 1);
    assert_int_equal(t1->results, 0);
    for (int k = 0; k < 3 && t1->results == 0; k++)               /* the receipt wakes node 1's loop */
        assert_true(xvios_evloop_run_once(e->n[1].loop, 200) >= 0);
    assert_int_equal(t1->results, 1);
    assert_true(t1->result.hdr.txid == txid);
    assert_int_equal(t1->result.hdr.status, XVIOS_ST_OK);
    assert_int_equal(t1->rc[0].status, XVIOS_RC_DELIVERED);
    assert_true(xvios_ts_diff_ms(t0, xvios_now()) < 900);
}

static void send_checks_and_deadlines_match_the_socket(void **state)
{
    struct env *e = *state;
    struct toy *t1 = &e->n[1].toy;
    struct xvios_msg m;
    struct timespec t0;
    uint64_t txid = 0;
    unsigned upq2;
    int64_t ms;

    memset(&m, 0, sizeof(m));
    assert_int_equal(xvios_vke_send(NULL, &m, toy_on_result, t1, NULL), -EINVAL);
    assert_int_equal(xvios_vke_send(e->n[1].vke, &m, NULL, t1, NULL), -EINVAL);
    /* receivers: inside the backend range, no overlap */
    assert_int_equal(xvios_vke_receiver_add(e->n[1].vke, XVIOS_MT_BACKEND_BASE + 0x80, XVIOS_MT_BACKEND_BASE + 0x100,
                                            toy_on_message, t1), -EEXIST);
    assert_int_equal(xvios_vke_receiver_add(e->n[1].vke, XVIOS_MT_USER_BASE, XVIOS_MT_USER_BASE,
                                            toy_on_message, t1), -EINVAL);
    assert_int_equal(xvios_vke_receiver_remove(e->n[1].vke, XVIOS_MT_BACKEND_BASE + 1), -ENOENT);

    /* a directed send without targets: BAD_PACKET, as on the socket */
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.sub.msg_type = MT_TOY;
    m.sub.src_node = 1;
    assert_int_equal(xvios_vke_send(e->n[1].vke, &m, toy_on_result, t1, &txid), 0);
    assert_true(turn_until(e, &t1->results, 1));
    assert_int_equal(t1->result.hdr.status, XVIOS_ST_BAD_PACKET);
    assert_true(t1->result.hdr.txid == txid);

    /* unknown flag bits: the codec refuses it, the txid still comes back */
    m.hdr.flags = 0x0080;
    m.sub.n_targets = 1;
    m.targets[0] = 2;
    assert_int_equal(xvios_vke_send(e->n[1].vke, &m, toy_on_result, t1, &txid), 0);
    assert_true(turn_until(e, &t1->results, 2));
    assert_int_equal(t1->result.hdr.status, XVIOS_ST_BAD_PACKET);
    assert_true(t1->result.hdr.txid == txid);

    /* a third node (no VKE running there): a broadcast with receipts needs 2 RC entries */
    add_node(e, 3);
    m.hdr.flags = XVIOS_F_BROADCAST | XVIOS_F_RECEIPT;
    m.sub.n_targets = 0;
    m.sub.rc_capacity = 1;
    assert_int_equal(xvios_vke_send(e->n[1].vke, &m, toy_on_result, t1, NULL), 0);
    assert_true(turn_until(e, &t1->results, 3));
    assert_int_equal(t1->result.hdr.status, XVIOS_ST_RC_TOO_SMALL);
    assert_int_equal(t1->result.sub.rc_needed, 2);
    assert_int_equal(t1->n_rc, 0);

    /* node 3 never answers: its entry times out at the message's deadline */
    m.hdr.flags = XVIOS_F_RECEIPT;
    m.sub.n_targets = 1;
    m.targets[0] = 3;
    m.sub.timeout_ms = 300;
    t0 = xvios_now();
    assert_int_equal(xvios_vke_send(e->n[1].vke, &m, toy_on_result, t1, NULL), 0);
    assert_true(turn_until(e, &t1->results, 4));
    ms = xvios_ts_diff_ms(t0, xvios_now());
    assert_true(ms >= 290);
    assert_true(ms < 1500);
    assert_int_equal(t1->result.hdr.status, XVIOS_ST_PARTIAL);
    assert_int_equal(t1->n_rc, 1);
    assert_int_equal(t1->rc[0].node, 3);
    assert_int_equal(t1->rc[0].status, XVIOS_RC_TIMED_OUT);

    /* a type nobody claimed on node 2 goes to its daemon queue (no daemon attached: it waits there) */
    upq2 = stat_line(e->n[2].vke, "up_queue");
    m.hdr.flags = 0;
    m.sub.msg_type = XVIOS_MT_USER_BASE + 5;
    m.targets[0] = 2;
    m.sub.timeout_ms = 0;
    assert_int_equal(xvios_vke_send(e->n[1].vke, &m, toy_on_result, t1, NULL), 0);
    assert_true(turn_until(e, &t1->results, 5));
    assert_int_equal(t1->result.hdr.status, XVIOS_ST_OK);
    for (int k = 0; k < 500 && stat_line(e->n[2].vke, "up_queue") == upq2; k++)
        turn_all(e, 2);
    assert_int_equal(stat_line(e->n[2].vke, "up_queue"), upq2 + 1);
    assert_int_equal(e->n[2].toy.received, 0);
}

static void config_must_pair_loop_and_watches(void **state)
{
    struct env *e = *state;
    struct xvios_vke_config vc = { .plat = e->n[1].plat, .rundir = e->n[1].rundir, .loop = e->n[1].loop };
    struct xvios_vke *v = (void *)1;

    assert_int_equal(xvios_vke_create(&vc, &v), -EINVAL);
    assert_null(v);
    vc.loop = NULL;
    vc.watches = e->n[1].mux;
    assert_int_equal(xvios_vke_create(&vc, &v), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(both_guests_get_their_watch_events, setup, teardown),
        cmocka_unit_test_setup_teardown(directed_send_with_receipt_and_an_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(a_woken_link_is_serviced_in_its_turn, setup, teardown),
        cmocka_unit_test_setup_teardown(send_checks_and_deadlines_match_the_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(config_must_pair_loop_and_watches, setup, teardown),
    };
    return cmocka_run_group_tests_name("vke_evloop", tests, NULL, NULL);
}
