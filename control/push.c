/* SPDX-License-Identifier: BSD-3-Clause
 * Building snapshots in shared memory, pushing them to every worker's ring,
 * and freeing replaced ones after an RCU grace period. Workers never stop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "acl.h"
#include "ctl.h"
#include "sl_acl.h"
#include "sl_snapshot.h"

#define EPOCH_WAIT_MS	2000

bool
sl_ctl_workers_at(const struct sl_ctl *ctl, uint64_t epoch)
{
	uint32_t w;

	for (w = 0; w < ctl->shm->nb_workers; w++)
		if (ctl->shm->w[w].epoch < epoch)
			return false;
	return true;
}

/* The rte_acl contexts of s's access rules, named after its epoch and
 * this process: no two live snapshots share a name, and neither do those
 * of an earlier control plane whose snapshot is still running (epochs
 * only grow). Nothing to build without rules. */
static int
snap_acl_build(struct sl_snapshot *s, char *err, size_t errlen)
{
	struct rte_acl_ctx *v4, *v6;
	char tag[24];
	int rc;

	s->acl4 = NULL;
	s->acl6 = NULL;
	if (s->nb_acl == 0)
		return 0;
	/* at most 8 + 1 + 8 characters: the 20 sl_acl_build() allows */
	snprintf(tag, sizeof(tag), "%" PRIx32 "_%x", (uint32_t)s->epoch,
		 (unsigned int)getpid());
	rc = sl_acl_build(s->acl, s->nb_acl, tag, &v4, &v6, err, errlen);
	if (rc < 0)
		return rc;
	s->acl4 = v4;
	s->acl6 = v6;
	return 0;
}

/* The generation of s's rules: old's when they are the same rules,
 * else the next one (never 0 in the low 16 bits that flows keep). */
static uint32_t
acl_gen(const struct sl_snapshot *old, const struct sl_snapshot *s)
{
	uint32_t g;

	if (old == NULL)
		return 1;
	if (old->nb_acl == s->nb_acl &&
	    memcmp(old->acl, s->acl, s->nb_acl * sizeof(*s->acl)) == 0)
		return old->acl_gen;
	g = old->acl_gen + 1;
	return (g & 0xffff) == 0 ? g + 1 : g;
}

/* A snapshot and what it owns outside its block. */
static void
snap_free(struct sl_snapshot *s)
{
	sl_acl_free(s->acl4);
	sl_acl_free(s->acl6);
	rte_free(s);
}

static void
retire(struct sl_ctl *ctl, struct sl_snapshot *old, uint64_t epoch)
{
	struct sl_pending *p;

	if (old == NULL)
		return;
	if (ctl->nb_pending == SL_MAX_PENDING) {
		/* Cannot happen unless workers stall for a long time: keep
		 * the memory rather than free what may still be in use. */
		fprintf(stderr, "sluice-control: too many snapshots awaiting "
			"grace period; leaking one\n");
		return;
	}
	p = &ctl->pending[ctl->nb_pending++];
	p->snap = old;
	p->replaced_by = epoch;
	p->token_taken = false;
}

void
sl_ctl_reap(struct sl_ctl *ctl)
{
	uint32_t i = 0;

	while (i < ctl->nb_pending) {
		struct sl_pending *p = &ctl->pending[i];

		if (!sl_ctl_workers_at(ctl, p->replaced_by)) {
			i++;
			continue;
		}
		/* Every worker runs a newer snapshot; the main lcore may still
		 * hold this one until its next quiescent state. */
		if (!p->token_taken) {
			p->token = rte_rcu_qsbr_start(ctl->shm->qsbr);
			p->token_taken = true;
		}
		if (rte_rcu_qsbr_check(ctl->shm->qsbr, p->token, false) != 1) {
			i++;
			continue;
		}
		snap_free(p->snap);
		*p = ctl->pending[--ctl->nb_pending];
	}
}

/* To every worker, or to none: a snapshot some worker took must not be
 * freed. This process is the rings' only producer, so room seen here
 * stays until the enqueue. */
static int
push(struct sl_ctl *ctl, struct sl_snapshot *s)
{
	uint32_t w;

	for (w = 0; w < ctl->shm->nb_workers; w++)
		if (rte_ring_free_count(ctl->cfg_ring[w]) == 0)
			return -ENOBUFS;
	for (w = 0; w < ctl->shm->nb_workers; w++)
		if (rte_ring_enqueue(ctl->cfg_ring[w], s) != 0)
			return -EIO;	/* cannot happen: see above */
	return 0;
}

/* Rule ids of next carried over from the running config; the counters
 * of ids that name a new rule start from zero. */
static int
acl_ids(struct sl_ctl *ctl, struct sl_config *next, char *err,
	size_t errlen)
{
	static uint8_t fresh[SL_MAX_ACL_RULES];
	uint32_t id, w;

	memset(fresh, 0, sizeof(fresh));
	if (sl_acl_ids_carry(next, &ctl->cfg, fresh) < 0) {
		snprintf(err, errlen, "more than %u access rules",
			 SL_MAX_ACL_RULES - 1);
		return -ENOSPC;
	}
	for (id = 1; id < SL_MAX_ACL_RULES; id++)
		for (w = 0; fresh[id] && w < ctl->shm->nb_workers; w++)
			ctl->shm->acl_hits[w][id] = 0;
	return 0;
}

/* Makes next the running config: ids, snapshot, push, wait for every
 * worker to run it. On error the running config stays. */
int
sl_ctl_apply(struct sl_ctl *ctl, struct sl_config *next, char *err,
	     size_t errlen)
{
	struct sl_snapshot *s, *old = ctl->shm->ctl.current;
	uint64_t epoch = ctl->shm->ctl.epoch + 1, t0;
	size_t size;
	int rc;

	rc = sl_config_validate(next, err, errlen);
	if (rc < 0)
		return rc;
	rc = sl_ids_assign(&ctl->ids, next);
	if (rc < 0) {
		snprintf(err, errlen, "out of VIP or backend ids");
		return rc;
	}
	rc = acl_ids(ctl, next, err, errlen);
	if (rc < 0)
		return rc;
	size = sl_snapshot_size(next);
	s = rte_zmalloc("sl_snap", size, 64);
	if (s == NULL) {
		snprintf(err, errlen, "snapshot of %zu bytes: out of hugepage "
			 "memory", size);
		return -ENOMEM;
	}
	rc = sl_snapshot_build(next, epoch, s, size, err, errlen);
	if (rc == 0)
		rc = snap_acl_build(s, err, errlen);
	if (rc == 0)
		s->acl_gen = acl_gen(old, s);
	if (rc == 0 && (rc = push(ctl, s)) < 0)
		snprintf(err, errlen, "a worker's config ring is full (is the "
			 "data plane stalled?)");
	if (rc < 0) {
		snap_free(s);
		return rc;
	}
	ctl->shm->ctl.current = s;
	ctl->shm->ctl.epoch = epoch;
	ctl->shm->ctl.next_gen = ctl->ids.next_gen;
	retire(ctl, old, epoch);
	sl_config_free(&ctl->cfg);
	ctl->cfg = *next;		/* takes ownership of next's arrays */
	sl_config_init(next);
	t0 = rte_get_timer_cycles();
	while (!sl_ctl_workers_at(ctl, epoch) &&
	       rte_get_timer_cycles() - t0 < rte_get_timer_hz() / 1000 *
	       EPOCH_WAIT_MS)
		rte_delay_us_sleep(100);
	sl_ctl_reap(ctl);
	return 0;
}
