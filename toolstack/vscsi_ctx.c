/* SPDX-License-Identifier: MIT */
/* vscsi_ctx.c - what `xvios scsi` commands share: platform, members, client lookup (vscsi_cmd.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "toolstack/cli_mhdb.h"
#include "toolstack/vscsi_cmd.h"
#include "xvios/parse.h"

static char last_said[256];

int vscsi_say(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(last_said, sizeof(last_said), fmt, ap);
    va_end(ap);
    fprintf(stderr, "xvios scsi: %s\n", last_said);
    return code;
}

const char *vscsi_last_said(void)
{
    return last_said;
}

/* Multi-host: this host's corosync nodeid, and only this host's members kept (a vscsi ring does not cross hosts;
 * the domids of other hosts' VIOSes mean nothing in this host's store). An exit code. */
static int mh_scope(struct vscsi_ctx *ctx)
{
    struct xvios_rdb_status st;
    xvios_rdb *r = cli_plat_rdb(ctx->p);
    unsigned k = 0;

    if (!r)
        return vscsi_say(XVIOS_EXIT_ERROR, "the replicated DB is not open");
    xvios_rdb_status(r, &st);
    if (st.nodeid == 0 || st.nodeid > (XVIOS_NODE_ID_MAX >> 8))
        return vscsi_say(XVIOS_EXIT_REFUSED, "this host's corosync nodeid %u is not 1..%u", st.nodeid,
                         XVIOS_NODE_ID_MAX >> 8);
    ctx->mh_host = st.nodeid;
    for (unsigned i = 0; i < ctx->n_nodes; i++)
        if ((ctx->nodes[i].node >> 8) == ctx->mh_host)
            ctx->nodes[k++] = ctx->nodes[i];
    ctx->n_nodes = k;
    return XVIOS_EXIT_OK;
}

int vscsi_ctx_open(const struct xvios_cli *cli, struct vscsi_ctx *ctx)
{
    struct xvios_plat_config cfg = {.kind = cli->platform, .root = cli->root, .self_domid = 0};
    int rc;

    memset(ctx, 0, sizeof(*ctx));
    ctx->kind = cli->platform;
    if (cli->platform == XVIOS_PLAT_LOOPBACK && (!cli->root || !cli->root[0]))
        return vscsi_say(XVIOS_EXIT_USAGE, "the loopback platform needs --root DIR");
    if (cli->mh_cluster) {   /* the platform and the replicated DB next to it (cli_mhdb.h) */
        if ((rc = cli_plat_open(cli, "xvios scsi", &cfg, &ctx->p)) != 0)
            return rc;
        rc = xvios_db_nodes(ctx->p, &ctx->nodes, &ctx->n_nodes);
        if (rc == -ENOENT) {
            vscsi_ctx_close(ctx);
            return vscsi_say(XVIOS_EXIT_REFUSED, "the replicated DB holds no cluster %s", cli->mh_cluster);
        }
        if (rc < 0) {
            vscsi_ctx_close(ctx);
            return vscsi_say(XVIOS_EXIT_ERROR, "reading the cluster nodes: %s", strerror(-rc));
        }
        if ((rc = mh_scope(ctx)) != XVIOS_EXIT_OK)
            vscsi_ctx_close(ctx);
        return rc;
    }
    rc = xvios_plat_open(&cfg, &ctx->p);
    if (rc < 0) {
        if (cli->platform == XVIOS_PLAT_LOOPBACK)
            return vscsi_say(XVIOS_EXIT_UNREACHABLE, "cannot open the loopback cluster root %s: %s", cli->root,
                             strerror(-rc));
        return vscsi_say(XVIOS_EXIT_UNREACHABLE, "cannot reach XenStore: %s (is this dom0 with xenstored running?)",
                         strerror(-rc));
    }
    rc = xvios_db_nodes(ctx->p, &ctx->nodes, &ctx->n_nodes);
    if (rc == -ENOENT) {
        vscsi_ctx_close(ctx);
        return vscsi_say(XVIOS_EXIT_REFUSED, "there is no cluster (create one with 'xvios cluster create NAME')");
    }
    if (rc < 0) {
        vscsi_ctx_close(ctx);
        return vscsi_say(XVIOS_EXIT_ERROR, "reading the cluster nodes: %s%s",
                         strerror(-rc), rc == -EACCES ? " (run as root in dom0)" : "");
    }
    return XVIOS_EXIT_OK;
}

