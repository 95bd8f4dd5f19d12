/* SPDX-License-Identifier: MIT */
/* loop_fixture.c - cluster roots for the loopback unit tests. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/loop_fixture.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

int loop_fixture_rmtree(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

xvios_plat *loop_fixture_open(const char *root, uint32_t domid)
{
    struct xvios_plat_config cfg = { .kind = XVIOS_PLAT_LOOPBACK, .root = root, .self_domid = domid };
    xvios_plat *p = NULL;

    return xvios_plat_open(&cfg, &p) == 0 ? p : NULL;
}

int loop_fixture_setup(struct loop_fixture *f)
{
    const char *tmp = getenv("TMPDIR");

    /* short: link socket paths must fit a sun_path */
    snprintf(f->root, sizeof(f->root), "%s/xvl.XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    if (!mkdtemp(f->root))
        return -errno;
    f->dom0 = loop_fixture_open(f->root, 0);
    return f->dom0 ? 0 : -EIO;
}

void loop_fixture_teardown(struct loop_fixture *f)
{
    xvios_plat_close(f->dom0);
    f->dom0 = NULL;
    loop_fixture_rmtree(f->root);
}

int loop_fixture_put_file(const char *root, const char *relpath, const void *buf, size_t len)
{
    char path[512];
    int fd, rc = 0;

    snprintf(path, sizeof(path), "%s/%s", root, relpath);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -errno;
    if (write(fd, buf, len) != (ssize_t)len)
        rc = -EIO;
    close(fd);
    return rc;
}

int loop_fixture_cmocka_setup(void **state)
{
    struct loop_fixture *f = calloc(1, sizeof(*f));

    if (!f || loop_fixture_setup(f) < 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

int loop_fixture_cmocka_teardown(void **state)
{
    loop_fixture_teardown(*state);
    free(*state);
    return 0;
}
