/* SPDX-License-Identifier: MIT */
/*
 * test_tcp_link.c - the TCP+TLS-PSK links (xen/plat/tcp/tcp_link.c) over
 * 127.0.0.1 in one process: both ends come UP and learn each other's node;
 * datagrams of 1 byte to 64 KiB both ways, in order; the bounds and states
 * (-EMSGSIZE, -ENOTCONN, cap too small); a wrong cluster key and a wrong
 * peer never come UP; a closed peer is DEAD; a reader that stalls makes the
 * sender time out with nothing lost; the key file checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "xvios/clock.h"
#include "xvios/tcplink.h"

static struct xvios_tcp_key key_a, key_b;

static void keys(void)
{
    key_a.len = key_b.len = 64;
    for (unsigned i = 0; i < 64; i++) {
        key_a.key[i] = (uint8_t)(i * 7 + 1);
        key_b.key[i] = (uint8_t)(i * 7 + 2);
    }
}

struct pair {
    xvios_tcp_listener *l;
    xvios_tcp_link *srv, *cli;
};

/* Progress both ends until both are UP or either is DEAD, or 5 s pass. */
static void pump(struct pair *p, const struct xvios_tcp_key *srv_key)
{
    struct timespec dl = xvios_deadline_ms(5000);
    while (!xvios_ts_passed(&dl)) {
        if (!p->srv)
            xvios_tcp_accept(p->l, srv_key, 1, &p->srv);
        enum xvios_link_state c = xvios_tcp_link_progress(p->cli);
        enum xvios_link_state s = p->srv ? xvios_tcp_link_progress(p->srv) : XVIOS_LINK_CONNECTING;
        if ((c == XVIOS_LINK_UP && s == XVIOS_LINK_UP) || c == XVIOS_LINK_DEAD || s == XVIOS_LINK_DEAD)
            return;
        struct pollfd pf[2] = { { .fd = xvios_tcp_link_fd(p->cli), .events = POLLIN },
                                { .fd = p->srv ? xvios_tcp_link_fd(p->srv) : xvios_tcp_listener_fd(p->l),
                                  .events = POLLIN } };
        poll(pf, 2, 5);
    }
}

static void open_pair(struct pair *p, const struct xvios_tcp_key *cli_key, uint32_t want_peer)
{
    memset(p, 0, sizeof *p);
    assert_int_equal(xvios_tcp_listen("127.0.0.1", 0, &p->l), 0);
    assert_true(xvios_tcp_listener_port(p->l) > 0);
    assert_int_equal(xvios_tcp_connect("127.0.0.1", xvios_tcp_listener_port(p->l), cli_key, 2, want_peer, &p->cli), 0);
}

static void close_pair(struct pair *p)
{
    xvios_tcp_link_close(p->cli);
    xvios_tcp_link_close(p->srv);
    xvios_tcp_listener_close(p->l);
}

/* One datagram from l within 5 s (progressing both ends). */
static int recv_one(struct pair *p, xvios_tcp_link *l, void *buf, size_t cap, size_t *len)
{
    struct timespec dl = xvios_deadline_ms(5000);
    for (;;) {
        int rc = xvios_tcp_link_recv(l, buf, cap, len);
        if (rc != -EAGAIN || xvios_ts_passed(&dl))
            return rc;
        xvios_tcp_link_progress(p->cli);
        xvios_tcp_link_progress(p->srv);
        struct pollfd pf = { .fd = xvios_tcp_link_fd(l), .events = POLLIN };
        poll(&pf, 1, 5);
    }
}

