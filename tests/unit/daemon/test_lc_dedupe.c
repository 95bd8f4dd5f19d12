/* SPDX-License-Identifier: MIT */
/* test_lc_dedupe.c - one Lifecycle event per change from a DB watch and announcements, in either order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/lc_dedupe.h"
#include "xvios/clock.h"

static struct xvios_vio_event E(const char *type, const char *key, const char *action, uint32_t via)
{
    struct xvios_vio_event ev = { .by = 0, .via = via };

    snprintf(ev.type, sizeof(ev.type), "%s", type);
    snprintf(ev.key, sizeof(ev.key), "%s", key);
    snprintf(ev.action, sizeof(ev.action), "%s", action);
    return ev;
}

static struct timespec at(uint64_t ms) { return xvios_ts_add_ms((struct timespec){ .tv_sec = 1000 }, ms); }

static struct lc_dedupe *fresh(void)
{
    struct lc_dedupe *dd = calloc(1, sizeof(*dd));
    assert_non_null(dd);
    return dd;
}

/* The watch first, the announcement within the grace: the announcement goes out, the watch's copy never. */
static void test_announcement_replaces_held_copy(void **state)
{
    struct lc_dedupe *dd = fresh();
    struct xvios_vio_event w = E("LU", "db1", "created", 2), a = E("LU", "db1", "created", 3), out;
    struct timespec next, t0 = at(0), t1 = at(100), t2 = at(LC_GRACE_MS + 500);
    (void)state;

    assert_int_equal(lc_watch_saw(dd, &w, &t0, false), LC_HOLD);
    assert_true(lc_next_due(dd, &next));
    assert_int_equal(xvios_ts_diff_ms(t0, next), LC_GRACE_MS);
    assert_false(lc_due(dd, &t1, &out));
    assert_int_equal(lc_announced(dd, &a, &t1), LC_EMIT);
    assert_false(lc_next_due(dd, &next));
    assert_false(lc_due(dd, &t2, &out));
    assert_int_equal(dd->dropped, 1);
    free(dd);
}

/* The announcement first: it goes out; the watch's sight of the same change is dropped, once. */
static void test_watch_after_announcement_dropped(void **state)
{
    struct lc_dedupe *dd = fresh();
    struct xvios_vio_event a = E("mapping", "7:0:0:0:0", "deleted", 3), w = E("mapping", "7:0:0:0:0", "deleted", 2);
    struct timespec t0 = at(0), t1 = at(50);
    (void)state;

    assert_int_equal(lc_announced(dd, &a, &t0), LC_EMIT);
    assert_int_equal(lc_watch_saw(dd, &w, &t1, false), LC_DROP);
    /* a second deletion of the same key (made again, deleted again) is a change of its own */
    assert_int_equal(lc_watch_saw(dd, &w, &t1, false), LC_HOLD);
    free(dd);
}

/* No announcement: the watch's copy goes out when its grace ends; a late announcement is then dropped. */
static void test_unannounced_goes_out_after_grace(void **state)
{
    struct lc_dedupe *dd = fresh();
    struct xvios_vio_event w = E("LU", "db2", "modified", 2), a = E("LU", "db2", "modified", 3), out;
    struct timespec t0 = at(0), early = at(LC_GRACE_MS - 1), due = at(LC_GRACE_MS), late = at(LC_GRACE_MS + 200);
    (void)state;

    assert_int_equal(lc_watch_saw(dd, &w, &t0, false), LC_HOLD);
    assert_false(lc_due(dd, &early, &out));
    assert_true(lc_due(dd, &due, &out));
    assert_string_equal(out.key, "db2");
    assert_string_equal(out.action, "modified");
    assert_int_equal(out.via, 2);
    assert_false(lc_due(dd, &due, &out));
    assert_int_equal(lc_announced(dd, &a, &late), LC_DROP);
    free(dd);
}

