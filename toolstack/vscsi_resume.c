/* SPDX-License-Identifier: MIT */
/*
 * vscsi_resume.c - `xvios scsi rebuild --vios NODE --resume`: the vhosts of
 * a revived VIOS (`xvios vios revive`) whose clients' frontends are still
 * engaged with them (docs/vscsi.md, "Reviving a VIOS"). Such a frontend dir
 * still names the VIOS's backend dir, its domid, its ring and its event
 * channel, and a Linux xen-scsifront on it may wait without a limit for the
 * answers the dead VIOS owed: replacing the frontend dir (what a plain
 * rebuild does) cannot help it. So only the backend dir is written again,
 * every LUN the VTD table gives that vhost in one transaction (a request
 * the engine answers before a LUN is there would fail for nothing); the
 * engine sees a frontend already Connected on a ring it never mapped, takes
 * the ring over at its response producer and answers what is outstanding
 * (backend/vscsi/vscsi_ring.c). Then this waits until the backend is
 * Connected and every LUN is served (4) or refused (6).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/vscsi_cmd.h"
#include "toolstack/vscsi_wait.h"
#include "xvios/clock.h"
#include "xvios/db_lu.h"
#include "xvios/db_vtd.h"
#include "xvios/parse.h"

static int read_str(xvios_plat *p, const char *dir, const char *key, char *buf, size_t cap)
{
    char path[VSCSI_PATH_MAX + 32], *v = NULL;
    size_t len = 0;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    rc = xvios_store_read(p, XVIOS_TX_NONE, path, &v, &len);
    if (rc == 0 && len >= cap)
        rc = -E2BIG;
    if (rc == 0)
        memcpy(buf, v, len + 1);
    free(v);
    return rc;
}

bool vscsi_resume_applies(struct vscsi_ctx *ctx, uint32_t vios, uint32_t client, uint32_t vhost)
{
    char fe[VSCSI_PATH_MAX], be[VSCSI_PATH_MAX], v[VSCSI_PATH_MAX];
    uint32_t id, st;

    if (vscsi_fe_path(client, vhost, fe, sizeof(fe)) < 0 || vscsi_be_path(vios, client, vhost, be, sizeof(be)) < 0)
        return false;
    /* the frontend dir is the client's to write: it is only compared, never followed */
    if (read_str(ctx->p, fe, "backend", v, sizeof(v)) < 0 || strcmp(v, be))
        return false;
    if (read_str(ctx->p, fe, "backend-id", v, sizeof(v)) < 0 || xvios_parse_domid(v, &id) < 0 || id != vios)
        return false;
    if (read_str(ctx->p, fe, "state", v, sizeof(v)) < 0 || xvios_parse_u32(v, 0, 8, &st) < 0)
        return false;
    return st == VSCSI_ST_INITIALISED || st == VSCSI_ST_CONNECTED;
}

/*
 * The frontend dir and everything below it get their permissions written anew, the same lists
 * ([client (owner, none), vios read], what an attach and the client's own writes give them):
 * xenstored ignores a permission entry written before the domain it names was created, so the
 * revived VIOS (a new domain with the old domid) could not read the frontend's state and ring-ref.
 * Nothing else changes in the frontend dir.
 */
static int refresh_fe_perms(xvios_plat *p, xvios_tx tx, const char *path, const struct xvios_perm *perms,
                            unsigned depth)
{
    char **names = NULL;
    unsigned n = 0;
    int rc;

    if (depth > 8)
        return 0;               /* scsifront's tree is 3 deep; a client's deeper nodes are its own business */
    if ((rc = xvios_store_set_perms(p, tx, path, perms, 2)) < 0)
        return rc;
    if ((rc = xvios_store_list(p, tx, path, &names, &n)) < 0)
        return rc == -ENOENT ? 0 : rc;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        char child[VSCSI_PATH_MAX];

        if (snprintf(child, sizeof(child), "%s/%s", path, names[i]) >= (int)sizeof(child))
            continue;
        rc = refresh_fe_perms(p, tx, child, perms, depth + 1);
    }
    xvios_strv_free(names, n);
    return rc;
}

