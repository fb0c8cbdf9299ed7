/* SPDX-License-Identifier: BSD-3-Clause
 * The INI configuration: defaults, the inih loader, whole-config checks and
 * the core operations (VIPs, backends) that the loader and the CLI share.
 *
 * The loader feeds inih through its own line reader. The reader counts
 * lines (so every message is "FILE:LINE: problem"), rejects lines inih would
 * silently split, and sees "[section]" headers before inih does, so sections
 * begin and end even when they hold no key. A [vip.NAME] section is buffered
 * and committed through sl_config_vip_add() / sl_config_backend_set() when
 * the next section begins or the file ends.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "sl_config.h"
#include "sl_maglev.h"

#define CONF_MAX_LINE		1024	/* inih line buffer, bytes */
#define CONF_MAX_WORDS		4	/* words in a multi-word value */

#define MEMORY_MIN_MB		16
#define MEMORY_MAX_MB		(1u << 20)
#define MBUFS_MIN		256
#define MBUFS_MAX		(16u << 20)
#define CT_SIZE_MIN		1024
#define CT_SIZE_MAX		(16u << 20)
/* Seconds; x2 for SYN_RECV, x1000 for ms, still below 2^31. */
#define TIMEOUT_MAX_S		1000000
#define WEIGHT_MAX		65535
#define VLAN_MAX		4094

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

/* Writes "FILE:LINE: msg", "FILE: msg" or "msg" into err; returns rc. */
static int
report(char *err, size_t errlen, const char *file, unsigned int line,
       int rc, const char *fmt, ...)
{
	char msg[SL_ERR_MAX];
	va_list ap;

	if (err == NULL || errlen == 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (file != NULL && line != 0)
		snprintf(err, errlen, "%s:%u: %s", file, line, msg);
	else if (file != NULL)
		snprintf(err, errlen, "%s: %s", file, msg);
	else
		snprintf(err, errlen, "%s", msg);
	return rc;
}

static bool
is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return false;
	if (n % 2 == 0)
		return n == 2;
	for (d = 3; d <= n / d; d += 2)
		if (n % d == 0)
			return false;
	return true;
}


static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "02:00:00:00:01:11", a unicast address that is not all zero. */
static int
mac_parse(const char *s, uint8_t mac[6])
{
	int i, hi, lo;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		hi = hexval(s[i * 3]);
		lo = hexval(s[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		if (mac[i] != 0)
			return 0;
	return -EINVAL;
}

/* Neither unspecified nor multicast (nor IPv4 class E / broadcast). */
static bool
addr_unicast(const struct sl_addr *a)
{
	static const uint8_t zero[16];

	if (a->family == AF_INET)
		return a->b[0] != 0 && a->b[0] < 224;
	if (a->family == AF_INET6)
		return memcmp(a->b, zero, 16) != 0 && a->b[0] != 0xff;
	return false;
}

static const char *
family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* Splits s (modified) at blanks into at most max words; returns the count,
 * or max + 1 when there are more. */
static int
split_words(char *s, char *w[], int max)
{
	int n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(s, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		w[n++] = tok;
	}
	return n;
}

/* After sl_addr_port_parse() failed: was the port the problem? */
static bool
port_part_bad(const char *s)
{
	const char *colon = strrchr(s, ':');
	uint32_t port;

	return colon == NULL || sl_parse_u32(colon + 1, 1, 65535, &port) != 0;
}

static int
name_check(const char *name)
{
	size_t i, n = strnlen(name, SL_NAME_MAX);

	if (n == 0)
		return -EINVAL;
	if (n >= SL_NAME_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return -EINVAL;
	}
	return 0;
}

/* Message for a name_check() failure. */
static int
name_fail(char *err, size_t errlen, const char *what, const char *name,
	  int rc)
{
	if (rc == -ENAMETOOLONG)
		return report(err, errlen, NULL, 0, rc,
			      "%s name '%.40s' too long (max %d characters)",
			      what, name, SL_NAME_MAX - 1);
	return report(err, errlen, NULL, 0, rc,
		      "bad %s name '%s': use 1-%d characters of A-Z a-z 0-9 _ -",
		      what, name, SL_NAME_MAX - 1);
}

bool
sl_config_name_valid(const char *name)
{
	return name != NULL && name_check(name) == 0;
}

int
sl_config_table_size_check(uint32_t m)
{
	if (m == 0 || m > SL_MAGLEV_MAX_M)
		return -ERANGE;
	if (!is_prime(m))
		return -SL_ENOPRIME;
	return 0;
}

/* Keyword <-> enum value, for the small enums of the config. */
static const char *const on_remove_names[] = {
	[SL_ON_REMOVE_KEEP] = "keep",
	[SL_ON_REMOVE_RESET] = "reset",
};
static const char *const health_names[] = {
	[SL_HEALTH_NONE] = "none",
	[SL_HEALTH_TCP] = "tcp",
	[SL_HEALTH_HTTP] = "http",
};

int
sl_on_remove_parse(const char *s)
{
	return SL_KEYWORD_PARSE(on_remove_names, s);
}

const char *
sl_on_remove_name(unsigned int v)
{
	return SL_KEYWORD_NAME(on_remove_names, v);
}

int
sl_health_type_parse(const char *s)
{
	return SL_KEYWORD_PARSE(health_names, s);
}

const char *
sl_health_type_name(unsigned int t)
{
	return SL_KEYWORD_NAME(health_names, t);
}

int
sl_health_ms_parse(const char *s, uint32_t min, uint32_t max, uint32_t *ms)
{
	char num[16];
	size_t n = 0;
	uint32_t mult = 1, v;
	int rc;

	if (s == NULL)
		return -EINVAL;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || n >= sizeof(num))
		return n == 0 ? -EINVAL : -ERANGE;
	if (strcmp(s + n, "s") == 0)
		mult = 1000;
	else if (s[n] != '\0' && strcmp(s + n, "ms") != 0)
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	rc = sl_parse_u32(num, 0, UINT32_MAX / 1000, &v);
	if (rc < 0)
		return rc;
	v *= mult;
	if (v < min || v > max)
		return -ERANGE;
	*ms = v;
	return 0;
}

bool
sl_health_path_valid(const char *s)
{
	size_t i;

	if (s == NULL || s[0] != '/' || strlen(s) >= SL_HEALTH_PATH_MAX)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

uint32_t
sl_health_timeout_ms(const struct sl_health_conf *h)
{
	if (h->timeout_ms != 0)
		return h->timeout_ms;
	return h->interval_ms < SL_HEALTH_TIMEOUT_DEFAULT_MS ?
	       h->interval_ms : SL_HEALTH_TIMEOUT_DEFAULT_MS;
}

static void
health_defaults(struct sl_health_conf *h)
{
	memset(h, 0, sizeof(*h));
	h->type = SL_HEALTH_NONE;
	h->rise = 2;
	h->fall = 3;
	h->status = 200;
	h->interval_ms = 1000;
	snprintf(h->path, sizeof(h->path), "/");
}

/* ------------------------------------------------------------------ */
/* Init, free, copy                                                     */
/* ------------------------------------------------------------------ */

void
sl_config_init(struct sl_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->dp.lcores, sizeof(c->dp.lcores), "0-1");
	c->dp.memory_mb = 256;
	snprintf(c->dp.file_prefix, sizeof(c->dp.file_prefix), "sluice");
	c->dp.mbufs = 8191;
	c->dp.ct_size = 262144;
	sl_ct_timeouts_default(&c->dp.timeouts);
	c->dp.snat_port_lo = 1024;
	c->dp.rl_clients = SL_RL_CLIENTS_DEFAULT;
	snprintf(c->socket, sizeof(c->socket), "/run/sluice/sluice.sock");
}

void
sl_config_free(struct sl_config *c)
{
	uint32_t i;

	for (i = 0; i < c->nb_vips; i++) {
		free(c->vips[i].backends);
		free(c->vips[i].policy.acl);
	}
	free(c->vips);
	free(c->acl);
	sl_config_init(c);
}

/* A copy of n elements of size bytes; NULL when n is 0 or out of memory
 * (*cap tells: n, or 0). */
static void *
array_dup(const void *src, uint32_t n, size_t size, uint32_t *cap)
{
	void *p = n ? malloc(n * size) : NULL;

	*cap = p != NULL ? n : 0;
	if (p != NULL)
		memcpy(p, src, n * size);
	return p;
}

int
sl_config_copy(struct sl_config *dst, const struct sl_config *src)
{
	struct sl_vip_conf *v;
	uint32_t i;

	if (dst == src)
		return 0;
	*dst = *src;
	dst->vips = NULL;
	dst->cap_vips = 0;
	dst->acl = array_dup(src->acl, src->nb_acl, sizeof(*src->acl),
			     &dst->cap_acl);
	if (dst->cap_acl < src->nb_acl) {
		dst->nb_vips = 0;
		goto nomem;
	}
	if (src->nb_vips == 0)
		return 0;
	dst->vips = calloc(src->nb_vips, sizeof(*dst->vips));
	if (dst->vips == NULL)
		goto nomem;
	dst->cap_vips = src->nb_vips;
	memcpy(dst->vips, src->vips, src->nb_vips * sizeof(*dst->vips));
	for (i = 0; i < dst->nb_vips; i++) {
		dst->vips[i].backends = NULL;
		dst->vips[i].cap_backends = 0;
		dst->vips[i].policy.acl = NULL;
		dst->vips[i].policy.cap_acl = 0;
	}
	for (i = 0; i < dst->nb_vips; i++) {
		v = &dst->vips[i];
		v->backends = array_dup(src->vips[i].backends, v->nb_backends,
					sizeof(*v->backends), &v->cap_backends);
		v->policy.acl = array_dup(src->vips[i].policy.acl,
					  v->policy.nb_acl,
					  sizeof(*v->policy.acl),
					  &v->policy.cap_acl);
		if (v->cap_backends < v->nb_backends ||
		    v->policy.cap_acl < v->policy.nb_acl)
			goto nomem;
	}
	return 0;
nomem:
	if (dst->vips == NULL)
		dst->nb_vips = 0;
	sl_config_free(dst);
	return -ENOMEM;
}

/* ------------------------------------------------------------------ */
/* Core operations (shared by the INI loader and the CLI)               */
/* ------------------------------------------------------------------ */

struct sl_vip_conf *
sl_config_vip_find(struct sl_config *c, const char *name)
{
	uint32_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < c->nb_vips; i++)
		if (strcmp(c->vips[i].name, name) == 0)
			return &c->vips[i];
	return NULL;
}

static uint32_t
config_nb_backends(const struct sl_config *c)
{
	uint32_t i, n = 0;

	for (i = 0; i < c->nb_vips; i++)
		n += c->vips[i].nb_backends;
	return n;
}

static int
vip_add_check(const struct sl_config *c, const char *name,
	      const struct sl_addr *addr, uint16_t port, uint8_t proto,
	      char *err, size_t errlen)
{
	char abuf[SL_ADDRPORTSTRLEN];
	uint32_t i;
	int rc;

	rc = name_check(name);
	if (rc < 0)
		return name_fail(err, errlen, "VIP", name, rc);
	if (!addr_unicast(addr))
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': address is not a unicast address", name);
	if (port == 0)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': port must be 1..65535", name);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': protocol must be tcp or udp", name);
	for (i = 0; i < c->nb_vips; i++) {
		const struct sl_vip_conf *v = &c->vips[i];

		if (strcmp(v->name, name) == 0)
			return report(err, errlen, NULL, 0, -EEXIST,
				      "VIP '%s' already exists", name);
		if (v->proto == proto && v->port == port &&
		    sl_addr_eq(&v->addr, addr))
			return report(err, errlen, NULL, 0, -EEXIST,
				      "VIP '%s' duplicates VIP '%s' (%s %s)",
				      name, v->name, sl_proto_name(proto),
				      sl_addr_port_fmt(addr, port, abuf,
						       sizeof(abuf)));
	}
	if (c->nb_vips >= SL_MAX_VIPS)
		return report(err, errlen, NULL, 0, -ENOSPC,
			      "too many VIPs (max %d)", SL_MAX_VIPS);
	return 0;
}

