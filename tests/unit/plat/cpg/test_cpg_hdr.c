/* SPDX-License-Identifier: MIT */
/*
 * test_cpg_hdr.c - the CPG message header (xen/plat/cpg/cpg_hdr.c): round
 * trip, and every class of bad input refused with -EPROTO; the multi-host
 * node id mapping and its bounds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "xvios/cpg.h"

static size_t make(uint8_t *buf, uint16_t kind, uint32_t src, uint32_t len)
{
    struct xvios_cpg_hdr h = { .magic = XVIOS_CPG_MAGIC, .version = XVIOS_CPG_VERSION, .kind = kind,
                               .src = src, .len = len };
    xvios_cpg_hdr_encode(&h, buf);
    memset(buf + XVIOS_CPG_HDR_LEN, 'p', len);
    return XVIOS_CPG_HDR_LEN + len;
}

static void test_round_trip(void **state)
{
    (void)state;
    static uint8_t buf[XVIOS_CPG_HDR_LEN + XVIOS_CPG_MAX_PAYLOAD];
    struct xvios_cpg_hdr h;
    size_t n = make(buf, XVIOS_CPG_BCAST, 0x305, 7);
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), 0);
    assert_int_equal(h.kind, XVIOS_CPG_BCAST);
    assert_int_equal(h.src, 0x305);
    assert_int_equal(h.len, 7);
    /* little-endian on the wire, whatever the host */
    assert_int_equal(buf[0], 0x50);
    assert_int_equal(buf[8], 0x05);
    assert_int_equal(buf[9], 0x03);
    n = make(buf, XVIOS_CPG_BCAST, 0x101, XVIOS_CPG_MAX_PAYLOAD);
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), 0);
    n = make(buf, XVIOS_CPG_HELLO, 0x101, 0);
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), 0);
    assert_int_equal(h.kind, XVIOS_CPG_HELLO);
}

static void test_refused(void **state)
{
    (void)state;
    static uint8_t buf[XVIOS_CPG_HDR_LEN + XVIOS_CPG_MAX_PAYLOAD + 1];
    struct xvios_cpg_hdr h;
    size_t n = make(buf, XVIOS_CPG_BCAST, 0x101, 4);
    assert_int_equal(xvios_cpg_hdr_decode(NULL, n, &h), -EPROTO);
    for (size_t k = 0; k < XVIOS_CPG_HDR_LEN; k++)          /* every short length */
        assert_int_equal(xvios_cpg_hdr_decode(buf, k, &h), -EPROTO);
    assert_int_equal(xvios_cpg_hdr_decode(buf, n - 1, &h), -EPROTO);   /* len says more than came */
    assert_int_equal(xvios_cpg_hdr_decode(buf, n + 1, &h), -EPROTO);   /* trailing bytes */
    buf[0] ^= 1;
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), -EPROTO);       /* magic */
    buf[0] ^= 1;
    buf[4] = 2;
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), -EPROTO);       /* version */
    n = make(buf, 3, 0x101, 4);
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), -EPROTO);       /* kind */
    n = make(buf, 0, 0x101, 4);
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), -EPROTO);
    n = make(buf, XVIOS_CPG_HELLO, 0x101, XVIOS_CPG_CARD_MAX);
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), 0);             /* HELLO with the largest card */
    n = make(buf, XVIOS_CPG_HELLO, 0x101, XVIOS_CPG_CARD_MAX + 1);
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), -EPROTO);       /* HELLO with a card over the bound */
    n = make(buf, XVIOS_CPG_BCAST, 0x100, 4);
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), -EPROTO);       /* local 0 */
    n = make(buf, XVIOS_CPG_BCAST, 0x42, 4);
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), -EPROTO);       /* host 0 */
    n = make(buf, XVIOS_CPG_BCAST, 0x101, XVIOS_CPG_MAX_PAYLOAD + 1);
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), -EPROTO);       /* over the bound */
    /* a length field near 2^32 must not wrap the comparison */
    n = make(buf, XVIOS_CPG_BCAST, 0x101, 0);
    buf[12] = buf[13] = buf[14] = buf[15] = 0xff;
    assert_int_equal(xvios_cpg_hdr_decode(buf, n, &h), -EPROTO);
}

static void test_node_ids(void **state)
{
    (void)state;
    assert_int_equal(xvios_cpg_node_id(1, 1), 257);
    assert_int_equal(xvios_cpg_node_id(3, 2), 770);
    assert_int_equal(xvios_cpg_node_id(0xffffff, 255), 0xffffffffu);
    assert_int_equal(xvios_cpg_node_id(0, 1), 0);
    assert_int_equal(xvios_cpg_node_id(1, 0), 0);
    assert_int_equal(xvios_cpg_node_id(1, 256), 0);
    assert_int_equal(xvios_cpg_node_id(0x1000000, 1), 0);
    assert_int_equal(xvios_cpg_node_host(770), 3);
    assert_int_equal(xvios_cpg_node_local(770), 2);
    assert_string_equal(xvios_cpg_lost_reason_name(XVIOS_CPG_LOST_NODEDOWN), "nodedown");
    assert_string_equal(xvios_cpg_lost_reason_name(XVIOS_CPG_LOST_PROCDOWN), "procdown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_node_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
