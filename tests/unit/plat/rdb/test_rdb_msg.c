/* SPDX-License-Identifier: MIT */
/*
 * test_rdb_msg.c - the replicated DB's messages (xen/plat/rdb/rdb_msg.c):
 * each kind's round trip; every truncation, trailing bytes, a wrong magic,
 * version, kind or length refused; CHUNK bounds; TX bounds (op count, path,
 * value, permissions, domid, flags, the read set's entries and count); the
 * encoders' own refusals.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xen/plat/rdb/rdb_msg.h"

/* Every shorter length, and one byte more, is refused. */
static void assert_exact(const uint8_t *b, size_t len)
{
    struct rdb_msg m;
    uint8_t *big = malloc(len + 1);
    for (size_t l = 0; l < len; l++) {
        assert_int_equal(rdb_msg_decode(b, l, &m), -EPROTO);
        rdb_msg_release(&m);
    }
    memcpy(big, b, len);
    big[len] = 0;
    assert_int_equal(rdb_msg_decode(big, len + 1, &m), -EPROTO);
    rdb_msg_release(&m);
    free(big);
}

static void test_sync_and_state(void **state)
{
    (void)state;
    struct rdb_msg m;
    uint8_t *b;
    size_t len;
    assert_int_equal(rdb_msg_sync_start(0x1122334455667788ull, &b, &len), 0);
    assert_int_equal(len, RDB_MSG_HDR + 8);
    assert_int_equal(rdb_msg_decode(b, len, &m), 0);
    assert_int_equal(m.kind, RDB_MSG_SYNC_START);
    assert_true(m.epoch == 0x1122334455667788ull);
    assert_exact(b, len);
    /* magic, version, kind, length field */
    b[0] ^= 1;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[0] ^= 1;
    b[4] = 2;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[4] = 1;
    b[6] = 9;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[6] = RDB_MSG_STATE;   /* a STATE needs 24 bytes of payload */
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[6] = RDB_MSG_SYNC_START;
    b[8] = 7;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[8] = 8;
    assert_int_equal(rdb_msg_decode(b, len, &m), 0);
    free(b);

    struct rdb_inc inc;
    for (unsigned i = 0; i < RDB_INC_LEN; i++)
        inc.b[i] = (uint8_t)(0xa0 + i);
    assert_int_equal(rdb_msg_state(5, 1000, 0xdeadbeefcafef00dull, RDB_STATE_SERVING, &inc, &b, &len), 0);
    assert_int_equal(len, RDB_MSG_HDR + 48);
    assert_int_equal(rdb_msg_decode(b, len, &m), 0);
    assert_int_equal(m.kind, RDB_MSG_STATE);
    assert_true(m.epoch == 5 && m.version == 1000 && m.hash == 0xdeadbeefcafef00dull);
    assert_int_equal(m.state_flags, RDB_STATE_SERVING);
    assert_true(m.has_inc);
    assert_memory_equal(m.inc.b, inc.b, RDB_INC_LEN);
    assert_exact(b, len);
    /* an unknown flag, or a reserved word not 0: refused */
    b[RDB_MSG_HDR + 24] = 2;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[RDB_MSG_HDR + 24] = 1;
    b[RDB_MSG_HDR + 28] = 1;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[RDB_MSG_HDR + 28] = 0;
    /* lengths between the known ones are refused */
    for (uint8_t l = 25; l < 48; l++) {
        if (l == 32)
            continue;
        b[8] = l;
        assert_int_equal(rdb_msg_decode(b, RDB_MSG_HDR + l, &m), -EPROTO);
    }
    /* a member from before incarnations sends 32 bytes: flags kept, no incarnation */
    b[8] = 32;
    assert_int_equal(rdb_msg_decode(b, RDB_MSG_HDR + 32, &m), 0);
    assert_true(m.version == 1000 && m.state_flags == RDB_STATE_SERVING && !m.has_inc);
    assert_true(rdb_inc_none(&m.inc));
    /* a member from before the flags sends 24 bytes: read as flags 0 */
    b[8] = 24;
    assert_int_equal(rdb_msg_decode(b, RDB_MSG_HDR + 24, &m), 0);
    assert_true(m.version == 1000 && m.state_flags == 0 && !m.has_inc);
    free(b);
    assert_int_equal(rdb_msg_state(5, 1000, 1, 2, &inc, &b, &len), -EINVAL);
    assert_int_equal(rdb_msg_state(5, 1000, 1, 0, NULL, &b, &len), -EINVAL);
    assert_int_equal(rdb_msg_decode(NULL, 0, &m), -EPROTO);
}

