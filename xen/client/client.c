/* SPDX-License-Identifier: MIT */
/*
 * client.c - a caller API connection to a node's daemon: over the node's
 * api.sock (SOCK_SEQPACKET), or over dom0's management link to the node
 * (platform.h, peer_node 0). HELLO on open; packets the caller is not
 * waiting for right now are kept in a bounded queue for xvios_client_recv().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xvios/client.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/log.h"
#include "xvios/paths.h"
#include "xvios/platform.h"
#include "xvios/unixsock.h"

#define CLIENT_PENDING_MAX 4096u
#define CLIENT_RESP_MAX    (2u * XVIOS_MAX_NODES)

struct pending {
    struct pending *next;
    struct xvios_api_msg m;
};

struct xvios_client {
    int fd;                      /* api.sock, or -1 */
    xvios_plat *plat;            /* management link: the platform and the link */
    xvios_link *link;
    enum xvios_origin origin;
    uint32_t caller_id, node;
    uint64_t next_handle;
    struct pending *head, *tail;
    unsigned n_pending;
    uint64_t dropped;
    uint8_t *buf;                /* XVIOS_MAX_MSG */
};

uint32_t xvios_client_caller_id(const xvios_client *c) { return c->caller_id; }
uint32_t xvios_client_node(const xvios_client *c) { return c->node; }
uint64_t xvios_client_dropped(const xvios_client *c) { return c->dropped; }

/* ---------------------------------------------------------------- transport */
static int xmit(xvios_client *c, const uint8_t *buf, size_t len, const struct timespec *deadline)
{
    if (c->link)
        return xvios_link_send(c->link, buf, len, deadline);
    for (;;) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == (ssize_t)len)
            return 0;
        if (n >= 0)
            return -EMSGSIZE;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return errno == ECONNRESET ? -EPIPE : -errno;
        struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
        if (xvios_ts_passed(deadline))
            return -ETIMEDOUT;
        if (poll(&pfd, 1, xvios_poll_timeout(deadline, 1000)) < 0 && errno != EINTR)
            return -errno;
    }
}

/* One raw packet: 0 and *len; -ETIMEDOUT; -EPIPE. */
static int rcv_raw(xvios_client *c, size_t *len, const struct timespec *deadline)
{
    for (;;) {
        struct pollfd pfd = { .fd = -1, .events = POLLIN };
        if (c->link) {
            enum xvios_link_state st = xvios_link_progress(c->link);
            int r;
            if (st == XVIOS_LINK_DEAD)
                return -EPIPE;
            r = xvios_link_recv(c->link, c->buf, XVIOS_MAX_MSG, len);
            if (r == 0)
                return 0;
            if (r == -EBADMSG) {
                *len = 0;
                return 0;   /* an empty datagram goes on as a malformed packet */
            }
            if (r == -EMSGSIZE) {
                XLOG_WARN("dropped an oversized packet from the daemon's link");
                continue;
            }
            if (r != -EAGAIN && r != -ENOTCONN)
                return -EPIPE;
            pfd.fd = xvios_link_fd(c->link);
        } else {
            int r = xvios_unix_recv(c->fd, c->buf, XVIOS_MAX_MSG, len);
            if (r == 0 || r == -EBADMSG)
                return 0;   /* an empty datagram goes on as a malformed packet */
            if (r == -EMSGSIZE) {
                XLOG_WARN("dropped an oversized packet (%zu bytes) from the daemon", *len);
                continue;
            }
            if (r != -EAGAIN)
                return -EPIPE;
            pfd.fd = c->fd;
        }
        if (xvios_ts_passed(deadline))
            return -ETIMEDOUT;
        /* a link without an fd is progressed on a short timer */
        if (poll(&pfd, pfd.fd >= 0 ? 1 : 0, xvios_poll_timeout(deadline, pfd.fd >= 0 ? 1000 : 10)) < 0 &&
            errno != EINTR)
            return -errno;
    }
}

