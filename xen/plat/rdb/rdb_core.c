/* SPDX-License-Identifier: MIT */
/*
 * rdb_core.c - the replicated DB's state machine: sync rounds and the
 * application of transactions in CPG's agreed order (rdb_core.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_core.h"
#include "rdb_msg.h"
#include "xvios/log.h"

const char *rdb_mode_name(enum rdb_mode m)
{
    switch (m) {
    case RDB_MODE_OUTSIDE: return "outside";
    case RDB_MODE_SYNCING: return "syncing";
    case RDB_MODE_SYNCED:  return "synced";
    case RDB_MODE_BROKEN:  return "broken";
    case RDB_MODE_UNDECIDED: return "undecided";
    }
    return "unknown";
}

static int member_cmp(struct rdb_member a, struct rdb_member b)
{
    if (a.nodeid != b.nodeid)
        return a.nodeid < b.nodeid ? -1 : 1;
    if (a.pid != b.pid)
        return a.pid < b.pid ? -1 : 1;
    return 0;
}

static int member_qcmp(const void *a, const void *b)
{
    return member_cmp(*(const struct rdb_member *)a, *(const struct rdb_member *)b);
}

static int member_index(const struct rdb_core *c, struct rdb_member m)
{
    for (unsigned i = 0; i < c->nmembers; i++)
        if (!member_cmp(c->members[i], m))
            return (int)i;
    return -1;
}

void rdb_core_init(struct rdb_core *c, struct rdb_member self, struct rdb_tree *tree, uint64_t version)
{
    memset(c, 0, sizeof(*c));
    c->self = self;
    c->tree = *tree;
    memset(tree, 0, sizeof(*tree));
    c->version = version;
    c->mode = RDB_MODE_OUTSIDE;
}

static void xfer_end(struct rdb_core *c)
{
    free(c->xbuf);
    c->xbuf = NULL;
    c->xfer = c->xneed = false;
    c->xtotal = c->xgot = 0;
}

void rdb_core_free(struct rdb_core *c)
{
    xfer_end(c);
    for (unsigned i = 0; i < c->nout; i++)
        free(c->out[i].buf);
    free(c->out);
    c->out = NULL;
    c->nout = c->capout = 0;
    rdb_tree_free(&c->tree);
}

/* ---------------------------------------------------------------- outbox */
static int push(struct rdb_core *c, uint8_t *buf, size_t len)
{
    if (c->nout == c->capout) {
        unsigned ncap = c->capout ? c->capout * 2 : 8;
        struct rdb_out *n = realloc(c->out, (size_t)ncap * sizeof(*n));
        if (!n) {
            free(buf);
            return -ENOMEM;
        }
        c->out = n;
        c->capout = ncap;
    }
    c->out[c->nout].buf = buf;
    c->out[c->nout].len = len;
    c->nout++;
    return 0;
}

bool rdb_core_pop(struct rdb_core *c, uint8_t **buf, size_t *len)
{
    if (c->nout == 0)
        return false;
    *buf = c->out[0].buf;
    *len = c->out[0].len;
    memmove(&c->out[0], &c->out[1], (size_t)(c->nout - 1) * sizeof(c->out[0]));
    c->nout--;
    return true;
}

void rdb_core_unpop(struct rdb_core *c, uint8_t *buf, size_t len)
{
    /* the slot it left is still allocated: capout > nout */
    memmove(&c->out[1], &c->out[0], (size_t)c->nout * sizeof(c->out[0]));
    c->out[0].buf = buf;
    c->out[0].len = len;
    c->nout++;
}

/* Drop queued messages of an older round: STATEs and CHUNKs, and SYNC_STARTs unless keep_start. */
static void drop_queued_sync(struct rdb_core *c, bool keep_start)
{
    unsigned k = 0;

    for (unsigned i = 0; i < c->nout; i++) {
        uint8_t kind = c->out[i].len >= RDB_MSG_HDR ? c->out[i].buf[6] : 0;
        if (kind == RDB_MSG_TX || (keep_start && kind == RDB_MSG_SYNC_START))
            c->out[k++] = c->out[i];
        else
            free(c->out[i].buf);
    }
    c->nout = k;
}

