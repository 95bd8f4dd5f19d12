/* SPDX-License-Identifier: MIT */
/*
 * test_vscsi_req.c - request validation (backend/vscsi/vscsi_req.h): a table
 * of one well-formed request per kind and one malformed request per class,
 * each with the code it must get; the data-segment stage over direct and
 * indirect descriptors, and that the copy carries the fields the engine uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/vscsi/vscsi_req.h"

static struct vscsiif_request cdb_req(uint8_t dir, unsigned nsegs)
{
    struct vscsiif_request r;

    memset(&r, 0, sizeof(r));
    r.rqid = 9;
    r.act = VSCSIIF_ACT_SCSI_CDB;
    r.cmd_len = 10;
    r.cmnd[0] = 0x28;
    r.channel = 1;
    r.id = 2;
    r.lun = 3;
    r.sc_data_direction = dir;
    r.nr_segments = (uint8_t)nsegs;
    for (unsigned i = 0; i < nsegs && i < VSCSIIF_SG_TABLESIZE; i++)
        r.seg[i] = (struct scsiif_request_segment){ .gref = 100 + i, .offset = 0, .length = 4096 };
    return r;
}

struct row {
    const char *what;
    void (*mutate)(struct vscsiif_request *r);
    enum vscsi_req_err want;
};

static void m_none(struct vscsiif_request *r) { (void)r; }
static void m_act0(struct vscsiif_request *r) { r->act = 0; }
static void m_act4(struct vscsiif_request *r) { r->act = VSCSIIF_ACT_SCSI_SG_PRESET; }
static void m_act255(struct vscsiif_request *r) { r->act = 255; }
static void m_abort(struct vscsiif_request *r) { r->act = VSCSIIF_ACT_SCSI_ABORT; r->cmd_len = 99; r->nr_segments = 200; }
static void m_reset(struct vscsiif_request *r) { r->act = VSCSIIF_ACT_SCSI_RESET; r->sc_data_direction = 77; }
static void m_dir0(struct vscsiif_request *r) { r->sc_data_direction = 0; }
static void m_dir4(struct vscsiif_request *r) { r->sc_data_direction = 4; }
static void m_dir255(struct vscsiif_request *r) { r->sc_data_direction = 255; }
static void m_none_data(struct vscsiif_request *r) { r->sc_data_direction = 3; }
static void m_none_nodata(struct vscsiif_request *r) { r->sc_data_direction = 3; r->nr_segments = 0; }
static void m_cmd0(struct vscsiif_request *r) { r->cmd_len = 0; }
static void m_cmd16(struct vscsiif_request *r) { r->cmd_len = 16; }
static void m_cmd17(struct vscsiif_request *r) { r->cmd_len = 17; }
static void m_cmd255(struct vscsiif_request *r) { r->cmd_len = 255; }
static void m_seg26(struct vscsiif_request *r) { *r = cdb_req(2, 26); }
static void m_seg27(struct vscsiif_request *r) { r->nr_segments = 27; }
static void m_seg127(struct vscsiif_request *r) { r->nr_segments = 127; }
static void m_seg_len0(struct vscsiif_request *r) { r->seg[1].length = 0; }
static void m_seg_over(struct vscsiif_request *r) { r->seg[0].offset = 1; }
static void m_seg_tail(struct vscsiif_request *r) { r->seg[2].offset = 4000; r->seg[2].length = 96; }
static void m_seg_big(struct vscsiif_request *r) { r->seg[0].offset = 0; r->seg[0].length = 8192; }
static void m_seg_off_max(struct vscsiif_request *r) { r->seg[0].offset = 65535; r->seg[0].length = 1; }
static void m_ind_ok(struct vscsiif_request *r)
{
    r->nr_segments = VSCSIIF_SG_GRANT | 2;
    r->seg[0] = (struct scsiif_request_segment){ .gref = 50, .offset = 8, .length = 64 * 8 };
    r->seg[1] = (struct scsiif_request_segment){ .gref = 51, .offset = 4096 - 64 * 8, .length = 64 * 8 };
}
static void m_ind_zero(struct vscsiif_request *r) { r->nr_segments = VSCSIIF_SG_GRANT; }
static void m_ind_27(struct vscsiif_request *r) { r->nr_segments = VSCSIIF_SG_GRANT | 27; }
static void m_ind_len12(struct vscsiif_request *r) { m_ind_ok(r); r->seg[1].length = 12; }
static void m_ind_len0(struct vscsiif_request *r) { m_ind_ok(r); r->seg[0].length = 0; }
static void m_ind_over(struct vscsiif_request *r) { m_ind_ok(r); r->seg[1].offset = 4096 - 8 * 63; }
static void m_ind_129(struct vscsiif_request *r) { m_ind_ok(r); r->seg[1].length = 65 * 8; r->seg[1].offset = 0; }
static void m_ind_128(struct vscsiif_request *r) { m_ind_ok(r); r->seg[1].offset = 0; }
static void m_ind_none_dir(struct vscsiif_request *r) { m_ind_ok(r); r->sc_data_direction = 3; }

static const struct row table[] = {
    { "READ(10) with 3 direct pages", m_none, VSCSI_REQ_OK },
    { "26 direct pages", m_seg26, VSCSI_REQ_OK },
    { "ABORT ignores CDB fields", m_abort, VSCSI_REQ_OK },
    { "RESET ignores CDB fields", m_reset, VSCSI_REQ_OK },
    { "DMA_NONE without data", m_none_nodata, VSCSI_REQ_OK },
    { "cmd_len 16", m_cmd16, VSCSI_REQ_OK },
    { "2 indirect pages, 128 segments", m_ind_ok, VSCSI_REQ_OK },
    { "indirect: 128 segments at offset 0", m_ind_128, VSCSI_REQ_OK },
    { "act 0", m_act0, VSCSI_REQ_BAD_ACT },
    { "act 4 (SG_PRESET, reserved)", m_act4, VSCSI_REQ_BAD_ACT },
    { "act 255", m_act255, VSCSI_REQ_BAD_ACT },
    { "direction 0 (bidirectional)", m_dir0, VSCSI_REQ_BAD_DIR },
    { "direction 4", m_dir4, VSCSI_REQ_BAD_DIR },
    { "direction 255", m_dir255, VSCSI_REQ_BAD_DIR },
    { "cmd_len 0", m_cmd0, VSCSI_REQ_BAD_CMD_LEN },
    { "cmd_len 17", m_cmd17, VSCSI_REQ_BAD_CMD_LEN },
    { "cmd_len 255", m_cmd255, VSCSI_REQ_BAD_CMD_LEN },
    { "data segments on DMA_NONE", m_none_data, VSCSI_REQ_BAD_NSEGS },
    { "27 direct segments", m_seg27, VSCSI_REQ_BAD_NSEGS },
    { "127 direct segments", m_seg127, VSCSI_REQ_BAD_NSEGS },
    { "indirect with 0 pages", m_ind_zero, VSCSI_REQ_BAD_NSEGS },
    { "27 indirect pages", m_ind_27, VSCSI_REQ_BAD_NSEGS },
    { "indirect on DMA_NONE", m_ind_none_dir, VSCSI_REQ_BAD_NSEGS },
    { "direct segment of length 0", m_seg_len0, VSCSI_REQ_BAD_SEG },
    { "direct segment offset 1 + 4096", m_seg_over, VSCSI_REQ_BAD_SEG },
    { "direct segment 4000 + 96 = 4096 is fine, 4000 + 96 on page 2", m_seg_tail, VSCSI_REQ_OK },
    { "direct segment of 8192 bytes", m_seg_big, VSCSI_REQ_BAD_SEG },
    { "direct segment offset 65535", m_seg_off_max, VSCSI_REQ_BAD_SEG },
    { "indirect descriptor length 12", m_ind_len12, VSCSI_REQ_BAD_INDIRECT },
    { "indirect descriptor length 0", m_ind_len0, VSCSI_REQ_BAD_INDIRECT },
    { "indirect descriptor beyond its page", m_ind_over, VSCSI_REQ_BAD_INDIRECT },
    { "indirect: 129 segments", m_ind_129, VSCSI_REQ_TOO_MANY_SEGS },
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        struct vscsiif_request r = cdb_req(2, 3);
        struct vscsi_req_hdr h;
        enum vscsi_req_err got;

        table[i].mutate(&r);
        got = vscsi_req_check(&r, 128, &h);
        if (got != table[i].want)
            fail_msg("%s: got '%s', want '%s'", table[i].what, vscsi_req_err_name(got),
                     vscsi_req_err_name(table[i].want));
        assert_int_equal(h.rqid, r.rqid);     /* the answer always carries the request's rqid */
    }
}

