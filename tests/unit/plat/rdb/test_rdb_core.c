/* SPDX-License-Identifier: MIT */
/*
 * test_rdb_core.c - the replicated DB's state machine (xen/plat/rdb/rdb_core.c)
 * on a simulated CPG: a bus that delivers every member's queued messages to
 * every member of the configuration in one total order, the sender
 * included. Proves: a configuration syncs to the highest version; at a tie
 * of versions the copy most members hold wins; a transaction whose read set
 * no longer holds fails with EAGAIN on every member alike and the sender
 * learns its outcome from its own message, while disjoint transactions from
 * one snapshot both commit; a transaction is applied whole or not at all; a
 * transaction delivered during a round is refused everywhere; a copy larger
 * than one chunk travels in chunks and only one member sends; a partition's
 * two sides merge onto the majority's copy; a round whose sender leaves is
 * replaced by a new one; a member whose copy arrives damaged is out of the
 * running; messages from non-members and malformed ones are counted and dropped.
 * Incarnations: copies of different incarnations never merge by version; at a
 * cold start the incarnation whose hosts hold a majority of the expected votes
 * wins, with no such majority no copy is chosen (undecided, transactions
 * refused) until a member of the missing host comes; serving members' copy
 * wins over any other incarnation; an empty serving copy does not wipe a copy
 * with data.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xen/plat/rdb/rdb_core.h"
#include "xen/plat/rdb/rdb_msg.h"
#include "xvios/rdb.h"

#define N 4

static struct rdb_core cores[N];
static unsigned changes[N];
static unsigned replaced[N];

static void on_change(void *ctx, char kind, const char *path)
{
    (void)kind;
    (void)path;
    changes[(uintptr_t)ctx]++;
}
static void on_replace(void *ctx) { replaced[(uintptr_t)ctx]++; }

/* member i runs on host (corosync nodeid) host_of[i]: i + 1 unless a test puts two members on one host */
static uint32_t host_of[N];
static struct rdb_member mem(unsigned i) { return (struct rdb_member){ .nodeid = host_of[i], .pid = 100 + i }; }

static void start(unsigned n)
{
    for (unsigned i = 0; i < N; i++)
        host_of[i] = i + 1;
    for (unsigned i = 0; i < n; i++) {
        struct rdb_tree t;
        assert_int_equal(rdb_tree_init(&t), 0);
        rdb_core_init(&cores[i], mem(i), &t, 0);
        cores[i].on_change = on_change;
        cores[i].on_replace = on_replace;
        cores[i].ctx = (void *)(uintptr_t)i;
        changes[i] = replaced[i] = 0;
    }
}

static void stop(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        rdb_core_free(&cores[i]);
}

/* A configuration: the members named by the bit mask (a partition: several disjoint masks). */
static void confchg(unsigned mask)
{
    struct rdb_member m[N];
    unsigned k = 0;
    for (unsigned i = 0; i < N; i++)
        if (mask & (1u << i))
            m[k++] = mem(i);
    for (unsigned i = 0; i < N; i++)
        if (mask & (1u << i))
            assert_int_equal(rdb_core_confchg(&cores[i], m, k), 0);
}

/* Deliver, inside the configuration mask, every queued message to every member in one order
 * (members take turns, lowest first), until nobody queues anything. Returns messages delivered. */
static unsigned settle(unsigned mask)
{
    unsigned total = 0;
    for (int rounds = 0; rounds < 1000; rounds++) {
        bool any = false;
        for (unsigned i = 0; i < N; i++) {
            uint8_t *b;
            size_t len;
            if (!(mask & (1u << i)) || !rdb_core_pop(&cores[i], &b, &len))
                continue;
            any = true;
            total++;
            for (unsigned j = 0; j < N; j++)
                if (mask & (1u << j))
                    rdb_core_deliver(&cores[j], mem(i), b, len);
            free(b);
        }
        if (!any)
            return total;
    }
    fail_msg("the members never stop sending");
    return total;
}

/* Member i multicasts a transaction of ops, delivered at once to the mask's members. Its read set (as
 * the store builds it): every path it changes, as member i's copy shows it now, plus extra. */
