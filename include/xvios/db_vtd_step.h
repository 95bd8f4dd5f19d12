/* SPDX-License-Identifier: MIT */
/*
 * xvios/db_vtd_step.h - the VTD record's steps of a mapping made across a
 * split store (docs/multihost.md, "scsi attach and detach across hosts"):
 * the record lives in the replicated DB, the vhost's nodes in the host's own
 * store, and no transaction spans both. An attach claims the record
 * (state attaching), writes the nodes, then settles the record (no state
 * line); a detach marks it detaching, removes the nodes, then removes it.
 * Each step here is one replicated transaction with nothing of the host's
 * store in it; both the CLI (toolstack/vscsi_mh.c) and a VIOS's daemon
 * (daemon/map_apply.c) take them.
 */
#ifndef XVIOS_DB_VTD_STEP_H
#define XVIOS_DB_VTD_STEP_H

#include <stdbool.h>

#include "xvios/db_vtd.h"

/* Do two records say the same mapping in the same step (node, state, LU, pool LU, read-only)? */
bool xvios_db_vtd_same(const struct xvios_db_vtd *a, const struct xvios_db_vtd *b);

/*
 * In tx: the record at expect's key, if it is still expect (xvios_db_vtd_same), rewritten with state to,
 * or removed (remove). 0; -ENOENT no record (0 when removing: gone already); -ESTALE it is another
 * record now (*now, when not NULL, is what it is); -EIO damaged; else the store's error (-EACCES ...).
 */
int xvios_db_vtd_step_in_tx(xvios_plat *p, xvios_tx tx, const struct xvios_db_vtd *expect, bool remove,
                            enum xvios_vtd_state to, struct xvios_db_vtd *now);
/* The same in a transaction of its own, started again on a conflict (-EAGAIN after XVIOS_DB_TX_RETRIES). */
int xvios_db_vtd_step(xvios_plat *p, const struct xvios_db_vtd *expect, bool remove, enum xvios_vtd_state to,
                      struct xvios_db_vtd *now);

/*
 * Step 1 of an attach, in a transaction of its own: no record at v's key, then v written with state
 * attaching. 0; -EEXIST a complete record is there (*now); -EBUSY one left attaching/detaching (*now);
 * -EIO a damaged one; -EACCES/-EPERM not the caller's to write; -EAGAIN conflicts; else the store's error.
 */
int xvios_db_vtd_claim(xvios_plat *p, const struct xvios_db_vtd *v, struct xvios_db_vtd *now);

#endif /* XVIOS_DB_VTD_STEP_H */
