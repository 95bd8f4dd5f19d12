/* SPDX-License-Identifier: MIT */
/*
 * test_cmd_scsi.c - `xvios scsi` (toolstack/cmd_scsi.c and vscsi_*.c) on a
 * real loopback store and cluster DB. The other side of the handshake (the
 * VIOS's engine and the client's xen-scsifront) is the forked test double
 * in vscsi_responder.c, acting as those two domains.
 *
 * Cluster: vios1 (domid 3, node 1), vios2 (domid 4, node 2); clients:
 * client1 (7), client2 (8); LU files a.img and b.img under the root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "tests/unit/loop_fixture.h"
#include "tests/unit/toolstack/vscsi_responder.h"
#include "toolstack/cmds.h"
#include "toolstack/vscsi_cmd.h"
#include "xvios/db.h"
#include "xvios/db_pool.h"
#include "xvios/db_vtd.h"
#include "xvios/loopback.h"
#include "xvios/xlcfg.h"

#define VIOS1 3u
#define VIOS2 4u
#define CLIENT1 7u
#define CLIENT2 8u

struct st {
    struct loop_fixture f;
    struct xvios_cli cli;
    pid_t resp[2];
    char lu_a[128], lu_b[128];
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
    s->cli = (struct xvios_cli){.platform = XVIOS_PLAT_LOOPBACK, .root = s->f.root, .prog = "xvios"};
    if (xvios_db_cluster_create(s->f.dom0, &cluster_cfg) < 0)
        return -1;
    add_vios(s, VIOS1, "vios1");
    add_vios(s, VIOS2, "vios2");
    if (xvios_loop_domain_create(s->f.dom0, CLIENT1, "client1") < 0 ||
        xvios_loop_domain_create(s->f.dom0, CLIENT2, "client2") < 0)
        return -1;
    snprintf(s->lu_a, sizeof(s->lu_a), "%s/a.img", s->f.root);
    snprintf(s->lu_b, sizeof(s->lu_b), "%s/b.img", s->f.root);
    if (loop_fixture_put_file(s->f.root, "a.img", "A", 1) < 0 || loop_fixture_put_file(s->f.root, "b.img", "B", 1) < 0)
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    struct st *s = *state;

    vscsi_responder_stop(s->resp[0]);
    vscsi_responder_stop(s->resp[1]);
    loop_fixture_teardown(&s->f);
    free(s);
    return 0;
}

static void respond(struct st *s, unsigned slot, uint32_t vios, uint32_t client, bool engine, bool frontend,
                    const char *refuse)
{
    static struct vscsi_responder_cfg cfgs[2];   /* the child reads its copy after fork */

    cfgs[slot] = (struct vscsi_responder_cfg){.root = s->f.root, .vios = vios, .client = client, .engine = engine,
                                              .frontend = frontend, .refuse_lu = refuse};
    s->resp[slot] = vscsi_responder_start(&cfgs[slot]);
    assert_true(s->resp[slot] > 0);
}

/* cmd_scsi with a NULL-terminated argument list */
static int run(struct st *s, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;

    argv[argc++] = "scsi";
    va_start(ap, s);
    for (char *a; (a = va_arg(ap, char *)) && argc < 15;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return cmd_scsi(&s->cli, argc, argv);
}

static char *get(struct st *s, const char *fmt, ...)
{
    char path[256], *v = NULL;
    size_t len = 0;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    if (xvios_store_read(s->f.dom0, XVIOS_TX_NONE, path, &v, &len) < 0)
        return NULL;
    return v;
}

static bool exists(struct st *s, const char *path)
{
    char **names = NULL;
    unsigned n = 0;
    int rc = xvios_store_list(s->f.dom0, XVIOS_TX_NONE, path, &names, &n);

    xvios_strv_free(names, n);
    return rc == 0;
}

static void want_val(struct st *s, const char *path, const char *want)
{
    char *v = get(s, "%s", path), got[64];
    bool same = v && !strcmp(v, want);

    snprintf(got, sizeof(got), "%s", v ? v : "(missing)");
    free(v);
    if (!same)
        fail_msg("%s: '%s', want '%s'", path, got, want);
}

/* The engine's last step (dev-N 3 -> 4 once the frontend is connected) may come just after attach returns. */
static void await_val(struct st *s, const char *path, const char *want)
{
    for (int i = 0; i < 5000; i++) {   /* 10 s: a loaded machine */
        char *v = get(s, "%s", path);
        bool same = v && !strcmp(v, want);

        free(v);
        if (same)
            return;
        usleep(2000);
    }
    want_val(s, path, want);
}

static void want_perms(struct st *s, const char *path, uint32_t owner, uint32_t reader)
{
    struct xvios_perm *got = NULL;
    unsigned n = 0;

    assert_int_equal(xvios_store_get_perms(s->f.dom0, XVIOS_TX_NONE, path, &got, &n), 0);
    if (n != 2 || got[0].domid != owner || got[0].perm != XVIOS_PERM_NONE || got[1].domid != reader ||
        got[1].perm != XVIOS_PERM_READ)
        fail_msg("%s: perms n=%u [%u:%d, %u:%d], want [%u:none, %u:read]", path, n, n ? got[0].domid : 0,
                 n ? (int)got[0].perm : -1, n > 1 ? got[1].domid : 0, n > 1 ? (int)got[1].perm : -1, owner, reader);
    free(got);
}

#define BE(vios, client, h) "/local/domain/" #vios "/backend/vscsi/" #client "/" #h
#define FE(client, h) "/local/domain/" #client "/device/vscsi/" #h

static int truncate_log(struct st *s)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/responder.log", s->f.root);
    f = fopen(path, "w");
    return f ? fclose(f) : -1;
}

