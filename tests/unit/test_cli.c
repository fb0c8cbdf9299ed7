/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests: the sluicectl grammar (every verb, option and error) and the
 * control socket messages (encode, decode, header checks).
 */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "sl_test.h"

#include "sl_cli.h"
#include "sl_msg.h"

#define MAX_WORDS 64

/* Splits line at spaces (no quoting) and parses it. */
static int
parse_line(const char *line, struct sl_cmd *cmd, char *err, size_t errlen)
{
	char buf[1024], *argv[MAX_WORDS], *save = NULL, *tok;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok != NULL && argc < MAX_WORDS;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	return sl_cli_parse(argc, argv, cmd, err, errlen);
}

static bool
addr_is(const struct sl_addr *a, const char *s)
{
	struct sl_addr b;

	return sl_addr_parse(s, &b) == 0 && sl_addr_eq(a, &b);
}

/* Parses a valid line; prints the error if it is not. */
static int
ok_line(int src_line, const char *line, struct sl_cmd *cmd)
{
	char err[256] = "";
	int rc = parse_line(line, cmd, err, sizeof(err));

	if (rc != 0)
		printf("\n    line %d: '%s' failed: %s\n", src_line, line, err);
	return rc;
}

#define OK(line, cmd) CU_ASSERT_EQUAL_FATAL(ok_line(__LINE__, line, cmd), 0)

/* An invalid line: -EINVAL, a one-line message containing phrase, and the
 * command left empty. */
static void
bad_line(int src_line, const char *line, const char *phrase)
{
	char err[256] = "";
	struct sl_cmd cmd;
	int rc = parse_line(line, &cmd, err, sizeof(err));
	bool ok = rc == -EINVAL && strstr(err, phrase) != NULL &&
		  strchr(err, '\n') == NULL;

	if (!ok)
		printf("\n    line %d: '%s': want '%s', got %d '%s'\n", src_line,
		       line, phrase, rc, err);
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(cmd.verb, SL_CMD_NONE);
}

#define BAD(line, phrase) bad_line(__LINE__, line, phrase)

