/* SPDX-License-Identifier: MIT */
/*
 * pool_long.c - `xvios pool create/modify` with an access list longer than a
 * request may carry in one value (XVIOS_VIO_MAX_RUN, docs/api.md: about 34
 * uuids), up to the pool's XVIOS_POOL_ACCESS_MAX clients: written in dom0
 * with the DB call the API's pool object makes (xvios_db_pool_create /
 * xvios_db_pool_modify), its refusals told with the exit codes of the
 * API's path (pool_cmd.h). Every other pool action goes through the API.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "toolstack/lu_cmd.h"
#include "toolstack/pool_cmd.h"

static int refused(int rc, const char *name, const char *bad)
{
    int code;

    switch (rc) {
    case -EEXIST: code = POOL_EXIT_EXISTS; fprintf(stderr, "xvios pool: pool %s exists already\n", name); break;
    case -ENXIO: code = POOL_EXIT_UNKNOWN; fprintf(stderr, "xvios pool: there is no pool %s\n", name); break;
    case -EINVAL:
        code = bad[0] ? POOL_EXIT_ACCESS_INVALID : POOL_EXIT_NAME_INVALID;
        if (bad[0])
            fprintf(stderr, "xvios pool: access entry '%s' is neither a uuid nor a client name (1-%u of A-Z a-z "
                            "0-9 _ . -, not all digits)\n", bad, XVIOS_CLIENT_NAME_MAX);
        else
            fprintf(stderr, "xvios pool: '%s' is no pool name\n", name);
        break;
    case -E2BIG:
        code = POOL_EXIT_ACCESS_INVALID;
        fprintf(stderr, "xvios pool: an access list names at most %u clients\n", XVIOS_POOL_ACCESS_MAX);
        break;
    case -ESRCH:
        code = POOL_EXIT_ACCESS_INVALID;
        fprintf(stderr, "xvios pool: no client is named %s (neither in the clients table nor a running domain): "
                        "give its uuid\n", bad);
        break;
    case -ENOTUNIQ:
        code = POOL_EXIT_ACCESS_INVALID;
        fprintf(stderr, "xvios pool: several clients were registered as %s: give the uuid\n", bad);
        break;
    case -ENOENT: code = XVIOS_EXIT_REFUSED; fprintf(stderr, "xvios pool: there is no cluster in the DB\n"); break;
    default:
        code = XVIOS_EXIT_ERROR;
        fprintf(stderr, "xvios pool: pool %s: %s%s\n", name, strerror(-rc),
                rc == -EACCES ? " (only dom0 changes pools)" : rc == -EAGAIN ? " (the DB stayed busy)" : "");
        break;
    }
    return code;
}

int pool_long_write(const struct xvios_cli *cli, const char *name, const char *access, bool create,
                    struct xvios_db_pool_info *pl)
{
    struct xvios_db_pool_spec spec = { .name = name, .access = access };
    char bad[XVIOS_CLIENT_NAME_MAX + 8] = "";
    struct vscsi_ctx ctx;
    int rc;

    if ((rc = lu_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    rc = create ? xvios_db_pool_create(ctx.p, &spec, bad, sizeof(bad), pl)
                : xvios_db_pool_modify(ctx.p, &spec, bad, sizeof(bad), pl);
    vscsi_ctx_close(&ctx);
    return rc < 0 ? refused(rc, name, bad) : XVIOS_EXIT_OK;
}
