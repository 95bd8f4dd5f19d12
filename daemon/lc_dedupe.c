/* SPDX-License-Identifier: MIT */
/*
 * lc_dedupe.c - one Lifecycle event per change from a DB watch and
 * announcements together (lc_dedupe.h).
 */
#include <stdio.h>
#include <string.h>

#include "daemon/lc_dedupe.h"
#include "xvios/clock.h"

static bool same(const char *type, const char *key, const char *action, const struct xvios_vio_event *ev)
{
    return !strcmp(type, ev->type) && !strcmp(key, ev->key) && !strcmp(action, ev->action);
}

static void expire_notes(struct lc_dedupe *dd, const struct timespec *now)
{
    unsigned k = 0;

    for (unsigned i = 0; i < dd->n_notes; i++)
        if (xvios_ts_cmp(dd->notes[i].until, *now) > 0)
            dd->notes[k++] = dd->notes[i];
    dd->n_notes = k;
}

/* The oldest note of ev's change made by the watch (from_watch) or by an announcement: its index or -1. */
static int find_note(const struct lc_dedupe *dd, const struct xvios_vio_event *ev, bool from_watch)
{
    for (unsigned i = 0; i < dd->n_notes; i++)
        if (dd->notes[i].from_watch == from_watch && same(dd->notes[i].type, dd->notes[i].key, dd->notes[i].action, ev))
            return (int)i;
    return -1;
}

static void drop_note(struct lc_dedupe *dd, unsigned i)
{
    memmove(&dd->notes[i], &dd->notes[i + 1], (dd->n_notes - i - 1) * sizeof(dd->notes[0]));
    dd->n_notes--;
}

static void add_note(struct lc_dedupe *dd, const struct xvios_vio_event *ev, bool from_watch,
                     const struct timespec *now)
{
    struct lc_note *n;

    if (dd->n_notes == LC_SLOTS)
        drop_note(dd, 0);   /* the oldest goes: at worst one change raised twice */
    n = &dd->notes[dd->n_notes++];
    memset(n, 0, sizeof(*n));
    memcpy(n->type, ev->type, sizeof(n->type));
    memcpy(n->key, ev->key, sizeof(n->key));
    memcpy(n->action, ev->action, sizeof(n->action));
    n->from_watch = from_watch;
    n->until = xvios_ts_add_ms(*now, LC_NOTE_MS);
}

static void drop_pending(struct lc_dedupe *dd, unsigned k)
{
    memmove(&dd->pending[k], &dd->pending[k + 1], (dd->n_pending - k - 1) * sizeof(dd->pending[0]));
    dd->n_pending--;
}

enum lc_verdict lc_watch_saw(struct lc_dedupe *dd, const struct xvios_vio_event *in, const struct timespec *now,
                             bool replug)
{
    struct xvios_vio_event e = *in;
    const struct xvios_vio_event *ev = &e;
    int i;

    expire_notes(dd, now);
    for (unsigned k = 0; replug && !strcmp(e.action, "created") && k < dd->n_pending; k++)
        if (same(e.type, e.key, "deleted", &dd->pending[k].ev)) {   /* plugged out and in again: modified */
            drop_pending(dd, k);
            snprintf(e.action, sizeof(e.action), "modified");
            break;
        }
    if ((i = find_note(dd, ev, false)) >= 0) {
        drop_note(dd, (unsigned)i);   /* announced before the watch saw it */
        dd->dropped++;
        return LC_DROP;
    }
    if (dd->n_pending == LC_SLOTS) {
        dd->overflow++;
        add_note(dd, ev, true, now);
        return LC_EMIT;
    }
    dd->pending[dd->n_pending].ev = *ev;
    dd->pending[dd->n_pending].due = xvios_ts_add_ms(*now, LC_GRACE_MS);
    dd->n_pending++;
    return LC_HOLD;
}

enum lc_verdict lc_announced(struct lc_dedupe *dd, const struct xvios_vio_event *ev, const struct timespec *now)
{
    int i;

    expire_notes(dd, now);
    for (unsigned k = 0; k < dd->n_pending; k++) {
        const struct xvios_vio_event *p = &dd->pending[k].ev;
        if (same(p->type, p->key, p->action, ev)) {   /* the watch's copy waits: the announcement replaces it */
            drop_pending(dd, k);
            dd->dropped++;
            return LC_EMIT;
        }
    }
    if ((i = find_note(dd, ev, true)) >= 0) {   /* the watch's copy went out already */
        drop_note(dd, (unsigned)i);
        dd->dropped++;
        return LC_DROP;
    }
    add_note(dd, ev, false, now);
    return LC_EMIT;
}

bool lc_due(struct lc_dedupe *dd, const struct timespec *now, struct xvios_vio_event *out)
{
    expire_notes(dd, now);
    for (unsigned k = 0; k < dd->n_pending; k++) {   /* in the order seen: the first due is the oldest */
        if (xvios_ts_cmp(dd->pending[k].due, *now) > 0)
            continue;
        *out = dd->pending[k].ev;
        drop_pending(dd, k);
        add_note(dd, out, true, now);
        return true;
    }
    return false;
}

bool lc_next_due(const struct lc_dedupe *dd, struct timespec *next)
{
    if (!dd->n_pending)
        return false;
    *next = dd->pending[0].due;   /* held in the order seen, each with the same grace */
    return true;
}