int
sl_config_vip_add(struct sl_config *c, const char *name,
		  const struct sl_addr *addr, uint16_t port, uint8_t proto,
		  char *err, size_t errlen)
{
	struct sl_vip_conf *v;
	uint32_t cap;
	int rc;

	if (name == NULL || addr == NULL)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP name and address are required");
	rc = vip_add_check(c, name, addr, port, proto, err, errlen);
	if (rc < 0)
		return rc;
	if (c->nb_vips == c->cap_vips) {
		cap = c->cap_vips ? c->cap_vips * 2 : 8;
		v = realloc(c->vips, cap * sizeof(*v));
		if (v == NULL)
			return report(err, errlen, NULL, 0, -ENOMEM,
				      "out of memory");
		c->vips = v;
		c->cap_vips = cap;
	}
	v = &c->vips[c->nb_vips++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->addr = *addr;
	v->port = port;
	v->proto = proto;
	v->table_size = SL_MAGLEV_DEFAULT_M;
	v->on_remove = SL_ON_REMOVE_KEEP;
	health_defaults(&v->health);
	sl_vip_policy_init(&v->policy);
	return 0;
}

int
sl_config_vip_set(struct sl_config *c, const char *name, uint32_t table_size,
		  int on_remove, char *err, size_t errlen)
{
	struct sl_vip_conf *v = sl_config_vip_find(c, name);
	int rc;

	if (v == NULL)
		return report(err, errlen, NULL, 0, -ENOENT, "no VIP '%s'",
			      name ? name : "");
	if (table_size != 0) {
		rc = sl_config_table_size_check(table_size);
		if (rc == -SL_ENOPRIME)
			return report(err, errlen, NULL, 0, rc,
				      "VIP '%s': table size %u is not a prime",
				      name, table_size);
		if (rc < 0)
			return report(err, errlen, NULL, 0, rc,
				      "VIP '%s': table size %u out of range (2..%u)",
				      name, table_size, SL_MAGLEV_MAX_M);
		if (table_size < v->nb_backends)
			return report(err, errlen, NULL, 0, -ERANGE,
				      "VIP '%s': table size %u is smaller than its %u backends",
				      name, table_size, v->nb_backends);
	}
	if (on_remove != -1 && on_remove != SL_ON_REMOVE_KEEP &&
	    on_remove != SL_ON_REMOVE_RESET)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': bad on_backend_remove %d", name,
			      on_remove);
	if (table_size != 0)
		v->table_size = table_size;
	if (on_remove != -1)
		v->on_remove = (uint8_t)on_remove;
	return 0;
}

int
sl_config_vip_del(struct sl_config *c, const char *name, char *err,
		  size_t errlen)
{
	struct sl_vip_conf *v = sl_config_vip_find(c, name);
	uint32_t i;

	if (v == NULL)
		return report(err, errlen, NULL, 0, -ENOENT, "no VIP '%s'",
			      name ? name : "");
	i = (uint32_t)(v - c->vips);
	free(v->backends);
	free(v->policy.acl);
	memmove(v, v + 1, (c->nb_vips - i - 1) * sizeof(*v));
	c->nb_vips--;
	return 0;
}

static struct sl_backend_conf *
backend_find(struct sl_vip_conf *v, const struct sl_addr *addr, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < v->nb_backends; i++)
		if (v->backends[i].port == port &&
		    sl_addr_eq(&v->backends[i].addr, addr))
			return &v->backends[i];
	return NULL;
}

/* Checks for a backend that does not exist yet. */
static int
backend_new_check(const struct sl_config *c, const struct sl_vip_conf *v,
		  const char *be, char *err, size_t errlen)
{
	if (v->nb_backends >= SL_MAX_VIP_BACKENDS)
		return report(err, errlen, NULL, 0, -ENOSPC,
			      "VIP '%s': too many backends (max %d)", v->name,
			      SL_MAX_VIP_BACKENDS);
	if (config_nb_backends(c) >= SL_MAX_BACKENDS)
		return report(err, errlen, NULL, 0, -ENOSPC,
			      "too many backends over all VIPs (max %d)",
			      SL_MAX_BACKENDS);
	if (v->nb_backends + 1 > v->table_size)
		return report(err, errlen, NULL, 0, -ERANGE,
			      "VIP '%s': backend %s would exceed table size %u",
			      v->name, be, v->table_size);
	return 0;
}

static int
backend_append(struct sl_vip_conf *v, const struct sl_addr *addr,
	       uint16_t port, uint32_t weight)
{
	struct sl_backend_conf *b;
	uint32_t cap;

	if (v->nb_backends == v->cap_backends) {
		cap = v->cap_backends ? v->cap_backends * 2 : 4;
		b = realloc(v->backends, cap * sizeof(*b));
		if (b == NULL)
			return -ENOMEM;
		v->backends = b;
		v->cap_backends = cap;
	}
	b = &v->backends[v->nb_backends++];
	memset(b, 0, sizeof(*b));
	b->addr = *addr;
	b->port = port;
	b->weight = weight;
	return 0;
}

int
sl_config_backend_set(struct sl_config *c, const char *vip,
		      const struct sl_addr *addr, uint16_t port,
		      uint32_t weight, bool create, bool update,
		      char *err, size_t errlen)
{
	struct sl_vip_conf *v = sl_config_vip_find(c, vip);
	char be[SL_ADDRPORTSTRLEN];
	struct sl_backend_conf *b;
	int rc;

	if (v == NULL)
		return report(err, errlen, NULL, 0, -ENOENT, "no VIP '%s'",
			      vip ? vip : "");
	if (addr == NULL || !addr_unicast(addr))
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': backend address is not a unicast address",
			      v->name);
	sl_addr_port_fmt(addr, port, be, sizeof(be));
	if (addr->family != v->addr.family)
		return report(err, errlen, NULL, 0, -EAFNOSUPPORT,
			      "VIP '%s' is %s: backend %s is not",
			      v->name, family_name(v->addr.family), be);
	if (port == 0)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': backend %s: port must be 1..65535",
			      v->name, be);
	if (weight > WEIGHT_MAX)
		return report(err, errlen, NULL, 0, -ERANGE,
			      "VIP '%s': backend %s: weight %u out of range (0..%d)",
			      v->name, be, weight, WEIGHT_MAX);
	if (port == v->port && sl_addr_eq(addr, &v->addr))
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': backend %s is the VIP itself", v->name, be);
	b = backend_find(v, addr, port);
	if (b != NULL) {
		if (!update)
			return report(err, errlen, NULL, 0, -EEXIST,
				      "VIP '%s': duplicate backend %s", v->name, be);
		b->weight = weight;
		return 0;
	}
	if (!create)
		return report(err, errlen, NULL, 0, -ENOENT,
			      "VIP '%s': no backend %s", v->name, be);
	rc = backend_new_check(c, v, be, err, errlen);
	if (rc < 0)
		return rc;
	if (backend_append(v, addr, port, weight) < 0)
		return report(err, errlen, NULL, 0, -ENOMEM, "out of memory");
	return 0;
}

int
sl_config_backend_del(struct sl_config *c, const char *vip,
		      const struct sl_addr *addr, uint16_t port,
		      char *err, size_t errlen)
{
	struct sl_vip_conf *v = sl_config_vip_find(c, vip);
	char be[SL_ADDRPORTSTRLEN];
	struct sl_backend_conf *b;
	uint32_t i;

	if (v == NULL)
		return report(err, errlen, NULL, 0, -ENOENT, "no VIP '%s'",
			      vip ? vip : "");
	if (addr == NULL)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "backend address is required");
	b = backend_find(v, addr, port);
	if (b == NULL)
		return report(err, errlen, NULL, 0, -ENOENT,
			      "VIP '%s': no backend %s", v->name,
			      sl_addr_port_fmt(addr, port, be, sizeof(be)));
	i = (uint32_t)(b - v->backends);
	memmove(b, b + 1, (v->nb_backends - i - 1) * sizeof(*b));
	v->nb_backends--;
	return 0;
}

/* Each field named in set, then the whole. */
static int
health_check_fields(const char *vip, const struct sl_health_conf *h,
		    unsigned int set, char *err, size_t errlen)
{
	if ((set & SL_HC_TYPE) && h->type > SL_HEALTH_HTTP)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': bad health check type %u", vip, h->type);
	if ((set & SL_HC_PATH) && !sl_health_path_valid(h->path))
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': bad health path '%.40s' (starts with /, "
			      "no spaces, max %d characters)", vip, h->path,
			      SL_HEALTH_PATH_MAX - 1);
	if ((set & SL_HC_STATUS) && (h->status < 100 || h->status > 599))
		return report(err, errlen, NULL, 0, -ERANGE,
			      "VIP '%s': health status %u out of range (100..599)",
			      vip, h->status);
	if ((set & SL_HC_INTERVAL) &&
	    (h->interval_ms < SL_HEALTH_INTERVAL_MIN_MS ||
	     h->interval_ms > SL_HEALTH_INTERVAL_MAX_MS))
		return report(err, errlen, NULL, 0, -ERANGE,
			      "VIP '%s': health interval %u ms out of range "
			      "(%u..%u)", vip, h->interval_ms,
			      SL_HEALTH_INTERVAL_MIN_MS,
			      SL_HEALTH_INTERVAL_MAX_MS);
	if ((set & SL_HC_TIMEOUT) && h->timeout_ms != 0 &&
	    (h->timeout_ms < SL_HEALTH_TIMEOUT_MIN_MS ||
	     h->timeout_ms > SL_HEALTH_INTERVAL_MAX_MS))
		return report(err, errlen, NULL, 0, -ERANGE,
			      "VIP '%s': health timeout %u ms out of range "
			      "(%u..%u)", vip, h->timeout_ms,
			      SL_HEALTH_TIMEOUT_MIN_MS, SL_HEALTH_INTERVAL_MAX_MS);
	if (((set & SL_HC_RISE) && (h->rise < 1 ||
				    h->rise > SL_HEALTH_COUNT_MAX)) ||
	    ((set & SL_HC_FALL) && (h->fall < 1 ||
				    h->fall > SL_HEALTH_COUNT_MAX)))
		return report(err, errlen, NULL, 0, -ERANGE,
			      "VIP '%s': health rise and fall must be 1..%d",
			      vip, SL_HEALTH_COUNT_MAX);
	return 0;
}

int
sl_config_vip_health(struct sl_config *c, const char *vip,
		     const struct sl_health_conf *val, unsigned int set,
		     char *err, size_t errlen)
{
	struct sl_vip_conf *v = sl_config_vip_find(c, vip);
	struct sl_health_conf h;
	uint32_t i;
	int rc;

	if (v == NULL)
		return report(err, errlen, NULL, 0, -ENOENT, "no VIP '%s'",
			      vip ? vip : "");
	if (val == NULL)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': no health settings", v->name);
	rc = health_check_fields(v->name, val, set, err, errlen);
	if (rc < 0)
		return rc;
	h = v->health;
	if (set & SL_HC_TYPE)
		h.type = val->type;
	if (set & SL_HC_PATH)
		memcpy(h.path, val->path, sizeof(h.path));
	if (set & SL_HC_STATUS)
		h.status = val->status;
	if (set & SL_HC_INTERVAL)
		h.interval_ms = val->interval_ms;
	if (set & SL_HC_TIMEOUT)
		h.timeout_ms = val->timeout_ms;
	if (set & SL_HC_RISE)
		h.rise = val->rise;
	if (set & SL_HC_FALL)
		h.fall = val->fall;
	if (set & SL_HC_PORT)
		h.port = val->port;
	if (h.timeout_ms > h.interval_ms)
		return report(err, errlen, NULL, 0, -ERANGE,
			      "VIP '%s': health timeout %u ms is longer than "
			      "the interval %u ms", v->name, h.timeout_ms,
			      h.interval_ms);
	v->health = h;
	for (i = 0; i < v->nb_backends; i++)
		if (!sl_config_backend_checked(v, &v->backends[i]))
			v->backends[i].down = false;
	return 0;
}

