/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_domain.c - loopback domains: the registry ROOT/domains/<domid>/
 * (files name, uuid, pid), the identity calls of the platform seam, and the
 * toolstack calls of xvios/loopback.h. Domain 0 ("Domain-0") always exists.
 * A domain is alive while it is registered and its recorded process (if
 * any) runs and is not a zombie. Registry changes run under the exclusive
 * store lock, together with the store changes Xen's toolstack would make.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat_loop_internal.h"
#include "xvios/log.h"
#include "xvios/loopback.h"
#include "xvios/parse.h"

#define DOM0_NAME "Domain-0"
#define DOM0_UUID "00000000-0000-0000-0000-000000000000"

static int reg_file(const char *root, uint32_t domid, const char *leaf, char *out, size_t n)
{
    int r = leaf ? snprintf(out, n, "%s/domains/%u/%s", root, domid, leaf)
                 : snprintf(out, n, "%s/domains/%u", root, domid);
    return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

static bool name_valid(const char *s)
{
    size_t n = strlen(s);
    bool digits_only = true;

    if (n == 0 || n >= sizeof(((struct xvios_dominfo *)0)->name) || !strcmp(s, DOM0_NAME))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.'))
            return false;
        if (c < '0' || c > '9')
            digits_only = false;
    }
    return !digits_only;
}

/* Read one registry file into out (cap bytes incl. NUL), trailing newline stripped. */
static int reg_read(const char *root, uint32_t domid, const char *leaf, char *out, size_t cap)
{
    char path[PATH_MAX];
    char *untrusted = NULL;
    size_t len = 0;
    int rc;

    if ((rc = reg_file(root, domid, leaf, path, sizeof(path))) < 0)
        return rc;
    rc = loop_read_file(path, cap - 1, &untrusted, &len);
    if (rc < 0)
        return rc;
    if (len && untrusted[len - 1] == '\n')
        untrusted[--len] = '\0';
    if (strlen(untrusted) != len) {
        XLOG_ERR("domain registry %s: embedded NUL: corrupt", path);
        free(untrusted);
        return -EIO;
    }
    memcpy(out, untrusted, len + 1);
    free(untrusted);
    return 0;
}

int loop_domain_pid(const char *root, uint32_t domid, pid_t *pid)
{
    char dir[PATH_MAX], buf[16];
    struct stat st;
    uint32_t v;
    int rc;

    *pid = 0;
    if ((rc = reg_file(root, domid, NULL, dir, sizeof(dir))) < 0)
        return rc;
    if (stat(dir, &st) < 0)
        return -ENOENT;
    rc = reg_read(root, domid, "pid", buf, sizeof(buf));
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    if (xvios_parse_u32_canon(buf, INT32_MAX, &v) < 0 || v == 0) {
        XLOG_ERR("domain registry: domain %u: malformed pid", domid);
        return -EIO;
    }
    *pid = (pid_t)v;
    return 0;
}

static bool process_alive(pid_t pid)
{
    char path[64], buf[512];
    char *paren;
    FILE *f;
    size_t n;

    if (kill(pid, 0) < 0 && errno != EPERM)
        return false;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return true;  /* no /proc: kill() said it exists */
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    paren = strrchr(buf, ')');
    /* "pid (comm) S ...": a zombie or dead task is not a running domain */
    return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}

static int info_locked(struct loop_plat *lp, uint32_t domid, struct xvios_dominfo *out)
{
    pid_t pid = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    out->domid = domid;
    if (domid == 0) {
        strcpy(out->name, DOM0_NAME);
        strcpy(out->uuid, DOM0_UUID);
        out->alive = true;
        return 0;
    }
    rc = loop_domain_pid(lp->root, domid, &pid);
    if (rc < 0)
        return rc;
    if ((rc = reg_read(lp->root, domid, "name", out->name, sizeof(out->name))) < 0 ||
        (rc = reg_read(lp->root, domid, "uuid", out->uuid, sizeof(out->uuid))) < 0)
        return rc == -ENOENT ? -EIO : rc;
    if (!name_valid(out->name) || !xvios_uuid_valid(out->uuid)) {
        XLOG_ERR("domain registry: domain %u: malformed name or uuid", domid);
        memset(out, 0, sizeof(*out));
        return -EIO;
    }
    out->alive = pid == 0 || process_alive(pid);
    return 0;
}

