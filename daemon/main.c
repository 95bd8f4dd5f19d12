/* SPDX-License-Identifier: MIT */
/*
 * main.c - xviosd, the cluster daemon (the VIOD) of one VIOS node:
 * arguments, start-up (identity from the cluster DB, run directory, pid
 * file, daemonizing with a readiness pipe), and the single poll loop with
 * deadlines that drives everything else (see xviosd.h).
 *
 *   xviosd [--platform loopback|xen] [--root DIR] [--domid D] [--rundir DIR]
 *          [--log FILE] [--log-target T] [--log-level L] [--foreground]
 *          [--config FILE] [--version]
 *
 * Options not on the command line come from the configuration file
 * (XVIOS_CONF_DIR/xviosd.conf, or --config FILE; see xviosd(8)).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xviosd.h"
#include "xvios/vio.h"
#include "xvios/clock.h"
#include "xvios/conf.h"
#include "xvios/epoch.h"
#include "xvios/log.h"
#include "xvios/log_target.h"
#include "xvios/paths.h"
#include "xvios/rdb.h"
#include "xvios/parse.h"
#include "xvios/version.h"

/* How long the daemon waits for its VKE at start (startup-timeout-ms in the configuration). */
static uint32_t startup_timeout_ms = 30000u;
#define MAX_POLLFDS (8u + XVD_MAX_CALLERS)

struct opts {
    enum xvios_plat_kind kind;
    const char *root;
    long domid;
    const char *rundir;
    const char *log;
    enum xvios_log_target log_target;
    bool foreground;
    /* the configuration file's copies (the command line wins) */
    int conf_platform, conf_target, conf_level;
    char conf_rundir[256], conf_log[256];
    bool mh_db;                    /* multihost-db: the cluster DB is the replicated one (mhdb.c) */
    char mh_cluster[128], mh_state[256];
};

static void usage(FILE *f)
{
    fprintf(f, "usage: xviosd [--platform loopback|xen] [--root DIR] [--domid D] [--rundir DIR]\n"
               "              [--log FILE] [--log-target auto|stderr|file|syslog|journal]\n"
               "              [--log-level debug|info|warn|err] [--foreground] [--config FILE] [--version]\n"
               "The cluster daemon of one VIOS node; see xviosd(8). Options not given here are read from\n"
               "--config FILE (default " XVIOS_CONF_DIR "/xviosd.conf, if it exists).\n");
}

static const char *const conf_platforms[] = { "loopback", "xen", NULL };
static const char *const conf_levels[] = { "debug", "info", "warn", "err", NULL };
static const char *const conf_targets[] = { "auto", "stderr", "file", "syslog", "journal", NULL };

