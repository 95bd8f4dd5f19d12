/* SPDX-License-Identifier: MIT */
/* vscsi_nodes.c - read and write a pvSCSI vhost's XenStore nodes (layout: vscsi_nodes.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/vscsi_nodes.h"
#include "xvios/parse.h"

#define DEV_PREFIX "dev-"

/* ---------------------------------------------------------------- vdev and paths */
static int parse_field(const char **s, char end, uint32_t max, uint32_t *out)
{
    char buf[12];
    const char *e = end ? strchr(*s, end) : *s + strlen(*s);
    size_t len;

    if (!e)
        return -EINVAL;
    len = (size_t)(e - *s);
    if (len == 0 || len >= sizeof(buf))
        return len == 0 ? -EINVAL : -ERANGE;
    memcpy(buf, *s, len);
    buf[len] = '\0';
    *s = end ? e + 1 : e;
    return xvios_parse_u32(buf, 0, max, out);
}

int vscsi_vdev_parse(const char *untrusted_s, struct vscsi_vdev *out)
{
    struct vscsi_vdev v;
    const char *s = untrusted_s;
    int rc;

    if ((rc = parse_field(&s, ':', VSCSI_MAX_VHOST, &v.host)) < 0 ||
        (rc = parse_field(&s, ':', VSCSI_MAX_CHANNEL, &v.chn)) < 0 ||
        (rc = parse_field(&s, ':', VSCSI_MAX_TARGET, &v.tgt)) < 0 ||
        (rc = parse_field(&s, '\0', VSCSI_MAX_LUN, &v.lun)) < 0)
        return rc;
    *out = v;
    return 0;
}

void vscsi_vdev_format(const struct vscsi_vdev *v, char *buf, size_t n)
{
    snprintf(buf, n, "%u:%u:%u:%u", v->host, v->chn, v->tgt, v->lun);
}

