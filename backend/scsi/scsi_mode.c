/* SPDX-License-Identifier: MIT */
/*
 * scsi_mode.c - MODE SENSE (6)/(10) and MODE SELECT (6)/(10) over three mode
 * pages: caching (08h, WCE changeable), control (0Ah, D_SENSE changeable) and
 * informational exceptions control (1Ch, nothing changeable). Pages are not
 * saveable. MODE SELECT validates the whole parameter list before applying
 * anything, and only the changeable bits may differ from the current values.
 */
#include <string.h>

#include "backend/scsi/scsi_int.h"

enum { PC_CURRENT = 0, PC_CHANGEABLE = 1, PC_DEFAULT = 2, PC_SAVED = 3 };

struct mode_page {
    uint8_t code;
    uint8_t len;                           /* whole page, header included */
    void (*fill)(const struct scsi_mode *m, int pc, uint8_t *p);
};

static void fill_caching(const struct scsi_mode *m, int pc, uint8_t *p)
{
    if (pc == PC_CHANGEABLE || pc == PC_DEFAULT || (pc == PC_CURRENT && m->wce))
        p[2] = 0x04;                       /* WCE */
}

static void fill_control(const struct scsi_mode *m, int pc, uint8_t *p)
{
    if (pc == PC_CHANGEABLE) {
        p[2] = 0x04;                       /* D_SENSE */
        return;
    }
    if (pc == PC_CURRENT && m->d_sense)
        p[2] = 0x04;
    p[3] = 0x10;                           /* QUEUE ALGORITHM MODIFIER: unrestricted reordering */
    p[5] = 0x40;                           /* TAS: aborted commands end with TASK ABORTED */
    scsi_put_be16(p + 8, 0xffff);          /* BUSY TIMEOUT PERIOD: unlimited */
}

static void fill_iec(const struct scsi_mode *m, int pc, uint8_t *p)
{
    (void)m;
    if (pc != PC_CHANGEABLE)
        p[2] = 0x08;                       /* DEXCPT: no informational exceptions reported */
}

static const struct mode_page pages[] = {
    { 0x08, 20, fill_caching },
    { 0x0a, 12, fill_control },
    { 0x1c, 12, fill_iec },
};
#define PAGE_MAX 20

static const struct mode_page *find_page(uint8_t code)
{
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
        if (pages[i].code == code)
            return &pages[i];
    return NULL;
}

static uint32_t put_page(const struct scsi_lu *lu, const struct mode_page *pg, int pc, uint8_t *p)
{
    memset(p, 0, pg->len);
    p[0] = pg->code;
    p[1] = (uint8_t)(pg->len - 2);
    pg->fill(&lu->mode, pc, p);
    return pg->len;
}

int scsi_op_mode_sense(struct scsi_cmd *cmd, struct scsi_err *err)
{
    const struct scsi_lu *lu = cmd->priv.lu;
    const uint8_t *cdb = cmd->cdb;
    bool ten = cdb[0] == SCSI_OP_MODE_SENSE10;
    bool dbd = cdb[1] & 0x08, llbaa = ten && (cdb[1] & 0x10);
    int pc = cdb[2] >> 6;
    uint8_t code = cdb[2] & 0x3f, sub = cdb[3];
    uint8_t d[8 + 16 + 3 * PAGE_MAX];
    uint32_t hdr = ten ? 8 : 4, n, bdlen = 0;

    _Static_assert(sizeof(pages) / sizeof(pages[0]) <= 3, "the response buffer holds every page");
    if (pc == PC_SAVED) {
        *err = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_SAVING_PARAMS_UNSUPPORTED);
        return SCSI_FAIL;
    }
    if (code != 0x3f && !find_page(code)) {
        *err = scsi_err_cdb_field(2, 5);
        return SCSI_FAIL;
    }
    if (sub != 0x00 && sub != 0xff) {                  /* no subpages but "all subpages" */
        *err = scsi_err_cdb_field(3, -1);
        return SCSI_FAIL;
    }
    memset(d, 0, sizeof(d));
    n = hdr;
    if (!dbd) {
        if (llbaa) {
            scsi_put_be64(d + n, lu->nblocks);
            scsi_put_be32(d + n + 12, lu->bs);
            bdlen = 16;
        } else {
            scsi_put_be32(d + n, lu->nblocks > UINT32_MAX ? UINT32_MAX : (uint32_t)lu->nblocks);
            d[n + 5] = (uint8_t)(lu->bs >> 16);
            scsi_put_be16(d + n + 6, (uint16_t)lu->bs);
            bdlen = 8;
        }
        n += bdlen;
    }
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
        if (code == 0x3f || pages[i].code == code)
            n += put_page(lu, &pages[i], pc, d + n);
    if (ten) {
        scsi_put_be16(d, (uint16_t)(n - 2));
        d[3] = (lu->read_only ? 0x80 : 0) | 0x10;      /* WP, DPOFUA */
        d[4] = llbaa && bdlen ? 0x01 : 0;              /* LONGLBA */
        scsi_put_be16(d + 6, (uint16_t)bdlen);
    } else {
        d[0] = (uint8_t)(n - 1);
        d[2] = (lu->read_only ? 0x80 : 0) | 0x10;
        d[3] = (uint8_t)bdlen;
    }
    scsi_cmd_reply(cmd, d, n);
    return SCSI_DONE;
}

