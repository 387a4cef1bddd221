/*
 * test_stats.c - the statistics behind the indicators against published
 * table values: Student's t quantiles and tail probabilities, Welch's test
 * (a textbook example worked by hand), and Benjamini-Hochberg on a small
 * set whose discoveries are known.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "stats.h"

static void
test_t_quantiles(void **state)
{
	(void)state;
	/* t(0.975; df), from any table */
	assert_true(fabs(stats_t975(1) - 12.7062) < 1e-4);
	assert_true(fabs(stats_t975(4) - 2.7764) < 1e-4);
	assert_true(fabs(stats_t975(10) - 2.2281) < 1e-4);
	assert_true(fabs(stats_t975(30) - 2.0423) < 1e-4);
	assert_true(fabs(stats_t975(1000) - 1.9623) < 1e-4);
	assert_true(fabs(stats_t975(64999) - 1.9600) < 1e-4);
	/* asked twice (cached), the same */
	assert_true(stats_t975(10) == stats_t975(10));
}

static void
test_t_tails(void **state)
{
	(void)state;
	assert_true(fabs(stats_t_p2(0, 5) - 1) < 1e-12);
	assert_true(fabs(stats_t_p2(2.2281389, 10) - 0.05) < 1e-6);
	assert_true(fabs(stats_t_p2(-2.2281389, 10) - 0.05) < 1e-6);
	assert_true(fabs(stats_t_p2(12.7062047, 1) - 0.05) < 1e-6);
	/* t = 1 with 1 df: the Cauchy distribution, P(|T| >= 1) = 1/2 */
	assert_true(fabs(stats_t_p2(1, 1) - 0.5) < 1e-9);
	assert_true(stats_t_p2(INFINITY, 3) == 0);
}

static void
test_welch(void **state)
{
	(void)state;
	/* Group 1: n 10, mean 20, var 4; group 2: n 20, mean 22, var 9.
	 * se^2 = 0.4 + 0.45 = 0.85, t = -2/sqrt(0.85) = -2.16930;
	 * df = 0.85^2 / (0.16/9 + 0.2025/19) = 25.4108. */
	double p = stats_welch_p(10, 20, 4, 20, 22, 9);
	assert_true(fabs(p - stats_t_p2(2 / sqrt(0.85), 0.7225 /
	    (0.16 / 9 + 0.2025 / 19))) < 1e-12);
	assert_true(p > 0.03 && p < 0.05); /* 0.0396 by hand */
	/* too small a group: undefined */
	assert_true(stats_welch_p(1, 20, 0, 20, 22, 9) == -1);
	/* no spread at all: equal means undefined, different means certain */
	assert_true(stats_welch_p(5, 50, 0, 5, 50, 0) == -1);
	assert_true(stats_welch_p(5, 50, 0, 5, 60, 0) == 0);
}

static void
test_bh(void **state)
{
	/* Benjamini & Hochberg's step-up at q = 0.05 over 6 p-values: the
	 * thresholds are 0.0083 0.0167 0.025 0.0333 0.0417 0.05; sorted p
	 * 0.001 0.008 0.039 0.041 0.042 0.6. The largest k with p(k) <= k q/m:
	 * 0.6 > 0.05, 0.042 > 0.0417, 0.041 > 0.0333, 0.039 > 0.025,
	 * 0.008 <= 0.0167: k = 2, so 0.001 and 0.008 are the discoveries. */
	double p[7] = { 0.039, 0.001, 0.6, 0.041, 0.008, 0.042, -1 };
	int rej[7];

	(void)state;
	stats_bh(p, 7, 0.05, rej);
	assert_int_equal(rej[0], 0);
	assert_int_equal(rej[1], 1);
	assert_int_equal(rej[2], 0);
	assert_int_equal(rej[3], 0);
	assert_int_equal(rej[4], 1);
	assert_int_equal(rej[5], 0);
	assert_int_equal(rej[6], 0); /* no p-value: no part */
	/* a later p under its threshold carries earlier ones with it */
	double q[3] = { 0.04, 0.03, 0.05 };
	int r2[3];
	stats_bh(q, 3, 0.05, r2);
	assert_true(r2[0] && r2[1] && r2[2]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t_quantiles),
		cmocka_unit_test(test_t_tails),
		cmocka_unit_test(test_welch),
		cmocka_unit_test(test_bh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
