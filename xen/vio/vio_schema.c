/* SPDX-License-Identifier: MIT */
/*
 * vio_schema.c - docs/vio.rng, compiled into the library at build time (the
 * Makefile turns the file into a C string, build/gen/vio_rng.inc), so the
 * grammar a node validates with is the one its documentation ships, and no
 * file has to be found at run time. Compiled by libxml2 on first use.
 */
#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "vio_int.h"
#include "xvios/log.h"

const char vio_schema_text[] =
#include "vio_rng.inc"
    ;
const size_t vio_schema_len = sizeof(vio_schema_text) - 1;

static xmlRelaxNGPtr schema;

void *vio_schema_get(void)
{
    xmlRelaxNGParserCtxtPtr pc;

    if (schema)
        return schema;
    pc = xmlRelaxNGNewMemParserCtxt(vio_schema_text, (int)vio_schema_len);
    if (!pc)
        return NULL;
    schema = xmlRelaxNGParse(pc);
    xmlRelaxNGFreeParserCtxt(pc);
    if (!schema)
        XLOG_ERR("the built-in vioRequest schema (docs/vio.rng) does not compile");
    return schema;
}

void vio_schema_free(void)
{
    if (schema)
        xmlRelaxNGFree(schema);
    schema = NULL;
}
