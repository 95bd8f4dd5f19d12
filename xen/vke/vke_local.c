/* SPDX-License-Identifier: MIT */
/*
 * vke_local.c - the daemon -> VKE local socket (the patent's system call
 * interface): RUNDIR/vke.sock, SOCK_SEQPACKET, one VIOD packet per datagram.
 * Only root and the backend's own user may connect (SO_PEERCRED). The
 * connection that sends VKE_HELLO is the daemon: inbound cluster traffic
 * goes to it, held in a bounded queue while no daemon is attached.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/paths.h"
#include "xvios/unixsock.h"

#define RESULT_SEND_WAIT_MS 200 /* a result the daemon does not take within this is dropped (logged) */

int vke_local_listen(struct xvios_vke *v, const char *rundir)
{
    int rc;

    rc = xvios_mkdir_p(rundir, 0700);
    if (rc < 0)
        return rc;
    rc = xvios_run_path(v->sock_path, sizeof(v->sock_path), rundir, XVIOS_VKE_SOCK);
    if (rc < 0)
        return -ENAMETOOLONG;
    return xvios_unix_listen(v->sock_path, 0600, 8, &v->listen_fd);
}

static struct vke_conn *conn_by_id(struct xvios_vke *v, uint32_t id)
{
    for (unsigned i = 0; i < VKE_MAX_CONNS; i++)
        if (v->conns[i].fd >= 0 && v->conns[i].id == id)
            return &v->conns[i];
    return NULL;
}

static void conn_close(struct xvios_vke *v, struct vke_conn *c)
{
    if (c->is_daemon) {
        XLOG_INFO("daemon detached");
        v->daemon_conn_id = 0;
    }
    close(c->fd);
    c->fd = -1;
    c->is_daemon = false;
}

void vke_local_accept(struct xvios_vke *v)
{
    struct ucred cred;
    struct vke_conn *slot = NULL;
    int fd, rc = xvios_unix_accept(v->listen_fd, true, &fd, &cred);

    if (rc == -EACCES)
        XLOG_WARN("refused a local connection from uid %d", (int)cred.uid);
    if (rc < 0)
        return;
    for (unsigned i = 0; i < VKE_MAX_CONNS && !slot; i++)
        if (v->conns[i].fd < 0)
            slot = &v->conns[i];
    if (!slot) {
        XLOG_WARN("refused a local connection from pid %d: %d connections already", (int)cred.pid, VKE_MAX_CONNS);
        close(fd);
        return;
    }
    slot->fd = fd;
    slot->is_daemon = false;
    if (++v->next_conn_id == 0) /* 0 means "no connection": skip it when the counter wraps */
        ++v->next_conn_id;
    slot->id = v->next_conn_id;
    XLOG_DEBUG("local connection %u from pid %d", slot->id, (int)cred.pid);
}

bool vke_local_send(struct xvios_vke *v, uint32_t conn_id, const void *buf, size_t len)
{
    struct vke_conn *c = conn_by_id(v, conn_id);
    struct timespec deadline = xvios_deadline_ms(RESULT_SEND_WAIT_MS);

    if (!c)
        return false;
    for (;;) {
        ssize_t n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == (ssize_t)len)
            return true;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN && !xvios_ts_passed(&deadline)) {
            struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
            poll(&pfd, 1, xvios_poll_timeout(&deadline, RESULT_SEND_WAIT_MS));
            continue;
        }
        XLOG_WARN("local connection %u: cannot deliver %zu bytes: %s", conn_id, len,
                  n < 0 ? strerror(errno) : "short send");
        if (n < 0 && errno != EAGAIN)
            conn_close(v, c);
        return false;
    }
}

/* Answer a request with its header copied back, a status, and an optional payload. */
static void reply(struct xvios_vke *v, struct vke_conn *c, const struct xvios_msg *req, uint16_t opcode,
                  enum xvios_status st, const void *payload, uint32_t plen)
{
    struct xvios_msg m = *req;
    size_t len = 0;

    m.hdr.opcode = opcode;
    m.hdr.status = st;
    m.hdr.payload_len = plen;
    m.payload = payload;
    if (xvios_msg_encode(&m, v->encbuf, XVIOS_MAX_MSG, &len) != XVIOS_WIRE_OK) {
        XLOG_ERR("cannot encode a reply (opcode %#x)", opcode);
        return;
    }
    vke_local_send(v, c->id, v->encbuf, len);
}

static void handle_hello(struct xvios_vke *v, struct vke_conn *c, const struct xvios_msg *req)
{
    char info[64];
    struct xvios_msg m = *req;
    int n;

    if (v->daemon_conn_id && v->daemon_conn_id != c->id && conn_by_id(v, v->daemon_conn_id)) {
        XLOG_WARN("a second daemon tried to attach (connection %u)", c->id);
        reply(v, c, req, XVIOS_OP_VKE_HELLO, XVIOS_ST_TRY_AGAIN, NULL, 0);
        return;
    }
    c->is_daemon = true;
    v->daemon_conn_id = c->id;
    XLOG_INFO("daemon attached (connection %u); %u inbound packets waiting", c->id, v->upq.n);
    m.sub.src_node = v->members.self;
    n = snprintf(info, sizeof(info), "node=%u\ndomid=%u\n", v->members.self, v->self_domid);
    reply(v, c, &m, XVIOS_OP_VKE_HELLO, v->members.self ? XVIOS_ST_OK : XVIOS_ST_NOT_MEMBER, info,
          (uint32_t)n);
    vke_local_flush_up(v);
}

