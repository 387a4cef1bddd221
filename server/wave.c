/*
 * wave.c - see wave.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "period.h"
#include "store.h"
#include "util.h"
#include "wave.h"

/* "YYYY-MM-DD", a real date. */
static int
date_ok(const char *d)
{
	char t[32];
	time_t x;

	if (strlen(d) != 10)
		return 0;
	snprintf(t, sizeof t, "%sT00:00:00Z", d);
	return period_parse_time(t, &x) == 0;
}

/* Units under (and including) scope, as a recursive CTE fragment. */
#define SUBTREE(param) \
	"WITH RECURSIVE sub(id) AS (SELECT id FROM org WHERE id = " param \
	" UNION SELECT org.id FROM org JOIN sub ON org.parent = sub.id) "

/* 1 when a and b lie on one line of the hierarchy (one holds the other). */
static int
nested(struct server *s, const char *a, const char *b)
{
	sqlite3_stmt *st;
	int yes = 0;

	if (sqlite3_prepare_v2(s->db, SUBTREE("?1")
	    "SELECT 1 FROM sub WHERE id = ?2 UNION " "SELECT 1 WHERE ?1 IN ("
	    "WITH RECURSIVE sub2(id) AS (SELECT id FROM org WHERE id = ?2 "
	    "UNION SELECT org.id FROM org JOIN sub2 ON org.parent = sub2.id) "
	    "SELECT id FROM sub2)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		yes = 1;
	sqlite3_finalize(st);
	return yes;
}

static int
modules_ok(const struct form *f, const char *modules, char *err,
    size_t errlen)
{
	char *copy, *save = NULL, *m;
	int rv = 0;

	if (modules == NULL || !*modules)
		return 0;
	if ((copy = strdup(modules)) == NULL)
		return -1;
	for (m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < f->n_modules; i++)
			if (strcmp(f->modules[i].id, m) == 0)
				break;
		if (i == f->n_modules) {
			snprintf(err, errlen, "form '%s' has no module '%s'",
			    f->id, m);
			rv = -1;
			break;
		}
	}
	free(copy);
	return rv;
}

int
wave_open(struct server *s, const char *form, const char *scope,
    const char *from, const char *to, const char *modules, char *id,
    char *err, size_t errlen)
{
	const struct form *f;
	sqlite3_stmt *st = NULL;
	uint8_t rnd[3];
	char hex[7];
	int rv = -1;

	if ((f = server_form(s, form, 0, err, errlen)) == NULL)
		return -1;
	if (f->period != PERIOD_CAMPAIGN) {
		snprintf(err, errlen, "form '%s' runs in %s periods, not in "
		    "campaigns", form, period_kind_name(f->period));
		return -1;
	}
	if (!date_ok(from) || !date_ok(to) || strcmp(from, to) > 0) {
		snprintf(err, errlen, "--from and --to must be dates "
		    "YYYY-MM-DD, --from not after --to");
		return -1;
	}
	if (modules_ok(f, modules, err, errlen) != 0)
		return -1;
	if (store_prepare(s->db, "SELECT kind FROM org WHERE id = ?", &st, err,
	    errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "no unit '%s' in the organisation", scope);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* No two open waves of a form for one team on one day. */
	if (store_prepare(s->db, "SELECT id, scope FROM waves WHERE form = ? "
	    "AND closed = 0 AND start <= ? AND end >= ?", &st, err,
	    errlen) != 0)
		goto out;
	sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, from, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *other = (const char *)sqlite3_column_text(st, 1);
		if (nested(s, scope, other) != 0) {
			snprintf(err, errlen, "wave '%s' of '%s' already covers "
			    "'%s' in those days; close it first",
			    sqlite3_column_text(st, 0), form, scope);
			goto out;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	randombytes_buf(rnd, sizeof rnd);
	util_hex(hex, rnd, sizeof rnd);
	snprintf(id, WAVE_ID_MAX + 1, "w%.4s%.2s%.2s-%s", from, from + 5,
	    from + 8, hex);
	if (store_prepare(s->db, "INSERT INTO waves(id, form, scope, start, "
	    "end, modules) VALUES(?, ?, ?, ?, ?, ?)", &st, err, errlen) != 0)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, modules ? modules : "", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_error(s->db, err, errlen);
		goto out;
	}
	rv = 0;
out:
	sqlite3_finalize(st);
	return rv;
}

int
wave_close(struct server *s, const char *id, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rv;

	time_t now;

	/* closed_at: when the campaign's results become due (publish.h). */
	if (pols_now(&now, err, errlen) != 0 ||
	    store_prepare(s->db, "UPDATE waves SET closed = 1, closed_at = "
	    "COALESCE(closed_at, ?2) WHERE id = ?1", &st, err, errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	rv = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(s->db) == 1 ?
	    0 : -1;
	sqlite3_finalize(st);
	if (rv != 0)
		snprintf(err, errlen, "no wave '%s'", id);
	return rv;
}

int
wave_list(struct server *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	if (store_prepare(s->db, "SELECT id, form, scope, start, end, modules, "
	    "closed FROM waves ORDER BY start, id", &st, err, errlen) != 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("%s\t%s\t%s\t%s..%s\t%s\t%s\n",
		    sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
		    sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
		    sqlite3_column_text(st, 4),
		    *(const char *)sqlite3_column_text(st, 5) ?
		    (const char *)sqlite3_column_text(st, 5) :
		    "alle modules/all modules",
		    sqlite3_column_int(st, 6) ? "gesloten/closed" : "open");
	sqlite3_finalize(st);
	return 0;
}

int
wave_covers(struct server *s, const char *period, const char *form,
    const char *team)
{
	sqlite3_stmt *st;
	int rc, rv;

	if (sqlite3_prepare_v2(s->db, "WITH RECURSIVE up(id, parent) AS ("
	    "SELECT id, parent FROM org WHERE id = ?3 UNION "
	    "SELECT org.id, org.parent FROM org JOIN up ON org.id = up.parent) "
	    "SELECT 1 FROM waves WHERE id = ?1 AND form = ?2 AND scope IN "
	    "(SELECT id FROM up)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, team, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	rv = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rv;
}

cJSON *
wave_for_teams(struct server *s, const char *teams)
{
	sqlite3_stmt *st;
	cJSON *arr = cJSON_CreateArray();
	char *copy = NULL, *save = NULL, *t;

	if (arr == NULL || sqlite3_prepare_v2(s->db, "SELECT id, form, start, "
	    "end, modules FROM waves WHERE closed = 0 ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK) {
		cJSON_Delete(arr);
		return NULL;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *form = (const char *)sqlite3_column_text(st, 1);
		cJSON *w, *ts, *ms;
		char *mcopy, *msave = NULL, *m;

		if ((copy = strdup(teams)) == NULL)
			break;
		ts = cJSON_CreateArray();
		for (t = strtok_r(copy, ",", &save); t;
		    t = strtok_r(NULL, ",", &save))
			if (wave_covers(s, id, form, t) == 1)
				cJSON_AddItemToArray(ts, cJSON_CreateString(t));
		free(copy);
		if (cJSON_GetArraySize(ts) == 0) {
			cJSON_Delete(ts);
			continue;
		}
		w = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, w);
		cJSON_AddStringToObject(w, "id", id);
		cJSON_AddStringToObject(w, "form", form);
		cJSON_AddStringToObject(w, "from",
		    (const char *)sqlite3_column_text(st, 2));
		cJSON_AddStringToObject(w, "to",
		    (const char *)sqlite3_column_text(st, 3));
		ms = cJSON_AddArrayToObject(w, "modules");
		if ((mcopy = strdup((const char *)sqlite3_column_text(st,
		    4))) != NULL) {
			for (m = strtok_r(mcopy, ",", &msave); m;
			    m = strtok_r(NULL, ",", &msave))
				cJSON_AddItemToArray(ms, cJSON_CreateString(m));
			free(mcopy);
		}
		cJSON_AddItemToObject(w, "teams", ts);
	}
	sqlite3_finalize(st);
	return arr;
}
