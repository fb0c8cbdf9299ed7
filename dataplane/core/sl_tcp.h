/* SPDX-License-Identifier: BSD-3-Clause
 * TCP for the edge policy: options, SYN cookies, segments Sluice writes
 * itself (cookie SYN-ACK, the SYN and ACK of the SYN proxy toward a backend,
 * RST and ICMP unreachable replies), sequence / timestamp translation of a
 * proxied or shifted flow, and the PROXY protocol v2 header.
 * Pure byte-buffer code (no mbuf, no EAL).
 */
#ifndef SL_TCP_H
#define SL_TCP_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "sl_flow.h"
#include "sl_pkt.h"

/* ---- Options ----------------------------------------------------------- */

struct sl_tcp_opts {
	uint16_t mss;		/* 0 = absent */
	uint8_t has_wscale;
	uint8_t wscale;		/* 0 .. 14 (larger values clamped to 14) */
	uint8_t sack_ok;	/* SACK permitted */
	uint8_t has_ts;
	uint32_t tsval;		/* host order */
	uint32_t tsecr;
};

/* Walks the options of the TCP header at tcp (its data offset says how
 * long): calls fn(tcp, off, len, arg) for each option of two bytes or
 * more, at offset off from tcp; EOL ends the list, NOPs are skipped.
 * Returns 0, -EINVAL for a data offset below 20 or an option whose length
 * byte is missing, below 2 (which would loop forever) or runs past the
 * header, or the first negative value fn returns. Inline, so that each
 * caller's fn is inlined into its loop. */
typedef int (*sl_tcp_opt_fn)(const uint8_t *tcp, uint32_t off, uint32_t len,
			     void *arg);

static inline int
sl_tcp_opts_walk(const uint8_t *tcp, sl_tcp_opt_fn fn, void *arg)
{
	uint32_t end = (uint32_t)(tcp[12] >> 4) * 4, off = 20, len;
	int rc;

	if (end < 20)
		return -EINVAL;
	while (off < end) {
		if (tcp[off] == 0)		/* EOL */
			break;
		if (tcp[off] == 1) {		/* NOP */
			off++;
			continue;
		}
		if (off + 1 >= end)
			return -EINVAL;
		len = tcp[off + 1];
		if (len < 2 || off + len > end)
			return -EINVAL;
		rc = fn(tcp, off, len, arg);
		if (rc < 0)
			return rc;
		off += len;
	}
	return 0;
}

/* Parses the options of the TCP header at tcp (its data offset says how
 * long). Unknown options are skipped. Returns 0, or -EINVAL for a
 * malformed list (length 0/1 of a multi-byte option, running past the
 * header). */
int sl_tcp_opts_parse(const uint8_t *tcp, struct sl_tcp_opts *o);

/* Writes the options of o (MSS, SACK permitted, timestamps, window scale,
 * NOP padded to a multiple of 4) into buf; returns the length (<= 20). */
uint32_t sl_tcp_opts_write(uint8_t *buf, const struct sl_tcp_opts *o);

/* ---- SYN cookies --------------------------------------------------------
 * The cookie (our ISN) carries a 5-bit time counter (64 s periods), a
 * 3-bit MSS index and a 24-bit keyed MAC over the client -> VIP 4-tuple,
 * the client's ISN, the full counter, the MSS index and the option bits.
 * When the client's SYN carries timestamps, the low 6 bits of our TSval
 * carry its window scale (4 bits, 0xf = none) and SACK permitted (1 bit),
 * covered by the MAC, so the ACK's TSecr gives them back. Without
 * timestamps only the MSS survives (as with Linux).
 * A cookie is valid during the period it was made and the next one. */

#define SL_COOKIE_PERIOD_S	64

struct sl_cookie_secret {
	uint64_t k[2];		/* SipHash-2-4 key */
};

/* Our cookie for a SYN of key k (client -> VIP as received) with ISN isn
 * and options syn (parsed). now_s: seconds (wall clock, shared by every
 * worker and every instance sharing the secret). now_ms: for the TSval.
 * ours receives the options of the SYN-ACK: MSS (the largest table value
 * not above the client's, 536 when absent), and when the client sent
 * timestamps: tsval (encoded), tsecr = client's tsval, wscale = our_wscale
 * when the client offered window scaling, sack_ok as offered. */
uint32_t sl_cookie_make(const struct sl_cookie_secret *s,
			const struct sl_flow_key *k, uint32_t isn,
			const struct sl_tcp_opts *syn, uint8_t our_wscale,
			uint32_t now_s, uint32_t now_ms,
			struct sl_tcp_opts *ours);

/* Checks the cookie of the client's ACK (ack number - 1) for key k, the
 * client's ISN (sequence number - 1) and the ACK's options. On success
 * fills out with what the client's SYN offered: mss (the table value),
 * has_wscale/wscale, sack_ok, has_ts (tsval/tsecr from the ACK). Returns
 * 0, -ETIMEDOUT (too old or from the future) or -EBADMSG (forged). */
int sl_cookie_check(const struct sl_cookie_secret *s,
		    const struct sl_flow_key *k, uint32_t isn, uint32_t cookie,
		    const struct sl_tcp_opts *ack, uint32_t now_s,
		    struct sl_tcp_opts *out);

