/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr_blob.c - the PR state as bytes: what the persist hook keeps for
 * APTPL, and what scsi_pr_save/scsi_pr_load move between VIOSes.
 *
 * Format version 1, every integer little-endian:
 *   header (32 bytes)
 *     0  "XVPR"            magic
 *     4  u16 version       1
 *     6  u16 header length 32
 *     8  u32 total length  of the whole blob, CRC included
 *    12  u32 PRgeneration
 *    16  u8  flags         bit 0 APTPL, bit 1 reservation, bit 2 SPC-2 reservation; others 0
 *    17  u8  type          reservation type, 0 without a reservation
 *    18  u16 registrations
 *    20  u32 holder        index of the holder's registration; 0xffffffff for none / all-registrants
 *    24  u32 reserved, 28 u32 reserved (0)
 *   SPC-2 holder (flag bit 2 only): a nexus record
 *   registrations: u64 key (not 0), u8 flags (bit 0 ALL_TG_PT), u8 reserved (0), nexus record
 *   nexus record:  u64 initiator, u16 relative target port, u16 TransportID length (<= 256), TransportID
 *   trailer: u32 CRC-32 (IEEE 802.3) of every byte before it
 *
 * The loader trusts nothing: every length is checked against what is left,
 * every field against its range, and the state is replaced only when the
 * whole blob is good.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/scsi/scsi_pr_int.h"

#define BLOB_MAGIC      "XVPR"
#define BLOB_VERSION    1u
#define BLOB_HDR_LEN    32u
#define BLOB_NEXUS_FIXED 12u     /* initiator 8, port 2, tid length 2 */
#define BLOB_REG_FIXED  (10u + BLOB_NEXUS_FIXED)
#define BLOB_CRC_LEN    4u
#define BLOB_NO_HOLDER  0xffffffffu
#define BLOB_F_APTPL    0x01u
#define BLOB_F_RESERVED 0x02u
#define BLOB_F_SPC2     0x04u

struct blob_header {
    uint8_t magic[4];
    uint16_t version, hdr_len;
    uint32_t total_len, generation;
    uint8_t flags, type;
    uint16_t nregs;
    uint32_t holder, reserved[2];
};
/* The on-wire header is written field by field; its size must stay 32. */
_Static_assert(4 + 2 + 2 + 4 + 4 + 1 + 1 + 2 + 4 + 4 + 4 == BLOB_HDR_LEN, "PR blob header is 32 bytes");
_Static_assert(SCSI_PR_MAX_REGISTRATIONS_LIMIT <= 0xffff, "registration count fits the u16 field");

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/* ------------------------------------------------------------ writer */
struct wbuf { uint8_t *p; size_t pos; };
static void w8(struct wbuf *w, uint8_t v) { w->p[w->pos++] = v; }
static void w16(struct wbuf *w, uint16_t v) { w8(w, (uint8_t)v); w8(w, (uint8_t)(v >> 8)); }
static void w32(struct wbuf *w, uint32_t v) { w16(w, (uint16_t)v); w16(w, (uint16_t)(v >> 16)); }
static void w64(struct wbuf *w, uint64_t v) { w32(w, (uint32_t)v); w32(w, (uint32_t)(v >> 32)); }

static size_t tid_len_of(const struct scsi_nexus *n)
{
    return n->transport_id_len > SCSI_TRANSPORT_ID_MAX ? SCSI_TRANSPORT_ID_MAX : n->transport_id_len;
}

static void w_nexus(struct wbuf *w, const struct scsi_nexus *n)
{
    size_t tl = tid_len_of(n);
    w64(w, n->initiator);
    w16(w, n->target_port);
    w16(w, (uint16_t)tl);
    memcpy(w->p + w->pos, n->transport_id, tl);
    w->pos += tl;
}

size_t pr_blob_size(const struct scsi_pr *pr, bool with_spc2)
{
    size_t len = BLOB_HDR_LEN + BLOB_CRC_LEN;

    if (with_spc2 && pr->spc2_reserved)
        len += BLOB_NEXUS_FIXED + tid_len_of(&pr->spc2_holder);
    for (size_t i = 0; i < pr->nregs; i++)
        len += BLOB_REG_FIXED + tid_len_of(&pr->regs[i].nexus);
    return len;
}

int pr_blob_write(const struct scsi_pr *pr, bool with_spc2, uint8_t *buf, size_t cap, size_t *len)
{
    size_t need = pr_blob_size(pr, with_spc2);
    struct wbuf w = { .p = buf, .pos = 0 };
    uint32_t holder = BLOB_NO_HOLDER;
    uint8_t flags = 0;

    *len = need;
    if (!buf || cap < need)
        return -ENOSPC;
    if (pr->reserved && !pr_type_all_reg(pr->type))
        for (size_t i = 0; i < pr->nregs; i++)
            if (scsi_nexus_eq(&pr->regs[i].nexus, &pr->holder))
                holder = (uint32_t)i;
    flags |= pr->aptpl ? BLOB_F_APTPL : 0;
    flags |= pr->reserved ? BLOB_F_RESERVED : 0;
    flags |= (with_spc2 && pr->spc2_reserved) ? BLOB_F_SPC2 : 0;

    memcpy(buf, BLOB_MAGIC, 4);
    w.pos = 4;
    w16(&w, BLOB_VERSION);
    w16(&w, BLOB_HDR_LEN);
    w32(&w, (uint32_t)need);
    w32(&w, pr->generation);
    w8(&w, flags);
    w8(&w, pr->reserved ? pr->type : 0);
    w16(&w, (uint16_t)pr->nregs);
    w32(&w, holder);
    w32(&w, 0);
    w32(&w, 0);
    if (flags & BLOB_F_SPC2)
        w_nexus(&w, &pr->spc2_holder);
    for (size_t i = 0; i < pr->nregs; i++) {
        w64(&w, pr->regs[i].key);
        w8(&w, pr->regs[i].all_tg_pt ? 1 : 0);
        w8(&w, 0);
        w_nexus(&w, &pr->regs[i].nexus);
    }
    w32(&w, crc32_ieee(buf, w.pos));
    return 0;
}

