/* SPDX-License-Identifier: MIT */
/*
 * fuzz_prsync_msg.c - libFuzzer target for what a VIOS receives from its
 * peers about reservations: the PR_APPLY payload and its response
 * (backend/prsync/prsync_msg.c), then, as the receiver does, the carried
 * state through scsi_pr_load.
 *
 * Byte 0 even: the rest is a PR_APPLY payload; odd: a response payload. An
 * accepted payload must re-encode to the same bytes (one encoding per
 * message), every field must be within the ranges the decoder promises, and
 * an accepted state must save back to the same bytes. Anything else aborts.
 *
 * Seed corpus: tests/fuzz/corpus/fuzz_prsync_msg/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/prsync/prsync_msg.h"
#include "backend/scsi/scsi_pr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct prsync_apply a;
static uint8_t out[PRSYNC_MSG_MAX];
static uint8_t saved[XVIOS_DB_PR_BLOB_MAX];

static void fuzz_apply(const uint8_t *d, size_t n)
{
    struct scsi_pr_hooks none = { 0 };
    struct scsi_pr *pr;
    size_t len = 0;
    int enc;

    if (prsync_apply_decode(d, n, &a) < 0)
        return;
    if (!xvios_lu_name_ok(a.name) || a.gen == 0 || a.state_len == 0 || a.state_len > XVIOS_DB_PR_BLOB_MAX ||
        a.n_events > PRSYNC_EVENTS_MAX || a.state < d || a.state + a.state_len > d + n)
        abort();
    for (unsigned i = 0; i < a.n_events; i++)
        if ((a.events[i].kind != PRSYNC_EV_UA && a.events[i].kind != PRSYNC_EV_ABORT) || a.events[i].target_port == 0)
            abort();
    enc = prsync_apply_encode(&a, out, sizeof(out));
    if (enc < 0 || (size_t)enc != n || memcmp(out, d, n) != 0)
        abort();
    pr = scsi_pr_new(&none);
    if (!pr)
        abort();
    if (scsi_pr_load(pr, a.state, a.state_len) == 0 &&
        (scsi_pr_save(pr, saved, sizeof(saved), &len) < 0 || len != a.state_len || memcmp(saved, a.state, len)))
        abort();
    scsi_pr_free(pr);
}

static void fuzz_reply(const uint8_t *d, size_t n)
{
    struct prsync_reply r;
    int enc;

    if (prsync_reply_decode(d, n, &r) < 0)
        return;
    if (!xvios_lu_name_ok(r.name) || r.result > PRSYNC_RESYNCING)
        abort();
    enc = prsync_reply_encode(&r, out, sizeof(out));
    if (enc < 0 || (size_t)enc != n || memcmp(out, d, n) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        fuzz_reply(data + 1, size - 1);
    else
        fuzz_apply(data + 1, size - 1);
    return 0;
}
