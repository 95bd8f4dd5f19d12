/* SPDX-License-Identifier: MIT */
/*
 * cmd_local.c - `xvios local up|down`: a whole cluster on one Linux host
 * with the loopback platform. `up` creates the root and the cluster DB,
 * N loopback domains added as nodes, and starts an xvios-backend and an
 * xviosd per node; it returns once every daemon answers. `down` stops them
 * (SIGTERM, a bounded wait, SIGKILL for leftovers).
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
#define LOCAL_STOP_MS      5000u

static void usage(FILE *f)
{
    fprintf(f, "usage: xvios [GLOBAL] local up -n N [--root DIR] [--timeout MS] [--retries R]\n"
               "       xvios [GLOBAL] local down [--root DIR]\n"
               "up:   creates a loopback cluster of N nodes (domains %u+k, named vios-k) under DIR\n"
               "      (a new temporary directory when none is given), starts an xvios-backend and an\n"
               "      xviosd per node and waits until every daemon answers.\n"
               "      --timeout: the cluster's receipt/response deadline (default 1000 ms);\n"
               "      --retries: re-sends to nodes without a receipt (default 2).\n"
               "down: stops every node's daemon and backend under DIR.\n",
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

/* Start argv[0] detached (own session), output appended to logpath. Returns the pid or -errno. */
static pid_t spawn(char *const argv[], const char *logpath)
{
    pid_t pid = fork();

    if (pid < 0)
        return -errno;
    if (pid == 0) {
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
    pid_t backend;
    pid_t daemon_starter;
    char rundir[128];
};

static int local_up(const struct xvios_cli *cli, const char *root_opt, unsigned n, uint32_t timeout_ms,
                    uint32_t retries)
{
    char root[PATH_MAX], bindir[PATH_MAX], backend[PATH_MAX], daemon[PATH_MAX], domid_s[16], logp[PATH_MAX];
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK, .self_domid = 0 };
    struct xvios_db_config cfg = { .max_nodes = XVIOS_MAX_NODES, .timeout_ms = timeout_ms, .retries = retries };
    struct node_run runs[XVIOS_MAX_NODES];
    xvios_plat *p = NULL;
    struct timespec dl;
    int rc, exit_code = XVIOS_EXIT_ERROR;

    memset(runs, 0, sizeof(runs));
    if (bin_dir(bindir, sizeof(bindir)) < 0 ||
        snprintf(backend, sizeof(backend), "%s/xvios-backend", bindir) >= (int)sizeof(backend) ||
        snprintf(daemon, sizeof(daemon), "%s/xviosd", bindir) >= (int)sizeof(daemon) ||
        access(backend, X_OK) < 0 || access(daemon, X_OK) < 0) {
        fprintf(stderr, "%s: cannot find xvios-backend and xviosd (set XVIOS_BIN)\n", cli->prog);
        return XVIOS_EXIT_ERROR;
    }
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
    rc = xvios_plat_open(&pc, &p);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot open the loopback platform at %s: %s\n", cli->prog, root, strerror(-rc));
        return XVIOS_EXIT_ERROR;
    }
    rc = xvios_db_cluster_create(p, &cfg);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot create the cluster under %s: %s\n", cli->prog, root,
                rc == -EEXIST ? "a cluster exists there already ('local down' and use a fresh root)" : strerror(-rc));
        exit_code = rc == -EEXIST ? XVIOS_EXIT_REFUSED : XVIOS_EXIT_ERROR;
        goto out;
    }
    for (unsigned k = 0; k < n; k++) {
        struct xvios_dominfo dom;
        char name[32];
        struct node_run *r = &runs[k];
        r->domid = LOCAL_DOMID_BASE + 1 + k;
        snprintf(name, sizeof(name), "vios-%u", k + 1);
        rc = xvios_loop_domain_create(p, r->domid, name);
        if (rc == 0)
            rc = xvios_plat_domain_info(p, r->domid, &dom);
        if (rc == 0)
            rc = xvios_db_node_add(p, &dom, &r->node);
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
    for (unsigned k = 0; k < n; k++) {
        struct node_run *r = &runs[k];
        snprintf(domid_s, sizeof(domid_s), "%u", r->domid);
        snprintf(logp, sizeof(logp), "%s/backend.log", r->rundir);
        char *argv_b[] = { backend, "--platform", "loopback", "--root", root, "--domid", domid_s,
                           "--log", logp, NULL };
        r->backend = spawn(argv_b, logp);
        if (r->backend < 0) {
            fprintf(stderr, "%s: cannot start %s: %s\n", cli->prog, backend, strerror((int)-r->backend));
            goto out;
        }
        /* No xvios_loop_domain_set_pid(): a loopback node is two processes (the
         * backend serves the cluster links, xviosd the management link), and
         * the link layer would accept only the recorded one as the domain. */
    }
    /* xviosd daemonizes and its starter exits once it is attached to its VKE */
    for (unsigned k = 0; k < n; k++) {
        struct node_run *r = &runs[k];
        snprintf(domid_s, sizeof(domid_s), "%u", r->domid);
        snprintf(logp, sizeof(logp), "%s/xviosd.log", r->rundir);
        char *argv_d[] = { daemon, "--platform", "loopback", "--root", root, "--domid", domid_s,
                           "--log", logp, NULL };
        r->daemon_starter = spawn(argv_d, logp);
        if (r->daemon_starter < 0) {
            fprintf(stderr, "%s: cannot start %s: %s\n", cli->prog, daemon, strerror((int)-r->daemon_starter));
            goto out;
        }
    }
    dl = xvios_deadline_ms(LOCAL_START_MS);
    for (unsigned k = 0; k < n; k++) {
        rc = wait_child(runs[k].daemon_starter, &dl);
        runs[k].daemon_starter = 0;
        if (rc != 0) {
            fprintf(stderr, "%s: the daemon of node %u did not start (see %s/xviosd.log)\n", cli->prog,
                    runs[k].node, runs[k].rundir);
            goto out;
        }
    }
    /* every daemon must answer a caller */
    for (unsigned k = 0; k < n; k++) {
        struct xvios_client_config cc = { .platform = XVIOS_PLAT_LOOPBACK, .root = root, .node = runs[k].node,
                                          .origin = XVIOS_ORIGIN_CLI, .name = "xvios-local-up",
                                          .connect_timeout_ms = (uint32_t)xvios_ts_diff_ms(xvios_now(), dl) + 1 };
        xvios_client *c = NULL;
        rc = xvios_client_open(&cc, &c);
        if (rc == 0 && xvios_client_node(c) != runs[k].node)
            rc = -EPROTO;
        xvios_client_close(c);
        if (rc < 0) {
            fprintf(stderr, "%s: the daemon of node %u does not answer: %s\n", cli->prog, runs[k].node, strerror(-rc));
            goto out;
        }
    }
    printf("loopback cluster of %u node(s) up under %s\n", n, root);
    for (unsigned k = 0; k < n; k++)
        printf("  node %u: domid %u, run directory %s\n", runs[k].node, runs[k].domid, runs[k].rundir);
    printf("address a node with:  xvios --root %s --node N COMMAND   (or XVIOS_ROOT=%s)\n", root, root);
    printf("stop it with:         xvios --root %s local down\n", root);
    exit_code = XVIOS_EXIT_OK;
out:
    xvios_plat_close(p);
    if (exit_code != XVIOS_EXIT_OK) {
        for (unsigned k = 0; k < n; k++)
            if (runs[k].daemon_starter > 0) {
                struct timespec now = xvios_deadline_ms(1000);
                wait_child(runs[k].daemon_starter, &now);
            }
        local_down(cli, root);
        for (unsigned k = 0; k < n; k++)
            if (runs[k].backend > 0) {
                struct timespec t = xvios_deadline_ms(LOCAL_STOP_MS);
                stop_pid(runs[k].backend, "xvios-backend", &t);
            }
    }
    return exit_code;
}

int cmd_local(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct option lo[] = {
        { "nodes", required_argument, NULL, 'n' }, { "root", required_argument, NULL, 'r' },
        { "timeout", required_argument, NULL, 'T' }, { "retries", required_argument, NULL, 'R' },
        { "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
    };
    const char *root = cli->root;
    uint32_t n = 0, timeout_ms = 1000, retries = 2;
    bool up;
    int ch;

    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return XVIOS_EXIT_OK;
    }
    if (argc < 2 || (strcmp(argv[1], "up") && strcmp(argv[1], "down"))) {
        usage(stderr);
        return XVIOS_EXIT_USAGE;
    }
    up = !strcmp(argv[1], "up");
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
        case 'T':
            if (xvios_parse_u32(optarg, 1, 3600000u, &timeout_ms) < 0)
                return XVIOS_EXIT_USAGE;
            break;
        case 'R':
            if (xvios_parse_u32(optarg, 0, 100, &retries) < 0)
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
        return local_up(cli, root, n, timeout_ms, retries);
    }
    if (!root) {
        fprintf(stderr, "%s: local down needs --root (or XVIOS_ROOT)\n", cli->prog);
        return XVIOS_EXIT_USAGE;
    }
    return local_down(cli, root);
}
