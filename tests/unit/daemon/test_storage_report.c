/* SPDX-License-Identifier: MIT */
/*
 * test_storage_report.c - STORAGE_INFO as a VIOS's daemon answers it
 * (daemon/storage.c) from a loopback store: its backend dirs as dom0 and
 * the engine wrote them (good and damaged values), the pool and the VTD
 * table in the cluster DB, backing files on disk. The answer is decoded
 * with the report's own strict decoder and checked field by field.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/daemon/daemon_fixture.h"
#include "tests/unit/loop_fixture.h"
#include "xvios/db.h"
#include "xvios/db_lu.h"
#include "xvios/db_vtd.h"
#include "xvios/loopback.h"
#include "xvios/naa.h"
#include "xvios/storage_info.h"

static const struct xvios_db_config cfg = { .name = "storage", .max_nodes = 8, .timeout_ms = 1000, .retries = 2 };
static uint8_t buf[XVIOS_MAX_MSG];

static void put(xvios_plat *p, const char *path, const char *val)
{
    assert_int_equal(xvios_store_write(p, XVIOS_TX_NONE, path, val, strlen(val)), 0);
}

static void make_file(const char *path, off_t size)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, size), 0);
    close(fd);
}

/* dev-N of client 7's vhost 0 on VIOS 101. */
static void lun(xvios_plat *p, unsigned n, const char *key, const char *val)
{
    char path[160];
    snprintf(path, sizeof(path), "/local/domain/101/backend/vscsi/7/0/vscsi-devs/dev-%u/%s", n, key);
    put(p, path, val);
}

static void engine_hex(const char *path, char *hex)
{
    char serial[XVIOS_PATH_SERIAL_LEN + 1];
    uint8_t naa[16];
    xvios_path_serial(path, serial, sizeof(serial));
    xvios_naa_from_serial(XVIOS_LU_COMPANY_ID, serial, naa);
    xvios_lu_wwn_format(naa, hex);
}

