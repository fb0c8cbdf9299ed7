/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests: the INI loader (every field, defaults, every error with its
 * line), the core VIP / backend operations, copy and validation.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "sl_test.h"
#include <ini.h>

#include "sl_config.h"

#define FILE_NAME "t.ini"

static const char demo_ini[] =
	"[dataplane]\n"					/* 1 */
	"lcores = 0-2\n"
	"memory = 256\n"
	"file_prefix = sluice-demo\n"
	"conntrack_size = 65536\n"			/* 5 */
	"[control]\n"
	"socket = /run/sluice/demo.sock\n"
	"[port.client]\n"
	"dev = net_tap0,iface=sltap0\n"
	"address = 198.18.0.1/24\n"			/* 10 */
	"address = 2001:db8::1/64\n"
	"[port.backend]\n"
	"dev = net_tap1,iface=sltap1\n"
	"address = 198.18.1.1/24\n"
	"address = 2001:db8:1::1/64\n"			/* 15 */
	"snat = 198.18.1.1\n"
	"snat = 2001:db8:1::1\n"
	"[routes]\n"
	"route = 198.18.50.0/24 via 198.18.0.254\n"
	"default = 198.18.0.254\n"			/* 20 */
	"default6 = 2001:db8::fe\n"
	"[neighbors]\n"
	"neighbor = 198.18.1.11 02:00:00:00:01:11\n"
	"[vip.web4]\n"
	"address = 198.18.100.1\n"			/* 25 */
	"port = 80\n"
	"proto = tcp\n"
	"backend = 198.18.1.11:8080 weight=1\n"
	"backend = 198.18.1.12:8080 weight=1\n"
	"backend = 198.18.1.13:8080 weight=2\n"		/* 30 */
	"[vip.web6]\n"
	"address = 2001:db8:100::1\n"
	"port = 80\n"
	"proto = tcp\n"
	"table_size = 65537\n"				/* 35 */
	"on_backend_remove = reset\n"
	"backend = [2001:db8:1::11]:8080\n"
	"[vip.dns]\n"
	"address = 198.18.100.1\n"
	"port = 53\n"					/* 40 */
	"proto = udp\n"
	"backend = 198.18.1.11:5353\n";

/* Six lines: one port with both families; snippets start on line 7. */
#define BASE								\
	"[port.p0]\n"							\
	"dev = net_null0\n"						\
	"address = 198.18.0.1/24\n"					\
	"address = 2001:db8::1/64\n"					\
	"snat = 198.18.0.1\n"						\
	"snat = 2001:db8::1\n"

/* A v4 VIP section of four lines. */
#define VIP4(name, port)						\
	"[vip." name "]\n"						\
	"address = 198.18.100.1\n"					\
	"port = " port "\n"						\
	"proto = tcp\n"

static void
addr(struct sl_addr *a, const char *s)
{
	CU_ASSERT_EQUAL_FATAL(sl_addr_parse(s, a), 0);
}

static bool
addr_is(const struct sl_addr *a, const char *s)
{
	struct sl_addr b;

	return sl_addr_parse(s, &b) == 0 && sl_addr_eq(a, &b);
}

static bool
is_init_state(const struct sl_config *c)
{
	return c->nb_ports == 0 && c->nb_vips == 0 && c->vips == NULL &&
	       c->nb_routes == 0 && c->nb_neigh == 0 &&
	       c->dp.memory_mb == 256;
}

/* Loads text and checks the code, "t.ini:LINE: " (or "t.ini: " when line
 * is 0) and a phrase of the message. */
static void
check_err(int src_line, const char *text, int rc, unsigned int line,
	  const char *phrase)
{
	char err[SL_ERR_MAX], pfx[64];
	struct sl_config c;
	bool ok;
	int r;

	memset(err, 0, sizeof(err));
	r = sl_config_load_string(text, FILE_NAME, &c, err, sizeof(err));
	if (line != 0)
		snprintf(pfx, sizeof(pfx), "%s:%u: ", FILE_NAME, line);
	else
		snprintf(pfx, sizeof(pfx), "%s: ", FILE_NAME);
	ok = r == rc && strncmp(err, pfx, strlen(pfx)) == 0 &&
	     strstr(err, phrase) != NULL;
	if (line == 0)
		ok = ok && !(err[strlen(pfx)] >= '0' && err[strlen(pfx)] <= '9');
	if (!ok)
		printf("\n    case at line %d: want %d '%s...%s', got %d '%s'\n",
		       src_line, rc, pfx, phrase, r, err);
	CU_ASSERT(ok);
	CU_ASSERT(is_init_state(&c));
	sl_config_free(&c);
}

#define ERR(text, rc, line, phrase) check_err(__LINE__, text, rc, line, phrase)