static struct scsi_err param_len_error(void)
{
    return scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
}

static int highest_bit(uint8_t v)
{
    int b = 7;

    while (b > 0 && !(v & (1u << b)))
        b--;
    return b;
}

/* A block descriptor may only restate the current geometry. */
static int check_block_descriptor(const struct scsi_lu *lu, const uint8_t *p, uint32_t off, uint32_t bdlen,
                                  struct scsi_err *err)
{
    uint64_t nblocks;
    uint32_t bs;

    if (bdlen == 16) {
        nblocks = scsi_get_be64(p + off);
        bs = scsi_get_be32(p + off + 12);
        if (bs != lu->bs) {
            *err = scsi_err_param_field((uint16_t)(off + 12), -1);
            return SCSI_FAIL;
        }
    } else {
        nblocks = scsi_get_be32(p + off);
        bs = scsi_get_be24(p + off + 5);
        if (bs != lu->bs) {
            *err = scsi_err_param_field((uint16_t)(off + 5), -1);
            return SCSI_FAIL;
        }
        if (lu->nblocks >= UINT32_MAX && nblocks == UINT32_MAX)
            nblocks = lu->nblocks;
    }
    if (nblocks != 0 && nblocks != lu->nblocks) {
        *err = scsi_err_param_field((uint16_t)off, -1);
        return SCSI_FAIL;
    }
    return SCSI_DONE;
}

/* Validates one page at p[off] against current + changeable, staging the new values. */
static int apply_page(const struct scsi_lu *lu, const uint8_t *p, uint32_t off, uint32_t plen,
                      struct scsi_mode *staged, uint32_t *used, struct scsi_err *err)
{
    const struct mode_page *pg;
    uint8_t cur[PAGE_MAX], chg[PAGE_MAX];

    if (plen - off < 2) {
        *err = param_len_error();
        return SCSI_FAIL;
    }
    if (p[off] & 0x40) {                               /* SPF: we have no subpages */
        *err = scsi_err_param_field((uint16_t)off, 6);
        return SCSI_FAIL;
    }
    pg = find_page(p[off] & 0x3f);
    if (!pg) {
        *err = scsi_err_param_field((uint16_t)off, 5);
        return SCSI_FAIL;
    }
    if ((uint32_t)p[off + 1] + 2 != pg->len) {
        *err = scsi_err_param_field((uint16_t)(off + 1), -1);
        return SCSI_FAIL;
    }
    if (plen - off < pg->len) {
        *err = param_len_error();
        return SCSI_FAIL;
    }
    put_page(lu, pg, PC_CURRENT, cur);
    put_page(lu, pg, PC_CHANGEABLE, chg);
    for (uint32_t i = 2; i < pg->len; i++) {
        uint8_t diff = (uint8_t)((p[off + i] ^ cur[i]) & ~chg[i]);

        if (diff) {
            *err = scsi_err_param_field((uint16_t)(off + i), highest_bit(diff));
            return SCSI_FAIL;
        }
    }
    if (pg->code == 0x08)
        staged->wce = p[off + 2] & 0x04;
    else if (pg->code == 0x0a)
        staged->d_sense = p[off + 2] & 0x04;
    *used = pg->len;
    return SCSI_DONE;
}

int scsi_op_mode_select(struct scsi_cmd *cmd, struct scsi_err *err)
{
    struct scsi_lu *lu = cmd->priv.lu;
    const uint8_t *cdb = cmd->cdb, *p = cmd->data_out;
    bool ten = cdb[0] == SCSI_OP_MODE_SELECT10;
    uint32_t plen = scsi_cmd_param_len(cmd), hdr = ten ? 8 : 4, bdlen, off, used;
    struct scsi_mode staged = lu->mode;

    if (!(cdb[1] & 0x10)) {                            /* PF: only SPC page format */
        *err = scsi_err_cdb_field(1, 4);
        return SCSI_FAIL;
    }
    if (cdb[1] & 0x01) {                               /* SP: pages are not saveable */
        *err = scsi_err_cdb_field(1, 0);
        return SCSI_FAIL;
    }
    if (plen == 0)
        return SCSI_DONE;
    if (plen < hdr) {
        *err = param_len_error();
        return SCSI_FAIL;
    }
    bdlen = ten ? scsi_get_be16(p + 6) : p[3];
    if (bdlen != 0 && bdlen != 8 && !(ten && (p[4] & 0x01) && bdlen == 16)) {
        *err = scsi_err_param_field(ten ? 6 : 3, -1);
        return SCSI_FAIL;
    }
    if (plen - hdr < bdlen) {
        *err = param_len_error();
        return SCSI_FAIL;
    }
    if (bdlen && check_block_descriptor(lu, p, hdr, bdlen, err))
        return SCSI_FAIL;
    for (off = hdr + bdlen; off < plen; off += used)
        if (apply_page(lu, p, off, plen, &staged, &used, err))
            return SCSI_FAIL;
    if (staged.wce != lu->mode.wce || staged.d_sense != lu->mode.d_sense) {
        lu->mode = staged;
        scsi_ua_queue_all(lu, cmd->nexus, SCSI_ASC_MODE_PARAMETERS_CHANGED);
    }
    return SCSI_DONE;
}
