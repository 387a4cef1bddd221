/*
 * server.c - see server.h: installation, keys, settings and forms.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server.h"
#include "keys.h"
#include "log.h"
#include "store.h"
#include "formsig.h"
#include "util.h"

const struct config_key server_config_keys[] = {
	{"listen", CONFIG_STRING, 1, 512, SERVER_DEFAULT_URL,
	    "NNG address polsd listens on (tcp://HOST:PORT or ipc:///PATH)", NULL},
	{"min_respondents", CONFIG_INT, 3, 1000, "5",
	    "k: a cell is shown only with at least this many respondents, and "
	    "a terminal sends an open period's cell only from k respondents",
	    NULL},
	{"grace_hours", CONFIG_INT, 0, 720, "48",
	    "hours after a period closes before terminals send smaller cells",
	    NULL},
	{"kiosk_cooldown", CONFIG_INT, 0, 3600, "20",
	    "seconds between two submissions on one terminal", NULL},
	{"kiosk_idle_timeout", CONFIG_INT, 15, 3600, "90",
	    "seconds without a key before a response is discarded", NULL},
	{"kiosk_sync_interval", CONFIG_INT, 30, 86400, "300",
	    "seconds between background syncs of a running kiosk", NULL},
	{"settings_version", CONFIG_INT, 1, 1000000000, "1",
	    "raise it with every change above: terminals never go back to "
	    "settings of a lower version", NULL},
	{"workers", CONFIG_INT, 1, 64, "4",
	    "polsd threads serving terminals at once", NULL},
	{"challenge_ttl", CONFIG_INT, 5, 600, "60",
	    "seconds a sync challenge stays valid", NULL},
	{"publish_interval", CONFIG_INT, 0, 86400, "600",
	    "seconds between polsd's looks for periods to publish (closed "
	    "plus grace_hours); 0: only polsctl publish and reports do", NULL},
	{"log_level", CONFIG_ENUM, 0, 8, "info",
	    "how much to log (never answers, keys or tokens)",
	    "error|warn|info|debug"},
};
const size_t server_config_nkeys =
    sizeof server_config_keys / sizeof server_config_keys[0];

/* Campaigns (server/wave.h); created on open too, for installations made
 * before waves existed. */
#define WAVES_TABLE \
    "CREATE TABLE IF NOT EXISTS waves(id TEXT PRIMARY KEY, form TEXT NOT NULL," \
    "  scope TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL," \
    "  modules TEXT NOT NULL DEFAULT '', closed INTEGER NOT NULL DEFAULT 0);"

/* Publication snapshots (publish.h), accounts and the audit log
 * (account.h). */
#define REPORT_TABLES \
    "CREATE TABLE IF NOT EXISTS snapshots(form TEXT NOT NULL," \
    "  period TEXT NOT NULL, seq INTEGER NOT NULL, day TEXT NOT NULL," \
    "  closes INTEGER NOT NULL, basis TEXT NOT NULL," \
    "  PRIMARY KEY(form, period, seq));" \
    "CREATE TABLE IF NOT EXISTS snapshot_units(form TEXT NOT NULL," \
    "  period TEXT NOT NULL, seq INTEGER NOT NULL, unit TEXT NOT NULL," \
    "  withheld INTEGER NOT NULL, body TEXT NOT NULL," \
    "  PRIMARY KEY(form, period, seq, unit));" \
    "CREATE INDEX IF NOT EXISTS cells_period ON cells(form, period, unit," \
    "  n);" \
    "CREATE INDEX IF NOT EXISTS snapshot_units_unit ON" \
    "  snapshot_units(unit, form);" \
    "CREATE TABLE IF NOT EXISTS late(form TEXT NOT NULL," \
    "  period TEXT NOT NULL, unit TEXT NOT NULL," \
    "  PRIMARY KEY(form, period, unit));" \
    "CREATE TABLE IF NOT EXISTS accounts(name TEXT PRIMARY KEY," \
    "  role TEXT NOT NULL, scope TEXT NOT NULL, pwhash TEXT NOT NULL," \
    "  disabled INTEGER NOT NULL DEFAULT 0," \
    "  failures INTEGER NOT NULL DEFAULT 0," \
    "  locked_until INTEGER NOT NULL DEFAULT 0);" \
    "CREATE TABLE IF NOT EXISTS audit(at TEXT NOT NULL, account TEXT NOT NULL," \
    "  action TEXT NOT NULL, scope TEXT NOT NULL, result TEXT NOT NULL);"

