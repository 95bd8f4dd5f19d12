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
#include "xvios/db.h"
#include "xvios/log.h"
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

/* Strict decimal domid in 1..DOMID_FIRST_RESERVED-1. */
static bool parse_domid(const char *untrusted_s, unsigned int len, uint32_t *out)
{
    uint32_t v = 0;

    if (len == 0 || len > 5 || untrusted_s[0] == '0')
        return false;
    for (unsigned int i = 0; i < len; i++) {
        if (untrusted_s[i] < '0' || untrusted_s[i] > '9')
            return false;
        v = v * 10u + (uint32_t)(untrusted_s[i] - '0');
    }
    if (v >= DOMID_FIRST_RESERVED)
        return false;
    *out = v;
    return true;
}

/*
 * The permission list rebuilt from the cluster DB: n0, then READ for each
 * member domain that exists. At most cap entries; returns how many.
 */
static unsigned rebuild_from_members(struct xs_handle *xs, struct xs_permissions *out, unsigned cap)
{
    char **untrusted_names;
    unsigned int untrusted_num = 0;
    unsigned n = 0;

    out[n].id = 0;
    out[n++].perms = XS_PERM_NONE;
    untrusted_names = xs_directory(xs, XBT_NULL, XVIOS_DB_ROOT "/nodes", &untrusted_num);
    for (unsigned int i = 0; untrusted_names && i < untrusted_num && n < cap; i++) {
        char path[96];
        unsigned int len = 0;
        char *untrusted_val;
        uint32_t domid;

        if (!untrusted_names[i] || strnlen(untrusted_names[i], 16) > 10)
            continue;
        snprintf(path, sizeof(path), XVIOS_DB_ROOT "/nodes/%s/domid", untrusted_names[i]);
        untrusted_val = xs_read(xs, XBT_NULL, path, &len);
        if (untrusted_val && parse_domid(untrusted_val, len, &domid) && domain_exists(xs, domid)) {
            bool dup = false;
            for (unsigned k = 1; k < n; k++)
                dup = dup || out[k].id == domid;
            if (!dup) {
                out[n].id = domid;
                out[n++].perms = XS_PERM_READ;
            }
        }
        free(untrusted_val);
    }
    free(untrusted_names);
    return n;
}

int xvios_xen_release_watch_grant(uint32_t domid, bool grant)
{
    struct xs_handle *xs = NULL;
    struct xs_permissions *untrusted_perms = NULL, *out = NULL;
    unsigned int untrusted_num = 0;
    unsigned n = 0, cap;
    int found = -1;
    bool dropped = false;
    int rc;

    if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    xs = xs_open(0);
    if (!xs)
        return plat_xen_errno();
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
    cap = (untrusted_perms ? untrusted_num : XVIOS_MAX_NODES + 1u) + 1u;
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
        n = rebuild_from_members(xs, out, cap - 1u);
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
    xs_close(xs);
    return rc;
}
