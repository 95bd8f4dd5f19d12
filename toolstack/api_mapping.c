/* SPDX-License-Identifier: MIT */
/*
 * api_mapping.c - dom0's mapping hooks for the API (api_mapping.h). A
 * mapping is one dev-N of a vhost in a VIOS's backend dir (and its row in
 * the DB's VTD table, which list and get read on any node): made and
 * removed by vscsi_attach() and
 * vscsi_detach_domid(), the very code of `xvios scsi attach` / `detach`
 * (hot add and remove through Reconfiguring, waiting for the client's
 * frontend, rollback). Their exit codes become VIOException codes; the
 * sentence is the one they said.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/api_mapping.h"
#include "xvios/db_vtd.h"

static enum xvios_vio_code code_for_exit(int exit_code)
{
    switch (exit_code) {
    case VSCSI_EXIT_NO_CLIENT:
    case VSCSI_EXIT_LU_UNKNOWN:
    case VSCSI_EXIT_NO_VDEV:
        return XVIOS_VIO_NOT_FOUND;
    case VSCSI_EXIT_NOT_MEMBER:
    case XVIOS_EXIT_TIMEOUT:
        return XVIOS_VIO_UNAVAILABLE;
    case VSCSI_EXIT_LU_BUSY:
        return XVIOS_VIO_IN_USE;
    case VSCSI_EXIT_VDEV_TAKEN:
        return XVIOS_VIO_EXISTS;
    case XVIOS_EXIT_REFUSED:
        return XVIOS_VIO_CONFLICT;
    case VSCSI_EXIT_ACCESS_DENIED:
        return XVIOS_VIO_ACCESS_DENIED;
    default:
        return XVIOS_VIO_INTERNAL;
    }
}

static int refused(struct xvios_vio_err *err, int exit_code)
{
    const char *s = vscsi_last_said();

    return xvios_vio_fail(err, code_for_exit(exit_code), "%s", s[0] ? s : "the request failed");
}

static void fill(struct xvios_vio_mapping *m, const struct vscsi_ctx *ctx, const struct vscsi_vhost *vh,
                 const struct vscsi_dev *d)
{
    const struct xvios_db_node *vios = vscsi_member_by_domid(ctx, vh->vios);
    struct xvios_dominfo info;

    memset(m, 0, sizeof(*m));
    m->client = vh->client;
    if (xvios_plat_domain_info(ctx->p, vh->client, &info) == 0)
        snprintf(m->client_name, sizeof(m->client_name), "%s", info.name);
    m->node = vios ? vios->node : 0;
    m->vdev = (struct xvios_vio_vdev){ d->vdev.host, d->vdev.chn, d->vdev.tgt, d->vdev.lun };
    snprintf(m->lu, sizeof(m->lu), "%s", d->lu);
    snprintf(m->pool_lu, sizeof(m->pool_lu), "%s", d->pool_lu);
    m->read_only = d->readonly;
    snprintf(m->state, sizeof(m->state), "%s", vscsi_state_name(d->fe_state == VSCSI_ST_ABSENT ? d->be_state
                                                                                                  : d->fe_state));
}

/* Every mapping in the nodes (only_client: of domid), sorted by client, vhost, dev-N. 0, or -EINVAL with *err. */
static int collect(struct vscsi_ctx *ctx, bool only_client, uint32_t domid, struct xvios_vio_mapping **out,
                   unsigned *n, struct xvios_vio_err *err)
{
    struct vscsi_vhost *list = NULL;
    struct xvios_vio_mapping *v;
    unsigned nv = 0, total = 0, k = 0;

    *out = NULL;
    *n = 0;
    for (unsigned i = 0; i < ctx->n_nodes; i++) {
        int rc = vscsi_vios_vhosts(ctx->p, XVIOS_TX_NONE, ctx->nodes[i].domid, only_client, domid, &list, &nv);
        if (rc < 0) {
            vscsi_vhosts_free(list, nv);
            return xvios_vio_fail(err, XVIOS_VIO_INTERNAL, "reading node %u's vhosts: %s", ctx->nodes[i].node,
                                  strerror(-rc));
        }
    }
    for (unsigned i = 0; i < nv; i++)
        total += list[i].n_devs;
    v = calloc(total ? total : 1, sizeof(*v));
    if (!v) {
        vscsi_vhosts_free(list, nv);
        return xvios_vio_fail(err, XVIOS_VIO_INTERNAL, "out of memory");
    }
    for (unsigned i = 0; i < nv; i++)
        for (unsigned d = 0; d < list[i].n_devs; d++)
            if (list[i].devs[d].vdev_ok)   /* a dev-N without a readable v-dev is no mapping anybody can name */
                fill(&v[k++], ctx, &list[i], &list[i].devs[d]);
    vscsi_vhosts_free(list, nv);
    *out = v;
    *n = k;
    return 0;
}

