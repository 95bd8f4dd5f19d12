/* SPDX-License-Identifier: MIT */
/*
 * vscsi_xs.c - the backend state machine of one vhost, as xen-scsiback runs
 * it, over XenStore (docs/vscsi.md, "The engine in the VIOS"):
 *
 *   probe (backend dir seen)   write feature-sg-grant, state 2 (InitWait)
 *   frontend 3 (Initialised)   client login (vscsi_login.c): wait for the IDs, or
 *                              state 5 with xvios-error at its deadline; then
 *                              map the ring, bind the channel; dev-N 1 -> 3
 *                              (6 on failure), 5 -> 6; then state 4
 *   frontend 4 (Connected)     dev-N 3 -> 4; state 4 (after Reconfigured);
 *                              on a ring this backend never mapped (a revived
 *                              VIOS): login, map at the shared rsp_prod, add
 *                              the dev-Ns as on 3, answer what is outstanding
 *   frontend 7 (Reconfiguring) the same dev-N pass as on 3; state 8
 *   frontend 5 (Closing)       stop taking requests, wait until none is
 *                              outstanding, unmap; state 5
 *   frontend 6 / gone          as 5, then state 6
 *
 * It acts on a change of the frontend's state (as xenbus' otherend_changed),
 * so the toolstack's own writes (state 7 for hot-plug) are never overwritten
 * before the frontend answered them. Writes are skipped when the value is
 * already there, so the engine's own watch events settle.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/vscsi/vscsi_int.h"
#include "xvios/log.h"
#include "xvios/parse.h"

enum xb_state {
    XB_UNKNOWN = 0, XB_INITIALISING = 1, XB_INITWAIT = 2, XB_INITIALISED = 3, XB_CONNECTED = 4,
    XB_CLOSING = 5, XB_CLOSED = 6, XB_RECONFIGURING = 7, XB_RECONFIGURED = 8,
};

static int read_state(struct vscsi_vhost *vh, const char *dir, const char *key)
{
    char v[16];
    uint32_t s;
    int rc = vscsi_xs_read(vh, dir, key, v, sizeof(v));

    if (rc < 0)
        return rc;
    return xvios_parse_u32(v, 0, 8, &s) < 0 ? XB_UNKNOWN : (int)s;
}

static void set_state(struct vscsi_vhost *vh, const char *key, int state)
{
    char v[8];

    if (strcmp(key, "state") == 0) {
        /* A late event of the frontend's (its Connected after the toolstack already wrote Reconfiguring
         * for a hot-add) must not put the backend back to Connected behind the toolstack's back. */
        if (vh->be_switched == state)
            return;
        vh->be_switched = state;
    }
    snprintf(v, sizeof(v), "%d", state);
    vscsi_xs_write(vh, key, v);
}

enum dev_pass { PASS_ADD, PASS_UPDATE };

/* The keys dom0 writes for an LU of the cluster's pool (docs/pool.md); absent for a path LU. */
struct pool_keys {
    char lu[72], offset[24], size[24], wwn[40], serial[40];
};

static void read_pool_keys(struct vscsi_vhost *vh, const char *dev, struct pool_keys *k, struct vscsi_lun_spec *s)
{
    static const char *const keys[] = { "xvios-lu", "xvios-offset", "xvios-size", "xvios-wwn", "xvios-serial" };
    char *bufs[] = { k->lu, k->offset, k->size, k->wwn, k->serial };
    const size_t caps[] = { sizeof(k->lu), sizeof(k->offset), sizeof(k->size), sizeof(k->wwn), sizeof(k->serial) };
    const char **outs[] = { &s->lu, &s->offset, &s->size, &s->wwn, &s->serial };
    char key[64];

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        int rc;

        snprintf(key, sizeof(key), "vscsi-devs/%s/%s", dev, keys[i]);
        rc = vscsi_xs_read(vh, vh->be_path, key, bufs[i], caps[i]);
        /* no xvios-lu: a path LU. Any other key absent or unreadable (too long included): NULL, and
         * vscsi_lun_add refuses the pool LU; an xvios-lu that cannot be read is no valid name ("") */
        if (i == 0 && rc == -ENOENT)
            return;
        if (i == 0 && rc < 0)
            bufs[i][0] = '\0';
        *outs[i] = rc == 0 || i == 0 ? bufs[i] : NULL;
    }
}

