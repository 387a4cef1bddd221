/*
 * kiosk.c - see kiosk.h: enrollment, opening, forms, teams, submitting.
 */
#include <limits.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agg.h"
#include "formsig.h"
#include "kiosk.h"
#include "update.h"
#include "period.h"
#include "store.h"
#include "util.h"

#define KIOSK_BUNDLE_MAX (8u * 1024 * 1024)
#define KIOSK_KDF_CTX "pols-acc"
/* A known plaintext sealed at enrollment: opening it at start proves the
 * key file belongs to this database before anything is written. */
#define KIOSK_KEYCHECK "pols/v1/keycheck"

const struct config_key kiosk_config_keys[] = {
	{"sync_timeout", CONFIG_INT, 1, 3600, "10",
	    "seconds 'pols-kiosk sync' keeps retrying before it gives up", NULL},
	{"request_timeout_ms", CONFIG_INT, 100, 60000, "2000",
	    "milliseconds to wait for one reply from the server", NULL},
	{"log_level", CONFIG_ENUM, 0, 8, "warn",
	    "how much to log (never answers, keys or tokens)",
	    "error|warn|info|debug"},
	{"idle_timeout", CONFIG_INT, 5, 3600, "90",
	    "seconds without a key before 'pols-kiosk run' discards an "
	    "unfinished response (a countdown shows the last 15)", NULL},
	{"cooldown", CONFIG_INT, 1, 3600, "20",
	    "seconds 'pols-kiosk run' waits after a submission before it "
	    "takes the next one", NULL},
	{"sync_interval", CONFIG_INT, 10, 86400, "300",
	    "seconds between background syncs of 'pols-kiosk run' (with "
	    "jitter; backs off after failures)", NULL},
	{"retention_days", CONFIG_INT, 1, 365, "30",
	    "days acknowledged batches stay (sealed, unreadable here) so a "
	    "server restored from a backup can get them again", NULL},
	{"admin_pin_hash", CONFIG_STRING, 0, 127, "",
	    "argon2id hash of the admin PIN ('pols-kiosk pin-hash'); empty: "
	    "the admin screen is off", NULL},
};
const size_t kiosk_config_nkeys =
    sizeof kiosk_config_keys / sizeof kiosk_config_keys[0];

/* Campaigns this terminal takes answers for: {id, form, from, to,
 * modules[], teams[]} as the server sent them. */
#define WAVES_TABLE \
    "CREATE TABLE IF NOT EXISTS waves(id TEXT PRIMARY KEY, wave TEXT NOT NULL);"

static const char kiosk_schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB);"
    "CREATE TABLE teams(id TEXT PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE forms(id TEXT NOT NULL, version INTEGER NOT NULL,"
    "  signed TEXT NOT NULL, PRIMARY KEY(id, version));"
    "CREATE TABLE acc(row TEXT PRIMARY KEY, box BLOB NOT NULL);"
    /* seq: a sequence number per terminal, never reused; acked: the day
     * (days since 1970) an ACK settled it; kept, sealed, for the
     * retention window so a server restored from a backup gets it back */
    "CREATE TABLE batches(id TEXT PRIMARY KEY, sealed BLOB NOT NULL,"
    "  refused TEXT, seq INTEGER NOT NULL, acked INTEGER);"
    WAVES_TABLE
    "INSERT INTO meta(key, value) VALUES('schema', '1');";

static int
paths(const char *dir, const char *keydir, char *db, char *kd, size_t len)
{
	if (util_path(db, len, "%s/db/kiosk.db", dir) != 0)
		return -1;
	if (keydir != NULL)
		return util_path(kd, len, "%s", keydir);
	return util_path(kd, len, "%s/keys", dir);
}

