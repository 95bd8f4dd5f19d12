/* SPDX-License-Identifier: MIT */
/*
 * fuzz_scsi_pr.c - libFuzzer target for the persistent-reservation module.
 *
 * Byte 0 even: the rest is a state blob for scsi_pr_load. A refused blob
 * must leave the state alone; an accepted one must save back to the same
 * bytes and load again.
 * Byte 0 odd: the rest is a script of PR IN / PR OUT (CDB and parameter list
 * from the input), RESERVE/RELEASE(6/10), resets, conflict checks, persist
 * failures and reloads, from six I_T nexuses. After every step the state's
 * invariants must hold (keys not 0, one registration per nexus, the limit,
 * a registered holder) and save -> load -> save must give the same bytes.
 * Anything else aborts.
 *
 * Seed corpus: tests/fuzz/corpus/fuzz_scsi_pr/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/scsi/scsi_pr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NNEXUS 6
#define BLOB_CAP (1u << 20)

static uint8_t blob_a[BLOB_CAP], blob_b[BLOB_CAP];
static uint8_t in_buf[65536];
static struct scsi_nexus nexuses[NNEXUS];
static int persist_rc;

static void on_ua(void *o, const struct scsi_nexus *n, uint16_t asc) { (void)o; (void)n; (void)asc; }
static void on_abort(void *o, const struct scsi_nexus *n) { (void)o; (void)n; }
static int on_persist(void *o, const uint8_t *b, size_t len)
{
    (void)o;
    if ((b == NULL) != (len == 0))
        abort();
    return persist_rc;
}

/* Any valid TransportID names initiator (sum of its bytes % 3) on ports 1 and 2. */
static int on_resolve(void *o, const uint8_t *tid, size_t len, struct scsi_nexus *out, size_t max)
{
    unsigned sum = 0;
    size_t k = 0;
    (void)o;
    if (scsi_pr_tid_parse(tid, len, NULL, NULL) < 0)
        abort();   /* the module validates before it asks */
    for (size_t i = 0; i < len; i++)
        sum += tid[i];
    for (uint16_t port = 1; port <= 2 && k < max; port++)
        out[k++] = nexuses[(sum % 3) * 2 + (port - 1)];
    return (int)k;
}

static size_t on_ports(void *o, uint16_t *ports, size_t max)
{
    (void)o;
    if (max < 2)
        return 0;
    ports[0] = 1;
    ports[1] = 2;
    return 2;
}

static void init_nexuses(void)
{
    for (int i = 0; i < NNEXUS; i++) {
        struct scsi_nexus *n = &nexuses[i];
        memset(n, 0, sizeof(*n));
        n->initiator = (uint64_t)(i / 2);
        n->target_port = (uint16_t)(i % 2 + 1);
        n->transport_id[0] = 0x06;                 /* SAS, address = initiator */
        n->transport_id[11] = (uint8_t)(i / 2 + 1);
        n->transport_id_len = 24;
    }
}

static struct scsi_pr *new_pr(bool hooks)
{
    struct scsi_pr_hooks h = { .unit_attention = on_ua, .abort_nexus = on_abort };
    if (hooks) {
        h.persist = on_persist;
        h.resolve_transport_id = on_resolve;
        h.target_ports = on_ports;
    }
    struct scsi_pr *pr = scsi_pr_new(&h);
    if (!pr)
        abort();
    return pr;
}

static void check_invariants(const struct scsi_pr *pr)
{
    size_t n = scsi_pr_registration_count(pr);
    struct scsi_nexus h;
    size_t la = 0, lb = 0;
    struct scsi_pr *copy;

    for (size_t i = 0; i < n; i++) {
        const struct scsi_pr_registration *r = scsi_pr_registration_at(pr, i);
        if (!r || r->key == 0)
            abort();
        for (size_t j = 0; j < i; j++)
            if (scsi_nexus_eq(&scsi_pr_registration_at(pr, j)->nexus, &r->nexus))
                abort();
    }
    if (scsi_pr_holder(pr, &h) && !scsi_pr_find_registration(pr, &h))
        abort();
    if (scsi_pr_type(pr) != SCSI_PR_TYPE_NONE && n == 0)
        abort();
    if (scsi_pr_save(pr, blob_a, sizeof(blob_a), &la) != 0)
        abort();
    copy = new_pr(false);
    scsi_pr_set_max_registrations(copy, SCSI_PR_MAX_REGISTRATIONS_LIMIT);
    if (scsi_pr_load(copy, blob_a, la) != 0 || scsi_pr_save(copy, blob_b, sizeof(blob_b), &lb) != 0 || la != lb ||
        memcmp(blob_a, blob_b, la) != 0)
        abort();
    scsi_pr_free(copy);
}