static void send_tx_reads(unsigned mask, unsigned i, uint64_t txid, uint32_t flags, const struct rdb_op *ops,
                          unsigned nops, const struct rdb_read *extra, unsigned nextra)
{
    struct rdb_read reads[128];
    uint8_t *b;
    size_t len;
    unsigned nr = 0;
    assert_true(nops + nextra <= 128);
    for (unsigned k = 0; k < nops && (flags & RDB_TX_CHECK); k++) {
        rdb_tree_observe(&cores[i].tree, ops[k].path, RDB_READ_MVER, &reads[nr]);
        reads[nr++].path = ops[k].path;
    }
    for (unsigned k = 0; k < nextra; k++)
        reads[nr++] = extra[k];
    assert_int_equal(rdb_msg_tx(txid, cores[i].version, 0, flags, ops, nops, reads, nr, &b, &len), 0);
    for (unsigned j = 0; j < N; j++)
        if (mask & (1u << j))
            rdb_core_deliver(&cores[j], mem(i), b, len);
    free(b);
}

static void send_tx(unsigned mask, unsigned i, uint64_t txid, uint32_t flags, const struct rdb_op *ops, unsigned nops)
{
    send_tx_reads(mask, i, txid, flags, ops, nops, NULL, 0);
}

static void write1(unsigned mask, unsigned i, uint64_t txid, const char *path, const char *val)
{
    struct rdb_op op = { .kind = RDB_OP_WRITE, .path = (char *)path, .val = (char *)val, .len = strlen(val) };
    send_tx(mask, i, txid, RDB_TX_CHECK, &op, 1);
}

/* Deliver messages one at a time (members in turn) until member watch has a transfer running. */
static void until_transfer(unsigned mask, unsigned watch)
{
    for (int rounds = 0; rounds < 100 && !cores[watch].xfer; rounds++)
        for (unsigned i = 0; i < N && !cores[watch].xfer; i++) {
            uint8_t *b;
            size_t len;
            if (!(mask & (1u << i)) || !rdb_core_pop(&cores[i], &b, &len))
                continue;
            for (unsigned j = 0; j < N; j++)
                if (mask & (1u << j))
                    rdb_core_deliver(&cores[j], mem(i), b, len);
            free(b);
        }
    assert_true(cores[watch].xfer);
}

static uint64_t hash_of(unsigned i)
{
    uint64_t h = 0;
    assert_int_equal(rdb_tree_hash(&cores[i].tree, &h), 0);
    return h;
}

static void assert_same(unsigned mask)
{
    unsigned first = 0;
    while (!(mask & (1u << first)))
        first++;
    for (unsigned i = first + 1; i < N; i++) {
        if (!(mask & (1u << i)))
            continue;
        assert_true(cores[i].version == cores[first].version);
        assert_true(hash_of(i) == hash_of(first));
    }
}

static const char *mode_name_of(unsigned i) { return rdb_mode_name(cores[i].mode); }

static const char *val_of(unsigned i, const char *path)
{
    const struct rdb_node *nd = rdb_tree_get(&cores[i].tree, path);
    return nd ? nd->val : NULL;
}

