/* SPDX-License-Identifier: MIT */
/*
 * api_server.c - the caller API (docs/protocol.md, "The caller API"):
 * RUNDIR/api.sock (SOCK_SEQPACKET, mode 0660) and dom0's management link,
 * which carries the same packets. Each caller has a bounded output queue;
 * a caller that stops reading until it fills (or until all callers' queues
 * together exceed XVD_CALLER_OUTQ_TOTAL and it holds the most) is
 * disconnected and logged (outbound.c). A caller must say API_HELLO within
 * XVD_HELLO_MS; when every slot is taken, a new connection takes the slot
 * of the oldest caller still without HELLO. Nothing here waits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "xviosd.h"
#include "xvios/client.h"
#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/paths.h"
#include "xvios/unixsock.h"

#define MGMT_RETRY_MS 200u

static void caller_close(struct xviosd *d, struct caller *c);

/* When every slot is taken: free the one of the caller without HELLO that came first. */
static void evict_silent(struct xviosd *d)
{
    struct caller *victim = NULL;

    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++) {
        struct caller *c = &d->callers[i];
        if (!c->used)
            return;   /* a free slot */
        if (!c->hello && !c->link && (!victim || xvios_ts_cmp(c->hello_deadline, victim->hello_deadline) < 0))
            victim = c;
    }
    if (victim) {
        d->c.callers_dropped++;
        XLOG_WARN("caller %u closed: its slot is needed and it has not said HELLO", victim->id);
        caller_close(d, victim);
    }
}

static struct caller *caller_new(struct xviosd *d, int fd, xvios_link *link)
{
    evict_silent(d);
    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++) {
        struct caller *c = &d->callers[i];
        if (c->used)
            continue;
        memset(c, 0, sizeof(*c));
        c->used = true;
        c->fd = fd;
        c->link = link;
        do {
            d->next_caller_id++;
        } while (d->next_caller_id == 0 || viod_api_caller(d, d->next_caller_id));
        c->id = d->next_caller_id;
        xvios_pktq_init(&c->out, XVD_CALLER_OUTQ_PKTS, XVD_CALLER_OUTQ_BYTES);
        c->hello_deadline = xvios_deadline_ms(XVD_HELLO_MS);
        return c;
    }
    return NULL;
}

static void caller_close(struct xviosd *d, struct caller *c)
{
    XLOG_DEBUG("caller %u (%s) gone", c->id, c->name[0] ? c->name : "?");
    viod_op_caller_gone(d, c->id);
    viod_agent_caller_gone(d, c);
    if (c->fd >= 0)
        close(c->fd);
    if (c->link) {
        /* the management link serves one console, then is reopened */
        xvios_link_close(d->mgmt);
        d->mgmt = NULL;
        d->mgmt_caller = -1;
        d->mgmt_retry_at = xvios_deadline_ms(MGMT_RETRY_MS);
    }
    xvios_pktq_dispose(&c->out);
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}

void viod_api_tick(struct xviosd *d, struct timespec now)
{
    viod_agent_tick(d, now);
    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++) {
        struct caller *c = &d->callers[i];
        if (c->used && !c->dead && !c->hello && xvios_ts_cmp(c->hello_deadline, now) <= 0) {
            d->c.callers_dropped++;
            XLOG_WARN("caller %u said no HELLO within %u ms: closed", c->id, XVD_HELLO_MS);
            c->dead = true;
        }
    }
}

void viod_api_reap(struct xviosd *d)
{
    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
        if (d->callers[i].used && d->callers[i].dead) {
            viod_user_lost_with_caller(d, &d->callers[i]);
            caller_close(d, &d->callers[i]);
        }
}

int viod_api_listen(struct xviosd *d)
{
    char path[128];
    int rc;

    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
        d->callers[i].fd = -1;
    d->mgmt_caller = -1;
    rc = xvios_run_path(path, sizeof(path), d->rundir, XVIOS_API_SOCK);
    if (rc < 0)
        return -ENAMETOOLONG;
    /* a socket that still answers belongs to a running daemon: do not take it over */
    if (xvios_unix_answers(path)) {
        XLOG_ERR("%s answers: another xviosd serves this node", path);
        rc = -EADDRINUSE;
    } else {
        rc = xvios_unix_listen(path, 0660, 16, &d->api_fd);   /* access by the file's mode */
    }
    if (rc < 0)
        XLOG_ERR("cannot serve %s: %s", path, strerror(-rc));
    return rc;
}

void viod_api_dispose(struct xviosd *d)
{
    char path[128];

    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
        if (d->callers[i].used)
            caller_close(d, &d->callers[i]);
    xvios_link_close(d->mgmt);
    d->mgmt = NULL;
    if (d->api_fd >= 0) {
        close(d->api_fd);
        if (xvios_run_path(path, sizeof(path), d->rundir, XVIOS_API_SOCK) == 0)
            unlink(path);
    }
    d->api_fd = -1;
}

