/*
 * stats.c - see stats.h. The t distribution through the regularised
 * incomplete beta function, evaluated by its continued fraction (modified
 * Lentz), as in every numerical text; double precision is ample for
 * p-values that are only compared with a few percent.
 */
#include <math.h>
#include <stdlib.h>

#include "stats.h"

/* One step of the modified Lentz method: returns the factor for h. */
static double
lentz(double aa, double *c, double *d)
{
	const double tiny = 1e-300;

	*d = 1 + aa * *d;
	*c = 1 + aa / *c;
	if (fabs(*d) < tiny)
		*d = tiny;
	if (fabs(*c) < tiny)
		*c = tiny;
	*d = 1 / *d;
	return *d * *c;
}

/* Continued fraction of I_x(a, b). */
static double
betacf(double a, double b, double x)
{
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	if (fabs(d) < 1e-300)
		d = 1e-300;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, del;

		h *= lentz(m * (b - m) * x / ((a + m2 - 1) * (a + m2)), &c, &d);
		del = lentz(-(a + m) * (a + b + m) * x / ((a + m2) *
		    (a + m2 + 1)), &c, &d);
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* Regularised incomplete beta I_x(a, b), 0 <= x <= 1. */
static double
ibeta(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
	    b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * betacf(a, b, x) / a;
	return 1 - front * betacf(b, a, 1 - x) / b;
}

double
stats_t_p2(double t, double df)
{
	if (!(df > 0) || isnan(t))
		return 1;
	if (isinf(t))
		return 0;
	return ibeta(df / 2, 0.5, df / (df + t * t));
}

double
stats_t975(double df)
{
	static double cache[1001];
	double lo = 1.959963984540054, hi = 13.0, q;
	int whole = df == floor(df) && df >= 1 && df <= 1000;

	if (df < 1)
		df = 1;
	if (whole && cache[(int)df] > 0)
		return cache[(int)df];
	if (df == 1)
		hi = 12.8; /* t(0.975; 1) = 12.706 */
	else if (df > 1e7)
		return lo;
	/* P(|T| >= q) = 0.05, decreasing in q: bisection. */
	for (int i = 0; i < 80; i++) {
		double mid = (lo + hi) / 2;
		if (stats_t_p2(mid, df) > 0.05)
			lo = mid;
		else
			hi = mid;
	}
	q = (lo + hi) / 2;
	if (whole)
		cache[(int)df] = q;
	return q;
}

double
stats_welch_p(double n1, double m1, double v1, double n2, double m2,
    double v2)
{
	double a, b, se2, df;

	if (n1 < 2 || n2 < 2)
		return -1;
	a = v1 / n1;
	b = v2 / n2;
	se2 = a + b;
	if (!(se2 > 0))
		return m1 == m2 ? -1 : 0;
	df = se2 * se2 / (a * a / (n1 - 1) + b * b / (n2 - 1));
	return stats_t_p2((m1 - m2) / sqrt(se2), df);
}

struct rank {
	double p;
	size_t i;
};

static int
by_p(const void *x, const void *y)
{
	const struct rank *a = x, *b = y;

	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

void
stats_bh(const double *p, size_t n, double q, int *rej)
{
	struct rank *r;
	size_t m = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		rej[i] = 0;
	if (n == 0 || (r = calloc(n, sizeof *r)) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 0)
			r[m++] = (struct rank){ p[i], i };
	qsort(r, m, sizeof *r, by_p);
	/* the largest k with p_(k) <= k q / m; reject 1..k */
	for (size_t j = m; j > 0; j--)
		if (r[j - 1].p <= (double)j * q / (double)m) {
			k = j;
			break;
		}
	for (size_t j = 0; j < k; j++)
		rej[r[j].i] = 1;
	free(r);
}
