/* SPDX-License-Identifier: MIT */
/*
 * self_rebuild.c - a VIOS rebuilding its backend configuration from the
 * cluster DB alone when its daemon starts (docs/vscsi.md, "Rebuilding a
 * VIOS"): every vhost the VTD table says this node serves and whose backend
 * dir is gone (the VIOS was reinstalled, its store entries wiped) is
 * written again from the table's records, with the permissions dom0 gives
 * a backend dir (this VIOS owner, the client READ); the engine then serves
 * it as any new vhost. Only what this VIOS may write: its own backend
 * dirs. A vhost is rebuilt only when
 *
 *   - the client's frontend dir is still there and names this backend
 *     (backend-id and backend): dom0 made it for this client; a new or
 *     removed frontend dir is dom0's to write (`xvios scsi rebuild`);
 *   - that frontend is not engaged with the vanished backend: its state is
 *     Initialising (1), Closed (6), Unknown or absent (removing or reusing
 *     a vhost under a connected frontend is what the dom0 rebuild refuses
 *     too);
 *   - the domain is the client the mapping was made for, where this VIOS
 *     can ask the platform (a uuid that differs: refused, logged).
 *
 * A vhost whose backend dir exists is left alone (in place, or being
 * changed by dom0). A pool LU that is no longer in the pool is left out
 * (logged). Values read from the frontend dir are the client's: they only
 * decide whether to write, never what is written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhost_nodes.h"
#include "xviosd.h"
#include "xvios/db_lu.h"
#include "xvios/db_vtd.h"
#include "xvios/log.h"
#include "xvios/parse.h"

#define RB_PATH_MAX 192u

struct rebuild {
    struct xviosd *d;
    const struct xvios_db_vtd *v;   /* the vhost's records */
    unsigned n;
    unsigned written;               /* LUNs written */
};

static int read_small(xvios_plat *p, xvios_tx tx, const char *path, char *buf, size_t cap)
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

static int put(xvios_plat *p, xvios_tx tx, const char *dir, const char *key, const struct xvios_perm *perms,
               unsigned np, const char *val)
{
    char path[RB_PATH_MAX + 32];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, key), rc;

    if (n < 0 || (size_t)n >= sizeof(path))
        return -ENAMETOOLONG;
    rc = xvios_store_write(p, tx, path, val, strlen(val));
    return rc < 0 ? rc : xvios_store_set_perms(p, tx, path, perms, np);
}

/* A directory in this VIOS's home with perms (made, or its perms set). */
static int put_dir(xvios_plat *p, xvios_tx tx, const char *path, const struct xvios_perm *perms, unsigned np)
{
    int rc = xvios_store_mkdir(p, tx, path);

    if (rc < 0 && rc != -EEXIST)
        return rc;
    return xvios_store_set_perms(p, tx, path, perms, np);
}

/* A parent made with the owner alone (left as it is when it exists). */
static int make_own(xvios_plat *p, xvios_tx tx, const char *path, const struct xvios_perm *own)
{
    int rc = xvios_store_mkdir(p, tx, path);

    if (rc == -EEXIST)
        return 0;
    return rc < 0 ? rc : xvios_store_set_perms(p, tx, path, own, 1);
}

