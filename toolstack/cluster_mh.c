/* SPDX-License-Identifier: MIT */
/*
 * cluster_mh.c - `xvios cluster join` and `dump` on a multi-host cluster,
 * and the hosts table (cluster_mh.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_json.h"
#include "cli_mhdb.h"
#include "cluster_mh.h"
#include "xvios/db.h"
#include "xvios/parse.h"

#define JOIN_TRIES 8u   /* another host's join may take the same id between our read and our commit */

static bool host_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= CLUSTER_MH_HOST_NAME)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '/')
            return false;
    return true;
}

void cluster_mh_host_of(xvios_plat *p, uint32_t node, uint32_t *nodeid, char *name, size_t cap)
{
    char path[64], *val = NULL;
    size_t len = 0;

    *nodeid = node >> 8;
    snprintf(name, cap, "-");
    snprintf(path, sizeof(path), CLUSTER_MH_HOSTS "/%u", *nodeid);
    if (xvios_store_read(p, XVIOS_TX_NONE, path, &val, &len) == 0 && len < cap && memchr(val, '\0', len) == NULL) {
        memcpy(name, val, len);
        name[len] = '\0';
        if (!host_name_ok(name))
            snprintf(name, cap, "?");
    }
    free(val);
}

bool cluster_mh_is_multihost(xvios_plat *p)
{
    char **names = NULL;
    unsigned n = 0;

    if (xvios_store_list(p, XVIOS_TX_NONE, CLUSTER_MH_HOSTS, &names, &n) < 0)
        return false;
    for (unsigned i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return true;
}

int cluster_mh_record_host(xvios_plat *p, uint32_t *nodeid, char *name, size_t cap)
{
    xvios_rdb *r = cli_plat_rdb(p);
    struct xvios_rdb_status st;
    char path[64];
    int rc;

    if (!r)
        return -EINVAL;
    xvios_rdb_status(r, &st);
    *nodeid = st.nodeid;
    if (st.nodeid == 0 || st.nodeid > CLUSTER_MH_NODEID_MAX)
        return -ERANGE;
    rc = xvios_rdb_host_name(r, name, cap);
    if (rc < 0 || !host_name_ok(name)) {
        /* corosync.conf without a name for this node: the system's host name */
        if (gethostname(name, cap) < 0 || !host_name_ok(name))
            snprintf(name, cap, "node%u", st.nodeid);
    }
    snprintf(path, sizeof(path), CLUSTER_MH_HOSTS "/%u", st.nodeid);
    return xvios_store_write(p, XVIOS_TX_NONE, path, name, strlen(name));
}

__attribute__((format(printf, 2, 3)))
static int say(int code, const char *fmt, ...)
{
    va_list ap;

    fputs("xvios cluster: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

static int db_error(const char *what, int rc)
{
    const char *why = cli_mhdb_why(rc);

    return say(rc == -EROFS ? XVIOS_EXIT_REFUSED : XVIOS_EXIT_ERROR, "%s: %s", what, why ? why : strerror(-rc));
}

/* The lowest free local number 1..255 of host nodeid among nodes: its id, or 0 when the host is full. */
static uint32_t free_id(uint32_t nodeid, const struct xvios_db_node *nodes, unsigned n)
{
    for (uint32_t local = 1; local <= 255; local++) {
        uint32_t id = (nodeid << 8) | local;
        bool taken = false;
        for (unsigned i = 0; i < n && !taken; i++)
            taken = nodes[i].node == id;
        if (!taken)
            return id;
    }
    return 0;
}

int cluster_mh_join(const struct xvios_cli *cli, int argc, char **argv)
{
    struct xvios_plat_config pc = { .kind = cli->platform, .root = cli->root, .self_domid = 0 };
    struct xvios_db_config cfg;
    struct xvios_dominfo dom;
    struct xvios_db_node *nodes = NULL;
    const char *which = NULL;
    char host[CLUSTER_MH_HOST_NAME];
    xvios_plat *p = NULL;
    uint32_t domid = 0, nodeid = 0, node = 0, existing;
    unsigned n = 0;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: xvios --multihost CLUSTER cluster join DOMAIN\n"
                   "  a running VIOS domain of this host (name or domid) becomes a node of the multi-host\n"
                   "  cluster, its id (corosync nodeid << 8) | local, its host recorded with it\n");
            return XVIOS_EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1])
            return say(XVIOS_EXIT_USAGE, "unknown option %s", argv[i]);
        if (which)
            return say(XVIOS_EXIT_USAGE, "unexpected argument %s", argv[i]);
        which = argv[i];
    }
    if (!which)
        return say(XVIOS_EXIT_USAGE, "join: missing the DOMAIN");
    if (!cli->mh_cluster)
        return say(XVIOS_EXIT_USAGE, "join is for a multi-host cluster: give --multihost CLUSTER (or XVIOS_MULTIHOST)");
    if ((rc = cli_plat_open(cli, "xvios cluster", &pc, &p)) != 0)
        return rc;
    rc = xvios_db_config_read(p, &cfg);
    if (rc == -ENOENT) {
        rc = say(XVIOS_EXIT_REFUSED, "the replicated DB holds no cluster %s: create it ('cluster create %s "
                 "--multi-host'), or start a VIOS of a host that is in it so this host can sync",
                 cli->mh_cluster, cli->mh_cluster);
        goto out;
    }
    if (rc < 0) {
        rc = db_error("reading the cluster configuration", rc);
        goto out;
    }
    if (!cluster_mh_is_multihost(p)) {
        rc = say(XVIOS_EXIT_REFUSED, "cluster %s was not created with --multi-host", cfg.name);
        goto out;
    }
    rc = xvios_plat_domain_lookup(p, which, &domid);
    if (rc == 0 && domid == 0)
        rc = -EINVAL;
    if (rc == 0 && (rc = xvios_plat_domain_info(p, domid, &dom)) == 0 && !dom.alive)
        rc = -ESRCH;
    if (rc < 0) {
        rc = say(XVIOS_EXIT_REFUSED, "no running domain '%s' other than dom0 on this host", which);
        goto out;
    }
    if (xvios_db_node_by_domid(p, domid, &existing) == 0) {
        rc = say(XVIOS_EXIT_REFUSED, "domain '%s' (domid %u) is node %u of cluster %s already", which, domid,
                 existing, cfg.name);
        goto out;
    }
    if ((rc = cluster_mh_record_host(p, &nodeid, host, sizeof(host))) < 0) {
        rc = rc == -ERANGE ? say(XVIOS_EXIT_REFUSED, "this host's corosync nodeid %u is not 1..%u", nodeid,
                                 CLUSTER_MH_NODEID_MAX)
                           : db_error("recording this host", rc);
        goto out;
    }
    rc = -EEXIST;
    for (unsigned t = 0; t < JOIN_TRIES && rc == -EEXIST; t++) {
        free(nodes);
        nodes = NULL;
        if ((rc = xvios_db_nodes(p, &nodes, &n)) < 0)
            break;
        if (!(node = free_id(nodeid, nodes, n))) {
            rc = -ENOSPC;
            break;
        }
        rc = xvios_db_node_add_id(p, &dom, node);
        if (rc == -EEXIST && xvios_db_node_by_domid(p, domid, &existing) == 0)
            break;   /* the domain itself joined meanwhile, not an id race */
    }
    if (rc == -EEXIST)
        rc = say(XVIOS_EXIT_REFUSED, "domain '%s' (domid %u) is a cluster node already", which, domid);
    else if (rc == -ENOSPC)
        rc = say(XVIOS_EXIT_REFUSED, "the cluster is full (max-nodes %u, or 255 nodes on this host)", cfg.max_nodes);
    else if (rc < 0)
        rc = db_error("adding the node", rc);
    else {
        printf("joined %s (domid %u) as node %u of cluster %s on host %s (corosync nodeid %u)\n",
               dom.name[0] ? dom.name : which, domid, node, cfg.name, host, nodeid);
        rc = XVIOS_EXIT_OK;
    }
