/*
 * period.h - the clock and the periods responses are filed under.
 *
 * pols never stores an exact time with a response: time is coarsened to a
 * period. Period strings are fixed here (see docs/periods.md):
 *   ISO week   "2027-W05"
 *   fortnight  "2027-F03"  (ISO weeks 5-6 of ISO year 2027; F27 = week 53)
 *   month      "2027-03"
 *   campaign   a campaign id, [a-z0-9-]{1,40}, not matching the forms above
 * Periods of one kind never overlap.
 *
 * Every program reads the clock through pols_now(), which honours the
 * environment variable POLS_NOW (ISO 8601 UTC, "2027-03-10T09:00:00Z") so
 * tests and demos can fix the date.
 */
#ifndef POLS_PERIOD_H
#define POLS_PERIOD_H

#include <stddef.h>
#include <time.h>

enum period_kind {
	PERIOD_WEEK,
	PERIOD_FORTNIGHT,
	PERIOD_MONTH,
	PERIOD_CAMPAIGN
};

#define PERIOD_MAX 48 /* longest period string + NUL */

/* Current time: POLS_NOW when set, else the system clock. Returns 0, or -1
 * with a one-line reason in err when POLS_NOW is set but malformed. */
int pols_now(time_t *out, char *err, size_t errlen);

/* Parse "YYYY-MM-DDTHH:MM:SSZ" (UTC). Returns 0 or -1. */
int period_parse_time(const char *s, time_t *out);

/* Name of a period kind ("week", ...) and back. parse returns 0 or -1. */
const char *period_kind_name(enum period_kind kind);
int period_kind_parse(const char *s, enum period_kind *out);

/* The period of kind containing time t, written to out (PERIOD_MAX bytes).
 * PERIOD_CAMPAIGN has no calendar period: returns -1. */
int period_of(enum period_kind kind, time_t t, char *out, size_t outlen);

/* Which kind a period string is; -1 when the string is not a valid
 * period (campaign ids are valid: [a-z0-9-]{1,40}). */
int period_classify(const char *s, enum period_kind *out);

/* Start (inclusive) and end (exclusive) UTC of a calendar period. -1 for
 * campaign ids and malformed strings. */
int period_bounds(const char *s, time_t *start, time_t *end);

#endif
