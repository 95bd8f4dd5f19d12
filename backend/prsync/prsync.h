/* SPDX-License-Identifier: MIT */
/*
 * prsync.h - persistent reservations that hold cluster-wide (docs/pool.md,
 * "Reservations that hold cluster-wide"). Every VIOS serving a pool LU keeps
 * a local copy of the LU's one PR state (so the conflict check of READ and
 * WRITE stays a table lookup, and PR IN is answered locally); the state
 * itself lives in the cluster DB (xvios/db_pr.h).
 *
 *  - A PR OUT, RESERVE or RELEASE(6/10) received by any VIOS is applied to the
 *    DB record in one store transaction (the serialization point:
 *    xvios_db_pr_update, generation + 1), then installed locally, then sent
 *    as PR_APPLY (XVIOS_MT_PR_APPLY, with receipts and responses) to every
 *    other member with the new state and the unit attentions and aborts it
 *    causes; each VIOS delivers those to the nexuses it hosts. The command
 *    completes once every member that receipted it has answered (or the
 *    cluster's timeout passed), from the loop: nothing waits.
 *  - A VIOS that may have missed a change does not serve the LU (BUSY) until
 *    it has re-read the record: it watches /xvios/pr, and a generation in the
 *    DB newer than its own that no PR_APPLY brings within the cluster timeout
 *    makes it resynchronize from the DB. Opening an LU reads the record first.
 *
 * Single-threaded, a guest of xvios-backend's loop next to the VKE and the
 * vSCSI engine.
 */
#ifndef XVIOS_BACKEND_PRSYNC_H
#define XVIOS_BACKEND_PRSYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/scsi/scsi_dev.h"
#include "xvios/evloop.h"
#include "xvios/platform.h"
#include "xvios/vke.h"
#include "xvios/watchmux.h"

struct prsync;
struct prsync_lu;

struct prsync_config {
    xvios_plat *plat;                   /* acting as this VIOS */
    struct xvios_evloop *loop;
    struct xvios_watchmux *watches;     /* on plat, registered with loop */
    struct xvios_vke *vke;              /* NULL: no peers (changes still go through the DB) */
    uint16_t port_id;                   /* the relative target port of this VIOS's nexuses */
};

struct prsync_stats {
    uint64_t changes;           /* PR changes this VIOS committed to the DB */
    uint64_t refused;           /* PR commands refused (conflict, bad parameters): nothing committed */
    uint64_t unchanged;         /* PR commands that changed nothing: nothing committed */
    uint64_t busy;              /* PR commands answered BUSY: the DB could not be updated */
    uint64_t applied_in;        /* PR_APPLY states installed from peers */
    uint64_t stale_in;          /* PR_APPLY older than the local state (only their events delivered) */
    uint64_t malformed_in;      /* PR_APPLY or responses that failed to decode, or a state that would not load */
    uint64_t resyncs;           /* states re-read from the DB after a missed change */
    uint64_t missed_peers;      /* peers that did not receipt or answer a PR_APPLY before the deadline */
    uint64_t answers_in;        /* peers' answers to this VIOS's PR_APPLYs (each peer once a change) */
};

/* 0, -EINVAL, -ENOMEM, or the VKE's / store's error. */
int  prsync_create(const struct prsync_config *cfg, struct prsync **out);
/* After every LU is closed (vscsi_engine_destroy); NULL is fine. */
void prsync_destroy(struct prsync *ps);
void prsync_get_stats(const struct prsync *ps, struct prsync_stats *out);

/*
 * A pool LU the engine opens: prsync_lu_open() makes the binding and fills
 * the PR hooks of opts (pr_opaque, pr_exec, pr_ready, pr_state_changed,
 * pr_persist); after scsi_lu_new() with them, prsync_lu_bind() reads the LU's
 * record from the DB and installs it: -EIO when it is malformed (the LU must
 * not be served), or the store's error. prsync_lu_close() before the LU is
 * freed: commands still with prsync complete first.
 */
int  prsync_lu_open(struct prsync *ps, const char *lu_name, struct scsi_lu_opts *opts, struct prsync_lu **out);
int  prsync_lu_bind(struct prsync_lu *l, struct scsi_lu *lu);
void prsync_lu_close(struct prsync_lu *l);
/* Complete every command prsync holds for the LU now (teardown: before the engine answers its rings). */
void prsync_lu_abandon(struct prsync_lu *l);
/* The state generation installed (0: none yet) and whether the LU is served (not stale). */
uint64_t prsync_lu_gen(const struct prsync_lu *l);
bool prsync_lu_serving(const struct prsync_lu *l);

#endif /* XVIOS_BACKEND_PRSYNC_H */
