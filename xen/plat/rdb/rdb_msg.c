/* SPDX-License-Identifier: MIT */
/*
 * rdb_msg.c - encode and check the replicated DB's messages (rdb_msg.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_msg.h"
#include "xen/plat/plat_ops.h"
#include "xvios/wire.h"

_Static_assert(RDB_STATE_LEN == 32u + RDB_INC_LEN, "STATE: epoch, version, hash, flags, 0, incarnation");

static uint8_t *start(enum rdb_msg_kind kind, size_t payload)
{
    uint8_t *b = malloc(RDB_MSG_HDR + payload);

    if (!b)
        return NULL;
    xvios_put_le32(b, RDB_MSG_MAGIC);
    xvios_put_le16(b + 4, RDB_MSG_VERSION);
    xvios_put_le16(b + 6, (uint16_t)kind);
    xvios_put_le32(b + 8, (uint32_t)payload);
    return b;
}

int rdb_msg_sync_start(uint64_t epoch, uint8_t **out, size_t *len)
{
    uint8_t *b = start(RDB_MSG_SYNC_START, 8);

    if (!b)
        return -ENOMEM;
    xvios_put_le64(b + RDB_MSG_HDR, epoch);
    *out = b;
    *len = RDB_MSG_HDR + 8;
    return 0;
}

int rdb_msg_state(uint64_t epoch, uint64_t version, uint64_t hash, uint32_t flags, const struct rdb_inc *inc,
                  uint8_t **out, size_t *len)
{
    uint8_t *b;

    if ((flags & ~RDB_STATE_SERVING) || !inc)
        return -EINVAL;
    if (!(b = start(RDB_MSG_STATE, RDB_STATE_LEN)))
        return -ENOMEM;
    xvios_put_le64(b + RDB_MSG_HDR, epoch);
    xvios_put_le64(b + RDB_MSG_HDR + 8, version);
    xvios_put_le64(b + RDB_MSG_HDR + 16, hash);
    xvios_put_le32(b + RDB_MSG_HDR + 24, flags);
    xvios_put_le32(b + RDB_MSG_HDR + 28, 0);
    memcpy(b + RDB_MSG_HDR + 32, inc->b, RDB_INC_LEN);
    *out = b;
    *len = RDB_MSG_HDR + RDB_STATE_LEN;
    return 0;
}

int rdb_msg_chunk(uint64_t epoch, uint64_t version, uint64_t hash, uint32_t total, uint32_t off,
                  const uint8_t *data, size_t n, uint8_t **out, size_t *len)
{
    uint8_t *b;

    if (n == 0 || n > RDB_CHUNK_MAX || total > RDB_MAX_DUMP || off > total || n > total - off || !data)
        return -EINVAL;
    if (!(b = start(RDB_MSG_CHUNK, RDB_CHUNK_HDR + n)))
        return -ENOMEM;
    xvios_put_le64(b + RDB_MSG_HDR, epoch);
    xvios_put_le64(b + RDB_MSG_HDR + 8, version);
    xvios_put_le64(b + RDB_MSG_HDR + 16, hash);
    xvios_put_le32(b + RDB_MSG_HDR + 24, total);
    xvios_put_le32(b + RDB_MSG_HDR + 28, off);
    memcpy(b + RDB_MSG_HDR + RDB_CHUNK_HDR, data, n);
    *out = b;
    *len = RDB_MSG_HDR + RDB_CHUNK_HDR + n;
    return 0;
}

#define TX_HDR 28u   /* txid, base, domid, flags, op count */

static size_t op_size(const struct rdb_op *op)
{
    size_t s = 3 + strlen(op->path);

    if (op->kind == RDB_OP_WRITE)
        s += 4 + op->len;
    else if (op->kind == RDB_OP_SETPERMS)
        s += 2 + (size_t)op->nperms * 5;
    return s;
}

#define READ_HDR 19u  /* flags, path length, mver, cver */
#define READ_FLAGS (RDB_READ_EXISTS | RDB_READ_MVER | RDB_READ_CVER)

