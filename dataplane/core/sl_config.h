/* SPDX-License-Identifier: BSD-3-Clause
 * The INI configuration (parsed with inih) and the core operations on it.
 * The INI loader and the CLI both go through sl_config_vip_add() /
 * sl_config_backend_set() and friends: no logic lives in only one front end.
 *
 * File format (see conf/demo.ini):
 *   [dataplane]  lcores, memory, file_prefix, eal_args, mbufs, conntrack_size,
 *                timeouts (tcp_syn, tcp_established, tcp_fin, tcp_closed, udp)
 *   [control]    socket, metrics = off | PORT | ADDR:PORT (default off;
 *                a bare port listens on 127.0.0.1)
 *   [port.NAME]  dev, address (repeatable, CIDR), snat (repeatable), mac, vlan
 *   [routes]     route = PREFIX via GATEWAY (repeatable), default = GW4,
 *                default6 = GW6 (keys cannot hold ':', so values carry all)
 *   [neighbors]  neighbor = ADDR MAC (repeatable, static entries)
 *   [vip.NAME]   address, port, proto, table_size, on_backend_remove,
 *                backend = ADDR:PORT [weight=N] [health=on|off]
 *                          [health_address=ADDR] (repeatable),
 *                health = none|tcp|http, health_path, health_status,
 *                health_interval, health_timeout (milliseconds, or with a
 *                unit: 500ms, 2s), health_rise, health_fall, health_port,
 *                edge policy (sl_policy.h):
 *                allow = CIDR, deny = CIDR (repeatable; the VIP's family:
 *                a rule of the other family never matches, an error),
 *                deny_reply = drop|rst|icmp, conn_rate, conn_burst, pps,
 *                pps_burst, client_conn_rate, client_conn_burst (N per
 *                second / tokens; 0 = unlimited, burst 0 = the rate),
 *                client_prefix4 = 0..32, client_prefix6 = 0..128,
 *                syn_proxy = off|on|auto, syn_proxy_threshold = N (SYN/s),
 *                syn_proxy_wscale = 0..14, proxy_protocol = off|v2
 *                (syn_proxy and proxy_protocol: TCP VIPs only)
 *   [acl]        allow = CIDR, deny = CIDR (repeatable, either family):
 *                rules for every VIP (see sl_acl.h for which rule decides)
 *   [dataplane]  also rate_clients = 64..16777216 (per-client buckets per
 *                worker, default 65536), syncookie_secret = 32 hex digits
 *                (default: random per data plane run)
 */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_addr.h"
#include "sl_common.h"
#include "sl_ct.h"
#include "sl_policy.h"

#define SL_ERR_MAX 256

/* Health checks of a VIP's backends, run by sluice-control from its own
 * network stack. */
enum sl_health_type {
	SL_HEALTH_NONE = 0,
	SL_HEALTH_TCP,		/* a TCP connect */
	SL_HEALTH_HTTP,		/* GET path, expect a status */
};

#define SL_HEALTH_PATH_MAX		128
#define SL_HEALTH_INTERVAL_MIN_MS	10
#define SL_HEALTH_INTERVAL_MAX_MS	3600000u	/* 1 h */
#define SL_HEALTH_TIMEOUT_MIN_MS	10
#define SL_HEALTH_TIMEOUT_DEFAULT_MS	1000	/* capped at the interval */
#define SL_HEALTH_COUNT_MAX		100		/* rise, fall */

struct sl_health_conf {
	uint8_t type;			/* enum sl_health_type */
	uint8_t rise;			/* successes to come back up */
	uint8_t fall;			/* failures to go down */
	uint16_t port;			/* 0 = each backend's own port */
	uint16_t status;		/* expected HTTP status */
	uint32_t interval_ms;		/* from the start of one check to the next */
	uint32_t timeout_ms;		/* 0 = default: min(1 s, interval) */
	char path[SL_HEALTH_PATH_MAX];	/* HTTP request target */
};

