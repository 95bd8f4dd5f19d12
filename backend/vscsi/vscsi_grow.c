/* SPDX-License-Identifier: MIT */
/*
 * vscsi_grow.c - a pool LU this engine serves grew in the cluster DB (dom0's
 * `lu modify`, docs/api.md): the engine watches /xvios/pool, and for every
 * LU it has open whose entry (same WWN, same offset) now says a larger size,
 * it widens the region the LU sees (checked against the backing first: a
 * backing too small keeps the old size, logged) and re-reads the capacity,
 * which queues CAPACITY DATA HAS CHANGED for every nexus (scsi_lu.c). A size
 * never shrinks here (the DB refuses it too); a changed read-only flag is
 * taken when a mapping is next made (its mode), not by a served LU.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backend/vscsi/vscsi_int.h"
#include "xvios/db.h"
#include "xvios/db_lu.h"
#include "xvios/log.h"

static void grow_one(struct vscsi_lu_ref *r, const struct xvios_db_lu *lu)
{
    struct scsi_region wider;
    int rc = scsi_region_init(&wider, r->region.ops, r->region.store, r->id.offset, lu->size);

    if (rc < 0) {
        XLOG_WARN("LU %s grew to %" PRIu64 " bytes in the pool, but its backing %s cannot hold [%" PRIu64 ", +%" PRIu64
                  "): still serving %" PRIu64 " bytes", r->id.name, lu->size, r->path, r->id.offset, lu->size,
                  r->id.size);
        return;
    }
    XLOG_INFO("LU %s grew from %" PRIu64 " to %" PRIu64 " bytes (%s)", r->id.name, r->id.size, lu->size,
              r->read_only ? "read-only" : "read-write");
    r->region.size = lu->size;
    r->id.size = lu->size;
    scsi_lu_capacity_changed(r->lu);
}

void vscsi_grow_check(struct vscsi_engine *e)
{
    for (struct vscsi_lu_ref *r = e->lus; r; r = r->next) {
        struct xvios_db_lu lu;

        if (!r->id.pool || !r->lu || xvios_db_lu_get(e->plat, XVIOS_TX_NONE, r->id.name, &lu) < 0)
            continue;   /* not a pool LU, not open, or gone / damaged (the path monitor tells of that) */
        if (memcmp(lu.wwn, r->id.wwn, sizeof(lu.wwn)) || lu.offset != r->id.offset || lu.size <= r->id.size)
            continue;   /* another LU of that name, or not grown */
        grow_one(r, &lu);
    }
}

static void on_pool(void *arg, const struct xvios_watch_event *ev, unsigned n)
{
    (void)ev;
    (void)n;
    vscsi_grow_check(arg);   /* a burst of pool events is one check */
}

int vscsi_grow_watch(struct vscsi_engine *e)
{
    snprintf(e->pool_token, sizeof(e->pool_token), "vscsi-pool-%u", e->self);
    return xvios_watchmux_add(e->mux, xvios_db_part_path(XVIOS_DB_PART_POOL), e->pool_token, on_pool, e);
}

void vscsi_grow_unwatch(struct vscsi_engine *e)
{
    if (e->pool_token[0])
        xvios_watchmux_remove(e->mux, xvios_db_part_path(XVIOS_DB_PART_POOL), e->pool_token);
}
