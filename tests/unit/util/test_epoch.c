/* SPDX-License-Identifier: MIT */
/*
 * test_epoch.c - the persisted incarnation counter (xen/util/epoch.c): each
 * advance is larger than the last one stored and than the floor, survives
 * in the file, recovers from a garbled or missing file through the floor,
 * and fails (nothing handed out) when it cannot be stored.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "xvios/epoch.h"

struct fx {
    char dir[64];
    char path[96];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/xvios-epoch.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/x.epoch", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char tmp[128];

    unlink(f->path);
    snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
    unlink(tmp);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static uint32_t stored(const char *path)
{
    char buf[32] = "";
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(buf, sizeof(buf), fp));
    fclose(fp);
    return (uint32_t)strtoul(buf, NULL, 10);
}

static void test_advances_and_persists(void **state)
{
    struct fx *f = *state;
    uint32_t a = 0, b = 0, c = 0;

    assert_int_equal(xvios_epoch_advance(f->path, 100, &a), 0);   /* no file: the floor */
    assert_int_equal(a, 100);
    assert_int_equal(stored(f->path), 100);
    assert_int_equal(xvios_epoch_advance(f->path, 100, &b), 0);   /* same second: stored + 1 */
    assert_int_equal(b, 101);
    assert_int_equal(xvios_epoch_advance(f->path, 5000, &c), 0);  /* the clock moved on */
    assert_int_equal(c, 5000);
    assert_int_equal(stored(f->path), 5000);
}

static void test_clock_back_and_garbage(void **state)
{
    struct fx *f = *state;
    uint32_t e = 0;

    write_file(f->path, "7000\n");
    assert_int_equal(xvios_epoch_advance(f->path, 10, &e), 0);    /* the clock went back: stored + 1 */
    assert_int_equal(e, 7001);
    write_file(f->path, "12x\n");
    assert_int_equal(xvios_epoch_advance(f->path, 300, &e), 0);   /* garbled: the floor */
    assert_int_equal(e, 300);
    write_file(f->path, "0123\n");                                  /* not canonical */
    assert_int_equal(xvios_epoch_advance(f->path, 0, &e), 0);
    assert_int_equal(e, 1);                                         /* 0 is never an epoch */
    write_file(f->path, "4294967295\n");
    e = 77;
    assert_int_equal(xvios_epoch_advance(f->path, 1, &e), -EOVERFLOW);
    assert_int_equal(e, 77);                                        /* nothing handed out */
}

static void test_cannot_store(void **state)
{
    struct fx *f = *state;
    char path[128];
    uint32_t e = 55;

    snprintf(path, sizeof(path), "%s/missing-dir/x.epoch", f->dir);
    assert_true(xvios_epoch_advance(path, 1, &e) < 0);
    assert_int_equal(e, 55);
    assert_true(xvios_epoch_clock_floor() > 1600000000u);           /* the wall clock, in seconds */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_advances_and_persists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_back_and_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cannot_store, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
