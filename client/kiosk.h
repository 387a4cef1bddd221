/*
 * kiosk.h - a terminal's state: its database, keys, teams and forms.
 *
 * Layout of a terminal (pols-kiosk --data KDIR [--keys KEYDIR]):
 *   KDIR/db/kiosk.db   sqlite: meta, teams, signed forms, encrypted
 *                      accumulators, sealed batches
 *   KDIR/kiosk.conf    optional settings (docs/config.md)
 *   KEYDIR (default KDIR/keys, never the database's folder):
 *     storage.key      32 random bytes; subkeys for the accumulators (0600)
 *     terminal.sk      the terminal's Ed25519 secret key (0600)
 *     enroll.token     one-time token until the server has bound our key
 *
 * No raw response is ever written: kiosk_submit() folds a validated
 * response into the accumulator of its cell (team, form version, period)
 * in one transaction. Accumulator rows are named by a keyed hash and hold
 * only XChaCha20-Poly1305 ciphertext, bound to their row name.
 */
#ifndef POLS_KIOSK_H
#define POLS_KIOSK_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "config.h"
#include "crypto.h"
#include "form.h"
#include "rotate.h"
#include "wire.h"

struct kiosk {
	char dir[2048];
	char keydir[2048];
	sqlite3 *db;
	struct config *cfg;
	char name[WIRE_NAME_MAX + 1];
	char url[512];
	uint8_t *acc_key;   /* sodium_malloc: AEAD subkey */
	uint8_t *rowid_key; /* sodium_malloc: keyed-hash subkey */
	uint8_t *sign_sk;   /* sodium_malloc */
	uint8_t sign_pk[PCRYPTO_SIGN_PK];
	uint8_t kid[PCRYPTO_KID_BYTES];
	uint8_t server_sign_pk[PCRYPTO_SIGN_PK];
	uint8_t server_kid[PCRYPTO_KID_BYTES];
	uint8_t server_box_pk[PCRYPTO_BOX_PK];
	long server_key_seq; /* generation of the server keys above */
	int revoked;
};

extern const struct config_key kiosk_config_keys[];
extern const size_t kiosk_config_nkeys;

/* Exit codes shared by the kiosk's commands. */
enum {
	KIOSK_OK = 0,
	KIOSK_EFAIL = 1,    /* could not finish; nothing lost */
	KIOSK_EINPUT = 2,   /* bad input or usage; nothing stored */
	KIOSK_EREVOKED = 3, /* this terminal was revoked */
	KIOSK_EREFUSED = 4, /* the server refused some batches (kept) */
	KIOSK_EKEY = 5      /* a server key rotation did not verify; the
			     * terminal keeps the keys it trusts */
};

/* Set up KDIR from an enrollment bundle: make keys, store trust anchors,
 * teams and verified forms. Refuses an existing terminal. */
int kiosk_enroll(const char *dir, const char *keydir, const char *bundle,
    char *err, size_t errlen);

/* Open an enrolled terminal (keydir NULL: KDIR/keys). */
int kiosk_open(struct kiosk **out, const char *dir, const char *keydir,
    char *err, size_t errlen);
void kiosk_close(struct kiosk *k); /* accepts NULL; wipes keys */

/* kiosk_open for unlock mode: the 32-byte storage key is given (the
 * caller keeps and wipes it) instead of read from KEYDIR/storage.key. The
 * database's key check still proves it belongs here. */
int kiosk_open_unlocked(struct kiosk **out, const char *dir,
    const char *keydir, const uint8_t *storage_key, char *err,
    size_t errlen);

/* Trust the server keys nk (a verified rotation) from now on: stored in
 * one transaction, then used. 0 or -1 with reason (nothing changed). */
int kiosk_server_keys(struct kiosk *k, const struct rotate_key *nk,
    char *err, size_t errlen);

/* Newest verified version of form id. Caller frees with form_free. */
struct form *kiosk_form(struct kiosk *k, const char *id, char *err,
    size_t errlen);

/* Form id as team can answer it now: the newest version, and for a
 * campaign form only while an open wave covers team today. On success 0,
 * *out owns the form (form_free) and, when left_out is not NULL,
 * *left_out (free) holds one byte per item, 1 for items of modules the
 * wave leaves out (never asked). -1 with a one-line reason otherwise. */
int kiosk_form_open(struct kiosk *k, const char *id, const char *team,
    struct form **out, unsigned char **left_out, char *err, size_t errlen);

/* 1 when this terminal serves team. */
int kiosk_serves(struct kiosk *k, const char *team);

/* Validate answers for form/team and fold them in (the one path for both
 * the scripted and the interactive kiosk). KIOSK_OK, or KIOSK_EINPUT /
 * KIOSK_EREVOKED / KIOSK_EFAIL with a one-line reason; nothing is stored
 * unless KIOSK_OK. */
int kiosk_submit(struct kiosk *k, const char *form_id, const char *team,
    const cJSON *answers, char *err, size_t errlen);

/* Cut every non-empty accumulator into a sealed batch (one transaction).
 * Returns the number of batches cut, or -1. */
int kiosk_cut(struct kiosk *k, char *err, size_t errlen);

/* Pending work: accumulators and batches waiting to be acknowledged
 * (acknowledged ones kept for the retention window are not counted).
 * 0 or -1. */
int kiosk_pending(struct kiosk *k, long *cells, long *batches);

/* Send every batch and wait for signed acknowledgements; retry with
 * backoff for at most the configured sync_timeout. Returns a KIOSK_ code;
 * err explains anything but KIOSK_OK. */
int kiosk_sync(struct kiosk *k, char *err, size_t errlen);

/* For sync.c: open an accumulator box of row into its JSON plaintext
 * (malloc'd; the caller wipes and frees), or NULL when it does not open. */
char *kiosk_acc_open(struct kiosk *k, const char *row, const uint8_t *box,
    size_t len);

#endif
