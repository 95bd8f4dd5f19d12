/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_greeting.c - the text datagrams of the loopback link handshake
 * (plat_loop_link.c): "XVIOS-HELLO <node> <domid>" and
 * "XVIOS-WELCOME <node> <domid>", both numbers canonical decimal. No I/O.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plat_loop_internal.h"
#include "xvios/parse.h"

int loop_greeting_parse(const char *untrusted_buf, size_t len, const char *prefix, uint32_t *node, uint32_t *domid)
{
    char s[LOOP_GREETING_MAX + 1];
    size_t plen = strlen(prefix);
    char *sp;

    if (len <= plen || len > LOOP_GREETING_MAX || memcmp(untrusted_buf, prefix, plen))
        return -EPROTO;
    if (memchr(untrusted_buf, '\0', len))
        return -EPROTO;   /* "... 2 102\0<anything>" is not the greeting "... 2 102" */
    memcpy(s, untrusted_buf + plen, len - plen);
    s[len - plen] = '\0';
    sp = strchr(s, ' ');
    if (!sp)
        return -EPROTO;
    *sp = '\0';
    if (xvios_parse_u32_canon(s, 0xffffu, node) < 0 || xvios_parse_domid(sp + 1, domid) < 0)
        return -EPROTO;
    return 0;
}

int loop_greeting_format(char *buf, size_t cap, const char *prefix, uint32_t node, uint32_t domid)
{
    int n = prefix ? snprintf(buf, cap, "%s%u %u", prefix, node, domid) : snprintf(buf, cap, LOOP_GREETING_REFUSED);

    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : n;
}
