/* SPDX-License-Identifier: MIT */
/* daemon_fixture.h - daemon state for unit tests (see daemon_fixture.c). */
#ifndef XVIOS_TEST_DAEMON_FIXTURE_H
#define XVIOS_TEST_DAEMON_FIXTURE_H

#include "daemon/xviosd.h"
#include "xvios/clock.h"

struct xviosd *fixture_daemon_new(uint32_t node);
void fixture_daemon_free(struct xviosd *d);
/* A caller that has said HELLO, with an event mask. */
struct caller *fixture_caller(struct xviosd *d, uint32_t id, uint32_t mask);
/* Take the oldest packet of q into buf and decode it into m: XVIOS_WIRE_OK, or -1 when q is empty. */
int fixture_pop(struct xvios_pktq *q, uint8_t *buf, struct xvios_msg *m);

#endif
