/*
 * rotate.c - see rotate.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rotate.h"
#include "util.h"
#include "wire.h"

char *
rotate_make(const struct rotate_key *old, const uint8_t *old_sk,
    const struct rotate_key *next)
{
	char hex[2 * PCRYPTO_KID_BYTES + 1], *text = NULL, *out = NULL;
	uint8_t kid[PCRYPTO_KID_BYTES], sig[PCRYPTO_SIG_BYTES];
	cJSON *s = NULL, *w = NULL;

	if (next->seq != old->seq + 1 || next->seq > ROTATE_SEQ_MAX)
		return NULL;
	pcrypto_kid(old->sign_pk, sizeof old->sign_pk, kid);
	util_hex(hex, kid, sizeof kid);
	if ((s = cJSON_CreateObject()) == NULL ||
	    cJSON_AddNumberToObject(s, "v", 1) == NULL ||
	    cJSON_AddNumberToObject(s, "seq", (double)next->seq) == NULL ||
	    cJSON_AddStringToObject(s, "from", hex) == NULL ||
	    wire_add_bytes(s, "sign_pk", next->sign_pk,
	    sizeof next->sign_pk) != 0 ||
	    wire_add_bytes(s, "box_pk", next->box_pk,
	    sizeof next->box_pk) != 0 ||
	    (text = cJSON_PrintUnformatted(s)) == NULL)
		goto out;
	pcrypto_sign(sig, PCRYPTO_LABEL_ROTATE, (const uint8_t *)text,
	    strlen(text), NULL, 0, old_sk);
	if ((w = cJSON_CreateObject()) != NULL &&
	    cJSON_AddStringToObject(w, "kid", hex) != NULL &&
	    wire_add_bytes(w, "sig", sig, sizeof sig) == 0 &&
	    cJSON_AddStringToObject(w, "statement", text) != NULL)
		out = cJSON_PrintUnformatted(w);
out:
	cJSON_Delete(s);
	cJSON_Delete(w);
	free(text);
	return out;
}

/* The fields of a statement's text. 0 or -1 with reason. */
static int
parse_text(const char *text, long *seq, char from[2 * PCRYPTO_KID_BYTES + 1],
    struct rotate_key *next, char *err, size_t errlen)
{
	cJSON *s;
	const cJSON *v, *n;
	const char *f;
	int rv = -1;

	if ((s = cJSON_Parse(text)) == NULL || !cJSON_IsObject(s)) {
		snprintf(err, errlen, "statement is not a JSON object");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(s, "v");
	n = cJSON_GetObjectItemCaseSensitive(s, "seq");
	f = wire_str(s, "from", 2 * PCRYPTO_KID_BYTES);
	if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
		snprintf(err, errlen, "statement format version is not 1");
		goto out;
	}
	if (!cJSON_IsNumber(n) || n->valuedouble < 2 ||
	    n->valuedouble > ROTATE_SEQ_MAX ||
	    n->valuedouble != (double)(long)n->valuedouble) {
		snprintf(err, errlen, "statement has no valid \"seq\"");
		goto out;
	}
	if (f == NULL || strlen(f) != 2 * PCRYPTO_KID_BYTES ||
	    wire_bytes(s, "sign_pk", next->sign_pk,
	    sizeof next->sign_pk) != 0 ||
	    wire_bytes(s, "box_pk", next->box_pk, sizeof next->box_pk) != 0) {
		snprintf(err, errlen, "statement lacks a valid \"from\", "
		    "\"sign_pk\" or \"box_pk\"");
		goto out;
	}
	*seq = (long)n->valuedouble;
	next->seq = *seq;
	memcpy(from, f, 2 * PCRYPTO_KID_BYTES + 1);
	rv = 0;
out:
	cJSON_Delete(s);
	return rv;
}

