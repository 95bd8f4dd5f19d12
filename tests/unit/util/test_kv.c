/* SPDX-License-Identifier: MIT */
/* test_kv.c - the key=value line iterator: lines, malformed lines, the blank line and the body, lookups. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "xvios/kv.h"

static void expect_kv(struct xvios_kv_iter *it, const char *key, const char *val, bool terminated)
{
    struct xvios_kv kv;

    assert_int_equal(xvios_kv_next(it, &kv), 1);
    assert_int_equal(kv.key_len, strlen(key));
    assert_memory_equal(kv.key, key, kv.key_len);
    assert_int_equal(kv.val_len, strlen(val));
    assert_memory_equal(kv.val, val, kv.val_len);
    assert_int_equal(kv.terminated, terminated);
    assert_true(xvios_kv_is(&kv, key));
}

static void lines_in_order(void **state)
{
    static const char t[] = "node=1\nname=a=b\nempty=\nlast=x";
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    size_t bl = 99;
    (void)state;

    xvios_kv_iter_init(&it, t, strlen(t));
    expect_kv(&it, "node", "1", true);
    expect_kv(&it, "name", "a=b", true);   /* split at the first '=' */
    expect_kv(&it, "empty", "", true);
    expect_kv(&it, "last", "x", false);
    assert_int_equal(xvios_kv_next(&it, &kv), 0);
    assert_int_equal(xvios_kv_next(&it, &kv), 0);  /* stays at the end */
    assert_false(it.blank);
    assert_int_equal(it.kv_end, strlen(t));
    assert_null(xvios_kv_body(&it, &bl));
    assert_int_equal(bl, 0);
}

static void malformed_lines_are_reported_and_stepped_over(void **state)
{
    static const char t[] = "novalue\n=nokey\nok=1\n=\nalso=2\n";
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    (void)state;

    xvios_kv_iter_init(&it, t, strlen(t));
    assert_int_equal(xvios_kv_next(&it, &kv), -EINVAL);
    assert_int_equal(xvios_kv_next(&it, &kv), -EINVAL);
    expect_kv(&it, "ok", "1", true);
    assert_int_equal(xvios_kv_next(&it, &kv), -EINVAL);
    expect_kv(&it, "also", "2", true);
    assert_int_equal(xvios_kv_next(&it, &kv), 0);
}

static void blank_line_starts_the_body(void **state)
{
    static const char t[] = "type=7\n\nfree\ntext=not a key\n";
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    const char *body;
    size_t bl = 0;
    (void)state;

    xvios_kv_iter_init(&it, t, strlen(t));
    expect_kv(&it, "type", "7", true);
    assert_null(xvios_kv_body(&it, &bl));  /* not before the end */
    assert_int_equal(xvios_kv_next(&it, &kv), 0);
    assert_true(it.blank);
    assert_int_equal(it.kv_end, 7);  /* "type=7\n" */
    body = xvios_kv_body(&it, &bl);
    assert_non_null(body);
    assert_int_equal(bl, strlen("free\ntext=not a key\n"));
    assert_memory_equal(body, "free\ntext=not a key\n", bl);

    /* an empty body after the blank line is still a body */
    xvios_kv_iter_init(&it, "a=1\n\n", 5);
    expect_kv(&it, "a", "1", true);
    assert_int_equal(xvios_kv_next(&it, &kv), 0);
    body = xvios_kv_body(&it, &bl);
    assert_non_null(body);
    assert_int_equal(bl, 0);

    /* a blank first line: no key=value part at all */
    xvios_kv_iter_init(&it, "\nx=1", 4);
    assert_int_equal(xvios_kv_next(&it, &kv), 0);
    assert_int_equal(it.kv_end, 0);
    body = xvios_kv_body(&it, &bl);
    assert_int_equal(bl, 3);
}

static void bounded_by_len_not_by_nul(void **state)
{
    static const char t[] = "a=1\nb=2\n";
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    (void)state;

    xvios_kv_iter_init(&it, t, 5);  /* "a=1\nb" */
    expect_kv(&it, "a", "1", true);
    assert_int_equal(xvios_kv_next(&it, &kv), -EINVAL);  /* "b": cut short, no '=' */
    assert_int_equal(xvios_kv_next(&it, &kv), 0);

    xvios_kv_iter_init(&it, "k=v\0w\n", 6);  /* a NUL is just a byte of the value */
    assert_int_equal(xvios_kv_next(&it, &kv), 1);
    assert_int_equal(kv.val_len, 3);

    xvios_kv_iter_init(&it, NULL, 10);
    assert_int_equal(xvios_kv_next(&it, &kv), 0);
    xvios_kv_iter_init(&it, t, 0);
    assert_int_equal(xvios_kv_next(&it, &kv), 0);
}

static void get_first_match(void **state)
{
    static const char t[] = "garbage\nnode=3\nnodes=9\nnode=4\n\nnode=5\n";
    char v[8];
    (void)state;

    assert_int_equal(xvios_kv_get(t, strlen(t), "node", v, sizeof(v)), 0);
    assert_string_equal(v, "3");
    assert_int_equal(xvios_kv_get(t, strlen(t), "nodes", v, sizeof(v)), 0);
    assert_string_equal(v, "9");
    assert_int_equal(xvios_kv_get(t, strlen(t), "nod", v, sizeof(v)), -ENOENT);
    assert_int_equal(xvios_kv_get(t, strlen(t), "node", v, 1), -ENOSPC);     /* "3" needs 2 */
    assert_int_equal(xvios_kv_get("x=5\n\nnode=5\n", 12, "node", v, sizeof(v)), -ENOENT);  /* body is not searched */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines_in_order),
        cmocka_unit_test(malformed_lines_are_reported_and_stepped_over),
        cmocka_unit_test(blank_line_starts_the_body),
        cmocka_unit_test(bounded_by_len_not_by_nul),
        cmocka_unit_test(get_first_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
