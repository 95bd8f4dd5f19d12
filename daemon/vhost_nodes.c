/* SPDX-License-Identifier: MIT */
/*
 * vhost_nodes.c - a VIOS's own view of one vhost's XenStore nodes
 * (vhost_nodes.h; the layout is docs/vscsi.md's): the backend dir checked to
 * be the client's, its dev-N entries (and the frontend dir's, which only
 * count for the next N), and the writes a VIOS makes in its own backend dir
 * (a dev-N with the backend dir's permissions, a state, a dev-N removed).
 * Every value read from the store is untrusted: the client writes the
 * frontend dir, the engine parts of the backend dir.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhost_nodes.h"
#include "xvios/db_lu.h"
#include "xvios/parse.h"

/* ---------------------------------------------------------------- paths and values */
__attribute__((format(printf, 3, 4)))
int viod_vh_path(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int viod_vh_be_dir(const struct xviosd *d, const struct xvios_db_vtd *v, char *buf, size_t cap)
{
    return viod_vh_path(buf, cap, "/local/domain/%u/backend/vscsi/%u/%u", d->self_domid, v->client, v->vhost);
}

int viod_vh_fe_dir(const struct xvios_db_vtd *v, char *buf, size_t cap)
{
    return viod_vh_path(buf, cap, "/local/domain/%u/device/vscsi/%u", v->client, v->vhost);
}

/* A value of at most cap-1 bytes without NUL: 0, -ENOENT, -EIO (too long, a NUL inside), or a store error. */
static int read_str(xvios_plat *p, xvios_tx tx, const char *path, char *buf, size_t cap)
{
    char *v = NULL;
    size_t len = 0;
    int rc = xvios_store_read(p, tx, path, &v, &len);

    if (rc == 0 && (len >= cap || strlen(v) != len))
        rc = -EIO;
    if (rc == 0)
        memcpy(buf, v, len + 1);
    free(v);
    return rc;
}

/* A xenbus state, or -1 when absent or malformed. */
int viod_vh_state(xvios_plat *p, xvios_tx tx, const char *dir, const char *rel)
{
    char path[AP_PATH_MAX + 64], untrusted_v[12];
    uint32_t st;

    if (viod_vh_path(path, sizeof(path), "%s/%s", dir, rel) < 0 || read_str(p, tx, path, untrusted_v, sizeof(untrusted_v)) < 0 ||
        xvios_parse_u32_canon(untrusted_v, 8, &st) < 0)
        return -1;
    return (int)st;
}

static int put(xvios_plat *p, xvios_tx tx, const char *dir, const char *key, const struct xvios_perm *perms,
               const char *val)
{
    char path[AP_PATH_MAX + 64];
    int rc = viod_vh_path(path, sizeof(path), "%s/%s", dir, key);

    if (rc == 0)
        rc = xvios_store_write(p, tx, path, val, strlen(val));
    return rc < 0 ? rc : xvios_store_set_perms(p, tx, path, perms, 2);
}

/* ---------------------------------------------------------------- the vhost as this VIOS has it */

/* "dev-N" with N canonical and in range. */
static int dev_index(const char *untrusted_name, uint32_t *n)
{
    if (strncmp(untrusted_name, "dev-", 4))
        return -EINVAL;
    return xvios_parse_u32_canon(untrusted_name + 4, AP_MAX_INDEX, n);
}

static int scan_devs(struct xviosd *d, xvios_tx tx, const char *dir, bool backend, const struct xvios_db_vtd *v,
                     struct vhost_view *w)
{
    char path[AP_PATH_MAX + 64], **names = NULL;
    unsigned nn = 0;
    int rc;

    if ((rc = viod_vh_path(path, sizeof(path), "%s/vscsi-devs", dir)) < 0)
        return rc;
    rc = xvios_store_list(d->plat, tx, path, &names, &nn);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < nn; i++) {
        char key[AP_PATH_MAX + 96], untrusted_vdev[48], want[48];
        uint32_t k;
        int st;

        if (dev_index(names[i], &k) < 0)
            continue;
        if (k + 1 > w->next_index)
            w->next_index = k + 1;
        if (!backend)
            continue;
        w->n_devs++;
        if (viod_vh_path(key, sizeof(key), "%s/vscsi-devs/%s", dir, names[i]) < 0)
            continue;
        st = viod_vh_state(d->plat, tx, key, "state");
        if (st >= 0 && st < ST_CLOSING)
            w->n_live++;
        if (viod_vh_path(key, sizeof(key), "%s/vscsi-devs/%s/v-dev", dir, names[i]) < 0 ||
            read_str(d->plat, tx, key, untrusted_vdev, sizeof(untrusted_vdev)) < 0)
            continue;
        snprintf(want, sizeof(want), "%u:%u:%u:%u", v->vhost, v->chn, v->tgt, v->lun);
        if (!strcmp(untrusted_vdev, want)) {
            w->found = true;
            w->index = k;
            w->dev_state = st;
        }
    }
    xvios_strv_free(names, nn);
    return 0;
}

/*
 * The backend dir of v's vhost, checked to be the client's: 0 and *w; -ENOENT (no such vhost here), -EPERM
 * (the dir names another frontend or client, *why set), or a store error.
 */
