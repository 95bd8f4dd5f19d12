/* SPDX-License-Identifier: MIT */
/*
 * prsync_sync.c - keeping each VIOS's copy of a pool LU's PR state current
 * (docs/pool.md, "The replication protocol", "A VIOS lost during a change"):
 *
 *  - PR_APPLY from the VIOS that committed a change: a newer generation is
 *    installed (the message carries the whole state, so one that overtakes
 *    an older one loses nothing but that one's events, delivered when it
 *    comes); its unit attentions and aborts go to this VIOS's nexuses; the
 *    answer says the generation now installed.
 *  - The watch on /xvios/pr: a generation in the DB newer than the installed
 *    one makes the LU stale (not served: BUSY) at once; if no PR_APPLY brings
 *    it up to date within the cluster timeout, the VIOS re-reads the record
 *    (prsync_resync) and derives the unit attentions it owes its nexuses from
 *    the two states. A malformed record leaves the LU unserved and is read
 *    again every second (and on every change).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/prsync/prsync_int.h"
#include "xvios/log.h"

int prsync_install(struct prsync_lu *l, uint64_t gen, const uint8_t *state, size_t len)
{
    struct scsi_pr *pr = scsi_lu_pr(l->lu);
    int rc = scsi_pr_load(pr, state, len);

    if (rc < 0)
        return rc;
    l->gen = gen;
    if (gen >= l->db_gen) {
        l->db_gen = gen;
        l->stale = false;
        xvios_evloop_timer_disarm(l->resync);
    }
    l->spc2_held = scsi_pr_spc2_holder(pr, &l->spc2_holder);
    return 0;
}

void prsync_deliver(struct prsync_lu *l, const struct prsync_event *ev, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct scsi_nexus x = { .initiator = ev[i].initiator, .target_port = ev[i].target_port };

        if (ev[i].target_port != l->ps->port)
            continue;                           /* another VIOS's nexus: that VIOS delivers it */
        if (ev[i].kind == PRSYNC_EV_UA)
            scsi_lu_unit_attention(l->lu, &x, ev[i].asc);
        else if (ev[i].kind == PRSYNC_EV_ABORT)
            scsi_lu_abort_nexus(l->lu, &x);
    }
}

/* The LU's current state as a scratch PR object (for the diff), or NULL. */
static struct scsi_pr *snapshot(struct prsync_lu *l)
{
    struct scsi_pr_hooks none = { 0 };
    struct scsi_pr *copy = scsi_pr_new(&none);
    uint8_t *buf = malloc(XVIOS_DB_PR_BLOB_MAX);
    size_t len = 0;

    if (!copy || !buf || scsi_pr_save(scsi_lu_pr(l->lu), buf, XVIOS_DB_PR_BLOB_MAX, &len) < 0 ||
        scsi_pr_load(copy, buf, len) < 0) {
        scsi_pr_free(copy);
        copy = NULL;
    }
    free(buf);
    return copy;
}

int prsync_resync(struct prsync_lu *l, bool with_events)
{
    struct prsync *ps = l->ps;
    struct xvios_db_pr *rec = ps->rec;
    struct prsync_event ev[PRSYNC_EVENTS_MAX];
    struct scsi_pr *old = NULL;
    unsigned n = 0;
    int rc;

    rc = xvios_db_pr_load(ps->plat, l->name, rec);
    if (rc == -ENOENT) {
        rc = prsync_empty_state(rec->blob, sizeof(rec->blob), &rec->len);
        rec->gen = 0;
    }
    if (rc < 0)
        goto out;
    if (with_events)
        old = snapshot(l);
    l->db_gen = rec->gen > l->db_gen ? rec->gen : l->db_gen;
    rc = prsync_install(l, rec->gen, rec->blob, rec->len);
    if (rc < 0) {
        XLOG_ERR("LU %s: the PR state of generation %llu in the cluster DB does not load: LU not served",
                 l->name, (unsigned long long)rec->gen);
        rc = -EIO;
        goto out;
    }
    l->gen = rec->gen;
    l->db_gen = rec->gen;
    l->stale = false;
    if (l->broken)
        XLOG_INFO("LU %s: a good PR record (generation %llu) is back: serving again", l->name,
                  (unsigned long long)rec->gen);
    l->broken = false;
    if (old) {
        n = prsync_diff(old, scsi_lu_pr(l->lu), ps->port, ev, PRSYNC_EVENTS_MAX);
        prsync_deliver(l, ev, n);
    }
    ps->st.resyncs += with_events;
out:
    if (rc == -EIO)
        l->broken = true;
    scsi_pr_free(old);
    return rc;
}

