/* SPDX-License-Identifier: MIT */
/*
 * lu_pr.c - the reservation state of a pool LU for `xvios lu who` (lu_pr.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/scsi/scsi_pr.h"
#include "toolstack/lu_pr.h"
#include "xvios/db_pr.h"
#include "xvios/platform.h"

const char *lu_pr_type_name(unsigned type)
{
    switch (type) {
    case SCSI_PR_TYPE_NONE: return "none";
    case SCSI_PR_TYPE_WE: return "Write Exclusive";
    case SCSI_PR_TYPE_EA: return "Exclusive Access";
    case SCSI_PR_TYPE_WE_RO: return "Write Exclusive, registrants only";
    case SCSI_PR_TYPE_EA_RO: return "Exclusive Access, registrants only";
    case SCSI_PR_TYPE_WE_AR: return "Write Exclusive, all registrants";
    case SCSI_PR_TYPE_EA_AR: return "Exclusive Access, all registrants";
    }
    return "unknown";
}

/* The loaded state into view. */
static int view_of(const struct scsi_pr *pr, struct lu_pr_view *view)
{
    size_t n = scsi_pr_registration_count(pr);

    view->pr_generation = scsi_pr_generation(pr);
    view->type = scsi_pr_type(pr);
    if (n == 0)
        return 0;
    view->regs = calloc(n, sizeof(*view->regs));
    if (!view->regs)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct scsi_pr_registration *r = scsi_pr_registration_at(pr, i);
        struct lu_pr_reg *out = &view->regs[view->n];

        if (!r)
            continue;
        out->key = r->key;
        out->client_id = (uint32_t)(r->nexus.initiator >> 32);
        out->adapter_id = (uint32_t)r->nexus.initiator;
        out->target_port = r->nexus.target_port;
        out->holder = scsi_pr_is_holder(pr, &r->nexus);
        view->n++;
    }
    return 0;
}

void lu_pr_read(const struct xvios_cli *cli, const char *lu, struct lu_pr_view *view)
{
    struct xvios_plat_config cfg = { .kind = cli->platform, .root = cli->root, .self_domid = 0 };
    static const struct scsi_pr_hooks no_hooks = { 0 };
    struct xvios_db_pr *rec = malloc(sizeof(*rec));
    struct scsi_pr *pr = scsi_pr_new(&no_hooks);
    xvios_plat *p = NULL;
    int rc;

    memset(view, 0, sizeof(*view));
    if (!rec || !pr) {
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = xvios_plat_open(&cfg, &p)) < 0)
        goto out;
    rc = xvios_db_pr_load(p, lu, rec);
    if (rc == -ENOENT) {            /* no record: the empty state nobody changed yet */
        rc = 0;
        goto out;
    }
    if (rc < 0)
        goto out;
    view->gen = rec->gen;
    /* the record is checked again by the loader: a malformed one is an error, never a guess */
    if ((rc = scsi_pr_load(pr, rec->blob, rec->len)) < 0 || (rc = view_of(pr, view)) < 0)
        goto out;
out:
    view->error = rc;
    if (p)
        xvios_plat_close(p);
    scsi_pr_free(pr);
    free(rec);
}

void lu_pr_view_free(struct lu_pr_view *view)
{
    free(view->regs);
    view->regs = NULL;
    view->n = 0;
}

void lu_pr_print_text(const struct lu_pr_view *v)
{
    if (v->error < 0) {
        printf("reservation: unknown (%s)\n", strerror(-v->error));
        return;
    }
    printf("reservation: %s (record generation %" PRIu64 ", PRgeneration %" PRIu32 "), %zu registration(s)\n",
           lu_pr_type_name(v->type), v->gen, v->pr_generation, v->n);
    for (size_t i = 0; i < v->n; i++)
        printf("  key 0x%016" PRIx64 "  ClientID %-6" PRIu32 " AdapterID %-6" PRIu32 " target port %-5u%s\n",
               v->regs[i].key, v->regs[i].client_id, v->regs[i].adapter_id, v->regs[i].target_port,
               v->regs[i].holder && v->type ? "  holder" : "");
}

void lu_pr_print_json(struct cli_json *j, const struct lu_pr_view *v)
{
    char key[24];

    cli_json_key(j, "reservation");
    cli_json_map_open(j);
    if (v->error < 0) {
        cli_json_key(j, "error");
        cli_json_str(j, strerror(-v->error));
        cli_json_map_close(j);
        return;
    }
    cli_json_key(j, "record_generation");
    cli_json_uint(j, v->gen);
    cli_json_key(j, "pr_generation");
    cli_json_uint(j, v->pr_generation);
    cli_json_key(j, "type");
    cli_json_str(j, lu_pr_type_name(v->type));
    cli_json_key(j, "registrations");
    cli_json_array_open(j);
    for (size_t i = 0; i < v->n; i++) {
        cli_json_map_open(j);
        snprintf(key, sizeof(key), "0x%016" PRIx64, v->regs[i].key);
        cli_json_key(j, "key");
        cli_json_str(j, key);
        cli_json_key(j, "client_id");
        cli_json_uint(j, v->regs[i].client_id);
        cli_json_key(j, "adapter_id");
        cli_json_uint(j, v->regs[i].adapter_id);
        cli_json_key(j, "target_port");
        cli_json_uint(j, v->regs[i].target_port);
        cli_json_key(j, "holder");
        cli_json_bool(j, v->regs[i].holder && v->type != 0);
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
    cli_json_map_close(j);
}
