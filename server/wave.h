/*
 * wave.h - campaigns ("metingen") of a campaign questionnaire, such as a
 * Medewerkersmonitor round for one unit and its teams.
 *
 * A wave names a form, a scope (a unit: every team at or below it answers),
 * the first and last day (UTC, inclusive), and the modules it includes (none
 * listed: all). Its id is the period its answers are filed under. Two open
 * waves of one form may not cover the same team on the same day, so periods
 * never overlap.
 */
#ifndef POLS_WAVE_H
#define POLS_WAVE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "server.h"

#define WAVE_ID_MAX 40

/* Open a wave; on success the new id is written to id (WAVE_ID_MAX + 1).
 * modules: comma-separated module ids, or NULL/"" for all. 0 or -1. */
int wave_open(struct server *s, const char *form, const char *scope,
    const char *from, const char *to, const char *modules, char *id,
    char *err, size_t errlen);

int wave_close(struct server *s, const char *id, char *err, size_t errlen);

/* Print every wave, one a line. */
int wave_list(struct server *s, char *err, size_t errlen);

/* The open waves that cover any of teams (comma-separated), as a JSON
 * array of {id, form, from, to, modules[], teams[]} with teams limited to
 * the covered ones. NULL on error. */
cJSON *wave_for_teams(struct server *s, const char *teams);

/* 1 when period is a wave of form whose scope covers team, 0 when not,
 * -1 on a database error. */
int wave_covers(struct server *s, const char *period, const char *form,
    const char *team);

#endif