static void
test_demo(void)
{
	struct sl_ct_timeouts def;
	struct sl_config c;
	const struct sl_port_conf *p;
	const struct sl_vip_conf *v;
	char err[SL_ERR_MAX] = "";

	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(demo_ini, "demo.ini", &c,
						    err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.path, "demo.ini");
	CU_ASSERT_STRING_EQUAL(c.dp.lcores, "0-2");
	CU_ASSERT_EQUAL(c.dp.memory_mb, 256);
	CU_ASSERT_STRING_EQUAL(c.dp.file_prefix, "sluice-demo");
	CU_ASSERT_STRING_EQUAL(c.dp.eal_args, "");
	CU_ASSERT_EQUAL(c.dp.mbufs, 8191);
	CU_ASSERT_EQUAL(c.dp.ct_size, 65536);
	CU_ASSERT_EQUAL(c.dp.snat_port_lo, 1024);
	CU_ASSERT_FALSE(c.dp.snat_port_low_first);	/* random start */
	sl_ct_timeouts_default(&def);
	CU_ASSERT(memcmp(&def, &c.dp.timeouts, sizeof(def)) == 0);
	CU_ASSERT_STRING_EQUAL(c.socket, "/run/sluice/demo.sock");

	CU_ASSERT_EQUAL_FATAL(c.nb_ports, 2);
	p = &c.ports[0];
	CU_ASSERT_STRING_EQUAL(p->name, "client");
	CU_ASSERT_STRING_EQUAL(p->dev, "net_tap0,iface=sltap0");
	CU_ASSERT_EQUAL(p->nb_addrs, 2);
	CU_ASSERT(addr_is(&p->addrs[0].addr, "198.18.0.1"));
	CU_ASSERT_EQUAL(p->addrs[0].plen, 24);
	CU_ASSERT(addr_is(&p->addrs[1].addr, "2001:db8::1"));
	CU_ASSERT_EQUAL(p->addrs[1].plen, 64);
	CU_ASSERT_EQUAL(p->nb_snat, 0);
	CU_ASSERT(!p->has_mac);
	CU_ASSERT_EQUAL(p->vlan, 0);
	p = &c.ports[1];
	CU_ASSERT_STRING_EQUAL(p->name, "backend");
	CU_ASSERT_STRING_EQUAL(p->dev, "net_tap1,iface=sltap1");
	CU_ASSERT_EQUAL(p->nb_addrs, 2);
	CU_ASSERT(addr_is(&p->addrs[0].addr, "198.18.1.1"));
	CU_ASSERT_EQUAL(p->addrs[0].plen, 24);
	CU_ASSERT(addr_is(&p->addrs[1].addr, "2001:db8:1::1"));
	CU_ASSERT_EQUAL(p->addrs[1].plen, 64);
	CU_ASSERT_EQUAL(p->nb_snat, 2);
	CU_ASSERT(addr_is(&p->snat[0], "198.18.1.1"));
	CU_ASSERT(addr_is(&p->snat[1], "2001:db8:1::1"));

	CU_ASSERT_EQUAL_FATAL(c.nb_routes, 3);
	CU_ASSERT(addr_is(&c.routes[0].dst.addr, "198.18.50.0"));
	CU_ASSERT_EQUAL(c.routes[0].dst.plen, 24);
	CU_ASSERT(addr_is(&c.routes[0].via, "198.18.0.254"));
	CU_ASSERT(addr_is(&c.routes[1].dst.addr, "0.0.0.0"));
	CU_ASSERT_EQUAL(c.routes[1].dst.plen, 0);
	CU_ASSERT(addr_is(&c.routes[1].via, "198.18.0.254"));
	CU_ASSERT(addr_is(&c.routes[2].dst.addr, "::"));
	CU_ASSERT_EQUAL(c.routes[2].dst.plen, 0);
	CU_ASSERT(addr_is(&c.routes[2].via, "2001:db8::fe"));

	CU_ASSERT_EQUAL_FATAL(c.nb_neigh, 1);
	CU_ASSERT(addr_is(&c.neigh[0].addr, "198.18.1.11"));
	CU_ASSERT(memcmp(c.neigh[0].mac, "\x02\x00\x00\x00\x01\x11", 6) == 0);

	CU_ASSERT_EQUAL_FATAL(c.nb_vips, 3);
	v = &c.vips[0];
	CU_ASSERT_STRING_EQUAL(v->name, "web4");
	CU_ASSERT(addr_is(&v->addr, "198.18.100.1"));
	CU_ASSERT_EQUAL(v->port, 80);
	CU_ASSERT_EQUAL(v->proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(v->table_size, SL_MAGLEV_DEFAULT_M);
	CU_ASSERT_EQUAL(v->on_remove, SL_ON_REMOVE_KEEP);
	CU_ASSERT_EQUAL(v->id, 0);
	CU_ASSERT_EQUAL(v->line, 24);
	CU_ASSERT_EQUAL_FATAL(v->nb_backends, 3);
	CU_ASSERT(addr_is(&v->backends[0].addr, "198.18.1.11"));
	CU_ASSERT_EQUAL(v->backends[0].port, 8080);
	CU_ASSERT_EQUAL(v->backends[0].weight, 1);
	CU_ASSERT(addr_is(&v->backends[1].addr, "198.18.1.12"));
	CU_ASSERT_EQUAL(v->backends[1].weight, 1);
	CU_ASSERT(addr_is(&v->backends[2].addr, "198.18.1.13"));
	CU_ASSERT_EQUAL(v->backends[2].port, 8080);
	CU_ASSERT_EQUAL(v->backends[2].weight, 2);
	CU_ASSERT_EQUAL(v->backends[2].id, 0);
	CU_ASSERT_EQUAL(v->backends[2].gen, 0);
	v = &c.vips[1];
	CU_ASSERT_STRING_EQUAL(v->name, "web6");
	CU_ASSERT(addr_is(&v->addr, "2001:db8:100::1"));
	CU_ASSERT_EQUAL(v->port, 80);
	CU_ASSERT_EQUAL(v->proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(v->table_size, 65537);
	CU_ASSERT_EQUAL(v->on_remove, SL_ON_REMOVE_RESET);
	CU_ASSERT_EQUAL(v->line, 31);
	CU_ASSERT_EQUAL_FATAL(v->nb_backends, 1);
	CU_ASSERT(addr_is(&v->backends[0].addr, "2001:db8:1::11"));
	CU_ASSERT_EQUAL(v->backends[0].port, 8080);
	CU_ASSERT_EQUAL(v->backends[0].weight, 1);
	v = &c.vips[2];
	CU_ASSERT_STRING_EQUAL(v->name, "dns");
	CU_ASSERT(addr_is(&v->addr, "198.18.100.1"));
	CU_ASSERT_EQUAL(v->port, 53);
	CU_ASSERT_EQUAL(v->proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(v->line, 38);
	CU_ASSERT_EQUAL_FATAL(v->nb_backends, 1);
	CU_ASSERT(addr_is(&v->backends[0].addr, "198.18.1.11"));
	CU_ASSERT_EQUAL(v->backends[0].port, 5353);

	CU_ASSERT_EQUAL(sl_config_validate(&c, err, sizeof(err)), 0);
	sl_config_free(&c);
	CU_ASSERT(is_init_state(&c));
	/* The struct is reusable after free. */
	CU_ASSERT_EQUAL(sl_config_load_string(demo_ini, NULL, &c, err,
					      sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.path, "<string>");
	sl_config_free(&c);
}

static void
test_defaults(void)
{
	struct sl_ct_timeouts def;
	struct sl_config c;
	char err[SL_ERR_MAX];

	sl_ct_timeouts_default(&def);
	sl_config_init(&c);
	CU_ASSERT_STRING_EQUAL(c.dp.lcores, "0-1");
	CU_ASSERT_EQUAL(c.nb_ports, 0);
	sl_config_free(&c);

	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(BASE VIP4("v", "80")
		"backend = 198.18.0.10:80\n", FILE_NAME, &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.dp.lcores, "0-1");
	CU_ASSERT_EQUAL(c.dp.memory_mb, 256);
	CU_ASSERT_STRING_EQUAL(c.dp.file_prefix, "sluice");
	CU_ASSERT_STRING_EQUAL(c.dp.eal_args, "");
	CU_ASSERT_EQUAL(c.dp.mbufs, 8191);
	CU_ASSERT_EQUAL(c.dp.ct_size, 262144);
	CU_ASSERT_EQUAL(c.dp.snat_port_lo, 1024);
	CU_ASSERT(memcmp(&def, &c.dp.timeouts, sizeof(def)) == 0);
	CU_ASSERT_STRING_EQUAL(c.socket, "/run/sluice/sluice.sock");
	CU_ASSERT_EQUAL(c.nb_routes, 0);
	CU_ASSERT_EQUAL(c.nb_neigh, 0);
	CU_ASSERT_EQUAL_FATAL(c.nb_vips, 1);
	CU_ASSERT_EQUAL(c.vips[0].table_size, SL_MAGLEV_DEFAULT_M);
	CU_ASSERT_EQUAL(c.vips[0].on_remove, SL_ON_REMOVE_KEEP);
	CU_ASSERT_EQUAL(c.vips[0].backends[0].weight, 1);
	sl_config_free(&c);
}

static void
test_dataplane_keys(void)
{
	struct sl_ct_timeouts def;
	struct sl_config c;
	char err[SL_ERR_MAX];
	const uint32_t *ms;

	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(
		"[dataplane]\n"
		"eal_args = --no-pci --log-level=7\n"
		"mbufs = 16383\n"
		"snat_port_low = 20000\n"
		"snat_port_start = low\n"
		"tcp_syn_timeout = 3\n"
		"tcp_established_timeout = 7200\n"
		"tcp_fin_timeout = 20\n"
		"tcp_closed_timeout = 4\n"
		"udp_timeout = 60\n"
		"lcores = 0@0,1@1,(2-3)@1\n"
		"memory = 1024\n"
		"conntrack_size = 16777216\n"
		BASE
		"mac = 02:aa:bb:cc:dd:EE\n"
		"vlan = 4094\n", FILE_NAME, &c, err, sizeof(err)), 0);
	sl_ct_timeouts_default(&def);
	ms = c.dp.timeouts.ms;
	CU_ASSERT_STRING_EQUAL(c.dp.eal_args, "--no-pci --log-level=7");
	CU_ASSERT_EQUAL(c.dp.mbufs, 16383);
	CU_ASSERT_EQUAL(c.dp.snat_port_lo, 20000);
	CU_ASSERT_TRUE(c.dp.snat_port_low_first);
	CU_ASSERT_EQUAL(ms[SL_CT_SYN_SENT], 3000);
	CU_ASSERT_EQUAL(ms[SL_CT_SYN_RECV], 6000);
	CU_ASSERT_EQUAL(ms[SL_CT_ESTABLISHED], 7200000);
	CU_ASSERT_EQUAL(ms[SL_CT_FIN_WAIT], 20000);
	CU_ASSERT_EQUAL(ms[SL_CT_CLOSING], 20000);
	CU_ASSERT_EQUAL(ms[SL_CT_CLOSED], 4000);
	CU_ASSERT_EQUAL(ms[SL_CT_UDP], 60000);
	CU_ASSERT_EQUAL(ms[SL_CT_FREE], def.ms[SL_CT_FREE]);
	CU_ASSERT_STRING_EQUAL(c.dp.lcores, "0@0,1@1,(2-3)@1");
	CU_ASSERT_EQUAL(c.dp.memory_mb, 1024);
	CU_ASSERT_EQUAL(c.dp.ct_size, 16777216);
	CU_ASSERT(c.ports[0].has_mac);
	CU_ASSERT(memcmp(c.ports[0].mac, "\x02\xaa\xbb\xcc\xdd\xee", 6) == 0);
	CU_ASSERT_EQUAL(c.ports[0].vlan, 4094);
	sl_config_free(&c);

	/* Only the states a key names change. */
	CU_ASSERT_EQUAL_FATAL(sl_config_load_string("[dataplane]\n"
		"tcp_fin_timeout = 9\n" BASE, FILE_NAME, &c, err, sizeof(err)), 0);
	ms = c.dp.timeouts.ms;
	CU_ASSERT_EQUAL(ms[SL_CT_FIN_WAIT], 9000);
	CU_ASSERT_EQUAL(ms[SL_CT_CLOSING], 9000);
	CU_ASSERT_EQUAL(ms[SL_CT_SYN_SENT], def.ms[SL_CT_SYN_SENT]);
	CU_ASSERT_EQUAL(ms[SL_CT_ESTABLISHED], def.ms[SL_CT_ESTABLISHED]);
	CU_ASSERT_EQUAL(ms[SL_CT_UDP], def.ms[SL_CT_UDP]);
	sl_config_free(&c);
}

/* Comments, blank lines, indentation, CRLF, a BOM, empty sections. */
static void
test_syntax_ok(void)
{
	struct sl_config c;
	char err[SL_ERR_MAX];

	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(
		"\xef\xbb\xbf; leading comment\r\n"
		"# another\r\n"
		"\r\n"
		"[ dataplane ]   ; spaces inside the brackets\r\n"
		"  memory = 512   ; inline comment\r\n"
		"\tmbufs=4095\r\n"
		"[control]\r\n"
		"[routes]\n"
		"[neighbors]\n"
		BASE
		"    mac = 02:00:00:00:00:01\n"
		VIP4("v", "80")
		"  backend = 198.18.0.10:80   weight=7 ; canary\n"
		"  backend = 198.18.0.11:80\n",
		FILE_NAME, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.dp.memory_mb, 512);
	CU_ASSERT_EQUAL(c.dp.mbufs, 4095);
	CU_ASSERT(c.ports[0].has_mac);
	CU_ASSERT_EQUAL_FATAL(c.nb_vips, 1);
	CU_ASSERT_EQUAL_FATAL(c.vips[0].nb_backends, 2);
	CU_ASSERT_EQUAL(c.vips[0].backends[0].weight, 7);
	CU_ASSERT_EQUAL(c.vips[0].backends[1].weight, 1);
	CU_ASSERT_EQUAL(c.vips[0].line, 17);
	sl_config_free(&c);

	/* Names: 31 characters of the allowed set. */
	CU_ASSERT_EQUAL(sl_config_load_string(
		"[port.Aa0_-bcdefghijklmnopqrstuvwxyzZ]\ndev = x\n"
		"address = 198.18.0.1/24\nsnat = 198.18.0.2\n",
		FILE_NAME, &c, err, sizeof(err)), 0);
	sl_config_free(&c);

	/* inih's own options are put back after a load. */
	CU_ASSERT(ini_allow_multiline);
	CU_ASSERT_EQUAL(ini_max_line, 200);
	CU_ASSERT(!ini_stop_on_first_error);
}

static void
test_err_sections(void)
{
	ERR(BASE "[foo]\n", -EINVAL, 7, "unknown section [foo]");
	ERR(BASE "[port]\n", -EINVAL, 7, "needs a name");
	ERR(BASE "[vip.]\n", -EINVAL, 7, "bad vip name ''");
	ERR(BASE "[vip.a.b]\n", -EINVAL, 7, "bad vip name 'a.b'");
	ERR("[port.a b]\n", -EINVAL, 1, "bad port name 'a b'");
	ERR(BASE "[vip.abcdefghijabcdefghijabcdefghij01]\n", -ENAMETOOLONG, 7,
	    "too long");
	ERR("[port.abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij]\n",
	    -ENAMETOOLONG, 1,
	    "too long");
	ERR("[dataplane]\n[control]\n[dataplane]\n" BASE, -EEXIST, 3,
	    "duplicate section [dataplane] (first on line 1)");
	ERR(BASE "[routes]\n[routes]\n", -EEXIST, 8, "duplicate section [routes]");
	ERR(BASE "[neighbors]\n[control]\n[neighbors]\n", -EEXIST, 9,
	    "duplicate section [neighbors]");
	ERR(BASE "[control]\n[control]\n", -EEXIST, 8, "duplicate section [control]");
	ERR(BASE "[port.p0]\ndev = y\n", -EEXIST, 7, "duplicate section [port.p0]");
	ERR(BASE VIP4("a", "80") VIP4("a", "81"), -EEXIST, 11,
	    "duplicate section [vip.a] (first on line 7)");
	ERR(BASE "[dataplane\n", -EINVAL, 7, "without ']'");
	ERR(BASE "[dataplane] x\n", -EINVAL, 7, "unexpected text");
	ERR("x = 1\n" BASE, -EINVAL, 1, "outside any section");
	ERR(BASE "this is not a key\n", -EINVAL, 7, "syntax error");
	ERR("", -EINVAL, 0, "at least one port");
	ERR("; nothing\n[dataplane]\nmemory = 64\n", -EINVAL, 0,
	    "at least one port");
}

static void
test_err_keys(void)
{
	ERR(BASE "[dataplane]\nfoo = 1\n", -EINVAL, 8,
	    "[dataplane] unknown key 'foo'");
	ERR(BASE "dev2 = x\n", -EINVAL, 7, "[port.p0] unknown key 'dev2'");
	ERR(BASE VIP4("v", "80") "dev = x\n", -EINVAL, 11, "[vip.v] unknown key 'dev'");
	ERR(BASE "[routes]\nvia = x\n", -EINVAL, 8, "unknown key 'via'");
	ERR(BASE "[control]\nsocket = /a\nsocket = /b\n", -EEXIST, 9,
	    "duplicate key 'socket' (first on line 8)");
	ERR(BASE "dev = again\n", -EEXIST, 7, "duplicate key 'dev' (first on line 2)");
	ERR(BASE VIP4("v", "80") "port = 81\n", -EEXIST, 11, "duplicate key 'port'");
	ERR(BASE "[routes]\ndefault = 198.18.0.254\ndefault = 198.18.0.253\n",
	    -EEXIST, 9, "duplicate key 'default'");
}

static void
test_err_numbers(void)
{
	ERR(BASE "[dataplane]\nmemory = abc\n", -EINVAL, 8,
	    "[dataplane] memory 'abc': not a number");
	ERR(BASE "[dataplane]\nmemory = 12x\n", -EINVAL, 8, "not a number");
	ERR(BASE "[dataplane]\nmemory = -5\n", -EINVAL, 8, "not a number");
	ERR(BASE "[dataplane]\nmemory = +5\n", -EINVAL, 8, "not a number");
	ERR(BASE "[dataplane]\nmemory = 0x10\n", -EINVAL, 8, "not a number");
	ERR(BASE "[dataplane]\nmemory =\n", -EINVAL, 8, "not a number");
	ERR(BASE "[dataplane]\nmemory = 1 2\n", -EINVAL, 8, "not a number");
	ERR(BASE "[dataplane]\nmemory = 0\n", -ERANGE, 8,
	    "out of range (16..1048576)");
	ERR(BASE "[dataplane]\nmbufs = 100\n", -ERANGE, 8, "out of range");
	ERR(BASE "[dataplane]\nconntrack_size = 1023\n", -ERANGE, 8,
	    "conntrack_size '1023': out of range (1024..16777216)");
	ERR(BASE "[dataplane]\nconntrack_size = 16777217\n", -ERANGE, 8,
	    "out of range");
	ERR(BASE "[dataplane]\nconntrack_size = 99999999999999999999999\n",
	    -ERANGE, 8, "out of range");
	ERR(BASE "[dataplane]\nsnat_port_low = 65536\n", -ERANGE, 8,
	    "out of range");
	ERR(BASE "[dataplane]\nsnat_port_start = first\n", -EINVAL, 8,
	    "snat_port_start must be random or low");
	ERR(BASE "[dataplane]\ntcp_syn_timeout = 0\n", -ERANGE, 8,
	    "out of range (1..1000000)");
	ERR(BASE "[dataplane]\ntcp_established_timeout = 1000001\n", -ERANGE, 8,
	    "out of range");
	ERR(BASE "[dataplane]\ntcp_fin_timeout = x\n", -EINVAL, 8, "not a number");
	/* Milliseconds with "ms": 1 ms .. the same maximum. */
	ERR(BASE "[dataplane]\ntcp_syn_timeout = 0ms\n", -ERANGE, 8,
	    "out of range (1..1000000000 ms)");
	ERR(BASE "[dataplane]\nudp_timeout = 1000000001ms\n", -ERANGE, 8,
	    "out of range (1..1000000000 ms)");
	ERR(BASE "[dataplane]\nudp_timeout = 99999999999999999ms\n", -ERANGE, 8,
	    "out of range");
	ERR(BASE "[dataplane]\nudp_timeout = 5 ms\n", -EINVAL, 8,
	    "not a number");
	ERR(BASE "[dataplane]\nudp_timeout = ms\n", -EINVAL, 8, "not a number");
	ERR(BASE "[dataplane]\nudp_timeout = 5s\n", -EINVAL, 8, "not a number");
	{
		struct sl_config c;
		char err[SL_ERR_MAX];

		CU_ASSERT_EQUAL_FATAL(sl_config_load_string(BASE
			"[dataplane]\ntcp_syn_timeout = 250ms\n"
			"udp_timeout = 1500ms\ntcp_fin_timeout = 1ms\n",
			FILE_NAME, &c, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(c.dp.timeouts.ms[SL_CT_SYN_SENT], 250);
		CU_ASSERT_EQUAL(c.dp.timeouts.ms[SL_CT_SYN_RECV], 500);
		CU_ASSERT_EQUAL(c.dp.timeouts.ms[SL_CT_UDP], 1500);
		CU_ASSERT_EQUAL(c.dp.timeouts.ms[SL_CT_FIN_WAIT], 1);
		sl_config_free(&c);
	}
	ERR(BASE "[dataplane]\ntcp_closed_timeout = 0\n", -ERANGE, 8,
	    "out of range");
	ERR(BASE "[dataplane]\nudp_timeout = 1.5\n", -EINVAL, 8, "not a number");
	ERR(BASE "vlan = 0\n", -ERANGE, 7, "[port.p0] vlan '0': out of range (1..4094)");
	ERR(BASE "vlan = 4095\n", -ERANGE, 7, "out of range");
	ERR(BASE "vlan = ten\n", -EINVAL, 7, "not a number");
	ERR(BASE VIP4("v", "0"), -ERANGE, 9, "[vip.v] port '0': out of range (1..65535)");
	ERR(BASE VIP4("v", "65536"), -ERANGE, 9, "out of range");
	ERR(BASE VIP4("v", "http"), -EINVAL, 9, "not a number");
	ERR(BASE VIP4("v", "80") "table_size = 65536\n", -SL_ENOPRIME, 11,
	    "table_size '65536': not a prime");
	ERR(BASE VIP4("v", "80") "table_size = 1\n", -SL_ENOPRIME, 11,
	    "not a prime");
	ERR(BASE VIP4("v", "80") "table_size = 0\n", -ERANGE, 11,
	    "out of range (1..1048573)");
	ERR(BASE VIP4("v", "80") "table_size = 1048583\n", -ERANGE, 11,
	    "out of range");
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 weight=65536\n",
	    -ERANGE, 11, "weight out of range (0..65535)");
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 weight=x\n",
	    -EINVAL, 11, "weight is not a number");
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 weight=\n",
	    -EINVAL, 11, "weight is not a number");
}

static void
test_err_strings(void)
{
	ERR(BASE "[dataplane]\nlcores =\n", -EINVAL, 8, "must not be empty");
	ERR(BASE "[dataplane]\nlcores = 0 1\n", -EINVAL, 8, "bad character ' '");
	ERR(BASE "[dataplane]\nfile_prefix = a/b\n", -EINVAL, 8,
	    "bad character '/'");
	ERR(BASE "[dataplane]\nfile_prefix = "
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd\n",
	    -ENAMETOOLONG, 8, "too long (max 63 characters)");
	ERR(BASE "[control]\nsocket =\n", -EINVAL, 8, "must not be empty");
	ERR(BASE "[control]\nsocket = /run/"
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\n",
	    -ENAMETOOLONG, 8, "too long (max 107 characters)");
	ERR("[port.a]\ndev =\n", -EINVAL, 2, "[port.a] dev '': must not be empty");
	/* 75 characters: refused; 74 and 76 are fine. */
	ERR("[port.a]\ndev = net_pcap0,rx_pcap=/tmp/bench-new/tmp/"
	    "in-ptcpmsyn-2097152.pcap,infinite_rx=1\n", -EINVAL, 2,
	    "crashes DPDK 22.11 secondary processes");
	{
		struct sl_config c;
		char e[SL_ERR_MAX];
		const char *ok[] = {
			"[port.a]\ndev = net_pcap0,rx_pcap=/tmp/bench-new/tmp/"
			"in-ptcpmsyn-209715.pcap,infinite_rx=1\n",
			"[port.a]\ndev = net_pcap0,rx_pcap=/tmp/bench-new/tmp/"
			"in-ptcpmsyn-20971522.pcap,infinite_rx=1\n",
		};
		unsigned int i;

		for (i = 0; i < 2; i++) {
			sl_config_init(&c);
			e[0] = '\0';
			/* Other checks may still refuse this bare port. */
			(void)sl_config_load_string(ok[i], NULL, &c, e,
						    sizeof(e));
			CU_ASSERT_PTR_NULL(strstr(e, "dev"));
			sl_config_free(&c);
		}
	}
}

static void
test_err_addresses(void)
{
	ERR(BASE "address = 198.18.0.300/24\n", -EINVAL, 7,
	    "[port.p0] address '198.18.0.300/24': bad address/prefix");
	ERR(BASE "address = 198.18.9.1/33\n", -EINVAL, 7, "bad address/prefix");
	ERR(BASE "address = 224.0.0.1/24\n", -EINVAL, 7, "bad address/prefix");
	ERR(BASE "snat = nope\n", -EINVAL, 7, "[port.p0] snat 'nope': bad address");
	ERR(BASE "snat = ff02::1\n", -EINVAL, 7, "bad address");
	ERR(BASE "mac = 02:00:00:00:01\n", -EINVAL, 7, "bad MAC address");
	ERR(BASE "mac = 02:00:00:00:01:1g\n", -EINVAL, 7, "bad MAC address");
	ERR(BASE "mac = 02-00-00-00-01-11\n", -EINVAL, 7, "bad MAC address");
	ERR(BASE "mac = 01:00:5e:00:00:01\n", -EINVAL, 7, "bad MAC address");
	ERR(BASE "mac = 00:00:00:00:00:00\n", -EINVAL, 7, "bad MAC address");
	ERR(BASE "[routes]\nroute = 198.18.50.1/24 via 198.18.0.254\n", -EINVAL, 8,
	    "bad prefix '198.18.50.1/24'");
	ERR(BASE "[routes]\nroute = 198.18.50.0/24 198.18.0.254\n", -EINVAL, 8,
	    "expected 'PREFIX via GATEWAY'");
	ERR(BASE "[routes]\nroute = 198.18.50.0/24 via\n", -EINVAL, 8,
	    "expected 'PREFIX via GATEWAY'");
	ERR(BASE "[routes]\nroute = 198.18.50.0/24 via 198.18.0.254 x\n", -EINVAL,
	    8, "expected 'PREFIX via GATEWAY'");
	ERR(BASE "[routes]\nroute = 198.18.50.0/24 via 198.18.0\n", -EINVAL, 8,
	    "bad gateway address");
	ERR(BASE "[routes]\ndefault = gw\n", -EINVAL, 8, "bad gateway address");
	ERR(BASE "[routes]\ndefault = 0.0.0.0\n", -EINVAL, 8, "bad gateway address");
	ERR(BASE "[neighbors]\nneighbor = 198.18.0.9\n", -EINVAL, 8,
	    "expected 'ADDRESS MAC'");
	ERR(BASE "[neighbors]\nneighbor = 198.18.0.x 02:00:00:00:00:09\n",
	    -EINVAL, 8, "bad address");
	ERR(BASE "[neighbors]\nneighbor = 198.18.0.9 02:00:00:00:00\n",
	    -EINVAL, 8, "bad MAC address");
	ERR(BASE "[vip.v]\naddress = 198.18.100\n", -EINVAL, 8,
	    "[vip.v] address '198.18.100': bad address");
	ERR(BASE "[vip.v]\naddress = 0.0.0.0\n", -EINVAL, 8, "bad address");
	ERR(BASE VIP4("web", "80") "backend = 198.18.1.300:80\n", -EINVAL, 11,
	    "t.ini:11: [vip.web] backend '198.18.1.300:80': bad address");
	ERR(BASE VIP4("web", "80") "backend = 198.18.1.3:0\n", -EINVAL, 11,
	    "backend '198.18.1.3:0': bad port");
	ERR(BASE VIP4("web", "80") "backend = 198.18.1.3\n", -EINVAL, 11,
	    "bad port");
	ERR(BASE VIP4("web", "80") "backend = 2001:db8::5:80\n", -EINVAL, 11,
	    "bad address");
	ERR(BASE VIP4("web", "80") "backend = 198.18.1.3:80 wait=3\n", -EINVAL,
	    11, "expected 'weight=N'");
	ERR(BASE VIP4("web", "80") "backend =\n", -EINVAL, 11,
	    "expected 'ADDR:PORT [weight=N] [health=on|off] [health_address=ADDR]'");
	ERR(BASE VIP4("web", "80") "backend = 198.18.1.3:80 weight=1 x\n",
	    -EINVAL, 11, "expected 'weight=N', 'health=on|off' or "
	    "'health_address=ADDR', not 'x'");
	ERR(BASE VIP4("web", "80") "backend = 224.1.1.1:80\n", -EINVAL, 11,
	    "not a unicast address");
	ERR(BASE "[vip.v]\nproto = sctp\n", -EINVAL, 8,
	    "proto 'sctp': expected tcp or udp");
	ERR(BASE "[vip.v]\non_backend_remove = drop\n", -EINVAL, 8,
	    "expected keep or reset");
}

static void
test_err_missing(void)
{
	ERR(BASE "[port.p1]\naddress = 198.18.9.1/24\n[dataplane]\n", -EINVAL, 7,
	    "[port.p1] missing 'dev'");
	ERR(BASE "[port.p1]\n", -EINVAL, 7, "[port.p1] missing 'dev'");
	ERR(BASE "[vip.v]\nport = 80\nproto = tcp\n[control]\n", -EINVAL, 7,
	    "[vip.v] missing 'address'");
	ERR(BASE "[vip.v]\naddress = 198.18.100.1\nproto = tcp\n", -EINVAL, 7,
	    "[vip.v] missing 'port'");
	ERR(BASE "[vip.v]\naddress = 198.18.100.1\nport = 80\n", -EINVAL, 7,
	    "[vip.v] missing 'proto'");
	ERR(BASE "[vip.v]\n", -EINVAL, 7, "[vip.v] missing 'address'");
}

static void
test_err_conflicts(void)
{
	/* Family mismatch. */
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80\n"
	    "backend = [2001:db8::10]:80\n", -EAFNOSUPPORT, 12,
	    "VIP 'v' is IPv4: backend [2001:db8::10]:80 is not");
	ERR(BASE "[routes]\nroute = 2001:db8:5::/48 via 198.18.0.254\n",
	    -EAFNOSUPPORT, 8, "gateway is IPv4 but the destination is IPv6");
	ERR(BASE "[routes]\ndefault = 2001:db8::fe\n", -EAFNOSUPPORT, 8,
	    "gateway is IPv6 but the destination is IPv4");
	ERR(BASE "[routes]\ndefault6 = 198.18.0.254\n", -EAFNOSUPPORT, 8,
	    "gateway is IPv4");
	/* Duplicates. */
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80\n"
	    "backend = 198.18.0.11:80\nbackend = 198.18.0.10:80 weight=3\n",
	    -EEXIST, 13, "duplicate backend 198.18.0.10:80");
	ERR(BASE VIP4("a", "80") VIP4("b", "80"), -EEXIST, 11,
	    "[vip.b] VIP 'b' duplicates VIP 'a' (tcp 198.18.100.1:80)");
	ERR(BASE "[port.p1]\ndev = net_null0\n", -EEXIST, 8,
	    "already used by [port.p0]");
	ERR(BASE "[port.p1]\ndev = x\naddress = 198.18.0.1/16\n", -EEXIST, 9,
	    "duplicate address (on [port.p0])");
	ERR(BASE "address = 198.18.0.1/25\n", -EEXIST, 7, "duplicate address");
	ERR(BASE "snat = 198.18.0.1\n", -EEXIST, 7, "duplicate snat address");
	ERR(BASE "[routes]\nroute = 198.18.50.0/24 via 198.18.0.254\n"
	    "route = 198.18.50.0/24 via 198.18.0.253\n", -EEXIST, 9,
	    "duplicate route (first on line 8)");
	ERR(BASE "[routes]\nroute = 0.0.0.0/0 via 198.18.0.254\n"
	    "default = 198.18.0.253\n", -EEXIST, 9, "duplicate route");
	ERR(BASE "[neighbors]\nneighbor = 198.18.0.9 02:00:00:00:00:09\n"
	    "neighbor = 198.18.0.9 02:00:00:00:00:0a\n", -EEXIST, 9,
	    "duplicate neighbor (first on line 8)");
	/* A backend that is the VIP itself; a table smaller than its list. */
	ERR(BASE VIP4("v", "80") "backend = 198.18.100.1:80\n", -EINVAL, 11,
	    "is the VIP itself");
	ERR(BASE VIP4("v", "80") "table_size = 2\nbackend = 198.18.0.10:80\n"
	    "backend = 198.18.0.11:80\nbackend = 198.18.0.12:80\n", -ERANGE, 14,
	    "would exceed table size 2");
}

