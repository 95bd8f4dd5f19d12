/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_evtchn.c - a backend's interdomain event channels on Xen
 * (xvios/ring.h) with libxenevtchn: one handle per bound channel, as QEMU's
 * xen-bus does, so each channel has its own pollable fd and a pending port
 * always is ours. xenevtchn_pending() reads the evtchn device, which may
 * block even when the caller thinks otherwise (xenevtchn.h): it is only
 * called after a zero-timeout poll() said the fd is readable.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "plat_xen_internal.h" /* first: it sets up the Xen tools headers */
#include <xenevtchn.h>
#include "xvios/log.h"

struct plat_xen_evtchn {
    xenevtchn_handle *xce;
    int fd;
    uint32_t domid;
    evtchn_port_t local, remote;
    bool bound;
};

static int errno_or_eio(void) { return errno > 0 ? -errno : -EIO; }

void plat_xen_evtchn_unbind(void *ch_impl)
{
    struct plat_xen_evtchn *ch = ch_impl;

    if (!ch)
        return;
    if (ch->bound && xenevtchn_unbind(ch->xce, ch->local) < 0)
        XLOG_WARN("unbind of event channel %u (domain %u port %u): %s", ch->local, ch->domid, ch->remote,
                  strerror(errno));
    if (ch->xce)
        xenevtchn_close(ch->xce);
    free(ch);
}

int plat_xen_evtchn_bind(void *impl, uint32_t fe_domid, uint32_t remote_port, void **ch_impl, uint32_t *local_port)
{
    struct plat_xen *px = impl;
    struct plat_xen_evtchn *ch;
    xenevtchn_port_or_error_t port;
    int rc;

    *ch_impl = NULL;
    ch = calloc(1, sizeof(*ch));
    if (!ch)
        return -ENOMEM;
    ch->domid = fe_domid;
    ch->remote = remote_port;
    errno = 0;
    ch->xce = xenevtchn_open(&px->logger.vtable, 0);
    if (!ch->xce) {
        rc = errno_or_eio();
        XLOG_ERR("cannot open the event channel device (is xen-evtchn loaded?): %s", strerror(-rc));
        goto out;
    }
    ch->fd = xenevtchn_fd(ch->xce);
    if (ch->fd < 0) {
        rc = -EIO;
        goto out;
    }
    errno = 0;
    port = xenevtchn_bind_interdomain(ch->xce, fe_domid, remote_port);
    if (port < 0) {
        rc = errno_or_eio();
        XLOG_DEBUG("bind to domain %u port %u: %s", fe_domid, remote_port, strerror(-rc));
        goto out;
    }
    ch->local = (evtchn_port_t)port;
    ch->bound = true;
    *local_port = ch->local;
    *ch_impl = ch;
    return 0;
out:
    plat_xen_evtchn_unbind(ch);
    return rc;
}

int plat_xen_evtchn_fd(const void *ch_impl)
{
    const struct plat_xen_evtchn *ch = ch_impl;
    return ch->fd;
}

int plat_xen_evtchn_pending(void *ch_impl)
{
    struct plat_xen_evtchn *ch = ch_impl;
    struct pollfd pfd = {.fd = ch->fd, .events = POLLIN};
    xenevtchn_port_or_error_t port;

    if (poll(&pfd, 1, 0) < 0)
        return errno == EINTR ? -EAGAIN : -errno;
    if (!(pfd.revents & POLLIN))
        return -EAGAIN;
    errno = 0;
    port = xenevtchn_pending(ch->xce);
    if (port < 0)
        return errno == EAGAIN || errno == EINTR ? -EAGAIN : errno_or_eio();
    if ((evtchn_port_t)port != ch->local) {
        /* one handle, one port: anything else is the driver's or our bug; keep it unmasked and say so */
        XLOG_ERR("event channel handle of port %u reported port %d", ch->local, port);
        xenevtchn_unmask(ch->xce, (evtchn_port_t)port);
        return -EAGAIN;
    }
    return (int)port;
}

int plat_xen_evtchn_unmask(void *ch_impl)
{
    struct plat_xen_evtchn *ch = ch_impl;

    errno = 0;
    return xenevtchn_unmask(ch->xce, ch->local) < 0 ? errno_or_eio() : 0;
}

int plat_xen_evtchn_notify(void *ch_impl)
{
    struct plat_xen_evtchn *ch = ch_impl;

    errno = 0;
    return xenevtchn_notify(ch->xce, ch->local) < 0 ? errno_or_eio() : 0;
}
