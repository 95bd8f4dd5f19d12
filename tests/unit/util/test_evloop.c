/* SPDX-License-Identifier: MIT */
/*
 * test_evloop.c - the event loop: timers fire in deadline order (ties in
 * arming order), once per turn; a deadline in the past never makes a turn
 * spin; fd sources and timers removed during dispatch are not called (and
 * not touched: ASan would say); paused sources; the poll timeout follows
 * the nearest timer; run-until-stop.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "xvios/clock.h"
#include "xvios/evloop.h"

struct rec {
    int order[8];
    unsigned n;
};

struct tmark {
    struct rec *rec;
    int id;
    struct xvios_ev_timer *self;
    struct xvios_ev_timer *victim;     /* removed by this timer's callback */
    struct xvios_evloop *stop;         /* stopped by this timer's callback */
    bool rearm_past;
};

static void on_timer(struct xvios_ev_timer *t, void *arg)
{
    struct tmark *m = arg;

    assert_false(xvios_evloop_timer_armed(t)); /* disarmed before its callback */
    if (m->rec->n < 8)
        m->rec->order[m->rec->n] = m->id;
    m->rec->n++;
    if (m->victim) {
        xvios_evloop_timer_remove(m->victim);
        m->victim = NULL;
    }
    if (m->rearm_past)
        xvios_evloop_timer_arm(t, (struct timespec){ 0, 0 });
    if (m->stop)
        xvios_evloop_stop(m->stop);
}

static void timers_fire_in_deadline_order(void **state)
{
    struct xvios_evloop *loop;
    struct rec rec = { .n = 0 };
    struct tmark m[4];
    struct timespec now = xvios_now();
    static const int after_ms[4] = { 30, 10, 20, 10 };
    (void)state;

    assert_int_equal(xvios_evloop_create(&loop), 0);
    for (int i = 0; i < 4; i++) {
        m[i] = (struct tmark){ .rec = &rec, .id = i };
        assert_int_equal(xvios_evloop_timer_add(loop, on_timer, &m[i], &m[i].self), 0);
        assert_false(xvios_evloop_timer_armed(m[i].self));
        xvios_evloop_timer_arm(m[i].self, xvios_ts_add_ms(now, (uint64_t)after_ms[i]));
    }
    /* re-arming moves a timer: 0 goes from +30 to +40 */
    xvios_evloop_timer_arm(m[0].self, xvios_ts_add_ms(now, 40));
    for (int k = 0; k < 100 && rec.n < 4; k++)
        assert_true(xvios_evloop_run_once(loop, 100) >= 0);
    assert_int_equal(rec.n, 4);
    assert_int_equal(rec.order[0], 1); /* +10, armed before 3 */
    assert_int_equal(rec.order[1], 3); /* +10 */
    assert_int_equal(rec.order[2], 2); /* +20 */
    assert_int_equal(rec.order[3], 0); /* +40 */
    assert_true(xvios_ts_diff_ms(now, xvios_now()) >= 40);
    /* one-shot: nothing more fires */
    assert_int_equal(xvios_evloop_run_once(loop, 20), 0);
    assert_int_equal(rec.n, 4);
    xvios_evloop_destroy(loop); /* frees the timers still registered */
}

static void past_deadline_fires_once_and_never_spins(void **state)
{
    struct xvios_evloop *loop;
    struct rec rec = { .n = 0 };
    struct tmark m = { .rec = &rec, .id = 1, .rearm_past = true };
    struct timespec t0;
    int64_t ms;
    (void)state;

    assert_int_equal(xvios_evloop_create(&loop), 0);
    assert_int_equal(xvios_evloop_timer_add(loop, on_timer, &m, &m.self), 0);
    xvios_evloop_timer_arm(m.self, (struct timespec){ 0, 0 });
    /* a callback that re-arms in the past fires once per turn, and the turn returns */
    for (unsigned k = 1; k <= 3; k++) {
        assert_int_equal(xvios_evloop_run_once(loop, 1000), 1);
        assert_int_equal(rec.n, k);
        assert_true(xvios_evloop_timer_armed(m.self));
    }
    /* the next turn does not wait for it: the deadline passed */
    t0 = xvios_now();
    m.rearm_past = false;
    assert_int_equal(xvios_evloop_run_once(loop, 1000), 1);
    assert_true(xvios_ts_diff_ms(t0, xvios_now()) < 500);
    /* disarmed and nothing else: the turn waits its whole max_wait */
    t0 = xvios_now();
    assert_int_equal(xvios_evloop_run_once(loop, 40), 0);
    ms = xvios_ts_diff_ms(t0, xvios_now());
    assert_true(ms >= 39);
    assert_int_equal(rec.n, 4);
    xvios_evloop_timer_remove(m.self);
    xvios_evloop_destroy(loop);
}

