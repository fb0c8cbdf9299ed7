/* SPDX-License-Identifier: BSD-3-Clause
 * sluicectl verbs: writes go through the core config operations and
 * sl_ctl_apply(); reads render the shared counters as a table or JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "sl_ct.h"
#include "sl_flow.h"

#define B(...) sl_buf_printf(out, __VA_ARGS__)

/* What the data plane does with the backend: "down" (failed its health
 * check: no new flows, its flows follow on_backend_remove), "draining"
 * (weight 0: no new flows, established ones continue) or "up". */
static const char *
backend_state(const struct sl_backend_conf *b)
{
	if (b->down)
		return "down";
	return b->weight ? "up" : "draining";
}

/* JSON string contents: a health path may hold '"' or '\\'. */
static void
json_str(struct sl_buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			B("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			B("\\u%04x", (unsigned char)*s);
		else
			B("%c", *s);
	}
}

static void
health_conf_json(struct sl_buf *out, const struct sl_health_conf *h)
{
	B("{\"check\":\"%s\",\"path\":\"", sl_health_type_name(h->type));
	json_str(out, h->path);
	B("\",\"status\":%u,\"interval_ms\":%u,\"timeout_ms\":%u,"
	  "\"rise\":%u,\"fall\":%u,\"port\":%u}", h->status, h->interval_ms,
	  sl_health_timeout_ms(h), h->rise, h->fall, h->port);
}

static void
health_conf_text(struct sl_buf *out, const struct sl_health_conf *h)
{
	if (h->type == SL_HEALTH_NONE) {
		B("none");
		return;
	}
	if (h->type == SL_HEALTH_HTTP)
		B("http GET %s expect %u", h->path, h->status);
	else
		B("tcp");
	if (h->port)
		B(" port %u", h->port);
	B(" every %ums timeout %ums rise %u fall %u", h->interval_ms,
	  sl_health_timeout_ms(h), h->rise, h->fall);
}

/* Access rules, one line (text) or object (JSON) each; *n counts the
 * objects written so far for the commas. hits: per-rule counters indexed
 * by rule id, or NULL: the column / field is left out. */
static void
acl_rules_print(struct sl_buf *out, bool json, const char *scope,
		const struct sl_acl_rule *r, uint32_t nb, const uint64_t *hits,
		uint32_t *n)
{
	char a[SL_ADDRSTRLEN], pfx[SL_ADDRSTRLEN + 4];
	uint32_t i;

	for (i = 0; i < nb; i++, (*n)++) {
		snprintf(pfx, sizeof(pfx), "%s/%u",
			 sl_addr_fmt(&r[i].src, a, sizeof(a)), r[i].plen);
		if (json) {
			B("%s{\"id\":%u,\"scope\":\"%s\",\"action\":\"%s\","
			  "\"prefix\":\"%s\",\"line\":%u", *n ? "," : "",
			  r[i].id, scope, sl_acl_action_name(r[i].action), pfx,
			  r[i].line);
			if (hits != NULL)
				B(",\"hits\":%lu", hits[r[i].id]);
			B("}");
			continue;
		}
		B("%-5u %-16s %-6s %-44s ", r[i].id, scope,
		  sl_acl_action_name(r[i].action), pfx);
		if (r[i].line != 0)
			snprintf(a, sizeof(a), "%u", r[i].line);
		else
			snprintf(a, sizeof(a), "-");
		if (hits != NULL)
			B("%-6s %14lu\n", a, hits[r[i].id]);
		else
			B("%s\n", a);
	}
}

static void
acl_rules_header(struct sl_buf *out, bool hits)
{
	B("%-5s %-16s %-6s %-44s ", "ID", "SCOPE", "ACTION", "PREFIX");
	if (hits)
		B("%-6s %14s\n", "LINE", "HITS");
	else
		B("LINE\n");
}

/* acl list [NAME|--global]: the global rules, then each VIP's own (one
 * VIP's: the rules that apply to it). */
