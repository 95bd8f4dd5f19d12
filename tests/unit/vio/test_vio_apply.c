/* SPDX-License-Identifier: MIT */
/*
 * test_vio_apply.c - MAPPING_APPLY (xvios/vio_apply.h): the payload encoded
 * and decoded back field by field; strict decoding refusing every malformed
 * or hostile payload (a key missing, repeated, unknown, out of order, a line not ended,
 * a body, a vdev or domid or node out of range, numbers not canonical, a
 * relative or control-character path, a bad uuid, a NUL, oversized) with
 * *out zeroed; the asked node's checks against a real VTD table and pool on
 * the loopback store (the VIOS of the client's vhost found by domid or
 * name, a new vhost DOM0_ONLY, EXISTS, IN_USE unless shared, node= naming
 * another VIOS CONFLICT, an unknown LU or mapping NOT_FOUND); the answer's
 * vioResponse naming the node that made it.
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
#include "xvios/db_lu.h"
#include "xvios/db_vtd.h"
#include "xvios/loopback.h"
#include "xvios/vio.h"
#include "xvios/vio_apply.h"

#define UUID "6f1c2b9a-0d3e-4c5f-8a7b-000000000007"

static struct xvios_vio_apply sample(void)
{
    struct xvios_vio_apply a = { .op = XVIOS_VIO_APPLY_ADD };

    a.vtd = (struct xvios_db_vtd){ .client = 7, .node = 1, .vhost = 3, .chn = 0, .tgt = 63, .lun = 255 };
    snprintf(a.vtd.client_uuid, sizeof(a.vtd.client_uuid), "%s", UUID);
    snprintf(a.vtd.client_name, sizeof(a.vtd.client_name), "client-a");
    snprintf(a.vtd.lu, sizeof(a.vtd.lu), "/dev/xvdb");
    snprintf(a.vtd.pool_lu, sizeof(a.vtd.pool_lu), "db1");
    a.vtd.read_only = true;
    return a;
}

static void want_same(const struct xvios_vio_apply *x, const struct xvios_vio_apply *y)
{
    assert_int_equal(x->op, y->op);
    assert_int_equal(x->vtd.client, y->vtd.client);
    assert_string_equal(x->vtd.client_uuid, y->vtd.client_uuid);
    assert_string_equal(x->vtd.client_name, y->vtd.client_name);
    assert_int_equal(x->vtd.node, y->vtd.node);
    assert_int_equal(x->vtd.vhost, y->vtd.vhost);
    assert_int_equal(x->vtd.chn, y->vtd.chn);
    assert_int_equal(x->vtd.tgt, y->vtd.tgt);
    assert_int_equal(x->vtd.lun, y->vtd.lun);
    assert_string_equal(x->vtd.lu, y->vtd.lu);
    assert_string_equal(x->vtd.pool_lu, y->vtd.pool_lu);
    assert_int_equal(x->vtd.read_only, y->vtd.read_only);
}

static void test_round_trip(void **state)
{
    struct xvios_vio_apply a = sample(), b;
    char buf[XVIOS_VIO_APPLY_MAX + 1];
    size_t len = 0;

    (void)state;
    assert_int_equal(xvios_vio_apply_encode(&a, buf, sizeof(buf), &len), 0);
    assert_int_equal(strlen(buf), len);
    assert_string_equal(buf, "op=add\nclient=7\nuuid=" UUID "\nname=client-a\nnode=1\nvhost=3\nchannel=0\n"
                             "target=63\nlun=255\nlu=/dev/xvdb\npool-lu=db1\nro=1\n");
    assert_int_equal(xvios_vio_apply_decode(buf, len, &b), 0);
    want_same(&a, &b);

    /* a remove of an LU attached by path, client unknown by uuid and name */
    a.op = XVIOS_VIO_APPLY_REMOVE;
    a.vtd.client_uuid[0] = a.vtd.client_name[0] = a.vtd.pool_lu[0] = '\0';
    a.vtd.read_only = false;
    a.vtd.node = XVIOS_MAX_NODES;
    assert_int_equal(xvios_vio_apply_encode(&a, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_vio_apply_decode(buf, len, &b), 0);
    want_same(&a, &b);
    /* multi-host ids: (corosync nodeid << 8) | local, up to XVIOS_NODE_ID_MAX */
    a.vtd.node = 257;
    assert_int_equal(xvios_vio_apply_encode(&a, buf, sizeof(buf), &len), 0);
    assert_non_null(strstr(buf, "\nnode=257\n"));
    assert_int_equal(xvios_vio_apply_decode(buf, len, &b), 0);
    want_same(&a, &b);
    a.vtd.node = XVIOS_NODE_ID_MAX;
    assert_int_equal(xvios_vio_apply_encode(&a, buf, sizeof(buf), &len), 0);
    assert_int_equal(xvios_vio_apply_decode(buf, len, &b), 0);
    assert_int_equal(b.vtd.node, XVIOS_NODE_ID_MAX);

    /* the longest fields fit the limit */
    a = sample();
    memset(a.vtd.client_name, 'n', XVIOS_VTD_NAME_MAX);
    a.vtd.client_name[XVIOS_VTD_NAME_MAX] = '\0';
    a.vtd.lu[0] = '/';
    memset(a.vtd.lu + 1, 'p', XVIOS_LU_BACKING_MAX - 1);
    a.vtd.lu[XVIOS_LU_BACKING_MAX] = '\0';
    memset(a.vtd.pool_lu, 'l', XVIOS_LU_NAME_MAX);
    a.vtd.pool_lu[XVIOS_LU_NAME_MAX] = '\0';
    assert_int_equal(xvios_vio_apply_encode(&a, buf, sizeof(buf), &len), 0);
    assert_true(len <= XVIOS_VIO_APPLY_MAX);
    assert_int_equal(xvios_vio_apply_decode(buf, len, &b), 0);
    want_same(&a, &b);

    /* encode refuses what decode would refuse, and a buffer too small */
    a = sample();
    assert_int_equal(xvios_vio_apply_encode(&a, buf, 40, &len), -ENOSPC);
    a.vtd.lun = 256;
    assert_int_equal(xvios_vio_apply_encode(&a, buf, sizeof(buf), &len), -EINVAL);
    a = sample();
    a.op = 0;
    assert_int_equal(xvios_vio_apply_encode(&a, buf, sizeof(buf), &len), -EINVAL);
}

