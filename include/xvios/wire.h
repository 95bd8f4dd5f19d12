/* SPDX-License-Identifier: MIT */
/*
 * xvios/wire.h - the VIOD cluster protocol on the wire. This header is the
 * single source of truth for the packet format; docs/protocol.md explains it.
 *
 * A packet is, in this order, all integers little-endian:
 *
 *   +------------------+  offset 0
 *   | struct xvios_hdr |  32 bytes  (hdr.hdr_len == 32 in versions 1 and 2)
 *   +------------------+  offset hdr_len
 *   | struct xvios_sub |  32 bytes
 *   | targets[]        |  sub.n_targets * 4 bytes (uint32 node ids)
 *   +------------------+  offset hdr_len + sub_len   (sub_len = 32 + 4 * n_targets)
 *   | payload          |  hdr.payload_len bytes
 *   +------------------+  total = hdr_len + sub_len + payload_len <= XVIOS_MAX_MSG
 *
 * The same packet travels daemon -> VKE (local socket), VKE -> VKE (cluster
 * link) and VKE -> daemon. Never cast a buffer to these structs: the structs
 * describe the layout (checked by _Static_assert below), and
 * xvios_msg_encode()/xvios_msg_decode() move the bytes explicitly.
 * xvios_msg_decode() is the one sanitizer for bytes from a peer: callers keep
 * such bytes in variables named untrusted_* until it has accepted them.
 */
#ifndef XVIOS_WIRE_H
#define XVIOS_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- version */
/*
 * Protocol versions. A receiver accepts XVIOS_PROTO_MIN..XVIOS_PROTO_CURRENT
 * and rejects anything else with XVIOS_WIRE_EVERSION.
 *   1 - first version: header, sub-header with target list, RC array,
 *       receipts, responses, daemon<->VKE control operations.
 *   2 - sub.epoch (was reserved1): the incarnation of the node that issued
 *       hdr.txid, so that a restarted daemon's txids never repeat an earlier
 *       incarnation's; status NO_SUBSCRIBER; opcode VKE_ACK. Version 1 is no
 *       longer accepted: its packets carry no epoch.
 *   3 - message types PR_APPLY (backend band, reservations of pool LUs kept
 *       cluster-wide), CKE_MT_CMD/CKE_MT_RSP (0x0c00/0x0c01, forwarding while a
 *       path is lost), CLIENT_LOGIN and LU_WHO; opcode API_VIO (an XML
 *       vioRequest from a caller) and message type OBJ_EVENT; events
 *       LIFECYCLE, PATH_LOST, PATH_RESTORED. The packet format is version
 *       2's, so version 2 is still accepted.
 *   4 - event LU_IO_ERRORS (10: a VIOS's engine met I/O errors on an LU,
 *       from its path entry's io-errors count). The packet format is
 *       version 2's, so versions 2 and 3 are still accepted.
 *   5 - the packet format is version 2's, so versions 2 to 4 are still
 *       accepted. Message types MAPPING_APPLY (7: a VIOS asked for a mapping
 *       create/delete of a vhost another VIOS serves has that VIOS make it,
 *       docs/api.md), STORAGE_INFO (9: one node's storage report) and
 *       STORAGE_ALL (10: the answering node merges every member's
 *       STORAGE_INFO, as NODES_ALL); event RESERVATION_PREEMPTED (11: a
 *       PREEMPT or PREEMPT AND ABORT through a VIOS took other nexuses'
 *       registrations of a pool LU); on a cluster link a broadcast
 *       CLUSTER_SEND may carry sub.dst_node 0: one copy sent once for several
 *       nodes (the multi-host mesh's CPG group send, docs/multihost.md), taken
 *       by the receiving VKE as addressed to itself.
 *   6 - opcodes API_AGENT (0x0405, caller -> daemon: dom0's agent registers
 *       on a node's management link; refused on the caller socket),
 *       API_AGENT_REQ (0x0503, daemon -> the agent: a caller's vioRequest
 *       only dom0 may run, hdr.txid the node's handle, sub.originator the
 *       asking caller) and API_AGENT_ANSWER (0x0406, the agent -> daemon:
 *       the vioResponse of that handle), docs/api.md "The dom0 agent". They
 *       travel only between a daemon and its callers, never on a cluster
 *       link; the packet format is version 5's.
 */