void vscsi_ctx_close(struct vscsi_ctx *ctx)
{
    free(ctx->nodes);
    ctx->nodes = NULL;
    ctx->n_nodes = 0;
    cli_plat_close(ctx->p);   /* and the replicated DB next to it, if lu_ctx_open opened one */
    ctx->p = NULL;
}

bool vscsi_member_alive(struct vscsi_ctx *ctx, const struct xvios_db_node *n)
{
    struct xvios_dominfo info;

    if (xvios_plat_domain_info(ctx->p, n->domid, &info) < 0 || !info.alive)
        return false;
    return !n->uuid[0] || !info.uuid[0] || !strcasecmp(n->uuid, info.uuid);
}

/* The VIOS for a new vhost: --vios NODE, else the lowest-numbered active, running member (not the client). */
int vscsi_pick_vios(struct vscsi_ctx *ctx, uint32_t node, uint32_t client, const struct xvios_db_node **out)
{
    for (unsigned i = 0; i < ctx->n_nodes; i++) {
        const struct xvios_db_node *n = &ctx->nodes[i];

        if ((node && n->node != node) || (!node && n->domid == client))
            continue;
        if (n->state == XVIOS_NODE_ACTIVE && vscsi_member_alive(ctx, n)) {
            *out = n;
            return XVIOS_EXIT_OK;
        }
        if (node)
            return vscsi_say(VSCSI_EXIT_NOT_MEMBER, "node %u (domid %u) is %s", node, n->domid,
                             n->state != XVIOS_NODE_ACTIVE ? "leaving the cluster" : "not running");
    }
    if (node)
        return vscsi_say(VSCSI_EXIT_NOT_MEMBER, "there is no node %u in the cluster", node);
    return vscsi_say(VSCSI_EXIT_NOT_MEMBER, "no cluster node is active and running to serve the disk");
}

const struct xvios_db_node *vscsi_member_by_domid(const struct vscsi_ctx *ctx, uint32_t domid)
{
    for (unsigned i = 0; i < ctx->n_nodes; i++)
        if (ctx->nodes[i].domid == domid)
            return &ctx->nodes[i];
    return NULL;
}

int vscsi_client_resolve(struct vscsi_ctx *ctx, const char *which, bool must_run, uint32_t *domid, char *name,
                         size_t name_len)
{
    struct xvios_dominfo info;
    uint32_t id;
    int rc;

    if (name_len)
        name[0] = '\0';
    rc = xvios_plat_domain_lookup(ctx->p, which, &id);
    if (rc == -ENOENT && !must_run && xvios_parse_domid(which, &id) == 0) {
        *domid = id;   /* a destroyed client, by domid: its nodes can still be cleaned up */
        return XVIOS_EXIT_OK;
    }
    if (rc == -ENOENT)
        return vscsi_say(VSCSI_EXIT_NO_CLIENT, "no domain '%s'", which);
    if (rc < 0)
        return vscsi_say(XVIOS_EXIT_ERROR, "looking up domain '%s': %s", which, strerror(-rc));
    rc = xvios_plat_domain_info(ctx->p, id, &info);
    if (rc == 0 && name_len)
        snprintf(name, name_len, "%s", info.name);
    if (must_run && (rc == -ENOENT || (rc == 0 && !info.alive)))
        return vscsi_say(VSCSI_EXIT_NO_CLIENT, "domain '%s' (domid %u) is not running", which, id);
    if (rc < 0 && rc != -ENOENT)
        return vscsi_say(XVIOS_EXIT_ERROR, "reading domain %u's state: %s", id, strerror(-rc));
    *domid = id;
    return XVIOS_EXIT_OK;
}

int vscsi_find_vhost(struct vscsi_ctx *ctx, xvios_tx tx, uint32_t client, uint32_t vhost, struct vscsi_vhost *out)
{
    for (unsigned i = 0; i < ctx->n_nodes; i++) {
        int rc = vscsi_vhost_read(ctx->p, tx, ctx->nodes[i].domid, client, vhost, out);
        if (rc != -ENOENT)
            return rc;
    }
    return -ENOENT;
}

void vscsi_text(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        fputc(*c < 0x20 || *c >= 0x7f ? '?' : *c, f);
}

const char *vscsi_state_name(int state)
{
    static const char *const names[] = {
        "unknown", "initialising", "initwait", "initialised", "connected",
        "closing", "closed", "reconfiguring", "reconfigured",
    };

    if (state < 0 || (unsigned)state >= sizeof(names) / sizeof(names[0]))
        return "-";
    return names[state];
}
