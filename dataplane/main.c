/* SPDX-License-Identifier: BSD-3-Clause
 * sluice-dataplane: the DPDK primary process. Reads the [dataplane] and
 * [port.*] parts of the config, starts EAL with arguments built from them,
 * creates the shared state, starts one worker per worker lcore and runs
 * ARP/ND and housekeeping on the main lcore. Services come from
 * sluice-control over the per-worker rings.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_memzone.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "sl_ratelimit.h"

RTE_LOG_REGISTER(sl_dp_logtype, sluice.dp, INFO);
RTE_LOG_REGISTER(sl_port_logtype, sluice.port, INFO);
RTE_LOG_REGISTER(sl_neigh_logtype, sluice.neigh, INFO);
RTE_LOG_REGISTER(sl_tel_logtype, sluice.tel, INFO);

struct sl_dp sl_dp;

#define MAX_EAL_ARGS 64

static void
on_signal(int sig)
{
	(void)sig;
	sl_dp.quit = true;	/* only a flag: the main loop does the rest */
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s -c CONFIG [-- EXTRA_EAL_ARGS...]\n"
		"  -c, --config FILE  INI file ([dataplane], [port.*] are used)\n"
		"  -h, --help         this text\n"
		"EAL arguments are built from [dataplane] lcores, memory,\n"
		"file_prefix, eal_args and the ports' dev; --no-pci is added\n"
		"unless a port names a PCI address.\n", prog);
}

static bool
is_pci_addr(const char *s)
{
	unsigned int d, b, f, fn;
	char c;

	return sscanf(s, "%x:%x:%x.%u%c", &d, &b, &f, &fn, &c) == 4 ||
	       sscanf(s, "%x:%x.%u%c", &b, &f, &fn, &c) == 3;
}

static int
push_arg(char **argv, int *argc, const char *s)
{
	if (*argc >= MAX_EAL_ARGS - 1) {
		fprintf(stderr, "sluice-dataplane: too many EAL arguments\n");
		return -E2BIG;
	}
	argv[(*argc)++] = strdup(s);
	return argv[*argc - 1] ? 0 : -ENOMEM;
}

/* EAL argv from the config, then the user's extra arguments. */
static int
build_eal_args(const struct sl_config *c, int extra_argc, char **extra,
	       char **argv, int *argc)
{
	char buf[32], eal[sizeof(c->dp.eal_args)], *tok, *save = NULL;
	bool pci = false;
	uint32_t i;
	int rc = 0;

	*argc = 0;
	rc |= push_arg(argv, argc, "sluice-dataplane");
	rc |= push_arg(argv, argc, "--lcores");
	rc |= push_arg(argv, argc, c->dp.lcores);
	snprintf(buf, sizeof(buf), "%u", c->dp.memory_mb);
	rc |= push_arg(argv, argc, "-m");
	rc |= push_arg(argv, argc, buf);
	rc |= push_arg(argv, argc, "--file-prefix");
	rc |= push_arg(argv, argc, c->dp.file_prefix);
	rc |= push_arg(argv, argc, "--proc-type=primary");
	for (i = 0; i < c->nb_ports; i++) {
		bool is_pci = is_pci_addr(c->ports[i].dev);

		pci |= is_pci;
		rc |= push_arg(argv, argc, is_pci ? "-a" : "--vdev");
		rc |= push_arg(argv, argc, c->ports[i].dev);
	}
	if (!pci)
		rc |= push_arg(argv, argc, "--no-pci");
	snprintf(eal, sizeof(eal), "%s", c->dp.eal_args);
	for (tok = strtok_r(eal, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save))
		rc |= push_arg(argv, argc, tok);
	for (i = 0; i < (uint32_t)extra_argc; i++)
		rc |= push_arg(argv, argc, extra[i]);
	argv[*argc] = NULL;
	return rc ? -EINVAL : 0;
}

static int
parse_args(int argc, char **argv, const char **conf)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*conf = NULL;
	while ((opt = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			*conf = optarg;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			return -EINVAL;
		}
	}
	if (*conf == NULL) {
		fprintf(stderr, "sluice-dataplane: -c CONFIG is required\n");
		usage(argv[0]);
		return -EINVAL;
	}
	return optind;
}

