/* SPDX-License-Identifier: MIT */
/*
 * vke_local.c - the way in from the daemon -> VKE local socket (the patent's
 * system call interface): RUNDIR/vke.sock, SOCK_SEQPACKET, one VIOD packet
 * per datagram. Only root and the backend's own user may connect
 * (SO_PEERCRED). The connection that sends VKE_HELLO is the daemon. Any
 * other connection is closed once it has been silent VKE_CONN_IDLE_MS with
 * nothing outstanding, and when every slot is taken a new connection takes
 * the slot of the longest-idle such one, so idle strangers never keep a
 * (restarted) daemon out. A connection that sends VKE_CONN_MAX_BAD malformed
 * packets is dropped. Requests
 * read here go to the send path; everything going back out to a connection
 * goes through vke_local_out.c, which nothing here is called back from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/kv.h"
#include "xvios/log.h"
#include "xvios/paths.h"
#include "xvios/unixsock.h"

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

/* A slot for a new connection: a free one, else that of the idle non-daemon connection idle longest. */
static struct vke_conn *take_slot(struct xvios_vke *v)
{
    struct vke_conn *victim = NULL;

    for (unsigned i = 0; i < VKE_MAX_CONNS; i++) {
        struct vke_conn *c = &v->conns[i];
        if (c->fd < 0)
            return c;
        if (c->is_daemon || c->outq.head || vke_local_has_sends(v, c->id))
            continue;
        if (!victim || xvios_ts_cmp(c->idle_deadline, victim->idle_deadline) < 0)
            victim = c;
    }
    if (victim) {
        uint64_t n = ++v->st.local_dropped;
        if ((n & (n - 1)) == 0)   /* a stream of strangers does not flood the log: the 1st, 2nd, 4th... */
            XLOG_WARN("local connection %u closed: its slot is needed (%d connections) and it is idle "
                      "(%llu local connections dropped so far)", victim->id, VKE_MAX_CONNS, (unsigned long long)n);
        vke_local_close(v, victim);
    }
    return victim;
}

void vke_local_accept(struct xvios_vke *v)
{
    for (unsigned k = 0; k < VKE_MAX_CONNS; k++) {
        struct ucred cred;
        struct vke_conn *slot;
        int fd, rc = xvios_unix_accept(v->listen_fd, true, &fd, &cred);

        if (rc == -EACCES)
            XLOG_WARN("refused a local connection from uid %d", (int)cred.uid);
        if (rc == -EAGAIN)
            return;
        if (rc < 0)
            continue;
        slot = take_slot(v);
        if (!slot) {
            XLOG_WARN("refused a local connection from pid %d: %d busy connections already", (int)cred.pid,
                      VKE_MAX_CONNS);
            close(fd);
            continue;
        }
        slot->fd = fd;
        slot->is_daemon = false;
        slot->bad_packets = 0;
        slot->idle_deadline = xvios_deadline_ms(VKE_CONN_IDLE_MS);
        xvios_pktq_init(&slot->outq, VKE_CONN_OUTQ_PKTS, VKE_CONN_OUTQ_BYTES);
        if (++v->next_conn_id == 0) /* 0 means "no connection": skip it when the counter wraps */
            ++v->next_conn_id;
        slot->id = v->next_conn_id;
        XLOG_DEBUG("local connection %u from pid %d", slot->id, (int)cred.pid);
    }
}

bool vke_local_expire(struct xvios_vke *v, bool close_idle, struct timespec *out)
{
    struct timespec now = xvios_now();
    bool any = false;

    for (unsigned i = 0; i < VKE_MAX_CONNS; i++) {
        struct vke_conn *c = &v->conns[i];
        if (c->fd < 0 || c->is_daemon)
            continue;
        if (c->outq.head || vke_local_has_sends(v, c->id)) {
            c->idle_deadline = xvios_ts_add_ms(now, VKE_CONN_IDLE_MS);   /* idle counts from when it is done */
        } else if (close_idle && xvios_ts_cmp(c->idle_deadline, now) <= 0) {
            v->st.local_dropped++;
            XLOG_WARN("local connection %u idle for %d ms: closed", c->id, VKE_CONN_IDLE_MS);
            vke_local_close(v, c);
            continue;
        }
        if (!any || xvios_ts_cmp(c->idle_deadline, *out) < 0)
            *out = c->idle_deadline;
        any = true;
    }
    return any;
}

