/* SPDX-License-Identifier: MIT */
/*
 * xvios/mesh.h - one VIOS node on the multi-host transport (xen/plat/mesh/):
 * the CPG member (xvios/cpg.h) for membership and broadcasts, plus a TCP link
 * (xvios/tcplink.h) to each node on another host, opened and closed as CPG
 * membership says. docs/multihost.md.
 *
 * Each node listens on its own address (port chosen by the kernel) and puts
 * "ADDR:PORT" in its CPG HELLO card. When a node on another host shows its
 * card, the higher node id dials the lower one (the lower one serves), like
 * the loopback and vchan links; a link that dies is redialled (after
 * MESH_REDIAL_MS) while the peer is a member; a peer that CPG reports lost
 * has its link closed at once. Nodes on the same host are not linked here
 * (their links stay what the single-host platforms give).
 *
 * Directed messages go only on the link to the node they name: never through
 * CPG, never through a third host.
 */
#ifndef XVIOS_MESH_H
#define XVIOS_MESH_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "xvios/cpg.h"
#include "xvios/tcplink.h"

struct xvios_mesh_config {
    const char *cluster;               /* CPG group xvios:<cluster> */
    uint32_t local;                    /* node number on this host (1..255) */
    const char *listen_addr;           /* this host's address the other hosts reach (IPv4) */
    uint16_t listen_port;              /* the TCP port it listens on (a firewall's one port); 0: chosen by the kernel */
    const struct xvios_tcp_key *key;   /* the cluster key (copied) */
};

struct xvios_mesh_callbacks {
    void (*bcast)(void *ctx, uint32_t src, const void *buf, size_t len);   /* CPG, agreed order */
    void (*direct)(void *ctx, uint32_t src, const void *buf, size_t len);  /* a TCP link */
    void (*node_up)(void *ctx, uint32_t node);
    void (*node_lost)(void *ctx, uint32_t node, enum xvios_cpg_lost_reason why);
    void (*link)(void *ctx, uint32_t node, bool up);                       /* a TCP link up / gone */
    void *ctx;
};

struct xvios_mesh_stats {
    uint64_t direct_in, direct_out;    /* datagrams on the TCP links */
    uint64_t links_up, links_lost;     /* transitions */
    uint64_t refused;                  /* accepted connections dropped (wrong direction, same host, full) */
};

typedef struct xvios_mesh xvios_mesh;

/* -EINVAL, -EADDRINUSE (listen_port taken on listen_addr; logged with both), -EADDRNOTAVAIL (not an address of
 * this host), the CPG layer's errors. */
int  xvios_mesh_open(const struct xvios_mesh_config *cfg, const struct xvios_mesh_callbacks *cb, xvios_mesh **out);
void xvios_mesh_close(xvios_mesh *m);                 /* NULL is fine */
uint32_t xvios_mesh_self(const xvios_mesh *m);
uint16_t xvios_mesh_port(const xvios_mesh *m);   /* the port it listens on (the one in its HELLO card) */
/* The fds to poll for POLLIN (fills up to cap; returns how many). */
unsigned xvios_mesh_pollfds(const xvios_mesh *m, struct pollfd *fds, unsigned cap);
/* A poll timeout (ms) that keeps connects, handshakes, redials and the CPG queue moving. */
int  xvios_mesh_poll_ms(const xvios_mesh *m);
/* Run everything that is due; every callback runs inside. -EPIPE: corosync is gone (final). */
int  xvios_mesh_service(xvios_mesh *m);
/* Broadcast to every member (CPG, agreed order; xvios_cpg_send's results). */
int  xvios_mesh_bcast(xvios_mesh *m, const void *buf, size_t len, const struct timespec *deadline, uint64_t tag);
/* To one node on another host over its link (xvios_tcp_link_send's results); -EHOSTUNREACH no such
 * member on another host; -ENOTCONN its link is not up (yet). */
