/* SPDX-License-Identifier: MIT */
/*
 * rdb_conn.c - a replicated DB member's corosync side (xvios/rdb.h): the
 * CPG group and its callbacks feeding rdb_core in agreed order, the quorum
 * notifications that gate commits, the multicast of what rdb_core queued,
 * saving the copy, and a commit's wait for its own message to come back.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rdb_file.h"
#include "rdb_handle.h"
#include "rdb_msg.h"
#include "xvios/clock.h"
#include "xvios/log.h"

#define RDB_GROUP_PREFIX "xvios-db:"
#define RDB_JOIN_MS      10000u
#define RDB_SEND_MS      100u      /* one try of a multicast refused with TRY_AGAIN, before dispatching again */
#define RDB_STEP_MS      50u       /* a waiting commit dispatches at least this often */

_Static_assert(RDB_MAX_MEMBERS == CPG_MEMBERS_MAX, "a confchg reports at most CPG_MEMBERS_MAX members");
_Static_assert(RDB_MSG_MAX < 1047552u, "one message stays under CPG's atomic size");

static struct xvios_rdb *of_cpg(cpg_handle_t h)
{
    void *ctx = NULL;
    return cpg_context_get(h, &ctx) == CS_OK ? ctx : NULL;
}

static void on_deliver(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid, uint32_t pid,
                       void *msg, size_t len)
{
    (void)group;
    struct xvios_rdb *r = of_cpg(h);
    struct rdb_member from = { .nodeid = nodeid, .pid = pid };

    if (r)
        rdb_core_deliver(&r->core, from, msg, len);
}

static void on_confchg(cpg_handle_t h, const struct cpg_name *group,
                       const struct cpg_address *members, size_t n_members,
                       const struct cpg_address *left, size_t n_left,
                       const struct cpg_address *joined, size_t n_joined)
{
    (void)group;
    (void)left;
    (void)joined;
    struct xvios_rdb *r = of_cpg(h);
    struct rdb_member m[RDB_MAX_MEMBERS];

    if (!r || n_members > RDB_MAX_MEMBERS)
        return;
    for (size_t i = 0; i < n_members; i++) {
        m[i].nodeid = members[i].nodeid;
        m[i].pid = members[i].pid;
    }
    XLOG_INFO("rdb: configuration of %zu members (%zu left, %zu joined): sync round", n_members, n_left, n_joined);
    if (n_members == 0 || rdb_core_confchg(&r->core, m, (unsigned)n_members) < 0)
        XLOG_WARN("rdb: this member is not in the configuration");
}

/* A totem configuration change, delivered on the CPG connection at its place in the agreed order (extended
 * virtual synchrony): every member of the new ring weighs it alike before it applies the next transaction. */
static void on_totem(cpg_handle_t h, struct cpg_ring_id ring_id, uint32_t n, const uint32_t *nodeids)
{
    struct xvios_rdb *r = of_cpg(h);
    uint32_t votes;

    if (!r)
        return;
    votes = rdb_votes_of(&r->votes, nodeids, n);
    if (r->votes.expected && (uint64_t)votes * 2 <= r->votes.expected)
        XLOG_WARN("rdb: ring %u.%llu holds %u of %u votes: transactions are refused until a majority is back",
                  ring_id.nodeid, (unsigned long long)ring_id.seq, votes, r->votes.expected);
    rdb_core_ring(&r->core, votes, r->votes.expected);
}

static void on_quorum(quorum_handle_t h, uint32_t quorate, uint64_t ring_seq, uint32_t n, uint32_t *list)
{
    (void)ring_seq;
    (void)list;
    const void *ctx = NULL;
    struct xvios_rdb *r;

    if (quorum_context_get(h, &ctx) != CS_OK || !ctx)
        return;
    r = (struct xvios_rdb *)ctx;
    if (r->quorate != !!quorate)
        XLOG_INFO("rdb: %s (%u hosts in view)", quorate ? "quorate: writes allowed" : "quorum lost: writes refused", n);
    r->quorate = !!quorate;
}

/* A corosync node's votes in the nodelist: what the cold-start rule weighs a host holding a copy with. */
static uint32_t node_votes(void *ctx, uint32_t nodeid)
{
    const struct xvios_rdb *r = ctx;
    return rdb_votes_of(&r->votes, &nodeid, 1);
}

