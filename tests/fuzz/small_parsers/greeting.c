/* SPDX-License-Identifier: MIT */
/*
 * greeting.c - fuzz family 'g': the loopback link handshake's greetings
 * (xen/plat/loop/plat_loop_greeting.c).
 *
 * Input: a mode byte, then either
 *   even mode: a received datagram, read as a hello and as a welcome. Accepted
 *     exactly when it is the prefix, a canonical node number <= 0xffff, one
 *     space and a canonical domid below XVIOS_DOMID_LIMIT, within
 *     LOOP_GREETING_MAX bytes; then formatting the numbers gives back the
 *     very bytes received (one spelling per greeting).
 *   odd mode: a greeting formatted from numbers drawn from the bytes into an
 *     exactly-sized buffer: never past it, and every greeting a real peer can
 *     send (node <= 0xffff, a valid domid) fits LOOP_GREETING_MAX and reads back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "small_parsers.h"
#include "xen/plat/loop/plat_loop_internal.h"
#include "xvios/parse.h"

/* Canonical decimal of len bytes, within max. */
static bool reference_canon(const char *s, size_t len, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 10 || (s[0] == '0' && len > 1))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10u + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool reference_parse(const char *buf, size_t len, const char *prefix, uint32_t *node, uint32_t *domid)
{
    size_t plen = strlen(prefix);
    const char *rest = buf + plen, *sp;

    if (len > LOOP_GREETING_MAX || len <= plen || memcmp(buf, prefix, plen))
        return false;
    sp = memchr(rest, ' ', len - plen);
    if (!sp)
        return false;
    return reference_canon(rest, (size_t)(sp - rest), 0xffffu, node) &&
           reference_canon(sp + 1, len - plen - (size_t)(sp - rest) - 1, XVIOS_DOMID_LIMIT - 1u, domid);
}

static void fuzz_received(const uint8_t *data, size_t size)
{
    static const char *const prefixes[] = { LOOP_GREETING_HELLO, LOOP_GREETING_WELCOME };
    const char *buf = (const char *)fuzz_copy(data, size);

    for (size_t k = 0; k < 2; k++) {
        uint32_t node = 0xdeadbeef, domid = 0xdeadbeef, rnode = 0, rdomid = 0;
        bool want = reference_parse(buf, size, prefixes[k], &rnode, &rdomid);
        int rc = loop_greeting_parse(buf, size, prefixes[k], &node, &domid);
        char again[LOOP_GREETING_MAX + 1];

        if (!want) {
            FUZZ_REQUIRE(rc == -EPROTO);
            continue;
        }
        FUZZ_REQUIRE(rc == 0 && node == rnode && domid == rdomid);
        FUZZ_REQUIRE(loop_greeting_format(again, sizeof(again), prefixes[k], node, domid) == (int)size);
        FUZZ_REQUIRE(!memcmp(again, buf, size));
    }
    free((void *)buf);
}

static void fuzz_formatted(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };
    uint8_t sel = fuzz_u8(&in);
    const char *prefix = sel % 3 == 0 ? LOOP_GREETING_HELLO : sel % 3 == 1 ? LOOP_GREETING_WELCOME : NULL;
    uint32_t node = sel & 0x80 ? fuzz_u32(&in) : fuzz_u16(&in);
    uint32_t domid = sel & 0x40 ? fuzz_u32(&in) : fuzz_u16(&in) % XVIOS_DOMID_LIMIT;
    size_t cap = fuzz_u8(&in) % 96;
    char *buf = malloc(cap ? cap : 1);
    char full[96];
    int n, nfull;

    if (!buf)
        abort();
    nfull = loop_greeting_format(full, sizeof(full), prefix, node, domid);
    FUZZ_REQUIRE(nfull > 0 && (size_t)nfull < sizeof(full));
    n = loop_greeting_format(buf, cap, prefix, node, domid);
    if ((size_t)nfull >= cap) {
        FUZZ_REQUIRE(n == -ENAMETOOLONG);
    } else {
        FUZZ_REQUIRE(n == nfull && !memcmp(buf, full, (size_t)n + 1));
    }
    if (!prefix) {
        FUZZ_REQUIRE(!strcmp(full, LOOP_GREETING_REFUSED));
    } else if (node <= 0xffffu && domid < XVIOS_DOMID_LIMIT) {
        uint32_t rnode = 0, rdomid = 0;

        FUZZ_REQUIRE(nfull <= LOOP_GREETING_MAX);
        FUZZ_REQUIRE(loop_greeting_parse(full, (size_t)nfull, prefix, &rnode, &rdomid) == 0);
        FUZZ_REQUIRE(rnode == node && rdomid == domid);
    }
    free(buf);
}

void fuzz_greeting(const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    if (data[0] & 1)
        fuzz_formatted(data + 1, size - 1);
    else
        fuzz_received(data + 1, size - 1);
}
