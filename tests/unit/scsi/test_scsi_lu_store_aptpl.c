/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_lu_store_aptpl.c - APTPL kept in "<backing>.pr" by the LU store:
 * the file helpers (atomic replace, remove, bounded read), and, through
 * scsi_submit on an LU over a real file, registrations and the reservation
 * surviving a restart (close + open on the same backing), APTPL cleared
 * removing the file, a corrupt file set aside with the LU opening empty, an
 * unreadable one failing the open, and APTPL refused without the file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/lu/lu_aptpl.h"
#include "backend/scsi/scsi_lu_store.h"
#include "backend/scsi/scsi_pr.h"

#define LU_SIZE (1u << 20)

struct t {
    char dir[256];
    char img[300];
    char pr[310];
    struct scsi_lu_store *sls;
    struct scsi_dev *dev;
    struct scsi_nexus a, b;
    unsigned done;
};

static int setup(void **state)
{
    struct t *t = calloc(1, sizeof(*t));
    const char *tmp = getenv("TMPDIR");
    int fd;

    assert_non_null(t);
    snprintf(t->dir, sizeof(t->dir), "%s/aptpl-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->img, sizeof(t->img), "%s/lu.img", t->dir);
    assert_int_equal(lu_aptpl_path(t->img, t->pr, sizeof(t->pr)), 0);
    fd = open(t->img, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, LU_SIZE), 0);
    close(fd);
    t->a = (struct scsi_nexus){ .initiator = 0xa, .target_port = 1 };
    t->b = (struct scsi_nexus){ .initiator = 0xb, .target_port = 1 };
    *state = t;
    return 0;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (unlink(p) < 0)
            rmdir(p);
    }
    closedir(d);
    rmdir(dir);
}

static int teardown(void **state)
{
    struct t *t = *state;

    rm_dir(t->dir);
    free(t);
    return 0;
}

/* How many entries the directory holds (the image, the .pr file, leftovers). */
static unsigned dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static bool exists(const char *p)
{
    struct stat st;

    return stat(p, &st) == 0;
}

/* ------------------------------------------------------------ the LU */
static int lu_open(struct t *t, bool aptpl_file)
{
    struct scsi_lu_store_opts o = { 0 };
    int rc;

    o.store = (struct lu_store_opts){ .path = t->img, .engine = LU_STORE_ENGINE_AUTO };
    o.lu = (struct scsi_lu_opts){ .serial = "APTPL01" };
    o.aptpl_file = aptpl_file;
    rc = scsi_lu_store_open(&o, &t->sls);
    if (rc < 0)
        return rc;
    t->dev = scsi_dev_new();
    assert_non_null(t->dev);
    assert_int_equal(scsi_dev_map_lun(t->dev, 0, scsi_lu_store_lu(t->sls)), 0);
    return 0;
}

static void lu_close(struct t *t)
{
    scsi_dev_free(t->dev);
    scsi_lu_store_close(t->sls);
    t->dev = NULL;
    t->sls = NULL;
}

static void on_done(struct scsi_cmd *cmd)
{
    struct t *t = cmd->opaque;

    t->done++;
}

/* One command to completion (runs the store's event loop); returns its status. */
static int run(struct t *t, const struct scsi_nexus *n, const uint8_t *cdb, uint8_t cdb_len, void *in,
               uint32_t in_len, const void *out, uint32_t out_len, struct scsi_cmd *c)
{
    struct lu_store *st = scsi_lu_store_backing(t->sls);
    unsigned want = t->done + 1;

    memset(c, 0, sizeof(*c));
    c->nexus = n;
    memcpy(c->cdb, cdb, cdb_len);
    c->cdb_len = cdb_len;
    c->data_in = in;
    c->data_in_len = in_len;
    c->data_out = out;
    c->data_out_len = out_len;
    c->done = on_done;
    c->opaque = t;
    scsi_submit(t->dev, c);
    for (int spins = 0; t->done < want; spins++) {
        struct pollfd p = { .fd = lu_store_fd(st), .events = POLLIN };

        assert_true(spins < 1000);
        assert_true(poll(&p, 1, 5000) > 0);
        assert_true(lu_store_dispatch(st) >= 0);
    }
    assert_int_equal(t->done, want);
    return c->status;
}

