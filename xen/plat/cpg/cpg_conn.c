/* SPDX-License-Identifier: MIT */
/*
 * cpg_conn.c - one VIOS node's membership in its cluster's CPG group
 * (xvios/cpg.h): the corosync calls, the callbacks, the retry of refused
 * multicasts. The header checks live in cpg_hdr.c, the process-to-node
 * bookkeeping in cpg_roster.c, the queue in cpg_sendq.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <corosync/cpg.h>

#include "cpg_roster.h"
#include "cpg_sendq.h"
#include "xvios/clock.h"
#include "xvios/cpg.h"
#include "xvios/log.h"

#define CPG_GROUP_PREFIX "xvios:"
#define CPG_RETRY_MS     10u      /* a refused queue is tried again this soon */
#define CPG_HELLO_MS     10000u   /* a HELLO waits out TRY_AGAIN this long */
#define CPG_TAG_HELLO    UINT64_MAX

_Static_assert(XVIOS_CPG_MAX_MEMBERS == CPG_MEMBERS_MAX, "the roster holds what one confchg reports");
_Static_assert(XVIOS_CPG_GROUP_MAX + 1 == CPG_MAX_NAME_LENGTH, "group names as CPG bounds them");

struct xvios_cpg {
    cpg_handle_t h;
    int fd;
    bool dead;                 /* corosync went away: final */
    bool announce;             /* a confchg reported joiners: HELLO after this dispatch */
    uint32_t cs_nodeid;
    uint32_t self;
    uint8_t card[XVIOS_CPG_CARD_MAX];
    size_t card_len;
    struct cpg_name group;
    struct xvios_cpg_callbacks cb;
    struct cpg_roster roster;
    struct cpg_sendq q;
    struct xvios_cpg_stats st;
};

static int cs_errno(cs_error_t e)
{
    switch (e) {
    case CS_OK:                return 0;
    case CS_ERR_TRY_AGAIN:     return -EAGAIN;
    case CS_ERR_LIBRARY:
    case CS_ERR_BAD_HANDLE:    return -EPIPE;
    case CS_ERR_NO_MEMORY:     return -ENOMEM;
    default:                   return -EIO;
    }
}

static enum xvios_cpg_lost_reason lost_reason(uint32_t r)
{
    switch (r) {
    case CPG_REASON_LEAVE:    return XVIOS_CPG_LOST_LEAVE;
    case CPG_REASON_PROCDOWN: return XVIOS_CPG_LOST_PROCDOWN;
    case CPG_REASON_NODEDOWN: return XVIOS_CPG_LOST_NODEDOWN;
    default:                  return XVIOS_CPG_LOST_OTHER;
    }
}

static struct xvios_cpg *of_handle(cpg_handle_t h)
{
    void *ctx = NULL;
    return cpg_context_get(h, &ctx) == CS_OK ? ctx : NULL;
}

/* A process of the group speaks for node src: the first message from it (HELLO or not) introduces it. */
static bool admit(struct xvios_cpg *c, uint32_t nodeid, uint32_t pid, uint32_t src)
{
    int rc = cpg_roster_hello(&c->roster, nodeid, pid, src);
    if (rc < 0) {
        XLOG_WARN("cpg: process %u/%u claims node %u: %s", nodeid, pid, src,
                  rc == -EPERM ? "not its host's" : rc == -EEXIST ? "held by another process" : "roster full");
        c->st.rejected++;
        return false;
    }
    if (rc == 1) {
        XLOG_INFO("cpg: node %u up (host %u pid %u)", src, nodeid, pid);
        if (c->cb.node_up)
            c->cb.node_up(c->cb.ctx, src);
    }
    return true;
}

static void on_deliver(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid, uint32_t pid,
                       void *msg, size_t len)
{
    (void)group;
    struct xvios_cpg *c = of_handle(h);
    struct xvios_cpg_hdr hdr;
    if (!c)
        return;
    if (xvios_cpg_hdr_decode(msg, len, &hdr) != 0) {
        XLOG_WARN("cpg: malformed message (%zu bytes) from host %u pid %u dropped", len, nodeid, pid);
        c->st.rejected++;
        return;
    }
    if (!admit(c, nodeid, pid, hdr.src))
        return;
    if (hdr.kind == XVIOS_CPG_HELLO && c->cb.node_card)
        c->cb.node_card(c->cb.ctx, hdr.src, (const uint8_t *)msg + XVIOS_CPG_HDR_LEN, hdr.len);
    if (hdr.kind == XVIOS_CPG_BCAST) {
        c->st.delivered++;
        if (c->cb.deliver)
            c->cb.deliver(c->cb.ctx, hdr.src, (const uint8_t *)msg + XVIOS_CPG_HDR_LEN, hdr.len);
    }
}