/* One pass over vscsi-devs/dev-N. Entries whose directory went away are unmapped too. */
static void dev_pass(struct vscsi_vhost *vh, enum dev_pass op)
{
    char dir[VSCSI_PATH_MAX + 16], key[48], vdev[64], pdev[VSCSI_PATH_MAX], mode[8];
    struct pool_keys pk;
    char **names = NULL;
    unsigned n = 0;
    bool seen[64] = { false };

    snprintf(dir, sizeof(dir), "%s/vscsi-devs", vh->be_path);
    if (xvios_store_list(vh->eng->plat, XVIOS_TX_NONE, dir, &names, &n) < 0)
        n = 0;
    for (unsigned i = 0; i < n; i++) {
        uint32_t devn;
        int st;

        if (strncmp(names[i], "dev-", 4) || xvios_parse_u32_canon(names[i] + 4, 65535, &devn) < 0) {
            XLOG_DEBUG("vhost %u/%u: ignoring vscsi-devs/%s", vh->fe_domid, vh->devid, names[i]);
            continue;
        }
        if (devn < 64)
            seen[devn] = true;
        snprintf(key, sizeof(key), "vscsi-devs/%s/state", names[i]);
        st = read_state(vh, vh->be_path, key);
        if (st < 0)
            continue;
        if (op == PASS_UPDATE) {
            if (st == XB_INITIALISED)
                set_state(vh, key, XB_CONNECTED);
            continue;
        }
        if (st == XB_INITIALISING || st == XB_CONNECTED) {
            char k2[64];
            int rc;

            snprintf(k2, sizeof(k2), "vscsi-devs/%s/v-dev", names[i]);
            rc = vscsi_xs_read(vh, vh->be_path, k2, vdev, sizeof(vdev));
            snprintf(k2, sizeof(k2), "vscsi-devs/%s/p-dev", names[i]);
            if (rc == 0)
                rc = vscsi_xs_read(vh, vh->be_path, k2, pdev, sizeof(pdev));
            snprintf(k2, sizeof(k2), "vscsi-devs/%s/mode", names[i]);
            if (rc == 0 && vscsi_xs_read(vh, vh->be_path, k2, mode, sizeof(mode)) < 0)
                strcpy(mode, "w");      /* absent: read-write, as blkback's mode */
            if (rc == 0) {
                struct vscsi_lun_spec spec = { .vdev = vdev, .pdev = pdev, .mode = mode };
                read_pool_keys(vh, names[i], &pk, &spec);
                rc = vscsi_lun_add(vh, devn, &spec);
            } else
                vscsi_xs_set_error(vh, "%s: v-dev or p-dev missing", names[i]);
            if (rc < 0 && vh->last_error[0]) {
                /* the refusal's reason next to the LUN too: a later vhost-level message (the frontend
                 * closing, say) must not take it away before the toolstack has read it */
                char ekey[64];
                snprintf(ekey, sizeof(ekey), "vscsi-devs/%s/xvios-error", names[i]);
                vscsi_xs_write(vh, ekey, vh->last_error);
            }
            if (st == XB_INITIALISING)
                set_state(vh, key, rc == 0 ? XB_INITIALISED : XB_CLOSED);
            else if (rc < 0)
                set_state(vh, key, XB_CLOSED);
        } else if (st == XB_CLOSING) {
            vscsi_lun_del(vh, devn);
            set_state(vh, key, XB_CLOSED);
        }
    }
    for (unsigned i = 0; i < n; i++)
        free(names[i]);
    free(names);
    /* a mapped dev-N whose keys were removed without the 5 -> 6 handshake */
    for (struct vscsi_lun *l = vh->luns, *next; l; l = next) {
        next = l->next;
        if (l->devn >= 64 || !seen[l->devn]) {
            char k3[48];
            snprintf(k3, sizeof(k3), "vscsi-devs/dev-%u/state", l->devn);
            if (read_state(vh, vh->be_path, k3) == -ENOENT)
                vscsi_lun_del(vh, l->devn);
        }
    }
}

static int probe(struct vscsi_vhost *vh)
{
    char v[16];
    uint32_t id;
    int rc;

    rc = vscsi_xs_read(vh, vh->be_path, "frontend", vh->fe_path, sizeof(vh->fe_path));
    if (rc < 0 || vh->fe_path[0] != '/') {
        vh->fe_path[0] = '\0';
        return rc < 0 ? rc : -EINVAL;
    }
    if (vscsi_xs_read(vh, vh->be_path, "frontend-id", v, sizeof(v)) < 0 || xvios_parse_domid(v, &id) < 0 ||
        id != vh->fe_domid) {
        vscsi_xs_set_error(vh, "frontend-id does not name domain %u", vh->fe_domid);
        return -EINVAL;
    }
    snprintf(v, sizeof(v), "%u", VSCSI_SG_GRANT_MAX);
    vscsi_xs_write(vh, "feature-sg-grant", v);
    if (read_state(vh, vh->be_path, "state") == XB_INITIALISING)
        set_state(vh, "state", XB_INITWAIT);
    if (!vh->fe_watched) {
        char path[VSCSI_PATH_MAX + 8];

        snprintf(path, sizeof(path), "%s/state", vh->fe_path);
        rc = xvios_watchmux_add(vh->eng->mux, path, vh->fe_token, vh->eng->fe_watch_cb, vh->eng);
        if (rc < 0) {
            XLOG_WARN("vhost %u/%u: cannot watch %s: %s", vh->fe_domid, vh->devid, path, strerror(-rc));
            return rc;
        }
        vh->fe_watched = true;
    }
    vh->probed = true;
    XLOG_INFO("vhost %u/%u: backend probed, frontend %s", vh->fe_domid, vh->devid, vh->fe_path);
    return 0;
}