int scsi_pr_save(const struct scsi_pr *pr, uint8_t *buf, size_t cap, size_t *len)
{
    return pr_blob_write(pr, true, buf, cap, len);
}

/* ------------------------------------------------------------ reader */
struct rbuf { const uint8_t *p; size_t len, pos; bool bad; };

static bool need(struct rbuf *r, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = true;
        return false;
    }
    return true;
}
static uint8_t r8(struct rbuf *r) { return need(r, 1) ? r->p[r->pos++] : 0; }
static uint16_t r16(struct rbuf *r) { uint16_t lo = r8(r); return (uint16_t)(lo | (uint16_t)r8(r) << 8); }
static uint32_t r32(struct rbuf *r) { uint32_t lo = r16(r); return lo | (uint32_t)r16(r) << 16; }
static uint64_t r64(struct rbuf *r) { uint64_t lo = r32(r); return lo | (uint64_t)r32(r) << 32; }

static void r_nexus(struct rbuf *r, struct scsi_nexus *n)
{
    uint16_t tl;

    memset(n, 0, sizeof(*n));
    n->initiator = r64(r);
    n->target_port = r16(r);
    tl = r16(r);
    if (tl > SCSI_TRANSPORT_ID_MAX || !need(r, tl)) {
        r->bad = true;
        return;
    }
    memcpy(n->transport_id, r->p + r->pos, tl);
    n->transport_id_len = tl;
    r->pos += tl;
}

static int parse_header(struct rbuf *r, struct blob_header *h, size_t max_regs)
{
    if (!need(r, BLOB_HDR_LEN + BLOB_CRC_LEN) || memcmp(r->p, BLOB_MAGIC, 4) != 0)
        return -EINVAL;
    memcpy(h->magic, r->p, 4);
    r->pos = 4;
    h->version = r16(r);
    h->hdr_len = r16(r);
    h->total_len = r32(r);
    h->generation = r32(r);
    h->flags = r8(r);
    h->type = r8(r);
    h->nregs = r16(r);
    h->holder = r32(r);
    h->reserved[0] = r32(r);
    h->reserved[1] = r32(r);
    if (r->bad || h->version != BLOB_VERSION || h->hdr_len != BLOB_HDR_LEN || h->total_len != r->len)
        return -EINVAL;
    if (h->reserved[0] || h->reserved[1] || (h->flags & ~(BLOB_F_APTPL | BLOB_F_RESERVED | BLOB_F_SPC2)))
        return -EINVAL;
    if (h->nregs > max_regs)
        return -EINVAL;
    if (h->flags & BLOB_F_RESERVED) {
        if (!pr_type_valid(h->type) || h->nregs == 0)
            return -EINVAL;
        if (pr_type_all_reg(h->type) ? h->holder != BLOB_NO_HOLDER : h->holder >= h->nregs)
            return -EINVAL;
    } else if (h->type != 0 || h->holder != BLOB_NO_HOLDER) {
        return -EINVAL;
    }
    /* Integrity: the CRC over everything before the trailer. */
    {
        const uint8_t *t = r->p + r->len - BLOB_CRC_LEN;
        uint32_t crc = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
        if (crc != crc32_ieee(r->p, r->len - BLOB_CRC_LEN))
            return -EINVAL;
    }
    r->len -= BLOB_CRC_LEN;   /* records end where the CRC starts */
    return 0;
}

int scsi_pr_load(struct scsi_pr *pr, const uint8_t *blob, size_t len)
{
    struct rbuf r = { .p = blob, .len = len, .pos = 0, .bad = false };
    struct blob_header h;
    struct scsi_nexus spc2 = { 0 };
    struct scsi_pr_registration *regs = NULL;
    size_t cap;
    int rc = -EINVAL;

    if (!blob || parse_header(&r, &h, pr->max_regs) < 0)
        return -EINVAL;
    if (h.flags & BLOB_F_SPC2)
        r_nexus(&r, &spc2);
    cap = h.nregs ? h.nregs : 1;
    regs = calloc(cap, sizeof(*regs));
    if (!regs)
        return -ENOMEM;
    for (size_t i = 0; i < h.nregs && !r.bad; i++) {
        uint8_t f, pad;
        regs[i].key = r64(&r);
        f = r8(&r);
        pad = r8(&r);
        r_nexus(&r, &regs[i].nexus);
        if (r.bad || regs[i].key == 0 || (f & ~1u) || pad)
            goto out;
        regs[i].all_tg_pt = f & 1u;
        for (size_t j = 0; j < i; j++)
            if (scsi_nexus_eq(&regs[j].nexus, &regs[i].nexus))
                goto out;    /* one registration per I_T nexus */
    }
    if (r.bad || r.pos != r.len)
        goto out;

    free(pr->regs);
    pr->regs = regs;
    pr->cap = cap;
    pr->nregs = h.nregs;
    regs = NULL;
    pr->generation = h.generation;
    pr->aptpl = h.flags & BLOB_F_APTPL;
    pr_release_reservation(pr);
    if (h.flags & BLOB_F_RESERVED) {
        pr->reserved = true;
        pr->type = h.type;
        if (!pr_type_all_reg(h.type))
            pr->holder = pr->regs[h.holder].nexus;
    }
    pr->spc2_reserved = h.flags & BLOB_F_SPC2;
    pr->spc2_holder = spc2;
    rc = 0;
out:
    free(regs);
    return rc;
}
