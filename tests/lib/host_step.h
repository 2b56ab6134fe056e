/*
 * tests/lib/host_step.h - the step log and I/O wait of the host test tools.
 *
 * pb-host-smoke and pb-fw-e2e drive a pump through proto/client and print
 * one "ok  : ..." or "FAIL: ..." line per step; host_failures counts the
 * FAIL lines and decides the closing PASSED/FAILED line and the exit code.
 * host_wait_io() sleeps until the client's link can be read, or written
 * when the client has output queued, or ms pass.
 */
#ifndef PB_TESTS_HOST_STEP_H
#define PB_TESTS_HOST_STEP_H

#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "proto/client.h"

static int host_failures;

static void step(bool ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void step(bool ok, const char *fmt, ...)
{
	va_list ap;
	printf("%s: ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		host_failures++;
}

static void host_wait_io(struct pb_client *c, int ms)
{
	struct pollfd p = { .fd = pb_client_fd(c), .events = POLLIN };
	if (pb_client_wants_write(c))
		p.events |= POLLOUT;
	poll(&p, 1, ms);
}

#endif
