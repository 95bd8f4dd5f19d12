/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_pr_tid.c - TransportID validation (every length and field of an
 * untrusted TransportID, with the offset of the bad byte) and comparison.
 */
#include "pr_fixture.h"

static size_t iscsi_tid(uint8_t *t, uint8_t format, const char *s, size_t addl)
{
    memset(t, 0, 4 + addl);
    t[0] = (uint8_t)(format << 6 | 0x05);
    scsi_put_be16(t + 2, (uint16_t)addl);
    memcpy(t + 4, s, strlen(s));
    return 4 + addl;
}

static void fixed_size_formats(void **state)
{
    static const uint8_t protos[] = { 0x0 /* FC */, 0x3 /* 1394 */, 0x4 /* SRP */, 0x6 /* SAS */ };
    uint8_t t[32];
    size_t len = 0, bad = 99;
    (void)state;
    for (size_t i = 0; i < sizeof(protos); i++) {
        memset(t, 0, sizeof(t));
        t[0] = protos[i];
        assert_int_equal(scsi_pr_tid_parse(t, 32, &len, &bad), 0);
        assert_int_equal(len, 24);
        assert_int_equal(scsi_pr_tid_parse(t, 23, &len, &bad), -1);   /* cut short */
        assert_int_equal(bad, 23);
        t[0] = (uint8_t)(0x40 | protos[i]);                          /* format 01b: not for these */
        assert_int_equal(scsi_pr_tid_parse(t, 32, &len, &bad), -1);
        assert_int_equal(bad, 0);
    }
    memset(t, 0, sizeof(t));
    t[0] = 0x09;                                                     /* unsupported protocol */
    assert_int_equal(scsi_pr_tid_parse(t, 32, &len, &bad), -1);
    assert_int_equal(bad, 0);
    t[0] = 0x16;                                                     /* reserved bits 5..4 */
    assert_int_equal(scsi_pr_tid_parse(t, 32, &len, &bad), -1);
    assert_int_equal(scsi_pr_tid_parse(t, 3, &len, &bad), -1);
    assert_int_equal(scsi_pr_tid_parse(NULL, 24, &len, &bad), -1);
}

static void iscsi_formats(void **state)
{
    uint8_t t[300];
    size_t len = 0, bad = 99;
    (void)state;
    assert_int_equal(scsi_pr_tid_parse(t, iscsi_tid(t, 0, "iqn.2026-01.org.x:a", 20), &len, &bad), 0);
    assert_int_equal(len, 24);
    assert_int_equal(scsi_pr_tid_parse(t, iscsi_tid(t, 1, "iqn.2026-01.org.x:a,i,0x23d000000001", 40), &len, &bad), 0);
    assert_int_equal(len, 44);

    /* ADDITIONAL LENGTH: not a multiple of 4, below 20, past the buffer, past 256 bytes. */
    iscsi_tid(t, 0, "iqn.a", 20);
    scsi_put_be16(t + 2, 22);
    assert_int_equal(scsi_pr_tid_parse(t, 300, &len, &bad), -1);
    assert_int_equal(bad, 2);
    scsi_put_be16(t + 2, 16);
    assert_int_equal(scsi_pr_tid_parse(t, 300, &len, &bad), -1);
    assert_int_equal(bad, 2);
    scsi_put_be16(t + 2, 20);
    assert_int_equal(scsi_pr_tid_parse(t, 23, &len, &bad), -1);
    assert_int_equal(bad, 2);
    memset(t, 'a', sizeof(t));
    t[0] = 0x05;
    scsi_put_be16(t + 2, 256);
    t[299] = 0;
    assert_int_equal(scsi_pr_tid_parse(t, 300, &len, &bad), -1);
    assert_int_equal(bad, 2);

    /* The name: no NUL in the field, empty, a control character. */
    memset(t, 'a', 24);
    t[0] = 0x05;
    t[1] = 0;
    scsi_put_be16(t + 2, 20);
    assert_int_equal(scsi_pr_tid_parse(t, 24, &len, &bad), -1);
    assert_int_equal(bad, 4);
    assert_int_equal(scsi_pr_tid_parse(t, iscsi_tid(t, 0, "", 20), &len, &bad), -1);
    assert_int_equal(bad, 4);
    assert_int_equal(scsi_pr_tid_parse(t, iscsi_tid(t, 0, "iqn.a\tb", 20), &len, &bad), -1);
    assert_int_equal(bad, 9);

    /* Format 00b with an ISID, 01b without or with a bad one, format 10b. */
    assert_int_equal(scsi_pr_tid_parse(t, iscsi_tid(t, 0, "iqn.a,i,0x23d000000001", 24), &len, &bad), -1);
    assert_int_equal(bad, 9);
    assert_int_equal(scsi_pr_tid_parse(t, iscsi_tid(t, 1, "iqn.a", 20), &len, &bad), -1);
    assert_int_equal(scsi_pr_tid_parse(t, iscsi_tid(t, 1, "iqn.a,i,0x23d00000000", 24), &len, &bad), -1);
    assert_int_equal(bad, 14);
    assert_int_equal(scsi_pr_tid_parse(t, iscsi_tid(t, 1, "iqn.a,i,0x23d00000000g", 24), &len, &bad), -1);
    assert_int_equal(bad, 4 + 21);
    assert_int_equal(scsi_pr_tid_parse(t, iscsi_tid(t, 2, "iqn.a", 20), &len, &bad), -1);
    assert_int_equal(bad, 0);
}

static void comparison(void **state)
{
    uint8_t a[64], b[64], s1[24] = { 0x06, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, s2[24] = { 0x06, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 9 };
    size_t la, lb;
    (void)state;
    la = iscsi_tid(a, 0, "iqn.2026-01.org.x:A", 20);
    lb = iscsi_tid(b, 0, "iqn.2026-01.org.x:a", 20);
    assert_true(scsi_pr_tid_same(a, la, b, lb));                    /* iSCSI names: case-insensitive */
    lb = iscsi_tid(b, 1, "iqn.2026-01.org.x:a,i,0x23d000000001", 40);
    assert_true(scsi_pr_tid_same(a, la, b, lb));                    /* name only: every port */
    la = iscsi_tid(a, 1, "iqn.2026-01.org.x:a,i,0x23d000000002", 40);
    assert_false(scsi_pr_tid_same(a, la, b, lb));                   /* other ISID */
    la = iscsi_tid(a, 0, "iqn.2026-01.org.x:b", 20);
    assert_false(scsi_pr_tid_same(a, la, b, lb));
    assert_true(scsi_pr_tid_same(s1, 24, s1, 24));
    assert_false(scsi_pr_tid_same(s1, 24, s2, 24));
    assert_false(scsi_pr_tid_same(s1, 24, a, la));                  /* other protocol */
    assert_false(scsi_pr_tid_same(s1, 20, s1, 24));                 /* invalid one */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_size_formats),
        cmocka_unit_test(iscsi_formats),
        cmocka_unit_test(comparison),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
