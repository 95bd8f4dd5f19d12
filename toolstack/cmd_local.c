/* SPDX-License-Identifier: MIT */
/*
 * cmd_local.c - `xvios local up|down`: a whole cluster on one Linux host
 * with the loopback platform. `up` creates the root and the cluster DB,
 * N loopback domains added as nodes, and starts an xvios-backend (its pid
 * recorded as the domain's process) and an xviosd per node; it returns once
 * every daemon answers, and a failure undoes only what that invocation made.
 * `down` stops them (SIGTERM, a bounded wait, SIGKILL for leftovers). `start`
 * restarts one member's stopped processes.
 *
 * The programs are found in $XVIOS_BIN, else next to this executable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/loopback.h"
#include "xvios/paths.h"

#define LOCAL_DOMID_BASE   100u
#define LOCAL_START_MS     40000u
/* A big cluster's backends open n - 1 links each before their daemons can attach (a 128-node mesh took
 * about 90 s on 2 loaded cores): each node beyond 16 adds this much to the start deadlines. */
#define LOCAL_START_PER_NODE_MS 2000u
#define LOCAL_BIG              16u
#define LOCAL_STOP_MS      5000u

static void usage(FILE *f)
{
    fprintf(f, "usage: xvios [GLOBAL] local up -n N [--root DIR] [--timeout MS] [--retries R] [--max-timeout MS]\n"
               "       xvios [GLOBAL] local down [--root DIR]\n"
               "       xvios [GLOBAL] local start --node N [--root DIR]\n"
               "up:   creates a loopback cluster of N nodes (domains %u+k, named vios-k) under DIR\n"
               "      (a new temporary directory when none is given), starts an xvios-backend and an\n"
               "      xviosd per node and waits until every daemon answers.\n"
               "      --timeout: the cluster's receipt/response deadline (default 1000 ms);\n"
               "      --retries: re-sends to nodes without a receipt (default 2);\n"
               "      --max-timeout: the longest deadline a send may ask for (default 60000 ms).\n"
               "      A root that holds a cluster already is refused (exit 6) and left untouched;\n"
               "      a failed up undoes only what it made.\n"
               "down: stops every node's daemon and backend under DIR.\n"
               "start: (re)starts node N's backend and daemon where they are not running, records\n"
               "      the backend's pid as the domain's process (links accept only that process).\n"
               "A node's xvios-backend reads DIR/nodes/N/xvios-backend.conf when it exists.\n",
               LOCAL_DOMID_BASE);
}

static int bin_dir(char *out, size_t cap)
{
    const char *env = getenv("XVIOS_BIN");
    char self[PATH_MAX];
    ssize_t n;
    char *slash;

    if (env && env[0])
        return snprintf(out, cap, "%s", env) >= (int)cap ? -ENAMETOOLONG : 0;
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
        return -errno;
    self[n] = 0;
    slash = strrchr(self, '/');
    if (!slash)
        return -ENOENT;
    *slash = 0;
    return snprintf(out, cap, "%s", self) >= (int)cap ? -ENAMETOOLONG : 0;
}

/* In a forked child: detach (own session), output appended to logpath, exec argv[0]. */
static _Noreturn void spawn_exec(char *const argv[], const char *logpath)
{
    int null = open("/dev/null", O_RDONLY);
    int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0640);

    setsid();
    if (null >= 0)
        dup2(null, STDIN_FILENO);
    if (log >= 0) {
        dup2(log, STDOUT_FILENO);
        dup2(log, STDERR_FILENO);
    }
    execv(argv[0], argv);
    _exit(127);
}

/* Start argv[0] detached, output appended to logpath. Returns the pid or -errno. */
static pid_t spawn(char *const argv[], const char *logpath)
{
    pid_t pid = fork();

    if (pid < 0)
        return -errno;
    if (pid == 0)
        spawn_exec(argv, logpath);
    return pid;
}