/* ---------------------------------------------------------------- attach */
static void attach_writes_nodes_with_perms(void **state)
{
    struct st *s = *state;
    char be[] = BE(3, 7, 0), fe[] = FE(7, 0), path[256];
    static const char *const be_keys[] = {"frontend", "frontend-id", "online", "state", "feature-host"};
    static const char *const dev_keys[] = {"p-dev", "p-devname", "v-dev", "mode", "state"};

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);

    want_val(s, FE(7, 0) "/backend", be);
    want_val(s, FE(7, 0) "/backend-id", "3");
    await_val(s, FE(7, 0) "/state", "4");   /* the frontend switches to 4 after its LUN is (attach waits for the LUN) */
    want_val(s, FE(7, 0) "/vscsi-devs/dev-0/state", "4");
    want_val(s, BE(3, 7, 0) "/frontend", fe);
    want_val(s, BE(3, 7, 0) "/frontend-id", "7");
    want_val(s, BE(3, 7, 0) "/online", "1");
    want_val(s, BE(3, 7, 0) "/feature-host", "0");
    want_val(s, BE(3, 7, 0) "/state", "4");
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/p-dev", s->lu_a);
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/p-devname", s->lu_a);
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/v-dev", "0:0:0:0");
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/mode", "w");
    await_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/state", "4");

    /* libxl's device permissions on every node dom0 wrote */
    want_perms(s, fe, CLIENT1, VIOS1);
    for (const char *const *k = (const char *const[]){"backend", "backend-id", "state", NULL}; *k; k++) {
        snprintf(path, sizeof(path), "%s/%s", fe, *k);
        want_perms(s, path, CLIENT1, VIOS1);
    }
    want_perms(s, be, VIOS1, CLIENT1);
    for (unsigned i = 0; i < sizeof(be_keys) / sizeof(be_keys[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", be, be_keys[i]);
        want_perms(s, path, VIOS1, CLIENT1);
    }
    want_perms(s, BE(3, 7, 0) "/vscsi-devs", VIOS1, CLIENT1);
    want_perms(s, BE(3, 7, 0) "/vscsi-devs/dev-0", VIOS1, CLIENT1);
    for (unsigned i = 0; i < sizeof(dev_keys) / sizeof(dev_keys[0]); i++) {
        snprintf(path, sizeof(path), "%s/vscsi-devs/dev-0/%s", be, dev_keys[i]);
        want_perms(s, path, VIOS1, CLIENT1);
    }
    /* the client may not read the VIOS's other backends, the VIOS not the client's other devices */
    struct xvios_perm *p = NULL;
    unsigned n = 0;
    assert_int_equal(xvios_store_get_perms(s->f.dom0, XVIOS_TX_NONE, "/local/domain/3/backend/vscsi/7", &p, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(p[0].domid, VIOS1);
    assert_int_equal(p[0].perm, XVIOS_PERM_NONE);
    free(p);
}

static void attach_ro_on_chosen_vios(void **state)
{
    struct st *s = *state;

    respond(s, 0, VIOS2, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "attach", "7", s->lu_a, "2:0:5:3", "--vios", "2", "--ro", NULL), XVIOS_EXIT_OK);
    want_val(s, BE(4, 7, 2) "/vscsi-devs/dev-0/mode", "r");
    want_val(s, BE(4, 7, 2) "/vscsi-devs/dev-0/v-dev", "2:0:5:3");
    want_val(s, FE(7, 2) "/backend-id", "4");
    want_perms(s, FE(7, 2), CLIENT1, VIOS2);
    assert_false(exists(s, BE(3, 7, 2)));
}

static void hot_add_goes_through_reconfiguring(void **state)
{
    struct st *s = *state;

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    assert_false(vscsi_responder_saw(s->f.root, "vhost 0 backend 7"));
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:1:0", NULL), XVIOS_EXIT_OK);
    assert_true(vscsi_responder_saw(s->f.root, "vhost 0 backend 7"));
    assert_true(vscsi_responder_saw(s->f.root, "vhost 0 backend 8"));
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-1/v-dev", "0:0:1:0");
    await_val(s, BE(3, 7, 0) "/vscsi-devs/dev-1/state", "4");
    want_val(s, FE(7, 0) "/vscsi-devs/dev-1/state", "4");
    await_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/state", "4");
    want_val(s, BE(3, 7, 0) "/state", "4");
    want_perms(s, BE(3, 7, 0) "/vscsi-devs/dev-1/p-dev", VIOS1, CLIENT1);
}

/* Backend still in InitWait (the client never connected): the dev-N is only added, no Reconfiguring. */
static void hot_add_at_initwait_adds_only(void **state)
{
    struct st *s = *state;

    respond(s, 0, VIOS1, CLIENT1, true, false, NULL);
    /* first LUN: the frontend never answers, so it times out and is rolled back... */
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", "--timeout", "300", NULL), XVIOS_EXIT_TIMEOUT);
    assert_false(exists(s, BE(3, 7, 0)));
    assert_false(exists(s, FE(7, 0)));
    /* ...so make a vhost sit in InitWait by hand, as a client that has not connected yet leaves it */
    struct vscsi_new_dev dev = {.index = 0, .vdev = {0, 0, 0, 0}, .lu = s->lu_a, .lu_name = "a"};
    assert_int_equal(vscsi_write_vhost(s->f.dom0, XVIOS_TX_NONE, VIOS1, CLIENT1, &dev), 0);
    for (int i = 0; i < 500; i++) {
        char *v = get(s, BE(3, 7, 0) "/state");
        bool two = v && !strcmp(v, "2");
        free(v);
        if (two)
            break;
        usleep(2000);
    }
    want_val(s, BE(3, 7, 0) "/state", "2");
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:1:0", "--timeout", "300", NULL), XVIOS_EXIT_TIMEOUT);
    assert_false(vscsi_responder_saw(s->f.root, "vhost 0 backend 7"));
    /* the rollback removed only what it wrote */
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/p-dev", s->lu_a);
    assert_false(exists(s, BE(3, 7, 0) "/vscsi-devs/dev-1"));
    want_val(s, BE(3, 7, 0) "/state", "2");
}

static void frontend_silent_rolls_back(void **state)
{
    struct st *s = *state;

    respond(s, 0, VIOS1, CLIENT1, true, false, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", "--timeout", "200", NULL), XVIOS_EXIT_TIMEOUT);
    assert_false(exists(s, BE(3, 7, 0)));
    assert_false(exists(s, FE(7, 0)));
}

/* With nobody answering at all, a hot-add to a connected vhost is undone and the backend put back at 4. */
static void silent_hot_add_restores_backend(void **state)
{
    struct st *s = *state;

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    await_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/state", "4");
    vscsi_responder_stop(s->resp[0]);
    s->resp[0] = 0;
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:1:0", "--timeout", "200", NULL), XVIOS_EXIT_TIMEOUT);
    assert_false(exists(s, BE(3, 7, 0) "/vscsi-devs/dev-1"));
    want_val(s, BE(3, 7, 0) "/state", "4");
    await_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/state", "4");
}

/* ---------------------------------------------------------------- refusals */
static void refusals(void **state)
{
    struct st *s = *state;
    char missing[160];

    respond(s, 0, VIOS1, CLIENT1, true, true, "/nonexistent-on-vios");
    snprintf(missing, sizeof(missing), "%s/none.img", s->f.root);
    assert_int_equal(run(s, "attach", "nobody", s->lu_a, "0:0:0:0", NULL), VSCSI_EXIT_NO_CLIENT);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", "--vios", "9", NULL), VSCSI_EXIT_NOT_MEMBER);
    assert_int_equal(run(s, "attach", "client1", "relative.img", "0:0:0:0", NULL), VSCSI_EXIT_LU_UNKNOWN);
    assert_int_equal(run(s, "attach", "client1", missing, "0:0:0:0", NULL), VSCSI_EXIT_LU_UNKNOWN);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:1:0:0", NULL), XVIOS_EXIT_USAGE);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:64:0", NULL), XVIOS_EXIT_USAGE);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0", NULL), XVIOS_EXIT_USAGE);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", "--timeout", "0", NULL), XVIOS_EXIT_USAGE);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, NULL), XVIOS_EXIT_USAGE);
    assert_false(exists(s, BE(3, 7, 0)));
    /* a frontend dir that no member's backend dir stands behind is not taken over */
    assert_int_equal(xvios_store_write(s->f.dom0, XVIOS_TX_NONE, FE(7, 9) "/state", "1", 1), 0);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "9:0:0:0", NULL), XVIOS_EXIT_REFUSED);
    assert_false(exists(s, BE(3, 7, 9)));
    /* a VIOS is not picked as its own client's server by default */
    respond(s, 1, VIOS2, VIOS1, true, true, NULL);
    assert_int_equal(run(s, "attach", "vios1", s->lu_b, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    want_val(s, BE(4, 3, 0) "/vscsi-devs/dev-0/p-dev", s->lu_b);
    assert_int_equal(run(s, "detach", "vios1", "0:0:0:0", NULL), XVIOS_EXIT_OK);
    assert_false(exists(s, BE(4, 3, 0)));

    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    /* same c:t:l on the vhost */
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:0:0", NULL), VSCSI_EXIT_VDEV_TAKEN);
    /* the vhost is node 1's */
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:1:0", "--vios", "2", NULL), XVIOS_EXIT_REFUSED);
    /* a is attached read-write: neither another read-write nor a read-only attach without --shared */
    assert_int_equal(run(s, "attach", "client2", s->lu_a, "0:0:0:0", NULL), VSCSI_EXIT_LU_BUSY);
    assert_int_equal(run(s, "attach", "client2", s->lu_a, "0:0:0:0", "--ro", NULL), VSCSI_EXIT_LU_BUSY);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:2:0", NULL), VSCSI_EXIT_LU_BUSY);
    assert_false(exists(s, BE(3, 8, 0)));
    /* detach of what is not there */
    assert_int_equal(run(s, "detach", "client1", "0:0:9:0", NULL), VSCSI_EXIT_NO_VDEV);
    assert_int_equal(run(s, "detach", "client1", "5:0:0:0", NULL), VSCSI_EXIT_NO_VDEV);
    assert_int_equal(run(s, "detach", "nobody", "0:0:0:0", NULL), VSCSI_EXIT_NO_CLIENT);
    /* the engine refuses an LU it cannot open: reported, and the hot-add undone */
    assert_int_equal(run(s, "attach", "client1", "/nonexistent-on-vios/x", "0:0:3:0", NULL), VSCSI_EXIT_LU_UNKNOWN);
    assert_false(exists(s, BE(3, 7, 0) "/vscsi-devs/dev-1"));
    await_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/state", "4");
}

static void refusals_need_running_domains(void **state)
{
    struct st *s = *state;
    pid_t dead = fork();

    if (dead == 0)
        _exit(0);
    assert_true(dead > 0);
    waitpid(dead, NULL, 0);
    /* client2 "runs" as a process that has exited; vios2 likewise */
    assert_int_equal(xvios_loop_domain_set_pid(s->f.dom0, CLIENT2, dead), 0);
    assert_int_equal(run(s, "attach", "client2", s->lu_a, "0:0:0:0", NULL), VSCSI_EXIT_NO_CLIENT);
    assert_int_equal(xvios_loop_domain_set_pid(s->f.dom0, VIOS2, dead), 0);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", "--vios", "2", NULL), VSCSI_EXIT_NOT_MEMBER);
    /* no cluster */
    assert_int_equal(xvios_db_cluster_destroy(s->f.dom0), 0);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_REFUSED);
}

