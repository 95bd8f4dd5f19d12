/* SPDX-License-Identifier: MIT */
/* vhost_nodes.h - a VIOS's own view and writes of one vhost's XenStore nodes (vhost_nodes.c). */
#ifndef XVIOSD_VHOST_NODES_H
#define XVIOSD_VHOST_NODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xviosd.h"
#include "xvios/db_vtd.h"

#define AP_PATH_MAX 192u
#define AP_MAX_DEVS 256u          /* dev-N entries of a vhost (docs/vscsi.md) */
#define AP_MAX_INDEX 65535u

enum { ST_INITIALISING = 1, ST_INITWAIT = 2, ST_CONNECTED = 4, ST_CLOSING = 5, ST_CLOSED = 6, ST_RECONF = 7 };


/* The vhost of a VTD record as this VIOS has it. */
struct vhost_view {
    int be_state;
    unsigned n_devs, n_live;     /* dev-N entries; those not being removed (state below 5) */
    uint32_t next_index;         /* one above every dev-N of the backend and the frontend dir */
    bool found;                  /* a dev-N with the wanted channel:target:lun */
    uint32_t index;              /* its N */
    int dev_state;
};

/* printf into buf: 0, or -ENAMETOOLONG. */
int viod_vh_path(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* This VIOS's backend dir of v's vhost; the client's frontend dir of it. 0 or -ENAMETOOLONG. */
int viod_vh_be_dir(const struct xviosd *d, const struct xvios_db_vtd *v, char *buf, size_t cap);
int viod_vh_fe_dir(const struct xvios_db_vtd *v, char *buf, size_t cap);
/* The xenbus state at dir/rel, or -1 when absent or malformed. */
int viod_vh_state(xvios_plat *p, xvios_tx tx, const char *dir, const char *rel);
/*
 * The backend dir of v's vhost, checked to be the client's: 0 and *w; -ENOENT (no such vhost here), -EPERM
 * (the dir names another frontend or client, *why set), or a store error.
 */
int viod_vh_view(struct xviosd *d, xvios_tx tx, const struct xvios_db_vtd *v, struct vhost_view *w, char *why,
                 size_t cap);
/* In this VIOS's backend dir of v's vhost: rel (a state key) set to state; dev-N removed (absent is fine). */
int viod_vh_write_state(struct xviosd *d, xvios_tx tx, const struct xvios_db_vtd *v, const char *rel, int state);
/* dev-N of v's vhost in this VIOS's backend dir (state 1; pool: the pool LU's region and identifiers), with
 * the backend dir's permissions (this VIOS owner, the client READ). */
struct xvios_db_lu;
int viod_vh_write_dev(struct xviosd *d, xvios_tx tx, const struct xvios_db_vtd *v, uint32_t index,
                      const struct xvios_db_lu *pool);
int viod_vh_remove_dev(struct xviosd *d, xvios_tx tx, const struct xvios_db_vtd *v, uint32_t index);

#endif /* XVIOSD_VHOST_NODES_H */
