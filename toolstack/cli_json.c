/* SPDX-License-Identifier: MIT */
/* cli_json.c - `xvios --json` documents: yajl generates, an output filter lays out and escapes. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cli_json.h"

struct cli_json {
    yajl_gen g;
    FILE *f;
    enum cli_json_layout layout;
    int err;                   /* the first error (negative errno), 0 while fine */
    /* what the filter knows of the text yajl printed so far */
    unsigned depth;
    bool started, in_str, esc, held_c2, line_due, any_elem;
    unsigned hex_left;
};

/* ---------------------------------------------------------------- output filter */
static void put_escape(struct cli_json *j, unsigned cp)
{
    fprintf(j->f, "\\u%04x", cp);
}

/* One byte inside a string literal (after the opening quote). */
static void filter_str(struct cli_json *j, unsigned char c)
{
    if (j->hex_left) {         /* the digits of a \uXXXX escape: lower case, as xvios always wrote them */
        j->hex_left--;
        fputc(tolower(c), j->f);
        return;
    }
    if (j->esc) {
        j->esc = false;
        switch (c) {           /* yajl's short escapes of control characters, written as \u00xx */
        case 'r': fputs("u000d", j->f); return;
        case 'b': fputs("u0008", j->f); return;
        case 'f': fputs("u000c", j->f); return;
        case 'u': j->hex_left = 4; break;
        }
        fputc(c, j->f);
        return;
    }
    if (j->held_c2) {          /* U+0080..U+009F (C1 controls) are escaped too */
        j->held_c2 = false;
        if (c >= 0x80 && c <= 0x9f) {
            put_escape(j, c);
            return;
        }
        fputc(0xc2, j->f);
    }
    switch (c) {
    case '\\': j->esc = true; break;
    case '"': j->in_str = false; break;
    case 0x7f: put_escape(j, c); return;
    case 0xc2: j->held_c2 = true; return;
    }
    fputc(c, j->f);
}

/* One byte of structure (outside string literals). */
static void filter_struct(struct cli_json *j, unsigned char c)
{
    bool lines = j->layout == CLI_JSON_LINES && j->depth == 1;

    if (lines && c != ']' && c != ',' && j->line_due) {
        fputs("\n  ", j->f);
        j->line_due = false;
        j->any_elem = true;
    }
    switch (c) {
    case '"':
        j->in_str = true;
        break;
    case '{':
    case '[':
        if (j->layout == CLI_JSON_LINES && j->depth == 0 && c == '[')
            j->line_due = true;
        j->depth++;
        break;
    case '}':
    case ']':
        if (lines && c == ']' && j->any_elem)
            fputc('\n', j->f);
        if (j->depth)
            j->depth--;
        break;
    case ',':
        fputc(c, j->f);
        if (lines)
            j->line_due = true;
        else if (j->layout != CLI_JSON_COMPACT)
            fputc(' ', j->f);
        return;
    case ':':
        fputc(c, j->f);
        if (j->layout != CLI_JSON_COMPACT)
            fputc(' ', j->f);
        return;
    }
    fputc(c, j->f);
}

static void filter(void *ctx, const char *s, size_t len)
{
    struct cli_json *j = ctx;

    j->started = true;
    for (size_t i = 0; i < len; i++) {
        if (j->in_str)
            filter_str(j, (unsigned char)s[i]);
        else
            filter_struct(j, (unsigned char)s[i]);
    }
}

/* ---------------------------------------------------------------- untrusted bytes */
static bool cont(unsigned char c) { return (c & 0xc0) == 0x80; }

/* The length of the valid UTF-8 sequence at p (1..4), or 0 when p[0] does not start one. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && cont(p[1]) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf; /* no overlong, no surrogate */
        return n >= 3 && p[1] >= lo && p[1] <= hi && cont(p[2]) ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf; /* no overlong, <= U+10FFFF */
        return n >= 4 && p[1] >= lo && p[1] <= hi && cont(p[2]) && cont(p[3]) ? 4 : 0;
    }
    return 0;
}

