/* SPDX-License-Identifier: MIT */
/*
 * lu_engine_uring.c - the io_uring engine: one ring per LU, sized for the
 * store's queue depth, with the store's eventfd registered so the caller's
 * event loop wakes on completions. Each attempt is one SQE whose user_data is
 * the operation; SQEs queued while the store dispatches go out as one batch.
 */
#include <errno.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <liburing.h>

#include "backend/lu/lu_store_int.h"
#include "xvios/clock.h"
#include "xvios/log.h"

/*
 * The kernel fills read buffers behind valgrind's back: tell memcheck the
 * bytes are defined (a no-op outside valgrind, and where its header is absent).
 */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define LU_MARK_DEFINED(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#endif
#endif
#ifndef LU_MARK_DEFINED
#define LU_MARK_DEFINED(p, n) ((void)(p), (void)(n))
#endif

struct lu_uring {
    struct io_uring ring;
    unsigned in_engine;        /* attempts whose CQE has not been reaped */
};

static struct lu_uring *lu_ur(struct lu_store *s)
{
    return s->eng_priv;
}

/* Every opcode the engine issues (READ/WRITE/FALLOCATE need Linux 5.6; older rings cannot serve an LU). */
static int lu_uring_probe(struct io_uring *ring)
{
    static const int needed[] = { IORING_OP_READ, IORING_OP_WRITE, IORING_OP_FSYNC,
                                  IORING_OP_FALLOCATE, IORING_OP_ASYNC_CANCEL };
    struct io_uring_probe *p = io_uring_get_probe_ring(ring);
    int rc = 0;

    if (!p)
        return -EOPNOTSUPP;
    for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
        if (!io_uring_opcode_supported(p, needed[i])) {
            XLOG_INFO("io_uring lacks opcode %d", needed[i]);
            rc = -EOPNOTSUPP;
        }
    io_uring_free_probe(p);
    return rc;
}

static int lu_uring_init(struct lu_store *s)
{
    struct lu_uring *u = calloc(1, sizeof(*u));
    int rc;

    if (!u)
        return -ENOMEM;
    /* A CQ twice the SQ (liburing's default) with at most `depth` attempts outstanding never overflows. */
    rc = io_uring_queue_init(s->depth, &u->ring, 0);
    if (rc < 0) {
        free(u);
        return rc;
    }
    rc = lu_uring_probe(&u->ring);
    if (rc == 0)
        rc = io_uring_register_eventfd(&u->ring, s->efd);
    if (rc < 0) {
        io_uring_queue_exit(&u->ring);
        free(u);
        return rc;
    }
    s->eng_priv = u;
    return 0;
}

static void lu_uring_kick(struct lu_store *s)
{
    struct lu_uring *u = lu_ur(s);
    int rc;

    if (io_uring_sq_ready(&u->ring) == 0)
        return;
    do
        rc = io_uring_submit(&u->ring);
    while (rc == -EINTR);
    if (rc < 0) {
        /* The SQEs stay queued; the next dispatch tries again. */
        XLOG_WARN("io_uring_submit: %s; retrying on the next dispatch", strerror(-rc));
        lu__signal(s);
    }
}

static int lu_uring_submit(struct lu_store *s, struct lu_op *op)
{
    struct lu_uring *u = lu_ur(s);
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    uint64_t at = op->off + op->done;

    if (!sqe) {
        io_uring_submit(&u->ring);
        sqe = io_uring_get_sqe(&u->ring);
        if (!sqe)
            return -EBUSY;
    }
    switch (op->kind) {
    case LU_OP_READ:
        io_uring_prep_read(sqe, s->fd, op->buf + op->done, (unsigned)op->attempt_len, at);
        break;
    case LU_OP_WRITE:
        io_uring_prep_write(sqe, s->fd, op->buf + op->done, (unsigned)op->attempt_len, at);
        if (op->fua)
            sqe->rw_flags = RWF_DSYNC;
        break;
    case LU_OP_WRITE_ZBUF:
        io_uring_prep_write(sqe, s->fd, s->zbuf, (unsigned)op->attempt_len, at);
        break;
    case LU_OP_FLUSH:
        io_uring_prep_fsync(sqe, s->fd, IORING_FSYNC_DATASYNC);
        break;
    case LU_OP_DISCARD:
        io_uring_prep_fallocate(sqe, s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)at,
                                (off_t)op->attempt_len);
        break;
    case LU_OP_ZERO_RANGE:
        io_uring_prep_fallocate(sqe, s->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, (off_t)at,
                                (off_t)op->attempt_len);
        break;
    }
    io_uring_sqe_set_data(sqe, op);
    u->in_engine++;
    if (!s->in_dispatch)
        lu_uring_kick(s);
    return 0;
}

static void lu_uring_reap(struct lu_store *s)
{
    struct lu_uring *u = lu_ur(s);
    struct io_uring_cqe *cqe;
    unsigned head, n = 0;

    io_uring_for_each_cqe(&u->ring, head, cqe) {
        struct lu_op *op = io_uring_cqe_get_data(cqe);
        n++;
        if (!op)
            continue;                 /* a cancel request's own completion */
        u->in_engine--;
        if (op->kind == LU_OP_READ && cqe->res > 0 && (uint64_t)cqe->res <= op->attempt_len)
            LU_MARK_DEFINED(op->buf + op->done, (size_t)cqe->res);
        lu__attempt_done(s, op, cqe->res);
    }
    io_uring_cq_advance(&u->ring, n);
}

static bool lu_uring_drain(struct lu_store *s, unsigned wait_ms)
{
    struct lu_uring *u = lu_ur(s);
    struct timespec deadline = xvios_deadline_ms(wait_ms);

    lu_uring_kick(s);
    /* Ask the kernel to cancel each attempt; what already runs completes normally. */
    for (unsigned i = 0; i < s->depth && u->in_engine > 0; i++) {
        if (s->ops[i].state != LU_OPST_ENGINE)
            continue;
        struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
        if (!sqe) {
            lu_uring_kick(s);
            sqe = io_uring_get_sqe(&u->ring);
            if (!sqe)
                break;
        }
        io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)&s->ops[i], 0);
        io_uring_sqe_set_data(sqe, NULL);
    }
    lu_uring_kick(s);
    lu_uring_reap(s);
    while (u->in_engine > 0 && !xvios_ts_passed(&deadline)) {
        struct io_uring_cqe *cqe;
        int64_t ms = xvios_ts_diff_ms(xvios_now(), deadline);
        struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
        int rc = io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts);
        if (rc < 0 && rc != -ETIME && rc != -EINTR) {
            XLOG_ERR("io_uring_wait_cqe_timeout: %s", strerror(-rc));
            break;
        }
        lu_uring_reap(s);
    }
    return u->in_engine == 0;
}

static bool lu_uring_fini(struct lu_store *s, bool drained)
{
    struct lu_uring *u = lu_ur(s);
    (void)drained;   /* the kernel never reads an operation slot, only its user_data */
    io_uring_queue_exit(&u->ring);
    free(u);
    s->eng_priv = NULL;
    return true;
}

const struct lu_engine_ops lu__engine_uring = {
    .name = "io_uring",
    .init = lu_uring_init,
    .submit = lu_uring_submit,
    .kick = lu_uring_kick,
    .reap = lu_uring_reap,
    .drain = lu_uring_drain,
    .fini = lu_uring_fini,
};
