/* SPDX-License-Identifier: MIT */
/*
 * xvios-backend - the VIOS backend process. Owns the process's one event
 * loop and store-watch multiplexer; its guests are the VKE (cluster links,
 * receipts, RC arrays, the daemon's local socket) and the vSCSI engine
 * (backend/vscsi: vscsiif rings of client domains served from LUs).
 *
 *   xvios-backend [--platform loopback|xen] [--root DIR] [--domid D]
 *                 [--rundir DIR] [--log FILE] [--log-target T] [--log-level L]
 *                 [--pidfile FILE] [--no-vscsi] [--config FILE] [--version]
 *
 * Options not on the command line come from the configuration file
 * (XVIOS_CONF_DIR/xvios-backend.conf, or --config FILE, or $XVIOS_BACKEND_CONF;
 * see xvios-backend(8)). With the vSCSI engine run the path monitor
 * (backend/dsa) and forwarding (backend/cke): docs/redundancy.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/prsync/prsync.h"
#include "backend/cke/cke.h"
#include "backend/dsa/dsa.h"
#include "backend/vscsi/vscsi_engine.h"
#include "xvios/conf.h"
#include "xvios/db.h"
#include "xvios/evloop.h"
#include "xvios/log.h"
#include "xvios/log_target.h"
#include "xvios/mesh.h"
#include "xvios/parse.h"
#include "xvios/paths.h"
#include "xvios/platform.h"
#include "xvios/rdb.h"
#include "xvios/version.h"
#include "xvios/vke.h"
#include "xvios/watchmux.h"

static volatile sig_atomic_t stop_requested, counters_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void on_usr1(int sig)
{
    (void)sig;
    counters_requested = 1;
}

/* SIGUSR1: one log line with the path monitor's and the forwarding's counters (docs/redundancy.md), one
 * with the cluster-wide reservations' (docs/pool.md). */
static void log_redundancy_counters(const struct dsa *dsa, const struct cke *cke, const struct prsync *prsync)
{
    struct dsa_stats ds;
    struct cke_stats ks;
    struct prsync_stats ps;

    if (prsync) {
        prsync_get_stats(prsync, &ps);
        XLOG_INFO("reservation counters: changes=%llu refused=%llu busy=%llu applied_in=%llu answers_in=%llu "
                  "missed_peers=%llu resyncs=%llu malformed_in=%llu",
                  (unsigned long long)ps.changes, (unsigned long long)ps.refused, (unsigned long long)ps.busy,
                  (unsigned long long)ps.applied_in, (unsigned long long)ps.answers_in,
                  (unsigned long long)ps.missed_peers, (unsigned long long)ps.resyncs,
                  (unsigned long long)ps.malformed_in);
    }
    if (!dsa || !cke) {
        XLOG_INFO("redundancy counters: the path monitor and forwarding are off");
        return;
    }
    dsa_get_stats(dsa, &ds);
    cke_get_stats(cke, &ks);
    XLOG_INFO("redundancy counters: forwarded=%llu answered=%llu redriven=%llu failovers=%llu unknown=%llu "
              "no_peer=%llu drained=%llu peer_executed=%llu peer_refused=%llu paths_lost=%llu "
              "paths_restored=%llu reopens=%llu probes=%llu probe_failures=%llu",
              (unsigned long long)ks.forwarded, (unsigned long long)ks.answered,
              (unsigned long long)ks.redriven, (unsigned long long)ks.failovers, (unsigned long long)ks.unknown,
              (unsigned long long)ks.no_peer, (unsigned long long)ks.drained,
              (unsigned long long)ks.peer_executed, (unsigned long long)ks.peer_refused,
              (unsigned long long)ds.lost, (unsigned long long)ds.restored, (unsigned long long)ds.reopens,
              (unsigned long long)ds.probes, (unsigned long long)ds.probe_failures);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: xvios-backend [--platform loopback|xen] [--root DIR] [--domid D]\n"
            "                     [--rundir DIR] [--log FILE] [--log-target T] [--log-level L]\n"
            "                     [--pidfile FILE] [--no-vscsi] [--config FILE] [--version]\n"
            "Runs the VKE of one VIOS node (cluster links, receipts, the daemon socket) and its\n"
            "vSCSI engine (virtual SCSI disks for client domains over vscsiif).\n"
            "  --platform   loopback (nodes as processes on one host) or xen (default: loopback\n"
            "               when --root is given, else xen)\n"
            "  --root DIR   loopback cluster root          --domid D  loopback domain to act as\n"
            "  --rundir DIR where vke.sock and the pid file go (xen: " XVIOS_XEN_RUNDIR
            "; loopback: ROOT/nodes/NODE)\n"
            "  --log FILE   append log lines to FILE instead of stderr\n"
            "  --pidfile F  write the pid here instead of RUNDIR/backend.pid\n"
            "  --no-vscsi   run the VKE only (no vSCSI engine)\n"
            "  --log-target auto|stderr|file|syslog|journal (default auto)\n"
            "  --log-level  debug|info|warn|err (default info, or $XVIOS_LOG)\n"
            "  --config F   the configuration file (default " XVIOS_CONF_DIR "/xvios-backend.conf, if it exists);\n"
            "               command-line options override it\n"
            "  --version    print the version and exit\n");
}

