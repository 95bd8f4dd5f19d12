/* SPDX-License-Identifier: MIT */
/*
 * scsi_region.h - a region of a backing as a backing of its own: an LU of
 * the pool is [offset, offset + size) of a shared device (docs/pool.md).
 *
 * scsi_region_ops (with a struct scsi_region as the opaque) reports size as
 * the backing's size and shifts every operation by offset. Every range is
 * checked against the region before it reaches the inner backing
 * (-EINVAL beyond it), so no I/O, discard, zeroing or map query ever
 * touches a byte outside the region, whatever the layer above asks for.
 */
#ifndef XVIOS_BACKEND_SCSI_REGION_H
#define XVIOS_BACKEND_SCSI_REGION_H

#include <stdint.h>

#include "backend/scsi/scsi_backing.h"

/* Buffers from scsi_region_ops.alloc_buf are aligned so (enough for O_DIRECT on 512e and 4Kn devices). */
#define SCSI_REGION_BUF_ALIGN 4096u

struct scsi_region {
    const struct scsi_backing_ops *ops;   /* the inner backing */
    void *store;
    uint64_t offset, size;
};

extern const struct scsi_backing_ops scsi_region_ops;

/*
 * Bind r to the inner backing. 0; -EINVAL: no ops, size 0, or offset or size
 * not a multiple of the inner block size; -ERANGE: the region ends beyond
 * the inner backing's size.
 */
int scsi_region_init(struct scsi_region *r, const struct scsi_backing_ops *ops, void *store, uint64_t offset,
                     uint64_t size);

#endif /* XVIOS_BACKEND_SCSI_REGION_H */
