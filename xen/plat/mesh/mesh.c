/* SPDX-License-Identifier: MIT */
/*
 * mesh.c - CPG membership drives the TCP links between hosts' nodes
 * (xvios/mesh.h). The corosync calls stay in xen/plat/cpg/, the TLS ones in
 * xen/plat/tcp/; this file only decides which link should exist.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/mesh.h"
#include "xvios/parse.h"

#define MESH_REDIAL_MS   200u   /* a dead link to a member is redialled after this */
#define MESH_PENDING_MAX 8u     /* accepted connections still in their handshake */
#define MESH_RECV_BURST  64u    /* datagrams taken from one link per service */
#define MESH_TICK_MS     20     /* poll timeout while links are connecting */

struct mesh_peer {
    uint32_t node;                /* 0: free slot */
    bool member;                  /* CPG says it is up */
    bool has_card;
    char addr[16];
    uint16_t port;
    xvios_tcp_link *link;
    bool was_up;
    struct timespec redial_at;
};

struct xvios_mesh {
    xvios_cpg *cpg;
    xvios_tcp_listener *lis;
    struct xvios_tcp_key key;
    uint32_t self;
    struct xvios_mesh_callbacks cb;
    struct mesh_peer peers[XVIOS_CPG_MAX_MEMBERS];
    xvios_tcp_link *pending[MESH_PENDING_MAX];
    struct xvios_mesh_stats st;
    uint8_t buf[XVIOS_LINK_MAX_DGRAM];
};

static struct mesh_peer *peer_of(struct xvios_mesh *m, uint32_t node, bool create)
{
    struct mesh_peer *free_slot = NULL;
    for (unsigned i = 0; i < XVIOS_CPG_MAX_MEMBERS; i++) {
        if (m->peers[i].node == node)
            return &m->peers[i];
        if (!m->peers[i].node && !free_slot)
            free_slot = &m->peers[i];
    }
    if (!create || !free_slot)
        return NULL;
    *free_slot = (struct mesh_peer){ .node = node };
    return free_slot;
}

static bool other_host(const struct xvios_mesh *m, uint32_t node)
{
    return node != m->self && xvios_cpg_node_host(node) != xvios_cpg_node_host(m->self);
}

static void drop_link(struct xvios_mesh *m, struct mesh_peer *p)
{
    if (!p->link)
        return;
    xvios_tcp_link_close(p->link);
    p->link = NULL;
    if (p->was_up) {
        p->was_up = false;
        m->st.links_lost++;
        XLOG_INFO("mesh: link to node %u gone", p->node);
        if (m->cb.link)
            m->cb.link(m->cb.ctx, p->node, false);
    }
    p->redial_at = xvios_deadline_ms(MESH_REDIAL_MS);
}

static void dial(struct xvios_mesh *m, struct mesh_peer *p)
{
    if (p->link || !p->member || !p->has_card || m->self < p->node)
        return;                                   /* the lower node id serves */
    if (!xvios_ts_passed(&p->redial_at))
        return;
    int rc = xvios_tcp_connect(p->addr, p->port, &m->key, m->self, p->node, &p->link);
    if (rc < 0) {
        XLOG_WARN("mesh: cannot dial node %u at %s:%u: %s", p->node, p->addr, p->port, strerror(-rc));
        p->redial_at = xvios_deadline_ms(MESH_REDIAL_MS);
    }
}

/* ---------------------------------------------------------------- CPG callbacks */
static void on_bcast(void *ctx, uint32_t src, const void *buf, size_t len)
{
    struct xvios_mesh *m = ctx;
    if (m->cb.bcast)
        m->cb.bcast(m->cb.ctx, src, buf, len);
}

static void on_up(void *ctx, uint32_t node)
{
    struct xvios_mesh *m = ctx;
    struct mesh_peer *p = peer_of(m, node, true);
    if (p)
        p->member = true;
    if (m->cb.node_up)
        m->cb.node_up(m->cb.ctx, node);
}

/* The card is "A.B.C.D:PORT"; anything else is ignored (logged). */
static void on_card(void *ctx, uint32_t node, const void *card, size_t len)
{
    struct xvios_mesh *m = ctx;
    char text[XVIOS_CPG_CARD_MAX + 1], *colon;
    uint32_t port = 0;
    if (!other_host(m, node))
        return;
    memcpy(text, card, len);
    text[len] = 0;
    colon = strrchr(text, ':');
    if (!colon || (size_t)(colon - text) >= sizeof m->peers[0].addr || xvios_parse_u32(colon + 1, 1, 65535, &port) != 0) {
        XLOG_WARN("mesh: node %u's card \"%.*s\" is not ADDR:PORT", node, (int)len, (const char *)card);
        return;
    }
    *colon = 0;
    struct mesh_peer *p = peer_of(m, node, true);
    if (!p)
        return;
    p->member = true;
    if (!p->has_card || strcmp(p->addr, text) != 0 || p->port != port) {
        memcpy(p->addr, text, strlen(text) + 1);    /* fits: checked against the colon above */
        p->port = (uint16_t)port;
        p->has_card = true;
        XLOG_INFO("mesh: node %u listens at %s:%u (its card)", node, p->addr, p->port);
    }
    dial(m, p);
}

