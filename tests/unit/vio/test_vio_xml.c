/* SPDX-License-Identifier: MIT */
/*
 * test_vio_xml.c - the caller's side of the management API (xvios/vio_xml.h):
 * a request built with libxml2's writer is taken by the request processor
 * with every value exactly as given (quotes, '<', '&' included) and a value
 * crafted to close the element stays one value; the builder's refusals; a
 * vioResponse read back (objects, children, more, node, an exception's code
 * and sentence), and every malformed or hostile response refused.
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

#include "xvios/vio.h"
#include "xvios/vio_xml.h"

static void test_build_round_trip(void **state)
{
    static const char backing[] = "/x/a&b'c\"d<e>f]]>g&amp;";
    const struct xvios_vio_attr attrs[] = {
        {"name", "db1"}, {"backing", backing}, {"size", "1048576"}, {"offset", NULL}, {"readOnly", "true"},
    };
    struct xvios_vio_req rq;
    struct xvios_vio_err err;
    char *xml = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(xvios_vio_request_build("lu", "create", attrs, 5, &xml, &len), 0);
    assert_int_equal(strlen(xml), len);
    assert_non_null(strstr(xml, "<vioRequest version=\"1\"><lu action=\"create\" name=\"db1\""));
    assert_null(strstr(xml, "offset="));   /* a NULL value is left out */
    assert_non_null(strstr(xml, "&amp;b"));
    assert_int_equal(xvios_vio_parse(xml, len, &rq, &err), 0);
    assert_int_equal(rq.object, XVIOS_VIO_LU);
    assert_int_equal(rq.action, XVIOS_VIO_CREATE);
    assert_string_equal(rq.name, "db1");
    assert_string_equal(rq.backing, backing);
    assert_int_equal(rq.size, 1048576);
    assert_int_equal(rq.offset, 0);
    assert_true(rq.read_only);
    free(xml);
}

/* A value written to close the element and open another: still one attribute, refused by its pattern. */
static void test_build_injection(void **state)
{
    const struct xvios_vio_attr attrs[] = {{"name", "a\"/><lu action=\"delete\" name=\"b"}};
    struct xvios_vio_req rq;
    struct xvios_vio_err err;
    char *xml = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(xvios_vio_request_build("lu", "get", attrs, 1, &xml, &len), 0);
    assert_null(strstr(xml, "action=\"delete\""));
    assert_int_equal(xvios_vio_parse(xml, len, &rq, &err), -EINVAL);
    assert_int_equal(err.code, XVIOS_VIO_INVALID);   /* well-formed, one lu get whose name is wrong */
    free(xml);
}

static void test_build_refusals(void **state)
{
    const struct xvios_vio_attr bad_name[] = {{"na me", "x"}};
    const struct xvios_vio_attr action[] = {{"action", "delete"}};
    struct xvios_vio_attr huge[] = {{"backing", NULL}};
    char *xml = (char *)1, *big;
    size_t len = 7;

    (void)state;
    assert_int_equal(xvios_vio_request_build("lu x", "get", NULL, 0, &xml, &len), -EINVAL);
    assert_null(xml);
    assert_int_equal(len, 0);
    assert_int_equal(xvios_vio_request_build("lu", "", NULL, 0, &xml, &len), -EINVAL);
    assert_int_equal(xvios_vio_request_build("lu", "get", bad_name, 1, &xml, &len), -EINVAL);
    assert_int_equal(xvios_vio_request_build("lu", "get", action, 1, &xml, &len), -EINVAL);
    assert_int_equal(xvios_vio_request_build("lu", "get", NULL, 1, &xml, &len), -EINVAL);
    /* values XML 1.0 cannot carry: a control character, bytes that are not UTF-8 */
    static const char *const unfit[] = {"a\x01b", "\x1b[31m", "\xff", "\xc3", "\xed\xa0\x80", "\xef\xbf\xbe",
                                        "\x92\xbb", "\xc0\xaf", "\xe0\x80\xaf", "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof(unfit) / sizeof(unfit[0]); i++) {
        const struct xvios_vio_attr v[] = {{"name", unfit[i]}};
        assert_int_equal(xvios_vio_request_build("lu", "get", v, 1, &xml, &len), -EINVAL);
        assert_null(xml);
    }
    const struct xvios_vio_attr fine[] = {{"backing", "/t\tab/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"}};
    assert_int_equal(xvios_vio_request_build("lu", "get", fine, 1, &xml, &len), 0);
    free(xml);
    xml = NULL;
    big = malloc(XVIOS_VIO_REQUEST_MAX + 1);
    assert_non_null(big);
    memset(big, 'a', XVIOS_VIO_REQUEST_MAX);
    big[0] = '/';
    big[XVIOS_VIO_REQUEST_MAX] = '\0';
    huge[0].value = big;
    assert_int_equal(xvios_vio_request_build("lu", "create", huge, 1, &xml, &len), -E2BIG);
    assert_null(xml);
    free(big);
}

