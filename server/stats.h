/*
 * stats.h - the statistics behind the indicators (docs/indicators.md):
 * Student's t quantiles and tail probabilities, Welch's test on two
 * groups given only their sizes, means and variances (which is all an
 * aggregate holds), and the Benjamini-Hochberg step-up procedure.
 */
#ifndef POLS_STATS_H
#define POLS_STATS_H

#include <stddef.h>

/* P(|T| >= |t|) for Student's t with df > 0 degrees of freedom. */
double stats_t_p2(double t, double df);

/* The 0.975 quantile of Student's t with df degrees of freedom (the
 * half-width factor of a 95 % interval). df >= 1. */
double stats_t975(double df);

/* Welch's two-sided test of mean1 == mean2 from n, mean and sample
 * variance (n - 1 in the denominator) of each group. Returns the p-value,
 * or -1 when it is undefined (a group under 2, or both variances 0 and the
 * means equal). Both variances 0 and the means different: 0. */
double stats_welch_p(double n1, double m1, double v1, double n2, double m2,
    double v2);

/* Benjamini-Hochberg at false discovery rate q over n p-values (entries
 * < 0 take no part): sets rej[i] to 1 for the discoveries, else 0. */
void stats_bh(const double *p, size_t n, double q, int *rej);

#endif
