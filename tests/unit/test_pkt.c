/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests: sl_pkt_parse() on well-formed frames, a crafted frame for
 * every parse drop reason, every truncation of valid frames, and a
 * deterministic fuzz loop. Every parse runs on a heap copy of exactly len
 * bytes, so that AddressSanitizer catches any read past the end.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "sl_test.h"
#include <CUnit/CUnit.h>

#include "sl_bytes.h"
#include "sl_common.h"
#include "sl_csum.h"
#include "sl_pkt.h"

#define MAX_FRAME	2048

/* --- frame builder --- */

static const uint8_t v4_src[4] = { 203, 0, 113, 7 };
static const uint8_t v4_dst[4] = { 198, 18, 0, 1 };
static const uint8_t v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
static const uint8_t v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1,
				    [15] = 0x80 };
#define SPORT		40000
#define DPORT		80
#define ICMP_ID		0x1234

struct spec {
	int family;		/* AF_INET, AF_INET6 */
	uint8_t proto;
	bool vlan;
	uint16_t tci;
	unsigned int ip_opt;	/* IPv4 option bytes, multiple of 4 */
	unsigned int tcp_opt;	/* TCP option bytes, multiple of 4 */
	unsigned int payload;	/* L4 payload bytes */
	unsigned int pad;	/* bytes after the IP length */
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint8_t icmp_code;
};

/* Where things went in a built frame. */
struct built {
	uint32_t len;		/* whole frame, padding included */
	uint32_t ip_end;	/* l3_off + IP total length */
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t l3_len;
	uint16_t l4_len;
};

static uint32_t
build_eth(uint8_t *b, bool vlan, uint16_t tci, uint16_t ethertype)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2,
	};

	memcpy(b, macs, 12);
	if (!vlan) {
		sl_wr16(b + 12, ethertype);
		return SL_ETH_HLEN;
	}
	sl_wr16(b + 12, SL_ETHERTYPE_VLAN);
	sl_wr16(b + 14, tci);
	sl_wr16(b + 16, ethertype);
	return SL_ETH_HLEN + 4;
}

/* L4 header and payload at l4; returns the L4 length. */
static uint32_t
build_l4(uint8_t *l4, const struct spec *sp)
{
	uint32_t hlen, i;

	switch (sp->proto) {
	case IPPROTO_TCP:
		hlen = 20 + sp->tcp_opt;
		sl_wr16(l4, SPORT);
		sl_wr16(l4 + 2, DPORT);
		sl_wr32(l4 + 4, 0x01020304);
		sl_wr32(l4 + 8, 0xa0b0c0d0);
		l4[12] = (uint8_t)((hlen / 4) << 4);
		l4[13] = sp->tcp_flags;
		sl_wr16(l4 + 14, 65535);
		sl_wr16(l4 + 16, 0);
		sl_wr16(l4 + 18, 0);
		memset(l4 + 20, 1, sp->tcp_opt);	/* NOPs */
		break;
	case IPPROTO_UDP:
		hlen = 8;
		sl_wr16(l4, SPORT);
		sl_wr16(l4 + 2, DPORT);
		sl_wr16(l4 + 4, (uint16_t)(8 + sp->payload));
		sl_wr16(l4 + 6, 0);
		break;
	default:	/* ICMP, ICMPv6, or anything: an 8-byte header */
		hlen = 8;
		l4[0] = sp->icmp_type;
		l4[1] = sp->icmp_code;
		sl_wr16(l4 + 2, 0);
		sl_wr16(l4 + 4, ICMP_ID);
		sl_wr16(l4 + 6, 1);
		break;
	}
	for (i = 0; i < sp->payload; i++)
		l4[hlen + i] = (uint8_t)(i * 7 + 3);
	return hlen + sp->payload;
}

static void
fill_l4_csum(int family, uint8_t *l3, uint8_t proto, uint8_t *l4,
	     uint32_t l4_len)
{
	uint16_t c;
	int off;

	if (proto == IPPROTO_TCP)
		off = 16;
	else if (proto == IPPROTO_UDP)
		off = 6;
	else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		off = 2;
	else
		return;
	c = sl_csum_l4(family, proto == IPPROTO_ICMP ? NULL : l3, proto, l4,
		       l4_len);
	memcpy(l4 + off, &c, 2);
}

