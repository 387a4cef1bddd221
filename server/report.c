/*
 * report.c - see report.h. JSON keys (stable; later work adds, never
 * renames): team, form, period, n, items[]{id, counts{<value>: count}};
 * "_na" and "_ns" inside counts; "suppressed": true with no n or items
 * when the cell has fewer than k respondents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agg.h"
#include "report.h"
#include "store.h"
#include "util.h"

/* Sum of the team's cells for form and period, over versions. */
static int
merged(struct server *s, const char *team, const char *form,
    const char *period, struct agg **out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	struct agg *sum = NULL;
	int rc = SQLITE_DONE, rv = 0;

	*out = NULL;
	if (store_prepare(s->db, "SELECT agg FROM cells WHERE unit = ? AND "
	    "form = ? AND period = ? ORDER BY version", &st, err, errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, team, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, period, -1, SQLITE_STATIC);
	while (rv == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct agg *a;
		if (agg_from_json((const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), &a, err, errlen) != 0) {
			rv = -1;
			break;
		}
		if (sum == NULL) {
			sum = a;
			continue;
		}
		if (agg_merge(sum, a) != 0) {
			snprintf(err, errlen, "cell counts overflow");
			rv = -1;
		}
		agg_free(a);
	}
	if (rv == 0 && rc != SQLITE_DONE) {
		/* A partial sum must not pass for the whole. */
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(s->db));
		rv = -1;
	}
	sqlite3_finalize(st);
	if (rv != 0)
		agg_free(sum);
	else
		*out = sum;
	return rv;
}

static int
latest_period(struct server *s, const char *team, const char *form,
    char *out, size_t outlen, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rv = -1;

	if (store_prepare(s->db, "SELECT MAX(period) FROM cells WHERE "
	    "unit = ? AND form = ?", &st, err, errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, team, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, form, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		snprintf(out, outlen, "%s", sqlite3_column_text(st, 0));
		rv = 0;
	} else {
		snprintf(err, errlen, "no results yet for team '%s' and form "
		    "'%s' / nog geen resultaten", team, form);
	}
	sqlite3_finalize(st);
	return rv;
}

static int
team_name(struct server *s, const char *team, char *out, size_t outlen,
    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rv = -1;

	if (store_prepare(s->db, "SELECT name, kind FROM org WHERE id = ?",
	    &st, err, errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, team, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		snprintf(err, errlen, "no team '%s' in the organisation", team);
	else if (strcmp((const char *)sqlite3_column_text(st, 1), "team"))
		snprintf(err, errlen, "'%s' is a %s, not a team", team,
		    sqlite3_column_text(st, 1));
	else {
		snprintf(out, outlen, "%s", sqlite3_column_text(st, 0));
		rv = 0;
	}
	sqlite3_finalize(st);
	return rv;
}

static void
print_text(const struct form *f, const char *team, const char *tname,
    const char *period, const cJSON *j, long k, FILE *out)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items"), *it;
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "n");

	fprintf(out, "%s / %s\nTeam: %s (%s)\nPeriode / period: %s\n",
	    f->title.nl, f->title.en, tname, team, period);
	if (n == NULL) {
		fprintf(out, "Minder dan %ld respondenten: niet getoond.\n"
		    "Fewer than %ld respondents: not shown.\n", k, k);
		return;
	}
	fprintf(out, "Respondenten / respondents: %.0f\n", n->valuedouble);
	cJSON_ArrayForEach(it, items) {
		const char *id = cJSON_GetObjectItemCaseSensitive(it, "id")->valuestring;
		int idx = form_item_index(f, id);
		const cJSON *c;

		fprintf(out, "\n%s", id);
		if (idx >= 0)
			fprintf(out, "  %s / %s", f->items[idx].text.nl,
			    f->items[idx].text.en);
		fprintf(out, "\n ");
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(it, "counts")) {
			const char *key = c->string;
			if (strcmp(key, "_na") == 0)
				key = "niet beantwoord/not answered";
			else if (strcmp(key, "_ns") == 0)
				key = "niet getoond/not shown";
			fprintf(out, " %s:%.0f", key, c->valuedouble);
		}
		fputc('\n', out);
	}
}

int
report_team(struct server *s, const char *team, const char *form,
    const char *period, enum report_format fmt, FILE *out, char *err,
    size_t errlen)
{
	char pbuf[PERIOD_MAX], tname[256];
	const struct form *f;
	struct agg *a = NULL;
	char *aggtext = NULL, *text = NULL;
	cJSON *j = NULL, *aj = NULL;
	long k = config_int(s->cfg, "min_respondents");
	int rv = -1;

	if (team_name(s, team, tname, sizeof tname, err, errlen) != 0 ||
	    (f = server_form(s, form, 0, err, errlen)) == NULL)
		return -1;
	if (period == NULL) {
		if (latest_period(s, team, form, pbuf, sizeof pbuf, err,
		    errlen) != 0)
			return -1;
		period = pbuf;
	}
	if (merged(s, team, form, period, &a, err, errlen) != 0)
		return -1;
	if ((j = cJSON_CreateObject()) == NULL)
		goto oom;
	cJSON_AddStringToObject(j, "team", team);
	cJSON_AddStringToObject(j, "form", form);
	cJSON_AddStringToObject(j, "period", period);
	if (a == NULL || agg_n(a) < (uint64_t)k) {
		cJSON_AddBoolToObject(j, "suppressed", 1);
		cJSON_AddNumberToObject(j, "k", (double)k);
	} else {
		if ((aggtext = agg_to_json(a)) == NULL ||
		    (aj = cJSON_Parse(aggtext)) == NULL)
			goto oom;
		cJSON_AddNumberToObject(j, "n", (double)agg_n(a));
		cJSON_AddItemReferenceToObject(j, "items",
		    cJSON_GetObjectItemCaseSensitive(aj, "items"));
	}
	if (fmt == REPORT_JSON) {
		if ((text = cJSON_Print(j)) == NULL)
			goto oom;
		fprintf(out, "%s\n", text);
	} else {
		print_text(f, team, tname, period, j, k, out);
	}
	rv = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(text);
	cJSON_Delete(j);
	cJSON_Delete(aj);
	free(aggtext);
	agg_free(a);
	return rv;
}
