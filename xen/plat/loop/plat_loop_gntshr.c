/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_gntshr.c - the granting side of the loopback grant table
 * (xvios/loopback.h): a frontend domain's data and control memfds, their
 * publication in ROOT/grants/<domid>, grants and revocations, and the
 * frontend's ends of event channels. Layout: plat_loop_gnt.h.
 *
 * Backends open our memfds and pipes through /proc/<pid>/fd/<n>: a backend
 * must run as the same user (or be privileged).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat_loop_gnt.h"
#include "xvios/log.h"
#include "xvios/loopback.h"
#include "xvios/parse.h"

struct xvios_loop_gntshr {
    struct loop_plat *lp;
    uint32_t domid;
    uint64_t nonce;
    int ctl_fd, data_fd;
    void *ctl;
    size_t ctl_len;
    struct loop_gnt_hdr *hdr;
    uint64_t *entries;
    struct loop_evtchn_entry *ports;
    uint8_t *data;
    size_t data_len;
    uint32_t npages, nentries, nports;
    uint32_t next_gref;          /* where the search for a free entry starts */
    int be_wr[LOOP_EVTCHN_PORTS];  /* our write end of each port's frontend -> backend pipe */
    int fe_wr[LOOP_EVTCHN_PORTS];  /* kept open so the backend -> frontend pipe never reads as hung up */
    char pub[PATH_MAX];
    bool published;
};

static int make_memfd(const char *name, size_t size, int *fd)
{
    *fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (*fd < 0)
        return -errno;
    if (ftruncate(*fd, (off_t)size) < 0 || fcntl(*fd, F_ADD_SEALS, LOOP_GNT_SEALS) < 0)
        return -errno;
    return 0;
}

/* Somebody else's live publication for this domid? */
static bool published_by_other(const char *path)
{
    char *untrusted = NULL;
    size_t len = 0;
    long long pid = 0;
    bool live = false;

    if (loop_read_file(path, LOOP_GNT_PUB_MAX, &untrusted, &len) == 0 && sscanf(untrusted, "%lld", &pid) == 1 &&
        pid > 0 && pid <= INT_MAX && pid != (long long)getpid())
        live = kill((pid_t)pid, 0) == 0 || errno == EPERM;
    free(untrusted);
    return live;
}

/* Does the publication still name this area (not one that replaced it)? */
static bool still_ours(const xvios_loop_gntshr *g)
{
    char *untrusted = NULL, nonce[24];
    size_t len = 0;
    bool ours;

    if (loop_read_file(g->pub, LOOP_GNT_PUB_MAX, &untrusted, &len) < 0)
        return false;
    snprintf(nonce, sizeof(nonce), " %016" PRIx64 "\n", g->nonce);
    ours = len > strlen(nonce) && !strcmp(untrusted + len - strlen(nonce), nonce);
    free(untrusted);
    return ours;
}

void xvios_loop_gntshr_close(xvios_loop_gntshr *g)
{
    if (!g)
        return;
    if (g->published && still_ours(g) && unlink(g->pub) < 0 && errno != ENOENT)
        XLOG_WARN("cannot remove %s: %s", g->pub, strerror(errno));
    if (g->ports)
        for (uint32_t p = 1; p < g->nports; p++)
            xvios_loop_evtchn_close(g, p);
    if (g->data && g->data != MAP_FAILED)
        munmap(g->data, g->data_len);
    if (g->ctl && g->ctl != MAP_FAILED)
        munmap(g->ctl, g->ctl_len);
    if (g->ctl_fd >= 0)
        close(g->ctl_fd);
    if (g->data_fd >= 0)
        close(g->data_fd);
    free(g);
}

