/* SPDX-License-Identifier: MIT */
/*
 * naa.c - the identity of an LU attached by path (xvios/naa.h).
 */
#include <stdio.h>

#include "xvios/naa.h"

static uint64_t fnv1a(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

void xvios_path_serial(const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "XV%016llx", (unsigned long long)fnv1a(path, 0xcbf29ce484222325ull));
}

void xvios_naa_from_serial(uint32_t company_id, const char *serial, uint8_t out[16])
{
    uint64_t vsid = fnv1a(serial, 0xcbf29ce484222325ull) & 0xfffffffffull;
    uint64_t ext = fnv1a(serial, 0x84222325cbf29ce4ull);

    out[0] = (uint8_t)(0x60 | ((company_id >> 20) & 0x0f));
    out[1] = (uint8_t)(company_id >> 12);
    out[2] = (uint8_t)(company_id >> 4);
    out[3] = (uint8_t)((company_id & 0x0f) << 4 | (vsid >> 32));
    out[4] = (uint8_t)(vsid >> 24);
    out[5] = (uint8_t)(vsid >> 16);
    out[6] = (uint8_t)(vsid >> 8);
    out[7] = (uint8_t)vsid;
    for (int i = 0; i < 8; i++)
        out[8 + i] = (uint8_t)(ext >> (56 - 8 * i));
}
