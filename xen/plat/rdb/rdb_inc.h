/* SPDX-License-Identifier: MIT */
/*
 * rdb_inc.h - a replicated DB copy's incarnation (xen/plat/rdb/): 128
 * random bits naming one life of the cluster DB, from the transaction that
 * creates its root (XVIOS_RDB_PREFIX) until the root is removed. It lives in
 * the copy itself, at XVIOS_RDB_INCARNATION (32 hex digits), so every copy,
 * chunk and state file carries it; members announce it in their STATE.
 * Copies of different incarnations never merge by version
 * (docs/multihost.md, "Incarnations").
 */
#ifndef XVIOS_RDB_INC_H
#define XVIOS_RDB_INC_H

#include <stdbool.h>
#include <stdint.h>

#include "rdb_tree.h"

#define RDB_INC_LEN 16u   /* bytes */
#define RDB_INC_HEX 32u   /* digits of its text form in the copy */

/* All zero: none (an empty copy, a copy of a cluster created before incarnations, or no cluster). */
struct rdb_inc {
    uint8_t b[RDB_INC_LEN];
};
_Static_assert(sizeof(struct rdb_inc) == RDB_INC_LEN, "an incarnation is 16 bytes on the wire");

bool rdb_inc_none(const struct rdb_inc *a);
bool rdb_inc_eq(const struct rdb_inc *a, const struct rdb_inc *b);
/* The incarnation t holds: its XVIOS_RDB_INCARNATION node's 32 hex digits; none when the node is absent
 * or is not exactly 32 hex digits (not all zero). */
void rdb_inc_of(const struct rdb_tree *t, struct rdb_inc *out);
/* 32 lowercase hex digits, or "none". */
const char *rdb_inc_text(const struct rdb_inc *a, char buf[RDB_INC_HEX + 1]);
/* 0 and 32 hex digits of a new id in hex (NUL-terminated), from getrandom; -errno. */
int rdb_inc_new(char hex[RDB_INC_HEX + 1]);

#endif /* XVIOS_RDB_INC_H */
