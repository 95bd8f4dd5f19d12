/* SPDX-License-Identifier: MIT */
/*
 * test_xen_ring.c - the ring seam on Xen over faked libxengnttab and
 * libxenevtchn (xen_mock_ring.c): grant copy as one batched call with Xen's
 * per-segment statuses mapped to errnos; the map + memcpy + unmap fallback
 * chosen when the probe fails (same results for the caller, no copy call
 * ever made); maps shared both ways and all-or-nothing; argument refusals
 * that never reach the library; event channels bound, masked by pending,
 * re-armed by unmask, and xenevtchn_pending() never called when it would
 * block.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/plat/xen/xen_mock.h"
#include "tests/unit/plat/xen/xen_mock_ring.h"
#include "xvios/platform.h"
#include "xvios/ring.h"

#define BE 5
#define FE 7
#define PG XVIOS_GNT_PAGE_SIZE

static xvios_plat *plat;

static int setup(void **state)
{
    struct xvios_plat_config cfg = {.kind = XVIOS_PLAT_XEN};

    (void)state;
    mock_xen_reset();
    mock_ring_reset();
    mock_domain_add(0, "Domain-0", NULL);
    mock_domain_add(BE, "vios1", NULL);
    mock_domain_add(FE, "client1", NULL);
    mock_ring.fe_domid = FE;
    for (unsigned p = 0; p < MOCK_GNT_PAGES; p++)
        for (unsigned i = 0; i < PG; i++)
            mock_gnt_page(p)[i] = (uint8_t)(p * 31u + i);
    mock_gnt_grant(10, 1, BE, false);
    mock_gnt_grant(11, 2, BE, true);
    mock_gnt_grant(12, 3, 6, false);
    mock_xen.open_domid = BE;
    assert_int_equal(xvios_plat_open(&cfg, &plat), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    xvios_plat_close(plat);
    assert_int_equal(mock_ring.open_handles, 0); /* every gnttab/evtchn handle closed */
    assert_int_equal(mock_ring.live_maps, 0);
    mock_ring_reset();
    mock_xen_reset();
    return 0;
}