static void on_change(void *ctx, char kind, const char *path)
{
    struct xvios_rdb *r = ctx;
    r->dirty = true;
    rdb_watches_fire(&r->ws, &r->core.tree, r->domid, kind, path);
}

static void on_replace(void *ctx)
{
    struct xvios_rdb *r = ctx;
    r->dirty = true;
    rdb_watches_fire_all(&r->ws);
}

static void mark_dead(struct xvios_rdb *r)
{
    if (r->dead)
        return;
    r->dead = true;
    r->quorate = false;
    r->core.mode = RDB_MODE_OUTSIDE;
    XLOG_ERR("rdb: corosync connection lost");
}

/* One multicast, retried while corosync answers TRY_AGAIN for up to ms: 0, -EAGAIN, -EPIPE, -EIO. */
static int mcast(struct xvios_rdb *r, const uint8_t *b, size_t len, unsigned ms)
{
    struct iovec iov = { .iov_base = (void *)b, .iov_len = len };
    struct timespec deadline = xvios_deadline_ms(ms);
    cs_error_t e;

    while ((e = cpg_mcast_joined(r->h, CPG_TYPE_AGREED, &iov, 1)) == CS_ERR_TRY_AGAIN) {
        if (xvios_ts_passed(&deadline))
            return -EAGAIN;
        struct timespec nap = { 0, 1000000L };
        nanosleep(&nap, NULL);
    }
    if (e == CS_OK)
        return 0;
    if (e == CS_ERR_LIBRARY || e == CS_ERR_BAD_HANDLE) {
        mark_dead(r);
        return -EPIPE;
    }
    XLOG_ERR("rdb: multicast failed (cs_error %d)", (int)e);
    return -EIO;
}

/* Send what the sync protocol queued, in order; what corosync keeps refusing waits for the next dispatch. */
static int flush(struct xvios_rdb *r)
{
    uint8_t *b;
    size_t len;

    while (rdb_core_pop(&r->core, &b, &len)) {
        int rc = mcast(r, b, len, RDB_SEND_MS);
        if (rc == -EAGAIN) {
            rdb_core_unpop(&r->core, b, len);
            return 0;
        }
        free(b);
        if (rc == -EPIPE)
            return rc;
        if (rc < 0)
            XLOG_ERR("rdb: a sync message was not sent: the round waits for the next configuration");
    }
    return 0;
}

int xvios_rdb_dispatch(xvios_rdb *r)
{
    cs_error_t e;

    if (r->dead)
        return -EPIPE;
    if (r->q_open) {
        e = quorum_dispatch(r->qh, CS_DISPATCH_ALL);
        if (e == CS_ERR_LIBRARY || e == CS_ERR_BAD_HANDLE) {
            mark_dead(r);
            return -EPIPE;
        }
    }
    e = cpg_dispatch(r->h, CS_DISPATCH_ALL);
    if (e == CS_ERR_LIBRARY || e == CS_ERR_BAD_HANDLE) {
        mark_dead(r);
        return -EPIPE;
    }
    if (flush(r) == -EPIPE)
        return -EPIPE;
    if (r->dirty && rdb_file_save(r->state_file, r->core.version, &r->core.tree) == 0)
        r->dirty = false;   /* a failed save is logged and tried again at the next dispatch */
    return 0;
}

/* Wait (bounded by deadline and RDB_STEP_MS) for corosync, then dispatch. */
static int wait_step(struct xvios_rdb *r, const struct timespec *deadline)
{
    struct pollfd pfd[2] = { { .fd = r->cpg_fd, .events = POLLIN }, { .fd = r->q_fd, .events = POLLIN } };

    if (xvios_ts_passed(deadline))
        return -ETIMEDOUT;
    int ms = xvios_poll_timeout(deadline, RDB_STEP_MS);
    if (poll(pfd, 2, ms) < 0 && errno != EINTR)
        return -errno;
    return xvios_rdb_dispatch(r);
}

