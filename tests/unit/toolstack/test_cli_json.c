/* SPDX-License-Identifier: MIT */
/*
 * test_cli_json.c - the `xvios --json` writer (toolstack/cli_json.c): the
 * three layouts byte for byte, control characters always escaped (C0, DEL,
 * C1, in the \u00xx form xvios has always printed), valid UTF-8 kept, other
 * bytes as their own code point, bad documents and write errors reported,
 * and every output of random bytes parses as JSON (yajl's parser).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "toolstack/cli_json.h"

static char *buf;
static size_t buf_len;

static struct cli_json *begin(FILE **f, enum cli_json_layout layout)
{
    struct cli_json *j;

    free(buf);
    buf = NULL;
    *f = open_memstream(&buf, &buf_len);
    assert_non_null(*f);
    j = cli_json_begin(*f, layout);
    assert_non_null(j);
    return j;
}

/* The same small document in a layout; returns what was printed. */
static const char *sample(enum cli_json_layout layout, unsigned n_elems)
{
    FILE *f;
    struct cli_json *j = begin(&f, layout);

    cli_json_array_open(j);
    for (unsigned i = 0; i < n_elems; i++) {
        cli_json_map_open(j);
        cli_json_key(j, "node");
        cli_json_uint(j, i + 1);
        cli_json_key(j, "ok");
        cli_json_bool(j, i == 0);
        cli_json_key(j, "why");
        cli_json_null(j);
        cli_json_key(j, "list");
        cli_json_array_open(j);
        cli_json_str(j, "a,b: c");
        cli_json_uint(j, 18446744073709551615ull);
        cli_json_array_close(j);
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
    assert_int_equal(cli_json_end(j), 0);
    fclose(f);
    return buf;
}

static void test_layouts(void **state)
{
    (void)state;
    assert_string_equal(sample(CLI_JSON_COMPACT, 2),
                        "[{\"node\":1,\"ok\":true,\"why\":null,\"list\":[\"a,b: c\",18446744073709551615]},"
                        "{\"node\":2,\"ok\":false,\"why\":null,\"list\":[\"a,b: c\",18446744073709551615]}]\n");
    assert_string_equal(sample(CLI_JSON_SPACED, 1),
                        "[{\"node\": 1, \"ok\": true, \"why\": null, \"list\": [\"a,b: c\", 18446744073709551615]}]\n");
    assert_string_equal(sample(CLI_JSON_LINES, 2),
                        "[\n"
                        "  {\"node\": 1, \"ok\": true, \"why\": null, \"list\": [\"a,b: c\", 18446744073709551615]},\n"
                        "  {\"node\": 2, \"ok\": false, \"why\": null, \"list\": [\"a,b: c\", 18446744073709551615]}\n"
                        "]\n");
    assert_string_equal(sample(CLI_JSON_LINES, 0), "[]\n");
}

/* The untrusted bytes s[0..len) as a JSON string (no newline). */
static const char *quote(const void *s, size_t len)
{
    FILE *f;

    free(buf);
    buf = NULL;
    f = open_memstream(&buf, &buf_len);
    assert_non_null(f);
    assert_int_equal(cli_json_quote(f, s, len), 0);
    fclose(f);
    return buf;
}
#define QUOTE(lit) quote(lit, sizeof(lit) - 1)

static void test_escapes(void **state)
{
    (void)state;
    assert_string_equal(QUOTE("plain / text"), "\"plain / text\"");
    assert_string_equal(QUOTE("q\"b\\n\nt\t"), "\"q\\\"b\\\\n\\nt\\t\"");
    /* every other control character as \u00xx, lower-case hex */
    assert_string_equal(QUOTE("\r\b\f\x01\x1b\x1f"), "\"\\u000d\\u0008\\u000c\\u0001\\u001b\\u001f\"");
    assert_string_equal(QUOTE("a\0b"), "\"a\\u0000b\"");
    assert_string_equal(QUOTE("del\x7f"), "\"del\\u007f\"");
    /* C1 controls, as UTF-8 or as stray bytes: escaped; other U+0080..U+00FF stay characters */
    assert_string_equal(QUOTE("\xc2\x9b[2J\xc2\x80"), "\"\\u009b[2J\\u0080\"");
    assert_string_equal(QUOTE("\x9b\x85"), "\"\\u009b\\u0085\"");
    assert_string_equal(QUOTE("\xc2\xa0\xc2"), "\"\xc2\xa0\xc3\x82\"");
}

static void test_utf8(void **state)
{
    (void)state;
    /* valid UTF-8 is kept as it is */
    assert_string_equal(QUOTE("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    /* a byte outside valid UTF-8 is the character of its value: E9 -> U+00E9, FF -> U+00FF */
    assert_string_equal(QUOTE("caf\xe9\xff"), "\"caf\xc3\xa9\xc3\xbf\"");
    /* overlong, surrogate, past U+10FFFF, truncated: byte by byte */
    assert_string_equal(QUOTE("\xc0\x80"), "\"\xc3\x80\\u0080\"");
    assert_string_equal(QUOTE("\xed\xa0\x80"), "\"\xc3\xad\xc2\xa0\\u0080\"");
    assert_string_equal(QUOTE("\xf4\x90\x80\x80"), "\"\xc3\xb4\\u0090\\u0080\\u0080\"");
    assert_string_equal(QUOTE("\xe2\x82"), "\"\xc3\xa2\\u0082\"");
}

static void test_numbers_from_text(void **state)
{
    FILE *f;
    struct cli_json *j = begin(&f, CLI_JSON_COMPACT);

    (void)state;
    assert_true(cli_json_is_uint("0", 1));
    assert_true(cli_json_is_uint("123456789012345678", 18));
    assert_false(cli_json_is_uint("1234567890123456789", 19));
    assert_false(cli_json_is_uint("007", 3));
    assert_false(cli_json_is_uint("", 0));
    assert_false(cli_json_is_uint("-1", 2));
    assert_false(cli_json_is_uint("1e3", 3));
    cli_json_array_open(j);
    cli_json_number(j, "0", 1);
    cli_json_number(j, "42", 2);
    cli_json_number(j, "007", 3);     /* not a JSON number: a string */
    cli_json_number(j, "4x", 2);
    cli_json_array_close(j);
    assert_int_equal(cli_json_end(j), 0);
    fclose(f);
    assert_string_equal(buf, "[0,42,\"007\",\"4x\"]\n");
}

static void test_bad_documents(void **state)
{
    FILE *f;
    struct cli_json *j;

    (void)state;
    j = begin(&f, CLI_JSON_SPACED);      /* nothing at all */
    assert_int_equal(cli_json_end(j), -EINVAL);
    fclose(f);

    j = begin(&f, CLI_JSON_SPACED);      /* left open */
    cli_json_map_open(j);
    assert_int_equal(cli_json_end(j), -EINVAL);
    fclose(f);

    j = begin(&f, CLI_JSON_SPACED);      /* a number as a key */
    cli_json_map_open(j);
    cli_json_uint(j, 1);
    cli_json_null(j);
    cli_json_map_close(j);
    assert_int_equal(cli_json_end(j), -EINVAL);
    fclose(f);

    j = begin(&f, CLI_JSON_SPACED);      /* closing what is not open */
    cli_json_array_open(j);
    cli_json_map_close(j);
    cli_json_array_close(j);
    assert_int_equal(cli_json_end(j), -EINVAL);
    fclose(f);
}

static void test_write_error(void **state)
{
    FILE *f = fopen("/dev/full", "w");
    struct cli_json *j;

    (void)state;
    if (!f)
        skip();
    j = cli_json_begin(f, CLI_JSON_SPACED);
    assert_non_null(j);
    cli_json_map_open(j);
    cli_json_key(j, "k");
    cli_json_str(j, "v");
    cli_json_map_close(j);
    assert_int_equal(cli_json_end(j), -EIO);
    fclose(f);
}

/* Random bytes: the output parses, holds no raw control byte, and valid UTF-8 comes back unchanged. */
static void test_random_bytes_parse(void **state)
{
    uint32_t seed = 12345;
    unsigned char in[64];
    char err[128];

    (void)state;
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(round % 64);
        bool ascii_only = round % 3 == 0;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (unsigned char)(seed >> 16);
            if (ascii_only)
                in[i] &= 0x7f;
        }
        FILE *f;
        struct cli_json *j = begin(&f, CLI_JSON_SPACED);
        cli_json_map_open(j);
        cli_json_key(j, "v");
        cli_json_bytes(j, in, n);
        cli_json_map_close(j);
        assert_int_equal(cli_json_end(j), 0);
        fclose(f);
        for (size_t i = 0; i < buf_len; i++) {
            unsigned char c = (unsigned char)buf[i];
            assert_true(c >= 0x20 || (c == '\n' && i == buf_len - 1));
            assert_true(c != 0x7f);
            if (c == 0xc2 && i + 1 < buf_len)
                assert_false((unsigned char)buf[i + 1] <= 0x9f);
        }
        yajl_val v = yajl_tree_parse(buf, err, sizeof(err));
        if (!v)
            fail_msg("round %d: %s does not parse: %s", round, buf, err);
        const char *path[] = { "v", NULL };
        yajl_val s = yajl_tree_get(v, path, yajl_t_string);
        assert_non_null(s);
        if (ascii_only) {      /* the parser's string ends at a NUL byte */
            const char *got = s->u.string;
            size_t upto = memchr(in, 0, n) ? (size_t)((unsigned char *)memchr(in, 0, n) - in) : n;
            assert_int_equal(strlen(got), upto);
            assert_memory_equal(got, in, upto);
        }
        yajl_tree_free(v);
    }
}

static int teardown(void **state)
{
    (void)state;
    free(buf);
    buf = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_layouts, teardown),
        cmocka_unit_test_teardown(test_escapes, teardown),
        cmocka_unit_test_teardown(test_utf8, teardown),
        cmocka_unit_test_teardown(test_numbers_from_text, teardown),
        cmocka_unit_test_teardown(test_bad_documents, teardown),
        cmocka_unit_test_teardown(test_write_error, teardown),
        cmocka_unit_test_teardown(test_random_bytes_parse, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
