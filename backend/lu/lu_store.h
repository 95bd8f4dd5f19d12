/* SPDX-License-Identifier: MIT */
/*
 * lu_store.h - the backing store of a logical unit: a regular file or a block
 * device, asynchronous I/O (io_uring, or a pread/pwrite fallback) with
 * completion callbacks. Every async op returns 0 when queued or -errno, and
 * later calls its done callback exactly once, never from inside the submit
 * call; lu_store_dispatch() reaps completions and runs the callbacks.
 */
#ifndef XVIOS_BACKEND_LU_STORE_H
#define XVIOS_BACKEND_LU_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lu_store;

enum lu_store_engine { LU_STORE_ENGINE_AUTO, LU_STORE_ENGINE_URING, LU_STORE_ENGINE_SYNC };

struct lu_store_opts {
    const char *path;
    bool read_only;
    bool direct;
    uint32_t block_size;              /* 512 or 4096 */
    enum lu_store_engine engine;
    unsigned queue_depth;
};

struct lu_store_info {
    uint64_t size_bytes;
    uint32_t block_size;
    bool read_only;
    bool can_discard;
    bool is_blockdev;
    bool direct;
    const char *engine;
};

typedef void (*lu_store_done_fn)(void *opaque, int64_t result /* bytes or -errno */);

int lu_store_open(const struct lu_store_opts *opts, struct lu_store **out);
void lu_store_close(struct lu_store *s);
const struct lu_store_info *lu_store_info(const struct lu_store *s);
void *lu_store_alloc_buf(size_t len);
void lu_store_free_buf(void *buf);

int lu_store_read(struct lu_store *s, void *buf, size_t len, uint64_t off, lu_store_done_fn done, void *opaque);
int lu_store_write(struct lu_store *s, const void *buf, size_t len, uint64_t off, bool fua,
                   lu_store_done_fn done, void *opaque);
int lu_store_flush(struct lu_store *s, lu_store_done_fn done, void *opaque);
int lu_store_discard(struct lu_store *s, uint64_t off, uint64_t len, lu_store_done_fn done, void *opaque);
int lu_store_write_zeroes(struct lu_store *s, uint64_t off, uint64_t len, lu_store_done_fn done, void *opaque);

int lu_store_fd(const struct lu_store *s);
int lu_store_dispatch(struct lu_store *s);
int lu_store_map_status(struct lu_store *s, uint64_t off, uint64_t *len_out, bool *mapped);

#endif /* XVIOS_BACKEND_LU_STORE_H */
