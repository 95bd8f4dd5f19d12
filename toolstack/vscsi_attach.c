/* SPDX-License-Identifier: MIT */
/*
 * vscsi_attach.c - `xvios scsi attach`: check, write the nodes in one
 * transaction, wait until the client's frontend has the LUN, roll back
 * what was written when it does not come (docs/vscsi.md, "Attaching").
 * On a multi-host cluster the VTD record is written before and after
 * (vscsi_mh.c), the nodes' transaction is this host's store alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "toolstack/vscsi_cmd.h"
#include "toolstack/vscsi_wait.h"
#include "xvios/clock.h"
#include "xvios/db_vtd.h"
#include "xvios/parse.h"

/* How long a rollback of a connected vhost waits for the client to close it before removing its nodes. */
#define ROLLBACK_CLOSE_MS 5000u

struct plan {
    uint32_t client;
    const struct xvios_db_node *vios;
    bool created;        /* a new vhost (else a dev-N added to an existing one) */
    bool reconfigure;    /* the backend was at 4: state 7 written */
    uint32_t index;      /* N of the new dev-N */
    bool readonly;       /* as written (a read-only pool LU is read-only whatever was asked) */
    char name[XVIOS_VTD_NAME_MAX + 1];   /* the client's name ("" unknown), for the VTD record */
    char uuid[37];                       /* its uuid, lowercase ("" unknown), for the VTD record */
    bool rebuild;        /* req->rebuild: a rollback keeps the VTD record (the DB's word, not this run's) */
    const struct vscsi_mh_claim *mh;   /* a multi-host attach: step 1's record and pool LU (vscsi_mh.c), or NULL */
};

/* A client name the VTD record can keep: at most XVIOS_VTD_NAME_MAX bytes of printable ASCII. */
static bool name_recordable(const char *name)
{
    size_t n = strlen(name);

    if (n > XVIOS_VTD_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] > 0x7e)
            return false;
    return true;
}

/* The client's uuid as the hypervisor has it, lowercase, into uuid[37] ("" when unknown). */
static void record_uuid(struct vscsi_ctx *ctx, uint32_t client, char *uuid)
{
    struct xvios_dominfo info;

    uuid[0] = '\0';
    if (xvios_plat_domain_info(ctx->p, client, &info) < 0 || !xvios_uuid_valid(info.uuid))
        return;
    for (unsigned i = 0; i < 36; i++)
        uuid[i] = (char)(info.uuid[i] >= 'A' && info.uuid[i] <= 'F' ? info.uuid[i] - 'A' + 'a' : info.uuid[i]);
    uuid[36] = '\0';
}

/* The LU named: an LU of the pool (by name), or the path of a file or block device inside the VIOS. */
static bool is_pool_name(const char *lu)
{
    return lu[0] != '/';
}

/* The LU as given: a pool LU's name (looked up in the transaction), or an absolute path, no control characters. */
static int check_lu(const struct vscsi_ctx *ctx, const char *lu)
{
    struct stat st;
    size_t len = strlen(lu);

    if (is_pool_name(lu)) {
        if (!xvios_lu_name_ok(lu))
            return vscsi_say(VSCSI_EXIT_LU_UNKNOWN, "LU '%s' is neither an LU name of the pool nor an absolute path "
                                                    "(of a file or block device inside the VIOS)", lu);
        return XVIOS_EXIT_OK;
    }
    if (len > VSCSI_MAX_LU)
        return vscsi_say(VSCSI_EXIT_LU_UNKNOWN, "LU path longer than %u bytes", VSCSI_MAX_LU);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)lu[i] < 0x20 || lu[i] == 0x7f)
            return vscsi_say(VSCSI_EXIT_LU_UNKNOWN, "LU path with control characters");
    /* the cluster DB's VTD record holds it as the pool holds a backing: canonical printable ASCII */
    if (xvios_lu_backing_check(lu) < 0)
        return vscsi_say(VSCSI_EXIT_LU_UNKNOWN, "LU path %s is not canonical (no '//', '/./', '/../', trailing '/' "
                                                "or non-ASCII byte)", lu);
    /* Loopback: the VIOS is a process on this host and sees the same files. On Xen the VIOS's engine checks. */
    if (ctx->kind == XVIOS_PLAT_LOOPBACK) {
        if (stat(lu, &st) < 0)
            return vscsi_say(VSCSI_EXIT_LU_UNKNOWN, "LU %s: %s", lu, strerror(errno));
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
            return vscsi_say(VSCSI_EXIT_LU_UNKNOWN, "LU %s is neither a file nor a block device", lu);
    }
    return XVIOS_EXIT_OK;
}

