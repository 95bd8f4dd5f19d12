/* SPDX-License-Identifier: MIT */
/*
 * lu_who.c - `xvios lu who NAME [--json] [--via N] [--timeout MS]`: who uses
 * an LU of the pool, for the whole cluster (docs/pool.md, "Who uses an LU").
 * The node asked (api.sock, or dom0's management link with --via) answers
 * for itself (API_QUERY LU_WHO) and the others answer a broadcast LU_WHO
 * with responses; every node is listed, those that did not answer with the
 * outcome of the send to them (timed-out, unreachable, ...).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/cli_json.h"
#include "toolstack/cmds.h"
#include "toolstack/lu_cmd.h"
#include "toolstack/lu_pr.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/kv.h"
#include "xvios/parse.h"

#define WHO_MAX_VHOSTS 4096u

/* One vhost line of an answer, checked. */
struct who_vhost {
    uint32_t domid, devid;
    char vdev[48], client_id[12], adapter_id[12], be_state[4], dev_state[4], client[72];
};

struct who_node {
    uint32_t node;
    bool answered;
    int outcome;                    /* not answered: enum xvios_rc_status, or -1 (no result) */
    char vios[64];
    struct who_vhost *v;
    unsigned nv;
    bool truncated;
};

static int word(const char **s, char *out, size_t cap)
{
    size_t n = strcspn(*s, " ");

    if (n == 0 || n >= cap)
        return -EINVAL;
    memcpy(out, *s, n);
    out[n] = '\0';
    *s += n;
    if (**s == ' ')
        (*s)++;
    return 0;
}

