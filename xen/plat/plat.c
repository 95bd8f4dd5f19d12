/* SPDX-License-Identifier: MIT */
/*
 * plat.c - the platform seam's dispatcher: checks arguments common to both
 * implementations, then calls through the chosen struct xvios_plat_ops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen/plat/plat_ops.h"
#include "xvios/log.h"
#include "xvios/parse.h"

struct xvios_plat {
    enum xvios_plat_kind kind;
    const struct xvios_plat_ops *ops;
    void *impl;
    const struct xvios_plat_ops *sops;   /* the store calls go here: ops, or a store diverted to */
    void *simpl;
    const struct xvios_plat_ops *lops;   /* links offered here first (NULL: none), xvios_plat_link_divert */
    void *limpl;
};

struct xvios_link {
    const struct xvios_plat_ops *ops;
    void *impl;
    struct xvios_link_peer peer;
};

static const struct xvios_plat_ops *ops_for(enum xvios_plat_kind kind)
{
    switch (kind) {
    case XVIOS_PLAT_LOOPBACK: return &xvios_plat_loopback_ops;
    case XVIOS_PLAT_XEN:      return &xvios_plat_xen_ops;
    }
    return NULL;
}

int xvios_plat_open(const struct xvios_plat_config *cfg, xvios_plat **out)
{
    xvios_plat *p = NULL;
    int rc;

    *out = NULL;
    if (!cfg || !ops_for(cfg->kind))
        return -EINVAL;
    if (cfg->kind == XVIOS_PLAT_LOOPBACK && (!cfg->root || !cfg->root[0]))
        return -EINVAL;
    p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->kind = cfg->kind;
    p->ops = ops_for(cfg->kind);
    rc = p->ops->open(cfg, &p->impl);
    if (rc < 0) {
        free(p);
        return rc;
    }
    p->sops = p->ops;
    p->simpl = p->impl;
    *out = p;
    return 0;
}

void xvios_plat_close(xvios_plat *p)
{
    if (!p)
        return;
    p->ops->close(p->impl);
    free(p);
}

enum xvios_plat_kind xvios_plat_kind(const xvios_plat *p) { return p->kind; }

void *xvios_plat_impl(xvios_plat *p, const struct xvios_plat_ops *ops)
{
    return p && p->ops == ops ? p->impl : NULL;
}

void *xvios_plat_impl_of_kind(xvios_plat *p, enum xvios_plat_kind kind)
{
    return p && p->kind == kind && p->ops == ops_for(kind) ? p->impl : NULL;
}

void xvios_plat_store_divert(xvios_plat *p, const struct xvios_plat_ops *store_ops, void *store_impl)
{
    p->sops = store_ops ? store_ops : p->ops;
    p->simpl = store_ops ? store_impl : p->impl;
}

void xvios_plat_link_divert(xvios_plat *p, const struct xvios_plat_ops *link_ops, void *link_impl)
{
    p->lops = link_ops;
    p->limpl = link_ops ? link_impl : NULL;
}

const struct xvios_plat_ops *xvios_plat_ops_of(xvios_plat *p, void **impl)
{
    *impl = p->impl;
    return p->ops;
}

const char *xvios_plat_kind_name(enum xvios_plat_kind kind)
{
    const struct xvios_plat_ops *o = ops_for(kind);
    return o ? o->name : "unknown";
}

int xvios_plat_kind_parse(const char *s, enum xvios_plat_kind *out)
{
    if (s && !strcmp(s, "loopback")) {
        *out = XVIOS_PLAT_LOOPBACK;
        return 0;
    }
    if (s && !strcmp(s, "xen")) {
        *out = XVIOS_PLAT_XEN;
        return 0;
    }
    return -EINVAL;
}