int xvios_loop_gntshr_open(xvios_plat *p, unsigned npages, xvios_loop_gntshr **out)
{
    struct loop_plat *lp = xvios_plat_impl_of_kind(p, XVIOS_PLAT_LOOPBACK);
    xvios_loop_gntshr *g;
    char dir[PATH_MAX], text[LOOP_GNT_PUB_MAX];
    int rc, n;

    *out = NULL;
    if (!lp)
        return -EOPNOTSUPP;
    if (npages == 0 || npages > XVIOS_LOOP_GNT_MAX_PAGES)
        return -EINVAL;
    if (sysconf(_SC_PAGESIZE) != (long)XVIOS_GNT_PAGE_SIZE)
        return -EOPNOTSUPP;
    g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    g->ctl_fd = g->data_fd = -1;
    g->lp = lp;
    g->domid = lp->self_domid;
    g->npages = npages;
    g->nentries = npages + LOOP_GNT_RESERVED + 64u < LOOP_GNT_MAX_ENTRIES ? npages + LOOP_GNT_RESERVED + 64u
                                                                         : LOOP_GNT_MAX_ENTRIES;
    g->nports = LOOP_EVTCHN_PORTS;
    g->next_gref = LOOP_GNT_RESERVED;
    for (unsigned i = 0; i < LOOP_EVTCHN_PORTS; i++)
        g->be_wr[i] = g->fe_wr[i] = -1;
    if (getrandom(&g->nonce, sizeof(g->nonce), 0) != (ssize_t)sizeof(g->nonce)) {
        rc = -EIO;
        goto out;
    }
    g->ctl_len = loop_gnt_ctl_size(g->nentries, g->nports);
    g->data_len = (size_t)npages * XVIOS_GNT_PAGE_SIZE;
    if ((rc = make_memfd("xvios-gnt-ctl", g->ctl_len, &g->ctl_fd)) < 0 ||
        (rc = make_memfd("xvios-gnt-data", g->data_len, &g->data_fd)) < 0)
        goto out;
    g->ctl = mmap(NULL, g->ctl_len, PROT_READ | PROT_WRITE, MAP_SHARED, g->ctl_fd, 0);
    g->data = mmap(NULL, g->data_len, PROT_READ | PROT_WRITE, MAP_SHARED, g->data_fd, 0);
    if (g->ctl == MAP_FAILED || g->data == MAP_FAILED) {
        rc = -errno;
        goto out;
    }
    g->hdr = g->ctl;
    g->entries = loop_gnt_entries(g->ctl);
    g->ports = loop_gnt_ports(g->ctl, g->nentries);
    *g->hdr = (struct loop_gnt_hdr){
        .magic = LOOP_GNT_MAGIC, .nonce = g->nonce, .version = LOOP_GNT_VERSION, .domid = g->domid,
        .npages = npages, .nentries = g->nentries, .nports = g->nports,
    };
    n = snprintf(dir, sizeof(dir), "%s/grants", lp->root);
    if (n < 0 || (size_t)n >= sizeof(dir) || (rc = loop_gnt_pub_path(lp, g->domid, g->pub, sizeof(g->pub))) < 0) {
        rc = -ENAMETOOLONG;
        goto out;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        rc = -errno;
        goto out;
    }
    if (published_by_other(g->pub)) {
        rc = -EEXIST;
        goto out;
    }
    n = snprintf(text, sizeof(text), "%ld %d %d %016" PRIx64 "\n", (long)getpid(), g->ctl_fd, g->data_fd, g->nonce);
    if (n < 0 || (size_t)n >= sizeof(text)) {
        rc = -EOVERFLOW;
        goto out;
    }
    if ((rc = loop_write_file(g->pub, text, (size_t)n)) < 0)
        goto out;
    g->published = true;
    *out = g;
    return 0;
out:
    XLOG_ERR("grant area of domain %u: %s", g->domid, strerror(-rc));
    xvios_loop_gntshr_close(g);
    return rc;
}

unsigned xvios_loop_gntshr_npages(const xvios_loop_gntshr *g) { return g->npages; }

void *xvios_loop_gntshr_page(xvios_loop_gntshr *g, unsigned page)
{
    return page < g->npages ? g->data + (size_t)page * XVIOS_GNT_PAGE_SIZE : NULL;
}

int xvios_loop_gntshr_grant(xvios_loop_gntshr *g, unsigned page, uint32_t domid, bool readonly, uint32_t *gref)
{
    uint64_t word;

    if (page >= g->npages || domid >= XVIOS_DOMID_LIMIT || domid == g->domid)
        return -EINVAL;
    word = (uint64_t)page << LOOP_GNT_PAGE_SHIFT | LOOP_GNT_VALID | (readonly ? LOOP_GNT_READONLY : 0) | domid;
    for (uint32_t i = 0; i < g->nentries - LOOP_GNT_RESERVED; i++) {
        uint32_t r = LOOP_GNT_RESERVED + (g->next_gref - LOOP_GNT_RESERVED + i) % (g->nentries - LOOP_GNT_RESERVED);
        uint64_t expect = 0;

        /* a free entry is all zero: not granted and no backend still holding it */
        if (__atomic_compare_exchange_n(&g->entries[r], &expect, word, false, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED)) {
            g->next_gref = r + 1 < g->nentries ? r + 1 : LOOP_GNT_RESERVED;
            *gref = r;
            return 0;
        }
    }
    return -ENOSPC;
}

