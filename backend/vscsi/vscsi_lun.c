/* SPDX-License-Identifier: MIT */
/*
 * vscsi_lun.c - the LUN map of a vhost and the LUs behind it.
 *
 * A dev-N entry names v-dev "h:c:t:l" (h must be the vhost) and p-dev, the
 * absolute path of a file or block device inside the VIOS, with mode "r" or
 * "w". An LU of the cluster's pool (docs/pool.md) has xvios-lu too, and
 * p-dev is its backing: xvios-offset and xvios-size say which region of it
 * the LU is (the LU sees only that region), xvios-wwn and xvios-serial the
 * identifiers the pool gave it (VPD 0x83 and 0x80), so every VIOS serving it
 * shows the same disk. (c, t) selects a SCSI target of the vhost (one struct
 * scsi_dev: its LUN map answers REPORT LUNS), l the LUN in it. LUs are opened
 * once per (path, mode, region and identifiers) and shared by every vhost
 * that maps them, so persistent reservations and unit attentions see every
 * nexus. An LU nobody maps any more is freed once no command and no I/O is
 * in flight.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/lu/lu_store.h"
#include "backend/scsi/scsi_lu_store.h"
#include "backend/vscsi/vscsi_int.h"
#include "xvios/db_lu.h"
#include "xvios/log.h"
#include "xvios/naa.h"
#include "xvios/parse.h"

#define VSCSI_IEEE_OUI 0x5254a5u        /* locally administered company id of the NAA designators */

static void on_store(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    struct vscsi_lu_ref *r = arg;

    (void)src;
    (void)fd;
    (void)revents;
    if (lu_store_dispatch(r->store) < 0)
        XLOG_WARN("LU %s: completion dispatch failed", r->path);
}

static void lu_ref_unwatch(struct vscsi_lu_ref *r)
{
    if (r->dpath)
        dsa_detach(r->eng->dsa, r->dpath, r->store);
    r->dpath = NULL;
}

static void lu_ref_free(struct vscsi_lu_ref *r)
{
    lu_ref_unwatch(r);
    xvios_evloop_fd_remove(r->src);
    lu_store_close(r->store);          /* runs what is still pending, before the LU goes */
    prsync_lu_close(r->prs);           /* its PR commands complete before the LU goes too */
    if (r->lu)
        scsi_lu_free(r->lu);
    free(r);
}

static bool same_ident(const struct vscsi_lu_ident *a, const struct vscsi_lu_ident *b)
{
    if (a->pool != b->pool)
        return false;
    return !a->pool || (!strcmp(a->name, b->name) && a->offset == b->offset && a->size == b->size && !memcmp(a->wwn, b->wwn, sizeof(a->wwn)) &&
                        !strcmp(a->serial, b->serial));
}

static int lu_get(struct vscsi_engine *e, const char *path, bool ro, const struct vscsi_lu_ident *id,
                  struct vscsi_lu_ref **out)
{
    struct lu_store_opts so = { .path = path, .read_only = ro };
    struct scsi_lu_opts lo = { .ops = &scsi_lu_store_ops, .read_only = ro, .ieee_company_id = VSCSI_IEEE_OUI };
    char serial[24];
    struct vscsi_lu_ref *r;
    int rc;