/* Which fields of a struct sl_health_conf a change sets. */
enum {
	SL_HC_TYPE = 1 << 0,
	SL_HC_PATH = 1 << 1,
	SL_HC_STATUS = 1 << 2,
	SL_HC_INTERVAL = 1 << 3,
	SL_HC_TIMEOUT = 1 << 4,
	SL_HC_RISE = 1 << 5,
	SL_HC_FALL = 1 << 6,
	SL_HC_PORT = 1 << 7,
};

enum sl_on_remove {
	SL_ON_REMOVE_KEEP = 0,	/* flows of a removed backend keep going */
	SL_ON_REMOVE_RESET,	/* they are dropped and forgotten */
};

struct sl_prefix {
	struct sl_addr addr;
	uint8_t plen;
};

struct sl_port_conf {
	char name[SL_NAME_MAX];
	char dev[256];			/* vdev string or PCI address */
	struct sl_prefix addrs[SL_MAX_PORT_ADDRS];
	uint32_t nb_addrs;
	struct sl_addr snat[SL_MAX_SNAT_ADDRS];
	uint32_t nb_snat;
	uint8_t mac[6];
	bool has_mac;
	uint16_t vlan;			/* 0 = untagged */
};

struct sl_route_conf {
	struct sl_prefix dst;		/* 0.0.0.0/0 or ::/0 for defaults */
	struct sl_addr via;
};

struct sl_neigh_conf {
	struct sl_addr addr;
	uint8_t mac[6];
};

struct sl_backend_conf {
	struct sl_addr addr;
	uint16_t port;			/* host order */
	uint32_t weight;		/* 0 = drain */
	bool down;			/* failed its health check (runtime) */
	bool health_off;		/* never checked, never down */
	bool has_health_addr;
	struct sl_addr health_addr;	/* checked there instead of addr */
	uint16_t id;			/* stable id, assigned by the control plane */
	uint32_t gen;			/* generation of id */
};

struct sl_vip_conf {
	char name[SL_NAME_MAX];
	struct sl_addr addr;
	uint16_t port;			/* host order */
	uint8_t proto;			/* IPPROTO_TCP / IPPROTO_UDP */
	uint32_t table_size;		/* prime */
	uint8_t on_remove;		/* enum sl_on_remove */
	uint16_t id;			/* stable id, assigned by the control plane */
	struct sl_health_conf health;
	struct sl_vip_policy policy;	/* edge policy (sl_policy.h) */
	struct sl_backend_conf *backends;
	uint32_t nb_backends;
	uint32_t cap_backends;
	unsigned int line;		/* where it was defined (0 = CLI) */
};

#define SL_RL_CLIENTS_DEFAULT	65536
#define SL_RL_CLIENTS_MIN	64
#define SL_RL_CLIENTS_MAX	(16u << 20)

struct sl_dp_conf {
	char lcores[64];		/* EAL -l, e.g. "0-2": main + workers */
	uint32_t memory_mb;		/* EAL -m */
	char file_prefix[64];		/* EAL --file-prefix, shared by both */
	char eal_args[256];		/* extra EAL args, space separated */
	uint32_t mbufs;			/* per port pool */
	uint32_t ct_size;		/* flows per worker */
	struct sl_ct_timeouts timeouts;
	uint16_t snat_port_lo;		/* lowest SNAT port, default 1024 */
	bool snat_port_low_first;	/* each round starts at the lowest port
					 * (snat_port_start = low), else at a
					 * random one (the default) */
	uint32_t rl_clients;		/* per-client buckets per worker */
	bool has_cookie_secret;		/* else random per data plane run */
	uint8_t cookie_secret[16];	/* syncookie_secret = 32 hex digits */
};

struct sl_config {
	char path[256];
	struct sl_dp_conf dp;
	char socket[SL_PATH_MAX];
	/* Prometheus /metrics listener of sluice-control; port 0 = off. */
	struct sl_addr metrics_addr;
	uint16_t metrics_port;
	struct sl_port_conf ports[SL_MAX_PORTS];
	uint32_t nb_ports;
	struct sl_route_conf routes[SL_MAX_ROUTES];
	uint32_t nb_routes;
	struct sl_neigh_conf neigh[SL_MAX_STATIC_NEIGH];
	uint32_t nb_neigh;
	struct sl_vip_conf *vips;
	uint32_t nb_vips;
	uint32_t cap_vips;
	/* [acl]: rules for every VIP */
	struct sl_acl_rule *acl;
	uint32_t nb_acl;
	uint32_t cap_acl;
};