/* ---------------------------------------------------------------- sync rounds */
int rdb_core_confchg(struct rdb_core *c, const struct rdb_member *members, unsigned n)
{
    if (n == 0 || n > RDB_MAX_MEMBERS)
        return -EINVAL;
    memcpy(c->members, members, (size_t)n * sizeof(*members));
    qsort(c->members, n, sizeof(*members), member_qcmp);
    c->nmembers = n;
    if (member_index(c, c->self) < 0) {
        c->nmembers = 0;
        c->mode = RDB_MODE_OUTSIDE;
        return -EINVAL;
    }
    c->mode = RDB_MODE_SYNCING;
    c->epoch = 0;
    memset(c->states, 0, sizeof(c->states));
    xfer_end(c);
    drop_queued_sync(c, false);
    if (member_cmp(c->members[0], c->self) != 0)
        return 0;
    /* the lowest member opens the round; the epoch names it apart from any earlier round */
    uint8_t *b;
    size_t len;
    uint64_t epoch = (uint64_t)++c->epoch_counter << 32 | ((c->self.nodeid * 2654435761u) ^ c->self.pid);
    int rc = rdb_msg_sync_start(epoch, &b, &len);
    return rc < 0 ? rc : push(c, b, len);
}

static int on_sync_start(struct rdb_core *c, const struct rdb_msg *m)
{
    uint8_t *b;
    size_t len;
    uint64_t hash;
    struct rdb_inc inc;
    int rc;

    if (c->mode == RDB_MODE_OUTSIDE)
        return 0;
    /* a later SYNC_START (a newer configuration, or a stale one) restarts the round: all members alike */
    c->epoch = m->epoch;
    if ((uint32_t)(m->epoch >> 32) > c->epoch_counter)
        c->epoch_counter = (uint32_t)(m->epoch >> 32);
    c->mode = RDB_MODE_SYNCING;
    memset(c->states, 0, sizeof(c->states));
    xfer_end(c);
    drop_queued_sync(c, true);
    rdb_inc_of(&c->tree, &inc);
    if ((rc = rdb_tree_hash(&c->tree, &hash)) < 0 ||
        (rc = rdb_msg_state(m->epoch, c->version, hash, c->serving ? RDB_STATE_SERVING : 0, &inc, &b, &len)) < 0)
        return rc;
    return push(c, b, len);
}

static int send_copy(struct rdb_core *c)
{
    uint8_t *dump = NULL, *b;
    size_t len = 0, blen;
    int rc = rdb_tree_encode(&c->tree, &dump, &len);

    if (rc < 0)
        return rc;
    for (size_t off = 0; off < len && rc == 0; off += RDB_CHUNK_MAX) {
        size_t n = len - off < RDB_CHUNK_MAX ? len - off : RDB_CHUNK_MAX;
        rc = rdb_msg_chunk(c->epoch, c->xversion, c->xhash, (uint32_t)len, (uint32_t)off, dump + off, n, &b, &blen);
        if (rc == 0)
            rc = push(c, b, blen);
        if (rc == 0)
            c->st.sent_chunks++;
    }
    free(dump);
    return rc;
}

static bool ring_quorate(const struct rdb_core *c)
{
    return !c->expected_votes || (uint64_t)c->ring_votes * 2 > c->expected_votes;
}

static void round_done(struct rdb_core *c)
{
    c->mode = RDB_MODE_SYNCED;
    c->serving = c->serve_after;
    c->st.rounds++;
    XLOG_INFO("rdb: synced at version %llu (%u members)%s", (unsigned long long)c->version, c->nmembers,
              c->serving ? "" : "; not serving (its ring holds no majority of the votes, or no serving member and no "
                                "majority of the votes held this copy before the round)");
}

/* ---------------------------------------------------------------- choosing the copy */
#define HOLDER(c, i) ((c)->states[i].version > 0)   /* version 0: an empty copy, never written */

static uint32_t votes_of(const struct rdb_core *c, uint32_t nodeid)
{
    return c->node_votes ? c->node_votes(c->ctx, nodeid) : 1;
}

/* The votes of the hosts (corosync nodes) of this round whose holders all hold inc: a host whose members
 * hold copies of two incarnations counts for neither. Members are sorted: a host's are contiguous. */
static uint64_t inc_votes(const struct rdb_core *c, const struct rdb_inc *inc)
{
    uint64_t sum = 0;

    for (unsigned i = 0; i < c->nmembers;) {
        uint32_t node = c->members[i].nodeid;
        bool any = false, all = true;
        for (; i < c->nmembers && c->members[i].nodeid == node; i++) {
            if (!HOLDER(c, i))
                continue;
            any = true;
            all &= rdb_inc_eq(&c->states[i].inc, inc);
        }
        if (any && all)
            sum += votes_of(c, node);
    }
    return sum;
}

