/* SPDX-License-Identifier: MIT */
/*
 * test_unixsock.c - the local socket helpers and the one receive path:
 * peer-credential refusal, connect bounded by its deadline (nobody there,
 * full backlog), and xvios_msg_recv's verdicts (a packet, nothing, a
 * truncated datagram, an empty one counted as malformed and not as a
 * hang-up, a wrong-channel opcode, the hang-up itself).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "xvios/clock.h"
#include "xvios/unixsock.h"
#include "xvios/wire.h"

struct dir {
    char root[64];
    char sock[96];
};

static int setup(void **state)
{
    struct dir *d = calloc(1, sizeof(*d));

    if (!d)
        return -1;
    snprintf(d->root, sizeof(d->root), "/tmp/xvios-unixsock-XXXXXX");
    if (!mkdtemp(d->root)) {
        free(d);
        return -1;
    }
    chmod(d->root, 0755);  /* let an unprivileged child reach the socket */
    snprintf(d->sock, sizeof(d->sock), "%s/t.sock", d->root);
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    struct dir *d = *state;

    unlink(d->sock);
    rmdir(d->root);
    free(d);
    return 0;
}

/* A connected pair through a listening socket: *srv accepted, *cli connected. */
static void pair(struct dir *d, int *lfd, int *srv, int *cli)
{
    struct ucred cr;
    struct timespec dl = xvios_deadline_ms(1000);

    assert_int_equal(xvios_unix_listen(d->sock, 0600, 4, lfd), 0);
    assert_int_equal(xvios_unix_connect(d->sock, &dl, true, cli), 0);
    assert_int_equal(xvios_unix_accept(*lfd, true, srv, &cr), 0);
    assert_int_equal(cr.uid, getuid());
    assert_int_equal(cr.pid, getpid());
}

