/* SPDX-License-Identifier: MIT */
/*
 * sendop.c - outstanding sends (the patent's send-message flow): build the
 * CLUSTER_SEND, queue the response-queue entries, feed each SEND_RESULT to
 * the retry bookkeeping (re-issue, RC growth, back-off), collect responses
 * and report the final outcome to whoever asked: a caller (API_RESPONSE...
 * then API_RESULT) or, for NODES_ALL, the merged node information.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/vio.h"

uint32_t viod_op_effective_timeout(const struct xviosd *d, uint32_t requested_ms)
{
    uint32_t max = d->cfg.max_timeout_ms ? d->cfg.max_timeout_ms : XVIOS_DB_DEFAULT_MAX_TIMEOUT_MS;
    uint32_t t = requested_ms ? requested_ms : d->cfg.timeout_ms ? d->cfg.timeout_ms : XVIOS_DB_DEFAULT_TIMEOUT_MS;

    return t > max ? max : t;   /* the cluster's maximum (docs/protocol.md, "Limits") */
}

/* Would this request take more than its share of the op table (its caller's, or its remote node's)? */
static bool over_share(const struct xviosd *d, const struct op_request *rq)
{
    unsigned held = 0;

    if (rq->caller_id) {
        const struct caller *c = viod_api_caller((struct xviosd *)d, rq->caller_id);
        return c && c->n_ops >= XVD_MAX_OPS_PER_CALLER;
    }
    if (rq->kind != OP_NODES_ALL_REMOTE)
        return false;
    for (const struct sendop *op = d->ops; op; op = op->next)
        held += op->kind == OP_NODES_ALL_REMOTE && op->req_node == rq->req_node;
    return held >= XVD_MAX_OPS_PER_NODE;
}

static struct sendop *op_find(struct xviosd *d, uint64_t txid)
{
    for (struct sendop *op = d->ops; op; op = op->next)
        if (op->txid == txid)
            return op;
    return NULL;
}

static void op_free(struct xviosd *d, struct sendop *op)
{
    struct sendop **pp;

    for (pp = &d->ops; *pp; pp = &(*pp)->next) {
        if (*pp == op) {
            *pp = op->next;
            break;
        }
    }
    if (op->caller_id) {
        struct caller *c = viod_api_caller(d, op->caller_id);
        if (c && c->n_ops)
            c->n_ops--;
    }
    viod_respq_remove_tx(&d->rq, op->txid);
    d->n_ops--;
    free(op->payload);
    free(op->merged);
    free(op->answer);
    free(op);
}

/* Active members except this node, from the cluster DB. */
static unsigned active_peers(struct xviosd *d, uint32_t *out, unsigned cap)
{
    struct xvios_db_node *nodes = NULL;
    unsigned n = 0, k = 0;

    if (!d->plat || xvios_db_nodes(d->plat, &nodes, &n) < 0)
        return 0;
    for (unsigned i = 0; i < n; i++)
        if (nodes[i].state == XVIOS_NODE_ACTIVE && nodes[i].node != d->self_node && k < cap)
            out[k++] = nodes[i].node;
    free(nodes);
    return k;
}

/* ---------------------------------------------------------------- NODES_ALL answers */
/*
 * A caller (OP_NODES_ALL_QUERY) gets one API_RESPONSE per node, sub.src_node = that node, as each
 * block is known: no size limit, whatever the cluster's size. A peer (OP_NODES_ALL_REMOTE) gets one
 * CLUSTER_RESPONSE, so its blocks are merged into at most XVD_MERGED_MAX bytes: a block that does not
 * fit is counted; merge_finish() reports the count in a last block.
 */