void prsync_on_resync_timer(struct xvios_ev_timer *t, void *arg)
{
    struct prsync_lu *l = arg;
    int rc;

    (void)t;
    if (!l->lu || (!l->stale && !l->broken))
        return;
    XLOG_INFO("LU %s: generation %llu is in the DB, %llu installed: re-reading the record", l->name,
              (unsigned long long)l->db_gen, (unsigned long long)l->gen);
    rc = prsync_resync(l, true);
    if (rc < 0) {
        XLOG_WARN("LU %s: resynchronization failed (%s): not served, trying again in 1 s", l->name, strerror(-rc));
        xvios_evloop_timer_arm(l->resync, xvios_deadline_ms(1000));
    }
}

/* The DB may have moved on: read the generation; newer than ours -> stale until PR_APPLY or the resync. */
static void check_db(struct prsync_lu *l)
{
    uint64_t gen = 0;
    int rc = xvios_db_pr_gen(l->ps->plat, XVIOS_TX_NONE, l->name, &gen);

    if (rc < 0 && rc != -ENOENT) {
        if (rc == -EIO && !l->broken) {
            XLOG_ERR("LU %s: the PR record's generation is malformed: LU not served", l->name);
            l->broken = true;
            xvios_evloop_timer_arm(l->resync, xvios_deadline_ms(1000));
        }
        return;
    }
    if (l->broken) {
        xvios_evloop_timer_arm(l->resync, xvios_now());
        return;
    }
    if (gen <= l->gen)
        return;
    if (gen > l->db_gen)
        l->db_gen = gen;
    if (!l->stale) {
        l->stale = true;
        XLOG_DEBUG("LU %s: generation %llu in the DB, %llu installed: not served until it arrives", l->name,
                   (unsigned long long)gen, (unsigned long long)l->gen);
        xvios_evloop_timer_arm(l->resync, xvios_deadline_ms(l->ps->timeout_ms));
    }
}

void prsync_on_watch(void *arg, const struct xvios_watch_event *ev, unsigned n)
{
    struct prsync *ps = arg;
    char name[XVIOS_LU_NAME_MAX + 1], last[XVIOS_LU_NAME_MAX + 1] = "";

    for (unsigned i = 0; i < n; i++) {
        if (xvios_db_pr_lu_of(ev[i].path, name, sizeof(name)) < 0 || !strcmp(name, last))
            continue;                           /* /xvios/pr itself, or the same LU again in this batch */
        memcpy(last, name, sizeof(last));
        for (struct prsync_lu *l = ps->lus; l; l = l->next)
            if (l->lu && !strcmp(l->name, name))
                check_db(l);
    }
}

static void on_answer_sent(void *arg, const struct xvios_msg *result, const struct xvios_rc_entry *rc, unsigned n_rc)
{
    (void)arg;
    (void)rc;
    (void)n_rc;
    if (result->hdr.status != XVIOS_ST_OK)
        XLOG_DEBUG("PR_APPLY answer to node %u: status %d", result->targets[0], result->hdr.status);
}

