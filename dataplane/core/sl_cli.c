/* SPDX-License-Identifier: BSD-3-Clause
 * sluicectl command grammar. A thin front end: it only turns words into a
 * struct sl_cmd; the checks on names and table sizes are the config core's
 * (sl_config_name_valid(), sl_config_table_size_check()), and the control
 * plane executes commands through the same sl_config_* operations as the
 * INI loader.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_cli.h"
#include "sl_config.h"
#include "sl_maglev.h"

#define CLI_MAX_WORDS	32
#define CLI_WEIGHT_MAX	65535

/* Options that follow the positional arguments, in any order, once each. */
enum {
	OPT_TABLE_SIZE = 1 << 0,
	OPT_ON_REMOVE = 1 << 1,
	OPT_WEIGHT = 1 << 2,
	OPT_LIMIT = 1 << 3,
	OPT_HEALTH = 1 << 4,		/* vip: none|tcp|http; backend: on|off */
	OPT_PATH = 1 << 5,
	OPT_STATUS = 1 << 6,
	OPT_INTERVAL = 1 << 7,
	OPT_TIMEOUT = 1 << 8,
	OPT_RISE = 1 << 9,
	OPT_FALL = 1 << 10,
	OPT_HEALTH_PORT = 1 << 11,
	OPT_HEALTH_ADDR = 1 << 12,
};

/* The health check options of "vip add" / "vip set". */
#define OPTS_VIP_HEALTH (OPT_HEALTH | OPT_PATH | OPT_STATUS | OPT_INTERVAL | \
			 OPT_TIMEOUT | OPT_RISE | OPT_FALL | OPT_HEALTH_PORT)
#define OPTS_VIP (OPT_TABLE_SIZE | OPT_ON_REMOVE | OPTS_VIP_HEALTH)
#define OPTS_BACKEND (OPT_WEIGHT | OPT_HEALTH | OPT_HEALTH_ADDR)

static const char *const opt_names[] = {
	"table-size", "on-remove", "weight", "limit", "health", "path",
	"status", "interval", "timeout", "rise", "fall", "health-port",
	"health-address",
};

struct cli_words {
	const char *w[CLI_MAX_WORDS];
	int n;				/* words, --json left out */
	int i;				/* next word */
	const char *ctx;		/* "vip add", for messages */
	char *err;
	size_t errlen;
};

static const char usage_text[] =
	"usage: sluicectl [--json] COMMAND [ARGS]\n"
	"\n"
	"  vip add NAME ADDR:PORT tcp|udp [table-size M] [on-remove keep|reset]\n"
	"          [HEALTH...]\n"
	"        add a VIP (M: prime Maglev table size, default 65537)\n"
	"  vip set NAME [table-size M] [on-remove keep|reset] [HEALTH...]\n"
	"        change a VIP's table size, what happens to flows of removed or\n"
	"        failed backends, or its health check\n"
	"      HEALTH: health none|tcp|http   check kind (default none)\n"
	"              path /P                HTTP path (default /)\n"
	"              status N               expected HTTP status (default 200)\n"
	"              interval T             between checks (default 1s)\n"
	"              timeout T              per check (default min(1s, interval))\n"
	"              rise N / fall N        successes to come back / failures to\n"
	"                                     go down (default 2 / 3)\n"
	"              health-port N          checked port (default: the backend's)\n"
	"              T: milliseconds, or with a unit: 500ms, 2s\n"
	"  vip policy NAME KEY VALUE [KEY VALUE...]\n"
	"        change a VIP's edge policy; KEY as in [vip.NAME] of the config:\n"
	"          deny_reply drop|rst|icmp      what a denied client gets\n"
	"          conn_rate N / conn_burst N    new connections/s of the VIP\n"
	"          pps N / pps_burst N           client packets/s of the VIP\n"
	"          client_conn_rate N / client_conn_burst N\n"
	"                                        new connections/s per client\n"
	"          client_prefix4 0..32 / client_prefix6 0..128\n"
	"                                        what one client is\n"
	"          syn_proxy off|on|auto         SYN cookies (TCP)\n"
	"          syn_proxy_threshold N         SYN/s that turns auto on\n"
	"          syn_proxy_wscale 0..14        window scale of the cookie SYN-ACK\n"
	"          proxy_protocol off|v2         PROXY v2 header to backends (TCP)\n"
	"        (rates: 0 = unlimited; burst 0 = the rate)\n"
	"  vip del NAME\n"
	"        delete a VIP and its backends\n"
	"  vip list\n"
	"        list VIPs, their health checks and edge policies\n"
	"  acl add NAME|--global allow|deny CIDR\n"
	"        add an access rule for client sources, to VIP NAME or to every\n"
	"        VIP (--global); the longest matching prefix decides\n"
	"  acl del NAME|--global CIDR\n"
	"        remove an access rule\n"
	"  acl list [NAME|--global]\n"
	"        list access rules (of VIP NAME: its own and the global ones)\n"
	"  backend add NAME ADDR:PORT [weight W] [health on|off]\n"
	"          [health-address ADDR|none]\n"
	"        add a backend to VIP NAME (W: 0..65535, default 1, 0 = drain;\n"
	"        health off: never checked; health-address: check there instead)\n"
	"  backend set NAME ADDR:PORT [weight W] [health on|off]\n"
	"          [health-address ADDR|none]\n"
	"        change a backend's weight (0 drains it) or health settings\n"
	"  backend del NAME ADDR:PORT\n"
	"        remove a backend from VIP NAME\n"
	"  backend list [NAME]\n"
	"        list backends, of every VIP or of one: state (up, down,\n"
	"        draining), weight, health check results, active flows\n"
	"  flows [NAME] [limit N]\n"
	"        list tracked connections, of every VIP or of one (default 100)\n"
	"  stats\n"
	"        show packet and drop counters\n"
	"  status\n"
	"        show data plane, worker and config state\n"
	"  reload\n"
	"        re-read the config file and apply the difference\n"
	"\n"
	"--json prints read commands (list, flows, stats, status) as JSON.\n";