static void clear_ua(struct t *t)
{
    static const uint8_t tur[6] = { 0 };
    struct scsi_cmd c;

    run(t, &t->a, tur, 6, NULL, 0, NULL, 0, &c);
    run(t, &t->b, tur, 6, NULL, 0, NULL, 0, &c);
    assert_int_equal(run(t, &t->a, tur, 6, NULL, 0, NULL, 0, &c), SCSI_STATUS_GOOD);
    assert_int_equal(run(t, &t->b, tur, 6, NULL, 0, NULL, 0, &c), SCSI_STATUS_GOOD);
}

static int pr_out(struct t *t, const struct scsi_nexus *n, uint8_t sa, uint8_t type, uint64_t key,
                  uint64_t sa_key, uint8_t flags, struct scsi_cmd *c)
{
    uint8_t cdb[10] = { 0x5f, sa, type }, p[24] = { 0 };

    scsi_put_be32(cdb + 5, sizeof(p));
    scsi_put_be64(p, key);
    scsi_put_be64(p + 8, sa_key);
    p[20] = flags;
    return run(t, n, cdb, 10, NULL, 0, p, sizeof(p), c);
}

static int pr_in(struct t *t, uint8_t sa, uint8_t *buf, uint16_t len)
{
    uint8_t cdb[10] = { 0x5e, sa };
    struct scsi_cmd c;

    scsi_put_be16(cdb + 7, len);
    return run(t, &t->a, cdb, 10, buf, len, NULL, 0, &c);
}

static int write1(struct t *t, const struct scsi_nexus *n)
{
    uint8_t cdb[10] = { 0x2a }, block[512];
    struct scsi_cmd c;

    memset(block, 0x77, sizeof(block));
    scsi_put_be16(cdb + 7, 1);
    return run(t, n, cdb, 10, NULL, 0, block, sizeof(block), &c);
}

/* ------------------------------------------------------------ the file helpers */
static void file_helpers(void **state)
{
    struct t *t = *state;
    static const uint8_t one[] = "first state", two[] = "second, longer state";
    uint8_t *blob = NULL;
    size_t len = 0;
    char small[8];

    assert_int_equal(lu_aptpl_read(t->pr, &blob, &len), -ENOENT);
    assert_int_equal(lu_aptpl_write(t->pr, one, sizeof(one)), 0);
    assert_int_equal(lu_aptpl_read(t->pr, &blob, &len), 0);
    assert_int_equal(len, sizeof(one));
    assert_memory_equal(blob, one, len);
    free(blob);
    /* Replaced in place; no temporary file left next to it. */
    assert_int_equal(lu_aptpl_write(t->pr, two, sizeof(two)), 0);
    assert_int_equal(lu_aptpl_read(t->pr, &blob, &len), 0);
    assert_int_equal(len, sizeof(two));
    assert_memory_equal(blob, two, len);
    free(blob);
    assert_int_equal(dir_entries(t->dir), 2);
    /* NULL removes it; removing a missing file is fine. */
    assert_int_equal(lu_aptpl_write(t->pr, NULL, 0), 0);
    assert_false(exists(t->pr));
    assert_int_equal(lu_aptpl_write(t->pr, NULL, 0), 0);
    /* Bad arguments and limits. */
    assert_int_equal(lu_aptpl_path(t->img, small, sizeof(small)), -ENAMETOOLONG);
    assert_int_equal(lu_aptpl_path("", small, sizeof(small)), -EINVAL);
    assert_int_equal(lu_aptpl_write(t->pr, NULL, 3), -EINVAL);
    {
        /* A file larger than the limit is not read into memory. */
        int fd = open(t->pr, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, (off_t)LU_APTPL_MAX_LEN + 1), 0);
        close(fd);
        assert_int_equal(lu_aptpl_read(t->pr, &blob, &len), -EFBIG);
        assert_null(blob);
        unlink(t->pr);
    }
}

