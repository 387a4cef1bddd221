/*
 * test_period.c - ISO weeks, fortnights, months, classification, bounds and
 * POLS_NOW. Exact values were checked against Python's
 * date.isocalendar(); a day-by-day sweep compares with glibc's %G-W%V.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "period.h"

static time_t
at(const char *s)
{
	time_t t = 0;

	assert_int_equal(period_parse_time(s, &t), 0);
	return t;
}

static void
assert_period(enum period_kind kind, const char *when, const char *want)
{
	char buf[PERIOD_MAX];

	assert_int_equal(period_of(kind, at(when), buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void
test_parse_time(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(period_parse_time("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal((long long)t, 0);
	assert_int_equal(period_parse_time("2027-03-10T09:00:00Z", &t), 0);
	assert_int_equal((long long)t, 1804669200LL);
	assert_int_equal(period_parse_time("2024-02-29T23:59:59Z", &t), 0);
	assert_int_equal((long long)t, 1709251199LL);

	assert_int_equal(period_parse_time("2023-02-29T00:00:00Z", &t), -1);
	assert_int_equal(period_parse_time("2027-13-01T00:00:00Z", &t), -1);
	assert_int_equal(period_parse_time("2027-00-01T00:00:00Z", &t), -1);
	assert_int_equal(period_parse_time("2027-04-31T00:00:00Z", &t), -1);
	assert_int_equal(period_parse_time("2027-03-00T00:00:00Z", &t), -1);
	assert_int_equal(period_parse_time("2027-03-10T24:00:00Z", &t), -1);
	assert_int_equal(period_parse_time("2027-03-10T09:60:00Z", &t), -1);
	assert_int_equal(period_parse_time("2027-03-10T09:00:60Z", &t), -1);
	assert_int_equal(period_parse_time("2027-03-10T09:00:00", &t), -1);
	assert_int_equal(period_parse_time("2027-03-10 09:00:00Z", &t), -1);
	assert_int_equal(period_parse_time("2027-03-10T09:00:00+01:00", &t),
	    -1);
	assert_int_equal(period_parse_time("2027-3-10T09:00:00Z", &t), -1);
	assert_int_equal(period_parse_time("+027-03-10T09:00:00Z", &t), -1);
	assert_int_equal(period_parse_time("0000-03-10T09:00:00Z", &t), -1);
	assert_int_equal(period_parse_time("2027-03-10T09:00:00Zx", &t), -1);
	assert_int_equal(period_parse_time("", &t), -1);
	assert_int_equal(period_parse_time(NULL, &t), -1);
}

static void
test_iso_weeks(void **state)
{
	(void)state;
	assert_period(PERIOD_WEEK, "2027-01-01T12:00:00Z", "2026-W53");
	assert_period(PERIOD_WEEK, "2021-01-03T23:59:59Z", "2020-W53");
	assert_period(PERIOD_WEEK, "2021-01-04T00:00:00Z", "2021-W01");
	assert_period(PERIOD_WEEK, "2027-03-10T09:00:00Z", "2027-W10");
	assert_period(PERIOD_WEEK, "2026-12-31T00:00:00Z", "2026-W53");
	assert_period(PERIOD_WEEK, "2026-12-28T00:00:00Z", "2026-W53");
	assert_period(PERIOD_WEEK, "2026-12-27T23:59:59Z", "2026-W52");
	assert_period(PERIOD_WEEK, "2027-01-03T23:59:59Z", "2026-W53");
	assert_period(PERIOD_WEEK, "2027-01-04T00:00:00Z", "2027-W01");
	assert_period(PERIOD_WEEK, "2024-12-30T00:00:00Z", "2025-W01");
	assert_period(PERIOD_WEEK, "2025-01-01T00:00:00Z", "2025-W01");
	assert_period(PERIOD_WEEK, "1970-01-01T00:00:00Z", "1970-W01");
}

static void
test_fortnights(void **state)
{
	(void)state;
	assert_period(PERIOD_FORTNIGHT, "2027-03-10T09:00:00Z", "2027-F05");
	/* W09 and W10 of 2027 are F05; W11 starts F06. */
	assert_period(PERIOD_FORTNIGHT, "2027-03-01T00:00:00Z", "2027-F05");
	assert_period(PERIOD_FORTNIGHT, "2027-03-15T00:00:00Z", "2027-F06");
	assert_period(PERIOD_FORTNIGHT, "2027-01-04T00:00:00Z", "2027-F01");
	assert_period(PERIOD_FORTNIGHT, "2027-01-17T23:59:59Z", "2027-F01");
	assert_period(PERIOD_FORTNIGHT, "2027-01-18T00:00:00Z", "2027-F02");
	/* Week 53 is F27 on its own. */
	assert_period(PERIOD_FORTNIGHT, "2027-01-01T00:00:00Z", "2026-F27");
	assert_period(PERIOD_FORTNIGHT, "2026-12-31T00:00:00Z", "2026-F27");
	assert_period(PERIOD_FORTNIGHT, "2026-12-27T23:59:59Z", "2026-F26");
	assert_period(PERIOD_FORTNIGHT, "2021-01-03T00:00:00Z", "2020-F27");
	/* 2027 has 52 weeks: its last fortnight is F26 (W51-W52). */
	assert_period(PERIOD_FORTNIGHT, "2028-01-02T23:59:59Z", "2027-F26");
	assert_period(PERIOD_FORTNIGHT, "2028-01-03T00:00:00Z", "2028-F01");
}

