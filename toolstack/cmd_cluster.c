/* SPDX-License-Identifier: MIT */
/*
 * cmd_cluster.c - `xvios cluster`: dom0's administration of the cluster DB.
 *
 *   xvios cluster create NAME [--max-nodes N] [--timeout MS] [--retries N]
 *   xvios cluster add DOMAIN
 *   xvios cluster remove DOMAIN
 *   xvios cluster status [--json]
 *   xvios cluster destroy
 *   xvios --multihost CLUSTER cluster create NAME --multi-host | join DOMAIN | dump
 *
 * DOMAIN is what xl takes: a domain name or a domid. Works on both
 * platforms (cli->platform; on loopback the cluster root is cli->root),
 * always acting as the privileged domain. Everything goes through the
 * cluster DB API (xvios/db.h); refusals (exists already, not running,
 * unknown node, no cluster...) exit XVIOS_EXIT_REFUSED with one line on
 * stderr saying why.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_json.h"
#include "cli_mhdb.h"
#include "cluster_mh.h"
#include "cmds.h"
#include "xvios/db.h"
#include "xvios/platform.h"
#include "xvios/wire.h"
#include "xvios/xen.h"

#define CLUSTER_DEFAULT_MAX_NODES  16u
#define CLUSTER_DEFAULT_TIMEOUT_MS 5000u
#define CLUSTER_DEFAULT_RETRIES    3u
#define CLUSTER_TIMEOUT_MAX_MS     86400000u
#define CLUSTER_RETRIES_MAX        1000u

static const char usage_text[] =
    "usage: xvios cluster COMMAND [ARGS]\n"
    "\n"
    "  create NAME [--max-nodes N] [--timeout MS] [--retries N] [--max-timeout MS] [--multi-host]\n"
    "                      create the cluster DB (defaults: 16 nodes, 5000 ms, 3 retries); with\n"
    "                      --multi-host in the replicated DB of this host's corosync cluster\n"
    "  join DOMAIN         multi-host: make a running VIOS domain of this host a node\n"
    "  dump                multi-host: this host's synced copy of the replicated DB\n"
    "  add DOMAIN          make a running domain (name or domid) a cluster node\n"
    "  remove DOMAIN       take a node out of the cluster (name or domid)\n"
    "  status [--json]     show the cluster and its nodes\n"
    "  destroy             remove the whole cluster DB\n"
    "\n"
    "Each command takes --help. Exit status: 0 done, 1 error, 2 usage, 6 refused.\n";

static const char *const sub_usage[][2] = {
    {"create", "usage: xvios cluster create NAME [--max-nodes N] [--timeout MS] [--retries N] [--max-timeout MS]\n"
               "                            [--multi-host]\n"
               "  NAME         1-63 characters of A-Z a-z 0-9 . _ -\n"
               "  --max-nodes  most nodes the cluster takes (1-256, default 16)\n"
               "  --timeout    receipt/response deadline in ms (1-86400000, default 5000)\n"
               "  --retries    re-sends to nodes that did not acknowledge (0-1000, default 3)\n"
               "  --max-timeout the longest deadline a send may ask for, in ms (default 60000 or --timeout)\n"
               "  --multi-host the cluster spans hosts: created in the replicated DB (corosync group\n"
               "               xvios-db:NAME, or the --multihost CLUSTER given), nodes added with 'join'\n"},
    {"add", "usage: xvios cluster add DOMAIN\n"
            "  DOMAIN  a running domain other than dom0, by name or domid\n"},
    {"remove", "usage: xvios cluster remove DOMAIN\n"
               "  DOMAIN  a node's domain, by name or domid (the domain need not be running)\n"},
    {"status", "usage: xvios cluster status [--json]\n"},
    {"destroy", "usage: xvios cluster destroy\n"},
};

__attribute__((format(printf, 2, 3)))
static int refuse(int code, const char *fmt, ...)
{
    va_list ap;

    fputs("xvios cluster: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

/*
 * Xen only: members need READ on @releaseDomain to hear about vanished peers
 * (xvios/xen.h). Failing that is worth a warning, not a failed command: the
 * cluster works, peer deaths are then noticed by timeouts only. The members
 * the DB lists now are what the platform rebuilds the grants from when
 * xenstored cannot report them.
 */
