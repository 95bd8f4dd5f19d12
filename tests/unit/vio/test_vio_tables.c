/* SPDX-License-Identifier: MIT */
/*
 * test_vio_tables.c - the management API's client, adapter, path and
 * mapping objects (xvios/vio.h) on the loopback store: client and adapter
 * list/get from the DB's tables as VIOSes' logins filled them (paged with
 * after=), path list/get from the VIOSes' published entries, mapping
 * list/get from the DB's VTD table on any node (a VIOS's daemon too),
 * create/delete through dom0's hooks (here recording fakes) and refused
 * off dom0; every refusal with its VIOException code; the change a
 * mapping create/delete reports for its Lifecycle event.
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
#include "xvios/db_path.h"
#include "xvios/db_vtd.h"
#include "xvios/loopback.h"
#include "xvios/vio.h"

#define REQ(body) "<vioRequest version=\"1\">" body "</vioRequest>"

static const struct xvios_db_config cfg = { .name = "tables", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };
static char out[XVIOS_VIO_RESPONSE_MAX];

static struct loop_fixture *setup_cluster(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_dominfo info;
    uint32_t node;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    for (uint32_t domid = 101; domid <= 102; domid++) {
        char name[16];
        snprintf(name, sizeof(name), "vios-%u", domid - 100);
        assert_int_equal(xvios_loop_domain_create(f->dom0, domid, name), 0);
        assert_int_equal(xvios_plat_domain_info(f->dom0, domid, &info), 0);
        assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    }
    return f;
}

static const char *run(const struct xvios_vio_env *env, const char *xml, struct xvios_vio_change *chg)
{
    size_t len = 0;

    assert_int_equal(xvios_vio_handle(env, xml, strlen(xml), out, sizeof(out), &len, chg), 0);
    assert_int_equal(strlen(out), len);
    return out;
}

static void want_ok(const char *resp, const char *needle)
{
    if (!strstr(resp, "status=\"ok\"") || (needle && !strstr(resp, needle)))
        fail_msg("wanted ok with %s, got:\n%s", needle ? needle : "(anything)", resp);
}

static void want_exception(const char *resp, const char *code)
{
    char tag[64];

    snprintf(tag, sizeof(tag), "<VIOException code=\"%s\">", code);
    if (!strstr(resp, "status=\"exception\"") || !strstr(resp, tag))
        fail_msg("wanted %s, got:\n%s", code, resp);
    assert_null(strstr(resp, "\"></VIOException>"));
}

static unsigned count(const char *s, const char *needle)
{
    unsigned n = 0;

    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void login(xvios_plat *vios, uint32_t node, unsigned i, uint32_t vhost, struct xvios_db_login_ids *ids)
{
    char uuid[40], name[16];
    struct xvios_db_login in = { .uuid = uuid, .name = name, .node = node, .vhost = vhost };

    snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012x", i);
    snprintf(name, sizeof(name), "client-%u", i);
    assert_int_equal(xvios_db_client_login(vios, &in, ids), 0);
}

static void test_client_adapter(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    xvios_plat *v1 = loop_fixture_open(f->root, 101), *v2 = loop_fixture_open(f->root, 102);
    struct xvios_vio_env env = { .p = v2, .self_node = 2 };
    struct xvios_db_login_ids a, b, c;

    want_ok(run(&env, REQ("<client action=\"list\"/>"), NULL), NULL);
    assert_int_equal(count(out, "<client "), 0);
    login(v1, 1, 1, 0, &a);
    login(v1, 1, 2, 0, &b);
    login(v2, 2, 1, 3, &c);   /* client 1 again, through node 2's vhost 3: the same ClientID, a new adapter */
    assert_int_equal(c.client_id, a.client_id);
    want_ok(run(&env, REQ("<client action=\"list\"/>"), NULL), "<client id=\"1\" uuid=\"00000000-0000-4000-8000-000000000001\" name=\"client-1\" node=\"1\"/>");
    assert_int_equal(count(out, "<client "), 2);
    want_ok(run(&env, REQ("<client action=\"list\" after=\"1\"/>"), NULL), "<client id=\"2\"");
    assert_int_equal(count(out, "<client "), 1);
    want_ok(run(&env, REQ("<client action=\"get\" id=\"2\"/>"), NULL), "name=\"client-2\"");
    want_exception(run(&env, REQ("<client action=\"get\" id=\"9\"/>"), NULL), "NOT_FOUND");
    want_exception(run(&env, REQ("<client action=\"get\" id=\"0\"/>"), NULL), "INVALID");
    want_exception(run(&env, REQ("<client action=\"get\" id=\"4294967295\"/>"), NULL), "BAD_VALUE");
    want_exception(run(&env, REQ("<client action=\"create\" id=\"3\"/>"), NULL), "INVALID");

    want_ok(run(&env, REQ("<adapter action=\"list\"/>"), NULL), NULL);
    assert_int_equal(count(out, "<adapter "), 3);
    char want[96];
    snprintf(want, sizeof(want), "<adapter id=\"%u\" client=\"%u\" node=\"2\" vhost=\"3\"/>", c.adapter_id, a.client_id);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof(want), REQ("<adapter action=\"get\" id=\"%u\"/>"), c.adapter_id);
    want_ok(run(&env, want, NULL), "node=\"2\" vhost=\"3\"");
    assert_int_equal(count(out, "<adapter "), 1);
    want_exception(run(&env, REQ("<adapter action=\"get\" id=\"77\"/>"), NULL), "NOT_FOUND");
    want_exception(run(&env, REQ("<adapter action=\"delete\" id=\"1\"/>"), NULL), "INVALID");

    /* a damaged record is left out of the list and a get says so */
    assert_int_equal(xvios_store_write(f->dom0, XVIOS_TX_NONE, XVIOS_DB_ROOT "/clients/2", "uuid=x\n", 7), 0);
    want_ok(run(&env, REQ("<client action=\"list\"/>"), NULL), "<client id=\"1\"");
    assert_int_equal(count(out, "<client "), 1);
    want_exception(run(&env, REQ("<client action=\"get\" id=\"2\"/>"), NULL), "INTERNAL");
    xvios_plat_close(v1);
    xvios_plat_close(v2);
}

