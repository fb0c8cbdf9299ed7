/* SPDX-License-Identifier: BSD-3-Clause
 * Access rules (sl_acl): the priority formula, compilation of a config
 * made by hand (no INI loader), and the reference matcher's meaning, each
 * against values written out here; then the matcher against a second,
 * independent reading of the rules on random prefixes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "sl_test.h"

#include "sl_acl.h"

/* --- a config made by hand --- */

static void
cfg_new(struct sl_config *c, uint32_t nb_vips)
{
	uint32_t i;

	sl_config_init(c);
	c->vips = calloc(nb_vips ? nb_vips : 1, sizeof(*c->vips));
	CU_ASSERT_FATAL(c->vips != NULL);
	c->nb_vips = nb_vips;
	c->cap_vips = nb_vips;
	for (i = 0; i < nb_vips; i++)
		sl_vip_policy_init(&c->vips[i].policy);
}

static void
rule_add(struct sl_acl_rule **arr, uint32_t *n, const char *prefix,
	 uint8_t action, uint16_t id)
{
	struct sl_acl_rule *r;

	*arr = realloc(*arr, (*n + 1) * sizeof(**arr));
	CU_ASSERT_FATAL(*arr != NULL);
	r = &(*arr)[(*n)++];
	memset(r, 0, sizeof(*r));
	CU_ASSERT_FATAL(sl_prefix_parse(prefix, &r->src, &r->plen, true) == 0);
	r->action = action;
	r->id = id;
}

static void
global_add(struct sl_config *c, const char *prefix, uint8_t action,
	   uint16_t id)
{
	rule_add(&c->acl, &c->nb_acl, prefix, action, id);
}

static void
vip_add(struct sl_config *c, uint32_t vip, const char *prefix,
	uint8_t action, uint16_t id)
{
	rule_add(&c->vips[vip].policy.acl, &c->vips[vip].policy.nb_acl, prefix,
		 action, id);
}

static struct sl_acl_crule *
compile(const struct sl_config *c, uint32_t *n, uint8_t *has_acl)
{
	uint32_t count = sl_acl_compile_count(c);
	struct sl_acl_crule *r = calloc(count ? count : 1, sizeof(*r));

	CU_ASSERT_FATAL(r != NULL);
	*n = sl_acl_compile(c, r, has_acl);
	CU_ASSERT_EQUAL(*n, count);
	return r;
}

static struct sl_addr
addr(const char *s)
{
	struct sl_addr a;

	CU_ASSERT_FATAL(sl_addr_parse(s, &a) == 0);
	return a;
}

/* The rule deciding for src to vip, as (id, action), or -1 for none. */
static int
decide(const struct sl_acl_crule *r, uint32_t n, uint16_t vip,
       const char *src, uint16_t *id, uint8_t *action)
{
	struct sl_addr a = addr(src);
	int i = sl_acl_ref_match(r, n, vip, &a);

	if (i >= 0) {
		CU_ASSERT_FATAL((uint32_t)i < n);
		*id = r[i].id;
		*action = r[i].action;
	}
	return i;
}

#define CHECK_RULE(r, n, vip, src, want_id, want_action) do {		\
	uint16_t id_ = 0xbeef;						\
	uint8_t act_ = 0xee;						\
	CU_ASSERT(decide(r, n, vip, src, &id_, &act_) >= 0);		\
	CU_ASSERT_EQUAL(id_, want_id);					\
	CU_ASSERT_EQUAL(act_, want_action);				\
} while (0)

#define CHECK_NONE(r, n, vip, src) do {					\
	uint16_t id_;							\
	uint8_t act_;							\
	CU_ASSERT_EQUAL(decide(r, n, vip, src, &id_, &act_), -1);	\
} while (0)

/* --- priority --- */