static void test_up_and_datagrams(void **state)
{
    (void)state;
    static uint8_t out[XVIOS_LINK_MAX_DGRAM], in[XVIOS_LINK_MAX_DGRAM];
    struct pair p;
    size_t len = 0;
    open_pair(&p, &key_a, 1);
    struct timespec dl = xvios_deadline_ms(1000);
    assert_int_equal(xvios_tcp_link_send(p.cli, "x", 1, &dl), -ENOTCONN);
    pump(&p, &key_a);
    assert_non_null(p.srv);
    assert_int_equal(xvios_tcp_link_state(p.cli), XVIOS_LINK_UP);
    assert_int_equal(xvios_tcp_link_state(p.srv), XVIOS_LINK_UP);
    assert_int_equal(xvios_tcp_link_peer(p.cli), 1);
    assert_int_equal(xvios_tcp_link_peer(p.srv), 2);

    const size_t sizes[] = { 1, 2, 100, 16383, 16384, 16385, 40000, XVIOS_LINK_MAX_DGRAM };
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (size_t k = 0; k < sizes[i]; k++)
            out[k] = (uint8_t)(k * 31 + i);
        dl = xvios_deadline_ms(5000);
        assert_int_equal(xvios_tcp_link_send(p.cli, out, sizes[i], &dl), 0);
        assert_int_equal(recv_one(&p, p.srv, in, sizeof in, &len), 0);
        assert_int_equal(len, sizes[i]);
        assert_memory_equal(in, out, len);
        assert_int_equal(xvios_tcp_link_send(p.srv, out, sizes[i], &dl), 0);
        assert_int_equal(recv_one(&p, p.cli, in, sizeof in, &len), 0);
        assert_int_equal(len, sizes[i]);
        assert_memory_equal(in, out, len);
    }
    /* many small ones keep their order */
    for (uint32_t i = 0; i < 500; i++) {
        dl = xvios_deadline_ms(5000);
        assert_int_equal(xvios_tcp_link_send(p.cli, &i, sizeof i, &dl), 0);
    }
    for (uint32_t i = 0; i < 500; i++) {
        uint32_t got = 0;
        assert_int_equal(recv_one(&p, p.srv, &got, sizeof got, &len), 0);
        assert_int_equal(got, i);
    }
    /* bounds */
    assert_int_equal(xvios_tcp_link_send(p.cli, out, 0, &dl), -EMSGSIZE);
    assert_int_equal(xvios_tcp_link_send(p.cli, out, XVIOS_LINK_MAX_DGRAM + 1, &dl), -EMSGSIZE);
    /* a datagram over the reader's cap is dropped, the next one still comes */
    assert_int_equal(xvios_tcp_link_send(p.cli, out, 100, &dl), 0);
    assert_int_equal(xvios_tcp_link_send(p.cli, "next", 4, &dl), 0);
    assert_int_equal(recv_one(&p, p.srv, in, 10, &len), -EMSGSIZE);
    assert_int_equal(recv_one(&p, p.srv, in, sizeof in, &len), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(in, "next", 4);
    assert_int_equal(xvios_tcp_link_state(p.srv), XVIOS_LINK_UP);

    /* the client goes: the server sees the link DEAD */
    xvios_tcp_link_close(p.cli);
    p.cli = NULL;
    dl = xvios_deadline_ms(5000);
    while (xvios_tcp_link_progress(p.srv) != XVIOS_LINK_DEAD && !xvios_ts_passed(&dl)) {
        struct pollfd pf = { .fd = xvios_tcp_link_fd(p.srv), .events = POLLIN };
        poll(&pf, 1, 5);
    }
    assert_int_equal(xvios_tcp_link_state(p.srv), XVIOS_LINK_DEAD);
    assert_int_equal(xvios_tcp_link_recv(p.srv, in, sizeof in, &len), -EPIPE);
    assert_int_equal(xvios_tcp_link_send(p.srv, "x", 1, &dl), -EPIPE);
    close_pair(&p);
}

static void test_wrong_key(void **state)
{
    (void)state;
    struct pair p;
    open_pair(&p, &key_b, 1);
    pump(&p, &key_a);
    /* neither side ever comes up; the handshake fails (or times out) on both */
    struct timespec dl = xvios_deadline_ms(XVIOS_TCP_HANDSHAKE_MS + 2000);
    while (!xvios_ts_passed(&dl) && (xvios_tcp_link_progress(p.cli) != XVIOS_LINK_DEAD ||
                                     !p.srv || xvios_tcp_link_progress(p.srv) != XVIOS_LINK_DEAD)) {
        if (!p.srv)
            xvios_tcp_accept(p.l, &key_a, 1, &p.srv);
        poll(NULL, 0, 5);
    }
    assert_int_equal(xvios_tcp_link_state(p.cli), XVIOS_LINK_DEAD);
    assert_non_null(p.srv);
    assert_int_equal(xvios_tcp_link_state(p.srv), XVIOS_LINK_DEAD);
    assert_int_equal(xvios_tcp_link_peer(p.srv), 0);
    close_pair(&p);
}

static void test_wrong_peer(void **state)
{
    (void)state;
    struct pair p;
    open_pair(&p, &key_a, 3);      /* dials node 3, node 1 answers */
    pump(&p, &key_a);
    struct timespec dl = xvios_deadline_ms(3000);
    while (!xvios_ts_passed(&dl) && xvios_tcp_link_progress(p.cli) != XVIOS_LINK_DEAD) {
        if (p.srv)
            xvios_tcp_link_progress(p.srv);
        poll(NULL, 0, 5);
    }
    assert_int_equal(xvios_tcp_link_state(p.cli), XVIOS_LINK_DEAD);
    assert_int_equal(xvios_tcp_link_peer(p.cli), 0);
    close_pair(&p);
}

