/* SPDX-License-Identifier: MIT */
/*
 * test_db_pool.c - several pools and their access lists in the cluster DB
 * on the loopback store (xvios/db_pool.h): create/modify/read/list/delete
 * with every refusal's errno, LUs created in a named pool, a pool delete
 * refused while it has LUs (a damaged entry counts), access entries
 * resolved by uuid, by the clients table's name and by a running domain's
 * name, the attach checks for a pool LU and for a path, the mappings left
 * outside a list that changed, the exact permission list of every node
 * written (dom0's, members READ, nobody else anything), members and clients
 * refused, and damaged records read as -EIO.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/db_client.h"
#include "xvios/db_lu.h"
#include "xvios/db_pool.h"
#include "xvios/db_vtd.h"
#include "xvios/loopback.h"

#define MiB (UINT64_C(1) << 20)

static const struct xvios_db_config cfg = { .name = "pools-test", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };

#define UA "11111111-2222-4333-8444-555555555555"
#define UB "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"

static void add_vios(struct loop_fixture *f, uint32_t domid, const char *name)
{
    struct xvios_dominfo info;
    uint32_t node = 0;

    assert_int_equal(xvios_loop_domain_create(f->dom0, domid, name), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, domid, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
}

static int mk_lu(xvios_plat *p, const char *name, const char *pool, const char *backing, uint64_t off)
{
    struct xvios_db_lu_spec s = { .name = name, .backing = backing, .offset = off, .size = MiB, .pool = pool };
    return xvios_db_lu_create(p, &s, NULL);
}

static int mk_pool(xvios_plat *p, const char *name, const char *access, char *bad, size_t cap)
{
    struct xvios_db_pool_spec s = { .name = name, .access = access };
    return xvios_db_pool_create(p, &s, bad, cap, NULL);
}

static int set_access(xvios_plat *p, const char *name, const char *access)
{
    struct xvios_db_pool_spec s = { .name = name, .access = access };
    char bad[80];
    return xvios_db_pool_modify(p, &s, bad, sizeof(bad), NULL);
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
        assert_int_equal(got[i].domid, want[i].domid);
        assert_int_equal(got[i].perm, want[i].perm);
    }
    free(got);
}

static void test_pools_and_their_lus(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_pool_info info, *list = NULL;
    struct xvios_db_lu lu;
    char bad[80];
    unsigned n = 0, count = 0;

    assert_int_equal(mk_pool(f->dom0, "gold", "", bad, sizeof(bad)), -ENOENT);   /* no cluster */
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "default", &info), -ENOENT);
    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);

    /* the default pool is there from the start, open to every client, with no record */
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, NULL, &info), 0);
    assert_string_equal(info.name, "default");
    assert_true(info.any);
    assert_false(info.recorded);
    assert_int_equal(info.lus, 0);
    xvios_db_pool_info_free(&info);

    assert_int_equal(mk_pool(f->dom0, "silver", NULL, bad, sizeof(bad)), 0);
    assert_int_equal(mk_pool(f->dom0, "gold", UA, bad, sizeof(bad)), 0);
    assert_int_equal(mk_pool(f->dom0, "gold", "*", bad, sizeof(bad)), -EEXIST);
    assert_int_equal(mk_pool(f->dom0, "default", "*", bad, sizeof(bad)), -EEXIST);
    assert_int_equal(mk_pool(f->dom0, "bad.name", "*", bad, sizeof(bad)), -EINVAL);
    assert_int_equal(mk_pool(f->dom0, "", "*", bad, sizeof(bad)), -EINVAL);

    /* LUs in named pools and in the default one; names stay unique across pools */
    assert_int_equal(mk_lu(f->dom0, "g1", "gold", "/dev/xvdb", 0), 0);
    assert_int_equal(mk_lu(f->dom0, "g2", "gold", "/dev/xvdb", MiB), 0);
    assert_int_equal(mk_lu(f->dom0, "d1", NULL, "/dev/xvdb", 2 * MiB), 0);
    assert_int_equal(mk_lu(f->dom0, "g1", "silver", "/dev/xvdc", 0), -EEXIST);
    assert_int_equal(mk_lu(f->dom0, "x1", "nosuch", "/dev/xvdc", 0), -ENXIO);
    assert_int_equal(mk_lu(f->dom0, "x1", "no.such", "/dev/xvdc", 0), -EINVAL);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "g2", &lu), 0);
    assert_string_equal(lu.pool, "gold");
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "d1", &lu), 0);
    assert_string_equal(lu.pool, "default");
    /* a default-pool LU's entry is as before pools had names: no pool leaf */
    char *v = NULL;
    size_t vlen = 0;
    assert_int_equal(xvios_store_read(f->dom0, XVIOS_TX_NONE, "/xvios/pool/lus/d1/pool", &v, &vlen), -ENOENT);
    assert_int_equal(xvios_store_read(f->dom0, XVIOS_TX_NONE, "/xvios/pool/lus/g1/pool", &v, &vlen), 0);
    assert_string_equal(v, "gold");
    free(v);

    /* list: the default pool first, then by name, each with its LUs counted */
    assert_int_equal(xvios_db_pool_list(f->dom0, XVIOS_TX_NONE, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(list[0].name, "default");
    assert_int_equal(list[0].lus, 1);
    assert_string_equal(list[1].name, "gold");
    assert_int_equal(list[1].lus, 2);
    assert_int_equal(list[1].bytes, 2 * MiB);
    assert_false(list[1].any);
    assert_int_equal(list[1].n_access, 1);
    assert_string_equal(list[1].access[0].uuid, UA);
    assert_string_equal(list[2].name, "silver");
    assert_int_equal(list[2].n_access, 0);   /* created without a list: nobody */
    assert_false(list[2].any);
    assert_true(list[2].created > 0);
    xvios_db_pool_infos_free(list, n);

    /* delete: refused while the pool has LUs, never for the default pool */
    assert_int_equal(xvios_db_pool_delete(f->dom0, "gold", &count), -ENOTEMPTY);
    assert_int_equal(count, 2);
    assert_int_equal(xvios_db_pool_delete(f->dom0, "default", NULL), -EBUSY);
    assert_int_equal(xvios_db_pool_delete(f->dom0, "nosuch", NULL), -ENXIO);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "gold", &info), 0);
    xvios_db_pool_info_free(&info);
    assert_int_equal(xvios_db_lu_remove(f->dom0, XVIOS_TX_NONE, "g1"), 0);
    assert_int_equal(xvios_db_lu_remove(f->dom0, XVIOS_TX_NONE, "g2"), 0);
    assert_int_equal(xvios_db_pool_delete(f->dom0, "gold", &count), 0);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "gold", &info), -ENXIO);
    assert_int_equal(mk_lu(f->dom0, "g3", "gold", "/dev/xvdb", 0), -ENXIO);
    assert_int_equal(xvios_db_pool_delete(f->dom0, "silver", NULL), 0);
    assert_int_equal(xvios_db_pool_list(f->dom0, XVIOS_TX_NONE, &list, &n), 0);
    assert_int_equal(n, 1);
    xvios_db_pool_infos_free(list, n);
}

