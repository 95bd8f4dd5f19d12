/* SPDX-License-Identifier: MIT */
/*
 * evloop.c - the one poll() loop of a process (see include/xvios/evloop.h).
 *
 * fd sources live in a list in the order they were added; each turn builds
 * a pollfd array from it, remembering which source each entry came from. A
 * source removed while the loop dispatches is only marked and freed at the
 * end of the turn, so the snapshot never points at freed memory. Armed
 * timers live in a list sorted by deadline (ties: arming order); firing one
 * restarts the walk from the head, so callbacks may re-arm or remove any
 * timer, and a per-turn stamp keeps each timer to one firing per turn.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/clock.h"
#include "xvios/evloop.h"
#include "xvios/log.h"

struct xvios_ev_fd {
    struct xvios_evloop *loop;
    struct xvios_ev_fd *next;
    int fd;
    short events;
    bool removed;              /* removed during dispatch: freed at the end of the turn */
    xvios_ev_fd_cb cb;
    void *arg;
};

struct xvios_ev_timer {
    struct xvios_evloop *loop;
    struct xvios_ev_timer *all_prev, *all_next;   /* every timer of the loop */
    struct xvios_ev_timer *prev, *next;           /* the armed list, by deadline */
    bool armed;
    struct timespec deadline;
    uint64_t fired_turn;
    xvios_ev_timer_cb cb;
    void *arg;
};

struct xvios_evloop {
    struct xvios_ev_fd *fd_head, *fd_tail;
    unsigned n_fds;            /* sources in the list, removed ones included */
    bool dispatching;
    bool has_removed;
    struct xvios_ev_timer *timers;   /* all */
    struct xvios_ev_timer *armed;    /* sorted */
    struct pollfd *pfd;
    struct xvios_ev_fd **psrc;
    unsigned cap;
    uint64_t turn;
    bool stop;
};

int xvios_evloop_create(struct xvios_evloop **out)
{
    struct xvios_evloop *loop;

    if (!out)
        return -EINVAL;
    *out = NULL;
    loop = calloc(1, sizeof(*loop));
    if (!loop)
        return -ENOMEM;
    *out = loop;
    return 0;
}

void xvios_evloop_destroy(struct xvios_evloop *loop)
{
    if (!loop)
        return;
    while (loop->fd_head) {
        struct xvios_ev_fd *s = loop->fd_head;
        loop->fd_head = s->next;
        free(s);
    }
    while (loop->timers) {
        struct xvios_ev_timer *t = loop->timers;
        loop->timers = t->all_next;
        free(t);
    }
    free(loop->pfd);
    free(loop->psrc);
    free(loop);
}

/* ---------------------------------------------------------------- fd sources */
int xvios_evloop_fd_add(struct xvios_evloop *loop, int fd, short events, xvios_ev_fd_cb cb, void *arg,
                        struct xvios_ev_fd **out)
{
    struct xvios_ev_fd *s;

    if (out)
        *out = NULL;
    if (!loop || fd < 0 || !cb)
        return -EINVAL;
    s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->loop = loop;
    s->fd = fd;
    s->events = events;
    s->cb = cb;
    s->arg = arg;
    if (loop->fd_tail)
        loop->fd_tail->next = s;
    else
        loop->fd_head = s;
    loop->fd_tail = s;
    loop->n_fds++;
    if (out)
        *out = s;
    return 0;
}

void xvios_evloop_fd_set_events(struct xvios_ev_fd *src, short events)
{
    if (src && !src->removed)
        src->events = events;
}

int xvios_evloop_fd_fd(const struct xvios_ev_fd *src) { return src ? src->fd : -1; }

static void fd_unlink_free(struct xvios_evloop *loop, struct xvios_ev_fd *s)
{
    struct xvios_ev_fd **pp = &loop->fd_head, *prev = NULL;

    while (*pp && *pp != s) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = s->next;
    if (loop->fd_tail == s)
        loop->fd_tail = prev;
    loop->n_fds--;
    free(s);
}

void xvios_evloop_fd_remove(struct xvios_ev_fd *src)
{
    struct xvios_evloop *loop;

    if (!src || src->removed)
        return;
    loop = src->loop;
    if (loop->dispatching) {
        src->removed = true;
        src->events = 0;
        loop->has_removed = true;
        return;
    }
    fd_unlink_free(loop, src);
}

static void sweep_removed(struct xvios_evloop *loop)
{
    struct xvios_ev_fd *s = loop->fd_head;

    while (s) {
        struct xvios_ev_fd *next = s->next;
        if (s->removed)
            fd_unlink_free(loop, s);
        s = next;
    }
    loop->has_removed = false;
}

/* ---------------------------------------------------------------- timers */
int xvios_evloop_timer_add(struct xvios_evloop *loop, xvios_ev_timer_cb cb, void *arg, struct xvios_ev_timer **out)
{
    struct xvios_ev_timer *t;

    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!loop || !cb)
        return -EINVAL;
    t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->loop = loop;
    t->cb = cb;
    t->arg = arg;
    t->all_next = loop->timers;
    if (loop->timers)
        loop->timers->all_prev = t;
    loop->timers = t;
    *out = t;
    return 0;
}

