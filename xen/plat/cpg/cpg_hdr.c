/* SPDX-License-Identifier: MIT */
/* cpg_hdr.c - the header before every CPG payload (xvios/cpg.h): encoding and the checks on receipt. */
#include <errno.h>
#include <string.h>

#include "xvios/cpg.h"

_Static_assert(XVIOS_CPG_HDR_LEN == 4 + 2 + 2 + 4 + 4, "header layout: magic version kind src len");

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void xvios_cpg_hdr_encode(const struct xvios_cpg_hdr *hdr, uint8_t *out)
{
    put32(out, hdr->magic);
    put16(out + 4, hdr->version);
    put16(out + 6, hdr->kind);
    put32(out + 8, hdr->src);
    put32(out + 12, hdr->len);
}

int xvios_cpg_hdr_decode(const uint8_t *buf, size_t len, struct xvios_cpg_hdr *hdr)
{
    if (!buf || len < XVIOS_CPG_HDR_LEN)
        return -EPROTO;
    hdr->magic = get32(buf);
    hdr->version = get16(buf + 4);
    hdr->kind = get16(buf + 6);
    hdr->src = get32(buf + 8);
    hdr->len = get32(buf + 12);
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
