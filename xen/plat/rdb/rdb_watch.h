/* SPDX-License-Identifier: MIT */
/*
 * rdb_watch.h - watches on a member's copy of the replicated DB: the set
 * watches, the queue of events, an eventfd readable while events wait.
 */
#ifndef XVIOS_RDB_WATCH_H
#define XVIOS_RDB_WATCH_H

#include <stdint.h>

#include "rdb_tree.h"

#define RDB_MAX_WATCHES 128u    /* per handle; more: -E2BIG */
#define RDB_MAX_EVENTS  4096u   /* queued; more are dropped (logged) */

struct rdb_watch {
    char *path;
    char *token;
};

struct rdb_event {
    char *path;
    char *token;
};

struct rdb_watches {
    struct rdb_watch *w;
    unsigned nw;
    struct rdb_event *ev;      /* FIFO */
    unsigned nev;
    int fd;                    /* eventfd, non-zero while events wait */
    bool signalled;
    uint64_t dropped;
};

int  rdb_watches_init(struct rdb_watches *ws);
void rdb_watches_dispose(struct rdb_watches *ws);
/* Set a watch; its initial event is queued. -EEXIST, -E2BIG, -ENOMEM. */
int  rdb_watches_add(struct rdb_watches *ws, const char *path, const char *token);
int  rdb_watches_remove(struct rdb_watches *ws, const char *path, const char *token);   /* -ENOENT */
/* A change ('C' or 'R') of path in t: queue the events of the watches it concerns, as domid sees them. */
void rdb_watches_fire(struct rdb_watches *ws, const struct rdb_tree *t, uint32_t domid, char kind, const char *path);
/* The copy was replaced: every watch fires with its own path. */
void rdb_watches_fire_all(struct rdb_watches *ws);
/* 0 and the oldest event (ownership passes), or -EAGAIN. */
int  rdb_watches_next(struct rdb_watches *ws, char **path, char **token);

#endif /* XVIOS_RDB_WATCH_H */