static void release_watch(const struct xvios_cli *cli, xvios_plat *p, uint32_t domid, bool grant)
{
    struct xvios_db_node *nodes = NULL;
    uint32_t members[XVIOS_MAX_NODES];
    unsigned n = 0, k = 0;
    int rc;

    if (cli->platform != XVIOS_PLAT_XEN)
        return;
    if (xvios_db_nodes(p, &nodes, &n) < 0)
        n = 0;  /* no cluster (destroyed) or unreadable: nothing to keep */
    for (unsigned i = 0; i < n && k < XVIOS_MAX_NODES; i++)
        members[k++] = nodes[i].domid;
    free(nodes);
    rc = xvios_xen_release_watch_grant(p, domid, grant, members, k);
    if (rc < 0)
        fprintf(stderr, "xvios cluster: warning: cannot %s domain %u's @releaseDomain watch: %s\n",
                grant ? "allow" : "revoke", domid, strerror(-rc));
}

static int fail(const char *what, int rc)
{
    const char *why = cli_mhdb_why(rc);

    if (why)
        return refuse(rc == -EROFS ? XVIOS_EXIT_REFUSED : XVIOS_EXIT_ERROR, "%s: %s", what, why);
    if (rc == -EACCES || rc == -EPERM)
        return refuse(XVIOS_EXIT_ERROR, "%s: permission denied (run as root in dom0)", what);
    return refuse(XVIOS_EXIT_ERROR, "%s: %s", what, strerror(-rc));
}

static bool is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

static int sub_help(const char *sub, FILE *f)
{
    for (size_t i = 0; i < sizeof(sub_usage) / sizeof(sub_usage[0]); i++)
        if (!strcmp(sub_usage[i][0], sub)) {
            fputs(sub_usage[i][1], f);
            return 0;
        }
    fputs(usage_text, f);
    return 0;
}

