/* SPDX-License-Identifier: MIT */
/*
 * cmd_scsi.c - `xvios scsi`: dom0 attaches VIOS-served pvSCSI disks to
 * client domains (docs/vscsi.md, docs/xvios.1).
 *
 *   xvios scsi attach CLIENT LU VDEV [--vios NODE] [--ro] [--shared] [--timeout MS]
 *                     (LU: a pool LU's name, or an absolute path inside the VIOS)
 *   xvios scsi attach --config FILE [CLIENT] [--vios NODE] [--shared] [--timeout MS]
 *   xvios scsi detach CLIENT VDEV [--timeout MS]
 *   xvios scsi list [CLIENT] [--json]
 *   xvios scsi rebuild --vios NODE [--timeout MS]
 *   xvios scsi guard              (foreground: closes the vhosts of VIOSes that die)
 *
 * This file is the command line; the work is in vscsi_attach.c,
 * vscsi_detach.c, vscsi_list.c, vscsi_rebuild.c and vscsi_guard.c, the XenStore layout in vscsi_nodes.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/cmds.h"
#include "toolstack/obj_event.h"
#include "toolstack/vscsi_cmd.h"
#include "toolstack/vscsi_guard.h"
#include "xvios/xlcfg.h"

static const char usage_text[] =
    "usage: xvios scsi COMMAND [ARGS]\n"
    "\n"
    "  attach CLIENT LU VDEV [--vios NODE] [--ro] [--shared] [--timeout MS]\n"
    "                 serve LU (an LU of the pool by name, or the absolute path of a file or block device\n"
    "                 inside the VIOS) to CLIENT as VDEV (h:c:t:l)\n"
    "  attach --config FILE [CLIENT] [--vios NODE] [--shared] [--timeout MS]\n"
    "                 every entry of the xl config's vscsi = [ 'LU,h:c:t:l[,ro]', ... ] list, all or none\n"
    "  detach CLIENT VDEV [--timeout MS]\n"
    "                 take the LUN away from CLIENT (the last LUN of a vhost takes the vhost down)\n"
    "  list [CLIENT] [--json]\n"
    "                 every LUN the cluster serves (of CLIENT)\n"
    "  rebuild --vios NODE [--resume] [--timeout MS]\n"
    "                 attach again every mapping the cluster DB's VTD table gives NODE and its backend\n"
    "                 nodes lack (a VIOS whose local state was wiped); --resume: a vhost whose client's\n"
    "                 frontend is still engaged with it gets its backend dir alone, and the engine takes\n"
    "                 over the live ring (a VIOS revived with `xvios vios revive`)\n"
    "  guard [--revive]\n"
    "                 in the foreground until SIGTERM/SIGINT: when a VIOS domain dies, close the vhosts\n"
    "                 it served (backend state Closing for the client's frontend), then remove them;\n"
    "                 --revive: only log them, leaving them for the VIOS's revival under its domid\n"
    "\n"
    "Exit status: 0 done, 1 error, 2 usage, 4 the frontend did not answer in time, 5 no store,\n"
    "6 refused, 10 client not running, 11 VIOS not a running member, 12 LU unknown,\n"
    "13 LU in use elsewhere, 14 vdev taken, 15 no such vdev.\n";

struct opts {
    const char *pos[3];
    unsigned npos;
    const char *config;
    uint32_t vios_node;
    uint32_t timeout_ms;
    bool readonly, shared, json, resume, revive;
};

static bool is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("xvios scsi: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fputs(usage_text, stderr);
    return XVIOS_EXIT_USAGE;
}

/* Options allowed per command: 'v' --vios, 'r' --ro, 's' --shared, 't' --timeout, 'c' --config, 'j' --json, 'R' --resume, 'V' --revive. */
static int parse(int argc, char **argv, const char *allowed, unsigned max_pos, struct opts *o)
{
    o->timeout_ms = VSCSI_DEFAULT_TIMEOUT_MS;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char which = 0;

        if (is_help(a)) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (!strcmp(a, "--vios"))
            which = 'v';
        else if (!strcmp(a, "--ro"))
            which = 'r';
        else if (!strcmp(a, "--shared"))
            which = 's';
        else if (!strcmp(a, "--timeout"))
            which = 't';
        else if (!strcmp(a, "--config"))
            which = 'c';
        else if (!strcmp(a, "--json"))
            which = 'j';
        else if (!strcmp(a, "--resume"))
            which = 'R';
        else if (!strcmp(a, "--revive"))
            which = 'V';
        else if (a[0] == '-' && a[1])
            return usage_error("unknown option %s", a);
        if (!which) {
            if (o->npos >= max_pos)
                return usage_error("unexpected argument %s", a);
            o->pos[o->npos++] = a;
            continue;
        }
        if (!strchr(allowed, which))
            return usage_error("%s does not go with %s", a, argv[0]);
        if ((which == 'v' || which == 't' || which == 'c') && i + 1 >= argc)
            return usage_error("%s needs a value", a);
        switch (which) {
        case 'v':
            if (xvios_parse_u32(argv[++i], 1, XVIOS_NODE_ID_MAX, &o->vios_node) < 0)
                return usage_error("--vios takes a node id (1-%u), not '%s'", XVIOS_NODE_ID_MAX, argv[i]);
            break;
        case 't':
            if (xvios_parse_u32(argv[++i], 1, VSCSI_MAX_TIMEOUT_MS, &o->timeout_ms) < 0)
                return usage_error("--timeout takes milliseconds (1-%u), not '%s'", VSCSI_MAX_TIMEOUT_MS, argv[i]);
            break;
        case 'c':
            o->config = argv[++i];
            break;
        case 'r':
            o->readonly = true;
            break;
        case 's':
            o->shared = true;
            break;
        case 'R':
            o->resume = true;
            break;
        case 'V':
            o->revive = true;
            break;
        case 'j':
            o->json = true;
            break;
        }
    }
    return 0;
}

