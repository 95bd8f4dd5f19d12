/* SPDX-License-Identifier: MIT */
/*
 * cmd_storage.c - `xvios storage`: asks ONE node's daemon (STORAGE_ALL) for
 * the storage every VIOS sees; that node fans STORAGE_INFO out and answers
 * with one block per node (xvios/storage_info.h), or with the outcome of a
 * node that did not answer. Printed as text or, with --json, as one
 * document: every node's backings, pools, LUs, vhosts, and the cluster's LU
 * usage as that node reads it, each use with whoever shares its LU.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli_blocks.h"
#include "cli_json.h"
#include "cmds.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/kv.h"
#include "xvios/storage_info.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: xvios [GLOBAL] storage [--via NODE] [--json] [--timeout MS]\n"
               "Asks one node (the --node one, or NODE over its management link with --via) for the\n"
               "storage every VIOS sees: backings (size, identity), pools, LUs and vhosts served, and\n"
               "the cluster's LU usage. Exit: 0 all answered, 3 some did not (or the answer did not\n"
               "hold every node).\n");
}

/* Two uses of one LU: the same pool LU, or the same path when neither is a pool LU. */
static bool same_lu(const struct xvios_si_use *a, const struct xvios_si_use *b)
{
    if (strcmp(a->pool_lu, "-") || strcmp(b->pool_lu, "-"))
        return !strcmp(a->pool_lu, b->pool_lu);
    return !strcmp(a->path, b->path);
}

static const char *mode_word(bool ro) { return ro ? "ro" : "rw"; }

static void vdev_str(char *b, size_t cap, uint32_t h, uint32_t c, uint32_t t, uint32_t l)
{
    snprintf(b, cap, "%u:%u:%u:%u", h, c, t, l);
}

static void json_word(struct cli_json *j, const char *key, const char *w)
{
    cli_json_key(j, key);
    if (!strcmp(w, "-"))
        cli_json_null(j);
    else
        cli_json_str(j, w);
}

static void json_naa(struct cli_json *j, const char *key, const char *hex)
{
    char b[40];

    cli_json_key(j, key);
    if (!strcmp(hex, "-")) {
        cli_json_null(j);
        return;
    }
    snprintf(b, sizeof(b), "naa.%s", hex);
    cli_json_str(j, b);
}