#define OK_LIST                                                                                             \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                          \
    "<vioResponse version=\"1\" status=\"ok\" node=\"2\" object=\"pool\" action=\"list\" more=\"true\">\n"  \
    "  <pool name=\"default\" access=\"any\" lus=\"1\" bytes=\"4096\" made=\"true\"/>\n"                    \
    "  <pool name=\"gold\" access=\"list\" lus=\"0\" bytes=\"0\" created=\"17\">\n"                         \
    "    <client uuid=\"11111111-2222-4333-8444-555555555555\" name=\"a&amp;b\"/>\n"                        \
    "    <!-- a comment -->\n"                                                                              \
    "    <client uuid=\"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\" clientId=\"99\"/>\n"                        \
    "  </pool>\n"                                                                                           \
    "</vioResponse>\n"

static void test_reply_ok(void **state)
{
    struct xvios_vio_reply r;
    uint64_t v = 0;
    bool b = false;
    char buf[8];

    (void)state;
    assert_int_equal(xvios_vio_reply_parse(OK_LIST, strlen(OK_LIST), &r), 0);
    assert_true(r.ok);
    assert_true(r.more);
    assert_int_equal(r.node, 2);
    assert_string_equal(r.object, "pool");
    assert_string_equal(r.action, "list");
    assert_int_equal(r.n_items, 2);
    assert_string_equal(r.items[0].name, "pool");
    assert_string_equal(xvios_vio_elem_attr(&r.items[0], "made"), "true");
    assert_int_equal(r.items[0].n_kids, 0);
    assert_int_equal(r.items[1].n_kids, 2);
    assert_string_equal(xvios_vio_elem_attr(&r.items[1].kids[0], "name"), "a&b");
    assert_null(xvios_vio_elem_attr(&r.items[1].kids[0], "clientId"));
    assert_int_equal(xvios_vio_elem_u64(&r.items[1].kids[1], "clientId", UINT32_MAX, &v), 0);
    assert_int_equal(v, 99);
    assert_int_equal(xvios_vio_elem_u64(&r.items[1], "created", 16, &v), -EINVAL);   /* beyond max */
    assert_int_equal(xvios_vio_elem_u64(&r.items[1], "access", UINT64_MAX, &v), -EINVAL);
    assert_int_equal(xvios_vio_elem_u64(&r.items[1], "nothing", UINT64_MAX, &v), -ENOENT);
    assert_int_equal(xvios_vio_elem_bool(&r.items[0], "made", &b), 0);
    assert_true(b);
    assert_int_equal(xvios_vio_elem_bool(&r.items[0], "access", &b), -EINVAL);
    assert_int_equal(xvios_vio_elem_copy(&r.items[1], "name", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "gold");
    assert_int_equal(xvios_vio_elem_copy(&r.items[0], "name", buf, 7), -ENAMETOOLONG);   /* "default" + NUL */
    xvios_vio_reply_free(&r);
    assert_int_equal(r.n_items, 0);

    /* an empty list: libxml2 keeps the blanks of an element holding nothing else */
    static const char empty[] = "<vioResponse version=\"1\" status=\"ok\" node=\"0\" object=\"mapping\" "
                                "action=\"list\">\n</vioResponse>";
    assert_int_equal(xvios_vio_reply_parse(empty, strlen(empty), &r), 0);
    assert_true(r.ok);
    assert_false(r.more);
    assert_int_equal(r.n_items, 0);
    xvios_vio_reply_free(&r);
}

static void test_reply_exception(void **state)
{
    struct xvios_vio_err e = {XVIOS_VIO_SHRINK, "size 4096 is below LU db1's: an LU only grows"};
    struct xvios_vio_reply r;
    enum xvios_vio_code c;
    char out[1024];
    size_t len = 0;

    (void)state;
    /* the processor's own exception, read back */
    assert_int_equal(xvios_vio_exception(3, &e, out, sizeof(out), &len), 0);
    assert_int_equal(xvios_vio_reply_parse(out, len, &r), 0);
    assert_false(r.ok);
    assert_int_equal(r.node, 3);
    assert_int_equal(r.code, XVIOS_VIO_SHRINK);
    assert_string_equal(r.sentence, e.sentence);
    xvios_vio_reply_free(&r);

    /* a code this side does not know is INTERNAL; control characters in the sentence are replaced */
    static const char odd[] = "<vioResponse version=\"1\" status=\"exception\" node=\"1\">"
                              "<VIOException code=\"FROM_THE_FUTURE\">two&#10;lines</VIOException></vioResponse>";
    assert_int_equal(xvios_vio_reply_parse(odd, strlen(odd), &r), 0);
    assert_int_equal(r.code, XVIOS_VIO_INTERNAL);
    assert_string_equal(r.sentence, "two?lines");
    xvios_vio_reply_free(&r);

    assert_int_equal(xvios_vio_code_parse("DOM0_ONLY", &c), 0);
    assert_int_equal(c, XVIOS_VIO_DOM0_ONLY);
    assert_int_equal(xvios_vio_code_parse("dom0_only", &c), -EINVAL);
    assert_int_equal(xvios_vio_code_parse(NULL, &c), -EINVAL);
}

static void test_reply_refusals(void **state)
{
    static const char *const bad[] = {
        "",
        "not xml",
        "<vioResponse version=\"1\" status=\"ok\" node=\"1\" object=\"lu\" action=\"list\">",   /* unclosed */
        "<vioRequest version=\"1\"><lu action=\"list\"/></vioRequest>",                          /* not a response */
        "<vioResponse version=\"1\" status=\"maybe\" node=\"1\"/>",
        "<vioResponse version=\"1\" status=\"ok\" object=\"lu\" action=\"list\"/>",               /* no node */
        "<vioResponse version=\"1\" status=\"ok\" node=\"-1\" object=\"lu\" action=\"list\"/>",
        "<vioResponse version=\"1\" status=\"ok\" node=\"4294967296\" object=\"lu\" action=\"list\"/>",
        "<vioResponse version=\"1\" status=\"ok\" node=\"1\" object=\"lu\" action=\"list\">text</vioResponse>",
        "<vioResponse version=\"1\" status=\"ok\" node=\"1\" object=\"lu\" action=\"list\"><a><b><c/></b></a>"
        "</vioResponse>",                                                                          /* too deep */
        "<vioResponse version=\"1\" status=\"ok\" node=\"1\" object=\"a-very-long-object-name\" action=\"list\"/>",
        "<!DOCTYPE vioResponse [<!ENTITY e \"x\">]><vioResponse version=\"1\" status=\"ok\" node=\"1\" "
        "object=\"lu\" action=\"list\"><lu name=\"&e;\"/></vioResponse>",
        "<vioResponse version=\"1\" status=\"ok\" node=\"1\" object=\"lu\" action=\"list\"><lu name=\"&e;\"/>"
        "</vioResponse>",                                                                          /* undefined entity */
        "<vioResponse version=\"1\" status=\"exception\" node=\"1\"/>",                           /* no exception */
        "<vioResponse version=\"1\" status=\"exception\" node=\"1\"><VIOException code=\"BUSY\"><b/>"
        "</VIOException></vioResponse>",
        "<vioResponse version=\"1\" status=\"exception\" node=\"1\"><VIOException code=\"BUSY\">x</VIOException>"
        "<VIOException code=\"BUSY\">y</VIOException></vioResponse>",
        "<vioResponse version=\"1\" status=\"exception\" node=\"1\"><Other code=\"BUSY\">x</Other></vioResponse>",
    };
    struct xvios_vio_reply r;
    char *huge;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (xvios_vio_reply_parse(bad[i], strlen(bad[i]), &r) != -EINVAL)
            fail_msg("taken: %s", bad[i]);
        assert_int_equal(r.n_items, 0);
        assert_null(r.items);
    }
    /* a NUL inside, and one byte over the bound */
    assert_int_equal(xvios_vio_reply_parse("<vioResponse\0/>", 15, &r), -EINVAL);
    huge = malloc(XVIOS_VIO_RESPONSE_MAX + 1);
    assert_non_null(huge);
    memset(huge, ' ', XVIOS_VIO_RESPONSE_MAX + 1);
    memcpy(huge, OK_LIST, strlen(OK_LIST));
    assert_int_equal(xvios_vio_reply_parse(huge, XVIOS_VIO_RESPONSE_MAX + 1, &r), -EINVAL);
    assert_int_equal(xvios_vio_reply_parse(huge, XVIOS_VIO_RESPONSE_MAX, &r), 0);   /* trailing blanks are fine */
    xvios_vio_reply_free(&r);
    free(huge);
}

static int teardown_all(void **state)
{
    (void)state;
    xvios_vio_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_round_trip),
        cmocka_unit_test(test_build_injection),
        cmocka_unit_test(test_build_refusals),
        cmocka_unit_test(test_reply_ok),
        cmocka_unit_test(test_reply_exception),
        cmocka_unit_test(test_reply_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
