/* SPDX-License-Identifier: MIT */
/*
 * test_cmd_cluster.c - `xvios cluster` (toolstack/cmd_cluster.c) against an
 * in-memory cluster DB and domain table: the platform and cluster DB calls
 * it makes are bound to the fakes below with -Wl,--wrap (see
 * test_cmd_cluster.wrap). Checks exit codes, the one-line refusals, what
 * reaches the DB, and the exact `status --json` document.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "toolstack/cmds.h"
#include "xvios/db.h"
#include "xvios/platform.h"

/* ---------------------------------------------------------------- fakes */
static int plat_token;
#define FAKE_PLAT ((xvios_plat *)&plat_token)

static struct {
    int open_rc;
    unsigned opens, closes;
    struct xvios_plat_config last_cfg;
    bool exists;
    struct xvios_db_config cfg;
    struct xvios_db_node nodes[8];
    unsigned n;
    uint32_t next_node;
    unsigned adds, removes;
    int grant_rc;
    unsigned grants;
    uint32_t granted[8];
} fk;

struct fdom {
    uint32_t domid;
    const char *name;
    const char *uuid;
    bool alive;
};
static struct fdom doms[] = {
    {0, "Domain-0", "00000000-0000-0000-0000-000000000000", true},
    {3, "vios1", "33333333-3333-3333-3333-333333333333", true},
    {4, "vios2", "44444444-4444-4444-4444-444444444444", true},
    {5, "stopped", "55555555-5555-5555-5555-555555555555", false},
    {6, "vios3", "66666666-6666-6666-6666-666666666666", true},
};
static unsigned ndoms = sizeof(doms) / sizeof(doms[0]);

int __wrap_xvios_plat_open(const struct xvios_plat_config *cfg, xvios_plat **out);
int __wrap_xvios_plat_open(const struct xvios_plat_config *cfg, xvios_plat **out)
{
    fk.last_cfg = *cfg;
    if (fk.open_rc < 0) {
        *out = NULL;
        return fk.open_rc;
    }
    fk.opens++;
    *out = FAKE_PLAT;
    return 0;
}

void __wrap_xvios_plat_close(xvios_plat *p);
void __wrap_xvios_plat_close(xvios_plat *p)
{
    if (!p)
        return;
    assert_ptr_equal(p, FAKE_PLAT);
    fk.closes++;
}

int __wrap_xvios_plat_domain_lookup(xvios_plat *p, const char *s, uint32_t *domid);
int __wrap_xvios_plat_domain_lookup(xvios_plat *p, const char *s, uint32_t *domid)
{
    assert_ptr_equal(p, FAKE_PLAT);
    for (unsigned i = 0; i < ndoms; i++) {
        char num[16];
        snprintf(num, sizeof(num), "%u", doms[i].domid);
        if (!strcmp(s, doms[i].name) || !strcmp(s, num)) {
            *domid = doms[i].domid;
            return 0;
        }
    }
    return -ENOENT;
}

int __wrap_xvios_plat_domain_info(xvios_plat *p, uint32_t domid, struct xvios_dominfo *out);
int __wrap_xvios_plat_domain_info(xvios_plat *p, uint32_t domid, struct xvios_dominfo *out)
{
    assert_ptr_equal(p, FAKE_PLAT);
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < ndoms; i++)
        if (doms[i].domid == domid) {
            out->domid = domid;
            snprintf(out->name, sizeof(out->name), "%s", doms[i].name);
            snprintf(out->uuid, sizeof(out->uuid), "%s", doms[i].uuid);
            out->alive = doms[i].alive;
            return 0;
        }
    return -ENOENT;
}

int __wrap_xvios_db_cluster_create(xvios_plat *p, const struct xvios_db_config *cfg);
int __wrap_xvios_db_cluster_create(xvios_plat *p, const struct xvios_db_config *cfg)
{
    assert_ptr_equal(p, FAKE_PLAT);
    if (fk.exists)
        return -EEXIST;
    fk.exists = true;
    fk.cfg = *cfg;
    fk.n = 0;
    fk.next_node = 1;
    return 0;
}

