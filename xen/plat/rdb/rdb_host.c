/* SPDX-License-Identifier: MIT */
/*
 * rdb_host.c - what a program needs around its replicated DB member
 * (xvios/rdb.h): waiting until its copy is the cluster's before it reads,
 * and the name corosync.conf's nodelist gives this host (cmap), which
 * `xvios nodes` shows next to the corosync nodeid.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <corosync/cmap.h>

#include "rdb_handle.h"
#include "xvios/clock.h"
#include "xvios/log.h"

#define RDB_NODELIST_MAX 384u   /* corosync's PROCESSOR_COUNT_MAX: the most nodes a totem ring holds */

bool xvios_rdb_cluster_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > XVIOS_RDB_CLUSTER_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

int xvios_rdb_wait_synced(xvios_rdb *r, unsigned ms)
{
    struct timespec deadline = xvios_deadline_ms(ms);
    int rc;

    if (!r)
        return -EINVAL;
    for (;;) {
        if (r->dead)
            return -EPIPE;
        if (r->core.mode == RDB_MODE_SYNCED)
            return 0;
        if (xvios_ts_passed(&deadline))
            return r->core.mode == RDB_MODE_BROKEN ? -EIO : r->core.mode == RDB_MODE_UNDECIDED ? -ENOTUNIQ : -ETIMEDOUT;
        struct pollfd pfd = { .fd = r->ep_fd, .events = POLLIN };
        if (poll(&pfd, 1, xvios_poll_timeout(&deadline, 50)) < 0 && errno != EINTR)
            return -errno;
        if ((rc = xvios_rdb_dispatch(r)) < 0)
            return rc;
    }
}

static int cs_err(cs_error_t e)
{
    return e == CS_ERR_NOT_EXIST ? -ENOENT : e == CS_ERR_LIBRARY ? -ECONNREFUSED : -EIO;
}

int xvios_rdb_host_name(xvios_rdb *r, char *buf, size_t cap)
{
    cmap_handle_t h;
    cs_error_t e;
    uint32_t self, id;
    char key[64], *name = NULL;
    int rc = -ENOENT;

    if (!r || !buf || cap == 0)
        return -EINVAL;
    self = r->core.self.nodeid;
    if ((e = cmap_initialize(&h)) != CS_OK)
        return cs_err(e);
    for (unsigned i = 0; i < RDB_NODELIST_MAX; i++) {
        snprintf(key, sizeof(key), "nodelist.node.%u.nodeid", i);
        e = cmap_get_uint32(h, key, &id);
        if (e == CS_ERR_NOT_EXIST)
            break;   /* the list is dense: the first missing index ends it */
        if (e != CS_OK) {
            rc = cs_err(e);
            goto out;
        }
        if (id != self)
            continue;
        snprintf(key, sizeof(key), "nodelist.node.%u.name", i);
        if ((e = cmap_get_string(h, key, &name)) != CS_OK) {
            rc = cs_err(e);
            goto out;
        }
        if (strlen(name) >= cap) {
            rc = -ENAMETOOLONG;
            goto out;
        }
        snprintf(buf, cap, "%s", name);
        rc = 0;
        goto out;
    }
out:
    free(name);
    cmap_finalize(h);
    return rc;
}