/* The backend dir with every LUN of the vhost, in one transaction. 0, or a negative errno. */
static int write_backend(struct vscsi_ctx *ctx, uint32_t vios, const struct xvios_db_vtd *const *v, unsigned n)
{
    struct xvios_db_lu *pools = calloc(n, sizeof(*pools));
    int rc = -EAGAIN;

    if (!pools)
        return -ENOMEM;
    for (unsigned attempt = 0; attempt < XVIOS_DB_TX_RETRIES && rc == -EAGAIN; attempt++) {
        struct vscsi_vhost vh;
        xvios_tx tx;

        if ((rc = xvios_store_tx_start(ctx->p, &tx)) < 0)
            break;
        rc = vscsi_vhost_read(ctx->p, tx, vios, v[0]->client, v[0]->vhost, &vh);
        if (rc == 0) {
            vscsi_vhost_free(&vh);
            rc = -EEXIST;       /* written meanwhile (another rebuild): not ours to write over */
        } else if (rc == -ENOENT) {
            rc = 0;
        }
        if (rc == 0) {
            struct xvios_perm fe_perms[2] = { { v[0]->client, XVIOS_PERM_NONE }, { vios, XVIOS_PERM_READ } };
            char fe[VSCSI_PATH_MAX];

            rc = vscsi_fe_path(v[0]->client, v[0]->vhost, fe, sizeof(fe));
            if (rc == 0)
                rc = refresh_fe_perms(ctx->p, tx, fe, fe_perms, 0);
        }
        for (unsigned i = 0; i < n && rc == 0; i++) {
            struct vscsi_new_dev dev = {
                .index = i, .vdev = { .host = v[i]->vhost, .chn = v[i]->chn, .tgt = v[i]->tgt, .lun = v[i]->lun },
                .lu = v[i]->lu, .lu_name = v[i]->lu, .readonly = v[i]->read_only,
            };

            if (v[i]->pool_lu[0]) {
                if ((rc = xvios_db_lu_get(ctx->p, tx, v[i]->pool_lu, &pools[i])) < 0)
                    break;
                dev.pool = &pools[i];
                dev.lu = pools[i].backing;
                dev.lu_name = pools[i].name;
                dev.readonly = v[i]->read_only || pools[i].read_only;
            }
            rc = i == 0 ? vscsi_write_be_vhost(ctx->p, tx, vios, v[i]->client, &dev)
                        : vscsi_write_dev(ctx->p, tx, vios, v[i]->client, &dev);
        }
        if (rc < 0) {
            xvios_store_tx_end(ctx->p, tx, false);
            continue;           /* -EAGAIN from a read retries; anything else ends the loop */
        }
        rc = xvios_store_tx_end(ctx->p, tx, true);
    }
    free(pools);
    return rc;
}

struct resume_watch {
    struct vscsi_ctx *ctx;
    const struct xvios_db_node *vios;
    uint32_t client, vhost;
    unsigned n;
    int last_be;
};

enum { RES_WAITING = 0, RES_DONE, RES_CLOSED, RES_GONE, RES_VIOS_DIED };

static int check_resumed(xvios_plat *p, void *arg)
{
    struct resume_watch *w = arg;
    struct vscsi_vhost vh;
    unsigned settled = 0;
    int rc = vscsi_vhost_read(p, XVIOS_TX_NONE, w->vios->domid, w->client, w->vhost, &vh);

    if (rc < 0)
        return RES_GONE;
    if (vh.be_state != w->last_be) {
        fprintf(stderr, "xvios scsi: waiting: backend %s, frontend %s\n", vscsi_state_name(vh.be_state),
                vscsi_state_name(vh.fe_state));
        w->last_be = vh.be_state;
    }
    for (unsigned i = 0; i < vh.n_devs; i++)
        if (vh.devs[i].be_state == VSCSI_ST_CONNECTED || vh.devs[i].be_state == VSCSI_ST_CLOSED)
            settled++;
    if (vh.be_state == VSCSI_ST_CONNECTED && settled >= w->n)
        rc = RES_DONE;
    else if (vh.be_state == VSCSI_ST_CLOSING || vh.be_state == VSCSI_ST_CLOSED)
        rc = RES_CLOSED;
    else if (!vscsi_member_alive(w->ctx, w->vios))
        rc = RES_VIOS_DIED;
    else
        rc = RES_WAITING;
    vscsi_vhost_free(&vh);
    return rc;
}