enum xvios_proto_version {
    XVIOS_PROTO_V1 = 1,
    XVIOS_PROTO_V2 = 2,
    XVIOS_PROTO_V3 = 3,
    XVIOS_PROTO_V4 = 4,
    XVIOS_PROTO_V5 = 5,
    XVIOS_PROTO_V6 = 6,
    XVIOS_PROTO_MIN = XVIOS_PROTO_V2,
    XVIOS_PROTO_CURRENT = XVIOS_PROTO_V6,
};

#define XVIOS_MAGIC        0x444f4956u  /* "VIOD" read as bytes on the wire */
#define XVIOS_MAX_NODES    256u         /* cluster size limit; max targets per packet */
#define XVIOS_MAX_PAYLOAD  61440u       /* 60 KiB */
#define XVIOS_HDR_LEN      32u
#define XVIOS_SUB_LEN      32u          /* fixed part; targets follow */
#define XVIOS_MAX_MSG      (XVIOS_HDR_LEN + XVIOS_SUB_LEN + 4u * XVIOS_MAX_NODES + XVIOS_MAX_PAYLOAD)

/* ---------------------------------------------------------------- opcodes */
/*
 * Header opcodes, one base per direction (like qrexec's message types).
 */
enum xvios_opcode {
    /* VKE <-> VKE over a cluster link (and daemon -> VKE for the two sends) */
    XVIOS_OP_CLUSTER_BASE     = 0x0100,
    XVIOS_OP_CLUSTER_SEND     = 0x0100, /* a cluster message (the patent's send message) */
    XVIOS_OP_CLUSTER_RESPONSE = 0x0101, /* answers a CLUSTER_SEND; same txid as the request */
    XVIOS_OP_RECEIPT          = 0x0102, /* receipt notification, generated by the receiving VKE */

    /* daemon -> VKE control operations (local socket only) */
    XVIOS_OP_VKE_BASE         = 0x0200,
    XVIOS_OP_VKE_HELLO        = 0x0200, /* daemon attaches; VKE answers with VKE_HELLO, sub.src_node = self */
    XVIOS_OP_VKE_STATS        = 0x0201, /* ask for counters; answer: VKE_STATS, payload "key=value\n"... */
    XVIOS_OP_VKE_ACK          = 0x0202, /* v2: hdr.txid = inbound packets the daemon has consumed since HELLO; no answer */

    /* VKE -> daemon (local socket only) */
    XVIOS_OP_DAEMON_BASE      = 0x0300,
    XVIOS_OP_SEND_RESULT      = 0x0300, /* completion of a CLUSTER_SEND/RESPONSE: copied-back hdr+sub, payload = RC array */
    XVIOS_OP_VKE_EVENT        = 0x0301, /* a peer's link changed: sub.msg_type = enum xvios_event, sub.src_node = peer */

    /* caller -> daemon (the caller API socket, or dom0's management link) */
    XVIOS_OP_API_BASE         = 0x0400,
    XVIOS_OP_API_HELLO        = 0x0400, /* attach; answer API_HELLO: sub.originator = caller id, sub.src_node = node */
    XVIOS_OP_API_SEND         = 0x0401, /* send a cluster message on the caller's behalf */
    XVIOS_OP_API_SUBSCRIBE    = 0x0402, /* payload: le32 event mask (1 << enum xvios_event) */
    XVIOS_OP_API_QUERY        = 0x0403, /* run a handler (sub.msg_type) on this node; answer API_RESPONSE + API_RESULT */
    XVIOS_OP_API_VIO          = 0x0404, /* payload: a vioRequest (XML, docs/api.md); answer API_RESPONSE (payload:
                                         * the vioResponse) + API_RESULT */
    XVIOS_OP_API_AGENT        = 0x0405, /* v6: dom0's agent registers (management link only); payload
                                         * "allow=KINDS\n" (shown in the log); answer API_RESULT */
    XVIOS_OP_API_AGENT_ANSWER = 0x0406, /* v6: the agent's vioResponse (payload) to API_AGENT_REQ hdr.txid */