static bool readable(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

/* The same batch on both copy paths: two good segments, three refused ones. */
static void copy_batch(xvios_gnt *g, int refused_status)
{
    uint8_t in[100], out[50], junk[16];
    struct xvios_gnt_seg s[5];

    memset(out, 0xA5, sizeof(out));
    memset(s, 0, sizeof(s));
    s[0] = (struct xvios_gnt_seg){.gref = 10, .offset = 8, .len = 100, .buf = in, .dir = XVIOS_GNT_FROM_FE};
    s[1] = (struct xvios_gnt_seg){.gref = 10, .offset = 4046, .len = 50, .buf = out, .dir = XVIOS_GNT_TO_FE};
    s[2] = (struct xvios_gnt_seg){.gref = 11, .offset = 0, .len = 16, .buf = junk, .dir = XVIOS_GNT_TO_FE};
    s[3] = (struct xvios_gnt_seg){.gref = 12, .offset = 0, .len = 16, .buf = junk, .dir = XVIOS_GNT_FROM_FE};
    s[4] = (struct xvios_gnt_seg){.gref = 99, .offset = 0, .len = 16, .buf = junk, .dir = XVIOS_GNT_FROM_FE};
    assert_int_equal(xvios_gnt_copy(g, s, 5), 3);
    assert_int_equal(s[0].status, 0);
    assert_int_equal(s[1].status, 0);
    assert_memory_equal(in, mock_gnt_page(1) + 8, 100);
    assert_memory_equal(mock_gnt_page(1) + 4046, out, 50);
    assert_int_equal(s[2].status, refused_status);  /* read-only, written */
    assert_int_equal(s[3].status, refused_status);  /* granted to domain 6 */
    assert_int_equal(s[4].status, -EINVAL);         /* beyond the table */
    assert_int_equal(mock_gnt_page(2)[0], (uint8_t)(2 * 31u)); /* the read-only page is untouched */
}

static void test_copy_native(void **state)
{
    xvios_gnt *g = NULL;

    (void)state;
    assert_int_equal(xvios_gnt_open(plat, FE, 32, &g), 0);
    assert_true(xvios_gnt_copy_native(g));
    assert_int_equal(mock_ring.max_grants, 32);
    copy_batch(g, -EPERM);
    assert_int_equal(mock_ring.copy_calls, 1);   /* one batched call */
    assert_int_equal(mock_ring.copy_segs, 5);
    assert_int_equal(mock_ring.map_calls, 0);
    xvios_gnt_close(g);
}

static void test_copy_fallback(void **state)
{
    xvios_gnt *g = NULL;

    (void)state;
    mock_ring.copy_unsupported = true;
    assert_int_equal(xvios_gnt_open(plat, FE, 32, &g), 0);
    assert_false(xvios_gnt_copy_native(g));
    copy_batch(g, -EINVAL);                      /* gntdev says EINVAL for every refused map */
    assert_int_equal(mock_ring.copy_calls, 0);   /* the fake fails any copy after a failed probe */
    assert_int_equal(mock_ring.map_calls, 5);
    assert_int_equal(mock_ring.unmap_calls, 2);  /* each good segment mapped and unmapped */
    assert_int_equal(mock_ring.live_maps, 0);
    xvios_gnt_close(g);
}

static void test_map_and_arguments(void **state)
{
    xvios_gnt *g = NULL;
    uint32_t refs[3] = {10, 11, 10};
    uint8_t *m = NULL, buf[PG];
    void *m2 = NULL;
    struct xvios_gnt_seg s = {.gref = 10, .offset = 4000, .len = 200, .buf = buf, .dir = XVIOS_GNT_FROM_FE};

    (void)state;
    assert_int_equal(xvios_gnt_open(plat, BE, 2, &g), -EINVAL);       /* ourselves */
    assert_int_equal(xvios_gnt_open(plat, 0x7ff0, 2, &g), -EINVAL);
    assert_int_equal(xvios_gnt_open(plat, FE, 0, &g), -EINVAL);
    mock_ring.gnttab_open_fail = true;
    assert_int_equal(xvios_gnt_open(plat, FE, 2, &g), -ENOENT);
    mock_ring.gnttab_open_fail = false;
    assert_null(g);
    assert_int_equal(xvios_gnt_open(plat, FE, 2, &g), 0);

    assert_int_equal(xvios_gnt_map(g, refs, 2, true, (void **)&m), -EINVAL);  /* 11 is read-only */
    assert_null(m);
    assert_int_equal(xvios_gnt_map(g, refs, 2, false, (void **)&m), 0);
    assert_memory_equal(m, mock_gnt_page(1), PG);
    assert_memory_equal(m + PG, mock_gnt_page(2), PG);
    assert_int_equal(xvios_gnt_map(g, refs, 1, true, &m2), -ENOSPC); /* budget of 2 */
    assert_int_equal(mock_ring.map_calls, 2);                                  /* refused before gntdev */
    assert_int_equal(xvios_gnt_unmap(g, m, 1), -EINVAL);
    assert_int_equal(xvios_gnt_unmap(g, m, 2), 0);
    assert_int_equal(xvios_gnt_map(g, refs, 1, true, (void **)&m), 0);
    m[7] = 0x5A;
    assert_int_equal(mock_gnt_page(1)[7], 0x5A);
    mock_gnt_page(1)[9] = 0x6B;
    assert_int_equal(m[9], 0x6B);
    assert_int_equal(xvios_gnt_unmap(g, m, 1), 0);

    /* argument errors never reach the library */
    assert_int_equal(xvios_gnt_copy(g, &s, 1), -EINVAL);
    s.offset = 0;
    s.len = 0;
    assert_int_equal(xvios_gnt_copy(g, &s, 1), -EINVAL);
    assert_int_equal(xvios_gnt_map(g, refs, 0, false, (void **)&m), -EINVAL);
    assert_int_equal(xvios_gnt_map(g, refs, XVIOS_GNT_MAX_MAP + 1, false, (void **)&m), -EINVAL);
    assert_int_equal(mock_ring.copy_calls, 0);
    assert_int_equal(mock_ring.map_calls, 3);
    /* a mapping left behind is unmapped by close (the fake fails a close with mappings) */
    assert_int_equal(xvios_gnt_map(g, refs, 1, false, (void **)&m), 0);
    xvios_gnt_close(g);
}

static void test_evtchn(void **state)
{
    xvios_evtchn *ch = NULL, *ch2 = NULL;
    int fd, local;

    (void)state;
    mock_evtchn_offer(3, BE);
    mock_evtchn_offer(4, 6);
    assert_int_equal(xvios_evtchn_bind(plat, FE, 4, &ch), -EINVAL);  /* offered to another domain */
    assert_int_equal(xvios_evtchn_bind(plat, FE, 0, &ch), -EINVAL);
    assert_int_equal(xvios_evtchn_bind(plat, BE, 3, &ch), -EINVAL);
    mock_ring.evtchn_open_fail = true;
    assert_int_equal(xvios_evtchn_bind(plat, FE, 3, &ch), -ENOENT);
    mock_ring.evtchn_open_fail = false;
    assert_int_equal(mock_ring.open_handles, 0);                     /* nothing leaked on failure */

    assert_int_equal(xvios_evtchn_bind(plat, FE, 3, &ch), 0);
    assert_true(mock_evtchn_bound(3));
    assert_int_equal(xvios_evtchn_bind(plat, FE, 3, &ch2), -EINVAL);
    assert_int_equal(mock_ring.open_handles, 1);
    local = (int)xvios_evtchn_local_port(ch);
    fd = xvios_evtchn_fd(ch);
    assert_true(readable(fd));                                       /* starts pending */
    assert_int_equal(xvios_evtchn_pending(ch), local);
    assert_false(readable(fd));
    assert_int_equal(xvios_evtchn_pending(ch), -EAGAIN);             /* and never blocks */
    mock_evtchn_fire(3);
    assert_false(readable(fd));                                      /* masked */
    assert_int_equal(xvios_evtchn_unmask(ch), 0);
    assert_true(readable(fd));
    assert_int_equal(xvios_evtchn_pending(ch), local);
    assert_int_equal(xvios_evtchn_unmask(ch), 0);
    assert_int_equal(xvios_evtchn_pending(ch), -EAGAIN);
    assert_int_equal(xvios_evtchn_notify(ch), 0);
    assert_int_equal(mock_ring.notifies, 1);
    xvios_evtchn_unbind(ch);
    assert_false(mock_evtchn_bound(3));
    assert_int_equal(mock_ring.open_handles, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copy_native, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_and_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evtchn, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