/* A frontend dir's state (the client writes it: read strictly), VSCSI_ST_ABSENT when missing or malformed. */
static int fe_state(struct vscsi_ctx *ctx, xvios_tx tx, const char *fe)
{
    char path[VSCSI_PATH_MAX], *untrusted_val = NULL;
    size_t len = 0;
    uint32_t v;
    int st = VSCSI_ST_ABSENT;

    if (snprintf(path, sizeof(path), "%s/state", fe) >= (int)sizeof(path) ||
        xvios_store_read(ctx->p, tx, path, &untrusted_val, &len) < 0)
        return VSCSI_ST_ABSENT;
    if (len < 4 && strlen(untrusted_val) == len && xvios_parse_u32_canon(untrusted_val, VSCSI_ST_RECONFIGURED, &v) == 0)
        st = (int)v;
    free(untrusted_val);
    return st;
}

/*
 * Does an attached dev-N name the same storage as the LU being attached?
 * Two pool LUs: the same name (the pool keeps their regions apart). A path:
 * the same path, also when the other side is a pool LU with that backing
 * (the path is all of it).
 */
static bool same_storage(const struct vscsi_dev *dev, const struct vscsi_new_dev *want)
{
    if (dev->pool_lu[0] && want->pool)
        return !strcmp(dev->pool_lu, want->pool->name);
    return !strcmp(dev->lu, want->lu);
}

/* Another attachment of the same LU that this one may not share. */
static int check_lu_free(struct vscsi_ctx *ctx, xvios_tx tx, const struct vscsi_attach_req *req,
                         const struct vscsi_new_dev *want)
{
    int code = XVIOS_EXIT_OK;

    for (unsigned i = 0; i < ctx->n_nodes && code == XVIOS_EXIT_OK; i++) {
        struct vscsi_vhost *list = NULL;
        unsigned n = 0;
        int rc = vscsi_vios_vhosts(ctx->p, tx, ctx->nodes[i].domid, false, 0, &list, &n);

        if (rc < 0) {
            vscsi_vhosts_free(list, n);
            return -rc;   /* positive: an errno for the transaction loop */
        }
        for (unsigned v = 0; v < n && code == XVIOS_EXIT_OK; v++)
            for (unsigned d = 0; d < list[v].n_devs && code == XVIOS_EXIT_OK; d++) {
                const struct vscsi_dev *dev = &list[v].devs[d];
                char vdev[32] = "?";

                if (!same_storage(dev, want) || req->shared || (dev->readonly && want->readonly))
                    continue;
                if (dev->vdev_ok)
                    vscsi_vdev_format(&dev->vdev, vdev, sizeof(vdev));
                code = vscsi_say(VSCSI_EXIT_LU_BUSY,
                                 "LU %s is attached %s to domain %u as %s (node %u)%s%s; attach it with --shared to "
                                 "share it", req->lu, dev->readonly ? "read-only" : "read-write", list[v].client,
                                 vdev, ctx->nodes[i].node, dev->pool_lu[0] ? " as pool LU " : "",
                                 dev->pool_lu[0] ? dev->pool_lu : "");
            }
        vscsi_vhosts_free(list, n);
    }
    return code == XVIOS_EXIT_OK ? 0 : -code;   /* negative: an exit code */
}

/* The mapping's row in the cluster DB's VTD table, in the transaction that writes its nodes. */
static int record_vtd(struct vscsi_ctx *ctx, xvios_tx tx, const struct vscsi_attach_req *req, const struct plan *pl,
                      const struct vscsi_new_dev *dev)
{
    struct xvios_db_vtd v = {
        .client = pl->client, .node = pl->vios->node, .vhost = req->vdev.host, .chn = req->vdev.chn,
        .tgt = req->vdev.tgt, .lun = req->vdev.lun, .read_only = pl->readonly,
    };

    snprintf(v.client_name, sizeof(v.client_name), "%s", pl->name);
    snprintf(v.client_uuid, sizeof(v.client_uuid), "%s", pl->uuid);
    snprintf(v.lu, sizeof(v.lu), "%s", dev->lu);
    if (dev->pool)
        snprintf(v.pool_lu, sizeof(v.pool_lu), "%s", dev->pool->name);
    return xvios_db_vtd_put(ctx->p, tx, &v);
}