static void test_form_and_apply(void **state)
{
    (void)state;
    start(3);
    assert_int_equal(cores[0].mode, RDB_MODE_OUTSIDE);
    confchg(7);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(cores[i].mode, RDB_MODE_SYNCING);
    /* a transaction delivered during the round is refused by everyone alike */
    write1(7, 1, 1, "/early", "x");
    for (unsigned i = 0; i < 3; i++) {
        assert_null(val_of(i, "/early"));
        assert_int_equal(cores[i].st.refused, 1);
    }
    assert_int_equal(cores[1].done_txid, 1);
    assert_int_equal(cores[1].done_rc, -EAGAIN);
    assert_true(cores[1].done_in_round);   /* refused for the round: its sender sends it again */
    /* SYNC_START from the lowest member only, then 3 STATEs: equal copies, nothing sent */
    assert_int_equal(cores[1].nout, 0);
    assert_int_equal(settle(7), 1 + 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(cores[i].mode, RDB_MODE_SYNCED);
        assert_int_equal(cores[i].st.rounds, 1);
        assert_int_equal(cores[i].st.sent_chunks, 0);
    }
    /* applied by all; the sender learns the outcome; watchers hear the changes */
    write1(7, 2, 7, "/pool/lu1", "1G");
    for (unsigned i = 0; i < 3; i++) {
        assert_string_equal(val_of(i, "/pool/lu1"), "1G");
        assert_int_equal(cores[i].version, 1);
        assert_int_equal(changes[i], 2);   /* /pool created, /pool/lu1 created */
    }
    assert_int_equal(cores[2].done_txid, 7);
    assert_int_equal(cores[2].done_rc, 0);
    assert_int_equal(cores[0].done_txid, 0);   /* not its transaction */
    /* two racing transactions saw /counter absent: the first in the order wins, the second fails everywhere */
    struct rdb_op a = { .kind = RDB_OP_WRITE, .path = "/counter", .val = "a", .len = 1 };
    struct rdb_op b = { .kind = RDB_OP_WRITE, .path = "/counter", .val = "b", .len = 1 };
    struct rdb_read saw_b;
    rdb_tree_observe(&cores[1].tree, "/counter", RDB_READ_MVER, &saw_b);   /* taken before a is applied */
    saw_b.path = "/counter";
    send_tx(7, 0, 1, RDB_TX_CHECK, &a, 1);
    send_tx_reads(7, 1, 2, RDB_TX_CHECK, &b, 1, &saw_b, 1);
    for (unsigned i = 0; i < 3; i++) {
        assert_string_equal(val_of(i, "/counter"), "a");
        assert_int_equal(cores[i].version, 2);
        assert_int_equal(cores[i].st.conflicts, 1);
    }
    assert_int_equal(cores[0].done_rc, 0);
    assert_int_equal(cores[1].done_rc, -EAGAIN);
    assert_false(cores[1].done_in_round);  /* a conflict: the caller's transaction starts over */
    /* a write that does not check goes in anyway */
    send_tx_reads(7, 1, 3, 0, &b, 1, &saw_b, 1);
    assert_int_equal(cores[1].done_rc, 0);
    assert_string_equal(val_of(0, "/counter"), "b");
    /* all or nothing: the second operation fails (domain 0 removing an absent node), the first is undone */
    struct rdb_op two[2] = { { .kind = RDB_OP_WRITE, .path = "/half", .val = "1", .len = 1 },
                             { .kind = RDB_OP_RM, .path = "/absent" } };
    send_tx(7, 0, 4, RDB_TX_CHECK, two, 2);
    for (unsigned i = 0; i < 3; i++) {
        assert_null(val_of(i, "/half"));
        assert_int_equal(cores[i].version, 3);   /* a, then the unchecked b */
        assert_int_equal(cores[i].st.failed, 1);
    }
    assert_int_equal(cores[0].done_rc, -ENOENT);
    assert_same(7);
    stop(3);
}

static void test_joiner_takes_highest(void **state)
{
    (void)state;
    start(3);
    confchg(3);              /* members 0 and 1 */
    settle(3);
    for (int k = 0; k < 5; k++)
        write1(3, 0, (uint64_t)k + 1, "/k", "v");
    assert_int_equal(cores[0].version, 5);
    /* member 2 joins with an empty copy at version 0: it takes member 0's */
    confchg(7);
    settle(7);
    assert_same(7);
    assert_int_equal(cores[2].version, 5);
    assert_int_equal(cores[2].st.loads, 1);
    assert_int_equal(replaced[2], 1);
    assert_int_equal(cores[0].st.loads, 0);
    /* only the lowest holder sent */
    assert_int_equal(cores[0].st.sent_chunks, 1);
    assert_int_equal(cores[1].st.sent_chunks, 0);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(cores[i].mode, RDB_MODE_SYNCED);
    /* and takes part at once */
    write1(7, 2, 9, "/from2", "y");
    assert_string_equal(val_of(0, "/from2"), "y");
    assert_same(7);
    stop(3);
}

static void test_big_copy_in_chunks(void **state)
{
    (void)state;
    static char v[XVIOS_STORE_MAX_VALUE];
    memset(v, 'z', sizeof(v));
    start(2);
    confchg(1);
    settle(1);
    /* 100 values of 4 KiB: ~400 KiB, 7 chunks of 60 KiB */
    struct rdb_op ops[100];
    char paths[100][16];
    for (unsigned i = 0; i < 100; i++) {
        snprintf(paths[i], sizeof(paths[i]), "/big/%u", i);
        ops[i] = (struct rdb_op){ .kind = RDB_OP_WRITE, .path = paths[i], .val = v, .len = sizeof(v) };
    }
    send_tx(1, 0, 1, RDB_TX_CHECK, ops, 100);
    assert_int_equal(cores[0].version, 1);
    confchg(3);
    settle(3);
    assert_same(3);
    assert_true(cores[0].st.sent_chunks >= 7);
    assert_int_equal(cores[1].st.loads, 1);
    assert_int_equal(rdb_tree_get(&cores[1].tree, "/big/99")->len, sizeof(v));
    stop(2);
}

