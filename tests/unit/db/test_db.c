/* SPDX-License-Identifier: MIT */
/*
 * test_db.c - the cluster DB on the loopback store: create/destroy/config,
 * node add/remove/list/get/by_domid/online, the exact permission lists of
 * docs/xenstore.md, what members and non-members may do, the error cases,
 * concurrent adds from several processes, and the layout helpers for
 * readers above the DB (watches, node/client ids, entry paths).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/db.h"
#include "xvios/loopback.h"

static const struct xvios_db_config cfg3 = { .name = "test-cluster", .max_nodes = 3, .timeout_ms = 2000, .retries = 2 };


/* Register a loopback domain and add it as a node; returns the node id. */
static uint32_t add_vios(struct loop_fixture *f, uint32_t domid, const char *name)
{
    struct xvios_dominfo info;
    uint32_t node = 0;

    assert_int_equal(xvios_loop_domain_create(f->dom0, domid, name), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, domid, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    assert_true(node >= 1);
    return node;
}

static void want_perms(xvios_plat *p, const char *path, const struct xvios_perm *want, unsigned n)
{
    struct xvios_perm *got = NULL;
    unsigned gn = 0;

    assert_int_equal(xvios_store_get_perms(p, XVIOS_TX_NONE, path, &got, &gn), 0);
    if (gn != n)
        print_error("%s: %u entries, expected %u\n", path, gn, n);
    assert_int_equal(gn, n);
    for (unsigned i = 0; i < n; i++) {
        if (got[i].domid != want[i].domid || got[i].perm != want[i].perm)
            print_error("%s: entry %u is %u/%d, expected %u/%d\n", path, i, got[i].domid, got[i].perm,
                        want[i].domid, want[i].perm);
        assert_int_equal(got[i].domid, want[i].domid);
        assert_int_equal(got[i].perm, want[i].perm);
    }
    free(got);
}

/* The cluster's maximum send timeout: default, explicit, checked at create, defaulted when absent. */
static void test_config_max_timeout(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_config got, c = cfg3;

    c.max_timeout_ms = 1999;   /* shorter than the default deadline */
    assert_int_equal(xvios_db_cluster_create(f->dom0, &c), -EINVAL);
    c.max_timeout_ms = 86400001;
    assert_int_equal(xvios_db_cluster_create(f->dom0, &c), -EINVAL);
    c.max_timeout_ms = 0;
    c.timeout_ms = 90000;      /* a default deadline past the default maximum raises the maximum */
    assert_int_equal(xvios_db_cluster_create(f->dom0, &c), 0);
    assert_int_equal(xvios_db_config_read(f->dom0, &got), 0);
    assert_int_equal(got.max_timeout_ms, 90000);
    assert_int_equal(xvios_db_cluster_destroy(f->dom0), 0);

    c = cfg3;
    c.max_timeout_ms = 5000;
    assert_int_equal(xvios_db_cluster_create(f->dom0, &c), 0);
    assert_int_equal(xvios_db_config_read(f->dom0, &got), 0);
    assert_int_equal(got.max_timeout_ms, 5000);
    /* a cluster made before the key existed: the default */
    assert_int_equal(xvios_store_rm(f->dom0, XVIOS_TX_NONE, "/xvios/config/max-timeout-ms"), 0);
    assert_int_equal(xvios_db_config_read(f->dom0, &got), 0);
    assert_int_equal(got.max_timeout_ms, XVIOS_DB_DEFAULT_MAX_TIMEOUT_MS);
    /* garbage there is refused, not trusted */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/config/max-timeout-ms", "9x", 2), 0);
    assert_int_equal(xvios_db_config_read(f->dom0, &got), -EIO);
    assert_int_equal(xvios_db_cluster_destroy(f->dom0), 0);
}

static void test_create_config_destroy(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_config got;
    struct xvios_db_config bad = cfg3;
    const struct xvios_perm dom0_only[] = { { 0, XVIOS_PERM_NONE } };

    assert_int_equal(xvios_db_config_read(f->dom0, &got), -ENOENT);
    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg3), 0);
    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg3), -EEXIST);
    assert_int_equal(xvios_db_config_read(f->dom0, &got), 0);
    assert_string_equal(got.name, "test-cluster");
    assert_int_equal(got.max_nodes, 3);
    assert_int_equal(got.timeout_ms, 2000);
    assert_int_equal(got.retries, 2);
    assert_int_equal(got.max_timeout_ms, XVIOS_DB_DEFAULT_MAX_TIMEOUT_MS);
    /* a fresh cluster: everything dom0's, nobody else's */
    const char *paths[] = { "/xvios", "/xvios/config", "/xvios/config/name", "/xvios/config/max-nodes",
                            "/xvios/config/timeout-ms", "/xvios/config/retries", "/xvios/config/max-timeout-ms",
                            "/xvios/next-node-id",
                            "/xvios/nodes", "/xvios/clients", "/xvios/adapters", "/xvios/client-uuids",
                            "/xvios/adapter-keys", "/xvios/next-client-id",
                            "/xvios/next-adapter-id" };
    for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        want_perms(f->dom0, paths[i], dom0_only, 1);

    bad.max_nodes = 0;
    assert_int_equal(xvios_db_cluster_create(f->dom0, &bad), -EINVAL);
    bad = cfg3;
    bad.name[0] = '\0';
    assert_int_equal(xvios_db_cluster_create(f->dom0, &bad), -EINVAL);

    /* damaged config values are refused, not trusted */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/config/max-nodes", "3x", 2), 0);
    assert_int_equal(xvios_db_config_read(f->dom0, &got), -EIO);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/config/max-nodes", "9999", 4), 0);
    assert_int_equal(xvios_db_config_read(f->dom0, &got), -EIO);

    assert_int_equal(xvios_db_cluster_destroy(f->dom0), 0);
    assert_int_equal(xvios_db_cluster_destroy(f->dom0), -ENOENT);
    assert_int_equal(xvios_db_config_read(f->dom0, &got), -ENOENT);
    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg3), 0);
}

