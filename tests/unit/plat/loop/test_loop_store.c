/* SPDX-License-Identifier: MIT */
/*
 * test_loop_store.c - the loopback store: read/write/mkdir/rm/list
 * semantics, value and path limits, damaged backing files, and XenStore's
 * permission model (denials, inheritance on create, dom0 bypass).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"


static void put(xvios_plat *p, const char *path, const char *val)
{
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, path, val, strlen(val)), 0);
}

static void want_value(xvios_plat *p, const char *path, const char *want)
{
    char *v = NULL;
    size_t len = 0;
    assert_int_equal(xvios_store_read(p, XVIOS_TX_NONE, path, &v, &len), 0);
    assert_int_equal(len, strlen(want));
    assert_string_equal(v, want);
    free(v);
}

static int read_rc(xvios_plat *p, const char *path)
{
    char *v = NULL;
    size_t len;
    int rc = xvios_store_read(p, XVIOS_TX_NONE, path, &v, &len);
    free(v);
    return rc;
}

static void test_read_write_list_rm(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = f->dom0;
    char **names = NULL;
    unsigned n = 0;

    put(p, "/a/b/c", "hello");
    want_value(p, "/a/b/c", "hello");
    want_value(p, "/a/b", "");           /* parents created, empty */
    put(p, "/a/b/c", "again");             /* overwrite */
    want_value(p, "/a/b/c", "again");
    put(p, "/a/x", "");
    assert_int_equal(xvios_store_mkdir(p, XVIOS_TX_NONE, "/a/d"), 0);
    assert_int_equal(xvios_store_mkdir(p, XVIOS_TX_NONE, "/a/d"), 0);   /* exists: fine */
    want_value(p, "/a/d", "");
    assert_int_equal(xvios_store_list(p, XVIOS_TX_NONE, "/a", &names, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "b");
    assert_string_equal(names[1], "d");
    assert_string_equal(names[2], "x");
    xvios_strv_free(names, n);
    assert_int_equal(xvios_store_list(p, XVIOS_TX_NONE, "/a/b/c", &names, &n), 0);
    assert_int_equal(n, 0);
    xvios_strv_free(names, n);

    assert_int_equal(read_rc(p, "/nope"), -ENOENT);
    assert_int_equal(xvios_store_list(p, XVIOS_TX_NONE, "/nope", &names, &n), -ENOENT);
    assert_int_equal(xvios_store_rm(p, XVIOS_TX_NONE, "/a/b"), 0);
    assert_int_equal(read_rc(p, "/a/b/c"), -ENOENT);
    assert_int_equal(read_rc(p, "/a/b"), -ENOENT);
    want_value(p, "/a/x", "");
    assert_int_equal(xvios_store_rm(p, XVIOS_TX_NONE, "/a/b"), -ENOENT);
    assert_int_equal(xvios_store_rm(p, XVIOS_TX_NONE, "/"), -EINVAL);

    /* dom0's home exists on a fresh store, as on a Xen host */
    want_value(p, "/local/domain/0/name", "Domain-0");
}

static void test_value_and_path_limits(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = f->dom0;
    char *big = malloc(XVIOS_STORE_MAX_VALUE + 1), *v = NULL;
    size_t len = 0;

    assert_non_null(big);
    for (unsigned i = 0; i <= XVIOS_STORE_MAX_VALUE; i++)
        big[i] = (char)('a' + i % 26);
    big[7] = '\0';  /* values are bytes: an embedded NUL survives */
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/big", big, XVIOS_STORE_MAX_VALUE), 0);
    assert_int_equal(xvios_store_read(p, XVIOS_TX_NONE, "/big", &v, &len), 0);
    assert_int_equal(len, XVIOS_STORE_MAX_VALUE);
    assert_memory_equal(v, big, XVIOS_STORE_MAX_VALUE);
    assert_int_equal(v[len], '\0');
    free(v);
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/big", big, XVIOS_STORE_MAX_VALUE + 1), -E2BIG);
    free(big);

    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "a/b", "x", 1), -EINVAL);
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/a//b", "x", 1), -EINVAL);
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/a/", "x", 1), -EINVAL);
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/a b", "x", 1), -EINVAL);
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/a/.value", "x", 1), -EINVAL);
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/..", "x", 1), -EINVAL);
}

