/* SPDX-License-Identifier: MIT */
/*
 * test_lu_store.c - the LU backing store, every test run once per engine
 * (io_uring and the thread pool): open/size/read-only, round trips with many
 * operations in flight (buffered and O_DIRECT), FUA and flush, discard and
 * write_zeroes reading back zeroes, map_status, range and alignment refusals,
 * EAGAIN at the queue depth, a backing truncated under the store, injected
 * faults, and close with operations in flight.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/lu/lu_store.h"
#include "tests/unit/lu/lu_fixture.h"

#define MiB (1024u * 1024u)
#define TMO 10000

struct ctx {
    enum lu_store_engine engine;
    char path[256];
    struct lu_store *s;
};

static const enum lu_store_engine eng_uring = LU_STORE_ENGINE_URING;
static const enum lu_store_engine eng_sync = LU_STORE_ENGINE_SYNC;

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    c->engine = *(const enum lu_store_engine *)*state;
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    lu_store_close(c->s);
    if (c->path[0])
        unlink(c->path);
    free(c);
    return 0;
}

static const char *engine_name(enum lu_store_engine e)
{
    return e == LU_STORE_ENGINE_SYNC ? "sync" : "io_uring";
}

/* Creates the context's backing file and opens a store on it. */
static void open_file(struct ctx *c, uint64_t size, bool fill, bool ro, bool direct, unsigned depth)
{
    assert_int_equal(lu_fx_tmpfile(NULL, size, fill, c->path), 0);
    struct lu_store_opts o = { .path = c->path, .read_only = ro, .direct = direct,
                               .engine = c->engine, .queue_depth = depth };
    assert_int_equal(lu_store_open(&o, &c->s), 0);
    assert_string_equal(lu_store_info(c->s)->engine, engine_name(c->engine));
}