static void test_client_list_pages(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    xvios_plat *v1 = loop_fixture_open(f->root, 101);
    struct xvios_vio_env env = { .p = v1, .self_node = 1 };
    struct xvios_db_login_ids ids;
    char req[128];
    unsigned seen = 0, pages = 0, last = 0;

    for (unsigned i = 1; i <= 120; i++)   /* ~110 bytes each: 13 KB, several responses of 4 KiB */
        login(v1, 1, i, 0, &ids);
    for (;;) {
        size_t len;
        const char *p;

        snprintf(req, sizeof(req), last ? REQ("<client action=\"list\" after=\"%u\"/>") : REQ("<client action=\"list\"/>"), last);
        assert_int_equal(xvios_vio_handle(&env, req, strlen(req), out, 4096, &len, NULL), 0);
        want_ok(out, NULL);
        pages++;
        for (p = out; (p = strstr(p, "<client id=\"")); p++) {
            unsigned id = (unsigned)strtoul(p + 12, NULL, 10);
            assert_int_equal(id, last + 1);   /* ascending, none lost, none twice */
            last = id;
            seen++;
        }
        if (!strstr(out, "more=\"true\""))
            break;
        assert_true(pages < 20);
    }
    assert_int_equal(seen, 120);
    assert_true(pages >= 3);
    xvios_plat_close(v1);
}

