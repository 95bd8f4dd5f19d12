/* SPDX-License-Identifier: MIT */
/*
 * test_loop_grant.c - loopback grants through the ring seam (xvios/ring.h):
 * a frontend domain (7) grants pages of its area; backend domain 5 maps and
 * copies exactly what it was granted, with the granted access. Refused with
 * Xen's errors: never granted, granted to another domain (6), revoked,
 * read-only for a write, beyond the table; argument errors (a copy crossing
 * a page, len 0, ...) refuse the whole call before anything is copied. A
 * grant in use cannot be revoked. A frontend in another process works the
 * same; a stale or forged publication is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/loopback.h"
#include "xvios/ring.h"

#define FE 7
#define BE 5
#define OTHER 6
#define PG XVIOS_GNT_PAGE_SIZE

struct env {
    xvios_plat *fe, *be, *other;
    xvios_loop_gntshr *gs;
};

static void env_open(struct loop_fixture *f, struct env *e, unsigned npages)
{
    e->fe = loop_fixture_open(f->root, FE);
    e->be = loop_fixture_open(f->root, BE);
    e->other = loop_fixture_open(f->root, OTHER);
    assert_non_null(e->fe);
    assert_non_null(e->be);
    assert_non_null(e->other);
    assert_int_equal(xvios_loop_gntshr_open(e->fe, npages, &e->gs), 0);
}

static void env_close(struct env *e)
{
    xvios_loop_gntshr_close(e->gs);
    xvios_plat_close(e->fe);
    xvios_plat_close(e->be);
    xvios_plat_close(e->other);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7u + seed);
}

static void test_map_and_copy(void **state)
{
    struct env e;
    xvios_gnt *g = NULL;
    uint32_t r1, r2, refs[2];
    uint8_t *page1, *page2, *m = NULL, buf[300], want[300];
    struct xvios_gnt_seg segs[2];

    env_open(*state, &e, 8);
    page1 = xvios_loop_gntshr_page(e.gs, 1);
    page2 = xvios_loop_gntshr_page(e.gs, 5);
    assert_null(xvios_loop_gntshr_page(e.gs, 8));
    fill(page1, PG, 1);
    fill(page2, PG, 2);
    assert_int_equal(xvios_loop_gntshr_grant(e.gs, 1, BE, false, &r1), 0);
    assert_int_equal(xvios_loop_gntshr_grant(e.gs, 5, BE, false, &r2), 0);
    assert_true(r1 >= 8 && r2 >= 8 && r1 != r2);

    assert_int_equal(xvios_gnt_open(e.be, FE, 16, &g), 0);
    assert_int_equal(xvios_gnt_domid(g), FE);
    assert_true(xvios_gnt_copy_native(g));

    /* two pages mapped contiguously, in gref order, shared both ways */
    refs[0] = r2;
    refs[1] = r1;
    assert_int_equal(xvios_gnt_map(g, refs, 2, true, (void **)&m), 0);
    assert_memory_equal(m, page2, PG);
    assert_memory_equal(m + PG, page1, PG);
    m[PG + 10] = 0xAB;
    assert_int_equal(page1[10], 0xAB);
    page2[20] = 0xCD;
    assert_int_equal(m[20], 0xCD);
    /* a mapped grant cannot be revoked */
    assert_true(xvios_loop_gntshr_busy(e.gs, r1));
    assert_int_equal(xvios_loop_gntshr_revoke(e.gs, r1), -EBUSY);
    assert_int_equal(xvios_gnt_unmap(g, m, 2), 0);
    assert_false(xvios_loop_gntshr_busy(e.gs, r1));

    /* copy out of one page and into another in one batch */
    memset(segs, 0, sizeof(segs));
    segs[0] = (struct xvios_gnt_seg){.gref = r1, .offset = 100, .len = 300, .buf = buf, .dir = XVIOS_GNT_FROM_FE};
    memcpy(want, page1 + 100, 300);
    uint8_t out[PG];
    fill(out, PG, 9);
    segs[1] = (struct xvios_gnt_seg){.gref = r2, .offset = 0, .len = PG, .buf = out, .dir = XVIOS_GNT_TO_FE};
    assert_int_equal(xvios_gnt_copy(g, segs, 2), 0);
    assert_int_equal(segs[0].status, 0);
    assert_int_equal(segs[1].status, 0);
    assert_memory_equal(buf, want, 300);
    assert_memory_equal(page2, out, PG);

    /* revoke after use: now refused */
    assert_int_equal(xvios_loop_gntshr_revoke(e.gs, r1), 0);
    assert_int_equal(xvios_loop_gntshr_revoke(e.gs, r1), -EINVAL);
    assert_int_equal(xvios_gnt_copy(g, segs, 1), 1);
    assert_int_equal(segs[0].status, -EPERM);
    assert_int_equal(xvios_gnt_map(g, &r1, 1, false, (void **)&m), -EINVAL);
    assert_null(m);
    xvios_gnt_close(g);
    env_close(&e);
}

