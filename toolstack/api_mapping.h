/* SPDX-License-Identifier: MIT */
/*
 * api_mapping.h - dom0's hooks behind the API's mapping object (xvios/vio.h,
 * struct xvios_vio_env): create and delete through `xvios scsi attach` /
 * `detach`'s code (each answering the mapping as its nodes say), each
 * refusal turned into a VIOException code with that code's sentence.
 */
#ifndef XVIOS_TOOLSTACK_API_MAPPING_H
#define XVIOS_TOOLSTACK_API_MAPPING_H

#include "toolstack/vscsi_cmd.h"
#include "xvios/vio.h"

/* Fill env's attach/detach with dom0's hooks over ctx (env->arg = ctx; ctx made quiet). */
void api_mapping_hooks(struct xvios_vio_env *env, struct vscsi_ctx *ctx);

#endif /* XVIOS_TOOLSTACK_API_MAPPING_H */
