/* SPDX-License-Identifier: BSD-3-Clause
 * Snapshot layout and lookup, and stable ids across config changes.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "sl_test.h"

#include "sl_ids.h"
#include "sl_maglev.h"
#include "sl_snapshot.h"

static const char *conf_text =
	"[port.p]\ndev = net_null0\naddress = 198.18.1.1/24\n"
	"address = 2001:db8:1::1/64\nsnat = 198.18.1.1\nsnat = 2001:db8:1::1\n"
	"[vip.a]\naddress = 198.18.100.1\nport = 80\nproto = tcp\n"
	"table_size = 251\n"
	"backend = 198.18.1.11:8080\nbackend = 198.18.1.12:8080 weight=3\n"
	"[vip.b]\naddress = 198.18.100.1\nport = 80\nproto = udp\n"
	"table_size = 101\nbackend = 198.18.1.13:53\n"
	"[vip.c]\naddress = 2001:db8:100::1\nport = 443\nproto = tcp\n"
	"table_size = 101\nbackend = [2001:db8:1::11]:8443 weight=0\n";

static struct sl_snapshot *
build(struct sl_config *c, uint64_t epoch)
{
	size_t sz = sl_snapshot_size(c);
	struct sl_snapshot *s = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	char err[SL_ERR_MAX];

	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT_FATAL(sl_snapshot_build(c, epoch, s, sz, err,
					  sizeof(err)) == 0);
	return s;
}

static void
load(struct sl_config *c, struct sl_ids *ids)
{
	char err[SL_ERR_MAX];

	sl_config_init(c);
	CU_ASSERT_FATAL(sl_config_load_string(conf_text, "t.ini", c, err,
					      sizeof(err)) == 0);
	CU_ASSERT_FATAL(sl_ids_assign(ids, c) == 0);
}

static void
test_lookup(void)
{
	static struct sl_ids ids;
	struct sl_config c;
	struct sl_snapshot *s;
	const struct sl_snap_vip *v;
	struct sl_addr a;
	uint32_t i, counts[2] = { 0, 0 };

	sl_ids_init(&ids);
	load(&c, &ids);
	s = build(&c, 7);
	CU_ASSERT_EQUAL(s->magic, SL_SNAP_MAGIC);
	CU_ASSERT_EQUAL(s->epoch, 7);
	CU_ASSERT_EQUAL(s->nb_vips, 3);
	sl_addr_parse("198.18.100.1", &a);
	v = sl_snap_vip_lookup(s, AF_INET, IPPROTO_TCP, a.w, htons(80));
	CU_ASSERT_FATAL(v != NULL);
	CU_ASSERT_STRING_EQUAL(v->name, "a");
	CU_ASSERT_EQUAL(v->nb_backends, 2);
	CU_ASSERT_EQUAL(v->table_size, 251);
	/* The table is inside the block and honours weight 1:3. */
	CU_ASSERT((const uint8_t *)v->table > (const uint8_t *)s &&
		  (const uint8_t *)(v->table + 251) <= (const uint8_t *)s +
		  s->size);
	for (i = 0; i < 251; i++)
		counts[v->table[i]]++;
	CU_ASSERT(counts[0] >= 60 && counts[0] <= 66);
	CU_ASSERT_EQUAL(counts[0] + counts[1], 251);
	v = sl_snap_vip_lookup(s, AF_INET, IPPROTO_UDP, a.w, htons(80));
	CU_ASSERT_FATAL(v != NULL);
	CU_ASSERT_STRING_EQUAL(v->name, "b");
	CU_ASSERT_PTR_NULL(sl_snap_vip_lookup(s, AF_INET, IPPROTO_TCP, a.w,
					      htons(81)));
	CU_ASSERT_TRUE(sl_snap_is_vip_addr(s, &a));
	sl_addr_parse("2001:db8:100::1", &a);
	v = sl_snap_vip_lookup(s, AF_INET6, IPPROTO_TCP, a.w, htons(443));
	CU_ASSERT_FATAL(v != NULL);
	/* weight 0: no slot at all */
	for (i = 0; i < v->table_size; i++)
		CU_ASSERT_EQUAL(v->table[i], SL_MAGLEV_EMPTY);
	sl_addr_parse("198.18.100.2", &a);
	CU_ASSERT_FALSE(sl_snap_is_vip_addr(s, &a));
	free(s);
	/* A backend that is down keeps its id but takes no slot. */
	c.vips[0].backends[1].down = true;
	s = build(&c, 8);
	v = &s->vips[0];
	CU_ASSERT_EQUAL(s->backend_down[c.vips[0].backends[1].id], 1);
	CU_ASSERT_EQUAL(s->backend_down[c.vips[0].backends[0].id], 0);
	CU_ASSERT_EQUAL(s->backend_gen[c.vips[0].backends[1].id],
			c.vips[0].backends[1].gen);
	for (i = 0; i < v->table_size; i++)
		CU_ASSERT_EQUAL(v->table[i], 0);
	CU_ASSERT_EQUAL(v->backends[1].down, 1);
	/* backend_gen marks exactly the live ids */
	for (i = 0; i < c.nb_vips; i++) {
		uint32_t j;

		for (j = 0; j < c.vips[i].nb_backends; j++) {
			const struct sl_backend_conf *b = &c.vips[i].backends[j];

			CU_ASSERT_EQUAL(s->backend_gen[b->id], b->gen);
			CU_ASSERT(b->gen != 0);
		}
	}
	free(s);
	sl_config_free(&c);
}