out:
    free(nodes);
    cli_plat_close(p);
    return rc;
}

int cluster_mh_dump(const struct xvios_cli *cli, int argc, char **argv)
{
    struct xvios_plat_config pc = { .kind = cli->platform, .root = cli->root, .self_domid = 0 };
    xvios_plat *p = NULL;
    int rc;

    if (argc > 1) {
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
            printf("usage: xvios --multihost CLUSTER cluster dump\n"
                   "  this host's copy of the replicated DB once synced, one node a line, then its version\n"
                   "  and content hash: hosts with the same copy print the same text\n");
            return XVIOS_EXIT_OK;
        }
        return say(XVIOS_EXIT_USAGE, "dump: unexpected argument %s", argv[1]);
    }
    if (!cli->mh_cluster)
        return say(XVIOS_EXIT_USAGE, "dump is for a multi-host cluster: give --multihost CLUSTER");
    if ((rc = cli_plat_open(cli, "xvios cluster", &pc, &p)) != 0)
        return rc;
    rc = xvios_rdb_dump(cli_plat_rdb(p), stdout);
    rc = rc < 0 ? db_error("dumping the copy", rc) : fflush(stdout) ? XVIOS_EXIT_ERROR : XVIOS_EXIT_OK;
    cli_plat_close(p);
    return rc;
}