static void test_chunk(void **state)
{
    (void)state;
    struct rdb_msg m;
    uint8_t data[100], *b;
    size_t len;
    for (unsigned i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)i;
    assert_int_equal(rdb_msg_chunk(3, 9, 77, 250, 150, data, 100, &b, &len), 0);
    assert_int_equal(rdb_msg_decode(b, len, &m), 0);
    assert_int_equal(m.kind, RDB_MSG_CHUNK);
    assert_true(m.epoch == 3 && m.version == 9 && m.hash == 77);
    assert_int_equal(m.total, 250);
    assert_int_equal(m.off, 150);
    assert_int_equal(m.data_len, 100);
    assert_memory_equal(m.data, data, 100);
    assert_exact(b, len);
    /* offset + bytes beyond the total; offset beyond the total; total over the bound */
    uint8_t *p = b + RDB_MSG_HDR;
    p[28] = 151;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    p[28] = 150;
    p[24] = 249;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    p[24] = 250;
    p[28] = 0xff;
    p[29] = 0xff;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    p[28] = 150;
    p[29] = 0;
    memset(p + 24, 0xff, 4);
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    free(b);
    /* encoder refusals: empty, over the chunk bound, beyond the total */
    static uint8_t big[RDB_CHUNK_MAX + 1];
    assert_int_equal(rdb_msg_chunk(1, 1, 1, 10, 0, data, 0, &b, &len), -EINVAL);
    assert_int_equal(rdb_msg_chunk(1, 1, 1, RDB_CHUNK_MAX + 1, 0, big, RDB_CHUNK_MAX + 1, &b, &len), -EINVAL);
    assert_int_equal(rdb_msg_chunk(1, 1, 1, 10, 5, data, 6, &b, &len), -EINVAL);
    /* a header-only CHUNK (no bytes) is refused by the decoder */
    assert_int_equal(rdb_msg_chunk(1, 1, 1, 10, 0, data, 1, &b, &len), 0);
    b[8] = RDB_CHUNK_HDR;
    assert_int_equal(rdb_msg_decode(b, len - 1, &m), -EPROTO);
    free(b);
}

static void test_tx_roundtrip(void **state)
{
    (void)state;
    struct xvios_perm perms[2] = { { 3, XVIOS_PERM_READ }, { 0xffff, XVIOS_PERM_BOTH } };
    struct rdb_op ops[4] = {
        { .kind = RDB_OP_WRITE, .path = "/pool/lu1", .val = "size=1G", .len = 7 },
        { .kind = RDB_OP_MKDIR, .path = "/pool/dir" },
        { .kind = RDB_OP_RM, .path = "/old" },
        { .kind = RDB_OP_SETPERMS, .path = "/pool", .perms = perms, .nperms = 2 },
    };
    struct rdb_msg m;
    uint8_t *b;
    size_t len;
    struct rdb_read reads[2] = { { .path = "/pool", .flags = RDB_READ_EXISTS | RDB_READ_CVER, .mver = 3, .cver = 9 },
                                 { .path = "/pool/new", .flags = 0 } };
    assert_int_equal(rdb_msg_tx(42, 1000, 7, RDB_TX_CHECK, ops, 4, reads, 2, &b, &len), 0);
    assert_int_equal(rdb_msg_decode(b, len, &m), 0);
    assert_int_equal(m.kind, RDB_MSG_TX);
    assert_true(m.txid == 42 && m.base == 1000);
    assert_int_equal(m.domid, 7);
    assert_int_equal(m.flags, RDB_TX_CHECK);
    assert_int_equal(m.nops, 4);
    assert_int_equal(m.ops[0].kind, RDB_OP_WRITE);
    assert_string_equal(m.ops[0].path, "/pool/lu1");
    assert_int_equal(m.ops[0].len, 7);
    assert_string_equal(m.ops[0].val, "size=1G");
    assert_int_equal(m.ops[1].kind, RDB_OP_MKDIR);
    assert_string_equal(m.ops[2].path, "/old");
    assert_int_equal(m.ops[3].nperms, 2);
    assert_int_equal(m.ops[3].perms[1].domid, 0xffff);
    assert_int_equal(m.ops[3].perms[1].perm, XVIOS_PERM_BOTH);
    assert_int_equal(m.nreads, 2);
    assert_string_equal(m.reads[0].path, "/pool");
    assert_int_equal(m.reads[0].flags, RDB_READ_EXISTS | RDB_READ_CVER);
    assert_true(m.reads[0].mver == 3 && m.reads[0].cver == 9);
    assert_string_equal(m.reads[1].path, "/pool/new");
    assert_int_equal(m.reads[1].flags, 0);
    rdb_msg_release(&m);
    /* the read set: unknown flags, an absent node with a version, a count beyond the bytes, a bad path */
    size_t r1 = len - (19 + 9);          /* the second entry: flags, length, "/pool/new", mver, cver */
    b[r1] = 8;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[r1] = 0;
    b[len - 1] = 1;                      /* absent, yet a cver */
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[len - 1] = 0;
    size_t cnt = len - (19 + 9) - (19 + 5) - 4;
    assert_int_equal(b[cnt], 2);
    b[cnt] = 3;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[cnt] = 0xff;
    b[cnt + 1] = 0xff;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[cnt] = 2;
    b[cnt + 1] = 0;
    b[r1 + 3] = 'x';                     /* "xpool/new" */
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[r1 + 3] = '/';
    assert_int_equal(rdb_msg_decode(b, len, &m), 0);
    rdb_msg_release(&m);
    assert_exact(b, len);

    /* fields: domid over 16 bits, an unknown flag, op count 0 and beyond the bytes, an op kind, a path */
    uint8_t *p = b + RDB_MSG_HDR;
    p[18] = 1;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    p[18] = 0;
    p[20] = 2;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    p[20] = 1;
    p[24] = 0;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    p[24] = 5;     /* five ops announced, four there */
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    memset(p + 24, 0xff, 4);
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    p[24] = 4;
    memset(p + 25, 0, 3);
    p[28] = 9;     /* op kind */
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    p[28] = RDB_OP_WRITE;
    p[31] = 'x';   /* "/pool/lu1" -> "xpool/lu1": not absolute */
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    p[31] = '/';
    p[29] = 0;     /* path length 0 */
    p[30] = 0;
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    p[29] = 9;
    assert_int_equal(rdb_msg_decode(b, len, &m), 0);
    rdb_msg_release(&m);
    /* the value length over XVIOS_STORE_MAX_VALUE */
    size_t vl = 28 + 3 + 9;
    p[vl + 1] = 0x20;  /* 7 + 0x2000 */
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    free(b);
}

