/* SPDX-License-Identifier: MIT */
/*
 * test_db_lu.c - the LU pool in the cluster DB on the loopback store:
 * create/get/list/remove, every refusal with its errno, WWN and serial
 * allocation (unique, never reused, identical when read by any member),
 * the permission lists of every node (members READ, nobody else anything,
 * re-granted on membership changes), members refused as writers, and
 * malformed entries written behind the DB's back.
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
#include "xvios/db_lu.h"
#include "xvios/loopback.h"

#define MiB (UINT64_C(1) << 20)

static const struct xvios_db_config cfg = { .name = "pool-test", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };

static uint32_t add_vios(struct loop_fixture *f, uint32_t domid, const char *name)
{
    struct xvios_dominfo info;
    uint32_t node = 0;

    assert_int_equal(xvios_loop_domain_create(f->dom0, domid, name), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, domid, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    return node;
}

static int mk(xvios_plat *p, const char *name, const char *backing, uint64_t off, uint64_t size, uint64_t bsize,
              struct xvios_db_lu *out)
{
    struct xvios_db_lu_spec s = { .name = name, .backing = backing, .offset = off, .size = size,
                                  .backing_size = bsize };
    return xvios_db_lu_create(p, &s, out);
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

static void test_create_get_list_remove(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_lu a, b, got, *lus = NULL;
    char wwn[XVIOS_LU_WWN_HEX + 1];
    unsigned n = 0;

    assert_int_equal(mk(f->dom0, "lu-a", "/dev/xvdb", 0, 64 * MiB, 0, &a), -ENOENT);   /* no cluster */
    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(xvios_db_lu_list(f->dom0, XVIOS_TX_NONE, &lus, &n), 0);   /* no pool yet: no LUs */
    assert_int_equal(n, 0);
    free(lus);

    assert_int_equal(mk(f->dom0, "lu-b", "/dev/xvdb", 64 * MiB, 32 * MiB, 256 * MiB, &b), 0);
    assert_int_equal(mk(f->dom0, "lu-a", "/dev/xvdb", 0, 64 * MiB, 256 * MiB, &a), 0);
    /* NAA 6, company id 52-54-A5; the pool id in both; the LU numbers 1 and 2 */
    xvios_lu_wwn_format(b.wwn, wwn);
    assert_int_equal(strncmp(wwn, "65254a5", 7), 0);
    assert_memory_equal(a.wwn, b.wwn, 8);
    assert_int_equal(b.wwn[15], 1);
    assert_int_equal(a.wwn[15], 2);
    assert_memory_not_equal(a.wwn, b.wwn, 16);
    assert_int_equal(strlen(a.serial), XVIOS_LU_SERIAL_LEN);
    assert_int_equal(strncmp(a.serial, "XVP", 3), 0);
    assert_string_not_equal(a.serial, b.serial);
    /* the serial carries the WWN's vendor-specific part */
    assert_int_equal(strncmp(a.serial + 3, wwn + 7, 9), 0);
    assert_string_equal(a.serial + 3 + 9, "0000000000000002");
    assert_true(a.created > 1600000000u);

    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "lu-a", &got), 0);
    assert_string_equal(got.name, "lu-a");
    assert_string_equal(got.backing, "/dev/xvdb");
    assert_int_equal(got.offset, 0);
    assert_int_equal(got.size, 64 * MiB);
    assert_false(got.read_only);
    assert_memory_equal(got.wwn, a.wwn, 16);
    assert_string_equal(got.serial, a.serial);
    assert_int_equal(got.created, a.created);

    struct xvios_db_lu_spec ro = { .name = "lu-ro", .backing = "/srv/other.img", .size = 4096, .read_only = true };
    assert_int_equal(xvios_db_lu_create(f->dom0, &ro, NULL), 0);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "lu-ro", &got), 0);
    assert_true(got.read_only);

    assert_int_equal(xvios_db_lu_list(f->dom0, XVIOS_TX_NONE, &lus, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(lus[0].name, "lu-a");      /* sorted by name */
    assert_string_equal(lus[1].name, "lu-b");
    assert_string_equal(lus[2].name, "lu-ro");
    assert_int_equal(lus[1].offset, 64 * MiB);
    free(lus);

    assert_int_equal(xvios_db_lu_remove(f->dom0, XVIOS_TX_NONE, "lu-b"), 0);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "lu-b", &got), -ENOENT);
    assert_int_equal(xvios_db_lu_remove(f->dom0, XVIOS_TX_NONE, "lu-b"), -ENOENT);
    assert_int_equal(xvios_db_lu_list(f->dom0, XVIOS_TX_NONE, &lus, &n), 0);
    assert_int_equal(n, 2);
    free(lus);
    /* its region is free again */
    assert_int_equal(mk(f->dom0, "lu-c", "/dev/xvdb", 64 * MiB, 64 * MiB, 256 * MiB, &got), 0);
}