/* Defaults for everything; no ports, no VIPs. */
void sl_config_init(struct sl_config *c);
void sl_config_free(struct sl_config *c);
/* Deep copy (backend arrays included). Returns 0 or -ENOMEM. */
int sl_config_copy(struct sl_config *dst, const struct sl_config *src);

/* Parse and validate. On error returns a negative errno and writes
 * "FILE:LINE: problem" (or "FILE: problem") into err. */
int sl_config_load(const char *path, struct sl_config *c,
		   char *err, size_t errlen);
int sl_config_load_string(const char *text, const char *name,
			  struct sl_config *c, char *err, size_t errlen);
/* Whole-config checks (cross references); called by the loaders. */
int sl_config_validate(const struct sl_config *c, char *err, size_t errlen);

/* Core operations shared by the INI loader and the CLI. Each validates its
 * arguments and returns 0 or a negative errno with a message in err. */
int sl_config_vip_add(struct sl_config *c, const char *name,
		      const struct sl_addr *addr, uint16_t port, uint8_t proto,
		      char *err, size_t errlen);
int sl_config_vip_set(struct sl_config *c, const char *name,
		      uint32_t table_size /* 0 = unchanged */,
		      int on_remove /* -1 = unchanged */,
		      char *err, size_t errlen);
int sl_config_vip_del(struct sl_config *c, const char *name,
		      char *err, size_t errlen);
struct sl_vip_conf *sl_config_vip_find(struct sl_config *c, const char *name);
/* Adds the backend, or changes its weight when it exists and update is
 * true (-EEXIST when it exists and update is false; -ENOENT when it does not
 * exist and create is false). */
int sl_config_backend_set(struct sl_config *c, const char *vip,
			  const struct sl_addr *addr, uint16_t port,
			  uint32_t weight, bool create, bool update,
			  char *err, size_t errlen);
int sl_config_backend_del(struct sl_config *c, const char *vip,
			  const struct sl_addr *addr, uint16_t port,
			  char *err, size_t errlen);
/* Changes the fields of a VIP's health check named in set (SL_HC_*) to
 * those of val, after checking each and the result (timeout not above the
 * interval). */
int sl_config_vip_health(struct sl_config *c, const char *vip,
			 const struct sl_health_conf *val, unsigned int set,
			 char *err, size_t errlen);
/* A backend's own health settings: enabled -1 = unchanged, 0 = never
 * checked, 1 = checked; addr NULL = unchanged, family 0 = check the
 * backend's own address again. */
int sl_config_backend_health(struct sl_config *c, const char *vip,
			     const struct sl_addr *addr, uint16_t port,
			     int enabled, const struct sl_addr *health_addr,
			     char *err, size_t errlen);
/* True when the backend b of v is health-checked. */
bool sl_config_backend_checked(const struct sl_vip_conf *v,
			       const struct sl_backend_conf *b);

/* Access rules. vip NULL = the global [acl] list. A rule's prefix has its
 * host bits zero; a VIP's rule has the VIP's family. add: -EEXIST when the
 * list has a rule of that prefix, -ENOSPC when every rule id is taken; the
 * new rule (last of its list) gets the lowest id 1..SL_MAX_ACL_RULES-1 no
 * rule of c uses, and line 0. del: -ENOENT when there is no such rule. */
int sl_config_acl_add(struct sl_config *c, const char *vip, uint8_t action,
		      const struct sl_addr *prefix, uint8_t plen,
		      char *err, size_t errlen);
int sl_config_acl_del(struct sl_config *c, const char *vip,
		      const struct sl_addr *prefix, uint8_t plen,
		      char *err, size_t errlen);
/* The rule list of vip (NULL = global); NULL when there is no such VIP. */
struct sl_acl_rule *sl_config_acl_list(struct sl_config *c, const char *vip,
				       uint32_t *nb);