int rdb_msg_tx(uint64_t txid, uint64_t base, uint32_t domid, uint32_t flags,
               const struct rdb_op *ops, unsigned nops, const struct rdb_read *reads, unsigned nreads,
               uint8_t **out, size_t *len)
{
    size_t payload = TX_HDR + 4, off;
    uint8_t *b;

    if (nops == 0 || nops > RDB_TX_MAX_OPS || nreads > RDB_TX_MAX_READS || (nreads && !reads) ||
        domid > 0xffffu || (flags & ~RDB_TX_CHECK))
        return -EINVAL;
    for (unsigned i = 0; i < nreads; i++) {
        const struct rdb_read *r = &reads[i];
        if (!r->path || strlen(r->path) > XVIOS_STORE_MAX_PATH || (r->flags & ~READ_FLAGS) ||
            (!(r->flags & RDB_READ_EXISTS) && (r->flags || r->mver || r->cver)))
            return -EINVAL;
        payload += READ_HDR + strlen(r->path);
    }
    for (unsigned i = 0; i < nops; i++) {
        const struct rdb_op *op = &ops[i];
        if (!op->path || strlen(op->path) > XVIOS_STORE_MAX_PATH || op->kind < RDB_OP_WRITE ||
            op->kind > RDB_OP_SETPERMS || op->len > XVIOS_STORE_MAX_VALUE ||
            (op->kind == RDB_OP_SETPERMS && (op->nperms == 0 || op->nperms > XVIOS_STORE_MAX_PERMS)))
            return -EINVAL;
        payload += op_size(op);
        if (payload > RDB_MSG_MAX)
            return -EMSGSIZE;
    }
    if (RDB_MSG_HDR + payload > RDB_MSG_MAX)
        return -EMSGSIZE;
    if (!(b = start(RDB_MSG_TX, payload)))
        return -ENOMEM;
    off = RDB_MSG_HDR;
    xvios_put_le64(b + off, txid);
    xvios_put_le64(b + off + 8, base);
    xvios_put_le32(b + off + 16, domid);
    xvios_put_le32(b + off + 20, flags);
    xvios_put_le32(b + off + 24, nops);
    off += TX_HDR;
    for (unsigned i = 0; i < nops; i++) {
        const struct rdb_op *op = &ops[i];
        size_t pl = strlen(op->path);
        b[off] = (uint8_t)op->kind;
        xvios_put_le16(b + off + 1, (uint16_t)pl);
        memcpy(b + off + 3, op->path, pl);
        off += 3 + pl;
        if (op->kind == RDB_OP_WRITE) {
            xvios_put_le32(b + off, (uint32_t)op->len);
            if (op->len)
                memcpy(b + off + 4, op->val, op->len);
            off += 4 + op->len;
        } else if (op->kind == RDB_OP_SETPERMS) {
            xvios_put_le16(b + off, (uint16_t)op->nperms);
            off += 2;
            for (unsigned j = 0; j < op->nperms; j++, off += 5) {
                xvios_put_le32(b + off, op->perms[j].domid);
                b[off + 4] = (uint8_t)op->perms[j].perm;
            }
        }
    }
    xvios_put_le32(b + off, nreads);
    off += 4;
    for (unsigned i = 0; i < nreads; i++) {
        size_t pl = strlen(reads[i].path);
        b[off] = reads[i].flags;
        xvios_put_le16(b + off + 1, (uint16_t)pl);
        memcpy(b + off + 3, reads[i].path, pl);
        xvios_put_le64(b + off + 3 + pl, reads[i].mver);
        xvios_put_le64(b + off + 11 + pl, reads[i].cver);
        off += READ_HDR + pl;
    }
    *out = b;
    *len = off;
    return 0;
}

void rdb_msg_release(struct rdb_msg *m)
{
    for (unsigned i = 0; i < m->nops; i++)
        rdb_op_release(&m->ops[i]);
    free(m->ops);
    m->ops = NULL;
    m->nops = 0;
    for (unsigned i = 0; i < m->nreads; i++)
        rdb_read_release(&m->reads[i]);
    free(m->reads);
    m->reads = NULL;
    m->nreads = 0;
}