/* The configuration file's keys (xvios-backend(8), CONFIGURATION). */
struct backend_conf {
    int platform, log_target, log_level;
    bool vscsi, redundancy;
    uint32_t probe_interval_ms, probe_timeout_ms, forward_timeout_ms;
    char rundir[256], log_file[256], pidfile[256], fault_file[256];
    uint32_t login_timeout_ms;   /* vSCSI client login deadline; 0: VSCSI_LOGIN_TIMEOUT_MS */
    bool multihost;              /* links to other hosts' nodes over the mesh (docs/multihost.md) */
    char mh_address[64], mh_key[256], mh_cluster[128];
    uint32_t mh_port;            /* multihost-port: the mesh's TCP port; 0 (unset): chosen by the kernel */
    bool mh_db, mh_db_given;     /* multihost-db: the cluster DB is the replicated one (default with multihost) */
    char mh_state[256];          /* multihost-state: the directory of this node's copy of the replicated DB */
    bool platform_given, log_target_given, log_level_given, rundir_given, log_file_given, pidfile_given;
};

static const char *const conf_platforms[] = { "loopback", "xen", NULL };
static const char *const conf_levels[] = { "debug", "info", "warn", "err", NULL };
static const char *const conf_targets[] = { "auto", "stderr", "file", "syslog", "journal", NULL };