static void on_lost(void *ctx, uint32_t node, enum xvios_cpg_lost_reason why)
{
    struct xvios_mesh *m = ctx;
    struct mesh_peer *p = peer_of(m, node, false);
    if (p) {
        drop_link(m, p);
        *p = (struct mesh_peer){ 0 };
    }
    if (m->cb.node_lost)
        m->cb.node_lost(m->cb.ctx, node, why);
}

/* ---------------------------------------------------------------- open / close */
int xvios_mesh_open(const struct xvios_mesh_config *cfg, const struct xvios_mesh_callbacks *cb, xvios_mesh **out)
{
    int rc;
    char card[XVIOS_CPG_CARD_MAX];
    if (!cfg || !cfg->key || !cfg->listen_addr || !out)
        return -EINVAL;
    struct xvios_mesh *m = calloc(1, sizeof *m);
    if (!m)
        return -ENOMEM;
    m->key = *cfg->key;
    if (cb)
        m->cb = *cb;
    if ((rc = xvios_tcp_listen(cfg->listen_addr, cfg->listen_port, &m->lis)) < 0) {
        if (rc == -EADDRINUSE)
            XLOG_ERR("mesh: cannot listen on %s:%u: the port is in use on that address (another process listens "
                     "there)", cfg->listen_addr, cfg->listen_port);
        else
            XLOG_ERR("mesh: cannot listen on %s:%u%s: %s", cfg->listen_addr, cfg->listen_port,
                     cfg->listen_port ? "" : " (a port chosen by the kernel)", strerror(-rc));
        goto fail;
    }
    int n = snprintf(card, sizeof card, "%s:%u", cfg->listen_addr, xvios_tcp_listener_port(m->lis));
    if (n < 0 || (size_t)n >= sizeof card) {
        rc = -EINVAL;
        goto fail;
    }
    struct xvios_cpg_callbacks ccb = { .deliver = on_bcast, .node_up = on_up, .node_card = on_card,
                                       .node_lost = on_lost, .ctx = m };
    if ((rc = xvios_cpg_open(cfg->cluster, cfg->local, card, (size_t)n, &ccb, &m->cpg)) < 0)
        goto fail;
    m->self = xvios_cpg_self(m->cpg);
    *out = m;
    return 0;
fail:
    xvios_tcp_listener_close(m->lis);
    explicit_bzero(&m->key, sizeof m->key);
    free(m);
    return rc;
}

void xvios_mesh_close(xvios_mesh *m)
{
    if (!m)
        return;
    for (unsigned i = 0; i < XVIOS_CPG_MAX_MEMBERS; i++)
        xvios_tcp_link_close(m->peers[i].link);
    for (unsigned i = 0; i < MESH_PENDING_MAX; i++)
        xvios_tcp_link_close(m->pending[i]);
    xvios_cpg_close(m->cpg);
    xvios_tcp_listener_close(m->lis);
    explicit_bzero(&m->key, sizeof m->key);
    free(m);
}

uint32_t xvios_mesh_self(const xvios_mesh *m) { return m->self; }
uint16_t xvios_mesh_port(const xvios_mesh *m) { return xvios_tcp_listener_port(m->lis); }

unsigned xvios_mesh_pollfds(const xvios_mesh *m, struct pollfd *fds, unsigned cap)
{
    unsigned n = 0;
#define ADD(f, ev) do { int fd_ = (f); if (fd_ >= 0 && n < cap) fds[n++] = (struct pollfd){ .fd = fd_, .events = (ev) }; } while (0)
    ADD(xvios_cpg_fd(m->cpg), POLLIN);
    ADD(xvios_tcp_listener_fd(m->lis), POLLIN);
    for (unsigned i = 0; i < XVIOS_CPG_MAX_MEMBERS; i++) {
        const xvios_tcp_link *t = m->peers[i].link;
        if (t)  /* output left over from a full socket goes when the socket has room */
            ADD(xvios_tcp_link_fd(t), POLLIN | (xvios_tcp_link_pending_out(t) ? POLLOUT : 0));
    }
    for (unsigned i = 0; i < MESH_PENDING_MAX; i++)
        if (m->pending[i])
            ADD(xvios_tcp_link_fd(m->pending[i]), POLLIN);
#undef ADD
    return n;
}

int xvios_mesh_poll_ms(const xvios_mesh *m)
{
    for (unsigned i = 0; i < MESH_PENDING_MAX; i++)
        if (m->pending[i])
            return MESH_TICK_MS;
    for (unsigned i = 0; i < XVIOS_CPG_MAX_MEMBERS; i++) {
        const struct mesh_peer *p = &m->peers[i];
        if (p->node && ((p->link && (xvios_tcp_link_state(p->link) != XVIOS_LINK_UP ||
                                     (xvios_tcp_link_fd(p->link) < 0 && xvios_tcp_link_pending_out(p->link)))) ||
                        (!p->link && p->member && p->has_card && m->self > p->node)))
            return MESH_TICK_MS;
    }
    struct timespec when;
    if (xvios_cpg_next_deadline(m->cpg, &when) == 0)
        return xvios_poll_timeout(&when, 1000);
    return 1000;
}

