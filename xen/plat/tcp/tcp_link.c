/* SPDX-License-Identifier: MIT */
/*
 * tcp_link.c - a node-to-node link over TCP and TLS 1.3 with the cluster key
 * as pre-shared key (xvios/tcplink.h). The only user of GnuTLS. Datagram
 * framing is tcp_frame.c's; this file moves bytes and keeps the state.
 *
 * Outgoing: xvios_tcp_link_send() appends a whole frame to a bounded buffer
 * (XVIOS_TCP_OUTBUF_MAX) or refuses it (-ETIMEDOUT when no room came by the
 * deadline), so a datagram is either entirely accepted or not at all; the
 * buffer is flushed there and at each progress call.
 * Incoming: decrypted bytes go to a buffer that holds the largest frame plus
 * one TLS record; GnuTLS may hold decrypted data the fd does not announce,
 * so every read takes all it has (until AGAIN or the buffer is full), and
 * recv looks at the buffer before the socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "tcp_frame.h"
#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/tcplink.h"

#define TCP_PRIORITY  "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-PSK:+DHE-PSK:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"
#define TCP_IDENT_FMT "xvios-node-%u"
#define TCP_RECORD    16384u
#define TCP_INBUF     (TCP_FRAME_HDR + XVIOS_LINK_MAX_DGRAM + TCP_RECORD)

_Static_assert(XVIOS_TCP_OUTBUF_MAX >= TCP_FRAME_HDR + XVIOS_LINK_MAX_DGRAM, "the largest frame fits the buffer");

enum phase { PH_CONNECT, PH_HANDSHAKE, PH_WAIT_ID, PH_UP, PH_DEAD };

struct xvios_tcp_listener {
    int fd;
    uint16_t port;
};

struct xvios_tcp_link {
    int fd;
    enum phase ph;
    bool server;
    bool again;                  /* a record send returned AGAIN: finish it with (NULL, 0) */
    bool tls_ready;
    uint32_t self, peer, want_peer;
    struct timespec hs_deadline;
    gnutls_session_t s;
    gnutls_psk_server_credentials_t scred;
    gnutls_psk_client_credentials_t ccred;
    struct xvios_tcp_key key;
    uint8_t *out;
    size_t out_len;
    uint8_t *in;
    size_t in_len;
};

static int parse_addr(const char *addr, uint16_t port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    return addr && inet_pton(AF_INET, addr, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

/* ---------------------------------------------------------------- listener */
int xvios_tcp_listen(const char *addr, uint16_t port, xvios_tcp_listener **out)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int rc, one = 1;
    if (!out || parse_addr(addr, port, &sa) != 0)
        return -EINVAL;
    struct xvios_tcp_listener *l = calloc(1, sizeof *l);
    if (!l)
        return -ENOMEM;
    l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (l->fd < 0) {
        rc = -errno;
        goto fail;
    }
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l->fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l->fd, 64) != 0 ||
        getsockname(l->fd, (struct sockaddr *)&sa, &sl) != 0) {
        rc = -errno;
        goto fail;
    }
    l->port = ntohs(sa.sin_port);
    *out = l;
    return 0;
fail:
    if (l->fd >= 0)
        close(l->fd);
    free(l);
    return rc;
}

void xvios_tcp_listener_close(xvios_tcp_listener *l)
{
    if (!l)
        return;
    close(l->fd);
    free(l);
}
int xvios_tcp_listener_fd(const xvios_tcp_listener *l) { return l->fd; }
uint16_t xvios_tcp_listener_port(const xvios_tcp_listener *l) { return l->port; }

/* ---------------------------------------------------------------- link setup */
static void link_free(struct xvios_tcp_link *t)
{
    if (t->tls_ready)
        gnutls_deinit(t->s);
    if (t->scred)
        gnutls_psk_free_server_credentials(t->scred);
    if (t->ccred)
        gnutls_psk_free_client_credentials(t->ccred);
    if (t->fd >= 0)
        close(t->fd);
    explicit_bzero(&t->key, sizeof t->key);
    free(t->out);
    free(t->in);
    free(t);
}

