/* SPDX-License-Identifier: MIT */
/*
 * test_cke_msg.c - the CKE's forwarding protocol (backend/cke/cke_msg.h):
 * descriptors and answers round-trip and refuse every malformed field; a
 * body split into fragments reassembles in any order, duplicates are
 * dropped, a fragment off the grid, of another total length, too long or
 * too short ruins the body; the bounded table of bodies (cke_asm.c) refuses
 * the 257th and expires the incomplete ones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/cke/cke_int.h"

static struct cke_cmd_desc sample_desc(void)
{
    struct cke_cmd_desc d;

    memset(&d, 0, sizeof(d));
    snprintf(d.lu.key, sizeof(d.lu.key), "lu1");
    snprintf(d.lu.backing, sizeof(d.lu.backing), "/srv/lu/shared.img");
    snprintf(d.lu.serial, sizeof(d.lu.serial), "XVP326ed41f20000000000000001");
    d.lu.pool = true;
    d.lu.offset = 4096;
    d.lu.size = 1u << 20;
    for (unsigned i = 0; i < 16; i++)
        d.lu.wwn[i] = (uint8_t)(0x60 + i);
    d.nexus.initiator = (7ull << 32) | 1;
    d.nexus.target_port = 101;
    d.nexus.transport_id_len = 24;
    memcpy(d.nexus.transport_id, "xen-pvscsi.dom7.vhost1\0\0", 24);
    d.lun = 3;
    d.cdb[0] = 0x8a;
    d.cdb_len = 16;
    d.dir = CKE_DIR_TO_DEVICE;
    d.data_out_len = 131072;
    return d;
}

static void test_desc_roundtrip(void **state)
{
    struct cke_cmd_desc d = sample_desc(), back;
    uint8_t buf[CKE_DESC_MAX];
    int n;

    (void)state;
    n = cke_desc_encode(&d, buf, sizeof(buf));
    assert_int_equal(n, CKE_DESC_FIXED + 3 + strlen(d.lu.backing) + 24);
    assert_int_equal(cke_desc_decode(buf, (size_t)n, &back), n);
    assert_string_equal(back.lu.key, "lu1");
    assert_string_equal(back.lu.backing, d.lu.backing);
    assert_string_equal(back.lu.serial, d.lu.serial);
    assert_memory_equal(back.lu.wwn, d.lu.wwn, 16);
    assert_true(back.lu.pool);
    assert_int_equal(back.lu.offset, 4096);
    assert_int_equal(back.nexus.initiator, d.nexus.initiator);
    assert_int_equal(back.nexus.target_port, 101);
    assert_int_equal(back.nexus.transport_id_len, 24);
    assert_memory_equal(back.nexus.transport_id, d.nexus.transport_id, 24);
    assert_int_equal(back.lun, 3);
    assert_int_equal(back.cdb_len, 16);
    assert_int_equal(back.data_out_len, 131072);
    /* every truncation is refused */
    for (int len = 0; len < n; len++)
        assert_int_equal(cke_desc_decode(buf, (size_t)len, &back), -EBADMSG);
}