/* What the command line did not say, from the configuration file; -1 after saying what is wrong. */
static int apply_conf(struct opts *o, const char *path, bool explicit_path, bool kind_set, bool target_set,
                      bool level_set)
{
    bool platform_given = false, rundir_given = false, log_given = false, target_given = false, level_given = false;
    const struct xvios_conf_key keys[] = {
        { .name = "platform", .type = XVIOS_CONF_CHOICE, .dst = &o->conf_platform, .choices = conf_platforms, .given = &platform_given },
        { .name = "rundir", .type = XVIOS_CONF_STRING, .dst = o->conf_rundir, .cap = sizeof(o->conf_rundir), .given = &rundir_given },
        { .name = "log-file", .type = XVIOS_CONF_STRING, .dst = o->conf_log, .cap = sizeof(o->conf_log), .given = &log_given },
        { .name = "log-target", .type = XVIOS_CONF_CHOICE, .dst = &o->conf_target, .choices = conf_targets, .given = &target_given },
        { .name = "log-level", .type = XVIOS_CONF_CHOICE, .dst = &o->conf_level, .choices = conf_levels, .given = &level_given },
        { .name = "startup-timeout-ms", .type = XVIOS_CONF_U32, .dst = &startup_timeout_ms, .min = 1000, .max = 600000 },
        { .name = "multihost-db", .type = XVIOS_CONF_BOOL, .dst = &o->mh_db },
        { .name = "multihost-cluster", .type = XVIOS_CONF_STRING, .dst = o->mh_cluster, .cap = sizeof(o->mh_cluster) },
        { .name = "multihost-state", .type = XVIOS_CONF_STRING, .dst = o->mh_state, .cap = sizeof(o->mh_state) },
    };
    char err[512];
    int rc = xvios_conf_read(path, keys, sizeof(keys) / sizeof(keys[0]), err, sizeof(err));

    if (rc == -ENOENT && !explicit_path)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "xviosd: bad configuration: %s\n", err);
        return -1;
    }
    if (o->mh_db && !xvios_rdb_cluster_name_ok(o->mh_cluster)) {
        fprintf(stderr, "xviosd: bad configuration: multihost-db needs multihost-cluster, a cluster name of 1-63 "
                        "A-Z a-z 0-9 . _ -\n");
        return -1;
    }
    if (platform_given && !kind_set && xvios_plat_kind_parse(conf_platforms[o->conf_platform], &o->kind) < 0)
        return -1;
    if (rundir_given && !o->rundir)
        o->rundir = o->conf_rundir;
    if (log_given && !o->log)
        o->log = o->conf_log;
    if (target_given && !target_set)
        o->log_target = (enum xvios_log_target)o->conf_target;
    if (level_given && !level_set)
        xvios_log_set_level((enum xvios_log_level)o->conf_level);
    return platform_given && !kind_set ? 1 : 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        { "platform", required_argument, NULL, 'p' }, { "root", required_argument, NULL, 'r' },
        { "domid", required_argument, NULL, 'd' },    { "rundir", required_argument, NULL, 'R' },
        { "log", required_argument, NULL, 'l' },      { "foreground", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },           { "config", required_argument, NULL, 'c' },
        { "log-target", required_argument, NULL, 't' }, { "log-level", required_argument, NULL, 'L' },
        { "version", no_argument, NULL, 'V' },        { NULL, 0, NULL, 0 },
    };
    const char *conf_path = XVIOS_CONF_DIR "/xviosd.conf";
    bool kind_set = false, conf_explicit = false, target_set = false, level_set = false;
    enum xvios_log_level level;
    int ch, rc;

    memset(o, 0, sizeof(*o));
    o->kind = XVIOS_PLAT_XEN;
    o->domid = -1;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'p':
            if (xvios_plat_kind_parse(optarg, &o->kind) < 0) {
                fprintf(stderr, "xviosd: unknown platform '%s'\n", optarg);
                return -1;
            }
            kind_set = true;
            break;
        case 'r': o->root = optarg; break;
        case 'd': {
            uint32_t d;
            if (xvios_parse_u32(optarg, 1, XVIOS_DOMID_LIMIT - 1u, &d) < 0) {
                fprintf(stderr, "xviosd: bad domid '%s'\n", optarg);
                return -1;
            }
            o->domid = (long)d;
            break;
        }
        case 'R': o->rundir = optarg; break;
        case 'l': o->log = optarg; break;
        case 'f': o->foreground = true; break;
        case 'c': conf_path = optarg; conf_explicit = true; break;
        case 't':
            if (xvios_log_target_parse(optarg, &o->log_target) < 0) {
                fprintf(stderr, "xviosd: unknown log target '%s'\n", optarg);
                return -1;
            }
            target_set = true;
            break;
        case 'L':
            if (xvios_log_level_parse(optarg, &level) < 0) {
                fprintf(stderr, "xviosd: unknown log level '%s'\n", optarg);
                return -1;
            }
            xvios_log_set_level(level);
            level_set = true;
            break;
        case 'V': printf("xviosd %s\n", XVIOS_VERSION); exit(0);
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return -1;
    }
    /* the file fills in what the command line left out; nothing starts on a bad file */
    if ((rc = apply_conf(o, conf_path, conf_explicit, kind_set, target_set, level_set)) < 0)
        return -1;
    kind_set = kind_set || rc > 0;
    if (!kind_set && o->root)
        o->kind = XVIOS_PLAT_LOOPBACK;
    if (o->log_target == XVIOS_LOG_TARGET_FILE && !o->log) {
        fprintf(stderr, "xviosd: log target 'file' needs --log FILE (or log-file)\n");
        return -1;
    }
    if (o->log && o->log_target != XVIOS_LOG_TARGET_AUTO && o->log_target != XVIOS_LOG_TARGET_FILE)
        o->log = NULL;   /* an explicit syslog/journal/stderr target wins over a log file */
    if (o->kind == XVIOS_PLAT_LOOPBACK && (!o->root || o->domid < 0)) {
        fprintf(stderr, "xviosd: the loopback platform needs --root and --domid\n");
        return -1;
    }
    return 0;
}

