/* SPDX-License-Identifier: MIT */
/* lu_buf.c - I/O buffers aligned for O_DIRECT (LU_STORE_BUF_ALIGN), for callers and for the store itself. */
#include <stdlib.h>

#include "backend/lu/lu_store.h"

void *lu_store_alloc_buf(size_t len)
{
    void *p = NULL;
    if (posix_memalign(&p, LU_STORE_BUF_ALIGN, len ? len : 1) != 0)
        return NULL;
    return p;
}

void lu_store_free_buf(void *buf)
{
    free(buf);
}
