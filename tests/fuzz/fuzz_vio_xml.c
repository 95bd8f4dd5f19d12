/* SPDX-License-Identifier: MIT */
/*
 * fuzz_vio_xml.c - libFuzzer target for the management API's request reader
 * (xvios/vio.h): the scan before parsing, libxml2 with the API's options,
 * the tree bounds, docs/vio.rng, and the extraction of values. Any input
 * must be refused with a VIOException code and a sentence that an exception
 * response can carry, or accepted as a request the schema promises (a
 * known object and action, an LU name the pool accepts, a node id in
 * range, a client/adapter ID, a path key, a mapping's vdev within bounds, a
 * mapping list's after= mark only there and within bounds, a pool's name and
 * access list as the pools take them, a modify that names what it changes:
 * a pool's access list, an LU's size or flag, a mapping's mode). The same bytes go to the Lifecycle event parser: what it accepts
 * must format and parse back to the same event. Anything else aborts.
 *
 * Seed corpus: tests/fuzz/corpus/fuzz_vio_xml/ (the requests of docs/api.md and hostile ones).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/db_lu.h"
#include "xvios/db_pool.h"
#include "xvios/vio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[XVIOS_VIO_RESPONSE_MAX];

static void check_request(const struct xvios_vio_req *rq)
{
    if (rq->object < XVIOS_VIO_CLUSTER || rq->object > XVIOS_VIO_PATH || rq->action < XVIOS_VIO_LIST ||
        rq->action > XVIOS_VIO_MODIFY)
        abort();
    /* a modify names what changes: an LU's size or flag, a mapping's mode, a pool's access list */
    if (rq->action == XVIOS_VIO_MODIFY &&
        (rq->object == XVIOS_VIO_LU        ? !rq->size && !rq->read_only_given
         : rq->object == XVIOS_VIO_MAPPING ? !rq->read_only_given
         : rq->object == XVIOS_VIO_POOL    ? !rq->has_access
                                           : true))
        abort();
    if (rq->object == XVIOS_VIO_NODE && rq->action == XVIOS_VIO_GET &&
        (rq->node_id == 0 || rq->node_id > XVIOS_NODE_ID_MAX))
        abort();
    if (rq->object == XVIOS_VIO_LU && rq->action != XVIOS_VIO_LIST && !xvios_lu_name_ok(rq->name))
        abort();
    if (rq->object == XVIOS_VIO_LU && rq->action == XVIOS_VIO_CREATE && rq->backing[0] != '/')
        abort();
    if (rq->object != XVIOS_VIO_LU && rq->object != XVIOS_VIO_MAPPING && rq->object != XVIOS_VIO_POOL &&
        xvios_vio_is_write(rq))
        abort();
    if (rq->object == XVIOS_VIO_POOL && (rq->pool[0] || xvios_vio_is_write(rq)) && !xvios_pool_name_ok(rq->pool))
        abort();
    if (rq->has_access && (rq->object != XVIOS_VIO_POOL ||
                           strspn(rq->access, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-,*") !=
                               strlen(rq->access)))
        abort();
    if (rq->object == XVIOS_VIO_LU && rq->pool[0] && !xvios_pool_name_ok(rq->pool))
        abort();
    if ((rq->object == XVIOS_VIO_CLIENT || rq->object == XVIOS_VIO_ADAPTER) && rq->action == XVIOS_VIO_GET &&
        (rq->id == 0 || rq->id > XVIOS_ID_MAX))
        abort();
    if (rq->object == XVIOS_VIO_PATH && rq->action == XVIOS_VIO_GET &&
        (rq->node_id == 0 || rq->node_id > XVIOS_NODE_ID_MAX || !xvios_path_key_valid(rq->name)))
        abort();
    if (rq->object == XVIOS_VIO_MAPPING && rq->action != XVIOS_VIO_LIST &&
        (!rq->client[0] || rq->vdev.host > XVIOS_VIO_VDEV_MAX_HOST || rq->vdev.chn > XVIOS_VIO_VDEV_MAX_CHN ||
         rq->vdev.tgt > XVIOS_VIO_VDEV_MAX_TGT || rq->vdev.lun > XVIOS_VIO_VDEV_MAX_LUN))
        abort();
    if (rq->after_mapping && (rq->object != XVIOS_VIO_MAPPING || rq->action != XVIOS_VIO_LIST ||
                              rq->vdev.host > XVIOS_VIO_VDEV_MAX_HOST || rq->vdev.chn > XVIOS_VIO_VDEV_MAX_CHN ||
                              rq->vdev.tgt > XVIOS_VIO_VDEV_MAX_TGT || rq->vdev.lun > XVIOS_VIO_VDEV_MAX_LUN))
        abort();
    if (rq->object == XVIOS_VIO_MAPPING && rq->action == XVIOS_VIO_CREATE &&
        (!rq->backing[0] || rq->node_id > XVIOS_NODE_ID_MAX))
        abort();
}

static void check_event(const uint8_t *data, size_t size)
{
    struct xvios_vio_event ev, back;
    char text[256];
    size_t len;

    if (xvios_vio_event_parse((const char *)data, size, &ev) < 0)
        return;
    if (xvios_vio_event_format(&ev, text, sizeof(text), &len) < 0 || xvios_vio_event_parse(text, len, &back) < 0 ||
        memcmp(&ev, &back, sizeof(ev)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xvios_vio_req rq;
    struct xvios_vio_err err;
    size_t len;

    if (xvios_vio_parse((const char *)data, size, &rq, &err) == 0) {
        check_request(&rq);
    } else {
        if (err.code == XVIOS_VIO_OK || err.code > XVIOS_VIO_CODE_MAX_ || !err.sentence[0] ||
            memchr(err.sentence, '\0', sizeof(err.sentence)) == NULL)
            abort();
        if (xvios_vio_exception(1, &err, out, sizeof(out), &len) < 0 || strlen(out) != len)
            abort();
    }
    check_event(data, size);
    return 0;
}