__attribute__((format(printf, 2, 3)))
static int usage_error(const char *sub, const char *fmt, ...)
{
    va_list ap;

    fputs("xvios cluster: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    sub_help(sub, stderr);
    return XVIOS_EXIT_USAGE;
}

static bool cluster_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

/* The platform, and with --multihost the cluster's replicated DB next to it (cli_mhdb.h). */
static int open_platform(const struct xvios_cli *cli, xvios_plat **p)
{
    struct xvios_plat_config cfg = {.kind = cli->platform, .root = cli->root, .self_domid = 0};

    return cli_plat_open(cli, "xvios cluster", &cfg, p);
}

/* The cluster must exist for every command but create. */
static int need_cluster(xvios_plat *p, struct xvios_db_config *cfg)
{
    int rc = xvios_db_config_read(p, cfg);

    if (rc == -ENOENT)
        return refuse(XVIOS_EXIT_REFUSED, "there is no cluster (create one with 'xvios cluster create NAME')");
    if (rc < 0)
        return fail("reading the cluster configuration", rc);
    return 0;
}

/* ---------------------------------------------------------------- create */
static int do_create(const struct xvios_cli *cli, int argc, char **argv)
{
    struct xvios_db_config cfg = {
        .max_nodes = CLUSTER_DEFAULT_MAX_NODES,
        .timeout_ms = CLUSTER_DEFAULT_TIMEOUT_MS,
        .retries = CLUSTER_DEFAULT_RETRIES,
    };
    const char *name = NULL;
    struct xvios_cli mcli = *cli;
    bool multi = false;
    xvios_plat *p = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        uint32_t *dst = NULL, min = 0, max = 0;

        if (is_help(a))
            return sub_help("create", stdout);
        if (!strcmp(a, "--multi-host")) {
            multi = true;
            continue;
        }
        if (!strcmp(a, "--max-nodes") || !strcmp(a, "--timeout") || !strcmp(a, "--retries") ||
            !strcmp(a, "--max-timeout")) {
            if (i + 1 >= argc)
                return usage_error("create", "%s needs a value", a);
            val = argv[++i];
        } else if (!strncmp(a, "--max-nodes=", 12) || !strncmp(a, "--timeout=", 10) ||
                   !strncmp(a, "--retries=", 10) || !strncmp(a, "--max-timeout=", 14)) {
            val = strchr(a, '=') + 1;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("create", "unknown option %s", a);
        } else if (!name) {
            name = a;
            continue;
        } else {
            return usage_error("create", "unexpected argument %s", a);
        }
        if (!strncmp(a, "--max-nodes", 11)) {
            dst = &cfg.max_nodes, min = 1, max = XVIOS_MAX_NODES;
        } else if (!strncmp(a, "--max-timeout", 13)) {
            dst = &cfg.max_timeout_ms, min = 1, max = CLUSTER_TIMEOUT_MAX_MS;
        } else if (!strncmp(a, "--timeout", 9)) {
            dst = &cfg.timeout_ms, min = 1, max = CLUSTER_TIMEOUT_MAX_MS;
        } else {
            dst = &cfg.retries, min = 0, max = CLUSTER_RETRIES_MAX;
        }
        if (xvios_parse_u32(val, min, max, dst) < 0)
            return usage_error("create", "bad value for an option: %s", val);
    }
    if (!name)
        return usage_error("create", "%s", "missing the cluster NAME");
    if (!cluster_name_ok(name))
        return usage_error("create", "bad cluster name '%s'", name);
    snprintf(cfg.name, sizeof(cfg.name), "%s", name);
    if (multi && !mcli.mh_cluster)
        mcli.mh_cluster = name;   /* the replicated DB is found by the cluster's name */
    if (multi && strcmp(mcli.mh_cluster, name))
        return usage_error("create", "--multihost %s and the NAME %s differ", mcli.mh_cluster, name);
    if (!multi && mcli.mh_cluster)
        return usage_error("create", "%s", "a cluster in the replicated DB is created with --multi-host");

    rc = open_platform(&mcli, &p);
    if (rc)
        return rc;
    rc = xvios_db_cluster_create(p, &cfg);
    if (rc == 0 && multi) {
        uint32_t nodeid = 0;
        char host[CLUSTER_MH_HOST_NAME];
        if ((rc = cluster_mh_record_host(p, &nodeid, host, sizeof(host))) == 0)
            printf("multi-host: replicated DB xvios-db:%s, this host %s (corosync nodeid %u)\n", name, host,
                   nodeid);
        else
            xvios_db_cluster_destroy(p);   /* a multi-host cluster without its hosts table is not one */
    }
    if (rc == -EEXIST) {
        struct xvios_db_config old;
        if (xvios_db_config_read(p, &old) == 0)
            rc = refuse(XVIOS_EXIT_REFUSED, "a cluster exists already ('%s'); destroy it first", old.name);
        else
            rc = refuse(XVIOS_EXIT_REFUSED, "a cluster exists already; destroy it first");
    } else if (rc < 0) {
        rc = fail("creating the cluster", rc);
    } else {
        printf("created cluster %s (max-nodes %u, timeout %u ms, retries %u)\n", cfg.name, cfg.max_nodes,
               cfg.timeout_ms, cfg.retries);
        rc = XVIOS_EXIT_OK;
    }
    cli_plat_close(p);
    return rc;
}

/* The one DOMAIN argument of `add` / `remove` (or --help): 0 and *which set, or an exit code (-1 for help shown). */
static int one_domain_arg(const char *sub, int argc, char **argv, const char **which)
{
    *which = NULL;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i]))
            return sub_help(sub, stdout);
        if (argv[i][0] == '-' && argv[i][1])
            return usage_error(sub, "unknown option %s", argv[i]);
        if (*which)
            return usage_error(sub, "unexpected argument %s", argv[i]);
        *which = argv[i];
    }
    if (!*which)
        return usage_error(sub, "%s", "missing the DOMAIN");
    return -1;
}

