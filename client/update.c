/*
 * update.c - see update.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formsig.h"
#include "period.h"
#include "store.h"
#include "update.h"
#include "util.h"
#include "wire.h"

static int
apply_teams(sqlite3 *db, const cJSON *teams, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	const cJSON *it;
	int rv = 0;

	if (!cJSON_IsArray(teams) || cJSON_GetArraySize(teams) == 0) {
		snprintf(err, errlen, "state lists no teams");
		return -1;
	}
	if (store_exec(db, "DELETE FROM teams", err, errlen) != 0 ||
	    store_prepare(db, "INSERT INTO teams(id, name) VALUES(?, ?)", &st,
	    err, errlen) != 0)
		return -1;
	cJSON_ArrayForEach(it, teams) {
		const char *id = wire_str(it, "id", 63);
		const char *name = wire_str(it, "name", 255);
		if (id == NULL || name == NULL) {
			snprintf(err, errlen, "state: a team without id or "
			    "name");
			rv = -1;
			break;
		}
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			char m[512];
			snprintf(err, errlen, "state: team '%s': %s", id,
			    store_errmsg(db, m, sizeof m));
			rv = -1;
			break;
		}
	}
	sqlite3_finalize(st);
	return rv;
}

/* 1 when the signed form held as held wraps exactly the text form. */
static int
same_text(const char *held, const char *form)
{
	cJSON *j = cJSON_Parse(held);
	const char *t = j ? wire_str(j, "form", FORM_MAX_BYTES) : NULL;
	int same = t != NULL && form != NULL && strcmp(t, form) == 0;

	cJSON_Delete(j);
	return same;
}

/* Store each verified form not yet held; older versions than held ones
 * are stored too but never used (the newest is). A held form is never
 * replaced by another text; the same text signed again (after a server
 * key rotation) takes the place of the old signature. */
static int
apply_forms(sqlite3 *db, const uint8_t *spk, const cJSON *forms, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = NULL, *sel = NULL, *upd = NULL;
	const cJSON *it;
	int rv = 0, rc;

	if (!cJSON_IsArray(forms)) {
		snprintf(err, errlen, "state lists no forms");
		return -1;
	}
	if (store_prepare(db, "INSERT INTO forms(id, version, signed) "
	    "VALUES(?, ?, ?)", &st, err, errlen) != 0 ||
	    store_prepare(db, "SELECT signed FROM forms WHERE id = ? AND "
	    "version = ?", &sel, err, errlen) != 0 ||
	    store_prepare(db, "UPDATE forms SET signed = ? WHERE id = ? AND "
	    "version = ?", &upd, err, errlen) != 0) {
		rv = -1;
		goto out;
	}
	cJSON_ArrayForEach(it, forms) {
		char *text = cJSON_PrintUnformatted(it);
		struct form *f = NULL;
		sqlite3_stmt *w = st;
		char e[ERRLEN];

		if (text == NULL) {
			snprintf(err, errlen, "out of memory");
			rv = -1;
			break;
		}
		if (formsig_open(text, strlen(text), spk, &f, e,
		    sizeof e) != 0) {
			snprintf(err, errlen, "state: %s", e);
			free(text);
			rv = -1;
			break;
		}
		sqlite3_reset(sel);
		sqlite3_bind_text(sel, 1, f->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(sel, 2, f->version);
		if ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
			const char *held = (const char *)sqlite3_column_text(
			    sel, 0);
			w = held != NULL && strcmp(held, text) != 0 &&
			    same_text(held, wire_str(it, "form",
			    FORM_MAX_BYTES)) ? upd : NULL;
		} else if (rc != SQLITE_DONE) {
			w = NULL;
			store_error(db, err, errlen);
			rv = -1;
		}
		sqlite3_reset(sel);
		if (w != NULL) {
			int i = w == upd ? 1 : 3;
			sqlite3_reset(w);
			sqlite3_bind_text(w, w == upd ? 2 : 1, f->id, -1,
			    SQLITE_TRANSIENT);
			sqlite3_bind_int(w, w == upd ? 3 : 2, f->version);
			sqlite3_bind_text(w, i, text, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(w) != SQLITE_DONE) {
				store_error(db, err, errlen);
				rv = -1;
			}
		}
		form_free(f);
		free(text);
		if (rv != 0)
			break;
	}
out:
	sqlite3_finalize(st);
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rv;
}

