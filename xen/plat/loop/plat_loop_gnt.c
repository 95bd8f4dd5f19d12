/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_gnt.c - a backend's grant access on the loopback platform
 * (xvios/ring.h): map and copy only what the frontend granted to this
 * handle's domain, with the access it granted. Each use of an entry holds
 * it busy (compare-and-swap on the entry word) for the copy or the life of
 * the mapping, so the frontend cannot revoke a grant under our feet - it
 * gets -EBUSY, as gnttab_try_end_foreign_access() fails on Xen.
 *
 * Errors are Xen's: a gref beyond the table -EINVAL (GNTST_bad_gntref), an
 * entry not granted to us or read-only for a write -EPERM
 * (GNTST_general_error) in a copy, and -EINVAL for any refused map (what
 * gntdev reports). Copies are native: there is no fallback to probe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plat_loop_gnt.h"
#include "xvios/log.h"

struct loop_gnt_map {
    uint8_t *addr;
    unsigned n;
    uint32_t *grefs;
};

struct loop_gnt {
    struct loop_peer peer;
    uint32_t self;
    unsigned max_grants, mapped;
    struct loop_gnt_map *maps;
    unsigned nmaps, capmaps;
};

/* Hold entry gref busy for a use by domain self; its page index in *page. */
static int entry_acquire(struct loop_gnt *g, uint32_t gref, bool write, uint32_t *page)
{
    uint64_t *e, old;

    if (gref >= g->peer.hdr.nentries)
        return -EINVAL;
    e = &g->peer.entries[gref];
    old = __atomic_load_n(e, __ATOMIC_ACQUIRE);
    for (;;) {
        uint64_t pg = old >> LOOP_GNT_PAGE_SHIFT;

        if (gref < LOOP_GNT_RESERVED || !(old & LOOP_GNT_VALID) || (old & LOOP_GNT_DOMID_MASK) != g->self ||
            (write && (old & LOOP_GNT_READONLY)))
            return -EPERM;
        if (pg >= g->peer.hdr.npages)
            return -EINVAL; /* the frontend wrote an entry naming no page of its area */
        if ((old & LOOP_GNT_BUSY_MASK) == LOOP_GNT_BUSY_MASK)
            return -ENOSPC;
        if (__atomic_compare_exchange_n(e, &old, old + LOOP_GNT_BUSY_ONE, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            *page = (uint32_t)pg;
            return 0;
        }
    }
}

static void entry_release(struct loop_gnt *g, uint32_t gref)
{
    uint64_t *e = &g->peer.entries[gref];
    uint64_t old = __atomic_load_n(e, __ATOMIC_ACQUIRE);

    /* The frontend owns this memory and may have scribbled on it: never borrow below zero. */
    while (old & LOOP_GNT_BUSY_MASK)
        if (__atomic_compare_exchange_n(e, &old, old - LOOP_GNT_BUSY_ONE, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return;
}

static void unmap_one(struct loop_gnt *g, struct loop_gnt_map *m)
{
    munmap(m->addr, (size_t)m->n * XVIOS_GNT_PAGE_SIZE);
    for (unsigned i = 0; i < m->n; i++)
        entry_release(g, m->grefs[i]);
    g->mapped -= m->n;
    free(m->grefs);
}

void loop_gnt_close(void *gnt_impl)
{
    struct loop_gnt *g = gnt_impl;

    if (!g)
        return;
    if (g->nmaps)
        XLOG_WARN("grant handle of domain %u closed with %u mapping(s) left: unmapping them", g->peer.domid,
                  g->nmaps);
    for (unsigned i = 0; i < g->nmaps; i++)
        unmap_one(g, &g->maps[i]);
    free(g->maps);
    loop_peer_close(&g->peer);
    free(g);
}

int loop_gnt_open(void *impl, uint32_t fe_domid, unsigned max_grants, void **gnt_impl, bool *native_copy)
{
    struct loop_plat *lp = impl;
    struct loop_gnt *g;
    int rc;

    *gnt_impl = NULL;
    if (sysconf(_SC_PAGESIZE) != (long)XVIOS_GNT_PAGE_SIZE)
        return -EOPNOTSUPP; /* a grant must be exactly one mmap()able page */
    g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    g->self = lp->self_domid;
    g->max_grants = max_grants;
    rc = loop_peer_open(lp, fe_domid, true, &g->peer);
    if (rc < 0) {
        free(g);
        return rc;
    }
    *native_copy = true;
    *gnt_impl = g;
    return 0;
}

int loop_gnt_map(void *gnt_impl, const uint32_t *grefs, unsigned n, bool writable, void **addr)
{
    struct loop_gnt *g = gnt_impl;
    struct loop_gnt_map m = {0};
    uint32_t *pages = NULL;
    unsigned held = 0;
    int rc;

    if (n > g->max_grants - g->mapped)
        return -ENOSPC;
    if (g->nmaps == g->capmaps) {
        unsigned cap = g->capmaps ? g->capmaps * 2u : 8u;
        struct loop_gnt_map *nm = realloc(g->maps, cap * sizeof(*nm));
        if (!nm)
            return -ENOMEM;
        g->maps = nm;
        g->capmaps = cap;
    }
    m.n = n;
    m.grefs = calloc(n, sizeof(*m.grefs));
    pages = calloc(n, sizeof(*pages));
    if (!m.grefs || !pages) {
        rc = -ENOMEM;
        goto out;
    }
    for (held = 0; held < n; held++) {
        rc = entry_acquire(g, grefs[held], writable, &pages[held]);
        if (rc < 0) {
            XLOG_DEBUG("map: domain %u gref %u refused (%s)", g->peer.domid, grefs[held], strerror(-rc));
            rc = -EINVAL; /* gntdev's answer for any refused grant */
            goto out;
        }
        m.grefs[held] = grefs[held];
    }
    /* Reserve a contiguous range, then put each granted page of the data memfd into it. */
    m.addr = mmap(NULL, (size_t)n * XVIOS_GNT_PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m.addr == MAP_FAILED) {
        m.addr = NULL;
        rc = -errno;
        goto out;
    }
    for (unsigned i = 0; i < n; i++) {
        void *want = m.addr + (size_t)i * XVIOS_GNT_PAGE_SIZE;
        void *got = mmap(want, XVIOS_GNT_PAGE_SIZE, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                         MAP_SHARED | MAP_FIXED, g->peer.data_fd, (off_t)pages[i] * XVIOS_GNT_PAGE_SIZE);
        if (got == MAP_FAILED) {
            rc = -errno;
            goto out;
        }
    }
    g->mapped += n;
    g->maps[g->nmaps++] = m;
    *addr = m.addr;
    m.grefs = NULL;
    m.addr = NULL;
    held = 0;
    rc = 0;
out:
    if (m.addr)
        munmap(m.addr, (size_t)n * XVIOS_GNT_PAGE_SIZE);
    for (unsigned i = 0; i < held; i++)
        entry_release(g, m.grefs[i]);
    free(m.grefs);
    free(pages);
    return rc;
}

int loop_gnt_unmap(void *gnt_impl, void *addr, unsigned n)
{
    struct loop_gnt *g = gnt_impl;

    for (unsigned i = 0; i < g->nmaps; i++) {
        if (g->maps[i].addr != addr)
            continue;
        if (g->maps[i].n != n)
            return -EINVAL;
        unmap_one(g, &g->maps[i]);
        g->maps[i] = g->maps[--g->nmaps];
        return 0;
    }
    return -EINVAL;
}

int loop_gnt_copy(void *gnt_impl, struct xvios_gnt_seg *segs, unsigned n)
{
    struct loop_gnt *g = gnt_impl;
    int failed = 0;

    for (unsigned i = 0; i < n; i++) {
        struct xvios_gnt_seg *s = &segs[i];
        bool to_fe = s->dir == XVIOS_GNT_TO_FE;
        uint32_t page;
        uint8_t *at;

        s->status = entry_acquire(g, s->gref, to_fe, &page);
        if (s->status < 0) {
            XLOG_DEBUG("copy: domain %u gref %u refused (%s)", g->peer.domid, s->gref, strerror(-s->status));
            failed++;
            continue;
        }
        at = g->peer.data + (size_t)page * XVIOS_GNT_PAGE_SIZE + s->offset;
        if (to_fe)
            memcpy(at, s->buf, s->len);
        else
            memcpy(s->buf, at, s->len);
        entry_release(g, s->gref);
    }
    return failed;
}
