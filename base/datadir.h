/*
 * base/datadir.h - where the programs find their data (profiles, rigs,
 * scenarios, the written requirements).
 *
 * Promise: one rule, for every program, from any working directory:
 *
 *   1. beside the executable: PREFIX/share/pumpbench when the program is
 *      installed as PREFIX/bin/NAME, else PREFIX/fixtures when it runs
 *      from the build tree (bin/../fixtures; the sanitizer build's
 *      build/san/bin/../fixtures is a link the Makefile makes);
 *   2. $PUMPBENCH_DATA (or its older name $PUMPBENCH_FIXTURES);
 *   3. the configured datadir, PB_DATADIR ($(PREFIX)/share/pumpbench of
 *      the build).
 *
 * A file is taken from the first directory that has it, so data shipped
 * with the program cannot be shadowed by the environment (a profile or a
 * requirement file the firmware team edits is given as a path, or lives
 * in a tree of its own); $PUMPBENCH_DATA adds profiles, rigs and
 * scenarios that are not shipped.  The working
 * directory is never searched (running from /tmp never reads
 * /tmp/fixtures).  The executable's path is read from /proc/self/exe
 * (symbolic links resolved, so a link in ~/bin to an installed program
 * finds the installed data).
 *
 * pb_datadir_compose() is the rule itself, pure: strings in, the ordered
 * list out (whether a directory exists is asked through a callback).
 * pb_datadir_get() and pb_datadir_find() are the adapter: /proc, the
 * environment and the file system.  Nothing here prints or exits.
 * tools/pumpbench.bash (the shell completion) follows the same order.
 */
#ifndef PB_BASE_DATADIR_H
#define PB_BASE_DATADIR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define PB_DATADIR_MAX 3            /* beside the exe, env, configured */

struct pb_datadirs {
	int  n;
	char dir[PB_DATADIR_MAX][PATH_MAX];
};

/* Does dir exist (as a directory)?  ctx is the caller's. */
typedef bool (*pb_datadir_exists_fn)(const char *dir, void *ctx);

/*
 * The rule.  exe is the executable's absolute path (NULL or relative:
 * no exe-relative directory); env the value of $PUMPBENCH_DATA (NULL or
 * "": none); configured the build's datadir (NULL or "": none).  The
 * exe-relative directory is PREFIX/share/pumpbench if exists() says it
 * is there, else PREFIX/fixtures if that is there, else PREFIX/share/
 * pumpbench (so messages name where an installed program looks).  A
 * directory already in the list is not added twice; one whose path does
 * not fit PATH_MAX is left out, never cut.  Returns d->n.
 */
int pb_datadir_compose(struct pb_datadirs *d, const char *exe,
    const char *env, const char *configured, pb_datadir_exists_fn exists,
    void *ctx);

/* This program's executable (/proc/self/exe) into buf: 0, or -1 and ""
 * when it cannot be read or does not fit n (never a cut path). */
int pb_self_exe(char *buf, size_t n);

/* This program's directories: /proc/self/exe, $PUMPBENCH_DATA (else
 * $PUMPBENCH_FIXTURES) and PB_DATADIR, composed as above; the last two
 * resolved with realpath() when they exist, so that one directory named
 * two ways is listed once. */
void pb_datadir_get(struct pb_datadirs *d);

/*
 * Find rel (e.g. "pumps/s10pro.ini") in the first directory of d that
 * has it (d NULL: pb_datadir_get()).  "Has it" means it exists, or
 * cannot be checked for a reason other than absence (a permission
 * error): the caller's open then says why.  Returns 0 and the path in
 * path, or -1 (not found, or the path does not fit n).
 */
int pb_datadir_find(const struct pb_datadirs *d, const char *rel,
    char *path, size_t n);

/* "A/sub, B/sub or C/sub" (sub NULL or "": the directories themselves),
 * for "not found" messages.  Always NUL-terminates. */
void pb_datadir_describe(const struct pb_datadirs *d, const char *sub,
    char *buf, size_t n);

#endif
