/* SPDX-License-Identifier: MIT */
/*
 * test_loop_link.c - loopback links between processes: datagrams both ways,
 * connecting before the server listens, a dead peer, the send deadline when
 * the peer does not read, oversized datagrams, wrong peers refused, and
 * management links reachable by domain 0 only.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/clock.h"
#include "xvios/loopback.h"


/* Drive links until all are UP (or one is DEAD) or ms pass. */
static int drive(xvios_link **links, unsigned n, unsigned ms)
{
    struct timespec deadline = xvios_deadline_ms(ms);

    while (!xvios_ts_passed(&deadline)) {
        struct pollfd pfd[4];
        unsigned up = 0, np = 0;
        for (unsigned i = 0; i < n; i++) {
            enum xvios_link_state s = xvios_link_progress(links[i]);
            if (s == XVIOS_LINK_DEAD)
                return -EPIPE;
            up += s == XVIOS_LINK_UP;
            if (s != XVIOS_LINK_UP && xvios_link_fd(links[i]) >= 0)
                pfd[np++] = (struct pollfd){ .fd = xvios_link_fd(links[i]), .events = POLLIN };
        }
        if (up == n)
            return 0;
        poll(pfd, np, 20);   /* connectors between retries have no fd: the timer drives them */
    }
    return -ETIMEDOUT;
}

/* Receive one datagram within ms. */
static int recv_wait(xvios_link *l, void *buf, size_t cap, size_t *len, unsigned ms)
{
    struct timespec deadline = xvios_deadline_ms(ms);
    int rc;

    while ((rc = xvios_link_recv(l, buf, cap, len)) == -EAGAIN) {
        struct pollfd pfd = { .fd = xvios_link_fd(l), .events = POLLIN };
        if (xvios_ts_passed(&deadline))
            return -ETIMEDOUT;
        poll(&pfd, 1, xvios_poll_timeout(&deadline, 100));
    }
    return rc;
}

static xvios_link *open_link(xvios_plat *p, uint32_t self_node, uint32_t peer_node, uint32_t self_domid,
                             uint32_t peer_domid)
{
    struct xvios_link_peer peer = { self_node, peer_node, self_domid, peer_domid };
    xvios_link *l = NULL;
    return xvios_link_open(p, &peer, &l) == 0 ? l : NULL;
}

/* ---------------------------------------------------------------- child: node 2 (domain 12) */
enum child_mode { ECHO, SILENT, EXIT_AFTER_UP };

static void child_node2(const char *root, enum child_mode mode, unsigned delay_ms)
{
    xvios_plat *p;
    xvios_link *l;
    static char buf[XVIOS_LINK_MAX_DGRAM];
    size_t len;
    int code = 0;

    alarm(60);   /* never outlive a failed test for long */
    if (delay_ms)
        usleep(delay_ms * 1000);
    p = loop_fixture_open(root, 12);
    l = p ? open_link(p, 2, 1, 12, 11) : NULL;
    if (!l || drive(&l, 1, 10000) < 0)
        code = 10;
    else if (mode == SILENT)
        pause();
    while (code == 0 && mode == ECHO) {   /* echo every datagram back until the peer leaves */
        int rc = recv_wait(l, buf, sizeof(buf), &len, 10000);
        struct timespec dl = xvios_deadline_ms(5000);
        if (rc == -EPIPE)
            break;
        if (rc == -EBADMSG) {   /* an empty datagram: say so, and stay up */
            if (xvios_link_send(l, "got-empty", 9, &dl) < 0)
                code = 13;
            continue;
        }
        if (rc == 0 && len == 10 && memcmp(buf, "send-empty", 10) == 0) {
            if (send(xvios_link_fd(l), "", 0, MSG_NOSIGNAL) != 0 || xvios_link_send(l, "after", 5, &dl) < 0)
                code = 14;
            continue;
        }
        if (rc < 0) {
            code = 11;
            break;
        }
        struct timespec deadline = xvios_deadline_ms(5000);
        if (xvios_link_send(l, buf, len, &deadline) < 0)
            code = 12;
    }
    xvios_link_close(l);
    xvios_plat_close(p);
    _exit(code);
}