static void
test_months(void **state)
{
	(void)state;
	assert_period(PERIOD_MONTH, "2027-03-10T09:00:00Z", "2027-03");
	assert_period(PERIOD_MONTH, "2027-01-01T00:00:00Z", "2027-01");
	assert_period(PERIOD_MONTH, "2026-12-31T23:59:59Z", "2026-12");
	assert_period(PERIOD_MONTH, "2024-02-29T23:59:59Z", "2024-02");
	assert_period(PERIOD_MONTH, "2024-03-01T00:00:00Z", "2024-03");
}

static void
test_period_of_errors(void **state)
{
	char buf[PERIOD_MAX];
	char small[8];

	(void)state;
	assert_int_equal(period_of(PERIOD_CAMPAIGN, at("2027-03-10T09:00:00Z"),
	    buf, sizeof(buf)), -1);
	/* "2027-W10" needs 9 bytes. */
	assert_int_equal(period_of(PERIOD_WEEK, at("2027-03-10T09:00:00Z"),
	    small, sizeof(small)), -1);
	assert_int_equal(period_of(PERIOD_MONTH, at("2027-03-10T09:00:00Z"),
	    small, sizeof(small)), 0);
	assert_string_equal(small, "2027-03");
}

static void
test_kind_names(void **state)
{
	enum period_kind k;

	(void)state;
	assert_string_equal(period_kind_name(PERIOD_WEEK), "week");
	assert_string_equal(period_kind_name(PERIOD_FORTNIGHT), "fortnight");
	assert_string_equal(period_kind_name(PERIOD_MONTH), "month");
	assert_string_equal(period_kind_name(PERIOD_CAMPAIGN), "campaign");
	assert_int_equal(period_kind_parse("week", &k), 0);
	assert_int_equal(k, PERIOD_WEEK);
	assert_int_equal(period_kind_parse("fortnight", &k), 0);
	assert_int_equal(k, PERIOD_FORTNIGHT);
	assert_int_equal(period_kind_parse("month", &k), 0);
	assert_int_equal(k, PERIOD_MONTH);
	assert_int_equal(period_kind_parse("campaign", &k), 0);
	assert_int_equal(k, PERIOD_CAMPAIGN);
	assert_int_equal(period_kind_parse("Week", &k), -1);
	assert_int_equal(period_kind_parse("", &k), -1);
	assert_int_equal(period_kind_parse("day", &k), -1);
}

static void
assert_classify(const char *s, int want_rc, enum period_kind want)
{
	enum period_kind k = PERIOD_CAMPAIGN;

	assert_int_equal(period_classify(s, &k), want_rc);
	if (want_rc == 0)
		assert_int_equal(k, want);
}