static void
test_priority(void)
{
	uint32_t i, prev = 0;

	CU_ASSERT_EQUAL(sl_acl_priority(0, 0, SL_ACL_ALLOW), 1);
	CU_ASSERT_EQUAL(sl_acl_priority(0, 0, SL_ACL_DENY), 2);
	CU_ASSERT_EQUAL(sl_acl_priority(0, 1, SL_ACL_ALLOW), 3);
	CU_ASSERT_EQUAL(sl_acl_priority(0, 1, SL_ACL_DENY), 4);
	CU_ASSERT_EQUAL(sl_acl_priority(24, 0, SL_ACL_ALLOW), 97);
	CU_ASSERT_EQUAL(sl_acl_priority(32, 1, SL_ACL_DENY), 132);
	CU_ASSERT_EQUAL(sl_acl_priority(128, 0, SL_ACL_ALLOW), 513);
	CU_ASSERT_EQUAL(sl_acl_priority(128, 1, SL_ACL_DENY), 516);
	/* Any non-zero vip_rule counts as a VIP rule. */
	CU_ASSERT_EQUAL(sl_acl_priority(8, 7, SL_ACL_ALLOW), 35);
	/* i = (plen, VIP rule, deny) read as one number: the priorities
	 * rise strictly with it, so the order is lexicographic and every
	 * value distinct and above the default deny's 0. */
	for (i = 0; i < 129 * 4; i++) {
		uint32_t p = sl_acl_priority((uint8_t)(i / 4), (i / 2) & 1,
					     (uint8_t)(i & 1));

		CU_ASSERT(p > prev);
		prev = p;
	}
}

/* --- compilation --- */

static void
check_crule(const struct sl_acl_crule *r, const char *prefix, uint8_t plen,
	    uint8_t action, uint16_t id, uint16_t vip, uint32_t priority)
{
	struct sl_addr a = addr(prefix);

	CU_ASSERT(memcmp(&r->src, &a, sizeof(a)) == 0);
	CU_ASSERT_EQUAL(r->plen, plen);
	CU_ASSERT_EQUAL(r->action, action);
	CU_ASSERT_EQUAL(r->id, id);
	CU_ASSERT_EQUAL(r->vip, vip);
	CU_ASSERT_EQUAL(r->priority, priority);
}

/* Global deny only; VIP 1 has an allow (gets the default denies), VIP 2
 * only a deny (does not), VIP 0 nothing of its own. */
static void
test_compile(void)
{
	struct sl_config c;
	struct sl_acl_crule *r;
	uint8_t has[3] = { 7, 7, 7 };
	uint32_t n;

	cfg_new(&c, 3);
	global_add(&c, "198.18.5.0/24", SL_ACL_DENY, 2);
	vip_add(&c, 1, "198.18.1.0/24", SL_ACL_ALLOW, 3);
	vip_add(&c, 1, "2001:db8:1::/48", SL_ACL_DENY, 4);
	vip_add(&c, 2, "198.19.0.0/16", SL_ACL_DENY, 5);
	CU_ASSERT_EQUAL(sl_acl_compile_count(&c), 6);
	r = compile(&c, &n, has);
	CU_ASSERT_FATAL(n == 6);
	check_crule(&r[0], "198.18.5.0", 24, SL_ACL_DENY, 2, SL_ACL_ANY_VIP,
		    98);
	check_crule(&r[1], "198.18.1.0", 24, SL_ACL_ALLOW, 3, 1, 99);
	check_crule(&r[2], "2001:db8:1::", 48, SL_ACL_DENY, 4, 1, 196);
	check_crule(&r[3], "0.0.0.0", 0, SL_ACL_DENY, SL_ACL_RULE_DEFAULT, 1,
		    0);
	check_crule(&r[4], "::", 0, SL_ACL_DENY, SL_ACL_RULE_DEFAULT, 1, 0);
	check_crule(&r[5], "198.19.0.0", 16, SL_ACL_DENY, 5, 2, 68);
	/* A global rule applies to every VIP. */
	CU_ASSERT_EQUAL(has[0], 1);
	CU_ASSERT_EQUAL(has[1], 1);
	CU_ASSERT_EQUAL(has[2], 1);
	/* has_acl is optional. */
	memset(r, 0xa5, n * sizeof(*r));
	CU_ASSERT_EQUAL(sl_acl_compile(&c, r, NULL), 6);
	CU_ASSERT_EQUAL(r[5].priority, 68);
	free(r);
	sl_config_free(&c);
}

