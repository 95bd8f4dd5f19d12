/* SPDX-License-Identifier: MIT */
/*
 * xvios/vio_apply.h - a mapping create or delete asked of one node (N) for a
 * vhost another VIOS (M) serves (docs/api.md, "Where a request runs"). N
 * checks the request against the cluster DB (the client's vhost in the VTD
 * table, the LU, the vdev, IN_USE) and hands M an XVIOS_MT_MAPPING_APPLY
 * whose payload is
 *
 *   "op=add|remove\nclient=<domid>\nuuid=<uuid or empty>\nname=<name or empty>\nnode=<M>\n"
 *   "vhost=<h>\nchannel=<c>\ntarget=<t>\nlun=<l>\nlu=<backing path>\npool-lu=<name or empty>\nro=0|1\n"
 *
 * (the VTD record M is to write or remove, with the operation in front);
 * M makes it in its own backend dir and VTD record and answers with the
 * vioResponse of the outcome. Decoding is strict: exactly these twelve
 * keys, each once and in this order, every line ended, the record as xvios_db_vtd_check()
 * takes it, at most XVIOS_VIO_APPLY_MAX bytes.
 */
#ifndef XVIOS_VIO_APPLY_H
#define XVIOS_VIO_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "xvios/db_vtd.h"
#include "xvios/vio.h"

#define XVIOS_VIO_APPLY_MAX 2048u   /* payload bytes: twelve keys, a uuid, a name, a path, an LU name */

enum xvios_vio_apply_op { XVIOS_VIO_APPLY_ADD = 1, XVIOS_VIO_APPLY_REMOVE = 2 };

struct xvios_vio_apply {
    enum xvios_vio_apply_op op;
    struct xvios_db_vtd vtd;   /* the record; vtd.node is the VIOS asked to make it */
};

/* The payload, NUL-terminated (*len without it): 0, -EINVAL (a field out of bounds), -ENOSPC. */
int xvios_vio_apply_encode(const struct xvios_vio_apply *a, char *out, size_t cap, size_t *len);
/* Strict decoding of an untrusted payload: 0, or -EINVAL (malformed, a key missing, repeated or unknown,
 * a value out of bounds) or -E2BIG (longer than XVIOS_VIO_APPLY_MAX); *out is zeroed on failure. */
int xvios_vio_apply_decode(const void *untrusted, size_t len, struct xvios_vio_apply *out);

/*
 * N's half: rq (a mapping create or delete) checked against the cluster DB as env's node sees it. 0 and
 * *out (vtd.node: the VIOS that must make it), or -EINVAL with *err: NOT_FOUND (no such client mapping,
 * LU, vdev), EXISTS, IN_USE, CONFLICT (node= names another VIOS than the vhost's), DOM0_ONLY (a new
 * vhost: its frontend dir is the client's, only dom0 writes it).
 */
int xvios_vio_apply_prepare(const struct xvios_vio_env *env, const struct xvios_vio_req *rq,
                            struct xvios_vio_apply *out, struct xvios_vio_err *err);

/* The vioResponse of a made apply (node: who answers; state: the LUN's, "connected", ...). 0 or -ENOSPC. */
int xvios_vio_apply_answer(uint32_t node, const struct xvios_vio_apply *a, const char *state, char *out, size_t cap,
                           size_t *len);

#endif /* XVIOS_VIO_APPLY_H */
