/* SPDX-License-Identifier: MIT */
/*
 * xviosd.h - the daemon's (the VIOD's) shared state and the calls between
 * its parts: outbound.c (every packet queued out: to the VKE, a caller, a
 * peer), vke_conn.c (the VKE socket), sendop.c (outstanding sends),
 * respq.c (response queue), handlers.c (what arrives from the cluster),
 * user_msgs.c (USER messages: subscribers, the start-up hold, losses),
 * api_server.c (callers: api.sock and the management link), vio_server.c (API_VIO: the management
 * API's vioRequests), map_apply.c (MAPPING_APPLY: mappings made for other nodes), vhost_nodes.c (this
 * VIOS's own backend dirs), self_rebuild.c (rebuilding them from the VTD table at start), events.c,
 * vke_stats.c and vke_stats_text.c (the VKE's counters), nodeinfo.c, main.c (arguments and the
 * poll loop).
 *
 * One thread, one poll loop, nothing blocks: every output goes through a
 * bounded queue (xvios/pktq.h), every outstanding thing has a deadline.
 *
 * The parts call each other one way only (tests/tools/module_deps.py checks
 * it): main.c -> api_server.c -> vio_server.c, vke_conn.c -> handlers.c -> user_msgs.c ->
 * sendop.c -> events.c, nodeinfo.c -> vke_stats.c -> outbound.c; respq.c and
 * retry.c are leaves. Inbound dispatch lives at the top, every output at the bottom.
 *
 * Names: what the daemon's parts call across files is viod_<part>_* (VIOD is
 * the daemon's name in the design), so nothing here is mistaken for the VKE
 * engine's vke_* in libxvios.
 */
#ifndef XVIOSD_H
#define XVIOSD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "xvios/pktq.h"
#include "respq.h"
#include "retry.h"
#include "xvios/db.h"
#include "xvios/platform.h"
#include "xvios/vio_apply.h"
#include "xvios/wire.h"

#define XVD_MAX_CALLERS        64u
#define XVD_CALLER_OUTQ_PKTS   2048u
#define XVD_CALLER_OUTQ_BYTES  (4u << 20)   /* one caller's share of the budget below */
#define XVD_CALLER_OUTQ_TOTAL  (32u << 20)  /* all callers' queued answers together; over it, the caller
                                             * with the most queued is dropped */
#define XVD_HELLO_MS           2000u        /* a caller must say API_HELLO within this or is closed */
#define XVD_VKE_OUTQ_PKTS      512u
#define XVD_VKE_OUTQ_BYTES     (8u << 20)
#define XVD_MAX_OPS            512u
#define XVD_MAX_OPS_PER_CALLER 128u   /* 1/4 of XVD_MAX_OPS: the rest TRY_AGAIN for that caller only */
#define XVD_MAX_OPS_PER_NODE   128u   /* one remote node's NODES_ALL fan-outs: 1/4 of XVD_MAX_OPS */
#define XVD_RESPQ_CAP          16384u
#define XVD_MAX_BAD_PACKETS    16u    /* malformed packets a caller may send before it is disconnected */
#define XVD_RESULT_SLACK_MS    3000u  /* how much later than the receipt deadline a SEND_RESULT may come */
#define XVD_MERGED_MAX         XVIOS_MAX_PAYLOAD
#define XVD_MERGED_TAIL        32u    /* kept free in a merged answer for its "truncated=<n>" block */
#define XVD_VKE_STATS_MS       1000u  /* how often the VKE's counters are asked for while attached */
#define XVD_VKE_STATS_WAIT_MS  5000u  /* an unanswered VKE_STATS is given up (and asked again) after this */
#define XVD_VKE_STATS_MAX      4096u  /* the longest VKE_STATS answer accepted */
#define XVD_SEEN_RING          1024u  /* recently received (sender, epoch, txid): re-issued copies are recognised */
#define XVD_SUBSCRIBE_GRACE_MS 3000u  /* after the first attach, USER messages wait this long for a subscriber */
#define XVD_HELD_PKTS          256u   /* USER messages held during that grace window, at most */
#define XVD_HELD_BYTES         (8u << 20)
#define XVD_SUBSCRIBER_READ_MS 5000u  /* a subscriber that leaves a MESSAGE event unread this long is disconnected */
#define XVD_MAX_APPLIES        8u     /* MAPPING_APPLYs this VIOS makes at once (map_apply.c) */
#define XVD_APPLY_WAIT_MS      10000u /* how long a MAPPING_APPLY waits for the client's frontend */
#define XVD_APPLY_ASK_MS       (XVD_APPLY_WAIT_MS + 5000u)  /* how long the asking node waits for the answer */
#define XVD_AGENT_WAIT_MS      30000u /* how long a request forwarded to dom0's agent waits for its answer */
#define XVD_AGENT_MAX_FWD      16u    /* requests forwarded to dom0's agent at once (agent_fwd.c) */

