/* SPDX-License-Identifier: MIT */
/*
 * test_loop_greeting.c - the loopback link handshake's greetings: the
 * strict reading of "XVIOS-HELLO <node> <domid>" / "XVIOS-WELCOME ..." (one
 * spelling per greeting, nothing before, between or after the numbers) and
 * the formatting the peers send.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "xen/plat/loop/plat_loop_internal.h"

static int parse(const char *buf, size_t len, const char *prefix, uint32_t *node, uint32_t *domid)
{
    return loop_greeting_parse(buf, len, prefix, node, domid);
}

#define PARSE_S(s, prefix, node, domid) parse((s), sizeof(s) - 1, (prefix), (node), (domid))

static void greeting_accepts_the_canonical_form(void **state)
{
    uint32_t node = 0, domid = 0;
    (void)state;

    assert_int_equal(PARSE_S("XVIOS-HELLO 2 102", LOOP_GREETING_HELLO, &node, &domid), 0);
    assert_int_equal(node, 2);
    assert_int_equal(domid, 102);
    assert_int_equal(PARSE_S("XVIOS-WELCOME 0 0", LOOP_GREETING_WELCOME, &node, &domid), 0);
    assert_int_equal(node, 0);
    assert_int_equal(domid, 0);
    assert_int_equal(PARSE_S("XVIOS-HELLO 65535 32751", LOOP_GREETING_HELLO, &node, &domid), 0);
    assert_int_equal(node, 65535);
    assert_int_equal(domid, 32751);
}

static void greeting_refuses_everything_else(void **state)
{
    uint32_t node = 0, domid = 0;
    (void)state;

    assert_int_equal(PARSE_S("XVIOS-HELLO 2 102", LOOP_GREETING_WELCOME, &node, &domid), -EPROTO);
    assert_int_equal(PARSE_S("XVIOS-HELLO ", LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
    assert_int_equal(PARSE_S("XVIOS-HELLO 2", LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
    assert_int_equal(PARSE_S("XVIOS-HELLO 02 102", LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
    assert_int_equal(PARSE_S("XVIOS-HELLO 2  102", LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
    assert_int_equal(PARSE_S("XVIOS-HELLO 2 102 ", LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
    assert_int_equal(PARSE_S("XVIOS-HELLO 65536 1", LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
    assert_int_equal(PARSE_S("XVIOS-HELLO 1 32752", LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
    assert_int_equal(PARSE_S("XVIOS-HELLO -1 1", LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
}

/* Found by fuzz_small_parsers: the numbers were read as C strings, so a NUL ended the greeting early and
 * whatever followed it in the datagram was ignored. */
static void greeting_refuses_a_nul_inside(void **state)
{
    static const char trailing[] = "XVIOS-HELLO 2 102\0junk";
    static const char inside[] = "XVIOS-HELLO 2\0 102";
    uint32_t node = 7, domid = 7;
    (void)state;

    assert_int_equal(parse(trailing, sizeof(trailing) - 1, LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
    assert_int_equal(parse(trailing, sizeof(trailing) - 5, LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
    assert_int_equal(parse(inside, sizeof(inside) - 1, LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
    /* the same bytes up to the NUL are a greeting */
    assert_int_equal(parse(trailing, sizeof("XVIOS-HELLO 2 102") - 1, LOOP_GREETING_HELLO, &node, &domid), 0);
    assert_int_equal(node, 2);
    assert_int_equal(domid, 102);
}

static void greeting_refuses_oversized_datagrams(void **state)
{
    char big[LOOP_GREETING_MAX + 2];
    uint32_t node = 0, domid = 0;
    size_t n = strlen(LOOP_GREETING_HELLO);
    (void)state;

    memcpy(big, LOOP_GREETING_HELLO, n);
    memset(big + n, '0', sizeof(big) - n);   /* a long run of zeros: over the limit before any number */
    big[n] = '1';
    big[n + 1] = ' ';
    assert_int_equal(parse(big, sizeof(big), LOOP_GREETING_HELLO, &node, &domid), -EPROTO);
}

static void greeting_format_reads_back(void **state)
{
    char buf[LOOP_GREETING_MAX + 1];
    char tiny[8];
    uint32_t node = 0, domid = 0;
    int n;
    (void)state;

    n = loop_greeting_format(buf, sizeof(buf), LOOP_GREETING_WELCOME, 65535, 32751);
    assert_int_equal(n, (int)strlen("XVIOS-WELCOME 65535 32751"));
    assert_string_equal(buf, "XVIOS-WELCOME 65535 32751");
    assert_int_equal(parse(buf, (size_t)n, LOOP_GREETING_WELCOME, &node, &domid), 0);
    assert_int_equal(node, 65535);
    assert_int_equal(domid, 32751);
    n = loop_greeting_format(buf, sizeof(buf), NULL, 1, 1);
    assert_int_equal(n, (int)strlen(LOOP_GREETING_REFUSED));
    assert_string_equal(buf, LOOP_GREETING_REFUSED);
    assert_int_equal(loop_greeting_format(tiny, sizeof(tiny), LOOP_GREETING_HELLO, 1, 1), -ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(greeting_accepts_the_canonical_form),
        cmocka_unit_test(greeting_refuses_everything_else),
        cmocka_unit_test(greeting_refuses_a_nul_inside),
        cmocka_unit_test(greeting_refuses_oversized_datagrams),
        cmocka_unit_test(greeting_format_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
