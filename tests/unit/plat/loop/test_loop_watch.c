/* SPDX-License-Identifier: MIT */
/*
 * test_loop_watch.c - loopback store watches: the initial event, events for
 * writes at or below the watched path (from this and other processes), rm
 * (including watches below the removed node), nothing for unrelated paths,
 * fd readability, tokens, unwatch, the READ rule, and the special
 * @introduceDomain / @releaseDomain watches.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/loopback.h"


static bool readable(xvios_plat *p, int timeout_ms)
{
    struct pollfd pfd = { .fd = xvios_store_watch_fd(p), .events = POLLIN };
    return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

/* Read every queued event; count those equal to (path, token); return how many events in all. */
static unsigned drain(xvios_plat *p, const char *path, const char *token, unsigned *matches)
{
    unsigned all = 0;
    char *ep, *et;

    *matches = 0;
    while (xvios_store_watch_read(p, &ep, &et) == 0) {
        all++;
        if (path && !strcmp(ep, path) && !strcmp(et, token))
            (*matches)++;
        free(ep);
        free(et);
    }
    return all;
}

static void put(xvios_plat *p, const char *path, const char *val)
{
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, path, val, strlen(val)), 0);
}

static void test_initial_event_and_token(void **state)
{
    struct loop_fixture *f = *state;
    char *path = NULL, *token = NULL;

    assert_false(readable(f->dom0, 0));
    assert_int_equal(xvios_store_watch_read(f->dom0, &path, &token), -EAGAIN);
    /* the watched node need not exist */
    assert_int_equal(xvios_store_watch(f->dom0, "/w", "tok-1"), 0);
    assert_true(readable(f->dom0, 0));
    assert_int_equal(xvios_store_watch_read(f->dom0, &path, &token), 0);
    assert_string_equal(path, "/w");
    assert_string_equal(token, "tok-1");
    free(path);
    free(token);
    assert_int_equal(xvios_store_watch_read(f->dom0, &path, &token), -EAGAIN);
    assert_false(readable(f->dom0, 0));
    assert_int_equal(xvios_store_watch(f->dom0, "/w", "tok-1"), -EEXIST);
    assert_int_equal(xvios_store_watch(f->dom0, "/w", "tok-2"), 0);     /* same path, other token */
    assert_int_equal(xvios_store_watch(f->dom0, "w", "tok-2"), -EINVAL);
    assert_int_equal(xvios_store_watch(f->dom0, "@bogus", "tok-2"), -EINVAL);
}

static void test_events_from_other_process(void **state)
{
    struct loop_fixture *f = *state;
    unsigned m = 0;
    pid_t pid;
    int status;

    assert_int_equal(xvios_store_watch(f->dom0, "/w", "t"), 0);
    assert_int_equal(drain(f->dom0, "/w", "t", &m), 1);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        xvios_plat *c = loop_fixture_open(f->root, 0);
        int rc = c && xvios_store_write(c, XVIOS_TX_NONE, "/w/a/b", "1", 1) == 0 &&
                 xvios_store_write(c, XVIOS_TX_NONE, "/other/x", "1", 1) == 0 ? 0 : 1;
        xvios_plat_close(c);
        _exit(rc);
    }
    assert_true(readable(f->dom0, 5000));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    drain(f->dom0, "/w/a/b", "t", &m);
    assert_int_equal(m, 1);
    assert_false(readable(f->dom0, 0));
}

static void test_child_writes_rm_and_unrelated(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *w = loop_fixture_open(f->root, 0);
    unsigned m = 0;

    assert_non_null(w);
    put(f->dom0, "/w/a", "x");
    assert_int_equal(xvios_store_watch(w, "/w", "T"), 0);
    assert_int_equal(xvios_store_watch(w, "/v/x/y", "deep"), 0);
    drain(w, NULL, NULL, &m);

    put(f->dom0, "/unrelated", "1");
    put(f->dom0, "/ww", "1");          /* a sibling with a common prefix is not below /w */
    assert_int_equal(drain(w, NULL, NULL, &m), 0);
    assert_false(readable(w, 0));

    put(f->dom0, "/w/a", "changed");
    assert_true(readable(w, 1000));
    assert_int_equal(drain(w, "/w/a", "T", &m), 1);
    assert_int_equal(m, 1);

    assert_int_equal(xvios_store_rm(f->dom0, XVIOS_TX_NONE, "/w"), 0);
    assert_int_equal(drain(w, "/w", "T", &m), 1);
    assert_int_equal(m, 1);

    /* removing an ancestor fires the watch below it, with the watch's path */
    put(f->dom0, "/v/x/y/z", "1");
    drain(w, NULL, NULL, &m);
    assert_int_equal(xvios_store_rm(f->dom0, XVIOS_TX_NONE, "/v"), 0);
    assert_int_equal(drain(w, "/v/x/y", "deep", &m), 1);
    assert_int_equal(m, 1);

    /* committed transactions fire; aborted ones do not */
    assert_int_equal(xvios_store_watch(w, "/tx", "tx"), 0);
    drain(w, NULL, NULL, &m);
    xvios_tx tx;
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx), 0);
    assert_int_equal(xvios_store_write(f->dom0, tx, "/tx/a", "1", 1), 0);
    assert_int_equal(xvios_store_tx_end(f->dom0, tx, false), 0);
    assert_int_equal(drain(w, NULL, NULL, &m), 0);
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx), 0);
    assert_int_equal(xvios_store_write(f->dom0, tx, "/tx/b", "1", 1), 0);
    assert_int_equal(drain(w, NULL, NULL, &m), 0);   /* not before commit */
    assert_int_equal(xvios_store_tx_end(f->dom0, tx, true), 0);
    drain(w, "/tx/b", "tx", &m);
    assert_int_equal(m, 1);

    /* unwatch: nothing more, and pending events of that watch are dropped (setting another
     * watch reads the change log, so the /tx/c event is really queued when /tx goes) ... */
    put(f->dom0, "/tx/c", "1");
    assert_int_equal(xvios_store_watch(w, "/other", "o"), 0);
    assert_int_equal(xvios_store_unwatch(w, "/tx", "tx"), 0);
    assert_int_equal(xvios_store_unwatch(w, "/tx", "tx"), -ENOENT);
    put(f->dom0, "/tx/d", "1");
    assert_int_equal(drain(w, "/other", "o", &m), 1);   /* only the new watch's initial event */
    assert_int_equal(m, 1);
    /* ...but not those a remaining watch with the same token would have queued too */
    put(f->dom0, "/s/b", "");   /* so the write below creates only /s/b/c */
    assert_int_equal(xvios_store_watch(w, "/s", "same"), 0);
    assert_int_equal(xvios_store_watch(w, "/s/b", "same"), 0);
    drain(w, NULL, NULL, &m);
    put(f->dom0, "/s/b/c", "1");
    assert_int_equal(xvios_store_watch(w, "/other2", "o2"), 0);   /* queue it */
    assert_int_equal(xvios_store_unwatch(w, "/s", "same"), 0);
    assert_int_equal(drain(w, "/s/b/c", "same", &m), 2);           /* /s/b/c and /other2's initial */
    assert_int_equal(m, 1);
    xvios_plat_close(w);
}