/* waitpid with a deadline: the exit status, or -ETIMEDOUT (the child is killed). */
static int wait_child(pid_t pid, const struct timespec *deadline)
{
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        if (r < 0 && errno != EINTR)
            return -errno;
        if (xvios_ts_passed(deadline)) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -ETIMEDOUT;
        }
        usleep(10000);
    }
}

static pid_t read_pid(const char *path)
{
    char buf[32] = "";
    uint32_t v;
    FILE *f = fopen(path, "r");

    if (!f)
        return -1;
    if (!fgets(buf, sizeof(buf), f))
        buf[0] = 0;
    fclose(f);
    buf[strcspn(buf, "\n")] = 0;
    return xvios_parse_u32_canon(buf, INT32_MAX, &v) == 0 && v > 1 ? (pid_t)v : -1;
}

/* Is pid running the program prog (guards against a recycled pid)? */
static bool pid_runs(pid_t pid, const char *prog)
{
    char path[64], cmd[PATH_MAX] = "";
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return false;
    n = fread(cmd, 1, sizeof(cmd) - 1, f);
    fclose(f);
    cmd[n] = 0;
    const char *base = strrchr(cmd, '/');
    base = base ? base + 1 : cmd;
    if (strcmp(base, prog) != 0)
        return false;
    /* a zombie has no cmdline; a stopped process still counts */
    return true;
}

/* SIGTERM, wait until deadline, SIGKILL. Returns 0 stopped, 1 killed, -ESRCH not running. */
static int stop_pid(pid_t pid, const char *prog, const struct timespec *deadline)
{
    if (pid <= 1 || !pid_runs(pid, prog))
        return -ESRCH;
    kill(pid, SIGTERM);
    while (!xvios_ts_passed(deadline)) {
        waitpid(pid, NULL, WNOHANG);   /* reaps it when it is our own child */
        if (!pid_runs(pid, prog))
            return 0;
        usleep(20000);
    }
    kill(pid, SIGKILL);
    usleep(50000);
    waitpid(pid, NULL, WNOHANG);
    return 1;
}

static int local_down(const struct xvios_cli *cli, const char *root)
{
    char nodes_dir[PATH_MAX];
    DIR *dir;
    struct dirent *de;
    unsigned stopped = 0, killed = 0;
    struct timespec dl = xvios_deadline_ms(LOCAL_STOP_MS);

    if (snprintf(nodes_dir, sizeof(nodes_dir), "%s/nodes", root) >= (int)sizeof(nodes_dir))
        return XVIOS_EXIT_USAGE;
    dir = opendir(nodes_dir);
    if (!dir) {
        fprintf(stderr, "%s: no loopback cluster under %s\n", cli->prog, root);
        return XVIOS_EXIT_REFUSED;
    }
    /* the daemons first, so none of them sees its VKE die under it */
    for (int pass = 0; pass < 2; pass++) {
        const char *prog = pass == 0 ? "xviosd" : "xvios-backend";
        const char *pidname = pass == 0 ? "xviosd.pid" : "backend.pid";
        rewinddir(dir);
        while ((de = readdir(dir))) {
            char path[PATH_MAX];
            uint32_t node;
            if (xvios_parse_u32_canon(de->d_name, XVIOS_MAX_NODES, &node) < 0)
                continue;
            if (snprintf(path, sizeof(path), "%s/%s/%s", nodes_dir, de->d_name, pidname) >= (int)sizeof(path))
                continue;
            pid_t pid = read_pid(path);
            int r = stop_pid(pid, prog, &dl);
            if (r == 0) {
                stopped++;
                printf("node %u: %s stopped\n", node, prog);
            } else if (r == 1) {
                killed++;
                printf("node %u: %s killed (did not stop in %u ms)\n", node, prog, LOCAL_STOP_MS);
            }
            if (pass == 1 || r >= 0)
                unlink(path);
        }
    }
    closedir(dir);
    printf("%u process(es) stopped, %u killed\n", stopped, killed);
    return XVIOS_EXIT_OK;
}

