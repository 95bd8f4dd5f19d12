/* SPDX-License-Identifier: MIT */
/* scsi_lu.c - the logical unit object: identity, geometry from the backing, PR object and its hooks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/scsi/scsi_int.h"
#include "xvios/log.h"

static int copy_id(char *dst, size_t cap, const char *src, const char *def)
{
    size_t n;

    if (!src)
        src = def;
    n = strlen(src);
    if (n == 0 || n >= cap)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (src[i] < 0x20 || src[i] > 0x7e)
            return -EINVAL;
    memcpy(dst, src, n + 1);
    return 0;
}

static void read_geometry(struct scsi_lu *lu)
{
    lu->ops->info(lu->store, &lu->info);
    lu->bs = lu->info.block_size;
    lu->nblocks = lu->info.size_bytes / lu->bs;
}

static void hook_ua(void *opaque, const struct scsi_nexus *nexus, uint16_t asc)
{
    scsi_ua_queue(opaque, nexus, asc);
}

static void hook_abort(void *opaque, const struct scsi_nexus *nexus)
{
    scsi_lu_abort_nexus(opaque, nexus);
}

static void hook_changed(void *opaque, const struct scsi_pr *pr)
{
    struct scsi_lu *lu = opaque;

    if (lu->pr_state_changed)
        lu->pr_state_changed(lu->pr_opaque, pr);
}

static int hook_persist(void *opaque, const uint8_t *blob, size_t len)
{
    struct scsi_lu *lu = opaque;

    return lu->pr_persist(lu->pr_opaque, blob, len);
}

int scsi_lu_new(const struct scsi_lu_opts *opts, struct scsi_lu **out)
{
    struct scsi_lu *lu = NULL;
    struct scsi_pr_hooks hooks;
    int rc = -EINVAL;

    *out = NULL;
    if (!opts->ops || !opts->ops->info || !opts->ops->read || !opts->ops->write || !opts->ops->flush)
        goto out;
    lu = calloc(1, sizeof(*lu));
    if (!lu) {
        rc = -ENOMEM;
        goto out;
    }
    lu->ops = opts->ops;
    lu->store = opts->store;
    if (copy_id(lu->vendor, sizeof(lu->vendor), opts->vendor, "XVIOS") ||
        copy_id(lu->product, sizeof(lu->product), opts->product, "VDISK") ||
        copy_id(lu->revision, sizeof(lu->revision), opts->revision, "0001") ||
        copy_id(lu->serial, sizeof(lu->serial), opts->serial, ""))
        goto out;
    read_geometry(lu);
    if (lu->bs != 512 && lu->bs != 4096) {
        XLOG_ERR("LU %s: block size %u (512 or 4096)", lu->serial, lu->bs);
        goto out;
    }
    lu->read_only = opts->read_only || lu->info.read_only;
    lu->oui = opts->ieee_company_id & 0xffffff;
    if (opts->naa_id) {
        if ((opts->naa_id[0] >> 4) != 6)   /* only IEEE Registered Extended fits the 16-byte designator */
            goto out;
        memcpy(lu->naa, opts->naa_id, sizeof(lu->naa));
        lu->naa_set = true;
    }
    lu->max_xfer = opts->max_xfer_blocks ? opts->max_xfer_blocks : 8192;
    lu->mode.wce = true;
    lu->pr_opaque = opts->pr_opaque;
    lu->pr_state_changed = opts->pr_state_changed;
    lu->pr_persist = opts->pr_persist;
    lu->pr_exec = opts->pr_exec;
    lu->pr_ready = opts->pr_ready;
    /* No persist hook of the owner: the PR module must see none (PTPL_C = 0, APTPL refused as
     * INVALID FIELD IN PARAMETER LIST), not one that fails every call (HARDWARE ERROR). */
    hooks = (struct scsi_pr_hooks){ .opaque = lu, .unit_attention = hook_ua, .abort_nexus = hook_abort,
                                    .state_changed = hook_changed,
                                    .persist = opts->pr_persist ? hook_persist : NULL };
    lu->pr = scsi_pr_new(&hooks);
    if (!lu->pr) {
        rc = -ENOMEM;
        goto out;
    }
    *out = lu;
    lu = NULL;
    rc = 0;