static int vdev_arg(const char *s, struct vscsi_vdev *v)
{
    int rc = vscsi_vdev_parse(s, v);

    if (rc == -ERANGE)
        return usage_error("VDEV '%s' is out of range (h 0-%u, c %u, t 0-%u, l 0-%u)", s, VSCSI_MAX_VHOST,
                           VSCSI_MAX_CHANNEL, VSCSI_MAX_TARGET, VSCSI_MAX_LUN);
    if (rc < 0)
        return usage_error("VDEV '%s' is not h:c:t:l", s);
    return 0;
}

/* Every entry of the config, in order; on a failure the ones attached are detached again (newest first). */
/* The Lifecycle event of a mapping made or removed (obj_event.h). */
static void mapping_changed(const struct xvios_cli *cli, const char *action, uint32_t client,
                            const struct vscsi_vdev *v)
{
    char key[64];

    fflush(stdout);
    snprintf(key, sizeof(key), "%u:%u:%u:%u:%u", client, v->host, v->chn, v->tgt, v->lun);
    cli_obj_changed(cli, "mapping", action, key);
}

static int attach_config(const struct xvios_cli *cli, struct vscsi_ctx *ctx, const struct opts *o)
{
    struct xvios_xlcfg cfg;
    struct vscsi_attached *done = NULL;
    char err[2048];
    unsigned n_done = 0;
    int rc = xvios_xlcfg_read(o->config, &cfg, err, sizeof(err));

    if (rc < 0) {
        fputs(err, stderr);
        return vscsi_say(rc == -ENOENT || rc == -EACCES ? XVIOS_EXIT_ERROR : XVIOS_EXIT_USAGE,
                         "cannot use %s: %s", o->config, strerror(-rc));
    }
    if (!o->npos && !cfg.name[0]) {
        rc = vscsi_say(XVIOS_EXIT_USAGE, "%s has no name = \"...\": give the CLIENT", o->config);
        goto out;
    }
    for (unsigned i = 0; i < cfg.n_vscsi; i++) {
        struct vscsi_vdev v;
        if (vscsi_vdev_parse(cfg.vscsi[i].vdev, &v) < 0) {
            rc = vscsi_say(XVIOS_EXIT_USAGE, "%s: vscsi entry %u: VDEV '%s' is not h:c:t:l within the limits",
                           o->config, i + 1, cfg.vscsi[i].vdev);
            goto out;
        }
    }
    done = calloc(cfg.n_vscsi, sizeof(*done));
    if (!done) {
        rc = vscsi_say(XVIOS_EXIT_ERROR, "out of memory");
        goto out;
    }
    for (unsigned i = 0; i < cfg.n_vscsi; i++) {
        struct vscsi_attach_req req = {
            .client = o->npos ? o->pos[0] : cfg.name,
            .lu = cfg.vscsi[i].lu,
            .vios_node = o->vios_node,
            .readonly = cfg.vscsi[i].readonly,
            .shared = cfg.vscsi[i].shared || o->shared,
            .timeout_ms = o->timeout_ms,
        };
        vscsi_vdev_parse(cfg.vscsi[i].vdev, &req.vdev);
        rc = vscsi_attach(ctx, &req, &done[n_done]);
        if (rc != XVIOS_EXIT_OK) {
            vscsi_say(0, "%s: vscsi entry %u failed%s", o->config, i + 1,
                      n_done ? "; detaching the entries attached before it" : "");
            break;
        }
        n_done++;
    }
    for (unsigned k = 0; rc == XVIOS_EXIT_OK && k < n_done; k++)
        mapping_changed(cli, "created", done[k].client, &done[k].vdev);
    for (unsigned k = n_done; rc != XVIOS_EXIT_OK && k-- > 0;)
        if (vscsi_detach_domid(ctx, done[k].client, &done[k].vdev, o->timeout_ms) != XVIOS_EXIT_OK)
            vscsi_say(0, "rollback: entry %u is still attached", k + 1);
out:
    free(done);
    xvios_xlcfg_free(&cfg);
    return rc;
}