static int fmt_path(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fmt_path(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

int vscsi_be_path(uint32_t vios, uint32_t client, uint32_t vhost, char *buf, size_t n)
{
    return fmt_path(buf, n, "/local/domain/%u/backend/vscsi/%u/%u", vios, client, vhost);
}

int vscsi_fe_path(uint32_t client, uint32_t vhost, char *buf, size_t n)
{
    return fmt_path(buf, n, "/local/domain/%u/device/vscsi/%u", client, vhost);
}

/* ---------------------------------------------------------------- reading */
/* dir/key into buf (bounded, no NULs); -ENOENT, -E2BIG... */
static int read_key(xvios_plat *p, xvios_tx tx, const char *dir, const char *key, char *buf, size_t n)
{
    char path[VSCSI_PATH_MAX];
    char *untrusted_val = NULL;
    size_t len = 0;
    int rc;

    buf[0] = '\0';
    if ((rc = fmt_path(path, sizeof(path), "%s/%s", dir, key)) < 0)
        return rc;
    rc = xvios_store_read(p, tx, path, &untrusted_val, &len);
    if (rc < 0)
        return rc;
    if (len >= n || memchr(untrusted_val, '\0', len)) {
        free(untrusted_val);
        return -E2BIG;
    }
    memcpy(buf, untrusted_val, len);
    buf[len] = '\0';
    free(untrusted_val);
    return 0;
}

static int read_state(xvios_plat *p, xvios_tx tx, const char *dir, const char *key)
{
    char buf[16];
    uint32_t v;

    if (read_key(p, tx, dir, key, buf, sizeof(buf)) < 0 || xvios_parse_u32_canon(buf, VSCSI_ST_RECONFIGURED, &v) < 0)
        return VSCSI_ST_ABSENT;
    return (int)v;
}

/* "dev-N" with N canonical; -EINVAL otherwise. */
static int dev_index(const char *name, uint32_t *index)
{
    if (strncmp(name, DEV_PREFIX, strlen(DEV_PREFIX)))
        return -EINVAL;
    return xvios_parse_u32_canon(name + strlen(DEV_PREFIX), VSCSI_MAX_DEV_INDEX, index);
}

static int cmp_dev(const void *a, const void *b)
{
    const struct vscsi_dev *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void read_dev(xvios_plat *p, xvios_tx tx, const char *be, const char *fe, struct vscsi_dev *d)
{
    char bdir[VSCSI_PATH_MAX], fdir[VSCSI_PATH_MAX], vdev[32], mode[8];

    d->be_state = d->fe_state = VSCSI_ST_ABSENT;
    if (fmt_path(bdir, sizeof(bdir), "%s/vscsi-devs/dev-%u", be, d->index) < 0 ||
        fmt_path(fdir, sizeof(fdir), "%s/vscsi-devs/dev-%u", fe, d->index) < 0)
        return;
    d->vdev_ok = read_key(p, tx, bdir, "v-dev", vdev, sizeof(vdev)) == 0 && vscsi_vdev_parse(vdev, &d->vdev) == 0;
    if (read_key(p, tx, bdir, "p-dev", d->lu, sizeof(d->lu)) < 0)
        d->lu[0] = '\0';
    if (read_key(p, tx, bdir, "xvios-lu", d->pool_lu, sizeof(d->pool_lu)) < 0 || !xvios_lu_name_ok(d->pool_lu))
        d->pool_lu[0] = '\0';
    d->readonly = read_key(p, tx, bdir, "mode", mode, sizeof(mode)) == 0 && !strcmp(mode, "r");
    d->be_state = read_state(p, tx, bdir, "state");
    d->fe_state = read_state(p, tx, fdir, "state");
    if (read_key(p, tx, bdir, "xvios-error", d->error, sizeof(d->error)) < 0)
        d->error[0] = '\0';
}

int vscsi_vhost_read(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost,
                     struct vscsi_vhost *out)
{
    char be[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX], devs[VSCSI_PATH_MAX], online[8];
    char **names = NULL;
    unsigned n = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = vscsi_be_path(vios, client, vhost, be, sizeof(be))) < 0 ||
        (rc = vscsi_fe_path(client, vhost, fe, sizeof(fe))) < 0 ||
        (rc = fmt_path(devs, sizeof(devs), "%s/vscsi-devs", be)) < 0)
        return rc;
    rc = xvios_store_list(p, tx, be, &names, &n);
    if (rc < 0)
        return rc;
    xvios_strv_free(names, n);
    names = NULL;
    out->vios = vios;
    out->client = client;
    out->vhost = vhost;
    out->be_state = read_state(p, tx, be, "state");
    out->fe_state = read_state(p, tx, fe, "state");
    out->online = read_key(p, tx, be, "online", online, sizeof(online)) == 0 && !strcmp(online, "1");
    if (read_key(p, tx, be, "xvios-error", out->error, sizeof(out->error)) < 0)
        out->error[0] = '\0';
    rc = xvios_store_list(p, tx, devs, &names, &n);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        goto out;
    out->devs = calloc(n ? n : 1, sizeof(*out->devs));
    if (!out->devs) {
        rc = -ENOMEM;
        goto out;
    }
    for (unsigned i = 0; i < n; i++) {
        uint32_t index;

        if (dev_index(names[i], &index) < 0)
            continue;
        if (out->n_devs >= VSCSI_MAX_DEVS)
            break;   /* more than dom0 ever writes: the VIOS made them; show the first, add no more */
        out->devs[out->n_devs].index = index;
        read_dev(p, tx, be, fe, &out->devs[out->n_devs]);
        out->n_devs++;
    }
    qsort(out->devs, out->n_devs, sizeof(*out->devs), cmp_dev);
    rc = 0;
out:
    xvios_strv_free(names, n);
    if (rc < 0)
        vscsi_vhost_free(out);
    return rc;
}

void vscsi_vhost_free(struct vscsi_vhost *v)
{
    if (!v)
        return;
    free(v->devs);
    v->devs = NULL;
    v->n_devs = 0;
}

const struct vscsi_dev *vscsi_vhost_find_lun(const struct vscsi_vhost *v, const struct vscsi_vdev *vdev)
{
    for (unsigned i = 0; i < v->n_devs; i++)
        if (v->devs[i].vdev_ok && vscsi_vdev_same_lun(&v->devs[i].vdev, vdev))
            return &v->devs[i];
    return NULL;
}

int vscsi_vhost_next_index(const struct vscsi_vhost *v, uint32_t *index)
{
    uint32_t next = 0;

    if (v->n_devs >= VSCSI_MAX_DEVS)
        return -ENOSPC;
    for (unsigned i = 0; i < v->n_devs; i++)
        if (v->devs[i].index >= next)
            next = v->devs[i].index + 1;
    if (next > VSCSI_MAX_DEV_INDEX)
        return -ENOSPC;
    *index = next;
    return 0;
}

static int append_vhost(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost,
                        struct vscsi_vhost **list, unsigned *n)
{
    struct vscsi_vhost v, *grown;
    int rc = vscsi_vhost_read(p, tx, vios, client, vhost, &v);

    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    grown = realloc(*list, (*n + 1) * sizeof(**list));
    if (!grown) {
        vscsi_vhost_free(&v);
        return -ENOMEM;
    }
    *list = grown;
    (*list)[(*n)++] = v;
    return 0;
}

/* Decimal child names of dir (the client domids or the vhosts); -ENOENT. */
static int list_numbers(xvios_plat *p, xvios_tx tx, const char *dir, uint32_t max, uint32_t **nums, unsigned *n)
{
    char **names = NULL;
    unsigned nn = 0;
    int rc = xvios_store_list(p, tx, dir, &names, &nn);

    *nums = NULL;
    *n = 0;
    if (rc < 0)
        return rc;
    *nums = calloc(nn ? nn : 1, sizeof(**nums));
    if (!*nums) {
        xvios_strv_free(names, nn);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < nn; i++)
        if (xvios_parse_u32_canon(names[i], max, &(*nums)[*n]) == 0)
            (*n)++;
    xvios_strv_free(names, nn);
    return 0;
}

int vscsi_vios_vhosts(xvios_plat *p, xvios_tx tx, uint32_t vios, bool only_client, uint32_t client,
                      struct vscsi_vhost **list, unsigned *n)
{
    char dir[VSCSI_PATH_MAX], cdir[VSCSI_PATH_MAX];
    uint32_t *clients = NULL, *vhosts = NULL;
    unsigned nc = 0, nv = 0;
    int rc;

    if ((rc = fmt_path(dir, sizeof(dir), "/local/domain/%u/backend/vscsi", vios)) < 0)
        return rc;
    if (only_client) {
        clients = malloc(sizeof(*clients));
        if (!clients)
            return -ENOMEM;
        clients[0] = client;
        nc = 1;
    } else {
        rc = list_numbers(p, tx, dir, XVIOS_DOMID_LIMIT - 1, &clients, &nc);
        if (rc == -ENOENT)
            return 0;
        if (rc < 0)
            return rc;
    }
    for (unsigned c = 0; c < nc; c++) {
        if ((rc = fmt_path(cdir, sizeof(cdir), "%s/%u", dir, clients[c])) < 0)
            goto out;
        rc = list_numbers(p, tx, cdir, VSCSI_MAX_VHOST, &vhosts, &nv);
        if (rc == -ENOENT)
            continue;
        if (rc < 0)
            goto out;
        for (unsigned v = 0; v < nv && rc == 0; v++)
            rc = append_vhost(p, tx, vios, clients[c], vhosts[v], list, n);
        free(vhosts);
        vhosts = NULL;
        if (rc < 0)
            goto out;
    }
    rc = 0;
out:
    free(clients);
    return rc;
}

void vscsi_vhosts_free(struct vscsi_vhost *list, unsigned n)
{
    for (unsigned i = 0; list && i < n; i++)
        vscsi_vhost_free(&list[i]);
    free(list);
}

/* ---------------------------------------------------------------- writing */
struct owner_perms {
    struct xvios_perm perms[2];
};

/* Owner with no access for others, the peer with READ. */
static struct owner_perms perms_for(uint32_t owner, uint32_t reader)
{
    struct owner_perms o = {{{owner, XVIOS_PERM_NONE}, {reader, XVIOS_PERM_READ}}};
    return o;
}

static int put(xvios_plat *p, xvios_tx tx, const char *path, const char *val, const struct owner_perms *o)
{
    int rc = xvios_store_write(p, tx, path, val, strlen(val));

    return rc < 0 ? rc : xvios_store_set_perms(p, tx, path, o->perms, 2);
}

__attribute__((format(printf, 6, 7)))
static int putf(xvios_plat *p, xvios_tx tx, const char *dir, const char *key, const struct owner_perms *o,
                const char *fmt, ...)
{
    char path[VSCSI_PATH_MAX], val[VSCSI_PATH_MAX + VSCSI_MAX_LU];
    va_list ap;
    int len, rc;

    if ((rc = fmt_path(path, sizeof(path), "%s/%s", dir, key)) < 0)
        return rc;
    va_start(ap, fmt);
    len = vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof(val))
        return -E2BIG;
    return put(p, tx, path, val, o);
}