static int
shm_create(struct sl_dp *dp)
{
	const struct rte_memzone *mz;
	struct sl_shm *shm;
	uint32_t w, nw = dp->nb_workers;
	uint32_t rl = dp->cfg.dp.rl_clients ? dp->cfg.dp.rl_clients : 65536;
	uint64_t ct_seed;
	const char *seed_env;
	size_t sz;

	mz = rte_memzone_reserve_aligned(SL_SHM_NAME, sizeof(*shm),
					 rte_socket_id(), 0, SL_CACHE_LINE);
	if (mz == NULL) {
		DP_LOG(ERR, "memzone %s: %s (is another data plane running "
		       "with this file_prefix?)", SL_SHM_NAME,
		       rte_strerror(rte_errno));
		return -rte_errno;
	}
	shm = mz->addr;
	memset(shm, 0, sizeof(*shm));
	shm->dp_pid = getpid();
	shm->dp_start_ns = (uint64_t)time(NULL) * 1000000000ull +
			   rte_get_tsc_cycles() % 1000000000ull;
	shm->nb_workers = nw;
	shm->ct_capacity = dp->cfg.dp.ct_size;
	shm->hz = rte_get_tsc_hz();
	shm->vip_stats = rte_zmalloc("sl_vip_stats",
				     sizeof(*shm->vip_stats) * nw, 64);
	shm->be_stats = rte_zmalloc("sl_be_stats",
				    sizeof(*shm->be_stats) * nw, 64);
	shm->acl_hits = rte_zmalloc("sl_acl_hits",
				    sizeof(*shm->acl_hits) * nw, 64);
	shm->tsc_start = rte_get_tsc_cycles();
	shm->wall_start_s = (uint64_t)time(NULL);
	if (dp->cfg.dp.has_cookie_secret) {
		memcpy(&shm->cookie_secret, dp->cfg.dp.cookie_secret,
		       sizeof(shm->cookie_secret));
	} else {
		shm->cookie_secret.k[0] = rte_rand();
		shm->cookie_secret.k[1] = rte_rand();
	}
	sz = rte_rcu_qsbr_get_memsize(nw + 2);
	shm->qsbr = rte_zmalloc("sl_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (!shm->vip_stats || !shm->be_stats || !shm->qsbr || !shm->acl_hits ||
	    rte_rcu_qsbr_init(shm->qsbr, nw + 2) != 0) {
		DP_LOG(ERR, "shared state: out of memory");
		return -ENOMEM;
	}
	/* One seed for every worker's table: a VIP flow's owner is read off
	 * its index hash (sl_ct_hash_fwd()), the same on every worker.
	 * Random per run; SL_CT_SEED in the environment fixes it (to
	 * replay a run's flow placement when debugging). */
	seed_env = getenv("SL_CT_SEED");
	ct_seed = seed_env != NULL ? strtoull(seed_env, NULL, 0) : rte_rand();
	for (w = 0; w < nw; w++) {
		void *mem = rte_zmalloc("sl_ct", sl_ct_memsize(dp->cfg.dp.ct_size),
					RTE_CACHE_LINE_SIZE);

		if (mem == NULL) {
			DP_LOG(ERR, "conntrack of %u slots: out of hugepage "
			       "memory (raise [dataplane] memory)",
			       dp->cfg.dp.ct_size);
			return -ENOMEM;
		}
		shm->ct[w] = sl_ct_init(mem, dp->cfg.dp.ct_size,
					&dp->cfg.dp.timeouts, ct_seed);
		mem = rte_zmalloc("sl_rl", sl_rl_memsize(rl), RTE_CACHE_LINE_SIZE);
		if (mem == NULL) {
			DP_LOG(ERR, "%u client rate buckets: out of hugepage "
			       "memory (raise [dataplane] memory)", rl);
			return -ENOMEM;
		}
		shm->rl[w] = sl_rl_init(mem, rl);
	}
	dp->shm = shm;
	return 0;
}