static int write_body(xvios_tx tx, void *arg)
{
    struct rebuild *r = arg;
    struct xviosd *d = r->d;
    const struct xvios_db_vtd *v = &r->v[0];
    const struct xvios_perm own[1] = { { d->self_domid, XVIOS_PERM_NONE } };
    const struct xvios_perm be[2] = { { d->self_domid, XVIOS_PERM_NONE }, { v->client, XVIOS_PERM_READ } };
    char home[64], top[64], cl[80], b[96], fe[80], val[16];
    int rc;

    r->written = 0;
    snprintf(top, sizeof(top), "/local/domain/%u/backend/vscsi", d->self_domid);
    snprintf(cl, sizeof(cl), "%s/%u", top, v->client);
    snprintf(b, sizeof(b), "%s/%u", cl, v->vhost);
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vscsi/%u", v->client, v->vhost);
    snprintf(val, sizeof(val), "%u", v->client);
    /* the parents dom0 would make: this VIOS's, nobody else's */
    snprintf(home, sizeof(home), "/local/domain/%u/backend", d->self_domid);
    if ((rc = make_own(d->plat, tx, home, own)) < 0 || (rc = make_own(d->plat, tx, top, own)) < 0 ||
        (rc = make_own(d->plat, tx, cl, own)) < 0)
        return rc;
    if ((rc = put_dir(d->plat, tx, b, be, 2)) < 0)
        return rc;
    if ((v->client_uuid[0] && (rc = put(d->plat, tx, b, "xvios-client-uuid", be, 2, v->client_uuid)) < 0) ||
        (v->client_name[0] && (rc = put(d->plat, tx, b, "xvios-client-name", be, 2, v->client_name)) < 0) ||
        (rc = put(d->plat, tx, b, "frontend", be, 2, fe)) < 0 ||
        (rc = put(d->plat, tx, b, "frontend-id", be, 2, val)) < 0 ||
        (rc = put(d->plat, tx, b, "online", be, 2, "1")) < 0 ||
        (rc = put(d->plat, tx, b, "feature-host", be, 2, "0")) < 0 ||
        (rc = put(d->plat, tx, b, "state", be, 2, "1")) < 0)
        return rc;
    for (unsigned i = 0; i < r->n; i++) {
        struct xvios_db_lu pool;
        const struct xvios_db_lu *pl = NULL;

        if (r->v[i].pool_lu[0]) {
            rc = xvios_db_lu_get(d->plat, tx, r->v[i].pool_lu, &pool);
            if (rc == -ENOENT || (rc == 0 && strcmp(pool.backing, r->v[i].lu))) {
                XLOG_WARN("rebuild: %u:%u:%u:%u of domain %u: pool LU %s is gone or moved: left out", r->v[i].vhost,
                          r->v[i].chn, r->v[i].tgt, r->v[i].lun, r->v[i].client, r->v[i].pool_lu);
                continue;
            }
            if (rc < 0)
                return rc;
            pl = &pool;
        }
        if ((rc = viod_vh_write_dev(d, tx, &r->v[i], r->written, pl)) < 0)
            return rc;
        r->written++;
    }
    return r->written ? 0 : -ENODATA;
}

static int write_vhost(struct rebuild *r)
{
    for (unsigned attempt = 0; attempt < XVIOS_DB_TX_RETRIES; attempt++) {
        xvios_tx tx;
        int rc = xvios_store_tx_start(r->d->plat, &tx);

        if (rc < 0)
            return rc;
        rc = write_body(tx, r);
        if (rc < 0) {
            xvios_store_tx_end(r->d->plat, tx, false);
            if (rc == -EAGAIN)
                continue;
            return rc;
        }
        rc = xvios_store_tx_end(r->d->plat, tx, true);
        if (rc != -EAGAIN)
            return rc;
    }
    return -EAGAIN;
}

