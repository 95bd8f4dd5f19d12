/* SPDX-License-Identifier: MIT */
/*
 * vke_local_out.c - the way out to the local socket's connections: a
 * SEND_RESULT or reply to the connection that asked (never waited for: what
 * a connection does not take is kept in its bounded queue, and a connection
 * whose queue is full is dropped, logged and counted), and
 * inbound cluster traffic and link events for the daemon, held in a bounded
 * queue while no daemon is attached or it is busy. The send and receive
 * paths call this; it calls no other part of the VKE.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"

struct vke_conn *vke_local_conn(struct xvios_vke *v, uint32_t id)
{
    for (unsigned i = 0; i < VKE_MAX_CONNS; i++)
        if (v->conns[i].fd >= 0 && v->conns[i].id == id)
            return &v->conns[i];
    return NULL;
}

void vke_local_close(struct xvios_vke *v, struct vke_conn *c)
{
    if (c->is_daemon) {
        XLOG_INFO("daemon detached");
        v->daemon_conn_id = 0;
    }
    close(c->fd);
    c->fd = -1;
    c->is_daemon = false;
    c->bad_packets = 0;
    xvios_pktq_dispose(&c->outq);
}

bool vke_local_has_sends(const struct xvios_vke *v, uint32_t conn_id)
{
    for (unsigned i = 0; i < v->max_sends; i++)
        if (v->sends[i].used && !v->sends[i].who.cb && v->sends[i].who.conn_id == conn_id)
            return true;
    return false;
}

/* One packet onto the socket: 1 sent, 0 would block, -1 the connection failed (closed). */
static int put(struct xvios_vke *v, struct vke_conn *c, const void *buf, size_t len)
{
    for (;;) {
        ssize_t n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == (ssize_t)len)
            return 1;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        XLOG_WARN("local connection %u: %s: closed", c->id, n < 0 ? strerror(errno) : "short send");
        vke_local_close(v, c);
        return -1;
    }
}

void vke_local_flush(struct xvios_vke *v, struct vke_conn *c)
{
    const struct xvios_pkt *p;

    while (c->fd >= 0 && (p = xvios_pktq_peek(&c->outq))) {
        if (put(v, c, p->data, p->len) <= 0)
            return;
        xvios_pktq_drop(&c->outq);
    }
}

bool vke_local_send(struct xvios_vke *v, uint32_t conn_id, const void *buf, size_t len)
{
    struct vke_conn *c = vke_local_conn(v, conn_id);
    int rc;

    if (!c)
        return false;
    vke_local_flush(v, c);
    if (c->fd < 0)
        return false;
    if (!c->outq.head) {
        rc = put(v, c, buf, len);
        if (rc != 0)
            return rc > 0;
    }
    if (xvios_pktq_push(&c->outq, buf, len, 0, (struct timespec){ 0 }) < 0) {
        v->st.local_dropped++;
        XLOG_WARN("local connection %u%s does not read (%u packets, %zu bytes queued): dropped", c->id,
                  c->is_daemon ? " (the daemon)" : "", c->outq.n, c->outq.bytes);
        vke_local_close(v, c);
        return false;
    }
    return true;
}

void vke_local_flush_up(struct xvios_vke *v)
{
    struct vke_conn *c = v->daemon_conn_id ? vke_local_conn(v, v->daemon_conn_id) : NULL;

    if (c)
        vke_local_flush(v, c);   /* what it was answered first goes first */
    while (c && c->fd >= 0 && !c->outq.head && v->upq.head) {
        struct xvios_pkt *p = xvios_pktq_peek(&v->upq);
        ssize_t n = send(c->fd, p->data, p->len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN)
            return; /* the daemon is busy; the queue holds it */
        if (n < 0) {
            XLOG_WARN("daemon connection failed: %s", strerror(errno));
            vke_local_close(v, c);
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