static struct built
build(uint8_t *b, const struct spec *sp)
{
	struct built r;
	uint32_t l3, l4, hlen, l4_len;

	memset(b, 0, MAX_FRAME);
	l3 = build_eth(b, sp->vlan, sp->tci, sp->family == AF_INET ?
		       SL_ETHERTYPE_IPV4 : SL_ETHERTYPE_IPV6);
	if (sp->family == AF_INET) {
		uint16_t c;

		hlen = 20 + sp->ip_opt;
		l4 = l3 + hlen;
		l4_len = build_l4(b + l4, sp);
		b[l3] = (uint8_t)(0x40 | hlen / 4);
		sl_wr16(b + l3 + 2, (uint16_t)(hlen + l4_len));
		sl_wr16(b + l3 + 4, 0x1c46);
		sl_wr16(b + l3 + 6, 0x4000);	/* DF */
		b[l3 + 8] = 64;
		b[l3 + 9] = sp->proto;
		memcpy(b + l3 + 12, v4_src, 4);
		memcpy(b + l3 + 16, v4_dst, 4);
		memset(b + l3 + 20, 1, sp->ip_opt);	/* NOPs */
		c = sl_csum_ipv4_hdr(b + l3);
		memcpy(b + l3 + 10, &c, 2);
	} else {
		hlen = 40;
		l4 = l3 + hlen;
		l4_len = build_l4(b + l4, sp);
		sl_wr32(b + l3, 0x60012345);	/* flow label */
		sl_wr16(b + l3 + 4, (uint16_t)l4_len);
		b[l3 + 6] = sp->proto;
		b[l3 + 7] = 64;
		memcpy(b + l3 + 8, v6_src, 16);
		memcpy(b + l3 + 24, v6_dst, 16);
	}
	fill_l4_csum(sp->family, b + l3, sp->proto, b + l4, l4_len);

	r.l3_off = (uint16_t)l3;
	r.l4_off = (uint16_t)l4;
	r.l3_len = (uint16_t)(hlen + l4_len);
	r.l4_len = (uint16_t)l4_len;
	r.ip_end = l4 + l4_len;
	r.len = r.ip_end + sp->pad;	/* padding bytes are zero */
	return r;
}

static uint32_t
build_arp(uint8_t *b, bool vlan)
{
	uint32_t l3 = build_eth(b, vlan, 7, SL_ETHERTYPE_ARP);

	sl_wr16(b + l3, 1);			/* Ethernet */
	sl_wr16(b + l3 + 2, SL_ETHERTYPE_IPV4);
	b[l3 + 4] = 6;
	b[l3 + 5] = 4;
	sl_wr16(b + l3 + 6, 1);			/* request */
	memcpy(b + l3 + 8, "\x02\0\0\0\0\x02", 6);
	memcpy(b + l3 + 14, v4_src, 4);
	memset(b + l3 + 18, 0, 6);
	memcpy(b + l3 + 24, v4_dst, 4);
	return l3 + 28;
}

/* Parses a heap copy of exactly len bytes. pi is pre-filled with garbage:
 * the parser must set every byte itself. */
static enum sl_drop
parse(const uint8_t *b, uint32_t len, struct sl_pkt_info *pi)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum sl_drop r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	memcpy(copy, b, len);
	memset(pi, 0xa5, sizeof(*pi));
	r = sl_pkt_parse(copy, len, pi);
	free(copy);
	return r;
}

/* --- well-formed frames --- */

static void
check_key_v4(const struct sl_pkt_info *pi)
{
	static const uint8_t zero[12];

	CU_ASSERT_EQUAL(pi->key.family, AF_INET);
	CU_ASSERT_EQUAL(memcmp(pi->key.src, v4_src, 4), 0);
	CU_ASSERT_EQUAL(memcmp(pi->key.dst, v4_dst, 4), 0);
	CU_ASSERT_EQUAL(memcmp(&pi->key.src[1], zero, 12), 0);
	CU_ASSERT_EQUAL(memcmp(&pi->key.dst[1], zero, 12), 0);
	CU_ASSERT_EQUAL(pi->key.pad[0], 0);
	CU_ASSERT_EQUAL(pi->key.pad[1], 0);
}

static void
check_key_v6(const struct sl_pkt_info *pi)
{
	CU_ASSERT_EQUAL(pi->key.family, AF_INET6);
	CU_ASSERT_EQUAL(memcmp(pi->key.src, v6_src, 16), 0);
	CU_ASSERT_EQUAL(memcmp(pi->key.dst, v6_dst, 16), 0);
	CU_ASSERT_EQUAL(pi->key.pad[0], 0);
	CU_ASSERT_EQUAL(pi->key.pad[1], 0);
}