static void test_refusals(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_lu got;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(mk(f->dom0, "one", "/dev/sdb", MiB, MiB, 0, NULL), 0);
    /* names */
    assert_int_equal(mk(f->dom0, "", "/dev/sdb", 0, MiB, 0, NULL), -EINVAL);
    assert_int_equal(mk(f->dom0, "a/b", "/dev/sdb", 0, MiB, 0, NULL), -EINVAL);
    assert_int_equal(mk(f->dom0, "-x", "/dev/sdb", 0, MiB, 0, NULL), -EINVAL);
    assert_int_equal(mk(f->dom0, "x y", "/dev/sdb", 0, MiB, 0, NULL), -EINVAL);
    char long_name[XVIOS_LU_NAME_MAX + 2];
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_int_equal(mk(f->dom0, long_name, "/dev/sdb", 0, MiB, 0, NULL), -EINVAL);
    long_name[XVIOS_LU_NAME_MAX] = '\0';
    assert_int_equal(mk(f->dom0, long_name, "/dev/sdc", 0, MiB, 0, NULL), 0);   /* 63 is fine */
    assert_int_equal(mk(f->dom0, "one", "/dev/sdc", 0, MiB, 0, NULL), -EEXIST);
    /* backings: absolute and canonical */
    assert_int_equal(mk(f->dom0, "b1", "dev/sdb", 0, MiB, 0, NULL), -EINVAL);
    assert_int_equal(mk(f->dom0, "b2", "/dev//sdb", 0, MiB, 0, NULL), -EINVAL);
    assert_int_equal(mk(f->dom0, "b3", "/dev/../dev/sdb", 0, MiB, 0, NULL), -EINVAL);
    assert_int_equal(mk(f->dom0, "b4", "/dev/./sdb", 0, MiB, 0, NULL), -EINVAL);
    assert_int_equal(mk(f->dom0, "b5", "/dev/sdb/", 0, MiB, 0, NULL), -EINVAL);
    assert_int_equal(mk(f->dom0, "b6", "/dev/sd\nb", 0, MiB, 0, NULL), -EINVAL);
    assert_int_equal(mk(f->dom0, "b7", "/", 0, MiB, 0, NULL), -EINVAL);
    /* regions */
    assert_int_equal(mk(f->dom0, "r1", "/dev/sdd", 0, 0, 0, NULL), -EDOM);
    assert_int_equal(mk(f->dom0, "r2", "/dev/sdd", 0, 4095, 0, NULL), -EDOM);
    assert_int_equal(mk(f->dom0, "r3", "/dev/sdd", 512, MiB, 0, NULL), -EDOM);
    assert_int_equal(mk(f->dom0, "r4", "/dev/sdd", UINT64_MAX - 4095, 4096, 0, NULL), -EDOM);
    assert_int_equal(mk(f->dom0, "r5", "/dev/sdd", XVIOS_LU_SIZE_MAX, 4096, 0, NULL), -EDOM);
    assert_int_equal(mk(f->dom0, "r6", "/dev/sdd", 0, 2 * MiB, MiB, NULL), -EFBIG);
    assert_int_equal(mk(f->dom0, "r7", "/dev/sdd", MiB, 4096, MiB, NULL), -EFBIG);
    assert_int_equal(mk(f->dom0, "r8", "/dev/sdd", 2 * MiB, 4096, MiB, NULL), -EFBIG);
    assert_int_equal(mk(f->dom0, "r9", "/dev/sdd", 0, MiB, MiB, NULL), 0);     /* exactly the whole backing */
    /* overlaps on the same backing; touching regions and other backings are fine */
    assert_int_equal(mk(f->dom0, "o1", "/dev/sdb", 0, MiB + 4096, 0, NULL), -EADDRINUSE);
    assert_int_equal(mk(f->dom0, "o2", "/dev/sdb", 2 * MiB - 4096, MiB, 0, NULL), -EADDRINUSE);
    assert_int_equal(mk(f->dom0, "o3", "/dev/sdb", 0, 8 * MiB, 0, NULL), -EADDRINUSE);
    assert_int_equal(mk(f->dom0, "o4", "/dev/sdb", MiB + 4096, 4096, 0, NULL), -EADDRINUSE);
    assert_int_equal(mk(f->dom0, "o5", "/dev/sdb", 0, MiB, 0, NULL), 0);
    assert_int_equal(mk(f->dom0, "o6", "/dev/sdb", 2 * MiB, MiB, 0, NULL), 0);
    assert_int_equal(mk(f->dom0, "o7", "/dev/sdbx", MiB, MiB, 0, NULL), 0);
    /* unknown LUs and bad names when asked for */
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "nope", &got), -ENOENT);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "../nodes", &got), -EINVAL);
    assert_int_equal(xvios_db_lu_remove(f->dom0, XVIOS_TX_NONE, "nope"), -ENOENT);
    assert_int_equal(xvios_db_lu_remove(f->dom0, XVIOS_TX_NONE, ""), -EINVAL);
}

