/* SPDX-License-Identifier: MIT */
/* scsi_memstore.c - the in-memory backing store of the SCSI target's tests (see scsi_memstore.h). */
#include "scsi_memstore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ms_op {
    struct ms_op *next;
    unsigned kind;
    void *rbuf;
    const void *wbuf;
    size_t len;
    uint64_t off;
    bool fua;
    scsi_backing_done_fn done;
    void *opaque;
};

struct memstore {
    uint8_t *data;
    uint8_t *mapped;                    /* one byte per block */
    uint64_t size;
    uint32_t bs;
    bool read_only, can_discard, discard_zeroes;
    uint32_t mem_align;
    struct ms_op *head, *tail;
    unsigned queued;
    unsigned fail_kinds, short_kinds;
    uint64_t fail_off, fail_len;
    int fail_err, refuse_rc;
    struct memstore_counts counts;
};

struct memstore *memstore_new(uint64_t size, uint32_t block_size)
{
    struct memstore *ms = calloc(1, sizeof(*ms));

    if (!ms)
        return NULL;
    ms->bs = block_size;
    ms->can_discard = ms->discard_zeroes = true;
    if (memstore_resize(ms, size)) {
        free(ms);
        return NULL;
    }
    return ms;
}

void memstore_free(struct memstore *ms)
{
    if (!ms)
        return;
    while (ms->head) {
        struct ms_op *o = ms->head;

        ms->head = o->next;
        free(o);
    }
    free(ms->data);
    free(ms->mapped);
    free(ms);
}

uint8_t *memstore_data(struct memstore *ms)
{
    return ms->data;
}

void memstore_set(struct memstore *ms, bool read_only, bool can_discard, bool discard_zeroes, uint32_t mem_align)
{
    ms->read_only = read_only;
    ms->can_discard = can_discard;
    ms->discard_zeroes = discard_zeroes;
    ms->mem_align = mem_align;
}

int memstore_resize(struct memstore *ms, uint64_t size)
{
    uint64_t nb = size / ms->bs, old_nb = ms->size / ms->bs;
    uint8_t *d = realloc(ms->data, size ? size : 1), *m;

    if (!d)
        return -ENOMEM;
    ms->data = d;
    m = realloc(ms->mapped, nb ? nb : 1);
    if (!m)
        return -ENOMEM;
    ms->mapped = m;
    if (size > ms->size)
        memset(ms->data + ms->size, 0, size - ms->size);
    if (nb > old_nb)
        memset(ms->mapped + old_nb, 0, nb - old_nb);
    ms->size = size;
    return 0;
}

void memstore_fail(struct memstore *ms, unsigned kinds, uint64_t off, uint64_t len, int err)
{
    ms->fail_kinds = kinds;
    ms->fail_off = off;
    ms->fail_len = len;
    ms->fail_err = err;
}

void memstore_refuse_next(struct memstore *ms, int rc)
{
    ms->refuse_rc = rc;
}

void memstore_short(struct memstore *ms, unsigned kinds)
{
    ms->short_kinds = kinds;
}

unsigned memstore_queued(const struct memstore *ms)
{
    return ms->queued;
}

unsigned memstore_kind_at(const struct memstore *ms, unsigned i)
{
    const struct ms_op *o = ms->head;

    while (o && i--)
        o = o->next;
    return o ? o->kind : 0;
}

const struct memstore_counts *memstore_counts(const struct memstore *ms)
{
    return &ms->counts;
}

static void set_mapped(struct memstore *ms, uint64_t off, uint64_t len, bool on)
{
    for (uint64_t b = off / ms->bs; b < (off + len + ms->bs - 1) / ms->bs && b < ms->size / ms->bs; b++)
        ms->mapped[b] = on;
}

static int64_t apply(struct memstore *ms, const struct ms_op *o)
{
    uint64_t end = o->off + o->len;

    if ((ms->fail_kinds & o->kind) &&
        (o->kind == MS_FLUSH || (o->off < ms->fail_off + ms->fail_len && ms->fail_off < end)))
        return ms->fail_err;
    if (o->kind != MS_FLUSH && (end < o->off || end > ms->size))
        return -EIO;
    switch (o->kind) {
    case MS_READ:
        memcpy(o->rbuf, ms->data + o->off, o->len);
        break;
    case MS_WRITE:
        memcpy(ms->data + o->off, o->wbuf, o->len);
        set_mapped(ms, o->off, o->len, true);
        break;
    case MS_DISCARD:
        memset(ms->data + o->off, 0, o->len);
        set_mapped(ms, o->off, o->len, false);
        break;
    case MS_ZEROES:
        memset(ms->data + o->off, 0, o->len);
        set_mapped(ms, o->off, o->len, true);
        break;
    default:
        break;
    }
    if ((ms->short_kinds & o->kind) && o->len)
        return (int64_t)o->len - 1;
    return (int64_t)o->len;
}

