/*
 * unlock.h - unlock mode: the storage key kept under a passphrase instead
 * of in KEYDIR/storage.key.
 *
 * `pols-kiosk lock` wraps the terminal's existing storage key with a key
 * derived from an administrator's passphrase (argon2id, a random salt,
 * OPSLIMIT/MEMLIMIT_MODERATE) and stores the wrapped key (XChaCha20-
 * Poly1305) and the salt in the database's meta table under "unlock";
 * then it removes storage.key. At start (`run --unlock`) the passphrase
 * unwraps the key into sodium_malloc memory; it is never written. A wrong
 * passphrase fails the AEAD tag: nothing is decrypted and the caller says
 * "wachtwoord onjuist / wrong passphrase". See deploy/kiosk-keys.md.
 */
#ifndef POLS_UNLOCK_H
#define POLS_UNLOCK_H

#include <stddef.h>
#include <stdint.h>

#define UNLOCK_KEY_BYTES 32
#define UNLOCK_PASS_MIN 12
#define UNLOCK_PASS_MAX 1024

enum { UNLOCK_OK = 0, UNLOCK_EFAIL = -1, UNLOCK_EWRONG = -2 };

/* 1 when the terminal in dir holds an unlock record, 0 when not, -1 when
 * its database cannot be read (reason in err). */
int unlock_enabled(const char *dir, char *err, size_t errlen);

/* Unwrap the storage key with the passphrase (len bytes). UNLOCK_OK and
 * *key in sodium_malloc memory (pcrypto_free_secret), UNLOCK_EWRONG for a
 * wrong passphrase, UNLOCK_EFAIL with a reason in err. */
int unlock_key(const char *dir, const char *pass, size_t len, uint8_t **key,
    char *err, size_t errlen);

/* Convert a key-file terminal to unlock mode (see above). Refuses a
 * terminal already in unlock mode and a passphrase shorter than
 * UNLOCK_PASS_MIN. storage.key is removed only after the stored record has
 * been read back and opened the database. 0 or -1 with reason in err. */
int unlock_lock(const char *dir, const char *keydir, const char *pass,
    size_t len, char *err, size_t errlen);

/* Read one passphrase line from fd (at most UNLOCK_PASS_MAX bytes, the
 * line end dropped). On a terminal the prompt goes to stderr and echo is
 * off. 0 and *pass (sodium_malloc, NUL-terminated; free with
 * unlock_pass_free) or -1. */
int unlock_read_pass(int fd, const char *prompt, char **pass, size_t *len);
void unlock_pass_free(char *pass); /* accepts NULL; wipes */

#endif
