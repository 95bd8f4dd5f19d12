/* SPDX-License-Identifier: MIT */
/* fuzz_util.c - input copies, the input reader and the failure report (small_parsers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "small_parsers.h"

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}

uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
    uint8_t *p = malloc(size ? size : 1);

    if (!p)
        abort();
    if (size)
        memcpy(p, data, size);
    return p;
}

char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *p = malloc(size + 1);

    if (!p)
        abort();
    if (size)
        memcpy(p, data, size);
    p[size] = '\0';
    return p;
}

uint8_t fuzz_u8(struct fuzz_bytes *b)
{
    if (b->n == 0)
        return 0;
    b->n--;
    return *b->p++;
}

uint16_t fuzz_u16(struct fuzz_bytes *b)
{
    uint16_t lo = fuzz_u8(b);

    return (uint16_t)(lo | (uint16_t)fuzz_u8(b) << 8);
}

uint32_t fuzz_u32(struct fuzz_bytes *b)
{
    uint32_t lo = fuzz_u16(b);

    return lo | (uint32_t)fuzz_u16(b) << 16;
}

uint64_t fuzz_u64(struct fuzz_bytes *b)
{
    uint64_t lo = fuzz_u32(b);

    return lo | (uint64_t)fuzz_u32(b) << 32;
}

const uint8_t *fuzz_take(struct fuzz_bytes *b, size_t max, size_t *len)
{
    const uint8_t *p = b->p;

    *len = b->n < max ? b->n : max;
    b->p += *len;
    b->n -= *len;
    return p;
}