static void test_refusals(void **state)
{
    struct env e;
    xvios_gnt *g = NULL, *g6 = NULL;
    uint32_t ro, for6, rw, never = 40, refs[2];
    uint8_t buf[64], *m = NULL;
    struct xvios_gnt_seg s[4];

    env_open(*state, &e, 8);
    fill(xvios_loop_gntshr_page(e.gs, 2), PG, 3);
    assert_int_equal(xvios_loop_gntshr_grant(e.gs, 2, BE, true, &ro), 0);
    assert_int_equal(xvios_loop_gntshr_grant(e.gs, 3, OTHER, false, &for6), 0);
    assert_int_equal(xvios_loop_gntshr_grant(e.gs, 4, BE, false, &rw), 0);
    assert_int_equal(xvios_gnt_open(e.be, FE, 16, &g), 0);
    assert_int_equal(xvios_gnt_open(e.other, FE, 16, &g6), 0);

    memset(s, 0, sizeof(s));
    s[0] = (struct xvios_gnt_seg){.gref = never, .offset = 0, .len = 64, .buf = buf, .dir = XVIOS_GNT_FROM_FE};
    s[1] = (struct xvios_gnt_seg){.gref = for6, .offset = 0, .len = 64, .buf = buf, .dir = XVIOS_GNT_FROM_FE};
    s[2] = (struct xvios_gnt_seg){.gref = ro, .offset = 0, .len = 64, .buf = buf, .dir = XVIOS_GNT_TO_FE};
    s[3] = (struct xvios_gnt_seg){.gref = 1u << 20, .offset = 0, .len = 64, .buf = buf, .dir = XVIOS_GNT_FROM_FE};
    assert_int_equal(xvios_gnt_copy(g, s, 4), 4);
    assert_int_equal(s[0].status, -EPERM);   /* never granted */
    assert_int_equal(s[1].status, -EPERM);   /* granted to another domain */
    assert_int_equal(s[2].status, -EPERM);   /* read-only, written */
    assert_int_equal(s[3].status, -EINVAL);  /* beyond the table */
    s[0].gref = 0;                           /* reserved entries are never grants */
    assert_int_equal(xvios_gnt_copy(g, s, 1), 1);
    assert_int_equal(s[0].status, -EPERM);
    /* what the other domain was granted works for it, and read-only reads work for us */
    assert_int_equal(xvios_gnt_copy(g6, &s[1], 1), 0);
    s[2].dir = XVIOS_GNT_FROM_FE;
    assert_int_equal(xvios_gnt_copy(g, &s[2], 1), 0);
    assert_memory_equal(buf, xvios_loop_gntshr_page(e.gs, 2), 64);

    /* map: read-only grant writable, and all-or-nothing */
    assert_int_equal(xvios_gnt_map(g, &ro, 1, true, (void **)&m), -EINVAL);
    assert_int_equal(xvios_gnt_map(g, &ro, 1, false, (void **)&m), 0);
    assert_int_equal(m[5], ((uint8_t *)xvios_loop_gntshr_page(e.gs, 2))[5]);
    assert_int_equal(xvios_gnt_unmap(g, m, 1), 0);
    refs[0] = rw;
    refs[1] = for6;
    assert_int_equal(xvios_gnt_map(g, refs, 2, true, (void **)&m), -EINVAL);
    assert_false(xvios_loop_gntshr_busy(e.gs, rw)); /* the first was given back */
    assert_int_equal(xvios_loop_gntshr_revoke(e.gs, rw), 0);

    /* grants the granting side refuses to make */
    assert_int_equal(xvios_loop_gntshr_grant(e.gs, 8, BE, false, &rw), -EINVAL);
    assert_int_equal(xvios_loop_gntshr_grant(e.gs, 1, FE, false, &rw), -EINVAL);
    assert_int_equal(xvios_loop_gntshr_revoke(e.gs, 3), -EINVAL);
    xvios_gnt_close(g);
    xvios_gnt_close(g6);
    env_close(&e);
}