static int
acl_list(struct sl_ctl *ctl, const struct sl_cmd *cmd, struct sl_buf *out)
{
	static uint64_t acl_hits[SL_MAX_ACL_RULES];

	uint32_t i, n = 0;

	if (cmd->vip[0] && !sl_config_vip_find(&ctl->cfg, cmd->vip)) {
		B("no VIP named '%s'", cmd->vip);
		return -ENOENT;
	}
	for (i = 0; i < SL_MAX_ACL_RULES; i++)
		acl_hits[i] = sl_shm_acl_hits(ctl->shm, (uint16_t)i);
	if (cmd->json)
		B("{\"rules\":[");
	else
		acl_rules_header(out, true);
	acl_rules_print(out, cmd->json, "global", ctl->cfg.acl,
			ctl->cfg.nb_acl, acl_hits, &n);
	for (i = 0; i < ctl->cfg.nb_vips && !cmd->global; i++) {
		const struct sl_vip_conf *v = &ctl->cfg.vips[i];

		if (cmd->vip[0] && strcmp(cmd->vip, v->name) != 0)
			continue;
		acl_rules_print(out, cmd->json, v->name, v->policy.acl,
				v->policy.nb_acl, acl_hits, &n);
	}
	/* Every VIP's implicit default deny shares one counter. */
	if (cmd->json)
		B("],\"default_deny_hits\":%lu}\n",
		  acl_hits[SL_ACL_RULE_DEFAULT]);
	else
		B("default deny (no allow rule matched): %lu hits\n",
		  acl_hits[SL_ACL_RULE_DEFAULT]);
	return 0;
}

/* Every policy setting under its INI key, and the VIP's own rules. */
static void
policy_json(struct sl_buf *out, const struct sl_vip_conf *v)
{
	char val[32];
	unsigned int i, bit;
	uint32_t n = 0;

	B("{");
	for (i = 0; i < SL_POL_NB_KEYS; i++) {
		bit = 1u << i;
		sl_vip_policy_fmt(&v->policy, bit, val, sizeof(val));
		if (sl_vip_policy_numeric(bit))
			B("\"%s\":%s,", sl_vip_policy_key(bit), val);
		else
			B("\"%s\":\"%s\",", sl_vip_policy_key(bit), val);
	}
	B("\"rules\":[");
	acl_rules_print(out, true, v->name, v->policy.acl, v->policy.nb_acl,
			NULL, &n);
	B("]}");
}

static void
policy_text(struct sl_buf *out, const struct sl_vip_conf *v)
{
	char val[32];
	unsigned int i;

	B("  policy:");
	for (i = 0; i < SL_POL_NB_KEYS; i++)
		B(" %s=%s", sl_vip_policy_key(1u << i),
		  sl_vip_policy_fmt(&v->policy, 1u << i, val, sizeof(val)));
	B(" rules=%u\n", v->policy.nb_acl);
}

/* The VIP's edge policy counters (sl_vip_pol_names). */
static void
policy_counters(struct sl_buf *out, bool json, const struct sl_vip_stats *t)
{
	unsigned int k;

	B(json ? ",\"policy_counters\":{" : "  counters:");
	for (k = 0; k < SL_VPOL_MAX; k++)
		B(json ? "%s\"%s\":%lu" : "%s%s=%lu", json && k ? "," : " ",
		  sl_vip_pol_names[k], t->pol[k]);
	B(json ? "}" : "\n");
}

