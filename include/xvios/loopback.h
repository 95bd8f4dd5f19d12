/* SPDX-License-Identifier: MIT */
/*
 * xvios/loopback.h - what only the loopback platform has: a toolstack's
 * means to create and destroy loopback "domains" (processes standing in for
 * Xen domains). On Xen the hypervisor and libxl do this; here the cluster
 * root keeps a registry, ROOT/domains/<domid>/ (docs/loopback.md).
 *
 * All three are for privileged handles (self_domid 0) on a loopback
 * platform: -EPERM from an unprivileged handle, -EOPNOTSUPP on xen.
 */
#ifndef XVIOS_LOOPBACK_H
#define XVIOS_LOOPBACK_H

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

#endif /* XVIOS_LOOPBACK_H */
