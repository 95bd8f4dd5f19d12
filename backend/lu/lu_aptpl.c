/* SPDX-License-Identifier: MIT */
/* lu_aptpl.c - the APTPL state file next to an LU: atomic replace, bounded read (see lu_aptpl.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/lu/lu_aptpl.h"
#include "xvios/file_replace.h"
#include "xvios/log.h"

int lu_aptpl_path(const char *backing, char *out, size_t cap)
{
    int n;

    if (!backing || !*backing || !out)
        return -EINVAL;
    n = snprintf(out, cap, "%s%s", backing, LU_APTPL_SUFFIX);
    if (n < 0 || (size_t)n >= cap)
        return -ENAMETOOLONG;
    return 0;
}

int lu_aptpl_write(const char *path, const uint8_t *blob, size_t len)
{
    int rc;

    if (!path || (!blob && len) || len > LU_APTPL_MAX_LEN)
        return -EINVAL;
    if (!blob) {
        rc = unlink(path) < 0 && errno != ENOENT ? -errno : xvios_fsync_dir_of(path);
    } else {
        rc = xvios_file_replace_buf(path, blob, len, 0600, XVIOS_FILE_DURABLE);
    }
    if (rc < 0)
        XLOG_ERR("APTPL state %s: %s", path, strerror(-rc));
    return rc;
}

int lu_aptpl_read(const char *path, uint8_t **blob, size_t *len)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0, size;
    int fd, rc = 0;

    if (!path || !blob || !len)
        return -EINVAL;
    *blob = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        goto out;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > LU_APTPL_MAX_LEN) {
        rc = -EFBIG;
        goto out;
    }
    size = (size_t)st.st_size;
    buf = malloc(size ? size : 1);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    /* One more byte would mean the file grew while read: not a state to trust. */
    if (got != size || read(fd, &(uint8_t){ 0 }, 1) != 0) {
        rc = -EIO;
        goto out;
    }
    *blob = buf;
    *len = size;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

int lu_aptpl_set_aside(const char *path)
{
    char bad[PATH_MAX];

    if (!path)
        return -EINVAL;
    if (snprintf(bad, sizeof(bad), "%s.bad", path) >= (int)sizeof(bad))
        return -ENAMETOOLONG;
    if (rename(path, bad) < 0)
        return -errno;
    return xvios_fsync_dir_of(path);
}
