/* SPDX-License-Identifier: MIT */
/* test_vke_journal.c - the receipt journal: append, done, compaction, bound, replay of what a killed
 * incarnation left (open records reported), torn and garbage files, a FIFO or directory in its place. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "xen/vke/vke_journal.h"

struct fx {
    char dir[64];
    char path[96];
    struct vke_jrec lost[16];
    bool handed[16];
    unsigned n_lost;
};

static void on_lost(void *arg, const struct vke_jrec *r, bool handed)
{
    struct fx *f = arg;
    if (f->n_lost < 16) {
        f->lost[f->n_lost] = *r;
        f->handed[f->n_lost] = handed;
    }
    f->n_lost++;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/xvios-jtest.XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, VKE_JOURNAL_FILE);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    unlink(f->path);
    rmdir(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static off_t size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static struct vke_jrec rec(uint32_t node, uint64_t txid)
{
    return (struct vke_jrec){ .node = node, .epoch = 7, .msg_type = 0x20000 + node, .txid = txid,
                              .received_ms = 1700000000123ull };
}

static void write_file(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

static void append_done_compact(void **state)
{
    struct fx *f = *state;
    struct vke_journal j;
    struct vke_jrec r1 = rec(2, 0x200000001ull), r2 = rec(3, 0x300000001ull), r3 = rec(2, 0x200000002ull);
    uint32_t s1, s2, s3, s4;

    assert_int_equal(vke_journal_open(&j, f->path, 8, on_lost, f, NULL), 0);
    assert_int_equal(f->n_lost, 0);
    assert_int_equal(size_of(f->path), 0);
    s1 = vke_journal_add(&j, &r1);
    s2 = vke_journal_add(&j, &r2);
    s3 = vke_journal_add(&j, &r3);
    assert_int_equal(s1, 0);
    assert_int_equal(s2, 1);
    assert_int_equal(s3, 2);
    assert_int_equal(size_of(f->path), 3 * VKE_JOURNAL_REC);
    vke_journal_done(&j, s2);
    assert_int_equal(j.n_open, 2);
    assert_int_equal(size_of(f->path), 3 * VKE_JOURNAL_REC);    /* slot 1 now holds a done record */
    s4 = vke_journal_add(&j, &r2);
    assert_int_equal(s4, 1);                                     /* the lowest free slot is reused */
    vke_journal_done(&j, s1);
    vke_journal_done(&j, s1);                                    /* twice: ignored */
    vke_journal_done(&j, VKE_JOURNAL_NONE);
    assert_int_equal(j.n_open, 2);
    vke_journal_done(&j, s3);
    vke_journal_done(&j, s4);
    assert_int_equal(j.n_open, 0);
    assert_int_equal(size_of(f->path), 3 * VKE_JOURNAL_REC);    /* every slot says done: no file operation */
    s1 = vke_journal_add(&j, &r1);
    assert_int_equal(s1, 0);                                     /* slot 0 again: the file does not grow */
    vke_journal_done(&j, s1);
    assert_int_equal(size_of(f->path), 3 * VKE_JOURNAL_REC);
    vke_journal_close(&j);
    /* a clean end leaves nothing to report */
    assert_int_equal(vke_journal_open(&j, f->path, 8, on_lost, f, NULL), 0);
    assert_int_equal(f->n_lost, 0);
    vke_journal_close(&j);
}

static void bounded_by_cap(void **state)
{
    struct fx *f = *state;
    struct vke_journal j;
    struct vke_jrec r = rec(2, 0x200000001ull);

    assert_int_equal(vke_journal_open(&j, f->path, 4, on_lost, f, NULL), 0);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(vke_journal_add(&j, &r), i);
    assert_int_equal(vke_journal_add(&j, &r), VKE_JOURNAL_NONE);
    for (unsigned round = 0; round < 100; round++) {   /* a steady stream never grows the file */
        vke_journal_done(&j, round % 4);
        assert_int_equal(vke_journal_add(&j, &r), round % 4);
    }
    assert_int_equal(size_of(f->path), 4 * VKE_JOURNAL_REC);
    vke_journal_close(&j);
    assert_int_equal(vke_journal_open(&j, f->path, 0, on_lost, f, NULL), -EINVAL);
}

static void replay_reports_open_records(void **state)
{
    struct fx *f = *state;
    struct vke_journal j;
    struct vke_journal_replay found;
    struct vke_jrec r1 = rec(2, 0x200000001ull), r2 = rec(3, 0x300000009ull), r3 = rec(4, 0x400000003ull);

    assert_int_equal(vke_journal_open(&j, f->path, 8, on_lost, f, NULL), 0);
    vke_journal_add(&j, &r1);
    uint32_t s2 = vke_journal_add(&j, &r2);
    uint32_t s3 = vke_journal_add(&j, &r3);
    vke_journal_done(&j, s2);
    vke_journal_handed(&j, s3);
    vke_journal_handed(&j, s2);            /* done already: no effect */
    vke_journal_close(&j);                 /* as a SIGKILL leaves it: one held, one handed, one done */

    assert_int_equal(vke_journal_open(&j, f->path, 8, on_lost, f, &found), 0);
    assert_int_equal(found.open, 2);
    assert_int_equal(found.handed, 1);
    assert_int_equal(found.done, 1);
    assert_int_equal(found.bad, 0);
    assert_int_equal(found.torn, 0);
    assert_int_equal(f->n_lost, 2);
    assert_int_equal(f->lost[0].node, 2);
    assert_int_equal(f->lost[0].txid, 0x200000001ull);
    assert_int_equal(f->lost[0].epoch, 7);
    assert_int_equal(f->lost[0].msg_type, 0x20002);
    assert_int_equal(f->lost[0].received_ms, 1700000000123ull);
    assert_false(f->handed[0]);
    assert_int_equal(f->lost[1].node, 4);
    assert_int_equal(f->lost[1].txid, 0x400000003ull);
    assert_int_equal(f->lost[1].epoch, 7);             /* rewritten "handed" whole */
    assert_true(f->handed[1]);
    assert_int_equal(size_of(f->path), 0); /* a fresh journal: reported once, never again */
    vke_journal_close(&j);
    f->n_lost = 0;
    assert_int_equal(vke_journal_open(&j, f->path, 8, on_lost, f, &found), 0);
    assert_int_equal(found.open, 0);
    assert_int_equal(f->n_lost, 0);
    vke_journal_close(&j);
}

