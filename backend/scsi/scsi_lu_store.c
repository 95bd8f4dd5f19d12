/* SPDX-License-Identifier: MIT */
/* scsi_lu_store.c - binds the LU store's async API to the SCSI backing operations. */
#include "backend/scsi/scsi_lu_store.h"

#include "backend/lu/lu_store.h"

static void st_info(void *store, struct scsi_backing_info *out)
{
    const struct lu_store_info *i = lu_store_info(store);

    *out = (struct scsi_backing_info){
        .size_bytes = i->size_bytes,
        .block_size = i->block_size,
        .mem_align = i->direct ? 4096 : 0,
        .read_only = i->read_only,
        .can_discard = i->can_discard,
        /* A punched hole reads as zeros; BLKDISCARD on a device need not. */
        .discard_zeroes = i->can_discard && !i->is_blockdev,
    };
}

static int st_read(void *store, void *buf, size_t len, uint64_t off, scsi_backing_done_fn done, void *opaque)
{
    return lu_store_read(store, buf, len, off, done, opaque);
}

static int st_write(void *store, const void *buf, size_t len, uint64_t off, bool fua,
                    scsi_backing_done_fn done, void *opaque)
{
    return lu_store_write(store, buf, len, off, fua, done, opaque);
}

static int st_flush(void *store, scsi_backing_done_fn done, void *opaque)
{
    return lu_store_flush(store, done, opaque);
}

static int st_discard(void *store, uint64_t off, uint64_t len, scsi_backing_done_fn done, void *opaque)
{
    return lu_store_discard(store, off, len, done, opaque);
}

static int st_write_zeroes(void *store, uint64_t off, uint64_t len, scsi_backing_done_fn done, void *opaque)
{
    return lu_store_write_zeroes(store, off, len, done, opaque);
}

static int st_map_status(void *store, uint64_t off, uint64_t *len_out, bool *mapped)
{
    return lu_store_map_status(store, off, len_out, mapped);
}

const struct scsi_backing_ops scsi_lu_store_ops = {
    .info = st_info,
    .read = st_read,
    .write = st_write,
    .flush = st_flush,
    .discard = st_discard,
    .write_zeroes = st_write_zeroes,
    .map_status = st_map_status,
    .alloc_buf = lu_store_alloc_buf,
    .free_buf = lu_store_free_buf,
};
