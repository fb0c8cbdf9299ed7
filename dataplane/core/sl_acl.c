/* SPDX-License-Identifier: BSD-3-Clause
 * Access rules: compilation of the configured rules into the snapshot's
 * list, and the reference matcher that defines what they mean.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "sl_acl.h"

uint32_t
sl_acl_priority(uint8_t plen, int vip_rule, uint8_t action)
{
	return 1 + 4 * (uint32_t)plen + (vip_rule ? 2 : 0) +
	       (action == SL_ACL_DENY ? 1 : 0);
}

static bool
rules_have_allow(const struct sl_acl_rule *r, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (r[i].action == SL_ACL_ALLOW)
			return true;
	return false;
}

/* True when VIP v gets the implicit default deny: some allow rule (its
 * own or a global one) applies to it. */
static bool
vip_default_deny(const struct sl_config *c, const struct sl_vip_conf *v)
{
	return rules_have_allow(c->acl, c->nb_acl) ||
	       rules_have_allow(v->policy.acl, v->policy.nb_acl);
}

uint32_t
sl_acl_compile_count(const struct sl_config *c)
{
	bool global_allow = rules_have_allow(c->acl, c->nb_acl);
	uint32_t n = c->nb_acl, i;

	for (i = 0; i < c->nb_vips; i++) {
		const struct sl_vip_policy *p = &c->vips[i].policy;

		n += p->nb_acl;
		if (global_allow || rules_have_allow(p->acl, p->nb_acl))
			n += 2;		/* default deny, IPv4 and IPv6 */
	}
	return n;
}

/* The prefix with its host bits cleared, so that the reference matcher
 * and rte_acl see the same value whatever the config holds. */
static void
prefix_clean(struct sl_addr *dst, const struct sl_addr *src, uint8_t plen)
{
	unsigned int whole = plen / 8, rest = plen % 8;

	memset(dst, 0, sizeof(*dst));
	dst->family = src->family;
	if (whole > sizeof(dst->b))
		whole = sizeof(dst->b);
	memcpy(dst->b, src->b, whole);
	if (rest != 0 && whole < sizeof(dst->b))
		dst->b[whole] = (uint8_t)(src->b[whole] & (0xff00u >> rest));
}

static void
crule_set(struct sl_acl_crule *o, const struct sl_acl_rule *r, uint16_t vip)
{
	memset(o, 0, sizeof(*o));
	prefix_clean(&o->src, &r->src, r->plen);
	o->plen = r->plen;
	o->action = r->action;
	o->id = r->id;
	o->vip = vip;
	o->priority = sl_acl_priority(r->plen, vip != SL_ACL_ANY_VIP,
				      r->action);
}

/* 0.0.0.0/0 or ::/0, deny, priority 0: loses to every configured rule. */
static void
crule_default(struct sl_acl_crule *o, uint8_t family, uint16_t vip)
{
	memset(o, 0, sizeof(*o));
	o->src.family = family;
	o->action = SL_ACL_DENY;
	o->id = SL_ACL_RULE_DEFAULT;
	o->vip = vip;
	o->priority = 0;
}

uint32_t
sl_acl_compile(const struct sl_config *c, struct sl_acl_crule *out,
	       uint8_t *has_acl)
{
	uint32_t n = 0, i, j;

	for (j = 0; j < c->nb_acl; j++)
		crule_set(&out[n++], &c->acl[j], SL_ACL_ANY_VIP);
	for (i = 0; i < c->nb_vips; i++) {
		const struct sl_vip_conf *v = &c->vips[i];

		for (j = 0; j < v->policy.nb_acl; j++)
			crule_set(&out[n++], &v->policy.acl[j], (uint16_t)i);
		if (vip_default_deny(c, v)) {
			crule_default(&out[n++], AF_INET, (uint16_t)i);
			crule_default(&out[n++], AF_INET6, (uint16_t)i);
		}
		if (has_acl != NULL)
			has_acl[i] = c->nb_acl > 0 || v->policy.nb_acl > 0;
	}
	return n;
}

int
sl_acl_ref_match(const struct sl_acl_crule *r, uint32_t n, uint16_t vip,
		 const struct sl_addr *src)
{
	int best = -1;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (r[i].vip != vip && r[i].vip != SL_ACL_ANY_VIP)
			continue;
		if (!sl_addr_in_prefix(src, &r[i].src, r[i].plen))
			continue;
		/* Strictly higher: of equal rules the first one decides. */
		if (best < 0 || r[i].priority > r[best].priority)
			best = (int)i;
	}
	return best;
}

/* cur's rule list of the scope of VIP name (NULL: global). */
static const struct sl_acl_rule *
scope_rules(const struct sl_config *c, const char *name, uint32_t *n)
{
	uint32_t i;

	*n = 0;
	if (name == NULL) {
		*n = c->nb_acl;
		return c->acl;
	}
	for (i = 0; i < c->nb_vips; i++)
		if (strcmp(c->vips[i].name, name) == 0) {
			*n = c->vips[i].policy.nb_acl;
			return c->vips[i].policy.acl;
		}
	return NULL;
}

static void
carry_list(struct sl_acl_rule *r, uint32_t n, const struct sl_config *cur,
	   const char *scope, uint8_t *used)
{
	const struct sl_acl_rule *o;
	uint32_t i, j, no;

	o = scope_rules(cur, scope, &no);
	for (i = 0; i < n; i++) {
		r[i].id = SL_ACL_RULE_DEFAULT;	/* to assign */
		for (j = 0; j < no; j++)
			if (o[j].plen == r[i].plen &&
			    o[j].action == r[i].action &&
			    sl_addr_eq(&o[j].src, &r[i].src) && !used[o[j].id]) {
				r[i].id = o[j].id;
				used[o[j].id] = 1;
				break;
			}
	}
}

static int
assign_list(struct sl_acl_rule *r, uint32_t n, uint8_t *used, uint8_t *fresh,
	    uint16_t *next)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (r[i].id != SL_ACL_RULE_DEFAULT)
			continue;
		while (*next < SL_MAX_ACL_RULES && used[*next])
			(*next)++;
		if (*next == SL_MAX_ACL_RULES)
			return -ENOSPC;
		r[i].id = *next;
		used[*next] = 1;
		fresh[*next] = 1;
	}
	return 0;
}

int
sl_acl_ids_carry(struct sl_config *next, const struct sl_config *cur,
		 uint8_t *fresh)
{
	static uint8_t used[SL_MAX_ACL_RULES];
	uint16_t first = 1;
	uint32_t i;
	int rc;

	memset(used, 0, sizeof(used));
	used[SL_ACL_RULE_DEFAULT] = 1;
	carry_list(next->acl, next->nb_acl, cur, NULL, used);
	for (i = 0; i < next->nb_vips; i++)
		carry_list(next->vips[i].policy.acl, next->vips[i].policy.nb_acl,
			   cur, next->vips[i].name, used);
	rc = assign_list(next->acl, next->nb_acl, used, fresh, &first);
	for (i = 0; rc == 0 && i < next->nb_vips; i++)
		rc = assign_list(next->vips[i].policy.acl,
				 next->vips[i].policy.nb_acl, used, fresh,
				 &first);
	return rc;
}