/* Fork into the background; the parent exits when the child reports readiness (or fails). */
static int daemonize(int *ready_fd, const char *log)
{
    int p[2];
    pid_t pid;
    char c = 0;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0) {
        struct timespec dl = xvios_deadline_ms(startup_timeout_ms + 5000u);
        struct pollfd pfd = { .fd = p[0], .events = POLLIN };
        close(p[1]);
        while (!xvios_ts_passed(&dl)) {
            int r = poll(&pfd, 1, xvios_poll_timeout(&dl, 1000));
            if (r < 0 && errno != EINTR)
                break;
            if (r > 0) {
                ssize_t n = read(p[0], &c, 1);
                _exit(n == 1 && c == '1' ? 0 : 1);
            }
        }
        fprintf(stderr, "xviosd: not ready before the deadline\n");
        _exit(1);
    }
    close(p[0]);
    if (setsid() < 0)
        return -errno;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    /* stderr goes to the log too: whatever the runtime prints there (sanitizer reports) is kept */
    int out = log ? open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640) : -1;
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(out >= 0 ? out : devnull, STDOUT_FILENO);
        dup2(out >= 0 ? out : devnull, STDERR_FILENO);
        if (devnull > STDERR_FILENO)
            close(devnull);
    }
    if (out > STDERR_FILENO)
        close(out);
    *ready_fd = p[1];
    return 0;
}

static int write_pidfile(const char *path)
{
    char buf[32];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

    if (fd < 0)
        return -errno;
    if (write(fd, buf, (size_t)n) != n) {
        close(fd);
        return -EIO;
    }
    return close(fd) < 0 ? -errno : 0;
}

