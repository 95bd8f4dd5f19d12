/* SPDX-License-Identifier: MIT */
/*
 * test_xen_link.c - seam links over a faked libxenvchan (xen_mock.c; both
 * ends in this process): rendezvous and retries, datagram framing over the
 * byte stream, deadlines on send, dead peers (closed vchan, destroyed
 * domain), corrupt framing, the management link, and that nothing ever
 * blocks (the fake fails any libxenvchan_wait() that would).
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "xen/plat/xen/plat_xen_internal.h"
#include "tests/unit/plat/xen/xen_mock.h"
#include "xvios/clock.h"
#include "xvios/platform.h"
#include "xvios/wire.h"

#define DOM_A 5 /* node 1 */
#define DOM_B 6 /* node 2 */
#define PATH_AB "/local/domain/5/data/xvios/l2"

static int setup(void **state)
{
    (void)state;
    mock_xen_reset();
    mock_domain_add(0, "Domain-0", NULL);
    mock_domain_add(DOM_A, "vios1", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    mock_domain_add(DOM_B, "vios2", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1");
    mock_domain_add(7, "other", NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(mock_vchan_live(), 0); /* every test closes what it opened */
    mock_xen_reset();
    return 0;
}

static xvios_plat *open_as(uint32_t domid)
{
    struct xvios_plat_config cfg = {.kind = XVIOS_PLAT_XEN};
    xvios_plat *p = NULL;

    mock_xen.open_domid = domid;
    assert_int_equal(xvios_plat_open(&cfg, &p), 0);
    return p;
}

static xvios_link *open_link(xvios_plat *p, uint32_t self_node, uint32_t peer_node, uint32_t self_dom,
                             uint32_t peer_dom)
{
    struct xvios_link_peer peer = {self_node, peer_node, self_dom, peer_dom};
    xvios_link *l = NULL;

    assert_int_equal(xvios_link_open(p, &peer, &l), 0);
    assert_non_null(l);
    return l;
}

static bool fd_readable(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return fd >= 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Two plats (A = domain 5 / node 1 serving, B = domain 6 / node 2 connecting) with an UP link. */
struct pair {
    xvios_plat *pa, *pb;
    xvios_link *a, *b;
};

static void pair_up(struct pair *pr)
{
    pr->pa = open_as(DOM_A);
    pr->pb = open_as(DOM_B);
    pr->a = open_link(pr->pa, 1, 2, DOM_A, DOM_B);
    pr->b = open_link(pr->pb, 2, 1, DOM_B, DOM_A);
    assert_int_equal(xvios_link_progress(pr->b), XVIOS_LINK_UP);
    assert_true(fd_readable(xvios_link_fd(pr->a))); /* the client's connect wakes the server */
    assert_int_equal(xvios_link_progress(pr->a), XVIOS_LINK_UP);
}

static void pair_down(struct pair *pr)
{
    xvios_link_close(pr->a);
    xvios_link_close(pr->b);
    xvios_plat_close(pr->pa);
    xvios_plat_close(pr->pb);
}

static int recv_one(xvios_link *l, void *buf, size_t cap, size_t *len)
{
    xvios_link_progress(l);
    return xvios_link_recv(l, buf, cap, len);
}

/* ---------------------------------------------------------------- tests */
static void test_path_fits_libxenvchan(void **state)
{
    char buf[64];

    (void)state;
    assert_int_equal(plat_xen_link_path(buf, sizeof(buf), 32751, 65535), 0);
    assert_string_equal(buf, "/local/domain/32751/data/xvios/l65535");
    assert_true(strlen(buf) + strlen("/event-channel") < 64);
    assert_int_equal(plat_xen_link_path(buf, sizeof(buf), 3, 0), 0);
    assert_string_equal(buf, "/local/domain/3/data/xvios/mgmt");
}

static void test_server_init_failure(void **state)
{
    xvios_plat *p = open_as(DOM_A);
    struct xvios_link_peer peer = {1, 2, DOM_A, DOM_B};
    xvios_link *l = (xvios_link *)p;

    (void)state;
    mock_xen.vchan_server_fail = true;
    assert_int_equal(xvios_link_open(p, &peer, &l), -EACCES);
    assert_null(l);
    assert_int_equal(mock_xen.vchan_server_calls, 1);
    xvios_plat_close(p);
}

static void test_wrong_domids_refused(void **state)
{
    xvios_plat *p = open_as(DOM_A);
    struct xvios_link_peer wrong_self = {1, 2, DOM_B, DOM_B};
    struct xvios_link_peer to_self = {1, 2, DOM_A, DOM_A};
    struct xvios_link_peer mgmt_not_dom0 = {1, 0, DOM_A, 7};
    xvios_link *l = NULL;

    (void)state;
    assert_int_equal(xvios_link_open(p, &wrong_self, &l), -EINVAL);
    assert_int_equal(xvios_link_open(p, &to_self, &l), -EINVAL);
    assert_int_equal(xvios_link_open(p, &mgmt_not_dom0, &l), -EINVAL);
    assert_null(l);
    assert_int_equal(mock_xen.vchan_server_calls, 0);
    xvios_plat_close(p);
}

static void test_rendezvous_path_and_cleanup(void **state)
{
    xvios_plat *p = open_as(DOM_A);
    xvios_link *l;

    (void)state;
    mock_xs_put(PATH_AB "/stale", "x", 1); /* left by a crashed predecessor */
    l = open_link(p, 1, 2, DOM_A, DOM_B);
    assert_int_equal(xvios_link_state(l), XVIOS_LINK_CONNECTING);
    assert_false(mock_xs_exists(PATH_AB "/stale"));
    assert_true(mock_xs_exists(PATH_AB "/ring-ref"));
    assert_true(mock_xs_exists(PATH_AB "/event-channel"));
    assert_non_null(mock_vchan_end(PATH_AB, true));
    assert_true(xvios_link_fd(l) >= 0);
    /* no client yet: still connecting, and progress does not block */
    assert_int_equal(xvios_link_progress(l), XVIOS_LINK_CONNECTING);
    xvios_link_close(l);
    assert_false(mock_xs_exists(PATH_AB));
    xvios_plat_close(p);
}

static void test_client_retries_until_served(void **state)
{
    xvios_plat *pa = open_as(DOM_A), *pb = open_as(DOM_B);
    xvios_link *a, *b;

    (void)state;
    b = open_link(pb, 2, 1, DOM_B, DOM_A);
    assert_int_equal(xvios_link_state(b), XVIOS_LINK_CONNECTING);
    assert_int_equal(xvios_link_fd(b), -1); /* retried on the caller's timer */
    assert_int_equal(xvios_link_progress(b), XVIOS_LINK_CONNECTING);
    assert_int_equal(mock_xen.vchan_client_calls, 1);

    a = open_link(pa, 1, 2, DOM_A, DOM_B);
    /* retries are paced */
    assert_int_equal(xvios_link_progress(b), XVIOS_LINK_CONNECTING);
    assert_int_equal(mock_xen.vchan_client_calls, 1);
    /* client_init failing although served (e.g. grant mapping raced): still connecting */
    mock_xen.vchan_client_fail = 1;
    sleep_ms(PLAT_XEN_CONNECT_RETRY_MS + 10);
    assert_int_equal(xvios_link_progress(b), XVIOS_LINK_CONNECTING);
    assert_int_equal(mock_xen.vchan_client_calls, 2);
    sleep_ms(PLAT_XEN_CONNECT_RETRY_MS + 10);
    assert_int_equal(xvios_link_progress(b), XVIOS_LINK_UP);
    assert_int_equal(mock_xen.vchan_client_calls, 3);
    assert_true(xvios_link_fd(b) >= 0);
    assert_int_equal(xvios_link_progress(a), XVIOS_LINK_UP);
    xvios_link_close(a);
    xvios_link_close(b);
    xvios_plat_close(pa);
    xvios_plat_close(pb);
}

static void test_send_before_up(void **state)
{
    xvios_plat *p = open_as(DOM_B);
    xvios_link *b = open_link(p, 2, 1, DOM_B, DOM_A);
    struct timespec dl = xvios_deadline_ms(10);
    char buf[8];
    size_t len;

    (void)state;
    assert_int_equal(xvios_link_send(b, "x", 1, &dl), -ENOTCONN);
    assert_int_equal(xvios_link_recv(b, buf, sizeof(buf), &len), -EAGAIN);
    xvios_link_close(b);
    xvios_plat_close(p);
}

static void test_roundtrip_and_fd_readiness(void **state)
{
    struct pair pr;
    static uint8_t big[XVIOS_LINK_MAX_DGRAM], got[XVIOS_LINK_MAX_DGRAM];
    struct timespec dl;
    size_t len = 0;

    (void)state;
    pair_up(&pr);
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + 3);

    /* nothing yet */
    assert_int_equal(xvios_link_recv(pr.a, got, sizeof(got), &len), -EAGAIN);
    assert_false(fd_readable(xvios_link_fd(pr.a)));

    dl = xvios_deadline_ms(1000);
    assert_int_equal(xvios_link_send(pr.b, "hello", 5, &dl), 0);
    assert_true(fd_readable(xvios_link_fd(pr.a)));
    assert_int_equal(recv_one(pr.a, got, sizeof(got), &len), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(got, "hello", 5);
    assert_int_equal(xvios_link_recv(pr.a, got, sizeof(got), &len), -EAGAIN);
    /* all consumed: the fd must not stay readable (no busy loop) */
    xvios_link_progress(pr.a);
    assert_false(fd_readable(xvios_link_fd(pr.a)));

    /* both directions, the largest datagram, many times round the ring */
    for (int round = 0; round < 9; round++) {
        size_t n = round % 3 == 0 ? XVIOS_LINK_MAX_DGRAM : (size_t)(1000 + round * 7919);
        xvios_link *from = round % 2 ? pr.a : pr.b, *to = round % 2 ? pr.b : pr.a;

        big[0] = (uint8_t)round;
        dl = xvios_deadline_ms(1000);
        assert_int_equal(xvios_link_send(from, big, n, &dl), 0);
        assert_int_equal(recv_one(to, got, sizeof(got), &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(got, big, n);
    }
    /* order is kept for several queued datagrams */
    for (uint8_t i = 1; i <= 5; i++) {
        dl = xvios_deadline_ms(1000);
        assert_int_equal(xvios_link_send(pr.a, &i, 1, &dl), 0);
    }
    for (uint8_t i = 1; i <= 5; i++) {
        assert_int_equal(recv_one(pr.b, got, sizeof(got), &len), 0);
        assert_int_equal(len, 1);
        assert_int_equal(got[0], i);
    }
    assert_int_equal(recv_one(pr.b, got, sizeof(got), &len), -EAGAIN);
    pair_down(&pr);
}

static void test_send_deadline_never_leaves_half_a_frame(void **state)
{
    struct pair pr;
    static uint8_t big[XVIOS_LINK_MAX_DGRAM], got[XVIOS_LINK_MAX_DGRAM];
    struct timespec dl, t0, t1;
    size_t len;

    (void)state;
    pair_up(&pr);
    memset(big, 0xab, sizeof(big));
    dl = xvios_deadline_ms(1000);
    assert_int_equal(xvios_link_send(pr.a, big, sizeof(big), &dl), 0);
    /* the ring (128 KiB) cannot take a second 65540-byte frame while nobody reads */
    t0 = xvios_now();
    dl = xvios_deadline_ms(60);
    assert_int_equal(xvios_link_send(pr.a, big, sizeof(big), &dl), -ETIMEDOUT);
    t1 = xvios_now();
    assert_true(xvios_ts_diff_ms(t0, t1) >= 55);
    assert_true(xvios_ts_diff_ms(t0, t1) < 1000);
    assert_int_equal(mock_vchan_queued(mock_vchan_end(PATH_AB, true)), PLAT_XEN_FRAME_HDR + sizeof(big));
    /* a NULL deadline means "now" */
    assert_int_equal(xvios_link_send(pr.a, big, sizeof(big), NULL), -ETIMEDOUT);
    /* once the peer reads, the link is intact and sending works again */
    assert_int_equal(recv_one(pr.b, got, sizeof(got), &len), 0);
    assert_int_equal(len, sizeof(big));
    dl = xvios_deadline_ms(1000);
    assert_int_equal(xvios_link_send(pr.a, "z", 1, &dl), 0);
    assert_int_equal(recv_one(pr.b, got, sizeof(got), &len), 0);
    assert_int_equal(len, 1);
    assert_int_equal(got[0], 'z');
    assert_int_equal(xvios_link_state(pr.a), XVIOS_LINK_UP);
    pair_down(&pr);
}

static void test_dead_peer_closed(void **state)
{
    struct pair pr;
    struct timespec dl = xvios_deadline_ms(1000);
    uint8_t got[64];
    size_t len;

    (void)state;
    pair_up(&pr);
    /* what the peer sent before closing is still delivered, then the link is dead */
    assert_int_equal(xvios_link_send(pr.b, "last", 4, &dl), 0);
    xvios_link_close(pr.b);
    pr.b = NULL;
    assert_true(fd_readable(xvios_link_fd(pr.a)));
    assert_int_equal(xvios_link_progress(pr.a), XVIOS_LINK_UP);
    assert_int_equal(xvios_link_recv(pr.a, got, sizeof(got), &len), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(got, "last", 4);
    assert_int_equal(xvios_link_recv(pr.a, got, sizeof(got), &len), -EPIPE);
    assert_int_equal(xvios_link_state(pr.a), XVIOS_LINK_DEAD);
    assert_int_equal(xvios_link_progress(pr.a), XVIOS_LINK_DEAD);
    assert_int_equal(xvios_link_send(pr.a, "x", 1, &dl), -EPIPE);
    assert_int_equal(xvios_link_fd(pr.a), -1);
    pair_down(&pr);
}

static void test_dead_peer_is_open_zero(void **state)
{
    struct pair pr;
    struct timespec dl = xvios_deadline_ms(1000);
    uint8_t got[64];
    size_t len;

    (void)state;
    pair_up(&pr);
    /* the server ends (is_open() turns 0 on the client side) with nothing left to read */
    xvios_link_close(pr.a);
    pr.a = NULL;
    assert_int_equal(xvios_link_send(pr.b, "x", 1, &dl), -EPIPE);
    assert_int_equal(xvios_link_progress(pr.b), XVIOS_LINK_DEAD);
    assert_int_equal(xvios_link_recv(pr.b, got, sizeof(got), &len), -EPIPE);
    pair_down(&pr);
}

static void test_peer_domain_destroyed(void **state)
{
    struct pair pr;

    (void)state;
    pair_up(&pr);
    /* another domain going away does not matter */
    mock_domain_destroy(7);
    assert_true(fd_readable(xvios_link_fd(pr.a)));
    assert_int_equal(xvios_link_progress(pr.a), XVIOS_LINK_UP);
    assert_false(fd_readable(xvios_link_fd(pr.a)));
    /* the peer's domain vanishing (no close on its side) wakes the link and kills it */
    mock_domain_destroy(DOM_B);
    assert_true(fd_readable(xvios_link_fd(pr.a)));
    assert_int_equal(xvios_link_progress(pr.a), XVIOS_LINK_DEAD);
    pair_down(&pr);
}

static void test_peer_domain_destroyed_evtchn(void **state)
{
    struct pair pr;

    (void)state;
    mock_xen.xc_available = true; /* privcmd: the link asks about its own event channel port */
    pair_up(&pr);
    mock_domain_destroy(7);
    assert_int_equal(xvios_link_progress(pr.a), XVIOS_LINK_UP);
    assert_int_equal(xvios_link_progress(pr.b), XVIOS_LINK_UP);
    assert_true(mock_xen.evtchn_status_calls >= 2);
    /* the server's domain dies: the client's port is left unbound */
    mock_domain_destroy(DOM_A);
    assert_true(fd_readable(xvios_link_fd(pr.b)));
    assert_int_equal(xvios_link_progress(pr.b), XVIOS_LINK_DEAD);
    pair_down(&pr);
}

/*
 * xenstored deletes a destroyed domain's nodes and fires their watches
 * before @releaseDomain may reach the link's monitor: a caller that hears of
 * it on its own watches (a node leaving the cluster DB) and then looks at
 * the link finds it dead.
 */
static void test_peer_gone_seen_after_store_event(void **state)
{
    struct pair pr;
    char *path = NULL, *token = NULL;

    (void)state;
    mock_xen.xc_available = true;
    pair_up(&pr);
    assert_int_equal(xvios_store_watch(pr.pa, "/xvios/nodes", "nodes"), 0);
    while (xvios_store_watch_read(pr.pa, &path, &token) == 0) { /* the event at registration */
        free(path);
        free(token);
    }
    assert_int_equal(xvios_link_progress(pr.a), XVIOS_LINK_UP);
    /* node 2's domain is killed; its DB node goes; no @releaseDomain yet */
    mock_domain_kill(DOM_B);
    assert_int_equal(xvios_link_progress(pr.a), XVIOS_LINK_UP); /* nothing told the link yet */
    mock_xs_fire("/xvios/nodes/2");
    assert_int_equal(xvios_store_watch_read(pr.pa, &path, &token), 0);
    assert_string_equal(token, "nodes");
    free(path);
    free(token);
    assert_int_equal(xvios_link_progress(pr.a), XVIOS_LINK_DEAD);
    pair_down(&pr);
}

/*
 * A serving domU may not ask Xen about its peer nor read the peer's
 * /local/domain entry; what tells it the peer's domain is gone is the
 * connecting side's presence node, which xenstored deletes with its domain.
 */
static void test_server_sees_presence_vanish(void **state)
{
    struct pair pr;

    (void)state;
    pair_up(&pr);
    /* published by the connecting side (domain 6, node 2) for the server (domain 5, node 1) */
    assert_true(mock_xs_exists("/local/domain/6/data/xvios/p1"));
    /* another domain's end: still up */
    mock_xs_fire("@releaseDomain");
    assert_int_equal(xvios_link_progress(pr.a), XVIOS_LINK_UP);
    /* domain 6 destroyed: xenstored removes what it owned; its /local/domain entry is
     * still there (the toolstack removes it later) and the hypervisor is not asked */
    mock_xs_rm("/local/domain/6/data");
    mock_xs_fire("@releaseDomain");
    assert_int_equal(xvios_link_progress(pr.a), XVIOS_LINK_DEAD);
    pair_down(&pr);
    /* a client that closes takes its presence away */
    assert_false(mock_xs_exists("/local/domain/6/data/xvios/p1"));
}

static void test_client_sees_rendezvous_vanish(void **state)
{
    struct pair pr;

    (void)state;
    pair_up(&pr);
    /* a domU cannot read other domains' /local/domain entries, but it can read the server's
     * rendezvous, which xenstored deletes with the server's domain */
    mock_xs_rm(PATH_AB);
    mock_xs_fire("@releaseDomain");
    assert_int_equal(xvios_link_progress(pr.b), XVIOS_LINK_DEAD);
    pair_down(&pr);
}

static void put_le32(uint8_t *p, uint32_t v) { xvios_put_le32(p, v); }

static void test_oversized_length_prefix_is_sticky_eproto(void **state)
{
    struct pair pr;
    struct timespec dl = xvios_deadline_ms(1000);
    uint8_t hdr[4], got[64];
    size_t len;

    (void)state;
    pair_up(&pr);
    put_le32(hdr, XVIOS_LINK_MAX_DGRAM + 1);
    mock_vchan_push(mock_vchan_end(PATH_AB, false), hdr, sizeof(hdr));
    mock_vchan_push(mock_vchan_end(PATH_AB, false), "junk", 4);
    assert_int_equal(recv_one(pr.a, got, sizeof(got), &len), -EPROTO);
    assert_int_equal(xvios_link_state(pr.a), XVIOS_LINK_DEAD);
    assert_int_equal(xvios_link_recv(pr.a, got, sizeof(got), &len), -EPROTO);
    assert_int_equal(xvios_link_progress(pr.a), XVIOS_LINK_DEAD);
    assert_int_equal(xvios_link_send(pr.a, "x", 1, &dl), -EPIPE);
    pair_down(&pr);
}

/* An empty frame is a malformed datagram, not a hang-up and not a corrupt stream: dropped, the link stays up. */
static void test_zero_length_frame_is_dropped_link_stays_up(void **state)
{
    struct pair pr;
    uint8_t hdr[4], got[64];
    size_t len;

    (void)state;
    pair_up(&pr);
    put_le32(hdr, 0);
    mock_vchan_push(mock_vchan_end(PATH_AB, true), hdr, sizeof(hdr));
    put_le32(hdr, 2);
    mock_vchan_push(mock_vchan_end(PATH_AB, true), hdr, sizeof(hdr));
    mock_vchan_push(mock_vchan_end(PATH_AB, true), "ok", 2);
    assert_int_equal(recv_one(pr.b, got, sizeof(got), &len), -EBADMSG);
    assert_int_equal(xvios_link_state(pr.b), XVIOS_LINK_UP);
    assert_int_equal(recv_one(pr.b, got, sizeof(got), &len), 0);
    assert_int_equal(len, 2);
    assert_memory_equal(got, "ok", 2);
    assert_int_equal(xvios_link_progress(pr.b), XVIOS_LINK_UP);
    pair_down(&pr);
}

static void test_frames_split_across_reads(void **state)
{
    struct pair pr;
    struct libxenvchan *raw;
    uint8_t hdr[4], got[64];
    size_t len;

    (void)state;
    pair_up(&pr);
    raw = mock_vchan_end(PATH_AB, false);
    put_le32(hdr, 10);
    mock_vchan_push(raw, hdr, 2);
    assert_int_equal(recv_one(pr.a, got, sizeof(got), &len), -EAGAIN);
    mock_vchan_push(raw, hdr + 2, 2);
    mock_vchan_push(raw, "01234", 5);
    assert_int_equal(recv_one(pr.a, got, sizeof(got), &len), -EAGAIN);
    mock_vchan_push(raw, "56789", 5);
    assert_int_equal(recv_one(pr.a, got, sizeof(got), &len), 0);
    assert_int_equal(len, 10);
    assert_memory_equal(got, "0123456789", 10);
    assert_int_equal(xvios_link_state(pr.a), XVIOS_LINK_UP);
    pair_down(&pr);
}

static void test_datagram_larger_than_cap_dropped(void **state)
{
    struct pair pr;
    struct timespec dl = xvios_deadline_ms(1000);
    uint8_t big[100], got[50];
    size_t len;

    (void)state;
    pair_up(&pr);
    memset(big, 'q', sizeof(big));
    assert_int_equal(xvios_link_send(pr.b, big, sizeof(big), &dl), 0);
    assert_int_equal(xvios_link_send(pr.b, "next", 4, &dl), 0);
    assert_int_equal(recv_one(pr.a, got, sizeof(got), &len), -EMSGSIZE);
    /* the stream stays in step */
    assert_int_equal(xvios_link_recv(pr.a, got, sizeof(got), &len), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(got, "next", 4);
    assert_int_equal(xvios_link_state(pr.a), XVIOS_LINK_UP);
    pair_down(&pr);
}

static void test_peer_rings_too_small(void **state)
{
    xvios_plat *pa = open_as(DOM_A), *pb = open_as(DOM_B);
    xvios_link *a, *b;

    (void)state;
    mock_xen.vchan_force_order = 12; /* a server offering 4 KiB rings */
    a = open_link(pa, 1, 2, DOM_A, DOM_B);
    b = open_link(pb, 2, 1, DOM_B, DOM_A);
    assert_int_equal(xvios_link_progress(b), XVIOS_LINK_DEAD);
    xvios_link_close(a);
    xvios_link_close(b);
    xvios_plat_close(pa);
    xvios_plat_close(pb);
}

static void test_management_link(void **state)
{
    xvios_plat *pv = open_as(DOM_A), *p0 = open_as(0);
    xvios_link *vios, *console;
    struct timespec dl;
    uint8_t got[64];
    size_t len;

    (void)state;
    vios = open_link(pv, 1, 0, DOM_A, 0);          /* the VIOS serves dom0 */
    assert_true(mock_xs_exists("/local/domain/5/data/xvios/mgmt/ring-ref"));
    console = open_link(p0, 0, 1, 0, DOM_A);       /* dom0's console connects */
    assert_int_equal(xvios_link_progress(console), XVIOS_LINK_UP);
    assert_int_equal(xvios_link_progress(vios), XVIOS_LINK_UP);
    dl = xvios_deadline_ms(1000);
    assert_int_equal(xvios_link_send(console, "status?", 7, &dl), 0);
    assert_int_equal(recv_one(vios, got, sizeof(got), &len), 0);
    assert_int_equal(len, 7);
    assert_int_equal(xvios_link_send(vios, "ok", 2, &dl), 0);
    assert_int_equal(recv_one(console, got, sizeof(got), &len), 0);
    assert_memory_equal(got, "ok", 2);
    /* one console per served link: when it leaves, the VIOS side is dead and must reopen */
    xvios_link_close(console);
    assert_int_equal(xvios_link_progress(vios), XVIOS_LINK_DEAD);
    xvios_link_close(vios);
    assert_false(mock_xs_exists("/local/domain/5/data/xvios/mgmt"));
    xvios_plat_close(pv);
    xvios_plat_close(p0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_path_fits_libxenvchan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_init_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_domids_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rendezvous_path_and_cleanup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_retries_until_served, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_before_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_and_fd_readiness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_deadline_never_leaves_half_a_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_peer_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_peer_is_open_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_domain_destroyed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_domain_destroyed_evtchn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_gone_seen_after_store_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_sees_presence_vanish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_sees_rendezvous_vanish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_length_prefix_is_sticky_eproto, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_length_frame_is_dropped_link_stays_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frames_split_across_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_datagram_larger_than_cap_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_rings_too_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_management_link, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