static void test_path(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    xvios_plat *v1 = loop_fixture_open(f->root, 101), *v2 = loop_fixture_open(f->root, 102);
    struct xvios_vio_env env = { .p = v2, .self_node = 2 };
    struct xvios_db_path e = { .state = XVIOS_PATH_GOOD, .since_ms = 1234 };

    want_ok(run(&env, REQ("<path action=\"list\"/>"), NULL), NULL);
    assert_int_equal(count(out, "<path "), 0);
    snprintf(e.backing, sizeof(e.backing), "/dev/xvdb");
    snprintf(e.key, sizeof(e.key), "db1");
    assert_int_equal(xvios_db_path_publish(v1, 1, &e), 0);
    snprintf(e.key, sizeof(e.key), "db2");
    e.state = XVIOS_PATH_LOST;
    assert_int_equal(xvios_db_path_publish(v1, 1, &e), 0);
    snprintf(e.key, sizeof(e.key), "db1");
    e.state = XVIOS_PATH_GOOD;
    e.io_errors = 7;
    assert_int_equal(xvios_db_path_publish(v2, 2, &e), 0);

    want_ok(run(&env, REQ("<path action=\"list\"/>"), NULL),
            "<path node=\"1\" key=\"db1\" state=\"good\" backing=\"/dev/xvdb\" sinceMs=\"1234\" ioErrors=\"0\"/>");
    assert_int_equal(count(out, "<path "), 3);
    assert_non_null(strstr(out, "<path node=\"1\" key=\"db2\" state=\"lost\""));
    want_ok(run(&env, REQ("<path action=\"list\" node=\"1\"/>"), NULL), NULL);
    assert_int_equal(count(out, "<path "), 2);
    want_ok(run(&env, REQ("<path action=\"list\" node=\"1\" after=\"db1\"/>"), NULL), "key=\"db2\"");
    assert_int_equal(count(out, "<path "), 1);
    want_ok(run(&env, REQ("<path action=\"get\" node=\"2\" key=\"db1\"/>"), NULL), "<path node=\"2\" key=\"db1\"");
    assert_non_null(strstr(out, "ioErrors=\"7\""));
    want_exception(run(&env, REQ("<path action=\"get\" node=\"2\" key=\"db2\"/>"), NULL), "NOT_FOUND");
    want_exception(run(&env, REQ("<path action=\"get\" node=\"5\" key=\"db1\"/>"), NULL), "NOT_FOUND");
    want_exception(run(&env, REQ("<path action=\"list\" node=\"5\"/>"), NULL), "NOT_FOUND");
    want_exception(run(&env, REQ("<path action=\"list\" after=\"db1\"/>"), NULL), "INVALID");
    want_exception(run(&env, REQ("<path action=\"get\" node=\"1\"/>"), NULL), "INVALID");
    want_exception(run(&env, REQ("<path action=\"create\" node=\"1\" key=\"x\"/>"), NULL), "INVALID");
    xvios_plat_close(v1);
    xvios_plat_close(v2);
}

/* ---------------------------------------------------------------- mapping: reads from the VTD table, writes through recording fake hooks */
static struct {
    unsigned attaches, detaches;
    struct xvios_vio_req last;
    enum xvios_vio_code refuse;   /* attach/detach refuse with this (OK: succeed) */
    unsigned refuse_attaches;     /* this many attaches refused with IN_USE first */
    struct xvios_vio_req first;   /* the first request of a modify (its detach) */
} hook;

static const struct xvios_vio_mapping two[] = {
    { .client = 7, .client_name = "web", .node = 1, .vdev = { 0, 0, 0, 0 }, .lu = "/dev/xvdb", .pool_lu = "db1",
      .state = "connected" },
};

/* The VTD table as dom0's attaches would leave it: client 7 ("web") with two LUNs, client 9 with one. */
static void record_vtds(xvios_plat *dom0)
{
    const struct xvios_db_vtd v[] = {
        { .client = 9, .client_name = "db", .node = 2, .vhost = 1, .lun = 4, .lu = "/srv/c.img" },
        { .client = 7, .client_name = "web", .node = 1, .tgt = 1, .lu = "/srv/a.img", .read_only = true },
        { .client = 7, .client_name = "web", .node = 1, .lu = "/dev/xvdb", .pool_lu = "db1" },
    };

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        assert_int_equal(xvios_db_vtd_put(dom0, XVIOS_TX_NONE, &v[i]), 0);
}

static int fake_change(const struct xvios_vio_req *rq, struct xvios_vio_mapping *m, struct xvios_vio_err *err)
{
    hook.last = *rq;
    if (hook.refuse != XVIOS_VIO_OK)
        return xvios_vio_fail(err, hook.refuse, "refused by the fake");
    *m = two[0];
    m->vdev = rq->vdev;
    return 0;
}

