/* SPDX-License-Identifier: MIT */
/*
 * mesh_links.c - the mesh as the platform's links to the nodes of other hosts
 * (xvios/mesh.h, "The mesh as the platform's links"). A link here is a view
 * of the mesh's TCP link to one node: its state follows the mesh (UP while
 * that TCP link is up, DEAD for good once the node is lost or the TCP link
 * dies), inbound datagrams wait in its queue, its fd is an eventfd readable
 * while datagrams or a state change wait, so the link's owner (the VKE) wakes
 * at once on a loss.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "mesh_group.h"
#include "xen/plat/plat_ops.h"
#include "xvios/clock.h"
#include "xvios/evloop.h"
#include "xvios/log.h"
#include "xvios/mesh.h"
#include "xvios/pktq.h"

#define ML_MAX_LINKS XVIOS_CPG_MAX_MEMBERS         /* one per member of the group at most */
#define ML_MAX_FDS   (2u + 2u * XVIOS_CPG_MAX_MEMBERS) /* CPG, listener, links, handshakes (mesh.c: 8) */

struct ml_link {
    struct xvios_mesh_links *ml;
    uint32_t self, peer;
    enum xvios_link_state state;
    int efd;
    struct xvios_pktq inq;
};

struct xvios_mesh_links {
    xvios_mesh *mesh;
    xvios_plat *plat;
    int epfd;
    struct pollfd polled[ML_MAX_FDS];     /* what epfd holds now */
    unsigned n_polled;
    struct ml_link *links[ML_MAX_LINKS];
    bool gone;                            /* corosync went away: no link comes up again */
    uint32_t lost[ML_MAX_LINKS];          /* nodes reported lost and not back: their links open DEAD */
    struct xvios_evloop *loop;
    struct xvios_ev_fd *src;
    struct xvios_ev_timer *timer;
    struct xvios_mesh_links_stats st;
    uint8_t gbuf[XVIOS_CPG_MAX_PAYLOAD];  /* a group frame being sent */
};

static void signal_link(struct ml_link *l)
{
    uint64_t one = 1;
    if (write(l->efd, &one, sizeof one) < 0 && errno != EAGAIN)
        XLOG_WARN("mesh link to node %u: eventfd: %s", l->peer, strerror(errno));
}

static void clear_link(struct ml_link *l)
{
    uint64_t v;
    if (read(l->efd, &v, sizeof v) < 0 && errno != EAGAIN)
        XLOG_WARN("mesh link to node %u: eventfd: %s", l->peer, strerror(errno));
}

static struct ml_link *link_of(struct xvios_mesh_links *ml, uint32_t node)
{
    for (unsigned i = 0; i < ML_MAX_LINKS; i++)
        if (ml->links[i] && ml->links[i]->peer == node)
            return ml->links[i];
    return NULL;
}

static bool is_lost(const struct xvios_mesh_links *ml, uint32_t node)
{
    for (unsigned i = 0; i < ML_MAX_LINKS; i++)
        if (ml->lost[i] == node)
            return true;
    return false;
}

static void set_lost(struct xvios_mesh_links *ml, uint32_t node, bool lost)
{
    unsigned free_slot = ML_MAX_LINKS;
    for (unsigned i = 0; i < ML_MAX_LINKS; i++) {
        if (ml->lost[i] == node) {
            if (!lost)
                ml->lost[i] = 0;
            return;
        }
        if (!ml->lost[i] && free_slot == ML_MAX_LINKS)
            free_slot = i;
    }
    if (lost && free_slot < ML_MAX_LINKS)
        ml->lost[free_slot] = node;     /* full: that node's links open CONNECTING, as before it was seen */
}

static void make_dead(struct xvios_mesh_links *ml, struct ml_link *l, const char *why)
{
    if (l->state == XVIOS_LINK_DEAD)
        return;
    l->state = XVIOS_LINK_DEAD;
    ml->st.lost++;
    XLOG_INFO("mesh link to node %u: %s", l->peer, why);
    signal_link(l);
}

/* ---------------------------------------------------------------- the epoll set follows the mesh's fds */
static int ep_set(int epfd, int op, const struct pollfd *p)
{
    struct epoll_event ev = { .events = (p->events & POLLIN ? EPOLLIN : 0u) | (p->events & POLLOUT ? EPOLLOUT : 0u),
                              .data.fd = p->fd };
    return epoll_ctl(epfd, op, p->fd, &ev);
}

