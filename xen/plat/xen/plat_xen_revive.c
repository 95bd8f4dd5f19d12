/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_revive.c - dom0 re-creates a domain under a given domid
 * (xvios_plat_domain_create_as, xvios_plat_domid_recent; docs/vscsi.md,
 * "Reviving a VIOS"). The rings and event channels a VIOS's clients set up
 * stay granted to, and bound for, the dead VIOS's domid: a domain that has
 * that domid again can map them and answer.
 *
 * The xl configuration file is turned into a libxl_domain_config the way xl
 * itself does it: `xl create -n -q FILE` (a dry run) prints the parsed
 * configuration as JSON (xl's default output format), which
 * libxl_domain_config_from_json reads back; then libxl creates the domain
 * with libxl_domain_create_info.domid set (LIBXL_HAVE_CREATEINFO_DOMID) and
 * unpauses it. libxl refuses a domid destroyed less than its reuse timeout
 * ago (60 s, LIBXL_DOMID_REUSE_TIMEOUT in the environment overrides it);
 * libxl records those in its run directory's domid-history, one
 * "<CLOCK_MONOTONIC seconds> <domid>" line per destroyed domain, which is
 * what xvios_plat_domid_recent reads so the caller can wait instead of
 * failing.
 *
 * libxenlight is loaded with dlopen() when a domain is re-created, not
 * linked: it is dom0's library (xl's), and linking it would make every
 * program of the project -- the VIOS's daemons too -- load it and its
 * dependencies. The SONAME is that of the Xen release whose libxl.h this is
 * compiled against (the ABI the calls below assume).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>

#include "plat_xen_internal.h"
#include "xvios/log.h"
#include "xvios/parse.h"

extern char **environ;

#define LIBXL_SONAME       "libxenlight.so.4.17"   /* Debian 12's Xen 4.17, as libxl.h */

/* The libxl calls used, resolved from the library at run time. */
struct libxl_fns {
    void *dl;
    int (*ctx_alloc)(libxl_ctx **, int, unsigned, xentoollog_logger *);
    int (*ctx_free)(libxl_ctx *);
    void (*config_init)(libxl_domain_config *);
    void (*config_dispose)(libxl_domain_config *);
    int (*config_from_json)(libxl_ctx *, libxl_domain_config *, const char *);
    int (*uuid_from_string)(libxl_uuid *, const char *);
    int (*create_new)(libxl_ctx *, libxl_domain_config *, uint32_t *, const libxl_asyncop_how *,
                      const libxl_asyncprogress_how *);
    int (*unpause)(libxl_ctx *, uint32_t, const libxl_asyncop_how *);
    int (*destroy)(libxl_ctx *, uint32_t, const libxl_asyncop_how *);
};

static int libxl_load(struct libxl_fns *l, char *err, size_t errlen)
{
    static const char *const names[] = {
        "libxl_ctx_alloc", "libxl_ctx_free", "libxl_domain_config_init", "libxl_domain_config_dispose",
        "libxl_domain_config_from_json", "libxl_uuid_from_string", "libxl_domain_create_new",
        "libxl_domain_unpause", "libxl_domain_destroy",
    };
    void **slots[] = {
        (void **)&l->ctx_alloc, (void **)&l->ctx_free, (void **)&l->config_init, (void **)&l->config_dispose,
        (void **)&l->config_from_json, (void **)&l->uuid_from_string, (void **)&l->create_new,
        (void **)&l->unpause, (void **)&l->destroy,
    };
    _Static_assert(sizeof(names) / sizeof(names[0]) == sizeof(slots) / sizeof(slots[0]), "one slot per name");

    memset(l, 0, sizeof(*l));
    l->dl = dlopen(LIBXL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!l->dl) {
        snprintf(err, errlen, "cannot load %s (dom0's libxenlight, package libxenmisc4.17): %s", LIBXL_SONAME,
                 dlerror());
        return -ENOENT;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        void *sym = dlsym(l->dl, names[i]);
        if (!sym) {
            snprintf(err, errlen, "%s has no %s", LIBXL_SONAME, names[i]);
            dlclose(l->dl);
            l->dl = NULL;
            return -ENOENT;
        }
        memcpy(slots[i], &sym, sizeof(sym));
    }
    return 0;
}

