/* SPDX-License-Identifier: MIT */
/* test_parse.c - strict decimal, domid and uuid parsing: every boundary, every refusal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "xvios/parse.h"

static void decimal_accepts_digits_in_range(void **state)
{
    uint32_t v = 99;
    (void)state;

    assert_int_equal(xvios_parse_u32("0", 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(xvios_parse_u32("10", 0, 10, &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(xvios_parse_u32("1", 1, 1, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(xvios_parse_u32("4294967295", 0, UINT32_MAX, &v), 0);
    assert_int_equal(v, UINT32_MAX);
    assert_int_equal(xvios_parse_u32("007", 1, 10, &v), 0);  /* people may type leading zeros */
    assert_int_equal(v, 7);
    assert_int_equal(xvios_parse_u32("0000000000000000000042", 0, 100, &v), 0);
    assert_int_equal(v, 42);
}

static void decimal_range_is_erange(void **state)
{
    uint32_t v = 99;
    (void)state;

    assert_int_equal(xvios_parse_u32("11", 0, 10, &v), -ERANGE);
    assert_int_equal(xvios_parse_u32("0", 1, 10, &v), -ERANGE);
    assert_int_equal(xvios_parse_u32("4294967296", 0, UINT32_MAX, &v), -ERANGE);        /* 2^32 */
    assert_int_equal(xvios_parse_u32("18446744073709551617", 0, UINT32_MAX, &v), -ERANGE); /* 2^64 + 1 */
    assert_int_equal(xvios_parse_u32("99999999999999999999999999999", 0, UINT32_MAX, &v), -ERANGE);
    assert_int_equal(xvios_parse_u32("99999999999999999999999x", 0, UINT32_MAX, &v), -EINVAL);
    assert_int_equal(v, 99);  /* untouched on failure */
}

static void decimal_u64_bounds(void **state)
{
    uint64_t v = 99;
    (void)state;

    assert_int_equal(xvios_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(xvios_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);  /* 2^64 */
    assert_int_equal(xvios_parse_u64("184467440737095516150", 0, UINT64_MAX, &v), -ERANGE);
    assert_int_equal(xvios_parse_u64("4294967296", 0, UINT64_MAX, &v), 0);
    assert_true(v == 4294967296u);
    assert_int_equal(xvios_parse_u64("-1", 0, UINT64_MAX, &v), -EINVAL);
    assert_int_equal(xvios_parse_u64("", 0, UINT64_MAX, &v), -EINVAL);
    assert_int_equal(xvios_parse_u64("5", 6, 7, &v), -ERANGE);
}

static void decimal_refuses_non_digits(void **state)
{
    static const char *const bad[] = {
        "", " ", " 1", "1 ", "\t1", "1\n", "+1", "-1", "-0", "+0", "0x10", "0X1", "1e3", "1.0", "1,0",
        "12a", "a12", "١", "\xff", "1\x01",
    };
    uint32_t v = 99;
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(xvios_parse_u32(bad[i], 0, UINT32_MAX, &v), -EINVAL);
        assert_int_equal(xvios_parse_u32_canon(bad[i], UINT32_MAX, &v), -EINVAL);
        assert_int_equal(xvios_parse_domid(bad[i], &v), -EINVAL);
    }
    assert_int_equal(xvios_parse_u32(NULL, 0, 1, &v), -EINVAL);
    assert_int_equal(xvios_parse_u32_canon(NULL, 1, &v), -EINVAL);
    assert_int_equal(xvios_parse_domid(NULL, &v), -EINVAL);
    assert_int_equal(v, 99);
}

static void canonical_refuses_leading_zeros(void **state)
{
    uint32_t v = 99;
    (void)state;

    assert_int_equal(xvios_parse_u32_canon("0", 5, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(xvios_parse_u32_canon("5", 5, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(xvios_parse_u32_canon("6", 5, &v), -ERANGE);
    assert_int_equal(xvios_parse_u32_canon("05", 5, &v), -EINVAL);
    assert_int_equal(xvios_parse_u32_canon("00", 5, &v), -EINVAL);
    assert_int_equal(xvios_parse_u32_canon("4294967295", UINT32_MAX, &v), 0);
    assert_int_equal(v, UINT32_MAX);
}

static void domid_limit_is_domid_first_reserved(void **state)
{
    uint32_t v = 99;
    (void)state;

    assert_int_equal(xvios_parse_domid("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(xvios_parse_domid("32751", &v), 0);  /* 0x7fef: the highest domid */
    assert_int_equal(v, 0x7fef);
    assert_int_equal(xvios_parse_domid("32752", &v), -ERANGE);  /* 0x7ff0: DOMID_FIRST_RESERVED */
    assert_int_equal(xvios_parse_domid("32753", &v), -ERANGE);  /* DOMID_SELF */
    assert_int_equal(xvios_parse_domid("65535", &v), -ERANGE);
    assert_int_equal(xvios_parse_domid("01", &v), -EINVAL);
    assert_int_equal(v, 0x7fef);
}

static void uuid_both_cases(void **state)
{
    (void)state;

    assert_true(xvios_uuid_valid("00000000-0000-0000-0000-000000000000"));
    assert_true(xvios_uuid_valid("0123abcd-ef01-2345-6789-abcdef012345"));
    assert_true(xvios_uuid_valid("0123ABCD-EF01-2345-6789-ABCDEF012345"));  /* libxl accepts upper case */
    assert_true(xvios_uuid_valid("0123AbCd-eF01-2345-6789-aBcDeF012345"));
    assert_false(xvios_uuid_valid(NULL));
    assert_false(xvios_uuid_valid(""));
    assert_false(xvios_uuid_valid("0123abcd-ef01-2345-6789-abcdef01234"));    /* 35 */
    assert_false(xvios_uuid_valid("0123abcd-ef01-2345-6789-abcdef0123456"));  /* 37 */
    assert_false(xvios_uuid_valid("0123abcdef01-2345-6789-abcdef0123456-"));  /* dashes misplaced */
    assert_false(xvios_uuid_valid("0123abcg-ef01-2345-6789-abcdef012345"));   /* g */
    assert_false(xvios_uuid_valid("{123abcd-ef01-2345-6789-abcdef01234}"));
    assert_false(xvios_uuid_valid("0123abcd ef01-2345-6789-abcdef012345"));
    assert_false(xvios_uuid_valid("0123abcd-ef01-2345-6789-abcdef01234\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decimal_accepts_digits_in_range),
        cmocka_unit_test(decimal_range_is_erange),
        cmocka_unit_test(decimal_refuses_non_digits),
        cmocka_unit_test(decimal_u64_bounds),
        cmocka_unit_test(canonical_refuses_leading_zeros),
        cmocka_unit_test(domid_limit_is_domid_first_reserved),
        cmocka_unit_test(uuid_both_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