struct node_run {
    uint32_t node, domid;
    bool domain_created;       /* by this invocation: destroyed again if it fails */
    pid_t backend;             /* started by this invocation (its pid is the domain's recorded pid) */
    pid_t daemon_starter;
    bool daemon_started;       /* xviosd started by this invocation (its pid file names it) */
    char rundir[128];
};

struct up_ctx {
    const struct xvios_cli *cli;
    const char *root;
    xvios_plat *p;             /* dom0 handle on root */
    char backend[PATH_MAX], daemon[PATH_MAX];
    uint32_t start_ms;         /* how long daemons may take to come up (grows with the cluster) */
};

static int write_small_file(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600), rc = 0;

    if (fd < 0)
        return -errno;
    if (write(fd, text, len) != (ssize_t)len)
        rc = -EIO;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    return rc;
}

static uint32_t local_start_ms(unsigned n)
{
    return LOCAL_START_MS + (n > LOCAL_BIG ? (n - LOCAL_BIG) * LOCAL_START_PER_NODE_MS : 0);
}

static int find_programs(struct up_ctx *u)
{
    char bindir[PATH_MAX];

    if (bin_dir(bindir, sizeof(bindir)) < 0 ||
        snprintf(u->backend, sizeof(u->backend), "%s/xvios-backend", bindir) >= (int)sizeof(u->backend) ||
        snprintf(u->daemon, sizeof(u->daemon), "%s/xviosd", bindir) >= (int)sizeof(u->daemon) ||
        access(u->backend, X_OK) < 0 || access(u->daemon, X_OK) < 0) {
        fprintf(stderr, "%s: cannot find xvios-backend and xviosd (set XVIOS_BIN)\n", u->cli->prog);
        return -ENOENT;
    }
    return 0;
}

/*
 * Start the node's backend and record its pid as the loopback domain's process
 * before it runs (the child waits on a pipe until the pid is in the registry),
 * so the link layer's SO_PEERCRED check knows it from its first hello.
 */
static int start_backend(struct up_ctx *u, struct node_run *r)
{
    char domid_s[16], logp[PATH_MAX];
    int go[2], rc;
    pid_t pid;

    snprintf(domid_s, sizeof(domid_s), "%u", r->domid);
    if (snprintf(logp, sizeof(logp), "%s/backend.log", r->rundir) >= (int)sizeof(logp))
        return -ENAMETOOLONG;
    char confp[PATH_MAX];
    char *argv_b[] = { u->backend, "--platform", "loopback", "--root", (char *)u->root, "--domid", domid_s,
                       "--log", logp, NULL, NULL, NULL };
    /* a loopback node's own configuration, when its run directory has one (as /etc/xvios on a VIOS) */
    if (snprintf(confp, sizeof(confp), "%s/xvios-backend.conf", r->rundir) < (int)sizeof(confp) &&
        access(confp, R_OK) == 0) {
        argv_b[9] = "--config";
        argv_b[10] = confp;
    }
    if (pipe2(go, O_CLOEXEC) < 0)
        return -errno;
    pid = fork();
    if (pid < 0) {
        rc = -errno;
        close(go[0]);
        close(go[1]);
        return rc;
    }
    if (pid == 0) {
        char b;
        close(go[1]);
        /* released once the parent recorded our pid; EOF (the parent died) means do not run */
        if (read(go[0], &b, 1) != 1)
            _exit(127);
        spawn_exec(argv_b, logp);
    }
    close(go[0]);
    r->backend = pid;
    rc = xvios_loop_domain_set_pid(u->p, r->domid, pid);
    if (rc == 0 && write(go[1], "g", 1) != 1)
        rc = -EPIPE;
    close(go[1]);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot record the backend of node %u: %s\n", u->cli->prog, r->node, strerror(-rc));
        waitpid(pid, NULL, 0);
        r->backend = 0;
    }
    return rc;
}