static int parse_vhost(const char *line, struct who_vhost *v)
{
    char a[16], b[16];
    const char *s = line;

    if (word(&s, a, sizeof(a)) < 0 || xvios_parse_domid(a, &v->domid) < 0 || word(&s, b, sizeof(b)) < 0 ||
        xvios_parse_u32_canon(b, 65535, &v->devid) < 0 || word(&s, v->vdev, sizeof(v->vdev)) < 0 ||
        word(&s, v->client_id, sizeof(v->client_id)) < 0 || word(&s, v->adapter_id, sizeof(v->adapter_id)) < 0 ||
        word(&s, v->be_state, sizeof(v->be_state)) < 0 || word(&s, v->dev_state, sizeof(v->dev_state)) < 0 ||
        !*s || strlen(s) >= sizeof(v->client))
        return -EINVAL;
    strcpy(v->client, s);
    for (char *c = v->client; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            *c = '?';
    return 0;
}

/* One node's answer (untrusted: a peer wrote it). */
static int parse_answer(const struct xvios_api_msg *m, const char *lu, struct who_node *out)
{
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    char val[160];
    int r;

    memset(out, 0, sizeof(*out));
    out->node = m->node;
    out->answered = true;
    xvios_kv_iter_init(&it, m->payload, m->len);
    while ((r = xvios_kv_next(&it, &kv)) != 0) {
        if (r < 0 || kv.val_len >= sizeof(val))
            return -EINVAL;
        memcpy(val, kv.val, kv.val_len);
        val[kv.val_len] = '\0';
        if (xvios_kv_is(&kv, "lu") && strcmp(val, lu))
            return -EINVAL;
        if (xvios_kv_is(&kv, "vios"))
            snprintf(out->vios, sizeof(out->vios), "%.63s", val);
        if (xvios_kv_is(&kv, "truncated"))
            out->truncated = true;
        if (xvios_kv_is(&kv, "vhost")) {
            struct who_vhost *nv;
            if (out->nv == WHO_MAX_VHOSTS)
                return -E2BIG;
            nv = realloc(out->v, (out->nv + 1) * sizeof(*nv));
            if (!nv)
                return -ENOMEM;
            out->v = nv;
            if (parse_vhost(val, &out->v[out->nv]) < 0)
                return -EINVAL;
            out->nv++;
        }
    }
    return 0;
}

static int node_cmp(const void *a, const void *b)
{
    const struct who_node *x = a, *y = b;
    return x->node < y->node ? -1 : x->node > y->node;
}

static void print_text(const char *lu, const struct who_node *nodes, unsigned n, const struct lu_pr_view *pr)
{
    unsigned served = 0, answered = 0;

    for (unsigned i = 0; i < n; i++) {
        answered += nodes[i].answered;
        served += nodes[i].nv;
    }
    printf("LU %s: %u vhost(s), %u of %u node(s) answered\n", lu, served, answered, n);
    printf("%-5s %-12s %-9s %-16s %-8s %-6s %-10s %-10s %s\n", "NODE", "VIOS", "CLIENTID", "CLIENT", "DOMID",
           "VHOST", "VDEV", "ADAPTERID", "STATE");
    for (unsigned i = 0; i < n; i++) {
        const struct who_node *w = &nodes[i];
        if (!w->answered) {
            printf("%-5u %-12s no answer (%s)\n", w->node, "-",
                   w->outcome < 0 ? "no result" : xvios_rc_status_name((unsigned)w->outcome));
            continue;
        }
        if (w->nv == 0)
            printf("%-5u %-12s -\n", w->node, w->vios[0] ? w->vios : "-");
        for (unsigned k = 0; k < w->nv; k++) {
            const struct who_vhost *v = &w->v[k];
            printf("%-5u %-12s %-9s %-16s %-8u %-6u %-10s %-10s %s/%s\n", w->node, w->vios[0] ? w->vios : "-",
                   v->client_id, v->client, v->domid, v->devid, v->vdev, v->adapter_id, v->be_state, v->dev_state);
        }
        if (w->truncated)
            printf("%-5u (more vhosts than fit the answer)\n", w->node);
    }
    lu_pr_print_text(pr);
}

static void json_num_or_null(struct cli_json *j, const char *key, const char *s)
{
    cli_json_key(j, key);
    if (cli_json_is_uint(s, strlen(s)))
        cli_json_number(j, s, strlen(s));
    else
        cli_json_null(j);
}

static int print_json(const char *lu, const struct who_node *nodes, unsigned n, const struct lu_pr_view *pr)
{
    struct cli_json *j = cli_json_begin(stdout, CLI_JSON_SPACED);

    if (!j)
        return -ENOMEM;
    cli_json_map_open(j);
    cli_json_key(j, "lu");
    cli_json_str(j, lu);
    cli_json_key(j, "nodes");
    cli_json_array_open(j);
    for (unsigned i = 0; i < n; i++) {
        const struct who_node *w = &nodes[i];
        cli_json_map_open(j);
        cli_json_key(j, "node");
        cli_json_uint(j, w->node);
        cli_json_key(j, "answered");
        cli_json_bool(j, w->answered);
        if (!w->answered) {
            cli_json_key(j, "outcome");
            cli_json_str(j, w->outcome < 0 ? "no result" : xvios_rc_status_name((unsigned)w->outcome));
            cli_json_map_close(j);
            continue;
        }
        cli_json_key(j, "vios");
        cli_json_str(j, w->vios);
        cli_json_key(j, "truncated");
        cli_json_bool(j, w->truncated);
        cli_json_key(j, "vhosts");
        cli_json_array_open(j);
        for (unsigned k = 0; k < w->nv; k++) {
            const struct who_vhost *v = &w->v[k];
            cli_json_map_open(j);
            json_num_or_null(j, "client_id", v->client_id);
            cli_json_key(j, "client");
            cli_json_str(j, v->client);
            cli_json_key(j, "domid");
            cli_json_uint(j, v->domid);
            cli_json_key(j, "vhost");
            cli_json_uint(j, v->devid);
            cli_json_key(j, "vdev");
            cli_json_str(j, v->vdev);
            json_num_or_null(j, "adapter_id", v->adapter_id);
            json_num_or_null(j, "state", v->be_state);
            json_num_or_null(j, "lun_state", v->dev_state);
            cli_json_map_close(j);
        }
        cli_json_array_close(j);
        cli_json_map_close(j);
    }
    cli_json_array_close(j);
    lu_pr_print_json(j, pr);
    cli_json_map_close(j);
    return cli_json_end(j);
}

/* The node asked answers for itself. */
static int ask_self(xvios_client *c, const char *payload, size_t plen, uint32_t timeout_ms,
                    struct xvios_client_outcome *o)
{
    struct timespec dl = xvios_deadline_ms(10000u + timeout_ms);
    uint64_t h;
    int rc = xvios_client_query(c, XVIOS_MT_LU_WHO, payload, plen, timeout_ms, &h);

    return rc < 0 ? rc : xvios_client_collect(c, h, &dl, o);
}

int lu_who_run(const struct xvios_cli *cli_in, int argc, char **argv)
{
    static const struct option lo[] = { { "json", no_argument, NULL, 'j' }, { "via", required_argument, NULL, 'v' },
                                        { "timeout", required_argument, NULL, 'T' }, { "help", no_argument, NULL, 'h' },
                                        { 0, 0, 0, 0 } };
    struct xvios_cli cli = *cli_in;
    struct xvios_client_outcome self = { 0 }, all = { 0 };
    struct who_node *nodes = NULL;
    struct lu_pr_view pr = { 0 };
    unsigned n = 0;
    uint32_t timeout_ms = 0;
    xvios_client *c = NULL;
    char payload[96];
    const char *lu;
    int ch, rc, plen, code = XVIOS_EXIT_ERROR;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {   /* options before or after NAME */
        switch (ch) {
        case 'j': cli.json = true; break;
        case 'v':
            if (xvios_parse_u32(optarg, 1, XVIOS_NODE_ID_MAX, &cli.via) < 0)
                return lu_say(XVIOS_EXIT_USAGE, "--via takes a node id");
            break;
        case 'T':
            if (xvios_parse_u32(optarg, 1, 3600000u, &timeout_ms) < 0)
                return lu_say(XVIOS_EXIT_USAGE, "--timeout takes milliseconds");
            break;
        case 'h':
            printf("usage: xvios lu who NAME [--json] [--via N] [--timeout MS]\n");
            return XVIOS_EXIT_OK;
        default: return lu_say(XVIOS_EXIT_USAGE, "usage: xvios lu who NAME [--json] [--via N] [--timeout MS]");
        }
    }
    if (optind != argc - 1)
        return lu_say(XVIOS_EXIT_USAGE, "usage: xvios lu who NAME [--json] [--via N] [--timeout MS]");
    lu = argv[optind];
    if (!xvios_lu_name_ok(lu))
        return lu_say(LU_EXIT_NAME_INVALID, "'%s' is not a valid LU name", lu);
    plen = snprintf(payload, sizeof(payload), "lu=%s\n", lu);
    if ((rc = cli_connect(&cli, &c)) != XVIOS_EXIT_OK)
        return rc;
    rc = ask_self(c, payload, (size_t)plen, timeout_ms, &self);
    if (rc < 0 || self.status != XVIOS_ST_OK || self.n_resp != 1) {
        lu_say(XVIOS_EXIT_ERROR, "the node asked did not answer: %s",
               rc < 0 ? strerror(-rc) : xvios_status_name(self.status));
        code = rc < 0 ? cli_exit_for_errno(rc) : XVIOS_EXIT_ERROR;
        goto out;
    }
    {
        struct xvios_api_send s = { .flags = XVIOS_F_BROADCAST | XVIOS_F_RECEIPT | XVIOS_F_RESPONSE,
                                    .msg_type = XVIOS_MT_LU_WHO, .timeout_ms = timeout_ms, .payload = payload,
                                    .len = (size_t)plen };
        struct timespec dl = xvios_deadline_ms((uint64_t)(timeout_ms ? timeout_ms : 10000u) * 4u + 10000u);
        rc = xvios_client_send_wait(c, &s, &dl, &all);
        if (rc < 0) {
            lu_say(XVIOS_EXIT_ERROR, "asking the other nodes: %s", strerror(-rc));
            code = cli_exit_for_errno(rc);
            goto out;
        }
    }
    nodes = calloc(1u + all.n_rc + all.n_resp, sizeof(*nodes));
    if (!nodes)
        goto out;
    if (parse_answer(&self.resp[0], lu, &nodes[n]) < 0) {
        lu_say(XVIOS_EXIT_ERROR, "node %u sent a malformed answer", self.resp[0].node);
        goto out;
    }
    n++;
    for (unsigned i = 0; i < all.n_resp; i++) {
        bool dup = false;
        for (unsigned k = 0; k < n && !dup; k++)
            dup = nodes[k].node == all.resp[i].node;
        if (dup || all.resp[i].status != XVIOS_ST_OK)
            continue;
        if (parse_answer(&all.resp[i], lu, &nodes[n]) < 0) {
            fprintf(stderr, "xvios lu: node %u sent a malformed answer: listed as not answering\n", all.resp[i].node);
            free(nodes[n].v);
            memset(&nodes[n], 0, sizeof(nodes[n]));
            nodes[n].node = all.resp[i].node;
            nodes[n].outcome = -1;
        }
        n++;
    }
    for (unsigned i = 0; i < all.n_rc; i++) {
        bool seen = false;
        for (unsigned k = 0; k < n && !seen; k++)
            seen = nodes[k].node == all.rc[i].node;
        if (seen)
            continue;
        nodes[n].node = all.rc[i].node;
        nodes[n].outcome = all.rc[i].status == XVIOS_RC_DELIVERED ? -1 : all.rc[i].status;
        n++;
    }
    qsort(nodes, n, sizeof(*nodes), node_cmp);
    lu_pr_read(&cli, lu, &pr);   /* the cluster's one reservation state of the LU, from the DB */
    if (cli.json)
        rc = print_json(lu, nodes, n, &pr);
    else
        print_text(lu, nodes, n, &pr), rc = 0;
    code = rc < 0 ? XVIOS_EXIT_ERROR : XVIOS_EXIT_OK;
    for (unsigned i = 0; i < n && code == XVIOS_EXIT_OK; i++)
        if (!nodes[i].answered)
            code = XVIOS_EXIT_PARTIAL;   /* the list is not the whole cluster's */
out:
    lu_pr_view_free(&pr);
    for (unsigned i = 0; nodes && i < n; i++)
        free(nodes[i].v);
    free(nodes);
    xvios_client_outcome_dispose(&self);
    xvios_client_outcome_dispose(&all);
    xvios_client_close(c);
    return code;
}
