/* SPDX-License-Identifier: MIT */
/*
 * test_rdb_tree.c - the replicated DB's copy in memory (xen/plat/rdb/rdb_tree.c):
 * parents created with the nearest ancestor's permissions and the creator as
 * owner, XenStore's access rules, subtree removal, listing, permission
 * changes; the byte format's round trip and every refusal of a damaged copy;
 * the content hash.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xen/plat/rdb/rdb_tree.h"

#define NH 24   /* a node's header in the byte format */

static int apply(struct rdb_tree *t, uint32_t domid, enum rdb_op_kind kind, const char *path, const char *val)
{
    struct rdb_op op = { .kind = kind, .path = (char *)path, .val = (char *)val, .len = val ? strlen(val) : 0 };
    return rdb_tree_apply(t, domid, &op, 1, NULL, NULL);
}

static int set_perms(struct rdb_tree *t, uint32_t domid, const char *path, const struct xvios_perm *p, unsigned n)
{
    struct rdb_op op = { .kind = RDB_OP_SETPERMS, .path = (char *)path, .perms = (struct xvios_perm *)p, .nperms = n };
    return rdb_tree_apply(t, domid, &op, 1, NULL, NULL);
}

static char *read_val(const struct rdb_tree *t, uint32_t domid, const char *path, int *rc)
{
    char *v = NULL;
    size_t len = 0;
    *rc = rdb_tree_read(t, domid, path, &v, &len);
    return v;
}

struct seen {
    char log[1024];
};
static void note(void *ctx, char kind, const char *path)
{
    struct seen *s = ctx;
    size_t l = strlen(s->log);
    snprintf(s->log + l, sizeof(s->log) - l, "%c%s;", kind, path);
}

static void test_create_inherit_and_access(void **state)
{
    (void)state;
    struct rdb_tree t;
    struct seen s = { "" };
    int rc;
    assert_int_equal(rdb_tree_init(&t), 0);
    struct rdb_op op = { .kind = RDB_OP_WRITE, .path = "/a/b/c", .val = "v", .len = 1 };
    assert_int_equal(rdb_tree_apply(&t, 0, &op, 1, note, &s), 0);
    assert_string_equal(s.log, "C/a;C/a/b;C/a/b/c;");          /* parents created, each reported */
    char *v = read_val(&t, 0, "/a/b/c", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(v, "v");
    free(v);
    v = read_val(&t, 0, "/a/b", &rc);
    assert_string_equal(v, "");
    free(v);
    /* dom0 created them: they inherit "/"'s n0, so domain 5 may neither read nor write */
    assert_null(read_val(&t, 5, "/a/b/c", &rc));
    assert_int_equal(rc, -EACCES);
    assert_int_equal(apply(&t, 5, RDB_OP_WRITE, "/a/x", "y"), -EACCES);
    /* give domain 5 write access to /a: its creation below is owned by it */
    struct xvios_perm p[2] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_BOTH } };
    assert_int_equal(set_perms(&t, 0, "/a", p, 2), 0);
    assert_int_equal(apply(&t, 5, RDB_OP_WRITE, "/a/mine/leaf", "z"), 0);
    const struct rdb_node *nd = rdb_tree_get(&t, "/a/mine/leaf");
    assert_non_null(nd);
    assert_int_equal(nd->perms[0].domid, 5);
    assert_int_equal(nd->nperms, 2);
    /* its owner may read and change it; domain 6 is not listed and gets the owner entry's access (none) */
    v = read_val(&t, 5, "/a/mine/leaf", &rc);
    assert_string_equal(v, "z");
    free(v);
    assert_null(read_val(&t, 6, "/a/mine/leaf", &rc));
    assert_int_equal(rc, -EACCES);
    assert_true(rdb_tree_may_see(&t, 5, "/a/mine/leaf"));
    assert_false(rdb_tree_may_see(&t, 6, "/a/mine/leaf"));
    assert_true(rdb_tree_may_see(&t, 6, "/gone"));           /* removals always reach watchers */
    /* set_perms: only the owner or dom0, and the owner may not give the node away */
    struct xvios_perm give[1] = { { 6, XVIOS_PERM_READ } }, keep[1] = { { 5, XVIOS_PERM_READ } };
    assert_int_equal(set_perms(&t, 6, "/a/mine/leaf", keep, 1), -EACCES);
    assert_int_equal(set_perms(&t, 5, "/a/mine/leaf", give, 1), -EPERM);
    assert_int_equal(set_perms(&t, 5, "/a/mine/leaf", keep, 1), 0);
    v = read_val(&t, 6, "/a/mine/leaf", &rc);                /* everyone reads it now */
    assert_string_equal(v, "z");
    free(v);
    struct xvios_perm badp[1] = { { 0x10000, XVIOS_PERM_READ } };
    assert_int_equal(set_perms(&t, 0, "/a", badp, 1), -EINVAL);
    assert_int_equal(set_perms(&t, 0, "/nope", keep, 1), -ENOENT);
    rdb_tree_free(&t);
}