/* No global rules: has_acl only where a VIP has its own. */
static void
test_compile_vip_only(void)
{
	struct sl_config c;
	struct sl_acl_crule *r;
	uint8_t has[3] = { 7, 7, 7 };
	uint32_t n;

	cfg_new(&c, 3);
	vip_add(&c, 2, "2001:db8:7::/64", SL_ACL_DENY, 9);
	r = compile(&c, &n, has);
	CU_ASSERT_FATAL(n == 1);
	check_crule(&r[0], "2001:db8:7::", 64, SL_ACL_DENY, 9, 2,
		    1 + 256 + 2 + 1);
	CU_ASSERT_EQUAL(has[0], 0);
	CU_ASSERT_EQUAL(has[1], 0);
	CU_ASSERT_EQUAL(has[2], 1);
	free(r);
	sl_config_free(&c);
}

/* A global allow: every VIP gets the default denies, in VIP order after
 * its own rules. Host bits given in the config are cleared. */
static void
test_compile_global_allow(void)
{
	struct sl_config c;
	struct sl_acl_crule *r;
	uint8_t has[2];
	uint32_t n;

	cfg_new(&c, 2);
	global_add(&c, "198.18.9.77/20", SL_ACL_ALLOW, 1);
	global_add(&c, "2001:db8:ff:ffff::1/47", SL_ACL_ALLOW, 6);
	vip_add(&c, 1, "198.18.3.3/32", SL_ACL_DENY, 8);
	r = compile(&c, &n, has);
	CU_ASSERT_FATAL(n == 2 + 2 + 1 + 2);
	check_crule(&r[0], "198.18.0.0", 20, SL_ACL_ALLOW, 1, SL_ACL_ANY_VIP,
		    81);
	check_crule(&r[1], "2001:db8:fe::", 47, SL_ACL_ALLOW, 6,
		    SL_ACL_ANY_VIP, 189);
	check_crule(&r[2], "0.0.0.0", 0, SL_ACL_DENY, 0, 0, 0);
	check_crule(&r[3], "::", 0, SL_ACL_DENY, 0, 0, 0);
	check_crule(&r[4], "198.18.3.3", 32, SL_ACL_DENY, 8, 1, 132);
	check_crule(&r[5], "0.0.0.0", 0, SL_ACL_DENY, 0, 1, 0);
	check_crule(&r[6], "::", 0, SL_ACL_DENY, 0, 1, 0);
	CU_ASSERT(has[0] == 1 && has[1] == 1);
	free(r);
	sl_config_free(&c);
}

static void
test_compile_empty(void)
{
	struct sl_config c;
	uint8_t has[2] = { 7, 7 };
	struct sl_acl_crule dummy;

	cfg_new(&c, 2);
	CU_ASSERT_EQUAL(sl_acl_compile_count(&c), 0);
	CU_ASSERT_EQUAL(sl_acl_compile(&c, &dummy, has), 0);
	CU_ASSERT(has[0] == 0 && has[1] == 0);
	sl_config_free(&c);
	/* Global rules with no VIP: compiled once, nothing else. */
	cfg_new(&c, 0);
	global_add(&c, "198.18.0.0/15", SL_ACL_ALLOW, 1);
	CU_ASSERT_EQUAL(sl_acl_compile_count(&c), 1);
	sl_config_free(&c);
}

/* --- the reference matcher --- */

static void
test_match_longest_prefix(void)
{
	struct sl_config c;
	struct sl_acl_crule *r;
	uint32_t n;

	cfg_new(&c, 2);
	global_add(&c, "198.18.0.0/16", SL_ACL_ALLOW, 1);
	global_add(&c, "198.18.7.0/24", SL_ACL_DENY, 2);
	vip_add(&c, 0, "198.18.7.128/25", SL_ACL_ALLOW, 3);
	vip_add(&c, 0, "198.18.7.200/32", SL_ACL_DENY, 4);
	global_add(&c, "198.18.7.201/32", SL_ACL_ALLOW, 5);
	r = compile(&c, &n, NULL);
	CHECK_RULE(r, n, 0, "198.18.7.201", 5, SL_ACL_ALLOW);
	CHECK_RULE(r, n, 0, "198.18.7.200", 4, SL_ACL_DENY);
	CHECK_RULE(r, n, 0, "198.18.7.199", 3, SL_ACL_ALLOW);
	CHECK_RULE(r, n, 0, "198.18.7.127", 2, SL_ACL_DENY);
	CHECK_RULE(r, n, 0, "198.18.8.1", 1, SL_ACL_ALLOW);
	/* Outside every rule, with an allow around: the default deny. */
	CHECK_RULE(r, n, 0, "198.19.0.1", SL_ACL_RULE_DEFAULT, SL_ACL_DENY);
	CHECK_RULE(r, n, 0, "2001:db8::1", SL_ACL_RULE_DEFAULT, SL_ACL_DENY);
	/* VIP 0's own rules are not VIP 1's. */
	CHECK_RULE(r, n, 1, "198.18.7.200", 2, SL_ACL_DENY);
	CHECK_RULE(r, n, 1, "198.18.7.199", 2, SL_ACL_DENY);
	CHECK_RULE(r, n, 1, "198.18.7.201", 5, SL_ACL_ALLOW);
	free(r);
	sl_config_free(&c);
}

