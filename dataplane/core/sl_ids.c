/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sl_ids.h"

void
sl_ids_init(struct sl_ids *ids)
{
	memset(ids, 0, sizeof(*ids));
	ids->next_gen = 1;
}

static int
vip_id(struct sl_ids *ids, const char *name)
{
	int i, free_id = -1;

	for (i = 0; i < SL_MAX_VIPS; i++) {
		if (ids->vip_used[i] && strcmp(ids->vip_name[i], name) == 0)
			return i;
		if (!ids->vip_used[i] && free_id < 0)
			free_id = i;
	}
	if (free_id < 0)
		return -ENOSPC;
	ids->vip_used[free_id] = true;
	snprintf(ids->vip_name[free_id], SL_NAME_MAX, "%s", name);
	return free_id;
}

static int
be_id(struct sl_ids *ids, uint16_t vip, const struct sl_backend_conf *b)
{
	int i, free_id = -1;

	for (i = 0; i < SL_MAX_BACKENDS; i++) {
		if (ids->be[i].used && ids->be[i].vip == vip &&
		    ids->be[i].port == b->port &&
		    sl_addr_eq(&ids->be[i].addr, &b->addr))
			return i;
		if (!ids->be[i].used && free_id < 0)
			free_id = i;
	}
	if (free_id < 0)
		return -ENOSPC;
	ids->be[free_id].used = true;
	ids->be[free_id].vip = vip;
	ids->be[free_id].port = b->port;
	ids->be[free_id].addr = b->addr;
	ids->be_gen[free_id] = ids->next_gen++;
	return free_id;
}

int
sl_ids_assign(struct sl_ids *ids, struct sl_config *c)
{
	bool vip_seen[SL_MAX_VIPS] = { false };
	uint32_t i, j;
	int id;

	for (i = 0; i < SL_MAX_BACKENDS; i++)
		ids->be[i].seen = false;
	for (i = 0; i < c->nb_vips; i++) {
		struct sl_vip_conf *v = &c->vips[i];

		id = vip_id(ids, v->name);
		if (id < 0)
			return id;
		v->id = (uint16_t)id;
		vip_seen[id] = true;
		for (j = 0; j < v->nb_backends; j++) {
			id = be_id(ids, v->id, &v->backends[j]);
			if (id < 0)
				return id;
			v->backends[j].id = (uint16_t)id;
			v->backends[j].gen = ids->be_gen[id];
			ids->be[id].seen = true;
		}
	}
	/* Release what the config no longer has. */
	for (i = 0; i < SL_MAX_VIPS; i++)
		if (!vip_seen[i])
			ids->vip_used[i] = false;
	for (i = 0; i < SL_MAX_BACKENDS; i++)
		if (!ids->be[i].seen)
			ids->be[i].used = false;
	return 0;
}

void
sl_ids_seed(struct sl_ids *ids, const struct sl_snapshot *s)
{
	uint32_t i, j;

	sl_ids_init(ids);
	for (i = 0; i < s->nb_vips; i++) {
		const struct sl_snap_vip *v = &s->vips[i];

		ids->vip_used[v->id] = true;
		snprintf(ids->vip_name[v->id], SL_NAME_MAX, "%s", v->name);
		for (j = 0; j < v->nb_backends; j++) {
			const struct sl_snap_backend *b = &v->backends[j];

			ids->be[b->id].used = true;
			ids->be[b->id].vip = v->id;
			ids->be[b->id].port = ntohs(b->port_be);
			ids->be[b->id].addr = b->addr;
			ids->be_gen[b->id] = b->gen;
			if (b->gen >= ids->next_gen)
				ids->next_gen = b->gen + 1;
		}
	}
}
