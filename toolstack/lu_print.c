/* SPDX-License-Identifier: MIT */
/*
 * lu_print.c - what `xvios lu list` and `xvios lu show` print: a table, a
 * block of fields, or JSON (cli_json.h). Backing paths and the rest come
 * from the DB; they are printed through the escaping helpers all the same.
 */
#include <inttypes.h>
#include <string.h>

#include "toolstack/cli_json.h"
#include "toolstack/lu_cmd.h"

static void wwn_text(const struct xvios_db_lu *lu, char buf[XVIOS_LU_WWN_HEX + 5])
{
    memcpy(buf, "naa.", 4);
    xvios_lu_wwn_format(lu->wwn, buf + 4);
}

static unsigned count_uses(const char *name, const struct lu_use *uses, unsigned nu)
{
    unsigned k = 0;

    for (unsigned i = 0; i < nu; i++)
        k += !strcmp(uses[i].lu, name);
    return k;
}

static void json_lu(struct cli_json *j, const struct xvios_db_lu *lu, const struct lu_use *uses, unsigned nu)
{
    char wwn[XVIOS_LU_WWN_HEX + 5], vdev[32];

    wwn_text(lu, wwn);
    cli_json_map_open(j);
    cli_json_key(j, "name");
    cli_json_str(j, lu->name);
    cli_json_key(j, "backing");
    cli_json_bytes(j, lu->backing, strlen(lu->backing));
    cli_json_key(j, "offset");
    cli_json_uint(j, lu->offset);
    cli_json_key(j, "size");
    cli_json_uint(j, lu->size);
    cli_json_key(j, "read_only");
    cli_json_bool(j, lu->read_only);
    cli_json_key(j, "wwn");
    cli_json_str(j, wwn);
    cli_json_key(j, "serial");
    cli_json_str(j, lu->serial);
    cli_json_key(j, "created");
    cli_json_uint(j, lu->created);
    cli_json_key(j, "pool");
    cli_json_str(j, lu->pool);
    cli_json_key(j, "shared");             /* attached to more than one client LUN (--shared) */
    cli_json_bool(j, count_uses(lu->name, uses, nu) > 1);
    cli_json_key(j, "attached");
    cli_json_array_open(j);
    for (unsigned i = 0; i < nu; i++) {
        if (strcmp(uses[i].lu, lu->name))
            continue;
        cli_json_map_open(j);
        cli_json_key(j, "client");
        cli_json_uint(j, uses[i].client);
        cli_json_key(j, "vios_node");
        cli_json_uint(j, uses[i].vios_node);
        cli_json_key(j, "vdev");
        if (uses[i].vdev_ok) {
            vscsi_vdev_format(&uses[i].vdev, vdev, sizeof(vdev));
            cli_json_str(j, vdev);
        } else {
            cli_json_null(j);
        }
        cli_json_key(j, "mode");
        cli_json_str(j, uses[i].readonly ? "r" : "w");
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
    cli_json_map_close(j);
}

static int json_end(struct cli_json *j)
{
    int rc = cli_json_end(j);

    return rc < 0 ? lu_say(XVIOS_EXIT_ERROR, "writing JSON: %s", strerror(-rc)) : XVIOS_EXIT_OK;
}

int lu_print_list(FILE *f, const struct xvios_db_lu *lus, unsigned n, const struct lu_use *uses, unsigned nu,
                  bool json)
{
    if (json) {
        struct cli_json *j = cli_json_begin(f, CLI_JSON_SPACED);

        if (!j)
            return lu_say(XVIOS_EXIT_ERROR, "out of memory");
        cli_json_map_open(j);
        cli_json_key(j, "lus");
        cli_json_array_open(j);
        for (unsigned i = 0; i < n; i++)
            json_lu(j, &lus[i], uses, nu);
        cli_json_array_close(j);
        cli_json_map_close(j);
        return json_end(j);
    }
    fprintf(f, "%-24s %14s %14s %-4s %-8s %-16s %-36s %s\n", "NAME", "SIZE", "OFFSET", "MODE", "ATTACHED", "POOL", "WWN",
            "BACKING");
    for (unsigned i = 0; i < n; i++) {
        char wwn[XVIOS_LU_WWN_HEX + 5], att[24];
        unsigned k = count_uses(lus[i].name, uses, nu);

        wwn_text(&lus[i], wwn);
        snprintf(att, sizeof(att), "%u%s", k, k > 1 ? "-shared" : "");
        fprintf(f, "%-24s %14" PRIu64 " %14" PRIu64 " %-4s %-8s %-16s %-36s ", lus[i].name, lus[i].size,
                lus[i].offset, lus[i].read_only ? "ro" : "rw", att, lus[i].pool, wwn);
        vscsi_text(f, lus[i].backing);
        fputc('\n', f);
    }
    return XVIOS_EXIT_OK;
}

int lu_print_show(FILE *f, const struct xvios_db_lu *lu, const struct lu_use *uses, unsigned nu, bool json)
{
    char wwn[XVIOS_LU_WWN_HEX + 5], vdev[32];

    if (json) {
        struct cli_json *j = cli_json_begin(f, CLI_JSON_SPACED);

        if (!j)
            return lu_say(XVIOS_EXIT_ERROR, "out of memory");
        json_lu(j, lu, uses, nu);
        return json_end(j);
    }
    wwn_text(lu, wwn);
    fprintf(f, "name:      %s\nbacking:   ", lu->name);
    vscsi_text(f, lu->backing);
    fprintf(f, "\noffset:    %" PRIu64 "\nsize:      %" PRIu64 "\nmode:      %s\nwwn:       %s\nserial:    %s\n"
               "created:   %" PRIu64 "\npool:      %s\nattached: ",
            lu->offset, lu->size, lu->read_only ? "read-only" : "read-write", wwn, lu->serial, lu->created, lu->pool);
    if (!count_uses(lu->name, uses, nu))
        fputs(" -", f);
    for (unsigned i = 0; i < nu; i++) {
        if (strcmp(uses[i].lu, lu->name))
            continue;
        snprintf(vdev, sizeof(vdev), "?");
        if (uses[i].vdev_ok)
            vscsi_vdev_format(&uses[i].vdev, vdev, sizeof(vdev));
        fprintf(f, " domain %u as %s through node %u (%s)", uses[i].client, vdev, uses[i].vios_node,
                uses[i].readonly ? "r" : "w");
    }
    if (count_uses(lu->name, uses, nu) > 1)
        fputs(" (shared)", f);
    fputc('\n', f);
    return XVIOS_EXIT_OK;
}
