/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sl_acl.h"
#include "sl_flow.h"
#include "sl_maglev.h"
#include "sl_snapshot.h"

#define ALIGN64(x) (((x) + 63) & ~(size_t)63)

static uint32_t
vip_hash_slots(uint32_t nb_vips)
{
	uint32_t n = 16;

	while (n < nb_vips * 2)
		n <<= 1;
	return n;
}

size_t
sl_snapshot_size(const struct sl_config *c)
{
	size_t sz = ALIGN64(sizeof(struct sl_snapshot));
	uint32_t i;

	sz += ALIGN64(sizeof(struct sl_snap_vip) * c->nb_vips);
	sz += ALIGN64(sizeof(int16_t) * vip_hash_slots(c->nb_vips));
	sz += ALIGN64(sizeof(uint32_t) * SL_MAX_BACKENDS);
	sz += ALIGN64(sizeof(uint16_t) * SL_MAX_BACKENDS);
	sz += ALIGN64(sizeof(uint8_t) * SL_MAX_BACKENDS);
	sz += ALIGN64(sizeof(struct sl_acl_crule) * sl_acl_compile_count(c));
	for (i = 0; i < c->nb_vips; i++) {
		sz += ALIGN64(sizeof(struct sl_snap_backend) *
			      c->vips[i].nb_backends);
		sz += ALIGN64(sizeof(uint16_t) * c->vips[i].table_size);
	}
	return sz;
}

static uint32_t
vip_key_hash(uint8_t family, uint8_t proto, const uint32_t dst[4],
	     uint16_t dport_be)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.dst, dst, sizeof(k.dst));
	k.dport = dport_be;
	k.proto = proto;
	k.family = family;
	return sl_flow_hash(&k);
}

/* Carves the next aligned piece out of the block. */
static void *
take(uint8_t **cur, size_t bytes)
{
	void *p = *cur;

	*cur += ALIGN64(bytes);
	return p;
}

/* The policy settings; has_acl comes from the compiled rules. */
static void
build_vip_policy(const struct sl_vip_policy *p, struct sl_snap_vip *v)
{
	v->deny_reply = p->deny_reply;
	v->synproxy = p->synproxy;
	v->synproxy_wscale = p->synproxy_wscale;
	v->proxy_protocol = p->proxy_protocol;
	v->client_plen4 = p->client_plen4;
	v->client_plen6 = p->client_plen6;
	v->synproxy_threshold = p->synproxy_threshold;
	v->conn = p->conn;
	v->pps = p->pps;
	v->client_conn = p->client_conn;
}

static int
build_vip(const struct sl_vip_conf *vc, struct sl_snap_vip *v,
	  uint8_t **cur, char *err, size_t errlen)
{
	struct sl_maglev_backend mb[SL_MAX_VIP_BACKENDS];
	struct sl_snap_backend *be;
	uint16_t *table;
	uint32_t j;
	int rc;

	be = take(cur, sizeof(*be) * vc->nb_backends);
	table = take(cur, sizeof(uint16_t) * vc->table_size);
	for (j = 0; j < vc->nb_backends; j++) {
		const struct sl_backend_conf *bc = &vc->backends[j];

		be[j].addr = bc->addr;
		be[j].port_be = htons(bc->port);
		be[j].id = bc->id;
		be[j].gen = bc->gen;
		be[j].weight = bc->weight;
		be[j].down = bc->down;
		mb[j].id_hash = sl_maglev_id(&bc->addr, bc->port);
		/* A backend that is down takes no slot, like weight 0. */
		mb[j].weight = bc->down ? 0 : bc->weight;
	}
	rc = sl_maglev_build(mb, vc->nb_backends, table, vc->table_size, NULL);
	if (rc < 0) {
		snprintf(err, errlen, "vip %s: maglev: %s", vc->name,
			 sl_strerror(rc));
		return rc;
	}
	v->addr = vc->addr;
	v->port_be = htons(vc->port);
	v->proto = vc->proto;
	v->on_remove = vc->on_remove;
	v->id = vc->id;
	v->nb_backends = (uint16_t)vc->nb_backends;
	v->table_size = vc->table_size;
	v->backends = be;
	v->table = table;
	snprintf(v->name, sizeof(v->name), "%s", vc->name);
	build_vip_policy(&vc->policy, v);
	return 0;
}

