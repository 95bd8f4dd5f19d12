/* SPDX-License-Identifier: MIT */
/* vio_int.h - between the files of xen/vio (the management API's request processor, xvios/vio.h). */
#ifndef XVIOS_VIO_INT_H
#define XVIOS_VIO_INT_H

#include <stdarg.h>

#include "xvios/vio.h"
#include "xvios/xmlout.h"

/* vio_scan.c: the checks before parsing. 0 or -EINVAL with *err. */
int vio_scan(const char *untrusted, size_t len, struct xvios_vio_err *err);

/* vio_schema.c: docs/vio.rng as compiled into the library, and its compiled grammar (built once). */
extern const char vio_schema_text[];
extern const size_t vio_schema_len;
void *vio_schema_get(void);        /* xmlRelaxNGPtr, NULL if it does not compile (logged) */
void  vio_schema_free(void);

/* vio_response.c */
/* <?xml ...?><vioResponse version="1" status="ok" node="N" object=".." action=".."> (more: more="true"). */
void vio_response_open(struct xvios_xmlout *o, uint32_t node, const struct xvios_vio_req *rq, bool more);
void vio_response_close(struct xvios_xmlout *o);
/* Fill *err; returns -EINVAL. */
int  vio_fail(struct xvios_vio_err *err, enum xvios_vio_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* vio_objects.c: one function per object; 0 (o holds the body), or -EINVAL with *err. */
int vio_cluster(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                struct xvios_vio_err *err);
int vio_node(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
             struct xvios_vio_err *err);
/* vio_pool.c: the pool object (its writes in dom0 only). */
int vio_pool(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
             struct xvios_vio_change *chg, struct xvios_vio_err *err);
/* vio_lu.c; *more: a list stopped before the end (the body's room ran out). */
int vio_lu(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
           struct xvios_vio_change *chg, struct xvios_vio_err *err);

/* Room kept free in a list's body for the frame's closing tag. */
#define VIO_CLOSE_ROOM 64u
/* After an element was written from offset before: true when it did not fit (taken back, *more set). */
bool vio_page_full(struct xvios_xmlout *o, size_t before, bool *more);

/* vio_tables.c: the client, adapter and path objects (read from the DB on any node). */
int vio_client(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
               struct xvios_vio_err *err);
int vio_adapter(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
                struct xvios_vio_err *err);
int vio_path(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
             struct xvios_vio_err *err);
/* vio_mapping.c: the mapping object through env's hooks (dom0). */
int vio_mapping(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
                struct xvios_vio_change *chg, struct xvios_vio_err *err);
struct xvios_db_vtd;
/* One <mapping .../> element. */
void vio_mapping_element(struct xvios_xmlout *o, const struct xvios_vio_mapping *m, const char *sharers);
/* The mapping a VTD record says. */
void vio_mapping_from_vtd(struct xvios_vio_mapping *m, const struct xvios_db_vtd *v);
/* Does want (a domid, or the name the record holds; "" any) name v's client? */
bool vio_client_matches(const char *want, const struct xvios_db_vtd *v);

#endif /* XVIOS_VIO_INT_H */
