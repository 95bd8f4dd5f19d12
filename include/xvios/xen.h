/* SPDX-License-Identifier: MIT */
/*
 * xvios/xen.h - what only the Xen platform has.
 *
 * Since XSA-115, xenstored delivers @releaseDomain events only to
 * privileged connections and to domains holding READ on the special node
 * "@releaseDomain". A VIOS needs those events to notice that a peer's
 * domain went away without closing its vchan (domain destroyed or crashed),
 * so dom0 grants READ to every cluster member (`xvios cluster add`) and
 * takes it back on removal.
 */
#ifndef XVIOS_XEN_H
#define XVIOS_XEN_H

#include <stdbool.h>
#include <stdint.h>

/*
 * dom0 only: add (grant) or remove (!grant) READ for domid in the permission
 * list of "@releaseDomain", keeping every other entry of a domain that
 * exists (entries of destroyed domains are dropped). When xenstored cannot
 * report the list (Xen 4.17 answers EINVAL once a listed domain was
 * destroyed), the list is rebuilt: owner dom0, READ for every cluster member
 * in /xvios/nodes that exists, then the change. Idempotent. Uses its own
 * XenStore connection. -EINVAL for domid 0; errors from XenStore as
 * negative errnos (-EACCES when not privileged).
 */
int xvios_xen_release_watch_grant(uint32_t domid, bool grant);

#endif /* XVIOS_XEN_H */
