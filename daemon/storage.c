/* SPDX-License-Identifier: MIT */
/*
 * storage.c - STORAGE_INFO: the storage this VIOS sees (docs/pool.md, "The
 * storage view"), gathered when asked and encoded by xvios/storage_info.h:
 *
 *   backings  every path this VIOS serves a LUN from (its backend dirs'
 *             p-dev) and every pool LU's backing (the pool is in the DB):
 *             stat()ed, never opened (a dead SAN path cannot hang the
 *             daemon), a block device's size and own wwid read from sysfs;
 *   pools     the pool's id, its LUs and how many of them fit a backing
 *             that this VIOS reaches;
 *   lus       what its engine serves, each with the NAA designator it
 *             answers in VPD 0x83 (the pool's WWN that dom0 wrote next to
 *             the LUN, or the one derived from the path, xvios/naa.h);
 *   vhosts    each LUN of each vhost: client, vhost, h:c:t:l, mode, state;
 *   uses      the cluster's mappings as this VIOS reads them from the VTD
 *             table (dom0 records each in the attach's own transaction):
 *             which client uses which LU through which VIOS, r or w.
 *
 * Every store value is checked before it is used; a value that is not what
 * its writer writes is skipped or shown as "-".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "xviosd.h"
#include "xvios/db_lu.h"
#include "xvios/db_vtd.h"
#include "xvios/log.h"
#include "xvios/naa.h"
#include "xvios/parse.h"
#include "xvios/storage_info.h"

#define ST_PATH_MAX 192u

static void read_val(struct xviosd *d, const char *path, char *buf, size_t cap)
{
    char *v = NULL;
    size_t len = 0;

    buf[0] = '\0';
    if (xvios_store_read(d->plat, XVIOS_TX_NONE, path, &v, &len) == 0 && len < cap && strlen(v) == len)
        memcpy(buf, v, len + 1);
    free(v);
}

/* A small sysfs attribute, trailing newline cut: 0, or -1 when absent, unreadable or empty. */
static int read_sysfs(const char *path, char *buf, size_t cap)
{
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    buf[0] = '\0';
    if (fd < 0)
        return -1;
    n = read(fd, buf, cap - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return n > 0 ? 0 : -1;
}

static void engine_wwn(const char *path, char *hex)
{
    char serial[XVIOS_PATH_SERIAL_LEN + 1];
    uint8_t naa[16];

    xvios_path_serial(path, serial, sizeof(serial));
    xvios_naa_from_serial(XVIOS_LU_COMPANY_ID, serial, naa);
    xvios_lu_wwn_format(naa, hex);
}

/* stat() the backing: state, size, and its identity (the device's own wwid, else the engine's designator). */
static void probe(struct xvios_si_backing *b)
{
    struct stat st;
    char sys[96], val[XVIOS_SI_ID_MAX + 1];
    uint64_t sectors;

    b->id_source = XVIOS_SI_ID_ENGINE;
    engine_wwn(b->path, b->id);
    if (stat(b->path, &st) < 0) {
        b->state = errno == ENOENT || errno == ENOTDIR ? XVIOS_SI_ABSENT
                 : errno == EACCES ? XVIOS_SI_DENIED : XVIOS_SI_ERROR;
        return;
    }
    if (S_ISREG(st.st_mode)) {
        b->state = XVIOS_SI_OK;
        b->size = (uint64_t)st.st_size;
        return;
    }
    if (!S_ISBLK(st.st_mode)) {
        b->state = XVIOS_SI_ERROR;
        return;
    }
    snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/size", major(st.st_rdev), minor(st.st_rdev));
    if (read_sysfs(sys, val, sizeof(val)) < 0 || xvios_parse_u64(val, 0, XVIOS_LU_SIZE_MAX / 512, &sectors) < 0) {
        b->state = XVIOS_SI_ERROR;
        return;
    }
    b->state = XVIOS_SI_OK;
    b->size = sectors * 512;
    snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/device/wwid", major(st.st_rdev), minor(st.st_rdev));
    if (read_sysfs(sys, val, sizeof(val)) < 0) {
        snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/wwid", major(st.st_rdev), minor(st.st_rdev));
        if (read_sysfs(sys, val, sizeof(val)) < 0)
            return;
    }
    b->id_source = XVIOS_SI_ID_DEVICE;
    snprintf(b->id, sizeof(b->id), "%s", val);
}

static struct xvios_si_backing *backing_add(struct xvios_storage_info *si, const char *path)
{
    for (unsigned i = 0; i < si->n_backings; i++)
        if (!strcmp(si->backings[i].path, path))
            return &si->backings[i];
    if (xvios_lu_backing_check(path) < 0)
        return NULL;
    if (si->n_backings == XVIOS_SI_MAX_BACKINGS) {
        si->truncated = true;
        return NULL;
    }
    snprintf(si->backings[si->n_backings].path, sizeof(si->backings[0].path), "%s", path);
    return &si->backings[si->n_backings++];
}

static void lu_add(struct xvios_storage_info *si, const char *wwn, uint64_t size, const char *name,
                   const char *path)
{
    for (unsigned i = 0; i < si->n_lus; i++)
        if (!strcmp(si->lus[i].wwn, wwn) && !strcmp(si->lus[i].path, path))
            return;
    if (si->n_lus == XVIOS_SI_MAX_LUS) {
        si->truncated = true;
        return;
    }
    struct xvios_si_lu *l = &si->lus[si->n_lus++];
    snprintf(l->wwn, sizeof(l->wwn), "%s", wwn);
    l->size = size;
    snprintf(l->name, sizeof(l->name), "%.63s", name[0] ? name : "-");
    snprintf(l->path, sizeof(l->path), "%s", path);
}

static bool vdev_parse(const char *s, struct xvios_si_vhost *v)
{
    unsigned h, c, t, l;
    char tail;

    if (sscanf(s, "%u:%u:%u:%u%c", &h, &c, &t, &l, &tail) != 4 || h > 65535 || c != 0 || t > 63 || l > 255)
        return false;
    v->h = h, v->c = c, v->t = t, v->l = l;
    return true;
}

/* One LUN (dev-N) of the vhost dir: its vhost line, its LU and its backing. */
static void one_lun(struct xviosd *d, struct xvios_storage_info *si, const char *dir, const char *dev,
                    uint32_t fe, uint32_t devid, const char *client_name)
{
    char path[ST_PATH_MAX + 96], pdev[XVIOS_LU_BACKING_MAX + 1], vdev[48], mode[4], state[8];
    char lu[XVIOS_LU_NAME_MAX + 2], wwnv[XVIOS_LU_WWN_HEX + 2], sizev[24], wwn[XVIOS_LU_WWN_HEX + 1];
    struct xvios_si_vhost *v;
    uint8_t naa[16];
    uint64_t size = 0;
    bool pool;

#define RD(key, buf) \
    (snprintf(path, sizeof(path), "%s/vscsi-devs/%s/" key, dir, dev), read_val(d, path, buf, sizeof(buf)))
    RD("p-dev", pdev);
    RD("v-dev", vdev);
    RD("mode", mode);
    RD("state", state);
    RD("xvios-lu", lu);
    RD("xvios-wwn", wwnv);
    RD("xvios-size", sizev);
#undef RD
    if (si->n_vhosts == XVIOS_SI_MAX_VHOSTS) {
        si->truncated = true;
        return;
    }
    v = &si->vhosts[si->n_vhosts];
    memset(v, 0, sizeof(*v));
    if (!vdev_parse(vdev, v))
        return;   /* no LUN the engine would serve */
    v->client = fe;
    v->devid = devid;
    v->read_only = !strcmp(mode, "r");
    if (xvios_parse_u32_canon(state, 8, &v->lun_state) < 0)
        v->lun_state = 0;
    snprintf(v->client_name, sizeof(v->client_name), "%s", client_name);
    snprintf(v->wwn, sizeof(v->wwn), "-");
    si->n_vhosts++;
    if ((strcmp(mode, "r") && strcmp(mode, "w")) || xvios_lu_backing_check(pdev) < 0)
        return;   /* the engine refuses such a LUN: it serves no LU */
    if (lu[0] && !xvios_lu_name_ok(lu))
        return;   /* a malformed pool LU name: the engine refuses the LUN */
    pool = lu[0] != '\0';
    if (pool) {
        if (xvios_lu_wwn_parse(wwnv, naa) < 0 || xvios_parse_u64(sizev, 1, XVIOS_LU_SIZE_MAX, &size) < 0)
            return;   /* the engine refuses such a LUN: it serves nothing */
        xvios_lu_wwn_format(naa, wwn);
    } else {
        engine_wwn(pdev, wwn);
    }
    snprintf(v->wwn, sizeof(v->wwn), "%s", wwn);
    backing_add(si, pdev);
    lu_add(si, wwn, size, pool ? lu : "", pdev);
}

/* Every LUN of every vhost in this VIOS's backend dirs. */
static void served(struct xviosd *d, struct xvios_storage_info *si)
{
    char be[64];
    char **fes = NULL;
    unsigned nf = 0;

    snprintf(be, sizeof(be), "/local/domain/%u/backend/vscsi", d->self_domid);
    if (xvios_store_list(d->plat, XVIOS_TX_NONE, be, &fes, &nf) < 0)
        nf = 0;
    for (unsigned i = 0; i < nf; i++) {
        char dir[ST_PATH_MAX];
        char **vhs = NULL;
        unsigned nv = 0;
        uint32_t fe;

        if (xvios_parse_domid(fes[i], &fe) < 0)
            continue;
        snprintf(dir, sizeof(dir), "%s/%s", be, fes[i]);
        if (xvios_store_list(d->plat, XVIOS_TX_NONE, dir, &vhs, &nv) < 0)
            nv = 0;
        for (unsigned k = 0; k < nv; k++) {
            char vdir[ST_PATH_MAX + 16], p[ST_PATH_MAX + 48], name[XVIOS_SI_WORD_MAX + 1];
            char **devs = NULL;
            unsigned nd = 0;
            uint32_t devid;

            if (xvios_parse_u32_canon(vhs[k], 65535u, &devid) < 0)
                continue;
            snprintf(vdir, sizeof(vdir), "%s/%s", dir, vhs[k]);
            snprintf(p, sizeof(p), "%s/xvios-client-name", vdir);
            read_val(d, p, name, sizeof(name));
            snprintf(p, sizeof(p), "%s/vscsi-devs", vdir);
            if (xvios_store_list(d->plat, XVIOS_TX_NONE, p, &devs, &nd) < 0)
                nd = 0;
            for (unsigned j = 0; j < nd; j++)
                if (!strncmp(devs[j], "dev-", 4) && strlen(devs[j]) <= 10)
                    one_lun(d, si, vdir, devs[j], fe, devid, name);
            xvios_strv_free(devs, nd);
        }
        xvios_strv_free(vhs, nv);
    }
    xvios_strv_free(fes, nf);
}

/* The pool (its LUs' backings are where every VIOS should reach them): backings and the pool line. */
static void pool(struct xviosd *d, struct xvios_storage_info *si, struct xvios_db_lu **lus, unsigned *n)
{
    struct xvios_db_pool pl;

    *lus = NULL;
    *n = 0;
    if (xvios_db_pool_get(d->plat, &pl) < 0)
        return;
    if (xvios_db_lu_list(d->plat, XVIOS_TX_NONE, lus, n) < 0) {
        *lus = NULL;
        *n = 0;
    }
    for (unsigned i = 0; i < *n; i++)
        backing_add(si, (*lus)[i].backing);
    snprintf(si->pools[0].id, sizeof(si->pools[0].id), "%09" PRIx64, (uint64_t)(pl.id & 0xfffffffffull));
    si->pools[0].lus = *n;
    si->n_pools = 1;
}

static void usage(struct xviosd *d, struct xvios_storage_info *si)
{
    struct xvios_db_vtd *v = NULL;
    unsigned n = 0;

    if (xvios_db_vtd_list(d->plat, XVIOS_TX_NONE, &v, &n) < 0) {
        free(v);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        struct xvios_si_use *u;
        if (si->n_uses == XVIOS_SI_MAX_USES) {
            si->truncated = true;
            break;
        }
        u = &si->uses[si->n_uses++];
        u->client = v[i].client;
        u->h = v[i].vhost, u->c = v[i].chn, u->t = v[i].tgt, u->l = v[i].lun;
        u->node = v[i].node;
        u->read_only = v[i].read_only;
        snprintf(u->pool_lu, sizeof(u->pool_lu), "%s", v[i].pool_lu[0] ? v[i].pool_lu : "-");
        snprintf(u->path, sizeof(u->path), "%s", v[i].lu);
    }
    free(v);
}

int viod_storage_format(struct xviosd *d, char *out, size_t cap, size_t *len)
{
    struct xvios_storage_info *si = calloc(1, sizeof(*si));
    struct xvios_db_lu *lus = NULL;
    unsigned nl = 0;
    int rc;

    *len = 0;
    if (!si)
        return -ENOMEM;
    si->node = d->self_node;
    snprintf(si->vios, sizeof(si->vios), "%s", d->self_name[0] ? d->self_name : "-");
    if (d->plat) {   /* no store (yet): the report names this node and nothing else */
        served(d, si);
        pool(d, si, &lus, &nl);
    }
    for (unsigned i = 0; i < si->n_backings; i++)
        probe(&si->backings[i]);
    /* a path LU's size is its backing's; a pool LU counts as reachable when its region fits its backing */
    for (unsigned i = 0; i < si->n_lus; i++)
        for (unsigned k = 0; k < si->n_backings && !strcmp(si->lus[i].name, "-"); k++)
            if (!strcmp(si->backings[k].path, si->lus[i].path))
                si->lus[i].size = si->backings[k].size;
    for (unsigned i = 0; i < nl; i++)
        for (unsigned k = 0; k < si->n_backings; k++)
            if (!strcmp(si->backings[k].path, lus[i].backing) && si->backings[k].state == XVIOS_SI_OK &&
                lus[i].offset + lus[i].size <= si->backings[k].size)
                si->pools[0].reachable++;
    free(lus);
    if (d->plat)
        usage(d, si);
    rc = xvios_storage_info_encode(si, out, cap, len);
    if (rc < 0)
        XLOG_WARN("storage report: cannot encode: %s", strerror(-rc));
    free(si);
    return rc;
}
