/* SPDX-License-Identifier: MIT */
/*
 * cli_json.h - the JSON documents `xvios --json` prints. yajl generates them
 * (structure, escaping); a small output filter lays them out the way xvios
 * has always printed them and keeps control characters escaped.
 *
 * Untrusted bytes become a JSON string as follows: valid UTF-8 stays as it is,
 * a byte that is not part of valid UTF-8 stands for the code point of the same
 * value (U+0080..U+00FF), and every control character (C0, DEL, C1) is written
 * as an escape, so no output can steer a terminal.
 */
#ifndef XVIOS_TOOLSTACK_CLI_JSON_H
#define XVIOS_TOOLSTACK_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cli_json_layout {
    CLI_JSON_COMPACT,          /* {"a":1,"b":[2,3]} */
    CLI_JSON_SPACED,           /* {"a": 1, "b": [2, 3]} */
    CLI_JSON_LINES,            /* a top-level array with one SPACED element per line: [\n  {..},\n  {..}\n] */
};

struct cli_json;

/* A document written to f; NULL when out of memory. */
struct cli_json *cli_json_begin(FILE *f, enum cli_json_layout layout);

/* The parts of the document. The first error sticks; cli_json_end reports it. */
void cli_json_map_open(struct cli_json *j);
void cli_json_map_close(struct cli_json *j);
void cli_json_array_open(struct cli_json *j);
void cli_json_array_close(struct cli_json *j);
void cli_json_key(struct cli_json *j, const char *key);
void cli_json_str(struct cli_json *j, const char *s);
void cli_json_bytes(struct cli_json *j, const void *untrusted, size_t len);
void cli_json_uint(struct cli_json *j, uint64_t v);
void cli_json_bool(struct cli_json *j, bool v);
void cli_json_null(struct cli_json *j);

/* True when s[0..len) is a JSON integer that cli_json_number writes as is (digits, no leading zero, at most 18). */
bool cli_json_is_uint(const char *s, size_t len);
/* A number from text when cli_json_is_uint, else the text as a string. */
void cli_json_number(struct cli_json *j, const char *s, size_t len);

/* Finish the document (a newline after it), free j: 0, -EINVAL (the document was not complete or not
 * well formed), -ENOMEM or -EIO (writing failed). */
int cli_json_end(struct cli_json *j);

/* Untrusted bytes as one JSON string literal, no newline (for text output): 0 or a negative errno. */
int cli_json_quote(FILE *f, const void *untrusted, size_t len);

#endif /* XVIOS_TOOLSTACK_CLI_JSON_H */
