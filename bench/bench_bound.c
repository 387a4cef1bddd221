/*
 * bench_bound.c - the bound for the ingest benchmark: the same sealed
 * batches through only the crypto and the sqlite transactions, with the
 * same commit grouping as polsd (one transaction per 64 batches, a
 * savepoint each, synchronous=FULL), in one process, no networking, no
 * protocol.
 *
 *   bench_bound SERVERDIR KDIR... 
 *
 * Reads every pending batch of each terminal KDIR (the sealed bytes as
 * they would travel), applies them to SERVERDIR and prints
 * "<batches> <seconds>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest.h"
#include "kiosk.h"
#include "server.h"
#include "store.h"
#include "terminal.h"

struct batch {
	char id[40];
	uint8_t *sealed;
	size_t len;
};

static double
mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct server *s;
	char err[512];
	double total = 0;
	long applied = 0;

	if (argc < 3 || pcrypto_init() != 0) {
		fprintf(stderr, "usage: bench_bound SERVERDIR KDIR...\n");
		return 2;
	}
	if (server_open(&s, argv[1], NULL, err, sizeof err) != 0) {
		fprintf(stderr, "bench_bound: %s\n", err);
		return 1;
	}
	for (int a = 2; a < argc; a++) {
		struct kiosk *k;
		struct terminal_rec t;
		struct batch *b = NULL;
		size_t n = 0, cap = 0;
		sqlite3_stmt *st;
		double t0;

		if (kiosk_open(&k, argv[a], NULL, err, sizeof err) != 0 ||
		    terminal_get(s, k->name, &t) != 0) {
			fprintf(stderr, "bench_bound: %s: %s\n", argv[a], err);
			return 1;
		}
		sqlite3_prepare_v2(k->db, "SELECT id, sealed FROM batches WHERE "
		    "acked IS NULL ORDER BY seq", -1, &st, NULL);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (n == cap) {
				cap = cap ? 2 * cap : 256;
				b = realloc(b, cap * sizeof *b);
			}
			snprintf(b[n].id, sizeof b[n].id, "%s",
			    sqlite3_column_text(st, 0));
			b[n].len = (size_t)sqlite3_column_bytes(st, 1);
			b[n].sealed = malloc(b[n].len);
			memcpy(b[n].sealed, sqlite3_column_blob(st, 1), b[n].len);
			n++;
		}
		sqlite3_finalize(st);
		/* Timed: what polsd does per request, minus the network. */
		t0 = mono();
		for (size_t i = 0; i < n; i += WIRE_MAX_BATCHES) {
			store_begin(s->db, err, sizeof err);
			for (size_t j = i; j < n && j < i + WIRE_MAX_BATCHES; j++)
				if (ingest_batch(s, t.name, t.teams, b[j].id,
				    b[j].sealed, b[j].len, err, sizeof err) == 0)
					applied++;
			if (store_commit(s->db, err, sizeof err) != 0) {
				fprintf(stderr, "bench_bound: %s\n", err);
				return 1;
			}
		}
		total += mono() - t0;
		for (size_t i = 0; i < n; i++)
			free(b[i].sealed);
		free(b);
		kiosk_close(k);
	}
	printf("%ld %.6f\n", applied, total);
	server_close(s);
	return 0;
}