static void test_access_lists(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_pool_info info;
    struct xvios_db_login_ids ids;
    struct xvios_dominfo dom;
    char bad[80], lu[XVIOS_LU_NAME_MAX + 1], pool[XVIOS_POOL_NAME_MAX + 1];

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    add_vios(f, 5, "vios-a");
    /* "web" logged in (the clients table has it); "db" is a running domain that never did */
    struct xvios_db_login web = { .uuid = UB, .name = "web", .node = 1, .vhost = 0 };
    assert_int_equal(xvios_db_client_login(f->dom0, &web, &ids), 0);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 9, "db"), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 9, &dom), 0);

    /* by uuid (either case, stored lowercase), by the table's name, by a running domain's name; deduplicated */
    assert_int_equal(mk_pool(f->dom0, "gold", "11111111-2222-4333-8444-555555555555,web,db,AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE",
                             bad, sizeof(bad)), 0);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "gold", &info), 0);
    assert_int_equal(info.n_access, 3);
    bool saw_a = false, saw_web = false, saw_db = false;
    for (unsigned i = 0; i < info.n_access; i++) {
        saw_a |= !strcmp(info.access[i].uuid, UA) && info.access[i].name[0] == '\0';
        saw_web |= !strcmp(info.access[i].uuid, UB) && !strcmp(info.access[i].name, "web") &&
                   info.access[i].client_id == ids.client_id;
        saw_db |= !strcasecmp(info.access[i].uuid, dom.uuid) && !strcmp(info.access[i].name, "db") &&
                  info.access[i].client_id == 0;
    }
    assert_true(saw_a && saw_web && saw_db);
    for (unsigned i = 1; i < info.n_access; i++)
        assert_true(strcmp(info.access[i - 1].uuid, info.access[i].uuid) < 0);
    xvios_db_pool_info_free(&info);

    /* refusals name the entry at fault and write nothing */
    assert_int_equal(mk_pool(f->dom0, "p1", "web,nobody", bad, sizeof(bad)), -ESRCH);
    assert_string_equal(bad, "nobody");
    assert_int_equal(mk_pool(f->dom0, "p1", "web,,db", bad, sizeof(bad)), -EINVAL);
    assert_int_equal(mk_pool(f->dom0, "p1", "web,", bad, sizeof(bad)), -EINVAL);
    assert_int_equal(mk_pool(f->dom0, "p1", "9", bad, sizeof(bad)), -EINVAL);   /* a domid names no client */
    assert_string_equal(bad, "9");
    assert_int_equal(mk_pool(f->dom0, "p1", "a b", bad, sizeof(bad)), -EINVAL);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "p1", &info), -ENXIO);
    /* a name two registered clients had is ambiguous */
    struct xvios_db_login web2 = { .uuid = "cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee", .name = "web", .node = 1 };
    assert_int_equal(xvios_db_client_login(f->dom0, &web2, &ids), 0);
    assert_int_equal(mk_pool(f->dom0, "p1", "web", bad, sizeof(bad)), -ENOTUNIQ);
    assert_string_equal(bad, "web");

    /* the attach checks */
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "gold", UA), 0);
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "gold", "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"), 0);
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "gold", "cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee"),
                     -EPERM);
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "gold", ""), -EPERM);   /* unknown uuid */
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "nosuch", UA), -ENXIO);
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "default", ""), 0);   /* no record: any */

    /* modify replaces the list; "*" opens the pool; the default pool can be closed too */
    assert_int_equal(set_access(f->dom0, "gold", "db"), 0);
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "gold", UA), -EPERM);
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "gold", dom.uuid), 0);
    assert_int_equal(set_access(f->dom0, "gold", "*"), 0);
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "gold", "cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee"), 0);
    assert_int_equal(set_access(f->dom0, "nosuch", "*"), -ENXIO);
    assert_int_equal(set_access(f->dom0, "default", UA), 0);
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "default", UB), -EPERM);
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, NULL, UA), 0);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "default", &info), 0);
    assert_true(info.recorded);
    assert_false(info.any);
    xvios_db_pool_info_free(&info);

    /* a path is checked against every LU whose backing it is */
    assert_int_equal(set_access(f->dom0, "gold", UA), 0);
    assert_int_equal(mk_lu(f->dom0, "g1", "gold", "/dev/xvdb", 0), 0);
    assert_int_equal(xvios_db_pool_admits_path(f->dom0, XVIOS_TX_NONE, "/dev/xvdb", UB, lu, pool), -EPERM);
    assert_string_equal(lu, "g1");
    assert_string_equal(pool, "gold");
    assert_int_equal(xvios_db_pool_admits_path(f->dom0, XVIOS_TX_NONE, "/dev/xvdb", UA, lu, pool), 0);
    assert_int_equal(xvios_db_pool_admits_path(f->dom0, XVIOS_TX_NONE, "/dev/xvdz", UB, lu, pool), 0);
    assert_int_equal(mk_lu(f->dom0, "d1", NULL, "/dev/xvdb", MiB), 0);   /* default pool: UA only now */
    assert_int_equal(set_access(f->dom0, "default", UB), 0);
    assert_int_equal(xvios_db_pool_admits_path(f->dom0, XVIOS_TX_NONE, "/dev/xvdb", UA, lu, pool), -EPERM);
    assert_string_equal(lu, "d1");
}

