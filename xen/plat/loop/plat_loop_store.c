/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_store.c - the loopback store operations with XenStore's access
 * rules: read/list/get_perms need READ, write/rm need WRITE, creating a node
 * needs WRITE on the nearest existing ancestor and inherits its permissions
 * (owner = the creator unless that is dom0), set_perms is for the owner or
 * dom0 and only dom0 may give a node away. Domain 0 bypasses all checks.
 * Outside a transaction every change runs under the exclusive store lock
 * and is appended to the change log (which bumps the generation).
 * An unprivileged domain's creations and values are held to xenstored's
 * per-domain quotas (plat_loop_quota.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plat_loop_internal.h"
#include "xvios/log.h"

struct op {
    struct loop_plat *lp;
    struct loop_tx *t;
    int lk;
};

static int op_begin(struct op *o, void *impl, xvios_tx tx, bool changes)
{
    int rc;

    o->lp = impl;
    o->lk = -1;
    o->t = loop_tx_find(o->lp, tx, &rc);
    if (rc < 0)
        return rc;
    /* a transaction only reads the disk until commit */
    o->lk = loop_lock(o->lp, changes && !o->t);
    return o->lk < 0 ? o->lk : 0;
}

static void op_end(struct op *o)
{
    loop_unlock(o->lk);
    o->lk = -1;
}

static int note_change(struct op *o, char kind, const char *path)
{
    return o->t ? 0 : loop_log_change(o->lp, kind, path);
}

static bool may(const struct loop_plat *lp, const struct xvios_perm *perms, unsigned n, enum xvios_perm_bits need)
{
    return (loop_perm_of(perms, n, lp->self_domid) & need) == need;
}

/* Create path and its missing parents (val for path itself); the nearest existing ancestor decides. */
static int create_path(struct op *o, const char *path, const char *val, size_t len, bool checked,
                       const struct xvios_perm *force_perms, unsigned force_n)
{
    char anc[XVIOS_STORE_MAX_PATH + 1], prefix[XVIOS_STORE_MAX_PATH + 1];
    struct xvios_perm *perms = NULL;
    unsigned n = 0, count_after = 0;
    size_t i;
    int rc;

    strcpy(anc, path);
    for (;;) {
        rc = loop_parent(anc, anc, sizeof(anc));
        if (rc < 0)
            goto out;
        rc = loop_view_get(o->lp, o->t, anc, NULL, NULL, &perms, &n);
        if (rc == 0)
            break;
        if (rc != -ENOENT)
            goto out;
    }
    if (checked && !may(o->lp, perms, n, XVIOS_PERM_WRITE)) {
        rc = -EACCES;
        goto out;
    }
    if (force_perms) {
        free(perms);
        perms = loop_perms_dup(force_perms, force_n);
        n = force_n;
        if (!perms) {
            rc = -ENOMEM;
            goto out;
        }
    } else if (o->lp->self_domid != 0) {
        perms[0].domid = o->lp->self_domid;
    }
    i = strcmp(anc, "/") ? strlen(anc) : 0;
    if (checked) {
        unsigned created = 0;
        for (size_t j = i; path[j]; j++)
            created += path[j] == '/';
        if ((rc = loop_quota_check_size(o->lp, len, n)) < 0 ||
            (rc = loop_quota_check_create(o->lp, o->t, created)) < 0)
            goto out;
        if (!o->t)
            count_after = created;
    }
    for (size_t j = i + 1;; j++) {
        if (path[j] != '/' && path[j] != '\0')
            continue;
        bool last = path[j] == '\0';
        memcpy(prefix, path, j);
        prefix[j] = '\0';
        rc = loop_view_create(o->lp, o->t, prefix, last ? val : "", last ? len : 0, perms, n);
        if (rc == 0)
            rc = note_change(o, 'C', prefix);
        if (rc < 0 || last)
            goto out;
    }
out:
    if (count_after && rc == 0)
        loop_quota_created(o->lp, count_after);
    else if (count_after)
        o->lp->quota_valid = false;   /* partly created: count again next time */
    free(perms);
    return rc;
}

int loop_store_read(void *impl, xvios_tx tx, const char *path, char **val, size_t *len)
{
    struct op o;
    struct xvios_perm *perms = NULL;
    unsigned n = 0;
    char *v = NULL;
    size_t l = 0;
    int rc;

    if ((rc = op_begin(&o, impl, tx, false)) < 0)
        goto out;
    rc = loop_view_get(o.lp, o.t, path, &v, &l, &perms, &n);
    if (rc < 0)
        goto out;
    if (!may(o.lp, perms, n, XVIOS_PERM_READ)) {
        rc = -EACCES;
        goto out;
    }
    *val = v;
    v = NULL;
    if (len)
        *len = l;
out:
    op_end(&o);
    free(v);
    free(perms);
    return rc;
}

static int write_or_mkdir(void *impl, xvios_tx tx, const char *path, const char *val, size_t len, bool mkdir_only)
{
    struct op o;
    struct xvios_perm *perms = NULL;
    unsigned n = 0;
    int rc;

    if ((rc = op_begin(&o, impl, tx, true)) < 0)
        goto out;
    rc = loop_view_get(o.lp, o.t, path, NULL, NULL, &perms, &n);
    if (rc == -ENOENT) {
        rc = strcmp(path, "/") ? create_path(&o, path, val, len, true, NULL, 0) : -EIO;
        goto out;
    }
    if (rc < 0)
        goto out;
    if (!may(o.lp, perms, n, XVIOS_PERM_WRITE)) {
        rc = -EACCES;
        goto out;
    }
    if (mkdir_only)
        goto out;  /* exists: nothing changes */
    if ((rc = loop_quota_check_size(o.lp, len, n)) < 0)
        goto out;
    rc = loop_view_set_value(o.lp, o.t, path, val, len);
    if (rc == 0)
        rc = note_change(&o, 'C', path);
out:
    op_end(&o);
    free(perms);
    return rc;
}

int loop_store_write(void *impl, xvios_tx tx, const char *path, const char *val, size_t len)
{
    return write_or_mkdir(impl, tx, path, val, len, false);
}

int loop_store_mkdir(void *impl, xvios_tx tx, const char *path)
{
    return write_or_mkdir(impl, tx, path, "", 0, true);
}

int loop_store_rm(void *impl, xvios_tx tx, const char *path)
{
    struct op o;
    struct xvios_perm *perms = NULL;
    unsigned n = 0;
    int rc;

    if (!strcmp(path, "/"))
        return -EINVAL;  /* like xenstored: the root stays */
    if ((rc = op_begin(&o, impl, tx, true)) < 0)
        goto out;
    rc = loop_view_get(o.lp, o.t, path, NULL, NULL, &perms, &n);
    if (rc < 0)
        goto out;
    if (!may(o.lp, perms, n, XVIOS_PERM_WRITE)) {
        rc = -EACCES;
        goto out;
    }
    rc = loop_view_remove(o.lp, o.t, path);
    if (rc == 0)
        rc = note_change(&o, 'R', path);
out:
    op_end(&o);
    free(perms);
    return rc;
}

int loop_store_list(void *impl, xvios_tx tx, const char *path, char ***names, unsigned *n)
{
    struct op o;
    struct xvios_perm *perms = NULL;
    unsigned pn = 0;
    int rc;

    if ((rc = op_begin(&o, impl, tx, false)) < 0)
        goto out;
    rc = loop_view_get(o.lp, o.t, path, NULL, NULL, &perms, &pn);
    if (rc < 0)
        goto out;
    if (!may(o.lp, perms, pn, XVIOS_PERM_READ)) {
        rc = -EACCES;
        goto out;
    }
    rc = loop_view_children(o.lp, o.t, path, names, n);
out:
    op_end(&o);
    free(perms);
    return rc;
}

int loop_store_get_perms(void *impl, xvios_tx tx, const char *path, struct xvios_perm **perms, unsigned *n)
{
    struct op o;
    struct xvios_perm *p = NULL;
    unsigned pn = 0;
    int rc;

    if ((rc = op_begin(&o, impl, tx, false)) < 0)
        goto out;
    rc = loop_view_get(o.lp, o.t, path, NULL, NULL, &p, &pn);
    if (rc < 0)
        goto out;
    if (!may(o.lp, p, pn, XVIOS_PERM_READ)) {
        rc = -EACCES;
        goto out;
    }
    *perms = p;
    *n = pn;
    p = NULL;
out:
    op_end(&o);
    free(p);
    return rc;
}

int loop_store_set_perms(void *impl, xvios_tx tx, const char *path, const struct xvios_perm *perms, unsigned n)
{
    struct op o;
    struct xvios_perm *old = NULL;
    unsigned on = 0;
    int rc;

    for (unsigned i = 0; i < n; i++)
        if (perms[i].domid > 0xffffu)
            return -EINVAL;
    if ((rc = op_begin(&o, impl, tx, true)) < 0)
        goto out;
    rc = loop_view_get(o.lp, o.t, path, NULL, NULL, &old, &on);
    if (rc < 0)
        goto out;
    if (o.lp->self_domid != 0) {
        if (old[0].domid != o.lp->self_domid) {
            rc = -EACCES;   /* only the owner (or dom0) */
            goto out;
        }
        if (perms[0].domid != old[0].domid) {
            rc = -EPERM;    /* an unprivileged domain may not give a node away */
            goto out;
        }
    }
    rc = loop_view_set_perms(o.lp, o.t, path, perms, n);
    if (rc == 0)
        rc = note_change(&o, 'C', path);
out:
    op_end(&o);
    free(old);
    return rc;
}

int loop_store_force_write(struct loop_plat *lp, const char *path, const char *val, size_t len,
                           const struct xvios_perm *perms, unsigned nperms)
{
    struct op o = { .lp = lp, .t = NULL, .lk = -1 };
    int rc = loop_disk_get(lp, path, NULL, NULL, NULL, NULL);

    if (rc == -ENOENT)
        return create_path(&o, path, val, len, false, perms, nperms);
    if (rc < 0)
        return rc;
    if ((rc = loop_disk_set_value(lp, path, val, len)) < 0 || (rc = loop_disk_set_perms(lp, path, perms, nperms)) < 0)
        return rc;
    return loop_log_change(lp, 'C', path);
}