int viod_vh_view(struct xviosd *d, xvios_tx tx, const struct xvios_db_vtd *v, struct vhost_view *w, char *why,
                size_t cap)
{
    char be[AP_PATH_MAX], fe[AP_PATH_MAX], path[AP_PATH_MAX + 64], untrusted_v[AP_PATH_MAX];
    uint32_t id;
    int rc;

    memset(w, 0, sizeof(*w));
    if ((rc = viod_vh_be_dir(d, v, be, sizeof(be))) < 0 || (rc = viod_vh_fe_dir(v, fe, sizeof(fe))) < 0)
        return rc;
    if ((rc = viod_vh_path(path, sizeof(path), "%s/frontend-id", be)) < 0)
        return rc;
    rc = read_str(d->plat, tx, path, untrusted_v, sizeof(untrusted_v));
    if (rc == -ENOENT)
        return -ENOENT;
    if (rc < 0 && rc != -EIO)
        return rc;
    if (rc == -EIO || xvios_parse_u32_canon(untrusted_v, XVIOS_VTD_DOMID_MAX, &id) < 0 || id != v->client) {
        snprintf(why, cap, "%s/frontend-id does not name domain %u", be, v->client);
        return -EPERM;
    }
    if ((rc = viod_vh_path(path, sizeof(path), "%s/xvios-client-uuid", be)) < 0)
        return rc;
    if (v->client_uuid[0] && read_str(d->plat, tx, path, untrusted_v, sizeof(untrusted_v)) == 0 &&
        strcasecmp(untrusted_v, v->client_uuid)) {
        snprintf(why, cap, "domain %u is no longer the client the mapping was made for (another uuid)", v->client);
        return -EPERM;
    }
    w->be_state = viod_vh_state(d->plat, tx, be, "state");
    if ((rc = scan_devs(d, tx, be, true, v, w)) < 0 || (rc = scan_devs(d, tx, fe, false, v, w)) < 0)
        return rc;
    return 0;
}

/* ---------------------------------------------------------------- answering */
int viod_vh_write_dev(struct xviosd *d, xvios_tx tx, const struct xvios_db_vtd *v, uint32_t index,
                         const struct xvios_db_lu *pool)
{
    const struct xvios_perm perms[2] = { { d->self_domid, XVIOS_PERM_NONE }, { v->client, XVIOS_PERM_READ } };
    char be[AP_PATH_MAX], devs[AP_PATH_MAX + 16], dir[AP_PATH_MAX + 32], val[64];
    int rc;

    if ((rc = viod_vh_be_dir(d, v, be, sizeof(be))) < 0 || (rc = viod_vh_path(devs, sizeof(devs), "%s/vscsi-devs", be)) < 0 ||
        (rc = viod_vh_path(dir, sizeof(dir), "%s/dev-%u", devs, index)) < 0)
        return rc;
    rc = xvios_store_mkdir(d->plat, tx, devs);
    if ((rc < 0 && rc != -EEXIST) || (rc = xvios_store_set_perms(d->plat, tx, devs, perms, 2)) < 0)
        return rc;
    rc = xvios_store_mkdir(d->plat, tx, dir);
    if ((rc < 0 && rc != -EEXIST) || (rc = xvios_store_set_perms(d->plat, tx, dir, perms, 2)) < 0)
        return rc;
    snprintf(val, sizeof(val), "%u:%u:%u:%u", v->vhost, v->chn, v->tgt, v->lun);
    if ((rc = put(d->plat, tx, dir, "p-dev", perms, v->lu)) < 0 ||
        (rc = put(d->plat, tx, dir, "p-devname", perms, v->pool_lu[0] ? v->pool_lu : v->lu)) < 0 ||
        (rc = put(d->plat, tx, dir, "v-dev", perms, val)) < 0 ||
        (rc = put(d->plat, tx, dir, "mode", perms, v->read_only ? "r" : "w")) < 0 ||
        (rc = put(d->plat, tx, dir, "state", perms, "1")) < 0)
        return rc;
    if (pool) {
        char wwn[XVIOS_LU_WWN_HEX + 1];

        xvios_lu_wwn_format(pool->wwn, wwn);
        if ((rc = put(d->plat, tx, dir, "xvios-lu", perms, pool->name)) < 0)
            return rc;
        snprintf(val, sizeof(val), "%" PRIu64, pool->offset);
        if ((rc = put(d->plat, tx, dir, "xvios-offset", perms, val)) < 0)
            return rc;
        snprintf(val, sizeof(val), "%" PRIu64, pool->size);
        if ((rc = put(d->plat, tx, dir, "xvios-size", perms, val)) < 0 ||
            (rc = put(d->plat, tx, dir, "xvios-wwn", perms, wwn)) < 0 ||
            (rc = put(d->plat, tx, dir, "xvios-serial", perms, pool->serial)) < 0)
            return rc;
    }
    return 0;
}

int viod_vh_write_state(struct xviosd *d, xvios_tx tx, const struct xvios_db_vtd *v, const char *rel, int state)
{
    const struct xvios_perm perms[2] = { { d->self_domid, XVIOS_PERM_NONE }, { v->client, XVIOS_PERM_READ } };
    char be[AP_PATH_MAX], val[4];
    int rc = viod_vh_be_dir(d, v, be, sizeof(be));

    snprintf(val, sizeof(val), "%d", state);
    return rc < 0 ? rc : put(d->plat, tx, be, rel, perms, val);
}

int viod_vh_remove_dev(struct xviosd *d, xvios_tx tx, const struct xvios_db_vtd *v, uint32_t index)
{
    char be[AP_PATH_MAX], dir[AP_PATH_MAX + 32];
    int rc;

    if ((rc = viod_vh_be_dir(d, v, be, sizeof(be))) < 0 || (rc = viod_vh_path(dir, sizeof(dir), "%s/vscsi-devs/dev-%u", be, index)) < 0)
        return rc;
    rc = xvios_store_rm(d->plat, tx, dir);
    return rc == -ENOENT ? 0 : rc;
}
