/* SPDX-License-Identifier: MIT */
/*
 * dsa_int.h - the path monitor's internals, shared by its files:
 *   dsa_path.c   paths and their stores, fabric errors, probes, verdicts, publishing
 *   dsa_tick.c   the monitor: attach/detach, the period (the pool's LUs, the fault switch, probes)
 */
#ifndef XVIOS_BACKEND_DSA_INT_H
#define XVIOS_BACKEND_DSA_INT_H

#include "backend/dsa/dsa.h"

/* One store of a path, with its probe buffer. Freed by the probe's completion when orphaned in flight. */
struct dsa_slot {
    struct dsa_path *path;              /* NULL: orphaned (detached or path gone) */
    struct lu_store *store;
    void *buf;
    bool busy;                          /* a probe read is in flight */
    bool own;                           /* the monitor's own store (opened and closed here) */
    bool dead;                          /* the test switch failed its fd: dead until reopened */
    int reopen_rc;                      /* the last lu_store_reopen() result (logged when it changes) */
    unsigned gen;                       /* the round the read in flight belongs to */
    uint64_t errs_base;                 /* the store's io_errors when it joined */
    uint64_t probe_errs;                /* probe reads through it that failed (not the engine's errors) */
    uint64_t counted;                   /* the engine's errors on it already in path->io_errors */
    struct xvios_ev_fd *src;            /* own stores: the completion fd */
};

struct dsa_path {
    struct dsa_path *next;
    struct dsa *d;
    char key[XVIOS_PATH_KEY_MAX + 1];
    char backing[XVIOS_LU_BACKING_MAX + 1];
    uint64_t probe_off;
    enum dsa_state state;
    bool published, dirty;              /* dirty: the DB does not show the state (or the error count) yet */
    uint64_t since_ms;                  /* when the published state began (CLOCK_REALTIME ms) */
    uint64_t io_errors;                 /* I/O errors the engine's stores of the LU met (probes not counted) */
    bool faulted;                       /* the test switch made its stores fail */
    bool pool, seen;                    /* from the pool scan; seen in the last scan */
    bool own_failed;                    /* the monitor's own store could not be opened */
    struct dsa_slot *slots[DSA_MAX_STORES];
    unsigned attached;                  /* stores the engine attached */
    /* the probe round in flight */
    bool probing, round_failed;
    unsigned round_gen, round_pending;
    struct xvios_ev_timer *deadline;
};

struct dsa {
    struct dsa_config cfg;
    char fault_file[256];
    struct dsa_path *paths;
    struct xvios_ev_timer *tick;
    struct timespec tick_due;           /* when the period is due (a late one is logged) */
    dsa_verdict_fn verdict;
    void *verdict_arg;
    struct dsa_stats st;
};

/* dsa_path.c */
struct dsa_path *dsa__path_get(struct dsa *d, const char *key, const char *backing, uint64_t probe_off);
void dsa__path_free(struct dsa_path *p);
void dsa__probe(struct dsa_path *p);
void dsa__set_fault(struct dsa_path *p, bool on);
void dsa__reopen_stores(struct dsa_path *p);
int  dsa__slot_add(struct dsa_path *p, struct lu_store *store, bool own);
/* Add the engine's I/O errors on s since last counted (probe reads not counted) to p->io_errors; p dirty. */
void dsa__slot_count(struct dsa_path *p, struct dsa_slot *s);
void dsa__slot_drop(struct dsa_path *p, unsigned i);
void dsa__publish(struct dsa_path *p);

#endif /* XVIOS_BACKEND_DSA_INT_H */