    /* daemon -> caller */
    XVIOS_OP_CALLER_BASE      = 0x0500,
    XVIOS_OP_API_RESULT       = 0x0500, /* end of an API_SEND/QUERY (same txid): status, payload = final RC array */
    XVIOS_OP_API_RESPONSE     = 0x0501, /* one node's response (sub.src_node); status TIMED_OUT if none came */
    XVIOS_OP_API_EVENT        = 0x0502, /* an event: sub.msg_type = enum xvios_event, payload = "key=value\n"... */
    XVIOS_OP_API_AGENT_REQ    = 0x0503, /* v6: to the registered agent: payload a vioRequest, hdr.txid the node's
                                         * handle, sub.src_node the node, sub.originator the asking caller */
};

/* Built-in cluster message types (sub.msg_type), the daemon's handler table keys. */
enum xvios_msg_type {
    XVIOS_MT_NONE      = 0,
    XVIOS_MT_ECHO      = 1,      /* response payload = request payload */
    XVIOS_MT_NODE_INFO = 2,      /* response payload = this node's information, "key=value\n"... */
    XVIOS_MT_NODES_ALL = 3,      /* the answering node fans out NODE_INFO and merges */
    XVIOS_MT_OBJ_EVENT = 4,      /* a VIO object's Lifecycle event, "key=value\n" (docs/api.md): every node that
                                  * runs it hands it to its subscribers as XVIOS_EV_LIFECYCLE */
    XVIOS_MT_CLIENT_LOGIN = 5,   /* API_QUERY from this VIOS's vSCSI engine only: register a client's vhost
                                  * (payload uuid=,name=,domid=,vhost=); answer client-id=,adapter-id=,... */
    XVIOS_MT_LU_WHO = 6,         /* payload lu=NAME: which of this node's vhosts serve that LU */
    XVIOS_MT_MAPPING_APPLY = 7,  /* v5: daemon to daemon only: make a mapping create/delete in the receiver's own
                                  * backend dir and VTD record (payload xvios/vio_apply.h); the response is the
                                  * vioResponse of the outcome */
    XVIOS_MT_STORAGE_INFO = 9,   /* v5: response payload = this VIOS's storage report (xvios/storage_info.h) */
    XVIOS_MT_STORAGE_ALL = 10,   /* v5: the answering node fans out STORAGE_INFO and merges, as NODES_ALL */
    XVIOS_MT_BACKEND_BASE = 0x0800, /* 0x0800-0x0fff: for subsystems inside xvios-backend that register */
                                    /* 0x0c00-0x0c0f: the CKE's forwarding (backend/cke/cke_msg.h,
                                     * docs/redundancy.md): 0x0c00 a forwarded command, 0x0c01 its answer;
                                     * CLUSTER_SEND payloads of their own fragment format (no opcode or
                                     * packet change, so no version change) */
    XVIOS_MT_BACKEND_LAST = 0x0fff, /* an in-process receiver with the VKE (xvios_vke_receiver_add) */
    /* v3: backend/prsync's range: cluster-wide persistent reservations (docs/pool.md) */
    XVIOS_MT_PR_FIRST  = 0x0840,
    XVIOS_MT_PR_APPLY  = 0x0840, /* "install generation g of LU n's PR state, deliver these unit attentions and
                                  * aborts": sent with receipts and responses to every member after a change is
                                  * committed to the DB; the response says the generation the member now has */
    XVIOS_MT_PR_LAST   = 0x084f,
    XVIOS_MT_USER_BASE = 0x1000, /* free for callers; the daemon forwards them to subscribers */
};

/* Events (sub.msg_type of API_EVENT). */
enum xvios_event {
    XVIOS_EV_NODE_JOINED      = 1,
    XVIOS_EV_NODE_LEFT        = 2,
    XVIOS_EV_NODE_LOST        = 3,
    XVIOS_EV_DELIVERY_FAILED  = 4,
    XVIOS_EV_CLIENT_REGISTERED = 5,
    XVIOS_EV_MESSAGE          = 6, /* a USER message type arrived */
    XVIOS_EV_LIFECYCLE        = 7, /* a VIO object was created, modified or deleted (docs/api.md) */
    XVIOS_EV_PATH_LOST        = 8, /* a VIOS's path to an LU was lost (/xvios/nodes/<n>/paths, xvios/db_path.h) */
    XVIOS_EV_PATH_RESTORED    = 9, /* ... and is back */
    XVIOS_EV_LU_IO_ERRORS     = 10, /* a VIOS's engine met I/O errors on an LU (its path entry's io-errors grew) */
    XVIOS_EV_RESERVATION_PREEMPTED = 11, /* v5: a PR OUT PREEMPT [AND ABORT] removed other nexuses' registrations
                                          * of a pool LU (the issuing VIOS's path entry, xvios/db_preempt.h) */
    XVIOS_EV_MAX_             = 11,
};

