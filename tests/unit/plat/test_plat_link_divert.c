/* SPDX-License-Identifier: MIT */
/*
 * test_plat_link_divert.c - xvios_plat_link_divert (xen/plat/plat.c): links offered to a diverted
 * table first (the multi-host mesh takes other hosts' nodes), -ENXIO falls back to the platform's own
 * links, a diverted link's calls go to the table it was opened on, 32-bit node ids only there, and
 * undoing the divert gives every link back to the platform.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xen/plat/plat_ops.h"

/* A fake table: takes peers >= 0x100 ("another host"), counts its calls. */
struct fake {
    unsigned opened, closed, sent, received, progressed, groups;
    uint32_t last_peer, group_peers[8];
    unsigned group_n;
    int group_rc;              /* forced result of a group send */
    int open_rc;               /* forced result, 0: decide by the peer */
};
struct fake_link {
    struct fake *f;
    uint32_t peer;
};

static int f_open(void *impl, const struct xvios_link_peer *peer, void **li)
{
    struct fake *f = impl;
    if (f->open_rc)
        return f->open_rc;
    if (peer->peer_node < 0x100)
        return -ENXIO;
    struct fake_link *l = calloc(1, sizeof *l);
    if (!l)
        return -ENOMEM;
    l->f = f;
    l->peer = peer->peer_node;
    f->opened++;
    f->last_peer = peer->peer_node;
    *li = l;
    return 0;
}
static void f_close(void *li) { ((struct fake_link *)li)->f->closed++; free(li); }
static int f_fd(const void *li) { (void)li; return 42; }
static enum xvios_link_state f_progress(void *li) { ((struct fake_link *)li)->f->progressed++; return XVIOS_LINK_UP; }
static enum xvios_link_state f_state(const void *li) { (void)li; return XVIOS_LINK_UP; }
static int f_send(void *li, const void *buf, size_t len, const struct timespec *d)
{
    (void)buf, (void)d;
    ((struct fake_link *)li)->f->sent += (unsigned)len;
    return 0;
}
static int f_recv(void *li, void *buf, size_t cap, size_t *len)
{
    (void)buf, (void)cap;
    ((struct fake_link *)li)->f->received++;
    *len = 0;
    return -EAGAIN;
}
static int f_group(void *const *lis, unsigned n, const void *buf, size_t len, const struct timespec *d)
{
    struct fake *f = ((struct fake_link *)lis[0])->f;
    (void)buf, (void)d;
    if (f->group_rc)
        return f->group_rc;
    f->groups++;
    f->group_n = n;
    for (unsigned i = 0; i < n && i < 8; i++)
        f->group_peers[i] = ((struct fake_link *)lis[i])->peer;
    f->sent += (unsigned)len;
    return 0;
}
static const struct xvios_plat_ops fake_group_ops = {
    .name = "fake-group", .link_open = f_open, .link_close = f_close, .link_fd = f_fd, .link_progress = f_progress,
    .link_state = f_state, .link_send = f_send, .link_recv = f_recv, .link_group_send = f_group,
};
static const struct xvios_plat_ops fake_ops = {
    .name = "fake", .link_open = f_open, .link_close = f_close, .link_fd = f_fd, .link_progress = f_progress,
    .link_state = f_state, .link_send = f_send, .link_recv = f_recv,
};

static void test_divert_takes_its_peers(void **state)
{
    struct loop_fixture *lf = *state;
    struct fake f = { 0 };
    xvios_link *l = NULL, *own = NULL;
    struct xvios_link_peer far = { .self_node = 257, .peer_node = 770, .self_domid = 0, .peer_domid = 132 };
    struct xvios_link_peer huge = { .self_node = 0x1000001u, .peer_node = 0xffffff02u };
    struct xvios_link_peer near = { .self_node = 1, .peer_node = 2, .self_domid = 0, .peer_domid = 7 };
    struct timespec now = { 0 };
    size_t len = 0;
    uint8_t buf[8];

    /* without a divert: ids over 16 bits are refused, as before */
    assert_int_equal(xvios_link_open(lf->dom0, &huge, &l), -EINVAL);
    assert_null(l);

    xvios_plat_link_divert(lf->dom0, &fake_ops, &f);
    assert_int_equal(xvios_link_open(lf->dom0, &far, &l), 0);
    assert_int_equal(f.opened, 1);
    assert_int_equal(f.last_peer, 770);
    assert_int_equal(xvios_link_fd(l), 42);
    assert_int_equal(xvios_link_progress(l), XVIOS_LINK_UP);
    assert_int_equal(xvios_link_send(l, "abc", 3, &now), 0);
    assert_int_equal(f.sent, 3);
    assert_int_equal(xvios_link_recv(l, buf, sizeof buf, &len), -EAGAIN);
    assert_int_equal(f.received, 1);
    assert_int_equal(xvios_link_peer(l)->peer_node, 770);

    /* any 32-bit ids go to the divert */
    xvios_link *h = NULL;
    assert_int_equal(xvios_link_open(lf->dom0, &huge, &h), 0);
    assert_int_equal(f.last_peer, 0xffffff02u);
    xvios_link_close(h);
    assert_int_equal(f.closed, 1);

    /* -ENXIO: the platform's own link (loopback: CONNECTING, no peer yet) */
    assert_int_equal(xvios_link_open(lf->dom0, &near, &own), 0);
    assert_int_equal(f.opened, 2);
    assert_int_not_equal(xvios_link_fd(own), 42);

    /* another error of the divert is the answer, no fallback */
    f.open_rc = -ENOSPC;
    xvios_link *x = NULL;
    assert_int_equal(xvios_link_open(lf->dom0, &far, &x), -ENOSPC);
    assert_null(x);
    f.open_rc = 0;

    /* undone: new links are the platform's; the diverted one still runs on its table until closed */
    xvios_plat_link_divert(lf->dom0, NULL, NULL);
    assert_int_equal(xvios_link_open(lf->dom0, &huge, &x), -EINVAL);
    assert_int_equal(xvios_link_send(l, "de", 2, &now), 0);
    assert_int_equal(f.sent, 5);
    xvios_link_close(l);
    assert_int_equal(f.closed, 2);
    xvios_link_close(own);
    assert_int_equal(f.closed, 2);
    /* same node at both ends is refused before any table sees it */
    xvios_plat_link_divert(lf->dom0, &fake_ops, &f);
    far.peer_node = far.self_node;
    assert_int_equal(xvios_link_open(lf->dom0, &far, &x), -EINVAL);
    assert_int_equal(f.opened, 2);
    xvios_plat_link_divert(lf->dom0, NULL, NULL);
}