static void test_read_rule(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *d5 = loop_fixture_open(f->root, 5);
    const struct xvios_perm ro5[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_READ } };
    unsigned m = 0;

    assert_non_null(d5);
    put(f->dom0, "/secret/a", "x");
    put(f->dom0, "/secret/b", "x");
    assert_int_equal(xvios_store_set_perms(f->dom0, XVIOS_TX_NONE, "/secret/b", ro5, 2), 0);
    assert_int_equal(xvios_store_watch(d5, "/secret", "s"), 0);
    assert_int_equal(drain(d5, "/secret", "s", &m), 1);   /* the initial event is always there */
    put(f->dom0, "/secret/a", "changed");                  /* 5 may not read /secret/a */
    assert_int_equal(drain(d5, NULL, NULL, &m), 0);
    put(f->dom0, "/secret/b", "changed");                  /* but /secret/b */
    assert_int_equal(drain(d5, "/secret/b", "s", &m), 1);
    assert_int_equal(m, 1);
    assert_int_equal(xvios_store_rm(f->dom0, XVIOS_TX_NONE, "/secret/a"), 0);  /* removals always */
    assert_int_equal(drain(d5, "/secret/a", "s", &m), 1);
    assert_int_equal(m, 1);
    xvios_plat_close(d5);
}

static void test_domain_special_watches(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *d5 = loop_fixture_open(f->root, 5);
    unsigned m = 0;

    assert_non_null(d5);
    assert_int_equal(xvios_store_watch(f->dom0, "@introduceDomain", "in"), 0);
    assert_int_equal(xvios_store_watch(f->dom0, "@releaseDomain", "out"), 0);
    assert_int_equal(xvios_store_watch(d5, "@introduceDomain", "in"), 0);
    drain(f->dom0, NULL, NULL, &m);
    drain(d5, NULL, NULL, &m);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 9, "guest"), 0);
    assert_int_equal(drain(f->dom0, "@introduceDomain", "in", &m), 1);
    assert_int_equal(m, 1);
    assert_int_equal(drain(d5, NULL, NULL, &m), 0);   /* dom0 only, like xenstored's defaults */
    assert_int_equal(xvios_loop_domain_destroy(f->dom0, 9), 0);
    assert_int_equal(drain(f->dom0, "@releaseDomain", "out", &m), 1);
    assert_int_equal(m, 1);
    xvios_plat_close(d5);
}

static void test_corrupt_change_log(void **state)
{
    struct loop_fixture *f = *state;
    unsigned m = 0;
    char junk[8192];

    assert_int_equal(xvios_store_watch(f->dom0, "/", "all"), 0);
    drain(f->dom0, NULL, NULL, &m);
    /* garbage appended by someone else: an overlong line, a bad kind, an invalid path */
    memset(junk, 'x', sizeof(junk));
    junk[sizeof(junk) - 1] = '\n';
    char path[256];
    snprintf(path, sizeof(path), "%s/store/.changes", f->root);
    FILE *log = fopen(path, "a");
    assert_non_null(log);
    fwrite(junk, 1, sizeof(junk), log);
    fputs("Q /fine\nC not/absolute\nC /a b\n", log);
    fclose(log);
    put(f->dom0, "/after", "1");
    assert_int_equal(drain(f->dom0, "/after", "all", &m), 1);   /* only the real change */
    assert_int_equal(m, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_initial_event_and_token),
        LOOP_FIXTURE_TEST(test_events_from_other_process),
        LOOP_FIXTURE_TEST(test_child_writes_rm_and_unrelated),
        LOOP_FIXTURE_TEST(test_read_rule),
        LOOP_FIXTURE_TEST(test_domain_special_watches),
        LOOP_FIXTURE_TEST(test_corrupt_change_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