static int
vip_list(struct sl_ctl *ctl, const struct sl_cmd *cmd, struct sl_buf *out)
{
	char ap[SL_ADDRPORTSTRLEN];
	struct sl_vip_stats t;
	uint32_t i;

	if (cmd->json)
		B("[");
	else
		B("%-16s %-5s %-28s %-7s %-6s %-8s %12s %14s %10s %8s %8s "
		  "%s\n", "NAME", "PROTO", "ADDRESS", "TABLE", "REMOVE",
		  "BACKENDS", "PACKETS", "BYTES", "NEW", "ACTIVE", "DROPS",
		  "HEALTH");
	for (i = 0; i < ctl->cfg.nb_vips; i++) {
		const struct sl_vip_conf *v = &ctl->cfg.vips[i];

		sl_shm_sum_vip(ctl->shm, v->id, &t);
		sl_addr_port_fmt(&v->addr, v->port, ap, sizeof(ap));
		if (cmd->json) {
			B("%s{\"name\":\"%s\",\"proto\":\"%s\",\"address\":"
			  "\"%s\",\"table_size\":%u,\"on_backend_remove\":"
			  "\"%s\",\"backends\":%u,\"packets\":%lu,\"bytes\":%lu,"
			  "\"new_flows\":%lu,\"active_flows\":%lu,\"drops\":%lu,"
			  "\"health\":", i ? "," : "", v->name,
			  sl_proto_name(v->proto), ap, v->table_size,
			  sl_on_remove_name(v->on_remove), v->nb_backends,
			  t.pkts, t.bytes, t.new_flows, t.active_flows,
			  t.drops);
			health_conf_json(out, &v->health);
			B(",\"policy\":");
			policy_json(out, v);
			policy_counters(out, true, &t);
			B("}");
		} else {
			B("%-16s %-5s %-28s %-7u %-6s %-8u %12lu %14lu %10lu "
			  "%8lu %8lu ", v->name, sl_proto_name(v->proto), ap,
			  v->table_size, sl_on_remove_name(v->on_remove),
			  v->nb_backends, t.pkts, t.bytes, t.new_flows,
			  t.active_flows, t.drops);
			health_conf_text(out, &v->health);
			B("\n");
			policy_text(out, v);
			policy_counters(out, false, &t);
		}
	}
	if (cmd->json)
		B("]\n");
	return 0;
}

static void
backend_json(struct sl_ctl *ctl, struct sl_buf *out,
	     const struct sl_vip_conf *v, const struct sl_backend_conf *b,
	     bool first)
{
	char ap[SL_ADDRPORTSTRLEN];
	struct sl_backend_stats t;
	struct sl_health_view hv;

	sl_shm_sum_backend(ctl->shm, b->id, &t);
	sl_addr_port_fmt(&b->addr, b->port, ap, sizeof(ap));
	B("%s{\"vip\":\"%s\",\"address\":\"%s\",\"weight\":%u,"
	  "\"state\":\"%s\",\"packets\":%lu,\"bytes\":%lu,\"new_flows\":%lu,"
	  "\"active_flows\":%lu,\"health\":", first ? "" : ",", v->name, ap,
	  b->weight, backend_state(b), t.pkts, t.bytes, t.new_flows,
	  t.active_flows);
	if (!sl_health_backend(ctl, v, b, &hv)) {
		B("null}");
		return;
	}
	B("{\"check\":\"%s\",\"target\":\"%s\",\"up\":%s,\"last\":\"",
	  sl_health_type_name(v->health.type), hv.target,
	  hv.up ? "true" : "false");
	json_str(out, hv.last);
	B("\",\"last_ms\":%u,\"successes\":%u,\"failures\":%u,"
	  "\"checks\":%lu,\"failed_checks\":%lu,\"transitions\":%lu,"
	  "\"since_change_ms\":", hv.last_ms, hv.successes, hv.failures,
	  hv.checks, hv.failed, hv.transitions);
	if (hv.changed)
		B("%lu}}", hv.since_ms);
	else
		B("null}}");
}

static void
backend_text(struct sl_ctl *ctl, struct sl_buf *out,
	     const struct sl_vip_conf *v, const struct sl_backend_conf *b)
{
	char ap[SL_ADDRPORTSTRLEN], okf[24];
	struct sl_backend_stats t;
	struct sl_health_view hv;

	sl_shm_sum_backend(ctl->shm, b->id, &t);
	sl_addr_port_fmt(&b->addr, b->port, ap, sizeof(ap));
	B("%-16s %-28s %6u %-9s %12lu %14lu %10lu %8lu ", v->name, ap,
	  b->weight, backend_state(b), t.pkts, t.bytes, t.new_flows,
	  t.active_flows);
	if (!sl_health_backend(ctl, v, b, &hv)) {
		B("%-5s %9s %7s -\n", "-", "-", "-");
		return;
	}
	snprintf(okf, sizeof(okf), "%u/%u", hv.successes, hv.failures);
	B("%-5s %9s %7lu %s", sl_health_type_name(v->health.type), okf,
	  hv.transitions, hv.last);
	if (hv.checks)
		B(", %u ms", hv.last_ms);
	if (hv.changed)
		B(" (%s for %lu s)", hv.up ? "up" : "down",
		  hv.since_ms / 1000);
	B("\n");
}