static const char server_schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB);"
    "CREATE TABLE org(id TEXT PRIMARY KEY, parent TEXT, name TEXT NOT NULL,"
    "  kind TEXT NOT NULL, headcount INTEGER NOT NULL);"
    "CREATE TABLE forms(id TEXT NOT NULL, version INTEGER NOT NULL,"
    "  body TEXT NOT NULL, sig BLOB NOT NULL, kid BLOB NOT NULL,"
    "  PRIMARY KEY(id, version));"
    /* last_seq: the highest batch sequence number applied from the
     * terminal, told to it so it can resend what a restored server lost */
    "CREATE TABLE terminals(name TEXT PRIMARY KEY, teams TEXT NOT NULL,"
    "  token_hash BLOB, pk BLOB, revoked INTEGER NOT NULL DEFAULT 0,"
    "  last_seq INTEGER NOT NULL DEFAULT 0,"
    /* key_seq: the generation of server keys it last said it trusts */
    "  key_seq INTEGER NOT NULL DEFAULT 1);"
    "CREATE TABLE applied(batch_id TEXT PRIMARY KEY, hash BLOB NOT NULL);"
    /* A cell per unit: teams (without Cronbach blocks) and the district
     * above each team (with them; docs/scoring.md). */
    "CREATE TABLE cells(unit TEXT NOT NULL, form TEXT NOT NULL,"
    "  version INTEGER NOT NULL, period TEXT NOT NULL, n INTEGER NOT NULL,"
    "  agg TEXT NOT NULL, PRIMARY KEY(unit, form, version, period));"
    WAVES_TABLE
    REPORT_TABLES
    "INSERT INTO meta(key, value) VALUES('schema', '1');";

static int
keypath(char *out, size_t len, const char *dir, const char *name)
{
	return util_path(out, len, "%s/keys/%s", dir, name);
}

int
server_create(const char *dir, char *err, size_t errlen)
{
	char p[4096];
	uint8_t spk[PCRYPTO_SIGN_PK], bpk[PCRYPTO_BOX_PK];
	uint8_t *ssk = NULL, *bsk = NULL;
	sqlite3 *db = NULL;
	int rv = -1;

	if (util_path(p, sizeof p, "%s/server.db", dir) != 0) {
		snprintf(err, errlen, "path too long: '%s'", dir);
		return -1;
	}
	if (util_exists(p)) {
		snprintf(err, errlen,
		    "'%s' already holds a pols installation; refusing to "
		    "overwrite it", dir);
		return -1;
	}
	if (keypath(p, sizeof p, dir, "") != 0 ||
	    util_mkdirs(dir, 0700, err, errlen) != 0 ||
	    util_mkdirs(p, 0700, err, errlen) != 0)
		return -1;
	if ((ssk = pcrypto_alloc_secret(PCRYPTO_SIGN_SK)) == NULL ||
	    (bsk = pcrypto_alloc_secret(PCRYPTO_BOX_SK)) == NULL) {
		snprintf(err, errlen, "out of secure memory");
		goto out;
	}
	crypto_sign_keypair(spk, ssk);
	crypto_box_keypair(bpk, bsk);
	if (keypath(p, sizeof p, dir, "sign.sk") != 0 ||
	    pcrypto_key_write(p, ssk, PCRYPTO_SIGN_SK, 1, err, errlen) != 0 ||
	    keypath(p, sizeof p, dir, "sign.pk") != 0 ||
	    pcrypto_key_write(p, spk, PCRYPTO_SIGN_PK, 0, err, errlen) != 0 ||
	    keypath(p, sizeof p, dir, "box.sk") != 0 ||
	    pcrypto_key_write(p, bsk, PCRYPTO_BOX_SK, 1, err, errlen) != 0 ||
	    keypath(p, sizeof p, dir, "box.pk") != 0 ||
	    pcrypto_key_write(p, bpk, PCRYPTO_BOX_PK, 0, err, errlen) != 0)
		goto out;
	if (util_path(p, sizeof p, "%s/server.db", dir) != 0 ||
	    store_open(p, 1, server_schema, &db, err, errlen) != 0)
		goto out;
	rv = 0;
out:
	store_close(db);
	pcrypto_free_secret(ssk);
	pcrypto_free_secret(bsk);
	return rv;
}

