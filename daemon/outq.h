/* SPDX-License-Identifier: MIT */
/*
 * outq.h - a bounded FIFO of encoded packets waiting for a non-blocking
 * writer (the VKE socket, a caller's socket or management link). Bounded
 * by packet count and by bytes: a push past either limit fails, and the
 * owner decides (drop the packet, or disconnect a caller that does not read).
 */
#ifndef XVIOSD_OUTQ_H
#define XVIOSD_OUTQ_H

#include <stddef.h>
#include <stdint.h>

struct outq_pkt {
    struct outq_pkt *next;
    size_t len;
    uint8_t data[];
};

struct outq {
    struct outq_pkt *head, *tail;
    unsigned n, max_pkts;
    size_t bytes, max_bytes;
};

void outq_init(struct outq *q, unsigned max_pkts, size_t max_bytes);
void outq_dispose(struct outq *q);
/* Copy len bytes in; -ENOBUFS when full, -ENOMEM. */
int  outq_push(struct outq *q, const void *buf, size_t len);
/* The oldest packet or NULL. */
const struct outq_pkt *outq_peek(const struct outq *q);
void outq_pop(struct outq *q);

#endif /* XVIOSD_OUTQ_H */
