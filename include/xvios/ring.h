/* SPDX-License-Identifier: MIT */
/*
 * xvios/ring.h - the platform seam for shared rings: what a backend needs
 * from the hypervisor to serve a frontend domain's ring (vscsiif and the
 * like). Part of the platform seam (xvios/platform.h): both platforms
 * implement it behind the same ops table.
 *
 *   xen      - libxengnttab (grant map and grant copy) and libxenevtchn
 *              (interdomain event channels), xen/plat/xen/plat_xen_ring*.c.
 *   loopback - the frontend is a process that granted pages of a memfd in a
 *              loopback grant table and signals through pipes
 *              (docs/loopback.md, "Grants and event channels").
 *
 * Grants. A backend opens one xvios_gnt per frontend domain. It maps the
 * frontend's ring page(s) for the ring's lifetime and moves data with
 * xvios_gnt_copy(): a batch of segments, each between a local buffer and
 * part of one granted page. On Xen the copy is one xengnttab_grant_copy()
 * hypercall when the kernel supports it (probed at open, as QEMU does) and
 * map + memcpy + unmap per segment otherwise; the caller sees the same API.
 *
 * A grant the backend may not use - never granted, granted to another
 * domain, revoked, read-only for a write, a gref beyond the table - is
 * refused per segment (copy) or for the whole call (map), never a crash:
 *   copy:  status -EPERM (GNTST_general_error / permission_denied) or
 *          -EINVAL (GNTST_bad_gntref; on Xen's fallback path, where gntdev
 *          reports every refused map as EINVAL, always -EINVAL);
 *   map:   -EINVAL (what gntdev reports for any refused grant).
 * Arguments are checked before anything is touched: a segment with len 0,
 * offset + len > XVIOS_GNT_PAGE_SIZE, a NULL buffer or an unknown direction
 * makes the whole call -EINVAL with nothing copied.
 *
 * Event channels. xvios_evtchn_bind() binds the frontend's port (which the
 * frontend allocated for this backend's domain) to a local port with its own
 * pollable fd. When the fd is readable, xvios_evtchn_pending() returns the
 * local port and masks the channel; xvios_evtchn_unmask() re-arms it (an
 * event that came while masked is delivered then). A fresh binding starts
 * with one event pending, as Xen does: drain it like any other.
 *
 * Nothing here blocks. Functions return 0 (or a value >= 0 as stated) or a
 * negative errno.
 */
#ifndef XVIOS_RING_H
#define XVIOS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xvios/platform.h"

#define XVIOS_GNT_PAGE_SIZE     4096u
#define XVIOS_GNT_MAX_MAP       256u     /* pages in one xvios_gnt_map() */
#define XVIOS_GNT_MAX_COPY_SEGS 1024u    /* segments in one xvios_gnt_copy() */
#define XVIOS_GNT_MAX_GRANTS    65536u   /* max_grants of xvios_gnt_open() */

typedef struct xvios_gnt xvios_gnt;
typedef struct xvios_evtchn xvios_evtchn;

/* ---------------------------------------------------------------- grants */
/*
 * Grant access to frontend domain fe_domid's pages. max_grants (1..
 * XVIOS_GNT_MAX_GRANTS) bounds the pages mapped at once through this handle,
 * including the transient mappings of the copy fallback; a map beyond it is
 * -ENOSPC. -ENOENT: loopback, the frontend publishes no grant table;
 * -EINVAL: bad domid (the backend's own domid included) or max_grants.
 */
int  xvios_gnt_open(xvios_plat *p, uint32_t fe_domid, unsigned max_grants, xvios_gnt **out);
/* Unmaps whatever is still mapped (logged). NULL is fine. */
void xvios_gnt_close(xvios_gnt *g);
uint32_t xvios_gnt_domid(const xvios_gnt *g);
/* True when copies are native grant copies; false: the map/memcpy/unmap fallback. */
bool xvios_gnt_copy_native(const xvios_gnt *g);

/*
 * Map n (1..XVIOS_GNT_MAX_MAP) granted pages read-write (writable) or
 * read-only at one contiguous local address *addr. All or nothing.
 */
int  xvios_gnt_map(xvios_gnt *g, const uint32_t *grefs, unsigned n, bool writable, void **addr);
/* Unmap what one xvios_gnt_map() returned; n must match. -EINVAL: not a mapping of g. */
int  xvios_gnt_unmap(xvios_gnt *g, void *addr, unsigned n);

enum xvios_gnt_dir {
    XVIOS_GNT_FROM_FE = 1,   /* frontend's granted page -> local buffer (a write command's data) */
    XVIOS_GNT_TO_FE   = 2,   /* local buffer -> frontend's granted page (a read command's data) */
};

struct xvios_gnt_seg {
    uint32_t gref;
    uint16_t offset;         /* into the granted page */
    uint16_t len;            /* 1 .. XVIOS_GNT_PAGE_SIZE - offset */
    void *buf;               /* local: len bytes, may cross local pages */
    enum xvios_gnt_dir dir;
    int status;              /* out: 0, or why this segment was not copied (-EPERM, -EINVAL, ...) */
};

/*
 * Copy n (1..XVIOS_GNT_MAX_COPY_SEGS) segments. Returns 0 when every segment
 * was copied, the number of segments that were not (> 0; see their status),
 * or a negative errno when the call itself failed (arguments: nothing was
 * copied; -EIO and friends from the library: statuses are undefined).
 */
int  xvios_gnt_copy(xvios_gnt *g, struct xvios_gnt_seg *segs, unsigned n);

/* ---------------------------------------------------------------- event channels */
/*
 * Bind port remote_port of frontend domain fe_domid (which it allocated for
 * this domain). -EINVAL: bad domid/port, or the port is not an unbound port
 * offered to us (on loopback also when another backend bound it); -ENOENT:
 * loopback, the frontend publishes no event channels.
 */
int  xvios_evtchn_bind(xvios_plat *p, uint32_t fe_domid, uint32_t remote_port, xvios_evtchn **out);
void xvios_evtchn_unbind(xvios_evtchn *ch);           /* NULL is fine; the remote port becomes unbound */
uint32_t xvios_evtchn_local_port(const xvios_evtchn *ch);
uint32_t xvios_evtchn_remote_port(const xvios_evtchn *ch);
int  xvios_evtchn_fd(const xvios_evtchn *ch);         /* poll for POLLIN */
/* The local port (>= 0) if an event was pending (the channel is now masked); -EAGAIN: none. */
int  xvios_evtchn_pending(xvios_evtchn *ch);
int  xvios_evtchn_unmask(xvios_evtchn *ch);
int  xvios_evtchn_notify(xvios_evtchn *ch);

#endif /* XVIOS_RING_H */
