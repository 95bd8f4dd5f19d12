/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_fs.c - file primitives of the loopback platform: bounded reads
 * of untrusted backing files, atomic writes, rm -r, the store lock, and the
 * store path utilities.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plat_loop_internal.h"
#include "xvios/file_replace.h"
#include "xvios/clock.h"
#include "xvios/log.h"

int loop_path_join(char *out, size_t n, const char *a, const char *b)
{
    int r = snprintf(out, n, "%s%s%s", a, (b[0] == '/' || !b[0]) ? "" : "/", b);
    return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

int loop_open_regular(const char *path, int flags, mode_t mode)
{
    struct stat st;
    int fd, rc;

    /* O_NONBLOCK: opening a FIFO or a device must not wait for a partner;
     * O_NOFOLLOW: a symlink planted in the tree is refused (ELOOP), not followed */
    fd = open(path, flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = -errno;
        if (rc == -ELOOP || rc == -ENXIO) {
            XLOG_ERR("%s: not a regular file: corrupt store", path);
            rc = -EIO;
        }
        return rc;
    }
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        XLOG_ERR("%s: not a regular file: corrupt store", path);
        close(fd);
        return -EIO;
    }
    return fd;
}

int loop_read_file(const char *path, size_t max, char **buf, size_t *len)
{
    struct stat st;
    char *b = NULL;
    size_t got = 0;
    int fd = -1, rc;

    *buf = NULL;
    *len = 0;
    fd = loop_open_regular(path, O_RDONLY, 0);
    if (fd < 0) {
        rc = fd;
        goto out;
    }
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        XLOG_ERR("%s: larger than %zu bytes: corrupt store", path, max);
        rc = -EIO;
        goto out;
    }
    b = malloc(max + 2);
    if (!b) {
        rc = -ENOMEM;
        goto out;
    }
    /* The size may change under us (a writer outside the lock): never read more than max + 1. */
    for (;;) {
        ssize_t r = read(fd, b + got, max + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > max) {
            XLOG_ERR("%s: grew beyond %zu bytes: corrupt store", path, max);
            rc = -EIO;
            goto out;
        }
    }
    b[got] = '\0';
    *buf = b;
    *len = got;
    b = NULL;
    rc = 0;
out:
    free(b);
    if (fd >= 0)
        close(fd);
    return rc;
}

int loop_write_file(const char *path, const void *buf, size_t len)
{
    return xvios_file_replace_buf(path, buf, len, 0600, 0);
}

static int rmtree_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}

