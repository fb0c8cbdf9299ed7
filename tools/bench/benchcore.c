/* SPDX-License-Identifier: BSD-3-Clause
 * sluice-benchcore: benchmarks of the pure core, no EAL.
 *
 *   sluice-benchcore maglev [M] [REPEAT]
 *       Maglev table build time for 10, 100 and 1000 backends (equal
 *       weights, then weights 1..4) at table size M (default 65537):
 *       "maglev BACKENDS WEIGHTS min_us median_us max_us" per line.
 *   sluice-benchcore ctmem CAPACITY...
 *       Conntrack bytes per tracked flow (a slot is half a cache line:
 *       an IPv4 flow takes one, an IPv6 flow two, an edge policy's
 *       extension one more): "ctmem CAP bytes per_ipv4_flow per_ipv6_flow
 *       slot_size".
 *   sluice-benchcore tsc
 *       The TSC rate in Hz (measured over 200 ms of CLOCK_MONOTONIC).
 *   sluice-benchcore chase [huge]
 *       Latency of dependent random reads (pointer chase, one per cache
 *       line) over 1 MB .. 256 MB, on 4 KB or (huge) 2 MB pages: where
 *       this machine's caches end.
 *   sluice-benchcore path PCAP CAPACITY [ROUNDS]
 *       TSC cycles per packet of each pure stage of the fast path over the
 *       frames of PCAP (from sluice-benchgen, read into memory): parse,
 *       flow hash, conntrack index hash, conntrack forward lookup (after
 *       inserting every flow into a table of CAPACITY, VIP id 0, with a
 *       synthetic reverse key; plain and burst-prefetched; the table on
 *       2 MB pages, as the data plane's is, when there are free ones),
 *       NAT rewrite.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <x86intrin.h>

#include "sl_ct.h"
#include "sl_maglev.h"
#include "sl_nat.h"
#include "sl_pkt.h"

static uint64_t rng_seed;

static uint64_t
next_rand(void)
{
	uint64_t z = (rng_seed += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

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
	scratch = malloc(sl_maglev_scratch_size(1000, m));
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
		/* A slot holds an IPv4 flow; an IPv6 flow takes two. */
		printf("ctmem %u %zu %.1f %.1f %zu\n", cap, sz,
		       (double)sz / cap, 2.0 * sz / cap,
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

static int
chase(int huge)
{
	size_t mb, n, i, j, bytes;
	uint64_t t0, steps = 2000000;
	uint32_t *perm, t;
	char *buf, *p;

	for (mb = 1; mb <= 256; mb *= 2) {
		n = mb << 14;		/* 64-byte lines */
		bytes = mb << 20;
		buf = mmap(NULL, bytes < (2u << 20) ? 2u << 20 : bytes,
			   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
			   (huge ? MAP_HUGETLB : 0), -1, 0);
		perm = malloc(n * sizeof(*perm));
		if (buf == MAP_FAILED || perm == NULL) {
			perror("chase");
			return 1;
		}
		rng_seed = 1;
		for (i = 0; i < n; i++)
			perm[i] = (uint32_t)i;
		for (i = n - 1; i > 0; i--) {
			j = (size_t)(next_rand() % (i + 1));
			t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		for (i = 0; i < n; i++)
			*(char **)(buf + (size_t)perm[i] * 64) =
				buf + (size_t)perm[(i + 1) % n] * 64;
		p = buf + (size_t)perm[0] * 64;
		t0 = __rdtsc();
		for (i = 0; i < steps; i++)
			p = *(char **)p;
		printf("chase %s %4zu MB %5.0f cycles/read%s\n",
		       huge ? "2M-pages" : "4K-pages", mb,
		       (double)(__rdtsc() - t0) / steps, p == NULL ? "!" : "");
		munmap(buf, bytes < (2u << 20) ? 2u << 20 : bytes);
		free(perm);
	}
	return 0;
}

struct frame {
	uint32_t len;
	uint8_t data[124];	/* the headers; longer frames are cut */
};

static struct frame *
read_pcap(const char *path, uint32_t *n)
{
	uint32_t hdr[4], cap = 1024;
	struct frame *f = malloc(sizeof(*f) * cap);
	uint8_t buf[65536];
	FILE *in = fopen(path, "rb");

	*n = 0;
	if (in == NULL || f == NULL || fread(buf, 24, 1, in) != 1)
		return NULL;
	while (fread(hdr, sizeof(hdr), 1, in) == 1) {
		if (hdr[2] > sizeof(buf) || fread(buf, hdr[2], 1, in) != 1)
			return NULL;
		if (*n == cap) {
			cap *= 2;
			f = realloc(f, sizeof(*f) * cap);
			if (f == NULL)
				return NULL;
		}
		f[*n].len = hdr[2] < sizeof(f->data) ? hdr[2] : sizeof(f->data);
		memcpy(f[*n].data, buf, f[*n].len);
		(*n)++;
	}
	fclose(in);
	return f;
}

#define STAGE_LOOP(name, body)	do {					\
		uint64_t t0_ = __rdtsc();				\
		for (r = 0; r < rounds; r++)				\
			for (i = 0; i < n; i++) { body; }		\
		printf("path %-16s %7.1f cycles/packet\n", name,	\
		       (double)(__rdtsc() - t0_) / ((double)n * rounds)); \
	} while (0)

/* The conntrack table's index hash is keyed by a seed; any fixed one
 * will do here. */
#define PATH_CT_SEED	0x736c756963652d62ULL

/* A flow's reverse key for the path stages: the packet's key reversed,
 * made unique per flow (frame index i of its first packet) by the local
 * (SNAT) port and the backend address, which the reverse key is found by
 * (with the backend port; not by the local address). */
static void
path_rev_key(const struct sl_flow_key *k, uint32_t i, struct sl_flow_key *rev)
{
	sl_flow_key_reverse(k, rev);
	rev->dport = (uint16_t)i;
	rev->src[0] = htonl(0x0a000000u + (i >> 16));	/* 10.0.0.0/8 */
}

static int
path(const char *file, uint32_t capacity, uint32_t rounds)
{
	struct sl_pkt_info *pi;
	struct sl_flow_key rev;
	struct sl_ct *ct;
	struct frame *f, *g;
	uint32_t n, i, r, j, *h, *fh, hits = 0;
	volatile uint32_t sink = 0;
	size_t memsz;
	void *mem;

	f = read_pcap(file, &n);
	if (f == NULL || n == 0)
		return 1;
	g = malloc(sizeof(*g) * n);
	pi = malloc(sizeof(*pi) * n);
	h = malloc(sizeof(*h) * n);
	fh = malloc(sizeof(*fh) * n);
	/* With 4 KB pages a table of a few MB is bound by TLB misses as
	 * much as by cache misses. */
	memsz = (sl_ct_memsize(capacity) + (2u << 20) - 1) & ~((2ul << 20) - 1);
	mem = mmap(NULL, memsz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "path: no 2 MB pages, on 4 KB pages\n");
		mem = mmap(NULL, memsz, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (!g || !pi || !h || !fh || mem == MAP_FAILED)
		return 1;
	ct = sl_ct_init(mem, capacity, NULL, PATH_CT_SEED);
	if (ct == NULL)
		return 1;
	for (i = 0; i < n; i++)
		if (sl_pkt_parse(f[i].data, f[i].len, &pi[i]) != SL_DROP_NONE)
			return 1;
	for (i = 0; i < n; i++) {
		h[i] = sl_ct_hash_fwd(ct, &pi[i].key, 0);
		if (sl_ct_lookup_fwd(ct, &pi[i].key, 0, h[i], 0) != NULL)
			continue;
		path_rev_key(&pi[i].key, i, &rev);
		if (sl_ct_insert(ct, &pi[i].key, 0, h[i], &rev,
				 sl_ct_hash_rev(ct, &rev), 0, false) == NULL) {
			fprintf(stderr, "path: conntrack insert failed at "
				"frame %u (%u flows)\n", i, sl_ct_count(ct));
			return 1;
		}
	}
	printf("path frames %u flows %u capacity %u\n", n, sl_ct_count(ct),
	       sl_ct_capacity(ct));
	STAGE_LOOP("parse", sink += sl_pkt_parse(f[i].data, f[i].len, &pi[i]));
	STAGE_LOOP("flow_hash", fh[i] = sl_flow_hash(&pi[i].key));
	sink += fh[n - 1];
	STAGE_LOOP("ct_hash", h[i] = sl_ct_hash_fwd(ct, &pi[i].key, 0));
	STAGE_LOOP("ct_lookup", hits += sl_ct_lookup_fwd(ct, &pi[i].key, 0,
							 h[i], 0) != NULL);
	STAGE_LOOP("ct_lookup_pf32",
		if ((i & 31) == 0) {
			for (j = i; j < i + 32 && j < n; j++)
				sl_ct_prefetch_buckets(ct, h[j]);
			for (j = i; j < i + 32 && j < n; j++)
				sl_ct_prefetch_entry(ct, h[j]);
		}
		hits += sl_ct_lookup_fwd(ct, &pi[i].key, 0, h[i], 0) != NULL);
	/* Software-pipelined: buckets of burst k + 2, entries of burst k + 1
	 * prefetched while burst k is looked up. */
	STAGE_LOOP("ct_lookup_pipe",
		if ((i & 31) == 0) {
			for (j = i + 64; j < i + 96 && j < n; j++)
				sl_ct_prefetch_buckets(ct, h[j]);
			for (j = i + 32; j < i + 64 && j < n; j++)
				sl_ct_prefetch_entry(ct, h[j]);
		}
		hits += sl_ct_lookup_fwd(ct, &pi[i].key, 0, h[i], 0) != NULL);
	memcpy(g, f, sizeof(*g) * n);
	STAGE_LOOP("nat_rewrite",
		sl_flow_key_reverse(&pi[i].key, &rev);
		if (r == 0) g[i].data[22] = 64;
		sink += sl_nat_rewrite(g[i].data, &pi[i], &rev));
	if (hits != 3 * n * rounds)
		fprintf(stderr, "path: %u hits of %u\n", hits, 3 * n * rounds);
	munmap(mem, memsz);
	free(f);
	free(g);
	free(pi);
	free(h);
	free(fh);
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
	if (argc >= 2 && strcmp(argv[1], "chase") == 0)
		return chase(argc > 2);
	if (argc >= 4 && strcmp(argv[1], "path") == 0)
		return path(argv[2], (uint32_t)strtoul(argv[3], NULL, 0),
			    argc > 4 ? (uint32_t)atoi(argv[4]) : 20);
	fprintf(stderr, "usage: sluice-benchcore maglev [M] [REPEAT] | "
		"ctmem CAPACITY... | tsc | chase [huge] |\n"
		"       path PCAP CAPACITY [ROUNDS]\n");
	return 2;
}
