/* SPDX-License-Identifier: MIT */
/*
 * fuzz_storage_info.c - libFuzzer target for the storage report's decoder
 * (xvios/storage_info.h), the parser of what a peer VIOS answers to
 * STORAGE_INFO. Any input is refused with -EINVAL or -E2BIG, or accepted;
 * an accepted report must encode, and its encoding must decode and encode
 * again to the same bytes (the text has one form per report). Anything
 * else aborts.
 *
 * Seed corpus: tests/fuzz/corpus/fuzz_storage_info/ (a report as a VIOS
 * writes it, a truncated one, and malformed ones).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/storage_info.h"
#include "xvios/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct xvios_storage_info si1, si2;
static char enc1[XVIOS_MAX_PAYLOAD], enc2[XVIOS_MAX_PAYLOAD];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t l1 = 0, l2 = 0;
    int rc = xvios_storage_info_decode(data, size, &si1);

    if (rc == -EINVAL || rc == -E2BIG)
        return 0;
    if (rc != 0)
        abort();
    if (si1.node == 0 || si1.node > XVIOS_NODE_ID_MAX || si1.n_backings > XVIOS_SI_MAX_BACKINGS ||
        si1.n_pools > XVIOS_SI_MAX_POOLS || si1.n_lus > XVIOS_SI_MAX_LUS || si1.n_vhosts > XVIOS_SI_MAX_VHOSTS ||
        si1.n_uses > XVIOS_SI_MAX_USES)
        abort();
    if (xvios_storage_info_encode(&si1, enc1, sizeof(enc1), &l1) != 0 || l1 > sizeof(enc1))
        abort();
    if (xvios_storage_info_decode(enc1, l1, &si2) != 0)
        abort();
    if (xvios_storage_info_encode(&si2, enc2, sizeof(enc2), &l2) != 0 || l1 != l2 || memcmp(enc1, enc2, l1))
        abort();
    return 0;
}
