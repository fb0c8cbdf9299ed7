/* SPDX-License-Identifier: BSD-3-Clause
 * sluice-control: validates the config, attaches to the data plane as a
 * DPDK secondary process, pushes snapshots to the workers and serves the
 * CLI socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "ctl.h"
#include "sl_snapshot.h"


#define RESTART 3

static struct sl_ctl ctl = { .listen_fd = -1, .metrics_fd = -1 };

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		ctl.reload = true;
	else
		ctl.quit = true;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s -c CONFIG [--wait SECONDS]\n"
		"       %s --check CONFIG\n"
		"  -c, --config FILE   the INI file (same as the data plane's)\n"
		"  --check FILE        validate FILE, touch nothing, exit 0/1\n"
		"  --wait SECONDS      give up if no data plane comes within\n"
		"                      SECONDS (default: wait for ever)\n",
		prog, prog);
}

/* Everything a config needs to be pushable, without DPDK. */
static int
check(const char *path)
{
	struct sl_config c;
	struct sl_ids *ids = malloc(sizeof(*ids));
	char err[SL_ERR_MAX];
	void *mem = NULL;
	size_t size;
	int rc;

	sl_config_init(&c);
	rc = sl_config_load(path, &c, err, sizeof(err));
	if (rc == 0 && ids) {
		sl_ids_init(ids);
		rc = sl_ids_assign(ids, &c);
		if (rc < 0)
			snprintf(err, sizeof(err), "%s: too many VIPs or "
				 "backends", path);
	}
	if (rc == 0) {
		size = sl_snapshot_size(&c);
		mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
		rc = mem ? sl_snapshot_build(&c, 1, mem, size, err,
					     sizeof(err)) : -ENOMEM;
	}
	if (rc == 0)
		printf("%s: OK (%u ports, %u VIPs)\n", path, c.nb_ports,
		       c.nb_vips);
	else
		fprintf(stderr, "sluice-control: %s\n", err);
	free(mem);
	free(ids);
	sl_config_free(&c);
	return rc == 0 ? 0 : 1;
}

/* Whether the primary of config file path has finished its EAL start: the
 * file maps its shared memory configuration, whose first word the primary
 * sets to RTE_MAGIC when it is ready. A secondary that starts before then
 * waits inside rte_eal_init() for that word, spinning for ever if the
 * primary dies first (say, short of hugepages). */
static bool
primary_ready(const char *path)
{
	uint32_t magic = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = pread(fd, &magic, sizeof(magic), 0);
	close(fd);
	return n == (ssize_t)sizeof(magic) && magic == RTE_MAGIC;
}

/* EAL refuses to start a secondary without a primary: wait for one that
 * is alive and ready, answering the CLI meanwhile (every command gets
 * "not running"). seconds = 0 waits for ever. */
static int
wait_primary(struct sl_ctl *c, int seconds)
{
	char path[256];
	bool told = false;
	int i, seen = 0;

	snprintf(path, sizeof(path), "/var/run/dpdk/%s/config",
		 c->cfg.dp.file_prefix);
	for (i = 0; !c->quit && (seconds == 0 || i < seconds * 10); i++) {
		/* Alive and ready, twice 100 ms apart: a primary that has
		 * just taken the file of one that died ready has not yet
		 * cleared the word it left set. */
		seen = primary_ready(path) && rte_eal_primary_proc_alive(path) ?
		       seen + 1 : 0;
		if (seen == 2)
			return 0;
		if (!told && seen == 0) {
			printf("sluice-control: waiting for a data plane with "
			       "file_prefix '%s'\n", c->cfg.dp.file_prefix);
			fflush(stdout);
			told = true;
		}
		sl_server_poll(c, 100);
	}
	if (!c->quit)
		fprintf(stderr, "sluice-control: no data plane with file_prefix "
			"'%s' after %d s\n", c->cfg.dp.file_prefix, seconds);
	return -SL_ENODP;
}

