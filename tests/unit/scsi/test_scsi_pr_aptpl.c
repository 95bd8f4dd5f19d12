/* SPDX-License-Identifier: MIT */
/*
 * test_scsi_pr_aptpl.c - APTPL through the persist hook (set, kept on every
 * change, cleared), a failing persist undoing the command, the state blob:
 * save -> load round trip, and malformed blobs refused without touching the
 * state.
 */
#include <errno.h>

#include "pr_fixture.h"

/* Blob offsets (docs/scsi.md, "State format"). */
enum { B_VERSION = 4, B_HDRLEN = 6, B_TOTAL = 8, B_FLAGS = 16, B_TYPE = 17, B_NREGS = 18, B_HOLDER = 20,
       B_RESV = 24, B_REG0 = 32 };

static uint32_t test_crc32(const uint8_t *p, size_t n)
{
    /* Table-driven here (the module is bitwise), so the two implementations check each other. */
    static uint32_t table[256];
    uint32_t c = 0xffffffffu;
    if (!table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t v = i;
            for (int k = 0; k < 8; k++)
                v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
            table[i] = v;
        }
    for (size_t i = 0; i < n; i++)
        c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

static void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_le32(uint8_t *p, uint32_t v) { put_le16(p, (uint16_t)v); put_le16(p + 2, (uint16_t)(v >> 16)); }
static uint32_t get_le32(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static void reseal(uint8_t *b, size_t len)
{
    put_le32(b + len - 4, test_crc32(b, len - 4));
}

static void aptpl_kept_on_every_change(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1);
    struct scsi_err e;
    (void)state;

    /* Without APTPL nothing is persisted. */
    fx_init(&f, true);
    must_register(&f, &a, 0x11);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_WE);
    assert_int_equal(f.persisted, 0);
    fx_fini(&f);

    fx_init(&f, true);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0, 0x11, 0x01, &e), 0);
    assert_true(scsi_pr_aptpl(f.pr));
    assert_int_equal(f.persisted, 1);
    assert_non_null(f.blob);
    assert_memory_equal(f.blob, "XVPR", 4);
    assert_int_equal(f.blob[B_FLAGS] & 0x01, 0x01);

    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA);
    assert_int_equal(f.persisted, 2);
    assert_int_equal(f.blob[B_TYPE], SCSI_PR_TYPE_EA);
    /* A RESERVE that changes nothing keeps nothing. */
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_EA);
    assert_int_equal(f.persisted, 2);

    /* The last REGISTER's APTPL bit rules: 0 -> the kept state is forgotten. */
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_REGISTER, 0, 0, 0x22, 0, &e), 0);
    assert_false(scsi_pr_aptpl(f.pr));
    assert_int_equal(f.persisted, 3);
    assert_null(f.blob);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_EA, 0x11, 0, 0, &e), 0);
    assert_int_equal(f.persisted, 3);

    /* Back on via REGISTER AND IGNORE EXISTING KEY; the blob loads into a fresh LU ("power on"). */
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_REGISTER_IGNORE, 0, 0, 0x23, 0x01, &e), 0);
    assert_int_equal(f.persisted, 4);
    {
        struct fx g;
        fx_init(&g, true);
        assert_int_equal(scsi_pr_load(g.pr, f.blob, f.blob_len), 0);
        assert_true(scsi_pr_aptpl(g.pr));
        assert_int_equal(scsi_pr_generation(g.pr), scsi_pr_generation(f.pr));
        assert_int_equal(scsi_pr_registration_count(g.pr), 2);
        assert_int_equal(scsi_pr_find_registration(g.pr, &b)->key, 0x23);
        assert_int_equal(g.changed, 0);
        assert_int_equal(g.persisted, 0);
        fx_fini(&g);
    }
    fx_fini(&f);
}

static void persist_failure_undoes_the_command(void **state)
{
    struct fx f;
    struct scsi_nexus a = nx(1, 1), b = nx(2, 1), c = nx(3, 1);
    struct scsi_err e;
    unsigned changed;
    (void)state;
    fx_init(&f, true);
    assert_int_equal(pr_out(&f, &a, SCSI_PR_OUT_REGISTER, 0, 0, 0x11, 0x01, &e), 0);
    must_register(&f, &b, 0x22);        /* APTPL 0 now */
    assert_int_equal(pr_out(&f, &c, SCSI_PR_OUT_REGISTER, 0, 0, 0x33, 0x01, &e), 0);
    must_reserve(&f, &a, 0x11, SCSI_PR_TYPE_WE);
    fx_clear_events(&f);
    changed = f.changed;

    f.persist_rc = -EIO;
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_PREEMPT_AND_ABORT, SCSI_PR_TYPE_EA, 0x22, 0x11, 0, &e), -1);
    assert_sense(&e, SCSI_SK_HARDWARE_ERROR, SCSI_ASC_INTERNAL_TARGET_FAILURE);
    /* Nothing happened: no UA, no abort, no state_changed, same state. */
    assert_int_equal(f.nua, 0);
    assert_int_equal(f.naborted, 0);
    assert_int_equal(f.changed, changed);
    assert_int_equal(scsi_pr_registration_count(f.pr), 3);
    assert_int_equal(scsi_pr_type(f.pr), SCSI_PR_TYPE_WE);
    assert_true(scsi_pr_is_holder(f.pr, &a));
    assert_int_equal(scsi_pr_generation(f.pr), 3);

    /* Clearing APTPL must be kept too. */
    assert_int_equal(pr_out(&f, &c, SCSI_PR_OUT_REGISTER, 0, 0x33, 0x34, 0, &e), -1);
    assert_true(scsi_pr_aptpl(f.pr));
    assert_int_equal(scsi_pr_find_registration(f.pr, &c)->key, 0x33);

    f.persist_rc = 0;
    assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_PREEMPT_AND_ABORT, SCSI_PR_TYPE_EA, 0x22, 0x11, 0, &e), 0);
    assert_int_equal(f.naborted, 1);
    assert_true(scsi_nexus_eq(&f.aborted[0], &a));
    fx_fini(&f);
}

