/* SPDX-License-Identifier: MIT */
/*
 * test_db_vtd.c - the VTD table (xvios/db_vtd.h) on the loopback store: a
 * record put, read back field by field, listed in order, replaced,
 * removed; the exact permission list of the table (dom0's, every member
 * creates records) and of a record (its serving VIOS owns it, the other
 * members READ, a client nothing) and after a membership change
 * (re-granted: a new member reads, a removed one not, its records become
 * dom0's), another member's write or remove refused, a record forged in
 * another VIOS's name not believed; put inside a caller's transaction aborted leaves nothing;
 * malformed records and names written behind the DB's back are -EIO when
 * named and skipped when listed; bad arguments refused; no cluster.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/db.h"
#include "xvios/db_vtd.h"
#include "xvios/loopback.h"
#include "xvios/wire.h"

static const struct xvios_db_config cfg = { .name = "vtd-test", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };

static void add_vios(struct loop_fixture *f, uint32_t domid, const char *name)
{
    struct xvios_dominfo info;
    uint32_t node = 0;

    assert_int_equal(xvios_loop_domain_create(f->dom0, domid, name), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, domid, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
}

static void two_members(struct loop_fixture *f)
{
    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    add_vios(f, 5, "vios-a");
    add_vios(f, 6, "vios-b");
}

static struct xvios_db_vtd vtd(uint32_t client, uint32_t node, uint32_t vhost, uint32_t tgt, uint32_t lun)
{
    struct xvios_db_vtd v = { .client = client, .node = node, .vhost = vhost, .tgt = tgt, .lun = lun };

    snprintf(v.client_name, sizeof(v.client_name), "client-%u", client);
    snprintf(v.client_uuid, sizeof(v.client_uuid), "6f1c2b9a-0d3e-4c5f-8a7b-%012x", client);
    snprintf(v.lu, sizeof(v.lu), "/dev/disk/by-id/lu-%u-%u", vhost, lun);
    snprintf(v.pool_lu, sizeof(v.pool_lu), "db%u", lun);
    return v;
}

static void want_same(const struct xvios_db_vtd *a, const struct xvios_db_vtd *b)
{
    assert_int_equal(a->client, b->client);
    assert_string_equal(a->client_uuid, b->client_uuid);
    assert_string_equal(a->client_name, b->client_name);
    assert_int_equal(a->node, b->node);
    assert_int_equal(a->vhost, b->vhost);
    assert_int_equal(a->chn, b->chn);
    assert_int_equal(a->tgt, b->tgt);
    assert_int_equal(a->lun, b->lun);
    assert_string_equal(a->lu, b->lu);
    assert_string_equal(a->pool_lu, b->pool_lu);
    assert_int_equal(a->read_only, b->read_only);
    assert_int_equal(a->state, b->state);
}

static void want_perms(xvios_plat *p, const char *path, const struct xvios_perm *want, unsigned n)
{
    struct xvios_perm *got = NULL;
    unsigned gn = 0;

    assert_int_equal(xvios_store_get_perms(p, XVIOS_TX_NONE, path, &got, &gn), 0);
    assert_int_equal(gn, n);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(got[i].domid, want[i].domid);
        assert_int_equal(got[i].perm, want[i].perm);
    }
    free(got);
}

static void test_put_get_list_remove(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_vtd a = vtd(7, 1, 0, 0, 0), b = vtd(7, 1, 0, 0, 3), c = vtd(8, 2, 4, 63, 255), got, *all = NULL;
    unsigned n = 99;

    two_members(f);
    assert_int_equal(xvios_db_vtd_list(f->dom0, XVIOS_TX_NONE, &all, &n), 0);   /* no table yet */
    assert_int_equal(n, 0);
    free(all);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 0, &got), -ENOENT);

    c.read_only = true;
    c.pool_lu[0] = '\0';   /* an LU attached by path */
    c.client_name[0] = '\0';
    c.client_uuid[0] = '\0';
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &c), 0);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &b), 0);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &a), 0);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 8, 4, 0, 63, 255, &got), 0);
    want_same(&got, &c);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 3, &got), 0);
    want_same(&got, &b);

    /* sorted by client, then vdev, whatever the order written */
    assert_int_equal(xvios_db_vtd_list(f->dom0, XVIOS_TX_NONE, &all, &n), 0);
    assert_int_equal(n, 3);
    want_same(&all[0], &a);
    want_same(&all[1], &b);
    want_same(&all[2], &c);
    free(all);

    /* the same client and vdev: replaced */
    a.node = 2;
    a.read_only = true;
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &a), 0);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 0, &got), 0);
    want_same(&got, &a);

    assert_int_equal(xvios_db_vtd_remove(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 3), 0);
    assert_int_equal(xvios_db_vtd_remove(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 3), -ENOENT);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 3, &got), -ENOENT);
    assert_int_equal(xvios_db_vtd_list(f->dom0, XVIOS_TX_NONE, &all, &n), 0);
    assert_int_equal(n, 2);
    free(all);
}

