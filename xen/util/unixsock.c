/* SPDX-License-Identifier: MIT */
/* unixsock.c - SOCK_SEQPACKET listen/accept/connect and the bounded receive (xvios/unixsock.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "xvios/clock.h"
#include "xvios/unixsock.h"

#define CONNECT_RETRY_NS 20000000L  /* 20 ms between attempts while the server is not there yet */

static int addr_of(const char *path, struct sockaddr_un *sa)
{
    size_t n = path ? strlen(path) : 0;

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (n == 0 || n >= sizeof(sa->sun_path))
        return -ENAMETOOLONG;
    memcpy(sa->sun_path, path, n + 1);
    return 0;
}

static int new_socket(void)
{
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    return fd < 0 ? -errno : fd;
}

int xvios_unix_listen(const char *path, mode_t mode, int backlog, int *fd)
{
    struct sockaddr_un sa;
    int s, rc = addr_of(path, &sa);

    *fd = -1;
    if (rc < 0)
        return rc;
    s = new_socket();
    if (s < 0)
        return s;
    if (unlink(path) < 0 && errno != ENOENT) {
        rc = -errno;
        goto out;
    }
    if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, mode) < 0 || listen(s, backlog) < 0) {
        rc = -errno;
        goto out;
    }
    *fd = s;
    s = -1;
out:
    if (s >= 0)
        close(s);
    return rc;
}

bool xvios_unix_answers(const char *path)
{
    struct sockaddr_un sa;
    bool yes;
    int s;

    if (addr_of(path, &sa) < 0 || (s = new_socket()) < 0)
        return false;
    yes = connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN;
    close(s);
    return yes;
}

int xvios_unix_accept(int listen_fd, bool check_cred, int *fd, struct ucred *cred)
{
    socklen_t cl = sizeof(*cred);
    int s;

    *fd = -1;
    memset(cred, 0, sizeof(*cred));
    cred->uid = (uid_t)-1;
    do
        s = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    while (s < 0 && errno == EINTR);
    if (s < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, cred, &cl) < 0 || cl != sizeof(*cred)) {
        int e = errno ? -errno : -EPROTO;
        close(s);
        return check_cred ? -EACCES : e;
    }
    if (check_cred && cred->uid != 0 && cred->uid != getuid()) {
        close(s);
        return -EACCES;
    }
    *fd = s;
    return 0;
}

int xvios_unix_connect(const char *path, const struct timespec *deadline, bool nonblock, int *fd)
{
    struct sockaddr_un sa;
    int rc = addr_of(path, &sa);

    *fd = -1;
    if (rc < 0)
        return rc;
    for (;;) {
        int s = new_socket(), e;

        if (s < 0)
            return s;
        if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            int fl = nonblock ? 0 : fcntl(s, F_GETFL);
            if (!nonblock && (fl < 0 || fcntl(s, F_SETFL, fl & ~O_NONBLOCK) < 0)) {
                e = -errno;
                close(s);
                return e;
            }
            *fd = s;
            return 0;
        }
        e = errno;
        close(s);
        if ((e != ENOENT && e != ECONNREFUSED && e != EAGAIN) || !deadline || xvios_ts_passed(deadline))
            return -e;
        {
            struct timespec nap = { 0, CONNECT_RETRY_NS };
            nanosleep(&nap, NULL);
        }
    }
}

int xvios_unix_recv(int fd, void *buf, size_t cap, size_t *len)
{
    for (;;) {
        ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);

        *len = 0;
        if (n > 0) {
            *len = (size_t)n;
            return (size_t)n > cap ? -EMSGSIZE : 0;
        }
        if (n == 0) {
            /* an empty datagram and a hang-up both read as 0: only a hang-up leaves POLLHUP/POLLRDHUP */
            struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
            if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLRDHUP)))
                return -EPIPE;
            return -EBADMSG;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return -EAGAIN;
        return errno == ECONNRESET ? -EPIPE : -errno;
    }
}
