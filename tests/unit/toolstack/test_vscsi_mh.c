/* SPDX-License-Identifier: MIT */
/*
 * test_vscsi_mh.c - the replicated-DB steps of a multi-host `xvios scsi
 * attach` / `detach` (toolstack/vscsi_mh.c) on a loopback store that holds
 * the cluster tree (what the replicated DB holds on a real multi-host
 * cluster). This host is corosync nodeid 1: VIOS 257 (domid 3) is here,
 * VIOS 513 (domid 4) on host 2. Clients 7 and 8 run here.
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
#include "toolstack/vscsi_cmd.h"
#include "xvios/db.h"
#include "xvios/db_vtd.h"
#include "xvios/loopback.h"

static const struct xvios_db_config cfg = {.name = "mh", .max_nodes = 8, .timeout_ms = 2000, .retries = 1};

struct st {
    struct loop_fixture f;
    struct vscsi_ctx ctx;
    char lu_a[128], lu_b[128];
};

static void add_vios(struct st *s, uint32_t domid, const char *name, uint32_t node)
{
    struct xvios_dominfo info;

    assert_int_equal(xvios_loop_domain_create(s->f.dom0, domid, name), 0);
    assert_int_equal(xvios_plat_domain_info(s->f.dom0, domid, &info), 0);
    assert_int_equal(xvios_db_node_add_id(s->f.dom0, &info, node), 0);
}

static int setup(void **state)
{
    struct st *s = calloc(1, sizeof(*s));
    unsigned k = 0;

    if (!s || loop_fixture_setup(&s->f) < 0 || xvios_db_cluster_create(s->f.dom0, &cfg) < 0)
        return -1;
    add_vios(s, 3, "vios-h1", 257);
    add_vios(s, 4, "vios-h2", 513);
    if (xvios_loop_domain_create(s->f.dom0, 7, "client1") < 0 || xvios_loop_domain_create(s->f.dom0, 8, "client2") < 0)
        return -1;
    snprintf(s->lu_a, sizeof(s->lu_a), "%s/a.img", s->f.root);
    snprintf(s->lu_b, sizeof(s->lu_b), "%s/b.img", s->f.root);
    /* the context vscsi_ctx_open makes with --multihost on host 1: only this host's members */
    s->ctx.p = s->f.dom0;
    s->ctx.kind = XVIOS_PLAT_LOOPBACK;
    s->ctx.mh_host = 1;
    if (xvios_db_nodes(s->f.dom0, &s->ctx.nodes, &s->ctx.n_nodes) < 0)
        return -1;
    for (unsigned i = 0; i < s->ctx.n_nodes; i++)
        if ((s->ctx.nodes[i].node >> 8) == 1)
            s->ctx.nodes[k++] = s->ctx.nodes[i];
    s->ctx.n_nodes = k;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    struct st *s = *state;

    free(s->ctx.nodes);
    loop_fixture_teardown(&s->f);
    free(s);
    return 0;
}

static struct vscsi_attach_req req(const char *lu, const char *vdev, uint32_t vios, bool shared)
{
    struct vscsi_attach_req r = {.client = "client1", .lu = lu, .vios_node = vios, .shared = shared,
                                 .timeout_ms = 1000};

    assert_int_equal(vscsi_vdev_parse(vdev, &r.vdev), 0);
    return r;
}

static int rec(struct st *s, uint32_t client, uint32_t h, uint32_t l, struct xvios_db_vtd *out)
{
    return xvios_db_vtd_get(s->f.dom0, XVIOS_TX_NONE, client, h, 0, 0, l, out);
}

