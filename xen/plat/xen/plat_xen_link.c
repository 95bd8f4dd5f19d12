/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_link.c - seam links over libxenvchan.
 *
 * Rendezvous: the serving side calls libxenvchan_server_init() with an
 * absolute path under its own domain, /local/domain/<server>/data/xvios/l<N>
 * (N = the connecting node) or .../mgmt for the management link; the
 * library writes ring-ref and event-channel there, readable by the peer
 * domain only, and removes the directory when the server closes. The
 * connecting side retries libxenvchan_client_init() from progress until the
 * server has published.
 *
 * Framing: vchan is a byte stream; a datagram travels as a u32
 * little-endian length followed by the bytes. A length of 0 or above
 * XVIOS_LINK_MAX_DGRAM is corrupt framing: -EPROTO, and the link is DEAD for
 * good (the stream cannot be resynchronised).
 *
 * Never blocking: ctrl->blocking is cleared (libxenvchan leaves it
 * uninitialised); libxenvchan_wait() is only called after poll() reported
 * the event fd readable, when it just consumes the pending event.
 *
 * Presence: the connecting side of a cluster link also publishes
 * /local/domain/<self>/data/xvios/p<server node> (readable by the server's
 * domain only) before it connects, and removes it when it closes. xenstored
 * deletes it with the connecting domain, so a server that saw it once and
 * can no longer read it after a @releaseDomain knows its peer's domain is
 * gone - the one thing a serving domU could not learn otherwise (it may not
 * ask Xen about other domains, nor read their /local/domain entries).
 *
 * The fd handed to the caller is an epoll set of: the vchan event fd, the
 * plat's @releaseDomain watch fd (a peer domain that vanished never
 * signals its ring), and an eventfd we raise while unread bytes sit in the
 * ring (consuming an event in send must not hide incoming data).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "plat_xen_internal.h" /* first: it sets up the Xen tools headers */
#include <libxenvchan.h>
#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/wire.h"

struct xen_link {
    struct plat_xen *px;
    struct xvios_link_peer peer;
    bool server;
    uint32_t server_domid;      /* whose XenStore area holds the rendezvous */
    uint32_t remote_domid;      /* the domain at the other end */
    char path[64];
    char presence[64];          /* cluster links: the connecting side's presence node */
    bool presence_published;    /* connecting side: we wrote it */
    bool presence_seen;         /* serving side: we read it once */
    struct libxenvchan *vc;
    int epfd;
    int wakefd;
    bool wake_set;
    enum xvios_link_state state;
    int dead_err;
    uint64_t release_seen;
    struct timespec next_connect;
    /* receive reassembly: header, then body */
    uint8_t rx_hdr[PLAT_XEN_FRAME_HDR];
    size_t rx_hdr_got;
    uint32_t rx_len;
    size_t rx_got;
    uint8_t *rx_buf;
    /* send: the frame (header + datagram) assembled here, so it goes into the ring in one write and
     * the peer gets one notification per frame, not one for the header and one for the body */
    uint8_t *tx_frame;
    uint64_t n_proto_errors;
};