static void test_partition_and_heal(void **state)
{
    (void)state;
    start(3);
    confchg(7);
    settle(7);
    write1(7, 0, 1, "/before", "1");
    /* the partition: {0,1} and {2}; only the majority writes (quorum is checked by the sender) */
    confchg(3);
    struct rdb_member alone = mem(2);
    assert_int_equal(rdb_core_confchg(&cores[2], &alone, 1), 0);
    settle(3);
    settle(4);
    for (int k = 0; k < 3; k++)
        write1(3, 1, (uint64_t)k + 10, "/majority", "m");
    assert_int_equal(cores[0].version, 4);
    assert_int_equal(cores[2].version, 1);
    /* heal: the minority takes the majority's copy */
    confchg(7);
    settle(7);
    assert_same(7);
    assert_string_equal(val_of(2, "/majority"), "m");
    assert_int_equal(cores[2].st.loads, 1);

    /* a tie at one version, different contents (a write that slipped into a minority): the copy more
     * members hold wins, whatever the member ids */
    confchg(1);
    struct rdb_member two[2] = { mem(1), mem(2) };
    assert_int_equal(rdb_core_confchg(&cores[1], two, 2), 0);
    assert_int_equal(rdb_core_confchg(&cores[2], two, 2), 0);
    settle(1);
    settle(6);
    write1(1, 0, 20, "/side", "minority");
    write1(6, 1, 21, "/side", "majority");
    assert_int_equal(cores[0].version, cores[1].version);
    confchg(7);
    settle(7);
    assert_same(7);
    assert_string_equal(val_of(0, "/side"), "majority");
    stop(3);
}

/* The apply-side quorum check: a transaction delivered after the totem change that left its ring without a
 * majority of the votes fails with EROFS on every member of that ring (its sender learns it), although
 * the sender had not yet heard from the quorum service; the majority's ring applies its own. */
static void test_apply_side_quorum(void **state)
{
    (void)state;
    start(3);
    for (unsigned i = 0; i < 3; i++)
        rdb_core_ring(&cores[i], 3, 3);
    confchg(7);
    settle(7);
    write1(7, 0, 1, "/before", "1");
    assert_int_equal(cores[2].version, 1);
    assert_int_equal(cores[2].done_rc, 0);

    /* partition {0,1} | {2}: the totem changes come first in each side's order */
    rdb_core_ring(&cores[0], 2, 3);
    rdb_core_ring(&cores[1], 2, 3);
    rdb_core_ring(&cores[2], 1, 3);
    confchg(3);
    struct rdb_member alone = mem(2);
    assert_int_equal(rdb_core_confchg(&cores[2], &alone, 1), 0);
    settle(3);
    settle(4);
    /* member 2 sends before it knows: its own ring refuses the transaction at apply time */
    write1(4, 2, 2, "/minority", "x");
    assert_int_equal(cores[2].done_txid, 2);
    assert_int_equal(cores[2].done_rc, -EROFS);
    assert_int_equal(cores[2].version, 1);
    assert_null(val_of(2, "/minority"));
    assert_int_equal(cores[2].st.no_quorum, 1);
    /* the majority's ring (2 of 3 votes) applies */
    write1(3, 1, 3, "/majority", "m");
    assert_int_equal(cores[1].done_rc, 0);
    assert_int_equal(cores[0].version, 2);
    assert_int_equal(cores[0].st.no_quorum, 0);
    /* exactly half is no majority: 2 of 4 votes */
    rdb_core_ring(&cores[0], 2, 4);
    rdb_core_ring(&cores[1], 2, 4);
    write1(3, 0, 4, "/half", "h");
    assert_int_equal(cores[0].done_rc, -EROFS);
    assert_int_equal(cores[1].version, 2);
    /* no expected votes: no apply-side check */
    rdb_core_ring(&cores[2], 1, 0);
    write1(4, 2, 5, "/unchecked", "u");
    assert_int_equal(cores[2].done_rc, 0);
    assert_int_equal(cores[2].version, 2);

    /* healed: one ring of all votes, the minority takes the majority's copy and writes again */
    for (unsigned i = 0; i < 3; i++)
        rdb_core_ring(&cores[i], 3, 3);
    confchg(7);
    settle(7);
    assert_same(7);
    assert_string_equal(val_of(2, "/majority"), "m");
    write1(7, 2, 6, "/after", "a");
    assert_int_equal(cores[2].done_rc, 0);
    assert_same(7);
    stop(3);
}

/* A member coming back with a copy the serving DB never had, at a higher version (a host's copy of a
 * cluster destroyed and created again while it was away): it takes the serving members' copy, whatever
 * the versions say. A member that was synced only in a ring without a majority does not serve. */
