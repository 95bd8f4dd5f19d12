/* SPDX-License-Identifier: MIT */
/* scsi_region.c - a region of a backing as a backing (scsi_region.h). */
#include <errno.h>
#include <stdlib.h>

#include "backend/scsi/scsi_region.h"

/* [off, off + len) inside the region (overflow-safe). */
static bool inside(const struct scsi_region *r, uint64_t off, uint64_t len)
{
    return off <= r->size && len <= r->size - off;
}

int scsi_region_init(struct scsi_region *r, const struct scsi_backing_ops *ops, void *store, uint64_t offset,
                     uint64_t size)
{
    struct scsi_backing_info in;

    if (!ops || !ops->info || !ops->read || !ops->write || !ops->flush || size == 0)
        return -EINVAL;
    ops->info(store, &in);
    if (!in.block_size || offset % in.block_size || size % in.block_size)
        return -EINVAL;
    if (offset > in.size_bytes || size > in.size_bytes - offset)
        return -ERANGE;
    *r = (struct scsi_region){ .ops = ops, .store = store, .offset = offset, .size = size };
    return 0;
}

static void rg_info(void *opaque, struct scsi_backing_info *out)
{
    const struct scsi_region *r = opaque;

    r->ops->info(r->store, out);
    /* a backing that shrank under the region leaves it what is still there (reads past it fail below) */
    out->size_bytes = out->size_bytes > r->offset ? out->size_bytes - r->offset : 0;
    if (out->size_bytes > r->size)
        out->size_bytes = r->size;
    out->can_discard = out->can_discard && r->ops->discard;
}

static int rg_read(void *opaque, void *buf, size_t len, uint64_t off, scsi_backing_done_fn done, void *arg)
{
    const struct scsi_region *r = opaque;

    if (!inside(r, off, len))
        return -EINVAL;
    return r->ops->read(r->store, buf, len, r->offset + off, done, arg);
}

static int rg_write(void *opaque, const void *buf, size_t len, uint64_t off, bool fua, scsi_backing_done_fn done,
                    void *arg)
{
    const struct scsi_region *r = opaque;

    if (!inside(r, off, len))
        return -EINVAL;
    return r->ops->write(r->store, buf, len, r->offset + off, fua, done, arg);
}

static int rg_flush(void *opaque, scsi_backing_done_fn done, void *arg)
{
    const struct scsi_region *r = opaque;

    return r->ops->flush(r->store, done, arg);
}

static int rg_discard(void *opaque, uint64_t off, uint64_t len, scsi_backing_done_fn done, void *arg)
{
    const struct scsi_region *r = opaque;

    if (!r->ops->discard)
        return -EOPNOTSUPP;
    if (!inside(r, off, len))
        return -EINVAL;
    return r->ops->discard(r->store, r->offset + off, len, done, arg);
}

static int rg_write_zeroes(void *opaque, uint64_t off, uint64_t len, scsi_backing_done_fn done, void *arg)
{
    const struct scsi_region *r = opaque;

    if (!r->ops->write_zeroes)
        return -EOPNOTSUPP;
    if (!inside(r, off, len))
        return -EINVAL;
    return r->ops->write_zeroes(r->store, r->offset + off, len, done, arg);
}

static int rg_map_status(void *opaque, uint64_t off, uint64_t *len_out, bool *mapped)
{
    const struct scsi_region *r = opaque;
    uint64_t len = 0;
    int rc;

    if (!r->ops->map_status)
        return -EOPNOTSUPP;
    if (off >= r->size)
        return -EINVAL;
    rc = r->ops->map_status(r->store, r->offset + off, &len, mapped);
    if (rc < 0)
        return rc;
    *len_out = len < r->size - off ? len : r->size - off;   /* an extent never reaches past the region */
    return rc;
}

/* The inner backing's allocator cannot be reached from a shared table: buffers aligned for any O_DIRECT
 * backing instead (a page, as the LU store's own), so nothing needs a bounce buffer. */
static void *rg_alloc_buf(size_t len)
{
    void *p = NULL;

    return posix_memalign(&p, SCSI_REGION_BUF_ALIGN, len ? len : 1) == 0 ? p : NULL;
}

static void rg_free_buf(void *buf)
{
    free(buf);
}

const struct scsi_backing_ops scsi_region_ops = {
    .info = rg_info,
    .read = rg_read,
    .write = rg_write,
    .flush = rg_flush,
    .discard = rg_discard,
    .write_zeroes = rg_write_zeroes,
    .map_status = rg_map_status,
    .alloc_buf = rg_alloc_buf,
    .free_buf = rg_free_buf,
};
