/* SPDX-License-Identifier: MIT */
/*
 * test_rdb_watch.c - watches on a member's copy (xen/plat/rdb/rdb_watch.c):
 * the initial event, changes at or below a watch, a removed subtree firing
 * the watches below it with their own path, the READ rule (and removals
 * always delivered), duplicates merged, the copy replaced, unwatch dropping
 * what it queued, the bounds, and the eventfd readable exactly while events
 * wait.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xen/plat/rdb/rdb_watch.h"

static bool readable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, 0) == 1;
}

static void expect(struct rdb_watches *ws, const char *path, const char *token)
{
    char *p = NULL, *t = NULL;
    assert_int_equal(rdb_watches_next(ws, &p, &t), 0);
    assert_string_equal(p, path);
    assert_string_equal(t, token);
    free(p);
    free(t);
}

static void test_fire_rules(void **state)
{
    (void)state;
    struct rdb_watches ws;
    struct rdb_tree t;
    struct xvios_perm hidden[1] = { { 0, XVIOS_PERM_NONE } }, open_[1] = { { 0, XVIOS_PERM_READ } };
    struct rdb_op w1 = { .kind = RDB_OP_WRITE, .path = "/a/secret", .val = "s", .len = 1 };
    struct rdb_op w2 = { .kind = RDB_OP_WRITE, .path = "/a/open", .val = "o", .len = 1 };
    struct rdb_op p1 = { .kind = RDB_OP_SETPERMS, .path = "/a/secret", .perms = hidden, .nperms = 1 };
    struct rdb_op p2 = { .kind = RDB_OP_SETPERMS, .path = "/a/open", .perms = open_, .nperms = 1 };
    char *p, *tk;

    assert_int_equal(rdb_tree_init(&t), 0);
    assert_int_equal(rdb_tree_apply(&t, 0, &w1, 1, NULL, NULL), 0);
    assert_int_equal(rdb_tree_apply(&t, 0, &w2, 1, NULL, NULL), 0);
    assert_int_equal(rdb_tree_apply(&t, 0, &p1, 1, NULL, NULL), 0);
    assert_int_equal(rdb_tree_apply(&t, 0, &p2, 1, NULL, NULL), 0);
    assert_int_equal(rdb_watches_init(&ws), 0);
    assert_false(readable(ws.fd));
    assert_int_equal(rdb_watches_add(&ws, "/a", "ta"), 0);
    assert_int_equal(rdb_watches_add(&ws, "/a/open/deep", "tdeep"), 0);
    assert_int_equal(rdb_watches_add(&ws, "/a", "ta"), -EEXIST);
    assert_true(readable(ws.fd));
    expect(&ws, "/a", "ta");                 /* the initial events */
    expect(&ws, "/a/open/deep", "tdeep");
    assert_int_equal(rdb_watches_next(&ws, &p, &tk), -EAGAIN);
    assert_false(readable(ws.fd));
    /* as domain 5: a change of the hidden node is not delivered, of the open one it is */
    rdb_watches_fire(&ws, &t, 5, 'C', "/a/secret");
    rdb_watches_fire(&ws, &t, 5, 'C', "/a/open");
    rdb_watches_fire(&ws, &t, 5, 'C', "/a/open");    /* merged with the pending one */
    rdb_watches_fire(&ws, &t, 5, 'C', "/b");         /* no watch there */
    expect(&ws, "/a/open", "ta");
    assert_int_equal(rdb_watches_next(&ws, &p, &tk), -EAGAIN);
    /* domain 0 sees everything */
    rdb_watches_fire(&ws, &t, 0, 'C', "/a/secret");
    expect(&ws, "/a/secret", "ta");
    /* removing /a/open (gone from the tree): /a hears it, the watch below hears its own path */
    struct rdb_op rm = { .kind = RDB_OP_RM, .path = "/a/open" };
    assert_int_equal(rdb_tree_apply(&t, 0, &rm, 1, NULL, NULL), 0);
    rdb_watches_fire(&ws, &t, 5, 'R', "/a/open");
    expect(&ws, "/a/open", "ta");
    expect(&ws, "/a/open/deep", "tdeep");
    /* the copy replaced: every watch once */
    rdb_watches_fire_all(&ws);
    expect(&ws, "/a", "ta");
    expect(&ws, "/a/open/deep", "tdeep");
    /* unwatch drops what it queued, keeps the others' */
    rdb_watches_fire(&ws, &t, 0, 'C', "/a/open/deep/x");
    assert_int_equal(rdb_watches_remove(&ws, "/a/open/deep", "tdeep"), 0);
    assert_int_equal(rdb_watches_remove(&ws, "/a/open/deep", "tdeep"), -ENOENT);
    expect(&ws, "/a/open/deep/x", "ta");
    assert_int_equal(rdb_watches_next(&ws, &p, &tk), -EAGAIN);
    assert_false(readable(ws.fd));
    rdb_watches_dispose(&ws);
    rdb_tree_free(&t);
}

static void test_bounds(void **state)
{
    (void)state;
    struct rdb_watches ws;
    struct rdb_tree t;
    char path[32];

    assert_int_equal(rdb_tree_init(&t), 0);
    assert_int_equal(rdb_watches_init(&ws), 0);
    for (unsigned i = 0; i < RDB_MAX_WATCHES; i++) {
        snprintf(path, sizeof(path), "/w%u", i);
        assert_int_equal(rdb_watches_add(&ws, path, "t"), 0);
    }
    assert_int_equal(rdb_watches_add(&ws, "/one-more", "t"), -E2BIG);
    /* the queue holds RDB_MAX_EVENTS; more are dropped and counted, nothing grows past it */
    for (unsigned i = 0; i < RDB_MAX_EVENTS + 10; i++) {
        snprintf(path, sizeof(path), "/w0/%u", i);
        rdb_watches_fire(&ws, &t, 0, 'C', path);
    }
    assert_int_equal(ws.nev, RDB_MAX_EVENTS);
    assert_true(ws.dropped >= 10);
    rdb_watches_dispose(&ws);
    rdb_tree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fire_rules),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