static bool votes_majority(const struct rdb_core *c, uint64_t votes)
{
    return c->expected_votes && votes * 2 > c->expected_votes;
}

/* No copy is the cluster's: say which incarnations are held with how many votes, refuse transactions. */
static void undecided(struct rdb_core *c)
{
    char line[512], t[RDB_INC_HEX + 1];
    size_t off = 0;

    line[0] = '\0';
    for (unsigned i = 0; i < c->nmembers; i++) {
        bool seen = false;
        for (unsigned j = 0; j < i && !seen; j++)
            seen = HOLDER(c, j) && rdb_inc_eq(&c->states[j].inc, &c->states[i].inc);
        if (!HOLDER(c, i) || seen || off >= sizeof(line) - 64)
            continue;
        int n = snprintf(line + off, sizeof(line) - off, "%s%s (%llu votes)", off ? ", " : "",
                         rdb_inc_text(&c->states[i].inc, t), (unsigned long long)inc_votes(c, &c->states[i].inc));
        if (n > 0)
            off += (size_t)n < sizeof(line) - off ? (size_t)n : sizeof(line) - off - 1;
    }
    c->mode = RDB_MODE_UNDECIDED;
    c->serving = false;
    c->st.undecided++;
    XLOG_ERR("rdb: no copy chosen: no member serves and the members hold incarnations %s of %u expected votes, "
             "none a majority; writes are refused until a majority holds one (start the missing hosts, or remove "
             "the stale state file)", line, c->expected_votes);
}

/* Every member's STATE is in: choose the copy (rdb_core.h), and send it if this member is the one. */
static int decide(struct rdb_core *c)
{
    bool cand[RDB_MAX_MEMBERS] = { false };
    bool legacy = false, any_serving = false, serving_holder = false, any_holder = false, one_inc = true;
    int first_holder = -1;
    uint64_t best_v = 0, best_h = 0;
    unsigned best_count = 0;
    int leader = -1;
    bool all_same = true;

    for (unsigned i = 0; i < c->nmembers; i++) {
        legacy |= !c->states[i].has_inc;
        any_serving |= c->states[i].serving;
        if (!HOLDER(c, i))
            continue;
        any_holder = true;
        serving_holder |= c->states[i].serving;
        if (first_holder < 0)
            first_holder = (int)i;
        else if (!rdb_inc_eq(&c->states[i].inc, &c->states[first_holder].inc))
            one_inc = false;
    }
    c->serve_after = ring_quorate(c);
    if (legacy) {
        /* an older member in the round: the rule it follows (serving members first, else all) */
        for (unsigned i = 0; i < c->nmembers; i++)
            cand[i] = !any_serving || c->states[i].serving;
    } else if (serving_holder) {
        for (unsigned i = 0; i < c->nmembers; i++)
            cand[i] = HOLDER(c, i) && c->states[i].serving;
    } else if (!any_holder) {
        for (unsigned i = 0; i < c->nmembers; i++)
            cand[i] = true;   /* nothing written anywhere yet: a new DB */
    } else {
        /* nobody serves: a cold start. One incarnation: its newest copy; several: the majority's, or none */
        const struct rdb_inc *win = NULL;
        if (one_inc) {
            win = &c->states[first_holder].inc;
            c->serve_after &= !c->expected_votes || votes_majority(c, inc_votes(c, win));
        } else {
            for (unsigned i = 0; i < c->nmembers && !win; i++)
                if (HOLDER(c, i) && votes_majority(c, inc_votes(c, &c->states[i].inc)))
                    win = &c->states[i].inc;
            if (!win) {
                undecided(c);
                return 0;
            }
        }
        for (unsigned i = 0; i < c->nmembers; i++)
            cand[i] = HOLDER(c, i) && rdb_inc_eq(&c->states[i].inc, win);
    }
    for (unsigned i = 0; i < c->nmembers; i++)
        if (cand[i] && c->states[i].version > best_v)
            best_v = c->states[i].version;
    /* members are sorted: the first holder of a copy is its lowest member */
    for (unsigned i = 0; i < c->nmembers; i++) {
        if (!cand[i] || c->states[i].version != best_v)
            continue;
        unsigned count = 0;
        for (unsigned j = 0; j < c->nmembers; j++)
            count += cand[j] && c->states[j].version == best_v && c->states[j].hash == c->states[i].hash;
        if (count > best_count) {
            best_count = count;
            best_h = c->states[i].hash;
            leader = (int)i;
        }
    }
    int me = member_index(c, c->self);
    for (unsigned i = 0; i < c->nmembers && !legacy; i++) {
        char a[RDB_INC_HEX + 1], b[RDB_INC_HEX + 1];
        if (!HOLDER(c, i) || rdb_inc_eq(&c->states[i].inc, &c->states[leader].inc))
            continue;
        XLOG_WARN("rdb: member %u/%u%s holds incarnation %s (version %llu), the cluster's is %s (version %llu): "
                  "it takes the cluster's copy", c->members[i].nodeid, c->members[i].pid,
                  (int)i == me ? " (this member)" : "", rdb_inc_text(&c->states[i].inc, a),
                  (unsigned long long)c->states[i].version, rdb_inc_text(&c->states[leader].inc, b),
                  (unsigned long long)best_v);
        if ((int)i == me)
            c->st.inc_taken++;
    }
    for (unsigned i = 0; i < c->nmembers; i++)
        if (c->states[i].version != best_v || c->states[i].hash != best_h)
            all_same = false;
    if (all_same) {
        round_done(c);
        return 0;
    }
    c->xfer = true;
    c->leader = c->members[leader];
    c->xversion = best_v;
    c->xhash = best_h;
    c->xneed = c->states[me].version != best_v || c->states[me].hash != best_h;
    XLOG_INFO("rdb: member %u/%u sends its copy (version %llu)%s", c->leader.nodeid, c->leader.pid,
              (unsigned long long)best_v, c->xneed ? "; this member takes it" : "");
    return member_cmp(c->leader, c->self) == 0 ? send_copy(c) : 0;
}