void xvios_evloop_timer_disarm(struct xvios_ev_timer *t)
{
    if (!t || !t->armed)
        return;
    if (t->prev)
        t->prev->next = t->next;
    else
        t->loop->armed = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->prev = t->next = NULL;
    t->armed = false;
}

void xvios_evloop_timer_arm(struct xvios_ev_timer *t, struct timespec deadline)
{
    struct xvios_ev_timer *at, *before = NULL;

    if (!t)
        return;
    xvios_evloop_timer_disarm(t);
    t->deadline = deadline;
    /* after every timer with a deadline <= this one: equal deadlines fire in arming order */
    for (at = t->loop->armed; at && xvios_ts_cmp(at->deadline, deadline) <= 0; at = at->next)
        before = at;
    t->prev = before;
    t->next = before ? before->next : t->loop->armed;
    if (t->next)
        t->next->prev = t;
    if (before)
        before->next = t;
    else
        t->loop->armed = t;
    t->armed = true;
}

bool xvios_evloop_timer_armed(const struct xvios_ev_timer *t) { return t && t->armed; }

void xvios_evloop_timer_remove(struct xvios_ev_timer *t)
{
    struct xvios_evloop *loop;

    if (!t)
        return;
    loop = t->loop;
    xvios_evloop_timer_disarm(t);
    if (t->all_prev)
        t->all_prev->all_next = t->all_next;
    else
        loop->timers = t->all_next;
    if (t->all_next)
        t->all_next->all_prev = t->all_prev;
    free(t);
}

/* The earliest armed timer that is due at now and has not fired in this turn. */
static struct xvios_ev_timer *next_due(struct xvios_evloop *loop, struct timespec now)
{
    for (struct xvios_ev_timer *t = loop->armed; t && xvios_ts_cmp(t->deadline, now) <= 0; t = t->next)
        if (t->fired_turn != loop->turn)
            return t;
    return NULL;
}

/* ---------------------------------------------------------------- the turn */
static int poll_timeout(const struct xvios_evloop *loop, int max_wait_ms)
{
    int64_t ms;

    if (!loop->armed)
        return max_wait_ms < 0 ? -1 : max_wait_ms;
    ms = xvios_ts_diff_ms(xvios_now(), loop->armed->deadline); /* rounded up: never wakes early */
    if (max_wait_ms >= 0 && ms > max_wait_ms)
        ms = max_wait_ms;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int build_pollset(struct xvios_evloop *loop, unsigned *nfds)
{
    unsigned n = 0;

    if (loop->n_fds > loop->cap) {
        unsigned cap = loop->n_fds + 16;
        struct pollfd *pfd = realloc(loop->pfd, cap * sizeof(*pfd));
        struct xvios_ev_fd **psrc;
        if (!pfd)
            return -ENOMEM;
        loop->pfd = pfd;
        psrc = realloc(loop->psrc, cap * sizeof(*psrc));
        if (!psrc)
            return -ENOMEM;
        loop->psrc = psrc;
        loop->cap = cap;
    }
    for (struct xvios_ev_fd *s = loop->fd_head; s; s = s->next) {
        if (s->removed || !s->events)
            continue;
        loop->pfd[n] = (struct pollfd){ .fd = s->fd, .events = s->events };
        loop->psrc[n] = s;
        n++;
    }
    *nfds = n;
    return 0;
}

int xvios_evloop_run_once(struct xvios_evloop *loop, int max_wait_ms)
{
    struct xvios_ev_timer *t;
    struct timespec now;
    unsigned nfds = 0;
    int rc, ran = 0;

    if (!loop || loop->dispatching)
        return -EINVAL; /* not re-entrant: a callback must not turn its own loop */
    rc = build_pollset(loop, &nfds);
    if (rc < 0)
        return rc;
    loop->turn++;
    rc = poll(loop->pfd, nfds, poll_timeout(loop, max_wait_ms));
    if (rc < 0 && errno != EINTR)
        return -errno;

    loop->dispatching = true;
    for (unsigned i = 0; rc > 0 && i < nfds; i++) {
        struct xvios_ev_fd *s = loop->psrc[i];
        short rev = loop->pfd[i].revents;
        if (!rev || s->removed || !s->events)
            continue;
        rev &= (short)(s->events | POLLERR | POLLHUP | POLLNVAL);
        if (!rev)
            continue;
        s->cb(s, s->fd, rev, s->arg);
        ran++;
    }
    now = xvios_now();
    while ((t = next_due(loop, now)) != NULL) {
        xvios_evloop_timer_disarm(t);
        t->fired_turn = loop->turn;
        t->cb(t, t->arg);
        ran++;
    }
    loop->dispatching = false;
    if (loop->has_removed)
        sweep_removed(loop);
    return ran;
}

int xvios_evloop_run(struct xvios_evloop *loop)
{
    if (!loop)
        return -EINVAL;
    loop->stop = false;
    while (!loop->stop) {
        int rc = xvios_evloop_run_once(loop, -1);
        if (rc < 0) {
            XLOG_ERR("event loop failed: %s", strerror(-rc));
            return rc;
        }
    }
    return 0;
}

void xvios_evloop_stop(struct xvios_evloop *loop)
{
    if (loop)
        loop->stop = true;
}
