/* SPDX-License-Identifier: MIT */
/*
 * scsi_backing.h - what the SCSI target needs from a logical unit's backing
 * store, as a table of operations. The LU store (backend/lu/lu_store.h) is
 * bound to it by scsi_lu_store.c; unit tests and the fuzzer bind an in-memory
 * store. The target core knows nothing else of the store.
 *
 * Asynchronous ops return 0 when queued or -errno, and later call done exactly
 * once with the bytes transferred or -errno -- never from inside the call.
 */
#ifndef XVIOS_BACKEND_SCSI_BACKING_H
#define XVIOS_BACKEND_SCSI_BACKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*scsi_backing_done_fn)(void *opaque, int64_t result);

struct scsi_backing_info {
    uint64_t size_bytes;
    uint32_t block_size;      /* 512 or 4096 */
    uint32_t mem_align;       /* buffers handed to read/write must be aligned so (0/1: any) */
    bool read_only;
    bool can_discard;         /* discard() deallocates */
    bool discard_zeroes;      /* deallocated ranges read back as zeros */
};

struct scsi_backing_ops {
    void (*info)(void *store, struct scsi_backing_info *out);
    int (*read)(void *store, void *buf, size_t len, uint64_t off, scsi_backing_done_fn done, void *opaque);
    int (*write)(void *store, const void *buf, size_t len, uint64_t off, bool fua,
                 scsi_backing_done_fn done, void *opaque);
    int (*flush)(void *store, scsi_backing_done_fn done, void *opaque);
    int (*discard)(void *store, uint64_t off, uint64_t len, scsi_backing_done_fn done, void *opaque);
    int (*write_zeroes)(void *store, uint64_t off, uint64_t len, scsi_backing_done_fn done, void *opaque);
    /* Synchronous: is the byte at off mapped, and for how many bytes does that hold.
     * NULL, or a negative return: the store cannot tell (everything reads as mapped). */
    int (*map_status)(void *store, uint64_t off, uint64_t *len_out, bool *mapped);
    /* Buffers suitable for read/write (O_DIRECT alignment); NULL: malloc/free. */
    void *(*alloc_buf)(size_t len);
    void (*free_buf)(void *buf);
};

#endif /* XVIOS_BACKEND_SCSI_BACKING_H */
