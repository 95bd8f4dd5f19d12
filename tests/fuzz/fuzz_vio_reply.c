/* SPDX-License-Identifier: MIT */
/*
 * fuzz_vio_reply.c - libFuzzer target for the caller's side of the
 * management API (xvios/vio_xml.h): any bytes read as a vioResponse are
 * refused (-EINVAL, nothing left to free) or read into a frame that holds
 * together: an ok response with an object and an action that fit their
 * fields, an exception with a known code and a one-line printable sentence,
 * every element named, every attribute with a name and a value, at most
 * two levels below the frame. Whatever was read is then looked up as the
 * typed commands look it up (numbers, flags, copies), and the input's
 * first bytes go to the request builder as a value, whose request the
 * processor must find well-formed. Anything else aborts.
 *
 * Seed corpus: tests/fuzz/corpus/fuzz_vio_reply/ (responses of docs/api.md and hostile ones).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/vio.h"
#include "xvios/vio_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_elem(const struct xvios_vio_elem *e, unsigned depth)
{
    char buf[64];
    uint64_t v;
    bool b;

    if (!e->name || !e->name[0] || depth > 2 || (e->n_kids && depth == 2))
        abort();
    for (unsigned i = 0; i < e->n_attrs; i++) {
        if (!e->keys[i] || !e->values[i])
            abort();
        if (xvios_vio_elem_attr(e, e->keys[i]) == NULL)
            abort();
        (void)xvios_vio_elem_u64(e, e->keys[i], UINT64_MAX, &v);
        (void)xvios_vio_elem_bool(e, e->keys[i], &b);
        if (xvios_vio_elem_copy(e, e->keys[i], buf, sizeof(buf)) == 0 && strlen(buf) >= sizeof(buf))
            abort();
    }
    for (unsigned i = 0; i < e->n_kids; i++)
        check_elem(&e->kids[i], depth + 1);
}

static void check_builder(const uint8_t *data, size_t size)
{
    char value[256], *xml = NULL;
    size_t n = size < sizeof(value) - 1 ? size : sizeof(value) - 1, len = 0;
    struct xvios_vio_req rq;
    struct xvios_vio_err err;
    const struct xvios_vio_attr attrs[] = {{"name", value}};

    memcpy(value, data, n);
    value[n] = '\0';
    if (xvios_vio_request_build("lu", "get", attrs, 1, &xml, &len) < 0)
        return;   /* libxml2's writer refuses bytes that are not UTF-8 */
    /* whatever the value, the request stays one well-formed lu get: at worst its name is refused */
    if (xvios_vio_parse(xml, len, &rq, &err) < 0 &&
        (err.code == XVIOS_VIO_NOT_XML || err.code == XVIOS_VIO_FORBIDDEN_MARKUP))
        abort();
    if (xvios_vio_parse(xml, len, &rq, &err) == 0 && (rq.object != XVIOS_VIO_LU || strcmp(rq.name, value)))
        abort();
    free(xml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xvios_vio_reply r;
    int rc = xvios_vio_reply_parse((const char *)data, size, &r);

    if (rc < 0) {
        if (rc != -EINVAL && rc != -ENOMEM)
            abort();
        if (r.items || r.n_items)
            abort();
    } else {
        if (r.ok && (strlen(r.object) >= sizeof(r.object) || r.code != XVIOS_VIO_OK))
            abort();
        if (!r.ok && (r.code == XVIOS_VIO_OK || r.n_items))
            abort();
        for (const char *p = r.sentence; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
                abort();
        for (unsigned i = 0; i < r.n_items; i++)
            check_elem(&r.items[i], 1);
        xvios_vio_reply_free(&r);
    }
    check_builder(data, size);
    return 0;
}