/* Read path (the default one may be missing); 0, or 2 after saying what is wrong. */
static int read_conf(const char *path, bool explicit_path, struct backend_conf *c)
{
    const struct xvios_conf_key keys[] = {
        { .name = "platform", .type = XVIOS_CONF_CHOICE, .dst = &c->platform, .choices = conf_platforms, .given = &c->platform_given },
        { .name = "rundir", .type = XVIOS_CONF_STRING, .dst = c->rundir, .cap = sizeof(c->rundir), .given = &c->rundir_given },
        { .name = "log-file", .type = XVIOS_CONF_STRING, .dst = c->log_file, .cap = sizeof(c->log_file), .given = &c->log_file_given },
        { .name = "log-target", .type = XVIOS_CONF_CHOICE, .dst = &c->log_target, .choices = conf_targets, .given = &c->log_target_given },
        { .name = "log-level", .type = XVIOS_CONF_CHOICE, .dst = &c->log_level, .choices = conf_levels, .given = &c->log_level_given },
        { .name = "pidfile", .type = XVIOS_CONF_STRING, .dst = c->pidfile, .cap = sizeof(c->pidfile), .given = &c->pidfile_given },
        { .name = "vscsi", .type = XVIOS_CONF_BOOL, .dst = &c->vscsi },
        { .name = "login-timeout-ms", .type = XVIOS_CONF_U32, .dst = &c->login_timeout_ms, .min = 100,
          .max = 3600000 },
        { .name = "redundancy", .type = XVIOS_CONF_BOOL, .dst = &c->redundancy },
        { .name = "path-probe-interval-ms", .type = XVIOS_CONF_U32, .dst = &c->probe_interval_ms, .min = 100, .max = 3600000 },
        { .name = "path-probe-timeout-ms", .type = XVIOS_CONF_U32, .dst = &c->probe_timeout_ms, .min = 10, .max = 60000 },
        { .name = "forward-timeout-ms", .type = XVIOS_CONF_U32, .dst = &c->forward_timeout_ms, .min = 100, .max = 600000 },
        { .name = "path-fault-file", .type = XVIOS_CONF_STRING, .dst = c->fault_file, .cap = sizeof(c->fault_file) },
        { .name = "multihost", .type = XVIOS_CONF_BOOL, .dst = &c->multihost },
        { .name = "multihost-address", .type = XVIOS_CONF_STRING, .dst = c->mh_address, .cap = sizeof(c->mh_address) },
        { .name = "multihost-port", .type = XVIOS_CONF_U32, .dst = &c->mh_port, .min = 1, .max = 65535 },
        { .name = "multihost-key", .type = XVIOS_CONF_STRING, .dst = c->mh_key, .cap = sizeof(c->mh_key) },
        { .name = "multihost-cluster", .type = XVIOS_CONF_STRING, .dst = c->mh_cluster, .cap = sizeof(c->mh_cluster) },
        { .name = "multihost-db", .type = XVIOS_CONF_BOOL, .dst = &c->mh_db, .given = &c->mh_db_given },
        { .name = "multihost-state", .type = XVIOS_CONF_STRING, .dst = c->mh_state, .cap = sizeof(c->mh_state) },
    };
    char err[512];
    int rc;

    c->vscsi = true;
    c->redundancy = true;
    rc = xvios_conf_read(path, keys, sizeof(keys) / sizeof(keys[0]), err, sizeof(err));
    if (rc == -ENOENT && !explicit_path)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "xvios-backend: bad configuration: %s\n", err);
        return 2;
    }
    if (!c->mh_db_given)
        c->mh_db = c->multihost;
    if (c->mh_db && !c->multihost) {
        fprintf(stderr, "xvios-backend: bad configuration: multihost-db needs multihost = yes\n");
        return 2;
    }
    if (c->mh_db && !xvios_rdb_cluster_name_ok(c->mh_cluster)) {
        fprintf(stderr, "xvios-backend: bad configuration: multihost-db needs multihost-cluster, a cluster name of "
                        "1-63 A-Z a-z 0-9 . _ - (the replicated DB is found by it)\n");
        return 2;
    }
    return 0;
}

/*
 * multihost-db: this node's copy of the replicated cluster DB (xvios/rdb.h), in the state directory
 * (multihost-state; default: the loopback root, or /var/lib/xvios on Xen) as cluster-db.<CLUSTER>.dom<D>; at
 * its first start the toolstack's copy there (cluster-db.<CLUSTER>.cli: a cluster created or joined before
 * any VIOS of this host ran) is its starting copy. Opened and
 * synced before anything reads the DB, then attached to the platform: the cluster-wide tree /xvios is the
 * replicated one, what is per host stays the platform's store. Its fd joins the event loop through the
 * platform's watch fd (the store-watch multiplexer), which dispatches it.
 */
#define BACKEND_STATE_DIR "/var/lib/xvios"
#define BACKEND_RDB_SYNC_MS 20000u

