/* SPDX-License-Identifier: MIT */
/*
 * xvios/platform.h - the platform seam. Everything above it (VKE, daemon,
 * toolstack) is written against these functions only; below it are two
 * implementations selected at run time by xvios_plat_open():
 *
 *   xen      - libxenstore, libxenvchan, libxenctrl, libxenevtchn,
 *              libxengnttab (xen/plat/xen/). The only place in the tree
 *              that calls the Xen libraries.
 *   loopback - several nodes as processes on one Linux host: unix sockets
 *              for links, a directory-backed store with XenStore semantics
 *              (xen/plat/loop/).
 *
 * Why an ops table and not link-time selection: one `xvios` binary must
 * drive both a loopback cluster (`xvios local up`) and real XenStore
 * (`xvios cluster create`); tests also run both in one process. See
 * docs/design.md.
 *
 * Conventions: functions return 0 or a negative errno. Strings are
 * NUL-terminated. Out-parameters that the callee allocates are freed with
 * free() (strings) or xvios_strv_free() (string vectors). Every function
 * that may wait takes an absolute CLOCK_MONOTONIC deadline or never blocks.
 */
#ifndef XVIOS_PLATFORM_H
#define XVIOS_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "xvios/plat_kind.h"

struct xvios_plat_config {
    enum xvios_plat_kind kind;
    const char *root;     /* loopback: cluster root directory; xen: NULL */
    uint32_t self_domid;  /* loopback: the domid this process acts as (0 = privileged, like dom0);
                           * xen: ignored, the hypervisor says who we are */
};

typedef struct xvios_plat xvios_plat;

int  xvios_plat_open(const struct xvios_plat_config *cfg, xvios_plat **out);
void xvios_plat_close(xvios_plat *p);           /* NULL is fine */
enum xvios_plat_kind xvios_plat_kind(const xvios_plat *p);
const char *xvios_plat_kind_name(enum xvios_plat_kind kind); /* "loopback" / "xen" */
/* Parse "loopback" / "xen"; -EINVAL otherwise. */
int xvios_plat_kind_parse(const char *s, enum xvios_plat_kind *out);

void xvios_strv_free(char **v, unsigned n);

/* ---------------------------------------------------------------- identity */
struct xvios_dominfo {
    uint32_t domid;
    char name[64];
    char uuid[37];   /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" or "" */
    bool alive;      /* running (not dying, not shut down) */
};

int xvios_plat_self_domid(xvios_plat *p, uint32_t *domid);
/* -ENOENT: no such domain. */
int xvios_plat_domain_info(xvios_plat *p, uint32_t domid, struct xvios_dominfo *out);
/* "DOMAIN" as xl takes it: a domid in decimal or a domain name. -ENOENT if none. */
int xvios_plat_domain_lookup(xvios_plat *p, const char *name_or_id, uint32_t *domid);

/*
 * Re-creating a domain under a given domid (`xvios vios revive`, docs/vscsi.md
 * "Reviving a VIOS"): the rings and event channels its clients set up are
 * still granted to and bound for that domid. Dom0 only; optional ops, the
 * loopback platform answers -EOPNOTSUPP.
 *
 * xvios_plat_domid_recent: 1 when the toolstack still refuses the domid for
 * having been used recently (libxl keeps a destroyed domain's domid out of
 * use for 60 s), *wait_s the seconds left; 0 when it may be used again.
 * xvios_plat_domain_create_as: create the domain described by the xl
 * configuration file xl_config with domid `domid` (and uuid `uuid` unless
 * NULL or "": the domain's identity as the cluster DB recorded it) and unpause it; -EEXIST:
 * the domid is in use, -EAGAIN: used too recently; err says what went wrong.
 */
int xvios_plat_domid_recent(xvios_plat *p, uint32_t domid, unsigned *wait_s);
int xvios_plat_domain_create_as(xvios_plat *p, const char *xl_config, uint32_t domid, const char *uuid,
                                char *err, size_t errlen);