void viod_api_on_accept(struct xviosd *d)
{
    for (int budget = 16; budget > 0; budget--) {
        struct ucred cred;
        struct caller *c;
        int fd, rc = xvios_unix_accept(d->api_fd, false, &fd, &cred);

        if (rc < 0) {
            if (rc != -EAGAIN)
                XLOG_WARN("accept: %s", strerror(-rc));
            return;
        }
        c = caller_new(d, fd, NULL);
        if (c)
            c->trusted = cred.uid == 0 || cred.uid == getuid();
        if (!c) {
            XLOG_WARN("too many callers (%u): refusing one", XVD_MAX_CALLERS);
            close(fd);
        }
    }
}

/* ---------------------------------------------------------------- output */
void viod_api_flush(struct xviosd *d, struct caller *c)
{
    const struct xvios_pkt *p;
    struct timespec now = xvios_now();

    while (!c->dead && (p = xvios_pktq_peek(&c->out))) {
        if (c->link) {
            int rc = xvios_link_send(c->link, p->data, p->len, &now);
            if (rc == -ETIMEDOUT || rc == -ENOTCONN)
                return;
            if (rc < 0) {
                XLOG_INFO("management console link: %s", strerror(-rc));
                c->dead = true;
                return;
            }
        } else {
            ssize_t n = send(c->fd, p->data, p->len, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return;
            if (n < 0) {
                c->dead = true;
                return;
            }
        }
        xvios_pktq_drop(&c->out);
    }
    (void)d;
}

/* ---------------------------------------------------------------- requests */
static void on_hello(struct xviosd *d, struct caller *c, const struct xvios_msg *m)
{
    char name[sizeof(c->name)] = "";
    char text[64];
    enum xvios_origin o = XVIOS_FLAGS_ORIGIN(m->hdr.flags);
    int n;

    if (o != XVIOS_ORIGIN_CLI && o != XVIOS_ORIGIN_API) {
        viod_api_emit(d, c, XVIOS_OP_API_HELLO, XVIOS_ST_BAD_PACKET, 0, d->self_node, 0, NULL, 0);
        return;
    }
    if (xvios_kv_get((const char *)m->payload, m->hdr.payload_len, "name", name, sizeof(name)) == 0) {
        for (char *p = name; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
                *p = '?';
        snprintf(c->name, sizeof(c->name), "%s", name);
    }
    c->origin = o;
    c->hello = true;
    n = snprintf(text, sizeof(text), "node=%u\ncaller=%u\n", d->self_node, c->id);
    viod_api_emit(d, c, XVIOS_OP_API_HELLO, XVIOS_ST_OK, m->hdr.txid, d->self_node, 0, text, (size_t)n);
    XLOG_DEBUG("caller %u attached (%s, %s)", c->id, o == XVIOS_ORIGIN_CLI ? "cli" : "api",
               c->name[0] ? c->name : "unnamed");
}

static void on_send(struct xviosd *d, struct caller *c, const struct xvios_msg *m)
{
    struct op_request rq = {
        .kind = OP_CALLER_SEND,
        .caller_id = c->id,
        .handle = m->hdr.txid,
        .flags = m->hdr.flags & (XVIOS_F_RECEIPT | XVIOS_F_RESPONSE | XVIOS_F_BROADCAST),
        .origin = c->origin,
        .msg_type = m->sub.msg_type,
        .targets = m->targets,
        .n_targets = m->sub.n_targets,
        .timeout_ms = m->sub.timeout_ms,
        .payload = m->payload,
        .len = m->hdr.payload_len,
    };
    int rc, st;

    if (m->sub.msg_type == XVIOS_MT_NONE || (!(rq.flags & XVIOS_F_BROADCAST) && rq.n_targets == 0)) {
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_BAD_PACKET, m->hdr.txid, d->self_node, m->sub.msg_type, NULL, 0);
        return;
    }
    for (unsigned i = 0; i < rq.n_targets; i++) {
        if (m->targets[i] == 0 || m->targets[i] > XVIOS_NODE_ID_MAX) {   /* multi-host ids: over 256 */
            viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_BAD_PACKET, m->hdr.txid, d->self_node, m->sub.msg_type,
                     NULL, 0);
            return;
        }
    }
    rc = viod_op_start(d, &rq);   /* TRY_AGAIN when the caller holds its share of the op table */
    if (rc == 0)
        return;
    st = rc == -ENOTCONN ? XVIOS_ST_UNREACHABLE : rc == -EAGAIN ? XVIOS_ST_TRY_AGAIN
       : rc == -EINVAL ? XVIOS_ST_BAD_PACKET : XVIOS_ST_INTERNAL;
    viod_api_emit(d, c, XVIOS_OP_API_RESULT, st, m->hdr.txid, d->self_node, m->sub.msg_type, NULL, 0);
}

