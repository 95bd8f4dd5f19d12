/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_link.c - loopback links: unix-domain SOCK_SEQPACKET sockets
 * under ROOT/links/.
 *
 *   <a>-<b>.sock     cluster link between nodes a < b; a serves, b connects
 *   mgmt-<n>.sock    node n's management link; n serves, dom0's console connects
 *
 * Handshake (each a datagram of text): the connector sends
 * "XVIOS-HELLO <node> <domid>"; the server checks the node and domid are the
 * peer it expects and, when the loopback domain registry records a process
 * for that domid, that SO_PEERCRED names that process. It answers
 * "XVIOS-WELCOME <node> <domid>" (its own) and stops listening, or
 * "XVIOS-REFUSED" and keeps listening for the right peer. The connector
 * checks the welcome the same way. Only then is a link UP. A management link
 * is reachable by domain 0 only: the console side refuses to open it from
 * another domain, and the server refuses a hello from any domid but 0.
 *
 * Nothing here waits: a server keeps up to LINK_PENDING_MAX accepted
 * sockets whose hello has not come yet, each with its own deadline
 * (LINK_HELLO_MS); one that stays silent past it is closed, and a new
 * connection beyond the limit replaces the oldest pending one. While
 * listening, the link's fd is an epoll set of the listening socket and the
 * pending ones, so a hello on any of them wakes the owner's loop.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "plat_loop_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/unixsock.h"
#include "xvios/parse.h"

#define HELLO   LOOP_GREETING_HELLO
#define WELCOME LOOP_GREETING_WELCOME
#define REFUSED LOOP_GREETING_REFUSED
#define GREETING_MAX LOOP_GREETING_MAX
#define LINK_HELLO_MS    2000 /* an accepted socket's hello must come within this */
#define LINK_STR_(x) #x
#define LINK_STR(x) LINK_STR_(x)
#define LINK_PENDING_MAX 4    /* accepted sockets waiting for their hello, per link */
#define LINK_ACCEPT_BURST 16  /* connections taken per progress call */

struct pending {
    int fd;                    /* -1: free */
    struct timespec deadline;
};

enum phase { PH_LISTEN, PH_RETRY, PH_HELLO_SENT, PH_UP, PH_DEAD };

struct loop_link {
    struct xvios_link_peer peer;
    char *root;
    uint32_t plat_domid;       /* the domain this process acts as */
    bool server;
    bool mgmt;
    struct sockaddr_un addr;
    dev_t bound_dev;           /* the socket file this server bound, to remove only our own */
    ino_t bound_ino;
    int listen_fd;
    int ep_fd;                 /* while listening: epoll set of listen_fd and the pending sockets */
    struct pending pend[LINK_PENDING_MAX];
    int fd;
    enum phase phase;
    bool proto_error;
    unsigned retry_logged;
    unsigned silent_dropped;   /* pending sockets closed without a hello (logged at powers of two) */
};

