/* SPDX-License-Identifier: MIT */
/*
 * xen_mock_ring.h - link-time fakes of libxengnttab and libxenevtchn for
 * unit tests of the ring seam's Xen implementation (xen_mock_ring.c; bound
 * with -Wl,--wrap=xengnttab_* / xenevtchn_* in the test's .wrap file).
 *
 * A fake frontend domain grants pages of a memfd-backed area, like a real
 * grant table: each gref names a page, the domain it is granted to and
 * whether it is read-only. Copies and maps check what Xen checks and answer
 * with Xen's statuses (GNTST_general_error for a grant we may not use,
 * GNTST_bad_gntref beyond the table, GNTST_bad_copy_arg across a page) and
 * gntdev's EINVAL for a refused map. The fakes also enforce the library's
 * rules: set_max_grants before any map, no grant copy after a failed probe,
 * no xenevtchn_pending() that would block.
 */
#ifndef XVIOS_TEST_XEN_MOCK_RING_H
#define XVIOS_TEST_XEN_MOCK_RING_H

#include <stdbool.h>
#include <stdint.h>

#define MOCK_GNT_PAGES 16u
#define MOCK_GNT_REFS  64u

struct mock_ring_state {
    uint32_t fe_domid;          /* the one foreign domain whose grants exist */
    bool copy_unsupported;      /* the probe xengnttab_grant_copy(xgt, 0, NULL) fails (ENOSYS) */
    bool gnttab_open_fail, evtchn_open_fail;
    unsigned copy_calls, copy_segs, map_calls, unmap_calls, live_maps, open_handles;
    unsigned max_grants;        /* what set_max_grants was given last */
    unsigned notifies;          /* xenevtchn_notify calls */
};
extern struct mock_ring_state mock_ring;

void mock_ring_reset(void);
/* The fake frontend's page (MOCK_GNT_PAGES of them). */
uint8_t *mock_gnt_page(unsigned page);
/* Grant page to domain to (readonly or not) as gref (< MOCK_GNT_REFS); revoke ends it. */
void mock_gnt_grant(uint32_t gref, unsigned page, uint32_t to, bool readonly);
void mock_gnt_revoke(uint32_t gref);

/* The frontend offers port (unbound, for domain to); fire = the frontend notifies it. */
void mock_evtchn_offer(uint32_t port, uint32_t to);
void mock_evtchn_fire(uint32_t port);
bool mock_evtchn_bound(uint32_t port);

#endif /* XVIOS_TEST_XEN_MOCK_RING_H */