/* The mapping of domid at vdev as the nodes say now: 0, or -EINVAL with *err (NOT_FOUND). */
static int find(struct vscsi_ctx *ctx, uint32_t domid, const char *client, const struct xvios_vio_vdev *vdev,
                struct xvios_vio_mapping *out, struct xvios_vio_err *err)
{
    struct xvios_vio_mapping *v = NULL;
    unsigned n = 0;
    int rc = collect(ctx, true, domid, &v, &n, err);

    if (rc < 0)
        return rc;
    rc = xvios_vio_fail(err, XVIOS_VIO_NOT_FOUND, "domain %s has no LUN %u:%u:%u:%u", client, vdev->host, vdev->chn,
                        vdev->tgt, vdev->lun);
    for (unsigned i = 0; i < n; i++)
        if (!memcmp(&v[i].vdev, vdev, sizeof(*vdev))) {
            *out = v[i];
            rc = 0;
        }
    free(v);
    return rc;
}

static int attach(void *arg, const struct xvios_vio_req *rq, struct xvios_vio_mapping *done,
                  struct xvios_vio_err *err)
{
    struct vscsi_ctx *ctx = arg;
    struct vscsi_attach_req req = {
        .client = rq->client, .lu = rq->backing,
        .vdev = { .host = rq->vdev.host, .chn = rq->vdev.chn, .tgt = rq->vdev.tgt, .lun = rq->vdev.lun },
        .vios_node = rq->node_id, .readonly = rq->read_only, .shared = rq->shared,
        .timeout_ms = VSCSI_DEFAULT_TIMEOUT_MS,
    };
    struct vscsi_attached made;
    int rc = vscsi_attach(ctx, &req, &made);

    if (rc != XVIOS_EXIT_OK)
        return refused(err, rc);
    return find(ctx, made.client, rq->client, &rq->vdev, done, err);
}

/* Not in the nodes but in the VTD table (its VIOS was wiped): the mapping as recorded, for the answer. */
static bool recorded(struct vscsi_ctx *ctx, uint32_t domid, const struct xvios_vio_vdev *vdev,
                     struct xvios_vio_mapping *out)
{
    struct xvios_db_vtd v;

    if (xvios_db_vtd_get(ctx->p, XVIOS_TX_NONE, domid, vdev->host, vdev->chn, vdev->tgt, vdev->lun, &v) < 0)
        return false;
    memset(out, 0, sizeof(*out));
    out->client = v.client;
    snprintf(out->client_name, sizeof(out->client_name), "%s", v.client_name);
    out->node = v.node;
    out->vdev = *vdev;
    snprintf(out->lu, sizeof(out->lu), "%s", v.lu);
    snprintf(out->pool_lu, sizeof(out->pool_lu), "%s", v.pool_lu);
    out->read_only = v.read_only;
    snprintf(out->state, sizeof(out->state), "%s", "absent");   /* no nodes: only the record was left */
    return true;
}

static int detach(void *arg, const struct xvios_vio_req *rq, struct xvios_vio_mapping *gone,
                  struct xvios_vio_err *err)
{
    struct vscsi_ctx *ctx = arg;
    struct vscsi_vdev vdev = { .host = rq->vdev.host, .chn = rq->vdev.chn, .tgt = rq->vdev.tgt, .lun = rq->vdev.lun };
    uint32_t domid;
    int rc = vscsi_client_resolve(ctx, rq->client, false, &domid, NULL, 0);

    if (rc != XVIOS_EXIT_OK)
        return refused(err, rc);
    if (find(ctx, domid, rq->client, &rq->vdev, gone, err) < 0 && !recorded(ctx, domid, &rq->vdev, gone))
        return -EINVAL;
    rc = vscsi_detach_domid(ctx, domid, &vdev, VSCSI_DEFAULT_TIMEOUT_MS);
    return rc == XVIOS_EXIT_OK ? 0 : refused(err, rc);
}

void api_mapping_hooks(struct xvios_vio_env *env, struct vscsi_ctx *ctx)
{
    ctx->quiet = true;
    env->attach = attach;
    env->detach = detach;
    env->arg = ctx;
}