/* A directory with perms (created, or its perms set if it exists). */
static int put_dir(xvios_plat *p, xvios_tx tx, const char *path, const struct owner_perms *o)
{
    int rc = xvios_store_mkdir(p, tx, path);

    if (rc < 0 && rc != -EEXIST)
        return rc;
    return xvios_store_set_perms(p, tx, path, o->perms, 2);
}

/* Each missing ancestor of path below /local/domain/<dom> gets owner dom, no access for others. */
static int make_parents(xvios_plat *p, xvios_tx tx, const char *path, uint32_t dom)
{
    char buf[VSCSI_PATH_MAX], home[64];
    struct xvios_perm own = {dom, XVIOS_PERM_NONE};
    size_t skip;
    int rc;

    snprintf(home, sizeof(home), "/local/domain/%u/", dom);
    skip = strlen(home);
    if (strncmp(path, home, skip) || strlen(path) >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, path, strlen(path) + 1);
    for (char *s = strchr(buf + skip, '/'); s; s = strchr(s + 1, '/')) {
        char **names = NULL;
        unsigned n = 0;

        *s = '\0';
        rc = xvios_store_list(p, tx, buf, &names, &n);
        if (rc == 0) {
            xvios_strv_free(names, n);
        } else if (rc == -ENOENT) {
            if ((rc = xvios_store_mkdir(p, tx, buf)) < 0 || (rc = xvios_store_set_perms(p, tx, buf, &own, 1)) < 0)
                return rc;
        } else {
            return rc;
        }
        *s = '/';
    }
    return 0;
}