static void test_stale_copy_does_not_win(void **state)
{
    (void)state;
    start(3);
    for (unsigned i = 0; i < 3; i++)
        rdb_core_ring(&cores[i], 2, 3);
    confchg(3);                  /* members 0 and 1: 2 of 3 votes, they serve */
    settle(3);
    for (int k = 0; k < 3; k++)
        write1(3, 0, (uint64_t)k + 1, "/live", "l");
    assert_true(cores[0].serving && cores[1].serving);
    assert_int_equal(cores[0].version, 3);

    /* member 2, alone, with nothing expected (its old cluster's copy): ten writes, version 10 */
    struct rdb_member alone = mem(2);
    rdb_core_ring(&cores[2], 1, 0);
    assert_int_equal(rdb_core_confchg(&cores[2], &alone, 1), 0);
    settle(4);
    for (int k = 0; k < 10; k++)
        write1(4, 2, (uint64_t)k + 100, "/stale", "s");
    assert_int_equal(cores[2].version, 10);
    /* in today's ring it holds 1 of 3 votes: its copy no longer serves */
    rdb_core_ring(&cores[2], 1, 3);
    assert_false(cores[2].serving);

    /* it joins: every member sees 3 of 3 votes; the serving copy (version 3) wins over version 10 */
    for (unsigned i = 0; i < 3; i++)
        rdb_core_ring(&cores[i], 3, 3);
    confchg(7);
    settle(7);
    assert_same(7);
    assert_int_equal(cores[2].version, 3);
    assert_null(val_of(2, "/stale"));
    assert_string_equal(val_of(2, "/live"), "l");
    assert_int_equal(cores[2].st.loads, 1);
    assert_int_equal(cores[0].st.loads, 0);
    assert_int_equal(cores[1].st.loads, 0);
    for (unsigned i = 0; i < 3; i++)
        assert_true(cores[i].serving);

    /* a partition {0} | {1,2}: 0 is a minority and stops serving; the majority writes on; healed, 0 takes it */
    rdb_core_ring(&cores[0], 1, 3);
    rdb_core_ring(&cores[1], 2, 3);
    rdb_core_ring(&cores[2], 2, 3);
    assert_false(cores[0].serving);
    struct rdb_member zero = mem(0);
    assert_int_equal(rdb_core_confchg(&cores[0], &zero, 1), 0);
    confchg(6);
    settle(1);
    settle(6);
    assert_false(cores[0].serving);
    write1(6, 1, 200, "/after", "a");
    for (unsigned i = 0; i < 3; i++)
        rdb_core_ring(&cores[i], 3, 3);
    confchg(7);
    settle(7);
    assert_same(7);
    assert_string_equal(val_of(0, "/after"), "a");
    stop(3);
}


/* Member i's copy replaced by one of incarnation hex (NULL: none) holding /xvios/data = data, at version. */
static void seed(unsigned i, const char *hex, const char *data, uint64_t version)
{
    struct rdb_tree t;
    struct rdb_op op = { .kind = RDB_OP_WRITE, .path = (char *)"/xvios/data", .val = (char *)data, .len = strlen(data) };
    rdb_core_free(&cores[i]);
    assert_int_equal(rdb_tree_init(&t), 0);
    assert_int_equal(rdb_tree_apply(&t, 0, &op, 1, NULL, NULL), 0);
    if (hex) {
        op = (struct rdb_op){ .kind = RDB_OP_WRITE, .path = (char *)XVIOS_RDB_INCARNATION, .val = (char *)hex,
                              .len = strlen(hex) };
        assert_int_equal(rdb_tree_apply(&t, 0, &op, 1, NULL, NULL), 0);
    }
    rdb_core_init(&cores[i], mem(i), &t, version);
    cores[i].on_change = on_change;
    cores[i].on_replace = on_replace;
    cores[i].ctx = (void *)(uintptr_t)i;
}

static const char INC_A[] = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";
static const char INC_B[] = "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

static bool holds(unsigned i, const char *hex)
{
    struct rdb_inc inc;
    char t[RDB_INC_HEX + 1];
    rdb_inc_of(&cores[i].tree, &inc);
    return !strcmp(rdb_inc_text(&inc, t), hex);
}

static void ring_all(unsigned n, uint32_t votes, uint32_t expected)
{
    for (unsigned i = 0; i < n; i++)
        rdb_core_ring(&cores[i], votes, expected);
}