/* Frontend 5/6/gone: stop, drain, unmap. True when done (nothing in flight). */
static bool close_ring(struct vscsi_vhost *vh)
{
    vh->quiesce = true;
    if (vh->in_flight)
        return false;                   /* the last completion reconciles again */
    vscsi_ring_disconnect(vh);
    return true;
}

static bool dir_exists(struct vscsi_vhost *vh)
{
    char *v = NULL;
    size_t len = 0;
    int rc = xvios_store_read(vh->eng->plat, XVIOS_TX_NONE, vh->be_path, &v, &len);

    free(v);
    return rc != -ENOENT;
}

void vscsi_xs_reconcile(struct vscsi_vhost *vh)
{
    int be, fe;

    vh->dirty = false;
    if (!dir_exists(vh)) {
        vh->removing = true;            /* the toolstack removed the vhost: the engine frees it when drained */
        close_ring(vh);
        return;
    }
    be = read_state(vh, vh->be_path, "state");
    if (be < 0)
        return;                         /* the toolstack has not written it yet */
    if (!vh->probed && probe(vh) < 0)
        return;
    fe = read_state(vh, vh->fe_path, "state");
    if (fe == -ENOENT)
        fe = XB_CLOSED;                 /* the frontend's domain is gone */
    if (fe < 0)
        return;
    if (fe == vh->fe_handled)
        return;
    switch (fe) {
    case XB_INITIALISED:
        if (!vscsi_login_ready(vh)) {
            if (!vscsi_login_failed(vh))
                return;                 /* again when the login is done (or has failed) */
            set_state(vh, "state", XB_CLOSING);
            break;
        }
        if (vscsi_ring_connect(vh, false) < 0) {
            set_state(vh, "state", XB_CLOSING);
            break;
        }
        dev_pass(vh, PASS_ADD);
        set_state(vh, "state", XB_CONNECTED);
        break;
    case XB_CONNECTED:
        if (!vh->connected && !vscsi_login_ready(vh)) {
            if (!vscsi_login_failed(vh))
                return;
            set_state(vh, "state", XB_CLOSING);
            break;
        }
        if (!vh->connected) {
            /* The frontend is Connected on a ring this backend never mapped: a backend taking over a
             * live ring (a revived VIOS, docs/vscsi.md "Reviving a VIOS"). Its LUNs are added as on a
             * first connect, then the requests the last backend left unanswered are taken from the
             * ring (the push below kicks the service). */
            if (vscsi_ring_connect(vh, true) < 0) {
                if (!vh->ring_error)
                    set_state(vh, "state", XB_CLOSING);
                break;
            }
            dev_pass(vh, PASS_ADD);
            XLOG_INFO("vhost %u/%u: took over the frontend's live ring", vh->fe_domid, vh->devid);
            vscsi_ring_service(vh);
            /* a frontend waiting for an answer (an ABORT into the dead ring) gets its event even if it
             * had not asked for one: the dead backend may have swallowed the last notification */
            if (vh->connected && xvios_evtchn_notify(vh->ch) < 0)
                XLOG_WARN("vhost %u/%u: notify failed", vh->fe_domid, vh->devid);
        }
        dev_pass(vh, PASS_UPDATE);
        set_state(vh, "state", XB_CONNECTED);
        break;
    case XB_RECONFIGURING:
        dev_pass(vh, PASS_ADD);
        set_state(vh, "state", XB_RECONFIGURED);
        break;
    case XB_CLOSING:
        if (!close_ring(vh))
            return;                     /* not handled yet: again when the last request is answered */
        set_state(vh, "state", XB_CLOSING);
        break;
    case XB_CLOSED:
        if (!close_ring(vh))
            return;
        set_state(vh, "state", XB_CLOSED);
        break;
    case XB_INITIALISING:
    case XB_INITWAIT:
        if (be == XB_CLOSING || be == XB_CLOSED) {
            vh->quiesce = false;        /* a frontend that starts over: offer the vhost again */
            vscsi_login_reset(vh);      /* and log it in again */
            set_state(vh, "state", XB_INITWAIT);
        }
        break;
    default:
        break;
    }
    vh->fe_handled = fe;
    vscsi_ring_push(vh);
}