static int open_rdb(const struct backend_conf *c, const struct xvios_plat_config *pc, xvios_plat *plat,
                    uint32_t domid, xvios_rdb **out)
{
    char file[320], seed[320];
    const char *dir = c->mh_state[0] ? c->mh_state : pc->kind == XVIOS_PLAT_LOOPBACK ? pc->root : BACKEND_STATE_DIR;
    struct xvios_rdb_status st;
    int rc;

    if (snprintf(file, sizeof(file), "%s/cluster-db.%s.dom%u", dir, c->mh_cluster, domid) >= (int)sizeof(file)) {
        XLOG_ERR("multihost-db: the state directory's path is too long");
        return -ENAMETOOLONG;
    }
    if (snprintf(seed, sizeof(seed), "%s/cluster-db.%s.cli", dir, c->mh_cluster) >= (int)sizeof(seed))
        seed[0] = '\0';
    rc = xvios_rdb_open(&(struct xvios_rdb_config){ .cluster = c->mh_cluster, .state_file = file, .self_domid = 0,
                                                    .seed_file = seed },
                        out);
    if (rc < 0) {
        XLOG_ERR("multihost-db: cannot open the replicated DB of cluster %s (state %s): %s%s", c->mh_cluster, file,
                 strerror(-rc), rc == -ECONNREFUSED ? " (is corosync running on this host?)" : "");
        return rc;
    }
    if ((rc = xvios_rdb_wait_synced(*out, BACKEND_RDB_SYNC_MS)) < 0) {
        XLOG_ERR("multihost-db: the replicated DB did not sync within %u ms: %s%s", BACKEND_RDB_SYNC_MS, strerror(-rc),
                 rc == -ENOTUNIQ ? " (the members hold copies of different incarnations, none held by a majority "
                                   "of the votes: no copy is the cluster's; see rdb's message above)" : "");
        return rc;
    }
    if ((rc = xvios_rdb_attach(*out, plat)) < 0) {
        XLOG_ERR("multihost-db: cannot attach the replicated DB: %s", strerror(-rc));
        return rc;
    }
    xvios_rdb_status(*out, &st);
    XLOG_INFO("multihost-db: cluster %s, copy at version %llu (%u members), state %s", c->mh_cluster,
              (unsigned long long)st.version, st.members, file);
    return 0;
}

/* The path monitor publishes under this VIOS's node: as the VKE knows it now (it may join late). */
static uint32_t backend_node(void *arg)
{
    return xvios_vke_node(arg);
}

/*
 * multihost = true: this node's links to the nodes of other hosts go over the mesh (CPG membership, TCP +
 * TLS-PSK links), whose fds join the loop. The node id must be the multi-host id of this host's corosync
 * nodeid: (nodeid << 8) | local.
 */
static int open_mesh(const struct backend_conf *c, xvios_plat *plat, struct xvios_evloop *loop, uint32_t node,
                     xvios_mesh_links **out)
{
    struct xvios_tcp_key *key = NULL;
    struct xvios_db_config dc;
    const char *cluster = c->mh_cluster;
    int rc;

    if (!c->mh_address[0] || !c->mh_key[0]) {
        XLOG_ERR("multihost needs multihost-address and multihost-key");
        return -EINVAL;
    }
    if (node == 0 || (node & 0xffu) == 0 || (node >> 8) == 0) {
        XLOG_ERR("multihost: node %u is not a multi-host node id ((corosync nodeid << 8) | local)", node);
        return -EINVAL;
    }
    if (!cluster[0]) {
        if ((rc = xvios_db_config_read(plat, &dc)) < 0) {
            XLOG_ERR("multihost: cannot read the cluster's name: %s", strerror(-rc));
            return rc;
        }
        cluster = dc.name;
    }
    key = calloc(1, sizeof(*key));
    if (!key)
        return -ENOMEM;
    if ((rc = xvios_tcp_key_load(c->mh_key, key)) < 0) {
        XLOG_ERR("multihost: cannot load the cluster key %s: %s", c->mh_key, strerror(-rc));
        goto out;
    }
    struct xvios_mesh_config mc = { .cluster = cluster, .local = node & 0xffu, .listen_addr = c->mh_address,
                                    .listen_port = (uint16_t)c->mh_port, .key = key };
    rc = xvios_mesh_links_open(&mc, plat, loop, node, out);
    if (rc < 0)
        XLOG_ERR("multihost: cannot join the mesh of cluster %s at %s:%u%s: %s", cluster, c->mh_address, c->mh_port,
                 c->mh_port ? "" : " (a port chosen by the kernel)", strerror(-rc));
    else
        XLOG_INFO("multihost: node %u in cluster %s, listening on %s:%u%s", node, cluster, c->mh_address,
                  xvios_mesh_port(xvios_mesh_links_mesh(*out)), c->mh_port ? " (multihost-port)" : "");
out:
    explicit_bzero(key, sizeof(*key));
    free(key);
    return rc;
}