int loop_self_domid(void *impl, uint32_t *domid)
{
    *domid = ((struct loop_plat *)impl)->self_domid;
    return 0;
}

int loop_domain_info(void *impl, uint32_t domid, struct xvios_dominfo *out)
{
    struct loop_plat *lp = impl;
    int lk = loop_lock(lp, false), rc;

    if (lk < 0)
        return lk;
    rc = domid > 0xffffu ? -ENOENT : info_locked(lp, domid, out);
    loop_unlock(lk);
    return rc;
}

/* The domid registered under name, -ENOENT if none. Lock held. */
static int find_name(struct loop_plat *lp, const char *name, uint32_t *domid)
{
    char dir[PATH_MAX];
    DIR *d;
    struct dirent *e;
    int rc = -ENOENT;

    if (!strcmp(name, DOM0_NAME)) {
        *domid = 0;
        return 0;
    }
    if (snprintf(dir, sizeof(dir), "%s/domains", lp->root) >= (int)sizeof(dir))
        return -ENAMETOOLONG;
    d = opendir(dir);
    if (!d)
        return -errno;
    while ((e = readdir(d)) != NULL) {
        struct xvios_dominfo info;
        uint32_t id;
        if (e->d_name[0] == '.' || xvios_parse_domid(e->d_name, &id) < 0 || id == 0)
            continue;
        if (info_locked(lp, id, &info) == 0 && !strcmp(info.name, name)) {
            *domid = id;
            rc = 0;
            break;
        }
    }
    closedir(d);
    return rc;
}

int loop_domain_lookup(void *impl, const char *name_or_id, uint32_t *domid)
{
    struct loop_plat *lp = impl;
    struct xvios_dominfo info;
    uint32_t id;
    int lk = loop_lock(lp, false), rc;

    if (lk < 0)
        return lk;
    if (xvios_parse_domid(name_or_id, &id) == 0) {
        rc = info_locked(lp, id, &info);
        if (rc == 0)
            *domid = id;
    } else {
        rc = find_name(lp, name_or_id, domid);
    }
    loop_unlock(lk);
    return rc;
}

/* ---------------------------------------------------------------- xvios/loopback.h */
static struct loop_plat *privileged(xvios_plat *p, int *rc)
{
    struct loop_plat *lp = xvios_plat_impl_of_kind(p, XVIOS_PLAT_LOOPBACK);

    *rc = 0;
    if (!lp)
        *rc = -EOPNOTSUPP;
    else if (lp->self_domid != 0)
        *rc = -EPERM;
    return *rc ? NULL : lp;
}

static int random_uuid(char out[37])
{
    unsigned char b[16];
    size_t got = 0;

    while (got < sizeof(b)) {
        ssize_t r = getrandom(b + got, sizeof(b) - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        got += (size_t)r;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);  /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);  /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return 0;
}

static int remove_home(struct loop_plat *lp, uint32_t domid)
{
    char home[64];
    int rc;

    snprintf(home, sizeof(home), "/local/domain/%u", domid);
    rc = loop_disk_remove(lp, home);
    if (rc == -ENOENT)
        return 0;
    return rc < 0 ? rc : loop_log_change(lp, 'R', home);
}