/* Checks everything the parser reports for a frame from build(). */
static void
check_good(const struct spec *sp)
{
	uint8_t b[MAX_FRAME];
	struct sl_pkt_info pi;
	struct built f = build(b, sp);

	CU_ASSERT_EQUAL_FATAL(parse(b, f.len, &pi), SL_DROP_NONE);
	CU_ASSERT_EQUAL(pi.ethertype, sp->family == AF_INET ?
			SL_ETHERTYPE_IPV4 : SL_ETHERTYPE_IPV6);
	CU_ASSERT_EQUAL(pi.has_vlan, sp->vlan ? 1 : 0);
	CU_ASSERT_EQUAL(pi.vlan_tci, sp->vlan ? sp->tci : 0);
	CU_ASSERT_EQUAL(pi.family, sp->family);
	CU_ASSERT_EQUAL(pi.proto, sp->proto);
	CU_ASSERT_EQUAL(pi.l3_off, f.l3_off);
	CU_ASSERT_EQUAL(pi.l4_off, f.l4_off);
	CU_ASSERT_EQUAL(pi.l3_len, f.l3_len);
	CU_ASSERT_EQUAL(pi.l4_len, f.l4_len);
	CU_ASSERT_EQUAL(pi.ttl, 64);
	CU_ASSERT_EQUAL(pi.pad, 0);
	CU_ASSERT_EQUAL(pi.key.proto, sp->proto);
	if (sp->family == AF_INET)
		check_key_v4(&pi);
	else
		check_key_v6(&pi);

	if (sp->proto == IPPROTO_TCP || sp->proto == IPPROTO_UDP) {
		CU_ASSERT_EQUAL(pi.key.sport, htons(SPORT));
		CU_ASSERT_EQUAL(pi.key.dport, htons(DPORT));
		CU_ASSERT_EQUAL(pi.tcp_flags, sp->proto == IPPROTO_TCP ?
				sp->tcp_flags : 0);
		CU_ASSERT_EQUAL(pi.icmp_type, 0);
		CU_ASSERT_EQUAL(pi.icmp_code, 0);
	} else {
		bool echo = sp->icmp_type == 8 || sp->icmp_type == 0 ||
			    sp->icmp_type == 128 || sp->icmp_type == 129;

		CU_ASSERT_EQUAL(pi.icmp_type, sp->icmp_type);
		CU_ASSERT_EQUAL(pi.icmp_code, sp->icmp_code);
		CU_ASSERT_EQUAL(pi.tcp_flags, 0);
		CU_ASSERT_EQUAL(pi.key.sport, echo ? htons(ICMP_ID) : 0);
		CU_ASSERT_EQUAL(pi.key.dport, echo ? htons(ICMP_ID) : 0);
	}
}

static void
test_good_v4(void)
{
	struct spec sp = { .family = AF_INET, .proto = IPPROTO_TCP,
			   .tcp_flags = SL_TCP_SYN, .payload = 0 };

	check_good(&sp);
	sp.tcp_flags = SL_TCP_ACK | SL_TCP_PSH | 0xc0;	/* ECE, CWR too */
	sp.payload = 1000;
	check_good(&sp);
	sp.tcp_opt = 40;	/* the longest TCP header */
	check_good(&sp);
	sp.ip_opt = 40;		/* the longest IPv4 header */
	check_good(&sp);

	sp = (struct spec){ .family = AF_INET, .proto = IPPROTO_UDP,
			    .payload = 33 };
	check_good(&sp);
	sp.payload = 0;
	check_good(&sp);

	sp = (struct spec){ .family = AF_INET, .proto = IPPROTO_ICMP,
			    .icmp_type = 8, .payload = 56 };
	check_good(&sp);
	sp.icmp_type = 0;
	check_good(&sp);
	sp.icmp_type = 3;	/* unreachable: not an echo, no ports */
	sp.icmp_code = 4;
	check_good(&sp);
}

static void
test_good_v6(void)
{
	struct spec sp = { .family = AF_INET6, .proto = IPPROTO_TCP,
			   .tcp_flags = SL_TCP_SYN | SL_TCP_ACK,
			   .tcp_opt = 20 };

	check_good(&sp);
	sp = (struct spec){ .family = AF_INET6, .proto = IPPROTO_UDP,
			    .payload = 1 };
	check_good(&sp);
	sp = (struct spec){ .family = AF_INET6, .proto = IPPROTO_ICMPV6,
			    .icmp_type = 128, .payload = 56 };
	check_good(&sp);
	sp.icmp_type = 129;
	check_good(&sp);
	sp.icmp_type = 135;	/* neighbour solicitation: no ports */
	check_good(&sp);
}

static void
test_good_vlan(void)
{
	struct spec sp = { .family = AF_INET, .proto = IPPROTO_TCP,
			   .vlan = true, .tci = 0xe07b, .payload = 5 };

	check_good(&sp);
	sp.proto = IPPROTO_UDP;
	check_good(&sp);
	sp.family = AF_INET6;
	sp.tci = 1;
	check_good(&sp);
	sp.proto = IPPROTO_ICMPV6;
	sp.icmp_type = 128;
	check_good(&sp);
}

static void
test_padding(void)
{
	uint8_t b[MAX_FRAME];
	struct sl_pkt_info pi;
	struct spec sp = { .family = AF_INET, .proto = IPPROTO_TCP,
			   .tcp_flags = SL_TCP_ACK };
	struct built f;

	/* 54-byte TCP ACK padded to the 60-byte Ethernet minimum. */
	sp.pad = 6;
	f = build(b, &sp);
	CU_ASSERT_EQUAL(f.len, 60);
	CU_ASSERT_EQUAL(parse(b, f.len, &pi), SL_DROP_NONE);
	CU_ASSERT_EQUAL(pi.l3_len, 40);
	CU_ASSERT_EQUAL(pi.l4_len, 20);
	check_good(&sp);

	sp = (struct spec){ .family = AF_INET, .proto = IPPROTO_UDP,
			    .payload = 3, .pad = 100 };
	f = build(b, &sp);
	CU_ASSERT_EQUAL(parse(b, f.len, &pi), SL_DROP_NONE);
	CU_ASSERT_EQUAL(pi.l4_len, 11);
	sp = (struct spec){ .family = AF_INET6, .proto = IPPROTO_ICMPV6,
			    .icmp_type = 128, .pad = 17 };
	check_good(&sp);
	sp.vlan = true;
	check_good(&sp);
}