static void
test_err_validate(void)
{
	static const char v4only[] =
		"[port.p0]\ndev = x\naddress = 198.18.0.1/24\n"
		"address = 2001:db8::1/64\nsnat = 198.18.0.1\n";

	/* A VIP of a family that no port can source-NAT. */
	{
		char text[512];

		snprintf(text, sizeof(text), "%s%s", v4only,
			 "[vip.v6]\naddress = 2001:db8:100::1\nport = 80\n"
			 "proto = tcp\n");
		ERR(text, -EADDRNOTAVAIL, 6,
		    "[vip.v6] no port has an IPv6 snat address");
	}
	/* The VIP comes before the port: the check runs at the end. */
	ERR(VIP4("v", "80") "[port.p0]\ndev = x\naddress = 2001:db8::1/64\n"
	    "snat = 2001:db8::1\n", -EADDRNOTAVAIL, 1, "IPv4 snat address");
	ERR(BASE "[routes]\nroute = 198.18.50.0/24 via 198.18.9.254\n",
	    -ENETUNREACH, 8,
	    "route 198.18.50.0/24 via 198.18.9.254: gateway is not inside any port's subnet");
	ERR(BASE "[routes]\ndefault6 = 2001:db8:9::1\n", -ENETUNREACH, 8,
	    "gateway is not inside");
	/* Routes before ports are fine when the gateway is on link. */
	{
		struct sl_config c;
		char err[SL_ERR_MAX];

		CU_ASSERT_EQUAL(sl_config_load_string(
			"[routes]\ndefault = 198.18.0.254\n" BASE, FILE_NAME, &c,
			err, sizeof(err)), 0);
		sl_config_free(&c);
	}
	ERR(BASE "[neighbors]\nneighbor = 198.18.9.9 02:00:00:00:00:09\n",
	    -ENETUNREACH, 8, "neighbor 198.18.9.9 is not inside any port's subnet");
}

/* BASE, then a comment line of n characters, then text. */
static char *
long_line_text(size_t n, const char *text)
{
	size_t base = strlen(BASE);
	char *s = malloc(base + n + 1 + strlen(text) + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, BASE, base);
	s[base] = ';';
	memset(s + base + 1, 'x', n - 1);
	s[base + n] = '\n';
	strcpy(s + base + n + 1, text);
	return s;
}

static void
test_err_lines(void)
{
	struct sl_config c;
	char err[SL_ERR_MAX];
	char *text;

	/* 1022 characters fit inih's 1024-byte buffer with '\n' and NUL. */
	text = long_line_text(1022, "[dataplane]\nmemory = 64\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(sl_config_load_string(text, FILE_NAME, &c, err,
					      sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.dp.memory_mb, 64);
	sl_config_free(&c);
	free(text);
	/* One more is an error, not two lines. */
	text = long_line_text(1023, "[dataplane]\nmemory = 64\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	ERR(text, -EINVAL, 7, "line too long (max 1022 characters)");
	free(text);
	text = long_line_text(5000, "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	ERR(text, -EINVAL, 7, "line too long");
	free(text);
}

/* Builds text with open_memstream; returns malloc'd. */
static char *
gen_text(void (*fn)(FILE *f, int n), int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	fn(f, n);
	fclose(f);
	return buf;
}

static void
gen_ports(FILE *f, int n)
{
	int i;

	for (i = 0; i < n; i++)
		fprintf(f, "[port.p%d]\ndev = d%d\naddress = 198.18.%d.1/24\n"
			"snat = 198.18.%d.1\n", i, i, i, i);
}

static void
gen_addrs(FILE *f, int n)
{
	int i;

	fprintf(f, "[port.p]\ndev = d\nsnat = 198.18.0.1\n");
	for (i = 0; i < n; i++)
		fprintf(f, "address = 198.18.%d.1/24\n", i);
}

static void
gen_snat(FILE *f, int n)
{
	int i;

	fprintf(f, "[port.p]\ndev = d\naddress = 198.18.0.1/24\n");
	for (i = 0; i < n; i++)
		fprintf(f, "snat = 198.18.0.%d\n", i + 10);
}

static void
gen_routes(FILE *f, int n)
{
	int i;

	fprintf(f, "%s[routes]\n", BASE);
	for (i = 0; i < n; i++)
		fprintf(f, "route = 198.19.%d.0/24 via 198.18.0.254\n", i);
}

static void
gen_neigh(FILE *f, int n)
{
	int i;

	fprintf(f, "%s[neighbors]\n", BASE);
	for (i = 0; i < n; i++)
		fprintf(f, "neighbor = 198.18.0.%d 02:00:00:00:00:01\n", i + 2);
}

static void
gen_vips(FILE *f, int n)
{
	int i;

	fprintf(f, "%s", BASE);
	for (i = 0; i < n; i++)
		fprintf(f, "[vip.v%d]\naddress = 198.18.100.1\nport = %d\n"
			"proto = tcp\n", i, i + 1);
}

static void
gen_vip_backends(FILE *f, int n)
{
	int i;

	fprintf(f, "%s", BASE VIP4("v", "80"));
	for (i = 0; i < n; i++)
		fprintf(f, "backend = 198.18.%d.%d:80\n", 1 + i / 200,
			1 + i % 200);
}

/* SL_MAX_VIP_BACKENDS in each VIP, n backends in all. */
static void
gen_all_backends(FILE *f, int n)
{
	int i;

	fprintf(f, "%s", BASE);
	for (i = 0; i < n; i++) {
		if (i % SL_MAX_VIP_BACKENDS == 0)
			fprintf(f, "[vip.v%d]\naddress = 198.18.100.1\n"
				"port = %d\nproto = tcp\n",
				i / SL_MAX_VIP_BACKENDS,
				1 + i / SL_MAX_VIP_BACKENDS);
		fprintf(f, "backend = 198.18.%d.%d:80\n", 1 + i / 200,
			1 + i % 200);
	}
}

/* n items load; n + 1 fail with -ENOSPC at line, with phrase. */
static void
check_limit(int src_line, void (*fn)(FILE *f, int n), int n,
	    unsigned int line, const char *phrase)
{
	struct sl_config c;
	char err[SL_ERR_MAX];
	char *text = gen_text(fn, n);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	if (sl_config_load_string(text, FILE_NAME, &c, err, sizeof(err)) != 0) {
		printf("\n    case at line %d: %s\n", src_line, err);
		CU_FAIL("limit itself should load");
	}
	sl_config_free(&c);
	free(text);
	text = gen_text(fn, n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	check_err(src_line, text, -ENOSPC, line, phrase);
	free(text);
}

#define LIMIT(fn, n, line, phrase) check_limit(__LINE__, fn, n, line, phrase)

static void
test_err_limits(void)
{
	LIMIT(gen_ports, SL_MAX_PORTS, 4 * SL_MAX_PORTS + 1,
	      "too many ports (max 8)");
	LIMIT(gen_addrs, SL_MAX_PORT_ADDRS, 3 + SL_MAX_PORT_ADDRS + 1,
	      "too many addresses (max 8 per port)");
	LIMIT(gen_snat, SL_MAX_SNAT_ADDRS, 3 + SL_MAX_SNAT_ADDRS + 1,
	      "too many snat addresses");
	LIMIT(gen_routes, SL_MAX_ROUTES, 7 + SL_MAX_ROUTES + 1,
	      "too many routes (max 64)");
	LIMIT(gen_neigh, SL_MAX_STATIC_NEIGH, 7 + SL_MAX_STATIC_NEIGH + 1,
	      "too many neighbors (max 64)");
	LIMIT(gen_vips, SL_MAX_VIPS, 6 + 4 * SL_MAX_VIPS + 1,
	      "too many VIPs (max 256)");
	LIMIT(gen_vip_backends, SL_MAX_VIP_BACKENDS,
	      10 + SL_MAX_VIP_BACKENDS + 1, "too many backends (max 1024 per VIP)");
	LIMIT(gen_all_backends, SL_MAX_BACKENDS,
	      6 + (SL_MAX_BACKENDS / SL_MAX_VIP_BACKENDS) *
	      (4 + SL_MAX_VIP_BACKENDS) + 5,
	      "too many backends over all VIPs (max 4096)");
}

static const struct sl_addr *
A(const char *s)
{
	static struct sl_addr ring[8];
	static unsigned int i;
	struct sl_addr *a = &ring[i++ % 8];

	addr(a, s);
	return a;
}

static void
test_core_vip(void)
{
	struct sl_config c;
	struct sl_vip_conf *v;
	char err[SL_ERR_MAX];

	sl_config_init(&c);
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "web", A("198.18.100.1"), 80,
					  IPPROTO_TCP, err, sizeof(err)), 0);
	v = sl_config_vip_find(&c, "web");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(v->table_size, SL_MAGLEV_DEFAULT_M);
	CU_ASSERT_EQUAL(v->on_remove, SL_ON_REMOVE_KEEP);
	CU_ASSERT_EQUAL(v->line, 0);
	CU_ASSERT_EQUAL(v->nb_backends, 0);
	CU_ASSERT_PTR_NULL(sl_config_vip_find(&c, "nope"));

	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "web", A("198.18.100.2"), 80,
					  IPPROTO_TCP, err, sizeof(err)), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "VIP 'web' already exists"));
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "web2", A("198.18.100.1"), 80,
					  IPPROTO_TCP, err, sizeof(err)), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "duplicates VIP 'web'"));
	/* Same address and port, other protocol: a different VIP. */
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "web-udp", A("198.18.100.1"), 80,
					  IPPROTO_UDP, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "bad name", A("198.18.100.3"), 80,
					  IPPROTO_TCP, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad VIP name"));
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "", A("198.18.100.3"), 80,
					  IPPROTO_TCP, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(sl_config_vip_add(&c,
		"abcdefghijabcdefghijabcdefghij01", A("198.18.100.3"), 80,
		IPPROTO_TCP, err, sizeof(err)), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "x", A("198.18.100.3"), 0,
					  IPPROTO_TCP, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "x", A("198.18.100.3"), 80,
					  IPPROTO_ICMP, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "x", A("::"), 80,
					  IPPROTO_TCP, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(c.nb_vips, 2);

	/* set */
	CU_ASSERT_EQUAL(sl_config_vip_set(&c, "web", 251, SL_ON_REMOVE_RESET,
					  err, sizeof(err)), 0);
	v = sl_config_vip_find(&c, "web");
	CU_ASSERT_EQUAL(v->table_size, 251);
	CU_ASSERT_EQUAL(v->on_remove, SL_ON_REMOVE_RESET);
	CU_ASSERT_EQUAL(sl_config_vip_set(&c, "web", 0, -1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v->table_size, 251);
	CU_ASSERT_EQUAL(v->on_remove, SL_ON_REMOVE_RESET);
	CU_ASSERT_EQUAL(sl_config_vip_set(&c, "web", 0, SL_ON_REMOVE_KEEP, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(v->on_remove, SL_ON_REMOVE_KEEP);
	CU_ASSERT_EQUAL(sl_config_vip_set(&c, "web", 250, -1, err, sizeof(err)),
			-SL_ENOPRIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a prime"));
	CU_ASSERT_EQUAL(sl_config_vip_set(&c, "web", 1048583, -1, err,
					  sizeof(err)), -ERANGE);
	/* Nothing changes when one argument is bad. */
	CU_ASSERT_EQUAL(sl_config_vip_set(&c, "web", 65537, 7, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_EQUAL(v->table_size, 251);
	CU_ASSERT_EQUAL(sl_config_vip_set(&c, "nope", 0, -1, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no VIP 'nope'"));

	/* del keeps the order of the others */
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "third", A("2001:db8:100::1"), 443,
					  IPPROTO_TCP, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.1"), 80, 1,
					      true, false, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_vip_del(&c, "web", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.nb_vips, 2);
	CU_ASSERT_STRING_EQUAL(c.vips[0].name, "web-udp");
	CU_ASSERT_STRING_EQUAL(c.vips[1].name, "third");
	CU_ASSERT_EQUAL(sl_config_vip_del(&c, "web", err, sizeof(err)), -ENOENT);
	/* The name is free again. */
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "web", A("198.18.100.1"), 80,
					  IPPROTO_TCP, err, sizeof(err)), 0);
	sl_config_free(&c);
	CU_ASSERT(is_init_state(&c));
}

static void
test_core_vip_many(void)
{
	struct sl_config c;
	char err[SL_ERR_MAX], name[16];
	int i;

	sl_config_init(&c);
	for (i = 0; i < SL_MAX_VIPS; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		CU_ASSERT_EQUAL(sl_config_vip_add(&c, name, A("198.18.100.1"),
						  (uint16_t)(i + 1), IPPROTO_UDP,
						  err, sizeof(err)), 0);
	}
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "one-more", A("198.18.100.1"),
					  9999, IPPROTO_UDP, err, sizeof(err)),
			-ENOSPC);
	CU_ASSERT_EQUAL(c.nb_vips, SL_MAX_VIPS);
	CU_ASSERT(c.cap_vips >= c.nb_vips);
	sl_config_free(&c);
}

static void
test_core_backend(void)
{
	struct sl_config c;
	struct sl_vip_conf *v;
	char err[SL_ERR_MAX];
	uint32_t i;

	sl_config_init(&c);
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.1"), 80, 1,
					      true, true, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no VIP 'web'"));
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "web", A("198.18.100.1"), 80,
					  IPPROTO_TCP, err, sizeof(err)), 0);

	/* add (create, no update) */
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.1"), 80, 1,
					      true, false, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.1"), 80, 5,
					      true, false, err, sizeof(err)),
			-EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "duplicate backend 198.18.1.1:80"));
	v = sl_config_vip_find(&c, "web");
	CU_ASSERT_EQUAL(v->backends[0].weight, 1);
	/* same address, other port: another backend */
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.1"), 81, 0,
					      true, false, err, sizeof(err)), 0);
	/* set (update, no create) */
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.1"), 80, 9,
					      false, true, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v->backends[0].weight, 9);
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.2"), 80, 9,
					      false, true, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no backend 198.18.1.2:80"));
	/* upsert (both) */
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.2"), 80, 3,
					      true, true, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.2"), 80, 4,
					      true, true, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v->nb_backends, 3);
	CU_ASSERT_EQUAL(v->backends[2].weight, 4);
	/* bad arguments */
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.3"), 80,
					      65536, true, true, err, sizeof(err)),
			-ERANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "weight 65536 out of range (0..65535)"));
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.3"), 0, 1,
					      true, true, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("2001:db8::3"), 80, 1,
					      true, true, err, sizeof(err)),
			-EAFNOSUPPORT);
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("255.255.255.255"),
					      80, 1, true, true, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.100.1"), 80,
					      1, true, true, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_EQUAL(v->nb_backends, 3);

	/* del keeps the order */
	CU_ASSERT_EQUAL(sl_config_backend_del(&c, "web", A("198.18.1.1"), 80,
					      err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v->nb_backends, 2);
	CU_ASSERT_EQUAL(v->backends[0].port, 81);
	CU_ASSERT(addr_is(&v->backends[1].addr, "198.18.1.2"));
	CU_ASSERT_EQUAL(sl_config_backend_del(&c, "web", A("198.18.1.1"), 80,
					      err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no backend 198.18.1.1:80"));
	CU_ASSERT_EQUAL(sl_config_backend_del(&c, "nope", A("198.18.1.1"), 80,
					      err, sizeof(err)), -ENOENT);

	/* table size bounds the backend count, both ways */
	CU_ASSERT_EQUAL(sl_config_vip_set(&c, "web", 2, -1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.7"), 80, 1,
					      true, false, err, sizeof(err)),
			-ERANGE);
	CU_ASSERT_EQUAL(sl_config_vip_set(&c, "web", 3, -1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.7"), 80, 1,
					      true, false, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_vip_set(&c, "web", 2, -1, err, sizeof(err)),
			-ERANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "smaller than its 3 backends"));

	/* per-VIP limit */
	CU_ASSERT_EQUAL(sl_config_vip_set(&c, "web", 65537, -1, err,
					  sizeof(err)), 0);
	for (i = v->nb_backends; i < SL_MAX_VIP_BACKENDS; i++) {
		struct sl_addr a;

		sl_addr_from_v4(&a, htonl(0xc6130000u + i));	/* 198.19.x.y */
		CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", &a, 80, 1, true,
						      false, err, sizeof(err)), 0);
	}
	CU_ASSERT_EQUAL(v->nb_backends, SL_MAX_VIP_BACKENDS);
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.9.9"), 80, 1,
					      true, false, err, sizeof(err)),
			-ENOSPC);
	/* an update still works at the limit */
	CU_ASSERT_EQUAL(sl_config_backend_set(&c, "web", A("198.18.1.7"), 80, 2,
					      true, true, err, sizeof(err)), 0);
	sl_config_free(&c);
}