static void
test_vip_verbs(void)
{
	struct sl_cmd c;

	OK("vip add web 198.18.100.1:80 tcp", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_VIP_ADD);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	CU_ASSERT(addr_is(&c.addr, "198.18.100.1"));
	CU_ASSERT_EQUAL(c.port, 80);
	CU_ASSERT_EQUAL(c.proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(c.table_size, 0);
	CU_ASSERT_EQUAL(c.on_remove, -1);
	CU_ASSERT(!c.json);
	CU_ASSERT(!c.has_weight);

	OK("vip add web6 [2001:db8:100::1]:443 udp table-size 251 on-remove reset",
	   &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_VIP_ADD);
	CU_ASSERT_STRING_EQUAL(c.vip, "web6");
	CU_ASSERT(addr_is(&c.addr, "2001:db8:100::1"));
	CU_ASSERT_EQUAL(c.port, 443);
	CU_ASSERT_EQUAL(c.proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(c.table_size, 251);
	CU_ASSERT_EQUAL(c.on_remove, 1);

	OK("vip add a_b-C9 198.18.100.2:65535 tcp on-remove keep table-size 1048573",
	   &c);
	CU_ASSERT_STRING_EQUAL(c.vip, "a_b-C9");
	CU_ASSERT_EQUAL(c.port, 65535);
	CU_ASSERT_EQUAL(c.table_size, 1048573);
	CU_ASSERT_EQUAL(c.on_remove, 0);

	OK("vip set web table-size 65537", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_VIP_SET);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	CU_ASSERT_EQUAL(c.table_size, 65537);
	CU_ASSERT_EQUAL(c.on_remove, -1);
	OK("vip set web on-remove reset", &c);
	CU_ASSERT_EQUAL(c.table_size, 0);
	CU_ASSERT_EQUAL(c.on_remove, 1);
	OK("vip set web on-remove keep table-size 7", &c);
	CU_ASSERT_EQUAL(c.table_size, 7);
	CU_ASSERT_EQUAL(c.on_remove, 0);

	OK("vip del web", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_VIP_DEL);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	OK("vip list", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_VIP_LIST);
	CU_ASSERT_STRING_EQUAL(c.vip, "");
}

static void
test_backend_verbs(void)
{
	struct sl_cmd c;

	OK("backend add web 198.18.1.11:8080", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_BACKEND_ADD);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	CU_ASSERT(addr_is(&c.addr, "198.18.1.11"));
	CU_ASSERT_EQUAL(c.port, 8080);
	CU_ASSERT(!c.has_weight);
	CU_ASSERT_EQUAL(c.weight, 1);

	OK("backend add web [2001:db8:1::11]:8080 weight 0", &c);
	CU_ASSERT(addr_is(&c.addr, "2001:db8:1::11"));
	CU_ASSERT(c.has_weight);
	CU_ASSERT_EQUAL(c.weight, 0);

	OK("backend set web 198.18.1.11:8080 weight 65535", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_BACKEND_SET);
	CU_ASSERT(c.has_weight);
	CU_ASSERT_EQUAL(c.weight, 65535);
	CU_ASSERT_EQUAL(c.port, 8080);

	OK("backend del web 198.18.1.11:8080", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_BACKEND_DEL);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	CU_ASSERT(addr_is(&c.addr, "198.18.1.11"));
	CU_ASSERT_EQUAL(c.port, 8080);

	OK("backend list", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_BACKEND_LIST);
	CU_ASSERT_STRING_EQUAL(c.vip, "");
	OK("backend list web", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_BACKEND_LIST);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
}

static void
test_health_verbs(void)
{
	struct sl_cmd c;

	OK("vip set web health http path /healthz status 204 interval 500 "
	   "timeout 200ms rise 1 fall 5 health-port 8081", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_VIP_SET);
	CU_ASSERT_EQUAL(c.health_set, SL_HC_TYPE | SL_HC_PATH | SL_HC_STATUS |
			SL_HC_INTERVAL | SL_HC_TIMEOUT | SL_HC_RISE |
			SL_HC_FALL | SL_HC_PORT);
	CU_ASSERT_EQUAL(c.health.type, SL_HEALTH_HTTP);
	CU_ASSERT_STRING_EQUAL(c.health.path, "/healthz");
	CU_ASSERT_EQUAL(c.health.status, 204);
	CU_ASSERT_EQUAL(c.health.interval_ms, 500);
	CU_ASSERT_EQUAL(c.health.timeout_ms, 200);
	CU_ASSERT_EQUAL(c.health.rise, 1);
	CU_ASSERT_EQUAL(c.health.fall, 5);
	CU_ASSERT_EQUAL(c.health.port, 8081);
	CU_ASSERT_EQUAL(c.table_size, 0);
	CU_ASSERT_EQUAL(c.on_remove, -1);

	OK("vip set web interval 2s", &c);
	CU_ASSERT_EQUAL(c.health_set, SL_HC_INTERVAL);
	CU_ASSERT_EQUAL(c.health.interval_ms, 2000);
	OK("vip set web health none on-remove reset", &c);
	CU_ASSERT_EQUAL(c.health_set, SL_HC_TYPE);
	CU_ASSERT_EQUAL(c.health.type, SL_HEALTH_NONE);
	CU_ASSERT_EQUAL(c.on_remove, 1);
	OK("vip add web 198.18.100.1:80 tcp health tcp fall 2", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_VIP_ADD);
	CU_ASSERT_EQUAL(c.health_set, SL_HC_TYPE | SL_HC_FALL);
	CU_ASSERT_EQUAL(c.health.type, SL_HEALTH_TCP);
	CU_ASSERT_EQUAL(c.health.fall, 2);
	OK("vip add web 198.18.100.1:80 tcp", &c);
	CU_ASSERT_EQUAL(c.health_set, 0);

	OK("backend add web 198.18.1.11:8080 health off", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_BACKEND_ADD);
	CU_ASSERT_EQUAL(c.be_health, 0);
	CU_ASSERT(!c.has_weight);
	CU_ASSERT(!c.has_health_addr);
	CU_ASSERT_EQUAL(c.health_set, 0);
	OK("backend add web 198.18.1.11:8080 health-address 198.19.0.6 "
	   "weight 3 health on", &c);
	CU_ASSERT_EQUAL(c.be_health, 1);
	CU_ASSERT(c.has_weight);
	CU_ASSERT_EQUAL(c.weight, 3);
	CU_ASSERT(c.has_health_addr);
	CU_ASSERT(addr_is(&c.health_addr, "198.19.0.6"));
	OK("backend set web 198.18.1.11:8080 health on", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_BACKEND_SET);
	CU_ASSERT(!c.has_weight);
	CU_ASSERT_EQUAL(c.be_health, 1);
	OK("backend set web 198.18.1.11:8080 health-address none", &c);
	CU_ASSERT_EQUAL(c.be_health, -1);
	CU_ASSERT(c.has_health_addr);
	CU_ASSERT_EQUAL(c.health_addr.family, 0);
	OK("backend set web 198.18.1.11:8080 health-address 2001:db8:f::2", &c);
	CU_ASSERT(addr_is(&c.health_addr, "2001:db8:f::2"));
	OK("backend set web 198.18.1.11:8080 weight 0", &c);
	CU_ASSERT_EQUAL(c.be_health, -1);
	CU_ASSERT(!c.has_health_addr);

	BAD("vip set web health icmp", "vip set: bad health 'icmp' (none, tcp or http)");
	BAD("vip set web health on", "bad health 'on' (none, tcp or http)");
	BAD("backend set web 198.18.1.1:80 health tcp",
	    "backend set: bad health 'tcp' (on or off)");
	BAD("vip set web health", "missing value for health");
	BAD("vip set web path healthz", "bad path 'healthz' (starts with /");
	BAD("vip set web path /a\tb", "bad path");
	BAD("vip set web status 99", "status 99 out of range (100..599)");
	BAD("vip set web status 600", "out of range (100..599)");
	BAD("vip set web status ok", "bad number 'ok' for status");
	BAD("vip set web interval 9", "interval 9 out of range (10..3600000 ms)");
	BAD("vip set web interval 2h", "bad interval '2h' (milliseconds: 500, 500ms or 2s)");
	BAD("vip set web timeout 0", "timeout 0 out of range (10..3600000 ms)");
	BAD("vip set web timeout x", "bad timeout 'x'");
	BAD("vip set web rise 0", "rise 0 out of range (1..100)");
	BAD("vip set web fall 101", "fall 101 out of range (1..100)");
	BAD("vip set web health-port 0", "health-port 0 out of range (1..65535)");
	BAD("vip set web rise 2 rise 3", "rise given twice");
	BAD("vip set web health tcp health http", "health given twice");
	BAD("vip add web 198.18.100.1:80 tcp health-address 198.19.0.6",
	    "unexpected argument 'health-address'");
	BAD("vip set web weight 2", "unexpected argument 'weight'");
	BAD("backend add web 198.18.1.1:80 interval 500",
	    "unexpected argument 'interval'");
	BAD("backend set web 198.18.1.1:80 rise 2", "unexpected argument 'rise'");
	BAD("backend set web 198.18.1.1:80 health-address x",
	    "bad health-address 'x' (an address or none)");
	BAD("backend set web 198.18.1.1:80 health-address",
	    "missing value for health-address");
	BAD("backend set web 198.18.1.1:80",
	    "missing weight W, health on|off or health-address ADDR");
	BAD("vip set web", "missing table-size M or on-remove keep|reset or a health setting");
	BAD("vip set web health tcp --json", "--json is only for read verbs");
}

static void
test_other_verbs(void)
{
	struct sl_cmd c;

	OK("flows", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_FLOWS);
	CU_ASSERT_STRING_EQUAL(c.vip, "");
	CU_ASSERT_EQUAL(c.limit, SL_CLI_DEFAULT_FLOW_LIMIT);
	OK("flows web", &c);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	CU_ASSERT_EQUAL(c.limit, SL_CLI_DEFAULT_FLOW_LIMIT);
	OK("flows limit 5", &c);
	CU_ASSERT_STRING_EQUAL(c.vip, "");
	CU_ASSERT_EQUAL(c.limit, 5);
	OK("flows web limit 1000000", &c);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	CU_ASSERT_EQUAL(c.limit, SL_CLI_MAX_FLOW_LIMIT);
	OK("flows web limit 1", &c);
	CU_ASSERT_EQUAL(c.limit, 1);

	OK("stats", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_STATS);
	OK("status", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_STATUS);
	OK("reload", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_RELOAD);
	CU_ASSERT(!c.json);
}

static void
test_json(void)
{
	struct sl_cmd c;

	OK("--json vip list", &c);
	CU_ASSERT(c.json);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_VIP_LIST);
	OK("vip --json list", &c);
	CU_ASSERT(c.json);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_VIP_LIST);
	OK("vip list --json", &c);
	CU_ASSERT(c.json);
	OK("backend list --json web", &c);
	CU_ASSERT(c.json);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	OK("flows web limit --json 3", &c);
	CU_ASSERT(c.json);
	CU_ASSERT_EQUAL(c.limit, 3);
	OK("--json stats --json", &c);
	CU_ASSERT(c.json);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_STATS);
	OK("status --json", &c);
	CU_ASSERT(c.json);

	BAD("--json vip add web 198.18.100.1:80 tcp",
	    "--json is only for read verbs");
	BAD("vip set web table-size 7 --json", "--json is only for read verbs");
	BAD("vip del --json web", "--json is only for read verbs");
	BAD("backend add web 198.18.1.1:80 --json", "--json is only for read verbs");
	BAD("backend set web 198.18.1.1:80 weight 2 --json",
	    "--json is only for read verbs");
	BAD("backend del web 198.18.1.1:80 --json",
	    "--json is only for read verbs");
	BAD("reload --json", "--json is only for read verbs");
	BAD("--json", "missing command");
	BAD("--yaml stats", "unknown option '--yaml'");
	BAD("stats --", "unknown option '--'");
}