/* Derive the two accumulator subkeys from the storage key. */
static int
derive(struct kiosk *k, const uint8_t *master)
{
	if ((k->acc_key = pcrypto_alloc_secret(PCRYPTO_AEAD_KEY)) == NULL ||
	    (k->rowid_key = pcrypto_alloc_secret(32)) == NULL)
		return -1;
	crypto_kdf_derive_from_key(k->acc_key, PCRYPTO_AEAD_KEY, 1,
	    KIOSK_KDF_CTX, master);
	crypto_kdf_derive_from_key(k->rowid_key, 32, 2, KIOSK_KDF_CTX, master);
	return 0;
}

int
kiosk_enroll(const char *dir, const char *keydir, const char *bundle,
    char *err, size_t errlen)
{
	char dbp[4096], kd[4096], p[4096], *text = NULL;
	size_t len;
	cJSON *b = NULL;
	const char *name, *url;
	uint8_t spk[PCRYPTO_SIGN_PK], bpk[PCRYPTO_BOX_PK], token[32];
	uint8_t tpk[PCRYPTO_SIGN_PK], *tsk = NULL, *storage = NULL;
	sqlite3 *db = NULL;
	static const char *const key_files[] = {"terminal.sk", "storage.key",
	    "enroll.token"};
	/* What this enrollment made, and so may remove when it fails: bit i
	 * key_files[i], bit 3 the database. Never a file that was there
	 * before (another terminal's keys, or a link planted in their
	 * place). */
	unsigned made = 0;
	int rv = -1;
	long gen = 1;
	char genbuf[32];

	if (paths(dir, keydir, dbp, kd, sizeof dbp) != 0) {
		snprintf(err, errlen, "path too long: '%s'", dir);
		return -1;
	}
	if (util_exists(dbp)) {
		snprintf(err, errlen, "'%s' is already an enrolled terminal; "
		    "refusing to overwrite it", dir);
		return -1;
	}
	if (util_read_file(bundle, KIOSK_BUNDLE_MAX, &text, &len, err,
	    errlen) != 0)
		return -1;
	if ((b = cJSON_ParseWithLength(text, len)) == NULL ||
	    !cJSON_IsObject(b) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(b, "pols_bundle"))) {
		snprintf(err, errlen, "'%s' is not an enrollment bundle",
		    bundle);
		goto out;
	}
	name = wire_str(b, "terminal", WIRE_NAME_MAX);
	url = wire_str(b, "server", 511);
	{
		/* The generation of the bundle's server keys (1 for bundles
		 * made before any rotation, or without the member). */
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(b,
		    "server_key_seq");
		if (cJSON_IsNumber(g) && g->valuedouble >= 1 &&
		    g->valuedouble <= ROTATE_SEQ_MAX &&
		    g->valuedouble == (double)(long)g->valuedouble)
			gen = (long)g->valuedouble;
	}
	snprintf(genbuf, sizeof genbuf, "%ld", gen);
	if (name == NULL || url == NULL ||
	    wire_bytes(b, "server_sign_pk", spk, sizeof spk) != 0 ||
	    wire_bytes(b, "server_box_pk", bpk, sizeof bpk) != 0 ||
	    wire_bytes(b, "token", token, sizeof token) != 0) {
		snprintf(err, errlen, "'%s': bundle lacks terminal, server, "
		    "keys or token", bundle);
		goto out;
	}
	if (util_path(p, sizeof p, "%s/db", dir) != 0 ||
	    util_mkdirs(p, 0700, err, errlen) != 0 ||
	    util_mkdirs(kd, 0700, err, errlen) != 0)
		goto out;
	{
		/* A copy of the database folder must not carry the keys. */
		char a[PATH_MAX], b2[PATH_MAX];
		if (realpath(p, a) == NULL || realpath(kd, b2) == NULL ||
		    strcmp(a, b2) == 0) {
			snprintf(err, errlen, "the key folder '%s' must not be "
			    "the database's folder", kd);
			goto out;
		}
	}
	if ((tsk = pcrypto_alloc_secret(PCRYPTO_SIGN_SK)) == NULL ||
	    (storage = pcrypto_alloc_secret(32)) == NULL) {
		snprintf(err, errlen, "out of secure memory");
		goto out;
	}
	crypto_sign_keypair(tpk, tsk);
	crypto_kdf_keygen(storage);
	{
		const uint8_t *key[3] = {tsk, storage, token};
		const size_t klen[3] = {PCRYPTO_SIGN_SK, 32, sizeof token};

		for (unsigned i = 0; i < 3; i++) {
			if (util_path(p, sizeof p, "%s/%s", kd,
			    key_files[i]) != 0) {
				snprintf(err, errlen, "path too long: '%s'",
				    kd);
				goto out;
			}
			if (pcrypto_key_write(p, key[i], klen[i], 1, err,
			    errlen) != 0)
				goto out;
			made |= 1u << i;
		}
	}
	made |= 1u << 3; /* checked above: no database was there */
	if (store_open(dbp, 1, kiosk_schema, &db, err, errlen) != 0 ||
	    store_begin(db, err, errlen) != 0)
		goto out;
	{
		struct kiosk tmp = {0};
		uint8_t box[sizeof KIOSK_KEYCHECK + PCRYPTO_AEAD_OVERHEAD];
		int ok = derive(&tmp, storage) == 0;
		if (ok) {
			pcrypto_aead_seal(box, (const uint8_t *)KIOSK_KEYCHECK,
			    sizeof KIOSK_KEYCHECK, (const uint8_t *)KIOSK_KEYCHECK,
			    sizeof KIOSK_KEYCHECK, tmp.acc_key);
			ok = store_meta_set(db, "keycheck", box, sizeof box) == 0;
		}
		pcrypto_free_secret(tmp.acc_key);
		pcrypto_free_secret(tmp.rowid_key);
		if (!ok) {
			snprintf(err, errlen, "cannot store the key check");
			store_rollback(db);
			goto out;
		}
	}
	if (store_meta_set(db, "terminal", name, strlen(name)) != 0 ||
	    store_meta_set(db, "server", url, strlen(url)) != 0 ||
	    store_meta_set(db, "server_sign_pk", spk, sizeof spk) != 0 ||
	    store_meta_set(db, "server_box_pk", bpk, sizeof bpk) != 0 ||
	    store_meta_set(db, "server_key_seq", genbuf, strlen(genbuf)) != 0 ||
	    update_apply(db, spk, cJSON_GetObjectItemCaseSensitive(b, "state"),
	    NULL, err, errlen) != 0) {
		if (!err[0])
			store_error(db, err, errlen);
		store_rollback(db);
		goto out;
	}
	if (store_commit(db, err, errlen) != 0)
		goto out;
	rv = 0;