static int
open_listeners(struct sl_ctl *c)
{
	char a[SL_ADDRPORTSTRLEN];
	int rc = sl_server_open(c);

	if (rc < 0) {
		fprintf(stderr, "sluice-control: socket %s: %s\n",
			c->cfg.socket, strerror(-rc));
		return rc;
	}
	rc = sl_metrics_open(c);
	if (rc < 0)
		fprintf(stderr, "sluice-control: metrics on %s: %s\n",
			sl_addr_port_fmt(&c->cfg.metrics_addr,
					 c->cfg.metrics_port, a, sizeof(a)),
			strerror(-rc));
	return rc;
}

/* The attached loop. Returns 0 when asked to quit, RESTART when the data
 * plane went away. */
static int
run(struct sl_ctl *c)
{
	int i;

	while (!c->quit) {
		sl_server_poll(c, 100);
		sl_ctl_reap(c);
		sl_health_poll(c);
		if (c->reload) {
			struct sl_buf out = { 0 };
			int rc;

			c->reload = false;
			rc = sl_ctl_reload(c, &out);
			fprintf(rc ? stderr : stdout, "sluice-control: SIGHUP: "
				"%.*s\n", (int)out.len, out.s ? out.s : "");
			fflush(stdout);
			sl_buf_free(&out);
		}
		if (c->shm->stopping || !rte_eal_primary_proc_alive(NULL))
			break;
	}
	if (c->quit)
		return 0;
	/* Let a stopping data plane finish exiting, or the fresh process
	 * would attach to it again. */
	for (i = 0; i < 100 && rte_eal_primary_proc_alive(NULL); i++)
		usleep(100000);
	return RESTART;
}

#define ATTACH_TRIES_ENV	"SLUICE_ATTACH_TRIES"
#define ATTACH_TRIES_MAX	5

/* Another try at attaching in a fresh process (counted in the
 * environment across the re-exec); false when the tries are used up. */
static bool
attach_retry(void)
{
	const char *v = getenv(ATTACH_TRIES_ENV);
	int n = v ? atoi(v) : 0;
	char buf[16];

	if (n >= ATTACH_TRIES_MAX)
		return false;
	snprintf(buf, sizeof(buf), "%d", n + 1);
	setenv(ATTACH_TRIES_ENV, buf, 1);
	fprintf(stderr, "sluice-control: trying again in a fresh process "
		"(%d of %d)\n", n + 1, ATTACH_TRIES_MAX);
	return true;
}

static int
attach(struct sl_ctl *c)
{
	char *argv[] = { "sluice-control", "--proc-type=secondary", "--no-pci",
			 "--lcores", "0", "--log-level", "lib.eal:warning",
			 "--file-prefix", c->cfg.dp.file_prefix, NULL };
	const struct rte_memzone *mz;
	char name[RTE_RING_NAMESIZE];
	uint32_t w;

	if (rte_eal_init(SL_ARRAY_SIZE(argv) - 1, argv) < 0) {
		fprintf(stderr, "sluice-control: EAL attach failed: %s\n",
			rte_strerror(rte_errno));
		/* Most often the primary's memory is mapped where this
		 * process already has something (address space layout is
		 * random): a fresh process may well fit. */
		return rte_errno == ENOMEM ? -ENOMEM : -1;
	}
	mz = rte_memzone_lookup(SL_SHM_NAME);
	if (mz == NULL) {
		fprintf(stderr, "sluice-control: data plane state not found\n");
		return -1;
	}
	c->shm = mz->addr;
	for (w = 0; w < 100 && __atomic_load_n(&c->shm->magic,
					       __ATOMIC_ACQUIRE) == 0; w++)
		usleep(100000);	/* the data plane is still starting */
	if (c->shm->magic != SL_SHM_MAGIC || c->shm->version !=
	    SL_SHM_VERSION) {
		fprintf(stderr, "sluice-control: data plane state version %u, "
			"this control plane speaks %u\n", c->shm->version,
			SL_SHM_VERSION);
		return -1;
	}
	for (w = 0; w < c->shm->nb_workers; w++) {
		snprintf(name, sizeof(name), SL_CFG_RING_FMT, w);
		c->cfg_ring[w] = rte_ring_lookup(name);
		if (c->cfg_ring[w] == NULL) {
			fprintf(stderr, "sluice-control: ring %s missing\n",
				name);
			return -1;
		}
	}
	return 0;
}

