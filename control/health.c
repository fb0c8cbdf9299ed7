/* SPDX-License-Identifier: BSD-3-Clause
 * Health checks of backends, from the control host's own network stack.
 *
 * A thread runs the checks: non-blocking TCP connects (and an HTTP GET for
 * "http" checks) for every checked backend, each started `interval` after
 * the previous one, failed after `timeout`. It only counts results and flips
 * a target between up and down (after `fall` failures / `rise` successes);
 * it never touches the config. The main loop (sl_health_poll) then sets
 * `down` on the backends of a copy of the running config and applies it,
 * so every config change still happens on the main thread, through
 * sl_ctl_apply(), and the CLI never waits for a check.
 *
 * Targets are indexed by backend stable id and identified by VIP name,
 * address and port: when the config changes, a backend that still exists
 * keeps its state and counters. The running config's `down` flags carry the
 * state across reloads and CLI changes (sl_health_prepare) and across a
 * control plane restart (seeded from the running snapshot at start).
 *
 * Lock: h->lock guards tgt[], the counters and dirty. probe[] belongs to
 * the thread alone (it opens and closes every check socket).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "sl_snapshot.h"

#define HC_RESP_MAX	512	/* bytes of an HTTP response we look at */
#define HC_REQ_MAX	(SL_HEALTH_PATH_MAX + 160)
#define HC_WAIT_MAX_MS	1000	/* the thread wakes at least this often */
#define HC_SLACK_MS	5	/* checks due this soon start together */
#define HC_RETRY_MS	1000	/* after a failed push of a state change */
#define HC_LOG_MAX	8192	/* transition lines waiting to be printed */

enum hc_phase {
	HC_IDLE = 0,
	HC_CONNECTING,
	HC_SENDING,
	HC_READING,
};

/* One checked backend, shared (under h->lock). */
struct hc_target {
	bool used;
	bool checked;			/* VIP has a check, backend not off */
	bool up;
	uint32_t seq;			/* bumped to cancel a check in flight */
	/* identity */
	char vip[SL_NAME_MAX];
	struct sl_addr addr;
	uint16_t port;
	/* what to check */
	struct sl_health_conf hc;
	struct sl_addr to;
	uint16_t to_port;
	/* results */
	uint32_t succ, fail;		/* consecutive */
	uint32_t last_ms;		/* how long the last check took */
	uint64_t checks, failed, transitions;
	uint64_t next_ms;		/* start of the next check */
	uint64_t changed_ms;		/* last transition, 0 = none */
	char last[64];			/* result of the last check */
};

/* A check in flight: the thread's own. */
struct hc_probe {
	int fd;
	uint32_t seq;
	enum hc_phase phase;
	uint64_t start_ms;
	uint64_t deadline_ms;
	size_t req_len, req_off;
	size_t resp_len;
	char req[HC_REQ_MAX];
	char resp[HC_RESP_MAX + 1];
};