const char *
sl_cli_usage(void)
{
	return usage_text;
}

bool
sl_cli_is_read(enum sl_cmd_verb v)
{
	switch (v) {
	case SL_CMD_VIP_LIST:
	case SL_CMD_BACKEND_LIST:
	case SL_CMD_ACL_LIST:
	case SL_CMD_FLOWS:
	case SL_CMD_STATS:
	case SL_CMD_STATUS:
		return true;
	default:
		return false;
	}
}

static int
cli_fail(struct cli_words *cw, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (cw->err == NULL || cw->errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cw->ctx != NULL)
		snprintf(cw->err, cw->errlen, "%s: %s", cw->ctx, msg);
	else
		snprintf(cw->err, cw->errlen, "%s", msg);
	return -EINVAL;
}


static const char *
next_word(struct cli_words *cw, const char *what)
{
	if (cw->i >= cw->n) {
		cli_fail(cw, "missing %s", what);
		return NULL;
	}
	return cw->w[cw->i++];
}

static int
no_more(struct cli_words *cw)
{
	if (cw->i < cw->n)
		return cli_fail(cw, "unexpected argument '%s'", cw->w[cw->i]);
	return 0;
}

static int
take_name(struct cli_words *cw, struct sl_cmd *cmd)
{
	const char *s = next_word(cw, "VIP name");

	if (s == NULL)
		return -EINVAL;
	if (!sl_config_name_valid(s))
		return cli_fail(cw, "bad VIP name '%.40s' (1-%d characters of A-Z a-z 0-9 _ -)",
				s, SL_NAME_MAX - 1);
	snprintf(cmd->vip, sizeof(cmd->vip), "%s", s);
	return 0;
}

static int
take_addr_port(struct cli_words *cw, struct sl_cmd *cmd)
{
	const char *s = next_word(cw, "ADDR:PORT");
	const char *colon;
	uint32_t port;

	if (s == NULL)
		return -EINVAL;
	if (sl_addr_port_parse(s, &cmd->addr, &cmd->port) == 0)
		return 0;
	/* Say which half is wrong. */
	colon = strrchr(s, ':');
	if (colon == NULL)
		return cli_fail(cw, "bad port in '%s' (want ADDR:PORT or [ADDR6]:PORT)",
				s);
	if (sl_parse_u32(colon + 1, 1, 65535, &port) != 0)
		return cli_fail(cw, "bad port in '%s' (1..65535)", s);
	return cli_fail(cw, "bad address in '%s'", s);
}

static int
take_proto(struct cli_words *cw, struct sl_cmd *cmd)
{
	const char *s = next_word(cw, "protocol (tcp or udp)");
	int proto;

	if (s == NULL)
		return -EINVAL;
	proto = sl_proto_parse(s);
	if (proto < 0)
		return cli_fail(cw, "bad protocol '%s' (tcp or udp)", s);
	cmd->proto = (uint8_t)proto;
	return 0;
}

