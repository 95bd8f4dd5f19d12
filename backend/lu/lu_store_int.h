/* SPDX-License-Identifier: MIT */
/*
 * lu_store_int.h - what the parts of the LU store share: the store, one
 * operation slot, and the engine seam.
 *
 * An operation is carried out in attempts. An engine runs one attempt (one
 * syscall over the not-yet-done part, at most LU_CHUNK_MAX bytes) and reports
 * its raw result; lu__attempt_done() (lu_op.c) decides whether the operation
 * is finished or needs another attempt (short transfer, chunking, ZERO_RANGE
 * not supported). Engines never decide success or failure themselves.
 */
#ifndef XVIOS_BACKEND_LU_STORE_INT_H
#define XVIOS_BACKEND_LU_STORE_INT_H

#include <stdint.h>

#include "backend/lu/lu_store.h"

/* The most one attempt transfers (io_uring's length is 32-bit; pread caps near 2 GiB). */
#define LU_CHUNK_MAX    (1u << 30)
/* The zero buffer written when the backing cannot zero a range by fallocate. */
#define LU_ZBUF_LEN     (1u << 20)
/* Transient errors (-EAGAIN, -EINTR) retried this often per operation. */
#define LU_RETRY_MAX    4u
/* How long close waits for in-flight I/O before giving up on it. */
#define LU_CLOSE_WAIT_MS 10000u

enum lu_op_kind {
    LU_OP_READ,
    LU_OP_WRITE,
    LU_OP_WRITE_ZBUF,      /* write_zeroes by writing the zero buffer */
    LU_OP_FLUSH,
    LU_OP_DISCARD,         /* fallocate PUNCH_HOLE | KEEP_SIZE */
    LU_OP_ZERO_RANGE,      /* fallocate ZERO_RANGE | KEEP_SIZE */
};

enum lu_op_state {
    LU_OPST_FREE,
    LU_OPST_ENGINE,        /* an attempt belongs to the engine */
    LU_OPST_FINISHED,      /* result known, waiting for its callback */
};

struct lu_op {
    enum lu_op_kind kind;
    enum lu_op_state state;
    bool fua;
    uint8_t retries;
    uint8_t *buf;          /* read/write data; NULL for the others */
    uint64_t off;          /* start of the whole operation */
    uint64_t len;          /* length of the whole operation */
    uint64_t done;         /* bytes finished by earlier attempts */
    uint64_t attempt_len;  /* bytes asked for by the current attempt */
    int64_t result;        /* when FINISHED */
    lu_store_done_fn cb;
    void *opaque;
    struct lu_op *next;    /* free list, finished list, or an engine's queue */
};

struct lu_store;

struct lu_engine_ops {
    const char *name;
    int  (*init)(struct lu_store *s);
    /* Starts one attempt of op (state ENGINE): op->attempt_len bytes at op->off + op->done. */
    int  (*submit)(struct lu_store *s, struct lu_op *op);
    /* Pushes batched attempts to the kernel (no-op for engines without batching). */
    void (*kick)(struct lu_store *s);
    /* Collects raw attempt results, calling lu__attempt_done() for each; never blocks. */
    void (*reap)(struct lu_store *s);
    /*
     * Cancels what it can and waits until no attempt belongs to the engine or
     * the deadline (ms) passes, calling lu__attempt_done() for what returns.
     * Returns true when the engine holds nothing any more.
     */
    bool (*drain)(struct lu_store *s, unsigned wait_ms);
    /*
     * Frees the engine. Returns whether the store may be freed: false when
     * drain gave up and the engine's threads may still touch it.
     */
    bool (*fini)(struct lu_store *s, bool drained);
};

extern const struct lu_engine_ops lu__engine_uring;
extern const struct lu_engine_ops lu__engine_sync;

struct lu_inject {
    uint64_t off, len;
    int err;
};

struct lu_store {
    int fd;
    char *path;                      /* the backing as opened (lu_store_reopen opens it again) */
    struct lu_store_opts opts;       /* as opened; opts.path points at path */
    uint64_t reopens;                /* lu_store_reopen() calls that replaced the fd */
    int efd;                         /* eventfd: lu_store_fd() */
    struct lu_store_info info;
    const struct lu_engine_ops *eng;
    void *eng_priv;
    bool zero_range_unsupported;     /* fallocate ZERO_RANGE said EOPNOTSUPP once */
    bool closing;                    /* attempts are not resubmitted any more */
    bool in_dispatch;                /* engines batch submissions until dispatch ends */
    uint8_t *zbuf;                   /* LU_ZBUF_LEN zeroes, allocated on first need */

    unsigned depth;
    unsigned in_flight;              /* slots not FREE */
    struct lu_op *ops;               /* depth slots */
    struct lu_op *free_list;
    struct lu_op *fin_head, *fin_tail;   /* FINISHED, callbacks pending */

    struct lu_inject inject[LU_STORE_MAX_INJECT];
    unsigned n_inject;
    struct lu_store_stats stats;
    lu_store_fabric_fn on_fabric;    /* lu_store_on_fabric_error() */
    void *on_fabric_arg;
};

/* lu_op.c */
void lu__attempt_done(struct lu_store *s, struct lu_op *op, int64_t res);
/* Marks op FINISHED with result and queues its callback; signals the eventfd. */
void lu__op_finish(struct lu_store *s, struct lu_op *op, int64_t result);
/* Runs every queued callback once (op slots are freed before their callback). */
unsigned lu__run_callbacks(struct lu_store *s);
void lu__signal(struct lu_store *s);

/* lu_probe.c: opens the backing and fills info (size, block device, discard, direct). */
int lu__probe_open(const struct lu_store_opts *opts, int *fd_out, struct lu_store_info *info);

#endif /* XVIOS_BACKEND_LU_STORE_INT_H */