static void torn_last_record_ignored(void **state)
{
    struct fx *f = *state;
    struct vke_journal j;
    struct vke_journal_replay found;
    uint8_t buf[3 * VKE_JOURNAL_REC];
    struct vke_jrec r1 = rec(2, 0x200000001ull), r2 = rec(3, 0x300000001ull);

    vke_journal_encode(buf, &r1, 0, VKE_J_HELD);
    vke_journal_encode(buf + VKE_JOURNAL_REC, &r2, 1, VKE_J_HANDED);
    vke_journal_encode(buf + 2 * VKE_JOURNAL_REC, &r2, 2, VKE_J_HELD);
    write_file(f->path, buf, 2 * VKE_JOURNAL_REC + 20);
    assert_int_equal(vke_journal_open(&j, f->path, 8, on_lost, f, &found), 0);
    assert_int_equal(found.open, 2);
    assert_int_equal(found.torn, 20);
    assert_int_equal(f->n_lost, 2);
    vke_journal_close(&j);
}

static void garbage_records_skipped(void **state)
{
    struct fx *f = *state;
    struct vke_journal j;
    struct vke_journal_replay found;
    uint8_t buf[8 * VKE_JOURNAL_REC];
    struct vke_jrec r = rec(2, 0x200000001ull), out;
    enum vke_jstate st;

    for (size_t i = 0; i < VKE_JOURNAL_REC; i++)
        buf[i] = (uint8_t)(i * 37 + 11);                        /* 0: noise */
    vke_journal_encode(buf + 1 * VKE_JOURNAL_REC, &r, 1, VKE_J_HELD);
    buf[1 * VKE_JOURNAL_REC + 17] ^= 0x40;                           /* 1: a flipped bit (check fails) */
    vke_journal_encode(buf + 2 * VKE_JOURNAL_REC, &r, 5, VKE_J_HELD); /* 2: a record of another slot */
    vke_journal_encode(buf + 3 * VKE_JOURNAL_REC, &r, 3, VKE_J_HELD);
    buf[3 * VKE_JOURNAL_REC + 4] = 9;                                /* 3: another version */
    vke_journal_encode(buf + 4 * VKE_JOURNAL_REC, &r, 4, VKE_J_HELD); /* 4: good */
    memset(buf + 5 * VKE_JOURNAL_REC, 0, VKE_JOURNAL_REC);            /* 5: zeros */
    vke_journal_encode(buf + 6 * VKE_JOURNAL_REC, &r, 6, (enum vke_jstate)7); /* 6: an unknown state */
    vke_journal_encode(buf + 7 * VKE_JOURNAL_REC, &r, 7, VKE_J_DONE); /* 7: done */
    assert_int_equal(vke_journal_decode(buf + 4 * VKE_JOURNAL_REC, 4, &out, &st), 0);
    assert_int_equal(st, VKE_J_HELD);
    assert_int_equal(out.txid, 0x200000001ull);
    assert_int_equal(vke_journal_decode(buf + 1 * VKE_JOURNAL_REC, 1, &out, &st), -EINVAL);
    write_file(f->path, buf, sizeof(buf));
    assert_int_equal(vke_journal_open(&j, f->path, 8, on_lost, f, &found), 0);
    assert_int_equal(found.bad, 6);
    assert_int_equal(found.done, 1);
    assert_int_equal(found.open, 1);
    assert_int_equal(f->n_lost, 1);
    assert_int_equal(f->lost[0].txid, 0x200000001ull);
    assert_int_equal(size_of(f->path), 0);
    vke_journal_close(&j);
}

static void not_a_regular_file(void **state)
{
    struct fx *f = *state;
    struct vke_journal j;

    assert_int_equal(mkfifo(f->path, 0600), 0);   /* must not block the start */
    assert_int_equal(vke_journal_open(&j, f->path, 8, on_lost, f, NULL), 0);
    assert_int_equal(f->n_lost, 0);
    assert_int_equal(size_of(f->path), 0);
    vke_journal_close(&j);
    unlink(f->path);
    assert_int_equal(symlink("/dev/zero", f->path), 0);   /* never followed */
    assert_int_equal(vke_journal_open(&j, f->path, 8, on_lost, f, NULL), 0);
    assert_int_equal(size_of(f->path), 0);
    vke_journal_close(&j);
    unlink(f->path);
    assert_int_equal(mkdir(f->path, 0700), 0);    /* cannot be replaced: refused, not open */
    assert_true(vke_journal_open(&j, f->path, 8, on_lost, f, NULL) < 0);
    assert_int_equal(j.fd, -1);
    assert_int_equal(vke_journal_add(&j, &(struct vke_jrec){ 0 }), VKE_JOURNAL_NONE);
    vke_journal_close(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(append_done_compact, setup, teardown),
        cmocka_unit_test_setup_teardown(bounded_by_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_reports_open_records, setup, teardown),
        cmocka_unit_test_setup_teardown(torn_last_record_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(garbage_records_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(not_a_regular_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