static void merge_append(struct xviosd *d, struct sendop *op, uint32_t node, const char *block, size_t len)
{
    char *m;

    if (op->kind == OP_NODES_ALL_QUERY) {
        struct caller *c = op->caller_id ? viod_api_caller(d, op->caller_id) : NULL;
        if (c)
            viod_api_emit(d, c, XVIOS_OP_API_RESPONSE, XVIOS_ST_OK, op->handle, node, viod_info_all_type(op->msg_type),
                          block, len);
        return;
    }
    if (!op->merged)
        return;
    if (op->merged_len + len + 2 > XVD_MERGED_MAX - XVD_MERGED_TAIL) {
        op->merged_truncated++;
        return;
    }
    m = op->merged + op->merged_len;
    memcpy(m, block, len);
    op->merged_len += len;
    if (len && block[len - 1] != '\n')
        op->merged[op->merged_len++] = '\n';
    op->merged[op->merged_len++] = '\n';   /* a blank line ends each node's block */
}

/* The merged answer is complete: say how many blocks did not fit, in the room kept for it. */
static void merge_finish(struct sendop *op)
{
    int n;

    if (!op->merged || !op->merged_truncated)
        return;
    XLOG_WARN("txid %" PRIx64 ": %u node blocks did not fit the merged answer", op->txid,
              op->merged_truncated);
    n = snprintf(op->merged + op->merged_len, XVD_MERGED_MAX - op->merged_len, "truncated=%u\n\n",
                 op->merged_truncated);
    if (n > 0 && (size_t)n < XVD_MERGED_MAX - op->merged_len)
        op->merged_len += (size_t)n;
}

static void merge_failure(struct xviosd *d, struct sendop *op, uint32_t node, const char *why)
{
    char b[96];
    int n = snprintf(b, sizeof(b), "node=%u\nstatus=%s\n", node, why);
    merge_append(d, op, node, b, (size_t)n);
}

/* A node's info block from a peer's response: only printable key=value text is kept. */
static void merge_response(struct xviosd *d, struct sendop *op, uint32_t node, const uint8_t *untrusted, size_t len)
{
    char *b;
    size_t k = 0;
    bool bad = false;

    b = malloc(len + 1);
    if (!b)
        return;
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = untrusted[i];
        if (ch == '\n' && k > 0 && b[k - 1] == '\n')
            continue;   /* a peer may not end its block early */
        if (ch != '\n' && (ch < 0x20 || ch > 0x7e)) {
            bad = true;
            break;
        }
        b[k++] = (char)ch;
    }
    if (!bad && k > 0) {
        /* the block must describe the node that sent it: a peer may not speak for another node */
        char want[24];
        int wl = snprintf(want, sizeof(want), "node=%u\n", node);
        bad = wl < 0 || k < (size_t)wl || memcmp(b, want, (size_t)wl) != 0;
    }
    if (bad || k == 0) {
        XLOG_WARN("node %u sent a malformed %s answer (%zu bytes)", node,
                  op->msg_type == XVIOS_MT_STORAGE_INFO ? "STORAGE_INFO" : "NODE_INFO", len);
        d->c.vke_rx_bad++;
        merge_failure(d, op, node, "bad-answer");
    } else {
        merge_append(d, op, node, b, k);
    }
    free(b);
}

/* ---------------------------------------------------------------- completion */
static const char *rc_reason(unsigned s)
{
    switch (s) {
    case XVIOS_RC_TIMED_OUT: return "timed-out";
    case XVIOS_RC_UNREACHABLE: return "unreachable";
    case XVIOS_RC_NOT_MEMBER: return "not-member";
    case XVIOS_RC_QUEUE_FULL: return "queue-full";
    }
    return "failed";
}

static int rc_to_status(unsigned s)
{
    switch (s) {
    case XVIOS_RC_UNREACHABLE: return XVIOS_ST_UNREACHABLE;
    case XVIOS_RC_NOT_MEMBER: return XVIOS_ST_NOT_MEMBER;
    case XVIOS_RC_QUEUE_FULL: return XVIOS_ST_QUEUE_FULL;
    }
    return XVIOS_ST_TIMED_OUT;
}

