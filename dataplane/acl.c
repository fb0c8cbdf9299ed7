/* SPDX-License-Identifier: BSD-3-Clause
 * The access-rule classifier on DPDK's rte_acl: one context per address
 * family, keyed by (zero byte, VIP index, source address).
 *
 * rte_acl takes rule values in host order and reads the search keys in
 * network order (the programmer's guide, "Rule definition"): the keys hold
 * the packet's address as it is and the VIP index converted with
 * rte_cpu_to_be_32(); the rules hold both in host order.
 *
 * The contexts live in rte_malloc memory (context, rules, run-time tries)
 * and hold no function pointers, only an index into the classify function
 * table of whichever process searches: one process may build them and
 * another search and free them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "acl.h"
#include "sl_policy.h"

#define SL_ACL_TAG_MAX	20
#define SL_ACL_V4_FIELDS 3	/* zero, vip, src */
#define SL_ACL_V6_FIELDS 6	/* zero, vip, src[0..3] */

RTE_ACL_RULE_DEF(sl_acl_rule4, SL_ACL_V4_FIELDS);
RTE_ACL_RULE_DEF(sl_acl_rule6, SL_ACL_V6_FIELDS);

/* Field 0: the fixed zero byte; 1: the VIP index; 2..: source words. */
static void
fields_def(struct rte_acl_config *cfg, uint32_t src_off, uint32_t nb_words)
{
	struct rte_acl_field_def *d = cfg->defs;
	uint32_t k;

	memset(cfg, 0, sizeof(*cfg));
	cfg->num_categories = 1;
	cfg->num_fields = 2 + nb_words;
	d[0].type = RTE_ACL_FIELD_TYPE_BITMASK;
	d[0].size = sizeof(uint8_t);
	d[0].field_index = 0;
	d[0].input_index = 0;
	d[0].offset = offsetof(struct sl_acl_key4, zero);
	d[1].type = RTE_ACL_FIELD_TYPE_MASK;
	d[1].size = sizeof(uint32_t);
	d[1].field_index = 1;
	d[1].input_index = 1;
	d[1].offset = offsetof(struct sl_acl_key4, vip_be);
	for (k = 0; k < nb_words; k++) {
		d[2 + k].type = RTE_ACL_FIELD_TYPE_MASK;
		d[2 + k].size = sizeof(uint32_t);
		d[2 + k].field_index = (uint8_t)(2 + k);
		d[2 + k].input_index = (uint8_t)(2 + k);
		d[2 + k].offset = src_off + 4 * k;
	}
}

/* The rule fields common to both families: data, zero byte (any), VIP
 * (exact, or any for a global rule) and the source words, each with the
 * part of the prefix length that falls in it. f points to nb_words + 2
 * fields. */
static void
rule_fill(struct rte_acl_rule_data *data, struct rte_acl_field *f,
	  const struct sl_acl_crule *r, uint32_t idx, uint32_t nb_words)
{
	uint32_t k;
	int left;

	data->category_mask = 1;
	/* rte_acl priorities start at 1; the default deny has 0. */
	data->priority = (int32_t)(r->priority + RTE_ACL_MIN_PRIORITY);
	data->userdata = idx + 1;
	f[0].value.u8 = 0;
	f[0].mask_range.u8 = 0;
	if (r->vip == SL_ACL_ANY_VIP) {
		f[1].value.u32 = 0;
		f[1].mask_range.u32 = 0;
	} else {
		f[1].value.u32 = r->vip;
		f[1].mask_range.u32 = 32;
	}
	for (k = 0; k < nb_words; k++) {
		left = (int)r->plen - 32 * (int)k;
		f[2 + k].value.u32 = rte_be_to_cpu_32(r->src.w[k]);
		f[2 + k].mask_range.u32 = left <= 0 ? 0 : left >= 32 ? 32 :
					  (uint32_t)left;
	}
}

static int
rule_check(const struct sl_acl_crule *r, uint32_t idx, char *err,
	   size_t errlen)
{
	unsigned int bits = r->src.family == AF_INET ? 32 : 128;

	if (r->plen > bits) {
		snprintf(err, errlen, "access rule %u: prefix length %u",
			 idx, r->plen);
		return -EINVAL;
	}
	if (r->priority >= (uint32_t)RTE_ACL_MAX_PRIORITY) {
		snprintf(err, errlen, "access rule %u: priority %u", idx,
			 r->priority);
		return -EINVAL;
	}
	return 0;
}

static int
rule_add(struct rte_acl_ctx *ctx, const struct sl_acl_crule *r,
	 uint32_t idx)
{
	struct sl_acl_rule4 r4;
	struct sl_acl_rule6 r6;

	if (r->src.family == AF_INET) {
		memset(&r4, 0, sizeof(r4));
		rule_fill(&r4.data, r4.field, r, idx, 1);
		return rte_acl_add_rules(ctx, (const struct rte_acl_rule *)&r4,
					 1);
	}
	memset(&r6, 0, sizeof(r6));
	rule_fill(&r6.data, r6.field, r, idx, 4);
	return rte_acl_add_rules(ctx, (const struct rte_acl_rule *)&r6, 1);
}