int
sl_config_backend_health(struct sl_config *c, const char *vip,
			 const struct sl_addr *addr, uint16_t port,
			 int enabled, const struct sl_addr *health_addr,
			 char *err, size_t errlen)
{
	struct sl_vip_conf *v = sl_config_vip_find(c, vip);
	char be[SL_ADDRPORTSTRLEN];
	struct sl_backend_conf *b;

	if (v == NULL)
		return report(err, errlen, NULL, 0, -ENOENT, "no VIP '%s'",
			      vip ? vip : "");
	if (addr == NULL)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "backend address is required");
	sl_addr_port_fmt(addr, port, be, sizeof(be));
	b = backend_find(v, addr, port);
	if (b == NULL)
		return report(err, errlen, NULL, 0, -ENOENT,
			      "VIP '%s': no backend %s", v->name, be);
	if (enabled < -1 || enabled > 1)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': backend %s: bad health setting %d",
			      v->name, be, enabled);
	if (health_addr != NULL && health_addr->family != 0 &&
	    !addr_unicast(health_addr))
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': backend %s: health address is not a "
			      "unicast address", v->name, be);
	if (enabled != -1)
		b->health_off = enabled == 0;
	if (health_addr != NULL) {
		b->has_health_addr = health_addr->family != 0;
		if (b->has_health_addr)
			b->health_addr = *health_addr;
		else
			memset(&b->health_addr, 0, sizeof(b->health_addr));
	}
	if (!sl_config_backend_checked(v, b))
		b->down = false;	/* an unchecked backend is never down */
	return 0;
}

bool
sl_config_backend_checked(const struct sl_vip_conf *v,
			  const struct sl_backend_conf *b)
{
	return v->health.type != SL_HEALTH_NONE && !b->health_off;
}

/* ------------------------------------------------------------------ */
/* Edge policy: access rules and the VIP policy settings                */
/* ------------------------------------------------------------------ */

