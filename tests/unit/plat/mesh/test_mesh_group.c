/* SPDX-License-Identifier: MIT */
/* test_mesh_group.c - the group datagram frame (xen/plat/mesh/mesh_group.h): round trip, who is
 * addressed, every bound on encode, and every truncation and bad field on decode. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "xen/plat/mesh/mesh_group.h"
#include "xvios/cpg.h"
#include "xvios/platform.h"
#include "xvios/wire.h"

static uint8_t frame[XVIOS_CPG_MAX_PAYLOAD + 16];
static uint8_t big[XVIOS_LINK_MAX_DGRAM + 1];

static void test_round_trip(void **state)
{
    const uint32_t nodes[] = { 513, 514, 769, 0xffffffffu };
    const uint8_t *d;
    size_t len, dlen;
    bool addr;
    (void)state;
    assert_int_equal(xvios_mesh_group_encode(nodes, 4, "VIOD-packet", 11, frame, sizeof frame, &len), 0);
    assert_int_equal(len, XVIOS_MESH_GROUP_FIXED + 16 + 11);
    assert_memory_equal(frame, "XVMG", 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(xvios_mesh_group_decode(frame, len, nodes[i], &addr, &d, &dlen), 0);
        assert_true(addr);
        assert_int_equal(dlen, 11);
        assert_memory_equal(d, "VIOD-packet", 11);
    }
    /* a member the frame does not name: well formed, not addressed */
    assert_int_equal(xvios_mesh_group_decode(frame, len, 770, &addr, &d, &dlen), 0);
    assert_false(addr);
    assert_int_equal(xvios_mesh_group_decode(frame, len, 257, &addr, &d, &dlen), 0);
    assert_false(addr);
}

static void test_encode_bounds(void **state)
{
    uint32_t nodes[XVIOS_MESH_GROUP_MAX + 1];
    size_t len;
    (void)state;
    for (unsigned i = 0; i <= XVIOS_MESH_GROUP_MAX; i++)
        nodes[i] = 257 + i;
    assert_int_equal(xvios_mesh_group_encode(nodes, XVIOS_MESH_GROUP_MAX, "x", 1, frame, sizeof frame, &len), 0);
    assert_int_equal(xvios_mesh_group_encode(nodes, XVIOS_MESH_GROUP_MAX + 1, "x", 1, frame, sizeof frame, &len),
                     -EINVAL);
    assert_int_equal(xvios_mesh_group_encode(nodes, 0, "x", 1, frame, sizeof frame, &len), -EINVAL);
    assert_int_equal(xvios_mesh_group_encode(nodes, 1, "x", 0, frame, sizeof frame, &len), -EMSGSIZE);
    nodes[1] = 0;
    assert_int_equal(xvios_mesh_group_encode(nodes, 2, "x", 1, frame, sizeof frame, &len), -EINVAL);
    nodes[1] = nodes[0];       /* a node named twice */
    assert_int_equal(xvios_mesh_group_encode(nodes, 2, "x", 1, frame, sizeof frame, &len), -EINVAL);
    nodes[1] = 258;
    /* the largest VIOD packet fits with every member named; a datagram of the link's maximum does not */
    assert_int_equal(xvios_mesh_group_encode(nodes, XVIOS_MESH_GROUP_MAX, big, XVIOS_MAX_MSG, frame, sizeof frame,
                                             &len), 0);
    assert_true(len <= XVIOS_CPG_MAX_PAYLOAD);
    assert_int_equal(xvios_mesh_group_encode(nodes, 1, big, XVIOS_LINK_MAX_DGRAM, frame, sizeof frame, &len),
                     -EMSGSIZE);
    assert_int_equal(xvios_mesh_group_encode(nodes, 2, "abc", 3, frame, 8 + 8 + 2, &len), -EMSGSIZE);
    assert_int_equal(xvios_mesh_group_encode(nodes, 2, "abc", 3, frame, 8 + 8 + 3, &len), 0);
}

static void test_decode_rejects(void **state)
{
    const uint32_t nodes[] = { 513, 769 };
    const uint8_t *d;
    size_t len, dlen;
    bool addr;
    uint8_t bad[64];
    (void)state;
    assert_int_equal(xvios_mesh_group_encode(nodes, 2, "pkt", 3, frame, sizeof frame, &len), 0);
    /* every truncation: the header, the names, or no datagram left */
    for (size_t cut = 0; cut < len - 3 + 1; cut++) {
        addr = true;
        assert_int_equal(xvios_mesh_group_decode(frame, cut, 513, &addr, &d, &dlen), -EBADMSG);
        assert_false(addr);
    }
    for (size_t cut = len - 2; cut < len; cut++)   /* a shorter datagram is still a datagram */
        assert_int_equal(xvios_mesh_group_decode(frame, cut, 513, &addr, &d, &dlen), 0);
    assert_int_equal(xvios_mesh_group_decode(NULL, len, 513, &addr, &d, &dlen), -EBADMSG);
    memcpy(bad, frame, len);
    bad[0] ^= 1;                                   /* magic */
    assert_int_equal(xvios_mesh_group_decode(bad, len, 513, &addr, &d, &dlen), -EBADMSG);
    memcpy(bad, frame, len);
    xvios_put_le16(bad + 4, 2);                    /* version */
    assert_int_equal(xvios_mesh_group_decode(bad, len, 513, &addr, &d, &dlen), -EBADMSG);
    memcpy(bad, frame, len);
    xvios_put_le16(bad + 6, 0);                    /* no names */
    assert_int_equal(xvios_mesh_group_decode(bad, len, 513, &addr, &d, &dlen), -EBADMSG);
    xvios_put_le16(bad + 6, XVIOS_MESH_GROUP_MAX + 1);
    assert_int_equal(xvios_mesh_group_decode(bad, len, 513, &addr, &d, &dlen), -EBADMSG);
    xvios_put_le16(bad + 6, 0xffff);               /* names far past the end */
    assert_int_equal(xvios_mesh_group_decode(bad, len, 513, &addr, &d, &dlen), -EBADMSG);
    xvios_put_le16(bad + 6, 3);                    /* the datagram read as a name: nothing left */
    assert_int_equal(xvios_mesh_group_decode(bad, 8 + 12, 513, &addr, &d, &dlen), -EBADMSG);
    memcpy(bad, frame, len);
    xvios_put_le32(bad + 12, 0);                   /* node 0 */
    assert_int_equal(xvios_mesh_group_decode(bad, len, 513, &addr, &d, &dlen), -EBADMSG);
    xvios_put_le32(bad + 12, 513);                 /* named twice */
    assert_int_equal(xvios_mesh_group_decode(bad, len, 513, &addr, &d, &dlen), -EBADMSG);
    /* over the CPG payload bound */
    assert_int_equal(xvios_mesh_group_decode(frame, XVIOS_CPG_MAX_PAYLOAD + 1, 513, &addr, &d, &dlen), -EBADMSG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_encode_bounds),
        cmocka_unit_test(test_decode_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