/* Every member restarts from its state file at once (one configuration, nobody serving): hosts 1 and 3
 * hold incarnation A (versions 5 and 3), host 2 a copy of B at version 20. A holds 2 of 3 votes: its
 * newest copy wins, version 20 notwithstanding; every member serves after. */
static void test_cold_start_majority_incarnation(void **state)
{
    (void)state;
    start(3);
    seed(0, INC_A, "a5", 5);
    seed(1, INC_B, "b20", 20);
    seed(2, INC_A, "a3", 3);
    ring_all(3, 3, 3);
    confchg(7);
    settle(7);
    assert_same(7);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(cores[i].mode, RDB_MODE_SYNCED);
        assert_true(cores[i].serving);
        assert_true(holds(i, INC_A));
        assert_int_equal(cores[i].version, 5);
        assert_string_equal(val_of(i, "/xvios/data"), "a5");
    }
    assert_int_equal(cores[1].st.inc_taken, 1);
    assert_int_equal(cores[1].st.loads, 1);
    assert_int_equal(cores[0].st.inc_taken + cores[2].st.inc_taken, 0);
    assert_int_equal(cores[0].st.sent_chunks > 0, 1);
    /* a mutation check: the same round without the incarnations (none everywhere) takes version 20 */
    seed(0, NULL, "a5", 5);
    seed(1, NULL, "b20", 20);
    seed(2, NULL, "a3", 3);
    ring_all(3, 3, 3);
    confchg(7);
    settle(7);
    assert_same(7);
    assert_string_equal(val_of(0, "/xvios/data"), "b20");
    stop(3);
}

/* The members come one by one, as processes do: the first, alone with 1 of 3 votes, syncs its own copy
 * but does not serve; with the stale host's member next, A and B hold a vote each: no copy is chosen,
 * both keep their own, a transaction is refused and neither serves; the third host's member (A) makes A a
 * majority: the stale member takes A's newest copy. */
static void test_cold_start_undecided_until_majority(void **state)
{
    (void)state;
    start(3);
    seed(0, INC_A, "a5", 5);
    seed(1, INC_B, "b20", 20);
    seed(2, INC_A, "a3", 3);
    ring_all(3, 3, 3);
    struct rdb_member one = mem(1);
    assert_int_equal(rdb_core_confchg(&cores[1], &one, 1), 0);
    settle(2);
    assert_int_equal(cores[1].mode, RDB_MODE_SYNCED);
    assert_false(cores[1].serving);          /* its copy was held by 1 of 3 votes */
    confchg(3);
    settle(3);
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(cores[i].mode, RDB_MODE_UNDECIDED);
        assert_false(cores[i].serving);
        assert_int_equal(cores[i].st.undecided, 1);
        assert_int_equal(cores[i].st.loads, 0);
    }
    assert_string_equal(mode_name_of(0), "undecided");
    assert_true(holds(0, INC_A) && holds(1, INC_B));
    assert_int_equal(cores[1].version, 20);
    write1(3, 0, 1, "/x", "refused");
    assert_int_equal(cores[0].done_rc, -EAGAIN);
    assert_int_equal(cores[0].version, 5);
    assert_int_equal(cores[1].version, 20);
    assert_null(val_of(1, "/x"));
    confchg(7);
    settle(7);
    assert_same(7);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(cores[i].mode, RDB_MODE_SYNCED);
        assert_true(cores[i].serving);
        assert_true(holds(i, INC_A));
        assert_string_equal(val_of(i, "/xvios/data"), "a5");
    }
    assert_int_equal(cores[1].st.inc_taken, 1);
    write1(7, 1, 2, "/after", "ok");
    assert_int_equal(cores[1].done_rc, 0);
    stop(3);
}

static uint32_t weighted(void *ctx, uint32_t nodeid)
{
    (void)ctx;
    return nodeid == 1 ? 3 : 1;
}

/* The votes weigh hosts, not members: host 1 with 3 of 5 votes holds A, hosts 2 and 3 (1 vote each)
 * hold B at a higher version: A wins. A host whose members hold two incarnations counts for neither.
 * With no expected votes (the apply-side check off) nothing can be a majority: undecided. */