/* Step 1 and its checks; step 3; the rollback of step 1. */
static void test_claim_settle_unclaim(void **state)
{
    struct st *s = *state;
    struct vscsi_mh_claim c, c2;
    struct vscsi_attach_req r = req(s->lu_a, "0:0:0:0", 0, false);
    struct xvios_db_vtd got, other;

    /* another host's VIOS: refused before anything is written */
    struct vscsi_attach_req cross = req(s->lu_a, "0:0:0:0", 513, false);
    assert_int_equal(vscsi_mh_claim(&s->ctx, &cross, 7, "client1", "", &c), XVIOS_EXIT_REFUSED);
    assert_non_null(strstr(vscsi_last_said(), "cannot cross hosts"));
    assert_int_equal(rec(s, 7, 0, 0, &got), -ENOENT);
    /* an id of this host that is no member */
    struct vscsi_attach_req none = req(s->lu_a, "0:0:0:0", 258, false);
    assert_int_equal(vscsi_mh_claim(&s->ctx, &none, 7, "client1", "", &c), VSCSI_EXIT_NOT_MEMBER);

    /* the record, state attaching, naming this host's VIOS (picked: the only one here) */
    assert_int_equal(vscsi_mh_claim(&s->ctx, &r, 7, "client1", "", &c), XVIOS_EXIT_OK);
    assert_int_equal(c.rec.node, 257);
    assert_false(c.pool_ok);
    assert_int_equal(rec(s, 7, 0, 0, &got), 0);
    assert_int_equal(got.state, XVIOS_VTD_ATTACHING);
    assert_int_equal(got.node, 257);
    assert_string_equal(got.lu, s->lu_a);
    assert_string_equal(got.client_name, "client1");

    /* the same vdev while it is attaching: refused, naming the unfinished attach */
    assert_int_equal(vscsi_mh_claim(&s->ctx, &r, 7, "client1", "", &c2), XVIOS_EXIT_REFUSED);
    assert_non_null(strstr(vscsi_last_said(), "left 'attaching'"));
    /* the same LU for another vdev (not shared): in use, an attaching record counts */
    struct vscsi_attach_req again = req(s->lu_a, "0:0:0:1", 0, false);
    assert_int_equal(vscsi_mh_claim(&s->ctx, &again, 7, "client1", "", &c2), VSCSI_EXIT_LU_BUSY);
    assert_int_equal(rec(s, 7, 0, 1, &got), -ENOENT);

    /* an LU another host's VIOS serves read-write: in use here too; shared, it goes */
    other = (struct xvios_db_vtd){.client = 9, .node = 513, .vhost = 0, .chn = 0, .tgt = 0, .lun = 0};
    snprintf(other.lu, sizeof(other.lu), "%s", s->lu_b);
    assert_int_equal(xvios_db_vtd_put(s->f.dom0, XVIOS_TX_NONE, &other), 0);
    struct vscsi_attach_req b = req(s->lu_b, "1:0:0:0", 0, false);
    b.client = "client2";
    assert_int_equal(vscsi_mh_claim(&s->ctx, &b, 8, "client2", "", &c2), VSCSI_EXIT_LU_BUSY);
    assert_non_null(strstr(vscsi_last_said(), "node 513"));
    b.shared = true;
    assert_int_equal(vscsi_mh_claim(&s->ctx, &b, 8, "client2", "", &c2), XVIOS_EXIT_OK);
    /* step 2 failed: the record goes */
    assert_int_equal(vscsi_mh_unclaim(&s->ctx, &c2.rec), XVIOS_EXIT_OK);
    assert_int_equal(rec(s, 8, 1, 0, &got), -ENOENT);

    /* step 3: complete; the record's bytes are a single-host record's */
    assert_int_equal(vscsi_mh_settle(&s->ctx, &c.rec), XVIOS_EXIT_OK);
    assert_int_equal(rec(s, 7, 0, 0, &got), 0);
    assert_int_equal(got.state, XVIOS_VTD_SERVED);
    /* a rollback that finds the record no longer its own leaves it alone */
    assert_int_equal(vscsi_mh_unclaim(&s->ctx, &c.rec), XVIOS_EXIT_ERROR);
    assert_int_equal(rec(s, 7, 0, 0, &got), 0);
    assert_int_equal(got.state, XVIOS_VTD_SERVED);
    /* now the vdev is taken */
    assert_int_equal(vscsi_mh_claim(&s->ctx, &r, 7, "client1", "", &c2), VSCSI_EXIT_VDEV_TAKEN);
    /* settling what is no longer there is an error, not a new record */
    assert_int_equal(xvios_db_vtd_remove(s->f.dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 0), 0);
    assert_int_equal(vscsi_mh_settle(&s->ctx, &c.rec), XVIOS_EXIT_ERROR);
    assert_int_equal(rec(s, 7, 0, 0, &got), -ENOENT);
}