int
server_open(struct server **out, const char *dir, const char *config_path,
    char *err, size_t errlen)
{
	struct server *s;
	char p[4096];

	*out = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (util_path(s->dir, sizeof s->dir, "%s", dir) != 0) {
		snprintf(err, errlen, "path too long: '%s'", dir);
		goto fail;
	}
	if (config_path == NULL) {
		if (util_path(p, sizeof p, "%s/polsd.conf", dir) != 0)
			goto toolong;
		config_path = p;
	}
	if (config_load(&s->cfg, server_config_keys, server_config_nkeys,
	    config_path, config_path == p, err, errlen) != 0)
		goto fail;
	if (util_path(p, sizeof p, "%s/server.db", dir) != 0)
		goto toolong;
	if (!util_exists(p)) {
		snprintf(err, errlen,
		    "'%s' holds no pols installation (run polsctl --data %s "
		    "init)", dir, dir);
		goto fail;
	}
	/* Installations made by older versions get what they lack. */
	if (store_open(p, 0, NULL, &s->db, err, errlen) != 0 ||
	    store_exec(s->db, WAVES_TABLE, err, errlen) != 0 ||
	    store_exec(s->db, REPORT_TABLES, err, errlen) != 0 ||
	    store_add_column(s->db, "waves", "closed_at", "INTEGER", err,
	    errlen) != 0 ||
	    store_add_column(s->db, "terminals", "last_seq",
	    "INTEGER NOT NULL DEFAULT 0", err, errlen) != 0 ||
	    store_add_column(s->db, "terminals", "key_seq",
	    "INTEGER NOT NULL DEFAULT 1", err, errlen) != 0)
		goto fail;
	/* Every server program writes (cells, snapshots, the audit log):
	 * a database it cannot write is refused now, not at the first
	 * batch. A write that is rolled back changes nothing. */
	if (store_begin(s->db, err, errlen) != 0 ||
	    store_exec(s->db, "UPDATE meta SET value = value WHERE key = "
	    "'schema'", err, errlen) != 0) {
		char e[256];
		snprintf(e, sizeof e, "%s", err);
		store_rollback(s->db);
		snprintf(err, errlen, "%s/server.db cannot be written (%s): "
		    "check the permissions of the file, its -wal and -shm "
		    "files and the folder; nothing was changed", dir, e);
		goto fail;
	}
	store_rollback(s->db);
	/* The current keys and the retired generations (server/keys.h). */
	if (keys_load(s, err, errlen) != 0)
		goto fail;
	*out = s;
	return 0;
toolong:
	snprintf(err, errlen, "path too long: '%s'", dir);
fail:
	server_close(s);
	return -1;
}

void
server_close(struct server *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < SERVER_FORM_CACHE; i++)
		form_free(s->cache[i].form);
	free(s->forms_json);
	store_close(s->db);
	config_free(s->cfg);
	pcrypto_free_secret(s->sign_sk);
	pcrypto_free_secret(s->box_sk);
	keys_free(s);
	free(s);
}

const struct form *
server_form(struct server *s, const char *id, int version, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	struct form *f = NULL;

	for (size_t i = 0; version > 0 && i < SERVER_FORM_CACHE; i++) {
		struct form *c = s->cache[i].form;
		if (c != NULL && c->version == version &&
		    strcmp(c->id, id) == 0)
			return c;
	}
	if (store_prepare(s->db,
	    "SELECT body FROM forms WHERE id = ?1 AND (?2 = 0 OR version = ?2)"
	    " ORDER BY version DESC LIMIT 1", &st, err, errlen) != 0)
		return NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, version);
	if (sqlite3_step(st) != SQLITE_ROW) {
		if (version > 0)
			snprintf(err, errlen,
			    "form '%s' version %d is not published", id,
			    version);
		else
			snprintf(err, errlen, "form '%s' is not published",
			    id);
		sqlite3_finalize(st);
		return NULL;
	}
	if (form_parse((const char *)sqlite3_column_text(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0), &f, err, errlen) != 0) {
		sqlite3_finalize(st);
		return NULL;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < SERVER_FORM_CACHE; i++) {
		struct form *c = s->cache[i].form;
		if (c != NULL && c->version == f->version &&
		    strcmp(c->id, f->id) == 0) {
			form_free(f);
			return c;
		}
	}
	form_free(s->cache[s->cache_next].form);
	s->cache[s->cache_next].form = f;
	s->cache_next = (s->cache_next + 1) % SERVER_FORM_CACHE;
	return f;
}