static void test_corrupt_backing_files(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = f->dom0;
    char *junk = malloc(XVIOS_STORE_MAX_VALUE + 100);
    char **names = NULL;
    unsigned n = 0;
    struct xvios_perm *perms = NULL;
    char dir[256];

    assert_non_null(junk);
    memset(junk, 'z', XVIOS_STORE_MAX_VALUE + 100);
    put(p, "/c/perms", "v");
    put(p, "/c/value", "v");
    put(p, "/c/many", "v");
    put(p, "/c/ok", "fine");

    assert_int_equal(loop_fixture_put_file(f->root, "store/c/perms/.perms", "garbage", 7), 0);
    assert_int_equal(read_rc(p, "/c/perms"), -EIO);
    assert_int_equal(xvios_store_get_perms(p, XVIOS_TX_NONE, "/c/perms", &perms, &n), -EIO);
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/c/perms", "x", 1), -EIO);

    assert_int_equal(loop_fixture_put_file(f->root, "store/c/value/.value", junk, XVIOS_STORE_MAX_VALUE + 100), 0);
    assert_int_equal(read_rc(p, "/c/value"), -EIO);

    /* more entries than a permission list may hold, and a domid out of range */
    char many[4096] = "";
    for (unsigned i = 0; i < XVIOS_STORE_MAX_PERMS + 1; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "r%u\n", i);
    assert_int_equal(loop_fixture_put_file(f->root, "store/c/many/.perms", many, strlen(many)), 0);
    assert_int_equal(read_rc(p, "/c/many"), -EIO);
    assert_int_equal(loop_fixture_put_file(f->root, "store/c/many/.perms", "n99999999\n", 10), 0);
    assert_int_equal(read_rc(p, "/c/many"), -EIO);
    assert_int_equal(loop_fixture_put_file(f->root, "store/c/many/.perms", "", 0), 0);
    assert_int_equal(read_rc(p, "/c/many"), -EIO);

    /* backing files are never followed through symlinks */
    char target[256], link[256];
    snprintf(target, sizeof(target), "%s/store/c/ok/.value", f->root);
    snprintf(link, sizeof(link), "%s/store/c/value/.value", f->root);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(read_rc(p, "/c/value"), -EIO);

    /* a directory with no .perms is no node */
    snprintf(dir, sizeof(dir), "%s/store/c/bare", f->root);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(read_rc(p, "/c/bare"), -EIO);

    /* the rest of the tree is unaffected; foreign names in the backing directory are not nodes */
    snprintf(dir, sizeof(dir), "%s/store/c/has space", f->root);
    assert_int_equal(mkdir(dir, 0700), 0);
    want_value(p, "/c/ok", "fine");
    assert_int_equal(xvios_store_list(p, XVIOS_TX_NONE, "/c", &names, &n), 0);
    assert_int_equal(n, 5);  /* bare, many, ok, perms, value */
    xvios_strv_free(names, n);
    /* a damaged node can still be removed by dom0 */
    assert_int_equal(xvios_store_rm(p, XVIOS_TX_NONE, "/c/value"), 0);
    assert_int_equal(read_rc(p, "/c/value"), -ENOENT);
    free(junk);
}

static void set_perms(xvios_plat *p, const char *path, const struct xvios_perm *perms, unsigned n)
{
    assert_int_equal(xvios_store_set_perms(p, XVIOS_TX_NONE, path, perms, n), 0);
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

static void test_permission_denials(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = f->dom0, *d5 = loop_fixture_open(f->root, 5), *d6 = loop_fixture_open(f->root, 6);
    const struct xvios_perm ro5[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_READ } };
    const struct xvios_perm mine5[] = { { 5, XVIOS_PERM_NONE } };
    char **names = NULL;
    unsigned n = 0;
    struct xvios_perm *perms = NULL;

    assert_non_null(d5);
    assert_non_null(d6);
    put(p, "/p/v", "secret");
    set_perms(p, "/p", ro5, 2);
    set_perms(p, "/p/v", ro5, 2);

    want_value(d5, "/p/v", "secret");                   /* READ granted */
    assert_int_equal(xvios_store_list(d5, XVIOS_TX_NONE, "/p", &names, &n), 0);
    assert_int_equal(n, 1);
    xvios_strv_free(names, n);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/p/v", "x", 1), -EACCES);  /* no WRITE */
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/p/new", "x", 1), -EACCES); /* create: parent */
    assert_int_equal(xvios_store_mkdir(d5, XVIOS_TX_NONE, "/p/v"), -EACCES);
    assert_int_equal(xvios_store_rm(d5, XVIOS_TX_NONE, "/p/v"), -EACCES);
    assert_int_equal(xvios_store_set_perms(d5, XVIOS_TX_NONE, "/p/v", mine5, 1), -EACCES); /* not owner */

    assert_int_equal(read_rc(d6, "/p/v"), -EACCES);        /* default: none */
    assert_int_equal(xvios_store_list(d6, XVIOS_TX_NONE, "/p", &names, &n), -EACCES);
    assert_int_equal(xvios_store_get_perms(d6, XVIOS_TX_NONE, "/p", &perms, &n), -EACCES);
    assert_int_equal(read_rc(d6, "/"), -EACCES);           /* the root is dom0's */
    assert_int_equal(xvios_store_write(d6, XVIOS_TX_NONE, "/elsewhere", "x", 1), -EACCES);

    /* dom0 bypasses everything, whatever the list says */
    set_perms(p, "/p/v", mine5, 1);
    want_value(p, "/p/v", "secret");
    put(p, "/p/v", "dom0 was here");
    /* the owner may do anything */
    want_value(d5, "/p/v", "dom0 was here");
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/p/v", "mine", 4), 0);
    set_perms(d5, "/p/v", ro5 + 1, 1);                     /* owner changes its own node's list... */
    const struct xvios_perm give_away[] = { { 6, XVIOS_PERM_NONE } };
    assert_int_equal(xvios_store_set_perms(d5, XVIOS_TX_NONE, "/p/v", give_away, 1), -EPERM); /* ...not owner */
    assert_int_equal(xvios_store_rm(d5, XVIOS_TX_NONE, "/p/v"), 0);
    xvios_plat_close(d5);
    xvios_plat_close(d6);
}

