/* SPDX-License-Identifier: MIT */
/*
 * xvios/vio.h - the management API's request processor (docs/api.md): a
 * vioRequest (XML) is bounded, scanned, parsed with libxml2 and validated
 * against docs/vio.rng, then run against the cluster DB; the answer is a
 * vioResponse (XML) with the status and the object information, or a
 * VIOException with a code and a sentence. Runs in xviosd (API_VIO) and in
 * dom0's `xvios api`.
 *
 * Untrusted input: a request is refused before parsing when it is longer
 * than XVIOS_VIO_REQUEST_MAX, holds a NUL byte, more than
 * XVIOS_VIO_MAX_MARKUP '<' or XVIOS_VIO_MAX_ATTRS '=', a value (a run without
 * < > " ') over XVIOS_VIO_MAX_RUN bytes, or any markup declaration (<!DOCTYPE, <!ENTITY,
 * ...); libxml2 then parses it with no network, no DTD loading, no entity
 * substitution; the tree is bounded to XVIOS_VIO_MAX_DEPTH levels.
 */
#ifndef XVIOS_VIO_H
#define XVIOS_VIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xvios/db_lu.h"
#include "xvios/platform.h"
#include "xvios/wire.h"

#define XVIOS_VIO_REQUEST_MAX  XVIOS_MAX_PAYLOAD   /* one message */
#define XVIOS_VIO_RESPONSE_MAX XVIOS_MAX_PAYLOAD
#define XVIOS_VIO_MAX_MARKUP   64u                 /* '<' in a request: elements, comments, PIs together */
#define XVIOS_VIO_MAX_ATTRS    64u                 /* '=' in a request: attributes (and any '=' in values) */
#define XVIOS_VIO_MAX_RUN      1280u               /* bytes without < > " ': any value, text or comment run */
#define XVIOS_VIO_MAX_DEPTH    2u                  /* vioRequest > object */
#define XVIOS_VIO_SENTENCE_MAX 320u

/* VIOException codes (docs/api.md, "Exceptions"). */
enum xvios_vio_code {
    XVIOS_VIO_OK = 0,
    XVIOS_VIO_TOO_LARGE,        /* longer than one message */
    XVIOS_VIO_NOT_XML,          /* not well-formed (or a NUL byte) */
    XVIOS_VIO_FORBIDDEN_MARKUP, /* DOCTYPE, ENTITY or any other markup declaration */
    XVIOS_VIO_TOO_COMPLEX,      /* too many nodes, too deep */
    XVIOS_VIO_INVALID,          /* fails docs/vio.rng */
    XVIOS_VIO_DOM0_ONLY,        /* the action writes what only dom0 may write */
    XVIOS_VIO_NOT_FOUND,
    XVIOS_VIO_EXISTS,
    XVIOS_VIO_BAD_VALUE,        /* a value the schema lets through but the object refuses */
    XVIOS_VIO_BEYOND_BACKING,
    XVIOS_VIO_OVERLAP,
    XVIOS_VIO_IN_USE,
    XVIOS_VIO_NO_CLUSTER,
    XVIOS_VIO_BUSY,             /* the DB stayed contended; nothing changed */
    XVIOS_VIO_INTERNAL,
    XVIOS_VIO_CODE_MAX_ = XVIOS_VIO_INTERNAL,
};
const char *xvios_vio_code_name(enum xvios_vio_code c);   /* "DOM0_ONLY", ... */

enum xvios_vio_object { XVIOS_VIO_CLUSTER = 1, XVIOS_VIO_NODE, XVIOS_VIO_POOL, XVIOS_VIO_LU };
enum xvios_vio_action { XVIOS_VIO_LIST = 1, XVIOS_VIO_GET, XVIOS_VIO_CREATE, XVIOS_VIO_DELETE };
const char *xvios_vio_object_name(enum xvios_vio_object o);   /* "lu", ... */
const char *xvios_vio_action_name(enum xvios_vio_action a);   /* "create", ... */

