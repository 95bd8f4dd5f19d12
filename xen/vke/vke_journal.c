/* SPDX-License-Identifier: MIT */
/*
 * vke_journal.c - the journal of receipts (see vke_journal.h): fixed-size
 * slot records written with one pwrite() each, a replay that trusts nothing
 * in the file (size, magic, version, state, slot and a check word are all
 * verified; a torn last record is ignored); a finished record is overwritten
 * "done" in place, so the file never holds more slots than were open at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vke_journal.h"
#include "xvios/log.h"
#include "xvios/wire.h"

/* Record layout, little-endian. */
enum {
    JR_MAGIC = 0, JR_VERSION = 4, JR_STATE = 6, JR_NODE = 8, JR_EPOCH = 12, JR_TXID = 16, JR_TYPE = 24,
    JR_SLOT = 28, JR_RECEIVED = 32, JR_RESERVED = 40, JR_CHECK = 60, JR_END = 64,
};
_Static_assert(JR_END == VKE_JOURNAL_REC, "the record layout must fill VKE_JOURNAL_REC bytes");
/* a record at a multiple of its size never crosses a page: one pwrite() is not cut by a kill between pages */
_Static_assert(4096 % VKE_JOURNAL_REC == 0, "a record must not straddle a page");

/* FNV-1a over the record before its check word: tells a torn or garbage record from a written one. */
static uint32_t check_of(const uint8_t *b)
{
    uint32_t h = 2166136261u;
    for (unsigned i = 0; i < JR_CHECK; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

void vke_journal_encode(uint8_t out[VKE_JOURNAL_REC], const struct vke_jrec *r, uint32_t slot,
                        enum vke_jstate state)
{
    memset(out, 0, VKE_JOURNAL_REC);
    xvios_put_le32(out + JR_MAGIC, VKE_JOURNAL_MAGIC);
    xvios_put_le16(out + JR_VERSION, VKE_JOURNAL_VERSION);
    xvios_put_le16(out + JR_STATE, (uint16_t)state);
    if (r) {
        xvios_put_le32(out + JR_NODE, r->node);
        xvios_put_le32(out + JR_EPOCH, r->epoch);
        xvios_put_le64(out + JR_TXID, r->txid);
        xvios_put_le32(out + JR_TYPE, r->msg_type);
        xvios_put_le64(out + JR_RECEIVED, r->received_ms);
    }
    xvios_put_le32(out + JR_SLOT, slot);
    xvios_put_le32(out + JR_CHECK, check_of(out));
}

int vke_journal_decode(const uint8_t in[VKE_JOURNAL_REC], uint32_t slot, struct vke_jrec *r,
                       enum vke_jstate *state)
{
    uint16_t st = xvios_get_le16(in + JR_STATE);

    if (xvios_get_le32(in + JR_MAGIC) != VKE_JOURNAL_MAGIC || xvios_get_le16(in + JR_VERSION) != VKE_JOURNAL_VERSION ||
        (st != VKE_J_HELD && st != VKE_J_HANDED && st != VKE_J_DONE) || xvios_get_le32(in + JR_SLOT) != slot ||
        xvios_get_le32(in + JR_CHECK) != check_of(in))
        return -EINVAL;
    for (unsigned i = JR_RESERVED; i < JR_CHECK; i++)
        if (in[i])
            return -EINVAL;
    r->node = xvios_get_le32(in + JR_NODE);
    r->epoch = xvios_get_le32(in + JR_EPOCH);
    r->txid = xvios_get_le64(in + JR_TXID);
    r->msg_type = xvios_get_le32(in + JR_TYPE);
    r->received_ms = xvios_get_le64(in + JR_RECEIVED);
    *state = (enum vke_jstate)st;
    return 0;
}

/* Read up to n bytes (fewer only at the end of the file): bytes read, or -errno. */
static ssize_t read_full(int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* What the previous incarnation left: every open record to lost(). */
static int replay(const char *path, vke_journal_lost_cb lost, void *arg, struct vke_journal_replay *f)
{
    uint8_t rec[VKE_JOURNAL_REC];
    struct stat st;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ELOOP) {
        XLOG_WARN("%s is a symbolic link: nothing replayed, replaced", path);
        return 0;
    }
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        XLOG_WARN("%s is not a regular file: nothing replayed, replaced", path);
        goto out;
    }
    for (uint32_t slot = 0;; slot++) {
        struct vke_jrec r;
        enum vke_jstate state;
        ssize_t n;

        if (slot == VKE_JOURNAL_READ_MAX) {
            XLOG_WARN("%s holds more than %u records: the rest is ignored", path, VKE_JOURNAL_READ_MAX);
            break;
        }
        n = read_full(fd, rec, sizeof(rec));
        if (n < 0) {
            rc = (int)n;
            goto out;
        }
        if (n < (ssize_t)sizeof(rec)) {
            f->torn = (unsigned)n;   /* a record cut short by the death: never written whole */
            break;
        }
        if (vke_journal_decode(rec, slot, &r, &state) < 0) {
            f->bad++;
            continue;
        }
        if (state == VKE_J_DONE) {
            f->done++;
            continue;
        }
        f->open++;
        f->handed += state == VKE_J_HANDED;
        lost(arg, &r, state == VKE_J_HANDED);
    }
    if (f->bad || f->torn)
        XLOG_WARN("%s: %u malformed records and %u bytes of a torn record ignored", path, f->bad, f->torn);
out:
    close(fd);
    return rc;
}

int vke_journal_open(struct vke_journal *j, const char *path, unsigned cap, vke_journal_lost_cb lost, void *arg,
                     struct vke_journal_replay *found)
{
    struct vke_journal_replay f = { 0 };
    int rc;

    memset(j, 0, sizeof(*j));
    j->fd = -1;
    if (!path || !lost || cap == 0 || cap > VKE_JOURNAL_READ_MAX)
        return -EINVAL;
    rc = replay(path, lost, arg, &f);
    if (found)
        *found = f;
    if (rc < 0) {
        XLOG_ERR("cannot read the receipt journal %s: %s", path, strerror(-rc));
        return rc;
    }
    /* a fresh journal: whatever was there (a FIFO, a directory's name taken by a file...) goes */
    if (unlink(path) < 0 && errno != ENOENT) {
        rc = -errno;
        XLOG_ERR("cannot replace the receipt journal %s: %s", path, strerror(-rc));
        return rc;
    }
    j->used = calloc(cap, sizeof(*j->used));
    j->recs = calloc(cap, sizeof(*j->recs));
    if (!j->used || !j->recs) {
        free(j->used);
        free(j->recs);
        j->used = NULL;
        j->recs = NULL;
        return -ENOMEM;
    }
    j->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (j->fd < 0) {
        rc = -errno;
        XLOG_ERR("cannot create the receipt journal %s: %s", path, strerror(-rc));
        free(j->used);
        free(j->recs);
        j->used = NULL;
        j->recs = NULL;
        return rc;
    }
    j->cap = cap;
    return 0;
}

static bool put(struct vke_journal *j, uint32_t slot, const struct vke_jrec *r, enum vke_jstate state)
{
    uint8_t rec[VKE_JOURNAL_REC];
    ssize_t n;

    vke_journal_encode(rec, r, slot, state);
    do
        n = pwrite(j->fd, rec, sizeof(rec), (off_t)slot * VKE_JOURNAL_REC);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof(rec))
        return true;
    if (j->write_failed++ == 0 || (j->write_failed & (j->write_failed - 1)) == 0)   /* 1st, 2nd, 4th... */
        XLOG_ERR("receipt journal: slot %u not written (%s; %llu so far): a backend killed now loses it "
                 "without a trace", slot, n < 0 ? strerror(errno) : "short write",
                 (unsigned long long)j->write_failed);
    return false;
}

