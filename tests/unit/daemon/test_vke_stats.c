/* SPDX-License-Identifier: MIT */
/*
 * test_vke_stats.c - the daemon's copy of the VKE's counters: strict parsing
 * of the untrusted VKE_STATS text, one ask at a time matched by txid, asked
 * again every XVD_VKE_STATS_MS and after an unanswered XVD_VKE_STATS_WAIT_MS,
 * and the vke_* lines NODE_INFO shows (none before the first answer).
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

#include "tests/unit/daemon/daemon_fixture.h"
#include "xvios/client.h"

static uint8_t buf[XVIOS_MAX_MSG];

/* What a VKE sends (the full list of its counters, in its order). */
static const char vke_text[] =
    "node=1\ndomid=101\npeers=3\nlinks_up=2\noutstanding=4\nsends=10\nsends_rejected=0\npackets_out=20\n"
    "packets_in=30\nmalformed_in=5\nreceipts_sent=7\nreceipts_in=8\nreceipts_late=6\nreceipts_dup=9\n"
    "receipts_stray=0\ndelivered_up=11\nup_queue_full=12\nup_queue=0\nlink_expired=0\nlink_dropped=0\n"
    "link_up=3\nlink_lost=13\nlocal_malformed=0\nup_expired=14\nup_lost=15\nup_unacked=0\n"
    "local_dropped=0\nshare_refused=0\ntimeout_clamped=0\nup_lost_restart=16\n";

static int parse(const char *s, uint64_t v[VS_N], uint32_t *present)
{
    return viod_vke_stats_parse((const uint8_t *)s, strlen(s), v, present);
}

static void test_parse_keeps_known_keys(void **state)
{
    uint64_t v[VS_N];
    uint32_t present = 0;
    (void)state;

    assert_int_equal(parse(vke_text, v, &present), 0);
    assert_int_equal(present, (1u << VS_N) - 1);
    assert_int_equal(v[VS_PEERS], 3);
    assert_int_equal(v[VS_LINKS_UP], 2);
    assert_int_equal(v[VS_OUTSTANDING], 4);
    assert_int_equal(v[VS_MALFORMED_IN], 5);
    assert_int_equal(v[VS_RECEIPTS_LATE], 6);
    assert_int_equal(v[VS_RECEIPTS_DUP], 9);
    assert_int_equal(v[VS_UP_QUEUE_FULL], 12);
    assert_int_equal(v[VS_LINK_LOST], 13);
    assert_int_equal(v[VS_UP_EXPIRED], 14);
    assert_int_equal(v[VS_UP_LOST], 15);
    assert_int_equal(v[VS_UP_LOST_RESTART], 16);

    /* a subset, unknown keys ignored, the largest value */
    assert_int_equal(parse("future_key=1\nlinks_up=18446744073709551615\n", v, &present), 0);
    assert_int_equal(present, 1u << VS_LINKS_UP);
    assert_true(v[VS_LINKS_UP] == UINT64_MAX);
}

static void test_parse_rejects_malformed(void **state)
{
    static const char *const bad[] = {
        "",                                   /* nothing */
        "links_up=1",                         /* no newline */
        "links_up\n",                         /* no '=' */
        "links_up=\n",                        /* no value */
        "=1\n",                               /* no key */
        "links_up=-1\n",                      /* not a decimal */
        "links_up=1 \n",
        "links_up= 1\n",
        "Links_up=1\n",                       /* key characters */
        "links-up=1\n",
        "links_up=18446744073709551616\n",    /* overflow */
        "links_up=000000000000000000001\n",   /* 21 digits */
        "abcdefghijklmnopqrstuvwxyz0123456=1\n",  /* a 33-character key */
        "links_up=1\nlinks_up=2\n",           /* a known key twice */
        "links_up=1\n\npeers=2\n",            /* an empty line */
        "links_up=1\r\n",
    };
    uint64_t v[VS_N];
    uint32_t present = 0xdead;
    char big[XVD_VKE_STATS_MAX + 16];
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], v, &present) != -EINVAL)
            fail_msg("accepted: \"%s\"", bad[i]);
    }
    assert_int_equal(present, 0xdead);   /* nothing written */
    /* an embedded NUL */
    assert_int_equal(viod_vke_stats_parse((const uint8_t *)"links_up=1\0\n", 12, v, &present), -EINVAL);
    /* over-long, even when well-formed */
    size_t k = 0;
    while (k + 8 <= sizeof(big))
        k += (size_t)snprintf(big + k, sizeof(big) - k, "xx=%03u\n", (unsigned)(k % 1000));
    assert_true(k > XVD_VKE_STATS_MAX);
    assert_int_equal(viod_vke_stats_parse((const uint8_t *)big, k, v, &present), -EINVAL);
}

