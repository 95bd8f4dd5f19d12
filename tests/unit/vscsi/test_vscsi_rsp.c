/* SPDX-License-Identifier: MIT */
/* test_vscsi_rsp.c - response encoding: rslt = host << 16 | status, sense capped at 96, every byte written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/vscsi/vscsi_rsp.h"

static void test_result(void **state)
{
    (void)state;
    assert_int_equal(vscsi_rsp_result(XEN_VSCSIIF_RSLT_HOST_OK, 0x02), 0x02);
    assert_int_equal(vscsi_rsp_result(XEN_VSCSIIF_RSLT_HOST_ERROR, 0), 0x70000);
    assert_int_equal(vscsi_rsp_result(XEN_VSCSIIF_RSLT_HOST_NO_CONNECT, 0), 0x10000);
    assert_int_equal(XEN_VSCSIIF_RSLT_HOST(vscsi_rsp_result(XEN_VSCSIIF_RSLT_HOST_BUS_BUSY, 0x18)),
                     XEN_VSCSIIF_RSLT_HOST_BUS_BUSY);
    assert_int_equal(XEN_VSCSIIF_RSLT_STATUS(vscsi_rsp_result(XEN_VSCSIIF_RSLT_HOST_BUS_BUSY, 0x18)), 0x18);
    assert_int_equal(VSCSI_RSLT_RESET_SUCCESS, 0x2002);
    assert_int_equal(VSCSI_RSLT_RESET_FAILED, 0x2003);
}

static void test_fill(void **state)
{
    struct vscsiif_response rsp;
    uint8_t sense[200];

    (void)state;
    for (unsigned i = 0; i < sizeof(sense); i++)
        sense[i] = (uint8_t)(i + 1);
    memset(&rsp, 0xee, sizeof(rsp));            /* stale ring contents */
    vscsi_rsp_fill(&rsp, 12, 0x02, sense, 18, 512);
    assert_int_equal(rsp.rqid, 12);
    assert_int_equal(rsp.rslt, 2);
    assert_int_equal(rsp.sense_len, 18);
    assert_memory_equal(rsp.sense_buffer, sense, 18);
    assert_int_equal(rsp.sense_buffer[18], 0);
    assert_int_equal(rsp.residual_len, 512);
    assert_int_equal(rsp.act, 0);
    for (unsigned i = 0; i < sizeof(rsp.reserved) / sizeof(rsp.reserved[0]); i++)
        assert_int_equal(rsp.reserved[i], 0);

    vscsi_rsp_fill(&rsp, 1, 0x02, sense, sizeof(sense), 0);    /* capped at the buffer */
    assert_int_equal(rsp.sense_len, VSCSIIF_SENSE_BUFFERSIZE);
    assert_memory_equal(rsp.sense_buffer, sense, VSCSIIF_SENSE_BUFFERSIZE);

    memset(&rsp, 0xee, sizeof(rsp));
    vscsi_rsp_host(&rsp, 65535, XEN_VSCSIIF_RSLT_HOST_NO_CONNECT);
    assert_int_equal(rsp.rqid, 65535);
    assert_int_equal(rsp.rslt, 0x10000);
    assert_int_equal(rsp.sense_len, 0);
    assert_int_equal(rsp.residual_len, 0);
    assert_int_equal(rsp.sense_buffer[0], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result),
        cmocka_unit_test(test_fill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
