/* SPDX-License-Identifier: MIT */
/*
 * vscsi_engine.c - the engine as a guest of the event loop: one watch on
 * /local/domain/<self>/backend/vscsi (through the watch multiplexer), one
 * on each vhost's frontend state, the vhosts found there (created when their
 * directory appears, freed when it is gone and nothing is in flight), and a
 * kick timer that runs at the end of a turn: pushes the responses written
 * during the turn (one notification per ring at most), continues rings that
 * had more requests than their budget or waited for a free slot, finishes
 * Closing once a ring drained, and frees LUs nobody maps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/vscsi/vscsi_int.h"
#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/parse.h"

bool vscsi_kernel_backend_loaded(const char *sysfs_root)
{
    char path[512];
    struct stat st;

    snprintf(path, sizeof(path), "%s/module/xen_scsiback", sysfs_root ? sysfs_root : "/sys");
    return stat(path, &st) == 0;
}

static void stats_add(struct vscsi_vhost_stats *to, const struct vscsi_vhost_stats *from)
{
    to->requests += from->requests;
    to->responses += from->responses;
    for (unsigned i = 0; i < VSCSI_REQ_ERR_COUNT; i++)
        to->bad[i] += from->bad[i];
    to->no_connect += from->no_connect;
    to->grant_errors += from->grant_errors;
    to->rqid_reuse += from->rqid_reuse;
    to->tmf += from->tmf;
}

static void vhost_free(struct vscsi_vhost *vh)
{
    struct vscsi_engine *e = vh->eng;
    char path[VSCSI_PATH_MAX + 8];

    vscsi_ring_disconnect(vh);
    vscsi_login_dispose(vh);
    if (vh->fe_watched) {
        snprintf(path, sizeof(path), "%s/state", vh->fe_path);
        xvios_watchmux_remove(e->mux, path, vh->fe_token);
    }
    vscsi_lun_del_all(vh);
    stats_add(&e->gone, &vh->st);
    XLOG_INFO("vhost %u/%u: gone", vh->fe_domid, vh->devid);
    free(vh);
}

static struct vscsi_vhost *vhost_find(struct vscsi_engine *e, uint32_t fe, uint32_t devid)
{
    for (struct vscsi_vhost *vh = e->vhosts; vh; vh = vh->next)
        if (vh->fe_domid == fe && vh->devid == devid)
            return vh;
    return NULL;
}

static struct vscsi_vhost *vhost_get(struct vscsi_engine *e, uint32_t fe, uint32_t devid)
{
    struct vscsi_vhost *vh = vhost_find(e, fe, devid);

    if (vh)
        return vh;
    vh = calloc(1, sizeof(*vh));
    if (!vh)
        return NULL;
    vh->eng = e;
    vh->fe_domid = fe;
    vh->devid = devid;
    vh->fe_handled = -1;
    vh->be_switched = -1;
    snprintf(vh->be_path, sizeof(vh->be_path), "%s/%u/%u", e->base, fe, devid);
    snprintf(vh->fe_token, sizeof(vh->fe_token), "vscsi-fe-%u-%u", fe, devid);
    vscsi_login_init(vh);   /* the nexus until the client logged in */
    for (unsigned i = 0; i < VSCSI_RING_SLOTS; i++)
        vh->slots[i].vh = vh;
    vh->next = e->vhosts;
    e->vhosts = vh;
    XLOG_INFO("vhost %u/%u: found", fe, devid);
    return vh;
}

