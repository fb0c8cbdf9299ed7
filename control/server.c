/* SPDX-License-Identifier: BSD-3-Clause
 * The CLI socket: a UNIX stream socket only root can use (mode 0600 in a
 * 0700 directory). One request per connection, handled in order; a bad
 * request gets an error response, never takes the server down.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "sl_msg.h"

#define IO_TIMEOUT_MS 2000

void
sl_buf_printf(struct sl_buf *b, const char *fmt, ...)
{
	size_t room, cap;
	va_list ap;
	char *s;
	int n;

	while (!b->oom) {
		room = b->cap - b->len;
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		cap = b->cap ? b->cap : 4096;
		while (n >= 0 && cap - b->len <= (size_t)n)
			cap *= 2;
		s = n < 0 || cap > SL_MSG_MAX_RESP ? NULL : realloc(b->s, cap);
		if (s == NULL) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

void
sl_buf_free(struct sl_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

int
sl_server_open(struct sl_ctl *ctl)
{
	struct sockaddr_un sa;
	char dir[SL_PATH_MAX];
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(ctl->cfg.socket) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, ctl->cfg.socket, strlen(ctl->cfg.socket));
	snprintf(dir, sizeof(dir), "%s", ctl->cfg.socket);
	if (mkdir(dirname(dir), 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(ctl->cfg.socket);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(ctl->cfg.socket, 0600) < 0 || listen(fd, 16) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	ctl->listen_fd = fd;
	return 0;
}

void
sl_server_close(struct sl_ctl *ctl)
{
	if (ctl->listen_fd >= 0) {
		close(ctl->listen_fd);
		unlink(ctl->cfg.socket);
		ctl->listen_fd = -1;
	}
}

static int
read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -EPIPE : -errno;
		got += (size_t)n;
	}
	return 0;
}

static void
write_full(int fd, const void *buf, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = send(fd, (const char *)buf + put, len - put,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		put += (size_t)n;
	}
}

static void
respond(int fd, int status, const struct sl_buf *b)
{
	struct sl_msg_hdr h = {
		.magic = SL_MSG_MAGIC,
		.version = SL_MSG_VERSION,
		.status = status,
		.len = (uint32_t)b->len,
	};

	write_full(fd, &h, sizeof(h));
	if (b->len)
		write_full(fd, b->s, b->len);
}

static void
serve(struct sl_ctl *ctl, int fd)
{
	char payload[SL_MSG_MAX_REQ + 1], err[SL_ERR_MAX];
	char *argv[SL_MSG_MAX_ARGS];
	struct sl_buf out = { 0 };
	struct sl_msg_hdr h;
	struct sl_cmd cmd;
	struct timeval tv = { IO_TIMEOUT_MS / 1000, 0 };
	int argc, rc;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	rc = read_full(fd, &h, sizeof(h));
	if (rc == 0)
		rc = sl_msg_check_hdr(&h, 1);
	if (rc == 0)
		rc = read_full(fd, payload, h.len);
	if (rc < 0) {
		sl_buf_printf(&out, "bad request: %s", strerror(-rc));
		goto reply;
	}
	argc = sl_msg_decode_req(payload, h.len, h.argc, argv,
				 SL_MSG_MAX_ARGS);
	if (argc < 0) {
		rc = argc;
		sl_buf_printf(&out, "bad request: malformed arguments");
		goto reply;
	}
	rc = sl_cli_parse(argc, argv, &cmd, err, sizeof(err));
	if (rc < 0) {
		sl_buf_printf(&out, "%s", err);
		goto reply;
	}
	if (ctl->shm == NULL) {
		rc = -SL_ENODP;
		sl_buf_printf(&out, "the data plane (file_prefix '%s') is not "
			      "running; sluice-control is waiting for it",
			      ctl->cfg.dp.file_prefix);
		goto reply;
	}
	rc = sl_ctl_exec(ctl, &cmd, &out);
	if (out.oom) {
		sl_buf_free(&out);
		rc = -ENOMEM;
		sl_buf_printf(&out, "response too large or out of memory");
	}
reply:
	respond(fd, rc, &out);
	sl_buf_free(&out);
}

/* Waits up to timeout_ms for a CLI request or a /metrics scrape. */
void
sl_server_poll(struct sl_ctl *ctl, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = ctl->listen_fd, .events = POLLIN },
		{ .fd = ctl->metrics_fd, .events = POLLIN },
	};
	int fd;

	if (poll(pfd, ctl->metrics_fd >= 0 ? 2 : 1, timeout_ms) <= 0)
		return;
	if (pfd[1].revents & POLLIN)
		sl_metrics_serve(ctl);
	if (!(pfd[0].revents & POLLIN))
		return;
	fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	serve(ctl, fd);
	close(fd);
}
