/* SPDX-License-Identifier: MIT */
/*
 * api_exec.h - the management API's writes only dom0 may make (LU and pool
 * writes, mapping create and delete: xvios_vio_needs_dom0), run in dom0
 * against the cluster DB with dom0's hooks (api_mapping.h, the LU checks).
 * `xvios api` runs a request it reads in dom0 through it, and `xvios agent`
 * one a node forwarded.
 */
#ifndef XVIOS_TOOLSTACK_API_EXEC_H
#define XVIOS_TOOLSTACK_API_EXEC_H

#include <stddef.h>

#include "toolstack/vscsi_cmd.h"
#include "xvios/vio.h"

/*
 * Run rq (validated) in dom0 over ctx (open; made quiet): its vioResponse in out (NUL-terminated, *len without
 * the NUL), what it changed in *chg. 0, or -ENOSPC when cap cannot hold even an exception.
 */
int xvios_api_exec_dom0(struct vscsi_ctx *ctx, const struct xvios_vio_req *rq, char *out, size_t cap, size_t *len,
                        struct xvios_vio_change *chg);
/* The Lifecycle event of a change dom0 made (by = 0; via left for the announcer). */
void xvios_api_change_event(const struct xvios_vio_change *chg, struct xvios_vio_event *ev);

#endif /* XVIOS_TOOLSTACK_API_EXEC_H */