static int
backend_list(struct sl_ctl *ctl, const struct sl_cmd *cmd, struct sl_buf *out)
{
	uint32_t i, j, n = 0;

	if (cmd->vip[0] && !sl_config_vip_find(&ctl->cfg, cmd->vip)) {
		B("no VIP named '%s'", cmd->vip);
		return -ENOENT;
	}
	if (cmd->json)
		B("[");
	else
		B("%-16s %-28s %6s %-9s %12s %14s %10s %8s %-5s %9s %7s %s\n",
		  "VIP", "BACKEND", "WEIGHT", "STATE", "PACKETS", "BYTES",
		  "NEW", "ACTIVE", "CHECK", "OK/FAIL", "CHANGES", "LAST");
	for (i = 0; i < ctl->cfg.nb_vips; i++) {
		const struct sl_vip_conf *v = &ctl->cfg.vips[i];

		if (cmd->vip[0] && strcmp(cmd->vip, v->name) != 0)
			continue;
		for (j = 0; j < v->nb_backends; j++) {
			if (cmd->json)
				backend_json(ctl, out, v, &v->backends[j],
					     n++ == 0);
			else
				backend_text(ctl, out, v, &v->backends[j]);
		}
	}
	if (cmd->json)
		B("]\n");
	return 0;
}

static const struct sl_vip_conf *
vip_of(const struct sl_ctl *ctl, uint16_t id)
{
	uint32_t i;

	for (i = 0; i < ctl->cfg.nb_vips; i++)
		if (ctl->cfg.vips[i].id == id)
			return &ctl->cfg.vips[i];
	return NULL;
}

/* The flow's VIP address and local address, rebuilt from the config and
 * the port's SNAT addresses (the entry keeps only the VIP's id). */
static void
flow_line(struct sl_ctl *ctl, const struct sl_cmd *cmd, struct sl_buf *out,
	  uint32_t w, const struct sl_ct_entry *e, uint64_t now, bool first)
{
	char c[SL_ADDRPORTSTRLEN], v[SL_ADDRPORTSTRLEN];
	char l[SL_ADDRPORTSTRLEN], b[SL_ADDRPORTSTRLEN];
	const struct sl_vip_conf *vc = vip_of(ctl, e->vip_id);
	const struct sl_shm_port *p = &ctl->shm->ports[e->out_port];
	uint8_t fam = sl_ct_family(e);
	struct sl_flow_key k;
	struct sl_addr a;
	uint32_t i;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < p->nb_snat && i < SL_MAX_SNAT_ADDRS; i++)
		if (p->snat[i].family == fam)
			a = p->snat[i];
	a.family = fam;
	sl_ct_key_rev(e, &a, &k);
	sl_flow_key_src(&k, &a);
	sl_addr_port_fmt(&a, ntohs(k.sport), b, sizeof(b));
	sl_flow_key_dst(&k, &a);
	sl_addr_port_fmt(&a, ntohs(k.dport), l, sizeof(l));
	memset(&a, 0, sizeof(a));
	if (vc != NULL && vc->addr.family == fam)
		a = vc->addr;
	a.family = fam;
	sl_ct_key_fwd(e, &a, vc != NULL ? htons(vc->port) : 0, &k);
	sl_flow_key_src(&k, &a);
	sl_addr_port_fmt(&a, ntohs(k.sport), c, sizeof(c));
	sl_flow_key_dst(&k, &a);
	sl_addr_port_fmt(&a, ntohs(k.dport), v, sizeof(v));
	if (cmd->json)
		B("%s{\"worker\":%u,\"vip\":\"%s\",\"proto\":\"%s\","
		  "\"client\":\"%s\",\"vip_address\":\"%s\",\"local\":\"%s\","
		  "\"backend\":\"%s\",\"state\":\"%s\",\"idle_ms\":%ld}",
		  first ? "" : ",", w, vc != NULL ? vc->name : "-",
		  sl_proto_name(sl_ct_proto(e)), c, v, l, b,
		  sl_ct_state_name(e->state),
		  (long)(int32_t)((uint32_t)now - e->last_seen));
	else
		B("%-3u %-10s %-4s %-28s %-28s %-28s %-28s %-12s %ld\n", w,
		  vc != NULL ? vc->name : "-", sl_proto_name(sl_ct_proto(e)), c,
		  v, l, b, sl_ct_state_name(e->state),
		  (long)(int32_t)((uint32_t)now - e->last_seen));
}

