/* SPDX-License-Identifier: MIT */
/*
 * cmd_lu.c - `xvios lu`: dom0 keeps the cluster's LU pool (docs/pool.md,
 * docs/xvios.1).
 *
 *   xvios lu create NAME --size SIZE --backing PATH [--offset OFF] [--ro] [--pool POOL]
 *   xvios lu list [--json]
 *   xvios lu show NAME [--json]
 *   xvios lu rm NAME
 *   xvios lu modify NAME [--size SIZE] [--ro | --rw]
 *   xvios lu who NAME [--json] [--via N]   (lu_who.c)
 *   xvios lu paths NAME [--json]
 *
 * create, list, show, rm and modify are the management API's LU actions
 * (docs/api.md, "The typed commands"): a request built here, run as
 * `xvios api` runs it (api_typed.h), its answer printed as these commands
 * always printed it; where an LU is attached is the API's mapping list (the
 * VTD table). The API's lu delete checks the members' vscsi backend dirs in
 * the transaction that removes the LU. who and paths ask the nodes and the
 * DB themselves (lu_who.c, lu_paths.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/api_typed.h"
#include "toolstack/cmds.h"
#include "toolstack/lu_cmd.h"
#include "toolstack/obj_event.h"
#include "toolstack/pool_cmd.h"

static const char usage_text[] =
    "usage: xvios lu COMMAND [ARGS]\n"
    "\n"
    "  create NAME --size SIZE --backing PATH [--offset OFF] [--ro] [--pool POOL]\n"
    "                 a new LU: [OFF, OFF + SIZE) of PATH (a device every VIOS reaches by that path), in POOL\n"
    "                 (default: the default pool; see 'xvios pool')\n"
    "  list [--json]  every LU of the pool\n"
    "  show NAME [--json]\n"
    "                 one LU: region, WWN, serial, where it is attached\n"
    "  rm NAME        remove an LU that is attached nowhere\n"
    "  modify NAME [--size SIZE] [--ro | --rw]\n"
    "                 grow an LU (never shrink it) or set its read-only flag\n"
    "  who NAME [--json] [--via N] [--timeout MS]\n"
    "                 which clients use the LU through which VIOS, asked of every node (exit 3: not all answered)\n"
    "  paths NAME [--json]\n"
    "                 each VIOS's path to the LU: good, lost or unknown (docs/redundancy.md)\n"
    "\n"
    "SIZE and OFF: bytes, or with K, M, G, T (binary); multiples of 4096.\n"
    "Exit status: 0 done, 1 error, 2 usage, 5 no store, 6 no cluster, 20 bad NAME, 21 NAME taken,\n"
    "22 bad size or offset, 23 beyond the backing, 24 overlaps another LU, 25 no such LU, 26 attached,\n"
    "27 bad backing, 30 bad POOL, 32 no such pool.\n";

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("xvios lu: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fputs(usage_text, stderr);
    return XVIOS_EXIT_USAGE;
}

/* ---------------------------------------------------------------- arguments */
struct opts {
    const char *pos[1];
    unsigned npos;
    const char *size, *offset, *backing, *pool;
    bool readonly, readwrite, json;
};

static bool is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

/* allowed: 's' --size, 'o' --offset, 'b' --backing, 'r' --ro, 'w' --rw, 'j' --json, 'p' --pool. 0, -1 (help
 * shown) or an exit code. */