static void
test_core_misc(void)
{
	CU_ASSERT_EQUAL(sl_on_remove_parse("keep"), SL_ON_REMOVE_KEEP);
	CU_ASSERT_EQUAL(sl_on_remove_parse("reset"), SL_ON_REMOVE_RESET);
	CU_ASSERT_EQUAL(sl_on_remove_parse("Keep"), -EINVAL);
	CU_ASSERT_EQUAL(sl_on_remove_parse(""), -EINVAL);
	CU_ASSERT_EQUAL(sl_on_remove_parse(NULL), -EINVAL);
	CU_ASSERT_STRING_EQUAL(sl_on_remove_name(SL_ON_REMOVE_KEEP), "keep");
	CU_ASSERT_STRING_EQUAL(sl_on_remove_name(SL_ON_REMOVE_RESET), "reset");
	CU_ASSERT_STRING_EQUAL(sl_on_remove_name(9), "?");

	CU_ASSERT(sl_config_name_valid("a"));
	CU_ASSERT(sl_config_name_valid("Web_4-x"));
	CU_ASSERT(sl_config_name_valid("abcdefghijabcdefghijabcdefghij0"));
	CU_ASSERT(!sl_config_name_valid("abcdefghijabcdefghijabcdefghij01"));
	CU_ASSERT(!sl_config_name_valid(""));
	CU_ASSERT(!sl_config_name_valid("a.b"));
	CU_ASSERT(!sl_config_name_valid("a b"));
	CU_ASSERT(!sl_config_name_valid("caf\xc3\xa9"));
	CU_ASSERT(!sl_config_name_valid(NULL));

	CU_ASSERT_EQUAL(sl_config_table_size_check(2), 0);
	CU_ASSERT_EQUAL(sl_config_table_size_check(65537), 0);
	CU_ASSERT_EQUAL(sl_config_table_size_check(1048573), 0);
	CU_ASSERT_EQUAL(sl_config_table_size_check(0), -ERANGE);
	CU_ASSERT_EQUAL(sl_config_table_size_check(1048583), -ERANGE);
	CU_ASSERT_EQUAL(sl_config_table_size_check(1), -SL_ENOPRIME);
	CU_ASSERT_EQUAL(sl_config_table_size_check(9), -SL_ENOPRIME);
	CU_ASSERT_EQUAL(sl_config_table_size_check(65535), -SL_ENOPRIME);
	CU_ASSERT_EQUAL(sl_config_table_size_check(1048572), -SL_ENOPRIME);
}

static void
test_validate(void)
{
	struct sl_config c;
	char err[SL_ERR_MAX];

	sl_config_init(&c);
	CU_ASSERT_EQUAL(sl_config_validate(&c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err,
		"no [port.NAME] section: a config needs at least one port");
	snprintf(c.ports[0].name, SL_NAME_MAX, "p0");
	c.nb_ports = 1;
	CU_ASSERT_EQUAL(sl_config_validate(&c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "[port.p0] missing 'dev'"));
	snprintf(c.ports[0].dev, sizeof(c.ports[0].dev), "net_null0");
	c.ports[0].addrs[0].addr = *A("198.18.0.1");
	c.ports[0].addrs[0].plen = 24;
	c.ports[0].nb_addrs = 1;
	CU_ASSERT_EQUAL(sl_config_validate(&c, err, sizeof(err)), 0);

	/* A VIP added through the core (as the CLI does) needs a snat. */
	CU_ASSERT_EQUAL(sl_config_vip_add(&c, "web", A("198.18.100.1"), 80,
					  IPPROTO_TCP, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_validate(&c, err, sizeof(err)),
			-EADDRNOTAVAIL);
	CU_ASSERT_STRING_EQUAL(err,
		"[vip.web] no port has an IPv4 snat address for this VIP");
	c.ports[0].snat[0] = *A("198.18.0.1");
	c.ports[0].nb_snat = 1;
	CU_ASSERT_EQUAL(sl_config_validate(&c, err, sizeof(err)), 0);

	c.routes[0].dst.addr = *A("0.0.0.0");
	c.routes[0].via = *A("198.18.5.1");
	c.nb_routes = 1;
	CU_ASSERT_EQUAL(sl_config_validate(&c, err, sizeof(err)), -ENETUNREACH);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "route 0.0.0.0/0 via 198.18.5.1"));
	c.routes[0].via = *A("198.18.0.254");
	CU_ASSERT_EQUAL(sl_config_validate(&c, err, sizeof(err)), 0);
	/* NULL err is allowed */
	c.routes[0].via = *A("198.18.5.1");
	CU_ASSERT_EQUAL(sl_config_validate(&c, NULL, 0), -ENETUNREACH);
	sl_config_free(&c);
}

