/* SPDX-License-Identifier: MIT */
/*
 * test_tcp_frame.c - the datagram framing of the TCP links
 * (xen/plat/tcp/tcp_frame.c): whole, partial, empty, over the caller's cap,
 * over the bound (the stream is then untrusted), lengths near 2^32.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "xen/plat/tcp/tcp_frame.h"

static void test_frames(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t dlen = 0, used = 0;
    tcp_frame_put_len(b, 5);
    memcpy(b + 4, "hello", 5);
    tcp_frame_put_len(b + 9, 2);
    memcpy(b + 13, "ok", 2);
    for (size_t k = 0; k < 9; k++)                                  /* every partial prefix */
        assert_int_equal(tcp_frame_next(b, k, 64, 100, &dlen, &used), -EAGAIN);
    assert_int_equal(tcp_frame_next(b, 15, 64, 100, &dlen, &used), 0);
    assert_int_equal(dlen, 5);
    assert_int_equal(used, 9);
    assert_memory_equal(b + 4, "hello", 5);
    assert_int_equal(tcp_frame_next(b + 9, 6, 64, 100, &dlen, &used), 0);
    assert_int_equal(dlen, 2);
    /* over the caller's cap: consume it, report it */
    assert_int_equal(tcp_frame_next(b, 9, 4, 100, &dlen, &used), -EMSGSIZE);
    assert_int_equal(used, 9);
    /* empty */
    tcp_frame_put_len(b, 0);
    assert_int_equal(tcp_frame_next(b, 4, 64, 100, &dlen, &used), -EBADMSG);
    assert_int_equal(used, 4);
    /* over the bound: even before the payload came */
    tcp_frame_put_len(b, 101);
    assert_int_equal(tcp_frame_next(b, 4, 64, 100, &dlen, &used), -EPROTO);
    tcp_frame_put_len(b, UINT32_MAX);
    assert_int_equal(tcp_frame_next(b, 4, 64, 100, &dlen, &used), -EPROTO);
    tcp_frame_put_len(b, 0x01020304);
    assert_int_equal(b[0], 4);
    assert_int_equal(b[3], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_frames) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