static void
test_match_vip_beats_global(void)
{
	struct sl_config c;
	struct sl_acl_crule *r;
	uint32_t n;

	cfg_new(&c, 2);
	global_add(&c, "198.18.1.0/24", SL_ACL_DENY, 1);
	vip_add(&c, 0, "198.18.1.0/24", SL_ACL_ALLOW, 2);
	global_add(&c, "2001:db8:2::/64", SL_ACL_ALLOW, 3);
	vip_add(&c, 0, "2001:db8:2::/64", SL_ACL_DENY, 4);
	r = compile(&c, &n, NULL);
	CHECK_RULE(r, n, 0, "198.18.1.1", 2, SL_ACL_ALLOW);
	CHECK_RULE(r, n, 1, "198.18.1.1", 1, SL_ACL_DENY);
	CHECK_RULE(r, n, 0, "2001:db8:2::99", 4, SL_ACL_DENY);
	CHECK_RULE(r, n, 1, "2001:db8:2::99", 3, SL_ACL_ALLOW);
	/* But a longer global prefix beats a shorter VIP one. */
	free(r);
	global_add(&c, "198.18.1.64/26", SL_ACL_DENY, 5);
	r = compile(&c, &n, NULL);
	CHECK_RULE(r, n, 0, "198.18.1.65", 5, SL_ACL_DENY);
	CHECK_RULE(r, n, 0, "198.18.1.1", 2, SL_ACL_ALLOW);
	free(r);
	sl_config_free(&c);
}

static void
test_match_deny_beats_allow(void)
{
	struct sl_config c;
	struct sl_acl_crule *r;
	uint32_t n;

	cfg_new(&c, 1);
	vip_add(&c, 0, "198.18.4.0/24", SL_ACL_ALLOW, 1);
	vip_add(&c, 0, "198.18.4.0/24", SL_ACL_DENY, 2);
	global_add(&c, "198.18.6.0/23", SL_ACL_DENY, 3);
	global_add(&c, "198.18.6.0/23", SL_ACL_ALLOW, 4);
	global_add(&c, "2001:db8:5::/48", SL_ACL_ALLOW, 5);
	vip_add(&c, 0, "2001:db8:5::/48", SL_ACL_ALLOW, 6);
	vip_add(&c, 0, "2001:db8:5::/48", SL_ACL_DENY, 7);
	r = compile(&c, &n, NULL);
	CHECK_RULE(r, n, 0, "198.18.4.4", 2, SL_ACL_DENY);
	CHECK_RULE(r, n, 0, "198.18.7.255", 3, SL_ACL_DENY);
	CHECK_RULE(r, n, 0, "2001:db8:5:1::1", 7, SL_ACL_DENY);
	CHECK_RULE(r, n, 0, "2001:db8:6::1", 0, SL_ACL_DENY);
	free(r);
	sl_config_free(&c);
}

