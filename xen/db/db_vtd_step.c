/* SPDX-License-Identifier: MIT */
/*
 * db_vtd_step.c - the VTD record's steps of a mapping made across a split
 * store (xvios/db_vtd_step.h): claim it attaching, settle it, mark it
 * detaching, remove it; each a compare-and-change in one replicated
 * transaction, so a step never overwrites a record another attach or detach
 * has made of it meanwhile.
 */
#include <errno.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/db_vtd_step.h"

bool xvios_db_vtd_same(const struct xvios_db_vtd *a, const struct xvios_db_vtd *b)
{
    return a->node == b->node && a->state == b->state && a->read_only == b->read_only && !strcmp(a->lu, b->lu) &&
           !strcmp(a->pool_lu, b->pool_lu);
}

int xvios_db_vtd_step_in_tx(xvios_plat *p, xvios_tx tx, const struct xvios_db_vtd *expect, bool remove,
                            enum xvios_vtd_state to, struct xvios_db_vtd *now)
{
    struct xvios_db_vtd cur, next;
    int rc = xvios_db_vtd_get(p, tx, expect->client, expect->vhost, expect->chn, expect->tgt, expect->lun, &cur);

    if (rc == -ENOENT)
        return remove ? 0 : -ENOENT;
    if (rc < 0)
        return rc;
    if (now)
        *now = cur;
    if (!xvios_db_vtd_same(&cur, expect))
        return -ESTALE;
    if (remove)
        return xvios_db_vtd_remove(p, tx, expect->client, expect->vhost, expect->chn, expect->tgt, expect->lun);
    next = cur;
    next.state = to;
    return xvios_db_vtd_put(p, tx, &next);
}

struct step_arg {
    const struct xvios_db_vtd *expect;   /* claim: the record to write */
    bool remove;
    enum xvios_vtd_state to;
    struct xvios_db_vtd *now;
};

static int step_body(xvios_plat *p, xvios_tx tx, void *arg)
{
    const struct step_arg *a = arg;

    return xvios_db_vtd_step_in_tx(p, tx, a->expect, a->remove, a->to, a->now);
}

int xvios_db_vtd_step(xvios_plat *p, const struct xvios_db_vtd *expect, bool remove, enum xvios_vtd_state to,
                      struct xvios_db_vtd *now)
{
    struct step_arg a = {.expect = expect, .remove = remove, .to = to, .now = now};

    return xvios_db_tx_run(p, step_body, &a);
}

static int claim_body(xvios_plat *p, xvios_tx tx, void *arg)
{
    const struct step_arg *a = arg;
    const struct xvios_db_vtd *v = a->expect;
    struct xvios_db_vtd *now = a->now;
    struct xvios_db_vtd cur, rec;
    int rc = xvios_db_vtd_get(p, tx, v->client, v->vhost, v->chn, v->tgt, v->lun, &cur);

    if (rc == 0) {
        if (now)
            *now = cur;
        return cur.state == XVIOS_VTD_SERVED ? -EEXIST : -EBUSY;
    }
    if (rc != -ENOENT)
        return rc;
    rec = *v;
    rec.state = XVIOS_VTD_ATTACHING;
    return xvios_db_vtd_put(p, tx, &rec);
}

int xvios_db_vtd_claim(xvios_plat *p, const struct xvios_db_vtd *v, struct xvios_db_vtd *now)
{
    struct step_arg a = {.expect = v, .now = now};

    return xvios_db_tx_run(p, claim_body, &a);
}