static void test_argument_checks(void **state)
{
    struct env e;
    xvios_gnt *g = NULL;
    uint32_t r, refs[XVIOS_GNT_MAX_MAP + 1];
    uint8_t buf[PG], *m = NULL, *m2 = NULL;
    struct xvios_gnt_seg s[2];

    env_open(*state, &e, 4);
    assert_int_equal(xvios_loop_gntshr_grant(e.gs, 0, BE, false, &r), 0);
    assert_int_equal(xvios_gnt_open(e.be, FE, 0, &g), -EINVAL);
    assert_int_equal(xvios_gnt_open(e.be, FE, XVIOS_GNT_MAX_GRANTS + 1, &g), -EINVAL);
    assert_int_equal(xvios_gnt_open(e.be, BE, 4, &g), -EINVAL);          /* ourselves */
    assert_int_equal(xvios_gnt_open(e.be, 0x7ff0, 4, &g), -EINVAL);      /* reserved domid */
    assert_int_equal(xvios_gnt_open(e.be, 9, 4, &g), -ENOENT);           /* publishes nothing */
    assert_null(g);
    assert_int_equal(xvios_gnt_open(e.be, FE, 2, &g), 0);

    /* a segment crossing the page refuses the whole batch: the good one is not copied either */
    memset(buf, 0x55, sizeof(buf));
    memset(s, 0, sizeof(s));
    s[0] = (struct xvios_gnt_seg){.gref = r, .offset = 0, .len = 16, .buf = buf, .dir = XVIOS_GNT_TO_FE};
    s[1] = (struct xvios_gnt_seg){.gref = r, .offset = 4000, .len = 200, .buf = buf, .dir = XVIOS_GNT_TO_FE};
    assert_int_equal(xvios_gnt_copy(g, s, 2), -EINVAL);
    assert_int_not_equal(((uint8_t *)xvios_loop_gntshr_page(e.gs, 0))[0], 0x55);
    s[1] = (struct xvios_gnt_seg){.gref = r, .offset = 4095, .len = 2, .buf = buf, .dir = XVIOS_GNT_TO_FE};
    assert_int_equal(xvios_gnt_copy(g, s, 2), -EINVAL);
    s[1] = (struct xvios_gnt_seg){.gref = r, .offset = 0, .len = 0, .buf = buf, .dir = XVIOS_GNT_TO_FE};
    assert_int_equal(xvios_gnt_copy(g, s, 2), -EINVAL);
    s[1] = (struct xvios_gnt_seg){.gref = r, .offset = 0, .len = 8, .buf = NULL, .dir = XVIOS_GNT_TO_FE};
    assert_int_equal(xvios_gnt_copy(g, s, 2), -EINVAL);
    s[1] = (struct xvios_gnt_seg){.gref = r, .offset = 0, .len = 8, .buf = buf, .dir = 3};
    assert_int_equal(xvios_gnt_copy(g, s, 2), -EINVAL);
    assert_int_equal(xvios_gnt_copy(g, s, 0), -EINVAL);
    assert_int_equal(xvios_gnt_copy(g, s, XVIOS_GNT_MAX_COPY_SEGS + 1), -EINVAL);
    assert_int_not_equal(((uint8_t *)xvios_loop_gntshr_page(e.gs, 0))[0], 0x55);
    s[1] = (struct xvios_gnt_seg){.gref = r, .offset = 4095, .len = 1, .buf = buf, .dir = XVIOS_GNT_TO_FE};
    assert_int_equal(xvios_gnt_copy(g, s, 2), 0);                        /* the last byte is fine */
    assert_int_equal(((uint8_t *)xvios_loop_gntshr_page(e.gs, 0))[4095], 0x55);

    /* map counts and the max_grants budget */
    for (unsigned i = 0; i <= XVIOS_GNT_MAX_MAP; i++)
        refs[i] = r;
    assert_int_equal(xvios_gnt_map(g, refs, 0, true, (void **)&m), -EINVAL);
    assert_int_equal(xvios_gnt_map(g, refs, XVIOS_GNT_MAX_MAP + 1, true, (void **)&m), -EINVAL);
    assert_int_equal(xvios_gnt_map(g, refs, 3, true, (void **)&m), -ENOSPC);
    assert_int_equal(xvios_gnt_map(g, refs, 2, true, (void **)&m), 0);   /* the same grant twice is fine */
    assert_int_equal(xvios_gnt_map(g, refs, 1, true, (void **)&m2), -ENOSPC);
    assert_int_equal(xvios_gnt_unmap(g, m, 1), -EINVAL);                 /* count must match */
    assert_int_equal(xvios_gnt_unmap(g, m + PG, 1), -EINVAL);            /* not what map returned */
    assert_int_equal(xvios_gnt_unmap(g, buf, 1), -EINVAL);
    assert_int_equal(xvios_gnt_unmap(g, m, 2), 0);
    assert_int_equal(xvios_gnt_unmap(g, m, 2), -EINVAL);                 /* twice */
    /* a mapping left behind is unmapped (and given back) by close */
    assert_int_equal(xvios_gnt_map(g, refs, 1, false, (void **)&m), 0);
    xvios_gnt_close(g);
    assert_false(xvios_loop_gntshr_busy(e.gs, r));
    assert_int_equal(xvios_loop_gntshr_revoke(e.gs, r), 0);
    env_close(&e);
}