static int64_t sync_read(struct lu_store *s, void *buf, size_t len, uint64_t off)
{
    struct lu_fx_done d = { 0 };
    assert_int_equal(lu_store_read(s, buf, len, off, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(s, &d, TMO));
    assert_int_equal(d.calls, 1);
    return d.result;
}

static int64_t sync_write(struct lu_store *s, const void *buf, size_t len, uint64_t off, bool fua)
{
    struct lu_fx_done d = { 0 };
    assert_int_equal(lu_store_write(s, buf, len, off, fua, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(s, &d, TMO));
    assert_int_equal(d.calls, 1);
    return d.result;
}

/* ------------------------------------------------------------ open */
static void open_size_and_read_only(void **state)
{
    struct ctx *c = *state;
    uint8_t buf[512];
    struct lu_fx_done d = { 0 };

    /* A size that is not a block multiple is rounded down. */
    assert_int_equal(lu_fx_tmpfile(NULL, MiB + 100, true, c->path), 0);
    struct lu_store_opts o = { .path = c->path, .read_only = true, .engine = c->engine };
    assert_int_equal(lu_store_open(&o, &c->s), 0);
    const struct lu_store_info *i = lu_store_info(c->s);
    assert_true(i->size_bytes == MiB);
    assert_int_equal(i->block_size, 512);
    assert_true(i->read_only);
    assert_false(i->is_blockdev);
    assert_false(i->direct);
    assert_false(i->can_discard);       /* never advertised on a read-only LU */
    assert_string_equal(i->engine, engine_name(c->engine));

    /* Opened O_RDONLY: every kind of write is refused up front. */
    memset(buf, 0, sizeof(buf));
    assert_int_equal(lu_store_write(c->s, buf, 512, 0, false, lu_fx_cb, &d), -EROFS);
    assert_int_equal(lu_store_write_zeroes(c->s, 0, 512, lu_fx_cb, &d), -EROFS);
    assert_int_equal(lu_store_discard(c->s, 0, 512, lu_fx_cb, &d), -EROFS);
    assert_int_equal(d.calls, 0);
    assert_int_equal(sync_read(c->s, buf, 512, MiB - 512), 512);
    assert_true(lu_fx_check(buf, 512, MiB - 512, 0));
    lu_store_close(c->s);
    c->s = NULL;

    /* 4096-byte blocks round down further; a writable file on this file system can discard. */
    o.read_only = false;
    o.block_size = 4096;
    assert_int_equal(lu_store_open(&o, &c->s), 0);
    assert_true(lu_store_info(c->s)->size_bytes == MiB);
    assert_int_equal(lu_store_info(c->s)->block_size, 4096);
    assert_true(lu_store_info(c->s)->can_discard);
    lu_store_close(c->s);
    c->s = NULL;

    /* Refused: other block sizes, a depth beyond the maximum, missing files, directories, tiny files. */
    struct lu_store *s = (struct lu_store *)&d;
    o.block_size = 1000;
    assert_int_equal(lu_store_open(&o, &s), -EINVAL);
    assert_null(s);
    o.block_size = 0;
    o.queue_depth = LU_STORE_MAX_QUEUE_DEPTH + 1;
    assert_int_equal(lu_store_open(&o, &s), -EINVAL);
    o.queue_depth = 0;
    assert_int_equal(truncate(c->path, 511), 0);
    assert_int_equal(lu_store_open(&o, &s), -EINVAL);
    o.path = "/nonexistent-dir-for-lu-test/disk";
    assert_int_equal(lu_store_open(&o, &s), -ENOENT);
    o.path = "/";
    o.read_only = true;
    assert_int_equal(lu_store_open(&o, &s), -EISDIR);
    assert_int_equal(lu_store_open(NULL, &s), -EINVAL);
}

/* ------------------------------------------------------------ data */
#define NOPS 64u
#define OPLEN (64u * 1024u)

static void round_trip(struct ctx *c, bool direct)
{
    uint8_t *bufs[NOPS];
    struct lu_fx_done d[NOPS];
    unsigned done = 0;
    struct lu_store_stats st;

    open_file(c, NOPS * OPLEN, false, false, direct, 0);
    assert_int_equal(lu_store_info(c->s)->direct, direct);
    for (unsigned i = 0; i < NOPS; i++) {
        bufs[i] = lu_store_alloc_buf(OPLEN);
        assert_non_null(bufs[i]);
        assert_true((uintptr_t)bufs[i] % LU_STORE_BUF_ALIGN == 0);
    }
    /* Writes in a scattered order, all in flight at once. */
    memset(d, 0, sizeof(d));
    for (unsigned i = 0; i < NOPS; i++) {
        unsigned slot = (i * 37u) % NOPS;
        lu_fx_fill(bufs[slot], OPLEN, (uint64_t)slot * OPLEN, 7);
        d[slot].counter = &done;
        assert_int_equal(lu_store_write(c->s, bufs[slot], OPLEN, (uint64_t)slot * OPLEN, false,
                                        lu_fx_cb, &d[slot]), 0);
    }
    assert_int_equal(d[0].calls, 0);                 /* never inside the submit call */
    assert_int_equal(lu_store_in_flight(c->s), NOPS);
    assert_true(lu_fx_run(c->s, &done, NOPS, TMO));
    for (unsigned i = 0; i < NOPS; i++) {
        assert_int_equal(d[i].calls, 1);
        assert_int_equal(d[i].result, OPLEN);
        memset(bufs[i], 0xEE, OPLEN);
    }
    /* Read back, all in flight at once. */
    memset(d, 0, sizeof(d));
    done = 0;
    for (unsigned i = 0; i < NOPS; i++) {
        d[i].counter = &done;
        assert_int_equal(lu_store_read(c->s, bufs[i], OPLEN, (uint64_t)i * OPLEN, lu_fx_cb, &d[i]), 0);
    }
    assert_int_equal(lu_store_in_flight(c->s), NOPS);
    assert_true(lu_fx_run(c->s, &done, NOPS, TMO));
    for (unsigned i = 0; i < NOPS; i++) {
        assert_int_equal(d[i].calls, 1);
        assert_int_equal(d[i].result, OPLEN);
        assert_true(lu_fx_check(bufs[i], OPLEN, (uint64_t)i * OPLEN, 7));
        lu_store_free_buf(bufs[i]);
    }
    assert_int_equal(lu_store_in_flight(c->s), 0);
    lu_store_get_stats(c->s, &st);
    assert_true(st.reads == NOPS && st.writes == NOPS);
    assert_true(st.bytes_read == (uint64_t)NOPS * OPLEN && st.bytes_written == (uint64_t)NOPS * OPLEN);
    assert_true(st.io_errors == 0);
    /*
     * Idle: after one more dispatch (a completion that raced with the last
     * one may have left the eventfd set), the fd is not readable: an idle
     * store never wakes its event loop.
     */
    assert_int_equal(lu_store_dispatch(c->s), 0);
    struct pollfd p = { .fd = lu_store_fd(c->s), .events = POLLIN };
    assert_int_equal(poll(&p, 1, 0), 0);
}

static void round_trip_buffered(void **state)
{
    round_trip(*state, false);
}

static void round_trip_direct(void **state)
{
    round_trip(*state, true);
}

/* Callbacks that submit the next operation: a chain of dependent reads, batched per dispatch. */
struct chain {
    struct lu_store *s;
    uint8_t *buf;
    unsigned left, errors;
    unsigned *total;
    uint64_t off;
};

static void chain_cb(void *opaque, int64_t result)
{
    struct chain *ch = opaque;
    (*ch->total)++;
    if (result != 4096 || !lu_fx_check(ch->buf, 4096, ch->off, 0))
        ch->errors++;
    if (ch->left == 0)
        return;
    ch->left--;
    ch->off = (ch->off + 7u * 4096u) % MiB;
    if (lu_store_read(ch->s, ch->buf, 4096, ch->off, chain_cb, ch) != 0)
        ch->errors++;
}

static void callbacks_submit_more(void **state)
{
    struct ctx *c = *state;
    struct chain ch[8];
    unsigned total = 0;

    open_file(c, MiB, true, false, false, 8);
    for (unsigned i = 0; i < 8; i++) {
        ch[i] = (struct chain){ .s = c->s, .buf = lu_store_alloc_buf(4096), .left = 49,
                                .total = &total, .off = i * 4096u };
        assert_int_equal(lu_store_read(c->s, ch[i].buf, 4096, ch[i].off, chain_cb, &ch[i]), 0);
    }
    /* Depth 8 is full the whole time: each callback's resubmission takes the slot it freed. */
    assert_true(lu_fx_run(c->s, &total, 8 * 50, TMO));
    assert_int_equal(total, 8 * 50);
    assert_int_equal(lu_store_in_flight(c->s), 0);
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(ch[i].errors, 0);
        assert_int_equal(ch[i].left, 0);
        lu_store_free_buf(ch[i].buf);
    }
}

static void fua_and_flush(void **state)
{
    struct ctx *c = *state;
    uint8_t *buf = lu_store_alloc_buf(8192), check[8192];
    struct lu_fx_done d = { 0 };
    struct lu_store_stats st;

    open_file(c, MiB, false, false, false, 0);
    lu_fx_fill(buf, 8192, 4096, 3);
    assert_int_equal(sync_write(c->s, buf, 8192, 4096, true), 8192);
    assert_int_equal(lu_store_flush(c->s, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(c->s, &d, TMO));
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.result, 0);
    /* Another descriptor sees the data. */
    int fd = open(c->path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, check, sizeof(check), 4096), 8192);
    close(fd);
    assert_true(lu_fx_check(check, 8192, 4096, 3));
    lu_store_get_stats(c->s, &st);
    assert_true(st.flushes == 1 && st.writes == 1 && st.bytes_written == 8192);
    lu_store_free_buf(buf);
}

