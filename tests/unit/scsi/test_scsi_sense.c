/* SPDX-License-Identifier: MIT */
/* test_scsi_sense.c - fixed (70h) and descriptor (72h) sense bytes from one refusal, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/scsi/scsi_sense.h"

static void fixed_field_pointer(void **state)
{
    struct scsi_err e = scsi_err_cdb_field(1, 4);
    static const uint8_t want[18] = { 0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24, 0x00, 0, 0xcc, 0x00, 0x01 };
    uint8_t s[SCSI_SENSE_BUFFERSIZE];
    (void)state;

    memset(s, 0xff, sizeof(s));
    assert_int_equal(scsi_sense_build(&e, false, s, sizeof(s)), 18);
    assert_memory_equal(s, want, 18);
    assert_int_equal(s[18], 0xff);                     /* nothing past the sense */
}

static void fixed_param_pointer_without_bit(void **state)
{
    struct scsi_err e = scsi_err_param_field(0x123, -1);
    uint8_t s[18];
    (void)state;

    scsi_sense_build(&e, false, s, sizeof(s));
    assert_int_equal(s[12], 0x26);
    assert_int_equal(s[15], 0x80);                     /* SKSV, C/D = 0, no BPV */
    assert_int_equal(s[16], 0x01);
    assert_int_equal(s[17], 0x23);
}

static void fixed_information(void **state)
{
    struct scsi_err e = scsi_err_sense(SCSI_SK_MISCOMPARE, SCSI_ASC_MISCOMPARE_DURING_VERIFY);
    static const uint8_t want[18] = { 0xf0, 0, 0x0e, 0, 0, 0x12, 0x34, 0x0a, 0, 0, 0, 0, 0x1d, 0x00, 0, 0, 0, 0 };
    uint8_t s[18];
    (void)state;

    e.has_info = true;
    e.info = 0x1234;
    scsi_sense_build(&e, false, s, sizeof(s));
    assert_memory_equal(s, want, 18);
    /* An INFORMATION wider than 4 bytes is not valid in fixed format. */
    e.info = 0x100000000ull;
    scsi_sense_build(&e, false, s, sizeof(s));
    assert_int_equal(s[0], 0x70);
    assert_int_equal(s[3] | s[4] | s[5] | s[6], 0);
}

static void descriptor_formats(void **state)
{
    struct scsi_err e = scsi_err_cdb_field(1, 4);
    static const uint8_t want_sks[16] = { 0x72, 0x05, 0x24, 0x00, 0, 0, 0, 0x08,
                                          0x02, 0x06, 0, 0, 0xcc, 0x00, 0x01, 0 };
    static const uint8_t want_info[20] = { 0x72, 0x03, 0x11, 0x00, 0, 0, 0, 0x0c,
                                           0x00, 0x0a, 0x80, 0, 0, 0, 0, 0x01, 0x23, 0x45, 0x67, 0x89 };
    static const uint8_t want_ua[8] = { 0x72, 0x06, 0x29, 0x00, 0, 0, 0, 0 };
    uint8_t s[SCSI_SENSE_BUFFERSIZE];
    (void)state;

    assert_int_equal(scsi_sense_build(&e, true, s, sizeof(s)), 16);
    assert_memory_equal(s, want_sks, 16);
    e = scsi_err_sense(SCSI_SK_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ_ERROR);
    e.has_info = true;
    e.info = 0x123456789ull;
    assert_int_equal(scsi_sense_build(&e, true, s, sizeof(s)), 20);
    assert_memory_equal(s, want_info, 20);
    e = scsi_err_sense(SCSI_SK_UNIT_ATTENTION, SCSI_ASC_POWER_ON_RESET);
    assert_int_equal(scsi_sense_build(&e, true, s, sizeof(s)), 8);
    assert_memory_equal(s, want_ua, 8);
}

static void truncated_to_the_buffer(void **state)
{
    struct scsi_err e = scsi_err_cdb_field(2, -1);
    uint8_t s[8];
    (void)state;

    memset(s, 0xaa, sizeof(s));
    assert_int_equal(scsi_sense_build(&e, false, s, 4), 18);    /* full length reported */
    assert_int_equal(s[0], 0x70);
    assert_int_equal(s[2], 0x05);
    assert_int_equal(s[4], 0xaa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_field_pointer),
        cmocka_unit_test(fixed_param_pointer_without_bit),
        cmocka_unit_test(fixed_information),
        cmocka_unit_test(descriptor_formats),
        cmocka_unit_test(truncated_to_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