static void test_nodes_add_list_remove(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_node *nodes = NULL, one;
    struct xvios_dominfo info;
    unsigned n = 0;
    uint32_t node = 0, a, b;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg3), 0);
    a = add_vios(f, 5, "vios-a");
    b = add_vios(f, 6, "vios-b");
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    assert_int_equal(xvios_db_nodes(f->dom0, &nodes, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(nodes[0].node, 1);
    assert_int_equal(nodes[0].domid, 5);
    assert_string_equal(nodes[0].name, "vios-a");
    assert_int_equal(strlen(nodes[0].uuid), 36);
    assert_int_equal(nodes[0].state, XVIOS_NODE_ACTIVE);
    assert_false(nodes[0].online);
    assert_int_equal(nodes[1].node, 2);
    assert_int_equal(nodes[1].domid, 6);
    free(nodes);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 6, &info), 0);
    assert_int_equal(xvios_db_node_get(f->dom0, 2, &one), 0);
    assert_string_equal(one.uuid, info.uuid);
    assert_int_equal(xvios_db_node_by_domid(f->dom0, 6, &node), 0);
    assert_int_equal(node, 2);
    assert_int_equal(xvios_db_node_by_domid(f->dom0, 7, &node), -ENOENT);
    assert_int_equal(xvios_db_node_get(f->dom0, 3, &one), -ENOENT);

    /* errors */
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), -EEXIST);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 0, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), -EINVAL);
    add_vios(f, 7, "vios-c");
    assert_int_equal(xvios_loop_domain_create(f->dom0, 8, "vios-d"), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 8, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), -ENOSPC);   /* max-nodes 3 */

    /* remove */
    assert_int_equal(xvios_db_node_remove(f->dom0, 1), 0);
    assert_int_equal(xvios_db_node_remove(f->dom0, 1), -ENOENT);
    assert_int_equal(xvios_db_node_by_domid(f->dom0, 5, &node), -ENOENT);
    assert_int_equal(xvios_db_nodes(f->dom0, &nodes, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(nodes[0].node, 2);
    assert_int_equal(nodes[1].node, 3);
    free(nodes);
    /* room again; ids are not reused at once (the counter moves on, wrapping) */
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    assert_int_equal(node, 4);
}

/* Multi-host ids ((corosync nodeid << 8) | local) are given, not allocated: listed, found, readable by
 * their domain, and the allocation counter is left alone. */
static void test_nodes_given_multihost_ids(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_config cfg = cfg3;
    struct xvios_db_node *nodes = NULL, one;
    struct xvios_dominfo info;
    uint32_t node = 0, ids[8];
    unsigned n = 0;

    cfg.max_nodes = 8;
    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 111, "vios-h1a"), 0);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 132, "vios-h3b"), 0);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 140, "vios-top"), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 111, &info), 0);
    assert_int_equal(xvios_db_node_add_id(f->dom0, &info, 0), -EINVAL);
    assert_int_equal(xvios_db_node_add_id(f->dom0, &info, 257), 0);
    assert_int_equal(xvios_db_node_add_id(f->dom0, &info, 258), -EEXIST);     /* the domain is in */
    assert_int_equal(xvios_plat_domain_info(f->dom0, 132, &info), 0);
    assert_int_equal(xvios_db_node_add_id(f->dom0, &info, 257), -EEXIST);     /* the id is taken */
    assert_int_equal(xvios_db_node_add_id(f->dom0, &info, 770), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 140, &info), 0);
    assert_int_equal(xvios_db_node_add_id(f->dom0, &info, XVIOS_NODE_ID_MAX), 0);

    assert_int_equal(xvios_db_nodes(f->dom0, &nodes, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(nodes[0].node, 257);
    assert_int_equal(nodes[0].domid, 111);
    assert_int_equal(nodes[1].node, 770);
    assert_int_equal(nodes[1].domid, 132);
    assert_int_equal(nodes[2].node, XVIOS_NODE_ID_MAX);
    free(nodes);
    assert_int_equal(xvios_db_node_ids(f->dom0, ids, 8, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(xvios_db_node_by_domid(f->dom0, 132, &node), 0);
    assert_int_equal(node, 770);
    assert_int_equal(xvios_db_node_get(f->dom0, 770, &one), 0);
    assert_string_equal(one.name, "vios-h3b");
    assert_int_equal(xvios_db_node_set_online(f->dom0, 770, true), 0);
    assert_int_equal(xvios_db_node_get(f->dom0, 770, &one), 0);
    assert_true(one.online);

    /* the node's own domain reads the cluster tree and writes its own entry */
    xvios_plat *d132 = loop_fixture_open(f->root, 132);
    assert_non_null(d132);
    assert_int_equal(xvios_db_node_by_domid(d132, 132, &node), 0);
    assert_int_equal(node, 770);
    assert_int_equal(xvios_db_node_set_online(d132, 770, false), 0);
    xvios_plat_close(d132);

    /* an allocated id still starts at the counter (1), below the given ones */
    assert_int_equal(xvios_loop_domain_create(f->dom0, 5, "vios-a"), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 5, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    assert_int_equal(node, 1);
    assert_int_equal(xvios_db_node_remove(f->dom0, 770), 0);
    assert_int_equal(xvios_db_node_get(f->dom0, 770, &one), -ENOENT);
}

/* A member's entry nested deeper than the regrant walks is removed with the member, not left readable. */
static void test_removed_member_keeps_nothing_deep(void **state)
{
    struct loop_fixture *f = *state;
    char path[512] = "/xvios/clients/x";
    char *v = NULL;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg3), 0);
    assert_int_equal(add_vios(f, 5, "vios-a"), 1);
    xvios_plat *d5 = loop_fixture_open(f->root, 5);
    assert_non_null(d5);
    for (int i = 0; i < 40; i++)
        strcat(path, "/d");
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, path, "1", 1), 0);
    assert_int_equal(xvios_db_node_remove(f->dom0, 1), 0);
    assert_int_equal(xvios_store_read(d5, XVIOS_TX_NONE, path, &v, NULL), -ENOENT); /* removed */
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, path, "2", 1), -EACCES);  /* and not re-creatable */
    assert_int_equal(xvios_store_read(f->dom0, XVIOS_TX_NONE, path, &v, NULL), -ENOENT);
    xvios_plat_close(d5);
}