struct xviosd;

/* ---------------------------------------------------------------- callers */
struct caller {
    bool used;
    bool hello;
    bool dead;                 /* disconnect at the end of this loop iteration */
    uint32_t id;               /* sub.originator of its sends; never 0 */
    int fd;                    /* api.sock connection, or -1 */
    xvios_link *link;          /* the management link (owned by struct xviosd), or NULL */
    enum xvios_origin origin;
    bool trusted;              /* api.sock, peer running as root or as the daemon's user (may CLIENT_LOGIN) */
    bool agent;                /* dom0's agent, registered on the management link (agent_fwd.c) */
    char name[48];
    uint32_t event_mask;
    unsigned n_ops;
    unsigned bad_packets;
    struct xvios_pktq out;
    struct timespec hello_deadline;  /* closed at this without an API_HELLO (XVD_HELLO_MS) */
};

/* ---------------------------------------------------------------- sends */
enum op_kind {
    OP_CALLER_SEND,            /* API_SEND: results to a caller */
    OP_NODES_ALL_QUERY,        /* API_QUERY NODES_ALL or STORAGE_ALL: one API_RESPONSE per node to a caller */
    OP_NODES_ALL_REMOTE,       /* a peer's NODES_ALL or STORAGE_ALL: merged blocks as our CLUSTER_RESPONSE */
    OP_VIO_APPLY,              /* a caller's API_VIO made by another VIOS (MAPPING_APPLY): its vioResponse */
};

struct sendop {
    struct sendop *next;
    enum op_kind kind;
    uint64_t txid;             /* the cluster txid (kept across re-sends) */
    uint32_t caller_id;        /* 0: none / gone */
    uint64_t handle;           /* the caller's request id */
    uint32_t req_node;         /* OP_NODES_ALL_REMOTE: who asked */
    uint64_t req_txid;
    uint32_t req_epoch;        /* the asker's epoch, echoed in our response */
    uint16_t flags;            /* RECEIPT | RESPONSE | BROADCAST as requested */
    enum xvios_origin origin;
    uint32_t originator;
    uint32_t msg_type;
    uint32_t timeout_ms;       /* as requested (0 = cluster default) */
    uint32_t eff_timeout_ms;   /* the deadline actually used */
    uint32_t resp_timeout_ms;  /* a response's deadline when it is not eff_timeout_ms (OP_VIO_APPLY: the far
                                * side waits for a client first), from the send or a re-send */
    uint8_t *payload;
    size_t len;
    struct retry r;
    bool awaiting_result;
    struct timespec result_deadline;
    bool backoff;
    struct timespec backoff_until;
    char *answer;              /* OP_VIO_APPLY: the serving VIOS's vioResponse, when it came */
    size_t answer_len;
    int answer_status;         /* OP_VIO_APPLY: how the response came (OK) or why not (TIMED_OUT, ...) */
    char *merged;              /* OP_NODES_ALL_REMOTE: the merged answer */
    size_t merged_len;
    unsigned merged_truncated; /* OP_NODES_ALL_REMOTE: blocks that did not fit */
};

/* ---------------------------------------------------------------- counters */
/* Each is read by NODE_INFO (nodeinfo.c) or by the unit tests; nothing is only written. */
struct xvd_counters {
    uint64_t vke_rx_bad;
    uint64_t sends, resends, rc_grows;
    uint64_t received, received_unknown_type, received_duplicate, responses_sent, responses_dropped;
    uint64_t received_no_subscriber;  /* USER messages nobody subscribed to (logged; NO_SUBSCRIBER answered) */
    uint64_t received_dropped;        /* received messages not consumed, each logged with sender and txid */
    uint64_t responses_stale;         /* responses or results for an earlier incarnation's txid */
    uint64_t api_rx_bad;
    /* limits (docs/protocol.md, "Limits") */
    uint64_t callers_dropped;  /* closed: no HELLO in time, slot needed, malformed, or over their output share */
    uint64_t share_refused;    /* sends refused TRY_AGAIN: the caller or remote node holds its share of ops */
    uint64_t timeout_clamped;  /* requests whose timeout was cut to the cluster's maximum */
    uint64_t out_peak;         /* the most bytes ever queued for all callers together */
    uint64_t apply_refused;    /* MAPPING_APPLYs refused unread: malformed, misdirected, not from a daemon */
};

