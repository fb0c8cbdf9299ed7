/* SPDX-License-Identifier: BSD-3-Clause
 * DPDK telemetry commands under /sluice/ (read them with dpdk-telemetry.py
 * -f FILE_PREFIX), and packet capture support for dpdk-dumpcap.
 *
 *   /sluice/stats                  totals over workers, drops by reason
 *   /sluice/worker,N               one worker's counters
 *   /sluice/vips                   the VIP names
 *   /sluice/vip,NAME               one VIP's counters
 *   /sluice/backends,VIP           the backends of a VIP ("addr:port")
 *   /sluice/backend,VIP,ADDR:PORT  one backend's counters
 *
 * The callbacks run on the telemetry thread. They read the running
 * snapshot as an RCU reader of their own (thread id nb_workers + 1, online
 * only while reading), serialised by a lock since every client connection
 * has its own thread.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_pdump.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "dp.h"
#include "sl_ct.h"

static rte_spinlock_t tel_lock = RTE_SPINLOCK_INITIALIZER;

static void
add_worker(struct rte_tel_data *d, const struct sl_worker_stats *s,
	   uint64_t *drops)
{
	unsigned int i;

	for (i = 0; i < SL_WORKER_FIELDS; i++)
		rte_tel_data_add_dict_u64(d, sl_worker_fields[i],
					  sl_worker_field(s, i));
	for (i = 1; i < SL_DROP_MAX; i++)
		drops[i] = s->drops[i];
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sl_shm *shm = sl_dp.shm;
	struct sl_worker_stats sum;
	uint64_t drops[SL_DROP_MAX] = { 0 }, ct = 0;
	char name[64];
	uint32_t w, i;

	(void)cmd;
	(void)params;
	memset(&sum, 0, sizeof(sum));
	for (w = 0; w < shm->nb_workers; w++) {
		for (i = 0; i < SL_WORKER_FIELDS; i++)
			((uint64_t *)&sum)[i] += sl_worker_field(&shm->w[w], i);
		for (i = 1; i < SL_DROP_MAX; i++)
			sum.drops[i] += shm->w[w].drops[i];
		ct += sl_ct_count(shm->ct[w]);
	}
	rte_tel_data_start_dict(d);
	add_worker(d, &sum, drops);
	for (i = 1; i < SL_DROP_MAX; i++) {
		snprintf(name, sizeof(name), "drop_%s", sl_drop_name(i));
		rte_tel_data_add_dict_u64(d, name, drops[i]);
	}
	rte_tel_data_add_dict_u64(d, "workers", shm->nb_workers);
	rte_tel_data_add_dict_u64(d, "config_epoch", shm->ctl.epoch);
	rte_tel_data_add_dict_u64(d, "ct_used", ct);
	rte_tel_data_add_dict_u64(d, "ct_capacity",
				  (uint64_t)shm->ct_capacity * shm->nb_workers);
	rte_tel_data_add_dict_u64(d, "mbufs_in_use", shm->mbufs_in_use);
	rte_tel_data_add_dict_u64(d, "mbufs_total", shm->mbufs_total);
	return 0;
}

static int
cmd_worker(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sl_shm *shm = sl_dp.shm;
	uint64_t drops[SL_DROP_MAX];
	char name[64], *end;
	unsigned long w;
	unsigned int i;

	(void)cmd;
	if (params == NULL || *params == '\0')
		return -EINVAL;
	w = strtoul(params, &end, 10);
	if (*end || w >= shm->nb_workers)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	add_worker(d, &shm->w[w], drops);
	for (i = 1; i < SL_DROP_MAX; i++) {
		snprintf(name, sizeof(name), "drop_%s", sl_drop_name(i));
		rte_tel_data_add_dict_u64(d, name, drops[i]);
	}
	rte_tel_data_add_dict_u64(d, "epoch", shm->w[w].epoch);
	rte_tel_data_add_dict_u64(d, "lcore", shm->worker_lcore[w]);
	rte_tel_data_add_dict_u64(d, "ct_used", sl_ct_count(shm->ct[w]));
	return 0;
}

/* Runs fn on the running snapshot as an RCU reader. */
static int
with_snapshot(int (*fn)(const struct sl_snapshot *, const char *,
			struct rte_tel_data *), const char *params,
	      struct rte_tel_data *d)
{
	struct sl_shm *shm = sl_dp.shm;
	uint32_t tid = sl_dp.nb_workers + 1;
	const struct sl_snapshot *s;
	int rc;

	rte_spinlock_lock(&tel_lock);
	rte_rcu_qsbr_thread_online(shm->qsbr, tid);
	s = shm->ctl.current;
	rc = s ? fn(s, params ? params : "", d) : -ENODATA;
	rte_rcu_qsbr_thread_offline(shm->qsbr, tid);
	rte_spinlock_unlock(&tel_lock);
	return rc;
}

static const struct sl_snap_vip *
vip_by_name(const struct sl_snapshot *s, const char *name, size_t len)
{
	uint32_t i;

	for (i = 0; i < s->nb_vips; i++)
		if (strlen(s->vips[i].name) == len &&
		    strncmp(s->vips[i].name, name, len) == 0)
			return &s->vips[i];
	return NULL;
}

static int
list_vips(const struct sl_snapshot *s, const char *params,
	  struct rte_tel_data *d)
{
	uint32_t i;

	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (i = 0; i < s->nb_vips; i++)
		rte_tel_data_add_array_string(d, s->vips[i].name);
	return 0;
}

static int
one_vip(const struct sl_snapshot *s, const char *params,
	struct rte_tel_data *d)
{
	const struct sl_snap_vip *v = vip_by_name(s, params, strlen(params));
	const struct sl_shm *shm = sl_dp.shm;
	struct sl_vip_stats t;
	uint32_t k;

