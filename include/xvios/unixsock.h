/* SPDX-License-Identifier: MIT */
/*
 * xvios/unixsock.h - the local sockets of a node (vke.sock, api.sock):
 * AF_UNIX SOCK_SEQPACKET, non-blocking, close-on-exec. Listening, accepting
 * with the SO_PEERCRED check, connecting within a deadline, and the bounded
 * receive of one datagram. Every call is non-blocking or bounded by its
 * deadline (CLOCK_MONOTONIC, xvios/clock.h).
 */
#ifndef XVIOS_UNIXSOCK_H
#define XVIOS_UNIXSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

/*
 * Serve path: a stale socket file there is replaced, the new one gets mode
 * (chmod after bind), backlog as given. *fd is the listening socket.
 * -ENAMETOOLONG when path does not fit a sun_path; -errno otherwise.
 */
int xvios_unix_listen(const char *path, mode_t mode, int backlog, int *fd);

/* Does something accept on path right now? (one non-blocking connect; a full backlog also answers) */
bool xvios_unix_answers(const char *path);

/*
 * Accept one connection (non-blocking). With check_cred the peer must be
 * root or this process's own user (SO_PEERCRED); anyone else is closed at
 * once and -EACCES returned. *cred is the peer's (pid for logs). -EAGAIN:
 * nobody is waiting.
 */
int xvios_unix_accept(int listen_fd, bool check_cred, int *fd, struct ucred *cred);

/*
 * Connect to path. The connect itself never blocks: a server that is not
 * there yet (-ENOENT, -ECONNREFUSED) or whose backlog is full (-EAGAIN) is
 * tried again every 20 ms until deadline, then that error is returned; a
 * NULL or passed deadline means one attempt. The socket stays non-blocking
 * when nonblock, else it is made blocking once connected.
 */
int xvios_unix_connect(const char *path, const struct timespec *deadline, bool nonblock, int *fd);

/*
 * Receive one datagram of at most cap bytes without waiting:
 *   0          *len bytes in buf (1..cap)
 *   -EAGAIN    nothing waiting
 *   -EMSGSIZE  a datagram larger than cap was taken and dropped (*len: its size)
 *   -EBADMSG   an empty datagram was taken and dropped (not a hang-up)
 *   -EPIPE     the peer hung up (or reset the connection)
 *   -errno     another failure
 */
int xvios_unix_recv(int fd, void *buf, size_t cap, size_t *len);

#endif /* XVIOS_UNIXSOCK_H */
