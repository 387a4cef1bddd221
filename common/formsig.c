/*
 * formsig.c - see formsig.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "formsig.h"
#include "util.h"
#include "wire.h"

char *
formsig_wrap(const char *text, size_t len,
    const uint8_t sig[PCRYPTO_SIG_BYTES], const uint8_t kid[PCRYPTO_KID_BYTES])
{
	char hex[2 * PCRYPTO_KID_BYTES + 1];
	char *copy, *out = NULL;
	cJSON *j;

	if ((copy = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(copy, text, len);
	copy[len] = '\0';
	util_hex(hex, kid, PCRYPTO_KID_BYTES);
	if ((j = cJSON_CreateObject()) != NULL &&
	    cJSON_AddStringToObject(j, "kid", hex) != NULL &&
	    wire_add_bytes(j, "sig", sig, PCRYPTO_SIG_BYTES) == 0 &&
	    cJSON_AddStringToObject(j, "form", copy) != NULL)
		out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	free(copy);
	return out;
}

int
formsig_open(const char *signed_json, size_t len,
    const uint8_t pk[PCRYPTO_SIGN_PK], struct form **out, char *err,
    size_t errlen)
{
	cJSON *j;
	const char *kidhex, *text;
	uint8_t kid[PCRYPTO_KID_BYTES], want[PCRYPTO_KID_BYTES];
	uint8_t sig[PCRYPTO_SIG_BYTES];
	int rv = -1;

	*out = NULL;
	if ((j = cJSON_ParseWithLength(signed_json, len)) == NULL ||
	    !cJSON_IsObject(j)) {
		snprintf(err, errlen, "signed form is not a JSON object");
		goto out;
	}
	kidhex = wire_str(j, "kid", 2 * PCRYPTO_KID_BYTES);
	text = wire_str(j, "form", FORM_MAX_BYTES);
	if (kidhex == NULL || text == NULL ||
	    util_unhex(kid, sizeof kid, kidhex) != 0 ||
	    wire_bytes(j, "sig", sig, sizeof sig) != 0) {
		snprintf(err, errlen,
		    "signed form lacks a valid \"kid\", \"sig\" or \"form\"");
		goto out;
	}
	pcrypto_kid(pk, PCRYPTO_SIGN_PK, want);
	if (sodium_memcmp(kid, want, sizeof kid) != 0) {
		snprintf(err, errlen, "form signed with unknown key %s",
		    kidhex);
		goto out;
	}
	if (pcrypto_verify(sig, PCRYPTO_LABEL_FORM, (const uint8_t *)text,
	    strlen(text), NULL, 0, pk) != 0) {
		snprintf(err, errlen, "form signature does not verify");
		goto out;
	}
	rv = form_parse(text, strlen(text), out, err, errlen);
out:
	cJSON_Delete(j);
	return rv;
}