static void test_inheritance_on_create(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = f->dom0, *d7 = loop_fixture_open(f->root, 7), *d8 = loop_fixture_open(f->root, 8);
    const struct xvios_perm shared[] = { { 0, XVIOS_PERM_NONE }, { 7, XVIOS_PERM_BOTH }, { 8, XVIOS_PERM_READ } };
    const struct xvios_perm by7[] = { { 7, XVIOS_PERM_NONE }, { 7, XVIOS_PERM_BOTH }, { 8, XVIOS_PERM_READ } };

    assert_non_null(d7);
    assert_non_null(d8);
    assert_int_equal(xvios_store_mkdir(p, XVIOS_TX_NONE, "/q"), 0);
    set_perms(p, "/q", shared, 3);
    /* created by dom0: the parent's list as it is */
    put(p, "/q/by0", "x");
    want_perms(p, "/q/by0", shared, 3);
    /* created by domain 7 (with WRITE on the nearest existing ancestor): parent's list, 7 the owner,
     * for every missing level */
    assert_int_equal(xvios_store_write(d7, XVIOS_TX_NONE, "/q/r/s", "x", 1), 0);
    want_perms(p, "/q/r", by7, 3);
    want_perms(p, "/q/r/s", by7, 3);
    want_value(d8, "/q/r/s", "x");
    assert_int_equal(xvios_store_write(d8, XVIOS_TX_NONE, "/q/r/t", "x", 1), -EACCES);
    /* perms are per node: changing /q later does not change existing children */
    set_perms(p, "/q", shared, 1);
    want_perms(p, "/q/r/s", by7, 3);
    xvios_plat_close(d7);
    xvios_plat_close(d8);
}

static void test_perms_validation(void **state)
{
    struct loop_fixture *f = *state;
    const struct xvios_perm bad_domid[] = { { 0x10000u, XVIOS_PERM_READ } };
    const struct xvios_perm bad_bits[] = { { 1, (enum xvios_perm_bits)7 } };

    put(f->dom0, "/v", "x");
    assert_int_equal(xvios_store_set_perms(f->dom0, XVIOS_TX_NONE, "/v", bad_domid, 1), -EINVAL);
    assert_int_equal(xvios_store_set_perms(f->dom0, XVIOS_TX_NONE, "/v", bad_bits, 1), -EINVAL);
    assert_int_equal(xvios_store_set_perms(f->dom0, XVIOS_TX_NONE, "/v", bad_bits, 0), -EINVAL);
    assert_int_equal(xvios_store_set_perms(f->dom0, XVIOS_TX_NONE, "/missing", bad_bits + 0, 0), -EINVAL);
    const struct xvios_perm ok[] = { { 3, XVIOS_PERM_WRITE } };
    assert_int_equal(xvios_store_set_perms(f->dom0, XVIOS_TX_NONE, "/missing", ok, 1), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_read_write_list_rm),
        LOOP_FIXTURE_TEST(test_value_and_path_limits),
        LOOP_FIXTURE_TEST(test_corrupt_backing_files),
        LOOP_FIXTURE_TEST(test_permission_denials),
        LOOP_FIXTURE_TEST(test_inheritance_on_create),
        LOOP_FIXTURE_TEST(test_perms_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