static void on_query(struct xviosd *d, struct caller *c, const struct xvios_msg *m)
{
    static uint8_t out[XVIOS_MAX_PAYLOAD];
    const struct handler *h = viod_handler_find(m->sub.msg_type);
    size_t len = 0;
    int status = XVIOS_ST_OK, rc;

    if (m->sub.msg_type == XVIOS_MT_NODES_ALL || m->sub.msg_type == XVIOS_MT_STORAGE_ALL) {
        uint32_t info = m->sub.msg_type == XVIOS_MT_NODES_ALL ? XVIOS_MT_NODE_INFO : XVIOS_MT_STORAGE_INFO;
        struct op_request rq = {
            .kind = OP_NODES_ALL_QUERY,
            .caller_id = c->id,
            .handle = m->hdr.txid,
            .flags = XVIOS_F_RESPONSE | XVIOS_F_BROADCAST,
            .origin = c->origin,
            .msg_type = info,
            .timeout_ms = m->sub.timeout_ms,
        };
        rc = viod_op_start(d, &rq);
        if (rc == 0)
            return;
        /* no VKE: this node's own information is still a valid (partial) answer */
        if (viod_info_format(d, info, (char *)out, sizeof(out), &len) == 0)
            viod_api_emit(d, c, XVIOS_OP_API_RESPONSE, XVIOS_ST_OK, m->hdr.txid, d->self_node, m->sub.msg_type, out,
                     len);
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, rc == -ENOTCONN ? XVIOS_ST_UNREACHABLE : XVIOS_ST_TRY_AGAIN,
                 m->hdr.txid, d->self_node, m->sub.msg_type, NULL, 0);
        return;
    }
    if (!h || m->sub.msg_type >= XVIOS_MT_USER_BASE || (m->sub.msg_type == XVIOS_MT_CLIENT_LOGIN && !c->trusted)) {
        if (h && m->sub.msg_type == XVIOS_MT_CLIENT_LOGIN)
            XLOG_WARN("caller %u (%s) may not log clients in: refused", c->id, c->link ? "management link" : "uid");
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_BAD_PACKET, m->hdr.txid, d->self_node, m->sub.msg_type, NULL, 0);
        return;
    }
    rc = h->fn(d, m, out, sizeof(out), &len, &status);
    if (rc < 0) {
        status = XVIOS_ST_INTERNAL;
        len = 0;
    }
    viod_api_emit(d, c, XVIOS_OP_API_RESPONSE, status, m->hdr.txid, d->self_node, m->sub.msg_type, out, len);
    viod_api_emit(d, c, XVIOS_OP_API_RESULT, status, m->hdr.txid, d->self_node, m->sub.msg_type, NULL, 0);
}

static void on_subscribe(struct xviosd *d, struct caller *c, const struct xvios_msg *m)
{
    uint32_t mask;

    if (m->hdr.payload_len != 4 || ((mask = xvios_get_le32(m->payload)) & ~XVIOS_API_EVENT_ALL)) {
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_BAD_PACKET, m->hdr.txid, d->self_node, 0, NULL, 0);
        return;
    }
    c->event_mask = mask;
    viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_OK, m->hdr.txid, d->self_node, 0, NULL, 0);
    viod_user_release(d);   /* USER messages held for the first subscriber */
}

/* One more malformed packet from c; the XVD_MAX_BAD_PACKETS-th disconnects it. */
static void bad_packet(struct xviosd *d, struct caller *c)
{
    d->c.api_rx_bad++;
    if (++c->bad_packets >= XVD_MAX_BAD_PACKETS && !c->dead) {
        XLOG_WARN("caller %u: too many malformed packets, disconnecting", c->id);
        d->c.callers_dropped++;
        c->dead = true;
    }
}

