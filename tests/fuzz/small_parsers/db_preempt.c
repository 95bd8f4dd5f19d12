/* SPDX-License-Identifier: MIT */
/*
 * db_preempt.c - fuzz family 'r': a VIOS's preemption record as every
 * daemon reads it (xen/db/db_preempt.c, xvios/db_preempt.h). Any input: no
 * crash, nothing read past it; an accepted record has a generation, ports
 * 1..65535, at most XVIOS_PREEMPT_LIST nexuses listed and a count not below
 * them, and formatted again it parses back to the same record (and the same
 * bytes); a refused one is -EINVAL.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "small_parsers.h"
#include "xvios/db_preempt.h"

void fuzz_db_preempt(const uint8_t *data, size_t size)
{
    char *copy = (char *)fuzz_copy(data, size);
    struct xvios_db_preempt r, again;
    char text[XVIOS_PREEMPT_TEXT_MAX];
    int rc = xvios_db_preempt_parse(copy, size, &r), n;

    if (rc < 0) {
        FUZZ_REQUIRE(rc == -EINVAL);
        free(copy);
        return;
    }
    FUZZ_REQUIRE(r.gen >= 1 && r.by.port >= 1 && r.n_listed <= XVIOS_PREEMPT_LIST && r.count >= r.n_listed);
    for (unsigned i = 0; i < r.n_listed; i++)
        FUZZ_REQUIRE(r.preempted[i].port >= 1);
    n = xvios_db_preempt_format(&r, text, sizeof(text));
    FUZZ_REQUIRE(n > 0 && (size_t)n == size && !memcmp(text, copy, size));   /* the one canonical spelling */
    FUZZ_REQUIRE(xvios_db_preempt_parse(text, (size_t)n, &again) == 0);
    FUZZ_REQUIRE(!memcmp(&again, &r, sizeof(r)));
    free(copy);
}
