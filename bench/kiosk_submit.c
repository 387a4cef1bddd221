/*
 * kiosk_submit.c - time from "Versturen" to durable on disk.
 *
 *   kiosk_submit KDIR N
 *
 * Times N kiosk_submit calls (validate, decrypt, fold, encrypt, one sqlite
 * transaction with synchronous=FULL: durable when it returns) in one
 * process, then the bound: N single inserts of a blob of the same size into
 * a fresh sqlite file beside the kiosk's, with the same pragmas (WAL,
 * synchronous=FULL, secure_delete), one transaction each. Prints
 * "p50 p99 bound_p50 bound_p99" in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiosk.h"
#include "store.h"
#include "util.h"

static double
ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[(int)(p * (n - 1) + 0.5)];
}

int
main(int argc, char **argv)
{
	struct kiosk *k;
	char err[512], path[4096];
	sqlite3 *raw;
	int n;
	double *t, *b;
	size_t blob = 0;

	if (argc != 3 || pcrypto_init() != 0)
		return 2;
	n = atoi(argv[2]);
	t = calloc((size_t)n, sizeof *t);
	b = calloc((size_t)n, sizeof *b);
	if (kiosk_open(&k, argv[1], NULL, err, sizeof err) != 0) {
		fprintf(stderr, "kiosk_submit: %s\n", err);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char json[200];
		cJSON *ans;
		double t0;
		snprintf(json, sizeof json, "{\"veiligheid\":%d,\"sfeer\":%d,"
		    "\"werkdruk\":%d,\"samenwerking\":%d,\"jezelf-zijn\":%d}",
		    i % 11, (i / 2) % 11, (i / 3) % 11, (i / 5) % 11, 7);
		ans = cJSON_Parse(json);
		t0 = ms();
		if (kiosk_submit(k, "team-thermometer", "bt-hengelo", ans, err,
		    sizeof err) != KIOSK_OK) {
			fprintf(stderr, "kiosk_submit: %s\n", err);
			return 1;
		}
		t[i] = ms() - t0;
		cJSON_Delete(ans);
	}
	{
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(k->db, "SELECT MAX(length(box)) FROM acc",
		    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			blob = (size_t)sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	kiosk_close(k);
	/* The bound: the same durable write, nothing else. */
	util_path(path, sizeof path, "%s/db/bound.db", argv[1]);
	remove(path);
	if (store_open(path, 1, "CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB);",
	    &raw, err, sizeof err) != 0) {
		fprintf(stderr, "kiosk_submit: %s\n", err);
		return 1;
	}
	{
		uint8_t *v = calloc(1, blob ? blob : 1);
		sqlite3_stmt *st;
		sqlite3_prepare_v2(raw, "INSERT OR REPLACE INTO t(k, v) "
		    "VALUES(1, ?)", -1, &st, NULL);
		for (int i = 0; i < n; i++) {
			double t0 = ms();
			v[0] = (uint8_t)i;
			sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL);
			sqlite3_reset(st);
			sqlite3_bind_blob(st, 1, v, (int)blob, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL);
			b[i] = ms() - t0;
		}
		sqlite3_finalize(st);
		free(v);
	}
	store_close(raw);
	remove(path);
	printf("%.4f %.4f %.4f %.4f %zu\n", pct(t, n, 0.5), pct(t, n, 0.99),
	    pct(b, n, 0.5), pct(b, n, 0.99), blob);
	free(t);
	free(b);
	return 0;
}