static void discard_and_write_zeroes_read_back_zeroes(void **state)
{
    struct ctx *c = *state;
    uint8_t *buf = lu_store_alloc_buf(256 * 1024);
    struct lu_fx_done d = { 0 };
    uint64_t len = 0;
    bool mapped = true;

    open_file(c, MiB, true, false, false, 0);
    assert_true(lu_store_info(c->s)->can_discard);
    /* Everything holds data first. */
    assert_int_equal(lu_store_map_status(c->s, 0, &len, &mapped), 0);
    assert_true(mapped);
    assert_true(len == MiB);

    assert_int_equal(lu_store_discard(c->s, 128 * 1024, 64 * 1024, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(c->s, &d, TMO));
    assert_int_equal(d.result, 64 * 1024);
    assert_int_equal(sync_read(c->s, buf, 256 * 1024, 64 * 1024), 256 * 1024);
    assert_true(lu_fx_check(buf, 64 * 1024, 64 * 1024, 0));
    for (unsigned i = 0; i < 64 * 1024; i++)
        if (buf[64 * 1024 + i] != 0)
            fail_msg("byte %u of the discarded range is %u", i, buf[64 * 1024 + i]);
    assert_true(lu_fx_check(buf + 128 * 1024, 128 * 1024, 192 * 1024, 0));

    /* map_status sees the hole and the data around it. */
    assert_int_equal(lu_store_map_status(c->s, 0, &len, &mapped), 0);
    assert_true(mapped && len == 128 * 1024);
    assert_int_equal(lu_store_map_status(c->s, 128 * 1024, &len, &mapped), 0);
    assert_true(!mapped && len == 64 * 1024);
    assert_int_equal(lu_store_map_status(c->s, 192 * 1024, &len, &mapped), 0);
    assert_true(mapped && len == MiB - 192 * 1024);
    assert_int_equal(lu_store_map_status(c->s, MiB, &len, &mapped), -EINVAL);

    /* write_zeroes leaves the range reading zeroes (however the backing does it). */
    memset(&d, 0, sizeof(d));
    assert_int_equal(lu_store_write_zeroes(c->s, 512 * 1024 + 512, 3 * 512, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(c->s, &d, TMO));
    assert_int_equal(d.result, 3 * 512);
    assert_int_equal(sync_read(c->s, buf, 4096, 512 * 1024), 4096);
    assert_true(lu_fx_check(buf, 512, 512 * 1024, 0));
    for (unsigned i = 512; i < 2048; i++)
        assert_int_equal(buf[i], 0);
    assert_true(lu_fx_check(buf + 2048, 2048, 512 * 1024 + 2048, 0));

    struct lu_store_stats st;
    lu_store_get_stats(c->s, &st);
    assert_true(st.discards == 1 && st.writes == 1 && st.io_errors == 0);
    lu_store_free_buf(buf);
}

/* tmpfs can punch holes but has no ZERO_RANGE: write_zeroes falls back to writing zeroes. */
static void write_zeroes_without_zero_range(void **state)
{
    struct ctx *c = *state;
    uint8_t *buf = lu_store_alloc_buf(3 * MiB);
    struct lu_fx_done d = { 0 };

    if (lu_fx_tmpfile("/dev/shm", 4 * MiB, true, c->path) != 0) {
        lu_store_free_buf(buf);
        skip();
    }
    struct lu_store_opts o = { .path = c->path, .engine = c->engine };
    assert_int_equal(lu_store_open(&o, &c->s), 0);
    assert_true(lu_store_info(c->s)->can_discard);
    /* 2.5 MiB: more than one zero-buffer write. */
    for (int round = 0; round < 2; round++) {
        memset(&d, 0, sizeof(d));
        assert_int_equal(lu_store_write_zeroes(c->s, 512 * 1024, 5 * 512 * 1024, lu_fx_cb, &d), 0);
        assert_true(lu_fx_wait(c->s, &d, TMO));
        assert_int_equal(d.calls, 1);
        assert_int_equal(d.result, 5 * 512 * 1024);
    }
    assert_int_equal(sync_read(c->s, buf, 3 * MiB + 0, 256 * 1024), 3 * MiB);
    assert_true(lu_fx_check(buf, 256 * 1024, 256 * 1024, 0));
    for (unsigned i = 256 * 1024; i < 256 * 1024 + 5 * 512 * 1024; i++)
        if (buf[i] != 0)
            fail_msg("byte %u not zero", i);
    assert_true(lu_fx_check(buf + 256 * 1024 + 5 * 512 * 1024, 256 * 1024, 512 * 1024 + 5 * 512 * 1024, 0));
    lu_store_free_buf(buf);
}

/* ------------------------------------------------------------ refusals */
static void range_and_alignment_refused(void **state)
{
    struct ctx *c = *state;
    uint8_t *buf = lu_store_alloc_buf(8192);
    struct lu_fx_done d = { 0 };
    uint64_t size;

    open_file(c, MiB, true, false, true, 0);
    size = lu_store_info(c->s)->size_bytes;
    /* Beyond the end, straddling it, and offsets that overflow. */
    assert_int_equal(lu_store_read(c->s, buf, 512, size, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_read(c->s, buf, 1024, size - 512, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_read(c->s, buf, 512, UINT64_MAX - 100, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_read(c->s, buf, SIZE_MAX, 512, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_write(c->s, buf, 512, size, false, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_discard(c->s, size - 512, 1024, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_discard(c->s, 512, UINT64_MAX, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_write_zeroes(c->s, UINT64_MAX, 512, lu_fx_cb, &d), -EINVAL);
    /* O_DIRECT: misaligned offset, length or buffer refused before the kernel sees them. */
    assert_int_equal(lu_store_read(c->s, buf, 512, 100, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_read(c->s, buf, 100, 0, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_read(c->s, buf + 1, 512, 0, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_write(c->s, buf + 8, 512, 0, false, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_discard(c->s, 100, 512, lu_fx_cb, &d), -EINVAL);
    /* Missing buffer or callback. */
    assert_int_equal(lu_store_read(c->s, NULL, 512, 0, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_read(c->s, buf, 512, 0, NULL, &d), -EINVAL);
    assert_int_equal(lu_store_flush(c->s, NULL, &d), -EINVAL);
    assert_int_equal(d.calls, 0);
    assert_int_equal(lu_store_in_flight(c->s), 0);
    /* The last block exactly, and a zero-length read (completes later, with 0). */
    assert_int_equal(sync_read(c->s, buf, 512, size - 512), 512);
    assert_true(lu_fx_check(buf, 512, size - 512, 0));
    assert_int_equal(lu_store_read(c->s, buf, 0, size, lu_fx_cb, &d), 0);
    assert_int_equal(d.calls, 0);
    assert_true(lu_fx_wait(c->s, &d, TMO));
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.result, 0);
    lu_store_free_buf(buf);
}

static void eagain_at_queue_depth(void **state)
{
    struct ctx *c = *state;
    uint8_t bufs[5][512];
    struct lu_fx_done d[5];
    unsigned done = 0;

    open_file(c, MiB, true, false, false, 4);
    memset(d, 0, sizeof(d));
    for (unsigned i = 0; i < 4; i++) {
        d[i].counter = &done;
        assert_int_equal(lu_store_read(c->s, bufs[i], 512, i * 512u, lu_fx_cb, &d[i]), 0);
    }
    assert_int_equal(lu_store_read(c->s, bufs[4], 512, 0, lu_fx_cb, &d[4]), -EAGAIN);
    assert_int_equal(lu_store_flush(c->s, lu_fx_cb, &d[4]), -EAGAIN);
    assert_true(lu_fx_run(c->s, &done, 4, TMO));
    assert_int_equal(d[4].calls, 0);
    /* A slot is free again as soon as its callback ran. */
    assert_int_equal(sync_read(c->s, bufs[4], 512, 4 * 512), 512);
    assert_true(lu_fx_check(bufs[4], 512, 4 * 512, 0));
}

/* ------------------------------------------------------------ failures */
static void backing_truncated_gives_eio(void **state)
{
    struct ctx *c = *state;
    uint8_t buf[8192];
    struct lu_store_stats st;

    open_file(c, MiB, true, false, false, 0);
    assert_int_equal(truncate(c->path, 64 * 1024 + 1000), 0);
    /* Wholly past the new end of file, but inside the LU. */
    assert_int_equal(sync_read(c->s, buf, 4096, 512 * 1024), -EIO);
    /* Straddling it: a short read, resubmitted, then end of file. */
    assert_int_equal(sync_read(c->s, buf, 8192, 60 * 1024), -EIO);
    /* What is still there reads fine. */
    assert_int_equal(sync_read(c->s, buf, 4096, 0), 4096);
    assert_true(lu_fx_check(buf, 4096, 0, 0));
    lu_store_get_stats(c->s, &st);
    assert_true(st.io_errors == 2);
    assert_true(st.short_io >= 1);
    assert_true(st.reads == 3);
    assert_true(st.bytes_read == 4096);
}

static void injected_errors(void **state)
{
    struct ctx *c = *state;
    uint8_t buf[4096];
    struct lu_fx_done d = { 0 };
    struct lu_store_stats st;

    open_file(c, MiB, true, false, false, 0);
    assert_int_equal(lu_store_inject_error(c->s, 8192, 4096, EIO), 0);
    assert_int_equal(lu_store_inject_error(c->s, 65536, 512, ENOSPC), 0);
    assert_int_equal(lu_store_inject_error(c->s, 0, 512, 0), -EINVAL);
    assert_int_equal(lu_store_inject_error(c->s, 0, 0, EIO), -EINVAL);
    assert_int_equal(lu_store_inject_error(c->s, UINT64_MAX, 2, EIO), -EINVAL);

    assert_int_equal(sync_read(c->s, buf, 4096, 4096), 4096);           /* just before */
    assert_int_equal(sync_read(c->s, buf, 1024, 8192 - 512), -EIO);     /* overlapping the start */
    assert_int_equal(sync_read(c->s, buf, 512, 12288 - 512), -EIO);     /* the last byte */
    assert_int_equal(sync_read(c->s, buf, 512, 12288), 512);            /* just after */
    assert_int_equal(sync_write(c->s, buf, 512, 65536, false), -ENOSPC);
    assert_int_equal(lu_store_write_zeroes(c->s, 60000, 10000, lu_fx_cb, &d), 0);
    assert_int_equal(d.calls, 0);
    assert_true(lu_fx_wait(c->s, &d, TMO));
    assert_int_equal(d.result, -ENOSPC);
    lu_store_get_stats(c->s, &st);
    assert_true(st.io_errors == 4);

    lu_store_clear_injected(c->s);
    assert_int_equal(sync_read(c->s, buf, 4096, 8192), 4096);
    assert_true(lu_fx_check(buf, 4096, 8192, 0));
    for (unsigned i = 0; i < LU_STORE_MAX_INJECT; i++)
        assert_int_equal(lu_store_inject_error(c->s, i * 512u, 512, EIO), 0);
    assert_int_equal(lu_store_inject_error(c->s, 0, 512, EIO), -ENOSPC);
}

/* ------------------------------------------------------------ close */
static void close_runs_every_callback_once(void **state)
{
    struct ctx *c = *state;
    enum { N = 48 };
    uint8_t *bufs[N];
    struct lu_fx_done d[N];
    unsigned done = 0;

    open_file(c, 8 * MiB, true, false, false, 64);
    memset(d, 0, sizeof(d));
    for (unsigned i = 0; i < N; i++) {
        bufs[i] = lu_store_alloc_buf(128 * 1024);
        d[i].counter = &done;
        if (i % 3 == 0) {
            lu_fx_fill(bufs[i], 128 * 1024, (uint64_t)i * 128 * 1024, 0);
            assert_int_equal(lu_store_write(c->s, bufs[i], 128 * 1024, (uint64_t)i * 128 * 1024, i % 2,
                                            lu_fx_cb, &d[i]), 0);
        } else {
            assert_int_equal(lu_store_read(c->s, bufs[i], 128 * 1024, (uint64_t)i * 128 * 1024,
                                           lu_fx_cb, &d[i]), 0);
        }
    }
    /* One finished before close but never dispatched: it reports its real result. */
    struct lu_fx_done z = { 0 };
    assert_int_equal(lu_store_inject_error(c->s, 0, 512, EIO), 0);
    assert_int_equal(lu_store_read(c->s, bufs[0], 512, 0, lu_fx_cb, &z), 0);
    assert_int_equal(done, 0);
    lu_store_close(c->s);
    c->s = NULL;
    assert_int_equal(done, N);
    assert_int_equal(z.calls, 1);
    assert_int_equal(z.result, -EIO);
    for (unsigned i = 0; i < N; i++) {
        assert_int_equal(d[i].calls, 1);
        if (d[i].result != -ECANCELED)
            assert_int_equal(d[i].result, 128 * 1024);
        if (i % 3 != 0 && d[i].result > 0)
            assert_true(lu_fx_check(bufs[i], 128 * 1024, (uint64_t)i * 128 * 1024, 0));
        lu_store_free_buf(bufs[i]);
    }
}

#define BOTH(t) cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)&eng_uring), \
                cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)&eng_sync)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(open_size_and_read_only),
        BOTH(round_trip_buffered),
        BOTH(round_trip_direct),
        BOTH(callbacks_submit_more),
        BOTH(fua_and_flush),
        BOTH(discard_and_write_zeroes_read_back_zeroes),
        BOTH(write_zeroes_without_zero_range),
        BOTH(range_and_alignment_refused),
        BOTH(eagain_at_queue_depth),
        BOTH(backing_truncated_gives_eio),
        BOTH(injected_errors),
        BOTH(close_runs_every_callback_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