/* ---------------------------------------------------------------- add */
static int do_add(const struct xvios_cli *cli, int argc, char **argv)
{
    struct xvios_db_config cfg;
    struct xvios_dominfo dom;
    const char *which = NULL;
    xvios_plat *p = NULL;
    uint32_t domid = 0, node = 0;
    int rc;

    rc = one_domain_arg("add", argc, argv, &which);
    if (rc >= 0 || !which)
        return rc;

    rc = open_platform(cli, &p);
    if (rc)
        return rc;
    if ((rc = need_cluster(p, &cfg)))
        goto out;
    if (cli->mh_cluster) {   /* the replicated DB's cluster spans hosts: ids (corosync nodeid << 8) | local */
        rc = refuse(XVIOS_EXIT_REFUSED, "cluster %s spans hosts: add a node with 'xvios --multihost %s cluster join "
                    "DOMAIN' on its host", cfg.name, cfg.name);
        goto out;
    }
    rc = xvios_plat_domain_lookup(p, which, &domid);
    if (rc == -ENOENT) {
        rc = refuse(XVIOS_EXIT_REFUSED, "no domain '%s'", which);
        goto out;
    }
    if (rc < 0) {
        rc = fail("looking up the domain", rc);
        goto out;
    }
    if (domid == 0) {
        rc = refuse(XVIOS_EXIT_REFUSED, "dom0 cannot be a cluster node: add a driver domain");
        goto out;
    }
    rc = xvios_plat_domain_info(p, domid, &dom);
    if (rc == -ENOENT || (rc == 0 && !dom.alive)) {
        rc = refuse(XVIOS_EXIT_REFUSED, "domain '%s' (domid %u) is not running", which, domid);
        goto out;
    }
    if (rc < 0) {
        rc = fail("reading the domain's state", rc);
        goto out;
    }
    rc = xvios_db_node_add(p, &dom, &node);
    if (rc == -EEXIST) {
        rc = refuse(XVIOS_EXIT_REFUSED, "domain '%s' (domid %u) is a cluster node already", which, domid);
    } else if (rc == -ENOSPC) {
        rc = refuse(XVIOS_EXIT_REFUSED, "the cluster is full (max-nodes %u)", cfg.max_nodes);
    } else if (rc == -ENOENT) {
        rc = refuse(XVIOS_EXIT_REFUSED, "there is no cluster (create one with 'xvios cluster create NAME')");
    } else if (rc < 0) {
        rc = fail("adding the node", rc);
    } else {
        release_watch(cli, p, domid, true);
        printf("added %s (domid %u) as node %u of cluster %s\n", dom.name[0] ? dom.name : which, domid, node,
               cfg.name);
        rc = XVIOS_EXIT_OK;
    }
out:
    cli_plat_close(p);
    return rc;
}

/* ---------------------------------------------------------------- remove */
/* The node for DOMAIN: by the name or domid recorded in the DB (works for a
 * domain that no longer runs), else through the platform's lookup. */
static int find_node(xvios_plat *p, const char *which, uint32_t *node, uint32_t *domid)
{
    struct xvios_db_node *nodes = NULL;
    unsigned n = 0;
    uint32_t id;
    bool numeric = xvios_parse_u32(which, 0, UINT32_MAX, &id) == 0;
    int rc = xvios_db_nodes(p, &nodes, &n);

    if (rc < 0)
        return rc;
    rc = -ENOENT;
    for (unsigned i = 0; i < n && rc == -ENOENT; i++)
        if ((numeric && nodes[i].domid == id) || (!numeric && !strcmp(nodes[i].name, which))) {
            *node = nodes[i].node;
            *domid = nodes[i].domid;
            rc = 0;
        }
    free(nodes);
    if (rc == 0)
        return 0;
    if (xvios_plat_domain_lookup(p, which, &id) == 0 && xvios_db_node_by_domid(p, id, node) == 0) {
        *domid = id;
        return 0;
    }
    return -ENOENT;
}

