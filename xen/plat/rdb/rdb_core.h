/* SPDX-License-Identifier: MIT */
/*
 * rdb_core.h - the replicated DB's state machine (xen/plat/rdb/), pure: it
 * is fed the CPG events in their agreed order (configuration changes and
 * delivered messages) and answers with the messages to multicast (its
 * outbox). Every member of one configuration is fed the same sequence, so
 * every member takes the same decisions. docs/multihost.md has the design.
 *
 *   confchg       -> SYNCING; the lowest member (nodeid, pid) queues SYNC_START(epoch)
 *   SYNC_START(e) -> the round is e; every member queues STATE(e, version, hash)
 *   all STATEs(e) -> the chosen copy. Holders: members whose copy is not empty (version > 0); each
 *                    copy has an incarnation (rdb_inc.h). The candidates: the serving holders when
 *                    there are any (synced in a ring holding a majority of the votes up to this round,
 *                    no ring without one since); else, when the holders hold one incarnation, every
 *                    holder; else (a cold start with copies of several lives of the cluster) the
 *                    holders of the incarnation whose hosts hold a majority of the expected votes
 *                    (a host counts for an incarnation when all its holders hold it), and with no
 *                    such majority no copy: UNDECIDED. Among the candidates: the highest version;
 *                    at that version the copy most of them hold, then the lowest member's. Copies of
 *                    different incarnations thus never compete by version. A round with an older
 *                    member's STATE (no incarnation) decides as before incarnations. The round's
 *                    members serve after it when the ring is quorate and a serving holder was among
 *                    them, or the candidates' hosts hold a majority of the expected votes, or no
 *                    member held anything. When every member holds the chosen copy: SYNCED.
 *                    Else the lowest member holding it queues its copy in CHUNKs (only it sends);
 *   last CHUNK    -> members whose copy differed load it (hash checked); all are SYNCED.
 *   TX            -> SYNCED: applied when every node of its read set is still as it saw it (or it
 *                    does not check): nodes it read, listed or changed (XenStore's per-node conflicts),
 *                    all its operations or none (one failing, or a copy growing over RDB_MAX_DUMP,
 *                    fails it everywhere); the version counts applied transactions.
 *                    Not SYNCED, or a stale read: refused alike by every member (-EAGAIN).
 */
#ifndef XVIOS_RDB_CORE_H
#define XVIOS_RDB_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdb_inc.h"
#include "rdb_tree.h"

#define RDB_MAX_MEMBERS 128u   /* CPG_MEMBERS_MAX */

struct rdb_member {
    uint32_t nodeid;
    uint32_t pid;
};

enum rdb_mode {
    RDB_MODE_OUTSIDE = 0,   /* not in a configuration yet */
    RDB_MODE_SYNCING = 1,   /* a sync round runs: transactions are refused */
    RDB_MODE_SYNCED  = 2,
    RDB_MODE_BROKEN  = 3,   /* a copy sent to this member did not load: out of the running until the next round */
    RDB_MODE_UNDECIDED = 4, /* the round chose no copy: copies of different incarnations, no member serving and
                             * none held by a majority of the votes; transactions refused until a round decides */
};
const char *rdb_mode_name(enum rdb_mode m);

struct rdb_out {
    uint8_t *buf;
    size_t len;
};

struct rdb_core_stats {
    uint64_t applied;      /* transactions applied */
    uint64_t conflicts;    /* refused: stale base version */
    uint64_t refused;      /* refused: delivered while not SYNCED */
    uint64_t failed;       /* refused: an operation failed (access, absent node, bounds) */
    uint64_t rounds;       /* sync rounds finished */
    uint64_t loads;        /* copies taken from another member */
    uint64_t sent_chunks;
    uint64_t bad_msgs;     /* messages that failed rdb_msg_decode or came from no member */
    uint64_t no_quorum;    /* refused at apply time: the ring had no majority of the votes (-EROFS) */
    uint64_t undecided;    /* rounds that chose no copy (incarnations without a majority) */
    uint64_t inc_taken;    /* rounds in which this member's copy of another incarnation was replaced */
};

struct rdb_core {
    struct rdb_tree tree;
    uint64_t version;
    enum rdb_mode mode;
    struct rdb_member self;
    struct rdb_member members[RDB_MAX_MEMBERS];   /* sorted */
    unsigned nmembers;

    uint64_t epoch;                 /* the round (0: none yet in this configuration) */
    uint32_t epoch_counter;
    struct {
        bool have;
        bool serving;
        bool has_inc;               /* its STATE carried an incarnation (an older member's does not) */
        struct rdb_inc inc;
        uint64_t version, hash;
    } states[RDB_MAX_MEMBERS];
    /* This member's copy is the serving DB's: it was synced in a ring holding a majority of the votes
     * (or no votes are expected) and no ring without a majority came since. False at start (a copy
     * loaded from a file serves nobody until a round says so). */
    bool serving;

    bool xfer;                      /* a copy is being sent */
    bool xneed;                     /* ... and this member takes it */
    bool serve_after;               /* the round's members serve once it ends (decide) */
    struct rdb_member leader;
    uint64_t xversion, xhash;
    uint32_t xtotal, xgot;
    uint8_t *xbuf;

    struct rdb_out *out;            /* FIFO of encoded messages to multicast */
    unsigned nout, capout;

    /* The apply-side quorum check: the votes of the corosync ring this member is in, as the last totem
     * configuration change delivered in the agreed order says, against the votes the cluster expects
     * (0: no check). A transaction delivered while the ring holds no majority fails with -EROFS on every
     * member of that ring alike. */
    uint32_t ring_votes, expected_votes;
    /* The votes of a corosync node (its nodeid) in corosync.conf's nodelist, weighing the hosts that hold an
     * incarnation at a cold start; NULL: one vote each. */
    uint32_t (*node_votes)(void *ctx, uint32_t nodeid);

    uint64_t done_txid;             /* this member's last transaction whose outcome came back */
    int done_rc;
    bool done_in_round;             /* ... refused (-EAGAIN) because a sync round ran, not for a conflict */

    struct rdb_core_stats st;
    rdb_change_fn on_change;        /* a node changed by an applied transaction */
    void (*on_replace)(void *ctx);  /* the copy was replaced by another member's */
    void *ctx;
};

/* The corosync ring changed (a totem configuration change, delivered at its place in the agreed order):
 * its members hold votes of the expected. Transactions delivered after it are applied only while
 * 2 x votes > expected (expected 0: no apply-side check). */
void rdb_core_ring(struct rdb_core *c, uint32_t votes, uint32_t expected);

/* Start with tree (ownership passes) at version. */
void rdb_core_init(struct rdb_core *c, struct rdb_member self, struct rdb_tree *tree, uint64_t version);
void rdb_core_free(struct rdb_core *c);
/* A configuration change: the members now (any order, <= RDB_MAX_MEMBERS). -EINVAL if self is not one. */
int  rdb_core_confchg(struct rdb_core *c, const struct rdb_member *members, unsigned n);
/* A message delivered from member from: 0, or -EPROTO (counted, dropped), -ENOMEM. */
int  rdb_core_deliver(struct rdb_core *c, struct rdb_member from, const uint8_t *buf, size_t len);
/* Take the oldest queued message (ownership passes): true, or false when none. */
bool rdb_core_pop(struct rdb_core *c, uint8_t **buf, size_t *len);
/* Put a message taken by rdb_core_pop back at the head (its send must be retried). */
void rdb_core_unpop(struct rdb_core *c, uint8_t *buf, size_t len);

#endif /* XVIOS_RDB_CORE_H */
