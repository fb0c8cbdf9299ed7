/* SPDX-License-Identifier: BSD-3-Clause
 * The rte_acl classifier (dataplane/acl.c) against the reference matcher
 * (sl_acl_ref_match): the same deciding rule for every key, on random rule
 * sets of both families, several VIPs and global rules. Also the byte
 * order of keys and rules on hand-written cases, empty rule sets, and
 * context names. Starts an EAL without hugepages or PCI, in memory, under
 * its own file prefix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_eal.h>

#include "sl_test.h"

#include "acl.h"
#include "sl_acl.h"

#define BURST	64

static struct sl_addr
addr(const char *s)
{
	struct sl_addr a;

	CU_ASSERT_FATAL(sl_addr_parse(s, &a) == 0);
	return a;
}

static struct sl_acl_crule
crule(const char *prefix, uint16_t vip, uint8_t action, uint32_t priority)
{
	struct sl_acl_crule r;

	memset(&r, 0, sizeof(r));
	CU_ASSERT_FATAL(sl_prefix_parse(prefix, &r.src, &r.plen, false) == 0);
	r.vip = vip;
	r.action = action;
	r.priority = priority;
	return r;
}

/* Classifies one source address (of its family) to VIP vip. */
static uint32_t
classify1(struct rte_acl_ctx *v4, struct rte_acl_ctx *v6, uint16_t vip,
	  const struct sl_addr *src)
{
	struct sl_acl_key4 k4;
	struct sl_acl_key6 k6;
	const uint8_t *key;
	uint32_t res = 0xdeadbeef;

	memset(&k4, 0, sizeof(k4));
	memset(&k6, 0, sizeof(k6));
	k4.vip_be = rte_cpu_to_be_32(vip);
	k6.vip_be = rte_cpu_to_be_32(vip);
	memcpy(&k4.src, src->b, 4);
	memcpy(k6.src, src->b, 16);
	key = src->family == AF_INET ? (const uint8_t *)&k4 :
				       (const uint8_t *)&k6;
	CU_ASSERT_EQUAL(sl_acl_classify(src->family == AF_INET ? v4 : v6,
					&key, &res, 1), 0);
	return res;
}

static uint32_t
classify_s(struct rte_acl_ctx *v4, struct rte_acl_ctx *v6, uint16_t vip,
	   const char *src)
{
	struct sl_addr a = addr(src);

	return classify1(v4, v6, vip, &a);
}

/* --- byte order, prefix lengths across 32-bit words --- */

static void
test_hand_rules(void)
{
	struct sl_acl_crule r[6];
	struct rte_acl_ctx *v4, *v6;
	char err[256];

	r[0] = crule("198.18.1.0/24", 1, SL_ACL_DENY, 10);
	r[1] = crule("198.18.1.128/25", SL_ACL_ANY_VIP, SL_ACL_ALLOW, 20);
	r[2] = crule("2001:db8:1:2::/63", SL_ACL_ANY_VIP, SL_ACL_DENY, 10);
	r[3] = crule("2001:db8:1:3:8000::/65", 2, SL_ACL_ALLOW, 20);
	r[4] = crule("2001:db8:1:3:8000:0:1:0/127", 2, SL_ACL_DENY, 30);
	r[5] = crule("2001:db8::/33", 0, SL_ACL_DENY, 0);
	CU_ASSERT_FATAL(sl_acl_build(r, 6, "hand", &v4, &v6, err,
				     sizeof(err)) == 0);
	CU_ASSERT_FATAL(v4 != NULL && v6 != NULL);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 1, "198.18.1.9"), 1);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 2, "198.18.1.9"), 0);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 1, "198.18.1.200"), 2);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 7, "198.18.1.128"), 2);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 1, "198.18.2.1"), 0);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 256, "198.18.1.9"), 0);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 0, "2001:db8:1:3::5"), 3);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 0, "2001:db8:1:4::5"), 6);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 1, "2001:db8:1:4::5"), 0);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 2, "2001:db8:1:3:ffff::"), 4);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 2, "2001:db8:1:3:7fff::"), 3);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 2, "2001:db8:1:3:8000:0:1:1"), 5);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 2, "2001:db8:1:3:8000:0:1:2"), 4);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 0, "2001:db8:7fff::1"), 6);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 0, "2001:db8:8000::1"), 0);
	sl_acl_free(v4);
	sl_acl_free(v6);
}

/* --- random rule sets against the reference matcher --- */