/* Different actions or keys never cancel each other; notes expire. */
static void test_distinct_changes_and_expiry(void **state)
{
    struct lc_dedupe *dd = fresh();
    struct xvios_vio_event c = E("LU", "db3", "created", 3), d = E("LU", "db3", "deleted", 2),
                           other = E("LU", "db4", "created", 2);
    struct timespec t0 = at(0), t1 = at(10), gone = at(LC_NOTE_MS + 1);
    (void)state;

    assert_int_equal(lc_announced(dd, &c, &t0), LC_EMIT);
    assert_int_equal(lc_watch_saw(dd, &d, &t1, false), LC_HOLD);      /* not the created one */
    assert_int_equal(lc_watch_saw(dd, &other, &t1, false), LC_HOLD);  /* not db3 */
    assert_int_equal(dd->n_pending, 2);
    /* long after: the note of db3's creation is forgotten, a watch sight of it is news again */
    struct xvios_vio_event out;
    while (lc_due(dd, &gone, &out))
        ;
    assert_int_equal(lc_watch_saw(dd, &c, &gone, false), LC_HOLD);
    free(dd);
}

/* Every slot held: the next change goes out at once, never lost. */
static void test_full_sends_at_once(void **state)
{
    struct lc_dedupe *dd = fresh();
    struct timespec t0 = at(0);
    char key[16];
    (void)state;

    for (unsigned i = 0; i < LC_SLOTS; i++) {
        snprintf(key, sizeof(key), "lu%u", i);
        struct xvios_vio_event ev = E("LU", key, "created", 1);
        assert_int_equal(lc_watch_saw(dd, &ev, &t0, false), LC_HOLD);
    }
    struct xvios_vio_event last = E("LU", "one-more", "created", 1);
    assert_int_equal(lc_watch_saw(dd, &last, &t0, false), LC_EMIT);
    assert_int_equal(dd->overflow, 1);
    /* ... and its late announcement is recognised */
    assert_int_equal(lc_announced(dd, &last, &t0), LC_DROP);
    free(dd);
}

/* A mapping plugged out and in again: deleted then created (held) is one modified, which its announcement
 * replaces; without replug (an LU made again under its name) they stay two. */
static void test_replug_is_one_modified(void **state)
{
    struct lc_dedupe *dd = fresh();
    struct xvios_vio_event del = E("mapping", "7:0:0:0:1", "deleted", 2), add = E("mapping", "7:0:0:0:1", "created", 2),
                           ann = E("mapping", "7:0:0:0:1", "modified", 3), out;
    struct timespec t0 = at(0), t1 = at(100), t2 = at(200), late = at(10 * LC_GRACE_MS);
    (void)state;

    assert_int_equal(lc_watch_saw(dd, &del, &t0, true), LC_HOLD);
    assert_int_equal(lc_watch_saw(dd, &add, &t1, true), LC_HOLD);
    assert_int_equal(dd->n_pending, 1);
    assert_string_equal(dd->pending[0].ev.action, "modified");
    assert_int_equal(lc_announced(dd, &ann, &t2), LC_EMIT);
    assert_false(lc_due(dd, &late, &out));
    /* the announcement first: the replug's sightings are dropped once joined */
    assert_int_equal(lc_announced(dd, &ann, &late), LC_EMIT);
    assert_int_equal(lc_watch_saw(dd, &del, &late, true), LC_HOLD);
    assert_int_equal(lc_watch_saw(dd, &add, &late, true), LC_DROP);
    assert_int_equal(dd->n_pending, 0);
    /* not a replug: two changes */
    assert_int_equal(lc_watch_saw(dd, &del, &late, false), LC_HOLD);
    assert_int_equal(lc_watch_saw(dd, &add, &late, false), LC_HOLD);
    assert_int_equal(dd->n_pending, 2);
    free(dd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_announcement_replaces_held_copy),
        cmocka_unit_test(test_watch_after_announcement_dropped),
        cmocka_unit_test(test_unannounced_goes_out_after_grace),
        cmocka_unit_test(test_distinct_changes_and_expiry),
        cmocka_unit_test(test_full_sends_at_once),
        cmocka_unit_test(test_replug_is_one_modified),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