/*
 * The checks and writes of one transaction attempt. 0: written; > 0: an
 * errno (EAGAIN and store errors); < 0: minus an exit code, message printed.
 */
static int plan_and_write(struct vscsi_ctx *ctx, xvios_tx tx, const struct vscsi_attach_req *req, struct plan *pl)
{
    struct vscsi_new_dev dev = {.vdev = req->vdev, .lu = req->lu, .lu_name = req->lu, .readonly = req->readonly};
    struct xvios_db_lu pool;
    struct vscsi_vhost vh;
    char vdev[32];
    int rc;

    vscsi_vdev_format(&req->vdev, vdev, sizeof(vdev));
    if (pl->mh) {
        /* the pool LU and its access list were read in step 1's transaction of the replicated DB (this host's
         * store cannot read them in its own); no transaction covers both steps, so an LU removed in between
         * would still be written here (`lu rm` does not take --multihost yet: docs/multihost.md) */
        if (pl->mh->pool_ok) {
            dev.pool = &pl->mh->pool;
            dev.lu = pl->mh->pool.backing;
        }
        dev.readonly = pl->mh->rec.read_only;
    } else if (is_pool_name(req->lu)) {
        /* read in this transaction: an `lu rm` cannot slip in between */
        rc = xvios_db_lu_get(ctx->p, tx, req->lu, &pool);
        if (rc == -ENOENT)
            return -vscsi_say(VSCSI_EXIT_LU_UNKNOWN, "there is no LU '%s' in the pool (see 'xvios lu list')", req->lu);
        if (rc == -EIO)
            return -vscsi_say(XVIOS_EXIT_ERROR, "the pool's entry of LU '%s' is damaged", req->lu);
        if (rc < 0)
            return -rc;
        dev.pool = &pool;
        dev.lu = pool.backing;
        dev.readonly = req->readonly || pool.read_only;
    }
    if (!pl->mh && (rc = vscsi_access_check(ctx->p, tx, &dev, pl->client, pl->name, pl->uuid)) != 0)
        return rc;
    rc = vscsi_find_vhost(ctx, tx, pl->client, req->vdev.host, &vh);
    if (rc < 0 && rc != -ENOENT)
        return -rc;
    pl->created = rc == -ENOENT;
    if (pl->created) {
        char fe[VSCSI_PATH_MAX], **names = NULL;
        unsigned n = 0;

        if ((rc = vscsi_pick_vios(ctx, req->vios_node, pl->client, &pl->vios)) != XVIOS_EXIT_OK)
            return -rc;
        /* a frontend dir without a member's backend: left by a VIOS no longer in the cluster, or made by the client */
        if ((rc = vscsi_fe_path(pl->client, req->vdev.host, fe, sizeof(fe))) < 0)
            return -rc;
        rc = xvios_store_list(ctx->p, tx, fe, &names, &n);
        xvios_strv_free(names, n);
        if (rc == 0 && req->rebuild) {
            int st = fe_state(ctx, tx, fe);

            /* left by the wiped backend's vhost, written again below; but not from under a frontend still
             * engaged with it (removing it there can block the client's xenwatch, docs/vscsi.md) */
            if (st != VSCSI_ST_ABSENT && st != VSCSI_ST_UNKNOWN && st != VSCSI_ST_INITIALISING &&
                st != VSCSI_ST_CLOSED)
                return -vscsi_say(XVIOS_EXIT_REFUSED, "%s is still %s: the client's frontend must let go of the "
                                                      "wiped vhost (close it) before it is rebuilt", fe,
                                  vscsi_state_name(st));
            rc = xvios_store_rm(ctx->p, tx, fe);
        } else if (rc == 0)
            return -vscsi_say(XVIOS_EXIT_REFUSED, "%s exists but no cluster member serves it (a VIOS that left the "
                                                  "cluster?); detach %u:... by domid or choose another host number",
                              fe, req->vdev.host);
        if (rc < 0 && rc != -ENOENT)
            return -rc;
    } else {
        pl->vios = vscsi_member_by_domid(ctx, vh.vios);
        rc = XVIOS_EXIT_OK;
        if (req->vios_node && pl->vios->node != req->vios_node)
            rc = vscsi_say(XVIOS_EXIT_REFUSED, "vhost %u of domain %u is served by node %u; choose another host "
                                               "number in VDEV for node %u", req->vdev.host, pl->client,
                           pl->vios->node, req->vios_node);
        else if (pl->vios->state != XVIOS_NODE_ACTIVE || !vscsi_member_alive(ctx, pl->vios))
            rc = vscsi_say(VSCSI_EXIT_NOT_MEMBER, "node %u (domid %u), which serves vhost %u, is %s",
                           pl->vios->node, pl->vios->domid, req->vdev.host,
                           pl->vios->state != XVIOS_NODE_ACTIVE ? "leaving the cluster" : "not running");
        else if (vscsi_vhost_find_lun(&vh, &req->vdev))
            rc = vscsi_say(VSCSI_EXIT_VDEV_TAKEN, "domain %u has a LUN at %s already", pl->client, vdev);
        else if (vh.be_state != VSCSI_ST_INITIALISING && vh.be_state != VSCSI_ST_INITWAIT &&
                 vh.be_state != VSCSI_ST_CONNECTED)
            rc = vscsi_say(XVIOS_EXIT_REFUSED, "vhost %u of domain %u is busy (backend %s); try again",
                           req->vdev.host, pl->client, vscsi_state_name(vh.be_state));
        else if (vscsi_vhost_next_index(&vh, &pl->index) < 0)
            rc = vscsi_say(XVIOS_EXIT_REFUSED, "vhost %u of domain %u has no room for another LUN (%u at most)",
                           req->vdev.host, pl->client, VSCSI_MAX_DEVS);
        pl->reconfigure = vh.be_state == VSCSI_ST_CONNECTED;
        vscsi_vhost_free(&vh);
        if (rc != XVIOS_EXIT_OK)
            return -rc;
    }
    if (pl->vios->domid == pl->client)
        return -vscsi_say(XVIOS_EXIT_REFUSED, "domain %u cannot be its own VIOS", pl->client);
    if (pl->mh && pl->vios->node != pl->mh->rec.node)
        return -vscsi_say(XVIOS_EXIT_REFUSED, "vhost %u of domain %u is served by node %u now, not node %u as the VTD "
                                              "record says (it changed meanwhile); try again", req->vdev.host,
                          pl->client, pl->vios->node, pl->mh->rec.node);
    if ((rc = check_lu_free(ctx, tx, req, &dev)) != 0)
        return rc;
    pl->readonly = dev.readonly;
    if (pl->created) {
        pl->index = 0;
        dev.index = 0;
        rc = vscsi_write_vhost(ctx->p, tx, pl->vios->domid, pl->client, &dev);
    } else {
        dev.index = pl->index;
        rc = vscsi_write_dev(ctx->p, tx, pl->vios->domid, pl->client, &dev);
        if (rc == 0 && pl->reconfigure)
            rc = vscsi_write_be_state(ctx->p, tx, pl->vios->domid, pl->client, req->vdev.host,
                                      VSCSI_ST_RECONFIGURING);
    }
    if (rc == 0 && !pl->mh)   /* multi-host: the record is the replicated DB's, written in its own steps */
        rc = record_vtd(ctx, tx, req, pl, &dev);
    return -rc;
}