/* One read-set entry at buf[*off..len): -EPROTO when out of bounds, invalid or not canonical. */
static int decode_read(const uint8_t *buf, size_t len, size_t *off, struct rdb_read *r)
{
    size_t o = *off, pl;

    memset(r, 0, sizeof(*r));
    if (len - o < READ_HDR)
        return -EPROTO;
    r->flags = buf[o];
    pl = xvios_get_le16(buf + o + 1);
    if ((r->flags & ~READ_FLAGS) || pl == 0 || pl > XVIOS_STORE_MAX_PATH || len - o - READ_HDR < pl)
        return -EPROTO;
    if (!(r->path = malloc(pl + 1)))
        return -ENOMEM;
    memcpy(r->path, buf + o + 3, pl);
    r->path[pl] = '\0';
    r->mver = xvios_get_le64(buf + o + 3 + pl);
    r->cver = xvios_get_le64(buf + o + 11 + pl);
    if (strlen(r->path) != pl || !xvios_store_path_valid(r->path, false) ||
        (!(r->flags & RDB_READ_EXISTS) && (r->flags || r->mver || r->cver))) {
        rdb_read_release(r);
        return -EPROTO;
    }
    *off = o + READ_HDR + pl;
    return 0;
}

/* One op at buf[*off..len): -EPROTO when anything is out of bounds or invalid. */
static int decode_op(const uint8_t *buf, size_t len, size_t *off, struct rdb_op *op)
{
    size_t o = *off, pl;

    memset(op, 0, sizeof(*op));
    if (len - o < 3)
        return -EPROTO;
    op->kind = (enum rdb_op_kind)buf[o];
    pl = xvios_get_le16(buf + o + 1);
    o += 3;
    if (op->kind < RDB_OP_WRITE || op->kind > RDB_OP_SETPERMS || pl == 0 || pl > XVIOS_STORE_MAX_PATH ||
        len - o < pl)
        return -EPROTO;
    if (!(op->path = malloc(pl + 1)))
        return -ENOMEM;
    memcpy(op->path, buf + o, pl);
    op->path[pl] = '\0';
    o += pl;
    if (strlen(op->path) != pl || !xvios_store_path_valid(op->path, false))
        goto bad;
    if (op->kind == RDB_OP_WRITE) {
        if (len - o < 4)
            goto bad;
        size_t vl = xvios_get_le32(buf + o);
        o += 4;
        if (vl > XVIOS_STORE_MAX_VALUE || len - o < vl)
            goto bad;
        if (!(op->val = malloc(vl + 1)))
            goto nomem;
        if (vl)
            memcpy(op->val, buf + o, vl);
        op->val[vl] = '\0';
        op->len = vl;
        o += vl;
    } else if (op->kind == RDB_OP_SETPERMS) {
        if (len - o < 2)
            goto bad;
        unsigned n = xvios_get_le16(buf + o);
        o += 2;
        if (n == 0 || n > XVIOS_STORE_MAX_PERMS || len - o < (size_t)n * 5)
            goto bad;
        if (!(op->perms = malloc((size_t)n * sizeof(*op->perms))))
            goto nomem;
        for (unsigned j = 0; j < n; j++, o += 5) {
            uint32_t d = xvios_get_le32(buf + o);
            if (d > 0xffffu || buf[o + 4] > XVIOS_PERM_BOTH)
                goto bad;
            op->perms[j].domid = d;
            op->perms[j].perm = (enum xvios_perm_bits)buf[o + 4];
        }
        op->nperms = n;
    }
    *off = o;
    return 0;
bad:
    rdb_op_release(op);
    return -EPROTO;
nomem:
    rdb_op_release(op);
    return -ENOMEM;
}