/* A malformed packet: counted; false when the connection has sent too many and was dropped. */
static bool bad_packet(struct xvios_vke *v, struct vke_conn *c)
{
    v->st.local_malformed++;
    if (++c->bad_packets < VKE_CONN_MAX_BAD)
        return true;
    v->st.local_dropped++;
    XLOG_WARN("local connection %u: %u malformed packets: dropped", c->id, c->bad_packets);
    vke_local_close(v, c);
    return false;
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

    if (v->daemon_conn_id && v->daemon_conn_id != c->id && vke_local_conn(v, v->daemon_conn_id)) {
        XLOG_WARN("a second daemon tried to attach (connection %u)", c->id);
        reply(v, c, req, XVIOS_OP_VKE_HELLO, XVIOS_ST_TRY_AGAIN, NULL, 0);
        return;
    }
    c->is_daemon = true;
    v->daemon_conn_id = c->id;
    {
        /* "ack=1": this daemon acknowledges what it consumes (VKE_ACK), so a loss with it can be counted */
        char ack[4];
        v->daemon_acks = req->hdr.payload_len &&
                         xvios_kv_get((const char *)req->payload, req->hdr.payload_len, "ack", ack, sizeof(ack)) == 0 &&
                         strcmp(ack, "1") == 0;
        v->up_seq = 0;
        v->up_acked = 0;
    }
    XLOG_INFO("daemon attached (connection %u); %u inbound packets waiting", c->id, v->upq.n);
    m.sub.src_node = v->members.self;
    n = snprintf(info, sizeof(info), "node=%u\ndomid=%u\n", v->members.self, v->self_domid);
    reply(v, c, &m, XVIOS_OP_VKE_HELLO, v->members.self ? XVIOS_ST_OK : XVIOS_ST_NOT_MEMBER, info,
          (uint32_t)n);
    vke_local_flush_up(v);
}

static void handle_stats(struct xvios_vke *v, struct vke_conn *c, const struct xvios_msg *req)
{
    char text[4096];
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
            vke_local_close(v, c);
            return;
        }
        c->idle_deadline = xvios_deadline_ms(VKE_CONN_IDLE_MS);
        if (err != XVIOS_WIRE_OK && !bad_packet(v, c))
            return;
        if (err == XVIOS_WIRE_EOVERSIZE && n > XVIOS_MAX_MSG) {
            XLOG_WARN("local connection %u: %zu-byte packet exceeds the maximum %u: dropped", c->id, n,
                      XVIOS_MAX_MSG);
            continue;
        }
        if (err == XVIOS_WIRE_ECHANNEL) {
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
        case XVIOS_OP_VKE_ACK:
            if (!c->is_daemon || !v->daemon_acks || !vke_local_ack(v, req.hdr.txid)) {
                v->st.local_malformed++;
                XLOG_WARN("local connection %u: VKE_ACK %llu refused (%s)", c->id, (unsigned long long)req.hdr.txid,
                          !c->is_daemon || !v->daemon_acks ? "not an acknowledging daemon" : "out of range");
            }
            vke_local_flush_up(v);   /* room in the unacked ring again */
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

void vke_local_dispose(struct xvios_vke *v)
{
    /* the VKE stops: what it holds for the daemon goes with it, visibly; what it wrote and is not
     * acknowledged yet stays readable in the daemon's socket, so it is not reported lost */
    vke_local_drop_held(v, "lost: the VKE stopped before the daemon took it");
    v->unacked_n = 0;
    for (unsigned i = 0; i < VKE_MAX_CONNS; i++)
        if (v->conns[i].fd >= 0)
            vke_local_close(v, &v->conns[i]);
    if (v->listen_fd >= 0) {
        close(v->listen_fd);
        unlink(v->sock_path);
        v->listen_fd = -1;
    }
    xvios_pktq_dispose(&v->upq);
}