static int do_remove(const struct xvios_cli *cli, int argc, char **argv)
{
    struct xvios_db_config cfg;
    const char *which = NULL;
    xvios_plat *p = NULL;
    uint32_t node = 0, domid = 0;
    int rc;

    rc = one_domain_arg("remove", argc, argv, &which);
    if (rc >= 0 || !which)
        return rc;

    rc = open_platform(cli, &p);
    if (rc)
        return rc;
    if ((rc = need_cluster(p, &cfg)))
        goto out;
    rc = find_node(p, which, &node, &domid);
    if (rc == -ENOENT) {
        rc = refuse(XVIOS_EXIT_REFUSED, "'%s' is not a node of cluster %s", which, cfg.name);
        goto out;
    }
    if (rc < 0) {
        rc = fail("reading the cluster nodes", rc);
        goto out;
    }
    rc = xvios_db_node_remove(p, node);
    if (rc == -ENOENT) {
        rc = refuse(XVIOS_EXIT_REFUSED, "'%s' is not a node of cluster %s", which, cfg.name);
    } else if (rc < 0) {
        rc = fail("removing the node", rc);
    } else {
        release_watch(cli, p, domid, false);
        printf("removed node %u (domid %u) from cluster %s\n", node, domid, cfg.name);
        rc = XVIOS_EXIT_OK;
    }
out:
    cli_plat_close(p);
    return rc;
}

/* ---------------------------------------------------------------- status */
/* Text for the terminal: strip what could drive it. */
static void text_str(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        fputc(*c < 0x20 || *c >= 0x7f ? '?' : *c, f);
}

static const char *state_name(enum xvios_node_state s)
{
    return s == XVIOS_NODE_ACTIVE ? "active" : s == XVIOS_NODE_LEAVING ? "leaving" : "unknown";
}

/* Is the node's domain still the one that joined? A domid can be reused after a domain is destroyed. */
static bool node_alive(xvios_plat *p, const struct xvios_db_node *n)
{
    struct xvios_dominfo info;

    if (xvios_plat_domain_info(p, n->domid, &info) < 0 || !info.alive)
        return false;
    return !n->uuid[0] || !info.uuid[0] || !strcasecmp(n->uuid, info.uuid);
}

static int do_status(const struct xvios_cli *cli, int argc, char **argv)
{
    struct xvios_db_config cfg;
    struct xvios_db_node *nodes = NULL;
    unsigned n = 0;
    bool json = cli->json;
    xvios_plat *p = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i]))
            return sub_help("status", stdout);
        if (!strcmp(argv[i], "--json"))
            json = true;
        else
            return usage_error("status", "unexpected argument %s", argv[i]);
    }
    rc = open_platform(cli, &p);
    if (rc)
        return rc;
    if ((rc = need_cluster(p, &cfg)))
        goto out;
    rc = xvios_db_nodes(p, &nodes, &n);
    if (rc < 0) {
        rc = fail("reading the cluster nodes", rc);
        goto out;
    }
    if (json) {
        struct cli_json *j = cli_json_begin(stdout, CLI_JSON_COMPACT);
        if (!j) {
            rc = fail("writing the JSON output", -ENOMEM);
            goto out;
        }
        cli_json_map_open(j);
        cli_json_key(j, "name");
        cli_json_str(j, cfg.name);
        cli_json_key(j, "max_nodes");
        cli_json_uint(j, cfg.max_nodes);
        cli_json_key(j, "timeout_ms");
        cli_json_uint(j, cfg.timeout_ms);
        cli_json_key(j, "retries");
        cli_json_uint(j, cfg.retries);
        cli_json_key(j, "nodes");
        cli_json_array_open(j);
        for (unsigned i = 0; i < n; i++) {
            cli_json_map_open(j);
            cli_json_key(j, "node");
            cli_json_uint(j, nodes[i].node);
            cli_json_key(j, "domid");
            cli_json_uint(j, nodes[i].domid);
            cli_json_key(j, "name");
            cli_json_str(j, nodes[i].name);
            cli_json_key(j, "uuid");
            cli_json_str(j, nodes[i].uuid);
            cli_json_key(j, "state");
            cli_json_str(j, state_name(nodes[i].state));
            cli_json_key(j, "online");
            cli_json_bool(j, nodes[i].online);
            cli_json_key(j, "alive");
            cli_json_bool(j, node_alive(p, &nodes[i]));
            cli_json_map_close(j);
        }
        cli_json_array_close(j);
        cli_json_map_close(j);
        rc = cli_json_end(j);
        rc = rc ? fail("writing the JSON output", rc) : XVIOS_EXIT_OK;
        goto out;
    } else {
        printf("cluster ");
        text_str(stdout, cfg.name);
        printf(": %u of %u nodes, timeout %u ms, retries %u\n", n, cfg.max_nodes, cfg.timeout_ms, cfg.retries);
        if (n)
            printf("%-5s %-6s %-20s %-8s %-7s %-6s %s\n", "NODE", "DOMID", "NAME", "STATE", "ONLINE", "ALIVE",
                   "UUID");
        for (unsigned i = 0; i < n; i++) {
            printf("%-5u %-6u ", nodes[i].node, nodes[i].domid);
            text_str(stdout, nodes[i].name);
            printf("%*s %-8s %-7s %-6s ", (int)(strlen(nodes[i].name) < 20 ? 20 - strlen(nodes[i].name) : 0), "",
                   state_name(nodes[i].state), nodes[i].online ? "yes" : "no",
                   node_alive(p, &nodes[i]) ? "yes" : "no");
            text_str(stdout, nodes[i].uuid[0] ? nodes[i].uuid : "-");
            printf("\n");
        }
    }
    rc = fflush(stdout) == 0 ? XVIOS_EXIT_OK : XVIOS_EXIT_ERROR;