static int decode_tx(const uint8_t *p, size_t len, struct rdb_msg *m)
{
    size_t off = TX_HDR;
    uint32_t n;
    int rc;

    if (len < TX_HDR)
        return -EPROTO;
    m->txid = xvios_get_le64(p);
    m->base = xvios_get_le64(p + 8);
    m->domid = xvios_get_le32(p + 16);
    m->flags = xvios_get_le32(p + 20);
    n = xvios_get_le32(p + 24);
    if (m->domid > 0xffffu || (m->flags & ~RDB_TX_CHECK) || n == 0 || n > RDB_TX_MAX_OPS)
        return -EPROTO;
    /* each op takes at least 4 bytes (kind, length, one path byte): a count the buffer cannot hold is refused
     * before anything is allocated for it */
    if ((len - TX_HDR) / 4 < n)
        return -EPROTO;
    if (!(m->ops = calloc(n, sizeof(*m->ops))))
        return -ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        if ((rc = decode_op(p, len, &off, &m->ops[i])) < 0) {
            rdb_msg_release(m);
            return rc;
        }
        m->nops = i + 1;
    }
    if (len - off < 4) {
        rdb_msg_release(m);
        return -EPROTO;
    }
    uint32_t nr = xvios_get_le32(p + off);
    off += 4;
    /* each entry takes at least READ_HDR + 1 bytes: a count the buffer cannot hold is refused first */
    if (nr > RDB_TX_MAX_READS || (len - off) / (READ_HDR + 1) < nr) {
        rdb_msg_release(m);
        return -EPROTO;
    }
    if (nr && !(m->reads = calloc(nr, sizeof(*m->reads)))) {
        rdb_msg_release(m);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < nr; i++) {
        if ((rc = decode_read(p, len, &off, &m->reads[i])) < 0) {
            rdb_msg_release(m);
            return rc;
        }
        m->nreads = i + 1;
    }
    if (off != len) {
        rdb_msg_release(m);
        return -EPROTO;
    }
    return 0;
}

int rdb_msg_decode(const uint8_t *buf, size_t len, struct rdb_msg *m)
{
    const uint8_t *p = buf + RDB_MSG_HDR;
    size_t plen;

    memset(m, 0, sizeof(*m));
    if (!buf || len < RDB_MSG_HDR || len > RDB_MSG_MAX)
        return -EPROTO;
    if (xvios_get_le32(buf) != RDB_MSG_MAGIC || xvios_get_le16(buf + 4) != RDB_MSG_VERSION)
        return -EPROTO;
    plen = xvios_get_le32(buf + 8);
    if (plen != len - RDB_MSG_HDR)
        return -EPROTO;
    m->kind = (enum rdb_msg_kind)xvios_get_le16(buf + 6);
    switch (m->kind) {
    case RDB_MSG_SYNC_START:
        if (plen != 8)
            return -EPROTO;
        m->epoch = xvios_get_le64(p);
        return 0;
    case RDB_MSG_STATE:
        /* 24: a member from before the flags (flags 0); 32: from before incarnations (has_inc false) */
        if (plen != 24 && plen != 32 && plen != RDB_STATE_LEN)
            return -EPROTO;
        m->epoch = xvios_get_le64(p);
        m->version = xvios_get_le64(p + 8);
        m->hash = xvios_get_le64(p + 16);
        m->state_flags = plen >= 32 ? xvios_get_le32(p + 24) : 0;
        if ((m->state_flags & ~RDB_STATE_SERVING) || (plen >= 32 && xvios_get_le32(p + 28) != 0))
            return -EPROTO;
        if (plen == RDB_STATE_LEN) {
            m->has_inc = true;
            memcpy(m->inc.b, p + 32, RDB_INC_LEN);
        }
        return 0;
    case RDB_MSG_CHUNK:
        if (plen <= RDB_CHUNK_HDR || plen - RDB_CHUNK_HDR > RDB_CHUNK_MAX)
            return -EPROTO;
        m->epoch = xvios_get_le64(p);
        m->version = xvios_get_le64(p + 8);
        m->hash = xvios_get_le64(p + 16);
        m->total = xvios_get_le32(p + 24);
        m->off = xvios_get_le32(p + 28);
        m->data = p + RDB_CHUNK_HDR;
        m->data_len = plen - RDB_CHUNK_HDR;
        if (m->total > RDB_MAX_DUMP || m->off > m->total || m->data_len > m->total - m->off)
            return -EPROTO;
        return 0;
    case RDB_MSG_TX:
        return decode_tx(p, plen, m);
    }
    return -EPROTO;
}