static const char *state_word(enum xvios_node_state s)
{
    return s == XVIOS_NODE_ACTIVE ? "active" : s == XVIOS_NODE_LEAVING ? "leaving" : "unknown";
}

static void text_str(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        putchar(*c < 0x20 || *c >= 0x7f ? '?' : *c);
}

int cluster_mh_nodes(const struct xvios_cli *cli, bool json)
{
    struct xvios_plat_config pc = { .kind = cli->platform, .root = cli->root, .self_domid = 0 };
    struct xvios_db_config cfg;
    struct xvios_db_node *nodes = NULL;
    xvios_plat *p = NULL;
    unsigned n = 0;
    int rc;

    if ((rc = cli_plat_open(cli, "xvios nodes", &pc, &p)) != 0)
        return rc;
    if ((rc = xvios_db_config_read(p, &cfg)) < 0 || (rc = xvios_db_nodes(p, &nodes, &n)) < 0) {
        fprintf(stderr, "xvios nodes: %s\n", rc == -ENOENT ? "the replicated DB holds no cluster" : strerror(-rc));
        rc = rc == -ENOENT ? XVIOS_EXIT_REFUSED : XVIOS_EXIT_ERROR;
        goto out;
    }
    if (json) {
        struct cli_json *j = cli_json_begin(stdout, CLI_JSON_COMPACT);
        if (!j) {
            rc = XVIOS_EXIT_ERROR;
            goto out;
        }
        cli_json_map_open(j);
        cli_json_key(j, "cluster");
        cli_json_str(j, cfg.name);
        cli_json_key(j, "nodes");
        cli_json_array_open(j);
        for (unsigned i = 0; i < n; i++) {
            char host[CLUSTER_MH_HOST_NAME];
            uint32_t nodeid;
            cluster_mh_host_of(p, nodes[i].node, &nodeid, host, sizeof(host));
            cli_json_map_open(j);
            cli_json_key(j, "node");
            cli_json_uint(j, nodes[i].node);
            cli_json_key(j, "domid");
            cli_json_uint(j, nodes[i].domid);
            cli_json_key(j, "name");
            cli_json_str(j, nodes[i].name);
            cli_json_key(j, "state");
            cli_json_str(j, state_word(nodes[i].state));
            cli_json_key(j, "online");
            cli_json_bool(j, nodes[i].online);
            cli_json_key(j, "host_nodeid");
            cli_json_uint(j, nodeid);
            cli_json_key(j, "host");
            cli_json_str(j, host);
            cli_json_map_close(j);
        }
        cli_json_array_close(j);
        cli_json_map_close(j);
        rc = cli_json_end(j) ? XVIOS_EXIT_ERROR : XVIOS_EXIT_OK;
        goto out;
    }
    printf("cluster ");
    text_str(cfg.name);
    printf(": %u nodes (from the replicated DB)\n", n);
    if (n)
        printf("%-10s %-6s %-20s %-8s %-7s %-7s %s\n", "NODE", "DOMID", "NAME", "STATE", "ONLINE", "NODEID", "HOST");
    for (unsigned i = 0; i < n; i++) {
        char host[CLUSTER_MH_HOST_NAME];
        uint32_t nodeid;
        cluster_mh_host_of(p, nodes[i].node, &nodeid, host, sizeof(host));
        printf("%-10u %-6u ", nodes[i].node, nodes[i].domid);
        text_str(nodes[i].name);
        printf("%*s %-8s %-7s %-7u ", (int)(strlen(nodes[i].name) < 20 ? 20 - strlen(nodes[i].name) : 0), "",
               state_word(nodes[i].state), nodes[i].online ? "yes" : "no", nodeid);
        text_str(host);
        putchar('\n');
    }
    rc = fflush(stdout) ? XVIOS_EXIT_ERROR : XVIOS_EXIT_OK;
out:
    free(nodes);
    cli_plat_close(p);
    return rc;
}