/* One response that will not come (status) or did come (payload), to whoever waits for it. */
static void deliver_response(struct xviosd *d, struct sendop *op, uint32_t node, int status, uint32_t type,
                             const uint8_t *payload, size_t len, const char *why)
{
    struct caller *c;

    switch (op->kind) {
    case OP_CALLER_SEND:
        c = op->caller_id ? viod_api_caller(d, op->caller_id) : NULL;
        if (c)
            viod_api_emit(d, c, XVIOS_OP_API_RESPONSE, status, op->handle, node, type, payload, len);
        break;
    case OP_NODES_ALL_QUERY:
    case OP_NODES_ALL_REMOTE:
        if (status == XVIOS_ST_OK)
            merge_response(d, op, node, payload, len);
        else
            merge_failure(d, op, node, why ? why : xvios_status_name(status));
        break;
    case OP_VIO_APPLY:
        if (op->answer || node != op->req_node)
            break;
        op->answer_status = status;
        if (status == XVIOS_ST_OK && len > 0 && len <= XVIOS_VIO_RESPONSE_MAX && (op->answer = malloc(len))) {
            memcpy(op->answer, payload, len);
            op->answer_len = len;
        }
        break;
    }
}

/* Does an untrusted answer look like the vioResponse a daemon writes (text, no NUL, the XML declaration)? */
static bool vio_answer_ok(const char *untrusted, size_t len)
{
    static const char decl[] = "<?xml version=\"1.0\"";

    if (len < sizeof(decl) || memcmp(untrusted, decl, sizeof(decl) - 1) || !strstr(untrusted, "<vioResponse "))
        return false;
    for (size_t i = 0; i < len; i++)
        if (untrusted[i] == '\0' || ((unsigned char)untrusted[i] < 0x20 && untrusted[i] != '\n' &&
                                     untrusted[i] != '\t'))
            return false;
    return true;
}

/* The caller of an OP_VIO_APPLY gets the serving VIOS's vioResponse, or a VIOException saying why there is none. */
static void finish_vio_apply(struct xviosd *d, struct sendop *op, struct caller *c)
{
    static char out[XVIOS_VIO_RESPONSE_MAX];
    struct xvios_vio_err e = { XVIOS_VIO_UNAVAILABLE, "" };
    size_t len = 0;
    int st = op->answer_status ? op->answer_status : op->r.final_status;
    bool delivered = false;

    if (!c)
        return;
    for (unsigned j = 0; j < op->r.n; j++)
        if (op->r.node[j].node == op->req_node)
            delivered = viod_retry_rc_ok(op->r.node[j].status);
    if (op->answer && op->answer_len < sizeof(out)) {
        memcpy(out, op->answer, op->answer_len);
        out[op->answer_len] = '\0';
        if (vio_answer_ok(out, op->answer_len)) {
            viod_api_emit(d, c, XVIOS_OP_API_RESPONSE, XVIOS_ST_OK, op->handle, op->req_node, 0, out, op->answer_len);
            viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_OK, op->handle, d->self_node, 0, NULL, 0);
            return;
        }
        XLOG_WARN("node %u answered a MAPPING_APPLY with no vioResponse (%zu bytes)", op->req_node, op->answer_len);
        d->c.vke_rx_bad++;
        snprintf(e.sentence, sizeof(e.sentence), "node %u, which serves the vhost, answered with no vioResponse",
                 op->req_node);
    } else if (!delivered) {
        snprintf(e.sentence, sizeof(e.sentence), "node %u, which serves the vhost, never acknowledged the request "
                 "(no receipt: %s; it is down or unreachable); node %u changed nothing", op->req_node,
                 xvios_status_name(st), d->self_node);
    } else if (st == XVIOS_ST_TIMED_OUT) {
        e.code = XVIOS_VIO_UNAVAILABLE;
        snprintf(e.sentence, sizeof(e.sentence), "node %u, which serves the vhost, did not answer within %u ms: "
                 "node %u changed nothing; whether node %u made the change is unknown until a mapping get says",
                 op->req_node, op->resp_timeout_ms, d->self_node, op->req_node);
    } else {
        e.code = st == XVIOS_ST_BAD_PACKET ? XVIOS_VIO_INTERNAL : XVIOS_VIO_UNAVAILABLE;
        snprintf(e.sentence, sizeof(e.sentence), "node %u, which serves the vhost, %s (%s): nothing was changed",
                 op->req_node, st == XVIOS_ST_BAD_PACKET ? "refused the request unread" : "cannot be reached",
                 xvios_status_name(st));
    }
    if (xvios_vio_exception(d->self_node, &e, out, sizeof(out), &len) == 0)
        viod_api_emit(d, c, XVIOS_OP_API_RESPONSE, XVIOS_ST_OK, op->handle, d->self_node, 0, out, len);
    viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_OK, op->handle, d->self_node, 0, NULL, 0);
}

