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

#include "xvios/db_client.h"
#include "xvios/db_lu.h"
#include "xvios/db_path.h"
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
    XVIOS_VIO_CONFLICT,         /* the request conflicts with the state (vhost busy or another VIOS's, ...) */
    XVIOS_VIO_UNAVAILABLE,      /* a party the action needs is not running or did not answer in time */
    XVIOS_VIO_ACCESS_DENIED,    /* the LU's pool's access list does not name the client */
    XVIOS_VIO_INTERNAL,
    XVIOS_VIO_SHRINK,           /* an LU only grows: a smaller size is refused */
    XVIOS_VIO_CODE_MAX_ = XVIOS_VIO_SHRINK,
};
const char *xvios_vio_code_name(enum xvios_vio_code c);   /* "DOM0_ONLY", ... */

enum xvios_vio_object {
    XVIOS_VIO_CLUSTER = 1, XVIOS_VIO_NODE, XVIOS_VIO_POOL, XVIOS_VIO_LU,
    XVIOS_VIO_CLIENT, XVIOS_VIO_ADAPTER, XVIOS_VIO_MAPPING, XVIOS_VIO_PATH,
};
enum xvios_vio_action { XVIOS_VIO_LIST = 1, XVIOS_VIO_GET, XVIOS_VIO_CREATE, XVIOS_VIO_DELETE, XVIOS_VIO_MODIFY };
const char *xvios_vio_object_name(enum xvios_vio_object o);   /* "lu", ... */
const char *xvios_vio_action_name(enum xvios_vio_action a);   /* "create", ... */

#define XVIOS_VIO_CLIENT_MAX 63u   /* a client as a request names it: its domid or domain name */

/* A virtual target device's address: vhost (the adapter's devid) : channel : target : LUN. */
struct xvios_vio_vdev {
    uint32_t host, chn, tgt, lun;
};
#define XVIOS_VIO_VDEV_MAX_HOST 65535u
#define XVIOS_VIO_VDEV_MAX_CHN  0u
#define XVIOS_VIO_VDEV_MAX_TGT  63u
#define XVIOS_VIO_VDEV_MAX_LUN  255u
/* "H:C:T:L" in canonical decimals within those bounds: 0 or -EINVAL. */
int xvios_vio_vdev_parse(const char *untrusted_s, struct xvios_vio_vdev *out);

/* A validated request. */
struct xvios_vio_req {
    enum xvios_vio_object object;
    enum xvios_vio_action action;
    uint32_t node_id;                              /* node get; path get/list (0: every node); mapping create's VIOS */
    uint32_t id;                                   /* client/adapter get; their list: "after" (0 none) */
    char name[XVIOS_LU_NAME_MAX + 1];              /* lu get/delete/create; lu list: "after"; path key/after */
    char backing[XVIOS_LU_BACKING_MAX + 1];        /* lu create; mapping create: the LU (pool name or path) */
    char client[XVIOS_VIO_CLIENT_MAX + 1];         /* mapping: the client domain (domid or name; list: "" all) */
    struct xvios_vio_vdev vdev;                    /* mapping get/create/delete; list: after='s vdev */
    bool after_mapping;                            /* mapping list: after= given (id: its client domid) */
    uint64_t offset, size;
    bool read_only;
    bool read_only_given;                          /* modify: readOnly= was named (else left as it is) */
    bool shared;                                   /* mapping create: share an LU attached read-write elsewhere */
    char pool[XVIOS_LU_NAME_MAX + 1];              /* pool get/create/modify/delete, list "after"; lu create's pool
                                                    * ("" the default pool) */
    char access[XVIOS_VIO_MAX_RUN + 1];            /* pool create/modify: the access list as given */
    bool has_access;                               /* access= was given */
};

struct xvios_vio_err {
    enum xvios_vio_code code;
    char sentence[XVIOS_VIO_SENTENCE_MAX];
};

/* Bound, scan, parse, validate, extract. 0, or -EINVAL with *err saying why. */
int  xvios_vio_parse(const char *untrusted, size_t untrusted_len, struct xvios_vio_req *rq,
                     struct xvios_vio_err *err);
/* The action changes the cluster DB (create, modify, delete). */
bool xvios_vio_is_write(const struct xvios_vio_req *rq);
/* A write dom0 runs itself when asked in dom0 (LU create/modify/delete and pool create/modify/delete: the
 * pools; mapping create/modify/delete: the backend and frontend nodes and the VTD table). Every read runs on any
 * node's daemon; asked of a node's daemon, a mapping create/delete on a vhost that exists is made by its VIOS
 * (xvios/vio_apply.h). */
bool xvios_vio_needs_dom0(const struct xvios_vio_req *rq);

/* A mapping (virtual target device): as the VTD table records it, or (create, delete) as its nodes say. */
struct xvios_vio_mapping {
    uint32_t client;                               /* the client's domid */
    char client_name[XVIOS_VIO_CLIENT_MAX + 1];    /* "" unknown */
    uint32_t node;                                 /* the VIOS node serving it */
    struct xvios_vio_vdev vdev;
    char lu[XVIOS_LU_BACKING_MAX + 1];             /* the backing path the VIOS opens */
    char pool_lu[XVIOS_LU_NAME_MAX + 1];           /* the pool LU's name, "" for an LU attached by path */
    bool read_only;
    char state[16];                                /* the LUN's: "connected", ...; "" not read (a list/get) */
};

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
    /*
     * A mapping's nodes (the VIOS's backend dir, the client's frontend dir) are dom0's to write: only dom0
     * has these (NULL: mapping create and delete are DOM0_ONLY; list and get read the VTD table anywhere).
     * Each returns 0, or -EINVAL with *err (code and sentence).
     * attach: rq's mapping create, waiting for the client's frontend; *done as made.
     * detach: rq's mapping delete; *gone as it was.
     */
    int (*attach)(void *arg, const struct xvios_vio_req *rq, struct xvios_vio_mapping *done,
                  struct xvios_vio_err *err);
    int (*detach)(void *arg, const struct xvios_vio_req *rq, struct xvios_vio_mapping *gone,
                  struct xvios_vio_err *err);
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
/* Fill *err with code and a sentence; returns -EINVAL (for env's hooks). */
int xvios_vio_fail(struct xvios_vio_err *err, enum xvios_vio_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Free the compiled schema and libxml2's globals (at exit; valgrind-clean). */
void xvios_vio_cleanup(void);

/* ---------------------------------------------------------------- Lifecycle events (XVIOS_MT_OBJ_EVENT) */
/* The event of a change, as every node hands it to its subscribers. */
struct xvios_vio_event {
    char action[16];           /* created | modified | deleted */
    char type[16];             /* the object type: cluster, node, pool, LU, client, adapter, mapping, path */
    char key[XVIOS_LU_NAME_MAX + 1];
    uint32_t by;               /* the node that made it; 0 = dom0 */
    uint32_t via;              /* the node the change was announced through */
};
/* "category=lifecycle\naction=..\ntype=..\nkey=..\nby=..\nvia=..\n". 0 or -ENOSPC / -EINVAL. */
int xvios_vio_event_format(const struct xvios_vio_event *ev, char *out, size_t cap, size_t *len);
/* Strict: exactly those six keys once each, known words, a name-like key. 0 or -EINVAL. */
int xvios_vio_event_parse(const char *untrusted, size_t len, struct xvios_vio_event *ev);

#endif /* XVIOS_VIO_H */
