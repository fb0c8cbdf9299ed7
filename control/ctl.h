/* SPDX-License-Identifier: BSD-3-Clause
 * sluice-control: context shared by its modules.
 */
#ifndef SL_CTL_H
#define SL_CTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "sl_cli.h"
#include "sl_config.h"
#include "sl_ids.h"
#include "sl_shm.h"

#define SL_MAX_PENDING	64

struct rte_ring;
struct sl_health;

/* A replaced snapshot waiting for its grace period. */
struct sl_pending {
	struct sl_snapshot *snap;
	uint64_t replaced_by;	/* epoch every worker must run first */
	uint64_t token;		/* RCU token, valid when token_taken */
	bool token_taken;
};

struct sl_ctl {
	char conf_path[256];
	struct sl_config cfg;		/* the running config */
	struct sl_ids ids;
	struct sl_shm *shm;
	struct rte_ring *cfg_ring[SL_MAX_WORKERS];
	struct sl_pending pending[SL_MAX_PENDING];
	uint32_t nb_pending;
	int listen_fd;
	int metrics_fd;			/* -1 = no /metrics listener */
	volatile bool quit;
	volatile bool reload;
	struct sl_health *health;	/* health.c; NULL until started */
};

/* A growable text buffer for responses. */
struct sl_buf {
	char *s;
	size_t len;
	size_t cap;
	bool oom;
};

void sl_buf_printf(struct sl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sl_buf_free(struct sl_buf *b);

/* push.c */
int sl_ctl_apply(struct sl_ctl *ctl, struct sl_config *next, char *err,
		 size_t errlen);
void sl_ctl_reap(struct sl_ctl *ctl);
bool sl_ctl_workers_at(const struct sl_ctl *ctl, uint64_t epoch);

/* cmds.c: executes one parsed command; output or error message in out.
 * Returns 0 or a negative errno. */
int sl_ctl_exec(struct sl_ctl *ctl, const struct sl_cmd *cmd,
		struct sl_buf *out);
int sl_ctl_reload(struct sl_ctl *ctl, struct sl_buf *out);

/* metrics.c: Prometheus text on [control] metrics */
int sl_metrics_open(struct sl_ctl *ctl);
void sl_metrics_close(struct sl_ctl *ctl);
void sl_metrics_serve(struct sl_ctl *ctl);
void sl_metrics_render(const struct sl_ctl *ctl, struct sl_buf *out);

/* health.c: health checks from the control host's network stack. A
 * thread runs them; sl_health_poll(), once per main loop, pushes the
 * backends that went up or down (as `down` in a config copy). */
struct sl_health_view {
	bool up;
	bool changed;			/* since_ms is valid */
	uint32_t successes, failures;	/* consecutive */
	uint32_t last_ms;		/* duration of the last check */
	uint64_t checks, failed, transitions;
	uint64_t since_ms;		/* since the last transition */
	char last[64];			/* result of the last check */
	char target[SL_ADDRPORTSTRLEN];	/* where the checks go */
};

struct sl_health_totals {
	uint32_t checked, down;		/* backends now */
	uint64_t checks, failed;	/* checks run, checks failed */
	uint64_t ups, downs;		/* transitions */
};

/* Seeds `down` from the running snapshot, starts the thread. */
int sl_health_start(struct sl_ctl *ctl);
void sl_health_stop(struct sl_ctl *ctl);
void sl_health_poll(struct sl_ctl *ctl);
/* Before next is applied: the down flags of backends that stay, new
 * backends of checked VIPs down until they pass, unchecked ones up. */
void sl_health_prepare(struct sl_ctl *ctl, struct sl_config *next);
/* False when b is not checked. */
bool sl_health_backend(struct sl_ctl *ctl, const struct sl_vip_conf *v,
		       const struct sl_backend_conf *b,
		       struct sl_health_view *out);
void sl_health_totals(struct sl_ctl *ctl, struct sl_health_totals *out);

/* server.c */
int sl_server_open(struct sl_ctl *ctl);
void sl_server_poll(struct sl_ctl *ctl, int timeout_ms);
void sl_server_close(struct sl_ctl *ctl);

#endif
