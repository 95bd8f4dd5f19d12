/* SPDX-License-Identifier: MIT */
/*
 * test_db_client.c - the client and adapter tables on the loopback store:
 * same uuid -> same ClientID through every member, same (client, node,
 * vhost) -> same AdapterID, new ones unique; a counter set back (damage or a
 * peer) hands out no ID in use, a malformed counter stops allocation; the
 * exact permission list of every entry (creator owns, other members READ,
 * a client domain nothing), a member cannot overwrite or remove another's
 * entry; malformed records and index entries written behind the DB's back
 * are -EIO, never trusted; forced EAGAIN conflicts are retried.
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
#include "xvios/db_client.h"
#include "xvios/loopback.h"

static const struct xvios_db_config cfg = { .name = "client-test", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };
static const char U1[] = "6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b";
static const char U2[] = "00000000-1111-2222-3333-444444444444";

static uint32_t add_vios(struct loop_fixture *f, uint32_t domid, const char *name)
{
    struct xvios_dominfo info;
    uint32_t node = 0;

    assert_int_equal(xvios_loop_domain_create(f->dom0, domid, name), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, domid, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    return node;
}

static int login(xvios_plat *p, const char *uuid, const char *name, uint32_t node, uint32_t vhost,
                 struct xvios_db_login_ids *ids)
{
    struct xvios_db_login in = { .uuid = uuid, .name = name, .node = node, .vhost = vhost };
    return xvios_db_client_login(p, &in, ids);
}

static void want_perms(xvios_plat *p, const char *path, const struct xvios_perm *want, unsigned n)
{
    struct xvios_perm *got = NULL;
    unsigned gn = 0;

    assert_int_equal(xvios_store_get_perms(p, XVIOS_TX_NONE, path, &got, &gn), 0);
    if (gn != n)
        print_error("%s: %u entries, expected %u\n", path, gn, n);
    assert_int_equal(gn, n);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(got[i].domid, want[i].domid);
        assert_int_equal(got[i].perm, want[i].perm);
    }
    free(got);
}

struct two {
    uint32_t n1, n2;
    xvios_plat *d5, *d6;
};

static void two_members(struct loop_fixture *f, struct two *t)
{
    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    t->n1 = add_vios(f, 5, "vios-a");
    t->n2 = add_vios(f, 6, "vios-b");
    t->d5 = loop_fixture_open(f->root, 5);
    t->d6 = loop_fixture_open(f->root, 6);
    assert_non_null(t->d5);
    assert_non_null(t->d6);
}

static void test_same_uuid_same_id(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_login_ids a, b, c, d, e;
    struct xvios_db_client cl;
    struct xvios_db_adapter ad;
    struct two t;

    assert_int_equal(login(f->dom0, U1, "client1", 1, 0, &a), -ENOENT);   /* no cluster */
    two_members(f, &t);
    assert_int_equal(login(t.d5, U1, "client1", t.n1, 0, &a), 0);
    assert_true(a.new_client && a.new_adapter);
    assert_int_equal(a.client_id, 1);
    assert_int_equal(a.adapter_id, 1);
    /* the same vhost again (a reconnect): the same IDs, nothing new */
    assert_int_equal(login(t.d5, U1, "client1", t.n1, 0, &b), 0);
    assert_false(b.new_client || b.new_adapter);
    assert_int_equal(b.client_id, a.client_id);
    assert_int_equal(b.adapter_id, a.adapter_id);
    /* through the other VIOS, uuid in upper case: the same client, a second adapter (another I_T nexus) */
    char upper[37];
    for (unsigned i = 0; i < 37; i++)
        upper[i] = (char)(U1[i] >= 'a' && U1[i] <= 'f' ? U1[i] - 'a' + 'A' : U1[i]);
    assert_int_equal(login(t.d6, upper, "client1", t.n2, 0, &c), 0);
    assert_false(c.new_client);
    assert_true(c.new_adapter);
    assert_int_equal(c.client_id, a.client_id);
    assert_int_equal(c.adapter_id, 2);
    /* another vhost of the same client on VIOS 1: a third adapter; another client: ClientID 2 */
    assert_int_equal(login(t.d5, U1, "client1", t.n1, 1, &d), 0);
    assert_int_equal(d.adapter_id, 3);
    assert_int_equal(login(t.d6, U2, "client2", t.n2, 0, &e), 0);
    assert_int_equal(e.client_id, 2);
    assert_int_equal(e.adapter_id, 4);
    /* read back by any member */
    assert_int_equal(xvios_db_client_get(t.d6, XVIOS_TX_NONE, 1, &cl), 0);
    assert_string_equal(cl.uuid, U1);
    assert_string_equal(cl.name, "client1");
    assert_int_equal(cl.node, t.n1);
    assert_int_equal(xvios_db_client_by_uuid(t.d5, XVIOS_TX_NONE, U2, &cl), 0);
    assert_int_equal(cl.id, 2);
    assert_int_equal(xvios_db_adapter_get(t.d5, XVIOS_TX_NONE, 2, &ad), 0);
    assert_int_equal(ad.client_id, 1);
    assert_int_equal(ad.node, t.n2);
    assert_int_equal(ad.vhost, 0);
    assert_int_equal(xvios_db_client_get(t.d5, XVIOS_TX_NONE, 9, &cl), -ENOENT);
    /* bad arguments */
    assert_int_equal(login(t.d5, "not-a-uuid", "c", t.n1, 0, &a), -EINVAL);
    assert_int_equal(login(t.d5, U1, "", t.n1, 0, &a), -EINVAL);
    assert_int_equal(login(t.d5, U1, "bad\nname", t.n1, 0, &a), -EINVAL);
    assert_int_equal(login(t.d5, U1, "c", 0, 0, &a), -EINVAL);
    assert_int_equal(login(t.d5, U1, "c", 7, 0, &a), -EINVAL);      /* node 7 is no member */
    assert_int_equal(login(t.d5, U1, "c", t.n1, 65536, &a), -EINVAL);
    xvios_plat_close(t.d5);
    xvios_plat_close(t.d6);
}