/* Problems of a form being published, as "FILE: path: reason" lines in
 * err; what does not fit is counted. */
struct publish_problems {
	const char *path;
	char *err;
	size_t errlen, used;
	int dropped;
};

static void
publish_problem(void *arg, const char *problem)
{
	struct publish_problems *pp = arg;
	int n;

	if (pp->dropped == 0 && pp->used < pp->errlen) {
		n = snprintf(pp->err + pp->used, pp->errlen - pp->used,
		    "%s%s: %s", pp->used > 0 ? "\n" : "", pp->path, problem);
		/* Keep a line only whole, with room for the "more" line;
		 * the first one also cut short. */
		if (n > 0 && (pp->used == 0 ||
		    pp->used + (size_t)n + 128 < pp->errlen)) {
			pp->used += (size_t)n < pp->errlen - pp->used ?
			    (size_t)n : pp->errlen - pp->used - 1;
			return;
		}
		pp->err[pp->used] = '\0';
	}
	pp->dropped++;
}

int
server_form_publish(struct server *s, const char *path, char *err,
    size_t errlen)
{
	char *text = NULL;
	size_t len;
	struct form *f = NULL;
	uint8_t sig[PCRYPTO_SIG_BYTES];
	sqlite3_stmt *st = NULL;
	char e[ERRLEN];
	int rv = -1;
	struct publish_problems pp = { path, err, errlen, 0, 0 };
	int n;

	if (util_read_file(path, FORM_MAX_BYTES, &text, &len, err, errlen) != 0)
		return -1;
	/* The same check as `polsctl form check`: every problem, one a
	 * line; nothing is published while there is one. */
	if (errlen > 0)
		err[0] = '\0';
	if ((n = form_check(text, len, publish_problem, &pp, 100)) > 0) {
		if ((pp.dropped > 0 || n >= 100) && pp.used + 1 < errlen)
			snprintf(err + pp.used, errlen - pp.used,
			    "%s%s: more problems not shown; see polsctl form "
			    "check", pp.used > 0 ? "\n" : "", path);
		goto out;
	}
	if (form_parse(text, len, &f, e, sizeof e) != 0) {
		snprintf(err, errlen, "%s: %s", path, e);
		goto out;
	}
	if (store_prepare(s->db,
	    "SELECT body FROM forms WHERE id = ? AND version = ?", &st, err,
	    errlen) != 0)
		goto out;
	sqlite3_bind_text(st, 1, f->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, f->version);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *old = (const char *)sqlite3_column_text(st, 0);
		if ((size_t)sqlite3_column_bytes(st, 0) == len &&
		    memcmp(old, text, len) == 0) {
			rv = 0; /* the same form again: nothing to do */
		} else {
			snprintf(err, errlen,
			    "%s: form '%s' version %d is already published "
			    "with other content; raise \"version\"",
			    path, f->id, f->version);
		}
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	pcrypto_sign(sig, PCRYPTO_LABEL_FORM, (const uint8_t *)text, len, NULL,
	    0, s->sign_sk);
	if (store_prepare(s->db,
	    "INSERT INTO forms(id, version, body, sig, kid) "
	    "VALUES(?, ?, ?, ?, ?)", &st, err, errlen) != 0)
		goto out;
	sqlite3_bind_text(st, 1, f->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, f->version);
	sqlite3_bind_text(st, 3, text, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, sig, sizeof sig, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, s->kid, sizeof s->kid, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_error(s->db, err, errlen);
		goto out;
	}
	rv = 0;
out:
	sqlite3_finalize(st);
	form_free(f);
	free(text);
	return rv;
}

char *
server_form_signed_json(struct server *s, const char *id, int version)
{
	sqlite3_stmt *st;
	char *out = NULL;

	if (sqlite3_prepare_v2(s->db,
	    "SELECT body, sig, kid FROM forms WHERE id = ? AND version = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, version);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 1) == PCRYPTO_SIG_BYTES &&
	    sqlite3_column_bytes(st, 2) == PCRYPTO_KID_BYTES)
		out = formsig_wrap((const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0),
		    sqlite3_column_blob(st, 1), sqlite3_column_blob(st, 2));
	sqlite3_finalize(st);
	return out;
}