/* Waves held now but missing from the new list were closed: note when
 * (corrected time), so their small cells wait the grace time from then. */
static int
note_closed(sqlite3 *db, const cJSON *waves)
{
	sqlite3_stmt *st;
	char e[ERRLEN], key[80], val[32];
	time_t now;
	int rv = 0;

	if (update_now(db, &now, e, sizeof e) != 0 ||
	    sqlite3_prepare_v2(db, "SELECT id FROM waves", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const cJSON *w;
		int still = 0;
		void *v;
		size_t len;

		cJSON_ArrayForEach(w, waves) {
			const char *wid = wire_str(w, "id", 40);
			if (wid != NULL && strcmp(wid, id) == 0)
				still = 1;
		}
		snprintf(key, sizeof key, "wave_closed:%s", id);
		if (still || store_meta_get(db, key, &v, &len) == 0) {
			if (!still)
				free(v);
			continue;
		}
		snprintf(val, sizeof val, "%lld", (long long)now);
		if (store_meta_set(db, key, val, strlen(val)) != 0)
			rv = -1;
	}
	sqlite3_finalize(st);
	return rv;
}

int
update_wave_closed(sqlite3 *db, const char *id, time_t *when)
{
	char key[80];
	void *v;
	size_t len;

	snprintf(key, sizeof key, "wave_closed:%s", id);
	if (store_meta_get(db, key, &v, &len) != 0)
		return -1;
	*when = (time_t)strtoll(v, NULL, 10);
	free(v);
	return 0;
}

static int
apply_waves(sqlite3 *db, const cJSON *waves, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	const cJSON *w;
	int rv = 0;

	if (note_closed(db, waves) != 0 ||
	    store_exec(db, "DELETE FROM waves", err, errlen) != 0)
		return -1;
	if (waves == NULL)
		return 0;
	if (!cJSON_IsArray(waves) || store_prepare(db, "INSERT INTO "
	    "waves(id, wave) VALUES(?, ?)", &st, err, errlen) != 0) {
		if (!cJSON_IsArray(waves))
			snprintf(err, errlen, "state: waves is not a list");
		return -1;
	}
	cJSON_ArrayForEach(w, waves) {
		const char *id = wire_str(w, "id", 40);
		enum period_kind kind;
		char *text;

		if (id == NULL || period_classify(id, &kind) != 0 ||
		    kind != PERIOD_CAMPAIGN || !wire_str(w, "form", 63) ||
		    !wire_str(w, "from", 10) || !wire_str(w, "to", 10) ||
		    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(w,
		    "teams"))) {
			snprintf(err, errlen, "state: a wave lacks a valid id, "
			    "form, from, to or teams");
			rv = -1;
			break;
		}
		text = cJSON_PrintUnformatted(w);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
		if (text == NULL || sqlite3_step(st) != SQLITE_DONE) {
			store_error(db, err, errlen);
			rv = -1;
		}
		free(text);
		if (rv != 0)
			break;
	}
	sqlite3_finalize(st);
	return rv;
}

static long
num(const cJSON *o, const char *name, long lo, long hi, long def)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(j) || j->valuedouble < lo || j->valuedouble > hi)
		return def;
	return (long)j->valuedouble;
}