static const char *who(const struct loop_link *l)
{
    static __thread char buf[48];
    if (l->peer.peer_node == 0)
        snprintf(buf, sizeof(buf), "console (domain %u)", l->peer.peer_domid);
    else
        snprintf(buf, sizeof(buf), "node %u (domain %u)", l->peer.peer_node, l->peer.peer_domid);
    return buf;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Remove the server's socket file unless another server has bound the path since. */
static void unlink_own(struct loop_link *l)
{
    struct stat st;

    if (l->bound_ino && stat(l->addr.sun_path, &st) == 0 && st.st_dev == l->bound_dev && st.st_ino == l->bound_ino)
        unlink(l->addr.sun_path);
    l->bound_ino = 0;
}

static void close_pending(struct loop_link *l)
{
    for (unsigned i = 0; i < LINK_PENDING_MAX; i++)
        close_fd(&l->pend[i].fd);
}

/* Stop listening: the socket file, the listening socket, the pending sockets and their epoll set. */
static void stop_listening(struct loop_link *l)
{
    if (l->listen_fd >= 0)
        unlink_own(l);
    close_fd(&l->listen_fd);
    close_pending(l);
    close_fd(&l->ep_fd);
}

static void go_dead(struct loop_link *l)
{
    stop_listening(l);
    close_fd(&l->fd);
    l->phase = PH_DEAD;
}

static int send_greeting(int fd, const char *prefix, uint32_t node, uint32_t domid)
{
    char buf[GREETING_MAX + 1];
    int n = loop_greeting_format(buf, sizeof(buf), prefix, node, domid);

    if (n < 0)
        return n;
    return send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == n ? 0 : -errno;
}

/*
 * On a cluster link, when the registry records a process for domid, the
 * socket's peer must be that process (SO_PEERCRED). The registry records the
 * process that holds the domain's cluster links (xvios-backend); a management
 * link is served by the node's daemon and connected by dom0, so it is not
 * checked by pid (its rule is the domid-0 one).
 */
static bool peer_cred_ok(const struct loop_link *l, int fd, uint32_t domid)
{
    struct ucred cred;
    socklen_t clen = sizeof(cred);
    pid_t pid = 0;
    int rc;

    if (domid == 0 || l->mgmt)
        return true;
    rc = loop_domain_pid(l->root, domid, &pid);
    if (rc == -ENOENT || (rc == 0 && pid == 0))
        return true;  /* no process recorded for the domain */
    if (rc < 0)
        return false; /* a registry we cannot read: refuse rather than skip the check */
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
        return false;
    if (cred.pid != pid) {
        XLOG_WARN("link %s: peer process %d is not domain %u's recorded process %d", l->addr.sun_path,
                  (int)cred.pid, domid, (int)pid);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- open / close */
int loop_link_open(void *impl, const struct xvios_link_peer *peer, void **link_impl)
{
    struct loop_plat *lp = impl;
    struct loop_link *l = NULL;
    int n, rc;

    *link_impl = NULL;
    l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->listen_fd = l->fd = l->ep_fd = -1;
    for (unsigned i = 0; i < LINK_PENDING_MAX; i++)
        l->pend[i].fd = -1;
    l->peer = *peer;
    l->plat_domid = lp->self_domid;
    l->mgmt = peer->self_node == 0 || peer->peer_node == 0;
    l->server = peer->self_node != 0 && (peer->peer_node == 0 || peer->self_node < peer->peer_node);
    l->root = strdup(lp->root);
    if (!l->root) {
        rc = -ENOMEM;
        goto out;
    }
    if (l->mgmt && l->server && peer->peer_domid != 0) {
        rc = -EINVAL;  /* the console is always domain 0 */
        goto out;
    }
    if (l->mgmt && !l->server && (lp->self_domid != 0 || peer->self_domid != 0)) {
        XLOG_WARN("management link to node %u refused: domain %u is not privileged", peer->peer_node,
                  lp->self_domid);
        rc = -EACCES;
        goto out;
    }
    l->addr.sun_family = AF_UNIX;
    if (l->mgmt)
        n = snprintf(l->addr.sun_path, sizeof(l->addr.sun_path), "%s/links/mgmt-%u.sock", lp->root,
                     l->server ? peer->self_node : peer->peer_node);
    else
        n = snprintf(l->addr.sun_path, sizeof(l->addr.sun_path), "%s/links/%u-%u.sock", lp->root,
                     l->server ? peer->self_node : peer->peer_node, l->server ? peer->peer_node : peer->self_node);
    if (n < 0 || (size_t)n >= sizeof(l->addr.sun_path)) {
        rc = -ENAMETOOLONG;
        goto out;
    }
    if (l->server) {
        l->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (l->listen_fd < 0) {
            rc = -errno;
            goto out;
        }
        unlink(l->addr.sun_path);  /* a stale socket of an earlier server of this link */
        struct stat st;
        if (bind(l->listen_fd, (struct sockaddr *)&l->addr, sizeof(l->addr)) < 0 || listen(l->listen_fd, 4) < 0 ||
            stat(l->addr.sun_path, &st) < 0) {
            rc = -errno;
            goto out;
        }
        l->bound_dev = st.st_dev;
        l->bound_ino = st.st_ino;
        l->ep_fd = epoll_create1(EPOLL_CLOEXEC);
        if (l->ep_fd < 0) {
            rc = -errno;
            goto out;
        }
        if (epoll_ctl(l->ep_fd, EPOLL_CTL_ADD, l->listen_fd,
                      &(struct epoll_event){ .events = EPOLLIN, .data.fd = l->listen_fd }) < 0) {
            rc = -errno;
            goto out;
        }
        l->phase = PH_LISTEN;
    } else {
        l->phase = PH_RETRY;
    }
    *link_impl = l;
    return 0;
out:
    loop_link_close(l);
    return rc;
}

void loop_link_close(void *link_impl)
{
    struct loop_link *l = link_impl;

    if (!l)
        return;
    stop_listening(l);
    close_fd(&l->fd);
    free(l->root);
    free(l);
}

int loop_link_fd(const void *link_impl)
{
    const struct loop_link *l = link_impl;

    switch (l->phase) {
    case PH_LISTEN:     return l->ep_fd;
    case PH_HELLO_SENT:
    case PH_UP:         return l->fd;
    default:            return -1;
    }
}

enum xvios_link_state loop_link_state(const void *link_impl)
{
    const struct loop_link *l = link_impl;

    return l->phase == PH_UP ? XVIOS_LINK_UP : l->phase == PH_DEAD ? XVIOS_LINK_DEAD : XVIOS_LINK_CONNECTING;
}

/* ---------------------------------------------------------------- progress */
static bool check_hello(struct loop_link *l, struct pending *p, struct timespec now);

/* A pending socket closed without a hello: counted, logged at the 1st, 2nd, 4th, 8th... */
static void drop_silent(struct loop_link *l, struct pending *p, const char *why)
{
    unsigned n = ++l->silent_dropped;

    if ((n & (n - 1)) == 0)
        XLOG_WARN("link %s: %s: connection dropped (%u so far)", l->addr.sun_path, why, n);
    close_fd(&p->fd);
}

/*
 * Take waiting connections into the pending set; beyond LINK_PENDING_MAX the
 * oldest pending one goes, after a last look for its hello. True when a
 * hello brought the link up.
 */
static bool take_connections(struct loop_link *l)
{
    for (unsigned k = 0; k < LINK_ACCEPT_BURST; k++) {
        struct pending *slot = NULL;
        int c = accept4(l->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (c < 0)
            return false;  /* nobody (more) */
        for (unsigned i = 0; i < LINK_PENDING_MAX; i++) {
            struct pending *p = &l->pend[i];
            if (p->fd < 0) {
                slot = p;
                break;
            }
            if (!slot || xvios_ts_cmp(p->deadline, slot->deadline) < 0)
                slot = p;
        }
        if (slot->fd >= 0 && check_hello(l, slot, xvios_now())) {
            close(c);   /* the link is up: nobody else is served */
            return true;
        }
        if (slot->fd >= 0)
            drop_silent(l, slot, "the oldest of too many connections without a hello");
        if (epoll_ctl(l->ep_fd, EPOLL_CTL_ADD, c, &(struct epoll_event){ .events = EPOLLIN, .data.fd = c }) < 0) {
            XLOG_WARN("link %s: cannot watch an accepted connection: %s", l->addr.sun_path, strerror(errno));
            close(c);
            continue;
        }
        slot->fd = c;
        slot->deadline = xvios_deadline_ms(LINK_HELLO_MS);
    }
    return false;
}

/* A pending socket's hello, if it came: true when the link is now up. */
static bool check_hello(struct loop_link *l, struct pending *p, struct timespec now)
{
    char untrusted_buf[GREETING_MAX + 1];
    uint32_t untrusted_node, untrusted_domid;
    ssize_t r = recv(p->fd, untrusted_buf, sizeof(untrusted_buf), MSG_DONTWAIT | MSG_TRUNC);
    int c = p->fd;

    if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (xvios_ts_cmp(now, p->deadline) >= 0)
            drop_silent(l, p, "no hello within " LINK_STR(LINK_HELLO_MS) " ms");
        return false;
    }
    if (r <= 0 || r > GREETING_MAX ||
        loop_greeting_parse(untrusted_buf, (size_t)r, HELLO, &untrusted_node, &untrusted_domid) < 0) {
        XLOG_WARN("link %s: connection without a valid hello dropped", l->addr.sun_path);
        close_fd(&p->fd);
        return false;
    }
    if (untrusted_node != l->peer.peer_node || untrusted_domid != l->peer.peer_domid ||
        !peer_cred_ok(l, c, untrusted_domid)) {
        XLOG_WARN("link %s: refused node %u domain %u: expected %s", l->addr.sun_path, untrusted_node,
                  untrusted_domid, who(l));
        send_greeting(c, NULL, 0, 0);
        close_fd(&p->fd);
        return false;
    }
    if (send_greeting(c, WELCOME, l->peer.self_node, l->plat_domid) < 0) {
        XLOG_WARN("link %s: %s went away during the handshake", l->addr.sun_path, who(l));
        close_fd(&p->fd);
        return false;
    }
    /* one peer per link: stop listening (the other pending sockets go too) */
    p->fd = -1;
    stop_listening(l);
    l->fd = c;
    l->phase = PH_UP;
    XLOG_DEBUG("link %s: %s connected", l->addr.sun_path, who(l));
    return true;
}

static void serve(struct loop_link *l)
{
    struct timespec now;

    /* the epoll set is level-triggered: what is taken or read here stops it from being readable */
    if (take_connections(l))
        return;
    now = xvios_now();
    for (unsigned i = 0; i < LINK_PENDING_MAX; i++)
        if (l->pend[i].fd >= 0 && check_hello(l, &l->pend[i], now))
            return;
}

static void try_connect(struct loop_link *l)
{
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (s < 0)
        return;
    if (connect(s, (struct sockaddr *)&l->addr, sizeof(l->addr)) < 0) {
        if (errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN && l->retry_logged++ < 3)
            XLOG_WARN("link %s: connect: %s (retrying)", l->addr.sun_path, strerror(errno));
        close(s);
        return;
    }
    if (send_greeting(s, HELLO, l->peer.self_node, l->plat_domid) < 0) {
        close(s);
        return;
    }
    l->fd = s;
    l->phase = PH_HELLO_SENT;
}

static void await_welcome(struct loop_link *l)
{
    char untrusted_buf[GREETING_MAX + 1];
    uint32_t untrusted_node, untrusted_domid;
    ssize_t r = recv(l->fd, untrusted_buf, sizeof(untrusted_buf), MSG_DONTWAIT | MSG_TRUNC);

    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r <= 0) {
        /* the server went away before answering: it may come back */
        close_fd(&l->fd);
        l->phase = PH_RETRY;
        return;
    }
    if ((size_t)r == strlen(REFUSED) && !memcmp(untrusted_buf, REFUSED, (size_t)r)) {
        XLOG_ERR("link %s: refused by %s", l->addr.sun_path, who(l));
        go_dead(l);
        return;
    }
    if (r > GREETING_MAX || loop_greeting_parse(untrusted_buf, (size_t)r, WELCOME, &untrusted_node, &untrusted_domid) < 0 ||
        untrusted_node != l->peer.peer_node || untrusted_domid != l->peer.peer_domid ||
        !peer_cred_ok(l, l->fd, untrusted_domid)) {
        XLOG_ERR("link %s: the server is not %s: giving up", l->addr.sun_path, who(l));
        l->proto_error = true;
        go_dead(l);
        return;
    }
    l->phase = PH_UP;
    XLOG_DEBUG("link %s: connected to %s", l->addr.sun_path, who(l));
}

enum xvios_link_state loop_link_progress(void *link_impl)
{
    struct loop_link *l = link_impl;

    switch (l->phase) {
    case PH_LISTEN:
        serve(l);
        break;
    case PH_RETRY:
        try_connect(l);
        if (l->phase == PH_HELLO_SENT)
            await_welcome(l);
        break;
    case PH_HELLO_SENT:
        await_welcome(l);
        break;
    case PH_UP: {
        struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
        char peek;
        /* a hang-up with nothing left to read (recv sees the end at once): the peer is gone */
        ssize_t r = 1;
        if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR)))
            r = recv(l->fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            XLOG_INFO("link %s: %s disconnected", l->addr.sun_path, who(l));
            go_dead(l);
        }
        break;
    }
    case PH_DEAD:
        break;
    }
    return loop_link_state(l);
}