/* ---------------------------------------------------------------- flags */
enum xvios_flags {
    XVIOS_F_RECEIPT   = 0x0001, /* receipt notification requested */
    XVIOS_F_RESPONSE  = 0x0002, /* a response message is requested */
    XVIOS_F_BROADCAST = 0x0004, /* to every active member except the sender; targets[] must be empty */
    /* bits 8-9: who originated the message */
    XVIOS_F_ORIGIN_SHIFT = 8,
    XVIOS_F_ORIGIN_MASK  = 0x0300,
    XVIOS_F_KNOWN        = 0x0307,
};
enum xvios_origin {
    XVIOS_ORIGIN_DAEMON = 0, /* the VIOD itself */
    XVIOS_ORIGIN_CLI    = 1, /* the xvios command line */
    XVIOS_ORIGIN_API    = 2, /* a third-party caller through the client library */
};
#define XVIOS_FLAGS_ORIGIN(f)      ((enum xvios_origin)(((f) & XVIOS_F_ORIGIN_MASK) >> XVIOS_F_ORIGIN_SHIFT))
#define XVIOS_FLAGS_WITH_ORIGIN(f, o) \
    ((uint16_t)(((f) & ~XVIOS_F_ORIGIN_MASK) | (((unsigned)(o) << XVIOS_F_ORIGIN_SHIFT) & XVIOS_F_ORIGIN_MASK)))

/* ---------------------------------------------------------------- status */
/*
 * hdr.status: the return code. 0 in a request; written back by the VKE in
 * SEND_RESULT; in a RECEIPT it carries the receiver's verdict (OK or
 * QUEUE_FULL).
 */
enum xvios_status {
    XVIOS_ST_OK           = 0, /* every target delivered (or no receipts asked) */
    XVIOS_ST_RC_TOO_SMALL = 1, /* nothing sent: sub.rc_needed says how many RC entries are needed */
    XVIOS_ST_BAD_PACKET   = 2, /* the request failed validation; nothing sent */
    XVIOS_ST_NOT_MEMBER   = 3, /* this node is not an active cluster member; nothing sent */
    XVIOS_ST_NO_TARGETS   = 4, /* nobody to send to (alone in the cluster, or empty target list) */
    XVIOS_ST_PARTIAL      = 5, /* some targets were not delivered: see the RC array */
    XVIOS_ST_QUEUE_FULL   = 6, /* receiver: the local daemon's inbound queue is full */
    XVIOS_ST_TRY_AGAIN    = 7, /* the VKE is busy (too many outstanding sends); retry */
    XVIOS_ST_INTERNAL     = 8, /* unexpected local failure; logged */
    XVIOS_ST_TIMED_OUT    = 9, /* a response (or the whole operation) missed its deadline */
    XVIOS_ST_UNREACHABLE  = 10, /* the daemon or VKE is not there */
    XVIOS_ST_NO_SUBSCRIBER = 11, /* v2, extension: a USER message reached the daemon, no caller subscribed to it */
    XVIOS_ST_MAX_         = 11,
};

/* ---------------------------------------------------------------- RC array */
/* Per-node delivery status of one send (the patent's kcluster receipt structure). */
enum xvios_rc_status {
    XVIOS_RC_PENDING     = 0, /* still waiting (never returned to a caller) */
    XVIOS_RC_DELIVERED   = 1, /* the node's VKE sent a receipt notification */
    XVIOS_RC_TIMED_OUT   = 2, /* no receipt before the deadline */
    XVIOS_RC_UNREACHABLE = 3, /* no link to the node, or the link died */
    XVIOS_RC_NOT_MEMBER  = 4, /* a directed target that is not an active member */
    XVIOS_RC_QUEUE_FULL  = 5, /* the node received it but its daemon queue was full: not consumed */
    XVIOS_RC_SENT        = 6, /* handed to the link; no receipt was requested */
    XVIOS_RC_MAX_        = 6,
};

