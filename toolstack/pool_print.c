/* SPDX-License-Identifier: MIT */
/*
 * pool_print.c - what `xvios pool list` and `xvios pool get` print: a table,
 * a block of fields, or JSON (cli_json.h). Names come from the DB (checked
 * there); they are printed through the escaping helpers all the same.
 */
#include <inttypes.h>
#include <string.h>

#include "toolstack/cli_json.h"
#include "toolstack/pool_cmd.h"
#include "toolstack/vscsi_cmd.h"

static void json_pool(struct cli_json *j, const struct xvios_db_pool_info *p, const struct xvios_db_vtd *outside,
                      unsigned n_outside, bool with_outside)
{
    char vdev[48];

    cli_json_map_open(j);
    cli_json_key(j, "name");
    cli_json_str(j, p->name);
    cli_json_key(j, "any_client");
    cli_json_bool(j, p->any);
    cli_json_key(j, "access");
    cli_json_array_open(j);
    for (unsigned i = 0; i < p->n_access; i++) {
        cli_json_map_open(j);
        cli_json_key(j, "uuid");
        cli_json_str(j, p->access[i].uuid);
        cli_json_key(j, "name");
        if (p->access[i].name[0])
            cli_json_str(j, p->access[i].name);
        else
            cli_json_null(j);
        cli_json_key(j, "client_id");
        if (p->access[i].client_id)
            cli_json_uint(j, p->access[i].client_id);
        else
            cli_json_null(j);
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
    cli_json_key(j, "lus");
    cli_json_uint(j, p->lus);
    cli_json_key(j, "bytes");
    cli_json_uint(j, p->bytes);
    cli_json_key(j, "created");
    if (p->created)
        cli_json_uint(j, p->created);
    else
        cli_json_null(j);
    if (with_outside) {
        cli_json_key(j, "not_in_access_list");
        cli_json_array_open(j);
        for (unsigned i = 0; i < n_outside; i++) {
            const struct xvios_db_vtd *v = &outside[i];

            snprintf(vdev, sizeof(vdev), "%u:%u:%u:%u", v->vhost, v->chn, v->tgt, v->lun);
            cli_json_map_open(j);
            cli_json_key(j, "client");
            cli_json_uint(j, v->client);
            cli_json_key(j, "client_name");
            if (v->client_name[0])
                cli_json_bytes(j, v->client_name, strlen(v->client_name));
            else
                cli_json_null(j);
            cli_json_key(j, "uuid");
            if (v->client_uuid[0])
                cli_json_str(j, v->client_uuid);
            else
                cli_json_null(j);
            cli_json_key(j, "vdev");
            cli_json_str(j, vdev);
            cli_json_key(j, "vios_node");
            cli_json_uint(j, v->node);
            cli_json_key(j, "lu");
            cli_json_str(j, v->pool_lu);
            cli_json_map_close(j);
        }
        cli_json_array_close(j);
    }
    cli_json_map_close(j);
}

static int json_end(struct cli_json *j)
{
    int rc = cli_json_end(j);

    if (rc < 0) {
        fprintf(stderr, "xvios pool: writing JSON: %s\n", strerror(-rc));
        return XVIOS_EXIT_ERROR;
    }
    return XVIOS_EXIT_OK;
}

static void access_text(FILE *f, const struct xvios_db_pool_info *p)
{
    if (p->any) {
        fputs("any client", f);
        return;
    }
    if (!p->n_access)
        fputs("nobody", f);
    for (unsigned i = 0; i < p->n_access; i++) {
        fprintf(f, "%s%s", i ? ", " : "", p->access[i].name[0] ? p->access[i].name : p->access[i].uuid);
        if (p->access[i].name[0])
            fprintf(f, " (%s)", p->access[i].uuid);
    }
}

int pool_print_list(FILE *f, const struct xvios_db_pool_info *pools, unsigned n, bool json)
{
    if (json) {
        struct cli_json *j = cli_json_begin(f, CLI_JSON_SPACED);

        if (!j)
            return XVIOS_EXIT_ERROR;
        cli_json_map_open(j);
        cli_json_key(j, "pools");
        cli_json_array_open(j);
        for (unsigned i = 0; i < n; i++)
            json_pool(j, &pools[i], NULL, 0, false);
        cli_json_array_close(j);
        cli_json_map_close(j);
        return json_end(j);
    }
    fprintf(f, "%-24s %5s %16s %s\n", "NAME", "LUS", "BYTES", "ACCESS");
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%-24s %5u %16" PRIu64 " ", pools[i].name, pools[i].lus, pools[i].bytes);
        access_text(f, &pools[i]);
        fputc('\n', f);
    }
    return XVIOS_EXIT_OK;
}

int pool_print_get(FILE *f, const struct xvios_db_pool_info *p, const struct xvios_db_vtd *outside,
                   unsigned n_outside, bool json)
{
    if (json) {
        struct cli_json *j = cli_json_begin(f, CLI_JSON_SPACED);

        if (!j)
            return XVIOS_EXIT_ERROR;
        json_pool(j, p, outside, n_outside, true);
        return json_end(j);
    }
    fprintf(f, "name:      %s\nlus:       %u\nbytes:     %" PRIu64 "\n", p->name, p->lus, p->bytes);
    if (p->created)
        fprintf(f, "created:   %" PRIu64 "\n", p->created);
    fputs("access:    ", f);
    access_text(f, p);
    fputc('\n', f);
    for (unsigned i = 0; i < n_outside; i++) {
        const struct xvios_db_vtd *v = &outside[i];

        fprintf(f, "not in access list: domain %u", v->client);
        if (v->client_name[0]) {
            fputs(" (", f);
            vscsi_text(f, v->client_name);
            fputc(')', f);
        }
        fprintf(f, " has LU %s as %u:%u:%u:%u through node %u (kept until detached)\n", v->pool_lu, v->vhost, v->chn,
                v->tgt, v->lun, v->node);
    }
    return XVIOS_EXIT_OK;
}
