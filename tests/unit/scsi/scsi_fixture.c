/* SPDX-License-Identifier: MIT */
/* scsi_fixture.c - the SCSI target test fixture (see scsi_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scsi_fixture.h"

struct fx *fx_new(uint64_t blocks, uint32_t bs, bool read_only)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct scsi_lu_opts o = { .ops = &memstore_ops, .serial = "XV0001", .ieee_company_id = 0x123456,
                              .read_only = read_only };

    assert_non_null(f);
    f->ms = memstore_new(blocks * bs, bs);
    assert_non_null(f->ms);
    o.store = f->ms;
    assert_int_equal(scsi_lu_new(&o, &f->lu), 0);
    f->dev = scsi_dev_new();
    assert_non_null(f->dev);
    assert_int_equal(scsi_dev_map_lun(f->dev, 0, f->lu), 0);
    f->a.initiator = 0xa;
    f->a.target_port = 1;
    f->b.initiator = 0xb;
    f->b.target_port = 1;
    return f;
}

void fx_free(struct fx *f)
{
    assert_int_equal(scsi_lu_in_flight(f->lu), 0);
    scsi_dev_free(f->dev);
    scsi_lu_free(f->lu);
    memstore_free(f->ms);
    free(f);
}

static void on_done(struct scsi_cmd *cmd)
{
    struct fx_cmd *c = (struct fx_cmd *)cmd;

    c->done++;
}

void fx_prep(struct fx_cmd *c, const struct scsi_nexus *n, uint32_t lun, const uint8_t *cdb, uint8_t cdb_len,
             void *in, uint32_t in_len, const void *out, uint32_t out_len)
{
    memset(c, 0, sizeof(*c));
    c->cmd.nexus = n;
    c->cmd.lun = lun;
    memcpy(c->cmd.cdb, cdb, cdb_len);
    c->cmd.cdb_len = cdb_len;
    c->cmd.data_in = in;
    c->cmd.data_in_len = in_len;
    c->cmd.data_out = out;
    c->cmd.data_out_len = out_len;
    c->cmd.done = on_done;
}

void fx_submit(struct fx *f, struct fx_cmd *c)
{
    scsi_submit(f->dev, &c->cmd);
}

int fx_run(struct fx *f, struct fx_cmd *c, const struct scsi_nexus *n, const uint8_t *cdb, uint8_t cdb_len,
           void *in, uint32_t in_len, const void *out, uint32_t out_len)
{
    fx_prep(c, n, 0, cdb, cdb_len, in, in_len, out, out_len);
    fx_submit(f, c);
    memstore_run(f->ms);
    assert_int_equal(c->done, 1);
    return c->cmd.status;
}

int fx_cdb(struct fx *f, struct fx_cmd *c, const uint8_t *cdb, uint8_t cdb_len, uint32_t in_len)
{
    memset(f->in, 0xee, sizeof(f->in));
    return fx_run(f, c, &f->a, cdb, cdb_len, f->in, in_len, NULL, 0);
}

void fx_clear_ua(struct fx *f)
{
    static const uint8_t tur[6] = { 0 };
    struct fx_cmd c;

    fx_run(f, &c, &f->a, tur, 6, NULL, 0, NULL, 0);
    fx_run(f, &c, &f->b, tur, 6, NULL, 0, NULL, 0);
}

void fx_assert_sense(const struct fx_cmd *c, uint8_t key, uint16_t asc)
{
    assert_int_equal(c->cmd.status, SCSI_STATUS_CHECK_CONDITION);
    assert_int_equal(c->cmd.sense_len, 18);
    assert_int_equal(c->cmd.sense[0] & 0x7f, 0x70);
    assert_int_equal(c->cmd.sense[2] & 0x0f, key);
    assert_int_equal(c->cmd.sense[7], 10);
    assert_int_equal(c->cmd.sense[12], asc >> 8);
    assert_int_equal(c->cmd.sense[13], asc & 0xff);
}

void fx_assert_field(const struct fx_cmd *c, bool in_cdb, uint16_t field, int bit)
{
    const uint8_t *s = c->cmd.sense;

    assert_int_equal(s[15] & 0x80, 0x80);                         /* SKSV */
    assert_int_equal(!!(s[15] & 0x40), in_cdb);                   /* C/D */
    if (bit < 0) {
        assert_int_equal(s[15] & 0x08, 0);
    } else {
        assert_int_equal(s[15] & 0x08, 0x08);                     /* BPV */
        assert_int_equal(s[15] & 0x07, bit);
    }
    assert_int_equal(s[16] << 8 | s[17], field);
}
