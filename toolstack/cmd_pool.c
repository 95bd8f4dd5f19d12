/* SPDX-License-Identifier: MIT */
/*
 * cmd_pool.c - `xvios pool`: dom0 keeps the cluster's storage pools and their
 * access lists (docs/pool.md "Several pools", docs/xvios.1).
 *
 *   xvios pool create NAME [--access LIST]
 *   xvios pool list [--json]
 *   xvios pool get NAME [--json]          (also: show)
 *   xvios pool modify NAME --access LIST
 *   xvios pool delete NAME                (also: rm)
 *
 * LIST: "*" every client, "" nobody, else clients separated by ',' (a uuid,
 * or a name: the clients table's, else a running domain's). The pools are
 * in the cluster DB (xvios/db_pool.h), the code the API's pool actions run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/cmds.h"
#include "toolstack/lu_cmd.h"
#include "toolstack/obj_event.h"
#include "toolstack/pool_cmd.h"

static const char usage_text[] =
    "usage: xvios pool COMMAND [ARGS]\n"
    "\n"
    "  create NAME [--access LIST]   a new pool (without --access: nobody may use it yet)\n"
    "  list [--json]                 every pool: its LUs and access list\n"
    "  get NAME [--json]             one pool, with the mappings its list does not name\n"
    "  modify NAME --access LIST     replace the access list (existing mappings are kept until detached)\n"
    "  delete NAME                   remove a pool that has no LUs\n"
    "\n"
    "LIST: '*' every client, '' nobody, else clients separated by ',': a uuid, or a client name (the clients\n"
    "table's, else a running domain's); the uuid is what is kept. The default pool ('default') always exists.\n"
    "Exit status: 0 done, 1 error, 2 usage, 5 no store, 6 no cluster, 30 bad NAME, 31 exists, 32 no such pool,\n"
    "33 the pool has LUs, 34 bad or unknown access entry, 35 the default pool is never deleted.\n";

static int say(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int say(int code, const char *fmt, ...)
{
    va_list ap;

    fputs("xvios pool: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

static int usage_error(const char *what)
{
    fprintf(stderr, "xvios pool: %s\n%s", what, usage_text);
    return XVIOS_EXIT_USAGE;
}

struct opts {
    const char *name;
    const char *access;
    bool json;
};

/* argv[0] is the subcommand. allowed: 'a' --access, 'j' --json. 0, -1 (help shown) or an exit code. */
static int parse(int argc, char **argv, const char *allowed, bool need_name, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (!strcmp(a, "--access") && strchr(allowed, 'a')) {
            if (i + 1 >= argc)
                return usage_error("--access needs a value ('*', '' or CLIENT,...)");
            o->access = argv[++i];
        } else if (!strcmp(a, "--json") && strchr(allowed, 'j')) {
            o->json = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "xvios pool: %s does not go with %s\n", a, argv[0]);
            return XVIOS_EXIT_USAGE;
        } else if (need_name && !o->name) {
            o->name = a;
        } else {
            fprintf(stderr, "xvios pool: unexpected argument %s\n", a);
            return XVIOS_EXIT_USAGE;
        }
    }
    if (need_name && !o->name)
        return usage_error("NAME is missing");
    if (need_name && !xvios_pool_is_default(o->name) && !xvios_pool_name_ok(o->name))
        return say(POOL_EXIT_NAME_INVALID, "'%s' is no pool name: 1-%u of A-Z a-z 0-9 _ -, starting with a letter or "
                                           "digit", o->name, XVIOS_POOL_NAME_MAX);
    return 0;
}

/* A refusal of the DB as an exit code, with its message (bad: the access entry at fault). */
static int refused(int rc, const char *name, const char *bad, unsigned lus)
{
    switch (rc) {
    case -EEXIST:
        return say(POOL_EXIT_EXISTS, "pool %s exists already", name);
    case -ENXIO:
        return say(POOL_EXIT_UNKNOWN, "there is no pool %s (see 'xvios pool list')", name);
    case -ENOTEMPTY:
        return say(POOL_EXIT_NOT_EMPTY, "pool %s has %u LU(s): remove them first ('xvios lu rm')", name, lus);
    case -EBUSY:
        return say(POOL_EXIT_DEFAULT, "the default pool is never deleted");
    case -EINVAL:
        if (bad[0])
            return say(POOL_EXIT_ACCESS_INVALID, "access entry '%s' is neither a uuid nor a client name (1-%u of "
                                                 "A-Z a-z 0-9 _ . -, not all digits: a domid names no client for long)",
                       bad, XVIOS_CLIENT_NAME_MAX);
        return say(POOL_EXIT_NAME_INVALID, "'%s' is no pool name", name);
    case -E2BIG:
        return say(POOL_EXIT_ACCESS_INVALID, "an access list names at most %u clients", XVIOS_POOL_ACCESS_MAX);
    case -ESRCH:
        return say(POOL_EXIT_ACCESS_INVALID, "no client is named %s: the clients table has no such name and no "
                                             "running domain has it; give its uuid", bad);
    case -ENOTUNIQ:
        return say(POOL_EXIT_ACCESS_INVALID, "several clients were registered as %s: give the uuid of the one meant",
                   bad);
    case -ENOENT:
        return say(XVIOS_EXIT_REFUSED, "there is no cluster");
    case -EIO:
        return say(XVIOS_EXIT_ERROR, "the DB record of pool %s is damaged", name);
    default:
        return say(XVIOS_EXIT_ERROR, "pool %s: %s%s", name, strerror(-rc),
                   rc == -EACCES ? " (only dom0 changes pools)" : rc == -EAGAIN ? " (the store stayed busy)" : "");
    }
}