/* The sample payload with line `from` replaced by `to` ("" drops it). */
static size_t edited(char *buf, size_t cap, const char *from, const char *to)
{
    struct xvios_vio_apply a = sample();
    char good[XVIOS_VIO_APPLY_MAX + 1];
    size_t len = 0;
    char *at;

    assert_int_equal(xvios_vio_apply_encode(&a, good, sizeof(good), &len), 0);
    at = strstr(good, from);
    assert_non_null(at);
    snprintf(buf, cap, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    return strlen(buf);
}

static void test_decode_refuses(void **state)
{
    static const struct { const char *from, *to; } bad[] = {
        { "op=add\n", "" },                              /* a key missing */
        { "op=add\n", "op=add\nop=add\n" },              /* repeated */
        { "op=add\n", "op=frob\n" },
        { "op=add\n", "op=add\nextra=1\n" },             /* unknown */
        { "ro=1\n", "ro=1" },                            /* the last line not ended */
        { "ro=1\n", "ro=1\n\nbody" },                    /* a body after a blank line */
        { "ro=1\n", "ro=2\n" },
        { "lun=255\n", "lun=256\n" },                    /* vdev out of range */
        { "target=63\n", "target=64\n" },
        { "channel=0\n", "channel=1\n" },
        { "vhost=3\n", "vhost=65536\n" },
        { "client=7\n", "client=0\n" },
        { "client=7\n", "client=32752\n" },
        { "client=7\n", "client=07\n" },                 /* not canonical */
        { "client=7\n", "client=+7\n" },
        { "node=1\n", "node=0\n" },
        { "node=1\n", "node=4294967296\n" },            /* over XVIOS_NODE_ID_MAX */
        { "node=1\n", "node=0257\n" },
        { "lu=/dev/xvdb\n", "lu=dev/xvdb\n" },           /* relative */
        { "lu=/dev/xvdb\n", "lu=/dev/../etc/shadow\n" }, /* not canonical */
        { "lu=/dev/xvdb\n", "lu=/dev/x\x01vdb\n" },      /* a control character */
        { "pool-lu=db1\n", "pool-lu=../db1\n" },
        { "uuid=" UUID "\n", "uuid=not-a-uuid\n" },
        { "uuid=" UUID "\n", "uuid=6F1C2B9A-0D3E-4C5F-8A7B-000000000007\n" },   /* not lowercase */
        { "name=client-a\n", "name=client\x7f" "a\n" },
        { "=", "" },                                     /* "opadd": a line without '=' */
        { "op=add\nclient=7\n", "client=7\nop=add\n" },  /* another order */
    };
    char buf[XVIOS_VIO_APPLY_MAX * 2];
    struct xvios_vio_apply out;
    size_t len;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        len = edited(buf, sizeof(buf), bad[i].from, bad[i].to);
        memset(&out, 0xa5, sizeof(out));
        if (xvios_vio_apply_decode(buf, len, &out) != -EINVAL)
            fail_msg("payload %zu accepted:\n%s", i, buf);
        assert_int_equal(out.op, 0);
        assert_int_equal(out.vtd.client, 0);
        assert_int_equal(out.vtd.lu[0], '\0');
    }
    /* a NUL inside a value */
    len = edited(buf, sizeof(buf), "name=client-a", "name=client-a");
    buf[strstr(buf, "client-a") - buf + 3] = '\0';
    assert_int_equal(xvios_vio_apply_decode(buf, len, &out), -EINVAL);
    /* oversized, whatever it holds */
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(xvios_vio_apply_decode(buf, XVIOS_VIO_APPLY_MAX + 1, &out), -E2BIG);
    assert_int_equal(out.vtd.client, 0);
    /* empty */
    assert_int_equal(xvios_vio_apply_decode("", 0, &out), -EINVAL);
}

