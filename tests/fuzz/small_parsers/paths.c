/* SPDX-License-Identifier: MIT */
/*
 * paths.c - fuzz family '/': store paths (xvios_store_path_valid in
 * xen/plat/plat.c) and the loopback store's path utilities that map them
 * onto its directory tree (xen/plat/loop/plat_loop_fs.c).
 *
 * Input: a selector byte, a capacity byte, then one or two strings split
 * at the first '\t' (each a NUL-terminated exact copy). The validator is
 * checked against XenStore's rules restated by hand; a valid node path
 * must never hold a '.' (so it can neither leave the store's directory nor
 * name one of a node's own .value/.perms files), its parent must be a
 * valid path one component up, loop_path_at_or_below must follow the
 * component rule, and loop_path_join/loop_parent must never write past the
 * capacity they are given.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "small_parsers.h"
#include "xen/plat/loop/plat_loop_internal.h"

static bool reference_valid(const char *p, bool allow_special)
{
    size_t len = strlen(p);

    if (len == 0 || len > XVIOS_STORE_MAX_PATH)
        return false;
    if (p[0] == '@')
        return allow_special && (!strcmp(p, "@introduceDomain") || !strcmp(p, "@releaseDomain"));
    if (p[0] != '/' || (len > 1 && p[len - 1] == '/') || strstr(p, "//"))
        return false;
    return strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_@/") == len;
}

static bool reference_at_or_below(const char *path, const char *top)
{
    size_t n = strlen(top);

    if (!strcmp(top, "/"))
        return path[0] == '/';
    return !strncmp(path, top, n) && (path[n] == '\0' || path[n] == '/');
}

static void check_parent(const char *p, size_t cap)
{
    char *out = malloc(cap ? cap : 1);
    char full[XVIOS_STORE_MAX_PATH + 1];
    const char *slash;
    int rc;

    if (!out)
        abort();
    rc = loop_parent(p, out, cap);
    if (!strcmp(p, "/")) {
        FUZZ_REQUIRE(rc == -EINVAL);
        goto out;
    }
    FUZZ_REQUIRE(loop_parent(p, full, sizeof(full)) == 0);
    if (strlen(full) + 1 > cap) {
        FUZZ_REQUIRE(rc == -ENAMETOOLONG);
        goto out;
    }
    FUZZ_REQUIRE(rc == 0 && !strcmp(out, full));
    /* one component up: a valid path, p lies below it, and what is left of p is "/<name>" */
    FUZZ_REQUIRE(xvios_store_path_valid(full, false) && strcmp(full, p) != 0);
    FUZZ_REQUIRE(loop_path_at_or_below(p, full));
    slash = p + (strcmp(full, "/") ? strlen(full) : 0);
    FUZZ_REQUIRE(slash[0] == '/' && slash[1] && !strchr(slash + 1, '/'));
out:
    free(out);
}

static void check_join(const char *store, const char *p, size_t cap)
{
    char *out = malloc(cap ? cap : 1);
    size_t sl = strlen(store), pl = strlen(p);
    int rc;

    if (!out)
        abort();
    /* how the store maps a node to its directory (plat_loop_disk.c) */
    rc = loop_path_join(out, cap, store, strcmp(p, "/") ? p : "");
    if (!strcmp(p, "/")) {
        FUZZ_REQUIRE(sl + 1 > cap ? rc == -ENAMETOOLONG : rc == 0 && !strcmp(out, store));
    } else if (sl + pl + 1 > cap) {
        FUZZ_REQUIRE(rc == -ENAMETOOLONG);
    } else {
        FUZZ_REQUIRE(rc == 0 && !strncmp(out, store, sl) && !strcmp(out + sl, p));
    }
    free(out);
}

void fuzz_paths(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };
    uint8_t sel = fuzz_u8(&in);
    size_t cap = fuzz_u8(&in) * 16u + (sel >> 4);
    const uint8_t *tab = memchr(in.p, '\t', in.n);
    size_t l1 = tab ? (size_t)(tab - in.p) : in.n;
    char *p = fuzz_strdup(in.p, l1);
    char *top = tab ? fuzz_strdup(tab + 1, in.n - l1 - 1) : NULL;
    bool allow = sel & 1;
    bool valid = xvios_store_path_valid(p, allow);

    FUZZ_REQUIRE(valid == reference_valid(p, allow));
    if (!allow)
        FUZZ_REQUIRE(valid == xvios_store_path_valid(p, true) || p[0] == '@');
    if (valid && p[0] == '/') {
        FUZZ_REQUIRE(!strchr(p, '.'));
        FUZZ_REQUIRE(loop_path_at_or_below(p, p) && loop_path_at_or_below(p, "/"));
        check_parent(p, cap);
        check_join("root/store", p, cap);
        if (top && xvios_store_path_valid(top, false))
            FUZZ_REQUIRE(loop_path_at_or_below(p, top) == reference_at_or_below(p, top));
    }
    free(top);
    free(p);
}
