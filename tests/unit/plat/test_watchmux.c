/* SPDX-License-Identifier: MIT */
/*
 * test_watchmux.c - the store-watch multiplexer on the loopback store: two
 * subscribers share the platform's one watch fd through an event loop and
 * each gets only its own tokens' events (a burst in one call); an event
 * whose token nobody holds is counted, not dispatched; token ownership is
 * enforced; a subscriber may unsubscribe another from its callback.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/clock.h"
#include "xvios/evloop.h"
#include "xvios/log.h"
#include "xvios/watchmux.h"

struct sub {
    const char *token_prefix;    /* every event must carry a token starting with this */
    unsigned calls, events;
    char last_path[64];
    struct xvios_watchmux *mux;  /* set: unsubscribe "/b" "tok-b" on the first call */
};

static void on_events(void *arg, const struct xvios_watch_event *ev, unsigned n)
{
    struct sub *s = arg;

    assert_true(n >= 1);
    s->calls++;
    for (unsigned i = 0; i < n; i++) {
        assert_memory_equal(ev[i].token, s->token_prefix, strlen(s->token_prefix));
        s->events++;
        strncpy(s->last_path, ev[i].path, sizeof(s->last_path) - 1);
    }
    if (s->mux) {
        assert_int_equal(xvios_watchmux_remove(s->mux, "/b", "tok-b"), 0);
        s->mux = NULL;
    }
}

static void put(xvios_plat *p, const char *path, const char *val)
{
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, path, val, strlen(val)), 0);
}

static void turn(struct xvios_evloop *loop, int ms)
{
    struct timespec end = xvios_deadline_ms((uint64_t)ms);
    while (!xvios_ts_passed(&end))
        assert_true(xvios_evloop_run_once(loop, 5) >= 0);
}

static void each_subscriber_gets_its_own_tokens(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_evloop *loop;
    struct xvios_watchmux *mux;
    struct xvios_watchmux_stats st;
    struct sub a = { .token_prefix = "tok-a" }, b = { .token_prefix = "tok-b" };

    /* the watched nodes exist: a write below one is then one event (no parent created with it) */
    put(f->dom0, "/a", "");
    put(f->dom0, "/a2", "");
    assert_int_equal(xvios_evloop_create(&loop), 0);
    assert_int_equal(xvios_watchmux_create(f->dom0, loop, &mux), 0);
    assert_ptr_equal(xvios_watchmux_loop(mux), loop);
    assert_int_equal(xvios_watchmux_add(mux, "/a", "tok-a", on_events, &a), 0);
    assert_int_equal(xvios_watchmux_add(mux, "/a2", "tok-a", on_events, &a), 0); /* one token, two paths */
    assert_int_equal(xvios_watchmux_add(mux, "/b", "tok-b", on_events, &b), 0);
    /* a token is one subscriber's; a (path, token) pair is subscribed once */
    assert_int_equal(xvios_watchmux_add(mux, "/c", "tok-a", on_events, &b), -EEXIST);
    assert_int_equal(xvios_watchmux_add(mux, "/a", "tok-a", on_events, &a), -EEXIST);
    assert_int_equal(xvios_watchmux_add(mux, "relative", "tok-c", on_events, &a), -EINVAL);
    assert_int_equal(xvios_watchmux_remove(mux, "/c", "tok-a"), -ENOENT);

    /* the initial events: three, in two calls (one per subscriber) */
    turn(loop, 50);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.events, 2);
    assert_int_equal(b.calls, 1);
    assert_int_equal(b.events, 1);

    put(f->dom0, "/a/x", "1");
    turn(loop, 50);
    assert_int_equal(a.events, 3);
    assert_string_equal(a.last_path, "/a/x");
    assert_int_equal(b.events, 1);
    put(f->dom0, "/b", "1");
    turn(loop, 50);
    assert_int_equal(a.events, 3);
    assert_int_equal(b.events, 2);
    assert_string_equal(b.last_path, "/b");

    /* a burst reaches a subscriber in one call */
    a.calls = 0;
    put(f->dom0, "/a/1", "1");
    put(f->dom0, "/a/2", "1");
    put(f->dom0, "/a2/3", "1");
    turn(loop, 50);
    assert_int_equal(a.events, 6);
    assert_int_equal(a.calls, 1);

    /* a token nobody holds: counted, dropped, nobody called */
    assert_int_equal(xvios_store_watch(f->dom0, "/z", "tok-nobody"), 0);
    turn(loop, 50);
    xvios_watchmux_get_stats(mux, &st);
    assert_int_equal(st.unknown_token, 1);
    assert_int_equal(st.dispatched, 8);
    assert_int_equal(st.events, 9);
    assert_int_equal(a.events + b.events, 8);
    assert_int_equal(xvios_store_unwatch(f->dom0, "/z", "tok-nobody"), 0);

    xvios_watchmux_destroy(mux);
    xvios_evloop_destroy(loop);
}

static void unsubscribe_from_a_callback(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_evloop *loop;
    struct xvios_watchmux *mux;
    struct sub a = { .token_prefix = "tok-a" }, b = { .token_prefix = "tok-b" };

    assert_int_equal(xvios_evloop_create(&loop), 0);
    assert_int_equal(xvios_watchmux_create(f->dom0, loop, &mux), 0);
    assert_int_equal(xvios_watchmux_add(mux, "/a", "tok-a", on_events, &a), 0);
    assert_int_equal(xvios_watchmux_add(mux, "/b", "tok-b", on_events, &b), 0);
    /* a's callback runs first (its event came first) and unsubscribes b: b's queued event is not handed over */
    a.mux = mux;
    turn(loop, 50);
    assert_int_equal(a.calls, 1);
    assert_int_equal(b.calls, 0);
    put(f->dom0, "/b", "1");
    turn(loop, 50);
    assert_int_equal(b.calls, 0);
    /* and the token is free again */
    assert_int_equal(xvios_watchmux_add(mux, "/b", "tok-b", on_events, &a), 0);
    {
        struct xvios_watchmux *none = (void *)1;
        assert_int_equal(xvios_watchmux_create(NULL, loop, &none), -EINVAL);
        assert_null(none);
    }
    xvios_watchmux_destroy(mux);
    xvios_evloop_destroy(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(each_subscriber_gets_its_own_tokens),
        LOOP_FIXTURE_TEST(unsubscribe_from_a_callback),
    };
    xvios_log_set_level(XVIOS_LOG_ERR);
    return cmocka_run_group_tests_name("watchmux", tests, NULL, NULL);
}
