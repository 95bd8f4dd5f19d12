/* SPDX-License-Identifier: MIT */
/*
 * empty_dgram.c - a zero-length datagram on a daemon's caller sockets must
 * be dropped as malformed, not taken for a hang-up (issue 10, item 14):
 *   empty_dgram ROOT NODE api    through RUNDIR/api.sock
 *   empty_dgram ROOT NODE mgmt   through the node's management link, as dom0
 * sends an empty datagram, then API_HELLO, and expects the HELLO answer on
 * the same connection. Exit 0 when it came; 1 otherwise; 2 usage.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xvios/client.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/platform.h"

static uint8_t buf[XVIOS_MAX_MSG];

/* The HELLO answer within 5 s: 0; -1 otherwise. recv_one: 0 and *len, -EAGAIN, or another error. */
static int await_hello(int (*recv_one)(void *, size_t *), void *ctx, int fd_for_poll)
{
    struct timespec dl = xvios_deadline_ms(5000);

    while (!xvios_ts_passed(&dl)) {
        struct xvios_api_msg m;
        size_t len = 0;
        int rc = recv_one(ctx, &len);

        if (rc == -EAGAIN) {
            struct pollfd pfd = { .fd = fd_for_poll, .events = POLLIN };
            poll(&pfd, fd_for_poll >= 0 ? 1 : 0, 20);
            continue;
        }
        if (rc < 0) {
            fprintf(stderr, "empty_dgram: the connection failed: %s\n", strerror(-rc));
            return -1;
        }
        if (xvios_api_parse(buf, len, &m) == 0 && m.opcode == XVIOS_OP_API_HELLO && m.status == XVIOS_ST_OK) {
            xvios_api_msg_dispose(&m);
            return 0;
        }
        xvios_api_msg_dispose(&m);
    }
    fprintf(stderr, "empty_dgram: no HELLO answer\n");
    return -1;
}

static int sock_recv(void *ctx, size_t *len)
{
    ssize_t n = recv(*(int *)ctx, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
        *len = (size_t)n;
        return 0;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return -EAGAIN;
    return -EPIPE;
}

static int link_recv(void *ctx, size_t *len)
{
    xvios_link *l = ctx;
    xvios_link_progress(l);
    return xvios_link_recv(l, buf, sizeof(buf), len);
}

static int via_api(const char *root, uint32_t node)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), rc = -1;
    size_t len = 0;

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/nodes/%u/api.sock", root, node);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("empty_dgram: connect");
        goto out;
    }
    if (send(fd, "", 0, MSG_NOSIGNAL) != 0 ||
        xvios_api_build_hello(XVIOS_ORIGIN_API, "empty-dgram", buf, sizeof(buf), &len) < 0 ||
        send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len) {
        perror("empty_dgram: send");
        goto out;
    }
    rc = await_hello(sock_recv, &fd, fd);
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

static int via_mgmt(const char *root, uint32_t node)
{
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK, .root = root, .self_domid = 0 };
    struct xvios_link_peer peer;
    struct xvios_db_node dn;
    struct timespec dl = xvios_deadline_ms(10000);
    xvios_plat *p = NULL;
    xvios_link *l = NULL;
    size_t len = 0;
    int rc = -1;

    if (xvios_plat_open(&pc, &p) < 0 || xvios_db_node_get(p, node, &dn) < 0) {
        fprintf(stderr, "empty_dgram: no node %u under %s\n", node, root);
        goto out;
    }
    peer = (struct xvios_link_peer){ .self_node = 0, .peer_node = node, .self_domid = 0, .peer_domid = dn.domid };
    if (xvios_link_open(p, &peer, &l) < 0)
        goto out;
    while (xvios_link_progress(l) != XVIOS_LINK_UP) {
        if (xvios_link_state(l) == XVIOS_LINK_DEAD || xvios_ts_passed(&dl)) {
            fprintf(stderr, "empty_dgram: the management link did not come up\n");
            goto out;
        }
        usleep(20 * 1000);
    }
    dl = xvios_deadline_ms(5000);
    if (send(xvios_link_fd(l), "", 0, MSG_NOSIGNAL) != 0 ||
        xvios_api_build_hello(XVIOS_ORIGIN_CLI, "empty-dgram", buf, sizeof(buf), &len) < 0 ||
        xvios_link_send(l, buf, len, &dl) < 0) {
        fprintf(stderr, "empty_dgram: sending on the management link failed\n");
        goto out;
    }
    rc = await_hello(link_recv, l, xvios_link_fd(l));
out:
    xvios_link_close(l);
    xvios_plat_close(p);
    return rc;
}

int main(int argc, char **argv)
{
    uint32_t node;

    if (argc != 4 || sscanf(argv[2], "%u", &node) != 1)
        return 2;
    if (!strcmp(argv[3], "api"))
        return via_api(argv[1], node) == 0 ? 0 : 1;
    if (!strcmp(argv[3], "mgmt"))
        return via_mgmt(argv[1], node) == 0 ? 0 : 1;
    return 2;
}