static int
opt_number(struct cli_words *cw, const char *opt, const char *val,
	   uint32_t min, uint32_t max, uint32_t *out)
{
	int rc = sl_parse_u32(val, min, max, out);

	if (rc == -ERANGE)
		return cli_fail(cw, "%s %s out of range (%u..%u)", opt, val, min,
				max);
	if (rc < 0)
		return cli_fail(cw, "bad number '%s' for %s", val, opt);
	return 0;
}

static int
opt_ms(struct cli_words *cw, struct sl_cmd *cmd, const char *opt,
       const char *val, uint32_t min, uint32_t *out, unsigned int bit)
{
	int rc = sl_health_ms_parse(val, min, SL_HEALTH_INTERVAL_MAX_MS, out);

	if (rc == -ERANGE)
		return cli_fail(cw, "%s %s out of range (%u..%u ms)", opt, val,
				min, SL_HEALTH_INTERVAL_MAX_MS);
	if (rc < 0)
		return cli_fail(cw, "bad %s '%s' (milliseconds: 500, 500ms or 2s)",
				opt, val);
	cmd->health_set |= bit;
	return 0;
}

/* health, path, status, ..., health-address */
static int
opt_health(struct cli_words *cw, struct sl_cmd *cmd, int opt, const char *val)
{
	struct sl_health_conf *h = &cmd->health;
	uint32_t v;
	int rc;

	switch (opt) {
	case OPT_HEALTH:
		if (cmd->verb == SL_CMD_BACKEND_ADD ||
		    cmd->verb == SL_CMD_BACKEND_SET) {
			if (strcmp(val, "on") != 0 && strcmp(val, "off") != 0)
				return cli_fail(cw, "bad health '%s' (on or off)", val);
			cmd->be_health = val[1] == 'n';
			return 0;
		}
		rc = sl_health_type_parse(val);
		if (rc < 0)
			return cli_fail(cw, "bad health '%s' (none, tcp or http)", val);
		h->type = (uint8_t)rc;
		cmd->health_set |= SL_HC_TYPE;
		return 0;
	case OPT_PATH:
		if (!sl_health_path_valid(val))
			return cli_fail(cw, "bad path '%.40s' (starts with /, no spaces, max %d characters)",
					val, SL_HEALTH_PATH_MAX - 1);
		snprintf(h->path, sizeof(h->path), "%s", val);
		cmd->health_set |= SL_HC_PATH;
		return 0;
	case OPT_INTERVAL:
		return opt_ms(cw, cmd, "interval", val, SL_HEALTH_INTERVAL_MIN_MS,
			      &h->interval_ms, SL_HC_INTERVAL);
	case OPT_TIMEOUT:
		return opt_ms(cw, cmd, "timeout", val, SL_HEALTH_TIMEOUT_MIN_MS,
			      &h->timeout_ms, SL_HC_TIMEOUT);
	case OPT_HEALTH_ADDR:
		cmd->has_health_addr = true;
		if (strcmp(val, "none") == 0)
			return 0;
		if (sl_addr_parse(val, &cmd->health_addr) < 0)
			return cli_fail(cw, "bad health-address '%.64s' (an address or none)",
					val);
		return 0;
	case OPT_STATUS:
		if ((rc = opt_number(cw, "status", val, 100, 599, &v)) < 0)
			return rc;
		h->status = (uint16_t)v;
		cmd->health_set |= SL_HC_STATUS;
		return 0;
	case OPT_RISE:
	case OPT_FALL:
		rc = opt_number(cw, opt == OPT_RISE ? "rise" : "fall", val, 1,
				SL_HEALTH_COUNT_MAX, &v);
		if (rc < 0)
			return rc;
		if (opt == OPT_RISE)
			h->rise = (uint8_t)v;
		else
			h->fall = (uint8_t)v;
		cmd->health_set |= opt == OPT_RISE ? SL_HC_RISE : SL_HC_FALL;
		return 0;
	default:
		if ((rc = opt_number(cw, "health-port", val, 1, 65535, &v)) < 0)
			return rc;
		h->port = (uint16_t)v;
		cmd->health_set |= SL_HC_PORT;
		return 0;
	}
}

