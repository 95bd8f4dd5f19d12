/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_gnt.c - grant access for a backend on Xen (xvios/ring.h) with
 * libxengnttab: one gntdev handle per frontend domain, set_max_grants before
 * anything else (the library requires it), grant copy probed at open with a
 * zero-segment xengnttab_grant_copy() (as QEMU does) and map + memcpy +
 * unmap per segment when the kernel has no copy ioctl.
 *
 * Live mappings are recorded so that an unmap names exactly what a map
 * returned, the max_grants budget is enforced before gntdev would refuse,
 * and close unmaps what the caller left behind.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "plat_xen_internal.h" /* first: it sets up the Xen tools headers */
#include <xengnttab.h>
#include <xen/grant_table.h>
#include "xvios/log.h"

struct xen_gnt_map {
    void *addr;
    unsigned n;
};

struct plat_xen_gnt {
    xengnttab_handle *xgt;
    uint32_t domid;
    unsigned max_grants, mapped;
    bool native_copy;
    struct xen_gnt_map *maps;       /* live mappings, unordered */
    unsigned nmaps, capmaps;
    xengnttab_grant_copy_segment_t *scratch; /* XVIOS_GNT_MAX_COPY_SEGS entries */
};

_Static_assert(XVIOS_GNT_PAGE_SIZE == XC_PAGE_SIZE, "a grant is one Xen page");
_Static_assert(XVIOS_GNT_PAGE_SIZE - 1u <= UINT16_MAX, "offsets fit the copy segment's u16");

int plat_xen_gntst_errno(int16_t st)
{
    switch (st) {
    case GNTST_okay:              return 0;
    case GNTST_general_error:     /* not granted to us, wrong domain, read-only for a write */
    case GNTST_permission_denied: return -EPERM;
    case GNTST_bad_domain:
    case GNTST_bad_gntref:
    case GNTST_bad_handle:
    case GNTST_bad_page:
    case GNTST_bad_copy_arg:
    case GNTST_address_too_big:   return -EINVAL;
    case GNTST_bad_virt_addr:
    case GNTST_bad_dev_addr:      return -EFAULT;
    case GNTST_eagain:            return -EAGAIN;
    case GNTST_no_device_space:
    case GNTST_no_space:          return -ENOSPC;
    default:                      return -EIO;
    }
}

static int errno_or_eio(void) { return errno > 0 ? -errno : -EIO; }

void plat_xen_gnt_close(void *gnt_impl)
{
    struct plat_xen_gnt *g = gnt_impl;

    if (!g)
        return;
    if (g->nmaps)
        XLOG_WARN("grant handle of domain %u closed with %u mapping(s) left: unmapping them", g->domid, g->nmaps);
    for (unsigned i = 0; i < g->nmaps; i++)
        if (xengnttab_unmap(g->xgt, g->maps[i].addr, g->maps[i].n) < 0)
            XLOG_ERR("grant unmap at close (domain %u): %s", g->domid, strerror(errno));
    if (g->xgt)
        xengnttab_close(g->xgt);
    free(g->maps);
    free(g->scratch);
    free(g);
}

int plat_xen_gnt_open(void *impl, uint32_t fe_domid, unsigned max_grants, void **gnt_impl, bool *native_copy)
{
    struct plat_xen *px = impl;
    struct plat_xen_gnt *g;
    int rc;

    *gnt_impl = NULL;
    g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    g->domid = fe_domid;
    g->max_grants = max_grants;
    g->scratch = calloc(XVIOS_GNT_MAX_COPY_SEGS, sizeof(*g->scratch));
    if (!g->scratch) {
        rc = -ENOMEM;
        goto out;
    }
    errno = 0;
    g->xgt = xengnttab_open(&px->logger.vtable, 0);
    if (!g->xgt) {
        rc = errno_or_eio();
        XLOG_ERR("cannot open the grant device (is xen-gntdev loaded?): %s", strerror(-rc));
        goto out;
    }
    /* The library requires this before any map on the handle. */
    if (xengnttab_set_max_grants(g->xgt, max_grants) < 0) {
        rc = errno_or_eio();
        XLOG_ERR("grant device refuses %u grants: %s", max_grants, strerror(-rc));
        goto out;
    }
    g->native_copy = xengnttab_grant_copy(g->xgt, 0, NULL) == 0;
    if (!g->native_copy)
        XLOG_INFO("no grant copy on this kernel: domain %u's data moves by map + memcpy + unmap", fe_domid);
    *native_copy = g->native_copy;
    *gnt_impl = g;
    return 0;
out:
    plat_xen_gnt_close(g);
    return rc;
}

