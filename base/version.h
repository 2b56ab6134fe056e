/*
 * base/version.h - which pumpbench this is.
 *
 * Promise: one string for every record, certificate and report that
 * names the tool: `git describe --always --dirty` at build time, or the
 * release version when built from a tarball (PB_VERSION from the
 * Makefile).  Pure.
 */
#ifndef PB_BASE_VERSION_H
#define PB_BASE_VERSION_H

const char *pb_version(void);

#endif