static struct rte_acl_ctx *
ctx_create(const char *name, uint8_t family, uint32_t nb_rules, char *err,
	   size_t errlen)
{
	struct rte_acl_param prm = {
		.name = name,
		.socket_id = SOCKET_ID_ANY,
		.rule_size = family == AF_INET ?
			RTE_ACL_RULE_SZ(SL_ACL_V4_FIELDS) :
			RTE_ACL_RULE_SZ(SL_ACL_V6_FIELDS),
		.max_rule_num = nb_rules,
	};
	struct rte_acl_ctx *ctx;

	/* rte_acl_create() hands back an existing context of that name:
	 * it would be someone else's (an older snapshot's). */
	if (rte_acl_find_existing(name) != NULL) {
		snprintf(err, errlen, "access rules: context %s exists", name);
		rte_errno = EEXIST;
		return NULL;
	}
	ctx = rte_acl_create(&prm);
	if (ctx == NULL)
		snprintf(err, errlen, "access rules: context %s: %s", name,
			 rte_strerror(rte_errno));
	return ctx;
}

static int
fill_and_build(struct rte_acl_ctx *ctx, const struct sl_acl_crule *r,
	       uint32_t n, uint8_t family, char *err, size_t errlen)
{
	struct rte_acl_config cfg;
	uint32_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (r[i].src.family != family)
			continue;
		rc = rule_add(ctx, &r[i], i);
		if (rc < 0) {
			snprintf(err, errlen, "access rule %u: rte_acl: %s",
				 i, strerror(-rc));
			return rc;
		}
	}
	if (family == AF_INET)
		fields_def(&cfg, offsetof(struct sl_acl_key4, src), 1);
	else
		fields_def(&cfg, offsetof(struct sl_acl_key6, src), 4);
	rc = rte_acl_build(ctx, &cfg);
	if (rc < 0)
		snprintf(err, errlen, "access rules: rte_acl_build: %s",
			 strerror(-rc));
	return rc;
}

/* The context of r's rules of one family; *out NULL when there is none. */
static int
build_family(const struct sl_acl_crule *r, uint32_t n, uint8_t family,
	     const char *name, struct rte_acl_ctx **out, char *err,
	     size_t errlen)
{
	struct rte_acl_ctx *ctx;
	uint32_t i, count = 0;
	int rc;

	*out = NULL;
	for (i = 0; i < n; i++)
		if (r[i].src.family == family)
			count++;
	if (count == 0)
		return 0;
	ctx = ctx_create(name, family, count, err, errlen);
	if (ctx == NULL)
		return -rte_errno;
	rc = fill_and_build(ctx, r, n, family, err, errlen);
	if (rc < 0) {
		rte_acl_free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

static int
rules_check(const struct sl_acl_crule *r, uint32_t n, char *err,
	    size_t errlen)
{
	uint32_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (r[i].src.family != AF_INET && r[i].src.family != AF_INET6) {
			snprintf(err, errlen, "access rule %u: no address "
				 "family", i);
			return -EINVAL;
		}
		rc = rule_check(&r[i], i, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
sl_acl_build(const struct sl_acl_crule *r, uint32_t n, const char *tag,
	     struct rte_acl_ctx **v4, struct rte_acl_ctx **v6,
	     char *err, size_t errlen)
{
	char name[RTE_ACL_NAMESIZE];
	int rc;

	*v4 = NULL;
	*v6 = NULL;
	if (tag == NULL || strlen(tag) > SL_ACL_TAG_MAX) {
		snprintf(err, errlen, "access rules: bad context tag");
		return -EINVAL;
	}
	rc = rules_check(r, n, err, errlen);
	if (rc < 0)
		return rc;
	snprintf(name, sizeof(name), "sl4_%s", tag);
	rc = build_family(r, n, AF_INET, name, v4, err, errlen);
	if (rc < 0)
		return rc;
	snprintf(name, sizeof(name), "sl6_%s", tag);
	rc = build_family(r, n, AF_INET6, name, v6, err, errlen);
	if (rc < 0) {
		rte_acl_free(*v4);
		*v4 = NULL;
	}
	return rc;
}

void
sl_acl_free(struct rte_acl_ctx *ctx)
{
	rte_acl_free(ctx);	/* NULL is fine */
}

int
sl_acl_classify(const struct rte_acl_ctx *ctx, const uint8_t **keys,
		uint32_t *res, uint32_t n)
{
	if (ctx == NULL) {
		/* No rule of that family: nothing decides. */
		memset(res, 0, sizeof(*res) * n);
		return 0;
	}
	return rte_acl_classify(ctx, keys, res, n, 1);
}