static void finish_op(struct xviosd *d, struct sendop *op)
{
    uint8_t rcbuf[XVIOS_MAX_NODES * sizeof(struct xvios_rc_entry)];
    size_t rclen = 0;
    unsigned failed = viod_retry_failed_count(&op->r);
    struct caller *c = op->caller_id ? viod_api_caller(d, op->caller_id) : NULL;

    if (xvios_rc_encode(op->r.node, op->r.n, rcbuf, sizeof(rcbuf), &rclen) != XVIOS_WIRE_OK)
        rclen = 0;
    XLOG_DEBUG("txid %" PRIx64 " done: %s, %u of %u nodes failed", op->txid,
               xvios_status_name(op->r.final_status), failed, op->r.n);

    if (failed && op->kind == OP_CALLER_SEND) {
        char text[XVIOS_STORE_MAX_VALUE];
        int n = snprintf(text, sizeof(text), "txid=%" PRIx64 "\ncaller=%u\nstatus=%s\nfailed=", op->txid,
                         op->caller_id, xvios_status_name(op->r.final_status));
        for (unsigned i = 0; i < op->r.n && n > 0 && (size_t)n < sizeof(text) - 16; i++)
            if (!viod_retry_rc_ok(op->r.node[i].status))
                n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%u", text[n - 1] == '=' ? "" : ",",
                              op->r.node[i].node);
        if (n > 0 && (size_t)n < sizeof(text) - 1) {
            text[n++] = '\n';
            viod_events_emit(d, XVIOS_EV_DELIVERY_FAILED, d->self_node, text, (size_t)n);
        }
    }

    if (op->kind == OP_NODES_ALL_REMOTE)
        merge_finish(op);
    switch (op->kind) {
    case OP_CALLER_SEND:
        if (c)
            viod_api_emit(d, c, XVIOS_OP_API_RESULT, op->r.final_status, op->handle, d->self_node, op->msg_type,
                     rcbuf, rclen);
        break;
    case OP_NODES_ALL_QUERY:
        if (c) {
            /* every node's block went out as its own API_RESPONSE; NO_TARGETS (alone in the cluster) is a
             * complete answer */
            viod_api_emit(d, c, XVIOS_OP_API_RESULT,
                     op->r.final_status == XVIOS_ST_NO_TARGETS ? XVIOS_ST_OK : op->r.final_status, op->handle,
                     d->self_node, op->msg_type, rcbuf, rclen);
        }
        break;
    case OP_NODES_ALL_REMOTE:
        viod_respond_to_peer(d, op->req_txid, op->req_epoch, op->req_node, viod_info_all_type(op->msg_type),
                             XVIOS_ST_OK, op->merged, op->merged_len);
        break;
    case OP_VIO_APPLY:
        finish_vio_apply(d, op, c);
        break;
    }
    op_free(d, op);
}