static void test_tx_bounds(void **state)
{
    (void)state;
    struct xvios_perm bad_domid[1] = { { 0x10000, XVIOS_PERM_READ } };
    struct rdb_op w = { .kind = RDB_OP_WRITE, .path = "/a", .val = "v", .len = 1 };
    struct rdb_op sp = { .kind = RDB_OP_SETPERMS, .path = "/a", .perms = bad_domid, .nperms = 1 };
    struct rdb_msg m;
    uint8_t *b;
    size_t len;
    assert_int_equal(rdb_msg_tx(1, 0, 0, 0, &w, 0, NULL, 0, &b, &len), -EINVAL);
    assert_int_equal(rdb_msg_tx(1, 0, 0x10000, 0, &w, 1, NULL, 0, &b, &len), -EINVAL);
    assert_int_equal(rdb_msg_tx(1, 0, 0, 4, &w, 1, NULL, 0, &b, &len), -EINVAL);
    struct rdb_read bad_read = { .path = "/a", .flags = 0, .mver = 1 };
    assert_int_equal(rdb_msg_tx(1, 0, 0, 0, &w, 1, &bad_read, 1, &b, &len), -EINVAL);
    bad_read = (struct rdb_read){ .path = "/a", .flags = 16 | RDB_READ_EXISTS };
    assert_int_equal(rdb_msg_tx(1, 0, 0, 0, &w, 1, &bad_read, 1, &b, &len), -EINVAL);
    assert_int_equal(rdb_msg_tx(1, 0, 0, 0, &w, 1, NULL, RDB_TX_MAX_READS + 1, &b, &len), -EINVAL);
    static struct rdb_op many[RDB_TX_MAX_OPS + 1];
    for (unsigned i = 0; i <= RDB_TX_MAX_OPS; i++)
        many[i] = w;
    assert_int_equal(rdb_msg_tx(1, 0, 0, 0, many, RDB_TX_MAX_OPS + 1, NULL, 0, &b, &len), -EINVAL);
    /* RDB_TX_MAX_OPS values of 4096 bytes exceed one message */
    static char v[XVIOS_STORE_MAX_VALUE];
    memset(v, 'x', sizeof(v));
    for (unsigned i = 0; i < RDB_TX_MAX_OPS; i++) {
        many[i].val = v;
        many[i].len = sizeof(v);
    }
    assert_int_equal(rdb_msg_tx(1, 0, 0, 0, many, RDB_TX_MAX_OPS, NULL, 0, &b, &len), -EMSGSIZE);
    /* a permission with a 17-bit domid is encoded by nobody but refused on receipt */
    struct xvios_perm ok[1] = { { 5, XVIOS_PERM_READ } };
    sp.perms = ok;
    assert_int_equal(rdb_msg_tx(1, 0, 0, 0, &sp, 1, NULL, 0, &b, &len), 0);
    /* the last 4 bytes are the (empty) read set's count */
    b[len - 7] = 1;   /* domid byte 2 */
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[len - 7] = 0;
    b[len - 5] = 4;   /* access */
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[len - 5] = 1;
    b[len - 11] = 0;  /* permission count 0 */
    assert_int_equal(rdb_msg_decode(b, len, &m), -EPROTO);
    b[len - 11] = 1;
    assert_int_equal(rdb_msg_decode(b, len, &m), 0);
    rdb_msg_release(&m);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_and_state),
        cmocka_unit_test(test_chunk),
        cmocka_unit_test(test_tx_roundtrip),
        cmocka_unit_test(test_tx_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
