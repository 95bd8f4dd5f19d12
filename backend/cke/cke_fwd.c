/* SPDX-License-Identifier: MIT */
/*
 * cke_fwd.c - the originator's side of forwarding (cke.h): which commands go
 * where, one attempt per peer, what a failed attempt means, the drain after
 * the path came back, and the path verdicts that release redrives.
 *
 * An attempt ends in one of four ways:
 *   answer          the peer's answer: DONE -> the client's answer; NO_PATH or
 *                   REFUSED -> the next peer (nothing was executed)
 *   refused sends   a fragment the VKE or the peer refused outright (not a
 *                   member, queue full, bad packet, busy): nothing can have
 *                   run -> the next peer
 *   lost sends      every fragment delivered or possibly delivered (receipt
 *                   timed out, link died) and no answer: unknown outcome
 *   deadline        no answer in time: the peer is taken as dead; unknown
 * Unknown outcome: a command without data-out (reads, TEST UNIT READY,
 * SYNCHRONIZE CACHE) changes nothing when run twice and goes to the next
 * peer; anything else is answered with the retryable sense.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/cke/cke_int.h"
#include "xvios/log.h"

/* ---------------------------------------------------------------- ends */
static void finish(struct cke *c, struct cke_req *r, enum cke_end end)
{
    r->end = end;
    r->next = NULL;
    if (c->fin_tail)
        c->fin_tail->next = r;
    else
        c->fin = r;
    c->fin_tail = r;
    if (!xvios_evloop_timer_armed(c->kick))
        xvios_evloop_timer_arm(c->kick, xvios_now());
}

void cke__fwd_kick(struct xvios_ev_timer *t, void *arg)
{
    struct cke *c = arg;
    struct cke_req *r = c->fin;

    (void)t;
    c->fin = c->fin_tail = NULL;
    while (r) {
        struct cke_req *next = r->next;

        r->next = NULL;
        r->done(r, r->end, r->end == CKE_END_ANSWERED ? &r->rsp : NULL);
        r = next;
    }
}

/* CHECK CONDITION, ABORTED COMMAND, LOGICAL UNIT COMMUNICATION FAILURE (08h/00h): an initiator retries it. */
static void answer_retryable(struct cke *c, struct cke_req *r)
{
    memset(&r->rsp, 0, sizeof(r->rsp));
    r->rsp.outcome = CKE_OUT_DONE;
    r->rsp.status = SCSI_STATUS_CHECK_CONDITION;
    r->rsp.sense_len = 18;
    r->rsp.sense[0] = 0x70;              /* current, fixed format */
    r->rsp.sense[2] = 0x0b;              /* ABORTED COMMAND */
    r->rsp.sense[7] = 10;
    r->rsp.sense[12] = 0x08;
    r->rsp.sense[13] = 0x00;
    r->rsp.residual = r->desc.data_in_len;
    c->st.unknown++;
    finish(c, r, CKE_END_ANSWERED);
}

/* ---------------------------------------------------------------- keys */
static struct cke_key *key_get(struct cke *c, const char *key)
{
    struct cke_key *k;

    for (k = c->keys; k; k = k->next)
        if (!strcmp(k->key, key))
            return k;
    k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    snprintf(k->key, sizeof(k->key), "%s", key);
    k->next = c->keys;
    c->keys = k;
    return k;
}

static struct cke_key *key_find(struct cke *c, const char *key)
{
    for (struct cke_key *k = c->keys; k; k = k->next)
        if (!strcmp(k->key, key))
            return k;
    return NULL;
}

static void release_held(struct cke *c, struct cke_key *k)
{
    struct cke_req *r = k->held;

    if (k->draining || k->last_peer)
        XLOG_INFO("CKE: %s: local I/O again (%llu forwarded, %llu re-driven, %llu answered retryable so far)", k->key,
                  (unsigned long long)c->st.forwarded, (unsigned long long)c->st.redriven,
                  (unsigned long long)c->st.unknown);
    k->last_peer = 0;
    k->nused = 0;
    k->held = k->held_tail = NULL;
    k->draining = false;
    while (r) {
        struct cke_req *next = r->next;
        finish(c, r, CKE_END_LOCAL);     /* in the order they came */
        r = next;
    }
}

/* ---------------------------------------------------------------- peers */
struct cke_peer *cke__peer(struct cke *c, uint32_t node)
{
    uint32_t h = (node * 2654435761u) % CKE_PEER_SLOTS;

    if (node == 0)
        return NULL;
    for (unsigned i = 0; i < CKE_PEER_SLOTS; i++) {
        struct cke_peer *p = &c->peers[(h + i) % CKE_PEER_SLOTS];

        if (p->node == node)
            return p;
        if (p->node == 0) {
            p->node = node;
            return p;
        }
    }
    return NULL;
}