static void
test_copy(void)
{
	struct sl_config a, b, e;
	char err[SL_ERR_MAX];

	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(demo_ini, FILE_NAME, &a, err,
						    sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(sl_config_copy(&b, &a), 0);
	CU_ASSERT_EQUAL(b.nb_vips, a.nb_vips);
	CU_ASSERT_PTR_NOT_EQUAL(b.vips, a.vips);
	CU_ASSERT_PTR_NOT_EQUAL(b.vips[0].backends, a.vips[0].backends);
	CU_ASSERT(memcmp(b.vips[0].backends, a.vips[0].backends,
			 3 * sizeof(struct sl_backend_conf)) == 0);
	CU_ASSERT_STRING_EQUAL(b.ports[1].dev, a.ports[1].dev);

	/* Change the copy every way; the original stays. */
	b.vips[0].backends[0].weight = 77;
	b.ports[0].dev[0] = 'X';
	CU_ASSERT_EQUAL(sl_config_backend_set(&b, "web4", A("198.18.1.20"), 80,
					      1, true, false, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_backend_del(&b, "web4", A("198.18.1.11"), 8080,
					      err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_vip_del(&b, "dns", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_vip_set(&b, "web6", 251, SL_ON_REMOVE_KEEP,
					  err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_vip_add(&b, "new", A("198.18.100.9"), 80,
					  IPPROTO_TCP, err, sizeof(err)), 0);

	CU_ASSERT_EQUAL(a.nb_vips, 3);
	CU_ASSERT_STRING_EQUAL(a.vips[2].name, "dns");
	CU_ASSERT_EQUAL(a.vips[0].nb_backends, 3);
	CU_ASSERT_EQUAL(a.vips[0].backends[0].weight, 1);
	CU_ASSERT(addr_is(&a.vips[0].backends[0].addr, "198.18.1.11"));
	CU_ASSERT_EQUAL(a.vips[1].table_size, 65537);
	CU_ASSERT_EQUAL(a.vips[1].on_remove, SL_ON_REMOVE_RESET);
	CU_ASSERT_STRING_EQUAL(a.ports[0].dev, "net_tap0,iface=sltap0");
	CU_ASSERT_PTR_NULL(sl_config_vip_find(&a, "new"));

	/* A copy of a config without VIPs, and a copy onto itself. */
	sl_config_init(&e);
	sl_config_free(&b);
	CU_ASSERT_EQUAL(sl_config_copy(&b, &e), 0);
	CU_ASSERT_PTR_NULL(b.vips);
	CU_ASSERT_EQUAL(sl_config_copy(&a, &a), 0);
	CU_ASSERT_EQUAL(a.nb_vips, 3);
	sl_config_free(&a);
	sl_config_free(&b);
}

/* ------------------------------------------------------------------ */
/* Health checks                                                        */
/* ------------------------------------------------------------------ */

static const struct sl_backend_conf *
be_of(const struct sl_vip_conf *v, const char *a, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < v->nb_backends; i++)
		if (addr_is(&v->backends[i].addr, a) &&
		    v->backends[i].port == port)
			return &v->backends[i];
	return NULL;
}

static void
test_health_keys(void)
{
	static const char text[] = BASE
		VIP4("web", "80")				/* 7 */
		"health = http\n"
		"health_path = /healthz?full=1\n"
		"health_status = 204\n"
		"health_interval = 2s\n"
		"health_timeout = 250ms\n"
		"health_rise = 1\n"
		"health_fall = 5\n"
		"health_port = 8081\n"
		"backend = 198.18.0.10:8080\n"
		"backend = 198.18.0.11:8080 health=off weight=2\n"
		"backend = 198.18.0.12:8080 health_address=198.19.0.6\n"
		"backend = 198.18.0.13:8080 health_address=2001:db8:f::2 "
		"weight=0 health=on\n"
		"[vip.t]\naddress = 198.18.100.2\nport = 80\nproto = tcp\n"
		"health = tcp\nhealth_interval = 500\n"
		"backend = 198.18.0.10:80\n"
		"[vip.plain]\naddress = 198.18.100.3\nport = 53\nproto = udp\n"
		"backend = 198.18.0.10:53\n";
	const struct sl_backend_conf *b;
	const struct sl_vip_conf *v;
	struct sl_config c;
	char err[SL_ERR_MAX];

	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(text, FILE_NAME, &c, err,
						    sizeof(err)), 0);
	v = sl_config_vip_find(&c, "web");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(v->health.type, SL_HEALTH_HTTP);
	CU_ASSERT_STRING_EQUAL(v->health.path, "/healthz?full=1");
	CU_ASSERT_EQUAL(v->health.status, 204);
	CU_ASSERT_EQUAL(v->health.interval_ms, 2000);
	CU_ASSERT_EQUAL(v->health.timeout_ms, 250);
	CU_ASSERT_EQUAL(sl_health_timeout_ms(&v->health), 250);
	CU_ASSERT_EQUAL(v->health.rise, 1);
	CU_ASSERT_EQUAL(v->health.fall, 5);
	CU_ASSERT_EQUAL(v->health.port, 8081);
	b = be_of(v, "198.18.0.10", 8080);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(!b->health_off && !b->has_health_addr && !b->down);
	CU_ASSERT(sl_config_backend_checked(v, b));
	b = be_of(v, "198.18.0.11", 8080);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(b->health_off);
	CU_ASSERT_EQUAL(b->weight, 2);
	CU_ASSERT(!sl_config_backend_checked(v, b));
	b = be_of(v, "198.18.0.12", 8080);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(b->has_health_addr && addr_is(&b->health_addr, "198.19.0.6"));
	b = be_of(v, "198.18.0.13", 8080);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(b->has_health_addr &&
		  addr_is(&b->health_addr, "2001:db8:f::2"));
	CU_ASSERT(!b->health_off);
	CU_ASSERT_EQUAL(b->weight, 0);

	/* Defaults: 1 s, timeout min(1 s, interval), rise 2, fall 3, GET /
	 * expecting 200 on the backend's port. */
	v = sl_config_vip_find(&c, "t");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(v->health.type, SL_HEALTH_TCP);
	CU_ASSERT_EQUAL(v->health.interval_ms, 500);
	CU_ASSERT_EQUAL(v->health.timeout_ms, 0);
	CU_ASSERT_EQUAL(sl_health_timeout_ms(&v->health), 500);
	v = sl_config_vip_find(&c, "plain");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(v->health.type, SL_HEALTH_NONE);
	CU_ASSERT_EQUAL(v->health.interval_ms, 1000);
	CU_ASSERT_EQUAL(sl_health_timeout_ms(&v->health), 1000);
	CU_ASSERT_EQUAL(v->health.rise, 2);
	CU_ASSERT_EQUAL(v->health.fall, 3);
	CU_ASSERT_EQUAL(v->health.status, 200);
	CU_ASSERT_EQUAL(v->health.port, 0);
	CU_ASSERT_STRING_EQUAL(v->health.path, "/");
	CU_ASSERT(!sl_config_backend_checked(v, &v->backends[0]));
	sl_config_free(&c);
}

static void
test_err_health(void)
{
	ERR(BASE VIP4("v", "80") "health = icmp\n", -EINVAL, 11,
	    "[vip.v] health 'icmp': expected none, tcp or http");
	ERR(BASE VIP4("v", "80") "health = tcp\nhealth = http\n", -EEXIST, 12,
	    "duplicate key 'health' (first on line 11)");
	ERR(BASE VIP4("v", "80") "health_path = healthz\n", -EINVAL, 11,
	    "health_path 'healthz': expected /PATH");
	ERR(BASE VIP4("v", "80") "health_path = /a b\n", -EINVAL, 11,
	    "expected /PATH (no spaces, max 127 characters)");
	ERR(BASE VIP4("v", "80") "health_path = /\x01\n", -EINVAL, 11,
	    "expected /PATH");
	ERR(BASE VIP4("v", "80") "health_path = /"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\n", -EINVAL, 11, "expected /PATH");
	ERR(BASE VIP4("v", "80") "health_status = 99\n", -ERANGE, 11,
	    "health_status '99': out of range (100..599)");
	ERR(BASE VIP4("v", "80") "health_status = 600\n", -ERANGE, 11,
	    "out of range (100..599)");
	ERR(BASE VIP4("v", "80") "health_status = ok\n", -EINVAL, 11,
	    "health_status 'ok': not a number");
	ERR(BASE VIP4("v", "80") "health_interval = 5\n", -ERANGE, 11,
	    "health_interval '5': out of range (10..3600000 ms)");
	ERR(BASE VIP4("v", "80") "health_interval = 3601s\n", -ERANGE, 11,
	    "out of range (10..3600000 ms)");
	ERR(BASE VIP4("v", "80") "health_interval = 99999999999\n", -ERANGE, 11,
	    "out of range");
	ERR(BASE VIP4("v", "80") "health_interval = 1m\n", -EINVAL, 11,
	    "health_interval '1m': expected milliseconds (500, 500ms or 2s)");
	ERR(BASE VIP4("v", "80") "health_interval = s\n", -EINVAL, 11,
	    "expected milliseconds");
	ERR(BASE VIP4("v", "80") "health_interval = 1.5s\n", -EINVAL, 11,
	    "expected milliseconds");
	ERR(BASE VIP4("v", "80") "health_timeout = 0\n", -ERANGE, 11,
	    "health_timeout '0': out of range (10..3600000 ms)");
	ERR(BASE VIP4("v", "80") "health_timeout = -1\n", -EINVAL, 11,
	    "expected milliseconds");
	ERR(BASE VIP4("v", "80") "health_rise = 0\n", -ERANGE, 11,
	    "health_rise '0': out of range (1..100)");
	ERR(BASE VIP4("v", "80") "health_fall = 101\n", -ERANGE, 11,
	    "health_fall '101': out of range (1..100)");
	ERR(BASE VIP4("v", "80") "health_fall = x\n", -EINVAL, 11,
	    "not a number");
	ERR(BASE VIP4("v", "80") "health_port = 0\n", -ERANGE, 11,
	    "health_port '0': out of range (1..65535)");
	ERR(BASE VIP4("v", "80") "health_port = 65536\n", -ERANGE, 11,
	    "out of range");
	/* Whole-section check: at the timeout's line, whatever the order. */
	ERR(BASE VIP4("v", "80") "health_timeout = 2s\nhealth = tcp\n", -ERANGE,
	    11, "[vip.v] VIP 'v': health timeout 2000 ms is longer than the "
	    "interval 1000 ms");
	ERR(BASE VIP4("v", "80") "health_timeout = 300\n"
	    "health_interval = 200ms\n", -ERANGE, 11,
	    "timeout 300 ms is longer than the interval 200 ms");
	/* Health keys belong to [vip.NAME] only. */
	ERR(BASE "health = tcp\n", -EINVAL, 7,
	    "[port.p0] unknown key 'health'");
	/* Backend options. */
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 health=maybe\n",
	    -EINVAL, 11, "backend '198.18.0.10:80 health=maybe': health must "
	    "be on or off");
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 health=\n",
	    -EINVAL, 11, "health must be on or off");
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 health_address=x\n",
	    -EINVAL, 11, "bad health_address 'x'");
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 "
	    "health_address=224.0.0.1\n", -EINVAL, 11,
	    "bad health_address '224.0.0.1'");
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 "
	    "health_address=198.18.0.1:80\n", -EINVAL, 11,
	    "bad health_address");
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 health=on "
	    "health=off\n", -EEXIST, 11, "'health' given twice");
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 weight=1 weight=2\n",
	    -EEXIST, 11, "'weight' given twice");
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 weight=1 health=on "
	    "health_address=198.19.0.6 x\n", -EINVAL, 11,
	    "expected 'ADDR:PORT [weight=N] [health=on|off]");
	ERR(BASE VIP4("v", "80") "backend = 198.18.0.10:80 Health=on\n",
	    -EINVAL, 11, "not 'Health=on'");
}

static void
test_health_values(void)
{
	struct sl_health_conf h;
	uint32_t ms = 7;

	CU_ASSERT_EQUAL(sl_health_type_parse("none"), SL_HEALTH_NONE);
	CU_ASSERT_EQUAL(sl_health_type_parse("tcp"), SL_HEALTH_TCP);
	CU_ASSERT_EQUAL(sl_health_type_parse("http"), SL_HEALTH_HTTP);
	CU_ASSERT_EQUAL(sl_health_type_parse("HTTP"), -EINVAL);
	CU_ASSERT_EQUAL(sl_health_type_parse(""), -EINVAL);
	CU_ASSERT_EQUAL(sl_health_type_parse(NULL), -EINVAL);
	CU_ASSERT_STRING_EQUAL(sl_health_type_name(SL_HEALTH_NONE), "none");
	CU_ASSERT_STRING_EQUAL(sl_health_type_name(SL_HEALTH_TCP), "tcp");
	CU_ASSERT_STRING_EQUAL(sl_health_type_name(SL_HEALTH_HTTP), "http");
	CU_ASSERT_STRING_EQUAL(sl_health_type_name(7), "?");

	CU_ASSERT_EQUAL(sl_health_ms_parse("250", 10, 1000, &ms), 0);
	CU_ASSERT_EQUAL(ms, 250);
	CU_ASSERT_EQUAL(sl_health_ms_parse("250ms", 10, 1000, &ms), 0);
	CU_ASSERT_EQUAL(ms, 250);
	CU_ASSERT_EQUAL(sl_health_ms_parse("1s", 10, 1000, &ms), 0);
	CU_ASSERT_EQUAL(ms, 1000);
	CU_ASSERT_EQUAL(sl_health_ms_parse("2s", 10, 1000, &ms), -ERANGE);
	CU_ASSERT_EQUAL(sl_health_ms_parse("9", 10, 1000, &ms), -ERANGE);
	CU_ASSERT_EQUAL(sl_health_ms_parse("4294968s", 10, UINT32_MAX, &ms),
			-ERANGE);
	CU_ASSERT_EQUAL(sl_health_ms_parse("12345678901234567", 10, 1000, &ms),
			-ERANGE);
	CU_ASSERT_EQUAL(ms, 1000);
	CU_ASSERT_EQUAL(sl_health_ms_parse("", 10, 1000, &ms), -EINVAL);
	CU_ASSERT_EQUAL(sl_health_ms_parse("ms", 10, 1000, &ms), -EINVAL);
	CU_ASSERT_EQUAL(sl_health_ms_parse("5 s", 10, 1000, &ms), -EINVAL);
	CU_ASSERT_EQUAL(sl_health_ms_parse("5S", 10, 1000, &ms), -EINVAL);
	CU_ASSERT_EQUAL(sl_health_ms_parse("5sec", 10, 1000, &ms), -EINVAL);
	CU_ASSERT_EQUAL(sl_health_ms_parse("+5", 10, 1000, &ms), -EINVAL);
	CU_ASSERT_EQUAL(sl_health_ms_parse(NULL, 10, 1000, &ms), -EINVAL);

	CU_ASSERT(sl_health_path_valid("/"));
	CU_ASSERT(sl_health_path_valid("/a/b?c=d&e=%20"));
	CU_ASSERT(!sl_health_path_valid(""));
	CU_ASSERT(!sl_health_path_valid("a"));
	CU_ASSERT(!sl_health_path_valid("/a b"));
	CU_ASSERT(!sl_health_path_valid("/a\r\nHost: x"));
	CU_ASSERT(!sl_health_path_valid("/caf\xc3\xa9"));
	CU_ASSERT(!sl_health_path_valid(NULL));

	memset(&h, 0, sizeof(h));
	h.interval_ms = 200;
	CU_ASSERT_EQUAL(sl_health_timeout_ms(&h), 200);
	h.interval_ms = 5000;
	CU_ASSERT_EQUAL(sl_health_timeout_ms(&h), SL_HEALTH_TIMEOUT_DEFAULT_MS);
	h.timeout_ms = 3000;
	CU_ASSERT_EQUAL(sl_health_timeout_ms(&h), 3000);
}

