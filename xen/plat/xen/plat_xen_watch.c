/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_watch.c - XenStore watches for the seam (the caller's watches on
 * the main connection) and the link layer's private @releaseDomain monitor
 * (a second connection, so its events never mix with the caller's).
 *
 * Reading is non-blocking: xs_check_watch() hands back one queued event or
 * NULL with errno EAGAIN; the fd from xs_fileno() is readable while events
 * are queued.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plat_xen_internal.h"
#include "xvios/log.h"

int plat_xen_watch(void *impl, const char *path, const char *token)
{
    struct plat_xen *px = impl;

    errno = 0;
    if (!xs_watch(px->xs, path, token))
        return plat_xen_errno();
    return 0;
}

int plat_xen_unwatch(void *impl, const char *path, const char *token)
{
    struct plat_xen *px = impl;

    errno = 0;
    if (!xs_unwatch(px->xs, path, token))
        return plat_xen_errno();
    return 0;
}

int plat_xen_watch_fd(void *impl)
{
    struct plat_xen *px = impl;

    return px->watch_fd;
}

/* One queued event from h, copied; -EAGAIN when none is queued. */
static int check_one(struct xs_handle *h, char **path, char **token)
{
    char **untrusted_ev;
    size_t lp, lt;
    int rc;

    errno = 0;
    untrusted_ev = xs_check_watch(h);
    if (!untrusted_ev)
        return errno == EAGAIN || errno == 0 ? -EAGAIN : plat_xen_errno();
    lp = untrusted_ev[XS_WATCH_PATH] ? strnlen(untrusted_ev[XS_WATCH_PATH], XVIOS_STORE_MAX_PATH + 1) : 0;
    lt = untrusted_ev[XS_WATCH_TOKEN] ? strnlen(untrusted_ev[XS_WATCH_TOKEN], XVIOS_STORE_MAX_PATH + 1) : 0;
    if (lp == 0 || lt == 0 || lp > XVIOS_STORE_MAX_PATH || lt > XVIOS_STORE_MAX_PATH) {
        XLOG_WARN("dropped a malformed XenStore watch event (path length %zu, token length %zu)", lp, lt);
        free(untrusted_ev);
        return -EPROTO;
    }
    *path = strdup(untrusted_ev[XS_WATCH_PATH]);
    *token = strdup(untrusted_ev[XS_WATCH_TOKEN]);
    rc = *path && *token ? 0 : -ENOMEM;
    if (rc < 0) {
        free(*path);
        free(*token);
        *path = *token = NULL;
    }
    free(untrusted_ev);
    return rc;
}

int plat_xen_watch_read(void *impl, char **path, char **token)
{
    struct plat_xen *px = impl;
    int rc;

    /* a malformed event is dropped; look at the next one */
    for (unsigned i = 0; i < 64; i++) {
        rc = check_one(px->xs, path, token);
        if (rc == 0) {
            /*
             * What the caller hears about may be a domain's end before
             * @releaseDomain reaches the monitor's connection: xenstored
             * deletes a destroyed domain's nodes (a cluster node's DB
             * subtree among them) and fires their watches first. Links
             * look at their peers again on their next progress, so a
             * caller reacting to this event sees a dead peer as dead.
             */
            px->release_gen++;
        }
        if (rc != -EPROTO)
            return rc;
    }
    return -EAGAIN;
}

/* ---------------------------------------------------------------- @releaseDomain monitor */
int plat_xen_release_open(struct plat_xen *px)
{
    int rc;

    if (px->rel_xs)
        return 0;
    px->rel_xs = xs_open(0);
    if (!px->rel_xs)
        return plat_xen_errno();
    px->rel_fd = xs_fileno(px->rel_xs);
    if (px->rel_fd < 0) {
        rc = plat_xen_errno();
        goto fail;
    }
    errno = 0;
    if (!xs_watch(px->rel_xs, "@releaseDomain", PLAT_XEN_RELEASE_TOKEN)) {
        rc = plat_xen_errno();
        goto fail;
    }
    return 0;
fail:
    xs_close(px->rel_xs);
    px->rel_xs = NULL;
    px->rel_fd = -1;
    return rc;
}

void plat_xen_release_close(struct plat_xen *px)
{
    if (!px->rel_xs)
        return;
    xs_close(px->rel_xs); /* drops the watch with the connection */
    px->rel_xs = NULL;
    px->rel_fd = -1;
}

uint64_t plat_xen_release_poll(struct plat_xen *px)
{
    char *path = NULL, *token = NULL;

    if (!px->rel_xs)
        return px->release_gen;
    for (unsigned i = 0; i < 1024; i++) {
        int rc = check_one(px->rel_xs, &path, &token);

        if (rc == -EAGAIN)
            break;
        if (rc == 0) {
            /* any event, including the one xs_watch queues at registration, means "look again" */
            px->release_gen++;
            free(path);
            free(token);
            path = token = NULL;
        } else if (rc != -EPROTO) {
            /* the monitor is broken: count it as a release so links re-check their peers */
            XLOG_WARN("@releaseDomain monitor failed: %s", strerror(-rc));
            px->release_gen++;
            break;
        }
    }
    return px->release_gen;
}
