/* SPDX-License-Identifier: MIT */
/*
 * vscsi_rebuild.c - `xvios scsi rebuild --vios NODE`: dom0 writes again the
 * backend configuration of one VIOS from the cluster DB's VTD table alone
 * (docs/vscsi.md, "Rebuilding a VIOS"). Every mapping the table gives the
 * node whose LUN is not in the node's backend nodes is attached again with
 * attach's own code (checks, one transaction for the backend and frontend
 * nodes, the wait for the client's frontend, rollback), in rebuild mode: a
 * frontend dir its wiped backend left behind is replaced, and a rollback
 * keeps the record. A domid that now names another domain (another uuid
 * than recorded) is refused: a client's disk never goes to another domain. Mappings in place are left alone; a mapping that cannot
 * be rebuilt (client not running, LU gone, frontend silent) is reported and
 * the others go on. With --resume, a vhost whose client's frontend is still
 * engaged with it (a VIOS revived under its domid) gets its backend dir
 * alone, and the engine takes over the live ring (vscsi_resume.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "toolstack/vscsi_cmd.h"
#include "xvios/db_vtd.h"

/* Is the VTD's LUN in its VIOS's backend nodes? 1, 0, or a negative errno. */
static int in_place(struct vscsi_ctx *ctx, const struct xvios_db_node *vios, const struct xvios_db_vtd *v)
{
    struct vscsi_vdev vdev = { .host = v->vhost, .chn = v->chn, .tgt = v->tgt, .lun = v->lun };
    struct vscsi_vhost vh;
    int rc = vscsi_vhost_read(ctx->p, XVIOS_TX_NONE, vios->domid, v->client, v->vhost, &vh);

    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    rc = vscsi_vhost_find_lun(&vh, &vdev) != NULL;
    vscsi_vhost_free(&vh);
    return rc;
}

/* Is domain v->client still the client the mapping was made for (its uuid, when recorded)? An exit code. */
static int same_client(struct vscsi_ctx *ctx, const struct xvios_db_vtd *v)
{
    struct xvios_dominfo info;

    if (!v->client_uuid[0])
        return XVIOS_EXIT_OK;   /* recorded without one: the domid is all there is */
    if (xvios_plat_domain_info(ctx->p, v->client, &info) < 0)
        return vscsi_say(VSCSI_EXIT_NO_CLIENT, "there is no domain %u", v->client);
    if (strcasecmp(info.uuid, v->client_uuid))
        return vscsi_say(VSCSI_EXIT_NO_CLIENT, "domain %u is not the client the mapping was made for (uuid %s, "
                                               "now %s): its disk is not given to another domain",
                         v->client, v->client_uuid, info.uuid[0] ? info.uuid : "unknown");
    return XVIOS_EXIT_OK;
}

static int rebuild_one(struct vscsi_ctx *ctx, const struct xvios_db_vtd *v, uint32_t timeout_ms)
{
    char client[16];
    struct vscsi_attach_req req = {
        .client = client,
        .lu = v->pool_lu[0] ? v->pool_lu : v->lu,
        .vdev = { .host = v->vhost, .chn = v->chn, .tgt = v->tgt, .lun = v->lun },
        .vios_node = v->node,
        .readonly = v->read_only,
        .shared = true,     /* it was allowed when it was made; the DB's word is the configuration */
        .timeout_ms = timeout_ms,
        .rebuild = true,
    };
    struct vscsi_attached done;
    int rc = same_client(ctx, v);

    if (rc != XVIOS_EXIT_OK)
        return rc;
    snprintf(client, sizeof(client), "%u", v->client);
    return vscsi_attach(ctx, &req, &done);
}

/*
 * --resume: every vhost of the node whose backend dir is gone while its client's frontend is still engaged
 * with it gets its backend dir alone, all its mappings at once (vscsi_resume.c); done[i] marks the
 * mappings so handled. The first failure's exit code, or 0.
 */