static void resync(struct xvios_mesh_links *ml)
{
    struct pollfd now[ML_MAX_FDS];
    unsigned n = xvios_mesh_pollfds(ml->mesh, now, ML_MAX_FDS);

    for (unsigned i = 0; i < ml->n_polled; i++) {
        bool kept = false;
        for (unsigned j = 0; j < n && !kept; j++)
            kept = now[j].fd == ml->polled[i].fd;
        if (!kept)   /* a closed fd has left the set already: ENOENT/EBADF are fine */
            (void)epoll_ctl(ml->epfd, EPOLL_CTL_DEL, ml->polled[i].fd, NULL);
    }
    for (unsigned j = 0; j < n; j++) {
        const struct pollfd *old = NULL;
        for (unsigned i = 0; i < ml->n_polled && !old; i++)
            if (ml->polled[i].fd == now[j].fd)
                old = &ml->polled[i];
        if (old && old->events == now[j].events)
            continue;
        /* a number seen before may be a new socket (the old one closed and left the set): MOD or ADD */
        if (ep_set(ml->epfd, old ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, &now[j]) < 0 &&
            ep_set(ml->epfd, old ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, &now[j]) < 0)
            XLOG_WARN("mesh: cannot poll fd %d: %s", now[j].fd, strerror(errno));
    }
    memcpy(ml->polled, now, n * sizeof now[0]);
    ml->n_polled = n;
}

/* ---------------------------------------------------------------- mesh callbacks */
static void take_datagram(struct xvios_mesh_links *ml, uint32_t src, const void *buf, size_t len);

/* A CPG delivery: a group datagram (mesh_group.h). CPG has checked that src speaks for its own host;
 * only a node the frame names takes it, on its link from src, as if src had sent it there. */
static void on_bcast(void *ctx, uint32_t src, const void *buf, size_t len)
{
    struct xvios_mesh_links *ml = ctx;
    const uint8_t *dgram;
    size_t dlen;
    bool addressed;

    if (src == xvios_mesh_self(ml->mesh)) {     /* this node's own multicast, back in the agreed order */
        ml->st.group_not_for_us++;
        return;
    }
    if (xvios_mesh_group_decode(buf, len, xvios_mesh_self(ml->mesh), &addressed, &dgram, &dlen) < 0) {
        ml->st.group_malformed++;
        XLOG_WARN("mesh: a malformed group datagram from node %u (%zu bytes): dropped", src, len);
        return;
    }
    if (!addressed) {
        ml->st.group_not_for_us++;
        return;
    }
    ml->st.group_in++;
    take_datagram(ml, src, dgram, dlen);
}

static void on_direct(void *ctx, uint32_t src, const void *buf, size_t len)
{
    take_datagram(ctx, src, buf, len);
}

static void take_datagram(struct xvios_mesh_links *ml, uint32_t src, const void *buf, size_t len)
{
    struct ml_link *l = link_of(ml, src);

    if (!l || l->state != XVIOS_LINK_UP) {
        ml->st.unclaimed++;
        XLOG_WARN("mesh: a datagram from node %u with no link open to it: dropped", src);
        return;
    }
    if (xvios_pktq_push(&l->inq, buf, len, 0, (struct timespec){ 0 }) < 0) {
        ml->st.inq_full++;
        XLOG_WARN("mesh link to node %u: %u datagrams wait already: one dropped", src, l->inq.n);
        return;
    }
    signal_link(l);
}

static void on_node_lost(void *ctx, uint32_t node, enum xvios_cpg_lost_reason why)
{
    struct xvios_mesh_links *ml = ctx;
    struct ml_link *l = link_of(ml, node);
    XLOG_WARN("mesh: node %u lost (%s)", node, xvios_cpg_lost_reason_name(why));
    set_lost(ml, node, true);
    if (l)
        make_dead(ml, l, "the node is lost");
}

static void on_node_up(void *ctx, uint32_t node)
{
    set_lost(ctx, node, false);
}

static void on_link(void *ctx, uint32_t node, bool up)
{
    struct xvios_mesh_links *ml = ctx;
    struct ml_link *l = link_of(ml, node);
    if (!l)
        return;
    if (up && l->state == XVIOS_LINK_CONNECTING) {
        l->state = XVIOS_LINK_UP;
        signal_link(l);
    } else if (!up) {
        make_dead(ml, l, "its TCP link is gone");
    }
}

