/* SPDX-License-Identifier: BSD-3-Clause
 * Sluice: helpers shared by every module.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sl_common.h"

#ifdef SL_AB_PHASES
int sl_ab;
#endif

/* Indexed by code - SL_EBASE - 1; keep in the order of the enum. */
static const char *const sl_own_errors[] = {
	"Maglev table size is not a prime",
	"VIP has no usable backend",
	"shared layout version mismatch",
	"data plane not running",
};

const char *
sl_strerror(int err)
{
	unsigned int code;

	/* Accept the positive form too: callers sometimes pass errno. */
	if (err < 0)
		code = (unsigned int)-(long)err;
	else
		code = (unsigned int)err;

	if (code < SL_EBASE)
		return strerror((int)code);
	code -= SL_EBASE + 1;	/* wraps to huge for SL_EBASE itself */
	if (code < SL_ARRAY_SIZE(sl_own_errors))
		return sl_own_errors[code];
	return "unknown Sluice error";
}

int
sl_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int
sl_keyword_parse(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		if (names[i] != NULL && strcmp(s, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

const char *
sl_keyword_name(const char *const *names, size_t n, unsigned int v)
{
	return v < n && names[v] != NULL ? names[v] : "?";
}