/* ---------------------------------------------------------------- structs */
/* Field layout on the wire. All fields little-endian. */
struct xvios_hdr {
    uint32_t magic;       /*  0: XVIOS_MAGIC */
    uint16_t version;     /*  4: enum xvios_proto_version */
    uint16_t hdr_len;     /*  6: XVIOS_HDR_LEN; offset of the sub-header */
    uint16_t opcode;      /*  8: enum xvios_opcode */
    uint16_t flags;       /* 10: enum xvios_flags */
    int32_t  status;      /* 12: enum xvios_status */
    uint64_t txid;        /* 16: transaction id: (origin node << 32) | per-node counter; unique with sub.epoch */
    uint32_t payload_len; /* 24: bytes after the sub-header */
    uint32_t sub_len;     /* 28: XVIOS_SUB_LEN + 4 * sub.n_targets */
};

struct xvios_sub {
    uint32_t msg_type;    /*  0: cluster message type (daemon handler key); 0 for control ops */
    uint32_t src_node;    /*  4: node that built this packet */
    uint32_t originator;  /*  8: third-party caller id on the source node; 0 = the daemon itself */
    uint16_t n_targets;   /* 12: entries in targets[] (directed send); 0 for broadcast */
    uint16_t rc_capacity; /* 14: entries the caller's RC array holds; 0 = do not wait for receipts */
    uint16_t rc_needed;   /* 16: written back: entries needed (with ST_RC_TOO_SMALL), or used */
    uint16_t reserved0;   /* 18: must be 0 */
    uint32_t timeout_ms;  /* 20: receipt/response deadline; 0 = the cluster default */
    uint32_t dst_node;    /* 24: on a link: the node this copy is for; 0 on the local socket */
    uint32_t epoch;       /* 28: v2: incarnation of the node that issued hdr.txid (0 = none: control ops) */
};

struct xvios_rc_entry {
    uint32_t node;        /* 0: node id */
    uint16_t status;      /* 4: enum xvios_rc_status */
    uint16_t reserved;    /* 6: must be 0 */
};

_Static_assert(sizeof(struct xvios_hdr) == XVIOS_HDR_LEN, "xvios_hdr size");
_Static_assert(offsetof(struct xvios_hdr, magic) == 0, "hdr.magic");
_Static_assert(offsetof(struct xvios_hdr, version) == 4, "hdr.version");
_Static_assert(offsetof(struct xvios_hdr, hdr_len) == 6, "hdr.hdr_len");
_Static_assert(offsetof(struct xvios_hdr, opcode) == 8, "hdr.opcode");
_Static_assert(offsetof(struct xvios_hdr, flags) == 10, "hdr.flags");
_Static_assert(offsetof(struct xvios_hdr, status) == 12, "hdr.status");
_Static_assert(offsetof(struct xvios_hdr, txid) == 16, "hdr.txid");
_Static_assert(offsetof(struct xvios_hdr, payload_len) == 24, "hdr.payload_len");
_Static_assert(offsetof(struct xvios_hdr, sub_len) == 28, "hdr.sub_len");
_Static_assert(sizeof(struct xvios_sub) == XVIOS_SUB_LEN, "xvios_sub size");
_Static_assert(offsetof(struct xvios_sub, msg_type) == 0, "sub.msg_type");
_Static_assert(offsetof(struct xvios_sub, src_node) == 4, "sub.src_node");
_Static_assert(offsetof(struct xvios_sub, originator) == 8, "sub.originator");
_Static_assert(offsetof(struct xvios_sub, n_targets) == 12, "sub.n_targets");
_Static_assert(offsetof(struct xvios_sub, rc_capacity) == 14, "sub.rc_capacity");
_Static_assert(offsetof(struct xvios_sub, rc_needed) == 16, "sub.rc_needed");
_Static_assert(offsetof(struct xvios_sub, reserved0) == 18, "sub.reserved0");
_Static_assert(offsetof(struct xvios_sub, timeout_ms) == 20, "sub.timeout_ms");
_Static_assert(offsetof(struct xvios_sub, dst_node) == 24, "sub.dst_node");
_Static_assert(offsetof(struct xvios_sub, epoch) == 28, "sub.epoch");
_Static_assert(sizeof(struct xvios_rc_entry) == 8, "xvios_rc_entry size");
_Static_assert(offsetof(struct xvios_rc_entry, node) == 0, "rc.node");
_Static_assert(offsetof(struct xvios_rc_entry, status) == 4, "rc.status");
_Static_assert(offsetof(struct xvios_rc_entry, reserved) == 6, "rc.reserved");
_Static_assert(XVIOS_MAX_MSG <= 65536u, "a packet fits a 64 KiB frame");

