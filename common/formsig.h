/*
 * formsig.h - signed forms, as the server ships them and terminals check them.
 *
 *   {"kid": "<hex key id>", "sig": "<base64 Ed25519ph>", "form": "<JSON text>"}
 *
 * The signature covers PCRYPTO_LABEL_FORM || 0 || the exact form text, so a
 * form signature cannot be taken for a reply signature or the reverse.
 * Terminals run only forms whose signature verifies with the server key.
 */
#ifndef POLS_FORMSIG_H
#define POLS_FORMSIG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "form.h"

/* Wrap text with a signature made earlier. malloc'd JSON (free) or NULL. */
char *formsig_wrap(const char *text, size_t len,
    const uint8_t sig[PCRYPTO_SIG_BYTES], const uint8_t kid[PCRYPTO_KID_BYTES]);

/* Check signed (len bytes) with pk and parse the form inside. On success 0,
 * *out owns the form (form_free). -1 with reason: bad JSON, unknown key id,
 * signature does not verify, or the form itself is invalid. */
int formsig_open(const char *signed_json, size_t len,
    const uint8_t pk[PCRYPTO_SIGN_PK], struct form **out, char *err,
    size_t errlen);

#endif
