/* SPDX-License-Identifier: MIT */
/*
 * api_typed.h - what the typed commands (`xvios lu`, `xvios pool`) share to
 * run their actions through the management API (docs/api.md): a request
 * built with libxml2 (xvios/vio_xml.h), run as `xvios api` runs it
 * (api_call.h; in dom0 reads run here too), its response read back; a
 * VIOException turned into the command's documented exit code; a list read
 * page by page (after=); the objects' elements turned back into the DB's
 * structures the printers take.
 */
#ifndef XVIOS_TOOLSTACK_API_TYPED_H
#define XVIOS_TOOLSTACK_API_TYPED_H

#include <stdbool.h>
#include <stddef.h>

#include "toolstack/api_call.h"
#include "toolstack/lu_cmd.h"
#include "xvios/db_pool.h"
#include "xvios/db_vtd.h"
#include "xvios/vio_xml.h"

/* One request's outcome. */
struct api_typed {
    struct api_answer ans;
    struct xvios_vio_reply r;   /* r.ok, or r.code and r.sentence */
};

/*
 * Build and run one request (who: "lu", "pool": the messages' "xvios WHO: "). XVIOS_EXIT_OK with t->r read
 * (an ok response or an exception: the caller decides), or an exit code, the reason printed. Free with
 * api_typed_free in both cases.
 */
int  api_typed_run(const struct xvios_cli *cli, const char *who, const char *object, const char *action,
                   const struct xvios_vio_attr *attrs, unsigned n_attrs, struct api_typed *t);
void api_typed_free(struct api_typed *t);

/* An exception's exit code: the first entry whose code matches (and whose sentence holds `holds`, when set). */
struct api_exit {
    enum xvios_vio_code code;
    int exit;
    const char *holds;
};
/* "xvios WHO: SENTENCE" on stderr; the exit code of map, else 6 for NO_CLUSTER, 1 for the rest. */
int api_typed_refused(const char *who, const struct xvios_vio_reply *r, const struct api_exit *map, unsigned n);

/*
 * A whole list: `OBJECT action="list"` (with attrs) again with after= the last item's key until a page
 * without more="true"; each item handed to each (a nonzero return stops and is returned). key writes an
 * item's after= key. XVIOS_EXIT_OK, an exit code (the reason printed), or each's return.
 */
int api_typed_list(const struct xvios_cli *cli, const char *who, const char *object,
                   const struct xvios_vio_attr *attrs, unsigned n_attrs,
                   int (*key)(const struct xvios_vio_elem *e, char *buf, size_t cap),
                   int (*each)(const struct xvios_vio_elem *e, void *arg), void *arg);

/* Elements back into the DB's structures: 0 or -EINVAL (an attribute missing or malformed). */
int api_elem_lu(const struct xvios_vio_elem *e, struct xvios_db_lu *lu);
/* A <mapping/> of a pool LU as an attachment (1), 0 for an LU attached by path (no poolLu). */
int api_elem_use(const struct xvios_vio_elem *e, struct lu_use *use);
/* A <pool/> with its <client/> children (access malloc'd: xvios_db_pool_info_free). */
int api_elem_pool(const struct xvios_vio_elem *e, struct xvios_db_pool_info *pl);
/* A pool's <notInAccessList/> child. */
int api_elem_outside(const struct xvios_vio_elem *e, struct xvios_db_vtd *v);

#endif /* XVIOS_TOOLSTACK_API_TYPED_H */
