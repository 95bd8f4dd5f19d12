/* SPDX-License-Identifier: MIT */
/* scsi_lu_store.h - the LU store (backend/lu) as a SCSI backing: pass the store as the opaque. */
#ifndef XVIOS_BACKEND_SCSI_LU_STORE_H
#define XVIOS_BACKEND_SCSI_LU_STORE_H

#include "backend/scsi/scsi_backing.h"

extern const struct scsi_backing_ops scsi_lu_store_ops;

#endif /* XVIOS_BACKEND_SCSI_LU_STORE_H */