/* ---------------------------------------------------------------- link ops */
static int ml_open(void *impl, const struct xvios_link_peer *peer, void **link_impl)
{
    struct xvios_mesh_links *ml = impl;
    uint32_t self = xvios_mesh_self(ml->mesh);
    unsigned slot = ML_MAX_LINKS;

    if (peer->peer_node == 0 || xvios_cpg_node_host(peer->peer_node) == 0 ||
        xvios_cpg_node_host(peer->peer_node) == xvios_cpg_node_host(self))
        return -ENXIO;                       /* a console, or a node of this host: the platform's own link */
    if (peer->self_node != self) {
        XLOG_WARN("mesh: a link as node %u, but this mesh node is %u", peer->self_node, self);
        return -EINVAL;
    }
    if (link_of(ml, peer->peer_node))
        return -EBUSY;
    for (unsigned i = 0; i < ML_MAX_LINKS && slot == ML_MAX_LINKS; i++)
        if (!ml->links[i])
            slot = i;
    if (slot == ML_MAX_LINKS)
        return -ENOSPC;
    struct ml_link *l = calloc(1, sizeof *l);
    if (!l)
        return -ENOMEM;
    l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->efd < 0) {
        int rc = -errno;
        free(l);
        return rc;
    }
    l->ml = ml;
    l->self = self;
    l->peer = peer->peer_node;
    xvios_pktq_init(&l->inq, XVIOS_MESH_LINK_INQ_PKTS, XVIOS_MESH_LINK_INQ_BYTES);
    if (ml->gone || is_lost(ml, l->peer)) {  /* a lost node: its sends fail at once until it is back */
        l->state = XVIOS_LINK_DEAD;
    } else {
        l->state = xvios_mesh_link_up(ml->mesh, l->peer) ? XVIOS_LINK_UP : XVIOS_LINK_CONNECTING;
    }
    if (l->state != XVIOS_LINK_CONNECTING)
        signal_link(l);
    ml->links[slot] = l;
    *link_impl = l;
    return 0;
}

static void ml_close(void *link_impl)
{
    struct ml_link *l = link_impl;
    struct xvios_mesh_links *ml = l->ml;

    for (unsigned i = 0; ml && i < ML_MAX_LINKS; i++)
        if (ml->links[i] == l)
            ml->links[i] = NULL;
    if (l->inq.n)
        XLOG_WARN("mesh link to node %u closed with %u datagrams unread: dropped", l->peer, l->inq.n);
    xvios_pktq_dispose(&l->inq);
    close(l->efd);
    free(l);
}

static int ml_fd(const void *link_impl)
{
    return ((const struct ml_link *)link_impl)->efd;
}

static enum xvios_link_state ml_state(const void *link_impl)
{
    return ((const struct ml_link *)link_impl)->state;
}

static enum xvios_link_state ml_progress(void *link_impl)
{
    struct ml_link *l = link_impl;

    if (l->state == XVIOS_LINK_CONNECTING && !l->ml->gone && xvios_mesh_link_up(l->ml->mesh, l->peer))
        l->state = XVIOS_LINK_UP;
    if (!l->inq.n)
        clear_link(l);      /* nothing left to read: the fd stays quiet until the mesh has news */
    return l->state;
}

static int ml_send(void *link_impl, const void *buf, size_t len, const struct timespec *deadline)
{
    struct ml_link *l = link_impl;
    int rc;

    if (l->state == XVIOS_LINK_DEAD)
        return -EPIPE;
    if (l->state != XVIOS_LINK_UP)
        return -ENOTCONN;
    rc = xvios_mesh_send(l->ml->mesh, l->peer, buf, len, deadline);
    if (rc == -EHOSTUNREACH) {
        make_dead(l->ml, l, "the node is no member any more");
        return -EPIPE;
    }
    if (rc == 0)
        resync(l->ml);      /* output left over for a full socket needs POLLOUT */
    return rc;
}