/* WWNs: unique across creates and removes, a removed LU's number is never handed out again. */
static void test_wwn_unique_never_reused(void **state)
{
    struct loop_fixture *f = *state;
    enum { N = 40 };
    struct xvios_db_lu lus[2 * N];
    char name[16];

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    for (unsigned i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "lu%u", i);
        assert_int_equal(mk(f->dom0, name, "/dev/xvdb", (uint64_t)i * MiB, MiB, 0, &lus[i]), 0);
    }
    /* remove every other one, the last created among them, and create as many again */
    for (unsigned i = 1; i < N; i += 2) {
        snprintf(name, sizeof(name), "lu%u", i);
        assert_int_equal(xvios_db_lu_remove(f->dom0, XVIOS_TX_NONE, name), 0);
    }
    for (unsigned i = N; i < 2 * N; i++) {
        snprintf(name, sizeof(name), "lu%u", i % 2 ? i - N : i);   /* odd names come back */
        assert_int_equal(mk(f->dom0, name, "/dev/xvdb", (uint64_t)i * MiB, MiB, 0, &lus[i]), 0);
    }
    for (unsigned i = 0; i < 2 * N; i++)
        for (unsigned j = i + 1; j < 2 * N; j++) {
            assert_memory_not_equal(lus[i].wwn, lus[j].wwn, 16);
            assert_string_not_equal(lus[i].serial, lus[j].serial);
        }
    /* the same name again is a new LU: its WWN is not the removed one's */
    assert_memory_not_equal(lus[1].wwn, lus[N + 1].wwn, 16);
    assert_int_equal(lus[N + 1].wwn[15], N + 2);

    /* a damaged counter cannot make the pool hand out a number an LU still has */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/pool/next-lu", "3", 1), 0);
    struct xvios_db_lu again;
    assert_int_equal(mk(f->dom0, "again", "/dev/xvdc", 0, MiB, 0, &again), 0);
    assert_int_equal(again.wwn[15], 2 * N + 1);
    /* and a counter that is not a number stops creation rather than guess */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/pool/next-lu", "07", 2), 0);
    assert_int_equal(mk(f->dom0, "later", "/dev/xvdc", MiB, MiB, 0, NULL), -EIO);
}

/* Two pools (clusters made again) get different pool ids, so their WWNs differ. */
static void test_pool_id_per_cluster(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_lu first, second;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(mk(f->dom0, "lu", "/dev/xvdb", 0, MiB, 0, &first), 0);
    assert_int_equal(xvios_db_cluster_destroy(f->dom0), 0);
    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(mk(f->dom0, "lu", "/dev/xvdb", 0, MiB, 0, &second), 0);
    assert_int_equal(first.wwn[15], 1);
    assert_int_equal(second.wwn[15], 1);
    assert_memory_not_equal(first.wwn + 3, second.wwn + 3, 5);   /* the 36-bit pool id */
}

