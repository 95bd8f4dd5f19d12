/* SPDX-License-Identifier: MIT */
/*
 * storage_info.c - a VIOS's storage report as text, both ways
 * (xvios/storage_info.h has the format). The encoder never writes more
 * than it was given room for; the decoder takes the text as hostile: every
 * line and field bounded and checked, every table bounded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "xvios/kv.h"
#include "xvios/parse.h"
#include "xvios/storage_info.h"
#include "xvios/wire.h"

#define SI_LINE_MAX (XVIOS_LU_BACKING_MAX + 256u)   /* the longest line a report may hold */

static const char *const state_names[] = { "ok", "absent", "denied", "error" };
static const char *const source_names[] = { "engine", "device" };

const char *xvios_si_state_name(enum xvios_si_state s)
{
    return (unsigned)s < 4 ? state_names[s] : "?";
}

const char *xvios_si_id_source_name(enum xvios_si_id_source s)
{
    return (unsigned)s < 2 ? source_names[s] : "?";
}

/* ---------------------------------------------------------------- encode */
struct enc {
    char *buf;
    size_t cap;     /* room for lines, "truncated=1\n" kept apart */
    size_t len;
    bool full;
};

/* A word: bytes outside '!'..'~' as '_', "-" when empty; at most max bytes. */
static void word(char *dst, size_t cap, const char *s)
{
    size_t n = 0;

    for (; s[n] && n + 1 < cap; n++)
        dst[n] = (s[n] > ' ' && s[n] <= '~') ? s[n] : '_';
    dst[n] = '\0';
    if (n == 0)
        snprintf(dst, cap, "-");
}

__attribute__((format(printf, 2, 3))) static void line(struct enc *e, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (e->full)
        return;
    va_start(ap, fmt);
    n = vsnprintf(e->buf + e->len, e->cap - e->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= e->cap - e->len) {
        e->full = true;
        e->buf[e->len] = '\0';
        return;
    }
    e->len += (size_t)n;
}

static const char *rw(bool ro) { return ro ? "r" : "w"; }

int xvios_storage_info_encode(const struct xvios_storage_info *si, char *out, size_t cap, size_t *len)
{
    static const char trunc[] = "truncated=1\n";
    struct enc e = { .buf = out, .cap = cap > sizeof(trunc) ? cap - (sizeof(trunc) - 1) : 0 };
    char w1[XVIOS_SI_ID_MAX + 1], w2[XVIOS_SI_WORD_MAX + 1];

    *len = 0;
    if (!si->node || si->node > XVIOS_NODE_ID_MAX || cap < XVIOS_SI_MIN_CAP)
        return -EINVAL;
    word(w2, sizeof(w2), si->vios);
    line(&e, "node=%u\nvios=%s\n", si->node, w2);
    for (unsigned i = 0; i < si->n_backings && i < XVIOS_SI_MAX_BACKINGS; i++) {
        const struct xvios_si_backing *b = &si->backings[i];
        if (xvios_lu_backing_check(b->path) < 0)
            return -EINVAL;
        word(w1, sizeof(w1), b->id);
        line(&e, "backing=%s %" PRIu64 " %s %s %s\n", xvios_si_state_name(b->state),
             b->state == XVIOS_SI_OK ? b->size : 0, xvios_si_id_source_name(b->id_source), w1, b->path);
    }
    for (unsigned i = 0; i < si->n_pools && i < XVIOS_SI_MAX_POOLS; i++) {
        word(w1, sizeof(w1), si->pools[i].id);
        line(&e, "pool=%s %u %u\n", w1, si->pools[i].lus, si->pools[i].reachable);
    }
    for (unsigned i = 0; i < si->n_lus && i < XVIOS_SI_MAX_LUS; i++) {
        const struct xvios_si_lu *l = &si->lus[i];
        if (xvios_lu_backing_check(l->path) < 0)
            return -EINVAL;
        word(w1, sizeof(w1), l->wwn);
        word(w2, sizeof(w2), l->name);
        line(&e, "lu=%s %" PRIu64 " %s %s\n", w1, l->size, w2, l->path);
    }
    for (unsigned i = 0; i < si->n_vhosts && i < XVIOS_SI_MAX_VHOSTS; i++) {
        const struct xvios_si_vhost *v = &si->vhosts[i];
        word(w1, sizeof(w1), v->wwn);
        word(w2, sizeof(w2), v->client_name);
        line(&e, "vhost=%u %u %u:%u:%u:%u %s %u %s %s\n", v->client, v->devid, v->h, v->c, v->t, v->l,
             rw(v->read_only), v->lun_state, w1, w2);
    }
    for (unsigned i = 0; i < si->n_uses && i < XVIOS_SI_MAX_USES; i++) {
        const struct xvios_si_use *u = &si->uses[i];
        if (xvios_lu_backing_check(u->path) < 0)
            return -EINVAL;
        word(w2, sizeof(w2), u->pool_lu);
        line(&e, "use=%u %u:%u:%u:%u %u %s %s %s\n", u->client, u->h, u->c, u->t, u->l, u->node,
             rw(u->read_only), w2, u->path);
    }
    if (e.full || si->truncated) {
        memcpy(out + e.len, trunc, sizeof(trunc));
        e.len += sizeof(trunc) - 1;
    }
    *len = e.len;
    return 0;
}

