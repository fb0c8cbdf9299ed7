/* SPDX-License-Identifier: BSD-3-Clause
 * sluice-benchcore: benchmarks of the pure core, no EAL.
 *
 *   sluice-benchcore maglev [M] [REPEAT]
 *       Maglev table build time for 10, 100 and 1000 backends (equal
 *       weights, then weights 1..4) at table size M (default 65537):
 *       "maglev BACKENDS WEIGHTS min_us median_us max_us" per line.
 *   sluice-benchcore ctmem CAPACITY...
 *       Conntrack bytes per tracked flow: "ctmem CAP bytes per_flow entry".
 *   sluice-benchcore tsc
 *       The TSC rate in Hz (measured over 200 ms of CLOCK_MONOTONIC).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <x86intrin.h>

#include "sl_ct.h"
#include "sl_maglev.h"

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
maglev(uint32_t m, uint32_t repeat)
{
	static const uint32_t sizes[] = { 10, 100, 1000 };
	struct sl_maglev_backend *b;
	uint16_t *table;
	double *t;
	void *scratch;
	uint32_t s, i, r, wmode;
	struct sl_addr a;

	table = malloc(sizeof(*table) * m);
	t = malloc(sizeof(*t) * repeat);
	b = malloc(sizeof(*b) * 1000);
	scratch = malloc(sl_maglev_scratch_size(1000));
	if (!table || !t || !b || !scratch)
		return 1;
	for (wmode = 0; wmode < 2; wmode++) {
		for (s = 0; s < 3; s++) {
			for (i = 0; i < sizes[s]; i++) {
				memset(&a, 0, sizeof(a));
				a.family = AF_INET;
				a.b[0] = 198;
				a.b[1] = 18;
				a.b[2] = (uint8_t)(128 + i / 250);
				a.b[3] = (uint8_t)(1 + i % 250);
				b[i].id_hash = sl_maglev_id(&a, 8080);
				b[i].weight = wmode ? 1 + i % 4 : 1;
			}
			for (r = 0; r < repeat; r++) {
				double t0 = now_us();
				int rc = sl_maglev_build(b, sizes[s], table, m,
							 scratch);

				t[r] = now_us() - t0;
				if (rc < 0) {
					fprintf(stderr, "maglev build: %d\n",
						rc);
					return 1;
				}
			}
			qsort(t, repeat, sizeof(*t), cmp_double);
			printf("maglev %u %s %.1f %.1f %.1f\n", sizes[s],
			       wmode ? "1..4" : "equal", t[0],
			       t[repeat / 2], t[repeat - 1]);
		}
	}
	free(table);
	free(t);
	free(b);
	free(scratch);
	return 0;
}

static int
ctmem(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		uint32_t cap = (uint32_t)strtoul(argv[i], NULL, 0);
		size_t sz = sl_ct_memsize(cap);

		if (sz == 0)
			return 1;
		printf("ctmem %u %zu %.1f %zu\n", cap, sz, (double)sz / cap,
		       sizeof(struct sl_ct_entry));
	}
	return 0;
}

static int
tsc(void)
{
	double t0 = now_us(), t1;
	uint64_t c0 = __rdtsc(), c1;

	do
		t1 = now_us();
	while (t1 - t0 < 200000);
	c1 = __rdtsc();
	printf("%.0f\n", (c1 - c0) / (t1 - t0) * 1e6);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "maglev") == 0)
		return maglev(argc > 2 ? (uint32_t)atoi(argv[2]) : 65537,
			      argc > 3 ? (uint32_t)atoi(argv[3]) : 21);
	if (argc >= 3 && strcmp(argv[1], "ctmem") == 0)
		return ctmem(argc - 2, argv + 2);
	if (argc == 2 && strcmp(argv[1], "tsc") == 0)
		return tsc();
	fprintf(stderr, "usage: sluice-benchcore maglev [M] [REPEAT] | "
		"ctmem CAPACITY... | tsc\n");
	return 2;
}
