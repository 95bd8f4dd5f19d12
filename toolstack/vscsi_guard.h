/* SPDX-License-Identifier: MIT */
/*
 * vscsi_guard.h - `xvios scsi guard`: dom0 closes the vhosts of a VIOS
 * domain that died (docs/vscsi.md, "Losing a VIOS").
 *
 * When a VIOS domain is destroyed, its backend dirs vanish with
 * /local/domain/<vios>; a client's xen-scsifront then sees the backend
 * state as "Unknown", does nothing, and its I/O on that vhost hangs once
 * the SCSI error handler's ABORT waits for an answer from the dead ring.
 * The guard gives the frontend the Closing (5) it needs, in time: on a
 * VIOS's death it recreates <backend>/state = 5 (owner dom0, read for the
 * client) for every vhost whose frontend names that VIOS; xen-scsifront
 * disconnects (later aborts fail at once, the I/O ends with an error)
 * and writes Closed (6); then the guard removes what it created and the
 * frontend dir, as `xvios scsi detach` would.
 *
 * Who is a VIOS: a domain the guard saw in the cluster DB (/xvios/nodes)
 * while it lived, or one the DB still names. Dead: no such domain any more,
 * or dying / shut down / crashed. A VIOS whose processes restart is alive
 * and never touched. A frontend is acted on only when its backend-id is
 * such a dead VIOS and its backend path is exactly the canonical one
 * (vscsi_nodes.h): the frontend dir is written by the client, so nothing
 * read there chooses a path dom0 writes. The frontend dir is removed only
 * once it reads Closed or its domain is gone, never while xen-scsifront may
 * still be tearing the host down (that would block the client's xenwatch).
 *
 * With --revive (vscsi_guard_start_mode) it writes nothing: Linux
 * xen-scsifront's disconnect waits behind an ABORT sent into the dead ring
 * and blocks the client's xenwatch thread, so on such clients the Closing
 * makes things worse; the vhosts are logged and left for the VIOS's revival
 * under its domid (`xvios vios revive`, `xvios scsi rebuild --resume`).
 */
#ifndef XVIOS_TOOLSTACK_VSCSI_GUARD_H
#define XVIOS_TOOLSTACK_VSCSI_GUARD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "xvios/platform.h"

/* Rescan this often while a vhost is being closed, and this often when idle (events do the rest). */
#define VSCSI_GUARD_BUSY_MS 500
#define VSCSI_GUARD_IDLE_MS 5000
/* Warn (once per vhost) when a frontend has not closed this long after Closing was written. */
#define VSCSI_GUARD_WARN_MS 60000

/* A VIOS domain the guard knows of. */
struct vscsi_guard_vios {
    uint32_t domid;
    char uuid[37];
    bool dead;                  /* its death was seen */
    bool searched;              /* the frontends naming it were searched since */
    struct timespec dead_since;
};

/* A vhost of a dead VIOS being closed. */
struct vscsi_guard_vhost {
    uint32_t vios, client, vhost;
    bool closing_written;       /* the guard wrote <backend>/state = 5 (and still owns it) */
    bool warned;
    struct timespec closing_at;
};

struct vscsi_guard {
    xvios_plat *p;
    FILE *log;                  /* one line per step */
    struct vscsi_guard_vios *vios;
    unsigned n_vios;
    struct vscsi_guard_vhost *vh;
    unsigned n_vh;
    bool watching;
    bool revive;                /* --revive: write no Closing, leave a dead VIOS's vhosts for its revival */
    /* figures, for the caller and the tests */
    unsigned closed_total;      /* vhosts closed and removed */
    int64_t last_death_to_closing_ms;   /* death seen -> Closing written, of the last vhost; -1 none */
};

/* Set the watches (@releaseDomain, /xvios/nodes) and scan once. 0 or -errno (with a line on log). */
int  vscsi_guard_start(struct vscsi_guard *g, xvios_plat *p, FILE *log);
/* The same; revive: only log a dead VIOS's vhosts and leave them as they are (for `xvios vios revive`). */
int  vscsi_guard_start_mode(struct vscsi_guard *g, xvios_plat *p, FILE *log, bool revive);
/* One pass: learn the members, notice deaths, close and clean up vhosts. 0 or -errno. */
int  vscsi_guard_scan(struct vscsi_guard *g);
/* Wait at most timeout_ms for a watch event (a signal ends the wait early), then scan.
 * 0, or -errno when the watches themselves failed (scan failures are logged and retried). */
int  vscsi_guard_wait(struct vscsi_guard *g, int timeout_ms);
/* How long the next wait should be: busy while vhosts are pending. */
int  vscsi_guard_next_timeout_ms(const struct vscsi_guard *g);
/* Remove the watches and free; what is still pending is left as it is (a line on log each). */
void vscsi_guard_stop(struct vscsi_guard *g);

#endif /* XVIOS_TOOLSTACK_VSCSI_GUARD_H */
