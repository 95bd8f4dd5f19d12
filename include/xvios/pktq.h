/* SPDX-License-Identifier: MIT */
/*
 * xvios/pktq.h - a bounded FIFO of datagrams waiting for a non-blocking
 * writer: a VKE's per-link output queues and its inbound queue for the
 * daemon, the daemon's queue to the VKE and to each caller. Bounded by
 * packet count and by bytes: a push past either limit fails with -ENOBUFS
 * and the owner decides (refuse and count, or disconnect a caller that does
 * not read). Each packet may carry a deadline and the txid it belongs to.
 */
#ifndef XVIOS_PKTQ_H
#define XVIOS_PKTQ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct xvios_pkt {
    struct xvios_pkt *next;
    struct timespec deadline;  /* 0 when the owner keeps none */
    uint64_t txid;
    size_t len;
    uint8_t data[];
};

struct xvios_pktq {
    struct xvios_pkt *head, *tail;
    unsigned n, max_pkts;
    size_t bytes, max_bytes;
};

void xvios_pktq_init(struct xvios_pktq *q, unsigned max_pkts, size_t max_bytes);
void xvios_pktq_dispose(struct xvios_pktq *q);                     /* frees every packet */
/* Copy len bytes in: 0, -ENOBUFS (full by count or bytes), -ENOMEM. */
int  xvios_pktq_push(struct xvios_pktq *q, const void *buf, size_t len, uint64_t txid, struct timespec deadline);
static inline struct xvios_pkt *xvios_pktq_peek(const struct xvios_pktq *q) { return q->head; }
static inline int xvios_pktq_full(const struct xvios_pktq *q) { return q->n >= q->max_pkts; }
/* Detach the oldest packet (the caller frees it), or NULL. */
struct xvios_pkt *xvios_pktq_pop(struct xvios_pktq *q);
/* Pop and free the oldest packet. */
void xvios_pktq_drop(struct xvios_pktq *q);

#endif /* XVIOS_PKTQ_H */