int loop_rmtree(const char *path)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -errno;
    return nftw(path, rmtree_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Open ROOT/store/<name> and flock it (op: LOCK_SH or LOCK_EX) before the deadline: the fd, or -errno. */
static int lock_file(const struct loop_plat *lp, const char *name, int op, const struct timespec *deadline)
{
    char path[PATH_MAX];
    long nap_ns = 50000;
    int fd, rc;

    rc = loop_path_join(path, sizeof(path), lp->store, name);
    if (rc < 0)
        return rc;
    /* Opened per acquisition: flock() locks belong to the open file, which a fork() would share. */
    fd = loop_open_regular(path, O_RDWR | O_CREAT, 0600);
    if (fd < 0)
        return fd;
    struct timespec slow = xvios_deadline_ms(LOOP_LOCK_SLOW_MS);
    bool told = false;

    while (flock(fd, op | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            rc = -errno;
            close(fd);
            return rc;
        }
        if (!told && xvios_ts_passed(&slow)) {
            XLOG_WARN("store lock %s: still waiting after %u ms (a busy store; the bound is %u ms)", path,
                      LOOP_LOCK_SLOW_MS, LOOP_LOCK_TIMEOUT_MS);
            told = true;
        }
        if (xvios_ts_passed(deadline)) {
            XLOG_ERR("store lock %s not acquired within %u ms", path, LOOP_LOCK_TIMEOUT_MS);
            close(fd);
            return -ETIMEDOUT;
        }
        struct timespec nap = { 0, nap_ns };
        nanosleep(&nap, NULL);
        if (nap_ns < 2000000)
            nap_ns *= 2;
    }
    if (told)
        XLOG_WARN("store lock %s: acquired after %lld ms", path,
                  (long long)(LOOP_LOCK_TIMEOUT_MS - xvios_ts_diff_ms(xvios_now(), *deadline)));
    return fd;
}

/*
 * The store lock is a reader-writer flock() on ROOT/store/.lock. flock() lets
 * new readers in while a writer waits, so with a few hundred handles reading
 * (a 128-node cluster's backends and daemons, each reading after every change)
 * a writer could wait past any deadline. So a writer announces itself: it
 * takes ROOT/store/.gate (exclusive; only writers take it, so writers queue
 * there), writes its pid to ROOT/store/.writer and waits for the lock; a
 * reader that finds a live writer's pid there waits before it takes its own
 * lock. Once the announcement is out no new reader gets in, and the readers
 * inside finish. The writer withdraws it as soon as it holds the lock (or
 * gives up) and releases the gate: only the .lock fd is returned. A writer
 * that died announced leaves a pid no process has: readers ignore it, and the
 * next writer replaces it. (A shared flock on the gate, taken and dropped by
 * each reader, did not do: with hundreds of readers on two cores one of them
 * held it, preempted, at almost every instant a writer polled.)
 */
#define LOOP_WRITER_FILE ".writer"

/* true while a live process has announced that it waits to write */
static bool writer_waiting(const char *marker)
{
    char buf[24];
    ssize_t n;
    long pid;
    char *end;
    int fd = open(marker, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0)
        return false;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    errno = 0;
    pid = strtol(buf, &end, 10);
    if (errno || end == buf || pid <= 0 || pid == (long)getpid())
        return false;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* a reader waits, before the deadline, until no writer is announced: 0 or -ETIMEDOUT */
static int wait_for_writers(const char *marker, const struct timespec *deadline)
{
    long nap_ns = 50000;

    while (writer_waiting(marker)) {
        if (xvios_ts_passed(deadline)) {
            XLOG_ERR("store lock: a writer kept %s for %u ms", marker, LOOP_LOCK_TIMEOUT_MS);
            return -ETIMEDOUT;
        }
        struct timespec nap = { 0, nap_ns };
        nanosleep(&nap, NULL);
        if (nap_ns < 2000000)
            nap_ns *= 2;
    }
    return 0;
}

int loop_lock(const struct loop_plat *lp, bool exclusive)
{
    struct timespec deadline = xvios_deadline_ms(LOOP_LOCK_TIMEOUT_MS);
    char marker[PATH_MAX], pid[24];
    int gate, fd, rc;

    rc = loop_path_join(marker, sizeof(marker), lp->store, LOOP_WRITER_FILE);
    if (rc < 0)
        return rc;
    if (!exclusive) {
        rc = wait_for_writers(marker, &deadline);
        return rc < 0 ? rc : lock_file(lp, ".lock", LOCK_SH, &deadline);
    }
    gate = lock_file(lp, ".gate", LOCK_EX, &deadline);
    if (gate < 0)
        return gate;
    snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    rc = loop_write_file(marker, pid, strlen(pid));
    if (rc < 0)
        XLOG_WARN("store lock: cannot announce the writer in %s: %s", marker, strerror(-rc));
    fd = lock_file(lp, ".lock", LOCK_EX, &deadline);
    if (rc == 0)
        unlink(marker);
    close(gate);
    return fd;
}

void loop_unlock(int fd)
{
    if (fd >= 0)
        close(fd);  /* releases the flock */
}

int loop_parent(const char *path, char *out, size_t n)
{
    const char *slash = strrchr(path, '/');
    size_t len;

    if (!slash || !strcmp(path, "/"))
        return -EINVAL;
    len = slash == path ? 1 : (size_t)(slash - path);
    if (len >= n)
        return -ENAMETOOLONG;
    memcpy(out, path, len);
    out[len] = '\0';
    return 0;
}

bool loop_path_at_or_below(const char *path, const char *top)
{
    size_t n = strlen(top);

    if (!strcmp(top, "/"))
        return path[0] == '/';
    return !strncmp(path, top, n) && (path[n] == '\0' || path[n] == '/');
}
