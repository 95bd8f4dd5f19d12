/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_disk.c - store nodes as directories: a node "/a/b" is the
 * directory ROOT/store/a/b holding .value and .perms. Nodes appear whole
 * (built in a temporary directory, then renamed into place) and vanish
 * whole (renamed away, then deleted). Everything read back is checked:
 * a damaged backing file yields -EIO and a log line, never a crash.
 * The caller holds the store lock.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat_loop_internal.h"
#include "xvios/log.h"

static int node_dir(const struct loop_plat *lp, const char *path, char *out, size_t n)
{
    return loop_path_join(out, n, lp->store, strcmp(path, "/") ? path : "");
}

static int node_file(const struct loop_plat *lp, const char *path, const char *leaf, char *out, size_t n)
{
    char dir[PATH_MAX];
    int rc = node_dir(lp, path, dir, sizeof(dir));

    return rc < 0 ? rc : loop_path_join(out, n, dir, leaf);
}

static bool component_valid(const char *s)
{
    if (!s[0] || strlen(s) > XVIOS_STORE_MAX_PATH)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '@'))
            return false;
    }
    return true;
}

int loop_disk_get(struct loop_plat *lp, const char *path, char **val, size_t *len,
                  struct xvios_perm **perms, unsigned *nperms)
{
    char file[PATH_MAX];
    char *untrusted_perms = NULL, *v = NULL;
    size_t plen = 0, vlen = 0;
    struct xvios_perm *p = NULL;
    unsigned pn = 0;
    struct stat st;
    int rc;