static int fake_attach(void *arg, const struct xvios_vio_req *rq, struct xvios_vio_mapping *m, struct xvios_vio_err *err)
{
    (void)arg;
    hook.attaches++;
    if (hook.refuse_attaches) {
        hook.refuse_attaches--;
        hook.last = *rq;
        return xvios_vio_fail(err, XVIOS_VIO_IN_USE, "attached read-write elsewhere");
    }
    return fake_change(rq, m, err);
}

static int fake_detach(void *arg, const struct xvios_vio_req *rq, struct xvios_vio_mapping *m, struct xvios_vio_err *err)
{
    (void)arg;
    hook.detaches++;
    hook.first = *rq;
    return fake_change(rq, m, err);
}

/* list and get from the VTD table: in dom0 and through a VIOS, the same answer */
static void mapping_reads(const struct xvios_vio_env *env)
{
    struct xvios_vio_change chg;

    want_ok(run(env, REQ("<mapping action=\"list\"/>"), &chg), NULL);
    assert_int_equal(count(out, "<mapping "), 3);
    assert_false(chg.changed);
    /* sorted by client and vdev; no state (that is the nodes', read by dom0 only) */
    assert_non_null(strstr(out, "<mapping client=\"7\" clientName=\"web\" vdev=\"0:0:0:0\" node=\"1\" "
                                "lu=\"/dev/xvdb\" poolLu=\"db1\" readOnly=\"false\"/>\n"
                                "  <mapping client=\"7\" clientName=\"web\" vdev=\"0:0:1:0\" node=\"1\" "
                                "lu=\"/srv/a.img\" readOnly=\"true\"/>\n"
                                "  <mapping client=\"9\" clientName=\"db\" vdev=\"1:0:0:4\" node=\"2\" "
                                "lu=\"/srv/c.img\" readOnly=\"false\"/>"));
    assert_null(strstr(out, "state="));
    want_ok(run(env, REQ("<mapping action=\"list\" client=\"web\"/>"), NULL), NULL);
    assert_int_equal(count(out, "<mapping "), 2);
    want_ok(run(env, REQ("<mapping action=\"list\" client=\"9\"/>"), NULL), "vdev=\"1:0:0:4\"");
    assert_int_equal(count(out, "<mapping "), 1);
    want_ok(run(env, REQ("<mapping action=\"list\" client=\"nosuch\"/>"), NULL), NULL);
    assert_int_equal(count(out, "<mapping "), 0);
    want_ok(run(env, REQ("<mapping action=\"get\" client=\"web\" vdev=\"0:0:1:0\"/>"), NULL), "lu=\"/srv/a.img\"");
    assert_int_equal(count(out, "<mapping "), 1);
    assert_non_null(strstr(out, "readOnly=\"true\""));
    assert_null(strstr(out, "poolLu="));
    want_ok(run(env, REQ("<mapping action=\"get\" client=\"7\" vdev=\"0:0:0:0\"/>"), NULL), "poolLu=\"db1\"");
    want_exception(run(env, REQ("<mapping action=\"get\" client=\"web\" vdev=\"0:0:2:0\"/>"), NULL), "NOT_FOUND");
    want_exception(run(env, REQ("<mapping action=\"get\" client=\"db\" vdev=\"0:0:0:0\"/>"), NULL), "NOT_FOUND");
}

