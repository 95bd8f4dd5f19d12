/* SPDX-License-Identifier: MIT */
/*
 * xvios/plat_kind.h - which platform a cluster runs on. On its own so that
 * the client API (xvios/client.h, libxvios-client) names the platform
 * without declaring the platform seam (xvios/platform.h), which only
 * libxvios implements.
 */
#ifndef XVIOS_PLAT_KIND_H
#define XVIOS_PLAT_KIND_H

enum xvios_plat_kind {
    XVIOS_PLAT_LOOPBACK = 1,
    XVIOS_PLAT_XEN      = 2,
};

#endif /* XVIOS_PLAT_KIND_H */
