/* SPDX-License-Identifier: MIT */
/*
 * vscsi_int.h - the engine's internal types, shared by its files:
 *   vscsi_engine.c  hosting: watch, vhost discovery and lifetime, the kick timer
 *   vscsi_xs.c      the per-vhost XenStore state machine
 *   vscsi_lun.c     dev-N entries -> (channel, target, lun) -> LU; LUs shared by path
 *   vscsi_ring.c    ring map/bind, the request loop, responses and notifications
 *   vscsi_exec.c    one validated request: CDB to the SCSI target, ABORT, RESET
 *   vscsi_io.c      data movement with grant copy (indirect descriptors, data)
 */
#ifndef XVIOS_BACKEND_VSCSI_INT_H
#define XVIOS_BACKEND_VSCSI_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend/cke/cke.h"
#include "backend/dsa/dsa.h"
#include "backend/scsi/scsi_dev.h"
#include "backend/scsi/scsi_region.h"
#include "backend/vscsi/vscsi_engine.h"
#include "backend/vscsi/vscsi_req.h"
#include "xvios/clock.h"
#include "xvios/db_lu.h"
#include "xvios/evloop.h"
#include "xvios/ring.h"
#include "xvios/watchmux.h"

#define VSCSI_BUDGET        32u      /* requests taken from one ring per loop turn */
#define VSCSI_MAX_GRANTS    (1u + VSCSI_SG_GRANT_MAX + VSCSIIF_SG_TABLESIZE)
#define VSCSI_PATH_MAX      256u

struct vscsi_engine;
struct vscsi_vhost;

/*
 * Who an LU is: a path LU (its identifiers derived from the path), or an LU of
 * the cluster's pool (docs/pool.md): a region of the backing at p-dev with the
 * WWN and serial the pool gave it, the same through every VIOS.
 */
struct vscsi_lu_ident {
    bool pool;
    char name[XVIOS_LU_NAME_MAX + 1];   /* pool: the LU's name (its PR record and path entry in the cluster DB) */
    uint64_t offset, size;          /* pool: the region of the backing */
    uint8_t wwn[16];                /* pool: the NAA designator of VPD 0x83 */
    char serial[32];                /* pool: the unit serial number of VPD 0x80 */
};

/* What a dev-N names, as read from the store (untrusted: vscsi_lun_add checks it all). */
struct vscsi_lun_spec {
    const char *vdev, *pdev, *mode;
    const char *lu;                 /* xvios-lu: the pool LU's name, NULL for a path LU */
    const char *offset, *size, *wwn, *serial;   /* xvios-offset, -size, -wwn, -serial (pool LUs) */
};

/* An LU opened from a p-dev path, shared by every dev-N that names it with the same mode (and, for a
 * pool LU, the same region and identifiers). */
struct vscsi_lu_ref {
    struct vscsi_lu_ref *next;
    struct vscsi_engine *eng;
    char path[VSCSI_PATH_MAX];
    bool read_only;
    struct vscsi_lu_ident id;
    struct scsi_region region;      /* pool LUs: the backing seen through the region */
    unsigned refs;
    struct lu_store *store;
    struct scsi_lu *lu;
    struct prsync_lu *prs;          /* pool LUs with an engine's prsync: the cluster's PR state */
    struct xvios_ev_fd *src;
    char key[XVIOS_PATH_KEY_MAX + 1];   /* the LU's key in the path table (xvios/db_path.h) */
    struct dsa_path *dpath;             /* watched by the path monitor (NULL: no monitor) */
};

/* A (channel, target) of a vhost: one SCSI target (its LUN map answers REPORT LUNS). */
struct vscsi_target {
    struct vscsi_target *next;
    uint16_t chn, tgt;
    struct scsi_dev *dev;
};

/* One dev-N of a vhost that is mapped. */
struct vscsi_lun {
    struct vscsi_lun *next;
    unsigned devn;
    uint16_t chn, tgt, lun;
    struct vscsi_target *target;
    struct vscsi_lu_ref *lu;
};

enum vscsi_slot_kind { VSCSI_SLOT_FREE, VSCSI_SLOT_CDB, VSCSI_SLOT_ABORT };

