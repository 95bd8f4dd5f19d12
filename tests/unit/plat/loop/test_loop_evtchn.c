/* SPDX-License-Identifier: MIT */
/*
 * test_loop_evtchn.c - loopback event channels through the ring seam: only
 * the domain a port was offered to can bind it, and only once; a fresh
 * binding starts pending (as on Xen); pending masks (the fd stops being
 * readable even when the frontend notifies again), unmask re-delivers;
 * notify reaches the frontend's end; unbind hands the port back unbound.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/loopback.h"
#include "xvios/ring.h"

#define FE 7
#define BE 5
#define OTHER 6

static bool readable(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

static void test_bind_notify_mask(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *fe = loop_fixture_open(f->root, FE), *be = loop_fixture_open(f->root, BE);
    xvios_plat *other = loop_fixture_open(f->root, OTHER);
    xvios_loop_gntshr *gs = NULL;
    xvios_evtchn *ch = NULL, *ch2 = NULL;
    uint32_t port = 0, local;
    int fd;

    assert_non_null(fe);
    assert_non_null(be);
    assert_non_null(other);
    assert_int_equal(xvios_loop_gntshr_open(fe, 2, &gs), 0);
    assert_int_equal(xvios_loop_evtchn_alloc_unbound(gs, BE, &port), 0);
    assert_true(port > 0);
    assert_false(xvios_loop_evtchn_bound(gs, port));

    /* offered to 5: 6 cannot bind it; nobody binds a port that was never allocated */
    assert_int_equal(xvios_evtchn_bind(other, FE, port, &ch), -EINVAL);
    assert_int_equal(xvios_evtchn_bind(be, FE, port + 1, &ch), -EINVAL);
    assert_int_equal(xvios_evtchn_bind(be, FE, 0, &ch), -EINVAL);
    assert_int_equal(xvios_evtchn_bind(be, FE, 100000, &ch), -EINVAL);
    assert_int_equal(xvios_evtchn_bind(be, BE, port, &ch), -EINVAL);
    assert_int_equal(xvios_evtchn_bind(be, 9, port, &ch), -ENOENT);
    assert_null(ch);

    assert_int_equal(xvios_evtchn_bind(be, FE, port, &ch), 0);
    assert_true(xvios_loop_evtchn_bound(gs, port));
    assert_int_equal(xvios_evtchn_remote_port(ch), port);
    local = xvios_evtchn_local_port(ch);
    assert_true(local > 0);
    assert_int_equal(xvios_evtchn_bind(be, FE, port, &ch2), -EINVAL); /* bound already */

    /* a fresh binding is pending once */
    fd = xvios_evtchn_fd(ch);
    assert_true(readable(fd));
    assert_int_equal(xvios_evtchn_pending(ch), (int)local);
    assert_false(readable(fd));
    assert_int_equal(xvios_evtchn_pending(ch), -EAGAIN);
    /* masked: a notification waits for unmask */
    assert_int_equal(xvios_loop_evtchn_notify(gs, port), 0);
    assert_false(readable(fd));
    assert_int_equal(xvios_evtchn_pending(ch), -EAGAIN);
    assert_int_equal(xvios_evtchn_unmask(ch), 0);
    assert_true(readable(fd));
    assert_int_equal(xvios_evtchn_pending(ch), (int)local);
    assert_int_equal(xvios_evtchn_unmask(ch), 0);
    assert_int_equal(xvios_evtchn_unmask(ch), 0); /* unmasking twice is harmless */
    assert_false(readable(fd));
    assert_int_equal(xvios_evtchn_pending(ch), -EAGAIN);

    /* backend -> frontend */
    assert_false(readable(xvios_loop_evtchn_fd(gs, port)));
    assert_int_equal(xvios_loop_evtchn_consume(gs, port), 0);
    assert_int_equal(xvios_evtchn_notify(ch), 0);
    assert_int_equal(xvios_evtchn_notify(ch), 0);
    assert_true(readable(xvios_loop_evtchn_fd(gs, port)));
    assert_int_equal(xvios_loop_evtchn_consume(gs, port), 1);
    assert_int_equal(xvios_loop_evtchn_consume(gs, port), 0);

    /* unbind hands the port back; it can be bound again */
    xvios_evtchn_unbind(ch);
    assert_false(xvios_loop_evtchn_bound(gs, port));
    assert_int_equal(xvios_evtchn_bind(be, FE, port, &ch), 0);
    assert_int_not_equal(xvios_evtchn_local_port(ch), local);
    /* the frontend closes its end: our end stays usable (notifications go nowhere) */
    assert_int_equal(xvios_loop_evtchn_close(gs, port), 0);
    assert_int_equal(xvios_loop_evtchn_close(gs, port), -EINVAL);
    assert_int_equal(xvios_loop_evtchn_notify(gs, port), -EINVAL);
    assert_int_equal(xvios_evtchn_notify(ch), 0);
    xvios_evtchn_unbind(ch);
    xvios_evtchn_unbind(NULL);

    xvios_loop_gntshr_close(gs);
    xvios_plat_close(fe);
    xvios_plat_close(be);
    xvios_plat_close(other);
}

static void test_ports_run_out(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *fe = loop_fixture_open(f->root, FE);
    xvios_loop_gntshr *gs = NULL;
    uint32_t port = 0;
    unsigned n = 0;
    int rc;

    assert_non_null(fe);
    assert_int_equal(xvios_loop_gntshr_open(fe, 1, &gs), 0);
    assert_int_equal(xvios_loop_evtchn_alloc_unbound(gs, FE, &port), -EINVAL);  /* not to ourselves */
    while ((rc = xvios_loop_evtchn_alloc_unbound(gs, BE, &port)) == 0)
        n++;
    assert_int_equal(rc, -ENOSPC);
    assert_int_equal(n, 63);
    xvios_loop_gntshr_close(gs); /* closes every port's pipes */
    xvios_plat_close(fe);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_bind_notify_mask),
        LOOP_FIXTURE_TEST(test_ports_run_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
