/* SPDX-License-Identifier: MIT */
/*
 * file_replace.c - atomic (and optionally durable) replacement of a file's
 * contents (include/xvios/file_replace.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xvios/file_replace.h"

int xvios_fsync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n;
    int fd, rc = 0;

    if (!slash) {
        strcpy(dir, ".");
    } else {
        n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= sizeof(dir))
            return -ENAMETOOLONG;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fsync(fd) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        if (w == 0)
            return -EIO;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int xvios_file_replace(const char *path, const struct iovec *iov, unsigned n_iov, mode_t mode, unsigned flags)
{
    char tmp[PATH_MAX];
    int fd = -1, rc = 0;
    int r;

    if (!path || !*path || (n_iov && !iov))
        return -EINVAL;
    r = snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
    if (r < 0 || (size_t)r >= sizeof(tmp))
        return -ENAMETOOLONG;
    fd = mkostemp(tmp, O_CLOEXEC);   /* 0600, O_EXCL: a planted name or symlink is never written through */
    if (fd < 0)
        return -errno;
    for (unsigned i = 0; i < n_iov && rc == 0; i++)
        if (iov[i].iov_len)
            rc = iov[i].iov_base ? write_all(fd, iov[i].iov_base, iov[i].iov_len) : -EINVAL;
    if (rc == 0 && (mode & 07777) != 0600 && fchmod(fd, mode & 07777) < 0)
        rc = -errno;
    if (rc == 0 && (flags & XVIOS_FILE_DURABLE) && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0) {
        unlink(tmp);
        return rc;
    }
    return (flags & XVIOS_FILE_DURABLE) ? xvios_fsync_dir_of(path) : 0;
}

int xvios_file_replace_buf(const char *path, const void *buf, size_t len, mode_t mode, unsigned flags)
{
    struct iovec v = {.iov_base = (void *)buf, .iov_len = len};

    return xvios_file_replace(path, &v, 1, mode, flags);
}