/* One request in flight. */
struct vscsi_req {
    struct vscsi_vhost *vh;
    enum vscsi_slot_kind kind;
    struct vscsi_req_hdr h;
    uint32_t data_len;
    uint8_t *buf;
    struct scsi_cmd cmd;
    struct scsiif_request_segment segs[VSCSI_SG_GRANT_MAX];
    /* redundancy (backend/cke): the command as handed to the CKE */
    struct scsi_dev *dev;               /* where it runs locally */
    struct vscsi_lu_ref *lu_ref;
    bool redriven;                      /* it ran locally and failed on a path that was not good */
    struct cke_req fwd;
};

struct vscsi_vhost_stats {
    uint64_t requests, responses, bad[VSCSI_REQ_ERR_COUNT], no_connect, grant_errors, rqid_reuse, tmf;
    uint64_t resumed;                   /* requests found outstanding on a ring taken over (vscsi_ring.c) */
};

/* A vhost's client login (vscsi_login.c): the IDs from xviosd before the backend may go Connected. */
enum vscsi_login_state { VSCSI_LOGIN_NONE = 0, VSCSI_LOGIN_WAITING, VSCSI_LOGIN_DONE, VSCSI_LOGIN_FAILED };

struct vscsi_login {
    enum vscsi_login_state state;
    char uuid[37], name[64];            /* as dom0 wrote them (xvios-client-uuid, -name) */
    uint32_t client_id, adapter_id;     /* VSCSI_LOGIN_DONE */
    int fd;                             /* the attempt's api.sock connection, or -1 */
    struct xvios_ev_fd *src;
    struct xvios_ev_timer *timer;       /* next attempt, an attempt's end, the deadline */
    struct timespec deadline;
    uint64_t handle;
    char last_why[120];                 /* the reason last logged (each new one is logged once) */
};

struct vscsi_vhost {
    struct vscsi_vhost *next;
    struct vscsi_engine *eng;
    uint32_t fe_domid, devid;
    char be_path[VSCSI_PATH_MAX];       /* /local/domain/<self>/backend/vscsi/<client>/<vhost> */
    char fe_path[VSCSI_PATH_MAX];       /* from the backend's frontend key */
    char fe_token[64];
    bool probed, fe_watched, dirty, removing;
    int fe_handled;                     /* the frontend state last acted on (-1 none) */
    char last_error[256];               /* the text of the last xvios-error written */
    int be_switched;                    /* the backend state this engine last switched to (-1 none): as the
                                         * kernel's xenbus_switch_state, the engine writes `state` only when
                                         * its own state changes, never over a toolstack's Reconfiguring */
    /* ring */
    bool connected, ring_error, quiesce, more_work, push_pending;
    xvios_gnt *gnt;
    xvios_evtchn *ch;
    void *ring_page;
    struct vscsiif_back_ring ring;
    struct xvios_ev_fd *src;
    struct vscsi_login login;
    /* SCSI */
    struct scsi_nexus nexus;            /* (ClientID, AdapterID) once logged in (vscsi_login_nexus) */
    struct vscsi_target *targets;
    struct vscsi_lun *luns;
    struct vscsi_req slots[VSCSI_RING_SLOTS];
    unsigned in_flight;
    struct vscsi_vhost_stats st;
};

struct vscsi_engine {
    xvios_plat *plat;
    struct xvios_evloop *loop;
    struct xvios_watchmux *mux;
    struct prsync *prsync;
    uint32_t self;
    uint16_t port_id;
    char rundir[128];                   /* where xviosd's api.sock is; "" = no login (unit tests) */
    uint32_t login_timeout_ms;
    char base[64];
    char token[32];
    char pool_token[32];                /* the pool's watch (vscsi_grow.c); "" not watching */
    struct vscsi_vhost *vhosts;
    struct vscsi_lu_ref *lus;
    struct xvios_ev_timer *kick;
    xvios_watchmux_cb fe_watch_cb;      /* a frontend's state changed (set by vscsi_engine.c) */
    bool destroying;
    uint64_t ring_errors;
    struct vscsi_vhost_stats gone;      /* counters of freed vhosts */
    struct dsa *dsa;                    /* the path monitor, or NULL */
    struct cke *cke;                    /* forwarding, or NULL */
};

