/*
 * backlog.c - fill a terminal with a backlog for the sync tests.
 *
 *   backlog KDIR N TEAMS
 *
 * Files N Team Thermometer responses through kiosk_submit (the real path),
 * each in its own cell: TEAMS (comma-separated) x successive fortnights
 * going back from 2026, so every cell's period is long closed and each
 * response becomes one batch. Prints the number of responses per team.
 * Only this generator relaxes durability (synchronous=OFF) to be quick.
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
	char err[256], when[32], *teams[64], *save = NULL, *t;
	long n, per[64] = {0};
	int nt = 0;

	if (argc != 4 || pcrypto_init() != 0)
		return 2;
	n = atol(argv[2]);
	for (t = strtok_r(argv[3], ",", &save); t && nt < 64;
	    t = strtok_r(NULL, ",", &save))
		teams[nt++] = t;
	if (nt == 0 || kiosk_open(&k, argv[1], NULL, err, sizeof err) != 0) {
		fprintf(stderr, "backlog: %s\n", nt ? err : "no teams");
		return 2;
	}
	sqlite3_exec(k->db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
	for (long i = 0; i < n; i++) {
		/* fortnight i / nt back from 2026-11-30, 14 days a step */
		time_t at = 1795996800L - (time_t)(i / nt) * 14 * 86400;
		struct tm tm;
		char json[256];
		cJSON *ans;
		int rc;

		gmtime_r(&at, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT12:00:00Z", &tm);
		setenv("POLS_NOW", when, 1);
		snprintf(json, sizeof json, "{\"veiligheid\":%ld,\"sfeer\":%ld,"
		    "\"werkdruk\":%ld,\"samenwerking\":%ld,\"jezelf-zijn\":%ld}",
		    i % 11, (i / 3) % 11, (i / 7) % 11, (i / 11) % 11, 5L);
		ans = cJSON_Parse(json);
		rc = kiosk_submit(k, "team-thermometer", teams[i % nt], ans, err,
		    sizeof err);
		cJSON_Delete(ans);
		if (rc != KIOSK_OK) {
			fprintf(stderr, "backlog: response %ld: %s\n", i, err);
			kiosk_close(k);
			return 1;
		}
		per[i % nt]++;
	}
	for (int i = 0; i < nt; i++)
		printf("%s %ld\n", teams[i], per[i]);
	kiosk_close(k);
	return 0;
}
