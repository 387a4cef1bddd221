/*
 * keys.h - the server's key generations and their rotation
 * (docs/protocol.md, "Server key rotation"; docs/recovery.md).
 *
 *   DIR/keys/sign.sk, box.sk      the current generation (0600)
 *   DIR/keys/sign.pk, box.pk      their public halves (0644; not trusted:
 *                                 the server derives them)
 *   DIR/keys/sign.sk.G, box.sk.G  retired generation G (0600); kept so
 *                                 that terminals still trusting it can be
 *                                 answered and their batches opened
 *   server.db meta "rotation:N"   the signed statement that made
 *                                 generation N (N >= 2) from N - 1
 *
 * `polsctl init` makes generation 1. keys_rotate() makes the next one:
 * the statement is committed to server.db together with every form signed
 * again with the new key, and only then do the new key files take the
 * place of the current ones (keys_load() finishes that step if it was cut
 * short). A running polsd notices a rotation at its next request
 * (keys_fresh()).
 */
#ifndef POLS_KEYS_H
#define POLS_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "server.h"

/* (Re)load every generation into s: the current keys, the retired ones
 * still on disk, checked against the statements in server.db. On failure
 * s keeps the keys it had. 0 or -1 with reason. */
int keys_load(struct server *s, char *err, size_t errlen);

/* Reload when server.db names another generation than s holds (a
 * rotation by polsctl while polsd runs). 0, or -1 (logged as S010; s
 * keeps its keys). */
int keys_fresh(struct server *s);

void keys_free(struct server *s); /* the retired generations; wipes */

/* The generation whose signing key has kid: the current one or a retired
 * one. 0 when unknown. */
long keys_seq_of(const struct server *s, const uint8_t kid[PCRYPTO_KID_BYTES]);

/* Signing secret key, and its id, of generation seq; NULL when the
 * generation is unknown or its secret key file is gone. */
const uint8_t *keys_sign_sk(const struct server *s, long seq,
    uint8_t kid[PCRYPTO_KID_BYTES]);

/* Open a sealed box with the current box key, then with each retired one
 * still held (newest first). 0, or -1 when none opens it. out holds
 * clen - PCRYPTO_SEAL_OVERHEAD bytes. */
int keys_seal_open(const struct server *s, uint8_t *out, const uint8_t *c,
    size_t clen);

/* The statements from generation from + 1 to the current one, oldest
 * first, as sent to a terminal that trusts generation from. NULL when
 * from is current or a statement is missing (reason in err). */
cJSON *keys_chain(struct server *s, long from, char *err, size_t errlen);

/* polsctl keys rotate | keys list: the exit code's sign as in polsctl
 * (0 done, -1 failed with err, -2 usage). */
int keys_command(struct server *s, int argc, char **argv, char *err,
    size_t errlen);

int keys_rotate(struct server *s, FILE *out, char *err, size_t errlen);
int keys_list(struct server *s, FILE *out, char *err, size_t errlen);

#endif
