/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_xlcfg.c - a client domain's xl configuration through libxlutil
 * (xvios/xlcfg.h): its name and its `vscsi = [ 'LU,h:c:t:l[,ro]', ... ]`
 * list. libxlutil writes its diagnostics ("FILE:LINE: ...") to a stream; we
 * hand it an in-memory one and pass the text back to the caller.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxlutil.h>

#include "xvios/xlcfg.h"

struct report {
    FILE *f;
    char *buf;
    size_t len;
};

__attribute__((format(printf, 3, 4)))
static void say(char *err, size_t errlen, const char *fmt, ...)
{
    size_t used = strnlen(err, errlen);
    va_list ap;

    if (used + 1 >= errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err + used, errlen - used, fmt, ap);
    va_end(ap);
}

/* Strip blanks at both ends of [s, s+len); returns the new start, *len updated. */
static const char *trim(const char *s, size_t *len)
{
    while (*len && (*s == ' ' || *s == '\t')) {
        s++;
        (*len)--;
    }
    while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
        (*len)--;
    return s;
}

static bool has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return true;
    return false;
}

/* One 'LU,VDEV[,OPTION...]' item into e; 0 or -EINVAL / -E2BIG with a message naming entry k. */
static int parse_entry(const char *file, unsigned k, const char *item, struct xvios_xlcfg_vscsi *e, char *err,
                       size_t errlen)
{
    const char *p = item;
    unsigned field = 0;

    memset(e, 0, sizeof(*e));
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *f = trim(p, &len);

        if (len == 0) {
            say(err, errlen, "%s: vscsi entry %u ('%s'): %s is empty\n", file, k + 1, item,
                field == 0 ? "the LU" : field == 1 ? "the VDEV" : "an option");
            return -EINVAL;
        }
        if (has_control(f, len)) {
            say(err, errlen, "%s: vscsi entry %u: control characters\n", file, k + 1);
            return -EINVAL;
        }
        if (field == 0) {
            if (len > XVIOS_XLCFG_MAX_LU) {
                say(err, errlen, "%s: vscsi entry %u: the LU is longer than %u bytes\n", file, k + 1,
                    XVIOS_XLCFG_MAX_LU);
                return -E2BIG;
            }
            memcpy(e->lu, f, len);
        } else if (field == 1) {
            if (len > XVIOS_XLCFG_MAX_VDEV) {
                say(err, errlen, "%s: vscsi entry %u: the VDEV is longer than %u bytes\n", file, k + 1,
                    XVIOS_XLCFG_MAX_VDEV);
                return -E2BIG;
            }
            memcpy(e->vdev, f, len);
        } else if (len == 2 && !memcmp(f, "ro", 2)) {
            e->readonly = true;
        } else if (len == 2 && !memcmp(f, "rw", 2)) {
            e->readonly = false;
        } else if (len == 6 && !memcmp(f, "shared", 6)) {
            e->shared = true;
        } else {
            say(err, errlen, "%s: vscsi entry %u ('%s'): unknown option '%.*s' (ro, rw, shared)\n", file, k + 1,
                item, (int)len, f);
            return -EINVAL;
        }
        field++;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (field < 2) {
        say(err, errlen, "%s: vscsi entry %u ('%s'): expected 'LU,h:c:t:l[,ro]'\n", file, k + 1, item);
        return -EINVAL;
    }
    return 0;
}

static int read_name(XLU_Config *cfg, const char *file, struct xvios_xlcfg *out, char *err, size_t errlen)
{
    const char *name = NULL;
    int e = xlu_cfg_get_string(cfg, "name", &name, 0);

    if (e == ESRCH)
        return 0;
    if (e) {
        say(err, errlen, "%s: name is not a string\n", file);
        return -EINVAL;
    }
    if (strlen(name) > XVIOS_XLCFG_MAX_NAME || has_control(name, strlen(name))) {
        say(err, errlen, "%s: the name is longer than %u bytes or has control characters\n", file,
            XVIOS_XLCFG_MAX_NAME);
        return -EINVAL;
    }
    snprintf(out->name, sizeof(out->name), "%s", name);
    return 0;
}