/* Has this key forwarded to node since its path was lost? Records it if not (the log says so once). */
static bool key_used_before(struct cke_key *k, uint32_t node)
{
    for (unsigned i = 0; i < k->nused; i++)
        if (k->used[i] == node)
            return true;
    if (k->nused < XVIOS_MAX_NODES)
        k->used[k->nused++] = node;
    return false;
}
static bool tried(const struct cke_req *r, uint32_t node)
{
    for (unsigned i = 0; i < CKE_MAX_ATTEMPTS; i++)
        if (r->tried[i] == node)
            return true;
    return false;
}

static void refresh_paths(struct cke *c, struct cke_key *k)
{
    struct xvios_db_path *v = NULL;
    unsigned n = 0;

    if (k->paths_valid && xvios_ts_diff_ms(k->paths_at, xvios_now()) < CKE_PATHS_TTL_MS)
        return;
    if (xvios_db_paths_of(c->cfg.plat, k->key, &v, &n) < 0) {
        free(v);
        v = NULL;
        n = 0;
    }
    free(k->paths);
    k->paths = v;
    k->npaths = n;
    k->paths_at = xvios_now();
    k->paths_valid = true;
}

/*
 * The peer for r's next attempt: a path known good before one not known, then the fewest of ours in
 * flight; a peer that failed lately only when no other is left.
 */
static uint32_t pick_peer(struct cke *c, struct cke_key *k, const struct cke_req *r)
{
    uint32_t self = xvios_vke_node(c->cfg.vke), best = 0;
    unsigned best_rank = ~0u;
    struct timespec now = xvios_now();

    refresh_paths(c, k);
    for (unsigned i = 0; i < k->npaths; i++) {
        const struct xvios_db_path *e = &k->paths[i];
        unsigned rank;

        const struct cke_peer *p;

        if (e->node == self || e->state == XVIOS_PATH_LOST || tried(r, e->node) || !(p = cke__peer(c, e->node)))
            continue;
        rank = (e->state == XVIOS_PATH_GOOD ? 0u : 1u << 16) + p->inflight;
        if (xvios_ts_cmp(now, p->down_until) < 0)
            rank += 1u << 20;
        if (rank < best_rank) {
            best_rank = rank;
            best = e->node;
        }
    }
    return best;
}

static void peer_down(struct cke *c, uint32_t node, const char *why)
{
    struct cke_peer *p = cke__peer(c, node);

    if (!p)
        return;
    if (xvios_ts_cmp(xvios_now(), p->down_until) >= 0)
        XLOG_WARN("CKE: peer node %u %s: not chosen for %u ms", node, why, CKE_PEER_DOWN_MS);
    p->down_until = xvios_deadline_ms(CKE_PEER_DOWN_MS);
    for (struct cke_key *k = c->keys; k; k = k->next)
        k->paths_valid = false;
}

/* ---------------------------------------------------------------- attempts */
static void attempt(struct cke *c, struct cke_req *r);

static void att_free_if_done(struct cke_att *a)
{
    struct cke *c = a->c;

    if (a->r || a->results < a->frags)
        return;
    for (struct cke_att **pp = &c->atts; *pp; pp = &(*pp)->next)
        if (*pp == a) {
            *pp = a->next;
            break;
        }
    xvios_evloop_timer_remove(a->deadline);
    free(a);
}

/* The attempt is over for its command: r goes on elsewhere. */
static struct cke_req *att_detach(struct cke_att *a)
{
    struct cke *c = a->c;
    struct cke_req *r = a->r;
    struct cke_peer *p;

    a->r = NULL;
    xvios_evloop_timer_disarm(a->deadline);
    if (!a->k)
        return r;
    p = cke__peer(c, a->peer);
    if (p && p->inflight)
        p->inflight--;
    if (a->k && a->k->inflight && --a->k->inflight == 0 && a->k->draining)
        release_held(c, a->k);
    a->k = NULL;
    return r;
}

static void att_not_run(struct cke_att *a, const char *why)
{
    struct cke *c = a->c;
    struct cke_req *r = att_detach(a);

    c->st.failovers++;
    XLOG_INFO("CKE: %s on node %u (%s): trying the next peer", r->desc.lu.key, a->peer, why);
    attempt(c, r);
}

static void att_unknown(struct cke_att *a, const char *why)
{
    struct cke *c = a->c;
    struct cke_req *r = att_detach(a);

    XLOG_WARN("CKE: %s: node %u %s after taking the command: outcome unknown", r->desc.lu.key, a->peer, why);
    if (r->desc.dir != CKE_DIR_TO_DEVICE) {
        c->st.failovers++;
        attempt(c, r);                   /* nothing it does changes the medium: run it elsewhere */
    } else {
        answer_retryable(c, r);
    }
}