static int write_nodes(struct vscsi_ctx *ctx, const struct vscsi_attach_req *req, struct plan *pl)
{
    for (unsigned attempt = 0; attempt < XVIOS_DB_TX_RETRIES; attempt++) {
        xvios_tx tx;
        int rc = xvios_store_tx_start(ctx->p, &tx);

        if (rc < 0)
            return vscsi_say(XVIOS_EXIT_ERROR, "starting a transaction: %s", strerror(-rc));
        rc = plan_and_write(ctx, tx, req, pl);
        if (rc != 0) {
            xvios_store_tx_end(ctx->p, tx, false);
            if (rc < 0)
                return -rc;
            if (rc == EAGAIN)
                continue;
            return vscsi_say(XVIOS_EXIT_ERROR, "writing the nodes: %s%s", strerror(rc),
                             rc == EACCES ? " (run as root in dom0)" : "");
        }
        rc = xvios_store_tx_end(ctx->p, tx, true);
        if (rc == 0)
            return XVIOS_EXIT_OK;
        if (rc != -EAGAIN)
            return vscsi_say(XVIOS_EXIT_ERROR, "committing the nodes: %s", strerror(-rc));
    }
    return vscsi_say(XVIOS_EXIT_ERROR, "the store stayed too busy to write the nodes; try again");
}