static void poll_timeout_follows_the_nearest_timer(void **state)
{
    struct xvios_evloop *loop;
    struct rec rec = { .n = 0 };
    struct tmark m = { .rec = &rec, .id = 1 };
    struct timespec t0 = xvios_now();
    int64_t ms;
    (void)state;

    assert_int_equal(xvios_evloop_create(&loop), 0);
    assert_int_equal(xvios_evloop_timer_add(loop, on_timer, &m, &m.self), 0);
    xvios_evloop_timer_arm(m.self, xvios_ts_add_ms(t0, 50));
    assert_int_equal(xvios_evloop_run_once(loop, 5000), 1);
    ms = xvios_ts_diff_ms(t0, xvios_now());
    assert_true(ms >= 50);
    assert_true(ms < 1000);
    xvios_evloop_destroy(loop);
}

static void removed_timer_does_not_fire(void **state)
{
    struct xvios_evloop *loop;
    struct rec rec = { .n = 0 };
    struct tmark a = { .rec = &rec, .id = 1 }, b = { .rec = &rec, .id = 2 };
    (void)state;

    assert_int_equal(xvios_evloop_create(&loop), 0);
    assert_int_equal(xvios_evloop_timer_add(loop, on_timer, &a, &a.self), 0);
    assert_int_equal(xvios_evloop_timer_add(loop, on_timer, &b, &b.self), 0);
    a.victim = b.self;
    /* both due in the same turn; a runs first and removes b */
    xvios_evloop_timer_arm(a.self, (struct timespec){ 0, 1 });
    xvios_evloop_timer_arm(b.self, (struct timespec){ 0, 2 });
    assert_int_equal(xvios_evloop_run_once(loop, 0), 1);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.order[0], 1);
    assert_int_equal(xvios_evloop_run_once(loop, 0), 0);
    xvios_evloop_destroy(loop);
}

/* ---------------------------------------------------------------- fd sources */
struct fdmark {
    unsigned calls;
    short last;
    struct xvios_ev_fd *self;
    struct xvios_ev_fd **victim;  /* removed (and cleared) by this callback */
    bool remove_self;
    int drain_fd;
};

static void on_fd(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    struct fdmark *m = arg;
    char b[16];

    assert_ptr_equal(src, m->self);
    assert_int_equal(fd, xvios_evloop_fd_fd(src));
    m->calls++;
    m->last = revents;
    if (m->drain_fd >= 0)
        assert_true(read(m->drain_fd, b, sizeof(b)) > 0);
    if (m->victim && *m->victim) {
        xvios_evloop_fd_remove(*m->victim);
        *m->victim = NULL;
    }
    if (m->remove_self) {
        xvios_evloop_fd_remove(src);
        m->self = NULL;
    }
}

