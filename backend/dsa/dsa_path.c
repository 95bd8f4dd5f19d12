/* SPDX-License-Identifier: MIT */
/*
 * dsa_path.c - one path: the stores of an LU, what their fabric errors and
 * probe reads say, the state machine of dsa.h and its publication.
 */
#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/dsa/dsa_int.h"
#include "xvios/clock.h"
#include "xvios/log.h"

#define PROBE_LEN 4096u

const char *dsa_state_name(enum dsa_state st)
{
    switch (st) {
    case DSA_GOOD: return "good";
    case DSA_SUSPECT: return "suspect";
    case DSA_LOST: return "lost";
    }
    return "?";
}

enum dsa_state dsa_path_state(const struct dsa_path *p) { return p ? p->state : DSA_GOOD; }
const char *dsa_path_key(const struct dsa_path *p) { return p->key; }
uint64_t dsa_path_io_errors(const struct dsa_path *p) { return p ? p->io_errors : 0; }

static uint64_t realtime_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void dsa__publish(struct dsa_path *p)
{
    struct dsa *d = p->d;
    struct xvios_db_path e = { 0 };
    uint32_t node = d->cfg.node ? d->cfg.node(d->cfg.node_arg) : 0;
    int rc;

    if (p->state == DSA_SUSPECT || node == 0)
        return;                          /* a verdict is published, not a suspicion; no node: later */
    snprintf(e.key, sizeof(e.key), "%s", p->key);
    snprintf(e.backing, sizeof(e.backing), "%s", p->backing);
    e.state = p->state == DSA_LOST ? XVIOS_PATH_LOST : XVIOS_PATH_GOOD;
    if (!p->since_ms)
        p->since_ms = realtime_ms();
    e.since_ms = p->since_ms;
    e.io_errors = p->io_errors;
    rc = xvios_db_path_publish(d->cfg.plat, node, &e);
    if (rc < 0) {
        d->st.publish_errors++;
        XLOG_WARN("path %s: cannot publish %s: %s (retried next period)", p->key, dsa_state_name(p->state),
                  strerror(-rc));
        p->dirty = true;
        return;
    }
    p->dirty = false;
    p->published = true;
}

static void set_state(struct dsa_path *p, enum dsa_state st)
{
    struct dsa *d = p->d;
    enum dsa_state old = p->state;

    p->state = st;
    if (st == DSA_SUSPECT)
        return;
    if (st == DSA_LOST && old != DSA_LOST) {
        d->st.lost++;
        XLOG_WARN("path %s (%s): LOST", p->key, p->backing);
    } else if (st == DSA_GOOD && old == DSA_LOST) {
        d->st.restored++;
        XLOG_INFO("path %s (%s): restored", p->key, p->backing);
    }
    if (st != old)
        p->since_ms = 0;                 /* a new state: since now */
    if (st != old || !p->published)
        dsa__publish(p);
    if (d->verdict)
        d->verdict(d->verdict_arg, p, st);
}

static void round_end(struct dsa_path *p)
{
    p->probing = false;
    xvios_evloop_timer_disarm(p->deadline);
    set_state(p, p->round_failed ? DSA_LOST : DSA_GOOD);
}

static void probe_done(void *opaque, int64_t result)
{
    struct dsa_slot *s = opaque;
    struct dsa_path *p = s->path;

    s->busy = false;
    if (!p) {                            /* orphaned: its path or attachment is gone */
        lu_store_free_buf(s->buf);
        free(s);
        return;
    }
    if (result < 0)
        s->probe_errs++;                 /* counted by the store as an I/O error: not the engine's */
    if (!p->probing || s->gen != p->round_gen)
        return;                          /* the round it belonged to ended at its deadline */
    if (result != (int64_t)PROBE_LEN) {
        p->round_failed = true;
        p->d->st.probe_failures++;
        XLOG_DEBUG("path %s: probe read: %" PRId64, p->key, result);
    }
    if (--p->round_pending == 0)
        round_end(p);
}

static void on_deadline(struct xvios_ev_timer *t, void *arg)
{
    struct dsa_path *p = arg;

    (void)t;
    if (!p->probing)
        return;
    p->d->st.probe_timeouts++;
    XLOG_WARN("path %s: probe read missed its %u ms deadline", p->key, p->d->cfg.probe_timeout_ms);
    p->round_failed = true;
    round_end(p);
}

