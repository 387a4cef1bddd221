/*
 * report.c - see report.h. Everything here reads snapshot bodies; the
 * cells are never touched, except for the respondent counts of an open
 * period (shown only from k up).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "account.h"
#include "publish.h"
#include "body.h"
#include "report.h"
#include "store.h"

static const char *const formats[] = { "text", "json", "csv", "html" };

int
report_format_parse(const char *s, enum report_format *out)
{
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (strcmp(s, formats[i]) == 0) {
			*out = (enum report_format)i;
			return 0;
		}
	return -1;
}

/* ---- text ------------------------------------------------------------- */

static const char *
light_nl(const char *l)
{
	return strcmp(l, "red") == 0 ? "rood" : strcmp(l, "amber") == 0 ?
	    "oranje" : strcmp(l, "green") == 0 ? "groen" : "-";
}

static void
paint(FILE *out, int colour, const char *light, const char *text)
{
	const char *c = strcmp(light, "red") == 0 ? "31" :
	    strcmp(light, "amber") == 0 ? "33" : "32";

	if (colour)
		fprintf(out, "\033[1;%sm%-6s\033[0m", c, text);
	else
		fprintf(out, "%-6s", text);
}

static void
text_withheld(const cJSON *b, FILE *out)
{
	const cJSON *w = body_get(b, "withheld"), *x;

	if (cJSON_GetArraySize(w) == 0)
		return;
	fprintf(out, "\nNiet getoond / withheld:\n");
	cJSON_ArrayForEach(x, w)
		fprintf(out, "  %s (%s): %s\n", body_str(x, "name"), body_str(x, "unit"),
		    body_str(x, "reason"));
}