static void test_cold_start_votes_per_host(void **state)
{
    (void)state;
    start(3);
    seed(0, INC_A, "a2", 2);
    seed(1, INC_B, "b9", 9);
    seed(2, INC_B, "b8", 8);
    for (unsigned i = 0; i < 3; i++)
        cores[i].node_votes = weighted;
    ring_all(3, 5, 5);
    confchg(7);
    settle(7);
    assert_same(7);
    assert_true(holds(2, INC_A));
    assert_string_equal(val_of(2, "/xvios/data"), "a2");
    stop(3);

    /* four members, members 2 and 3 on host 3 with A and B: hosts 1 (A), 2 (B), 3 (neither) */
    start(4);
    host_of[3] = 3;
    seed(0, INC_A, "a5", 5);
    seed(1, INC_B, "b9", 9);
    seed(2, INC_A, "a4", 4);
    seed(3, INC_B, "b2", 2);
    ring_all(4, 3, 3);
    confchg(15);
    settle(15);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(cores[i].mode, RDB_MODE_UNDECIDED);
    stop(4);

    start(2);
    seed(0, INC_A, "a5", 5);
    seed(1, INC_B, "b9", 9);
    ring_all(2, 2, 0);
    confchg(3);
    settle(3);
    assert_int_equal(cores[0].mode, RDB_MODE_UNDECIDED);
    assert_int_equal(cores[1].mode, RDB_MODE_UNDECIDED);
    stop(2);
}

/* A running cluster: its serving members' incarnation wins over a member coming back with a copy of
 * another incarnation at a higher version; an empty member that serves (nothing ever written where it
 * synced) does not wipe a member's copy: the copy with data is taken. */
static void test_serving_incarnation_wins(void **state)
{
    (void)state;
    start(3);
    seed(0, INC_A, "a4", 4);
    seed(1, INC_A, "a4", 4);
    seed(2, INC_B, "b30", 30);
    ring_all(3, 3, 3);
    confchg(3);
    settle(3);
    assert_true(cores[0].serving && cores[1].serving);
    confchg(7);
    settle(7);
    assert_same(7);
    assert_true(holds(2, INC_A));
    assert_int_equal(cores[2].version, 4);
    assert_int_equal(cores[2].st.inc_taken, 1);
    stop(3);

    start(2);
    ring_all(2, 3, 3);
    struct rdb_member zero = mem(0);
    assert_int_equal(rdb_core_confchg(&cores[0], &zero, 1), 0);
    settle(1);
    assert_true(cores[0].serving);           /* a new DB: nothing held anywhere */
    seed(1, INC_A, "a7", 7);
    confchg(3);
    settle(3);
    assert_same(3);
    assert_int_equal(cores[0].version, 7);
    assert_string_equal(val_of(0, "/xvios/data"), "a7");
    stop(2);
}

static void test_sender_leaves_mid_round(void **state)
{
    (void)state;
    start(3);
    confchg(1);
    settle(1);
    write1(1, 0, 1, "/x", "1");
    confchg(7);
    /* deliver SYNC_START and the STATEs, then drop the copy member 0 queued: it leaves */
    uint8_t *b;
    size_t len;
    until_transfer(7, 1);
    assert_true(cores[1].xneed);
    while (rdb_core_pop(&cores[0], &b, &len))
        free(b);
    assert_int_equal(cores[1].mode, RDB_MODE_SYNCING);
    /* members 1 and 2 go on alone: both at version 0 and empty, a round without a transfer */
    struct rdb_member two[2] = { mem(1), mem(2) };
    assert_int_equal(rdb_core_confchg(&cores[1], two, 2), 0);
    assert_int_equal(rdb_core_confchg(&cores[2], two, 2), 0);
    settle(6);
    assert_int_equal(cores[1].mode, RDB_MODE_SYNCED);
    assert_int_equal(cores[2].mode, RDB_MODE_SYNCED);
    assert_same(6);
    assert_null(val_of(1, "/x"));
    /* member 0 comes back with the higher version: everyone takes its copy */
    confchg(7);
    settle(7);
    assert_same(7);
    assert_string_equal(val_of(2, "/x"), "1");
    stop(3);
}

