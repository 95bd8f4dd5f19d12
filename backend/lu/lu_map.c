/* SPDX-License-Identifier: MIT */
/*
 * lu_map.c - which parts of an LU hold data (GET LBA STATUS): SEEK_DATA and
 * SEEK_HOLE on the backing, capped at the LU's end.
 */
#include <errno.h>
#include <unistd.h>

#include "backend/lu/lu_store_int.h"

int lu_store_map_status(struct lu_store *s, uint64_t off, uint64_t *len_out, bool *mapped)
{
    uint64_t end;
    off_t data, hole;

    if (!s || !len_out || !mapped || off >= s->info.size_bytes)
        return -EINVAL;
    end = s->info.size_bytes;
    /* lseek moves the shared file offset; every transfer here is positional, so nothing depends on it. */
    data = lseek(s->fd, (off_t)off, SEEK_DATA);
    if (data < 0) {
        if (errno == ENXIO) {             /* no data from off to the end of the file */
            *mapped = false;
            *len_out = end - off;
            return 0;
        }
        if (errno == EINVAL || errno == EOPNOTSUPP) {
            *mapped = true;               /* no SEEK_DATA here (e.g. a block device): all mapped */
            *len_out = end - off;
            return 0;
        }
        return -errno;
    }
    if ((uint64_t)data > off) {
        *mapped = false;
        *len_out = ((uint64_t)data < end ? (uint64_t)data : end) - off;
        return 0;
    }
    hole = lseek(s->fd, (off_t)off, SEEK_HOLE);
    if (hole < 0)
        return -errno;
    *mapped = true;
    *len_out = ((uint64_t)hole < end ? (uint64_t)hole : end) - off;
    return 0;
}
