/* SPDX-License-Identifier: MIT */
/*
 * xvios/version.h - the release the programs print with --version. The one
 * source of truth is debian/changelog's first entry: the Makefile passes it
 * as -DXVIOS_VERSION to the programs' main.c (which depend on the changelog).
 */
#ifndef XVIOS_VERSION_H
#define XVIOS_VERSION_H

#ifndef XVIOS_VERSION
#define XVIOS_VERSION "unknown"
#endif

#endif /* XVIOS_VERSION_H */