static void
test_ids_stable(void)
{
	static struct sl_ids ids, seeded;
	struct sl_config c;
	struct sl_snapshot *s;
	struct sl_addr a;
	uint16_t id12, gen12, id11;
	char err[SL_ERR_MAX];

	sl_ids_init(&ids);
	load(&c, &ids);
	id11 = c.vips[0].backends[0].id;
	id12 = c.vips[0].backends[1].id;
	gen12 = (uint16_t)c.vips[0].backends[1].gen;
	/* Remove .11: .12 keeps its id and generation. */
	sl_addr_parse("198.18.1.11", &a);
	CU_ASSERT_FATAL(sl_config_backend_del(&c, "a", &a, 8080, err,
					      sizeof(err)) == 0);
	CU_ASSERT_FATAL(sl_ids_assign(&ids, &c) == 0);
	CU_ASSERT_EQUAL(c.vips[0].backends[0].id, id12);
	CU_ASSERT_EQUAL(c.vips[0].backends[0].gen, gen12);
	s = build(&c, 2);
	CU_ASSERT_EQUAL(s->backend_gen[id11], 0);
	free(s);
	/* Adding a backend back: a new generation, so old flows notice. */
	CU_ASSERT_FATAL(sl_config_backend_set(&c, "a", &a, 8080, 1, true,
					      false, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(sl_ids_assign(&ids, &c) == 0);
	CU_ASSERT(c.vips[0].backends[1].gen > gen12);
	/* A restarted control plane recovers the same ids. */
	s = build(&c, 3);
	sl_ids_seed(&seeded, s);
	{
		struct sl_config c2;

		sl_config_init(&c2);
		CU_ASSERT_FATAL(sl_config_copy(&c2, &c) == 0);
		CU_ASSERT_FATAL(sl_ids_assign(&seeded, &c2) == 0);
		CU_ASSERT_EQUAL(c2.vips[0].backends[0].id,
				c.vips[0].backends[0].id);
		CU_ASSERT_EQUAL(c2.vips[0].backends[1].gen,
				c.vips[0].backends[1].gen);
		CU_ASSERT_EQUAL(c2.vips[2].id, c.vips[2].id);
		sl_config_free(&c2);
	}
	free(s);
	sl_config_free(&c);
}

/* Edge policy: a TCP VIP with every setting and rules, a UDP VIP with
 * none, an IPv6 VIP with one deny rule. */
static const char *policy_text =
	"[port.p]\ndev = net_null0\naddress = 198.18.1.1/24\n"
	"address = 2001:db8:1::1/64\nsnat = 198.18.1.1\nsnat = 2001:db8:1::1\n"
	"[vip.a]\naddress = 198.18.100.1\nport = 80\nproto = tcp\n"
	"table_size = 251\nbackend = 198.18.1.11:8080\n"
	"allow = 198.18.0.0/15\ndeny = 198.18.7.0/24\nallow = 198.18.7.7\n"
	"deny_reply = rst\nconn_rate = 100\nconn_burst = 200\n"
	"pps = 1000\npps_burst = 3000\nclient_conn_rate = 5\n"
	"client_conn_burst = 10\nclient_prefix4 = 24\nclient_prefix6 = 64\n"
	"syn_proxy = auto\nsyn_proxy_threshold = 50\nsyn_proxy_wscale = 9\n"
	"proxy_protocol = v2\n"
	"[vip.b]\naddress = 198.18.100.1\nport = 53\nproto = udp\n"
	"table_size = 101\nbackend = 198.18.1.13:53\n"
	"[vip.c]\naddress = 2001:db8:100::1\nport = 443\nproto = tcp\n"
	"table_size = 101\nbackend = [2001:db8:1::11]:8443\n"
	"deny = 2001:db8:bad::/48\ndeny_reply = icmp\nsyn_proxy = on\n";

/* The priority sl_acl.h defines, computed here on its own. */
static uint32_t
want_priority(uint8_t plen, bool vip_rule, uint8_t action)
{
	return 1 + 4u * plen + (vip_rule ? 2 : 0) +
	       (action == SL_ACL_DENY ? 1 : 0);
}

static bool
crule_is(const struct sl_acl_crule *r, const struct sl_acl_rule *src,
	 uint16_t vip)
{
	return sl_addr_eq(&r->src, &src->src) && r->plen == src->plen &&
	       r->action == src->action && r->id == src->id && r->vip == vip &&
	       r->priority == want_priority(src->plen, vip != SL_ACL_ANY_VIP,
					    src->action);
}

/* Checks s->acl against c: the global rules first, in order, then each
 * VIP's own rules in VIP and config order; the implicit default denies
 * (0/0 of each family, id 0, priority 0) for exactly the VIPs an allow
 * rule applies to. */
static void
check_acl(const struct sl_config *c, const struct sl_snapshot *s)
{
	uint32_t i, j, k = 0, want = c->nb_acl, defaults[8][2];
	bool global_allow = false;

	memset(defaults, 0, sizeof(defaults));
	for (i = 0; i < c->nb_acl; i++)
		global_allow |= c->acl[i].action == SL_ACL_ALLOW;
	for (i = 0; i < c->nb_acl; i++)
		CU_ASSERT(crule_is(&s->acl[i], &c->acl[i], SL_ACL_ANY_VIP));
	for (i = c->nb_acl; i < s->nb_acl; i++) {
		const struct sl_acl_crule *r = &s->acl[i];

		CU_ASSERT_FATAL(r->vip < c->nb_vips);
		if (r->id == SL_ACL_RULE_DEFAULT) {
			CU_ASSERT(r->plen == 0 && r->action == SL_ACL_DENY &&
				  r->priority == 0);
			defaults[r->vip][r->src.family == AF_INET6]++;
			continue;
		}
		/* the next own rule, VIP by VIP */
		while (k < c->nb_vips && want - c->nb_acl >=
		       c->vips[k].policy.nb_acl) {
			want -= c->vips[k].policy.nb_acl;
			k++;
		}
		CU_ASSERT_FATAL(k < c->nb_vips);
		CU_ASSERT(crule_is(r, &c->vips[k].policy.acl[want - c->nb_acl],
				   (uint16_t)k));
		want++;
	}
	for (i = 0, j = c->nb_acl; i < c->nb_vips; i++) {
		const struct sl_vip_policy *p = &c->vips[i].policy;
		bool allow = global_allow;
		uint32_t n;

		for (n = 0; n < p->nb_acl; n++)
			allow |= p->acl[n].action == SL_ACL_ALLOW;
		CU_ASSERT_EQUAL(defaults[i][0], allow ? 1 : 0);
		CU_ASSERT_EQUAL(defaults[i][1], allow ? 1 : 0);
		CU_ASSERT_EQUAL(s->vips[i].has_acl,
				c->nb_acl + p->nb_acl > 0 ? 1 : 0);
		j += p->nb_acl + (allow ? 2 : 0);
	}
	CU_ASSERT_EQUAL(s->nb_acl, j);
}

static void
test_policy(void)
{
	static struct sl_ids ids;
	const struct sl_snap_vip *v;
	struct sl_snapshot *s;
	struct sl_config c;
	struct sl_addr a6;
	char err[SL_ERR_MAX];
	size_t plain;
	uint32_t i;

	sl_ids_init(&ids);
	sl_config_init(&c);
	CU_ASSERT_FATAL(sl_config_load_string(policy_text, "t.ini", &c, err,
					      sizeof(err)) == 0);
	CU_ASSERT_FATAL(sl_ids_assign(&ids, &c) == 0);
	s = build(&c, 1);
	v = &s->vips[0];
	CU_ASSERT_STRING_EQUAL(v->name, "a");
	CU_ASSERT_EQUAL(v->deny_reply, SL_DENY_RST);
	CU_ASSERT_EQUAL(v->conn.rate, 100);
	CU_ASSERT_EQUAL(v->conn.burst, 200);
	CU_ASSERT_EQUAL(v->pps.rate, 1000);
	CU_ASSERT_EQUAL(v->pps.burst, 3000);
	CU_ASSERT_EQUAL(v->client_conn.rate, 5);
	CU_ASSERT_EQUAL(v->client_conn.burst, 10);
	CU_ASSERT_EQUAL(v->client_plen4, 24);
	CU_ASSERT_EQUAL(v->client_plen6, 64);
	CU_ASSERT_EQUAL(v->synproxy, SL_SYNPROXY_AUTO);
	CU_ASSERT_EQUAL(v->synproxy_threshold, 50);
	CU_ASSERT_EQUAL(v->synproxy_wscale, 9);
	CU_ASSERT_EQUAL(v->proxy_protocol, 1);
	CU_ASSERT_EQUAL(v->has_acl, 1);
	CU_ASSERT_EQUAL(v->has_policy, 1);
	/* b: the defaults */
	v = &s->vips[1];
	CU_ASSERT_EQUAL(v->deny_reply, SL_DENY_DROP);
	CU_ASSERT_EQUAL(v->conn.rate, 0);
	CU_ASSERT_EQUAL(v->pps.rate, 0);
	CU_ASSERT_EQUAL(v->client_conn.rate, 0);
	CU_ASSERT_EQUAL(v->client_plen4, 32);
	CU_ASSERT_EQUAL(v->client_plen6, 128);
	CU_ASSERT_EQUAL(v->synproxy, SL_SYNPROXY_OFF);
	CU_ASSERT_EQUAL(v->synproxy_threshold, SL_SYNPROXY_THRESHOLD_DEFAULT);
	CU_ASSERT_EQUAL(v->synproxy_wscale, SL_SYNPROXY_WSCALE_DEFAULT);
	CU_ASSERT_EQUAL(v->proxy_protocol, 0);
	CU_ASSERT_EQUAL(v->has_acl, 0);
	CU_ASSERT_EQUAL(v->has_policy, 0);
	v = &s->vips[2];
	CU_ASSERT_EQUAL(v->deny_reply, SL_DENY_ICMP);
	CU_ASSERT_EQUAL(v->synproxy, SL_SYNPROXY_ON);
	CU_ASSERT_EQUAL(v->has_acl, 1);
	CU_ASSERT_EQUAL(v->has_policy, 1);

	/* a: 3 own rules + 2 default denies; c: 1 rule, no allow */
	CU_ASSERT_EQUAL(s->nb_acl, 6);
	CU_ASSERT_FATAL(s->acl != NULL);
	CU_ASSERT((const uint8_t *)s->acl > (const uint8_t *)s &&
		  (const uint8_t *)(s->acl + s->nb_acl) <=
		  (const uint8_t *)s + s->size);
	CU_ASSERT_PTR_NULL(s->acl4);
	CU_ASSERT_PTR_NULL(s->acl6);
	check_acl(&c, s);
	free(s);

	/* The rules take exactly their aligned share of the block. */
	{
		struct sl_config bare;
		size_t with = sl_snapshot_size(&c);

		CU_ASSERT_FATAL(sl_config_copy(&bare, &c) == 0);
		for (i = 0; i < bare.nb_vips; i++)
			bare.vips[i].policy.nb_acl = 0;
		plain = sl_snapshot_size(&bare);
		CU_ASSERT_EQUAL(with - plain,
				(6 * sizeof(struct sl_acl_crule) + 63) &
				~(size_t)63);
		s = build(&bare, 2);
		CU_ASSERT_EQUAL(s->nb_acl, 0);
		CU_ASSERT_PTR_NULL(s->acl);
		for (i = 0; i < bare.nb_vips; i++)
			CU_ASSERT_EQUAL(s->vips[i].has_acl, 0);
		/* without rules: a has rates, c a SYN proxy, b nothing */
		CU_ASSERT_EQUAL(s->vips[0].has_policy, 1);
		CU_ASSERT_EQUAL(s->vips[1].has_policy, 0);
		CU_ASSERT_EQUAL(s->vips[2].has_policy, 1);
		free(s);
		/* each setting alone makes a VIP one with a policy (c: TCP,
		 * its rules left out, everything else back to defaults) */
		{
			static const char *const one[][2] = {
				{ "pps", "1" }, { "conn_rate", "1" },
				{ "client_conn_rate", "1" },
				{ "syn_proxy", "on" }, { "syn_proxy", "auto" },
				{ "proxy_protocol", "v2" },
			};
			struct sl_vip_policy p, keep = bare.vips[2].policy;
			unsigned int set;

			for (i = 0; i < SL_ARRAY_SIZE(one); i++) {
				sl_vip_policy_init(&bare.vips[2].policy);
				sl_vip_policy_init(&p);
				set = 0;
				CU_ASSERT_FATAL(sl_vip_policy_parse(one[i][0],
					one[i][1], &p, &set, err,
					sizeof(err)) == 0);
				CU_ASSERT_FATAL(sl_config_vip_policy(&bare, "c",
					&p, set, err, sizeof(err)) == 0);
				s = build(&bare, 4);
				CU_ASSERT_EQUAL(s->vips[2].has_policy, 1);
				free(s);
			}
			/* bursts, prefixes, deny_reply alone: nothing to do */
			sl_vip_policy_init(&bare.vips[2].policy);
			bare.vips[2].policy.conn.burst = 5;
			bare.vips[2].policy.client_plen4 = 8;
			bare.vips[2].policy.deny_reply = SL_DENY_ICMP;
			s = build(&bare, 5);
			CU_ASSERT_EQUAL(s->vips[2].has_policy, 0);
			free(s);
			bare.vips[2].policy = keep;
		}
		for (i = 0; i < bare.nb_vips; i++)
			bare.vips[i].policy.nb_acl = c.vips[i].policy.nb_acl;
		sl_config_free(&bare);
	}

	/* A global allow: every VIP gets the default denies and has_acl. */
	CU_ASSERT_FATAL(sl_config_acl_add(&c, NULL, SL_ACL_DENY,
					  &c.vips[0].policy.acl[1].src, 24,
					  err, sizeof(err)) == 0);
	sl_addr_parse("2001:db8::", &a6);
	CU_ASSERT_FATAL(sl_config_acl_add(&c, NULL, SL_ACL_ALLOW, &a6, 32,
					  err, sizeof(err)) == 0);
	s = build(&c, 3);
	CU_ASSERT_EQUAL(s->nb_acl, 2 + 3 + 1 + 3 * 2);
	CU_ASSERT_EQUAL(s->acl[0].id, 5);
	CU_ASSERT_EQUAL(s->acl[0].vip, SL_ACL_ANY_VIP);
	CU_ASSERT_EQUAL(s->acl[1].id, 6);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(s->vips[i].has_acl, 1);
	check_acl(&c, s);
	free(s);
	sl_config_free(&c);
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "build and lookup", test_lookup },
		{ "stable ids", test_ids_stable },
		{ "edge policy and access rules", test_policy },
	};

	return sl_test_run("snapshot", tests,
			   sizeof(tests) / sizeof(tests[0]));
}
