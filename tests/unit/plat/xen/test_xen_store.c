/* SPDX-License-Identifier: MIT */
/*
 * test_xen_store.c - the Xen store and watches of the platform seam against
 * a faked libxenstore (xen_mock.c; functions bound in test_xen_store.wrap):
 * errno mapping, transaction EAGAIN and the caller's retry loop, exact
 * permission lists, value limits, directory listings, watch fd and events.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/plat/xen/xen_mock.h"
#include "xvios/platform.h"
#include "xvios/wire.h"
#include "xvios/xen.h"
#include "xen/plat/xen/plat_xen_internal.h"

static xvios_plat *open_xen(void)
{
    struct xvios_plat_config cfg = {.kind = XVIOS_PLAT_XEN};
    xvios_plat *p = NULL;

    assert_int_equal(xvios_plat_open(&cfg, &p), 0);
    assert_non_null(p);
    return p;
}

static int setup(void **state)
{
    (void)state;
    mock_xen_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mock_xen_reset();
    return 0;
}

static bool fd_readable(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

static void test_open_fails_without_xenstore(void **state)
{
    struct xvios_plat_config cfg = {.kind = XVIOS_PLAT_XEN};
    xvios_plat *p = (xvios_plat *)&cfg; /* any non-NULL value: open must clear it */

    (void)state;
    mock_xen.xs_open_fail = true;
    assert_int_equal(xvios_plat_open(&cfg, &p), -ENOENT);
    assert_null(p);
}

static void test_read_write_roundtrip(void **state)
{
    xvios_plat *p = open_xen();
    char *val = NULL;
    size_t len = 99;

    (void)state;
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/xvios/config/name", "alpha", 5), 0);
    assert_string_equal(mock_xs_get("/xvios/config/name"), "alpha");
    assert_true(mock_xs_exists("/xvios/config")); /* parents created */
    assert_int_equal(xvios_store_read(p, XVIOS_TX_NONE, "/xvios/config/name", &val, &len), 0);
    assert_int_equal(len, 5);
    assert_string_equal(val, "alpha");
    free(val);
    /* empty value */
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/xvios/empty", NULL, 0), 0);
    assert_int_equal(xvios_store_read(p, XVIOS_TX_NONE, "/xvios/empty", &val, &len), 0);
    assert_int_equal(len, 0);
    assert_string_equal(val, "");
    free(val);
    assert_int_equal(xvios_store_read(p, XVIOS_TX_NONE, "/xvios/none", &val, &len), -ENOENT);
    assert_null(val);
    xvios_plat_close(p);
}

static void test_value_limits(void **state)
{
    xvios_plat *p = open_xen();
    size_t big = XVIOS_STORE_MAX_VALUE + 1;
    char *buf = malloc(big);
    char *val = NULL;
    size_t len = 0;

    (void)state;
    assert_non_null(buf);
    memset(buf, 'x', big);
    /* exactly the limit is fine both ways */
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/big", buf, XVIOS_STORE_MAX_VALUE), 0);
    assert_int_equal(xvios_store_read(p, XVIOS_TX_NONE, "/big", &val, &len), 0);
    assert_int_equal(len, XVIOS_STORE_MAX_VALUE);
    assert_int_equal(val[len], '\0');
    free(val);
    val = NULL;
    /* one more is refused on write, and a store that hands back more is refused on read */
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/big", buf, big), -E2BIG);
    mock_xs_put("/big", buf, big);
    assert_int_equal(xvios_store_read(p, XVIOS_TX_NONE, "/big", &val, &len), -E2BIG);
    assert_null(val);
    free(buf);
    xvios_plat_close(p);
}