/* Run the engine's kick work (push responses, continue rings, reap) at the end of this loop turn. */
static inline void vscsi_engine_kick(struct vscsi_engine *e)
{
    if (!e->destroying && !xvios_evloop_timer_armed(e->kick))
        xvios_evloop_timer_arm(e->kick, xvios_now());
}

/* vscsi_store.c: a vhost's own XenStore keys */
int  vscsi_xs_read(struct vscsi_vhost *vh, const char *dir, const char *key, char *buf, size_t cap);
int  vscsi_xs_write(struct vscsi_vhost *vh, const char *key, const char *val);
void vscsi_xs_set_error(struct vscsi_vhost *vh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* vscsi_xs.c: the state machine */
void vscsi_xs_reconcile(struct vscsi_vhost *vh);

/* vscsi_grow.c: served pool LUs follow their size in the DB (a grow: CAPACITY DATA HAS CHANGED) */
int  vscsi_grow_watch(struct vscsi_engine *e);
void vscsi_grow_unwatch(struct vscsi_engine *e);
void vscsi_grow_check(struct vscsi_engine *e);

/* vscsi_lun.c */
int  vscsi_lun_add(struct vscsi_vhost *vh, unsigned devn, const struct vscsi_lun_spec *spec);
void vscsi_lun_del(struct vscsi_vhost *vh, unsigned devn);
void vscsi_lun_del_all(struct vscsi_vhost *vh);
struct vscsi_lun *vscsi_lun_find(const struct vscsi_vhost *vh, uint16_t chn, uint16_t tgt, uint16_t lun);
struct vscsi_lun *vscsi_lun_by_devn(const struct vscsi_vhost *vh, unsigned devn);
void vscsi_lu_reap(struct vscsi_engine *e);           /* free LUs nobody maps and nothing uses */
void vscsi_lu_close_all(struct vscsi_engine *e);      /* engine teardown: close every store (answers I/O) */

/* vscsi_login.c */
void vscsi_login_init(struct vscsi_vhost *vh);
void vscsi_login_dispose(struct vscsi_vhost *vh);
/* True when the vhost may connect (logged in, or no login configured); starts a login when none runs. */
bool vscsi_login_ready(struct vscsi_vhost *vh);
bool vscsi_login_failed(const struct vscsi_vhost *vh);
void vscsi_login_reset(struct vscsi_vhost *vh);       /* the frontend closed: log in again next time */
void vscsi_login_nexus(struct vscsi_vhost *vh);       /* the I_T nexus of the vhost as things stand */

/* vscsi_ring.c: the way in */
/* resume: the frontend was Connected before this backend mapped the ring: take it over at the shared
 * response producer and answer what is outstanding (vscsi_ring.c) */
int  vscsi_ring_connect(struct vscsi_vhost *vh, bool resume);
void vscsi_ring_disconnect(struct vscsi_vhost *vh);   /* only with nothing in flight */
void vscsi_ring_service(struct vscsi_vhost *vh);

/* vscsi_ring_out.c: the way out */
void vscsi_ring_respond(struct vscsi_vhost *vh, const struct vscsiif_response *rsp);
void vscsi_ring_push(struct vscsi_vhost *vh);

/* vscsi_exec.c */
void vscsi_exec(struct vscsi_vhost *vh, struct vscsi_req *slot, const struct vscsiif_request *copy);

/* vscsi_fwd.c: s->fwd describes s (its LU s->lu_ref, LUN s->cmd.lun) for the CKE */
void vscsi_fwd_fill(struct vscsi_vhost *vh, struct vscsi_req *s, cke_done_fn done);

/* vscsi_io.c */
int  vscsi_io_fetch_desc(struct vscsi_vhost *vh, const struct vscsi_req_hdr *h, struct scsiif_request_segment *out);
int  vscsi_io_copy(struct vscsi_vhost *vh, const struct scsiif_request_segment *segs, unsigned n, uint8_t *buf,
                   uint32_t len, enum xvios_gnt_dir dir);

#endif /* XVIOS_BACKEND_VSCSI_INT_H */
