/* SPDX-License-Identifier: MIT */
/*
 * db_lu_check.c - what an LU of the pool may look like (xvios/db_lu.h): its
 * name, backing path, region, WWN and serial. Pure: the toolstack checks a
 * command line with them, the DB every value it writes or reads back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xvios/db_lu.h"
#include "xvios/db_pool.h"

_Static_assert(XVIOS_LU_SIZE_MAX % XVIOS_LU_ALIGN == 0, "the largest region is aligned");
_Static_assert(XVIOS_LU_WWN_HEX == 2 * sizeof(((struct xvios_db_lu *)0)->wwn), "a WWN is 16 bytes");

bool xvios_lu_name_ok(const char *name)
{
    size_t n = strnlen(name, XVIOS_LU_NAME_MAX + 1);

    if (n == 0 || n > XVIOS_LU_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        /* the store's path characters, as XenStore node names (no '.': the store refuses it) */
        if (!alnum && (i == 0 || (c != '_' && c != '-')))
            return false;
    }
    return true;
}

int xvios_lu_backing_check(const char *path)
{
    size_t n = strnlen(path, XVIOS_LU_BACKING_MAX + 1);

    if (n > XVIOS_LU_BACKING_MAX)
        return -ENAMETOOLONG;
    if (n < 2 || path[0] != '/' || path[n - 1] == '/')
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)path[i] < 0x20 || (unsigned char)path[i] > 0x7e)
            return -EINVAL;
    /* canonical: the same backing is always spelled the same, so overlaps are seen */
    for (const char *c = path; c; c = strchr(c + 1, '/')) {
        const char *comp = c + 1;
        size_t len = strcspn(comp, "/");
        if (len == 0 || (len == 1 && comp[0] == '.') || (len == 2 && comp[0] == '.' && comp[1] == '.'))
            return -EINVAL;
    }
    return 0;
}

int xvios_lu_region_check(uint64_t offset, uint64_t size)
{
    if (size == 0 || size % XVIOS_LU_ALIGN || offset % XVIOS_LU_ALIGN || size > XVIOS_LU_SIZE_MAX ||
        offset > XVIOS_LU_SIZE_MAX - size)
        return -EDOM;
    return 0;
}

bool xvios_lu_overlap(const struct xvios_db_lu *a, const struct xvios_db_lu *b)
{
    /* both regions were checked: no sum overflows */
    return !strcmp(a->backing, b->backing) && a->offset < b->offset + b->size && b->offset < a->offset + a->size;
}

void xvios_lu_wwn_format(const uint8_t wwn[16], char *buf)
{
    for (unsigned i = 0; i < 16; i++)
        snprintf(buf + 2 * i, 3, "%02x", wwn[i]);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;   /* the pool writes lowercase: anything else is not its value */
}

int xvios_lu_wwn_parse(const char *untrusted_s, uint8_t wwn[16])
{
    uint8_t w[16];

    if (strnlen(untrusted_s, XVIOS_LU_WWN_HEX + 1) != XVIOS_LU_WWN_HEX)
        return -EINVAL;
    for (unsigned i = 0; i < 16; i++) {
        int hi = hex_digit(untrusted_s[2 * i]), lo = hex_digit(untrusted_s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        w[i] = (uint8_t)(hi << 4 | lo);
    }
    /* NAA 6h, then the 24-bit company id in the next 24 bits */
    if ((w[0] >> 4) != 6 || (((uint32_t)(w[0] & 0x0f) << 20 | (uint32_t)w[1] << 12 | (uint32_t)w[2] << 4 |
                              (uint32_t)(w[3] >> 4)) != XVIOS_LU_COMPANY_ID))
        return -EINVAL;
    memcpy(wwn, w, sizeof(w));
    return 0;
}

bool xvios_lu_serial_ok(const char *untrusted_s)
{
    if (strnlen(untrusted_s, XVIOS_LU_SERIAL_LEN + 1) != XVIOS_LU_SERIAL_LEN || strncmp(untrusted_s, "XVP", 3))
        return false;
    for (unsigned i = 3; i < XVIOS_LU_SERIAL_LEN; i++)
        if (hex_digit(untrusted_s[i]) < 0)
            return false;
    return true;
}

/* A pool name follows an LU name's rules (xvios/db_pool.h); NULL and "" name the default pool. */
bool xvios_pool_name_ok(const char *name)
{
    return name && xvios_lu_name_ok(name);
}

bool xvios_pool_is_default(const char *name)
{
    return !name || !name[0] || !strcmp(name, XVIOS_POOL_DEFAULT);
}
