/* SPDX-License-Identifier: MIT */
/*
 * fuzz_multihost_msgs.c - what another host can put in front of a node on
 * the multi-host transport: CPG messages (xen/plat/cpg/cpg_hdr.c) and the
 * byte stream of a TCP link (xen/plat/tcp/tcp_frame.c), and the process
 * roster that CPG senders feed (cpg_roster.c).
 *
 * Input: byte 0 picks the caller's cap for the stream; the rest is taken
 * (1) as one CPG message, (2) as a TCP link's decrypted stream, walked frame
 * by frame as tcp_link.c walks it, (3) as 9-byte roster operations
 * [op][cs_nodeid u32 LE][pid u32 LE] whose node is derived from the bytes,
 * (4) as a group datagram frame (xen/plat/mesh/mesh_group.c), the payload of
 * a CPG broadcast.
 *
 * Invariants (abort() on violation): an accepted CPG header's payload length
 * is exactly what follows it and within its bound, its source is a valid
 * node id of its host, a HELLO's card within XVIOS_CPG_CARD_MAX; a frame
 * never claims more than the stream holds, never more than the bound, an
 * accepted datagram fits the cap; the roster never exceeds its bound,
 * never holds one node twice, and only nodes of the announcing host; an
 * accepted group frame holds a datagram of 1..XVIOS_LINK_MAX_DGRAM bytes
 * inside it, and encodes back to the same bytes.
 *
 *   make fuzz FUZZ_SECONDS=60   (seed corpus: tests/fuzz/corpus/fuzz_multihost_msgs/)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xen/plat/cpg/cpg_roster.h"
#include "xen/plat/mesh/mesh_group.h"
#include "xen/plat/tcp/tcp_frame.h"
#include "xvios/cpg.h"
#include "xvios/platform.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void cpg_msg(const uint8_t *d, size_t n)
{
    struct xvios_cpg_hdr h;
    if (xvios_cpg_hdr_decode(d, n, &h) != 0)
        return;
    check(n == XVIOS_CPG_HDR_LEN + h.len);
    check(h.len <= XVIOS_CPG_MAX_PAYLOAD);
    check(xvios_cpg_node_id(xvios_cpg_node_host(h.src), xvios_cpg_node_local(h.src)) == h.src);
    check(h.kind == XVIOS_CPG_BCAST || (h.kind == XVIOS_CPG_HELLO && h.len <= XVIOS_CPG_CARD_MAX));
    uint8_t again[XVIOS_CPG_HDR_LEN];
    xvios_cpg_hdr_encode(&h, again);
    check(memcmp(again, d, XVIOS_CPG_HDR_LEN) == 0);
}

static void stream(const uint8_t *d, size_t n, size_t cap)
{
    while (n > 0) {
        size_t dlen = 0, used = 0;
        int rc = tcp_frame_next(d, n, cap, XVIOS_LINK_MAX_DGRAM, &dlen, &used);
        if (rc == -EAGAIN || rc == -EPROTO)
            return;                     /* wait for more / the link is dead */
        check(used >= TCP_FRAME_HDR && used <= n);
        if (rc == 0) {
            check(dlen >= 1 && dlen <= cap && dlen <= XVIOS_LINK_MAX_DGRAM && used == TCP_FRAME_HDR + dlen);
        } else if (rc == -EMSGSIZE) {
            check(dlen > cap && dlen <= XVIOS_LINK_MAX_DGRAM);
        } else {
            check(rc == -EBADMSG && used == TCP_FRAME_HDR);
        }
        d += used;
        n -= used;
    }
}

static void roster(const uint8_t *d, size_t n)
{
    static struct cpg_roster r;
    memset(&r, 0, sizeof r);
    for (; n >= 9; d += 9, n -= 9) {
        uint32_t nodeid = get32(d + 1) % 8, pid = get32(d + 5) % 200;
        uint32_t node = ((d[0] >> 2) % 8) << 8 | (d[4] % 4);
        if (d[0] & 1) {
            int rc = cpg_roster_hello(&r, nodeid, pid, node);
            if (rc >= 0)
                check(cpg_roster_node_of(&r, nodeid, pid) == node && xvios_cpg_node_host(node) == nodeid);
        } else {
            uint32_t gone = cpg_roster_remove(&r, nodeid, pid);
            check(cpg_roster_node_of(&r, nodeid, pid) == 0);
            check(!gone || xvios_cpg_node_host(gone) == nodeid);
        }
        check(r.n <= XVIOS_CPG_MAX_MEMBERS);
        uint32_t nodes[XVIOS_CPG_MAX_MEMBERS];
        unsigned k = cpg_roster_nodes(&r, nodes, XVIOS_CPG_MAX_MEMBERS);
        check(k == r.n);
        for (unsigned i = 1; i < k; i++)
            check(nodes[i - 1] < nodes[i]);   /* sorted, no node twice */
    }
}

static void group(const uint8_t *d, size_t n, uint32_t self)
{
    static uint8_t again[XVIOS_CPG_MAX_PAYLOAD];
    uint32_t nodes[XVIOS_MESH_GROUP_MAX];
    const uint8_t *dg = NULL;
    size_t dlen = 0, len = 0;
    bool addressed = false, named = false;
    unsigned k;

    if (xvios_mesh_group_decode(d, n, self, &addressed, &dg, &dlen) != 0) {
        check(!addressed);
        return;
    }
    check(dlen >= 1 && dlen <= XVIOS_LINK_MAX_DGRAM && dg > d && dg + dlen == d + n);
    k = (unsigned)(d[6] | d[7] << 8);
    check(k >= 1 && k <= XVIOS_MESH_GROUP_MAX && (size_t)(dg - d) == XVIOS_MESH_GROUP_FIXED + 4u * k);
    for (unsigned i = 0; i < k; i++) {
        nodes[i] = get32(d + XVIOS_MESH_GROUP_FIXED + 4u * i);
        named |= nodes[i] == self;
    }
    check(named == addressed);
    check(xvios_mesh_group_encode(nodes, k, dg, dlen, again, sizeof again, &len) == 0);
    check(len == n && memcmp(again, d, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const size_t caps[] = { 0, 1, 4, 100, 16384, XVIOS_LINK_MAX_DGRAM };
    size_t cap = caps[data[0] % (sizeof caps / sizeof caps[0])];
    cpg_msg(data + 1, size - 1);
    stream(data + 1, size - 1, cap);
    roster(data + 1, size - 1);
    group(data + 1, size - 1, 257u + data[0]);
    return 0;
}