/* ---------------------------------------------------------------- waiting */
enum outcome {
    OUT_WAITING = 0,
    OUT_DONE = 1,
    OUT_LU_REFUSED,      /* the engine set dev-N 6 */
    OUT_FE_REFUSED,      /* the frontend set its dev-N 6 */
    OUT_GONE,            /* dev-N or the vhost vanished */
    OUT_CLOSING,         /* the vhost is being closed */
    OUT_CLIENT_DIED,
    OUT_VIOS_DIED,
    OUT_ERROR,
};

struct watch {
    struct vscsi_ctx *ctx;
    const struct plan *pl;
    uint32_t vhost;
    int last[4];
    char error[128];
};

static bool domain_running(struct vscsi_ctx *ctx, uint32_t domid)
{
    struct xvios_dominfo info;

    return xvios_plat_domain_info(ctx->p, domid, &info) == 0 && info.alive;
}

static int check_attached(xvios_plat *p, void *arg)
{
    struct watch *w = arg;
    struct vscsi_vhost vh;
    const struct vscsi_dev *d = NULL;
    int rc = vscsi_vhost_read(p, XVIOS_TX_NONE, w->pl->vios->domid, w->pl->client, w->vhost, &vh), st[4];

    if (rc == -ENOENT)
        return OUT_GONE;
    if (rc < 0)
        return OUT_ERROR;
    for (unsigned i = 0; i < vh.n_devs; i++)
        if (vh.devs[i].index == w->pl->index)
            d = &vh.devs[i];
    st[0] = vh.be_state, st[1] = vh.fe_state;
    st[2] = d ? d->be_state : VSCSI_ST_ABSENT, st[3] = d ? d->fe_state : VSCSI_ST_ABSENT;
    if (memcmp(st, w->last, sizeof(st))) {
        fprintf(stderr, "xvios scsi: waiting: backend %s, frontend %s, LUN backend %s, LUN frontend %s\n",
                vscsi_state_name(st[0]), vscsi_state_name(st[1]), vscsi_state_name(st[2]), vscsi_state_name(st[3]));
        memcpy(w->last, st, sizeof(st));
    }
    snprintf(w->error, sizeof(w->error), "%s", d && d->error[0] ? d->error : vh.error);
    if (!d)
        rc = OUT_GONE;
    else if (d->be_state == VSCSI_ST_CLOSED)
        rc = OUT_LU_REFUSED;
    else if (d->fe_state == VSCSI_ST_CLOSED)
        rc = OUT_FE_REFUSED;
    else if (d->fe_state == VSCSI_ST_CONNECTED && vh.be_state == VSCSI_ST_CONNECTED)
        rc = OUT_DONE;
    else if (vh.be_state == VSCSI_ST_CLOSING || vh.be_state == VSCSI_ST_CLOSED)
        rc = OUT_CLOSING;
    else if (!domain_running(w->ctx, w->pl->client))
        rc = OUT_CLIENT_DIED;
    else if (!vscsi_member_alive(w->ctx, w->pl->vios))
        rc = OUT_VIOS_DIED;
    else
        rc = OUT_WAITING;
    vscsi_vhost_free(&vh);
    return rc;
}

/* ---------------------------------------------------------------- rollback */
static int close_checked(xvios_plat *p, void *arg)
{
    struct watch *w = arg;
    struct vscsi_vhost vh;
    int rc = vscsi_vhost_read(p, XVIOS_TX_NONE, w->pl->vios->domid, w->pl->client, w->vhost, &vh), done;

    if (rc < 0)
        return 1;
    done = vh.be_state == VSCSI_ST_CLOSED || vh.fe_state == VSCSI_ST_CLOSED || vh.fe_state == VSCSI_ST_ABSENT;
    vscsi_vhost_free(&vh);
    return done;
}

