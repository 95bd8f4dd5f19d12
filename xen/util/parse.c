/* SPDX-License-Identifier: MIT */
/* parse.c - strict decimal, domid and uuid parsing (xvios/parse.h). */
#include <errno.h>
#include <string.h>

#include "xvios/parse.h"

_Static_assert(XVIOS_DOMID_LIMIT == 0x7ff0u, "DOMID_FIRST_RESERVED of xen/include/public/xen.h");

/* Digits only, value in [min, max]; leading zeros refused unless allowed. */
static int parse_dec(const char *untrusted_s, uint64_t min, uint64_t max, bool leading_zeros, uint64_t *out)
{
    uint64_t v = 0;
    bool over = false;
    size_t i;

    if (!untrusted_s || !untrusted_s[0])
        return -EINVAL;
    if (!leading_zeros && untrusted_s[0] == '0' && untrusted_s[1] != '\0')
        return -EINVAL;
    for (i = 0; untrusted_s[i]; i++) {
        if (untrusted_s[i] < '0' || untrusted_s[i] > '9')
            return -EINVAL;
        unsigned d = (unsigned)(untrusted_s[i] - '0');

        if (v > (UINT64_MAX - d) / 10u)
            over = true;  /* keep checking the characters: "99...9x" is not a number at all */
        else
            v = v * 10u + d;
    }
    if (over || v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

static int parse_dec32(const char *untrusted_s, uint32_t min, uint32_t max, bool leading_zeros, uint32_t *out)
{
    uint64_t v;
    int rc = parse_dec(untrusted_s, min, max, leading_zeros, &v);

    if (rc == 0)
        *out = (uint32_t)v;
    return rc;
}

int xvios_parse_u32(const char *untrusted_s, uint32_t min, uint32_t max, uint32_t *out)
{
    return parse_dec32(untrusted_s, min, max, true, out);
}

int xvios_parse_u64(const char *untrusted_s, uint64_t min, uint64_t max, uint64_t *out)
{
    return parse_dec(untrusted_s, min, max, true, out);
}

int xvios_parse_u32_canon(const char *untrusted_s, uint32_t max, uint32_t *out)
{
    return parse_dec32(untrusted_s, 0, max, false, out);
}

int xvios_parse_domid(const char *untrusted_s, uint32_t *out)
{
    return parse_dec32(untrusted_s, 0, XVIOS_DOMID_LIMIT - 1u, false, out);
}

bool xvios_uuid_valid(const char *untrusted_s)
{
    if (!untrusted_s || strnlen(untrusted_s, XVIOS_UUID_LEN + 1) != XVIOS_UUID_LEN)
        return false;
    for (int i = 0; i < XVIOS_UUID_LEN; i++) {
        char c = untrusted_s[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}
