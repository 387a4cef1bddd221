/*
 * publish.h - publication snapshots: a period's results, computed once for
 * every level of the organisation, with the disclosure rules applied, and
 * frozen (docs/indicators.md, docs/disclosure.md).
 *
 * A (form, period) is due when it has closed (a calendar period's end, a
 * campaign's last day or the day it was closed early) plus grace_hours.
 * publish_due() then computes snapshot 1: every unit's figures from the
 * merged cells, the threshold (min_respondents, never below 3) and
 * complementary suppression at every level, benchmarks against the levels
 * above, the trend against the previous published period, and one body of
 * JSON per unit, stored and never changed. Batches that arrive later are
 * kept in the cells; they enter snapshot 2, 3, ... only when every team they
 * touch has gained at least k respondents since the last snapshot (so every
 * level above gains at least k as well). Until then the units they touch are
 * listed as late ("nagekomen, nog niet verwerkt"). A unit withheld in one
 * snapshot stays withheld in the later ones of that period.
 *
 * Reports read only snapshot_units; nothing else leaves the server. The
 * tables are made by server_open (server.c, REPORT_TABLES).
 */
#ifndef POLS_PUBLISH_H
#define POLS_PUBLISH_H

#include <stdio.h>

#include "server.h"

/* Publish what is due (see above). Writes a line per snapshot made to log
 * when not NULL. Returns the number of snapshots made, or -1. */
int publish_due(struct server *s, FILE *log, char *err, size_t errlen);

/* The newest snapshot of (form, period) for unit: its body (caller frees)
 * and number. period NULL: the newest published period of form. Returns
 * 0, 1 when nothing is published for it (a message in err), -1 on error. */
int publish_body(struct server *s, const char *form, const char *period,
    const char *unit, char **body, int *seq, char *period_out,
    size_t period_outlen, char *err, size_t errlen);

/* Is (form, period) closed and past its grace time? 1 yes, 0 no (open:
 * results not yet published), -1 unknown period. */
int publish_closed(struct server *s, const char *form, const char *period,
    time_t now);

#endif