static void on_packet(struct xviosd *d, struct caller *c, const uint8_t *untrusted, size_t untrusted_len)
{
    struct xvios_msg m;
    int rc = xvios_msg_decode_on(XVIOS_CH_CALLER_TO_DAEMON, untrusted, untrusted_len, &m);

    if (rc == XVIOS_WIRE_ECHANNEL) {
        XLOG_WARN("caller %u sent %s, which callers may not send", c->id, xvios_opcode_name(m.hdr.opcode));
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_BAD_PACKET, m.hdr.txid, d->self_node, 0, NULL, 0);
        bad_packet(d, c);
        return;
    }
    if (rc != XVIOS_WIRE_OK) {
        XLOG_WARN("caller %u sent a malformed packet (%zu bytes): %s", c->id, untrusted_len, xvios_wire_strerror(rc));
        bad_packet(d, c);
        return;
    }
    if (m.hdr.opcode == XVIOS_OP_API_HELLO) {
        on_hello(d, c, &m);
        return;
    }
    if (!c->hello || m.hdr.txid == 0 || m.hdr.status != XVIOS_ST_OK) {
        /* well-formed but out of place: refused, not counted toward the disconnect (the HELLO deadline
         * bounds a caller that never says HELLO) */
        d->c.api_rx_bad++;
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_BAD_PACKET, m.hdr.txid, d->self_node, 0, NULL, 0);
        return;
    }
    switch (m.hdr.opcode) {
    case XVIOS_OP_API_SEND:
        on_send(d, c, &m);
        break;
    case XVIOS_OP_API_QUERY:
        on_query(d, c, &m);
        break;
    case XVIOS_OP_API_SUBSCRIBE:
        on_subscribe(d, c, &m);
        break;
    case XVIOS_OP_API_VIO:
        viod_vio_on_request(d, c, &m);
        break;
    case XVIOS_OP_API_AGENT:
        viod_agent_on_register(d, c, &m);
        break;
    case XVIOS_OP_API_AGENT_ANSWER:
        viod_agent_on_answer(d, c, &m);
        break;
    default:   /* xvios_msg_decode_on refused every other opcode */
        break;
    }
}

void viod_api_on_readable(struct xviosd *d, struct caller *c)
{
    for (int budget = 64; budget > 0 && !c->dead; budget--) {
        size_t untrusted_len = 0;

        if (c->link) {
            int rc = xvios_link_recv(c->link, d->rx, XVIOS_MAX_MSG, &untrusted_len);
            if (rc == -EAGAIN || rc == -ENOTCONN)
                return;
            if (rc == -EMSGSIZE) {
                d->c.api_rx_bad++;
                XLOG_WARN("the management console sent an oversized packet");
                continue;
            }
            if (rc < 0 && rc != -EBADMSG) {   /* an empty datagram goes on as a malformed packet */
                XLOG_INFO("management console left (%s)", strerror(-rc));
                c->dead = true;
                return;
            }
        } else {
            int rc = xvios_unix_recv(c->fd, d->rx, XVIOS_MAX_MSG, &untrusted_len);
            if (rc == -EAGAIN)
                return;
            if (rc == -EMSGSIZE) {
                XLOG_WARN("caller %u sent an oversized packet (%zu bytes)", c->id, untrusted_len);
                bad_packet(d, c);
                continue;
            }
            if (rc < 0 && rc != -EBADMSG) {   /* an empty datagram goes on as a malformed packet */
                c->dead = true;
                return;
            }
        }
        on_packet(d, c, d->rx, untrusted_len);
    }
}

/* ---------------------------------------------------------------- management link */
void viod_api_mgmt_tick(struct xviosd *d, struct timespec now)
{
    enum xvios_link_state st;

    if (!d->mgmt) {
        struct xvios_link_peer peer = { .self_node = d->self_node, .peer_node = 0,
                                        .self_domid = d->self_domid, .peer_domid = 0 };
        int rc;
        if (xvios_ts_cmp(d->mgmt_retry_at, now) > 0)
            return;
        rc = xvios_link_open(d->plat, &peer, &d->mgmt);
        if (rc < 0) {
            if (!d->mgmt_failed_logged)
                XLOG_WARN("cannot serve the management link: %s (retrying)", strerror(-rc));
            d->mgmt_failed_logged = true;
            d->mgmt_retry_at = xvios_deadline_ms(5000);
            return;
        }
        d->mgmt_failed_logged = false;
    }
    st = xvios_link_progress(d->mgmt);
    if (st == XVIOS_LINK_DEAD) {
        if (d->mgmt_caller >= 0) {
            d->callers[d->mgmt_caller].dead = true;   /* caller_close() closes the link */
        } else {
            xvios_link_close(d->mgmt);
            d->mgmt = NULL;
            d->mgmt_retry_at = xvios_deadline_ms(MGMT_RETRY_MS);
        }
        return;
    }
    if (st == XVIOS_LINK_UP && d->mgmt_caller < 0) {
        struct caller *c = caller_new(d, -1, d->mgmt);
        if (!c) {
            XLOG_WARN("no caller slot for the management console");
            xvios_link_close(d->mgmt);
            d->mgmt = NULL;
            d->mgmt_retry_at = xvios_deadline_ms(MGMT_RETRY_MS);
            return;
        }
        snprintf(c->name, sizeof(c->name), "management-console");
        d->mgmt_caller = (int)(c - d->callers);
        XLOG_INFO("management console connected (caller %u)", c->id);
    }
}
