/* SPDX-License-Identifier: MIT */
/*
 * vscsi_engine.h - the vSCSI backend engine of xvios-backend: serves
 * vscsiif rings of client domains (Linux xen-scsifront, or a loopback
 * frontend process) with the SCSI target (backend/scsi) over the LU store
 * (backend/lu). A guest of the process's event loop, next to the VKE.
 *
 * It watches /local/domain/<self>/backend/vscsi through the watch
 * multiplexer and runs the backend state machine for every (client, vhost)
 * found there (docs/vscsi.md, "The engine in the VIOS"). Single-threaded; nothing blocks.
 */
#ifndef XVIOS_BACKEND_VSCSI_ENGINE_H
#define XVIOS_BACKEND_VSCSI_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/prsync/prsync.h"
#include "xvios/evloop.h"
#include "xvios/platform.h"
#include "xvios/watchmux.h"

struct vscsi_engine;

struct vscsi_engine_config {
    xvios_plat *plat;                   /* acting as the VIOS domain */
    struct xvios_evloop *loop;
    struct xvios_watchmux *watches;     /* on plat, registered with loop */
    struct prsync *prsync;              /* cluster-wide reservations of pool LUs; NULL: each LU keeps its own */
};

struct vscsi_engine_stats {
    uint64_t vhosts;            /* vhosts known now */
    uint64_t connected;         /* of them with a mapped ring */
    uint64_t requests;          /* requests copied out of rings */
    uint64_t responses;         /* responses written */
    uint64_t bad_requests;      /* answered DID_ERROR: malformed */
    uint64_t no_connect;        /* answered DID_NO_CONNECT: unknown channel:target:lun */
    uint64_t grant_errors;      /* answered DID_ERROR: a grant copy was refused */
    uint64_t rqid_reuse;        /* answered DID_ERROR: rqid already in flight */
    uint64_t ring_errors;       /* rings put into the sticky error state */
    uint64_t tmf;               /* ABORT and RESET answered */
};

/* 0, -EINVAL, -ENOMEM, or the store's error for the watch. */
int  vscsi_engine_create(const struct vscsi_engine_config *cfg, struct vscsi_engine **out);
/*
 * Stops serving: every LU store is closed (its outstanding I/O completes or
 * is cancelled, and is answered), every ring unmapped and channel unbound.
 * The XenStore nodes are left as they are. NULL is fine.
 */
void vscsi_engine_destroy(struct vscsi_engine *e);
void vscsi_engine_get_stats(const struct vscsi_engine *e, struct vscsi_engine_stats *out);

/*
 * True when the kernel's xen-scsiback is loaded (sysfs_root/module/xen_scsiback
 * exists; sysfs_root NULL = "/sys"): it would claim the same XenStore nodes,
 * so xvios-backend refuses to start the engine then.
 */
bool vscsi_kernel_backend_loaded(const char *sysfs_root);

#endif /* XVIOS_BACKEND_VSCSI_ENGINE_H */
