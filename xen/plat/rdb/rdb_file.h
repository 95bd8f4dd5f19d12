/* SPDX-License-Identifier: MIT */
/*
 * rdb_file.h - a member's persisted copy of the replicated DB: one file,
 * replaced atomically (temporary file, fsync, rename, fsync of the
 * directory). Layout: "XVDBFILE", u32 format (1), u32 zero, u64 version,
 * u64 hash (FNV-1a 64 of the 24 bytes before it and of the copy), then the
 * copy in rdb_tree's byte format.
 */
#ifndef XVIOS_RDB_FILE_H
#define XVIOS_RDB_FILE_H

#include <stdint.h>

#include "rdb_tree.h"

/* 0, or -errno (the old file stays when anything fails). */
int rdb_file_save(const char *path, uint64_t version, const struct rdb_tree *t);
/* 0 and *out (a fresh tree) + *version; -ENOENT no file; -EPROTO (logged) a file that is not a whole,
 * consistent copy (magic, format, lengths, hash); -errno. */
int rdb_file_load(const char *path, uint64_t *version, struct rdb_tree *out);

#endif /* XVIOS_RDB_FILE_H */