/* A decoded (or to-be-encoded) packet in host byte order. */
struct xvios_msg {
    struct xvios_hdr hdr;
    struct xvios_sub sub;
    uint32_t targets[XVIOS_MAX_NODES]; /* sub.n_targets used */
    const uint8_t *payload;            /* hdr.payload_len bytes; points into the decoded buffer */
};

static inline uint64_t xvios_txid_make(uint32_t node, uint32_t seq)
{
    return ((uint64_t)node << 32) | seq;
}
static inline uint32_t xvios_txid_node(uint64_t txid) { return (uint32_t)(txid >> 32); }

/* ---------------------------------------------------------------- codec */
/* Decoder verdicts: one distinct error per kind of malformation. */
enum xvios_wire_err {
    XVIOS_WIRE_OK = 0,
    XVIOS_WIRE_ESHORT,          /* fewer bytes than the fixed header + sub-header */
    XVIOS_WIRE_EMAGIC,          /* hdr.magic != XVIOS_MAGIC */
    XVIOS_WIRE_EVERSION,        /* version outside MIN..CURRENT */
    XVIOS_WIRE_EHDRLEN,         /* hdr_len != XVIOS_HDR_LEN */
    XVIOS_WIRE_ESUBLEN,         /* sub_len != XVIOS_SUB_LEN + 4 * n_targets */
    XVIOS_WIRE_ETARGETS,        /* n_targets > XVIOS_MAX_NODES */
    XVIOS_WIRE_EOVERSIZE,       /* payload_len > XVIOS_MAX_PAYLOAD, or total > XVIOS_MAX_MSG */
    XVIOS_WIRE_ELENGTH,         /* hdr_len + sub_len + payload_len != bytes received */
    XVIOS_WIRE_EOPCODE,         /* opcode not in enum xvios_opcode */
    XVIOS_WIRE_EFLAGS,          /* unknown flag bits, unknown origin, or BROADCAST with targets */
    XVIOS_WIRE_ERESERVED,       /* sub.reserved0 is not zero */
    XVIOS_WIRE_ESTATUS,         /* status outside enum xvios_status */
    XVIOS_WIRE_ERC,             /* RC array: length not a multiple of 8, too many entries, bad entry */
    XVIOS_WIRE_ENOSPACE,        /* encode: output buffer too small */
    XVIOS_WIRE_EINVAL,          /* encode: the message itself is invalid */
    XVIOS_WIRE_ECHANNEL,        /* a valid packet whose opcode may not travel on the channel it came from */
    XVIOS_WIRE_ERR_COUNT_,
};

const char *xvios_wire_strerror(int err);

/* Bytes xvios_msg_encode() will produce for m (n_targets, payload_len as set). */
size_t xvios_msg_size(const struct xvios_msg *m);

/*
 * Encode m into buf. Fills magic, version (XVIOS_PROTO_CURRENT), hdr_len and
 * sub_len itself. Validates m with the same rules as the decoder and returns
 * the verdict the decoder would give (XVIOS_WIRE_EOPCODE, _EFLAGS, ...);
 * XVIOS_WIRE_EINVAL for a NULL m/out_len or payload_len > 0 with a NULL
 * payload; XVIOS_WIRE_ENOSPACE when cap < xvios_msg_size(m). Returns
 * XVIOS_WIRE_OK and the length in *out_len (0 on error).
 */
int xvios_msg_encode(const struct xvios_msg *m, uint8_t *buf, size_t cap, size_t *out_len);

