/* SPDX-License-Identifier: MIT */
/*
 * lu_engine_sync.c - the portable engine: a few worker threads per LU run
 * the blocking pread/pwrite/fdatasync/fallocate calls, push each result on a
 * done list and bump the store's eventfd. The caller's event loop never
 * blocks; only a worker waits on the backing.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/lu/lu_store_int.h"
#include "xvios/log.h"

#define LU_SYNC_WORKERS 4u

struct lu_sync {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct lu_op *q_head, *q_tail;        /* attempts waiting for a worker */
    struct lu_op *done_head, *done_tail;  /* attempts with a raw result in op->result */
    bool stop;
    unsigned n_threads;
    pthread_t threads[LU_SYNC_WORKERS];
    unsigned in_engine;                   /* the loop thread's count: submitted, not reaped */
    struct lu_store *s;
};

static struct lu_sync *lu_sy(struct lu_store *s)
{
    return s->eng_priv;
}

static void lu_list_push(struct lu_op **head, struct lu_op **tail, struct lu_op *op)
{
    op->next = NULL;
    if (*tail)
        (*tail)->next = op;
    else
        *head = op;
    *tail = op;
}

/* One attempt, blocking: bytes or -errno. */
static int64_t lu_sync_do(struct lu_store *s, struct lu_op *op)
{
    off_t at = (off_t)(op->off + op->done);
    ssize_t n;

    switch (op->kind) {
    case LU_OP_READ:
        n = pread(s->fd, op->buf + op->done, op->attempt_len, at);
        return n < 0 ? -errno : n;
    case LU_OP_WRITE:
    case LU_OP_WRITE_ZBUF:
        n = pwrite(s->fd, op->kind == LU_OP_WRITE ? op->buf + op->done : s->zbuf, op->attempt_len, at);
        if (n < 0)
            return -errno;
        if (op->fua && n > 0 && fdatasync(s->fd) < 0)
            return -errno;
        return n;
    case LU_OP_FLUSH:
        return fdatasync(s->fd) < 0 ? -errno : 0;
    case LU_OP_DISCARD:
        return fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, at, (off_t)op->attempt_len) < 0
                   ? -errno : 0;
    case LU_OP_ZERO_RANGE:
        return fallocate(s->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, at, (off_t)op->attempt_len) < 0
                   ? -errno : 0;
    }
    return -EINVAL;
}

static void *lu_sync_worker(void *arg)
{
    struct lu_sync *y = arg;

    pthread_mutex_lock(&y->mu);
    for (;;) {
        while (!y->stop && !y->q_head)
            pthread_cond_wait(&y->cv, &y->mu);
        if (y->stop)
            break;
        struct lu_op *op = y->q_head;
        y->q_head = op->next;
        if (!y->q_head)
            y->q_tail = NULL;
        pthread_mutex_unlock(&y->mu);
        int64_t res = lu_sync_do(y->s, op);
        pthread_mutex_lock(&y->mu);
        op->result = res;
        lu_list_push(&y->done_head, &y->done_tail, op);
        lu__signal(y->s);
    }
    pthread_mutex_unlock(&y->mu);
    return NULL;
}

static void lu_sync_stop_threads(struct lu_sync *y)
{
    pthread_mutex_lock(&y->mu);
    y->stop = true;
    pthread_cond_broadcast(&y->cv);
    pthread_mutex_unlock(&y->mu);
}

static int lu_sync_init(struct lu_store *s)
{
    struct lu_sync *y = calloc(1, sizeof(*y));
    unsigned want = s->depth < LU_SYNC_WORKERS ? s->depth : LU_SYNC_WORKERS;
    sigset_t all, old;
    int rc = 0;

    if (!y)
        return -ENOMEM;
    y->s = s;
    pthread_mutex_init(&y->mu, NULL);
    pthread_cond_init(&y->cv, NULL);
    /* Workers take no signals: the event loop's thread handles them. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (; y->n_threads < want; y->n_threads++) {
        rc = -pthread_create(&y->threads[y->n_threads], NULL, lu_sync_worker, y);
        if (rc < 0)
            break;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc < 0) {
        lu_sync_stop_threads(y);
        for (unsigned i = 0; i < y->n_threads; i++)
            pthread_join(y->threads[i], NULL);
        pthread_cond_destroy(&y->cv);
        pthread_mutex_destroy(&y->mu);
        free(y);
        return rc;
    }
    s->eng_priv = y;
    return 0;
}

static int lu_sync_submit(struct lu_store *s, struct lu_op *op)
{
    struct lu_sync *y = lu_sy(s);

    pthread_mutex_lock(&y->mu);
    lu_list_push(&y->q_head, &y->q_tail, op);
    pthread_cond_signal(&y->cv);
    pthread_mutex_unlock(&y->mu);
    y->in_engine++;
    return 0;
}

static void lu_sync_kick(struct lu_store *s)
{
    (void)s;
}

static void lu_sync_reap(struct lu_store *s)
{
    struct lu_sync *y = lu_sy(s);
    struct lu_op *op;

    pthread_mutex_lock(&y->mu);
    op = y->done_head;
    y->done_head = y->done_tail = NULL;
    pthread_mutex_unlock(&y->mu);
    while (op) {
        struct lu_op *next = op->next;
        y->in_engine--;
        lu__attempt_done(s, op, op->result);
        op = next;
    }
}

static bool lu_sync_drain(struct lu_store *s, unsigned wait_ms)
{
    struct lu_sync *y = lu_sy(s);
    struct lu_op *queued;
    struct timespec until;
    bool joined = true;

    /* Attempts no worker has started are cancelled; running ones finish. */
    pthread_mutex_lock(&y->mu);
    y->stop = true;
    queued = y->q_head;
    y->q_head = y->q_tail = NULL;
    pthread_cond_broadcast(&y->cv);
    pthread_mutex_unlock(&y->mu);
    while (queued) {
        struct lu_op *next = queued->next;
        y->in_engine--;
        lu__attempt_done(s, queued, -ECANCELED);
        queued = next;
    }
    clock_gettime(CLOCK_REALTIME, &until);     /* pthread_timedjoin_np takes CLOCK_REALTIME */
    until.tv_sec += wait_ms / 1000u;
    until.tv_nsec += (long)(wait_ms % 1000u) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    for (unsigned i = 0; i < y->n_threads; i++) {
        int rc = pthread_timedjoin_np(y->threads[i], NULL, &until);
        if (rc != 0) {
            XLOG_ERR("LU worker did not stop: %s", strerror(rc));
            joined = false;
        }
    }
    if (joined) {
        y->n_threads = 0;
        lu_sync_reap(s);
    }
    return joined && y->in_engine == 0;
}

static bool lu_sync_fini(struct lu_store *s, bool drained)
{
    struct lu_sync *y = lu_sy(s);

    if (!drained)
        return false;
    pthread_cond_destroy(&y->cv);
    pthread_mutex_destroy(&y->mu);
    free(y);
    s->eng_priv = NULL;
    return true;
}

const struct lu_engine_ops lu__engine_sync = {
    .name = "sync",
    .init = lu_sync_init,
    .submit = lu_sync_submit,
    .kick = lu_sync_kick,
    .reap = lu_sync_reap,
    .drain = lu_sync_drain,
    .fini = lu_sync_fini,
};