static void test_perms_and_members(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_lu mine, seen, *lus = NULL;
    unsigned n = 0;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    add_vios(f, 5, "vios-a");
    add_vios(f, 6, "vios-b");
    assert_int_equal(xvios_loop_domain_create(f->dom0, 9, "client"), 0);
    assert_int_equal(mk(f->dom0, "shared", "/dev/xvdb", 0, 16 * MiB, 0, &mine), 0);

    const struct xvios_perm two[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_READ }, { 6, XVIOS_PERM_READ } };
    const char *paths[] = { "/xvios/pool", "/xvios/pool/id", "/xvios/pool/next-lu", "/xvios/pool/lus",
                            "/xvios/pool/lus/shared", "/xvios/pool/lus/shared/backing",
                            "/xvios/pool/lus/shared/offset", "/xvios/pool/lus/shared/size",
                            "/xvios/pool/lus/shared/ro", "/xvios/pool/lus/shared/wwn",
                            "/xvios/pool/lus/shared/serial", "/xvios/pool/lus/shared/created" };
    for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        want_perms(f->dom0, paths[i], two, 3);

    xvios_plat *d5 = loop_fixture_open(f->root, 5), *d6 = loop_fixture_open(f->root, 6),
               *d9 = loop_fixture_open(f->root, 9);
    assert_non_null(d5);
    assert_non_null(d6);
    assert_non_null(d9);
    /* every member reads the same identifiers */
    assert_int_equal(xvios_db_lu_get(d5, XVIOS_TX_NONE, "shared", &seen), 0);
    assert_memory_equal(seen.wwn, mine.wwn, 16);
    assert_string_equal(seen.serial, mine.serial);
    assert_int_equal(xvios_db_lu_get(d6, XVIOS_TX_NONE, "shared", &seen), 0);
    assert_memory_equal(seen.wwn, mine.wwn, 16);
    assert_int_equal(xvios_db_lu_list(d6, XVIOS_TX_NONE, &lus, &n), 0);
    assert_int_equal(n, 1);
    free(lus);
    /* members cannot create, change or remove LUs */
    assert_int_equal(mk(d5, "evil", "/dev/xvdc", 0, MiB, 0, NULL), -EACCES);
    assert_int_equal(xvios_db_lu_remove(d5, XVIOS_TX_NONE, "shared"), -EACCES);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/xvios/pool/lus/shared/size", "4096", 4), -EACCES);
    assert_int_equal(xvios_store_write(d6, XVIOS_TX_NONE, "/xvios/pool/next-lu", "1", 1), -EACCES);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "shared", &seen), 0);
    assert_int_equal(seen.size, 16 * MiB);
    /* a client domain reads nothing of it */
    assert_int_equal(xvios_db_lu_get(d9, XVIOS_TX_NONE, "shared", &seen), -EACCES);
    assert_int_not_equal(xvios_db_lu_list(d9, XVIOS_TX_NONE, &lus, &n), 0);
    assert_int_equal(mk(d9, "evil", "/dev/xvdc", 0, MiB, 0, NULL), -EACCES);

    /* a member that joins later is granted the pool; one that leaves loses it */
    add_vios(f, 7, "vios-c");
    const struct xvios_perm three[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_READ }, { 6, XVIOS_PERM_READ },
                                        { 7, XVIOS_PERM_READ } };
    for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        want_perms(f->dom0, paths[i], three, 4);
    assert_int_equal(xvios_db_node_remove(f->dom0, 1), 0);   /* vios-a */
    const struct xvios_perm after[] = { { 0, XVIOS_PERM_NONE }, { 6, XVIOS_PERM_READ }, { 7, XVIOS_PERM_READ } };
    for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        want_perms(f->dom0, paths[i], after, 3);
    assert_int_equal(xvios_db_lu_get(d5, XVIOS_TX_NONE, "shared", &seen), -EACCES);
    /* and an LU made now carries the members of now */
    assert_int_equal(mk(f->dom0, "later", "/dev/xvdc", 0, MiB, 0, NULL), 0);
    want_perms(f->dom0, "/xvios/pool/lus/later/wwn", after, 3);
    xvios_plat_close(d5);
    xvios_plat_close(d6);
    xvios_plat_close(d9);
}