static void maybe_finish(struct xviosd *d, struct sendop *op)
{
    if (op->r.done && viod_respq_pending(&d->rq, op->txid, NULL, 0) == 0)
        finish_op(d, op);
}

/* The delivery outcome is final: responses that cannot come any more are reported now. */
static void settle_delivery(struct xviosd *d, struct sendop *op)
{
    uint32_t pend[XVIOS_MAX_NODES];
    unsigned np;

    if (!(op->flags & XVIOS_F_RESPONSE))
        return;
    np = viod_respq_pending(&d->rq, op->txid, pend, XVIOS_MAX_NODES);
    for (unsigned i = 0; i < np && i < XVIOS_MAX_NODES; i++) {
        const struct xvios_rc_entry *e = NULL;
        for (unsigned j = 0; j < op->r.n; j++)
            if (op->r.node[j].node == pend[i])
                e = &op->r.node[j];
        if (e && viod_retry_rc_ok(e->status))
            continue;   /* delivered: its response may still come */
        viod_respq_remove(&d->rq, op->txid, pend[i]);
        if (e) {
            deliver_response(d, op, pend[i], rc_to_status(e->status), op->msg_type, NULL, 0, rc_reason(e->status));
        } else if (op->r.final_status == XVIOS_ST_OK || op->r.final_status == XVIOS_ST_PARTIAL) {
            /* the VKE's RC array does not list it: not an active member any more */
            deliver_response(d, op, pend[i], XVIOS_ST_NOT_MEMBER, op->msg_type, NULL, 0, "not-member");
        } else {
            /* nothing was sent at all */
            deliver_response(d, op, pend[i], op->r.final_status, op->msg_type, NULL, 0,
                             xvios_status_name(op->r.final_status));
        }
    }
}

/* ---------------------------------------------------------------- sending */
static void transmit(struct xviosd *d, struct sendop *op)
{
    struct xvios_msg m;
    int rc;

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_FLAGS_WITH_ORIGIN((op->flags & (XVIOS_F_RECEIPT | XVIOS_F_RESPONSE)) |
                                              (op->r.cur_broadcast ? XVIOS_F_BROADCAST : 0),
                                          op->origin);
    m.hdr.txid = op->txid;
    m.hdr.payload_len = (uint32_t)op->len;
    m.sub.msg_type = op->msg_type;
    m.sub.src_node = d->self_node;
    m.sub.epoch = d->epoch;
    m.sub.originator = op->originator;
    m.sub.rc_capacity = op->r.rc_capacity;
    m.sub.timeout_ms = op->timeout_ms;
    if (!op->r.cur_broadcast) {
        m.sub.n_targets = (uint16_t)op->r.n_cur;
        memcpy(m.targets, op->r.cur, op->r.n_cur * sizeof(uint32_t));
    }
    m.payload = op->payload;
    rc = viod_vke_queue(d, &m);
    if (rc == -ENOBUFS) {
        /* our own queue to the VKE is full: the same as the VKE saying TRY_AGAIN */
        viod_op_on_send_result(d, &(struct xvios_msg){ .hdr = { .opcode = XVIOS_OP_SEND_RESULT, .txid = op->txid,
                                                           .status = XVIOS_ST_TRY_AGAIN },
                                                   .sub = { .epoch = d->epoch } });
        return;
    }
    if (rc < 0) {
        XLOG_WARN("txid %" PRIx64 ": cannot reach the VKE: %s", op->txid, strerror(-rc));
        viod_retry_abort(&op->r, XVIOS_ST_UNREACHABLE, XVIOS_RC_UNREACHABLE);
        settle_delivery(d, op);
        maybe_finish(d, op);
        return;
    }
    d->c.sends++;
    op->awaiting_result = true;
    op->backoff = false;
    op->result_deadline = xvios_deadline_ms((uint64_t)op->eff_timeout_ms + XVD_RESULT_SLACK_MS);
}