static void test_permissions(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_vtd a = vtd(7, 1, 0, 0, 0), forged = vtd(7, 1, 0, 0, 9), got, *all = NULL;
    /* the table: dom0's, every member creates records; a record: its writer's, dom0's when dom0 attached it
     * (xenstored deletes what a destroyed domain owned), the VIOS's when it made it (node 1 is domain 5) */
    const struct xvios_perm table[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_BOTH }, { 6, XVIOS_PERM_BOTH } };
    const struct xvios_perm dom0s[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_READ }, { 6, XVIOS_PERM_READ } };
    const struct xvios_perm want[] = { { 5, XVIOS_PERM_NONE }, { 6, XVIOS_PERM_READ } };
    xvios_plat *d5, *d6, *d7;
    char rec[2048];
    unsigned n = 0;

    two_members(f);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 7, "client-7"), 0);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &a), 0);
    want_perms(f->dom0, XVIOS_DB_VTDS, table, 3);
    want_perms(f->dom0, XVIOS_DB_VTDS "/7-0-0-0-0", dom0s, 3);

    d5 = loop_fixture_open(f->root, 5);
    d6 = loop_fixture_open(f->root, 6);
    d7 = loop_fixture_open(f->root, 7);
    assert_non_null(d5);
    assert_non_null(d6);
    assert_non_null(d7);
    /* every member reads every record */
    assert_int_equal(xvios_db_vtd_get(d6, XVIOS_TX_NONE, 7, 0, 0, 0, 0, &got), 0);
    want_same(&got, &a);
    assert_int_equal(xvios_db_vtd_list(d6, XVIOS_TX_NONE, &all, &n), 0);
    assert_int_equal(n, 1);
    free(all);
    /* no VIOS changes or removes what dom0 attached, not even the serving one */
    a.lu[1] = 'x';
    assert_int_equal(xvios_db_vtd_put(d6, XVIOS_TX_NONE, &a), -EACCES);
    assert_int_equal(xvios_db_vtd_remove(d6, XVIOS_TX_NONE, 7, 0, 0, 0, 0), -EACCES);
    assert_int_equal(xvios_db_vtd_put(d5, XVIOS_TX_NONE, &a), -EACCES);
    assert_int_equal(xvios_db_vtd_remove(d5, XVIOS_TX_NONE, 7, 0, 0, 0, 0), -EACCES);
    a.lu[1] = vtd(7, 1, 0, 0, 0).lu[1];
    /* the serving VIOS records a new mapping of its own, owned by it, changes and removes it; a peer cannot */
    a.lun = 1;
    assert_int_equal(xvios_db_vtd_put(d5, XVIOS_TX_NONE, &a), 0);
    want_perms(f->dom0, XVIOS_DB_VTDS "/7-0-0-0-1", want, 2);
    a.read_only = true;
    assert_int_equal(xvios_db_vtd_put(d5, XVIOS_TX_NONE, &a), 0);
    assert_int_equal(xvios_db_vtd_get(d6, XVIOS_TX_NONE, 7, 0, 0, 0, 1, &got), 0);
    want_same(&got, &a);
    assert_int_equal(xvios_db_vtd_remove(d6, XVIOS_TX_NONE, 7, 0, 0, 0, 1), -EACCES);
    assert_int_equal(xvios_db_vtd_remove(d5, XVIOS_TX_NONE, 7, 0, 0, 0, 1), 0);
    a.lun = 0;
    a.read_only = false;
    /* a record another VIOS writes in node 1's name is its own and not believed: -EIO named, skipped listed */
    assert_int_equal(xvios_db_vtd_put(d6, XVIOS_TX_NONE, &forged), 0);
    snprintf(rec, sizeof(rec), "client=7\nuuid=%s\nname=%s\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=9\nlu=%s\n"
             "pool-lu=%s\nro=0\n", forged.client_uuid, forged.client_name, forged.lu, forged.pool_lu);
    assert_int_equal(xvios_store_write(d6, XVIOS_TX_NONE, XVIOS_DB_VTDS "/7-0-0-0-9", rec, strlen(rec)), 0);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 9, &got), -EIO);
    assert_int_equal(xvios_db_vtd_get(d5, XVIOS_TX_NONE, 7, 0, 0, 0, 9, &got), -EIO);
    assert_int_equal(xvios_db_vtd_list(f->dom0, XVIOS_TX_NONE, &all, &n), 0);
    assert_int_equal(n, 1);
    want_same(&all[0], &a);
    free(all);
    assert_int_equal(xvios_db_vtd_remove(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 9), 0);
    /* the client domain reads nothing */
    assert_int_equal(xvios_db_vtd_get(d7, XVIOS_TX_NONE, 7, 0, 0, 0, 0, &got), -EACCES);
    assert_int_equal(xvios_db_vtd_list(d7, XVIOS_TX_NONE, &all, &n), -EACCES);
    assert_int_equal(xvios_store_write(d7, XVIOS_TX_NONE, XVIOS_DB_VTDS "/7-0-0-0-1", "x", 1), -EACCES);

    /* a membership change re-grants the table: a new member reads it, a removed one no longer does (and a
     * removed VIOS's own records become dom0's) */
    const struct xvios_perm table3[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_BOTH }, { 6, XVIOS_PERM_BOTH },
                                         { 9, XVIOS_PERM_BOTH } };
    const struct xvios_perm three[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_READ }, { 6, XVIOS_PERM_READ },
                                        { 9, XVIOS_PERM_READ } };
    const struct xvios_perm two_left[] = { { 0, XVIOS_PERM_NONE }, { 6, XVIOS_PERM_READ },
                                           { 9, XVIOS_PERM_READ } };
    add_vios(f, 9, "vios-c");
    want_perms(f->dom0, XVIOS_DB_VTDS, table3, 4);
    want_perms(f->dom0, XVIOS_DB_VTDS "/7-0-0-0-0", three, 4);
    assert_int_equal(xvios_db_node_remove(f->dom0, 1), 0);   /* node 1 is domain 5 */
    want_perms(f->dom0, XVIOS_DB_VTDS "/7-0-0-0-0", two_left, 3);
    assert_int_equal(xvios_db_vtd_get(d5, XVIOS_TX_NONE, 7, 0, 0, 0, 0, &got), -EACCES);
    assert_int_equal(xvios_db_vtd_get(d6, XVIOS_TX_NONE, 7, 0, 0, 0, 0, &got), 0);   /* dom0's now: believed */
    xvios_plat_close(d5);
    xvios_plat_close(d6);
    xvios_plat_close(d7);
}

