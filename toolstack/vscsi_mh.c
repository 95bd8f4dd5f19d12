/* SPDX-License-Identifier: MIT */
/*
 * vscsi_mh.c - `xvios --multihost C scsi attach` / `detach`: the steps in
 * the replicated DB around the per-host nodes (vscsi_cmd.h, docs/multihost.md
 * "scsi attach and detach across hosts").
 *
 * The VTD record lives under /xvios (replicated), the vhost's backend and
 * frontend nodes in this host's store; the split store refuses a transaction
 * that touches both (-EXDEV). So an attach is: (1) the record with state
 * attaching, in one replicated transaction with every check the DB can make;
 * (2) the nodes, in one transaction of this host's store (vscsi_attach.c);
 * (3) once the frontend has the LUN, the record rewritten complete. When (2)
 * or the wait fails, the nodes are removed and then the record. A detach
 * runs the mirror order: the record marked detaching, the nodes, the record
 * removed. A record left in a step (a CLI that died between them) is refused
 * by the next attach of that vdev and removed by a detach of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/cli_mhdb.h"
#include "xvios/db_vtd_step.h"
#include "toolstack/vscsi_cmd.h"

/* A replicated-DB transaction's failure as a line: the quorum case says what it means. */
static int db_fail(const char *what, int err)
{
    const char *why = cli_mhdb_why(-err);

    if (why)
        return vscsi_say(XVIOS_EXIT_REFUSED, "%s: %s", what, why);
    return vscsi_say(XVIOS_EXIT_ERROR, "%s: %s", what, strerror(err));
}

/* Does record r name the storage of the LU being attached (a pool LU by name, else the same path)? */
static bool same_storage(const struct xvios_db_vtd *r, const struct xvios_db_lu *pool, const char *lu)
{
    if (r->pool_lu[0] && pool)
        return !strcmp(r->pool_lu, pool->name);
    return !strcmp(r->lu, lu);
}

/* The checks and the record of step 1, in the replicated transaction. 0; > 0 an errno; < 0 minus an exit code. */
static int claim_in_tx(struct vscsi_ctx *ctx, xvios_tx tx, const struct vscsi_attach_req *req, const char *name,
                       struct vscsi_mh_claim *c)
{
    struct xvios_db_vtd *rec = &c->rec, old, *all = NULL;
    struct vscsi_new_dev dev = {.vdev = req->vdev, .lu = req->lu, .lu_name = req->lu, .readonly = req->readonly};
    char vdev[32];
    unsigned n = 0;
    int rc;

    vscsi_vdev_format(&req->vdev, vdev, sizeof(vdev));
    rc = xvios_db_vtd_get(ctx->p, tx, rec->client, rec->vhost, rec->chn, rec->tgt, rec->lun, &old);
    if (rc == 0 && old.state != XVIOS_VTD_SERVED)
        return -vscsi_say(XVIOS_EXIT_REFUSED, "the VTD record of domain %u's %s is left '%s' by a multi-host %s that "
                                              "did not finish (node %u; a CLI that stopped between its steps, or one "
                                              "running now); 'xvios --multihost C scsi detach %u %s' removes it",
                          rec->client, vdev, xvios_vtd_state_name(old.state),
                          old.state == XVIOS_VTD_ATTACHING ? "attach" : "detach", old.node, rec->client, vdev);
    if (rc == 0)
        return -vscsi_say(VSCSI_EXIT_VDEV_TAKEN, "domain %u has a LUN at %s already (node %u)", rec->client, vdev,
                          old.node);
    if (rc == -EIO)
        return -vscsi_say(XVIOS_EXIT_REFUSED, "the VTD record of domain %u's %s is damaged; 'xvios --multihost C scsi "
                                              "detach %u %s' removes it", rec->client, vdev, rec->client, vdev);
    if (rc != -ENOENT)
        return -rc;
    c->pool_ok = false;
    if (req->lu[0] != '/') {
        rc = xvios_db_lu_get(ctx->p, tx, req->lu, &c->pool);
        if (rc == -ENOENT)
            return -vscsi_say(VSCSI_EXIT_LU_UNKNOWN, "there is no LU '%s' in the pool (see 'xvios lu list')", req->lu);
        if (rc == -EIO)
            return -vscsi_say(XVIOS_EXIT_ERROR, "the pool's entry of LU '%s' is damaged", req->lu);
        if (rc < 0)
            return -rc;
        c->pool_ok = true;
        dev.pool = &c->pool;
        dev.lu = c->pool.backing;
        dev.readonly = req->readonly || c->pool.read_only;
    }
    if ((rc = vscsi_access_check(ctx->p, tx, &dev, rec->client, name, rec->client_uuid)) != 0)
        return rc;
    /* the LU in use anywhere in the cluster: the VTD table is the one view of every host's mappings */
    if ((rc = xvios_db_vtd_list(ctx->p, tx, &all, &n)) < 0)
        return -rc;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        const struct xvios_db_vtd *o = &all[i];

