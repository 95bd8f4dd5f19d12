/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_internal.h - shared state of the loopback platform
 * (xen/plat_loop_*.c). The on-disk layout and the semantics are described
 * in docs/loopback.md.
 *
 *   ROOT/store/            the store node "/" (a directory per node)
 *   ROOT/store/.value      a node's value      ('.' never occurs in a
 *   ROOT/store/.perms      a node's perm list   XenStore path component)
 *   ROOT/store/.lock       flock()ed around every store access
 *   ROOT/store/.changes    append-only change log (its size is the generation)
 *   ROOT/domains/<domid>/  loopback domain registry (name, uuid, pid)
 *   ROOT/links/            link sockets
 *   ROOT/grants/<domid>    a frontend domain's grant-area publication (plat_loop_gnt.h)
 */
#ifndef XVIOS_PLAT_LOOP_INTERNAL_H
#define XVIOS_PLAT_LOOP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <limits.h>

#include "xen/plat/plat_ops.h"

#define LOOP_MAX_TX          16u     /* open transactions per handle; more: -ENOSPC */
#define LOOP_MAX_TX_OPS      16384u   /* operations in one transaction; more: -ENOSPC */

/*
 * Quotas of an unprivileged domain (dom0 is exempt), as Xen 4.17's C xenstored
 * enforces them by default (quota-nr-entries, -max-entry-size, -max-transaction,
 * -transaction-nodes; errors as xenstored returns them). docs/loopback.md.
 */
#define LOOP_QUOTA_NODES     1000u   /* nodes a domain owns, store-wide; creating more: -ENOSPC */
#define LOOP_QUOTA_NODE_SIZE 2048u   /* value + 8 bytes per permission entry must stay below: -ENOSPC */
#define LOOP_QUOTA_TX        10u     /* open transactions per handle; more: -ENOSPC */
#define LOOP_QUOTA_TX_OPS    1024u   /* operations in one transaction; more: -ENOSPC */
#define LOOP_QUOTA_PERM_SIZE 8u      /* what xenstored counts per permission entry */
#define LOOP_MAX_WATCHES     128u    /* watches per handle; more: -E2BIG */
#define LOOP_MAX_EVENTS      4096u   /* queued watch events per handle; more are dropped (logged) */
#define LOOP_MAX_CHILDREN    65536u  /* names returned by one list */
#define LOOP_PERMS_FILE_MAX  (XVIOS_STORE_MAX_PERMS * 13u)
#define LOOP_LOG_LINE_MAX    (XVIOS_STORE_MAX_PATH + 4u)
/* The store lock stands in for xenstored's request queue: a client of a busy xenstored waits, it
 * does not fail. 256 processes on 2 cores (a 128-node cluster starting) have been seen to wait more
 * than 10 s; the bound is long enough for that and still a bound. Waits past LOOP_LOCK_SLOW_MS are
 * logged. */
#define LOOP_LOCK_TIMEOUT_MS 60000u
#define LOOP_LOCK_SLOW_MS    2000u

/* ---------------------------------------------------------------- transactions */
enum loop_op_kind { LOOP_OP_CREATE, LOOP_OP_SETVAL, LOOP_OP_SETPERMS, LOOP_OP_REMOVE };

struct loop_op {                 /* replayed on the disk store at commit */
    enum loop_op_kind kind;
    char *path;
    char *val;
    size_t len;
    struct xvios_perm *perms;
    unsigned nperms;
};

struct loop_ovl {                /* the transaction's view of one node it touched */
    char *path;
    bool deleted;                /* removed inside the transaction */
    bool opaque;                 /* re-created after removal: hide what the disk has below */
    char *val;
    size_t len;
    struct xvios_perm *perms;
    unsigned nperms;
};

struct loop_tx {
    xvios_tx id;                 /* XVIOS_TX_NONE: free slot */
    uint64_t gen;                /* store generation at tx_start */
    unsigned max_ops;            /* LOOP_MAX_TX_OPS, or LOOP_QUOTA_TX_OPS for an unprivileged handle */
    unsigned created;            /* nodes this transaction creates (counted against the node quota) */
    struct loop_op *ops;
    unsigned nops, capops;
    struct loop_ovl *ovl;
    unsigned novl, capovl;
};

/* ---------------------------------------------------------------- watches */
struct loop_watch {
    char *path;
    char *token;
};

struct loop_event {
    char *path;
    char *token;
};

struct loop_plat {
    char *root;                  /* cluster root */
    char *store;                 /* ROOT/store */
    uint32_t self_domid;

    struct loop_tx tx[LOOP_MAX_TX];
    xvios_tx next_tx;

