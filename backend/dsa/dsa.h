/* SPDX-License-Identifier: MIT */
/*
 * dsa.h - the path monitor (the seed's DSA: "checks the connection status of
 * the storage interconnect of the VIOS and signals CKE when a fabric loss
 * condition is detected"). docs/redundancy.md is the long version.
 *
 * One struct dsa_path per LU this VIOS serves or the pool holds, keyed by the
 * LU's DB key (xvios/db_path.h). Its state:
 *
 *   GOOD    -- fabric error on a store of the LU --> SUSPECT (probe now)
 *   SUSPECT -- probe read succeeds within the deadline --> GOOD (it was not the path)
 *           -- probe fails or misses the deadline -----> LOST
 *   LOST    -- periodic probe succeeds -----------------> GOOD (restored)
 *              (before each periodic probe of a LOST path, its idle stores
 *              open the backing again: a device that came back is a new one)
 *   GOOD    -- periodic probe fails --------------------> LOST (an idle path that died)
 *
 * A fabric error is EIO, ENXIO or ENODEV from the backing
 * (lu_store_on_fabric_error). A probe reads one block of the LU through
 * every store of it (the engine's and the monitor's own), all within
 * probe_timeout_ms. Every move to LOST or back to GOOD is published in the
 * cluster DB (/xvios/nodes/<node>/paths/<key>) and reported to the observer
 * (the CKE). Single-threaded, a guest of the event loop; nothing blocks.
 */
#ifndef XVIOS_BACKEND_DSA_H
#define XVIOS_BACKEND_DSA_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/lu/lu_store.h"
#include "xvios/db_path.h"
#include "xvios/evloop.h"
#include "xvios/platform.h"

struct dsa;
struct dsa_path;

#define DSA_DEFAULT_INTERVAL_MS  3000u
#define DSA_DEFAULT_TIMEOUT_MS   1000u
#define DSA_MAX_STORES           8u      /* stores of one LU watched at once (the engine's modes + the monitor's) */

enum dsa_state { DSA_GOOD = 0, DSA_SUSPECT = 1, DSA_LOST = 2 };

/* Called on every verdict: a SUSPECT path found GOOD or LOST, a LOST one restored, a GOOD one lost. */
typedef void (*dsa_verdict_fn)(void *arg, struct dsa_path *p, enum dsa_state st);

struct dsa_config {
    xvios_plat *plat;
    struct xvios_evloop *loop;
    uint32_t (*node)(void *arg);        /* this VIOS's node id now (0: not a member: nothing published) */
    void *node_arg;
    uint32_t domid;                     /* this VIOS's domain (the fault switch names it) */
    unsigned interval_ms;               /* periodic probe; 0 = DSA_DEFAULT_INTERVAL_MS */
    unsigned probe_timeout_ms;          /* 0 = DSA_DEFAULT_TIMEOUT_MS */
    bool watch_pool;                    /* also monitor every LU of the pool (a store of its own per LU) */
    /*
     * TEST FEATURE: a file read at every period; a line "DOMID" or "DOMID KEY"
     * naming this VIOS makes every store of its LUs (or of the LU KEY) fail
     * with EIO (lu_store_inject_error), as a removed block device would; the
     * line gone, the device is back as a new one: each store works again once
     * the monitor has reopened it (a lost path's stores are, every period).
     * NULL or "": off.
     */
    const char *fault_file;
};

int  dsa_create(const struct dsa_config *cfg, struct dsa **out);
/* Removes every path (their DB entries stay: the VIOS's node entry goes with it). NULL is fine. */
void dsa_destroy(struct dsa *d);
void dsa_set_observer(struct dsa *d, dsa_verdict_fn fn, void *arg);

/*
 * A store serving the LU key (backing path, region start probe_off): watched
 * for fabric errors and read by the probes until dsa_detach(). The store
 * must outlive the attachment. -ENOSPC with DSA_MAX_STORES stores already.
 */
int  dsa_attach(struct dsa *d, const char *key, const char *backing, uint64_t probe_off, struct lu_store *store,
                struct dsa_path **out);
void dsa_detach(struct dsa *d, struct dsa_path *p, struct lu_store *store);

enum dsa_state dsa_path_state(const struct dsa_path *p);
/* I/O errors the engine's stores of the LU met (probe reads not counted), as of the last period; published
 * as the path entry's io-errors (an LU I/O error alert on every node when it grows). */
uint64_t dsa_path_io_errors(const struct dsa_path *p);
const char *dsa_path_key(const struct dsa_path *p);
struct dsa_path *dsa_find(struct dsa *d, const char *key);
const char *dsa_state_name(enum dsa_state st);

struct dsa_stats {
    uint64_t probes, probe_failures, probe_timeouts, fabric_errors, lost, restored, publish_errors;
    uint64_t reopens;                   /* stores of lost paths that opened their backing again */
};
void dsa_get_stats(const struct dsa *d, struct dsa_stats *out);

#endif /* XVIOS_BACKEND_DSA_H */
