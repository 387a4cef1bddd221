/*
 * report.h - a team's merged figures for one questionnaire and period.
 *
 * The first version of the team report (later issues add indicators and
 * disclosure control around it): respondents and counts per answer option
 * per item, summed over the form's versions. A cell with fewer than k
 * respondents (min_respondents, never below 3) is not shown at all, counts
 * included.
 */
#ifndef POLS_REPORT_H
#define POLS_REPORT_H

#include <stdio.h>

#include "server.h"

enum report_format { REPORT_TEXT, REPORT_JSON };

/* period NULL: the latest period with results. 0, or -1 with reason. */
int report_team(struct server *s, const char *team, const char *form,
    const char *period, enum report_format fmt, FILE *out, char *err,
    size_t errlen);

#endif