static void
test_classify(void **state)
{
	(void)state;
	assert_classify("2027-W05", 0, PERIOD_WEEK);
	assert_classify("2027-W01", 0, PERIOD_WEEK);
	assert_classify("2027-W52", 0, PERIOD_WEEK);
	assert_classify("2026-W53", 0, PERIOD_WEEK); /* 2026 has 53 weeks */
	assert_classify("2020-W53", 0, PERIOD_WEEK);
	assert_classify("2027-F03", 0, PERIOD_FORTNIGHT);
	assert_classify("2027-F26", 0, PERIOD_FORTNIGHT);
	assert_classify("2026-F27", 0, PERIOD_FORTNIGHT);
	assert_classify("2027-03", 0, PERIOD_MONTH);
	assert_classify("2027-12", 0, PERIOD_MONTH);
	assert_classify("memo-2027", 0, PERIOD_CAMPAIGN);
	assert_classify("a", 0, PERIOD_CAMPAIGN);
	assert_classify("memo-2027-eenheid-oost-brabant-ronde-01a", 0,
	    PERIOD_CAMPAIGN); /* 40 characters */

	assert_classify("2027-W53", -1, 0); /* 2027 has 52 weeks */
	assert_classify("2027-W54", -1, 0);
	assert_classify("2027-W00", -1, 0);
	assert_classify("2027-W5", -1, 0);
	assert_classify("2027-W005", -1, 0);
	assert_classify("2027-w05", -1, 0);
	assert_classify("2027-F00", -1, 0);
	assert_classify("2027-F27", -1, 0); /* no week 53 in 2027 */
	assert_classify("2026-F28", -1, 0);
	assert_classify("2027-13", -1, 0);
	assert_classify("2027-00", -1, 0);
	assert_classify("2027-3", -1, 0);
	assert_classify("0000-03", -1, 0);
	assert_classify("27-03", -1, 0);
	assert_classify("Camp", -1, 0);
	assert_classify("", -1, 0);
	assert_classify("1-memo", -1, 0);
	assert_classify("-memo", -1, 0);
	assert_classify("memo_2027", -1, 0);
	assert_classify("memo 2027", -1, 0);
	assert_classify("memo-2027-eenheid-oost-brabant-ronde-01ab", -1, 0);
	assert_classify(NULL, -1, 0);
}

static void
assert_bounds(const char *s, const char *start, const char *end)
{
	time_t a, b;

	assert_int_equal(period_bounds(s, &a, &b), 0);
	assert_int_equal((long long)a, (long long)at(start));
	assert_int_equal((long long)b, (long long)at(end));
}

