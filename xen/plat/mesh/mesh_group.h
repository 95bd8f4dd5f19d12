/* SPDX-License-Identifier: MIT */
/*
 * mesh_group.h - the frame of a group datagram: one datagram for several nodes
 * of other hosts, sent as one CPG multicast (xvios_link_group_send on mesh
 * links, docs/multihost.md "Broadcasts"). Every member of the group delivers
 * the multicast; only the nodes the frame names take the datagram.
 *
 *   offset 0  "XVMG"             magic
 *          4  le16 version (1)
 *          6  le16 n             named nodes, 1..XVIOS_MESH_GROUP_MAX
 *          8  le32 node[n]       each non-zero, no repeats
 *   8 + 4n    datagram           1..XVIOS_LINK_MAX_DGRAM bytes (the rest)
 *
 * The whole frame stays within XVIOS_CPG_MAX_PAYLOAD. Pure: no I/O.
 */
#ifndef XVIOS_MESH_GROUP_H
#define XVIOS_MESH_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XVIOS_MESH_GROUP_MAGIC   0x474d5658u   /* "XVMG" read as bytes */
#define XVIOS_MESH_GROUP_VERSION 1u
#define XVIOS_MESH_GROUP_FIXED   8u
#define XVIOS_MESH_GROUP_MAX     128u          /* CPG delivers at most 128 processes (CPG_MEMBERS_MAX) */

/* Frame dgram (dlen bytes) for nodes[0..n) into out (cap bytes). 0; -EINVAL bad nodes or n;
 * -EMSGSIZE the datagram is empty or the frame does not fit cap or XVIOS_CPG_MAX_PAYLOAD. */
int xvios_mesh_group_encode(const uint32_t *nodes, unsigned n, const void *dgram, size_t dlen,
                            uint8_t *out, size_t cap, size_t *out_len);

/* Check a frame received from CPG. 0 and *addressed (self is named), *dgram and *dlen (inside the
 * frame); -EBADMSG malformed (short, magic, version, n, a zero or repeated node, no datagram). */
int xvios_mesh_group_decode(const uint8_t *untrusted, size_t untrusted_len, uint32_t self, bool *addressed,
                            const uint8_t **dgram, size_t *dlen);

#endif /* XVIOS_MESH_GROUP_H */