static void test_tx_eagain_propagates(void **state)
{
    xvios_plat *p = open_xen();
    xvios_tx tx;

    (void)state;
    mock_xen.tx_eagain = 1;
    assert_int_equal(xvios_store_tx_start(p, &tx), 0);
    assert_int_not_equal(tx, XVIOS_TX_NONE);
    assert_int_equal(xvios_store_tx_end(p, tx, true), -EAGAIN);
    /* aborting never conflicts */
    assert_int_equal(xvios_store_tx_start(p, &tx), 0);
    assert_int_equal(xvios_store_tx_end(p, tx, false), 0);
    assert_int_equal(mock_xen.tx_aborted, 1);
    xvios_plat_close(p);
}

/* The caller pattern of every xvios_db_* update: one transaction, retried on EAGAIN. */
static int bump_counter(xvios_plat *p, unsigned *attempts)
{
    for (unsigned i = 0; i < 8; i++) {
        xvios_tx tx;
        char *val = NULL;
        char out[24];
        int rc;

        (*attempts)++;
        rc = xvios_store_tx_start(p, &tx);
        if (rc < 0)
            return rc;
        rc = xvios_store_read(p, tx, "/xvios/next-node-id", &val, NULL);
        if (rc == 0) {
            snprintf(out, sizeof(out), "%ld", strtol(val, NULL, 10) + 1);
            free(val);
            rc = xvios_store_write(p, tx, "/xvios/next-node-id", out, strlen(out));
        }
        if (rc < 0) {
            xvios_store_tx_end(p, tx, false);
            return rc;
        }
        rc = xvios_store_tx_end(p, tx, true);
        if (rc != -EAGAIN)
            return rc;
    }
    return -EAGAIN;
}

static void test_tx_retry_loop_succeeds_third_time(void **state)
{
    xvios_plat *p = open_xen();
    unsigned attempts = 0;

    (void)state;
    mock_xs_put("/xvios/next-node-id", "1", 1);
    mock_xen.tx_eagain = 2;
    assert_int_equal(bump_counter(p, &attempts), 0);
    assert_int_equal(attempts, 3);
    assert_int_equal(mock_xen.tx_committed, 1);
    assert_int_equal(mock_xen.tx_started, 3);
    xvios_plat_close(p);
}

static void test_set_perms_exact(void **state)
{
    xvios_plat *p = open_xen();
    const struct xvios_perm perms[] = {
        {.domid = 0, .perm = XVIOS_PERM_NONE},
        {.domid = 5, .perm = XVIOS_PERM_READ},
        {.domid = 7, .perm = XVIOS_PERM_BOTH},
        {.domid = 9, .perm = XVIOS_PERM_WRITE},
    };
    xvios_tx tx;

    (void)state;
    mock_xs_put("/xvios", "", 0);
    assert_int_equal(xvios_store_tx_start(p, &tx), 0);
    assert_int_equal(xvios_store_set_perms(p, tx, "/xvios", perms, 4), 0);
    assert_int_equal(xvios_store_tx_end(p, tx, true), 0);
    assert_int_equal(mock_xen.set_perms_calls, 1);
    assert_string_equal(mock_xen.last_set_perms.path, "/xvios");
    assert_int_equal(mock_xen.last_set_perms.tx, tx);
    assert_int_equal(mock_xen.last_set_perms.num, 4);
    assert_int_equal(mock_xen.last_set_perms.perms[0].id, 0);
    assert_int_equal(mock_xen.last_set_perms.perms[0].perms, XS_PERM_NONE);
    assert_int_equal(mock_xen.last_set_perms.perms[1].id, 5);
    assert_int_equal(mock_xen.last_set_perms.perms[1].perms, XS_PERM_READ);
    assert_int_equal(mock_xen.last_set_perms.perms[2].id, 7);
    assert_int_equal(mock_xen.last_set_perms.perms[2].perms, XS_PERM_READ | XS_PERM_WRITE);
    assert_int_equal(mock_xen.last_set_perms.perms[3].id, 9);
    assert_int_equal(mock_xen.last_set_perms.perms[3].perms, XS_PERM_WRITE);
    /* missing node */
    assert_int_equal(xvios_store_set_perms(p, XVIOS_TX_NONE, "/nothere", perms, 1), -ENOENT);
    /* the seam refuses empty lists before the library sees them */
    assert_int_equal(xvios_store_set_perms(p, XVIOS_TX_NONE, "/xvios", perms, 0), -EINVAL);
    assert_int_equal(mock_xen.set_perms_calls, 2);
    xvios_plat_close(p);
}