static int do_write(const struct xvios_cli *cli, int argc, char **argv, bool create)
{
    struct opts o = {0};
    struct xvios_db_pool_info pl;
    struct vscsi_ctx ctx;
    char bad[XVIOS_CLIENT_NAME_MAX + 8] = "";
    int rc = parse(argc, argv, "a", true, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (!create && !o.access)
        return usage_error("modify needs --access LIST");
    if ((rc = lu_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    struct xvios_db_pool_spec spec = { .name = o.name, .access = o.access };
    rc = create ? xvios_db_pool_create(ctx.p, &spec, bad, sizeof(bad), &pl)
                : xvios_db_pool_modify(ctx.p, &spec, bad, sizeof(bad), &pl);
    if (rc < 0) {
        rc = refused(rc, o.name, bad, 0);
    } else {
        printf("%s pool %s, access: ", create ? "created" : "modified", pl.name);
        if (pl.any)
            fputs("any client", stdout);
        else if (!pl.n_access)
            fputs("nobody", stdout);
        for (unsigned i = 0; i < pl.n_access; i++)
            printf("%s%s%s%s%s", i ? ", " : "", pl.access[i].uuid, pl.access[i].name[0] ? " (" : "",
                   pl.access[i].name, pl.access[i].name[0] ? ")" : "");
        putchar('\n');
        fflush(stdout);
        cli_obj_changed(cli, "pool", create ? "created" : "modified", pl.name);
        xvios_db_pool_info_free(&pl);
        rc = XVIOS_EXIT_OK;
    }
    vscsi_ctx_close(&ctx);
    return rc;
}

static int do_create(const struct xvios_cli *cli, int argc, char **argv)
{
    return do_write(cli, argc, argv, true);
}

static int do_modify(const struct xvios_cli *cli, int argc, char **argv)
{
    return do_write(cli, argc, argv, false);
}

static int do_delete(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct vscsi_ctx ctx;
    unsigned lus = 0;
    int rc = parse(argc, argv, "", true, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if ((rc = lu_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    rc = xvios_db_pool_delete(ctx.p, o.name, &lus);
    if (rc < 0) {
        rc = refused(rc, o.name, "", lus);
    } else {
        printf("deleted pool %s\n", o.name);
        fflush(stdout);
        cli_obj_changed(cli, "pool", "deleted", o.name);
        rc = XVIOS_EXIT_OK;
    }
    vscsi_ctx_close(&ctx);
    return rc;
}

static int do_list(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct xvios_db_pool_info *pools = NULL;
    struct vscsi_ctx ctx;
    unsigned n = 0;
    int rc = parse(argc, argv, "j", false, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if ((rc = lu_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    rc = xvios_db_pool_list(ctx.p, XVIOS_TX_NONE, &pools, &n);
    rc = rc < 0 ? refused(rc, "", "", 0) : pool_print_list(stdout, pools, n, o.json || cli->json);
    xvios_db_pool_infos_free(pools, n);
    vscsi_ctx_close(&ctx);
    return rc;
}

static int do_get(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct xvios_db_pool_info pl;
    struct xvios_db_vtd *outside = NULL;
    struct vscsi_ctx ctx;
    unsigned n = 0;
    int rc = parse(argc, argv, "j", true, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if ((rc = lu_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    rc = xvios_db_pool_read(ctx.p, XVIOS_TX_NONE, o.name, &pl);
    if (rc < 0) {
        rc = refused(rc, o.name, "", 0);
        goto out;
    }
    rc = xvios_db_pool_outside(ctx.p, XVIOS_TX_NONE, &pl, &outside, &n);
    rc = rc < 0 ? say(XVIOS_EXIT_ERROR, "reading the VTD table: %s", strerror(-rc))
                : pool_print_get(stdout, &pl, outside, n, o.json || cli->json);
    free(outside);
    xvios_db_pool_info_free(&pl);
out:
    vscsi_ctx_close(&ctx);
    return rc;
}

int cmd_pool(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct cli_sub subs[] = {{"create", do_create}, {"list", do_list},     {"get", do_get},
                                          {"show", do_get},      {"modify", do_modify}, {"delete", do_delete},
                                          {"rm", do_delete}};

    return cli_run_sub(cli, "pool", subs, sizeof(subs) / sizeof(subs[0]), usage_text, argc, argv);
}