#define DOMID_HISTORY     "/var/run/xen/domid-history"
#define DOMID_REUSE_S     60u
#define DRYRUN_MAX        (1u << 20)    /* a domain's configuration as JSON: a few KiB */

static unsigned reuse_timeout(void)
{
    const char *s = getenv("LIBXL_DOMID_REUSE_TIMEOUT");
    uint32_t v;

    return s && xvios_parse_u32(s, 0, 86400, &v) == 0 ? v : DOMID_REUSE_S;
}

int plat_xen_domid_recent(void *impl, uint32_t domid, unsigned *wait_s)
{
    struct timespec now;
    unsigned timeout = reuse_timeout();
    char line[64];
    FILE *f;
    int recent = 0;

    (void)impl;
    *wait_s = 0;
    f = fopen(DOMID_HISTORY, "re");
    if (!f)
        return errno == ENOENT ? 0 : -errno;
    clock_gettime(CLOCK_MONOTONIC, &now);
    while (fgets(line, sizeof(line), f)) {
        intmax_t sec;
        unsigned id;
        char extra;

        if (sscanf(line, "%jd %u %c", &sec, &id, &extra) != 2 || id != domid || sec < 0)
            continue;                   /* not ours, or not a line libxl wrote */
        if (now.tv_sec - sec > (intmax_t)timeout)
            continue;                   /* libxl no longer counts it */
        recent = 1;
        if ((unsigned)(timeout - (now.tv_sec - sec) + 1) > *wait_s)
            *wait_s = (unsigned)(timeout - (now.tv_sec - sec) + 1);
    }
    fclose(f);
    return recent;
}

/* `xl create -n -q FILE`: the configuration as JSON into *json (malloc'd), or xl's complaint into err. */
static int dry_run(const char *xl_config, char **json, char *err, size_t errlen)
{
    char *const argv[] = { "xl", "create", "-n", "-q", (char *)xl_config, NULL };
    posix_spawn_file_actions_t fa;
    int out = -1, errfd = -1, rc, status;
    bool fa_init = false;
    pid_t pid;
    char *buf = NULL;
    size_t len = 0;

    *json = NULL;
    /* both into memfds: nothing to keep draining while xl runs, and no pipe to fill */
    out = memfd_create("xl-dryrun-out", MFD_CLOEXEC);
    errfd = memfd_create("xl-dryrun-err", MFD_CLOEXEC);
    if (out < 0 || errfd < 0) {
        rc = -errno;
        snprintf(err, errlen, "memfd_create: %s", strerror(errno));
        goto out;
    }
    if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
        rc = -rc;
        goto out;
    }
    fa_init = true;
    if ((rc = posix_spawn_file_actions_adddup2(&fa, out, 1)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&fa, errfd, 2)) != 0 ||
        (rc = posix_spawnp(&pid, "xl", &fa, NULL, argv, environ)) != 0) {
        snprintf(err, errlen, "cannot run xl: %s", strerror(rc));
        rc = -rc;
        goto out;
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            rc = -errno;
            snprintf(err, errlen, "waiting for xl: %s", strerror(errno));
            goto out;
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char msg[256];
        ssize_t n = pread(errfd, msg, sizeof(msg) - 1, 0);

        msg[n > 0 ? n : 0] = '\0';
        msg[strcspn(msg, "\n")] = '\0';
        snprintf(err, errlen, "`xl create -n %s` failed (%s %d): %s", xl_config,
                 WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                 msg[0] ? msg : "no message");
        rc = -EINVAL;
        goto out;
    }
    off_t size = lseek(out, 0, SEEK_END);
    if (size <= 0 || size > (off_t)DRYRUN_MAX) {
        snprintf(err, errlen, "`xl create -n %s` printed %jd bytes, no configuration", xl_config, (intmax_t)size);
        rc = -EINVAL;
        goto out;
    }
    buf = malloc((size_t)size + 1);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    while (len < (size_t)size) {
        ssize_t n = pread(out, buf + len, (size_t)size - len, (off_t)len);
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            snprintf(err, errlen, "reading xl's output: %s", strerror(-rc));
            goto out;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    *json = buf;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    if (fa_init)
        posix_spawn_file_actions_destroy(&fa);
    if (out >= 0)
        close(out);
    if (errfd >= 0)
        close(errfd);
    return rc;
}