/* xviosd daemonizes: its starter exits once it is attached to its VKE (see wait_daemons). */
static int start_daemon(struct up_ctx *u, struct node_run *r)
{
    char domid_s[16], logp[PATH_MAX];

    snprintf(domid_s, sizeof(domid_s), "%u", r->domid);
    if (snprintf(logp, sizeof(logp), "%s/xviosd.log", r->rundir) >= (int)sizeof(logp))
        return -ENAMETOOLONG;
    char *argv_d[] = { u->daemon, "--platform", "loopback", "--root", (char *)u->root, "--domid", domid_s,
                       "--log", logp, NULL, NULL, NULL };
    if (u->start_ms > LOCAL_START_MS) {
        /* a big cluster: the daemon may wait longer for its VKE than its default 30 s */
        char conf[PATH_MAX], text[64];
        int len = snprintf(text, sizeof(text), "startup-timeout-ms = %u\n", u->start_ms);
        int rc = snprintf(conf, sizeof(conf), "%s/xviosd-local.conf", r->rundir) >= (int)sizeof(conf) ? -ENAMETOOLONG
               : write_small_file(conf, text, (size_t)len);
        if (rc < 0) {
            fprintf(stderr, "%s: cannot write %s: %s\n", u->cli->prog, conf, strerror(-rc));
            return rc;
        }
        argv_d[9] = "--config";
        argv_d[10] = conf;
        r->daemon_starter = spawn(argv_d, logp);
    } else {
        r->daemon_starter = spawn(argv_d, logp);
    }
    if (r->daemon_starter < 0) {
        int rc = (int)r->daemon_starter;
        r->daemon_starter = 0;
        fprintf(stderr, "%s: cannot start %s: %s\n", u->cli->prog, u->daemon, strerror(-rc));
        return rc;
    }
    r->daemon_started = true;
    return 0;
}

/* Every started daemon's starter must exit 0, and every daemon must answer a caller. */
static int wait_daemons(struct up_ctx *u, struct node_run *runs, unsigned n)
{
    struct timespec dl = xvios_deadline_ms(u->start_ms ? u->start_ms : LOCAL_START_MS);
    int rc;

    for (unsigned k = 0; k < n; k++) {
        if (runs[k].daemon_starter <= 0)
            continue;
        rc = wait_child(runs[k].daemon_starter, &dl);
        runs[k].daemon_starter = 0;
        if (rc != 0) {
            fprintf(stderr, "%s: the daemon of node %u did not start (see %s/xviosd.log)\n", u->cli->prog,
                    runs[k].node, runs[k].rundir);
            return -EIO;
        }
    }
    for (unsigned k = 0; k < n; k++) {
        struct xvios_client_config cc = { .platform = XVIOS_PLAT_LOOPBACK, .root = u->root, .node = runs[k].node,
                                          .origin = XVIOS_ORIGIN_CLI, .name = "xvios-local-up",
                                          .connect_timeout_ms = (uint32_t)xvios_ts_diff_ms(xvios_now(), dl) + 1 };
        xvios_client *c = NULL;
        rc = xvios_client_open(&cc, &c);
        if (rc == 0 && xvios_client_node(c) != runs[k].node)
            rc = -EPROTO;
        xvios_client_close(c);
        if (rc < 0) {
            fprintf(stderr, "%s: the daemon of node %u does not answer: %s\n", u->cli->prog, runs[k].node,
                    strerror(-rc));
            return rc;
        }
    }
    return 0;
}

/*
 * Undo a failed `up`: only what this invocation made. Its daemons (named by the
 * pid files in the run directories it created) and backends are stopped, its
 * domains destroyed and the cluster DB removed if it created it. A cluster that
 * was running before is never touched.
 */