static void test_in_callers_tx(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_vtd a = vtd(9, 2, 1, 2, 3), got;
    xvios_tx tx;

    two_members(f);
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx), 0);
    assert_int_equal(xvios_db_vtd_put(f->dom0, tx, &a), 0);
    assert_int_equal(xvios_db_vtd_get(f->dom0, tx, 9, 1, 0, 2, 3, &got), 0);
    assert_int_equal(xvios_store_tx_end(f->dom0, tx, false), 0);   /* aborted: nothing written */
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 9, 1, 0, 2, 3, &got), -ENOENT);

    assert_int_equal(xvios_store_tx_start(f->dom0, &tx), 0);
    assert_int_equal(xvios_db_vtd_put(f->dom0, tx, &a), 0);
    assert_int_equal(xvios_store_tx_end(f->dom0, tx, true), 0);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 9, 1, 0, 2, 3, &got), 0);
    want_same(&got, &a);
    assert_int_equal(xvios_store_tx_start(f->dom0, &tx), 0);
    assert_int_equal(xvios_db_vtd_remove(f->dom0, tx, 9, 1, 0, 2, 3), 0);
    assert_int_equal(xvios_store_tx_end(f->dom0, tx, true), 0);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 9, 1, 0, 2, 3, &got), -ENOENT);
}

