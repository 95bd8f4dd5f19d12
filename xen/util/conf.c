/* SPDX-License-Identifier: MIT */
/* conf.c - the programs' "key = value" configuration files (xvios/conf.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "xvios/conf.h"
#include "xvios/kv.h"
#include "xvios/parse.h"

/* A value checked but not applied yet: applied only once every line is good. */
struct pending {
    const struct xvios_conf_key *key;
    union {
        uint32_t u32;
        bool b;
        int choice;
    } v;
    const char *str;   /* STRING: into the text, str_len bytes */
    size_t str_len;
};

static int conf_err(char *err, size_t errcap, const char *name, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int conf_err(char *err, size_t errcap, const char *name, unsigned line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (errcap == 0)
        return -EINVAL;
    n = line ? snprintf(err, errcap, "%s:%u: ", name, line) : snprintf(err, errcap, "%s: ", name);
    if (n < 0 || (size_t)n >= errcap)
        return -EINVAL;
    va_start(ap, fmt);
    vsnprintf(err + n, errcap - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static void trim(const char **s, size_t *len)
{
    while (*len && is_blank(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && is_blank((*s)[*len - 1]))
        (*len)--;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
            *out = !strcasecmp(s, yes[i]);
            return 0;
        }
    }
    return -EINVAL;
}

/* Check one value against its key; fills p. */
static int check_value(const char *name, unsigned lno, const struct xvios_conf_key *k, const char *val,
                       size_t val_len, struct pending *p, char *err, size_t errcap)
{
    char buf[XVIOS_CONF_MAX_LINE + 1];
    int rc;

    memcpy(buf, val, val_len);  /* val_len < XVIOS_CONF_MAX_LINE: the line's length was checked */
    buf[val_len] = '\0';
    p->key = k;
    switch (k->type) {
    case XVIOS_CONF_STRING:
        if (val_len + 1u > k->cap)
            return conf_err(err, errcap, name, lno, "%s: value longer than %zu characters", k->name, k->cap - 1u);
        p->str = val;
        p->str_len = val_len;
        return 0;
    case XVIOS_CONF_U32:
        rc = xvios_parse_u32(buf, k->min, k->max, &p->v.u32);
        if (rc == -ERANGE)
            return conf_err(err, errcap, name, lno, "%s: %s is out of range (%u..%u)", k->name, buf, k->min, k->max);
        if (rc < 0)
            return conf_err(err, errcap, name, lno, "%s: '%s' is not a number", k->name, buf);
        return 0;
    case XVIOS_CONF_BOOL:
        if (parse_bool(buf, &p->v.b) < 0)
            return conf_err(err, errcap, name, lno, "%s: '%s' is not yes or no", k->name, buf);
        return 0;
    case XVIOS_CONF_CHOICE: {
        char words[256] = "";
        size_t off = 0;
        for (int i = 0; k->choices && k->choices[i]; i++) {
            if (!strcmp(buf, k->choices[i])) {
                p->v.choice = i;
                return 0;
            }
            rc = snprintf(words + off, sizeof(words) - off, "%s%s", i ? ", " : "", k->choices[i]);
            off = rc < 0 || (size_t)rc >= sizeof(words) - off ? sizeof(words) - 1u : off + (size_t)rc;
        }
        return conf_err(err, errcap, name, lno, "%s: '%s' is not one of %s", k->name, buf, words);
    }
    }
    return conf_err(err, errcap, name, lno, "%s: key of an unknown type", k->name);
}

static void apply(const struct pending *p)
{
    const struct xvios_conf_key *k = p->key;

    switch (k->type) {
    case XVIOS_CONF_STRING:
        memcpy(k->dst, p->str, p->str_len);
        ((char *)k->dst)[p->str_len] = '\0';
        break;
    case XVIOS_CONF_U32: *(uint32_t *)k->dst = p->v.u32; break;
    case XVIOS_CONF_BOOL: *(bool *)k->dst = p->v.b; break;
    case XVIOS_CONF_CHOICE: *(int *)k->dst = p->v.choice; break;
    }
    if (k->given)
        *k->given = true;
}

int xvios_conf_parse(const char *name, const char *untrusted_text, size_t len, const struct xvios_conf_key *keys,
                     size_t n, char *err, size_t errcap)
{
    struct pending pend[XVIOS_CONF_MAX_KEYS];
    size_t npend = 0, pos = 0;
    unsigned lno = 0;
    int rc;

    if (errcap)
        err[0] = '\0';
    if (n > XVIOS_CONF_MAX_KEYS)
        return conf_err(err, errcap, name, 0, "more than %u keys in the table", XVIOS_CONF_MAX_KEYS);
    if (len > XVIOS_CONF_MAX_FILE)
        return conf_err(err, errcap, name, 0, "bigger than %u bytes", XVIOS_CONF_MAX_FILE);
    while (pos < len) {
        const char *line = untrusted_text + pos, *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        struct xvios_kv_iter it;
        struct xvios_kv kv;
        const struct xvios_conf_key *k = NULL;

        pos += llen + (nl ? 1u : 0u);
        lno++;
        if (llen >= XVIOS_CONF_MAX_LINE)
            return conf_err(err, errcap, name, lno, "line longer than %u characters", XVIOS_CONF_MAX_LINE - 1u);
        if (memchr(line, '\0', llen))
            return conf_err(err, errcap, name, lno, "NUL byte in the line");
        trim(&line, &llen);
        if (llen == 0 || line[0] == '#')
            continue;
        xvios_kv_iter_init(&it, line, llen);
        rc = xvios_kv_next(&it, &kv);
        if (rc <= 0)
            return memchr(line, '=', llen) ? conf_err(err, errcap, name, lno, "no key before '='")
                                           : conf_err(err, errcap, name, lno, "not a 'key = value' line");
        trim(&kv.key, &kv.key_len);
        trim(&kv.val, &kv.val_len);
        if (kv.key_len == 0)
            return conf_err(err, errcap, name, lno, "no key before '='");
        for (size_t i = 0; i < n && !k; i++)
            if (xvios_kv_is(&kv, keys[i].name))
                k = &keys[i];
        if (!k)
            return conf_err(err, errcap, name, lno, "unknown key '%.*s'", (int)kv.key_len, kv.key);
        for (size_t i = 0; i < npend; i++)
            if (pend[i].key == k)
                return conf_err(err, errcap, name, lno, "%s given twice", k->name);
        if (kv.val_len == 0)
            return conf_err(err, errcap, name, lno, "%s: no value", k->name);
        rc = check_value(name, lno, k, kv.val, kv.val_len, &pend[npend], err, errcap);
        if (rc < 0)
            return rc;
        npend++;   /* at most n: a key is given once */
    }
    for (size_t i = 0; i < npend; i++)
        apply(&pend[i]);
    return 0;
}

int xvios_conf_read(const char *path, const struct xvios_conf_key *keys, size_t n, char *err, size_t errcap)
{
    char *text = malloc(XVIOS_CONF_MAX_FILE + 1u);
    size_t len = 0;
    int fd = -1, rc;

    if (!text) {
        rc = -ENOMEM;
        conf_err(err, errcap, path, 0, "out of memory");
        goto out;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        rc = -errno;
        conf_err(err, errcap, path, 0, "%s", strerror(-rc));
        goto out;
    }
    for (;;) {   /* one byte more than allowed tells a file that is too big */
        ssize_t r = read(fd, text + len, XVIOS_CONF_MAX_FILE + 1u - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            conf_err(err, errcap, path, 0, "%s", strerror(-rc));
            goto out;
        }
        if (r == 0 || (len += (size_t)r) > XVIOS_CONF_MAX_FILE)
            break;
    }
    rc = xvios_conf_parse(path, text, len, keys, n, err, errcap);
out:
    if (fd >= 0)
        close(fd);
    free(text);
    return rc;
}