static int do_attach(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct vscsi_attach_req req = {0};
    struct vscsi_attached done;
    struct vscsi_ctx ctx;
    int rc = parse(argc, argv, "vrstc", 3, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (o.config) {
        if (o.npos > 1)
            return usage_error("attach --config takes at most a CLIENT");
        if (o.readonly)
            return usage_error("with --config, read-only is per entry (',ro')");
    } else {
        if (o.npos != 3)
            return usage_error("attach needs CLIENT LU VDEV");
        if ((rc = vdev_arg(o.pos[2], &req.vdev)) != 0)
            return rc;
    }
    if ((rc = vscsi_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    if (o.config) {
        rc = attach_config(cli, &ctx, &o);
    } else {
        req.client = o.pos[0];
        req.lu = o.pos[1];
        req.vios_node = o.vios_node;
        req.readonly = o.readonly;
        req.shared = o.shared;
        req.timeout_ms = o.timeout_ms;
        rc = vscsi_attach(&ctx, &req, &done);
        if (rc == XVIOS_EXIT_OK)
            mapping_changed(cli, "created", done.client, &done.vdev);
    }
    vscsi_ctx_close(&ctx);
    return rc;
}

static int do_detach(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct vscsi_vdev vdev;
    struct vscsi_ctx ctx;
    uint32_t domid;
    int rc = parse(argc, argv, "t", 2, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (o.npos != 2)
        return usage_error("detach needs CLIENT VDEV");
    if ((rc = vdev_arg(o.pos[1], &vdev)) != 0)
        return rc;
    if ((rc = vscsi_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    rc = vscsi_client_resolve(&ctx, o.pos[0], false, &domid, NULL, 0);
    if (rc == XVIOS_EXIT_OK)
        rc = vscsi_detach_domid(&ctx, domid, &vdev, o.timeout_ms);
    if (rc == XVIOS_EXIT_OK)
        mapping_changed(cli, "deleted", domid, &vdev);
    vscsi_ctx_close(&ctx);
    return rc;
}

static int do_list(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct vscsi_ctx ctx;
    int rc = parse(argc, argv, "j", 1, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if ((rc = vscsi_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    rc = vscsi_list(&ctx, o.npos ? o.pos[0] : NULL, o.json || cli->json, stdout);
    vscsi_ctx_close(&ctx);
    return rc;
}

static int do_rebuild(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct vscsi_rebuilt r;
    struct vscsi_ctx ctx;
    int rc = parse(argc, argv, "vtR", 0, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (!o.vios_node)
        return usage_error("rebuild needs --vios NODE");
    if ((rc = vscsi_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    rc = vscsi_rebuild(&ctx, o.vios_node, o.timeout_ms, o.resume, &r);
    if (r.recorded || rc == XVIOS_EXIT_OK)
        printf("node %u: %u mapping%s recorded, %u in place, %u rebuilt, %u failed\n", o.vios_node, r.recorded,
               r.recorded == 1 ? "" : "s", r.in_place, r.rebuilt, r.failed);
    vscsi_ctx_close(&ctx);
    return rc;
}

static volatile sig_atomic_t guard_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    guard_stop = 1;
}

static int do_guard(const struct xvios_cli *cli, int argc, char **argv)
{
    struct xvios_plat_config cfg = {.kind = cli->platform, .root = cli->root, .self_domid = 0};
    struct sigaction sa = {.sa_handler = on_stop_signal};   /* no SA_RESTART: a signal ends the wait */
    struct vscsi_guard g;
    struct opts o = {0};
    xvios_plat *p = NULL;
    int rc = parse(argc, argv, "V", 0, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (cli->platform == XVIOS_PLAT_LOOPBACK && (!cli->root || !cli->root[0]))
        return vscsi_say(XVIOS_EXIT_USAGE, "the loopback platform needs --root DIR");
    if ((rc = xvios_plat_open(&cfg, &p)) < 0)
        return vscsi_say(XVIOS_EXIT_UNREACHABLE, "cannot reach the store: %s", strerror(-rc));
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    guard_stop = 0;
    if (vscsi_guard_start_mode(&g, p, stdout, o.revive) < 0) {
        rc = XVIOS_EXIT_ERROR;
        goto out;
    }
    printf("xvios scsi guard: running (%u VIOS domain%s known)\n", g.n_vios, g.n_vios == 1 ? "" : "s");
    fflush(stdout);
    rc = XVIOS_EXIT_OK;
    while (!guard_stop) {
        int err = vscsi_guard_wait(&g, vscsi_guard_next_timeout_ms(&g));

        if (err < 0) {
            vscsi_say(0, "guard: %s", strerror(-err));
            rc = XVIOS_EXIT_ERROR;
            break;
        }
    }
    printf("xvios scsi guard: stopping (%u vhost%s closed)\n", g.closed_total, g.closed_total == 1 ? "" : "s");
    vscsi_guard_stop(&g);
out:
    xvios_plat_close(p);
    return rc;
}

int cmd_scsi(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct cli_sub subs[] = {
        {"attach", do_attach}, {"detach", do_detach}, {"list", do_list}, {"rebuild", do_rebuild},
        {"guard", do_guard},
    };

    return cli_run_sub(cli, "scsi", subs, sizeof(subs) / sizeof(subs[0]), usage_text, argc, argv);
}
