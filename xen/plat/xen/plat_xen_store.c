/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_store.c - the seam's store on XenStore (libxenstore): reads,
 * writes, directories, permissions and transactions. Values and names
 * coming back from XenStore are length-checked and copied into buffers we
 * own; errors come back as negative errnos (EAGAIN from a transaction
 * commit stays -EAGAIN so callers retry).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plat_xen_internal.h"
#include "xvios/log.h"

int plat_xen_errno(void)
{
    return errno > 0 ? -errno : -EIO;
}

int plat_xen_store_read(void *impl, xvios_tx tx, const char *path, char **val, size_t *len)
{
    struct plat_xen *px = impl;
    unsigned int untrusted_len = 0;
    char *untrusted_val;
    char *copy;

    errno = 0;
    untrusted_val = xs_read(px->xs, tx, path, &untrusted_len);
    if (!untrusted_val)
        return plat_xen_errno();
    if (untrusted_len > XVIOS_STORE_MAX_VALUE) {
        XLOG_WARN("XenStore value of %s is %u bytes, more than %u: rejected", path, untrusted_len,
                  XVIOS_STORE_MAX_VALUE);
        free(untrusted_val);
        return -E2BIG;
    }
    copy = malloc((size_t)untrusted_len + 1);
    if (!copy) {
        free(untrusted_val);
        return -ENOMEM;
    }
    memcpy(copy, untrusted_val, untrusted_len);
    copy[untrusted_len] = '\0';
    free(untrusted_val);
    *val = copy;
    if (len)
        *len = untrusted_len;
    return 0;
}

int plat_xen_store_write(void *impl, xvios_tx tx, const char *path, const char *val, size_t len)
{
    struct plat_xen *px = impl;

    if (len > XVIOS_STORE_MAX_VALUE)
        return -E2BIG;
    errno = 0;
    if (!xs_write(px->xs, tx, path, len ? val : "", (unsigned int)len))
        return plat_xen_errno();
    return 0;
}

int plat_xen_store_mkdir(void *impl, xvios_tx tx, const char *path)
{
    struct plat_xen *px = impl;

    errno = 0;
    if (!xs_mkdir(px->xs, tx, path))
        return plat_xen_errno();
    return 0;
}

/*
 * xenstored acknowledges the removal of a node that does not exist when its
 * parent does; the seam promises -ENOENT for an absent node (cluster destroy
 * and node remove report it), so look first, in the same transaction.
 * Only a definite ENOENT counts: a node we may not read is left to xs_rm.
 */
int plat_xen_store_rm(void *impl, xvios_tx tx, const char *path)
{
    struct plat_xen *px = impl;
    struct xs_permissions *perms;
    unsigned int n = 0;

    errno = 0;
    perms = xs_get_permissions(px->xs, tx, path, &n);
    if (!perms && errno == ENOENT)
        return -ENOENT;
    free(perms);
    errno = 0;
    if (!xs_rm(px->xs, tx, path))
        return plat_xen_errno();
    return 0;
}

int plat_xen_store_list(void *impl, xvios_tx tx, const char *path, char ***names, unsigned *n)
{
    struct plat_xen *px = impl;
    unsigned int untrusted_num = 0;
    char **untrusted_names;
    char **out = NULL;
    unsigned got = 0;
    int rc;

    errno = 0;
    untrusted_names = xs_directory(px->xs, tx, path, &untrusted_num);
    if (!untrusted_names) {
        /* an empty directory may come back as NULL with num 0 and no errno */
        if (errno == 0 && untrusted_num == 0)
            return 0;
        return plat_xen_errno();
    }
    /* A reply is at most XENSTORE_PAYLOAD_MAX bytes, so at most that many names. */
    if (untrusted_num > XVIOS_STORE_MAX_VALUE) {
        rc = -EPROTO;
        goto out;
    }
    if (untrusted_num) {
        out = calloc(untrusted_num, sizeof(*out));
        if (!out) {
            rc = -ENOMEM;
            goto out;
        }
    }
    for (unsigned i = 0; i < untrusted_num; i++) {
        const char *untrusted_name = untrusted_names[i];
        size_t l = untrusted_name ? strnlen(untrusted_name, XVIOS_STORE_MAX_PATH + 1) : 0;

        if (l == 0 || l > XVIOS_STORE_MAX_PATH || strchr(untrusted_name, '/')) {
            XLOG_WARN("XenStore listed a bad child name under %s: rejected", path);
            rc = -EPROTO;
            goto out;
        }
        out[got] = strdup(untrusted_name);
        if (!out[got]) {
            rc = -ENOMEM;
            goto out;
        }
        got++;
    }
    *names = out;
    *n = got;
    out = NULL;
    rc = 0;
out:
    xvios_strv_free(out, got);
    free(untrusted_names);
    return rc;
}

