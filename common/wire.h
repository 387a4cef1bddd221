/*
 * wire.h - the sync protocol's envelope (spec: docs/protocol.md).
 *
 * Every message, in both directions, is one NNG message:
 *
 *   0   4  magic "POLS"
 *   4   1  protocol version (WIRE_VERSION)
 *   5   1  type (enum wire_type)
 *   6   2  reserved, zero
 *   8   8  key id of the signing key (terminal's or server's)
 *   16  4  body length, big endian, at most WIRE_MAX_BODY
 *   20  n  body: UTF-8 JSON object
 *   20+n 64 Ed25519ph signature over label || 0 || bytes 0 .. 20+n
 *
 * Requests (HELLO, SYNC) are signed with PCRYPTO_LABEL_REQUEST by the
 * terminal, replies (CHALLENGE, ACK, ERROR) with PCRYPTO_LABEL_REPLY by the
 * server. The type byte is signed, so one kind cannot stand in for another.
 */
#ifndef POLS_WIRE_H
#define POLS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "crypto.h"

#define WIRE_MAGIC "POLS"
#define WIRE_VERSION 1
#define WIRE_HEADER 20
#define WIRE_MAX_BODY (4u * 1024 * 1024)
#define WIRE_MAX_MSG (WIRE_HEADER + WIRE_MAX_BODY + PCRYPTO_SIG_BYTES)
#define WIRE_NONCE_BYTES 32
#define WIRE_BATCH_ID_BYTES 16
#define WIRE_MAX_BATCHES 64       /* per SYNC request */
#define WIRE_MAX_SEALED (256 * 1024) /* one sealed batch */
#define WIRE_NAME_MAX 64          /* terminal names */

enum wire_type {
	WIRE_HELLO = 1,
	WIRE_CHALLENGE = 2,
	WIRE_SYNC = 3,
	WIRE_ACK = 4,
	WIRE_ERROR = 5
};

/* Error codes carried in ERROR bodies ("code"), see docs/protocol.md. */
#define WIRE_E_MALFORMED "malformed"
#define WIRE_E_VERSION "version"
#define WIRE_E_SIGNATURE "bad_signature"
#define WIRE_E_UNKNOWN "unknown_terminal"
#define WIRE_E_REVOKED "revoked"
#define WIRE_E_CHALLENGE "stale_challenge"
#define WIRE_E_ENROLL "enroll_failed"
#define WIRE_E_INTERNAL "internal"

/* A decoded message; pointers point into the buffer given to wire_decode,
 * which must outlive it. */
struct wire_msg {
	uint8_t version;
	uint8_t type;
	uint8_t kid[PCRYPTO_KID_BYTES];
	const uint8_t *body;
	size_t body_len;
	const uint8_t *sig;
	const uint8_t *whole; /* the signed bytes: header + body */
	size_t whole_len;
};

/* Build and sign a message. *out is malloc'd (free). 0 or -1 (too large,
 * OOM). */
int wire_encode(enum wire_type type, const uint8_t kid[PCRYPTO_KID_BYTES],
    const char *body, size_t body_len, const uint8_t *sk, uint8_t **out,
    size_t *outlen);

/* Check framing only (magic, lengths, type). Returns 0, or -1 with a
 * reason; a message of another protocol version decodes far enough to
 * fill m->version and returns -2, so the caller can answer WIRE_E_VERSION. */
int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *m,
    char *err, size_t errlen);

/* Verify m's signature with the label for its direction. 0 or -1. */
__attribute__((warn_unused_result)) int wire_verify(const struct wire_msg *m,
    const uint8_t *pk);

/* Parse the body as a JSON object; NULL when it is not one. Free with
 * cJSON_Delete. */
cJSON *wire_body(const struct wire_msg *m);

const char *wire_type_name(int type);

/* Pad body (a JSON object without "pad") so its message lands on one of a
 * few sizes (1, 4, 16, 64, 256 KiB, 1, 4 MiB): the size of a sync then
 * says little about what it carries. Returns the body text to send
 * (malloc'd, free) or NULL on OOM. */
char *wire_padded(cJSON *body);

/* Helpers for bodies: a string member with at most max bytes, or NULL. */
const char *wire_str(const cJSON *obj, const char *name, size_t max);
/* A base64 member decoding to exactly n bytes into out: 0 or -1. */
int wire_bytes(const cJSON *obj, const char *name, uint8_t *out, size_t n);
/* Add base64 of n bytes as member name: 0 or -1 (OOM). */
int wire_add_bytes(cJSON *obj, const char *name, const uint8_t *in, size_t n);

#endif