/* Which fields of a struct sl_vip_policy a change sets (its rules are
 * changed by sl_config_acl_add() / _del() only). */
enum {
	SL_POL_DENY_REPLY = 1 << 0,
	SL_POL_CONN_RATE = 1 << 1,
	SL_POL_CONN_BURST = 1 << 2,
	SL_POL_PPS = 1 << 3,
	SL_POL_PPS_BURST = 1 << 4,
	SL_POL_CLIENT_RATE = 1 << 5,
	SL_POL_CLIENT_BURST = 1 << 6,
	SL_POL_CLIENT_PLEN4 = 1 << 7,
	SL_POL_CLIENT_PLEN6 = 1 << 8,
	SL_POL_SYNPROXY = 1 << 9,
	SL_POL_SYNPROXY_THRESHOLD = 1 << 10,
	SL_POL_SYNPROXY_WSCALE = 1 << 11,
	SL_POL_PROXY_PROTOCOL = 1 << 12,
};

#define SL_POL_NB_KEYS		13
#define SL_POL_ALL		((1u << SL_POL_NB_KEYS) - 1)

#define SL_POL_RATE_MAX		1000000000u	/* rates and bursts */
#define SL_POL_WSCALE_MAX	14		/* RFC 7323 */

/* Changes the fields of a VIP's policy named in set (SL_POL_*) to those
 * of val, after checking each (syn_proxy on/auto and proxy_protocol only
 * on TCP VIPs). */
int sl_config_vip_policy(struct sl_config *c, const char *vip,
			 const struct sl_vip_policy *val, unsigned int set,
			 char *err, size_t errlen);
/* One "KEY VALUE" of the policy, with the INI key names (deny_reply,
 * conn_rate, ..., proxy_protocol; not allow / deny): stores the value in p
 * and its SL_POL_* bit in *set. Returns 0, -ENOENT for an unknown key,
 * -EINVAL or -ERANGE, with a message (without the key) in err. */
int sl_vip_policy_parse(const char *key, const char *val,
			struct sl_vip_policy *p, unsigned int *set,
			char *err, size_t errlen);
/* The key name of an SL_POL_* bit ("?" for anything else). */
const char *sl_vip_policy_key(unsigned int bit);
/* The value of that field as the INI writes it ("rst", "1000", "v2"). */
const char *sl_vip_policy_fmt(const struct sl_vip_policy *p,
			      unsigned int bit, char *buf, size_t len);
/* True when the field of bit is a number (JSON prints it bare). */
bool sl_vip_policy_numeric(unsigned int bit);
/* "198.18.0.0/15": an access rule's prefix (a bare address is a host
 * prefix). -EINVAL for text that is no prefix, or that has host bits set
 * (then err suggests the prefix meant). */
int sl_acl_prefix_parse(const char *s, struct sl_addr *a, uint8_t *plen,
			char *err, size_t errlen);

/* Names of ports and VIPs: 1 to SL_NAME_MAX - 1 characters of
 * [A-Za-z0-9_-]. Shared with the CLI so both front ends agree. */
bool sl_config_name_valid(const char *name);
/* Maglev table sizes: 0, -ERANGE (0 or above SL_MAGLEV_MAX_M) or
 * -SL_ENOPRIME. Shared with the CLI. */
int sl_config_table_size_check(uint32_t m);

/* Health check values, shared by the INI loader and the CLI (each returns
 * 0, -EINVAL or -ERANGE). */
int sl_health_type_parse(const char *s);
const char *sl_health_type_name(unsigned int t);
/* "1500", "1500ms" or "2s", in min..max milliseconds. */
int sl_health_ms_parse(const char *s, uint32_t min, uint32_t max,
		       uint32_t *ms);
/* "/" followed by printable ASCII other than space, shorter than
 * SL_HEALTH_PATH_MAX. */
bool sl_health_path_valid(const char *s);
/* The timeout in force (the default when timeout_ms is 0). */
uint32_t sl_health_timeout_ms(const struct sl_health_conf *h);

/* Parses "on_backend_remove" values: "keep" / "reset". */
int sl_on_remove_parse(const char *s);
const char *sl_on_remove_name(unsigned int v);

#endif