int plat_xen_store_get_perms(void *impl, xvios_tx tx, const char *path, struct xvios_perm **perms,
                             unsigned *n)
{
    struct plat_xen *px = impl;
    unsigned int untrusted_num = 0;
    struct xs_permissions *untrusted_perms;
    struct xvios_perm *out;

    errno = 0;
    untrusted_perms = xs_get_permissions(px->xs, tx, path, &untrusted_num);
    if (!untrusted_perms)
        return plat_xen_errno();
    if (untrusted_num == 0 || untrusted_num > XVIOS_STORE_MAX_PERMS) {
        XLOG_WARN("%s has %u permission entries (1..%u supported)", path, untrusted_num, XVIOS_STORE_MAX_PERMS);
        free(untrusted_perms);
        return untrusted_num ? -E2BIG : -EPROTO;
    }
    out = calloc(untrusted_num, sizeof(*out));
    if (!out) {
        free(untrusted_perms);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < untrusted_num; i++) {
        out[i].domid = untrusted_perms[i].id;
        out[i].perm = (enum xvios_perm_bits)(untrusted_perms[i].perms & (XS_PERM_READ | XS_PERM_WRITE));
    }
    free(untrusted_perms);
    *perms = out;
    *n = untrusted_num;
    return 0;
}

size_t plat_xen_perms_payload(const char *path, const struct xvios_perm *perms, unsigned n)
{
    size_t len = strlen(path) + 1;

    for (unsigned i = 0; i < n; i++) {
        uint32_t id = perms[i].domid;
        len += 2;   /* the letter and the NUL */
        do {
            len++;
            id /= 10;
        } while (id);
    }
    return len;
}

int plat_xen_store_set_perms(void *impl, xvios_tx tx, const char *path, const struct xvios_perm *perms,
                             unsigned n)
{
    struct plat_xen *px = impl;
    struct xs_permissions xp[XVIOS_STORE_MAX_PERMS];
    size_t payload;

    if (n == 0 || n > XVIOS_STORE_MAX_PERMS)
        return -EINVAL;
    /* xenstored takes one message of at most XENSTORE_PAYLOAD_MAX bytes: say why before the library refuses */
    if ((payload = plat_xen_perms_payload(path, perms, n)) > XENSTORE_PAYLOAD_MAX) {
        XLOG_WARN("%s: %u permission entries take %zu bytes, more than a XenStore message holds (%u)", path, n,
                  payload, (unsigned)XENSTORE_PAYLOAD_MAX);
        return -E2BIG;
    }
    for (unsigned i = 0; i < n; i++) {
        xp[i].id = perms[i].domid;
        xp[i].perms = XS_PERM_NONE;
        if (perms[i].perm & XVIOS_PERM_READ)
            xp[i].perms |= XS_PERM_READ;
        if (perms[i].perm & XVIOS_PERM_WRITE)
            xp[i].perms |= XS_PERM_WRITE;
    }
    errno = 0;
    if (!xs_set_permissions(px->xs, tx, path, xp, n))
        return plat_xen_errno();
    return 0;
}

int plat_xen_tx_start(void *impl, xvios_tx *tx)
{
    struct plat_xen *px = impl;
    xs_transaction_t t;

    errno = 0;
    t = xs_transaction_start(px->xs);
    if (t == XBT_NULL)
        return plat_xen_errno();
    *tx = t;
    return 0;
}

int plat_xen_tx_end(void *impl, xvios_tx tx, bool commit)
{
    struct plat_xen *px = impl;

    errno = 0;
    if (!xs_transaction_end(px->xs, tx, !commit))
        return plat_xen_errno(); /* -EAGAIN: someone else committed first; start over */
    return 0;
}
