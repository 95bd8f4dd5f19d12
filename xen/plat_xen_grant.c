/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_grant.c - dom0's grant of @releaseDomain watch events to cluster
 * members (see xvios/xen.h). xenstored keeps the permissions of the special
 * nodes outside the tree, so transactions do not cover them: the read and
 * the write are two requests, and concurrent administrators could lose an
 * update (re-running `xvios cluster add` repairs it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plat_xen_internal.h"
#include "xvios/log.h"
#include "xvios/xen.h"

#define RELEASE_NODE "@releaseDomain"
#define RELEASE_PERMS_MAX 1024u

int xvios_xen_release_watch_grant(uint32_t domid, bool grant)
{
    struct xs_handle *xs = NULL;
    struct xs_permissions *untrusted_perms = NULL, *out = NULL;
    unsigned int untrusted_num = 0;
    unsigned n = 0;
    int found = -1;
    int rc;

    if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    xs = xs_open(0);
    if (!xs)
        return plat_xen_errno();
    errno = 0;
    untrusted_perms = xs_get_permissions(xs, XBT_NULL, RELEASE_NODE, &untrusted_num);
    if (!untrusted_perms) {
        rc = plat_xen_errno();
        goto out;
    }
    if (untrusted_num == 0 || untrusted_num > RELEASE_PERMS_MAX) {
        rc = -EPROTO;
        goto out;
    }
    for (unsigned i = 1; i < untrusted_num; i++)
        if (untrusted_perms[i].id == domid)
            found = (int)i;
    if (grant ? found > 0 && (untrusted_perms[found].perms & XS_PERM_READ) : found < 0) {
        rc = 0; /* already as asked */
        goto out;
    }
    out = calloc(untrusted_num + 1u, sizeof(*out));
    if (!out) {
        rc = -ENOMEM;
        goto out;
    }
    /* entry 0 (owner, and the default for everyone else) is kept as it is */
    for (unsigned i = 0; i < untrusted_num; i++) {
        if ((int)i == found && !grant)
            continue;
        out[n].id = untrusted_perms[i].id;
        out[n].perms = untrusted_perms[i].perms & (XS_PERM_READ | XS_PERM_WRITE);
        if ((int)i == found)
            out[n].perms |= XS_PERM_READ;
        n++;
    }
    if (grant && found < 0) {
        out[n].id = domid;
        out[n++].perms = XS_PERM_READ;
    }
    errno = 0;
    if (!xs_set_permissions(xs, XBT_NULL, RELEASE_NODE, out, n)) {
        rc = plat_xen_errno();
        goto out;
    }
    XLOG_DEBUG("%s READ on %s for domain %u", grant ? "granted" : "revoked", RELEASE_NODE, domid);
    rc = 0;
out:
    free(out);
    free(untrusted_perms);
    xs_close(xs);
    return rc;
}
