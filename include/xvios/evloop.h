/* SPDX-License-Identifier: MIT */
/*
 * xvios/evloop.h - the one event loop of a process (xvios-backend): it owns
 * poll(). Subsystems are its guests: they register fd sources (an events
 * mask and a callback) and timers (one-shot, on CLOCK_MONOTONIC deadlines,
 * re-armable), and the host turns the loop with xvios_evloop_run_once() or
 * xvios_evloop_run(). No threads; callbacks run on the caller's stack.
 *
 * One turn (xvios_evloop_run_once):
 *   1. poll() every fd source, for at most max_wait_ms or until the nearest
 *      armed timer's deadline, whichever comes first;
 *   2. call each fd source that has revents, in the order the sources were
 *      added (a source removed during this turn is not called again);
 *   3. fire each armed timer whose deadline has passed, earliest deadline
 *      first; a timer is disarmed before its callback runs and fires at most
 *      once per turn, so a callback that re-arms its timer in the past makes
 *      the next turn poll with a zero timeout instead of spinning in this one.
 *
 * Sources and timers may be added, changed and removed from any callback,
 * including their own. Handles stay valid until removed; the loop frees what
 * is left when it is destroyed (remove yours first if you keep the handles).
 */
#ifndef XVIOS_EVLOOP_H
#define XVIOS_EVLOOP_H

#include <stdbool.h>
#include <time.h>

struct xvios_evloop;
struct xvios_ev_fd;
struct xvios_ev_timer;

/* revents as poll() returned them (POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL). */
typedef void (*xvios_ev_fd_cb)(struct xvios_ev_fd *src, int fd, short revents, void *arg);
typedef void (*xvios_ev_timer_cb)(struct xvios_ev_timer *t, void *arg);

int  xvios_evloop_create(struct xvios_evloop **out);
void xvios_evloop_destroy(struct xvios_evloop *loop);        /* NULL is fine */

/* Watch fd (>= 0) for events (POLLIN, POLLOUT, ...); 0, -EINVAL, -ENOMEM. */
int  xvios_evloop_fd_add(struct xvios_evloop *loop, int fd, short events, xvios_ev_fd_cb cb, void *arg,
                         struct xvios_ev_fd **out);
void xvios_evloop_fd_set_events(struct xvios_ev_fd *src, short events);   /* 0 = pause the source */
int  xvios_evloop_fd_fd(const struct xvios_ev_fd *src);
void xvios_evloop_fd_remove(struct xvios_ev_fd *src);                     /* NULL is fine */

/* A timer, created disarmed; 0, -EINVAL, -ENOMEM. */
int  xvios_evloop_timer_add(struct xvios_evloop *loop, xvios_ev_timer_cb cb, void *arg, struct xvios_ev_timer **out);
/* (Re-)arm at an absolute CLOCK_MONOTONIC deadline (a past one fires at the end of this or the next turn). */
void xvios_evloop_timer_arm(struct xvios_ev_timer *t, struct timespec deadline);
void xvios_evloop_timer_disarm(struct xvios_ev_timer *t);
bool xvios_evloop_timer_armed(const struct xvios_ev_timer *t);
void xvios_evloop_timer_remove(struct xvios_ev_timer *t);                 /* NULL is fine */

/*
 * One turn (see above). max_wait_ms < 0: no cap (wait for an fd or a timer).
 * Returns the number of callbacks run, or -errno when poll() fails (EINTR
 * is not a failure: the turn returns 0).
 */
int  xvios_evloop_run_once(struct xvios_evloop *loop, int max_wait_ms);
/* Turn until xvios_evloop_stop() (from a callback) or a failure; 0 or -errno. */
int  xvios_evloop_run(struct xvios_evloop *loop);
void xvios_evloop_stop(struct xvios_evloop *loop);

#endif /* XVIOS_EVLOOP_H */