/* A restarted control plane takes over the running snapshot's ids, so
 * flows keep their backends, then pushes its config. */
static int
resync(struct sl_ctl *c)
{
	struct sl_snapshot *cur = c->shm->ctl.current;
	struct sl_config next;
	char err[SL_ERR_MAX];
	int rc;

	sl_ids_init(&c->ids);
	if (cur != NULL) {
		sl_ids_seed(&c->ids, cur);
		if (c->shm->ctl.next_gen > c->ids.next_gen)
			c->ids.next_gen = c->shm->ctl.next_gen;
		printf("sluice-control: re-attached; data plane runs epoch "
		       "%lu\n", c->shm->ctl.epoch);
	}
	rc = sl_config_copy(&next, &c->cfg);
	if (rc == 0)
		rc = sl_ctl_apply(c, &next, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "out of memory");
	sl_config_free(&next);
	if (rc < 0)
		fprintf(stderr, "sluice-control: first push: %s\n", err);
	return rc;
}

static int
health_start(struct sl_ctl *c)
{
	int rc = sl_health_start(c);

	if (rc < 0)
		fprintf(stderr, "sluice-control: health checks: %s\n",
			strerror(-rc));
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", required_argument, NULL, 'C' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[SL_ERR_MAX];
	int opt, wait_s = 0, rc;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			snprintf(ctl.conf_path, sizeof(ctl.conf_path), "%s",
				 optarg);
			break;
		case 'C':
			return check(optarg);
		case 'w':
			wait_s = atoi(optarg);
			break;
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (ctl.conf_path[0] == '\0' || optind != argc) {
		usage(argv[0]);
		return 2;
	}
	sl_config_init(&ctl.cfg);
	if (sl_config_load(ctl.conf_path, &ctl.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "sluice-control: %s\n", err);
		return 1;
	}
	rc = open_listeners(&ctl);
	if (rc < 0)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);
	rc = wait_primary(&ctl, wait_s);
	if (rc == 0) {
		rc = attach(&ctl);
		if (rc == -ENOMEM && attach_retry())
			rc = RESTART;
		else if (rc < 0 || health_start(&ctl) < 0 ||
			 resync(&ctl) < 0)
			rc = -1;
	}
	if (rc == 0) {
		printf("sluice-control: serving %s, config epoch %lu\n",
		       ctl.cfg.socket, ctl.shm->ctl.epoch);
		fflush(stdout);
		rc = run(&ctl);
	}
	sl_health_stop(&ctl);
	sl_server_close(&ctl);
	sl_metrics_close(&ctl);
	sl_config_free(&ctl.cfg);
	if (rc == RESTART) {
		/* A secondary cannot attach twice: start afresh, wait for the
		 * next data plane (or the same one, after a failed attach)
		 * and push the config to it. */
		if (ctl.shm != NULL) {
			unsetenv(ATTACH_TRIES_ENV);
			fprintf(stderr, "sluice-control: data plane exited; "
				"waiting for it to come back\n");
		}
		/* EAL's files (memseg lists, hugepages) are open without
		 * O_CLOEXEC: their locks would keep a new data plane out. */
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		execv("/proc/self/exe", argv);
		fprintf(stderr, "sluice-control: re-exec: %s\n",
			strerror(errno));
		return 3;
	}
	return rc < 0 ? 1 : 0;
}
