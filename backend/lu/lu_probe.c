/* SPDX-License-Identifier: MIT */
/*
 * lu_probe.c - opening an LU's backing and learning what it is: its size
 * (rounded down to the block size), whether it is a block device, whether
 * O_DIRECT works at this block size, and whether it can discard.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend/lu/lu_store_int.h"
#include "xvios/log.h"

/* A block device can punch holes (zeroing, never stale) when it can write zeroes without a fallback. */
static bool lu_blockdev_can_discard(dev_t rdev)
{
    static const char *const where[] = { "", "/.." };   /* the disk; a partition's disk */
    for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), "/sys/dev/block/%u:%u%s/queue/write_zeroes_max_bytes",
                 major(rdev), minor(rdev), where[i]);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        unsigned long long v = 0;
        int n = fscanf(f, "%llu", &v);
        fclose(f);
        return n == 1 && v > 0;
    }
    return false;
}

/*
 * A file can discard when punching a hole past its end succeeds: that range
 * holds no data, so the probe changes nothing; an unsupporting file system
 * says EOPNOTSUPP.
 */
static bool lu_file_can_discard(int fd, uint64_t file_size, uint32_t bs)
{
    uint64_t at = (file_size + (1u << 20)) & ~(uint64_t)((1u << 20) - 1);
    if (at > (uint64_t)INT64_MAX - bs)
        return false;
    if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)at, (off_t)bs) == 0)
        return true;
    XLOG_DEBUG("punch hole unsupported: %s", strerror(errno));
    return false;
}

/* With O_DIRECT, one aligned block read tells whether this block size is acceptable. */
static int lu_direct_probe(int fd, uint32_t bs, const char *path)
{
    void *buf = lu_store_alloc_buf(bs);
    int rc = 0;
    if (!buf)
        return -ENOMEM;
    if (pread(fd, buf, bs, 0) < 0) {
        if (errno == EINVAL) {
            XLOG_ERR("%s: O_DIRECT refuses %" PRIu32 "-byte blocks", path, bs);
            rc = -EINVAL;
        } else {
            XLOG_WARN("%s: reading block 0: %s", path, strerror(errno));
        }
    }
    lu_store_free_buf(buf);
    return rc;
}

int lu__probe_open(const struct lu_store_opts *opts, int *fd_out, struct lu_store_info *info)
{
    uint32_t bs = opts->block_size ? opts->block_size : 512u;
    struct stat st;
    uint64_t raw_size = 0;
    int rc = 0;
    int fd = -1;

    if (bs != 512u && bs != 4096u)
        return -EINVAL;
    int flags = O_CLOEXEC | (opts->read_only ? O_RDONLY : O_RDWR) | (opts->direct ? O_DIRECT : 0);
    fd = open(opts->path, flags);
    if (fd < 0) {
        rc = -errno;
        XLOG_ERR("%s: open%s: %s", opts->path, opts->direct ? " (O_DIRECT)" : "", strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out;
    }
    memset(info, 0, sizeof(*info));
    info->block_size = bs;
    info->read_only = opts->read_only;
    info->direct = opts->direct;
    if (S_ISBLK(st.st_mode)) {
        int lbs = 0;
        info->is_blockdev = true;
        if (ioctl(fd, BLKGETSIZE64, &raw_size) < 0 || ioctl(fd, BLKSSZGET, &lbs) < 0) {
            rc = -errno;
            goto out;
        }
        if (lbs <= 0 || (uint32_t)lbs > bs) {
            XLOG_ERR("%s: logical block size %d exceeds the LU's %" PRIu32, opts->path, lbs, bs);
            rc = -EINVAL;
            goto out;
        }
        if (!info->direct) {
            /* Two VIOSes sharing a disk must never serve stale page-cache data. */
            int fl = fcntl(fd, F_GETFL);
            if (fl < 0 || fcntl(fd, F_SETFL, fl | O_DIRECT) < 0) {
                rc = -errno;
                goto out;
            }
            info->direct = true;
        }
        info->can_discard = !opts->read_only && lu_blockdev_can_discard(st.st_rdev);
    } else if (S_ISREG(st.st_mode)) {
        raw_size = (uint64_t)st.st_size;
        info->can_discard = !opts->read_only && lu_file_can_discard(fd, raw_size, bs);
    } else {
        XLOG_ERR("%s: neither a regular file nor a block device", opts->path);
        rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        goto out;
    }
    info->size_bytes = raw_size - raw_size % bs;
    if (info->size_bytes == 0) {
        XLOG_ERR("%s: %" PRIu64 " bytes is less than one %" PRIu32 "-byte block", opts->path, raw_size, bs);
        rc = -EINVAL;
        goto out;
    }
    if (raw_size != info->size_bytes)
        XLOG_WARN("%s: size %" PRIu64 " rounded down to %" PRIu64, opts->path, raw_size, info->size_bytes);
    if (info->direct)
        rc = lu_direct_probe(fd, bs, opts->path);
out:
    if (rc < 0 && fd >= 0)
        close(fd);
    else
        *fd_out = fd;
    return rc;
}