	if (v == NULL)
		return -EINVAL;
	sl_shm_sum_vip(shm, v->id, &t);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "packets", t.pkts);
	rte_tel_data_add_dict_u64(d, "bytes", t.bytes);
	rte_tel_data_add_dict_u64(d, "new_flows", t.new_flows);
	rte_tel_data_add_dict_u64(d, "active_flows", t.active_flows);
	rte_tel_data_add_dict_u64(d, "drops", t.drops);
	for (k = 0; k < SL_VPOL_MAX; k++)
		rte_tel_data_add_dict_u64(d, sl_vip_pol_names[k], t.pol[k]);
	rte_tel_data_add_dict_u64(d, "backends", v->nb_backends);
	return 0;
}

static int
list_backends(const struct sl_snapshot *s, const char *params,
	      struct rte_tel_data *d)
{
	const struct sl_snap_vip *v = vip_by_name(s, params, strlen(params));
	char ap[SL_ADDRPORTSTRLEN];
	uint32_t j;

	if (v == NULL)
		return -EINVAL;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (j = 0; j < v->nb_backends; j++)
		rte_tel_data_add_array_string(d, sl_addr_port_fmt(
			&v->backends[j].addr, ntohs(v->backends[j].port_be),
			ap, sizeof(ap)));
	return 0;
}

static int
one_backend(const struct sl_snapshot *s, const char *params,
	    struct rte_tel_data *d)
{
	const char *comma = strchr(params, ',');
	const struct sl_snap_vip *v;
	const struct sl_shm *shm = sl_dp.shm;
	struct sl_backend_stats t;
	struct sl_addr a;
	uint16_t port;
	uint32_t j;

	if (comma == NULL ||
	    (v = vip_by_name(s, params, (size_t)(comma - params))) == NULL ||
	    sl_addr_port_parse(comma + 1, &a, &port) < 0)
		return -EINVAL;
	for (j = 0; j < v->nb_backends; j++)
		if (sl_addr_eq(&v->backends[j].addr, &a) &&
		    v->backends[j].port_be == htons(port))
			break;
	if (j == v->nb_backends)
		return -EINVAL;
	sl_shm_sum_backend(shm, v->backends[j].id, &t);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "packets", t.pkts);
	rte_tel_data_add_dict_u64(d, "bytes", t.bytes);
	rte_tel_data_add_dict_u64(d, "new_flows", t.new_flows);
	rte_tel_data_add_dict_u64(d, "active_flows", t.active_flows);
	rte_tel_data_add_dict_u64(d, "weight", v->backends[j].weight);
	rte_tel_data_add_dict_u64(d, "down", v->backends[j].down);
	return 0;
}

/* Packets decided by each access rule of the running snapshot, by stable
 * rule id ("0" = the implicit default deny). */
static int
acl_hits(const struct sl_snapshot *s, const char *params,
	 struct rte_tel_data *d)
{
	bool dflt = false;
	char key[16];
	uint32_t i;

	(void)params;
	rte_tel_data_start_dict(d);
	for (i = 0; i < s->nb_acl; i++) {
		if (s->acl[i].id == SL_ACL_RULE_DEFAULT) {
			if (dflt)
				continue;	/* the default denies share it */
			dflt = true;
		}
		snprintf(key, sizeof(key), "%u", s->acl[i].id);
		rte_tel_data_add_dict_u64(d, key,
					  sl_shm_acl_hits(sl_dp.shm,
							  s->acl[i].id));
	}
	return 0;
}

#define SNAP_CMD(fn) \
static int \
cmd_##fn(const char *cmd, const char *params, struct rte_tel_data *d) \
{ \
	(void)cmd; \
	return with_snapshot(fn, params, d); \
}
SNAP_CMD(list_vips)
SNAP_CMD(one_vip)
SNAP_CMD(list_backends)
SNAP_CMD(one_backend)
SNAP_CMD(acl_hits)

int
sl_telemetry_init(struct sl_dp *dp)
{
	int rc;

	rte_rcu_qsbr_thread_register(dp->shm->qsbr, dp->nb_workers + 1);
	rc = rte_telemetry_register_cmd("/sluice/stats", cmd_stats,
		"Sluice totals over workers, drops by reason. No parameters");
	rc |= rte_telemetry_register_cmd("/sluice/worker", cmd_worker,
		"One worker's counters. Parameter: worker index");
	rc |= rte_telemetry_register_cmd("/sluice/vips", cmd_list_vips,
		"The VIP names. No parameters");
	rc |= rte_telemetry_register_cmd("/sluice/vip", cmd_one_vip,
		"One VIP's counters. Parameter: VIP name");
	rc |= rte_telemetry_register_cmd("/sluice/backends", cmd_list_backends,
		"A VIP's backends. Parameter: VIP name");
	rc |= rte_telemetry_register_cmd("/sluice/backend", cmd_one_backend,
		"One backend's counters. Parameters: VIP name,ADDR:PORT");
	rc |= rte_telemetry_register_cmd("/sluice/acl", cmd_acl_hits,
		"Packets decided per access rule id (0 = default deny). "
		"No parameters");
	if (rc != 0)
		SL_LOG(tel, WARNING, "telemetry commands not registered");
	/* dpdk-dumpcap attaches as a secondary and asks us to copy packets. */
	if (rte_pdump_init() < 0)
		SL_LOG(tel, WARNING, "packet capture unavailable: %s",
		       rte_strerror(rte_errno));
	return 0;
}

void
sl_telemetry_fini(void)
{
	rte_pdump_uninit();
}
