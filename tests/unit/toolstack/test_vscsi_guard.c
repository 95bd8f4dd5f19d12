/* SPDX-License-Identifier: MIT */
/*
 * test_vscsi_guard.c - `xvios scsi guard` (toolstack/vscsi_guard.c) on a
 * real loopback store and cluster DB: a VIOS domain destroyed under a
 * client's vhost gets its backend state Closing back from dom0 at once, a
 * live VIOS's vhosts are never touched, the client's Closed makes the guard
 * clean up, and nothing a frontend dir says leads dom0 to write elsewhere.
 *
 * Cluster: vios1 (domid 3, node 1), vios2 (domid 4, node 2); clients
 * client1 (7), client2 (8).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "toolstack/vscsi_guard.h"
#include "toolstack/vscsi_nodes.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/loopback.h"

#define VIOS1 3u
#define VIOS2 4u
#define CLIENT1 7u
#define CLIENT2 8u

struct st {
    struct loop_fixture f;
    struct vscsi_guard g;
    bool started;
    FILE *log;
};

static const struct xvios_db_config cluster_cfg = {.name = "t", .max_nodes = 4, .timeout_ms = 2000, .retries = 1};

static void add_vios(struct st *s, uint32_t domid, const char *name)
{
    struct xvios_dominfo info;
    uint32_t node = 0;

    assert_int_equal(xvios_loop_domain_create(s->f.dom0, domid, name), 0);
    assert_int_equal(xvios_plat_domain_info(s->f.dom0, domid, &info), 0);
    assert_int_equal(xvios_db_node_add(s->f.dom0, &info, &node), 0);
}

static int setup(void **state)
{
    struct st *s = calloc(1, sizeof(*s));

    if (!s || loop_fixture_setup(&s->f) < 0)
        return -1;
    if (xvios_db_cluster_create(s->f.dom0, &cluster_cfg) < 0)
        return -1;
    add_vios(s, VIOS1, "vios1");
    add_vios(s, VIOS2, "vios2");
    if (xvios_loop_domain_create(s->f.dom0, CLIENT1, "client1") < 0 ||
        xvios_loop_domain_create(s->f.dom0, CLIENT2, "client2") < 0)
        return -1;
    s->log = tmpfile();
    *state = s;
    return s->log ? 0 : -1;
}

static int teardown(void **state)
{
    struct st *s = *state;

    if (s->started)
        vscsi_guard_stop(&s->g);
    if (s->log)
        fclose(s->log);
    loop_fixture_teardown(&s->f);
    free(s);
    return 0;
}

static char *get(xvios_plat *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *get(xvios_plat *p, const char *fmt, ...)
{
    char path[256], *v = NULL;
    size_t len = 0;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    if (xvios_store_read(p, XVIOS_TX_NONE, path, &v, &len) < 0)
        return NULL;
    return v;
}

static void want_val(xvios_plat *p, const char *path, const char *want)
{
    char *v = get(p, "%s", path);
    char got[64];
    bool same = v && want && !strcmp(v, want);

    snprintf(got, sizeof(got), "%s", v ? v : "(missing)");
    free(v);
    if (!same && (v || want))
        fail_msg("%s: '%s', want '%s'", path, got, want ? want : "(missing)");
}

static bool exists(struct st *s, const char *path)
{
    char *v = get(s->f.dom0, "%s", path);

    free(v);
    return v != NULL;
}

static void put(xvios_plat *p, const char *path, const char *val)
{
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, path, val, strlen(val)), 0);
}

/* A connected vhost as attach leaves it: dom0 writes both dirs, the engine and the frontend move to 4. */
static void vhost_connected(struct st *s, uint32_t vios, uint32_t client, uint32_t vhost)
{
    struct vscsi_new_dev dev = {.index = 0, .vdev = {vhost, 0, 0, 0}, .lu = "/tmp/lu.img", .lu_name = "/tmp/lu.img"};
    char be[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX], path[VSCSI_PATH_MAX + 16];

    assert_int_equal(vscsi_write_vhost(s->f.dom0, XVIOS_TX_NONE, vios, client, &dev), 0);
    vscsi_be_path(vios, client, vhost, be, sizeof(be));
    vscsi_fe_path(client, vhost, fe, sizeof(fe));
    snprintf(path, sizeof(path), "%s/state", be);
    put(s->f.dom0, path, "4");
    snprintf(path, sizeof(path), "%s/state", fe);
    put(s->f.dom0, path, "4");
}

static void start(struct st *s)
{
    assert_int_equal(vscsi_guard_start(&s->g, s->f.dom0, s->log), 0);
    s->started = true;
}

