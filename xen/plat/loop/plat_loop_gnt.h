/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_gnt.h - the loopback grant table and event channels
 * (docs/loopback.md, "Grants and event channels"): the shared layout both
 * sides use, the granting side (plat_loop_gntshr.c, xvios/loopback.h) and
 * the backend side (plat_loop_peer.c, plat_loop_gnt.c, plat_loop_evtchn.c,
 * xvios/ring.h).
 *
 * A frontend domain (a process acting as it) owns two sealed memfds:
 *   data     npages pages: the memory it grants from
 *   control  struct loop_gnt_hdr, then nentries grant entries (u64 each),
 *            then nports event-channel entries
 * and publishes them in ROOT/grants/<domid>: "<pid> <ctl fd> <data fd>
 * <nonce>\n". A backend opens the two through /proc/<pid>/fd/<n> and checks
 * the control header (magic, version, domid, nonce, sizes) and the seals
 * before it maps anything.
 *
 * Every entry word changes only by compare-and-swap, so the frontend's
 * revoke and a backend's use of a grant cannot race (as Xen's GTF_reading /
 * GTF_writing flags do on a real grant table).
 */
#ifndef XVIOS_PLAT_LOOP_GNT_H
#define XVIOS_PLAT_LOOP_GNT_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plat_loop_internal.h"

#define LOOP_GNT_MAGIC      UINT64_C(0x31544e4753495658)  /* "XVISGNT1" read little-endian */
#define LOOP_GNT_VERSION    1u
#define LOOP_GNT_RESERVED   8u        /* grefs 0..7 are never handed out (Xen reserves them too) */
#define LOOP_GNT_MAX_PAGES  65536u    /* 256 MiB of grantable memory per domain */
#define LOOP_GNT_MAX_ENTRIES 65536u
#define LOOP_EVTCHN_PORTS   64u       /* event-channel entries per domain (4 fds each); port 0 is never used */
#define LOOP_GNT_PUB_MAX    128u      /* bytes of a publication file */
#define LOOP_GNT_SEALS      (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW)

struct loop_gnt_hdr {
    uint64_t magic;
    uint64_t nonce;       /* also in the publication: a stale pid's fds are never taken for ours */
    uint32_t version;
    uint32_t domid;       /* the granting domain */
    uint32_t npages;      /* of the data memfd */
    uint32_t nentries;    /* grant entries */
    uint32_t nports;      /* event-channel entries */
    uint32_t reserved[7];
};
_Static_assert(sizeof(struct loop_gnt_hdr) == 64, "the control area's header is 64 bytes");

/* Grant entry word. */
#define LOOP_GNT_DOMID_MASK UINT64_C(0xffff)              /* the backend domain it is granted to */
#define LOOP_GNT_VALID      (UINT64_C(1) << 16)           /* granted */
#define LOOP_GNT_READONLY   (UINT64_C(1) << 17)
#define LOOP_GNT_BUSY_SHIFT 18
#define LOOP_GNT_BUSY_ONE   (UINT64_C(1) << LOOP_GNT_BUSY_SHIFT)
#define LOOP_GNT_BUSY_MASK  (UINT64_C(0x3fff) << LOOP_GNT_BUSY_SHIFT) /* mappings + copies in progress */
#define LOOP_GNT_PAGE_SHIFT 32                            /* page index in the data memfd */

/* Event-channel entry. The fds are set before the state says UNBOUND and not changed while it is not FREE. */
enum loop_evtchn_kind { LOOP_EVTCHN_FREE = 0, LOOP_EVTCHN_UNBOUND = 1, LOOP_EVTCHN_BOUND = 2 };
#define LOOP_EVTCHN_KIND_MASK    UINT64_C(0x3)
#define LOOP_EVTCHN_REMOTE_SHIFT 16                       /* the domain allowed to bind it */
struct loop_evtchn_entry {
    uint64_t state;
    int32_t fd_to_be;     /* a pipe (fd number in the frontend's process): frontend -> backend */
    int32_t fd_to_fe;     /* a pipe: backend -> frontend */
};
_Static_assert(sizeof(struct loop_evtchn_entry) == 16, "event-channel entries are 16 bytes");

static inline size_t loop_gnt_ctl_size(uint32_t nentries, uint32_t nports)
{
    return sizeof(struct loop_gnt_hdr) + (size_t)nentries * sizeof(uint64_t) +
           (size_t)nports * sizeof(struct loop_evtchn_entry);
}

static inline uint64_t *loop_gnt_entries(void *ctl) { return (uint64_t *)((uint8_t *)ctl + sizeof(struct loop_gnt_hdr)); }

static inline struct loop_evtchn_entry *loop_gnt_ports(void *ctl, uint32_t nentries)
{
    return (struct loop_evtchn_entry *)((uint8_t *)ctl + sizeof(struct loop_gnt_hdr) +
                                        (size_t)nentries * sizeof(uint64_t));
}

/* ROOT/grants/<domid> */
int loop_gnt_pub_path(const struct loop_plat *lp, uint32_t domid, char *buf, size_t n);

/* ---------------------------------------------------------------- backend side (plat_loop_peer.c) */
/* A frontend domain's control (and optionally data) memfd, taken from its process and checked. */
struct loop_peer {
    uint32_t domid;
    pid_t pid;
    int ctl_fd, data_fd;
    struct loop_gnt_hdr hdr;           /* the copy checked at open: never re-read */
    void *ctl;
    size_t ctl_len;
    uint64_t *entries;
    struct loop_evtchn_entry *ports;
    uint8_t *data;                     /* NULL unless opened with data */
    size_t data_len;
};

/* -ENOENT: no publication or its process is gone; -EPROTO: the publication or memfds are not sound. */
int  loop_peer_open(struct loop_plat *lp, uint32_t domid, bool with_data, struct loop_peer *pr);
void loop_peer_close(struct loop_peer *pr);
/* Open what fd remote_fd of the frontend's process is, through /proc (O_RDWR | O_NONBLOCK | O_CLOEXEC). */
int  loop_peer_open_fd(struct loop_peer *pr, int remote_fd);

/* plat_loop_gnt.c */
int  loop_gnt_open(void *impl, uint32_t fe_domid, unsigned max_grants, void **gnt_impl, bool *native_copy);
void loop_gnt_close(void *gnt_impl);
int  loop_gnt_map(void *gnt_impl, const uint32_t *grefs, unsigned n, bool writable, void **addr);
int  loop_gnt_unmap(void *gnt_impl, void *addr, unsigned n);
int  loop_gnt_copy(void *gnt_impl, struct xvios_gnt_seg *segs, unsigned n);

/* plat_loop_evtchn.c */
int  loop_evtchn_bind(void *impl, uint32_t fe_domid, uint32_t remote_port, void **ch_impl, uint32_t *local_port);
void loop_evtchn_unbind(void *ch_impl);
int  loop_evtchn_fd(const void *ch_impl);
int  loop_evtchn_pending(void *ch_impl);
int  loop_evtchn_unmask(void *ch_impl);
int  loop_evtchn_notify(void *ch_impl);

#endif /* XVIOS_PLAT_LOOP_GNT_H */