/* A cluster-wide list (owner + XVIOS_MAX_NODES members, 5-digit domids) fits one XenStore message; a
 * list that does not is refused with E2BIG before the library sees it. */
static void test_set_perms_payload_bound(void **state)
{
    static struct xvios_perm perms[XVIOS_STORE_MAX_PERMS];
    static char longpath[3200];
    xvios_plat *p = open_xen();
    unsigned calls;

    (void)state;
    perms[0] = (struct xvios_perm){ 0, XVIOS_PERM_NONE };
    for (unsigned i = 1; i < XVIOS_STORE_MAX_PERMS; i++)
        perms[i] = (struct xvios_perm){ 32000u + i, XVIOS_PERM_READ };
    /* "/x\0" + "n0\0" + 256 * "r32xxx\0" */
    assert_int_equal(plat_xen_perms_payload("/x", perms, XVIOS_STORE_MAX_PERMS), 3 + 3 + 256 * 7);
    assert_true(plat_xen_perms_payload("/xvios/nodes/256/online", perms, XVIOS_STORE_MAX_PERMS) <= 4096);
    perms[1].domid = 7;
    assert_int_equal(plat_xen_perms_payload("/x", perms, 2), 3 + 3 + 3);

    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[3000] = '\0';
    calls = mock_xen.set_perms_calls;
    assert_int_equal(xvios_store_set_perms(p, XVIOS_TX_NONE, longpath, perms, XVIOS_STORE_MAX_PERMS), -E2BIG);
    assert_int_equal(mock_xen.set_perms_calls, calls);
    assert_int_equal(xvios_store_set_perms(p, XVIOS_TX_NONE, longpath, perms, XVIOS_STORE_MAX_PERMS + 1), -EINVAL);
    assert_int_equal(mock_xen.set_perms_calls, calls);
    xvios_plat_close(p);
}