static void
test_arp(void)
{
	uint8_t b[MAX_FRAME];
	struct sl_pkt_info pi;
	uint32_t len;

	memset(b, 0, sizeof(b));
	len = build_arp(b, false);
	CU_ASSERT_EQUAL(parse(b, len, &pi), SL_DROP_NONE);
	CU_ASSERT_EQUAL(pi.ethertype, SL_ETHERTYPE_ARP);
	CU_ASSERT_EQUAL(pi.family, 0);
	CU_ASSERT_EQUAL(pi.proto, 0);
	CU_ASSERT_EQUAL(pi.l3_off, SL_ETH_HLEN);
	CU_ASSERT_EQUAL(pi.has_vlan, 0);
	/* Padded to 60 bytes, as it arrives from a wire. */
	CU_ASSERT_EQUAL(parse(b, 60, &pi), SL_DROP_NONE);

	len = build_arp(b, true);
	CU_ASSERT_EQUAL(parse(b, len, &pi), SL_DROP_NONE);
	CU_ASSERT_EQUAL(pi.ethertype, SL_ETHERTYPE_ARP);
	CU_ASSERT_EQUAL(pi.has_vlan, 1);
	CU_ASSERT_EQUAL(pi.vlan_tci, 7);
	CU_ASSERT_EQUAL(pi.l3_off, SL_ETH_HLEN + 4);
}

/* --- one crafted frame per drop reason --- */

static bool seen[SL_DROP_MAX];

static void
expect_drop(const uint8_t *b, uint32_t len, enum sl_drop want,
	    const char *what)
{
	struct sl_pkt_info pi;
	enum sl_drop r = parse(b, len, &pi);

	CU_ASSERT_EQUAL(r, want);
	if (r != want)
		printf("\n  %s: got %s, want %s\n", what, sl_drop_name(r),
		       sl_drop_name(want));
	seen[want] = true;
}

static void
test_drop_l2(void)
{
	uint8_t b[MAX_FRAME];
	struct spec sp = { .family = AF_INET, .proto = IPPROTO_TCP };
	struct built f = build(b, &sp);

	expect_drop(b, 0, SL_DROP_TRUNC_L2, "empty");
	expect_drop(b, 13, SL_DROP_TRUNC_L2, "13 bytes");
	sl_wr16(b + 12, SL_ETHERTYPE_VLAN);
	expect_drop(b, 17, SL_DROP_TRUNC_L2, "cut VLAN tag");

	sp.vlan = true;
	f = build(b, &sp);
	sl_wr16(b + 16, SL_ETHERTYPE_VLAN);
	expect_drop(b, f.len, SL_DROP_VLAN_STACK, "8100 in 8100");
	sl_wr16(b + 16, 0x88a8);
	expect_drop(b, f.len, SL_DROP_VLAN_STACK, "88a8 in 8100");
	sl_wr16(b + 12, 0x88a8);
	sl_wr16(b + 16, SL_ETHERTYPE_VLAN);
	expect_drop(b, f.len, SL_DROP_VLAN_STACK, "8100 in 88a8");

	f = build(b, &sp);
	sl_wr16(b + 16, 0x88cc);	/* LLDP */
	expect_drop(b, f.len, SL_DROP_UNSUPP_L3, "LLDP in VLAN");
	sp.vlan = false;
	f = build(b, &sp);
	sl_wr16(b + 12, 0x8847);	/* MPLS */
	expect_drop(b, f.len, SL_DROP_UNSUPP_L3, "MPLS");
	sl_wr16(b + 12, 0x0005);	/* an 802.3 length field */
	expect_drop(b, f.len, SL_DROP_UNSUPP_L3, "802.3 length");
}

