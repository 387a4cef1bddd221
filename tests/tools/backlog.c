/*
 * backlog.c - fill a terminal with a backlog for the sync tests.
 *
 *   backlog KDIR N TEAMS
 *   backlog KDIR N TEAMS FORM WHEN
 *
 * Files N Team Thermometer responses through kiosk_submit (the real path),
 * each in its own cell: TEAMS (comma-separated) x successive fortnights
 * going back from 2026, so every cell's period is long closed and each
 * response becomes one batch. With FORM and WHEN (a POLS_NOW time), files N
 * responses to FORM (every required item answered) at that time, spread
 * over TEAMS, e.g. one Medewerkersmonitor response per team in a
 * campaign. Prints the number of responses per team.
 * The cells are cut into batches at the end, with the real clock (or
 * POLS_NOW as the caller set it). Only this generator relaxes durability
 * (synchronous=OFF) to be quick.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk.h"
#include "period.h"

int
main(int argc, char **argv)
{
	struct kiosk *k;
	char err[256], when[32], *teams[1024], *save = NULL, *t;
	long n, per[1024] = {0};
	int nt = 0;

	const char *form_id = argc == 6 ? argv[4] : NULL;
	struct form *f = NULL;
	char caller_now[64] = "";

	if (getenv("POLS_NOW") != NULL)
		snprintf(caller_now, sizeof caller_now, "%s", getenv("POLS_NOW"));

	if ((argc != 4 && argc != 6) || pcrypto_init() != 0)
		return 2;
	n = atol(argv[2]);
	for (t = strtok_r(argv[3], ",", &save); t && nt < 1024;
	    t = strtok_r(NULL, ",", &save))
		teams[nt++] = t;
	if (nt == 0 || kiosk_open(&k, argv[1], NULL, err, sizeof err) != 0) {
		fprintf(stderr, "backlog: %s\n", nt ? err : "no teams");
		return 2;
	}
	sqlite3_exec(k->db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
	if (form_id != NULL) {
		setenv("POLS_NOW", argv[5], 1);
		if ((f = kiosk_form(k, form_id, err, sizeof err)) == NULL) {
			fprintf(stderr, "backlog: %s\n", err);
			return 1;
		}
	}
	for (long i = 0; i < n; i++) {
		/* fortnight i / nt back from 2026-11-30, 14 days a step */
		time_t at = 1795996800L - (time_t)(i / nt) * 14 * 86400;
		struct tm tm;
		char json[256];
		cJSON *ans;
		int rc;

		if (f != NULL) {
			ans = cJSON_CreateObject();
			for (size_t j = 0; j < f->n_items; j++) {
				const struct form_item *it = &f->items[j];
				if (!it->required)
					continue;
				cJSON_AddNumberToObject(ans, it->id,
				    it->type == FORM_LIKERT5 ? 1 + i % 5 :
				    it->type == FORM_FREQ5 ? i % 5 : i % 11);
			}
			rc = kiosk_submit(k, f->id, teams[i % nt], ans, err,
			    sizeof err);
		} else {
			gmtime_r(&at, &tm);
			strftime(when, sizeof when, "%Y-%m-%dT12:00:00Z", &tm);
			setenv("POLS_NOW", when, 1);
			snprintf(json, sizeof json, "{\"veiligheid\":%ld,"
			    "\"sfeer\":%ld,\"werkdruk\":%ld,\"samenwerking\":%ld,"
			    "\"jezelf-zijn\":%ld}", i % 11, (i / 3) % 11,
			    (i / 7) % 11, (i / 11) % 11, 5L);
			ans = cJSON_Parse(json);
			rc = kiosk_submit(k, "team-thermometer", teams[i % nt],
			    ans, err, sizeof err);
		}
		cJSON_Delete(ans);
		if (rc != KIOSK_OK) {
			fprintf(stderr, "backlog: response %ld: %s\n", i, err);
			kiosk_close(k);
			return 1;
		}
		per[i % nt]++;
	}
	/* Cut now (a closed period, or a closed campaign when its WHEN lies
	 * before today), so the batches exist before any sync. */
	if (caller_now[0])
		setenv("POLS_NOW", caller_now, 1);
	else
		unsetenv("POLS_NOW");
	if (kiosk_cut(k, err, sizeof err) < 0) {
		fprintf(stderr, "backlog: %s\n", err);
		return 1;
	}
	for (int i = 0; i < nt; i++)
		printf("%s %ld\n", teams[i], per[i]);
	form_free(f);
	kiosk_close(k);
	return 0;
}
