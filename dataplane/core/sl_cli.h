/* SPDX-License-Identifier: BSD-3-Clause
 * sluicectl command grammar: parsed once here, used by sluicectl (to reject
 * bad arguments before connecting) and by sluice-control (to execute).
 *
 *   vip add NAME ADDR:PORT tcp|udp [table-size M] [on-remove keep|reset]
 *           [HEALTH...]
 *   vip set NAME [table-size M] [on-remove keep|reset] [HEALTH...]
 *       HEALTH: health none|tcp|http, path /P, status N, interval T,
 *               timeout T, rise N, fall N, health-port N
 *               (T: milliseconds, 500 or 500ms or 2s)
 *   vip policy NAME KEY VALUE [KEY VALUE...]
 *       KEY: the [vip.NAME] policy keys of the INI (deny_reply, conn_rate,
 *            conn_burst, pps, pps_burst, client_conn_rate,
 *            client_conn_burst, client_prefix4, client_prefix6, syn_proxy,
 *            syn_proxy_threshold, syn_proxy_wscale, proxy_protocol)
 *   vip del NAME
 *   vip list
 *   acl add NAME|--global allow|deny CIDR
 *   acl del NAME|--global CIDR
 *   acl list [NAME|--global]
 *   backend add NAME ADDR:PORT [weight W] [health on|off]
 *           [health-address ADDR|none]
 *   backend set NAME ADDR:PORT [weight W] [health on|off]
 *           [health-address ADDR|none]          (at least one)
 *   backend del NAME ADDR:PORT
 *   backend list [NAME]
 *   flows [NAME] [limit N]
 *   stats
 *   status
 *   reload
 * Read verbs (list, flows, stats, status) accept --json anywhere; the acl
 * verbs accept --global anywhere.
 */
#ifndef SL_CLI_H
#define SL_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_addr.h"
#include "sl_common.h"
#include "sl_config.h"

enum sl_cmd_verb {
	SL_CMD_NONE = 0,
	SL_CMD_VIP_ADD,
	SL_CMD_VIP_SET,
	SL_CMD_VIP_DEL,
	SL_CMD_VIP_LIST,
	SL_CMD_BACKEND_ADD,
	SL_CMD_BACKEND_SET,
	SL_CMD_BACKEND_DEL,
	SL_CMD_BACKEND_LIST,
	SL_CMD_FLOWS,
	SL_CMD_STATS,
	SL_CMD_STATUS,
	SL_CMD_RELOAD,
	SL_CMD_VIP_POLICY,
	SL_CMD_ACL_ADD,
	SL_CMD_ACL_DEL,
	SL_CMD_ACL_LIST,
};

#define SL_CLI_DEFAULT_FLOW_LIMIT	100
#define SL_CLI_MAX_FLOW_LIMIT		1000000

struct sl_cmd {
	enum sl_cmd_verb verb;
	bool json;
	char vip[SL_NAME_MAX];		/* "" = all (list verbs) */
	struct sl_addr addr;
	uint16_t port;			/* host order */
	uint8_t proto;
	bool has_weight;
	uint32_t weight;
	uint32_t table_size;		/* 0 = unchanged / default */
	int on_remove;			/* -1 = unchanged / default */
	uint32_t limit;			/* flows */
	unsigned int health_set;	/* vip add/set: SL_HC_* given */
	struct sl_health_conf health;	/* ... with these values */
	int be_health;			/* backend: -1 unchanged, 0 off, 1 on */
	bool has_health_addr;		/* backend: health-address given */
	struct sl_addr health_addr;	/* ... family 0 for "none" */
	bool global;			/* acl: the global list (vip "") */
	uint8_t acl_action;		/* acl add: enum sl_acl_action */
	uint8_t plen;			/* acl add/del: prefix in addr/plen */
	unsigned int policy_set;	/* vip policy: SL_POL_* given */
	struct sl_vip_policy policy;	/* ... with these values (no rules) */
};

/* argv holds the words after the program's own options (argv[0] is the
 * first word of the command, e.g. "vip"). Returns 0, or -EINVAL with a
 * one-line message in err. */
int sl_cli_parse(int argc, char *const argv[], struct sl_cmd *cmd,
		 char *err, size_t errlen);

/* True for verbs that only read. */
bool sl_cli_is_read(enum sl_cmd_verb v);

/* The usage text (every verb). */
const char *sl_cli_usage(void);

#endif
