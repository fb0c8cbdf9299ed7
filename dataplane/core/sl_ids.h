/* SPDX-License-Identifier: BSD-3-Clause
 * Stable ids for VIPs and backends across config changes. Workers keep a
 * backend's (id, gen) in each flow; a backend keeps its id as long as it
 * exists (same VIP name, address and port), and a freed id is handed out
 * again only with a new generation, so a flow never follows a reused id.
 */
#ifndef SL_IDS_H
#define SL_IDS_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_addr.h"
#include "sl_common.h"
#include "sl_config.h"
#include "sl_snapshot.h"

struct sl_ids {
	bool vip_used[SL_MAX_VIPS];
	char vip_name[SL_MAX_VIPS][SL_NAME_MAX];
	struct {
		bool used;
		bool seen;		/* scratch for sl_ids_assign */
		uint16_t vip;
		uint16_t port;
		struct sl_addr addr;
	} be[SL_MAX_BACKENDS];
	uint32_t be_gen[SL_MAX_BACKENDS];
	uint32_t next_gen;
};

void sl_ids_init(struct sl_ids *ids);
/* Fills id/gen of every VIP and backend of c, keeping those that existed
 * and releasing those that are gone. Returns 0 or -ENOSPC. */
int sl_ids_assign(struct sl_ids *ids, struct sl_config *c);
/* Recovers the ids of a running snapshot (control plane restart). */
void sl_ids_seed(struct sl_ids *ids, const struct sl_snapshot *s);

#endif
