/* SPDX-License-Identifier: MIT */
/* pktq.c - bounded FIFO of datagrams (see include/xvios/pktq.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/pktq.h"

void xvios_pktq_init(struct xvios_pktq *q, unsigned max_pkts, size_t max_bytes)
{
    q->head = q->tail = NULL;
    q->n = 0;
    q->bytes = 0;
    q->max_pkts = max_pkts;
    q->max_bytes = max_bytes;
}

void xvios_pktq_dispose(struct xvios_pktq *q)
{
    while (q->head)
        xvios_pktq_drop(q);
}

int xvios_pktq_push(struct xvios_pktq *q, const void *buf, size_t len, uint64_t txid, struct timespec deadline)
{
    struct xvios_pkt *p;

    if (q->n >= q->max_pkts || len > q->max_bytes - q->bytes)
        return -ENOBUFS;
    p = malloc(sizeof(*p) + len);
    if (!p)
        return -ENOMEM;
    p->next = NULL;
    p->deadline = deadline;
    p->txid = txid;
    p->len = len;
    if (len)
        memcpy(p->data, buf, len);
    if (q->tail)
        q->tail->next = p;
    else
        q->head = p;
    q->tail = p;
    q->n++;
    q->bytes += len;
    return 0;
}

struct xvios_pkt *xvios_pktq_pop(struct xvios_pktq *q)
{
    struct xvios_pkt *p = q->head;

    if (!p)
        return NULL;
    q->head = p->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    q->bytes -= p->len;
    p->next = NULL;
    return p;
}

void xvios_pktq_drop(struct xvios_pktq *q)
{
    free(xvios_pktq_pop(q));
}