static void test_permissions(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_login_ids a;
    struct two t;
    char *v = NULL;

    two_members(f, &t);
    assert_int_equal(login(t.d5, U1, "client1", t.n1, 3, &a), 0);
    const struct xvios_perm mine5[] = { { 5, XVIOS_PERM_NONE }, { 6, XVIOS_PERM_READ } };
    const struct xvios_perm shared[] = { { 0, XVIOS_PERM_NONE }, { 5, XVIOS_PERM_BOTH }, { 6, XVIOS_PERM_BOTH } };
    want_perms(f->dom0, "/xvios/clients/1", mine5, 2);
    want_perms(f->dom0, "/xvios/client-uuids/6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b", mine5, 2);
    want_perms(f->dom0, "/xvios/adapters/1", mine5, 2);
    want_perms(f->dom0, "/xvios/adapter-keys/1-1-3", mine5, 2);
    want_perms(f->dom0, "/xvios/next-client-id", shared, 3);
    want_perms(f->dom0, "/xvios/client-uuids", shared, 3);
    want_perms(f->dom0, "/xvios/adapter-keys", shared, 3);
    /* member 6 reads it, but can neither overwrite nor remove nor re-point what member 5 wrote */
    assert_int_equal(xvios_store_read(t.d6, XVIOS_TX_NONE, "/xvios/clients/1", &v, NULL), 0);
    free(v);
    v = NULL;
    assert_int_equal(xvios_store_write(t.d6, XVIOS_TX_NONE, "/xvios/clients/1", "uuid=x", 6), -EACCES);
    assert_int_equal(xvios_store_rm(t.d6, XVIOS_TX_NONE, "/xvios/clients/1"), -EACCES);
    assert_int_equal(xvios_store_write(t.d6, XVIOS_TX_NONE, "/xvios/client-uuids/6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b",
                                       "2", 1), -EACCES);
    assert_int_equal(xvios_store_write(t.d6, XVIOS_TX_NONE, "/xvios/adapter-keys/1-1-3", "9", 1), -EACCES);
    /* a client domain reads nothing, writes nothing */
    assert_int_equal(xvios_loop_domain_create(f->dom0, 9, "client9"), 0);
    xvios_plat *d9 = loop_fixture_open(f->root, 9);
    assert_non_null(d9);
    assert_int_equal(xvios_store_read(d9, XVIOS_TX_NONE, "/xvios/clients/1", &v, NULL), -EACCES);
    assert_int_equal(xvios_store_read(d9, XVIOS_TX_NONE, "/xvios/adapter-keys/1-1-3", &v, NULL), -EACCES);
    assert_int_equal(xvios_store_write(d9, XVIOS_TX_NONE, "/xvios/clients/5", "x", 1), -EACCES);
    assert_int_equal(login(d9, U2, "client9", t.n1, 0, &a), -EACCES);
    /* member 5 leaves: its entries pass to dom0, member 6 keeps READ only */
    assert_int_equal(xvios_db_node_remove(f->dom0, t.n1), 0);
    const struct xvios_perm dom0s[] = { { 0, XVIOS_PERM_NONE }, { 6, XVIOS_PERM_READ } };
    want_perms(f->dom0, "/xvios/clients/1", dom0s, 2);
    assert_int_equal(xvios_store_write(t.d6, XVIOS_TX_NONE, "/xvios/clients/1", "x", 1), -EACCES);
    assert_int_equal(xvios_store_read(t.d5, XVIOS_TX_NONE, "/xvios/clients/1", &v, NULL), -EACCES);
    /* and the client is still the same client through VIOS 6 */
    assert_int_equal(login(t.d6, U1, "client1", t.n2, 3, &a), 0);
    assert_int_equal(a.client_id, 1);
    xvios_plat_close(d9);
    xvios_plat_close(t.d5);
    xvios_plat_close(t.d6);
}

