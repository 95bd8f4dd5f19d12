/* SPDX-License-Identifier: MIT */
/*
 * rdb_file.c - save and load a member's copy of the replicated DB
 * (rdb_file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rdb_file.h"
#include "xvios/file_replace.h"
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

int rdb_file_save(const char *path, uint64_t version, const struct rdb_tree *t)
{
    uint8_t hdr[FILE_HDR], *body = NULL;
    size_t len = 0;
    int rc;

    if ((rc = rdb_tree_encode(t, &body, &len)) < 0)
        return rc;
    memcpy(hdr, FILE_MAGIC, 8);
    xvios_put_le32(hdr + 8, FILE_FORMAT);
    xvios_put_le32(hdr + 12, 0);
    xvios_put_le64(hdr + 16, version);
    xvios_put_le64(hdr + 24, file_hash(hdr, body, len));
    rc = xvios_file_replace(path, (const struct iovec[]){{hdr, sizeof(hdr)}, {body, len}}, 2, 0600,
                            XVIOS_FILE_DURABLE);
    if (rc < 0)
        XLOG_ERR("rdb: cannot save %s: %s", path, strerror(-rc));
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