static int read_list(XLU_Config *cfg, const char *file, struct xvios_xlcfg *out, char *err, size_t errlen)
{
    XLU_ConfigList *list = NULL;
    int n = 0, e;

    e = xlu_cfg_get_list(cfg, "vscsi", &list, &n, 0);
    if (e == ESRCH) {
        say(err, errlen, "%s: no vscsi = [ ... ] list\n", file);
        return -EINVAL;
    }
    if (e) {
        say(err, errlen, "%s: vscsi is not a list of strings\n", file);
        return -EINVAL;
    }
    if (n <= 0) {
        say(err, errlen, "%s: the vscsi list is empty\n", file);
        return -EINVAL;
    }
    if ((unsigned)n > XVIOS_XLCFG_MAX_VSCSI) {
        say(err, errlen, "%s: %d vscsi entries, at most %u\n", file, n, XVIOS_XLCFG_MAX_VSCSI);
        return -E2BIG;
    }
    out->vscsi = calloc((size_t)n, sizeof(*out->vscsi));
    if (!out->vscsi)
        return -ENOMEM;
    for (int k = 0; k < n; k++) {
        const char *item = xlu_cfg_get_listitem(list, k);

        if (!item) {
            say(err, errlen, "%s: vscsi entry %d is not a string\n", file, k + 1);
            return -EINVAL;
        }
        e = parse_entry(file, (unsigned)k, item, &out->vscsi[k], err, errlen);
        if (e < 0)
            return e;
        out->n_vscsi++;
    }
    return 0;
}

static int read_file(const char *path, struct xvios_xlcfg *out, bool want_list, char *err, size_t errlen)
{
    struct report rep = {0};
    XLU_Config *cfg = NULL;
    int rc, e;

    memset(out, 0, sizeof(*out));
    if (errlen)
        err[0] = '\0';
    /* our own message for an unreadable file (libxlutil's may print a stale errno) */
    FILE *probe = fopen(path, "re");
    if (!probe) {
        rc = -errno;
        say(err, errlen, "%s: %s\n", path, strerror(-rc));
        return rc;
    }
    fclose(probe);
    rep.f = open_memstream(&rep.buf, &rep.len);
    if (!rep.f)
        return -ENOMEM;
    cfg = xlu_cfg_init(rep.f, path);
    if (!cfg) {
        rc = -ENOMEM;
        goto out;
    }
    e = xlu_cfg_readfile(cfg, path);
    if (e) {
        /* libxlutil reported "FILE:LINE: ..." for syntax errors, "failed to open" otherwise */
        rc = e == ENOENT || e == EACCES || e == ENOMEM ? -e : -EINVAL;
        goto out;
    }
    rc = read_name(cfg, path, out, err, errlen);
    if (rc == 0 && want_list)
        rc = read_list(cfg, path, out, err, errlen);
out:
    if (cfg)
        xlu_cfg_destroy(cfg);
    fclose(rep.f);
    if (rep.buf && rep.len && errlen) {
        /* libxlutil's lines ("FILE:LINE: ...") came first: put them before ours */
        char *ours = strdup(err);
        err[0] = '\0';
        say(err, errlen, "%s", rep.buf);
        if (ours)
            say(err, errlen, "%s", ours);
        free(ours);
    }
    free(rep.buf);
    if (rc < 0)
        xvios_xlcfg_free(out);
    return rc;
}

int xvios_xlcfg_read(const char *path, struct xvios_xlcfg *out, char *err, size_t errlen)
{
    return read_file(path, out, true, err, errlen);
}

int xvios_xlcfg_read_name(const char *path, struct xvios_xlcfg *out, char *err, size_t errlen)
{
    return read_file(path, out, false, err, errlen);
}

void xvios_xlcfg_free(struct xvios_xlcfg *c)
{
    if (!c)
        return;
    free(c->vscsi);
    c->vscsi = NULL;
    c->n_vscsi = 0;
}