static void on_confchg(cpg_handle_t h, const struct cpg_name *group,
                       const struct cpg_address *members, size_t n_members,
                       const struct cpg_address *left, size_t n_left,
                       const struct cpg_address *joined, size_t n_joined)
{
    (void)group;
    (void)members;
    (void)n_members;
    (void)joined;
    struct xvios_cpg *c = of_handle(h);
    if (!c)
        return;
    for (size_t i = 0; i < n_left; i++) {
        uint32_t node = cpg_roster_remove(&c->roster, left[i].nodeid, left[i].pid);
        if (!node)
            continue;
        enum xvios_cpg_lost_reason why = lost_reason(left[i].reason);
        XLOG_INFO("cpg: node %u lost (%s)", node, xvios_cpg_lost_reason_name(why));
        if (c->cb.node_lost)
            c->cb.node_lost(c->cb.ctx, node, why);
    }
    /* Joiners (this process at its own join, or others) learn who is here from fresh HELLOs. */
    if (n_joined > 0)
        c->announce = true;
}

static int mcast(void *ctx, const uint8_t *msg, size_t len)
{
    struct xvios_cpg *c = ctx;
    struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
    int rc = cs_errno(cpg_mcast_joined(c->h, CPG_TYPE_AGREED, &iov, 1));
    if (rc == 0)
        c->st.sent++;
    else if (rc == -EAGAIN)
        c->st.try_again++;
    return rc;
}

static void expired(void *ctx, uint64_t tag)
{
    struct xvios_cpg *c = ctx;
    c->st.expired++;
    if (tag == CPG_TAG_HELLO) {
        XLOG_WARN("cpg: node %u's HELLO expired in the send queue", c->self);
        return;
    }
    XLOG_WARN("cpg: a multicast (tag %llu) expired in the send queue", (unsigned long long)tag);
    if (c->cb.send_expired)
        c->cb.send_expired(c->cb.ctx, tag);
}

static void mark_dead(struct xvios_cpg *c)
{
    if (c->dead)
        return;
    c->dead = true;
    XLOG_ERR("cpg: corosync connection lost");
    /* Nothing reaches the other nodes any more: each is lost to this one. */
    uint32_t nodes[XVIOS_CPG_MAX_MEMBERS];
    unsigned n = cpg_roster_nodes(&c->roster, nodes, XVIOS_CPG_MAX_MEMBERS);
    c->roster.n = 0;
    for (unsigned i = 0; i < n; i++)
        if (nodes[i] != c->self && c->cb.node_lost)
            c->cb.node_lost(c->cb.ctx, nodes[i], XVIOS_CPG_LOST_OTHER);
}

/* Queue msg (ownership passes on success) behind what waits, then run the queue. */
static int submit(struct xvios_cpg *c, uint8_t *msg, size_t len, const struct timespec *deadline, uint64_t tag)
{
    int rc = cpg_sendq_push(&c->q, msg, len, deadline, tag);
    if (rc < 0)
        return rc;
    struct timespec now = xvios_now();
    rc = cpg_sendq_run(&c->q, &now, mcast, expired, c);
    if (rc == -EPIPE) {
        mark_dead(c);
        return -EPIPE;
    }
    return 0; /* sent, or waiting with its deadline (a send_expired will say if it never goes) */
}

static uint8_t *build(const struct xvios_cpg *c, enum xvios_cpg_kind kind, const void *buf, size_t len)
{
    uint8_t *msg = malloc(XVIOS_CPG_HDR_LEN + len + 1);
    if (!msg)
        return NULL;
    struct xvios_cpg_hdr hdr = { .magic = XVIOS_CPG_MAGIC, .version = XVIOS_CPG_VERSION, .kind = (uint16_t)kind,
                                 .src = c->self, .len = (uint32_t)len };
    xvios_cpg_hdr_encode(&hdr, msg);
    if (len)
        memcpy(msg + XVIOS_CPG_HDR_LEN, buf, len);
    return msg;
}

static int announce(struct xvios_cpg *c)
{
    c->announce = false;
    uint8_t *msg = build(c, XVIOS_CPG_HELLO, c->card, c->card_len);
    if (!msg)
        return -ENOMEM;
    struct timespec deadline = xvios_deadline_ms(CPG_HELLO_MS);
    int rc = submit(c, msg, XVIOS_CPG_HDR_LEN + c->card_len, &deadline, CPG_TAG_HELLO);
    if (rc < 0 && rc != -EPIPE)
        free(msg);
    return rc;
}