static void test_counters(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_login_ids a, b;
    struct two t;

    two_members(f, &t);
    assert_int_equal(login(t.d5, U1, "client1", t.n1, 0, &a), 0);
    assert_int_equal(login(t.d5, U2, "client2", t.n1, 0, &b), 0);
    /* a peer (or damage) sets the counters back: no ID in use is handed out again */
    assert_int_equal(xvios_store_write(t.d6, XVIOS_TX_NONE, "/xvios/next-client-id", "1", 1), 0);
    assert_int_equal(xvios_store_write(t.d6, XVIOS_TX_NONE, "/xvios/next-adapter-id", "0", 1), 0);
    assert_int_equal(login(t.d6, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "client3", t.n2, 0, &a), 0);
    assert_int_equal(a.client_id, 3);
    assert_int_equal(a.adapter_id, 3);
    char *v = NULL;
    assert_int_equal(xvios_store_read(f->dom0, XVIOS_TX_NONE, "/xvios/next-client-id", &v, NULL), 0);
    assert_string_equal(v, "4");
    free(v);
    /* a counter that is no number stops allocation rather than guessing; lookups still work */
    assert_int_equal(xvios_store_write(t.d6, XVIOS_TX_NONE, "/xvios/next-client-id", "07", 2), 0);
    assert_int_equal(login(t.d5, "aaaaaaaa-bbbb-cccc-dddd-ffffffffffff", "client4", t.n1, 0, &a), -EIO);
    assert_int_equal(login(t.d5, U1, "client1", t.n1, 0, &a), 0);
    assert_int_equal(a.client_id, 1);
    /* forced conflicts are retried */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/next-client-id", "4", 1), 0);
    assert_int_equal(xvios_loop_tx_fail_every(t.d5, 2), 0);
    assert_int_equal(login(t.d5, "aaaaaaaa-bbbb-cccc-dddd-ffffffffffff", "client4", t.n1, 0, &a), 0);
    assert_int_equal(a.client_id, 4);
    /* every commit conflicting: -EAGAIN after the retries, nothing written */
    assert_int_equal(xvios_loop_tx_fail_every(t.d5, 1), 0);
    assert_int_equal(login(t.d5, "aaaaaaaa-bbbb-cccc-dddd-000000000000", "client5", t.n1, 0, &a), -EAGAIN);
    assert_int_equal(xvios_loop_tx_fail_every(t.d5, 0), 0);
    struct xvios_db_client cl;
    assert_int_equal(xvios_db_client_by_uuid(t.d5, XVIOS_TX_NONE, "aaaaaaaa-bbbb-cccc-dddd-000000000000", &cl),
                     -ENOENT);
    xvios_plat_close(t.d5);
    xvios_plat_close(t.d6);
}

