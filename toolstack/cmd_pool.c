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
 * in the cluster DB (xvios/db_pool.h); each action is the API's (docs/api.md), run as `xvios api` runs it
 * (api_typed.h), its answer printed as before.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/api_typed.h"
#include "toolstack/cmds.h"
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

/* ---------------------------------------------------------------- through the API */
/* The exceptions of the pool actions as the exit codes docs/xvios.1 gives (first match wins). */
static const struct api_exit write_exits[] = {
    {XVIOS_VIO_EXISTS, POOL_EXIT_EXISTS, NULL},
    {XVIOS_VIO_NOT_FOUND, POOL_EXIT_UNKNOWN, "there is no pool"},
    {XVIOS_VIO_NOT_FOUND, POOL_EXIT_ACCESS_INVALID, NULL},        /* an access entry names no known client */
    {XVIOS_VIO_BAD_VALUE, POOL_EXIT_NAME_INVALID, "is no pool name"},
    {XVIOS_VIO_BAD_VALUE, POOL_EXIT_ACCESS_INVALID, NULL},        /* an access entry, or too many */
    {XVIOS_VIO_CONFLICT, POOL_EXIT_ACCESS_INVALID, NULL},         /* a name several clients had */
    {XVIOS_VIO_INVALID, POOL_EXIT_ACCESS_INVALID, NULL},          /* the list's form (the name is checked here) */
};
static const struct api_exit delete_exits[] = {
    {XVIOS_VIO_NOT_FOUND, POOL_EXIT_UNKNOWN, NULL},
    {XVIOS_VIO_IN_USE, POOL_EXIT_NOT_EMPTY, NULL},
    {XVIOS_VIO_BAD_VALUE, POOL_EXIT_DEFAULT, "never deleted"},
    {XVIOS_VIO_BAD_VALUE, POOL_EXIT_NAME_INVALID, NULL},
};
static const struct api_exit get_exits[] = {
    {XVIOS_VIO_NOT_FOUND, POOL_EXIT_UNKNOWN, NULL},
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* One pool request whose answer is one pool: *pl (when not NULL) filled, and the mappings outside its
 * list (get) in *outside (malloc'd, *n_outside). An exit code. */
static int pool_request(const struct xvios_cli *cli, const char *action, const struct xvios_vio_attr *attrs,
                        unsigned n_attrs, const struct api_exit *exits, unsigned n_exits,
                        struct xvios_db_pool_info *pl, struct xvios_db_vtd **outside, unsigned *n_outside)
{
    const struct xvios_vio_elem *e;
    struct api_typed t;
    int rc = api_typed_run(cli, "pool", "pool", action, attrs, n_attrs, &t);

    if (rc != XVIOS_EXIT_OK)
        goto out;
    if (!t.r.ok) {
        rc = api_typed_refused("pool", &t.r, exits, n_exits);
        goto out;
    }
    if (!pl)
        goto out;
    if (t.r.n_items != 1 || api_elem_pool(&t.r.items[0], pl) < 0) {
        rc = say(XVIOS_EXIT_ERROR, "the answer to pool %s holds no well-formed pool", action);
        goto out;
    }
    if (!outside)
        goto out;
    e = &t.r.items[0];
    *n_outside = 0;
    *outside = calloc(e->n_kids ? e->n_kids : 1, sizeof(**outside));
    if (!*outside) {
        rc = say(XVIOS_EXIT_ERROR, "out of memory");
    } else {
        for (unsigned i = 0; i < e->n_kids && rc == XVIOS_EXIT_OK; i++) {
            if (strcmp(e->kids[i].name, "notInAccessList"))
                continue;
            if (api_elem_outside(&e->kids[i], &(*outside)[(*n_outside)++]) < 0)
                rc = say(XVIOS_EXIT_ERROR, "the answer to pool %s holds a malformed mapping", action);
        }
    }
    if (rc != XVIOS_EXIT_OK)
        xvios_db_pool_info_free(pl);
out:
    api_typed_free(&t);
    return rc;
}

static int do_write(const struct xvios_cli *cli, int argc, char **argv, bool create)
{
    struct opts o = {0};
    struct xvios_db_pool_info pl;
    int rc = parse(argc, argv, "a", true, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (!create && !o.access)
        return usage_error("modify needs --access LIST");
    for (const char *c = o.access; c && *c; c++)
        if (*c < 0x21 || *c > 0x7e)   /* the DB's refusal, said before a request could not carry it */
            return say(POOL_EXIT_ACCESS_INVALID, "an access list is '*', or uuids and client names (1-%u of A-Z a-z "
                                                 "0-9 _ . -) separated by ','", XVIOS_CLIENT_NAME_MAX);
    const struct xvios_vio_attr attrs[] = {{"name", o.name}, {"access", o.access}};
    if (o.access && strlen(o.access) > XVIOS_VIO_MAX_RUN)   /* more than a request's value holds */
        rc = pool_long_write(cli, o.name, o.access, create, &pl);
    else
        rc = pool_request(cli, create ? "create" : "modify", attrs, N_OF(attrs), write_exits, N_OF(write_exits),
                          &pl, NULL, NULL);
    if (rc == XVIOS_EXIT_OK) {
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
    }
    xvios_vio_cleanup();
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
    int rc = parse(argc, argv, "", true, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    const struct xvios_vio_attr attrs[] = {{"name", o.name}};
    rc = pool_request(cli, "delete", attrs, N_OF(attrs), delete_exits, N_OF(delete_exits), NULL, NULL, NULL);
    if (rc == XVIOS_EXIT_OK) {
        printf("deleted pool %s\n", o.name);
        fflush(stdout);
        cli_obj_changed(cli, "pool", "deleted", o.name);
    }
    xvios_vio_cleanup();
    return rc;
}

struct pools {
    struct xvios_db_pool_info *v;
    unsigned n, cap;
};

static int pool_key(const struct xvios_vio_elem *e, char *buf, size_t cap)
{
    return xvios_vio_elem_copy(e, "name", buf, cap);
}

static int each_pool(const struct xvios_vio_elem *e, void *arg)
{
    struct pools *ps = arg;

    if (ps->n == ps->cap) {
        unsigned cap = ps->cap ? ps->cap * 2 : 8;
        struct xvios_db_pool_info *v = cap > ps->cap ? realloc(ps->v, cap * sizeof(*v)) : NULL;

        if (!v)
            return say(XVIOS_EXIT_ERROR, "out of memory");
        ps->v = v;
        ps->cap = cap;
    }
    if (api_elem_pool(e, &ps->v[ps->n]) < 0)
        return say(XVIOS_EXIT_ERROR, "the pool list holds a malformed pool");
    ps->n++;
    return XVIOS_EXIT_OK;
}

static int do_list(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct pools ps = {0};
    int rc = parse(argc, argv, "j", false, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    rc = api_typed_list(cli, "pool", "pool", NULL, 0, pool_key, each_pool, &ps);
    if (rc == XVIOS_EXIT_OK)
        rc = pool_print_list(stdout, ps.v, ps.n, o.json || cli->json);
    xvios_db_pool_infos_free(ps.v, ps.n);
    xvios_vio_cleanup();
    return rc;
}

static int do_get(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct xvios_db_pool_info pl;
    struct xvios_db_vtd *outside = NULL;
    unsigned n = 0;
    int rc = parse(argc, argv, "j", true, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    const struct xvios_vio_attr attrs[] = {{"name", o.name}};
    rc = pool_request(cli, "get", attrs, N_OF(attrs), get_exits, N_OF(get_exits), &pl, &outside, &n);
    if (rc == XVIOS_EXIT_OK) {
        rc = pool_print_get(stdout, &pl, outside, n, o.json || cli->json);
        xvios_db_pool_info_free(&pl);
    }
    free(outside);
    xvios_vio_cleanup();
    return rc;
}

int cmd_pool(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct cli_sub subs[] = {{"create", do_create}, {"list", do_list},     {"get", do_get},
                                          {"show", do_get},      {"modify", do_modify}, {"delete", do_delete},
                                          {"rm", do_delete}};

    return cli_run_sub(cli, "pool", subs, sizeof(subs) / sizeof(subs[0]), usage_text, argc, argv);
}
