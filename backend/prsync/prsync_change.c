/* SPDX-License-Identifier: MIT */
/* prsync_change.c - a PR change computed on a scratch PR object from the DB's state (prsync_change.h). */
#include <errno.h>
#include <string.h>

#include "backend/prsync/prsync_change.h"
#include "xvios/log.h"

/* The largest state an LU can have (64 registrations and an SPC-2 holder, each with a 256-byte TransportID,
 * scsi_pr_blob.c's format) fits the DB record. */
_Static_assert(32u + (SCSI_PR_MAX_REGISTRATIONS_DEFAULT + 1u) * (22u + SCSI_TRANSPORT_ID_MAX) + 4u <=
                   XVIOS_DB_PR_BLOB_MAX, "a full PR state fits the DB record");

static void add_event(struct prsync_change *c, uint8_t kind, const struct scsi_nexus *n, uint16_t asc)
{
    if (c->n_events == PRSYNC_EVENTS_MAX) {
        if (!c->events_lost)
            XLOG_WARN("PR change: more than %u unit attentions and aborts: the rest are not replicated",
                      PRSYNC_EVENTS_MAX);
        c->events_lost = true;
        return;
    }
    c->events[c->n_events++] = (struct prsync_event){ .kind = kind, .asc = asc, .target_port = n->target_port,
                                                      .initiator = n->initiator };
}

static void cap_ua(void *opaque, const struct scsi_nexus *n, uint16_t asc)
{
    add_event(opaque, PRSYNC_EV_UA, n, asc);
}

static void cap_abort(void *opaque, const struct scsi_nexus *n)
{
    add_event(opaque, PRSYNC_EV_ABORT, n, 0);
}

static void cap_changed(void *opaque, const struct scsi_pr *pr)
{
    struct prsync_change *c = opaque;

    (void)pr;
    c->changed = true;
}

/* APTPL: the DB record is the state kept across power loss, whatever the bit says. */
static int cap_persist(void *opaque, const uint8_t *blob, size_t len)
{
    (void)opaque;
    (void)blob;
    (void)len;
    return 0;
}

static struct scsi_pr *scratch_new(struct prsync_change *c)
{
    struct scsi_pr_hooks h = { .opaque = c, .unit_attention = cap_ua, .abort_nexus = cap_abort,
                               .state_changed = cap_changed, .persist = cap_persist };

    return scsi_pr_new(&h);
}

int prsync_empty_state(uint8_t *buf, size_t cap, size_t *len)
{
    struct prsync_change c = { 0 };
    struct scsi_pr *pr = scratch_new(&c);
    int rc;

    if (!pr)
        return -ENOMEM;
    rc = scsi_pr_save(pr, buf, cap, len);
    scsi_pr_free(pr);
    return rc;
}

int prsync_change_run(void *ctx, struct xvios_db_pr *rec)
{
    struct prsync_change *c = ctx;
    struct scsi_pr *pr;
    size_t len = 0;
    int rc, r = 0;

    c->refused = c->changed = c->events_lost = false;
    c->n_events = 0;
    memset(&c->err, 0, sizeof(c->err));
    pr = scratch_new(c);
    if (!pr)
        return -ENOMEM;
    if (rec->len && scsi_pr_load(pr, rec->blob, rec->len) < 0) {
        XLOG_ERR("PR record of generation %llu: the state does not load", (unsigned long long)rec->gen);
        rc = -EIO;
        goto out;
    }
    switch (c->kind) {
    case PRSYNC_PR_OUT:
        r = scsi_pr_out(pr, &c->nexus, c->cdb, c->param, c->param_len, &c->err);
        break;
    case PRSYNC_RESERVE:
        r = scsi_pr_reserve_spc2(pr, &c->nexus, &c->err);
        break;
    case PRSYNC_RELEASE:
        r = scsi_pr_release_spc2(pr, &c->nexus, &c->err);
        break;
    case PRSYNC_NEXUS_RESET:
        scsi_pr_nexus_reset(pr, &c->nexus);
        break;
    default:
        rc = -EINVAL;
        goto out;
    }
    if (r < 0) {
        c->refused = true;
        c->changed = false;
        c->n_events = 0;
        rc = 0;
        goto out;
    }
    if (!c->changed) {
        c->n_events = 0;
        rc = 0;
        goto out;
    }
    rc = scsi_pr_save(pr, rec->blob, sizeof(rec->blob), &len);
    if (rc < 0) {
        rc = rc == -ENOSPC ? -E2BIG : rc;
        goto out;
    }
    rec->len = len;
    rc = 1;
out:
    scsi_pr_free(pr);
    return rc;
}

static bool holds(const struct scsi_pr *pr, const struct scsi_nexus *n)
{
    return scsi_pr_type(pr) != SCSI_PR_TYPE_NONE && scsi_pr_is_holder(pr, n);
}

unsigned prsync_diff(const struct scsi_pr *old, const struct scsi_pr *new_state, uint16_t port,
                     struct prsync_event *ev, unsigned max)
{
    unsigned n = 0;

    for (size_t i = 0; i < scsi_pr_registration_count(old) && n < max; i++) {
        const struct scsi_pr_registration *r = scsi_pr_registration_at(old, i);
        const struct scsi_nexus *x = &r->nexus;

        if (x->target_port != port)
            continue;
        if (!scsi_pr_find_registration(new_state, x))
            ev[n++] = (struct prsync_event){ PRSYNC_EV_UA, SCSI_ASC_REGISTRATIONS_PREEMPTED, port, x->initiator };
        else if (holds(old, x) && !holds(new_state, x)) {
            ev[n++] = (struct prsync_event){ PRSYNC_EV_UA, SCSI_ASC_RESERVATIONS_RELEASED, port, x->initiator };
        }
    }
    return n;
}