/* ---------------------------------------------------------------- decode */
/* A line's value split into fields: the first n_words at spaces, then (rest) the remainder. */
struct fields {
    char buf[SI_LINE_MAX + 1];
    const char *f[8];
    unsigned n;
    const char *rest;
};

static int split(const struct xvios_kv *kv, unsigned n_words, bool rest, struct fields *fs)
{
    char *p;

    if (kv->val_len > SI_LINE_MAX)
        return -EINVAL;
    memcpy(fs->buf, kv->val, kv->val_len);
    fs->buf[kv->val_len] = '\0';
    if (strlen(fs->buf) != kv->val_len)
        return -EINVAL;   /* a NUL inside */
    p = fs->buf;
    fs->n = 0;
    fs->rest = NULL;
    while (fs->n < n_words) {
        char *sp = strchr(p, ' ');
        if (p[0] == '\0' || p[0] == ' ')
            return -EINVAL;
        fs->f[fs->n++] = p;
        if (!sp) {
            p = NULL;
            break;
        }
        *sp = '\0';
        p = sp + 1;
    }
    if (fs->n != n_words)
        return -EINVAL;
    if (rest) {
        if (!p || !*p)
            return -EINVAL;
        fs->rest = p;
    } else if (p) {
        return -EINVAL;   /* more fields than the line has */
    }
    return 0;
}

/* A word field: printable, no space, at most max bytes. */
static int get_word(const char *s, char *dst, size_t cap)
{
    size_t n = strlen(s);

    if (n == 0 || n >= cap)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return -EINVAL;
    memcpy(dst, s, n + 1);
    return 0;
}

