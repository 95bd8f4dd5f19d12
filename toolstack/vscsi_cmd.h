/* SPDX-License-Identifier: MIT */
/*
 * vscsi_cmd.h - what `xvios scsi` attach, detach and list share: their exit
 * codes, the context they run in (platform, cluster members), and the
 * operations themselves (vscsi_attach.c, vscsi_detach.c, vscsi_list.c,
 * vscsi_rebuild.c).
 * The command line lives in cmd_scsi.c; the XenStore layout in
 * vscsi_nodes.h.
 */
#ifndef XVIOS_TOOLSTACK_VSCSI_CMD_H
#define XVIOS_TOOLSTACK_VSCSI_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "toolstack/cli.h"
#include "toolstack/vscsi_nodes.h"
#include "xvios/db.h"
#include "xvios/db_lu.h"
#include "xvios/db_vtd.h"

/*
 * Exit codes of `xvios scsi` beyond the common ones in cli.h (docs/xvios.1).
 * XVIOS_EXIT_TIMEOUT (4): the client's frontend (or the VIOS) never answered
 * before the deadline; XVIOS_EXIT_REFUSED (6): no cluster, the vhost is busy
 * or served by another VIOS.
 */
enum vscsi_exit {
    VSCSI_EXIT_NO_CLIENT   = 10, /* the client domain does not exist or is not running */
    VSCSI_EXIT_NOT_MEMBER  = 11, /* the VIOS is not an active, running cluster member */
    VSCSI_EXIT_LU_UNKNOWN  = 12, /* the LU is no usable path, or the VIOS's engine refused it */
    VSCSI_EXIT_LU_BUSY     = 13, /* the LU is attached elsewhere and neither side is shared read-only */
    VSCSI_EXIT_VDEV_TAKEN  = 14, /* the vhost has a LUN at that channel:target:lun already */
    VSCSI_EXIT_NO_VDEV     = 15, /* detach: the client has no such vdev */
    VSCSI_EXIT_ACCESS_DENIED = 16, /* the LU's pool's access list does not name the client */
};

#define VSCSI_DEFAULT_TIMEOUT_MS 20000u
#define VSCSI_MAX_TIMEOUT_MS     3600000u

struct vscsi_ctx {
    xvios_plat *p;
    enum xvios_plat_kind kind;
    struct xvios_db_node *nodes;  /* cluster members, sorted by node id */
    unsigned n_nodes;
    bool quiet;                   /* attach/detach print no result line on stdout (`xvios api` prints XML there) */
    /* --multihost: this host's corosync nodeid; nodes holds only this host's members (a vscsi ring does not
     * cross hosts), the VTD table is the replicated DB's, the backend/frontend nodes this host's store.
     * 0: a single-host cluster, everything as always. */
    uint32_t mh_host;
    bool mh_record;               /* detach on a multi-host cluster: the VTD record was there (vscsi_mh.c) */
};