/* Reads the workers' tables while they run: a listing, not a snapshot. */
static int
flows(struct sl_ctl *ctl, const struct sl_cmd *cmd, struct sl_buf *out)
{
	const struct sl_vip_conf *only = NULL;
	uint32_t w, i, n = 0;

	if (cmd->vip[0] && !(only = sl_config_vip_find(&ctl->cfg, cmd->vip))) {
		B("no VIP named '%s'", cmd->vip);
		return -ENOENT;
	}
	if (cmd->json)
		B("[");
	else
		B("%-3s %-10s %-4s %-28s %-28s %-28s %-28s %-12s %s\n", "WK",
		  "VIP", "PROTO", "CLIENT", "VIP-ADDRESS", "LOCAL", "BACKEND",
		  "STATE", "IDLE-MS");
	for (w = 0; w < ctl->shm->nb_workers && n < cmd->limit; w++) {
		const struct sl_ct *ct = ctl->shm->ct[w];
		uint32_t cap = sl_ct_capacity(ct);

		for (i = 0; i < cap && n < cmd->limit; i++) {
			const struct sl_ct_entry *e = sl_ct_slot(ct, i);

			if (e == NULL || (only && e->vip_id != only->id))
				continue;
			flow_line(ctl, cmd, out, w, e, ctl->shm->w[w].now_ms,
				  n == 0);
			n++;
		}
	}
	if (cmd->json)
		B("]\n");
	return 0;
}

static void
stats_text(struct sl_ctl *ctl, struct sl_buf *out)
{
	const struct sl_shm *shm = ctl->shm;
	uint32_t w, i;
	uint64_t tot;

	B("%-14s", "COUNTER");
	for (w = 0; w < shm->nb_workers; w++)
		B(" %12s%-2u", "worker", w);
	B(" %14s\n", "total");
	for (i = 0; i < SL_WORKER_FIELDS; i++) {
		B("%-14s", sl_worker_fields[i]);
		for (w = 0, tot = 0; w < shm->nb_workers; w++) {
			B(" %14lu", sl_worker_field(&shm->w[w], i));
			tot += sl_worker_field(&shm->w[w], i);
		}
		B(" %14lu\n", tot);
	}
	B("%-14s", "epoch");
	for (w = 0; w < shm->nb_workers; w++)
		B(" %14lu", shm->w[w].epoch);
	B(" %14lu\n", shm->ctl.epoch);
	B("%-14s", "ct_used");
	for (w = 0; w < shm->nb_workers; w++)
		B(" %14u", sl_ct_count(shm->ct[w]));
	B(" %14s\n", "");
	B("\ndrops (nonzero):\n");
	for (i = 1; i < SL_DROP_MAX; i++) {
		for (w = 0, tot = 0; w < shm->nb_workers; w++)
			tot += shm->w[w].drops[i];
		if (tot)
			B("  %-20s %lu\n", sl_drop_name(i), tot);
	}
	B("\nmain lcore: arp/nd in %lu, replies %lu, tx %lu\n"
	  "mbufs in use: %lu of %lu\n", shm->main_stats.rx_pkts,
	  shm->main_stats.replied, shm->main_stats.tx_pkts,
	  shm->mbufs_in_use, shm->mbufs_total);
}