static int parse(int argc, char **argv, const char *allowed, unsigned max_pos, struct opts *o)
{
    static const struct {
        const char *name;
        char which;
    } names[] = {{"--size", 's'}, {"--offset", 'o'}, {"--backing", 'b'}, {"--ro", 'r'}, {"--rw", 'w'},
                 {"--json", 'j'}, {"--pool", 'p'}};

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char which = 0;

        if (is_help(a)) {
            fputs(usage_text, stdout);
            return -1;
        }
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
            if (!strcmp(a, names[k].name))
                which = names[k].which;
        if (!which && a[0] == '-' && a[1])
            return usage_error("unknown option %s", a);
        if (!which) {
            if (o->npos >= max_pos)
                return usage_error("unexpected argument %s", a);
            o->pos[o->npos++] = a;
            continue;
        }
        if (!strchr(allowed, which))
            return usage_error("%s does not go with %s", a, argv[0]);
        if ((which == 's' || which == 'o' || which == 'b' || which == 'p') && i + 1 >= argc)
            return usage_error("%s needs a value", a);
        switch (which) {
        case 's': o->size = argv[++i]; break;
        case 'o': o->offset = argv[++i]; break;
        case 'b': o->backing = argv[++i]; break;
        case 'p': o->pool = argv[++i]; break;
        case 'r': o->readonly = true; break;
        case 'w': o->readwrite = true; break;
        case 'j': o->json = true; break;
        }
    }
    return 0;
}

/* Bytes: a decimal, optionally with K, M, G or T (powers of 1024, "KiB" too). 0 or -EINVAL / -ERANGE. */
static int parse_bytes(const char *s, uint64_t *out)
{
    static const char units[] = "KMGT";
    char digits[24];
    size_t n = strspn(s, "0123456789");
    const char *u = s + n, *pos;
    unsigned shift = 0;
    uint64_t v;

    if (n == 0 || n >= sizeof(digits))
        return n == 0 ? -EINVAL : -ERANGE;
    if (*u) {
        pos = strchr(units, u[0] & ~0x20);
        if (!pos || (u[1] && strcmp(u + 1, "iB")))
            return -EINVAL;
        shift = 10u * (unsigned)(pos - units + 1);
    }
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (xvios_parse_u64(digits, 0, UINT64_MAX >> shift, &v) < 0)
        return -ERANGE;
    *out = v << shift;
    return 0;
}

