/* SPDX-License-Identifier: MIT */
/*
 * rdb_seam.c - the replicated DB behind the platform's store seam
 * (xvios_rdb_attach, xvios/rdb.h): a split store. Paths at or below
 * XVIOS_RDB_PREFIX (the cluster-wide tree of xen/db) go to the replicated
 * DB; every other path (what is per host: domains, vscsi device nodes, ring
 * setup) and the "@" watches stay the platform's own store, so xen/db runs
 * on the replicated store unchanged while the vSCSI engine and the domain
 * watches keep this host's store.
 *
 * A transaction is bound lazily to the store of the first path it touches
 * (its snapshot is taken then); a path of the other store inside it is
 * -EXDEV, as no transaction spans two stores. Through the seam the caller
 * has no xvios_rdb_dispatch() of its own to call: reads outside a
 * transaction, tx_start and watch_read dispatch first (never waiting). The
 * watch fd is an epoll of the replicated DB's fd and the own store's watch
 * fd. The generation is the replicated copy's version (xen/vke reads it to
 * skip re-reading the node table, which lives there).
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

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

static bool in_db(const char *path)
{
    size_t n = strlen(XVIOS_RDB_PREFIX);

    return path && !strncmp(path, XVIOS_RDB_PREFIX, n) && (path[n] == '\0' || path[n] == '/');
}

static int slot_of(struct rdb_seam *s, xvios_tx tx)
{
    for (unsigned i = 0; i < RDB_SEAM_TX; i++)
        if (s->tx[i].id == tx)
            return (int)i;
    return -1;
}

/*
 * Which store serves path, and the transaction to pass it: 0 and *db (true: the replicated DB), *inner;
 * -ENOENT an unknown transaction, -EXDEV a path of the other store than the transaction's. The first path
 * of a transaction starts the inner one in its store.
 */
static int route(xvios_rdb *r, xvios_tx tx, const char *path, bool *db, xvios_tx *inner)
{
    struct rdb_seam *s = &r->seam;
    int i, rc, where;

    *db = in_db(path);
    *inner = XVIOS_TX_NONE;
    if (tx == XVIOS_TX_NONE)
        return 0;
    if ((i = slot_of(s, tx)) < 0)
        return -ENOENT;
    where = *db ? RDB_SEAM_DB : RDB_SEAM_OWN;
    if (s->tx[i].where == RDB_SEAM_UNBOUND) {
        rc = *db ? xvios_rdb_tx_start(fresh(r, XVIOS_TX_NONE), &s->tx[i].inner)
                 : s->own->tx_start(s->own_impl, &s->tx[i].inner);
        if (rc < 0)
            return rc;
        s->tx[i].where = where;
    } else if (s->tx[i].where != where) {
        XLOG_WARN("rdb: a transaction on %s touched %s: one transaction never spans the replicated DB and "
                  "this host's store", s->tx[i].where == RDB_SEAM_DB ? "the replicated DB" : "this host's store",
                  path);
        return -EXDEV;
    }
    *inner = s->tx[i].inner;
    return 0;
}

static int s_read(void *impl, xvios_tx tx, const char *path, char **val, size_t *len)
{
    xvios_rdb *r = impl;
    xvios_tx in;
    bool db;
    int rc = route(r, tx, path, &db, &in);

    if (rc < 0)
        return rc;
    return db ? xvios_rdb_read(fresh(r, in), in, path, val, len) : r->seam.own->store_read(r->seam.own_impl, in, path, val, len);
}
static int s_write(void *impl, xvios_tx tx, const char *path, const char *val, size_t len)
{
    xvios_rdb *r = impl;
    xvios_tx in;
    bool db;
    int rc = route(r, tx, path, &db, &in);

    if (rc < 0)
        return rc;
    return db ? xvios_rdb_write(r, in, path, val, len) : r->seam.own->store_write(r->seam.own_impl, in, path, val, len);
}
static int s_mkdir(void *impl, xvios_tx tx, const char *path)
{
    xvios_rdb *r = impl;
    xvios_tx in;
    bool db;
    int rc = route(r, tx, path, &db, &in);

    if (rc < 0)
        return rc;
    return db ? xvios_rdb_mkdir(r, in, path) : r->seam.own->store_mkdir(r->seam.own_impl, in, path);
}
static int s_rm(void *impl, xvios_tx tx, const char *path)
{
    xvios_rdb *r = impl;
    xvios_tx in;
    bool db;
    int rc = route(r, tx, path, &db, &in);

    if (rc < 0)
        return rc;
    return db ? xvios_rdb_rm(r, in, path) : r->seam.own->store_rm(r->seam.own_impl, in, path);
}
static int s_list(void *impl, xvios_tx tx, const char *path, char ***names, unsigned *n)
{
    xvios_rdb *r = impl;
    xvios_tx in;
    bool db;
    int rc = route(r, tx, path, &db, &in);

    if (rc < 0)
        return rc;
    return db ? xvios_rdb_list(fresh(r, in), in, path, names, n) : r->seam.own->store_list(r->seam.own_impl, in, path, names, n);
}
static int s_get_perms(void *impl, xvios_tx tx, const char *path, struct xvios_perm **perms, unsigned *n)
{
    xvios_rdb *r = impl;
    xvios_tx in;
    bool db;
    int rc = route(r, tx, path, &db, &in);

    if (rc < 0)
        return rc;
    return db ? xvios_rdb_get_perms(fresh(r, in), in, path, perms, n)
              : r->seam.own->store_get_perms(r->seam.own_impl, in, path, perms, n);
}
static int s_set_perms(void *impl, xvios_tx tx, const char *path, const struct xvios_perm *perms, unsigned n)
{
    xvios_rdb *r = impl;
    xvios_tx in;
    bool db;
    int rc = route(r, tx, path, &db, &in);

    if (rc < 0)
        return rc;
    return db ? xvios_rdb_set_perms(r, in, path, perms, n) : r->seam.own->store_set_perms(r->seam.own_impl, in, path, perms, n);
}