static int
opt_value(struct cli_words *cw, struct sl_cmd *cmd, int opt, const char *val)
{
	int rc;

	switch (opt) {
	case OPT_TABLE_SIZE:
		rc = sl_parse_u32(val, 0, UINT32_MAX, &cmd->table_size);
		if (rc == -EINVAL)
			return cli_fail(cw, "bad number '%s' for table-size", val);
		if (rc == 0)
			rc = sl_config_table_size_check(cmd->table_size);
		if (rc == -SL_ENOPRIME)
			return cli_fail(cw, "table-size %s is not a prime", val);
		if (rc < 0)
			return cli_fail(cw, "table-size %s out of range (a prime up to %u)",
					val, SL_MAGLEV_MAX_M);
		return 0;
	case OPT_ON_REMOVE:
		cmd->on_remove = sl_on_remove_parse(val);
		if (cmd->on_remove < 0)
			return cli_fail(cw, "bad on-remove '%s' (keep or reset)", val);
		return 0;
	case OPT_WEIGHT:
		cmd->has_weight = true;
		return opt_number(cw, "weight", val, 0, CLI_WEIGHT_MAX,
				  &cmd->weight);
	case OPT_LIMIT:
		return opt_number(cw, "limit", val, 1, SL_CLI_MAX_FLOW_LIMIT,
				  &cmd->limit);
	default:
		return opt_health(cw, cmd, opt, val);
	}
}

/* "KEY VALUE" pairs from the options in allowed, until the words end. */
static int
take_opts(struct cli_words *cw, struct sl_cmd *cmd, int allowed, int *seen)
{
	const char *key, *val;
	int opt, rc;
	size_t k;

	while (cw->i < cw->n) {
		key = cw->w[cw->i];
		opt = 0;
		for (k = 0; k < SL_ARRAY_SIZE(opt_names); k++)
			if (strcmp(key, opt_names[k]) == 0)
				opt = 1 << k;
		if (!(opt & allowed))
			return no_more(cw);
		if (*seen & opt)
			return cli_fail(cw, "%s given twice", key);
		if (cw->i + 1 >= cw->n)
			return cli_fail(cw, "missing value for %s", key);
		val = cw->w[cw->i + 1];
		cw->i += 2;
		rc = opt_value(cw, cmd, opt, val);
		if (rc < 0)
			return rc;
		*seen |= opt;
	}
	return 0;
}

/* The policy keys, for messages: "deny_reply, conn_rate, ...". */
static const char *
policy_keys(char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < SL_POL_NB_KEYS && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
				      sl_vip_policy_key(1u << i));
	return buf;
}

/* vip policy NAME KEY VALUE [KEY VALUE...] */
static int
parse_vip_policy(struct cli_words *cw, struct sl_cmd *cmd)
{
	const char *key, *val;
	char msg[SL_ERR_MAX], keys[256];
	unsigned int before;
	int rc;

	cmd->verb = SL_CMD_VIP_POLICY;
	cw->ctx = "vip policy";
	if (take_name(cw, cmd) < 0)
		return -EINVAL;
	if (cw->i >= cw->n)
		return cli_fail(cw, "missing KEY VALUE (keys: %s)",
				policy_keys(keys, sizeof(keys)));
	while (cw->i < cw->n) {
		key = cw->w[cw->i++];
		before = cmd->policy_set;
		if (cw->i >= cw->n)
			val = NULL;
		else
			val = cw->w[cw->i++];
		rc = sl_vip_policy_parse(key, val ? val : "", &cmd->policy,
					 &cmd->policy_set, msg, sizeof(msg));
		if (rc == -ENOENT)
			return cli_fail(cw, "unknown key '%.40s' (keys: %s)", key,
					policy_keys(keys, sizeof(keys)));
		if (val == NULL)
			return cli_fail(cw, "missing value for %s", key);
		if (rc < 0)
			return cli_fail(cw, "%s '%.40s': %s", key, val, msg);
		if (before == cmd->policy_set)
			return cli_fail(cw, "%s given twice", key);
	}
	return 0;
}