/* Valid UTF-8 of untrusted bytes (see cli_json.h) in a new buffer of *out_len bytes; NULL when out of memory. */
static unsigned char *to_utf8(const void *untrusted, size_t len, size_t *out_len)
{
    const unsigned char *p = untrusted;
    unsigned char *u = malloc(len * 2 + 1), *w = u;

    if (!u)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(p + i, len - i);
        if (k) {
            memcpy(w, p + i, k);
            w += k;
            i += k;
        } else {               /* the byte's own code point, U+0080..U+00FF */
            *w++ = (unsigned char)(0xc0 | (p[i] >> 6));
            *w++ = (unsigned char)(0x80 | (p[i] & 0x3f));
            i++;
        }
    }
    *out_len = (size_t)(w - u);
    return u;
}

/* ---------------------------------------------------------------- the document */
struct cli_json *cli_json_begin(FILE *f, enum cli_json_layout layout)
{
    struct cli_json *j = calloc(1, sizeof(*j));

    if (!j)
        return NULL;
    j->f = f;
    j->layout = layout;
    j->g = yajl_gen_alloc(NULL);
    if (!j->g || !yajl_gen_config(j->g, yajl_gen_print_callback, filter, j)) {
        if (j->g)
            yajl_gen_free(j->g);
        free(j);
        return NULL;
    }
    return j;
}

static void check(struct cli_json *j, yajl_gen_status st)
{
    if (st != yajl_gen_status_ok && !j->err)
        j->err = -EINVAL;
}

void cli_json_map_open(struct cli_json *j) { check(j, yajl_gen_map_open(j->g)); }
void cli_json_map_close(struct cli_json *j) { check(j, yajl_gen_map_close(j->g)); }
void cli_json_array_open(struct cli_json *j) { check(j, yajl_gen_array_open(j->g)); }
void cli_json_array_close(struct cli_json *j) { check(j, yajl_gen_array_close(j->g)); }
void cli_json_null(struct cli_json *j) { check(j, yajl_gen_null(j->g)); }
void cli_json_bool(struct cli_json *j, bool v) { check(j, yajl_gen_bool(j->g, v)); }
void cli_json_key(struct cli_json *j, const char *key) { cli_json_bytes(j, key, strlen(key)); }
void cli_json_str(struct cli_json *j, const char *s) { cli_json_bytes(j, s, strlen(s)); }

void cli_json_bytes(struct cli_json *j, const void *untrusted, size_t len)
{
    size_t n;
    unsigned char *u = to_utf8(untrusted, len, &n);

    if (!u) {
        if (!j->err)
            j->err = -ENOMEM;
        return;
    }
    check(j, yajl_gen_string(j->g, u, n));
    free(u);
}

void cli_json_uint(struct cli_json *j, uint64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof(b), "%" PRIu64, v);

    check(j, yajl_gen_number(j->g, b, (size_t)n));
}

bool cli_json_is_uint(const char *s, size_t len)
{
    if (len == 0 || len > 18 || (len > 1 && s[0] == '0'))
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

void cli_json_number(struct cli_json *j, const char *s, size_t len)
{
    if (cli_json_is_uint(s, len))
        check(j, yajl_gen_number(j->g, s, len));
    else
        cli_json_bytes(j, s, len);
}

static int finish(struct cli_json *j, bool newline)
{
    int rc = j->err;

    if (!rc && (!j->started || j->depth != 0))
        rc = -EINVAL;          /* nothing, or an open map or array */
    if (!rc && newline)
        fputc('\n', j->f);
    if (!rc && (fflush(j->f) != 0 || ferror(j->f)))
        rc = -EIO;
    yajl_gen_free(j->g);
    free(j);
    return rc;
}

int cli_json_end(struct cli_json *j)
{
    return finish(j, true);
}

int cli_json_quote(FILE *f, const void *untrusted, size_t len)
{
    struct cli_json *j = cli_json_begin(f, CLI_JSON_COMPACT);

    if (!j)
        return -ENOMEM;
    cli_json_bytes(j, untrusted, len);
    return finish(j, false);
}
