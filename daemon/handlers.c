/* SPDX-License-Identifier: MIT */
/*
 * handlers.c - the receive path: a CLUSTER_SEND from a peer is consumed by
 * the handler registered for its message type (a table, like a SCSI
 * target's opcode-indexed command table), and answered with a
 * CLUSTER_RESPONSE (same txid, unicast to the sender) when it asked for one.
 *
 *   ECHO       response payload = request payload
 *   NODE_INFO  response payload = this node's "key=value" information
 *   NODES_ALL  fan NODE_INFO out to every member, answer with all of it merged
 *   OBJ_EVENT  a VIO object's Lifecycle event (xvios/vio.h): parsed strictly and handed to this node's
 *              LIFECYCLE subscribers, from a peer (its broadcast) or from a caller (API_QUERY: the
 *              node a change is announced through hands it to its own subscribers)
 *   CLIENT_LOGIN  this VIOS's engine registers a client's vhost (login.c; never from a peer)
 *   LU_WHO     which of this node's vhosts serve an LU (lu_who.c)
 *   MAPPING_APPLY  a mapping create/delete another node was asked for, made in this VIOS's backend dir
 *              (map_apply.c; from another node's daemon only); a re-sent copy is not made twice
 *   STORAGE_INFO  this VIOS's storage report (storage.c)
 *   STORAGE_ALL   fan STORAGE_INFO out to every member, answer with all of it merged (as NODES_ALL)
 *   USER types (>= XVIOS_MT_USER_BASE) are handed to subscribed callers as
 *              XVIOS_EV_MESSAGE events (user_msgs.c); the response (when
 *              asked) is empty and says the message was handed over, or
 *              NO_SUBSCRIBER when nobody subscribed.
 *
 * A sender re-issues a message with the same txid to a node whose receipt
 * it missed, so a node can receive a copy twice: the (sender, epoch, txid)
 * of recent messages are remembered and a repeated USER message is answered
 * again but not handed to the subscribers a second time. The epoch is the
 * sender daemon's incarnation: a restarted sender's txids start again at 1,
 * in a new epoch, and are not taken for copies.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/log.h"
#include "xvios/vio.h"

static int h_echo(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                  int *status)
{
    (void)d;
    if (req->hdr.payload_len > cap)
        return -ENOSPC;
    if (req->hdr.payload_len)
        memcpy(out, req->payload, req->hdr.payload_len);
    *out_len = req->hdr.payload_len;
    *status = XVIOS_ST_OK;
    return HANDLER_RESPOND;
}

static int h_node_info(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                       int *status)
{
    (void)req;
    int rc = viod_nodeinfo_format(d, (char *)out, cap, out_len);
    if (rc < 0)
        return rc;
    *status = XVIOS_ST_OK;
    return HANDLER_RESPOND;
}

static int h_storage_info(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap,
                          size_t *out_len, int *status)
{
    int rc;

    if (req->hdr.payload_len) {
        *out_len = 0;
        *status = XVIOS_ST_BAD_PACKET;
        return HANDLER_RESPOND;
    }
    rc = viod_storage_format(d, (char *)out, cap, out_len);
    if (rc < 0)
        return rc;
    *status = XVIOS_ST_OK;
    return HANDLER_RESPOND;
}

/* NODES_ALL and STORAGE_ALL from a peer: fan the info type out, answer with every block merged. */
static int fan_out(struct xviosd *d, const struct xvios_msg *req, uint32_t info_type, uint8_t *out, size_t cap,
                   size_t *out_len, int *status)
{
    uint32_t t = req->sub.timeout_ms ? req->sub.timeout_ms : viod_op_effective_timeout(d, 0);
    struct op_request rq = {
        .kind = OP_NODES_ALL_REMOTE,
        .req_node = req->sub.src_node,
        .req_txid = req->hdr.txid,
        .req_epoch = req->sub.epoch,
        .flags = XVIOS_F_RESPONSE | XVIOS_F_BROADCAST,
        .origin = XVIOS_ORIGIN_DAEMON,
        .msg_type = info_type,
        /* leave the asking node time to receive our merged answer before its own deadline */
        .timeout_ms = t / 2 ? t / 2 : 1,
    };
    int rc;

    if (!(req->hdr.flags & XVIOS_F_RESPONSE)) {
        *out_len = 0;
        *status = XVIOS_ST_OK;
        return HANDLER_RESPOND;   /* nobody will read the answer: do not fan out */
    }
    rc = viod_op_start(d, &rq);
    if (rc == 0)
        return HANDLER_DEFERRED;
    /* cannot fan out: answer with this node alone */
    XLOG_WARN("%s from node %u: cannot fan out (%s); answering with this node only",
              info_type == XVIOS_MT_STORAGE_INFO ? "STORAGE_ALL" : "NODES_ALL", req->sub.src_node, strerror(-rc));
    rc = viod_info_format(d, info_type, (char *)out, cap, out_len);
    if (rc < 0)
        return rc;
    *status = XVIOS_ST_OK;
    return HANDLER_RESPOND;
}

static int h_nodes_all(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                       int *status)
{
    return fan_out(d, req, XVIOS_MT_NODE_INFO, out, cap, out_len, status);
}