/* A list change leaves existing mappings: they are the pool's outsiders until detached. */
static void test_outside_mappings(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_pool_info info;
    struct xvios_db_vtd *out = NULL;
    unsigned n = 0;
    char bad[80];

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    add_vios(f, 5, "vios-a");
    assert_int_equal(mk_pool(f->dom0, "gold", UA, bad, sizeof(bad)), 0);
    assert_int_equal(mk_lu(f->dom0, "g1", "gold", "/dev/xvdb", 0), 0);
    assert_int_equal(mk_lu(f->dom0, "d1", NULL, "/dev/xvdb", MiB), 0);
    struct xvios_db_vtd a = { .client = 7, .node = 1, .vhost = 0, .lu = "/dev/xvdb", .pool_lu = "g1" };
    struct xvios_db_vtd b = { .client = 8, .node = 1, .vhost = 0, .lu = "/dev/xvdb", .pool_lu = "g1" };
    struct xvios_db_vtd c = { .client = 8, .node = 1, .vhost = 0, .lun = 1, .lu = "/dev/xvdb", .pool_lu = "d1" };
    snprintf(a.client_uuid, sizeof(a.client_uuid), "%s", UA);
    snprintf(b.client_uuid, sizeof(b.client_uuid), "%s", UB);
    snprintf(c.client_uuid, sizeof(c.client_uuid), "%s", UB);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &a), 0);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &b), 0);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &c), 0);

    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "gold", &info), 0);
    assert_int_equal(xvios_db_pool_outside(f->dom0, XVIOS_TX_NONE, &info, &out, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].client, 8);
    assert_string_equal(out[0].pool_lu, "g1");
    free(out);
    xvios_db_pool_info_free(&info);
    assert_int_equal(set_access(f->dom0, "gold", UA "," UB), 0);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "gold", &info), 0);
    assert_int_equal(xvios_db_pool_outside(f->dom0, XVIOS_TX_NONE, &info, &out, &n), 0);
    assert_int_equal(n, 0);
    assert_null(out);
    xvios_db_pool_info_free(&info);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "default", &info), 0);   /* open: nobody outside */
    assert_int_equal(xvios_db_pool_outside(f->dom0, XVIOS_TX_NONE, &info, &out, &n), 0);
    assert_int_equal(n, 0);
    xvios_db_pool_info_free(&info);
}