out:
	if (rv != 0 && made != 0) {
		/* Leave no half-enrolled terminal behind: a retry with a good
		 * bundle must start from nothing. */
		store_close(db);
		db = NULL;
		if (made & (1u << 3))
			unlink(dbp);
		for (unsigned i = 0; i < 3; i++)
			if ((made & (1u << i)) && util_path(p, sizeof p,
			    "%s/%s", kd, key_files[i]) == 0)
				unlink(p);
	}
	store_close(db);
	pcrypto_free_secret(tsk);
	pcrypto_free_secret(storage);
	sodium_memzero(token, sizeof token);
	cJSON_Delete(b);
	if (text != NULL) {
		sodium_memzero(text, len);
		free(text);
	}
	return rv;
}

static int
meta_fixed(sqlite3 *db, const char *key, void *out, size_t n)
{
	void *v;
	size_t len;

	if (store_meta_get(db, key, &v, &len) != 0)
		return -1;
	if (len != n) {
		free(v);
		return -1;
	}
	memcpy(out, v, n);
	free(v);
	return 0;
}

static int
meta_str(sqlite3 *db, const char *key, char *out, size_t n)
{
	void *v;
	size_t len;
	int rv;

	if (store_meta_get(db, key, &v, &len) != 0)
		return -1;
	rv = util_path(out, n, "%s", (char *)v);
	free(v);
	return rv;
}

