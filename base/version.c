/*
 * base/version.c - the tool's version string (see version.h).  The
 * Makefile compiles this one file with -DPB_VERSION="..." and
 * -DPB_BUILD_DATE="..." and rebuilds it when either changes.
 */
#include "base/version.h"

#ifndef PB_VERSION
#define PB_VERSION "0.1.0"
#endif
#ifndef PB_BUILD_DATE
#define PB_BUILD_DATE "unknown"
#endif

const char *pb_version(void)
{
	return PB_VERSION;
}

const char *pb_version_build_date(void)
{
	return PB_BUILD_DATE;
}
