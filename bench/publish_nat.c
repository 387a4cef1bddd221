/*
 * publish_nat.c - publication at national scale, against a bound measured
 * in the same run.
 *
 *   publish_nat DIR TEAMS
 *
 * Builds in DIR a server with a synthetic korps: 14 eenheden, 10 districts
 * each, and TEAMS teams spread over them (5,000: the national scale), 13
 * respondents a team (65,000), each having answered the three questionnaires in one
 * period (a Team Thermometer fortnight, a Sentimeter month, a
 * Medewerkersmonitor campaign over the whole korps). The cells are made as
 * the terminals make them (kiosk answers folded with agg_add; team cells
 * without and district cells with the Cronbach blocks) and stored as
 * polsd stores them. Then it measures:
 *   publish  time to compute and freeze the snapshots of the three periods
 *            for the whole tree (every indicator and suppression);
 *   report   time to serve one chief's report (JSON) from them, median of
 *            101 (the account check - argon2id, deliberately slow - not
 *            included);
 *   bound    one pass over the same cells: read, parse, and sum them in
 *            memory, per form; for the report: reading that team's stored
 *            body (one SELECT), median of 101.
 * Prints "publish_s report_ms bound_s report_bound_ms teams respondents".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "account.h"
#include "agg.h"
#include "org.h"
#include "publish.h"
#include "report.h"
#include "server.h"
#include "store.h"
#include "wave.h"

#define UNITS 14
#define DISTRICTS 10 /* per eenheid */
#define PER_TEAM 13
#define PATTERNS 64

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
median_sort(double v[101])
{
	for (int i = 1; i < 101; i++) /* insertion sort */
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
}

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "publish_nat: %s: %s\n", what, err);
	exit(1);
}

/* A random valid response of f: every shown item answered. */
static void
random_response(const struct form *f, struct form_response *r)
{
	r->n = f->n_items;
	r->a = calloc(f->n_items, sizeof *r->a);
	if (r->a == NULL)
		die("response", "out of memory");
	for (size_t i = 0; i < f->n_items; i++) {
		const struct form_item *it = &f->items[i];
		unsigned nopt = (unsigned)it->n_options;

		if (!form_item_shown(f, i, r)) {
			r->a[i].state = FORM_NOT_SHOWN;
			continue;
		}
		r->a[i].state = FORM_ANSWERED;
		if (it->sensitive)
			nopt--; /* "liever niet" now and then below */
		if (it->type == FORM_MULTI)
			r->a[i].value = 1u << randombytes_uniform(nopt);
		else
			r->a[i].value = randombytes_uniform(nopt);
		if (it->sensitive && randombytes_uniform(20) == 0)
			r->a[i].value = it->type == FORM_MULTI ?
			    1u << nopt : nopt;
	}
}

