/* SPDX-License-Identifier: MIT */
/*
 * vscsi_detach.c - `xvios scsi detach`: hot-remove one LUN through
 * Reconfiguring (dev-N 5 + backend 7, wait for dev-N 6 and the backend
 * back at 4, then remove dev-N's nodes); the last LUN of a vhost takes the
 * whole vhost down (backend 5, wait for 6, remove both dirs). When nobody
 * is there to answer (the client is not running, or never connected), the
 * nodes are removed at once (docs/vscsi.md, "Detaching"). On a multi-host
 * cluster the VTD record is marked detaching before and removed after, in
 * the replicated DB (vscsi_mh.c).
 */
#include <errno.h>
#include <string.h>

#include "toolstack/vscsi_cmd.h"
#include "toolstack/vscsi_wait.h"
#include "xvios/clock.h"
#include "xvios/db_vtd.h"

enum step {
    STEP_REMOVE_DEV,     /* remove dev-N now */
    STEP_REMOVE_VHOST,   /* remove both dirs now */
    STEP_HOT_REMOVE,     /* dev-N 5 + backend 7, then wait */
    STEP_CLOSE,          /* backend 5, then wait */
    STEP_RECORD_ONLY,    /* the nodes are gone (a wiped VIOS): only the VTD record is left, removed now */
};

struct target {
    uint32_t vios, client, vhost, index;
    enum step step;
};

/* Are the client and the VIOS serving the vhost both running? */
static bool both_running(struct vscsi_ctx *ctx, const struct vscsi_vhost *vh)
{
    const struct xvios_db_node *n = vscsi_member_by_domid(ctx, vh->vios);
    struct xvios_dominfo info;

    if (xvios_plat_domain_info(ctx->p, vh->client, &info) < 0 || !info.alive)
        return false;
    return n && vscsi_member_alive(ctx, n);
}

/* Both ends must answer for a handshake: both running, and a frontend that got past Initialising. */
static bool can_answer(struct vscsi_ctx *ctx, const struct vscsi_vhost *vh)
{
    return both_running(ctx, vh) && vh->fe_state >= VSCSI_ST_INITIALISED && vh->fe_state != VSCSI_ST_CLOSED;
}

/* The mapping's VTD record in the transaction; -ENOENT is no error (none was recorded). */
static int drop_record(struct vscsi_ctx *ctx, xvios_tx tx, uint32_t client, const struct vscsi_vdev *vdev)
{
    int rc;

    if (ctx->mh_host)
        return 0;   /* multi-host: the replicated DB's record is removed after this host's nodes (vscsi_mh.c) */
    rc = xvios_db_vtd_remove(ctx->p, tx, client, vdev->host, vdev->chn, vdev->tgt, vdev->lun);

    return rc == -ENOENT ? 0 : rc;
}

/* No such LUN in the nodes: a VTD record left (its VIOS's nodes were wiped) is removed; else NO_VDEV. */
static int record_only(struct vscsi_ctx *ctx, xvios_tx tx, const struct vscsi_vdev *vdev, struct target *t,
                       bool no_vhost)
{
    struct xvios_db_vtd rec;
    char name[32];
    int rc = ctx->mh_host ? (ctx->mh_record ? 0 : -ENOENT)   /* step 1 read the replicated record */
                          : xvios_db_vtd_get(ctx->p, tx, t->client, vdev->host, vdev->chn, vdev->tgt, vdev->lun, &rec);

    vscsi_vdev_format(vdev, name, sizeof(name));
    if (rc == -ENOENT || rc == -EINVAL) {
        if (no_vhost)
            return -vscsi_say(VSCSI_EXIT_NO_VDEV, "domain %u has no vhost %u", t->client, vdev->host);
        return -vscsi_say(VSCSI_EXIT_NO_VDEV, "domain %u has no LUN %s", t->client, name);
    }
    if (rc < 0 && rc != -EIO)
        return -rc;
    t->step = STEP_RECORD_ONLY;
    return -drop_record(ctx, tx, t->client, vdev);   /* a malformed record goes too: it names this mapping */
}

