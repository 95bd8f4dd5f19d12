/* SPDX-License-Identifier: MIT */
/*
 * lu_store.c - a store's life: open (probe the backing, pick the engine),
 * dispatch (reap, run callbacks), close (cancel, wait bounded, report every
 * pending operation once), and the small accessors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/lu/lu_store_int.h"
#include "xvios/log.h"

static int lu_engine_start(struct lu_store *s, enum lu_store_engine want)
{
    int rc;

    switch (want) {
    case LU_STORE_ENGINE_SYNC:
        s->eng = &lu__engine_sync;
        return s->eng->init(s);
    case LU_STORE_ENGINE_URING:
        s->eng = &lu__engine_uring;
        return s->eng->init(s);
    case LU_STORE_ENGINE_AUTO:
        s->eng = &lu__engine_uring;
        rc = s->eng->init(s);
        if (rc == 0)
            return 0;
        XLOG_INFO("io_uring unavailable (%s): using the thread-pool engine", strerror(-rc));
        s->eng = &lu__engine_sync;
        return s->eng->init(s);
    }
    return -EINVAL;
}

int lu_store_open(const struct lu_store_opts *opts, struct lu_store **out)
{
    struct lu_store *s = NULL;
    unsigned depth;
    int rc;

    if (!opts || !opts->path || !out || opts->engine > LU_STORE_ENGINE_SYNC)
        return -EINVAL;
    depth = opts->queue_depth ? opts->queue_depth : LU_STORE_DEFAULT_QUEUE_DEPTH;
    if (depth > LU_STORE_MAX_QUEUE_DEPTH)
        return -EINVAL;
    s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->fd = s->efd = -1;
    s->depth = depth;
    s->opts = *opts;
    s->path = strdup(opts->path);
    if (!s->path) {
        rc = -ENOMEM;
        goto out;
    }
    s->opts.path = s->path;
    rc = lu__probe_open(opts, &s->fd, &s->info);
    if (rc < 0)
        goto out;
    s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->ops = calloc(depth, sizeof(*s->ops));
    if (s->efd < 0 || !s->ops) {
        rc = s->efd < 0 ? -errno : -ENOMEM;
        goto out;
    }
    for (unsigned i = depth; i-- > 0;) {
        s->ops[i].next = s->free_list;
        s->free_list = &s->ops[i];
    }
    rc = lu_engine_start(s, opts->engine);
    if (rc < 0) {
        s->eng = NULL;
        goto out;
    }
    s->info.engine = s->eng->name;
    XLOG_INFO("LU %s: %llu bytes, %u-byte blocks%s%s%s%s, engine %s, depth %u", opts->path,
              (unsigned long long)s->info.size_bytes, s->info.block_size,
              s->info.is_blockdev ? ", block device" : "", s->info.direct ? ", O_DIRECT" : "",
              s->info.read_only ? ", read-only" : "", s->info.can_discard ? ", discard" : "",
              s->info.engine, depth);
out:
    if (rc < 0) {
        if (s->fd >= 0)
            close(s->fd);
        if (s->efd >= 0)
            close(s->efd);
        free(s->ops);
        free(s->path);
        free(s);
        s = NULL;
    }
    *out = s;
    return rc;
}

void lu_store_close(struct lu_store *s)
{
    bool drained, freeable;

    if (!s)
        return;
    s->closing = true;
    drained = s->eng->drain(s, LU_CLOSE_WAIT_MS);
    if (!drained) {
        XLOG_ERR("LU close: I/O still in the kernel after %u ms; reporting it cancelled", LU_CLOSE_WAIT_MS);
        for (unsigned i = 0; i < s->depth; i++)
            if (s->ops[i].state == LU_OPST_ENGINE)
                lu__op_finish(s, &s->ops[i], -ECANCELED);
    }
    lu__run_callbacks(s);
    freeable = s->eng->fini(s, drained);
    if (!freeable) {
        /* Worker threads may still touch the store: leave it to them. */
        XLOG_ERR("LU close: a worker is stuck in a syscall; its store is leaked");
        return;
    }
    close(s->fd);
    close(s->efd);
    lu_store_free_buf(s->zbuf);
    free(s->ops);
    free(s->path);
    free(s);
}

int lu_store_reopen(struct lu_store *s)
{
    struct lu_store_info info;
    struct stat st;
    int fd = -1, rc;

    if (!s)
        return -EINVAL;
    if (s->closing || s->in_dispatch || s->in_flight)
        return -EBUSY;
    if (stat(s->path, &st) < 0)
        return -errno;                   /* the device node is not (yet) there: quietly */
    rc = lu__probe_open(&s->opts, &fd, &info);
    if (rc < 0)
        return rc;
    if (info.size_bytes != s->info.size_bytes || info.block_size != s->info.block_size ||
        info.is_blockdev != s->info.is_blockdev || info.direct != s->info.direct) {
        XLOG_WARN("LU %s: reopened, but it is another backing now (%llu bytes%s, was %llu%s): kept the old one",
                  s->path, (unsigned long long)info.size_bytes, info.is_blockdev ? ", block device" : "",
                  (unsigned long long)s->info.size_bytes, s->info.is_blockdev ? ", block device" : "");
        close(fd);
        return -ESTALE;
    }
    /*
     * Nothing is in flight, so no engine thread or ring entry holds the old
     * fd; the next submission (under the engine's own locking) sees the new one.
     */
    close(s->fd);
    s->fd = fd;
    s->n_inject = 0;                     /* injected faults belonged to the old device */
    s->reopens++;
    XLOG_INFO("LU %s: reopened (a new device or file under the same path)", s->path);
    return 0;
}

uint64_t lu_store_reopens(const struct lu_store *s)
{
    return s ? s->reopens : 0;
}

int lu_store_dispatch(struct lu_store *s)
{
    uint64_t v;
    unsigned n;

    if (!s)
        return -EINVAL;
    if (s->in_dispatch || s->closing)
        return -EBUSY;
    s->in_dispatch = true;
    if (read(s->efd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
        int rc = -errno;
        s->in_dispatch = false;
        return rc;
    }
    s->eng->reap(s);
    s->eng->kick(s);          /* resubmitted short transfers go out before the callbacks run */
    n = lu__run_callbacks(s);
    s->in_dispatch = false;
    s->eng->kick(s);          /* what the callbacks submitted, as one batch */
    return (int)n;
}

const struct lu_store_info *lu_store_info(const struct lu_store *s)
{
    return s ? &s->info : NULL;
}

int lu_store_fd(const struct lu_store *s)
{
    return s ? s->efd : -EINVAL;
}

unsigned lu_store_in_flight(const struct lu_store *s)
{
    return s ? s->in_flight : 0;
}

void lu_store_get_stats(const struct lu_store *s, struct lu_store_stats *out)
{
    if (s && out)
        *out = s->stats;
}