int rdb_commit(struct xvios_rdb *r, uint64_t base, uint32_t flags, const struct rdb_op *ops, unsigned n,
               const struct rdb_read *reads, unsigned nreads)
{
    struct timespec deadline = xvios_deadline_ms(XVIOS_RDB_COMMIT_MS);
    uint8_t *b = NULL;
    size_t len = 0;
    uint64_t txid;
    int rc;

    if (r->dead)
        return -EPIPE;
    if (!r->quorate) {
        XLOG_WARN("rdb: write refused: this member's partition has no quorum (a minority must not fork the DB)");
        return -EROFS;
    }
    /* A TX delivered while a sync round runs (a member joined or left meanwhile) is refused by every member
     * without being looked at: it is sent again once the round ends, until the deadline. Its read set is
     * checked where it is applied, so a resent TX still fails if what it read has changed. */
    for (unsigned attempt = 0;; attempt++) {
        free(b);
        b = NULL;
        txid = ++r->next_txid;
        if ((rc = rdb_msg_tx(txid, base, r->domid, flags, ops, n, reads, nreads, &b, &len)) < 0)
            return rc;
        /* a member that is syncing holds its writes until its copy is the cluster's */
        while (r->core.mode != RDB_MODE_SYNCED) {
            if (r->core.mode == RDB_MODE_BROKEN) {
                XLOG_WARN("rdb: write refused: this member's copy did not load; the next configuration change "
                          "repairs it");
                rc = -EIO;
                goto out;
            }
            if (r->core.mode == RDB_MODE_UNDECIDED) {
                XLOG_WARN("rdb: write refused: the members hold copies of different incarnations and none is "
                          "held by a majority of the votes (no copy is the cluster's)");
                rc = -ENOTUNIQ;
                goto out;
            }
            if ((rc = wait_step(r, &deadline)) < 0)
                goto out;
            if (!r->quorate) {
                XLOG_WARN("rdb: write refused: quorum lost while waiting for the sync round");
                rc = -EROFS;
                goto out;
            }
        }
        /* the latest quorum news just before the send narrows the window in which a member cut off, not yet
         * told, commits inside its minority; the apply-side check closes it (docs/multihost.md, "Quorum") */
        if (r->q_open && quorum_dispatch(r->qh, CS_DISPATCH_ALL) == CS_ERR_LIBRARY) {
            mark_dead(r);
            rc = -EPIPE;
            goto out;
        }
        if (!r->quorate) {
            XLOG_WARN("rdb: write refused: quorum lost before the send");
            rc = -EROFS;
            goto out;
        }
        while ((rc = mcast(r, b, len, RDB_SEND_MS)) == -EAGAIN)
            if ((rc = wait_step(r, &deadline)) < 0)
                goto out;
        if (rc < 0)
            goto out;
        /* its own message coming back is its place in the order, and the outcome every member reached */
        while (r->core.done_txid != txid)
            if ((rc = wait_step(r, &deadline)) < 0)
                goto out;
        rc = r->core.done_rc;
        if (!(rc == -EAGAIN && r->core.done_in_round) || xvios_ts_passed(&deadline))
            break;
        XLOG_DEBUG("rdb: transaction %llu came during a sync round: sent again (attempt %u)",
                   (unsigned long long)txid, attempt + 2);
    }
out:
    free(b);
    return rc;
}

static int cs_to_errno(cs_error_t e)
{
    switch (e) {
    case CS_ERR_LIBRARY:   return -ECONNREFUSED;
    case CS_ERR_NO_MEMORY: return -ENOMEM;
    case CS_ERR_TRY_AGAIN: return -ETIMEDOUT;
    default:               return -EIO;
    }
}