        if (!same_storage(o, dev.pool, dev.lu) || req->shared || (o->read_only && dev.readonly))
            continue;
        rc = -vscsi_say(VSCSI_EXIT_LU_BUSY, "LU %s is attached %s to domain %u as %u:%u:%u:%u (node %u, %s); attach it "
                                            "with --shared to share it", req->lu, o->read_only ? "read-only" : "read-write",
                        o->client, o->vhost, o->chn, o->tgt, o->lun, o->node, xvios_vtd_state_name(o->state));
    }
    free(all);
    if (rc != 0)
        return rc;
    snprintf(rec->lu, sizeof(rec->lu), "%s", dev.lu);
    if (dev.pool)
        snprintf(rec->pool_lu, sizeof(rec->pool_lu), "%s", dev.pool->name);
    rec->read_only = dev.readonly;
    rec->state = XVIOS_VTD_ATTACHING;
    return -xvios_db_vtd_put(ctx->p, tx, rec);
}

/* Run body in replicated transactions until it commits (EAGAIN retried): 0, > 0 errno, < 0 minus an exit code. */
static int in_db_tx(struct vscsi_ctx *ctx, int (*body)(struct vscsi_ctx *, xvios_tx, void *), void *arg)
{
    for (unsigned attempt = 0; attempt < XVIOS_DB_TX_RETRIES; attempt++) {
        xvios_tx tx;
        int rc = xvios_store_tx_start(ctx->p, &tx);

        if (rc < 0)
            return -rc;
        rc = body(ctx, tx, arg);
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

struct claim_arg {
    const struct vscsi_attach_req *req;
    const char *name;
    struct vscsi_mh_claim *c;
};

static int claim_body(struct vscsi_ctx *ctx, xvios_tx tx, void *arg)
{
    struct claim_arg *a = arg;

    return claim_in_tx(ctx, tx, a->req, a->name, a->c);
}

/* The host of a multi-host node id, and whether it is this one. */
static bool on_this_host(const struct vscsi_ctx *ctx, uint32_t node)
{
    return (node >> 8) == ctx->mh_host;
}

int vscsi_mh_claim(struct vscsi_ctx *ctx, const struct vscsi_attach_req *req, uint32_t client, const char *name,
                   const char *uuid, struct vscsi_mh_claim *out)
{
    const struct xvios_db_node *vios = NULL;
    struct vscsi_vhost vh;
    struct claim_arg a = {.req = req, .name = name, .c = out};
    int rc;

    memset(out, 0, sizeof(*out));
    if (req->vios_node && !on_this_host(ctx, req->vios_node))
        return vscsi_say(XVIOS_EXIT_REFUSED, "node %u is on host %u (corosync nodeid), not on this host (%u), where "
                                             "domain %u runs: a vscsi ring cannot cross hosts; choose a VIOS of this "
                                             "host, or attach in dom0 of node %u's host", req->vios_node,
                         req->vios_node >> 8, ctx->mh_host, client, req->vios_node);
    /* the VIOS the record names: the vhost's when this host's store has it, else the one asked or picked;
     * step 2 checks again in its own transaction that it is still so */
    rc = vscsi_find_vhost(ctx, XVIOS_TX_NONE, client, req->vdev.host, &vh);
    if (rc == 0) {
        vios = vscsi_member_by_domid(ctx, vh.vios);
        vscsi_vhost_free(&vh);
        if (vios && req->vios_node && vios->node != req->vios_node)
            return vscsi_say(XVIOS_EXIT_REFUSED, "vhost %u of domain %u is served by node %u; choose another host "
                                                 "number in VDEV for node %u", req->vdev.host, client, vios->node,
                             req->vios_node);
    } else if (rc != -ENOENT) {
        return vscsi_say(XVIOS_EXIT_ERROR, "reading domain %u's vhost %u: %s", client, req->vdev.host, strerror(-rc));
    }
    if (!vios && (rc = vscsi_pick_vios(ctx, req->vios_node, client, &vios)) != XVIOS_EXIT_OK)
        return rc;
    out->rec = (struct xvios_db_vtd){.client = client, .node = vios->node, .vhost = req->vdev.host,
                                     .chn = req->vdev.chn, .tgt = req->vdev.tgt, .lun = req->vdev.lun};
    snprintf(out->rec.client_name, sizeof(out->rec.client_name), "%s", name);
    snprintf(out->rec.client_uuid, sizeof(out->rec.client_uuid), "%s", uuid);
    rc = in_db_tx(ctx, claim_body, &a);
    if (rc < 0)
        return -rc;
    if (rc > 0)
        return db_fail("recording the mapping (state attaching) in the cluster DB", rc);
    return XVIOS_EXIT_OK;
}

struct rec_arg {
    const struct xvios_db_vtd *rec;   /* what the record must still be */
    enum xvios_vtd_state to;          /* its new state; or remove it */
    bool remove;
};

/* The record, if it is still what rec says (a detach or a new attach may have replaced it), changed or removed. */
static int rewrite_body(struct vscsi_ctx *ctx, xvios_tx tx, void *arg)
{
    struct rec_arg *a = arg;
    const struct xvios_db_vtd *r = a->rec;
    struct xvios_db_vtd now;
    int rc = xvios_db_vtd_step_in_tx(ctx->p, tx, r, a->remove, a->to, &now);

    if (rc == -ENOENT)
        return -vscsi_say(XVIOS_EXIT_ERROR, "the VTD record of domain %u's %u:%u:%u:%u was removed meanwhile (a "
                                            "concurrent detach?)", r->client, r->vhost, r->chn, r->tgt, r->lun);
    if (rc == -ESTALE)
        return -vscsi_say(XVIOS_EXIT_ERROR, "the VTD record of domain %u's %u:%u:%u:%u changed meanwhile (node %u, "
                                            "%s): left as it is", r->client, r->vhost, r->chn, r->tgt, r->lun,
                          now.node, xvios_vtd_state_name(now.state));
    return -rc;
}

int vscsi_mh_settle(struct vscsi_ctx *ctx, const struct xvios_db_vtd *rec)
{
    struct rec_arg a = {.rec = rec, .to = XVIOS_VTD_SERVED};
    int rc = in_db_tx(ctx, rewrite_body, &a);

    if (rc < 0)
        return -rc;
    return rc > 0 ? db_fail("marking the VTD record complete", rc) : XVIOS_EXIT_OK;
}

int vscsi_mh_unclaim(struct vscsi_ctx *ctx, const struct xvios_db_vtd *rec)
{
    struct rec_arg a = {.rec = rec, .remove = true};
    int rc = in_db_tx(ctx, rewrite_body, &a);

    if (rc == 0)
        return XVIOS_EXIT_OK;
    if (rc < 0)
        return -rc;   /* no longer this attach's record (said): left alone */
    db_fail("removing the VTD record this attach wrote", rc);
    return vscsi_say(XVIOS_EXIT_ERROR, "the VTD record of domain %u's %u:%u:%u:%u stays '%s' (no VIOS serves it); the "
                                       "next attach of that vdev refuses it, 'scsi detach' removes it", rec->client,
                     rec->vhost, rec->chn, rec->tgt, rec->lun, xvios_vtd_state_name(rec->state));
}

struct begin_arg {
    uint32_t client;
    const struct vscsi_vdev *vdev;
    struct xvios_db_vtd *rec;
};

static int begin_body(struct vscsi_ctx *ctx, xvios_tx tx, void *arg)
{
    struct begin_arg *a = arg;
    struct xvios_db_vtd next;
    char vdev[32];
    int rc = xvios_db_vtd_get(ctx->p, tx, a->client, a->vdev->host, a->vdev->chn, a->vdev->tgt, a->vdev->lun, a->rec);

    ctx->mh_record = rc != -ENOENT;
    if (rc == -ENOENT || rc == -EIO)
        return 0;   /* none (the nodes alone, if any, are detached); a damaged one goes with the detach */
    if (rc < 0)
        return -rc;
    vscsi_vdev_format(a->vdev, vdev, sizeof(vdev));
    if (!on_this_host(ctx, a->rec->node))
        return -vscsi_say(XVIOS_EXIT_REFUSED, "domain %u's %s is served by node %u on host %u (corosync nodeid), not "
                                              "on this host (%u): detach it in dom0 of that host", a->client, vdev,
                          a->rec->node, a->rec->node >> 8, ctx->mh_host);
    if (a->rec->state != XVIOS_VTD_SERVED)
        return 0;   /* left in a step by a CLI that stopped: the detach finishes it */
    next = *a->rec;
    next.state = XVIOS_VTD_DETACHING;
    return -xvios_db_vtd_put(ctx->p, tx, &next);
}

int vscsi_mh_detach_begin(struct vscsi_ctx *ctx, uint32_t client, const struct vscsi_vdev *vdev,
                          struct xvios_db_vtd *rec)
{
    struct begin_arg a = {.client = client, .vdev = vdev, .rec = rec};
    int rc = in_db_tx(ctx, begin_body, &a);

    if (rc < 0)
        return -rc;
    if (rc > 0)
        return db_fail("marking the VTD record detaching", rc);
    if (ctx->mh_record && rec->state != XVIOS_VTD_SERVED && rec->node)
        fprintf(stderr, "xvios scsi: the VTD record was left '%s' by a multi-host %s that did not finish: "
                        "removing what is left of it\n", xvios_vtd_state_name(rec->state),
                rec->state == XVIOS_VTD_ATTACHING ? "attach" : "detach");
    return XVIOS_EXIT_OK;
}

int vscsi_mh_detach_end(struct vscsi_ctx *ctx, uint32_t client, const struct vscsi_vdev *vdev,
                        const struct xvios_db_vtd *rec, bool done)
{
    struct xvios_db_vtd marked;
    struct rec_arg a = {.remove = done, .to = rec->state};
    int rc;

    if (!ctx->mh_record)
        return XVIOS_EXIT_OK;
    if (!rec->node) {   /* a damaged record: removed by name with the nodes */
        if (!done)
            return XVIOS_EXIT_OK;
        rc = xvios_db_vtd_remove(ctx->p, XVIOS_TX_NONE, client, vdev->host, vdev->chn, vdev->tgt, vdev->lun);
        return rc < 0 && rc != -ENOENT ? db_fail("removing the damaged VTD record", -rc) : XVIOS_EXIT_OK;
    }
    marked = *rec;
    if (rec->state == XVIOS_VTD_SERVED)
        marked.state = XVIOS_VTD_DETACHING;   /* what step 1 made of it */
    a.rec = &marked;
    rc = in_db_tx(ctx, rewrite_body, &a);
    if (rc < 0)
        return -rc;
    if (rc > 0)
        return db_fail(done ? "removing the VTD record (the nodes are gone; it stays 'detaching', a detach again "
                              "removes it)"
                            : "putting the VTD record back", rc);
    return XVIOS_EXIT_OK;
}
