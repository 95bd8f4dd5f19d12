/* SPDX-License-Identifier: MIT */
/*
 * cke_msg.c - the CKE's bodies and fragments (cke_msg.h): encode, the
 * sanitizers of what a peer sends, and reassembly.
 *
 * Descriptor layout (CKE_DESC_FIXED bytes, then the variable parts):
 *    0 u16 version (1)       2 u8 dir            3 u8 cdb_len (1..16)
 *    4 u8  cdb[16]          20 u8 flags (bit 0 pool, bit 1 read-only)
 *   21 u8  key_len (1..63)  22 u16 backing_len (1..1024)
 *   24 u32 lun              28 u32 data_out_len 32 u32 data_in_len
 *   36 u16 target_port      38 u16 transport_id_len (0..256)
 *   40 u64 initiator        48 u64 offset       56 u64 size
 *   64 u8  wwn[16]          80 u8  serial[32] (NUL-padded)
 *  112 key, backing, transport id
 * Answer layout: 0 u8 outcome, 1 u8 status, 2 u8 sense_len, 3 u8 0,
 *   4 u32 data_in_xfer, 8 u32 residual, 12 u32 0, 16 sense[96]; data-in follows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cke/cke_msg.h"

_Static_assert(CKE_DESC_FIXED == 112u, "descriptor fixed part");
_Static_assert(CKE_DESC_MAX <= CKE_FRAG_DATA, "a descriptor fits the first fragment");

void cke_frag_hdr_put(uint8_t *p, const struct cke_frag_hdr *h)
{
    xvios_put_le64(p, h->fwd_id);
    xvios_put_le32(p + 8, h->total_len);
    xvios_put_le32(p + 12, h->frag_off);
    xvios_put_le32(p + 16, h->frag_len);
    xvios_put_le32(p + 20, CKE_FRAG_MAGIC);
    xvios_put_le32(p + 24, CKE_PROTO_VERSION);
    xvios_put_le32(p + 28, 0);
}

unsigned cke_frag_count(uint32_t total_len)
{
    return (unsigned)((total_len + (uint64_t)CKE_FRAG_DATA - 1) / CKE_FRAG_DATA);
}

int cke_frag_hdr_get(const uint8_t *untrusted_p, size_t untrusted_len, struct cke_frag_hdr *out)
{
    struct cke_frag_hdr h;

    if (!untrusted_p || untrusted_len < CKE_FRAG_HDR)
        return -EBADMSG;
    if (xvios_get_le32(untrusted_p + 20) != CKE_FRAG_MAGIC || xvios_get_le32(untrusted_p + 24) != CKE_PROTO_VERSION ||
        xvios_get_le32(untrusted_p + 28) != 0)
        return -EBADMSG;
    h.fwd_id = xvios_get_le64(untrusted_p);
    h.total_len = xvios_get_le32(untrusted_p + 8);
    h.frag_off = xvios_get_le32(untrusted_p + 12);
    h.frag_len = xvios_get_le32(untrusted_p + 16);
    if (h.fwd_id == 0 || h.total_len == 0 || h.total_len > CKE_BODY_MAX || h.frag_off % CKE_FRAG_DATA ||
        h.frag_off >= h.total_len)
        return -EBADMSG;
    uint32_t want = h.total_len - h.frag_off < CKE_FRAG_DATA ? h.total_len - h.frag_off : CKE_FRAG_DATA;
    if (h.frag_len != want || untrusted_len - CKE_FRAG_HDR != h.frag_len)
        return -EBADMSG;
    *out = h;
    return 0;
}

/* ------------------------------------------------------------ descriptor */
int cke_desc_encode(const struct cke_cmd_desc *d, uint8_t *buf, size_t cap)
{
    size_t klen = strnlen(d->lu.key, sizeof(d->lu.key)), blen = strnlen(d->lu.backing, sizeof(d->lu.backing));
    size_t slen = strnlen(d->lu.serial, sizeof(d->lu.serial)), n;

    if (klen == 0 || klen > XVIOS_PATH_KEY_MAX || blen == 0 || blen > XVIOS_LU_BACKING_MAX ||
        slen >= sizeof(d->lu.serial) || d->cdb_len == 0 || d->cdb_len > CKE_CDB_MAX || d->dir > CKE_DIR_FROM_DEVICE ||
        d->nexus.transport_id_len > SCSI_TRANSPORT_ID_MAX || d->data_out_len > CKE_DATA_MAX ||
        d->data_in_len > CKE_DATA_MAX || (d->dir != CKE_DIR_TO_DEVICE && d->data_out_len) ||
        (d->dir != CKE_DIR_FROM_DEVICE && d->data_in_len))
        return -EINVAL;
    n = CKE_DESC_FIXED + klen + blen + d->nexus.transport_id_len;
    if (cap < n)
        return -EINVAL;
    memset(buf, 0, CKE_DESC_FIXED);
    xvios_put_le16(buf, 1);
    buf[2] = (uint8_t)d->dir;
    buf[3] = d->cdb_len;
    memcpy(buf + 4, d->cdb, d->cdb_len);
    buf[20] = (uint8_t)((d->lu.pool ? 1 : 0) | (d->lu.read_only ? 2 : 0));
    buf[21] = (uint8_t)klen;
    xvios_put_le16(buf + 22, (uint16_t)blen);
    xvios_put_le32(buf + 24, d->lun);
    xvios_put_le32(buf + 28, d->data_out_len);
    xvios_put_le32(buf + 32, d->data_in_len);
    xvios_put_le16(buf + 36, d->nexus.target_port);
    xvios_put_le16(buf + 38, d->nexus.transport_id_len);
    xvios_put_le64(buf + 40, d->nexus.initiator);
    xvios_put_le64(buf + 48, d->lu.offset);
    xvios_put_le64(buf + 56, d->lu.size);
    memcpy(buf + 64, d->lu.wwn, 16);
    memcpy(buf + 80, d->lu.serial, slen);
    memcpy(buf + CKE_DESC_FIXED, d->lu.key, klen);
    memcpy(buf + CKE_DESC_FIXED + klen, d->lu.backing, blen);
    memcpy(buf + CKE_DESC_FIXED + klen + blen, d->nexus.transport_id, d->nexus.transport_id_len);
    return (int)n;
}