static void shared_and_read_only_may_share(void **state)
{
    struct st *s = *state;

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    respond(s, 1, VIOS1, CLIENT2, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", "--ro", NULL), XVIOS_EXIT_OK);
    assert_int_equal(run(s, "attach", "client2", s->lu_a, "0:0:0:0", "--ro", NULL), XVIOS_EXIT_OK);
    assert_int_equal(run(s, "attach", "client2", s->lu_b, "1:0:0:0", NULL), XVIOS_EXIT_OK);
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "1:0:0:0", NULL), VSCSI_EXIT_LU_BUSY);
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "1:0:0:0", "--shared", NULL), XVIOS_EXIT_OK);
    want_val(s, BE(3, 7, 1) "/vscsi-devs/dev-0/p-dev", s->lu_b);
}

/* ---------------------------------------------------------------- detach */
static void detach_hot_removes_then_takes_vhost_down(void **state)
{
    struct st *s = *state;

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:1:0", NULL), XVIOS_EXIT_OK);
    assert_int_equal(truncate_log(s), 0);
    /* not the last LUN: hot remove through Reconfiguring, dev-1 gone from both sides, dev-0 untouched */
    assert_int_equal(run(s, "detach", "client1", "0:0:1:0", NULL), XVIOS_EXIT_OK);
    assert_true(vscsi_responder_saw(s->f.root, "vhost 0 backend 7"));
    assert_false(exists(s, BE(3, 7, 0) "/vscsi-devs/dev-1"));
    assert_false(exists(s, FE(7, 0) "/vscsi-devs/dev-1"));
    await_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/state", "4");
    want_val(s, BE(3, 7, 0) "/state", "4");
    /* the LU is free again */
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:2:0", NULL), XVIOS_EXIT_OK);
    assert_int_equal(run(s, "detach", "client1", "0:0:2:0", NULL), XVIOS_EXIT_OK);
    /* the last LUN: the vhost is closed (backend 5 -> 6) and both dirs removed */
    assert_int_equal(run(s, "detach", "client1", "0:0:0:0", NULL), XVIOS_EXIT_OK);
    assert_true(vscsi_responder_saw(s->f.root, "vhost 0 backend 5"));
    assert_true(vscsi_responder_saw(s->f.root, "vhost 0 backend 6"));
    assert_false(exists(s, BE(3, 7, 0)));
    assert_false(exists(s, FE(7, 0)));
}

