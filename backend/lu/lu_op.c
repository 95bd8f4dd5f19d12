/* SPDX-License-Identifier: MIT */
/*
 * lu_op.c - the life of one operation, the same for every engine: checks at
 * submission (range, alignment, read-only, queue depth, injected faults),
 * the decision after each attempt (finished, short transfer resubmitted,
 * error), and the callbacks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/lu/lu_store_int.h"
#include "xvios/log.h"

void lu__signal(struct lu_store *s)
{
    uint64_t one = 1;
    /* EAGAIN means the counter is already non-zero: the fd is readable anyway. */
    if (write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        XLOG_ERR("eventfd write: %s", strerror(errno));
}

/* ------------------------------------------------------------ checks */
/* [off, off + len) lies inside the LU; overflow-safe. */
static bool lu_in_range(const struct lu_store *s, uint64_t off, uint64_t len)
{
    return off <= s->info.size_bytes && len <= s->info.size_bytes - off;
}

static bool lu_aligned(const struct lu_store *s, uint64_t off, uint64_t len, const void *buf)
{
    uint64_t bs = s->info.block_size;
    if (!s->info.direct && !s->info.is_blockdev)
        return true;
    return off % bs == 0 && len % bs == 0 && (uintptr_t)buf % bs == 0;
}

static int lu_injected(const struct lu_store *s, uint64_t off, uint64_t len)
{
    for (unsigned i = 0; i < s->n_inject; i++) {
        const struct lu_inject *in = &s->inject[i];
        if (len > 0 && in->off < off + len && off < in->off + in->len)
            return in->err;
    }
    return 0;
}

/* ------------------------------------------------------------ slots */
static struct lu_op *lu_op_get(struct lu_store *s)
{
    struct lu_op *op = s->free_list;
    if (!op)
        return NULL;
    s->free_list = op->next;
    memset(op, 0, sizeof(*op));
    s->in_flight++;
    return op;
}

static void lu_op_put(struct lu_store *s, struct lu_op *op)
{
    op->state = LU_OPST_FREE;
    op->next = s->free_list;
    s->free_list = op;
    s->in_flight--;
}

static uint64_t lu_attempt_len(const struct lu_store *s, const struct lu_op *op)
{
    uint64_t rem = op->len - op->done;
    switch (op->kind) {
    case LU_OP_READ:
    case LU_OP_WRITE:
        return rem < LU_CHUNK_MAX ? rem : LU_CHUNK_MAX;
    case LU_OP_WRITE_ZBUF:
        return rem < LU_ZBUF_LEN ? rem : LU_ZBUF_LEN;
    case LU_OP_DISCARD:
    case LU_OP_ZERO_RANGE:
        return rem;
    case LU_OP_FLUSH:
        break;
    }
    (void)s;
    return 0;
}

/* Hands the next attempt to the engine; -errno if it refuses. */
static int lu_op_attempt(struct lu_store *s, struct lu_op *op)
{
    op->state = LU_OPST_ENGINE;
    op->attempt_len = lu_attempt_len(s, op);
    return s->eng->submit(s, op);
}

/* ------------------------------------------------------------ finishing */
void lu__op_finish(struct lu_store *s, struct lu_op *op, int64_t result)
{
    struct lu_store_stats *st = &s->stats;

    switch (op->kind) {
    case LU_OP_READ:
        st->reads++;
        if (result > 0)
            st->bytes_read += (uint64_t)result;
        break;
    case LU_OP_WRITE:
        st->writes++;
        if (result > 0)
            st->bytes_written += (uint64_t)result;
        break;
    case LU_OP_WRITE_ZBUF:
    case LU_OP_ZERO_RANGE:
        st->writes++;
        break;
    case LU_OP_FLUSH:
        st->flushes++;
        break;
    case LU_OP_DISCARD:
        st->discards++;
        break;
    }
    if (result < 0 && result != -ECANCELED)
        st->io_errors++;
    op->state = LU_OPST_FINISHED;
    op->result = result;
    op->next = NULL;
    if (s->fin_tail)
        s->fin_tail->next = op;
    else
        s->fin_head = op;
    s->fin_tail = op;
    if (!s->in_dispatch && !s->closing)
        lu__signal(s);
}

static void lu_op_fail(struct lu_store *s, struct lu_op *op, int64_t err, const char *why)
{
    if (err != -ECANCELED)
        XLOG_WARN("%s at %" PRIu64 "+%" PRIu64 " (done %" PRIu64 "): %s: %s",
                  op->kind == LU_OP_READ ? "read" : op->kind == LU_OP_FLUSH ? "flush" : "write",
                  op->off, op->len, op->done, why, strerror((int)-err));
    lu__op_finish(s, op, err);
}