static void test_get_perms_maps_bits(void **state)
{
    xvios_plat *p = open_xen();
    const struct xs_permissions raw[] = {
        {.id = 3, .perms = XS_PERM_READ | XS_PERM_OWNER},  /* internal bits are dropped */
        {.id = 0, .perms = XS_PERM_READ | XS_PERM_WRITE},
        {.id = 4, .perms = XS_PERM_NONE},
    };
    struct xvios_perm *perms = NULL;
    unsigned n = 0;

    (void)state;
    mock_xs_set_raw_perms("/local/domain/3/data", raw, 3);
    assert_int_equal(xvios_store_get_perms(p, XVIOS_TX_NONE, "/local/domain/3/data", &perms, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(perms[0].domid, 3);
    assert_int_equal(perms[0].perm, XVIOS_PERM_READ);
    assert_int_equal(perms[1].domid, 0);
    assert_int_equal(perms[1].perm, XVIOS_PERM_BOTH);
    assert_int_equal(perms[2].domid, 4);
    assert_int_equal(perms[2].perm, XVIOS_PERM_NONE);
    free(perms);
    assert_int_equal(xvios_store_get_perms(p, XVIOS_TX_NONE, "/none", &perms, &n), -ENOENT);
    xvios_plat_close(p);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void test_list_and_rm(void **state)
{
    xvios_plat *p = open_xen();
    char **names = NULL;
    unsigned n = 0;

    (void)state;
    mock_xs_put("/xvios/nodes/1/domid", "5", 1);
    mock_xs_put("/xvios/nodes/2/domid", "6", 1);
    mock_xs_put("/xvios/nodes/10/name", "v", 1);
    assert_int_equal(xvios_store_list(p, XVIOS_TX_NONE, "/xvios/nodes", &names, &n), 0);
    assert_int_equal(n, 3);
    qsort(names, n, sizeof(*names), cmp_str);
    assert_string_equal(names[0], "1");
    assert_string_equal(names[1], "10");
    assert_string_equal(names[2], "2");
    xvios_strv_free(names, n);
    /* an empty directory */
    assert_int_equal(xvios_store_mkdir(p, XVIOS_TX_NONE, "/xvios/clients"), 0);
    assert_int_equal(xvios_store_list(p, XVIOS_TX_NONE, "/xvios/clients", &names, &n), 0);
    assert_int_equal(n, 0);
    xvios_strv_free(names, n);
    assert_int_equal(xvios_store_list(p, XVIOS_TX_NONE, "/xvios/nope", &names, &n), -ENOENT);
    /* rm takes the subtree; a second rm says ENOENT, although xenstored acknowledges it */
    assert_int_equal(xvios_store_rm(p, XVIOS_TX_NONE, "/xvios/nodes"), 0);
    assert_false(mock_xs_exists("/xvios/nodes/1/domid"));
    assert_true(mock_xs_exists("/xvios"));
    assert_int_equal(xvios_store_rm(p, XVIOS_TX_NONE, "/xvios/nodes"), -ENOENT);
    xvios_plat_close(p);
}

static void test_watch_fd_and_events(void **state)
{
    xvios_plat *p = open_xen();
    char *path = NULL, *token = NULL;
    int fd = xvios_store_watch_fd(p);

    (void)state;
    assert_true(fd >= 0);
    assert_false(fd_readable(fd));
    assert_int_equal(xvios_store_watch_read(p, &path, &token), -EAGAIN);

    /* a new watch fires once */
    assert_int_equal(xvios_store_watch(p, "/xvios/nodes", "nodes"), 0);
    assert_true(fd_readable(fd));
    assert_int_equal(xvios_store_watch_read(p, &path, &token), 0);
    assert_string_equal(path, "/xvios/nodes");
    assert_string_equal(token, "nodes");
    free(path);
    free(token);
    assert_int_equal(xvios_store_watch_read(p, &path, &token), -EAGAIN);
    assert_null(path);
    assert_false(fd_readable(fd));

    /* a write below the watched node names the node that changed */
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/xvios/nodes/3/online", "1", 1), 0);
    assert_true(fd_readable(fd));
    assert_int_equal(xvios_store_watch_read(p, &path, &token), 0);
    assert_string_equal(path, "/xvios/nodes/3/online");
    assert_string_equal(token, "nodes");
    free(path);
    free(token);
    /* elsewhere: no event */
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/xvios/config/name", "c", 1), 0);
    assert_int_equal(xvios_store_watch_read(p, &path, &token), -EAGAIN);

    /* special paths */
    assert_int_equal(xvios_store_watch(p, "@releaseDomain", "rel"), 0);
    assert_int_equal(xvios_store_watch_read(p, &path, &token), 0);
    assert_string_equal(path, "@releaseDomain");
    assert_string_equal(token, "rel");
    free(path);
    free(token);

    /* after unwatch, nothing */
    assert_int_equal(xvios_store_unwatch(p, "/xvios/nodes", "nodes"), 0);
    assert_int_equal(xvios_store_unwatch(p, "/xvios/nodes", "nodes"), -ENOENT);
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/xvios/nodes/3/online", "0", 1), 0);
    assert_int_equal(xvios_store_watch_read(p, &path, &token), -EAGAIN);
    assert_false(fd_readable(fd));
    xvios_plat_close(p);
}

static void test_watch_event_with_oversized_path_dropped(void **state)
{
    xvios_plat *p = open_xen();
    char *path = NULL, *token = NULL;
    char *huge = malloc(XVIOS_STORE_MAX_PATH + 2);

    (void)state;
    assert_non_null(huge);
    memset(huge, 'a', XVIOS_STORE_MAX_PATH + 1);
    huge[0] = '/';
    huge[XVIOS_STORE_MAX_PATH + 1] = '\0';
    mock_xs_inject_event(huge, "t");
    mock_xs_inject_event("/ok", "t2");
    /* the bad one is skipped, the good one delivered */
    assert_int_equal(xvios_store_watch_read(p, &path, &token), 0);
    assert_string_equal(path, "/ok");
    assert_string_equal(token, "t2");
    free(path);
    free(token);
    assert_int_equal(xvios_store_watch_read(p, &path, &token), -EAGAIN);
    free(huge);
    xvios_plat_close(p);
}

static void test_bad_paths_never_reach_xenstore(void **state)
{
    xvios_plat *p = open_xen();
    char *val = NULL;

    (void)state;
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "relative/path", "x", 1), -EINVAL);
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, "/a//b", "x", 1), -EINVAL);
    assert_int_equal(xvios_store_read(p, XVIOS_TX_NONE, "/a/", &val, NULL), -EINVAL);
    assert_int_equal(xvios_store_watch(p, "@bogus", "t"), -EINVAL);
    assert_false(mock_xs_exists("/local/domain/0/relative/path"));
    xvios_plat_close(p);
}

