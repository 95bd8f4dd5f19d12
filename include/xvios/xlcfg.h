/* SPDX-License-Identifier: MIT */
/*
 * xvios/xlcfg.h - what the toolstack reads from a client domain's xl
 * configuration file: its name and its `vscsi` list, through Xen's
 * libxlutil (xen/plat/xen/plat_xen_xlcfg.c; the file is read with the same
 * parser `xl create` uses, so what xl accepts we read the same way).
 *
 *   name  = "client1"
 *   vscsi = [ 'LU,h:c:t:l[,OPTION...]', ... ]
 *
 * Each entry is split at commas: LU (the logical unit: until the LU pool
 * exists, the absolute path of a file or block device inside the VIOS),
 * VDEV ("h:c:t:l" as typed; its numbers are checked by the caller) and
 * options: "ro" (read-only), "rw" (the default), "shared" (may be attached
 * read-write to other domains too). Empty fields, unknown options, LU and
 * VDEV longer than their limits, and more than XVIOS_XLCFG_MAX_VSCSI
 * entries are refused.
 */
#ifndef XVIOS_XLCFG_H
#define XVIOS_XLCFG_H

#include <stdbool.h>
#include <stddef.h>

#define XVIOS_XLCFG_MAX_VSCSI 64u
#define XVIOS_XLCFG_MAX_LU    1024u  /* bytes of an LU, without the NUL */
#define XVIOS_XLCFG_MAX_VDEV  63u    /* bytes of a VDEV as typed, without the NUL */
#define XVIOS_XLCFG_MAX_NAME  63u    /* a domain name, as xvios_dominfo holds it */

struct xvios_xlcfg_vscsi {
    char lu[XVIOS_XLCFG_MAX_LU + 1];
    char vdev[XVIOS_XLCFG_MAX_VDEV + 1];
    bool readonly;
    bool shared;
};

struct xvios_xlcfg {
    char name[XVIOS_XLCFG_MAX_NAME + 1];   /* "" when the file has no name= */
    struct xvios_xlcfg_vscsi *vscsi;       /* malloc'd, n_vscsi entries */
    unsigned n_vscsi;
};

/*
 * Read path. 0 and *out filled (free with xvios_xlcfg_free); otherwise a
 * negative errno and one or more lines in err (libxlutil's own messages,
 * which carry "FILE:LINE:", or ours, naming the entry): -ENOENT / -EACCES
 * the file; -EINVAL a syntax error, no or an empty vscsi list, a malformed
 * entry; -E2BIG too many entries or a field too long; -ENOMEM.
 */
int  xvios_xlcfg_read(const char *path, struct xvios_xlcfg *out, char *err, size_t errlen);
/* The same for the name alone (any domain's xl configuration: no vscsi list needed). */
int  xvios_xlcfg_read_name(const char *path, struct xvios_xlcfg *out, char *err, size_t errlen);
void xvios_xlcfg_free(struct xvios_xlcfg *c);   /* NULL is fine; leaves *c empty */

#endif /* XVIOS_XLCFG_H */