static void
test_core_health(void)
{
	struct sl_health_conf h;
	struct sl_vip_conf *v;
	struct sl_addr none;
	struct sl_config c;
	char err[SL_ERR_MAX];

	sl_config_init(&c);
	memset(&none, 0, sizeof(none));
	CU_ASSERT_EQUAL_FATAL(sl_config_vip_add(&c, "web", A("198.18.100.1"),
						80, IPPROTO_TCP, err,
						sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(sl_config_backend_set(&c, "web", A("198.18.1.11"),
						    8080, 1, true, false, err,
						    sizeof(err)), 0);
	v = sl_config_vip_find(&c, "web");
	CU_ASSERT_EQUAL(v->health.type, SL_HEALTH_NONE);

	/* Only the fields named change. */
	memset(&h, 0, sizeof(h));
	h.type = SL_HEALTH_HTTP;
	h.interval_ms = 1;		/* not named: ignored */
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h, SL_HC_TYPE, err,
					     sizeof(err)), 0);
	CU_ASSERT_EQUAL(v->health.type, SL_HEALTH_HTTP);
	CU_ASSERT_EQUAL(v->health.interval_ms, 1000);
	CU_ASSERT_STRING_EQUAL(v->health.path, "/");
	snprintf(h.path, sizeof(h.path), "/up");
	h.status = 204;
	h.interval_ms = 300;
	h.timeout_ms = 100;
	h.rise = 4;
	h.fall = 1;
	h.port = 9000;
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h, ~SL_HC_TYPE, err,
					     sizeof(err)), 0);
	CU_ASSERT_EQUAL(v->health.type, SL_HEALTH_HTTP);
	CU_ASSERT_STRING_EQUAL(v->health.path, "/up");
	CU_ASSERT_EQUAL(v->health.status, 204);
	CU_ASSERT_EQUAL(v->health.interval_ms, 300);
	CU_ASSERT_EQUAL(v->health.timeout_ms, 100);
	CU_ASSERT_EQUAL(v->health.rise, 4);
	CU_ASSERT_EQUAL(v->health.fall, 1);
	CU_ASSERT_EQUAL(v->health.port, 9000);

	/* Each bad field, and the whole: nothing changes. */
	h = v->health;
	h.status = 99;
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h, SL_HC_STATUS, err,
					     sizeof(err)), -ERANGE);
	CU_ASSERT_STRING_EQUAL(err,
		"VIP 'web': health status 99 out of range (100..599)");
	h = v->health;
	h.type = 3;
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h, SL_HC_TYPE, err,
					     sizeof(err)), -EINVAL);
	h = v->health;
	snprintf(h.path, sizeof(h.path), "nope");
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h, SL_HC_PATH, err,
					     sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad health path 'nope'"));
	h = v->health;
	h.interval_ms = 9;
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h, SL_HC_INTERVAL, err,
					     sizeof(err)), -ERANGE);
	h = v->health;
	h.timeout_ms = 5;
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h, SL_HC_TIMEOUT, err,
					     sizeof(err)), -ERANGE);
	h = v->health;
	h.rise = 0;
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h, SL_HC_RISE, err,
					     sizeof(err)), -ERANGE);
	h = v->health;
	h.fall = 101;
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h, SL_HC_FALL, err,
					     sizeof(err)), -ERANGE);
	CU_ASSERT_STRING_EQUAL(err,
		"VIP 'web': health rise and fall must be 1..100");
	h = v->health;
	h.interval_ms = 50;		/* below the timeout of 100 */
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h, SL_HC_INTERVAL, err,
					     sizeof(err)), -ERANGE);
	CU_ASSERT_STRING_EQUAL(err, "VIP 'web': health timeout 100 ms is "
			       "longer than the interval 50 ms");
	CU_ASSERT_EQUAL(v->health.interval_ms, 300);
	CU_ASSERT_EQUAL(v->health.rise, 4);
	/* timeout 0 is the default, which follows the interval */
	h.timeout_ms = 0;
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h,
					     SL_HC_INTERVAL | SL_HC_TIMEOUT,
					     err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_health_timeout_ms(&v->health), 50);
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "nope", &h, SL_HC_TYPE, err,
					     sizeof(err)), -ENOENT);
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", NULL, SL_HC_TYPE, err,
					     sizeof(err)), -EINVAL);

	/* Backends: off, health address, and back. */
	CU_ASSERT(sl_config_backend_checked(v, &v->backends[0]));
	v->backends[0].down = true;
	CU_ASSERT_EQUAL(sl_config_backend_health(&c, "web", A("198.18.1.11"),
						 8080, 0, NULL, err,
						 sizeof(err)), 0);
	CU_ASSERT(v->backends[0].health_off);
	CU_ASSERT(!v->backends[0].down);	/* unchecked: never down */
	CU_ASSERT(!sl_config_backend_checked(v, &v->backends[0]));
	CU_ASSERT_EQUAL(sl_config_backend_health(&c, "web", A("198.18.1.11"),
						 8080, -1, A("198.19.0.6"),
						 err, sizeof(err)), 0);
	CU_ASSERT(v->backends[0].health_off);
	CU_ASSERT(v->backends[0].has_health_addr);
	CU_ASSERT(addr_is(&v->backends[0].health_addr, "198.19.0.6"));
	CU_ASSERT_EQUAL(sl_config_backend_health(&c, "web", A("198.18.1.11"),
						 8080, 1, &none, err,
						 sizeof(err)), 0);
	CU_ASSERT(!v->backends[0].health_off);
	CU_ASSERT(!v->backends[0].has_health_addr);
	CU_ASSERT_EQUAL(sl_config_backend_health(&c, "web", A("198.18.1.11"),
						 8080, 1, A("224.0.0.1"), err,
						 sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "health address is not a unicast"));
	CU_ASSERT_EQUAL(sl_config_backend_health(&c, "web", A("198.18.1.11"),
						 8080, 2, NULL, err,
						 sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(sl_config_backend_health(&c, "web", A("198.18.1.12"),
						 8080, 0, NULL, err,
						 sizeof(err)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "VIP 'web': no backend 198.18.1.12:8080");
	CU_ASSERT_EQUAL(sl_config_backend_health(&c, "x", A("198.18.1.11"),
						 8080, 0, NULL, err,
						 sizeof(err)), -ENOENT);
	CU_ASSERT_EQUAL(sl_config_backend_health(&c, "web", NULL, 8080, 0,
						 NULL, err, sizeof(err)),
			-EINVAL);

	/* Turning the check off clears down. */
	v->backends[0].down = true;
	h.type = SL_HEALTH_NONE;
	CU_ASSERT_EQUAL(sl_config_vip_health(&c, "web", &h, SL_HC_TYPE, err,
					     sizeof(err)), 0);
	CU_ASSERT(!v->backends[0].down);
	CU_ASSERT(!sl_config_backend_checked(v, &v->backends[0]));
	sl_config_free(&c);
}

static void
test_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[512], err[SL_ERR_MAX], want[600];
	struct sl_config c;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/sl-test-config-XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(demo_ini, f);
	fclose(f);
	CU_ASSERT_EQUAL(sl_config_load(path, &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.path, path);
	CU_ASSERT_EQUAL(c.nb_vips, 3);
	CU_ASSERT_EQUAL(c.vips[2].nb_backends, 1);
	sl_config_free(&c);

	/* An error names the file and the line. */
	f = fopen(path, "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("backend = 198.18.1.300:80\n", f);	/* line 43 */
	fclose(f);
	CU_ASSERT_EQUAL(sl_config_load(path, &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:43: [vip.dns] backend '198.18.1.300:80': bad address", path);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT(is_init_state(&c));

	/* A NUL byte in the file. */
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(BASE, f);
	fwrite("[dataplane]\nmemory = 2\0" "56\n", 1, 26, f);
	fclose(f);
	CU_ASSERT_EQUAL(sl_config_load(path, &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:8: NUL character", path);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));

	unlink(path);
	CU_ASSERT_EQUAL(sl_config_load(path, &c, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: ", path);
	CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
	CU_ASSERT(is_init_state(&c));
	sl_config_free(&c);
}

static void
test_metrics(void)
{
	struct sl_config c;
	char err[SL_ERR_MAX];

	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(BASE, FILE_NAME, &c, err,
						    sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.metrics_port, 0);	/* off by default */
	sl_config_free(&c);
	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(
		BASE "[control]\nmetrics = 9464\n", FILE_NAME, &c, err,
		sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.metrics_port, 9464);
	CU_ASSERT(addr_is(&c.metrics_addr, "127.0.0.1"));
	sl_config_free(&c);
	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(
		BASE "[control]\nmetrics = [::1]:9100\n", FILE_NAME, &c, err,
		sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.metrics_port, 9100);
	CU_ASSERT(addr_is(&c.metrics_addr, "::1"));
	sl_config_free(&c);
	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(
		BASE "[control]\nmetrics = off\n", FILE_NAME, &c, err,
		sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.metrics_port, 0);
	sl_config_free(&c);
	ERR(BASE "[control]\nmetrics = 70000\n", -EINVAL, 8, "metrics");
	ERR(BASE "[control]\nmetrics = localhost:80\n", -EINVAL, 8,
	    "want off, a port, or ADDR:PORT");
}

/* ------------------------------------------------------------------ */
/* Edge policy (issue 5)                                                */
/* ------------------------------------------------------------------ */

/* Loads text and checks the code and the whole message. */
static void
check_err_exact(int src_line, const char *text, int rc, const char *want)
{
	char err[SL_ERR_MAX];
	struct sl_config c;
	int r;

	memset(err, 0, sizeof(err));
	r = sl_config_load_string(text, FILE_NAME, &c, err, sizeof(err));
	if (r != rc || strcmp(err, want) != 0)
		printf("\n    case at line %d: want %d '%s', got %d '%s'\n",
		       src_line, rc, want, r, err);
	CU_ASSERT_EQUAL(r, rc);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT(is_init_state(&c));
	sl_config_free(&c);
}

#define ERRX(text, rc, want) check_err_exact(__LINE__, text, rc, want)

static void
load_ok(const char *text, struct sl_config *c)
{
	char err[SL_ERR_MAX] = "";
	int rc = sl_config_load_string(text, FILE_NAME, c, err, sizeof(err));

	if (rc != 0)
		printf("\n    unexpected error %d: %s\n", rc, err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static bool
rule_is(const struct sl_acl_rule *r, uint8_t action, const char *pfx,
	uint8_t plen, uint16_t id, unsigned int line)
{
	return r->action == action && addr_is(&r->src, pfx) &&
	       r->plen == plen && r->id == id && r->line == line;
}

static void
test_policy_defaults(void)
{
	struct sl_vip_policy p;
	struct sl_config c;

	memset(&p, 0xa5, sizeof(p));
	sl_vip_policy_init(&p);
	CU_ASSERT_PTR_NULL(p.acl);
	CU_ASSERT_EQUAL(p.nb_acl, 0);
	CU_ASSERT_EQUAL(p.cap_acl, 0);
	CU_ASSERT_EQUAL(p.deny_reply, SL_DENY_DROP);
	CU_ASSERT_EQUAL(p.conn.rate, 0);
	CU_ASSERT_EQUAL(p.conn.burst, 0);
	CU_ASSERT_EQUAL(p.pps.rate, 0);
	CU_ASSERT_EQUAL(p.pps.burst, 0);
	CU_ASSERT_EQUAL(p.client_conn.rate, 0);
	CU_ASSERT_EQUAL(p.client_conn.burst, 0);
	CU_ASSERT_EQUAL(p.client_plen4, 32);
	CU_ASSERT_EQUAL(p.client_plen6, 128);
	CU_ASSERT_EQUAL(p.synproxy, SL_SYNPROXY_OFF);
	CU_ASSERT_EQUAL(p.synproxy_wscale, 7);
	CU_ASSERT_EQUAL(p.synproxy_threshold, 1000);
	CU_ASSERT_FALSE(p.proxy_protocol);

	/* A VIP from a file without policy keys has the same. */
	load_ok(BASE VIP4("v", "80"), &c);
	CU_ASSERT(memcmp(&c.vips[0].policy, &p, sizeof(p)) == 0);
	CU_ASSERT_EQUAL(c.dp.rl_clients, 65536);
	CU_ASSERT_FALSE(c.dp.has_cookie_secret);
	CU_ASSERT_PTR_NULL(c.acl);
	CU_ASSERT_EQUAL(c.nb_acl, 0);
	sl_config_free(&c);
}

static void
test_policy_names(void)
{
	CU_ASSERT_EQUAL(sl_acl_action_parse("allow"), SL_ACL_ALLOW);
	CU_ASSERT_EQUAL(sl_acl_action_parse("deny"), SL_ACL_DENY);
	CU_ASSERT_EQUAL(sl_acl_action_parse("Allow"), -EINVAL);
	CU_ASSERT_EQUAL(sl_acl_action_parse(NULL), -EINVAL);
	CU_ASSERT_STRING_EQUAL(sl_acl_action_name(SL_ACL_DENY), "deny");
	CU_ASSERT_STRING_EQUAL(sl_acl_action_name(2), "?");
	CU_ASSERT_EQUAL(sl_deny_reply_parse("drop"), SL_DENY_DROP);
	CU_ASSERT_EQUAL(sl_deny_reply_parse("rst"), SL_DENY_RST);
	CU_ASSERT_EQUAL(sl_deny_reply_parse("icmp"), SL_DENY_ICMP);
	CU_ASSERT_EQUAL(sl_deny_reply_parse("reject"), -EINVAL);
	CU_ASSERT_STRING_EQUAL(sl_deny_reply_name(SL_DENY_ICMP), "icmp");
	CU_ASSERT_STRING_EQUAL(sl_deny_reply_name(3), "?");
	CU_ASSERT_EQUAL(sl_synproxy_parse("off"), SL_SYNPROXY_OFF);
	CU_ASSERT_EQUAL(sl_synproxy_parse("on"), SL_SYNPROXY_ON);
	CU_ASSERT_EQUAL(sl_synproxy_parse("auto"), SL_SYNPROXY_AUTO);
	CU_ASSERT_EQUAL(sl_synproxy_parse(""), -EINVAL);
	CU_ASSERT_STRING_EQUAL(sl_synproxy_name(SL_SYNPROXY_AUTO), "auto");
	CU_ASSERT_STRING_EQUAL(sl_synproxy_name(9), "?");
	CU_ASSERT_STRING_EQUAL(sl_vip_policy_key(SL_POL_DENY_REPLY),
			       "deny_reply");
	CU_ASSERT_STRING_EQUAL(sl_vip_policy_key(SL_POL_CLIENT_BURST),
			       "client_conn_burst");
	CU_ASSERT_STRING_EQUAL(sl_vip_policy_key(SL_POL_PROXY_PROTOCOL),
			       "proxy_protocol");
	CU_ASSERT_STRING_EQUAL(sl_vip_policy_key(0), "?");
	CU_ASSERT_STRING_EQUAL(sl_vip_policy_key(SL_POL_CONN_RATE |
						 SL_POL_PPS), "?");
	CU_ASSERT_STRING_EQUAL(sl_vip_policy_key(1u << SL_POL_NB_KEYS), "?");
	CU_ASSERT(sl_vip_policy_numeric(SL_POL_PPS));
	CU_ASSERT_FALSE(sl_vip_policy_numeric(SL_POL_SYNPROXY));
}

static const char policy_ini[] =
	BASE
	"[vip.web]\n"					/* 7 */
	"address = 198.18.100.1\n"
	"port = 443\n"
	"proto = tcp\n"					/* 10 */
	"allow = 198.18.0.0/15\n"
	"deny = 198.18.7.0/24\n"
	"allow = 198.18.9.9\n"
	"deny_reply = icmp\n"
	"conn_rate = 5000\n"				/* 15 */
	"conn_burst = 10000\n"
	"pps = 1000000\n"
	"pps_burst = 0\n"
	"client_conn_rate = 20\n"
	"client_conn_burst = 40\n"			/* 20 */
	"client_prefix4 = 24\n"
	"client_prefix6 = 0\n"
	"syn_proxy = auto\n"
	"syn_proxy_threshold = 1\n"
	"syn_proxy_wscale = 14\n"			/* 25 */
	"proxy_protocol = v2\n"
	"[acl]\n"
	"deny = 198.18.66.0/24\n"
	"allow = 2001:db8:66::/48\n"
	"deny = 0.0.0.0/0\n"				/* 30 */
	"[vip.web6]\n"
	"deny = 2001:db8:bad::/48\n"	/* before the address: kept */
	"address = 2001:db8:100::1\n"
	"port = 443\n"
	"proto = tcp\n"					/* 35 */
	"syn_proxy = on\n"
	"deny_reply = rst\n"
	"client_prefix6 = 64\n"
	"[vip.dns]\n"
	"address = 198.18.100.53\n"			/* 40 */
	"port = 53\n"
	"proto = udp\n"
	"proxy_protocol = off\n"
	"syn_proxy = off\n"
	"[dataplane]\n"					/* 45 */
	"rate_clients = 64\n"
	"syncookie_secret = 00112233445566778899aAbBcCdDeEfF\n";

static void
test_policy_keys(void)
{
	static const uint8_t secret[16] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};
	const struct sl_vip_policy *p;
	struct sl_config c;

	load_ok(policy_ini, &c);
	CU_ASSERT_EQUAL_FATAL(c.nb_vips, 3);
	p = &c.vips[0].policy;
	CU_ASSERT_EQUAL_FATAL(p->nb_acl, 3);
	/* VIP rules get ids when the section ends, after [acl]'s? No: the
	 * [vip.web] section ends at [acl], so its rules come first. */
	CU_ASSERT(rule_is(&p->acl[0], SL_ACL_ALLOW, "198.18.0.0", 15, 1, 11));
	CU_ASSERT(rule_is(&p->acl[1], SL_ACL_DENY, "198.18.7.0", 24, 2, 12));
	CU_ASSERT(rule_is(&p->acl[2], SL_ACL_ALLOW, "198.18.9.9", 32, 3, 13));
	CU_ASSERT_EQUAL(p->deny_reply, SL_DENY_ICMP);
	CU_ASSERT_EQUAL(p->conn.rate, 5000);
	CU_ASSERT_EQUAL(p->conn.burst, 10000);
	CU_ASSERT_EQUAL(p->pps.rate, 1000000);
	CU_ASSERT_EQUAL(p->pps.burst, 0);
	CU_ASSERT_EQUAL(p->client_conn.rate, 20);
	CU_ASSERT_EQUAL(p->client_conn.burst, 40);
	CU_ASSERT_EQUAL(p->client_plen4, 24);
	CU_ASSERT_EQUAL(p->client_plen6, 0);
	CU_ASSERT_EQUAL(p->synproxy, SL_SYNPROXY_AUTO);
	CU_ASSERT_EQUAL(p->synproxy_threshold, 1);
	CU_ASSERT_EQUAL(p->synproxy_wscale, 14);
	CU_ASSERT(p->proxy_protocol);

	CU_ASSERT_EQUAL_FATAL(c.nb_acl, 3);
	CU_ASSERT(rule_is(&c.acl[0], SL_ACL_DENY, "198.18.66.0", 24, 4, 28));
	CU_ASSERT(rule_is(&c.acl[1], SL_ACL_ALLOW, "2001:db8:66::", 48, 5, 29));
	CU_ASSERT(rule_is(&c.acl[2], SL_ACL_DENY, "0.0.0.0", 0, 6, 30));

	p = &c.vips[1].policy;
	CU_ASSERT_EQUAL_FATAL(p->nb_acl, 1);
	CU_ASSERT(rule_is(&p->acl[0], SL_ACL_DENY, "2001:db8:bad::", 48, 7, 32));
	CU_ASSERT_EQUAL(p->synproxy, SL_SYNPROXY_ON);
	CU_ASSERT_EQUAL(p->deny_reply, SL_DENY_RST);
	CU_ASSERT_EQUAL(p->client_plen6, 64);
	CU_ASSERT_EQUAL(p->client_plen4, 32);		/* default */
	CU_ASSERT_EQUAL(p->synproxy_threshold, 1000);	/* default */
	CU_ASSERT_FALSE(p->proxy_protocol);

	/* off is fine on UDP */
	p = &c.vips[2].policy;
	CU_ASSERT_EQUAL(p->nb_acl, 0);
	CU_ASSERT_PTR_NULL(p->acl);
	CU_ASSERT_FALSE(p->proxy_protocol);
	CU_ASSERT_EQUAL(p->synproxy, SL_SYNPROXY_OFF);

	CU_ASSERT_EQUAL(c.dp.rl_clients, 64);
	CU_ASSERT(c.dp.has_cookie_secret);
	CU_ASSERT(memcmp(c.dp.cookie_secret, secret, 16) == 0);
	sl_config_free(&c);

	load_ok(BASE "[dataplane]\nrate_clients = 16777216\n"
		"[acl]\n" VIP4("v", "80") "deny = 198.18.0.0/16\n", &c);
	CU_ASSERT_EQUAL(c.dp.rl_clients, 16777216);
	CU_ASSERT_EQUAL(c.nb_acl, 0);		/* an empty [acl] */
	CU_ASSERT(rule_is(&c.vips[0].policy.acl[0], SL_ACL_DENY, "198.18.0.0",
			  16, 1, 14));
	sl_config_free(&c);
}

static void
test_err_policy(void)
{
	ERRX(BASE VIP4("v", "80") "conn_rate = x\n", -EINVAL,
	     "t.ini:11: [vip.v] conn_rate 'x': not a number");
	ERRX(BASE VIP4("v", "80") "conn_rate = -1\n", -EINVAL,
	     "t.ini:11: [vip.v] conn_rate '-1': not a number");
	ERRX(BASE VIP4("v", "80") "conn_rate = 1000000001\n", -ERANGE,
	     "t.ini:11: [vip.v] conn_rate '1000000001': out of range "
	     "(0..1000000000)");
	ERRX(BASE VIP4("v", "80") "conn_burst = 1e3\n", -EINVAL,
	     "t.ini:11: [vip.v] conn_burst '1e3': not a number");
	ERRX(BASE VIP4("v", "80") "pps = 99999999999\n", -ERANGE,
	     "t.ini:11: [vip.v] pps '99999999999': out of range "
	     "(0..1000000000)");
	ERRX(BASE VIP4("v", "80") "pps_burst =\n", -EINVAL,
	     "t.ini:11: [vip.v] pps_burst '': not a number");
	ERRX(BASE VIP4("v", "80") "client_conn_rate = 5/s\n", -EINVAL,
	     "t.ini:11: [vip.v] client_conn_rate '5/s': not a number");
	ERRX(BASE VIP4("v", "80") "client_conn_burst = 2000000000\n", -ERANGE,
	     "t.ini:11: [vip.v] client_conn_burst '2000000000': out of range "
	     "(0..1000000000)");
	ERRX(BASE VIP4("v", "80") "client_prefix4 = 33\n", -ERANGE,
	     "t.ini:11: [vip.v] client_prefix4 '33': out of range (0..32)");
	ERRX(BASE VIP4("v", "80") "client_prefix6 = 129\n", -ERANGE,
	     "t.ini:11: [vip.v] client_prefix6 '129': out of range (0..128)");
	ERRX(BASE VIP4("v", "80") "client_prefix6 = /64\n", -EINVAL,
	     "t.ini:11: [vip.v] client_prefix6 '/64': not a number");
	ERRX(BASE VIP4("v", "80") "deny_reply = reject\n", -EINVAL,
	     "t.ini:11: [vip.v] deny_reply 'reject': expected drop, rst or "
	     "icmp");
	ERRX(BASE VIP4("v", "80") "deny_reply = RST\n", -EINVAL,
	     "t.ini:11: [vip.v] deny_reply 'RST': expected drop, rst or icmp");
	ERRX(BASE VIP4("v", "80") "syn_proxy = yes\n", -EINVAL,
	     "t.ini:11: [vip.v] syn_proxy 'yes': expected off, on or auto");
	ERRX(BASE VIP4("v", "80") "syn_proxy_threshold = 0\n", -ERANGE,
	     "t.ini:11: [vip.v] syn_proxy_threshold '0': out of range "
	     "(1..1000000000)");
	ERRX(BASE VIP4("v", "80") "syn_proxy_wscale = 15\n", -ERANGE,
	     "t.ini:11: [vip.v] syn_proxy_wscale '15': out of range (0..14)");
	ERRX(BASE VIP4("v", "80") "proxy_protocol = v1\n", -EINVAL,
	     "t.ini:11: [vip.v] proxy_protocol 'v1': expected off or v2");
	ERRX(BASE VIP4("v", "80") "proxy_protocol = on\n", -EINVAL,
	     "t.ini:11: [vip.v] proxy_protocol 'on': expected off or v2");
	ERRX(BASE VIP4("v", "80") "conn_rate = 1\nconn_rate = 2\n", -EEXIST,
	     "t.ini:12: [vip.v] duplicate key 'conn_rate' (first on line 11)");
	/* TCP only, wherever the key is in the section */
	ERRX(BASE "[vip.d]\naddress = 198.18.100.1\nport = 53\nproto = udp\n"
	     "proxy_protocol = v2\n", -EINVAL,
	     "t.ini:11: [vip.d] VIP 'd': proxy_protocol v2 is for TCP VIPs "
	     "(this one is udp)");
	ERRX(BASE "[vip.d]\nproxy_protocol = v2\naddress = 198.18.100.1\n"
	     "port = 53\nproto = udp\nbackend = 198.18.0.9:53\n", -EINVAL,
	     "t.ini:8: [vip.d] VIP 'd': proxy_protocol v2 is for TCP VIPs "
	     "(this one is udp)");
	ERRX(BASE "[vip.d]\naddress = 198.18.100.1\nport = 53\nproto = udp\n"
	     "conn_rate = 5\nsyn_proxy = auto\n", -EINVAL,
	     "t.ini:12: [vip.d] VIP 'd': syn_proxy is for TCP VIPs "
	     "(this one is udp)");
	/* [dataplane] */
	ERRX(BASE "[dataplane]\nrate_clients = 63\n", -ERANGE,
	     "t.ini:8: [dataplane] rate_clients '63': out of range "
	     "(64..16777216)");
	ERRX(BASE "[dataplane]\nrate_clients = 16777217\n", -ERANGE,
	     "t.ini:8: [dataplane] rate_clients '16777217': out of range "
	     "(64..16777216)");
	ERRX(BASE "[dataplane]\nrate_clients = many\n", -EINVAL,
	     "t.ini:8: [dataplane] rate_clients 'many': not a number");
	ERRX(BASE "[dataplane]\nsyncookie_secret = 0123\n", -EINVAL,
	     "t.ini:8: [dataplane] syncookie_secret '0123': expected 32 hex "
	     "digits");
	ERRX(BASE "[dataplane]\nsyncookie_secret = "
	     "00112233445566778899aabbccddeeff0\n", -EINVAL,
	     "t.ini:8: [dataplane] syncookie_secret "
	     "'00112233445566778899aabbccddeeff0': expected 32 hex digits");
	ERRX(BASE "[dataplane]\nsyncookie_secret = "
	     "00112233445566778899aabbccddeefg\n", -EINVAL,
	     "t.ini:8: [dataplane] syncookie_secret "
	     "'00112233445566778899aabbccddeefg': expected 32 hex digits, "
	     "not 'g'");
}

static void
test_err_acl(void)
{
	ERRX(BASE VIP4("v", "80") "allow = 198.18.0.1/24\n", -EINVAL,
	     "t.ini:11: [vip.v] allow '198.18.0.1/24': host bits set beyond "
	     "/24 (did you mean 198.18.0.0/24?)");
	ERRX(BASE VIP4("v", "80") "deny = 198.18.0.0/33\n", -EINVAL,
	     "t.ini:11: [vip.v] deny '198.18.0.0/33': not an address/prefix "
	     "(want e.g. 198.18.0.0/15 or 2001:db8::/32)");
	ERRX(BASE VIP4("v", "80") "deny = any\n", -EINVAL,
	     "t.ini:11: [vip.v] deny 'any': not an address/prefix "
	     "(want e.g. 198.18.0.0/15 or 2001:db8::/32)");
	ERRX(BASE VIP4("v", "80") "deny =\n", -EINVAL,
	     "t.ini:11: [vip.v] deny '': not an address/prefix "
	     "(want e.g. 198.18.0.0/15 or 2001:db8::/32)");
	ERRX(BASE VIP4("v", "80") "deny = 198.18.0.0/16 198.19.0.0/16\n",
	     -EINVAL, "t.ini:11: [vip.v] deny '198.18.0.0/16 198.19.0.0/16': "
	     "not an address/prefix (want e.g. 198.18.0.0/15 or "
	     "2001:db8::/32)");
	ERRX(BASE "[acl]\nallow = 2001:db8::1/32\n", -EINVAL,
	     "t.ini:8: [acl] allow '2001:db8::1/32': host bits set beyond /32 "
	     "(did you mean 2001:db8::/32?)");
	/* a rule of the other family never matches */
	ERRX(BASE VIP4("v", "80") "allow = 198.18.0.0/16\n"
	     "deny = 2001:db8::/32\n", -EAFNOSUPPORT,
	     "t.ini:12: [vip.v] VIP 'v' is IPv4: rule 2001:db8::/32 never "
	     "matches (an IPv4 VIP only sees IPv4 clients)");
	ERRX(BASE "[vip.v6]\nallow = 198.18.0.0/15\naddress = 2001:db8:100::1\n"
	     "port = 80\nproto = tcp\n", -EAFNOSUPPORT,
	     "t.ini:8: [vip.v6] VIP 'v6' is IPv6: rule 198.18.0.0/15 never "
	     "matches (an IPv6 VIP only sees IPv6 clients)");
	/* duplicates: the same prefix in the same list, whatever the action */
	ERRX(BASE VIP4("v", "80") "allow = 198.18.0.0/16\n"
	     "deny = 198.18.0.0/16\n", -EEXIST,
	     "t.ini:12: [vip.v] VIP 'v': duplicate rule for 198.18.0.0/16 "
	     "(first on line 11)");
	ERRX(BASE VIP4("v", "80") "allow = 198.18.0.7\n"
	     "backend = 198.18.0.9:80\nallow = 198.18.0.7/32\n", -EEXIST,
	     "t.ini:13: [vip.v] VIP 'v': duplicate rule for 198.18.0.7/32 "
	     "(first on line 11)");
	ERRX(BASE "[acl]\nallow = 198.18.0.0/16\ndeny = 198.18.0.0/16\n",
	     -EEXIST, "t.ini:9: [acl] global: duplicate rule for "
	     "198.18.0.0/16 (first on line 8)");
	ERRX(BASE "[acl]\n[acl]\n", -EEXIST,
	     "t.ini:8: duplicate section [acl] (first on line 7)");
	ERRX(BASE "[acl]\nconn_rate = 5\n", -EINVAL,
	     "t.ini:8: [acl] unknown key 'conn_rate'");
	ERRX(BASE "[acl]\nallow = 198.18.0.0/16\n[acl.x]\n", -EINVAL,
	     "t.ini:9: unknown section [acl.x]");
}

/* The same prefix in different lists, and a global rule of each family. */
static void
test_acl_lists(void)
{
	struct sl_config c;

	load_ok(BASE "[acl]\nallow = 198.18.0.0/16\nallow = 2001:db8::/32\n"
		VIP4("a", "80") "deny = 198.18.0.0/16\n"
		VIP4("b", "81") "allow = 198.18.0.0/16\n", &c);
	CU_ASSERT_EQUAL(c.nb_acl, 2);
	CU_ASSERT(rule_is(&c.vips[0].policy.acl[0], SL_ACL_DENY, "198.18.0.0",
			  16, 3, 14));
	CU_ASSERT(rule_is(&c.vips[1].policy.acl[0], SL_ACL_ALLOW,
			  "198.18.0.0", 16, 4, 19));
	sl_config_free(&c);
}

static void
test_core_acl(void)
{
	struct sl_acl_rule *r;
	struct sl_config c;
	char err[SL_ERR_MAX];
	uint32_t nb = 99;

	sl_config_init(&c);
	CU_ASSERT_EQUAL_FATAL(sl_config_vip_add(&c, "a", A("198.18.100.1"), 80,
						IPPROTO_TCP, err,
						sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(sl_config_vip_add(&c, "b", A("2001:db8:100::1"),
						80, IPPROTO_TCP, err,
						sizeof(err)), 0);
	/* ids 1, 2, 3 in order over lists */
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, "a", SL_ACL_ALLOW,
					  A("198.18.0.0"), 15, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, NULL, SL_ACL_DENY,
					  A("198.18.5.0"), 24, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, "b", SL_ACL_DENY,
					  A("2001:db8:5::"), 48, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, "a", SL_ACL_DENY,
					  A("198.18.0.0"), 16, err,
					  sizeof(err)), 0);
	r = sl_config_acl_list(&c, "a", &nb);
	CU_ASSERT_EQUAL_FATAL(nb, 2);
	CU_ASSERT(rule_is(&r[0], SL_ACL_ALLOW, "198.18.0.0", 15, 1, 0));
	CU_ASSERT(rule_is(&r[1], SL_ACL_DENY, "198.18.0.0", 16, 4, 0));
	r = sl_config_acl_list(&c, NULL, &nb);
	CU_ASSERT_EQUAL(nb, 1);
	CU_ASSERT(rule_is(&r[0], SL_ACL_DENY, "198.18.5.0", 24, 2, 0));
	CU_ASSERT(sl_config_acl_list(&c, "b", &nb) == c.vips[1].policy.acl);
	CU_ASSERT_EQUAL(nb, 1);
	CU_ASSERT_PTR_NULL(sl_config_acl_list(&c, "zz", &nb));

	/* errors */
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, "a", SL_ACL_ALLOW,
					  A("198.18.0.0"), 16, err,
					  sizeof(err)), -EEXIST);
	CU_ASSERT_STRING_EQUAL(err, "VIP 'a': duplicate rule for "
			       "198.18.0.0/16 (rule 4)");
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, NULL, SL_ACL_ALLOW,
					  A("198.18.5.0"), 24, err,
					  sizeof(err)), -EEXIST);
	CU_ASSERT_STRING_EQUAL(err, "global: duplicate rule for "
			       "198.18.5.0/24 (rule 2)");
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, "a", SL_ACL_ALLOW,
					  A("198.18.0.1"), 16, err,
					  sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "VIP 'a': rule 198.18.0.1/16 has host "
			       "bits set");
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, "a", SL_ACL_ALLOW,
					  A("198.18.0.0"), 33, err,
					  sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "VIP 'a': bad rule prefix");
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, "a", 2, A("198.18.0.0"), 24,
					  err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "VIP 'a': bad rule action 2");
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, "b", SL_ACL_ALLOW,
					  A("198.18.0.0"), 24, err,
					  sizeof(err)), -EAFNOSUPPORT);
	CU_ASSERT_STRING_EQUAL(err, "VIP 'b' is IPv6: rule 198.18.0.0/24 "
			       "never matches (an IPv6 VIP only sees IPv6 "
			       "clients)");
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, "zz", SL_ACL_ALLOW,
					  A("198.18.0.0"), 24, err,
					  sizeof(err)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "no VIP 'zz'");
	CU_ASSERT_EQUAL(sl_config_acl_del(&c, "a", A("198.18.0.0"), 24, err,
					  sizeof(err)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "VIP 'a': no rule for 198.18.0.0/24");
	CU_ASSERT_EQUAL(sl_config_acl_del(&c, NULL, A("198.18.0.0"), 15, err,
					  sizeof(err)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "global: no rule for 198.18.0.0/15");
	CU_ASSERT_EQUAL(sl_config_acl_del(&c, "zz", A("198.18.0.0"), 15, err,
					  sizeof(err)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "no VIP 'zz'");
	CU_ASSERT_EQUAL(c.vips[0].policy.nb_acl, 2);	/* unchanged */

	/* delete keeps the others' ids and order; the lowest id is reused */
	CU_ASSERT_EQUAL(sl_config_acl_del(&c, "a", A("198.18.0.0"), 15, err,
					  sizeof(err)), 0);
	r = sl_config_acl_list(&c, "a", &nb);
	CU_ASSERT_EQUAL_FATAL(nb, 1);
	CU_ASSERT(rule_is(&r[0], SL_ACL_DENY, "198.18.0.0", 16, 4, 0));
	CU_ASSERT_EQUAL(sl_config_acl_del(&c, NULL, A("198.18.5.0"), 24, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.nb_acl, 0);
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, "b", SL_ACL_ALLOW,
					  A("2001:db8::"), 32, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.vips[1].policy.acl[1].id, 1);
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, NULL, SL_ACL_ALLOW,
					  A("::"), 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.acl[0].id, 2);
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, NULL, SL_ACL_DENY,
					  A("0.0.0.0"), 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.acl[1].id, 5);		/* 3 and 4 are taken */

	/* a deleted VIP gives its ids back (a: 4) */
	CU_ASSERT_EQUAL(sl_config_vip_del(&c, "a", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, NULL, SL_ACL_DENY,
					  A("198.18.1.0"), 24, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.acl[2].id, 4);
	sl_config_free(&c);
	CU_ASSERT_PTR_NULL(c.acl);
	CU_ASSERT_EQUAL(c.nb_acl, 0);
}

/* Every id once, then -ENOSPC; one freed id is the next one used. */
static void
test_core_acl_full(void)
{
	struct sl_config c;
	char err[SL_ERR_MAX];
	struct sl_addr a;
	uint32_t i, n = 0;
	int rc = 0;

	sl_config_init(&c);
	CU_ASSERT_EQUAL_FATAL(sl_config_vip_add(&c, "a", A("198.18.100.1"), 80,
						IPPROTO_TCP, err,
						sizeof(err)), 0);
	addr(&a, "198.18.0.0");
	for (i = 0; i < SL_MAX_ACL_RULES - 1 && rc == 0; i++) {
		a.b[2] = (uint8_t)(i >> 8);
		a.b[3] = (uint8_t)i;
		rc = sl_config_acl_add(&c, i % 2 ? "a" : NULL, SL_ACL_DENY, &a,
				       32, err, sizeof(err));
		n += rc == 0;
	}
	CU_ASSERT_EQUAL(n, SL_MAX_ACL_RULES - 1);
	CU_ASSERT_EQUAL(c.nb_acl + c.vips[0].policy.nb_acl,
			SL_MAX_ACL_RULES - 1);
	/* ids in order of addition: global i even, VIP i odd */
	CU_ASSERT_EQUAL(c.acl[0].id, 1);
	CU_ASSERT_EQUAL(c.vips[0].policy.acl[0].id, 2);
	CU_ASSERT_EQUAL(c.acl[2047].id, 4095);
	a.b[1] = 19;
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, NULL, SL_ACL_DENY, &a, 32, err,
					  sizeof(err)), -ENOSPC);
	CU_ASSERT_STRING_EQUAL(err, "too many access rules (max 4095 over "
			       "all VIPs)");
	CU_ASSERT_EQUAL(sl_config_acl_del(&c, "a", &c.vips[0].policy.acl[5].src,
					  32, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_acl_add(&c, NULL, SL_ACL_DENY, &a, 32, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.acl[c.nb_acl - 1].id, 12);
	sl_config_free(&c);
}

static void
test_core_policy(void)
{
	struct sl_vip_policy val, before;
	struct sl_vip_conf *v;
	struct sl_config c;
	char err[SL_ERR_MAX];
	unsigned int set = 0;

	sl_config_init(&c);
	CU_ASSERT_EQUAL_FATAL(sl_config_vip_add(&c, "t", A("198.18.100.1"), 80,
						IPPROTO_TCP, err,
						sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(sl_config_vip_add(&c, "u", A("198.18.100.1"), 53,
						IPPROTO_UDP, err,
						sizeof(err)), 0);
	v = sl_config_vip_find(&c, "t");

	/* the parser: each key sets its field and bit only */
	memset(&val, 0, sizeof(val));
	CU_ASSERT_EQUAL(sl_vip_policy_parse("conn_rate", "300", &val, &set,
					    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_vip_policy_parse("syn_proxy", "auto", &val, &set,
					    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_vip_policy_parse("proxy_protocol", "v2", &val, &set,
					    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_vip_policy_parse("client_prefix6", "56", &val, &set,
					    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(set, SL_POL_CONN_RATE | SL_POL_SYNPROXY |
			SL_POL_PROXY_PROTOCOL | SL_POL_CLIENT_PLEN6);
	CU_ASSERT_EQUAL(val.conn.rate, 300);
	CU_ASSERT_EQUAL(val.synproxy, SL_SYNPROXY_AUTO);
	CU_ASSERT(val.proxy_protocol);
	CU_ASSERT_EQUAL(val.client_plen6, 56);
	CU_ASSERT_EQUAL(val.conn.burst, 0);
	CU_ASSERT_EQUAL(sl_vip_policy_parse("allow", "198.18.0.0/16", &val,
					    &set, err, sizeof(err)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "unknown policy key 'allow'");
	CU_ASSERT_EQUAL(sl_vip_policy_parse("pps", "1.5", &val, &set, err,
					    sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "not a number");
	CU_ASSERT_EQUAL(set, SL_POL_CONN_RATE | SL_POL_SYNPROXY |
			SL_POL_PROXY_PROTOCOL | SL_POL_CLIENT_PLEN6);

	/* only the named fields change */
	val.pps.rate = 77;		/* not named */
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "t", &val, set, err,
					     sizeof(err)), 0);
	CU_ASSERT_EQUAL(v->policy.conn.rate, 300);
	CU_ASSERT_EQUAL(v->policy.synproxy, SL_SYNPROXY_AUTO);
	CU_ASSERT(v->policy.proxy_protocol);
	CU_ASSERT_EQUAL(v->policy.client_plen6, 56);
	CU_ASSERT_EQUAL(v->policy.pps.rate, 0);
	CU_ASSERT_EQUAL(v->policy.client_plen4, 32);
	CU_ASSERT_EQUAL(v->policy.synproxy_threshold, 1000);

	/* each bad value is refused, and nothing changes */
	before = v->policy;
	val.deny_reply = 3;
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "t", &val, SL_POL_DENY_REPLY |
					     SL_POL_PPS, err, sizeof(err)),
			-ERANGE);
	CU_ASSERT_STRING_EQUAL(err, "VIP 't': deny_reply 3 out of range "
			       "(0..2)");
	val.synproxy_threshold = 0;
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "t", &val,
					     SL_POL_SYNPROXY_THRESHOLD, err,
					     sizeof(err)), -ERANGE);
	CU_ASSERT_STRING_EQUAL(err, "VIP 't': syn_proxy_threshold 0 out of "
			       "range (1..1000000000)");
	val.synproxy_wscale = 15;
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "t", &val,
					     SL_POL_SYNPROXY_WSCALE, err,
					     sizeof(err)), -ERANGE);
	val.client_plen4 = 33;
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "t", &val,
					     SL_POL_CLIENT_PLEN4, err,
					     sizeof(err)), -ERANGE);
	val.client_conn.burst = SL_POL_RATE_MAX + 1;
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "t", &val,
					     SL_POL_CLIENT_BURST, err,
					     sizeof(err)), -ERANGE);
	val.synproxy = 3;
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "t", &val, SL_POL_SYNPROXY,
					     err, sizeof(err)), -ERANGE);
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "t", &val, 1u << 13, err,
					     sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "t", NULL, SL_POL_PPS, err,
					     sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "x", &val, SL_POL_PPS, err,
					     sizeof(err)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "no VIP 'x'");
	CU_ASSERT(memcmp(&v->policy, &before, sizeof(before)) == 0);

	/* TCP only; off is fine on UDP */
	sl_vip_policy_init(&val);
	val.proxy_protocol = true;
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "u", &val,
					     SL_POL_PROXY_PROTOCOL, err,
					     sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "VIP 'u': proxy_protocol v2 is for TCP "
			       "VIPs (this one is udp)");
	val.synproxy = SL_SYNPROXY_ON;
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "u", &val, SL_POL_SYNPROXY,
					     err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "VIP 'u': syn_proxy is for TCP VIPs "
			       "(this one is udp)");
	val.synproxy = SL_SYNPROXY_OFF;
	val.proxy_protocol = false;
	val.pps.rate = 10;
	CU_ASSERT_EQUAL(sl_config_vip_policy(&c, "u", &val, SL_POL_ALL, err,
					     sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.vips[1].policy.pps.rate, 10);
	sl_config_free(&c);
}