/* A client that is gone cannot answer: its nodes are removed at once, and it is named by domid. */
static void detach_of_destroyed_client_removes_nodes(void **state)
{
    struct st *s = *state;

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    vscsi_responder_stop(s->resp[0]);
    s->resp[0] = 0;
    assert_int_equal(xvios_loop_domain_destroy(s->f.dom0, CLIENT1), 0);
    assert_int_equal(run(s, "detach", "client1", "0:0:0:0", NULL), VSCSI_EXIT_NO_CLIENT);
    assert_int_equal(run(s, "detach", "7", "0:0:0:0", "--timeout", "200", NULL), XVIOS_EXIT_OK);
    assert_false(exists(s, BE(3, 7, 0)));
}

/* The client is up but never lets go: detach times out and leaves the nodes as they are. */
static void detach_timeout_leaves_nodes(void **state)
{
    struct st *s = *state;

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:1:0", NULL), XVIOS_EXIT_OK);
    vscsi_responder_stop(s->resp[0]);
    s->resp[0] = 0;
    assert_int_equal(run(s, "detach", "client1", "0:0:1:0", "--timeout", "200", NULL), XVIOS_EXIT_TIMEOUT);
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-1/state", "5");
    want_val(s, BE(3, 7, 0) "/state", "7");
}

/* ---------------------------------------------------------------- the VTD table and rebuild */
static void want_vtd(struct st *s, uint32_t client, uint32_t h, uint32_t t, uint32_t node, const char *lu, bool ro)
{
    struct xvios_db_vtd v;
    struct xvios_dominfo info;

    assert_int_equal(xvios_db_vtd_get(s->f.dom0, XVIOS_TX_NONE, client, h, 0, t, 0, &v), 0);
    assert_int_equal(xvios_plat_domain_info(s->f.dom0, client, &info), 0);
    assert_string_equal(v.client_uuid, info.uuid);
    assert_int_equal(v.node, node);
    assert_string_equal(v.lu, lu);
    assert_string_equal(v.pool_lu, "");
    assert_string_equal(v.client_name, client == CLIENT1 ? "client1" : "client2");
    assert_int_equal(v.read_only, ro);
}

static bool has_vtd(struct st *s, uint32_t client, uint32_t h, uint32_t t)
{
    struct xvios_db_vtd v;

    return xvios_db_vtd_get(s->f.dom0, XVIOS_TX_NONE, client, h, 0, t, 0, &v) == 0;
}