/* A validated request. */
struct xvios_vio_req {
    enum xvios_vio_object object;
    enum xvios_vio_action action;
    uint32_t node_id;                              /* node get */
    char name[XVIOS_LU_NAME_MAX + 1];              /* lu get/delete/create; lu list: "after" ("" none) */
    char backing[XVIOS_LU_BACKING_MAX + 1];        /* lu create */
    uint64_t offset, size;
    bool read_only;
};

struct xvios_vio_err {
    enum xvios_vio_code code;
    char sentence[XVIOS_VIO_SENTENCE_MAX];
};

/* Bound, scan, parse, validate, extract. 0, or -EINVAL with *err saying why. */
int  xvios_vio_parse(const char *untrusted, size_t untrusted_len, struct xvios_vio_req *rq,
                     struct xvios_vio_err *err);
/* The action changes the cluster DB (lu create/delete). */
bool xvios_vio_is_write(const struct xvios_vio_req *rq);

/* Where a request runs. */
struct xvios_vio_env {
    xvios_plat *p;
    uint32_t self_node;        /* named in every response; 0 in dom0 */
    bool dom0;                 /* may write the pool; false: writes are DOM0_ONLY */
    /* dom0: is LU name attached anywhere (inside tx)? 1 (where: a sentence), 0, or a negative errno. NULL:
     * delete is refused (nothing can tell). */
    int (*lu_in_use)(void *arg, xvios_tx tx, const char *name, char *where, size_t cap);
    /* dom0: the backing's size when dom0 can see it (0: unknown), or a negative errno with why. NULL: 0. */
    int (*backing_size)(void *arg, const char *path, uint64_t *size, char *why, size_t cap);
    void *arg;
};

/* What a successful write changed (for its Lifecycle event). */
struct xvios_vio_change {
    bool changed;
    enum xvios_vio_object object;
    const char *action;        /* "created" / "modified" / "deleted" */
    char key[XVIOS_LU_NAME_MAX + 1];
};

/*
 * Run rq; the vioResponse (status ok with the objects, or a VIOException) in
 * out, NUL-terminated, *len without the NUL. 0, or -ENOSPC when cap cannot
 * hold even an exception. chg (may be NULL) says what changed.
 */
int xvios_vio_run(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, char *out, size_t cap,
                  size_t *len, struct xvios_vio_change *chg);
/* xvios_vio_parse, then xvios_vio_run, or the parse's exception. */
int xvios_vio_handle(const struct xvios_vio_env *env, const char *untrusted, size_t untrusted_len, char *out,
                     size_t cap, size_t *len, struct xvios_vio_change *chg);
/* A vioResponse holding only a VIOException. 0 or -ENOSPC. */
int xvios_vio_exception(uint32_t node, const struct xvios_vio_err *e, char *out, size_t cap, size_t *len);
/* Free the compiled schema and libxml2's globals (at exit; valgrind-clean). */
void xvios_vio_cleanup(void);

/* ---------------------------------------------------------------- Lifecycle events (XVIOS_MT_OBJ_EVENT) */
/* The event of a change, as every node hands it to its subscribers. */
struct xvios_vio_event {
    char action[16];           /* created | modified | deleted */
    char type[16];             /* the object type: cluster, node, pool, LU */
    char key[XVIOS_LU_NAME_MAX + 1];
    uint32_t by;               /* the node that made it; 0 = dom0 */
    uint32_t via;              /* the node the change was announced through */
};
/* "category=lifecycle\naction=..\ntype=..\nkey=..\nby=..\nvia=..\n". 0 or -ENOSPC / -EINVAL. */
int xvios_vio_event_format(const struct xvios_vio_event *ev, char *out, size_t cap, size_t *len);
/* Strict: exactly those six keys once each, known words, a name-like key. 0 or -EINVAL. */
int xvios_vio_event_parse(const char *untrusted, size_t len, struct xvios_vio_event *ev);

#endif /* XVIOS_VIO_H */
