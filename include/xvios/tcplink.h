/* SPDX-License-Identifier: MIT */
/*
 * xvios/tcplink.h - point-to-point links between nodes on different hosts
 * (xen/plat/tcp/): TCP, TLS 1.3 with a pre-shared cluster key (GnuTLS PSK with
 * (EC)DHE: authenticated, encrypted, integrity-protected), carrying whole
 * datagrams with the same bounds and results as xvios_link_* (platform.h).
 * docs/multihost.md, "Directed messages".
 *
 * Framing inside the TLS stream: a 4-byte little-endian length, then the
 * datagram (1..XVIOS_LINK_MAX_DGRAM bytes).
 *
 * Identity: the connector's PSK identity is "xvios-node-<its node id>"; after
 * the handshake the server answers with one frame holding its own node id
 * (4 bytes LE), which the connector checks against the node it dialled. Both
 * sides hold the cluster key: anyone with the key is a cluster member.
 *
 * Nothing here waits except xvios_tcp_link_send (up to its deadline): a link
 * starts CONNECTING; xvios_tcp_link_progress() (when the fd is readable, or on
 * a timer: the fd is -1 while the TCP connect is in flight) moves it to UP or
 * DEAD (final). A handshake has XVIOS_TCP_HANDSHAKE_MS to finish.
 */
#ifndef XVIOS_TCPLINK_H
#define XVIOS_TCPLINK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "xvios/platform.h"

#define XVIOS_TCP_KEY_MIN        32u      /* bytes of key material at least (corosync's authkey: 256) */
#define XVIOS_TCP_KEY_MAX        4096u
#define XVIOS_TCP_HANDSHAKE_MS   5000u
#define XVIOS_TCP_OUTBUF_MAX     (4u * (XVIOS_LINK_MAX_DGRAM + 4u))  /* accepted, not yet on the socket */

struct xvios_tcp_key {
    uint8_t key[XVIOS_TCP_KEY_MAX];
    size_t len;
};

/* Read a key file (raw bytes, XVIOS_TCP_KEY_MIN..XVIOS_TCP_KEY_MAX long, e.g. corosync's authkey).
 * -EINVAL too short/long, -EACCES readable by group or others, or an open/read errno. */
int xvios_tcp_key_load(const char *path, struct xvios_tcp_key *out);

typedef struct xvios_tcp_listener xvios_tcp_listener;
typedef struct xvios_tcp_link xvios_tcp_link;

/* Listen on addr (IPv4 dotted quad) and port (0: any; xvios_tcp_listener_port says which). */
int  xvios_tcp_listen(const char *addr, uint16_t port, xvios_tcp_listener **out);
void xvios_tcp_listener_close(xvios_tcp_listener *l);  /* NULL is fine */
int  xvios_tcp_listener_fd(const xvios_tcp_listener *l);
uint16_t xvios_tcp_listener_port(const xvios_tcp_listener *l);

/* Take one pending connection as a server-side link of node self (-EAGAIN: none). The key is copied. */
int xvios_tcp_accept(xvios_tcp_listener *l, const struct xvios_tcp_key *key, uint32_t self_node,
                     xvios_tcp_link **out);
/* Dial node peer_node at addr:port as node self_node. */
int xvios_tcp_connect(const char *addr, uint16_t port, const struct xvios_tcp_key *key, uint32_t self_node,
                      uint32_t peer_node, xvios_tcp_link **out);

void xvios_tcp_link_close(xvios_tcp_link *t);          /* NULL is fine */
int  xvios_tcp_link_fd(const xvios_tcp_link *t);       /* poll for POLLIN; -1: none right now */
enum xvios_link_state xvios_tcp_link_progress(xvios_tcp_link *t);
enum xvios_link_state xvios_tcp_link_state(const xvios_tcp_link *t);
uint32_t xvios_tcp_link_peer(const xvios_tcp_link *t); /* the peer's node id once UP, else 0 */
/* Bytes accepted by send but not yet on the socket: while nonzero, also poll the fd for POLLOUT
 * and call progress when it is writable (or on a short timer). */
size_t xvios_tcp_link_pending_out(const xvios_tcp_link *t);
/* As xvios_link_send: 0; -ETIMEDOUT no room before deadline; -EPIPE dead; -EMSGSIZE; -ENOTCONN not UP. */
int  xvios_tcp_link_send(xvios_tcp_link *t, const void *buf, size_t len, const struct timespec *deadline);
/* As xvios_link_recv: 0 and a datagram; -EAGAIN; -EPIPE; -EPROTO (sticky); -EMSGSIZE (dropped, stays UP);
 * -EBADMSG an empty datagram dropped (stays UP). */
int  xvios_tcp_link_recv(xvios_tcp_link *t, void *buf, size_t cap, size_t *len);

#endif /* XVIOS_TCPLINK_H */
