/* SPDX-License-Identifier: MIT */
/*
 * plat_xen.c - the Xen implementation of the platform seam: open/close and
 * the ops table. Store, watches, identity and links live in
 * plat_xen_{store,watch,ident,link}.c, a backend's grants and event
 * channels (xvios/ring.h) in plat_xen_{gnt,evtchn}.c; dom0's @releaseDomain grants
 * (xvios/xen.h) in plat_xen_grant.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat_xen_internal.h"
#include "xvios/log.h"

/* ---------------------------------------------------------------- logger */
__attribute__((format(printf, 5, 0)))
static void logger_vmessage(struct xentoollog_logger *lg, xentoollog_level level, int errnoval,
                            const char *context, const char *format, va_list al)
{
    char msg[512];

    (void)lg;
    if (vsnprintf(msg, sizeof(msg), format, al) < 0)
        return;
    /* libxenctrl complains loudly when privcmd is missing in a domU: that is expected, keep it at debug */
    if (level >= XTL_ERROR)
        XLOG_DEBUG("%s: %s%s%s", context ? context : "xen", msg, errnoval >= 0 ? ": " : "",
                   errnoval >= 0 ? strerror(errnoval) : "");
    else if (level >= XTL_WARN)
        XLOG_DEBUG("%s: %s", context ? context : "xen", msg);
}

static void logger_destroy(struct xentoollog_logger *lg)
{
    (void)lg; /* embedded in struct plat_xen */
}

void plat_xen_logger_init(struct plat_xen_logger *lg)
{
    memset(lg, 0, sizeof(*lg));
    lg->vtable.vmessage = logger_vmessage;
    lg->vtable.progress = NULL;
    lg->vtable.destroy = logger_destroy;
}

/* ---------------------------------------------------------------- open/close */
static void plat_xen_close(void *impl)
{
    struct plat_xen *px = impl;

    if (!px)
        return;
    plat_xen_release_close(px);
    if (px->xc)
        xc_interface_close(px->xc);
    if (px->xs)
        xs_close(px->xs);
    free(px);
}

static int plat_xen_open(const struct xvios_plat_config *cfg, void **impl)
{
    struct plat_xen *px = NULL;
    int rc;

    (void)cfg;
    *impl = NULL;
    px = calloc(1, sizeof(*px));
    if (!px)
        return -ENOMEM;
    px->watch_fd = -1;
    px->rel_fd = -1;
    plat_xen_logger_init(&px->logger);

    px->xs = xs_open(0);
    if (!px->xs) {
        rc = plat_xen_errno();
        XLOG_ERR("cannot connect to XenStore: %s", strerror(-rc));
        goto out;
    }
    /* Create the watch pipe now so the fd is stable for the caller's poll set. */
    px->watch_fd = xs_fileno(px->xs);
    if (px->watch_fd < 0) {
        rc = plat_xen_errno();
        XLOG_ERR("cannot get the XenStore watch fd: %s", strerror(-rc));
        goto out;
    }
    /* Optional: without privcmd (an unprivileged domU) identity uses XenStore alone. */
    px->xc = xc_interface_open(&px->logger.vtable, &px->logger.vtable, 0);
    if (!px->xc)
        XLOG_INFO("libxenctrl unavailable (%s): a peer domain's end is seen from XenStore only", strerror(errno));

    *impl = px;
    px = NULL;
    rc = 0;
out:
    plat_xen_close(px);
    return rc;
}

const struct xvios_plat_ops xvios_plat_xen_ops = {
    .name            = "xen",
    .open            = plat_xen_open,
    .close           = plat_xen_close,
    .self_domid      = plat_xen_self_domid,
    .domain_info     = plat_xen_domain_info,
    .domain_lookup   = plat_xen_domain_lookup,
    .domid_recent    = plat_xen_domid_recent,
    .domain_create_as = plat_xen_domain_create_as,
    .store_read      = plat_xen_store_read,
    .store_write     = plat_xen_store_write,
    .store_mkdir     = plat_xen_store_mkdir,
    .store_rm        = plat_xen_store_rm,
    .store_list      = plat_xen_store_list,
    .store_get_perms = plat_xen_store_get_perms,
    .store_set_perms = plat_xen_store_set_perms,
    .tx_start        = plat_xen_tx_start,
    .tx_end          = plat_xen_tx_end,
    .watch           = plat_xen_watch,
    .unwatch         = plat_xen_unwatch,
    .watch_fd        = plat_xen_watch_fd,
    .watch_read      = plat_xen_watch_read,
    .link_open       = plat_xen_link_open,
    .link_close      = plat_xen_link_close,
    .link_fd         = plat_xen_link_fd,
    .link_progress   = plat_xen_link_progress,
    .link_state      = plat_xen_link_state,
    .link_send       = plat_xen_link_send,
    .link_recv       = plat_xen_link_recv,
    .gnt_open        = plat_xen_gnt_open,
    .gnt_close       = plat_xen_gnt_close,
    .gnt_map         = plat_xen_gnt_map,
    .gnt_unmap       = plat_xen_gnt_unmap,
    .gnt_copy        = plat_xen_gnt_copy,
    .evtchn_bind     = plat_xen_evtchn_bind,
    .evtchn_unbind   = plat_xen_evtchn_unbind,
    .evtchn_fd       = plat_xen_evtchn_fd,
    .evtchn_pending  = plat_xen_evtchn_pending,
    .evtchn_unmask   = plat_xen_evtchn_unmask,
    .evtchn_notify   = plat_xen_evtchn_notify,
};