static void listen_replaces_stale_and_sets_mode(void **state)
{
    struct dir *d = *state;
    struct stat st;
    int lfd, lfd2, fd;
    struct ucred cr;

    assert_int_equal(xvios_unix_listen(d->sock, 0600, 4, &lfd), 0);
    assert_int_equal(stat(d->sock, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(xvios_unix_answers(d->sock));
    assert_int_equal(xvios_unix_accept(lfd, true, &fd, &cr), 0);  /* the probe's connection */
    close(fd);
    assert_int_equal(xvios_unix_accept(lfd, true, &fd, &cr), -EAGAIN);
    assert_int_equal(fd, -1);
    close(lfd);
    assert_false(xvios_unix_answers(d->sock));  /* the file is left, nobody serves it */
    assert_int_equal(xvios_unix_listen(d->sock, 0660, 4, &lfd2), 0);
    assert_int_equal(stat(d->sock, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0660);
    close(lfd2);
    char longpath[200];
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = '\0';
    assert_int_equal(xvios_unix_listen(longpath, 0600, 4, &lfd), -ENAMETOOLONG);
    assert_int_equal(xvios_unix_connect(longpath, NULL, true, &fd), -ENAMETOOLONG);
}

/* A child process of another user (nobody) connects to path and exits; its connection waits in the backlog. */
static void connect_as_nobody(const char *path)
{
    int status;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        int c;
        if (setgid(65534) < 0 || setuid(65534) < 0)
            _exit(2);
        _exit(xvios_unix_connect(path, NULL, true, &c) == 0 ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void peer_cred_refused(void **state)
{
    struct dir *d = *state;
    struct ucred cr;
    int lfd, fd = 123;

    if (geteuid() != 0) {
        skip();  /* needs root to connect as another user */
        return;
    }
    assert_int_equal(xvios_unix_listen(d->sock, 0666, 4, &lfd), 0);
    connect_as_nobody(d->sock);
    assert_int_equal(xvios_unix_accept(lfd, true, &fd, &cr), -EACCES);
    assert_int_equal(fd, -1);
    assert_int_equal(cr.uid, 65534);
    close(lfd);

    /* without the check (api.sock relies on its file mode) the same peer is taken */
    assert_int_equal(xvios_unix_listen(d->sock, 0666, 4, &lfd), 0);
    connect_as_nobody(d->sock);
    assert_int_equal(xvios_unix_accept(lfd, false, &fd, &cr), 0);
    assert_int_equal(cr.uid, 65534);
    close(fd);
    close(lfd);
}

static void connect_bounded_by_deadline(void **state)
{
    struct dir *d = *state;
    struct timespec t0, dl;
    int fd, lfd, held[64];
    unsigned n = 0;
    int64_t ms;

    /* nobody there: retried until the deadline, then the reason */
    t0 = xvios_now();
    dl = xvios_deadline_ms(150);
    assert_int_equal(xvios_unix_connect(d->sock, &dl, true, &fd), -ENOENT);
    ms = xvios_ts_diff_ms(t0, xvios_now());
    assert_true(ms >= 140 && ms < 1000);
    /* no deadline: one attempt */
    t0 = xvios_now();
    assert_int_equal(xvios_unix_connect(d->sock, NULL, true, &fd), -ENOENT);
    assert_true(xvios_ts_diff_ms(t0, xvios_now()) < 50);

    /* a server that never accepts: its backlog fills, the next connect is refused within its deadline */
    assert_int_equal(xvios_unix_listen(d->sock, 0600, 0, &lfd), 0);
    for (; n < 64; n++) {
        if (xvios_unix_connect(d->sock, NULL, true, &held[n]) < 0)
            break;
    }
    assert_true(n < 64);
    t0 = xvios_now();
    dl = xvios_deadline_ms(150);
    assert_int_equal(xvios_unix_connect(d->sock, &dl, false, &fd), -EAGAIN);
    ms = xvios_ts_diff_ms(t0, xvios_now());
    assert_true(ms >= 140 && ms < 1000);
    while (n > 0)
        close(held[--n]);
    close(lfd);
}

static size_t packet(uint8_t *buf, uint16_t opcode)
{
    struct xvios_msg m;
    size_t len = 0;

    memset(&m, 0, sizeof(m));
    m.hdr.opcode = opcode;
    m.hdr.txid = 7;
    assert_int_equal(xvios_msg_encode(&m, buf, XVIOS_MAX_MSG, &len), XVIOS_WIRE_OK);
    return len;
}

static void recv_path_verdicts(void **state)
{
    struct dir *d = *state;
    static uint8_t out[XVIOS_MAX_MSG], in[XVIOS_MAX_MSG], big[XVIOS_MAX_MSG + 100];
    struct xvios_msg m;
    int lfd, srv, cli, werr = -1;
    size_t len = 0, n;

    pair(d, &lfd, &srv, &cli);
    /* nothing waiting */
    assert_int_equal(xvios_msg_recv(srv, XVIOS_CH_DAEMON_TO_VKE, in, &m, &len, &werr), 0);
    /* a packet allowed on the channel */
    n = packet(out, XVIOS_OP_VKE_HELLO);
    assert_int_equal(send(cli, out, n, 0), (ssize_t)n);
    assert_int_equal(xvios_msg_recv(srv, XVIOS_CH_DAEMON_TO_VKE, in, &m, &len, &werr), 1);
    assert_int_equal(len, n);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_VKE_HELLO);
    assert_int_equal(werr, XVIOS_WIRE_OK);
    /* a valid packet on the wrong channel: dropped, but named */
    n = packet(out, XVIOS_OP_API_SUBSCRIBE);
    assert_int_equal(send(cli, out, n, 0), (ssize_t)n);
    assert_int_equal(xvios_msg_recv(srv, XVIOS_CH_DAEMON_TO_VKE, in, &m, &len, &werr), -EBADMSG);
    assert_int_equal(werr, XVIOS_WIRE_ECHANNEL);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_API_SUBSCRIBE);
    assert_int_equal(m.hdr.txid, 7);
    /* a datagram over XVIOS_MAX_MSG: taken whole, dropped, the next one is intact */
    memset(big, 0xab, sizeof(big));
    assert_int_equal(send(cli, big, sizeof(big), 0), (ssize_t)sizeof(big));
    n = packet(out, XVIOS_OP_VKE_STATS);
    assert_int_equal(send(cli, out, n, 0), (ssize_t)n);
    assert_int_equal(xvios_msg_recv(srv, XVIOS_CH_DAEMON_TO_VKE, in, &m, &len, &werr), -EBADMSG);
    assert_int_equal(werr, XVIOS_WIRE_EOVERSIZE);
    assert_int_equal(len, sizeof(big));
    assert_int_equal(xvios_msg_recv(srv, XVIOS_CH_DAEMON_TO_VKE, in, &m, &len, &werr), 1);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_VKE_STATS);
    /* garbage: the decoder's verdict */
    assert_int_equal(send(cli, big, 200, 0), 200);
    assert_int_equal(xvios_msg_recv(srv, XVIOS_CH_DAEMON_TO_VKE, in, &m, &len, &werr), -EBADMSG);
    assert_int_equal(werr, XVIOS_WIRE_EMAGIC);
    /* an empty datagram is malformed, not a hang-up: the connection goes on */
    assert_int_equal(send(cli, out, 0, 0), 0);
    assert_int_equal(xvios_msg_recv(srv, XVIOS_CH_DAEMON_TO_VKE, in, &m, &len, &werr), -EBADMSG);
    assert_int_equal(werr, XVIOS_WIRE_ESHORT);
    assert_int_equal(xvios_msg_recv(srv, XVIOS_CH_DAEMON_TO_VKE, in, &m, &len, &werr), 0);
    n = packet(out, XVIOS_OP_CLUSTER_SEND);
    assert_int_equal(send(cli, out, n, 0), (ssize_t)n);
    assert_int_equal(xvios_msg_recv(srv, XVIOS_CH_DAEMON_TO_VKE, in, &m, &len, &werr), 1);
    assert_int_equal(m.hdr.opcode, XVIOS_OP_CLUSTER_SEND);
    /* the hang-up */
    close(cli);
    assert_int_equal(xvios_msg_recv(srv, XVIOS_CH_DAEMON_TO_VKE, in, &m, &len, &werr), -EPIPE);
    assert_int_equal(xvios_unix_recv(srv, in, sizeof(in), &len), -EPIPE);
    close(srv);
    close(lfd);
}

static void channel_table_decides(void **state)
{
    static uint8_t buf[XVIOS_MAX_MSG];
    struct xvios_msg m;
    size_t n;
    (void)state;

    n = packet(buf, XVIOS_OP_API_HELLO);
    assert_int_equal(xvios_msg_decode_on(XVIOS_CH_CALLER_TO_DAEMON, buf, n, &m), XVIOS_WIRE_OK);
    assert_int_equal(xvios_msg_decode_on(XVIOS_CH_DAEMON_TO_CALLER, buf, n, &m), XVIOS_WIRE_OK);
    assert_int_equal(xvios_msg_decode_on(XVIOS_CH_LINK, buf, n, &m), XVIOS_WIRE_ECHANNEL);
    assert_int_equal(xvios_msg_decode_on(XVIOS_CH_VKE_TO_DAEMON, buf, n, &m), XVIOS_WIRE_ECHANNEL);
    n = packet(buf, XVIOS_OP_SEND_RESULT);
    assert_int_equal(xvios_msg_decode_on(XVIOS_CH_VKE_TO_DAEMON, buf, n, &m), XVIOS_WIRE_OK);
    assert_int_equal(xvios_msg_decode_on(XVIOS_CH_DAEMON_TO_VKE, buf, n, &m), XVIOS_WIRE_ECHANNEL);
    assert_string_equal(xvios_wire_strerror(XVIOS_WIRE_ECHANNEL), "opcode not allowed on this channel");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(listen_replaces_stale_and_sets_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(peer_cred_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(connect_bounded_by_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(recv_path_verdicts, setup, teardown),
        cmocka_unit_test(channel_table_decides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