bool memstore_run_one(struct memstore *ms)
{
    struct ms_op *o = ms->head;
    int64_t r;

    if (!o)
        return false;
    ms->head = o->next;
    if (!ms->head)
        ms->tail = NULL;
    ms->queued--;
    r = apply(ms, o);
    o->done(o->opaque, r);
    free(o);
    return true;
}

unsigned memstore_run(struct memstore *ms)
{
    unsigned n = 0;

    while (memstore_run_one(ms))
        n++;
    return n;
}

static int queue(struct memstore *ms, const struct ms_op *tmpl)
{
    struct ms_op *o;

    if (ms->refuse_rc) {
        int rc = ms->refuse_rc;

        ms->refuse_rc = 0;
        return rc;
    }
    if ((tmpl->kind & (MS_WRITE | MS_DISCARD | MS_ZEROES)) && ms->read_only)
        return -EROFS;
    o = malloc(sizeof(*o));
    if (!o)
        return -ENOMEM;
    *o = *tmpl;
    o->next = NULL;
    if (ms->tail)
        ms->tail->next = o;
    else
        ms->head = o;
    ms->tail = o;
    ms->queued++;
    return 0;
}

static void ms_info(void *store, struct scsi_backing_info *out)
{
    struct memstore *ms = store;

    *out = (struct scsi_backing_info){ .size_bytes = ms->size, .block_size = ms->bs, .mem_align = ms->mem_align,
                                       .read_only = ms->read_only, .can_discard = ms->can_discard,
                                       .discard_zeroes = ms->discard_zeroes };
}

static int ms_read(void *store, void *buf, size_t len, uint64_t off, scsi_backing_done_fn done, void *opaque)
{
    struct memstore *ms = store;

    ms->counts.reads++;
    return queue(ms, &(struct ms_op){ .kind = MS_READ, .rbuf = buf, .len = len, .off = off, .done = done,
                                       .opaque = opaque });
}

static int ms_write(void *store, const void *buf, size_t len, uint64_t off, bool fua, scsi_backing_done_fn done,
                    void *opaque)
{
    struct memstore *ms = store;

    ms->counts.writes++;
    if (fua)
        ms->counts.fua_writes++;
    return queue(ms, &(struct ms_op){ .kind = MS_WRITE, .wbuf = buf, .len = len, .off = off, .fua = fua,
                                       .done = done, .opaque = opaque });
}

static int ms_flush(void *store, scsi_backing_done_fn done, void *opaque)
{
    struct memstore *ms = store;

    ms->counts.flushes++;
    return queue(ms, &(struct ms_op){ .kind = MS_FLUSH, .done = done, .opaque = opaque });
}

static int ms_discard(void *store, uint64_t off, uint64_t len, scsi_backing_done_fn done, void *opaque)
{
    struct memstore *ms = store;

    ms->counts.discards++;
    if (!ms->can_discard)
        return -EOPNOTSUPP;
    return queue(ms, &(struct ms_op){ .kind = MS_DISCARD, .len = len, .off = off, .done = done, .opaque = opaque });
}

static int ms_zeroes(void *store, uint64_t off, uint64_t len, scsi_backing_done_fn done, void *opaque)
{
    struct memstore *ms = store;

    ms->counts.zeroes++;
    return queue(ms, &(struct ms_op){ .kind = MS_ZEROES, .len = len, .off = off, .done = done, .opaque = opaque });
}

static int ms_map_status(void *store, uint64_t off, uint64_t *len_out, bool *mapped)
{
    struct memstore *ms = store;
    uint64_t b = off / ms->bs, nb = ms->size / ms->bs, e = b;

    if (b >= nb)
        return -EINVAL;
    while (e < nb && ms->mapped[e] == ms->mapped[b])
        e++;
    *mapped = ms->mapped[b];
    *len_out = e * ms->bs - off;
    return 0;
}

static void *ms_alloc(size_t len)
{
    void *p = NULL;

    return posix_memalign(&p, 4096, (len + 4095) & ~(size_t)4095) ? NULL : p;
}

const struct scsi_backing_ops memstore_ops = {
    .info = ms_info,
    .read = ms_read,
    .write = ms_write,
    .flush = ms_flush,
    .discard = ms_discard,
    .write_zeroes = ms_zeroes,
    .map_status = ms_map_status,
    .alloc_buf = ms_alloc,
    .free_buf = free,
};
