/* SPDX-License-Identifier: MIT */
/* lu_fixture.c - temporary backings, completion records and a small event loop for the LU tests. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/lu/lu_fixture.h"
#include "xvios/clock.h"

void lu_fx_cb(void *opaque, int64_t result)
{
    struct lu_fx_done *d = opaque;
    d->calls++;
    d->result = result;
    if (d->counter)
        (*d->counter)++;
}

void lu_fx_fill(uint8_t *buf, size_t len, uint64_t off, uint8_t tag)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = lu_fx_pattern(off + i, tag);
}

bool lu_fx_check(const uint8_t *buf, size_t len, uint64_t off, uint8_t tag)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != lu_fx_pattern(off + i, tag))
            return false;
    return true;
}

int lu_fx_tmpfile(const char *dir, uint64_t size, bool fill, char *path)
{
    const char *d = dir ? dir : getenv("TMPDIR");
    uint8_t *chunk = NULL;
    int fd, rc = 0;

    if (!d || !*d)
        d = "/tmp";
    snprintf(path, 256, "%s/lu-test-XXXXXX", d);
    fd = mkstemp(path);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)size) < 0) {
        rc = -errno;
        goto out;
    }
    if (fill) {
        const size_t clen = 1u << 20;
        chunk = malloc(clen);
        if (!chunk) {
            rc = -ENOMEM;
            goto out;
        }
        for (uint64_t off = 0; off < size; off += clen) {
            size_t n = size - off < clen ? (size_t)(size - off) : clen;
            lu_fx_fill(chunk, n, off, 0);
            if (pwrite(fd, chunk, n, (off_t)off) != (ssize_t)n) {
                rc = -EIO;
                goto out;
            }
        }
    }
out:
    free(chunk);
    close(fd);
    if (rc < 0)
        unlink(path);
    return rc;
}

/* One round: wait for the fd (at most until deadline), then dispatch. False on timeout or error. */
static bool lu_fx_round(struct lu_store *s, const struct timespec *deadline)
{
    struct pollfd p = { .fd = lu_store_fd(s), .events = POLLIN };
    if (xvios_ts_passed(deadline))
        return false;
    if (poll(&p, 1, xvios_poll_timeout(deadline, -1)) < 0 && errno != EINTR)
        return false;
    return lu_store_dispatch(s) >= 0;
}

bool lu_fx_run(struct lu_store *s, const unsigned *counter, unsigned want, int timeout_ms)
{
    struct timespec deadline = xvios_deadline_ms((uint64_t)timeout_ms);
    while (*counter < want)
        if (!lu_fx_round(s, &deadline))
            return false;
    return true;
}

bool lu_fx_wait(struct lu_store *s, struct lu_fx_done *d, int timeout_ms)
{
    struct timespec deadline = xvios_deadline_ms((uint64_t)timeout_ms);
    while (d->calls == 0)
        if (!lu_fx_round(s, &deadline))
            return false;
    return true;
}
