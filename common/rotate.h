/*
 * rotate.h - rotation statements: how a terminal moves from a server key
 * it trusts to the server's next keys without being enrolled again
 * (docs/protocol.md, "Server key rotation").
 *
 * The server's keys come in generations: `polsctl init` makes generation
 * 1, each `polsctl keys rotate` the next. A statement names the new
 * generation's public keys and is signed with the previous generation's
 * signing key:
 *
 *   text: {"v":1,"seq":N,"from":"<hex key id of generation N-1>",
 *          "sign_pk":"<base64, 32 bytes>","box_pk":"<base64, 32 bytes>"}
 *   sig:  Ed25519ph over PCRYPTO_LABEL_ROTATE || 0 || text
 *   sent: {"kid": "<hex key id of generation N-1>", "sig": "<base64>",
 *          "statement": "<text>"}
 *
 * A terminal that trusts generation g walks the statements g+1, g+2, ...
 * in order, each checked with the key the one before it established.
 */
#ifndef POLS_ROTATE_H
#define POLS_ROTATE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "crypto.h"

#define ROTATE_TEXT_MAX 512 /* bytes of a statement's text */
#define ROTATE_CHAIN_MAX 64 /* statements a terminal walks in one reply */
#define ROTATE_SEQ_MAX 1000000000L

/* One generation of server public keys. */
struct rotate_key {
	long seq; /* generation: 1 for the keys of polsctl init */
	uint8_t sign_pk[PCRYPTO_SIGN_PK];
	uint8_t box_pk[PCRYPTO_BOX_PK];
};

/* The statement that moves from generation old->seq (whose signing secret
 * key is old_sk) to next (next->seq must be old->seq + 1), wrapped as sent.
 * malloc'd JSON text (free), or NULL (out of memory, bad sequence). */
char *rotate_make(const struct rotate_key *old, const uint8_t *old_sk,
    const struct rotate_key *next);

/* Read a wrapped statement without checking its signature (the server
 * reading its own): fills next and the key id that signed it. 0 or -1
 * with reason. */
int rotate_read(const char *wrapped, size_t len, struct rotate_key *next,
    uint8_t from_kid[PCRYPTO_KID_BYTES], char *err, size_t errlen);

/* Check one wrapped statement (an object as sent) against trusted: signed
 * by trusted's key, sequence trusted->seq + 1, "from" trusted's key id,
 * new keys that differ from the trusted ones. 0 with *next filled, or -1
 * with reason; *next is not touched then. */
int rotate_check(const cJSON *wrapped, const struct rotate_key *trusted,
    struct rotate_key *next, char *err, size_t errlen);

/* Walk a chain (an array of 1 to ROTATE_CHAIN_MAX wrapped statements,
 * oldest first) from trusted. 0 with *out the last generation, or -1 with
 * reason naming the statement that failed; *out is not touched then. */
int rotate_walk(const cJSON *chain, const struct rotate_key *trusted,
    struct rotate_key *out, char *err, size_t errlen);

#endif
