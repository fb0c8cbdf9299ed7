/* SPDX-License-Identifier: BSD-3-Clause
 * sluicectl: the operator's CLI. Checks the command with the same grammar
 * sluice-control uses, sends it over the control socket, prints the answer.
 * Exit: 0 ok, 1 error from the control plane, 2 bad usage, 3 no connection.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sl_cli.h"
#include "sl_config.h"
#include "sl_msg.h"

#define DEFAULT_SOCKET "/run/sluice/sluice.sock"

static void
usage(FILE *f)
{
	fprintf(f, "usage: sluicectl [-s SOCKET | -c CONFIG] [-t SECONDS] "
		"COMMAND...\n"
		"  -s, --socket PATH   control socket (default %s)\n"
		"  -c, --config FILE   take the socket path from FILE\n"
		"  -t, --timeout SEC   give up after SEC seconds (default 10)\n"
		"commands:\n%s", DEFAULT_SOCKET, sl_cli_usage());
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
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int
talk(const char *path, int timeout, int argc, char **argv)
{
	uint8_t req[sizeof(struct sl_msg_hdr) + SL_MSG_MAX_REQ];
	struct timeval tv = { timeout, 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sl_msg_hdr h;
	char *body;
	int fd, len;

	len = sl_msg_encode_req(argc, argv, req, sizeof(req));
	if (len < 0) {
		fprintf(stderr, "sluicectl: command too long\n");
		return 2;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sluicectl: socket path too long\n");
		return 2;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		fprintf(stderr, "sluicectl: socket: %s\n", strerror(errno));
		return 3;
	}
	/* Before connect(): a control that does not accept (stuck, or
	 * its backlog full of such clients) would otherwise keep connect()
	 * waiting for ever; the send timeout bounds it. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			fprintf(stderr, "sluicectl: %s accepts no connection "
				"within %d s (sluice-control busy or stuck?)\n",
				path, timeout);
		else
			fprintf(stderr, "sluicectl: cannot connect to %s: %s "
				"(is sluice-control running?)\n", path,
				strerror(errno));
		close(fd);
		return 3;
	}
	if (write(fd, req, (size_t)len) != len ||
	    read_full(fd, &h, sizeof(h)) < 0 || sl_msg_check_hdr(&h, 0) < 0) {
		fprintf(stderr, "sluicectl: no valid answer from %s\n", path);
		close(fd);
		return 3;
	}
	body = malloc((size_t)h.len + 1);
	if (body == NULL || read_full(fd, body, h.len) < 0) {
		fprintf(stderr, "sluicectl: truncated answer from %s\n", path);
		free(body);
		close(fd);
		return 3;
	}
	close(fd);
	body[h.len] = '\0';
	if (h.status != 0) {
		fprintf(stderr, "sluicectl: error: %s\n", body);
		free(body);
		return 1;
	}
	fputs(body, stdout);
	free(body);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sl_config conf;
	char err[SL_ERR_MAX], path[SL_PATH_MAX] = DEFAULT_SOCKET, *end;
	struct sl_cmd cmd;
	long timeout = 10;
	int opt;

	/* '+': stop at the first command word so "--json" stays with it. */
	while ((opt = getopt_long(argc, argv, "+s:c:t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			snprintf(path, sizeof(path), "%s", optarg);
			break;
		case 'c':
			sl_config_init(&conf);
			if (sl_config_load(optarg, &conf, err, sizeof(err))) {
				fprintf(stderr, "sluicectl: %s\n", err);
				return 2;
			}
			snprintf(path, sizeof(path), "%s", conf.socket);
			sl_config_free(&conf);
			break;
		case 't':
			timeout = strtol(optarg, &end, 10);
			if (*end || timeout < 1 || timeout > 3600) {
				fprintf(stderr, "sluicectl: bad timeout '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (sl_cli_parse(argc - optind, argv + optind, &cmd, err,
			 sizeof(err)) < 0) {
		fprintf(stderr, "sluicectl: %s\n(try sluicectl --help)\n", err);
		return 2;
	}
	return talk(path, (int)timeout, argc - optind, argv + optind);
}