int  xvios_mesh_send(xvios_mesh *m, uint32_t node, const void *buf, size_t len, const struct timespec *deadline);
bool xvios_mesh_link_up(const xvios_mesh *m, uint32_t node);
void xvios_mesh_stats_get(const xvios_mesh *m, struct xvios_mesh_stats *st);
void xvios_mesh_cpg_stats_get(const xvios_mesh *m, struct xvios_cpg_stats *st);  /* its CPG member's */

/*
 * The mesh as the platform's links to other hosts' nodes (mesh_links.c).
 * xvios_mesh_links_open() opens a mesh node and diverts p's links
 * (xvios_link_open) for every node of another host to it: such a link is UP
 * while the mesh's TCP link to that node is up, carries datagrams with the
 * xvios_link_* results, and goes DEAD (final) the moment the node is lost
 * (CPG confchg, or its TCP link gone), so the VKE's loss path runs at once.
 * Links to nodes of this host stay p's own. With a loop, the mesh's fds (one
 * epoll fd holding the CPG fd, the listener and the TCP links) and a timer
 * are registered on it and the mesh is serviced from it; without one, the
 * caller polls xvios_mesh_links_fd() and calls xvios_mesh_links_service().
 * Inbound datagrams wait in a per-link queue (XVIOS_MESH_LINK_INQ_PKTS) until
 * the link's owner reads them; one that finds no open link, or a full queue,
 * is dropped, logged and counted. The links take group sends
 * (xvios_link_group_send): one CPG AGREED multicast framed with the nodes it
 * names (mesh_group.h); each named node's link delivers it as a datagram from
 * the sender, every other member drops it (counted).
 */
#define XVIOS_MESH_LINK_INQ_PKTS  1024u
#define XVIOS_MESH_LINK_INQ_BYTES (16u << 20)

struct xvios_evloop;
typedef struct xvios_mesh_links xvios_mesh_links;

struct xvios_mesh_links_stats {
    uint64_t unclaimed;      /* inbound datagrams with no open link from their node: dropped */
    uint64_t inq_full;       /* inbound datagrams refused by a full link queue: dropped */
    uint64_t lost;           /* links made DEAD by a node lost or its TCP link gone */
    /* group datagrams (xvios_link_group_send: one CPG multicast naming the nodes it is for) */
    uint64_t group_out;      /* multicasts sent (accepted by CPG or its bounded queue) */
    uint64_t group_copies;   /* node copies those multicasts stood for */
    uint64_t group_in;       /* delivered to the named node's link as a datagram from the sender */
    uint64_t group_not_for_us; /* CPG deliveries that did not name this node (or this node's own) */
    uint64_t group_malformed;  /* CPG deliveries with a bad frame: dropped, logged */
};

/* The counters of the mesh links, the mesh and its CPG member as "key=value\n" lines into buf (a VKE
 * stats appendix, xvios_vke_stats_extra); the length written (cut at cap - 1, NUL-terminated). */
size_t xvios_mesh_links_format_stats(void *ml, char *buf, size_t cap);

/* cfg as xvios_mesh_open; p: the platform whose links to other hosts go through the mesh; loop: NULL
 * or the host's loop. The node id the mesh takes ((corosync nodeid << 8) | cfg->local) must equal
 * expect_node when that is not 0 (-EADDRNOTAVAIL otherwise). */
int  xvios_mesh_links_open(const struct xvios_mesh_config *cfg, xvios_plat *p, struct xvios_evloop *loop,
                           uint32_t expect_node, xvios_mesh_links **out);
/* Undoes the divert; close the links opened through it first (NULL is fine). */
void xvios_mesh_links_close(xvios_mesh_links *ml);
xvios_mesh *xvios_mesh_links_mesh(xvios_mesh_links *ml);
int  xvios_mesh_links_fd(const xvios_mesh_links *ml);       /* POLLIN */
int  xvios_mesh_links_poll_ms(const xvios_mesh_links *ml);
/* Service the mesh (xvios_mesh_service's results; after -EPIPE every link is DEAD and stays so). */
int  xvios_mesh_links_service(xvios_mesh_links *ml);
void xvios_mesh_links_stats_get(const xvios_mesh_links *ml, struct xvios_mesh_links_stats *st);

#endif /* XVIOS_MESH_H */
