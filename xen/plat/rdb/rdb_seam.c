/* SPDX-License-Identifier: MIT */
/*
 * rdb_seam.c - the replicated DB behind the platform's store seam: an ops
 * table with the store calls only, to which xvios_rdb_attach() diverts a
 * platform handle's xvios_store_* calls (xen/plat/plat.c), so the cluster DB
 * layer (xen/db) runs on the replicated store unchanged while identity,
 * links and rings stay the platform's.
 *
 * Through the seam the caller has no xvios_rdb_dispatch() of its own to
 * call: reads outside a transaction, tx_start and watch_read dispatch first
 * (never waiting), so they see what corosync has delivered by then, and the
 * watch fd (xvios_rdb_fd) is readable whenever there is something to
 * dispatch. The generation is the copy's version.
 */
#include <errno.h>

#include "rdb_handle.h"
#include "xen/plat/plat_ops.h"
#include "xvios/log.h"

static xvios_rdb *fresh(void *impl, xvios_tx tx)
{
    xvios_rdb *r = impl;

    if (tx == XVIOS_TX_NONE && !r->dead)
        xvios_rdb_dispatch(r);   /* what corosync has delivered so far; -EPIPE shows at the next commit */
    return r;
}

static int s_read(void *impl, xvios_tx tx, const char *path, char **val, size_t *len)
{
    return xvios_rdb_read(fresh(impl, tx), tx, path, val, len);
}
static int s_write(void *impl, xvios_tx tx, const char *path, const char *val, size_t len)
{
    return xvios_rdb_write(impl, tx, path, val, len);
}
static int s_mkdir(void *impl, xvios_tx tx, const char *path) { return xvios_rdb_mkdir(impl, tx, path); }
static int s_rm(void *impl, xvios_tx tx, const char *path) { return xvios_rdb_rm(impl, tx, path); }
static int s_list(void *impl, xvios_tx tx, const char *path, char ***names, unsigned *n)
{
    return xvios_rdb_list(fresh(impl, tx), tx, path, names, n);
}
static int s_get_perms(void *impl, xvios_tx tx, const char *path, struct xvios_perm **perms, unsigned *n)
{
    return xvios_rdb_get_perms(fresh(impl, tx), tx, path, perms, n);
}
static int s_set_perms(void *impl, xvios_tx tx, const char *path, const struct xvios_perm *perms, unsigned n)
{
    return xvios_rdb_set_perms(impl, tx, path, perms, n);
}
static int s_tx_start(void *impl, xvios_tx *tx)
{
    return xvios_rdb_tx_start(fresh(impl, XVIOS_TX_NONE), tx);
}
static int s_tx_end(void *impl, xvios_tx tx, bool commit) { return xvios_rdb_tx_end(impl, tx, commit); }
static int s_watch(void *impl, const char *path, const char *token)
{
    if (path[0] == '@')
        return -EOPNOTSUPP;   /* domains come and go per host: the platform's own store has those */
    return xvios_rdb_watch(impl, path, token);
}
static int s_unwatch(void *impl, const char *path, const char *token)
{
    if (path[0] == '@')
        return -ENOENT;
    return xvios_rdb_unwatch(impl, path, token);
}
static int s_watch_fd(void *impl) { return xvios_rdb_fd(impl); }
static int s_watch_read(void *impl, char **path, char **token)
{
    return xvios_rdb_watch_read(fresh(impl, XVIOS_TX_NONE), path, token);
}
static int s_generation(void *impl, uint64_t *gen)
{
    *gen = fresh(impl, XVIOS_TX_NONE)->core.version;
    return 0;
}

static const struct xvios_plat_ops rdb_store_ops = {
    .name = "rdb",
    .store_read = s_read,
    .store_write = s_write,
    .store_mkdir = s_mkdir,
    .store_rm = s_rm,
    .store_list = s_list,
    .store_get_perms = s_get_perms,
    .store_set_perms = s_set_perms,
    .tx_start = s_tx_start,
    .tx_end = s_tx_end,
    .watch = s_watch,
    .unwatch = s_unwatch,
    .watch_fd = s_watch_fd,
    .watch_read = s_watch_read,
    .store_generation = s_generation,
};

int xvios_rdb_attach(xvios_rdb *r, xvios_plat *p)
{
    if (!r || !p)
        return -EINVAL;
    xvios_plat_store_divert(p, &rdb_store_ops, r);
    XLOG_INFO("rdb: the platform's store calls now go to the replicated DB");
    return 0;
}

void xvios_rdb_detach(xvios_plat *p)
{
    if (p)
        xvios_plat_store_divert(p, NULL, NULL);
}
