/* SPDX-License-Identifier: MIT */
/*
 * xvios/conf.h - the programs' configuration files (/etc/xvios/NAME.conf):
 * "key = value" lines, read at start against a table of the keys a program
 * takes. Blank lines and lines whose first non-blank character is '#' are
 * skipped; white space around the key and the value is dropped; the value
 * is the rest of the line ('#' inside it is part of it). Numbers are read
 * with xvios_parse_u32 (xvios/parse.h), booleans are yes/no, true/false,
 * on/off, 1/0.
 *
 * Every line is checked: an unknown key, a key given twice, a line without
 * '=', an empty key or value, a bad number, a number out of range, a word
 * not among the choices, a value too long, a NUL byte, a line longer than
 * XVIOS_CONF_MAX_LINE or a file bigger than XVIOS_CONF_MAX_FILE is refused
 * with one message "FILE:LINE: what" (FILE alone for the whole file), and
 * the caller does not start. The destinations are written only when the
 * whole file is good.
 */
#ifndef XVIOS_CONF_H
#define XVIOS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the programs look for their files (xvios-backend.conf, xviosd.conf). */
#define XVIOS_CONF_DIR "/etc/xvios"

#define XVIOS_CONF_MAX_LINE 1024u
#define XVIOS_CONF_MAX_FILE (64u * 1024u)
#define XVIOS_CONF_MAX_KEYS 32u

enum xvios_conf_type {
    XVIOS_CONF_STRING,  /* dst: char[cap] */
    XVIOS_CONF_U32,     /* dst: uint32_t, in [min, max] */
    XVIOS_CONF_BOOL,    /* dst: bool */
    XVIOS_CONF_CHOICE,  /* dst: int, the index of the word in choices (NULL-terminated) */
};

struct xvios_conf_key {
    const char *name;
    enum xvios_conf_type type;
    void *dst;
    size_t cap;                  /* STRING: the size of dst, NUL included */
    uint32_t min, max;           /* U32 */
    const char *const *choices;  /* CHOICE */
    bool *given;                 /* optional: set true when the file names the key */
};

/*
 * Check and apply text (named name in messages) against keys[0..n). Returns
 * 0, or -EINVAL with the message in err (always NUL-terminated when errcap > 0).
 */
int xvios_conf_parse(const char *name, const char *untrusted_text, size_t len, const struct xvios_conf_key *keys,
                     size_t n, char *err, size_t errcap);

/* Read the file at path and xvios_conf_parse it. -ENOENT: no such file (err says so); -errno otherwise. */
int xvios_conf_read(const char *path, const struct xvios_conf_key *keys, size_t n, char *err, size_t errcap);

#endif /* XVIOS_CONF_H */