static void undo_up(struct up_ctx *u, struct node_run *runs, unsigned n, bool cluster_created)
{
    for (unsigned k = 0; k < n; k++) {
        struct node_run *r = &runs[k];
        if (r->daemon_starter > 0) {
            struct timespec t = xvios_deadline_ms(1000);
            wait_child(r->daemon_starter, &t);
            r->daemon_starter = 0;
        }
        if (r->daemon_started) {
            char path[PATH_MAX];
            struct timespec t = xvios_deadline_ms(LOCAL_STOP_MS);
            if (snprintf(path, sizeof(path), "%s/xviosd.pid", r->rundir) < (int)sizeof(path) &&
                stop_pid(read_pid(path), "xviosd", &t) >= 0)
                unlink(path);
        }
    }
    for (unsigned k = 0; k < n; k++) {
        struct node_run *r = &runs[k];
        if (r->backend > 0) {
            struct timespec t = xvios_deadline_ms(LOCAL_STOP_MS);
            stop_pid(r->backend, "xvios-backend", &t);
            waitpid(r->backend, NULL, WNOHANG);
        }
        if (r->domain_created && xvios_loop_domain_destroy(u->p, r->domid) < 0)
            fprintf(stderr, "%s: could not destroy loopback domain %u\n", u->cli->prog, r->domid);
    }
    if (cluster_created && xvios_db_cluster_destroy(u->p) < 0)
        fprintf(stderr, "%s: could not remove the cluster DB under %s\n", u->cli->prog, u->root);
}

static int local_up(const struct xvios_cli *cli, const char *root_opt, unsigned n, uint32_t timeout_ms,
                    uint32_t retries, uint32_t max_timeout_ms)
{
    char root[PATH_MAX];
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK, .self_domid = 0 };
    struct xvios_db_config cfg = { .max_nodes = XVIOS_MAX_NODES, .timeout_ms = timeout_ms, .retries = retries,
                                   .max_timeout_ms = max_timeout_ms };
    struct node_run runs[XVIOS_MAX_NODES];
    struct up_ctx u = { .cli = cli, .root = root, .start_ms = local_start_ms(n) };
    bool cluster_created = false;
    int rc, exit_code = XVIOS_EXIT_ERROR;

    memset(runs, 0, sizeof(runs));
    if (find_programs(&u) < 0)
        return XVIOS_EXIT_ERROR;
    if (root_opt) {
        if (snprintf(root, sizeof(root), "%s", root_opt) >= (int)sizeof(root) || xvios_mkdir_p(root, 0755) < 0) {
            fprintf(stderr, "%s: cannot create %s\n", cli->prog, root_opt);
            return XVIOS_EXIT_ERROR;
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(root, sizeof(root), "%s/xvios-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(root)) {
            fprintf(stderr, "%s: cannot create a temporary root: %s\n", cli->prog, strerror(errno));
            return XVIOS_EXIT_ERROR;
        }
    }
    snprintf(cfg.name, sizeof(cfg.name), "loopback");
    pc.root = root;
    rc = xvios_plat_open(&pc, &u.p);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot open the loopback platform at %s: %s\n", cli->prog, root, strerror(-rc));
        return XVIOS_EXIT_ERROR;
    }
    rc = xvios_db_cluster_create(u.p, &cfg);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot create the cluster under %s: %s\n", cli->prog, root,
                rc == -EEXIST ? "a cluster exists there already ('local down' and use a fresh root)" : strerror(-rc));
        exit_code = rc == -EEXIST ? XVIOS_EXIT_REFUSED : XVIOS_EXIT_ERROR;
        goto out;
    }
    cluster_created = true;
    for (unsigned k = 0; k < n; k++) {
        struct xvios_dominfo dom;
        char name[32];
        struct node_run *r = &runs[k];
        r->domid = LOCAL_DOMID_BASE + 1 + k;
        snprintf(name, sizeof(name), "vios-%u", k + 1);
        rc = xvios_loop_domain_create(u.p, r->domid, name);
        r->domain_created = rc == 0;
        if (rc == 0)
            rc = xvios_plat_domain_info(u.p, r->domid, &dom);
        if (rc == 0)
            rc = xvios_db_node_add(u.p, &dom, &r->node);
        if (rc == 0)
            rc = xvios_rundir(r->rundir, sizeof(r->rundir), XVIOS_PLAT_LOOPBACK, root, r->node);
        if (rc == 0)
            rc = xvios_mkdir_p(r->rundir, 0700);
        if (rc < 0) {
            fprintf(stderr, "%s: cannot create node %u (domid %u): %s\n", cli->prog, k + 1, r->domid, strerror(-rc));
            goto out;
        }
    }
    /* the backends (VKEs) first: each daemon attaches to its node's */
    for (unsigned k = 0; k < n; k++)
        if (start_backend(&u, &runs[k]) < 0)
            goto out;
    for (unsigned k = 0; k < n; k++)
        if (start_daemon(&u, &runs[k]) < 0)
            goto out;
    if (wait_daemons(&u, runs, n) < 0)
        goto out;
    printf("loopback cluster of %u node(s) up under %s\n", n, root);
    for (unsigned k = 0; k < n; k++)
        printf("  node %u: domid %u, run directory %s\n", runs[k].node, runs[k].domid, runs[k].rundir);
    printf("address a node with:  xvios --root %s --node N COMMAND   (or XVIOS_ROOT=%s)\n", root, root);
    printf("stop it with:         xvios --root %s local down\n", root);
    exit_code = XVIOS_EXIT_OK;