static void test_perms_exact(void **state)
{
    struct loop_fixture *f = *state;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg3), 0);
    assert_int_equal(add_vios(f, 5, "vios-a"), 1);
    /* a client entry created by member 5 before member 6 joins */
    xvios_plat *d5 = loop_fixture_open(f->root, 5);
    assert_non_null(d5);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/clients/c1", "x", 1), 0);
    assert_int_equal(add_vios(f, 6, "vios-b"), 2);

    const struct xvios_perm tree[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_READ }, { 6, XVIOS_PERM_READ } };
    const struct xvios_perm shared[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_BOTH }, { 6, XVIOS_PERM_BOTH } };
    const struct xvios_perm c1[] = { { 5, XVIOS_PERM_NONE }, { 6, XVIOS_PERM_READ } };
    const struct xvios_perm node1[] = { { 5, XVIOS_PERM_NONE }, { 6, XVIOS_PERM_READ } };
    const struct xvios_perm node2[] = { { 6, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_READ } };
    const char *tree_paths[] = { "/xvios", "/xvios/config", "/xvios/config/name", "/xvios/config/max-nodes",
                                 "/xvios/config/timeout-ms", "/xvios/config/retries", "/xvios/next-node-id",
                                 "/xvios/nodes" };
    const char *shared_paths[] = { "/xvios/clients", "/xvios/adapters", "/xvios/next-client-id",
                                   "/xvios/next-adapter-id" };
    const char *leaves[] = { "", "/domid", "/name", "/uuid", "/state", "/online" };
    char path[64];

    for (unsigned i = 0; i < sizeof(tree_paths) / sizeof(tree_paths[0]); i++)
        want_perms(f->dom0, tree_paths[i], tree, 3);
    for (unsigned i = 0; i < sizeof(shared_paths) / sizeof(shared_paths[0]); i++)
        want_perms(f->dom0, shared_paths[i], shared, 3);
    want_perms(f->dom0, "/xvios/clients/c1", c1, 2);   /* its creator keeps it; the new member may read */
    /* a node's identity is dom0's (grants are derived from it); the entry and `online` are the node's */
    for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
        bool own = !strcmp(leaves[i], "/online") || !leaves[i][0];
        snprintf(path, sizeof(path), "/xvios/nodes/1%s", leaves[i]);
        want_perms(f->dom0, path, own ? node1 : tree, own ? 2 : 3);
        snprintf(path, sizeof(path), "/xvios/nodes/2%s", leaves[i]);
        want_perms(f->dom0, path, own ? node2 : tree, own ? 2 : 3);
    }
    /* so a member cannot point its entry at another domain to have that domain granted access */
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/nodes/1/domid", "9", 1), -EACCES);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/nodes/1/online", "1", 1), 0);

    /* removing node 1 revokes domain 5 everywhere, and its client entry passes to dom0 */
    assert_int_equal(xvios_db_node_remove(f->dom0, 1), 0);
    const struct xvios_perm tree6[] = { { 0, XVIOS_PERM_NONE }, { 6, XVIOS_PERM_READ } };
    const struct xvios_perm shared6[] = { { 0, XVIOS_PERM_NONE }, { 6, XVIOS_PERM_BOTH } };
    const struct xvios_perm node2only[] = { { 6, XVIOS_PERM_NONE } };
    const struct xvios_perm node2id[] = { { 0, XVIOS_PERM_NONE }, { 6, XVIOS_PERM_READ } };
    want_perms(f->dom0, "/xvios", tree6, 2);
    want_perms(f->dom0, "/xvios/config/name", tree6, 2);
    want_perms(f->dom0, "/xvios/clients", shared6, 2);
    want_perms(f->dom0, "/xvios/clients/c1", tree6, 2);
    want_perms(f->dom0, "/xvios/nodes/2/online", node2only, 1);
    want_perms(f->dom0, "/xvios/nodes/2", node2only, 1);
    want_perms(f->dom0, "/xvios/nodes/2/domid", node2id, 2);
    char *v = NULL;
    assert_int_equal(xvios_store_read(d5, XVIOS_TX_NONE, "/xvios/config/name", &v, NULL), -EACCES);
    assert_int_equal(xvios_store_read(d5, XVIOS_TX_NONE, "/xvios/clients/c1", &v, NULL), -EACCES);
    xvios_plat_close(d5);
}

