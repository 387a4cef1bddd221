/*
 * score.c - see score.h and docs/scoring.md.
 */
#include <string.h>

#include "score.h"

int
score_item(const struct form_item *it, unsigned opt)
{
	int v;

	if (opt >= it->n_options)
		return -1;
	if (it->sensitive && opt == it->n_options - 1)
		return -1; /* zeg ik liever niet */
	switch (it->type) {
	case FORM_LIKERT5: /* options "1".."5" */
		v = (int)opt * 25;
		break;
	case FORM_FREQ5: /* options "0".."4" */
		v = (int)opt * 25;
		break;
	case FORM_SCALE0_10: /* options "0".."10" */
		v = (int)opt * 10;
		break;
	default:
		return -1;
	}
	return it->reverse ? 100 - v : v;
}

int
score_scale(const struct form *f, size_t s, const struct form_response *r,
    uint32_t *units, int item[FORM_SCALE_MAX_ITEMS], int *all)
{
	const struct form_scale *sc = &f->scales[s];
	unsigned answered = 0, sum = 0;

	*all = 1;
	for (size_t i = 0; i < sc->n_items && i < FORM_SCALE_MAX_ITEMS; i++) {
		int idx = form_item_index(f, sc->items[i]);
		int v = -1;

		if (idx >= 0 && r->a[idx].state == FORM_ANSWERED)
			v = score_item(&f->items[idx], r->a[idx].value);
		item[i] = v;
		if (v < 0) {
			*all = 0;
			continue;
		}
		answered++;
		sum += (unsigned)v;
	}
	if (answered == 0 || answered * 2 < sc->n_items)
		return 0;
	*units = (uint32_t)(sum * (SCORE_UNIT / answered));
	return 1;
}

enum score_zone
score_zone(const struct form_scale *s, uint32_t units)
{
	/* cut * 840 is exact for cuts with up to 3 decimals that are
	 * multiples of 1/840; compare in units to keep boundaries exact. */
	double u = (double)units, red = s->cut_red * SCORE_UNIT,
	    amber = s->cut_amber * SCORE_UNIT;

	if (s->direction == FORM_HIGHER_IS_WORSE)
		return u >= red ? SCORE_RED : u >= amber ? SCORE_AMBER :
		    SCORE_GREEN;
	return u <= red ? SCORE_RED : u <= amber ? SCORE_AMBER : SCORE_GREEN;
}

const char *
score_zone_name(enum score_zone z)
{
	static const char *const names[] = {"green", "amber", "red"};
	return names[z];
}

unsigned
score_bin(uint32_t units)
{
	unsigned b = units / (10 * SCORE_UNIT);
	return b >= SCORE_HIST_BINS ? SCORE_HIST_BINS - 1 : b;
}

size_t
score_prod_index(size_t k, size_t i, size_t j)
{
	/* rows 0..i-1 hold k, k-1, ..., k-i+1 entries */
	return i * k - i * (i - 1) / 2 + (j - i);
}

double
score_alpha(size_t k, uint64_t m, const uint64_t *sums, const uint64_t *prod)
{
	double item_var = 0, total_var = 0, dm = (double)m;

	if (k < 2 || m < 2)
		return -1;
	for (size_t i = 0; i < k; i++) {
		for (size_t j = i; j < k; j++) {
			/* (m-1) * cov_ij = sum x_i x_j - sum x_i sum x_j / m,
			 * computed as (m * sum x_i x_j - sum x_i sum x_j) / m
			 * on integers where they fit. */
			__int128 num = (__int128)m * prod[score_prod_index(k,
			    i, j)] - (__int128)sums[i] * sums[j];
			double cov = (double)num / dm / (dm - 1);
			if (i == j) {
				item_var += cov;
				total_var += cov;
			} else {
				total_var += 2 * cov;
			}
		}
	}
	if (total_var <= 0)
		return -1;
	return (double)k / (double)(k - 1) * (1.0 - item_var / total_var);
}
