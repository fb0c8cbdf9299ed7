/* SPDX-License-Identifier: BSD-3-Clause
 * TCP options, SYN cookies and the segments Sluice writes itself (cookie
 * SYN-ACK, SYN proxy segments, RST, ICMP unreachable). Sequence translation
 * and PROXY v2 live in sl_tcpseq.c.
 *
 * Multi-byte fields are written and read byte by byte in network order, so
 * nothing here depends on the host's byte order or on alignment.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sl_bytes.h"
#include "sl_common.h"
#include "sl_csum.h"
#include "sl_tcp.h"

#define SL_IPV4_HLEN		20
#define SL_IPV6_HLEN		40
#define SL_TCP_HLEN		20
#define SL_ICMP_HLEN		8
#define SL_TTL			64
#define SL_IPV4_DF		0x40	/* high byte of the fragment word */

#define SL_TCPOPT_NOP		1
#define SL_TCPOPT_MSS		2
#define SL_TCPOPT_WSCALE	3
#define SL_TCPOPT_SACK_PERM	4
#define SL_TCPOPT_TS		8
#define SL_WSCALE_MAX		14

#define SL_ICMP_UNREACH		3
#define SL_ICMP_UNREACH_ADMIN	13
#define SL_ICMP6_UNREACH	1
#define SL_ICMP6_UNREACH_ADMIN	1
#define SL_ICMP4_ERR_MAX	576	/* RFC 1812 4.3.2.3: the whole error */

/* ---- Options ----------------------------------------------------------- */

/* One option at tcp + off, len bytes (already checked to fit), into
 * struct sl_tcp_opts arg. A known kind with the wrong length is ignored,
 * as Linux does. */
static int
sl_tcp_opt_one(const uint8_t *tcp, uint32_t off, uint32_t len, void *arg)
{
	struct sl_tcp_opts *o = arg;
	const uint8_t *p = tcp + off;

	switch (p[0]) {
	case SL_TCPOPT_MSS:
		if (len == 4)
			o->mss = sl_rd16(p + 2);
		break;
	case SL_TCPOPT_WSCALE:
		if (len == 3) {
			o->has_wscale = 1;
			o->wscale = p[2] > SL_WSCALE_MAX ? SL_WSCALE_MAX : p[2];
		}
		break;
	case SL_TCPOPT_SACK_PERM:
		if (len == 2)
			o->sack_ok = 1;
		break;
	case SL_TCPOPT_TS:
		if (len == 10) {
			o->has_ts = 1;
			o->tsval = sl_rd32(p + 2);
			o->tsecr = sl_rd32(p + 6);
		}
		break;
	default:
		break;
	}
	return 0;
}

int
sl_tcp_opts_parse(const uint8_t *tcp, struct sl_tcp_opts *o)
{
	memset(o, 0, sizeof(*o));
	return sl_tcp_opts_walk(tcp, sl_tcp_opt_one, o);
}

/* Linux's layout: every option 32-bit aligned, NOPs in front of the odd
 * sized ones, SACK permitted in the 2 bytes a timestamp leaves. For the
 * full set it is byte for byte what a Linux SYN carries. */
uint32_t
sl_tcp_opts_write(uint8_t *buf, const struct sl_tcp_opts *o)
{
	uint8_t *p = buf;

	if (o->mss != 0) {
		p[0] = SL_TCPOPT_MSS;
		p[1] = 4;
		sl_wr16(p + 2, o->mss);
		p += 4;
	}
	if (o->has_ts) {
		p[0] = o->sack_ok ? SL_TCPOPT_SACK_PERM : SL_TCPOPT_NOP;
		p[1] = o->sack_ok ? 2 : SL_TCPOPT_NOP;
		p[2] = SL_TCPOPT_TS;
		p[3] = 10;
		sl_wr32(p + 4, o->tsval);
		sl_wr32(p + 8, o->tsecr);
		p += 12;
	} else if (o->sack_ok) {
		p[0] = SL_TCPOPT_NOP;
		p[1] = SL_TCPOPT_NOP;
		p[2] = SL_TCPOPT_SACK_PERM;
		p[3] = 2;
		p += 4;
	}
	if (o->has_wscale) {
		p[0] = SL_TCPOPT_NOP;
		p[1] = SL_TCPOPT_WSCALE;
		p[2] = 3;
		p[3] = o->wscale > SL_WSCALE_MAX ? SL_WSCALE_MAX : o->wscale;
		p += 4;
	}
	return (uint32_t)(p - buf);
}

