/*
 * keys.c - see keys.h.
 *
 * Crash safety of a rotation. The commit point is server.db: the
 * statement and the forms signed again go in one transaction. Before it,
 * the retired copies (sign.sk.G, box.sk.G: the current keys, copied) and
 * the new keys (sign.sk.new, box.sk.new) are written and fsync'd; after it,
 * box.sk.new and then sign.sk.new are renamed into place. A rotation cut
 * short before the commit leaves only files the next rotation replaces;
 * one cut short after it is finished by keys_load(), which every program
 * runs at start: it finds sign.sk.new holding the key the last statement
 * names. Rotations and loads take an exclusive lock on keys/lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "keys.h"
#include "log.h"
#include "rotate.h"
#include "store.h"
#include "util.h"

/* A generation as server.db's statements describe it. */
struct gen {
	long seq;
	uint8_t kid[PCRYPTO_KID_BYTES]; /* of its signing key */
	int has_pk; /* its public keys are known (every generation but 1) */
	uint8_t sign_pk[PCRYPTO_SIGN_PK];
	uint8_t box_pk[PCRYPTO_BOX_PK];
};

static int
keypath(char *out, size_t len, const struct server *s, const char *name,
    long seq)
{
	if (seq > 0)
		return util_path(out, len, "%s/keys/%s.%ld", s->dir, name, seq);
	return util_path(out, len, "%s/keys/%s", s->dir, name);
}

/* An exclusive lock on keys/lock, or -1 when none can be had (a folder
 * we cannot write: then there is nothing to finish either). With nowait,
 * -2 when another process holds it. */
static int
keys_lock(const struct server *s, int nowait)
{
	char p[4096];
	int fd;

	if (keypath(p, sizeof p, s, "lock", 0) != 0 ||
	    (fd = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0)
		return -1;
	while (flock(fd, LOCK_EX | (nowait ? LOCK_NB : 0)) != 0) {
		if (errno == EINTR)
			continue;
		close(fd);
		return errno == EWOULDBLOCK ? -2 : -1;
	}
	return fd;
}

static void
keys_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the lock */
}

static void
kid_hex(char out[2 * PCRYPTO_KID_BYTES + 1], const uint8_t *kid)
{
	util_hex(out, kid, PCRYPTO_KID_BYTES);
}