/* ------------------------------------------------------------ restart keeps the state */
static void restart_keeps_registrations_and_reservation(void **state)
{
    struct t *t = *state;
    uint8_t buf[256];
    struct scsi_cmd c;
    uint32_t gen;

    assert_int_equal(lu_open(t, true), 0);
    clear_ua(t);
    assert_int_equal(pr_out(t, &t->a, SCSI_PR_OUT_REGISTER, 0, 0, 0xaaaa, 0x01, &c), SCSI_STATUS_GOOD);
    assert_true(exists(t->pr));
    assert_int_equal(pr_out(t, &t->b, SCSI_PR_OUT_REGISTER, 0, 0, 0xbbbb, 0x01, &c), SCSI_STATUS_GOOD);
    assert_int_equal(pr_out(t, &t->a, SCSI_PR_OUT_RESERVE, SCSI_PR_TYPE_WE, 0xaaaa, 0, 0, &c), SCSI_STATUS_GOOD);
    gen = scsi_pr_generation(scsi_lu_pr(scsi_lu_store_lu(t->sls)));
    assert_int_equal(write1(t, &t->b), SCSI_STATUS_RESERVATION_CONFLICT);
    lu_close(t);

    /* "Power on": a new LU over the same backing. */
    assert_int_equal(lu_open(t, true), 0);
    clear_ua(t);
    assert_int_equal(pr_in(t, SCSI_PR_IN_READ_KEYS, buf, sizeof(buf)), SCSI_STATUS_GOOD);
    assert_int_equal(scsi_get_be32(buf), gen);
    assert_int_equal(scsi_get_be32(buf + 4), 16);
    assert_int_equal(scsi_get_be64(buf + 8), 0xaaaa);
    assert_int_equal(scsi_get_be64(buf + 16), 0xbbbb);
    assert_int_equal(pr_in(t, SCSI_PR_IN_READ_RESERVATION, buf, sizeof(buf)), SCSI_STATUS_GOOD);
    assert_int_equal(scsi_get_be32(buf + 4), 16);
    assert_int_equal(scsi_get_be64(buf + 8), 0xaaaa);
    assert_int_equal(buf[21] & 0x0f, SCSI_PR_TYPE_WE);
    /* The reservation acts as before: the holder writes, the other registrant conflicts. */
    assert_int_equal(write1(t, &t->a), SCSI_STATUS_GOOD);
    assert_int_equal(write1(t, &t->b), SCSI_STATUS_RESERVATION_CONFLICT);
    /* And is still kept: a change after the restart is persisted again. */
    assert_int_equal(pr_out(t, &t->a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_WE, 0xaaaa, 0, 0, &c), SCSI_STATUS_GOOD);
    lu_close(t);
    assert_int_equal(lu_open(t, true), 0);
    clear_ua(t);
    assert_int_equal(pr_in(t, SCSI_PR_IN_READ_RESERVATION, buf, sizeof(buf)), SCSI_STATUS_GOOD);
    assert_int_equal(scsi_get_be32(buf + 4), 0);
    assert_int_equal(write1(t, &t->b), SCSI_STATUS_GOOD);

    /* A REGISTER with APTPL 0 forgets the kept state: the file goes, a restart starts empty. */
    assert_int_equal(pr_out(t, &t->b, SCSI_PR_OUT_REGISTER, 0, 0xbbbb, 0xbbbc, 0, &c), SCSI_STATUS_GOOD);
    assert_false(exists(t->pr));
    lu_close(t);
    assert_int_equal(lu_open(t, true), 0);
    assert_int_equal(scsi_pr_registration_count(scsi_lu_pr(scsi_lu_store_lu(t->sls))), 0);
    lu_close(t);
    assert_int_equal(dir_entries(t->dir), 1);
}