void xvios_strv_free(char **v, unsigned n)
{
    if (!v)
        return;
    for (unsigned i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

bool xvios_store_path_valid(const char *path, bool allow_special)
{
    size_t len;

    if (!path)
        return false;
    len = strlen(path);
    if (len == 0 || len > XVIOS_STORE_MAX_PATH)
        return false;
    if (path[0] == '@') {
        if (!allow_special)
            return false;
        return !strcmp(path, "@introduceDomain") || !strcmp(path, "@releaseDomain");
    }
    if (path[0] != '/')
        return false;
    if (len > 1 && path[len - 1] == '/')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = path[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '@' || c == '/';
        if (!ok || (c == '/' && path[i + 1] == '/'))
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------- identity */
int xvios_plat_self_domid(xvios_plat *p, uint32_t *domid) { return p->ops->self_domid(p->impl, domid); }

int xvios_plat_domain_info(xvios_plat *p, uint32_t domid, struct xvios_dominfo *out)
{
    memset(out, 0, sizeof(*out));
    return p->ops->domain_info(p->impl, domid, out);
}

int xvios_plat_domain_lookup(xvios_plat *p, const char *name_or_id, uint32_t *domid)
{
    if (!name_or_id || !name_or_id[0])
        return -EINVAL;
    return p->ops->domain_lookup(p->impl, name_or_id, domid);
}

int xvios_plat_domid_recent(xvios_plat *p, uint32_t domid, unsigned *wait_s)
{
    *wait_s = 0;
    if (domid == 0 || domid >= XVIOS_DOMID_LIMIT)
        return -EINVAL;
    return p->ops->domid_recent ? p->ops->domid_recent(p->impl, domid, wait_s) : -EOPNOTSUPP;
}

int xvios_plat_domain_create_as(xvios_plat *p, const char *xl_config, uint32_t domid, const char *uuid,
                                char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (!xl_config || !xl_config[0] || domid == 0 || domid >= XVIOS_DOMID_LIMIT)
        return -EINVAL;
    if (uuid && uuid[0] && !xvios_uuid_valid(uuid)) {
        snprintf(err, errlen, "'%s' is no uuid", uuid);
        return -EINVAL;
    }
    if (!p->ops->domain_create_as) {
        snprintf(err, errlen, "the %s platform cannot create domains", p->ops->name);
        return -EOPNOTSUPP;
    }
    return p->ops->domain_create_as(p->impl, xl_config, domid, uuid, err, errlen);
}

/* ---------------------------------------------------------------- store */
#define CHECK_PATH(path) do { if (!xvios_store_path_valid((path), false)) return -EINVAL; } while (0)

int xvios_store_read(xvios_plat *p, xvios_tx tx, const char *path, char **val, size_t *len)
{
    CHECK_PATH(path);
    *val = NULL;
    if (len)
        *len = 0;
    return p->sops->store_read(p->simpl, tx, path, val, len);
}

int xvios_store_write(xvios_plat *p, xvios_tx tx, const char *path, const char *val, size_t len)
{
    CHECK_PATH(path);
    if (len && !val)
        return -EINVAL;
    if (len > XVIOS_STORE_MAX_VALUE)
        return -E2BIG;
    return p->sops->store_write(p->simpl, tx, path, val, len);
}

int xvios_store_mkdir(xvios_plat *p, xvios_tx tx, const char *path)
{
    CHECK_PATH(path);
    return p->sops->store_mkdir(p->simpl, tx, path);
}

int xvios_store_rm(xvios_plat *p, xvios_tx tx, const char *path)
{
    CHECK_PATH(path);
    return p->sops->store_rm(p->simpl, tx, path);
}

int xvios_store_list(xvios_plat *p, xvios_tx tx, const char *path, char ***names, unsigned *n)
{
    CHECK_PATH(path);
    *names = NULL;
    *n = 0;
    return p->sops->store_list(p->simpl, tx, path, names, n);
}

int xvios_store_get_perms(xvios_plat *p, xvios_tx tx, const char *path, struct xvios_perm **perms, unsigned *n)
{
    CHECK_PATH(path);
    *perms = NULL;
    *n = 0;
    return p->sops->store_get_perms(p->simpl, tx, path, perms, n);
}

int xvios_store_set_perms(xvios_plat *p, xvios_tx tx, const char *path, const struct xvios_perm *perms, unsigned n)
{
    CHECK_PATH(path);
    if (n == 0 || n > XVIOS_STORE_MAX_PERMS)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++)
        if ((unsigned)perms[i].perm > XVIOS_PERM_BOTH)
            return -EINVAL;
    return p->sops->store_set_perms(p->simpl, tx, path, perms, n);
}

int xvios_store_tx_start(xvios_plat *p, xvios_tx *tx)
{
    *tx = XVIOS_TX_NONE;
    return p->sops->tx_start(p->simpl, tx);
}

int xvios_store_tx_end(xvios_plat *p, xvios_tx tx, bool commit)
{
    if (tx == XVIOS_TX_NONE)
        return -EINVAL;
    return p->sops->tx_end(p->simpl, tx, commit);
}

int xvios_store_watch(xvios_plat *p, const char *path, const char *token)
{
    if (!xvios_store_path_valid(path, true) || !token || !token[0] || strlen(token) > XVIOS_STORE_MAX_PATH)
        return -EINVAL; /* a token the store could never hand back would make the watch deaf */
    return p->sops->watch(p->simpl, path, token);
}

int xvios_store_unwatch(xvios_plat *p, const char *path, const char *token)
{
    if (!xvios_store_path_valid(path, true) || !token || !token[0] || strlen(token) > XVIOS_STORE_MAX_PATH)
        return -EINVAL;
    return p->sops->unwatch(p->simpl, path, token);
}

int xvios_store_watch_fd(xvios_plat *p) { return p->sops->watch_fd(p->simpl); }

int xvios_store_generation(xvios_plat *p, uint64_t *gen)
{
    return p->sops->store_generation ? p->sops->store_generation(p->simpl, gen) : -EOPNOTSUPP;
}

int xvios_store_watch_read(xvios_plat *p, char **path, char **token)
{
    *path = NULL;
    *token = NULL;
    return p->sops->watch_read(p->simpl, path, token);
}

/* ---------------------------------------------------------------- links */
int xvios_link_open(xvios_plat *p, const struct xvios_link_peer *peer, xvios_link **out)
{
    xvios_link *l;
    int rc;

    *out = NULL;
    if (!peer || peer->self_node == peer->peer_node)
        return -EINVAL;
    l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->peer = *peer;
    rc = -ENXIO;
    if (p->lops) {          /* a diverted link (another host's node): any 32-bit node ids */
        l->ops = p->lops;
        rc = p->lops->link_open(p->limpl, peer, &l->impl);
    }
    if (rc == -ENXIO) {     /* not the diverted links' peer: the platform's own */
        l->ops = p->ops;
        rc = peer->self_node > 0xffffu || peer->peer_node > 0xffffu ? -EINVAL
                                                                     : p->ops->link_open(p->impl, peer, &l->impl);
    }
    if (rc < 0) {
        free(l);
        return rc;
    }
    *out = l;
    return 0;
}

void xvios_link_close(xvios_link *l)
{
    if (!l)
        return;
    l->ops->link_close(l->impl);
    free(l);
}

int xvios_link_fd(const xvios_link *l) { return l->ops->link_fd(l->impl); }
enum xvios_link_state xvios_link_progress(xvios_link *l) { return l->ops->link_progress(l->impl); }
enum xvios_link_state xvios_link_state(const xvios_link *l) { return l->ops->link_state(l->impl); }
const struct xvios_link_peer *xvios_link_peer(const xvios_link *l) { return &l->peer; }

int xvios_link_send(xvios_link *l, const void *buf, size_t len, const struct timespec *deadline)
{
    if (len == 0 || len > XVIOS_LINK_MAX_DGRAM)
        return -EMSGSIZE;
    return l->ops->link_send(l->impl, buf, len, deadline);
}

bool xvios_link_group_capable(const xvios_link *l)
{
    return l && l->ops->link_group_send;
}

int xvios_link_group_send(xvios_link *const *links, unsigned n, const void *buf, size_t len,
                          const struct timespec *deadline)
{
    void *impls[XVIOS_LINK_GROUP_MAX];

    if (!links || n == 0 || n > XVIOS_LINK_GROUP_MAX || !buf)
        return -EINVAL;
    if (len == 0 || len > XVIOS_LINK_MAX_DGRAM)
        return -EMSGSIZE;
    if (!links[0] || !links[0]->ops->link_group_send)
        return -EOPNOTSUPP;
    for (unsigned i = 0; i < n; i++) {
        if (!links[i] || links[i]->ops != links[0]->ops)
            return -EINVAL;
        for (unsigned j = 0; j < i; j++)
            if (links[j]->peer.peer_node == links[i]->peer.peer_node)
                return -EINVAL;
        impls[i] = links[i]->impl;
    }
    return links[0]->ops->link_group_send(impls, n, buf, len, deadline);
}

int xvios_link_recv(xvios_link *l, void *buf, size_t cap, size_t *len)
{
    *len = 0;
    return l->ops->link_recv(l->impl, buf, cap, len);
}
