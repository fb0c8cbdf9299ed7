/* SPDX-License-Identifier: BSD-3-Clause
 * Prometheus text format on http://ADDR:PORT/metrics ([control] metrics),
 * the same counters as `sluicectl stats`. One request per connection,
 * answered from the main loop with short timeouts.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ctl.h"
#include "sl_ct.h"

#define B(...) sl_buf_printf(out, __VA_ARGS__)

static void
help(struct sl_buf *out, const char *name, const char *type,
     const char *text)
{
	B("# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void
worker_metrics(const struct sl_ctl *ctl, struct sl_buf *out)
{
	const struct sl_shm *shm = ctl->shm;
	char name[96];
	uint32_t w, i;

	for (i = 0; i < SL_WORKER_FIELDS; i++) {
		bool gauge = strcmp(sl_worker_fields[i], "flows_active") == 0;

		snprintf(name, sizeof(name), "sluice_worker_%s%s",
			 sl_worker_fields[i], gauge ? "" : "_total");
		help(out, name, gauge ? "gauge" : "counter",
		     "per worker, see sluicectl stats");
		for (w = 0; w < shm->nb_workers; w++)
			B("%s{worker=\"%u\"} %lu\n", name, w,
			  sl_worker_field(&shm->w[w], i));
	}
	help(out, "sluice_worker_drops_total", "counter",
	     "packets dropped, by worker and reason");
	for (w = 0; w < shm->nb_workers; w++)
		for (i = 1; i < SL_DROP_MAX; i++)
			B("sluice_worker_drops_total{worker=\"%u\",reason=\"%s\"}"
			  " %lu\n", w, sl_drop_name(i), shm->w[w].drops[i]);
	help(out, "sluice_worker_config_epoch", "gauge",
	     "snapshot epoch the worker runs");
	for (w = 0; w < shm->nb_workers; w++)
		B("sluice_worker_config_epoch{worker=\"%u\"} %lu\n", w,
		  shm->w[w].epoch);
	help(out, "sluice_conntrack_flows", "gauge", "tracked flows");
	for (w = 0; w < shm->nb_workers; w++)
		B("sluice_conntrack_flows{worker=\"%u\"} %u\n", w,
		  sl_ct_count(shm->ct[w]));
	help(out, "sluice_conntrack_capacity", "gauge",
	     "slots per worker (an IPv4 flow takes one, an IPv6 flow two)");
	B("sluice_conntrack_capacity %u\n", shm->ct_capacity);
	help(out, "sluice_config_epoch", "gauge", "last pushed snapshot");
	B("sluice_config_epoch %lu\n", shm->ctl.epoch);
	help(out, "sluice_mbufs_in_use", "gauge", "packet buffers in use");
	B("sluice_mbufs_in_use %lu\n", shm->mbufs_in_use);
	help(out, "sluice_mbufs_total", "gauge", "packet buffers in the pool");
	B("sluice_mbufs_total %lu\n", shm->mbufs_total);
}

static void
vip_metrics(const struct sl_ctl *ctl, struct sl_buf *out)
{
	static const char *const vn[] = { "packets_total", "bytes_total",
		"new_flows_total", "active_flows", "drops_total" };
	static const char *const bn[] = { "packets_total", "bytes_total",
		"new_flows_total", "active_flows" };
	char ap[SL_ADDRPORTSTRLEN];
	uint32_t i, j, k;

	for (k = 0; k < SL_ARRAY_SIZE(vn); k++) {
		B("# TYPE sluice_vip_%s %s\n", vn[k],
		  k == 3 ? "gauge" : "counter");
		for (i = 0; i < ctl->cfg.nb_vips; i++) {
			const struct sl_vip_conf *v = &ctl->cfg.vips[i];
			struct sl_vip_stats t;

			sl_shm_sum_vip(ctl->shm, v->id, &t);
			B("sluice_vip_%s{vip=\"%s\"} %lu\n", vn[k], v->name,
			  ((const uint64_t *)&t)[k]);
		}
	}
	for (k = 0; k < SL_ARRAY_SIZE(bn); k++) {
		B("# TYPE sluice_backend_%s %s\n", bn[k],
		  k == 3 ? "gauge" : "counter");
		for (i = 0; i < ctl->cfg.nb_vips; i++) {
			const struct sl_vip_conf *v = &ctl->cfg.vips[i];

			for (j = 0; j < v->nb_backends; j++) {
				const struct sl_backend_conf *b =
					&v->backends[j];
				struct sl_backend_stats t;

				sl_shm_sum_backend(ctl->shm, b->id, &t);
				sl_addr_port_fmt(&b->addr, b->port, ap,
						 sizeof(ap));
				B("sluice_backend_%s{vip=\"%s\",backend=\"%s\"}"
				  " %lu\n", bn[k], v->name, ap,
				  ((const uint64_t *)&t)[k]);
			}
		}
	}
	for (k = 0; k < SL_VPOL_MAX; k++) {
		B("# TYPE sluice_vip_%s_total counter\n", sl_vip_pol_names[k]);
		for (i = 0; i < ctl->cfg.nb_vips; i++) {
			const struct sl_vip_conf *v = &ctl->cfg.vips[i];
			struct sl_vip_stats t;

			sl_shm_sum_vip(ctl->shm, v->id, &t);
			B("sluice_vip_%s_total{vip=\"%s\"} %lu\n",
			  sl_vip_pol_names[k], v->name, t.pol[k]);
		}
	}
	B("# TYPE sluice_backend_weight gauge\n");
	B("# TYPE sluice_backend_up gauge\n");
	for (i = 0; i < ctl->cfg.nb_vips; i++) {
		const struct sl_vip_conf *v = &ctl->cfg.vips[i];

		for (j = 0; j < v->nb_backends; j++) {
			sl_addr_port_fmt(&v->backends[j].addr,
					 v->backends[j].port, ap, sizeof(ap));
			B("sluice_backend_weight{vip=\"%s\",backend=\"%s\"} "
			  "%u\n", v->name, ap, v->backends[j].weight);
			B("sluice_backend_up{vip=\"%s\",backend=\"%s\"} %d\n",
			  v->name, ap, !v->backends[j].down);
		}
	}
}

static void
acl_rule_metric(const struct sl_ctl *ctl, struct sl_buf *out,
		const char *scope, const struct sl_acl_rule *r)
{
	char a[SL_ADDRSTRLEN];

	B("sluice_acl_rule_hits_total{id=\"%u\",scope=\"%s\",action=\"%s\","
	  "prefix=\"%s/%u\"} %lu\n", r->id, scope,
	  sl_acl_action_name(r->action), sl_addr_fmt(&r->src, a, sizeof(a)),
	  r->plen, sl_shm_acl_hits(ctl->shm, r->id));
}

/* Packets decided by each access rule (allowed or denied). */
static void
acl_metrics(const struct sl_ctl *ctl, struct sl_buf *out)
{
	uint32_t i, j;

	help(out, "sluice_acl_rule_hits_total", "counter",
	     "packets decided by an access rule");
	for (i = 0; i < ctl->cfg.nb_acl; i++)
		acl_rule_metric(ctl, out, "global", &ctl->cfg.acl[i]);
	for (i = 0; i < ctl->cfg.nb_vips; i++) {
		const struct sl_vip_conf *v = &ctl->cfg.vips[i];

		for (j = 0; j < v->policy.nb_acl; j++)
			acl_rule_metric(ctl, out, v->name, &v->policy.acl[j]);
	}
	help(out, "sluice_acl_default_deny_hits_total", "counter",
	     "packets denied for matching no allow rule");
	B("sluice_acl_default_deny_hits_total %lu\n",
	  sl_shm_acl_hits(ctl->shm, SL_ACL_RULE_DEFAULT));
}