static void test_perms(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_pool_info info;
    char bad[80], path[128];

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    add_vios(f, 5, "vios-a");
    add_vios(f, 6, "vios-b");
    assert_int_equal(xvios_loop_domain_create(f->dom0, 9, "client"), 0);
    assert_int_equal(mk_pool(f->dom0, "gold", UA, bad, sizeof(bad)), 0);
    assert_int_equal(mk_lu(f->dom0, "g1", "gold", "/dev/xvdb", 0), 0);

    const struct xvios_perm two[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_READ }, { 6, XVIOS_PERM_READ } };
    snprintf(path, sizeof(path), "/xvios/pools/gold/access/%s", UA);
    const char *paths[] = { "/xvios/pools", "/xvios/pools/gold", "/xvios/pools/gold/created",
                            "/xvios/pools/gold/access", path, "/xvios/pool/lus/g1/pool" };
    for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        want_perms(f->dom0, paths[i], two, 3);
    /* a modify writes the list anew, with the same permissions */
    assert_int_equal(set_access(f->dom0, "gold", UB), 0);
    snprintf(path, sizeof(path), "/xvios/pools/gold/access/%s", UB);
    want_perms(f->dom0, path, two, 3);
    want_perms(f->dom0, "/xvios/pools/gold/access", two, 3);

    xvios_plat *d5 = loop_fixture_open(f->root, 5), *d9 = loop_fixture_open(f->root, 9);
    assert_non_null(d5);
    assert_non_null(d9);
    /* members read, and cannot create, change or delete */
    assert_int_equal(xvios_db_pool_read(d5, XVIOS_TX_NONE, "gold", &info), 0);
    assert_int_equal(info.n_access, 1);
    xvios_db_pool_info_free(&info);
    assert_int_equal(mk_pool(d5, "evil", "*", bad, sizeof(bad)), -EACCES);
    assert_int_equal(set_access(d5, "gold", "*"), -EACCES);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/pools/gold/access", "any", 3), -EACCES);
    assert_int_equal(xvios_db_pool_admits(d5, XVIOS_TX_NONE, "gold", UA), -EPERM);   /* unchanged */
    /* a client domain reads none of it */
    assert_int_equal(xvios_db_pool_read(d9, XVIOS_TX_NONE, "gold", &info), -EACCES);
    assert_int_equal(mk_pool(d9, "evil", "*", bad, sizeof(bad)), -EACCES);

    /* a member that joins later is granted the table */
    add_vios(f, 7, "vios-c");
    const struct xvios_perm three[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_READ }, { 6, XVIOS_PERM_READ },
                                        { 7, XVIOS_PERM_READ } };
    want_perms(f->dom0, "/xvios/pools/gold", three, 4);
    want_perms(f->dom0, path, three, 4);
    xvios_plat_close(d5);
    xvios_plat_close(d9);
}