int xvios_cpg_open(const char *cluster, uint32_t local, const void *card, size_t card_len,
                   const struct xvios_cpg_callbacks *cb, xvios_cpg **out)
{
    int rc;
    if (!cluster || !*cluster || !out || local == 0 || local > XVIOS_CPG_LOCAL_MAX ||
        card_len > XVIOS_CPG_CARD_MAX || (!card && card_len))
        return -EINVAL;
    *out = NULL;
    struct xvios_cpg *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->fd = -1;
    if (card_len)
        memcpy(c->card, card, card_len);
    c->card_len = card_len;
    if (cb)
        c->cb = *cb;
    int gl = snprintf(c->group.value, sizeof c->group.value, CPG_GROUP_PREFIX "%s", cluster);
    if (gl < 0 || (size_t)gl >= sizeof c->group.value) {
        free(c);
        return -ENAMETOOLONG;
    }
    c->group.length = (uint32_t)gl;

    cpg_model_v1_data_t model = { .model = CPG_MODEL_V1, .cpg_deliver_fn = on_deliver,
                                  .cpg_confchg_fn = on_confchg, .flags = 0 };
    cs_error_t e = cpg_model_initialize(&c->h, CPG_MODEL_V1, (cpg_model_data_t *)&model, c);
    if (e != CS_OK) {
        XLOG_ERR("cpg: cannot reach corosync (cs_error %d)", (int)e);
        free(c);
        return e == CS_ERR_LIBRARY ? -ECONNREFUSED : -EIO;
    }
    unsigned int nodeid = 0;
    if ((e = cpg_local_get(c->h, &nodeid)) != CS_OK || (e = cpg_fd_get(c->h, &c->fd)) != CS_OK) {
        rc = cs_errno(e);
        goto fail;
    }
    c->cs_nodeid = nodeid;
    c->self = xvios_cpg_node_id(nodeid, local);
    if (!c->self) {
        XLOG_ERR("cpg: corosync nodeid %u is outside 1..16777215: set nodeid in corosync.conf's nodelist", nodeid);
        rc = -ERANGE;
        goto fail;
    }
    /* cpg_join answers TRY_AGAIN while a membership change is synchronising: retry for a while. */
    struct timespec deadline = xvios_deadline_ms(CPG_HELLO_MS);
    while ((e = cpg_join(c->h, &c->group)) == CS_ERR_TRY_AGAIN && !xvios_ts_passed(&deadline)) {
        struct timespec pause = { .tv_sec = 0, .tv_nsec = 20 * 1000000L };
        nanosleep(&pause, NULL);
    }
    if (e != CS_OK) {
        XLOG_ERR("cpg: cannot join %s (cs_error %d)", c->group.value, (int)e);
        rc = e == CS_ERR_TRY_AGAIN ? -ETIMEDOUT : cs_errno(e);
        goto fail;
    }
    XLOG_INFO("cpg: node %u joined %s (host %u)", c->self, c->group.value, nodeid);
    *out = c;
    return 0; /* the HELLO goes at the confchg of this join */
fail:
    cpg_finalize(c->h);
    free(c);
    return rc;
}

void xvios_cpg_close(xvios_cpg *c)
{
    if (!c)
        return;
    if (!c->dead)
        cpg_leave(c->h, &c->group);
    cpg_finalize(c->h);
    cpg_sendq_clear(&c->q);
    free(c);
}

uint32_t xvios_cpg_self(const xvios_cpg *c) { return c->self; }
int xvios_cpg_fd(const xvios_cpg *c) { return c->dead ? -1 : c->fd; }

int xvios_cpg_dispatch(xvios_cpg *c)
{
    if (c->dead)
        return -EPIPE;
    int rc = cs_errno(cpg_dispatch(c->h, CS_DISPATCH_ALL));
    if (rc == -EPIPE) {
        mark_dead(c);
        return -EPIPE;
    }
    if (rc == -EAGAIN)
        rc = 0;          /* nothing was pending */
    if (c->announce) {
        int arc = announce(c);
        if (arc == -EPIPE)
            return -EPIPE;
        if (arc < 0)
            XLOG_WARN("cpg: HELLO not queued: %s", strerror(-arc));
    }
    struct timespec now = xvios_now();
    int qrc = cpg_sendq_run(&c->q, &now, mcast, expired, c);
    if (qrc == -EPIPE) {
        mark_dead(c);
        return -EPIPE;
    }
    return rc < 0 ? rc : 0;
}

int xvios_cpg_next_deadline(const xvios_cpg *c, struct timespec *when)
{
    struct timespec d;
    if (cpg_sendq_next_deadline(&c->q, &d) != 0)
        return -ENOENT;
    struct timespec retry = xvios_deadline_ms(CPG_RETRY_MS);
    *when = xvios_ts_cmp(retry, d) < 0 ? retry : d;
    return 0;
}

int xvios_cpg_send(xvios_cpg *c, const void *buf, size_t len, const struct timespec *deadline, uint64_t tag)
{
    if (!c || (!buf && len) || !deadline || tag == CPG_TAG_HELLO)
        return -EINVAL;
    if (len > XVIOS_CPG_MAX_PAYLOAD)
        return -EMSGSIZE;
    if (c->dead)
        return -EPIPE;
    if (xvios_ts_passed(deadline))
        return -ETIMEDOUT;
    uint8_t *msg = build(c, XVIOS_CPG_BCAST, buf, len);
    if (!msg)
        return -ENOMEM;
    int rc = submit(c, msg, XVIOS_CPG_HDR_LEN + len, deadline, tag);
    if (rc < 0 && rc != -EPIPE)
        free(msg);
    return rc;
}

unsigned xvios_cpg_members(const xvios_cpg *c, uint32_t *nodes, unsigned cap)
{
    return cpg_roster_nodes(&c->roster, nodes, cap);
}

void xvios_cpg_stats_get(const xvios_cpg *c, struct xvios_cpg_stats *st)
{
    *st = c->st;
    st->queued = c->q.n;
    st->members = c->roster.n;
}
