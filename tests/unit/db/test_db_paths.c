/* SPDX-License-Identifier: MIT */
/*
 * test_db_paths.c - the path table (xvios/db_path.h): a VIOS publishes,
 * rewrites and removes its own entries; the exact permission list of every
 * node (owner the VIOS, READ for the other member, nobody else); another
 * member cannot write it, a client cannot read it; paths_of lists every
 * member, unknown where there is no entry; malformed entries read as -EIO;
 * bad keys refused; a non-member cannot publish.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/db.h"
#include "xvios/db_path.h"
#include "xvios/loopback.h"

static const struct xvios_db_config cfg = { .name = "paths-test", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };

static uint32_t add_vios(struct loop_fixture *f, uint32_t domid, const char *name)
{
    struct xvios_dominfo info;
    uint32_t node = 0;

    assert_int_equal(xvios_loop_domain_create(f->dom0, domid, name), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, domid, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    return node;
}

static void want_perms(xvios_plat *p, const char *path, const struct xvios_perm *want, unsigned n)
{
    struct xvios_perm *got = NULL;
    unsigned gn = 0;

    assert_int_equal(xvios_store_get_perms(p, XVIOS_TX_NONE, path, &got, &gn), 0);
    assert_int_equal(gn, n);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(got[i].domid, want[i].domid);
        assert_int_equal(got[i].perm, want[i].perm);
    }
    free(got);
}

static struct xvios_db_path entry(const char *key, enum xvios_path_state st, uint64_t since)
{
    struct xvios_db_path e = { .state = st, .since_ms = since };

    snprintf(e.key, sizeof(e.key), "%s", key);
    snprintf(e.backing, sizeof(e.backing), "/dev/xvdb");
    return e;
}

static void test_publish_and_permissions(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_path e, got, *all = NULL;
    const struct xvios_perm own1[] = { { 5, XVIOS_PERM_NONE }, { 6, XVIOS_PERM_READ } };
    static const char *const nodes[] = { "", "/state", "/backing", "/since" };
    char path[128], *v = NULL;
    size_t len = 0;
    unsigned n = 0;
    uint32_t n1, n2;
    xvios_plat *d5, *d6, *d9;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    n1 = add_vios(f, 5, "vios1");
    n2 = add_vios(f, 6, "vios2");
    assert_int_equal(xvios_loop_domain_create(f->dom0, 9, "client"), 0);
    d5 = loop_fixture_open(f->root, 5);
    d6 = loop_fixture_open(f->root, 6);
    d9 = loop_fixture_open(f->root, 9);
    assert_non_null(d5);
    assert_non_null(d6);
    assert_non_null(d9);

    /* VIOS 5 publishes its own entry; every node of it is its own, READ for VIOS 6, nothing for others */
    e = entry("lu1", XVIOS_PATH_LOST, 1234);
    assert_int_equal(xvios_db_path_publish(d5, n1, &e), 0);
    snprintf(path, sizeof(path), "/xvios/nodes/%u/paths", n1);
    want_perms(f->dom0, path, own1, 2);
    for (unsigned i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "/xvios/nodes/%u/paths/lu1%s", n1, nodes[i]);
        want_perms(f->dom0, path, own1, 2);
    }
    assert_int_equal(xvios_db_path_get(d6, n1, "lu1", &got), 0);    /* another member reads it */
    assert_int_equal(got.state, XVIOS_PATH_LOST);
    assert_int_equal(got.since_ms, 1234);
    assert_string_equal(got.backing, "/dev/xvdb");
    /* a client reads nothing; another member writes nothing of it */
    snprintf(path, sizeof(path), "/xvios/nodes/%u/paths/lu1/state", n1);
    assert_int_equal(xvios_store_read(d9, XVIOS_TX_NONE, path, &v, &len), -EACCES);
    assert_int_equal(xvios_store_write(d6, XVIOS_TX_NONE, path, "good", 4), -EACCES);
    assert_int_equal(xvios_db_path_publish(d6, n1, &e), -EACCES);
    /* rewritten by its owner: good again */
    e = entry("lu1", XVIOS_PATH_GOOD, 5678);
    assert_int_equal(xvios_db_path_publish(d5, n1, &e), 0);
    assert_int_equal(xvios_db_path_get(f->dom0, n1, "lu1", &got), 0);
    assert_int_equal(got.state, XVIOS_PATH_GOOD);
    assert_int_equal(got.since_ms, 5678);

    /* every member listed, VIOS 6 unknown (no entry) */
    assert_int_equal(xvios_db_paths_of(d6, "lu1", &all, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(all[0].node, n1);
    assert_int_equal(all[0].state, XVIOS_PATH_GOOD);
    assert_int_equal(all[1].node, n2);
    assert_int_equal(all[1].state, XVIOS_PATH_UNKNOWN);
    free(all);

    /* a damaged entry is -EIO, and unknown in a listing */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, path, "maybe", 5), 0);
    assert_int_equal(xvios_db_path_get(d6, n1, "lu1", &got), -EIO);
    assert_int_equal(xvios_db_paths_of(d6, "lu1", &all, &n), 0);
    assert_int_equal(all[0].state, XVIOS_PATH_UNKNOWN);
    free(all);

    /* removed by its owner */
    assert_int_equal(xvios_db_path_remove(d5, n1, "lu1"), 0);
    assert_int_equal(xvios_db_path_get(d6, n1, "lu1", &got), -ENOENT);
    assert_int_equal(xvios_db_path_remove(d5, n1, "lu1"), -ENOENT);

    /* removing the member removes its entries */
    e = entry("lu2", XVIOS_PATH_GOOD, 1);
    assert_int_equal(xvios_db_path_publish(d6, n2, &e), 0);
    assert_int_equal(xvios_db_node_remove(f->dom0, n2), 0);
    assert_int_equal(xvios_db_path_get(f->dom0, n2, "lu2", &got), -ENOENT);
    assert_int_equal(xvios_db_path_publish(d6, n2, &e), -EACCES);   /* no entry of its own any more */

    xvios_plat_close(d5);
    xvios_plat_close(d6);
    xvios_plat_close(d9);
}

static void test_refusals(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_path e = entry("lu1", XVIOS_PATH_GOOD, 1), *all = NULL;
    char key[32];
    unsigned n = 0;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(xvios_db_path_publish(f->dom0, 3, &e), -ENOENT);   /* not a member */
    e = entry("a.b", XVIOS_PATH_GOOD, 1);
    assert_int_equal(xvios_db_path_publish(f->dom0, 1, &e), -EINVAL);   /* bad key */
    e = entry("lu1", XVIOS_PATH_UNKNOWN, 1);
    assert_int_equal(xvios_db_path_publish(f->dom0, 1, &e), -EINVAL);   /* not a state to publish */
    assert_int_equal(xvios_db_paths_of(f->dom0, "../x", &all, &n), -EINVAL);
    assert_int_equal(xvios_path_key_for_backing("/srv/lu.img", key, sizeof(key)), 0);
    assert_true(xvios_path_key_valid(key));
    assert_int_equal(strlen(key), 21);
    assert_int_equal(xvios_path_key_for_backing("/srv/lu.img", key, 21), -ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_publish_and_permissions),
        LOOP_FIXTURE_TEST(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
