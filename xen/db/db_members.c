/* SPDX-License-Identifier: MIT */
/* db_members.c - the member table as the DB holds it: (node id, domid) of every valid node entry.
 * Read by membership changes (db_nodes.c) and by the regrant (db_regrant.c). */
#include <errno.h>
#include <stdlib.h>

#include "db_internal.h"
#include "xvios/db.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/platform.h"
#include "xvios/wire.h"

#define NODE_DIR XVIOS_DB_ROOT "/nodes"

int db_members(xvios_plat *p, xvios_tx tx, struct db_member **out, unsigned *n)
{
    char **names = NULL;
    unsigned nn = 0, cnt = 0;
    struct db_member *m = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = xvios_store_list(p, tx, NODE_DIR, &names, &nn)) < 0)
        goto out;
    m = calloc(nn ? nn : 1, sizeof(*m));
    if (!m) {
        rc = -ENOMEM;
        goto out;
    }
    for (unsigned i = 0; i < nn; i++) {
        char path[DB_PATH_MAX];
        uint32_t id, domid;
        if (xvios_parse_u32_canon(names[i], XVIOS_NODE_ID_MAX, &id) < 0 || id == 0) {
            XLOG_WARN("cluster DB: ignoring malformed node entry under %s", NODE_DIR);
            continue;
        }
        if ((rc = db_path(path, sizeof(path), NODE_DIR "/%u/domid", id)) < 0)
            goto out;
        rc = db_read_u32(p, tx, path, 0xffffu, &domid);
        /* only a malformed or missing entry is skipped; any other error (a lock timeout, say)
         * aborts, so a regrant never revokes a member it merely failed to read */
        if (rc < 0 && rc != -EIO && rc != -ENOENT && rc != -EINVAL && rc != -E2BIG)
            goto out;
        if (rc < 0 || domid == 0) {
            XLOG_WARN("cluster DB: node %u has no valid domid: ignored", id);
            continue;
        }
        m[cnt++] = (struct db_member){ id, domid };
    }
    *out = m;
    *n = cnt;
    m = NULL;
    rc = 0;
out:
    free(m);
    xvios_strv_free(names, nn);
    return rc;
}