static void test_copy_fields(void **state)
{
    struct vscsiif_request r = cdb_req(1, 2);
    struct vscsi_req_hdr h;

    (void)state;
    r.ref_rqid = 44;
    assert_int_equal(vscsi_req_check(&r, 128, &h), VSCSI_REQ_OK);
    assert_int_equal(h.act, VSCSIIF_ACT_SCSI_CDB);
    assert_int_equal(h.dir, 1);
    assert_int_equal(h.cmd_len, 10);
    assert_int_equal(h.cdb[0], 0x28);
    assert_int_equal(h.channel, 1);
    assert_int_equal(h.id, 2);
    assert_int_equal(h.lun, 3);
    assert_int_equal(h.ref_rqid, 44);
    assert_false(h.indirect);
    assert_int_equal(h.nr_desc, 2);
    assert_int_equal(h.nr_segs, 2);
    /* changing the source after the check changes nothing (the ring is not read twice) */
    r.seg[0].length = 0;
    assert_int_equal(h.desc[0].length, 4096);
}

static void test_feature_limit(void **state)
{
    struct vscsiif_request r = cdb_req(2, 3);
    struct vscsi_req_hdr h;

    (void)state;
    m_ind_ok(&r);                       /* 128 segments */
    assert_int_equal(vscsi_req_check(&r, 128, &h), VSCSI_REQ_OK);
    assert_int_equal(vscsi_req_check(&r, 127, &h), VSCSI_REQ_TOO_MANY_SEGS);
    assert_int_equal(vscsi_req_check(&r, 26, &h), VSCSI_REQ_TOO_MANY_SEGS);
}

