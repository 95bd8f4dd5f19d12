/* SPDX-License-Identifier: MIT */
/*
 * xvios/client.h - the caller API: how a program on a VIOS node (or dom0's
 * management console) asks the node's daemon, xviosd, to send cluster
 * messages on its behalf, and receives the per-node results, the
 * responses and the cluster events. docs/protocol.md, "The caller API",
 * defines the packets; this header has two layers:
 *
 *   xvios_api_*     build and parse caller API packets (pure, no I/O);
 *   xvios_client_*  a connection: RUNDIR/api.sock, or dom0's management
 *                   link to a node (`--via`), HELLO, send, receive.
 *
 * Every wait takes an absolute CLOCK_MONOTONIC deadline. Every packet
 * from the daemon is decoded and checked before use. Functions return 0 or
 * a negative errno.
 */
#ifndef XVIOS_CLIENT_H
#define XVIOS_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "xvios/kv.h"   /* xvios_kv_get and the iterator, for answers and events */
#include "xvios/plat_kind.h"
#include "xvios/wire.h"

/* ---------------------------------------------------------------- packets */
#define XVIOS_API_SEND_FLAGS (XVIOS_F_RECEIPT | XVIOS_F_RESPONSE | XVIOS_F_BROADCAST)
#define XVIOS_API_EVENT_BIT(ev) (1u << (unsigned)(ev))
#define XVIOS_API_EVENT_ALL (((1u << (XVIOS_EV_MAX_ + 1)) - 1u) & ~1u)

/* What to send: a broadcast (flags has XVIOS_F_BROADCAST, no targets) or directed. */
struct xvios_api_send {
    uint16_t flags;            /* subset of XVIOS_API_SEND_FLAGS */
    uint32_t msg_type;         /* enum xvios_msg_type or >= XVIOS_MT_USER_BASE */
    const uint32_t *targets;
    unsigned n_targets;
    uint32_t timeout_ms;       /* 0 = the cluster default */
    const void *payload;
    size_t len;
};

/* Builders: encode into buf (XVIOS_MAX_MSG bytes always suffice). -EINVAL, -EMSGSIZE. */
int xvios_api_build_hello(enum xvios_origin origin, const char *name, uint8_t *buf, size_t cap, size_t *len);
int xvios_api_build_send(const struct xvios_api_send *s, enum xvios_origin origin, uint64_t handle,
                         uint8_t *buf, size_t cap, size_t *len);
int xvios_api_build_query(uint32_t msg_type, const void *payload, size_t plen, uint32_t timeout_ms,
                          enum xvios_origin origin, uint64_t handle, uint8_t *buf, size_t cap, size_t *len);
int xvios_api_build_subscribe(uint32_t mask, enum xvios_origin origin, uint64_t handle,
                              uint8_t *buf, size_t cap, size_t *len);

/* A daemon -> caller packet, parsed and checked. */
struct xvios_api_msg {
    unsigned opcode;           /* XVIOS_OP_API_HELLO / _RESULT / _RESPONSE / _EVENT */
    int status;                /* enum xvios_status */
    uint64_t handle;           /* hdr.txid: the request this answers (0 for events) */
    uint32_t node;             /* sub.src_node: the responding node / the event's node */
    uint32_t originator;       /* API_HELLO: this caller's id */
    uint32_t type;             /* API_EVENT: enum xvios_event; API_RESPONSE: the message type */
    uint16_t flags;
    uint8_t *payload;          /* malloc'd copy, NUL-terminated (len excludes the NUL) */
    size_t len;
    struct xvios_rc_entry *rc; /* API_RESULT: the final per-node outcome (malloc'd) */
    unsigned n_rc;
};

/* -EBADMSG: not a valid packet; -EPROTO: valid but not a daemon -> caller packet. */
int  xvios_api_parse(const uint8_t *untrusted_buf, size_t untrusted_len, struct xvios_api_msg *out);
void xvios_api_msg_dispose(struct xvios_api_msg *m);   /* NULL fields are fine; zeroes *m */

/* The name of an event ("node-joined", ...), "unknown" otherwise. */
const char *xvios_event_name(unsigned ev);
/* Its category (docs/api.md, "Events"): "lifecycle" (an object appeared, changed or went: node-joined,
 * node-left, client-registered, lifecycle), "alert" (node-lost, delivery-failed), "message"; "unknown". */
const char *xvios_event_category(unsigned ev);

/* ---------------------------------------------------------------- connection */
typedef struct xvios_client xvios_client;

struct xvios_client_config {
    enum xvios_plat_kind platform;
    const char *root;            /* loopback cluster root */
    uint32_t node;               /* loopback: the node whose api.sock to use */
    uint32_t via;                /* != 0: dom0's management link to this node instead of api.sock */
    const char *socket_path;     /* explicit api.sock path (overrides platform/root/node) */
    enum xvios_origin origin;    /* XVIOS_ORIGIN_CLI or XVIOS_ORIGIN_API */
    const char *name;            /* shown in the daemon's log */
    uint32_t connect_timeout_ms; /* 0 = 5000 */
};

/* Connect and HELLO. -ENOENT/-ECONNREFUSED: no daemon; -ETIMEDOUT. */
int  xvios_client_open(const struct xvios_client_config *cfg, xvios_client **out);
void xvios_client_close(xvios_client *c);                  /* NULL is fine */
uint32_t xvios_client_caller_id(const xvios_client *c);
uint32_t xvios_client_node(const xvios_client *c);
/* Dropped because the client's own pending queue was full (a caller that never receives). */
uint64_t xvios_client_dropped(const xvios_client *c);

