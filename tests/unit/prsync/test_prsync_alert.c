/* SPDX-License-Identifier: MIT */
/*
 * test_prsync_alert.c - which committed PR changes are a reservation-preempted alert
 * (prsync_preempt_record): PREEMPT and PREEMPT AND ABORT that took other nexuses' registrations,
 * with the issuer, the preempted nexuses (at most XVIOS_PREEMPT_LIST listed, all counted), the
 * generation and the abort flag; not a PREEMPT that took nobody else's, not a refused or unchanged
 * one, not other service actions, not a nexus reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/prsync/prsync_int.h"
#include "xvios/db_preempt.h"

static void op_init(struct prsync_op *op, uint8_t *cdb, uint8_t sa)
{
    memset(op, 0, sizeof(*op));
    memset(cdb, 0, 10);
    cdb[0] = 0x5f;   /* PERSISTENT RESERVE OUT */
    cdb[1] = sa;
    op->ch.kind = PRSYNC_PR_OUT;
    op->ch.cdb = cdb;
    op->ch.changed = true;
    op->ch.nexus.initiator = 0x0000000200000002ull;
    op->ch.nexus.target_port = 102;
    op->gen = 7;
}

static void add_ev(struct prsync_op *op, uint8_t kind, uint16_t asc, uint64_t initiator, uint16_t port)
{
    op->ch.events[op->ch.n_events++] = (struct prsync_event){ kind, asc, port, initiator };
}

static void test_preempt_names_the_preempted(void **state)
{
    struct prsync_op op;
    struct xvios_db_preempt r;
    uint8_t cdb[10];
    (void)state;

    op_init(&op, cdb, SCSI_PR_OUT_PREEMPT);
    add_ev(&op, PRSYNC_EV_UA, SCSI_ASC_REGISTRATIONS_PREEMPTED, 0x0000000100000001ull, 101);
    add_ev(&op, PRSYNC_EV_UA, SCSI_ASC_RESERVATIONS_RELEASED, 0x0000000300000003ull, 103);   /* not preempted */
    assert_true(prsync_preempt_record(&op, &r));
    assert_int_equal(r.gen, 7);
    assert_int_equal(r.by.initiator, 0x0000000200000002ull);
    assert_int_equal(r.by.port, 102);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.n_listed, 1);
    assert_int_equal(r.preempted[0].initiator, 0x0000000100000001ull);
    assert_int_equal(r.preempted[0].port, 101);
    assert_false(r.abort);

    /* PREEMPT AND ABORT: the abort flag; an abort event is no extra nexus */
    op_init(&op, cdb, SCSI_PR_OUT_PREEMPT_AND_ABORT);
    add_ev(&op, PRSYNC_EV_UA, SCSI_ASC_REGISTRATIONS_PREEMPTED, 0x0000000100000001ull, 101);
    add_ev(&op, PRSYNC_EV_ABORT, 0, 0x0000000100000001ull, 101);
    assert_true(prsync_preempt_record(&op, &r));
    assert_true(r.abort);
    assert_int_equal(r.count, 1);
}

static void test_many_listed_up_to_the_limit(void **state)
{
    struct prsync_op op;
    struct xvios_db_preempt r;
    uint8_t cdb[10];
    (void)state;

    op_init(&op, cdb, SCSI_PR_OUT_PREEMPT);
    for (unsigned i = 0; i < XVIOS_PREEMPT_LIST + 3; i++)
        add_ev(&op, PRSYNC_EV_UA, SCSI_ASC_REGISTRATIONS_PREEMPTED, 0x100 + i, (uint16_t)(1 + i));
    assert_true(prsync_preempt_record(&op, &r));
    assert_int_equal(r.n_listed, XVIOS_PREEMPT_LIST);
    assert_int_equal(r.count, XVIOS_PREEMPT_LIST + 3);
}

static void test_not_an_alert(void **state)
{
    struct prsync_op op;
    struct xvios_db_preempt r;
    uint8_t cdb[10];
    (void)state;

    /* a PREEMPT that took nobody else's registration (only the issuer's own key) */
    op_init(&op, cdb, SCSI_PR_OUT_PREEMPT);
    assert_false(prsync_preempt_record(&op, &r));
    /* refused, or nothing changed */
    op_init(&op, cdb, SCSI_PR_OUT_PREEMPT);
    add_ev(&op, PRSYNC_EV_UA, SCSI_ASC_REGISTRATIONS_PREEMPTED, 1, 1);
    op.ch.refused = true;
    assert_false(prsync_preempt_record(&op, &r));
    op.ch.refused = false;
    op.ch.changed = false;
    assert_false(prsync_preempt_record(&op, &r));
    /* CLEAR takes every registration too, but is no preemption */
    op_init(&op, cdb, SCSI_PR_OUT_CLEAR);
    add_ev(&op, PRSYNC_EV_UA, SCSI_ASC_REGISTRATIONS_PREEMPTED, 1, 1);
    assert_false(prsync_preempt_record(&op, &r));
    /* a nexus reset has no CDB */
    op_init(&op, cdb, SCSI_PR_OUT_PREEMPT);
    add_ev(&op, PRSYNC_EV_UA, SCSI_ASC_REGISTRATIONS_PREEMPTED, 1, 1);
    op.ch.kind = PRSYNC_NEXUS_RESET;
    op.ch.cdb = NULL;
    assert_false(prsync_preempt_record(&op, &r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preempt_names_the_preempted),
        cmocka_unit_test(test_many_listed_up_to_the_limit),
        cmocka_unit_test(test_not_an_alert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
