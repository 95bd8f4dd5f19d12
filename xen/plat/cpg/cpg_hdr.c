/* SPDX-License-Identifier: MIT */
/* cpg_hdr.c - the header before every CPG payload (xvios/cpg.h): encoding and the checks on receipt. */
#include <errno.h>
#include <string.h>

#include "xvios/cpg.h"
#include "xvios/wire.h"

_Static_assert(XVIOS_CPG_HDR_LEN == 4 + 2 + 2 + 4 + 4, "header layout: magic version kind src len");


void xvios_cpg_hdr_encode(const struct xvios_cpg_hdr *hdr, uint8_t *out)
{
    xvios_put_le32(out, hdr->magic);
    xvios_put_le16(out + 4, hdr->version);
    xvios_put_le16(out + 6, hdr->kind);
    xvios_put_le32(out + 8, hdr->src);
    xvios_put_le32(out + 12, hdr->len);
}

int xvios_cpg_hdr_decode(const uint8_t *buf, size_t len, struct xvios_cpg_hdr *hdr)
{
    if (!buf || len < XVIOS_CPG_HDR_LEN)
        return -EPROTO;
    hdr->magic = xvios_get_le32(buf);
    hdr->version = xvios_get_le16(buf + 4);
    hdr->kind = xvios_get_le16(buf + 6);
    hdr->src = xvios_get_le32(buf + 8);
    hdr->len = xvios_get_le32(buf + 12);
    if (hdr->magic != XVIOS_CPG_MAGIC || hdr->version != XVIOS_CPG_VERSION)
        return -EPROTO;
    if (hdr->len > XVIOS_CPG_MAX_PAYLOAD || (size_t)hdr->len != len - XVIOS_CPG_HDR_LEN)
        return -EPROTO;
    if (xvios_cpg_node_id(xvios_cpg_node_host(hdr->src), xvios_cpg_node_local(hdr->src)) != hdr->src)
        return -EPROTO;
    switch (hdr->kind) {
    case XVIOS_CPG_HELLO:
        return hdr->len <= XVIOS_CPG_CARD_MAX ? 0 : -EPROTO;
    case XVIOS_CPG_BCAST:
        return 0;
    default:
        return -EPROTO;
    }
}

const char *xvios_cpg_lost_reason_name(enum xvios_cpg_lost_reason r)
{
    switch (r) {
    case XVIOS_CPG_LOST_LEAVE:    return "leave";
    case XVIOS_CPG_LOST_PROCDOWN: return "procdown";
    case XVIOS_CPG_LOST_NODEDOWN: return "nodedown";
    case XVIOS_CPG_LOST_OTHER:    return "other";
    }
    return "unknown";
}
