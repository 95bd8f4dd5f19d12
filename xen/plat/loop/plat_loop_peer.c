/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_peer.c - a backend's view of a loopback frontend domain: read
 * its publication (ROOT/grants/<domid>), open its control and data memfds
 * through /proc/<pid>/fd/<n> (a new open file description of the same
 * memory, so nothing the frontend later does to its own fds touches ours),
 * and check everything before
 * mapping: the publication's syntax, the seals (no shrinking or growing
 * behind our mappings), the header (magic, version, domid, nonce, counts
 * within limits) and the sizes. The header is copied once; its numbers are
 * never re-read from memory the frontend can change.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat_loop_gnt.h"
#include "xvios/log.h"

int loop_gnt_pub_path(const struct loop_plat *lp, uint32_t domid, char *buf, size_t n)
{
    int r = snprintf(buf, n, "%s/grants/%u", lp->root, domid);
    return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

/* "<pid> <ctl fd> <data fd> <nonce hex>\n", decimal numbers without signs or leading junk. */
static int parse_pub(const char *untrusted, size_t len, pid_t *pid, int *ctl_fd, int *data_fd, uint64_t *nonce)
{
    long long p, c, d;
    unsigned long long nn;
    int used = 0;

    if (len == 0 || len >= LOOP_GNT_PUB_MAX || memchr(untrusted, '\0', len) ||
        sscanf(untrusted, "%lld %lld %lld %llx%n", &p, &c, &d, &nn, &used) != 4 || (size_t)used + 1 != len ||
        untrusted[used] != '\n' || untrusted[0] < '0' || untrusted[0] > '9')
        return -EPROTO;
    if (p <= 0 || p > INT_MAX || c < 0 || c > INT_MAX || d < 0 || d > INT_MAX || c == d)
        return -EPROTO;
    *pid = (pid_t)p;
    *ctl_fd = (int)c;
    *data_fd = (int)d;
    *nonce = (uint64_t)nn;
    return 0;
}

int loop_peer_open_fd(struct loop_peer *pr, int remote_fd)
{
    char path[64];
    int fd;

    snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)pr->pid, remote_fd);
    fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int rc = -errno;
        XLOG_DEBUG("domain %u: cannot open %s: %s", pr->domid, path, strerror(errno));
        return rc; /* -ENOENT: the process or the fd is gone; -EACCES: another user's process */
    }
    return fd;
}

/* A sealed memfd of at least min bytes; its size in *size. */
static int check_memfd(const struct loop_peer *pr, int fd, const char *what, size_t min, size_t *size)
{
    struct stat st;
    int seals = fcntl(fd, F_GET_SEALS);

    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode) || seals < 0 || (seals & LOOP_GNT_SEALS) != LOOP_GNT_SEALS || (seals & F_SEAL_WRITE) ||
        st.st_size < 0 || (uint64_t)st.st_size < min || (uint64_t)st.st_size > SIZE_MAX / 2) {
        XLOG_WARN("domain %u: its %s area is not a sealed memfd of at least %zu bytes", pr->domid, what, min);
        return -EPROTO;
    }
    *size = (size_t)st.st_size;
    return 0;
}

void loop_peer_close(struct loop_peer *pr)
{
    if (pr->data && pr->data != MAP_FAILED)
        munmap(pr->data, pr->data_len);
    if (pr->ctl && pr->ctl != MAP_FAILED)
        munmap(pr->ctl, pr->ctl_len);
    if (pr->data_fd >= 0)
        close(pr->data_fd);
    if (pr->ctl_fd >= 0)
        close(pr->ctl_fd);
    memset(pr, 0, sizeof(*pr));
    pr->ctl_fd = pr->data_fd = -1;
}

int loop_peer_open(struct loop_plat *lp, uint32_t domid, bool with_data, struct loop_peer *pr)
{
    char path[PATH_MAX];
    char *untrusted_pub = NULL;
    size_t len = 0, size = 0;
    pid_t pid;
    int rctl, rdata, rc;
    uint64_t nonce;

    memset(pr, 0, sizeof(*pr));
    pr->ctl_fd = pr->data_fd = -1;
    pr->domid = domid;
    if ((rc = loop_gnt_pub_path(lp, domid, path, sizeof(path))) < 0)
        goto out;
    rc = loop_read_file(path, LOOP_GNT_PUB_MAX, &untrusted_pub, &len);
    if (rc < 0) {
        rc = rc == -ENOENT ? -ENOENT : -EPROTO;
        goto out;
    }
    if ((rc = parse_pub(untrusted_pub, len, &pid, &rctl, &rdata, &nonce)) < 0) {
        XLOG_WARN("domain %u: malformed grant publication %s", domid, path);
        goto out;
    }
    pr->pid = pid;
    if ((rc = pr->ctl_fd = loop_peer_open_fd(pr, rctl)) < 0 ||
        (rc = check_memfd(pr, pr->ctl_fd, "control", sizeof(struct loop_gnt_hdr), &size)) < 0)
        goto out;
    if (pread(pr->ctl_fd, &pr->hdr, sizeof(pr->hdr), 0) != (ssize_t)sizeof(pr->hdr)) {
        rc = -EPROTO;
        goto out;
    }
    if (pr->hdr.magic != LOOP_GNT_MAGIC || pr->hdr.version != LOOP_GNT_VERSION || pr->hdr.nonce != nonce ||
        pr->hdr.domid != domid || pr->hdr.npages == 0 || pr->hdr.npages > LOOP_GNT_MAX_PAGES ||
        pr->hdr.nentries <= LOOP_GNT_RESERVED || pr->hdr.nentries > LOOP_GNT_MAX_ENTRIES ||
        pr->hdr.nports < 2 || pr->hdr.nports > LOOP_EVTCHN_PORTS ||
        size != loop_gnt_ctl_size(pr->hdr.nentries, pr->hdr.nports)) {
        XLOG_WARN("domain %u: its grant table (pid %ld fd %d) does not match its publication", domid, (long)pid, rctl);
        rc = -EPROTO;
        goto out;
    }
    pr->ctl_len = size;
    pr->ctl = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, pr->ctl_fd, 0);
    if (pr->ctl == MAP_FAILED) {
        rc = -errno;
        goto out;
    }
    pr->entries = loop_gnt_entries(pr->ctl);
    pr->ports = loop_gnt_ports(pr->ctl, pr->hdr.nentries);
    if (with_data) {
        size_t need = (size_t)pr->hdr.npages * XVIOS_GNT_PAGE_SIZE;

        if ((rc = pr->data_fd = loop_peer_open_fd(pr, rdata)) < 0 ||
            (rc = check_memfd(pr, pr->data_fd, "data", need, &size)) < 0)
            goto out;
        pr->data_len = need;
        pr->data = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_SHARED, pr->data_fd, 0);
        if (pr->data == MAP_FAILED) {
            rc = -errno;
            goto out;
        }
    }
    rc = 0;
out:
    free(untrusted_pub);
    if (rc < 0)
        loop_peer_close(pr);
    return rc;
}