static int epoll_add(int ep, int fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int xvios_rdb_open(const struct xvios_rdb_config *cfg, xvios_rdb **out)
{
    struct xvios_rdb *r;
    struct rdb_tree tree;
    uint64_t version = 0;
    unsigned nodeid = 0;
    uint32_t qtype = 0;
    int quorate = 0, rc;
    cs_error_t e;

    if (!out || !cfg || !cfg->cluster || !cfg->cluster[0] || !cfg->state_file || !cfg->state_file[0] ||
        cfg->self_domid > 0xffffu)
        return -EINVAL;
    *out = NULL;
    if (!(r = calloc(1, sizeof(*r))))
        return -ENOMEM;
    r->cpg_fd = r->q_fd = r->ep_fd = r->seam.ep = -1;
    r->domid = cfg->self_domid;
    rc = rdb_watches_init(&r->ws);
    if (rc < 0)
        goto fail;
    int gl = snprintf(r->group.value, sizeof(r->group.value), RDB_GROUP_PREFIX "%s", cfg->cluster);
    if (gl < 0 || (size_t)gl >= sizeof(r->group.value)) {
        rc = -ENAMETOOLONG;
        goto fail;
    }
    r->group.length = (uint32_t)gl;
    if (!(r->state_file = strdup(cfg->state_file))) {
        rc = -ENOMEM;
        goto fail;
    }
    rc = rdb_file_load(r->state_file, &version, &tree);
    if (rc == -ENOENT && cfg->seed_file && cfg->seed_file[0]) {
        rc = rdb_file_load(cfg->seed_file, &version, &tree);
        if (rc == 0) {
            XLOG_INFO("rdb: first start: the starting copy is %s's", cfg->seed_file);
            r->dirty = true;   /* saved as this member's own at the first dispatch */
        }
    }
    if (rc == -ENOENT) {
        version = 0;
        rc = rdb_tree_init(&tree);
    }
    if (rc < 0)
        goto fail;
    XLOG_INFO("rdb: copy at version %llu from %s", (unsigned long long)version, r->state_file);

    e = quorum_initialize(&r->qh, &(quorum_callbacks_t){ .quorum_notify_fn = on_quorum }, &qtype);
    if (e != CS_OK) {
        XLOG_ERR("rdb: cannot reach corosync's quorum service (cs_error %d)", (int)e);
        rdb_tree_free(&tree);
        rc = cs_to_errno(e);
        goto fail;
    }
    r->q_open = true;
    if (qtype != QUORUM_SET)
        XLOG_WARN("rdb: corosync has no quorum provider: every partition counts as quorate");
    if ((e = quorum_context_set(r->qh, r)) != CS_OK || (e = quorum_getquorate(r->qh, &quorate)) != CS_OK ||
        (e = quorum_trackstart(r->qh, CS_TRACK_CHANGES)) != CS_OK || (e = quorum_fd_get(r->qh, &r->q_fd)) != CS_OK) {
        rdb_tree_free(&tree);
        rc = cs_to_errno(e);
        goto fail;
    }
    r->quorate = quorate != 0;
    if ((rc = rdb_votes_load(&r->votes)) < 0)
        XLOG_WARN("rdb: cannot read the nodelist's votes (%s): no apply-side quorum check", strerror(-rc));
    else if (r->votes.expected)
        XLOG_INFO("rdb: apply-side quorum check: %u nodes, %u votes expected", r->votes.n, r->votes.expected);

    cpg_model_v1_data_t model = { .model = CPG_MODEL_V1, .cpg_deliver_fn = on_deliver,
                                  .cpg_confchg_fn = on_confchg, .cpg_totem_confchg_fn = on_totem,
                                  .flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF };
    e = cpg_model_initialize(&r->h, CPG_MODEL_V1, (cpg_model_data_t *)&model, r);
    if (e != CS_OK) {
        XLOG_ERR("rdb: cannot reach corosync's CPG service (cs_error %d)", (int)e);
        rdb_tree_free(&tree);
        rc = cs_to_errno(e);
        goto fail;
    }
    r->cpg_open = true;
    if ((e = cpg_local_get(r->h, &nodeid)) != CS_OK || (e = cpg_fd_get(r->h, &r->cpg_fd)) != CS_OK) {
        rdb_tree_free(&tree);
        rc = cs_to_errno(e);
        goto fail;
    }
    rdb_core_init(&r->core, (struct rdb_member){ .nodeid = nodeid, .pid = (uint32_t)getpid() }, &tree, version);
    r->core.on_change = on_change;
    r->core.on_replace = on_replace;
    r->core.node_votes = node_votes;
    r->core.ctx = r;

    if ((r->ep_fd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        rc = -errno;
        goto fail;
    }
    if ((rc = epoll_add(r->ep_fd, r->cpg_fd)) < 0 || (rc = epoll_add(r->ep_fd, r->q_fd)) < 0 ||
        (rc = epoll_add(r->ep_fd, r->ws.fd)) < 0)
        goto fail;

    struct timespec deadline = xvios_deadline_ms(RDB_JOIN_MS);
    while ((e = cpg_join(r->h, &r->group)) == CS_ERR_TRY_AGAIN && !xvios_ts_passed(&deadline)) {
        struct timespec nap = { 0, 20 * 1000000L };
        nanosleep(&nap, NULL);
    }
    if (e != CS_OK) {
        XLOG_ERR("rdb: cannot join %s (cs_error %d)", r->group.value, (int)e);
        rc = cs_to_errno(e);
        goto fail;
    }
    XLOG_INFO("rdb: joined %s (host %u, %s)", r->group.value, nodeid, r->quorate ? "quorate" : "not quorate");
    *out = r;
    return 0;
fail:
    xvios_rdb_close(r);
    return rc;
}

void xvios_rdb_close(xvios_rdb *r)
{
    if (!r)
        return;
    if (r->cpg_open) {
        if (!r->dead)
            cpg_leave(r->h, &r->group);
        cpg_finalize(r->h);
    }
    if (r->q_open)
        quorum_finalize(r->qh);
    if (r->dirty)
        rdb_file_save(r->state_file, r->core.version, &r->core.tree);
    for (unsigned i = 0; i < XVIOS_RDB_MAX_TX; i++)
        if (r->tx[i].id != XVIOS_TX_NONE)
            rdb_txn_dispose(&r->tx[i]);
    rdb_core_free(&r->core);
    rdb_watches_dispose(&r->ws);
    if (r->ep_fd >= 0)
        close(r->ep_fd);
    if (r->seam.ep >= 0)
        close(r->seam.ep);
    free(r->state_file);
    free(r);
}

int xvios_rdb_fd(const xvios_rdb *r)
{
    return r->dead ? -1 : r->ep_fd;
}

void xvios_rdb_status(xvios_rdb *r, struct xvios_rdb_status *st)
{
    memset(st, 0, sizeof(*st));
    st->version = r->core.version;
    if (rdb_tree_hash(&r->core.tree, &st->hash) < 0)
        st->hash = 0;
    st->quorate = r->quorate;
    st->synced = r->core.mode == RDB_MODE_SYNCED;
    st->mode = rdb_mode_name(r->core.mode);
    struct rdb_inc inc;
    char itext[RDB_INC_HEX + 1];
    rdb_inc_of(&r->core.tree, &inc);
    snprintf(st->incarnation, sizeof(st->incarnation), "%s", rdb_inc_text(&inc, itext));
    st->members = r->core.nmembers;
    st->nodeid = r->core.self.nodeid;
    st->applied = r->core.st.applied;
    st->conflicts = r->core.st.conflicts;
    st->refused = r->core.st.refused;
    st->failed = r->core.st.failed;
    st->rounds = r->core.st.rounds;
    st->loads = r->core.st.loads;
    st->sent_chunks = r->core.st.sent_chunks;
    st->bad_msgs = r->core.st.bad_msgs;
    st->no_quorum = r->core.st.no_quorum;
    st->ring_votes = r->core.ring_votes;
    st->expected_votes = r->core.expected_votes;
    st->undecided = r->core.st.undecided;
    st->inc_taken = r->core.st.inc_taken;
}

int xvios_rdb_dump(xvios_rdb *r, FILE *out)
{
    static const char letter[] = "nrwb";
    const struct rdb_tree *t = &r->core.tree;
    uint64_t hash = 0;

    for (unsigned i = 0; i < t->n; i++) {
        const struct rdb_node *nd = &t->v[i];
        fprintf(out, "%s perms=", nd->path);
        for (unsigned j = 0; j < nd->nperms; j++)
            fprintf(out, "%s%c%u", j ? "," : "", letter[nd->perms[j].perm & 3], nd->perms[j].domid);
        fputs(" value=", out);
        for (size_t j = 0; j < nd->len; j++) {
            unsigned char ch = (unsigned char)nd->val[j];
            if (ch > 0x20 && ch < 0x7f && ch != '\\')
                fputc(ch, out);
            else
                fprintf(out, "\\x%02x", ch);
        }
        fputc('\n', out);
    }
    if (rdb_tree_hash(t, &hash) < 0)
        return -ENOMEM;
    fprintf(out, "version=%llu hash=%016llx\n", (unsigned long long)r->core.version, (unsigned long long)hash);
    return ferror(out) ? -EIO : 0;
}