int plat_xen_domain_create_as(void *impl, const char *xl_config, uint32_t domid, const char *uuid, char *err,
                              size_t errlen)
{
    struct xvios_dominfo info;
    xentoollog_logger_stdiostream *lg = NULL;
    struct libxl_fns l = { 0 };
    libxl_ctx *ctx = NULL;
    libxl_domain_config cfg;
    bool cfg_init = false;
    uint32_t got = INVALID_DOMID;
    char *json = NULL;
    unsigned wait_s;
    int rc;

    rc = plat_xen_domain_info(impl, domid, &info);
    if (rc == 0) {
        snprintf(err, errlen, "domid %u is in use (domain %s)", domid, info.name[0] ? info.name : "without a name");
        rc = -EEXIST;
        goto out;
    }
    if (rc != -ENOENT) {
        snprintf(err, errlen, "cannot ask about domid %u: %s", domid, strerror(-rc));
        goto out;
    }
    if ((rc = plat_xen_domid_recent(impl, domid, &wait_s)) != 0) {
        if (rc > 0)
            snprintf(err, errlen, "domid %u was used less than %u s ago; it can be used again in %u s", domid,
                     reuse_timeout(), wait_s);
        else
            snprintf(err, errlen, "cannot read %s: %s", DOMID_HISTORY, strerror(-rc));
        rc = rc > 0 ? -EAGAIN : rc;
        goto out;
    }
    if ((rc = dry_run(xl_config, &json, err, errlen)) < 0)
        goto out;
    if ((rc = libxl_load(&l, err, errlen)) < 0)
        goto out;
    l.config_init(&cfg);
    cfg_init = true;
    lg = xtl_createlogger_stdiostream(stderr, XTL_WARN, 0);
    if (!lg) {
        rc = -ENOMEM;
        goto out;
    }
    if (l.ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg)) {
        snprintf(err, errlen, "cannot open libxl (are we dom0, root?)");
        ctx = NULL;
        rc = -EACCES;
        goto out;
    }
    if (l.config_from_json(ctx, &cfg, json)) {
        snprintf(err, errlen, "libxl does not take the configuration xl printed for %s", xl_config);
        rc = -EINVAL;
        goto out;
    }
    cfg.c_info.domid = domid;
    if (uuid && uuid[0] && l.uuid_from_string(&cfg.c_info.uuid, uuid)) {
        snprintf(err, errlen, "'%s' is no uuid", uuid);
        rc = -EINVAL;
        goto out;
    }
    XLOG_INFO("creating domain %s as domid %u from %s", cfg.c_info.name ? cfg.c_info.name : "?", domid, xl_config);
    if (l.create_new(ctx, &cfg, &got, NULL, NULL)) {
        snprintf(err, errlen, "libxl could not create domain %u from %s (its messages above)", domid, xl_config);
        rc = -EIO;
        goto out;
    }
    if (got != domid) {
        /* libxl ignored the domid (it would not, with LIBXL_HAVE_CREATEINFO_DOMID): not what was asked */
        snprintf(err, errlen, "libxl created domain %u, not %u: destroyed again", got, domid);
        l.destroy(ctx, got, NULL);
        rc = -EIO;
        goto out;
    }
    if (l.unpause(ctx, domid, NULL)) {
        snprintf(err, errlen, "domain %u was created but cannot be unpaused: destroyed again", domid);
        l.destroy(ctx, domid, NULL);
        rc = -EIO;
        goto out;
    }
    rc = 0;
out:
    if (cfg_init)
        l.config_dispose(&cfg);
    if (ctx)
        l.ctx_free(ctx);
    if (l.dl)
        dlclose(l.dl);
    if (lg)
        xtl_logger_destroy((xentoollog_logger *)lg);
    free(json);
    return rc;
}