/* One parsed packet from the wire; malformed ones are logged, dropped and skipped. */
static int rcv_msg(xvios_client *c, struct xvios_api_msg *m, const struct timespec *deadline)
{
    for (;;) {
        size_t untrusted_len = 0;
        int r = rcv_raw(c, &untrusted_len, deadline);
        if (r < 0)
            return r;
        r = xvios_api_parse(c->buf, untrusted_len, m);
        if (r == 0)
            return 0;
        if (r == -ENOMEM)
            return r;
        XLOG_WARN("dropped a malformed packet from the daemon of node %u (%zu bytes): %s", c->node,
                  untrusted_len, strerror(-r));
    }
}

static void pending_push(xvios_client *c, struct xvios_api_msg *m)
{
    struct pending *p;

    if (c->n_pending >= CLIENT_PENDING_MAX || !(p = calloc(1, sizeof(*p)))) {
        c->dropped++;
        xvios_api_msg_dispose(m);
        return;
    }
    p->m = *m;
    memset(m, 0, sizeof(*m));
    if (c->tail)
        c->tail->next = p;
    else
        c->head = p;
    c->tail = p;
    c->n_pending++;
}

/* Take the first pending packet matching (handle, any when match_any). */
static bool pending_take(xvios_client *c, bool match_any, uint64_t handle, struct xvios_api_msg *m)
{
    struct pending **pp = &c->head, *prev = NULL;

    for (; *pp; prev = *pp, pp = &(*pp)->next) {
        struct pending *p = *pp;
        if (!match_any && (p->m.handle != handle || p->m.opcode == XVIOS_OP_API_EVENT))
            continue;
        *pp = p->next;
        if (c->tail == p)
            c->tail = prev;
        *m = p->m;
        free(p);
        c->n_pending--;
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------- open/close */
/* The daemon may still be starting, or its backlog full: retried until the deadline, never blocked on. */
static int open_socket(xvios_client *c, const char *path, const struct timespec *deadline)
{
    return xvios_unix_connect(path, deadline, false, &c->fd);
}

static int open_link(xvios_client *c, const struct xvios_client_config *cfg, const struct timespec *deadline)
{
    struct xvios_plat_config pc = { .kind = cfg->platform, .root = cfg->root, .self_domid = 0 };
    struct xvios_db_node dn;
    struct xvios_link_peer peer;
    int rc;

    rc = xvios_plat_open(&pc, &c->plat);
    if (rc < 0)
        return rc;
    rc = xvios_db_node_get(c->plat, cfg->via, &dn);
    if (rc < 0)
        return rc;
    peer = (struct xvios_link_peer){ .self_node = 0, .peer_node = cfg->via, .self_domid = 0,
                                     .peer_domid = dn.domid };
    rc = xvios_link_open(c->plat, &peer, &c->link);
    if (rc < 0)
        return rc;
    for (;;) {
        enum xvios_link_state st = xvios_link_progress(c->link);
        if (st == XVIOS_LINK_UP)
            return 0;
        if (st == XVIOS_LINK_DEAD)
            return -ECONNREFUSED;
        if (xvios_ts_passed(deadline))
            return -ETIMEDOUT;
        struct pollfd pfd = { .fd = xvios_link_fd(c->link), .events = POLLIN };
        poll(&pfd, pfd.fd >= 0 ? 1 : 0, xvios_poll_timeout(deadline, 10));
    }
}

void xvios_client_close(xvios_client *c)
{
    struct xvios_api_msg m;

    if (!c)
        return;
    while (pending_take(c, true, 0, &m))
        xvios_api_msg_dispose(&m);
    if (c->fd >= 0)
        close(c->fd);
    xvios_link_close(c->link);
    xvios_plat_close(c->plat);
    free(c->buf);
    free(c);
}

int xvios_client_open(const struct xvios_client_config *cfg, xvios_client **out)
{
    xvios_client *c = NULL;
    struct timespec deadline;
    struct xvios_api_msg m = {0};
    size_t len;
    int rc;

    *out = NULL;
    if (!cfg || (cfg->origin != XVIOS_ORIGIN_CLI && cfg->origin != XVIOS_ORIGIN_API))
        return -EINVAL;
    deadline = xvios_deadline_ms(cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 5000);
    c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->fd = -1;
    c->origin = cfg->origin;
    c->next_handle = 1;
    c->buf = malloc(XVIOS_MAX_MSG);
    if (!c->buf) {
        rc = -ENOMEM;
        goto out;
    }

    if (cfg->via) {
        rc = open_link(c, cfg, &deadline);
    } else {
        char rundir[128], path[128];
        if (cfg->socket_path) {
            rc = snprintf(path, sizeof(path), "%s", cfg->socket_path) >= (int)sizeof(path) ? -ENAMETOOLONG : 0;
        } else {
            rc = xvios_rundir(rundir, sizeof(rundir), cfg->platform, cfg->root, cfg->node);
            if (rc == 0)
                rc = xvios_run_path(path, sizeof(path), rundir, XVIOS_API_SOCK);
        }
        if (rc == 0)
            rc = open_socket(c, path, &deadline);
    }
    if (rc < 0)
        goto out;

    rc = xvios_api_build_hello(cfg->origin, cfg->name, c->buf, XVIOS_MAX_MSG, &len);
    if (rc < 0)
        goto out;
    rc = xmit(c, c->buf, len, &deadline);
    if (rc < 0)
        goto out;
    for (;;) {
        rc = rcv_msg(c, &m, &deadline);
        if (rc < 0)
            goto out;
        if (m.opcode == XVIOS_OP_API_HELLO)
            break;
        xvios_api_msg_dispose(&m);   /* nothing else can be addressed to us yet */
    }
    if (m.status != XVIOS_ST_OK || m.originator == 0) {
        rc = m.status == XVIOS_ST_TRY_AGAIN ? -EAGAIN : -ECONNREFUSED;
        goto out;
    }
    c->caller_id = m.originator;
    c->node = m.node;
    rc = 0;
out:
    xvios_api_msg_dispose(&m);
    if (rc < 0) {
        xvios_client_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* ---------------------------------------------------------------- requests */
static int request(xvios_client *c, int (*fill)(xvios_client *, uint64_t, size_t *, const void *),
                   const void *arg, uint64_t *handle)
{
    struct timespec dl = xvios_deadline_ms(5000);
    uint64_t h = c->next_handle++;
    size_t len;
    int rc = fill(c, h, &len, arg);

    if (rc < 0)
        return rc;
    rc = xmit(c, c->buf, len, &dl);
    if (rc < 0)
        return rc;
    if (handle)
        *handle = h;
    return 0;
}

static int fill_send(xvios_client *c, uint64_t h, size_t *len, const void *arg)
{
    return xvios_api_build_send(arg, c->origin, h, c->buf, XVIOS_MAX_MSG, len);
}

int xvios_client_send(xvios_client *c, const struct xvios_api_send *s, uint64_t *handle)
{
    return request(c, fill_send, s, handle);
}

struct query_arg { uint32_t type; const void *p; size_t len; uint32_t timeout_ms; };

static int fill_query(xvios_client *c, uint64_t h, size_t *len, const void *arg)
{
    const struct query_arg *q = arg;
    return xvios_api_build_query(q->type, q->p, q->len, q->timeout_ms, c->origin, h, c->buf, XVIOS_MAX_MSG, len);
}

int xvios_client_query(xvios_client *c, uint32_t msg_type, const void *payload, size_t plen,
                       uint32_t timeout_ms, uint64_t *handle)
{
    struct query_arg q = { msg_type, payload, plen, timeout_ms };
    return request(c, fill_query, &q, handle);
}

struct vio_arg { const char *xml; size_t len; };

static int fill_vio(xvios_client *c, uint64_t h, size_t *len, const void *arg)
{
    const struct vio_arg *v = arg;
    return xvios_api_build_vio(v->xml, v->len, c->origin, h, c->buf, XVIOS_MAX_MSG, len);
}

int xvios_client_vio(xvios_client *c, const char *xml, size_t len, uint64_t *handle)
{
    struct vio_arg v = { xml, len };
    return request(c, fill_vio, &v, handle);
}

static int fill_sub(xvios_client *c, uint64_t h, size_t *len, const void *arg)
{
    return xvios_api_build_subscribe(*(const uint32_t *)arg, c->origin, h, c->buf, XVIOS_MAX_MSG, len);
}

int xvios_client_subscribe(xvios_client *c, uint32_t mask, const struct timespec *deadline)
{
    struct xvios_client_outcome o;
    uint64_t h;
    int rc = request(c, fill_sub, &mask, &h);

    if (rc < 0)
        return rc;
    rc = xvios_client_collect(c, h, deadline, &o);
    if (rc == 0 && o.status != XVIOS_ST_OK)
        rc = -EINVAL;
    xvios_client_outcome_dispose(&o);
    return rc;
}

static int fill_agent(xvios_client *c, uint64_t h, size_t *len, const void *arg)
{
    return xvios_api_build_agent(arg, c->origin, h, c->buf, XVIOS_MAX_MSG, len);
}

int xvios_client_agent_register(xvios_client *c, const char *allow, const struct timespec *deadline)
{
    struct xvios_client_outcome o;
    uint64_t h;
    int rc = request(c, fill_agent, allow, &h);

    if (rc < 0)
        return rc;
    rc = xvios_client_collect(c, h, deadline, &o);
    if (rc == 0 && o.status != XVIOS_ST_OK)
        rc = -EPERM;
    xvios_client_outcome_dispose(&o);
    return rc;
}

int xvios_client_agent_answer(xvios_client *c, uint64_t handle, const char *resp, size_t resp_len)
{
    struct timespec dl = xvios_deadline_ms(5000);
    size_t len;
    int rc = xvios_api_build_agent_answer(handle, resp, resp_len, c->origin, c->buf, XVIOS_MAX_MSG, &len);

    return rc < 0 ? rc : xmit(c, c->buf, len, &dl);
}

int xvios_client_recv(xvios_client *c, struct xvios_api_msg *m, const struct timespec *deadline)
{
    if (pending_take(c, true, 0, m))
        return 0;
    return rcv_msg(c, m, deadline);
}

void xvios_client_outcome_dispose(struct xvios_client_outcome *o)
{
    if (!o)
        return;
    for (unsigned i = 0; i < o->n_resp; i++)
        xvios_api_msg_dispose(&o->resp[i]);
    free(o->resp);
    free(o->rc);
    memset(o, 0, sizeof(*o));
}

/* Consume m into o; true when it was the API_RESULT. */
static bool absorb(struct xvios_client_outcome *o, struct xvios_api_msg *m)
{
    if (m->opcode == XVIOS_OP_API_RESULT) {
        o->status = m->status;
        o->rc = m->rc;
        o->n_rc = m->n_rc;
        m->rc = NULL;
        xvios_api_msg_dispose(m);
        return true;
    }
    if (m->opcode == XVIOS_OP_API_RESPONSE && o->n_resp < CLIENT_RESP_MAX)
        o->resp[o->n_resp++] = *m;
    else
        xvios_api_msg_dispose(m);
    memset(m, 0, sizeof(*m));
    return false;
}

int xvios_client_collect(xvios_client *c, uint64_t handle, const struct timespec *deadline,
                         struct xvios_client_outcome *out)
{
    struct xvios_api_msg m;
    int rc;

    memset(out, 0, sizeof(*out));
    out->status = XVIOS_ST_TIMED_OUT;
    out->resp = calloc(CLIENT_RESP_MAX, sizeof(*out->resp));
    if (!out->resp)
        return -ENOMEM;
    while (pending_take(c, false, handle, &m))
        if (absorb(out, &m))
            return 0;
    for (;;) {
        rc = rcv_msg(c, &m, deadline);
        if (rc < 0) {
            xvios_client_outcome_dispose(out); /* nothing half-collected is handed back */
            out->status = rc == -ETIMEDOUT ? XVIOS_ST_TIMED_OUT : XVIOS_ST_UNREACHABLE;
            return rc;
        }
        if (m.opcode != XVIOS_OP_API_EVENT && m.handle == handle) {
            if (absorb(out, &m))
                return 0;
        } else {
            pending_push(c, &m);
        }
    }
}

int xvios_client_send_wait(xvios_client *c, const struct xvios_api_send *s, const struct timespec *deadline,
                           struct xvios_client_outcome *out)
{
    uint64_t h;
    int rc = xvios_client_send(c, s, &h);

    if (rc < 0) {
        memset(out, 0, sizeof(*out));
        return rc;
    }
    return xvios_client_collect(c, h, deadline, out);
}
