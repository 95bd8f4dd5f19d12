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

#include "plat_loop_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/unixsock.h"
#include "xvios/parse.h"

#define HELLO   "XVIOS-HELLO "
#define WELCOME "XVIOS-WELCOME "
#define REFUSED "XVIOS-REFUSED"
#define GREETING_MAX 64
#define HELLO_WAIT_MS 500   /* how long a server waits for an accepted peer's hello */

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
    int fd;
    enum phase phase;
    bool proto_error;
    unsigned retry_logged;
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

static void go_dead(struct loop_link *l)
{
    if (l->listen_fd >= 0)
        unlink_own(l);
    close_fd(&l->fd);
    close_fd(&l->listen_fd);
    l->phase = PH_DEAD;
}

/* "PREFIX<node> <domid>" with both decimal, strictly. */
static int parse_greeting(const char *untrusted_buf, size_t len, const char *prefix, uint32_t *node, uint32_t *domid)
{
    char s[GREETING_MAX + 1];
    size_t plen = strlen(prefix);
    char *sp;

    if (len <= plen || len > GREETING_MAX || memcmp(untrusted_buf, prefix, plen))
        return -EPROTO;
    memcpy(s, untrusted_buf + plen, len - plen);
    s[len - plen] = '\0';
    sp = strchr(s, ' ');
    if (!sp)
        return -EPROTO;
    *sp = '\0';
    if (xvios_parse_u32_canon(s, 0xffffu, node) < 0 || xvios_parse_domid(sp + 1, domid) < 0)
        return -EPROTO;
    return 0;
}

static int send_greeting(int fd, const char *prefix, uint32_t node, uint32_t domid)
{
    char buf[GREETING_MAX + 1];
    int n = prefix ? snprintf(buf, sizeof(buf), "%s%u %u", prefix, node, domid) : snprintf(buf, sizeof(buf), REFUSED);

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
    l->listen_fd = l->fd = -1;
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
    if (l->listen_fd >= 0)
        unlink_own(l);
    close_fd(&l->fd);
    close_fd(&l->listen_fd);
    free(l->root);
    free(l);
}

int loop_link_fd(const void *link_impl)
{
    const struct loop_link *l = link_impl;

    switch (l->phase) {
    case PH_LISTEN:     return l->listen_fd;
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
static void serve(struct loop_link *l)
{
    char untrusted_buf[GREETING_MAX + 1];
    struct pollfd pfd;
    uint32_t untrusted_node, untrusted_domid;
    ssize_t r;
    int c;

    c = accept4(l->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0)
        return;  /* nobody yet */
    pfd.fd = c;
    pfd.events = POLLIN;
    struct timespec deadline = xvios_deadline_ms(HELLO_WAIT_MS);
    do {
        r = poll(&pfd, 1, xvios_poll_timeout(&deadline, HELLO_WAIT_MS));
    } while (r < 0 && errno == EINTR);
    r = r > 0 ? recv(c, untrusted_buf, sizeof(untrusted_buf), MSG_DONTWAIT | MSG_TRUNC) : -1;
    if (r <= 0 || r > GREETING_MAX ||
        parse_greeting(untrusted_buf, (size_t)r, HELLO, &untrusted_node, &untrusted_domid) < 0) {
        XLOG_WARN("link %s: connection without a valid hello dropped", l->addr.sun_path);
        close(c);
        return;
    }
    if (untrusted_node != l->peer.peer_node || untrusted_domid != l->peer.peer_domid ||
        !peer_cred_ok(l, c, untrusted_domid)) {
        XLOG_WARN("link %s: refused node %u domain %u: expected %s", l->addr.sun_path, untrusted_node,
                  untrusted_domid, who(l));
        send_greeting(c, NULL, 0, 0);
        close(c);
        return;
    }
    if (send_greeting(c, WELCOME, l->peer.self_node, l->plat_domid) < 0) {
        XLOG_WARN("link %s: %s went away during the handshake", l->addr.sun_path, who(l));
        close(c);
        return;
    }
    /* one peer per link: stop listening */
    unlink_own(l);
    close_fd(&l->listen_fd);
    l->fd = c;
    l->phase = PH_UP;
    XLOG_DEBUG("link %s: %s connected", l->addr.sun_path, who(l));
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
    if (r > GREETING_MAX || parse_greeting(untrusted_buf, (size_t)r, WELCOME, &untrusted_node, &untrusted_domid) < 0 ||
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
