/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_quota.c - the per-domain quotas of the loopback store, as Xen
 * 4.17's C xenstored applies them to unprivileged domains (dom0 is exempt):
 * at most LOOP_QUOTA_NODES nodes owned by a domain across the whole store
 * (perms[0] names the owner, as xenstored accounts), and a node size (value
 * + 8 bytes per permission entry) below LOOP_QUOTA_NODE_SIZE. Both fail with
 * -ENOSPC, the error xenstored returns for them. The transaction quotas are
 * applied in plat_loop_tx.c.
 *
 * The owned count is found by a walk of the store's backing directories,
 * kept per handle together with the store generation it was taken at; while
 * nobody else changes the store, the handle's own creations keep it current,
 * so a domain filling its quota costs one walk, not one per node.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plat_loop_internal.h"
#include "xvios/log.h"

static __thread uint32_t walk_domid;
static __thread unsigned walk_count;
static __thread int walk_err;

/* The owner in the first entry of an untrusted .perms file ("n5\n..."); -1 if malformed. */
static long perms_owner(const char *path)
{
    char buf[16];
    long owner = 0;
    ssize_t r;
    int fd = loop_open_regular(path, O_RDONLY, 0), i;

    if (fd < 0)
        return -1;
    do {
        r = read(fd, buf, sizeof(buf) - 1);
    } while (r < 0 && errno == EINTR);
    close(fd);
    if (r < 2 || !strchr("nrwb", buf[0]))
        return -1;
    for (i = 1; i < r && buf[i] >= '0' && buf[i] <= '9' && owner <= 0xffff; i++)
        owner = owner * 10 + (buf[i] - '0');
    return i > 1 && owner <= 0xffff ? owner : -1;
}

static int count_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    const char *base = path + ftw->base;

    (void)st;
    if (ftw->level > 0 && base[0] == '.' && strcmp(base, ".perms")) {
        /* .new.* / .trash.* directories, the lock's files, a writer's announcement and its temporary:
         * not nodes, and some come and go while others walk (a vanished one is FTW_NS) */
        return flag == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
    }
    if (flag == FTW_DNR || flag == FTW_NS) {
        walk_err = -EIO;
        return FTW_STOP;
    }
    if (flag == FTW_F && !strcmp(base, ".perms") && perms_owner(path) == (long)walk_domid)
        walk_count++;
    return FTW_CONTINUE;
}

static int count_owned(struct loop_plat *lp, unsigned *count)
{
    walk_domid = lp->self_domid;
    walk_count = 0;
    walk_err = 0;
    if (nftw(lp->store, count_one, 16, FTW_PHYS | FTW_ACTIONRETVAL) != 0 && !walk_err)
        walk_err = -EIO;
    if (walk_err < 0) {
        XLOG_ERR("store quota: cannot count the nodes of domain %u", lp->self_domid);
        return walk_err;
    }
    *count = walk_count;
    return 0;
}

int loop_quota_check_create(struct loop_plat *lp, struct loop_tx *t, unsigned n)
{
    uint64_t gen;
    unsigned pending = t ? t->created : 0;
    int rc;

    if (lp->self_domid == 0 || n == 0)
        return 0;
    if ((rc = loop_generation(lp, &gen)) < 0)
        return rc;
    if (!lp->quota_valid || lp->quota_gen != gen) {
        if ((rc = count_owned(lp, &lp->quota_owned)) < 0)
            return rc;
        lp->quota_gen = gen;
        lp->quota_valid = true;
    }
    if ((uint64_t)lp->quota_owned + pending + n > LOOP_QUOTA_NODES) {
        XLOG_WARN("store quota: domain %u owns %u node(s)%s; %u more would pass its quota of %u",
                  lp->self_domid, lp->quota_owned, pending ? " (plus its transaction's)" : "", n,
                  LOOP_QUOTA_NODES);
        return -ENOSPC;
    }
    if (t)
        t->created += n;
    return 0;
}

void loop_quota_created(struct loop_plat *lp, unsigned n)
{
    uint64_t gen;

    if (lp->self_domid == 0 || !lp->quota_valid)
        return;
    if (loop_generation(lp, &gen) < 0) {
        lp->quota_valid = false;
        return;
    }
    lp->quota_owned += n;
    lp->quota_gen = gen;
}

int loop_quota_check_size(const struct loop_plat *lp, size_t len, unsigned nperms)
{
    if (lp->self_domid == 0 || len + (size_t)nperms * LOOP_QUOTA_PERM_SIZE < LOOP_QUOTA_NODE_SIZE)
        return 0;
    XLOG_WARN("store quota: domain %u: a node of %zu value bytes and %u permission entries passes the node "
              "size quota (%u)", lp->self_domid, len, nperms, LOOP_QUOTA_NODE_SIZE);
    return -ENOSPC;
}