static void lu_op_continue(struct lu_store *s, struct lu_op *op)
{
    if (s->closing) {
        lu__op_finish(s, op, -ECANCELED);
        return;
    }
    int rc = lu_op_attempt(s, op);
    if (rc < 0)
        lu_op_fail(s, op, rc, "resubmission refused");
}

static bool lu_zbuf_ready(struct lu_store *s)
{
    if (!s->zbuf) {
        s->zbuf = lu_store_alloc_buf(LU_ZBUF_LEN);
        if (s->zbuf)
            memset(s->zbuf, 0, LU_ZBUF_LEN);
    }
    return s->zbuf != NULL;
}

void lu__attempt_done(struct lu_store *s, struct lu_op *op, int64_t res)
{
    if ((res == -EAGAIN || res == -EINTR) && op->retries < LU_RETRY_MAX) {
        op->retries++;
        lu_op_continue(s, op);
        return;
    }
    switch (op->kind) {
    case LU_OP_FLUSH:
    case LU_OP_DISCARD:
        if (res < 0)
            lu_op_fail(s, op, res, op->kind == LU_OP_FLUSH ? "fdatasync" : "punch hole");
        else
            lu__op_finish(s, op, op->kind == LU_OP_FLUSH ? 0 : (int64_t)op->len);
        return;
    case LU_OP_ZERO_RANGE:
        if (res == -EOPNOTSUPP) {
            /* The file system cannot zero a range: write zeroes instead, from now on. */
            s->zero_range_unsupported = true;
            if (!lu_zbuf_ready(s)) {
                lu_op_fail(s, op, -ENOMEM, "zero buffer");
                return;
            }
            op->kind = LU_OP_WRITE_ZBUF;
            lu_op_continue(s, op);
        } else if (res < 0) {
            lu_op_fail(s, op, res, "zero range");
        } else {
            lu__op_finish(s, op, (int64_t)op->len);
        }
        return;
    case LU_OP_READ:
    case LU_OP_WRITE:
    case LU_OP_WRITE_ZBUF:
        break;
    }
    if (res == -ENOSPC && s->info.is_blockdev) {
        /* A block device has no free space to run out of: ENOSPC inside the LU means the device is
         * shorter than when it was opened -- a removed disk reads as capacity 0. The path, not the data. */
        lu_op_fail(s, op, -ENXIO, "block device shorter than the LU (ENOSPC): gone or shrunk");
        return;
    }
    if (res < 0) {
        lu_op_fail(s, op, res, "backing I/O error");
        return;
    }
    if (res == 0) {
        /* End of file inside the LU's size (the backing shrank), or a write that makes no progress. */
        lu_op_fail(s, op, -EIO, op->kind == LU_OP_READ ? "end of backing inside the LU" : "no progress");
        return;
    }
    if ((uint64_t)res > op->attempt_len) {
        lu_op_fail(s, op, -EIO, "more transferred than asked");
        return;
    }
    if ((uint64_t)res < op->attempt_len) {
        s->stats.short_io++;
        if (s->info.direct && (uint64_t)res % s->info.block_size) {
            lu_op_fail(s, op, -EIO, "unaligned short transfer with O_DIRECT");
            return;
        }
    }
    op->done += (uint64_t)res;
    op->retries = 0;
    if (op->done == op->len)
        lu__op_finish(s, op, (int64_t)op->len);
    else
        lu_op_continue(s, op);
}

unsigned lu__run_callbacks(struct lu_store *s)
{
    struct lu_op *op = s->fin_head;
    unsigned n = 0;

    /* Only what finished before this call: a callback's own quick failures wait for the next dispatch. */
    s->fin_head = s->fin_tail = NULL;
    while (op) {
        struct lu_op *next = op->next;
        lu_store_done_fn cb = op->cb;
        void *opaque = op->opaque;
        int64_t result = op->result;
        lu_op_put(s, op);
        if (s->on_fabric && lu_store_is_fabric_error(result))
            s->on_fabric(s->on_fabric_arg, result);  /* before the op's own callback sees it */
        cb(opaque, result);
        n++;
        op = next;
    }
    if (s->fin_head && !s->closing)
        lu__signal(s);
    return n;
}