static void test_member_and_stranger_access(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_config got;
    struct xvios_db_node *nodes = NULL, one;
    unsigned n = 0;
    char *v = NULL;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg3), 0);
    add_vios(f, 5, "vios-a");
    add_vios(f, 6, "vios-b");
    assert_int_equal(xvios_loop_domain_create(f->dom0, 9, "client"), 0);
    xvios_plat *d5 = loop_fixture_open(f->root, 5), *d9 = loop_fixture_open(f->root, 9);
    assert_non_null(d5);
    assert_non_null(d9);

    /* a member reads the whole tree */
    assert_int_equal(xvios_db_config_read(d5, &got), 0);
    assert_string_equal(got.name, "test-cluster");
    assert_int_equal(xvios_db_nodes(d5, &nodes, &n), 0);
    assert_int_equal(n, 2);
    free(nodes);
    /* ...writes its own online flag */
    assert_int_equal(xvios_db_node_set_online(d5, 1, true), 0);
    assert_int_equal(xvios_db_node_get(f->dom0, 1, &one), 0);
    assert_true(one.online);
    /* ...but not its identity (dom0 derives every grant from it) */
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/nodes/1/domid", "9", 1), -EACCES);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/nodes/1/name", "x", 1), -EACCES);
    /* ...not another node's, nor the config, nor the node list */
    assert_int_equal(xvios_db_node_set_online(d5, 2, true), -EACCES);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/nodes/2/name", "evil", 4), -EACCES);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/config/max-nodes", "99", 2), -EACCES);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/nodes/9/domid", "5", 1), -EACCES);
    assert_int_equal(xvios_store_rm(d5, XVIOS_TX_NONE, "/xvios/nodes/2"), -EACCES);
    /* ...and the shared tables and counters */
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/clients/7/owner", "1", 1), 0);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/next-client-id", "8", 1), 0);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/adapters/3", "x", 1), 0);
    /* only dom0 adds nodes */
    struct xvios_dominfo info;
    assert_int_equal(xvios_plat_domain_info(d5, 9, &info), 0);
    assert_int_equal(xvios_db_node_add(d5, &info, NULL), -EACCES);

    /* a client domain sees nothing */
    assert_int_equal(xvios_store_read(d9, XVIOS_TX_NONE, "/xvios", &v, NULL), -EACCES);
    assert_int_equal(xvios_store_read(d9, XVIOS_TX_NONE, "/xvios/clients/7/owner", &v, NULL), -EACCES);
    assert_int_equal(xvios_db_config_read(d9, &got), -EACCES);
    assert_int_equal(xvios_db_nodes(d9, &nodes, &n), -EACCES);
    assert_int_equal(xvios_store_write(d9, XVIOS_TX_NONE, "/xvios/clients/8", "x", 1), -EACCES);
    xvios_plat_close(d5);
    xvios_plat_close(d9);
}

