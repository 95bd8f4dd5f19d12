/* SPDX-License-Identifier: MIT */
/*
 * plat_watchmux.c - one reader of the platform's store-watch fd, many
 * subscribers, each getting only its own tokens' events (see
 * include/xvios/watchmux.h). Built on the platform seam's public functions
 * and the event loop; below the cluster DB, so it knows no /xvios path.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/log.h"
#include "xvios/watchmux.h"

#define DRAIN_MAX 256u   /* events read per readable fd, as one batch */

struct mux_sub {
    struct mux_sub *next;
    char *path, *token;
    xvios_watchmux_cb cb;
    void *arg;
    bool dead;               /* unsubscribed during a dispatch: freed after it */
};

struct mux_event {
    char *path, *token;
    struct mux_sub *to;      /* NULL: nobody holds the token */
    bool done;
};

struct xvios_watchmux {
    xvios_plat *plat;
    struct xvios_evloop *loop;
    struct xvios_ev_fd *src;
    struct mux_sub *subs;
    bool dispatching;
    struct mux_event ev[DRAIN_MAX];
    struct xvios_watch_event batch[DRAIN_MAX];
    struct xvios_watchmux_stats st;
};

static void on_readable(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    (void)src;
    (void)fd;
    (void)revents;
    xvios_watchmux_dispatch(arg);
}

int xvios_watchmux_create(xvios_plat *plat, struct xvios_evloop *loop, struct xvios_watchmux **out)
{
    struct xvios_watchmux *mux;
    int fd, rc;

    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!plat || !loop)
        return -EINVAL;
    fd = xvios_store_watch_fd(plat);
    if (fd < 0)
        return fd;
    mux = calloc(1, sizeof(*mux));
    if (!mux)
        return -ENOMEM;
    mux->plat = plat;
    mux->loop = loop;
    rc = xvios_evloop_fd_add(loop, fd, POLLIN, on_readable, mux, &mux->src);
    if (rc < 0) {
        free(mux);
        return rc;
    }
    *out = mux;
    return 0;
}

static void sub_free(struct mux_sub *s)
{
    free(s->path);
    free(s->token);
    free(s);
}

void xvios_watchmux_destroy(struct xvios_watchmux *mux)
{
    if (!mux)
        return;
    while (mux->subs) {
        struct mux_sub *s = mux->subs;
        mux->subs = s->next;
        if (!s->dead)
            xvios_store_unwatch(mux->plat, s->path, s->token);
        sub_free(s);
    }
    xvios_evloop_fd_remove(mux->src);
    free(mux);
}

struct xvios_evloop *xvios_watchmux_loop(const struct xvios_watchmux *mux) { return mux ? mux->loop : NULL; }

static struct mux_sub *by_token(struct xvios_watchmux *mux, const char *token)
{
    for (struct mux_sub *s = mux->subs; s; s = s->next)
        if (!s->dead && !strcmp(s->token, token))
            return s;
    return NULL;
}

int xvios_watchmux_add(struct xvios_watchmux *mux, const char *path, const char *token,
                       xvios_watchmux_cb cb, void *arg)
{
    struct mux_sub *s, **tail;
    int rc;

    if (!mux || !path || !token || !cb)
        return -EINVAL;
    for (s = mux->subs; s; s = s->next) {
        if (s->dead || strcmp(s->token, token))
            continue;
        if (!strcmp(s->path, path) || s->cb != cb || s->arg != arg)
            return -EEXIST;
    }
    s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->path = strdup(path);
    s->token = strdup(token);
    s->cb = cb;
    s->arg = arg;
    if (!s->path || !s->token) {
        sub_free(s);
        return -ENOMEM;
    }
    rc = xvios_store_watch(mux->plat, path, token);
    if (rc < 0) {
        sub_free(s);
        return rc;
    }
    for (tail = &mux->subs; *tail; tail = &(*tail)->next)
        ;
    *tail = s;
    return 0;
}

int xvios_watchmux_remove(struct xvios_watchmux *mux, const char *path, const char *token)
{
    struct mux_sub **pp;

    if (!mux || !path || !token)
        return -EINVAL;
    for (pp = &mux->subs; *pp; pp = &(*pp)->next) {
        struct mux_sub *s = *pp;
        if (s->dead || strcmp(s->path, path) || strcmp(s->token, token))
            continue;
        xvios_store_unwatch(mux->plat, path, token);
        if (mux->dispatching) {
            s->dead = true;
        } else {
            *pp = s->next;
            sub_free(s);
        }
        return 0;
    }
    return -ENOENT;
}

static void sweep_dead(struct xvios_watchmux *mux)
{
    struct mux_sub **pp = &mux->subs;

    while (*pp) {
        struct mux_sub *s = *pp;
        if (s->dead) {
            *pp = s->next;
            sub_free(s);
        } else {
            pp = &s->next;
        }
    }
}

/* Read what is queued (bounded); returns how many events were read. */
static unsigned drain(struct xvios_watchmux *mux)
{
    unsigned n = 0;

    while (n < DRAIN_MAX) {
        char *path = NULL, *token = NULL;
        int rc = xvios_store_watch_read(mux->plat, &path, &token);
        if (rc < 0) {
            if (rc != -EAGAIN)
                XLOG_WARN("cannot read a store watch event: %s", strerror(-rc));
            free(path);
            free(token);
            break;
        }
        if (!path || !token) { /* a platform that broke its contract: drop, do not crash */
            XLOG_WARN("store watch event without a %s: dropped", path ? "token" : "path");
            mux->st.unknown_token++;
            free(path);
            free(token);
            continue;
        }
        mux->ev[n++] = (struct mux_event){ .path = path, .token = token };
        mux->st.events++;
    }
    return n;
}

void xvios_watchmux_dispatch(struct xvios_watchmux *mux)
{
    unsigned n;

    if (!mux || mux->dispatching)
        return;
    n = drain(mux);
    for (unsigned i = 0; i < n; i++) {
        mux->ev[i].to = by_token(mux, mux->ev[i].token);
        if (!mux->ev[i].to) {
            mux->st.unknown_token++;
            XLOG_WARN("store watch event for %s with token '%s' that no subscriber holds: dropped",
                      mux->ev[i].path, mux->ev[i].token);
        }
    }
    mux->dispatching = true;
    /* one call per subscriber (cb + arg), in the order of its first event */
    for (unsigned i = 0; i < n; i++) {
        struct mux_sub *first = mux->ev[i].to;
        unsigned k = 0;
        if (mux->ev[i].done || !first)
            continue;
        for (unsigned j = i; j < n; j++) {
            struct mux_sub *s = mux->ev[j].to;
            if (mux->ev[j].done || !s || s->cb != first->cb || s->arg != first->arg)
                continue;
            mux->ev[j].done = true;
            if (s->dead) /* unsubscribed by an earlier callback of this drain */
                continue;
            mux->batch[k++] = (struct xvios_watch_event){ .path = mux->ev[j].path, .token = mux->ev[j].token };
        }
        if (k) {
            mux->st.dispatched += k;
            first->cb(first->arg, mux->batch, k);
        }
    }
    mux->dispatching = false;
    for (unsigned i = 0; i < n; i++) {
        free(mux->ev[i].path);
        free(mux->ev[i].token);
    }
    sweep_dead(mux);
    /* more than one batch queued: the fd stays readable and the next turn takes the rest */
}

void xvios_watchmux_get_stats(const struct xvios_watchmux *mux, struct xvios_watchmux_stats *out)
{
    *out = mux->st;
}