int
sl_snapshot_build(const struct sl_config *c, uint64_t epoch, void *mem,
		  size_t size, char *err, size_t errlen)
{
	struct sl_snapshot *s = mem;
	uint8_t *cur = mem;
	uint8_t has_acl[SL_MAX_VIPS];
	struct sl_acl_crule *acl;
	struct sl_snap_vip *vips;
	int16_t *vhash;
	uint32_t *gen;
	uint16_t *bvip;
	uint8_t *bdown;
	uint32_t i, j, slots, nb_acl;
	int rc;

	if (c->nb_vips > SL_MAX_VIPS) {
		snprintf(err, errlen, "snapshot: %u VIPs (max %d)", c->nb_vips,
			 SL_MAX_VIPS);
		return -EINVAL;
	}
	if (size < sl_snapshot_size(c)) {
		snprintf(err, errlen, "snapshot: %zu bytes is too small", size);
		return -EINVAL;
	}
	memset(mem, 0, sl_snapshot_size(c));
	take(&cur, sizeof(*s));
	slots = vip_hash_slots(c->nb_vips);
	vips = take(&cur, sizeof(*vips) * c->nb_vips);
	vhash = take(&cur, sizeof(int16_t) * slots);
	gen = take(&cur, sizeof(uint32_t) * SL_MAX_BACKENDS);
	bvip = take(&cur, sizeof(uint16_t) * SL_MAX_BACKENDS);
	bdown = take(&cur, sizeof(uint8_t) * SL_MAX_BACKENDS);
	nb_acl = sl_acl_compile_count(c);
	acl = take(&cur, sizeof(*acl) * nb_acl);
	memset(vhash, 0xff, sizeof(int16_t) * slots);
	memset(has_acl, 0, sizeof(has_acl));
	if (sl_acl_compile(c, acl, has_acl) != nb_acl) {
		snprintf(err, errlen, "snapshot: access rules changed size");
		return -EINVAL;
	}

	for (i = 0; i < c->nb_vips; i++) {
		const struct sl_vip_conf *vc = &c->vips[i];
		uint32_t h;

		rc = build_vip(vc, &vips[i], &cur, err, errlen);
		if (rc < 0)
			return rc;
		vips[i].has_acl = has_acl[i];
		vips[i].has_policy = has_acl[i] || vips[i].conn.rate ||
				     vips[i].pps.rate ||
				     vips[i].client_conn.rate ||
				     vips[i].synproxy != SL_SYNPROXY_OFF ||
				     vips[i].proxy_protocol;
		h = vip_key_hash(vc->addr.family, vc->proto, vc->addr.w,
				 htons(vc->port));
		while (vhash[h & (slots - 1)] >= 0)
			h++;
		vhash[h & (slots - 1)] = (int16_t)i;
		for (j = 0; j < vc->nb_backends; j++) {
			gen[vc->backends[j].id] = vc->backends[j].gen;
			bvip[vc->backends[j].id] = (uint16_t)i;
			bdown[vc->backends[j].id] = vc->backends[j].down;
		}
	}
	s->magic = SL_SNAP_MAGIC;
	s->version = SL_SNAP_VERSION;
	s->epoch = epoch;
	s->size = sl_snapshot_size(c);
	s->nb_vips = c->nb_vips;
	s->vip_hmask = slots - 1;
	s->vips = vips;
	s->vip_hash = vhash;
	s->backend_gen = gen;
	s->backend_vip = bvip;
	s->backend_down = bdown;
	s->acl = nb_acl ? acl : NULL;
	s->nb_acl = nb_acl;
	s->acl4 = NULL;			/* rte_acl: the control plane's */
	s->acl6 = NULL;
	return 0;
}

const struct sl_snap_vip *
sl_snap_vip_lookup(const struct sl_snapshot *s, uint8_t family, uint8_t proto,
		   const uint32_t dst[4], uint16_t dport_be)
{
	uint32_t h = vip_key_hash(family, proto, dst, dport_be);
	uint32_t n;

	/* Linear probing; the table is at most half full. */
	for (n = 0; n <= s->vip_hmask; n++, h++) {
		int16_t i = s->vip_hash[h & s->vip_hmask];
		const struct sl_snap_vip *v;

		if (i < 0)
			return NULL;
		v = &s->vips[i];
		if (v->port_be == dport_be && v->proto == proto &&
		    v->addr.family == family &&
		    memcmp(v->addr.w, dst, sizeof(v->addr.w)) == 0)
			return v;
	}
	return NULL;
}

int
sl_snap_is_vip_addr(const struct sl_snapshot *s, const struct sl_addr *a)
{
	uint32_t i;

	for (i = 0; i < s->nb_vips; i++)
		if (sl_addr_eq(&s->vips[i].addr, a))
			return 1;
	return 0;
}