    for (r = e->lus; r; r = r->next)
        if (r->read_only == ro && strcmp(r->path, path) == 0 && same_ident(&r->id, id)) {
            r->refs++;
            *out = r;
            return 0;
        }
    r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->eng = e;
    r->read_only = ro;
    r->id = *id;
    snprintf(r->path, sizeof(r->path), "%s", path);
    rc = lu_store_open(&so, &r->store);
    if (rc < 0) {
        XLOG_WARN("LU %s: cannot open: %s", path, strerror(-rc));
        r->store = NULL;
        goto out;
    }
    if (id->pool) {
        /* the pool's LU: only its region of the backing, with the pool's identifiers */
        rc = scsi_region_init(&r->region, &scsi_lu_store_ops, r->store, id->offset, id->size);
        if (rc < 0) {
            XLOG_WARN("LU %s: region of %" PRIu64 " bytes at %" PRIu64 " %s (the backing has %" PRIu64 " bytes)",
                      path, id->size, id->offset, rc == -ERANGE ? "ends beyond the backing" : "is not aligned",
                      lu_store_info(r->store)->size_bytes);
            rc = -ERANGE;
            goto out;
        }
        lo.ops = &scsi_region_ops;
        lo.store = &r->region;
        lo.serial = id->serial;
        lo.naa_id = id->wwn;
        /* its reservations hold cluster-wide: the state lives in the DB, commands go through prsync */
        if (e->prsync && (rc = prsync_lu_open(e->prsync, id->name, &lo, &r->prs)) < 0)
            goto out;
    } else {
        /* a stable unit serial number per path: the NAA designator (VPD 0x83) follows it */
        xvios_path_serial(path, serial, sizeof(serial));
        lo.store = r->store;
        lo.serial = serial;
    }
    rc = scsi_lu_new(&lo, &r->lu);
    if (rc < 0)
        goto out;
    if (r->prs && (rc = prsync_lu_bind(r->prs, r->lu)) < 0) {
        rc = -EBADMSG;                 /* no guessed state: the LUN is refused */
        goto out;
    }
    rc = xvios_evloop_fd_add(e->loop, lu_store_fd(r->store), POLLIN, on_store, r, &r->src);
    if (rc < 0)
        goto out;
    if (id->pool)
        snprintf(r->key, sizeof(r->key), "%s", id->name);
    else
        xvios_path_key_for_backing(path, r->key, sizeof(r->key));
    if (e->dsa && dsa_attach(e->dsa, r->key, path, id->pool ? id->offset : 0, r->store, &r->dpath) < 0)
        XLOG_WARN("LU %s: the path monitor cannot watch it", path);
    r->refs = 1;
    r->next = e->lus;
    e->lus = r;
    if (id->pool)
        XLOG_INFO("LU %s [%" PRIu64 ", +%" PRIu64 ") opened (%s, serial %s, %s)", path, id->offset, id->size,
                  ro ? "read-only" : "read-write", id->serial, lu_store_info(r->store)->engine);
    else
        XLOG_INFO("LU %s opened (%s, %" PRIu64 " bytes, %s)", path, ro ? "read-only" : "read-write",
                  lu_store_info(r->store)->size_bytes, lu_store_info(r->store)->engine);
    *out = r;
    return 0;
out:
    lu_ref_free(r);
    return rc;
}

static bool lu_idle(const struct vscsi_lu_ref *r)
{
    return (!r->lu || scsi_lu_in_flight(r->lu) == 0) && (!r->store || lu_store_in_flight(r->store) == 0);
}

void vscsi_lu_reap(struct vscsi_engine *e)
{
    struct vscsi_lu_ref **pp = &e->lus;

    while (*pp) {
        struct vscsi_lu_ref *r = *pp;

        if (r->refs == 0 && lu_idle(r)) {
            *pp = r->next;
            XLOG_INFO("LU %s closed", r->path);
            lu_ref_free(r);
            continue;
        }
        pp = &r->next;
    }
}

void vscsi_lu_close_all(struct vscsi_engine *e)
{
    /* Closing a store answers its pending I/O (-ECANCELED at worst): the SCSI commands complete. */
    for (struct vscsi_lu_ref *r = e->lus; r; r = r->next) {
        prsync_lu_abandon(r->prs);     /* PR commands waiting for the cluster complete now */
        lu_ref_unwatch(r);
        xvios_evloop_fd_remove(r->src);
        r->src = NULL;
        lu_store_close(r->store);
        r->store = NULL;
    }
}

/* "h:c:t:l", each a canonical decimal. */
static int parse_vdev(const char *s, uint32_t v[4])
{
    char buf[64], *save = NULL, *tok;
    unsigned i = 0;

    if (strlen(s) >= sizeof(buf))
        return -EINVAL;
    strcpy(buf, s);
    for (tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
        if (i == 4 || xvios_parse_u32_canon(tok, UINT16_MAX, &v[i]) < 0)
            return -EINVAL;
        i++;
    }
    return i == 4 && strchr(s, ':') && !strstr(s, "::") && s[strlen(s) - 1] != ':' && s[0] != ':' ? 0 : -EINVAL;
}