/* ---------------------------------------------------------------- mappings made here for another node */
struct viod_apply {
    bool used;
    struct xvios_vio_apply a;
    uint32_t index;            /* the dev-N written or being removed */
    bool reconfigure;          /* through Reconfiguring: the client follows */
    char state[16];            /* a remove: the LUN's state as it was */
    struct timespec deadline, next_poll;
    bool local;                /* asked of this node itself: answer caller_id; else the peer's send */
    uint32_t caller_id;
    uint64_t handle;
    uint32_t peer, epoch;
    uint64_t txid;
    /* on a split store (rdb): the VTD record as this apply's last step left it, if it has one (map_apply.c) */
    bool split, have_rec, marked;   /* marked: this remove made it detaching */
    struct xvios_db_vtd rec;
};

/* ---------------------------------------------------------------- the VKE's counters */
/* The VKE_STATS keys kept (the rest of an answer is ignored); NODE_INFO shows them as vke_<key>. */
enum vke_stat {
    VS_PEERS = 0, VS_LINKS_UP, VS_OUTSTANDING, VS_MALFORMED_IN, VS_RECEIPTS_LATE, VS_RECEIPTS_DUP,
    VS_UP_QUEUE_FULL, VS_LINK_LOST, VS_UP_EXPIRED, VS_UP_LOST, VS_UP_LOST_RESTART,
    VS_N
};

struct vke_stats {
    bool valid;                /* v holds an answer */
    uint64_t v[VS_N];
    uint32_t present;          /* bit i: the answer had key i */
    struct timespec at;        /* when that answer came */
    struct timespec next_ask;
    bool asking;               /* an ask is out, txid ask_txid, given up at ask_deadline */
    uint64_t ask_txid;
    struct timespec ask_deadline;
    uint64_t seq;
};

/* ---------------------------------------------------------------- the daemon */
struct xvios_rdb;
enum vke_state { VKE_DOWN = 0, VKE_HELLO_SENT, VKE_READY };

struct xviosd {
    xvios_plat *plat;
    /* a multi-host cluster (multihost-db, docs/multihost.md): the replicated DB behind plat (mhdb.c) */
    struct xvios_rdb *rdb;
    char mh_cluster[128], mh_state[256];
    enum xvios_plat_kind kind;
    uint32_t self_node, self_domid;
    char self_name[64];
    char self_state[16];
    char rundir[128];
    struct timespec started;
    struct xvios_db_config cfg;

    /* VKE */
    int vke_fd;
    enum vke_state vke_state;
    struct timespec vke_retry_at, vke_hello_deadline;
    struct xvios_pktq vke_out;
    bool vke_ever_ready;
    struct vke_stats vs;

    /* callers */
    int api_fd;
    struct caller callers[XVD_MAX_CALLERS];
    uint32_t next_caller_id;
    xvios_link *mgmt;
    int mgmt_caller;           /* index into callers[] or -1 */
    struct timespec mgmt_retry_at;
    bool mgmt_failed_logged;

    /* sends */
    struct sendop *ops;
    unsigned n_ops;
    uint32_t epoch;            /* this incarnation (xviosd.epoch in the run directory); on every txid we issue */
    uint32_t tx_seq;
    struct respq rq;

    /* events: what the store showed last time */
    uint32_t known_nodes[XVIOS_MAX_NODES];
    unsigned n_known_nodes;
    char **known_clients;
    unsigned n_known_clients;
    uint32_t *known_adapters;      /* AdapterIDs seen, ascending (a new one is a Lifecycle event) */
    unsigned n_known_adapters;
    struct viod_path_seen *paths_seen; /* each VIOS's path states as last seen (path-lost/-restored) */
    unsigned n_paths_seen;
    uint32_t known_node_state[XVIOS_MAX_NODES]; /* enum xvios_node_state of known_nodes[i] */
    struct viod_objwatch *ow;          /* pool, LU and VTD tables as last seen (obj_watch.c) */