int __wrap_xvios_db_cluster_destroy(xvios_plat *p);
int __wrap_xvios_db_cluster_destroy(xvios_plat *p)
{
    assert_ptr_equal(p, FAKE_PLAT);
    if (!fk.exists)
        return -ENOENT;
    fk.exists = false;
    fk.n = 0;
    return 0;
}

int __wrap_xvios_db_config_read(xvios_plat *p, struct xvios_db_config *cfg);
int __wrap_xvios_db_config_read(xvios_plat *p, struct xvios_db_config *cfg)
{
    assert_ptr_equal(p, FAKE_PLAT);
    if (!fk.exists)
        return -ENOENT;
    *cfg = fk.cfg;
    return 0;
}

int __wrap_xvios_db_node_add(xvios_plat *p, const struct xvios_dominfo *dom, uint32_t *node_out);
int __wrap_xvios_db_node_add(xvios_plat *p, const struct xvios_dominfo *dom, uint32_t *node_out)
{
    assert_ptr_equal(p, FAKE_PLAT);
    if (!fk.exists)
        return -ENOENT;
    if (dom->domid == 0)
        return -EINVAL;
    for (unsigned i = 0; i < fk.n; i++)
        if (fk.nodes[i].domid == dom->domid)
            return -EEXIST;
    if (fk.n >= fk.cfg.max_nodes || fk.n >= 8)
        return -ENOSPC;
    struct xvios_db_node *n = &fk.nodes[fk.n++];
    memset(n, 0, sizeof(*n));
    n->node = fk.next_node++;
    n->domid = dom->domid;
    memcpy(n->name, dom->name, sizeof(n->name));
    memcpy(n->uuid, dom->uuid, sizeof(n->uuid));
    n->state = XVIOS_NODE_ACTIVE;
    *node_out = n->node;
    fk.adds++;
    return 0;
}

int __wrap_xvios_db_node_remove(xvios_plat *p, uint32_t node);
int __wrap_xvios_db_node_remove(xvios_plat *p, uint32_t node)
{
    assert_ptr_equal(p, FAKE_PLAT);
    for (unsigned i = 0; i < fk.n; i++)
        if (fk.nodes[i].node == node) {
            memmove(&fk.nodes[i], &fk.nodes[i + 1], (fk.n - i - 1) * sizeof(fk.nodes[0]));
            fk.n--;
            fk.removes++;
            return 0;
        }
    return -ENOENT;
}

int __wrap_xvios_db_nodes(xvios_plat *p, struct xvios_db_node **nodes, unsigned *n);
int __wrap_xvios_db_nodes(xvios_plat *p, struct xvios_db_node **nodes, unsigned *n)
{
    assert_ptr_equal(p, FAKE_PLAT);
    if (!fk.exists)
        return -ENOENT;
    *nodes = calloc(fk.n ? fk.n : 1, sizeof(**nodes));
    assert_non_null(*nodes);
    memcpy(*nodes, fk.nodes, fk.n * sizeof(**nodes));
    *n = fk.n;
    return 0;
}

int __wrap_xvios_db_node_by_domid(xvios_plat *p, uint32_t domid, uint32_t *node);
int __wrap_xvios_db_node_by_domid(xvios_plat *p, uint32_t domid, uint32_t *node)
{
    assert_ptr_equal(p, FAKE_PLAT);
    for (unsigned i = 0; i < fk.n; i++)
        if (fk.nodes[i].domid == domid) {
            *node = fk.nodes[i].node;
            return 0;
        }
    return -ENOENT;
}

/* The set of domains holding the @releaseDomain grant. */
int __wrap_xvios_xen_release_watch_grant(xvios_plat *p, uint32_t domid, bool grant, const uint32_t *members,
                                         unsigned n_members);
int __wrap_xvios_xen_release_watch_grant(xvios_plat *p, uint32_t domid, bool grant, const uint32_t *members,
                                         unsigned n_members)
{
    assert_ptr_equal(p, FAKE_PLAT);
    /* the members handed down are the DB's, as they are after the change */
    assert_int_equal(n_members, fk.n);
    for (unsigned i = 0; i < n_members; i++)
        assert_int_equal(members[i], fk.nodes[i].domid);
    fk.grants++;
    if (fk.grant_rc < 0)
        return fk.grant_rc;
    for (unsigned i = 0; i < 8; i++)
        if (grant ? fk.granted[i] == 0 : fk.granted[i] == domid) {
            fk.granted[i] = grant ? domid : 0;
            break;
        }
    return 0;
}

