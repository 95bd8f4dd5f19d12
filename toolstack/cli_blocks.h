/* SPDX-License-Identifier: MIT */
/*
 * cli_blocks.h - the "key=value" blocks of a fan-out's answer (NODES_ALL,
 * STORAGE_ALL): one block per node, each in its own response, or several
 * in one response separated by blank lines (an older daemon's merge).
 */
#ifndef XVIOS_TOOLSTACK_CLI_BLOCKS_H
#define XVIOS_TOOLSTACK_CLI_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "xvios/client.h"

struct cli_block {
    const char *p;      /* points into the outcome's responses */
    size_t len;
    uint32_t node;      /* its node= key, 0 when the block names none (a truncated=<n> block) */
};

/* Every block of every response, in answer order (the asked node first); *n set. NULL and *n 0 when none
 * or out of memory (a partial list when memory ran out midway). free() it. */
struct cli_block *cli_collect_blocks(const struct xvios_client_outcome *o, unsigned *n);
/* qsort comparator: by node. */
int cli_block_cmp(const void *a, const void *b);

#endif /* XVIOS_TOOLSTACK_CLI_BLOCKS_H */