static void on_deadline(struct xvios_ev_timer *t, void *arg)
{
    struct cke_att *a = arg;

    (void)t;
    if (!a->r)
        return;
    peer_down(a->c, a->peer, "did not answer in time");
    att_unknown(a, "did not answer in time");
    att_free_if_done(a);
}

static void on_sent(void *arg, const struct xvios_msg *result, const struct xvios_rc_entry *rc, unsigned n_rc)
{
    struct cke_att *a = arg;
    unsigned st = n_rc ? rc[0].status : XVIOS_RC_UNREACHABLE;

    a->results++;
    if (n_rc == 0 && result->hdr.status == XVIOS_ST_OK)
        st = XVIOS_RC_DELIVERED;
    if (st == XVIOS_RC_DELIVERED)
        a->delivered++;
    else if (st == XVIOS_RC_TIMED_OUT || (st == XVIOS_RC_UNREACHABLE && n_rc))
        a->maybe++;                      /* it may have arrived: the receipt or the link went */
    else
        a->refused++;                    /* refused before it left, or by the peer's VKE */
    if (n_rc && (st == XVIOS_RC_UNREACHABLE || st == XVIOS_RC_NOT_MEMBER || st == XVIOS_RC_TIMED_OUT))
        peer_down(a->c, a->peer, xvios_rc_status_name(st));   /* the peer's fault, not our VKE's (busy) */
    if (a->r && a->results == a->frags) {
        if (a->refused)
            att_not_run(a, "a fragment was refused");
        else if (a->maybe)
            att_unknown(a, "went away");
        /* else: every fragment arrived; the answer (or the deadline) ends it */
    }
    att_free_if_done(a);
}

static void attempt(struct cke *c, struct cke_req *r)
{
    struct cke_key *k = key_get(c, r->desc.lu.key);
    uint8_t *body = NULL;
    struct cke_att *a = NULL;
    uint32_t peer, len;
    unsigned n = 0;
    int dlen;

    if (!k || r->attempts >= CKE_MAX_ATTEMPTS || !(peer = pick_peer(c, k, r))) {
        c->st.no_peer++;
        XLOG_WARN("CKE: %s: no peer VIOS can take the command (%u tried)", r->desc.lu.key, r->attempts);
        if (r->attempts)
            answer_retryable(c, r);      /* peers were there and failed: the initiator tries again later */
        else
            finish(c, r, CKE_END_LOCAL); /* nobody else has a path: the local answer is the truth */
        return;
    }
    r->tried[r->attempts++ % CKE_MAX_ATTEMPTS] = peer;
    if (!key_used_before(k, peer))
        XLOG_INFO("CKE: %s: forwarding to node %u", k->key, peer);   /* once per node while the path is lost */
    k->last_peer = peer;
    body = malloc(CKE_DESC_MAX + r->desc.data_out_len);
    a = calloc(1, sizeof(*a));
    if (!body || !a || xvios_evloop_timer_add(c->cfg.loop, on_deadline, a, &a->deadline) < 0)
        goto fail;
    dlen = cke_desc_encode(&r->desc, body, CKE_DESC_MAX);
    if (dlen < 0)
        goto fail;
    if (r->desc.data_out_len)
        memcpy(body + dlen, r->data_out, r->desc.data_out_len);
    len = (uint32_t)dlen + r->desc.data_out_len;
    a->c = c;
    a->r = r;
    a->k = k;
    a->peer = peer;
    a->fwd_id = ++c->next_id;
    a->next = c->atts;
    c->atts = a;
    k->inflight++;
    cke__peer(c, peer)->inflight++;   /* pick_peer made its entry */
    c->st.forwarded++;
    a->frags = cke_frag_count(len);
    xvios_evloop_timer_arm(a->deadline, xvios_deadline_ms(c->cfg.timeout_ms));
    cke__send_body(c, peer, CKE_MT_CMD, a->fwd_id, body, len, true, on_sent, a, &n);
    free(body);
    if (n < a->frags) {
        a->results += a->frags - n;      /* never sent: refused */
        a->refused += a->frags - n;
        if (a->r)
            att_not_run(a, "the VKE refused the send");
        att_free_if_done(a);
    }
    return;
fail:
    if (a)
        xvios_evloop_timer_remove(a->deadline);
    free(a);
    free(body);
    XLOG_WARN("CKE: %s: cannot build the forwarded command", r->desc.lu.key);
    finish(c, r, CKE_END_LOCAL);
}