static void answer(struct xviosd *d, uint64_t txid, int status, const char *text)
{
    struct xvios_msg m;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_STATS;
    m.hdr.txid = txid;
    m.hdr.status = status;
    m.hdr.payload_len = (uint32_t)strlen(text);
    m.payload = (const uint8_t *)text;
    viod_vke_stats_on_answer(d, &m);
}

/* The NODE_INFO this node would answer now. */
static size_t node_info(struct xviosd *d, char *out, size_t cap)
{
    size_t n = 0;
    assert_int_equal(viod_nodeinfo_format(d, out, cap, &n), 0);
    return n;
}

static void test_ask_answer_and_node_info(void **state)
{
    struct xviosd *d = fixture_daemon_new(1);
    struct timespec t0 = xvios_now();
    struct xvios_msg m;
    char info[4096], v[32];
    size_t n;
    uint64_t txid;
    (void)state;

    /* before any answer: no vke_ lines */
    n = node_info(d, info, sizeof(info));
    assert_int_equal(xvios_kv_get(info, n, "vke_links_up", v, sizeof(v)), -ENOENT);
    assert_int_equal(xvios_kv_get(info, n, "vke_stats_age_ms", v, sizeof(v)), -ENOENT);

    viod_vke_stats_tick(d, t0);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &m), XVIOS_WIRE_OK);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_VKE_STATS);
    assert_int_equal(m.hdr.payload_len, 0);
    txid = m.hdr.txid;
    assert_true(txid != 0);
    /* one ask at a time, even after the period */
    viod_vke_stats_tick(d, xvios_ts_add_ms(t0, XVD_VKE_STATS_MS + 1));
    assert_int_equal(fixture_pop(&d->vke_out, buf, &m), -1);

    /* an answer to nothing asked is counted; a stale one is not taken */
    answer(d, txid + 5, XVIOS_ST_OK, vke_text);
    assert_int_equal(d->c.vke_rx_bad, 1);
    assert_false(d->vs.valid);

    answer(d, txid, XVIOS_ST_OK, vke_text);
    assert_true(d->vs.valid);
    assert_false(d->vs.asking);
    n = node_info(d, info, sizeof(info));
    assert_int_equal(xvios_kv_get(info, n, "vke_links_up", v, sizeof(v)), 0);
    assert_string_equal(v, "2");
    assert_int_equal(xvios_kv_get(info, n, "vke_peers", v, sizeof(v)), 0);
    assert_string_equal(v, "3");
    assert_int_equal(xvios_kv_get(info, n, "vke_malformed_in", v, sizeof(v)), 0);
    assert_string_equal(v, "5");
    assert_int_equal(xvios_kv_get(info, n, "vke_receipts_late", v, sizeof(v)), 0);
    assert_string_equal(v, "6");
    assert_int_equal(xvios_kv_get(info, n, "vke_receipts_dup", v, sizeof(v)), 0);
    assert_string_equal(v, "9");
    assert_int_equal(xvios_kv_get(info, n, "vke_up_queue_full", v, sizeof(v)), 0);
    assert_string_equal(v, "12");
    assert_int_equal(xvios_kv_get(info, n, "vke_link_lost", v, sizeof(v)), 0);
    assert_string_equal(v, "13");
    assert_int_equal(xvios_kv_get(info, n, "vke_stats_age_ms", v, sizeof(v)), 0);
    assert_true(strtoul(v, NULL, 10) < 1000);
    /* the VKE's own identity lines are not copied over the daemon's */
    assert_int_equal(xvios_kv_get(info, n, "vke_node", v, sizeof(v)), -ENOENT);
    assert_int_equal(xvios_kv_get(info, n, "vke_sends", v, sizeof(v)), -ENOENT);
    assert_int_equal(info[n - 1], '\n');

    /* the age says how old the copy is */
    assert_int_equal(viod_vke_stats_format(&d->vs, xvios_ts_add_ms(d->vs.at, 2500), info, sizeof(info), &n), 0);
    assert_int_equal(xvios_kv_get(info, n, "vke_stats_age_ms", v, sizeof(v)), 0);
    assert_string_equal(v, "2500");
    assert_int_equal(viod_vke_stats_format(&d->vs, xvios_now(), info, 8, &n), -ENOSPC);

    /* not asked again before the period ... then asked */
    viod_vke_stats_tick(d, xvios_ts_add_ms(t0, XVD_VKE_STATS_MS / 2));
    assert_int_equal(fixture_pop(&d->vke_out, buf, &m), -1);
    viod_vke_stats_tick(d, xvios_ts_add_ms(t0, XVD_VKE_STATS_MS));
    assert_int_equal(fixture_pop(&d->vke_out, buf, &m), XVIOS_WIRE_OK);
    assert_true(m.hdr.txid > txid);
    txid = m.hdr.txid;

    /* a malformed answer is counted and the previous copy stays */
    answer(d, txid, XVIOS_ST_OK, "links_up=99\npeers=x\n");
    assert_int_equal(d->c.vke_rx_bad, 2);
    assert_int_equal(d->vs.v[VS_LINKS_UP], 2);
    assert_true(d->vs.valid);

    /* a VKE that does not answer is asked again after XVD_VKE_STATS_WAIT_MS, not before */
    struct timespec t1 = xvios_ts_add_ms(t0, 2 * XVD_VKE_STATS_MS);
    viod_vke_stats_tick(d, t1);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &m), XVIOS_WIRE_OK);
    txid = m.hdr.txid;
    viod_vke_stats_tick(d, xvios_ts_add_ms(t1, XVD_VKE_STATS_WAIT_MS - 1));
    assert_int_equal(fixture_pop(&d->vke_out, buf, &m), -1);
    viod_vke_stats_tick(d, xvios_ts_add_ms(t1, XVD_VKE_STATS_WAIT_MS));
    assert_int_equal(fixture_pop(&d->vke_out, buf, &m), XVIOS_WIRE_OK);
    assert_true(m.hdr.txid > txid);
    /* the answer to the abandoned ask is late: not taken, not counted as bad */
    answer(d, txid, XVIOS_ST_OK, "links_up=42\n");
    assert_int_equal(d->vs.v[VS_LINKS_UP], 2);
    assert_int_equal(d->c.vke_rx_bad, 2);
    /* the current one is */
    answer(d, m.hdr.txid, XVIOS_ST_OK, "links_up=42\n");
    assert_int_equal(d->vs.v[VS_LINKS_UP], 42);
    assert_int_equal(d->vs.present, 1u << VS_LINKS_UP);

    /* no VKE: nothing asked */
    d->vke_state = VKE_DOWN;
    viod_vke_stats_tick(d, xvios_ts_add_ms(t1, 10 * XVD_VKE_STATS_WAIT_MS));
    assert_int_equal(fixture_pop(&d->vke_out, buf, &m), -1);
    fixture_daemon_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_keeps_known_keys),
        cmocka_unit_test(test_parse_rejects_malformed),
        cmocka_unit_test(test_ask_answer_and_node_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
