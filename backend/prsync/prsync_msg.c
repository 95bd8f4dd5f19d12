/* SPDX-License-Identifier: MIT */
/* prsync_msg.c - the PR_APPLY payloads (format: prsync_msg.h). */
#include <errno.h>
#include <string.h>

#include "backend/prsync/prsync_msg.h"

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

/* The name field: 1..63 bytes of an LU name (no NUL inside). */
static int get_name(const uint8_t *untrusted, size_t n, char *out)
{
    if (n == 0 || n > XVIOS_LU_NAME_MAX)
        return -EINVAL;
    memcpy(out, untrusted, n);
    out[n] = '\0';
    return strlen(out) == n && xvios_lu_name_ok(out) ? 0 : -EINVAL;
}

int prsync_apply_encode(const struct prsync_apply *a, uint8_t *buf, size_t cap)
{
    size_t nlen = strlen(a->name), len;
    uint8_t *p;

    if (!xvios_lu_name_ok(a->name) || a->gen == 0 || a->state_len == 0 || a->state_len > XVIOS_DB_PR_BLOB_MAX ||
        a->n_events > PRSYNC_EVENTS_MAX)
        return -EINVAL;
    len = PRSYNC_HDR_LEN + nlen + a->state_len + (size_t)a->n_events * PRSYNC_EVENT_LEN;
    if (len > cap)
        return -ENOSPC;
    memset(buf, 0, PRSYNC_HDR_LEN);
    buf[0] = PRSYNC_MSG_VERSION;
    put16(buf + 2, (uint16_t)nlen);
    put64(buf + 4, a->gen);
    put32(buf + 12, (uint32_t)a->state_len);
    put16(buf + 16, (uint16_t)a->n_events);
    p = buf + PRSYNC_HDR_LEN;
    memcpy(p, a->name, nlen);
    p += nlen;
    memcpy(p, a->state, a->state_len);
    p += a->state_len;
    for (unsigned i = 0; i < a->n_events; i++, p += PRSYNC_EVENT_LEN) {
        const struct prsync_event *e = &a->events[i];

        memset(p, 0, PRSYNC_EVENT_LEN);
        p[0] = e->kind;
        put16(p + 2, e->kind == PRSYNC_EV_UA ? e->asc : 0);
        put16(p + 4, e->target_port);
        put64(p + 8, e->initiator);
    }
    return (int)len;
}

int prsync_apply_decode(const uint8_t *untrusted, size_t len, struct prsync_apply *a)
{
    size_t nlen, slen, nev, need;
    const uint8_t *p;

    memset(a, 0, offsetof(struct prsync_apply, events));
    if (len < PRSYNC_HDR_LEN || untrusted[0] != PRSYNC_MSG_VERSION || untrusted[1] || get16(untrusted + 18))
        return -EINVAL;
    nlen = get16(untrusted + 2);
    a->gen = get64(untrusted + 4);
    slen = get32(untrusted + 12);
    nev = get16(untrusted + 16);
    if (a->gen == 0 || slen == 0 || slen > XVIOS_DB_PR_BLOB_MAX || nev > PRSYNC_EVENTS_MAX ||
        nlen > XVIOS_LU_NAME_MAX)
        return -EINVAL;
    need = PRSYNC_HDR_LEN + nlen + slen + nev * PRSYNC_EVENT_LEN;    /* each term bounded: no overflow */
    if (need != len || get_name(untrusted + PRSYNC_HDR_LEN, nlen, a->name) < 0)
        return -EINVAL;
    p = untrusted + PRSYNC_HDR_LEN + nlen;
    a->state = p;
    a->state_len = slen;
    p += slen;
    for (size_t i = 0; i < nev; i++, p += PRSYNC_EVENT_LEN) {
        struct prsync_event *e = &a->events[i];

        e->kind = p[0];
        e->asc = get16(p + 2);
        e->target_port = get16(p + 4);
        e->initiator = get64(p + 8);
        if ((e->kind != PRSYNC_EV_UA && e->kind != PRSYNC_EV_ABORT) || p[1] || get16(p + 6) ||
            (e->kind == PRSYNC_EV_ABORT && e->asc) || e->target_port == 0)
            return -EINVAL;
    }
    a->n_events = (unsigned)nev;
    return 0;
}

int prsync_reply_encode(const struct prsync_reply *r, uint8_t *buf, size_t cap)
{
    size_t nlen = strlen(r->name);

    if (!xvios_lu_name_ok(r->name) || r->result > PRSYNC_RESYNCING)
        return -EINVAL;
    if (PRSYNC_RSP_HDR_LEN + nlen > cap)
        return -ENOSPC;
    buf[0] = PRSYNC_MSG_VERSION;
    buf[1] = r->result;
    put16(buf + 2, (uint16_t)nlen);
    put64(buf + 4, r->gen);
    memcpy(buf + PRSYNC_RSP_HDR_LEN, r->name, nlen);
    return (int)(PRSYNC_RSP_HDR_LEN + nlen);
}

int prsync_reply_decode(const uint8_t *untrusted, size_t len, struct prsync_reply *r)
{
    size_t nlen;

    memset(r, 0, sizeof(*r));
    if (len < PRSYNC_RSP_HDR_LEN || untrusted[0] != PRSYNC_MSG_VERSION || untrusted[1] > PRSYNC_RESYNCING)
        return -EINVAL;
    nlen = get16(untrusted + 2);
    if (len != PRSYNC_RSP_HDR_LEN + nlen || get_name(untrusted + PRSYNC_RSP_HDR_LEN, nlen, r->name) < 0)
        return -EINVAL;
    r->result = untrusted[1];
    r->gen = get64(untrusted + 4);
    return 0;
}