static int setup_identity(struct xviosd *d, const struct opts *o)
{
    struct xvios_plat_config pc = { .kind = o->kind, .root = o->root,
                                    .self_domid = o->domid > 0 ? (uint32_t)o->domid : 0 };
    struct xvios_db_node dn;
    int rc;

    rc = xvios_plat_open(&pc, &d->plat);
    if (rc < 0) {
        fprintf(stderr, "xviosd: cannot open the %s platform: %s\n", xvios_plat_kind_name(o->kind), strerror(-rc));
        return rc;
    }
    rc = xvios_plat_self_domid(d->plat, &d->self_domid);
    if (rc < 0) {
        fprintf(stderr, "xviosd: cannot learn this domain's id: %s\n", strerror(-rc));
        return rc;
    }
    d->kind = o->kind;
    if (o->mh_db) {
        snprintf(d->mh_cluster, sizeof(d->mh_cluster), "%s", o->mh_cluster);
        snprintf(d->mh_state, sizeof(d->mh_state), "%s", o->mh_state);
        if ((rc = viod_mhdb_open(d, o->root)) < 0)
            return rc;
    }
    rc = xvios_db_node_by_domid(d->plat, d->self_domid, &d->self_node);
    if (rc < 0) {
        fprintf(stderr, "xviosd: domain %u is not a cluster node: %s\n", d->self_domid, strerror(-rc));
        return rc;
    }
    if (xvios_db_node_get(d->plat, d->self_node, &dn) == 0) {
        snprintf(d->self_name, sizeof(d->self_name), "%s", dn.name);
        snprintf(d->self_state, sizeof(d->self_state), "%s", dn.state == XVIOS_NODE_ACTIVE ? "active" : "leaving");
    }
    if (o->rundir)
        rc = snprintf(d->rundir, sizeof(d->rundir), "%s", o->rundir) >= (int)sizeof(d->rundir) ? -ENAMETOOLONG : 0;
    else
        rc = xvios_rundir(d->rundir, sizeof(d->rundir), o->kind, o->root, d->self_node);
    if (rc < 0) {
        fprintf(stderr, "xviosd: run directory path too long\n");
        return rc;
    }
    if (mkdir(d->rundir, 0750) < 0 && errno != EEXIST) {
        rc = -errno;
        fprintf(stderr, "xviosd: cannot create %s: %s\n", d->rundir, strerror(errno));
        return rc;
    }
    xvios_log_set_node(d->self_node);
    {
        /* a new incarnation: stored before the first txid goes out, so none repeats an earlier one's */
        char epath[160];
        rc = xvios_run_path(epath, sizeof(epath), d->rundir, XVIOS_DAEMON_EPOCH_FILE);
        if (rc == 0)
            rc = xvios_epoch_advance(epath, xvios_epoch_clock_floor(), &d->epoch);
        if (rc < 0) {
            fprintf(stderr, "xviosd: cannot store a new epoch in %s: %s\n", d->rundir, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- the loop */
static int run(struct xviosd *d, int sigfd, int *ready_fd)
{
    struct pollfd pfd[MAX_POLLFDS];
    struct caller *pc[MAX_POLLFDS];
    struct timespec startup_deadline = xvios_deadline_ms(startup_timeout_ms);
    int wfd = xvios_store_watch_fd(d->plat);

    for (;;) {
        struct timespec now = xvios_now(), next;
        unsigned n = 0;
        int timeout = 1000, vke_i = -1, api_i = -1, watch_i = -1, sig_i;
        bool fast = false;

        viod_vke_tick(d, now);
        viod_api_mgmt_tick(d, now);
        viod_api_tick(d, now);
        viod_op_tick(d, now);
        viod_apply_tick(d, now);
        viod_user_tick(d, now);
        viod_objwatch_tick(d, now);
        if (d->vke_ever_ready && *ready_fd >= 0) {
            if (write(*ready_fd, "1", 1) != 1)
                XLOG_WARN("cannot report readiness to the starting process");
            close(*ready_fd);
            *ready_fd = -1;
        }
        if (!d->vke_ever_ready && xvios_ts_passed(&startup_deadline)) {
            XLOG_ERR("could not attach to the VKE at %s/%s in %u ms", d->rundir, XVIOS_VKE_SOCK, startup_timeout_ms);
            return -ETIMEDOUT;
        }

        sig_i = (int)n;
        pfd[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
        if (d->vke_fd >= 0) {
            vke_i = (int)n;
            pfd[n++] = (struct pollfd){ .fd = d->vke_fd,
                                        .events = POLLIN | (xvios_pktq_peek(&d->vke_out) ? POLLOUT : 0) };
        }
        api_i = (int)n;
        pfd[n++] = (struct pollfd){ .fd = d->api_fd, .events = POLLIN };
        if (wfd >= 0) {
            watch_i = (int)n;
            pfd[n++] = (struct pollfd){ .fd = wfd, .events = POLLIN };
        }
        for (unsigned i = 0; i < XVD_MAX_CALLERS; i++) {
            struct caller *c = &d->callers[i];
            int fd;
            if (!c->used || c->dead)
                continue;
            fd = c->link ? xvios_link_fd(c->link) : c->fd;
            if (c->link && (fd < 0 || xvios_pktq_peek(&c->out)))
                fast = true;   /* links are written and progressed on a timer */
            if (fd < 0 || n >= MAX_POLLFDS)
                continue;
            pc[n] = c;
            pfd[n++] = (struct pollfd){ .fd = fd,
                                        .events = POLLIN | (!c->link && xvios_pktq_peek(&c->out) ? POLLOUT : 0) };
        }
        if (d->mgmt && d->mgmt_caller < 0) {
            int fd = xvios_link_fd(d->mgmt);
            if (fd >= 0 && n < MAX_POLLFDS) {
                pc[n] = NULL;
                pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
            } else {
                fast = true;
            }
        }
        if (viod_op_next_deadline(d, &next))
            timeout = xvios_poll_timeout(&next, timeout);
        if (viod_user_next_deadline(d, &next))
            timeout = xvios_poll_timeout(&next, timeout);
        if (viod_objwatch_next_deadline(d, &next))
            timeout = xvios_poll_timeout(&next, timeout);
        if (viod_apply_next_deadline(d, &next))
            timeout = xvios_poll_timeout(&next, timeout);
        if (d->vke_state == VKE_DOWN)
            timeout = xvios_poll_timeout(&d->vke_retry_at, timeout);
        else if (d->vke_state == VKE_READY)
            timeout = xvios_poll_timeout(d->vs.asking ? &d->vs.ask_deadline : &d->vs.next_ask, timeout);
        if (fast && timeout > 20)
            timeout = 20;

        if (poll(pfd, n, timeout) < 0) {
            if (errno == EINTR)
                continue;
            XLOG_ERR("poll: %s", strerror(errno));
            return -errno;
        }
        if (pfd[sig_i].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                XLOG_INFO("signal %u: shutting down", si.ssi_signo);
                return 0;
            }
        }
        if (vke_i >= 0 && d->vke_fd >= 0 && (pfd[vke_i].revents & (POLLIN | POLLHUP | POLLERR)))
            viod_vke_on_readable(d);
        if (pfd[api_i].revents & POLLIN)
            viod_api_on_accept(d);
        if (watch_i >= 0 && (pfd[watch_i].revents & POLLIN))
            viod_events_on_store(d);
        for (unsigned i = 0; i < n; i++) {
            if ((int)i == sig_i || (int)i == vke_i || (int)i == api_i || (int)i == watch_i || !pc[i])
                continue;
            if (pc[i]->used && !pc[i]->dead && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                viod_api_on_readable(d, pc[i]);
        }
        /* links may hold datagrams without their fd saying so */
        for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
            if (d->callers[i].used && !d->callers[i].dead && d->callers[i].link)
                viod_api_on_readable(d, &d->callers[i]);
        for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
            if (d->callers[i].used && !d->callers[i].dead)
                viod_api_flush(d, &d->callers[i]);
        viod_api_reap(d);
        viod_vke_ack(d);
        viod_vke_flush(d);
    }
}

int main(int argc, char **argv)
{
    struct xviosd d;
    struct opts o;
    char pidpath[160] = "", logpath[160];
    sigset_t ss;
    int sigfd = -1, ready_fd = -1, rc, status = 1;

    memset(&d, 0, sizeof(d));
    d.vke_fd = -1;
    d.api_fd = -1;
    d.mgmt_caller = -1;
    xvios_log_set_prog("xviosd");
    if (parse_args(argc, argv, &o) < 0)
        return 2;
    viod_vke_init(&d);
    xvios_pktq_init(&d.held, XVD_HELD_PKTS, XVD_HELD_BYTES);
    if (viod_respq_init(&d.rq, XVD_RESPQ_CAP) < 0 || !(d.rx = malloc(XVIOS_MAX_MSG)) || !(d.tx = malloc(XVIOS_MAX_MSG))) {
        fprintf(stderr, "xviosd: out of memory\n");
        goto out;
    }
    if (setup_identity(&d, &o) < 0)
        goto out;

    if (!o.foreground) {
        if (!o.log && o.log_target == XVIOS_LOG_TARGET_AUTO && xvios_run_path(logpath, sizeof(logpath), d.rundir, "xviosd.log") == 0)
            o.log = logpath;
        viod_mhdb_close(&d);   /* corosync's IPC belongs to this process: the child opens its own */
        rc = daemonize(&ready_fd, o.log);
        if (rc < 0) {
            fprintf(stderr, "xviosd: cannot daemonize: %s\n", strerror(-rc));
            goto out;
        }
        if (viod_mhdb_open(&d, o.root) < 0)
            goto out;
    }
    if ((rc = xvios_log_target_use(o.log_target, o.log, NULL)) < 0)
        fprintf(stderr, "xviosd: cannot open the log %s: %s\n", o.log ? o.log : "-", strerror(-rc));

    sigemptyset(&ss);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGINT);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sigfd < 0) {
        XLOG_ERR("signalfd: %s", strerror(errno));
        goto out;
    }
    /* the caller socket first: it refuses to start a second daemon for this node */
    if (viod_api_listen(&d) < 0)
        goto out;
    if (xvios_run_path(pidpath, sizeof(pidpath), d.rundir, "xviosd.pid") < 0 || write_pidfile(pidpath) < 0) {
        XLOG_ERR("cannot write the pid file in %s", d.rundir);
        pidpath[0] = 0;
        goto out;
    }
    d.started = xvios_now();
    if (viod_events_watch(&d) < 0)
        goto out;
    XLOG_INFO("node %u (domid %u, %s, epoch %u) starting; run directory %s", d.self_node, d.self_domid,
              xvios_plat_kind_name(o.kind), d.epoch, d.rundir);
    viod_self_rebuild(&d);   /* what the VTD table says this VIOS serves and its store lost (logged) */
    rc = run(&d, sigfd, &ready_fd);
    status = rc < 0 ? 1 : 0;
out:
    if (ready_fd >= 0)
        close(ready_fd);   /* the waiting parent sees EOF: failure */
    viod_op_dispose_all(&d);
    viod_api_dispose(&d);
    viod_vke_dispose(&d);
    viod_events_dispose(&d);
    xvios_vio_cleanup();
    viod_respq_dispose(&d.rq);
    xvios_pktq_dispose(&d.held);
    if (pidpath[0])
        unlink(pidpath);
    viod_mhdb_close(&d);
    xvios_plat_close(d.plat);
    free(d.rx);
    free(d.tx);
    if (sigfd >= 0)
        close(sigfd);
    if (status == 0)
        XLOG_INFO("stopped");
    return status;
}
