/* SPDX-License-Identifier: MIT */
/*
 * fanout_info.c - the two "ask every node" message types and what they fan
 * out: NODES_ALL sends NODE_INFO, STORAGE_ALL sends STORAGE_INFO. The
 * answering node's own block comes from here too (handlers.c for a peer's
 * request, sendop.c when it starts the fan-out, api_server.c without a VKE).
 */
#include "xviosd.h"

int viod_info_format(struct xviosd *d, uint32_t info_type, char *out, size_t cap, size_t *len)
{
    if (info_type == XVIOS_MT_STORAGE_INFO)
        return viod_storage_format(d, out, cap, len);
    return viod_nodeinfo_format(d, out, cap, len);
}

uint32_t viod_info_all_type(uint32_t info_type)
{
    return info_type == XVIOS_MT_STORAGE_INFO ? XVIOS_MT_STORAGE_ALL : XVIOS_MT_NODES_ALL;
}
