/*
 * crypto.h - the few cryptographic operations pols uses, on libsodium.
 *
 *  - Signatures: Ed25519ph (crypto_sign_init/update/final) over a domain
 *    label, a NUL, then the message. The labels below keep a signature made
 *    for one purpose from being accepted for another.
 *  - Storage at rest: XChaCha20-Poly1305 (IETF AEAD) with a random 24-byte
 *    nonce prefixed to the ciphertext and caller-chosen associated data.
 *  - Batches to the server: sealed boxes (X25519) to the server's box key;
 *    only the server can open them, not even the terminal that made them.
 *  - Key ids: the first 8 bytes of BLAKE2b-256 of a public key.
 *
 * Secret keys live in sodium_malloc'd memory (guard pages, mlock) and are
 * freed with pcrypto_free_secret, which wipes them. Key files are raw bytes,
 * created 0600 with O_EXCL|O_NOFOLLOW; a secret key file readable by group
 * or others is refused.
 */
#ifndef POLS_CRYPTO_H
#define POLS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#define PCRYPTO_KID_BYTES 8
#define PCRYPTO_HASH_BYTES 32
#define PCRYPTO_SIG_BYTES crypto_sign_BYTES
#define PCRYPTO_SIGN_PK crypto_sign_PUBLICKEYBYTES
#define PCRYPTO_SIGN_SK crypto_sign_SECRETKEYBYTES
#define PCRYPTO_BOX_PK crypto_box_PUBLICKEYBYTES
#define PCRYPTO_BOX_SK crypto_box_SECRETKEYBYTES
#define PCRYPTO_AEAD_KEY crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define PCRYPTO_AEAD_OVERHEAD \
	(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + \
	 crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define PCRYPTO_SEAL_OVERHEAD crypto_box_SEALBYTES

/* Domain-separation labels for everything pols signs. */
#define PCRYPTO_LABEL_REQUEST "pols/v1/request"
#define PCRYPTO_LABEL_REPLY "pols/v1/reply"
#define PCRYPTO_LABEL_FORM "pols/v1/form"
#define PCRYPTO_LABEL_ROTATE "pols/v1/rotate" /* common/rotate.h */

/* sodium_init, and cJSON made to wipe what it frees; -1 when libsodium
 * cannot start. Every program calls it first. */
int pcrypto_init(void);

/* Key files. Secret keys come back in sodium_malloc memory. */
int pcrypto_key_write(const char *path, const uint8_t *key, size_t len,
    int secret, char *err, size_t errlen);
uint8_t *pcrypto_key_read_secret(const char *path, size_t len, char *err,
    size_t errlen);
int pcrypto_key_read_public(const char *path, uint8_t *out, size_t len,
    char *err, size_t errlen);
uint8_t *pcrypto_alloc_secret(size_t len); /* sodium_malloc, NULL on OOM */
void pcrypto_free_secret(uint8_t *key);    /* accepts NULL */

void pcrypto_kid(const uint8_t *pk, size_t pklen,
    uint8_t kid[PCRYPTO_KID_BYTES]);
void pcrypto_hash(const uint8_t *m, size_t len,
    uint8_t out[PCRYPTO_HASH_BYTES]);

/* Sign label || 0 || a || b (b may be NULL). */
void pcrypto_sign(uint8_t sig[PCRYPTO_SIG_BYTES], const char *label,
    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    const uint8_t *sk);
__attribute__((warn_unused_result)) int pcrypto_verify(
    const uint8_t sig[PCRYPTO_SIG_BYTES], const char *label, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen, const uint8_t *pk);

/* out must hold len + PCRYPTO_AEAD_OVERHEAD bytes. */
void pcrypto_aead_seal(uint8_t *out, const uint8_t *m, size_t len,
    const uint8_t *ad, size_t adlen, const uint8_t *key);
/* out must hold clen - PCRYPTO_AEAD_OVERHEAD bytes; -1 when forged,
 * truncated or bound to other associated data. */
__attribute__((warn_unused_result)) int pcrypto_aead_open(uint8_t *out,
    const uint8_t *c, size_t clen, const uint8_t *ad, size_t adlen,
    const uint8_t *key);

/* out must hold len + PCRYPTO_SEAL_OVERHEAD bytes. */
void pcrypto_seal(uint8_t *out, const uint8_t *m, size_t len,
    const uint8_t *pk);
__attribute__((warn_unused_result)) int pcrypto_seal_open(uint8_t *out,
    const uint8_t *c, size_t clen, const uint8_t *pk, const uint8_t *sk);

#endif