static int maps_add(struct plat_xen_gnt *g, void *addr, unsigned n)
{
    if (g->nmaps == g->capmaps) {
        unsigned cap = g->capmaps ? g->capmaps * 2u : 8u;
        struct xen_gnt_map *m = realloc(g->maps, cap * sizeof(*m));
        if (!m)
            return -ENOMEM;
        g->maps = m;
        g->capmaps = cap;
    }
    g->maps[g->nmaps].addr = addr;
    g->maps[g->nmaps].n = n;
    g->nmaps++;
    g->mapped += n;
    return 0;
}

int plat_xen_gnt_map(void *gnt_impl, const uint32_t *grefs, unsigned n, bool writable, void **addr)
{
    struct plat_xen_gnt *g = gnt_impl;
    void *a;
    int rc;

    if (n > g->max_grants - g->mapped)
        return -ENOSPC;
    errno = 0;
    a = xengnttab_map_domain_grant_refs(g->xgt, n, g->domid, (uint32_t *)grefs,
                                        writable ? PROT_READ | PROT_WRITE : PROT_READ);
    if (!a) {
        rc = errno_or_eio();
        XLOG_DEBUG("map of %u grant(s) of domain %u (first %u) refused: %s", n, g->domid, grefs[0], strerror(-rc));
        return rc;
    }
    if ((rc = maps_add(g, a, n)) < 0) {
        xengnttab_unmap(g->xgt, a, n);
        return rc;
    }
    *addr = a;
    return 0;
}

int plat_xen_gnt_unmap(void *gnt_impl, void *addr, unsigned n)
{
    struct plat_xen_gnt *g = gnt_impl;

    for (unsigned i = 0; i < g->nmaps; i++) {
        if (g->maps[i].addr != addr)
            continue;
        if (g->maps[i].n != n)
            return -EINVAL;
        errno = 0;
        if (xengnttab_unmap(g->xgt, addr, n) < 0)
            return errno_or_eio();
        g->mapped -= n;
        g->maps[i] = g->maps[--g->nmaps];
        return 0;
    }
    return -EINVAL;
}

/* The fallback: map the one page the segment names, memcpy, unmap. */
static int copy_by_map(struct plat_xen_gnt *g, struct xvios_gnt_seg *s)
{
    bool to_fe = s->dir == XVIOS_GNT_TO_FE;
    uint8_t *page;
    int rc;

    if (g->mapped >= g->max_grants)
        return -ENOSPC;
    errno = 0;
    page = xengnttab_map_grant_ref(g->xgt, g->domid, s->gref, to_fe ? PROT_READ | PROT_WRITE : PROT_READ);
    if (!page)
        return errno_or_eio();
    if (to_fe)
        memcpy(page + s->offset, s->buf, s->len);
    else
        memcpy(s->buf, page + s->offset, s->len);
    errno = 0;
    rc = xengnttab_unmap(g->xgt, page, 1) < 0 ? errno_or_eio() : 0;
    if (rc < 0)
        XLOG_ERR("unmap after a fallback copy (domain %u gref %u): %s", g->domid, s->gref, strerror(-rc));
    return rc;
}

int plat_xen_gnt_copy(void *gnt_impl, struct xvios_gnt_seg *segs, unsigned n)
{
    struct plat_xen_gnt *g = gnt_impl;
    int failed = 0;

    if (!g->native_copy) {
        for (unsigned i = 0; i < n; i++) {
            segs[i].status = copy_by_map(g, &segs[i]);
            failed += segs[i].status != 0;
        }
        return failed;
    }
    memset(g->scratch, 0, n * sizeof(*g->scratch));
    for (unsigned i = 0; i < n; i++) {
        xengnttab_grant_copy_segment_t *c = &g->scratch[i];
        union xengnttab_copy_ptr *foreign, *local;

        if (segs[i].dir == XVIOS_GNT_FROM_FE) {
            c->flags = GNTCOPY_source_gref;
            foreign = &c->source;
            local = &c->dest;
        } else {
            c->flags = GNTCOPY_dest_gref;
            foreign = &c->dest;
            local = &c->source;
        }
        foreign->foreign.ref = segs[i].gref;
        foreign->foreign.offset = segs[i].offset;
        foreign->foreign.domid = (uint16_t)g->domid;
        local->virt = segs[i].buf;
        c->len = segs[i].len;
    }
    errno = 0;
    if (xengnttab_grant_copy(g->xgt, n, g->scratch) < 0) {
        int rc = errno_or_eio();
        XLOG_ERR("grant copy of %u segment(s) with domain %u failed: %s", n, g->domid, strerror(-rc));
        return rc;
    }
    for (unsigned i = 0; i < n; i++) {
        segs[i].status = plat_xen_gntst_errno(g->scratch[i].status);
        failed += segs[i].status != 0;
    }
    return failed;
}