static void
test_drop_ipv4(void)
{
	uint8_t b[MAX_FRAME];
	struct spec sp = { .family = AF_INET, .proto = IPPROTO_TCP,
			   .payload = 10 };
	struct built f = build(b, &sp);
	uint8_t *ip = b + f.l3_off;

	expect_drop(b, f.l3_off + 19, SL_DROP_TRUNC_L3, "19-byte header");
	expect_drop(b, f.len - 1, SL_DROP_TRUNC_L3, "length > frame");
	ip[0] = 0x65;
	expect_drop(b, f.len, SL_DROP_BAD_VERSION, "version 6 in 0800");
	ip[0] = 0x05;
	expect_drop(b, f.len, SL_DROP_BAD_VERSION, "version 0");
	ip[0] = 0x44;
	expect_drop(b, f.len, SL_DROP_BAD_IHL, "IHL 4");
	ip[0] = 0x40;
	expect_drop(b, f.len, SL_DROP_BAD_IHL, "IHL 0");
	ip[0] = 0x45;
	sl_wr16(ip + 2, 19);
	expect_drop(b, f.len, SL_DROP_BAD_LEN, "length 19");
	ip[0] = 0x46;
	sl_wr16(ip + 2, 20);
	expect_drop(b, f.len, SL_DROP_BAD_LEN, "length < IHL*4");
	ip[0] = 0x4f;	/* 60-byte header, longer than the frame */
	sl_wr16(ip + 2, 60);
	expect_drop(b, f.l3_off + 59, SL_DROP_TRUNC_L3, "IHL past frame");

	f = build(b, &sp);
	sl_wr16(ip + 6, 0x2000);
	expect_drop(b, f.len, SL_DROP_FRAGMENT, "MF");
	sl_wr16(ip + 6, 0x0001);
	expect_drop(b, f.len, SL_DROP_FRAGMENT, "offset 8");
	sl_wr16(ip + 6, 0x5fff);
	expect_drop(b, f.len, SL_DROP_FRAGMENT, "DF, MF, offset");
	sl_wr16(ip + 6, 0x4000);
	ip[8] = 0;
	expect_drop(b, f.len, SL_DROP_TTL_ZERO, "TTL 0");
	ip[8] = 1;
	CU_ASSERT_EQUAL(parse(b, f.len, &(struct sl_pkt_info){ 0 }),
			SL_DROP_NONE);

	f = build(b, &sp);
	ip[12] = 224;
	expect_drop(b, f.len, SL_DROP_BAD_ADDR, "source 224.0.0.0/4");
	ip[12] = 239;
	expect_drop(b, f.len, SL_DROP_BAD_ADDR, "source 239.x");
	sl_wr32(ip + 12, 0xffffffff);
	expect_drop(b, f.len, SL_DROP_BAD_ADDR, "source broadcast");
	sl_wr32(ip + 12, 0);
	expect_drop(b, f.len, SL_DROP_BAD_ADDR, "source 0");
	f = build(b, &sp);
	sl_wr32(ip + 16, 0);
	expect_drop(b, f.len, SL_DROP_BAD_ADDR, "destination 0");
	sl_wr32(ip + 12, 0x0a000001);
	sl_wr32(ip + 16, 0xe0000001);	/* multicast destination: allowed */
	CU_ASSERT_EQUAL(parse(b, f.len, &(struct sl_pkt_info){ 0 }),
			SL_DROP_NONE);

	f = build(b, &sp);
	ip[9] = 47;	/* GRE */
	expect_drop(b, f.len, SL_DROP_UNSUPP_L4, "GRE");
	ip[9] = IPPROTO_ICMPV6;
	expect_drop(b, f.len, SL_DROP_UNSUPP_L4, "ICMPv6 over IPv4");
	ip[9] = 132;	/* SCTP */
	expect_drop(b, f.len, SL_DROP_UNSUPP_L4, "SCTP");
}

static void
test_drop_ipv6(void)
{
	static const uint8_t ext[] = { 0, 43, 60, 51, 135 };
	uint8_t b[MAX_FRAME];
	struct spec sp = { .family = AF_INET6, .proto = IPPROTO_UDP,
			   .payload = 10 };
	struct built f = build(b, &sp);
	uint8_t *ip = b + f.l3_off;
	unsigned int i;

	expect_drop(b, f.l3_off + 39, SL_DROP_TRUNC_L3, "39-byte header");
	expect_drop(b, f.len - 1, SL_DROP_TRUNC_L3, "payload > frame");
	ip[0] = 0x40;
	expect_drop(b, f.len, SL_DROP_BAD_VERSION, "version 4 in 86dd");
	ip[0] = 0x60;
	ip[7] = 0;
	expect_drop(b, f.len, SL_DROP_TTL_ZERO, "hop limit 0");
	ip[7] = 64;
	ip[8] = 0xff;
	expect_drop(b, f.len, SL_DROP_BAD_ADDR, "multicast source");
	f = build(b, &sp);
	memset(ip + 24, 0, 16);
	expect_drop(b, f.len, SL_DROP_BAD_ADDR, "unspecified destination");

	f = build(b, &sp);
	ip[6] = 44;
	expect_drop(b, f.len, SL_DROP_FRAGMENT, "fragment header");
	for (i = 0; i < SL_ARRAY_SIZE(ext); i++) {
		ip[6] = ext[i];
		expect_drop(b, f.len, SL_DROP_IPV6_EXT, "extension header");
	}
	ip[6] = 59;	/* no next header */
	expect_drop(b, f.len, SL_DROP_UNSUPP_L4, "no next header");
	ip[6] = IPPROTO_ICMP;
	expect_drop(b, f.len, SL_DROP_UNSUPP_L4, "ICMPv4 over IPv6");
}

