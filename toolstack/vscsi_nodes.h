/* SPDX-License-Identifier: MIT */
/*
 * vscsi_nodes.h - the XenStore nodes of a pvSCSI (vscsiif) vhost, as dom0's
 * toolstack writes and reads them. The one place that knows the layout
 * (docs/vscsi.md is the long version):
 *
 *   Backend dir  B = /local/domain/<vios>/backend/vscsi/<client>/<vhost>
 *     perms on B and everything below it that dom0 creates:
 *       [ {vios, NONE (owner)}, {client, READ} ]
 *     B/frontend            F (the frontend dir's path)
 *     B/frontend-id         <client>
 *     B/online              1  (0 while dom0 takes the vhost down)
 *     B/state               1 at creation; dom0 writes 7 (hot-plug) and 5 (close);
 *                           the engine 2, 4, 8, 6
 *     B/feature-host        0
 *     B/vscsi-devs/dev-N/p-dev      the LU (an absolute path inside the VIOS); a pool LU's backing
 *     B/vscsi-devs/dev-N/p-devname  the LU as given (display only)
 *     B/vscsi-devs/dev-N/xvios-lu, xvios-offset, xvios-size, xvios-wwn, xvios-serial
 *                                   an LU of the pool only (docs/pool.md): its name, region and identifiers
 *     B/vscsi-devs/dev-N/v-dev      "h:c:t:l", h == <vhost>
 *     B/vscsi-devs/dev-N/mode       "r" read-only, "w" read-write (absent = "w")
 *     B/vscsi-devs/dev-N/state      1 at creation, 5 to hot-remove; the engine 3, 4, 6
 *   engine-only keys: B/feature-sg-grant, B/xvios-error, B/vscsi-devs/dev-N/xvios-error
 *
 *   Frontend dir F = /local/domain/<client>/device/vscsi/<vhost>
 *     perms on F and what dom0 creates below it: [ {client, NONE (owner)}, {vios, READ} ]
 *     F/backend             B
 *     F/backend-id          <vios>
 *     F/state               1 at creation; then the frontend's own
 *   frontend-only keys: F/ring-ref, F/event-channel, F/vscsi-devs/dev-N/state
 *
 * Parents dom0 has to create are given the owner of the dir below them and
 * no access for anyone else. Every value read back is treated as untrusted:
 * the backend dir is writable by the VIOS, the frontend dir by the client.
 * Functions taking a tx work inside the caller's transaction (tx may be
 * XVIOS_TX_NONE); they return 0 or a negative errno.
 */
#ifndef XVIOS_TOOLSTACK_VSCSI_NODES_H
#define XVIOS_TOOLSTACK_VSCSI_NODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xvios/db_lu.h"
#include "xvios/platform.h"

/* xenbus states as vscsiif uses them */
enum vscsi_state {
    VSCSI_ST_UNKNOWN = 0,
    VSCSI_ST_INITIALISING = 1,
    VSCSI_ST_INITWAIT = 2,
    VSCSI_ST_INITIALISED = 3,
    VSCSI_ST_CONNECTED = 4,
    VSCSI_ST_CLOSING = 5,
    VSCSI_ST_CLOSED = 6,
    VSCSI_ST_RECONFIGURING = 7,
    VSCSI_ST_RECONFIGURED = 8,
};
#define VSCSI_ST_ABSENT (-1)   /* key missing, unreadable or malformed */

/* Limits (docs/vscsi.md). Channel, target and LUN follow what Linux xen-scsifront accepts. */
#define VSCSI_MAX_VHOST    65535u
#define VSCSI_MAX_CHANNEL  0u
#define VSCSI_MAX_TARGET   63u
#define VSCSI_MAX_LUN      255u
#define VSCSI_MAX_DEVS     256u     /* dev-N entries per vhost */
#define VSCSI_MAX_DEV_INDEX 65535u  /* N */
#define VSCSI_MAX_LU       1024u    /* bytes of an LU path */
#define VSCSI_PATH_MAX     256u     /* bytes of any node path we build */

struct vscsi_vdev {
    uint32_t host;   /* selects the vhost */
    uint32_t chn, tgt, lun;
};