/* ---------------------------------------------------------------- tests */
static void live_vios_untouched(void **state)
{
    struct st *s = *state;

    vhost_connected(s, VIOS1, CLIENT1, 0);
    start(s);
    assert_int_equal(s->g.n_vios, 2);
    assert_int_equal(vscsi_guard_wait(&s->g, 50), 0);
    /* a VIOS whose processes restart is a live domain: its nodes stay as they are */
    want_val(s->f.dom0, "/local/domain/3/backend/vscsi/7/0/state", "4");
    want_val(s->f.dom0, "/local/domain/7/device/vscsi/0/state", "4");
    assert_int_equal(s->g.n_vh, 0);
}

static void death_writes_closing_then_cleans_up(void **state)
{
    struct st *s = *state;
    xvios_plat *c1 = loop_fixture_open(s->f.root, CLIENT1), *c2 = loop_fixture_open(s->f.root, CLIENT2);
    struct xvios_perm *perms = NULL;
    struct timespec t0;
    unsigned n = 0;
    char *v;

    assert_non_null(c1);
    assert_non_null(c2);
    vhost_connected(s, VIOS1, CLIENT1, 0);
    vhost_connected(s, VIOS2, CLIENT1, 1);
    start(s);
    t0 = xvios_now();
    assert_int_equal(xvios_loop_domain_destroy(s->f.dom0, VIOS1), 0);
    assert_false(exists(s, "/local/domain/3/backend/vscsi/7/0/state"));
    /* the @releaseDomain event wakes the guard: Closing is back well within a second */
    assert_int_equal(vscsi_guard_wait(&s->g, 2000), 0);
    assert_true(xvios_ts_diff_ms(xvios_now(), t0) < 1000);
    want_val(s->f.dom0, "/local/domain/3/backend/vscsi/7/0/state", "5");
    assert_true(s->g.last_death_to_closing_ms >= 0 && s->g.last_death_to_closing_ms < 1000);
    assert_int_equal(s->g.n_vh, 1);
    /* owner dom0, read for the client alone: client1 reads it, client2 does not */
    assert_int_equal(xvios_store_get_perms(s->f.dom0, XVIOS_TX_NONE, "/local/domain/3/backend/vscsi/7/0/state",
                                           &perms, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(perms[0].domid, 0);
    assert_int_equal(perms[0].perm, XVIOS_PERM_NONE);
    assert_int_equal(perms[1].domid, CLIENT1);
    assert_int_equal(perms[1].perm, XVIOS_PERM_READ);
    free(perms);
    want_val(c1, "/local/domain/3/backend/vscsi/7/0/state", "5");
    v = get(c2, "/local/domain/3/backend/vscsi/7/0/state");
    assert_null(v);
    /* the other VIOS's vhost of the same client is left alone */
    want_val(s->f.dom0, "/local/domain/4/backend/vscsi/7/1/state", "4");
    /* a pass while the frontend still tears down changes nothing, the frontend dir stays */
    assert_int_equal(vscsi_guard_wait(&s->g, 10), 0);
    want_val(s->f.dom0, "/local/domain/3/backend/vscsi/7/0/state", "5");
    want_val(s->f.dom0, "/local/domain/7/device/vscsi/0/state", "4");
    /* xen-scsifront reached Closed: both dirs go, and what the guard recreated under the dead home */
    put(c1, "/local/domain/7/device/vscsi/0/state", "6");
    assert_int_equal(vscsi_guard_wait(&s->g, 2000), 0);
    assert_false(exists(s, "/local/domain/3/backend/vscsi/7/0"));
    assert_false(exists(s, "/local/domain/7/device/vscsi/0"));
    assert_false(exists(s, "/local/domain/3"));
    assert_int_equal(s->g.n_vh, 0);
    assert_int_equal(s->g.closed_total, 1);
    want_val(s->f.dom0, "/local/domain/7/device/vscsi/1/state", "4");
    xvios_plat_close(c1);
    xvios_plat_close(c2);
}

/* libxl (or anyone) removing the recreated node before the frontend closed: written again. */
static void closing_rewritten_when_removed(void **state)
{
    struct st *s = *state;

    vhost_connected(s, VIOS1, CLIENT1, 0);
    start(s);
    assert_int_equal(xvios_loop_domain_destroy(s->f.dom0, VIOS1), 0);
    assert_int_equal(vscsi_guard_wait(&s->g, 2000), 0);
    want_val(s->f.dom0, "/local/domain/3/backend/vscsi/7/0/state", "5");
    assert_int_equal(xvios_store_rm(s->f.dom0, XVIOS_TX_NONE, "/local/domain/3"), 0);
    assert_int_equal(vscsi_guard_scan(&s->g), 0);
    want_val(s->f.dom0, "/local/domain/3/backend/vscsi/7/0/state", "5");
}

/* The frontend dir is the client's: a backend path of its choosing, or a domain never a VIOS, moves nothing. */
static void lying_frontends_ignored(void **state)
{
    struct st *s = *state;
    xvios_plat *c2 = loop_fixture_open(s->f.root, CLIENT2);

    assert_non_null(c2);
    vhost_connected(s, VIOS1, CLIENT1, 0);
    /* client2: vhost 0 claims dead vios1 but points backend at a path of dom0's; vhost 1 names domain 9 */
    put(c2, "/local/domain/8/device/vscsi/0/backend-id", "3");
    put(c2, "/local/domain/8/device/vscsi/0/backend", "/local/domain/0/evil");
    put(c2, "/local/domain/8/device/vscsi/0/state", "4");
    put(c2, "/local/domain/8/device/vscsi/1/backend-id", "9");
    put(c2, "/local/domain/8/device/vscsi/1/backend", "/local/domain/9/backend/vscsi/8/1");
    put(c2, "/local/domain/8/device/vscsi/1/state", "4");
    put(c2, "/local/domain/8/device/vscsi/2/backend-id", "03");
    put(c2, "/local/domain/8/device/vscsi/2/backend", "/local/domain/3/backend/vscsi/8/2");
    start(s);
    assert_int_equal(xvios_loop_domain_destroy(s->f.dom0, VIOS1), 0);
    assert_int_equal(vscsi_guard_wait(&s->g, 2000), 0);
    want_val(s->f.dom0, "/local/domain/3/backend/vscsi/7/0/state", "5");   /* the honest one */
    assert_false(exists(s, "/local/domain/0/evil/state"));
    assert_false(exists(s, "/local/domain/9"));
    assert_false(exists(s, "/local/domain/3/backend/vscsi/8"));
    assert_int_equal(s->g.n_vh, 1);
    want_val(s->f.dom0, "/local/domain/8/device/vscsi/0/state", "4");
    xvios_plat_close(c2);
}

/* The client dies before its frontend closed: nothing waits for it, both dirs go. */
static void client_gone_removes_both(void **state)
{
    struct st *s = *state;

    vhost_connected(s, VIOS1, CLIENT1, 0);
    start(s);
    assert_int_equal(xvios_loop_domain_destroy(s->f.dom0, VIOS1), 0);
    assert_int_equal(vscsi_guard_wait(&s->g, 2000), 0);
    assert_int_equal(s->g.n_vh, 1);
    assert_int_equal(xvios_loop_domain_destroy(s->f.dom0, CLIENT1), 0);
    assert_int_equal(vscsi_guard_wait(&s->g, 2000), 0);
    assert_int_equal(s->g.n_vh, 0);
    assert_false(exists(s, "/local/domain/3/backend/vscsi/7/0"));
    assert_false(exists(s, "/local/domain/7/device/vscsi/0"));
}

/* A VIOS added after the guard started is learnt from the DB watch; its death is handled too. */
static void member_added_later(void **state)
{
    struct st *s = *state;
    struct xvios_dominfo info;
    uint32_t node = 0;

    start(s);
    assert_int_equal(xvios_loop_domain_create(s->f.dom0, 5, "vios3"), 0);
    assert_int_equal(xvios_plat_domain_info(s->f.dom0, 5, &info), 0);
    assert_int_equal(xvios_db_node_add(s->f.dom0, &info, &node), 0);
    assert_int_equal(vscsi_guard_wait(&s->g, 2000), 0);
    assert_int_equal(s->g.n_vios, 3);
    vhost_connected(s, 5, CLIENT2, 0);
    assert_int_equal(xvios_loop_domain_destroy(s->f.dom0, 5), 0);
    assert_int_equal(vscsi_guard_wait(&s->g, 2000), 0);
    want_val(s->f.dom0, "/local/domain/5/backend/vscsi/8/0/state", "5");
}

static void not_dom0_refused(void **state)
{
    struct st *s = *state;
    xvios_plat *c1 = loop_fixture_open(s->f.root, CLIENT1);
    struct vscsi_guard g;

    assert_non_null(c1);
    assert_int_equal(vscsi_guard_start(&g, c1, s->log), -EPERM);
    xvios_plat_close(c1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(live_vios_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(death_writes_closing_then_cleans_up, setup, teardown),
        cmocka_unit_test_setup_teardown(closing_rewritten_when_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(lying_frontends_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(client_gone_removes_both, setup, teardown),
        cmocka_unit_test_setup_teardown(member_added_later, setup, teardown),
        cmocka_unit_test_setup_teardown(not_dom0_refused, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