struct vscsi_lun *vscsi_lun_find(const struct vscsi_vhost *vh, uint16_t chn, uint16_t tgt, uint16_t lun)
{
    for (struct vscsi_lun *l = vh->luns; l; l = l->next)
        if (l->chn == chn && l->tgt == tgt && l->lun == lun)
            return l;
    return NULL;
}

struct vscsi_lun *vscsi_lun_by_devn(const struct vscsi_vhost *vh, unsigned devn)
{
    for (struct vscsi_lun *l = vh->luns; l; l = l->next)
        if (l->devn == devn)
            return l;
    return NULL;
}

static struct vscsi_target *target_get(struct vscsi_vhost *vh, uint16_t chn, uint16_t tgt)
{
    struct vscsi_target *t;

    for (t = vh->targets; t; t = t->next)
        if (t->chn == chn && t->tgt == tgt)
            return t;
    t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->dev = scsi_dev_new();
    if (!t->dev) {
        free(t);
        return NULL;
    }
    t->chn = chn;
    t->tgt = tgt;
    t->next = vh->targets;              /* kept until the vhost goes: commands in flight point at it */
    vh->targets = t;
    return t;
}

/* A canonical decimal (what dom0 writes) up to max. */
static int parse_u64_canon(const char *s, uint64_t max, uint64_t *out)
{
    if (s[0] == '0' && s[1])
        return -EINVAL;
    return xvios_parse_u64(s, 0, max, out);
}

/* The pool keys of a dev-N, checked as the pool checks its own entries. */
static int pool_ident(struct vscsi_vhost *vh, unsigned devn, const struct vscsi_lun_spec *s,
                      struct vscsi_lu_ident *id)
{
    memset(id, 0, sizeof(*id));
    if (!s->lu)
        return 0;
    if (!xvios_lu_name_ok(s->lu) || !s->offset || !s->size || !s->wwn || !s->serial) {
        vscsi_xs_set_error(vh, "dev-%u: pool LU without a valid name, xvios-offset, xvios-size, xvios-wwn and "
                               "xvios-serial", devn);
        return -EINVAL;
    }
    if (parse_u64_canon(s->offset, XVIOS_LU_SIZE_MAX, &id->offset) < 0 ||
        parse_u64_canon(s->size, XVIOS_LU_SIZE_MAX, &id->size) < 0 || xvios_lu_region_check(id->offset, id->size) < 0) {
        vscsi_xs_set_error(vh, "dev-%u: LU %s: region '%s' + '%s' is not a valid region", devn, s->lu, s->offset,
                           s->size);
        return -EINVAL;
    }
    if (xvios_lu_wwn_parse(s->wwn, id->wwn) < 0 || !xvios_lu_serial_ok(s->serial)) {
        vscsi_xs_set_error(vh, "dev-%u: LU %s: malformed xvios-wwn or xvios-serial", devn, s->lu);
        return -EINVAL;
    }
    _Static_assert(sizeof(id->serial) > XVIOS_LU_SERIAL_LEN, "a pool serial fits");
    snprintf(id->name, sizeof(id->name), "%s", s->lu);
    snprintf(id->serial, sizeof(id->serial), "%s", s->serial);
    snprintf(id->name, sizeof(id->name), "%s", s->lu);
    id->pool = true;
    return 0;
}