/* A detach's steps around the nodes: marked detaching, put back when the nodes stay, removed when gone. */
static void test_detach_steps(void **state)
{
    struct st *s = *state;
    struct xvios_db_vtd v = {.client = 7, .node = 257, .vhost = 2, .chn = 0, .tgt = 1, .lun = 3}, was, got;
    struct vscsi_vdev vdev = {.host = 2, .chn = 0, .tgt = 1, .lun = 3};

    snprintf(v.lu, sizeof(v.lu), "%s", s->lu_a);
    assert_int_equal(xvios_db_vtd_put(s->f.dom0, XVIOS_TX_NONE, &v), 0);
    assert_int_equal(vscsi_mh_detach_begin(&s->ctx, 7, &vdev, &was), XVIOS_EXIT_OK);
    assert_true(s->ctx.mh_record);
    assert_int_equal(was.state, XVIOS_VTD_SERVED);
    assert_int_equal(xvios_db_vtd_get(s->f.dom0, XVIOS_TX_NONE, 7, 2, 0, 1, 3, &got), 0);
    assert_int_equal(got.state, XVIOS_VTD_DETACHING);
    /* the nodes stayed (the client did not let go): the record is served again */
    assert_int_equal(vscsi_mh_detach_end(&s->ctx, 7, &vdev, &was, false), XVIOS_EXIT_OK);
    assert_int_equal(xvios_db_vtd_get(s->f.dom0, XVIOS_TX_NONE, 7, 2, 0, 1, 3, &got), 0);
    assert_int_equal(got.state, XVIOS_VTD_SERVED);
    /* again, the nodes gone: the record goes */
    assert_int_equal(vscsi_mh_detach_begin(&s->ctx, 7, &vdev, &was), XVIOS_EXIT_OK);
    assert_int_equal(vscsi_mh_detach_end(&s->ctx, 7, &vdev, &was, true), XVIOS_EXIT_OK);
    assert_int_equal(xvios_db_vtd_get(s->f.dom0, XVIOS_TX_NONE, 7, 2, 0, 1, 3, &got), -ENOENT);
    /* none: the nodes alone are detached, nothing to do in the DB */
    assert_int_equal(vscsi_mh_detach_begin(&s->ctx, 7, &vdev, &was), XVIOS_EXIT_OK);
    assert_false(s->ctx.mh_record);
    assert_int_equal(vscsi_mh_detach_end(&s->ctx, 7, &vdev, &was, true), XVIOS_EXIT_OK);

    /* a record left attaching by a CLI that stopped: the detach takes it as it is, and removes it */
    v.state = XVIOS_VTD_ATTACHING;
    assert_int_equal(xvios_db_vtd_put(s->f.dom0, XVIOS_TX_NONE, &v), 0);
    assert_int_equal(vscsi_mh_detach_begin(&s->ctx, 7, &vdev, &was), XVIOS_EXIT_OK);
    assert_int_equal(was.state, XVIOS_VTD_ATTACHING);
    assert_int_equal(xvios_db_vtd_get(s->f.dom0, XVIOS_TX_NONE, 7, 2, 0, 1, 3, &got), 0);
    assert_int_equal(got.state, XVIOS_VTD_ATTACHING);
    assert_int_equal(vscsi_mh_detach_end(&s->ctx, 7, &vdev, &was, true), XVIOS_EXIT_OK);
    assert_int_equal(xvios_db_vtd_get(s->f.dom0, XVIOS_TX_NONE, 7, 2, 0, 1, 3, &got), -ENOENT);

    /* another host's VIOS serves it: refused, the record untouched */
    v.state = XVIOS_VTD_SERVED;
    v.node = 513;
    assert_int_equal(xvios_db_vtd_put(s->f.dom0, XVIOS_TX_NONE, &v), 0);
    assert_int_equal(vscsi_mh_detach_begin(&s->ctx, 7, &vdev, &was), XVIOS_EXIT_REFUSED);
    assert_non_null(strstr(vscsi_last_said(), "served by node 513 on host 2"));
    assert_int_equal(xvios_db_vtd_get(s->f.dom0, XVIOS_TX_NONE, 7, 2, 0, 1, 3, &got), 0);
    assert_int_equal(got.state, XVIOS_VTD_SERVED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_claim_settle_unclaim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detach_steps, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
