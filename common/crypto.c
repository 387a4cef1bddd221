/*
 * crypto.c - see crypto.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "util.h"

int
pcrypto_init(void)
{
	util_json_wipe_on_free();
	return sodium_init() < 0 ? -1 : 0;
}

int
pcrypto_key_write(const char *path, const uint8_t *key, size_t len,
    int secret, char *err, size_t errlen)
{
	return util_write_file(path, key, len, secret ? 0600 : 0644, 1, err,
	    errlen);
}

static int
key_read(const char *path, uint8_t *out, size_t len, int secret, char *err,
    size_t errlen)
{
	int fd;
	struct stat st;
	ssize_t r;
	uint8_t extra;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a regular file", path);
		goto fail;
	}
	if (secret && (st.st_mode & 077) != 0) {
		snprintf(err, errlen,
		    "'%s' is readable by others (mode %03o); chmod 600 it",
		    path, (unsigned)(st.st_mode & 0777));
		goto fail;
	}
	r = read(fd, out, len);
	if (r != (ssize_t)len || read(fd, &extra, 1) != 0) {
		snprintf(err, errlen, "'%s' is not a %zu-byte key", path, len);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	sodium_memzero(out, len);
	return -1;
}

uint8_t *
pcrypto_key_read_secret(const char *path, size_t len, char *err,
    size_t errlen)
{
	uint8_t *k = pcrypto_alloc_secret(len);

	if (k == NULL) {
		snprintf(err, errlen, "out of secure memory");
		return NULL;
	}
	if (key_read(path, k, len, 1, err, errlen) != 0) {
		pcrypto_free_secret(k);
		return NULL;
	}
	return k;
}

int
pcrypto_key_read_public(const char *path, uint8_t *out, size_t len,
    char *err, size_t errlen)
{
	return key_read(path, out, len, 0, err, errlen);
}

uint8_t *
pcrypto_alloc_secret(size_t len)
{
	return sodium_malloc(len);
}

void
pcrypto_free_secret(uint8_t *key)
{
	if (key != NULL)
		sodium_free(key); /* wipes before unmapping */
}

void
pcrypto_kid(const uint8_t *pk, size_t pklen, uint8_t kid[PCRYPTO_KID_BYTES])
{
	uint8_t h[PCRYPTO_HASH_BYTES];

	pcrypto_hash(pk, pklen, h);
	memcpy(kid, h, PCRYPTO_KID_BYTES);
}

void
pcrypto_hash(const uint8_t *m, size_t len, uint8_t out[PCRYPTO_HASH_BYTES])
{
	crypto_generichash(out, PCRYPTO_HASH_BYTES, m, len, NULL, 0);
}

static void
sign_state(crypto_sign_state *st, const char *label, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen)
{
	crypto_sign_init(st);
	crypto_sign_update(st, (const uint8_t *)label, strlen(label) + 1);
	crypto_sign_update(st, a, alen);
	if (b != NULL)
		crypto_sign_update(st, b, blen);
}

void
pcrypto_sign(uint8_t sig[PCRYPTO_SIG_BYTES], const char *label,
    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    const uint8_t *sk)
{
	crypto_sign_state st;

	sign_state(&st, label, a, alen, b, blen);
	crypto_sign_final_create(&st, sig, NULL, sk);
	sodium_memzero(&st, sizeof st);
}

int
pcrypto_verify(const uint8_t sig[PCRYPTO_SIG_BYTES], const char *label,
    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    const uint8_t *pk)
{
	crypto_sign_state st;

	sign_state(&st, label, a, alen, b, blen);
	return crypto_sign_final_verify(&st, sig, pk) == 0 ? 0 : -1;
}

void
pcrypto_aead_seal(uint8_t *out, const uint8_t *m, size_t len,
    const uint8_t *ad, size_t adlen, const uint8_t *key)
{
	uint8_t *nonce = out;

	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, m, len,
	    ad, adlen, NULL, nonce, key);
}

int
pcrypto_aead_open(uint8_t *out, const uint8_t *c, size_t clen,
    const uint8_t *ad, size_t adlen, const uint8_t *key)
{
	const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;

	if (clen < PCRYPTO_AEAD_OVERHEAD)
		return -1;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL,
	    c + nb, clen - nb, ad, adlen, c, key) == 0 ? 0 : -1;
}

void
pcrypto_seal(uint8_t *out, const uint8_t *m, size_t len, const uint8_t *pk)
{
	crypto_box_seal(out, m, len, pk);
}

int
pcrypto_seal_open(uint8_t *out, const uint8_t *c, size_t clen,
    const uint8_t *pk, const uint8_t *sk)
{
	if (clen < PCRYPTO_SEAL_OVERHEAD)
		return -1;
	return crypto_box_seal_open(out, c, clen, pk, sk) == 0 ? 0 : -1;
}