/* One line "xvios scsi: ..." on stderr; returns code. The last line said is kept for vscsi_last_said(). */
int vscsi_say(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *vscsi_last_said(void);

/* Open the platform the global options name and read the members; an exit code (0 = ok). */
int  vscsi_ctx_open(const struct xvios_cli *cli, struct vscsi_ctx *ctx);
void vscsi_ctx_close(struct vscsi_ctx *ctx);

/* The VIOS for a new vhost: node (0: the lowest-numbered active, running member that is not the client).
 * An exit code, message said. */
int vscsi_pick_vios(struct vscsi_ctx *ctx, uint32_t node, uint32_t client, const struct xvios_db_node **out);

/* Is the member's domain running and still the one that joined (uuid)? */
bool vscsi_member_alive(struct vscsi_ctx *ctx, const struct xvios_db_node *n);
const struct xvios_db_node *vscsi_member_by_domid(const struct vscsi_ctx *ctx, uint32_t domid);

/*
 * CLIENT as xl takes it (name, or all digits = domid) -> domid and, when
 * known, its name. must_run: refuse a domain that is not running. An exit
 * code with the message printed (0 = ok).
 */
int vscsi_client_resolve(struct vscsi_ctx *ctx, const char *which, bool must_run, uint32_t *domid,
                         char *name, size_t name_len);

/* The client's vhost among the members' backend dirs: 0, -ENOENT, or another -errno. */
int vscsi_find_vhost(struct vscsi_ctx *ctx, xvios_tx tx, uint32_t client, uint32_t vhost, struct vscsi_vhost *out);

/* Text for a terminal: what could drive it replaced by '?'. */
void vscsi_text(FILE *f, const char *s);
const char *vscsi_state_name(int state);

/* ---------------------------------------------------------------- operations */
struct vscsi_attach_req {
    const char *client;
    const char *lu;
    struct vscsi_vdev vdev;
    uint32_t vios_node;           /* 0: the vhost's VIOS if it exists, else the lowest-numbered running member */
    bool readonly, shared;
    uint32_t timeout_ms;
    /* a rebuild from the VTD table (vscsi_rebuild.c): a frontend dir left without its backend is replaced,
     * and a rollback keeps the VTD record */
    bool rebuild;
};

/* What an attach did (to undo it). */
struct vscsi_attached {
    uint32_t client;
    struct vscsi_vdev vdev;
};

/* An exit code; on XVIOS_EXIT_OK *done says what was attached. */
int vscsi_attach(struct vscsi_ctx *ctx, const struct vscsi_attach_req *req, struct vscsi_attached *done);
/* Detach vdev from client (given as CLIENT or, with client_domid_known, by domid). An exit code. */
int vscsi_detach(struct vscsi_ctx *ctx, const char *client, const struct vscsi_vdev *vdev, uint32_t timeout_ms);
/* Undo a successful attach (config rollback): detach by domid. An exit code. */
int vscsi_detach_domid(struct vscsi_ctx *ctx, uint32_t client, const struct vscsi_vdev *vdev, uint32_t timeout_ms);
/* What a rebuild found and did. */
struct vscsi_rebuilt {
    unsigned recorded;   /* the node's mappings in the VTD table */
    unsigned in_place;   /* of those, already in its backend nodes (left alone) */
    unsigned rebuilt;    /* attached again */
    unsigned failed;     /* could not be (said on stderr; their records stay) */
};

/* Attach again every mapping the VTD table gives node and its backend nodes lack (vscsi_rebuild.c).
 * An exit code: 0 when every one is in place or rebuilt, else the first failure's. */
int vscsi_rebuild(struct vscsi_ctx *ctx, uint32_t node, uint32_t timeout_ms, bool resume, struct vscsi_rebuilt *out);
/* --resume (vscsi_resume.c): does the client's frontend dir of that vhost still name the VIOS's backend dir
 * and domid, Initialised or Connected? Then resume the vhost: its backend dir alone is written again with
 * the n mappings v (one vhost), and the engine takes over the live ring. An exit code. */
struct xvios_db_vtd;
bool vscsi_resume_applies(struct vscsi_ctx *ctx, uint32_t vios, uint32_t client, uint32_t vhost);
int  vscsi_resume_vhost(struct vscsi_ctx *ctx, const struct xvios_db_node *vios, const struct xvios_db_vtd *const *v,
                        unsigned n, uint32_t timeout_ms, struct vscsi_rebuilt *out);
/*
 * The pools' access lists (vscsi_access.c), inside the attach's transaction:
 * may the client (its uuid, "" unknown; name for the message) have dev's LU?
 * 0 yes; < 0 minus an exit code (VSCSI_EXIT_ACCESS_DENIED), message printed;
 * > 0 an errno for the transaction loop.
 */
int vscsi_access_check(xvios_plat *p, xvios_tx tx, const struct vscsi_new_dev *dev, uint32_t client,
                       const char *name, const char *uuid);
/*
 * A multi-host cluster's attach and detach in steps (vscsi_mh.c, docs/multihost.md "scsi attach and detach
 * across hosts"): the VTD record lives in the replicated DB, the vhost's nodes in this host's store, and no
 * transaction spans the two. Each returns an exit code with its message said.
 */
struct vscsi_mh_claim {
    struct xvios_db_vtd rec;      /* as step 1 wrote it (state attaching) */
    struct xvios_db_lu pool;      /* the pool LU step 1 read (pool_ok), for step 2's nodes */
    bool pool_ok;
};
/* Step 1 of an attach: the checks of the replicated DB (no record of that vdev, the pool LU, its access list,
 * the LU not in use elsewhere in the cluster) and the record, state attaching, naming the VIOS that will
 * serve it (the vhost's, or the one picked; it must be on this host). */
int vscsi_mh_claim(struct vscsi_ctx *ctx, const struct vscsi_attach_req *req, uint32_t client, const char *name,
                   const char *uuid, struct vscsi_mh_claim *out);
/* Step 3: the record, still step 1's, rewritten complete (no state line). */
int vscsi_mh_settle(struct vscsi_ctx *ctx, const struct xvios_db_vtd *rec);
/* Undo step 1 (step 2 failed, or the frontend never took the LUN): the record removed if it is still step 1's. */
int vscsi_mh_unclaim(struct vscsi_ctx *ctx, const struct xvios_db_vtd *rec);
/* Step 1 of a detach: a complete record marked detaching (*rec: the record as it was; ctx->mh_record: there
 * was one). A record of another host's VIOS is refused. */
int vscsi_mh_detach_begin(struct vscsi_ctx *ctx, uint32_t client, const struct vscsi_vdev *vdev,
                          struct xvios_db_vtd *rec);
/* After the nodes: remove the record (done) or put it back as it was (the nodes are still there). */
int vscsi_mh_detach_end(struct vscsi_ctx *ctx, uint32_t client, const struct vscsi_vdev *vdev,
                        const struct xvios_db_vtd *rec, bool done);

/* Every LUN (of client, when not NULL) as a table or a JSON document on f. An exit code. */
int vscsi_list(struct vscsi_ctx *ctx, const char *client, bool json, FILE *f);

#endif /* XVIOS_TOOLSTACK_VSCSI_CMD_H */
