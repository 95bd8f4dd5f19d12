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
#include "xvios/platform.h"

/*
 * dom0 only: add (grant) or remove (!grant) READ for domid in the permission
 * list of "@releaseDomain", keeping every other entry of a domain that
 * exists (entries of destroyed domains are dropped). When xenstored cannot
 * report the list (Xen 4.17 answers EINVAL once a listed domain was
 * destroyed), the list is rebuilt: owner dom0, READ for every domain of
 * members[n_members] (the cluster's members as the cluster DB lists them,
 * at most XVIOS_MAX_NODES) that exists, then the change. Idempotent. Uses
 * p's XenStore connection; -EOPNOTSUPP when p is not a Xen platform,
 * -EINVAL for domid 0; errors from XenStore as negative errnos (-EACCES
 * when not privileged).
 */
int xvios_xen_release_watch_grant(xvios_plat *p, uint32_t domid, bool grant, const uint32_t *members,
                                  unsigned n_members);

#endif /* XVIOS_XEN_H */
