/* SPDX-License-Identifier: MIT */
/*
 * cke_asm.c - bodies being reassembled, keyed by (source node, fwd_id):
 * at most CKE_ASM_MAX at once, each dropped when it is not complete within
 * its deadline or when a fragment does not fit it (cke_reasm_add).
 */
#include <errno.h>
#include <stdlib.h>

#include "backend/cke/cke_int.h"
#include "xvios/log.h"

static void unlink_asm(struct cke_asm_table *t, struct cke_asm *a)
{
    for (struct cke_asm **pp = &t->head; *pp; pp = &(*pp)->next)
        if (*pp == a) {
            *pp = a->next;
            t->n--;
            return;
        }
}

void cke__asm_free(struct cke_asm *a)
{
    if (!a)
        return;
    cke_reasm_free(&a->r);
    free(a);
}

int cke__asm_add(struct cke_asm_table *t, uint32_t src, const uint8_t *untrusted_payload, size_t len,
                 unsigned timeout_ms, struct cke_asm **done)
{
    struct cke_frag_hdr h;
    struct cke_asm *a;
    int rc;

    *done = NULL;
    if ((rc = cke_frag_hdr_get(untrusted_payload, len, &h)) < 0)
        return rc;
    for (a = t->head; a; a = a->next)
        if (a->src == src && a->r.fwd_id == h.fwd_id)
            break;
    if (!a) {
        if (t->n >= CKE_ASM_MAX)
            return -ENOBUFS;
        a = calloc(1, sizeof(*a));
        if (!a)
            return -ENOMEM;
        a->src = src;
        a->expires = xvios_deadline_ms(timeout_ms);
        a->next = t->head;
        t->head = a;
        t->n++;
    }
    rc = cke_reasm_add(&a->r, &h, untrusted_payload + CKE_FRAG_HDR);
    if (rc == -EALREADY)
        return rc;                       /* a duplicate: the body stays */
    if (rc < 0) {
        unlink_asm(t, a);                /* it does not belong: the whole body goes */
        cke__asm_free(a);
        return rc;
    }
    if (rc == 1) {
        unlink_asm(t, a);
        *done = a;
        return 1;
    }
    return 0;
}

void cke__asm_expire(struct cke_asm_table *t, struct timespec now)
{
    for (struct cke_asm **pp = &t->head; *pp;) {
        struct cke_asm *a = *pp;

        if (xvios_ts_cmp(now, a->expires) >= 0) {
            XLOG_WARN("CKE: body %#llx from node %u incomplete at its deadline: dropped",
                      (unsigned long long)a->r.fwd_id, a->src);
            *pp = a->next;
            t->n--;
            cke__asm_free(a);
            continue;
        }
        pp = &a->next;
    }
}

void cke__asm_clear(struct cke_asm_table *t)
{
    while (t->head) {
        struct cke_asm *a = t->head;

        t->head = a->next;
        cke__asm_free(a);
    }
    t->n = 0;
}