static void test_release_watch_grant(void **state)
{
    const struct xs_permissions initial[] = {{.id = 0, .perms = XS_PERM_NONE}, {.id = 9, .perms = XS_PERM_WRITE}};

    static const uint32_t members[] = {5};
    xvios_plat *p;

    (void)state;
    mock_domain_add(5, "vios1", NULL);
    mock_domain_add(9, "other", NULL);
    mock_xs_set_raw_perms("@releaseDomain", initial, 2);
    p = open_xen();
    assert_int_equal(xvios_xen_release_watch_grant(p, 5, true, members, 1), 0);
    assert_int_equal(mock_xen.last_set_perms.num, 3);
    assert_string_equal(mock_xen.last_set_perms.path, "@releaseDomain");
    assert_int_equal(mock_xen.last_set_perms.perms[0].id, 0);
    assert_int_equal(mock_xen.last_set_perms.perms[0].perms, XS_PERM_NONE);
    assert_int_equal(mock_xen.last_set_perms.perms[1].id, 9);
    assert_int_equal(mock_xen.last_set_perms.perms[1].perms, XS_PERM_WRITE);
    assert_int_equal(mock_xen.last_set_perms.perms[2].id, 5);
    assert_int_equal(mock_xen.last_set_perms.perms[2].perms, XS_PERM_READ);
    /* idempotent: no second write */
    assert_int_equal(xvios_xen_release_watch_grant(p, 5, true, members, 1), 0);
    assert_int_equal(mock_xen.set_perms_calls, 1);
    /* an entry without READ gains it */
    assert_int_equal(xvios_xen_release_watch_grant(p, 9, true, members, 1), 0);
    assert_int_equal(mock_xen.last_set_perms.num, 3);
    assert_int_equal(mock_xen.last_set_perms.perms[1].perms, XS_PERM_READ | XS_PERM_WRITE);
    /* revoke drops exactly that entry */
    assert_int_equal(xvios_xen_release_watch_grant(p, 5, false, NULL, 0), 0);
    assert_int_equal(mock_xen.last_set_perms.num, 2);
    assert_int_equal(mock_xen.last_set_perms.perms[1].id, 9);
    assert_int_equal(xvios_xen_release_watch_grant(p, 5, false, NULL, 0), 0);
    assert_int_equal(mock_xen.set_perms_calls, 3);
    assert_int_equal(xvios_xen_release_watch_grant(p, 0, true, NULL, 0), -EINVAL);
    assert_int_equal(xvios_xen_release_watch_grant(p, 0x7ff0, true, NULL, 0), -EINVAL);
    assert_int_equal(xvios_xen_release_watch_grant(p, 5, true, NULL, 1), -EINVAL);
    assert_int_equal(xvios_xen_release_watch_grant(p, 5, true, members, XVIOS_MAX_NODES + 1), -EINVAL);
    assert_int_equal(xvios_xen_release_watch_grant(NULL, 5, true, members, 1), -EOPNOTSUPP);
    assert_int_equal(mock_xen.set_perms_calls, 3);
    xvios_plat_close(p);
}