/* Without an allow rule nothing decides outside the deny rules. */
static void
test_match_no_allow(void)
{
	struct sl_config c;
	struct sl_acl_crule *r;
	uint32_t n;

	cfg_new(&c, 2);
	global_add(&c, "198.18.10.0/24", SL_ACL_DENY, 1);
	vip_add(&c, 1, "2001:db8:a::/48", SL_ACL_DENY, 2);
	vip_add(&c, 0, "198.18.11.0/24", SL_ACL_ALLOW, 3);
	r = compile(&c, &n, NULL);
	CHECK_RULE(r, n, 1, "198.18.10.1", 1, SL_ACL_DENY);
	CHECK_NONE(r, n, 1, "198.18.11.1");
	CHECK_NONE(r, n, 1, "198.19.0.1");
	CHECK_RULE(r, n, 1, "2001:db8:a::1", 2, SL_ACL_DENY);
	CHECK_NONE(r, n, 1, "2001:db8:b::1");
	/* VIP 0 has an allow: default deny for both families. */
	CHECK_RULE(r, n, 0, "198.18.11.1", 3, SL_ACL_ALLOW);
	CHECK_RULE(r, n, 0, "198.18.12.1", 0, SL_ACL_DENY);
	CHECK_RULE(r, n, 0, "2001:db8:a::1", 0, SL_ACL_DENY);
	/* A VIP index that has no rules of its own, and no rules at all. */
	CHECK_RULE(r, n, 7, "198.18.10.1", 1, SL_ACL_DENY);
	CHECK_NONE(r, n, 7, "198.18.11.1");
	CHECK_NONE(r, 0, 0, "198.18.11.1");
	free(r);
	sl_config_free(&c);
}

/* An IPv4 rule never matches an IPv6 source, 0/0 included. */
static void
test_match_family(void)
{
	struct sl_config c;
	struct sl_acl_crule *r;
	uint32_t n;

	cfg_new(&c, 1);
	global_add(&c, "0.0.0.0/0", SL_ACL_DENY, 1);
	global_add(&c, "2001:db8::/32", SL_ACL_DENY, 2);
	r = compile(&c, &n, NULL);
	CHECK_RULE(r, n, 0, "198.18.0.1", 1, SL_ACL_DENY);
	CHECK_RULE(r, n, 0, "2001:db8::1", 2, SL_ACL_DENY);
	CHECK_NONE(r, n, 0, "2001:db9::1");
	free(r);
	sl_config_free(&c);
}

/* --- the matcher against an independent reading, random rules --- */

static bool
bit(const struct sl_addr *a, unsigned int i)
{
	return (a->b[i / 8] >> (7 - i % 8)) & 1;
}

/* Bit by bit, straight from the definition of a prefix. */
static bool
contains(const struct sl_acl_crule *r, const struct sl_addr *a)
{
	unsigned int i;

	if (r->src.family != a->family)
		return false;
	for (i = 0; i < r->plen; i++)
		if (bit(&r->src, i) != bit(a, i))
			return false;
	return true;
}

/* The header's sentence, step by step: longest prefix, then VIP over
 * global, then deny over allow; -1 when nothing contains src. */
static int
semantic_match(const struct sl_acl_crule *r, uint32_t n, uint16_t vip,
	       const struct sl_addr *src)
{
	int best = -1, plen = -1, scope = -1, deny = -1;
	uint32_t i;

	for (i = 0; i < n; i++) {
		int p = r[i].plen, s = r[i].vip != SL_ACL_ANY_VIP,
		    d = r[i].action == SL_ACL_DENY;

		if ((r[i].vip != vip && s) || !contains(&r[i], src))
			continue;
		if (r[i].id == SL_ACL_RULE_DEFAULT)
			p = -1, s = -1, d = -1;	/* below everything */
		if (best >= 0 && (p < plen || (p == plen && (s < scope ||
		    (s == scope && d <= deny)))))
			continue;
		best = (int)i, plen = p, scope = s, deny = d;
	}
	return best;
}

static void
random_prefix(char *buf, size_t len, bool v6)
{
	uint32_t x = (uint32_t)rng_next();

	if (!v6) {
		/* 198.18.0.0/15, lengths 15..32, few enough to overlap */
		snprintf(buf, len, "198.%u.%u.%u/%u", 18 + (x & 1),
			 (x >> 1) & 3, (x >> 3) & 0xff,
			 15 + (unsigned int)(rng_next() % 18));
	} else {
		snprintf(buf, len, "2001:db8:%x:%x::%x/%u", x & 3,
			 (x >> 2) & 1, (x >> 3) & 0xff,
			 32 + (unsigned int)(rng_next() % 97));
	}
}

