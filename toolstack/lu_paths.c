/* SPDX-License-Identifier: MIT */
/*
 * lu_paths.c - `xvios lu paths NAME [--json]`: each member VIOS's path to an
 * LU as it publishes it in the cluster DB (xvios/db_path.h,
 * docs/redundancy.md): good, lost, or unknown (no entry: that VIOS has not
 * looked at the LU). NAME is a pool LU's name, or the "path-..." key of an
 * LU attached by path. Readable from dom0 and from any member.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/cli_json.h"
#include "toolstack/lu_cmd.h"
#include "xvios/db_path.h"

static int print_paths(FILE *f, const char *key, const struct xvios_db_path *v, unsigned n, bool json)
{
    struct cli_json *j;
    int rc;

    if (!json) {
        fprintf(f, "%-6s %-8s %-16s %s\n", "NODE", "STATE", "SINCE-MS", "BACKING");
        for (unsigned i = 0; i < n; i++) {
            if (v[i].state == XVIOS_PATH_UNKNOWN)
                fprintf(f, "%-6u %-8s %-16s %s\n", v[i].node, "unknown", "-", "-");
            else
                fprintf(f, "%-6u %-8s %-16" PRIu64 " %s\n", v[i].node, xvios_path_state_name(v[i].state),
                        v[i].since_ms, v[i].backing);
        }
        return XVIOS_EXIT_OK;
    }
    j = cli_json_begin(f, CLI_JSON_SPACED);
    if (!j)
        return lu_say(XVIOS_EXIT_ERROR, "no memory for JSON");
    cli_json_map_open(j);
    cli_json_key(j, "lu");
    cli_json_str(j, key);
    cli_json_key(j, "paths");
    cli_json_array_open(j);
    for (unsigned i = 0; i < n; i++) {
        cli_json_map_open(j);
        cli_json_key(j, "node");
        cli_json_uint(j, v[i].node);
        cli_json_key(j, "state");
        cli_json_str(j, xvios_path_state_name(v[i].state));
        if (v[i].state != XVIOS_PATH_UNKNOWN) {
            cli_json_key(j, "since_ms");
            cli_json_uint(j, v[i].since_ms);
            cli_json_key(j, "backing");
            cli_json_str(j, v[i].backing);
        }
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
    cli_json_map_close(j);
    rc = cli_json_end(j);
    return rc < 0 ? lu_say(XVIOS_EXIT_ERROR, "writing JSON: %s", strerror(-rc)) : XVIOS_EXIT_OK;
}

int lu_paths_run(const struct xvios_cli *cli, const char *name, bool json)
{
    struct xvios_db_path *v = NULL;
    struct xvios_db_lu lu;
    struct vscsi_ctx ctx;
    unsigned n = 0, known = 0;
    int rc;

    if (!xvios_path_key_valid(name))
        return lu_say(LU_EXIT_NAME_INVALID, "'%s' is no LU name", name);
    if ((rc = lu_ctx_open(cli, &ctx)) != XVIOS_EXIT_OK)
        return rc;
    rc = xvios_db_paths_of(ctx.p, name, &v, &n);
    if (rc < 0) {
        rc = lu_say(XVIOS_EXIT_ERROR, "reading the paths of %s: %s", name, strerror(-rc));
        goto out;
    }
    for (unsigned i = 0; i < n; i++)
        known += v[i].state != XVIOS_PATH_UNKNOWN;
    if (!known && xvios_db_lu_get(ctx.p, XVIOS_TX_NONE, name, &lu) == -ENOENT) {
        rc = lu_say(LU_EXIT_UNKNOWN, "no LU %s: not in the pool, and no VIOS has a path entry for it", name);
        goto out;
    }
    rc = print_paths(stdout, name, v, n, json);
out:
    free(v);
    vscsi_ctx_close(&ctx);
    return rc;
}