static void answer(struct prsync *ps, const struct xvios_msg *m, const char *name, uint8_t result, uint64_t gen)
{
    struct prsync_reply r = { .result = result, .gen = gen };
    uint8_t buf[PRSYNC_RSP_HDR_LEN + XVIOS_LU_NAME_MAX];
    struct xvios_msg out;
    int len, rc;

    memcpy(r.name, name, sizeof(r.name));
    len = prsync_reply_encode(&r, buf, sizeof(buf));
    if (len < 0 || !(m->hdr.flags & XVIOS_F_RESPONSE))
        return;
    memset(&out, 0, sizeof(out));
    out.hdr.opcode = XVIOS_OP_CLUSTER_RESPONSE;
    out.hdr.txid = m->hdr.txid;
    out.hdr.payload_len = (uint32_t)len;
    out.sub.msg_type = XVIOS_MT_PR_APPLY;
    out.sub.src_node = xvios_vke_node(ps->vke);
    out.sub.epoch = m->sub.epoch;
    out.sub.n_targets = 1;
    out.sub.rc_capacity = 1;
    out.targets[0] = m->sub.src_node;
    out.payload = buf;
    rc = xvios_vke_send(ps->vke, &out, on_answer_sent, ps, NULL);
    if (rc < 0)
        XLOG_WARN("LU %s: answer to node %u's PR_APPLY not sent: %s", name, m->sub.src_node, strerror(-rc));
}

/*
 * The DB is the serialization point: a VIOS sends PR_APPLY for a generation
 * only after committing it, so a generation the DB does not have (yet) is a
 * lie. Without this check one well-formed message from a compromised member
 * with a huge generation would make every other VIOS ignore the real changes
 * that follow (each of them older than the lie). One store read per PR_APPLY.
 */
static bool apply_gen_in_db(struct prsync_lu *l, const struct xvios_msg *m, uint64_t gen)
{
    uint64_t db = 0;
    int rc = xvios_db_pr_gen(l->ps->plat, XVIOS_TX_NONE, l->name, &db);

    if (rc < 0 && rc != -ENOENT) {
        XLOG_WARN("LU %s: PR_APPLY from node %u: the DB's generation cannot be read (%s): dropped", l->name,
                  m->sub.src_node, strerror(-rc));
        return false;
    }
    if (gen > db) {
        XLOG_WARN("LU %s: PR_APPLY from node %u claims generation %llu, the cluster DB has %llu: dropped", l->name,
                  m->sub.src_node, (unsigned long long)gen, (unsigned long long)db);
        return false;
    }
    return true;
}

void prsync_on_apply(struct prsync *ps, const struct xvios_msg *m)
{
    struct prsync_apply *a = ps->apply;
    uint8_t result = PRSYNC_NOT_SERVED;
    uint64_t gen = 0;

    if (prsync_apply_decode(m->payload, m->hdr.payload_len, a) < 0) {
        ps->st.malformed_in++;
        XLOG_WARN("PR_APPLY from node %u: malformed payload (%u bytes): dropped", m->sub.src_node,
                  m->hdr.payload_len);
        return;
    }
    for (struct prsync_lu *l = ps->lus; l; l = l->next) {
        if (!l->lu || strcmp(l->name, a->name))
            continue;
        if (a->gen > l->gen && !apply_gen_in_db(l, m, a->gen)) {
            ps->st.malformed_in++;
            result = PRSYNC_NOT_SERVED;
            continue;
        }
        if (a->gen > l->gen) {
            if (prsync_install(l, a->gen, a->state, a->state_len) < 0) {
                ps->st.malformed_in++;
                XLOG_WARN("LU %s: node %u's state of generation %llu does not load: re-reading the DB", l->name,
                          m->sub.src_node, (unsigned long long)a->gen);
                if (a->gen > l->db_gen)
                    l->db_gen = a->gen;
                l->stale = true;
                xvios_evloop_timer_arm(l->resync, xvios_now());
                result = PRSYNC_RESYNCING;
            } else {
                ps->st.applied_in++;
            }
        } else {
            ps->st.stale_in++;                  /* a newer state is installed already: only the events */
        }
        prsync_deliver(l, a->events, a->n_events);
        if (result != PRSYNC_RESYNCING)
            result = PRSYNC_APPLIED;
        gen = l->gen;
    }
    answer(ps, m, a->name, result, gen);
}