static void
random_src(struct sl_addr *a, bool v6)
{
	if (!v6) {
		*a = addr("198.18.0.0");
		a->b[1] = (uint8_t)(18 + (rng_next() & 1));
		a->b[2] = (uint8_t)(rng_next() & 3);
		a->b[3] = (uint8_t)rng_next();
	} else {
		*a = addr("2001:db8::");
		a->b[5] = (uint8_t)(rng_next() & 3);
		a->b[7] = (uint8_t)(rng_next() & 1);
		a->b[15] = (uint8_t)rng_next();
		if (rng_next() % 4 == 0)
			rng_fill(&a->b[8], 8);
	}
}

static void
random_config(struct sl_config *c, uint32_t nb_vips, uint32_t nb_rules)
{
	char buf[64];
	uint32_t i, v;

	cfg_new(c, nb_vips);
	for (i = 0; i < nb_rules; i++) {
		bool v6 = rng_next() & 1;
		uint8_t action = (uint8_t)(rng_next() % 3 == 0);

		/* Host bits are left set: the compiler clears them. */
		random_prefix(buf, sizeof(buf), v6);
		v = (uint32_t)(rng_next() % (nb_vips + 1));
		if (v == nb_vips)
			global_add(c, buf, action, (uint16_t)(i + 1));
		else
			vip_add(c, v, buf, action, (uint16_t)(i + 1));
	}
}

/* Turns the global rules and VIP vip's into denies: no default deny. */
static void
deny_only(struct sl_config *c, uint32_t vip)
{
	uint32_t i;

	for (i = 0; i < c->nb_acl; i++)
		c->acl[i].action = SL_ACL_DENY;
	for (i = 0; i < c->vips[vip].policy.nb_acl; i++)
		c->vips[vip].policy.acl[i].action = SL_ACL_DENY;
}

static void
test_match_random(void)
{
	struct sl_config c;
	struct sl_acl_crule *r;
	struct sl_addr a;
	uint32_t n, round, k, decided = 0, none = 0, defaults = 0;

	rng_state = 0x5eed0ac1ULL;
	for (round = 0; round < 20; round++) {
		random_config(&c, 3, 40 + round * 10);
		if (round & 1)
			deny_only(&c, 2);
		r = compile(&c, &n, NULL);
		for (k = 0; k < 2000; k++) {
			uint16_t vip = (uint16_t)(rng_next() % 4);
			int got, want;

			random_src(&a, rng_next() & 1);
			got = sl_acl_ref_match(r, n, vip, &a);
			want = semantic_match(r, n, vip, &a);
			CU_ASSERT_EQUAL(got, want);
			if (got < 0)
				none++;
			else if (r[got].id == SL_ACL_RULE_DEFAULT)
				defaults++;
			else
				decided++;
		}
		free(r);
		sl_config_free(&c);
	}
	/* The draws exercised every outcome. */
	CU_ASSERT(decided > 1000);
	CU_ASSERT(defaults > 100);
	CU_ASSERT(none > 100);
}

/* --- rule ids across config changes --- */