static void test_stalled_reader(void **state)
{
    (void)state;
    static uint8_t out[XVIOS_LINK_MAX_DGRAM], in[XVIOS_LINK_MAX_DGRAM];
    struct pair p;
    size_t len = 0;
    open_pair(&p, &key_a, 1);
    pump(&p, &key_a);
    assert_int_equal(xvios_tcp_link_state(p.cli), XVIOS_LINK_UP);
    /* the server does not read: the sender fills the socket and its buffer, then times out */
    unsigned accepted = 0;
    int rc = 0;
    for (unsigned i = 0; i < 10000; i++) {
        memset(out, (int)(i & 0xff), sizeof out);
        struct timespec dl = xvios_deadline_ms(50);
        if ((rc = xvios_tcp_link_send(p.cli, out, sizeof out, &dl)) != 0)
            break;
        accepted++;
    }
    assert_int_equal(rc, -ETIMEDOUT);
    assert_true(accepted > 4);
    assert_true(xvios_tcp_link_pending_out(p.cli) > 0);     /* the buffer holds what the socket did not take */
    assert_int_equal(xvios_tcp_link_state(p.cli), XVIOS_LINK_UP);
    /* everything accepted arrives, in order, whole */
    for (unsigned i = 0; i < accepted; i++) {
        assert_int_equal(recv_one(&p, p.srv, in, sizeof in, &len), 0);
        assert_int_equal(len, sizeof in);
        assert_int_equal(in[0], i & 0xff);
        assert_int_equal(in[len - 1], i & 0xff);
    }
    assert_int_equal(xvios_tcp_link_recv(p.srv, in, sizeof in, &len), -EAGAIN);
    assert_int_equal(xvios_tcp_link_pending_out(p.cli), 0);
    close_pair(&p);
}

static void test_args(void **state)
{
    (void)state;
    xvios_tcp_link *t = NULL;
    xvios_tcp_listener *l = NULL;
    struct xvios_tcp_key shortkey = { .len = XVIOS_TCP_KEY_MIN - 1 };
    assert_int_equal(xvios_tcp_connect("127.0.0.1", 1, &shortkey, 2, 1, &t), -EINVAL);
    assert_int_equal(xvios_tcp_connect("not-an-ip", 1, &key_a, 2, 1, &t), -EINVAL);
    assert_int_equal(xvios_tcp_connect("127.0.0.1", 0, &key_a, 2, 1, &t), -EINVAL);
    assert_int_equal(xvios_tcp_connect("127.0.0.1", 1, &key_a, 0, 1, &t), -EINVAL);
    assert_int_equal(xvios_tcp_listen("300.0.0.1", 0, &l), -EINVAL);
    assert_int_equal(xvios_tcp_listen("127.0.0.1", 0, &l), 0);
    assert_int_equal(xvios_tcp_accept(l, &key_a, 1, &t), -EAGAIN);
    xvios_tcp_listener_close(l);
    /* nobody listens: the connect fails, the link is DEAD (not a hang) */
    assert_int_equal(xvios_tcp_listen("127.0.0.1", 0, &l), 0);
    uint16_t port = xvios_tcp_listener_port(l);
    xvios_tcp_listener_close(l);
    assert_int_equal(xvios_tcp_connect("127.0.0.1", port, &key_a, 2, 1, &t), 0);
    struct timespec dl = xvios_deadline_ms(3000);
    while (xvios_tcp_link_progress(t) != XVIOS_LINK_DEAD && !xvios_ts_passed(&dl))
        poll(NULL, 0, 5);
    assert_int_equal(xvios_tcp_link_state(t), XVIOS_LINK_DEAD);
    xvios_tcp_link_close(t);
}

static void write_key(const char *path, size_t n, mode_t mode)
{
    uint8_t b[XVIOS_TCP_KEY_MAX + 2];
    memset(b, 0x5a, sizeof b);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b, n), (ssize_t)n);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static void test_key_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/xvios-tcpkey.XXXXXX", path[64];
    struct xvios_tcp_key k;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/authkey", dir);
    write_key(path, 256, 0600);
    assert_int_equal(xvios_tcp_key_load(path, &k), 0);
    assert_int_equal(k.len, 256);
    assert_int_equal(k.key[255], 0x5a);
    write_key(path, XVIOS_TCP_KEY_MIN - 1, 0600);
    assert_int_equal(xvios_tcp_key_load(path, &k), -EINVAL);
    write_key(path, XVIOS_TCP_KEY_MAX, 0400);
    assert_int_equal(xvios_tcp_key_load(path, &k), 0);
    write_key(path, XVIOS_TCP_KEY_MAX + 1, 0600);
    assert_int_equal(xvios_tcp_key_load(path, &k), -EINVAL);
    write_key(path, 256, 0644);
    assert_int_equal(xvios_tcp_key_load(path, &k), -EACCES);
    assert_int_equal(xvios_tcp_key_load(dir, &k), -EINVAL);            /* a directory */
    unlink(path);
    assert_int_equal(xvios_tcp_key_load(path, &k), -ENOENT);
    rmdir(dir);
}

int main(void)
{
    keys();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_up_and_datagrams),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_wrong_peer),
        cmocka_unit_test(test_stalled_reader),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_key_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