static void
test_drop_l4(void)
{
	uint8_t b[MAX_FRAME];
	struct spec sp = { .family = AF_INET, .proto = IPPROTO_TCP };
	struct built f = build(b, &sp);
	uint8_t *ip = b + f.l3_off, *l4 = b + f.l4_off;

	/* TCP: the IP length says only 19 bytes of TCP. */
	sl_wr16(ip + 2, 20 + 19);
	expect_drop(b, f.len, SL_DROP_TRUNC_L4, "19-byte TCP");
	f = build(b, &sp);
	l4[12] = 4 << 4;
	expect_drop(b, f.len, SL_DROP_BAD_L4, "TCP data offset 4");
	l4[12] = 0;
	expect_drop(b, f.len, SL_DROP_BAD_L4, "TCP data offset 0");
	l4[12] = 6 << 4;	/* 24 bytes claimed, 20 present */
	expect_drop(b, f.len, SL_DROP_TRUNC_L4, "TCP options cut");
	l4[12] = 15 << 4;
	expect_drop(b, f.len, SL_DROP_TRUNC_L4, "TCP data offset 15");

	sp = (struct spec){ .family = AF_INET6, .proto = IPPROTO_UDP,
			    .payload = 4 };
	f = build(b, &sp);
	ip = b + f.l3_off;
	l4 = b + f.l4_off;
	sl_wr16(ip + 4, 7);
	expect_drop(b, f.len, SL_DROP_TRUNC_L4, "7-byte UDP");
	f = build(b, &sp);
	sl_wr16(l4 + 4, 7);
	expect_drop(b, f.len, SL_DROP_BAD_L4, "UDP length 7");
	sl_wr16(l4 + 4, 13);
	expect_drop(b, f.len, SL_DROP_BAD_L4, "UDP length > IP payload");
	sl_wr16(l4 + 4, 0);
	expect_drop(b, f.len, SL_DROP_BAD_L4, "UDP length 0");
	sl_wr16(l4 + 4, 12);
	CU_ASSERT_EQUAL(parse(b, f.len, &(struct sl_pkt_info){ 0 }),
			SL_DROP_NONE);

	sp = (struct spec){ .family = AF_INET, .proto = IPPROTO_ICMP,
			    .icmp_type = 8 };
	f = build(b, &sp);
	sl_wr16(b + f.l3_off + 2, 20 + 7);
	expect_drop(b, f.len, SL_DROP_TRUNC_L4, "7-byte ICMP");
	sp = (struct spec){ .family = AF_INET6, .proto = IPPROTO_ICMPV6,
			    .icmp_type = 128 };
	f = build(b, &sp);
	sl_wr16(b + f.l3_off + 4, 4);
	expect_drop(b, f.len, SL_DROP_TRUNC_L4, "4-byte ICMPv6");
	sl_wr16(b + f.l3_off + 4, 0);
	expect_drop(b, f.len, SL_DROP_TRUNC_L4, "empty ICMPv6");
}

static void
test_drop_arp(void)
{
	uint8_t b[MAX_FRAME];
	uint32_t len;

	memset(b, 0, sizeof(b));
	len = build_arp(b, false);
	expect_drop(b, len - 1, SL_DROP_BAD_ARP, "27-byte ARP");
	expect_drop(b, SL_ETH_HLEN, SL_DROP_BAD_ARP, "empty ARP");
	sl_wr16(b + 14, 6);		/* IEEE 802 */
	expect_drop(b, len, SL_DROP_BAD_ARP, "htype 6");
	len = build_arp(b, false);
	sl_wr16(b + 16, SL_ETHERTYPE_IPV6);
	expect_drop(b, len, SL_DROP_BAD_ARP, "ptype IPv6");
	len = build_arp(b, false);
	b[18] = 8;
	expect_drop(b, len, SL_DROP_BAD_ARP, "hlen 8");
	len = build_arp(b, false);
	b[19] = 16;
	expect_drop(b, len, SL_DROP_BAD_ARP, "plen 16");
}

/* Every parse drop reason (TRUNC_L2 .. BAD_ARP) has a crafted frame above;
 * a reason added to the parser must get one too. */
static void
test_drop_all_seen(void)
{
	unsigned int r;

	for (r = SL_DROP_TRUNC_L2; r <= SL_DROP_BAD_ARP; r++) {
		CU_ASSERT_TRUE(seen[r]);
		if (!seen[r])
			printf("\n  no test frame for %s\n", sl_drop_name(r));
	}
}