int plat_xen_link_presence_path(char *buf, size_t n, uint32_t client_domid, uint32_t server_node)
{
    int r = snprintf(buf, n, "/local/domain/%u/data/xvios/p%u", client_domid, server_node);

    return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

int plat_xen_link_path(char *buf, size_t n, uint32_t server_domid, uint32_t client_node)
{
    int r = client_node ? snprintf(buf, n, "/local/domain/%u/data/xvios/l%u", server_domid, client_node)
                        : snprintf(buf, n, "/local/domain/%u/data/xvios/mgmt", server_domid);
    /* libxenvchan appends "/event-channel" (14) inside a 64-byte buffer */
    return r < 0 || (size_t)r >= n || r + 14 >= 64 ? -ENAMETOOLONG : 0;
}

__attribute__((format(printf, 3, 4)))
static void mark_dead(struct xen_link *l, int err, const char *fmt, ...)
{
    char why[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (l->state != XVIOS_LINK_DEAD)
        XLOG_WARN("link to node %u (domain %u) is dead: %s", l->peer.peer_node, l->remote_domid, why);
    l->state = XVIOS_LINK_DEAD;
    l->dead_err = err;
}

static void wake_set(struct xen_link *l, bool on)
{
    uint64_t v = 1;

    if (on == l->wake_set)
        return;
    if (on) {
        if (write(l->wakefd, &v, sizeof(v)) == (ssize_t)sizeof(v))
            l->wake_set = true;
    } else {
        if (read(l->wakefd, &v, sizeof(v)) == (ssize_t)sizeof(v) || errno == EAGAIN)
            l->wake_set = false;
    }
}

static int ep_add(int epfd, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/*
 * Is the peer's domain gone? Asked after a @releaseDomain event, in order of
 * authority:
 *   1. our own event channel port (EVTCHNOP_status on DOMID_SELF, allowed in
 *      a domU with privcmd): Xen closes a dying domain's ports when it is
 *      killed, which leaves ours unbound - true for both ends of a link;
 *   2. the domain's state (libxenctrl in dom0; XenStore otherwise, which in
 *      a domU cannot tell "gone" from "not ours to read" - never "gone");
 *   3. a connecting side can read the server's rendezvous, a serving side
 *      the connecting side's presence node (once it has seen it): xenstored
 *      deletes a destroyed domain's nodes, so unreadable means gone.
 */
static bool peer_gone(struct xen_link *l)
{
    struct xvios_dominfo info;
    char path[80];
    int rc;

    if (l->px->xc && l->vc && l->state == XVIOS_LINK_UP) {
        xc_evtchn_status_t st;

        memset(&st, 0, sizeof(st));
        st.dom = DOMID_SELF;
        st.port = l->vc->event_port;
        if (xc_evtchn_status(l->px->xc, &st) == 0) {
            XLOG_DEBUG("node %u: event channel port %d status %d, remote domain %u", l->peer.peer_node,
                       (int)st.port, (int)st.status,
                       st.status == EVTCHNSTAT_interdomain ? (unsigned)st.u.interdomain.dom : 0u);
            return !(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == l->remote_domid);
        }
        XLOG_DEBUG("node %u: EVTCHNOP_status of port %d: %s", l->peer.peer_node, (int)st.port, strerror(errno));
    }
    rc = plat_xen_domain_info(l->px, l->remote_domid, &info);
    if (rc == -ENOENT || (rc == 0 && !info.alive))
        return true;
    if (l->server && l->presence_seen) {
        unsigned int vlen = 0;
        char *v;

        errno = 0;
        v = xs_read(l->px->xs, XBT_NULL, l->presence, &vlen);
        if (!v && (errno == ENOENT || errno == EACCES))
            return true;
        free(v);
    }
    if (!l->server && l->vc && snprintf(path, sizeof(path), "%s/ring-ref", l->path) < (int)sizeof(path)) {
        unsigned int vlen = 0;
        char *v;

        errno = 0;
        v = xs_read(l->px->xs, XBT_NULL, path, &vlen);
        if (!v && (errno == ENOENT || errno == EACCES))
            return true;
        free(v);
    }
    return false;
}

/* Has the peer's domain gone away since we last looked? Marks the link DEAD if so. */
static void check_release(struct xen_link *l)
{
    uint64_t gen = plat_xen_release_poll(l->px);

    if (gen == l->release_seen || l->state == XVIOS_LINK_DEAD)
        return;
    l->release_seen = gen;
    XLOG_DEBUG("node %u: a domain went away or the store changed: checking domain %u", l->peer.peer_node,
               l->remote_domid);
    if (peer_gone(l))
        mark_dead(l, -EPIPE, "domain %u is gone", l->remote_domid);
}

/* The ring geometry comes from the shared page, i.e. from the peer: check it. */
static bool rings_ok(const struct libxenvchan *vc)
{
    return vc->read.order >= PLAT_XEN_RING_ORDER && vc->read.order <= 20 &&
           vc->write.order >= PLAT_XEN_RING_ORDER && vc->write.order <= 20;
}

static void try_connect(struct xen_link *l)
{
    struct libxenvchan *vc;
    int rc;

    l->next_connect = xvios_deadline_ms(PLAT_XEN_CONNECT_RETRY_MS);
    vc = libxenvchan_client_init(&l->px->logger.vtable, (int)l->server_domid, l->path);
    if (!vc) {
        XLOG_DEBUG("node %u: %s not served yet", l->peer.peer_node, l->path);
        return;
    }
    if (!rings_ok(vc)) {
        mark_dead(l, -EPROTO, "rings of order %d/%d at %s, need %d..20", vc->read.order, vc->write.order, l->path,
                  PLAT_XEN_RING_ORDER);
        libxenvchan_close(vc);
        return;
    }
    vc->blocking = 0;
    rc = ep_add(l->epfd, libxenvchan_fd_for_select(vc));
    if (rc < 0) {
        mark_dead(l, -EPIPE, "epoll: %s", strerror(-rc));
        libxenvchan_close(vc);
        return;
    }
    l->vc = vc;
    l->state = XVIOS_LINK_UP;
    XLOG_INFO("link to node %u (domain %u) is up via %s", l->peer.peer_node, l->remote_domid, l->path);
}

/* Connecting side: publish our presence for the server's domain (n<self> r<server>). */
static void publish_presence(struct xen_link *l)
{
    struct xs_permissions perms[2] = {
        {.id = l->peer.self_domid, .perms = XS_PERM_NONE},
        {.id = l->server_domid, .perms = XS_PERM_READ},
    };

    errno = 0;
    if (!xs_write(l->px->xs, XBT_NULL, l->presence, "", 0)) {
        XLOG_WARN("cannot publish %s: %s (node %u will notice this domain's end only by timeouts)", l->presence,
                  strerror(errno), l->peer.peer_node);
        return;
    }
    l->presence_published = true;
    errno = 0;
    if (!xs_set_permissions(l->px->xs, XBT_NULL, l->presence, perms, 2))
        XLOG_WARN("cannot let domain %u read %s: %s", l->server_domid, l->presence, strerror(errno));
}

/* Serving side, as the link comes up: the connecting side published its presence before connecting. */
static void look_for_presence(struct xen_link *l)
{
    unsigned int vlen = 0;
    char *v;

    if (!l->presence[0] || l->presence_seen)
        return;
    v = xs_read(l->px->xs, XBT_NULL, l->presence, &vlen);
    l->presence_seen = v != NULL;
    free(v);
    if (!l->presence_seen)
        XLOG_DEBUG("node %u published no presence at %s: its domain's end is seen by timeouts only",
                   l->peer.peer_node, l->presence);
}

void plat_xen_link_close(void *link_impl)
{
    struct xen_link *l = link_impl;

    if (!l)
        return;
    if (l->vc)
        libxenvchan_close(l->vc); /* a server also removes its rendezvous directory */
    if (l->presence_published && !xs_rm(l->px->xs, XBT_NULL, l->presence))
        XLOG_DEBUG("removing %s: %s", l->presence, strerror(errno));
    if (l->epfd >= 0)
        close(l->epfd);
    if (l->wakefd >= 0)
        close(l->wakefd);
    free(l->rx_buf);
    free(l->tx_frame);
    free(l);
}

int plat_xen_link_open(void *impl, const struct xvios_link_peer *peer, void **link_impl)
{
    struct plat_xen *px = impl;
    struct xen_link *l = NULL;
    uint32_t self;
    uint32_t client_node;
    int rc;

    *link_impl = NULL;
    rc = plat_xen_self_domid(px, &self);
    if (rc < 0)
        return rc;
    if (peer->self_domid != self || peer->peer_domid == self) {
        XLOG_ERR("link %u->%u: domids %u->%u do not fit this domain (%u)", peer->self_node, peer->peer_node,
                 peer->self_domid, peer->peer_domid, self);
        return -EINVAL;
    }
    l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->px = px;
    l->peer = *peer;
    l->epfd = -1;
    l->wakefd = -1;
    l->state = XVIOS_LINK_CONNECTING;
    l->remote_domid = peer->peer_domid;

    if (peer->peer_node == 0) {          /* a VIOS serves dom0's console */
        if (peer->peer_domid != 0) {
            rc = -EINVAL;
            goto out;
        }
        l->server = true;
        client_node = 0;
    } else if (peer->self_node == 0) {   /* dom0's console connects to a VIOS */
        l->server = false;
        client_node = 0;
    } else {
        l->server = peer->self_node < peer->peer_node;
        client_node = l->server ? peer->peer_node : peer->self_node;
    }
    l->server_domid = l->server ? self : peer->peer_domid;
    rc = plat_xen_link_path(l->path, sizeof(l->path), l->server_domid, client_node);
    if (rc < 0)
        goto out;
    if (peer->self_node && peer->peer_node) {
        rc = l->server ? plat_xen_link_presence_path(l->presence, sizeof(l->presence), peer->peer_domid,
                                                     peer->self_node)
                       : plat_xen_link_presence_path(l->presence, sizeof(l->presence), self, peer->peer_node);
        if (rc < 0)
            goto out;
    }

    l->rx_buf = malloc(XVIOS_LINK_MAX_DGRAM);
    l->tx_frame = malloc(PLAT_XEN_FRAME_HDR + XVIOS_LINK_MAX_DGRAM);
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!l->rx_buf || !l->tx_frame || l->epfd < 0 || l->wakefd < 0) {
        rc = !l->rx_buf || !l->tx_frame ? -ENOMEM : -errno;
        goto out;
    }
    rc = ep_add(l->epfd, l->wakefd);
    if (rc < 0)
        goto out;
    rc = plat_xen_release_open(px);
    if (rc < 0)
        XLOG_WARN("no @releaseDomain monitor (%s): a vanished peer domain is noticed only by timeouts",
                  strerror(-rc));
    else if ((rc = ep_add(l->epfd, px->rel_fd)) < 0)
        goto out;
    l->release_seen = plat_xen_release_poll(px);

    if (l->server) {
        /* a crashed predecessor may have left its rendezvous behind */
        if (!xs_rm(px->xs, XBT_NULL, l->path) && errno != ENOENT)
            XLOG_DEBUG("clearing %s: %s", l->path, strerror(errno));
        errno = 0;
        l->vc = libxenvchan_server_init(&px->logger.vtable, (int)l->remote_domid, l->path, PLAT_XEN_RING_SIZE,
                                        PLAT_XEN_RING_SIZE);
        if (!l->vc) {
            rc = errno > 0 ? -errno : -EIO;
            XLOG_ERR("cannot serve a vchan to domain %u at %s: %s", l->remote_domid, l->path, strerror(-rc));
            goto out;
        }
        l->vc->blocking = 0;
        rc = ep_add(l->epfd, libxenvchan_fd_for_select(l->vc));
        if (rc < 0)
            goto out;
    } else {
        if (l->presence[0])
            publish_presence(l);
        l->next_connect = xvios_now(); /* first attempt on the first progress */
    }
    *link_impl = l;
    l = NULL;
    rc = 0;
out:
    plat_xen_link_close(l);
    return rc;
}

int plat_xen_link_fd(const void *link_impl)
{
    const struct xen_link *l = link_impl;

    if (l->state == XVIOS_LINK_DEAD || !l->vc)
        return -1; /* DEAD: nothing more will happen; connecting client: retry on a timer */
    return l->epfd;
}

enum xvios_link_state plat_xen_link_state(const void *link_impl)
{
    const struct xen_link *l = link_impl;

    return l->state;
}

/* Consume pending events on the vchan fd; never blocks. */
static int drain_events(struct xen_link *l)
{
    struct pollfd pfd = {.fd = libxenvchan_fd_for_select(l->vc), .events = POLLIN};

    for (unsigned i = 0; i < 16; i++) {
        if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
            return 0;
        if (libxenvchan_wait(l->vc) < 0)
            return -EIO;
    }
    return 0;
}

enum xvios_link_state plat_xen_link_progress(void *link_impl)
{
    struct xen_link *l = link_impl;
    int open;

    if (l->state == XVIOS_LINK_DEAD)
        return l->state;
    check_release(l);
    if (l->state == XVIOS_LINK_DEAD)
        return l->state;
    if (!l->vc) {
        if (xvios_ts_passed(&l->next_connect))
            try_connect(l);
        if (!l->vc)
            return l->state;
    }
    if (drain_events(l) < 0) {
        mark_dead(l, -EPIPE, "event channel failed");
        return l->state;
    }
    open = libxenvchan_is_open(l->vc);
    if (open == 2 && l->server)
        return l->state; /* no client yet */
    if (open == 0) {
        /* the peer closed (or its process died): let the caller read what it left, then report DEAD */
        if (l->state == XVIOS_LINK_UP && libxenvchan_data_ready(l->vc) > 0) {
            wake_set(l, true);
            return l->state;
        }
        mark_dead(l, -EPIPE, "peer closed the vchan");
        return l->state;
    }
    if (l->state == XVIOS_LINK_CONNECTING) {
        if (l->server)
            look_for_presence(l);
        l->state = XVIOS_LINK_UP;
        XLOG_INFO("link to node %u (domain %u) is up via %s", l->peer.peer_node, l->remote_domid, l->path);
    }
    if (libxenvchan_data_ready(l->vc) > 0)
        wake_set(l, true);
    return l->state;
}

int plat_xen_link_send(void *link_impl, const void *buf, size_t len, const struct timespec *deadline)
{
    struct xen_link *l = link_impl;
    struct timespec now_only;
    size_t frame = PLAT_XEN_FRAME_HDR + len;

    if (l->state == XVIOS_LINK_DEAD)
        return -EPIPE;
    if (l->state != XVIOS_LINK_UP)
        return -ENOTCONN;
    if (len == 0 || len > XVIOS_LINK_MAX_DGRAM)
        return -EMSGSIZE;
    if (!deadline) {
        now_only = xvios_now();
        deadline = &now_only;
    }
    xvios_put_le32(l->tx_frame, (uint32_t)len);
    memcpy(l->tx_frame + PLAT_XEN_FRAME_HDR, buf, len);
    for (;;) {
        struct pollfd pfd[2] = {
            {.fd = libxenvchan_fd_for_select(l->vc), .events = POLLIN},
            {.fd = l->px->rel_fd, .events = POLLIN},
        };
        int space;

        check_release(l);
        if (l->state == XVIOS_LINK_DEAD)
            return -EPIPE;
        if (!libxenvchan_is_open(l->vc))
            return -EPIPE; /* progress turns the link DEAD once the caller has read what is left */
        space = libxenvchan_buffer_space(l->vc);
        if (space >= 0 && (size_t)space >= frame) {
            /* room for the whole frame: one write, no half frame is ever left, one notification */
            if (libxenvchan_write(l->vc, l->tx_frame, frame) != (int)frame) {
                mark_dead(l, -EPIPE, "short write to the ring");
                return -EPIPE;
            }
            return 0;
        }
        if (xvios_ts_passed(deadline))
            return -ETIMEDOUT;
        if (poll(pfd, l->px->rel_fd >= 0 ? 2 : 1, xvios_poll_timeout(deadline, 1000)) < 0 && errno != EINTR)
            return -errno;
        if (pfd[0].revents & POLLIN) {
            if (libxenvchan_wait(l->vc) < 0) {
                mark_dead(l, -EPIPE, "event channel failed");
                return -EPIPE;
            }
            wake_set(l, true); /* that event may also have announced data: let the caller look */
        }
    }
}

/* Read up to want bytes into dst: >0 bytes, 0 nothing yet, -EPIPE peer closed with the ring empty. */
static int ring_read(struct xen_link *l, void *dst, size_t want)
{
    int n = libxenvchan_read(l->vc, dst, want);

    if (n < 0)
        return -EPIPE;
    if ((size_t)n > want)
        return -EPROTO;
    return n;
}

int plat_xen_link_recv(void *link_impl, void *buf, size_t cap, size_t *len)
{
    struct xen_link *l = link_impl;
    int n;

    if (l->state == XVIOS_LINK_DEAD)
        return l->dead_err ? l->dead_err : -EPIPE;
    if (l->state != XVIOS_LINK_UP)
        return -EAGAIN;
    for (;;) {
        if (l->rx_hdr_got < PLAT_XEN_FRAME_HDR) {
            n = ring_read(l, l->rx_hdr + l->rx_hdr_got, PLAT_XEN_FRAME_HDR - l->rx_hdr_got);
        } else {
            n = ring_read(l, l->rx_buf + l->rx_got, l->rx_len - l->rx_got);
        }
        if (n == -EPIPE) {
            mark_dead(l, -EPIPE, "peer closed the vchan");
            return -EPIPE;
        }
        if (n < 0) {
            mark_dead(l, -EPROTO, "ring read beyond the request");
            return -EPROTO;
        }
        if (n == 0) {
            wake_set(l, false);
            return -EAGAIN;
        }
        if (l->rx_hdr_got < PLAT_XEN_FRAME_HDR) {
            l->rx_hdr_got += (size_t)n;
            if (l->rx_hdr_got == PLAT_XEN_FRAME_HDR) {
                uint32_t untrusted_len = xvios_get_le32(l->rx_hdr);

                if (untrusted_len == 0) {
                    /* an empty frame: the stream is still in step; drop it, the link stays up */
                    l->rx_hdr_got = 0;
                    XLOG_WARN("dropped an empty datagram from node %u", l->peer.peer_node);
                    return -EBADMSG;
                }
                if (untrusted_len > XVIOS_LINK_MAX_DGRAM) {
                    l->n_proto_errors++;
                    mark_dead(l, -EPROTO, "frame length %u (1..%u allowed): corrupt stream", untrusted_len,
                              XVIOS_LINK_MAX_DGRAM);
                    return -EPROTO;
                }
                l->rx_len = untrusted_len;
                l->rx_got = 0;
            }
            continue;
        }
        l->rx_got += (size_t)n;
        if (l->rx_got < l->rx_len)
            continue;
        /* one whole datagram */
        l->rx_hdr_got = 0;
        wake_set(l, libxenvchan_data_ready(l->vc) > 0);
        if (l->rx_len > cap) {
            XLOG_WARN("dropped a %u-byte datagram from node %u: the receive buffer holds %zu", l->rx_len,
                      l->peer.peer_node, cap);
            return -EMSGSIZE;
        }
        memcpy(buf, l->rx_buf, l->rx_len);
        *len = l->rx_len;
        return 0;
    }
}