/* One line of the status's reasons, wrapped at 78 columns. */
static void
text_reasons(const cJSON *st, FILE *out)
{
	const char *heads[2] = { "rood: ", "oranje: " };
	const char *lights[2] = { "red", "amber" };
	const cJSON *x;
	char line[4096] = "";
	size_t len = 0;

	for (int l = 0; l < 3; l++) {
		int first = 1;
		cJSON_ArrayForEach(x, body_get(st, "reasons")) {
			char item[160];
			if (l < 2 && strcmp(body_str(x, "light"), lights[l]) != 0)
				continue;
			if (l == 2 && body_get(x, "light") != NULL)
				continue;
			if (l == 2)
				snprintf(item, sizeof item, "%s%s %+.1f%s (%s)",
				    body_str(x, "scale"), body_str(x, "signal"),
				    (body_get(x, "signal") ? 100 : 1) * body_num(x, "diff",
				    0), body_get(x, "signal") ? "%-punt" : "",
				    body_str(x, "against"));
			else
				snprintf(item, sizeof item, "%s", body_str(x,
				    "scale"));
			len += (size_t)snprintf(line + len, sizeof line - len,
			    "%s%s", first ? (len ? "; " : "") : ", ", first ?
			    (l < 2 ? heads[l] : "afwijkend: ") : "");
			len += (size_t)snprintf(line + len, sizeof line - len,
			    "%s", item);
			first = 0;
			if (len >= sizeof line - 200)
				break;
		}
	}
	/* wrap at word boundaries, indented under "Status: " */
	const char *p = line;
	while (*p) {
		size_t w = strlen(p), cut = w;
		if (w > 70) {
			for (cut = 70; cut > 0 && p[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = 70;
		}
		fprintf(out, "        %.*s\n", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static void
print_text(const cJSON *b, const struct form *f, int late, int colour,
    FILE *out)
{
	const cJSON *sc, *bm, *x, *tr = body_get(b, "trend");
	const cJSON *st = body_get(b, "status");
	const cJSON *lv[3] = { NULL, NULL, NULL };
	int nl = 0;

	fprintf(out, "%s / %s\n%s (%s, %s)\n", f->title.nl, f->title.en,
	    body_str(b, "name"), body_str(b, "unit"), body_str(b, "kind"));
	fprintf(out, "Periode %s, momentopname %.0f, gepubliceerd %s\n",
	    body_str(b, "period"), body_num(b, "snapshot", 0), body_str(b, "published"));
	if (late)
		fprintf(out, "Nagekomen antwoorden, nog niet verwerkt / late "
		    "answers, not yet included\n");
	if (cJSON_IsTrue(body_get(b, "suppressed"))) {
		fprintf(out, "\nNiet getoond / withheld: %s\n", body_str(b,
		    "reason"));
		text_withheld(b, out);
		return;
	}
	fprintf(out, "Respondenten %.0f van %.0f (%.0f%%)\n%s", body_num(b, "n", 0),
	    body_num(b, "headcount", 0), 100 * body_num(b, "response", 0),
	    cJSON_IsTrue(body_get(b, "suspect")) ? "LET OP: meer respondenten dan "
	    "medewerkers (verdacht)\n  / more respondents than staff "
	    "(suspect)\n" : "");
	fprintf(out, "Status: %s\n", body_str(st, "level"));
	text_reasons(st, out);
	cJSON_ArrayForEach(bm, body_get(b, "benchmarks"))
		if (nl < 3)
			lv[nl++] = bm;
	fprintf(out, "\n%-17s %5s %-7s %-12s %-6s %-7s", "schaal / scale",
	    "gem.", "95%-int", "0---50---100", "licht", "trend");
	for (int i = 0; i < nl; i++) {
		const char *l = body_str(lv[i], "level");
		fprintf(out, " %6s", strcmp(l, "district") == 0 ? "distr." :
		    strcmp(l, "eenheid") == 0 ? "eenh." : l);
	}
	fputc('\n', out);
	cJSON_ArrayForEach(sc, body_get(b, "scales")) {
		const struct form_scale *fs = form_scale_find(f, body_str(sc, "id"));
		const cJSON *ci = body_get(sc, "ci"), *t;
		double m = body_num(sc, "mean", -1);
		char bar[16], civ[16] = "", tv[16] = "";
		int w;

		fprintf(out, "%-17.17s ", fs ? fs->name.nl : body_str(sc, "id"));
		if (m < 0) {
			fprintf(out, "%5s\n", "-");
			continue;
		}
		w = (int)lround(m / 10);
		bar[0] = '|';
		for (int i = 0; i < 10; i++)
			bar[1 + i] = i < w ? '#' : '.';
		bar[11] = '|';
		bar[12] = '\0';
		if (cJSON_GetArraySize(ci) == 2)
			snprintf(civ, sizeof civ, "%.0f-%.0f",
			    cJSON_GetArrayItem(ci, 0)->valuedouble,
			    cJSON_GetArrayItem(ci, 1)->valuedouble);
		fprintf(out, "%5.1f %-7s %s ", m, civ, bar);
		paint(out, colour, body_str(sc, "light"), light_nl(body_str(sc,
		    "light")));
		t = body_by_id(body_get(tr, "scales"), body_str(sc, "id"));
		if (t != NULL)
			snprintf(tv, sizeof tv, "%s%+.1f%s",
			    body_num(t, "diff", 0) > 0 ? "^" : body_num(t, "diff", 0) < 0 ?
			    "v" : "=", body_num(t, "diff", 0),
			    cJSON_IsTrue(body_get(t, "marked")) ? "*" : "");
		fprintf(out, " %-7s", tv);
		for (int i = 0; i < nl; i++) {
			const cJSON *d = body_by_id(body_get(lv[i], "scales"),
			    body_str(sc, "id"));
			char dv[16] = "";
			if (d != NULL && body_get(d, "diff") != NULL)
				snprintf(dv, sizeof dv, "%+.1f%s",
				    body_num(d, "diff", 0),
				    cJSON_IsTrue(body_get(d, "marked")) ? "*" : "");
			fprintf(out, " %6s", dv);
		}
		fputc('\n', out);
	}
	if (nl > 0) {
		fprintf(out, "Verschil met / difference from:");
		for (int i = 0; i < nl; i++) {
			if (cJSON_IsTrue(body_get(lv[i], "suppressed")))
				fprintf(out, "\n  %s: niet getoond / withheld",
				    body_str(lv[i], "name"));
			else
				fprintf(out, "\n  %s (n=%.0f)", body_str(lv[i],
				    "name"), body_num(lv[i], "n", 0));
		}
		fprintf(out, "\n  * = buiten toeval en groot genoeg / beyond "
		    "chance and large enough\n");
	}
	if (cJSON_GetArraySize(body_get(b, "signals")) > 0) {
		fprintf(out, "Signalen / signals (aandeel ja):");
		int col = 0;
		cJSON_ArrayForEach(x, body_get(b, "signals")) {
			char v[24];
			if (body_get(x, "band") != NULL)
				snprintf(v, sizeof v, "%s", body_str(x, "band"));
			else if (cJSON_IsNumber(body_get(x, "share")))
				snprintf(v, sizeof v, "%.0f%%",
				    100 * body_num(x, "share", 0));
			else
				continue;
			fprintf(out, "%s%-22.22s %-10s", col++ % 2 ? "" : "\n  ",
			    body_str(x, "id"), v);
		}
		fputc('\n', out);
	}
	text_withheld(b, out);
}

/* ---- csv -------------------------------------------------------------- */

static void
csv_field(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void
csv_num(FILE *out, const cJSON *o, const char *k)
{
	const cJSON *x = body_get(o, k);

	if (cJSON_IsNumber(x))
		fprintf(out, ",%.6g", x->valuedouble);
	else
		fputc(',', out);
}

static void
csv_rows(const cJSON *b, FILE *out)
{
	const cJSON *sc;
	int held = cJSON_IsTrue(body_get(b, "suppressed"));
	static const char *const keys[] = { "unit", "name", "kind", "form",
		"period" };

	if (held || cJSON_GetArraySize(body_get(b, "scales")) == 0) {
		for (size_t i = 0; i < 5; i++) {
			if (i)
				fputc(',', out);
			csv_field(out, body_str(b, keys[i]));
		}
		fprintf(out, ",%.0f,,,,,,,,,,%s\n", body_num(b, "snapshot", 0),
		    held ? "niet getoond" : body_str(body_get(b, "status"), "level"));
		return;
	}
	cJSON_ArrayForEach(sc, body_get(b, "scales")) {
		const cJSON *ci = body_get(sc, "ci");
		for (size_t i = 0; i < 5; i++) {
			if (i)
				fputc(',', out);
			csv_field(out, body_str(b, keys[i]));
		}
		fprintf(out, ",%.0f,", body_num(b, "snapshot", 0));
		csv_field(out, body_str(sc, "id"));
		csv_num(out, sc, "n");
		csv_num(out, sc, "mean");
		if (cJSON_GetArraySize(ci) == 2)
			fprintf(out, ",%.6g,%.6g",
			    cJSON_GetArrayItem(ci, 0)->valuedouble,
			    cJSON_GetArrayItem(ci, 1)->valuedouble);
		else
			fputs(",,", out);
		csv_num(out, sc, "share_red");
		csv_num(out, sc, "share_amber");
		fprintf(out, ",%s", body_str(sc, "light"));
		csv_num(out, sc, "alpha");
		fprintf(out, ",%s\n", body_str(body_get(b, "status"), "level"));
	}
}

/* ---- the way in ------------------------------------------------------- */

static int
is_late(struct server *s, const char *form, const char *period,
    const char *unit)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM late WHERE form = ? AND "
	    "period = ? AND unit = ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, unit, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return r;
}

static void
print_progress(const cJSON *j, const struct form *f, long k,
    enum report_format fmt, FILE *out)
{
	const cJSON *x;
	char *t;

	switch (fmt) {
	case REPORT_JSON:
		if ((t = cJSON_Print(j)) != NULL)
			fprintf(out, "%s\n", t);
		free(t);
		break;
	case REPORT_HTML:
		report_html_progress(j, f, out);
		break;
	case REPORT_CSV:
		fprintf(out, "team,form,period,n\n");
		cJSON_ArrayForEach(x, body_get(j, "progress")) {
			csv_field(out, body_str(x, "team"));
			fprintf(out, ",%s,%s,", body_str(j, "form"), body_str(j, "period"));
			if (cJSON_IsNumber(body_get(x, "n")))
				fprintf(out, "%.0f\n", body_num(x, "n", 0));
			else
				fprintf(out, "minder dan %ld\n", k);
		}
		break;
	case REPORT_TEXT:
		fprintf(out, "%s, periode %s: nog open, nog geen resultaten "
		    "/ still open, no results yet\nRespons per team:\n",
		    body_str(j, "form"), body_str(j, "period"));
		cJSON_ArrayForEach(x, body_get(j, "progress")) {
			if (cJSON_IsNumber(body_get(x, "n")))
				fprintf(out, "  %-24s %.0f\n", body_str(x, "team"),
				    body_num(x, "n", 0));
			else
				fprintf(out, "  %-24s minder dan %ld / fewer "
				    "than %ld\n", body_str(x, "team"), k, k);
		}
		break;
	}
}

/* An open period: respondents per team at or below unit, in scope; below
 * k only "fewer than k". */
static int
progress(struct server *s, const struct account *a, const char *unit,
    const struct form *f, const char *form, const char *period,
    enum report_format fmt, FILE *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	long k = config_int(s->cfg, "min_respondents");
	cJSON *j = cJSON_CreateObject(), *arr;

	if (k < 3)
		k = 3;
	if (store_prepare(s->db, "WITH RECURSIVE down(id) AS (SELECT ?1 UNION "
	    "SELECT o.id FROM org o JOIN down ON o.parent = down.id) "
	    "SELECT o.id, o.name, (SELECT COALESCE(SUM(n), 0) FROM cells c "
	    "WHERE c.unit = o.id AND c.form = ?2 AND c.period = ?3) FROM org o "
	    "JOIN down USING(id) WHERE o.kind = 'team' ORDER BY o.id", &st,
	    err, errlen) != 0) {
		cJSON_Delete(j);
		return -1;
	}
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, period, -1, SQLITE_STATIC);
	cJSON_AddStringToObject(j, "unit", unit);
	cJSON_AddStringToObject(j, "form", form);
	cJSON_AddStringToObject(j, "period", period);
	cJSON_AddBoolToObject(j, "open", 1);
	cJSON_AddNumberToObject(j, "k", (double)k);
	arr = cJSON_AddArrayToObject(j, "progress");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		long long n = sqlite3_column_int64(st, 2);
		cJSON *x;

		if (account_may_see(s, a, id) != 1)
			continue;
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "team", id);
		if (n >= k)
			cJSON_AddNumberToObject(x, "n", (double)n);
		else
			cJSON_AddStringToObject(x, "n", "minder dan k");
		cJSON_AddItemToArray(arr, x);
	}
	sqlite3_finalize(st);
	print_progress(j, f, k, fmt, out);
	cJSON_Delete(j);
	return 0;
}

/* The newest form with a snapshot for unit, else the form with the newest
 * period in the cells. */
static int
newest_form(struct server *s, const char *unit, char *out, size_t outlen)
{
	sqlite3_stmt *st;
	int rv = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT u.form FROM snapshot_units u "
	    "JOIN snapshots p USING(form, period, seq) WHERE u.unit = ? "
	    "ORDER BY p.closes DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, outlen, "%s", sqlite3_column_text(st, 0));
		rv = 0;
	}
	sqlite3_finalize(st);
	/* nothing published yet: the form that has the newest period */
	if (rv != 0 && sqlite3_prepare_v2(s->db, "SELECT form FROM cells "
	    "ORDER BY period DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(out, outlen, "%s", sqlite3_column_text(st, 0));
			rv = 0;
		}
		sqlite3_finalize(st);
	}
	return rv;
}

static int
csv_subtree(struct server *s, const struct account *a, const char *unit,
    const char *form, const char *period, FILE *out)
{
	sqlite3_stmt *st;

	fprintf(out, "unit,name,kind,form,period,snapshot,scale,n,mean,ci_low,"
	    "ci_high,share_red,share_amber,light,alpha,status\n");
	if (sqlite3_prepare_v2(s->db, "WITH RECURSIVE down(id, d) AS (SELECT "
	    "?1, 0 UNION SELECT o.id, down.d + 1 FROM org o JOIN down ON "
	    "o.parent = down.id WHERE down.d < 32) SELECT u.unit, u.body FROM "
	    "snapshot_units u JOIN down ON u.unit = down.id WHERE u.form = ?2 "
	    "AND u.period = ?3 AND u.seq = (SELECT MAX(seq) FROM snapshots "
	    "WHERE form = ?2 AND period = ?3) ORDER BY down.d, u.unit", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, period, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *b;

		if (account_may_see(s, a,
		    (const char *)sqlite3_column_text(st, 0)) != 1)
			continue;
		if ((b = cJSON_Parse((const char *)sqlite3_column_text(st, 1)))
		    == NULL)
			continue;
		csv_rows(b, out);
		cJSON_Delete(b);
	}
	sqlite3_finalize(st);
	return 0;
}

int
report_for(struct server *s, const struct account *a, const char *unit,
    const char *form, const char *period, enum report_format fmt, FILE *out,
    char *err, size_t errlen)
{
	char home[256], fbuf[FORM_ID_MAX], pbuf[PERIOD_MAX], scope[512];
	const struct form *f;
	char *text = NULL;
	cJSON *b = NULL;
	time_t now;
	int seq, rv = -1, r;

	if (unit == NULL) {
		if (account_home(s, a, home, sizeof home) != 0) {
			snprintf(err, errlen, "no organisation imported");
			return -1;
		}
		unit = home;
	}
	snprintf(scope, sizeof scope, "%s %s %s %s", unit, form ? form : "-",
	    period ? period : "-", formats[fmt]);
	r = account_may_see(s, a, unit);
	if (r != 1) {
		account_audit(s, a->name, "report", scope, "refused");
		snprintf(err, errlen, "'%s' valt buiten het bereik van account "
		    "'%s' / is outside the scope of this account", unit,
		    a->name);
		return -1;
	}
	if (publish_due(s, NULL, err, errlen) < 0)
		return -1;
	if (form == NULL) {
		if (newest_form(s, unit, fbuf, sizeof fbuf) != 0) {
			snprintf(err, errlen, "nog niets gepubliceerd voor '%s' "
			    "/ nothing published yet", unit);
			account_audit(s, a->name, "report", scope, "nothing");
			return -1;
		}
		form = fbuf;
	}
	if ((f = server_form(s, form, 0, err, errlen)) == NULL)
		return -1;
	if (period != NULL && pols_now(&now, err, errlen) == 0 &&
	    publish_closed(s, form, period, now) == 0) {
		account_audit(s, a->name, "progress", scope, "ok");
		return progress(s, a, unit, f, form, period, fmt, out, err,
		    errlen);
	}
	r = publish_body(s, form, period, unit, &text, &seq, pbuf, sizeof pbuf,
	    err, errlen);
	if (r != 0) {
		account_audit(s, a->name, "report", scope, "nothing");
		return -1;
	}
	if ((b = cJSON_Parse(text)) == NULL) {
		snprintf(err, errlen, "snapshot body of '%s' does not parse",
		    unit);
		goto out;
	}
	int late = is_late(s, form, pbuf, unit);
	switch (fmt) {
	case REPORT_JSON: {
		char *t;
		cJSON *title = cJSON_CreateObject();
		cJSON_AddStringToObject(title, "nl", f->title.nl);
		cJSON_AddStringToObject(title, "en", f->title.en);
		cJSON_AddItemToObject(b, "title", title);
		cJSON_AddBoolToObject(b, "late", late);
		if ((t = cJSON_Print(b)) == NULL)
			goto oom;
		fprintf(out, "%s\n", t);
		free(t);
		break;
	}
	case REPORT_TEXT:
		print_text(b, f, late, out == stdout && isatty(STDOUT_FILENO) &&
		    getenv("NO_COLOR") == NULL, out);
		break;
	case REPORT_CSV:
		if (csv_subtree(s, a, unit, form, pbuf, out) != 0) {
			store_error(s->db, err, errlen);
			goto out;
		}
		break;
	case REPORT_HTML:
		cJSON_AddBoolToObject(b, "late", late);
		if (report_html(b, f, out) != 0)
			goto oom;
		break;
	}
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "cannot write the report");
		goto out;
	}
	account_audit(s, a->name, "report", scope, "ok");
	rv = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	cJSON_Delete(b);
	free(text);
	return rv;
}
