/* SPDX-License-Identifier: MIT */
/*
 * rdb_file.c - save and load a member's copy of the replicated DB
 * (rdb_file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rdb_file.h"
#include "xvios/log.h"
#include "xvios/wire.h"

#define FILE_MAGIC  "XVDBFILE"
#define FILE_FORMAT 1u
#define FILE_HDR    32u


/* FNV-1a 64 over the header's first 24 bytes (magic, format, version) and the copy: any byte changed is seen. */
static uint64_t file_hash(const uint8_t *hdr, const uint8_t *body, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (size_t i = 0; i < 24; i++)
        h = (h ^ hdr[i]) * 0x100000001b3ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ body[i]) * 0x100000001b3ull;
    return h;
}

static int write_all(int fd, const uint8_t *b, size_t len)
{
    while (len) {
        ssize_t w = write(fd, b, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        b += w;
        len -= (size_t)w;
    }
    return 0;
}

static void sync_dir(const char *path)
{
    char copy[PATH_MAX];
    int fd;

    if (strlen(path) >= sizeof(copy))
        return;
    strcpy(copy, path);
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int rdb_file_save(const char *path, uint64_t version, const struct rdb_tree *t)
{
    char tmp[PATH_MAX];
    uint8_t hdr[FILE_HDR], *body = NULL;
    size_t len = 0;
    int fd = -1, rc;
    int r = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());

    if (r < 0 || (size_t)r >= sizeof(tmp))
        return -ENAMETOOLONG;
    if ((rc = rdb_tree_encode(t, &body, &len)) < 0)
        return rc;
    memcpy(hdr, FILE_MAGIC, 8);
    xvios_put_le32(hdr + 8, FILE_FORMAT);
    xvios_put_le32(hdr + 12, 0);
    xvios_put_le64(hdr + 16, version);
    xvios_put_le64(hdr + 24, file_hash(hdr, body, len));
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    if ((rc = write_all(fd, hdr, sizeof(hdr))) < 0 || (rc = write_all(fd, body, len)) < 0)
        goto out;
    if (fsync(fd) < 0) {
        rc = -errno;
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = -errno;
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        rc = -errno;
        goto out;
    }
    sync_dir(path);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0) {
        unlink(tmp);
        XLOG_ERR("rdb: cannot save %s: %s", path, strerror(-rc));
    }
    free(body);
    return rc;
}

int rdb_file_load(const char *path, uint64_t *version, struct rdb_tree *out)
{
    struct stat st;
    uint8_t *b = NULL;
    size_t got = 0;
    int fd, rc;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < (off_t)FILE_HDR || (uint64_t)st.st_size > FILE_HDR + (uint64_t)RDB_MAX_DUMP) {
        XLOG_ERR("rdb: %s: not a DB copy (type or size)", path);
        rc = -EPROTO;
        goto out;
    }
    if (!(b = malloc((size_t)st.st_size))) {
        rc = -ENOMEM;
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -errno : -EPROTO;
            goto out;
        }
        got += (size_t)r;
    }
    if (memcmp(b, FILE_MAGIC, 8) || xvios_get_le32(b + 8) != FILE_FORMAT || xvios_get_le32(b + 12) != 0 ||
        file_hash(b, b + FILE_HDR, got - FILE_HDR) != xvios_get_le64(b + 24)) {
        XLOG_ERR("rdb: %s: not a whole DB copy (header or hash)", path);
        rc = -EPROTO;
        goto out;
    }
    if ((rc = rdb_tree_decode(b + FILE_HDR, got - FILE_HDR, out)) < 0)
        goto out;
    *version = xvios_get_le64(b + 16);
out:
    free(b);
    close(fd);
    return rc;
}