static void
clear_host_bits(struct sl_addr *a, uint8_t plen)
{
	unsigned int i;

	for (i = plen; i < 128; i++)
		a->b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

/* Rules are drawn from 198.18-19.0-7.x and 2001:db8:0-3::/48 (wide =
 * false), sources from twice that (wide = true): some are in no rule. */
static void
random_addr(struct sl_addr *a, bool v6, bool wide)
{
	memset(a, 0, sizeof(*a));
	if (!v6) {
		a->family = AF_INET;
		a->b[0] = 198;
		a->b[1] = (uint8_t)(18 + (rng_next() & 1));
		a->b[2] = (uint8_t)(rng_next() & (wide ? 15 : 7));
		a->b[3] = (uint8_t)rng_next();
	} else {
		a->family = AF_INET6;
		a->b[0] = 0x20, a->b[1] = 0x01, a->b[2] = 0x0d, a->b[3] = 0xb8;
		a->b[5] = (uint8_t)(rng_next() & (wide ? 7 : 3));
		a->b[7] = (uint8_t)(rng_next() & 3);
		if (rng_next() & 1)
			rng_fill(&a->b[8], 8);
		else
			a->b[15] = (uint8_t)rng_next();
	}
}

static bool
same_rule(const struct sl_acl_rule *a, const struct sl_acl_rule *b)
{
	return a->plen == b->plen && a->action == b->action &&
	       memcmp(&a->src, &b->src, sizeof(a->src)) == 0;
}

/* Adds a random rule unless an equal one (same prefix and action in the
 * same list) exists: equal priorities would leave rte_acl's choice
 * undefined. */
static void
random_rule(struct sl_acl_rule **arr, uint32_t *n, uint16_t id,
	    bool may_allow)
{
	struct sl_acl_rule r;
	bool v6 = rng_next() & 1;
	uint32_t i;

	memset(&r, 0, sizeof(r));
	random_addr(&r.src, v6, false);
	r.plen = (uint8_t)(v6 ? 46 + rng_next() % 83 : 21 + rng_next() % 12);
	clear_host_bits(&r.src, r.plen);
	r.action = (uint8_t)(may_allow && rng_next() % 3 == 0 ? SL_ACL_ALLOW :
			     SL_ACL_DENY);
	r.id = id;
	for (i = 0; i < *n; i++)
		if (same_rule(&(*arr)[i], &r))
			return;
	*arr = realloc(*arr, (*n + 1) * sizeof(**arr));
	CU_ASSERT_FATAL(*arr != NULL);
	(*arr)[(*n)++] = r;
}

static void
random_config(struct sl_config *c, uint32_t nb_vips, uint32_t nb_rules,
	      bool global_allow)
{
	uint32_t i, v;

	sl_config_init(c);
	c->vips = calloc(nb_vips, sizeof(*c->vips));
	CU_ASSERT_FATAL(c->vips != NULL);
	c->nb_vips = c->cap_vips = nb_vips;
	for (i = 0; i < nb_vips; i++)
		sl_vip_policy_init(&c->vips[i].policy);
	/* Global allows only when asked; VIP 0 never allows: some VIPs with
	 * a default deny, some without. */
	for (i = 0; i < nb_rules; i++) {
		v = (uint32_t)(rng_next() % (nb_vips + 1));
		if (v == nb_vips)
			random_rule(&c->acl, &c->nb_acl, (uint16_t)(i + 1),
				    global_allow);
		else
			random_rule(&c->vips[v].policy.acl,
				    &c->vips[v].policy.nb_acl,
				    (uint16_t)(i + 1), v != 0);
	}
}

/* A source: half the time inside a random rule's prefix, else anywhere in
 * the test ranges. */
static void
random_src(struct sl_addr *a, const struct sl_acl_crule *r, uint32_t n)
{
	const struct sl_acl_crule *p;
	struct sl_addr h;
	unsigned int i;

	if (n == 0 || rng_next() & 1) {
		random_addr(a, rng_next() & 1, true);
		return;
	}
	p = &r[rng_next() % n];
	if (p->id == SL_ACL_RULE_DEFAULT) {
		/* 0/0: stay inside the test ranges */
		random_addr(a, p->src.family == AF_INET6, true);
		return;
	}
	*a = p->src;
	rng_fill(h.b, sizeof(h.b));
	for (i = p->plen; i < (p->src.family == AF_INET ? 32u : 128u); i++)
		a->b[i / 8] |= h.b[i / 8] & (0x80u >> (i % 8));
}

struct tally {
	uint32_t rule, dflt, none;
};

/* One burst of keys: rte_acl and the reference agree on every one. */
static void
check_burst(const struct sl_acl_crule *r, uint32_t n,
	    struct rte_acl_ctx *ctx, uint8_t family, uint16_t nb_vips,
	    struct tally *t)
{
	struct sl_acl_key4 k4[BURST];
	struct sl_acl_key6 k6[BURST];
	const uint8_t *keys[BURST];
	struct sl_addr src[BURST];
	uint16_t vip[BURST];
	uint32_t res[BURST], i;
	int want;

	memset(k4, 0, sizeof(k4));
	memset(k6, 0, sizeof(k6));
	for (i = 0; i < BURST; i++) {
		do
			random_src(&src[i], r, n);
		while (src[i].family != family);
		vip[i] = (uint16_t)(rng_next() % (nb_vips + 1u));
		k4[i].vip_be = k6[i].vip_be = rte_cpu_to_be_32(vip[i]);
		memcpy(&k4[i].src, src[i].b, 4);
		memcpy(k6[i].src, src[i].b, 16);
		keys[i] = family == AF_INET ? (const uint8_t *)&k4[i] :
					      (const uint8_t *)&k6[i];
		res[i] = 0xdeadbeef;
	}
	CU_ASSERT_EQUAL(sl_acl_classify(ctx, keys, res, BURST), 0);
	for (i = 0; i < BURST; i++) {
		want = sl_acl_ref_match(r, n, vip[i], &src[i]);
		CU_ASSERT_EQUAL(res[i], (uint32_t)(want + 1));
		if (want < 0)
			t->none++;
		else if (r[want].id == SL_ACL_RULE_DEFAULT)
			t->dflt++;
		else
			t->rule++;
	}
}

static void
random_round(uint32_t round, uint32_t nb_rules, bool global_allow,
	     struct tally *t)
{
	struct rte_acl_ctx *v4, *v6;
	struct sl_acl_crule *r;
	struct sl_config c;
	char err[256], tag[16];
	uint32_t n, b;

	random_config(&c, 5, nb_rules, global_allow);
	r = calloc(sl_acl_compile_count(&c) + 1, sizeof(*r));
	CU_ASSERT_FATAL(r != NULL);
	n = sl_acl_compile(&c, r, NULL);
	snprintf(tag, sizeof(tag), "rnd%u", round);
	CU_ASSERT_FATAL(sl_acl_build(r, n, tag, &v4, &v6, err,
				     sizeof(err)) == 0);
	CU_ASSERT_FATAL(v4 != NULL && v6 != NULL);
	for (b = 0; b < 60; b++) {
		check_burst(r, n, v4, AF_INET, 5, t);
		check_burst(r, n, v6, AF_INET6, 5, t);
	}
	sl_acl_free(v4);
	sl_acl_free(v6);
	free(r);
	sl_config_free(&c);
}

static void
test_random(void)
{
	struct tally t = { 0, 0, 0 };
	uint32_t round;

	rng_state = 0xac1dc0ffee;
	for (round = 0; round < 8; round++)
		random_round(round, 200 + 40 * round, round & 1, &t);
	/* Every outcome came up often. */
	CU_ASSERT(t.rule > 20000);
	CU_ASSERT(t.dflt > 3000);
	CU_ASSERT(t.none > 1000);
}

/* --- empty sets, one family --- */

static void
test_empty(void)
{
	struct rte_acl_ctx *v4 = (void *)1, *v6 = (void *)1;
	struct sl_acl_crule r[1];
	const uint8_t *keys[3];
	struct sl_acl_key6 k = { 0 };
	uint32_t res[3] = { 7, 7, 7 };
	char err[256];

	CU_ASSERT_EQUAL(sl_acl_build(NULL, 0, "empty", &v4, &v6, err,
				     sizeof(err)), 0);
	CU_ASSERT(v4 == NULL && v6 == NULL);
	keys[0] = keys[1] = keys[2] = (const uint8_t *)&k;
	CU_ASSERT_EQUAL(sl_acl_classify(NULL, keys, res, 3), 0);
	CU_ASSERT(res[0] == 0 && res[1] == 0 && res[2] == 0);
	sl_acl_free(NULL);

	r[0] = crule("198.18.0.0/15", SL_ACL_ANY_VIP, SL_ACL_DENY, 1);
	CU_ASSERT_EQUAL(sl_acl_build(r, 1, "only4", &v4, &v6, err,
				     sizeof(err)), 0);
	CU_ASSERT(v4 != NULL && v6 == NULL);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 3, "198.19.255.255"), 1);
	CU_ASSERT_EQUAL(classify_s(v4, v6, 3, "2001:db8::1"), 0);
	sl_acl_free(v4);
	CU_ASSERT(rte_acl_find_existing("sl4_only4") == NULL);
}

