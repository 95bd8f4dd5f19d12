/* SPDX-License-Identifier: MIT */
/*
 * lu_aptpl.h - the file that keeps an LU's persistent-reservation state
 * across power loss (APTPL) until the cluster database takes that job:
 * "<backing path>.pr", next to the LU.
 *
 * The store only moves bytes: what they mean (and whether they are intact)
 * is the PR module's business (scsi_pr_save / scsi_pr_load, which checks a
 * CRC). Writes are atomic: a temporary file in the same directory, written in
 * full, fsync'ed, renamed over the old one, and the directory fsync'ed; a
 * crash leaves either the old or the new state, never a mix.
 *
 * Pure file I/O, synchronous (APTPL changes are rare PR OUT commands).
 */
#ifndef XVIOS_BACKEND_LU_APTPL_H
#define XVIOS_BACKEND_LU_APTPL_H

#include <stddef.h>
#include <stdint.h>

#define LU_APTPL_SUFFIX   ".pr"
/* The largest state file accepted (a full PR state of 4096 registrations is ~1.1 MiB). */
#define LU_APTPL_MAX_LEN  (4u << 20)

/* "<backing>.pr" into out; -ENAMETOOLONG if it does not fit cap, -EINVAL for an empty path. */
int lu_aptpl_path(const char *backing, char *out, size_t cap);

/*
 * Replaces the file at path atomically with len bytes of blob; blob == NULL
 * (len 0) removes it (a missing file is fine). 0 or -errno.
 */
int lu_aptpl_write(const char *path, const uint8_t *blob, size_t len);

/*
 * Reads the whole file into a malloc'ed buffer (*blob, *len; the caller
 * frees). -ENOENT: no file; -EFBIG: larger than LU_APTPL_MAX_LEN; -EIO for a
 * file that changed size while read; other -errno from the system.
 */
int lu_aptpl_read(const char *path, uint8_t **blob, size_t *len);

/* Moves a file the PR module refused aside to "<path>.bad" (replacing an older one). 0 or -errno. */
int lu_aptpl_set_aside(const char *path);

#endif /* XVIOS_BACKEND_LU_APTPL_H */
