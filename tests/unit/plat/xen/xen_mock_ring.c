/* SPDX-License-Identifier: MIT */
/*
 * xen_mock_ring.c - fakes of libxengnttab and libxenevtchn (xen_mock_ring.h).
 * The fake frontend's pages live in one memfd so that a map really shares
 * them (each page mmap()ed into a contiguous range, as gntdev does).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/plat/xen/xen_mock.h"  /* first: the Xen tools headers in the right order */
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "tests/unit/plat/xen/xen_mock_ring.h"

#define PG 4096u

struct mock_ring_state mock_ring;

struct mgrant {
    bool valid, readonly;
    unsigned page;
    uint32_t to;
};

struct mmap_rec {
    void *addr;
    unsigned n;
};

struct xengntdev_handle {
    uint32_t self;
    bool max_set, probe_failed;
    struct mmap_rec maps[64];
};

struct mport {
    bool offered, bound;
    uint32_t to;
    struct xenevtchn_handle *h;   /* the binding handle */
};

struct xenevtchn_handle {
    int efd;
    uint32_t self;
    evtchn_port_t local, remote;
    bool masked, pending_while_masked;
};

static struct mgrant grants[MOCK_GNT_REFS];
static struct mport ports[64];
static int area_fd = -1;
static uint8_t *area;
static evtchn_port_t next_local = 30;

static void area_init(void)
{
    if (area)
        return;
    area_fd = memfd_create("mock-gnt", MFD_CLOEXEC);
    assert_true(area_fd >= 0);
    assert_int_equal(ftruncate(area_fd, MOCK_GNT_PAGES * PG), 0);
    area = mmap(NULL, MOCK_GNT_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, area_fd, 0);
    assert_true(area != MAP_FAILED);
}

void mock_ring_reset(void)
{
    if (area) {
        munmap(area, MOCK_GNT_PAGES * PG);
        close(area_fd);
        area = NULL;
        area_fd = -1;
    }
    memset(grants, 0, sizeof(grants));
    memset(ports, 0, sizeof(ports));
    memset(&mock_ring, 0, sizeof(mock_ring));
    next_local = 30;
}

uint8_t *mock_gnt_page(unsigned page)
{
    area_init();
    assert_true(page < MOCK_GNT_PAGES);
    return area + (size_t)page * PG;
}

void mock_gnt_grant(uint32_t gref, unsigned page, uint32_t to, bool readonly)
{
    assert_true(gref < MOCK_GNT_REFS && page < MOCK_GNT_PAGES);
    grants[gref] = (struct mgrant){.valid = true, .readonly = readonly, .page = page, .to = to};
}

void mock_gnt_revoke(uint32_t gref) { grants[gref].valid = false; }

/* What Xen's grant table says about domain self using gref (write or not) of domid. */
static int16_t check(uint32_t self, uint32_t domid, uint32_t gref, bool write)
{
    if (domid != mock_ring.fe_domid)
        return GNTST_bad_domain;
    if (gref >= MOCK_GNT_REFS)
        return GNTST_bad_gntref;
    if (!grants[gref].valid || grants[gref].to != self || (write && grants[gref].readonly))
        return GNTST_general_error;
    return GNTST_okay;
}

/* ---------------------------------------------------------------- libxengnttab */
xengnttab_handle *__wrap_xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags);
xengnttab_handle *__wrap_xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    xengnttab_handle *h;

    (void)logger;
    (void)open_flags;
    if (mock_ring.gnttab_open_fail) {
        errno = ENOENT;
        return NULL;
    }
    area_init();
    h = calloc(1, sizeof(*h));
    assert_non_null(h);
    h->self = mock_xen.open_domid;
    mock_ring.open_handles++;
    return h;
}

int __wrap_xengnttab_close(xengnttab_handle *xgt);
int __wrap_xengnttab_close(xengnttab_handle *xgt)
{
    for (unsigned i = 0; i < 64; i++)
        if (xgt->maps[i].addr)
            fail_msg("gnttab handle closed with a mapping left");
    mock_ring.open_handles--;
    free(xgt);
    return 0;
}

int __wrap_xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants);
int __wrap_xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
    xgt->max_set = true;
    mock_ring.max_grants = nr_grants;
    return 0;
}

int __wrap_xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count, xengnttab_grant_copy_segment_t *segs);
int __wrap_xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count, xengnttab_grant_copy_segment_t *segs)
{
    if (count == 0 && !segs) { /* the probe */
        if (mock_ring.copy_unsupported) {
            xgt->probe_failed = true;
            errno = ENOSYS;
            return -1;
        }
        return 0;
    }
    if (xgt->probe_failed)
        fail_msg("grant copy used after the probe said it is unsupported");
    mock_ring.copy_calls++;
    mock_ring.copy_segs += count;
    for (uint32_t i = 0; i < count; i++) {
        xengnttab_grant_copy_segment_t *s = &segs[i];
        bool from = s->flags == GNTCOPY_source_gref;
        union xengnttab_copy_ptr *f = from ? &s->source : &s->dest;
        void *local = from ? s->dest.virt : s->source.virt;

        if (s->flags != GNTCOPY_source_gref && s->flags != GNTCOPY_dest_gref)
            fail_msg("segment %u: flags %#x", i, s->flags);
        if ((unsigned)f->foreign.offset + s->len > PG) {
            s->status = GNTST_bad_copy_arg;
            continue;
        }
        s->status = check(xgt->self, f->foreign.domid, f->foreign.ref, !from);
        if (s->status != GNTST_okay)
            continue;
        uint8_t *pg = area + (size_t)grants[f->foreign.ref].page * PG + f->foreign.offset;
        if (from)
            memcpy(local, pg, s->len);
        else
            memcpy(pg, local, s->len);
    }
    return 0;
}

