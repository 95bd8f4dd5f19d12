/* SPDX-License-Identifier: MIT */
/*
 * pr_fixture.h - shared helpers of the persistent-reservation tests: hooks
 * that record what the PR module asks for, nexuses with iSCSI TransportIDs,
 * and CDB / parameter list builders. Header-only (static inline) so that
 * only the PR tests carry it.
 */
#ifndef XVIOS_TEST_PR_FIXTURE_H
#define XVIOS_TEST_PR_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/scsi/scsi_pr.h"

#define FX_MAX_EVENTS 256
#define FX_MAX_BLOB   (1u << 20)

struct fx_ua { uint64_t initiator; uint16_t port; uint16_t asc; };

struct fx {
    struct scsi_pr *pr;
    struct fx_ua ua[FX_MAX_EVENTS];
    size_t nua;
    struct scsi_nexus aborted[FX_MAX_EVENTS];
    size_t naborted;
    unsigned changed;
    unsigned persisted;
    int persist_rc;               /* what the persist hook returns */
    uint8_t *blob;                /* last persisted blob (NULL after "forget") */
    size_t blob_len;
    uint16_t ports[8];            /* the LU's target ports */
    size_t nports;
};

/* Initiator i's iSCSI TransportID (format 00b): "iqn.2026-01.org.xvios:host<i>". */
static inline size_t fx_tid(uint64_t i, uint8_t *tid)
{
    char name[64];
    size_t n = (size_t)snprintf(name, sizeof(name), "iqn.2026-01.org.xvios:host%llu", (unsigned long long)i);
    size_t addl = (n + 1 + 3) & ~(size_t)3;
    if (addl < 20)
        addl = 20;
    memset(tid, 0, 4 + addl);
    tid[0] = 0x05;
    tid[2] = (uint8_t)(addl >> 8);
    tid[3] = (uint8_t)addl;
    memcpy(tid + 4, name, n);
    return 4 + addl;
}

static inline struct scsi_nexus nx(uint64_t initiator, uint16_t port)
{
    struct scsi_nexus n;
    memset(&n, 0, sizeof(n));
    n.initiator = initiator;
    n.target_port = port;
    n.transport_id_len = (uint16_t)fx_tid(initiator, n.transport_id);
    return n;
}

static inline void fx_ua_hook(void *opaque, const struct scsi_nexus *n, uint16_t asc)
{
    struct fx *f = opaque;
    assert_true(f->nua < FX_MAX_EVENTS);
    f->ua[f->nua++] = (struct fx_ua){ n->initiator, n->target_port, asc };
}

static inline void fx_abort_hook(void *opaque, const struct scsi_nexus *n)
{
    struct fx *f = opaque;
    assert_true(f->naborted < FX_MAX_EVENTS);
    f->aborted[f->naborted++] = *n;
}

static inline void fx_changed_hook(void *opaque, const struct scsi_pr *pr)
{
    struct fx *f = opaque;
    assert_ptr_equal(pr, f->pr);
    f->changed++;
}

static inline int fx_persist_hook(void *opaque, const uint8_t *blob, size_t len)
{
    struct fx *f = opaque;
    f->persisted++;
    if (f->persist_rc < 0)
        return f->persist_rc;
    free(f->blob);
    f->blob = NULL;
    f->blob_len = 0;
    if (blob) {
        assert_true(len > 0 && len <= FX_MAX_BLOB);
        f->blob = malloc(len);
        assert_non_null(f->blob);
        memcpy(f->blob, blob, len);
        f->blob_len = len;
    } else {
        assert_int_equal(len, 0);
    }
    return 0;
}

/* Resolves the fixture's iSCSI names: host<i> (i < 100) is logged in through every port of the LU. */
static inline int fx_resolve_hook(void *opaque, const uint8_t *tid, size_t len, struct scsi_nexus *out, size_t max)
{
    struct fx *f = opaque;
    unsigned long long i;
    size_t k = 0;

    if (len < 5 || (tid[0] & 0x0f) != 5 || sscanf((const char *)tid + 4, "iqn.2026-01.org.xvios:host%llu", &i) != 1 || i >= 100)
        return 0;
    for (size_t p = 0; p < f->nports && k < max; p++)
        out[k++] = nx(i, f->ports[p]);
    return (int)k;
}

static inline size_t fx_ports_hook(void *opaque, uint16_t *ports, size_t max)
{
    struct fx *f = opaque;
    size_t n = f->nports < max ? f->nports : max;
    memcpy(ports, f->ports, n * sizeof(*ports));
    return n;
}

