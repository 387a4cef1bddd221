/*
 * wire.c - see wire.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "wire.h"

int
wire_encode(enum wire_type type, const uint8_t kid[PCRYPTO_KID_BYTES],
    const char *body, size_t body_len, const uint8_t *sk, uint8_t **out,
    size_t *outlen)
{
	uint8_t *m;
	size_t total = WIRE_HEADER + body_len + PCRYPTO_SIG_BYTES;
	const char *label = (type == WIRE_HELLO || type == WIRE_SYNC) ?
	    PCRYPTO_LABEL_REQUEST : PCRYPTO_LABEL_REPLY;

	*out = NULL;
	if (body_len > WIRE_MAX_BODY || (m = malloc(total)) == NULL)
		return -1;
	memcpy(m, WIRE_MAGIC, 4);
	m[4] = WIRE_VERSION;
	m[5] = (uint8_t)type;
	m[6] = m[7] = 0;
	memcpy(m + 8, kid, PCRYPTO_KID_BYTES);
	m[16] = (uint8_t)(body_len >> 24);
	m[17] = (uint8_t)(body_len >> 16);
	m[18] = (uint8_t)(body_len >> 8);
	m[19] = (uint8_t)body_len;
	memcpy(m + WIRE_HEADER, body, body_len);
	pcrypto_sign(m + WIRE_HEADER + body_len, label, m,
	    WIRE_HEADER + body_len, NULL, 0, sk);
	*out = m;
	*outlen = total;
	return 0;
}

int
wire_decode(const uint8_t *buf, size_t len, struct wire_msg *m, char *err,
    size_t errlen)
{
	size_t blen;

	memset(m, 0, sizeof *m);
	if (len < WIRE_HEADER || memcmp(buf, WIRE_MAGIC, 4) != 0) {
		snprintf(err, errlen, "not a pols message (%zu bytes)", len);
		return -1;
	}
	m->version = buf[4];
	m->type = buf[5];
	if (m->version != WIRE_VERSION) {
		snprintf(err, errlen,
		    "protocol version %u not supported (this side speaks %u)",
		    m->version, WIRE_VERSION);
		return -2;
	}
	if (m->type < WIRE_HELLO || m->type > WIRE_ERROR || buf[6] || buf[7]) {
		snprintf(err, errlen, "unknown message type %u", m->type);
		return -1;
	}
	blen = (size_t)buf[16] << 24 | (size_t)buf[17] << 16 |
	    (size_t)buf[18] << 8 | buf[19];
	if (blen > WIRE_MAX_BODY ||
	    len != WIRE_HEADER + blen + PCRYPTO_SIG_BYTES) {
		snprintf(err, errlen,
		    "message length %zu does not match body length %zu", len,
		    blen);
		return -1;
	}
	memcpy(m->kid, buf + 8, PCRYPTO_KID_BYTES);
	m->body = buf + WIRE_HEADER;
	m->body_len = blen;
	m->sig = buf + WIRE_HEADER + blen;
	m->whole = buf;
	m->whole_len = WIRE_HEADER + blen;
	return 0;
}

int
wire_verify(const struct wire_msg *m, const uint8_t *pk)
{
	const char *label = (m->type == WIRE_HELLO || m->type == WIRE_SYNC) ?
	    PCRYPTO_LABEL_REQUEST : PCRYPTO_LABEL_REPLY;

	return pcrypto_verify(m->sig, label, m->whole, m->whole_len, NULL, 0,
	    pk);
}

cJSON *
wire_body(const struct wire_msg *m)
{
	cJSON *j = cJSON_ParseWithLength((const char *)m->body, m->body_len);

	if (j != NULL && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

char *
wire_padded(cJSON *body)
{
	static const size_t classes[] = {1024, 4096, 16384, 65536, 262144,
	    1048576, WIRE_MAX_MSG};
	char *text = cJSON_PrintUnformatted(body), *pad;
	/* ,"pad":"" - without the comma in an empty object */
	size_t len, total, want = 0, extra = sizeof ",\"pad\":\"\"" -
	    (body->child == NULL ? 2 : 1);

	if (text == NULL)
		return NULL;
	len = strlen(text);
	total = WIRE_HEADER + len + PCRYPTO_SIG_BYTES;
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		if (classes[i] >= total + extra) {
			want = classes[i];
			break;
		}
	}
	if (want == 0)
		return text; /* beyond the largest class: as it is */
	free(text);
	if ((pad = malloc(want - total - extra + 1)) == NULL)
		return NULL;
	memset(pad, '.', want - total - extra);
	pad[want - total - extra] = '\0';
	if (cJSON_AddStringToObject(body, "pad", pad) == NULL) {
		free(pad);
		return NULL;
	}
	free(pad);
	return cJSON_PrintUnformatted(body);
}

const char *
wire_type_name(int type)
{
	static const char *const names[] = {"?", "hello", "challenge", "sync",
	    "ack", "error"};
	return (type >= WIRE_HELLO && type <= WIRE_ERROR) ? names[type] : "?";
}

const char *
wire_str(const cJSON *obj, const char *name, size_t max)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsString(j) || strlen(j->valuestring) > max)
		return NULL;
	return j->valuestring;
}

int
wire_bytes(const cJSON *obj, const char *name, uint8_t *out, size_t n)
{
	const char *s = wire_str(obj, name, 4 * n / 3 + 4);
	uint8_t *buf;
	size_t len;

	if (s == NULL || util_unb64(s, n, &buf, &len) != 0)
		return -1;
	if (len != n) {
		free(buf);
		return -1;
	}
	memcpy(out, buf, n);
	sodium_memzero(buf, len);
	free(buf);
	return 0;
}

int
wire_add_bytes(cJSON *obj, const char *name, const uint8_t *in, size_t n)
{
	char *s = util_b64(in, n);
	int rv = -1;

	if (s != NULL && cJSON_AddStringToObject(obj, name, s) != NULL)
		rv = 0;
	free(s);
	return rv;
}