int vscsi_resume_vhost(struct vscsi_ctx *ctx, const struct xvios_db_node *vios, const struct xvios_db_vtd *const *v,
                       unsigned n, uint32_t timeout_ms, struct vscsi_rebuilt *out)
{
    struct resume_watch w = { .ctx = ctx, .vios = vios, .client = v[0]->client, .vhost = v[0]->vhost, .n = n,
                              .last_be = -2 };
    struct timespec deadline = xvios_deadline_ms(timeout_ms ? timeout_ms : VSCSI_DEFAULT_TIMEOUT_MS);
    char be[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX];
    struct vscsi_vhost vh;
    int rc;

    fprintf(stderr, "xvios scsi: resuming vhost %u of domain %u on node %u (%u LUN%s), its frontend kept\n",
            w.vhost, w.client, vios->node, n, n == 1 ? "" : "s");
    if ((rc = write_backend(ctx, vios->domid, v, n)) < 0) {
        out->failed += n;
        return vscsi_say(rc == -EEXIST ? XVIOS_EXIT_REFUSED : XVIOS_EXIT_ERROR, "vhost %u of domain %u: %s",
                         w.vhost, w.client, rc == -EEXIST ? "its backend dir was written meanwhile"
                                                          : strerror(-rc));
    }
    if ((rc = vscsi_be_path(vios->domid, w.client, w.vhost, be, sizeof(be))) < 0 ||
        (rc = vscsi_fe_path(w.client, w.vhost, fe, sizeof(fe))) < 0)
        return vscsi_say(XVIOS_EXIT_ERROR, "vhost %u of domain %u: %s", w.vhost, w.client, strerror(-rc));
    rc = vscsi_wait(ctx->p, be, fe, &deadline, check_resumed, &w);
    if (rc != RES_DONE) {
        out->failed += n;
        return vscsi_say(rc == -ETIMEDOUT ? XVIOS_EXIT_TIMEOUT : XVIOS_EXIT_ERROR,
                         "vhost %u of domain %u was not resumed: %s", w.vhost, w.client,
                         rc == -ETIMEDOUT ? "the VIOS's engine did not connect it in time (is xvios-backend "
                                            "running there?)"
                         : rc == RES_CLOSED    ? "the engine closed it (see its xvios-error)"
                         : rc == RES_VIOS_DIED ? "the VIOS is not running"
                         : rc == RES_GONE      ? "its backend dir vanished"
                                               : strerror(-rc));
    }
    /* each LUN: served (4), or refused by the engine (6: the LU is not there, say) */
    rc = XVIOS_EXIT_OK;
    if (vscsi_vhost_read(ctx->p, XVIOS_TX_NONE, vios->domid, w.client, w.vhost, &vh) < 0) {
        out->failed += n;
        return vscsi_say(XVIOS_EXIT_ERROR, "vhost %u of domain %u vanished", w.vhost, w.client);
    }
    for (unsigned i = 0; i < vh.n_devs; i++) {
        char vdev[32];

        vscsi_vdev_format(&vh.devs[i].vdev, vdev, sizeof(vdev));
        if (vh.devs[i].be_state == VSCSI_ST_CONNECTED) {
            out->rebuilt++;
            fprintf(stderr, "xvios scsi: %u:%s resumed (%s)\n", w.client, vdev, vh.devs[i].lu);
        } else {
            out->failed++;
            rc = vscsi_say(VSCSI_EXIT_LU_UNKNOWN, "%u:%s: the ring was taken over, but the engine does not serve "
                                                  "the LU %s: %s", w.client, vdev, vh.devs[i].lu,
                           vh.devs[i].error[0] ? vh.devs[i].error : "no reason given");
        }
    }
    vscsi_vhost_free(&vh);
    return rc;
}