static pid_t spawn(const char *root, enum child_mode mode, unsigned delay_ms)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child_node2(root, mode, delay_ms);
    return pid;
}

static int reap(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_exchange_both_ways(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = loop_fixture_open(f->root, 11);
    xvios_link *l;
    static char big[60000], back[XVIOS_LINK_MAX_DGRAM];
    size_t len = 0;
    pid_t pid;

    assert_non_null(p);
    l = open_link(p, 1, 2, 11, 12);   /* node 1 < node 2: serves */
    assert_non_null(l);
    assert_int_equal(xvios_link_state(l), XVIOS_LINK_CONNECTING);
    assert_true(xvios_link_fd(l) >= 0);            /* the listening socket */
    struct timespec d = xvios_deadline_ms(100);
    assert_int_equal(xvios_link_send(l, "x", 1, &d), -ENOTCONN);
    assert_int_equal(xvios_link_recv(l, back, sizeof(back), &len), -EAGAIN);
    pid = spawn(f->root, ECHO, 0);
    assert_int_equal(drive(&l, 1, 10000), 0);
    assert_int_equal(xvios_link_peer(l)->peer_node, 2);

    for (unsigned i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 7);
    d = xvios_deadline_ms(5000);
    assert_int_equal(xvios_link_send(l, "ping", 4, &d), 0);
    assert_int_equal(xvios_link_send(l, big, sizeof(big), &d), 0);
    assert_int_equal(recv_wait(l, back, sizeof(back), &len, 5000), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(back, "ping", 4);
    assert_int_equal(recv_wait(l, back, sizeof(back), &len, 5000), 0);   /* datagram boundaries kept */
    assert_int_equal(len, sizeof(big));
    assert_memory_equal(back, big, sizeof(big));
    /* the API's size limits */
    assert_int_equal(xvios_link_send(l, big, 0, &d), -EMSGSIZE);
    assert_int_equal(xvios_link_send(l, big, XVIOS_LINK_MAX_DGRAM + 1, &d), -EMSGSIZE);

    xvios_link_close(l);        /* the child sees -EPIPE and exits 0 */
    assert_int_equal(reap(pid), 0);
    xvios_plat_close(p);
}

/* A zero-length datagram is dropped as malformed (-EBADMSG) both ways; it is not a hang-up. */
static void test_empty_datagram_is_not_a_hangup(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = loop_fixture_open(f->root, 11);
    xvios_link *l;
    char back[64];
    size_t len = 0;
    pid_t pid;
    struct timespec d;

    assert_non_null(p);
    l = open_link(p, 1, 2, 11, 12);
    assert_non_null(l);
    pid = spawn(f->root, ECHO, 0);
    assert_int_equal(drive(&l, 1, 10000), 0);
    /* to the peer: its link reports an empty datagram and stays up */
    assert_int_equal(send(xvios_link_fd(l), "", 0, MSG_NOSIGNAL), 0);
    assert_int_equal(recv_wait(l, back, sizeof(back), &len, 5000), 0);
    assert_int_equal(len, 9);
    assert_memory_equal(back, "got-empty", 9);
    /* from the peer: this link drops it and stays up for the next one */
    d = xvios_deadline_ms(5000);
    assert_int_equal(xvios_link_send(l, "send-empty", 10, &d), 0);
    assert_int_equal(recv_wait(l, back, sizeof(back), &len, 5000), -EBADMSG);
    assert_int_equal(xvios_link_progress(l), XVIOS_LINK_UP);
    assert_int_equal(recv_wait(l, back, sizeof(back), &len, 5000), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(back, "after", 5);
    xvios_link_close(l);
    assert_int_equal(reap(pid), 0);
    xvios_plat_close(p);
}

static void test_connect_before_listen(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = loop_fixture_open(f->root, 11);
    xvios_link *l;
    char back[16];
    size_t len = 0;
    pid_t pid;

    assert_non_null(p);
    pid = spawn(f->root, ECHO, 0);   /* the connector starts first and retries */
    usleep(300000);
    l = open_link(p, 1, 2, 11, 12);
    assert_non_null(l);
    assert_int_equal(drive(&l, 1, 10000), 0);
    struct timespec d = xvios_deadline_ms(5000);
    assert_int_equal(xvios_link_send(l, "late", 4, &d), 0);
    assert_int_equal(recv_wait(l, back, sizeof(back), &len, 5000), 0);
    assert_memory_equal(back, "late", 4);
    xvios_link_close(l);
    assert_int_equal(reap(pid), 0);
    xvios_plat_close(p);
}

static void test_dead_peer(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = loop_fixture_open(f->root, 11);
    xvios_link *l;
    char buf[16];
    size_t len;
    pid_t pid;
    int rc;

    assert_non_null(p);
    l = open_link(p, 1, 2, 11, 12);
    assert_non_null(l);
    pid = spawn(f->root, SILENT, 0);
    assert_int_equal(drive(&l, 1, 10000), 0);
    kill(pid, SIGKILL);
    assert_int_equal(reap(pid), 128 + SIGKILL);
    rc = recv_wait(l, buf, sizeof(buf), &len, 5000);
    assert_int_equal(rc, -EPIPE);
    assert_int_equal(xvios_link_state(l), XVIOS_LINK_DEAD);
    assert_int_equal(xvios_link_progress(l), XVIOS_LINK_DEAD);   /* final */
    struct timespec d = xvios_deadline_ms(100);
    assert_int_equal(xvios_link_send(l, "x", 1, &d), -EPIPE);
    xvios_link_close(l);

    /* a served link that lost its peer is reopened; the connector side notices via progress() too */
    l = open_link(p, 1, 2, 11, 12);
    assert_non_null(l);
    pid = spawn(f->root, EXIT_AFTER_UP, 0);
    assert_int_equal(drive(&l, 1, 10000), 0);
    assert_int_equal(reap(pid), 0);
    for (int i = 0; i < 100 && xvios_link_progress(l) != XVIOS_LINK_DEAD; i++)
        usleep(10000);
    assert_int_equal(xvios_link_state(l), XVIOS_LINK_DEAD);
    xvios_link_close(l);
    xvios_plat_close(p);
}

static void test_send_deadline(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *p = loop_fixture_open(f->root, 11);
    static char chunk[XVIOS_LINK_MAX_DGRAM];
    xvios_link *l;
    unsigned sent = 0;
    pid_t pid;
    int rc = 0;

    assert_non_null(p);
    l = open_link(p, 1, 2, 11, 12);
    assert_non_null(l);
    pid = spawn(f->root, SILENT, 0);
    assert_int_equal(drive(&l, 1, 10000), 0);
    /* fill the socket: the peer never reads */
    while (sent < 10000) {
        struct timespec d = xvios_deadline_ms(20);
        rc = xvios_link_send(l, chunk, sizeof(chunk), &d);
        if (rc != 0)
            break;
        sent++;
    }
    assert_int_equal(rc, -ETIMEDOUT);
    assert_true(sent > 0);
    struct timespec start = xvios_now(), d = xvios_ts_add_ms(start, 300);
    assert_int_equal(xvios_link_send(l, chunk, sizeof(chunk), &d), -ETIMEDOUT);
    int64_t took = xvios_ts_diff_ms(start, xvios_now());
    print_message("send blocked after %u datagrams; timed out after %lld ms (deadline 300)\n", sent,
                  (long long)took);
    assert_true(took >= 300);
    assert_true(took < 300 + 250);
    /* no deadline: one attempt, no wait */
    start = xvios_now();
    assert_int_equal(xvios_link_send(l, chunk, sizeof(chunk), NULL), -ETIMEDOUT);
    assert_true(xvios_ts_diff_ms(start, xvios_now()) < 100);
    kill(pid, SIGKILL);
    reap(pid);
    xvios_link_close(l);
    xvios_plat_close(p);
}

static void test_oversized_datagram(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *a = loop_fixture_open(f->root, 11), *b = loop_fixture_open(f->root, 12);
    xvios_link *l[2];
    char buf[2000], small[100];
    size_t len = 0;

    assert_non_null(a);
    assert_non_null(b);
    l[0] = open_link(a, 1, 2, 11, 12);
    l[1] = open_link(b, 2, 1, 12, 11);
    assert_non_null(l[0]);
    assert_non_null(l[1]);
    assert_int_equal(drive(l, 2, 10000), 0);
    memset(buf, 'q', sizeof(buf));
    struct timespec d = xvios_deadline_ms(1000);
    assert_int_equal(xvios_link_send(l[1], buf, 1000, &d), 0);
    assert_int_equal(xvios_link_send(l[1], "ok", 2, &d), 0);
    assert_int_equal(recv_wait(l[0], small, sizeof(small), &len, 1000), -EMSGSIZE);   /* dropped */
    assert_int_equal(recv_wait(l[0], small, sizeof(small), &len, 1000), 0);           /* next one intact */
    assert_int_equal(len, 2);
    assert_memory_equal(small, "ok", 2);
    assert_int_equal(xvios_link_state(l[0]), XVIOS_LINK_UP);
    xvios_link_close(l[0]);
    xvios_link_close(l[1]);
    xvios_plat_close(a);
    xvios_plat_close(b);
}

/* Connect a raw socket to ROOT/links/name and send hello; returns the fd. */
static int raw_hello(const char *root, const char *name, const char *hello)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/links/%s", root, name);
    assert_true(s >= 0);
    assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(send(s, hello, strlen(hello), 0), (ssize_t)strlen(hello));
    return s;
}

static void expect_refused(int s)
{
    char buf[64];
    struct pollfd pfd = { .fd = s, .events = POLLIN };
    ssize_t r;

    assert_int_equal(poll(&pfd, 1, 2000), 1);
    r = recv(s, buf, sizeof(buf), 0);
    assert_int_equal(r, 13);
    assert_memory_equal(buf, "XVIOS-REFUSED", 13);
    close(s);
}

static void test_wrong_peer_refused(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *a = loop_fixture_open(f->root, 11), *b = loop_fixture_open(f->root, 12);
    xvios_link *l[2];
    int s;

    assert_non_null(a);
    assert_non_null(b);
    l[0] = open_link(a, 1, 2, 11, 12);
    assert_non_null(l[0]);
    s = raw_hello(f->root, "1-2.sock", "XVIOS-HELLO 3 12");      /* wrong node */
    assert_int_equal(xvios_link_progress(l[0]), XVIOS_LINK_CONNECTING);
    expect_refused(s);
    s = raw_hello(f->root, "1-2.sock", "XVIOS-HELLO 2 13");      /* wrong domain */
    assert_int_equal(xvios_link_progress(l[0]), XVIOS_LINK_CONNECTING);
    expect_refused(s);
    s = raw_hello(f->root, "1-2.sock", "garbage");                /* no hello at all: dropped */
    assert_int_equal(xvios_link_progress(l[0]), XVIOS_LINK_CONNECTING);
    close(s);
    /* the right peer still gets in */
    l[1] = open_link(b, 2, 1, 12, 11);
    assert_non_null(l[1]);
    assert_int_equal(drive(l, 2, 10000), 0);
    xvios_link_close(l[0]);
    xvios_link_close(l[1]);
    xvios_plat_close(a);
    xvios_plat_close(b);
}

static void test_management_link(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *vios = loop_fixture_open(f->root, 13), *guest = loop_fixture_open(f->root, 5);
    xvios_link *l[2];
    char buf[16];
    size_t len = 0;
    int s;

    assert_non_null(vios);
    assert_non_null(guest);
    /* the console side: only domain 0 may even try */
    assert_null(open_link(guest, 0, 3, 5, 13));
    struct xvios_link_peer peer = { 0, 3, 5, 13 };
    xvios_link *tmp = NULL;
    assert_int_equal(xvios_link_open(guest, &peer, &tmp), -EACCES);
    /* the serving side: node 3 serves its console, which must be domain 0 */
    peer = (struct xvios_link_peer){ 3, 0, 13, 5 };
    assert_int_equal(xvios_link_open(vios, &peer, &tmp), -EINVAL);
    l[0] = open_link(vios, 3, 0, 13, 0);
    assert_non_null(l[0]);
    s = raw_hello(f->root, "mgmt-3.sock", "XVIOS-HELLO 0 5");    /* an unprivileged caller lying about nothing */
    assert_int_equal(xvios_link_progress(l[0]), XVIOS_LINK_CONNECTING);
    expect_refused(s);
    /* dom0's console gets in */
    l[1] = open_link(f->dom0, 0, 3, 0, 13);
    assert_non_null(l[1]);
    assert_int_equal(drive(l, 2, 10000), 0);
    struct timespec d = xvios_deadline_ms(1000);
    assert_int_equal(xvios_link_send(l[1], "status", 6, &d), 0);
    assert_int_equal(recv_wait(l[0], buf, sizeof(buf), &len, 1000), 0);
    assert_int_equal(len, 6);
    /* one console per served link: once it leaves, the link is DEAD */
    xvios_link_close(l[1]);
    assert_int_equal(recv_wait(l[0], buf, sizeof(buf), &len, 1000), -EPIPE);
    assert_int_equal(xvios_link_state(l[0]), XVIOS_LINK_DEAD);
    xvios_link_close(l[0]);
    xvios_plat_close(vios);
    xvios_plat_close(guest);
}

static void test_reopened_server_survives_old_close(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *a = loop_fixture_open(f->root, 11), *b = loop_fixture_open(f->root, 12);
    xvios_link *old, *l[2];

    assert_non_null(a);
    assert_non_null(b);
    old = open_link(a, 1, 2, 11, 12);
    l[0] = open_link(a, 1, 2, 11, 12);     /* reopened before the old one is closed */
    assert_non_null(old);
    assert_non_null(l[0]);
    xvios_link_close(old);                 /* must not remove the new server's socket */
    l[1] = open_link(b, 2, 1, 12, 11);
    assert_non_null(l[1]);
    assert_int_equal(drive(l, 2, 5000), 0);
    xvios_link_close(l[0]);
    xvios_link_close(l[1]);
    xvios_plat_close(a);
    xvios_plat_close(b);
}

static void test_registered_process_checked(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *a = loop_fixture_open(f->root, 11), *b = loop_fixture_open(f->root, 12);
    xvios_link *l[2];
    pid_t other;

    assert_non_null(a);
    assert_non_null(b);
    other = fork();
    assert_true(other >= 0);
    if (other == 0) {
        alarm(60);
        pause();
        _exit(0);
    }
    /* domain 12 is registered as another process: a hello claiming domain 12 from here is refused */
    assert_int_equal(xvios_loop_domain_create(f->dom0, 12, "vios-b"), 0);
    assert_int_equal(xvios_loop_domain_set_pid(f->dom0, 12, other), 0);
    l[0] = open_link(a, 1, 2, 11, 12);
    l[1] = open_link(b, 2, 1, 12, 11);
    assert_non_null(l[0]);
    assert_non_null(l[1]);
    assert_int_equal(drive(l, 2, 2000), -EPIPE);          /* the connector is told and gives up */
    assert_int_equal(xvios_link_state(l[1]), XVIOS_LINK_DEAD);
    assert_int_equal(xvios_link_state(l[0]), XVIOS_LINK_CONNECTING);
    xvios_link_close(l[1]);
    /* once the registry names this process, the same hello is welcome */
    assert_int_equal(xvios_loop_domain_set_pid(f->dom0, 12, getpid()), 0);
    l[1] = open_link(b, 2, 1, 12, 11);
    assert_non_null(l[1]);
    assert_int_equal(drive(l, 2, 5000), 0);
    kill(other, SIGKILL);
    reap(other);
    xvios_link_close(l[0]);
    xvios_link_close(l[1]);
    xvios_plat_close(a);
    xvios_plat_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_exchange_both_ways),
        LOOP_FIXTURE_TEST(test_empty_datagram_is_not_a_hangup),
        LOOP_FIXTURE_TEST(test_connect_before_listen),
        LOOP_FIXTURE_TEST(test_dead_peer),
        LOOP_FIXTURE_TEST(test_send_deadline),
        LOOP_FIXTURE_TEST(test_oversized_datagram),
        LOOP_FIXTURE_TEST(test_wrong_peer_refused),
        LOOP_FIXTURE_TEST(test_management_link),
        LOOP_FIXTURE_TEST(test_reopened_server_survives_old_close),
        LOOP_FIXTURE_TEST(test_registered_process_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