static void fd_removed_during_dispatch_is_not_called(void **state)
{
    struct xvios_evloop *loop;
    struct fdmark a = { .drain_fd = -1 }, b = { .drain_fd = -1 }, c = { .drain_fd = -1 };
    int p1[2], p2[2], p3[2];
    (void)state;

    assert_int_equal(pipe(p1), 0);
    assert_int_equal(pipe(p2), 0);
    assert_int_equal(pipe(p3), 0);
    assert_int_equal(xvios_evloop_create(&loop), 0);
    assert_int_equal(xvios_evloop_fd_add(loop, p1[0], POLLIN, on_fd, &a, &a.self), 0);
    assert_int_equal(xvios_evloop_fd_add(loop, p2[0], POLLIN, on_fd, &b, &b.self), 0);
    assert_int_equal(xvios_evloop_fd_add(loop, p3[0], POLLIN, on_fd, &c, &c.self), 0);
    a.victim = &b.self;   /* a removes b, which is ready in the same turn */
    c.remove_self = true; /* c removes itself */
    assert_int_equal(write(p1[1], "x", 1), 1);
    assert_int_equal(write(p2[1], "x", 1), 1);
    assert_int_equal(write(p3[1], "x", 1), 1);
    assert_int_equal(xvios_evloop_run_once(loop, 1000), 2);
    assert_int_equal(a.calls, 1);
    assert_true(a.last & POLLIN);
    assert_int_equal(b.calls, 0);
    assert_int_equal(c.calls, 1);
    assert_null(b.self);
    assert_null(c.self);
    /* still readable, but gone from the loop: only a is called again */
    assert_int_equal(xvios_evloop_run_once(loop, 0), 1);
    assert_int_equal(a.calls, 2);
    assert_int_equal(b.calls, 0);
    assert_int_equal(c.calls, 1);
    xvios_evloop_destroy(loop);
    for (int i = 0; i < 2; i++) {
        close(p1[i]);
        close(p2[i]);
        close(p3[i]);
    }
}

static void paused_source_and_added_source(void **state)
{
    struct xvios_evloop *loop;
    struct fdmark a = { .drain_fd = -1 };
    int p[2];
    (void)state;

    assert_int_equal(pipe(p), 0);
    assert_int_equal(xvios_evloop_create(&loop), 0);
    assert_int_equal(xvios_evloop_fd_add(loop, -1, POLLIN, on_fd, &a, NULL), -EINVAL);
    assert_int_equal(xvios_evloop_fd_add(loop, p[0], POLLIN, NULL, &a, NULL), -EINVAL);
    assert_int_equal(xvios_evloop_fd_add(loop, p[0], POLLIN, on_fd, &a, &a.self), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    xvios_evloop_fd_set_events(a.self, 0);
    assert_int_equal(xvios_evloop_run_once(loop, 20), 0);
    assert_int_equal(a.calls, 0);
    xvios_evloop_fd_set_events(a.self, POLLIN);
    a.drain_fd = p[0];
    assert_int_equal(xvios_evloop_run_once(loop, 20), 1);
    assert_int_equal(a.calls, 1);
    /* drained: nothing ready any more */
    assert_int_equal(xvios_evloop_run_once(loop, 20), 0);
    /* a hang-up reaches the callback even though it asked for POLLIN only */
    close(p[1]);
    a.drain_fd = -1;
    a.remove_self = true;
    assert_int_equal(xvios_evloop_run_once(loop, 20), 1);
    assert_true(a.last & POLLHUP);
    xvios_evloop_destroy(loop);
    close(p[0]);
}

static void run_until_stop(void **state)
{
    struct xvios_evloop *loop;
    struct rec rec = { .n = 0 };
    struct tmark a = { .rec = &rec, .id = 1 }, b = { .rec = &rec, .id = 2 };
    (void)state;

    assert_int_equal(xvios_evloop_create(&loop), 0);
    assert_int_equal(xvios_evloop_timer_add(loop, on_timer, &a, &a.self), 0);
    assert_int_equal(xvios_evloop_timer_add(loop, on_timer, &b, &b.self), 0);
    b.stop = loop;
    xvios_evloop_timer_arm(a.self, xvios_deadline_ms(10));
    xvios_evloop_timer_arm(b.self, xvios_deadline_ms(30));
    assert_int_equal(xvios_evloop_run(loop), 0);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.order[1], 2);
    assert_int_equal(xvios_evloop_run_once(NULL, 0), -EINVAL);
    xvios_evloop_destroy(loop);
    xvios_evloop_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timers_fire_in_deadline_order),
        cmocka_unit_test(past_deadline_fires_once_and_never_spins),
        cmocka_unit_test(poll_timeout_follows_the_nearest_timer),
        cmocka_unit_test(removed_timer_does_not_fire),
        cmocka_unit_test(fd_removed_during_dispatch_is_not_called),
        cmocka_unit_test(paused_source_and_added_source),
        cmocka_unit_test(run_until_stop),
    };
    return cmocka_run_group_tests_name("evloop", tests, NULL, NULL);
}