static int
rings_create(struct sl_dp *dp)
{
	char name[RTE_RING_NAMESIZE];
	uint32_t w;

	for (w = 0; w < dp->nb_workers; w++) {
		snprintf(name, sizeof(name), SL_CFG_RING_FMT, w);
		dp->cfg_ring[w] = rte_ring_create(name, SL_CFG_RING_SIZE,
						  rte_socket_id(),
						  RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), SL_HANDOFF_RING_FMT, w);
		dp->handoff[w] = rte_ring_create(name, SL_HANDOFF_RING_SIZE,
						 rte_socket_id(), RING_F_SC_DEQ);
		if (!dp->cfg_ring[w] || !dp->handoff[w])
			goto fail;
	}
	dp->main_ring = rte_ring_create(SL_MAIN_RING, 1024, rte_socket_id(),
					RING_F_SC_DEQ);
	dp->resolve_ring = rte_ring_create_elem(SL_RESOLVE_RING,
						sizeof(struct sl_addr), 1024,
						rte_socket_id(), RING_F_SC_DEQ);
	dp->main_tx = rte_ring_create("sl_main_tx", 1024, rte_socket_id(),
				      RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (dp->main_ring && dp->resolve_ring && dp->main_tx)
		return 0;
fail:
	DP_LOG(ERR, "ring create: %s", rte_strerror(rte_errno));
	return -rte_errno;
}

static void
main_loop(struct sl_dp *dp)
{
	uint64_t hz_ms = rte_get_tsc_hz() / 1000;

	rte_rcu_qsbr_thread_register(dp->shm->qsbr, dp->nb_workers);
	rte_rcu_qsbr_thread_online(dp->shm->qsbr, dp->nb_workers);
	dp->shm->mbufs_total = dp->pool->size;
	while (!dp->quit) {
		sl_main_poll(dp, rte_get_tsc_cycles() / hz_ms);
		dp->shm->mbufs_in_use = rte_mempool_in_use_count(dp->pool);
		rte_rcu_qsbr_quiescent(dp->shm->qsbr, dp->nb_workers);
		usleep(200);
	}
	rte_rcu_qsbr_thread_offline(dp->shm->qsbr, dp->nb_workers);
}

int
main(int argc, char **argv)
{
	char err[SL_ERR_MAX], *eal_argv[MAX_EAL_ARGS];
	struct sl_dp *dp = &sl_dp;
	const char *conf;
	unsigned int lcore;
	int eal_argc, rc, first;

	first = parse_args(argc, argv, &conf);
	if (first < 0)
		return 2;
	sl_config_init(&dp->cfg);
	rc = sl_config_load(conf, &dp->cfg, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "sluice-dataplane: %s\n", err);
		return 1;
	}
	if (build_eal_args(&dp->cfg, argc - first, argv + first, eal_argv,
			   &eal_argc) < 0)
		return 1;
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "sluice-dataplane: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	dp->nb_workers = rte_lcore_count() - 1;
	if (dp->nb_workers < 1 || dp->nb_workers > SL_MAX_WORKERS) {
		DP_LOG(ERR, "need 1..%d worker lcores besides the main one "
		       "(lcores = %s)", SL_MAX_WORKERS, dp->cfg.dp.lcores);
		rc = -EINVAL;
		goto out;
	}
	if ((rc = shm_create(dp)) < 0 || (rc = rings_create(dp)) < 0 ||
	    (rc = sl_ports_init(dp)) < 0 || (rc = sl_routes_init(dp)) < 0)
		goto out;
	sl_neigh_static_init(dp);
	sl_telemetry_init(dp);
	/* Published last: sluice-control attaches only to a ready state. */
	dp->shm->version = SL_SHM_VERSION;
	__atomic_store_n(&dp->shm->magic, SL_SHM_MAGIC, __ATOMIC_RELEASE);

	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(sl_worker_main, dp, lcore);
	DP_LOG(INFO, "running: %u workers, %u ports, %u flows per worker; "
	       "waiting for sluice-control", dp->nb_workers, dp->nb_ports,
	       dp->cfg.dp.ct_size);
	main_loop(dp);
	DP_LOG(INFO, "stopping");
	dp->shm->stopping = 1;
	rte_eal_mp_wait_lcore();
	sl_telemetry_fini();
	rc = 0;
out:
	sl_ports_stop(dp);
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