static int
parse_vip(struct cli_words *cw, struct sl_cmd *cmd)
{
	const char *sub = next_word(cw,
				    "vip command (add, set, policy, del, list)");
	int seen = 0;

	if (sub == NULL)
		return -EINVAL;
	if (strcmp(sub, "policy") == 0)
		return parse_vip_policy(cw, cmd);
	if (strcmp(sub, "list") == 0) {
		cmd->verb = SL_CMD_VIP_LIST;
		cw->ctx = "vip list";
		return no_more(cw);
	}
	if (strcmp(sub, "del") == 0) {
		cmd->verb = SL_CMD_VIP_DEL;
		cw->ctx = "vip del";
		if (take_name(cw, cmd) < 0)
			return -EINVAL;
		return no_more(cw);
	}
	if (strcmp(sub, "add") == 0) {
		cmd->verb = SL_CMD_VIP_ADD;
		cw->ctx = "vip add";
		if (take_name(cw, cmd) < 0 || take_addr_port(cw, cmd) < 0 ||
		    take_proto(cw, cmd) < 0)
			return -EINVAL;
		return take_opts(cw, cmd, OPTS_VIP, &seen);
	}
	if (strcmp(sub, "set") == 0) {
		cmd->verb = SL_CMD_VIP_SET;
		cw->ctx = "vip set";
		if (take_name(cw, cmd) < 0 ||
		    take_opts(cw, cmd, OPTS_VIP, &seen) < 0)
			return -EINVAL;
		if (seen == 0)
			return cli_fail(cw, "missing table-size M or on-remove keep|reset or a health setting");
		return 0;
	}
	return cli_fail(cw, "unknown vip command '%s' (add, set, policy, del, "
			"list)", sub);
}

static int
parse_backend(struct cli_words *cw, struct sl_cmd *cmd)
{
	const char *sub = next_word(cw, "backend command (add, set, del, list)");
	int seen = 0;

	if (sub == NULL)
		return -EINVAL;
	if (strcmp(sub, "list") == 0) {
		cmd->verb = SL_CMD_BACKEND_LIST;
		cw->ctx = "backend list";
		if (cw->i < cw->n && take_name(cw, cmd) < 0)
			return -EINVAL;
		return no_more(cw);
	}
	if (strcmp(sub, "del") == 0) {
		cmd->verb = SL_CMD_BACKEND_DEL;
		cw->ctx = "backend del";
		if (take_name(cw, cmd) < 0 || take_addr_port(cw, cmd) < 0)
			return -EINVAL;
		return no_more(cw);
	}
	if (strcmp(sub, "add") == 0 || strcmp(sub, "set") == 0) {
		bool add = sub[0] == 'a';

		cmd->verb = add ? SL_CMD_BACKEND_ADD : SL_CMD_BACKEND_SET;
		cw->ctx = add ? "backend add" : "backend set";
		if (take_name(cw, cmd) < 0 || take_addr_port(cw, cmd) < 0 ||
		    take_opts(cw, cmd, OPTS_BACKEND, &seen) < 0)
			return -EINVAL;
		if (!add && seen == 0)
			return cli_fail(cw, "missing weight W, health on|off or health-address ADDR");
		return 0;
	}
	return cli_fail(cw, "unknown backend command '%s' (add, set, del, list)",
			sub);
}

/* NAME, unless --global was given; left words tell which was meant. */
static int
take_scope(struct cli_words *cw, struct sl_cmd *cmd, int args)
{
	int left = cw->n - cw->i;

	if (cmd->global && left > args)
		return cli_fail(cw, "give a VIP name or --global, not both");
	if (cmd->global)
		return 0;
	if (left <= args)
		return cli_fail(cw, "missing VIP name or --global");
	return take_name(cw, cmd);
}

static int
take_prefix(struct cli_words *cw, struct sl_cmd *cmd)
{
	const char *s = next_word(cw, "CIDR (e.g. 198.18.0.0/15)");
	char msg[SL_ERR_MAX];

	if (s == NULL)
		return -EINVAL;
	if (sl_acl_prefix_parse(s, &cmd->addr, &cmd->plen, msg,
				sizeof(msg)) < 0)
		return cli_fail(cw, "bad prefix '%.64s': %s", s, msg);
	return 0;
}

