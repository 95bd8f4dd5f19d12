/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_grant.c - dom0's grant of @releaseDomain watch events to cluster
 * members (see xvios/xen.h). xenstored keeps the permissions of the special
 * nodes outside the tree, so transactions do not cover them: the read and
 * the write are two requests, and concurrent administrators could lose an
 * update (re-running `xvios cluster add` repairs it).
 *
 * Entries of domains that no longer exist are dropped on every update. Once
 * a granted domain has been destroyed, Xen 4.17's xenstored may refuse to
 * report the list at all (EINVAL: it flags the dead domain's entry
 * internally and cannot print it); the list is then rebuilt from what is
 * known: dom0 as owner, READ for every cluster member that still exists,
 * and the change asked for. Entries other tools made are lost in that case.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat_xen_internal.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/wire.h"
#include "xvios/xen.h"

#define RELEASE_NODE "@releaseDomain"
#define RELEASE_PERMS_MAX 1024u

/* Does domain id exist? (dom0 reads /local/domain/<id>; EACCES also means it is there) */
static bool domain_exists(struct xs_handle *xs, unsigned int id)
{
    char path[48];
    unsigned int len = 0;
    char *v;

    if (id == 0)
        return true;
    snprintf(path, sizeof(path), "/local/domain/%u", id);
    errno = 0;
    v = xs_read(xs, XBT_NULL, path, &len);
    if (v) {
        free(v);
        return true;
    }
    return errno != ENOENT;
}

/*
 * The permission list rebuilt from what the caller knows: n0, then READ for
 * each cluster member that exists (members[] comes from the cluster DB). At
 * most cap entries; returns how many.
 */
static unsigned rebuild_from_members(struct xs_handle *xs, const uint32_t *members, unsigned n_members,
                                     struct xs_permissions *out, unsigned cap)
{
    unsigned n = 0;

    out[n].id = 0;
    out[n++].perms = XS_PERM_NONE;
    for (unsigned i = 0; i < n_members && n < cap; i++) {
        bool dup = false;

        if (members[i] == 0 || members[i] >= XVIOS_DOMID_LIMIT || !domain_exists(xs, members[i]))
            continue;
        for (unsigned k = 1; k < n; k++)
            dup = dup || out[k].id == members[i];
        if (!dup) {
            out[n].id = members[i];
            out[n++].perms = XS_PERM_READ;
        }
    }
    return n;
}

int xvios_xen_release_watch_grant(xvios_plat *p, uint32_t domid, bool grant, const uint32_t *members,
                                  unsigned n_members)
{
    struct plat_xen *px = xvios_plat_impl(p, &xvios_plat_xen_ops);
    struct xs_handle *xs;
    struct xs_permissions *untrusted_perms = NULL, *out = NULL;
    unsigned int untrusted_num = 0;
    unsigned n = 0, cap;
    int found = -1;
    bool dropped = false;
    int rc;

    if (!px)
        return -EOPNOTSUPP;
    if (domid == 0 || domid >= XVIOS_DOMID_LIMIT || n_members > XVIOS_MAX_NODES || (n_members && !members))
        return -EINVAL;
    xs = px->xs;
    errno = 0;
    untrusted_perms = xs_get_permissions(xs, XBT_NULL, RELEASE_NODE, &untrusted_num);
    if (!untrusted_perms && errno != EINVAL) {
        rc = plat_xen_errno();
        goto out;
    }
    if (untrusted_perms && (untrusted_num == 0 || untrusted_num > RELEASE_PERMS_MAX)) {
        rc = -EPROTO;
        goto out;
    }
    cap = (untrusted_perms ? untrusted_num : n_members + 1u) + 1u;
    out = calloc(cap, sizeof(*out));
    if (!out) {
        rc = -ENOMEM;
        goto out;
    }
    if (untrusted_perms) {
        /* entry 0 (owner, and the default for everyone else) is kept as it is */
        for (unsigned i = 0; i < untrusted_num; i++) {
            if (i > 0 && untrusted_perms[i].id != domid && !domain_exists(xs, untrusted_perms[i].id)) {
                dropped = true; /* a destroyed domain's entry */
                continue;
            }
            out[n].id = untrusted_perms[i].id;
            out[n].perms = untrusted_perms[i].perms & (XS_PERM_READ | XS_PERM_WRITE);
            if (i > 0 && untrusted_perms[i].id == domid)
                found = (int)n;
            n++;
        }
    } else {
        XLOG_WARN("xenstored cannot report the permissions of %s (a domain it listed was destroyed): "
                  "rebuilding them from the cluster's members", RELEASE_NODE);
        n = rebuild_from_members(xs, members, n_members, out, cap - 1u);
        dropped = true;
        for (unsigned i = 1; i < n; i++)
            if (out[i].id == domid)
                found = (int)i;
    }
    if (!dropped && (grant ? found > 0 && (out[found].perms & XS_PERM_READ) : found < 0)) {
        rc = 0; /* already as asked */
        goto out;
    }
    if (grant && found > 0) {
        out[found].perms |= XS_PERM_READ;
    } else if (grant) {
        out[n].id = domid;
        out[n++].perms = XS_PERM_READ;
    } else if (found > 0) {
        memmove(&out[found], &out[found + 1], (n - (unsigned)found - 1u) * sizeof(*out));
        n--;
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
    return rc;
}
