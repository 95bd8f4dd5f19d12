/* SPDX-License-Identifier: MIT */
/*
 * test_rdb_file.c - a member's persisted copy (xen/plat/rdb/rdb_file.c): the
 * round trip with its version, the atomic replacement (no temporary left,
 * the old copy kept when the new one cannot be written), and the refusal of
 * a file that is missing, truncated, changed in one byte, or no copy at all.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "xen/plat/rdb/rdb_file.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_rdb_file.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/member.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void sample(struct rdb_tree *t, const char *val)
{
    struct rdb_op op = { .kind = RDB_OP_WRITE, .path = "/pool/lu1", .val = (char *)val, .len = strlen(val) };
    assert_int_equal(rdb_tree_init(t), 0);
    assert_int_equal(rdb_tree_apply(t, 0, &op, 1, NULL, NULL), 0);
}

static void test_roundtrip(void **state)
{
    (void)state;
    struct rdb_tree t, u;
    uint64_t v = 0, h1, h2;
    assert_int_equal(rdb_file_load(path, &v, &u), -ENOENT);
    sample(&t, "first");
    assert_int_equal(rdb_file_save(path, 41, &t), 0);
    rdb_tree_free(&t);
    sample(&t, "second");
    assert_int_equal(rdb_file_save(path, 42, &t), 0);      /* replaces the first */
    assert_int_equal(rdb_file_load(path, &v, &u), 0);
    assert_int_equal(v, 42);
    assert_int_equal(rdb_tree_hash(&t, &h1), 0);
    assert_int_equal(rdb_tree_hash(&u, &h2), 0);
    assert_true(h1 == h2);
    assert_string_equal(rdb_tree_get(&u, "/pool/lu1")->val, "second");
    /* no temporary file left beside it */
    char tmp[200];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    assert_int_equal(access(tmp, F_OK), -1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    rdb_tree_free(&t);
    rdb_tree_free(&u);
}

static void test_damaged(void **state)
{
    (void)state;
    struct rdb_tree t, u;
    uint64_t v = 0;
    sample(&t, "value");
    assert_int_equal(rdb_file_save(path, 7, &t), 0);
    rdb_tree_free(&t);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t buf[4096];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    assert_true(len > 32);
    /* every single-byte change (the version's included) and every truncation is refused */
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x01;
        f = fopen(path, "wb");
        fwrite(buf, 1, len, f);
        fclose(f);
        assert_int_equal(rdb_file_load(path, &v, &u), -EPROTO);
        buf[i] ^= 0x01;
    }
    for (size_t l = 0; l < len; l += 7) {
        f = fopen(path, "wb");
        fwrite(buf, 1, l, f);
        fclose(f);
        assert_int_equal(rdb_file_load(path, &v, &u), -EPROTO);
    }
    /* restored: accepted */
    f = fopen(path, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
    assert_int_equal(rdb_file_load(path, &v, &u), 0);
    assert_int_equal(v, 7);
    rdb_tree_free(&u);
    /* a directory where the file should be: refused, not followed */
    char sub[160];
    snprintf(sub, sizeof(sub), "%s/adir", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(rdb_file_load(sub, &v, &u), -EPROTO);
    /* the save cannot replace a directory: the call fails and leaves it */
    sample(&t, "x");
    assert_true(rdb_file_save(sub, 1, &t) < 0);
    rdb_tree_free(&t);
    assert_int_equal(rmdir(sub), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
