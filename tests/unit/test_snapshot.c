/* SPDX-License-Identifier: BSD-3-Clause
 * Snapshot layout and lookup, and stable ids across config changes.
 */
#include <arpa/inet.h>
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

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "build and lookup", test_lookup },
		{ "stable ids", test_ids_stable },
	};

	return sl_test_run("snapshot", tests,
			   sizeof(tests) / sizeof(tests[0]));
}
