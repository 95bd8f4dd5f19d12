/* SPDX-License-Identifier: MIT */
/*
 * test_prsync.c - cluster-wide reservations with three VIOSes in one
 * process (each: loopback store handle, loop, watch multiplexer, VKE,
 * prsync and one SCSI LU of the same pool LU over an in-memory store):
 *
 *  - register on two VIOSes, reserve Write Exclusive through one: the other
 *    refuses WRITE with RESERVATION CONFLICT and serves READ; PREEMPT through
 *    the other: the preempted nexus gets REGISTRATIONS PREEMPTED on its own
 *    VIOS; READ FULL STATUS is the same byte for byte through all three and
 *    the DB generation counts the changes; RELEASE and CLEAR;
 *  - two VIOSes racing PR OUTs end in one state everywhere;
 *  - a change a VIOS missed (written to the DB behind its back): the LU is
 *    BUSY until the VIOS resynchronizes, then the unit attention it owes;
 *  - a malformed record: not served, binding refused; a malformed PR_APPLY
 *    is counted and changes nothing.
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

#include "backend/prsync/prsync.h"
#include "backend/prsync/prsync_change.h"
#include "backend/scsi/scsi_dev.h"
#include "backend/scsi/scsi_pr.h"
#include "tests/unit/loop_fixture.h"
#include "tests/unit/scsi/scsi_memstore.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/db_pr.h"
#include "xvios/log.h"
#include "xvios/loopback.h"

#define DOM(n) (10u + (n))
#define LU_NAME "shared"
#define NN 3

struct node {
    xvios_plat *plat;
    struct xvios_evloop *loop;
    struct xvios_watchmux *mux;
    struct xvios_vke *vke;
    struct prsync *ps;
    struct memstore *ms;
    struct scsi_lu *lu;
    struct prsync_lu *pl;
    struct scsi_dev *dev;
    struct scsi_nexus nexus;            /* the one client nexus through this VIOS */
    char rundir[96];
};

struct env {
    struct loop_fixture f;
    struct node n[NN + 1];              /* [1..3] */
};

struct cmd {
    struct scsi_cmd c;
    unsigned done;
    uint8_t in[4096];
};

static void on_done(struct scsi_cmd *c)
{
    ((struct cmd *)c)->done++;
}

static void turn_all(struct env *e)
{
    for (int i = 1; i <= NN; i++) {
        if (e->n[i].loop)
            assert_true(xvios_evloop_run_once(e->n[i].loop, 1) >= 0);
        if (e->n[i].ms)
            memstore_run(e->n[i].ms);
    }
}

static void turn_ms(struct env *e, int ms)
{
    struct timespec end = xvios_deadline_ms((uint64_t)ms);

    while (!xvios_ts_passed(&end))
        turn_all(e);
}

static void submit(struct env *e, int n, struct cmd *k, const uint8_t *cdb, uint8_t cdb_len, const void *out,
                   uint32_t out_len, uint32_t in_len)
{
    memset(k, 0, sizeof(*k));
    k->c.nexus = &e->n[n].nexus;
    memcpy(k->c.cdb, cdb, cdb_len);
    k->c.cdb_len = cdb_len;
    k->c.data_out = out;
    k->c.data_out_len = out_len;
    k->c.data_in = in_len ? k->in : NULL;
    k->c.data_in_len = in_len;
    k->c.done = on_done;
    scsi_submit(e->n[n].dev, &k->c);
}

static void wait_done(struct env *e, struct cmd *k)
{
    for (int i = 0; i < 5000 && !k->done; i++)
        turn_all(e);
    assert_int_equal(k->done, 1);
}