struct sl_health {
	pthread_mutex_t lock;
	pthread_t thread;
	bool running;
	volatile bool stop;
	int wake_fd;			/* eventfd: config changed, or stop */
	struct hc_target tgt[SL_MAX_BACKENDS];
	uint32_t nb;			/* ids below nb may be used */
	bool dirty;			/* a target changed state */
	struct sl_health_totals tot;
	size_t log_len;			/* lines printed outside the lock */
	char log[HC_LOG_MAX];
	/* main thread only */
	uint64_t synced_epoch;
	const struct sl_shm *synced_shm;
	uint64_t retry_ms;
	/* health thread only */
	struct hc_probe probe[SL_MAX_BACKENDS];
	struct pollfd pfd[SL_MAX_BACKENDS + 1];
	uint16_t pfd_id[SL_MAX_BACKENDS + 1];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
wake(struct sl_health *h)
{
	uint64_t one = 1;

	if (write(h->wake_fd, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: the thread will wake */
	}
}

/* ------------------------------------------------------------------ */
/* Results (health thread, under the lock)                              */
/* ------------------------------------------------------------------ */

/* Kept for the thread to print once it has let go of the lock: a slow
 * stdout must not hold up the CLI. */
static void __attribute__((format(printf, 2, 3)))
log_line(struct sl_health *h, const char *fmt, ...)
{
	size_t room = sizeof(h->log) - h->log_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(h->log + h->log_len, room, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < room)
		h->log_len += (size_t)n;
	else
		h->log[h->log_len] = '\0';	/* full: this line is lost */
}

static void
transition(struct sl_health *h, struct hc_target *t, bool up, uint64_t now)
{
	char ap[SL_ADDRPORTSTRLEN];

	t->up = up;
	t->transitions++;
	t->changed_ms = now;
	if (up)
		h->tot.ups++;
	else
		h->tot.downs++;
	h->dirty = true;
	sl_addr_port_fmt(&t->addr, t->port, ap, sizeof(ap));
	if (up)
		log_line(h, "sluice-control: health: %s %s up (%u successes)\n",
			 t->vip, ap, t->succ);
	else
		log_line(h, "sluice-control: health: %s %s down (%s, %u "
			 "failures)\n", t->vip, ap, t->last, t->fail);
}

static void
result(struct sl_health *h, uint16_t id, bool ok, uint64_t now,
       const char *fmt, ...)
{
	struct hc_target *t = &h->tgt[id];
	struct hc_probe *p = &h->probe[id];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->last, sizeof(t->last), fmt, ap);
	va_end(ap);
	t->last_ms = (uint32_t)(now - p->start_ms);
	t->checks++;
	h->tot.checks++;
	if (ok) {
		t->fail = 0;
		t->succ++;
		if (!t->up && t->succ >= t->hc.rise)
			transition(h, t, true, now);
	} else {
		t->failed++;
		h->tot.failed++;
		t->succ = 0;
		t->fail++;
		if (t->up && t->fail >= t->hc.fall)
			transition(h, t, false, now);
	}
}

static const char *
err_text(int err, char *buf, size_t len)
{
	switch (err) {
	case ECONNREFUSED:
		return "connection refused";
	case ECONNRESET:
		return "connection reset";
	case EHOSTUNREACH:
		return "host unreachable";
	case ENETUNREACH:
		return "network unreachable";
	case ETIMEDOUT:
		return "timeout";
	default:
		return strerror_r(err, buf, len);
	}
}

/* ------------------------------------------------------------------ */
/* Checks (health thread, under the lock)                               */
/* ------------------------------------------------------------------ */

static void
probe_close(struct hc_probe *p, bool reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (p->fd < 0)
		return;
	/* A reset leaves no TIME_WAIT behind on the control host. */
	if (reset)
		setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(p->fd);
	p->fd = -1;
	p->phase = HC_IDLE;
}

static void
probe_fail(struct sl_health *h, uint16_t id, int err, const char *what,
	   uint64_t now)
{
	char buf[64];

	probe_close(&h->probe[id], true);
	if (what != NULL)
		result(h, id, false, now, "%s: %s", what,
		       err_text(err, buf, sizeof(buf)));
	else
		result(h, id, false, now, "%s", err_text(err, buf, sizeof(buf)));
}

/* "HTTP/1.x NNN ..." up to the end of the first line. */
static void
http_status(struct sl_health *h, uint16_t id, uint64_t now)
{
	struct hc_probe *p = &h->probe[id];
	const char *s = p->resp;
	unsigned int status;

	if (strncmp(s, "HTTP/", 5) != 0 || s[5] < '0' || s[5] > '9' ||
	    s[6] != '.' || s[7] < '0' || s[7] > '9' || s[8] != ' ' ||
	    sscanf(s + 9, "%3u", &status) != 1 || status < 100 ||
	    status > 999) {
		probe_close(p, true);
		result(h, id, false, now, "bad HTTP response");
		return;
	}
	probe_close(p, true);
	if (status == h->tgt[id].hc.status)
		result(h, id, true, now, "ok (HTTP %u)", status);
	else
		result(h, id, false, now, "HTTP %u", status);
}

static void
probe_send(struct sl_health *h, uint16_t id, uint64_t now)
{
	struct hc_probe *p = &h->probe[id];
	ssize_t n;

	n = send(p->fd, p->req + p->req_off, p->req_len - p->req_off,
		 MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		probe_fail(h, id, errno, "send", now);
		return;
	}
	p->req_off += (size_t)n;
	p->phase = p->req_off == p->req_len ? HC_READING : HC_SENDING;
}

static void
probe_connected(struct sl_health *h, uint16_t id, uint64_t now)
{
	struct hc_target *t = &h->tgt[id];
	struct hc_probe *p = &h->probe[id];
	char host[SL_ADDRPORTSTRLEN], req[HC_REQ_MAX];
	int n;

	if (t->hc.type == SL_HEALTH_TCP) {
		probe_close(p, true);
		result(h, id, true, now, "ok");
		return;
	}
	sl_addr_port_fmt(&t->to, t->to_port, host, sizeof(host));
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n"
		     "User-Agent: sluice-health\r\nConnection: close\r\n\r\n",
		     t->hc.path, host);
	p->req_len = n > 0 && (size_t)n < sizeof(req) ? (size_t)n : 0;
	memcpy(p->req, req, p->req_len);
	p->req_off = 0;
	p->resp_len = 0;
	probe_send(h, id, now);
}