static void
stats_json(struct sl_ctl *ctl, struct sl_buf *out)
{
	const struct sl_shm *shm = ctl->shm;
	struct sl_backend_stats bt;
	struct sl_vip_stats vt;
	char ap[SL_ADDRPORTSTRLEN];
	uint32_t w, i, j, n;

	B("{\"epoch\":%lu,\"workers\":[", shm->ctl.epoch);
	for (w = 0; w < shm->nb_workers; w++) {
		B("%s{\"worker\":%u,\"lcore\":%u,\"epoch\":%lu,"
		  "\"ct_used\":%u,\"ct_capacity\":%u", w ? "," : "", w,
		  shm->worker_lcore[w], shm->w[w].epoch,
		  sl_ct_count(shm->ct[w]), sl_ct_capacity(shm->ct[w]));
		for (i = 0; i < SL_WORKER_FIELDS; i++)
			B(",\"%s\":%lu", sl_worker_fields[i],
			  sl_worker_field(&shm->w[w], i));
		B(",\"drops\":{");
		for (i = 1, n = 0; i < SL_DROP_MAX; i++)
			B("%s\"%s\":%lu", n++ ? "," : "", sl_drop_name(i),
			  shm->w[w].drops[i]);
		B("}}");
	}
	B("],\"vips\":[");
	for (i = 0; i < ctl->cfg.nb_vips; i++) {
		const struct sl_vip_conf *v = &ctl->cfg.vips[i];

		sl_shm_sum_vip(ctl->shm, v->id, &vt);
		B("%s{\"name\":\"%s\",\"packets\":%lu,\"bytes\":%lu,"
		  "\"new_flows\":%lu,\"active_flows\":%lu,\"drops\":%lu,"
		  "\"backends\":[", i ? "," : "", v->name, vt.pkts, vt.bytes,
		  vt.new_flows, vt.active_flows, vt.drops);
		for (j = 0; j < v->nb_backends; j++) {
			sl_shm_sum_backend(ctl->shm, v->backends[j].id, &bt);
			sl_addr_port_fmt(&v->backends[j].addr,
					 v->backends[j].port, ap, sizeof(ap));
			B("%s{\"address\":\"%s\",\"weight\":%u,\"packets\":%lu,"
			  "\"bytes\":%lu,\"new_flows\":%lu,\"active_flows\":"
			  "%lu}", j ? "," : "", ap, v->backends[j].weight,
			  bt.pkts, bt.bytes, bt.new_flows, bt.active_flows);
		}
		B("]}");
	}
	B("],\"main\":{\"rx_pkts\":%lu,\"replied\":%lu,\"tx_pkts\":%lu},"
	  "\"mbufs_in_use\":%lu,\"mbufs_total\":%lu}\n",
	  shm->main_stats.rx_pkts, shm->main_stats.replied,
	  shm->main_stats.tx_pkts, shm->mbufs_in_use, shm->mbufs_total);
}

