/*
 * unlock.c - see unlock.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "crypto.h"
#include "kiosk.h"
#include "msg.h"
#include "store.h"
#include "unlock.h"
#include "util.h"

#define UNLOCK_META "unlock"
#define UNLOCK_AD "pols/v1/unlock"
#define UNLOCK_BOX_BYTES (UNLOCK_KEY_BYTES + PCRYPTO_AEAD_OVERHEAD)

static int
db_open(const char *dir, sqlite3 **db, char *err, size_t errlen)
{
	char p[4096];

	if (util_path(p, sizeof p, "%s/db/kiosk.db", dir) != 0) {
		snprintf(err, errlen, "path too long: '%s'", dir);
		return -1;
	}
	if (!util_exists(p)) {
		snprintf(err, errlen, "'%s' is not an enrolled terminal", dir);
		return -1;
	}
	return store_open(p, 0, NULL, db, err, errlen);
}

int
unlock_enabled(const char *dir, char *err, size_t errlen)
{
	sqlite3 *db;
	void *v;
	size_t len;
	int rc;

	if (db_open(dir, &db, err, errlen) != 0)
		return -1;
	rc = store_meta_get(db, UNLOCK_META, &v, &len);
	store_close(db);
	if (rc == 0)
		free(v);
	if (rc < 0)
		snprintf(err, errlen, "cannot read the terminal's database");
	return rc < 0 ? -1 : rc == 0;
}

/* The key-encryption key from pass and the record's salt and limits. */
static uint8_t *
kek_derive(const char *pass, size_t len, const uint8_t *salt,
    unsigned long long ops, size_t mem, char *err, size_t errlen)
{
	uint8_t *kek = pcrypto_alloc_secret(PCRYPTO_AEAD_KEY);

	if (kek == NULL) {
		snprintf(err, errlen, "out of secure memory");
		return NULL;
	}
	if (crypto_pwhash(kek, PCRYPTO_AEAD_KEY, pass, len, salt, ops, mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		snprintf(err, errlen, "argon2id: out of memory");
		pcrypto_free_secret(kek);
		return NULL;
	}
	return kek;
}

int
unlock_key(const char *dir, const char *pass, size_t len, uint8_t **key,
    char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	void *v = NULL;
	size_t vlen;
	cJSON *j = NULL;
	const cJSON *ops, *mem, *salt, *box;
	uint8_t s[crypto_pwhash_SALTBYTES], b[UNLOCK_BOX_BYTES];
	uint8_t *kek = NULL;
	int rc = UNLOCK_EFAIL;

	*key = NULL;
	if (db_open(dir, &db, err, errlen) != 0)
		return UNLOCK_EFAIL;
	if (store_meta_get(db, UNLOCK_META, &v, &vlen) != 0) {
		snprintf(err, errlen, "'%s' is not in unlock mode (it uses a key "
		    "file)", dir);
		goto out;
	}
	j = cJSON_ParseWithLength(v, vlen);
	ops = cJSON_GetObjectItemCaseSensitive(j, "ops");
	mem = cJSON_GetObjectItemCaseSensitive(j, "mem");
	salt = cJSON_GetObjectItemCaseSensitive(j, "salt");
	box = cJSON_GetObjectItemCaseSensitive(j, "box");
	if (!cJSON_IsNumber(ops) || !cJSON_IsNumber(mem) ||
	    ops->valuedouble < crypto_pwhash_OPSLIMIT_MIN ||
	    ops->valuedouble > crypto_pwhash_OPSLIMIT_SENSITIVE ||
	    mem->valuedouble < crypto_pwhash_MEMLIMIT_MIN ||
	    mem->valuedouble > crypto_pwhash_MEMLIMIT_SENSITIVE ||
	    !cJSON_IsString(salt) || !cJSON_IsString(box) ||
	    util_unhex(s, sizeof s, salt->valuestring) != 0 ||
	    util_unhex(b, sizeof b, box->valuestring) != 0) {
		snprintf(err, errlen, "the unlock record of '%s' is damaged",
		    dir);
		goto out;
	}
	if ((kek = kek_derive(pass, len, s, (unsigned long long)ops->valuedouble,
	    (size_t)mem->valuedouble, err, errlen)) == NULL)
		goto out;
	if ((*key = pcrypto_alloc_secret(UNLOCK_KEY_BYTES)) == NULL) {
		snprintf(err, errlen, "out of secure memory");
		goto out;
	}
	if (pcrypto_aead_open(*key, b, sizeof b, (const uint8_t *)UNLOCK_AD,
	    strlen(UNLOCK_AD), kek) != 0) {
		pcrypto_free_secret(*key);
		*key = NULL;
		snprintf(err, errlen, "%s / %s", msg_get(M_PASS_WRONG, MSG_NL),
		    msg_get(M_PASS_WRONG, MSG_EN));
		rc = UNLOCK_EWRONG;
		goto out;
	}
	rc = UNLOCK_OK;
out:
	pcrypto_free_secret(kek);
	cJSON_Delete(j);
	free(v);
	store_close(db);
	return rc;
}

/* Overwrite a key file with zeros, sync, and remove it. */
static int
key_remove(const char *path, char *err, size_t errlen)
{
	uint8_t zero[UNLOCK_KEY_BYTES] = {0};
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || write(fd, zero, sizeof zero) != (ssize_t)sizeof zero ||
	    fsync(fd) != 0) {
		snprintf(err, errlen, "cannot wipe '%s': %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (unlink(path) != 0) {
		snprintf(err, errlen, "cannot remove '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
unlock_lock(const char *dir, const char *keydir, const char *pass,
    size_t len, char *err, size_t errlen)
{
	struct kiosk *k = NULL, *k2 = NULL;
	char p[4096], hs[2 * crypto_pwhash_SALTBYTES + 1];
	char hb[2 * UNLOCK_BOX_BYTES + 1];
	uint8_t salt[crypto_pwhash_SALTBYTES], box[UNLOCK_BOX_BYTES];
	uint8_t *storage = NULL, *kek = NULL, *back = NULL;
	char *text = NULL;
	cJSON *j = NULL;
	int rc = -1;

	if (len < UNLOCK_PASS_MIN) {
		char n[16], nl[128], en[128];

		snprintf(n, sizeof n, "%d", UNLOCK_PASS_MIN);
		snprintf(err, errlen, "%s / %s", msg_format(nl, sizeof nl,
		    M_PASS_SHORT, MSG_NL, n, NULL), msg_format(en, sizeof en,
		    M_PASS_SHORT, MSG_EN, n, NULL));
		return -1;
	}
	switch (unlock_enabled(dir, err, errlen)) {
	case 1:
		snprintf(err, errlen, "'%s' is already in unlock mode", dir);
		return -1;
	case -1:
		return -1;
	}
	/* kiosk_open proves storage.key opens this database. */
	if (kiosk_open(&k, dir, keydir, err, errlen) != 0)
		return -1;
	if (util_path(p, sizeof p, "%s/storage.key", k->keydir) != 0 ||
	    (storage = pcrypto_key_read_secret(p, UNLOCK_KEY_BYTES, err,
	    errlen)) == NULL)
		goto out;
	randombytes_buf(salt, sizeof salt);
	if ((kek = kek_derive(pass, len, salt,
	    crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE,
	    err, errlen)) == NULL)
		goto out;
	pcrypto_aead_seal(box, storage, UNLOCK_KEY_BYTES,
	    (const uint8_t *)UNLOCK_AD, strlen(UNLOCK_AD), kek);
	util_hex(hs, salt, sizeof salt);
	util_hex(hb, box, sizeof box);
	if ((j = cJSON_CreateObject()) == NULL ||
	    cJSON_AddNumberToObject(j, "v", 1) == NULL ||
	    cJSON_AddStringToObject(j, "kdf", "argon2id13") == NULL ||
	    cJSON_AddNumberToObject(j, "ops",
	    (double)crypto_pwhash_OPSLIMIT_MODERATE) == NULL ||
	    cJSON_AddNumberToObject(j, "mem",
	    (double)crypto_pwhash_MEMLIMIT_MODERATE) == NULL ||
	    cJSON_AddStringToObject(j, "salt", hs) == NULL ||
	    cJSON_AddStringToObject(j, "box", hb) == NULL ||
	    (text = cJSON_PrintUnformatted(j)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (store_meta_set(k->db, UNLOCK_META, text, strlen(text)) != 0) {
		store_error(k->db, err, errlen);
		goto out;
	}
	/* Read it back the way `run --unlock` will before the key file
	 * goes: a record that does not open would lose every answer. */
	err[0] = '\0';
	if (unlock_key(dir, pass, len, &back, err, errlen) != UNLOCK_OK ||
	    sodium_memcmp(back, storage, UNLOCK_KEY_BYTES) != 0 ||
	    kiosk_open_unlocked(&k2, dir, keydir, back, err, errlen) != 0) {
		if (!err[0])
			snprintf(err, errlen, "the unlock record does not open "
			    "this terminal");
		store_meta_del(k->db, UNLOCK_META);
		goto out;
	}
	if (key_remove(p, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	kiosk_close(k2);
	kiosk_close(k);
	pcrypto_free_secret(storage);
	pcrypto_free_secret(kek);
	pcrypto_free_secret(back);
	free(text);
	cJSON_Delete(j);
	return rc;
}

void
unlock_pass_free(char *pass)
{
	pcrypto_free_secret((uint8_t *)pass);
}

int
unlock_read_pass(int fd, const char *prompt, char **pass, size_t *len)
{
	struct termios old, quiet;
	int tty = isatty(fd), rc = 0;
	size_t n = 0;
	char *buf, c;

	*pass = NULL;
	*len = 0;
	if ((buf = (char *)pcrypto_alloc_secret(UNLOCK_PASS_MAX + 1)) == NULL)
		return -1;
	if (tty) {
		if (tcgetattr(fd, &old) != 0)
			tty = 0;
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		if (tty && tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
			tty = 0;
		fprintf(stderr, "%s: ", prompt);
		fflush(stderr);
	}
	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -1;
			break;
		}
		if (r == 0 || c == '\n')
			break;
		if (n == UNLOCK_PASS_MAX) {
			rc = -1;
			break;
		}
		buf[n++] = c;
	}
	c = 0;
	if (tty) {
		tcsetattr(fd, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (rc != 0) {
		unlock_pass_free(buf);
		return -1;
	}
	*pass = buf;
	*len = n;
	return 0;
}