/* ---------------------------------------------------------------- data */
int loop_link_send(void *link_impl, const void *buf, size_t len, const struct timespec *deadline)
{
    struct loop_link *l = link_impl;

    if (l->phase == PH_DEAD)
        return -EPIPE;
    if (l->phase != PH_UP)
        return -ENOTCONN;
    for (;;) {
        ssize_t w = send(l->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w >= 0)
            return (size_t)w == len ? 0 : -EIO;
        if (errno == EINTR)
            continue;
        if (errno == EMSGSIZE)
            return -EMSGSIZE;
        if (errno != EAGAIN) {
            XLOG_INFO("link %s: send to %s: %s", l->addr.sun_path, who(l), strerror(errno));
            go_dead(l);
            return -EPIPE;
        }
        if (!deadline || xvios_ts_passed(deadline))
            return -ETIMEDOUT;
        struct pollfd pfd = { .fd = l->fd, .events = POLLOUT };
        int r = poll(&pfd, 1, xvios_poll_timeout(deadline, 1000));
        if (r < 0 && errno != EINTR)
            return -errno;
        if (r > 0 && (pfd.revents & (POLLHUP | POLLERR)) && !(pfd.revents & POLLOUT)) {
            go_dead(l);
            return -EPIPE;
        }
    }
}

int loop_link_recv(void *link_impl, void *buf, size_t cap, size_t *len)
{
    struct loop_link *l = link_impl;
    size_t n = 0;
    int rc;

    if (l->phase == PH_DEAD)
        return l->proto_error ? -EPROTO : -EPIPE;
    if (l->phase != PH_UP)
        return -EAGAIN;
    /* the unix-socket helper tells an empty datagram (dropped, the link stays up) from a hang-up */
    rc = xvios_unix_recv(l->fd, buf, cap, &n);
    if (rc == -EAGAIN)
        return -EAGAIN;
    if (rc == -EBADMSG) {
        XLOG_WARN("link %s: dropped an empty datagram from %s", l->addr.sun_path, who(l));
        return -EBADMSG;
    }
    if (rc == -EMSGSIZE) {
        XLOG_WARN("link %s: dropped a %zu-byte datagram from %s (buffer %zu)", l->addr.sun_path, n, who(l), cap);
        return -EMSGSIZE;
    }
    if (rc < 0) {
        XLOG_INFO("link %s: %s disconnected", l->addr.sun_path, who(l));
        go_dead(l);
        return -EPIPE;
    }
    *len = n;
    return 0;
}
