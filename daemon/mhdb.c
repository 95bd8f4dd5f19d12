/* SPDX-License-Identifier: MIT */
/*
 * mhdb.c - xviosd on a multi-host cluster: its own member of the
 * replicated cluster DB (xvios/rdb.h), attached to its platform handle so
 * that the node table, the events' watches and everything else it reads
 * under /xvios come from the replicated copy. Its state file is
 * cluster-db.<CLUSTER>.viod.dom<D> in the state directory (multihost-state;
 * default: the loopback root, or /var/lib/xvios); at its first start the
 * toolstack's copy there (cluster-db.<CLUSTER>.cli) is its starting copy.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/rdb.h"

#define VIOD_STATE_DIR   "/var/lib/xvios"
#define VIOD_RDB_SYNC_MS 20000u

int viod_mhdb_open(struct xviosd *d, const char *root)
{
    const char *dir = d->mh_state[0] ? d->mh_state : d->kind == XVIOS_PLAT_LOOPBACK && root ? root : VIOD_STATE_DIR;
    char file[320], seed[320];
    int rc;

    if (!d->mh_cluster[0] || d->rdb)
        return 0;
    if (snprintf(file, sizeof(file), "%s/cluster-db.%s.viod.dom%u", dir, d->mh_cluster, d->self_domid) >=
            (int)sizeof(file) ||
        snprintf(seed, sizeof(seed), "%s/cluster-db.%s.cli", dir, d->mh_cluster) >= (int)sizeof(seed)) {
        fprintf(stderr, "xviosd: multihost-state: path too long\n");
        return -ENAMETOOLONG;
    }
    rc = xvios_rdb_open(&(struct xvios_rdb_config){ .cluster = d->mh_cluster, .state_file = file, .self_domid = 0,
                                                    .seed_file = seed },
                        &d->rdb);
    if (rc < 0) {
        fprintf(stderr, "xviosd: cannot open the replicated DB of cluster %s (state %s): %s%s\n", d->mh_cluster, file,
                strerror(-rc), rc == -ECONNREFUSED ? " (is corosync running on this host?)" : "");
        d->rdb = NULL;
        return rc;
    }
    rc = xvios_rdb_wait_synced(d->rdb, VIOD_RDB_SYNC_MS);
    if (rc == 0)
        rc = xvios_rdb_attach(d->rdb, d->plat);
    if (rc < 0) {
        fprintf(stderr, "xviosd: the replicated DB of cluster %s did not sync: %s\n", d->mh_cluster, strerror(-rc));
        viod_mhdb_close(d);
        return rc;
    }
    return 0;
}

void viod_mhdb_close(struct xviosd *d)
{
    if (!d->rdb)
        return;
    xvios_rdb_detach(d->plat);
    xvios_rdb_close(d->rdb);
    d->rdb = NULL;
}