/* attach records the mapping with its nodes; a rollback, a refusal and a detach leave no record */
static void vtd_follows_the_nodes(void **state)
{
    struct st *s = *state;

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    want_vtd(s, CLIENT1, 0, 0, 1, s->lu_a, false);
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:1:0", "--ro", NULL), XVIOS_EXIT_OK);
    want_vtd(s, CLIENT1, 0, 1, 1, s->lu_b, true);
    /* refused (the vdev is taken; the LU is in use): the record stays as it was, none is added */
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:1:0", NULL), VSCSI_EXIT_VDEV_TAKEN);
    assert_int_equal(run(s, "attach", "client2", s->lu_a, "0:0:0:0", "--vios", "2", NULL), VSCSI_EXIT_LU_BUSY);
    want_vtd(s, CLIENT1, 0, 1, 1, s->lu_b, true);
    assert_false(has_vtd(s, CLIENT2, 0, 0));
    /* a path the DB would not hold as a backing is refused before anything is written */
    char odd[300];
    snprintf(odd, sizeof(odd), "%s/./a.img", s->f.root);
    assert_int_equal(run(s, "attach", "client1", odd, "0:0:2:0", NULL), VSCSI_EXIT_LU_UNKNOWN);
    assert_false(has_vtd(s, CLIENT1, 0, 2));
    /* detach: the record goes with the nodes (hot remove, then the last LUN) */
    assert_int_equal(run(s, "detach", "client1", "0:0:1:0", NULL), XVIOS_EXIT_OK);
    assert_false(has_vtd(s, CLIENT1, 0, 1));
    assert_true(has_vtd(s, CLIENT1, 0, 0));
    assert_int_equal(run(s, "detach", "client1", "0:0:0:0", NULL), XVIOS_EXIT_OK);
    assert_false(has_vtd(s, CLIENT1, 0, 0));
    /* a rollback (the frontend never answers) removes the record it wrote */
    vscsi_responder_stop(s->resp[0]);
    respond(s, 0, VIOS1, CLIENT1, true, false, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", "--timeout", "200", NULL), XVIOS_EXIT_TIMEOUT);
    assert_false(has_vtd(s, CLIENT1, 0, 0));
    assert_false(exists(s, BE(3, 7, 0)));
}

/* A VIOS whose backend nodes were wiped gets them back from the VTD table alone. */
static void rebuild_from_the_vtd_table(void **state)
{
    struct st *s = *state;

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    respond(s, 1, VIOS2, CLIENT2, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:3:0", "--ro", "--shared", NULL), XVIOS_EXIT_OK);
    assert_int_equal(run(s, "attach", "client2", s->lu_b, "0:0:0:0", "--vios", "2", "--ro", NULL), XVIOS_EXIT_OK);
    /* nothing wiped: every mapping of node 1 is in place, nothing written */
    assert_int_equal(truncate_log(s), 0);
    assert_int_equal(run(s, "rebuild", "--vios", "1", NULL), XVIOS_EXIT_OK);
    assert_false(vscsi_responder_saw(s->f.root, "vhost 0 backend"));

    /* node 1 loses its backend configuration (a reinstall); the client's frontend dir is left behind */
    vscsi_responder_stop(s->resp[0]);
    assert_int_equal(xvios_store_rm(s->f.dom0, XVIOS_TX_NONE, "/local/domain/3/backend/vscsi"), 0);
    assert_true(exists(s, FE(7, 0)));
    /* while that frontend is still Connected it is not removed from under the client */
    want_val(s, FE(7, 0) "/state", "4");
    assert_int_equal(run(s, "rebuild", "--vios", "1", NULL), XVIOS_EXIT_REFUSED);
    want_val(s, FE(7, 0) "/state", "4");
    assert_false(exists(s, BE(3, 7, 0)));
    assert_true(has_vtd(s, CLIENT1, 0, 0));
    /* the client lets go of it (Closed): the rebuild replaces it */
    assert_int_equal(xvios_store_write(s->f.dom0, XVIOS_TX_NONE, FE(7, 0) "/state", "6", 1), 0);
    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "rebuild", "--vios", "1", NULL), XVIOS_EXIT_OK);
    /* both LUNs back, as recorded, with the contract's permissions; the frontend connected again */
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/p-dev", s->lu_a);
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/v-dev", "0:0:0:0");
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-1/p-dev", s->lu_b);
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-1/v-dev", "0:0:3:0");
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-1/mode", "r");
    want_perms(s, BE(3, 7, 0), VIOS1, CLIENT1);
    want_perms(s, FE(7, 0), CLIENT1, VIOS1);
    await_val(s, BE(3, 7, 0) "/vscsi-devs/dev-1/state", "4");
    want_val(s, FE(7, 0) "/state", "4");
    want_vtd(s, CLIENT1, 0, 3, 1, s->lu_b, true);
    /* node 2's mapping was not touched */
    want_val(s, BE(4, 8, 0) "/vscsi-devs/dev-0/p-dev", s->lu_b);

    /* wiped again with nobody to answer: the rebuild times out, rolls its nodes back, keeps the records */
    vscsi_responder_stop(s->resp[0]);
    s->resp[0] = 0;
    assert_int_equal(xvios_store_rm(s->f.dom0, XVIOS_TX_NONE, "/local/domain/3/backend/vscsi"), 0);
    assert_int_equal(xvios_store_write(s->f.dom0, XVIOS_TX_NONE, FE(7, 0) "/state", "6", 1), 0);
    assert_int_equal(run(s, "rebuild", "--vios", "1", "--timeout", "200", NULL), XVIOS_EXIT_TIMEOUT);
    assert_false(exists(s, BE(3, 7, 0)));
    assert_true(has_vtd(s, CLIENT1, 0, 0));
    assert_true(has_vtd(s, CLIENT1, 0, 3));
    /* a mapping whose nodes are gone can still be detached: its record goes */
    assert_int_equal(run(s, "detach", "client1", "0:0:3:0", NULL), XVIOS_EXIT_OK);
    assert_false(has_vtd(s, CLIENT1, 0, 3));
    assert_int_equal(run(s, "detach", "client1", "0:0:3:0", NULL), VSCSI_EXIT_NO_VDEV);
    /* a client that is not running cannot be given its disk: reported, the record stays */
    assert_int_equal(xvios_loop_domain_destroy(s->f.dom0, CLIENT1), 0);
    assert_int_equal(run(s, "rebuild", "--vios", "1", NULL), VSCSI_EXIT_NO_CLIENT);
    assert_true(has_vtd(s, CLIENT1, 0, 0));
    /* its domid given to another domain (another uuid): the disk is not given to it */
    assert_int_equal(xvios_loop_domain_create(s->f.dom0, CLIENT1, "client1"), 0);
    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "rebuild", "--vios", "1", NULL), VSCSI_EXIT_NO_CLIENT);
    assert_false(exists(s, BE(3, 7, 0)));
    assert_true(has_vtd(s, CLIENT1, 0, 0));
    /* usage */
    assert_int_equal(run(s, "rebuild", NULL), XVIOS_EXIT_USAGE);
    assert_int_equal(run(s, "rebuild", "--vios", "3", NULL), VSCSI_EXIT_NOT_MEMBER);
}

