/* SPDX-License-Identifier: MIT */
/*
 * plat_loop.c - the loopback platform: open/close of a handle on a cluster
 * root and its ops table. A handle acts as domain cfg->self_domid (0 is
 * privileged, like dom0). Opening creates the root (mode 0700) and the store
 * on first use: "/" and /local/domain/0 owned by dom0, as on a Xen host.
 * Handles are per process: do not use one across fork().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat_loop_gnt.h"
#include "plat_loop_internal.h"
#include "xvios/paths.h"
#include "xvios/log.h"

static int store_bootstrap(struct loop_plat *lp)
{
    static const struct xvios_perm dom0_only[] = { { 0, XVIOS_PERM_NONE } };
    char path[PATH_MAX];
    int lk, fd, rc;

    lk = loop_lock(lp, true);
    if (lk < 0)
        return lk;
    if ((rc = loop_path_join(path, sizeof(path), lp->store, ".changes")) < 0)
        goto out;
    fd = loop_open_regular(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd < 0) {
        rc = fd;
        goto out;
    }
    close(fd);
    if ((rc = loop_disk_init(lp)) < 0)
        goto out;
    rc = loop_disk_get(lp, "/local/domain/0/name", NULL, NULL, NULL, NULL);
    if (rc == -ENOENT) {
        rc = loop_store_force_write(lp, "/local/domain/0/name", "Domain-0", 8, dom0_only, 1);
        if (rc == 0)
            rc = loop_store_force_write(lp, "/local/domain/0/domid", "0", 1, dom0_only, 1);
    }
out:
    loop_unlock(lk);
    return rc;
}

static void loop_close(void *impl)
{
    struct loop_plat *lp = impl;

    if (!lp)
        return;
    loop_tx_dispose_all(lp);
    loop_watch_dispose(lp);
    free(lp->root);
    free(lp->store);
    free(lp);
}

static int loop_open(const struct xvios_plat_config *cfg, void **impl)
{
    struct loop_plat *lp = NULL;
    char path[PATH_MAX];
    int rc;

    *impl = NULL;
    if (cfg->self_domid > 0xffffu)
        return -EINVAL;
    lp = calloc(1, sizeof(*lp));
    if (!lp)
        return -ENOMEM;
    lp->epoll_fd = lp->inotify_fd = lp->event_fd = lp->sync_lk = -1;
    lp->self_domid = cfg->self_domid;
    lp->root = strdup(cfg->root);
    if (!lp->root) {
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = xvios_mkdir_p(lp->root, 0700)) < 0 || (rc = loop_path_join(path, sizeof(path), lp->root, "store")) < 0)
        goto out;
    lp->store = strdup(path);
    if (!lp->store) {
        rc = -ENOMEM;
        goto out;
    }
    if (mkdir(lp->store, 0700) < 0 && errno != EEXIST) {
        rc = -errno;
        goto out;
    }
    if ((rc = loop_path_join(path, sizeof(path), lp->root, "domains")) < 0 ||
        (mkdir(path, 0700) < 0 && errno != EEXIST) ||
        (rc = loop_path_join(path, sizeof(path), lp->root, "links")) < 0 ||
        (mkdir(path, 0700) < 0 && errno != EEXIST)) {
        rc = rc < 0 ? rc : -errno;
        goto out;
    }
    if ((rc = store_bootstrap(lp)) < 0 || (rc = loop_watch_init(lp)) < 0)
        goto out;
    *impl = lp;
    return 0;
out:
    XLOG_ERR("loopback platform on %s: %s", cfg->root, strerror(-rc));
    loop_close(lp);
    return rc;
}

const struct xvios_plat_ops xvios_plat_loopback_ops = {
    .name = "loopback",
    .open = loop_open,
    .close = loop_close,
    .self_domid = loop_self_domid,
    .domain_info = loop_domain_info,
    .domain_lookup = loop_domain_lookup,
    .store_read = loop_store_read,
    .store_write = loop_store_write,
    .store_mkdir = loop_store_mkdir,
    .store_rm = loop_store_rm,
    .store_list = loop_store_list,
    .store_get_perms = loop_store_get_perms,
    .store_set_perms = loop_store_set_perms,
    .tx_start = loop_tx_start,
    .tx_end = loop_tx_end,
    .watch = loop_watch,
    .unwatch = loop_unwatch,
    .watch_fd = loop_watch_fd,
    .watch_read = loop_watch_read,
    .store_generation = loop_store_generation,
    .link_open = loop_link_open,
    .link_close = loop_link_close,
    .link_fd = loop_link_fd,
    .link_progress = loop_link_progress,
    .link_state = loop_link_state,
    .link_send = loop_link_send,
    .link_recv = loop_link_recv,
    .gnt_open = loop_gnt_open,
    .gnt_close = loop_gnt_close,
    .gnt_map = loop_gnt_map,
    .gnt_unmap = loop_gnt_unmap,
    .gnt_copy = loop_gnt_copy,
    .evtchn_bind = loop_evtchn_bind,
    .evtchn_unbind = loop_evtchn_unbind,
    .evtchn_fd = loop_evtchn_fd,
    .evtchn_pending = loop_evtchn_pending,
    .evtchn_unmask = loop_evtchn_unmask,
    .evtchn_notify = loop_evtchn_notify,
};