static bool
prefix_host_bits_zero(const struct sl_addr *a, uint8_t plen)
{
	unsigned int bits = a->family == AF_INET ? 32 : 128, i;

	for (i = plen; i < bits; i++)
		if (a->b[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

static void
prefix_mask(struct sl_addr *a, uint8_t plen)
{
	unsigned int i;

	for (i = plen; i < 128; i++)
		a->b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

int
sl_acl_prefix_parse(const char *s, struct sl_addr *a, uint8_t *plen,
		    char *err, size_t errlen)
{
	char buf[SL_ADDRSTRLEN];
	struct sl_addr m;

	if (sl_prefix_parse(s, a, plen, true) < 0)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "not an address/prefix (want e.g. 198.18.0.0/15 "
			      "or 2001:db8::/32)");
	if (prefix_host_bits_zero(a, *plen))
		return 0;
	m = *a;
	prefix_mask(&m, *plen);
	return report(err, errlen, NULL, 0, -EINVAL,
		      "host bits set beyond /%u (did you mean %s/%u?)", *plen,
		      sl_addr_fmt(&m, buf, sizeof(buf)), *plen);
}

struct sl_acl_rule *
sl_config_acl_list(struct sl_config *c, const char *vip, uint32_t *nb)
{
	struct sl_vip_conf *v;

	if (vip == NULL) {
		*nb = c->nb_acl;
		return c->acl;
	}
	v = sl_config_vip_find(c, vip);
	if (v == NULL)
		return NULL;
	*nb = v->policy.nb_acl;
	return v->policy.acl;
}

/* The lowest rule id no rule of c has; 0 when all are taken. */
static uint16_t
acl_free_id(const struct sl_config *c)
{
	uint8_t used[SL_MAX_ACL_RULES / 8];
	uint32_t i, j;

	memset(used, 0, sizeof(used));
	for (i = 0; i < c->nb_acl; i++)
		used[c->acl[i].id / 8] |= (uint8_t)(1 << (c->acl[i].id % 8));
	for (i = 0; i < c->nb_vips; i++)
		for (j = 0; j < c->vips[i].policy.nb_acl; j++) {
			uint16_t id = c->vips[i].policy.acl[j].id;

			used[id / 8] |= (uint8_t)(1 << (id % 8));
		}
	for (i = 1; i < SL_MAX_ACL_RULES; i++)
		if (!(used[i / 8] & (1 << (i % 8))))
			return (uint16_t)i;
	return 0;
}

static struct sl_acl_rule *
acl_find(struct sl_acl_rule *r, uint32_t n, const struct sl_addr *prefix,
	 uint8_t plen)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (r[i].plen == plen && sl_addr_eq(&r[i].src, prefix))
			return &r[i];
	return NULL;
}

/* "VIP 'web'" or "global", for messages. */
static const char *
acl_scope(const char *vip, char *buf, size_t len)
{
	if (vip == NULL)
		return "global";
	snprintf(buf, len, "VIP '%s'", vip);
	return buf;
}

/* Checks a new rule for the list of vip (NULL: global). */
static int
acl_add_check(const struct sl_vip_conf *v,
	      const char *scope, uint8_t action, const struct sl_addr *prefix,
	      uint8_t plen, char *err, size_t errlen)
{
	char pfx[SL_ADDRSTRLEN];

	if (action != SL_ACL_ALLOW && action != SL_ACL_DENY)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "%s: bad rule action %u", scope, action);
	if (prefix == NULL || (prefix->family != AF_INET &&
			       prefix->family != AF_INET6) ||
	    plen > (prefix->family == AF_INET ? 32 : 128))
		return report(err, errlen, NULL, 0, -EINVAL,
			      "%s: bad rule prefix", scope);
	sl_addr_fmt(prefix, pfx, sizeof(pfx));
	if (!prefix_host_bits_zero(prefix, plen))
		return report(err, errlen, NULL, 0, -EINVAL,
			      "%s: rule %s/%u has host bits set", scope, pfx,
			      plen);
	if (v != NULL && prefix->family != v->addr.family)
		return report(err, errlen, NULL, 0, -EAFNOSUPPORT,
			      "%s is %s: rule %s/%u never matches (an %s VIP "
			      "only sees %s clients)", scope,
			      family_name(v->addr.family), pfx, plen,
			      family_name(v->addr.family),
			      family_name(v->addr.family));
	return 0;
}

static int
acl_append(struct sl_acl_rule **r, uint32_t *nb, uint32_t *cap,
	   const struct sl_acl_rule *rule)
{
	struct sl_acl_rule *n;
	uint32_t ncap;

	if (*nb == *cap) {
		ncap = *cap ? *cap * 2 : 8;
		n = realloc(*r, ncap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		*r = n;
		*cap = ncap;
	}
	(*r)[(*nb)++] = *rule;
	return 0;
}

int
sl_config_acl_add(struct sl_config *c, const char *vip, uint8_t action,
		  const struct sl_addr *prefix, uint8_t plen, char *err,
		  size_t errlen)
{
	struct sl_vip_conf *v = NULL;
	struct sl_acl_rule rule, *r, *old;
	char sbuf[SL_NAME_MAX + 8], pfx[SL_ADDRSTRLEN];
	const char *scope = acl_scope(vip, sbuf, sizeof(sbuf));
	uint32_t nb = 0;
	int rc;

	if (vip != NULL && (v = sl_config_vip_find(c, vip)) == NULL)
		return report(err, errlen, NULL, 0, -ENOENT, "no VIP '%s'", vip);
	rc = acl_add_check(v, scope, action, prefix, plen, err, errlen);
	if (rc < 0)
		return rc;
	r = sl_config_acl_list(c, vip, &nb);
	old = acl_find(r, nb, prefix, plen);
	sl_addr_fmt(prefix, pfx, sizeof(pfx));
	if (old != NULL && old->line != 0)
		return report(err, errlen, NULL, 0, -EEXIST,
			      "%s: duplicate rule for %s/%u (first on line %u)",
			      scope, pfx, plen, old->line);
	if (old != NULL)
		return report(err, errlen, NULL, 0, -EEXIST,
			      "%s: duplicate rule for %s/%u (rule %u)", scope,
			      pfx, plen, old->id);
	memset(&rule, 0, sizeof(rule));
	rule.id = acl_free_id(c);
	if (rule.id == 0)
		return report(err, errlen, NULL, 0, -ENOSPC,
			      "too many access rules (max %d over all VIPs)",
			      SL_MAX_ACL_RULES - 1);
	rule.src = *prefix;
	rule.plen = plen;
	rule.action = action;
	rc = v == NULL ? acl_append(&c->acl, &c->nb_acl, &c->cap_acl, &rule) :
	     acl_append(&v->policy.acl, &v->policy.nb_acl, &v->policy.cap_acl,
			&rule);
	if (rc < 0)
		return report(err, errlen, NULL, 0, rc, "out of memory");
	return 0;
}

int
sl_config_acl_del(struct sl_config *c, const char *vip,
		  const struct sl_addr *prefix, uint8_t plen, char *err,
		  size_t errlen)
{
	char sbuf[SL_NAME_MAX + 8], pfx[SL_ADDRSTRLEN];
	struct sl_acl_rule *r, *old;
	uint32_t nb = 0, *nbp;

	r = sl_config_acl_list(c, vip, &nb);
	if (vip != NULL && r == NULL && sl_config_vip_find(c, vip) == NULL)
		return report(err, errlen, NULL, 0, -ENOENT, "no VIP '%s'", vip);
	if (prefix == NULL)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "rule prefix is required");
	old = acl_find(r, nb, prefix, plen);
	if (old == NULL)
		return report(err, errlen, NULL, 0, -ENOENT,
			      "%s: no rule for %s/%u",
			      acl_scope(vip, sbuf, sizeof(sbuf)),
			      sl_addr_fmt(prefix, pfx, sizeof(pfx)), plen);
	nbp = vip == NULL ? &c->nb_acl :
	      &sl_config_vip_find(c, vip)->policy.nb_acl;
	memmove(old, old + 1, (size_t)(r + nb - old - 1) * sizeof(*old));
	(*nbp)--;
	return 0;
}

/* The policy keys, in SL_POL_* bit order: key i is bit 1 << i. Keyword
 * keys have names; numbers have a range. */
static const struct pol_key {
	const char *name;
	const char *const *words;	/* keyword values, NULL: a number */
	uint32_t min, max;
} pol_keys[SL_POL_NB_KEYS] = {
	{ "deny_reply", (const char *const[]){ "drop", "rst", "icmp", NULL },
	  0, SL_DENY_ICMP },
	{ "conn_rate", NULL, 0, SL_POL_RATE_MAX },
	{ "conn_burst", NULL, 0, SL_POL_RATE_MAX },
	{ "pps", NULL, 0, SL_POL_RATE_MAX },
	{ "pps_burst", NULL, 0, SL_POL_RATE_MAX },
	{ "client_conn_rate", NULL, 0, SL_POL_RATE_MAX },
	{ "client_conn_burst", NULL, 0, SL_POL_RATE_MAX },
	{ "client_prefix4", NULL, 0, 32 },
	{ "client_prefix6", NULL, 0, 128 },
	{ "syn_proxy", (const char *const[]){ "off", "on", "auto", NULL },
	  0, SL_SYNPROXY_AUTO },
	{ "syn_proxy_threshold", NULL, 1, SL_POL_RATE_MAX },
	{ "syn_proxy_wscale", NULL, 0, SL_POL_WSCALE_MAX },
	{ "proxy_protocol", (const char *const[]){ "off", "v2", NULL }, 0, 1 },
};

static int
pol_index(unsigned int bit)
{
	int i;

	for (i = 0; i < SL_POL_NB_KEYS; i++)
		if (bit == 1u << i)
			return i;
	return -1;
}

const char *
sl_vip_policy_key(unsigned int bit)
{
	int i = pol_index(bit);

	return i < 0 ? "?" : pol_keys[i].name;
}

bool
sl_vip_policy_numeric(unsigned int bit)
{
	int i = pol_index(bit);

	return i >= 0 && pol_keys[i].words == NULL;
}

static uint32_t
pol_get(const struct sl_vip_policy *p, unsigned int bit)
{
	switch (bit) {
	case SL_POL_DENY_REPLY: return p->deny_reply;
	case SL_POL_CONN_RATE: return p->conn.rate;
	case SL_POL_CONN_BURST: return p->conn.burst;
	case SL_POL_PPS: return p->pps.rate;
	case SL_POL_PPS_BURST: return p->pps.burst;
	case SL_POL_CLIENT_RATE: return p->client_conn.rate;
	case SL_POL_CLIENT_BURST: return p->client_conn.burst;
	case SL_POL_CLIENT_PLEN4: return p->client_plen4;
	case SL_POL_CLIENT_PLEN6: return p->client_plen6;
	case SL_POL_SYNPROXY: return p->synproxy;
	case SL_POL_SYNPROXY_THRESHOLD: return p->synproxy_threshold;
	case SL_POL_SYNPROXY_WSCALE: return p->synproxy_wscale;
	default: return p->proxy_protocol;
	}
}

/* v was checked against the key's range. */
static void
pol_put(struct sl_vip_policy *p, unsigned int bit, uint32_t v)
{
	switch (bit) {
	case SL_POL_DENY_REPLY: p->deny_reply = (uint8_t)v; break;
	case SL_POL_CONN_RATE: p->conn.rate = v; break;
	case SL_POL_CONN_BURST: p->conn.burst = v; break;
	case SL_POL_PPS: p->pps.rate = v; break;
	case SL_POL_PPS_BURST: p->pps.burst = v; break;
	case SL_POL_CLIENT_RATE: p->client_conn.rate = v; break;
	case SL_POL_CLIENT_BURST: p->client_conn.burst = v; break;
	case SL_POL_CLIENT_PLEN4: p->client_plen4 = (uint8_t)v; break;
	case SL_POL_CLIENT_PLEN6: p->client_plen6 = (uint8_t)v; break;
	case SL_POL_SYNPROXY: p->synproxy = (uint8_t)v; break;
	case SL_POL_SYNPROXY_THRESHOLD: p->synproxy_threshold = v; break;
	case SL_POL_SYNPROXY_WSCALE: p->synproxy_wscale = (uint8_t)v; break;
	default: p->proxy_protocol = v != 0; break;
	}
}

const char *
sl_vip_policy_fmt(const struct sl_vip_policy *p, unsigned int bit,
		  char *buf, size_t len)
{
	int i = pol_index(bit);
	uint32_t v;

	if (i < 0) {
		snprintf(buf, len, "?");
		return buf;
	}
	v = pol_get(p, bit);
	if (pol_keys[i].words != NULL)
		snprintf(buf, len, "%s", v <= pol_keys[i].max ?
			 pol_keys[i].words[v] : "?");
	else
		snprintf(buf, len, "%u", v);
	return buf;
}

/* "drop, rst or icmp" */
static void
pol_words(const struct pol_key *k, char *buf, size_t len)
{
	size_t n = 0;
	uint32_t i;

	buf[0] = '\0';
	for (i = 0; i <= k->max && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s",
				      i == 0 ? "" : i == k->max ? " or " : ", ",
				      k->words[i]);
}

int
sl_vip_policy_parse(const char *key, const char *val,
		    struct sl_vip_policy *p, unsigned int *set, char *err,
		    size_t errlen)
{
	const struct pol_key *k = NULL;
	char words[64];
	uint32_t i, v;
	int rc;

	for (i = 0; key != NULL && i < SL_POL_NB_KEYS; i++)
		if (strcmp(key, pol_keys[i].name) == 0)
			k = &pol_keys[i];
	if (k == NULL)
		return report(err, errlen, NULL, 0, -ENOENT,
			      "unknown policy key '%.40s'", key ? key : "");
	if (val == NULL)
		val = "";
	if (k->words != NULL) {
		pol_words(k, words, sizeof(words));
		for (v = 0; v <= k->max; v++)
			if (strcmp(val, k->words[v]) == 0)
				break;
		if (v > k->max)
			return report(err, errlen, NULL, 0, -EINVAL,
				      "expected %s", words);
	} else {
		rc = sl_parse_u32(val, k->min, k->max, &v);
		if (rc == -ERANGE)
			return report(err, errlen, NULL, 0, rc,
				      "out of range (%u..%u)", k->min, k->max);
		if (rc < 0)
			return report(err, errlen, NULL, 0, rc, "not a number");
	}
	pol_put(p, 1u << (k - pol_keys), v);
	*set |= 1u << (k - pol_keys);
	return 0;
}

int
sl_config_vip_policy(struct sl_config *c, const char *vip,
		     const struct sl_vip_policy *val, unsigned int set,
		     char *err, size_t errlen)
{
	struct sl_vip_conf *v = sl_config_vip_find(c, vip);
	struct sl_vip_policy p;
	unsigned int i, bit;
	uint32_t x;

	if (v == NULL)
		return report(err, errlen, NULL, 0, -ENOENT, "no VIP '%s'",
			      vip ? vip : "");
	if (val == NULL || (set & ~SL_POL_ALL) != 0)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': no policy settings", v->name);
	p = v->policy;
	for (i = 0; i < SL_POL_NB_KEYS; i++) {
		bit = 1u << i;
		if (!(set & bit))
			continue;
		x = pol_get(val, bit);
		if (x < pol_keys[i].min || x > pol_keys[i].max)
			return report(err, errlen, NULL, 0, -ERANGE,
				      "VIP '%s': %s %u out of range (%u..%u)",
				      v->name, pol_keys[i].name, x,
				      pol_keys[i].min, pol_keys[i].max);
		pol_put(&p, bit, x);
	}
	if (v->proto != IPPROTO_TCP && p.proxy_protocol)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': proxy_protocol v2 is for TCP VIPs "
			      "(this one is %s)", v->name,
			      sl_proto_name(v->proto));
	if (v->proto != IPPROTO_TCP && p.synproxy != SL_SYNPROXY_OFF)
		return report(err, errlen, NULL, 0, -EINVAL,
			      "VIP '%s': syn_proxy is for TCP VIPs (this one "
			      "is %s)", v->name, sl_proto_name(v->proto));
	v->policy = p;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Whole-config checks                                                  */
/* ------------------------------------------------------------------ */

/* Where things were defined, when the config comes from a file. */
struct conf_lines {
	const char *file;
	const unsigned int *route;	/* [SL_MAX_ROUTES] */
	const unsigned int *neigh;	/* [SL_MAX_STATIC_NEIGH] */
};

static bool
on_link(const struct sl_config *c, const struct sl_addr *a)
{
	uint32_t i, j;

	for (i = 0; i < c->nb_ports; i++)
		for (j = 0; j < c->ports[i].nb_addrs; j++)
			if (sl_addr_in_prefix(a, &c->ports[i].addrs[j].addr,
					      c->ports[i].addrs[j].plen))
				return true;
	return false;
}

static bool
has_snat(const struct sl_config *c, int family)
{
	uint32_t i, j;

	for (i = 0; i < c->nb_ports; i++)
		for (j = 0; j < c->ports[i].nb_snat; j++)
			if (c->ports[i].snat[j].family == family)
				return true;
	return false;
}

static int
check_routes(const struct sl_config *c, const struct conf_lines *l,
	     char *err, size_t errlen)
{
	char dst[SL_ADDRSTRLEN], via[SL_ADDRSTRLEN];
	const char *file = l ? l->file : NULL;
	uint32_t i;

	for (i = 0; i < c->nb_routes; i++) {
		const struct sl_route_conf *r = &c->routes[i];

		if (on_link(c, &r->via))
			continue;
		return report(err, errlen, file, l ? l->route[i] : 0,
			      -ENETUNREACH,
			      "[routes] route %s/%u via %s: gateway is not inside any port's subnet",
			      sl_addr_fmt(&r->dst.addr, dst, sizeof(dst)),
			      r->dst.plen, sl_addr_fmt(&r->via, via, sizeof(via)));
	}
	for (i = 0; i < c->nb_neigh; i++) {
		if (on_link(c, &c->neigh[i].addr))
			continue;
		return report(err, errlen, file, l ? l->neigh[i] : 0,
			      -ENETUNREACH,
			      "[neighbors] neighbor %s is not inside any port's subnet",
			      sl_addr_fmt(&c->neigh[i].addr, dst, sizeof(dst)));
	}
	return 0;
}

static int
config_check(const struct sl_config *c, const struct conf_lines *l,
	     char *err, size_t errlen)
{
	const char *file = l ? l->file : NULL;
	uint32_t i;
	int rc;

	if (c->nb_ports == 0)
		return report(err, errlen, file, 0, -EINVAL,
			      "no [port.NAME] section: a config needs at least one port");
	for (i = 0; i < c->nb_ports; i++)
		if (c->ports[i].dev[0] == '\0')
			return report(err, errlen, file, 0, -EINVAL,
				      "[port.%s] missing 'dev'", c->ports[i].name);
	rc = check_routes(c, l, err, errlen);
	if (rc < 0)
		return rc;
	for (i = 0; i < c->nb_vips; i++) {
		const struct sl_vip_conf *v = &c->vips[i];

		if (has_snat(c, v->addr.family))
			continue;
		return report(err, errlen, file, l ? v->line : 0, -EADDRNOTAVAIL,
			      "[vip.%s] no port has an %s snat address for this VIP",
			      v->name, family_name(v->addr.family));
	}
	return 0;
}

int
sl_config_validate(const struct sl_config *c, char *err, size_t errlen)
{
	return config_check(c, NULL, err, errlen);
}

/* ------------------------------------------------------------------ */
/* The INI loader                                                       */
/* ------------------------------------------------------------------ */

enum conf_sect {
	SECT_NONE = 0,
	SECT_DATAPLANE,
	SECT_CONTROL,
	SECT_PORT,
	SECT_ROUTES,
	SECT_NEIGHBORS,
	SECT_VIP,
	SECT_ACL,
};

struct conf_parser;
struct conf_key;

typedef int (*conf_key_fn)(struct conf_parser *p, const struct conf_key *k,
			   const char *val);

struct conf_key {
	const char *name;
	enum conf_sect sect;
	bool repeat;			/* may appear more than once */
	conf_key_fn fn;
	uint32_t min, max;		/* numbers */
	size_t off, size;		/* field in struct sl_config */
};

static int key_string(struct conf_parser *, const struct conf_key *,
		      const char *);
static int key_u32(struct conf_parser *, const struct conf_key *,
		   const char *);
static int key_dp_misc(struct conf_parser *, const struct conf_key *,
		       const char *);
static int key_port(struct conf_parser *, const struct conf_key *,
		    const char *);
static int key_metrics(struct conf_parser *, const struct conf_key *,
		       const char *);
static int key_route(struct conf_parser *, const struct conf_key *,
		     const char *);
static int key_neighbor(struct conf_parser *, const struct conf_key *,
			const char *);
static int key_vip(struct conf_parser *, const struct conf_key *,
		   const char *);
static int key_backend(struct conf_parser *, const struct conf_key *,
		       const char *);
static int key_health(struct conf_parser *, const struct conf_key *,
		      const char *);
static int key_secret(struct conf_parser *, const struct conf_key *,
		      const char *);
static int key_rule(struct conf_parser *, const struct conf_key *,
		    const char *);
static int key_policy(struct conf_parser *, const struct conf_key *,
		      const char *);

#define CF(f) offsetof(struct sl_config, f), sizeof(((struct sl_config *)0)->f)
#define NO_FIELD 0, 0

static const struct conf_key conf_keys[] = {
	{ "lcores", SECT_DATAPLANE, false, key_string, 0, 0, CF(dp.lcores) },
	{ "memory", SECT_DATAPLANE, false, key_u32,
	  MEMORY_MIN_MB, MEMORY_MAX_MB, CF(dp.memory_mb) },
	{ "file_prefix", SECT_DATAPLANE, false, key_string, 0, 0,
	  CF(dp.file_prefix) },
	{ "eal_args", SECT_DATAPLANE, false, key_string, 0, 0, CF(dp.eal_args) },
	{ "mbufs", SECT_DATAPLANE, false, key_u32, MBUFS_MIN, MBUFS_MAX,
	  CF(dp.mbufs) },
	{ "conntrack_size", SECT_DATAPLANE, false, key_u32,
	  CT_SIZE_MIN, CT_SIZE_MAX, CF(dp.ct_size) },
	{ "snat_port_low", SECT_DATAPLANE, false, key_dp_misc, 1, 65535,
	  NO_FIELD },
	{ "snat_port_start", SECT_DATAPLANE, false, key_dp_misc, 0, 0,
	  NO_FIELD },
	{ "tcp_syn_timeout", SECT_DATAPLANE, false, key_dp_misc,
	  1, TIMEOUT_MAX_S, NO_FIELD },
	{ "tcp_established_timeout", SECT_DATAPLANE, false, key_dp_misc,
	  1, TIMEOUT_MAX_S, NO_FIELD },
	{ "tcp_fin_timeout", SECT_DATAPLANE, false, key_dp_misc,
	  1, TIMEOUT_MAX_S, NO_FIELD },
	{ "tcp_closed_timeout", SECT_DATAPLANE, false, key_dp_misc,
	  1, TIMEOUT_MAX_S, NO_FIELD },
	{ "udp_timeout", SECT_DATAPLANE, false, key_dp_misc,
	  1, TIMEOUT_MAX_S, NO_FIELD },
	{ "rate_clients", SECT_DATAPLANE, false, key_u32, SL_RL_CLIENTS_MIN,
	  SL_RL_CLIENTS_MAX, CF(dp.rl_clients) },
	{ "syncookie_secret", SECT_DATAPLANE, false, key_secret, 0, 0,
	  NO_FIELD },
	{ "socket", SECT_CONTROL, false, key_string, 0, 0, CF(socket) },
	{ "metrics", SECT_CONTROL, false, key_metrics, 1, 65535, NO_FIELD },
	{ "dev", SECT_PORT, false, key_port, 0, 0, NO_FIELD },
	{ "address", SECT_PORT, true, key_port, 0, 0, NO_FIELD },
	{ "snat", SECT_PORT, true, key_port, 0, 0, NO_FIELD },
	{ "mac", SECT_PORT, false, key_port, 0, 0, NO_FIELD },
	{ "vlan", SECT_PORT, false, key_port, 1, VLAN_MAX, NO_FIELD },
	{ "route", SECT_ROUTES, true, key_route, 0, 0, NO_FIELD },
	{ "default", SECT_ROUTES, false, key_route, 0, 0, NO_FIELD },
	{ "default6", SECT_ROUTES, false, key_route, 0, 0, NO_FIELD },
	{ "neighbor", SECT_NEIGHBORS, true, key_neighbor, 0, 0, NO_FIELD },
	{ "address", SECT_VIP, false, key_vip, 0, 0, NO_FIELD },
	{ "port", SECT_VIP, false, key_vip, 1, 65535, NO_FIELD },
	{ "proto", SECT_VIP, false, key_vip, 0, 0, NO_FIELD },
	{ "table_size", SECT_VIP, false, key_vip, 1, SL_MAGLEV_MAX_M,
	  NO_FIELD },
	{ "on_backend_remove", SECT_VIP, false, key_vip, 0, 0, NO_FIELD },
	{ "backend", SECT_VIP, true, key_backend, 0, WEIGHT_MAX, NO_FIELD },
	{ "health", SECT_VIP, false, key_health, 0, 0, NO_FIELD },
	{ "health_path", SECT_VIP, false, key_health, 0, 0, NO_FIELD },
	{ "health_status", SECT_VIP, false, key_health, 100, 599, NO_FIELD },
	{ "health_interval", SECT_VIP, false, key_health,
	  SL_HEALTH_INTERVAL_MIN_MS, SL_HEALTH_INTERVAL_MAX_MS, NO_FIELD },
	{ "health_timeout", SECT_VIP, false, key_health,
	  SL_HEALTH_TIMEOUT_MIN_MS, SL_HEALTH_INTERVAL_MAX_MS, NO_FIELD },
	{ "health_rise", SECT_VIP, false, key_health, 1, SL_HEALTH_COUNT_MAX,
	  NO_FIELD },
	{ "health_fall", SECT_VIP, false, key_health, 1, SL_HEALTH_COUNT_MAX,
	  NO_FIELD },
	{ "health_port", SECT_VIP, false, key_health, 1, 65535, NO_FIELD },
	{ "allow", SECT_VIP, true, key_rule, 0, 0, NO_FIELD },
	{ "deny", SECT_VIP, true, key_rule, 0, 0, NO_FIELD },
	/* checked by sl_vip_policy_parse() */
	{ "deny_reply", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "conn_rate", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "conn_burst", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "pps", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "pps_burst", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "client_conn_rate", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "client_conn_burst", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "client_prefix4", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "client_prefix6", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "syn_proxy", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "syn_proxy_threshold", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "syn_proxy_wscale", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "proxy_protocol", SECT_VIP, false, key_policy, 0, 0, NO_FIELD },
	{ "allow", SECT_ACL, true, key_rule, 0, 0, NO_FIELD },
	{ "deny", SECT_ACL, true, key_rule, 0, 0, NO_FIELD },
};

#define NB_CONF_KEYS SL_ARRAY_SIZE(conf_keys)

/* The sections that may appear once, by name. */
static const struct {
	const char *name;
	enum conf_sect sect;
} conf_single[] = {
	{ "dataplane", SECT_DATAPLANE },
	{ "control", SECT_CONTROL },
	{ "routes", SECT_ROUTES },
	{ "neighbors", SECT_NEIGHBORS },
	{ "acl", SECT_ACL },
};

/* A [vip.NAME] section, held until it ends. */
struct pend_backend {
	struct sl_addr addr;
	uint16_t port;
	uint32_t weight;
	int health;			/* -1 = as the VIP, 0 = off, 1 = on */
	bool has_health_addr;
	struct sl_addr health_addr;
	unsigned int line;
};

struct pend_rule {
	struct sl_addr src;
	uint8_t plen;
	uint8_t action;
	unsigned int line;
};

struct pend_vip {
	struct sl_addr addr;
	uint16_t port;
	uint8_t proto;
	uint32_t table_size;		/* 0 = default */
	int on_remove;			/* -1 = default */
	struct sl_health_conf health;
	unsigned int health_set;	/* SL_HC_* given in the section */
	struct pend_backend *be;
	uint32_t nb_be;
	uint32_t cap_be;
	struct sl_vip_policy policy;	/* the SL_POL_* of policy_set */
	unsigned int policy_set;
	struct pend_rule *rules;	/* allow / deny, in order */
	uint32_t nb_rules;
	uint32_t cap_rules;
};

struct conf_parser {
	struct sl_config *c;
	const char *file;		/* for messages */
	char *err;
	size_t errlen;
	int rc;				/* first error, then parsing stops */
	FILE *fp;			/* source: a file ... */
	const char *str;		/* ... or a string */
	unsigned int line;		/* lines read so far */
	enum conf_sect sect;		/* the current section */
	char sect_name[SL_NAME_MAX];	/* NAME of [port.NAME] / [vip.NAME] */
	char sect_text[SL_NAME_MAX + 8];	/* "vip.web", for messages */
	unsigned int sect_line;
	unsigned int single_line[SL_ARRAY_SIZE(conf_single)];
	unsigned int key_line[NB_CONF_KEYS];	/* current section */
	unsigned int route_line[SL_MAX_ROUTES];
	unsigned int neigh_line[SL_MAX_STATIC_NEIGH];
	struct pend_vip vip;
};

/* Records the first error, at line (0: none), and returns its code. */
static int
perr(struct conf_parser *p, unsigned int line, int rc, const char *fmt, ...)
{
	char msg[SL_ERR_MAX];
	va_list ap;

	if (p->rc != 0)
		return p->rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->rc = report(p->err, p->errlen, p->file, line, rc, "%s", msg);
	return p->rc;
}

/* "[sect] key 'value': problem", at the current line. */
static int
kerr(struct conf_parser *p, int rc, const char *key, const char *val,
     const char *fmt, ...)
{
	char msg[SL_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return perr(p, p->line, rc, "[%s] %s '%.128s': %s", p->sect_text, key,
		    val, msg);
}

static int
num_err(struct conf_parser *p, int rc, const struct conf_key *k,
	const char *val)
{
	if (rc == -ERANGE)
		return kerr(p, rc, k->name, val, "out of range (%u..%u)",
			    k->min, k->max);
	return kerr(p, rc, k->name, val, "not a number");
}

static int
key_u32(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	uint32_t v;
	int rc = sl_parse_u32(val, k->min, k->max, &v);

	if (rc < 0)
		return num_err(p, rc, k, val);
	memcpy((char *)p->c + k->off, &v, sizeof(v));
	return 0;
}

/* The characters each string key accepts (besides letters and digits). */
static const char *
string_charset(const char *key)
{
	if (strcmp(key, "file_prefix") == 0)
		return "_.-";
	if (strcmp(key, "lcores") == 0)
		return "-,@()";
	return NULL;			/* anything printable */
}

static int
key_string(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	const char *extra = string_charset(k->name);
	const char *s;

	if (val[0] == '\0' && strcmp(k->name, "eal_args") != 0)
		return kerr(p, -EINVAL, k->name, val, "must not be empty");
	if (strlen(val) >= k->size)
		return kerr(p, -ENAMETOOLONG, k->name, val,
			    "too long (max %zu characters)", k->size - 1);
	for (s = val; extra != NULL && *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr(extra, *s) != NULL)
			continue;
		return kerr(p, -EINVAL, k->name, val,
			    "bad character '%c' (allowed: letters, digits, %s)",
			    *s, extra);
	}
	memcpy((char *)p->c + k->off, val, strlen(val) + 1);
	return 0;
}

/* metrics = off | PORT (on 127.0.0.1) | ADDR:PORT */
static int
key_metrics(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	struct sl_config *c = p->c;
	uint32_t port;

	if (strcmp(val, "off") == 0) {
		c->metrics_port = 0;
		return 0;
	}
	if (sl_parse_u32(val, k->min, k->max, &port) == 0) {
		sl_addr_parse("127.0.0.1", &c->metrics_addr);
		c->metrics_port = (uint16_t)port;
		return 0;
	}
	if (sl_addr_port_parse(val, &c->metrics_addr, &c->metrics_port) < 0)
		return kerr(p, -EINVAL, k->name, val,
			    "want off, a port, or ADDR:PORT");
	return 0;
}

/* A timeout: seconds, or milliseconds with an "ms" suffix ("250ms"),
 * within [k->min s, k->max s]. */
static int
timeout_ms(struct conf_parser *p, const struct conf_key *k, const char *val,
	   uint32_t *out)
{
	size_t n = strlen(val);
	char num[16];
	uint32_t v;
	int rc;

	if (n > 2 && strcmp(val + n - 2, "ms") == 0) {
		if (n - 2 >= sizeof(num))
			return kerr(p, -ERANGE, k->name, val,
				    "out of range (%u..%u s)", k->min, k->max);
		memcpy(num, val, n - 2);
		num[n - 2] = '\0';
		rc = sl_parse_u32(num, k->min, k->max * 1000, &v);
		if (rc == -ERANGE)
			return kerr(p, rc, k->name, val,
				    "out of range (%u..%u ms)", k->min,
				    k->max * 1000);
		if (rc < 0)
			return kerr(p, rc, k->name, val, "not a number");
		*out = v;
		return 0;
	}
	rc = sl_parse_u32(val, k->min, k->max, &v);
	if (rc < 0)
		return num_err(p, rc, k, val);
	*out = v * 1000;
	return 0;
}

/* snat_port_low, snat_port_start and the timeouts (seconds, or "NNNms",
 * in the file; ms in the config). */
static int
key_dp_misc(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	uint32_t *ms = p->c->dp.timeouts.ms;
	uint32_t v;
	int rc;

	if (strcmp(k->name, "snat_port_low") == 0) {
		rc = sl_parse_u32(val, k->min, k->max, &v);
		if (rc < 0)
			return num_err(p, rc, k, val);
		p->c->dp.snat_port_lo = (uint16_t)v;
		return 0;
	}
	if (strcmp(k->name, "snat_port_start") == 0) {
		if (strcmp(val, "random") != 0 && strcmp(val, "low") != 0)
			return kerr(p, -EINVAL, k->name, val,
				    "snat_port_start must be random or low");
		p->c->dp.snat_port_low_first = val[0] == 'l';
		return 0;
	}
	rc = timeout_ms(p, k, val, &v);
	if (rc < 0)
		return rc;
	if (strcmp(k->name, "tcp_syn_timeout") == 0) {
		ms[SL_CT_SYN_SENT] = v;
		ms[SL_CT_SYN_RECV] = v * 2;
	} else if (strcmp(k->name, "tcp_established_timeout") == 0) {
		ms[SL_CT_ESTABLISHED] = v;
	} else if (strcmp(k->name, "tcp_fin_timeout") == 0) {
		ms[SL_CT_FIN_WAIT] = v;
		ms[SL_CT_CLOSING] = v;
	} else if (strcmp(k->name, "tcp_closed_timeout") == 0) {
		ms[SL_CT_CLOSED] = v;
	} else {
		ms[SL_CT_UDP] = v;
	}
	return 0;
}

/* Where else (any port, this one included) an address is already used. */
static const struct sl_port_conf *
port_addr_owner(const struct sl_config *c, const struct sl_addr *a,
		bool snat)
{
	uint32_t i, j;

	for (i = 0; i < c->nb_ports; i++) {
		const struct sl_port_conf *pc = &c->ports[i];

		for (j = 0; !snat && j < pc->nb_addrs; j++)
			if (sl_addr_eq(&pc->addrs[j].addr, a))
				return pc;
		for (j = 0; snat && j < pc->nb_snat; j++)
			if (sl_addr_eq(&pc->snat[j], a))
				return pc;
	}
	return NULL;
}

#define SL_PCAP_DEV_BAD_LEN	75

static int
port_dev(struct conf_parser *p, struct sl_port_conf *pc, const char *val)
{
	uint32_t i;

	if (val[0] == '\0')
		return kerr(p, -EINVAL, "dev", val, "must not be empty");
	if (strlen(val) >= sizeof(pc->dev))
		return kerr(p, -ENAMETOOLONG, "dev", val,
			    "too long (max %zu characters)", sizeof(pc->dev) - 1);
	/* DPDK 22.11's net_pcap, probed again in sluice-control (a
	 * secondary process), crashes it on device arguments of exactly
	 * this length, whatever they say (tools/bench found it). */
	if (strncmp(val, "net_pcap", 8) == 0 &&
	    strlen(val) == SL_PCAP_DEV_BAD_LEN)
		return kerr(p, -EINVAL, "dev", val,
			    "a net_pcap device string of exactly %d characters "
			    "crashes DPDK 22.11 secondary processes "
			    "(sluice-control): make it shorter or longer (e.g. "
			    "rename the file)", SL_PCAP_DEV_BAD_LEN);
	for (i = 0; i + 1 < p->c->nb_ports; i++)
		if (strcmp(p->c->ports[i].dev, val) == 0)
			return kerr(p, -EEXIST, "dev", val,
				    "already used by [port.%s]",
				    p->c->ports[i].name);
	memcpy(pc->dev, val, strlen(val) + 1);
	return 0;
}

static int
port_address(struct conf_parser *p, struct sl_port_conf *pc, const char *val)
{
	const struct sl_port_conf *owner;
	struct sl_prefix pfx;

	if (sl_prefix_parse(val, &pfx.addr, &pfx.plen, true) < 0 ||
	    !addr_unicast(&pfx.addr))
		return kerr(p, -EINVAL, "address", val, "bad address/prefix");
	owner = port_addr_owner(p->c, &pfx.addr, false);
	if (owner != NULL)
		return kerr(p, -EEXIST, "address", val, "duplicate address (on [port.%s])",
			    owner->name);
	if (pc->nb_addrs >= SL_MAX_PORT_ADDRS)
		return kerr(p, -ENOSPC, "address", val,
			    "too many addresses (max %d per port)",
			    SL_MAX_PORT_ADDRS);
	pc->addrs[pc->nb_addrs++] = pfx;
	return 0;
}

static int
port_snat(struct conf_parser *p, struct sl_port_conf *pc, const char *val)
{
	const struct sl_port_conf *owner;
	struct sl_addr a;

	if (sl_addr_parse(val, &a) < 0 || !addr_unicast(&a))
		return kerr(p, -EINVAL, "snat", val, "bad address");
	owner = port_addr_owner(p->c, &a, true);
	if (owner != NULL)
		return kerr(p, -EEXIST, "snat", val,
			    "duplicate snat address (on [port.%s])", owner->name);
	if (pc->nb_snat >= SL_MAX_SNAT_ADDRS)
		return kerr(p, -ENOSPC, "snat", val,
			    "too many snat addresses (max %d per port)",
			    SL_MAX_SNAT_ADDRS);
	pc->snat[pc->nb_snat++] = a;
	return 0;
}

static int
key_port(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	struct sl_port_conf *pc = &p->c->ports[p->c->nb_ports - 1];
	uint32_t vlan;
	int rc;

	if (strcmp(k->name, "dev") == 0)
		return port_dev(p, pc, val);
	if (strcmp(k->name, "address") == 0)
		return port_address(p, pc, val);
	if (strcmp(k->name, "snat") == 0)
		return port_snat(p, pc, val);
	if (strcmp(k->name, "mac") == 0) {
		if (mac_parse(val, pc->mac) < 0)
			return kerr(p, -EINVAL, k->name, val,
				    "bad MAC address (want unicast xx:xx:xx:xx:xx:xx)");
		pc->has_mac = true;
		return 0;
	}
	rc = sl_parse_u32(val, k->min, k->max, &vlan);
	if (rc < 0)
		return num_err(p, rc, k, val);
	pc->vlan = (uint16_t)vlan;
	return 0;
}

static int
route_add(struct conf_parser *p, const char *key, const char *val,
	  const struct sl_prefix *dst, const struct sl_addr *via)
{
	struct sl_config *c = p->c;
	uint32_t i;

	if (via->family != dst->addr.family)
		return kerr(p, -EAFNOSUPPORT, key, val,
			    "gateway is %s but the destination is %s",
			    family_name(via->family),
			    family_name(dst->addr.family));
	if (!addr_unicast(via))
		return kerr(p, -EINVAL, key, val, "bad gateway address");
	for (i = 0; i < c->nb_routes; i++)
		if (c->routes[i].dst.plen == dst->plen &&
		    sl_addr_eq(&c->routes[i].dst.addr, &dst->addr))
			return kerr(p, -EEXIST, key, val,
				    "duplicate route (first on line %u)",
				    p->route_line[i]);
	if (c->nb_routes >= SL_MAX_ROUTES)
		return kerr(p, -ENOSPC, key, val, "too many routes (max %d)",
			    SL_MAX_ROUTES);
	p->route_line[c->nb_routes] = p->line;
	c->routes[c->nb_routes].dst = *dst;
	c->routes[c->nb_routes].via = *via;
	c->nb_routes++;
	return 0;
}

static int
key_route(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	char buf[CONF_MAX_LINE], *w[CONF_MAX_WORDS];
	struct sl_prefix dst;
	struct sl_addr via;
	int n;

	memset(&dst, 0, sizeof(dst));
	if (strcmp(k->name, "route") != 0) {
		/* default / default6: a gateway, the destination is /0 */
		if (sl_addr_parse(val, &via) < 0)
			return kerr(p, -EINVAL, k->name, val, "bad gateway address");
		dst.addr.family = strcmp(k->name, "default") == 0 ?
				  AF_INET : AF_INET6;
		return route_add(p, k->name, val, &dst, &via);
	}
	snprintf(buf, sizeof(buf), "%s", val);
	n = split_words(buf, w, CONF_MAX_WORDS);
	if (n != 3 || strcmp(w[1], "via") != 0)
		return kerr(p, -EINVAL, k->name, val,
			    "expected 'PREFIX via GATEWAY'");
	if (sl_prefix_parse(w[0], &dst.addr, &dst.plen, false) < 0)
		return kerr(p, -EINVAL, k->name, val,
			    "bad prefix '%s' (host bits must be zero)", w[0]);
	if (sl_addr_parse(w[2], &via) < 0)
		return kerr(p, -EINVAL, k->name, val, "bad gateway address");
	return route_add(p, k->name, val, &dst, &via);
}

static int
key_neighbor(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	char buf[CONF_MAX_LINE], *w[CONF_MAX_WORDS];
	struct sl_config *c = p->c;
	struct sl_neigh_conf nb;
	uint32_t i;

	snprintf(buf, sizeof(buf), "%s", val);
	if (split_words(buf, w, CONF_MAX_WORDS) != 2)
		return kerr(p, -EINVAL, k->name, val, "expected 'ADDRESS MAC'");
	if (sl_addr_parse(w[0], &nb.addr) < 0 || !addr_unicast(&nb.addr))
		return kerr(p, -EINVAL, k->name, val, "bad address");
	if (mac_parse(w[1], nb.mac) < 0)
		return kerr(p, -EINVAL, k->name, val,
			    "bad MAC address (want unicast xx:xx:xx:xx:xx:xx)");
	for (i = 0; i < c->nb_neigh; i++)
		if (sl_addr_eq(&c->neigh[i].addr, &nb.addr))
			return kerr(p, -EEXIST, k->name, val,
				    "duplicate neighbor (first on line %u)",
				    p->neigh_line[i]);
	if (c->nb_neigh >= SL_MAX_STATIC_NEIGH)
		return kerr(p, -ENOSPC, k->name, val,
			    "too many neighbors (max %d)", SL_MAX_STATIC_NEIGH);
	p->neigh_line[c->nb_neigh] = p->line;
	c->neigh[c->nb_neigh++] = nb;
	return 0;
}

static int
key_vip(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	struct pend_vip *pv = &p->vip;
	uint32_t v;
	int rc;

	if (strcmp(k->name, "address") == 0) {
		if (sl_addr_parse(val, &pv->addr) < 0 ||
		    !addr_unicast(&pv->addr))
			return kerr(p, -EINVAL, k->name, val, "bad address");
		return 0;
	}
	if (strcmp(k->name, "proto") == 0) {
		rc = sl_proto_parse(val);
		if (rc < 0)
			return kerr(p, -EINVAL, k->name, val,
				    "expected tcp or udp");
		pv->proto = (uint8_t)rc;
		return 0;
	}
	if (strcmp(k->name, "on_backend_remove") == 0) {
		rc = sl_on_remove_parse(val);
		if (rc < 0)
			return kerr(p, -EINVAL, k->name, val,
				    "expected keep or reset");
		pv->on_remove = rc;
		return 0;
	}
	rc = sl_parse_u32(val, k->min, k->max, &v);
	if (rc < 0)
		return num_err(p, rc, k, val);
	if (strcmp(k->name, "port") == 0) {
		pv->port = (uint16_t)v;
		return 0;
	}
	if (!is_prime(v))
		return kerr(p, -SL_ENOPRIME, k->name, val, "not a prime");
	pv->table_size = v;
	return 0;
}

/* health, health_path, ... of [vip.NAME]: kept until the section ends,
 * then set through sl_config_vip_health(). */
static int
key_health(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	struct sl_health_conf *h = &p->vip.health;
	const char *key = k->name;
	uint32_t v;
	int rc;

	if (strcmp(key, "health") == 0) {
		rc = sl_health_type_parse(val);
		if (rc < 0)
			return kerr(p, -EINVAL, key, val,
				    "expected none, tcp or http");
		h->type = (uint8_t)rc;
		p->vip.health_set |= SL_HC_TYPE;
		return 0;
	}
	if (strcmp(key, "health_path") == 0) {
		if (!sl_health_path_valid(val))
			return kerr(p, -EINVAL, key, val,
				    "expected /PATH (no spaces, max %d characters)",
				    SL_HEALTH_PATH_MAX - 1);
		snprintf(h->path, sizeof(h->path), "%s", val);
		p->vip.health_set |= SL_HC_PATH;
		return 0;
	}
	if (strcmp(key, "health_interval") == 0 ||
	    strcmp(key, "health_timeout") == 0) {
		rc = sl_health_ms_parse(val, k->min, k->max, &v);
		if (rc == -ERANGE)
			return kerr(p, rc, key, val,
				    "out of range (%u..%u ms)", k->min, k->max);
		if (rc < 0)
			return kerr(p, rc, key, val,
				    "expected milliseconds (500, 500ms or 2s)");
		if (key[7] == 'i') {
			h->interval_ms = v;
			p->vip.health_set |= SL_HC_INTERVAL;
		} else {
			h->timeout_ms = v;
			p->vip.health_set |= SL_HC_TIMEOUT;
		}
		return 0;
	}
	rc = sl_parse_u32(val, k->min, k->max, &v);
	if (rc < 0)
		return num_err(p, rc, k, val);
	if (strcmp(key, "health_status") == 0) {
		h->status = (uint16_t)v;
		p->vip.health_set |= SL_HC_STATUS;
	} else if (strcmp(key, "health_rise") == 0) {
		h->rise = (uint8_t)v;
		p->vip.health_set |= SL_HC_RISE;
	} else if (strcmp(key, "health_fall") == 0) {
		h->fall = (uint8_t)v;
		p->vip.health_set |= SL_HC_FALL;
	} else {
		h->port = (uint16_t)v;
		p->vip.health_set |= SL_HC_PORT;
	}
	return 0;
}

#define BACKEND_SYNTAX \
	"expected 'ADDR:PORT [weight=N] [health=on|off] [health_address=ADDR]'"

/* One "NAME=VALUE" option of a backend line. */
static int
backend_opt(struct conf_parser *p, const struct conf_key *k, const char *val,
	    const char *w, struct pend_backend *b, unsigned int *seen)
{
	static const char *const names[] = {
		"weight=", "health=", "health_address=",
	};
	const char *arg = NULL;
	unsigned int i;
	int rc;

	for (i = 0; i < SL_ARRAY_SIZE(names) && arg == NULL; i++)
		if (strncmp(w, names[i], strlen(names[i])) == 0)
			arg = w + strlen(names[i]);
	if (arg == NULL)
		return kerr(p, -EINVAL, k->name, val, "expected 'weight=N', "
			    "'health=on|off' or 'health_address=ADDR', not '%s'",
			    w);
	i--;
	if (*seen & (1u << i))
		return kerr(p, -EEXIST, k->name, val, "'%.*s' given twice",
			    (int)strlen(names[i]) - 1, names[i]);
	*seen |= 1u << i;
	if (i == 0) {
		rc = sl_parse_u32(arg, 0, k->max, &b->weight);
		if (rc == -ERANGE)
			return kerr(p, rc, k->name, val,
				    "weight out of range (0..%u)", k->max);
		if (rc < 0)
			return kerr(p, rc, k->name, val, "weight is not a number");
	} else if (i == 1) {
		if (strcmp(arg, "on") != 0 && strcmp(arg, "off") != 0)
			return kerr(p, -EINVAL, k->name, val,
				    "health must be on or off");
		b->health = arg[1] == 'n';
	} else {
		if (sl_addr_parse(arg, &b->health_addr) < 0 ||
		    !addr_unicast(&b->health_addr))
			return kerr(p, -EINVAL, k->name, val,
				    "bad health_address '%s'", arg);
		b->has_health_addr = true;
	}
	return 0;
}

/* "ADDR:PORT" or "[ADDR6]:PORT", then optionally "weight=N",
 * "health=on|off", "health_address=ADDR". */
static int
key_backend(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	char buf[CONF_MAX_LINE], *w[CONF_MAX_WORDS];
	struct pend_vip *pv = &p->vip;
	struct pend_backend b = { .weight = 1, .health = -1, .line = p->line };
	unsigned int seen = 0;
	int i, n, rc;

	snprintf(buf, sizeof(buf), "%s", val);
	n = split_words(buf, w, CONF_MAX_WORDS);
	if (n < 1 || n > CONF_MAX_WORDS)
		return kerr(p, -EINVAL, k->name, val, BACKEND_SYNTAX);
	if (sl_addr_port_parse(w[0], &b.addr, &b.port) < 0)
		return kerr(p, -EINVAL, k->name, val, port_part_bad(w[0]) ?
			    "bad port" : "bad address");
	for (i = 1; i < n; i++) {
		rc = backend_opt(p, k, val, w[i], &b, &seen);
		if (rc < 0)
			return rc;
	}
	if (pv->nb_be >= SL_MAX_VIP_BACKENDS)
		return kerr(p, -ENOSPC, k->name, val,
			    "too many backends (max %d per VIP)",
			    SL_MAX_VIP_BACKENDS);
	if (pv->nb_be == pv->cap_be) {
		uint32_t cap = pv->cap_be ? pv->cap_be * 2 : 16;
		struct pend_backend *nbe = realloc(pv->be, cap * sizeof(*nbe));

		if (nbe == NULL)
			return perr(p, p->line, -ENOMEM, "out of memory");
		pv->be = nbe;
		pv->cap_be = cap;
	}
	pv->be[pv->nb_be++] = b;
	return 0;
}

/* syncookie_secret = 32 hex digits (16 bytes). */
static int
key_secret(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	uint8_t *sec = p->c->dp.cookie_secret;
	size_t i, n = sizeof(p->c->dp.cookie_secret);

	if (strlen(val) != 2 * n)
		return kerr(p, -EINVAL, k->name, val,
			    "expected %zu hex digits", 2 * n);
	for (i = 0; i < 2 * n; i++)
		if (hexval(val[i]) < 0)
			return kerr(p, -EINVAL, k->name, val,
				    "expected %zu hex digits, not '%c'",
				    2 * n, val[i]);
	for (i = 0; i < n; i++)
		sec[i] = (uint8_t)(hexval(val[2 * i]) << 4 |
				   hexval(val[2 * i + 1]));
	p->c->dp.has_cookie_secret = true;
	return 0;
}

/* allow / deny = CIDR: global rules ([acl]) are added at once, a VIP's
 * when its section ends (its address may come after the rule). */
static int
key_rule(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	struct pend_vip *pv = &p->vip;
	struct pend_rule r = { .line = p->line };
	char msg[SL_ERR_MAX];
	uint32_t n;
	int rc;

	rc = sl_acl_prefix_parse(val, &r.src, &r.plen, msg, sizeof(msg));
	if (rc < 0)
		return kerr(p, rc, k->name, val, "%s", msg);
	r.action = (uint8_t)sl_acl_action_parse(k->name);
	if (p->sect == SECT_ACL) {
		rc = sl_config_acl_add(p->c, NULL, r.action, &r.src, r.plen,
				       msg, sizeof(msg));
		if (rc < 0)
			return perr(p, p->line, rc, "[acl] %s", msg);
		p->c->acl[p->c->nb_acl - 1].line = p->line;
		return 0;
	}
	if (pv->nb_rules >= SL_MAX_ACL_RULES - 1)
		return kerr(p, -ENOSPC, k->name, val,
			    "too many access rules (max %d)",
			    SL_MAX_ACL_RULES - 1);
	if (pv->nb_rules == pv->cap_rules) {
		struct pend_rule *nr;

		n = pv->cap_rules ? pv->cap_rules * 2 : 8;
		nr = realloc(pv->rules, n * sizeof(*nr));
		if (nr == NULL)
			return perr(p, p->line, -ENOMEM, "out of memory");
		pv->rules = nr;
		pv->cap_rules = n;
	}
	pv->rules[pv->nb_rules++] = r;
	return 0;
}

/* deny_reply, conn_rate, ..., proxy_protocol: kept until the section
 * ends, then set through sl_config_vip_policy(). */
static int
key_policy(struct conf_parser *p, const struct conf_key *k, const char *val)
{
	char msg[SL_ERR_MAX];
	int rc;

	rc = sl_vip_policy_parse(k->name, val, &p->vip.policy,
				 &p->vip.policy_set, msg, sizeof(msg));
	if (rc < 0)
		return kerr(p, rc, k->name, val, "%s", msg);
	return 0;
}

static const struct conf_key *
key_find(enum conf_sect sect, const char *name)
{
	size_t i;

	for (i = 0; i < NB_CONF_KEYS; i++)
		if (conf_keys[i].sect == sect &&
		    strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

/* Line where key of the current section was set, 0 if it was not. */
static unsigned int
key_seen(const struct conf_parser *p, const char *name)
{
	const struct conf_key *k = key_find(p->sect, name);

	return k ? p->key_line[k - conf_keys] : 0;
}

/* The buffered rules and policy of [vip.NAME], each setting on its own
 * so an error points at its line. */
static int
vip_commit_policy(struct conf_parser *p)
{
	struct pend_vip *pv = &p->vip;
	struct sl_vip_conf *v;
	char msg[SL_ERR_MAX];
	unsigned int bit;
	uint32_t i;
	int rc;

	for (i = 0; i < pv->nb_rules; i++) {
		const struct pend_rule *r = &pv->rules[i];

		rc = sl_config_acl_add(p->c, p->sect_name, r->action, &r->src,
				       r->plen, msg, sizeof(msg));
		if (rc < 0)
			return perr(p, r->line, rc, "[%s] %s", p->sect_text,
				    msg);
		v = sl_config_vip_find(p->c, p->sect_name);
		v->policy.acl[v->policy.nb_acl - 1].line = r->line;
	}
	for (i = 0; i < SL_POL_NB_KEYS; i++) {
		bit = 1u << i;
		if (!(pv->policy_set & bit))
			continue;
		rc = sl_config_vip_policy(p->c, p->sect_name, &pv->policy, bit,
					  msg, sizeof(msg));
		if (rc < 0)
			return perr(p, key_seen(p, sl_vip_policy_key(bit)), rc,
				    "[%s] %s", p->sect_text, msg);
	}
	return 0;
}

/* Adds the buffered [vip.NAME] through the core operations. */
static int
vip_commit(struct conf_parser *p)
{
	static const char *const required[] = { "address", "port", "proto" };
	struct pend_vip *pv = &p->vip;
	char msg[SL_ERR_MAX];
	unsigned int i;
	int rc;

	for (i = 0; i < SL_ARRAY_SIZE(required); i++)
		if (!key_seen(p, required[i]))
			return perr(p, p->sect_line, -EINVAL, "[%s] missing '%s'",
				    p->sect_text, required[i]);
	rc = sl_config_vip_add(p->c, p->sect_name, &pv->addr, pv->port,
			       pv->proto, msg, sizeof(msg));
	if (rc < 0)
		return perr(p, p->sect_line, rc, "[%s] %s", p->sect_text, msg);
	sl_config_vip_find(p->c, p->sect_name)->line = p->sect_line;
	rc = sl_config_vip_set(p->c, p->sect_name, pv->table_size,
			       pv->on_remove, msg, sizeof(msg));
	if (rc < 0)
		return perr(p, p->sect_line, rc, "[%s] %s", p->sect_text, msg);
	rc = sl_config_vip_health(p->c, p->sect_name, &pv->health,
				  pv->health_set, msg, sizeof(msg));
	if (rc < 0)	/* each key was checked: timeout above the interval */
		return perr(p, key_seen(p, "health_timeout"), rc, "[%s] %s",
			    p->sect_text, msg);
	rc = vip_commit_policy(p);
	if (rc < 0)
		return rc;
	for (i = 0; i < pv->nb_be; i++) {
		const struct pend_backend *b = &pv->be[i];

		rc = sl_config_backend_set(p->c, p->sect_name, &b->addr,
					   b->port, b->weight, true, false,
					   msg, sizeof(msg));
		if (rc == 0 && (b->health != -1 || b->has_health_addr))
			rc = sl_config_backend_health(p->c, p->sect_name,
						      &b->addr, b->port,
						      b->health,
						      b->has_health_addr ?
						      &b->health_addr : NULL,
						      msg, sizeof(msg));
		if (rc < 0)
			return perr(p, b->line, rc, "[%s] %s", p->sect_text,
				    msg);
	}
	return 0;
}

static void
pend_vip_reset(struct pend_vip *pv)
{
	free(pv->be);
	free(pv->rules);
	memset(pv, 0, sizeof(*pv));
	pv->on_remove = -1;
}

/* Completes the current section (required keys, buffered VIP). */
static int
section_end(struct conf_parser *p)
{
	int rc = 0;

	if (p->sect == SECT_PORT &&
	    p->c->ports[p->c->nb_ports - 1].dev[0] == '\0')
		rc = perr(p, p->sect_line, -EINVAL, "[%s] missing 'dev'",
			  p->sect_text);
	else if (p->sect == SECT_VIP)
		rc = vip_commit(p);
	pend_vip_reset(&p->vip);
	p->sect = SECT_NONE;
	return rc;
}

/* [port.NAME] / [vip.NAME]: checks NAME, then opens the section. */
static int
section_named(struct conf_parser *p, enum conf_sect sect, const char *kind,
	      const char *name)
{
	struct sl_config *c = p->c;
	char msg[SL_ERR_MAX];
	uint32_t i;
	int rc = name_check(name);

	if (rc < 0) {
		name_fail(msg, sizeof(msg), kind, name, rc);
		return perr(p, p->line, rc, "[%s.%.40s] %s", kind, name, msg);
	}
	if (sect == SECT_VIP) {
		const struct sl_vip_conf *v = sl_config_vip_find(c, name);

		if (v != NULL)
			return perr(p, p->line, -EEXIST,
				    "duplicate section [vip.%s] (first on line %u)",
				    name, v->line);
	} else {
		for (i = 0; i < c->nb_ports; i++)
			if (strcmp(c->ports[i].name, name) == 0)
				return perr(p, p->line, -EEXIST,
					    "duplicate section [port.%s]", name);
		if (c->nb_ports >= SL_MAX_PORTS)
			return perr(p, p->line, -ENOSPC,
				    "[port.%s] too many ports (max %d)", name,
				    SL_MAX_PORTS);
		memset(&c->ports[c->nb_ports], 0, sizeof(c->ports[0]));
		snprintf(c->ports[c->nb_ports].name, SL_NAME_MAX, "%s", name);
		c->nb_ports++;
	}
	snprintf(p->sect_name, sizeof(p->sect_name), "%s", name);
	snprintf(p->sect_text, sizeof(p->sect_text), "%s.%s", kind, name);
	p->sect = sect;
	return 0;
}

static int
section_open(struct conf_parser *p, const char *name)
{
	size_t i;

	for (i = 0; i < SL_ARRAY_SIZE(conf_single); i++) {
		if (strcmp(name, conf_single[i].name) != 0)
			continue;
		if (p->single_line[i] != 0)
			return perr(p, p->line, -EEXIST,
				    "duplicate section [%s] (first on line %u)",
				    name, p->single_line[i]);
		p->single_line[i] = p->line;
		snprintf(p->sect_text, sizeof(p->sect_text), "%s", name);
		p->sect = conf_single[i].sect;
		return 0;
	}
	if (strncmp(name, "port.", 5) == 0)
		return section_named(p, SECT_PORT, "port", name + 5);
	if (strncmp(name, "vip.", 4) == 0)
		return section_named(p, SECT_VIP, "vip", name + 4);
	if (strcmp(name, "port") == 0 || strcmp(name, "vip") == 0)
		return perr(p, p->line, -EINVAL,
			    "section [%s] needs a name: [%s.NAME]", name, name);
	return perr(p, p->line, -EINVAL, "unknown section [%.64s]", name);
}

/* A "[...]" line (stripped, not empty); called by the reader. */
static int
section_begin(struct conf_parser *p, char *s)
{
	char *end = strchr(s, ']');
	char *name = s + 1, *rest;

	if (section_end(p) < 0)
		return p->rc;
	if (end == NULL)
		return perr(p, p->line, -EINVAL,
			    "section header without ']'");
	for (rest = end + 1; *rest == ' ' || *rest == '\t'; rest++)
		;
	if (*rest != '\0' && *rest != ';' && *rest != '#')
		return perr(p, p->line, -EINVAL,
			    "unexpected text after section header");
	*end = '\0';
	while (*name == ' ' || *name == '\t')
		name++;
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	memset(p->key_line, 0, sizeof(p->key_line));
	p->sect_line = p->line;
	return section_open(p, name);
}

static int
src_getc(struct conf_parser *p)
{
	if (p->fp != NULL)
		return getc(p->fp);
	if (*p->str == '\0')
		return EOF;
	return (unsigned char)*p->str++;
}

/* Looks at a line before inih does: section headers open sections here. */
static int
line_peek(struct conf_parser *p, const char *buf)
{
	char tmp[CONF_MAX_LINE];
	char *s = tmp, *e;

	snprintf(tmp, sizeof(tmp), "%s", buf);
	if (p->line == 1 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;			/* UTF-8 BOM, as inih skips it */
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' ||
	       *s == '\v' || *s == '\f')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
			 e[-1] == '\n' || e[-1] == '\v' || e[-1] == '\f'))
		*--e = '\0';
	if (*s != '[')
		return 0;
	return section_begin(p, s);
}

/* inih's fgets()-like reader. One call, one whole line: a longer line is
 * an error rather than two lines, so line numbers stay exact. */
static char *
conf_reader(char *buf, int num, void *user)
{
	struct conf_parser *p = user;
	bool too_long = false, nul = false;
	int ch = EOF, n = 0;

	if (p->rc != 0 || num < 3)
		return NULL;
	while ((ch = src_getc(p)) != EOF) {
		if (ch == '\n')
			break;
		if (ch == '\0')
			nul = true;
		if (n < num - 2)
			buf[n++] = (char)ch;
		else
			too_long = true;
	}
	if (ch == EOF && n == 0 && !too_long) {
		if (p->fp != NULL && ferror(p->fp))
			perr(p, p->line + 1, -EIO, "read error");
		return NULL;
	}
	if (ch == '\n')
		buf[n++] = '\n';
	buf[n] = '\0';
	p->line++;
	if (too_long)
		perr(p, p->line, -EINVAL, "line too long (max %d characters)",
		     num - 2);
	else if (nul)
		perr(p, p->line, -EINVAL, "NUL character in line");
	else
		line_peek(p, buf);
	return p->rc == 0 ? buf : NULL;
}

static int
conf_handler(void *user, const char *section, const char *name,
	     const char *value)
{
	struct conf_parser *p = user;
	const struct conf_key *k;
	size_t i;

	(void)section;			/* inih truncates it: ours is exact */
	if (p->rc != 0)
		return 0;
	if (p->sect == SECT_NONE) {
		perr(p, p->line, -EINVAL,
		     "key '%.64s' outside any section", name);
		return 0;
	}
	k = key_find(p->sect, name);
	if (k == NULL) {
		perr(p, p->line, -EINVAL, "[%s] unknown key '%.64s'",
		     p->sect_text, name);
		return 0;
	}
	i = (size_t)(k - conf_keys);
	if (!k->repeat && p->key_line[i] != 0) {
		perr(p, p->line, -EEXIST,
		     "[%s] duplicate key '%s' (first on line %u)",
		     p->sect_text, name, p->key_line[i]);
		return 0;
	}
	p->key_line[i] = p->line;
	return k->fn(p, k, value) == 0;
}

/* Debian's inih exposes its options as globals: set the ones this format
 * relies on for the parse, and put them back after. */
struct conf_ini_opts {
	bool multiline;
	bool inline_comments;
	bool stop_on_first_error;
	bool no_value;
	bool bom;
	bool use_stack;
	int max_line;
	char *inline_prefixes;
	char *start_prefixes;
};

static void
conf_ini_swap(struct conf_ini_opts *o)
{
	struct conf_ini_opts cur = {
		ini_allow_multiline, ini_allow_inline_comments,
		ini_stop_on_first_error, ini_allow_no_value, ini_allow_bom,
		ini_use_stack, ini_max_line, ini_inline_comment_prefixes,
		ini_start_comment_prefixes,
	};

	ini_allow_multiline = o->multiline;
	ini_allow_inline_comments = o->inline_comments;
	ini_stop_on_first_error = o->stop_on_first_error;
	ini_allow_no_value = o->no_value;
	ini_allow_bom = o->bom;
	ini_use_stack = o->use_stack;
	ini_max_line = o->max_line;
	ini_inline_comment_prefixes = o->inline_prefixes;
	ini_start_comment_prefixes = o->start_prefixes;
	*o = cur;
}

static int
conf_parse(struct conf_parser *p)
{
	static char inline_prefixes[] = ";";
	static char start_prefixes[] = ";#";
	/* No multi-line values: an indented line is a line like any other.
	 * Inline comments start at " ;". Lines up to CONF_MAX_LINE - 2. */
	struct conf_ini_opts o = {
		.multiline = false, .inline_comments = true,
		.stop_on_first_error = true, .no_value = false, .bom = true,
		.use_stack = true, .max_line = CONF_MAX_LINE,
		.inline_prefixes = inline_prefixes,
		.start_prefixes = start_prefixes,
	};
	struct conf_lines lines;
	int ret;

	conf_ini_swap(&o);
	ret = ini_parse_stream(conf_reader, p, conf_handler, p);
	conf_ini_swap(&o);
	if (p->rc != 0)
		return p->rc;
	if (ret == -2)
		return perr(p, 0, -ENOMEM, "out of memory");
	if (ret != 0)
		return perr(p, (unsigned int)ret, -EINVAL,
			    "syntax error: expected '[section]', 'key = value' or a comment");
	if (section_end(p) < 0)
		return p->rc;
	lines.file = p->file;
	lines.route = p->route_line;
	lines.neigh = p->neigh_line;
	p->rc = config_check(p->c, &lines, p->err, p->errlen);
	return p->rc;
}

/* Runs the parser over p's source into c (overwritten). */
static int
conf_load(struct conf_parser *p, struct sl_config *c, const char *file)
{
	int rc;

	sl_config_init(c);
	snprintf(c->path, sizeof(c->path), "%s", file);
	p->c = c;
	p->file = file;
	p->vip.on_remove = -1;
	if (p->err != NULL && p->errlen > 0)
		p->err[0] = '\0';
	rc = conf_parse(p);
	pend_vip_reset(&p->vip);
	if (rc < 0)
		sl_config_free(c);
	return rc;
}

int
sl_config_load_string(const char *text, const char *name,
		      struct sl_config *c, char *err, size_t errlen)
{
	struct conf_parser *p;
	int rc;

	if (name == NULL)
		name = "<string>";
	if (text == NULL) {
		sl_config_init(c);
		return report(err, errlen, name, 0, -EINVAL, "no text");
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		sl_config_init(c);
		return report(err, errlen, name, 0, -ENOMEM, "out of memory");
	}
	p->err = err;
	p->errlen = errlen;
	p->str = text;
	rc = conf_load(p, c, name);
	free(p);
	return rc;
}

int
sl_config_load(const char *path, struct sl_config *c, char *err,
	       size_t errlen)
{
	struct conf_parser *p;
	FILE *fp;
	int rc;

	sl_config_init(c);
	if (path == NULL)
		return report(err, errlen, NULL, 0, -EINVAL, "no file name");
	fp = fopen(path, "r");
	if (fp == NULL) {
		rc = -errno;
		return report(err, errlen, path, 0, rc, "cannot open: %s",
			      strerror(-rc));
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		fclose(fp);
		return report(err, errlen, path, 0, -ENOMEM, "out of memory");
	}
	p->err = err;
	p->errlen = errlen;
	p->fp = fp;
	rc = conf_load(p, c, path);
	free(p);
	fclose(fp);
	return rc;
}