static void test_desc_hostile(void **state)
{
    struct cke_cmd_desc d = sample_desc(), back;
    uint8_t buf[CKE_DESC_MAX], bad[CKE_DESC_MAX];
    int n;

    (void)state;
    n = cke_desc_encode(&d, buf, sizeof(buf));
    assert_true(n > 0);
#define MUTATE(stmt)                                                         \
    do {                                                                     \
        memcpy(bad, buf, sizeof(buf));                                       \
        stmt;                                                                \
        assert_int_equal(cke_desc_decode(bad, (size_t)n, &back), -EBADMSG); \
    } while (0)
    MUTATE(bad[0] = 2);                                  /* version */
    MUTATE(bad[2] = 3);                                  /* direction */
    MUTATE(bad[3] = 0);                                  /* CDB length 0 */
    MUTATE(bad[3] = 17);                                 /* CDB length > 16 */
    MUTATE(bad[20] = 4);                                 /* unknown flag */
    MUTATE(bad[21] = 0);                                 /* empty key */
    MUTATE(bad[21] = 64);                                /* key too long (and past the buffer) */
    MUTATE(xvios_put_le16(bad + 22, 0));                 /* empty backing */
    MUTATE(xvios_put_le16(bad + 22, 1025));              /* backing too long */
    MUTATE(xvios_put_le16(bad + 38, 257));               /* transport id too long */
    MUTATE(xvios_put_le16(bad + 38, 200));               /* transport id past the bytes received */
    MUTATE(xvios_put_le32(bad + 24, SCSI_LUN_MAX + 1));  /* LUN */
    MUTATE(xvios_put_le32(bad + 28, CKE_DATA_MAX + 1));  /* data-out too long */
    MUTATE(xvios_put_le32(bad + 32, 512));               /* data-in on a write */
    MUTATE(bad[80 + 28] = 'x'; memset(bad + 80, 'x', 32)); /* serial without NUL */
    MUTATE(bad[81] = 1);                                 /* serial not printable */
    MUTATE(bad[79 + 32] = 0; bad[80 + 30] = 'y');        /* garbage after the serial's NUL */
    MUTATE(bad[CKE_DESC_FIXED] = '.');                   /* key character */
    MUTATE(bad[CKE_DESC_FIXED + 3] = 's');               /* relative backing */
#undef MUTATE
    /* encode refuses what decode would */
    d.cdb_len = 0;
    assert_int_equal(cke_desc_encode(&d, buf, sizeof(buf)), -EINVAL);
    d = sample_desc();
    d.data_in_len = 1;
    assert_int_equal(cke_desc_encode(&d, buf, sizeof(buf)), -EINVAL);
    d = sample_desc();
    assert_int_equal(cke_desc_encode(&d, buf, 100), -EINVAL);
}

static void test_rsp(void **state)
{
    struct cke_rsp r = { .outcome = CKE_OUT_DONE, .status = 2, .sense_len = 18, .data_in_xfer = 4096,
                         .residual = 512 }, back;
    uint8_t buf[CKE_RSP_FIXED + 4096];

    (void)state;
    r.sense[2] = 3;
    cke_rsp_encode(&r, buf);
    assert_int_equal(cke_rsp_decode(buf, sizeof(buf), &back), 0);
    assert_int_equal(back.status, 2);
    assert_int_equal(back.sense_len, 18);
    assert_int_equal(back.sense[2], 3);
    assert_int_equal(back.data_in_xfer, 4096);
    assert_int_equal(back.residual, 512);
    /* data-in length must be exactly what follows */
    assert_int_equal(cke_rsp_decode(buf, sizeof(buf) - 1, &back), -EBADMSG);
    assert_int_equal(cke_rsp_decode(buf, CKE_RSP_FIXED - 1, &back), -EBADMSG);
    buf[2] = SCSI_SENSE_BUFFERSIZE + 1;                  /* sense too long */
    assert_int_equal(cke_rsp_decode(buf, sizeof(buf), &back), -EBADMSG);
    buf[2] = 18;
    buf[0] = 3;                                          /* unknown outcome */
    assert_int_equal(cke_rsp_decode(buf, sizeof(buf), &back), -EBADMSG);
    buf[0] = CKE_OUT_NO_PATH;                            /* not executed, yet data */
    assert_int_equal(cke_rsp_decode(buf, sizeof(buf), &back), -EBADMSG);
    r = (struct cke_rsp){ .outcome = CKE_OUT_NO_PATH };
    cke_rsp_encode(&r, buf);
    assert_int_equal(cke_rsp_decode(buf, CKE_RSP_FIXED, &back), 0);
    assert_int_equal(back.outcome, CKE_OUT_NO_PATH);
}