static void
put_cell(sqlite3_stmt *ins, const char *unit, const struct form *f,
    const char *period, struct agg *a)
{
	char *j = agg_to_json(a);

	sqlite3_reset(ins);
	sqlite3_bind_text(ins, 1, unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, f->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(ins, 3, f->version);
	sqlite3_bind_text(ins, 4, period, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 5, (sqlite3_int64)agg_n(a));
	sqlite3_bind_text(ins, 6, j, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(ins) != SQLITE_DONE)
		die("cell", "insert failed");
	free(j);
}

int
main(int argc, char **argv)
{
	static const char *const forms[3] = { "team-thermometer", "sentimeter",
		"medewerkersmonitor" };
	char err[1024], path[4096], period[3][64], wid[64];
	struct server *s;
	struct org_unit *units;
	size_t nu;
	long teams;
	double t0, t_pub, t_bound, rep[101];
	FILE *csv;

	if (argc != 3 || (teams = atol(argv[2])) < 1 || pcrypto_init() != 0) {
		fprintf(stderr, "usage: publish_nat DIR TEAMS\n");
		return 2;
	}
	setenv("POLS_NOW", "2027-02-10T09:00:00Z", 1);
	if (server_create(argv[1], err, sizeof err) != 0 ||
	    server_open(&s, argv[1], NULL, err, sizeof err) != 0)
		die("server", err);
	snprintf(path, sizeof path, "%s/org.csv", argv[1]);
	if ((csv = fopen(path, "w")) == NULL)
		die(path, "cannot write");
	fprintf(csv, "id,parent,name,kind,headcount\nnl,,Korps,korps,\n");
	for (int u = 0; u < UNITS; u++) {
		fprintf(csv, "e%02d,nl,Eenheid %d,eenheid,\n", u, u);
		for (int d = 0; d < DISTRICTS; d++)
			fprintf(csv, "e%02d-d%d,e%02d,District %d.%d,district,\n",
			    u, d, u, u, d);
	}
	for (long t = 0; t < teams; t++)
		fprintf(csv, "t%ld,e%02ld-d%ld,Team %ld,team,%d\n", t,
		    t % UNITS, (t / UNITS) % DISTRICTS, t, PER_TEAM + 5);
	fclose(csv);
	if (org_parse_csv(path, &units, &nu, err, sizeof err) != 0 ||
	    org_apply(s, units, nu, path, err, sizeof err) != 0)
		die("org", err);
	free(units);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "forms/%s.json", forms[i]);
		if (server_form_publish(s, path, err, sizeof err) != 0)
			die(path, err);
	}
	if (wave_open(s, "medewerkersmonitor", "nl", "2027-02-01",
	    "2027-02-14", NULL, wid, err, sizeof err) != 0)
		die("wave", err);
	snprintf(period[0], sizeof period[0], "2027-F03");
	snprintf(period[1], sizeof period[1], "2027-02");
	snprintf(period[2], sizeof period[2], "%s", wid);

	/* the cells, as the terminals and polsd make them */
	sqlite3_stmt *ins;
	if (store_begin(s->db, err, sizeof err) != 0 ||
	    store_prepare(s->db, "INSERT INTO cells(unit, form, version, "
	    "period, n, agg) VALUES(?, ?, ?, ?, ?, ?)", &ins, err,
	    sizeof err) != 0)
		die("cells", err);
	for (int fi = 0; fi < 3; fi++) {
		const struct form *f = server_form(s, forms[fi], 0, err,
		    sizeof err);
		struct form_response pat[PATTERNS];
		struct agg **dist = calloc(UNITS * DISTRICTS, sizeof *dist);

		if (f == NULL || dist == NULL)
			die(forms[fi], err);
		for (int p = 0; p < PATTERNS; p++)
			random_response(f, &pat[p]);
		for (long t = 0; t < teams; t++) {
			long d = (t % UNITS) * DISTRICTS + (t / UNITS) % DISTRICTS;
			struct agg *a = agg_new(f);
			char id[32];

			if (dist[d] == NULL)
				dist[d] = agg_new(f);
			for (int r = 0; r < PER_TEAM; r++) {
				const struct form_response *x =
				    &pat[randombytes_uniform(PATTERNS)];
				if (agg_add(a, f, x) != 0 ||
				    agg_add(dist[d], f, x) != 0)
					die("agg_add", "overflow");
			}
			agg_drop_full(a);
			snprintf(id, sizeof id, "t%ld", t);
			put_cell(ins, id, f, period[fi], a);
			agg_free(a);
		}
		for (int d = 0; d < UNITS * DISTRICTS; d++) {
			char id[32];
			snprintf(id, sizeof id, "e%02d-d%d", d / DISTRICTS,
			    d % DISTRICTS);
			if (dist[d] != NULL)
				put_cell(ins, id, f, period[fi], dist[d]);
			agg_free(dist[d]);
		}
		free(dist);
		for (int p = 0; p < PATTERNS; p++)
			form_response_clear(&pat[p]);
	}
	sqlite3_finalize(ins);
	if (store_commit(s->db, err, sizeof err) != 0)
		die("cells", err);

	/* the bound: one pass summing the same cells in memory */
	t0 = mono();
	for (int fi = 0; fi < 3; fi++) {
		sqlite3_stmt *st;
		struct agg *sum = agg_empty();

		if (store_prepare(s->db, "SELECT agg FROM cells WHERE form = ? "
		    "AND period = ?", &st, err, sizeof err) != 0)
			die("bound", err);
		sqlite3_bind_text(st, 1, forms[fi], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, period[fi], -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct agg *a;
			if (agg_from_json((const char *)sqlite3_column_text(st,
			    0), (size_t)sqlite3_column_bytes(st, 0), &a, err,
			    sizeof err) != 0 || agg_merge(sum, a) != 0)
				die("bound", err);
			agg_free(a);
		}
		sqlite3_finalize(st);
		agg_free(sum);
	}
	t_bound = mono() - t0;

	/* publication: all three periods, closed and past their grace */
	setenv("POLS_NOW", "2027-04-01T09:00:00Z", 1);
	t0 = mono();
	int made = publish_due(s, NULL, err, sizeof err);
	t_pub = mono() - t0;
	if (made != 3)
		die("publish", made < 0 ? err : "not three snapshots");

	/* one chief's report, served from the snapshot */
	struct account a;
	FILE *null = fopen("/dev/null", "w");
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "chef");
	snprintf(a.role, sizeof a.role, "chief");
	snprintf(a.scope, sizeof a.scope, "t%ld", teams / 2);
	for (int i = 0; i < 101; i++) {
		t0 = mono();
		if (report_for(s, &a, NULL, "medewerkersmonitor", NULL,
		    REPORT_JSON, null, err, sizeof err) != 0)
			die("report", err);
		rep[i] = mono() - t0;
	}
	fclose(null);
	double rb[101];
	for (int i = 0; i < 101; i++) {
		sqlite3_stmt *st;
		t0 = mono();
		if (store_prepare(s->db, "SELECT body FROM snapshot_units WHERE "
		    "unit = ? AND form = 'medewerkersmonitor'", &st, err,
		    sizeof err) != 0 || sqlite3_bind_text(st, 1, a.scope, -1,
		    SQLITE_STATIC) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
			die("report bound", err);
		sqlite3_finalize(st);
		rb[i] = mono() - t0;
	}
	median_sort(rep);
	median_sort(rb);
	printf("%.3f %.3f %.3f %.3f %ld %ld\n", t_pub, rep[50] * 1000, t_bound,
	    rb[50] * 1000, teams, teams * PER_TEAM);
	server_close(s);
	return 0;
}