/* The server keys the terminal trusts, as stored: at open, and again
 * before a form is checked, since a sync in another process (the running
 * kiosk's background sync) may have followed a key rotation. */
static int
server_keys(struct kiosk *k)
{
	uint8_t spk[PCRYPTO_SIGN_PK], bpk[PCRYPTO_BOX_PK];
	void *v;
	size_t len;
	long g = 1; /* enrolled before rotations existed */

	if (meta_fixed(k->db, "server_sign_pk", spk, sizeof spk) != 0 ||
	    meta_fixed(k->db, "server_box_pk", bpk, sizeof bpk) != 0)
		return -1;
	if (store_meta_get(k->db, "server_key_seq", &v, &len) == 0) {
		g = strtol(v, NULL, 10);
		free(v);
		if (g < 1 || g > ROTATE_SEQ_MAX)
			g = 1;
	}
	memcpy(k->server_sign_pk, spk, sizeof spk);
	memcpy(k->server_box_pk, bpk, sizeof bpk);
	pcrypto_kid(k->server_sign_pk, sizeof k->server_sign_pk,
	    k->server_kid);
	k->server_key_seq = g;
	return 0;
}

/* kiosk_open with the storage key given (unlock mode) or, when given is
 * NULL, read from KEYDIR/storage.key. */