static void
test_policy_fmt(void)
{
	static const char *const want[SL_POL_NB_KEYS] = {
		"icmp", "1", "2", "3", "4", "5", "6", "24", "48", "auto", "7",
		"9", "v2",
	};
	static const char *const want_def[SL_POL_NB_KEYS] = {
		"drop", "0", "0", "0", "0", "0", "0", "32", "128", "off",
		"1000", "7", "off",
	};
	struct sl_vip_policy p, q;
	unsigned int i, set = 0;
	char buf[32], err[SL_ERR_MAX];

	sl_vip_policy_init(&p);
	p.deny_reply = SL_DENY_ICMP;
	p.conn = (struct sl_rate){ 1, 2 };
	p.pps = (struct sl_rate){ 3, 4 };
	p.client_conn = (struct sl_rate){ 5, 6 };
	p.client_plen4 = 24;
	p.client_plen6 = 48;
	p.synproxy = SL_SYNPROXY_AUTO;
	p.synproxy_threshold = 7;
	p.synproxy_wscale = 9;
	p.proxy_protocol = true;
	/* format, then parse back: the same policy */
	sl_vip_policy_init(&q);
	for (i = 0; i < SL_POL_NB_KEYS; i++) {
		CU_ASSERT_STRING_EQUAL(sl_vip_policy_fmt(&p, 1u << i, buf,
							 sizeof(buf)), want[i]);
		CU_ASSERT_EQUAL(sl_vip_policy_parse(sl_vip_policy_key(1u << i),
						    buf, &q, &set, err,
						    sizeof(err)), 0);
	}
	CU_ASSERT_EQUAL(set, SL_POL_ALL);
	CU_ASSERT(memcmp(&p, &q, sizeof(p)) == 0);
	sl_vip_policy_init(&p);
	for (i = 0; i < SL_POL_NB_KEYS; i++)
		CU_ASSERT_STRING_EQUAL(sl_vip_policy_fmt(&p, 1u << i, buf,
							 sizeof(buf)),
				       want_def[i]);
}