/* ---- Segments Sluice writes ------------------------------------------- */

struct sl_tcp_seg {
	struct sl_flow_key key;		/* src -> dst of the segment (family,
					 * addresses, ports; proto ignored) */
	uint32_t seq;			/* host order */
	uint32_t ack;
	uint8_t flags;			/* SL_TCP_* */
	uint16_t win;			/* host order, as written */
	const struct sl_tcp_opts *opts;	/* NULL: none */
	const uint8_t *payload;
	uint32_t payload_len;
};

/* Room sl_tcp_build() needs before the payload: IPv6 + TCP + options. */
#define SL_TCP_BUILD_HDR_MAX	(40 + 20 + 20)

/* Writes the IPv4 (DF, TTL 64, id 0) or IPv6 (hop limit 64) header, the TCP
 * header, options and payload at l3, with both checksums. Returns the L3
 * length written. */
uint32_t sl_tcp_build(uint8_t *l3, const struct sl_tcp_seg *s);

/* The RST that answers the TCP packet frame / pi (RFC 793: if it had ACK,
 * seq = its ack and flags RST; else seq 0, ack = its seq + its length
 * (+1 per SYN and FIN) and flags RST|ACK), from its destination to its
 * source, written at l3. Returns the L3 length, 0 for a packet that must
 * not be answered (a RST). */
uint32_t sl_tcp_rst_build(uint8_t *l3, const uint8_t *frame,
			  const struct sl_pkt_info *pi);

/* ICMP destination unreachable, administratively prohibited (IPv4 type 3
 * code 13, ICMPv6 type 1 code 1) answering frame / pi, from its destination
 * address, quoting its IP header and as much of the rest as fits in 576
 * (IPv4) / 1280 (IPv6) bytes. Written at l3 (room: 1280 bytes). Returns
 * the L3 length, 0 when the packet must not be answered (an ICMP error). */
#define SL_ICMP_UNREACH_MAX	1280
uint32_t sl_icmp_unreach_build(uint8_t *l3, const uint8_t *frame,
			       const struct sl_pkt_info *pi);

/* ---- Translation of a flow's sequence space ----------------------------
 * A flow may see two shifts:
 *   - SYN proxy: the client knows our cookie ISN, the backend its own ISN:
 *     backend -> client seq += seq_delta (cookie - backend ISN), client ->
 *     backend ack and SACK blocks -= seq_delta; timestamps: backend ->
 *     client TSval += ts_delta, client -> backend TSecr -= ts_delta.
 *   - PROXY v2: the backend's byte stream has the header's length more
 *     bytes than the client sent: client -> backend seq += shift, backend ->
 *     client ack and SACK blocks -= shift.
 * All in modular 32-bit arithmetic (wrap-around safe), with incremental
 * TCP checksum updates. */

struct sl_tcp_xlate {
	uint32_t seq_add;	/* added to seq */
	uint32_t ack_sub;	/* subtracted from ack and SACK block edges */
	uint32_t tsval_add;	/* added to TSval */
	uint32_t tsecr_sub;	/* subtracted from TSecr */
};

/* Applies x to the TCP header at tcp (within an IPv4/IPv6 packet whose
 * checksum field is valid), in place; returns 0 or -EINVAL for malformed
 * options. A zero x leaves the packet as is. */
int sl_tcp_xlate(uint8_t *tcp, const struct sl_tcp_xlate *x);

/* Rescales the window of a backend -> client segment: the client believes
 * the window scale is ours (the cookie SYN-ACK's), the backend scales by
 * its own. win' = min(0xffff, (win << backend_ws) >> our_ws), checksum
 * updated. */
void sl_tcp_win_rescale(uint8_t *tcp, uint8_t backend_ws, uint8_t our_ws);

/* Lowers the MSS option of the TCP header at tcp (if any) by sub bytes (not
 * below 536), checksum updated: the backend's SYN-ACK of a PROXY v2 flow,
 * so that a full-sized client segment plus the header still fits. */
void sl_tcp_mss_lower(uint8_t *tcp, uint16_t sub);

/* ---- PROXY protocol v2 ------------------------------------------------- */

#define SL_PP2_LEN_V4	28	/* 16 + 12 */
#define SL_PP2_LEN_V6	52	/* 16 + 36 */

/* Writes the v2 header (PROXY command, TCP over IPv4 / IPv6) for a
 * connection from client (key->src, sport) to the VIP (key->dst, dport),
 * key as received from the client. Returns its length. */
uint32_t sl_pp2_write(uint8_t *buf, const struct sl_flow_key *key);

/* Inserts hdr (len bytes) at the start of the TCP payload of the packet
 * frame / pi (frame_len bytes used, room bytes available at frame), moving
 * the payload up, fixing the IP total / payload length, the IPv4 header
 * checksum and the TCP checksum (recomputed), and pi (l3_len, l4_len).
 * Returns the new frame length, or -ENOSPC when room is too small. */
int sl_pp2_insert(uint8_t *frame, uint32_t frame_len, uint32_t room,
		  struct sl_pkt_info *pi, const uint8_t *hdr, uint32_t len);

#endif