static void test_mapping(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = { .p = f->dom0, .self_node = 0, .dom0 = true, .attach = fake_attach,
                                 .detach = fake_detach };
    struct xvios_vio_change chg;

    memset(&hook, 0, sizeof(hook));
    want_ok(run(&env, REQ("<mapping action=\"list\"/>"), &chg), NULL);   /* no table yet */
    assert_int_equal(count(out, "<mapping "), 0);
    record_vtds(f->dom0);
    mapping_reads(&env);
    assert_int_equal(hook.attaches + hook.detaches, 0);

    want_ok(run(&env, REQ("<mapping action=\"create\" client=\"web\" vdev=\"3:0:5:7\" lu=\"db1\" node=\"2\" "
                          "readOnly=\"true\"/>"), &chg), "vdev=\"3:0:5:7\"");
    assert_int_equal(hook.attaches, 1);
    assert_string_equal(hook.last.backing, "db1");
    assert_int_equal(hook.last.node_id, 2);
    assert_true(hook.last.read_only);
    assert_false(hook.last.shared);
    assert_true(chg.changed);
    assert_int_equal(chg.object, XVIOS_VIO_MAPPING);
    assert_string_equal(chg.action, "created");
    assert_string_equal(chg.key, "7:3:0:5:7");
    want_ok(run(&env, REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0:1\" lu=\"/srv/b.img\"/>"), NULL),
            NULL);
    assert_string_equal(hook.last.backing, "/srv/b.img");
    assert_int_equal(hook.last.node_id, 0);
    assert_false(hook.last.read_only);
    want_ok(run(&env, REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0:2\" lu=\"db1\" shared=\"true\"/>"),
                NULL), NULL);
    assert_true(hook.last.shared);
    /* a multi-host VIOS (id over 256) reaches the hook, which checks it is a member */
    want_ok(run(&env, REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0:3\" lu=\"db1\" node=\"513\"/>"),
                NULL), NULL);
    assert_int_equal(hook.last.node_id, 513);
    want_exception(run(&env, REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0:2\" lu=\"db1\" shared=\"yes\"/>"),
                       NULL), "INVALID");

    want_ok(run(&env, REQ("<mapping action=\"delete\" client=\"7\" vdev=\"0:0:0:0\"/>"), &chg), NULL);
    assert_int_equal(hook.detaches, 1);
    assert_string_equal(chg.action, "deleted");
    assert_string_equal(chg.key, "7:0:0:0:0");

    assert_non_null(strstr(out, "state=\"connected\""));   /* the answer of a delete: as the nodes said */
    /* the hooks' refusals pass through with their codes; nothing is reported changed */
    const enum xvios_vio_code codes[] = { XVIOS_VIO_IN_USE, XVIOS_VIO_EXISTS, XVIOS_VIO_UNAVAILABLE,
                                          XVIOS_VIO_CONFLICT, XVIOS_VIO_NOT_FOUND };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        hook.refuse = codes[i];
        want_exception(run(&env, REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0:2\" lu=\"db1\"/>"), &chg),
                       xvios_vio_code_name(codes[i]));
        assert_false(chg.changed);
        want_exception(run(&env, REQ("<mapping action=\"delete\" client=\"web\" vdev=\"0:0:0:2\"/>"), &chg),
                       xvios_vio_code_name(codes[i]));
        assert_false(chg.changed);
    }
    hook.refuse = XVIOS_VIO_OK;

    /* bad values never reach the hooks */
    unsigned before = hook.attaches + hook.detaches;
    const char *bad[][2] = {
        { REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:1:0:0\" lu=\"db1\"/>"), "BAD_VALUE" },  /* channel */
        { REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:64:0\" lu=\"db1\"/>"), "BAD_VALUE" },
        { REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0:256\" lu=\"db1\"/>"), "BAD_VALUE" },
        { REQ("<mapping action=\"create\" client=\"web\" vdev=\"65536:0:0:0\" lu=\"db1\"/>"), "BAD_VALUE" },
        { REQ("<mapping action=\"create\" client=\"web\" vdev=\"01:0:0:0\" lu=\"db1\"/>"), "BAD_VALUE" },
        { REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0\" lu=\"db1\"/>"), "INVALID" },
        { REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0:0\"/>"), "INVALID" },
        { REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0:0\" lu=\"re/l\"/>"), "INVALID" },
        { REQ("<mapping action=\"create\" client=\"w b\" vdev=\"0:0:0:0\" lu=\"db1\"/>"), "INVALID" },
        { REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0:0\" lu=\"db1\" node=\"0\"/>"), "INVALID" },
        { REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0:0\" lu=\"db1\" node=\"4294967296\"/>"), "BAD_VALUE" },
        { REQ("<mapping action=\"delete\" client=\"web\"/>"), "INVALID" },
        { REQ("<mapping action=\"modify\" client=\"web\" vdev=\"0:0:0:0\"/>"), "INVALID" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        want_exception(run(&env, bad[i][0], &chg), bad[i][1]);
        assert_false(chg.changed);
    }
    assert_int_equal(hook.attaches + hook.detaches, before);
}