static void test_malformed(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_login_ids a;
    struct xvios_db_client cl;
    struct xvios_db_adapter ad;
    struct two t;
    static const char *const bad_clients[] = {
        "",
        "uuid=6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b\nname=client1\n",                       /* no node */
        "uuid=6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b\nname=client1\nnode=1",                  /* unterminated */
        "uuid=6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b\nname=client1\nnode=01\n",               /* not canonical */
        "uuid=6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b\nname=client1\nnode=1\nnode=1\n",        /* repeated */
        "uuid=6F1C2B9A-0D3E-4C5F-8A7B-1C2D3E4F5A6B\nname=client1\nnode=1\n",                /* not lowercase */
        "uuid=6f1c2b9a\nname=client1\nnode=1\n",
        "uuid=6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b\nname=\nnode=1\n",
        "uuid=6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b\nname=client1\nnode=1\nextra=1\n",
        "uuid=6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b\nname=client1\nnode=4294967296\n",       /* over any node id */
        "garbage",
    };

    two_members(f, &t);
    assert_int_equal(login(t.d5, U1, "client1", t.n1, 0, &a), 0);
    for (size_t i = 0; i < sizeof(bad_clients) / sizeof(bad_clients[0]); i++) {
        /* dom0 stands in for a compromised member writing its own record */
        assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/clients/1", bad_clients[i],
                                           strlen(bad_clients[i])), 0);
        assert_int_equal(xvios_db_client_get(t.d6, XVIOS_TX_NONE, 1, &cl), -EIO);
        assert_int_equal(login(t.d6, U1, "client1", t.n2, 0, &a), -EIO);
    }
    /* the record names another uuid than its index entry */
    const char *other = "uuid=00000000-1111-2222-3333-444444444444\nname=client1\nnode=1\n";
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/clients/1", other, strlen(other)), 0);
    assert_int_equal(login(t.d6, U1, "client1", t.n2, 0, &a), -EIO);
    /* the index names a ClientID with no record, or no number */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/client-uuids/" "6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b",
                                       "77", 2), 0);
    assert_int_equal(login(t.d6, U1, "client1", t.n2, 0, &a), -EIO);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, "/xvios/client-uuids/" "6f1c2b9a-0d3e-4c5f-8a7b-1c2d3e4f5a6b",
                                       "x1", 2), 0);
    assert_int_equal(login(t.d6, U1, "client1", t.n2, 0, &a), -EIO);
    /* a damaged adapter record or key */
    assert_int_equal(login(t.d6, U2, "client2", t.n2, 4, &a), 0);
    const char *bad_ad = "client=2\nnode=2\nvhost=70000\n";
    char path[64];
    snprintf(path, sizeof(path), "/xvios/adapters/%u", a.adapter_id);
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, path, bad_ad, strlen(bad_ad)), 0);
    assert_int_equal(xvios_db_adapter_get(t.d5, XVIOS_TX_NONE, a.adapter_id, &ad), -EIO);
    assert_int_equal(login(t.d6, U2, "client2", t.n2, 4, &a), -EIO);
    const char *moved = "client=2\nnode=2\nvhost=5\n";   /* well formed, but not this key's adapter */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, path, moved, strlen(moved)), 0);
    assert_int_equal(login(t.d6, U2, "client2", t.n2, 4, &a), -EIO);
    xvios_plat_close(t.d5);
    xvios_plat_close(t.d6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_same_uuid_same_id),
        LOOP_FIXTURE_TEST(test_permissions),
        LOOP_FIXTURE_TEST(test_counters),
        LOOP_FIXTURE_TEST(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