/* ---------------------------------------------------------------- service */
static void accept_new(struct xvios_mesh *m)
{
    for (;;) {
        xvios_tcp_link *t = NULL;
        if (xvios_tcp_accept(m->lis, &m->key, m->self, &t) != 0)
            return;
        unsigned i = 0;
        while (i < MESH_PENDING_MAX && m->pending[i])
            i++;
        if (i == MESH_PENDING_MAX) {
            m->st.refused++;
            XLOG_WARN("mesh: %u handshakes in flight already: connection dropped", MESH_PENDING_MAX);
            xvios_tcp_link_close(t);
            continue;
        }
        m->pending[i] = t;
    }
}

/* A served link finished its handshake: keep it if it is the link this node should serve. */
static void adopt(struct xvios_mesh *m, xvios_tcp_link *t)
{
    uint32_t node = xvios_tcp_link_peer(t);
    struct mesh_peer *p = other_host(m, node) && node > m->self ? peer_of(m, node, true) : NULL;
    if (!p) {
        m->st.refused++;
        XLOG_WARN("mesh: link from node %u refused (same host, or it should serve)", node);
        xvios_tcp_link_close(t);
        return;
    }
    drop_link(m, p);          /* a newer connection replaces one the peer has given up on */
    p->link = t;
}

static void service_pending(struct xvios_mesh *m)
{
    for (unsigned i = 0; i < MESH_PENDING_MAX; i++) {
        xvios_tcp_link *t = m->pending[i];
        if (!t)
            continue;
        enum xvios_link_state s = xvios_tcp_link_progress(t);
        if (s == XVIOS_LINK_CONNECTING)
            continue;
        m->pending[i] = NULL;
        if (s == XVIOS_LINK_UP)
            adopt(m, t);
        else
            xvios_tcp_link_close(t);
    }
}

static void service_peer(struct xvios_mesh *m, struct mesh_peer *p)
{
    if (!p->link) {
        dial(m, p);
        return;
    }
    enum xvios_link_state s = xvios_tcp_link_progress(p->link);
    if (s == XVIOS_LINK_UP && !p->was_up) {
        p->was_up = true;
        m->st.links_up++;
        XLOG_INFO("mesh: link to node %u up", p->node);
        if (m->cb.link)
            m->cb.link(m->cb.ctx, p->node, true);
    }
    for (unsigned k = 0; s == XVIOS_LINK_UP && k < MESH_RECV_BURST; k++) {
        size_t len = 0;
        int rc = xvios_tcp_link_recv(p->link, m->buf, sizeof m->buf, &len);
        if (rc == -EAGAIN)
            break;
        if (rc == 0) {
            m->st.direct_in++;
            if (m->cb.direct)
                m->cb.direct(m->cb.ctx, p->node, m->buf, len);
        } else if (rc != -EBADMSG && rc != -EMSGSIZE) {
            break;
        }
        if (!p->link)
            return;            /* a callback closed it */
        s = xvios_tcp_link_state(p->link);
    }
    if (s == XVIOS_LINK_DEAD)
        drop_link(m, p);
}

int xvios_mesh_service(xvios_mesh *m)
{
    int rc = xvios_cpg_dispatch(m->cpg);
    accept_new(m);
    service_pending(m);
    for (unsigned i = 0; i < XVIOS_CPG_MAX_MEMBERS; i++)
        if (m->peers[i].node)
            service_peer(m, &m->peers[i]);
    return rc == -EPIPE ? -EPIPE : 0;
}

int xvios_mesh_bcast(xvios_mesh *m, const void *buf, size_t len, const struct timespec *deadline, uint64_t tag)
{
    return xvios_cpg_send(m->cpg, buf, len, deadline, tag);
}

int xvios_mesh_send(xvios_mesh *m, uint32_t node, const void *buf, size_t len, const struct timespec *deadline)
{
    struct mesh_peer *p = other_host(m, node) ? peer_of(m, node, false) : NULL;
    if (!p || !p->member)
        return -EHOSTUNREACH;
    if (!p->link || xvios_tcp_link_state(p->link) != XVIOS_LINK_UP)
        return -ENOTCONN;
    int rc = xvios_tcp_link_send(p->link, buf, len, deadline);
    if (rc == 0)
        m->st.direct_out++;
    return rc;
}

bool xvios_mesh_link_up(const xvios_mesh *m, uint32_t node)
{
    for (unsigned i = 0; i < XVIOS_CPG_MAX_MEMBERS; i++)
        if (m->peers[i].node == node)
            return m->peers[i].link && xvios_tcp_link_state(m->peers[i].link) == XVIOS_LINK_UP;
    return false;
}

void xvios_mesh_stats_get(const xvios_mesh *m, struct xvios_mesh_stats *st) { *st = m->st; }
void xvios_mesh_cpg_stats_get(const xvios_mesh *m, struct xvios_cpg_stats *st) { xvios_cpg_stats_get(m->cpg, st); }