/* A mapping list outgrowing its message is paged: more="true", then after= the last one received. */
/* modify (the mode): plugged out and in again through the hooks, on the record's VIOS and LU; refusals */
static void test_mapping_modify(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = { .p = f->dom0, .self_node = 0, .dom0 = true, .attach = fake_attach,
                                 .detach = fake_detach };
    struct xvios_vio_env venv = env;
    struct xvios_vio_change chg;

    memset(&hook, 0, sizeof(hook));
    record_vtds(f->dom0);
    /* web's 0:0:0:0 (pool LU db1 through node 1, read-write) made read-only: a detach, then an attach */
    want_ok(run(&env, REQ("<mapping action=\"modify\" client=\"web\" vdev=\"0:0:0:0\" readOnly=\"true\"/>"), &chg),
            "vdev=\"0:0:0:0\"");
    assert_int_equal(hook.detaches, 1);
    assert_int_equal(hook.first.action, XVIOS_VIO_DELETE);
    assert_int_equal(hook.attaches, 1);
    assert_int_equal(hook.last.action, XVIOS_VIO_CREATE);
    assert_string_equal(hook.last.backing, "db1");
    assert_int_equal(hook.last.node_id, 1);
    assert_true(hook.last.read_only);
    assert_true(chg.changed);
    assert_string_equal(chg.action, "modified");
    assert_string_equal(chg.key, "7:0:0:0:0");
    /* a path LU (web's 0:0:1:0, read-only) made read-write by domid: its path is the LU */
    want_ok(run(&env, REQ("<mapping action=\"modify\" client=\"7\" vdev=\"0:0:1:0\" readOnly=\"false\"/>"), NULL),
            NULL);
    assert_string_equal(hook.last.backing, "/srv/a.img");
    assert_false(hook.last.read_only);

    /* refusals, nothing plugged */
    memset(&hook, 0, sizeof(hook));
    want_exception(run(&env, REQ("<mapping action=\"modify\" client=\"db\" vdev=\"1:0:0:4\" readOnly=\"false\"/>"),
                       &chg), "BAD_VALUE");   /* read-write already */
    assert_false(chg.changed);
    want_exception(run(&env, REQ("<mapping action=\"modify\" client=\"db\" vdev=\"1:0:0:5\" readOnly=\"true\"/>"),
                       NULL), "NOT_FOUND");
    venv.dom0 = false;
    want_exception(run(&venv, REQ("<mapping action=\"modify\" client=\"db\" vdev=\"1:0:0:4\" readOnly=\"true\"/>"),
                       NULL), "DOM0_ONLY");
    assert_int_equal(hook.attaches + hook.detaches, 0);

    /* the new mode refused: attached again as it was (shared: it was attached so), the refusal told */
    hook.refuse_attaches = 1;
    want_exception(run(&env, REQ("<mapping action=\"modify\" client=\"db\" vdev=\"1:0:0:4\" readOnly=\"true\"/>"),
                       &chg), "IN_USE");
    assert_non_null(strstr(out, "attached as it was"));
    assert_false(chg.changed);
    assert_int_equal(hook.detaches, 1);
    assert_int_equal(hook.attaches, 2);
    assert_false(hook.last.read_only);
    assert_true(hook.last.shared);
    /* ... and when that fails too, the answer says the LUN is gone */
    memset(&hook, 0, sizeof(hook));
    hook.refuse_attaches = 2;
    want_exception(run(&env, REQ("<mapping action=\"modify\" client=\"db\" vdev=\"1:0:0:4\" readOnly=\"true\"/>"),
                       NULL), "INTERNAL");
    assert_non_null(strstr(out, "has no LUN at 1:0:0:4 now"));
}