/* ---------------------------------------------------------------- store */
/*
 * XenStore semantics: a tree of nodes, each with a value (<= XVIOS_STORE_MAX_VALUE
 * bytes) and a permission list; writing a node creates missing parents;
 * rm removes a whole subtree. Permissions as in XenStore: perms[0] names the
 * owner (who may do anything) and the access everyone else not listed gets;
 * further entries grant domains READ/WRITE/BOTH. Domain 0 bypasses checks.
 * A node created by a write inherits its parent's permissions, with the
 * creating domain as owner when it is not domain 0.
 */
#define XVIOS_STORE_MAX_VALUE 4096u
#define XVIOS_STORE_MAX_PATH  3072u
#define XVIOS_TX_NONE 0u
typedef uint32_t xvios_tx;

enum xvios_perm_bits {
    XVIOS_PERM_NONE  = 0,
    XVIOS_PERM_READ  = 1,
    XVIOS_PERM_WRITE = 2,
    XVIOS_PERM_BOTH  = 3,
};
struct xvios_perm {
    uint32_t domid;
    enum xvios_perm_bits perm;
};
/*
 * Entries in one permission list: the owner entry and one per cluster member
 * (XVIOS_MAX_NODES, wire.h). XenStore has no count limit for domain 0's lists;
 * it bounds a list by its message payload (XENSTORE_PAYLOAD_MAX, 4096 bytes):
 * SET_PERMS carries "path\0" then "<letter><domid>\0" per entry, at most
 * 1 + 5 + 1 bytes each, so 257 entries need at most 3 + 256 * 7 = 1795 bytes
 * plus the path (docs/xenstore.md, "Permission lists").
 */
#define XVIOS_STORE_MAX_PERMS 257u

/* *val is malloc'd and NUL-terminated (len excludes the NUL). -ENOENT, -EACCES. */
int xvios_store_read(xvios_plat *p, xvios_tx tx, const char *path, char **val, size_t *len);
int xvios_store_write(xvios_plat *p, xvios_tx tx, const char *path, const char *val, size_t len);
int xvios_store_mkdir(xvios_plat *p, xvios_tx tx, const char *path);
int xvios_store_rm(xvios_plat *p, xvios_tx tx, const char *path);       /* -ENOENT if absent */
int xvios_store_list(xvios_plat *p, xvios_tx tx, const char *path, char ***names, unsigned *n);
int xvios_store_get_perms(xvios_plat *p, xvios_tx tx, const char *path,
                          struct xvios_perm **perms, unsigned *n);
int xvios_store_set_perms(xvios_plat *p, xvios_tx tx, const char *path,
                          const struct xvios_perm *perms, unsigned n);

/* Transactions: end(commit=true) returns -EAGAIN when another writer got in first: start over. */
int xvios_store_tx_start(xvios_plat *p, xvios_tx *tx);
int xvios_store_tx_end(xvios_plat *p, xvios_tx tx, bool commit);

/*
 * Watches: an event (path, token) is queued once when the watch is set and
 * then whenever path or anything below it is written, created or removed
 * (path reports the node that changed). The fd becomes readable when events
 * are queued; xvios_store_watch_read() returns -EAGAIN when none are left.
 * Special paths "@introduceDomain" / "@releaseDomain" fire when domains
 * appear or go away.
 */
int xvios_store_watch(xvios_plat *p, const char *path, const char *token);
int xvios_store_unwatch(xvios_plat *p, const char *path, const char *token);
int xvios_store_watch_fd(xvios_plat *p);
int xvios_store_watch_read(xvios_plat *p, char **path, char **token);

/*
 * A number that changes whenever a change is committed to the store (any
 * node, any domain): equal numbers mean nothing was committed in between, so
 * what was read before is still what the store holds. A cheap check where
 * the platform has one (loopback: the change log's size, one lstat());
 * -EOPNOTSUPP where it has not (Xen: XenStore keeps no such number).
 */
