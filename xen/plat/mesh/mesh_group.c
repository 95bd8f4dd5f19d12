/* SPDX-License-Identifier: MIT */
/* mesh_group.c - the frame of a group datagram (mesh_group.h): encode, and every check on receipt. */
#include <errno.h>
#include <string.h>

#include "mesh_group.h"
#include "xvios/cpg.h"
#include "xvios/platform.h"
#include "xvios/wire.h"

_Static_assert(XVIOS_MESH_GROUP_MAX <= XVIOS_CPG_MAX_MEMBERS, "a group names members only");
_Static_assert(XVIOS_MESH_GROUP_MAX <= UINT16_MAX, "n is a le16");
_Static_assert(XVIOS_LINK_GROUP_MAX <= XVIOS_MESH_GROUP_MAX, "a link group fits one frame");

static bool repeated(const uint32_t *nodes, unsigned i)
{
    for (unsigned j = 0; j < i; j++)
        if (nodes[j] == nodes[i])
            return true;
    return false;
}

int xvios_mesh_group_encode(const uint32_t *nodes, unsigned n, const void *dgram, size_t dlen,
                            uint8_t *out, size_t cap, size_t *out_len)
{
    size_t total;

    if (!nodes || n == 0 || n > XVIOS_MESH_GROUP_MAX || !out || !out_len || (dlen && !dgram))
        return -EINVAL;
    for (unsigned i = 0; i < n; i++)
        if (nodes[i] == 0 || repeated(nodes, i))
            return -EINVAL;
    total = XVIOS_MESH_GROUP_FIXED + 4u * (size_t)n + dlen;
    if (dlen == 0 || dlen > XVIOS_LINK_MAX_DGRAM || total > cap || total > XVIOS_CPG_MAX_PAYLOAD)
        return -EMSGSIZE;
    xvios_put_le32(out, XVIOS_MESH_GROUP_MAGIC);
    xvios_put_le16(out + 4, XVIOS_MESH_GROUP_VERSION);
    xvios_put_le16(out + 6, (uint16_t)n);
    for (unsigned i = 0; i < n; i++)
        xvios_put_le32(out + XVIOS_MESH_GROUP_FIXED + 4u * i, nodes[i]);
    memcpy(out + XVIOS_MESH_GROUP_FIXED + 4u * n, dgram, dlen);
    *out_len = total;
    return 0;
}

int xvios_mesh_group_decode(const uint8_t *untrusted, size_t untrusted_len, uint32_t self, bool *addressed,
                            const uint8_t **dgram, size_t *dlen)
{
    uint32_t nodes[XVIOS_MESH_GROUP_MAX];
    unsigned n;
    size_t head;

    *addressed = false;
    if (!untrusted || untrusted_len < XVIOS_MESH_GROUP_FIXED || untrusted_len > XVIOS_CPG_MAX_PAYLOAD)
        return -EBADMSG;
    if (xvios_get_le32(untrusted) != XVIOS_MESH_GROUP_MAGIC ||
        xvios_get_le16(untrusted + 4) != XVIOS_MESH_GROUP_VERSION)
        return -EBADMSG;
    n = xvios_get_le16(untrusted + 6);
    if (n == 0 || n > XVIOS_MESH_GROUP_MAX)
        return -EBADMSG;
    head = XVIOS_MESH_GROUP_FIXED + 4u * (size_t)n;
    if (untrusted_len <= head || untrusted_len - head > XVIOS_LINK_MAX_DGRAM)
        return -EBADMSG;              /* the names run past the end, or no datagram follows */
    for (unsigned i = 0; i < n; i++) {
        nodes[i] = xvios_get_le32(untrusted + XVIOS_MESH_GROUP_FIXED + 4u * i);
        if (nodes[i] == 0 || repeated(nodes, i))
            return -EBADMSG;
    }
    for (unsigned i = 0; i < n && !*addressed; i++)
        *addressed = nodes[i] == self;
    *dgram = untrusted + head;
    *dlen = untrusted_len - head;
    return 0;
}