static void test_damaged_copy_and_strangers(void **state)
{
    (void)state;
    start(2);
    confchg(1);
    settle(1);
    write1(1, 0, 1, "/x", "1");
    confchg(3);
    until_transfer(3, 1);   /* SYNC_START + STATEs */
    /* member 0's copy, one byte changed on the way: the hash does not match */
    uint8_t *b;
    size_t len;
    assert_true(rdb_core_pop(&cores[0], &b, &len));
    b[len - 1] ^= 0x40;
    rdb_core_deliver(&cores[0], mem(0), b, len);
    rdb_core_deliver(&cores[1], mem(0), b, len);
    free(b);
    assert_int_equal(cores[1].mode, RDB_MODE_BROKEN);
    assert_int_equal(cores[0].mode, RDB_MODE_SYNCED);
    /* a broken member refuses transactions: its copy is not the others' */
    write1(3, 1, 5, "/y", "2");
    assert_int_equal(cores[1].done_rc, -EAGAIN);
    /* a non-member's and a malformed message are counted and dropped */
    uint8_t junk[20] = { 0 };
    assert_int_equal(rdb_core_deliver(&cores[0], mem(3), junk, sizeof(junk)), -EPROTO);
    assert_int_equal(rdb_core_deliver(&cores[0], mem(1), junk, sizeof(junk)), -EPROTO);
    assert_int_equal(cores[0].st.bad_msgs, 2);
    /* the next round repairs the broken member */
    confchg(3);
    settle(3);
    assert_same(3);
    assert_int_equal(cores[1].mode, RDB_MODE_SYNCED);
    /* a configuration without this member is refused */
    struct rdb_member other = mem(3);
    assert_int_equal(rdb_core_confchg(&cores[0], &other, 1), -EINVAL);
    assert_int_equal(cores[0].mode, RDB_MODE_OUTSIDE);
    stop(2);
}


static void test_per_node_conflicts(void **state)
{
    (void)state;
    start(2);
    confchg(3);
    settle(3);
    write1(3, 0, 1, "/dir/old", "1");
    /* both members take their snapshots now (version 1) */
    struct rdb_read saw0[1], saw1[2];
    rdb_tree_observe(&cores[0].tree, "/x", RDB_READ_MVER, &saw0[0]);
    saw0[0].path = "/x";
    rdb_tree_observe(&cores[1].tree, "/y", RDB_READ_MVER, &saw1[0]);
    saw1[0].path = "/y";
    rdb_tree_observe(&cores[1].tree, "/dir", RDB_READ_CVER, &saw1[1]);   /* member 1 listed /dir */
    saw1[1].path = "/dir";
    /* disjoint changes from the same snapshot: both commit (the loopback store would refuse the second) */
    struct rdb_op x = { .kind = RDB_OP_WRITE, .path = "/x", .val = "x", .len = 1 };
    struct rdb_op y = { .kind = RDB_OP_WRITE, .path = "/y", .val = "y", .len = 1 };
    send_tx_reads(3, 0, 2, RDB_TX_CHECK, &x, 1, saw0, 1);
    assert_int_equal(cores[0].done_rc, 0);
    send_tx_reads(3, 1, 3, RDB_TX_CHECK, &y, 1, saw1, 1);
    assert_int_equal(cores[1].done_rc, 0);
    assert_int_equal(cores[0].version, 3);
    /* a new child of /dir after member 1 listed it: its transaction fails */
    struct rdb_op d = { .kind = RDB_OP_WRITE, .path = "/dir/new", .val = "n", .len = 1 };
    send_tx(3, 0, 4, RDB_TX_CHECK, &d, 1);
    struct rdb_op z = { .kind = RDB_OP_WRITE, .path = "/z", .val = "z", .len = 1 };
    send_tx_reads(3, 1, 5, RDB_TX_CHECK, &z, 1, saw1 + 1, 1);
    assert_int_equal(cores[1].done_rc, -EAGAIN);
    assert_null(val_of(0, "/z"));
    /* a changed value of a child does not change the listing */
    rdb_tree_observe(&cores[1].tree, "/dir", RDB_READ_CVER, &saw1[1]);
    saw1[1].path = "/dir";
    write1(3, 0, 6, "/dir/old", "2");
    send_tx_reads(3, 1, 7, RDB_TX_CHECK, &z, 1, saw1 + 1, 1);
    assert_int_equal(cores[1].done_rc, 0);
    assert_same(3);
    stop(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_and_apply),
        cmocka_unit_test(test_per_node_conflicts),
        cmocka_unit_test(test_joiner_takes_highest),
        cmocka_unit_test(test_big_copy_in_chunks),
        cmocka_unit_test(test_partition_and_heal),
        cmocka_unit_test(test_sender_leaves_mid_round),
        cmocka_unit_test(test_apply_side_quorum),
        cmocka_unit_test(test_stale_copy_does_not_win),
        cmocka_unit_test(test_damaged_copy_and_strangers),
        cmocka_unit_test(test_cold_start_majority_incarnation),
        cmocka_unit_test(test_cold_start_undecided_until_majority),
        cmocka_unit_test(test_cold_start_votes_per_host),
        cmocka_unit_test(test_serving_incarnation_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