static int
parse_acl(struct cli_words *cw, struct sl_cmd *cmd)
{
	const char *sub = next_word(cw, "acl command (add, del, list)");
	const char *act;
	int rc;

	if (sub == NULL)
		return -EINVAL;
	if (strcmp(sub, "list") == 0) {
		cmd->verb = SL_CMD_ACL_LIST;
		cw->ctx = "acl list";
		if (cw->i < cw->n && take_scope(cw, cmd, 0) < 0)
			return -EINVAL;
		return no_more(cw);
	}
	if (strcmp(sub, "del") == 0) {
		cmd->verb = SL_CMD_ACL_DEL;
		cw->ctx = "acl del";
		if (take_scope(cw, cmd, 1) < 0 || take_prefix(cw, cmd) < 0)
			return -EINVAL;
		return no_more(cw);
	}
	if (strcmp(sub, "add") != 0)
		return cli_fail(cw, "unknown acl command '%s' (add, del, list)",
				sub);
	cmd->verb = SL_CMD_ACL_ADD;
	cw->ctx = "acl add";
	if (take_scope(cw, cmd, 2) < 0)
		return -EINVAL;
	act = next_word(cw, "allow or deny");
	if (act == NULL)
		return -EINVAL;
	rc = sl_acl_action_parse(act);
	if (rc < 0)
		return cli_fail(cw, "bad action '%.40s' (allow or deny)", act);
	cmd->acl_action = (uint8_t)rc;
	if (take_prefix(cw, cmd) < 0)
		return -EINVAL;
	return no_more(cw);
}

static int
parse_flows(struct cli_words *cw, struct sl_cmd *cmd)
{
	int seen = 0;

	cmd->verb = SL_CMD_FLOWS;
	cw->ctx = "flows";
	if (cw->i < cw->n && strcmp(cw->w[cw->i], "limit") != 0 &&
	    take_name(cw, cmd) < 0)
		return -EINVAL;
	return take_opts(cw, cmd, OPT_LIMIT, &seen);
}

static int
parse_words(struct cli_words *cw, struct sl_cmd *cmd)
{
	const char *verb = next_word(cw, "command (see usage)");

	if (verb == NULL)
		return -EINVAL;
	if (strcmp(verb, "vip") == 0)
		return parse_vip(cw, cmd);
	if (strcmp(verb, "backend") == 0)
		return parse_backend(cw, cmd);
	if (strcmp(verb, "acl") == 0)
		return parse_acl(cw, cmd);
	if (strcmp(verb, "flows") == 0)
		return parse_flows(cw, cmd);
	if (strcmp(verb, "stats") == 0)
		cmd->verb = SL_CMD_STATS;
	else if (strcmp(verb, "status") == 0)
		cmd->verb = SL_CMD_STATUS;
	else if (strcmp(verb, "reload") == 0)
		cmd->verb = SL_CMD_RELOAD;
	else
		return cli_fail(cw, "unknown command '%.64s' (see usage)", verb);
	cw->ctx = verb;
	return no_more(cw);
}

static void
cmd_init(struct sl_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->verb = SL_CMD_NONE;
	cmd->weight = 1;		/* "backend add" without weight */
	cmd->on_remove = -1;
	cmd->limit = SL_CLI_DEFAULT_FLOW_LIMIT;
	cmd->be_health = -1;
	sl_vip_policy_init(&cmd->policy);
}

int
sl_cli_parse(int argc, char *const argv[], struct sl_cmd *cmd,
	     char *err, size_t errlen)
{
	struct cli_words cw = { .err = err, .errlen = errlen };
	int i, rc;

	cmd_init(cmd);
	if (argc < 0 || (argc > 0 && argv == NULL))
		return cli_fail(&cw, "no arguments");
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL)
			return cli_fail(&cw, "missing argument");
		if (strcmp(argv[i], "--json") == 0) {
			cmd->json = true;
			continue;
		}
		if (strcmp(argv[i], "--global") == 0) {
			cmd->global = true;
			continue;
		}
		if (strncmp(argv[i], "--", 2) == 0)
			return cli_fail(&cw, "unknown option '%.64s'", argv[i]);
		if (cw.n == CLI_MAX_WORDS)
			return cli_fail(&cw, "too many arguments (max %d)",
					CLI_MAX_WORDS);
		cw.w[cw.n++] = argv[i];
	}
	rc = parse_words(&cw, cmd);
	if (rc == 0 && cmd->global && cmd->verb != SL_CMD_ACL_ADD &&
	    cmd->verb != SL_CMD_ACL_DEL && cmd->verb != SL_CMD_ACL_LIST)
		rc = cli_fail(&cw, "--global is only for the acl verbs");
	if (rc == 0 && cmd->json && !sl_cli_is_read(cmd->verb))
		rc = cli_fail(&cw, "--json is only for read verbs (list, flows, stats, status)");
	if (rc < 0) {
		cmd_init(cmd);
		return -EINVAL;
	}
	return 0;
}
