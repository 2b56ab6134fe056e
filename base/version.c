/*
 * base/version.c - the tool's version string (see version.h).  The
 * Makefile compiles this one file with -DPB_VERSION="..." and rebuilds
 * it when the string changes.
 */
#include "base/version.h"

#ifndef PB_VERSION
#define PB_VERSION "0.1.0"
#endif

const char *pb_version(void)
{
	return PB_VERSION;
}