/* --- names --- */

static void
test_names(void)
{
	struct rte_acl_ctx *a4, *a6, *b4, *b6, *x4, *x6;
	struct sl_acl_crule r[2];
	char err[256];

	r[0] = crule("198.18.0.0/16", 0, SL_ACL_DENY, 5);
	r[1] = crule("2001:db8::/32", 0, SL_ACL_ALLOW, 5);
	CU_ASSERT_FATAL(sl_acl_build(r, 2, "same", &a4, &a6, err,
				     sizeof(err)) == 0);
	CU_ASSERT(rte_acl_find_existing("sl4_same") == a4);
	CU_ASSERT(rte_acl_find_existing("sl6_same") == a6);
	/* A second build under the same tag is refused, not handed the
	 * first one's contexts. */
	CU_ASSERT_EQUAL(sl_acl_build(r, 2, "same", &x4, &x6, err,
				     sizeof(err)), -EEXIST);
	CU_ASSERT(x4 == NULL && x6 == NULL);
	CU_ASSERT(strstr(err, "sl4_same") != NULL);
	/* Another tag coexists; both answer. */
	r[0].vip = 1;
	CU_ASSERT_FATAL(sl_acl_build(r, 2, "other", &b4, &b6, err,
				     sizeof(err)) == 0);
	CU_ASSERT(b4 != a4 && b6 != a6);
	CU_ASSERT_EQUAL(classify_s(a4, a6, 0, "198.18.3.4"), 1);
	CU_ASSERT_EQUAL(classify_s(a4, a6, 1, "198.18.3.4"), 0);
	CU_ASSERT_EQUAL(classify_s(b4, b6, 0, "198.18.3.4"), 0);
	CU_ASSERT_EQUAL(classify_s(b4, b6, 1, "198.18.3.4"), 1);
	CU_ASSERT_EQUAL(classify_s(b4, b6, 0, "2001:db8::3"), 2);
	/* Only the IPv6 name is taken: the IPv4 context built first is
	 * freed again. */
	sl_acl_free(a4);
	CU_ASSERT_EQUAL(sl_acl_build(r, 2, "same", &x4, &x6, err,
				     sizeof(err)), -EEXIST);
	CU_ASSERT(x4 == NULL && x6 == NULL);
	CU_ASSERT(rte_acl_find_existing("sl4_same") == NULL);
	/* Freed names can be used again. */
	sl_acl_free(a6);
	CU_ASSERT_FATAL(sl_acl_build(r, 2, "same", &x4, &x6, err,
				     sizeof(err)) == 0);
	CU_ASSERT_EQUAL(classify_s(x4, x6, 1, "198.18.3.4"), 1);
	sl_acl_free(x4);
	sl_acl_free(x6);
	sl_acl_free(b4);
	sl_acl_free(b6);
	CU_ASSERT_EQUAL(sl_acl_build(r, 2, "a_tag_of_21_characters", &x4, &x6,
				     err, sizeof(err)), -EINVAL);
}