    struct loop_watch *watches;
    unsigned nwatches;
    struct loop_event *events;   /* FIFO, events[0] first */
    unsigned nevents;
    int epoll_fd;                /* what watch_fd returns: inotify_fd + event_fd */
    int inotify_fd;
    int event_fd;                /* counter > 0 while events are queued */
    bool event_signalled;
    uint64_t log_off;            /* how far this handle has read .changes */
    int sync_lk;                 /* the shared store lock while a log sync checks a node's permissions, or -1 */
    int sync_err;                /* that lock could not be had: -errno, the sync stops at the line */

    bool quota_valid;            /* quota_owned is the count at store generation quota_gen */
    uint64_t quota_gen;
    unsigned quota_owned;        /* nodes owned by self_domid */

    unsigned fail_every;         /* tests: every n-th commit of this handle fails -EAGAIN (0: never) */
    unsigned commits;            /* commits tried on this handle */
};

/* ---------------------------------------------------------------- files (plat_loop_fs.c) */
/* open() a file of the tree without following a symlink or waiting on a FIFO: the fd, or -EIO
 * (logged) when path is anything but a regular file, or -errno. */
int  loop_open_regular(const char *path, int flags, mode_t mode);
/* Read a whole regular file of at most max bytes; *buf malloc'd, NUL-terminated. -EIO if larger. */
int  loop_read_file(const char *path, size_t max, char **buf, size_t *len);
/* Write path atomically (temporary file in the same directory + rename). */
int  loop_write_file(const char *path, const void *buf, size_t len);
int  loop_rmtree(const char *path);                     /* rm -r; absent is fine */
int  loop_path_join(char *out, size_t n, const char *a, const char *b);

/* The store lock: exclusive for changes, shared for reads. Returns an fd to pass to loop_unlock. */
int  loop_lock(const struct loop_plat *lp, bool exclusive);
void loop_unlock(int fd);

/* ---------------------------------------------------------------- perms (plat_loop_perms.c) */
int  loop_perms_parse(const char *untrusted_text, size_t len, struct xvios_perm **perms, unsigned *n);
int  loop_perms_format(const struct xvios_perm *perms, unsigned n, char *buf, size_t cap, size_t *len);
enum xvios_perm_bits loop_perm_of(const struct xvios_perm *perms, unsigned n, uint32_t domid);
struct xvios_perm *loop_perms_dup(const struct xvios_perm *perms, unsigned n);

/* ---------------------------------------------------------------- nodes on disk (plat_loop_disk.c) */
/* All require the store lock. val/perms out-parameters may be NULL. -ENOENT, -EIO (corrupt). */
int  loop_disk_get(struct loop_plat *lp, const char *path, char **val, size_t *len,
                   struct xvios_perm **perms, unsigned *nperms);
int  loop_disk_children(struct loop_plat *lp, const char *path, char ***names, unsigned *n);
int  loop_disk_create(struct loop_plat *lp, const char *path, const char *val, size_t len,
                      const struct xvios_perm *perms, unsigned nperms);
int  loop_disk_set_value(struct loop_plat *lp, const char *path, const char *val, size_t len);
int  loop_disk_set_perms(struct loop_plat *lp, const char *path, const struct xvios_perm *perms, unsigned n);
int  loop_disk_remove(struct loop_plat *lp, const char *path);
/* Make sure "/" exists (owner dom0, no access for others). */
int  loop_disk_init(struct loop_plat *lp);

/* ---------------------------------------------------------------- views (plat_loop_tx.c) */
/* t == NULL: the committed store; else the transaction's view. Store lock held by the caller. */
int  loop_view_get(struct loop_plat *lp, struct loop_tx *t, const char *path, char **val, size_t *len,
                   struct xvios_perm **perms, unsigned *nperms);
int  loop_view_children(struct loop_plat *lp, struct loop_tx *t, const char *path, char ***names, unsigned *n);
int  loop_view_create(struct loop_plat *lp, struct loop_tx *t, const char *path, const char *val, size_t len,
                      const struct xvios_perm *perms, unsigned nperms);
int  loop_view_set_value(struct loop_plat *lp, struct loop_tx *t, const char *path, const char *val, size_t len);
int  loop_view_set_perms(struct loop_plat *lp, struct loop_tx *t, const char *path,
                         const struct xvios_perm *perms, unsigned n);
int  loop_view_remove(struct loop_plat *lp, struct loop_tx *t, const char *path);
/* tx id -> transaction; NULL for XVIOS_TX_NONE; -EINVAL (via *err) for an unknown id. */
struct loop_tx *loop_tx_find(struct loop_plat *lp, xvios_tx id, int *err);
void loop_tx_dispose_all(struct loop_plat *lp);
int  loop_tx_start(void *impl, xvios_tx *tx);
int  loop_tx_end(void *impl, xvios_tx tx, bool commit);