/* Fragment i of a body of len bytes into frag (CKE_FRAG_HDR + data); returns its payload length. */
static size_t make_frag(uint64_t id, const uint8_t *body, uint32_t len, unsigned i, uint8_t *frag)
{
    struct cke_frag_hdr h = { .fwd_id = id, .total_len = len, .frag_off = i * CKE_FRAG_DATA };

    h.frag_len = len - h.frag_off < CKE_FRAG_DATA ? len - h.frag_off : CKE_FRAG_DATA;
    cke_frag_hdr_put(frag, &h);
    memcpy(frag + CKE_FRAG_HDR, body + h.frag_off, h.frag_len);
    return CKE_FRAG_HDR + h.frag_len;
}

static uint8_t *pattern(uint32_t len)
{
    uint8_t *b = malloc(len);

    for (uint32_t i = 0; i < len; i++)
        b[i] = (uint8_t)(i * 7 + (i >> 9));
    return b;
}

static void test_frag_header(void **state)
{
    static uint8_t frag[XVIOS_MAX_PAYLOAD];
    struct cke_frag_hdr h;
    uint8_t *body = pattern(CKE_BODY_MAX);
    size_t n;

    (void)state;
    assert_int_equal(cke_frag_count(1), 1);
    assert_int_equal(cke_frag_count(CKE_FRAG_DATA), 1);
    assert_int_equal(cke_frag_count(CKE_FRAG_DATA + 1), 2);
    assert_true(cke_frag_count(CKE_BODY_MAX) <= 32);
    n = make_frag(9, body, CKE_BODY_MAX, 1, frag);
    assert_int_equal(cke_frag_hdr_get(frag, n, &h), 0);
    assert_int_equal(h.frag_off, CKE_FRAG_DATA);
    assert_int_equal(cke_frag_hdr_get(frag, n - 1, &h), -EBADMSG);          /* payload shorter than frag_len */
    assert_int_equal(cke_frag_hdr_get(frag, CKE_FRAG_HDR - 1, &h), -EBADMSG);
    xvios_put_le32(frag + 8, CKE_BODY_MAX + 1);                             /* total too long */
    assert_int_equal(cke_frag_hdr_get(frag, n, &h), -EBADMSG);
    xvios_put_le32(frag + 8, 0);                                           /* total 0 */
    assert_int_equal(cke_frag_hdr_get(frag, n, &h), -EBADMSG);
    n = make_frag(9, body, CKE_BODY_MAX, 1, frag);
    xvios_put_le32(frag + 12, CKE_FRAG_DATA + 1);                           /* off the grid */
    assert_int_equal(cke_frag_hdr_get(frag, n, &h), -EBADMSG);
    n = make_frag(9, body, CKE_BODY_MAX, 1, frag);
    xvios_put_le32(frag + 12, CKE_BODY_MAX);                                /* at the end */
    assert_int_equal(cke_frag_hdr_get(frag, n, &h), -EBADMSG);
    n = make_frag(9, body, CKE_BODY_MAX, 1, frag);
    xvios_put_le32(frag + 16, CKE_FRAG_DATA - 1);                           /* length off its slot */
    assert_int_equal(cke_frag_hdr_get(frag, n - 1, &h), -EBADMSG);
    n = make_frag(0, body, 100, 0, frag);                                   /* id 0 */
    assert_int_equal(cke_frag_hdr_get(frag, n, &h), -EBADMSG);
    n = make_frag(9, body, 100, 0, frag);
    frag[20] ^= 1;                                                          /* magic */
    assert_int_equal(cke_frag_hdr_get(frag, n, &h), -EBADMSG);
    n = make_frag(9, body, 100, 0, frag);
    frag[28] = 1;                                                           /* reserved */
    assert_int_equal(cke_frag_hdr_get(frag, n, &h), -EBADMSG);
    free(body);
}