/* One transaction: decide the step from what the nodes say now and write its first part. > 0 errno; < 0 -exit. */
static int start(struct vscsi_ctx *ctx, xvios_tx tx, const struct vscsi_vdev *vdev, struct target *t)
{
    struct vscsi_vhost vh;
    const struct vscsi_dev *d;
    char name[32];
    int rc = vscsi_find_vhost(ctx, tx, t->client, vdev->host, &vh);

    vscsi_vdev_format(vdev, name, sizeof(name));
    if (rc == -ENOENT)
        return record_only(ctx, tx, vdev, t, true);
    if (rc < 0)
        return -rc;
    d = vscsi_vhost_find_lun(&vh, vdev);
    if (!d) {
        vscsi_vhost_free(&vh);
        return record_only(ctx, tx, vdev, t, false);
    }
    t->vios = vh.vios;
    t->vhost = vh.vhost;
    t->index = d->index;
    if (!can_answer(ctx, &vh))
        t->step = vh.n_devs == 1 ? STEP_REMOVE_VHOST : STEP_REMOVE_DEV;
    else if (vh.n_devs == 1)
        t->step = STEP_CLOSE;
    else if (vh.be_state == VSCSI_ST_CONNECTED)
        t->step = STEP_HOT_REMOVE;
    else if (vh.be_state == VSCSI_ST_INITIALISING || vh.be_state == VSCSI_ST_INITWAIT)
        t->step = STEP_REMOVE_DEV;  /* not connected yet: the frontend has no LUN to let go of */
    else
        rc = -vscsi_say(XVIOS_EXIT_REFUSED, "vhost %u of domain %u is busy (backend %s); try again", vh.vhost,
                        t->client, vscsi_state_name(vh.be_state));
    vscsi_vhost_free(&vh);
    if (rc < 0)
        return rc;
    switch (t->step) {
    case STEP_REMOVE_DEV:
        rc = vscsi_remove_dev(ctx->p, tx, t->vios, t->client, t->vhost, t->index);
        if (rc == 0)
            rc = drop_record(ctx, tx, t->client, vdev);
        break;
    case STEP_REMOVE_VHOST:
        rc = vscsi_remove_vhost(ctx->p, tx, t->vios, t->client, t->vhost);
        if (rc == 0)
            rc = drop_record(ctx, tx, t->client, vdev);
        break;
    case STEP_RECORD_ONLY:
        break;
    case STEP_HOT_REMOVE:
        rc = vscsi_write_dev_state(ctx->p, tx, t->vios, t->client, t->vhost, t->index, VSCSI_ST_CLOSING);
        if (rc == 0)
            rc = vscsi_write_be_state(ctx->p, tx, t->vios, t->client, t->vhost, VSCSI_ST_RECONFIGURING);
        break;
    case STEP_CLOSE:
        rc = vscsi_write_online(ctx->p, tx, t->vios, t->client, t->vhost, false);
        if (rc == 0)
            rc = vscsi_write_be_state(ctx->p, tx, t->vios, t->client, t->vhost, VSCSI_ST_CLOSING);
        break;
    }
    return -rc;
}

/* Run fn(ctx, tx, ...) in a transaction with the EAGAIN retry: 0, > 0 errno, < 0 -exit. */
static int in_tx(struct vscsi_ctx *ctx, const struct vscsi_vdev *vdev, struct target *t, bool finish)
{
    for (unsigned attempt = 0; attempt < XVIOS_DB_TX_RETRIES; attempt++) {
        xvios_tx tx;
        int rc = xvios_store_tx_start(ctx->p, &tx);

        if (rc < 0)
            return -rc;
        if (finish) {
            rc = t->step == STEP_CLOSE ? vscsi_remove_vhost(ctx->p, tx, t->vios, t->client, t->vhost)
                                       : vscsi_remove_dev(ctx->p, tx, t->vios, t->client, t->vhost, t->index);
            rc = -(rc < 0 ? rc : drop_record(ctx, tx, t->client, vdev));
        } else
            rc = start(ctx, tx, vdev, t);
        if (rc != 0) {
            xvios_store_tx_end(ctx->p, tx, false);
            if (rc == EAGAIN)
                continue;
            return rc;
        }
        rc = xvios_store_tx_end(ctx->p, tx, true);
        if (rc != -EAGAIN)
            return -rc;
    }
    return EAGAIN;
}

struct watch {
    struct vscsi_ctx *ctx;
    const struct target *t;
    int last[3];
};

static int check_removed(xvios_plat *p, void *arg)
{
    struct watch *w = arg;
    const struct target *t = w->t;
    struct vscsi_vhost vh;
    int st[3] = {VSCSI_ST_ABSENT, VSCSI_ST_ABSENT, VSCSI_ST_ABSENT}, rc;

    if (vscsi_vhost_read(p, XVIOS_TX_NONE, t->vios, t->client, t->vhost, &vh) < 0)
        return 1;   /* the nodes are gone: nothing is left to wait for */
    st[0] = vh.be_state;
    st[1] = vh.fe_state;
    for (unsigned i = 0; i < vh.n_devs; i++)
        if (vh.devs[i].index == t->index)
            st[2] = vh.devs[i].be_state;
    if (memcmp(st, w->last, sizeof(st))) {
        fprintf(stderr, "xvios scsi: waiting: backend %s, frontend %s, LUN backend %s\n", vscsi_state_name(st[0]),
                vscsi_state_name(st[1]), vscsi_state_name(st[2]));
        memcpy(w->last, st, sizeof(st));
    }
    if (t->step == STEP_CLOSE)
        rc = st[0] == VSCSI_ST_CLOSED;
    else
        rc = st[2] == VSCSI_ST_CLOSED && st[0] == VSCSI_ST_CONNECTED;
    if (!rc && !both_running(w->ctx, &vh))
        rc = 2;     /* an end went away: nobody can answer any more, remove the nodes */
    vscsi_vhost_free(&vh);
    return rc;
}