/* ---------------------------------------------------------------- through the API */
/* The exceptions of lu create, modify, get and delete as the exit codes docs/xvios.1 gives. */
static const struct api_exit create_exits[] = {
    {XVIOS_VIO_EXISTS, LU_EXIT_NAME_TAKEN, NULL},
    {XVIOS_VIO_BEYOND_BACKING, LU_EXIT_BEYOND_BACKING, NULL},
    {XVIOS_VIO_OVERLAP, LU_EXIT_OVERLAP, NULL},
    {XVIOS_VIO_NOT_FOUND, POOL_EXIT_UNKNOWN, NULL},            /* the pool named */
    {XVIOS_VIO_BAD_VALUE, LU_EXIT_NAME_INVALID, "is no LU name"},
    {XVIOS_VIO_BAD_VALUE, POOL_EXIT_NAME_INVALID, "is no pool name"},
    {XVIOS_VIO_BAD_VALUE, LU_EXIT_REGION_INVALID, "the size must be"},
    {XVIOS_VIO_BAD_VALUE, LU_EXIT_BACKING_INVALID, NULL},     /* the backing: its path, or not there */
};
static const struct api_exit modify_exits[] = {
    {XVIOS_VIO_NOT_FOUND, LU_EXIT_UNKNOWN, NULL},
    {XVIOS_VIO_SHRINK, LU_EXIT_SHRINK, NULL},
    {XVIOS_VIO_BEYOND_BACKING, LU_EXIT_BEYOND_BACKING, NULL},
    {XVIOS_VIO_OVERLAP, LU_EXIT_OVERLAP, NULL},
    {XVIOS_VIO_BAD_VALUE, LU_EXIT_UNCHANGED, "so already"},
    {XVIOS_VIO_BAD_VALUE, LU_EXIT_BACKING_INVALID, "backing "},
    {XVIOS_VIO_BAD_VALUE, LU_EXIT_REGION_INVALID, NULL},      /* the size */
};
static const struct api_exit get_exits[] = {
    {XVIOS_VIO_NOT_FOUND, LU_EXIT_UNKNOWN, NULL},
};
static const struct api_exit delete_exits[] = {
    {XVIOS_VIO_NOT_FOUND, LU_EXIT_UNKNOWN, NULL},
    {XVIOS_VIO_IN_USE, LU_EXIT_ATTACHED, NULL},
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* One LU request; on success *lu (when not NULL) is the answer's LU. An exit code. */
static int lu_request(const struct xvios_cli *cli, const char *action, const struct xvios_vio_attr *attrs,
                      unsigned n_attrs, const struct api_exit *exits, unsigned n_exits, struct xvios_db_lu *lu)
{
    struct api_typed t;
    int rc = api_typed_run(cli, "lu", "lu", action, attrs, n_attrs, &t);

    if (rc != XVIOS_EXIT_OK)
        goto out;
    if (!t.r.ok) {
        rc = api_typed_refused("lu", &t.r, exits, n_exits);
        goto out;
    }
    if (lu && (t.r.n_items != 1 || api_elem_lu(&t.r.items[0], lu) < 0))
        rc = lu_say(XVIOS_EXIT_ERROR, "the answer to lu %s holds no well-formed LU", action);
out:
    api_typed_free(&t);
    return rc;
}

/* ---------------------------------------------------------------- create */
static int do_create(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct xvios_db_lu lu;
    uint64_t size = 0, offset = 0;
    char wwn[XVIOS_LU_WWN_HEX + 1], size_s[24], offset_s[24];
    int rc = parse(argc, argv, "sobrp", 1, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (o.npos != 1 || !o.size || !o.backing)
        return usage_error("create needs NAME --size SIZE --backing PATH");
    if (!xvios_lu_name_ok(o.pos[0]))
        return lu_say(LU_EXIT_NAME_INVALID, "'%s' is no LU name: 1-%u of A-Z a-z 0-9 _ -, starting with a "
                                            "letter or digit", o.pos[0], XVIOS_LU_NAME_MAX);
    if ((rc = xvios_lu_backing_check(o.backing)) < 0)
        return lu_say(LU_EXIT_BACKING_INVALID, "backing '%s' is %s", o.backing,
                      rc == -ENAMETOOLONG ? "too long" : "not an absolute path without '.', '..', '//' or a "
                                                          "trailing '/', in printable ASCII");
    if (parse_bytes(o.size, &size) < 0)
        return usage_error("--size takes bytes (optionally K, M, G, T), not '%s'", o.size);
    if (o.offset && parse_bytes(o.offset, &offset) < 0)
        return usage_error("--offset takes bytes (optionally K, M, G, T), not '%s'", o.offset);
    if (xvios_lu_region_check(offset, size) < 0)
        return lu_say(LU_EXIT_REGION_INVALID, "size %s at offset %s: the size must be above 0, both multiples of "
                                              "%u, the end within 1 EiB", o.size, o.offset ? o.offset : "0",
                      XVIOS_LU_ALIGN);
    if (o.pool && !xvios_pool_is_default(o.pool) && !xvios_pool_name_ok(o.pool))
        return lu_say(POOL_EXIT_NAME_INVALID, "'%s' is no pool name", o.pool);
    snprintf(size_s, sizeof(size_s), "%" PRIu64, size);
    snprintf(offset_s, sizeof(offset_s), "%" PRIu64, offset);
    const struct xvios_vio_attr attrs[] = {
        {"name", o.pos[0]}, {"backing", o.backing}, {"size", size_s}, {"offset", offset_s},
        {"readOnly", o.readonly ? "true" : NULL},
        {"pool", o.pool && !xvios_pool_is_default(o.pool) ? o.pool : NULL},
    };
    rc = lu_request(cli, "create", attrs, N_OF(attrs), create_exits, N_OF(create_exits), &lu);
    if (rc == XVIOS_EXIT_OK) {
        xvios_lu_wwn_format(lu.wwn, wwn);
        printf("created LU %s: %" PRIu64 " bytes at offset %" PRIu64 " of %s%s, wwn naa.%s, serial %s, pool %s\n",
               lu.name, lu.size, lu.offset, lu.backing, lu.read_only ? ", read-only" : "", wwn, lu.serial, lu.pool);
        fflush(stdout);
        cli_obj_changed(cli, "LU", "created", lu.name);
    }
    xvios_vio_cleanup();
    return rc;
}

/* ---------------------------------------------------------------- list, show */
/* What list and show gather: the LUs (list) and every pool LU's attachments (the mappings). */
struct gathered {
    struct xvios_db_lu *lus;
    unsigned n, cap;
    struct lu_use *uses;
    unsigned nu, capu;
    const char *only;   /* show: the attachments of this LU only */
};

static int grow(void **arr, unsigned *cap, unsigned n, size_t size)
{
    void *bigger;

    if (n < *cap)
        return 0;
    if (*cap > UINT32_MAX / 4)
        return -ENOMEM;
    bigger = realloc(*arr, (size_t)(*cap ? *cap * 2 : 16) * size);
    if (!bigger)
        return -ENOMEM;
    *arr = bigger;
    *cap = *cap ? *cap * 2 : 16;
    return 0;
}

static int lu_key(const struct xvios_vio_elem *e, char *buf, size_t cap)
{
    return xvios_vio_elem_copy(e, "name", buf, cap);
}

static int each_lu(const struct xvios_vio_elem *e, void *arg)
{
    struct gathered *g = arg;

    if (grow((void **)&g->lus, &g->cap, g->n, sizeof(*g->lus)) < 0)
        return lu_say(XVIOS_EXIT_ERROR, "out of memory");
    if (api_elem_lu(e, &g->lus[g->n]) < 0)
        return lu_say(XVIOS_EXIT_ERROR, "the LU list holds a malformed LU");
    g->n++;
    return XVIOS_EXIT_OK;
}

/* A mapping's after= key: "<client domid>:<vdev>". */
static int mapping_key(const struct xvios_vio_elem *e, char *buf, size_t cap)
{
    const char *client = xvios_vio_elem_attr(e, "client"), *vdev = xvios_vio_elem_attr(e, "vdev");

    if (!client || !vdev || (size_t)snprintf(buf, cap, "%s:%s", client, vdev) >= cap)
        return -EINVAL;
    return 0;
}

static int each_mapping(const struct xvios_vio_elem *e, void *arg)
{
    struct gathered *g = arg;
    int rc;

    if (grow((void **)&g->uses, &g->capu, g->nu, sizeof(*g->uses)) < 0)
        return lu_say(XVIOS_EXIT_ERROR, "out of memory");
    rc = api_elem_use(e, &g->uses[g->nu]);
    if (rc < 0)
        return lu_say(XVIOS_EXIT_ERROR, "the mapping list holds a malformed mapping");
    if (rc > 0 && (!g->only || !strcmp(g->uses[g->nu].lu, g->only)))
        g->nu++;
    return XVIOS_EXIT_OK;
}

static int gather_uses(const struct xvios_cli *cli, struct gathered *g)
{
    return api_typed_list(cli, "lu", "mapping", NULL, 0, mapping_key, each_mapping, g);
}

static int do_list(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct gathered g = {0};
    int rc = parse(argc, argv, "j", 0, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    rc = api_typed_list(cli, "lu", "lu", NULL, 0, lu_key, each_lu, &g);
    if (rc == XVIOS_EXIT_OK)
        rc = gather_uses(cli, &g);
    if (rc == XVIOS_EXIT_OK)
        rc = lu_print_list(stdout, g.lus, g.n, g.uses, g.nu, o.json || cli->json);
    free(g.lus);
    free(g.uses);
    xvios_vio_cleanup();
    return rc;
}

static int do_show(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct xvios_db_lu lu = {0};
    struct gathered g = {0};
    int rc = parse(argc, argv, "j", 1, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (o.npos != 1)
        return usage_error("show needs NAME");
    if (!xvios_lu_name_ok(o.pos[0]))
        return lu_say(LU_EXIT_NAME_INVALID, "'%s' is no LU name", o.pos[0]);
    const struct xvios_vio_attr attrs[] = {{"name", o.pos[0]}};
    rc = lu_request(cli, "get", attrs, N_OF(attrs), get_exits, N_OF(get_exits), &lu);
    g.only = lu.name;
    if (rc == XVIOS_EXIT_OK)
        rc = gather_uses(cli, &g);
    if (rc == XVIOS_EXIT_OK)
        rc = lu_print_show(stdout, &lu, g.uses, g.nu, o.json || cli->json);
    free(g.uses);
    xvios_vio_cleanup();
    return rc;
}

static int do_paths(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    int rc = parse(argc, argv, "j", 1, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (o.npos != 1)
        return usage_error("paths needs NAME");
    return lu_paths_run(cli, o.pos[0], o.json || cli->json);
}

/* ---------------------------------------------------------------- rm */
static int do_rm(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    int rc = parse(argc, argv, "", 1, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (o.npos != 1)
        return usage_error("rm needs NAME");
    if (!xvios_lu_name_ok(o.pos[0]))
        return lu_say(LU_EXIT_NAME_INVALID, "'%s' is no LU name", o.pos[0]);
    const struct xvios_vio_attr attrs[] = {{"name", o.pos[0]}};
    rc = lu_request(cli, "delete", attrs, N_OF(attrs), delete_exits, N_OF(delete_exits), NULL);
    if (rc == XVIOS_EXIT_OK) {
        printf("removed LU %s\n", o.pos[0]);
        fflush(stdout);
        cli_obj_changed(cli, "LU", "deleted", o.pos[0]);
    }
    xvios_vio_cleanup();
    return rc;
}

/* ---------------------------------------------------------------- modify */
static int do_modify(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct xvios_db_lu lu;
    uint64_t size = 0;
    char size_s[24];
    int rc = parse(argc, argv, "srw", 1, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (o.npos != 1 || (!o.size && !o.readonly && !o.readwrite) || (o.readonly && o.readwrite))
        return usage_error("modify needs NAME and --size SIZE, --ro or --rw (not both of these)");
    if (!xvios_lu_name_ok(o.pos[0]))
        return lu_say(LU_EXIT_NAME_INVALID, "'%s' is no LU name", o.pos[0]);
    if (o.size && (parse_bytes(o.size, &size) < 0 || size == 0))
        return usage_error("--size takes bytes above 0 (optionally K, M, G, T), not '%s'", o.size);
    snprintf(size_s, sizeof(size_s), "%" PRIu64, size);
    const struct xvios_vio_attr attrs[] = {
        {"name", o.pos[0]}, {"size", o.size ? size_s : NULL},
        {"readOnly", o.readonly ? "true" : o.readwrite ? "false" : NULL},
    };
    rc = lu_request(cli, "modify", attrs, N_OF(attrs), modify_exits, N_OF(modify_exits), &lu);
    if (rc == XVIOS_EXIT_OK) {
        printf("modified LU %s: %" PRIu64 " bytes%s\n", lu.name, lu.size, lu.read_only ? ", read-only" : "");
        fflush(stdout);
        cli_obj_changed(cli, "LU", "modified", lu.name);
    }
    xvios_vio_cleanup();
    return rc;
}

int cmd_lu(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct cli_sub subs[] = {{"create", do_create}, {"list", do_list}, {"show", do_show}, {"rm", do_rm},
                                          {"modify", do_modify},
                                          {"who", lu_who_run}, {"paths", do_paths}};

    return cli_run_sub(cli, "lu", subs, sizeof(subs) / sizeof(subs[0]), usage_text, argc, argv);
}
