/* SPDX-License-Identifier: MIT */
/*
 * scsi_lu_store.c - binds the LU store's async API to the SCSI backing
 * operations, and opens a file or block device as an LU with its APTPL file.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "backend/scsi/scsi_lu_store.h"
#include "backend/scsi/scsi_pr.h"

#include "backend/lu/lu_aptpl.h"
#include "backend/lu/lu_store.h"
#include "xvios/log.h"

static void st_info(void *store, struct scsi_backing_info *out)
{
    const struct lu_store_info *i = lu_store_info(store);

    *out = (struct scsi_backing_info){
        .size_bytes = i->size_bytes,
        .block_size = i->block_size,
        /* The store checks O_DIRECT buffers against the block size: bounce only what it would refuse. */
        .mem_align = i->direct || i->is_blockdev ? i->block_size : 0,
        .read_only = i->read_only,
        .can_discard = i->can_discard,
        /* A punched hole reads as zeros; BLKDISCARD on a device need not. */
        .discard_zeroes = i->can_discard && !i->is_blockdev,
    };
}

static int st_read(void *store, void *buf, size_t len, uint64_t off, scsi_backing_done_fn done, void *opaque)
{
    return lu_store_read(store, buf, len, off, done, opaque);
}

static int st_write(void *store, const void *buf, size_t len, uint64_t off, bool fua,
                    scsi_backing_done_fn done, void *opaque)
{
    return lu_store_write(store, buf, len, off, fua, done, opaque);
}

static int st_flush(void *store, scsi_backing_done_fn done, void *opaque)
{
    return lu_store_flush(store, done, opaque);
}

static int st_discard(void *store, uint64_t off, uint64_t len, scsi_backing_done_fn done, void *opaque)
{
    return lu_store_discard(store, off, len, done, opaque);
}

static int st_write_zeroes(void *store, uint64_t off, uint64_t len, scsi_backing_done_fn done, void *opaque)
{
    return lu_store_write_zeroes(store, off, len, done, opaque);
}

static int st_map_status(void *store, uint64_t off, uint64_t *len_out, bool *mapped)
{
    return lu_store_map_status(store, off, len_out, mapped);
}

const struct scsi_backing_ops scsi_lu_store_ops = {
    .info = st_info,
    .read = st_read,
    .write = st_write,
    .flush = st_flush,
    .discard = st_discard,
    .write_zeroes = st_write_zeroes,
    .map_status = st_map_status,
    .alloc_buf = lu_store_alloc_buf,
    .free_buf = lu_store_free_buf,
};

/* ------------------------------------------------------------ an LU over a store */
struct scsi_lu_store {
    struct lu_store *store;
    struct scsi_lu *lu;
    bool aptpl_file;
    char aptpl_path[PATH_MAX];
    /* The caller's PR hook, forwarded (the LU's pr_opaque is this object). */
    void *pr_opaque;
    void (*pr_state_changed)(void *opaque, const struct scsi_pr *pr);
};

static void sls_state_changed(void *opaque, const struct scsi_pr *pr)
{
    struct scsi_lu_store *sls = opaque;

    if (sls->pr_state_changed)
        sls->pr_state_changed(sls->pr_opaque, pr);
}

static int sls_persist(void *opaque, const uint8_t *blob, size_t len)
{
    struct scsi_lu_store *sls = opaque;

    return lu_aptpl_write(sls->aptpl_path, blob, len);
}

/* Installs the kept APTPL state, if any (the policy is in scsi_lu_store.h). */
static int sls_load_aptpl(struct scsi_lu_store *sls)
{
    uint8_t *blob = NULL;
    size_t len = 0;
    int rc;

    rc = lu_aptpl_read(sls->aptpl_path, &blob, &len);
    if (rc == -ENOENT)
        return 0;
    if (rc == -EFBIG) {
        len = LU_APTPL_MAX_LEN;
        goto refused;
    }
    if (rc < 0) {
        XLOG_ERR("APTPL state %s unreadable: %s", sls->aptpl_path, strerror(-rc));
        return rc;
    }
    rc = scsi_pr_load(scsi_lu_pr(sls->lu), blob, len);
    free(blob);
    if (rc == 0) {
        XLOG_INFO("APTPL state %s loaded: %zu registrations, generation %u", sls->aptpl_path,
                  scsi_pr_registration_count(scsi_lu_pr(sls->lu)), scsi_pr_generation(scsi_lu_pr(sls->lu)));
        return 0;
    }
    if (rc != -EINVAL)
        return rc;
refused:
    XLOG_ERR("APTPL state %s (%zu bytes) refused as malformed: moved to %s.bad, the LU starts with no "
             "registrations", sls->aptpl_path, len, sls->aptpl_path);
    rc = lu_aptpl_set_aside(sls->aptpl_path);
    if (rc < 0)
        XLOG_ERR("APTPL state %s: moving aside: %s", sls->aptpl_path, strerror(-rc));
    return 0;
}

int scsi_lu_store_open(const struct scsi_lu_store_opts *opts, struct scsi_lu_store **out)
{
    struct scsi_lu_store *sls = NULL;
    struct scsi_lu_opts lo;
    int rc = -EINVAL;

    if (!opts || !out)
        goto out;
    *out = NULL;
    sls = calloc(1, sizeof(*sls));
    if (!sls) {
        rc = -ENOMEM;
        goto out;
    }
    sls->aptpl_file = opts->aptpl_file;
    if (opts->aptpl_file) {
        rc = lu_aptpl_path(opts->store.path, sls->aptpl_path, sizeof(sls->aptpl_path));
        if (rc < 0)
            goto out;
    }
    rc = lu_store_open(&opts->store, &sls->store);
    if (rc < 0)
        goto out;
    lo = opts->lu;
    lo.ops = &scsi_lu_store_ops;
    lo.store = sls->store;
    sls->pr_opaque = opts->lu.pr_opaque;
    sls->pr_state_changed = opts->lu.pr_state_changed;
    lo.pr_opaque = sls;
    lo.pr_state_changed = sls_state_changed;
    lo.pr_persist = opts->aptpl_file ? sls_persist : NULL;
    rc = scsi_lu_new(&lo, &sls->lu);
    if (rc < 0)
        goto out;
    if (opts->aptpl_file) {
        rc = sls_load_aptpl(sls);
        if (rc < 0)
            goto out;
    }
    *out = sls;
    sls = NULL;
    rc = 0;
out:
    scsi_lu_store_close(sls);
    return rc;
}

void scsi_lu_store_close(struct scsi_lu_store *sls)
{
    if (!sls)
        return;
    if (sls->lu)
        scsi_lu_abort_all(sls->lu);          /* the cancelled I/O ends as TASK ABORTED, not MEDIUM ERROR */
    lu_store_close(sls->store);
    scsi_lu_free(sls->lu);
    free(sls);
}

struct scsi_lu *scsi_lu_store_lu(const struct scsi_lu_store *sls)
{
    return sls->lu;
}

struct lu_store *scsi_lu_store_backing(const struct scsi_lu_store *sls)
{
    return sls->store;
}

const char *scsi_lu_store_aptpl_path(const struct scsi_lu_store *sls)
{
    return sls->aptpl_file ? sls->aptpl_path : "";
}
