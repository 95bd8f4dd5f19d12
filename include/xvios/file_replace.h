/* SPDX-License-Identifier: MIT */
/*
 * file_replace.h - replace a file's contents atomically: written in full to
 * a temporary next to it, then renamed over it, so a reader sees the old
 * contents or the new, never a part. With XVIOS_FILE_DURABLE the data and
 * the rename are on disk before the call returns (fsync of the file, then
 * of its directory): what the epoch counter, the replicated DB's copy and
 * the APTPL state need. Without it (the loopback store's nodes, rebuilt by
 * the tests that use them) a crash may lose the change but never tears it.
 */
#ifndef XVIOS_FILE_REPLACE_H
#define XVIOS_FILE_REPLACE_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#define XVIOS_FILE_DURABLE 0x1u

/*
 * path's new contents are the n_iov buffers one after the other; the file
 * gets mode (the temporary is created 0600 and changed before the rename).
 * A symlink at the temporary's name is never followed (it is made with
 * O_EXCL under a fresh name). 0, or -errno with nothing changed at path
 * (the temporary removed).
 */
int xvios_file_replace(const char *path, const struct iovec *iov, unsigned n_iov, mode_t mode, unsigned flags);

/* One buffer: xvios_file_replace with a single iovec. */
int xvios_file_replace_buf(const char *path, const void *buf, size_t len, mode_t mode, unsigned flags);

/* fsync of the directory holding path, so a rename, create or unlink in it is durable. 0 or -errno. */
int xvios_fsync_dir_of(const char *path);

#endif