/* Generations 1 .. *n as server.db's statements name them (*out: free). */
static int
read_gens(sqlite3 *db, struct gen **out, size_t *n, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	struct gen *g, *ng;
	size_t cap = 8, k = 1;
	int rc, rv = -1;

	*out = NULL;
	*n = 0;
	if ((g = calloc(cap, sizeof *g)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g[0].seq = 1;
	if (store_prepare(db, "SELECT CAST(substr(key, 10) AS INTEGER), value "
	    "FROM meta WHERE key >= 'rotation:' AND key < 'rotation;' "
	    "ORDER BY 1", &st, err, errlen) != 0) {
		free(g);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rotate_key next;
		uint8_t from[PCRYPTO_KID_BYTES];
		char e[ERRLEN], a[2 * PCRYPTO_KID_BYTES + 1];
		char b[2 * PCRYPTO_KID_BYTES + 1];
		long want = (long)k + 1;

		if (sqlite3_column_int64(st, 0) != want) {
			snprintf(err, errlen, "server.db: the rotation "
			    "statements are not numbered 2, 3, ... (%lld "
			    "where %ld belongs)", (long long)
			    sqlite3_column_int64(st, 0), want);
			goto out;
		}
		if (rotate_read(sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), &next, from, e,
		    sizeof e) != 0) {
			snprintf(err, errlen, "server.db: rotation statement "
			    "%ld is unreadable: %s", want, e);
			goto out;
		}
		if (next.seq != want) {
			snprintf(err, errlen, "server.db: rotation statement "
			    "%ld says it makes generation %ld", want, next.seq);
			goto out;
		}
		if (g[k - 1].has_pk && memcmp(g[k - 1].kid, from,
		    sizeof from) != 0) {
			kid_hex(a, from);
			kid_hex(b, g[k - 1].kid);
			snprintf(err, errlen, "server.db: rotation statement "
			    "%ld names key %s as the old one, but generation "
			    "%ld is %s", want, a, want - 1, b);
			goto out;
		}
		memcpy(g[k - 1].kid, from, sizeof from);
		if (k == cap) {
			if ((ng = realloc(g, 2 * cap * sizeof *g)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			g = ng;
			cap *= 2;
		}
		memset(&g[k], 0, sizeof g[k]);
		g[k].seq = want;
		g[k].has_pk = 1;
		memcpy(g[k].sign_pk, next.sign_pk, sizeof next.sign_pk);
		memcpy(g[k].box_pk, next.box_pk, sizeof next.box_pk);
		pcrypto_kid(next.sign_pk, sizeof next.sign_pk, g[k].kid);
		k++;
	}
	if (rc != SQLITE_DONE) {
		store_error(db, err, errlen);
		goto out;
	}
	*out = g;
	*n = k;
	g = NULL;
	rv = 0;
out:
	sqlite3_finalize(st);
	free(g);
	return rv;
}

/* A signing secret key file and its public half. */
static uint8_t *
read_sign(const char *path, uint8_t pk[PCRYPTO_SIGN_PK], char *err,
    size_t errlen)
{
	uint8_t *sk = pcrypto_key_read_secret(path, PCRYPTO_SIGN_SK, err,
	    errlen);

	if (sk != NULL)
		crypto_sign_ed25519_sk_to_pk(pk, sk);
	return sk;
}

static uint8_t *
read_box(const char *path, uint8_t pk[PCRYPTO_BOX_PK], char *err,
    size_t errlen)
{
	uint8_t *sk = pcrypto_key_read_secret(path, PCRYPTO_BOX_SK, err,
	    errlen);

	if (sk != NULL)
		crypto_scalarmult_base(pk, sk);
	return sk;
}

static int
sync_dir(const struct server *s)
{
	char p[4096];
	int fd, rv;

	if (keypath(p, sizeof p, s, "", 0) != 0 ||
	    (fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rv = fsync(fd);
	close(fd);
	return rv;
}

/* Put sign.sk.new and box.sk.new (generation g, committed to server.db)
 * in place of the current key files, and write their public halves. */
static int
finish(const struct server *s, const struct gen *g, char *err,
    size_t errlen)
{
	char p[4096], q[4096], e[ERRLEN];
	uint8_t pk[PCRYPTO_SIGN_PK], bpk[PCRYPTO_BOX_PK], *sk;

	if (keypath(p, sizeof p, s, "sign.sk.new", 0) != 0 ||
	    !util_exists(p) || (sk = read_sign(p, pk, e, sizeof e)) == NULL)
		return 1; /* nothing to finish */
	pcrypto_free_secret(sk);
	if (memcmp(pk, g->sign_pk, sizeof pk) != 0)
		return 1;
	if (keypath(p, sizeof p, s, "box.sk.new", 0) == 0 && util_exists(p)) {
		if ((sk = read_box(p, bpk, err, errlen)) == NULL)
			return -1;
		pcrypto_free_secret(sk);
		if (memcmp(bpk, g->box_pk, sizeof bpk) != 0) {
			snprintf(err, errlen, "'%s' is not the box key that "
			    "rotation %ld names", p, g->seq);
			return -1;
		}
		if (keypath(q, sizeof q, s, "box.sk", 0) != 0 ||
		    rename(p, q) != 0) {
			snprintf(err, errlen, "cannot rename '%s': %s", p,
			    strerror(errno));
			return -1;
		}
	}
	if (keypath(p, sizeof p, s, "sign.sk.new", 0) != 0 ||
	    keypath(q, sizeof q, s, "sign.sk", 0) != 0 || rename(p, q) != 0) {
		snprintf(err, errlen, "cannot rename '%s': %s", p,
		    strerror(errno));
		return -1;
	}
	/* The .pk files are for people and tools; the server derives its
	 * public keys from the secret ones. */
	if (keypath(p, sizeof p, s, "sign.pk", 0) != 0 ||
	    util_write_file(p, g->sign_pk, sizeof g->sign_pk, 0644, 0, err,
	    errlen) != 0 ||
	    keypath(p, sizeof p, s, "box.pk", 0) != 0 ||
	    util_write_file(p, g->box_pk, sizeof g->box_pk, 0644, 0, err,
	    errlen) != 0)
		return -1;
	if (sync_dir(s) != 0) {
		snprintf(err, errlen, "cannot sync the key folder: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
free_retired(struct server_oldkey *old, size_t n)
{
	for (size_t i = 0; old != NULL && i < n; i++) {
		pcrypto_free_secret(old[i].sign_sk);
		pcrypto_free_secret(old[i].box_sk);
	}
	free(old);
}

void
keys_free(struct server *s)
{
	free_retired(s->retired, s->nretired);
	s->retired = NULL;
	s->nretired = 0;
}

static int
load_locked(struct server *s, char *err, size_t errlen)
{
	struct gen *g = NULL;
	struct server_oldkey *old = NULL;
	uint8_t *ssk = NULL, *bsk = NULL;
	uint8_t spk[PCRYPTO_SIGN_PK], bpk[PCRYPTO_BOX_PK];
	char p[4096], a[2 * PCRYPTO_KID_BYTES + 1], b[2 * PCRYPTO_KID_BYTES + 1];
	size_t n = 0, i;
	int rv = -1, f;

	if (read_gens(s->db, &g, &n, err, errlen) != 0)
		return -1;
	if (keypath(p, sizeof p, s, "sign.sk", 0) != 0 ||
	    (ssk = read_sign(p, spk, err, errlen)) == NULL)
		goto out;
	if (n > 1 && memcmp(spk, g[n - 1].sign_pk, sizeof spk) != 0) {
		/* A rotation committed whose files were not yet moved into
		 * place (the rotating process was stopped): finish it. */
		if ((f = finish(s, &g[n - 1], err, errlen)) < 0)
			goto out;
		if (f == 0) {
			log_msg(LOG_WARN, "S105", "finished the rotation to "
			    "key generation %ld", g[n - 1].seq);
			pcrypto_free_secret(ssk);
			if ((ssk = read_sign(p, spk, err, errlen)) == NULL)
				goto out;
		}
		if (memcmp(spk, g[n - 1].sign_pk, sizeof spk) != 0) {
			uint8_t kid[PCRYPTO_KID_BYTES];
			pcrypto_kid(spk, sizeof spk, kid);
			kid_hex(a, kid);
			kid_hex(b, g[n - 1].kid);
			snprintf(err, errlen, "keys/sign.sk (key id %s) is not "
			    "the key of generation %ld (key id %s) that "
			    "server.db's last rotation names: were keys/ and "
			    "server.db restored from different backups? "
			    "(docs/recovery.md)", a, g[n - 1].seq, b);
			goto out;
		}
	}
	/* keys/ newer than server.db: a retired copy of generation n that
	 * is not sign.sk (a copy equal to it is left by a rotation stopped
	 * before its commit). */
	if (keypath(p, sizeof p, s, "sign.sk", (long)n) != 0)
		goto toolong;
	if (util_exists(p)) {
		uint8_t pk[PCRYPTO_SIGN_PK], *sk;
		if ((sk = read_sign(p, pk, err, errlen)) == NULL)
			goto out;
		pcrypto_free_secret(sk);
		if (memcmp(pk, spk, sizeof pk) != 0) {
			snprintf(err, errlen, "keys/ holds a retired generation "
			    "%zu, but server.db names none after it: were keys/ "
			    "and server.db restored from different backups? "
			    "(docs/recovery.md)", n);
			goto out;
		}
	}
	if (keypath(p, sizeof p, s, "box.sk", 0) != 0 ||
	    (bsk = read_box(p, bpk, err, errlen)) == NULL)
		goto out;
	if (n > 1 && (old = calloc(n - 1, sizeof *old)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i + 1 < n; i++) {
		uint8_t pk[PCRYPTO_SIGN_PK], kid[PCRYPTO_KID_BYTES];

		old[i].seq = g[i].seq;
		memcpy(old[i].kid, g[i].kid, sizeof kid);
		/* A retired secret key may have been deleted on purpose:
		 * terminals still trusting it then need a new bundle. */
		if (keypath(p, sizeof p, s, "sign.sk", g[i].seq) != 0)
			goto toolong;
		if (util_exists(p)) {
			if ((old[i].sign_sk = read_sign(p, pk, err,
			    errlen)) == NULL)
				goto out;
			pcrypto_kid(pk, sizeof pk, kid);
			if (memcmp(kid, g[i].kid, sizeof kid) != 0) {
				kid_hex(a, kid);
				kid_hex(b, g[i].kid);
				snprintf(err, errlen, "'%s' (key id %s) is not "
				    "generation %ld's key (%s)", p, a,
				    g[i].seq, b);
				goto out;
			}
		}
		if (keypath(p, sizeof p, s, "box.sk", g[i].seq) != 0)
			goto toolong;
		if (util_exists(p) && (old[i].box_sk = read_box(p,
		    old[i].box_pk, err, errlen)) == NULL)
			goto out;
	}
	/* Everything read: only now does s change. */
	pcrypto_free_secret(s->sign_sk);
	pcrypto_free_secret(s->box_sk);
	keys_free(s);
	s->sign_sk = ssk;
	s->box_sk = bsk;
	ssk = bsk = NULL;
	memcpy(s->sign_pk, spk, sizeof spk);
	memcpy(s->box_pk, bpk, sizeof bpk);
	pcrypto_kid(s->sign_pk, sizeof s->sign_pk, s->kid);
	s->key_seq = (long)n;
	s->retired = old;
	s->nretired = n - 1;
	old = NULL;
	rv = 0;
	goto out;
toolong:
	snprintf(err, errlen, "path too long: '%s'", s->dir);
out:
	pcrypto_free_secret(ssk);
	pcrypto_free_secret(bsk);
	free_retired(old, n > 0 ? n - 1 : 0);
	free(g);
	return rv;
}

int
keys_load(struct server *s, char *err, size_t errlen)
{
	int fd = keys_lock(s, 0), rv;

	rv = load_locked(s, err, errlen);
	keys_unlock(fd);
	return rv;
}

static long
count_rotations(sqlite3 *db)
{
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM meta WHERE key >= "
	    "'rotation:' AND key < 'rotation;'", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int
keys_fresh(struct server *s)
{
	char err[ERRLEN] = "";
	long n = count_rotations(s->db);

	if (n < 0 || n + 1 == s->key_seq)
		return 0;
	if (keys_load(s, err, sizeof err) != 0) {
		log_msg(LOG_ERR, "S010", "cannot load the rotated keys (still "
		    "using generation %ld): %s", s->key_seq, err);
		return -1;
	}
	/* The forms were signed again: the cached list is stale. */
	free(s->forms_json);
	s->forms_json = NULL;
	s->forms_stamp[0] = '\0';
	log_msg(LOG_INFO, "S105", "server keys reloaded: generation %ld is "
	    "current", s->key_seq);
	return 0;
}

long
keys_seq_of(const struct server *s, const uint8_t kid[PCRYPTO_KID_BYTES])
{
	if (sodium_memcmp(kid, s->kid, PCRYPTO_KID_BYTES) == 0)
		return s->key_seq;
	for (size_t i = 0; i < s->nretired; i++)
		if (sodium_memcmp(kid, s->retired[i].kid,
		    PCRYPTO_KID_BYTES) == 0)
			return s->retired[i].seq;
	return 0;
}

const uint8_t *
keys_sign_sk(const struct server *s, long seq, uint8_t kid[PCRYPTO_KID_BYTES])
{
	if (seq == s->key_seq) {
		memcpy(kid, s->kid, PCRYPTO_KID_BYTES);
		return s->sign_sk;
	}
	for (size_t i = 0; i < s->nretired; i++)
		if (s->retired[i].seq == seq && s->retired[i].sign_sk != NULL) {
			memcpy(kid, s->retired[i].kid, PCRYPTO_KID_BYTES);
			return s->retired[i].sign_sk;
		}
	return NULL;
}

int
keys_seal_open(const struct server *s, uint8_t *out, const uint8_t *c,
    size_t clen)
{
	if (pcrypto_seal_open(out, c, clen, s->box_pk, s->box_sk) == 0)
		return 0;
	for (size_t i = s->nretired; i-- > 0;)
		if (s->retired[i].box_sk != NULL && pcrypto_seal_open(out, c,
		    clen, s->retired[i].box_pk, s->retired[i].box_sk) == 0)
			return 0;
	return -1;
}

cJSON *
keys_chain(struct server *s, long from, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	cJSON *arr;
	char key[40];

	if (from < 1 || from >= s->key_seq) {
		snprintf(err, errlen, "generation %ld is not a retired one",
		    from);
		return NULL;
	}
	if ((arr = cJSON_CreateArray()) == NULL ||
	    store_prepare(s->db, "SELECT value FROM meta WHERE key = ?", &st,
	    err, errlen) != 0) {
		cJSON_Delete(arr);
		return NULL;
	}
	for (long n = from + 1; n <= s->key_seq; n++) {
		cJSON *j = NULL;

		snprintf(key, sizeof key, "rotation:%ld", n);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			j = cJSON_ParseWithLength(sqlite3_column_blob(st, 0),
			    (size_t)sqlite3_column_bytes(st, 0));
		if (j == NULL || !cJSON_AddItemToArray(arr, j)) {
			cJSON_Delete(j);
			snprintf(err, errlen, "rotation statement %ld is "
			    "missing from server.db", n);
			cJSON_Delete(arr);
			arr = NULL;
			break;
		}
	}
	sqlite3_finalize(st);
	return arr;
}

/* Write a retired copy of the current secret key unless an identical one
 * is there (left by a rotation stopped before its commit). */
static int
write_retired(const struct server *s, const char *name, const uint8_t *sk,
    size_t len, char *err, size_t errlen)
{
	char p[4096];
	uint8_t *have;
	int same;

	if (keypath(p, sizeof p, s, name, s->key_seq) != 0) {
		snprintf(err, errlen, "path too long: '%s'", s->dir);
		return -1;
	}
	if (!util_exists(p))
		return pcrypto_key_write(p, sk, len, 1, err, errlen);
	if ((have = pcrypto_key_read_secret(p, len, err, errlen)) == NULL)
		return -1;
	same = sodium_memcmp(have, sk, len) == 0;
	pcrypto_free_secret(have);
	if (!same) {
		snprintf(err, errlen, "'%s' exists and is not the current key; "
		    "refusing to overwrite it", p);
		return -1;
	}
	return 0;
}

/* Sign every stored form again with sk (inside the caller's
 * transaction). Returns the number of forms, or -1. */
static int
resign_forms(sqlite3 *db, const uint8_t *sk,
    const uint8_t kid[PCRYPTO_KID_BYTES], char *err, size_t errlen)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	uint8_t sig[PCRYPTO_SIG_BYTES];
	int n = 0, rc;

	if (store_prepare(db, "SELECT rowid, body FROM forms ORDER BY rowid",
	    &sel, err, errlen) != 0 ||
	    store_prepare(db, "UPDATE forms SET sig = ?, kid = ? WHERE rowid "
	    "= ?", &upd, err, errlen) != 0) {
		sqlite3_finalize(sel);
		return -1;
	}
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		pcrypto_sign(sig, PCRYPTO_LABEL_FORM, sqlite3_column_blob(sel,
		    1), (size_t)sqlite3_column_bytes(sel, 1), NULL, 0, sk);
		sqlite3_reset(upd);
		sqlite3_bind_blob(upd, 1, sig, sizeof sig, SQLITE_STATIC);
		sqlite3_bind_blob(upd, 2, kid, PCRYPTO_KID_BYTES,
		    SQLITE_STATIC);
		sqlite3_bind_int64(upd, 3, sqlite3_column_int64(sel, 0));
		if (sqlite3_step(upd) != SQLITE_DONE)
			break;
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		n = -1;
	} else if (rc == SQLITE_ROW) {
		n = -1; /* the update failed */
	}
	if (n < 0)
		store_error(db, err, errlen);
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return n;
}

int
keys_rotate(struct server *s, FILE *out, char *err, size_t errlen)
{
	struct rotate_key old, next;
	struct gen g;
	uint8_t *ssk = NULL, *bsk = NULL, kid[PCRYPTO_KID_BYTES];
	char p[4096], key[40], *stmt = NULL;
	char a[2 * PCRYPTO_KID_BYTES + 1], b[2 * PCRYPTO_KID_BYTES + 1];
	int fd, rv = -1, nforms = 0, committed = 0;

	err[0] = '\0';

	if ((fd = keys_lock(s, 1)) < 0) {
		snprintf(err, errlen, fd == -2 ? "another key rotation is "
		    "running" : "cannot lock '%s/keys/lock'", s->dir);
		return -1;
	}
	/* What is on disk now, a rotation cut short included. */
	if (load_locked(s, err, errlen) != 0)
		goto out;
	if (s->key_seq >= ROTATE_SEQ_MAX) {
		snprintf(err, errlen, "no generation after %ld", s->key_seq);
		goto out;
	}
	/* Left by a rotation stopped before its commit. */
	if (keypath(p, sizeof p, s, "sign.sk.new", 0) == 0)
		unlink(p);
	if (keypath(p, sizeof p, s, "box.sk.new", 0) == 0)
		unlink(p);
	if (write_retired(s, "sign.sk", s->sign_sk, PCRYPTO_SIGN_SK, err,
	    errlen) != 0 || write_retired(s, "box.sk", s->box_sk,
	    PCRYPTO_BOX_SK, err, errlen) != 0)
		goto out;
	if ((ssk = pcrypto_alloc_secret(PCRYPTO_SIGN_SK)) == NULL ||
	    (bsk = pcrypto_alloc_secret(PCRYPTO_BOX_SK)) == NULL) {
		snprintf(err, errlen, "out of secure memory");
		goto out;
	}
	old.seq = s->key_seq;
	memcpy(old.sign_pk, s->sign_pk, sizeof old.sign_pk);
	memcpy(old.box_pk, s->box_pk, sizeof old.box_pk);
	next.seq = s->key_seq + 1;
	crypto_sign_keypair(next.sign_pk, ssk);
	crypto_box_keypair(next.box_pk, bsk);
	pcrypto_kid(next.sign_pk, sizeof next.sign_pk, kid);
	if (keypath(p, sizeof p, s, "sign.sk.new", 0) != 0 ||
	    pcrypto_key_write(p, ssk, PCRYPTO_SIGN_SK, 1, err, errlen) != 0 ||
	    keypath(p, sizeof p, s, "box.sk.new", 0) != 0 ||
	    pcrypto_key_write(p, bsk, PCRYPTO_BOX_SK, 1, err, errlen) != 0)
		goto out;
	if (sync_dir(s) != 0) {
		snprintf(err, errlen, "cannot sync the key folder: %s",
		    strerror(errno));
		goto out;
	}
	if ((stmt = rotate_make(&old, s->sign_sk, &next)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* The commit point: the statement and every form signed with the
	 * new key, together. */
	snprintf(key, sizeof key, "rotation:%ld", next.seq);
	if (store_begin(s->db, err, errlen) != 0)
		goto out;
	if (count_rotations(s->db) + 1 != s->key_seq) {
		store_rollback(s->db);
		snprintf(err, errlen, "server.db changed during the rotation");
		goto out;
	}
	if (store_meta_set(s->db, key, stmt, strlen(stmt)) != 0) {
		store_error(s->db, err, errlen);
		store_rollback(s->db);
		goto out;
	}
	if ((nforms = resign_forms(s->db, ssk, kid, err, errlen)) < 0) {
		store_rollback(s->db);
		goto out;
	}
	if (store_commit(s->db, err, errlen) != 0)
		goto out;
	committed = 1;
	memset(&g, 0, sizeof g);
	g.seq = next.seq;
	g.has_pk = 1;
	memcpy(g.sign_pk, next.sign_pk, sizeof g.sign_pk);
	memcpy(g.box_pk, next.box_pk, sizeof g.box_pk);
	memcpy(g.kid, kid, sizeof kid);
	switch (finish(s, &g, err, errlen)) {
	case 0:
		break;
	case 1:
		snprintf(err, errlen, "keys/sign.sk.new went missing");
		/* FALLTHROUGH */
	default:
		goto out;
	}
	if (load_locked(s, err, errlen) != 0)
		goto out;
	kid_hex(a, kid);
	pcrypto_kid(old.sign_pk, sizeof old.sign_pk, kid);
	kid_hex(b, kid);
	fprintf(out, "sleutels vernieuwd / keys rotated: generatie / "
	    "generation %ld (key id %s) is current\n"
	    "generation %ld (key id %s) is retired: keys/sign.sk.%ld, "
	    "keys/box.sk.%ld\n"
	    "%d form(s) signed again; terminals switch at their next sync\n",
	    s->key_seq, a, old.seq, b, old.seq, old.seq, nforms);
	rv = 0;
out:
	if (rv != 0 && committed)
		snprintf(err + strlen(err), errlen - strlen(err), " (the "
		    "rotation is in server.db; the next polsctl or polsd "
		    "start finishes it)");
	pcrypto_free_secret(ssk);
	pcrypto_free_secret(bsk);
	free(stmt);
	keys_unlock(fd);
	return rv;
}

int
keys_list(struct server *s, FILE *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char hex[2 * PCRYPTO_KID_BYTES + 1];
	long *on;
	size_t n = (size_t)s->key_seq + 1;

	/* Terminals by the generation they last said they trust. */
	if ((on = calloc(n, sizeof *on)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (store_prepare(s->db, "SELECT key_seq, COUNT(*) FROM terminals "
	    "WHERE pk IS NOT NULL AND revoked = 0 GROUP BY key_seq", &st, err,
	    errlen) != 0) {
		free(on);
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_int64 g = sqlite3_column_int64(st, 0);
		if (g >= 1 && (size_t)g < n)
			on[g] = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < s->nretired; i++) {
		const struct server_oldkey *o = &s->retired[i];
		kid_hex(hex, o->kid);
		fprintf(out, "%ld\t%s\t%s\t%ld terminal(s)\n", o->seq, hex,
		    o->sign_sk && o->box_sk ? "uitgefaseerd/retired" :
		    !o->sign_sk && !o->box_sk ? "uitgefaseerd/retired, secret "
		    "keys deleted" : "uitgefaseerd/retired, a secret key "
		    "deleted", on[o->seq]);
	}
	kid_hex(hex, s->kid);
	fprintf(out, "%ld\t%s\tactueel/current\t%ld terminal(s)\n", s->key_seq,
	    hex, on[s->key_seq]);
	free(on);
	return 0;
}

int
keys_command(struct server *s, int argc, char **argv, char *err,
    size_t errlen)
{
	if (argc == 1 && strcmp(argv[0], "rotate") == 0)
		return keys_rotate(s, stdout, err, errlen);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return keys_list(s, stdout, err, errlen);
	snprintf(err, errlen, "keys rotate|list");
	return -2;
}