/* ---------------------------------------------------------------- change log (plat_loop_watch.c) */
/* Append change lines ('C' changed / 'R' removed + path) in one write(); lock held exclusively. */
int  loop_log_append(struct loop_plat *lp, const char *lines, size_t len);
int  loop_log_change(struct loop_plat *lp, char kind, const char *path);
/* The store generation: the size of the change log. Lock held. */
int  loop_generation(struct loop_plat *lp, uint64_t *gen);
int  loop_watch_init(struct loop_plat *lp);
void loop_watch_dispose(struct loop_plat *lp);
int  loop_watch(void *impl, const char *path, const char *token);
int  loop_unwatch(void *impl, const char *path, const char *token);
int  loop_watch_fd(void *impl);
int  loop_watch_read(void *impl, char **path, char **token);
int  loop_store_generation(void *impl, uint64_t *gen);

/* ---------------------------------------------------------------- store ops (plat_loop_store.c) */
int loop_store_read(void *impl, xvios_tx tx, const char *path, char **val, size_t *len);
int loop_store_write(void *impl, xvios_tx tx, const char *path, const char *val, size_t len);
int loop_store_mkdir(void *impl, xvios_tx tx, const char *path);
int loop_store_rm(void *impl, xvios_tx tx, const char *path);
int loop_store_list(void *impl, xvios_tx tx, const char *path, char ***names, unsigned *n);
int loop_store_get_perms(void *impl, xvios_tx tx, const char *path, struct xvios_perm **perms, unsigned *n);
int loop_store_set_perms(void *impl, xvios_tx tx, const char *path, const struct xvios_perm *perms, unsigned n);
/* For privileged internal callers (domain registry): write/rm without permission checks, lock held. */
int loop_store_force_write(struct loop_plat *lp, const char *path, const char *val, size_t len,
                           const struct xvios_perm *perms, unsigned nperms);

/* ---------------------------------------------------------------- quotas (plat_loop_quota.c) */
/* May this (unprivileged) handle create n more nodes, in transaction t or outside? 0 or -ENOSPC. Lock held. */
int  loop_quota_check_create(struct loop_plat *lp, struct loop_tx *t, unsigned n);
/* n nodes were created outside a transaction (the change log has grown): keep the count current. Lock held. */
void loop_quota_created(struct loop_plat *lp, unsigned n);
/* A value of len bytes with nperms permission entries: 0 or -ENOSPC for an unprivileged handle. */
int  loop_quota_check_size(const struct loop_plat *lp, size_t len, unsigned nperms);

/* ---------------------------------------------------------------- identity (plat_loop_domain.c) */
int loop_self_domid(void *impl, uint32_t *domid);
int loop_domain_info(void *impl, uint32_t domid, struct xvios_dominfo *out);
int loop_domain_lookup(void *impl, const char *name_or_id, uint32_t *domid);
/* The pid recorded for domid, 0 if none; -ENOENT if the domain is not registered. */
int loop_domain_pid(const char *root, uint32_t domid, pid_t *pid);

/* ---------------------------------------------------------------- link greetings (plat_loop_greeting.c) */
#define LOOP_GREETING_HELLO   "XVIOS-HELLO "
#define LOOP_GREETING_WELCOME "XVIOS-WELCOME "
#define LOOP_GREETING_REFUSED "XVIOS-REFUSED"
#define LOOP_GREETING_MAX     64
/* "<prefix><node> <domid>" (node canonical decimal <= 0xffff, domid a domid): 0, or -EPROTO. */
int  loop_greeting_parse(const char *untrusted_buf, size_t len, const char *prefix, uint32_t *node, uint32_t *domid);
/* The greeting with prefix (NULL: the refusal) into buf, NUL-terminated: its length, or -ENAMETOOLONG. */
int  loop_greeting_format(char *buf, size_t cap, const char *prefix, uint32_t node, uint32_t domid);

/* ---------------------------------------------------------------- links (plat_loop_link.c) */
int  loop_link_open(void *impl, const struct xvios_link_peer *peer, void **link_impl);
void loop_link_close(void *link_impl);
int  loop_link_fd(const void *link_impl);
enum xvios_link_state loop_link_progress(void *link_impl);
enum xvios_link_state loop_link_state(const void *link_impl);
int  loop_link_send(void *link_impl, const void *buf, size_t len, const struct timespec *deadline);
int  loop_link_recv(void *link_impl, void *buf, size_t cap, size_t *len);

/* Path utilities shared by the files above. */
int  loop_parent(const char *path, char *out, size_t n);   /* "/a/b" -> "/a"; "/a" -> "/" */
bool loop_path_at_or_below(const char *path, const char *top);

#endif /* XVIOS_PLAT_LOOP_INTERNAL_H */
