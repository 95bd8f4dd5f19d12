/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rdb_msgs.c - what another member of the replicated cluster DB can put
 * in front of this one (xen/plat/rdb/): a CPG message of the DB's protocol
 * (rdb_msg.c) fed to the state machine (rdb_core.c), and a copy of the DB as
 * a syncing member receives it or as a state file holds it (rdb_tree.c).
 *
 * Input: byte 0 picks the target: even - the rest is one message, decoded,
 * then delivered to a synced two-member state machine as if from the other
 * member; odd - the rest is a copy, decoded.
 *
 * Invariants (abort() on violation): an accepted message encodes back to the
 * same bytes (one meaning per byte string: nothing a decoder skipped or
 * guessed); an accepted CHUNK lies within its total; an accepted TX has
 * 1..RDB_TX_MAX_OPS operations with valid paths and bounded values and
 * permissions, and at most RDB_TX_MAX_READS read-set entries with valid paths; after delivery the member's tree is still sorted, unique and
 * rooted, its version moved by at most one; an accepted copy encodes back to
 * the same bytes.
 *
 *   make fuzz FUZZ_SECONDS=60   (seed corpus: tests/fuzz/corpus/fuzz_rdb_msgs/)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xen/plat/plat_ops.h"
#include "xen/plat/rdb/rdb_core.h"
#include "xen/plat/rdb/rdb_msg.h"
#include "xvios/platform.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static void check_same(const uint8_t *a, size_t alen, uint8_t *b, size_t blen)
{
    check(alen == blen && memcmp(a, b, alen) == 0);
    free(b);
}

static void check_tree(const struct rdb_tree *t)
{
    check(t->n >= 1 && !strcmp(t->v[0].path, "/"));
    for (unsigned i = 0; i < t->n; i++) {
        check(xvios_store_path_valid(t->v[i].path, false));
        check(t->v[i].len <= XVIOS_STORE_MAX_VALUE);
        check(t->v[i].nperms >= 1 && t->v[i].nperms <= XVIOS_STORE_MAX_PERMS);
        if (i)
            check(rdb_tree_get(t, t->v[i].path) == &t->v[i]);   /* sorted, unique: found where it is */
    }
}

static void reencode(const uint8_t *data, size_t len, const struct rdb_msg *m)
{
    uint8_t *b = NULL;
    size_t blen = 0;

    switch (m->kind) {
    case RDB_MSG_SYNC_START:
        check(rdb_msg_sync_start(m->epoch, &b, &blen) == 0);
        break;
    case RDB_MSG_STATE:
        check(rdb_msg_state(m->epoch, m->version, m->hash, m->state_flags, &m->inc, &b, &blen) == 0);
        check(m->has_inc == (len == RDB_MSG_HDR + RDB_STATE_LEN));
        if (len == RDB_MSG_HDR + 24 || len == RDB_MSG_HDR + 32) {
            /* a STATE from before the flags (flags 0) or before incarnations (none): the same fields in
             * today's 48 bytes */
            check((len == RDB_MSG_HDR + 32 || m->state_flags == 0) && rdb_inc_none(&m->inc) &&
                  blen == RDB_MSG_HDR + RDB_STATE_LEN && !memcmp(data, b, 8) &&
                  !memcmp(data + RDB_MSG_HDR, b + RDB_MSG_HDR, len - RDB_MSG_HDR));
            free(b);
            return;
        }
        break;
    case RDB_MSG_CHUNK:
        check(m->off <= m->total && m->data_len <= m->total - m->off && m->data_len <= RDB_CHUNK_MAX);
        check(rdb_msg_chunk(m->epoch, m->version, m->hash, m->total, m->off, m->data, m->data_len, &b, &blen) == 0);
        break;
    case RDB_MSG_TX:
        check(m->nops >= 1 && m->nops <= RDB_TX_MAX_OPS);
        for (unsigned i = 0; i < m->nops; i++) {
            check(xvios_store_path_valid(m->ops[i].path, false));
            check(m->ops[i].len <= XVIOS_STORE_MAX_VALUE && m->ops[i].nperms <= XVIOS_STORE_MAX_PERMS);
        }
        check(m->nreads <= RDB_TX_MAX_READS);
        for (unsigned i = 0; i < m->nreads; i++)
            check(xvios_store_path_valid(m->reads[i].path, false));
        check(rdb_msg_tx(m->txid, m->base, m->domid, m->flags, m->ops, m->nops, m->reads, m->nreads, &b, &blen) == 0);
        break;
    default:
        check(0);
    }
    check_same(data, len, b, blen);
}

static void fuzz_msg(const uint8_t *data, size_t len)
{
    struct rdb_msg m;
    struct rdb_tree t;
    struct rdb_core c;
    const struct rdb_member self = { 1, 10 }, other = { 2, 20 };
    const struct rdb_member both[2] = { self, other };

    if (rdb_msg_decode(data, len, &m) == 0) {
        reencode(data, len, &m);
        rdb_msg_release(&m);
    }
    /* the same bytes delivered to a member that is synced with the sender */
    if (rdb_tree_init(&t) != 0)
        return;
    rdb_core_init(&c, self, &t, 5);
    check(rdb_core_confchg(&c, both, 2) == 0);
    c.mode = RDB_MODE_SYNCED;
    rdb_core_deliver(&c, other, data, len);
    check_tree(&c.tree);
    check(c.version == 5 || c.version == 6);
    rdb_core_free(&c);
}

static void fuzz_copy(const uint8_t *data, size_t len)
{
    struct rdb_tree t;
    uint8_t *b = NULL;
    size_t blen = 0;

    if (rdb_tree_decode(data, len, &t) != 0)
        return;
    check_tree(&t);
    check(rdb_tree_encode(&t, &b, &blen) == 0);
    check_same(data, len, b, blen);
    rdb_tree_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_copy(data + 1, size - 1);
    else
        fuzz_msg(data + 1, size - 1);
    return 0;
}