/* A frontend in another process: the backend opens its memfds through /proc. */
static void test_frontend_process(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *be = loop_fixture_open(f->root, BE);
    int to_parent[2], to_child[2];
    uint32_t gref = 0;
    xvios_gnt *g = NULL;
    struct xvios_gnt_seg s = {0};
    uint8_t buf[PG], want[PG];
    pid_t pid;
    char c = 0;
    int status = 0;

    assert_non_null(be);
    assert_int_equal(pipe(to_parent), 0);
    assert_int_equal(pipe(to_child), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        xvios_plat *fe = loop_fixture_open(f->root, FE);
        xvios_loop_gntshr *gs = NULL;
        uint32_t r = 0;

        if (!fe || xvios_loop_gntshr_open(fe, 4, &gs) < 0 || xvios_loop_gntshr_grant(gs, 3, BE, false, &r) < 0)
            _exit(1);
        fill(xvios_loop_gntshr_page(gs, 3), PG, 42);
        if (write(to_parent[1], &r, sizeof(r)) != (ssize_t)sizeof(r) || read(to_child[0], &c, 1) != 1)
            _exit(2);
        /* the parent wrote into our page: report what it wrote (and leave nothing behind) */
        int ok = ((uint8_t *)xvios_loop_gntshr_page(gs, 3))[0] == 0xEE;
        xvios_loop_gntshr_close(gs);
        xvios_plat_close(fe);
        xvios_plat_close(be);
        _exit(ok ? 0 : 3);
    }
    assert_int_equal(read(to_parent[0], &gref, sizeof(gref)), (ssize_t)sizeof(gref));
    assert_int_equal(xvios_gnt_open(be, FE, 4, &g), 0);
    s = (struct xvios_gnt_seg){.gref = gref, .offset = 0, .len = PG, .buf = buf, .dir = XVIOS_GNT_FROM_FE};
    assert_int_equal(xvios_gnt_copy(g, &s, 1), 0);
    fill(want, PG, 42);
    assert_memory_equal(buf, want, PG);
    buf[0] = 0xEE;
    s.dir = XVIOS_GNT_TO_FE;
    s.len = 1;
    assert_int_equal(xvios_gnt_copy(g, &s, 1), 0);
    assert_int_equal(write(to_child[1], "x", 1), 1);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* the frontend is gone: what we hold stays safe to use; a new open finds nobody */
    s.dir = XVIOS_GNT_FROM_FE;
    assert_int_equal(xvios_gnt_copy(g, &s, 1), 0);
    xvios_gnt_close(g);
    assert_int_equal(xvios_gnt_open(be, FE, 4, &g), -ENOENT);
    close(to_parent[0]);
    close(to_parent[1]);
    close(to_child[0]);
    close(to_child[1]);
    xvios_plat_close(be);
}

static void test_forged_publication(void **state)
{
    struct loop_fixture *f = *state;
    struct env e;
    xvios_gnt *g = NULL;
    char text[128];
    xvios_loop_gntshr *second = NULL;

    env_open(f, &e, 2);
    /* one area per domain while its process lives */
    assert_int_equal(xvios_loop_gntshr_open(e.fe, 2, &second), 0); /* same process: replaces it */
    xvios_loop_gntshr_close(second);
    assert_int_equal(xvios_gnt_open(e.be, FE, 4, &g), -ENOENT);     /* closing unpublished it */
    /* our own pid, but fds that are no grant area */
    snprintf(text, sizeof(text), "%ld 0 1 0123456789abcdef\n", (long)getpid());
    assert_int_equal(loop_fixture_put_file(f->root, "grants/7", text, strlen(text)), 0);
    assert_int_equal(xvios_gnt_open(e.be, FE, 4, &g), -EPROTO);
    assert_int_equal(loop_fixture_put_file(f->root, "grants/7", "garbage\n", 8), 0);
    assert_int_equal(xvios_gnt_open(e.be, FE, 4, &g), -EPROTO);
    assert_int_equal(loop_fixture_put_file(f->root, "grants/7", "999999999 3 4 1\n", 16), 0);
    assert_int_equal(xvios_gnt_open(e.be, FE, 4, &g), -ENOENT);     /* no such process */
    assert_null(g);
    xvios_loop_gntshr_close(e.gs);
    e.gs = NULL;
    env_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_map_and_copy),
        LOOP_FIXTURE_TEST(test_refusals),
        LOOP_FIXTURE_TEST(test_argument_checks),
        LOOP_FIXTURE_TEST(test_frontend_process),
        LOOP_FIXTURE_TEST(test_forged_publication),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