static void
test_acl_prefix_parse(void)
{
	char err[SL_ERR_MAX];
	struct sl_addr a;
	uint8_t plen = 99;

	CU_ASSERT_EQUAL(sl_acl_prefix_parse("198.18.0.0/15", &a, &plen, err,
					    sizeof(err)), 0);
	CU_ASSERT(addr_is(&a, "198.18.0.0"));
	CU_ASSERT_EQUAL(plen, 15);
	CU_ASSERT_EQUAL(sl_acl_prefix_parse("2001:db8::7", &a, &plen, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL(plen, 128);
	CU_ASSERT_EQUAL(sl_acl_prefix_parse("::/0", &a, &plen, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL(plen, 0);
	CU_ASSERT_EQUAL(a.family, AF_INET6);
	CU_ASSERT_EQUAL(sl_acl_prefix_parse("2001:db8:ffff::/33", &a, &plen,
					    err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "host bits set beyond /33 (did you mean "
			       "2001:db8:8000::/33?)");
	CU_ASSERT_EQUAL(sl_acl_prefix_parse("198.18.0.0/", &a, &plen, err,
					    sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(sl_acl_prefix_parse("198.18.0.0/-1", &a, &plen, err,
					    sizeof(err)), -EINVAL);
}

/* Rules and policies are copied, not shared. */
static void
test_copy_policy(void)
{
	struct sl_config a, b;
	char err[SL_ERR_MAX];

	load_ok(policy_ini, &a);
	CU_ASSERT_EQUAL_FATAL(sl_config_copy(&b, &a), 0);
	CU_ASSERT_PTR_NOT_EQUAL(b.acl, a.acl);
	CU_ASSERT_PTR_NOT_EQUAL(b.vips[0].policy.acl, a.vips[0].policy.acl);
	CU_ASSERT_EQUAL(b.cap_acl, 3);
	CU_ASSERT_EQUAL(b.vips[0].policy.cap_acl, 3);
	CU_ASSERT(memcmp(b.acl, a.acl, 3 * sizeof(*a.acl)) == 0);
	CU_ASSERT(memcmp(&b.vips[1].policy.acl[0], &a.vips[1].policy.acl[0],
			 sizeof(struct sl_acl_rule)) == 0);
	CU_ASSERT_EQUAL(b.vips[0].policy.conn.rate, 5000);
	CU_ASSERT(b.dp.has_cookie_secret);
	CU_ASSERT(memcmp(b.dp.cookie_secret, a.dp.cookie_secret, 16) == 0);
	CU_ASSERT_PTR_NULL(b.vips[2].policy.acl);

	/* change the copy: add, delete, set; the original stays */
	b.vips[0].policy.acl[0].action = SL_ACL_DENY;
	CU_ASSERT_EQUAL(sl_config_acl_del(&b, NULL, A("198.18.66.0"), 24, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_acl_add(&b, "web", SL_ACL_DENY,
					  A("198.18.44.0"), 24, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_acl_add(&b, "dns", SL_ACL_DENY,
					  A("198.18.44.0"), 24, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_config_vip_del(&b, "web6", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a.nb_acl, 3);
	CU_ASSERT(rule_is(&a.acl[0], SL_ACL_DENY, "198.18.66.0", 24, 4, 28));
	CU_ASSERT_EQUAL(a.vips[0].policy.nb_acl, 3);
	CU_ASSERT_EQUAL(a.vips[0].policy.acl[0].action, SL_ACL_ALLOW);
	CU_ASSERT_EQUAL(a.vips[2].policy.nb_acl, 0);
	CU_ASSERT_EQUAL(a.vips[1].policy.nb_acl, 1);
	CU_ASSERT(rule_is(&a.vips[1].policy.acl[0], SL_ACL_DENY,
			  "2001:db8:bad::", 48, 7, 32));
	/* ids in the copy: 4 was freed, then 8 */
	CU_ASSERT_EQUAL(b.vips[0].policy.acl[3].id, 4);
	CU_ASSERT_EQUAL(b.vips[1].policy.acl[0].id, 8);	/* dns, now [1] */

	/* global rules without VIPs */
	sl_config_free(&b);
	sl_config_init(&b);
	CU_ASSERT_EQUAL(sl_config_acl_add(&b, NULL, SL_ACL_DENY,
					  A("198.18.0.0"), 16, err,
					  sizeof(err)), 0);
	sl_config_free(&a);
	CU_ASSERT_EQUAL_FATAL(sl_config_copy(&a, &b), 0);
	CU_ASSERT_EQUAL(a.nb_acl, 1);
	CU_ASSERT_PTR_NOT_EQUAL(a.acl, b.acl);
	CU_ASSERT_PTR_NULL(a.vips);
	sl_config_free(&a);
	sl_config_free(&b);
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "demo config, every field", test_demo },
		{ "defaults", test_defaults },
		{ "dataplane keys and timeouts", test_dataplane_keys },
		{ "comments, indentation, CRLF, BOM", test_syntax_ok },
		{ "errors: sections", test_err_sections },
		{ "errors: keys", test_err_keys },
		{ "errors: numbers", test_err_numbers },
		{ "errors: strings", test_err_strings },
		{ "errors: addresses", test_err_addresses },
		{ "errors: missing keys", test_err_missing },
		{ "errors: conflicts and duplicates", test_err_conflicts },
		{ "errors: whole-config checks", test_err_validate },
		{ "errors: long lines", test_err_lines },
		{ "errors: limits", test_err_limits },
		{ "core: vip add/set/del", test_core_vip },
		{ "core: VIP limit", test_core_vip_many },
		{ "core: backend add/update/del", test_core_backend },
		{ "core: names, table sizes, on_remove", test_core_misc },
		{ "validate", test_validate },
		{ "copy is deep", test_copy },
		{ "health check keys and defaults", test_health_keys },
		{ "errors: health check keys", test_err_health },
		{ "health check values", test_health_values },
		{ "core: health checks", test_core_health },
		{ "load from a file", test_file },
		{ "metrics listener", test_metrics },
		{ "policy: defaults", test_policy_defaults },
		{ "policy: keyword names", test_policy_names },
		{ "policy: every key from a file", test_policy_keys },
		{ "errors: policy keys", test_err_policy },
		{ "errors: access rules", test_err_acl },
		{ "acl: one prefix in several lists", test_acl_lists },
		{ "core: acl add/del, ids", test_core_acl },
		{ "core: acl ids run out", test_core_acl_full },
		{ "core: vip policy", test_core_policy },
		{ "policy: format and parse back", test_policy_fmt },
		{ "acl: prefix parser", test_acl_prefix_parse },
		{ "copy is deep: rules and policies", test_copy_policy },
	};

	return sl_test_run("config", tests,
			   sizeof(tests) / sizeof(tests[0]));
}
