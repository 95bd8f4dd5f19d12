/* SPDX-License-Identifier: MIT */
/*
 * vke_local.c - the way in from the daemon -> VKE local socket (the patent's
 * system call interface): RUNDIR/vke.sock, SOCK_SEQPACKET, one VIOD packet
 * per datagram. Only root and the backend's own user may connect
 * (SO_PEERCRED). The connection that sends VKE_HELLO is the daemon. Requests
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
            vke_local_close(v, c);
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
