/* SPDX-License-Identifier: MIT */
/*
 * cke.h - I/O redundancy (the seed's CKE: "handles the propagation of the
 * I/O request to another VIOS when a fabric loss condition is detected").
 * docs/redundancy.md is the long version.
 *
 * Originator side: while the path monitor (backend/dsa) says an LU's path is
 * lost, the vSCSI engine hands each client command for it - CDB, nexus, data
 * - to cke_forward(); the CKE sends it to a peer VIOS whose path is good
 * (by the DB's path table, then the fewest commands this VIOS has forwarded
 * to it), split into cluster messages (cke_msg.h), and hands back status,
 * sense and read data. A peer that fails before it could have received the
 * whole command is replaced by the next one; one that fails after (the
 * outcome is unknown): a read goes to the next peer, anything else is
 * answered CHECK CONDITION, ABORTED COMMAND / LOGICAL UNIT COMMUNICATION
 * FAILURE, which an initiator retries - never GOOD unless a peer said so.
 * A command that failed locally on a path that then proved lost is re-driven
 * the same way (cke_redrive) before the client sees anything. When the path
 * returns, new commands for the LU wait until every forwarded one is
 * answered, then run locally again.
 *
 * Peer side: a forwarded command is run against this VIOS's own LU with the
 * client's original nexus: an LU the CKE opens for the purpose (a store of
 * the same backing, the same region and identifiers), watched by the path
 * monitor like the engine's, kept open until the CKE goes.
 */
#ifndef XVIOS_BACKEND_CKE_H
#define XVIOS_BACKEND_CKE_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/cke/cke_msg.h"
#include "backend/dsa/dsa.h"
#include "backend/scsi/scsi_dev.h"
#include "xvios/evloop.h"
#include "xvios/platform.h"
#include "xvios/vke.h"

struct cke;

#define CKE_DEFAULT_TIMEOUT_MS 5000u

struct cke_config {
    xvios_plat *plat;
    struct xvios_evloop *loop;
    struct xvios_vke *vke;
    struct dsa *dsa;                    /* this VIOS's paths: a peer with none refuses (NO_PATH) */
    unsigned timeout_ms;                /* one forwarding attempt's answer deadline; 0 = CKE_DEFAULT_TIMEOUT_MS */
};

/*
 * One command handed to the CKE by the engine; the caller's memory until
 * done runs (exactly once, from the event loop, never inside the call that
 * took it). desc and data_out are read, data_in (desc.data_in_len bytes) is
 * written with the read data.
 */
enum cke_end {
    CKE_END_ANSWERED,   /* rsp holds the answer for the client (a peer's, or the retryable sense) */
    CKE_END_LOCAL,      /* run (or answer) it locally: the path is good (again), or no peer could take it */
};
struct cke_req;
typedef void (*cke_done_fn)(struct cke_req *r, enum cke_end end, const struct cke_rsp *rsp);
struct cke_req {
    struct cke_cmd_desc desc;
    const uint8_t *data_out;
    uint8_t *data_in;
    struct dsa_path *path;
    cke_done_fn done;
    void *opaque;
    /* the CKE's */
    struct cke_req *next;
    uint32_t tried[4];                  /* peers tried (node ids; 0 = free) */
    unsigned attempts;
    bool executed_locally;              /* redrive: the local result stands when the path proves good */
    enum cke_end end;                   /* queued for done */
    struct cke_rsp rsp;
};

enum cke_route {
    CKE_ROUTE_LOCAL,      /* run it on the local LU */
    CKE_ROUTE_FORWARD,    /* the path is lost: cke_forward() */
    CKE_ROUTE_WAIT,       /* the path is back, forwarded commands still out: cke_forward() holds it */
};

int  cke_create(const struct cke_config *cfg, struct cke **out);
/*
 * Teardown, in two steps around the others: cke_stop() before the engine goes
 * (every command the CKE holds ends now, through its done, in this call: a
 * write still out at a peer with the retryable sense; the LUs of forwarded
 * commands close), cke_destroy() after the VKE went (no send result can
 * arrive any more). cke_destroy() stops first if need be. NULL is fine.
 */
void cke_stop(struct cke *c);
void cke_destroy(struct cke *c);

enum cke_route cke_route(struct cke *c, struct dsa_path *path);
/* Take r (route FORWARD or WAIT); done follows. */
void cke_forward(struct cke *c, struct cke_req *r);
/*
 * r failed locally with what may be a fabric loss: it waits for the path's
 * verdict; lost -> forwarded, good -> done(LOCAL) (answer the local result).
 */
void cke_redrive(struct cke *c, struct cke_req *r);
/* Whether a CDB is served locally whatever the path (it does not reach the medium): INQUIRY, REPORT LUNS. */
bool cke_cdb_local(const uint8_t *cdb);

struct cke_stats {
    uint64_t forwarded;        /* commands sent to a peer (attempts) */
    uint64_t answered;         /* commands answered by a peer */
    uint64_t redriven;         /* local failures re-driven through a peer */
    uint64_t failovers;        /* attempts given up for another peer */
    uint64_t unknown;          /* answered with the retryable sense: outcome unknown */
    uint64_t no_peer;          /* no peer could take a command: back to local */
    uint64_t drained;          /* commands held while forwarded ones drained */
    uint64_t peer_executed;    /* (peer side) forwarded commands run here */
    uint64_t peer_refused;     /* (peer side) refused: no path, no LU, malformed */
    uint64_t bad_fragments;    /* fragments dropped: malformed, duplicate, unknown */
};
void cke_get_stats(const struct cke *c, struct cke_stats *out);

#endif /* XVIOS_BACKEND_CKE_H */