static void test_reassembly_orders(void **state)
{
    static uint8_t frag[XVIOS_MAX_PAYLOAD];
    const uint32_t len = 5 * CKE_FRAG_DATA + 1234;
    uint8_t *body = pattern(len);
    unsigned order[][6] = { { 0, 1, 2, 3, 4, 5 }, { 5, 4, 3, 2, 1, 0 }, { 3, 0, 5, 1, 4, 2 } };

    (void)state;
    for (unsigned o = 0; o < 3; o++) {
        struct cke_asm_table t = { 0 };
        struct cke_asm *done = NULL;
        int rc = 0;

        for (unsigned k = 0; k < 6; k++) {
            size_t n = make_frag(77, body, len, order[o][k], frag);

            rc = cke__asm_add(&t, 2, frag, n, 1000, &done);
            assert_int_equal(rc, k == 5 ? 1 : 0);
            if (k == 2)                                      /* a duplicate changes nothing */
                assert_int_equal(cke__asm_add(&t, 2, frag, n, 1000, &done), -EALREADY);
        }
        assert_non_null(done);
        assert_int_equal(done->r.total_len, len);
        assert_memory_equal(done->r.body, body, len);
        assert_int_equal(t.n, 0);
        cke__asm_free(done);
    }
    free(body);
}

static void test_reassembly_hostile(void **state)
{
    static uint8_t frag[XVIOS_MAX_PAYLOAD];
    const uint32_t len = 3 * CKE_FRAG_DATA;
    uint8_t *body = pattern(len);
    struct cke_asm_table t = { 0 };
    struct cke_asm *done = NULL;
    size_t n;

    (void)state;
    /* the same id from another node is another body */
    n = make_frag(5, body, len, 0, frag);
    assert_int_equal(cke__asm_add(&t, 2, frag, n, 1000, &done), 0);
    assert_int_equal(cke__asm_add(&t, 3, frag, n, 1000, &done), 0);
    assert_int_equal(t.n, 2);
    /* a fragment claiming another total length ruins node 2's body */
    n = make_frag(5, body, len - 1, 1, frag);
    assert_int_equal(cke__asm_add(&t, 2, frag, n, 1000, &done), -EBADMSG);
    assert_int_equal(t.n, 1);
    /* node 3's body completes untouched */
    for (unsigned i = 1; i < 3; i++) {
        n = make_frag(5, body, len, i, frag);
        assert_int_equal(cke__asm_add(&t, 3, frag, n, 1000, &done), i == 2 ? 1 : 0);
    }
    assert_memory_equal(done->r.body, body, len);
    cke__asm_free(done);
    /* garbage is refused before any table entry is made */
    memset(frag, 0xff, 64);
    assert_int_equal(cke__asm_add(&t, 2, frag, 64, 1000, &done), -EBADMSG);
    assert_int_equal(t.n, 0);
    /* at most CKE_ASM_MAX bodies at once */
    for (unsigned i = 0; i < CKE_ASM_MAX; i++) {
        n = make_frag(1000 + i, body, len, 0, frag);
        assert_int_equal(cke__asm_add(&t, 2, frag, n, 60000, &done), 0);
    }
    n = make_frag(99999, body, len, 0, frag);
    assert_int_equal(cke__asm_add(&t, 2, frag, n, 60000, &done), -ENOBUFS);
    /* incomplete bodies expire at their deadline, not before */
    cke__asm_expire(&t, xvios_now());
    assert_int_equal(t.n, CKE_ASM_MAX);
    cke__asm_expire(&t, xvios_ts_add_ms(xvios_now(), 61000));
    assert_int_equal(t.n, 0);
    assert_null(t.head);
    cke__asm_clear(&t);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_desc_roundtrip),   cmocka_unit_test(test_desc_hostile),
        cmocka_unit_test(test_rsp),              cmocka_unit_test(test_frag_header),
        cmocka_unit_test(test_reassembly_orders), cmocka_unit_test(test_reassembly_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
