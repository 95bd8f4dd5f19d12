/* SPDX-License-Identifier: MIT */
/*
 * xvios/loopback.h - what only the loopback platform has: a toolstack's
 * means to create and destroy loopback "domains" (processes standing in for
 * Xen domains). On Xen the hypervisor and libxl do this; here the cluster
 * root keeps a registry, ROOT/domains/<domid>/ (docs/loopback.md). Also a
 * frontend domain's grant area and event channels (the granting side of
 * xvios/ring.h), below.
 *
 * The three registry functions are for privileged handles (self_domid 0) on a loopback
 * platform: -EPERM from an unprivileged handle, -EOPNOTSUPP on xen.
 */
#ifndef XVIOS_LOOPBACK_H
#define XVIOS_LOOPBACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "xvios/parse.h"
#include "xvios/platform.h"

/*
 * Register domain domid (1..XVIOS_DOMID_LIMIT - 1, as on Xen) named name (1..63 of
 * [A-Za-z0-9_.-], not all digits, not "Domain-0") with a random uuid; create
 * its store home /local/domain/<domid> owned by it (with "name" and "domid"
 * under it); fire "@introduceDomain". -EEXIST: domid or name taken; -EINVAL.
 */
int xvios_loop_domain_create(xvios_plat *p, uint32_t domid, const char *name);

/* Record the process acting as domid; the domain is alive while it runs. -ENOENT, -EINVAL (pid <= 0). */
int xvios_loop_domain_set_pid(xvios_plat *p, uint32_t domid, pid_t pid);

/* Unregister domid, remove /local/domain/<domid>, fire "@releaseDomain". -ENOENT; -EINVAL for 0. */
int xvios_loop_domain_destroy(xvios_plat *p, uint32_t domid);

/*
 * Tests: every n-th transaction commit of this handle fails with -EAGAIN as
 * a conflict would (nothing applied); 0 turns it off. Any loopback handle;
 * -EOPNOTSUPP on xen.
 */
int xvios_loop_tx_fail_every(xvios_plat *p, unsigned n);

/* ---------------------------------------------------------------- granting side
 *
 * What a frontend domain does on Xen with its grant table and event
 * channels (gnttab_grant_foreign_access, evtchn_alloc_unbound), for a
 * process acting as a loopback domain: it owns a grant area of npages
 * pages and publishes it so that backends (xvios/ring.h on a loopback
 * handle) can map and copy exactly what it granted them. One area per
 * domain (-EEXIST while another live process publishes one for the same
 * domid). Layout and rules: docs/loopback.md, "Grants and event channels".
 * Any loopback handle may open one (the domain is the handle's self_domid);
 * -EOPNOTSUPP on xen.
 */
#define XVIOS_LOOP_GNT_MAX_PAGES 65536u

typedef struct xvios_loop_gntshr xvios_loop_gntshr;

int  xvios_loop_gntshr_open(xvios_plat *p, unsigned npages, xvios_loop_gntshr **out);
/* Unpublishes and frees the area; backends keep what they mapped until they unmap. NULL is fine. */
void xvios_loop_gntshr_close(xvios_loop_gntshr *g);
unsigned xvios_loop_gntshr_npages(const xvios_loop_gntshr *g);
/* Local address of page (NULL if out of range). */
void *xvios_loop_gntshr_page(xvios_loop_gntshr *g, unsigned page);
/* Grant page to domain domid, read-only or read-write. -ENOSPC: no free entry. */
int  xvios_loop_gntshr_grant(xvios_loop_gntshr *g, unsigned page, uint32_t domid, bool readonly, uint32_t *gref);
/* End a grant. -EBUSY while a backend maps or copies it (try again later); -EINVAL: not granted. */
int  xvios_loop_gntshr_revoke(xvios_loop_gntshr *g, uint32_t gref);
/* Is gref in use by a backend right now (mapped, or a copy in progress)? */
bool xvios_loop_gntshr_busy(xvios_loop_gntshr *g, uint32_t gref);

/* An unbound event-channel port that domain remote_domid may bind. -ENOSPC: no free port. */
int  xvios_loop_evtchn_alloc_unbound(xvios_loop_gntshr *g, uint32_t remote_domid, uint32_t *port);
int  xvios_loop_evtchn_close(xvios_loop_gntshr *g, uint32_t port);
/* Readable (POLLIN) when the backend has notified since the last consume. -EINVAL: no such port. */
int  xvios_loop_evtchn_fd(xvios_loop_gntshr *g, uint32_t port);
int  xvios_loop_evtchn_notify(xvios_loop_gntshr *g, uint32_t port);
/* 1 if the backend notified since the last call (and clears that), 0 if not. */
int  xvios_loop_evtchn_consume(xvios_loop_gntshr *g, uint32_t port);
/* Is the port bound by its backend right now? */
bool xvios_loop_evtchn_bound(xvios_loop_gntshr *g, uint32_t port);

#endif /* XVIOS_LOOPBACK_H */
