/*
 * period.c - the clock and the periods responses are filed under.
 *
 * All calendar arithmetic is done here on day numbers (days since
 * 1970-01-01, proleptic Gregorian, UTC) with the days-from-civil algorithm,
 * so nothing depends on the TZ environment variable, the C library's
 * timegm() or local time. Years are limited to 0001..9999 so that every
 * period string has exactly four year digits.
 *
 * ISO 8601 weeks: a week starts on Monday; week 1 of ISO year Y is the week
 * that holds Y's first Thursday (equivalently, January 4th); an ISO year has
 * 52 or 53 weeks. A fortnight Fnn is ISO weeks 2n-1 and 2n of its ISO year;
 * F27 is week 53 alone and exists only in 53-week years.
 */
#include "period.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECS_PER_DAY 86400LL
#define YEAR_MIN 1
#define YEAR_MAX 9999
#define CAMPAIGN_MAX 40

_Static_assert(sizeof(time_t) >= 8, "pols needs a 64-bit time_t");

/* Floor division for possibly negative day numbers. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/* Howard Hinnant's days_from_civil: days since 1970-01-01. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int64_t y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* 0 = Monday ... 6 = Sunday; day 0 (1970-01-01) was a Thursday. */
static int
weekday(int64_t z)
{
	return (int)floor_mod(z + 3, 7);
}

/* Day number of the Monday of ISO week 1 of ISO year y. */
static int64_t
iso_year_start(int64_t y)
{
	int64_t jan4 = days_from_civil(y, 1, 4);

	return jan4 - weekday(jan4);
}

static int
iso_weeks_in_year(int64_t y)
{
	return (int)((iso_year_start(y + 1) - iso_year_start(y)) / 7);
}

static void
iso_week_of(int64_t z, int64_t *iso_year, int *week)
{
	int64_t thursday = z - weekday(z) + 3;
	int64_t y;
	int m, d;

	civil_from_days(thursday, &y, &m, &d);
	*iso_year = y;
	*week = (int)((thursday - days_from_civil(y, 1, 1)) / 7 + 1);
}

/* Exactly n decimal digits at s; value in *out. */
static int
parse_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
period_parse_time(const char *s, time_t *out)
{
	int y, mo, d, h, mi, se;
	int64_t t;

	if (s == NULL || strlen(s) != 20)
		return -1;
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return -1;
	if (parse_digits(s, 4, &y) < 0 || parse_digits(s + 5, 2, &mo) < 0 ||
	    parse_digits(s + 8, 2, &d) < 0 || parse_digits(s + 11, 2, &h) < 0 ||
	    parse_digits(s + 14, 2, &mi) < 0 ||
	    parse_digits(s + 17, 2, &se) < 0)
		return -1;
	if (y < YEAR_MIN || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return -1;
	t = days_from_civil(y, mo, d) * SECS_PER_DAY + h * 3600LL +
	    mi * 60LL + se;
	*out = (time_t)t;
	return 0;
}

int
pols_now(time_t *out, char *err, size_t errlen)
{
	const char *env = getenv("POLS_NOW");
	time_t t;

	if (env != NULL && env[0] != '\0') {
		if (period_parse_time(env, &t) < 0) {
			snprintf(err, errlen,
			    "POLS_NOW: expected YYYY-MM-DDTHH:MM:SSZ, got '%s'",
			    env);
			return -1;
		}
		*out = t;
		return 0;
	}
	t = time(NULL);
	if (t == (time_t)-1) {
		snprintf(err, errlen, "cannot read the clock: %s",
		    strerror(errno));
		return -1;
	}
	*out = t;
	return 0;
}

const char *
period_kind_name(enum period_kind kind)
{
	switch (kind) {
	case PERIOD_WEEK:
		return "week";
	case PERIOD_FORTNIGHT:
		return "fortnight";
	case PERIOD_MONTH:
		return "month";
	case PERIOD_CAMPAIGN:
		return "campaign";
	}
	return "unknown";
}

int
period_kind_parse(const char *s, enum period_kind *out)
{
	static const enum period_kind kinds[] = {PERIOD_WEEK,
	    PERIOD_FORTNIGHT, PERIOD_MONTH, PERIOD_CAMPAIGN};

	if (s == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(s, period_kind_name(kinds[i])) == 0) {
			*out = kinds[i];
			return 0;
		}
	}
	return -1;
}