/* ---------------------------------------------------------------- the asked node's checks */
static const struct xvios_db_config cfg = { .name = "apply", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };

static void setup_db(struct loop_fixture *f)
{
    const struct xvios_db_lu_spec db1 = { .name = "db1", .backing = "/dev/xvdb", .size = 1u << 20 };
    const struct xvios_db_lu_spec db2 = { .name = "db2", .backing = "/dev/xvdc", .size = 1u << 20 };
    struct xvios_db_vtd v = sample().vtd;
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
    assert_int_equal(xvios_db_lu_create(f->dom0, &db1, NULL), 0);
    assert_int_equal(xvios_db_lu_create(f->dom0, &db2, NULL), 0);
    /* client-a (7) has db1 read-write as 0:0:0:0 through node 1 */
    v.vhost = 0;
    v.tgt = v.lun = 0;
    v.read_only = false;
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), 0);
}

static struct xvios_vio_req req(enum xvios_vio_action action, const char *client, uint32_t h, uint32_t t, uint32_t l,
                                const char *lu)
{
    struct xvios_vio_req rq = { .object = XVIOS_VIO_MAPPING, .action = action, .vdev = { h, 0, t, l } };

    snprintf(rq.client, sizeof(rq.client), "%s", client);
    snprintf(rq.backing, sizeof(rq.backing), "%s", lu ? lu : "");
    return rq;
}

static void want_refused(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, enum xvios_vio_code code)
{
    struct xvios_vio_apply a;
    struct xvios_vio_err err = { XVIOS_VIO_OK, "" };

    assert_int_equal(xvios_vio_apply_prepare(env, rq, &a, &err), -EINVAL);
    if (err.code != code)
        fail_msg("wanted %s, got %s: %s", xvios_vio_code_name(code), xvios_vio_code_name(err.code), err.sentence);
    assert_true(err.sentence[0] != '\0');
    assert_int_equal(a.op, 0);
}