out:
    if (exit_code != XVIOS_EXIT_OK)
        undo_up(&u, runs, n, cluster_created);
    xvios_plat_close(u.p);
    return exit_code;
}

/*
 * `local start --node N`: (re)start a member's stopped backend and/or daemon on a
 * running loopback root, recording the new backend's pid in the domain registry
 * (the link layer accepts only the recorded process as that domain).
 */
static int local_start(const struct xvios_cli *cli, const char *root, uint32_t node)
{
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK, .self_domid = 0, .root = root };
    struct up_ctx u = { .cli = cli, .root = root };
    struct node_run r;
    struct xvios_db_node dn;
    char path[PATH_MAX];
    int rc, exit_code = XVIOS_EXIT_ERROR;

    memset(&r, 0, sizeof(r));
    if (find_programs(&u) < 0)
        return XVIOS_EXIT_ERROR;
    rc = xvios_plat_open(&pc, &u.p);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot open the loopback platform at %s: %s\n", cli->prog, root, strerror(-rc));
        return XVIOS_EXIT_ERROR;
    }
    rc = xvios_db_node_get(u.p, node, &dn);
    if (rc < 0) {
        fprintf(stderr, "%s: node %u is not a member under %s: %s\n", cli->prog, node, root, strerror(-rc));
        exit_code = rc == -ENOENT ? XVIOS_EXIT_REFUSED : XVIOS_EXIT_ERROR;
        goto out;
    }
    r.node = node;
    r.domid = dn.domid;
    if ((rc = xvios_rundir(r.rundir, sizeof(r.rundir), XVIOS_PLAT_LOOPBACK, root, node)) < 0 ||
        (rc = xvios_mkdir_p(r.rundir, 0700)) < 0 ||
        snprintf(path, sizeof(path), "%s/backend.pid", r.rundir) >= (int)sizeof(path)) {
        fprintf(stderr, "%s: node %u: no run directory\n", cli->prog, node);
        goto out;
    }
    if (pid_runs(read_pid(path), "xvios-backend")) {
        printf("node %u: xvios-backend runs already\n", node);
    } else {
        unlink(path);  /* the stopped process's */
        if (start_backend(&u, &r) < 0)
            goto out;
        printf("node %u: xvios-backend started (pid %d)\n", node, (int)r.backend);
    }
    if (snprintf(path, sizeof(path), "%s/xviosd.pid", r.rundir) >= (int)sizeof(path))
        goto out;
    if (pid_runs(read_pid(path), "xviosd")) {
        printf("node %u: xviosd runs already\n", node);
    } else {
        unlink(path);
        if (start_daemon(&u, &r) < 0)
            goto out;
        printf("node %u: xviosd started\n", node);
    }
    if (wait_daemons(&u, &r, 1) < 0)
        goto out;
    printf("node %u: up\n", node);
    exit_code = XVIOS_EXIT_OK;