static void put_raw(struct loop_fixture *f, const char *name, const char *val)
{
    char path[128];

    snprintf(path, sizeof(path), XVIOS_DB_VTDS "/%s", name);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, path, val, strlen(val)), 0);
}

static void test_malformed(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_vtd good = vtd(7, 1, 0, 0, 0), got, *all = NULL;
    static const char ok_rest[] = "node=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n";
    unsigned n = 0;
    char big[2000];   /* above any record the DB writes, within what the store holds */

    two_members(f);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &good), 0);
    /* each written behind the DB's back at 7-0-0-0-1 (its name matches a good record) */
    const char *bad[] = {
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0",       /* last line */
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=2\n",     /* ro */
        "client=7\nuuid=\nname=x\nnode=0\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n",     /* node 0 */
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=1\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n",     /* channel */
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=a\npool-lu=\nro=0\n",      /* relative */
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a/../b\npool-lu=\nro=0\n",
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=b/c\nro=0\n",  /* LU name */
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=2\nlu=/a\npool-lu=\nro=0\n",     /* not its name */
        "client=8\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n",
        "client=7\nuuid=\nname=x\nname=y\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n",
        "client=7\nuuid=\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n",            /* no name */
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\nx=1\n",
        "client=07\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n",
        "client=7\nuuid=\nname=\x01\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n",
        "client=7\nuuid=6F1C2B9A-0D3E-4C5F-8A7B-000000000007\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\n"
        "lu=/a\npool-lu=\nro=0\n",                                                           /* uuid case */
        "client=7\nuuid=6f1c2b9a\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n",
        "client=7\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n",    /* no uuid */
        "client=7\nuuid=\nname=x\nnode=4294967296\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n",
        "client=7\nuuid=\nname=x\nnode=0257\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\n",
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\nstate=served\n",
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\nstate=\n",
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\nstate=attachingx\n",
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nro=0\nstate=attaching\n"
        "state=attaching\n",
        "client=7\nuuid=\nname=x\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=/a\npool-lu=\nstate=attaching\n",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put_raw(f, "7-0-0-0-1", bad[i]);
        if (xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 1, &got) != -EIO)
            fail_msg("record %zu read as good", i);
        assert_int_equal(xvios_db_vtd_list(f->dom0, XVIOS_TX_NONE, &all, &n), 0);
        assert_int_equal(n, 1);   /* only the good one */
        want_same(&all[0], &good);
        free(all);
    }
    /* a record longer than any the DB writes */
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    put_raw(f, "7-0-0-0-1", big);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 1, &got), -EIO);
    /* the good form of it reads */
    snprintf(big, sizeof(big), "client=7\nuuid=\nname=x\n%s", ok_rest);
    put_raw(f, "7-0-0-0-1", big);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 1, &got), 0);
    assert_string_equal(got.lu, "/a");
    assert_string_equal(got.client_name, "x");
    /* names that are no VTD key are skipped, even with a good record */
    const char *names[] = { "7-0-0-0", "7-0-0-0-1-2", "07-0-0-0-1", "7-0-1-0-1", "7-0-0-64-1", "0-0-0-0-1",
                            "x", "7--0-0-1" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        put_raw(f, names[i], big);
    assert_int_equal(xvios_db_vtd_list(f->dom0, XVIOS_TX_NONE, &all, &n), 0);
    assert_int_equal(n, 2);
    free(all);
}

