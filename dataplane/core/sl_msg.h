/* SPDX-License-Identifier: BSD-3-Clause
 * The control socket protocol between sluicectl and sluice-control.
 *
 * Request:  struct sl_msg_hdr + argc NUL-terminated words (len bytes).
 * Response: struct sl_msg_hdr (status = 0 or negative errno) + len bytes of
 *           UTF-8 text: the table, the JSON document, or the error message.
 * All header fields are little endian on the wire (both ends are local).
 */
#ifndef SL_MSG_H
#define SL_MSG_H

#include <stddef.h>
#include <stdint.h>

#define SL_MSG_MAGIC		0x31434c53u	/* "SLC1" */
#define SL_MSG_VERSION		1
#define SL_MSG_MAX_REQ		4096		/* payload bytes */
#define SL_MSG_MAX_ARGS		32
#define SL_MSG_MAX_RESP		(64u << 20)

struct sl_msg_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t argc;		/* request: number of words; response: 0 */
	int32_t status;		/* request: 0 */
	uint32_t len;		/* payload bytes that follow */
};

/* Encodes argv into buf (header + payload). Returns the total length, or
 * -E2BIG / -EINVAL (a word with no characters, too many words). */
int sl_msg_encode_req(int argc, char *const argv[], uint8_t *buf, size_t cap);

/* Validates a received header; returns 0 or -EPROTO / -E2BIG. For a
 * request checks magic, version, argc <= SL_MSG_MAX_ARGS, len <=
 * SL_MSG_MAX_REQ; for a response len <= SL_MSG_MAX_RESP. */
int sl_msg_check_hdr(const struct sl_msg_hdr *h, int is_request);

/* Splits a request payload (modified in place: must hold argc words, each
 * NUL-terminated, nothing after) into argv[0..argc-1]. Returns argc or
 * -EPROTO. */
int sl_msg_decode_req(char *payload, uint32_t len, uint16_t argc,
		      char *argv[], int max);

#endif
