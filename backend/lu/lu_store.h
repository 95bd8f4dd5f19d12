/* SPDX-License-Identifier: MIT */
/*
 * lu_store.h - the backing store of a logical unit: a regular file or a block
 * device, read and written asynchronously with completion callbacks.
 *
 * One store per LU, one engine per store: io_uring (one ring per LU, an
 * eventfd registered with it) or, when io_uring is unavailable or the caller
 * asks for it, a small pthread pool running pread/pwrite. Either way the
 * caller's event loop never blocks: it polls lu_store_fd() and calls
 * lu_store_dispatch() when it is readable, which runs the callbacks.
 *
 * Threading: a store belongs to one thread (its event loop). Callbacks run
 * only inside lu_store_dispatch() or lu_store_close(), never inside a submit
 * call. A callback may submit new I/O to its store; it must not call
 * lu_store_dispatch() or lu_store_close() on it.
 *
 * Pure: no Xen, no rings of the transport, no sockets. See docs/lu.md.
 */
#ifndef XVIOS_BACKEND_LU_STORE_H
#define XVIOS_BACKEND_LU_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lu_store;

enum lu_store_engine { LU_STORE_ENGINE_AUTO, LU_STORE_ENGINE_URING, LU_STORE_ENGINE_SYNC };

#define LU_STORE_DEFAULT_QUEUE_DEPTH 128u
#define LU_STORE_MAX_QUEUE_DEPTH     4096u
#define LU_STORE_BUF_ALIGN           4096u

struct lu_store_opts {
    const char *path;
    bool read_only;
    bool direct;                /* force O_DIRECT (always on for block devices) */
    uint32_t block_size;        /* 512 or 4096; 0 = 512 */
    enum lu_store_engine engine;
    unsigned queue_depth;       /* 0 = LU_STORE_DEFAULT_QUEUE_DEPTH; at most LU_STORE_MAX_QUEUE_DEPTH */
};

struct lu_store_info {
    uint64_t size_bytes;        /* a multiple of block_size (the backing's size rounded down) */
    uint32_t block_size;
    bool read_only, can_discard, is_blockdev, direct;
    const char *engine;         /* "io_uring" or "sync" */
};

/*
 * result: for read and write the bytes transferred (always the full length on
 * success), for discard and write_zeroes the length, for flush 0; or -errno.
 */
typedef void (*lu_store_done_fn)(void *opaque, int64_t result);

/* 0 or -errno. -EINVAL for bad options or a backing smaller than one block. */
int lu_store_open(const struct lu_store_opts *opts, struct lu_store **out);
/*
 * Cancels in-flight I/O and waits (bounded) for it; every pending callback
 * runs exactly once before this returns: with its result if the I/O finished,
 * else -ECANCELED. NULL is a no-op.
 */
void lu_store_close(struct lu_store *s);
const struct lu_store_info *lu_store_info(const struct lu_store *s);

/* A buffer aligned for O_DIRECT (LU_STORE_BUF_ALIGN), or NULL. */
void *lu_store_alloc_buf(size_t len);
void lu_store_free_buf(void *buf);

/*
 * Asynchronous I/O. 0 = queued (the callback will run exactly once, never
 * inside this call); -errno = refused (the callback never runs):
 *   -EAGAIN  queue_depth operations are in flight
 *   -EROFS   a write, discard or write_zeroes on a read-only LU
 *   -EINVAL  a range beyond the LU's size, or (O_DIRECT) an offset, length or
 *            buffer not aligned to the block size, or a NULL buffer/callback
 *   -EOPNOTSUPP  discard on a backing that cannot discard (can_discard false)
 * fua: the data is durable when the callback reports success.
 */
int lu_store_read(struct lu_store *s, void *buf, size_t len, uint64_t off,
                  lu_store_done_fn done, void *opaque);
int lu_store_write(struct lu_store *s, const void *buf, size_t len, uint64_t off, bool fua,
                   lu_store_done_fn done, void *opaque);
int lu_store_flush(struct lu_store *s, lu_store_done_fn done, void *opaque);
int lu_store_discard(struct lu_store *s, uint64_t off, uint64_t len, lu_store_done_fn done, void *opaque);
int lu_store_write_zeroes(struct lu_store *s, uint64_t off, uint64_t len, lu_store_done_fn done, void *opaque);

/*
 * Opens the backing's path again and, when it is the same kind of backing
 * (size, block size, block device or not, O_DIRECT), uses the new fd from
 * now on and closes the old one: a block device that was removed and came
 * back under the same name is a new device, the old fd stays dead. Only
 * with nothing in flight (-EBUSY otherwise; never from inside a callback).
 * Injected faults (the test feature below) belonged to the old fd: cleared.
 * 0, -ENOENT (or another -errno of stat/open: the path is not there),
 * -ESTALE (a different backing under the path: the old fd is kept).
 */
int lu_store_reopen(struct lu_store *s);
/* How often lu_store_reopen() replaced the fd. */
uint64_t lu_store_reopens(const struct lu_store *s);

/* Pollable (POLLIN) while completions wait for lu_store_dispatch(). */
int lu_store_fd(const struct lu_store *s);
/* Reaps completions and runs their callbacks; never blocks. Count or -errno. */
int lu_store_dispatch(struct lu_store *s);
/* Operations queued and not yet reported to their callback. */
unsigned lu_store_in_flight(const struct lu_store *s);

/*
 * Whether [off, off + *len_out) is mapped (holds data) or a hole, from
 * SEEK_DATA/SEEK_HOLE; *len_out is the length of that extent, capped at the
 * LU's end. Backings without SEEK_DATA report everything mapped. Synchronous
 * and cheap. -EINVAL for off at or beyond the LU's end.
 */
int lu_store_map_status(struct lu_store *s, uint64_t off, uint64_t *len_out, bool *mapped);

struct lu_store_stats {
    uint64_t reads, writes, flushes, discards;   /* operations completed (write_zeroes count as writes) */
    uint64_t bytes_read, bytes_written;          /* bytes of successful reads/writes */
    uint64_t io_errors;                          /* operations completed with an error */
    uint64_t short_io;                           /* short transfers resubmitted for the rest */
};
void lu_store_get_stats(const struct lu_store *s, struct lu_store_stats *out);

/*
 * Path errors: the errors that say the way to the backing is gone rather
 * than a bad block - EIO, ENXIO, ENODEV (a SAN path down, the block device
 * removed). fn runs from lu_store_dispatch() just before the callback of
 * each operation that completed with one of them, so an observer (the path
 * monitor) knows of the loss before the command that met it answers. One
 * observer per store; NULL removes it.
 */
typedef void (*lu_store_fabric_fn)(void *arg, int64_t result);
bool lu_store_is_fabric_error(int64_t result);
void lu_store_on_fabric_error(struct lu_store *s, lu_store_fabric_fn fn, void *arg);

/*
 * TEST FEATURE - fault injection. Every read, write, write_zeroes or discard
 * submitted afterwards that touches [off, off + len) completes with -err
 * (counted as an I/O error) without reaching the backing. Up to
 * LU_STORE_MAX_INJECT ranges; -ENOSPC beyond that, -EINVAL for err <= 0 or
 * len 0. lu_store_clear_injected() removes them all.
 */
#define LU_STORE_MAX_INJECT 8u
int lu_store_inject_error(struct lu_store *s, uint64_t off, uint64_t len, int err);
void lu_store_clear_injected(struct lu_store *s);

#endif /* XVIOS_BACKEND_LU_STORE_H */
