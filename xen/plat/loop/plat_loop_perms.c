/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_perms.c - XenStore permission lists for the loopback store:
 * the .perms file format ("n0\nr5\n...", XenStore's own letters) and the
 * access rule.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat_loop_internal.h"

static int perm_letter(char c, enum xvios_perm_bits *out)
{
    switch (c) {
    case 'n': *out = XVIOS_PERM_NONE; return 0;
    case 'r': *out = XVIOS_PERM_READ; return 0;
    case 'w': *out = XVIOS_PERM_WRITE; return 0;
    case 'b': *out = XVIOS_PERM_BOTH; return 0;
    }
    return -EINVAL;
}

int loop_perms_parse(const char *untrusted_text, size_t len, struct xvios_perm **perms, unsigned *n)
{
    struct xvios_perm *p = NULL;
    unsigned cnt = 0;
    size_t i = 0;

    *perms = NULL;
    *n = 0;
    if (len > LOOP_PERMS_FILE_MAX)
        return -EINVAL;
    p = calloc(XVIOS_STORE_MAX_PERMS, sizeof(*p));
    if (!p)
        return -ENOMEM;
    while (i < len) {
        enum xvios_perm_bits bits;
        uint64_t id = 0;
        size_t digits = 0;

        if (cnt == XVIOS_STORE_MAX_PERMS || perm_letter(untrusted_text[i], &bits) < 0)
            goto bad;
        i++;
        while (i < len && untrusted_text[i] >= '0' && untrusted_text[i] <= '9') {
            id = id * 10u + (uint64_t)(untrusted_text[i] - '0');
            if (++digits > 5 || id > 0xffffu)   /* domids are 16 bits */
                goto bad;
            i++;
        }
        if (digits == 0 || i >= len || untrusted_text[i] != '\n')
            goto bad;
        i++;
        p[cnt].domid = (uint32_t)id;
        p[cnt].perm = bits;
        cnt++;
    }
    if (cnt == 0)
        goto bad;
    *perms = p;
    *n = cnt;
    return 0;
bad:
    free(p);
    return -EINVAL;
}

int loop_perms_format(const struct xvios_perm *perms, unsigned n, char *buf, size_t cap, size_t *len)
{
    static const char letter[] = "nrwb";
    size_t off = 0;

    if (n == 0 || n > XVIOS_STORE_MAX_PERMS)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++) {
        if ((unsigned)perms[i].perm > XVIOS_PERM_BOTH || perms[i].domid > 0xffffu)
            return -EINVAL;
        int r = snprintf(buf + off, cap - off, "%c%u\n", letter[perms[i].perm], perms[i].domid);
        if (r < 0 || (size_t)r >= cap - off)
            return -ENAMETOOLONG;
        off += (size_t)r;
    }
    *len = off;
    return 0;
}

enum xvios_perm_bits loop_perm_of(const struct xvios_perm *perms, unsigned n, uint32_t domid)
{
    if (domid == 0 || perms[0].domid == domid)
        return XVIOS_PERM_BOTH;
    for (unsigned i = 1; i < n; i++)
        if (perms[i].domid == domid)
            return perms[i].perm;
    return perms[0].perm;
}

struct xvios_perm *loop_perms_dup(const struct xvios_perm *perms, unsigned n)
{
    struct xvios_perm *p = malloc((size_t)n * sizeof(*p));

    if (p)
        memcpy(p, perms, (size_t)n * sizeof(*p));
    return p;
}
