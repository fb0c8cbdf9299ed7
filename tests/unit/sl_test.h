/* SPDX-License-Identifier: BSD-3-Clause
 * The CUnit runner every unit suite shares: one suite, verbose, exit 0 when
 * every assertion passed, 1 when one failed, 2 when CUnit itself failed.
 */
#ifndef SL_TEST_H
#define SL_TEST_H

#include <stddef.h>
#include <stdint.h>

#include <CUnit/Basic.h>

/* Fixed-seed xorshift64: the same "random" inputs on every run. A suite
 * sets rng_state before it draws. */
static uint64_t rng_state;

static inline uint64_t
rng_next(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static inline void
rng_fill(void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(rng_next() >> 24);
}

struct sl_test {
	const char *name;
	CU_TestFunc fn;
};

static inline int
sl_test_run(const char *suite_name, const struct sl_test *tests, size_t n)
{
	CU_pSuite suite;
	unsigned int fails;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	suite = CU_add_suite(suite_name, NULL, NULL);
	for (i = 0; suite != NULL && i < n; i++)
		if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL)
			suite = NULL;
	if (suite == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}

#endif
