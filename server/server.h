/*
 * server.h - the central server's state: its database, keys and settings.
 *
 * A server installation is one directory (polsctl --data DIR):
 *   DIR/server.db        sqlite: org, published forms, terminals, applied
 *                        batch ids with hashes, merged cells
 *   DIR/keys/sign.sk/pk  Ed25519 key signing forms and replies (0600 / 0644)
 *   DIR/keys/box.sk/pk   X25519 key terminals seal batches to
 *   DIR/keys/sign.sk.G, box.sk.G  retired generation G (server/keys.h)
 *   DIR/polsd.conf       optional settings (docs/config.md)
 * The server keeps merged cells only: no per-batch or per-respondent data.
 */
#ifndef POLS_SERVER_H
#define POLS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "config.h"
#include "crypto.h"
#include "form.h"

#define SERVER_DEFAULT_URL "tcp://127.0.0.1:7450"
#define SERVER_FORM_CACHE 32

/* A retired generation of server keys (server/keys.h). A secret key is
 * NULL when its file was deleted. */
struct server_oldkey {
	long seq;
	uint8_t kid[PCRYPTO_KID_BYTES];
	uint8_t *sign_sk; /* sodium_malloc */
	uint8_t *box_sk;  /* sodium_malloc */
	uint8_t box_pk[PCRYPTO_BOX_PK];
};

struct server {
	char dir[2048];
	sqlite3 *db;
	struct config *cfg;
	uint8_t *sign_sk; /* sodium_malloc */
	uint8_t sign_pk[PCRYPTO_SIGN_PK];
	uint8_t kid[PCRYPTO_KID_BYTES];
	uint8_t *box_sk; /* sodium_malloc */
	uint8_t box_pk[PCRYPTO_BOX_PK];
	long key_seq; /* generation of the keys above: 1 + rotations */
	struct server_oldkey *retired; /* generations 1 .. key_seq - 1 */
	size_t nretired;
	struct {
		struct form *form;
	} cache[SERVER_FORM_CACHE];
	size_t cache_next;
	/* The signed forms every terminal state lists, as JSON text, and
	 * what the forms table looked like when it was made. */
	char *forms_json;
	char forms_stamp[64];
};

extern const struct config_key server_config_keys[];
extern const size_t server_config_nkeys;

/* Create DIR with database and key pairs; refuses when DIR already holds an
 * installation. 0 or -1 with reason. */
int server_create(const char *dir, char *err, size_t errlen);

/* Open an installation (config_path NULL: DIR/polsd.conf if present). */
int server_open(struct server **out, const char *dir, const char *config_path,
    char *err, size_t errlen);
void server_close(struct server *s); /* accepts NULL, wipes keys */

/* A published form by id and version (version 0: the newest). The form is
 * owned by the server's cache; valid until server_close. NULL when not
 * published, reason in err. */
const struct form *server_form(struct server *s, const char *id, int version,
    char *err, size_t errlen);

/* Publish a form file: validate, sign, store. Refuses a second, different
 * body for an id and version already published. 0 or -1. */
int server_form_publish(struct server *s, const char *path, char *err,
    size_t errlen);

/* Signed form as stored and shipped to terminals:
 *   {"kid": hex, "sig": b64, "form": "<exact JSON text>"}
 * The signature is over PCRYPTO_LABEL_FORM || 0 || form text. */
char *server_form_signed_json(struct server *s, const char *id, int version);

#endif
