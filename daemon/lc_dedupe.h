/* SPDX-License-Identifier: MIT */
/*
 * lc_dedupe.h - one Lifecycle event per change, whether a node's DB watch saw
 * it, an announcement (OBJ_EVENT) told of it, or both (pure: no store, no
 * sockets; the time is passed in).
 *
 * A change of an LU or a mapping is written by dom0, which may also announce
 * it through a node (`xvios api`, the typed commands with a node named) or
 * not (a typed command without one, a write straight into the store). Each
 * daemon raises the events of every change it sees in the DB to its own
 * subscribers; an announcement of the same change (type, key, action) must
 * not raise it twice, and the announcement, which says who asked and through
 * which node, is the better copy. So a change the watch saw waits
 * LC_GRACE_MS for its announcement (which then goes out in its place); one
 * not announced by then goes out as the watch saw it. An announcement that
 * came first is remembered for LC_NOTE_MS so the watch's sight of the same
 * change is dropped; one that comes after the watch's copy went out is
 * dropped likewise. Each note matches one change: a create, delete and
 * create again are three.
 *
 * A mapping modified (its mode) is plugged out and in again: its VTD record
 * is deleted and written again, which the watch sees as deleted, then
 * created. When the watch sees created while its deleted of the same key is
 * still held (replug), the two are one change: modified (which the
 * announcement of the modify then matches).
 */
#ifndef XVIOS_DAEMON_LC_DEDUPE_H
#define XVIOS_DAEMON_LC_DEDUPE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "xvios/vio.h"

#define LC_GRACE_MS 2500u      /* a watched change waits this long for its announcement */
#define LC_NOTE_MS  30000u     /* an announcement (or a watched change sent) is remembered this long */
#define LC_SLOTS    256u       /* pending changes, and notes, each at most */

struct lc_pending {
    struct xvios_vio_event ev;
    struct timespec due;
};

struct lc_note {
    char type[16], key[XVIOS_LU_NAME_MAX + 1], action[16];
    bool from_watch;           /* the watch's copy went out (else: an announcement's) */
    struct timespec until;
};

struct lc_dedupe {
    struct lc_pending pending[LC_SLOTS];
    unsigned n_pending;
    struct lc_note notes[LC_SLOTS];
    unsigned n_notes;
    uint64_t dropped;          /* copies not passed on: the change was raised already */
    uint64_t overflow;         /* changes sent at once because no slot was free */
};

/* What to do with an event now: LC_EMIT it, LC_HOLD it (the dedupe keeps it until due), LC_DROP it. */
enum lc_verdict { LC_EMIT = 0, LC_HOLD = 1, LC_DROP = 2 };

/* The watch saw ev's change. LC_HOLD: kept (lc_due() gives it back when its grace ends); LC_DROP: it was
 * announced already; LC_EMIT: no slot free, send it now. replug: a created may join a held deleted of the
 * same key into one modified (see above). */
enum lc_verdict lc_watch_saw(struct lc_dedupe *dd, const struct xvios_vio_event *ev, const struct timespec *now,
                             bool replug);
/* An announcement of ev arrived. LC_EMIT: send ev (a held watch copy of it was discarded, or there was
 * none); LC_DROP: the watch's copy went out already. */
enum lc_verdict lc_announced(struct lc_dedupe *dd, const struct xvios_vio_event *ev, const struct timespec *now);
/* The next held event whose grace ended at now, into *out (and forgotten, remembered as sent): true; false
 * when none is due. Expired notes are forgotten here too. */
bool lc_due(struct lc_dedupe *dd, const struct timespec *now, struct xvios_vio_event *out);
/* The earliest due time of a held event: true and *next, or false (none held). */
bool lc_next_due(const struct lc_dedupe *dd, struct timespec *next);

#endif /* XVIOS_DAEMON_LC_DEDUPE_H */