static bool has_grant(uint32_t domid)
{
    for (unsigned i = 0; i < 8; i++)
        if (fk.granted[i] == domid)
            return true;
    return false;
}

/* ---------------------------------------------------------------- running the command */
static char out_buf[8192], err_buf[8192];

static void slurp(FILE *f, char *buf, size_t n)
{
    size_t got;

    rewind(f);
    got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    fclose(f);
}

/* Run `xvios cluster ARGS...` (NULL-terminated) with stdout/stderr captured. */
static int run_cli(struct xvios_cli *cli, ...)
{
    char *argv[16];
    int argc = 0, rc, saved_out, saved_err;
    FILE *fo = tmpfile(), *fe = tmpfile();
    va_list ap;

    assert_non_null(fo);
    assert_non_null(fe);
    argv[argc++] = (char *)"cluster";
    va_start(ap, cli);
    for (char *a; (a = va_arg(ap, char *)) && argc < 15;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;

    fflush(stdout);
    fflush(stderr);
    saved_out = dup(STDOUT_FILENO);
    saved_err = dup(STDERR_FILENO);
    dup2(fileno(fo), STDOUT_FILENO);
    dup2(fileno(fe), STDERR_FILENO);
    unsigned opens = fk.opens, closes = fk.closes;
    rc = cmd_cluster(cli, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    slurp(fo, out_buf, sizeof(out_buf));
    slurp(fe, err_buf, sizeof(err_buf));
    /* every platform handle opened is closed again */
    assert_int_equal(fk.opens - opens, fk.closes - closes);
    return rc;
}

static struct xvios_cli xen_cli = {.platform = XVIOS_PLAT_XEN, .prog = "xvios"};
#define RUN(...) run_cli(&xen_cli, __VA_ARGS__, (char *)NULL)

static int setup(void **state)
{
    (void)state;
    memset(&fk, 0, sizeof(fk));
    xen_cli.json = false;
    return 0;
}

static void create_default(void)
{
    assert_int_equal(RUN("create", "prod"), XVIOS_EXIT_OK);
}

/* ---------------------------------------------------------------- tests */
static void test_create(void **state)
{
    (void)state;
    assert_int_equal(RUN("create", "prod", "--max-nodes", "4", "--timeout=2500", "--retries", "0"), XVIOS_EXIT_OK);
    assert_true(fk.exists);
    assert_string_equal(fk.cfg.name, "prod");
    assert_int_equal(fk.cfg.max_nodes, 4);
    assert_int_equal(fk.cfg.timeout_ms, 2500);
    assert_int_equal(fk.cfg.retries, 0);
    assert_non_null(strstr(out_buf, "created cluster prod"));
    assert_int_equal(fk.last_cfg.kind, XVIOS_PLAT_XEN);
    assert_int_equal(fk.last_cfg.self_domid, 0);
}

static void test_create_defaults_and_twice(void **state)
{
    (void)state;
    create_default();
    assert_int_equal(fk.cfg.max_nodes, 16);
    assert_int_equal(fk.cfg.timeout_ms, 5000);
    assert_int_equal(fk.cfg.retries, 3);
    assert_int_equal(RUN("create", "other"), XVIOS_EXIT_REFUSED);
    assert_non_null(strstr(err_buf, "exists already"));
    assert_non_null(strstr(err_buf, "'prod'"));
    assert_string_equal(fk.cfg.name, "prod");
    /* a refusal is one line */
    unsigned lines = 0;
    for (const char *c = err_buf; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 1);
    assert_int_equal(err_buf[strlen(err_buf) - 1], '\n');
}

static void test_create_usage_errors(void **state)
{
    (void)state;
    assert_int_equal(RUN("create"), XVIOS_EXIT_USAGE);
    assert_int_equal(RUN("create", "bad name"), XVIOS_EXIT_USAGE);
    assert_int_equal(RUN("create", "x", "--max-nodes", "0"), XVIOS_EXIT_USAGE);
    assert_int_equal(RUN("create", "x", "--max-nodes", "257"), XVIOS_EXIT_USAGE);
    assert_int_equal(RUN("create", "x", "--timeout", "5s"), XVIOS_EXIT_USAGE);
    assert_int_equal(RUN("create", "x", "--retries"), XVIOS_EXIT_USAGE);
    assert_int_equal(RUN("create", "x", "--frobnicate"), XVIOS_EXIT_USAGE);
    assert_int_equal(RUN("create", "x", "y"), XVIOS_EXIT_USAGE);
    assert_false(fk.exists);
    assert_int_equal(fk.opens, 0); /* nothing reached the store */
}

static void test_help(void **state)
{
    (void)state;
    assert_int_equal(RUN("--help"), XVIOS_EXIT_OK);
    assert_non_null(strstr(out_buf, "create NAME"));
    const char *subs[] = {"create", "add", "remove", "status", "destroy"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(RUN(subs[i], "--help"), XVIOS_EXIT_OK);
        assert_non_null(strstr(out_buf, "usage: xvios cluster"));
        assert_non_null(strstr(out_buf, subs[i]));
    }
    assert_int_equal(fk.opens, 0);
    assert_int_equal(RUN("frob"), XVIOS_EXIT_USAGE);
    assert_non_null(strstr(err_buf, "unknown command"));
}

static void test_add(void **state)
{
    (void)state;
    assert_int_equal(RUN("add", "vios1"), XVIOS_EXIT_REFUSED); /* no cluster yet */
    assert_non_null(strstr(err_buf, "no cluster"));
    create_default();
    assert_int_equal(RUN("add", "vios1"), XVIOS_EXIT_OK);
    assert_non_null(strstr(out_buf, "as node 1"));
    assert_int_equal(RUN("add", "4"), XVIOS_EXIT_OK); /* by domid */
    assert_int_equal(fk.n, 2);
    assert_int_equal(fk.nodes[1].domid, 4);
    assert_string_equal(fk.nodes[1].name, "vios2");
    assert_string_equal(fk.nodes[1].uuid, "44444444-4444-4444-4444-444444444444");
    assert_int_equal(RUN("add", "3"), XVIOS_EXIT_REFUSED);
    assert_non_null(strstr(err_buf, "already"));
    assert_int_equal(fk.n, 2);
}

static void test_add_refusals(void **state)
{
    (void)state;
    assert_int_equal(RUN("create", "small", "--max-nodes", "1"), XVIOS_EXIT_OK);
    assert_int_equal(RUN("add", "Domain-0"), XVIOS_EXIT_REFUSED);
    assert_non_null(strstr(err_buf, "dom0"));
    assert_int_equal(RUN("add", "0"), XVIOS_EXIT_REFUSED);
    assert_int_equal(RUN("add", "stopped"), XVIOS_EXIT_REFUSED);
    assert_non_null(strstr(err_buf, "not running"));
    assert_int_equal(RUN("add", "nosuch"), XVIOS_EXIT_REFUSED);
    assert_non_null(strstr(err_buf, "no domain"));
    assert_int_equal(fk.adds, 0);
    assert_int_equal(RUN("add", "vios1"), XVIOS_EXIT_OK);
    assert_int_equal(RUN("add", "vios2"), XVIOS_EXIT_REFUSED);
    assert_non_null(strstr(err_buf, "full"));
    assert_int_equal(RUN("add"), XVIOS_EXIT_USAGE);
    assert_int_equal(RUN("add", "a", "b"), XVIOS_EXIT_USAGE);
}

static void test_remove(void **state)
{
    (void)state;
    assert_int_equal(RUN("remove", "vios1"), XVIOS_EXIT_REFUSED);
    create_default();
    assert_int_equal(RUN("add", "vios1"), XVIOS_EXIT_OK);
    assert_int_equal(RUN("add", "vios2"), XVIOS_EXIT_OK);
    assert_int_equal(RUN("add", "vios3"), XVIOS_EXIT_OK);
    assert_int_equal(RUN("remove", "vios9"), XVIOS_EXIT_REFUSED);
    assert_non_null(strstr(err_buf, "not a node"));
    assert_int_equal(RUN("remove", "stopped"), XVIOS_EXIT_REFUSED); /* a domain, but no node */
    assert_int_equal(RUN("remove", "vios2"), XVIOS_EXIT_OK);
    assert_non_null(strstr(out_buf, "removed node 2 (domid 4)"));
    assert_int_equal(RUN("remove", "3"), XVIOS_EXIT_OK);
    assert_int_equal(fk.n, 1);
    assert_int_equal(fk.nodes[0].domid, 6);
    /* a node whose domain is gone is still removable by its recorded name */
    doms[4].name = "renamed";
    assert_int_equal(RUN("remove", "vios3"), XVIOS_EXIT_OK);
    doms[4].name = "vios3";
    assert_int_equal(fk.n, 0);
    assert_int_equal(RUN("remove", "vios3"), XVIOS_EXIT_REFUSED);
}

static void test_status_json_exact(void **state)
{
    (void)state;
    assert_int_equal(RUN("status", "--json"), XVIOS_EXIT_REFUSED);
    assert_int_equal(RUN("create", "prod", "--max-nodes", "8", "--timeout", "1500", "--retries", "2"), XVIOS_EXIT_OK);
    assert_int_equal(RUN("status", "--json"), XVIOS_EXIT_OK);
    assert_string_equal(out_buf, "{\"name\":\"prod\",\"max_nodes\":8,\"timeout_ms\":1500,\"retries\":2,\"nodes\":[]}\n");
    assert_int_equal(RUN("add", "vios1"), XVIOS_EXIT_OK);
    assert_int_equal(RUN("add", "vios2"), XVIOS_EXIT_OK);
    fk.nodes[0].online = true;
    /* node 2's domid now belongs to another domain (destroyed and reused): not alive */
    snprintf(fk.nodes[1].uuid, sizeof(fk.nodes[1].uuid), "%s", "99999999-9999-9999-9999-999999999999");
    fk.nodes[1].state = XVIOS_NODE_LEAVING;
    assert_int_equal(RUN("status", "--json"), XVIOS_EXIT_OK);
    assert_string_equal(out_buf,
                        "{\"name\":\"prod\",\"max_nodes\":8,\"timeout_ms\":1500,\"retries\":2,\"nodes\":["
                        "{\"node\":1,\"domid\":3,\"name\":\"vios1\",\"uuid\":\"33333333-3333-3333-3333-333333333333\","
                        "\"state\":\"active\",\"online\":true,\"alive\":true},"
                        "{\"node\":2,\"domid\":4,\"name\":\"vios2\",\"uuid\":\"99999999-9999-9999-9999-999999999999\","
                        "\"state\":\"leaving\",\"online\":false,\"alive\":false}]}\n");
    /* the global --json does the same */
    xen_cli.json = true;
    assert_int_equal(RUN("status"), XVIOS_EXIT_OK);
    assert_int_equal(out_buf[0], '{');
}

static void test_status_json_escapes(void **state)
{
    (void)state;
    create_default();
    assert_int_equal(RUN("add", "vios1"), XVIOS_EXIT_OK);
    snprintf(fk.nodes[0].name, sizeof(fk.nodes[0].name), "%s", "a\"b\\c\x01");
    assert_int_equal(RUN("status", "--json"), XVIOS_EXIT_OK);
    assert_non_null(strstr(out_buf, "\"name\":\"a\\\"b\\\\c\\u0001\""));
    /* text output neutralises control characters */
    assert_int_equal(RUN("status"), XVIOS_EXIT_OK);
    assert_null(strchr(out_buf, '\x01'));
    assert_non_null(strstr(out_buf, "NODE"));
}

static void test_status_text(void **state)
{
    (void)state;
    create_default();
    assert_int_equal(RUN("add", "vios1"), XVIOS_EXIT_OK);
    assert_int_equal(RUN("status"), XVIOS_EXIT_OK);
    assert_non_null(strstr(out_buf, "cluster prod: 1 of 16 nodes"));
    assert_non_null(strstr(out_buf, "vios1"));
    assert_non_null(strstr(out_buf, "33333333-3333-3333-3333-333333333333"));
    assert_int_equal(RUN("status", "extra"), XVIOS_EXIT_USAGE);
}

static void test_destroy(void **state)
{
    (void)state;
    assert_int_equal(RUN("destroy"), XVIOS_EXIT_REFUSED);
    assert_non_null(strstr(err_buf, "no cluster"));
    create_default();
    assert_int_equal(RUN("destroy", "now"), XVIOS_EXIT_USAGE);
    assert_true(fk.exists);
    assert_int_equal(RUN("destroy"), XVIOS_EXIT_OK);
    assert_false(fk.exists);
}

static void test_release_watch_grants(void **state)
{
    struct xvios_cli loop = {.platform = XVIOS_PLAT_LOOPBACK, .root = "/tmp/xvios-test-root"};

    (void)state;
    create_default();
    assert_int_equal(RUN("add", "vios1"), XVIOS_EXIT_OK);
    assert_int_equal(RUN("add", "vios2"), XVIOS_EXIT_OK);
    assert_true(has_grant(3));
    assert_true(has_grant(4));
    assert_int_equal(RUN("remove", "vios1"), XVIOS_EXIT_OK);
    assert_false(has_grant(3));
    assert_true(has_grant(4));
    assert_int_equal(RUN("destroy"), XVIOS_EXIT_OK);
    assert_false(has_grant(4));
    /* a failing grant is a warning, the node is still added */
    fk.grant_rc = -EACCES;
    create_default();
    assert_int_equal(RUN("add", "vios3"), XVIOS_EXIT_OK);
    assert_non_null(strstr(err_buf, "warning"));
    assert_int_equal(fk.n, 1);
    /* loopback has no such thing */
    unsigned before = fk.grants;
    assert_int_equal(run_cli(&loop, "add", "vios1", (char *)NULL), XVIOS_EXIT_OK);
    assert_int_equal(fk.grants, before);
}

static void test_platform_selection(void **state)
{
    struct xvios_cli loop = {.platform = XVIOS_PLAT_LOOPBACK, .root = "/tmp/xvios-test-root"};
    struct xvios_cli loop_noroot = {.platform = XVIOS_PLAT_LOOPBACK};
    char *argv[] = {(char *)"status", NULL};

    (void)state;
    assert_int_equal(run_cli(&loop, "create", "lb", (char *)NULL), XVIOS_EXIT_OK);
    assert_int_equal(fk.last_cfg.kind, XVIOS_PLAT_LOOPBACK);
    assert_string_equal(fk.last_cfg.root, "/tmp/xvios-test-root");
    assert_int_equal(fk.last_cfg.self_domid, 0);
    assert_int_equal(run_cli(&loop_noroot, "status", (char *)NULL), XVIOS_EXIT_USAGE);
    /* argv without the command's own name works too */
    assert_int_equal(cmd_cluster(&loop, 1, argv), XVIOS_EXIT_OK);
    fk.open_rc = -ENOENT;
    assert_int_equal(RUN("status"), XVIOS_EXIT_UNREACHABLE);
    assert_non_null(strstr(err_buf, "XenStore"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_create, setup),
        cmocka_unit_test_setup(test_create_defaults_and_twice, setup),
        cmocka_unit_test_setup(test_create_usage_errors, setup),
        cmocka_unit_test_setup(test_help, setup),
        cmocka_unit_test_setup(test_add, setup),
        cmocka_unit_test_setup(test_add_refusals, setup),
        cmocka_unit_test_setup(test_remove, setup),
        cmocka_unit_test_setup(test_status_json_exact, setup),
        cmocka_unit_test_setup(test_status_json_escapes, setup),
        cmocka_unit_test_setup(test_status_text, setup),
        cmocka_unit_test_setup(test_destroy, setup),
        cmocka_unit_test_setup(test_release_watch_grants, setup),
        cmocka_unit_test_setup(test_platform_selection, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
