/* SPDX-License-Identifier: MIT */
/*
 * fuzz_vio_apply.c - libFuzzer target for the MAPPING_APPLY payload
 * (xvios/vio_apply.h), what a VIOS decodes from another node's daemon before
 * it writes its backend dir: any input is refused (and *out left zeroed) or
 * accepted as an apply whose record xvios_db_vtd_check() takes, which
 * encodes back to exactly the bytes received (the format has one spelling)
 * and decodes again to the same apply. Anything else aborts.
 *
 * Seed corpus: tests/fuzz/corpus/fuzz_vio_apply/ (an add, a remove, near misses).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/vio_apply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char buf[XVIOS_VIO_APPLY_MAX + 1];

static int zeroed(const struct xvios_vio_apply *a)
{
    static const struct xvios_vio_apply zero;
    return !memcmp(a, &zero, sizeof(zero));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xvios_vio_apply a, b;
    size_t len = 0;

    if (xvios_vio_apply_decode(data, size, &a) < 0) {
        if (!zeroed(&a))
            abort();
        return 0;
    }
    if ((a.op != XVIOS_VIO_APPLY_ADD && a.op != XVIOS_VIO_APPLY_REMOVE) || xvios_db_vtd_check(&a.vtd) < 0)
        abort();
    if (xvios_vio_apply_encode(&a, buf, sizeof(buf), &len) < 0 || len != size || memcmp(buf, data, size))
        abort();
    if (xvios_vio_apply_decode(buf, len, &b) < 0 || memcmp(&a, &b, sizeof(a)))
        abort();
    return 0;
}