static int s_tx_start(void *impl, xvios_tx *tx)
{
    xvios_rdb *r = impl;
    struct rdb_seam *s = &r->seam;
    int i = slot_of(s, XVIOS_TX_NONE);

    if (i < 0)
        return -EBUSY;
    fresh(r, XVIOS_TX_NONE);
    if (++s->next == XVIOS_TX_NONE)
        s->next = 1;
    while (slot_of(s, s->next) >= 0 || s->next == XVIOS_TX_NONE)
        s->next++;
    s->tx[i].id = s->next;
    s->tx[i].where = RDB_SEAM_UNBOUND;
    s->tx[i].inner = XVIOS_TX_NONE;
    *tx = s->next;
    return 0;
}
static int s_tx_end(void *impl, xvios_tx tx, bool commit)
{
    xvios_rdb *r = impl;
    struct rdb_seam *s = &r->seam;
    int i = slot_of(s, tx), where;
    xvios_tx in;

    if (tx == XVIOS_TX_NONE || i < 0)
        return -ENOENT;
    where = s->tx[i].where;
    in = s->tx[i].inner;
    s->tx[i].id = XVIOS_TX_NONE;
    if (where == RDB_SEAM_DB)
        return xvios_rdb_tx_end(r, in, commit);
    if (where == RDB_SEAM_OWN)
        return s->own->tx_end(s->own_impl, in, commit);
    return 0;   /* touched nothing: nothing to commit */
}

static int s_watch(void *impl, const char *path, const char *token)
{
    xvios_rdb *r = impl;

    if (in_db(path))
        return xvios_rdb_watch(r, path, token);
    return r->seam.own->watch(r->seam.own_impl, path, token);
}
static int s_unwatch(void *impl, const char *path, const char *token)
{
    xvios_rdb *r = impl;

    if (in_db(path))
        return xvios_rdb_unwatch(r, path, token);
    return r->seam.own->unwatch(r->seam.own_impl, path, token);
}
static int s_watch_fd(void *impl) { return ((xvios_rdb *)impl)->seam.ep; }
static int s_watch_read(void *impl, char **path, char **token)
{
    xvios_rdb *r = impl;
    int rc = xvios_rdb_watch_read(fresh(r, XVIOS_TX_NONE), path, token);

    if (rc != -EAGAIN)
        return rc;
    return r->seam.own->watch_read(r->seam.own_impl, path, token);
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

static int ep_add(int ep, int fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int xvios_rdb_attach(xvios_rdb *r, xvios_plat *p)
{
    struct rdb_seam *s;
    int own_fd, rc;

    if (!r || !p || r->dead)
        return -EINVAL;
    s = &r->seam;
    if (s->ep >= 0)
        return -EBUSY;   /* one platform per handle */
    s->own = xvios_plat_ops_of(p, &s->own_impl);
    if ((own_fd = s->own->watch_fd(s->own_impl)) < 0)
        return own_fd;
    if ((s->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
        return -errno;
    if ((rc = ep_add(s->ep, xvios_rdb_fd(r))) < 0 || (rc = ep_add(s->ep, own_fd)) < 0) {
        close(s->ep);
        s->ep = -1;
        return rc;
    }
    memset(s->tx, 0, sizeof(s->tx));
    xvios_plat_store_divert(p, &rdb_store_ops, r);
    XLOG_INFO("rdb: the platform's store calls on %s now go to the replicated DB", XVIOS_RDB_PREFIX);
    return 0;
}

void xvios_rdb_detach(xvios_plat *p)
{
    if (p)
        xvios_plat_store_divert(p, NULL, NULL);
}