/* List base/<client>/<vhost>: new vhosts are created, every known one re-checked. */
static void rescan(struct vscsi_engine *e)
{
    char **clients = NULL, **vhs = NULL, dir[VSCSI_PATH_MAX + 16];
    unsigned nc = 0, nv = 0;

    if (xvios_store_list(e->plat, XVIOS_TX_NONE, e->base, &clients, &nc) < 0)
        nc = 0;
    for (unsigned i = 0; i < nc; i++) {
        uint32_t fe, devid;

        if (xvios_parse_domid(clients[i], &fe) == 0 && fe != e->self) {
            snprintf(dir, sizeof(dir), "%s/%s", e->base, clients[i]);
            if (xvios_store_list(e->plat, XVIOS_TX_NONE, dir, &vhs, &nv) < 0)
                nv = 0;
            for (unsigned k = 0; k < nv; k++) {
                struct vscsi_vhost *vh;

                if (xvios_parse_u32_canon(vhs[k], 65535, &devid) == 0 && (vh = vhost_get(e, fe, devid)))
                    vh->dirty = true;
                free(vhs[k]);
            }
            free(vhs);
            vhs = NULL;
        }
        free(clients[i]);
    }
    free(clients);
    for (struct vscsi_vhost *vh = e->vhosts; vh; vh = vh->next)
        vh->dirty = true;
}

/* An event below base: mark the vhost it names (a new one is created), or rescan. */
static void base_event(struct vscsi_engine *e, const char *path)
{
    size_t bl = strlen(e->base);
    char comp[2][16];
    const char *p = path + bl;
    uint32_t fe, devid;
    struct vscsi_vhost *vh;

    if (strncmp(path, e->base, bl) || (p[0] != '/' && p[0] != '\0'))
        return;
    for (unsigned i = 0; i < 2; i++) {
        size_t l;

        if (*p != '/') {
            rescan(e);
            return;
        }
        p++;
        l = strcspn(p, "/");
        if (l == 0 || l >= sizeof(comp[i])) {
            rescan(e);
            return;
        }
        memcpy(comp[i], p, l);
        comp[i][l] = '\0';
        p += l;
    }
    if (xvios_parse_domid(comp[0], &fe) < 0 || fe == e->self || xvios_parse_u32_canon(comp[1], 65535, &devid) < 0)
        return;
    vh = vhost_get(e, fe, devid);
    if (vh)
        vh->dirty = true;
}

static void reconcile_dirty(struct vscsi_engine *e)
{
    for (struct vscsi_vhost **pp = &e->vhosts; *pp;) {
        struct vscsi_vhost *vh = *pp;

        if (vh->dirty)
            vscsi_xs_reconcile(vh);
        if (vh->removing && vh->in_flight == 0) {
            *pp = vh->next;
            vhost_free(vh);
            continue;
        }
        pp = &vh->next;
    }
}

static void base_watch_cb(void *arg, const struct xvios_watch_event *ev, unsigned n)
{
    struct vscsi_engine *e = arg;

    for (unsigned i = 0; i < n; i++)
        base_event(e, ev[i].path);
    reconcile_dirty(e);
}

static void on_fe_watch(void *arg, const struct xvios_watch_event *ev, unsigned n)
{
    struct vscsi_engine *e = arg;

    for (unsigned i = 0; i < n; i++)
        for (struct vscsi_vhost *vh = e->vhosts; vh; vh = vh->next)
            if (strcmp(vh->fe_token, ev[i].token) == 0)
                vh->dirty = true;
    reconcile_dirty(e);
}

static void on_kick(struct xvios_ev_timer *t, void *arg)
{
    struct vscsi_engine *e = arg;

    (void)t;
    for (struct vscsi_vhost *vh = e->vhosts; vh; vh = vh->next) {
        if (vh->more_work)
            vscsi_ring_service(vh);
        vscsi_ring_push(vh);
        if (vh->in_flight == 0 && (vh->quiesce || vh->removing))
            vh->dirty = true;           /* Closing (or removal) waited for this */
    }
    reconcile_dirty(e);
    vscsi_lu_reap(e);
}