static void
status(struct sl_ctl *ctl, const struct sl_cmd *cmd, struct sl_buf *out)
{
	const struct sl_shm *shm = ctl->shm;
	struct sl_health_totals ht;
	char a[SL_ADDRSTRLEN];
	uint32_t p, j, n = 0;

	if (cmd->json) {
		B("{\"dataplane_pid\":%d,\"workers\":%u,\"epoch\":%lu,"
		  "\"in_sync\":%s,\"vips\":%u,", shm->dp_pid,
		  shm->nb_workers, shm->ctl.epoch,
		  sl_ctl_workers_at(ctl, shm->ctl.epoch) ? "true" : "false",
		  ctl->cfg.nb_vips);
		sl_health_totals(ctl, &ht);
		B("\"health\":{\"checked\":%u,\"down\":%u,\"checks\":%lu,"
		  "\"failed_checks\":%lu,\"went_down\":%lu,\"came_up\":%lu},",
		  ht.checked, ht.down, ht.checks, ht.failed, ht.downs, ht.ups);
		B("\"neighbors\":[");
		for (j = 0; j < SL_NEIGH_MAX; j++) {
			const struct sl_neigh *e = &shm->neigh[j];

			if (e->state == SL_NEIGH_EMPTY)
				continue;
			B("%s{\"address\":\"%s\",\"mac\":\"%02x:%02x:%02x:%02x:"
			  "%02x:%02x\",\"port\":\"%s\",\"state\":%u}",
			  n++ ? "," : "", sl_addr_fmt(&e->addr, a, sizeof(a)),
			  e->mac[0], e->mac[1], e->mac[2], e->mac[3], e->mac[4],
			  e->mac[5], shm->ports[e->port].name, e->state);
		}
		B("]}\n");
		return;
	}
	B("data plane pid %d, %u workers, config epoch %lu (%s), %u VIPs\n",
	  shm->dp_pid, shm->nb_workers, shm->ctl.epoch,
	  sl_ctl_workers_at(ctl, shm->ctl.epoch) ? "all workers run it" :
	  "not yet on every worker", ctl->cfg.nb_vips);
	sl_health_totals(ctl, &ht);
	B("health: %u backends checked, %u down; %lu checks, %lu failed; "
	  "%lu went down, %lu came back\n", ht.checked, ht.down, ht.checks,
	  ht.failed, ht.downs, ht.ups);
	for (p = 0; p < shm->nb_ports; p++) {
		const struct sl_shm_port *sp = &shm->ports[p];

		B("port %s: ethdev %u mac %02x:%02x:%02x:%02x:%02x:%02x",
		  sp->name, sp->port_id, sp->mac[0], sp->mac[1], sp->mac[2],
		  sp->mac[3], sp->mac[4], sp->mac[5]);
		for (j = 0; j < sp->nb_addrs; j++)
			B(" %s/%u", sl_addr_fmt(&sp->addrs[j].addr, a,
						sizeof(a)), sp->addrs[j].plen);
		B("\n");
	}
	for (j = 0; j < SL_NEIGH_MAX; j++) {
		const struct sl_neigh *e = &shm->neigh[j];
		static const char *const st[] = { "-", "incomplete",
						  "reachable", "static" };

		if (e->state == SL_NEIGH_EMPTY)
			continue;
		B("neighbour %-24s %02x:%02x:%02x:%02x:%02x:%02x %-8s %s\n",
		  sl_addr_fmt(&e->addr, a, sizeof(a)), e->mac[0], e->mac[1],
		  e->mac[2], e->mac[3], e->mac[4], e->mac[5],
		  shm->ports[e->port].name, st[e->state & 3]);
	}
}

static int
applied(struct sl_ctl *ctl, struct sl_config *next, struct sl_buf *out,
	const char *what)
{
	char err[SL_ERR_MAX];
	int rc;

	sl_health_prepare(ctl, next);
	rc = sl_ctl_apply(ctl, next, err, sizeof(err));
	sl_config_free(next);
	if (rc < 0) {
		B("%s", err);
		return rc;
	}
	B("%s: config epoch %lu %s\n", what, ctl->shm->ctl.epoch,
	  sl_ctl_workers_at(ctl, ctl->shm->ctl.epoch) ?
	  "running on every worker" : "pushed (not yet on every worker)");
	return 0;
}

int
sl_ctl_reload(struct sl_ctl *ctl, struct sl_buf *out)
{
	struct sl_config next;
	char err[SL_ERR_MAX];
	int rc;

	sl_config_init(&next);
	rc = sl_config_load(ctl->conf_path, &next, err, sizeof(err));
	if (rc < 0) {
		sl_config_free(&next);
		B("reload refused, running config kept: %s", err);
		return rc;
	}
	return applied(ctl, &next, out, "reloaded");
}

/* The health settings of a vip or backend command, after the rest. */
static int
write_health(struct sl_config *next, const struct sl_cmd *cmd, char *err,
	     size_t errlen)
{
	if (cmd->verb == SL_CMD_VIP_ADD || cmd->verb == SL_CMD_VIP_SET)
		return cmd->health_set == 0 ? 0 :
		       sl_config_vip_health(next, cmd->vip, &cmd->health,
					    cmd->health_set, err, errlen);
	if (cmd->be_health == -1 && !cmd->has_health_addr)
		return 0;
	return sl_config_backend_health(next, cmd->vip, &cmd->addr, cmd->port,
					cmd->be_health, cmd->has_health_addr ?
					&cmd->health_addr : NULL, err, errlen);
}

