/* SPDX-License-Identifier: MIT */
/*
 * test_file_replace.c - xen/util/file_replace.c: the new contents replace
 * the old whole (several buffers, an empty one, the mode asked), a symlink
 * at the path is replaced and its target left alone, and a replacement
 * that fails (no directory, a directory at the path) changes nothing and
 * leaves no temporary behind.
 */
#include <dirent.h>
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

#include "xvios/file_replace.h"

struct fx {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/xvios-frep.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/state", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* The file's contents into buf (NUL-terminated); its length, or -1. */
static ssize_t slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = read(fd, buf, cap - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

/* How many entries the directory holds besides . and .. */
static unsigned entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned n = 0;

    assert_non_null(d);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_replaces_whole(void **state)
{
    struct fx *f = *state;
    struct iovec two[] = {{(void *)"head-", 5}, {(void *)"body", 4}};
    struct stat st;
    char buf[64];

    assert_int_equal(xvios_file_replace_buf(f->path, "a much longer first version", 27, 0600, 0), 0);
    assert_int_equal(xvios_file_replace(f->path, two, 2, 0644, XVIOS_FILE_DURABLE), 0);
    assert_int_equal(slurp(f->path, buf, sizeof(buf)), 9);
    assert_string_equal(buf, "head-body");
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(xvios_file_replace_buf(f->path, NULL, 0, 0600, 0), 0);
    assert_int_equal(slurp(f->path, buf, sizeof(buf)), 0);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(entries(f->dir), 1);   /* no temporary left */
}

static void test_symlink_replaced_not_followed(void **state)
{
    struct fx *f = *state;
    char target[160], buf[64];
    struct stat st;

    snprintf(target, sizeof(target), "%s/target", f->dir);
    assert_int_equal(xvios_file_replace_buf(target, "keep", 4, 0600, 0), 0);
    assert_int_equal(symlink(target, f->path), 0);
    assert_int_equal(xvios_file_replace_buf(f->path, "new", 3, 0600, XVIOS_FILE_DURABLE), 0);
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(slurp(target, buf, sizeof(buf)), 4);
    assert_string_equal(buf, "keep");
    assert_int_equal(slurp(f->path, buf, sizeof(buf)), 3);
    assert_string_equal(buf, "new");
}

static void test_failure_changes_nothing(void **state)
{
    struct fx *f = *state;
    char missing[160];

    snprintf(missing, sizeof(missing), "%s/no-such-dir/state", f->dir);
    assert_int_equal(xvios_file_replace_buf(missing, "x", 1, 0600, 0), -ENOENT);
    assert_int_equal(mkdir(f->path, 0700), 0);   /* a directory where the file goes: the rename fails */
    assert_int_equal(xvios_file_replace_buf(f->path, "x", 1, 0600, XVIOS_FILE_DURABLE), -EISDIR);
    assert_int_equal(entries(f->dir), 1);        /* only that directory: the temporary is gone */
    assert_int_equal(xvios_file_replace(f->path, NULL, 1, 0600, 0), -EINVAL);
    assert_int_equal(xvios_file_replace_buf("", "x", 1, 0600, 0), -EINVAL);
}

static void test_fsync_dir_of(void **state)
{
    struct fx *f = *state;

    assert_int_equal(xvios_fsync_dir_of(f->path), 0);        /* the file need not exist; its directory does */
    assert_int_equal(xvios_fsync_dir_of("relative-name"), 0); /* the current directory */
    assert_int_equal(xvios_fsync_dir_of("/nonexistent-xvios-dir/x"), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replaces_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_replaced_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsync_dir_of, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