static int write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");

    if (!f)
        return -errno;
    fprintf(f, "%d\n", (int)getpid());
    return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "platform", required_argument, NULL, 'p' }, { "root", required_argument, NULL, 'r' },
        { "domid", required_argument, NULL, 'd' },    { "rundir", required_argument, NULL, 'R' },
        { "log", required_argument, NULL, 'l' },      { "pidfile", required_argument, NULL, 'P' },
        { "no-vscsi", no_argument, NULL, 'N' },       { "help", no_argument, NULL, 'h' },
        { "config", required_argument, NULL, 'c' },   { "log-target", required_argument, NULL, 't' },
        { "log-level", required_argument, NULL, 'L' }, { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct backend_conf conf = { 0 };
    const char *conf_path = XVIOS_CONF_DIR "/xvios-backend.conf", *target_opt = NULL, *level_opt = NULL;
    bool conf_explicit = false;
    enum xvios_log_target target = XVIOS_LOG_TARGET_AUTO;
    enum xvios_log_level level;
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_XEN };
    const char *platform = NULL, *rundir_opt = NULL, *logfile = NULL, *pidfile_opt = NULL;
    char rundir[256], pidfile[300] = "";
    struct xvios_vke_config vc = { 0 };
    struct xvios_vke *vke = NULL;
    struct xvios_evloop *loop = NULL;
    struct xvios_watchmux *watches = NULL;
    struct vscsi_engine *vscsi = NULL;
    struct prsync *prsync = NULL;
    struct dsa *dsa = NULL;
    struct cke *cke = NULL;
    xvios_mesh_links *mesh = NULL;
    xvios_rdb *rdb = NULL;
    bool no_vscsi = false;
    xvios_plat *plat = NULL;
    uint32_t self_domid = 0, node = 0;
    int c, rc, status = 1;

    xvios_log_set_prog("xvios-backend");
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': platform = optarg; break;
        case 'r': pc.root = optarg; break;
        case 'd':
            if (xvios_parse_domid(optarg, &pc.self_domid) < 0) {
                fprintf(stderr, "xvios-backend: bad --domid '%s'\n", optarg);
                return 2;
            }
            break;
        case 'R': rundir_opt = optarg; break;
        case 'l': logfile = optarg; break;
        case 'P': pidfile_opt = optarg; break;
        case 'N': no_vscsi = true; break;
        case 'c': conf_path = optarg; conf_explicit = true; break;
        case 't': target_opt = optarg; break;
        case 'L': level_opt = optarg; break;
        case 'V': printf("xvios-backend %s\n", XVIOS_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (target_opt && xvios_log_target_parse(target_opt, &target) < 0) {
        fprintf(stderr, "xvios-backend: unknown log target '%s'\n", target_opt);
        return 2;
    }
    if (level_opt && xvios_log_level_parse(level_opt, &level) < 0) {
        fprintf(stderr, "xvios-backend: unknown log level '%s'\n", level_opt);
        return 2;
    }
    if (!conf_explicit && getenv("XVIOS_BACKEND_CONF")) {
        conf_path = getenv("XVIOS_BACKEND_CONF");
        conf_explicit = true;
    }
    /* the file fills in what the command line left out; nothing starts on a bad file */
    if ((rc = read_conf(conf_path, conf_explicit, &conf)) != 0)
        return rc;
    if (!platform && conf.platform_given)
        platform = conf_platforms[conf.platform];
    if (!rundir_opt && conf.rundir_given)
        rundir_opt = conf.rundir;
    if (!logfile && conf.log_file_given)
        logfile = conf.log_file;
    if (!pidfile_opt && conf.pidfile_given)
        pidfile_opt = conf.pidfile;
    if (!target_opt && conf.log_target_given)
        target = (enum xvios_log_target)conf.log_target;
    if (!conf.vscsi)
        no_vscsi = true;
    if (level_opt)
        xvios_log_set_level(level);
    else if (conf.log_level_given)
        xvios_log_set_level((enum xvios_log_level)conf.log_level);
    pc.kind = pc.root ? XVIOS_PLAT_LOOPBACK : XVIOS_PLAT_XEN;
    if (platform && xvios_plat_kind_parse(platform, &pc.kind) < 0) {
        fprintf(stderr, "xvios-backend: unknown platform '%s'\n", platform);
        return 2;
    }
    if (target == XVIOS_LOG_TARGET_FILE && !logfile) {
        fprintf(stderr, "xvios-backend: log target 'file' needs --log FILE (or log-file)\n");
        return 2;
    }
    if (logfile && target != XVIOS_LOG_TARGET_AUTO && target != XVIOS_LOG_TARGET_FILE)
        logfile = NULL;   /* an explicit syslog/journal/stderr target wins over a log file from the config */
    if ((rc = xvios_log_target_use(target, logfile, NULL)) < 0) {
        fprintf(stderr, "xvios-backend: cannot open log %s: %s\n", logfile ? logfile : "-", strerror(-rc));
        return 1;
    }
    /* xen-scsiback in this kernel would claim the same backend/vscsi nodes (loopback nodes are ours alone) */
    if (!no_vscsi && pc.kind == XVIOS_PLAT_XEN && vscsi_kernel_backend_loaded(NULL)) {
        XLOG_ERR("the kernel's xen-scsiback is loaded: it serves the same backend/vscsi nodes as the vSCSI "
                 "engine. Unload and blacklist it (modprobe -r xen-scsiback), or run with --no-vscsi");
        return 1;
    }
    rc = xvios_plat_open(&pc, &plat);
    if (rc < 0) {
        XLOG_ERR("cannot open the %s platform: %s", xvios_plat_kind_name(pc.kind), strerror(-rc));
        goto out;
    }
    rc = xvios_plat_self_domid(plat, &self_domid);
    if (rc < 0) {
        XLOG_ERR("cannot tell which domain this is: %s", strerror(-rc));
        goto out;
    }
    if (conf.mh_db && (rc = open_rdb(&conf, &pc, plat, self_domid, &rdb)) < 0)
        goto out;
    rc = xvios_db_node_by_domid(plat, self_domid, &node);
    if (rc < 0 && pc.kind == XVIOS_PLAT_LOOPBACK && !rundir_opt) {
        XLOG_ERR("loopback domain %u is not a cluster node (add it first): %s", self_domid, strerror(-rc));
        goto out;
    }
    if (rc < 0)
        node = 0; /* xen: may start before `xvios cluster add`; joins when added */
    xvios_log_set_node(node);
    if (rundir_opt)
        snprintf(rundir, sizeof(rundir), "%s", rundir_opt);
    else if (xvios_rundir(rundir, sizeof(rundir), pc.kind, pc.root, node) < 0) {
        XLOG_ERR("run directory path too long");
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGUSR1, on_usr1);

    rc = xvios_evloop_create(&loop);
    if (rc == 0)
        rc = xvios_watchmux_create(plat, loop, &watches);
    if (rc < 0) {
        XLOG_ERR("cannot set up the event loop: %s", strerror(-rc));
        goto out;
    }
    if (conf.multihost && (rc = open_mesh(&conf, plat, loop, node, &mesh)) < 0)
        goto out;
    vc.plat = plat;
    vc.rundir = rundir;
    vc.loop = loop;
    vc.watches = watches;
    rc = xvios_vke_create(&vc, &vke);
    if (rc < 0) {
        XLOG_ERR("cannot start the VKE: %s", strerror(-rc));
        goto out;
    }
    if (mesh)   /* VKE_STATS also shows the mesh's and its CPG member's counters */
        xvios_vke_stats_extra(vke, xvios_mesh_links_format_stats, mesh);
    if (pidfile_opt)
        snprintf(pidfile, sizeof(pidfile), "%s", pidfile_opt);
    else
        snprintf(pidfile, sizeof(pidfile), "%s/backend.pid", rundir);
    rc = write_pidfile(pidfile);
    if (rc < 0) {
        XLOG_ERR("cannot write the pid file %s: %s", pidfile, strerror(-rc));
        pidfile[0] = '\0';
        goto out;
    }
    node = xvios_vke_node(vke);
    if (node)
        xvios_db_node_set_online(plat, node, true);
    XLOG_INFO("VKE running: domid %u, node %u, socket %s/%s", self_domid, node, rundir, XVIOS_VKE_SOCK);
    if (!no_vscsi && conf.redundancy) {
        struct dsa_config dc = { .plat = plat, .loop = loop, .node = backend_node, .node_arg = vke,
                                 .domid = self_domid, .interval_ms = conf.probe_interval_ms,
                                 .probe_timeout_ms = conf.probe_timeout_ms, .watch_pool = true,
                                 .fault_file = conf.fault_file };
        struct cke_config kc = { .plat = plat, .loop = loop, .vke = vke, .timeout_ms = conf.forward_timeout_ms };

        if ((rc = dsa_create(&dc, &dsa)) < 0 || (kc.dsa = dsa, rc = cke_create(&kc, &cke)) < 0) {
            XLOG_ERR("cannot start the path monitor and forwarding: %s", strerror(-rc));
            goto out;
        }
    }
    if (no_vscsi)
        XLOG_INFO("vSCSI engine not started (--no-vscsi)");
    else if ((rc = prsync_create(&(struct prsync_config){ .plat = plat, .loop = loop, .watches = watches, .vke = vke,
                                                          .port_id = self_domid ? (uint16_t)self_domid : 1 },
                                 &prsync)) < 0) {
        XLOG_ERR("cannot start cluster-wide reservations: %s", strerror(-rc));
        goto out;
    } else if ((rc = vscsi_engine_create(&(struct vscsi_engine_config){ .plat = plat, .loop = loop,
                                                                        .watches = watches, .prsync = prsync,
                                                                        .dsa = dsa, .cke = cke,
                                                                        .rundir = rundir,
                                                                        .login_timeout_ms = conf.login_timeout_ms },
                                         &vscsi)) < 0) {
        XLOG_ERR("cannot start the vSCSI engine: %s", strerror(-rc));
        goto out;
    }
    while (!stop_requested) {
        rc = xvios_evloop_run_once(loop, 1000);
        if (rc < 0) {
            XLOG_ERR("event loop failed: %s", strerror(-rc));
            goto out;
        }
        if (counters_requested) {
            counters_requested = 0;
            log_redundancy_counters(dsa, cke, prsync);
        }
    }
    XLOG_INFO("stopping");
    status = 0;
out:
    if (vke && xvios_vke_node(vke))
        xvios_db_node_set_online(plat, xvios_vke_node(vke), false);
    vscsi_engine_drop_cke(vscsi);       /* what the CKE holds ends now, then the engine */
    cke_stop(cke);
    vscsi_engine_destroy(vscsi);
    dsa_destroy(dsa);
    prsync_destroy(prsync);
    xvios_vke_destroy(vke);
    cke_destroy(cke);
    xvios_mesh_links_close(mesh);      /* after the VKE: its links to other hosts are the mesh's */
    xvios_watchmux_destroy(watches);
    xvios_evloop_destroy(loop);
    xvios_rdb_detach(plat);
    xvios_rdb_close(rdb);
    xvios_plat_close(plat);
    if (pidfile[0])
        unlink(pidfile);
    return status;
}
