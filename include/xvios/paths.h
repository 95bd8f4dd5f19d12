/* SPDX-License-Identifier: MIT */
/*
 * xvios/paths.h - where a node's processes meet on the local host.
 *
 * The run directory of a node holds:
 *   vke.sock      SOCK_SEQPACKET, served by xvios-backend (the VKE): the daemon's only way in
 *   api.sock      SOCK_SEQPACKET, served by xviosd: the caller API (client library, xvios command)
 *   backend.pid, xviosd.pid, backend.log, xviosd.log
 * xen: /run/xvios. loopback: ROOT/nodes/<node>.
 */
#ifndef XVIOS_PATHS_H
#define XVIOS_PATHS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "xvios/platform.h"

#define XVIOS_XEN_RUNDIR  "/run/xvios"
#define XVIOS_VKE_SOCK    "vke.sock"
#define XVIOS_API_SOCK    "api.sock"

/* The run directory of node on this platform; -ENAMETOOLONG if it does not fit (or will not fit a sun_path). */
static inline int xvios_rundir(char *buf, size_t n, enum xvios_plat_kind kind, const char *root, uint32_t node)
{
    int r = kind == XVIOS_PLAT_LOOPBACK ? snprintf(buf, n, "%s/nodes/%u", root ? root : ".", node)
                                        : snprintf(buf, n, "%s", XVIOS_XEN_RUNDIR);
    /* leave room for "/" + the longest socket name inside a 108-byte sun_path */
    return r < 0 || (size_t)r >= n || r > 96 ? -ENAMETOOLONG : 0;
}

/* rundir + "/" + name into buf (sized for a sun_path). */
static inline int xvios_run_path(char *buf, size_t n, const char *rundir, const char *name)
{
    int r = snprintf(buf, n, "%s/%s", rundir, name);
    return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

/* mkdir -p: every missing component of path with mode; 0 or -errno (xen/util/paths.c). */
int xvios_mkdir_p(const char *path, mode_t mode);

#endif /* XVIOS_PATHS_H */