/* xvios_link_group_send: one call of the table's group send for links of that table; every refusal
 * before the table is asked (nothing sent); a table without one answers -EOPNOTSUPP. */
static void test_group_send(void **state)
{
    struct loop_fixture *lf = *state;
    struct fake f = { 0 };
    xvios_link *a = NULL, *b = NULL, *own = NULL, *plain = NULL;
    struct xvios_link_peer pa = { .self_node = 257, .peer_node = 513 }, pb = { .self_node = 257, .peer_node = 770 },
                           pc = { .self_node = 257, .peer_node = 769 }, pn = { .self_node = 1, .peer_node = 2 };
    struct timespec now = { 0 };
    static uint8_t huge[XVIOS_LINK_MAX_DGRAM + 1];

    xvios_plat_link_divert(lf->dom0, &fake_group_ops, &f);
    assert_int_equal(xvios_link_open(lf->dom0, &pa, &a), 0);
    assert_int_equal(xvios_link_open(lf->dom0, &pb, &b), 0);
    assert_int_equal(xvios_link_open(lf->dom0, &pn, &own), 0);   /* the platform's own (loopback) */
    assert_true(xvios_link_group_capable(a));
    assert_false(xvios_link_group_capable(own));
    assert_false(xvios_link_group_capable(NULL));

    xvios_link *ab[] = { a, b };
    assert_int_equal(xvios_link_group_send(ab, 2, "bcast", 5, &now), 0);
    assert_int_equal(f.groups, 1);
    assert_int_equal(f.group_n, 2);
    assert_int_equal(f.group_peers[0], 513);
    assert_int_equal(f.group_peers[1], 770);
    assert_int_equal(f.sent, 5);

    /* refused before the table: mixed tables, a node twice, none, too many, empty or oversized */
    xvios_link *mixed[] = { a, own };
    assert_int_equal(xvios_link_group_send(mixed, 2, "x", 1, &now), -EINVAL);
    xvios_link *twice[] = { a, a };
    assert_int_equal(xvios_link_group_send(twice, 2, "x", 1, &now), -EINVAL);
    assert_int_equal(xvios_link_group_send(ab, 0, "x", 1, &now), -EINVAL);
    assert_int_equal(xvios_link_group_send(ab, XVIOS_LINK_GROUP_MAX + 1, "x", 1, &now), -EINVAL);
    assert_int_equal(xvios_link_group_send(ab, 2, "x", 0, &now), -EMSGSIZE);
    assert_int_equal(xvios_link_group_send(ab, 2, huge, sizeof huge, &now), -EMSGSIZE);
    xvios_link *owns[] = { own };
    assert_int_equal(xvios_link_group_send(owns, 1, "x", 1, &now), -EOPNOTSUPP);
    assert_int_equal(f.groups, 1);
    /* the table's own refusal is the answer */
    f.group_rc = -ENOBUFS;
    assert_int_equal(xvios_link_group_send(ab, 2, "x", 1, &now), -ENOBUFS);
    f.group_rc = 0;

    /* a table without a group send */
    xvios_plat_link_divert(lf->dom0, &fake_ops, &f);
    assert_int_equal(xvios_link_open(lf->dom0, &pc, &plain), 0);
    assert_false(xvios_link_group_capable(plain));
    xvios_link *pl[] = { plain };
    assert_int_equal(xvios_link_group_send(pl, 1, "x", 1, &now), -EOPNOTSUPP);
    xvios_link *ap[] = { a, plain };  /* two tables */
    assert_int_equal(xvios_link_group_send(ap, 2, "x", 1, &now), -EINVAL);
    xvios_plat_link_divert(lf->dom0, NULL, NULL);
    xvios_link_close(a);
    xvios_link_close(b);
    xvios_link_close(plain);
    xvios_link_close(own);
    assert_int_equal(f.closed, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_divert_takes_its_peers),
        LOOP_FIXTURE_TEST(test_group_send),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