/* One transaction: remove what this attach wrote (the vhost, or dev-N and the reconfiguration; the VTD record). */
static int remove_written(struct vscsi_ctx *ctx, const struct plan *pl, const struct vscsi_vdev *vdev)
{
    uint32_t vhost = vdev->host;

    for (unsigned attempt = 0; attempt < XVIOS_DB_TX_RETRIES; attempt++) {
        struct vscsi_vhost vh;
        xvios_tx tx;
        int rc = xvios_store_tx_start(ctx->p, &tx);

        if (rc < 0)
            return rc;
        if (pl->created) {
            rc = vscsi_remove_vhost(ctx->p, tx, pl->vios->domid, pl->client, vhost);
        } else {
            rc = vscsi_remove_dev(ctx->p, tx, pl->vios->domid, pl->client, vhost, pl->index);
            /* nobody answered our Reconfiguring: put the backend back where it was */
            if (rc == 0 && pl->reconfigure &&
                vscsi_vhost_read(ctx->p, tx, pl->vios->domid, pl->client, vhost, &vh) == 0) {
                if (vh.be_state == VSCSI_ST_RECONFIGURING)
                    rc = vscsi_write_be_state(ctx->p, tx, pl->vios->domid, pl->client, vhost, VSCSI_ST_CONNECTED);
                vscsi_vhost_free(&vh);
            }
        }
        /* a rebuild's rollback keeps the record: the mapping is still the DB's, to be rebuilt again; a multi-host
         * attach removes its record after this transaction (vscsi_mh_unclaim) */
        if (rc == 0 && !pl->rebuild && !pl->mh) {
            rc = xvios_db_vtd_remove(ctx->p, tx, pl->client, vdev->host, vdev->chn, vdev->tgt, vdev->lun);
            if (rc == -ENOENT)
                rc = 0;
        }
        if (rc < 0) {
            xvios_store_tx_end(ctx->p, tx, false);
            if (rc == -EAGAIN)
                continue;
            return rc;
        }
        rc = xvios_store_tx_end(ctx->p, tx, true);
        if (rc != -EAGAIN)
            return rc;
    }
    return -EAGAIN;
}

static void rollback(struct vscsi_ctx *ctx, const struct plan *pl, const struct vscsi_vdev *vdev)
{
    uint32_t vhost = vdev->host;
    struct watch w = {.ctx = ctx, .pl = pl, .vhost = vhost};
    struct vscsi_vhost vh;
    int rc;

    /* A new vhost the client already connected to is closed first, as a detach would, so its frontend lets go. */
    if (pl->created && vscsi_vhost_read(ctx->p, XVIOS_TX_NONE, pl->vios->domid, pl->client, vhost, &vh) == 0) {
        bool engaged = vh.fe_state >= VSCSI_ST_INITIALISED && vh.fe_state != VSCSI_ST_CLOSED &&
                       domain_running(ctx, pl->client);
        vscsi_vhost_free(&vh);
        if (engaged && vscsi_write_online(ctx->p, XVIOS_TX_NONE, pl->vios->domid, pl->client, vhost, false) == 0 &&
            vscsi_write_be_state(ctx->p, XVIOS_TX_NONE, pl->vios->domid, pl->client, vhost, VSCSI_ST_CLOSING) == 0) {
            char be[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX];
            struct timespec deadline = xvios_deadline_ms(ROLLBACK_CLOSE_MS);

            if (vscsi_be_path(pl->vios->domid, pl->client, vhost, be, sizeof(be)) == 0 &&
                vscsi_fe_path(pl->client, vhost, fe, sizeof(fe)) == 0)
                vscsi_wait(ctx->p, be, fe, &deadline, close_checked, &w);
        }
    }
    rc = remove_written(ctx, pl, vdev);
    if (rc < 0)
        vscsi_say(0, "rolling back: could not remove the nodes this attach wrote: %s", strerror(-rc));
    else
        vscsi_say(0, "rolled back: removed the nodes this attach wrote");
    /* multi-host: the record (state attaching) goes only once the nodes are gone; if they are not, it stays and
     * says so, refused by the next attach of the vdev and removed by a detach */
    if (pl->mh && rc == 0 && vscsi_mh_unclaim(ctx, &pl->mh->rec) == XVIOS_EXIT_OK)
        vscsi_say(0, "rolled back: removed the VTD record this attach wrote");
}