static void test_bad_args_and_no_cluster(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_vtd v = vtd(7, 1, 0, 0, 0), got, *all = NULL;
    unsigned n = 0;

    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), -ENOENT);   /* no cluster */
    assert_int_equal(xvios_db_vtd_list(f->dom0, XVIOS_TX_NONE, &all, &n), -ENOENT);
    two_members(f);
    struct xvios_db_vtd bad[10];
    for (unsigned i = 0; i < 10; i++)
        bad[i] = v;
    bad[0].client = 0;
    bad[1].node = 0;
    bad[2].node = 0;   /* (a node over XVIOS_NODE_ID_MAX does not fit the field; test_malformed reads one) */
    bad[3].chn = 1;
    bad[4].tgt = 64;
    bad[5].lun = 256;
    snprintf(bad[6].lu, sizeof(bad[6].lu), "relative");
    snprintf(bad[7].client_name, sizeof(bad[7].client_name), "a\nb");
    snprintf(bad[8].client_uuid, sizeof(bad[8].client_uuid), "6F1C2B9A-0D3E-4C5F-8A7B-000000000007");
    snprintf(bad[9].client_uuid, sizeof(bad[9].client_uuid), "not-a-uuid");
    for (unsigned i = 0; i < 10; i++)
        if (xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &bad[i]) != -EINVAL)
            fail_msg("bad VTD %u accepted", i);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, NULL), -EINVAL);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 65536, 0, 0, 0, &got), -EINVAL);
    assert_int_equal(xvios_db_vtd_remove(f->dom0, XVIOS_TX_NONE, 7, 0, 0, 0, 256), -EINVAL);
    assert_int_equal(xvios_db_vtd_list(f->dom0, XVIOS_TX_NONE, &all, &n), 0);
    assert_int_equal(n, 0);
    free(all);
}

/* A multi-host VIOS's id is over 256; a multi-host attach's record carries a state line while it runs, and a
 * complete record is byte for byte what it always was. */
static void test_multihost_node_and_state(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_dominfo info;
    struct xvios_db_vtd v = vtd(7, 770, 2, 1, 4), got, *all = NULL;
    char *raw = NULL, path[128];
    size_t len = 0;
    unsigned n = 0;

    two_members(f);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 9, "vios-mh"), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 9, &info), 0);
    assert_int_equal(xvios_db_node_add_id(f->dom0, &info, 770), 0);
    snprintf(path, sizeof(path), "%s/7-2-0-1-4", XVIOS_DB_VTDS);

    v.state = XVIOS_VTD_ATTACHING;
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), 0);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 2, 0, 1, 4, &got), 0);
    want_same(&got, &v);
    assert_int_equal(got.node, 770);
    assert_int_equal(xvios_store_read(f->dom0, XVIOS_TX_NONE, path, &raw, &len), 0);
    assert_non_null(strstr(raw, "\nnode=770\n"));
    assert_non_null(strstr(raw, "\nro=0\nstate=attaching\n"));
    free(raw);
    v.state = XVIOS_VTD_DETACHING;
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), 0);
    assert_int_equal(xvios_db_vtd_list(f->dom0, XVIOS_TX_NONE, &all, &n), 0);
    assert_int_equal(n, 1);
    want_same(&all[0], &v);
    free(all);
    /* complete: no state line at all, as every single-host record */
    v.state = XVIOS_VTD_SERVED;
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), 0);
    assert_int_equal(xvios_store_read(f->dom0, XVIOS_TX_NONE, path, &raw, &len), 0);
    assert_null(strstr(raw, "state="));
    assert_int_equal(raw[len - 1], '\n');
    assert_non_null(strstr(raw, "\nro=0\n"));
    free(raw);
    assert_int_equal(xvios_db_vtd_get(f->dom0, XVIOS_TX_NONE, 7, 2, 0, 1, 4, &got), 0);
    want_same(&got, &v);
    /* the largest id fits the record */
    v.node = XVIOS_NODE_ID_MAX;
    assert_int_equal(xvios_db_vtd_check(&v), 0);
    v.state = (enum xvios_vtd_state)3;
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), -EINVAL);
    assert_string_equal(xvios_vtd_state_name(XVIOS_VTD_ATTACHING), "attaching");
    assert_string_equal(xvios_vtd_state_name((enum xvios_vtd_state)7), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_put_get_list_remove),
        LOOP_FIXTURE_TEST(test_permissions),
        LOOP_FIXTURE_TEST(test_in_callers_tx),
        LOOP_FIXTURE_TEST(test_malformed),
        LOOP_FIXTURE_TEST(test_bad_args_and_no_cluster),
        LOOP_FIXTURE_TEST(test_multihost_node_and_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
