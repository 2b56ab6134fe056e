/*
 * base/version.h - which pumpbench this is.
 *
 * Promise: one string for every record, certificate, report and
 * `--version` that names the tool (pb_version()), and the build date.
 * The Makefile compiles version.c with PB_VERSION and PB_BUILD_DATE from
 * tools/version-string: `git describe` of the checkout at build time
 * (the release number in VERSION with the commit when the history has no
 * release tag), or the release number alone when built without git (a
 * tarball).  It rebuilds version.c whenever the string changes (a new
 * commit, a dirty tree).  Pure; the strings are static.
 */
#ifndef PB_BASE_VERSION_H
#define PB_BASE_VERSION_H

/* "0.1.0", "0.1.0-g1a2b3c4d5e", "0.1.0-g1a2b3c4d5e-dirty", "0.2.0-3-g..." */
const char *pb_version(void);

/* The day it was built, "YYYY-MM-DD" (UTC; SOURCE_DATE_EPOCH when set,
 * for reproducible builds), or "unknown". */
const char *pb_version_build_date(void);

#endif