int viod_op_start(struct xviosd *d, const struct op_request *rq)
{
    uint32_t peers[XVIOS_MAX_NODES];
    unsigned npeers = 0;
    struct sendop *op = NULL;
    bool bcast = rq->flags & XVIOS_F_BROADCAST;
    struct timespec rdl;
    int rc;

    if (d->vke_state != VKE_READY)
        return -ENOTCONN;
    if (d->n_ops >= XVD_MAX_OPS)
        return -EAGAIN;
    if (over_share(d, rq)) {
        d->c.share_refused++;
        return -EAGAIN;
    }
    if (rq->len > XVIOS_MAX_PAYLOAD || rq->n_targets > XVIOS_MAX_NODES || (!bcast && rq->n_targets == 0))
        return -EINVAL;
    op = calloc(1, sizeof(*op));
    if (!op)
        return -ENOMEM;
    op->kind = rq->kind;
    op->caller_id = rq->caller_id;
    op->handle = rq->handle;
    op->req_node = rq->req_node;
    op->req_txid = rq->req_txid;
    op->req_epoch = rq->req_epoch;
    op->flags = rq->flags & (XVIOS_F_RECEIPT | XVIOS_F_RESPONSE | XVIOS_F_BROADCAST);
    op->origin = rq->origin;
    op->originator = rq->origin == XVIOS_ORIGIN_DAEMON ? 0 : rq->caller_id;
    op->msg_type = rq->msg_type;
    op->eff_timeout_ms = viod_op_effective_timeout(d, rq->timeout_ms);
    op->timeout_ms = rq->timeout_ms ? op->eff_timeout_ms : 0;   /* what the VKE is asked for: cut too */
    if (rq->timeout_ms > op->eff_timeout_ms)
        d->c.timeout_clamped++;
    op->resp_timeout_ms = rq->resp_timeout_ms ? viod_op_effective_timeout(d, rq->resp_timeout_ms) : op->eff_timeout_ms;
    do {
        d->tx_seq++;
    } while (d->tx_seq == 0);
    op->txid = xvios_txid_make(d->self_node, d->tx_seq);
    if (rq->len) {
        op->payload = malloc(rq->len);
        if (!op->payload) {
            free(op);
            return -ENOMEM;
        }
        memcpy(op->payload, rq->payload, rq->len);
    }
    op->len = rq->len;
    if (op->kind == OP_NODES_ALL_REMOTE) {
        op->merged = malloc(XVD_MERGED_MAX);
        if (!op->merged) {
            free(op->payload);
            free(op);
            return -ENOMEM;
        }
    }
    if (bcast)
        npeers = active_peers(d, peers, XVIOS_MAX_NODES);
    viod_retry_init(&op->r, op->flags & XVIOS_F_RECEIPT, bcast, rq->targets, rq->n_targets, npeers, d->cfg.retries);

    op->next = d->ops;
    d->ops = op;
    d->n_ops++;

    /* one response-queue entry per expected response */
    if (op->flags & XVIOS_F_RESPONSE) {
        const uint32_t *who = bcast ? peers : rq->targets;
        unsigned nwho = bcast ? npeers : rq->n_targets;
        /* the response wait is bounded by the effective timeout (the seed's promise), with or without
         * receipts: a node whose receipt did not come in that time gets TIMED_OUT for its response */
        rdl = xvios_deadline_ms((uint64_t)op->resp_timeout_ms);
        for (unsigned i = 0; i < nwho; i++) {
            rc = viod_respq_add(&d->rq, op->txid, who[i], rdl);
            if (rc == -ENOSPC) {
                XLOG_WARN("response queue full (%u entries): refusing a send", d->rq.n);
                op->caller_id = 0;   /* the caller gets its refusal from the return value */
                op_free(d, op);
                return -EAGAIN;
            }
        }
    }
    if (op->caller_id) {
        struct caller *c = viod_api_caller(d, op->caller_id);
        if (c)
            c->n_ops++;
    }
    if (op->kind == OP_NODES_ALL_QUERY || op->kind == OP_NODES_ALL_REMOTE) {
        static char self[XVIOS_MAX_PAYLOAD];   /* a storage report may fill a payload */
        size_t n = 0;
        if (viod_info_format(d, op->msg_type, self, sizeof(self), &n) == 0)
            merge_append(d, op, d->self_node, self, n);
    }
    transmit(d, op);
    return 0;
}