static int on_state(struct rdb_core *c, int who, const struct rdb_msg *m)
{
    if (c->mode != RDB_MODE_SYNCING || c->epoch == 0 || m->epoch != c->epoch || c->xfer)
        return 0;   /* another round's: ignored alike everywhere */
    c->states[who].have = true;
    c->states[who].version = m->version;
    c->states[who].hash = m->hash;
    c->states[who].serving = (m->state_flags & RDB_STATE_SERVING) != 0;
    c->states[who].has_inc = m->has_inc;
    c->states[who].inc = m->inc;
    for (unsigned i = 0; i < c->nmembers; i++)
        if (!c->states[i].have)
            return 0;
    return decide(c);
}

static void load_copy(struct rdb_core *c)
{
    struct rdb_tree t;

    if (rdb_hash(c->xbuf, c->xtotal) != c->xhash || rdb_tree_decode(c->xbuf, c->xtotal, &t) < 0) {
        XLOG_ERR("rdb: the copy of member %u/%u did not load: out of the running until the next round",
                 c->leader.nodeid, c->leader.pid);
        c->mode = RDB_MODE_BROKEN;
        c->serving = false;
        return;
    }
    rdb_tree_swap(&c->tree, &t);
    rdb_tree_free(&t);
    c->version = c->xversion;
    c->st.loads++;
    if (c->on_replace)
        c->on_replace(c->ctx);
}

static int on_chunk(struct rdb_core *c, struct rdb_member from, const struct rdb_msg *m)
{
    if (c->mode != RDB_MODE_SYNCING || !c->xfer || m->epoch != c->epoch || member_cmp(from, c->leader) ||
        m->version != c->xversion || m->hash != c->xhash)
        return 0;
    bool last = m->off + m->data_len == m->total;
    if (c->xneed) {
        if (m->off == 0 && !c->xbuf) {
            if (m->total == 0 || !(c->xbuf = malloc(m->total)))
                return -ENOMEM;
            c->xtotal = m->total;
        }
        if (!c->xbuf || m->total != c->xtotal || m->off != c->xgot) {
            XLOG_ERR("rdb: copy chunk out of sequence (offset %u, expected %u)", m->off, c->xgot);
            c->mode = RDB_MODE_BROKEN;
            c->serving = false;
            xfer_end(c);
            return -EPROTO;
        }
        memcpy(c->xbuf + m->off, m->data, m->data_len);
        c->xgot += (uint32_t)m->data_len;
        if (last)
            load_copy(c);
    }
    if (last) {
        xfer_end(c);
        if (c->mode == RDB_MODE_SYNCING)
            round_done(c);
    }
    return 0;
}

/* ---------------------------------------------------------------- transactions */
struct change {
    char kind;
    char *path;
};
struct changes {
    struct change *v;
    unsigned n;
    int err;
};

