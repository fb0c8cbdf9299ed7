/* SPDX-License-Identifier: BSD-3-Clause
 * Sluice: limits and helpers shared by every module, with no DPDK dependency.
 */
#ifndef SL_COMMON_H
#define SL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define SL_MAX_WORKERS		16
#define SL_MAX_PORTS		8
#define SL_MAX_PORT_ADDRS	8	/* interface addresses per port */
#define SL_MAX_SNAT_ADDRS	8	/* full-NAT local addresses per port */
#define SL_MAX_ROUTES		64
#define SL_MAX_STATIC_NEIGH	64
#define SL_MAX_VIPS		256	/* stable VIP ids: 0 .. SL_MAX_VIPS-1 */
#define SL_MAX_BACKENDS		4096	/* stable backend ids, over all VIPs */
#define SL_MAX_VIP_BACKENDS	1024	/* backends of one VIP */
#define SL_NAME_MAX		32
#define SL_PATH_MAX		108	/* sun_path */

#define SL_MAGLEV_DEFAULT_M	65537

#define SL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

/* Build with -DSL_AB_PHASES to compare two variants of the fast path in
 * one run: the workers flip sl_ab between 0 and 1 every 250 ms and count
 * their loop's cycles and packets under each, logged when they stop. The
 * variant under test is written as "if (sl_ab) ... else ..." in the build
 * measured (tools/bench/ab.sh). Unlike two runs, this is not swayed by the
 * machine's swings from minute to minute, though an A/A run still differs
 * by up to 4% (BENCHMARKS.md). */
#ifdef SL_AB_PHASES
extern int sl_ab;
#endif

/* Errors are 0 or a negative errno value; sl_strerror() names both errno
 * values and Sluice's own (below -1000). */
#define SL_EBASE	1000
enum {
	SL_ENOPRIME = SL_EBASE + 1,	/* Maglev table size is not a prime */
	SL_ENOBACKEND,			/* a VIP has no usable backend */
	SL_EVERSION,			/* shared layout version mismatch */
	SL_ENODP,			/* data plane not running */
};

const char *sl_strerror(int err);

/* Decimal only: no sign, no spaces, no trailing junk. -EINVAL when s is
 * not a number, -ERANGE when it is outside min..max. Shared by the INI
 * loader and the CLI so both accept the same numbers. */
int sl_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* Keyword <-> enum value through a table indexed by the value (NULL
 * entries are holes): the value of s, or -EINVAL; the keyword of v, or
 * "?". Shared by every small enum of the config and the CLI. */
int sl_keyword_parse(const char *const *names, size_t n, const char *s);
const char *sl_keyword_name(const char *const *names, size_t n,
			    unsigned int v);
#define SL_KEYWORD_PARSE(table, s) \
	sl_keyword_parse(table, SL_ARRAY_SIZE(table), s)
#define SL_KEYWORD_NAME(table, v) \
	sl_keyword_name(table, SL_ARRAY_SIZE(table), v)

#endif
