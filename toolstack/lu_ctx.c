/* SPDX-License-Identifier: MIT */
/*
 * lu_ctx.c - what the `xvios lu` commands share (lu_cmd.h): their message
 * line, the platform and members they run with, and where the pool's LUs
 * are attached (the members' vscsi backend dirs, vscsi_nodes.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "toolstack/cli_mhdb.h"
#include "toolstack/lu_cmd.h"

int lu_say(int code, const char *fmt, ...)
{
    va_list ap;

    fputs("xvios lu: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int lu_backing_size(const struct vscsi_ctx *ctx, const char *path, uint64_t *size, char *why, size_t cap)
{
    struct stat st;
    uint64_t bytes = 0;
    int fd, err;

    *size = 0;
    if (ctx->kind != XVIOS_PLAT_LOOPBACK)
        return 0;   /* on Xen the backing is inside the VIOSes: their engines check the region */
    if (stat(path, &st) < 0) {
        err = errno;
        snprintf(why, cap, "%s", strerror(err));
        return -err;
    }
    if (S_ISREG(st.st_mode)) {
        *size = (uint64_t)st.st_size;
        return 0;
    }
    if (!S_ISBLK(st.st_mode)) {
        snprintf(why, cap, "neither a file nor a block device");
        return -EINVAL;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
        err = errno;
        if (fd >= 0)
            close(fd);
        snprintf(why, cap, "size unknown: %s", strerror(err));
        return -err;
    }
    close(fd);
    *size = bytes;
    return 0;
}

int lu_ctx_open(const struct xvios_cli *cli, struct vscsi_ctx *ctx)
{
    struct xvios_plat_config cfg = {.kind = cli->platform, .root = cli->root, .self_domid = 0};
    int rc;

    memset(ctx, 0, sizeof(*ctx));
    ctx->kind = cli->platform;
    if (cli->platform == XVIOS_PLAT_LOOPBACK && (!cli->root || !cli->root[0]))
        return lu_say(XVIOS_EXIT_USAGE, "the loopback platform needs --root DIR");
    if (cli->mh_cluster) {   /* the pool is in the replicated DB (the commands main.c lets through) */
        if ((rc = cli_plat_open(cli, "xvios lu", &cfg, &ctx->p)) != 0)
            return rc;
    } else if ((rc = xvios_plat_open(&cfg, &ctx->p)) < 0) {
        return lu_say(XVIOS_EXIT_UNREACHABLE, "cannot reach the store: %s%s", strerror(-rc),
                      cli->platform == XVIOS_PLAT_LOOPBACK ? "" : " (is this dom0 with xenstored running?)");
    }
    rc = xvios_db_nodes(ctx->p, &ctx->nodes, &ctx->n_nodes);
    if (rc < 0) {
        vscsi_ctx_close(ctx);
        if (rc == -ENOENT)
            return lu_say(XVIOS_EXIT_REFUSED, "there is no cluster (create one with 'xvios cluster create NAME')");
        return lu_say(XVIOS_EXIT_ERROR, "reading the cluster: %s%s", strerror(-rc),
                      rc == -EACCES ? " (the pool is kept by dom0: run as root in dom0)" : "");
    }
    return XVIOS_EXIT_OK;
}

int lu_uses(struct vscsi_ctx *ctx, xvios_tx tx, const char *name, struct lu_use **uses, unsigned *n)
{
    unsigned cap = 0;
    int rc = 0;

    *uses = NULL;
    *n = 0;
    for (unsigned i = 0; i < ctx->n_nodes && rc == 0; i++) {
        struct vscsi_vhost *list = NULL;
        unsigned nv = 0;

        rc = vscsi_vios_vhosts(ctx->p, tx, ctx->nodes[i].domid, false, 0, &list, &nv);
        for (unsigned v = 0; v < nv && rc == 0; v++)
            for (unsigned d = 0; d < list[v].n_devs && rc == 0; d++) {
                const struct vscsi_dev *dev = &list[v].devs[d];
                struct lu_use *grown;

                if (!dev->pool_lu[0] || (name && strcmp(dev->pool_lu, name)))
                    continue;
                if (*n == cap) {
                    cap = cap ? 2 * cap : 8;
                    grown = realloc(*uses, cap * sizeof(**uses));
                    if (!grown) {
                        rc = -ENOMEM;
                        break;
                    }
                    *uses = grown;
                }
                (*uses)[*n] = (struct lu_use){.client = list[v].client, .vios_node = ctx->nodes[i].node,
                                              .vhost = list[v].vhost, .vdev_ok = dev->vdev_ok,
                                              .readonly = dev->readonly, .vdev = dev->vdev};
                snprintf((*uses)[*n].lu, sizeof((*uses)[*n].lu), "%s", dev->pool_lu);
                (*n)++;
            }
        vscsi_vhosts_free(list, nv);
    }
    if (rc < 0) {
        free(*uses);
        *uses = NULL;
        *n = 0;
    }
    return rc;
}