uint32_t vke_journal_add(struct vke_journal *j, const struct vke_jrec *r)
{
    uint32_t slot;

    if (j->fd < 0)
        return VKE_JOURNAL_NONE;
    for (slot = 0; slot < j->cap && j->used[slot]; slot++)
        ;
    if (slot == j->cap) {
        XLOG_ERR("receipt journal full (%u records): txid %#llx from node %u not journaled", j->cap,
                 (unsigned long long)r->txid, r->node);
        return VKE_JOURNAL_NONE;
    }
    if (!put(j, slot, r, VKE_J_HELD))
        return VKE_JOURNAL_NONE;
    j->used[slot] = true;
    j->recs[slot] = *r;
    j->n_open++;
    if (slot >= j->end)
        j->end = slot + 1;
    return slot;
}

void vke_journal_done(struct vke_journal *j, uint32_t slot)
{
    if (j->fd < 0 || slot >= j->cap || !j->used[slot])
        return;
    j->used[slot] = false;
    j->n_open--;
    /* The slot says "done" (replay skips it) and the file keeps its size: slots are taken lowest first,
     * so it holds at most as many as were ever open at once (<= cap). Truncating it whenever nothing was
     * open freed its page and the next record allocated it again: two file system operations per
     * message where one pwrite() into the page cache does. */
    put(j, slot, NULL, VKE_J_DONE);
}

void vke_journal_handed(struct vke_journal *j, uint32_t slot)
{
    if (j->fd >= 0 && slot < j->cap && j->used[slot])
        put(j, slot, &j->recs[slot], VKE_J_HANDED);   /* not written: it stays "held", the stronger claim */
}

void vke_journal_close(struct vke_journal *j)
{
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    free(j->used);
    free(j->recs);
    j->used = NULL;
    j->recs = NULL;
    j->n_open = 0;
}