static struct xvios_tcp_link *link_new(const struct xvios_tcp_key *key, uint32_t self)
{
    struct xvios_tcp_link *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->fd = -1;
    t->self = self;
    t->key = *key;
    t->out = malloc(XVIOS_TCP_OUTBUF_MAX);
    t->in = malloc(TCP_INBUF);
    t->hs_deadline = xvios_deadline_ms(XVIOS_TCP_HANDSHAKE_MS);
    if (!t->out || !t->in) {
        link_free(t);
        return NULL;
    }
    return t;
}

/* The server's PSK lookup: any identity of the form xvios-node-<id> gets the cluster key. */
static int server_psk(gnutls_session_t s, const char *username, gnutls_datum_t *key)
{
    struct xvios_tcp_link *t = gnutls_session_get_ptr(s);
    uint32_t node = 0;
    if (!t || strncmp(username, "xvios-node-", 11) != 0 || xvios_parse_u32(username + 11, 1, UINT32_MAX, &node) != 0)
        return -1;
    key->data = gnutls_malloc(t->key.len);
    if (!key->data)
        return -1;
    memcpy(key->data, t->key.key, t->key.len);
    key->size = (unsigned)t->key.len;
    return 0;
}

static int tls_start(struct xvios_tcp_link *t)
{
    int e = gnutls_init(&t->s, (t->server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NONBLOCK);
    if (e < 0)
        return -EIO;
    t->tls_ready = true;
    gnutls_session_set_ptr(t->s, t);
    if (t->server) {
        if (gnutls_psk_allocate_server_credentials(&t->scred) < 0)
            return -ENOMEM;
        gnutls_psk_set_server_credentials_function(t->scred, server_psk);
        e = gnutls_credentials_set(t->s, GNUTLS_CRD_PSK, t->scred);
    } else {
        char ident[32];
        snprintf(ident, sizeof ident, TCP_IDENT_FMT, t->self);
        gnutls_datum_t k = { .data = t->key.key, .size = (unsigned)t->key.len };
        if (gnutls_psk_allocate_client_credentials(&t->ccred) < 0)
            return -ENOMEM;
        if (gnutls_psk_set_client_credentials(t->ccred, ident, &k, GNUTLS_PSK_KEY_RAW) < 0)
            return -EIO;
        e = gnutls_credentials_set(t->s, GNUTLS_CRD_PSK, t->ccred);
    }
    if (e < 0 || gnutls_priority_set_direct(t->s, TCP_PRIORITY, NULL) < 0)
        return -EIO;
    gnutls_transport_set_int(t->s, t->fd);
    t->ph = PH_HANDSHAKE;
    return 0;
}

int xvios_tcp_accept(xvios_tcp_listener *l, const struct xvios_tcp_key *key, uint32_t self_node,
                     xvios_tcp_link **out)
{
    if (!l || !key || key->len < XVIOS_TCP_KEY_MIN || key->len > XVIOS_TCP_KEY_MAX || !self_node || !out)
        return -EINVAL;
    int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    struct xvios_tcp_link *t = link_new(key, self_node);
    if (!t) {
        close(fd);
        return -ENOMEM;
    }
    t->fd = fd;
    t->server = true;
    int one = 1, rc;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if ((rc = tls_start(t)) < 0) {
        link_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int xvios_tcp_connect(const char *addr, uint16_t port, const struct xvios_tcp_key *key, uint32_t self_node,
                      uint32_t peer_node, xvios_tcp_link **out)
{
    struct sockaddr_in sa;
    int rc, one = 1;
    if (!key || key->len < XVIOS_TCP_KEY_MIN || key->len > XVIOS_TCP_KEY_MAX || !self_node || !peer_node ||
        !out || !port || parse_addr(addr, port, &sa) != 0)
        return -EINVAL;
    struct xvios_tcp_link *t = link_new(key, self_node);
    if (!t)
        return -ENOMEM;
    t->want_peer = peer_node;
    t->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (t->fd < 0) {
        rc = -errno;
        goto fail;
    }
    setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(t->fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
        rc = -errno;
        goto fail;
    }
    t->ph = PH_CONNECT;
    *out = t;
    return 0;
fail:
    link_free(t);
    return rc;
}

void xvios_tcp_link_close(xvios_tcp_link *t)
{
    if (!t)
        return;
    if (t->tls_ready && t->ph == PH_UP)
        gnutls_bye(t->s, GNUTLS_SHUT_WR); /* non-blocking: best effort */
    link_free(t);
}

/* ---------------------------------------------------------------- bytes */
static void die(struct xvios_tcp_link *t, const char *why)
{
    if (t->ph != PH_DEAD)
        XLOG_INFO("tcp link %u<->%u: %s", t->self, t->peer ? t->peer : t->want_peer, why);
    /* the peer hears it at once (EOF), not at its own handshake deadline */
    if (t->ph != PH_DEAD && t->fd >= 0)
        shutdown(t->fd, SHUT_RDWR);
    t->ph = PH_DEAD;
}

/* Push buffered output: 0 (possibly some left), -EPIPE dead. */
static int flush(struct xvios_tcp_link *t)
{
    while (t->out_len > 0) {
        size_t chunk = t->out_len < TCP_RECORD ? t->out_len : TCP_RECORD;
        ssize_t r = t->again ? gnutls_record_send(t->s, NULL, 0) : gnutls_record_send(t->s, t->out, chunk);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
            t->again = true;
            return 0;
        }
        t->again = false;
        if (r <= 0) {
            die(t, gnutls_strerror((int)r));
            return -EPIPE;
        }
        memmove(t->out, t->out + r, t->out_len - (size_t)r);
        t->out_len -= (size_t)r;
    }
    return 0;
}

/* Read what TLS has into the input buffer: 0, or -EPIPE (peer gone / error). */
static int fill(struct xvios_tcp_link *t)
{
    while (t->in_len < TCP_INBUF) {
        ssize_t r = gnutls_record_recv(t->s, t->in + t->in_len, TCP_INBUF - t->in_len);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
            return 0;
        if (r == 0) {
            die(t, "peer closed");
            return -EPIPE;
        }
        if (r < 0) {
            die(t, gnutls_strerror((int)r));
            return -EPIPE;
        }
        t->in_len += (size_t)r;
    }
    return 0;
}

static int queue_frame(struct xvios_tcp_link *t, const void *buf, size_t len)
{
    if (XVIOS_TCP_OUTBUF_MAX - t->out_len < TCP_FRAME_HDR + len)
        return -ENOSPC;
    tcp_frame_put_len(t->out + t->out_len, (uint32_t)len);
    memcpy(t->out + t->out_len + TCP_FRAME_HDR, buf, len);
    t->out_len += TCP_FRAME_HDR + len;
    return 0;
}

static void consume(struct xvios_tcp_link *t, size_t used)
{
    memmove(t->in, t->in + used, t->in_len - used);
    t->in_len -= used;
}

/* ---------------------------------------------------------------- progress */
static void step_connect(struct xvios_tcp_link *t)
{
    struct pollfd p = { .fd = t->fd, .events = POLLOUT };
    if (poll(&p, 1, 0) <= 0)
        return;
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
        die(t, err ? strerror(err) : "connect failed");
        return;
    }
    if (tls_start(t) < 0)
        die(t, "TLS setup failed");
}

static void step_handshake(struct xvios_tcp_link *t)
{
    int e = gnutls_handshake(t->s);
    if (e == GNUTLS_E_AGAIN || e == GNUTLS_E_INTERRUPTED)
        return;
    if (e < 0) {
        die(t, gnutls_strerror(e));      /* a wrong key ends here (bad record MAC / decryption) */
        return;
    }
    if (t->server) {
        const char *user = gnutls_psk_server_get_username(t->s);
        uint32_t node = 0;
        if (!user || strncmp(user, "xvios-node-", 11) != 0 || xvios_parse_u32(user + 11, 1, UINT32_MAX, &node) != 0) {
            die(t, "bad PSK identity");
            return;
        }
        t->peer = node;
        uint8_t id[4];
        tcp_frame_put_len(id, t->self);   /* the same little-endian encoding */
        if (queue_frame(t, id, sizeof id) < 0 || flush(t) < 0) {
            die(t, "cannot send the node id");
            return;
        }
        t->ph = PH_UP;
        XLOG_INFO("tcp link %u<-%u up (%s)", t->self, t->peer, gnutls_cipher_get_name(gnutls_cipher_get(t->s)));
    } else {
        t->ph = PH_WAIT_ID;
    }
}

static void step_wait_id(struct xvios_tcp_link *t)
{
    size_t dlen = 0, used = 0;
    if (fill(t) < 0)
        return;
    int rc = tcp_frame_next(t->in, t->in_len, 4, XVIOS_LINK_MAX_DGRAM, &dlen, &used);
    if (rc == -EAGAIN)
        return;
    if (rc != 0 || dlen != 4) {
        die(t, "bad node id frame");
        return;
    }
    const uint8_t *p = t->in + TCP_FRAME_HDR;
    uint32_t node = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    consume(t, used);
    if (node != t->want_peer) {
        XLOG_WARN("tcp link to node %u: node %u answered", t->want_peer, node);
        die(t, "wrong peer");
        return;
    }
    t->peer = node;
    t->ph = PH_UP;
    XLOG_INFO("tcp link %u->%u up (%s)", t->self, t->peer, gnutls_cipher_get_name(gnutls_cipher_get(t->s)));
}

enum xvios_link_state xvios_tcp_link_progress(xvios_tcp_link *t)
{
    if (t->ph != PH_UP && t->ph != PH_DEAD && xvios_ts_passed(&t->hs_deadline))
        die(t, "handshake timed out");
    if (t->ph == PH_CONNECT)
        step_connect(t);
    if (t->ph == PH_HANDSHAKE)
        step_handshake(t);
    if (t->ph == PH_WAIT_ID)
        step_wait_id(t);
    if (t->ph == PH_UP) {
        if (flush(t) == 0)
            fill(t);         /* notices a peer that hung up */
    }
    return xvios_tcp_link_state(t);
}

enum xvios_link_state xvios_tcp_link_state(const xvios_tcp_link *t)
{
    return t->ph == PH_UP ? XVIOS_LINK_UP : t->ph == PH_DEAD ? XVIOS_LINK_DEAD : XVIOS_LINK_CONNECTING;
}

int xvios_tcp_link_fd(const xvios_tcp_link *t)
{
    return t->ph == PH_CONNECT || t->ph == PH_DEAD ? -1 : t->fd;
}

uint32_t xvios_tcp_link_peer(const xvios_tcp_link *t) { return t->ph == PH_UP ? t->peer : 0; }
size_t xvios_tcp_link_pending_out(const xvios_tcp_link *t) { return t->ph == PH_DEAD ? 0 : t->out_len; }

int xvios_tcp_link_send(xvios_tcp_link *t, const void *buf, size_t len, const struct timespec *deadline)
{
    if (!t || (!buf && len))
        return -EINVAL;
    if (len == 0 || len > XVIOS_LINK_MAX_DGRAM)
        return -EMSGSIZE;
    if (t->ph == PH_DEAD)
        return -EPIPE;
    if (t->ph != PH_UP)
        return -ENOTCONN;
    for (;;) {
        if (queue_frame(t, buf, len) == 0)
            return flush(t) < 0 ? -EPIPE : 0;   /* accepted whole: what is not on the socket yet goes later */
        if (flush(t) < 0)
            return -EPIPE;
        if (queue_frame(t, buf, len) == 0)
            return flush(t) < 0 ? -EPIPE : 0;
        if (xvios_ts_passed(deadline))
            return -ETIMEDOUT;
        struct pollfd p = { .fd = t->fd, .events = POLLOUT };
        poll(&p, 1, xvios_poll_timeout(deadline, 100));
    }
}

int xvios_tcp_link_recv(xvios_tcp_link *t, void *buf, size_t cap, size_t *len)
{
    if (!t || !len || (!buf && cap))
        return -EINVAL;
    if (t->ph == PH_DEAD)
        return -EPIPE;
    if (t->ph != PH_UP)
        return -ENOTCONN;
    size_t dlen = 0, used = 0;
    int rc = tcp_frame_next(t->in, t->in_len, cap, XVIOS_LINK_MAX_DGRAM, &dlen, &used);
    if (rc == -EAGAIN) {
        if (fill(t) < 0)
            return -EPIPE;
        rc = tcp_frame_next(t->in, t->in_len, cap, XVIOS_LINK_MAX_DGRAM, &dlen, &used);
    }
    if (rc == -EAGAIN)
        return -EAGAIN;
    if (rc == -EPROTO) {
        die(t, "frame length over the bound");
        return -EPROTO;
    }
    if (rc == 0) {
        memcpy(buf, t->in + TCP_FRAME_HDR, dlen);
        *len = dlen;
    }
    consume(t, used);
    return rc;      /* 0, -EBADMSG (empty) or -EMSGSIZE (over cap): dropped, still UP */
}