static void test_mapping_list_pages(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    xvios_plat *v1 = loop_fixture_open(f->root, 101);
    struct xvios_vio_env env = { .p = v1, .self_node = 1 };
    char req[160];
    unsigned seen = 0, pages = 0, client = 0, key = 0;

    for (unsigned i = 0; i < 60; i++) {   /* ~130 bytes each: 8 KB, several responses of 4 KiB */
        struct xvios_db_vtd v = { .client = 10 + i % 3, .node = 1 + i % 2, .vhost = i / 3, .lu = "/srv/x.img" };
        assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), 0);
    }
    for (;;) {
        size_t len;
        const char *p;

        if (pages)
            snprintf(req, sizeof(req), REQ("<mapping action=\"list\" after=\"%u:%u:0:0:0\"/>"), client, key);
        else
            snprintf(req, sizeof(req), REQ("<mapping action=\"list\"/>"));
        assert_int_equal(xvios_vio_handle(&env, req, strlen(req), out, 4096, &len, NULL), 0);
        want_ok(out, NULL);
        pages++;
        for (p = out; (p = strstr(p, "<mapping client=\"")); p++) {
            unsigned c = (unsigned)strtoul(p + 17, NULL, 10), h;
            const char *vd = strstr(p, "vdev=\"");

            assert_non_null(vd);
            h = (unsigned)strtoul(vd + 6, NULL, 10);
            /* by client, then vhost; none lost, none twice */
            assert_true(seen == 0 || c > client || (c == client && h == key + 1));
            assert_true(seen == 0 || c >= client);
            client = c;
            key = h;
            seen++;
        }
        if (!strstr(out, "more=\"true\""))
            break;
        assert_true(pages < 20);
    }
    assert_int_equal(seen, 60);
    assert_true(pages >= 2);
    /* after= with a client: that client's after the mark */
    want_ok(run(&env, REQ("<mapping action=\"list\" client=\"11\" after=\"11:17:0:0:0\"/>"), NULL), NULL);
    assert_int_equal(count(out, "<mapping "), 2);   /* vhosts 18 and 19 */
    want_ok(run(&env, REQ("<mapping action=\"list\" after=\"12:19:0:0:0\"/>"), NULL), NULL);
    assert_int_equal(count(out, "<mapping "), 0);
    want_ok(run(&env, REQ("<mapping action=\"list\" after=\"0:0:0:0:0\"/>"), NULL), NULL);
    assert_int_equal(count(out, "<mapping "), 60);
    /* a bad mark */
    want_exception(run(&env, REQ("<mapping action=\"list\" after=\"11:17:0:0\"/>"), NULL), "INVALID");
    want_exception(run(&env, REQ("<mapping action=\"list\" after=\"011:17:0:0:0\"/>"), NULL), "BAD_VALUE");
    want_exception(run(&env, REQ("<mapping action=\"list\" after=\"11:17:1:0:0\"/>"), NULL), "BAD_VALUE");
    want_exception(run(&env, REQ("<mapping action=\"list\" after=\"99999999999:0:0:0:0\"/>"), NULL), "INVALID");
    want_exception(run(&env, REQ("<mapping action=\"get\" client=\"11\" vdev=\"0:0:0:0\" after=\"11:0:0:0:0\"/>"),
                       NULL), "INVALID");
    xvios_plat_close(v1);
}

