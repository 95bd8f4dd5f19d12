/* SPDX-License-Identifier: MIT */
/*
 * test_lu_blockdev.c - an LU on a block device (a loop device over a
 * temporary file, detached automatically on last close), once per engine:
 * the size comes from BLKGETSIZE64, O_DIRECT is forced, alignment is checked
 * up front, discard is advertised from sysfs and reads back zeroes,
 * map_status reports everything mapped; a device that shrinks under the LU
 * fails I/O past its new end as a fabric error. Skipped where loop devices cannot be
 * set up (no root, no /dev/loop-control).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/lu/lu_store.h"
#include "tests/unit/lu/lu_fixture.h"

#define SIZE (4u * 1024u * 1024u)

static const enum lu_store_engine eng_uring = LU_STORE_ENGINE_URING;
static const enum lu_store_engine eng_sync = LU_STORE_ENGINE_SYNC;

/* Attaches a free loop device to path; returns its fd (autoclear) and name, or -errno. */
static int loop_attach(const char *path, char *dev, size_t devlen)
{
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    int file = open(path, O_RDWR | O_CLOEXEC);
    int rc = -ENODEV;

    if (ctl < 0 || file < 0) {
        rc = -errno;
        goto out;
    }
    for (int tries = 0; tries < 8; tries++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0) {
            rc = -errno;
            break;
        }
        snprintf(dev, devlen, "/dev/loop%d", n);
        int lfd = open(dev, O_RDWR | O_CLOEXEC);
        if (lfd < 0) {
            rc = -errno;
            break;
        }
        struct loop_config cfg = { .fd = (uint32_t)file, .info = { .lo_flags = LO_FLAGS_AUTOCLEAR } };
        if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0) {
            rc = lfd;
            break;
        }
        rc = -errno;
        close(lfd);
        if (rc != -EBUSY)          /* EBUSY: another process took it first */
            break;
    }
out:
    if (ctl >= 0)
        close(ctl);
    if (file >= 0)
        close(file);
    return rc;
}

