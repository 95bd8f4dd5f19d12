/* SPDX-License-Identifier: MIT */
/* outq.c - bounded FIFO of encoded packets (see outq.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "outq.h"

void outq_init(struct outq *q, unsigned max_pkts, size_t max_bytes)
{
    q->head = q->tail = NULL;
    q->n = 0;
    q->bytes = 0;
    q->max_pkts = max_pkts;
    q->max_bytes = max_bytes;
}

void outq_dispose(struct outq *q)
{
    while (q->head)
        outq_pop(q);
}

int outq_push(struct outq *q, const void *buf, size_t len)
{
    struct outq_pkt *p;

    if (q->n >= q->max_pkts || q->bytes + len > q->max_bytes)
        return -ENOBUFS;
    p = malloc(sizeof(*p) + len);
    if (!p)
        return -ENOMEM;
    p->next = NULL;
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

const struct outq_pkt *outq_peek(const struct outq *q) { return q->head; }

void outq_pop(struct outq *q)
{
    struct outq_pkt *p = q->head;

    if (!p)
        return;
    q->head = p->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    q->bytes -= p->len;
    free(p);
}