int vscsi_write_dev(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, const struct vscsi_new_dev *dev)
{
    struct owner_perms be_o = perms_for(vios, client);
    char be[VSCSI_PATH_MAX], devs[VSCSI_PATH_MAX], dir[VSCSI_PATH_MAX], vdev[32];
    int rc;

    if ((rc = vscsi_be_path(vios, client, dev->vdev.host, be, sizeof(be))) < 0 ||
        (rc = fmt_path(devs, sizeof(devs), "%s/vscsi-devs", be)) < 0 ||
        (rc = fmt_path(dir, sizeof(dir), "%s/dev-%u", devs, dev->index)) < 0)
        return rc;
    vscsi_vdev_format(&dev->vdev, vdev, sizeof(vdev));
    if ((rc = put_dir(p, tx, devs, &be_o)) < 0 || (rc = put_dir(p, tx, dir, &be_o)) < 0 ||
        (rc = putf(p, tx, dir, "p-dev", &be_o, "%s", dev->lu)) < 0 ||
        (rc = putf(p, tx, dir, "p-devname", &be_o, "%s", dev->lu_name)) < 0 ||
        (rc = putf(p, tx, dir, "v-dev", &be_o, "%s", vdev)) < 0 ||
        (rc = putf(p, tx, dir, "mode", &be_o, "%s", dev->readonly ? "r" : "w")) < 0 ||
        (rc = putf(p, tx, dir, "state", &be_o, "%d", VSCSI_ST_INITIALISING)) < 0)
        return rc;
    if (dev->pool) {
        /* what the engine needs to serve the pool's LU; nothing secret: the client may read all of B */
        char wwn[XVIOS_LU_WWN_HEX + 1];

        xvios_lu_wwn_format(dev->pool->wwn, wwn);
        if ((rc = putf(p, tx, dir, "xvios-lu", &be_o, "%s", dev->pool->name)) < 0 ||
            (rc = putf(p, tx, dir, "xvios-offset", &be_o, "%" PRIu64, dev->pool->offset)) < 0 ||
            (rc = putf(p, tx, dir, "xvios-size", &be_o, "%" PRIu64, dev->pool->size)) < 0 ||
            (rc = putf(p, tx, dir, "xvios-wwn", &be_o, "%s", wwn)) < 0 ||
            (rc = putf(p, tx, dir, "xvios-serial", &be_o, "%s", dev->pool->serial)) < 0)
            return rc;
    }
    return 0;
}

int vscsi_write_vhost(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, const struct vscsi_new_dev *dev)
{
    struct owner_perms fe_o = perms_for(client, vios);
    char be[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX];
    int rc;

    if ((rc = vscsi_be_path(vios, client, dev->vdev.host, be, sizeof(be))) < 0 ||
        (rc = vscsi_fe_path(client, dev->vdev.host, fe, sizeof(fe))) < 0)
        return rc;
    if ((rc = make_parents(p, tx, fe, client)) < 0 || (rc = put_dir(p, tx, fe, &fe_o)) < 0 ||
        (rc = putf(p, tx, fe, "backend", &fe_o, "%s", be)) < 0 ||
        (rc = putf(p, tx, fe, "backend-id", &fe_o, "%u", vios)) < 0 ||
        (rc = putf(p, tx, fe, "state", &fe_o, "%d", VSCSI_ST_INITIALISING)) < 0)
        return rc;
    return vscsi_write_be_vhost(p, tx, vios, client, dev);
}

