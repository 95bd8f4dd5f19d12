/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_internal.h - state shared by the Xen implementation of the
 * platform seam (xen/plat_xen_*.c). Nothing outside those files includes it.
 *
 * One struct plat_xen per xvios_plat_open(XVIOS_PLAT_XEN):
 *   xs      - the XenStore connection for store calls and the caller's watches
 *   xc      - libxenctrl, for domain liveness and uuids; NULL in a domU
 *             without privcmd (identity then falls back to XenStore alone)
 *   rel_xs  - a second XenStore connection that only watches @releaseDomain,
 *             opened with the first link; every link's poll fd includes its
 *             watch fd so a vanished peer domain wakes the link
 */
#ifndef XVIOS_PLAT_XEN_INTERNAL_H
#define XVIOS_PLAT_XEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* xenctrl.h only exposes the tools interface (domctl/sysctl types) to tools builds */
#ifndef __XEN_TOOLS__
#define __XEN_TOOLS__ 1
#endif
#include <xenctrl.h>
#include <xenstore.h>
#include <xen/io/xs_wire.h>
#include <xentoollog.h>

#include "xen/plat/plat_ops.h"

/* The logger handed to libxenctrl / libxenvchan: forwards to xvios_log. */
struct plat_xen_logger {
    struct xentoollog_logger vtable;
};

struct plat_xen {
    struct xs_handle *xs;
    int watch_fd;
    xc_interface *xc;
    struct plat_xen_logger logger;
    bool self_known;
    uint32_t self_domid;
    /* @releaseDomain monitor for links (lazily opened by the first link) */
    struct xs_handle *rel_xs;
    int rel_fd;
    uint64_t release_gen;
};

/* Token of the link layer's internal @releaseDomain watch (on rel_xs only). */
#define PLAT_XEN_RELEASE_TOKEN "xvios-link-release"

/* plat_xen.c */
void plat_xen_logger_init(struct plat_xen_logger *lg);

/* plat_xen_store.c: errno after a failed libxenstore call, as a negative errno (-EIO if unset). */
int plat_xen_errno(void);
int plat_xen_store_read(void *impl, xvios_tx tx, const char *path, char **val, size_t *len);
int plat_xen_store_write(void *impl, xvios_tx tx, const char *path, const char *val, size_t len);
int plat_xen_store_mkdir(void *impl, xvios_tx tx, const char *path);
int plat_xen_store_rm(void *impl, xvios_tx tx, const char *path);
int plat_xen_store_list(void *impl, xvios_tx tx, const char *path, char ***names, unsigned *n);
int plat_xen_store_get_perms(void *impl, xvios_tx tx, const char *path, struct xvios_perm **perms, unsigned *n);
/* Bytes a SET_PERMS message for this list takes: "path\0" and "<letter><domid>\0" per entry. */
size_t plat_xen_perms_payload(const char *path, const struct xvios_perm *perms, unsigned n);
int plat_xen_store_set_perms(void *impl, xvios_tx tx, const char *path, const struct xvios_perm *perms,
                             unsigned n);
int plat_xen_tx_start(void *impl, xvios_tx *tx);
int plat_xen_tx_end(void *impl, xvios_tx tx, bool commit);

/* plat_xen_watch.c */
int plat_xen_watch(void *impl, const char *path, const char *token);
int plat_xen_unwatch(void *impl, const char *path, const char *token);
int plat_xen_watch_fd(void *impl);
int plat_xen_watch_read(void *impl, char **path, char **token);
/* Open the @releaseDomain monitor if not yet open; 0 or negative errno. */
int plat_xen_release_open(struct plat_xen *px);
void plat_xen_release_close(struct plat_xen *px);
/* Drain pending @releaseDomain events without blocking; returns release_gen. */
uint64_t plat_xen_release_poll(struct plat_xen *px);

/* plat_xen_ident.c */
int plat_xen_self_domid(void *impl, uint32_t *domid);
int plat_xen_domain_info(void *impl, uint32_t domid, struct xvios_dominfo *out);
/* plat_xen_revive.c: re-creating a domain under a given domid (libxenlight) */
int plat_xen_domid_recent(void *impl, uint32_t domid, unsigned *wait_s);
int plat_xen_domain_create_as(void *impl, const char *xl_config, uint32_t domid, const char *uuid, char *err,
                              size_t errlen);
int plat_xen_domain_lookup(void *impl, const char *name_or_id, uint32_t *domid);

/* plat_xen_link.c */
int  plat_xen_link_open(void *impl, const struct xvios_link_peer *peer, void **link_impl);
void plat_xen_link_close(void *link_impl);
int  plat_xen_link_fd(const void *link_impl);
enum xvios_link_state plat_xen_link_progress(void *link_impl);
enum xvios_link_state plat_xen_link_state(const void *link_impl);
int  plat_xen_link_send(void *link_impl, const void *buf, size_t len, const struct timespec *deadline);
int  plat_xen_link_recv(void *link_impl, void *buf, size_t cap, size_t *len);

/* plat_xen_gnt.c: grant access of a backend (xvios/ring.h) */
int  plat_xen_gnt_open(void *impl, uint32_t fe_domid, unsigned max_grants, void **gnt_impl, bool *native_copy);
void plat_xen_gnt_close(void *gnt_impl);
int  plat_xen_gnt_map(void *gnt_impl, const uint32_t *grefs, unsigned n, bool writable, void **addr);
int  plat_xen_gnt_unmap(void *gnt_impl, void *addr, unsigned n);
int  plat_xen_gnt_copy(void *gnt_impl, struct xvios_gnt_seg *segs, unsigned n);
/* A grant operation's GNTST_* status as a negative errno (0 for GNTST_okay). */
int  plat_xen_gntst_errno(int16_t st);

/* plat_xen_evtchn.c: interdomain event channels of a backend */
int  plat_xen_evtchn_bind(void *impl, uint32_t fe_domid, uint32_t remote_port, void **ch_impl, uint32_t *local_port);
void plat_xen_evtchn_unbind(void *ch_impl);
int  plat_xen_evtchn_fd(const void *ch_impl);
int  plat_xen_evtchn_pending(void *ch_impl);
int  plat_xen_evtchn_unmask(void *ch_impl);
int  plat_xen_evtchn_notify(void *ch_impl);

/*
 * Link geometry. Each direction of a vchan is a power-of-two ring; a frame
 * is a u32 little-endian length + the datagram, so the largest frame is
 * 4 + XVIOS_LINK_MAX_DGRAM = 65540 bytes. A 128 KiB ring (order 17) holds
 * one whole largest frame, so a send either finds room for its complete
 * frame or writes nothing: a send that times out never leaves half a frame
 * in the ring. Cost: 32 granted pages per direction + 1 control page.
 */
#define PLAT_XEN_RING_ORDER 17
#define PLAT_XEN_RING_SIZE  (1u << PLAT_XEN_RING_ORDER)
#define PLAT_XEN_FRAME_HDR  4u
#define PLAT_XEN_CONNECT_RETRY_MS 50

/* Rendezvous path of a link in XenStore; -ENAMETOOLONG if it would not fit libxenvchan's buffers. */
int plat_xen_link_path(char *buf, size_t n, uint32_t server_domid, uint32_t peer_node);
/* The connecting side's presence node of a cluster link (see plat_xen_link.c). */
int plat_xen_link_presence_path(char *buf, size_t n, uint32_t client_domid, uint32_t server_node);

#endif /* XVIOS_PLAT_XEN_INTERNAL_H */
