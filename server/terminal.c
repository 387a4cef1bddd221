/*
 * terminal.c - see terminal.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "terminal.h"
#include "wave.h"
#include "store.h"
#include "util.h"

int
terminal_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > WIRE_NAME_MAX || !isalnum((unsigned char)name[0]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(isalnum(c) || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

int
terminal_get(struct server *s, const char *name, struct terminal_rec *t)
{
	sqlite3_stmt *st;
	int rc, rv = -1;

	memset(t, 0, sizeof *t);
	if (!terminal_name_ok(name))
		return 1;
	if (sqlite3_prepare_v2(s->db,
	    "SELECT teams, pk, token_hash, revoked, last_seq, key_seq FROM "
	    "terminals WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rv = 1;
	} else if (rc == SQLITE_ROW) {
		snprintf(t->name, sizeof t->name, "%s", name);
		snprintf(t->teams, sizeof t->teams, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		if (sqlite3_column_bytes(st, 1) == PCRYPTO_SIGN_PK) {
			memcpy(t->pk, sqlite3_column_blob(st, 1),
			    PCRYPTO_SIGN_PK);
			t->has_pk = 1;
		}
		if (sqlite3_column_bytes(st, 2) == PCRYPTO_HASH_BYTES) {
			memcpy(t->token_hash, sqlite3_column_blob(st, 2),
			    PCRYPTO_HASH_BYTES);
			t->has_token = 1;
		}
		t->revoked = sqlite3_column_int(st, 3);
		t->last_seq = sqlite3_column_int64(st, 4);
		t->key_seq = (long)sqlite3_column_int64(st, 5);
		rv = 0;
	}
	sqlite3_finalize(st);
	return rv;
}

int
terminal_serves(const struct terminal_rec *t, const char *team)
{
	size_t n = strlen(team);
	const char *p = t->teams;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && memcmp(p, team, n) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

/* Adds {"id","name"} for every team in the list; checks each is a team. */
static int
bundle_teams(struct server *s, cJSON *arr, const char *teams, char *err,
    size_t errlen)
{
	char *copy = strdup(teams), *save = NULL, *tok;
	sqlite3_stmt *st = NULL;
	int rv = -1;

	if (copy == NULL || store_prepare(s->db,
	    "SELECT name, kind FROM org WHERE id = ?", &st, err, errlen) != 0)
		goto out;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		cJSON *o;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, tok, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_ROW) {
			snprintf(err, errlen,
			    "team '%s' is not in the organisation (import it "
			    "with polsctl org import)", tok);
			goto out;
		}
		if (strcmp((const char *)sqlite3_column_text(st, 1), "team")) {
			snprintf(err, errlen, "'%s' is a %s, not a team", tok,
			    (const char *)sqlite3_column_text(st, 1));
			goto out;
		}
		if ((o = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(arr, o) ||
		    cJSON_AddStringToObject(o, "id", tok) == NULL ||
		    cJSON_AddStringToObject(o, "name",
		    (const char *)sqlite3_column_text(st, 0)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if (cJSON_GetArraySize(arr) == 0) {
		snprintf(err, errlen, "--teams names no team");
		goto out;
	}
	rv = 0;
out:
	sqlite3_finalize(st);
	free(copy);
	return rv;
}

static int
bundle_forms(struct server *s, cJSON *arr, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char stamp[64] = "";
	int rv = 0;

	/* Forms are immutable once published: the list changes only when a
	 * row is added, so count and last rowid tell whether the cached
	 * text still holds. Every HELLO needs it. */
	if (sqlite3_prepare_v2(s->db, "SELECT COUNT(*) || '.' || "
	    "COALESCE(MAX(rowid), 0) FROM forms", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(stamp, sizeof stamp, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (stamp[0] && s->forms_json != NULL &&
	    strcmp(stamp, s->forms_stamp) == 0) {
		cJSON *cached = cJSON_Parse(s->forms_json), *j;
		if (cached != NULL) {
			while ((j = cJSON_DetachItemFromArray(cached, 0)) != NULL)
				cJSON_AddItemToArray(arr, j);
			cJSON_Delete(cached);
			return 0;
		}
	}
	if (store_prepare(s->db,
	    "SELECT id, MAX(version) FROM forms GROUP BY id ORDER BY id", &st,
	    err, errlen) != 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *sj = server_form_signed_json(s,
		    (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int(st, 1));
		cJSON *j = sj ? cJSON_Parse(sj) : NULL;
		free(sj);
		if (j == NULL || !cJSON_AddItemToArray(arr, j)) {
			cJSON_Delete(j);
			snprintf(err, errlen, "cannot read published forms");
			rv = -1;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rv == 0 && stamp[0]) {
		free(s->forms_json);
		s->forms_json = cJSON_PrintUnformatted(arr);
		snprintf(s->forms_stamp, sizeof s->forms_stamp, "%s", stamp);
	}
	return rv;
}

int
terminal_state(struct server *s, const char *teams, cJSON *obj, char *err,
    size_t errlen)
{
	cJSON *arr, *set;

	if ((arr = cJSON_AddArrayToObject(obj, "teams")) == NULL ||
	    bundle_teams(s, arr, teams, err, errlen) != 0)
		return -1;
	if ((arr = cJSON_AddArrayToObject(obj, "forms")) == NULL ||
	    bundle_forms(s, arr, err, errlen) != 0)
		return -1;
	if ((arr = wave_for_teams(s, teams)) == NULL ||
	    !cJSON_AddItemToObject(obj, "waves", arr)) {
		cJSON_Delete(arr);
		snprintf(err, errlen, "cannot read open campaigns");
		return -1;
	}
	if ((set = cJSON_AddObjectToObject(obj, "settings")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_AddNumberToObject(set, "version",
	    (double)config_int(s->cfg, "settings_version"));
	cJSON_AddNumberToObject(set, "k",
	    (double)config_int(s->cfg, "min_respondents"));
	cJSON_AddNumberToObject(set, "grace_hours",
	    (double)config_int(s->cfg, "grace_hours"));
	cJSON_AddNumberToObject(set, "cooldown",
	    (double)config_int(s->cfg, "kiosk_cooldown"));
	cJSON_AddNumberToObject(set, "idle_timeout",
	    (double)config_int(s->cfg, "kiosk_idle_timeout"));
	cJSON_AddNumberToObject(set, "sync_interval",
	    (double)config_int(s->cfg, "kiosk_sync_interval"));
	return 0;
}

int
terminal_add(struct server *s, const char *name, const char *teams,
    const char *url, const char *bundle_path, char *err, size_t errlen)
{
	struct terminal_rec t;
	uint8_t token[32], th[PCRYPTO_HASH_BYTES];
	cJSON *b = NULL, *state;
	char *text = NULL;
	sqlite3_stmt *st = NULL;
	int rv = -1;

	if (!terminal_name_ok(name)) {
		snprintf(err, errlen,
		    "bad terminal name '%s' (letters, digits, _ . -; at most "
		    "%d)", name, WIRE_NAME_MAX);
		return -1;
	}
	if (strlen(teams) >= TERMINAL_TEAMS_MAX) {
		snprintf(err, errlen, "--teams is too long");
		return -1;
	}
	if (terminal_get(s, name, &t) == 0) {
		snprintf(err, errlen, "terminal '%s' already exists", name);
		return -1;
	}
	randombytes_buf(token, sizeof token);
	pcrypto_hash(token, sizeof token, th);
	if ((b = cJSON_CreateObject()) == NULL ||
	    cJSON_AddNumberToObject(b, "pols_bundle", 1) == NULL ||
	    cJSON_AddStringToObject(b, "terminal", name) == NULL ||
	    cJSON_AddStringToObject(b, "server", url) == NULL ||
	    wire_add_bytes(b, "server_sign_pk", s->sign_pk,
	    sizeof s->sign_pk) != 0 ||
	    wire_add_bytes(b, "server_box_pk", s->box_pk,
	    sizeof s->box_pk) != 0 ||
	    cJSON_AddNumberToObject(b, "server_key_seq",
	    (double)s->key_seq) == NULL ||
	    wire_add_bytes(b, "token", token, sizeof token) != 0 ||
	    (state = cJSON_AddObjectToObject(b, "state")) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (terminal_state(s, teams, state, err, errlen) != 0)
		goto out;
	if ((text = cJSON_Print(b)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (store_begin(s->db, err, errlen) != 0)
		goto out;
	if (store_prepare(s->db,
	    "INSERT INTO terminals(name, teams, token_hash) VALUES(?, ?, ?)",
	    &st, err, errlen) != 0)
		goto rollback;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, teams, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, th, sizeof th, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_error(s->db, err, errlen);
		goto rollback;
	}
	/* The bundle is written inside the transaction: no terminal row
	 * without its bundle, and no bundle for a row that was not stored. */
	if (util_write_file(bundle_path, text, strlen(text), 0600, 1, err,
	    errlen) != 0)
		goto rollback;
	if (store_commit(s->db, err, errlen) != 0) {
		remove(bundle_path);
		goto out;
	}
	rv = 0;
	goto out;
rollback:
	store_rollback(s->db);
out:
	sqlite3_finalize(st);
	if (text != NULL) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	cJSON_Delete(b);
	sodium_memzero(token, sizeof token);
	return rv;
}

static int
terminal_update(struct server *s, const char *sql, const char *name,
    const uint8_t *pk)
{
	sqlite3_stmt *st;
	int rv;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (pk != NULL)
		sqlite3_bind_blob(st, 2, pk, PCRYPTO_SIGN_PK, SQLITE_STATIC);
	rv = (sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(s->db) == 1) ?
	    0 : -1;
	sqlite3_finalize(st);
	return rv;
}

int
terminal_revoke(struct server *s, const char *name, char *err,
    size_t errlen)
{
	if (terminal_update(s, "UPDATE terminals SET revoked = 1 WHERE name = ?",
	    name, NULL) != 0) {
		snprintf(err, errlen, "no terminal named '%s'", name);
		return -1;
	}
	return 0;
}

int
terminal_set_teams(struct server *s, const char *name, const char *teams,
    char *err, size_t errlen)
{
	struct terminal_rec t;
	cJSON *check = cJSON_CreateArray();
	sqlite3_stmt *st;
	int rv = -1;

	if (terminal_get(s, name, &t) != 0) {
		snprintf(err, errlen, "no terminal named '%s'", name);
		goto out;
	}
	if (strlen(teams) >= TERMINAL_TEAMS_MAX) {
		snprintf(err, errlen, "--teams is too long");
		goto out;
	}
	if (check == NULL || bundle_teams(s, check, teams, err, errlen) != 0)
		goto out;
	if (store_prepare(s->db, "UPDATE terminals SET teams = ? WHERE name = ?",
	    &st, err, errlen) != 0)
		goto out;
	sqlite3_bind_text(st, 1, teams, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rv = 0;
	else
		store_error(s->db, err, errlen);
	sqlite3_finalize(st);
out:
	cJSON_Delete(check);
	return rv;
}

int
terminal_set_key_seq(struct server *s, const char *name, long seq)
{
	sqlite3_stmt *st;
	int rv;

	if (sqlite3_prepare_v2(s->db, "UPDATE terminals SET key_seq = ? WHERE "
	    "name = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rv = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rv;
}

int
terminal_bind(struct server *s, const char *name,
    const uint8_t pk[PCRYPTO_SIGN_PK])
{
	return terminal_update(s,
	    "UPDATE terminals SET pk = ?2, token_hash = NULL "
	    "WHERE name = ?1 AND pk IS NULL", name, pk);
}

int
terminal_list(struct server *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	if (store_prepare(s->db,
	    "SELECT name, teams, pk IS NOT NULL, revoked FROM terminals "
	    "ORDER BY name", &st, err, errlen) != 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("%s\t%s\t%s\n", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1),
		    sqlite3_column_int(st, 3) ? "ingetrokken/revoked" :
		    sqlite3_column_int(st, 2) ? "actief/active" :
		    "wacht op eerste sync/awaiting first sync");
	sqlite3_finalize(st);
	return 0;
}
