/* SPDX-License-Identifier: MIT */
/*
 * xvios/cpg.h - the multi-host membership and broadcast layer on Corosync's
 * CPG (closed process groups), xen/plat/cpg/. The only place in the tree that
 * calls the corosync libraries. docs/multihost.md has the design.
 *
 * Each VIOS node (one process) opens one member: it joins the CPG group
 * "xvios:<cluster>" on its host's corosync and announces itself with a HELLO.
 * Every message is one AGREED multicast (a total order shared by all members,
 * with membership changes in the same order: extended virtual synchrony)
 * carrying a small header (struct xvios_cpg_hdr) before the payload. CPG
 * carries broadcasts only: a message for some nodes goes point to point
 * (docs/multihost.md), never to every host with a filter.
 *
 * Node identity across hosts: a multi-host node id is
 *     (corosync nodeid << 8) | local      local = 1..255, the node on its host
 * so host h's nodes are h*256+1 .. h*256+255 and the host of a node is
 * node >> 8. A receiver accepts a message only when its header's source node
 * lies in the range of the corosync nodeid that CPG says sent it, so a host
 * cannot speak for another host's nodes.
 *
 * Membership: a node is a member from the delivery of its HELLO until CPG
 * reports its process gone (confchg: LEAVE, PROCDOWN, NODEDOWN): the
 * members callback then names it lost at once, with the reason. Members
 * re-announce themselves when a confchg reports joiners, so a joiner learns
 * everyone already there.
 *
 * Event loop: the caller owns it. Poll xvios_cpg_fd() for POLLIN and call
 * xvios_cpg_dispatch() (CS_DISPATCH_ALL: every callback runs inside it);
 * call it also by the deadline xvios_cpg_next_deadline() gives, so queued
 * sends are retried and expired ones failed.
 *
 * Back-pressure: a multicast refused with CS_ERR_TRY_AGAIN goes into a bounded
 * queue (XVIOS_CPG_QUEUE_MAX messages) with the caller's deadline; the queue
 * is retried in order at every dispatch. A message still queued at its
 * deadline is dropped and counted (stats.expired) and the sent callback is
 * told; a full queue refuses the send (-ENOBUFS). Nothing is lost silently.
 *
 * Functions return 0 or a negative errno.
 */
#ifndef XVIOS_CPG_H
#define XVIOS_CPG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define XVIOS_CPG_MAGIC        0x58564350u  /* "XVCP" */
#define XVIOS_CPG_VERSION      1u
#define XVIOS_CPG_HDR_LEN      16u
#define XVIOS_CPG_MAX_PAYLOAD  65536u       /* one VIOD packet at most (XVIOS_LINK_MAX_DGRAM) */
#define XVIOS_CPG_QUEUE_MAX    256u         /* messages waiting out CS_ERR_TRY_AGAIN */
#define XVIOS_CPG_MAX_MEMBERS  128u         /* CPG_MEMBERS_MAX: processes one group reports */
#define XVIOS_CPG_LOCAL_MAX    255u         /* nodes per host */
#define XVIOS_CPG_GROUP_MAX    127u         /* CPG_MAX_NAME_LENGTH minus the NUL */
#define XVIOS_CPG_CARD_MAX     64u          /* a HELLO's card: how to reach the node (e.g. "ADDR:PORT") */

enum xvios_cpg_kind {
    XVIOS_CPG_HELLO = 1,   /* "I am node src"; payload: its card (0..XVIOS_CPG_CARD_MAX bytes) */
    XVIOS_CPG_BCAST = 2,   /* a payload for every member */
};

/* The header before every payload, all fields little-endian on the wire. */
struct xvios_cpg_hdr {
    uint32_t magic;
    uint16_t version;
    uint16_t kind;         /* enum xvios_cpg_kind */
    uint32_t src;          /* multi-host node id of the sender */
    uint32_t len;          /* payload bytes after the header */
};

/* Multi-host node ids. 0 when out of range (cs_nodeid 0 or > 0xffffff, local 0). */
static inline uint32_t xvios_cpg_node_id(uint32_t cs_nodeid, uint32_t local)
{
    if (cs_nodeid == 0 || cs_nodeid > 0xffffffu || local == 0 || local > XVIOS_CPG_LOCAL_MAX)
        return 0;
    return (cs_nodeid << 8) | local;
}
static inline uint32_t xvios_cpg_node_host(uint32_t node) { return node >> 8; }
static inline uint32_t xvios_cpg_node_local(uint32_t node) { return node & 0xffu; }