static void fuzz_blob(const uint8_t *data, size_t size)
{
    struct scsi_pr *pr = new_pr(true);
    size_t before = 0, after = 0, again = 0;

    scsi_pr_save(pr, blob_a, sizeof(blob_a), &before);
    if (scsi_pr_load(pr, data, size) == 0) {
        if (scsi_pr_save(pr, blob_b, sizeof(blob_b), &again) != 0 || again != size || memcmp(blob_b, data, size))
            abort();
        check_invariants(pr);
    } else {
        if (scsi_pr_save(pr, blob_b, sizeof(blob_b), &after) != 0 || after != before ||
            memcmp(blob_a, blob_b, after))
            abort();
    }
    scsi_pr_free(pr);
}

static void fuzz_script(const uint8_t *p, size_t size)
{
    const uint8_t *end = p + size;
    struct scsi_pr *pr = new_pr(true);
    struct scsi_err err;

    persist_rc = 0;
    if (p < end)
        scsi_pr_set_max_registrations(pr, 1 + (*p++ % 8));
    while (end - p >= 2) {
        uint8_t op = *p++;
        const struct scsi_nexus *n = &nexuses[*p++ % NNEXUS];
        uint8_t cdb[16] = { 0 };
        size_t take;

        switch (op % 8) {
        case 0: {   /* PR OUT: CDB (10), parameter list length (1), list */
            uint32_t plen;
            if (end - p < 11)
                goto out;
            memcpy(cdb, p, 10);
            p += 10;
            cdb[0] = 0x5f;
            plen = *p++;
            if ((size_t)(end - p) < plen)
                plen = (uint32_t)(end - p);
            if (cdb[9] & 1)
                scsi_put_be32(cdb + 5, plen);      /* mostly consistent lengths */
            /* HARDWARE ERROR only when the persist hook failed. */
            if (scsi_pr_out(pr, n, cdb, plen ? p : NULL, plen, &err) < 0 && err.key == SCSI_SK_HARDWARE_ERROR &&
                persist_rc == 0)
                abort();
            p += plen;
            break;
        }
        case 1: {   /* PR IN */
            uint32_t got = 0;
            uint16_t alloc;
            if (end - p < 10)
                goto out;
            memcpy(cdb, p, 10);
            p += 10;
            cdb[0] = 0x5e;
            alloc = scsi_get_be16(cdb + 7);
            if (scsi_pr_in(pr, n, cdb, in_buf, sizeof(in_buf), &got, &err) == 0 && got > alloc)
                abort();
            break;
        }
        case 2:
            scsi_pr_reserve_spc2(pr, n, &err);
            break;
        case 3:
            scsi_pr_release_spc2(pr, n, &err);
            break;
        case 4:
            scsi_pr_nexus_reset(pr, (n->target_port == 1) ? n : NULL);
            break;
        case 5:
            take = (size_t)(end - p) < 16 ? (size_t)(end - p) : 16;
            memcpy(cdb, p, take);
            p += take;
            (void)scsi_pr_conflicts_cdb(pr, n, (enum scsi_pr_access)(cdb[15] & 3), cdb, take);
            (void)scsi_pr_conflicts(pr, n, (enum scsi_pr_access)(cdb[14] & 3), cdb[0]);
            break;
        case 6:
            persist_rc = persist_rc ? 0 : -5;
            break;
        default: {  /* reload the current state: nothing may change */
            size_t la = 0, lb = 0;
            if (scsi_pr_save(pr, blob_a, sizeof(blob_a), &la) != 0 || scsi_pr_load(pr, blob_a, la) != 0 ||
                scsi_pr_save(pr, blob_b, sizeof(blob_b), &lb) != 0 || la != lb || memcmp(blob_a, blob_b, la))
                abort();
            break;
        }
        }
        check_invariants(pr);
    }
out:
    scsi_pr_free(pr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        init_nexuses();
        ready = true;
    }
    if (size == 0)
        return 0;
    if (data[0] & 1)
        fuzz_script(data + 1, size - 1);
    else
        fuzz_blob(data + 1, size - 1);
    return 0;
}