static void
settings_from(const cJSON *o, struct kiosk_settings *s)
{
	s->version = num(o, "version", 0, 1000000000, 0);
	s->k = num(o, "k", KIOSK_MIN_K, 1000, 5);
	s->grace_hours = num(o, "grace_hours", 0, 720, 48);
	s->cooldown = num(o, "cooldown", 0, 3600, 20);
	s->idle_timeout = num(o, "idle_timeout", 15, 3600, 90);
	s->sync_interval = num(o, "sync_interval", 30, 86400, 300);
}

void
update_settings(sqlite3 *db, struct kiosk_settings *out)
{
	void *v = NULL;
	size_t len;
	cJSON *j = NULL;

	if (store_meta_get(db, "settings", &v, &len) == 0)
		j = cJSON_ParseWithLength(v, len);
	settings_from(j, out); /* NULL: every default */
	if (out->k < KIOSK_MIN_K)
		out->k = KIOSK_MIN_K;
	cJSON_Delete(j);
	free(v);
}

static int
apply_settings(sqlite3 *db, const cJSON *set, char *err, size_t errlen)
{
	struct kiosk_settings now, got;
	char *text;
	int rv;

	if (!cJSON_IsObject(set)) {
		snprintf(err, errlen, "state lists no settings");
		return -1;
	}
	update_settings(db, &now);
	settings_from(set, &got);
	if (got.version < now.version) {
		snprintf(err, errlen, "settings version %ld is older than the "
		    "%ld this terminal holds; kept the newer", got.version,
		    now.version);
		return 1;
	}
	if ((text = cJSON_PrintUnformatted(set)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rv = store_meta_set(db, "settings", text, strlen(text));
	free(text);
	if (rv != 0)
		store_error(db, err, errlen);
	return rv;
}

int
update_apply(sqlite3 *db, const uint8_t spk[PCRYPTO_SIGN_PK],
    const cJSON *state, const char *hash, char *err, size_t errlen)
{
	int older;

	if (!cJSON_IsObject(state)) {
		snprintf(err, errlen, "state is not an object");
		return -1;
	}
	/* Older settings are not taken, but the rest of the state is. */
	if ((older = apply_settings(db, cJSON_GetObjectItemCaseSensitive(state,
	    "settings"), err, errlen)) < 0 ||
	    apply_teams(db, cJSON_GetObjectItemCaseSensitive(state, "teams"),
	    err, errlen) != 0 ||
	    apply_forms(db, spk, cJSON_GetObjectItemCaseSensitive(state,
	    "forms"), err, errlen) != 0 ||
	    apply_waves(db, cJSON_GetObjectItemCaseSensitive(state, "waves"),
	    err, errlen) != 0)
		return -1;
	if (hash != NULL && store_meta_set(db, "state_hash", hash,
	    strlen(hash)) != 0) {
		store_error(db, err, errlen);
		return -1;
	}
	return older; /* 1: applied, older settings kept out (err says so) */
}

void
update_state_hash(sqlite3 *db, char out[65])
{
	void *v;
	size_t len;

	out[0] = '\0';
	if (store_meta_get(db, "state_hash", &v, &len) == 0) {
		if (len == 64)
			memcpy(out, v, 65);
		free(v);
	}
}

int
update_now(sqlite3 *db, time_t *out, char *err, size_t errlen)
{
	void *v;
	size_t len;

	if (pols_now(out, err, errlen) != 0)
		return -1;
	if (store_meta_get(db, "clock_offset", &v, &len) == 0) {
		long off = strtol(v, NULL, 10);
		/* An offset beyond a year is a broken clock on one side;
		 * use it all the same: the server's clock is the reference. */
		*out += off;
		free(v);
	}
	return 0;
}

void
update_clock(sqlite3 *db, double server_time)
{
	time_t local;
	char e[ERRLEN], s[32];

	if (pols_now(&local, e, sizeof e) != 0)
		return;
	snprintf(s, sizeof s, "%ld", (long)(server_time - (double)local));
	store_meta_set(db, "clock_offset", s, strlen(s));
}
