/* SPDX-License-Identifier: MIT */
/* vke_queue.c - bounded FIFO of datagrams (link output queues, the daemon's inbound queue). */
#include <stdlib.h>
#include <string.h>

#include "vke_internal.h"

struct vke_pkt *vke_pkt_new(const void *data, size_t len, uint64_t txid, struct timespec deadline)
{
    struct vke_pkt *p = malloc(sizeof(*p) + len);

    if (!p)
        return NULL;
    p->next = NULL;
    p->deadline = deadline;
    p->txid = txid;
    p->len = len;
    memcpy(p->data, data, len);
    return p;
}

bool vke_queue_push(struct vke_queue *q, struct vke_pkt *p)
{
    if (q->n >= q->cap)
        return false;
    p->next = NULL;
    if (q->tail)
        q->tail->next = p;
    else
        q->head = p;
    q->tail = p;
    q->n++;
    return true;
}

struct vke_pkt *vke_queue_pop(struct vke_queue *q)
{
    struct vke_pkt *p = q->head;

    if (!p)
        return NULL;
    q->head = p->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    p->next = NULL;
    return p;
}

void vke_queue_clear(struct vke_queue *q)
{
    struct vke_pkt *p;

    while ((p = vke_queue_pop(q)))
        free(p);
}