int
rotate_read(const char *wrapped, size_t len, struct rotate_key *next,
    uint8_t from_kid[PCRYPTO_KID_BYTES], char *err, size_t errlen)
{
	cJSON *w;
	const char *text;
	char from[2 * PCRYPTO_KID_BYTES + 1];
	long seq;
	int rv = -1;

	if ((w = cJSON_ParseWithLength(wrapped, len)) == NULL ||
	    (text = wire_str(w, "statement", ROTATE_TEXT_MAX)) == NULL) {
		snprintf(err, errlen, "not a rotation statement");
		goto out;
	}
	if (parse_text(text, &seq, from, next, err, errlen) != 0)
		goto out;
	if (util_unhex(from_kid, PCRYPTO_KID_BYTES, from) != 0) {
		snprintf(err, errlen, "statement has no valid \"from\"");
		goto out;
	}
	rv = 0;
out:
	cJSON_Delete(w);
	return rv;
}

int
rotate_check(const cJSON *wrapped, const struct rotate_key *trusted,
    struct rotate_key *next, char *err, size_t errlen)
{
	const char *kidhex, *text;
	char want[2 * PCRYPTO_KID_BYTES + 1], from[2 * PCRYPTO_KID_BYTES + 1];
	uint8_t kid[PCRYPTO_KID_BYTES], sig[PCRYPTO_SIG_BYTES];
	struct rotate_key k;
	long seq;

	if (!cJSON_IsObject(wrapped) ||
	    (kidhex = wire_str(wrapped, "kid", 2 * PCRYPTO_KID_BYTES)) == NULL ||
	    (text = wire_str(wrapped, "statement", ROTATE_TEXT_MAX)) == NULL ||
	    wire_bytes(wrapped, "sig", sig, sizeof sig) != 0) {
		snprintf(err, errlen, "statement lacks a valid \"kid\", "
		    "\"sig\" or \"statement\"");
		return -1;
	}
	pcrypto_kid(trusted->sign_pk, sizeof trusted->sign_pk, kid);
	util_hex(want, kid, sizeof kid);
	if (strcmp(kidhex, want) != 0) {
		snprintf(err, errlen, "statement is signed by key %.16s, not "
		    "by the trusted key %s", kidhex, want);
		return -1;
	}
	/* The signature first: nothing of an unsigned text is believed. */
	if (pcrypto_verify(sig, PCRYPTO_LABEL_ROTATE, (const uint8_t *)text,
	    strlen(text), NULL, 0, trusted->sign_pk) != 0) {
		snprintf(err, errlen, "statement signature does not verify "
		    "with the trusted key %s", want);
		return -1;
	}
	if (parse_text(text, &seq, from, &k, err, errlen) != 0)
		return -1;
	if (trusted->seq >= ROTATE_SEQ_MAX || seq != trusted->seq + 1) {
		snprintf(err, errlen, "statement makes generation %ld, not %ld",
		    seq, trusted->seq + 1);
		return -1;
	}
	if (strcmp(from, want) != 0) {
		snprintf(err, errlen, "statement names key %s as the old one, "
		    "not the trusted %s", from, want);
		return -1;
	}
	if (sodium_memcmp(k.sign_pk, trusted->sign_pk, sizeof k.sign_pk) ==
	    0 || sodium_memcmp(k.box_pk, trusted->box_pk,
	    sizeof k.box_pk) == 0) {
		snprintf(err, errlen, "statement does not change the keys");
		return -1;
	}
	*next = k;
	return 0;
}

int
rotate_walk(const cJSON *chain, const struct rotate_key *trusted,
    struct rotate_key *out, char *err, size_t errlen)
{
	struct rotate_key cur = *trusted, next;
	const cJSON *it;
	char e[ERRLEN];
	int i = 0, n;

	if (!cJSON_IsArray(chain) || (n = cJSON_GetArraySize(chain)) < 1 ||
	    n > ROTATE_CHAIN_MAX) {
		snprintf(err, errlen, "rotation is not a list of 1 to %d "
		    "statements", ROTATE_CHAIN_MAX);
		return -1;
	}
	cJSON_ArrayForEach(it, chain) {
		i++;
		if (rotate_check(it, &cur, &next, e, sizeof e) != 0) {
			snprintf(err, errlen, "statement %d of %d: %s", i, n,
			    e);
			return -1;
		}
		cur = next;
	}
	*out = cur;
	return 0;
}