/* --- rules rte_acl cannot take --- */

static void
test_bad_rules(void)
{
	struct rte_acl_ctx *v4, *v6;
	struct sl_acl_crule r[2];
	char err[256];

	r[0] = crule("198.18.0.0/16", 0, SL_ACL_DENY, 5);
	r[1] = r[0];
	r[1].plen = 33;
	CU_ASSERT_EQUAL(sl_acl_build(r, 2, "bad", &v4, &v6, err,
				     sizeof(err)), -EINVAL);
	CU_ASSERT(v4 == NULL && v6 == NULL);
	r[1] = r[0];
	r[1].src.family = 0;
	CU_ASSERT_EQUAL(sl_acl_build(r, 2, "bad", &v4, &v6, err,
				     sizeof(err)), -EINVAL);
	CU_ASSERT(rte_acl_find_existing("sl4_bad") == NULL);
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "hand_rules", test_hand_rules },
		{ "random", test_random },
		{ "empty", test_empty },
		{ "names", test_names },
		{ "bad_rules", test_bad_rules },
	};
	char prefix[64], rundir[256];
	/* No shared config: nothing for another process to attach to, and
	 * no files left behind but the runtime folder, removed below. */
	char *argv[] = { "test_acl_dpdk", "--no-pci", "--no-huge", "-m", "64",
			 "--no-shconf", "--no-telemetry", "--file-prefix",
			 prefix, "--log-level", "lib.eal:error", NULL };
	int rc;

	snprintf(prefix, sizeof(prefix), "sl_test_acl_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1,
			 argv) < 0) {
		fprintf(stderr, "test_acl_dpdk: EAL init failed\n");
		return 2;
	}
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rc = sl_test_run("acl_dpdk", tests, sizeof(tests) / sizeof(tests[0]));
	rte_eal_cleanup();
	rmdir(rundir);
	return rc;
}