void *__wrap_xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t domid, uint32_t *refs,
                                             int prot);
void *__wrap_xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t domid, uint32_t *refs,
                                             int prot)
{
    uint8_t *base;
    unsigned slot = 64;

    if (!xgt->max_set)
        fail_msg("map before xengnttab_set_max_grants");
    mock_ring.map_calls++;
    for (uint32_t i = 0; i < count; i++)
        if (check(xgt->self, domid, refs[i], prot & PROT_WRITE) != GNTST_okay) {
            errno = EINVAL; /* gntdev's answer for any refused grant */
            return NULL;
        }
    for (unsigned i = 0; i < 64 && slot == 64; i++)
        if (!xgt->maps[i].addr)
            slot = i;
    assert_true(slot < 64);
    base = mmap(NULL, (size_t)count * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(base != MAP_FAILED);
    for (uint32_t i = 0; i < count; i++)
        assert_true(mmap(base + (size_t)i * PG, PG, prot, MAP_SHARED | MAP_FIXED, area_fd,
                         (off_t)grants[refs[i]].page * PG) != MAP_FAILED);
    xgt->maps[slot] = (struct mmap_rec){base, count};
    mock_ring.live_maps++;
    return base;
}

void *__wrap_xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot);
void *__wrap_xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
    return __wrap_xengnttab_map_domain_grant_refs(xgt, 1, domid, &ref, prot);
}

int __wrap_xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count);
int __wrap_xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
    mock_ring.unmap_calls++;
    for (unsigned i = 0; i < 64; i++)
        if (xgt->maps[i].addr == start_address && xgt->maps[i].n == count) {
            munmap(start_address, (size_t)count * PG);
            xgt->maps[i].addr = NULL;
            mock_ring.live_maps--;
            return 0;
        }
    errno = EINVAL;
    return -1;
}

/* ---------------------------------------------------------------- libxenevtchn */
void mock_evtchn_offer(uint32_t port, uint32_t to)
{
    assert_true(port > 0 && port < 64);
    ports[port] = (struct mport){.offered = true, .to = to};
}

static void port_raise(struct xenevtchn_handle *h)
{
    uint64_t one = 1;

    if (h->masked) {
        h->pending_while_masked = true;
        return;
    }
    assert_int_equal(write(h->efd, &one, sizeof(one)), (int)sizeof(one));
}

void mock_evtchn_fire(uint32_t port)
{
    assert_true(port < 64);
    if (ports[port].bound)
        port_raise(ports[port].h);
}

bool mock_evtchn_bound(uint32_t port) { return port < 64 && ports[port].bound; }

xenevtchn_handle *__wrap_xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags);
xenevtchn_handle *__wrap_xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
    xenevtchn_handle *h;

    (void)logger;
    (void)flags;
    if (mock_ring.evtchn_open_fail) {
        errno = ENOENT;
        return NULL;
    }
    h = calloc(1, sizeof(*h));
    assert_non_null(h);
    h->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    assert_true(h->efd >= 0);
    h->self = mock_xen.open_domid;
    mock_ring.open_handles++;
    return h;
}

int __wrap_xenevtchn_close(xenevtchn_handle *xce);
int __wrap_xenevtchn_close(xenevtchn_handle *xce)
{
    for (unsigned p = 0; p < 64; p++)
        if (ports[p].bound && ports[p].h == xce)
            fail_msg("evtchn handle closed with port %u still bound", p);
    close(xce->efd);
    free(xce);
    mock_ring.open_handles--;
    return 0;
}

int __wrap_xenevtchn_fd(xenevtchn_handle *xce);
int __wrap_xenevtchn_fd(xenevtchn_handle *xce) { return xce->efd; }

xenevtchn_port_or_error_t __wrap_xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                            evtchn_port_t remote_port);
xenevtchn_port_or_error_t __wrap_xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                            evtchn_port_t remote_port)
{
    if (domid != mock_ring.fe_domid || remote_port >= 64 || !ports[remote_port].offered || ports[remote_port].bound ||
        ports[remote_port].to != xce->self) {
        errno = EINVAL;
        return -1;
    }
    ports[remote_port].bound = true;
    ports[remote_port].h = xce;
    xce->local = next_local++;
    xce->remote = remote_port;
    port_raise(xce); /* a fresh binding starts pending */
    return (xenevtchn_port_or_error_t)xce->local;
}

int __wrap_xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port);
int __wrap_xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    if (port != xce->local || !ports[xce->remote].bound || ports[xce->remote].h != xce) {
        errno = EINVAL;
        return -1;
    }
    ports[xce->remote].bound = false;
    ports[xce->remote].h = NULL;
    return 0;
}

xenevtchn_port_or_error_t __wrap_xenevtchn_pending(xenevtchn_handle *xce);
xenevtchn_port_or_error_t __wrap_xenevtchn_pending(xenevtchn_handle *xce)
{
    uint64_t v;

    if (read(xce->efd, &v, sizeof(v)) != (ssize_t)sizeof(v)) {
        fail_msg("xenevtchn_pending() with nothing pending: the real one would block");
        return -1;
    }
    xce->masked = true;
    return (xenevtchn_port_or_error_t)xce->local;
}

int __wrap_xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port);
int __wrap_xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
    if (port != xce->local) {
        errno = EINVAL;
        return -1;
    }
    xce->masked = false;
    if (xce->pending_while_masked) {
        xce->pending_while_masked = false;
        port_raise(xce);
    }
    return 0;
}

int __wrap_xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port);
int __wrap_xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    if (port != xce->local) {
        errno = EINVAL;
        return -1;
    }
    mock_ring.notifies++;
    return 0;
}
