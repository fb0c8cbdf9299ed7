/* SPDX-License-Identifier: BSD-3-Clause
 * The control socket protocol: request encoding and checks on what arrives.
 * Everything read from the socket is untrusted: every length is checked
 * before it is used.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "sl_msg.h"

int
sl_msg_encode_req(int argc, char *const argv[], uint8_t *buf, size_t cap)
{
	struct sl_msg_hdr h;
	size_t len = 0, wlen;
	uint8_t *p;
	int i;

	if (argc < 1 || argc > SL_MSG_MAX_ARGS || argv == NULL || buf == NULL)
		return -EINVAL;
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL || argv[i][0] == '\0')
			return -EINVAL;
		len += strnlen(argv[i], SL_MSG_MAX_REQ + 1) + 1;
		if (len > SL_MSG_MAX_REQ)
			return -E2BIG;
	}
	if (cap < sizeof(h) || cap - sizeof(h) < len)
		return -E2BIG;

	h.magic = htole32(SL_MSG_MAGIC);
	h.version = htole16(SL_MSG_VERSION);
	h.argc = htole16((uint16_t)argc);
	h.status = 0;
	h.len = htole32((uint32_t)len);
	memcpy(buf, &h, sizeof(h));
	p = buf + sizeof(h);
	for (i = 0; i < argc; i++) {
		wlen = strlen(argv[i]) + 1;
		memcpy(p, argv[i], wlen);
		p += wlen;
	}
	return (int)(sizeof(h) + len);
}

int
sl_msg_check_hdr(const struct sl_msg_hdr *h, int is_request)
{
	uint32_t len = le32toh(h->len);
	uint16_t argc = le16toh(h->argc);
	int32_t status = (int32_t)le32toh((uint32_t)h->status);

	if (le32toh(h->magic) != SL_MSG_MAGIC ||
	    le16toh(h->version) != SL_MSG_VERSION)
		return -EPROTO;
	if (is_request) {
		/* A request carries at least one word, and no status. */
		if (argc == 0 || status != 0)
			return -EPROTO;
		if (argc > SL_MSG_MAX_ARGS || len > SL_MSG_MAX_REQ)
			return -E2BIG;
		/* Each word takes at least two bytes (a character, a NUL). */
		if (len < 2u * argc)
			return -EPROTO;
		return 0;
	}
	if (argc != 0 || status > 0)
		return -EPROTO;
	if (len > SL_MSG_MAX_RESP)
		return -E2BIG;
	return 0;
}

int
sl_msg_decode_req(char *payload, uint32_t len, uint16_t argc, char *argv[],
		  int max)
{
	uint32_t off = 0;
	char *nul;
	int i;

	if (payload == NULL || argv == NULL || argc == 0 ||
	    argc > SL_MSG_MAX_ARGS || (int)argc > max || len > SL_MSG_MAX_REQ)
		return -EPROTO;
	for (i = 0; i < argc; i++) {
		if (off >= len)
			return -EPROTO;		/* fewer words than argc */
		nul = memchr(payload + off, '\0', len - off);
		if (nul == NULL)
			return -EPROTO;		/* last word not terminated */
		if (nul == payload + off)
			return -EPROTO;		/* empty word */
		argv[i] = payload + off;
		off = (uint32_t)(nul - payload) + 1;
	}
	if (off != len)
		return -EPROTO;			/* bytes after the last word */
	return argc;
}