static void test_report(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_storage_info *si = calloc(1, sizeof(*si));
    struct xvios_dominfo info;
    struct xvios_db_lu lu;
    char pool_file[128], path_file[128], gone[128], wwn[XVIOS_LU_WWN_HEX + 1], eng[XVIOS_LU_WWN_HEX + 1];
    static char out[XVIOS_MAX_PAYLOAD];
    size_t len = 0;
    uint32_t node;
    struct xviosd *d;

    assert_non_null(si);
    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 101, "vios-1"), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 101, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    snprintf(pool_file, sizeof(pool_file), "%s/pool.img", f->root);
    snprintf(path_file, sizeof(path_file), "%s/path.img", f->root);
    snprintf(gone, sizeof(gone), "%s/gone.img", f->root);
    make_file(pool_file, 32 << 20);
    make_file(path_file, 8 << 20);
    /* the pool: db1 fits its backing, db2 (on a file that is not there) does not count as reachable */
    struct xvios_db_lu_spec s1 = { .name = "db1", .backing = pool_file, .size = 16 << 20 };
    struct xvios_db_lu_spec s2 = { .name = "db2", .backing = gone, .size = 1 << 20 };
    assert_int_equal(xvios_db_lu_create(f->dom0, &s1, &lu), 0);
    xvios_lu_wwn_format(lu.wwn, wwn);
    assert_int_equal(xvios_db_lu_create(f->dom0, &s2, NULL), 0);
    /* the backend dir: dev-0 the pool LU, dev-1 the path LU read-only, then damaged LUNs */
    put(f->dom0, "/local/domain/101/backend/vscsi/7/0/xvios-client-name", "client a");
    lun(f->dom0, 0, "p-dev", pool_file);
    lun(f->dom0, 0, "v-dev", "0:0:0:0");
    lun(f->dom0, 0, "mode", "w");
    lun(f->dom0, 0, "state", "4");
    lun(f->dom0, 0, "xvios-lu", "db1");
    lun(f->dom0, 0, "xvios-wwn", wwn);
    lun(f->dom0, 0, "xvios-size", "16777216");
    lun(f->dom0, 1, "p-dev", path_file);
    lun(f->dom0, 1, "v-dev", "0:0:0:1");
    lun(f->dom0, 1, "mode", "r");
    lun(f->dom0, 1, "state", "4");
    lun(f->dom0, 2, "p-dev", "relative/path");     /* no LU: served as nothing */
    lun(f->dom0, 2, "v-dev", "0:0:0:2");
    lun(f->dom0, 2, "mode", "w");
    lun(f->dom0, 2, "state", "99");                /* not a state: 0 */
    lun(f->dom0, 3, "p-dev", pool_file);           /* a pool LU whose WWN is damaged: no LU */
    lun(f->dom0, 3, "v-dev", "0:0:0:3");
    lun(f->dom0, 3, "mode", "w");
    lun(f->dom0, 3, "xvios-lu", "db1");
    lun(f->dom0, 3, "xvios-wwn", "zz");
    lun(f->dom0, 3, "xvios-size", "16777216");
    lun(f->dom0, 4, "p-dev", path_file);           /* a bad vdev: no LUN at all */
    lun(f->dom0, 4, "v-dev", "0:1:0:0");
    lun(f->dom0, 5, "p-dev", path_file);           /* a mode the engine refuses */
    lun(f->dom0, 5, "v-dev", "0:0:0:5");
    lun(f->dom0, 5, "mode", "rw");
    lun(f->dom0, 6, "p-dev", path_file);           /* a pool LU name that is none */
    lun(f->dom0, 6, "v-dev", "0:0:0:6");
    lun(f->dom0, 6, "mode", "w");
    lun(f->dom0, 6, "xvios-lu", "../db1");
    put(f->dom0, "/local/domain/101/backend/vscsi/notadomid/0/vscsi-devs/dev-0/p-dev", path_file);
    put(f->dom0, "/local/domain/101/backend/vscsi/7/notavhost/vscsi-devs/dev-0/p-dev", path_file);
    /* the usage: client 7's mapping through node 1 and client 9's through node 2 */
    struct xvios_db_vtd v1 = { .client = 7, .node = 1, .lu = "", .pool_lu = "db1" };
    struct xvios_db_vtd v2 = { .client = 9, .node = 2, .vhost = 1, .lun = 3, .read_only = true, .pool_lu = "db1" };
    snprintf(v1.lu, sizeof(v1.lu), "%s", pool_file);
    snprintf(v2.lu, sizeof(v2.lu), "%s", pool_file);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v1), 0);
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v2), 0);

    d = fixture_daemon_new(1);
    strcpy(d->self_name, "vios-1");
    d->plat = loop_fixture_open(f->root, 101);
    assert_non_null(d->plat);
    assert_int_equal(viod_storage_format(d, out, sizeof(out), &len), 0);
    assert_int_equal(xvios_storage_info_decode(out, len, si), 0);
    assert_int_equal(si->node, 1);
    assert_string_equal(si->vios, "vios-1");
    assert_false(si->truncated);
    /* backings: the two served paths, then the pool's other backing */
    engine_hex(path_file, eng);
    assert_int_equal(si->n_backings, 3);
    assert_string_equal(si->backings[0].path, pool_file);
    assert_int_equal(si->backings[0].state, XVIOS_SI_OK);
    assert_int_equal(si->backings[0].size, 32u << 20);
    assert_string_equal(si->backings[1].path, path_file);
    assert_int_equal(si->backings[1].size, 8u << 20);
    assert_int_equal(si->backings[1].id_source, XVIOS_SI_ID_ENGINE);
    assert_string_equal(si->backings[1].id, eng);
    assert_string_equal(si->backings[2].path, gone);
    assert_int_equal(si->backings[2].state, XVIOS_SI_ABSENT);
    assert_int_equal(si->backings[2].size, 0);
    assert_int_equal(si->n_pools, 1);
    assert_int_equal(si->pools[0].lus, 2);
    assert_int_equal(si->pools[0].reachable, 1);
    /* LUs: the pool LU with the pool's WWN and its region's size, the path LU with the derived one */
    assert_int_equal(si->n_lus, 2);
    assert_string_equal(si->lus[0].name, "db1");
    assert_string_equal(si->lus[0].wwn, wwn);
    assert_int_equal(si->lus[0].size, 16u << 20);
    assert_string_equal(si->lus[1].name, "-");
    assert_string_equal(si->lus[1].wwn, eng);
    assert_int_equal(si->lus[1].size, 8u << 20);
    /* vhosts: dev-0..3, 5 and 6; dev-4's vdev is not one */
    assert_int_equal(si->n_vhosts, 6);
    assert_string_equal(si->vhosts[0].client_name, "client_a");
    assert_string_equal(si->vhosts[0].wwn, wwn);
    assert_false(si->vhosts[0].read_only);
    assert_int_equal(si->vhosts[0].lun_state, 4);
    assert_true(si->vhosts[1].read_only);
    assert_int_equal(si->vhosts[1].l, 1);
    assert_string_equal(si->vhosts[1].wwn, eng);
    assert_int_equal(si->vhosts[2].l, 2);
    assert_string_equal(si->vhosts[2].wwn, "-");
    assert_int_equal(si->vhosts[2].lun_state, 0);
    assert_int_equal(si->vhosts[3].l, 3);
    assert_string_equal(si->vhosts[3].wwn, "-");
    assert_int_equal(si->vhosts[4].l, 5);
    assert_string_equal(si->vhosts[4].wwn, "-");
    assert_int_equal(si->vhosts[5].l, 6);
    assert_string_equal(si->vhosts[5].wwn, "-");
    /* uses, from the VTD table */
    assert_int_equal(si->n_uses, 2);
    assert_int_equal(si->uses[0].client, 7);
    assert_int_equal(si->uses[0].node, 1);
    assert_string_equal(si->uses[0].pool_lu, "db1");
    assert_int_equal(si->uses[1].client, 9);
    assert_int_equal(si->uses[1].node, 2);
    assert_true(si->uses[1].read_only);
    assert_int_equal(si->uses[1].l, 3);

    /* through the handler: a response with the report; a request with a payload is BAD_PACKET */
    struct xvios_msg req, got;
    memset(&req, 0, sizeof(req));
    req.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    req.hdr.flags = XVIOS_F_RESPONSE;
    req.hdr.txid = xvios_txid_make(3, 5);
    req.sub.msg_type = XVIOS_MT_STORAGE_INFO;
    req.sub.src_node = 3;
    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &got), XVIOS_WIRE_OK);
    assert_int_equal(got.hdr.status, XVIOS_ST_OK);
    assert_int_equal(got.hdr.payload_len, len);
    assert_memory_equal(got.payload, out, len);
    req.hdr.payload_len = 2;
    req.payload = (const uint8_t *)"x\n";
    req.hdr.txid++;
    viod_handle_cluster_send(d, &req);
    assert_int_equal(fixture_pop(&d->vke_out, buf, &got), XVIOS_WIRE_OK);
    assert_int_equal(got.hdr.status, XVIOS_ST_BAD_PACKET);
    assert_int_equal(got.hdr.payload_len, 0);
    assert_string_equal(viod_handler_find(XVIOS_MT_STORAGE_INFO)->name, "storage-info");
    assert_string_equal(viod_handler_find(XVIOS_MT_STORAGE_ALL)->name, "storage-all");

    xvios_plat_close(d->plat);
    d->plat = NULL;
    fixture_daemon_free(d);
    free(si);
}

/* No cluster, no backend dir: a report of this node alone, still well-formed. */
static void test_empty(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_storage_info *si = calloc(1, sizeof(*si));
    static char out[XVIOS_MAX_PAYLOAD];
    size_t len = 0;
    struct xviosd *d = fixture_daemon_new(4);

    assert_non_null(si);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 104, "vios-4"), 0);
    d->plat = loop_fixture_open(f->root, 104);
    assert_non_null(d->plat);
    assert_int_equal(viod_storage_format(d, out, sizeof(out), &len), 0);
    assert_int_equal(xvios_storage_info_decode(out, len, si), 0);
    assert_int_equal(si->node, 4);
    assert_int_equal(si->n_backings + si->n_pools + si->n_lus + si->n_vhosts + si->n_uses, 0);
    assert_int_equal(viod_storage_format(d, out, XVIOS_SI_MIN_CAP - 1, &len), -EINVAL);   /* no room for one */
    xvios_plat_close(d->plat);
    d->plat = NULL;
    fixture_daemon_free(d);
    free(si);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_report),
        LOOP_FIXTURE_TEST(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