static int detach_nodes(struct vscsi_ctx *ctx, uint32_t client, const struct vscsi_vdev *vdev, uint32_t timeout_ms)
{
    struct target t = {.client = client};
    struct watch w = {.ctx = ctx, .t = &t, .last = {-2, -2, -2}};
    char name[32], be[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX];
    struct timespec deadline;
    int rc;

    vscsi_vdev_format(vdev, name, sizeof(name));
    rc = in_tx(ctx, vdev, &t, false);
    if (rc < 0)
        return -rc;
    if (rc > 0)
        return vscsi_say(XVIOS_EXIT_ERROR, "writing the nodes: %s", strerror(rc));
    if (t.step == STEP_RECORD_ONLY) {
        if (!ctx->quiet)
            printf("detached %s from domain %u (its VIOS's nodes were gone: the DB's VTD record removed)\n", name,
                   client);
        return XVIOS_EXIT_OK;
    }
    if (t.step == STEP_REMOVE_DEV || t.step == STEP_REMOVE_VHOST) {
        if (!ctx->quiet)
            printf("detached %s from domain %u (nobody to hand it over to: %s removed)\n", name, client,
                   t.step == STEP_REMOVE_VHOST ? "the vhost's nodes" : "the LUN's nodes");
        return XVIOS_EXIT_OK;
    }
    fprintf(stderr, "xvios scsi: %s %s of domain %u\n", t.step == STEP_CLOSE ? "closing the vhost of" : "hot-removing",
            name, client);
    if (vscsi_be_path(t.vios, client, t.vhost, be, sizeof(be)) < 0 || vscsi_fe_path(client, t.vhost, fe, sizeof(fe)) < 0)
        return vscsi_say(XVIOS_EXIT_ERROR, "path too long");
    deadline = xvios_deadline_ms(timeout_ms);
    rc = vscsi_wait(ctx->p, be, fe, &deadline, check_removed, &w);
    if (rc == -ETIMEDOUT)
        return vscsi_say(XVIOS_EXIT_TIMEOUT, "domain %u did not let go of %s within %u ms; its nodes are left in "
                                             "place (run detach again, or after the domain is gone)",
                         client, name, timeout_ms);
    if (rc < 0)
        return vscsi_say(XVIOS_EXIT_ERROR, "waiting for the frontend: %s", strerror(-rc));
    rc = in_tx(ctx, vdev, &t, true);
    if (rc != 0)
        return vscsi_say(XVIOS_EXIT_ERROR, "removing the nodes: %s", strerror(rc > 0 ? rc : EIO));
    if (!ctx->quiet)
        printf("detached %s from domain %u\n", name, client);
    return XVIOS_EXIT_OK;
}

/* Multi-host: the record marked detaching, the nodes, the record removed; put back when the nodes stay. */
static int detach(struct vscsi_ctx *ctx, uint32_t client, const struct vscsi_vdev *vdev, uint32_t timeout_ms)
{
    struct xvios_db_vtd rec;
    int rc, end;

    if (!ctx->mh_host)
        return detach_nodes(ctx, client, vdev, timeout_ms);
    if ((rc = vscsi_mh_detach_begin(ctx, client, vdev, &rec)) != XVIOS_EXIT_OK)
        return rc;
    rc = detach_nodes(ctx, client, vdev, timeout_ms);
    end = vscsi_mh_detach_end(ctx, client, vdev, &rec, rc == XVIOS_EXIT_OK);
    return rc != XVIOS_EXIT_OK ? rc : end;
}

int vscsi_detach_domid(struct vscsi_ctx *ctx, uint32_t client, const struct vscsi_vdev *vdev, uint32_t timeout_ms)
{
    return detach(ctx, client, vdev, timeout_ms);
}

int vscsi_detach(struct vscsi_ctx *ctx, const char *client, const struct vscsi_vdev *vdev, uint32_t timeout_ms)
{
    uint32_t domid;
    int rc = vscsi_client_resolve(ctx, client, false, &domid, NULL, 0);

    return rc != XVIOS_EXIT_OK ? rc : detach(ctx, domid, vdev, timeout_ms);
}