static int
kiosk_open_with(struct kiosk **out, const char *dir, const char *keydir,
    const uint8_t *given, char *err, size_t errlen)
{
	struct kiosk *k;
	char dbp[4096], p[4096];
	uint8_t *storage = NULL;
	void *v;
	size_t len;

	*out = NULL;
	if ((k = calloc(1, sizeof *k)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (paths(dir, keydir, dbp, k->keydir, sizeof k->keydir) != 0 ||
	    util_path(k->dir, sizeof k->dir, "%s", dir) != 0 ||
	    util_path(p, sizeof p, "%s/kiosk.conf", dir) != 0) {
		snprintf(err, errlen, "path too long: '%s'", dir);
		goto fail;
	}
	if (config_load(&k->cfg, kiosk_config_keys, kiosk_config_nkeys, p, 1,
	    err, errlen) != 0)
		goto fail;
	if (!util_exists(dbp)) {
		snprintf(err, errlen, "'%s' is not an enrolled terminal (run "
		    "pols-kiosk --data %s enroll BUNDLE)", dir, dir);
		goto fail;
	}
	/* Terminals enrolled by older versions get what they lack. */
	if (store_open(dbp, 0, NULL, &k->db, err, errlen) != 0 ||
	    store_exec(k->db, WAVES_TABLE, err, errlen) != 0 ||
	    store_add_column(k->db, "batches", "seq",
	    "INTEGER NOT NULL DEFAULT 0", err, errlen) != 0 ||
	    store_add_column(k->db, "batches", "acked", "INTEGER", err,
	    errlen) != 0)
		goto fail;
	if (given == NULL &&
	    (util_path(p, sizeof p, "%s/storage.key", k->keydir) != 0 ||
	    (storage = pcrypto_key_read_secret(p, 32, err, errlen)) == NULL))
		goto fail;
	if (derive(k, given != NULL ? given : storage) != 0) {
		snprintf(err, errlen, "out of secure memory");
		goto fail;
	}
	pcrypto_free_secret(storage);
	storage = NULL;
	{
		uint8_t plain[sizeof KIOSK_KEYCHECK];
		int ok = store_meta_get(k->db, "keycheck", &v, &len) == 0 &&
		    len == sizeof plain + PCRYPTO_AEAD_OVERHEAD &&
		    pcrypto_aead_open(plain, v, len,
		    (const uint8_t *)KIOSK_KEYCHECK, sizeof KIOSK_KEYCHECK,
		    k->acc_key) == 0;
		free(v);
		if (!ok && given != NULL) {
			snprintf(err, errlen, "the unlocked key does not open "
			    "this terminal's database");
			goto fail;
		}
		if (!ok) {
			snprintf(err, errlen, "'%s/storage.key' does not open "
			    "this terminal's database (wrong key file?)",
			    k->keydir);
			goto fail;
		}
	}
	if (util_path(p, sizeof p, "%s/terminal.sk", k->keydir) != 0 ||
	    (k->sign_sk = pcrypto_key_read_secret(p, PCRYPTO_SIGN_SK, err,
	    errlen)) == NULL)
		goto fail;
	crypto_sign_ed25519_sk_to_pk(k->sign_pk, k->sign_sk);
	pcrypto_kid(k->sign_pk, sizeof k->sign_pk, k->kid);
	if (meta_str(k->db, "terminal", k->name, sizeof k->name) != 0 ||
	    meta_str(k->db, "server", k->url, sizeof k->url) != 0 ||
	    server_keys(k) != 0) {
		snprintf(err, errlen, "'%s': terminal database lacks its "
		    "enrollment data", dbp);
		goto fail;
	}
	if (store_meta_get(k->db, "revoked", &v, &len) == 0) {
		k->revoked = 1;
		free(v);
	}
	*out = k;
	return 0;
fail:
	pcrypto_free_secret(storage);
	kiosk_close(k);
	return -1;
}

void
kiosk_close(struct kiosk *k)
{
	if (k == NULL)
		return;
	store_close(k->db);
	config_free(k->cfg);
	pcrypto_free_secret(k->acc_key);
	pcrypto_free_secret(k->rowid_key);
	pcrypto_free_secret(k->sign_sk);
	sodium_memzero(k, sizeof *k);
	free(k);
}

int
kiosk_server_keys(struct kiosk *k, const struct rotate_key *nk, char *err,
    size_t errlen)
{
	char gen[32];

	snprintf(gen, sizeof gen, "%ld", nk->seq);
	if (store_begin(k->db, err, errlen) != 0)
		return -1;
	if (store_meta_set(k->db, "server_sign_pk", nk->sign_pk,
	    sizeof nk->sign_pk) != 0 ||
	    store_meta_set(k->db, "server_box_pk", nk->box_pk,
	    sizeof nk->box_pk) != 0 ||
	    store_meta_set(k->db, "server_key_seq", gen, strlen(gen)) != 0) {
		store_error(k->db, err, errlen);
		store_rollback(k->db);
		return -1;
	}
	if (store_commit(k->db, err, errlen) != 0)
		return -1;
	memcpy(k->server_sign_pk, nk->sign_pk, sizeof k->server_sign_pk);
	memcpy(k->server_box_pk, nk->box_pk, sizeof k->server_box_pk);
	pcrypto_kid(k->server_sign_pk, sizeof k->server_sign_pk,
	    k->server_kid);
	k->server_key_seq = nk->seq;
	return 0;
}

struct form *
kiosk_form(struct kiosk *k, const char *id, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	struct form *f = NULL;

	if (server_keys(k) != 0) {
		snprintf(err, errlen, "cannot read the server's keys");
		return NULL;
	}
	if (store_prepare(k->db, "SELECT signed FROM forms WHERE id = ? "
	    "ORDER BY version DESC LIMIT 1", &st, err, errlen) != 0)
		return NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		snprintf(err, errlen, "unknown form '%s' on this terminal", id);
	else if (formsig_open((const char *)sqlite3_column_text(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0), k->server_sign_pk, &f, err,
	    errlen) != 0)
		f = NULL; /* a form whose signature fails is never run */
	sqlite3_finalize(st);
	return f;
}

int
kiosk_serves(struct kiosk *k, const char *team)
{
	sqlite3_stmt *st;
	int yes;

	if (sqlite3_prepare_v2(k->db, "SELECT 1 FROM teams WHERE id = ?", -1,
	    &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, team, -1, SQLITE_STATIC);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* The accumulator row name: keyed BLAKE2b of the cell, hex. */
static void
acc_row(struct kiosk *k, const char *cell, char out[65])
{
	uint8_t h[32];

	crypto_generichash(h, sizeof h, (const uint8_t *)cell, strlen(cell),
	    k->rowid_key, 32);
	util_hex(out, h, sizeof h);
}

static void
acc_ad(const char *row, char out[80])
{
	snprintf(out, 80, "pols/v1/acc|%s", row);
}

char *
kiosk_acc_open(struct kiosk *k, const char *row, const uint8_t *box,
    size_t len)
{
	char ad[80];
	char *plain;

	if (len < PCRYPTO_AEAD_OVERHEAD ||
	    (plain = malloc(len - PCRYPTO_AEAD_OVERHEAD + 1)) == NULL)
		return NULL;
	acc_ad(row, ad);
	if (pcrypto_aead_open((uint8_t *)plain, box, len, (uint8_t *)ad,
	    strlen(ad), k->acc_key) != 0) {
		free(plain);
		return NULL;
	}
	plain[len - PCRYPTO_AEAD_OVERHEAD] = '\0';
	return plain;
}

/* Fold r into the cell's accumulator; inside the caller's transaction. */
static int
acc_fold(struct kiosk *k, const struct form *f, const char *team,
    const char *period, const struct form_response *r, char *err,
    size_t errlen)
{
	char cell[256], row[65], ad[80];
	sqlite3_stmt *st = NULL;
	struct agg *a = NULL;
	char *plain = NULL, *aggtext = NULL;
	cJSON *j = NULL;
	uint8_t *box = NULL;
	size_t plen;
	int rc, rv = -1;

	snprintf(cell, sizeof cell, "%s|%s|%d|%s", team, f->id, f->version,
	    period);
	acc_row(k, cell, row);
	if (store_prepare(k->db, "SELECT box FROM acc WHERE row = ?", &st, err,
	    errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, row, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		/* Not "no accumulator yet": a new one would replace it. */
		store_error(k->db, err, errlen);
		goto out;
	}
	if (rc == SQLITE_ROW) {
		const cJSON *aj;
		char e[ERRLEN];
		plain = kiosk_acc_open(k, row, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
		if (plain == NULL || (j = cJSON_Parse(plain)) == NULL ||
		    (aj = cJSON_GetObjectItemCaseSensitive(j, "agg")) == NULL ||
		    (aggtext = cJSON_PrintUnformatted(aj)) == NULL ||
		    agg_from_json(aggtext, strlen(aggtext), &a, e,
		    sizeof e) != 0) {
			snprintf(err, errlen, "accumulator for this cell does "
			    "not open with this terminal's storage key");
			goto out;
		}
		util_free_wiped(plain);
		util_free_wiped(aggtext);
		plain = aggtext = NULL;
		cJSON_Delete(j);
		j = NULL;
	} else if ((a = agg_new(f)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (agg_add(a, f, r) != 0) {
		snprintf(err, errlen, "cell is full");
		goto out;
	}
	if ((aggtext = agg_to_json(a)) == NULL ||
	    (j = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(j, "team", team) == NULL ||
	    cJSON_AddStringToObject(j, "form", f->id) == NULL ||
	    cJSON_AddNumberToObject(j, "version", f->version) == NULL ||
	    cJSON_AddStringToObject(j, "period", period) == NULL ||
	    !cJSON_AddItemToObject(j, "agg", cJSON_Parse(aggtext)) ||
	    (plain = cJSON_PrintUnformatted(j)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	plen = strlen(plain);
	if ((box = malloc(plen + PCRYPTO_AEAD_OVERHEAD)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	acc_ad(row, ad);
	pcrypto_aead_seal(box, (uint8_t *)plain, plen, (uint8_t *)ad,
	    strlen(ad), k->acc_key);
	if (store_prepare(k->db, "INSERT OR REPLACE INTO acc(row, box) "
	    "VALUES(?, ?)", &st, err, errlen) != 0)
		goto out;
	sqlite3_bind_text(st, 1, row, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, box, (int)(plen + PCRYPTO_AEAD_OVERHEAD),
	    SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_error(k->db, err, errlen);
		goto out;
	}
	rv = 0;
out:
	sqlite3_finalize(st);
	free(box);
	util_free_wiped(plain);
	util_free_wiped(aggtext);
	cJSON_Delete(j); /* wipes: util_json_wipe_on_free */
	agg_free(a);
	return rv;
}

/* The open campaign of form f for team today: its id into period and the
 * wave itself into *wave (cJSON_Delete). */
static int
campaign_for(struct kiosk *k, const struct form *f, const char *team,
    time_t now, char *period, size_t plen, cJSON **wave, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	struct tm tm;
	char today[16];

	gmtime_r(&now, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	if (store_prepare(k->db, "SELECT wave FROM waves ORDER BY id", &st,
	    err, errlen) != 0)
		return -1;
	while (*wave == NULL && sqlite3_step(st) == SQLITE_ROW) {
		cJSON *w = cJSON_Parse((const char *)sqlite3_column_text(st,
		    0));
		const cJSON *t;
		int serves = 0;

		if (w == NULL)
			continue;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(w,
		    "teams"))
			if (cJSON_IsString(t) && strcmp(t->valuestring,
			    team) == 0)
				serves = 1;
		if (serves && strcmp(wire_str(w, "form", 63), f->id) == 0 &&
		    strcmp(wire_str(w, "from", 10), today) <= 0 &&
		    strcmp(today, wire_str(w, "to", 10)) <= 0) {
			snprintf(period, plen, "%s", wire_str(w, "id", 40));
			*wave = w;
		} else {
			cJSON_Delete(w);
		}
	}
	sqlite3_finalize(st);
	if (*wave == NULL) {
		snprintf(err, errlen, "geen open meting van '%s' voor team "
		    "'%s' / no open campaign of '%s' for this team", f->id,
		    team, f->id);
		return -1;
	}
	return 0;
}

/* 1 when item it belongs to a module the wave leaves out. */
static int
module_left_out(const struct form_item *it, const cJSON *wave)
{
	const cJSON *mods = cJSON_GetObjectItemCaseSensitive(wave, "modules");
	const cJSON *m;

	if (wave == NULL || !cJSON_IsArray(mods) ||
	    cJSON_GetArraySize(mods) == 0 || !it->module[0])
		return 0;
	cJSON_ArrayForEach(m, mods)
		if (cJSON_IsString(m) && strcmp(m->valuestring, it->module) == 0)
			return 0;
	return 1;
}

/* Items of modules the wave leaves out may not be answered and are not
 * required. */
static int
modules_apply(struct form *f, const cJSON *wave, const cJSON *answers,
    char *err, size_t errlen)
{
	for (size_t i = 0; i < f->n_items; i++) {
		if (!module_left_out(&f->items[i], wave))
			continue;
		if (cJSON_GetObjectItemCaseSensitive(answers, f->items[i].id)) {
			snprintf(err, errlen, "item '%s': module '%s' is not "
			    "part of this campaign", f->items[i].id,
			    f->items[i].module);
			return -1;
		}
		f->items[i].required = false;
	}
	return 0;
}

/* ... and are counted as not shown. */
static void
modules_hide(const struct form *f, const cJSON *wave, struct form_response *r)
{
	for (size_t i = 0; wave != NULL && i < f->n_items; i++)
		if (module_left_out(&f->items[i], wave))
			r->a[i].state = FORM_NOT_SHOWN;
}

int
kiosk_submit(struct kiosk *k, const char *form_id, const char *team,
    const cJSON *answers, char *err, size_t errlen)
{
	struct form *f;
	struct form_response r = {0};
	char period[PERIOD_MAX];
	cJSON *wave = NULL;
	time_t now;
	int rv = KIOSK_EINPUT;

	{
		/* A long-running kiosk learns of a revocation from its
		 * background sync: ask the database, not only the flag read
		 * at start. */
		void *v;
		size_t len;
		if (store_meta_get(k->db, "revoked", &v, &len) == 0) {
			k->revoked = 1;
			free(v);
		}
	}
	if (k->revoked) {
		snprintf(err, errlen, "deze terminal is ingetrokken; "
		    "antwoorden worden niet meer aangenomen / this terminal "
		    "has been revoked");
		return KIOSK_EREVOKED;
	}
	if (!kiosk_serves(k, team)) {
		snprintf(err, errlen, "team '%s' is not served by this "
		    "terminal", team);
		return KIOSK_EINPUT;
	}
	if ((f = kiosk_form(k, form_id, err, errlen)) == NULL)
		return KIOSK_EINPUT;
	if (update_now(k->db, &now, err, errlen) != 0)
		goto out;
	if (f->period == PERIOD_CAMPAIGN) {
		if (campaign_for(k, f, team, now, period, sizeof period, &wave,
		    err, errlen) != 0)
			goto out;
		if (modules_apply(f, wave, answers, err, errlen) != 0)
			goto out;
	} else if (period_of(f->period, now, period, sizeof period) != 0) {
		snprintf(err, errlen, "no period for form '%s'", f->id);
		goto out;
	}
	if (form_response_parse(f, answers, &r, err, errlen) != 0)
		goto out;
	modules_hide(f, wave, &r);
	rv = KIOSK_EFAIL;
	if (store_begin(k->db, err, errlen) != 0)
		goto out;
	if (acc_fold(k, f, team, period, &r, err, errlen) != 0) {
		store_rollback(k->db);
		goto out;
	}
	if (store_commit(k->db, err, errlen) != 0)
		goto out;
	rv = KIOSK_OK;
out:
	form_response_clear(&r);
	form_free(f);
	cJSON_Delete(wave);
	return rv;
}

int
kiosk_pending(struct kiosk *k, long *cells, long *batches)
{
	sqlite3_stmt *st;
	int rv = -1;

	if (sqlite3_prepare_v2(k->db, "SELECT (SELECT COUNT(*) FROM acc), "
	    "(SELECT COUNT(*) FROM batches WHERE acked IS NULL)", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*cells = sqlite3_column_int64(st, 0);
		*batches = sqlite3_column_int64(st, 1);
		rv = 0;
	}
	sqlite3_finalize(st);
	return rv;
}

int
kiosk_open(struct kiosk **out, const char *dir, const char *keydir,
    char *err, size_t errlen)
{
	return kiosk_open_with(out, dir, keydir, NULL, err, errlen);
}

int
kiosk_open_unlocked(struct kiosk **out, const char *dir, const char *keydir,
    const uint8_t *storage_key, char *err, size_t errlen)
{
	return kiosk_open_with(out, dir, keydir, storage_key, err, errlen);
}

int
kiosk_form_open(struct kiosk *k, const char *id, const char *team,
    struct form **out, unsigned char **left_out, char *err, size_t errlen)
{
	struct form *f;
	char period[PERIOD_MAX];
	cJSON *wave = NULL;
	time_t now;

	*out = NULL;
	if (left_out != NULL)
		*left_out = NULL;
	if (k->revoked || !kiosk_serves(k, team)) {
		snprintf(err, errlen, "team '%s' cannot answer here", team);
		return -1;
	}
	if ((f = kiosk_form(k, id, err, errlen)) == NULL)
		return -1;
	if (update_now(k->db, &now, err, errlen) != 0 ||
	    (f->period == PERIOD_CAMPAIGN && campaign_for(k, f, team, now,
	    period, sizeof period, &wave, err, errlen) != 0)) {
		form_free(f);
		return -1;
	}
	if (left_out != NULL &&
	    (*left_out = calloc(f->n_items, 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		cJSON_Delete(wave);
		form_free(f);
		return -1;
	}
	for (size_t i = 0; left_out != NULL && i < f->n_items; i++)
		(*left_out)[i] = wave != NULL &&
		    module_left_out(&f->items[i], wave);
	cJSON_Delete(wave);
	*out = f;
	return 0;
}
