/* SPDX-License-Identifier: BSD-3-Clause
 * Sequence / timestamp translation of a proxied or shifted TCP flow, window
 * and MSS rewrites, and the PROXY protocol v2 header (sl_tcp.h, second
 * half). In place, with incremental checksum updates (RFC 1624), except
 * for sl_pp2_insert(), which recomputes the TCP checksum once per flow.
 *
 * Checksum words are handled raw, as they lie in the packet (see
 * sl_csum.c). Offsets of checksum words are relative to the TCP header
 * start, which is 16-bit aligned within the pseudo-header sum: an option
 * field at an odd offset is covered by the aligned words around it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sl_bytes.h"
#include "sl_csum.h"
#include "sl_tcp.h"

#define TCP_SEQ_OFF	4
#define TCP_ACK_OFF	8
#define TCP_DOFF_OFF	12
#define TCP_FLAGS_OFF	13
#define TCP_WIN_OFF	14
#define TCP_CSUM_OFF	16
#define TCP_HLEN	20

#define OPT_MSS		2
#define OPT_SACK	5
#define OPT_TS		8
#define OPT_MSS_LEN	4
#define OPT_TS_LEN	10
#define SACK_BLOCK	8

#define MSS_MIN		536
#define WSCALE_MAX	14

#define IPV4_TOTLEN_OFF	2
#define IPV4_CSUM_OFF	10
#define IPV6_PLEN_OFF	4
#define IPV6_HLEN	40

#define PP2_SIG_LEN	12
#define PP2_VER_CMD	0x21	/* version 2, PROXY */
#define PP2_TCP4	0x11
#define PP2_TCP6	0x21

static const uint8_t pp2_sig[PP2_SIG_LEN] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

/* Writes the n-byte big-endian value v (n = 2 or 4) at tcp + off and adds
 * ~old + new of every aligned 16-bit word the field touches to *acc: two
 * words for an even offset, three (n = 4) or two (n = 2) for an odd one.
 * off + n never passes the (even) data offset, so neither does the last
 * word. */
static void
put_acc(uint8_t *tcp, uint32_t off, uint32_t v, uint32_t n, uint64_t *acc)
{
	uint32_t lo = off & ~1u, hi = (off + n + 1) & ~1u, i;
	uint64_t s = *acc;

	for (i = lo; i < hi; i += 2)
		s += (uint16_t)~sl_ld16(tcp + i);
	if (n == 4)
		sl_wr32(tcp + off, v);
	else
		sl_wr16(tcp + off, (uint16_t)v);
	for (i = lo; i < hi; i += 2)
		s += sl_ld16(tcp + i);
	*acc = s;
}

/* Where the options we translate lie. A segment carries at most one
 * timestamp option; SACK options are kept in a small list (four fit in
 * 40 bytes of options only when nothing else is there). */
#define MAX_SACK_OPTS	4

struct opt_pos {
	uint32_t ts;			/* offset of the option, 0 = none */
	uint32_t mss;
	uint32_t nsack;
	uint32_t sack[MAX_SACK_OPTS];	/* offsets of SACK options */
	uint32_t sack_len[MAX_SACK_OPTS];
};

/* Checks one multi-byte option at off (len bytes, already within the
 * header) and records it in struct opt_pos arg. */
static int
opt_note(const uint8_t *tcp, uint32_t off, uint32_t len, void *arg)
{
	struct opt_pos *pos = arg;

	switch (tcp[off]) {
	case OPT_MSS:
		if (len != OPT_MSS_LEN)
			return -EINVAL;
		pos->mss = off;
		break;
	case OPT_TS:
		if (len != OPT_TS_LEN)
			return -EINVAL;
		pos->ts = off;
		break;
	case OPT_SACK:
		if (len < 2 + SACK_BLOCK || (len - 2) % SACK_BLOCK != 0 ||
		    pos->nsack == MAX_SACK_OPTS)
			return -EINVAL;
		pos->sack[pos->nsack] = off;
		pos->sack_len[pos->nsack++] = len;
		break;
	default:
		break;
	}
	return 0;
}

