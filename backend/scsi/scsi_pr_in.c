/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr_in.c - PERSISTENT RESERVE IN (SPC-4 6.14): READ KEYS, READ
 * RESERVATION, REPORT CAPABILITIES, READ FULL STATUS.
 *
 * The response is written through a cursor that stores only what fits in
 * the allocation length but counts every byte, so the ADDITIONAL LENGTH
 * fields always give the full length and truncation follows SPC-4 4.2.5.6.
 */
#include <string.h>

#include "backend/scsi/scsi_pr_int.h"

#define PR_IN_CDB_ALLOC_LEN 7   /* bytes 7..8 */

struct out_cursor {
    uint8_t *out;
    uint32_t cap;
    size_t pos;
};

static void put_bytes(struct out_cursor *c, const void *src, size_t n)
{
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++, c->pos++)
        if (c->pos < c->cap)
            c->out[c->pos] = s[i];
}

static void put_zero(struct out_cursor *c, size_t n)
{
    for (size_t i = 0; i < n; i++, c->pos++)
        if (c->pos < c->cap)
            c->out[c->pos] = 0;
}

static void put_be16(struct out_cursor *c, uint16_t v) { uint8_t b[2]; scsi_put_be16(b, v); put_bytes(c, b, 2); }
static void put_be32(struct out_cursor *c, uint32_t v) { uint8_t b[4]; scsi_put_be32(b, v); put_bytes(c, b, 4); }
static void put_be64(struct out_cursor *c, uint64_t v) { uint8_t b[8]; scsi_put_be64(b, v); put_bytes(c, b, 8); }
static void put_u8(struct out_cursor *c, uint8_t v) { put_bytes(c, &v, 1); }

/* Overwrite an already counted big-endian 32-bit field (only the part that fits). */
static void patch_be32(struct out_cursor *c, size_t at, uint32_t v)
{
    uint8_t b[4];
    scsi_put_be32(b, v);
    for (size_t i = 0; i < 4; i++)
        if (at + i < c->cap)
            c->out[at + i] = b[i];
}

static void read_keys(const struct scsi_pr *pr, struct out_cursor *c)
{
    put_be32(c, pr->generation);
    put_be32(c, (uint32_t)(8 * pr->nregs));
    for (size_t i = 0; i < pr->nregs; i++)
        put_be64(c, pr->regs[i].key);
}

static void read_reservation(const struct scsi_pr *pr, struct out_cursor *c)
{
    uint64_t key = 0;

    put_be32(c, pr->generation);
    if (!pr->reserved) {
        put_be32(c, 0);
        return;
    }
    put_be32(c, 16);
    /* SPC-4 6.14.3: an all-registrants reservation reports key 0. */
    if (!pr_type_all_reg(pr->type)) {
        const struct scsi_pr_registration *r = scsi_pr_find_registration(pr, &pr->holder);
        key = r ? r->key : 0;
    }
    put_be64(c, key);
    put_zero(c, 4);                /* obsolete */
    put_u8(c, 0);                  /* reserved */
    put_u8(c, pr->type & 0x0f);    /* SCOPE 0 (LU) | TYPE */
    put_zero(c, 2);                /* obsolete */
}

static void report_capabilities(const struct scsi_pr *pr, struct out_cursor *c)
{
    uint8_t b2 = 0x10;                                   /* CRH */
    uint8_t b3 = 0x80 | 0x20;                            /* TMV, ALLOW COMMANDS 010b */

    if (pr->hooks.resolve_transport_id)
        b2 |= 0x08;                                      /* SIP_C */
    if (pr->hooks.target_ports)
        b2 |= 0x04;                                      /* ATP_C */
    if (pr->hooks.persist)
        b2 |= 0x01;                                      /* PTPL_C */
    if (pr->aptpl)
        b3 |= 0x01;                                      /* PTPL_A */
    put_be16(c, 8);
    put_u8(c, b2);
    put_u8(c, b3);
    put_u8(c, 0x80 | 0x40 | 0x20 | 0x08 | 0x02);         /* WR_EX_AR EX_AC_RO WR_EX_RO EX_AC WR_EX */
    put_u8(c, 0x01);                                     /* EX_AC_AR */
    put_zero(c, 2);
}

static void read_full_status(const struct scsi_pr *pr, struct out_cursor *c)
{
    size_t len_at;

    put_be32(c, pr->generation);
    len_at = c->pos;
    put_be32(c, 0);
    for (size_t i = 0; i < pr->nregs; i++) {
        const struct scsi_pr_registration *r = &pr->regs[i];
        bool holder = scsi_pr_is_holder(pr, &r->nexus);
        size_t tlen = r->nexus.transport_id_len;
        size_t padded = (tlen + 3) & ~(size_t)3;

        put_be64(c, r->key);
        put_zero(c, 4);
        put_u8(c, (uint8_t)((r->all_tg_pt ? 0x02 : 0) | (holder ? 0x01 : 0)));
        put_u8(c, holder ? (uint8_t)(pr->type & 0x0f) : 0);
        put_zero(c, 4);
        put_be16(c, r->nexus.target_port);
        put_be32(c, (uint32_t)padded);
        put_bytes(c, r->nexus.transport_id, tlen);
        put_zero(c, padded - tlen);
    }
    patch_be32(c, len_at, (uint32_t)(c->pos - 8));
}

int scsi_pr_in(struct scsi_pr *pr, const struct scsi_nexus *n, const uint8_t *cdb, uint8_t *out, uint32_t alloc_len,
               uint32_t *out_len, struct scsi_err *err)
{
    uint32_t cdb_alloc = scsi_get_be16(cdb + PR_IN_CDB_ALLOC_LEN);
    struct out_cursor c = { .out = out, .cap = cdb_alloc < alloc_len ? cdb_alloc : alloc_len, .pos = 0 };

    (void)n;
    *out_len = 0;
    /* LIO: PR commands conflict while an SPC-2 reservation exists. */
    if (pr->spc2_reserved) {
        *err = scsi_err_status(SCSI_STATUS_RESERVATION_CONFLICT);
        return -1;
    }
    if (!out)
        c.cap = 0;
    switch (cdb[1] & 0x1f) {
    case SCSI_PR_IN_READ_KEYS:
        read_keys(pr, &c);
        break;
    case SCSI_PR_IN_READ_RESERVATION:
        read_reservation(pr, &c);
        break;
    case SCSI_PR_IN_REPORT_CAPABILITIES:
        report_capabilities(pr, &c);
        break;
    case SCSI_PR_IN_READ_FULL_STATUS:
        read_full_status(pr, &c);
        break;
    default:
        *err = scsi_err_cdb_field(1, 4);
        return -1;
    }
    *out_len = (uint32_t)(c.pos < c.cap ? c.pos : c.cap);
    return 0;
}