static void json_uses(struct cli_json *j, const struct xvios_storage_info *si)
{
    char vd[32];

    cli_json_key(j, "usage");
    cli_json_array_open(j);
    for (unsigned i = 0; i < si->n_uses; i++) {
        const struct xvios_si_use *u = &si->uses[i];
        cli_json_map_open(j);
        json_word(j, "lu", u->pool_lu);
        cli_json_key(j, "backing");
        cli_json_str(j, u->path);
        cli_json_key(j, "client");
        cli_json_uint(j, u->client);
        vdev_str(vd, sizeof(vd), u->h, u->c, u->t, u->l);
        cli_json_key(j, "vdev");
        cli_json_str(j, vd);
        cli_json_key(j, "node");
        cli_json_uint(j, u->node);
        cli_json_key(j, "mode");
        cli_json_str(j, mode_word(u->read_only));
        cli_json_key(j, "shared_with");
        cli_json_array_open(j);
        for (unsigned k = 0; k < si->n_uses; k++) {
            const struct xvios_si_use *o = &si->uses[k];
            if (k == i || !same_lu(u, o))
                continue;
            cli_json_map_open(j);
            cli_json_key(j, "client");
            cli_json_uint(j, o->client);
            vdev_str(vd, sizeof(vd), o->h, o->c, o->t, o->l);
            cli_json_key(j, "vdev");
            cli_json_str(j, vd);
            cli_json_key(j, "node");
            cli_json_uint(j, o->node);
            cli_json_key(j, "mode");
            cli_json_str(j, mode_word(o->read_only));
            cli_json_map_close(j);
        }
        cli_json_array_close(j);
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
}

static void json_node(struct cli_json *j, const struct xvios_storage_info *si)
{
    char vd[32];

    cli_json_map_open(j);
    cli_json_key(j, "node");
    cli_json_uint(j, si->node);
    cli_json_key(j, "answered");
    cli_json_bool(j, true);
    cli_json_key(j, "vios");
    cli_json_str(j, si->vios);
    cli_json_key(j, "truncated");
    cli_json_bool(j, si->truncated);
    cli_json_key(j, "backings");
    cli_json_array_open(j);
    for (unsigned i = 0; i < si->n_backings; i++) {
        const struct xvios_si_backing *b = &si->backings[i];
        cli_json_map_open(j);
        cli_json_key(j, "path");
        cli_json_str(j, b->path);
        cli_json_key(j, "state");
        cli_json_str(j, xvios_si_state_name(b->state));
        cli_json_key(j, "size");
        cli_json_uint(j, b->size);
        cli_json_key(j, "id_source");
        cli_json_str(j, xvios_si_id_source_name(b->id_source));
        if (b->id_source == XVIOS_SI_ID_ENGINE) {
            json_naa(j, "id", b->id);
        } else {
            cli_json_key(j, "id");
            cli_json_str(j, b->id);
        }
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
    cli_json_key(j, "pools");
    cli_json_array_open(j);
    for (unsigned i = 0; i < si->n_pools; i++) {
        cli_json_map_open(j);
        cli_json_key(j, "id");
        cli_json_str(j, si->pools[i].id);
        cli_json_key(j, "lus");
        cli_json_uint(j, si->pools[i].lus);
        cli_json_key(j, "reachable");
        cli_json_uint(j, si->pools[i].reachable);
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
    cli_json_key(j, "lus");
    cli_json_array_open(j);
    for (unsigned i = 0; i < si->n_lus; i++) {
        const struct xvios_si_lu *l = &si->lus[i];
        cli_json_map_open(j);
        json_word(j, "name", l->name);
        json_naa(j, "wwn", l->wwn);
        cli_json_key(j, "size");
        cli_json_uint(j, l->size);
        cli_json_key(j, "backing");
        cli_json_str(j, l->path);
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
    cli_json_key(j, "vhosts");
    cli_json_array_open(j);
    for (unsigned i = 0; i < si->n_vhosts; i++) {
        const struct xvios_si_vhost *v = &si->vhosts[i];
        cli_json_map_open(j);
        cli_json_key(j, "client");
        cli_json_uint(j, v->client);
        json_word(j, "client_name", v->client_name);
        cli_json_key(j, "vhost");
        cli_json_uint(j, v->devid);
        vdev_str(vd, sizeof(vd), v->h, v->c, v->t, v->l);
        cli_json_key(j, "vdev");
        cli_json_str(j, vd);
        cli_json_key(j, "mode");
        cli_json_str(j, mode_word(v->read_only));
        cli_json_key(j, "lun_state");
        cli_json_uint(j, v->lun_state);
        json_naa(j, "wwn", v->wwn);
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
    json_uses(j, si);
    cli_json_map_close(j);
}

static void text_node(const struct xvios_storage_info *si)
{
    char vd[32];

    printf("node %u (%s):%s\n", si->node, si->vios, si->truncated ? " (report truncated)" : "");
    for (unsigned i = 0; i < si->n_backings; i++) {
        const struct xvios_si_backing *b = &si->backings[i];
        printf("  backing %s: %s, %llu bytes, %s id %s%s\n", b->path, xvios_si_state_name(b->state),
               (unsigned long long)b->size, xvios_si_id_source_name(b->id_source),
               b->id_source == XVIOS_SI_ID_ENGINE ? "naa." : "", b->id);
    }
    for (unsigned i = 0; i < si->n_pools; i++)
        printf("  pool %s: %u LU(s), %u reachable\n", si->pools[i].id, si->pools[i].lus, si->pools[i].reachable);
    for (unsigned i = 0; i < si->n_lus; i++)
        printf("  lu %s naa.%s: %llu bytes of %s\n", si->lus[i].name, si->lus[i].wwn,
               (unsigned long long)si->lus[i].size, si->lus[i].path);
    for (unsigned i = 0; i < si->n_vhosts; i++) {
        const struct xvios_si_vhost *v = &si->vhosts[i];
        vdev_str(vd, sizeof(vd), v->h, v->c, v->t, v->l);
        printf("  vhost client %u (%s) vhost %u LUN %s %s state %u lu %s%s\n", v->client, v->client_name,
               v->devid, vd, mode_word(v->read_only), v->lun_state, strcmp(v->wwn, "-") ? "naa." : "", v->wwn);
    }
}

static void text_usage(const struct xvios_storage_info *si)
{
    char vd[32];

    printf("usage (the VTD table as node %u reads it): %u mapping(s)\n", si->node, si->n_uses);
    for (unsigned i = 0; i < si->n_uses; i++) {
        const struct xvios_si_use *u = &si->uses[i];
        unsigned others = 0;
        vdev_str(vd, sizeof(vd), u->h, u->c, u->t, u->l);
        printf("  lu %s client %u %s through node %u %s", strcmp(u->pool_lu, "-") ? u->pool_lu : u->path, u->client,
               vd, u->node, mode_word(u->read_only));
        for (unsigned k = 0; k < si->n_uses; k++) {
            if (k == i || !same_lu(u, &si->uses[k]))
                continue;
            vdev_str(vd, sizeof(vd), si->uses[k].h, si->uses[k].c, si->uses[k].t, si->uses[k].l);
            printf("%s client %u %s (node %u, %s)", others++ ? "," : "  shared with", si->uses[k].client, vd,
                   si->uses[k].node, mode_word(si->uses[k].read_only));
        }
        printf("\n");
    }
}

/* One block: a decoded report (printed, 0), a node that did not answer (printed, 1), or a bad one (1). */
static int one_block(const struct xvios_cli *cli, struct cli_json *j, const struct cli_block *b,
                     struct xvios_storage_info *si, bool *usage_done)
{
    char status[32];
    int rc;

    if (xvios_kv_get(b->p, b->len, "status", status, sizeof(status)) == 0) {
        if (j) {
            cli_json_map_open(j);
            cli_json_key(j, "node");
            cli_json_uint(j, b->node);
            cli_json_key(j, "answered");
            cli_json_bool(j, false);
            cli_json_key(j, "outcome");
            cli_json_str(j, status);
            cli_json_map_close(j);
        } else {
            printf("node %u: no answer (%s)\n", b->node, status);
        }
        return 1;
    }
    rc = xvios_storage_info_decode(b->p, b->len, si);
    if (rc < 0 || si->node != b->node) {
        fprintf(stderr, "%s: node %u's report is malformed (%s)\n", cli->prog, b->node,
                rc < 0 ? strerror(-rc) : "it names another node");
        if (j) {
            cli_json_map_open(j);
            cli_json_key(j, "node");
            cli_json_uint(j, b->node);
            cli_json_key(j, "answered");
            cli_json_bool(j, false);
            cli_json_key(j, "outcome");
            cli_json_str(j, "malformed");
            cli_json_map_close(j);
        } else {
            printf("node %u: malformed report\n", b->node);
        }
        return 1;
    }
    if (j) {
        json_node(j, si);
    } else {
        text_node(si);
        if (!*usage_done)
            text_usage(si);   /* once, from the node asked (every node reads the same table) */
        *usage_done = true;
    }
    return si->truncated;
}

int cmd_storage(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct option lo[] = {
        { "via", required_argument, NULL, 'v' }, { "json", no_argument, NULL, 'j' },
        { "timeout", required_argument, NULL, 'T' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct xvios_client_outcome o = {0};
    struct xvios_storage_info *si = NULL;
    struct cli_block *bv = NULL;
    struct cli_json *j = NULL;
    xvios_client *c = NULL;
    uint32_t timeout_ms = 0;
    unsigned nb = 0, failed = 0, blocks = 0;
    unsigned long truncated = 0;
    bool usage_done = false;
    struct timespec dl;
    uint64_t h;
    int ch, rc;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
        switch (ch) {
        case 'v':
            if (xvios_parse_u32(optarg, 1, XVIOS_NODE_ID_MAX, &cli->via) < 0) {
                usage(stderr);
                return XVIOS_EXIT_USAGE;
            }
            break;
        case 'j': cli->json = true; break;
        case 'T':
            if (xvios_parse_u32(optarg, 1, 3600000u, &timeout_ms) < 0) {
                usage(stderr);
                return XVIOS_EXIT_USAGE;
            }
            break;
        case 'h': usage(stdout); return XVIOS_EXIT_OK;
        default: usage(stderr); return XVIOS_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return XVIOS_EXIT_USAGE;
    }
    rc = cli_connect(cli, &c);
    if (rc != XVIOS_EXIT_OK)
        return rc;
    rc = xvios_client_query(c, XVIOS_MT_STORAGE_ALL, NULL, 0, timeout_ms, &h);
    if (rc == 0) {
        dl = xvios_deadline_ms((uint64_t)(timeout_ms ? timeout_ms : 10000u) * 4u + 10000u);
        rc = xvios_client_collect(c, h, &dl, &o);
    }
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", cli->prog, strerror(-rc));
        xvios_client_close(c);
        return cli_exit_for_errno(rc);
    }
    si = malloc(sizeof(*si));
    if (!si || (cli->json && !(j = cli_json_begin(stdout, CLI_JSON_SPACED)))) {
        fprintf(stderr, "%s: %s\n", cli->prog, strerror(ENOMEM));
        rc = XVIOS_EXIT_ERROR;
        goto out;
    }
    bv = cli_collect_blocks(&o, &nb);
    if (bv && nb > 1)   /* in node order, the node asked first (its usage is printed) */
        qsort(bv + 1, nb - 1, sizeof(*bv), cli_block_cmp);
    if (j) {
        cli_json_map_open(j);
        cli_json_key(j, "nodes");
        cli_json_array_open(j);
    }
    for (unsigned k = 0; k < nb; k++) {
        char t[16];
        if (bv[k].node == 0) {
            uint32_t v;
            if (xvios_kv_get(bv[k].p, bv[k].len, "truncated", t, sizeof(t)) == 0)
                truncated += xvios_parse_u32(t, 1, XVIOS_MAX_NODES, &v) < 0 ? 1 : v;
            continue;
        }
        failed += (unsigned)one_block(cli, j, &bv[k], si, &usage_done);
        blocks++;
    }
    if (j) {
        cli_json_array_close(j);
        cli_json_key(j, "nodes_not_listed");
        cli_json_uint(j, truncated);
        cli_json_map_close(j);
        if (cli_json_end(j) < 0) {
            j = NULL;
            fprintf(stderr, "%s: writing the output failed\n", cli->prog);
            rc = XVIOS_EXIT_ERROR;
            goto out;
        }
        j = NULL;
    }
    if (o.status != XVIOS_ST_OK && o.status != XVIOS_ST_PARTIAL && o.status != XVIOS_ST_TIMED_OUT)
        fprintf(stderr, "%s: %s%s\n", cli->prog, xvios_status_name(o.status),
                o.status == XVIOS_ST_BAD_PACKET ? " (a daemon older than wire version 5 has no storage view)" : "");
    if (truncated)
        fprintf(stderr, "%s: warning: the answer was too large: %lu node(s) not listed\n", cli->prog, truncated);
    rc = blocks == 0 ? XVIOS_EXIT_ERROR
       : o.status == XVIOS_ST_UNREACHABLE ? XVIOS_EXIT_UNREACHABLE
       : o.status == XVIOS_ST_NOT_MEMBER ? XVIOS_EXIT_REFUSED
       : o.status == XVIOS_ST_TRY_AGAIN || o.status == XVIOS_ST_INTERNAL || o.status == XVIOS_ST_BAD_PACKET
           ? XVIOS_EXIT_ERROR
       : failed || truncated ? XVIOS_EXIT_PARTIAL : XVIOS_EXIT_OK;
out:
    if (j)
        cli_json_end(j);
    free(bv);
    free(si);
    xvios_client_outcome_dispose(&o);
    xvios_client_close(c);
    return rc;
}
