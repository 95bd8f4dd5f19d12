/* SPDX-License-Identifier: MIT */
/*
 * outbound.c - every packet the daemon sends, in one place that all its
 * parts call and that calls none of them: a packet queued for the VKE
 * (written by the poll loop, viod_vke_flush), an answer or event queued for
 * a caller, a CLUSTER_RESPONSE queued for a peer. Each output is a bounded
 * queue (xvios/pktq.h); nothing here writes to a socket, so a dead peer of
 * any queue is noticed by the loop, outside of whatever queued the packet.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/log.h"

/* ---------------------------------------------------------------- to the VKE */
int viod_vke_push(struct xviosd *d, const struct xvios_msg *m)
{
    size_t len;
    int rc = xvios_msg_encode(m, d->tx, XVIOS_MAX_MSG, &len);

    if (rc != XVIOS_WIRE_OK) {
        XLOG_ERR("cannot encode %s: %s", xvios_opcode_name(m->hdr.opcode), xvios_wire_strerror(rc));
        return -EINVAL;
    }
    rc = xvios_pktq_push(&d->vke_out, d->tx, len, 0, (struct timespec){ 0 });
    if (rc < 0)
        return rc;
    /* written by the poll loop (viod_vke_flush): never from here, so a dead
     * socket is noticed outside of whatever queued this packet */
    return 0;
}

int viod_vke_queue(struct xviosd *d, const struct xvios_msg *m)
{
    if (d->vke_state != VKE_READY)
        return -ENOTCONN;
    return viod_vke_push(d, m);
}

/* ---------------------------------------------------------------- to callers */
struct caller *viod_api_caller(struct xviosd *d, uint32_t id)
{
    if (id == 0)
        return NULL;
    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
        if (d->callers[i].used && !d->callers[i].dead && d->callers[i].id == id)
            return &d->callers[i];
    return NULL;
}

/*
 * Room for n more bytes in all callers' queues together (XVD_CALLER_OUTQ_TOTAL):
 * while there is none, the caller holding the most queued bytes is dropped
 * (it is over its share, since the shares add up to the budget only when all
 * are full). False when c itself was dropped.
 */
static bool make_room(struct xviosd *d, struct caller *c, size_t n)
{
    for (;;) {
        struct caller *hog = NULL;
        size_t total = 0;

        for (unsigned i = 0; i < XVD_MAX_CALLERS; i++) {
            struct caller *o = &d->callers[i];
            if (!o->used || o->dead)
                continue;
            total += o->out.bytes;
            if (!hog || o->out.bytes > hog->out.bytes)
                hog = o;
        }
        if (total + n <= XVD_CALLER_OUTQ_TOTAL || !hog) {
            if (total + n > d->c.out_peak)
                d->c.out_peak = total + n;
            return true;
        }
        XLOG_WARN("callers hold %zu bytes of answers (budget %u): dropping caller %u (%s), which holds the most "
                  "(%zu bytes)", total, XVD_CALLER_OUTQ_TOTAL, hog->id, hog->name[0] ? hog->name : "?", hog->out.bytes);
        d->c.callers_dropped++;
        hog->dead = true;
        xvios_pktq_dispose(&hog->out);   /* its memory goes back now, not when it is reaped */
        if (hog == c)
            return false;
    }
}

int viod_api_emit(struct xviosd *d, struct caller *c, unsigned opcode, int status, uint64_t handle, uint32_t node,
             uint32_t type, const void *payload, size_t len)
{
    return viod_api_emit_for(d, c, opcode, status, handle, node, type, c->id, payload, len);
}

int viod_api_emit_for(struct xviosd *d, struct caller *c, unsigned opcode, int status, uint64_t handle, uint32_t node,
                      uint32_t type, uint32_t originator, const void *payload, size_t len)
{
    struct xvios_msg m;
    size_t n;
    int rc;

    if (c->dead)
        return -EPIPE;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = (uint16_t)opcode;
    m.hdr.status = status;
    m.hdr.txid = handle;
    m.hdr.payload_len = (uint32_t)len;
    m.sub.msg_type = type;
    m.sub.src_node = node;
    m.sub.originator = originator;
    m.payload = payload;
    rc = xvios_msg_encode(&m, d->tx, XVIOS_MAX_MSG, &n);
    if (rc != XVIOS_WIRE_OK) {
        XLOG_ERR("cannot encode %s for caller %u: %s", xvios_opcode_name(opcode), c->id, xvios_wire_strerror(rc));
        return -EINVAL;
    }
    if (!make_room(d, c, n))
        return -ENOBUFS;
    rc = xvios_pktq_push(&c->out, d->tx, n, 0, (struct timespec){ 0 });
    if (rc < 0) {
        XLOG_WARN("caller %u (%s) does not read its answers (%u queued): disconnecting it", c->id,
                  c->name[0] ? c->name : "?", c->out.n);
        d->c.callers_dropped++;
        c->dead = true;
        xvios_pktq_dispose(&c->out);
        return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------- to peers */
int viod_respond_to_peer(struct xviosd *d, uint64_t txid, uint32_t epoch, uint32_t node, uint32_t msg_type,
                         int status, const void *payload, size_t len)
{
    struct xvios_msg m;
    int rc;

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_RESPONSE;
    m.hdr.flags = XVIOS_FLAGS_WITH_ORIGIN(0, XVIOS_ORIGIN_DAEMON);
    m.hdr.status = status;
    m.hdr.txid = txid;
    m.hdr.payload_len = (uint32_t)len;
    m.sub.msg_type = msg_type;
    m.sub.src_node = d->self_node;
    m.sub.epoch = epoch;   /* the requester's: the txid is its */
    m.sub.n_targets = 1;
    m.targets[0] = node;
    m.payload = payload;
    rc = viod_vke_queue(d, &m);
    if (rc < 0) {
        d->c.responses_dropped++;
        XLOG_WARN("response to node %u for txid %" PRIx64 " dropped: %s", node, txid, strerror(-rc));
        return rc;
    }
    d->c.responses_sent++;
    return 0;
}