int vscsi_engine_create(const struct vscsi_engine_config *cfg, struct vscsi_engine **out)
{
    struct vscsi_engine *e;
    int rc;

    *out = NULL;
    if (!cfg || !cfg->plat || !cfg->loop || !cfg->watches)
        return -EINVAL;
    e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->plat = cfg->plat;
    e->loop = cfg->loop;
    e->mux = cfg->watches;
    e->prsync = cfg->prsync;
    e->dsa = cfg->dsa;
    e->cke = cfg->cke;
    rc = xvios_plat_self_domid(e->plat, &e->self);
    if (rc < 0)
        goto out;
    e->port_id = e->self ? (uint16_t)e->self : 1;   /* relative target port: 1..65535, one per VIOS */
    if (cfg->rundir && snprintf(e->rundir, sizeof(e->rundir), "%s", cfg->rundir) >= (int)sizeof(e->rundir)) {
        rc = -ENAMETOOLONG;
        goto out;
    }
    e->login_timeout_ms = cfg->login_timeout_ms ? cfg->login_timeout_ms : VSCSI_LOGIN_TIMEOUT_MS;
    snprintf(e->base, sizeof(e->base), "/local/domain/%u/backend/vscsi", e->self);
    snprintf(e->token, sizeof(e->token), "vscsi-be-%u", e->self);
    e->fe_watch_cb = on_fe_watch;
    rc = xvios_evloop_timer_add(e->loop, on_kick, e, &e->kick);
    if (rc < 0)
        goto out;
    rc = xvios_watchmux_add(e->mux, e->base, e->token, base_watch_cb, e);
    if (rc < 0) {
        XLOG_ERR("vSCSI: cannot watch %s: %s", e->base, strerror(-rc));
        goto out;
    }
    if ((rc = vscsi_grow_watch(e)) < 0) {
        XLOG_ERR("vSCSI: cannot watch the pool: %s", strerror(-rc));
        xvios_watchmux_remove(e->mux, e->base, e->token);
        goto out;
    }
    XLOG_INFO("vSCSI engine serving %s (feature-sg-grant %u, %u requests per ring)", e->base, VSCSI_SG_GRANT_MAX,
              VSCSI_RING_SLOTS);
    *out = e;
    return 0;
out:
    xvios_evloop_timer_remove(e->kick);
    free(e);
    return rc;
}

void vscsi_engine_destroy(struct vscsi_engine *e)
{
    if (!e)
        return;
    e->destroying = true;
    vscsi_grow_unwatch(e);
    xvios_watchmux_remove(e->mux, e->base, e->token);
    vscsi_lu_close_all(e);              /* every command in flight completes and is answered */
    for (struct vscsi_vhost *vh = e->vhosts; vh; vh = vh->next)
        vscsi_ring_push(vh);
    while (e->vhosts) {
        struct vscsi_vhost *vh = e->vhosts;

        e->vhosts = vh->next;
        vhost_free(vh);
    }
    vscsi_lu_reap(e);
    if (e->lus)
        XLOG_ERR("vSCSI: LUs still referenced at teardown");
    xvios_evloop_timer_remove(e->kick);
    free(e);
}

void vscsi_engine_drop_cke(struct vscsi_engine *e)
{
    if (e)
        e->cke = NULL;
}

void vscsi_engine_get_stats(const struct vscsi_engine *e, struct vscsi_engine_stats *out)
{
    struct vscsi_vhost_stats s = e->gone;

    memset(out, 0, sizeof(*out));
    for (const struct vscsi_vhost *vh = e->vhosts; vh; vh = vh->next) {
        stats_add(&s, &vh->st);
        out->vhosts++;
        out->connected += vh->connected;
    }
    out->requests = s.requests;
    out->responses = s.responses;
    for (unsigned i = 1; i < VSCSI_REQ_ERR_COUNT; i++)
        out->bad_requests += s.bad[i];
    out->no_connect = s.no_connect;
    out->grant_errors = s.grant_errors;
    out->rqid_reuse = s.rqid_reuse;
    out->ring_errors = e->ring_errors;
    out->tmf = s.tmf;
}