int xvios_loop_domain_create(xvios_plat *p, uint32_t domid, const char *name)
{
    static unsigned seq;
    struct loop_plat *lp;
    struct xvios_perm home_perms[1] = { { domid, XVIOS_PERM_NONE } };
    char dir[PATH_MAX], tmp[PATH_MAX], file[PATH_MAX], uuid[37], home[64], domid_s[16];
    struct stat st;
    uint32_t other;
    bool made = false;
    int lk = -1, rc;

    lp = privileged(p, &rc);
    if (!lp)
        return rc;
    if (domid == 0 || domid >= XVIOS_DOMID_LIMIT || !name || !name_valid(name))
        return -EINVAL;
    if ((rc = random_uuid(uuid)) < 0 || (rc = reg_file(lp->root, domid, NULL, dir, sizeof(dir))) < 0)
        return rc;
    if (snprintf(tmp, sizeof(tmp), "%s/domains/.new.%ld.%u", lp->root, (long)getpid(), seq++) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    lk = loop_lock(lp, true);
    if (lk < 0)
        return lk;
    if (lstat(dir, &st) == 0 || find_name(lp, name, &other) == 0) {
        rc = -EEXIST;
        goto out;
    }
    if (mkdir(tmp, 0700) < 0) {
        rc = -errno;
        goto out;
    }
    made = true;
    if ((rc = loop_path_join(file, sizeof(file), tmp, "name")) < 0 ||
        (rc = loop_write_file(file, name, strlen(name))) < 0 ||
        (rc = loop_path_join(file, sizeof(file), tmp, "uuid")) < 0 ||
        (rc = loop_write_file(file, uuid, strlen(uuid))) < 0)
        goto out;
    if (rename(tmp, dir) < 0) {
        rc = -errno;
        goto out;
    }
    made = false;
    /* the store home, as the Xen toolstack makes it; a stale one from an unclean end goes first */
    snprintf(domid_s, sizeof(domid_s), "%u", domid);
    if ((rc = remove_home(lp, domid)) < 0)
        goto out;
    snprintf(home, sizeof(home), "/local/domain/%u", domid);
    if ((rc = loop_store_force_write(lp, home, "", 0, home_perms, 1)) < 0)
        goto out;
    snprintf(home, sizeof(home), "/local/domain/%u/name", domid);
    if ((rc = loop_store_force_write(lp, home, name, strlen(name), home_perms, 1)) < 0)
        goto out;
    snprintf(home, sizeof(home), "/local/domain/%u/domid", domid);
    if ((rc = loop_store_force_write(lp, home, domid_s, strlen(domid_s), home_perms, 1)) < 0)
        goto out;
    rc = loop_log_change(lp, 'C', "@introduceDomain");
    XLOG_INFO("loopback domain %u (%s) created, uuid %s", domid, name, uuid);
out:
    if (made)
        loop_rmtree(tmp);
    loop_unlock(lk);
    return rc;
}

int xvios_loop_domain_set_pid(xvios_plat *p, uint32_t domid, pid_t pid)
{
    struct loop_plat *lp;
    char dir[PATH_MAX], file[PATH_MAX], buf[24];
    struct stat st;
    int lk, rc;

    lp = privileged(p, &rc);
    if (!lp)
        return rc;
    if (domid == 0 || domid > 0xffffu || pid <= 0)
        return -EINVAL;
    if ((rc = reg_file(lp->root, domid, NULL, dir, sizeof(dir))) < 0 ||
        (rc = reg_file(lp->root, domid, "pid", file, sizeof(file))) < 0)
        return rc;
    lk = loop_lock(lp, true);
    if (lk < 0)
        return lk;
    if (lstat(dir, &st) < 0)
        rc = -ENOENT;
    else
        rc = loop_write_file(file, buf, (size_t)snprintf(buf, sizeof(buf), "%ld\n", (long)pid));
    loop_unlock(lk);
    return rc;
}

int xvios_loop_domain_destroy(xvios_plat *p, uint32_t domid)
{
    static unsigned seq;
    struct loop_plat *lp;
    char dir[PATH_MAX], trash[PATH_MAX];
    int lk, rc;

    lp = privileged(p, &rc);
    if (!lp)
        return rc;
    if (domid == 0 || domid > 0xffffu)
        return -EINVAL;
    if ((rc = reg_file(lp->root, domid, NULL, dir, sizeof(dir))) < 0)
        return rc;
    if (snprintf(trash, sizeof(trash), "%s/domains/.gone.%ld.%u", lp->root, (long)getpid(), seq++) >=
        (int)sizeof(trash))
        return -ENAMETOOLONG;
    lk = loop_lock(lp, true);
    if (lk < 0)
        return lk;
    if (rename(dir, trash) < 0) {
        rc = errno == ENOENT ? -ENOENT : -errno;
        goto out;
    }
    loop_rmtree(trash);
    if ((rc = remove_home(lp, domid)) < 0)
        goto out;
    rc = loop_log_change(lp, 'C', "@releaseDomain");
    XLOG_INFO("loopback domain %u destroyed", domid);
out:
    loop_unlock(lk);
    return rc;
}