int vscsi_lun_add(struct vscsi_vhost *vh, unsigned devn, const struct vscsi_lun_spec *spec)
{
    const char *vdev = spec->vdev, *pdev = spec->pdev, *mode = spec->mode;
    struct vscsi_lu_ident id;
    struct vscsi_lun *l;
    uint32_t v[4];
    bool ro;
    int rc;

    if (vscsi_lun_by_devn(vh, devn))
        return 0;                       /* already mapped (a frontend that reconnects) */
    if (parse_vdev(vdev, v) < 0 || v[0] != vh->devid || v[3] > SCSI_LUN_MAX) {
        vscsi_xs_set_error(vh, "dev-%u: v-dev '%s' is not %u:c:t:l", devn, vdev, vh->devid);
        return -EINVAL;
    }
    if (pdev[0] != '/' || strlen(pdev) >= VSCSI_PATH_MAX) {
        vscsi_xs_set_error(vh, "dev-%u: p-dev '%s' is not an absolute path", devn, pdev);
        return -EINVAL;
    }
    if (strcmp(mode, "r") && strcmp(mode, "w")) {
        vscsi_xs_set_error(vh, "dev-%u: mode '%s' is not r or w", devn, mode);
        return -EINVAL;
    }
    ro = mode[0] == 'r';
    if (pool_ident(vh, devn, spec, &id) < 0)
        return -EINVAL;
    if (vscsi_lun_find(vh, (uint16_t)v[1], (uint16_t)v[2], (uint16_t)v[3])) {
        vscsi_xs_set_error(vh, "dev-%u: v-dev %s is taken", devn, vdev);
        return -EEXIST;
    }
    l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->devn = devn;
    l->chn = (uint16_t)v[1];
    l->tgt = (uint16_t)v[2];
    l->lun = (uint16_t)v[3];
    l->target = target_get(vh, l->chn, l->tgt);
    if (!l->target) {
        free(l);
        return -ENOMEM;
    }
    rc = lu_get(vh->eng, pdev, ro, &id, &l->lu);
    if (rc < 0) {
        if (rc == -EBADMSG)
            vscsi_xs_set_error(vh, "dev-%u: LU %s: its reservation state in the cluster DB is unreadable or "
                                   "malformed", devn, spec->lu);
        else if (rc == -ERANGE)
            vscsi_xs_set_error(vh, "dev-%u: LU %s: region [%" PRIu64 ", +%" PRIu64 ") does not fit %s", devn,
                               spec->lu, id.offset, id.size, pdev);
        else
            vscsi_xs_set_error(vh, "dev-%u: cannot open %s: %s", devn, pdev, strerror(-rc));
        free(l);
        return rc;
    }
    rc = scsi_dev_map_lun(l->target->dev, l->lun, l->lu->lu);
    if (rc < 0) {
        l->lu->refs--;
        vscsi_lu_reap(vh->eng);
        free(l);
        return rc;
    }
    l->next = vh->luns;
    vh->luns = l;
    XLOG_INFO("vhost %u/%u: dev-%u %s -> %s%s (%s)", vh->fe_domid, vh->devid, devn, vdev,
              spec->lu ? "pool LU " : "", spec->lu ? spec->lu : pdev, mode);
    return 0;
}

static void lun_unlink(struct vscsi_vhost *vh, struct vscsi_lun *l)
{
    scsi_dev_unmap_lun(l->target->dev, l->lun);
    l->lu->refs--;
    free(l);
    vscsi_lu_reap(vh->eng);
}

void vscsi_lun_del(struct vscsi_vhost *vh, unsigned devn)
{
    for (struct vscsi_lun **pp = &vh->luns; *pp; pp = &(*pp)->next)
        if ((*pp)->devn == devn) {
            struct vscsi_lun *l = *pp;

            *pp = l->next;
            XLOG_INFO("vhost %u/%u: dev-%u %u:%u:%u removed", vh->fe_domid, vh->devid, devn, l->chn, l->tgt, l->lun);
            lun_unlink(vh, l);
            return;
        }
}

void vscsi_lun_del_all(struct vscsi_vhost *vh)
{
    while (vh->luns) {
        struct vscsi_lun *l = vh->luns;

        vh->luns = l->next;
        lun_unlink(vh, l);
    }
    while (vh->targets) {
        struct vscsi_target *t = vh->targets;

        vh->targets = t->next;
        scsi_dev_free(t->dev);
        free(t);
    }
}