/* A state with every kind of content: ALL_TG_PT registrations, a holder, APTPL. */
static void build_state(struct fx *f)
{
    struct scsi_nexus a = nx(1, 1), b = nx(2, 2), c = nx(3, 1);
    fx_init(f, true);
    assert_int_equal(pr_out(f, &a, SCSI_PR_OUT_REGISTER, 0, 0, 0x1111, 0x05, NULL), 0);
    must_register(f, &b, 0x2222);
    assert_int_equal(pr_out(f, &c, SCSI_PR_OUT_REGISTER, 0, 0, 0x3333, 0x01, NULL), 0);
    must_reserve(f, &b, 0x2222, SCSI_PR_TYPE_EA_RO);
}

static void assert_same_state(const struct scsi_pr *x, const struct scsi_pr *y)
{
    struct scsi_nexus hx, hy;
    assert_int_equal(scsi_pr_generation(x), scsi_pr_generation(y));
    assert_int_equal(scsi_pr_aptpl(x), scsi_pr_aptpl(y));
    assert_int_equal(scsi_pr_type(x), scsi_pr_type(y));
    assert_int_equal(scsi_pr_holder(x, &hx), scsi_pr_holder(y, &hy));
    if (scsi_pr_holder(x, NULL))
        assert_true(scsi_nexus_eq(&hx, &hy));
    assert_int_equal(scsi_pr_spc2_holder(x, &hx), scsi_pr_spc2_holder(y, &hy));
    assert_int_equal(scsi_pr_registration_count(x), scsi_pr_registration_count(y));
    for (size_t i = 0; i < scsi_pr_registration_count(x); i++) {
        const struct scsi_pr_registration *rx = scsi_pr_registration_at(x, i), *ry = scsi_pr_registration_at(y, i);
        assert_true(rx->key == ry->key);
        assert_int_equal(rx->all_tg_pt, ry->all_tg_pt);
        assert_true(scsi_nexus_eq(&rx->nexus, &ry->nexus));
        assert_int_equal(rx->nexus.transport_id_len, ry->nexus.transport_id_len);
        assert_memory_equal(rx->nexus.transport_id, ry->nexus.transport_id, rx->nexus.transport_id_len);
    }
}

static void save_load_round_trip(void **state)
{
    struct fx f, g;
    uint8_t buf[4096], again[4096];
    size_t len = 0, len2 = 0, need = 0;
    struct scsi_nexus s = nx(9, 1);
    struct scsi_err e;
    (void)state;
    build_state(&f);
    assert_int_equal(scsi_pr_save(f.pr, buf, 10, &need), -ENOSPC);
    assert_int_equal(scsi_pr_save(f.pr, buf, sizeof(buf), &len), 0);
    assert_int_equal(need, len);
    assert_int_equal(get_le32(buf + B_TOTAL), len);
    assert_int_equal(get_le32(buf + len - 4), test_crc32(buf, len - 4));

    fx_init(&g, true);
    assert_int_equal(scsi_pr_load(g.pr, buf, len), 0);
    assert_same_state(f.pr, g.pr);
    assert_int_equal(scsi_pr_save(g.pr, again, sizeof(again), &len2), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, again, len);
    /* The loaded state works: the holder's RELEASE tells the other registrants. */
    {
        struct scsi_nexus b = nx(2, 2);
        assert_int_equal(pr_out(&g, &b, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_EA_RO, 0x2222, 0, 0, NULL), 0);
        assert_int_equal(g.nua, 3);
    }
    fx_fini(&g);
    fx_fini(&f);

    /* An all-registrants reservation and an SPC-2 one (in its own state) survive too. */
    build_state(&f);
    {
        struct scsi_nexus b = nx(2, 2);
        assert_int_equal(pr_out(&f, &b, SCSI_PR_OUT_RELEASE, SCSI_PR_TYPE_EA_RO, 0x2222, 0, 0, NULL), 0);
        must_reserve(&f, &b, 0x2222, SCSI_PR_TYPE_WE_AR);
    }
    assert_int_equal(scsi_pr_save(f.pr, buf, sizeof(buf), &len), 0);
    assert_int_equal(get_le32(buf + B_HOLDER), 0xffffffffu);
    fx_init(&g, false);
    assert_int_equal(scsi_pr_load(g.pr, buf, len), 0);
    assert_same_state(f.pr, g.pr);
    fx_fini(&g);
    fx_fini(&f);

    fx_init(&f, false);
    assert_int_equal(scsi_pr_reserve_spc2(f.pr, &s, &e), 0);
    assert_int_equal(scsi_pr_save(f.pr, buf, sizeof(buf), &len), 0);
    fx_init(&g, false);
    assert_int_equal(scsi_pr_load(g.pr, buf, len), 0);
    assert_same_state(f.pr, g.pr);
    assert_true(scsi_pr_spc2_holder(g.pr, NULL));
    fx_fini(&g);
    fx_fini(&f);
}