/*
 * Decode and validate untrusted bytes; the checks run in the fixed order
 * listed in docs/protocol.md and the first failure is returned. On
 * XVIOS_WIRE_OK, out->payload points into untrusted_buf (keep it alive), or
 * is NULL when payload_len is 0; out->targets[] past n_targets is left as
 * it was. On error *out is unspecified.
 */
int xvios_msg_decode(const uint8_t *untrusted_buf, size_t untrusted_len, struct xvios_msg *out);

/* Encode n RC entries (8 bytes each) into buf; returns XVIOS_WIRE_OK or an error. */
int xvios_rc_encode(const struct xvios_rc_entry *rc, unsigned n, uint8_t *buf, size_t cap, size_t *out_len);
/* Decode an RC array (a SEND_RESULT payload). At most cap entries; XVIOS_WIRE_ERC otherwise. */
int xvios_rc_decode(const uint8_t *untrusted_buf, size_t untrusted_len,
                    struct xvios_rc_entry *out, unsigned cap, unsigned *n);

const char *xvios_opcode_name(unsigned opcode);

/*
 * Where an opcode may travel: the opcode table in wire.c is the one place
 * that says so. xvios_msg_decode() accepts every known opcode whatever the
 * channel; every receiver decodes with xvios_msg_decode_on(), which also
 * refuses an opcode the table does not allow on the receiver's channel.
 */
enum xvios_channel {
    XVIOS_CH_LINK             = 0x01, /* VKE <-> VKE over a cluster link */
    XVIOS_CH_DAEMON_TO_VKE    = 0x02, /* local socket, daemon -> VKE */
    XVIOS_CH_VKE_TO_DAEMON    = 0x04, /* local socket, VKE -> daemon */
    XVIOS_CH_CALLER_TO_DAEMON = 0x08, /* caller API socket or management link, caller -> daemon */
    XVIOS_CH_DAEMON_TO_CALLER = 0x10, /* caller API socket or management link, daemon -> caller */
};
/* Mask of enum xvios_channel bits for opcode; 0 for an unknown opcode. */
unsigned xvios_opcode_channels(unsigned opcode);
/*
 * The sanitizer of one channel (a single XVIOS_CH_* bit): xvios_msg_decode(),
 * then XVIOS_WIRE_ECHANNEL when the opcode may not travel on channel. On
 * XVIOS_WIRE_ECHANNEL *out holds the decoded packet, so that the receiver
 * can name it and answer it.
 */
int xvios_msg_decode_on(unsigned channel, const uint8_t *untrusted_buf, size_t untrusted_len,
                        struct xvios_msg *out);

/*
 * The one bounded receive path of a SOCK_SEQPACKET connection carrying VIOD
 * packets (xvios/unixsock.h's xvios_unix_recv, then xvios_msg_decode_on):
 *   1        a sanitized packet in *out (its payload points into buf, which
 *            holds XVIOS_MAX_MSG bytes); *len its size
 *   0        nothing waiting
 *   -EBADMSG a datagram was taken and dropped: *werr says why (the decoder's
 *            verdict, XVIOS_WIRE_ECHANNEL with *out filled, XVIOS_WIRE_EOVERSIZE
 *            for one over XVIOS_MAX_MSG, XVIOS_WIRE_ESHORT for an empty one)
 *   -EPIPE   the peer hung up; another negative errno: the connection failed
 * The caller counts and logs a -EBADMSG and goes on with the next one.
 */
int xvios_msg_recv(int fd, unsigned channel, uint8_t *buf, struct xvios_msg *out, size_t *len, int *werr);
const char *xvios_status_name(int status);
const char *xvios_rc_status_name(unsigned rc_status);

/* Little-endian primitives (used by the codec and by anything else that puts integers on a wire). */
static inline void xvios_put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void xvios_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void xvios_put_le64(uint8_t *p, uint64_t v)
{
    xvios_put_le32(p, (uint32_t)v); xvios_put_le32(p + 4, (uint32_t)(v >> 32));
}
static inline uint16_t xvios_get_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t xvios_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t xvios_get_le64(const uint8_t *p)
{
    return (uint64_t)xvios_get_le32(p) | ((uint64_t)xvios_get_le32(p + 4) << 32);
}

#endif /* XVIOS_WIRE_H */