/* ---------------------------------------------------------------- from the VKE */
void viod_op_on_send_result(struct xviosd *d, const struct xvios_msg *m)
{
    struct xvios_rc_entry rc[XVIOS_MAX_NODES];
    struct sendop *op;
    unsigned n_rc = 0;
    enum retry_action act;

    if (xvios_txid_node(m->hdr.txid) != d->self_node && m->hdr.txid != 0) {
        /* the completion of a CLUSTER_RESPONSE this node sent (the txid is the requester's) */
        if (m->hdr.status != XVIOS_ST_OK) {
            d->c.responses_dropped++;
            XLOG_DEBUG("response for txid %" PRIx64 " not delivered: %s", m->hdr.txid,
                       xvios_status_name(m->hdr.status));
        }
        return;
    }
    if (m->hdr.txid != 0 && m->sub.epoch != d->epoch) {
        /* a send of an earlier incarnation of this daemon: its txid may be ours again */
        d->c.responses_stale++;
        XLOG_DEBUG("SEND_RESULT for txid %" PRIx64 " of epoch %u (this is epoch %u): dropped", m->hdr.txid,
                   m->sub.epoch, d->epoch);
        return;
    }
    op = op_find(d, m->hdr.txid);
    if (!op || !(op->awaiting_result || m->hdr.status == XVIOS_ST_TRY_AGAIN)) {
        XLOG_WARN("SEND_RESULT for txid %" PRIx64 " that nothing waits for: dropped", m->hdr.txid);
        d->c.vke_rx_bad++;
        return;
    }
    if (m->hdr.payload_len &&
        xvios_rc_decode(m->payload, m->hdr.payload_len, rc, XVIOS_MAX_NODES, &n_rc) != XVIOS_WIRE_OK) {
        XLOG_WARN("SEND_RESULT for txid %" PRIx64 " with a malformed RC array: treated as INTERNAL", m->hdr.txid);
        d->c.vke_rx_bad++;
        n_rc = 0;
        act = viod_retry_on_result(&op->r, XVIOS_ST_INTERNAL, 0, NULL, 0);
    } else {
        act = viod_retry_on_result(&op->r, m->hdr.status, m->sub.rc_needed, rc, n_rc);
    }
    op->awaiting_result = false;
    switch (act) {
    case RETRY_RESEND:
        d->c.resends++;
        XLOG_INFO("txid %" PRIx64 ": re-issuing to %u node(s) without a receipt (re-send %u of %u)", op->txid,
                  op->r.n_cur, op->r.resends, op->r.max_retries);
        if (op->flags & XVIOS_F_RESPONSE) {
            /* a response still awaited from a re-addressed node: the effective timeout again, from now */
            struct timespec rdl = xvios_deadline_ms((uint64_t)op->resp_timeout_ms);
            for (unsigned i = 0; i < op->r.n_cur; i++)
                viod_respq_set_deadline(&d->rq, op->txid, op->r.cur[i], rdl);
        }
        transmit(d, op);
        return;
    case RETRY_GROW:
        d->c.rc_grows++;
        XLOG_DEBUG("txid %" PRIx64 ": RC array grows to %u entries", op->txid, op->r.rc_capacity);
        transmit(d, op);
        return;
    case RETRY_BACKOFF:
        op->backoff = true;
        op->backoff_until = xvios_deadline_ms(20u * op->r.backoffs);
        return;
    case RETRY_DONE:
        break;
    }
    settle_delivery(d, op);
    maybe_finish(d, op);
}