static bool printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
    return true;
}

int cke_desc_decode(const uint8_t *untrusted_p, size_t untrusted_len, struct cke_cmd_desc *out)
{
    const uint8_t *p = untrusted_p;
    size_t klen, blen, tlen, slen, n;

    if (!p || untrusted_len < CKE_DESC_FIXED || xvios_get_le16(p) != 1)
        return -EBADMSG;
    memset(out, 0, sizeof(*out));
    klen = p[21];
    blen = xvios_get_le16(p + 22);
    tlen = xvios_get_le16(p + 38);
    if (p[2] > CKE_DIR_FROM_DEVICE || p[3] == 0 || p[3] > CKE_CDB_MAX || (p[20] & ~3u) || klen == 0 ||
        klen > XVIOS_PATH_KEY_MAX || blen == 0 || blen > XVIOS_LU_BACKING_MAX || tlen > SCSI_TRANSPORT_ID_MAX)
        return -EBADMSG;
    n = CKE_DESC_FIXED + klen + blen + tlen;
    if (untrusted_len < n)
        return -EBADMSG;
    out->dir = (enum cke_dir)p[2];
    out->cdb_len = p[3];
    memcpy(out->cdb, p + 4, out->cdb_len);
    out->lu.pool = p[20] & 1;
    out->lu.read_only = (p[20] & 2) != 0;
    out->lun = xvios_get_le32(p + 24);
    out->data_out_len = xvios_get_le32(p + 28);
    out->data_in_len = xvios_get_le32(p + 32);
    out->nexus.target_port = xvios_get_le16(p + 36);
    out->nexus.transport_id_len = (uint16_t)tlen;
    out->nexus.initiator = xvios_get_le64(p + 40);
    out->lu.offset = xvios_get_le64(p + 48);
    out->lu.size = xvios_get_le64(p + 56);
    memcpy(out->lu.wwn, p + 64, 16);
    slen = strnlen((const char *)p + 80, 32);
    if (slen == 32 || !printable(p + 80, slen))
        return -EBADMSG;
    for (size_t i = slen; i < 32; i++)
        if (p[80 + i])
            return -EBADMSG;                   /* NUL padding only */
    memcpy(out->lu.serial, p + 80, slen);
    if (out->lun > SCSI_LUN_MAX || out->data_out_len > CKE_DATA_MAX || out->data_in_len > CKE_DATA_MAX ||
        (out->dir != CKE_DIR_TO_DEVICE && out->data_out_len) || (out->dir != CKE_DIR_FROM_DEVICE && out->data_in_len))
        return -EBADMSG;
    memcpy(out->lu.key, p + CKE_DESC_FIXED, klen);
    memcpy(out->lu.backing, p + CKE_DESC_FIXED + klen, blen);
    if (!xvios_path_key_valid(out->lu.key) || out->lu.backing[0] != '/' || !printable(p + CKE_DESC_FIXED + klen, blen))
        return -EBADMSG;
    memcpy(out->nexus.transport_id, p + CKE_DESC_FIXED + klen + blen, tlen);
    return (int)n;
}