    /* receive side: the last XVD_SEEN_RING messages by (sender, epoch, txid) */
    struct { uint64_t txid; uint32_t node, epoch; } seen[XVD_SEEN_RING];
    unsigned seen_next;
    /* what came up from the VKE: each packet's number on this attachment, and what we acknowledged */
    uint64_t up_in, up_acked, up_cur;  /* up_cur: the number of the packet being handled */
    struct timespec grace_until;       /* USER messages wait for a subscriber until then (user_msgs.c) */
    bool grace_set;
    struct xvios_pktq held;            /* USER messages waiting for a subscriber; pkt->txid = up number */

    struct viod_apply applies[XVD_MAX_APPLIES];
    /* requests held for dom0's agent's answer (agent_fwd.c) */
    struct viod_agent_fwd {
        bool used;
        uint64_t handle;           /* ours, in the API_AGENT_REQ */
        uint32_t caller_id;        /* the asking caller */
        uint64_t caller_handle;    /* its request's */
        struct timespec deadline;
    } agent_fwd[XVD_AGENT_MAX_FWD];
    uint64_t agent_next_handle;

    struct xvd_counters c;
    uint8_t *rx;               /* XVIOS_MAX_MSG */
    uint8_t *tx;               /* XVIOS_MAX_MSG */
};

/* outbound.c - every packet the daemon sends; calls no other part of the daemon */
/* Encode and queue for the VKE whatever the attach state (VKE_HELLO); -EINVAL, -ENOBUFS. */
int  viod_vke_push(struct xviosd *d, const struct xvios_msg *m);
int  viod_vke_queue(struct xviosd *d, const struct xvios_msg *m); /* encode and queue; -ENOTCONN, -ENOBUFS */
struct caller *viod_api_caller(struct xviosd *d, uint32_t id); /* NULL if gone */
/* Queue one packet to a caller; a caller whose queue is full is marked dead. */
int  viod_api_emit(struct xviosd *d, struct caller *c, unsigned opcode, int status, uint64_t handle, uint32_t node,
              uint32_t type, const void *payload, size_t len);
/* The same with sub.originator another caller's id (API_AGENT_REQ: the asking caller). */
int  viod_api_emit_for(struct xviosd *d, struct caller *c, unsigned opcode, int status, uint64_t handle,
                       uint32_t node, uint32_t type, uint32_t originator, const void *payload, size_t len);
/* Queue a CLUSTER_RESPONSE (same txid, unicast to node). */
int  viod_respond_to_peer(struct xviosd *d, uint64_t txid, uint32_t epoch, uint32_t node, uint32_t msg_type,
                          int status, const void *payload, size_t len);

/* vke_conn.c */
void viod_vke_init(struct xviosd *d);
void viod_vke_dispose(struct xviosd *d);
int  viod_vke_connect(struct xviosd *d);                       /* start (re)connecting; sends VKE_HELLO */
void viod_vke_on_readable(struct xviosd *d);
int  viod_vke_flush(struct xviosd *d);                         /* write queued packets; -EPIPE on a dead socket */
void viod_vke_tick(struct xviosd *d, struct timespec now);     /* reconnect timer, HELLO deadline */
void viod_vke_lost(struct xviosd *d, const char *why);
/* Tell the VKE how many inbound packets are consumed: handled, and their events on the callers' sockets. */
void viod_vke_ack(struct xviosd *d);

/* sendop.c */
struct op_request {
    enum op_kind kind;
    uint32_t caller_id;
    uint64_t handle;
    uint32_t req_node;
    uint64_t req_txid;
    uint32_t req_epoch;
    uint16_t flags;            /* RECEIPT | RESPONSE | BROADCAST */
    enum xvios_origin origin;
    uint32_t msg_type;
    const uint32_t *targets;
    unsigned n_targets;
    uint32_t timeout_ms;
    uint32_t resp_timeout_ms;  /* 0: the responses are bounded by the effective timeout */
    const void *payload;
    size_t len;
};
/* 0: started (the outcome comes later); negative: nothing started (-EAGAIN: too busy; -ENOTCONN: no VKE). */
int  viod_op_start(struct xviosd *d, const struct op_request *rq);
void viod_op_on_send_result(struct xviosd *d, const struct xvios_msg *m);
void viod_op_on_response(struct xviosd *d, const struct xvios_msg *m);
void viod_op_tick(struct xviosd *d, struct timespec now);
void viod_op_vke_lost(struct xviosd *d);
void viod_op_caller_gone(struct xviosd *d, uint32_t caller_id);
void viod_op_dispose_all(struct xviosd *d);
/* The earliest deadline among ops and the response queue: 1 and *out, or 0. */
int  viod_op_next_deadline(struct xviosd *d, struct timespec *out);
uint32_t viod_op_effective_timeout(const struct xviosd *d, uint32_t requested_ms);