static int ml_recv(void *link_impl, void *buf, size_t cap, size_t *len)
{
    struct ml_link *l = link_impl;
    struct xvios_pkt *pkt;

    if (l->state == XVIOS_LINK_DEAD)
        return -EPIPE;
    pkt = xvios_pktq_pop(&l->inq);
    if (!pkt) {
        clear_link(l);
        return l->state == XVIOS_LINK_UP ? -EAGAIN : -ENOTCONN;
    }
    int rc = 0;
    if (pkt->len > cap) {
        rc = -EMSGSIZE;
    } else {
        memcpy(buf, pkt->data, pkt->len);
        *len = pkt->len;
    }
    free(pkt);
    return rc;
}

/* One CPG multicast for links to several nodes (xvios_link_group_send has checked n, the table and
 * that the nodes differ). CPG refusing it with TRY_AGAIN queues it (bounded, until deadline). */
static int ml_group_send(void *const *link_impls, unsigned n, const void *buf, size_t len,
                         const struct timespec *deadline)
{
    struct ml_link *first = link_impls[0];
    struct xvios_mesh_links *ml = first->ml;
    uint32_t nodes[XVIOS_LINK_GROUP_MAX];
    size_t flen;
    int rc;

    if (!ml)
        return -EPIPE;
    for (unsigned i = 0; i < n; i++) {
        const struct ml_link *l = link_impls[i];
        if (l->ml != ml)
            return -EINVAL;
        if (l->state != XVIOS_LINK_UP)
            return l->state == XVIOS_LINK_DEAD ? -EPIPE : -ENOTCONN;
        nodes[i] = l->peer;
    }
    rc = xvios_mesh_group_encode(nodes, n, buf, len, ml->gbuf, sizeof ml->gbuf, &flen);
    if (rc < 0)
        return rc;
    rc = xvios_mesh_bcast(ml->mesh, ml->gbuf, flen, deadline, 0);
    if (rc < 0)
        return rc;
    ml->st.group_out++;
    ml->st.group_copies += n;
    resync(ml);             /* a queued multicast needs the mesh's timer */
    return 0;
}

static const struct xvios_plat_ops mesh_link_ops = {
    .name = "mesh",
    .link_open = ml_open,
    .link_close = ml_close,
    .link_fd = ml_fd,
    .link_progress = ml_progress,
    .link_state = ml_state,
    .link_send = ml_send,
    .link_recv = ml_recv,
    .link_group_send = ml_group_send,
};

/* ---------------------------------------------------------------- service, and the loop's guest */
/* The epoll fd is level-triggered and only tells the loop to come here: it is quiet again once the
 * mesh has taken what its fds hold, so nothing is read from it. */
int xvios_mesh_links_service(xvios_mesh_links *ml)
{
    int rc;

    rc = ml->gone ? -EPIPE : xvios_mesh_service(ml->mesh);
    if (rc == -EPIPE && !ml->gone) {
        ml->gone = true;
        XLOG_ERR("mesh: corosync is gone: every link to another host is dead from now on");
        for (unsigned i = 0; i < ML_MAX_LINKS; i++)
            if (ml->links[i])
                make_dead(ml, ml->links[i], "corosync is gone");
    }
    resync(ml);
    return rc;
}

int xvios_mesh_links_poll_ms(const xvios_mesh_links *ml)
{
    return ml->gone ? 1000 : xvios_mesh_poll_ms(ml->mesh);
}

static void loop_turn(struct xvios_mesh_links *ml)
{
    xvios_mesh_links_service(ml);
    if (ml->gone) {         /* nothing more will come: leave the loop alone */
        xvios_evloop_fd_remove(ml->src);
        ml->src = NULL;
        xvios_evloop_timer_disarm(ml->timer);
        return;
    }
    xvios_evloop_timer_arm(ml->timer, xvios_deadline_ms((uint32_t)xvios_mesh_links_poll_ms(ml)));
}

static void on_fd(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    (void)src, (void)fd, (void)revents;
    loop_turn(arg);
}

static void on_timer(struct xvios_ev_timer *t, void *arg)
{
    (void)t;
    loop_turn(arg);
}

