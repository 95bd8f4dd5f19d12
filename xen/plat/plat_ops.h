/* SPDX-License-Identifier: MIT */
/*
 * plat_ops.h - inside the platform seam: the table each implementation
 * fills in. xen/plat.c dispatches the public xvios_store_* / xvios_link_* /
 * identity calls of include/xvios/platform.h through it; nothing outside
 * xen/ sees this header.
 */
#ifndef XVIOS_PLAT_OPS_H
#define XVIOS_PLAT_OPS_H

#include "xvios/platform.h"
#include "xvios/ring.h"

struct xvios_plat_ops {
    const char *name;
    /* Allocate and initialise the implementation's state into *impl. */
    int  (*open)(const struct xvios_plat_config *cfg, void **impl);
    void (*close)(void *impl);

    int (*self_domid)(void *impl, uint32_t *domid);
    int (*domain_info)(void *impl, uint32_t domid, struct xvios_dominfo *out);
    int (*domain_lookup)(void *impl, const char *name_or_id, uint32_t *domid);

    int (*store_read)(void *impl, xvios_tx tx, const char *path, char **val, size_t *len);
    int (*store_write)(void *impl, xvios_tx tx, const char *path, const char *val, size_t len);
    int (*store_mkdir)(void *impl, xvios_tx tx, const char *path);
    int (*store_rm)(void *impl, xvios_tx tx, const char *path);
    int (*store_list)(void *impl, xvios_tx tx, const char *path, char ***names, unsigned *n);
    int (*store_get_perms)(void *impl, xvios_tx tx, const char *path, struct xvios_perm **perms, unsigned *n);
    int (*store_set_perms)(void *impl, xvios_tx tx, const char *path, const struct xvios_perm *perms, unsigned n);
    int (*tx_start)(void *impl, xvios_tx *tx);
    int (*tx_end)(void *impl, xvios_tx tx, bool commit);
    int (*watch)(void *impl, const char *path, const char *token);
    int (*unwatch)(void *impl, const char *path, const char *token);
    int (*watch_fd)(void *impl);
    int (*watch_read)(void *impl, char **path, char **token);
    int (*store_generation)(void *impl, uint64_t *gen);   /* optional: NULL is -EOPNOTSUPP */
    /* optional (NULL is -EOPNOTSUPP): re-creating a domain under a given domid (platform.h) */
    int (*domid_recent)(void *impl, uint32_t domid, unsigned *wait_s);
    int (*domain_create_as)(void *impl, const char *xl_config, uint32_t domid, const char *uuid, char *err,
                            size_t errlen);

    /* Links: the implementation allocates its own link state (*link_impl). */
    int  (*link_open)(void *impl, const struct xvios_link_peer *peer, void **link_impl);
    void (*link_close)(void *link_impl);
    int  (*link_fd)(const void *link_impl);
    enum xvios_link_state (*link_progress)(void *link_impl);
    enum xvios_link_state (*link_state)(const void *link_impl);
    int  (*link_send)(void *link_impl, const void *buf, size_t len, const struct timespec *deadline);
    int  (*link_recv)(void *link_impl, void *buf, size_t cap, size_t *len);
    /* optional (NULL: none): one datagram to n links of this table (xvios_link_group_send, checked) */
    int  (*link_group_send)(void *const *link_impls, unsigned n, const void *buf, size_t len,
                            const struct timespec *deadline);

    /* Rings (xvios/ring.h; arguments already checked by xen/plat/plat_ring.c). */
    int  (*gnt_open)(void *impl, uint32_t fe_domid, unsigned max_grants, void **gnt_impl, bool *native_copy);
    void (*gnt_close)(void *gnt_impl);
    int  (*gnt_map)(void *gnt_impl, const uint32_t *grefs, unsigned n, bool writable, void **addr);
    int  (*gnt_unmap)(void *gnt_impl, void *addr, unsigned n);
    int  (*gnt_copy)(void *gnt_impl, struct xvios_gnt_seg *segs, unsigned n);
    int  (*evtchn_bind)(void *impl, uint32_t fe_domid, uint32_t remote_port, void **ch_impl, uint32_t *local_port);
    void (*evtchn_unbind)(void *ch_impl);
    int  (*evtchn_fd)(const void *ch_impl);
    int  (*evtchn_pending)(void *ch_impl);
    int  (*evtchn_unmask)(void *ch_impl);
    int  (*evtchn_notify)(void *ch_impl);
};

extern const struct xvios_plat_ops xvios_plat_loopback_ops; /* xen/plat/loop/ */
extern const struct xvios_plat_ops xvios_plat_xen_ops;      /* xen/plat/xen/ */

/* The implementation state behind p when p runs on ops, else NULL (for implementation-only APIs
 * such as xvios/loopback.h). */
void *xvios_plat_impl(xvios_plat *p, const struct xvios_plat_ops *ops);
/* The same by kind: for an implementation's own helpers, so they need not name their ops table
 * (which would tie every file of the implementation back to the file that defines the table). */
void *xvios_plat_impl_of_kind(xvios_plat *p, enum xvios_plat_kind kind);
/* From now on p's store calls (xvios_store_*: read .. watch_read, generation) go to store_ops with
 * store_impl, everything else stays p's own (the replicated DB, xen/plat/rdb, is such a store);
 * store_ops NULL: back to p's own store. The caller keeps store_impl alive while diverted. */
void xvios_plat_store_divert(xvios_plat *p, const struct xvios_plat_ops *store_ops, void *store_impl);
/* From now on xvios_link_open() offers each link to link_ops->link_open first (only the link_* entries
 * are used); it answers -ENXIO for a peer that is not its own, which then goes to p's own links (the
 * multi-host mesh takes the nodes of other hosts, xen/plat/mesh). Links opened keep the ops they were
 * opened on. link_ops NULL: none. The caller keeps link_impl alive while diverted and while such links
 * are open. */
void xvios_plat_link_divert(xvios_plat *p, const struct xvios_plat_ops *link_ops, void *link_impl);
/* The ops table p runs on and its implementation state (for seam parts dispatched outside plat.c). */
const struct xvios_plat_ops *xvios_plat_ops_of(xvios_plat *p, void **impl);

/* Path sanity shared by both stores: absolute, XenStore's character set, no "//", no trailing "/"
 * (except "/" itself), special "@..." watch paths allowed only where allow_special. */
bool xvios_store_path_valid(const char *path, bool allow_special);

#endif /* XVIOS_PLAT_OPS_H */
