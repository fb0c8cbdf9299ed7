/* SPDX-License-Identifier: BSD-3-Clause
 * Edge policy of a VIP: defaults and the keyword values shared by the INI
 * loader and the CLI. The checks and operations on a config's policies are
 * in sl_config.c (sl_config_vip_policy(), sl_config_acl_add()).
 */
#include <string.h>

#include "sl_common.h"
#include "sl_policy.h"

static const char *const acl_action_names[] = {
	[SL_ACL_ALLOW] = "allow",
	[SL_ACL_DENY] = "deny",
};
static const char *const deny_reply_names[] = {
	[SL_DENY_DROP] = "drop",
	[SL_DENY_RST] = "rst",
	[SL_DENY_ICMP] = "icmp",
};
static const char *const synproxy_names[] = {
	[SL_SYNPROXY_OFF] = "off",
	[SL_SYNPROXY_ON] = "on",
	[SL_SYNPROXY_AUTO] = "auto",
};

void
sl_vip_policy_init(struct sl_vip_policy *p)
{
	memset(p, 0, sizeof(*p));	/* no rules, every rate unlimited */
	p->deny_reply = SL_DENY_DROP;
	p->client_plen4 = 32;
	p->client_plen6 = 128;
	p->synproxy = SL_SYNPROXY_OFF;
	p->synproxy_wscale = SL_SYNPROXY_WSCALE_DEFAULT;
	p->synproxy_threshold = SL_SYNPROXY_THRESHOLD_DEFAULT;
	p->proxy_protocol = false;
}

int
sl_acl_action_parse(const char *s)
{
	return SL_KEYWORD_PARSE(acl_action_names, s);
}

const char *
sl_acl_action_name(unsigned int a)
{
	return SL_KEYWORD_NAME(acl_action_names, a);
}

int
sl_deny_reply_parse(const char *s)
{
	return SL_KEYWORD_PARSE(deny_reply_names, s);
}

const char *
sl_deny_reply_name(unsigned int r)
{
	return SL_KEYWORD_NAME(deny_reply_names, r);
}

int
sl_synproxy_parse(const char *s)
{
	return SL_KEYWORD_PARSE(synproxy_names, s);
}

const char *
sl_synproxy_name(unsigned int m)
{
	return SL_KEYWORD_NAME(synproxy_names, m);
}
