/*
 * tests/lib/check_main.h - one main() for every Check test binary.
 *
 * A test file defines its suite and ends with PB_CHECK_MAIN(its_suite).
 * The binary prints Check's summary line and exits non-zero on failure.
 * CK_FORK, CK_RUN_CASE and friends work as usual.
 */
#ifndef PB_TESTS_CHECK_MAIN_H
#define PB_TESTS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

#define PB_CHECK_MAIN(suite_fn)                                         \
	int main(void)                                                  \
	{                                                               \
		SRunner *sr = srunner_create(suite_fn());               \
		srunner_run_all(sr, CK_NORMAL);                         \
		int nf = srunner_ntests_failed(sr);                     \
		srunner_free(sr);                                       \
		return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;           \
	}

#endif