static void test_damaged(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_pool_info info, *list = NULL;
    struct xvios_db_lu lu;
    char bad[80], path[128];
    unsigned n = 0, count = 0;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(mk_pool(f->dom0, "gold", UA, bad, sizeof(bad)), 0);
    assert_int_equal(mk_pool(f->dom0, "silver", "*", bad, sizeof(bad)), 0);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/pools/gold/access", "maybe", 5), 0);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "gold", &info), -EIO);
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "gold", UA), -EIO);   /* never guessed open */
    assert_int_equal(xvios_db_pool_list(f->dom0, XVIOS_TX_NONE, &list, &n), 0);     /* skipped when listed */
    assert_int_equal(n, 2);
    assert_string_equal(list[1].name, "silver");
    xvios_db_pool_infos_free(list, n);
    /* modify repairs it (the record is written whole); create still finds the name taken */
    assert_int_equal(mk_pool(f->dom0, "gold", "*", bad, sizeof(bad)), -EEXIST);
    assert_int_equal(set_access(f->dom0, "gold", UA), 0);
    assert_int_equal(xvios_db_pool_admits(f->dom0, XVIOS_TX_NONE, "gold", UA), 0);

    /* an entry that is no lowercase uuid, a name that is no name, "any" with entries, a bad created */
    snprintf(path, sizeof(path), "/xvios/pools/gold/access/%s", "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE");
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, path, "", 0), 0);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "gold", &info), -EIO);
    assert_int_equal(set_access(f->dom0, "gold", UA), 0);
    snprintf(path, sizeof(path), "/xvios/pools/gold/access/%s", UA);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, path, "a b", 3), 0);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "gold", &info), -EIO);
    assert_int_equal(set_access(f->dom0, "gold", UA), 0);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/pools/gold/access", "any", 3), 0);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "gold", &info), -EIO);
    assert_int_equal(set_access(f->dom0, "gold", UA), 0);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/pools/gold/created", "07", 2), 0);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "gold", &info), -EIO);
    assert_int_equal(xvios_store_rm(f->dom0, XVIOS_TX_NONE, "/xvios/pools/gold/created"), 0);
    assert_int_equal(xvios_db_pool_read(f->dom0, XVIOS_TX_NONE, "gold", &info), -EIO);
    assert_int_equal(set_access(f->dom0, "gold", UA), 0);

    /* an LU whose pool leaf is no name is damaged; a damaged LU entry naming a pool still blocks its delete */
    struct xvios_db_lu_spec s = { .name = "g1", .backing = "/dev/xvdb", .size = MiB, .pool = "gold" };
    assert_int_equal(xvios_db_lu_create(f->dom0, &s, NULL), 0);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/pool/lus/g1/pool", "no pool", 7), 0);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "g1", &lu), -EIO);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/pool/lus/g1/pool", "gold", 4), 0);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/pool/lus/g1/size", "x", 1), 0);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "g1", &lu), -EIO);
    assert_int_equal(xvios_db_pool_delete(f->dom0, "gold", &count), -ENOTEMPTY);
    assert_int_equal(count, 1);
}

