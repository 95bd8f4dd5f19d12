/* SPDX-License-Identifier: MIT */
/*
 * vscsi_list.c - `xvios scsi list`: one line (or JSON object) per LUN of
 * every vhost the cluster's members serve, read from the backend dirs
 * (dom0's record) and the frontends' states; then the mappings the cluster
 * DB's VTD table records that no backend dir serves (a wiped VIOS's, to
 * rebuild). Each LUN names the other mappings of its LU, from the VTD table
 * (shared_with: an LU attached with --shared). JSON through yajl_gen.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "toolstack/vscsi_cmd.h"
#include "xvios/db_vtd.h"

struct row {
    const struct vscsi_vhost *vh;
    const struct vscsi_dev *dev;     /* NULL: a vhost without LUNs */
    const struct xvios_db_node *vios;
    char client_name[64];
};

static void gen_str(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_key_str(yajl_gen g, const char *k, const char *v)
{
    gen_str(g, k);
    gen_str(g, v);
}

static void gen_key_uint(yajl_gen g, const char *k, uint32_t v)
{
    gen_str(g, k);
    yajl_gen_integer(g, v);
}

static void gen_key_state(yajl_gen g, const char *k, int state)
{
    gen_str(g, k);
    if (state == VSCSI_ST_ABSENT)
        yajl_gen_null(g);
    else
        yajl_gen_integer(g, state);
}

/* The cluster's mappings as the VTD table records them (every VIOS's, every client's). */
struct unserved {
    struct xvios_db_vtd *v;
    unsigned n;
};

/* Does VTD record v map the row's LU (the same pool LU, or the same path when neither is a pool LU) to
 * another client LUN than the row's own? */
static bool shares(const struct row *r, const struct xvios_db_vtd *v)
{
    const struct vscsi_dev *d = r->dev;

    if (!d || !d->lu[0])
        return false;
    if (d->pool_lu[0] || v->pool_lu[0]) {
        if (strcmp(d->pool_lu, v->pool_lu))
            return false;
    } else if (strcmp(d->lu, v->lu)) {
        return false;
    }
    return !(v->client == r->vh->client && d->vdev_ok && d->vdev.host == v->vhost && d->vdev.chn == v->chn &&
             d->vdev.tgt == v->tgt && d->vdev.lun == v->lun);
}

static void gen_shared_with(yajl_gen g, const struct row *r, const struct unserved *all)
{
    char vdev[48];

    gen_str(g, "shared_with");              /* the other mappings of this LU, from the VTD table */
    yajl_gen_array_open(g);
    for (unsigned i = 0; i < all->n; i++) {
        const struct xvios_db_vtd *v = &all->v[i];
        if (!shares(r, v))
            continue;
        snprintf(vdev, sizeof(vdev), "%u:%u:%u:%u", v->vhost, v->chn, v->tgt, v->lun);
        yajl_gen_map_open(g);
        gen_key_uint(g, "client", v->client);
        gen_key_str(g, "vdev", vdev);
        gen_key_uint(g, "vios_node", v->node);
        gen_key_str(g, "mode", v->read_only ? "r" : "w");
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

static void gen_row(yajl_gen g, const struct row *r, const struct unserved *all)
{
    char vdev[32] = "";

    yajl_gen_map_open(g);
    gen_key_uint(g, "client", r->vh->client);
    gen_key_str(g, "client_name", r->client_name);
    gen_key_uint(g, "vhost", r->vh->vhost);
    if (r->dev && r->dev->vdev_ok)
        vscsi_vdev_format(&r->dev->vdev, vdev, sizeof(vdev));
    gen_str(g, "vdev");
    if (vdev[0])
        gen_str(g, vdev);
    else
        yajl_gen_null(g);
    gen_str(g, "dev");
    if (r->dev)
        yajl_gen_integer(g, r->dev->index);
    else
        yajl_gen_null(g);
    gen_key_str(g, "lu", r->dev ? r->dev->lu : "");
    gen_str(g, "pool_lu");                  /* the pool LU's name (docs/pool.md); null for a path */
    if (r->dev && r->dev->pool_lu[0])
        gen_str(g, r->dev->pool_lu);
    else
        yajl_gen_null(g);
    gen_key_uint(g, "vios_node", r->vios->node);
    gen_key_uint(g, "vios_domid", r->vios->domid);
    gen_key_str(g, "mode", !r->dev ? "" : r->dev->readonly ? "r" : "w");
    gen_key_state(g, "backend_state", r->vh->be_state);
    gen_key_state(g, "frontend_state", r->vh->fe_state);
    gen_key_state(g, "lun_backend_state", r->dev ? r->dev->be_state : VSCSI_ST_ABSENT);
    gen_key_state(g, "lun_frontend_state", r->dev ? r->dev->fe_state : VSCSI_ST_ABSENT);
    gen_key_str(g, "error", r->dev && r->dev->error[0] ? r->dev->error : r->vh->error);
    gen_shared_with(g, r, all);
    yajl_gen_map_close(g);
}

static void gen_unserved(yajl_gen g, const struct xvios_db_vtd *v, bool with_state)
{
    char vdev[48];

    snprintf(vdev, sizeof(vdev), "%u:%u:%u:%u", v->vhost, v->chn, v->tgt, v->lun);
    yajl_gen_map_open(g);
    gen_key_uint(g, "client", v->client);
    gen_key_str(g, "client_name", v->client_name);
    gen_key_str(g, "vdev", vdev);
    gen_key_uint(g, "vios_node", v->node);
    gen_key_str(g, "mode", v->read_only ? "r" : "w");
    gen_key_str(g, "lu", v->lu);
    gen_str(g, "pool_lu");
    if (v->pool_lu[0])
        gen_str(g, v->pool_lu);
    else
        yajl_gen_null(g);
    if (with_state)   /* a multi-host listing's "recorded" (a single-host record is always served) */
        gen_key_str(g, "state", xvios_vtd_state_name(v->state));
    yajl_gen_map_close(g);
}

static int print_json(FILE *f, const struct row *rows, unsigned n, const struct unserved *u,
                      const struct unserved *all, bool multihost)
{
    const unsigned char *buf = NULL;
    size_t len = 0;
    yajl_gen g = yajl_gen_alloc(NULL);
    int rc = XVIOS_EXIT_OK;

    if (!g)
        return vscsi_say(XVIOS_EXIT_ERROR, "out of memory");
    yajl_gen_map_open(g);
    gen_str(g, "luns");
    yajl_gen_array_open(g);
    for (unsigned i = 0; i < n; i++)
        gen_row(g, &rows[i], all);
    yajl_gen_array_close(g);
    gen_str(g, "unserved");                 /* recorded in the VTD table, in no backend dir */
    yajl_gen_array_open(g);
    for (unsigned i = 0; i < u->n; i++)
        gen_unserved(g, &u->v[i], false);
    yajl_gen_array_close(g);
    if (multihost) {                        /* every host's records, with their state (attaching, ...) */
        gen_str(g, "recorded");
        yajl_gen_array_open(g);
        for (unsigned i = 0; i < all->n; i++)
            gen_unserved(g, &all->v[i], true);
        yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);
    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
        rc = vscsi_say(XVIOS_EXIT_ERROR, "generating JSON failed");
    else if (fwrite(buf, 1, len, f) != len || fputc('\n', f) == EOF)
        rc = XVIOS_EXIT_ERROR;
    yajl_gen_free(g);
    return rc;
}

/* Multi-host: every host's records with their state (this host's store shows only its own vhosts). */
static void print_recorded(FILE *f, const struct unserved *all)
{
    fprintf(f, "recorded in the cluster DB (every host):\n");
    for (unsigned i = 0; i < all->n; i++) {
        const struct xvios_db_vtd *v = &all->v[i];
        char client[96];

        snprintf(client, sizeof(client), "%s(%u)", v->client_name, v->client);
        vscsi_text(f, client);
        fprintf(f, " %u:%u:%u:%u node %u %s %s ", v->vhost, v->chn, v->tgt, v->lun, v->node, v->read_only ? "r" : "w",
                xvios_vtd_state_name(v->state));
        vscsi_text(f, v->pool_lu[0] ? v->pool_lu : v->lu);
        fputc('\n', f);
    }
}

static void print_unserved(FILE *f, const struct unserved *u)
{
    if (!u->n)
        return;
    fprintf(f, "recorded in the cluster DB but served by no VIOS (xvios scsi rebuild --vios NODE):\n");
    for (unsigned i = 0; i < u->n; i++) {
        const struct xvios_db_vtd *v = &u->v[i];
        char client[96];

        snprintf(client, sizeof(client), "%s(%u)", v->client_name, v->client);
        vscsi_text(f, client);
        fprintf(f, " %u:%u:%u:%u node %u %s ", v->vhost, v->chn, v->tgt, v->lun, v->node, v->read_only ? "r" : "w");
        vscsi_text(f, v->pool_lu[0] ? v->pool_lu : v->lu);
        fputc('\n', f);
    }
}

/* Is record v among the LUNs the rows show? */
static bool served(const struct row *rows, unsigned n, const struct xvios_db_vtd *v)
{
    for (unsigned i = 0; i < n; i++) {
        const struct vscsi_dev *d = rows[i].dev;

        if (rows[i].vh->client == v->client && d && d->vdev_ok && d->vdev.host == v->vhost && d->vdev.chn == v->chn &&
            d->vdev.tgt == v->tgt && d->vdev.lun == v->lun)
            return true;
    }
    return false;
}

/* The VTD records (of client domid, when only_client) that no row serves; -errno. */
static int find_unserved(struct vscsi_ctx *ctx, const struct row *rows, unsigned n, bool only_client, uint32_t domid,
                         struct unserved *u)
{
    unsigned k = 0;
    int rc = xvios_db_vtd_list(ctx->p, XVIOS_TX_NONE, &u->v, &u->n);

    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < u->n; i++)
        if ((!only_client || u->v[i].client == domid) && !served(rows, n, &u->v[i]) &&
            (!ctx->mh_host || (u->v[i].node >> 8) == ctx->mh_host))   /* multi-host: this host's VIOSes' */
            u->v[k++] = u->v[i];
    u->n = k;
    return 0;
}

static void print_text(FILE *f, const struct row *rows, unsigned n, const struct unserved *all)
{
    fprintf(f, "%-16s %-5s %-12s %-5s %-5s %-4s %-13s %-13s %-13s %-13s %s\n", "CLIENT", "VHOST", "VDEV", "DEV",
            "VIOS", "MODE", "BACKEND", "FRONTEND", "LUN-BACKEND", "LUN-FRONTEND", "LU");
    for (unsigned i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        char client[96], vdev[32] = "-", dev[16] = "-";

        snprintf(client, sizeof(client), "%s(%u)", r->client_name[0] ? r->client_name : "", r->vh->client);
        if (r->dev && r->dev->vdev_ok)
            vscsi_vdev_format(&r->dev->vdev, vdev, sizeof(vdev));
        if (r->dev)
            snprintf(dev, sizeof(dev), "%u", r->dev->index);
        vscsi_text(f, client);
        fprintf(f, "%*s %-5u %-12s %-5s %-5u %-4s %-13s %-13s %-13s %-13s ",
                (int)(strlen(client) < 16 ? 16 - strlen(client) : 0), "", r->vh->vhost, vdev, dev, r->vios->node,
                !r->dev ? "-" : r->dev->readonly ? "r" : "w", vscsi_state_name(r->vh->be_state),
                vscsi_state_name(r->vh->fe_state), vscsi_state_name(r->dev ? r->dev->be_state : VSCSI_ST_ABSENT),
                vscsi_state_name(r->dev ? r->dev->fe_state : VSCSI_ST_ABSENT));
        vscsi_text(f, r->dev && r->dev->lu[0] ? r->dev->lu : "-");
        if ((r->dev && r->dev->error[0]) || r->vh->error[0]) {
            fputs("  error: ", f);
            vscsi_text(f, r->dev && r->dev->error[0] ? r->dev->error : r->vh->error);
        }
        for (unsigned k = 0, m = 0; k < all->n; k++) {
            const struct xvios_db_vtd *v = &all->v[k];
            if (!shares(r, v))
                continue;
            fprintf(f, "%s domain %u %u:%u:%u:%u node %u %s", m++ ? "," : "  shared with", v->client, v->vhost,
                    v->chn, v->tgt, v->lun, v->node, v->read_only ? "r" : "w");
        }
        fputc('\n', f);
    }
}

int vscsi_list(struct vscsi_ctx *ctx, const char *client, bool json, FILE *f)
{
    struct vscsi_vhost *list = NULL;
    struct row *rows = NULL;
    struct unserved u = { NULL, 0 }, all = { NULL, 0 };
    unsigned n = 0, nrows = 0, total = 0;
    uint32_t domid = 0;
    int rc = XVIOS_EXIT_OK;
    unsigned start;

    if (client && (rc = vscsi_client_resolve(ctx, client, false, &domid, NULL, 0)) != XVIOS_EXIT_OK)
        return rc;
    for (unsigned i = 0; i < ctx->n_nodes; i++) {
        int e = vscsi_vios_vhosts(ctx->p, XVIOS_TX_NONE, ctx->nodes[i].domid, client != NULL, domid, &list, &n);
        if (e < 0) {
            rc = vscsi_say(XVIOS_EXIT_ERROR, "reading node %u's vhosts: %s", ctx->nodes[i].node, strerror(-e));
            goto out;
        }
    }
    for (unsigned v = 0; v < n; v++)
        total += list[v].n_devs ? list[v].n_devs : 1;
    rows = calloc(total ? total : 1, sizeof(*rows));
    if (!rows) {
        rc = vscsi_say(XVIOS_EXIT_ERROR, "out of memory");
        goto out;
    }
    for (unsigned v = 0; v < n; v++) {
        struct xvios_dominfo info;

        start = nrows;
        for (unsigned d = 0; d < (list[v].n_devs ? list[v].n_devs : 1); d++) {
            rows[nrows].vh = &list[v];
            rows[nrows].dev = list[v].n_devs ? &list[v].devs[d] : NULL;
            rows[nrows].vios = vscsi_member_by_domid(ctx, list[v].vios);
            nrows++;
        }
        if (xvios_plat_domain_info(ctx->p, list[v].client, &info) == 0)
            for (unsigned r = start; r < nrows; r++)
                snprintf(rows[r].client_name, sizeof(rows[r].client_name), "%s", info.name);
    }
    if ((rc = find_unserved(ctx, rows, nrows, client != NULL, domid, &u)) < 0) {
        rc = vscsi_say(XVIOS_EXIT_ERROR, "reading the VTD table: %s", strerror(-rc));
        goto out;
    }
    if ((rc = xvios_db_vtd_list(ctx->p, XVIOS_TX_NONE, &all.v, &all.n)) < 0) {
        rc = vscsi_say(XVIOS_EXIT_ERROR, "reading the VTD table: %s", strerror(-rc));
        goto out;
    }
    if (json) {
        rc = print_json(f, rows, nrows, &u, &all, ctx->mh_host != 0);
    } else {
        print_text(f, rows, nrows, &all);
        print_unserved(f, &u);
        if (ctx->mh_host)
            print_recorded(f, &all);
    }
    if (rc == XVIOS_EXIT_OK && fflush(f) != 0)
        rc = XVIOS_EXIT_ERROR;
out:
    free(all.v);
    free(u.v);
    free(rows);
    vscsi_vhosts_free(list, n);
    return rc;
}