/* A destroyed domain's entry is dropped; when xenstored cannot report the list, it is rebuilt from the members. */
static void test_release_watch_grant_after_destroyed_domain(void **state)
{
    const struct xs_permissions initial[] = {
        {.id = 0, .perms = XS_PERM_NONE}, {.id = 5, .perms = XS_PERM_READ}, {.id = 6, .perms = XS_PERM_READ}};
    const struct xs_permissions other[] = {
        {.id = 0, .perms = XS_PERM_NONE}, {.id = 5, .perms = XS_PERM_READ}, {.id = 9, .perms = XS_PERM_READ}};

    /* the members as the cluster DB lists them; domain 6 is one that was destroyed */
    static const uint32_t members[] = {5, 6, 7, 5};
    static const uint32_t after_remove[] = {5};
    xvios_plat *p;

    (void)state;
    mock_domain_add(5, "vios1", NULL);
    mock_domain_add(7, "vios3", NULL);
    p = open_xen();
    /* domain 6 was destroyed: its entry goes when 7 is granted */
    mock_xs_set_raw_perms("@releaseDomain", initial, 3);
    assert_int_equal(xvios_xen_release_watch_grant(p, 7, true, members, 4), 0);
    assert_int_equal(mock_xen.last_set_perms.num, 3);
    assert_int_equal(mock_xen.last_set_perms.perms[1].id, 5);
    assert_int_equal(mock_xen.last_set_perms.perms[2].id, 7);
    assert_int_equal(mock_xen.last_set_perms.perms[2].perms, XS_PERM_READ);

    /* xenstored refuses to report the list: n0, the members that exist, the change;
     * the entry of domain 9 (alive, not a member) cannot be kept */
    mock_domain_add(9, "other", NULL);
    mock_xs_set_raw_perms("@releaseDomain", other, 3);
    mock_xen.release_perms_unreadable = true;
    assert_int_equal(xvios_xen_release_watch_grant(p, 7, true, members, 4), 0);
    assert_int_equal(mock_xen.last_set_perms.num, 3);
    assert_int_equal(mock_xen.last_set_perms.perms[0].id, 0);
    assert_int_equal(mock_xen.last_set_perms.perms[0].perms, XS_PERM_NONE);
    assert_true((mock_xen.last_set_perms.perms[1].id == 5 && mock_xen.last_set_perms.perms[2].id == 7) ||
                (mock_xen.last_set_perms.perms[1].id == 7 && mock_xen.last_set_perms.perms[2].id == 5));
    assert_int_equal(mock_xen.last_set_perms.perms[1].perms, XS_PERM_READ);
    assert_int_equal(mock_xen.last_set_perms.perms[2].perms, XS_PERM_READ);
    /* a revoke after the node left the DB */
    assert_int_equal(xvios_xen_release_watch_grant(p, 7, false, after_remove, 1), 0);
    assert_int_equal(mock_xen.last_set_perms.num, 2);
    assert_int_equal(mock_xen.last_set_perms.perms[1].id, 5);
    xvios_plat_close(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_fails_without_xenstore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_write_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_perms_payload_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_eagain_propagates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_retry_loop_succeeds_third_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_perms_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_perms_maps_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_rm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_fd_and_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_event_with_oversized_path_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths_never_reach_xenstore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_watch_grant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_watch_grant_after_destroyed_domain, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