void dsa__probe(struct dsa_path *p)
{
    unsigned n = 0;

    if (p->probing)
        return;
    p->probing = true;
    p->round_failed = p->own_failed;
    p->round_gen++;
    p->round_pending = 1;                /* held until every read is issued */
    for (unsigned i = 0; i < DSA_MAX_STORES; i++) {
        struct dsa_slot *s = p->slots[i];
        int rc;

        if (!s)
            continue;
        if (s->busy) {                   /* the last probe through it still hangs */
            p->round_failed = true;
            continue;
        }
        s->gen = p->round_gen;
        rc = lu_store_read(s->store, s->buf, PROBE_LEN, p->probe_off, probe_done, s);
        if (rc == -EAGAIN) {
            continue;                    /* the store is busy with real I/O: that I/O speaks for it */
        } else if (rc < 0) {
            p->round_failed = true;
            continue;
        }
        s->busy = true;
        p->round_pending++;
        n++;
    }
    p->d->st.probes++;
    if (n == 0 && !p->round_failed && p->attached == 0 && !p->pool) {
        p->probing = false;              /* nothing to read through */
        return;
    }
    xvios_evloop_timer_arm(p->deadline, xvios_deadline_ms(p->d->cfg.probe_timeout_ms));
    if (--p->round_pending == 0)
        round_end(p);
}

static void on_fabric(void *arg, int64_t result)
{
    struct dsa_slot *s = arg;
    struct dsa_path *p = s->path;

    if (!p)
        return;
    p->d->st.fabric_errors++;
    if (p->state != DSA_GOOD)
        return;                          /* already suspect (a probe runs) or lost */
    XLOG_WARN("path %s: %s from the backing: probing", p->key, strerror((int)-result));
    set_state(p, DSA_SUSPECT);
    dsa__probe(p);
}

static void on_own_store(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    struct dsa_slot *s = arg;

    (void)src;
    (void)fd;
    (void)revents;
    lu_store_dispatch(s->store);         /* may free nothing of s: only close frees an own slot */
}

int dsa__slot_add(struct dsa_path *p, struct lu_store *store, bool own)
{
    struct dsa_slot *s;

    for (unsigned i = 0; i < DSA_MAX_STORES; i++) {
        if (p->slots[i])
            continue;
        s = calloc(1, sizeof(*s));
        if (!s)
            return -ENOMEM;
        s->buf = lu_store_alloc_buf(PROBE_LEN);
        if (!s->buf) {
            free(s);
            return -ENOMEM;
        }
        s->path = p;
        s->store = store;
        s->own = own;
        {
            struct lu_store_stats st;
            lu_store_get_stats(store, &st);
            s->errs_base = st.io_errors;
        }
        if (own && xvios_evloop_fd_add(p->d->cfg.loop, lu_store_fd(store), POLLIN, on_own_store, s, &s->src) < 0) {
            lu_store_free_buf(s->buf);
            free(s);
            return -ENOMEM;
        }
        lu_store_on_fabric_error(store, on_fabric, s);
        if (p->faulted && lu_store_inject_error(store, 0, UINT64_MAX, EIO) == 0)
            s->dead = true;
        p->slots[i] = s;
        return 0;
    }
    return -ENOSPC;
}

void dsa__slot_count(struct dsa_path *p, struct dsa_slot *s)
{
    struct lu_store_stats st;
    uint64_t engine;

    if (s->own)
        return;                          /* the monitor's own store only ever probes */
    lu_store_get_stats(s->store, &st);
    engine = st.io_errors - s->errs_base;
    engine = engine > s->probe_errs ? engine - s->probe_errs : 0;
    if (engine > s->counted) {
        p->io_errors += engine - s->counted;
        s->counted = engine;
        p->dirty = true;                 /* published at the next period: at most one update per LU and period */
    }
}