static int
write_cmd(struct sl_ctl *ctl, const struct sl_cmd *cmd, struct sl_buf *out)
{
	struct sl_config next;
	char err[SL_ERR_MAX] = "";
	int rc;

	rc = sl_config_copy(&next, &ctl->cfg);
	if (rc < 0) {
		B("out of memory");
		return rc;
	}
	switch (cmd->verb) {
	case SL_CMD_VIP_ADD:
		rc = sl_config_vip_add(&next, cmd->vip, &cmd->addr, cmd->port,
				       cmd->proto, err, sizeof(err));
		if (rc == 0)
			rc = sl_config_vip_set(&next, cmd->vip, cmd->table_size,
					       cmd->on_remove, err,
					       sizeof(err));
		break;
	case SL_CMD_VIP_SET:
		rc = sl_config_vip_set(&next, cmd->vip, cmd->table_size,
				       cmd->on_remove, err, sizeof(err));
		break;
	case SL_CMD_VIP_DEL:
		rc = sl_config_vip_del(&next, cmd->vip, err, sizeof(err));
		break;
	case SL_CMD_BACKEND_ADD:
		rc = sl_config_backend_set(&next, cmd->vip, &cmd->addr,
					   cmd->port, cmd->has_weight ?
					   cmd->weight : 1, true, false, err,
					   sizeof(err));
		break;
	case SL_CMD_BACKEND_SET:	/* weight, health settings or both */
		rc = !cmd->has_weight ? 0 :
		     sl_config_backend_set(&next, cmd->vip, &cmd->addr,
					   cmd->port, cmd->weight, false, true,
					   err, sizeof(err));
		break;
	case SL_CMD_BACKEND_DEL:
		rc = sl_config_backend_del(&next, cmd->vip, &cmd->addr,
					   cmd->port, err, sizeof(err));
		break;
	case SL_CMD_VIP_POLICY:
		rc = sl_config_vip_policy(&next, cmd->vip, &cmd->policy,
					  cmd->policy_set, err, sizeof(err));
		break;
	case SL_CMD_ACL_ADD:
		rc = sl_config_acl_add(&next, cmd->global ? NULL : cmd->vip,
				       cmd->acl_action, &cmd->addr, cmd->plen,
				       err, sizeof(err));
		break;
	case SL_CMD_ACL_DEL:
		rc = sl_config_acl_del(&next, cmd->global ? NULL : cmd->vip,
				       &cmd->addr, cmd->plen, err, sizeof(err));
		break;
	default:
		rc = -EINVAL;
		snprintf(err, sizeof(err), "not a write verb");
	}
	if (rc == 0)
		rc = write_health(&next, cmd, err, sizeof(err));
	if (rc < 0) {
		sl_config_free(&next);
		B("%s", err[0] ? err : sl_strerror(rc));
		return rc;
	}
	return applied(ctl, &next, out, "ok");
}

int
sl_ctl_exec(struct sl_ctl *ctl, const struct sl_cmd *cmd, struct sl_buf *out)
{
	switch (cmd->verb) {
	case SL_CMD_VIP_LIST:
		return vip_list(ctl, cmd, out);
	case SL_CMD_BACKEND_LIST:
		return backend_list(ctl, cmd, out);
	case SL_CMD_ACL_LIST:
		return acl_list(ctl, cmd, out);
	case SL_CMD_FLOWS:
		return flows(ctl, cmd, out);
	case SL_CMD_STATS:
		if (cmd->json)
			stats_json(ctl, out);
		else
			stats_text(ctl, out);
		return 0;
	case SL_CMD_STATUS:
		status(ctl, cmd, out);
		return 0;
	case SL_CMD_RELOAD:
		return sl_ctl_reload(ctl, out);
	default:
		return write_cmd(ctl, cmd, out);
	}
}