/* A PR object with every hook (all = false: only UA, abort and state_changed). */
static inline void fx_init(struct fx *f, bool all)
{
    struct scsi_pr_hooks h = { .opaque = f, .unit_attention = fx_ua_hook, .abort_nexus = fx_abort_hook,
                               .state_changed = fx_changed_hook };
    memset(f, 0, sizeof(*f));
    if (all) {
        h.persist = fx_persist_hook;
        h.resolve_transport_id = fx_resolve_hook;
        h.target_ports = fx_ports_hook;
    }
    f->ports[0] = 1;
    f->ports[1] = 2;
    f->nports = 2;
    f->pr = scsi_pr_new(&h);
    assert_non_null(f->pr);
}

static inline void fx_fini(struct fx *f)
{
    scsi_pr_free(f->pr);
    free(f->blob);
    f->blob = NULL;
}

static inline void fx_clear_events(struct fx *f)
{
    f->nua = 0;
    f->naborted = 0;
}

/* How many UAs with that ASC went to (initiator, port). */
static inline unsigned fx_ua_count(const struct fx *f, uint64_t initiator, uint16_t port, uint16_t asc)
{
    unsigned c = 0;
    for (size_t i = 0; i < f->nua; i++)
        if (f->ua[i].initiator == initiator && f->ua[i].port == port && f->ua[i].asc == asc)
            c++;
    return c;
}

/* ---- CDBs and parameter lists */
static inline void out_cdb(uint8_t *cdb, uint8_t sa, uint8_t type, uint32_t list_len)
{
    memset(cdb, 0, 10);
    cdb[0] = 0x5f;
    cdb[1] = sa;
    cdb[2] = type;
    scsi_put_be32(cdb + 5, list_len);
}

static inline void in_cdb(uint8_t *cdb, uint8_t sa, uint16_t alloc)
{
    memset(cdb, 0, 10);
    cdb[0] = 0x5e;
    cdb[1] = sa;
    scsi_put_be16(cdb + 7, alloc);
}

/* The basic 24-byte list; flags = byte 20 (SPEC_I_PT 8, ALL_TG_PT 4, APTPL 1). */
static inline void out_param(uint8_t *p, uint64_t key, uint64_t sa_key, uint8_t flags)
{
    memset(p, 0, 24);
    scsi_put_be64(p, key);
    scsi_put_be64(p + 8, sa_key);
    p[20] = flags;
}

/* One PR OUT with the basic list; returns the module's rc, *err on refusal. */
static inline int pr_out(struct fx *f, const struct scsi_nexus *n, uint8_t sa, uint8_t type, uint64_t key,
                         uint64_t sa_key, uint8_t flags, struct scsi_err *err)
{
    uint8_t cdb[10], p[24];
    struct scsi_err e;
    out_cdb(cdb, sa, type, 24);
    out_param(p, key, sa_key, flags);
    memset(&e, 0, sizeof(e));
    int rc = scsi_pr_out(f->pr, n, cdb, p, sizeof(p), &e);
    if (err)
        *err = e;
    return rc;
}

static inline void must_register(struct fx *f, const struct scsi_nexus *n, uint64_t key)
{
    assert_int_equal(pr_out(f, n, SCSI_PR_OUT_REGISTER, 0, 0, key, 0, NULL), 0);
}

static inline void must_reserve(struct fx *f, const struct scsi_nexus *n, uint64_t key, uint8_t type)
{
    assert_int_equal(pr_out(f, n, SCSI_PR_OUT_RESERVE, type, key, 0, 0, NULL), 0);
}

static inline void assert_conflict(const struct scsi_err *e)
{
    assert_int_equal(e->status, SCSI_STATUS_RESERVATION_CONFLICT);
}

static inline void assert_sense(const struct scsi_err *e, uint8_t key, uint16_t asc)
{
    assert_int_equal(e->status, SCSI_STATUS_CHECK_CONDITION);
    assert_int_equal(e->key, key);
    assert_int_equal(e->asc, asc);
}

/* ILLEGAL REQUEST INVALID FIELD IN CDB/PARAMETER LIST at byte `field`, bit (or -1). */
static inline void assert_field(const struct scsi_err *e, bool in_cdb, uint16_t field, int bit)
{
    assert_sense(e, SCSI_SK_ILLEGAL_REQUEST,
                 in_cdb ? SCSI_ASC_INVALID_FIELD_IN_CDB : SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST);
    assert_true(e->has_field);
    assert_int_equal(e->in_cdb, in_cdb);
    assert_int_equal(e->field, field);
    if (bit < 0) {
        assert_false(e->has_bit);
    } else {
        assert_true(e->has_bit);
        assert_int_equal(e->bit, bit);
    }
}

#endif /* XVIOS_TEST_PR_FIXTURE_H */