out:
    /* a failed start leaves the node as it was: stop only what this invocation started */
    if (exit_code != XVIOS_EXIT_OK && (r.backend > 0 || r.daemon_started))
        undo_up(&u, &r, 1, false);
    xvios_plat_close(u.p);
    return exit_code;
}

int cmd_local(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct option lo[] = {
        { "nodes", required_argument, NULL, 'n' }, { "root", required_argument, NULL, 'r' },
        { "timeout", required_argument, NULL, 'T' }, { "retries", required_argument, NULL, 'R' },
        { "node", required_argument, NULL, 'N' },  { "help", no_argument, NULL, 'h' },
        { "max-timeout", required_argument, NULL, 'M' },
        { NULL, 0, NULL, 0 },
    };
    const char *root = cli->root;
    uint32_t n = 0, node = 0, timeout_ms = 1000, retries = 2, max_timeout_ms = 0;
    bool up, start;
    int ch;

    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return XVIOS_EXIT_OK;
    }
    if (argc < 2 || (strcmp(argv[1], "up") && strcmp(argv[1], "down") && strcmp(argv[1], "start"))) {
        usage(stderr);
        return XVIOS_EXIT_USAGE;
    }
    up = !strcmp(argv[1], "up");
    start = !strcmp(argv[1], "start");
    optind = 1;
    while ((ch = getopt_long(argc - 1, argv + 1, "+n:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'n':
            if (xvios_parse_u32(optarg, 1, XVIOS_MAX_NODES, &n) < 0) {
                fprintf(stderr, "%s: -n needs 1..%u\n", cli->prog, XVIOS_MAX_NODES);
                return XVIOS_EXIT_USAGE;
            }
            break;
        case 'r': root = optarg; break;
        case 'N':
            if (xvios_parse_u32(optarg, 1, XVIOS_MAX_NODES, &node) < 0) {
                fprintf(stderr, "%s: --node needs 1..%u\n", cli->prog, XVIOS_MAX_NODES);
                return XVIOS_EXIT_USAGE;
            }
            break;
        case 'T':
            if (xvios_parse_u32(optarg, 1, 3600000u, &timeout_ms) < 0)
                return XVIOS_EXIT_USAGE;
            break;
        case 'R':
            if (xvios_parse_u32(optarg, 0, 100, &retries) < 0)
                return XVIOS_EXIT_USAGE;
            break;
        case 'M':
            if (xvios_parse_u32(optarg, 1, 86400000u, &max_timeout_ms) < 0)
                return XVIOS_EXIT_USAGE;
            break;
        case 'h': usage(stdout); return XVIOS_EXIT_OK;
        default: usage(stderr); return XVIOS_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return XVIOS_EXIT_USAGE;
    }
    if (up) {
        if (n == 0) {
            fprintf(stderr, "%s: local up needs -n N\n", cli->prog);
            return XVIOS_EXIT_USAGE;
        }
        if (max_timeout_ms && max_timeout_ms < timeout_ms) {
            fprintf(stderr, "%s: --max-timeout is shorter than --timeout\n", cli->prog);
            return XVIOS_EXIT_USAGE;
        }
        return local_up(cli, root, n, timeout_ms, retries, max_timeout_ms);
    }
    if (!root) {
        fprintf(stderr, "%s: local %s needs --root (or XVIOS_ROOT)\n", cli->prog, argv[1]);
        return XVIOS_EXIT_USAGE;
    }
    if (start) {
        if (node == 0) {
            fprintf(stderr, "%s: local start needs --node N\n", cli->prog);
            return XVIOS_EXIT_USAGE;
        }
        return local_start(cli, root, node);
    }
    return local_down(cli, root);
}