void viod_op_on_response(struct xviosd *d, const struct xvios_msg *m)
{
    uint32_t src = m->sub.src_node;
    struct sendop *op;
    int r;

    if (m->sub.epoch != d->epoch) {
        /* answers a send of an earlier incarnation whose txid may be ours again: never matched */
        d->c.responses_stale++;
        XLOG_DEBUG("dropped a response from node %u for txid %" PRIx64 " of epoch %u (this is epoch %u)", src,
                   m->hdr.txid, m->sub.epoch, d->epoch);
        return;
    }
    r = viod_respq_match(&d->rq, m->hdr.txid, src);

    if (r != RESPQ_MATCHED) {
        XLOG_DEBUG("dropped a response from node %u for txid %" PRIx64 ": %s", src, m->hdr.txid,
                   r == RESPQ_UNKNOWN_NODE ? "duplicate or not expected from that node" : "unknown txid");
        return;
    }
    op = op_find(d, m->hdr.txid);
    if (!op)
        return;
    deliver_response(d, op, src, m->hdr.status, m->sub.msg_type, m->payload, m->hdr.payload_len, NULL);
    maybe_finish(d, op);
}

/* ---------------------------------------------------------------- timers */
void viod_op_tick(struct xviosd *d, struct timespec now)
{
    struct respq_entry e;
    struct sendop *op, *next;

    while (viod_respq_pop_expired(&d->rq, now, &e)) {
        op = op_find(d, e.txid);
        if (!op)
            continue;
        deliver_response(d, op, e.node, XVIOS_ST_TIMED_OUT, op->msg_type, NULL, 0, "timed-out");
        maybe_finish(d, op);
    }
    for (op = d->ops; op; op = next) {
        next = op->next;
        if (op->backoff && xvios_ts_cmp(op->backoff_until, now) <= 0) {
            transmit(d, op);
        } else if (op->awaiting_result && xvios_ts_cmp(op->result_deadline, now) <= 0) {
            XLOG_WARN("txid %" PRIx64 ": the VKE did not answer in time", op->txid);
            op->awaiting_result = false;
            viod_retry_abort(&op->r, XVIOS_ST_TIMED_OUT, XVIOS_RC_TIMED_OUT);
            settle_delivery(d, op);
            maybe_finish(d, op);
        }
    }
}

int viod_op_next_deadline(struct xviosd *d, struct timespec *out)
{
    int have = viod_respq_next_deadline(&d->rq, out);

    for (struct sendop *op = d->ops; op; op = op->next) {
        const struct timespec *t = op->backoff ? &op->backoff_until : op->awaiting_result ? &op->result_deadline : NULL;
        if (t && (!have || xvios_ts_cmp(*t, *out) < 0)) {
            *out = *t;
            have = 1;
        }
    }
    return have;
}

void viod_op_vke_lost(struct xviosd *d)
{
    struct sendop *op, *next;

    for (op = d->ops; op; op = next) {
        next = op->next;
        if (op->r.done)
            continue;
        op->awaiting_result = false;
        op->backoff = false;
        viod_retry_abort(&op->r, XVIOS_ST_UNREACHABLE, XVIOS_RC_UNREACHABLE);
        settle_delivery(d, op);
        maybe_finish(d, op);
    }
}

void viod_op_caller_gone(struct xviosd *d, uint32_t caller_id)
{
    for (struct sendop *op = d->ops; op; op = op->next)
        if (op->caller_id == caller_id)
            op->caller_id = 0;   /* the send goes on; its outcome is dropped */
}

void viod_op_dispose_all(struct xviosd *d)
{
    while (d->ops) {
        d->ops->caller_id = 0;
        op_free(d, d->ops);
    }
}
