/* SPDX-License-Identifier: MIT */
/*
 * api_typed.c - a typed command's request through the management API
 * (api_typed.h): built with libxml2's writer, run by api_call (in dom0 here,
 * reads included), the vioResponse read back with libxml2; an exception's
 * exit code; a list read page by page.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/api_typed.h"
#include "toolstack/cmds.h"

/* Pages of one list: far beyond any cluster's (a page holds tens of objects), a bound on a peer's replies. */
#define LIST_MAX_PAGES 100000u

int api_typed_run(const struct xvios_cli *cli, const char *who, const char *object, const char *action,
                  const struct xvios_vio_attr *attrs, unsigned n_attrs, struct api_typed *t)
{
    char *req = NULL;
    size_t len = 0;
    int rc;

    memset(t, 0, sizeof(*t));
    rc = xvios_vio_request_build(object, action, attrs, n_attrs, &req, &len);
    if (rc < 0) {
        fprintf(stderr, "xvios %s: building the request: %s\n", who,
                rc == -E2BIG ? "longer than one message" : strerror(-rc));
        return rc == -E2BIG ? XVIOS_EXIT_USAGE : XVIOS_EXIT_ERROR;
    }
    rc = api_call(cli, req, len, API_CALL_READS_HERE, &t->ans);
    free(req);
    if (rc != XVIOS_EXIT_OK)
        return rc;
    if (xvios_vio_reply_parse(t->ans.resp, t->ans.len, &t->r) < 0) {
        fprintf(stderr, "xvios %s: the answer to %s %s is no vioResponse\n", who, object, action);
        return XVIOS_EXIT_ERROR;
    }
    if (t->r.ok && (strcmp(t->r.object, object) || strcmp(t->r.action, action))) {
        fprintf(stderr, "xvios %s: the answer to %s %s is about %s %s\n", who, object, action, t->r.object,
                t->r.action);
        return XVIOS_EXIT_ERROR;
    }
    return XVIOS_EXIT_OK;
}

void api_typed_free(struct api_typed *t)
{
    xvios_vio_reply_free(&t->r);
    api_answer_free(&t->ans);
}

int api_typed_refused(const char *who, const struct xvios_vio_reply *r, const struct api_exit *map, unsigned n)
{
    fprintf(stderr, "xvios %s: %s\n", who, r->sentence[0] ? r->sentence : xvios_vio_code_name(r->code));
    for (unsigned i = 0; i < n; i++)
        if (map[i].code == r->code && (!map[i].holds || strstr(r->sentence, map[i].holds)))
            return map[i].exit;
    return r->code == XVIOS_VIO_NO_CLUSTER ? XVIOS_EXIT_REFUSED : XVIOS_EXIT_ERROR;
}

/* attrs plus after=KEY (a copy of the caller's, one longer). */
static struct xvios_vio_attr *with_after(const struct xvios_vio_attr *attrs, unsigned n, const char *after)
{
    struct xvios_vio_attr *all = calloc(n + 1, sizeof(*all));

    if (!all)
        return NULL;
    if (n)
        memcpy(all, attrs, n * sizeof(*all));
    all[n].name = "after";
    all[n].value = after;
    return all;
}

int api_typed_list(const struct xvios_cli *cli, const char *who, const char *object,
                   const struct xvios_vio_attr *attrs, unsigned n_attrs,
                   int (*key)(const struct xvios_vio_elem *e, char *buf, size_t cap),
                   int (*each)(const struct xvios_vio_elem *e, void *arg), void *arg)
{
    char after[XVIOS_VIO_MAX_RUN + 1] = "";
    struct xvios_vio_attr *all = with_after(attrs, n_attrs, NULL);
    int rc = XVIOS_EXIT_OK;

    if (!all) {
        fprintf(stderr, "xvios %s: out of memory\n", who);
        return XVIOS_EXIT_ERROR;
    }
    for (unsigned page = 0;; page++) {
        struct api_typed t;
        bool more;

        if (page >= LIST_MAX_PAGES) {
            fprintf(stderr, "xvios %s: the %s list did not end after %u pages\n", who, object, page);
            rc = XVIOS_EXIT_ERROR;
            break;
        }
        all[n_attrs].value = page ? after : NULL;
        rc = api_typed_run(cli, who, object, "list", all, n_attrs + 1, &t);
        if (rc == XVIOS_EXIT_OK && !t.r.ok)
            rc = api_typed_refused(who, &t.r, NULL, 0);
        for (unsigned i = 0; rc == XVIOS_EXIT_OK && i < t.r.n_items; i++)
            rc = each(&t.r.items[i], arg);
        more = t.r.more;
        if (rc == XVIOS_EXIT_OK && more) {
            /* the next page starts after the last item: a page without one would never end */
            if (!t.r.n_items || key(&t.r.items[t.r.n_items - 1], after, sizeof(after)) < 0) {
                fprintf(stderr, "xvios %s: a page of the %s list says more but names no last item\n", who, object);
                rc = XVIOS_EXIT_ERROR;
            }
        }
        api_typed_free(&t);
        if (rc != XVIOS_EXIT_OK || !more)
            break;
    }
    free(all);
    return rc;
}