/* Walks the option list once, touching nothing. -EINVAL for a data offset
 * below 20, an option whose length byte is missing, below 2 or runs past
 * the header, or an MSS / timestamp / SACK option of the wrong length. */
static int
opts_scan(const uint8_t *tcp, struct opt_pos *pos)
{
	memset(pos, 0, sizeof(*pos));
	return sl_tcp_opts_walk(tcp, opt_note, pos) < 0 ? -EINVAL : 0;
}

/* Subtracts sub from each block edge of the SACK option at off. */
static void
sack_sub(uint8_t *tcp, uint32_t off, uint32_t len, uint32_t sub,
	 uint64_t *acc)
{
	uint32_t e;

	for (e = off + 2; e < off + len; e += 4)
		put_acc(tcp, e, sl_rd32(tcp + e) - sub, 4, acc);
}

int
sl_tcp_xlate(uint8_t *tcp, const struct sl_tcp_xlate *x)
{
	int has_ack = (tcp[TCP_FLAGS_OFF] & SL_TCP_ACK) != 0;
	struct opt_pos pos;
	uint64_t acc;
	uint32_t i;

	if (opts_scan(tcp, &pos) != 0)
		return -EINVAL;
	acc = (uint16_t)~sl_ld16(tcp + TCP_CSUM_OFF);
	if (x->seq_add != 0)
		put_acc(tcp, TCP_SEQ_OFF, sl_rd32(tcp + TCP_SEQ_OFF) + x->seq_add,
			4, &acc);
	if (has_ack && x->ack_sub != 0)
		put_acc(tcp, TCP_ACK_OFF, sl_rd32(tcp + TCP_ACK_OFF) - x->ack_sub,
			4, &acc);
	for (i = 0; x->ack_sub != 0 && i < pos.nsack; i++)
		sack_sub(tcp, pos.sack[i], pos.sack_len[i], x->ack_sub, &acc);
	if (pos.ts != 0 && x->tsval_add != 0)
		put_acc(tcp, pos.ts + 2, sl_rd32(tcp + pos.ts + 2) + x->tsval_add,
			4, &acc);
	/* RFC 7323: TSecr means something only with ACK (and is zero
	 * without): translate it when the acknowledgment is. */
	if (pos.ts != 0 && has_ack && x->tsecr_sub != 0)
		put_acc(tcp, pos.ts + 6, sl_rd32(tcp + pos.ts + 6) - x->tsecr_sub,
			4, &acc);
	/* With nothing changed, acc is ~HC and this writes HC back. */
	sl_st16(tcp + TCP_CSUM_OFF, (uint16_t)~sl_csum_fold64(acc));
	return 0;
}

void
sl_tcp_win_rescale(uint8_t *tcp, uint8_t backend_ws, uint8_t our_ws)
{
	uint16_t old = sl_ld16(tcp + TCP_WIN_OFF), nw;
	uint32_t win = sl_rd16(tcp + TCP_WIN_OFF);

	if (backend_ws > WSCALE_MAX)
		backend_ws = WSCALE_MAX;
	if (our_ws > WSCALE_MAX)
		our_ws = WSCALE_MAX;
	win = (win << backend_ws) >> our_ws;
	if (win > 0xffff)
		win = 0xffff;
	sl_wr16(tcp + TCP_WIN_OFF, (uint16_t)win);
	nw = sl_ld16(tcp + TCP_WIN_OFF);
	if (nw != old)
		sl_st16(tcp + TCP_CSUM_OFF,
		     sl_csum_update16(sl_ld16(tcp + TCP_CSUM_OFF), old, nw));
}