static void handle_stats(struct xvios_vke *v, struct vke_conn *c, const struct xvios_msg *req)
{
    char text[2048];
    size_t n = xvios_vke_format_stats(v, text, sizeof(text));

    reply(v, c, req, XVIOS_OP_VKE_STATS, XVIOS_ST_OK, text, (uint32_t)n);
}

void vke_local_read(struct xvios_vke *v, struct vke_conn *c)
{
    for (unsigned k = 0; k < 32 && c->fd >= 0; k++) {
        struct xvios_msg req;
        size_t n = 0;
        int err, rc = xvios_msg_recv(c->fd, XVIOS_CH_DAEMON_TO_VKE, v->iobuf, &req, &n, &err);

        if (rc == 0)
            return;
        if (rc < 0 && rc != -EBADMSG) {
            conn_close(v, c);
            return;
        }
        if (err == XVIOS_WIRE_EOVERSIZE && n > XVIOS_MAX_MSG) {
            v->st.local_malformed++;
            XLOG_WARN("local connection %u: %zu-byte packet exceeds the maximum %u: dropped", c->id, n,
                      XVIOS_MAX_MSG);
            continue;
        }
        if (err == XVIOS_WIRE_ECHANNEL) {
            v->st.local_malformed++;
            XLOG_WARN("local connection %u: opcode %s is not accepted here", c->id,
                      xvios_opcode_name(req.hdr.opcode));
            req.payload = NULL;
            req.hdr.payload_len = 0;
            reply(v, c, &req, XVIOS_OP_SEND_RESULT, XVIOS_ST_BAD_PACKET, NULL, 0);
            continue;
        }
        if (err != XVIOS_WIRE_OK) {
            struct xvios_msg bad;
            memset(&bad, 0, sizeof(bad));
            v->st.local_malformed++;
            XLOG_WARN("local connection %u: malformed packet: %s", c->id, xvios_wire_strerror(err));
            reply(v, c, &bad, XVIOS_OP_SEND_RESULT, XVIOS_ST_BAD_PACKET, NULL, 0);
            continue;
        }
        switch (req.hdr.opcode) {
        case XVIOS_OP_VKE_HELLO:
            handle_hello(v, c, &req);
            break;
        case XVIOS_OP_VKE_STATS:
            handle_stats(v, c, &req);
            break;
        case XVIOS_OP_CLUSTER_SEND:
        case XVIOS_OP_CLUSTER_RESPONSE:
            vke_send_request(v, &(struct vke_requester){ .conn_id = c->id }, &req);
            break;
        default:   /* xvios_msg_decode_on refused every other opcode */
            break;
        }
    }
}

void vke_local_flush_up(struct xvios_vke *v)
{
    struct vke_conn *c = v->daemon_conn_id ? conn_by_id(v, v->daemon_conn_id) : NULL;

    while (c && c->fd >= 0 && v->upq.head) {
        struct xvios_pkt *p = xvios_pktq_peek(&v->upq);
        ssize_t n = send(c->fd, p->data, p->len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN)
            return; /* the daemon is busy; the queue holds it */
        if (n < 0) {
            XLOG_WARN("daemon connection failed: %s", strerror(errno));
            conn_close(v, c);
            return;
        }
        xvios_pktq_drop(&v->upq);
        v->st.delivered_up++;
    }
}

bool vke_local_deliver_up(struct xvios_vke *v, const void *buf, size_t len)
{
    if (xvios_pktq_push(&v->upq, buf, len, 0, xvios_now()) < 0)
        return false;
    vke_local_flush_up(v);
    return true;
}

void vke_local_event(struct xvios_vke *v, enum xvios_event ev, uint32_t node)
{
    struct xvios_msg m;
    size_t len = 0;

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_VKE_EVENT;
    m.sub.msg_type = ev;
    m.sub.src_node = node;
    if (xvios_msg_encode(&m, v->encbuf, XVIOS_MAX_MSG, &len) != XVIOS_WIRE_OK)
        return;
    if (!vke_local_deliver_up(v, v->encbuf, len)) {
        v->st.up_queue_full++;
        XLOG_WARN("event %u for node %u lost: the daemon queue is full", ev, node);
    }
}

void vke_local_dispose(struct xvios_vke *v)
{
    for (unsigned i = 0; i < VKE_MAX_CONNS; i++)
        if (v->conns[i].fd >= 0)
            conn_close(v, &v->conns[i]);
    if (v->listen_fd >= 0) {
        close(v->listen_fd);
        unlink(v->sock_path);
        v->listen_fd = -1;
    }
    xvios_pktq_dispose(&v->upq);
}