static void test_prepare(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *n2;
    struct xvios_vio_env env = { .self_node = 2 };
    struct xvios_vio_apply a;
    struct xvios_vio_err err;
    struct xvios_vio_req rq;

    setup_db(f);
    n2 = loop_fixture_open(f->root, 102);   /* asked of node 2, a VIOS: READ on the DB */
    assert_non_null(n2);
    env.p = n2;

    /* a hot add on the client's existing vhost 0: node 1 makes it, named by the client's name or domid */
    rq = req(XVIOS_VIO_CREATE, "client-a", 0, 0, 1, "db2");
    assert_int_equal(xvios_vio_apply_prepare(&env, &rq, &a, &err), 0);
    assert_int_equal(a.op, XVIOS_VIO_APPLY_ADD);
    assert_int_equal(a.vtd.node, 1);
    assert_int_equal(a.vtd.client, 7);
    assert_string_equal(a.vtd.client_uuid, UUID);
    assert_string_equal(a.vtd.lu, "/dev/xvdc");
    assert_string_equal(a.vtd.pool_lu, "db2");
    assert_int_equal(a.vtd.lun, 1);
    rq = req(XVIOS_VIO_CREATE, "7", 0, 0, 2, "/srv/disk.img");
    rq.read_only = true;
    assert_int_equal(xvios_vio_apply_prepare(&env, &rq, &a, &err), 0);
    assert_string_equal(a.vtd.lu, "/srv/disk.img");
    assert_string_equal(a.vtd.pool_lu, "");
    assert_true(a.vtd.read_only);

    /* refusals */
    rq = req(XVIOS_VIO_CREATE, "client-a", 1, 0, 0, "db2");       /* vhost 1 does not exist: a new adapter */
    want_refused(&env, &rq, XVIOS_VIO_DOM0_ONLY);
    rq = req(XVIOS_VIO_CREATE, "client-b", 0, 0, 0, "db2");       /* no mapping of that client at all */
    want_refused(&env, &rq, XVIOS_VIO_DOM0_ONLY);
    rq = req(XVIOS_VIO_CREATE, "7", 0, 0, 0, "db2");              /* the vdev is taken */
    want_refused(&env, &rq, XVIOS_VIO_EXISTS);
    rq = req(XVIOS_VIO_CREATE, "7", 0, 0, 1, "db1");              /* db1 is attached read-write */
    want_refused(&env, &rq, XVIOS_VIO_IN_USE);
    rq = req(XVIOS_VIO_CREATE, "7", 0, 0, 1, "/dev/xvdb");        /* the same LU by its backing path */
    want_refused(&env, &rq, XVIOS_VIO_IN_USE);
    rq.shared = true;
    assert_int_equal(xvios_vio_apply_prepare(&env, &rq, &a, &err), 0);
    rq = req(XVIOS_VIO_CREATE, "7", 0, 0, 1, "nosuch");
    want_refused(&env, &rq, XVIOS_VIO_NOT_FOUND);
    rq = req(XVIOS_VIO_CREATE, "7", 0, 0, 1, "db2");
    rq.node_id = 2;                                               /* vhost 0 is node 1's */
    want_refused(&env, &rq, XVIOS_VIO_CONFLICT);

    /* delete: the record as it is, for its VIOS */
    rq = req(XVIOS_VIO_DELETE, "client-a", 0, 0, 0, NULL);
    assert_int_equal(xvios_vio_apply_prepare(&env, &rq, &a, &err), 0);
    assert_int_equal(a.op, XVIOS_VIO_APPLY_REMOVE);
    assert_int_equal(a.vtd.node, 1);
    assert_string_equal(a.vtd.pool_lu, "db1");
    rq = req(XVIOS_VIO_DELETE, "7", 0, 0, 5, NULL);
    want_refused(&env, &rq, XVIOS_VIO_NOT_FOUND);
    rq = req(XVIOS_VIO_GET, "7", 0, 0, 0, NULL);
    want_refused(&env, &rq, XVIOS_VIO_INVALID);
    xvios_plat_close(n2);
}

static void test_answer(void **state)
{
    struct xvios_vio_apply a = sample();
    char out[XVIOS_VIO_RESPONSE_MAX];
    size_t len = 0;

    (void)state;
    assert_int_equal(xvios_vio_apply_answer(1, &a, "connected", out, sizeof(out), &len), 0);
    assert_int_equal(strlen(out), len);
    assert_non_null(strstr(out, "status=\"ok\" node=\"1\" object=\"mapping\" action=\"create\""));
    assert_non_null(strstr(out, "<mapping client=\"7\" clientName=\"client-a\" vdev=\"3:0:63:255\" node=\"1\" "
                                "lu=\"/dev/xvdb\" poolLu=\"db1\" readOnly=\"true\" state=\"connected\"/>"));
    a.op = XVIOS_VIO_APPLY_REMOVE;
    assert_int_equal(xvios_vio_apply_answer(1, &a, "connected", out, sizeof(out), &len), 0);
    assert_non_null(strstr(out, "action=\"delete\""));
    assert_int_equal(xvios_vio_apply_answer(1, &a, "connected", out, 64, &len), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_decode_refuses),
        LOOP_FIXTURE_TEST(test_prepare),
        cmocka_unit_test(test_answer),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    xvios_vio_cleanup();
    return rc;
}