/* A pool's access list at attach and at rebuild: the whole backing of an LU whose pool does not name the
 * client is refused (16) and nothing is written; a rebuild keeps the record of a mapping its list no
 * longer names and does not serve it (docs/pool.md, "Several pools"). */
static void rebuild_refused_by_access_list(void **state)
{
    struct st *s = *state;
    struct xvios_db_pool_spec gold = { .name = "gold", .access = "" };
    struct xvios_db_lu_spec lu = { .name = "g1", .backing = s->lu_a, .size = 4096, .pool = "gold" };
    char bad[80];

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    /* the backing becomes an LU's of a pool that admits nobody: the mapping stays, a new one is refused */
    assert_int_equal(xvios_db_pool_create(s->f.dom0, &gold, bad, sizeof(bad), NULL), 0);
    assert_int_equal(xvios_db_lu_create(s->f.dom0, &lu, NULL), 0);
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/p-dev", s->lu_a);
    assert_int_equal(run(s, "attach", "client2", s->lu_a, "0:0:0:0", "--shared", NULL), VSCSI_EXIT_ACCESS_DENIED);
    assert_false(exists(s, FE(8, 0)));
    assert_false(has_vtd(s, CLIENT2, 0, 0));
    assert_int_equal(run(s, "attach", "client1", "g1", "0:0:1:0", NULL), VSCSI_EXIT_ACCESS_DENIED);
    assert_false(has_vtd(s, CLIENT1, 0, 1));
    /* node 1 wiped: the rebuild does not serve the mapping again, its record stays */
    vscsi_responder_stop(s->resp[0]);
    s->resp[0] = 0;
    assert_int_equal(xvios_store_rm(s->f.dom0, XVIOS_TX_NONE, "/local/domain/3/backend/vscsi"), 0);
    assert_int_equal(xvios_store_write(s->f.dom0, XVIOS_TX_NONE, FE(7, 0) "/state", "6", 1), 0);
    assert_int_equal(run(s, "rebuild", "--vios", "1", NULL), VSCSI_EXIT_ACCESS_DENIED);
    assert_false(exists(s, BE(3, 7, 0)));
    assert_true(has_vtd(s, CLIENT1, 0, 0));
    /* the client listed again: rebuilt */
    gold.access = "*";
    assert_int_equal(xvios_db_pool_modify(s->f.dom0, &gold, bad, sizeof(bad), NULL), 0);
    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "rebuild", "--vios", "1", NULL), XVIOS_EXIT_OK);
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/p-dev", s->lu_a);
}

/* ---------------------------------------------------------------- list */
static char *list_to_string(struct st *s, const char *client, bool json)
{
    struct vscsi_ctx ctx;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    assert_int_equal(vscsi_ctx_open(&s->cli, &ctx), XVIOS_EXIT_OK);
    assert_int_equal(vscsi_list(&ctx, client, json, f), XVIOS_EXIT_OK);
    vscsi_ctx_close(&ctx);
    fclose(f);
    return buf;
}

static const char *jstr(yajl_val obj, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : NULL;
}

static long long jint(yajl_val obj, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, yajl_t_number);
    return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : -100;
}