/* Run a command through VIOS n to completion; its status. */
static int run(struct env *e, int n, struct cmd *k, const uint8_t *cdb, uint8_t cdb_len, const void *out,
               uint32_t out_len, uint32_t in_len)
{
    submit(e, n, k, cdb, cdb_len, out, out_len, in_len);
    wait_done(e, k);
    return k->c.status;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* PR OUT with a 24-byte parameter list. */
static int pr_out(struct env *e, int n, uint8_t sa, uint8_t type, uint64_t key, uint64_t sa_key)
{
    uint8_t cdb[10] = { 0x5f, sa, type, 0, 0, 0, 0, 0, 24, 0 };
    uint8_t param[24] = { 0 };
    struct cmd k;

    put_be64(param, key);
    put_be64(param + 8, sa_key);
    return run(e, n, &k, cdb, 10, param, 24, 0);
}

/* READ FULL STATUS through VIOS n into buf; its length. */
static uint32_t full_status(struct env *e, int n, uint8_t *buf)
{
    uint8_t cdb[10] = { 0x5e, 0x03, 0, 0, 0, 0, 0, 0x10, 0x00, 0 };
    struct cmd k;

    if (run(e, n, &k, cdb, 10, NULL, 0, 4096) == 0x02 && (k.c.sense[2] & 0x0f) == 0x6)
        run(e, n, &k, cdb, 10, NULL, 0, 4096);   /* a unit attention was pending: it is reported first */
    assert_int_equal(k.c.status, 0);
    memcpy(buf, k.in, k.c.data_in_xfer);
    return k.c.data_in_xfer;
}

static int rw10(struct env *e, int n, bool write, struct cmd *k)
{
    static uint8_t block[512];
    uint8_t cdb[10] = { write ? 0x2a : 0x28, 0, 0, 0, 0, 8, 0, 0, 1, 0 };

    return write ? run(e, n, k, cdb, 10, block, 512, 0) : run(e, n, k, cdb, 10, NULL, 0, 512);
}

static int tur(struct env *e, int n, struct cmd *k)
{
    static const uint8_t cdb[6] = { 0 };

    return run(e, n, k, cdb, 6, NULL, 0, 0);
}

static void assert_ua(const struct cmd *k, uint16_t asc)
{
    assert_int_equal(k->c.status, 0x02);
    assert_int_equal(k->c.sense[2] & 0x0f, 0x6);
    assert_int_equal(k->c.sense[12], asc >> 8);
    assert_int_equal(k->c.sense[13], asc & 0xff);
}

static void add_node(struct env *e, uint32_t n)
{
    struct xvios_dominfo di;
    char name[16];
    uint32_t node;

    snprintf(name, sizeof(name), "vios%u", n);
    assert_int_equal(xvios_loop_domain_create(e->f.dom0, DOM(n), name), 0);
    assert_int_equal(xvios_plat_domain_info(e->f.dom0, DOM(n), &di), 0);
    assert_int_equal(xvios_db_node_add(e->f.dom0, &di, &node), 0);
    assert_int_equal(node, n);
}

/* A fresh LU object of the pool LU on node n, bound through prsync: 0 or prsync_lu_bind's error. */
static int open_lu(struct node *nd)
{
    struct scsi_lu_opts lo = { .ops = &memstore_ops, .serial = "XVPTEST" };
    int rc;

    nd->ms = memstore_new(1u << 20, 512);
    assert_non_null(nd->ms);
    lo.store = nd->ms;
    assert_int_equal(prsync_lu_open(nd->ps, LU_NAME, &lo, &nd->pl), 0);
    assert_int_equal(scsi_lu_new(&lo, &nd->lu), 0);
    rc = prsync_lu_bind(nd->pl, nd->lu);
    if (rc < 0)
        return rc;
    nd->dev = scsi_dev_new();
    assert_non_null(nd->dev);
    assert_int_equal(scsi_dev_map_lun(nd->dev, 0, nd->lu), 0);
    return 0;
}

static void close_lu(struct node *nd)
{
    if (nd->dev)
        scsi_dev_free(nd->dev);
    prsync_lu_close(nd->pl);
    scsi_lu_free(nd->lu);
    memstore_free(nd->ms);
    nd->dev = NULL;
    nd->pl = NULL;
    nd->lu = NULL;
    nd->ms = NULL;
}

static void start_node(struct env *e, uint32_t n)
{
    struct node *nd = &e->n[n];
    struct xvios_vke_config vc = { 0 };
    char root[sizeof(e->f.root)];

    nd->plat = loop_fixture_open(e->f.root, DOM(n));
    assert_non_null(nd->plat);
    assert_int_equal(xvios_evloop_create(&nd->loop), 0);
    assert_int_equal(xvios_watchmux_create(nd->plat, nd->loop, &nd->mux), 0);
    memcpy(root, e->f.root, sizeof(root));
    snprintf(nd->rundir, sizeof(nd->rundir), "%s/nodes/%u", root, n);
    vc.plat = nd->plat;
    vc.rundir = nd->rundir;
    vc.loop = nd->loop;
    vc.watches = nd->mux;
    assert_int_equal(xvios_vke_create(&vc, &nd->vke), 0);
    assert_int_equal(prsync_create(&(struct prsync_config){ .plat = nd->plat, .loop = nd->loop, .watches = nd->mux,
                                                            .vke = nd->vke, .port_id = (uint16_t)DOM(n) },
                                   &nd->ps), 0);
    nd->nexus.initiator = 0x100 + n;
    nd->nexus.target_port = (uint16_t)DOM(n);
}

static int setup(void **state)
{
    struct xvios_db_config cfg = { .name = "prsync", .max_nodes = 8, .timeout_ms = 300, .retries = 1 };
    struct env *e = calloc(1, sizeof(*e));
    struct xvios_vke_stats s[NN + 1];
    bool up = false;

    assert_non_null(e);
    xvios_log_set_level(getenv("XVIOS_LOG") ? XVIOS_LOG_DEBUG : XVIOS_LOG_ERR);
    assert_int_equal(loop_fixture_setup(&e->f), 0);
    assert_int_equal(xvios_db_cluster_create(e->f.dom0, &cfg), 0);
    for (uint32_t n = 1; n <= NN; n++)
        add_node(e, n);
    for (uint32_t n = 1; n <= NN; n++)
        start_node(e, n);
    for (int k = 0; k < 2000 && !up; k++) {
        up = true;
        for (int n = 1; n <= NN; n++) {
            xvios_vke_get_stats(e->n[n].vke, &s[n]);
            up = up && s[n].link_up >= NN - 1;
        }
        turn_all(e);
    }
    assert_true(up);
    for (int n = 1; n <= NN; n++) {
        struct cmd k;

        assert_int_equal(open_lu(&e->n[n]), 0);
        assert_true(prsync_lu_serving(e->n[n].pl));
        assert_int_equal(tur(e, n, &k), 0x02);        /* POWER ON, RESET */
        assert_int_equal(tur(e, n, &k), 0);
    }
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    for (int i = 1; i <= NN; i++) {
        struct node *nd = &e->n[i];

        close_lu(nd);
        prsync_destroy(nd->ps);
        xvios_vke_destroy(nd->vke);
        xvios_watchmux_destroy(nd->mux);
        xvios_evloop_destroy(nd->loop);
        xvios_plat_close(nd->plat);
    }
    loop_fixture_teardown(&e->f);
    free(e);
    return 0;
}

static uint64_t db_gen(struct env *e)
{
    uint64_t g = 0;

    assert_int_equal(xvios_db_pr_gen(e->f.dom0, XVIOS_TX_NONE, LU_NAME, &g), 0);
    return g;
}

/* Every VIOS shows the same READ FULL STATUS and has the DB's generation installed. */
static void assert_all_same(struct env *e)
{
    uint8_t a[4096], b[4096];
    uint32_t la = full_status(e, 1, a);
    uint64_t g = db_gen(e);

    for (int n = 1; n <= NN; n++) {
        uint32_t lb = full_status(e, n, b);

        assert_int_equal(lb, la);
        assert_memory_equal(a, b, la);
        assert_int_equal(prsync_lu_gen(e->n[n].pl), g);
    }
}

static void test_reservation_cluster_wide(void **state)
{
    struct env *e = *state;
    struct prsync_stats st;
    struct cmd k;

    /* A (through VIOS 1) and B (through VIOS 2) register: when each completes, every VIOS has it */
    assert_int_equal(pr_out(e, 1, 0x00, 0, 0, 0xAAAA), 0);
    for (int n = 1; n <= NN; n++)
        assert_int_equal(scsi_pr_registration_count(scsi_lu_pr(e->n[n].lu)), 1);
    assert_int_equal(pr_out(e, 2, 0x00, 0, 0, 0xBBBB), 0);
    for (int n = 1; n <= NN; n++)
        assert_int_equal(scsi_pr_registration_count(scsi_lu_pr(e->n[n].lu)), 2);

    /* A reserves Write Exclusive */
    assert_int_equal(pr_out(e, 1, 0x01, 0x1, 0xAAAA, 0), 0);
    for (int n = 1; n <= NN; n++)
        assert_int_equal(scsi_pr_type(scsi_lu_pr(e->n[n].lu)), SCSI_PR_TYPE_WE);
    /* B's WRITE conflicts on VIOS 2, its READ goes through; A writes */
    assert_int_equal(rw10(e, 2, true, &k), 0x18);
    assert_int_equal(rw10(e, 2, false, &k), 0);
    assert_int_equal(rw10(e, 1, true, &k), 0);
    assert_all_same(e);
    assert_int_equal(db_gen(e), 3);

    /* B preempts A: A's next command on VIOS 1 gets REGISTRATIONS PREEMPTED, then A's WRITE conflicts */
    assert_int_equal(pr_out(e, 2, 0x04, 0x1, 0xBBBB, 0xAAAA), 0);
    assert_int_equal(tur(e, 1, &k), 0x02);
    assert_ua(&k, 0x2a05);
    assert_int_equal(rw10(e, 1, true, &k), 0x18);
    assert_int_equal(rw10(e, 2, true, &k), 0);
    assert_all_same(e);
    assert_int_equal(db_gen(e), 4);

    /* a refused PR OUT commits nothing: A is not registered, so A's RELEASE conflicts */
    assert_int_equal(pr_out(e, 1, 0x02, 0x1, 0xAAAA, 0), 0x18);
    assert_int_equal(db_gen(e), 4);

    /* B releases, then clears */
    assert_int_equal(pr_out(e, 2, 0x02, 0x1, 0xBBBB, 0), 0);
    assert_int_equal(scsi_pr_type(scsi_lu_pr(e->n[3].lu)), SCSI_PR_TYPE_NONE);
    assert_int_equal(pr_out(e, 2, 0x03, 0, 0xBBBB, 0), 0);
    for (int n = 1; n <= NN; n++)
        assert_int_equal(scsi_pr_registration_count(scsi_lu_pr(e->n[n].lu)), 0);
    assert_int_equal(rw10(e, 1, true, &k), 0);
    assert_all_same(e);
    assert_int_equal(db_gen(e), 6);

    prsync_get_stats(e->n[2].ps, &st);
    assert_int_equal(st.changes, 4);            /* register, preempt, release, clear */
    prsync_get_stats(e->n[3].ps, &st);
    assert_int_equal(st.changes, 0);
    assert_int_equal(st.applied_in, 6);
    assert_int_equal(st.malformed_in, 0);
}

static void test_racing_pr_outs(void **state)
{
    struct env *e = *state;
    uint8_t cdb[10] = { 0x5f, 0x06, 0, 0, 0, 0, 0, 0, 24, 0 };   /* REGISTER AND IGNORE EXISTING KEY */
    uint8_t p1[24], p2[24];
    struct cmd k1, k2;
    unsigned rounds = 200;

    for (unsigned i = 1; i <= rounds; i++) {
        memset(p1, 0, sizeof(p1));
        memset(p2, 0, sizeof(p2));
        put_be64(p1 + 8, 0x1000 + i);
        put_be64(p2 + 8, 0x2000 + i);
        submit(e, 1, &k1, cdb, 10, p1, 24, 0);
        submit(e, 2, &k2, cdb, 10, p2, 24, 0);
        wait_done(e, &k1);
        wait_done(e, &k2);
        assert_int_equal(k1.c.status, 0);
        assert_int_equal(k2.c.status, 0);
    }
    assert_int_equal(db_gen(e), 2 * rounds);    /* every change committed once */
    assert_all_same(e);
    assert_int_equal(scsi_pr_registration_count(scsi_lu_pr(e->n[3].lu)), 2);
}

static void test_missed_change_resyncs(void **state)
{
    struct env *e = *state;
    struct prsync_change ch = { .kind = PRSYNC_PR_OUT };
    uint8_t cdb[10] = { 0x5f, 0x03, 0, 0, 0, 0, 0, 0, 24, 0 };   /* CLEAR */
    uint8_t param[24] = { 0 };
    struct prsync_stats st;
    struct cmd k;

    assert_int_equal(pr_out(e, 1, 0x00, 0, 0, 0xAAAA), 0);
    assert_int_equal(pr_out(e, 3, 0x00, 0, 0, 0xCCCC), 0);
    assert_int_equal(db_gen(e), 2);

    /* another VIOS's CLEAR that reached the DB but no PR_APPLY (its sender died) */
    put_be64(param, 0xAAAA);
    ch.nexus = e->n[1].nexus;
    ch.cdb = cdb;
    ch.param = param;
    ch.param_len = 24;
    assert_int_equal(xvios_db_pr_update(e->f.dom0, LU_NAME, prsync_change_run, &ch, NULL), 0);
    assert_int_equal(db_gen(e), 3);

    /* VIOS 3 sees the generation move and serves nothing until it has the state: BUSY */
    for (int i = 0; i < 200 && prsync_lu_serving(e->n[3].pl); i++)
        turn_all(e);
    assert_false(prsync_lu_serving(e->n[3].pl));
    submit(e, 3, &k, (const uint8_t[6]){ 0 }, 6, NULL, 0, 0);
    assert_int_equal(k.done, 1);
    assert_int_equal(k.c.status, 0x08);
    /* within the cluster timeout (300 ms) plus a margin it re-reads the DB */
    for (int i = 0; i < 3000 && !prsync_lu_serving(e->n[3].pl); i++)
        turn_all(e);
    assert_true(prsync_lu_serving(e->n[3].pl));
    assert_int_equal(prsync_lu_gen(e->n[3].pl), 3);
    assert_int_equal(scsi_pr_registration_count(scsi_lu_pr(e->n[3].lu)), 0);
    /* and C, whose registration went, hears of it */
    assert_int_equal(tur(e, 3, &k), 0x02);
    assert_ua(&k, 0x2a05);
    prsync_get_stats(e->n[3].ps, &st);
    assert_true(st.resyncs >= 1);
    turn_ms(e, 50);
    assert_all_same(e);
}

static void on_send_result(void *arg, const struct xvios_msg *result, const struct xvios_rc_entry *rc, unsigned n_rc)
{
    (void)result;
    (void)rc;
    (void)n_rc;
    (*(unsigned *)arg)++;
}

static void test_malformed_record_and_message(void **state)
{
    struct env *e = *state;
    struct prsync_stats st;
    struct xvios_msg m;
    struct cmd k;
    uint64_t txid = 0;
    unsigned results = 0;
    static const uint8_t junk[] = { 1, 0, 200, 0, 1, 2, 3 };

    /* a malformed PR_APPLY from a member: counted, nothing changes */
    assert_int_equal(pr_out(e, 1, 0x00, 0, 0, 0xAAAA), 0);
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    m.hdr.flags = XVIOS_F_BROADCAST | XVIOS_F_RECEIPT;
    m.sub.msg_type = XVIOS_MT_PR_APPLY;
    m.sub.src_node = 3;
    m.sub.rc_capacity = 8;
    m.payload = junk;
    m.hdr.payload_len = sizeof(junk);
    assert_int_equal(xvios_vke_send(e->n[3].vke, &m, on_send_result, &results, &txid), 0);
    for (int i = 0; i < 2000 && !results; i++)
        turn_all(e);
    assert_int_equal(results, 1);
    turn_ms(e, 20);
    for (int n = 1; n <= 2; n++) {
        prsync_get_stats(e->n[n].ps, &st);
        assert_int_equal(st.malformed_in, 1);
        assert_true(prsync_lu_serving(e->n[n].pl));
        assert_int_equal(scsi_pr_registration_count(scsi_lu_pr(e->n[n].lu)), 1);
    }

    /* a well-formed PR_APPLY claiming a generation the DB does not have: dropped and counted, the copies
     * keep their generation and still take the next real change */
    {
        struct prsync_apply lie = { .gen = 1000000 };
        struct xvios_db_pr *rec = malloc(sizeof(*rec));
        uint8_t *buf = malloc(PRSYNC_MSG_MAX);
        int len;

        assert_non_null(buf);
        assert_non_null(rec);
        assert_int_equal(xvios_db_pr_load(e->f.dom0, LU_NAME, rec), 0);   /* a real state, a false generation */
        lie.state = rec->blob;
        lie.state_len = rec->len;
        snprintf(lie.name, sizeof(lie.name), "%s", LU_NAME);
        len = prsync_apply_encode(&lie, buf, PRSYNC_MSG_MAX);
        assert_true(len > 0);
        m.payload = buf;
        m.hdr.payload_len = (uint32_t)len;
        results = 0;
        assert_int_equal(xvios_vke_send(e->n[3].vke, &m, on_send_result, &results, &txid), 0);
        for (int i = 0; i < 2000 && !results; i++)
            turn_all(e);
        assert_int_equal(results, 1);
        turn_ms(e, 20);
        free(buf);
        free(rec);
        for (int n = 1; n <= 2; n++) {
            prsync_get_stats(e->n[n].ps, &st);
            assert_int_equal(st.malformed_in, 2);
            assert_int_equal(prsync_lu_gen(e->n[n].pl), 1);
            assert_true(prsync_lu_serving(e->n[n].pl));
        }
        assert_int_equal(pr_out(e, 1, 0x00, 0, 0xAAAA, 0xCCCC), 0);   /* generation 2 reaches both */
        for (int i = 0; i < 2000 && prsync_lu_gen(e->n[2].pl) != 2; i++)
            turn_all(e);
        assert_int_equal(prsync_lu_gen(e->n[2].pl), 2);
    }

    /* a newer record, damaged: none serves the LU (BUSY at once, and still after the resync found the
     * damage), a new LU object is refused */
    assert_int_equal(xvios_store_write(e->f.dom0, XVIOS_TX_NONE, "/xvios/pr/" LU_NAME "/len", "7", 1), 0);
    assert_int_equal(xvios_store_write(e->f.dom0, XVIOS_TX_NONE, "/xvios/pr/" LU_NAME "/gen", "3", 1), 0);
    for (int i = 0; i < 500 && prsync_lu_serving(e->n[2].pl); i++)
        turn_all(e);
    assert_false(prsync_lu_serving(e->n[2].pl));
    turn_ms(e, 500);
    assert_false(prsync_lu_serving(e->n[2].pl));
    assert_int_equal(tur(e, 2, &k), 0x08);
    assert_int_equal(pr_out(e, 2, 0x00, 0, 0, 0xBBBB), 0x08);   /* BUSY: the state is not known */
    close_lu(&e->n[2]);
    assert_int_equal(open_lu(&e->n[2]), -EIO);
    close_lu(&e->n[2]);

    /* the record removed (a fresh LU): served again with the empty state */
    assert_int_equal(xvios_db_pr_remove(e->f.dom0, XVIOS_TX_NONE, LU_NAME), 0);
    for (int i = 0; i < 3000 && prsync_lu_serving(e->n[1].pl) == false; i++)
        turn_all(e);
    assert_int_equal(open_lu(&e->n[2]), 0);
    assert_true(prsync_lu_serving(e->n[2].pl));
    for (int i = 0; i < 3000 && !prsync_lu_serving(e->n[1].pl); i++)
        turn_all(e);
    assert_true(prsync_lu_serving(e->n[1].pl));
    assert_int_equal(prsync_lu_gen(e->n[1].pl), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reservation_cluster_wide, setup, teardown),
        cmocka_unit_test_setup_teardown(test_racing_pr_outs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missed_change_resyncs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_record_and_message, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