int xvios_store_generation(xvios_plat *p, uint64_t *gen);

/* ---------------------------------------------------------------- links */
/*
 * A link carries whole datagrams (<= XVIOS_LINK_MAX_DGRAM bytes) between two
 * cluster nodes. Of the two, the lower node id serves and the higher one
 * connects, so two nodes never both wait. Opening never blocks: the link
 * starts CONNECTING; xvios_link_progress() (called when the fd is readable
 * or on a timer when the fd is -1) moves it to UP, and notices a dead peer
 * (DEAD is final: close and open a new link).
 *
 * Management links: peer_node == 0 names dom0's management console. A VIOS
 * node (self_node != 0, peer_node 0, peer_domid 0) always serves it; the
 * console (self_node 0, peer_node = the VIOS node, peer_domid = its domid)
 * connects. Only domain 0 can reach it (on Xen, the ring is granted to
 * domain 0 alone). A served link accepts one console, then ends: reopen it.
 */
#define XVIOS_LINK_MAX_DGRAM 65536u

typedef struct xvios_link xvios_link;

enum xvios_link_state {
    XVIOS_LINK_CONNECTING = 0,
    XVIOS_LINK_UP         = 1,
    XVIOS_LINK_DEAD       = 2,
};

struct xvios_link_peer {
    uint32_t self_node;
    uint32_t peer_node;
    uint32_t self_domid;
    uint32_t peer_domid;
};

int  xvios_link_open(xvios_plat *p, const struct xvios_link_peer *peer, xvios_link **out);
void xvios_link_close(xvios_link *l);                  /* NULL is fine */
int  xvios_link_fd(const xvios_link *l);               /* poll for POLLIN; -1: none right now */
enum xvios_link_state xvios_link_progress(xvios_link *l);
enum xvios_link_state xvios_link_state(const xvios_link *l);
const struct xvios_link_peer *xvios_link_peer(const xvios_link *l);
/* 0; -ETIMEDOUT (no room before deadline); -EPIPE (dead); -EMSGSIZE; -ENOTCONN (not UP yet). */
int  xvios_link_send(xvios_link *l, const void *buf, size_t len, const struct timespec *deadline);
/*
 * Non-blocking: 0 and one datagram in buf (length in *len); -EAGAIN nothing complete yet;
 * -EPIPE dead; -EPROTO the framing is corrupt (sticky: the link is DEAD from now on);
 * -EMSGSIZE the datagram was larger than cap (it is dropped; the link stays UP);
 * -EBADMSG an empty datagram was taken and dropped (not a hang-up; the link stays UP).
 */
int  xvios_link_recv(xvios_link *l, void *buf, size_t cap, size_t *len);

/*
 * Group sends: one datagram to several links in one go, where the links' implementation has a
 * group send (the multi-host mesh: one CPG AGREED multicast naming the nodes, each receiver's link
 * delivering it as a datagram from this node; xen/plat/mesh). xvios_link_group_capable(): l's
 * implementation has one. xvios_link_group_send(): 1..XVIOS_LINK_GROUP_MAX links, all UP and opened
 * on the same table, each a different node. 0: taken for every link (deadline: how long it may wait
 * for the transport's room); -EOPNOTSUPP: no group send (send a copy per link); -EINVAL: bad
 * arguments (mixed tables, a repeated node); -ENOTCONN: a link is not UP; -EMSGSIZE: too big for
 * one group datagram; else the implementation's error. On any error nothing was sent.
 */
#define XVIOS_LINK_GROUP_MAX 128u
bool xvios_link_group_capable(const xvios_link *l);
int  xvios_link_group_send(xvios_link *const *links, unsigned n, const void *buf, size_t len,
                           const struct timespec *deadline);

#endif /* XVIOS_PLATFORM_H */