int xvios_loop_gntshr_revoke(xvios_loop_gntshr *g, uint32_t gref)
{
    uint64_t old;

    if (gref < LOOP_GNT_RESERVED || gref >= g->nentries)
        return -EINVAL;
    old = __atomic_load_n(&g->entries[gref], __ATOMIC_ACQUIRE);
    for (;;) {
        if (!(old & LOOP_GNT_VALID))
            return -EINVAL;
        if (old & LOOP_GNT_BUSY_MASK)
            return -EBUSY;
        if (__atomic_compare_exchange_n(&g->entries[gref], &old, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return 0;
    }
}

bool xvios_loop_gntshr_busy(xvios_loop_gntshr *g, uint32_t gref)
{
    return gref < g->nentries && (__atomic_load_n(&g->entries[gref], __ATOMIC_ACQUIRE) & LOOP_GNT_BUSY_MASK);
}

/* ---------------------------------------------------------------- event channels (frontend's ends) */
static struct loop_evtchn_entry *port_entry(xvios_loop_gntshr *g, uint32_t port)
{
    if (port == 0 || port >= g->nports)
        return NULL;
    if ((__atomic_load_n(&g->ports[port].state, __ATOMIC_ACQUIRE) & LOOP_EVTCHN_KIND_MASK) == LOOP_EVTCHN_FREE)
        return NULL;
    return &g->ports[port];
}

int xvios_loop_evtchn_alloc_unbound(xvios_loop_gntshr *g, uint32_t remote_domid, uint32_t *port)
{
    if (remote_domid >= XVIOS_DOMID_LIMIT || remote_domid == g->domid)
        return -EINVAL;
    for (uint32_t p = 1; p < g->nports; p++) {
        struct loop_evtchn_entry *e = &g->ports[p];
        int be[2], fe[2];

        if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != LOOP_EVTCHN_FREE)
            continue;
        if (pipe2(be, O_NONBLOCK | O_CLOEXEC) < 0)
            return -errno;
        if (pipe2(fe, O_NONBLOCK | O_CLOEXEC) < 0) {
            int rc = -errno;
            close(be[0]);
            close(be[1]);
            return rc;
        }
        e->fd_to_be = be[0];
        e->fd_to_fe = fe[0];
        g->be_wr[p] = be[1];
        g->fe_wr[p] = fe[1];
        __atomic_store_n(&e->state, (uint64_t)LOOP_EVTCHN_UNBOUND | (uint64_t)remote_domid << LOOP_EVTCHN_REMOTE_SHIFT,
                         __ATOMIC_RELEASE);
        *port = p;
        return 0;
    }
    return -ENOSPC;
}

int xvios_loop_evtchn_close(xvios_loop_gntshr *g, uint32_t port)
{
    struct loop_evtchn_entry *e = port_entry(g, port);

    if (!e)
        return -EINVAL;
    __atomic_store_n(&e->state, (uint64_t)LOOP_EVTCHN_FREE, __ATOMIC_RELEASE);
    close(e->fd_to_be);
    close(e->fd_to_fe);
    close(g->be_wr[port]);
    close(g->fe_wr[port]);
    e->fd_to_be = e->fd_to_fe = g->be_wr[port] = g->fe_wr[port] = -1;
    return 0;
}

int xvios_loop_evtchn_fd(xvios_loop_gntshr *g, uint32_t port)
{
    struct loop_evtchn_entry *e = port_entry(g, port);
    return e ? e->fd_to_fe : -EINVAL;
}

int xvios_loop_evtchn_notify(xvios_loop_gntshr *g, uint32_t port)
{
    struct loop_evtchn_entry *e = port_entry(g, port);

    if (!e)
        return -EINVAL;
    if (write(g->be_wr[port], "e", 1) != 1 && errno != EAGAIN)
        return -errno; /* EAGAIN: the pipe is full, the backend has an event pending anyway */
    return 0;
}

int xvios_loop_evtchn_consume(xvios_loop_gntshr *g, uint32_t port)
{
    struct loop_evtchn_entry *e = port_entry(g, port);
    char buf[256];
    int got = 0;
    ssize_t n;

    if (!e)
        return -EINVAL;
    while ((n = read(e->fd_to_fe, buf, sizeof(buf))) > 0)
        got = 1;
    if (n < 0 && errno != EAGAIN && errno != EINTR)
        return -errno;
    return got;
}

bool xvios_loop_evtchn_bound(xvios_loop_gntshr *g, uint32_t port)
{
    struct loop_evtchn_entry *e = port_entry(g, port);
    return e && (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) & LOOP_EVTCHN_KIND_MASK) == LOOP_EVTCHN_BOUND;
}