static void
test_errors(void)
{
	struct sl_cmd c;
	char err[256];
	char *argv[40];
	int i;

	/* verbs */
	BAD("", "missing command");
	BAD("frobnicate", "unknown command 'frobnicate'");
	BAD("VIP list", "unknown command 'VIP'");
	BAD("vip", "missing vip command");
	BAD("vip show", "unknown vip command 'show'");
	BAD("backend", "missing backend command");
	BAD("backend show", "unknown backend command 'show'");
	/* missing arguments */
	BAD("vip add", "vip add: missing VIP name");
	BAD("vip add web", "vip add: missing ADDR:PORT");
	BAD("vip add web 198.18.100.1:80", "vip add: missing protocol");
	BAD("vip set web", "vip set: missing table-size M or on-remove");
	BAD("vip set", "missing VIP name");
	BAD("vip del", "vip del: missing VIP name");
	BAD("vip set web table-size", "missing value for table-size");
	BAD("vip set web on-remove", "missing value for on-remove");
	BAD("backend add", "missing VIP name");
	BAD("backend add web", "backend add: missing ADDR:PORT");
	BAD("backend add web 198.18.1.1:80 weight", "missing value for weight");
	BAD("backend set web 198.18.1.1:80", "backend set: missing weight W");
	BAD("backend del web", "backend del: missing ADDR:PORT");
	BAD("flows limit", "flows: missing value for limit");
	BAD("flows web limit", "missing value for limit");
	/* extra arguments */
	BAD("vip list all", "vip list: unexpected argument 'all'");
	BAD("vip del web now", "unexpected argument 'now'");
	BAD("vip add web 198.18.100.1:80 tcp 7", "unexpected argument '7'");
	BAD("vip add web 198.18.100.1:80 tcp weight 3", "unexpected argument 'weight'");
	BAD("vip set web limit 3", "unexpected argument 'limit'");
	BAD("backend add web 198.18.1.1:80 table-size 7",
	    "unexpected argument 'table-size'");
	BAD("backend add web 198.18.1.1:80 weight 3 x", "unexpected argument 'x'");
	BAD("backend del web 198.18.1.1:80 x", "unexpected argument 'x'");
	BAD("backend list web x", "unexpected argument 'x'");
	BAD("flows web x", "flows: unexpected argument 'x'");
	BAD("flows web limit 3 4", "unexpected argument '4'");
	BAD("stats now", "stats: unexpected argument 'now'");
	BAD("status x", "unexpected argument 'x'");
	BAD("reload now", "reload: unexpected argument 'now'");
	BAD("vip set web table-size 7 table-size 11", "table-size given twice");
	BAD("backend set web 198.18.1.1:80 weight 1 weight 2", "weight given twice");
	/* addresses and ports */
	BAD("vip add web 198.18.100.300:80 tcp", "bad address in '198.18.100.300:80'");
	BAD("vip add web nowhere:80 tcp", "bad address");
	BAD("backend add web [2001:db8::zz]:80", "bad address");
	BAD("backend add web 2001:db8::1:80", "bad address");
	BAD("vip add web 198.18.100.1:0 tcp", "bad port in '198.18.100.1:0'");
	BAD("vip add web 198.18.100.1:65536 tcp", "bad port");
	BAD("vip add web 198.18.100.1:http tcp", "bad port");
	BAD("vip add web 198.18.100.1 tcp", "bad port");
	BAD("backend del web 198.18.1.1:", "bad port");
	BAD("vip add web 198.18.100.1:80 sctp", "bad protocol 'sctp' (tcp or udp)");
	/* numbers */
	BAD("backend add web 198.18.1.1:80 weight abc", "bad number 'abc' for weight");
	BAD("backend add web 198.18.1.1:80 weight -1", "bad number '-1' for weight");
	BAD("backend add web 198.18.1.1:80 weight 1.5", "bad number");
	BAD("backend add web 198.18.1.1:80 weight 65536",
	    "weight 65536 out of range (0..65535)");
	BAD("backend set web 198.18.1.1:80 weight 99999999999999999999",
	    "out of range (0..65535)");
	BAD("vip set web table-size x", "bad number 'x' for table-size");
	BAD("vip set web table-size 65536", "table-size 65536 is not a prime");
	BAD("vip set web table-size 1", "is not a prime");
	BAD("vip add web 198.18.100.1:80 tcp table-size 65535", "is not a prime");
	BAD("vip set web table-size 0", "table-size 0 out of range");
	BAD("vip set web table-size 1048583", "out of range (a prime up to 1048573)");
	BAD("vip set web table-size 99999999999", "out of range");
	BAD("vip set web on-remove drop", "bad on-remove 'drop' (keep or reset)");
	BAD("flows limit 0", "limit 0 out of range (1..1000000)");
	BAD("flows web limit 1000001", "limit 1000001 out of range (1..1000000)");
	BAD("flows limit many", "bad number 'many' for limit");
	/* names */
	BAD("vip del a.b", "bad VIP name 'a.b'");
	BAD("vip add abcdefghijabcdefghijabcdefghij01 198.18.100.1:80 tcp",
	    "bad VIP name");
	BAD("backend list a/b", "bad VIP name");
	BAD("flows caf\xc3\xa9", "bad VIP name");
	BAD("backend set  198.18.1.1:80 weight 1", "bad VIP name '198.18.1.1:80'");

	/* argv edge cases */
	for (i = 0; i < 40; i++)
		argv[i] = (char *)"stats";
	CU_ASSERT_EQUAL(sl_cli_parse(33, argv, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too many arguments"));
	argv[1] = NULL;
	CU_ASSERT_EQUAL(sl_cli_parse(2, argv, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(sl_cli_parse(-1, argv, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(sl_cli_parse(0, NULL, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing command"));
	/* err may be NULL */
	CU_ASSERT_EQUAL(sl_cli_parse(0, NULL, &c, NULL, 0), -EINVAL);
	/* a short err buffer is truncated, not overrun */
	argv[0] = (char *)"frobnicate";
	CU_ASSERT_EQUAL(sl_cli_parse(1, argv, &c, err, 8), -EINVAL);
	CU_ASSERT_EQUAL(strlen(err), 7);
}

/* An invalid line with its whole message. */
static void
bad_exact(int src_line, const char *line, const char *want)
{
	char err[256] = "";
	struct sl_cmd cmd;
	int rc = parse_line(line, &cmd, err, sizeof(err));

	if (rc != -EINVAL || strcmp(err, want) != 0)
		printf("\n    line %d: '%s': want '%s', got %d '%s'\n", src_line,
		       line, want, rc, err);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(cmd.verb, SL_CMD_NONE);
	CU_ASSERT_EQUAL(cmd.policy_set, 0);
	CU_ASSERT_FALSE(cmd.global);
}

#define BADX(line, want) bad_exact(__LINE__, line, want)

#define POLICY_KEYS "deny_reply, conn_rate, conn_burst, pps, pps_burst, " \
	"client_conn_rate, client_conn_burst, client_prefix4, "		\
	"client_prefix6, syn_proxy, syn_proxy_threshold, syn_proxy_wscale, " \
	"proxy_protocol"

static void
test_acl_verbs(void)
{
	struct sl_cmd c;

	OK("acl add web allow 198.18.0.0/15", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_ACL_ADD);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	CU_ASSERT_FALSE(c.global);
	CU_ASSERT_EQUAL(c.acl_action, SL_ACL_ALLOW);
	CU_ASSERT(addr_is(&c.addr, "198.18.0.0"));
	CU_ASSERT_EQUAL(c.plen, 15);
	CU_ASSERT(!sl_cli_is_read(c.verb));
	OK("acl add --global deny 2001:db8:bad::/48", &c);
	CU_ASSERT(c.global);
	CU_ASSERT_STRING_EQUAL(c.vip, "");
	CU_ASSERT_EQUAL(c.acl_action, SL_ACL_DENY);
	CU_ASSERT(addr_is(&c.addr, "2001:db8:bad::"));
	CU_ASSERT_EQUAL(c.plen, 48);
	OK("acl add deny 198.18.9.9 --global", &c);	/* --global anywhere */
	CU_ASSERT(c.global);
	CU_ASSERT_EQUAL(c.plen, 32);			/* a host */
	OK("acl add allow allow 0.0.0.0/0", &c);	/* a VIP named allow */
	CU_ASSERT_STRING_EQUAL(c.vip, "allow");
	CU_ASSERT_EQUAL(c.acl_action, SL_ACL_ALLOW);
	CU_ASSERT_EQUAL(c.plen, 0);
	OK("acl del web 198.18.0.0/15", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_ACL_DEL);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	CU_ASSERT_EQUAL(c.plen, 15);
	OK("acl del --global ::/0", &c);
	CU_ASSERT(c.global);
	CU_ASSERT_EQUAL(c.addr.family, AF_INET6);
	CU_ASSERT_EQUAL(c.plen, 0);
	OK("acl list", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_ACL_LIST);
	CU_ASSERT_STRING_EQUAL(c.vip, "");
	CU_ASSERT_FALSE(c.global);
	CU_ASSERT(sl_cli_is_read(c.verb));
	OK("acl list web --json", &c);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	CU_ASSERT(c.json);
	OK("acl list --global", &c);
	CU_ASSERT(c.global);
	CU_ASSERT_STRING_EQUAL(c.vip, "");

	BADX("acl", "missing acl command (add, del, list)");
	BADX("acl show", "unknown acl command 'show' (add, del, list)");
	BADX("acl add", "acl add: missing VIP name or --global");
	BADX("acl add allow 198.18.0.0/16",
	     "acl add: missing VIP name or --global");
	BADX("acl add web allow", "acl add: missing VIP name or --global");
	BADX("acl add web permit 198.18.0.0/16",
	     "acl add: bad action 'permit' (allow or deny)");
	BADX("acl add --global web allow 198.18.0.0/16",
	     "acl add: give a VIP name or --global, not both");
	BADX("acl add --global allow", "acl add: missing CIDR (e.g. "
	     "198.18.0.0/15)");
	BADX("acl add web allow 198.18.0.1/16",
	     "acl add: bad prefix '198.18.0.1/16': host bits set beyond /16 "
	     "(did you mean 198.18.0.0/16?)");
	BADX("acl add web allow 198.18.0.0/40",
	     "acl add: bad prefix '198.18.0.0/40': not an address/prefix (want "
	     "e.g. 198.18.0.0/15 or 2001:db8::/32)");
	BADX("acl add web deny 198.18.0.0/16 now",
	     "acl add: unexpected argument 'now'");
	BADX("acl add w.b deny 198.18.0.0/16",
	     "acl add: bad VIP name 'w.b' (1-31 characters of A-Z a-z 0-9 _ -)");
	BADX("acl add --json web deny 198.18.0.0/16",
	     "acl add: --json is only for read verbs (list, flows, stats, "
	     "status)");
	BADX("acl del web", "acl del: missing VIP name or --global");
	BADX("acl del", "acl del: missing VIP name or --global");
	BADX("acl del web 198.18.0.0/16 x",
	     "acl del: unexpected argument 'x'");
	BADX("acl del --global web 198.18.0.0/16",
	     "acl del: give a VIP name or --global, not both");
	BADX("acl del web 2001:db8::1/32", "acl del: bad prefix "
	     "'2001:db8::1/32': host bits set beyond /32 (did you mean "
	     "2001:db8::/32?)");
	BADX("acl list web x", "acl list: unexpected argument 'x'");
	BADX("acl list --global web",
	     "acl list: give a VIP name or --global, not both");
	BADX("vip list --global", "vip list: --global is only for the acl verbs");
	BADX("--global stats", "stats: --global is only for the acl verbs");
}

static void
test_policy_verb(void)
{
	struct sl_cmd c;

	OK("vip policy web deny_reply rst", &c);
	CU_ASSERT_EQUAL(c.verb, SL_CMD_VIP_POLICY);
	CU_ASSERT_STRING_EQUAL(c.vip, "web");
	CU_ASSERT_EQUAL(c.policy_set, SL_POL_DENY_REPLY);
	CU_ASSERT_EQUAL(c.policy.deny_reply, SL_DENY_RST);
	CU_ASSERT(!sl_cli_is_read(c.verb));
	OK("vip policy web conn_rate 100 conn_burst 200 pps 1000000 "
	   "pps_burst 0 client_conn_rate 5 client_conn_burst 10 "
	   "client_prefix4 24 client_prefix6 64 syn_proxy auto "
	   "syn_proxy_threshold 500 syn_proxy_wscale 0 proxy_protocol v2 "
	   "deny_reply icmp", &c);
	CU_ASSERT_EQUAL(c.policy_set, SL_POL_ALL);
	CU_ASSERT_EQUAL(c.policy.conn.rate, 100);
	CU_ASSERT_EQUAL(c.policy.conn.burst, 200);
	CU_ASSERT_EQUAL(c.policy.pps.rate, 1000000);
	CU_ASSERT_EQUAL(c.policy.pps.burst, 0);
	CU_ASSERT_EQUAL(c.policy.client_conn.rate, 5);
	CU_ASSERT_EQUAL(c.policy.client_conn.burst, 10);
	CU_ASSERT_EQUAL(c.policy.client_plen4, 24);
	CU_ASSERT_EQUAL(c.policy.client_plen6, 64);
	CU_ASSERT_EQUAL(c.policy.synproxy, SL_SYNPROXY_AUTO);
	CU_ASSERT_EQUAL(c.policy.synproxy_threshold, 500);
	CU_ASSERT_EQUAL(c.policy.synproxy_wscale, 0);
	CU_ASSERT(c.policy.proxy_protocol);
	CU_ASSERT_EQUAL(c.policy.deny_reply, SL_DENY_ICMP);
	CU_ASSERT_PTR_NULL(c.policy.acl);
	OK("vip policy web proxy_protocol off syn_proxy off", &c);
	CU_ASSERT_EQUAL(c.policy_set, SL_POL_PROXY_PROTOCOL | SL_POL_SYNPROXY);
	CU_ASSERT_FALSE(c.policy.proxy_protocol);
	CU_ASSERT_EQUAL(c.policy.synproxy, SL_SYNPROXY_OFF);

	BADX("vip policy", "vip policy: missing VIP name");
	BADX("vip policy web", "vip policy: missing KEY VALUE (keys: "
	     POLICY_KEYS ")");
	BADX("vip policy web conn_rate", "vip policy: missing value for "
	     "conn_rate");
	BADX("vip policy web pps 5 pps_burst",
	     "vip policy: missing value for pps_burst");
	BADX("vip policy web rate 5", "vip policy: unknown key 'rate' (keys: "
	     POLICY_KEYS ")");
	BADX("vip policy web conn-rate 5", "vip policy: unknown key "
	     "'conn-rate' (keys: " POLICY_KEYS ")");
	BADX("vip policy web allow 198.18.0.0/16", "vip policy: unknown key "
	     "'allow' (keys: " POLICY_KEYS ")");
	BADX("vip policy web conn_rate x", "vip policy: conn_rate 'x': not a "
	     "number");
	BADX("vip policy web conn_rate 1000000001", "vip policy: conn_rate "
	     "'1000000001': out of range (0..1000000000)");
	BADX("vip policy web client_prefix4 33", "vip policy: client_prefix4 "
	     "'33': out of range (0..32)");
	BADX("vip policy web client_prefix6 129", "vip policy: client_prefix6 "
	     "'129': out of range (0..128)");
	BADX("vip policy web syn_proxy_threshold 0", "vip policy: "
	     "syn_proxy_threshold '0': out of range (1..1000000000)");
	BADX("vip policy web syn_proxy_wscale 15", "vip policy: "
	     "syn_proxy_wscale '15': out of range (0..14)");
	BADX("vip policy web deny_reply reject", "vip policy: deny_reply "
	     "'reject': expected drop, rst or icmp");
	BADX("vip policy web syn_proxy yes", "vip policy: syn_proxy 'yes': "
	     "expected off, on or auto");
	BADX("vip policy web proxy_protocol v1", "vip policy: proxy_protocol "
	     "'v1': expected off or v2");
	BADX("vip policy web pps 1 pps 1", "vip policy: pps given twice");
	BADX("vip policy web pps 1 conn_rate 2 pps 3",
	     "vip policy: pps given twice");
	BADX("vip policy a.b pps 1", "vip policy: bad VIP name 'a.b' (1-31 "
	     "characters of A-Z a-z 0-9 _ -)");
	BADX("vip policy web pps 1 --json", "vip policy: --json is only for "
	     "read verbs (list, flows, stats, status)");
	BADX("vip frob", "unknown vip command 'frob' (add, set, policy, del, "
	     "list)");
}

static void
test_is_read_usage(void)
{
	static const char *const verbs[] = {
		"vip add", "vip set", "vip del", "vip list", "backend add",
		"backend set", "backend del", "backend list", "flows", "stats",
		"status", "reload", "--json", "health none|tcp|http", "path /P",
		"status N", "interval T", "timeout T", "rise N", "fall N",
		"health-port N", "health on|off", "health-address ADDR|none",
		"vip policy NAME KEY VALUE", "acl add NAME|--global allow|deny CIDR",
		"acl del NAME|--global CIDR", "acl list [NAME|--global]",
		"deny_reply drop|rst|icmp", "conn_rate N", "conn_burst N", "pps N",
		"pps_burst N", "client_conn_rate N", "client_conn_burst N",
		"client_prefix4 0..32", "client_prefix6 0..128",
		"syn_proxy off|on|auto", "syn_proxy_threshold N",
		"syn_proxy_wscale 0..14", "proxy_protocol off|v2",
	};
	const char *u = sl_cli_usage();
	size_t i;

	CU_ASSERT(!sl_cli_is_read(SL_CMD_NONE));
	CU_ASSERT(!sl_cli_is_read(SL_CMD_VIP_ADD));
	CU_ASSERT(!sl_cli_is_read(SL_CMD_VIP_SET));
	CU_ASSERT(!sl_cli_is_read(SL_CMD_VIP_DEL));
	CU_ASSERT(sl_cli_is_read(SL_CMD_VIP_LIST));
	CU_ASSERT(!sl_cli_is_read(SL_CMD_BACKEND_ADD));
	CU_ASSERT(!sl_cli_is_read(SL_CMD_BACKEND_SET));
	CU_ASSERT(!sl_cli_is_read(SL_CMD_BACKEND_DEL));
	CU_ASSERT(sl_cli_is_read(SL_CMD_BACKEND_LIST));
	CU_ASSERT(sl_cli_is_read(SL_CMD_FLOWS));
	CU_ASSERT(sl_cli_is_read(SL_CMD_STATS));
	CU_ASSERT(sl_cli_is_read(SL_CMD_STATUS));
	CU_ASSERT(!sl_cli_is_read(SL_CMD_RELOAD));
	CU_ASSERT(!sl_cli_is_read(SL_CMD_VIP_POLICY));
	CU_ASSERT(!sl_cli_is_read(SL_CMD_ACL_ADD));
	CU_ASSERT(!sl_cli_is_read(SL_CMD_ACL_DEL));
	CU_ASSERT(sl_cli_is_read(SL_CMD_ACL_LIST));

	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	for (i = 0; i < SL_ARRAY_SIZE(verbs); i++) {
		if (strstr(u, verbs[i]) == NULL)
			printf("\n    usage lacks '%s'\n", verbs[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(u, verbs[i]));
	}
}

/* ------------------------------------------------------------------ */
/* sl_msg                                                               */
/* ------------------------------------------------------------------ */

static void
hdr_read(const uint8_t *buf, struct sl_msg_hdr *h)
{
	memcpy(h, buf, sizeof(*h));
}

static void
test_msg_roundtrip(void)
{
	char *words[] = { "vip", "add", "web", "198.18.100.1:80", "tcp" };
	uint8_t buf[sizeof(struct sl_msg_hdr) + SL_MSG_MAX_REQ];
	char *argv[SL_MSG_MAX_ARGS];
	char payload[SL_MSG_MAX_REQ];
	struct sl_msg_hdr h;
	size_t plen = 4 + 4 + 4 + 16 + 4;
	int n, i;

	n = sl_msg_encode_req(5, words, buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(n, (int)(sizeof(h) + plen));
	hdr_read(buf, &h);
	CU_ASSERT_EQUAL(le32toh(h.magic), SL_MSG_MAGIC);
	CU_ASSERT(memcmp(buf, "SLC1", 4) == 0);	/* little endian "SLC1" */
	CU_ASSERT_EQUAL(le16toh(h.version), SL_MSG_VERSION);
	CU_ASSERT_EQUAL(le16toh(h.argc), 5);
	CU_ASSERT_EQUAL(h.status, 0);
	CU_ASSERT_EQUAL(le32toh(h.len), plen);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 1), 0);

	memcpy(payload, buf + sizeof(h), plen);
	CU_ASSERT_EQUAL_FATAL(sl_msg_decode_req(payload, (uint32_t)plen, 5, argv,
						SL_MSG_MAX_ARGS), 5);
	for (i = 0; i < 5; i++)
		CU_ASSERT_STRING_EQUAL(argv[i], words[i]);

	/* And the decoded words parse. */
	{
		struct sl_cmd c;
		char err[128];

		CU_ASSERT_EQUAL(sl_cli_parse(5, argv, &c, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(c.verb, SL_CMD_VIP_ADD);
	}

	/* A buffer exactly the right size is enough; one byte less is not. */
	CU_ASSERT_EQUAL(sl_msg_encode_req(5, words, buf, sizeof(h) + plen),
			(int)(sizeof(h) + plen));
	CU_ASSERT_EQUAL(sl_msg_encode_req(5, words, buf, sizeof(h) + plen - 1),
			-E2BIG);
	CU_ASSERT_EQUAL(sl_msg_encode_req(1, words, buf, 4), -E2BIG);
}

static void
test_msg_encode_errors(void)
{
	uint8_t buf[sizeof(struct sl_msg_hdr) + SL_MSG_MAX_REQ + 64];
	char *argv[SL_MSG_MAX_ARGS + 1];
	char *big;
	int i;

	for (i = 0; i <= SL_MSG_MAX_ARGS; i++)
		argv[i] = "stats";
	CU_ASSERT(sl_msg_encode_req(SL_MSG_MAX_ARGS, argv, buf, sizeof(buf)) > 0);
	CU_ASSERT_EQUAL(sl_msg_encode_req(SL_MSG_MAX_ARGS + 1, argv, buf,
					  sizeof(buf)), -EINVAL);
	CU_ASSERT_EQUAL(sl_msg_encode_req(0, argv, buf, sizeof(buf)), -EINVAL);
	CU_ASSERT_EQUAL(sl_msg_encode_req(-1, argv, buf, sizeof(buf)), -EINVAL);
	CU_ASSERT_EQUAL(sl_msg_encode_req(1, NULL, buf, sizeof(buf)), -EINVAL);
	argv[1] = "";
	CU_ASSERT_EQUAL(sl_msg_encode_req(2, argv, buf, sizeof(buf)), -EINVAL);
	argv[1] = NULL;
	CU_ASSERT_EQUAL(sl_msg_encode_req(2, argv, buf, sizeof(buf)), -EINVAL);

	/* The payload limit: SL_MSG_MAX_REQ bytes fit, one more does not. */
	big = malloc(SL_MSG_MAX_REQ + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'x', SL_MSG_MAX_REQ + 1);
	big[SL_MSG_MAX_REQ - 1] = '\0';		/* 4095 chars + NUL */
	argv[0] = big;
	CU_ASSERT_EQUAL(sl_msg_encode_req(1, argv, buf, sizeof(buf)),
			(int)(sizeof(struct sl_msg_hdr) + SL_MSG_MAX_REQ));
	big[SL_MSG_MAX_REQ - 1] = 'x';
	big[SL_MSG_MAX_REQ] = '\0';		/* 4096 chars + NUL */
	CU_ASSERT_EQUAL(sl_msg_encode_req(1, argv, buf, sizeof(buf)), -E2BIG);
	free(big);
}

static void
test_msg_decode_errors(void)
{
	char *argv[SL_MSG_MAX_ARGS];
	char p[64], big[SL_MSG_MAX_REQ + 8];

	/* missing NUL on the last word */
	memcpy(p, "stats", 5);
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 5, 1, argv, SL_MSG_MAX_ARGS), -EPROTO);
	/* extra bytes after the last word */
	memcpy(p, "stats\0x", 7);
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 7, 1, argv, SL_MSG_MAX_ARGS), -EPROTO);
	memcpy(p, "stats\0\0", 7);
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 7, 1, argv, SL_MSG_MAX_ARGS), -EPROTO);
	/* argc larger than the words present */
	memcpy(p, "vip\0list\0", 9);
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 9, 3, argv, SL_MSG_MAX_ARGS), -EPROTO);
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 9, 2, argv, SL_MSG_MAX_ARGS), 2);
	CU_ASSERT_STRING_EQUAL(argv[1], "list");
	/* argc smaller: the rest is extra bytes */
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 9, 1, argv, SL_MSG_MAX_ARGS), -EPROTO);
	/* an empty word, first or in the middle */
	memcpy(p, "\0list\0", 6);
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 6, 2, argv, SL_MSG_MAX_ARGS), -EPROTO);
	memcpy(p, "vip\0\0list\0", 10);
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 10, 3, argv, SL_MSG_MAX_ARGS), -EPROTO);
	/* no words */
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 0, 0, argv, SL_MSG_MAX_ARGS), -EPROTO);
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 0, 1, argv, SL_MSG_MAX_ARGS), -EPROTO);
	/* more words than argv holds, or than the protocol allows */
	memcpy(p, "vip\0list\0", 9);
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 9, 2, argv, 1), -EPROTO);
	CU_ASSERT_EQUAL(sl_msg_decode_req(p, 9, SL_MSG_MAX_ARGS + 1, argv,
					  SL_MSG_MAX_ARGS + 1), -EPROTO);
	/* a payload longer than a request may be */
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	CU_ASSERT_EQUAL(sl_msg_decode_req(big, sizeof(big), 1, argv,
					  SL_MSG_MAX_ARGS), -EPROTO);
	CU_ASSERT_EQUAL(sl_msg_decode_req(NULL, 0, 1, argv, SL_MSG_MAX_ARGS),
			-EPROTO);
}