static void
test_bounds(void **state)
{
	time_t a, b;

	(void)state;
	assert_bounds("2027-W10", "2027-03-08T00:00:00Z", "2027-03-15T00:00:00Z");
	assert_bounds("2027-W01", "2027-01-04T00:00:00Z", "2027-01-11T00:00:00Z");
	assert_bounds("2026-W53", "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z");
	assert_bounds("2020-W01", "2019-12-30T00:00:00Z", "2020-01-06T00:00:00Z");
	assert_bounds("2027-F05", "2027-03-01T00:00:00Z", "2027-03-15T00:00:00Z");
	assert_bounds("2027-F01", "2027-01-04T00:00:00Z", "2027-01-18T00:00:00Z");
	assert_bounds("2027-F26", "2027-12-20T00:00:00Z", "2028-01-03T00:00:00Z");
	assert_bounds("2026-F27", "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z");
	assert_bounds("2027-03", "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z");
	assert_bounds("2027-12", "2027-12-01T00:00:00Z", "2028-01-01T00:00:00Z");
	assert_bounds("2024-02", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z");
	assert_bounds("2023-02", "2023-02-01T00:00:00Z", "2023-03-01T00:00:00Z");

	assert_int_equal(period_bounds("memo-2027", &a, &b), -1);
	assert_int_equal(period_bounds("2027-W53", &a, &b), -1);
	assert_int_equal(period_bounds("2027-13", &a, &b), -1);
	assert_int_equal(period_bounds("", &a, &b), -1);
}

/*
 * Every day from 1990 to 2060: period_of agrees with glibc's %G-W%V and
 * %Y-%m, and each period's bounds contain exactly its own times.
 */
static void
test_sweep_round_trip(void **state)
{
	static const enum period_kind kinds[] = {PERIOD_WEEK,
	    PERIOD_FORTNIGHT, PERIOD_MONTH};
	time_t t0 = at("1990-01-01T00:00:00Z");
	time_t t1 = at("2060-01-01T00:00:00Z");

	(void)state;
	for (time_t t = t0; t < t1; t += 86400) {
		char want[32], got[PERIOD_MAX];
		struct tm tm;

		assert_non_null(gmtime_r(&t, &tm));
		strftime(want, sizeof(want), "%G-W%V", &tm);
		assert_int_equal(period_of(PERIOD_WEEK, t + 86399, got,
		    sizeof(got)), 0);
		assert_string_equal(got, want);
		strftime(want, sizeof(want), "%Y-%m", &tm);
		assert_int_equal(period_of(PERIOD_MONTH, t, got, sizeof(got)), 0);
		assert_string_equal(got, want);

		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			char p[PERIOD_MAX], q[PERIOD_MAX];
			enum period_kind k;
			time_t a, b;

			assert_int_equal(period_of(kinds[i], t, p, sizeof(p)), 0);
			assert_int_equal(period_classify(p, &k), 0);
			assert_int_equal(k, kinds[i]);
			assert_int_equal(period_bounds(p, &a, &b), 0);
			assert_true(a <= t && t < b);
			assert_int_equal(period_of(kinds[i], a, q, sizeof(q)), 0);
			assert_string_equal(q, p);
			assert_int_equal(period_of(kinds[i], b - 1, q, sizeof(q)),
			    0);
			assert_string_equal(q, p);
			assert_int_equal(period_of(kinds[i], b, q, sizeof(q)), 0);
			assert_string_not_equal(q, p);
			assert_int_equal(period_of(kinds[i], a - 1, q, sizeof(q)),
			    0);
			assert_string_not_equal(q, p);
		}
	}
}

static void
test_tz_independent(void **state)
{
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;

	(void)state;
	setenv("TZ", "Pacific/Kiritimati", 1); /* UTC+14 */
	tzset();
	assert_period(PERIOD_WEEK, "2027-01-03T23:00:00Z", "2026-W53");
	assert_period(PERIOD_MONTH, "2027-02-28T23:00:00Z", "2027-02");
	assert_bounds("2027-03", "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z");
	setenv("TZ", "America/Los_Angeles", 1);
	tzset();
	assert_period(PERIOD_WEEK, "2027-01-04T01:00:00Z", "2027-W01");
	if (saved != NULL) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

static void
test_pols_now(void **state)
{
	char err[256];
	time_t t = 0, before, after;

	(void)state;
	setenv("POLS_NOW", "2027-03-10T09:00:00Z", 1);
	assert_int_equal(pols_now(&t, err, sizeof(err)), 0);
	assert_int_equal((long long)t, 1804669200LL);

	setenv("POLS_NOW", "2027-03-10 09:00", 1);
	err[0] = '\0';
	assert_int_equal(pols_now(&t, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "POLS_NOW: expected YYYY-MM-DDTHH:MM:SSZ, got '2027-03-10 09:00'");

	setenv("POLS_NOW", "2027-02-30T09:00:00Z", 1);
	assert_int_equal(pols_now(&t, err, sizeof(err)), -1);
	assert_string_equal(err, "POLS_NOW: expected YYYY-MM-DDTHH:MM:SSZ, "
	    "got '2027-02-30T09:00:00Z'");

	/* Empty counts as unset: the system clock. */
	setenv("POLS_NOW", "", 1);
	before = time(NULL);
	assert_int_equal(pols_now(&t, err, sizeof(err)), 0);
	after = time(NULL);
	assert_true(before <= t && t <= after);

	unsetenv("POLS_NOW");
	before = time(NULL);
	assert_int_equal(pols_now(&t, err, sizeof(err)), 0);
	after = time(NULL);
	assert_true(before <= t && t <= after);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_iso_weeks),
		cmocka_unit_test(test_fortnights),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_period_of_errors),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_sweep_round_trip),
		cmocka_unit_test(test_tz_independent),
		cmocka_unit_test(test_pols_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