/* Why the vhost of records v[0..n) is not to be rebuilt by this VIOS ("" when it is). */
static void check_vhost(struct xviosd *d, const struct xvios_db_vtd *v, char *why, size_t cap)
{
    char b[RB_PATH_MAX], fe[RB_PATH_MAX], path[RB_PATH_MAX + 32], untrusted[RB_PATH_MAX];
    struct xvios_dominfo info;
    uint32_t id, st = 0;
    int rc;

    why[0] = '\0';
    snprintf(b, sizeof(b), "/local/domain/%u/backend/vscsi/%u/%u", d->self_domid, v->client, v->vhost);
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vscsi/%u", v->client, v->vhost);
    snprintf(path, sizeof(path), "%s/frontend-id", b);
    rc = read_small(d->plat, XVIOS_TX_NONE, path, untrusted, sizeof(untrusted));
    if (rc != -ENOENT) {
        snprintf(why, cap, "in place");
        return;
    }
    snprintf(path, sizeof(path), "%s/backend-id", fe);
    if (read_small(d->plat, XVIOS_TX_NONE, path, untrusted, sizeof(untrusted)) < 0 ||
        xvios_parse_u32_canon(untrusted, XVIOS_VTD_DOMID_MAX, &id) < 0 || id != d->self_domid) {
        snprintf(why, cap, "no frontend dir %s naming this VIOS: a new vhost needs dom0 (xvios scsi rebuild)", fe);
        return;
    }
    snprintf(path, sizeof(path), "%s/backend", fe);
    if (read_small(d->plat, XVIOS_TX_NONE, path, untrusted, sizeof(untrusted)) < 0 || strcmp(untrusted, b)) {
        snprintf(why, cap, "%s names another backend", fe);
        return;
    }
    snprintf(path, sizeof(path), "%s/state", fe);
    if (read_small(d->plat, XVIOS_TX_NONE, path, untrusted, sizeof(untrusted)) == 0 &&
        xvios_parse_u32_canon(untrusted, 8, &st) == 0 && st != 0 && st != 1 && st != 6) {
        snprintf(why, cap, "the client's frontend is still in state %u: it must let go of the vanished vhost "
                 "(close it) first", st);
        return;
    }
    if (v->client_uuid[0] && xvios_plat_domain_info(d->plat, v->client, &info) == 0 && info.uuid[0] &&
        strcasecmp(info.uuid, v->client_uuid)) {
        snprintf(why, cap, "domain %u is no longer the client the mapping was made for (another uuid)", v->client);
        return;
    }
}

int viod_self_rebuild(struct xviosd *d)
{
    struct xvios_db_vtd *v = NULL;
    unsigned n = 0, vhosts = 0, rebuilt = 0, luns = 0, skipped = 0;
    int rc = xvios_db_vtd_list(d->plat, XVIOS_TX_NONE, &v, &n);

    if (rc < 0) {
        if (rc != -ENOENT)
            XLOG_WARN("rebuild: cannot read the VTD table: %s", strerror(-rc));
        free(v);
        return rc;
    }
    /* the records come sorted by client, vhost, ...: one run per vhost of this node */
    for (unsigned i = 0; i < n;) {
        unsigned j = i, k = 0;
        struct xvios_db_vtd *mine;
        char why[XVIOS_VIO_SENTENCE_MAX];

        while (j < n && v[j].client == v[i].client && v[j].vhost == v[i].vhost)
            j++;
        mine = calloc(j - i, sizeof(*mine));
        if (!mine) {
            rc = -ENOMEM;
            break;
        }
        for (unsigned x = i; x < j; x++)
            if (v[x].node == d->self_node && v[x].state == XVIOS_VTD_SERVED)   /* not a multi-host step's */
                mine[k++] = v[x];
        if (k) {
            vhosts++;
            check_vhost(d, &mine[0], why, sizeof(why));
            if (!why[0]) {
                struct rebuild r = { .d = d, .v = mine, .n = k };
                int w = write_vhost(&r);
                if (w == 0) {
                    rebuilt++;
                    luns += r.written;
                    XLOG_INFO("rebuild: vhost %u of domain %u written again from the VTD table (%u LUN(s))",
                              mine[0].vhost, mine[0].client, r.written);
                } else {
                    skipped++;
                    XLOG_WARN("rebuild: vhost %u of domain %u: %s", mine[0].vhost, mine[0].client,
                              w == -ENODATA ? "none of its LUNs can be served" : strerror(-w));
                }
            } else if (strcmp(why, "in place")) {
                skipped++;
                XLOG_WARN("rebuild: vhost %u of domain %u not rebuilt: %s", mine[0].vhost, mine[0].client, why);
            }
        }
        free(mine);
        i = j;
    }
    free(v);
    XLOG_INFO("rebuild: node %u: %u vhost(s) recorded, %u rebuilt (%u LUN(s)), %u not rebuilt", d->self_node, vhosts,
              rebuilt, luns, skipped);
    return rc < 0 ? rc : (int)rebuilt;
}