/* A pool delete racing LU creates in that pool: no LU is ever left naming a pool that is gone. */
static void test_delete_races_create(void **state)
{
    enum { ROUNDS = 60 };
    struct loop_fixture *f = *state;
    pid_t pids[2];
    char bad[80];

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(mk_pool(f->dom0, "p", "*", bad, sizeof(bad)), 0);
    for (int c = 0; c < 2; c++) {
        pids[c] = fork();
        assert_true(pids[c] >= 0);
        if (pids[c] > 0)
            continue;
        xvios_plat *p = loop_fixture_open(f->root, 0);
        struct xvios_db_pool_info info;
        struct xvios_db_lu lu;
        unsigned done = 0;
        int rc = p ? 0 : 1;
        /* ROUNDS rounds, and on a loaded machine more (within 30 s) until this side has had its way once */
        struct timespec deadline = xvios_deadline_ms(30000);

        for (int i = 0; (i < ROUNDS || (done == 0 && !xvios_ts_passed(&deadline))) && rc == 0; i++) {
            if (c == 0) {   /* an LU in p, checked, removed */
                char name[16];
                snprintf(name, sizeof(name), "l%d", i % 1000);
                int r = mk_lu(p, name, "p", "/dev/xvdb", 0);
                if (r == -ENXIO || r == -EAGAIN)
                    continue;
                if (r < 0 || xvios_db_lu_get(p, XVIOS_TX_NONE, name, &lu) < 0 ||
                    xvios_db_pool_read(p, XVIOS_TX_NONE, lu.pool, &info) < 0) {
                    fprintf(stderr, "LU %s: create %d, or its pool is gone\n", name, r);
                    rc = 1;
                    break;
                }
                xvios_db_pool_info_free(&info);
                done++;
                if (xvios_db_lu_remove(p, XVIOS_TX_NONE, name) < 0)
                    rc = 1;
            } else {        /* p deleted and made again */
                struct xvios_db_pool_spec spec = { .name = "p", .access = "*" };
                char why[80];
                int r = xvios_db_pool_delete(p, "p", NULL);
                if (r == 0)
                    done++;
                else if (r != -ENOTEMPTY && r != -ENXIO && r != -EAGAIN)
                    rc = 1;
                r = xvios_db_pool_create(p, &spec, why, sizeof(why), NULL);
                if (r < 0 && r != -EEXIST && r != -EAGAIN)
                    rc = 1;
            }
        }
        if (p)
            xvios_plat_close(p);
        _exit(rc ? 1 : done == 0 ? 2 : 0);   /* 2: no interleaving at all, the race was not run */
    }
    for (int c = 0; c < 2; c++) {
        int status = 0;

        assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("child %d: status %d", c, status);
    }
    /* and nothing left behind: every LU names a pool that exists */
    struct xvios_db_lu *lus = NULL;
    unsigned n = 0;
    assert_int_equal(xvios_db_lu_list(f->dom0, XVIOS_TX_NONE, &lus, &n), 0);
    assert_int_equal(n, 0);
    free(lus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_pools_and_their_lus),
        LOOP_FIXTURE_TEST(test_access_lists),
        LOOP_FIXTURE_TEST(test_outside_mappings),
        LOOP_FIXTURE_TEST(test_perms),
        LOOP_FIXTURE_TEST(test_damaged),
        LOOP_FIXTURE_TEST(test_delete_races_create),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
