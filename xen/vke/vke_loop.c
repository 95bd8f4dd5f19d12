/* SPDX-License-Identifier: MIT */
/*
 * vke_loop.c - the VKE as a guest of its host's event loop.
 *
 * Registered with the loop: the local socket (accept), each local
 * connection (read), each link's fd while it has one, the membership
 * watches (through the multiplexer, vke_members.c), and one service timer.
 * Every callback does its own job and "kicks" the service timer, which then
 * runs at the end of the same turn, once however many fds were ready: it
 * progresses, receives, flushes and expires the links whose fd was ready or
 * that have a queue (every link on the ticks below), expires outstanding
 * sends, flushes the daemon queue, hands in-process packets and results
 * over, brings the fd sources in step with connections and links, and
 * re-arms itself at the next deadline (the nearest send deadline; the next
 * service of every link: within 50 ms while a link connects or a queue
 * waits, every second while there are peers at all, because the Xen
 * platform notices a destroyed peer domain only when the link is
 * progressed).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"

/* Does anything need attention on a timer (links connecting, queues waiting)? */
static bool needs_tick(const struct xvios_vke *v)
{
    if (v->upq.n && v->daemon_conn_id)
        return true;
    for (unsigned i = 0; i < v->n_peers; i++) {
        const struct vke_peer *p = &v->peers[i];
        if (!p->link || p->outq.n || xvios_link_state(p->link) != XVIOS_LINK_UP || xvios_link_fd(p->link) < 0)
            return true;
    }
    return false;
}

static void rearm(struct xvios_vke *v)
{
    struct timespec next, tick, idle;
    bool any = vke_send_next_deadline(v, &next);

    if (vke_local_expire(v, false, &idle) && (!any || xvios_ts_cmp(idle, next) < 0)) {
        next = idle;
        any = true;
    }

    if (needs_tick(v)) {
        /* links connecting or queues waiting: every peer within VKE_TICK_MS */
        tick = xvios_deadline_ms(VKE_TICK_MS);
        if (!v->full_service_due || xvios_ts_cmp(tick, v->full_service_at) < 0)
            v->full_service_at = tick;
        v->full_service_due = true;
    } else if (v->n_peers && !v->full_service_due) {
        v->full_service_at = xvios_deadline_ms(VKE_IDLE_MS);
        v->full_service_due = true;
    } else if (!v->n_peers) {
        v->full_service_due = false;
    }
    if (vke_inproc_pending(v)) {
        next = xvios_now();
        any = true;
    } else if (v->full_service_due) {
        if (!any || xvios_ts_cmp(v->full_service_at, next) < 0)
            next = v->full_service_at;
        any = true;
    }
    if (any)
        xvios_evloop_timer_arm(v->service, next);
    else
        xvios_evloop_timer_disarm(v->service);
}

static void on_service(struct xvios_ev_timer *t, void *arg)
{
    struct xvios_vke *v = arg;

    (void)t;
    if (!v->full_service_due || xvios_ts_passed(&v->full_service_at)) {
        v->full_service_due = false;   /* rearm() sets the next one */
        vke_peers_service(v);
    } else {
        vke_peers_service_woken(v);
    }
    vke_send_expire(v);
    vke_local_expire(v, true, &(struct timespec){ 0 });
    vke_local_flush_up(v);
    vke_local_expire_up(v);
    vke_inproc_flush(v);
    vke_loop_sync(v);
    rearm(v);
}

static void on_listen(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    (void)src;
    (void)fd;
    (void)revents;
    vke_local_accept(arg);
    vke_loop_kick(arg);
}

static void on_conn(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    struct xvios_vke *v = arg;

    for (unsigned i = 0; i < VKE_MAX_CONNS; i++) {
        struct vke_conn *c = &v->conns[i];
        if (c->src == src && c->fd == fd) {
            if (revents & POLLOUT)
                vke_local_flush(v, c);
            if (c->fd >= 0 && (revents & ~POLLOUT))
                vke_local_read(v, c);
            break;
        }
    }
    vke_loop_kick(v);
}

/* A link's fd is readable: the service (this turn) progresses and receives that link. */
static void on_link(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    struct xvios_vke *v = arg;

    (void)fd;
    (void)revents;
    for (unsigned i = 0; i < v->n_peers; i++)
        if (v->peers[i].src == src)
            v->peers[i].ready = true;
    vke_loop_kick(v);
}

/* Make *src watch want_fd (-1: none) for events. */
static void follow(struct xvios_vke *v, struct xvios_ev_fd **src, int want_fd, short events, xvios_ev_fd_cb cb)
{
    int rc;

    if (*src && xvios_evloop_fd_fd(*src) == want_fd) {
        xvios_evloop_fd_set_events(*src, events);
        return;
    }
    xvios_evloop_fd_remove(*src);
    *src = NULL;
    if (want_fd < 0)
        return;
    rc = xvios_evloop_fd_add(v->loop, want_fd, events, cb, v, src);
    if (rc < 0) /* the service tick still progresses it, more slowly */
        XLOG_ERR("cannot add fd %d to the event loop: %s", want_fd, strerror(-rc));
}

void vke_loop_sync(struct xvios_vke *v)
{
    if (!v->loop)
        return;
    for (unsigned i = 0; i < VKE_MAX_CONNS; i++)
        follow(v, &v->conns[i].src, v->conns[i].fd, POLLIN | (v->conns[i].outq.head ? POLLOUT : 0), on_conn);
    for (unsigned i = 0; i < v->n_peers; i++) {
        struct vke_peer *p = &v->peers[i];
        follow(v, &p->src, p->link ? xvios_link_fd(p->link) : -1, POLLIN, on_link);
    }
}

int vke_loop_attach(struct xvios_vke *v)
{
    int rc = xvios_evloop_timer_add(v->loop, on_service, v, &v->service);

    if (rc == 0)
        rc = xvios_evloop_fd_add(v->loop, v->listen_fd, POLLIN, on_listen, v, &v->listen_src);
    if (rc < 0)
        XLOG_ERR("cannot join the event loop: %s", strerror(-rc));
    return rc;
}

void vke_loop_detach(struct xvios_vke *v)
{
    if (!v->loop)
        return;
    vke_members_unwatch(v);
    xvios_evloop_fd_remove(v->listen_src);
    v->listen_src = NULL;
    for (unsigned i = 0; i < VKE_MAX_CONNS; i++) {
        xvios_evloop_fd_remove(v->conns[i].src);
        v->conns[i].src = NULL;
    }
    for (unsigned i = 0; i < v->n_peers; i++) {
        xvios_evloop_fd_remove(v->peers[i].src);
        v->peers[i].src = NULL;
    }
    xvios_evloop_timer_remove(v->service);
    v->service = NULL;
}