static void
hdr_make(struct sl_msg_hdr *h, uint16_t argc, int32_t status, uint32_t len)
{
	h->magic = htole32(SL_MSG_MAGIC);
	h->version = htole16(SL_MSG_VERSION);
	h->argc = htole16(argc);
	h->status = (int32_t)htole32((uint32_t)status);
	h->len = htole32(len);
}

static void
test_msg_headers(void)
{
	struct sl_msg_hdr h;

	CU_ASSERT_EQUAL(sizeof(h), 16);
	/* requests */
	hdr_make(&h, 2, 0, 9);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 1), 0);
	h.magic = htole32(SL_MSG_MAGIC ^ 1);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 1), -EPROTO);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 0), -EPROTO);
	hdr_make(&h, 2, 0, 9);
	h.version = htole16(SL_MSG_VERSION + 1);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 1), -EPROTO);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 0), -EPROTO);
	hdr_make(&h, SL_MSG_MAX_ARGS, 0, SL_MSG_MAX_REQ);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 1), 0);
	hdr_make(&h, SL_MSG_MAX_ARGS + 1, 0, SL_MSG_MAX_REQ);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 1), -E2BIG);
	hdr_make(&h, 1, 0, SL_MSG_MAX_REQ + 1);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 1), -E2BIG);
	hdr_make(&h, 1, 0, UINT32_MAX);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 1), -E2BIG);
	hdr_make(&h, 0, 0, 0);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 1), -EPROTO);
	hdr_make(&h, 1, -5, 6);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 1), -EPROTO);
	hdr_make(&h, 3, 0, 5);		/* 3 words cannot fit in 5 bytes */
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 1), -EPROTO);

	/* responses */
	hdr_make(&h, 0, 0, 0);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 0), 0);
	hdr_make(&h, 0, -ENOENT, 20);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 0), 0);
	hdr_make(&h, 0, 0, SL_MSG_MAX_RESP);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 0), 0);
	hdr_make(&h, 0, 0, SL_MSG_MAX_RESP + 1);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 0), -E2BIG);
	hdr_make(&h, 1, 0, 0);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 0), -EPROTO);
	hdr_make(&h, 0, 1, 0);
	CU_ASSERT_EQUAL(sl_msg_check_hdr(&h, 0), -EPROTO);
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "vip verbs", test_vip_verbs },
		{ "backend verbs", test_backend_verbs },
		{ "health settings", test_health_verbs },
		{ "flows, stats, status, reload", test_other_verbs },
		{ "--json anywhere, read verbs only", test_json },
		{ "errors", test_errors },
		{ "acl verbs", test_acl_verbs },
		{ "vip policy", test_policy_verb },
		{ "is_read and usage", test_is_read_usage },
		{ "msg: encode/decode round trip", test_msg_roundtrip },
		{ "msg: encode errors", test_msg_encode_errors },
		{ "msg: truncated and garbage payloads", test_msg_decode_errors },
		{ "msg: header checks", test_msg_headers },
	};

	return sl_test_run("cli", tests,
			   sizeof(tests) / sizeof(tests[0]));
}
