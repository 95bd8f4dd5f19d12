/* SPDX-License-Identifier: MIT */
/*
 * cli_blocks.c - split a fan-out's responses into node blocks (cli_blocks.h).
 */
#include <stdlib.h>

#include "cli_blocks.h"
#include "xvios/db.h"
#include "xvios/kv.h"
#include "xvios/parse.h"
#include "xvios/wire.h"

int cli_block_cmp(const void *a, const void *b)
{
    const struct cli_block *x = a, *y = b;
    return x->node < y->node ? -1 : x->node > y->node;
}

struct cli_block *cli_collect_blocks(const struct xvios_client_outcome *o, unsigned *n)
{
    struct cli_block *v = NULL;
    unsigned cap = 0;

    *n = 0;
    for (unsigned r = 0; r < o->n_resp; r++) {
        const char *p = (const char *)o->resp[r].payload;
        size_t len = o->resp[r].len;
        while (p) {   /* one block per key=value part; the body after its blank line holds the next */
            struct xvios_kv_iter it;
            struct xvios_kv kv;
            size_t bl;
            xvios_kv_iter_init(&it, p, len);
            while (xvios_kv_next(&it, &kv) != 0)
                ;
            bl = it.kv_end;
            if (bl > 0) {
                char node[16] = "";
                uint32_t id = 0;
                if (*n == cap) {
                    struct cli_block *nv = realloc(v, (cap ? cap * 2 : 16) * sizeof(*v));
                    if (!nv)
                        return v;
                    v = nv;
                    cap = cap ? cap * 2 : 16;
                }
                if (xvios_kv_get(p, bl, "node", node, sizeof(node)) == 0)
                    xvios_parse_u32(node, 1, XVIOS_NODE_ID_MAX, &id);
                v[*n] = (struct cli_block){ .p = p, .len = bl, .node = id };
                (*n)++;
            }
            p = xvios_kv_body(&it, &len);
        }
    }
    return v;
}
