/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_watch.c - the change log and store watches of the loopback
 * platform.
 *
 * Every committed change appends one line "C <path>\n" (created/changed) or
 * "R <path>\n" (subtree removed) to ROOT/store/.changes with one write()
 * under the exclusive store lock; the log's size is the store generation
 * that transactions compare. Each handle follows the log with inotify,
 * matches new lines against its watches and queues (path, token) events.
 * The log is only ever appended to, and every byte below its size has been
 * written, so a handle reads it without the store lock (a partial last line
 * waits for the rest); it takes the shared lock only to read the permissions
 * of a node a line names when that line matches one of its watches. (With
 * the lock around every read, each change woke every handle into taking it,
 * and with a few hundred handles writers waited on the readers for seconds.)
 * The fd handed out is an epoll set of the inotify fd and an eventfd that
 * is kept non-zero while events are queued, so it is readable exactly when
 * xvios_store_watch_read() may have something.
 *
 * Delivery rule: an event for a node is delivered when the watcher may READ
 * that node, or the node no longer exists (removals always reach watchers,
 * as in xenstored). Removing a subtree also fires watches set below it,
 * with the watch's own path. "@introduceDomain"/"@releaseDomain" reach
 * privileged handles only (xenstored's default permissions for them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat_loop_internal.h"
#include "xvios/log.h"

static int log_path(const struct loop_plat *lp, char *out, size_t n)
{
    return loop_path_join(out, n, lp->store, ".changes");
}

int loop_generation(struct loop_plat *lp, uint64_t *gen)
{
    char path[PATH_MAX];
    struct stat st;
    int rc = log_path(lp, path, sizeof(path));

    if (rc < 0)
        return rc;
    if (lstat(path, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode)) {
        XLOG_ERR("store change log %s: not a regular file: corrupt store", path);
        return -EIO;
    }
    *gen = (uint64_t)st.st_size;
    return 0;
}

/* No lock: a commit appends its log line before it releases the exclusive lock, so a size read before
 * that append orders this check before the commit, as a read under the shared lock would. */
int loop_store_generation(void *impl, uint64_t *gen)
{
    return loop_generation(impl, gen);
}

int loop_log_append(struct loop_plat *lp, const char *lines, size_t len)
{
    char path[PATH_MAX];
    ssize_t w;
    int fd, rc = log_path(lp, path, sizeof(path));

    if (rc < 0)
        return rc;
    fd = loop_open_regular(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd < 0)
        return fd;
    do {
        w = write(fd, lines, len);
    } while (w < 0 && errno == EINTR);
    rc = w < 0 ? -errno : (size_t)w != len ? -EIO : 0;
    close(fd);
    if (rc < 0)
        XLOG_ERR("store change log %s: append failed: %s", path, strerror(-rc));
    return rc;
}

int loop_log_change(struct loop_plat *lp, char kind, const char *path)
{
    char line[LOOP_LOG_LINE_MAX + 1];
    int r = snprintf(line, sizeof(line), "%c %s\n", kind, path);

    if (r < 0 || (size_t)r >= sizeof(line))
        return -ENAMETOOLONG;
    return loop_log_append(lp, line, (size_t)r);
}

/* ---------------------------------------------------------------- queue */
static void signal_update(struct loop_plat *lp)
{
    uint64_t v = 1;

    if (lp->nevents && !lp->event_signalled) {
        if (write(lp->event_fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
            lp->event_signalled = true;
    } else if (!lp->nevents && lp->event_signalled) {
        if (read(lp->event_fd, &v, sizeof(v)) == (ssize_t)sizeof(v) || errno == EAGAIN)
            lp->event_signalled = false;
    }
}

static int queue_event(struct loop_plat *lp, const char *path, const char *token)
{
    struct loop_event *e;

    for (unsigned i = 0; i < lp->nevents; i++)
        if (!strcmp(lp->events[i].path, path) && !strcmp(lp->events[i].token, token))
            return 0;  /* already pending: one event says the same */
    if (lp->nevents == LOOP_MAX_EVENTS) {
        XLOG_WARN("watch event queue full (%u): dropped event %s", LOOP_MAX_EVENTS, path);
        return -ENOSPC;
    }
    e = realloc(lp->events, (size_t)(lp->nevents + 1) * sizeof(*e));
    if (!e)
        return -ENOMEM;
    lp->events = e;
    e = &lp->events[lp->nevents];
    e->path = strdup(path);
    e->token = strdup(token);
    if (!e->path || !e->token) {
        free(e->path);
        free(e->token);
        return -ENOMEM;
    }
    lp->nevents++;
    signal_update(lp);
    return 0;
}

/* ---------------------------------------------------------------- matching */
static bool may_see(struct loop_plat *lp, const char *path)
{
    struct xvios_perm *perms = NULL;
    unsigned n = 0;
    bool ok;
    int rc;

    if (lp->self_domid == 0)
        return true;
    if (lp->sync_lk < 0) {
        lp->sync_lk = loop_lock(lp, false);   /* released when the sync ends */
        if (lp->sync_lk < 0) {
            lp->sync_err = lp->sync_lk;       /* the line is read again by the next sync */
            return false;
        }
    }
    rc = loop_disk_get(lp, path, NULL, NULL, &perms, &n);
    if (rc == -ENOENT)
        return true;  /* removed: removals are always reported */
    ok = rc == 0 && (loop_perm_of(perms, n, lp->self_domid) & XVIOS_PERM_READ);
    free(perms);
    return ok;
}

static void match_line(struct loop_plat *lp, char kind, const char *path)
{
    for (unsigned i = 0; i < lp->nwatches; i++) {
        const struct loop_watch *w = &lp->watches[i];
        if (path[0] == '@' || w->path[0] == '@') {
            if (!strcmp(path, w->path) && lp->self_domid == 0)
                queue_event(lp, path, w->token);
            continue;
        }
        if (loop_path_at_or_below(path, w->path)) {
            if (may_see(lp, path))
                queue_event(lp, path, w->token);
        } else if (kind == 'R' && loop_path_at_or_below(w->path, path)) {
            queue_event(lp, w->path, w->token);
        }
    }
}

/* Parse one line (without its '\n'); malformed lines are logged and skipped. */
static void parse_line(struct loop_plat *lp, const char *untrusted_line, size_t len)
{
    char path[XVIOS_STORE_MAX_PATH + 1];

    if (len < 3 || len - 2 > XVIOS_STORE_MAX_PATH || (untrusted_line[0] != 'C' && untrusted_line[0] != 'R') ||
        untrusted_line[1] != ' ') {
        XLOG_WARN("store change log: skipped a malformed line (%zu bytes)", len);
        return;
    }
    memcpy(path, untrusted_line + 2, len - 2);
    path[len - 2] = '\0';
    if (!xvios_store_path_valid(path, true)) {
        XLOG_WARN("store change log: skipped a line with an invalid path");
        return;
    }
    match_line(lp, untrusted_line[0], path);
}

/* Drain inotify and turn every complete new log line into queued events. */
static int sync_log(struct loop_plat *lp)
{
    char path[PATH_MAX];
    char ibuf[4096];
    char *buf = NULL;
    struct stat st;
    int fd = -1, rc;

    while (read(lp->inotify_fd, ibuf, sizeof(ibuf)) > 0)
        ;
    lp->sync_lk = -1;
    lp->sync_err = 0;
    if ((rc = log_path(lp, path, sizeof(path))) < 0)
        goto out;
    fd = loop_open_regular(path, O_RDONLY, 0);
    if (fd < 0) {
        rc = fd;
        goto out;
    }
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out;
    }
    if ((uint64_t)st.st_size < lp->log_off) {
        XLOG_WARN("store change log shrank (%llu < %llu): restarting from its end",
                  (unsigned long long)st.st_size, (unsigned long long)lp->log_off);
        lp->log_off = (uint64_t)st.st_size;
    }
    if (lp->nwatches == 0) {
        lp->log_off = (uint64_t)st.st_size;  /* nothing to match */
        rc = 0;
        goto out;
    }
    buf = malloc(2 * LOOP_LOG_LINE_MAX);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    while (lp->log_off < (uint64_t)st.st_size) {
        ssize_t got = pread(fd, buf, 2 * LOOP_LOG_LINE_MAX, (off_t)lp->log_off);
        size_t start = 0;
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        for (size_t i = 0; i < (size_t)got; i++) {
            if (buf[i] != '\n')
                continue;
            parse_line(lp, buf + start, i - start);
            if (lp->sync_err < 0) {
                lp->log_off += start;   /* the lines before this one are done (a repeated event is merged) */
                rc = lp->sync_err;
                goto out;
            }
            start = i + 1;
        }
        if (start == 0) {
            if ((size_t)got < 2 * LOOP_LOG_LINE_MAX)
                break;  /* an incomplete last line: wait for the rest */
            XLOG_WARN("store change log: skipped %zd bytes without a line end", got);
            start = (size_t)got;
        }
        lp->log_off += start;
    }
    rc = 0;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    loop_unlock(lp->sync_lk);
    lp->sync_lk = -1;
    return rc;
}

/* ---------------------------------------------------------------- public */
int loop_watch_init(struct loop_plat *lp)
{
    char path[PATH_MAX];
    struct epoll_event ev = { .events = EPOLLIN };
    uint64_t gen;
    int rc;

    lp->epoll_fd = lp->inotify_fd = lp->event_fd = -1;
    if ((rc = log_path(lp, path, sizeof(path))) < 0)
        return rc;
    lp->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    lp->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    lp->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (lp->inotify_fd < 0 || lp->event_fd < 0 || lp->epoll_fd < 0)
        return -errno;
    if (inotify_add_watch(lp->inotify_fd, path, IN_MODIFY) < 0)
        return -errno;
    ev.data.fd = lp->inotify_fd;
    if (epoll_ctl(lp->epoll_fd, EPOLL_CTL_ADD, lp->inotify_fd, &ev) < 0)
        return -errno;
    ev.data.fd = lp->event_fd;
    if (epoll_ctl(lp->epoll_fd, EPOLL_CTL_ADD, lp->event_fd, &ev) < 0)
        return -errno;
    rc = loop_generation(lp, &gen);
    if (rc < 0)
        return rc;
    lp->log_off = gen;
    return 0;
}

void loop_watch_dispose(struct loop_plat *lp)
{
    for (unsigned i = 0; i < lp->nwatches; i++) {
        free(lp->watches[i].path);
        free(lp->watches[i].token);
    }
    for (unsigned i = 0; i < lp->nevents; i++) {
        free(lp->events[i].path);
        free(lp->events[i].token);
    }
    free(lp->watches);
    free(lp->events);
    lp->watches = NULL;
    lp->events = NULL;
    lp->nwatches = lp->nevents = 0;
    if (lp->epoll_fd >= 0)
        close(lp->epoll_fd);
    if (lp->inotify_fd >= 0)
        close(lp->inotify_fd);
    if (lp->event_fd >= 0)
        close(lp->event_fd);
    lp->epoll_fd = lp->inotify_fd = lp->event_fd = -1;
}

int loop_watch(void *impl, const char *path, const char *token)
{
    struct loop_plat *lp = impl;
    struct loop_watch *w;
    int rc;

    if (strlen(token) > XVIOS_STORE_MAX_PATH)
        return -EINVAL;
    for (unsigned i = 0; i < lp->nwatches; i++)
        if (!strcmp(lp->watches[i].path, path) && !strcmp(lp->watches[i].token, token))
            return -EEXIST;
    if (lp->nwatches == LOOP_MAX_WATCHES)
        return -E2BIG;
    /* what happened before this watch existed goes to the older watches only */
    rc = sync_log(lp);
    if (rc < 0)
        return rc;
    w = realloc(lp->watches, (size_t)(lp->nwatches + 1) * sizeof(*w));
    if (!w)
        return -ENOMEM;
    lp->watches = w;
    w = &lp->watches[lp->nwatches];
    w->path = strdup(path);
    w->token = strdup(token);
    if (!w->path || !w->token) {
        free(w->path);
        free(w->token);
        return -ENOMEM;
    }
    lp->nwatches++;
    rc = queue_event(lp, path, token);   /* the initial event */
    if (rc < 0) {                        /* not set after all: a retry must not see -EEXIST */
        lp->nwatches--;
        free(w->path);
        free(w->token);
    }
    return rc;
}

int loop_unwatch(void *impl, const char *path, const char *token)
{
    struct loop_plat *lp = impl;
    unsigned i;

    for (i = 0; i < lp->nwatches; i++)
        if (!strcmp(lp->watches[i].path, path) && !strcmp(lp->watches[i].token, token))
            break;
    if (i == lp->nwatches)
        return -ENOENT;
    free(lp->watches[i].path);
    free(lp->watches[i].token);
    memmove(&lp->watches[i], &lp->watches[i + 1], (size_t)(lp->nwatches - i - 1) * sizeof(lp->watches[0]));
    lp->nwatches--;
    /* drop what this watch queued and nobody has read yet */
    for (unsigned j = 0; j < lp->nevents;) {
        struct loop_event *e = &lp->events[j];
        bool mine = !strcmp(e->token, token) &&
                    (path[0] == '@' ? !strcmp(e->path, path) : loop_path_at_or_below(e->path, path));
        /* ...unless a watch that stays, with the same token, would have queued it too */
        for (unsigned k = 0; mine && k < lp->nwatches; k++) {
            const struct loop_watch *w = &lp->watches[k];
            if (!strcmp(w->token, token) &&
                (w->path[0] == '@' ? !strcmp(e->path, w->path) : loop_path_at_or_below(e->path, w->path)))
                mine = false;
        }
        if (mine) {
            free(e->path);
            free(e->token);
            memmove(e, e + 1, (size_t)(lp->nevents - j - 1) * sizeof(*e));
            lp->nevents--;
            continue;
        }
        j++;
    }
    signal_update(lp);
    return 0;
}

int loop_watch_fd(void *impl)
{
    return ((struct loop_plat *)impl)->epoll_fd;
}

int loop_watch_read(void *impl, char **path, char **token)
{
    struct loop_plat *lp = impl;
    int rc = sync_log(lp);

    if (rc < 0)
        return rc;
    if (lp->nevents == 0) {
        signal_update(lp);
        return -EAGAIN;
    }
    *path = lp->events[0].path;
    *token = lp->events[0].token;
    memmove(&lp->events[0], &lp->events[1], (size_t)(lp->nevents - 1) * sizeof(lp->events[0]));
    lp->nevents--;
    signal_update(lp);
    return 0;
}