static int resume_vhosts(struct vscsi_ctx *ctx, const struct xvios_db_node *vios, const struct xvios_db_vtd *v,
                         unsigned n, bool *done, uint32_t timeout_ms, struct vscsi_rebuilt *out)
{
    const struct xvios_db_vtd **group = calloc(n ? n : 1, sizeof(*group));
    int first_failure = XVIOS_EXIT_OK;

    if (!group)
        return vscsi_say(XVIOS_EXIT_ERROR, "out of memory");
    for (unsigned i = 0; i < n; i++) {
        unsigned k = 0;
        int rc;

        if (done[i] || v[i].node != vios->node || in_place(ctx, vios, &v[i]) != 0 ||
            !vscsi_resume_applies(ctx, vios->domid, v[i].client, v[i].vhost))
            continue;
        for (unsigned j = i; j < n; j++)
            if (!done[j] && v[j].node == vios->node && v[j].client == v[i].client && v[j].vhost == v[i].vhost) {
                group[k++] = &v[j];
                done[j] = true;
            }
        out->recorded += k;
        rc = same_client(ctx, &v[i]);
        if (rc == XVIOS_EXIT_OK)
            rc = vscsi_resume_vhost(ctx, vios, group, k, timeout_ms, out);
        else
            out->failed += k;
        if (rc != XVIOS_EXIT_OK && first_failure == XVIOS_EXIT_OK)
            first_failure = rc;
    }
    free(group);
    return first_failure;
}

int vscsi_rebuild(struct vscsi_ctx *ctx, uint32_t node, uint32_t timeout_ms, bool resume, struct vscsi_rebuilt *out)
{
    const struct xvios_db_node *vios = NULL;
    struct xvios_db_vtd *v = NULL;
    bool *done = NULL;
    unsigned n = 0;
    int rc, first_failure = XVIOS_EXIT_OK;

    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < ctx->n_nodes; i++)
        if (ctx->nodes[i].node == node)
            vios = &ctx->nodes[i];
    if (!vios)
        return vscsi_say(VSCSI_EXIT_NOT_MEMBER, "there is no node %u in the cluster", node);
    rc = xvios_db_vtd_list(ctx->p, XVIOS_TX_NONE, &v, &n);
    if (rc < 0)
        return vscsi_say(rc == -ENOENT ? XVIOS_EXIT_REFUSED : XVIOS_EXIT_ERROR, "reading the VTD table: %s",
                         rc == -ENOENT ? "there is no cluster" : strerror(-rc));
    /* a record a multi-host attach or detach left in its step (state attaching/detaching) is not rebuilt */
    unsigned kept = 0;
    for (unsigned i = 0; i < n; i++) {
        if (v[i].state != XVIOS_VTD_SERVED) {
            vscsi_say(0, "mapping %u:%u:%u:%u:%u is %s (a multi-host attach or detach did not finish): not rebuilt; "
                         "'xvios scsi detach' removes it", v[i].client, v[i].vhost, v[i].chn, v[i].tgt, v[i].lun,
                      xvios_vtd_state_name(v[i].state));
            continue;
        }
        v[kept++] = v[i];
    }
    n = kept;
    done = calloc(n ? n : 1, sizeof(*done));
    if (!done) {
        free(v);
        return vscsi_say(XVIOS_EXIT_ERROR, "out of memory");
    }
    if (resume)
        first_failure = resume_vhosts(ctx, vios, v, n, done, timeout_ms, out);
    for (unsigned i = 0; i < n; i++) {
        char key[64];

        if (v[i].node != node || done[i])
            continue;
        out->recorded++;
        snprintf(key, sizeof(key), "%u:%u:%u:%u:%u", v[i].client, v[i].vhost, v[i].chn, v[i].tgt, v[i].lun);
        rc = in_place(ctx, vios, &v[i]);
        if (rc < 0) {
            rc = vscsi_say(XVIOS_EXIT_ERROR, "mapping %s: reading node %u's backend nodes: %s", key, node,
                           strerror(-rc));
        } else if (rc == 1) {
            out->in_place++;
            continue;
        } else {
            fprintf(stderr, "xvios scsi: rebuilding mapping %s (%s) on node %u\n", key,
                    v[i].pool_lu[0] ? v[i].pool_lu : v[i].lu, node);
            rc = rebuild_one(ctx, &v[i], timeout_ms);
        }
        if (rc == XVIOS_EXIT_OK) {
            out->rebuilt++;
        } else {
            vscsi_say(0, "mapping %s was not rebuilt; its VTD record stays", key);
            out->failed++;
            if (first_failure == XVIOS_EXIT_OK)
                first_failure = rc;
        }
    }
    free(done);
    free(v);
    return first_failure;
}