static void test_malformed_entries_skipped(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_node *nodes = NULL, one;
    unsigned n = 0;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg3), 0);
    add_vios(f, 5, "vios-a");
    add_vios(f, 6, "vios-b");
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/nodes/2/domid", "6; rm", 5), 0);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/nodes/junk/domid", "7", 1), 0);
    assert_int_equal(xvios_db_nodes(f->dom0, &nodes, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(nodes[0].node, 1);
    free(nodes);
    assert_int_equal(xvios_db_node_get(f->dom0, 2, &one), -EIO);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/nodes/1/state", "weird", 5), 0);
    assert_int_equal(xvios_db_node_get(f->dom0, 1, &one), -EIO);
}

/* Drain the watch events queued so far; which tokens came. */
static unsigned drain_tokens(xvios_plat *p, const char *want)
{
    char *path = NULL, *token = NULL;
    unsigned hits = 0;

    while (xvios_store_watch_read(p, &path, &token) == 0) {
        hits += !strcmp(token, want);
        free(path);
        free(token);
    }
    return hits;
}

static void test_layout_helpers(void **state)
{
    struct loop_fixture *f = *state;
    uint32_t ids[4];
    char **clients = NULL, path[64];
    unsigned n = 0;

    assert_int_equal(xvios_db_node_ids(f->dom0, ids, 4, &n), -ENOENT);   /* no cluster */
    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg3), 0);
    assert_int_equal(xvios_db_watch(f->dom0, XVIOS_DB_PART_NODES, "t-nodes"), 0);
    assert_int_equal(xvios_db_watch(f->dom0, XVIOS_DB_PART_CLIENTS, "t-clients"), 0);
    assert_int_equal(xvios_db_watch(f->dom0, 99, "t-bad"), -EINVAL);
    drain_tokens(f->dom0, "");  /* the events a new watch fires at once */
    add_vios(f, 5, "vios-a");
    add_vios(f, 6, "vios-b");
    assert_true(drain_tokens(f->dom0, "t-nodes") >= 1);
    assert_int_equal(xvios_db_node_ids(f->dom0, ids, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_true((ids[0] == 1 && ids[1] == 2) || (ids[0] == 2 && ids[1] == 1));
    assert_int_equal(xvios_db_node_ids(f->dom0, ids, 1, &n), -ENOSPC);
    /* an entry that is not a node id is not listed */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/nodes/07/domid", "7", 1), 0);
    assert_int_equal(xvios_db_node_ids(f->dom0, ids, 4, &n), 0);
    assert_int_equal(n, 2);

    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/clients/42/name", "c", 1), 0);
    assert_true(drain_tokens(f->dom0, "t-clients") >= 1);
    assert_int_equal(xvios_db_clients(f->dom0, &clients, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(clients[0], "42");
    xvios_strv_free(clients, n);
    assert_int_equal(xvios_db_unwatch(f->dom0, XVIOS_DB_PART_CLIENTS, "t-clients"), 0);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/clients/43/name", "d", 1), 0);
    assert_int_equal(drain_tokens(f->dom0, "t-clients"), 0);

    assert_int_equal(xvios_db_node_path(12, path, sizeof(path)), 0);
    assert_string_equal(path, "/xvios/nodes/12");
    assert_int_equal(xvios_db_client_path("42", path, sizeof(path)), 0);
    assert_string_equal(path, "/xvios/clients/42");
    assert_int_equal(xvios_db_node_path(12, path, 15), -ENAMETOOLONG);
}

static void test_concurrent_adds(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_config big = cfg3;
    struct xvios_db_node *nodes = NULL;
    unsigned n = 0;
    pid_t pids[4];

    big.max_nodes = 8;
    assert_int_equal(xvios_db_cluster_create(f->dom0, &big), 0);
    for (int i = 0; i < 4; i++) {
        char name[24];
        snprintf(name, sizeof(name), "vios-%d", i);
        assert_int_equal(xvios_loop_domain_create(f->dom0, 20 + (uint32_t)i, name), 0);
    }
    for (int i = 0; i < 4; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            xvios_plat *p = loop_fixture_open(f->root, 0);
            struct xvios_dominfo info;
            uint32_t node;
            int rc = p && xvios_plat_domain_info(p, 20 + (uint32_t)i, &info) == 0 &&
                     xvios_db_node_add(p, &info, &node) == 0 ? 0 : 1;
            xvios_plat_close(p);
            _exit(rc);
        }
    }
    for (int i = 0; i < 4; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    assert_int_equal(xvios_db_nodes(f->dom0, &nodes, &n), 0);
    assert_int_equal(n, 4);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(nodes[i].node, i + 1);    /* distinct ids, none lost */
        assert_true(nodes[i].domid >= 20 && nodes[i].domid < 24);
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(nodes[i].domid, nodes[j].domid);
    }
    free(nodes);
    /* and every member got READ on the tree, whichever order they came in */
    struct xvios_perm *perms = NULL;
    unsigned np = 0;
    assert_int_equal(xvios_store_get_perms(f->dom0, XVIOS_TX_NONE, "/xvios", &perms, &np), 0);
    assert_int_equal(np, 5);
    free(perms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_config_max_timeout),
        LOOP_FIXTURE_TEST(test_create_config_destroy),
        LOOP_FIXTURE_TEST(test_nodes_add_list_remove),
        LOOP_FIXTURE_TEST(test_perms_exact),
        LOOP_FIXTURE_TEST(test_nodes_given_multihost_ids),
        LOOP_FIXTURE_TEST(test_removed_member_keeps_nothing_deep),
        LOOP_FIXTURE_TEST(test_member_and_stranger_access),
        LOOP_FIXTURE_TEST(test_malformed_entries_skipped),
        LOOP_FIXTURE_TEST(test_layout_helpers),
        LOOP_FIXTURE_TEST(test_concurrent_adds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
