/* SPDX-License-Identifier: MIT */
/*
 * perms.c - fuzz family 'p': the loopback store's .perms files
 * (xen/plat/loop/plat_loop_perms.c).
 *
 * Input: a mode byte, then either
 *   even mode: the text of a .perms file. Accepted, it must hold 1..64
 *     entries, one per line, each a known permission and a 16-bit domid;
 *     formatting them again must give a file the parser reads back to the
 *     same list, no longer than the input and within LOOP_PERMS_FILE_MAX;
 *     loop_perm_of must follow XenStore's rule for every domid listed.
 *   odd mode: a permission list and an output capacity drawn from the
 *     bytes; the formatter must refuse a bad list (-EINVAL, or -ENAMETOOLONG
 *     when the output is full before the bad entry), never write past the
 *     capacity, and its output must parse back to the list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "small_parsers.h"
#include "xen/plat/loop/plat_loop_internal.h"

static bool same_perms(const struct xvios_perm *a, const struct xvios_perm *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (a[i].domid != b[i].domid || a[i].perm != b[i].perm)
            return false;
    return true;
}

/* XenStore's rule, written out independently: dom0 and the owner (entry 0) may do anything,
 * a listed domain gets its first entry after the owner, anyone else the owner's default. */
static enum xvios_perm_bits reference_perm_of(const struct xvios_perm *p, unsigned n, uint32_t domid)
{
    if (domid == 0 || domid == p[0].domid)
        return XVIOS_PERM_BOTH;
    for (unsigned i = 1; i < n; i++)
        if (p[i].domid == domid)
            return p[i].perm;
    return p[0].perm;
}

static void check_round_trip(const struct xvios_perm *p, unsigned n, size_t max_len)
{
    char text[LOOP_PERMS_FILE_MAX + 1];
    struct xvios_perm *back = NULL;
    unsigned nback = 0;
    size_t len = 0;

    FUZZ_REQUIRE(loop_perms_format(p, n, text, sizeof(text), &len) == 0);
    FUZZ_REQUIRE(len <= max_len && len <= LOOP_PERMS_FILE_MAX);
    FUZZ_REQUIRE(loop_perms_parse(text, len, &back, &nback) == 0);
    FUZZ_REQUIRE(nback == n && same_perms(back, p, n));
    free(back);
}

static void fuzz_parse(const uint8_t *data, size_t size)
{
    char *text = (char *)fuzz_copy(data, size);
    static struct xvios_perm untouched;
    struct xvios_perm *p = &untouched;   /* must be reset on failure, not left alone */
    unsigned n = 12345, lines = 0;
    int rc = loop_perms_parse(text, size, &p, &n);

    if (rc < 0) {
        FUZZ_REQUIRE(rc == -EINVAL && p == NULL && n == 0);
        goto out;
    }
    FUZZ_REQUIRE(rc == 0 && p != NULL && n >= 1 && n <= XVIOS_STORE_MAX_PERMS);
    for (size_t i = 0; i < size; i++)
        lines += text[i] == '\n';
    FUZZ_REQUIRE(lines == n && text[size - 1] == '\n');
    for (unsigned i = 0; i < n; i++)
        FUZZ_REQUIRE(p[i].perm <= XVIOS_PERM_BOTH && p[i].domid <= 0xffffu);
    check_round_trip(p, n, size);
    for (unsigned i = 0; i < n; i++)
        FUZZ_REQUIRE(loop_perm_of(p, n, p[i].domid) == reference_perm_of(p, n, p[i].domid));
    FUZZ_REQUIRE(loop_perm_of(p, n, 0) == XVIOS_PERM_BOTH);
    FUZZ_REQUIRE(loop_perm_of(p, n, 0x10000u) == p[0].perm);
    free(p);
out:
    free(text);
}

static void fuzz_format(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };
    struct xvios_perm p[XVIOS_STORE_MAX_PERMS + 1];
    unsigned n = fuzz_u16(&in) % (XVIOS_STORE_MAX_PERMS + 2);   /* 0 and XVIOS_STORE_MAX_PERMS + 1 are refused */
    size_t cap = fuzz_u16(&in) % (LOOP_PERMS_FILE_MAX + 16);
    char *buf = malloc(cap ? cap : 1);
    char full[LOOP_PERMS_FILE_MAX + 64];
    bool valid = n >= 1 && n <= XVIOS_STORE_MAX_PERMS;
    size_t len = 0, full_len = 0;
    int rc;

    if (!buf)
        abort();
    for (unsigned i = 0; i < n; i++) {
        uint8_t bits = fuzz_u8(&in);

        /* mostly valid entries; now and then a domid beyond 16 bits or an unknown permission */
        p[i].domid = bits & 0x80 ? fuzz_u32(&in) : fuzz_u16(&in);
        p[i].perm = (enum xvios_perm_bits)(bits & 0x40 ? bits & 0x3f : bits & 3);
        valid = valid && p[i].domid <= 0xffffu && p[i].perm <= XVIOS_PERM_BOTH;
    }
    rc = loop_perms_format(p, n, buf, cap, &len);
    if (!valid) {
        /* entries are checked as they are written: a bad one after the output is full reads as too long */
        FUZZ_REQUIRE(rc == -EINVAL || (rc == -ENAMETOOLONG && n >= 1 && n <= XVIOS_STORE_MAX_PERMS));
        goto out;
    }
    FUZZ_REQUIRE(loop_perms_format(p, n, full, sizeof(full), &full_len) == 0);
    if (full_len + 1 > cap) {
        FUZZ_REQUIRE(rc == -ENAMETOOLONG);   /* snprintf needs room for its NUL */
        goto out;
    }
    FUZZ_REQUIRE(rc == 0 && len == full_len && !memcmp(buf, full, len));
    check_round_trip(p, n, full_len);
out:
    free(buf);
}

void fuzz_perms(const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    if (data[0] & 1)
        fuzz_format(data + 1, size - 1);
    else
        fuzz_parse(data + 1, size - 1);
}
