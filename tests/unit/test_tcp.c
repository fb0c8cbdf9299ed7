/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: implemented in the issue 5 work */
#include "sl_test.h"

static void
test_placeholder(void)
{
	CU_ASSERT(1);
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "placeholder", test_placeholder },
	};

	return sl_test_run("tcp", tests, sizeof(tests) / sizeof(tests[0]));
}