/* ---- SYN cookies --------------------------------------------------------
 * cookie = (t & 31) << 27 | mss_idx << 24 | mac24, t = now_s / 64.
 * mac24 = low 24 bits of SipHash-2-4(secret, msg), msg (48 bytes):
 *   0..15 client address, 16..31 VIP address (IPv4: 4 bytes, rest zero),
 *   32..33 client port, 34..35 VIP port (network order),
 *   36..39 client ISN, 40..43 full counter t (big endian),
 *   44 family, 45 mss_idx, 46 option bits, 47 zero.
 * Option bits: with timestamps, wscale | sack_ok << 4 (bit 5 zero, wscale
 * 0xf = none): the low 6 bits of our TSval, given back in the ACK's TSecr.
 * Without timestamps: SL_COOKIE_NO_TS, a value 6 bits cannot hold, so a
 * cookie made for a SYN with timestamps never checks for an ACK without
 * them, nor the reverse (RFC 7323: once negotiated, every segment carries
 * timestamps; an ACK that drops them is not one we can trust).
 *
 * Without timestamps we offer only the MSS (no window scale, no SACK), as
 * Linux does for its cookies: neither could be recovered from the ACK, and
 * a client told we scale while the SYN proxy forgot it would misread every
 * window. */

#define SL_COOKIE_MSG_LEN	48
#define SL_COOKIE_NO_TS		0x40
#define SL_COOKIE_OPT_MASK	0x3f
#define SL_COOKIE_WS_NONE	0x0f
#define SL_COOKIE_SACK		0x10
#define SL_COOKIE_TBITS		5
#define SL_COOKIE_TMASK		((1u << SL_COOKIE_TBITS) - 1)
#define SL_COOKIE_MAC_MASK	0xffffffu
#define SL_COOKIE_MSS_DEFAULT	536

/* Indexed by the 3-bit field of the cookie; ascending. */
static const uint16_t sl_cookie_mss[8] = {
	536, 1200, 1220, 1360, 1400, 1440, 1460, 8960,
};

#define SL_ROTL64(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