static void
test_drop_names(void)
{
	unsigned int i, j;

	CU_ASSERT_STRING_EQUAL(sl_drop_name(SL_DROP_NONE), "none");
	CU_ASSERT_STRING_EQUAL(sl_drop_name(SL_DROP_FRAGMENT), "fragment");
	CU_ASSERT_STRING_EQUAL(sl_drop_name(SL_DROP_ICMP_IGNORED),
			       "icmp_ignored");
	for (i = 0; i < SL_DROP_MAX; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(sl_drop_name(i));
		CU_ASSERT_TRUE(strlen(sl_drop_name(i)) > 0);
		for (j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(sl_drop_name(i),
						   sl_drop_name(j));
	}
	CU_ASSERT_PTR_NOT_NULL(sl_drop_name(SL_DROP_MAX));
	CU_ASSERT_PTR_NOT_NULL(sl_drop_name(~0u));
}

/* --- truncation --- */

static const struct spec templates[] = {
	{ .family = AF_INET, .proto = IPPROTO_TCP, .payload = 13,
	  .tcp_opt = 12, .tcp_flags = SL_TCP_SYN },
	{ .family = AF_INET, .proto = IPPROTO_TCP, .ip_opt = 8, .vlan = true,
	  .tci = 5 },
	{ .family = AF_INET, .proto = IPPROTO_UDP, .payload = 7 },
	{ .family = AF_INET, .proto = IPPROTO_UDP, .vlan = true, .tci = 9 },
	{ .family = AF_INET, .proto = IPPROTO_ICMP, .icmp_type = 8,
	  .payload = 9 },
	{ .family = AF_INET6, .proto = IPPROTO_TCP, .payload = 3 },
	{ .family = AF_INET6, .proto = IPPROTO_UDP, .payload = 2,
	  .vlan = true, .tci = 100 },
	{ .family = AF_INET6, .proto = IPPROTO_ICMPV6, .icmp_type = 128,
	  .payload = 4 },
	{ .family = AF_INET6, .proto = IPPROTO_ICMPV6, .icmp_type = 1 },
	{ .family = AF_INET, .proto = IPPROTO_TCP, .pad = 20 },
};

static void
test_truncation(void)
{
	uint8_t b[MAX_FRAME];
	struct sl_pkt_info pi;
	unsigned int t;
	uint32_t len;

	for (t = 0; t < SL_ARRAY_SIZE(templates); t++) {
		struct built f = build(b, &templates[t]);

		for (len = 0; len < f.len; len++) {
			enum sl_drop r = parse(b, len, &pi);

			/* Short of the IP length: never accepted. Past it
			 * (padding): always accepted. */
			if (len < f.ip_end) {
				CU_ASSERT_NOT_EQUAL(r, SL_DROP_NONE);
			} else {
				CU_ASSERT_EQUAL(r, SL_DROP_NONE);
			}
			/* Cut inside the Ethernet header: L2; inside the
			 * IP header: L3. */
			if (len < f.l3_off) {
				CU_ASSERT_EQUAL(r, SL_DROP_TRUNC_L2);
			} else if (len < f.l4_off) {
				CU_ASSERT_EQUAL(r, SL_DROP_TRUNC_L3);
			}
		}
		CU_ASSERT_EQUAL(parse(b, f.len, &pi), SL_DROP_NONE);
	}

	/* ARP. */
	memset(b, 0, sizeof(b));
	for (len = 0; len < 42; len++)
		CU_ASSERT_NOT_EQUAL(parse(b, len, &pi), SL_DROP_NONE);
	len = build_arp(b, false);
	CU_ASSERT_EQUAL(len, 42);
	for (len = 0; len < 42; len++)
		CU_ASSERT_NOT_EQUAL(parse(b, len, &pi), SL_DROP_NONE);
}

/* --- fuzz --- */


/* What must hold of any accepted frame, whatever its bytes. */
static void
check_consistent(const uint8_t *b, uint32_t len,
		 const struct sl_pkt_info *pi)
{
	static const uint8_t zero[12];

	CU_ASSERT_EQUAL(pi->l3_off, pi->has_vlan ? 18 : 14);
	CU_ASSERT_TRUE((uint32_t)pi->l3_off + pi->l3_len <= len);
	CU_ASSERT_TRUE((uint32_t)pi->l4_off + pi->l4_len <= len);
	CU_ASSERT_EQUAL(pi->key.pad[0], 0);
	CU_ASSERT_EQUAL(pi->key.pad[1], 0);
	CU_ASSERT_EQUAL(pi->pad, 0);
	if (pi->ethertype == SL_ETHERTYPE_ARP) {
		CU_ASSERT_EQUAL(pi->family, 0);
		CU_ASSERT_EQUAL(pi->proto, 0);
		return;
	}
	CU_ASSERT_EQUAL(pi->l4_off - pi->l3_off + pi->l4_len, pi->l3_len);
	CU_ASSERT_EQUAL(pi->key.family, pi->family);
	CU_ASSERT_EQUAL(pi->key.proto, pi->proto);
	CU_ASSERT_TRUE(pi->ttl > 0);
	if (pi->family == AF_INET) {
		CU_ASSERT_EQUAL(pi->ethertype, SL_ETHERTYPE_IPV4);
		CU_ASSERT_TRUE(pi->proto == IPPROTO_TCP ||
			       pi->proto == IPPROTO_UDP ||
			       pi->proto == IPPROTO_ICMP);
		CU_ASSERT_EQUAL(memcmp(&pi->key.src[1], zero, 12), 0);
		CU_ASSERT_EQUAL(memcmp(&pi->key.dst[1], zero, 12), 0);
		CU_ASSERT_EQUAL(memcmp(pi->key.src, b + pi->l3_off + 12, 4), 0);
	} else {
		CU_ASSERT_EQUAL(pi->family, AF_INET6);
		CU_ASSERT_EQUAL(pi->ethertype, SL_ETHERTYPE_IPV6);
		CU_ASSERT_TRUE(pi->proto == IPPROTO_TCP ||
			       pi->proto == IPPROTO_UDP ||
			       pi->proto == IPPROTO_ICMPV6);
		CU_ASSERT_EQUAL(pi->l4_off, pi->l3_off + 40);
	}
	if (pi->proto == IPPROTO_TCP) {
		CU_ASSERT_TRUE(pi->l4_len >= 20 &&
			       (b[pi->l4_off + 12] >> 4) * 4 <= pi->l4_len);
	} else {
		CU_ASSERT_TRUE(pi->l4_len >= 8);
	}
}

#define FUZZ_ITER	200000

static void
test_fuzz(void)
{
	static const uint16_t types[] = {
		SL_ETHERTYPE_IPV4, SL_ETHERTYPE_IPV6, SL_ETHERTYPE_ARP,
		SL_ETHERTYPE_VLAN,
	};
	uint8_t b[MAX_FRAME];
	struct sl_pkt_info pi, pi2;
	unsigned int i, k, accepted = 0, bad = 0, bad_general = 0, common = 0;

	rng_state = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < FUZZ_ITER; i++) {
		uint64_t r = rng_next();
		uint32_t len, n;
		enum sl_drop d;

		if (r % 8 == 0) {
			/* Random bytes behind a plausible ethertype. */
			len = (uint32_t)(rng_next() % 160);
			for (k = 0; k < len; k++)
				b[k] = (uint8_t)rng_next();
			if (len >= 14)
				sl_wr16(b + 12, types[rng_next() % 4]);
			if (len >= 18 && b[12] == 0x81)
				sl_wr16(b + 16, types[rng_next() % 3]);
		} else {
			/* A valid frame with a few bytes changed, cut or
			 * extended. */
			const struct spec *sp = &templates[
				(r >> 8) % SL_ARRAY_SIZE(templates)];
			struct built f = build(b, sp);

			if (r % 8 == 1) {
				len = build_arp(b, (r >> 16) & 1);
				f.len = len;
			}
			n = 1 + (uint32_t)((r >> 20) % 4);
			for (k = 0; k < n; k++) {
				uint64_t m = rng_next();
				uint32_t at = (uint32_t)(m % (f.len + 1));

				if ((m >> 32) & 1)
					b[at] ^= (uint8_t)(1u << (m >> 40 & 7));
				else
					b[at] = (uint8_t)(m >> 48);
			}
			len = f.len;
			if ((r >> 30) % 4 == 0)
				len = (uint32_t)(rng_next() % (f.len + 1));
		}

		d = parse(b, len, &pi);
		CU_ASSERT_TRUE(d <= SL_DROP_BAD_ARP);
		if (d == SL_DROP_NONE) {
			accepted++;
			check_consistent(b, len, &pi);
		}
		/* The result depends on the bytes only: pi is fully
		 * written whatever it held before. */
		memset(&pi2, 0x5a, sizeof(pi2));
		if (sl_pkt_parse(b, len, &pi2) != d ||
		    memcmp(&pi, &pi2, sizeof(pi)) != 0)
			bad++;
		/* The shortcut for untagged IPv4 TCP/UDP with a 20-byte
		 * header changes nothing: the general path alone gives
		 * the same verdict and the same bytes, frame by frame. */
		memset(&pi2, 0xa5, sizeof(pi2));
		if (sl_pkt_parse_general(b, len, &pi2) != d ||
		    memcmp(&pi, &pi2, sizeof(pi)) != 0)
			bad_general++;
		if (d == SL_DROP_NONE && pi.family == AF_INET &&
		    !pi.has_vlan && pi.l4_off == 34 &&
		    (pi.proto == IPPROTO_TCP || pi.proto == IPPROTO_UDP))
			common++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(bad_general, 0);
	/* ... and the fuzz reaches the shortcut often. */
	CU_ASSERT_TRUE(common > FUZZ_ITER / 20);
	/* The loop must reach the accepting paths often, or it tests
	 * little. */
	CU_ASSERT_TRUE(accepted > FUZZ_ITER / 10);
	printf("(%u of %u accepted, %u untagged IPv4 TCP/UDP) ", accepted,
	       FUZZ_ITER, common);
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "good IPv4", test_good_v4 },
		{ "good IPv6", test_good_v6 },
		{ "good VLAN", test_good_vlan },
		{ "Ethernet padding", test_padding },
		{ "ARP", test_arp },
		{ "drop L2", test_drop_l2 },
		{ "drop IPv4", test_drop_ipv4 },
		{ "drop IPv6", test_drop_ipv6 },
		{ "drop L4", test_drop_l4 },
		{ "drop ARP", test_drop_arp },
		{ "every parse drop reason tested", test_drop_all_seen },
		{ "drop names", test_drop_names },
		{ "truncation", test_truncation },
		{ "fuzz", test_fuzz },
	};

	return sl_test_run("pkt", tests,
			   sizeof(tests) / sizeof(tests[0]));
}
