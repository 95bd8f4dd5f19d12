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
 * The pool is in the cluster DB (xvios/db_lu.h); where an LU is attached is
 * read from the members' vscsi backend dirs (vscsi_nodes.h), the same record
 * `xvios scsi` keeps, inside the transaction that removes the LU.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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

/* ---------------------------------------------------------------- create */
/* What dom0 can know of the backing (lu_backing_size); an exit code, the reason printed. */
static int backing_size(const struct vscsi_ctx *ctx, const char *path, uint64_t *size)
{
    char why[160];

    if (lu_backing_size(ctx, path, size, why, sizeof(why)) < 0)
        return lu_say(LU_EXIT_BACKING_INVALID, "backing %s: %s", path, why);
    return XVIOS_EXIT_OK;
}

static int do_create(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct xvios_db_lu_spec spec = {0};
    struct xvios_db_lu lu;
    struct vscsi_ctx ctx;
    char wwn[XVIOS_LU_WWN_HEX + 1];
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
    if (parse_bytes(o.size, &spec.size) < 0)
        return usage_error("--size takes bytes (optionally K, M, G, T), not '%s'", o.size);
    if (o.offset && parse_bytes(o.offset, &spec.offset) < 0)
        return usage_error("--offset takes bytes (optionally K, M, G, T), not '%s'", o.offset);
    if (xvios_lu_region_check(spec.offset, spec.size) < 0)
        return lu_say(LU_EXIT_REGION_INVALID, "size %s at offset %s: the size must be above 0, both multiples of "
                                              "%u, the end within 1 EiB", o.size, o.offset ? o.offset : "0",
                      XVIOS_LU_ALIGN);
    spec.name = o.pos[0];
    spec.backing = o.backing;
    spec.read_only = o.readonly;
    spec.pool = o.pool;
    if (o.pool && !xvios_pool_is_default(o.pool) && !xvios_pool_name_ok(o.pool))
        return lu_say(POOL_EXIT_NAME_INVALID, "'%s' is no pool name", o.pool);
    if ((rc = lu_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    if ((rc = backing_size(&ctx, o.backing, &spec.backing_size)) != XVIOS_EXIT_OK)
        goto out;
    rc = xvios_db_lu_create(ctx.p, &spec, &lu);
    switch (rc) {
    case 0:
        xvios_lu_wwn_format(lu.wwn, wwn);
        printf("created LU %s: %" PRIu64 " bytes at offset %" PRIu64 " of %s%s, wwn naa.%s, serial %s, pool %s\n",
               lu.name, lu.size, lu.offset, lu.backing, lu.read_only ? ", read-only" : "", wwn, lu.serial, lu.pool);
        fflush(stdout);
        cli_obj_changed(cli, "LU", "created", lu.name);
        rc = XVIOS_EXIT_OK;
        break;
    case -EEXIST:
        rc = lu_say(LU_EXIT_NAME_TAKEN, "the pool has an LU %s already", spec.name);
        break;
    case -EFBIG:
        rc = lu_say(LU_EXIT_BEYOND_BACKING, "the region [%" PRIu64 ", %" PRIu64 ") ends beyond %s (%" PRIu64
                                            " bytes)", spec.offset, spec.offset + spec.size, spec.backing,
                    spec.backing_size);
        break;
    case -EADDRINUSE:
        rc = lu_say(LU_EXIT_OVERLAP, "the region [%" PRIu64 ", %" PRIu64 ") of %s overlaps another LU of the pool "
                                     "(see 'xvios lu list')", spec.offset, spec.offset + spec.size, spec.backing);
        break;
    case -EDOM:
        rc = lu_say(LU_EXIT_REGION_INVALID, "invalid region");
        break;
    case -ENOENT:
        rc = lu_say(XVIOS_EXIT_REFUSED, "there is no cluster");
        break;
    case -ENXIO:
        rc = lu_say(POOL_EXIT_UNKNOWN, "there is no pool %s (see 'xvios pool list')", o.pool);
        break;
    default:
        rc = lu_say(XVIOS_EXIT_ERROR, "creating LU %s: %s%s", spec.name, strerror(-rc),
                    rc == -EACCES ? " (only dom0 creates LUs)" : rc == -EIO ? " (the pool's entries are damaged)" : "");
        break;
    }
out:
    vscsi_ctx_close(&ctx);
    return rc;
}

/* ---------------------------------------------------------------- list, show */
static int do_list(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct xvios_db_lu *lus = NULL;
    struct lu_use *uses = NULL;
    unsigned n = 0, nu = 0;
    struct vscsi_ctx ctx;
    int rc = parse(argc, argv, "j", 0, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if ((rc = lu_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    if ((rc = xvios_db_lu_list(ctx.p, XVIOS_TX_NONE, &lus, &n)) < 0 ||
        (rc = lu_uses(&ctx, XVIOS_TX_NONE, NULL, &uses, &nu)) < 0)
        rc = lu_say(XVIOS_EXIT_ERROR, "reading the pool: %s", strerror(-rc));
    else
        rc = lu_print_list(stdout, lus, n, uses, nu, o.json || cli->json);
    free(lus);
    free(uses);
    vscsi_ctx_close(&ctx);
    return rc;
}

static int do_show(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct xvios_db_lu lu;
    struct lu_use *uses = NULL;
    unsigned nu = 0;
    struct vscsi_ctx ctx;
    int rc = parse(argc, argv, "j", 1, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (o.npos != 1)
        return usage_error("show needs NAME");
    if (!xvios_lu_name_ok(o.pos[0]))
        return lu_say(LU_EXIT_NAME_INVALID, "'%s' is no LU name", o.pos[0]);
    if ((rc = lu_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    rc = xvios_db_lu_get(ctx.p, XVIOS_TX_NONE, o.pos[0], &lu);
    if (rc == -ENOENT)
        rc = lu_say(LU_EXIT_UNKNOWN, "there is no LU %s in the pool", o.pos[0]);
    else if (rc < 0 || (rc = lu_uses(&ctx, XVIOS_TX_NONE, lu.name, &uses, &nu)) < 0)
        rc = lu_say(XVIOS_EXIT_ERROR, "reading LU %s: %s%s", o.pos[0], strerror(-rc),
                    rc == -EIO ? " (its entry is damaged)" : "");
    else
        rc = lu_print_show(stdout, &lu, uses, nu, o.json || cli->json);
    free(uses);
    vscsi_ctx_close(&ctx);
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
/* One attempt: 0 removed; > 0 an errno (EAGAIN: again); < 0 minus an exit code, message printed. */
static int rm_in_tx(struct vscsi_ctx *ctx, xvios_tx tx, const char *name)
{
    struct xvios_db_lu lu;
    struct lu_use *uses = NULL;
    unsigned nu = 0;
    char vdev[32] = "?";
    int rc = xvios_db_lu_get(ctx->p, tx, name, &lu);

    if (rc == -ENOENT)
        return -lu_say(LU_EXIT_UNKNOWN, "there is no LU %s in the pool", name);
    if (rc < 0 && rc != -EIO)   /* a damaged entry can still be removed */
        return -rc;
    if ((rc = lu_uses(ctx, tx, name, &uses, &nu)) < 0)
        return -rc;
    if (nu) {
        if (uses[0].vdev_ok)
            vscsi_vdev_format(&uses[0].vdev, vdev, sizeof(vdev));
        rc = -lu_say(LU_EXIT_ATTACHED, "LU %s is attached to domain %u as %s through node %u%s; detach it first "
                                       "('xvios scsi detach')", name, uses[0].client, vdev, uses[0].vios_node,
                     nu > 1 ? " (and elsewhere)" : "");
        free(uses);
        return rc;
    }
    rc = xvios_db_lu_remove(ctx->p, tx, name);
    return -rc;
}

static int do_rm(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct vscsi_ctx ctx;
    int rc = parse(argc, argv, "", 1, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (o.npos != 1)
        return usage_error("rm needs NAME");
    if (!xvios_lu_name_ok(o.pos[0]))
        return lu_say(LU_EXIT_NAME_INVALID, "'%s' is no LU name", o.pos[0]);
    if ((rc = lu_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    for (unsigned attempt = 0; attempt < XVIOS_DB_TX_RETRIES; attempt++) {
        xvios_tx tx;

        if ((rc = xvios_store_tx_start(ctx.p, &tx)) < 0) {
            rc = lu_say(XVIOS_EXIT_ERROR, "starting a transaction: %s", strerror(-rc));
            goto out;
        }
        rc = rm_in_tx(&ctx, tx, o.pos[0]);
        if (rc != 0) {
            xvios_store_tx_end(ctx.p, tx, false);
            if (rc < 0) {
                rc = -rc;
                goto out;
            }
            if (rc == EAGAIN)
                continue;
            rc = lu_say(XVIOS_EXIT_ERROR, "removing LU %s: %s%s", o.pos[0], strerror(rc),
                        rc == EACCES ? " (only dom0 removes LUs)" : "");
            goto out;
        }
        rc = xvios_store_tx_end(ctx.p, tx, true);
        if (rc == 0) {
            printf("removed LU %s\n", o.pos[0]);
            fflush(stdout);
            cli_obj_changed(cli, "LU", "deleted", o.pos[0]);
            rc = XVIOS_EXIT_OK;
            goto out;
        }
        if (rc != -EAGAIN) {
            rc = lu_say(XVIOS_EXIT_ERROR, "committing: %s", strerror(-rc));
            goto out;
        }
    }
    rc = lu_say(XVIOS_EXIT_ERROR, "the store stayed too busy; try again");
out:
    vscsi_ctx_close(&ctx);
    return rc;
}

/* ---------------------------------------------------------------- modify */
static int do_modify(const struct xvios_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct xvios_db_lu_change ch = { .read_only = -1 };
    struct xvios_db_lu lu;
    struct vscsi_ctx ctx;
    int rc = parse(argc, argv, "srw", 1, &o);

    if (rc)
        return rc < 0 ? XVIOS_EXIT_OK : rc;
    if (o.npos != 1 || (!o.size && !o.readonly && !o.readwrite) || (o.readonly && o.readwrite))
        return usage_error("modify needs NAME and --size SIZE, --ro or --rw (not both of these)");
    if (!xvios_lu_name_ok(o.pos[0]))
        return lu_say(LU_EXIT_NAME_INVALID, "'%s' is no LU name", o.pos[0]);
    if (o.size && (parse_bytes(o.size, &ch.size) < 0 || ch.size == 0))
        return usage_error("--size takes bytes above 0 (optionally K, M, G, T), not '%s'", o.size);
    if (o.readonly || o.readwrite)
        ch.read_only = o.readonly;
    if ((rc = lu_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    if (ch.size && xvios_db_lu_get(ctx.p, XVIOS_TX_NONE, o.pos[0], &lu) == 0 &&
        (rc = backing_size(&ctx, lu.backing, &ch.backing_size)) != XVIOS_EXIT_OK)
        goto out;
    switch ((rc = xvios_db_lu_modify(ctx.p, o.pos[0], &ch, &lu))) {
    case 0:
        printf("modified LU %s: %" PRIu64 " bytes%s\n", lu.name, lu.size, lu.read_only ? ", read-only" : "");
        fflush(stdout);
        cli_obj_changed(cli, "LU", "modified", lu.name);
        rc = XVIOS_EXIT_OK;
        break;
    case -ENOENT: rc = lu_say(LU_EXIT_UNKNOWN, "no LU %s", o.pos[0]); break;
    case -EDOM: rc = lu_say(LU_EXIT_REGION_INVALID, "size %s: a multiple of %u within 1 EiB", o.size, XVIOS_LU_ALIGN); break;
    case -ERANGE: rc = lu_say(LU_EXIT_SHRINK, "size %s is below LU %s's: an LU only grows", o.size, o.pos[0]); break;
    case -EFBIG: rc = lu_say(LU_EXIT_BEYOND_BACKING, "LU %s would end beyond its backing", o.pos[0]); break;
    case -EADDRINUSE: rc = lu_say(LU_EXIT_OVERLAP, "LU %s would overlap another LU of its backing", o.pos[0]); break;
    case -EALREADY: rc = lu_say(LU_EXIT_UNCHANGED, "LU %s is so already", o.pos[0]); break;
    default:
        rc = lu_say(XVIOS_EXIT_ERROR, "modifying LU %s: %s%s", o.pos[0], strerror(-rc),
                    rc == -EACCES ? " (only dom0 modifies LUs)" : "");
        break;
    }
out:
    vscsi_ctx_close(&ctx);
    return rc;
}

int cmd_lu(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct cli_sub subs[] = {{"create", do_create}, {"list", do_list}, {"show", do_show}, {"rm", do_rm},
                                          {"modify", do_modify},
                                          {"who", lu_who_run}, {"paths", do_paths}};

    return cli_run_sub(cli, "lu", subs, sizeof(subs) / sizeof(subs[0]), usage_text, argc, argv);
}