/* Start a send / a query; *handle names it in the answers. */
int xvios_client_send(xvios_client *c, const struct xvios_api_send *s, uint64_t *handle);
int xvios_client_query(xvios_client *c, uint32_t msg_type, const void *payload, size_t plen,
                       uint32_t timeout_ms, uint64_t *handle);
/* Start an API_VIO (a vioRequest, docs/api.md); xvios_obj_request() is the whole round trip. */
int xvios_client_vio(xvios_client *c, const char *xml, size_t len, uint64_t *handle);
/* Set the event mask (XVIOS_API_EVENT_BIT) and wait for the daemon's answer. */
int xvios_client_subscribe(xvios_client *c, uint32_t mask, const struct timespec *deadline);

/* Next packet from the daemon (buffered ones first). 0; -ETIMEDOUT; -EPIPE (daemon gone). */
int xvios_client_recv(xvios_client *c, struct xvios_api_msg *m, const struct timespec *deadline);

/* Everything one request produced: its responses, then its API_RESULT. */
struct xvios_client_outcome {
    int status;                    /* the API_RESULT's status */
    struct xvios_rc_entry *rc;     /* final per-node outcome */
    unsigned n_rc;
    struct xvios_api_msg *resp;    /* API_RESPONSE packets in arrival order */
    unsigned n_resp;
};
/* Wait for handle's API_RESULT, collecting its responses; other packets stay queued for recv.
 * On an error return *out holds nothing (it was disposed of); on 0 the caller disposes of it. */
int  xvios_client_collect(xvios_client *c, uint64_t handle, const struct timespec *deadline,
                          struct xvios_client_outcome *out);
int  xvios_client_send_wait(xvios_client *c, const struct xvios_api_send *s, const struct timespec *deadline,
                            struct xvios_client_outcome *out);
void xvios_client_outcome_dispose(struct xvios_client_outcome *o);

/* ---------------------------------------------------------------- VIO objects (docs/api.md) */
/*
 * The management API's C binding: a vioRequest (XML) goes to the daemon as
 * API_VIO, its vioResponse (XML) comes back. The library carries the XML as
 * text and builds small requests; it parses no XML (the daemon validates
 * every request against docs/vio.rng).
 */
#define XVIOS_OBJ_REQUEST_MAX XVIOS_MAX_PAYLOAD   /* one message */

int xvios_api_build_vio(const char *xml, size_t xml_len, enum xvios_origin origin, uint64_t handle,
                        uint8_t *buf, size_t cap, size_t *len);

/* One attribute of a built request; value is escaped. */
struct xvios_obj_attr {
    const char *name;
    const char *value;
};
/* '<vioRequest version="1"><OBJECT action="ACTION" a="v".../></vioRequest>' into buf (NUL-terminated,
 * *len without it). -EINVAL (object, action or an attribute name is not a plain name), -ENOSPC. */
int xvios_obj_build(char *buf, size_t cap, const char *object, const char *action,
                    const struct xvios_obj_attr *attrs, unsigned n_attrs, size_t *len);
/*
 * Send the request and wait for its vioResponse: *resp (malloc'd, NUL-terminated, *resp_len without the
 * NUL) is the response, a VIOException included. A request longer than XVIOS_OBJ_REQUEST_MAX is not sent:
 * *resp is a VIOException TOO_LARGE naming the limit, made here. Negative errno: no response (-ETIMEDOUT,
 * -EPIPE, -EPROTO: the daemon answered with no response, e.g. one that does not know API_VIO).
 */
int xvios_obj_request(xvios_client *c, const char *xml, size_t xml_len, const struct timespec *deadline,
                      char **resp, size_t *resp_len);
/* The code of a vioResponse's VIOException ("DOM0_ONLY", ...) into code; 1 found, 0 status ok, -EINVAL
 * not a vioResponse. A light text scan of the daemon's own output, not an XML parser. */
int xvios_obj_exception_code(const char *resp, char *code, size_t cap);

/* ---------------------------------------------------------------- dom0's agent (docs/api.md) */
/*
 * dom0's agent (`xvios agent`) registers on a node's management link
 * (API_AGENT); the node then sends it API_AGENT_REQ packets (opcode
 * XVIOS_OP_API_AGENT_REQ from xvios_client_recv: handle, node, originator =
 * the asking caller, payload = the vioRequest), each answered once with
 * API_AGENT_ANSWER carrying the vioResponse.
 */
#define XVIOS_AGENT_ALLOW_MAX 64u   /* bytes of the allow list the registration shows */

/* allow: letters and commas only, at most XVIOS_AGENT_ALLOW_MAX bytes. -EINVAL, -EMSGSIZE. */
int xvios_api_build_agent(const char *allow, enum xvios_origin origin, uint64_t handle, uint8_t *buf, size_t cap,
                          size_t *len);
int xvios_api_build_agent_answer(uint64_t handle, const char *resp, size_t resp_len, enum xvios_origin origin,
                                 uint8_t *buf, size_t cap, size_t *len);
/* Register and wait for the node's API_RESULT: 0; -EPERM the node refused (not a management link). */
int xvios_client_agent_register(xvios_client *c, const char *allow, const struct timespec *deadline);
/* The vioResponse of a forwarded request (its handle). */
int xvios_client_agent_answer(xvios_client *c, uint64_t handle, const char *resp, size_t resp_len);

#endif /* XVIOS_CLIENT_H */