/* Entries damaged behind the DB's back: -EIO when named, skipped when listed, their names stay taken. */
static void test_malformed_entries(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_lu got, *lus = NULL;
    unsigned n = 0;
    static const struct {
        const char *leaf, *val;
    } damage[] = {
        { "wwn", "60000000000000000000000000000001" },   /* another company id */
        { "wwn", "65254A50000000000000000000000001" },   /* not the pool's spelling */
        { "serial", "XVP0000000000000000000000009" },    /* does not match the WWN */
        { "size", "0" }, { "size", "4097" }, { "offset", "01" }, { "ro", "2" },
        { "backing", "relative" }, { "created", "-1" },
    };

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(mk(f->dom0, "good", "/dev/xvdb", 0, MiB, 0, NULL), 0);
    for (unsigned i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
        char path[128];
        assert_int_equal(mk(f->dom0, "bad", "/dev/xvdc", 0, MiB, 0, NULL), 0);
        snprintf(path, sizeof(path), "/xvios/pool/lus/bad/%s", damage[i].leaf);
        assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, path, damage[i].val, strlen(damage[i].val)), 0);
        assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "bad", &got), -EIO);
        assert_int_equal(xvios_db_lu_list(f->dom0, XVIOS_TX_NONE, &lus, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(lus[0].name, "good");
        free(lus);
        assert_int_equal(mk(f->dom0, "bad", "/dev/xvdd", 0, MiB, 0, NULL), -EEXIST);
        assert_int_equal(xvios_db_lu_remove(f->dom0, XVIOS_TX_NONE, "bad"), 0);
    }
    /* a missing leaf, and a name that is no LU name */
    assert_int_equal(mk(f->dom0, "bad", "/dev/xvdc", 0, MiB, 0, NULL), 0);
    assert_int_equal(xvios_store_rm(f->dom0, XVIOS_TX_NONE, "/xvios/pool/lus/bad/serial"), 0);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "bad", &got), -EIO);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/pool/lus/-x/size", "1", 1), 0);
    assert_int_equal(xvios_db_lu_list(f->dom0, XVIOS_TX_NONE, &lus, &n), 0);
    assert_int_equal(n, 1);
    free(lus);
    /* a damaged pool id stops creation */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/pool/id", "zzz", 3), 0);
    assert_int_equal(mk(f->dom0, "new", "/dev/xvde", 0, MiB, 0, NULL), -EIO);
}

/* The pure checks the toolstack uses too. */
static void test_checks(void **state)
{
    uint8_t w[16];
    struct xvios_db_lu a = { .backing = "/d", .offset = 0, .size = 8192 }, b = a;

    (void)state;
    assert_true(xvios_lu_name_ok("a"));
    assert_true(xvios_lu_name_ok("9x_y-z"));
    assert_false(xvios_lu_name_ok("a.img"));
    assert_false(xvios_lu_name_ok(".x"));
    assert_false(xvios_lu_name_ok("x/y"));
    assert_int_equal(xvios_lu_backing_check("/dev/disk/by-id/wwn-0x5"), 0);
    assert_int_equal(xvios_lu_backing_check("/a/.."), -EINVAL);
    assert_int_equal(xvios_lu_region_check(0, 4096), 0);
    assert_int_equal(xvios_lu_region_check(4096, XVIOS_LU_SIZE_MAX), -EDOM);
    assert_int_equal(xvios_lu_wwn_parse("65254a5123456789000000000000002a", w), 0);
    assert_int_equal(w[15], 0x2a);
    assert_int_equal(xvios_lu_wwn_parse("65254a5123456789000000000000002", w), -EINVAL);
    assert_int_equal(xvios_lu_wwn_parse("55254a5123456789000000000000002a", w), -EINVAL);
    assert_int_equal(xvios_lu_wwn_parse("65254a512345678900000000000000g1", w), -EINVAL);
    b.offset = 4096;
    assert_true(xvios_lu_overlap(&a, &b));
    b.offset = 8192;
    assert_false(xvios_lu_overlap(&a, &b));
    b.offset = 0;
    snprintf(b.backing, sizeof(b.backing), "/e");
    assert_false(xvios_lu_overlap(&a, &b));
    assert_true(xvios_lu_serial_ok("XVP00000000a00000000000000ff"));
    assert_false(xvios_lu_serial_ok("XVP00000000A00000000000000ff"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_create_get_list_remove),
        LOOP_FIXTURE_TEST(test_refusals),
        LOOP_FIXTURE_TEST(test_wwn_unique_never_reused),
        LOOP_FIXTURE_TEST(test_pool_id_per_cluster),
        LOOP_FIXTURE_TEST(test_perms_and_members),
        LOOP_FIXTURE_TEST(test_malformed_entries),
        cmocka_unit_test(test_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