out:
    free(nodes);
    cli_plat_close(p);
    return rc;
}

/* ---------------------------------------------------------------- destroy */
static int do_destroy(const struct xvios_cli *cli, int argc, char **argv)
{
    struct xvios_db_node *nodes = NULL;
    unsigned n = 0;
    xvios_plat *p = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i]))
            return sub_help("destroy", stdout);
        return usage_error("destroy", "unexpected argument %s", argv[i]);
    }
    rc = open_platform(cli, &p);
    if (rc)
        return rc;
    if (xvios_db_nodes(p, &nodes, &n) < 0) /* whose @releaseDomain grants to take back */
        n = 0;
    rc = xvios_db_cluster_destroy(p);
    if (rc == -ENOENT)
        rc = refuse(XVIOS_EXIT_REFUSED, "there is no cluster to destroy");
    else if (rc < 0)
        rc = fail("destroying the cluster", rc);
    else {
        for (unsigned i = 0; i < n; i++)
            release_watch(cli, p, nodes[i].domid, false);
        printf("destroyed the cluster\n");
        rc = XVIOS_EXIT_OK;
    }
    free(nodes);
    cli_plat_close(p);
    return rc;
}

/* ---------------------------------------------------------------- entry */
int cmd_cluster(struct xvios_cli *cli, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(const struct xvios_cli *cli, int argc, char **argv);
    } subs[] = {
        {"create", do_create}, {"add", do_add}, {"remove", do_remove}, {"status", do_status}, {"destroy", do_destroy},
        {"join", cluster_mh_join}, {"dump", cluster_mh_dump},
    };

    /* argv[0] may be the command's own name ("cluster"), as for any subcommand */
    if (argc > 0 && !strcmp(argv[0], "cluster")) {
        argc--;
        argv++;
    }
    if (argc < 1) {
        fputs(usage_text, stderr);
        return XVIOS_EXIT_USAGE;
    }
    if (is_help(argv[0]) || !strcmp(argv[0], "help")) {
        fputs(usage_text, stdout);
        return XVIOS_EXIT_OK;
    }
    if (cli->platform == XVIOS_PLAT_LOOPBACK && (!cli->root || !cli->root[0])) {
        fputs("xvios cluster: the loopback platform needs --root DIR\n", stderr);
        return XVIOS_EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        if (!strcmp(argv[0], subs[i].name))
            return subs[i].fn(cli, argc, argv);
    fprintf(stderr, "xvios cluster: unknown command '%s'\n", argv[0]);
    fputs(usage_text, stderr);
    return XVIOS_EXIT_USAGE;
}