static void list_text_and_json(void **state)
{
    struct st *s = *state;
    char err[128], *text, *json;
    yajl_val doc, luns;
    const char *path[] = {"luns", NULL};

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    respond(s, 1, VIOS2, CLIENT2, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    assert_int_equal(run(s, "attach", "client1", s->lu_b, "0:0:1:0", "--ro", NULL), XVIOS_EXIT_OK);
    assert_int_equal(run(s, "attach", "client2", s->lu_b, "3:0:0:7", "--ro", "--vios", "2", NULL), XVIOS_EXIT_OK);

    text = list_to_string(s, NULL, false);
    assert_non_null(strstr(text, "CLIENT"));
    assert_non_null(strstr(text, "client1(7)"));
    assert_non_null(strstr(text, "client2(8)"));
    assert_non_null(strstr(text, "0:0:1:0"));
    assert_non_null(strstr(text, "3:0:0:7"));
    assert_non_null(strstr(text, s->lu_a));
    assert_non_null(strstr(text, "connected"));
    free(text);

    text = list_to_string(s, "client2", false);
    assert_null(strstr(text, "client1"));
    assert_non_null(strstr(text, "3:0:0:7"));
    free(text);

    json = list_to_string(s, "client1", true);
    doc = yajl_tree_parse(json, err, sizeof(err));
    if (!doc)
        fail_msg("bad JSON (%s): %s", err, json);
    luns = yajl_tree_get(doc, path, yajl_t_array);
    assert_non_null(luns);
    assert_int_equal(YAJL_GET_ARRAY(luns)->len, 2);
    yajl_val l0 = YAJL_GET_ARRAY(luns)->values[0], l1 = YAJL_GET_ARRAY(luns)->values[1];
    assert_int_equal(jint(l0, "client"), CLIENT1);
    assert_string_equal(jstr(l0, "client_name"), "client1");
    assert_int_equal(jint(l0, "vhost"), 0);
    assert_string_equal(jstr(l0, "vdev"), "0:0:0:0");
    assert_int_equal(jint(l0, "dev"), 0);
    assert_string_equal(jstr(l0, "lu"), s->lu_a);
    assert_int_equal(jint(l0, "vios_node"), 1);
    assert_int_equal(jint(l0, "vios_domid"), VIOS1);
    assert_string_equal(jstr(l0, "mode"), "w");
    assert_int_equal(jint(l0, "backend_state"), 4);
    assert_int_equal(jint(l0, "frontend_state"), 4);
    assert_int_equal(jint(l0, "lun_backend_state"), 4);
    assert_int_equal(jint(l0, "lun_frontend_state"), 4);
    assert_string_equal(jstr(l0, "error"), "");
    assert_string_equal(jstr(l1, "vdev"), "0:0:1:0");
    assert_string_equal(jstr(l1, "mode"), "r");
    assert_int_equal(jint(l1, "dev"), 1);
    yajl_tree_free(doc);
    free(json);

    /* empty: a client with nothing attached */
    json = list_to_string(s, "vios1", true);
    assert_string_equal(json, "{\"luns\":[],\"unserved\":[]}\n");
    free(json);
}

/* ---------------------------------------------------------------- xl config */
/* The VTD table's mappings that no backend dir serves (a wiped VIOS's) are listed apart, until rebuilt. */
static void list_shows_unserved(void **state)
{
    struct st *s = *state;
    char err[128], *text, *json;
    const char *upath[] = {"unserved", NULL}, *lpath[] = {"luns", NULL};
    yajl_val doc, un;

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    respond(s, 1, VIOS2, CLIENT2, true, true, NULL);
    assert_int_equal(run(s, "attach", "client1", s->lu_a, "0:0:0:0", NULL), XVIOS_EXIT_OK);
    assert_int_equal(run(s, "attach", "client2", s->lu_b, "0:0:2:0", "--vios", "2", "--ro", NULL), XVIOS_EXIT_OK);
    text = list_to_string(s, NULL, false);
    assert_null(strstr(text, "served by no VIOS"));
    free(text);

    vscsi_responder_stop(s->resp[0]);
    assert_int_equal(xvios_store_rm(s->f.dom0, XVIOS_TX_NONE, "/local/domain/3/backend/vscsi"), 0);
    assert_int_equal(xvios_store_write(s->f.dom0, XVIOS_TX_NONE, FE(7, 0) "/state", "6", 1), 0);   /* let go */
    text = list_to_string(s, NULL, false);
    assert_non_null(strstr(text, "recorded in the cluster DB but served by no VIOS"));
    assert_non_null(strstr(text, "client1(7) 0:0:0:0 node 1 w "));
    assert_null(strstr(text, "client2(8) 0:0:2:0 node"));   /* served: in the table above */
    free(text);
    text = list_to_string(s, "client2", false);
    assert_null(strstr(text, "served by no VIOS"));
    free(text);
    json = list_to_string(s, NULL, true);
    doc = yajl_tree_parse(json, err, sizeof(err));
    if (!doc)
        fail_msg("bad JSON (%s): %s", err, json);
    assert_int_equal(YAJL_GET_ARRAY(yajl_tree_get(doc, lpath, yajl_t_array))->len, 1);
    un = yajl_tree_get(doc, upath, yajl_t_array);
    assert_non_null(un);
    assert_int_equal(YAJL_GET_ARRAY(un)->len, 1);
    yajl_val u0 = YAJL_GET_ARRAY(un)->values[0];
    assert_int_equal(jint(u0, "client"), CLIENT1);
    assert_string_equal(jstr(u0, "client_name"), "client1");
    assert_string_equal(jstr(u0, "vdev"), "0:0:0:0");
    assert_int_equal(jint(u0, "vios_node"), 1);
    assert_string_equal(jstr(u0, "mode"), "w");
    assert_string_equal(jstr(u0, "lu"), s->lu_a);
    yajl_tree_free(doc);
    free(json);

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    assert_int_equal(run(s, "rebuild", "--vios", "1", NULL), XVIOS_EXIT_OK);
    text = list_to_string(s, NULL, false);
    assert_null(strstr(text, "served by no VIOS"));
    free(text);
}

static void write_cfg(struct st *s, const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", s->f.root, name);
    assert_int_equal(loop_fixture_put_file(s->f.root, name, text, strlen(text)), 0);
}

static void xlcfg_reader(void **state)
{
    struct st *s = *state;
    struct xvios_xlcfg cfg;
    char path[256], err[1024];

    write_cfg(s, "good.cfg",
              "name = \"client1\"\nmemory = 256\n"
              "vscsi = [ '/srv/a.img,0:0:0:0', \" /srv/b.img , 0:0:1:0 , ro \", '/srv/c.img,1:0:0:0,shared,rw' ]\n",
              path, sizeof(path));
    assert_int_equal(xvios_xlcfg_read(path, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.name, "client1");
    assert_int_equal(cfg.n_vscsi, 3);
    assert_string_equal(cfg.vscsi[0].lu, "/srv/a.img");
    assert_string_equal(cfg.vscsi[0].vdev, "0:0:0:0");
    assert_false(cfg.vscsi[0].readonly);
    assert_string_equal(cfg.vscsi[1].lu, "/srv/b.img");
    assert_string_equal(cfg.vscsi[1].vdev, "0:0:1:0");
    assert_true(cfg.vscsi[1].readonly);
    assert_true(cfg.vscsi[2].shared);
    assert_false(cfg.vscsi[2].readonly);
    xvios_xlcfg_free(&cfg);

    /* a syntax error: libxlutil's message names the file and line */
    write_cfg(s, "syntax.cfg", "name = \"c\"\nmemory = 256\nvscsi = [ '/a,0:0:0:0' \n", path, sizeof(path));
    assert_int_equal(xvios_xlcfg_read(path, &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "syntax.cfg:"));
    assert_null(cfg.vscsi);

    write_cfg(s, "novscsi.cfg", "name = \"c\"\n", path, sizeof(path));
    assert_int_equal(xvios_xlcfg_read(path, &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "no vscsi"));

    write_cfg(s, "string.cfg", "vscsi = '/a,0:0:0:0'\n", path, sizeof(path));
    assert_int_equal(xvios_xlcfg_read(path, &cfg, err, sizeof(err)), -EINVAL);

    write_cfg(s, "empty.cfg", "vscsi = [ ]\n", path, sizeof(path));
    assert_int_equal(xvios_xlcfg_read(path, &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "empty"));

    write_cfg(s, "option.cfg", "vscsi = [ '/a,0:0:0:0', '/b,0:0:1:0,feature-host' ]\n", path, sizeof(path));
    assert_int_equal(xvios_xlcfg_read(path, &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "entry 2"));
    assert_non_null(strstr(err, "feature-host"));

    write_cfg(s, "nolu.cfg", "vscsi = [ ',0:0:0:0' ]\n", path, sizeof(path));
    assert_int_equal(xvios_xlcfg_read(path, &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "the LU is empty"));

    write_cfg(s, "novdev.cfg", "vscsi = [ '/a' ]\n", path, sizeof(path));
    assert_int_equal(xvios_xlcfg_read(path, &cfg, err, sizeof(err)), -EINVAL);

    snprintf(path, sizeof(path), "%s/absent.cfg", s->f.root);
    assert_int_equal(xvios_xlcfg_read(path, &cfg, err, sizeof(err)), -ENOENT);
}

static void attach_config_all_or_nothing(void **state)
{
    struct st *s = *state;
    char path[256], text[1024];

    respond(s, 0, VIOS1, CLIENT1, true, true, NULL);
    snprintf(text, sizeof(text), "name = \"client1\"\nvscsi = [ '%s,0:0:0:0', '%s,0:0:1:0,ro' ]\n", s->lu_a, s->lu_b);
    write_cfg(s, "client1.cfg", text, path, sizeof(path));
    assert_int_equal(run(s, "attach", "--config", path, NULL), XVIOS_EXIT_OK);
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/p-dev", s->lu_a);
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-1/mode", "r");
    want_val(s, FE(7, 0) "/vscsi-devs/dev-1/state", "4");

    /* the third entry is refused (its vdev is taken): the two before it are detached again */
    snprintf(text, sizeof(text), "name = \"client1\"\nvscsi = [ '%s,5:0:0:0,ro', '%s,5:0:1:0,ro', '%s,0:0:0:0' ]\n",
             s->lu_b, s->lu_b, s->lu_b);
    write_cfg(s, "bad.cfg", text, path, sizeof(path));
    assert_int_equal(run(s, "attach", "--config", path, "--shared", NULL), VSCSI_EXIT_VDEV_TAKEN);
    assert_false(exists(s, BE(3, 7, 5)));
    assert_false(exists(s, FE(7, 5)));
    await_val(s, BE(3, 7, 0) "/vscsi-devs/dev-0/state", "4");

    /* a malformed config attaches nothing */
    write_cfg(s, "broken.cfg", "name = \"client1\"\nvscsi = [ 'x' ]\n", path, sizeof(path));
    assert_int_equal(run(s, "attach", "--config", path, NULL), XVIOS_EXIT_USAGE);
    snprintf(text, sizeof(text), "vscsi = [ '%s,0:0:4:0' ]\n", s->lu_b);
    write_cfg(s, "noname.cfg", text, path, sizeof(path));
    assert_int_equal(run(s, "attach", "--config", path, NULL), XVIOS_EXIT_USAGE);
    assert_int_equal(run(s, "attach", "--config", path, "client1", "--shared", NULL), XVIOS_EXIT_OK);
    want_val(s, BE(3, 7, 0) "/vscsi-devs/dev-2/v-dev", "0:0:4:0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(attach_writes_nodes_with_perms),
        T(attach_ro_on_chosen_vios),
        T(hot_add_goes_through_reconfiguring),
        T(hot_add_at_initwait_adds_only),
        T(frontend_silent_rolls_back),
        T(silent_hot_add_restores_backend),
        T(refusals),
        T(refusals_need_running_domains),
        T(shared_and_read_only_may_share),
        T(detach_hot_removes_then_takes_vhost_down),
        T(detach_of_destroyed_client_removes_nodes),
        T(detach_timeout_leaves_nodes),
        T(vtd_follows_the_nodes),
        T(rebuild_from_the_vtd_table),
        T(rebuild_refused_by_access_list),
        T(list_text_and_json),
        T(list_shows_unserved),
        T(xlcfg_reader),
        T(attach_config_all_or_nothing),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