static void test_data_segs(void **state)
{
    struct vscsiif_request r = cdb_req(2, 3);
    struct scsiif_request_segment ind[128], out[128];
    struct vscsi_req_hdr h;
    uint32_t total = 1;

    (void)state;
    r.seg[2].length = 100;
    assert_int_equal(vscsi_req_check(&r, 128, &h), VSCSI_REQ_OK);
    assert_int_equal(vscsi_req_data_segs(&h, NULL, out, &total), VSCSI_REQ_OK);
    assert_int_equal(total, 8192 + 100);
    assert_int_equal(out[1].gref, 101);

    m_ind_ok(&r);
    assert_int_equal(vscsi_req_check(&r, 128, &h), VSCSI_REQ_OK);
    assert_true(h.indirect);
    assert_int_equal(h.nr_segs, 128);
    for (unsigned i = 0; i < 128; i++)
        ind[i] = (struct scsiif_request_segment){ .gref = 1000 + i, .offset = 512, .length = 3584 };
    assert_int_equal(vscsi_req_data_segs(&h, ind, out, &total), VSCSI_REQ_OK);
    assert_int_equal(total, 128u * 3584);
    assert_int_equal(out[127].gref, 1127);
    /* an indirect page that lies about its data segments */
    ind[77].offset = 513;
    assert_int_equal(vscsi_req_data_segs(&h, ind, out, &total), VSCSI_REQ_BAD_SEG);
    ind[77].offset = 0;
    ind[78].length = 0;
    assert_int_equal(vscsi_req_data_segs(&h, ind, out, &total), VSCSI_REQ_BAD_SEG);
    assert_int_equal(total, 0);
    /* an indirect request without its descriptors */
    assert_int_equal(vscsi_req_data_segs(&h, NULL, out, &total), VSCSI_REQ_BAD_INDIRECT);
}

static void test_names(void **state)
{
    (void)state;
    for (int e = 0; e < VSCSI_REQ_ERR_COUNT; e++)
        assert_string_not_equal(vscsi_req_err_name((enum vscsi_req_err)e), "?");
    assert_string_equal(vscsi_req_err_name(VSCSI_REQ_ERR_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_copy_fields),
        cmocka_unit_test(test_feature_limit),
        cmocka_unit_test(test_data_segs),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
