/* SPDX-License-Identifier: MIT */
/*
 * test_lu_reopen.c - lu_store_reopen(), once per engine: the backing
 * replaced under its path (the old file renamed away, a new one with other
 * data in its place, as a block device that was removed and came back is a
 * new device) is read and written through the new fd after the reopen and
 * not before; a path that is gone leaves the old fd (-ENOENT); a backing of
 * another size is refused (-ESTALE) and the old fd kept; a store with I/O in
 * flight is refused (-EBUSY); injected faults go with the old fd.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/lu/lu_store.h"
#include "tests/unit/lu/lu_fixture.h"

#define LEN  (256u * 1024u)
#define TMO  10000

struct ctx {
    enum lu_store_engine engine;
    char path[256], old[300], other[256];
    struct lu_store *s;
    uint8_t *buf;
};

static const enum lu_store_engine eng_uring = LU_STORE_ENGINE_URING;
static const enum lu_store_engine eng_sync = LU_STORE_ENGINE_SYNC;

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));

    if (!c)
        return -1;
    c->engine = *(const enum lu_store_engine *)*state;
    c->buf = lu_store_alloc_buf(LEN);
    if (!c->buf) {
        free(c);
        return -1;
    }
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;

    lu_store_close(c->s);
    if (c->path[0])
        unlink(c->path);
    if (c->old[0])
        unlink(c->old);
    if (c->other[0])
        unlink(c->other);
    lu_store_free_buf(c->buf);
    free(c);
    return 0;
}

/* The store on a file filled with the fixture's pattern (tag 0), O_DIRECT like a block device. */
static void open_store(struct ctx *c)
{
    struct lu_store_opts o = { .path = c->path, .direct = true, .engine = c->engine };

    assert_int_equal(lu_fx_tmpfile(NULL, LEN, true, c->path), 0);
    assert_int_equal(lu_store_open(&o, &c->s), 0);
}

static int64_t io(struct lu_store *s, bool write, void *buf, size_t len, uint64_t off)
{
    struct lu_fx_done d = { 0 };

    if (write)
        assert_int_equal(lu_store_write(s, buf, len, off, false, lu_fx_cb, &d), 0);
    else
        assert_int_equal(lu_store_read(s, buf, len, off, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(s, &d, TMO));
    assert_int_equal(d.calls, 1);
    return d.result;
}

/* The file at c->path replaced by a new one of `size` bytes holding the pattern with `tag`. */
static void replace_backing(struct ctx *c, uint64_t size, uint8_t tag)
{
    FILE *f;
    uint8_t *b = malloc(size);

    assert_non_null(b);
    snprintf(c->old, sizeof(c->old), "%s.old", c->path);
    assert_int_equal(rename(c->path, c->old), 0);
    lu_fx_fill(b, size, 0, tag);
    f = fopen(c->path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
    free(b);
}

static void replaced_backing_read_after_reopen(void **state)
{
    struct ctx *c = *state;

    open_store(c);
    assert_int_equal(io(c->s, false, c->buf, 4096, 0), 4096);
    assert_true(lu_fx_check(c->buf, 4096, 0, 0));
    replace_backing(c, LEN, 0x5a);
    /* before the reopen the store still reads the old file (the fd it has) */
    assert_int_equal(io(c->s, false, c->buf, 4096, 8192), 4096);
    assert_true(lu_fx_check(c->buf, 4096, 8192, 0));
    assert_int_equal(lu_store_reopens(c->s), 0);

    assert_int_equal(lu_store_reopen(c->s), 0);
    assert_int_equal(lu_store_reopens(c->s), 1);
    assert_int_equal(io(c->s, false, c->buf, LEN, 0), LEN);
    assert_true(lu_fx_check(c->buf, LEN, 0, 0x5a));
    /* a write lands in the new file, the old one keeps its data */
    lu_fx_fill(c->buf, 4096, 4096, 0x33);
    assert_int_equal(io(c->s, true, c->buf, 4096, 4096), 4096);
    memset(c->buf, 0, 4096);
    assert_int_equal(io(c->s, false, c->buf, 4096, 4096), 4096);
    assert_true(lu_fx_check(c->buf, 4096, 4096, 0x33));
    {
        FILE *f = fopen(c->old, "rb");
        uint8_t b[4096];

        assert_non_null(f);
        assert_int_equal(fseek(f, 4096, SEEK_SET), 0);
        assert_int_equal(fread(b, 1, sizeof(b), f), sizeof(b));
        fclose(f);
        assert_true(lu_fx_check(b, sizeof(b), 4096, 0));
    }
}

static void path_gone_keeps_old_fd(void **state)
{
    struct ctx *c = *state;

    open_store(c);
    snprintf(c->old, sizeof(c->old), "%s.old", c->path);
    assert_int_equal(rename(c->path, c->old), 0);
    assert_int_equal(lu_store_reopen(c->s), -ENOENT);
    assert_int_equal(lu_store_reopens(c->s), 0);
    assert_int_equal(io(c->s, false, c->buf, 4096, 0), 4096);
    assert_true(lu_fx_check(c->buf, 4096, 0, 0));
    /* back under its path: the reopen takes it */
    assert_int_equal(rename(c->old, c->path), 0);
    c->old[0] = '\0';
    assert_int_equal(lu_store_reopen(c->s), 0);
    assert_int_equal(io(c->s, false, c->buf, 4096, 0), 4096);
    assert_true(lu_fx_check(c->buf, 4096, 0, 0));
}

static void other_size_refused(void **state)
{
    struct ctx *c = *state;

    open_store(c);
    replace_backing(c, 2 * LEN, 0x77);
    assert_int_equal(lu_store_reopen(c->s), -ESTALE);
    assert_int_equal(lu_store_reopens(c->s), 0);
    assert_int_equal(lu_store_info(c->s)->size_bytes, LEN);
    assert_int_equal(io(c->s, false, c->buf, 4096, 0), 4096);
    assert_true(lu_fx_check(c->buf, 4096, 0, 0));   /* still the old file */
}

static void busy_refused_and_faults_cleared(void **state)
{
    struct ctx *c = *state;
    struct lu_fx_done d = { 0 };

    open_store(c);
    assert_int_equal(lu_store_inject_error(c->s, 0, LEN, EIO), 0);
    assert_int_equal(io(c->s, false, c->buf, 4096, 0), -EIO);
    /* an operation in flight: refused, and it still completes */
    assert_int_equal(lu_store_read(c->s, c->buf, 4096, 0, lu_fx_cb, &d), 0);
    assert_int_equal(lu_store_reopen(c->s), -EBUSY);
    assert_true(lu_fx_wait(c->s, &d, TMO));
    assert_int_equal(d.result, -EIO);
    /* idle: reopened, and the injected fault went with the old fd */
    assert_int_equal(lu_store_reopen(c->s), 0);
    assert_int_equal(io(c->s, false, c->buf, 4096, 0), 4096);
    assert_true(lu_fx_check(c->buf, 4096, 0, 0));
    assert_int_equal(lu_store_reopen(NULL), -EINVAL);
}

#define BOTH(t) cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)&eng_uring), \
                cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)&eng_sync)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(replaced_backing_read_after_reopen),
        BOTH(path_gone_keeps_old_fd),
        BOTH(other_size_refused),
        BOTH(busy_refused_and_faults_cleared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
