/* SPDX-License-Identifier: MIT */
/*
 * epoch.c - the persisted incarnation counter of a txid issuer
 * (include/xvios/epoch.h): read, advance, write durably, then hand out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xvios/epoch.h"
#include "xvios/file_replace.h"
#include "xvios/log.h"
#include "xvios/parse.h"

#define EPOCH_FILE_MAX 16u   /* "4294967295\n" fits */

uint32_t xvios_epoch_clock_floor(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || ts.tv_sec <= 0)
        return 1;
    return ts.tv_sec > (time_t)UINT32_MAX ? UINT32_MAX : (uint32_t)ts.tv_sec;
}

/* The stored value; 0 when there is none or it is not a canonical decimal. */
static uint32_t read_stored(const char *path)
{
    char buf[EPOCH_FILE_MAX + 1];
    uint32_t v = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

    if (fd < 0) {
        if (errno != ENOENT)
            XLOG_WARN("epoch file %s: %s: starting from the clock", path, strerror(errno));
        return 0;
    }
    n = read(fd, buf, EPOCH_FILE_MAX);
    close(fd);
    if (n > 0 && buf[n - 1] == '\n')
        n--;
    if (n <= 0 || (buf[n] = 0, xvios_parse_u32_canon(buf, UINT32_MAX, &v) < 0)) {
        XLOG_WARN("epoch file %s does not hold a number: starting from the clock", path);
        return 0;
    }
    return v;
}

int xvios_epoch_advance(const char *path, uint32_t floor, uint32_t *out)
{
    char text[EPOCH_FILE_MAX];
    uint32_t old = read_stored(path), next;
    int n, rc;

    if (old == UINT32_MAX) {
        XLOG_ERR("epoch file %s: the counter is exhausted", path);
        return -EOVERFLOW;
    }
    next = old + 1 > floor ? old + 1 : floor;
    if (next == 0)
        next = 1;
    n = snprintf(text, sizeof(text), "%u\n", next);
    rc = xvios_file_replace_buf(path, text, (size_t)n, 0644, XVIOS_FILE_DURABLE);
    if (rc < 0) {
        XLOG_ERR("cannot store the epoch in %s: %s", path, strerror(-rc));
        return rc;
    }
    *out = next;
    return 0;
}
