/* SPDX-License-Identifier: MIT */
/*
 * vio_run.c - one request from bytes to a vioResponse: parse (vio_parse.c),
 * dispatch to the object (vio_objects.c, vio_lu.c), frame the answer
 * (vio_response.c). Whatever fails, the caller gets a whole vioResponse: the
 * objects, or one VIOException.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vio_int.h"

int xvios_vio_run(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, char *out, size_t cap,
                  size_t *len, struct xvios_vio_change *chg)
{
    struct xvios_vio_err err = { XVIOS_VIO_OK, "" };
    struct xvios_xmlout body;
    char *items = NULL;
    bool more = false;
    int rc;

    if (chg)
        memset(chg, 0, sizeof(*chg));
    /* the objects go into a scratch body first: the frame's "more" is known only after */
    items = malloc(cap);
    if (!items) {
        vio_fail(&err, XVIOS_VIO_INTERNAL, "out of memory");
        goto fail;
    }
    xvios_xmlout_init(&body, items, cap > 256 ? cap - 256 : 0);   /* the frame's room */
    switch (rq->object) {
    case XVIOS_VIO_CLUSTER: rc = vio_cluster(env, rq, &body, &err); break;
    case XVIOS_VIO_NODE: rc = vio_node(env, rq, &body, &err); break;
    case XVIOS_VIO_POOL: rc = vio_pool(env, rq, &body, &more, chg, &err); break;
    case XVIOS_VIO_LU: rc = vio_lu(env, rq, &body, &more, chg, &err); break;
    case XVIOS_VIO_CLIENT: rc = vio_client(env, rq, &body, &more, &err); break;
    case XVIOS_VIO_ADAPTER: rc = vio_adapter(env, rq, &body, &more, &err); break;
    case XVIOS_VIO_PATH: rc = vio_path(env, rq, &body, &more, &err); break;
    case XVIOS_VIO_MAPPING: rc = vio_mapping(env, rq, &body, &more, chg, &err); break;
    default: rc = vio_fail(&err, XVIOS_VIO_INVALID, "no such object");
    }
    if (rc < 0)
        goto fail;
    if (xvios_xmlout_end(&body, len) < 0) {
        vio_fail(&err, XVIOS_VIO_INTERNAL, "the answer does not fit one message");
        goto fail;
    } else {
        struct xvios_xmlout o;

        xvios_xmlout_init(&o, out, cap);
        vio_response_open(&o, env->self_node, rq, more);
        xvios_xmlout_raw(&o, items);
        vio_response_close(&o);
        rc = xvios_xmlout_end(&o, len);
        if (rc < 0) {
            vio_fail(&err, XVIOS_VIO_INTERNAL, "the answer does not fit one message");
            goto fail;
        }
    }
    free(items);
    return 0;
fail:
    free(items);
    if (err.code == XVIOS_VIO_OK)
        vio_fail(&err, XVIOS_VIO_INTERNAL, "the request failed");
    return xvios_vio_exception(env->self_node, &err, out, cap, len);
}

int xvios_vio_handle(const struct xvios_vio_env *env, const char *untrusted, size_t untrusted_len, char *out,
                     size_t cap, size_t *len, struct xvios_vio_change *chg)
{
    struct xvios_vio_req rq;
    struct xvios_vio_err err;

    if (chg)
        memset(chg, 0, sizeof(*chg));
    if (xvios_vio_parse(untrusted, untrusted_len, &rq, &err) < 0)
        return xvios_vio_exception(env->self_node, &err, out, cap, len);
    return xvios_vio_run(env, &rq, out, cap, len, chg);
}
