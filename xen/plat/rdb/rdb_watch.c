/* SPDX-License-Identifier: MIT */
/*
 * rdb_watch.c - watches on a member's copy of the replicated DB, with the
 * loopback store's delivery rule: an event for a node reaches a watcher that
 * may READ the node, or when the node no longer exists; removing a subtree
 * also fires the watches set below it, with the watch's own path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rdb_watch.h"
#include "xvios/log.h"

static bool at_or_below(const char *path, const char *top)
{
    size_t n = strlen(top);

    if (!strcmp(top, "/"))
        return path[0] == '/';
    return !strncmp(path, top, n) && (path[n] == '\0' || path[n] == '/');
}

static void signal_update(struct rdb_watches *ws)
{
    uint64_t v = 1;

    if (ws->nev && !ws->signalled) {
        if (write(ws->fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
            ws->signalled = true;
    } else if (!ws->nev && ws->signalled) {
        if (read(ws->fd, &v, sizeof(v)) == (ssize_t)sizeof(v) || errno == EAGAIN)
            ws->signalled = false;
    }
}

int rdb_watches_init(struct rdb_watches *ws)
{
    memset(ws, 0, sizeof(*ws));
    ws->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return ws->fd < 0 ? -errno : 0;
}

void rdb_watches_dispose(struct rdb_watches *ws)
{
    for (unsigned i = 0; i < ws->nw; i++) {
        free(ws->w[i].path);
        free(ws->w[i].token);
    }
    for (unsigned i = 0; i < ws->nev; i++) {
        free(ws->ev[i].path);
        free(ws->ev[i].token);
    }
    free(ws->w);
    free(ws->ev);
    if (ws->fd >= 0)
        close(ws->fd);
    memset(ws, 0, sizeof(*ws));
    ws->fd = -1;
}

static int queue(struct rdb_watches *ws, const char *path, const char *token)
{
    struct rdb_event *e;

    for (unsigned i = 0; i < ws->nev; i++)
        if (!strcmp(ws->ev[i].path, path) && !strcmp(ws->ev[i].token, token))
            return 0;   /* already pending: one event says the same */
    if (ws->nev == RDB_MAX_EVENTS) {
        if (ws->dropped++ == 0)
            XLOG_WARN("rdb: watch event queue full (%u): events dropped", RDB_MAX_EVENTS);
        return -ENOSPC;
    }
    if (!(e = realloc(ws->ev, (size_t)(ws->nev + 1) * sizeof(*e))))
        return -ENOMEM;
    ws->ev = e;
    e = &ws->ev[ws->nev];
    e->path = strdup(path);
    e->token = strdup(token);
    if (!e->path || !e->token) {
        free(e->path);
        free(e->token);
        return -ENOMEM;
    }
    ws->nev++;
    signal_update(ws);
    return 0;
}

int rdb_watches_add(struct rdb_watches *ws, const char *path, const char *token)
{
    struct rdb_watch *w;
    int rc;

    for (unsigned i = 0; i < ws->nw; i++)
        if (!strcmp(ws->w[i].path, path) && !strcmp(ws->w[i].token, token))
            return -EEXIST;
    if (ws->nw == RDB_MAX_WATCHES)
        return -E2BIG;
    if (!(w = realloc(ws->w, (size_t)(ws->nw + 1) * sizeof(*w))))
        return -ENOMEM;
    ws->w = w;
    w = &ws->w[ws->nw];
    w->path = strdup(path);
    w->token = strdup(token);
    if (!w->path || !w->token) {
        free(w->path);
        free(w->token);
        return -ENOMEM;
    }
    ws->nw++;
    if ((rc = queue(ws, path, token)) < 0) {   /* not set after all */
        ws->nw--;
        free(w->path);
        free(w->token);
    }
    return rc;
}

int rdb_watches_remove(struct rdb_watches *ws, const char *path, const char *token)
{
    unsigned i;

    for (i = 0; i < ws->nw; i++)
        if (!strcmp(ws->w[i].path, path) && !strcmp(ws->w[i].token, token))
            break;
    if (i == ws->nw)
        return -ENOENT;
    free(ws->w[i].path);
    free(ws->w[i].token);
    memmove(&ws->w[i], &ws->w[i + 1], (size_t)(ws->nw - i - 1) * sizeof(ws->w[0]));
    ws->nw--;
    /* drop what it queued and nobody read, unless a remaining watch with the token would have too */
    for (unsigned j = 0; j < ws->nev;) {
        struct rdb_event *e = &ws->ev[j];
        bool mine = !strcmp(e->token, token) && at_or_below(e->path, path);
        for (unsigned k = 0; mine && k < ws->nw; k++)
            if (!strcmp(ws->w[k].token, token) && at_or_below(e->path, ws->w[k].path))
                mine = false;
        if (mine) {
            free(e->path);
            free(e->token);
            memmove(e, e + 1, (size_t)(ws->nev - j - 1) * sizeof(*e));
            ws->nev--;
            continue;
        }
        j++;
    }
    signal_update(ws);
    return 0;
}

void rdb_watches_fire(struct rdb_watches *ws, const struct rdb_tree *t, uint32_t domid, char kind, const char *path)
{
    for (unsigned i = 0; i < ws->nw; i++) {
        const struct rdb_watch *w = &ws->w[i];
        if (at_or_below(path, w->path)) {
            if (domid == 0 || rdb_tree_may_see(t, domid, path))
                queue(ws, path, w->token);
        } else if (kind == 'R' && at_or_below(w->path, path)) {
            queue(ws, w->path, w->token);
        }
    }
}

void rdb_watches_fire_all(struct rdb_watches *ws)
{
    for (unsigned i = 0; i < ws->nw; i++)
        queue(ws, ws->w[i].path, ws->w[i].token);
}

int rdb_watches_next(struct rdb_watches *ws, char **path, char **token)
{
    if (ws->nev == 0) {
        signal_update(ws);
        return -EAGAIN;
    }
    *path = ws->ev[0].path;
    *token = ws->ev[0].token;
    memmove(&ws->ev[0], &ws->ev[1], (size_t)(ws->nev - 1) * sizeof(ws->ev[0]));
    ws->nev--;
    signal_update(ws);
    return 0;
}
