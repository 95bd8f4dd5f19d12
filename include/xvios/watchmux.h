/* SPDX-License-Identifier: MIT */
/*
 * xvios/watchmux.h - several subsystems of one process share the platform's
 * one store-watch fd. The multiplexer is the only reader of
 * xvios_store_watch_fd()/xvios_store_watch_read(): it sits in an event loop,
 * drains the queued events when the fd is readable (at most 256 a turn, so a
 * busy store cannot starve the loop), and hands each subscriber only the
 * events whose token it registered, in the order the store queued them, in
 * one call per drain (so a burst of changes costs a subscriber one call).
 *
 * Tokens are the key: a token belongs to one subscriber (callback + arg); it
 * may watch several paths. An event whose token nobody holds (e.g. one
 * queued before an unsubscribe) is logged and counted, never dispatched.
 * Subscribing and unsubscribing are allowed from a subscriber's callback.
 */
#ifndef XVIOS_WATCHMUX_H
#define XVIOS_WATCHMUX_H

#include <stdint.h>
#include "xvios/evloop.h"
#include "xvios/platform.h"

struct xvios_watchmux;

struct xvios_watch_event {
    const char *path;   /* the node that changed (or the watched path, as the store reports it) */
    const char *token;
};

/* n >= 1 events of this subscriber's tokens; the strings live until the callback returns. */
typedef void (*xvios_watchmux_cb)(void *arg, const struct xvios_watch_event *ev, unsigned n);

struct xvios_watchmux_stats {
    uint64_t events;          /* read from the store */
    uint64_t dispatched;      /* handed to a subscriber */
    uint64_t unknown_token;   /* no subscriber holds the token: logged and dropped */
};

/* Registers the store's watch fd with loop. 0, -EINVAL, -ENOMEM, or the platform's error. */
int  xvios_watchmux_create(xvios_plat *plat, struct xvios_evloop *loop, struct xvios_watchmux **out);
/* Unwatches what is still subscribed and leaves the loop; NULL is fine. */
void xvios_watchmux_destroy(struct xvios_watchmux *mux);
struct xvios_evloop *xvios_watchmux_loop(const struct xvios_watchmux *mux);

/*
 * Watch path for token. -EEXIST when (path, token) is already subscribed or
 * the token belongs to another subscriber (another cb/arg); -EINVAL for a
 * path or token the store would refuse; the store's error otherwise.
 * As with xvios_store_watch(), one event is queued at once.
 */
int  xvios_watchmux_add(struct xvios_watchmux *mux, const char *path, const char *token,
                        xvios_watchmux_cb cb, void *arg);
/* Stop watching path for token; -ENOENT if not subscribed. */
int  xvios_watchmux_remove(struct xvios_watchmux *mux, const char *path, const char *token);

/* Drain and dispatch now (the loop calls this when the fd is readable). */
void xvios_watchmux_dispatch(struct xvios_watchmux *mux);
void xvios_watchmux_get_stats(const struct xvios_watchmux *mux, struct xvios_watchmux_stats *out);

#endif /* XVIOS_WATCHMUX_H */