static void note(void *ctx, char kind, const char *path)
{
    struct changes *ch = ctx;
    struct change *n;

    if (ch->err)
        return;
    if (!(n = realloc(ch->v, (size_t)(ch->n + 1) * sizeof(*n))) || !(n[ch->n].path = strdup(path))) {
        if (n)
            ch->v = n;
        ch->err = -ENOMEM;
        return;
    }
    ch->v = n;
    n[ch->n].kind = kind;
    ch->n++;
}

void rdb_core_ring(struct rdb_core *c, uint32_t votes, uint32_t expected)
{
    c->ring_votes = votes;
    c->expected_votes = expected;
    if (!ring_quorate(c) && c->serving) {
        c->serving = false;   /* a minority's copy: the next round takes the majority's */
        XLOG_INFO("rdb: the ring holds %u of %u votes: this member's copy no longer serves", votes, expected);
    }
}

static int apply_tx(struct rdb_core *c, const struct rdb_msg *m)
{
    struct rdb_tree copy;
    struct changes ch = { 0 };
    int rc;

    if (c->mode != RDB_MODE_SYNCED) {
        c->st.refused++;
        return -EAGAIN;
    }
    if (c->expected_votes && (uint64_t)c->ring_votes * 2 <= c->expected_votes) {
        c->st.no_quorum++;   /* sent before its sender learned of the partition: refused by the whole ring */
        return -EROFS;
    }
    if ((m->flags & RDB_TX_CHECK) && rdb_tree_check_reads(&c->tree, m->reads, m->nreads) < 0) {
        c->st.conflicts++;   /* something it read, listed or changed is no longer as it saw it */
        return -EAGAIN;
    }
    if ((rc = rdb_tree_clone(&c->tree, &copy)) < 0)
        return rc;   /* this member could not apply what the others did: see the caller */
    for (unsigned i = 0; i < m->nops && rc == 0; i++)
        rc = rdb_tree_apply(&copy, m->domid, &m->ops[i], c->version + 1, note, &ch);
    if (rc == 0 && ch.err)
        rc = ch.err;
    if (rc == 0 && rdb_tree_size(&copy) > RDB_MAX_DUMP)
        rc = -ENOSPC;   /* a copy that could no longer be sent to a joiner or saved */
    if (rc == 0) {
        rdb_tree_swap(&c->tree, &copy);
        c->version++;
        c->st.applied++;
        for (unsigned i = 0; i < ch.n && c->on_change; i++)
            c->on_change(c->ctx, ch.v[i].kind, ch.v[i].path);
    } else {
        c->st.failed++;
    }
    rdb_tree_free(&copy);
    for (unsigned i = 0; i < ch.n; i++)
        free(ch.v[i].path);
    free(ch.v);
    return rc;
}

int rdb_core_deliver(struct rdb_core *c, struct rdb_member from, const uint8_t *buf, size_t len)
{
    struct rdb_msg m;
    int who = member_index(c, from), rc;

    if (c->mode == RDB_MODE_OUTSIDE)
        return 0;
    if (who < 0 || rdb_msg_decode(buf, len, &m) < 0) {
        c->st.bad_msgs++;
        XLOG_WARN("rdb: %s message (%zu bytes) from %u/%u dropped", who < 0 ? "a non-member's" : "a malformed",
                  len, from.nodeid, from.pid);
        return -EPROTO;
    }
    switch (m.kind) {
    case RDB_MSG_SYNC_START:
        rc = on_sync_start(c, &m);
        break;
    case RDB_MSG_STATE:
        rc = on_state(c, who, &m);
        break;
    case RDB_MSG_CHUNK:
        rc = on_chunk(c, from, &m);
        break;
    case RDB_MSG_TX:
        rc = apply_tx(c, &m);
        if (rc == -ENOMEM) {
            /* the others applied it, this member could not: its copy is no longer theirs */
            XLOG_ERR("rdb: out of memory applying a transaction: out of the running until the next round");
            c->mode = RDB_MODE_BROKEN;
            c->serving = false;
        }
        if (!member_cmp(from, c->self)) {
            c->done_txid = m.txid;
            c->done_rc = rc;
            c->done_in_round = rc == -EAGAIN && c->mode != RDB_MODE_SYNCED;
        }
        rc = 0;
        break;
    default:
        rc = -EPROTO;
    }
    rdb_msg_release(&m);
    return rc;
}