void
sl_metrics_render(const struct sl_ctl *ctl, struct sl_buf *out)
{
	help(out, "sluice_dataplane_up", "gauge",
	     "1 when sluice-control is attached to a running data plane");
	B("sluice_dataplane_up %d\n", ctl->shm != NULL);
	if (ctl->shm == NULL)
		return;
	worker_metrics(ctl, out);
	vip_metrics(ctl, out);
	acl_metrics(ctl, out);
}

int
sl_metrics_open(struct sl_ctl *ctl)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	ctl->metrics_fd = -1;
	if (ctl->cfg.metrics_port == 0)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (ctl->cfg.metrics_addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(ctl->cfg.metrics_port);
		memcpy(&sin->sin_addr, ctl->cfg.metrics_addr.b, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ctl->cfg.metrics_port);
		memcpy(&sin6->sin6_addr, ctl->cfg.metrics_addr.b, 16);
		len = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	ctl->metrics_fd = fd;
	return 0;
}

void
sl_metrics_close(struct sl_ctl *ctl)
{
	if (ctl->metrics_fd >= 0)
		close(ctl->metrics_fd);
	ctl->metrics_fd = -1;
}

/* Reads the request head (bounded), answers GET /metrics, 404 otherwise. */
void
sl_metrics_serve(struct sl_ctl *ctl)
{
	struct timeval tv = { 1, 0 };
	struct sl_buf out = { 0 };
	char req[2048], hdr[160];
	size_t got = 0;
	ssize_t n;
	int fd, hl;

	fd = accept4(ctl->metrics_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < sizeof(req) - 1) {
		n = read(fd, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[got] = '\0';
	if (strncmp(req, "GET /metrics ", 13) == 0 ||
	    strncmp(req, "GET /metrics?", 13) == 0) {
		sl_metrics_render(ctl, &out);
		hl = snprintf(hdr, sizeof(hdr), "HTTP/1.0 200 OK\r\nContent-Type: "
			      "text/plain; version=0.0.4\r\nContent-Length: %zu"
			      "\r\n\r\n", out.len);
	} else {
		sl_buf_printf(&out, "only GET /metrics here\n");
		hl = snprintf(hdr, sizeof(hdr), "HTTP/1.0 404 Not Found\r\n"
			      "Content-Length: %zu\r\n\r\n", out.len);
	}
	if (!out.oom && send(fd, hdr, (size_t)hl, MSG_NOSIGNAL) == hl)
		send(fd, out.s, out.len, MSG_NOSIGNAL);
	sl_buf_free(&out);
	close(fd);
}