/* Encode hdr into out[XVIOS_CPG_HDR_LEN]. */
void xvios_cpg_hdr_encode(const struct xvios_cpg_hdr *hdr, uint8_t *out);
/*
 * Decode and check a received message of len bytes: -EPROTO short, wrong
 * magic/version/kind, a length that does not match, a payload over the bound,
 * a HELLO whose card is over XVIOS_CPG_CARD_MAX, a source node id that is not a
 * valid node id.
 */
int xvios_cpg_hdr_decode(const uint8_t *buf, size_t len, struct xvios_cpg_hdr *hdr);

/* ---------------------------------------------------------------- member */
enum xvios_cpg_lost_reason {
    XVIOS_CPG_LOST_LEAVE    = 1,  /* its process left the group */
    XVIOS_CPG_LOST_PROCDOWN = 2,  /* its process died */
    XVIOS_CPG_LOST_NODEDOWN = 3,  /* its host left the corosync membership */
    XVIOS_CPG_LOST_OTHER    = 4,
};
const char *xvios_cpg_lost_reason_name(enum xvios_cpg_lost_reason r);

struct xvios_cpg_callbacks {
    /* A broadcast payload from node src (this node's own ones included: they mark its place in the order). */
    void (*deliver)(void *ctx, uint32_t src, const void *buf, size_t len);
    /* Node joined (its first message, normally its HELLO, was delivered). */
    void (*node_up)(void *ctx, uint32_t node);
    /* A HELLO of node brought its card (first time, or a re-announcement; len 0: it has none). */
    void (*node_card)(void *ctx, uint32_t node, const void *card, size_t len);
    /* Node is gone, at the confchg that reported it. */
    void (*node_lost)(void *ctx, uint32_t node, enum xvios_cpg_lost_reason why);
    /* A queued send was dropped at its deadline (tag as given to xvios_cpg_send). */
    void (*send_expired)(void *ctx, uint64_t tag);
    void *ctx;
};

struct xvios_cpg_stats {
    uint64_t sent;            /* multicasts accepted by corosync */
    uint64_t delivered;       /* payloads handed to deliver() */
    uint64_t rejected;        /* messages failing xvios_cpg_hdr_decode or the source check */
    uint64_t try_again;       /* CS_ERR_TRY_AGAIN answers */
    uint64_t expired;         /* queued sends dropped at their deadline */
    uint32_t queued;          /* sends waiting now */
    uint32_t members;         /* nodes known up now, this one included */
};

typedef struct xvios_cpg xvios_cpg;

/*
 * Connect to the local corosync, join "xvios:<cluster>" and multicast this
 * node's HELLO with card (card_len <= XVIOS_CPG_CARD_MAX; NULL/0: none).
 * local: this node's number on its host (1..255); the node id
 * is xvios_cpg_node_id(corosync nodeid, local). The one call that waits:
 * cpg_join answers TRY_AGAIN while a membership change settles, and is
 * retried for up to 10 s (then -ETIMEDOUT). -EINVAL bad arguments,
 * -ENAMETOOLONG cluster name, -ECONNREFUSED corosync not running,
 * -EIO another corosync error.
 */
int  xvios_cpg_open(const char *cluster, uint32_t local, const void *card, size_t card_len,
                    const struct xvios_cpg_callbacks *cb, xvios_cpg **out);
void xvios_cpg_close(xvios_cpg *c);                 /* leaves the group; NULL is fine */
uint32_t xvios_cpg_self(const xvios_cpg *c);        /* this node's multi-host node id */
int  xvios_cpg_fd(const xvios_cpg *c);
/* Run every pending callback, then retry the queue. -EPIPE: corosync is gone (final). */
int  xvios_cpg_dispatch(xvios_cpg *c);
/* When the queue next needs a dispatch (0 and *when set), or -ENOENT when it is empty. */
int  xvios_cpg_next_deadline(const xvios_cpg *c, struct timespec *when);
/*
 * Multicast a payload to every member in agreed order. 0: sent or queued (CS_ERR_TRY_AGAIN) until deadline; -EMSGSIZE over
 * XVIOS_CPG_MAX_PAYLOAD; -ENOBUFS queue full; -EPIPE corosync gone;
 * -ETIMEDOUT deadline already passed; -EINVAL tag UINT64_MAX (reserved for
 * the HELLOs). tag comes back in send_expired.
 */
int  xvios_cpg_send(xvios_cpg *c, const void *buf, size_t len,
                    const struct timespec *deadline, uint64_t tag);
/* The nodes up now (sorted, this one included); returns the count (<= cap filled). */
unsigned xvios_cpg_members(const xvios_cpg *c, uint32_t *nodes, unsigned cap);
void xvios_cpg_stats_get(const xvios_cpg *c, struct xvios_cpg_stats *st);

#endif /* XVIOS_CPG_H */