/* "h:c:t:l", each a decimal within the limits above; -EINVAL (malformed) or -ERANGE. */
int vscsi_vdev_parse(const char *untrusted_s, struct vscsi_vdev *out);
void vscsi_vdev_format(const struct vscsi_vdev *v, char *buf, size_t n);
static inline bool vscsi_vdev_same_lun(const struct vscsi_vdev *a, const struct vscsi_vdev *b)
{
    return a->chn == b->chn && a->tgt == b->tgt && a->lun == b->lun;
}

int vscsi_be_path(uint32_t vios, uint32_t client, uint32_t vhost, char *buf, size_t n);
int vscsi_fe_path(uint32_t client, uint32_t vhost, char *buf, size_t n);

/* One dev-N of a vhost, as read back. */
struct vscsi_dev {
    uint32_t index;                /* N */
    bool vdev_ok;                  /* v-dev parsed */
    struct vscsi_vdev vdev;
    char lu[VSCSI_MAX_LU + 1];     /* p-dev ("" if absent or unreadable) */
    char pool_lu[XVIOS_LU_NAME_MAX + 1];   /* xvios-lu: the pool LU's name ("" for a path LU or unreadable) */
    bool readonly;                 /* mode "r" */
    int be_state;                  /* B/vscsi-devs/dev-N/state */
    int fe_state;                  /* F/vscsi-devs/dev-N/state */
    char error[128];               /* the engine's xvios-error for this dev ("" if none) */
};

/* One vhost (a backend dir) with its devs sorted by N. */
struct vscsi_vhost {
    uint32_t vios;                 /* the VIOS's domid */
    uint32_t client;
    uint32_t vhost;
    int be_state, fe_state;
    bool online;
    char error[128];               /* B/xvios-error */
    struct vscsi_dev *devs;        /* malloc'd */
    unsigned n_devs;
};

/* -ENOENT: no backend dir. On error *out is left empty. */
int  vscsi_vhost_read(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost,
                      struct vscsi_vhost *out);
void vscsi_vhost_free(struct vscsi_vhost *v);
/* The dev whose v-dev names the same channel:target:lun, or NULL. */
const struct vscsi_dev *vscsi_vhost_find_lun(const struct vscsi_vhost *v, const struct vscsi_vdev *vdev);
/* The smallest N above every dev-N present (0 for none); -ENOSPC past the limits. */
int  vscsi_vhost_next_index(const struct vscsi_vhost *v, uint32_t *index);

/*
 * Every vhost the VIOS vios serves (of one client when only_client, else of
 * all), appended to *list (*n entries; realloc'd). A missing backend/vscsi
 * dir is no vhost. Malformed names below it are skipped.
 */
int  vscsi_vios_vhosts(xvios_plat *p, xvios_tx tx, uint32_t vios, bool only_client, uint32_t client,
                       struct vscsi_vhost **list, unsigned *n);
void vscsi_vhosts_free(struct vscsi_vhost *list, unsigned n);

/* What a new dev-N is. */
struct vscsi_new_dev {
    uint32_t index;
    struct vscsi_vdev vdev;
    const char *lu;          /* p-dev */
    const char *lu_name;     /* p-devname */
    const struct xvios_db_lu *pool;   /* an LU of the pool (lu is its backing), or NULL */
    bool readonly;
};

/* Create both dirs of a new vhost with state 1, online 1 and dev (state 1). */
int vscsi_write_vhost(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, const struct vscsi_new_dev *dev);
/* The backend dir alone, as vscsi_write_vhost writes it (a revived VIOS's vhost whose frontend dir lives on). */
int vscsi_write_be_vhost(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, const struct vscsi_new_dev *dev);
/* Add dev-N (state 1) to an existing vhost. */
int vscsi_write_dev(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, const struct vscsi_new_dev *dev);
/* B/state, B/online, B/vscsi-devs/dev-N/state. */
int vscsi_write_be_state(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost, int state);
int vscsi_write_online(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost, bool online);
int vscsi_write_dev_state(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost,
                          uint32_t index, int state);
/* Remove B and F (absent ones are fine). */
int vscsi_remove_vhost(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost);
/* Remove B/vscsi-devs/dev-N and F/vscsi-devs/dev-N (absent ones are fine). */
int vscsi_remove_dev(xvios_plat *p, xvios_tx tx, uint32_t vios, uint32_t client, uint32_t vhost, uint32_t index);

#endif /* XVIOS_TOOLSTACK_VSCSI_NODES_H */