/* ------------------------------------------------------------ answer */
void cke_rsp_encode(const struct cke_rsp *r, uint8_t *buf)
{
    memset(buf, 0, CKE_RSP_FIXED);
    buf[0] = (uint8_t)r->outcome;
    buf[1] = r->status;
    buf[2] = r->sense_len;
    xvios_put_le32(buf + 4, r->data_in_xfer);
    xvios_put_le32(buf + 8, r->residual);
    memcpy(buf + 16, r->sense, r->sense_len <= SCSI_SENSE_BUFFERSIZE ? r->sense_len : SCSI_SENSE_BUFFERSIZE);
}

int cke_rsp_decode(const uint8_t *untrusted_p, size_t untrusted_len, struct cke_rsp *out)
{
    const uint8_t *p = untrusted_p;

    if (!p || untrusted_len < CKE_RSP_FIXED || p[0] > CKE_OUT_REFUSED || p[2] > SCSI_SENSE_BUFFERSIZE || p[3] ||
        xvios_get_le32(p + 12))
        return -EBADMSG;
    memset(out, 0, sizeof(*out));
    out->outcome = (enum cke_outcome)p[0];
    out->status = p[1];
    out->sense_len = p[2];
    out->data_in_xfer = xvios_get_le32(p + 4);
    out->residual = xvios_get_le32(p + 8);
    memcpy(out->sense, p + 16, out->sense_len);
    /* the data-in that follows is exactly data_in_xfer bytes, and nothing comes back unless executed */
    if (out->data_in_xfer > CKE_DATA_MAX || untrusted_len - CKE_RSP_FIXED != out->data_in_xfer ||
        (out->outcome != CKE_OUT_DONE && (out->data_in_xfer || out->sense_len || out->status)))
        return -EBADMSG;
    return 0;
}

/* ------------------------------------------------------------ reassembly */
int cke_reasm_add(struct cke_reasm *r, const struct cke_frag_hdr *h, const uint8_t *untrusted_data)
{
    unsigned idx;

    if (!r->body) {
        r->body = malloc(h->total_len);
        if (!r->body)
            return -ENOMEM;
        r->fwd_id = h->fwd_id;
        r->total_len = h->total_len;
        r->nfrags = cke_frag_count(h->total_len);
        r->have = 0;
    }
    if (h->fwd_id != r->fwd_id || h->total_len != r->total_len || h->frag_off % CKE_FRAG_DATA ||
        h->frag_off >= r->total_len)
        return -EBADMSG;
    idx = h->frag_off / CKE_FRAG_DATA;
    if (idx >= r->nfrags || h->frag_len != (r->total_len - h->frag_off < CKE_FRAG_DATA ? r->total_len - h->frag_off
                                                                                      : CKE_FRAG_DATA))
        return -EBADMSG;
    if (r->have & (1u << idx))
        return -EALREADY;
    memcpy(r->body + h->frag_off, untrusted_data, h->frag_len);
    r->have |= 1u << idx;
    return cke_reasm_complete(r) ? 1 : 0;
}

bool cke_reasm_complete(const struct cke_reasm *r)
{
    return r->body && r->nfrags && r->have == (r->nfrags == 32 ? UINT32_MAX : (1u << r->nfrags) - 1u);
}

void cke_reasm_free(struct cke_reasm *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}