void cke__fwd_on_rsp(struct cke *c, uint32_t src, uint64_t fwd_id, const uint8_t *body, uint32_t len)
{
    struct cke_att *a;
    struct cke_req *r;
    struct cke_rsp rsp;

    for (a = c->atts; a; a = a->next)
        if (a->fwd_id == fwd_id)
            break;
    if (!a || !a->r || a->peer != src) {
        c->st.bad_fragments++;
        XLOG_DEBUG("CKE: answer %#llx from node %u for no attempt in flight", (unsigned long long)fwd_id, src);
        return;
    }
    if (cke_rsp_decode(body, len, &rsp) < 0 || rsp.data_in_xfer > a->r->desc.data_in_len) {
        c->st.bad_fragments++;
        XLOG_WARN("CKE: malformed answer from node %u", src);
        att_unknown(a, "answered with garbage");
        att_free_if_done(a);
        return;
    }
    if (rsp.outcome != CKE_OUT_DONE) {
        att_not_run(a, rsp.outcome == CKE_OUT_NO_PATH ? "no path there either" : "refused");
        att_free_if_done(a);
        return;
    }
    r = att_detach(a);
    if (rsp.data_in_xfer)
        memcpy(r->data_in, body + CKE_RSP_FIXED, rsp.data_in_xfer);
    r->rsp = rsp;
    c->st.answered++;
    finish(c, r, CKE_END_ANSWERED);
    att_free_if_done(a);
}

/* ---------------------------------------------------------------- API */
bool cke_cdb_local(const uint8_t *cdb)
{
    return cdb[0] == 0x12 || cdb[0] == 0xa0;    /* INQUIRY, REPORT LUNS */
}

enum cke_route cke_route(struct cke *c, struct dsa_path *path)
{
    struct cke_key *k;

    if (!c || !path)
        return CKE_ROUTE_LOCAL;
    if (dsa_path_state(path) == DSA_LOST)
        return CKE_ROUTE_FORWARD;
    k = key_find(c, dsa_path_key(path));
    return k && k->draining ? CKE_ROUTE_WAIT : CKE_ROUTE_LOCAL;
}

void cke_forward(struct cke *c, struct cke_req *r)
{
    struct cke_key *k;

    r->attempts = 0;
    memset(r->tried, 0, sizeof(r->tried));
    if (dsa_path_state(r->path) == DSA_LOST) {
        attempt(c, r);
        return;
    }
    k = key_find(c, r->desc.lu.key);
    if (k && k->draining) {
        c->st.drained++;
        r->next = NULL;
        if (k->held_tail)
            k->held_tail->next = r;
        else
            k->held = r;
        k->held_tail = r;
        return;
    }
    finish(c, r, CKE_END_LOCAL);
}

void cke_redrive(struct cke *c, struct cke_req *r)
{
    r->executed_locally = true;
    r->attempts = 0;
    memset(r->tried, 0, sizeof(r->tried));
    c->st.redriven++;
    switch (dsa_path_state(r->path)) {
    case DSA_LOST:
        attempt(c, r);
        return;
    case DSA_SUSPECT:
        r->next = c->parked;             /* the verdict comes within the probe deadline */
        c->parked = r;
        return;
    case DSA_GOOD:
        break;
    }
    finish(c, r, CKE_END_LOCAL);
}

void cke__fwd_on_verdict(void *arg, struct dsa_path *p, enum dsa_state st)
{
    struct cke *c = arg;
    struct cke_req **pp = &c->parked;
    struct cke_key *k;

    while (*pp) {
        struct cke_req *r = *pp;

        if (r->path != p) {
            pp = &r->next;
            continue;
        }
        *pp = r->next;
        if (st == DSA_LOST)
            attempt(c, r);
        else
            finish(c, r, CKE_END_LOCAL); /* not the path: the local answer stands */
    }
    k = key_find(c, dsa_path_key(p));
    if (st == DSA_GOOD && k && k->inflight) {
        k->draining = true;              /* new commands wait for the forwarded ones */
        XLOG_INFO("CKE: %s: path back, draining %u forwarded command(s)", k->key, k->inflight);
    } else if (st == DSA_GOOD && k) {
        release_held(c, k);
    }
}

void cke__fwd_shutdown(struct cke *c)
{
    /* commands still out: their clients get the retryable sense or run locally; the attempts stay
     * (a send result may still come) until cke__fwd_free */
    for (struct cke_att *a = c->atts; a; a = a->next) {
        if (!a->r)
            continue;
        struct cke_req *r = att_detach(a);
        if (r->desc.dir == CKE_DIR_TO_DEVICE)
            answer_retryable(c, r);
        else
            finish(c, r, CKE_END_LOCAL);
    }
    while (c->parked) {
        struct cke_req *r = c->parked;
        c->parked = r->next;
        finish(c, r, CKE_END_LOCAL);
    }
    while (c->keys) {
        struct cke_key *k = c->keys;
        c->keys = k->next;
        release_held(c, k);
        free(k->paths);
        free(k);
    }
    cke__fwd_kick(c->kick, c);
}

void cke__fwd_free(struct cke *c)
{
    while (c->atts) {
        struct cke_att *a = c->atts;

        c->atts = a->next;
        xvios_evloop_timer_remove(a->deadline);
        free(a);
    }
}