/* Usage from the VTD table: each mapping names the other mappings of its LU (sharedWith), 16 then "+N". */
static void test_mapping_shared(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    xvios_plat *v2 = loop_fixture_open(f->root, 102);
    struct xvios_vio_env env = { .p = v2, .self_node = 2 };
    const char *p;

    for (unsigned i = 0; i < 3; i++) {   /* pool LU db1 to clients 7, 8, 9; db2 (same backing) to client 7 */
        struct xvios_db_vtd v = { .client = 7 + i, .node = 1 + i % 2, .vhost = 0, .lu = "/srv/pool.img",
                                  .pool_lu = "db1", .read_only = i == 2 };
        assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), 0);
    }
    struct xvios_db_vtd d2 = { .client = 7, .node = 1, .vhost = 1, .lu = "/srv/pool.img", .pool_lu = "db2" };
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &d2), 0);
    for (unsigned i = 0; i < 20; i++) {  /* one path LU mapped to 20 LUNs of client 20 */
        struct xvios_db_vtd v = { .client = 20, .node = 2, .vhost = 0, .tgt = i, .lu = "/srv/path.img" };
        assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), 0);
    }
    want_ok(run(&env, REQ("<mapping action=\"list\" client=\"7\"/>"), NULL), NULL);
    assert_non_null(strstr(out, "vdev=\"0:0:0:0\" node=\"1\" lu=\"/srv/pool.img\" poolLu=\"db1\" readOnly=\"false\" "
                                "sharedWith=\"8:0:0:0:0,9:0:0:0:0\"/>"));
    assert_non_null(strstr(out, "poolLu=\"db2\" readOnly=\"false\"/>"));   /* db2: nobody else */
    want_ok(run(&env, REQ("<mapping action=\"get\" client=\"9\" vdev=\"0:0:0:0\"/>"), NULL), NULL);
    assert_non_null(strstr(out, "readOnly=\"true\" sharedWith=\"7:0:0:0:0,8:0:0:0:0\"/>"));
    want_ok(run(&env, REQ("<mapping action=\"get\" client=\"20\" vdev=\"0:0:5:0\"/>"), NULL), NULL);
    p = strstr(out, "sharedWith=\"20:0:0:0:0,20:0:0:1:0,");
    assert_non_null(p);
    assert_null(strstr(p, "20:0:0:5:0"));                                   /* not itself */
    assert_non_null(strstr(p, ",20:0:0:16:0,+3\"/>"));                      /* 16 named, 3 counted */
    xvios_plat_close(v2);
}

static void test_mapping_off_dom0(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    xvios_plat *v1 = loop_fixture_open(f->root, 101);
    struct xvios_vio_env env = { .p = v1, .self_node = 1 };
    struct xvios_vio_change chg;
    const char *reqs[] = {
        REQ("<mapping action=\"create\" client=\"web\" vdev=\"0:0:0:0\" lu=\"db1\"/>"),
        REQ("<mapping action=\"delete\" client=\"web\" vdev=\"0:0:0:0\"/>"),
    };

    /* reads: a VIOS's daemon answers them from the VTD table */
    record_vtds(f->dom0);
    mapping_reads(&env);
    assert_non_null(strstr(out, "node=\"1\""));
    /* writes: dom0's */
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        want_exception(run(&env, reqs[i], &chg), "DOM0_ONLY");
        assert_non_null(strstr(out, "backend nodes"));
        assert_false(chg.changed);
    }
    xvios_plat_close(v1);
}

static void test_vdev_parse(void **state)
{
    struct xvios_vio_vdev v;

    (void)state;
    assert_int_equal(xvios_vio_vdev_parse("65535:0:63:255", &v), 0);
    assert_int_equal(v.host, 65535);
    assert_int_equal(v.tgt, 63);
    assert_int_equal(v.lun, 255);
    assert_int_equal(xvios_vio_vdev_parse("1:0:2:3", &v), 0);
    assert_int_equal(v.host * 1000 + v.chn * 100 + v.tgt * 10 + v.lun, 1023);
    const char *bad[] = { "", ":", "1:0:2", "1:0:2:3:4", "1:0:2:", ":0:2:3", "1:0:2:x", "1:0:-2:3", "1:0:2:3 ",
                          "001:0:2:3", "1:1:2:3", "1:0:64:3", "1:0:2:256", "65536:0:0:0", "99999999:0:0:0" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (xvios_vio_vdev_parse(bad[i], &v) != -EINVAL)
            fail_msg("'%s' parsed", bad[i]);
    assert_int_equal(xvios_vio_vdev_parse(NULL, &v), -EINVAL);
}

static int teardown_all(void **state)
{
    (void)state;
    xvios_vio_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_client_adapter),
        LOOP_FIXTURE_TEST(test_client_list_pages),
        LOOP_FIXTURE_TEST(test_path),
        LOOP_FIXTURE_TEST(test_mapping),
        LOOP_FIXTURE_TEST(test_mapping_off_dom0),
        LOOP_FIXTURE_TEST(test_mapping_modify),
        LOOP_FIXTURE_TEST(test_mapping_list_pages),
        LOOP_FIXTURE_TEST(test_mapping_shared),
        cmocka_unit_test(test_vdev_parse),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