static void
test_ids_carry(void)
{
	static uint8_t fresh[SL_MAX_ACL_RULES];
	struct sl_config cur, next;

	cfg_new(&cur, 2);
	snprintf(cur.vips[0].name, sizeof(cur.vips[0].name), "a");
	snprintf(cur.vips[1].name, sizeof(cur.vips[1].name), "b");
	global_add(&cur, "198.18.0.0/24", SL_ACL_DENY, 1);
	vip_add(&cur, 0, "198.18.1.0/24", SL_ACL_DENY, 2);
	vip_add(&cur, 0, "2001:db8::/64", SL_ACL_ALLOW, 3);
	vip_add(&cur, 1, "198.18.1.0/24", SL_ACL_DENY, 4);

	/* the reloaded file: numbered from scratch, in another order, one
	 * rule gone (a's allow), one changed action (b's), one new (a's) */
	cfg_new(&next, 2);
	snprintf(next.vips[0].name, sizeof(next.vips[0].name), "b");
	snprintf(next.vips[1].name, sizeof(next.vips[1].name), "a");
	vip_add(&next, 0, "198.18.1.0/24", SL_ACL_ALLOW, 1);	/* b */
	vip_add(&next, 1, "198.18.2.0/24", SL_ACL_DENY, 2);	/* a, new */
	vip_add(&next, 1, "198.18.1.0/24", SL_ACL_DENY, 3);	/* a, kept */
	global_add(&next, "198.18.0.0/24", SL_ACL_DENY, 4);	/* kept */
	memset(fresh, 0, sizeof(fresh));
	CU_ASSERT_EQUAL(sl_acl_ids_carry(&next, &cur, fresh), 0);
	CU_ASSERT_EQUAL(next.acl[0].id, 1);			/* kept */
	CU_ASSERT_EQUAL(next.vips[1].policy.acl[1].id, 2);	/* kept */
	/* new rules take the lowest ids free in next: 3 (a's allow is
	 * gone), then 4 (b's rule changed: a new rule) */
	CU_ASSERT_EQUAL(next.vips[0].policy.acl[0].id, 3);
	CU_ASSERT_EQUAL(next.vips[1].policy.acl[0].id, 4);
	CU_ASSERT(!fresh[1] && !fresh[2] && fresh[3] && fresh[4]);
	CU_ASSERT(!fresh[0] && !fresh[5]);

	/* the same config again, numbered from scratch: nothing moves,
	 * nothing fresh */
	sl_config_free(&next);
	cfg_new(&next, 2);
	snprintf(next.vips[0].name, sizeof(next.vips[0].name), "a");
	snprintf(next.vips[1].name, sizeof(next.vips[1].name), "b");
	global_add(&next, "198.18.0.0/24", SL_ACL_DENY, 4);
	vip_add(&next, 0, "198.18.1.0/24", SL_ACL_DENY, 3);
	vip_add(&next, 0, "2001:db8::/64", SL_ACL_ALLOW, 2);
	vip_add(&next, 1, "198.18.1.0/24", SL_ACL_DENY, 1);
	memset(fresh, 0, sizeof(fresh));
	CU_ASSERT_EQUAL(sl_acl_ids_carry(&next, &cur, fresh), 0);
	CU_ASSERT_EQUAL(next.acl[0].id, 1);
	CU_ASSERT_EQUAL(next.vips[0].policy.acl[0].id, 2);
	CU_ASSERT_EQUAL(next.vips[0].policy.acl[1].id, 3);
	CU_ASSERT_EQUAL(next.vips[1].policy.acl[0].id, 4);
	CU_ASSERT_EQUAL(memchr(fresh, 1, sizeof(fresh)), NULL);
	sl_config_free(&cur);
	sl_config_free(&next);
}

static void
test_ids_full(void)
{
	static uint8_t fresh[SL_MAX_ACL_RULES];
	struct sl_config cur, next;
	char p[32];
	uint32_t i;

	cfg_new(&cur, 0);
	cfg_new(&next, 0);
	for (i = 0; i < SL_MAX_ACL_RULES; i++) {	/* one too many */
		snprintf(p, sizeof(p), "198.18.%u.%u/32", i / 256, i % 256);
		global_add(&next, p, SL_ACL_DENY, 0);
	}
	memset(fresh, 0, sizeof(fresh));
	CU_ASSERT_EQUAL(sl_acl_ids_carry(&next, &cur, fresh), -ENOSPC);
	next.nb_acl--;
	memset(fresh, 0, sizeof(fresh));
	CU_ASSERT_EQUAL(sl_acl_ids_carry(&next, &cur, fresh), 0);
	CU_ASSERT_EQUAL(next.acl[SL_MAX_ACL_RULES - 2].id,
			SL_MAX_ACL_RULES - 1);
	sl_config_free(&cur);
	sl_config_free(&next);
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "priority", test_priority },
		{ "compile", test_compile },
		{ "compile_vip_only", test_compile_vip_only },
		{ "compile_global_allow", test_compile_global_allow },
		{ "compile_empty", test_compile_empty },
		{ "match_longest_prefix", test_match_longest_prefix },
		{ "match_vip_beats_global", test_match_vip_beats_global },
		{ "match_deny_beats_allow", test_match_deny_beats_allow },
		{ "match_no_allow", test_match_no_allow },
		{ "match_family", test_match_family },
		{ "match_random", test_match_random },
		{ "ids_carry", test_ids_carry },
		{ "ids_full", test_ids_full },
	};

	return sl_test_run("acl", tests, sizeof(tests) / sizeof(tests[0]));
}
