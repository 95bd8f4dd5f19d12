/* SPDX-License-Identifier: MIT */
/*
 * vscsi_access.c - the pools' access lists at attach (docs/pool.md, "Several
 * pools"): every attach (`xvios scsi attach`, `--config`, the API's mapping
 * create, `scsi rebuild`) asks here, in the transaction that would write
 * the LUN's nodes, whether the client may have the LU: a pool LU when its
 * pool's list names the client's uuid (the hypervisor's), a path when every
 * pool LU of that backing does (the path is all of them). A refusal aborts
 * the transaction: nothing is written.
 */
#include <errno.h>
#include <string.h>

#include "toolstack/vscsi_cmd.h"
#include "xvios/db_pool.h"

static int refuse(uint32_t client, const char *name, const char *lu, const char *pool, bool path)
{
    char who[96];

    snprintf(who, sizeof(who), "domain %u%s%s%s", client, name[0] ? " (" : "", name, name[0] ? ")" : "");
    if (path)
        return -vscsi_say(VSCSI_EXIT_ACCESS_DENIED, "%s may not have the whole backing: it holds LU %s of pool %s, "
                                                    "whose access list does not name it", who, lu, pool);
    return -vscsi_say(VSCSI_EXIT_ACCESS_DENIED, "%s is not in the access list of pool %s (LU %s); add it with 'xvios "
                                                "pool modify %s --access ...' first", who, pool, lu, pool);
}

int vscsi_access_check(xvios_plat *p, xvios_tx tx, const struct vscsi_new_dev *dev, uint32_t client,
                       const char *name, const char *uuid)
{
    char lu[XVIOS_LU_NAME_MAX + 1], pool[XVIOS_POOL_NAME_MAX + 1];
    int rc;

    if (dev->pool) {
        rc = xvios_db_pool_admits(p, tx, dev->pool->pool, uuid);
        snprintf(lu, sizeof(lu), "%s", dev->pool->name);
        snprintf(pool, sizeof(pool), "%s", dev->pool->pool);
    } else {
        rc = xvios_db_pool_admits_path(p, tx, dev->lu, uuid, lu, pool);
    }
    switch (rc) {
    case 0:
        return 0;
    case -EPERM:
        if (!uuid[0])
            return -vscsi_say(VSCSI_EXIT_ACCESS_DENIED, "domain %u has no uuid the hypervisor knows: no access list "
                                                        "can name it, so LU %s of pool %s is refused", client, lu,
                              pool);
        return refuse(client, name, lu, pool, !dev->pool);
    case -ENXIO:
        return -vscsi_say(XVIOS_EXIT_ERROR, "LU %s names pool %s, which the cluster DB does not have", lu, pool);
    case -EIO:
        return -vscsi_say(XVIOS_EXIT_ERROR, "the cluster DB's record of pool %s is damaged: attach refused", pool);
    default:
        return -rc;   /* positive: an errno for the transaction loop (EAGAIN: again) */
    }
}
