/* SPDX-License-Identifier: MIT */
/*
 * numbers.c - fuzz family 'n': the strict number and identifier parsers
 * (xen/util/parse.c), each checked against the contract of xvios/parse.h
 * restated by hand.
 *
 * Input: a selector byte, range bounds drawn from the next bytes, then the
 * string (NUL-terminated copy; an embedded NUL ends it). -EINVAL exactly
 * for what is not one or more digits (or, canonical, has a leading zero),
 * -ERANGE for a number beyond 64 bits or the range, else the value; *out
 * untouched on failure; a canonical number prints back to its string.
 * uuids: accepted exactly when 8-4-4-4-12 hex digits and nothing else.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "small_parsers.h"
#include "xvios/parse.h"

static int reference_dec(const char *s, uint64_t min, uint64_t max, bool canonical, uint64_t *out)
{
    uint64_t v = 0;
    bool over = false;
    size_t len = strlen(s);

    if (len == 0 || strspn(s, "0123456789") != len || (canonical && s[0] == '0' && len > 1))
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10u)
            over = true;
        else if (!over)
            v = v * 10u + d;
    }
    if (over || v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

static bool reference_uuid(const char *s)
{
    static const char hex[] = "0123456789abcdefABCDEF";

    if (strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr(hex, s[i]))
            return false;
    }
    return true;
}

static void check_canonical_print(const char *s, uint64_t v)
{
    char back[24];

    snprintf(back, sizeof(back), "%" PRIu64, v);
    FUZZ_REQUIRE(!strcmp(back, s));
}

void fuzz_numbers(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };
    uint8_t sel = fuzz_u8(&in);
    uint64_t min64 = sel & 0x10 ? fuzz_u64(&in) : fuzz_u8(&in);
    uint64_t max64 = sel & 0x20 ? fuzz_u64(&in) : UINT64_MAX - fuzz_u8(&in);
    uint32_t min32 = (uint32_t)min64, max32 = sel & 0x40 ? (uint32_t)max64 : UINT32_MAX;
    char *s = fuzz_strdup(in.p, in.n);
    uint64_t ref = 0, got64 = 0x5a5a5a5a5a5a5a5aull;
    uint32_t got32 = 0x5a5a5a5au;
    int want, rc;

    switch (sel % 5) {
    case 0:
        want = reference_dec(s, min32, max32, false, &ref);
        rc = xvios_parse_u32(s, min32, max32, &got32);
        FUZZ_REQUIRE(rc == want);
        FUZZ_REQUIRE(rc == 0 ? got32 == ref && got32 >= min32 && got32 <= max32 : got32 == 0x5a5a5a5au);
        break;
    case 1:
        want = reference_dec(s, min64, max64, false, &ref);
        rc = xvios_parse_u64(s, min64, max64, &got64);
        FUZZ_REQUIRE(rc == want);
        FUZZ_REQUIRE(rc == 0 ? got64 == ref && got64 >= min64 && got64 <= max64 : got64 == 0x5a5a5a5a5a5a5a5aull);
        break;
    case 2:
        want = reference_dec(s, 0, max32, true, &ref);
        rc = xvios_parse_u32_canon(s, max32, &got32);
        FUZZ_REQUIRE(rc == want);
        FUZZ_REQUIRE(rc == 0 ? got32 == ref && got32 <= max32 : got32 == 0x5a5a5a5au);
        if (rc == 0)
            check_canonical_print(s, got32);
        break;
    case 3:
        want = reference_dec(s, 0, XVIOS_DOMID_LIMIT - 1u, true, &ref);
        rc = xvios_parse_domid(s, &got32);
        FUZZ_REQUIRE(rc == want);
        FUZZ_REQUIRE(rc == 0 ? got32 == ref && got32 < XVIOS_DOMID_LIMIT : got32 == 0x5a5a5a5au);
        if (rc == 0)
            check_canonical_print(s, got32);
        break;
    default:
        FUZZ_REQUIRE(xvios_uuid_valid(s) == reference_uuid(s));
        break;
    }
    free(s);
}