/* ------------------------------------------------------------ submission */
static int lu_submit(struct lu_store *s, enum lu_op_kind kind, uint8_t *buf, uint64_t off, uint64_t len,
                     bool fua, lu_store_done_fn cb, void *opaque)
{
    struct lu_op *op;
    int err;

    if (s->closing)
        return -ESHUTDOWN;
    op = lu_op_get(s);
    if (!op)
        return -EAGAIN;
    op->kind = kind;
    op->buf = buf;
    op->off = off;
    op->len = len;
    op->fua = fua;
    op->cb = cb;
    op->opaque = opaque;
    if (kind != LU_OP_FLUSH && len == 0) {
        lu__op_finish(s, op, 0);
        return 0;
    }
    if (kind != LU_OP_FLUSH && (err = lu_injected(s, off, len)) != 0) {
        XLOG_DEBUG("injected error %d at %" PRIu64 "+%" PRIu64, err, off, len);
        lu__op_finish(s, op, -(int64_t)err);
        return 0;
    }
    err = lu_op_attempt(s, op);
    if (err < 0) {
        lu_op_put(s, op);
        return err;
    }
    return 0;
}

int lu_store_read(struct lu_store *s, void *buf, size_t len, uint64_t off, lu_store_done_fn done, void *opaque)
{
    if (!s || !done || (!buf && len) || !lu_in_range(s, off, len) || !lu_aligned(s, off, len, buf))
        return -EINVAL;
    return lu_submit(s, LU_OP_READ, buf, off, len, false, done, opaque);
}

int lu_store_write(struct lu_store *s, const void *buf, size_t len, uint64_t off, bool fua,
                   lu_store_done_fn done, void *opaque)
{
    if (!s || !done || (!buf && len) || !lu_in_range(s, off, len) || !lu_aligned(s, off, len, buf))
        return -EINVAL;
    if (s->info.read_only)
        return -EROFS;
    /* The engines only read from a write's buffer. */
    return lu_submit(s, LU_OP_WRITE, (uint8_t *)(uintptr_t)buf, off, len, fua, done, opaque);
}

int lu_store_flush(struct lu_store *s, lu_store_done_fn done, void *opaque)
{
    if (!s || !done)
        return -EINVAL;
    return lu_submit(s, LU_OP_FLUSH, NULL, 0, 0, false, done, opaque);
}

int lu_store_discard(struct lu_store *s, uint64_t off, uint64_t len, lu_store_done_fn done, void *opaque)
{
    if (!s || !done || !lu_in_range(s, off, len) || !lu_aligned(s, off, len, NULL))
        return -EINVAL;
    if (s->info.read_only)
        return -EROFS;
    if (!s->info.can_discard)
        return -EOPNOTSUPP;
    return lu_submit(s, LU_OP_DISCARD, NULL, off, len, false, done, opaque);
}

int lu_store_write_zeroes(struct lu_store *s, uint64_t off, uint64_t len, lu_store_done_fn done, void *opaque)
{
    if (!s || !done || !lu_in_range(s, off, len) || !lu_aligned(s, off, len, NULL))
        return -EINVAL;
    if (s->info.read_only)
        return -EROFS;
    if (s->zero_range_unsupported && !lu_zbuf_ready(s))
        return -ENOMEM;
    return lu_submit(s, s->zero_range_unsupported ? LU_OP_WRITE_ZBUF : LU_OP_ZERO_RANGE,
                     NULL, off, len, false, done, opaque);
}

/* ------------------------------------------------------------ path errors */
bool lu_store_is_fabric_error(int64_t result)
{
    return result == -EIO || result == -ENXIO || result == -ENODEV;
}

void lu_store_on_fabric_error(struct lu_store *s, lu_store_fabric_fn fn, void *arg)
{
    if (!s)
        return;
    s->on_fabric = fn;
    s->on_fabric_arg = fn ? arg : NULL;
}

/* ------------------------------------------------------------ fault injection (test feature) */
int lu_store_inject_error(struct lu_store *s, uint64_t off, uint64_t len, int err)
{
    if (!s || err <= 0 || len == 0 || off > UINT64_MAX - len)
        return -EINVAL;
    if (s->n_inject >= LU_STORE_MAX_INJECT)
        return -ENOSPC;
    s->inject[s->n_inject++] = (struct lu_inject){ .off = off, .len = len, .err = err };
    XLOG_INFO("fault injection: I/O touching %" PRIu64 "+%" PRIu64 " fails with %s", off, len, strerror(err));
    return 0;
}

void lu_store_clear_injected(struct lu_store *s)
{
    if (s)
        s->n_inject = 0;
}