int xvios_mesh_links_open(const struct xvios_mesh_config *cfg, xvios_plat *p, struct xvios_evloop *loop,
                          uint32_t expect_node, xvios_mesh_links **out)
{
    struct xvios_mesh_callbacks cb = { .bcast = on_bcast, .direct = on_direct, .node_up = on_node_up,
                                       .node_lost = on_node_lost,
                                       .link = on_link };
    int rc;

    if (!cfg || !p || !out)
        return -EINVAL;
    *out = NULL;
    struct xvios_mesh_links *ml = calloc(1, sizeof *ml);
    if (!ml)
        return -ENOMEM;
    ml->plat = p;
    ml->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (ml->epfd < 0) {
        rc = -errno;
        free(ml);
        return rc;
    }
    cb.ctx = ml;
    if ((rc = xvios_mesh_open(cfg, &cb, &ml->mesh)) < 0)
        goto fail;
    if (expect_node && xvios_mesh_self(ml->mesh) != expect_node) {
        XLOG_ERR("mesh: this member is node %u on corosync, but the cluster lists it as node %u",
                 xvios_mesh_self(ml->mesh), expect_node);
        rc = -EADDRNOTAVAIL;
        goto fail;
    }
    if (loop) {
        ml->loop = loop;
        if ((rc = xvios_evloop_fd_add(loop, ml->epfd, POLLIN, on_fd, ml, &ml->src)) < 0 ||
            (rc = xvios_evloop_timer_add(loop, on_timer, ml, &ml->timer)) < 0)
            goto fail;
        xvios_evloop_timer_arm(ml->timer, xvios_now());
    }
    resync(ml);
    xvios_plat_link_divert(p, &mesh_link_ops, ml);
    *out = ml;
    return 0;
fail:
    xvios_evloop_fd_remove(ml->src);
    xvios_evloop_timer_remove(ml->timer);
    xvios_mesh_close(ml->mesh);
    close(ml->epfd);
    free(ml);
    return rc;
}

void xvios_mesh_links_close(xvios_mesh_links *ml)
{
    if (!ml)
        return;
    xvios_plat_link_divert(ml->plat, NULL, NULL);
    for (unsigned i = 0; i < ML_MAX_LINKS; i++)
        if (ml->links[i]) {  /* its owner still holds it: DEAD, and no longer ours (ml_close frees it) */
            XLOG_WARN("mesh: closed while a link to node %u is open: the link is dead", ml->links[i]->peer);
            ml->links[i]->state = XVIOS_LINK_DEAD;
            ml->links[i]->ml = NULL;
        }
    xvios_evloop_fd_remove(ml->src);
    xvios_evloop_timer_remove(ml->timer);
    xvios_mesh_close(ml->mesh);
    close(ml->epfd);
    free(ml);
}

xvios_mesh *xvios_mesh_links_mesh(xvios_mesh_links *ml) { return ml->mesh; }
int xvios_mesh_links_fd(const xvios_mesh_links *ml) { return ml->epfd; }
void xvios_mesh_links_stats_get(const xvios_mesh_links *ml, struct xvios_mesh_links_stats *st) { *st = ml->st; }

size_t xvios_mesh_links_format_stats(void *arg, char *buf, size_t cap)
{
    const struct xvios_mesh_links *ml = arg;
    struct xvios_mesh_stats ms;
    struct xvios_cpg_stats cs;
    int n;

    if (!ml || !buf || cap == 0)
        return 0;
    xvios_mesh_stats_get(ml->mesh, &ms);
    xvios_mesh_cpg_stats_get(ml->mesh, &cs);
    n = snprintf(buf, cap,
                 "mesh_direct_in=%llu\nmesh_direct_out=%llu\nmesh_group_out=%llu\nmesh_group_copies=%llu\n"
                 "mesh_group_in=%llu\nmesh_group_not_for_us=%llu\nmesh_group_malformed=%llu\nmesh_unclaimed=%llu\n"
                 "mesh_inq_full=%llu\ncpg_sent=%llu\ncpg_delivered=%llu\ncpg_try_again=%llu\ncpg_expired=%llu\n"
                 "cpg_queued=%u\n",
                 (unsigned long long)ms.direct_in, (unsigned long long)ms.direct_out,
                 (unsigned long long)ml->st.group_out, (unsigned long long)ml->st.group_copies,
                 (unsigned long long)ml->st.group_in, (unsigned long long)ml->st.group_not_for_us,
                 (unsigned long long)ml->st.group_malformed, (unsigned long long)ml->st.unclaimed,
                 (unsigned long long)ml->st.inq_full, (unsigned long long)cs.sent,
                 (unsigned long long)cs.delivered, (unsigned long long)cs.try_again,
                 (unsigned long long)cs.expired, cs.queued);
    if (n < 0)
        return 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}