/* ---------------------------------------------------------------- attach */
int vscsi_attach(struct vscsi_ctx *ctx, const struct vscsi_attach_req *req, struct vscsi_attached *done)
{
    struct vscsi_mh_claim claim;
    struct plan pl = {0};
    struct watch w = {.ctx = ctx, .pl = &pl, .vhost = req->vdev.host, .last = {-2, -2, -2, -2}};
    char vdev[32], be[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX], name[64];
    struct timespec deadline;
    int rc;

    vscsi_vdev_format(&req->vdev, vdev, sizeof(vdev));
    if ((rc = vscsi_client_resolve(ctx, req->client, true, &pl.client, name, sizeof(name))) != XVIOS_EXIT_OK)
        return rc;
    if ((rc = check_lu(ctx, req->lu)) != XVIOS_EXIT_OK)
        return rc;
    if (name_recordable(name))
        snprintf(pl.name, sizeof(pl.name), "%s", name);   /* else unknown: the record is by domid */
    record_uuid(ctx, pl.client, pl.uuid);
    pl.rebuild = req->rebuild;
    if (ctx->mh_host) {
        /* step 1: the record, state attaching, in the replicated DB */
        if ((rc = vscsi_mh_claim(ctx, req, pl.client, pl.name, pl.uuid, &claim)) != XVIOS_EXIT_OK)
            return rc;
        pl.mh = &claim;
    }
    /* (step 2 on a multi-host cluster) the nodes, in one transaction of this host's store */
    if ((rc = write_nodes(ctx, req, &pl)) != XVIOS_EXIT_OK) {
        if (pl.mh && vscsi_mh_unclaim(ctx, &claim.rec) == XVIOS_EXIT_OK)
            vscsi_say(0, "rolled back: removed the VTD record this attach wrote");
        return rc;
    }
    if (vscsi_be_path(pl.vios->domid, pl.client, req->vdev.host, be, sizeof(be)) < 0 ||
        vscsi_fe_path(pl.client, req->vdev.host, fe, sizeof(fe)) < 0)
        return vscsi_say(XVIOS_EXIT_ERROR, "path too long");  /* cannot happen: bounded numbers */
    fprintf(stderr, "xvios scsi: %s %s as %s (dev-%u) to domain %u through node %u (domid %u)%s\n",
            pl.created ? "attaching" : "hot-adding", req->lu, vdev, pl.index, pl.client, pl.vios->node,
            pl.vios->domid, pl.readonly ? ", read-only" : "");
    deadline = xvios_deadline_ms(req->timeout_ms);
    rc = vscsi_wait(ctx->p, be, fe, &deadline, check_attached, &w);
    switch (rc) {
    case OUT_DONE:
        /* step 3: the record complete; if that cannot be written, the LUN is taken back (nothing half done) */
        if (pl.mh && (rc = vscsi_mh_settle(ctx, &claim.rec)) != XVIOS_EXIT_OK)
            break;
        if (!ctx->quiet)
            printf("attached %s as %s to domain %u (%s) through node %u\n", req->lu, vdev, pl.client, name,
                   pl.vios->node);
        done->client = pl.client;
        done->vdev = req->vdev;
        return XVIOS_EXIT_OK;
    case OUT_LU_REFUSED:
        rc = vscsi_say(VSCSI_EXIT_LU_UNKNOWN, "node %u refused LU %s%s%s", pl.vios->node, req->lu,
                       w.error[0] ? ": " : "", w.error);
        break;
    case OUT_FE_REFUSED:
        rc = vscsi_say(XVIOS_EXIT_ERROR, "domain %u's frontend could not add the LUN %s", pl.client, vdev);
        break;
    case OUT_GONE:
        return vscsi_say(XVIOS_EXIT_ERROR, "the LUN's nodes were removed while attaching (a concurrent detach?)");
    case OUT_CLOSING:
        rc = vscsi_say(XVIOS_EXIT_ERROR, "vhost %u is being closed%s%s", req->vdev.host,
                       w.error[0] ? " by the VIOS: " : "", w.error);
        break;
    case OUT_CLIENT_DIED:
        rc = vscsi_say(VSCSI_EXIT_NO_CLIENT, "domain %u stopped running while attaching", pl.client);
        break;
    case OUT_VIOS_DIED:
        rc = vscsi_say(VSCSI_EXIT_NOT_MEMBER, "node %u stopped running while attaching", pl.vios->node);
        break;
    case -ETIMEDOUT:
        rc = vscsi_say(XVIOS_EXIT_TIMEOUT, "domain %u's frontend did not take the LUN within %u ms "
                                           "(is xen-scsifront loaded in the client?)", pl.client, req->timeout_ms);
        break;
    default:
        rc = vscsi_say(XVIOS_EXIT_ERROR, "waiting for the frontend: %s", rc < 0 ? strerror(-rc) : "store error");
        break;
    }
    rollback(ctx, &pl, &req->vdev);
    return rc;
}
