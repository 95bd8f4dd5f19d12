/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_ident.c - who we are and who the others are on Xen.
 *
 *   self domid  - XenStore's relative "domid" key (written by the toolstack
 *                 for every domain, by xen-init-dom0 for dom0); if absent,
 *                 /proc/xen/capabilities saying "control_d" means dom0.
 *   domain info - libxenctrl when it works (dom0: liveness from the
 *                 hypervisor, uuid from the domain handle); otherwise
 *                 XenStore alone: alive = /local/domain/<id> exists, uuid
 *                 from the /vm/<uuid> path the toolstack records.
 *   names       - /local/domain/<id>/name, as xl shows them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat_xen_internal.h"
#include "xvios/log.h"
#include "xvios/parse.h"

#define XEN_CAPABILITIES "/proc/xen/capabilities"

/* xs_read into a bounded copy; -ENOENT/-EACCES/-E2BIG... */
static int read_small(struct plat_xen *px, const char *path, char *buf, size_t n)
{
    unsigned int untrusted_len = 0;
    char *untrusted_val;

    errno = 0;
    untrusted_val = xs_read(px->xs, XBT_NULL, path, &untrusted_len);
    if (!untrusted_val)
        return plat_xen_errno();
    if (untrusted_len >= n || memchr(untrusted_val, '\0', untrusted_len)) {
        free(untrusted_val);
        return -E2BIG;
    }
    memcpy(buf, untrusted_val, untrusted_len);
    buf[untrusted_len] = '\0';
    free(untrusted_val);
    return 0;
}

static bool is_dom0_by_capabilities(void)
{
    char caps[128] = "";
    FILE *f = fopen(XEN_CAPABILITIES, "re");
    bool yes;

    if (!f)
        return false;
    yes = fgets(caps, sizeof(caps), f) && strstr(caps, "control_d");
    fclose(f);
    return yes;
}

int plat_xen_self_domid(void *impl, uint32_t *domid)
{
    struct plat_xen *px = impl;
    char buf[16];
    int rc;

    if (px->self_known) {
        *domid = px->self_domid;
        return 0;
    }
    rc = read_small(px, "domid", buf, sizeof(buf));
    if (rc == 0) {
        if (xvios_parse_domid(buf, &px->self_domid) < 0) {
            XLOG_ERR("XenStore \"domid\" is not a domid");
            return -EINVAL;
        }
    } else if (is_dom0_by_capabilities()) {
        px->self_domid = 0;
    } else {
        XLOG_ERR("cannot tell our domid: XenStore \"domid\": %s", strerror(-rc));
        return rc;
    }
    px->self_known = true;
    *domid = px->self_domid;
    return 0;
}

static void format_uuid(const uint8_t h[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2],
             h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
}

static bool name_valid(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return false;
    return true;
}

/* Liveness and uuid from the hypervisor: 0, -ENOENT, or another error (fall back to XenStore). */
static int info_from_xc(struct plat_xen *px, uint32_t domid, struct xvios_dominfo *out)
{
    xc_dominfo_t info;
    int n;

    memset(&info, 0, sizeof(info));
    errno = 0;
    n = xc_domain_getinfo(px->xc, domid, 1, &info);
    if (n < 0) {
        /* a failed hypercall says nothing about the domain: never report it as -ENOENT */
        int rc = plat_xen_errno();
        return rc == -ENOENT ? -EIO : rc;
    }
    if (n != 1 || info.domid != domid)
        return -ENOENT;
    out->alive = !info.dying && !info.shutdown && !info.crashed;
    format_uuid(info.handle, out->uuid);
    return 0;
}

/* XenStore-only liveness: 0 (out->alive set), -ENOENT. */
static int info_from_store(struct plat_xen *px, uint32_t domid, struct xvios_dominfo *out)
{
    char path[64], vm[128];
    int rc;

    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    rc = read_small(px, path, vm, sizeof(vm));
    /* EACCES: the node exists but is not ours to read - the domain is there */
    if (rc < 0 && rc != -EACCES && rc != -E2BIG)
        return rc == -ENOENT ? -ENOENT : rc;
    out->alive = true;
    snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
    if (read_small(px, path, vm, sizeof(vm)) == 0 && !strncmp(vm, "/vm/", 4) && xvios_uuid_valid(vm + 4))
        memcpy(out->uuid, vm + 4, sizeof(out->uuid)); /* 36 characters + NUL, checked above */
    return 0;
}

int plat_xen_domain_info(void *impl, uint32_t domid, struct xvios_dominfo *out)
{
    struct plat_xen *px = impl;
    char path[64];
    int rc = -ENOSYS;

    if (domid >= XVIOS_DOMID_LIMIT)
        return -ENOENT;
    memset(out, 0, sizeof(*out));
    out->domid = domid;
    if (px->xc) {
        rc = info_from_xc(px, domid, out);
        if (rc < 0 && rc != -ENOENT)
            XLOG_DEBUG("xc_domain_getinfo(%u): %s; using XenStore", domid, strerror(-rc));
    }
    if (rc < 0 && rc != -ENOENT)
        rc = info_from_store(px, domid, out);
    if (rc < 0)
        return rc;
    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    if (read_small(px, path, out->name, sizeof(out->name)) < 0 || !name_valid(out->name))
        out->name[0] = '\0';
    if (!out->name[0] && domid == 0)
        snprintf(out->name, sizeof(out->name), "Domain-0");
    return 0;
}

int plat_xen_domain_lookup(void *impl, const char *name_or_id, uint32_t *domid)
{
    struct plat_xen *px = impl;
    struct xvios_dominfo info;
    unsigned int untrusted_num = 0;
    char **untrusted_ids = NULL;
    char path[64], name[64];
    uint32_t id;
    int rc;

    if (name_or_id[strspn(name_or_id, "0123456789")] == '\0') { /* all digits: a domid, as xl reads it */
        if (xvios_parse_domid(name_or_id, &id) < 0)
            return -ENOENT;
        rc = plat_xen_domain_info(px, id, &info);
        if (rc < 0)
            return rc;
        *domid = id;
        return 0;
    }
    errno = 0;
    untrusted_ids = xs_directory(px->xs, XBT_NULL, "/local/domain", &untrusted_num);
    if (!untrusted_ids)
        return errno ? plat_xen_errno() : -ENOENT;
    rc = -ENOENT;
    for (unsigned i = 0; i < untrusted_num && i < XVIOS_DOMID_LIMIT; i++) {
        const char *untrusted_id = untrusted_ids[i];

        if (!untrusted_id || xvios_parse_domid(untrusted_id, &id) < 0)
            continue;
        snprintf(path, sizeof(path), "/local/domain/%u/name", id);
        if (read_small(px, path, name, sizeof(name)) == 0 && !strcmp(name, name_or_id)) {
            *domid = id;
            rc = 0;
            break;
        }
    }
    free(untrusted_ids);
    if (rc == -ENOENT && !strcmp(name_or_id, "Domain-0")) {
        *domid = 0;
        rc = 0;
    }
    return rc;
}