void dsa__slot_drop(struct dsa_path *p, unsigned i)
{
    struct dsa_slot *s = p->slots[i];

    if (!s)
        return;
    dsa__slot_count(p, s);               /* the errors of a store going away still count */
    p->slots[i] = NULL;
    lu_store_on_fabric_error(s->store, NULL, NULL);
    if (s->dead)
        lu_store_clear_injected(s->store);
    s->path = NULL;
    if (s->busy && s->own) {
        xvios_evloop_fd_remove(s->src);
        lu_store_close(s->store);        /* runs the orphaned probe's callback, which frees s */
        return;
    }
    if (s->busy)
        return;                          /* the read in flight frees it (the engine's close runs it at the latest) */
    if (s->own) {
        xvios_evloop_fd_remove(s->src);
        lu_store_close(s->store);
    }
    lu_store_free_buf(s->buf);
    free(s);
}

/*
 * The test switch models a block device that went away: on, every store's fd
 * fails with EIO (and so does every store reopened while it is on: the device
 * is not there); off, the device is back, but as a new device: the fds that
 * failed stay dead until dsa__reopen_stores() opens the backing again, as
 * with a block device that was removed and attached again.
 */
void dsa__set_fault(struct dsa_path *p, bool on)
{
    if (p->faulted == on)
        return;
    p->faulted = on;
    XLOG_WARN("path %s: TEST fault switch %s", p->key,
              on ? "on: every store of it fails with EIO" : "off: the device is back (stores must reopen it)");
    if (!on)
        return;
    for (unsigned i = 0; i < DSA_MAX_STORES; i++) {
        struct dsa_slot *s = p->slots[i];

        if (s && !s->dead && lu_store_inject_error(s->store, 0, UINT64_MAX, EIO) == 0)
            s->dead = true;
    }
}

/*
 * A lost path's stores (the engine's and the CKE's; the monitor's own is
 * opened afresh anyway) open the backing again, each when it is idle: a
 * device that came back is a new device, the old fd stays dead. A store
 * with I/O in flight is tried again next period; its probe speaks for it.
 */
void dsa__reopen_stores(struct dsa_path *p)
{
    for (unsigned i = 0; i < DSA_MAX_STORES; i++) {
        struct dsa_slot *s = p->slots[i];
        int rc;

        if (!s || s->own || s->busy || lu_store_in_flight(s->store))
            continue;
        rc = lu_store_reopen(s->store);
        if (rc == 0) {
            s->dead = false;
            p->d->st.reopens++;
            if (p->faulted && lu_store_inject_error(s->store, 0, UINT64_MAX, EIO) == 0)
                s->dead = true;  /* the switch is still on: the device is still not there */
        } else if (rc != s->reopen_rc && rc != -ENOENT && rc != -EBUSY) {
            XLOG_WARN("path %s: cannot reopen %s: %s", p->key, p->backing, strerror(-rc));
        }
        s->reopen_rc = rc;
    }
}

struct dsa_path *dsa__path_get(struct dsa *d, const char *key, const char *backing, uint64_t probe_off)
{
    struct dsa_path *p = dsa_find(d, key);

    if (p)
        return p;
    if (!xvios_path_key_valid(key) || strlen(backing) > XVIOS_LU_BACKING_MAX)
        return NULL;
    p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->d = d;
    snprintf(p->key, sizeof(p->key), "%s", key);
    snprintf(p->backing, sizeof(p->backing), "%s", backing);
    p->probe_off = probe_off;
    p->state = DSA_GOOD;
    if (xvios_evloop_timer_add(d->cfg.loop, on_deadline, p, &p->deadline) < 0) {
        free(p);
        return NULL;
    }
    p->next = d->paths;
    d->paths = p;
    return p;
}

void dsa__path_free(struct dsa_path *p)
{
    struct dsa_path **pp = &p->d->paths;

    while (*pp && *pp != p)
        pp = &(*pp)->next;
    if (*pp)
        *pp = p->next;
    for (unsigned i = 0; i < DSA_MAX_STORES; i++)
        dsa__slot_drop(p, i);
    xvios_evloop_timer_remove(p->deadline);
    free(p);
}

struct dsa_path *dsa_find(struct dsa *d, const char *key)
{
    for (struct dsa_path *p = d ? d->paths : NULL; p; p = p->next)
        if (!strcmp(p->key, key))
            return p;
    return NULL;
}