static void blockdev_lu(void **state)
{
    enum lu_store_engine eng = *(const enum lu_store_engine *)*state;
    char path[256], dev[64];
    struct lu_store *s = NULL;
    struct lu_fx_done d = { 0 };
    uint8_t *buf;
    int lfd;

    assert_int_equal(lu_fx_tmpfile(NULL, SIZE, true, path), 0);
    lfd = loop_attach(path, dev, sizeof(dev));
    unlink(path);                  /* the loop device holds the file open */
    if (lfd < 0)
        skip();
    struct lu_store_opts o = { .path = dev, .engine = eng };
    assert_int_equal(lu_store_open(&o, &s), 0);
    close(lfd);                    /* the store's fd keeps the device attached */
    const struct lu_store_info *i = lu_store_info(s);
    assert_true(i->is_blockdev);
    assert_true(i->direct);        /* forced, though not asked for */
    assert_true(i->size_bytes == SIZE);
    assert_true(i->can_discard);   /* a loop device over ext4/tmpfs writes zeroes */

    buf = lu_store_alloc_buf(65536);
    /* Alignment is checked up front. */
    assert_int_equal(lu_store_read(s, buf, 512, 100, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_read(s, buf + 4, 512, 0, lu_fx_cb, &d), -EINVAL);
    assert_int_equal(lu_store_read(s, buf, 512, SIZE, lu_fx_cb, &d), -EINVAL);

    /* Write a pattern, read it back, discard part, read zeroes. */
    lu_fx_fill(buf, 65536, 1u << 20, 5);
    assert_int_equal(lu_store_write(s, buf, 65536, 1u << 20, false, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(s, &d, 10000));
    assert_int_equal(d.result, 65536);
    memset(&d, 0, sizeof(d));
    assert_int_equal(lu_store_discard(s, (1u << 20) + 4096, 8192, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(s, &d, 10000));
    assert_int_equal(d.result, 8192);
    memset(&d, 0, sizeof(d));
    memset(buf, 0xAA, 65536);
    assert_int_equal(lu_store_read(s, buf, 65536, 1u << 20, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(s, &d, 10000));
    assert_int_equal(d.result, 65536);
    assert_true(lu_fx_check(buf, 4096, 1u << 20, 5));
    for (unsigned k = 4096; k < 12288; k++)
        assert_int_equal(buf[k], 0);
    assert_true(lu_fx_check(buf + 12288, 65536 - 12288, (1u << 20) + 12288, 5));

    /* Block devices have no SEEK_DATA: all mapped. */
    uint64_t len = 0;
    bool mapped = false;
    assert_int_equal(lu_store_map_status(s, 4096, &len, &mapped), 0);
    assert_true(mapped);
    assert_true(len == SIZE - 4096);

    struct lu_store_stats st;
    lu_store_get_stats(s, &st);
    assert_true(st.io_errors == 0 && st.discards == 1);
    lu_store_free_buf(buf);
    lu_store_close(s);
}

static void count_fabric(void *arg, int64_t result)
{
    unsigned *n = arg;

    assert_true(lu_store_is_fabric_error(result));
    (*n)++;
}

/*
 * The device shrinks under the LU (what a removed disk looks like: the kernel sets its capacity to 0):
 * a write past the new end fails with ENOSPC and a read there returns end of file. Both are the
 * path's failure, not the data's: the store answers them as fabric errors (ENXIO, EIO) and tells its
 * observer before the operation's own callback, so the redundancy layer can forward the command.
 */
static void blockdev_shrunk(void **state)
{
    enum lu_store_engine eng = *(const enum lu_store_engine *)*state;
    char path[256], dev[64];
    struct lu_store *s = NULL;
    struct lu_fx_done d = { 0 };
    unsigned fabric = 0;
    uint8_t *buf;
    int lfd;

    assert_int_equal(lu_fx_tmpfile(NULL, SIZE, true, path), 0);
    lfd = loop_attach(path, dev, sizeof(dev));
    if (lfd < 0) {
        unlink(path);
        skip();
    }
    struct lu_store_opts o = { .path = dev, .engine = eng };
    assert_int_equal(lu_store_open(&o, &s), 0);
    lu_store_on_fabric_error(s, count_fabric, &fabric);
    buf = lu_store_alloc_buf(4096);
    lu_fx_fill(buf, 4096, 2u << 20, 7);

    /* 1 MiB left: the LU's second MiB and beyond are gone. */
    assert_int_equal(truncate(path, 1u << 20), 0);
    unlink(path);
    assert_int_equal(ioctl(lfd, LOOP_SET_CAPACITY, 0), 0);
    close(lfd);

    assert_int_equal(lu_store_write(s, buf, 4096, 2u << 20, false, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(s, &d, 10000));
    assert_int_equal(d.result, -ENXIO);
    assert_int_equal(fabric, 1);
    memset(&d, 0, sizeof(d));
    assert_int_equal(lu_store_read(s, buf, 4096, 2u << 20, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(s, &d, 10000));
    assert_int_equal(d.result, -EIO);
    assert_int_equal(fabric, 2);
    /* what is left still works, and is no fabric error */
    memset(&d, 0, sizeof(d));
    assert_int_equal(lu_store_write(s, buf, 4096, 4096, false, lu_fx_cb, &d), 0);
    assert_true(lu_fx_wait(s, &d, 10000));
    assert_int_equal(d.result, 4096);
    assert_int_equal(fabric, 2);

    lu_store_free_buf(buf);
    lu_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(blockdev_lu, (void *)&eng_uring),
        cmocka_unit_test_prestate(blockdev_lu, (void *)&eng_sync),
        cmocka_unit_test_prestate(blockdev_shrunk, (void *)&eng_uring),
        cmocka_unit_test_prestate(blockdev_shrunk, (void *)&eng_sync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