static inline void
sl_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = SL_ROTL64(v[1], 13) ^ v[0];
	v[0] = SL_ROTL64(v[0], 32);
	v[2] += v[3];
	v[3] = SL_ROTL64(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = SL_ROTL64(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = SL_ROTL64(v[1], 17) ^ v[2];
	v[2] = SL_ROTL64(v[2], 32);
}

static inline uint64_t
sl_ld64le(const uint8_t *p, uint32_t n)
{
	uint64_t m = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		m |= (uint64_t)p[i] << (8 * i);
	return m;
}

static inline void
sl_sip_absorb(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sl_sipround(v);
	sl_sipround(v);
	v[0] ^= m;
}

/* SipHash-2-4 (Aumasson, Bernstein 2012) with k0 = k[0], k1 = k[1]. */
static uint64_t
sl_siphash24(const uint64_t k[2], const uint8_t *msg, uint32_t len)
{
	uint64_t v[4] = {
		k[0] ^ 0x736f6d6570736575ULL, k[1] ^ 0x646f72616e646f6dULL,
		k[0] ^ 0x6c7967656e657261ULL, k[1] ^ 0x7465646279746573ULL,
	};
	uint32_t i;

	for (i = 0; i + 8 <= len; i += 8)
		sl_sip_absorb(v, sl_ld64le(msg + i, 8));
	sl_sip_absorb(v, (uint64_t)(len & 0xff) << 56 |
			 sl_ld64le(msg + i, len - i));
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sl_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint32_t
sl_cookie_mac(const struct sl_cookie_secret *s, const struct sl_flow_key *k,
	      uint32_t isn, uint32_t t, uint8_t mss_idx, uint8_t opt)
{
	uint8_t m[SL_COOKIE_MSG_LEN] = { 0 };
	uint32_t alen = k->family == AF_INET ? 4 : 16;

	memcpy(m, k->src, alen);
	memcpy(m + 16, k->dst, alen);
	memcpy(m + 32, &k->sport, 2);
	memcpy(m + 34, &k->dport, 2);
	sl_wr32(m + 36, isn);
	sl_wr32(m + 40, t);
	m[44] = k->family;
	m[45] = mss_idx;
	m[46] = opt;
	return (uint32_t)sl_siphash24(s->k, m, sizeof(m)) & SL_COOKIE_MAC_MASK;
}

/* The largest table value not above the client's MSS; the smallest (536,
 * RFC 879's default) when it sent none or less. */
static uint8_t
sl_cookie_mss_idx(uint16_t mss)
{
	uint8_t i;

	if (mss == 0)
		mss = SL_COOKIE_MSS_DEFAULT;
	for (i = SL_ARRAY_SIZE(sl_cookie_mss) - 1; i > 0; i--)
		if (sl_cookie_mss[i] <= mss)
			break;
	return i;
}

uint32_t
sl_cookie_make(const struct sl_cookie_secret *s, const struct sl_flow_key *k,
	       uint32_t isn, const struct sl_tcp_opts *syn, uint8_t our_wscale,
	       uint32_t now_s, uint32_t now_ms, struct sl_tcp_opts *ours)
{
	uint32_t t = now_s / SL_COOKIE_PERIOD_S;
	uint8_t idx = sl_cookie_mss_idx(syn->mss);
	uint8_t opt = SL_COOKIE_NO_TS;

	memset(ours, 0, sizeof(*ours));
	ours->mss = sl_cookie_mss[idx];
	if (syn->has_ts) {
		opt = syn->has_wscale ? (syn->wscale > SL_WSCALE_MAX ?
					 SL_WSCALE_MAX : syn->wscale) :
					SL_COOKIE_WS_NONE;
		if (syn->sack_ok)
			opt |= SL_COOKIE_SACK;
		ours->has_ts = 1;
		ours->tsval = (now_ms & ~(uint32_t)SL_COOKIE_OPT_MASK) | opt;
		ours->tsecr = syn->tsval;
		ours->sack_ok = syn->sack_ok ? 1 : 0;
		if (syn->has_wscale) {
			ours->has_wscale = 1;
			ours->wscale = our_wscale > SL_WSCALE_MAX ?
				       SL_WSCALE_MAX : our_wscale;
		}
	}
	return (t & SL_COOKIE_TMASK) << 27 | (uint32_t)idx << 24 |
	       sl_cookie_mac(s, k, isn, t, idx, opt);
}

int
sl_cookie_check(const struct sl_cookie_secret *s, const struct sl_flow_key *k,
		uint32_t isn, uint32_t cookie, const struct sl_tcp_opts *ack,
		uint32_t now_s, struct sl_tcp_opts *out)
{
	uint32_t now_t = now_s / SL_COOKIE_PERIOD_S;
	uint32_t age = (now_t - (cookie >> 27)) & SL_COOKIE_TMASK;
	uint8_t idx = (cookie >> 24) & 7;
	uint8_t opt;

	/* This period or the previous one; anything else is older, or
	 * (age 31 and below) from a future period. */
	if (age > 1)
		return -ETIMEDOUT;
	opt = ack->has_ts ? (uint8_t)(ack->tsecr & SL_COOKIE_OPT_MASK) :
			    SL_COOKIE_NO_TS;
	if (sl_cookie_mac(s, k, isn, now_t - age, idx, opt) !=
	    (cookie & SL_COOKIE_MAC_MASK))
		return -EBADMSG;

	memset(out, 0, sizeof(*out));
	out->mss = sl_cookie_mss[idx];
	if (ack->has_ts) {
		out->has_ts = 1;
		out->tsval = ack->tsval;
		out->tsecr = ack->tsecr;
		out->sack_ok = (opt & SL_COOKIE_SACK) ? 1 : 0;
		if ((opt & SL_COOKIE_WS_NONE) != SL_COOKIE_WS_NONE) {
			out->has_wscale = 1;
			out->wscale = opt & SL_COOKIE_WS_NONE;
		}
	}
	return 0;
}

/* ---- Segments Sluice writes -------------------------------------------
 * Every builder reads what it needs from the original packet before it
 * writes, and takes addresses from pi->key: l3 may be the original
 * packet's own L3 header (an answer written in place). */

/* The IPv4 or IPv6 header of a packet of l4_len bytes of proto; returns
 * its length. */
static uint32_t
sl_ip_hdr_write(uint8_t *l3, const struct sl_flow_key *k, uint8_t proto,
		uint32_t l4_len)
{
	uint16_t c;

	if (k->family == AF_INET) {
		l3[0] = 0x45;
		l3[1] = 0;
		sl_wr16(l3 + 2, (uint16_t)(SL_IPV4_HLEN + l4_len));
		sl_wr16(l3 + 4, 0);
		l3[6] = SL_IPV4_DF;
		l3[7] = 0;
		l3[8] = SL_TTL;
		l3[9] = proto;
		memcpy(l3 + 12, k->src, 4);
		memcpy(l3 + 16, k->dst, 4);
		c = sl_csum_ipv4_hdr(l3);
		memcpy(l3 + 10, &c, 2);
		return SL_IPV4_HLEN;
	}
	sl_wr32(l3, 6u << 28);
	sl_wr16(l3 + 4, (uint16_t)l4_len);
	l3[6] = proto;
	l3[7] = SL_TTL;
	memcpy(l3 + 8, k->src, 16);
	memcpy(l3 + 24, k->dst, 16);
	return SL_IPV6_HLEN;
}

uint32_t
sl_tcp_build(uint8_t *l3, const struct sl_tcp_seg *s)
{
	uint32_t hlen = s->key.family == AF_INET ? SL_IPV4_HLEN : SL_IPV6_HLEN;
	uint8_t opts[SL_TCP_BUILD_HDR_MAX - SL_IPV6_HLEN - SL_TCP_HLEN];
	uint32_t olen = s->opts != NULL ? sl_tcp_opts_write(opts, s->opts) : 0;
	uint32_t tcp_len = SL_TCP_HLEN + olen + s->payload_len;
	uint8_t *tcp = l3 + hlen;
	uint16_t c;

	/* The payload first: it may lie where the headers go. */
	if (s->payload_len != 0)
		memmove(tcp + SL_TCP_HLEN + olen, s->payload, s->payload_len);
	memcpy(tcp, &s->key.sport, 2);
	memcpy(tcp + 2, &s->key.dport, 2);
	sl_wr32(tcp + 4, s->seq);
	sl_wr32(tcp + 8, s->ack);
	tcp[12] = (uint8_t)(((SL_TCP_HLEN + olen) / 4) << 4);
	tcp[13] = s->flags;
	sl_wr16(tcp + 14, s->win);
	memset(tcp + 16, 0, 4);		/* checksum, urgent pointer */
	memcpy(tcp + SL_TCP_HLEN, opts, olen);
	sl_ip_hdr_write(l3, &s->key, IPPROTO_TCP, tcp_len);
	c = sl_csum_l4(s->key.family, l3, IPPROTO_TCP, tcp, tcp_len);
	memcpy(tcp + 16, &c, 2);
	return hlen + tcp_len;
}

uint32_t
sl_tcp_rst_build(uint8_t *l3, const uint8_t *frame,
		 const struct sl_pkt_info *pi)
{
	const uint8_t *tcp = frame + pi->l4_off;
	struct sl_tcp_seg s = { 0 };
	uint32_t seg_len;

	if (pi->proto != IPPROTO_TCP || (pi->tcp_flags & SL_TCP_RST))
		return 0;
	sl_flow_key_reverse(&pi->key, &s.key);
	if (pi->tcp_flags & SL_TCP_ACK) {
		s.seq = sl_rd32(tcp + 8);
		s.flags = SL_TCP_RST;
	} else {
		/* SEG.LEN counts SYN and FIN. */
		seg_len = pi->l4_len - (uint32_t)(tcp[12] >> 4) * 4;
		seg_len += !!(pi->tcp_flags & SL_TCP_SYN);
		seg_len += !!(pi->tcp_flags & SL_TCP_FIN);
		s.ack = sl_rd32(tcp + 4) + seg_len;
		s.flags = SL_TCP_RST | SL_TCP_ACK;
	}
	return sl_tcp_build(l3, &s);
}

/* RFC 1122 3.2.2 / RFC 4443 2.4: no error about an error, and none to a
 * packet whose destination (our source) is not one host. Informational
 * ICMPv4 types are listed; an unknown one counts as an error. */
static bool
sl_icmp_may_answer(const struct sl_pkt_info *pi)
{
	const uint8_t *dst = (const uint8_t *)pi->key.dst;

	if (pi->family == AF_INET) {
		if ((dst[0] & 0xf0) == 0xe0 || pi->key.dst[0] == 0xffffffffu)
			return false;
		if (pi->proto != IPPROTO_ICMP)
			return true;
		switch (pi->icmp_type) {
		case 0: case 8:		/* echo reply, request */
		case 13: case 14:	/* timestamp */
		case 15: case 16:	/* information */
		case 17: case 18:	/* address mask */
			return true;
		default:
			return false;
		}
	}
	if (pi->family != AF_INET6 || dst[0] == 0xff)
		return false;
	/* ICMPv6 types below 128 are errors. */
	return pi->proto != IPPROTO_ICMPV6 || pi->icmp_type >= 128;
}

uint32_t
sl_icmp_unreach_build(uint8_t *l3, const uint8_t *frame,
		      const struct sl_pkt_info *pi)
{
	int v4 = pi->family == AF_INET;
	uint32_t hlen = v4 ? SL_IPV4_HLEN : SL_IPV6_HLEN;
	uint32_t max = v4 ? SL_ICMP4_ERR_MAX : SL_ICMP_UNREACH_MAX;
	uint8_t proto = v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	uint8_t *icmp = l3 + hlen;
	struct sl_flow_key k;
	uint32_t q = pi->l3_len;
	uint16_t c;

	if (!sl_icmp_may_answer(pi))
		return 0;
	if (q > max - hlen - SL_ICMP_HLEN)
		q = max - hlen - SL_ICMP_HLEN;
	/* The quote first: it may lie where the headers go. */
	memmove(icmp + SL_ICMP_HLEN, frame + pi->l3_off, q);
	icmp[0] = v4 ? SL_ICMP_UNREACH : SL_ICMP6_UNREACH;
	icmp[1] = v4 ? SL_ICMP_UNREACH_ADMIN : SL_ICMP6_UNREACH_ADMIN;
	memset(icmp + 2, 0, 6);		/* checksum, unused */
	sl_flow_key_reverse(&pi->key, &k);
	sl_ip_hdr_write(l3, &k, proto, SL_ICMP_HLEN + q);
	/* ICMPv4 has no pseudo header. */
	c = sl_csum_l4(pi->family, v4 ? NULL : l3, proto, icmp,
		       SL_ICMP_HLEN + q);
	memcpy(icmp + 2, &c, 2);
	return hlen + SL_ICMP_HLEN + q;
}