static void
probe_read(struct sl_health *h, uint16_t id, uint64_t now)
{
	struct hc_probe *p = &h->probe[id];
	ssize_t n;

	n = recv(p->fd, p->resp + p->resp_len, HC_RESP_MAX - p->resp_len,
		 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		probe_fail(h, id, errno, "receive", now);
		return;
	}
	p->resp_len += (size_t)n;
	p->resp[p->resp_len] = '\0';
	if (strchr(p->resp, '\n') != NULL || p->resp_len == HC_RESP_MAX ||
	    (n == 0 && p->resp_len > 0)) {
		http_status(h, id, now);
		return;
	}
	if (n == 0) {
		probe_close(p, true);
		result(h, id, false, now, "closed without a response");
	}
}

static void
to_sockaddr(const struct sl_addr *a, uint16_t port,
	    struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->b, 4);
		*len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->b, 16);
		*len = sizeof(*s6);
	}
}

static void
probe_start(struct sl_health *h, uint16_t id, uint64_t now)
{
	struct hc_target *t = &h->tgt[id];
	struct hc_probe *p = &h->probe[id];
	struct sockaddr_storage ss;
	socklen_t len;

	/* A steady cadence: a slow check does not push the next one back. */
	t->next_ms += t->hc.interval_ms;
	if (t->next_ms <= now)
		t->next_ms = now + t->hc.interval_ms;
	p->seq = t->seq;
	p->start_ms = now;
	p->deadline_ms = now + sl_health_timeout_ms(&t->hc);
	p->fd = socket(t->to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (p->fd < 0) {
		probe_fail(h, id, errno, "socket", now);
		return;
	}
	to_sockaddr(&t->to, t->to_port, &ss, &len);
	p->phase = HC_CONNECTING;
	if (connect(p->fd, (struct sockaddr *)&ss, len) == 0)
		probe_connected(h, id, now);
	else if (errno != EINPROGRESS)
		probe_fail(h, id, errno, NULL, now);
}

static void
probe_io(struct sl_health *h, uint16_t id, short revents, uint64_t now)
{
	struct hc_probe *p = &h->probe[id];
	socklen_t len = sizeof(int);
	int err = 0;

	if (p->seq != h->tgt[id].seq) {
		probe_close(p, true);		/* cancelled meanwhile */
		return;
	}
	switch (p->phase) {
	case HC_CONNECTING:
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err == 0 && (revents & (POLLERR | POLLHUP)))
			err = ECONNRESET;
		if (err != 0)
			probe_fail(h, id, err, NULL, now);
		else
			probe_connected(h, id, now);
		break;
	case HC_SENDING:
		probe_send(h, id, now);
		break;
	case HC_READING:
		probe_read(h, id, now);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* The thread                                                           */
/* ------------------------------------------------------------------ */

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Starts what is due, expires what is late, and lists the sockets to wait
 * for. Returns how many pollfds (the wake fd first) and sets *wait_ms. */
static nfds_t
plan(struct sl_health *h, uint64_t now, int *wait_ms)
{
	uint64_t wait = HC_WAIT_MAX_MS;
	nfds_t n = 1;
	uint32_t id;

	for (id = 0; id < h->nb; id++) {
		struct hc_target *t = &h->tgt[id];
		struct hc_probe *p = &h->probe[id];

		if (p->fd >= 0 && (!t->used || !t->checked ||
				   p->seq != t->seq))
			probe_close(p, true);
		if (!t->used || !t->checked)
			continue;
		/* Starting what is due within the slack bounds the wake-ups
		 * (each walks every target) whatever the number of backends. */
		if (p->fd < 0 && now + HC_SLACK_MS >= t->next_ms)
			probe_start(h, (uint16_t)id, now);
		if (p->fd >= 0 && now >= p->deadline_ms) {
			probe_close(p, true);
			result(h, (uint16_t)id, false, now, "timeout");
		}
		if (p->fd < 0) {
			wait = min_u64(wait, t->next_ms > now + HC_SLACK_MS ?
				       t->next_ms - now : HC_SLACK_MS);
			continue;
		}
		wait = min_u64(wait, p->deadline_ms - now);
		h->pfd[n].fd = p->fd;
		h->pfd[n].events = p->phase == HC_READING ? POLLIN : POLLOUT;
		h->pfd[n].revents = 0;
		h->pfd_id[n] = (uint16_t)id;
		n++;
	}
	*wait_ms = (int)wait;
	return n;
}

static void *
health_thread(void *arg)
{
	struct sl_health *h = arg;
	static char log[HC_LOG_MAX];
	size_t log_len;
	uint64_t junk;
	int wait_ms;
	nfds_t i, n;

	pthread_mutex_lock(&h->lock);
	while (!h->stop) {
		n = plan(h, now_ms(), &wait_ms);
		h->pfd[0].fd = h->wake_fd;
		h->pfd[0].events = POLLIN;
		h->pfd[0].revents = 0;
		log_len = h->log_len;
		memcpy(log, h->log, log_len);
		h->log_len = 0;
		pthread_mutex_unlock(&h->lock);
		if (log_len > 0) {
			fwrite(log, 1, log_len, stdout);
			fflush(stdout);
		}
		if (poll(h->pfd, n, wait_ms) > 0 && (h->pfd[0].revents & POLLIN))
			if (read(h->wake_fd, &junk, sizeof(junk)) < 0)
				junk = 0;
		pthread_mutex_lock(&h->lock);
		for (i = 1; i < n; i++)
			if (h->pfd[i].revents != 0)
				probe_io(h, h->pfd_id[i], h->pfd[i].revents,
					 now_ms());
	}
	for (i = 0; i < SL_MAX_BACKENDS; i++)
		probe_close(&h->probe[i], true);
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Config side (main thread)                                            */
/* ------------------------------------------------------------------ */

static bool
target_is(const struct hc_target *t, const struct sl_vip_conf *v,
	  const struct sl_backend_conf *b)
{
	return t->used && t->port == b->port && sl_addr_eq(&t->addr, &b->addr) &&
	       strcmp(t->vip, v->name) == 0;
}

/* The first check of a backend that starts up is spread over the first
 * second (or interval), so a restart does not check everything at once. */
static uint64_t
first_check(uint16_t id, const struct sl_health_conf *hc, bool down,
	    uint64_t now)
{
	uint32_t span = hc->interval_ms < 1000 ? hc->interval_ms : 1000;

	return down ? now : now + ((uint32_t)id * 2654435761u) % span;
}

/* Brings one target in line with backend b of v. Returns true when its
 * state differs from b's down flag (the config needs a push). */
static bool
sync_one(struct sl_health *h, const struct sl_vip_conf *v,
	 const struct sl_backend_conf *b, uint64_t now)
{
	struct hc_target *t = &h->tgt[b->id];
	bool checked = sl_config_backend_checked(v, b);
	struct sl_addr to = b->has_health_addr ? b->health_addr : b->addr;
	uint16_t to_port = v->health.port ? v->health.port : b->port;

	if (!target_is(t, v, b)) {
		uint32_t seq = t->seq + 1;

		memset(t, 0, sizeof(*t));
		t->used = true;
		t->seq = seq;
		snprintf(t->vip, sizeof(t->vip), "%s", v->name);
		t->addr = b->addr;
		t->port = b->port;
	}
	if (checked && !t->checked) {
		/* Newly checked: it starts in the state the config gives. */
		t->up = !b->down;
		t->succ = t->fail = 0;
		snprintf(t->last, sizeof(t->last), "not checked yet");
		t->next_ms = first_check(b->id, &v->health, b->down, now);
		t->seq++;
	}
	if (checked && (memcmp(&t->hc, &v->health, sizeof(t->hc)) != 0 ||
			!sl_addr_eq(&t->to, &to) || t->to_port != to_port)) {
		if (t->checked && t->hc.interval_ms != v->health.interval_ms)
			t->next_ms = now;
		t->seq++;		/* a check of the old kind is void */
	}
	if (!checked && t->checked)
		t->seq++;
	t->checked = checked;
	t->hc = v->health;
	t->to = to;
	t->to_port = to_port;
	return b->down != (checked && !t->up);
}

/* Targets from the running config (ids assigned). */
static void
sync_targets(struct sl_ctl *ctl)
{
	struct sl_health *h = ctl->health;
	static bool seen[SL_MAX_BACKENDS];
	uint64_t now = now_ms();
	uint32_t i, j, nb = 0;
	bool differ = false;

	memset(seen, 0, sizeof(seen));
	pthread_mutex_lock(&h->lock);
	for (i = 0; i < ctl->cfg.nb_vips; i++) {
		const struct sl_vip_conf *v = &ctl->cfg.vips[i];

		for (j = 0; j < v->nb_backends; j++) {
			const struct sl_backend_conf *b = &v->backends[j];

			differ |= sync_one(h, v, b, now);
			seen[b->id] = true;
			if (b->id >= nb)
				nb = b->id + 1u;
		}
	}
	for (i = 0; i < SL_MAX_BACKENDS; i++)
		if (!seen[i] && h->tgt[i].used) {
			h->tgt[i].used = false;
			h->tgt[i].seq++;
		}
	if (nb > h->nb)
		h->nb = nb;	/* the thread closes probes of ids above too */
	if (differ)
		h->dirty = true;
	pthread_mutex_unlock(&h->lock);
	h->synced_epoch = ctl->shm->ctl.epoch;
	h->synced_shm = ctl->shm;
	wake(h);
}

/* Pushes the health state into the config: a copy with `down` set from
 * the targets, applied like any other change. */
static void
push_state(struct sl_ctl *ctl, uint64_t now)
{
	struct sl_health *h = ctl->health;
	struct sl_config next;
	char err[SL_ERR_MAX];
	uint32_t i, j, changes = 0;
	int rc;

	if (sl_config_copy(&next, &ctl->cfg) < 0)
		return;
	pthread_mutex_lock(&h->lock);
	h->dirty = false;
	for (i = 0; i < next.nb_vips; i++) {
		struct sl_vip_conf *v = &next.vips[i];

		for (j = 0; j < v->nb_backends; j++) {
			struct sl_backend_conf *b = &v->backends[j];
			const struct hc_target *t = &h->tgt[b->id];
			bool down = sl_config_backend_checked(v, b) &&
				    target_is(t, v, b) && !t->up;

			changes += b->down != down;
			b->down = down;
		}
	}
	pthread_mutex_unlock(&h->lock);
	if (changes == 0) {
		sl_config_free(&next);
		return;
	}
	rc = sl_ctl_apply(ctl, &next, err, sizeof(err));
	sl_config_free(&next);
	if (rc < 0) {
		fprintf(stderr, "sluice-control: health: pushing %u state "
			"change(s) failed, retrying: %s\n", changes, err);
		pthread_mutex_lock(&h->lock);
		h->dirty = true;
		pthread_mutex_unlock(&h->lock);
		h->retry_ms = now + HC_RETRY_MS;
		return;
	}
	sync_targets(ctl);
}

void
sl_health_poll(struct sl_ctl *ctl)
{
	struct sl_health *h = ctl->health;
	uint64_t now = now_ms();
	bool dirty;

	if (h == NULL)
		return;
	if (h->synced_shm != ctl->shm || h->synced_epoch != ctl->shm->ctl.epoch)
		sync_targets(ctl);
	pthread_mutex_lock(&h->lock);
	dirty = h->dirty;
	pthread_mutex_unlock(&h->lock);
	if (dirty && now >= h->retry_ms)
		push_state(ctl, now);
}

static const struct sl_backend_conf *
backend_in(const struct sl_vip_conf *v, const struct sl_backend_conf *b,
	   uint32_t hint)
{
	uint32_t j;

	if (hint < v->nb_backends && v->backends[hint].port == b->port &&
	    sl_addr_eq(&v->backends[hint].addr, &b->addr))
		return &v->backends[hint];
	for (j = 0; j < v->nb_backends; j++)
		if (v->backends[j].port == b->port &&
		    sl_addr_eq(&v->backends[j].addr, &b->addr))
			return &v->backends[j];
	return NULL;
}

void
sl_health_prepare(struct sl_ctl *ctl, struct sl_config *next)
{
	uint32_t i, j;

	for (i = 0; i < next->nb_vips; i++) {
		struct sl_vip_conf *v = &next->vips[i];
		const struct sl_vip_conf *old =
			sl_config_vip_find(&ctl->cfg, v->name);

		for (j = 0; j < v->nb_backends; j++) {
			struct sl_backend_conf *b = &v->backends[j];
			const struct sl_backend_conf *ob =
				old ? backend_in(old, b, j) : NULL;

			if (!sl_config_backend_checked(v, b))
				b->down = false;
			else if (ob != NULL)
				b->down = ob->down;
			else	/* new: in after `rise` good checks */
				b->down = ctl->health != NULL;
		}
	}
}

/* A restarted control plane takes the down flags of the snapshot the data
 * plane runs, so it does not send new flows to a backend that was down. */
static void
seed(struct sl_ctl *ctl)
{
	const struct sl_snapshot *s = ctl->shm->ctl.current;
	uint32_t i, j, k, l, n = 0;

	if (s == NULL)
		return;
	for (i = 0; i < ctl->cfg.nb_vips; i++) {
		struct sl_vip_conf *v = &ctl->cfg.vips[i];

		for (k = 0; k < s->nb_vips; k++) {
			const struct sl_snap_vip *sv = &s->vips[k];

			if (strncmp(sv->name, v->name, SL_NAME_MAX) != 0)
				continue;
			for (j = 0; j < v->nb_backends; j++) {
				struct sl_backend_conf *b = &v->backends[j];

				for (l = 0; l < sv->nb_backends; l++)
					if (sv->backends[l].down &&
					    sv->backends[l].port_be ==
					    htons(b->port) &&
					    sl_addr_eq(&sv->backends[l].addr,
						       &b->addr) &&
					    sl_config_backend_checked(v, b)) {
						b->down = true;
						n++;
					}
			}
		}
	}
	if (n)
		printf("sluice-control: health: %u backend(s) down in the "
		       "running snapshot stay down until checked good\n", n);
}

int
sl_health_start(struct sl_ctl *ctl)
{
	struct sl_health *h;
	struct rlimit rl;
	uint32_t i;
	int rc;

	seed(ctl);
	/* One socket per backend at most, beside EAL's files. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < SL_MAX_BACKENDS + 256 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < SL_MAX_BACKENDS + 256 ?
			      rl.rlim_max : SL_MAX_BACKENDS + 256;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	for (i = 0; i < SL_MAX_BACKENDS; i++)
		h->probe[i].fd = -1;
	h->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->wake_fd < 0) {
		rc = -errno;
		free(h);
		return rc;
	}
	pthread_mutex_init(&h->lock, NULL);
	rc = pthread_create(&h->thread, NULL, health_thread, h);
	if (rc != 0) {
		close(h->wake_fd);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return -rc;
	}
	pthread_setname_np(h->thread, "sl-health");
	h->running = true;
	ctl->health = h;
	return 0;
}

void
sl_health_stop(struct sl_ctl *ctl)
{
	struct sl_health *h = ctl->health;

	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_mutex_unlock(&h->lock);
	wake(h);
	pthread_join(h->thread, NULL);
	close(h->wake_fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
	ctl->health = NULL;
}

/* ------------------------------------------------------------------ */
/* Reading the state (main thread)                                      */
/* ------------------------------------------------------------------ */

bool
sl_health_backend(struct sl_ctl *ctl, const struct sl_vip_conf *v,
		  const struct sl_backend_conf *b, struct sl_health_view *out)
{
	struct sl_health *h = ctl->health;
	const struct hc_target *t;
	uint64_t now = now_ms();

	memset(out, 0, sizeof(*out));
	if (h == NULL || !sl_config_backend_checked(v, b))
		return false;
	pthread_mutex_lock(&h->lock);
	t = &h->tgt[b->id];
	if (target_is(t, v, b) && t->checked) {
		out->up = t->up;
		out->successes = t->succ;
		out->failures = t->fail;
		out->last_ms = t->last_ms;
		out->checks = t->checks;
		out->failed = t->failed;
		out->transitions = t->transitions;
		out->since_ms = t->changed_ms ? now - t->changed_ms : 0;
		out->changed = t->changed_ms != 0;
		snprintf(out->last, sizeof(out->last), "%s", t->last);
		sl_addr_port_fmt(&t->to, t->to_port, out->target,
				 sizeof(out->target));
	} else {
		/* Not synced yet: the next poll will. */
		out->up = !b->down;
		snprintf(out->last, sizeof(out->last), "not checked yet");
		sl_addr_port_fmt(b->has_health_addr ? &b->health_addr : &b->addr,
				 v->health.port ? v->health.port : b->port,
				 out->target, sizeof(out->target));
	}
	pthread_mutex_unlock(&h->lock);
	return true;
}

void
sl_health_totals(struct sl_ctl *ctl, struct sl_health_totals *out)
{
	struct sl_health *h = ctl->health;
	uint32_t i;

	memset(out, 0, sizeof(*out));
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	*out = h->tot;
	out->checked = out->down = 0;
	for (i = 0; i < h->nb; i++) {
		if (!h->tgt[i].used || !h->tgt[i].checked)
			continue;
		out->checked++;
		out->down += !h->tgt[i].up;
	}
	pthread_mutex_unlock(&h->lock);
}