/* Load must refuse it and leave the target's state as it was. */
static void refused(struct fx *g, const uint8_t *blob, size_t len, const char *what)
{
    uint8_t before[4096], after[4096];
    size_t lb, la;
    assert_int_equal(scsi_pr_save(g->pr, before, sizeof(before), &lb), 0);
    if (scsi_pr_load(g->pr, blob, len) != -EINVAL)
        fail_msg("malformed blob accepted: %s", what);
    assert_int_equal(scsi_pr_save(g->pr, after, sizeof(after), &la), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(before, after, la);
}

static void malformed_blobs_refused(void **state)
{
    struct fx f, g;
    uint8_t good[4096], bad[4096 + 8];
    size_t len;
    struct scsi_nexus z = nx(42, 3);
    (void)state;
    build_state(&f);
    assert_int_equal(scsi_pr_save(f.pr, good, sizeof(good), &len), 0);
    fx_init(&g, false);
    must_register(&g, &z, 0x4242);     /* the state a bad load must not disturb */

    refused(&g, NULL, 0, "NULL");
    for (size_t n = 0; n < len; n++)
        refused(&g, good, n, "truncated");
    for (size_t i = 0; i < len; i++) {
        memcpy(bad, good, len);
        bad[i] ^= 0x01;
        refused(&g, bad, len, "one bit flipped");
    }
    memcpy(bad, good, len);
    bad[len] = 0;
    refused(&g, bad, len + 1, "trailing byte");

    /* Well-sealed (correct CRC) but wrong inside. */
#define MUTATE(what, stmt)                  \
    do {                                    \
        memcpy(bad, good, len);             \
        stmt;                               \
        reseal(bad, len);                   \
        refused(&g, bad, len, what);        \
    } while (0)
    MUTATE("version 2", put_le16(bad + B_VERSION, 2));
    MUTATE("header length", put_le16(bad + B_HDRLEN, 36));
    MUTATE("total length", put_le32(bad + B_TOTAL, (uint32_t)len + 4));
    MUTATE("unknown flag", bad[B_FLAGS] |= 0x80);
    MUTATE("invalid type", bad[B_TYPE] = 2);
    MUTATE("reservation without type", bad[B_FLAGS] &= (uint8_t)~0x02);
    MUTATE("holder out of range", put_le32(bad + B_HOLDER, 7));
    MUTATE("too many registrations", put_le16(bad + B_NREGS, 5));
    MUTATE("too few registrations", put_le16(bad + B_NREGS, 3));
    MUTATE("reserved field", bad[B_RESV] = 1);
    MUTATE("key 0", memset(bad + B_REG0, 0, 8));
    MUTATE("registration flag", bad[B_REG0 + 8] = 0x02);
    MUTATE("TransportID too long", put_le16(bad + B_REG0 + 20, 300));
    MUTATE("TransportID past the end", put_le16(bad + B_REG0 + 20, 200));
    MUTATE("magic", bad[0] = 'Y');
    /* Two registrations of one nexus: the 2nd (ALL_TG_PT on port 2) made to name port 1. */
    {
        size_t r1 = B_REG0 + 22 + scsi_pr_registration_at(f.pr, 0)->nexus.transport_id_len;
        MUTATE("duplicate nexus", put_le16(bad + r1 + 18, 1));
    }
#undef MUTATE

    /* More registrations than the loading LU allows. */
    {
        struct fx s;
        fx_init(&s, false);
        assert_int_equal(scsi_pr_set_max_registrations(s.pr, 3), 0);
        refused(&s, good, len, "over the registration limit");
        fx_fini(&s);
    }
    fx_fini(&g);
    fx_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aptpl_kept_on_every_change),
        cmocka_unit_test(persist_failure_undoes_the_command),
        cmocka_unit_test(save_load_round_trip),
        cmocka_unit_test(malformed_blobs_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