/* handlers.c */
enum handler_verdict {
    HANDLER_RESPOND = 0,       /* *out_len bytes of out are the response payload */
    HANDLER_DEFERRED,          /* the handler answers later by itself (NODES_ALL) */
};
/* Returns enum handler_verdict (with *status = the response's hdr.status), or a negative errno
 * (answered with INTERNAL). req is decoded and checked; its payload is still the peer's bytes. */
typedef int (*handler_fn)(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap,
                          size_t *out_len, int *status);
struct handler {
    uint32_t msg_type;
    const char *name;
    handler_fn fn;
};
const struct handler *viod_handler_find(uint32_t msg_type);
/* A CLUSTER_SEND from a peer: run its handler, respond when RESPONSE is set. */
void viod_handle_cluster_send(struct xviosd *d, const struct xvios_msg *m);

/* login.c - CLIENT_LOGIN (a handler; api_server.c admits only trusted local callers) */
int  viod_login_handle(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                       int *status);
/* lu_who.c - LU_WHO: this node's vhosts serving an LU */
int  viod_lu_who_handle(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                        int *status);

/* map_apply.c - MAPPING_APPLY: a mapping create/delete made in this VIOS's own backend dir for another node */
int  viod_apply_handle(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                       int *status);
/* This node was asked itself and serves the vhost: the answer goes to the caller. */
void viod_apply_start_local(struct xviosd *d, uint32_t caller_id, uint64_t handle, const struct xvios_vio_apply *a);
void viod_apply_tick(struct xviosd *d, struct timespec now);
/* self_rebuild.c - at start: the vhosts the VTD table says this VIOS serves and whose backend dir is gone,
 * written again from the table (only where this VIOS may write). How many were rebuilt, or a negative errno. */
int  viod_self_rebuild(struct xviosd *d);
int  viod_apply_next_deadline(const struct xviosd *d, struct timespec *out);
/* storage.c - STORAGE_INFO: this VIOS's storage report (xvios/storage_info.h) into out */
int  viod_storage_format(struct xviosd *d, char *out, size_t cap, size_t *len);
/* fanout_info.c - a fan-out's own block (NODE_INFO or STORAGE_INFO, by the type fanned out) and the type
 * that asked for it (NODES_ALL, STORAGE_ALL) */
int  viod_info_format(struct xviosd *d, uint32_t info_type, char *out, size_t cap, size_t *len);
uint32_t viod_info_all_type(uint32_t info_type);

/* user_msgs.c - USER messages (>= XVIOS_MT_USER_BASE) after the duplicate filter */
/* Hand req to the subscribers, hold it (start-up grace), or count it as having none; enum handler_verdict. */
int  viod_user_deliver(struct xviosd *d, const struct xvios_msg *req, int *status);
void viod_user_release(struct xviosd *d);     /* a subscriber came: hand over what is held */
void viod_user_tick(struct xviosd *d, struct timespec now);   /* the grace window ended: none came */
int  viod_user_next_deadline(const struct xviosd *d, struct timespec *out);
/* The up number of the oldest held message, 0 when none. */
uint64_t viod_user_oldest_held(const struct xviosd *d);
void viod_user_forget_up(struct xviosd *d);   /* the VKE connection is gone: held messages keep no up number */
/* A caller is closed with these packets unsent: its MESSAGE events are lost (logged, counted). */
void viod_user_lost_with_caller(struct xviosd *d, const struct caller *c);

/* vke_stats.c */
void viod_vke_stats_tick(struct xviosd *d, struct timespec now);          /* ask every XVD_VKE_STATS_MS while attached */
void viod_vke_stats_on_answer(struct xviosd *d, const struct xvios_msg *m);
/* vke_stats_text.c */
/* Strict "key=value\n" parsing of an untrusted answer: the known keys into out[] (present bits in *present);
 * -EINVAL (nothing kept) on any malformed line, an over-long answer or a repeated known key. */