static void test_mkdir_rm_list(void **state)
{
    (void)state;
    struct rdb_tree t;
    struct seen s = { "" };
    char **names = NULL;
    unsigned n = 0;
    assert_int_equal(rdb_tree_init(&t), 0);
    /* '-' sorts before '/' in ASCII: the subtree of /a must still be found whole */
    assert_int_equal(apply(&t, 0, RDB_OP_WRITE, "/a-b", "1"), 0);
    assert_int_equal(apply(&t, 0, RDB_OP_WRITE, "/a/z", "2"), 0);
    assert_int_equal(apply(&t, 0, RDB_OP_WRITE, "/a/b/deep", "3"), 0);
    assert_int_equal(apply(&t, 0, RDB_OP_MKDIR, "/a/c", NULL), 0);
    assert_int_equal(apply(&t, 0, RDB_OP_WRITE, "/a/c", "x"), 0);
    assert_int_equal(apply(&t, 0, RDB_OP_MKDIR, "/a/c", NULL), 0);   /* exists: value kept */
    int rc;
    char *v = read_val(&t, 0, "/a/c", &rc);
    assert_string_equal(v, "x");
    free(v);
    assert_int_equal(rdb_tree_list(&t, 0, "/a", &names, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "b");
    assert_string_equal(names[1], "c");
    assert_string_equal(names[2], "z");
    xvios_strv_free(names, n);
    assert_int_equal(rdb_tree_list(&t, 0, "/", &names, &n), 0);
    assert_int_equal(n, 2);                                        /* "a", "a-b" */
    xvios_strv_free(names, n);
    assert_int_equal(rdb_tree_list(&t, 5, "/a", &names, &n), -EACCES);
    struct rdb_op rm = { .kind = RDB_OP_RM, .path = "/a" };
    assert_int_equal(rdb_tree_apply(&t, 0, &rm, 2, note, &s), 0);
    assert_string_equal(s.log, "R/a;");
    assert_null(rdb_tree_get(&t, "/a/b/deep"));
    assert_null(rdb_tree_get(&t, "/a"));
    assert_non_null(rdb_tree_get(&t, "/a-b"));                     /* the neighbour stays */
    assert_int_equal(t.n, 2);
    assert_int_equal(apply(&t, 0, RDB_OP_RM, "/a", NULL), -ENOENT);
    assert_int_equal(apply(&t, 0, RDB_OP_RM, "/", NULL), -EINVAL);
    assert_int_equal(apply(&t, 0, RDB_OP_WRITE, "/", "x"), -EINVAL);
    assert_int_equal(apply(&t, 0, RDB_OP_WRITE, "bad", "x"), -EINVAL);
    assert_int_equal(apply(&t, 0, RDB_OP_WRITE, "/a//b", "x"), -EINVAL);
    rdb_tree_free(&t);
    rdb_tree_free(&t);   /* twice is fine */
}

static void build_sample(struct rdb_tree *t)
{
    struct xvios_perm p[3] = { { 7, XVIOS_PERM_READ }, { 8, XVIOS_PERM_WRITE }, { 9, XVIOS_PERM_BOTH } };
    assert_int_equal(rdb_tree_init(t), 0);
    assert_int_equal(apply(t, 0, RDB_OP_WRITE, "/pool/lu1", "size=1G"), 0);
    assert_int_equal(apply(t, 0, RDB_OP_WRITE, "/pool/lu2", ""), 0);
    assert_int_equal(apply(t, 0, RDB_OP_WRITE, "/nodes/257", "host=1"), 0);
    assert_int_equal(set_perms(t, 0, "/nodes/257", p, 3), 0);
}

static void test_encode_decode_roundtrip(void **state)
{
    (void)state;
    struct rdb_tree t, u, c;
    uint8_t *b = NULL, *b2 = NULL;
    size_t len = 0, len2 = 0;
    uint64_t h1, h2;
    build_sample(&t);
    assert_int_equal(rdb_tree_encode(&t, &b, &len), 0);
    assert_int_equal(rdb_tree_size(&t), len);
    assert_int_equal(rdb_tree_decode(b, len, &u), 0);
    assert_int_equal(u.n, t.n);
    assert_int_equal(rdb_tree_encode(&u, &b2, &len2), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(b, b2, len);
    assert_int_equal(rdb_tree_hash(&t, &h1), 0);
    assert_int_equal(rdb_tree_hash(&u, &h2), 0);
    assert_true(h1 == h2);
    assert_true(h1 == rdb_hash(b, len));
    /* a clone is equal; a change changes the hash */
    assert_int_equal(rdb_tree_clone(&t, &c), 0);
    assert_int_equal(rdb_tree_hash(&c, &h2), 0);
    assert_true(h1 == h2);
    assert_int_equal(apply(&c, 0, RDB_OP_WRITE, "/pool/lu2", "x"), 0);
    assert_int_equal(rdb_tree_hash(&c, &h2), 0);
    assert_true(h1 != h2);
    assert_int_equal(rdb_tree_hash(&t, &h2), 0);
    assert_true(h1 == h2);                                  /* the original is untouched */
    free(b);
    free(b2);
    rdb_tree_free(&t);
    rdb_tree_free(&u);
    rdb_tree_free(&c);
}

static void test_decode_refuses(void **state)
{
    (void)state;
    struct rdb_tree t, u;
    uint8_t *b = NULL;
    size_t len = 0;
    build_sample(&t);
    assert_int_equal(rdb_tree_encode(&t, &b, &len), 0);
    /* every truncation */
    for (size_t l = 0; l < len; l++)
        assert_int_equal(rdb_tree_decode(b, l, &u), -EPROTO);
    /* trailing bytes */
    uint8_t *big = malloc(len + 1);
    memcpy(big, b, len);
    big[len] = 0;
    assert_int_equal(rdb_tree_decode(big, len + 1, &u), -EPROTO);
    free(big);
    /* counts: zero, over the bound, more than the bytes hold */
    uint8_t save[4];
    memcpy(save, b, 4);
    memset(b, 0, 4);
    assert_int_equal(rdb_tree_decode(b, len, &u), -EPROTO);
    memset(b, 0xff, 4);
    assert_int_equal(rdb_tree_decode(b, len, &u), -EPROTO);
    b[0] = save[0] + 1;
    b[1] = save[1];
    b[2] = save[2];
    b[3] = save[3];
    assert_int_equal(rdb_tree_decode(b, len, &u), -EPROTO);
    memcpy(b, save, 4);
    /* the first node must be "/" (path length 1, path byte '/') */
    b[4 + NH] = 'x';
    assert_int_equal(rdb_tree_decode(b, len, &u), -EPROTO);
    b[4 + NH] = '/';
    /* "/" has one permission entry: make its access 4 (out of range) */
    b[4 + NH + 1 + 4] = 4;
    assert_int_equal(rdb_tree_decode(b, len, &u), -EPROTO);
    b[4 + NH + 1 + 4] = 0;
    /* its domid over 16 bits */
    b[4 + NH + 1 + 2] = 1;
    assert_int_equal(rdb_tree_decode(b, len, &u), -EPROTO);
    b[4 + NH + 1 + 2] = 0;
    /* a permission count of 0 on "/" */
    uint8_t np0 = b[4 + 6];
    b[4 + 6] = 0;
    assert_int_equal(rdb_tree_decode(b, len, &u), -EPROTO);
    b[4 + 6] = np0;
    assert_int_equal(rdb_tree_decode(b, len, &u), 0);      /* restored: accepted again */
    rdb_tree_free(&u);
    free(b);
    rdb_tree_free(&t);

    /* nodes out of order, or a child without its parent: built by hand */
    struct rdb_tree h = { 0 };
    assert_int_equal(rdb_tree_init(&h), 0);
    assert_int_equal(apply(&h, 0, RDB_OP_WRITE, "/b", "1"), 0);
    assert_int_equal(apply(&h, 0, RDB_OP_WRITE, "/c", "2"), 0);
    assert_int_equal(rdb_tree_encode(&h, &b, &len), 0);
    /* rename "/b" to "/d": "/d" before "/c" is out of order */
    size_t first = 4 + NH + 1 + 0 + 5;             /* after "/": header, path, no value, one perm */
    assert_int_equal(b[first + NH], '/');
    b[first + NH + 1] = 'd';
    assert_int_equal(rdb_tree_decode(b, len, &u), -EPROTO);
    b[first + NH + 1] = 'c';                         /* "/c" twice: repeated */
    assert_int_equal(rdb_tree_decode(b, len, &u), -EPROTO);
    free(b);
    rdb_tree_free(&h);
    assert_int_equal(rdb_tree_init(&h), 0);
    assert_int_equal(apply(&h, 0, RDB_OP_WRITE, "/b/c", "1"), 0);
    assert_int_equal(rdb_tree_encode(&h, &b, &len), 0);
    b[first + NH + 1] = 'a';                         /* "/a" then "/b/c": /b/c without its parent */
    assert_int_equal(rdb_tree_decode(b, len, &u), -EPROTO);
    b[first + NH + 1] = '/';                         /* an invalid path "//" */
    assert_int_equal(rdb_tree_decode(b, len, &u), -EPROTO);
    free(b);
    rdb_tree_free(&h);
}


static void test_versions_and_reads(void **state)
{
    (void)state;
    struct rdb_tree t, u;
    struct rdb_read r[4];
    struct rdb_op w = { .kind = RDB_OP_WRITE, .path = "/a/b", .val = "1", .len = 1 };
    struct rdb_op rm = { .kind = RDB_OP_RM, .path = "/a/b" };
    uint8_t *b = NULL;
    size_t len = 0;

    assert_int_equal(rdb_tree_init(&t), 0);
    assert_int_equal(rdb_tree_apply(&t, 0, &w, 5, NULL, NULL), 0);
    assert_int_equal(rdb_tree_get(&t, "/a")->mver, 5);
    assert_int_equal(rdb_tree_get(&t, "/a")->cver, 5);
    assert_int_equal(rdb_tree_get(&t, "/")->cver, 5);
    assert_int_equal(rdb_tree_get(&t, "/a/b")->mver, 5);
    /* what a transaction saw: /a's children, /a/b's value, /c absent, / itself */
    rdb_tree_observe(&t, "/a", RDB_READ_CVER, &r[0]);
    rdb_tree_observe(&t, "/a/b", RDB_READ_MVER, &r[1]);
    rdb_tree_observe(&t, "/c", RDB_READ_MVER, &r[2]);
    rdb_tree_observe(&t, "/", RDB_READ_MVER, &r[3]);
    r[0].path = "/a";
    r[1].path = "/a/b";
    r[2].path = "/c";
    r[3].path = "/";
    assert_int_equal(r[2].flags, 0);                       /* absent: only its absence counts */
    assert_int_equal(r[0].flags, RDB_READ_EXISTS | RDB_READ_CVER);
    assert_int_equal(rdb_tree_check_reads(&t, r, 4), 0);
    /* a new value of /a/b: its mver moves, /a's children do not change */
    w.val = "2";
    assert_int_equal(rdb_tree_apply(&t, 0, &w, 7, NULL, NULL), 0);
    assert_int_equal(rdb_tree_get(&t, "/a/b")->mver, 7);
    assert_int_equal(rdb_tree_get(&t, "/a")->cver, 5);
    assert_int_equal(rdb_tree_check_reads(&t, r, 1), 0);    /* the listing still holds */
    assert_int_equal(rdb_tree_check_reads(&t, r + 1, 1), -EAGAIN);
    assert_int_equal(rdb_tree_check_reads(&t, r + 3, 1), 0);   /* "/" itself unchanged */
    /* the copy keeps the versions through the byte format */
    assert_int_equal(rdb_tree_encode(&t, &b, &len), 0);
    assert_int_equal(rdb_tree_decode(b, len, &u), 0);
    assert_int_equal(rdb_tree_get(&u, "/a/b")->mver, 7);
    assert_int_equal(rdb_tree_get(&u, "/a")->cver, 5);
    free(b);
    rdb_tree_free(&u);
    /* /a/b removed: /a's children changed; /c created: its absence no longer holds */
    assert_int_equal(rdb_tree_apply(&t, 0, &rm, 9, NULL, NULL), 0);
    assert_int_equal(rdb_tree_get(&t, "/a")->cver, 9);
    assert_int_equal(rdb_tree_check_reads(&t, r, 1), -EAGAIN);
    struct rdb_op c = { .kind = RDB_OP_MKDIR, .path = "/c" };
    assert_int_equal(rdb_tree_check_reads(&t, r + 2, 1), 0);
    assert_int_equal(rdb_tree_apply(&t, 0, &c, 10, NULL, NULL), 0);
    assert_int_equal(rdb_tree_check_reads(&t, r + 2, 1), -EAGAIN);
    rdb_tree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_inherit_and_access),
        cmocka_unit_test(test_mkdir_rm_list),
        cmocka_unit_test(test_encode_decode_roundtrip),
        cmocka_unit_test(test_decode_refuses),
        cmocka_unit_test(test_versions_and_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