static int get_path(const char *s, char *dst)
{
    if (xvios_lu_backing_check(s) < 0)
        return -EINVAL;
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

static int get_mode(const char *s, bool *ro)
{
    if (!strcmp(s, "r"))
        *ro = true;
    else if (!strcmp(s, "w"))
        *ro = false;
    else
        return -EINVAL;
    return 0;
}

/* "-" or 32 lowercase hex digits. */
static int get_wwn(const char *s, char *dst)
{
    if (strcmp(s, "-") != 0) {
        if (strlen(s) != XVIOS_LU_WWN_HEX)
            return -EINVAL;
        for (const char *p = s; *p; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                return -EINVAL;
    }
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

/* h:c:t:l, canonical decimals in the vSCSI ranges (vhost 0..65535, channel 0, target 0..63, LUN 0..255). */
static int get_vdev(const char *s, uint32_t *h, uint32_t *c, uint32_t *t, uint32_t *l)
{
    static const uint32_t max[4] = { 65535u, 0u, 63u, 255u };
    uint32_t *v[4] = { h, c, t, l };
    char part[8];

    for (unsigned i = 0; i < 4; i++) {
        const char *e = i < 3 ? strchr(s, ':') : s + strlen(s);
        size_t n;
        if (!e || (n = (size_t)(e - s)) == 0 || n >= sizeof(part))
            return -EINVAL;
        memcpy(part, s, n);
        part[n] = '\0';
        if (xvios_parse_u32_canon(part, max[i], v[i]) < 0)
            return -EINVAL;
        s = e + (i < 3);
    }
    return 0;
}

static int get_u64(const char *s, uint64_t *v)
{
    if (s[0] == '0' && s[1])
        return -EINVAL;   /* canonical */
    return xvios_parse_u64(s, 0, UINT64_MAX, v);
}

static int parse_backing(const struct xvios_kv *kv, struct xvios_si_backing *b, struct fields *fs)
{
    unsigned st, src;

    if (split(kv, 4, true, fs) < 0)
        return -EINVAL;
    for (st = 0; st < 4 && strcmp(fs->f[0], state_names[st]); st++)
        ;
    for (src = 0; src < 2 && strcmp(fs->f[2], source_names[src]); src++)
        ;
    if (st == 4 || src == 2 || get_u64(fs->f[1], &b->size) < 0 || (st != XVIOS_SI_OK && b->size != 0) ||
        get_word(fs->f[3], b->id, sizeof(b->id)) < 0 || get_path(fs->rest, b->path) < 0)
        return -EINVAL;
    b->state = (enum xvios_si_state)st;
    b->id_source = (enum xvios_si_id_source)src;
    return 0;
}

static int parse_pool(const struct xvios_kv *kv, struct xvios_si_pool *p, struct fields *fs)
{
    if (split(kv, 3, false, fs) < 0 || strlen(fs->f[0]) != 9 || get_word(fs->f[0], p->id, sizeof(p->id)) < 0 ||
        xvios_parse_u32_canon(fs->f[1], UINT32_MAX - 1, &p->lus) < 0 ||
        xvios_parse_u32_canon(fs->f[2], p->lus, &p->reachable) < 0)
        return -EINVAL;
    for (const char *c = p->id; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return -EINVAL;
    return 0;
}

static int parse_lu(const struct xvios_kv *kv, struct xvios_si_lu *l, struct fields *fs)
{
    if (split(kv, 3, true, fs) < 0 || strcmp(fs->f[0], "-") == 0 || get_wwn(fs->f[0], l->wwn) < 0 ||
        get_u64(fs->f[1], &l->size) < 0 || get_word(fs->f[2], l->name, sizeof(l->name)) < 0 ||
        (strcmp(l->name, "-") && !xvios_lu_name_ok(l->name)) || get_path(fs->rest, l->path) < 0)
        return -EINVAL;
    return 0;
}

static int parse_vhost(const struct xvios_kv *kv, struct xvios_si_vhost *v, struct fields *fs)
{
    if (split(kv, 7, false, fs) < 0 || xvios_parse_domid(fs->f[0], &v->client) < 0 ||
        xvios_parse_u32_canon(fs->f[1], 65535u, &v->devid) < 0 ||
        get_vdev(fs->f[2], &v->h, &v->c, &v->t, &v->l) < 0 || get_mode(fs->f[3], &v->read_only) < 0 ||
        xvios_parse_u32_canon(fs->f[4], 8u, &v->lun_state) < 0 || get_wwn(fs->f[5], v->wwn) < 0 ||
        get_word(fs->f[6], v->client_name, sizeof(v->client_name)) < 0)
        return -EINVAL;
    return 0;
}

static int parse_use(const struct xvios_kv *kv, struct xvios_si_use *u, struct fields *fs)
{
    if (split(kv, 5, true, fs) < 0 || xvios_parse_domid(fs->f[0], &u->client) < 0 ||
        get_vdev(fs->f[1], &u->h, &u->c, &u->t, &u->l) < 0 ||
        xvios_parse_u32(fs->f[2], 1, XVIOS_NODE_ID_MAX, &u->node) < 0 || fs->f[2][0] == '0' ||
        get_mode(fs->f[3], &u->read_only) < 0 || get_word(fs->f[4], u->pool_lu, sizeof(u->pool_lu)) < 0 ||
        (strcmp(u->pool_lu, "-") && !xvios_lu_name_ok(u->pool_lu)) || get_path(fs->rest, u->path) < 0)
        return -EINVAL;
    return 0;
}

/* One line into its table: 0, -EINVAL, -E2BIG (the table is full). */
#define ADD(tab, n, max, fn)                                                                                  \
    do {                                                                                                      \
        if ((n) >= (max))                                                                                     \
            return -E2BIG;                                                                                    \
        if (fn(&kv, &(tab)[n], &fs) < 0)                                                                      \
            return -EINVAL;                                                                                   \
        (n)++;                                                                                                \
    } while (0)

static int decode_line(const struct xvios_kv *kvp, struct xvios_storage_info *si, bool *have_vios)
{
    static struct fields fs;   /* one line's copy; the decoder runs in one thread (daemon, toolstack) */
    const struct xvios_kv kv = *kvp;

    if (xvios_kv_is(&kv, "vios")) {
        if (*have_vios || split(&kv, 1, false, &fs) < 0 || get_word(fs.f[0], si->vios, sizeof(si->vios)) < 0)
            return -EINVAL;
        *have_vios = true;
    } else if (xvios_kv_is(&kv, "backing")) {
        ADD(si->backings, si->n_backings, XVIOS_SI_MAX_BACKINGS, parse_backing);
    } else if (xvios_kv_is(&kv, "pool")) {
        ADD(si->pools, si->n_pools, XVIOS_SI_MAX_POOLS, parse_pool);
    } else if (xvios_kv_is(&kv, "lu")) {
        ADD(si->lus, si->n_lus, XVIOS_SI_MAX_LUS, parse_lu);
    } else if (xvios_kv_is(&kv, "vhost")) {
        ADD(si->vhosts, si->n_vhosts, XVIOS_SI_MAX_VHOSTS, parse_vhost);
    } else if (xvios_kv_is(&kv, "use")) {
        ADD(si->uses, si->n_uses, XVIOS_SI_MAX_USES, parse_use);
    } else if (xvios_kv_is(&kv, "truncated")) {
        if (kv.val_len != 1 || kv.val[0] != '1' || si->truncated)
            return -EINVAL;
        si->truncated = true;
    } else if (xvios_kv_is(&kv, "node")) {
        return -EINVAL;   /* only once, first */
    } else if (kv.key_len > 32 || kv.val_len > SI_LINE_MAX) {
        return -EINVAL;   /* an unknown key is skipped, but not a huge one */
    }
    return 0;
}

int xvios_storage_info_decode(const void *untrusted, size_t len, struct xvios_storage_info *si)
{
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    char num[12];
    bool have_vios = false;
    int r, rc;

    memset(si, 0, offsetof(struct xvios_storage_info, backings));
    if (len > XVIOS_MAX_PAYLOAD)
        return -E2BIG;
    xvios_kv_iter_init(&it, untrusted, len);
    r = xvios_kv_next(&it, &kv);
    if (r != 1 || !kv.terminated || !xvios_kv_is(&kv, "node") || kv.val_len == 0 || kv.val_len >= sizeof(num))
        return -EINVAL;
    memcpy(num, kv.val, kv.val_len);
    num[kv.val_len] = '\0';
    if (xvios_parse_u32_canon(num, XVIOS_NODE_ID_MAX, &si->node) < 0 || si->node == 0)
        return -EINVAL;
    while ((r = xvios_kv_next(&it, &kv)) != 0) {
        if (r < 0 || !kv.terminated)
            return -EINVAL;
        if (si->truncated)
            return -EINVAL;   /* truncated=1 is the last line */
        rc = decode_line(&kv, si, &have_vios);
        if (rc < 0)
            return rc;
    }
    if (!have_vios)
        return -EINVAL;
    return 0;
}