void
sl_tcp_mss_lower(uint8_t *tcp, uint16_t sub)
{
	struct opt_pos pos;
	uint32_t mss, lowered;
	uint64_t acc;

	/* A malformed list is left to the endpoints, as it is. */
	if (opts_scan(tcp, &pos) != 0 || pos.mss == 0)
		return;
	mss = sl_rd16(tcp + pos.mss + 2);
	if (mss <= MSS_MIN || sub == 0)
		return;
	lowered = mss > (uint32_t)MSS_MIN + sub ? mss - sub : MSS_MIN;
	acc = (uint16_t)~sl_ld16(tcp + TCP_CSUM_OFF);
	put_acc(tcp, pos.mss + 2, lowered, 2, &acc);
	sl_st16(tcp + TCP_CSUM_OFF, (uint16_t)~sl_csum_fold64(acc));
}

uint32_t
sl_pp2_write(uint8_t *buf, const struct sl_flow_key *key)
{
	uint32_t alen;

	if (key->family == AF_INET)
		alen = 4;
	else if (key->family == AF_INET6)
		alen = 16;
	else
		return 0;
	memcpy(buf, pp2_sig, PP2_SIG_LEN);
	buf[12] = PP2_VER_CMD;
	buf[13] = key->family == AF_INET ? PP2_TCP4 : PP2_TCP6;
	sl_wr16(buf + 14, (uint16_t)(2 * alen + 4));
	memcpy(buf + 16, key->src, alen);
	memcpy(buf + 16 + alen, key->dst, alen);
	/* Ports are already in network order in the key. */
	memcpy(buf + 16 + 2 * alen, &key->sport, 2);
	memcpy(buf + 18 + 2 * alen, &key->dport, 2);
	return 16 + 2 * alen + 4;
}

/* New IP length fields after len more bytes of payload. */
static void
pp2_fix_ip(uint8_t *l3, const struct sl_pkt_info *pi)
{
	uint16_t old, nw;

	if (pi->family == AF_INET) {
		old = sl_ld16(l3 + IPV4_TOTLEN_OFF);
		sl_wr16(l3 + IPV4_TOTLEN_OFF, pi->l3_len);
		nw = sl_ld16(l3 + IPV4_TOTLEN_OFF);
		sl_st16(l3 + IPV4_CSUM_OFF,
		     sl_csum_update16(sl_ld16(l3 + IPV4_CSUM_OFF), old, nw));
	} else {
		sl_wr16(l3 + IPV6_PLEN_OFF, pi->l4_len);
	}
}

int
sl_pp2_insert(uint8_t *frame, uint32_t frame_len, uint32_t room,
	      struct sl_pkt_info *pi, const uint8_t *hdr, uint32_t len)
{
	uint8_t *l3 = frame + pi->l3_off;
	uint8_t *l4 = frame + pi->l4_off;
	uint32_t doff, pay, end;
	uint16_t c;

	if (pi->proto != IPPROTO_TCP ||
	    (pi->family != AF_INET && pi->family != AF_INET6))
		return -EINVAL;
	doff = (uint32_t)(l4[TCP_DOFF_OFF] >> 4) * 4;
	pay = (uint32_t)pi->l4_off + doff;
	end = (uint32_t)pi->l3_off + pi->l3_len;
	if (doff < TCP_HLEN || pay > end || end > frame_len)
		return -EINVAL;
	/* The IP length fields are 16 bits (and so are l3_len / l4_len). */
	if ((uint64_t)frame_len + len > room || (uint32_t)pi->l3_len + len > 0xffff)
		return -ENOSPC;

	/* Ethernet padding past the IP length, if any, is dropped: the new
	 * frame ends with the payload. */
	memmove(frame + pay + len, frame + pay, end - pay);
	memcpy(frame + pay, hdr, len);
	pi->l3_len = (uint16_t)(pi->l3_len + len);
	pi->l4_len = (uint16_t)(pi->l4_len + len);
	pp2_fix_ip(l3, pi);
	sl_st16(l4 + TCP_CSUM_OFF, 0);
	c = sl_csum_l4(pi->family, l3, IPPROTO_TCP, l4, pi->l4_len);
	sl_st16(l4 + TCP_CSUM_OFF, c);
	return (int)(end + len);
}
