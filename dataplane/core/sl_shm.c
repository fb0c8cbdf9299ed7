/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "sl_shm.h"

/* In the order of struct sl_worker_stats (checked in sl_shm.h). */
const char *const sl_worker_fields[SL_WORKER_FIELDS] = {
	"rx_pkts", "rx_bytes", "tx_pkts", "tx_bytes", "fwd_pkts", "rev_pkts",
	"replied", "to_main", "handoff_out", "handoff_in", "new_flows",
	"expired_flows", "flows_active", "generated", "syn_refused",
};

const char *const sl_vip_pol_names[SL_VPOL_MAX] = {
#define SL_VPOL_NAME(name, str) str,
	SL_VIP_POLICY_COUNTERS(SL_VPOL_NAME)
#undef SL_VPOL_NAME
};

/* t (words uint64_t counters) = the sum over n workers of the structs
 * of the same size at base, base + stride, ... */
static void
sum_u64(uint64_t *t, size_t words, const void *base, size_t stride,
	uint32_t n)
{
	uint32_t w;
	size_t i;

	memset(t, 0, words * sizeof(*t));
	for (w = 0; w < n; w++) {
		const uint64_t *s = (const uint64_t *)((const char *)base +
						       w * stride);

		for (i = 0; i < words; i++)
			t[i] += s[i];
	}
}

void
sl_shm_sum_vip(const struct sl_shm *shm, uint16_t id, struct sl_vip_stats *t)
{
	sum_u64((uint64_t *)t, sizeof(*t) / sizeof(uint64_t),
		&shm->vip_stats[0][id], sizeof(shm->vip_stats[0]),
		shm->nb_workers);
}

void
sl_shm_sum_backend(const struct sl_shm *shm, uint16_t id,
		   struct sl_backend_stats *t)
{
	sum_u64((uint64_t *)t, sizeof(*t) / sizeof(uint64_t),
		&shm->be_stats[0][id], sizeof(shm->be_stats[0]),
		shm->nb_workers);
}

uint64_t
sl_shm_acl_hits(const struct sl_shm *shm, uint16_t rule_id)
{
	uint64_t n = 0;
	uint32_t w;

	if (rule_id >= SL_MAX_ACL_RULES)
		return 0;
	for (w = 0; w < shm->nb_workers; w++)
		n += shm->acl_hits[w][rule_id];
	return n;
}