out:
    if (lu)
        scsi_lu_free(lu);
    return rc;
}

void scsi_lu_free(struct scsi_lu *lu)
{
    if (!lu)
        return;
    if (lu->n_inflight)
        XLOG_ERR("LU %s freed with %u commands in flight", lu->serial, lu->n_inflight);
    if (lu->pr)
        scsi_pr_free(lu->pr);
    free(lu->nx);
    free(lu);
}

void scsi_lu_capacity_changed(struct scsi_lu *lu)
{
    uint64_t old = lu->nblocks;

    read_geometry(lu);
    if (lu->nblocks != old) {
        XLOG_INFO("LU %s: %llu -> %llu blocks", lu->serial, (unsigned long long)old,
                  (unsigned long long)lu->nblocks);
        scsi_ua_queue_all(lu, NULL, SCSI_ASC_CAPACITY_DATA_CHANGED);
    }
}

void scsi_lu_abort_nexus(struct scsi_lu *lu, const struct scsi_nexus *nexus)
{
    /* In-flight commands are marked; each completes with TASK ABORTED when its
     * current backing op returns (or, if waiting, when it would have started). */
    for (struct scsi_cmd *c = lu->inflight; c; c = c->priv.next)
        if (!c->priv.aborted && scsi_nexus_eq(c->nexus, nexus)) {
            c->priv.aborted = true;
            lu->stats.aborted++;
        }
}

void scsi_lu_abort_all(struct scsi_lu *lu)
{
    for (struct scsi_cmd *c = lu->inflight; c; c = c->priv.next)
        if (!c->priv.aborted) {
            c->priv.aborted = true;
            lu->stats.aborted++;
        }
}

void scsi_lu_reset(struct scsi_lu *lu)
{
    scsi_lu_abort_all(lu);
    for (size_t i = 0; i < lu->n_nx; i++) {
        struct scsi_nexus n = { .initiator = lu->nx[i].initiator, .target_port = lu->nx[i].target_port };

        scsi_pr_nexus_reset(lu->pr, &n);
    }
    scsi_ua_queue_all(lu, NULL, SCSI_ASC_BUS_DEVICE_RESET);
}

void scsi_lu_nexus_loss(struct scsi_lu *lu, const struct scsi_nexus *nexus)
{
    scsi_lu_abort_nexus(lu, nexus);
    scsi_pr_nexus_reset(lu->pr, nexus);
    scsi_ua_queue(lu, nexus, SCSI_ASC_IT_NEXUS_LOSS);
}

struct scsi_pr *scsi_lu_pr(struct scsi_lu *lu)
{
    return lu->pr;
}

void scsi_lu_get_stats(const struct scsi_lu *lu, struct scsi_lu_stats *out)
{
    *out = lu->stats;
}

unsigned scsi_lu_in_flight(const struct scsi_lu *lu)
{
    return lu->n_inflight;
}

bool scsi_lu_can_unmap(const struct scsi_lu *lu)
{
    return lu->info.can_discard && lu->ops->discard && !lu->read_only;
}

void *scsi_buf_alloc(const struct scsi_lu *lu, size_t len)
{
    if (len == 0)
        len = 1;
    return lu->ops->alloc_buf ? lu->ops->alloc_buf(len) : malloc(len);
}

void scsi_buf_free(const struct scsi_lu *lu, void *buf)
{
    if (!buf)
        return;
    if (lu->ops->free_buf)
        lu->ops->free_buf(buf);
    else
        free(buf);
}

bool scsi_buf_aligned(const struct scsi_lu *lu, const void *p, size_t len)
{
    uint32_t a = lu->info.mem_align;

    return a <= 1 || ((uintptr_t)p % a == 0 && len % a == 0);
}