static int h_storage_all(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                         int *status)
{
    return fan_out(d, req, XVIOS_MT_STORAGE_INFO, out, cap, out_len, status);
}

/* Remember (node, epoch, txid); true when it was seen recently already. */
static bool seen_before(struct xviosd *d, uint32_t node, uint32_t epoch, uint64_t txid)
{
    for (unsigned i = 0; i < XVD_SEEN_RING; i++)
        if (d->seen[i].txid == txid && d->seen[i].node == node && d->seen[i].epoch == epoch)
            return true;
    d->seen[d->seen_next].txid = txid;
    d->seen[d->seen_next].node = node;
    d->seen[d->seen_next].epoch = epoch;
    d->seen_next = (d->seen_next + 1) % XVD_SEEN_RING;
    return false;
}

static int h_user(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                  int *status)
{
    (void)out;
    (void)cap;

    *out_len = 0;
    *status = XVIOS_ST_OK;
    if (seen_before(d, req->sub.src_node, req->sub.epoch, req->hdr.txid)) {
        d->c.received_duplicate++;
        XLOG_DEBUG("node %u re-sent txid %" PRIx64 " (epoch %u): acknowledged, not passed on again",
                   req->sub.src_node, req->hdr.txid, req->sub.epoch);
        return HANDLER_RESPOND;
    }
    return viod_user_deliver(d, req, status);
}

static int h_obj_event(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                       int *status)
{
    struct xvios_vio_event ev;

    (void)out;
    (void)cap;
    *out_len = 0;
    *status = XVIOS_ST_OK;
    if (xvios_vio_event_parse((const char *)req->payload, req->hdr.payload_len, &ev) < 0) {
        XLOG_WARN("node %u sent a malformed lifecycle event (%u bytes): dropped", req->sub.src_node,
                  req->hdr.payload_len);
        *status = XVIOS_ST_BAD_PACKET;
        return HANDLER_RESPOND;
    }
    if (req->hdr.opcode == XVIOS_OP_CLUSTER_SEND && seen_before(d, req->sub.src_node, req->sub.epoch, req->hdr.txid)) {
        d->c.received_duplicate++;
        return HANDLER_RESPOND;   /* a re-sent copy: its subscribers have it already */
    }
    viod_objwatch_announced(d, &ev);   /* unless this node's DB watch raised it already */
    return HANDLER_RESPOND;
}

static int h_mapping_apply(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                           int *status)
{
    if (req->hdr.opcode == XVIOS_OP_CLUSTER_SEND && seen_before(d, req->sub.src_node, req->sub.epoch, req->hdr.txid)) {
        d->c.received_duplicate++;
        return HANDLER_DEFERRED;   /* the first copy is being made and answers */
    }
    return viod_apply_handle(d, req, out, cap, out_len, status);
}

static const struct handler handler_table[] = {
    { XVIOS_MT_ECHO, "echo", h_echo },
    { XVIOS_MT_NODE_INFO, "node-info", h_node_info },
    { XVIOS_MT_NODES_ALL, "nodes-all", h_nodes_all },
    { XVIOS_MT_OBJ_EVENT, "obj-event", h_obj_event },
    { XVIOS_MT_CLIENT_LOGIN, "client-login", viod_login_handle },
    { XVIOS_MT_LU_WHO, "lu-who", viod_lu_who_handle },
    { XVIOS_MT_MAPPING_APPLY, "mapping-apply", h_mapping_apply },
    { XVIOS_MT_STORAGE_INFO, "storage-info", h_storage_info },
    { XVIOS_MT_STORAGE_ALL, "storage-all", h_storage_all },
};
static const struct handler user_handler = { XVIOS_MT_USER_BASE, "user", h_user };

const struct handler *viod_handler_find(uint32_t msg_type)
{
    if (msg_type >= XVIOS_MT_USER_BASE)
        return &user_handler;
    for (size_t i = 0; i < sizeof(handler_table) / sizeof(handler_table[0]); i++)
        if (handler_table[i].msg_type == msg_type)
            return &handler_table[i];
    return NULL;
}

void viod_handle_cluster_send(struct xviosd *d, const struct xvios_msg *m)
{
    static uint8_t out[XVIOS_MAX_PAYLOAD];
    const struct handler *h = viod_handler_find(m->sub.msg_type);
    size_t len = 0;
    int status = XVIOS_ST_BAD_PACKET;
    int v;

    d->c.received++;
    if (!h) {
        d->c.received_unknown_type++;
        d->c.received_dropped++;
        XLOG_WARN("node %u sent unknown message type %u (txid %" PRIx64 ", epoch %u): not consumed",
                  m->sub.src_node, m->sub.msg_type, m->hdr.txid, m->sub.epoch);
        v = HANDLER_RESPOND;
    } else {
        v = h->fn(d, m, out, sizeof(out), &len, &status);
        if (v < 0) {
            XLOG_WARN("handler %s failed for node %u: %s", h->name, m->sub.src_node, strerror(-v));
            status = XVIOS_ST_INTERNAL;
            len = 0;
            v = HANDLER_RESPOND;
        }
    }
    if (v == HANDLER_RESPOND && (m->hdr.flags & XVIOS_F_RESPONSE))
        viod_respond_to_peer(d, m->hdr.txid, m->sub.epoch, m->sub.src_node, m->sub.msg_type, status, out, len);
}