int  viod_vke_stats_parse(const uint8_t *untrusted, size_t len, uint64_t out[VS_N], uint32_t *present);
/* Append "vke_stats_age_ms=..." and the vke_<key>=... lines of the last answer (nothing when none came). */
int  viod_vke_stats_format(const struct vke_stats *s, struct timespec now, char *out, size_t cap, size_t *len);

/* nodeinfo.c */
int viod_nodeinfo_format(const struct xviosd *d, char *out, size_t cap, size_t *len);

/* api_server.c */
int  viod_api_listen(struct xviosd *d);
void viod_api_dispose(struct xviosd *d);
void viod_api_on_accept(struct xviosd *d);
void viod_api_on_readable(struct xviosd *d, struct caller *c);
void viod_api_flush(struct xviosd *d, struct caller *c);
void viod_api_reap(struct xviosd *d);                          /* close callers marked dead */
void viod_api_mgmt_tick(struct xviosd *d, struct timespec now);
void viod_api_tick(struct xviosd *d, struct timespec now);    /* close callers without HELLO in time */

/* vio_server.c */
/* An API_VIO from c: the vioResponse as API_RESPONSE, then API_RESULT. */
void viod_vio_on_request(struct xviosd *d, struct caller *c, const struct xvios_msg *m);

/* agent_fwd.c - what only dom0 may write, asked of this node, forwarded to dom0's agent (docs/api.md) */
void viod_agent_on_register(struct xviosd *d, struct caller *c, const struct xvios_msg *m);   /* API_AGENT */
void viod_agent_on_answer(struct xviosd *d, struct caller *c, const struct xvios_msg *m);     /* API_AGENT_ANSWER */
bool viod_agent_present(const struct xviosd *d);
/* Hold c's request (handle) and hand its vioRequest to the agent: 0; -ENOTCONN no agent; -EAGAIN table full. */
int  viod_agent_forward(struct xviosd *d, struct caller *c, uint64_t handle, const void *req, size_t len);
void viod_agent_caller_gone(struct xviosd *d, const struct caller *c);   /* c about to be closed */
void viod_agent_tick(struct xviosd *d, struct timespec now);   /* answers UNAVAILABLE past the deadline */

/* events.c */
int  viod_events_watch(struct xviosd *d);
void viod_events_on_store(struct xviosd *d);
void viod_events_emit(struct xviosd *d, unsigned ev, uint32_t node, const char *text, size_t len);
/* A MESSAGE event to its subscribers, each queued copy tagged with up (the inbound packet's number);
 * returns how many subscribers it was queued to. */
unsigned viod_events_emit_message(struct xviosd *d, uint32_t node, uint64_t txid, uint32_t epoch, const char *text,
                                  size_t len, uint64_t up);
unsigned viod_events_subscribers(const struct xviosd *d, unsigned ev);
void viod_events_on_vke_event(struct xviosd *d, const struct xvios_msg *m);
/* A VIO object's Lifecycle event (xvios/vio.h) to this node's XVIOS_EV_LIFECYCLE subscribers; how many. */
struct xvios_vio_event;
unsigned viod_events_lifecycle(struct xviosd *d, const struct xvios_vio_event *ev);
void viod_events_dispose(struct xviosd *d);

/* obj_watch.c - Lifecycle events of the pool, LUs and mappings from this node's DB watch, deduplicated
 * against announcements (lc_dedupe.h) */
int  viod_objwatch_start(struct xviosd *d);                 /* read the tables, watch them: 0 or -errno */
bool viod_objwatch_token(struct xviosd *d, const char *token); /* a watch event of ours: marks its table */
void viod_objwatch_rescan(struct xviosd *d);                /* the marked tables read and diffed */
void viod_objwatch_announced(struct xviosd *d, const struct xvios_vio_event *ev); /* an OBJ_EVENT */
void viod_objwatch_tick(struct xviosd *d, struct timespec now);
bool viod_objwatch_next_deadline(const struct xviosd *d, struct timespec *next);
void viod_objwatch_dispose(struct xviosd *d);

/* mhdb.c: with d->mh_cluster set, open this node's copy of the replicated DB, wait until it is synced and
 * attach it to d->plat (the cluster tree /xvios is then the replicated one); 0, or -errno after a line on
 * stderr. Closed again before the daemon forks, and reopened in the child (corosync's IPC is per process). */
int viod_mhdb_open(struct xviosd *d, const char *root);
void viod_mhdb_close(struct xviosd *d);

#endif /* XVIOSD_H */