/* ------------------------------------------------------------ a bad file */
static void corrupt_file_set_aside(void **state)
{
    struct t *t = *state;
    char bad[330];
    struct scsi_cmd c;
    uint8_t *blob = NULL;
    size_t len = 0;

    /* A real state with one byte flipped: the CRC catches it. */
    assert_int_equal(lu_open(t, true), 0);
    clear_ua(t);
    assert_int_equal(pr_out(t, &t->a, SCSI_PR_OUT_REGISTER, 0, 0, 0x1234, 0x01, &c), SCSI_STATUS_GOOD);
    lu_close(t);
    assert_int_equal(lu_aptpl_read(t->pr, &blob, &len), 0);
    assert_true(len > 40);
    blob[36] ^= 0x40;
    assert_int_equal(lu_aptpl_write(t->pr, blob, len), 0);
    free(blob);

    assert_int_equal(lu_open(t, true), 0);
    assert_int_equal(scsi_pr_registration_count(scsi_lu_pr(scsi_lu_store_lu(t->sls))), 0);
    snprintf(bad, sizeof(bad), "%s.bad", t->pr);
    assert_false(exists(t->pr));
    assert_true(exists(bad));
    /* The LU works and keeps new APTPL state again. */
    clear_ua(t);
    assert_int_equal(write1(t, &t->b), SCSI_STATUS_GOOD);
    assert_int_equal(pr_out(t, &t->b, SCSI_PR_OUT_REGISTER, 0, 0, 0x5678, 0x01, &c), SCSI_STATUS_GOOD);
    assert_true(exists(t->pr));
    lu_close(t);

    /* Garbage of every length up to a header's worth is refused the same way. */
    for (size_t n = 0; n < 40; n += 7) {
        uint8_t junk[40];

        memset(junk, 0x5a, sizeof(junk));
        memcpy(junk, "XVPR", n < 4 ? n : 4);
        assert_int_equal(lu_aptpl_write(t->pr, junk, n ? n : 1), 0);
        assert_int_equal(lu_open(t, true), 0);
        assert_int_equal(scsi_pr_registration_count(scsi_lu_pr(scsi_lu_store_lu(t->sls))), 0);
        assert_false(exists(t->pr));
        lu_close(t);
    }
}

static void unreadable_file_fails_the_open(void **state)
{
    struct t *t = *state;

    assert_int_equal(mkdir(t->pr, 0700), 0);
    assert_true(lu_open(t, true) < 0);
    assert_null(t->sls);
    /* Without the APTPL file the same backing opens. */
    assert_int_equal(lu_open(t, false), 0);
    lu_close(t);
    rmdir(t->pr);
}

static void aptpl_refused_without_the_file(void **state)
{
    struct t *t = *state;
    struct scsi_cmd c;

    assert_int_equal(lu_open(t, false), 0);
    clear_ua(t);
    assert_int_equal(pr_out(t, &t->a, SCSI_PR_OUT_REGISTER, 0, 0, 0x1111, 0x01, &c),
                     SCSI_STATUS_CHECK_CONDITION);
    assert_int_equal(c.sense[2] & 0x0f, SCSI_SK_ILLEGAL_REQUEST);
    assert_int_equal(c.sense[12], 0x26);                /* INVALID FIELD IN PARAMETER LIST */
    assert_int_equal(c.sense[15], 0x80 | 0x08 | 0);     /* SKSV, BPV, bit 0 */
    assert_int_equal(scsi_get_be16(c.sense + 16), 20);  /* byte 20: APTPL */
    assert_false(exists(t->pr));
    assert_int_equal(pr_out(t, &t->a, SCSI_PR_OUT_REGISTER, 0, 0, 0x1111, 0, &c), SCSI_STATUS_GOOD);
    assert_false(exists(t->pr));
    lu_close(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(file_helpers, setup, teardown),
        cmocka_unit_test_setup_teardown(restart_keeps_registrations_and_reservation, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_file_set_aside, setup, teardown),
        cmocka_unit_test_setup_teardown(unreadable_file_fails_the_open, setup, teardown),
        cmocka_unit_test_setup_teardown(aptpl_refused_without_the_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