int
period_of(enum period_kind kind, time_t t, char *out, size_t outlen)
{
	int64_t z = floor_div((int64_t)t, SECS_PER_DAY);
	int64_t y;
	int m, d, w, n;

	switch (kind) {
	case PERIOD_WEEK:
	case PERIOD_FORTNIGHT:
		iso_week_of(z, &y, &w);
		break;
	case PERIOD_MONTH:
		civil_from_days(z, &y, &m, &d);
		break;
	default:
		return -1;
	}
	if (y < YEAR_MIN || y > YEAR_MAX)
		return -1;
	if (kind == PERIOD_WEEK)
		n = snprintf(out, outlen, "%04d-W%02d", (int)y, w);
	else if (kind == PERIOD_FORTNIGHT)
		n = snprintf(out, outlen, "%04d-F%02d", (int)y, (w + 1) / 2);
	else
		n = snprintf(out, outlen, "%04d-%02d", (int)y, m);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return 0;
}

static int
is_campaign_id(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > CAMPAIGN_MAX || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-'))
			return 0;
	}
	return 1;
}

/*
 * Parse a calendar period string. On success *kind is set, *start is the
 * first day and *ndays the length in days.
 */
static int
parse_calendar(const char *s, enum period_kind *kind, int64_t *start,
    int *ndays)
{
	size_t len = strlen(s);
	int y, n;

	if (len < 7 || parse_digits(s, 4, &y) < 0 || s[4] != '-' ||
	    y < YEAR_MIN)
		return -1;
	if (len == 7) {
		if (parse_digits(s + 5, 2, &n) < 0 || n < 1 || n > 12)
			return -1;
		*kind = PERIOD_MONTH;
		*start = days_from_civil(y, n, 1);
		*ndays = days_in_month(y, n);
		return 0;
	}
	if (len != 8 || (s[5] != 'W' && s[5] != 'F') ||
	    parse_digits(s + 6, 2, &n) < 0)
		return -1;
	if (s[5] == 'W') {
		if (n < 1 || n > iso_weeks_in_year(y))
			return -1;
		*kind = PERIOD_WEEK;
		*start = iso_year_start(y) + (int64_t)(n - 1) * 7;
		*ndays = 7;
		return 0;
	}
	if (n < 1 || 2 * n - 1 > iso_weeks_in_year(y))
		return -1;
	*kind = PERIOD_FORTNIGHT;
	*start = iso_year_start(y) + (int64_t)(2 * n - 2) * 7;
	*ndays = 2 * n > iso_weeks_in_year(y) ? 7 : 14;
	return 0;
}

int
period_classify(const char *s, enum period_kind *out)
{
	enum period_kind kind;
	int64_t start;
	int ndays;

	if (s == NULL)
		return -1;
	if (parse_calendar(s, &kind, &start, &ndays) == 0) {
		*out = kind;
		return 0;
	}
	if (is_campaign_id(s)) {
		*out = PERIOD_CAMPAIGN;
		return 0;
	}
	return -1;
}

int
period_bounds(const char *s, time_t *start, time_t *end)
{
	enum period_kind kind;
	int64_t first;
	int ndays;

	if (s == NULL || parse_calendar(s, &kind, &first, &ndays) < 0)
		return -1;
	*start = (time_t)(first * SECS_PER_DAY);
	*end = (time_t)((first + ndays) * SECS_PER_DAY);
	return 0;
}