int vscsi_write_be_vhost(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, const struct vscsi_new_dev *dev)
{
    struct owner_perms be_o = perms_for(vios, client);
    struct xvios_dominfo info;
    char be[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX];
    int rc;

    if ((rc = vscsi_be_path(vios, client, dev->vdev.host, be, sizeof(be))) < 0 ||
        (rc = vscsi_fe_path(client, dev->vdev.host, fe, sizeof(fe))) < 0)
        return rc;
    /* the client's identity from the hypervisor (never from anything the client wrote): the VIOS logs the
     * client in with it; in the backend dir, which only the VIOS (and dom0) may write */
    if ((rc = xvios_plat_domain_info(p, client, &info)) < 0)
        return rc;
    if (!info.uuid[0] || !info.name[0])
        return -ENODATA;
    if ((rc = make_parents(p, tx, be, vios)) < 0 || (rc = put_dir(p, tx, be, &be_o)) < 0 ||
        (rc = putf(p, tx, be, "xvios-client-uuid", &be_o, "%s", info.uuid)) < 0 ||
        (rc = putf(p, tx, be, "xvios-client-name", &be_o, "%s", info.name)) < 0 ||
        (rc = putf(p, tx, be, "frontend", &be_o, "%s", fe)) < 0 ||
        (rc = putf(p, tx, be, "frontend-id", &be_o, "%u", client)) < 0 ||
        (rc = putf(p, tx, be, "online", &be_o, "1")) < 0 ||
        (rc = putf(p, tx, be, "feature-host", &be_o, "0")) < 0 ||
        (rc = putf(p, tx, be, "state", &be_o, "%d", VSCSI_ST_INITIALISING)) < 0)
        return rc;
    return vscsi_write_dev(p, tx, vios, client, dev);
}

int vscsi_write_be_state(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost, int state)
{
    struct owner_perms be_o = perms_for(vios, client);
    char be[VSCSI_PATH_MAX];
    int rc = vscsi_be_path(vios, client, vhost, be, sizeof(be));

    return rc < 0 ? rc : putf(p, tx, be, "state", &be_o, "%d", state);
}

int vscsi_write_online(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost, bool online)
{
    struct owner_perms be_o = perms_for(vios, client);
    char be[VSCSI_PATH_MAX];
    int rc = vscsi_be_path(vios, client, vhost, be, sizeof(be));

    return rc < 0 ? rc : putf(p, tx, be, "online", &be_o, "%d", online ? 1 : 0);
}

int vscsi_write_dev_state(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost,
                          uint32_t index, int state)
{
    struct owner_perms be_o = perms_for(vios, client);
    char be[VSCSI_PATH_MAX], dir[VSCSI_PATH_MAX];
    int rc;

    if ((rc = vscsi_be_path(vios, client, vhost, be, sizeof(be))) < 0 ||
        (rc = fmt_path(dir, sizeof(dir), "%s/vscsi-devs/dev-%u", be, index)) < 0)
        return rc;
    return putf(p, tx, dir, "state", &be_o, "%d", state);
}

static int rm_if_present(xvios_plat *p, xvios_tx tx, const char *path)
{
    int rc = xvios_store_rm(p, tx, path);

    return rc == -ENOENT ? 0 : rc;
}

int vscsi_remove_vhost(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost)
{
    char be[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX];
    int rc;

    if ((rc = vscsi_be_path(vios, client, vhost, be, sizeof(be))) < 0 ||
        (rc = vscsi_fe_path(client, vhost, fe, sizeof(fe))) < 0)
        return rc;
    if ((rc = rm_if_present(p, tx, be)) < 0)
        return rc;
    return rm_if_present(p, tx, fe);
}

int vscsi_remove_dev(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost, uint32_t index)
{
    char be[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX], dir[VSCSI_PATH_MAX];
    int rc;

    if ((rc = vscsi_be_path(vios, client, vhost, be, sizeof(be))) < 0 ||
        (rc = vscsi_fe_path(client, vhost, fe, sizeof(fe))) < 0)
        return rc;
    if ((rc = fmt_path(dir, sizeof(dir), "%s/vscsi-devs/dev-%u", be, index)) < 0 ||
        (rc = rm_if_present(p, tx, dir)) < 0)
        return rc;
    if ((rc = fmt_path(dir, sizeof(dir), "%s/vscsi-devs/dev-%u", fe, index)) < 0)
        return rc;
    return rm_if_present(p, tx, dir);
}