    rc = node_file(lp, path, ".perms", file, sizeof(file));
    if (rc < 0)
        goto out;
    rc = loop_read_file(file, LOOP_PERMS_FILE_MAX, &untrusted_perms, &plen);
    if (rc == -ENOENT || rc == -ENOTDIR) {
        char dir[PATH_MAX];
        int r2 = node_dir(lp, path, dir, sizeof(dir));
        if (r2 == 0 && lstat(dir, &st) == 0) {
            XLOG_ERR("store node %s: directory without .perms: corrupt store", path);
            rc = -EIO;
        } else {
            rc = -ENOENT;
        }
        goto out;
    }
    if (rc < 0 && rc != -ENOMEM && rc != -EIO) {
        XLOG_ERR("store node %s: .perms unreadable (%s): corrupt store", path, strerror(-rc));
        rc = -EIO;
    }
    if (rc < 0)
        goto out;
    rc = loop_perms_parse(untrusted_perms, plen, &p, &pn);
    if (rc < 0) {
        XLOG_ERR("store node %s: malformed .perms (%zu bytes): corrupt store", path, plen);
        rc = -EIO;
        goto out;
    }
    if (val) {
        rc = node_file(lp, path, ".value", file, sizeof(file));
        if (rc < 0)
            goto out;
        rc = loop_read_file(file, XVIOS_STORE_MAX_VALUE, &v, &vlen);
        if (rc < 0 && rc != -ENOMEM && rc != -EIO) {
            XLOG_ERR("store node %s: .value unreadable (%s): corrupt store", path, strerror(-rc));
            rc = -EIO;
        }
        if (rc < 0)
            goto out;
        *val = v;
        v = NULL;
        if (len)
            *len = vlen;
    }
    if (perms) {
        *perms = p;
        *nperms = pn;
        p = NULL;
    }
    rc = 0;
out:
    free(untrusted_perms);
    free(v);
    free(p);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int loop_disk_children(struct loop_plat *lp, const char *path, char ***names, unsigned *n)
{
    char dir[PATH_MAX];
    DIR *d = NULL;
    char **v = NULL;
    unsigned cnt = 0, cap = 0;
    struct dirent *e;
    int rc;

    *names = NULL;
    *n = 0;
    rc = node_dir(lp, path, dir, sizeof(dir));
    if (rc < 0)
        return rc;
    d = opendir(dir);
    if (!d)
        return errno == ENOENT ? -ENOENT : -EIO;
    while ((errno = 0, e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;  /* .value, .perms, temporaries: never node names */
        if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
            continue;
        if (!component_valid(e->d_name)) {
            XLOG_WARN("store node %s: ignoring foreign entry in the backing directory", path);
            continue;
        }
        if (cnt == LOOP_MAX_CHILDREN) {
            XLOG_ERR("store node %s: more than %u children", path, LOOP_MAX_CHILDREN);
            rc = -E2BIG;
            goto out;
        }
        if (cnt == cap) {
            unsigned ncap = cap ? cap * 2 : 16;
            char **nv = realloc(v, (size_t)ncap * sizeof(*nv));
            if (!nv) {
                rc = -ENOMEM;
                goto out;
            }
            v = nv;
            cap = ncap;
        }
        v[cnt] = strdup(e->d_name);
        if (!v[cnt]) {
            rc = -ENOMEM;
            goto out;
        }
        cnt++;
    }
    if (errno) {
        rc = -errno;
        goto out;
    }
    if (cnt)
        qsort(v, cnt, sizeof(*v), name_cmp);
    *names = v;
    *n = cnt;
    v = NULL;
    cnt = 0;
    rc = 0;
out:
    xvios_strv_free(v, cnt);
    if (d)
        closedir(d);
    return rc;
}

static int write_perms_file(const char *file, const struct xvios_perm *perms, unsigned n)
{
    char buf[LOOP_PERMS_FILE_MAX + 1];
    size_t len;
    int rc = loop_perms_format(perms, n, buf, sizeof(buf), &len);

    return rc < 0 ? rc : loop_write_file(file, buf, len);
}

int loop_disk_create(struct loop_plat *lp, const char *path, const char *val, size_t len,
                     const struct xvios_perm *perms, unsigned nperms)
{
    static unsigned seq;
    char parent[XVIOS_STORE_MAX_PATH + 1], pdir[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX], file[PATH_MAX];
    bool made = false;
    int rc, r;

    rc = loop_parent(path, parent, sizeof(parent));
    if (rc < 0)
        goto out;
    if ((rc = node_dir(lp, parent, pdir, sizeof(pdir))) < 0 || (rc = node_dir(lp, path, dir, sizeof(dir))) < 0)
        goto out;
    r = snprintf(tmp, sizeof(tmp), "%s/.new.%ld.%u", pdir, (long)getpid(), seq++);
    if (r < 0 || (size_t)r >= sizeof(tmp)) {
        rc = -ENAMETOOLONG;
        goto out;
    }
    if (mkdir(tmp, 0700) < 0) {
        rc = -errno;
        goto out;
    }
    made = true;
    if ((rc = loop_path_join(file, sizeof(file), tmp, ".perms")) < 0 ||
        (rc = write_perms_file(file, perms, nperms)) < 0)
        goto out;
    if ((rc = loop_path_join(file, sizeof(file), tmp, ".value")) < 0 ||
        (rc = loop_write_file(file, val, len)) < 0)
        goto out;
    if (rename(tmp, dir) < 0) {
        rc = errno == ENOTEMPTY ? -EEXIST : -errno;
        goto out;
    }
    made = false;
    rc = 0;
out:
    if (made)
        loop_rmtree(tmp);
    if (rc < 0)
        XLOG_ERR("store node %s: create failed: %s", path, strerror(-rc));
    return rc;
}

int loop_disk_set_value(struct loop_plat *lp, const char *path, const char *val, size_t len)
{
    char file[PATH_MAX];
    int rc = node_file(lp, path, ".value", file, sizeof(file));

    return rc < 0 ? rc : loop_write_file(file, val, len);
}

int loop_disk_set_perms(struct loop_plat *lp, const char *path, const struct xvios_perm *perms, unsigned n)
{
    char file[PATH_MAX];
    int rc = node_file(lp, path, ".perms", file, sizeof(file));

    return rc < 0 ? rc : write_perms_file(file, perms, n);
}

int loop_disk_remove(struct loop_plat *lp, const char *path)
{
    static unsigned seq;
    char dir[PATH_MAX], trash[PATH_MAX];
    int rc, r;

    if (!strcmp(path, "/"))
        return -EINVAL;
    rc = node_dir(lp, path, dir, sizeof(dir));
    if (rc < 0)
        return rc;
    r = snprintf(trash, sizeof(trash), "%s/.trash.%ld.%u", lp->store, (long)getpid(), seq++);
    if (r < 0 || (size_t)r >= sizeof(trash))
        return -ENAMETOOLONG;
    if (rename(dir, trash) < 0)
        return errno == ENOENT ? -ENOENT : -errno;
    rc = loop_rmtree(trash);
    if (rc < 0)
        XLOG_WARN("store node %s removed, but its backing copy was not fully deleted: %s", path, strerror(-rc));
    return 0;
}

int loop_disk_init(struct loop_plat *lp)
{
    static const struct xvios_perm root_perms[] = { { 0, XVIOS_PERM_NONE } };
    char file[PATH_MAX];
    struct stat st;
    int rc;

    rc = node_file(lp, "/", ".perms", file, sizeof(file));
    if (rc < 0)
        return rc;
    if (lstat(file, &st) == 0)
        return 0;
    rc = write_perms_file(file, root_perms, 1);
    if (rc < 0)
        return rc;
    rc = node_file(lp, "/", ".value", file, sizeof(file));
    return rc < 0 ? rc : loop_write_file(file, "", 0);
}
